-- Sharing exchange (一网共享), GD-290 ch.4, JM §12–20, MZ §19–25, HZ §23–28.

-- An application system (应用系统) of a consumer agency, registered with
-- the platform: grants are bound to it and the gateway knows it by its
-- client ID and secret. Only the SM3 digest of a secret is kept; a rotated
-- secret stays valid until prev_valid_until, so the agency can redeploy.
CREATE TABLE share_apps (
	id               INTEGER PRIMARY KEY AUTOINCREMENT,
	agency_id        INTEGER NOT NULL REFERENCES agencies(id),
	name             TEXT NOT NULL,
	description      TEXT NOT NULL DEFAULT '',
	client_id        TEXT NOT NULL UNIQUE,
	secret_hash      TEXT NOT NULL,
	prev_secret_hash TEXT NOT NULL DEFAULT '',
	prev_valid_until TIMESTAMP,
	rotated_at       TIMESTAMP,
	disabled         BOOLEAN NOT NULL DEFAULT 0,
	created_by       INTEGER REFERENCES users(id),
	created_at       TIMESTAMP NOT NULL,
	updated_at       TIMESTAMP NOT NULL
);
CREATE UNIQUE INDEX share_apps_name ON share_apps(agency_id, name);

-- A share request (共享申请): a consumer agency asks for a catalog entry's
-- items for one purpose and scenario (JM §13: one per concrete use); or a
-- demand for data not yet catalogued (HZ §24); or a verification service
-- (核实、比对, GD-290 §23 para 3); or an offline delivery (GD-290 §23
-- para 4, JM §15). Conditional requests run as cases (case_id); approval
-- is what the source agency fixed (GD-290 §24), possibly narrower.
CREATE TABLE share_requests (
	id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	kind               TEXT NOT NULL,
	state              TEXT NOT NULL,
	consumer_agency_id INTEGER NOT NULL REFERENCES agencies(id),
	source_agency_id   INTEGER NOT NULL REFERENCES agencies(id),
	jurisdiction_code  TEXT NOT NULL REFERENCES jurisdictions(code),
	profile            TEXT NOT NULL,
	entry_id           INTEGER REFERENCES catalog_entries(id),
	entry_version      INTEGER NOT NULL DEFAULT 0,
	dataset_id         INTEGER REFERENCES datasets(id),
	share_type         TEXT NOT NULL DEFAULT '',
	app_id             INTEGER REFERENCES share_apps(id),
	spec               TEXT NOT NULL,
	approval           TEXT NOT NULL DEFAULT '',
	refusal_basis      TEXT NOT NULL DEFAULT '',
	demand             TEXT NOT NULL DEFAULT '',
	delivery           TEXT NOT NULL DEFAULT '',
	cross_level        BOOLEAN NOT NULL DEFAULT 0,
	case_id            INTEGER REFERENCES cases(id),
	grant_id           INTEGER,
	created_by         INTEGER REFERENCES users(id),
	created_at         TIMESTAMP NOT NULL,
	updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX share_requests_consumer ON share_requests(consumer_agency_id, id);
CREATE INDEX share_requests_source ON share_requests(source_agency_id, id);
CREATE INDEX share_requests_jurisdiction ON share_requests(jurisdiction_code, id);

-- A filing (备案) of a cross-level or cross-region request with the
-- consumer's same-level and upper-level authorities (GD-290 §25, HZ §26).
CREATE TABLE share_filings (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	request_id          INTEGER NOT NULL REFERENCES share_requests(id),
	authority_agency_id INTEGER NOT NULL REFERENCES agencies(id),
	level               TEXT NOT NULL,
	created_at          TIMESTAMP NOT NULL,
	UNIQUE (request_id, authority_agency_id)
);
CREATE INDEX share_filings_authority ON share_filings(authority_agency_id, id);

-- A grant (授权): what one consumer's application may take through the
-- gateway, fixed by the decision (GD-290 §24): items with their masks, row
-- scope, mode, scenario, end date, quota and rate. suspended grants answer
-- nothing until a restoring decision (HZ §25). The per-grant pseudonym key
-- is sealed with the node's secrets key.
CREATE TABLE share_grants (
	id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	request_id         INTEGER REFERENCES share_requests(id),
	kind               TEXT NOT NULL,
	state              TEXT NOT NULL,
	consumer_agency_id INTEGER NOT NULL REFERENCES agencies(id),
	source_agency_id   INTEGER NOT NULL REFERENCES agencies(id),
	app_id             INTEGER REFERENCES share_apps(id),
	entry_id           INTEGER REFERENCES catalog_entries(id),
	dataset_id         INTEGER REFERENCES datasets(id),
	jurisdiction_code  TEXT NOT NULL REFERENCES jurisdictions(code),
	profile            TEXT NOT NULL,
	mode               TEXT NOT NULL,
	items              TEXT NOT NULL,
	row_scope          TEXT NOT NULL DEFAULT '',
	purpose            TEXT NOT NULL,
	purpose_category   TEXT NOT NULL,
	scenario           TEXT NOT NULL,
	starts_on          TEXT NOT NULL,
	end_date           TEXT NOT NULL,
	quota_daily        INTEGER NOT NULL,
	rate_per_minute    INTEGER NOT NULL,
	key_lookup_only    BOOLEAN NOT NULL DEFAULT 0,
	pseudonym_key      TEXT NOT NULL,
	suspended_reason   TEXT NOT NULL DEFAULT '',
	suspended_at       TIMESTAMP,
	suspended_by       INTEGER REFERENCES agencies(id),
	created_at         TIMESTAMP NOT NULL,
	updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX share_grants_consumer ON share_grants(consumer_agency_id, id);
CREATE INDEX share_grants_source ON share_grants(source_agency_id, id);
CREATE INDEX share_grants_app ON share_grants(app_id);
CREATE INDEX share_grants_dataset ON share_grants(dataset_id);

-- The decisions in a grant's life: issued, suspended (with the reason the
-- consumer is told), restored (with its decision), credentials rotated.
CREATE TABLE share_grant_events (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	grant_id        INTEGER NOT NULL REFERENCES share_grants(id),
	action          TEXT NOT NULL,
	reason          TEXT NOT NULL DEFAULT '',
	actor_user_id   INTEGER REFERENCES users(id),
	actor_agency_id INTEGER REFERENCES agencies(id),
	at              TIMESTAMP NOT NULL
);
CREATE INDEX share_grant_events_grant ON share_grant_events(grant_id, id);

-- A delivery of a table or file extract (库表/文件共享): what was
-- delivered, how many rows, and the SM3 digest of the data file.
CREATE TABLE share_extracts (
	id         INTEGER PRIMARY KEY AUTOINCREMENT,
	grant_id   INTEGER NOT NULL REFERENCES share_grants(id),
	rows       INTEGER NOT NULL,
	sm3        TEXT NOT NULL,
	manifest   TEXT NOT NULL,
	created_by INTEGER REFERENCES users(id),
	created_at TIMESTAMP NOT NULL
);
CREATE INDEX share_extracts_grant ON share_extracts(grant_id, id);

-- Use feedback (使用情况反馈, GD-290 §46, JM §20, MZ §39, HZ §23): one
-- row per grant and period, due at the period's end.
CREATE TABLE share_feedback (
	id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	grant_id           INTEGER NOT NULL REFERENCES share_grants(id),
	consumer_agency_id INTEGER NOT NULL REFERENCES agencies(id),
	period_start       TEXT NOT NULL,
	period_end         TEXT NOT NULL,
	due_date           TEXT NOT NULL,
	state              TEXT NOT NULL,
	report             TEXT NOT NULL DEFAULT '',
	submitted_at       TIMESTAMP,
	submitted_by       INTEGER REFERENCES users(id),
	reminded_at        TIMESTAMP,
	noticed_at         TIMESTAMP,
	created_at         TIMESTAMP NOT NULL,
	UNIQUE (grant_id, period_start)
);
CREATE INDEX share_feedback_due ON share_feedback(state, due_date);

-- A data error report (数据异议/纠错, JM §19, MZ §23, HZ §28): the
-- consumer names a record and item; the source agency verifies and fixes
-- under the profile's deadlines (a case); the fix is a new load.
CREATE TABLE share_errors (
	id                 INTEGER PRIMARY KEY AUTOINCREMENT,
	grant_id           INTEGER REFERENCES share_grants(id),
	dataset_id         INTEGER NOT NULL REFERENCES datasets(id),
	consumer_agency_id INTEGER NOT NULL REFERENCES agencies(id),
	source_agency_id   INTEGER NOT NULL REFERENCES agencies(id),
	record_key         TEXT NOT NULL,
	item               TEXT NOT NULL,
	description        TEXT NOT NULL,
	state              TEXT NOT NULL,
	case_id            INTEGER REFERENCES cases(id),
	resolution         TEXT NOT NULL DEFAULT '',
	-- When the fix falls due: from receipt or from verification, as the
	-- source's share.error.fix.from says; noticed_at marks the notice raised
	-- for a fix due from receipt (the case's own deadline runs from verification).
	fix_due_date       TEXT NOT NULL DEFAULT '',
	noticed_at         TIMESTAMP,
	fixed_batch_id     INTEGER REFERENCES dataset_batches(id),
	created_at         TIMESTAMP NOT NULL,
	updated_at         TIMESTAMP NOT NULL
);
CREATE INDEX share_errors_source ON share_errors(source_agency_id, id);
CREATE INDEX share_errors_consumer ON share_errors(consumer_agency_id, id);
