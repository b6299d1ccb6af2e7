-- A revision of the search index: every change of catalog_search bumps it
-- in the transaction of the change. A search reads it (with its matches, in
-- one statement) to know whether its process's in-memory copy of
-- catalog_search is current; several processes may share one database, so
-- the counter lives here and not in memory.
CREATE TABLE catalog_search_rev (
	id  INTEGER PRIMARY KEY CHECK (id = 1),
	rev BIGINT NOT NULL
);
INSERT INTO catalog_search_rev(id, rev) VALUES (1, 1);
CREATE FUNCTION catalog_search_bump_rev() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE catalog_search_rev SET rev = rev + 1 WHERE id = 1;
	RETURN NULL;
END
$$;
CREATE TRIGGER catalog_search_rev_change AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON catalog_search
	FOR EACH STATEMENT EXECUTE FUNCTION catalog_search_bump_rev();
