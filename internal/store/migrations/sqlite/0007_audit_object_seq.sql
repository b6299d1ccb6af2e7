-- The entries of one object in chain order (see the PostgreSQL migration).
-- On SQLite seq is the rowid, which every index entry already ends with,
-- so audit_entries_object serves already; the step keeps both engines at
-- the same schema version.
SELECT 1;
