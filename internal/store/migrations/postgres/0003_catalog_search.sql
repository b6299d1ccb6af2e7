-- Catalog search (issue 3, item 5): Chinese full-text search with facets
-- over the fields catalog_entries denormalises from each entry's shown version.
--
-- pg_trgm ignores CJK under the C locale and helps only 3+ character
-- queries under C.UTF-8 (DESIGN.md, "Facts measured"); 户籍 is the typical
-- query. So the catalog package builds the tokens in Go — every overlapping
-- 2-character token (bigram) and every single character — into a text[]
-- with a GIN index; a match of three or more characters is rechecked with
-- strpos on the folded body, which removes false positives from
-- co-occurring bigrams. The row also carries what a search filters, counts
-- and sorts on, so that a search never touches catalog_entries for its
-- matches. published_at is in Unix microseconds.
CREATE TABLE catalog_search (
	entry_id          BIGINT PRIMARY KEY REFERENCES catalog_entries(id),
	status            TEXT NOT NULL,
	agency_id         BIGINT NOT NULL,
	jurisdiction_code TEXT NOT NULL,
	category          INTEGER NOT NULL,
	share_type        TEXT NOT NULL,
	open_attr         TEXT NOT NULL,
	update_freq       TEXT NOT NULL,
	max_grade         TEXT NOT NULL,
	data_form         TEXT NOT NULL,
	published_at      BIGINT,
	title             TEXT NOT NULL, -- folded name, for relevance
	keywords          TEXT NOT NULL, -- folded keywords, for relevance
	body              TEXT NOT NULL, -- folded whole text, for the recheck
	grams             TEXT[] NOT NULL
);
CREATE INDEX catalog_search_grams ON catalog_search USING gin (grams);

-- Entries changed since they were indexed. The service reindexes in the
-- transaction of the change; this queue catches any path that does not
-- (and the entries that existed before this migration), and every search
-- drains it first, so the index never silently lags the catalog.
CREATE TABLE catalog_search_stale (entry_id BIGINT PRIMARY KEY);
CREATE FUNCTION catalog_search_mark_stale() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO catalog_search_stale(entry_id) VALUES (NEW.id) ON CONFLICT DO NOTHING;
	RETURN NULL;
END
$$;
CREATE TRIGGER catalog_search_stale_insert AFTER INSERT ON catalog_entries
	FOR EACH ROW EXECUTE FUNCTION catalog_search_mark_stale();
CREATE TRIGGER catalog_search_stale_update AFTER UPDATE OF name, summary, keywords, item_names, status, agency_id, jurisdiction_code,
	category, share_type, open_attr, update_freq, max_grade, data_form, published_at ON catalog_entries
	FOR EACH ROW EXECUTE FUNCTION catalog_search_mark_stale();
INSERT INTO catalog_search_stale(entry_id) SELECT id FROM catalog_entries;
