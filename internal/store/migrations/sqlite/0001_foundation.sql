-- Foundation: organisations, accounts, audit trail, procedures, calendar.
CREATE TABLE jurisdictions (
	code        TEXT PRIMARY KEY,            -- GB/T 2260, six digits
	name        TEXT NOT NULL,
	level       TEXT NOT NULL CHECK (level IN ('province','city','county')),
	parent_code TEXT REFERENCES jurisdictions(code),
	created_at  TIMESTAMP NOT NULL
);

CREATE TABLE agencies (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	credit_code       TEXT NOT NULL UNIQUE,  -- GB 32100
	name              TEXT NOT NULL,
	sector            TEXT NOT NULL DEFAULT '',
	jurisdiction_code TEXT NOT NULL REFERENCES jurisdictions(code),
	is_authority      BOOLEAN NOT NULL DEFAULT 0,
	public_enterprise BOOLEAN NOT NULL DEFAULT 0,
	cdo_name          TEXT NOT NULL DEFAULT '',
	cdo_title         TEXT NOT NULL DEFAULT '',
	created_at        TIMESTAMP NOT NULL,
	updated_at        TIMESTAMP NOT NULL,
	UNIQUE (jurisdiction_code, name)
);
-- GD-290 §5: one data authority per jurisdiction.
CREATE UNIQUE INDEX agencies_one_authority ON agencies(jurisdiction_code) WHERE is_authority;

CREATE TABLE users (
	id                INTEGER PRIMARY KEY AUTOINCREMENT,
	username          TEXT NOT NULL UNIQUE,
	display_name      TEXT NOT NULL DEFAULT '',
	password_hash     TEXT NOT NULL DEFAULT '',
	role              TEXT NOT NULL,
	agency_id         INTEGER REFERENCES agencies(id),
	jurisdiction_code TEXT REFERENCES jurisdictions(code),
	failed_logins     INTEGER NOT NULL DEFAULT 0,
	locked_until      TIMESTAMP,
	disabled          BOOLEAN NOT NULL DEFAULT 0,
	created_at        TIMESTAMP NOT NULL,
	updated_at        TIMESTAMP NOT NULL
);

