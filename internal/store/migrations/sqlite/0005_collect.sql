-- Collection (汇聚) and quality (治理), GD-290 §14–21, JM §8–11, MZ §11–18,
-- HZ §15–22, §29.

-- A dataset holds the rows of one published structured catalog entry in a
-- table of its own (ds_<id>), typed from the entry's items. columns is the
-- JSON list of the table's columns: each keeps its physical name for life,
-- so a new catalog version adds or retypes columns and never loses rows.
-- A return-flow dataset (HZ §29) copies a provincial dataset's rows of one
-- region into the city's node: it names its origin and a cursor.
CREATE TABLE datasets (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	entry_id          INTEGER NOT NULL REFERENCES catalog_entries(id),
	agency_id         INTEGER NOT NULL REFERENCES agencies(id),
	jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions(code),
	name              TEXT NOT NULL,
	table_name        TEXT NOT NULL UNIQUE,
	schema_version    INTEGER NOT NULL,
	columns           TEXT NOT NULL,
	update_freq       TEXT NOT NULL,
	base_group        TEXT NOT NULL DEFAULT '',
	origin_dataset_id INTEGER REFERENCES datasets(id),
	origin_cursor     INTEGER NOT NULL DEFAULT 0,
	row_count         INTEGER NOT NULL DEFAULT 0,
	last_batch_id     INTEGER,
	last_load_at      TIMESTAMP,
	stale_since       TIMESTAMP,
	quality_score     REAL,
	created_at        TIMESTAMP NOT NULL,
	updated_at        TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX datasets_entry ON datasets(entry_id) WHERE origin_dataset_id IS NULL;
CREATE UNIQUE INDEX datasets_return ON datasets(origin_dataset_id, jurisdiction_code) WHERE origin_dataset_id IS NOT NULL;
CREATE INDEX datasets_agency ON datasets(agency_id);

-- One load of a dataset, through any channel. A batch is all or nothing:
-- loaded (every row in), or rejected (nothing in; errors names each bad row
-- and field). A client batch ID makes a push idempotent: once a batch with
-- it loaded, the same ID returns that batch and loads nothing.
CREATE TABLE dataset_batches (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	dataset_id      INTEGER NOT NULL REFERENCES datasets(id),
	client_batch_id TEXT NOT NULL DEFAULT '',
	channel         TEXT NOT NULL,
	mode            TEXT NOT NULL,
	state           TEXT NOT NULL,
	format          TEXT NOT NULL DEFAULT '',
	encoding        TEXT NOT NULL DEFAULT '',
	file_name       TEXT NOT NULL DEFAULT '',
	agency_id       INTEGER NOT NULL REFERENCES agencies(id),
	user_id         INTEGER REFERENCES users(id),
	source_id       INTEGER,
	rows_read       INTEGER NOT NULL DEFAULT 0,
	rows_inserted   INTEGER NOT NULL DEFAULT 0,
	rows_updated    INTEGER NOT NULL DEFAULT 0,
	rows_deleted    INTEGER NOT NULL DEFAULT 0,
	expected_rows   INTEGER NOT NULL DEFAULT 0,
	error_count     INTEGER NOT NULL DEFAULT 0,
	errors          TEXT NOT NULL DEFAULT '[]',
	quality         TEXT NOT NULL DEFAULT '{}',
	started_at      TIMESTAMP NOT NULL,
	finished_at     TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX dataset_batches_client ON dataset_batches(dataset_id, client_batch_id) WHERE client_batch_id <> '' AND state = 'loaded';
CREATE INDEX dataset_batches_dataset ON dataset_batches(dataset_id, id);

-- Database pull (库表, JM §10, MZ §12): a source table in an agency's
-- PostgreSQL or MySQL/MariaDB. The connection string is sealed (SM4-GCM
-- with the node's secrets key, kept outside the database).
CREATE TABLE dataset_sources (
	id            INTEGER PRIMARY KEY AUTOINCREMENT,
	dataset_id    INTEGER NOT NULL REFERENCES datasets(id),
	driver        TEXT NOT NULL,
	dsn_sealed    TEXT NOT NULL,
	dsn_redacted  TEXT NOT NULL,
	source_table  TEXT NOT NULL,
	column_map    TEXT NOT NULL,
	key_columns   TEXT NOT NULL DEFAULT '',
	update_column TEXT NOT NULL DEFAULT '',
	mode          TEXT NOT NULL,
	cursor        TEXT NOT NULL DEFAULT '',
	enabled       BOOLEAN NOT NULL DEFAULT 1,
	next_run_at   TIMESTAMP,
	last_run_at   TIMESTAMP,
	last_batch_id INTEGER,
	last_error    TEXT NOT NULL DEFAULT '',
	created_by    INTEGER REFERENCES users(id),
	created_at    TIMESTAMP NOT NULL,
	updated_at    TIMESTAMP NOT NULL
);
CREATE INDEX dataset_sources_dataset ON dataset_sources(dataset_id);

-- HZ §18: an agency that cannot feed its data through the channels files
-- why with the authority.
CREATE TABLE collection_exemptions (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	agency_id           INTEGER NOT NULL REFERENCES agencies(id),
	entry_id            INTEGER NOT NULL REFERENCES catalog_entries(id),
	authority_agency_id INTEGER NOT NULL REFERENCES agencies(id),
	jurisdiction_code   TEXT NOT NULL REFERENCES jurisdictions(code),
	reason              TEXT NOT NULL,
	alternative         TEXT NOT NULL DEFAULT '',
	basis               TEXT NOT NULL,
	filed_by            INTEGER REFERENCES users(id),
	filed_at            TIMESTAMP NOT NULL
);
CREATE INDEX collection_exemptions_agency ON collection_exemptions(agency_id);

-- Quality (GD-290 §16–17, HZ §20): a measurement of a dataset after each
-- load and each watch, kept over time.
CREATE TABLE quality_snapshots (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	dataset_id   INTEGER NOT NULL REFERENCES datasets(id),
	agency_id    INTEGER NOT NULL REFERENCES agencies(id),
	batch_id     INTEGER REFERENCES dataset_batches(id),
	measured_at  TIMESTAMP NOT NULL,
	completeness REAL NOT NULL,
	accuracy     REAL NOT NULL,
	consistency  REAL NOT NULL,
	timeliness   REAL NOT NULL,
	score        REAL NOT NULL,
	details      TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX quality_snapshots_dataset ON quality_snapshots(dataset_id, measured_at);
CREATE INDEX quality_snapshots_agency ON quality_snapshots(agency_id, measured_at);

-- Base databases (GD-290 §17–20): one record per key, attribute group and
-- feeding dataset; attributes is the group's values as JSON.
CREATE TABLE base_records (
	base        TEXT NOT NULL,
	record_key  TEXT NOT NULL,
	group_key   TEXT NOT NULL,
	dataset_id  INTEGER NOT NULL REFERENCES datasets(id),
	agency_id   INTEGER NOT NULL REFERENCES agencies(id),
	attributes  TEXT NOT NULL,
	updated_at  TIMESTAMP NOT NULL,
	PRIMARY KEY (base, record_key, group_key, dataset_id)
);
CREATE INDEX base_records_dataset ON base_records(dataset_id);

-- Theme databases (主题数据库, GD-290 §17, MZ §14): a join over datasets on
-- a shared key, materialised in table_name and refreshed on load.
CREATE TABLE theme_databases (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	name              TEXT NOT NULL,
	jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions(code),
	agency_id         INTEGER NOT NULL REFERENCES agencies(id),
	key_kind          TEXT NOT NULL,
	definition        TEXT NOT NULL,
	table_name        TEXT NOT NULL UNIQUE,
	row_count         INTEGER NOT NULL DEFAULT 0,
	refreshed_at      TIMESTAMP,
	last_error        TEXT NOT NULL DEFAULT '',
	created_by        INTEGER REFERENCES users(id),
	created_at        TIMESTAMP NOT NULL
);
