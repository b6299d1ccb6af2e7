-- Catalog (GD-290 ch.2): entries, their versions and items, the data-element
-- register with its source conflicts, not-shared filings, and the agency's
-- catalog work: collection list, information systems, demand list.
CREATE TABLE catalog_entries (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	agency_id         INTEGER NOT NULL REFERENCES agencies(id),
	jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions(code),
	class_code        TEXT NOT NULL,
	seq               INTEGER NOT NULL,
	resource_code     TEXT NOT NULL UNIQUE,
	status            TEXT NOT NULL,
	published_version INTEGER NOT NULL DEFAULT 0,
	latest_version    INTEGER NOT NULL DEFAULT 1,
	-- The published version (or, before publication, the latest one),
	-- denormalised for search and facets.
	name              TEXT NOT NULL,
	summary           TEXT NOT NULL DEFAULT '',
	keywords          TEXT NOT NULL DEFAULT '',
	item_names        TEXT NOT NULL DEFAULT '',
	category          INTEGER NOT NULL DEFAULT 0,
	share_type        TEXT NOT NULL DEFAULT '',
	open_attr         TEXT NOT NULL DEFAULT '',
	update_freq       TEXT NOT NULL DEFAULT '',
	data_form         TEXT NOT NULL DEFAULT '',
	max_grade         TEXT NOT NULL DEFAULT '',
	published_at      TIMESTAMP,
	delisted_at       TIMESTAMP,
	delist_reason     TEXT NOT NULL DEFAULT '',
	created_at        TIMESTAMP NOT NULL,
	updated_at        TIMESTAMP NOT NULL,
	UNIQUE (class_code, seq)
);
CREATE INDEX catalog_entries_agency ON catalog_entries(agency_id);
CREATE INDEX catalog_entries_jurisdiction ON catalog_entries(jurisdiction_code, status);
CREATE INDEX catalog_entries_published ON catalog_entries(published_at);

CREATE TABLE catalog_versions (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	entry_id   INTEGER NOT NULL REFERENCES catalog_entries(id),
	version    INTEGER NOT NULL,
	state      TEXT NOT NULL,
	case_id    INTEGER REFERENCES cases(id),
	metadata   TEXT NOT NULL,
	created_by INTEGER REFERENCES users(id),
	created_at TIMESTAMP NOT NULL,
	updated_at TIMESTAMP NOT NULL,
	UNIQUE (entry_id, version)
);

CREATE TABLE data_elements (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	name             TEXT NOT NULL UNIQUE,
	definition       TEXT NOT NULL DEFAULT '',
	type             TEXT NOT NULL DEFAULT '',
	standard         TEXT NOT NULL DEFAULT '',
	source_agency_id INTEGER NOT NULL REFERENCES agencies(id),
	entry_id         INTEGER REFERENCES catalog_entries(id),
	created_at       TIMESTAMP NOT NULL,
	updated_at       TIMESTAMP NOT NULL
);
CREATE INDEX data_elements_source ON data_elements(source_agency_id);

CREATE TABLE catalog_items (
	version_id  INTEGER NOT NULL REFERENCES catalog_versions(id),
	ordinal     INTEGER NOT NULL,
	name        TEXT NOT NULL,
	type        TEXT NOT NULL,
	grade       TEXT NOT NULL,
	personal    BOOLEAN NOT NULL DEFAULT 0,
	is_key      BOOLEAN NOT NULL DEFAULT 0,
	is_source   BOOLEAN NOT NULL DEFAULT 0,
	element     TEXT NOT NULL DEFAULT '',
	PRIMARY KEY (version_id, ordinal)
);
CREATE INDEX catalog_items_element ON catalog_items(element);

-- GD-290 §14, HZ §15: a second claim to be the source of an element is
-- refused and raised here for the authority to settle.
CREATE TABLE element_conflicts (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	element_id          INTEGER NOT NULL REFERENCES data_elements(id),
	claimant_agency_id  INTEGER NOT NULL REFERENCES agencies(id),
	holder_agency_id    INTEGER NOT NULL REFERENCES agencies(id),
	entry_id            INTEGER NOT NULL REFERENCES catalog_entries(id),
	jurisdiction_code   TEXT NOT NULL REFERENCES jurisdictions(code),
	state               TEXT NOT NULL DEFAULT 'open',
	decision            TEXT NOT NULL DEFAULT '',
	reason              TEXT NOT NULL DEFAULT '',
	raised_at           TIMESTAMP NOT NULL,
	settled_at          TIMESTAMP,
	settled_by          INTEGER REFERENCES users(id)
);
CREATE UNIQUE INDEX element_conflicts_open ON element_conflicts(element_id, claimant_agency_id) WHERE state = 'open';

-- GD-290 §13, MZ §10, HZ §14: a not-shared listing is filed with the
-- same-level authority.
CREATE TABLE catalog_filings (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	entry_id            INTEGER NOT NULL REFERENCES catalog_entries(id),
	version_id          INTEGER NOT NULL REFERENCES catalog_versions(id),
	agency_id           INTEGER NOT NULL REFERENCES agencies(id),
	authority_agency_id INTEGER NOT NULL REFERENCES agencies(id),
	basis               TEXT NOT NULL,
	filed_at            TIMESTAMP NOT NULL,
	UNIQUE (version_id)
);

-- The agency's catalog work: the collection list (GD-290 §14), its
-- information systems with their design documents and its data demands (JM §9).
CREATE TABLE catalog_registers (
	id          INTEGER PRIMARY KEY AUTOINCREMENT,
	kind        TEXT NOT NULL CHECK (kind IN ('collection', 'system', 'demand')),
	agency_id   INTEGER NOT NULL REFERENCES agencies(id),
	name        TEXT NOT NULL,
	detail      TEXT NOT NULL DEFAULT '{}',
	created_by  INTEGER REFERENCES users(id),
	created_at  TIMESTAMP NOT NULL,
	updated_at  TIMESTAMP NOT NULL
);
CREATE INDEX catalog_registers_agency ON catalog_registers(agency_id, kind);

CREATE TABLE catalog_documents (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	register_id  INTEGER NOT NULL REFERENCES catalog_registers(id),
	name         TEXT NOT NULL,
	kind         TEXT NOT NULL,
	media_type   TEXT NOT NULL,
	size         INTEGER NOT NULL,
	sha256       TEXT NOT NULL,
	content      BLOB NOT NULL,
	uploaded_by  INTEGER REFERENCES users(id),
	uploaded_at  TIMESTAMP NOT NULL
);