CREATE TABLE sessions (
	id_hash      TEXT PRIMARY KEY,
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	csrf_token   TEXT NOT NULL,
	client_addr  TEXT NOT NULL DEFAULT '',
	created_at   TIMESTAMP NOT NULL,
	expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX sessions_user ON sessions(user_id);

CREATE TABLE api_tokens (
	id           INTEGER PRIMARY KEY AUTOINCREMENT,
	user_id      INTEGER NOT NULL REFERENCES users(id) ON DELETE CASCADE,
	name         TEXT NOT NULL DEFAULT '',
	token_hash   TEXT NOT NULL UNIQUE,
	prefix       TEXT NOT NULL,
	created_at   TIMESTAMP NOT NULL,
	expires_at   TIMESTAMP NOT NULL,
	revoked_at   TIMESTAMP,
	last_used_at TIMESTAMP
);
CREATE INDEX api_tokens_user ON api_tokens(user_id);

CREATE TABLE audit_entries (
	seq          INTEGER PRIMARY KEY,
	at           TIMESTAMP NOT NULL,
	actor        TEXT NOT NULL,
	actor_id     INTEGER,
	agency_id    INTEGER,
	role         TEXT NOT NULL DEFAULT '',
	action       TEXT NOT NULL,
	object_type  TEXT NOT NULL DEFAULT '',
	object_id    TEXT NOT NULL DEFAULT '',
	purpose      TEXT NOT NULL DEFAULT '',
	outcome      TEXT NOT NULL,
	client_addr  TEXT NOT NULL DEFAULT '',
	request_id   TEXT NOT NULL DEFAULT '',
	detail       TEXT NOT NULL DEFAULT '',
	prev_hash    TEXT NOT NULL,
	hash         TEXT NOT NULL
);
CREATE INDEX audit_entries_at ON audit_entries(at);
CREATE INDEX audit_entries_actor ON audit_entries(actor);
CREATE INDEX audit_entries_object ON audit_entries(object_type, object_id);

-- The chain's head: the last sequence number and hash. Writers lock it, so
-- the chain is linear, and verify compares it with the last row, so a removed
-- or added tail is detected.
CREATE TABLE audit_head (
	id   INTEGER PRIMARY KEY CHECK (id = 1),
	seq  INTEGER NOT NULL,
	hash TEXT NOT NULL
);
INSERT INTO audit_head(id, seq, hash) VALUES (1, 0, '');

CREATE TABLE cases (
	id                   INTEGER PRIMARY KEY AUTOINCREMENT,
	kind                 TEXT NOT NULL,
	state                TEXT NOT NULL,
	title                TEXT NOT NULL DEFAULT '',
	jurisdiction_code    TEXT NOT NULL REFERENCES jurisdictions(code),
	profile              TEXT NOT NULL,
	applicant_agency_id  INTEGER REFERENCES agencies(id),
	respondent_agency_id INTEGER REFERENCES agencies(id),
	object_type          TEXT NOT NULL DEFAULT '',
	object_id            TEXT NOT NULL DEFAULT '',
	fields               TEXT NOT NULL DEFAULT '{}',
	due_key              TEXT NOT NULL DEFAULT '',
	due_basis            TEXT NOT NULL DEFAULT '',
	due_party            TEXT NOT NULL DEFAULT '',
	started_at           TIMESTAMP,
	due_date             TEXT NOT NULL DEFAULT '',
	due_at               TIMESTAMP,
	overdue              BOOLEAN NOT NULL DEFAULT 0,
	closed               BOOLEAN NOT NULL DEFAULT 0,
	created_by           INTEGER REFERENCES users(id),
	created_at           TIMESTAMP NOT NULL,
	updated_at           TIMESTAMP NOT NULL
);
CREATE INDEX cases_due ON cases(due_at) WHERE NOT overdue AND NOT closed;
CREATE INDEX cases_applicant ON cases(applicant_agency_id);
CREATE INDEX cases_respondent ON cases(respondent_agency_id);
CREATE INDEX cases_object ON cases(object_type, object_id);

CREATE TABLE case_events (
	id              INTEGER PRIMARY KEY AUTOINCREMENT,
	case_id         INTEGER NOT NULL REFERENCES cases(id),
	action          TEXT NOT NULL,
	from_state      TEXT NOT NULL,
	to_state        TEXT NOT NULL,
	actor_user_id   INTEGER REFERENCES users(id),
	actor_agency_id INTEGER REFERENCES agencies(id),
	fields          TEXT NOT NULL DEFAULT '{}',
	at              TIMESTAMP NOT NULL
);
CREATE INDEX case_events_case ON case_events(case_id, id);

CREATE TABLE supervision_notices (
	id                  INTEGER PRIMARY KEY AUTOINCREMENT,
	case_id             INTEGER REFERENCES cases(id),
	against_agency_id   INTEGER NOT NULL REFERENCES agencies(id),
	authority_agency_id INTEGER REFERENCES agencies(id),
	jurisdiction_code   TEXT NOT NULL REFERENCES jurisdictions(code),
	reason_code         TEXT NOT NULL,
	reason              TEXT NOT NULL,
	basis               TEXT NOT NULL,
	state               TEXT NOT NULL DEFAULT 'open',
	due_key             TEXT NOT NULL DEFAULT '',
	missed_at           TIMESTAMP,
	created_at          TIMESTAMP NOT NULL,
	closed_at           TIMESTAMP,
	UNIQUE (case_id, due_key, against_agency_id)
);
CREATE INDEX supervision_notices_against ON supervision_notices(against_agency_id);

-- Years of the working-day calendar loaded by an administrator after release.
CREATE TABLE calendar_years (
	year      INTEGER PRIMARY KEY,
	data      TEXT NOT NULL,
	loaded_at TIMESTAMP NOT NULL,
	loaded_by TEXT NOT NULL
);
