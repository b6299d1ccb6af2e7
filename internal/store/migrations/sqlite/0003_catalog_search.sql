-- Catalog search (issue 3, item 5): Chinese full-text search with facets
-- over the fields catalog_entries denormalises from each entry's shown version.
--
-- FTS5's trigram tokenizer returns nothing for 2-character queries (DESIGN.md,
-- "Facts measured"), and 户籍 is the typical query. So the catalog package
-- builds the tokens in Go: for each run of letters and digits, its
-- overlapping 2-character tokens (bigrams) in order, then its single
-- characters; each hex-encoded, so that FTS5's plain ascii tokenizer takes
-- it as one token whatever its script. A query term is a phrase of its
-- bigrams: FTS5 matches a phrase only at consecutive positions, so the match
-- is the real substring (户籍地 does not match 户籍 and 籍地 apart) without
-- reading the text back. Contentless: the text is never read from here.
CREATE VIRTUAL TABLE catalog_search_fts USING fts5(tokens, content='', contentless_delete=1, tokenize='ascii');

-- One narrow row per entry with what a search filters, counts and sorts on,
-- so that a search never touches the wide catalog_entries rows of its
-- matches (measured: the seeks into them and the columns read back cost
-- more than the full-text match). published_at is in Unix microseconds.
CREATE TABLE catalog_search (
	entry_id          INTEGER PRIMARY KEY REFERENCES catalog_entries(id),
	status            TEXT NOT NULL,
	agency_id         INTEGER NOT NULL,
	jurisdiction_code TEXT NOT NULL,
	category          INTEGER NOT NULL,
	share_type        TEXT NOT NULL,
	open_attr         TEXT NOT NULL,
	update_freq       TEXT NOT NULL,
	max_grade         TEXT NOT NULL,
	data_form         TEXT NOT NULL,
	published_at      INTEGER,
	title             TEXT NOT NULL, -- folded name, for relevance
	keywords          TEXT NOT NULL  -- folded keywords, for relevance
);

-- The folded (lower-case, half-width) whole text of each entry, as last
-- indexed: reindexing compares against it and rewrites the tokens only
-- when the text changed. Searches do not read it.
CREATE TABLE catalog_search_text (
	entry_id INTEGER PRIMARY KEY REFERENCES catalog_entries(id),
	body     TEXT NOT NULL
);

-- Entries changed since they were indexed. The service reindexes in the
-- transaction of the change; this queue catches any path that does not
-- (and the entries that existed before this migration), and every search
-- drains it first, so the index never silently lags the catalog.
CREATE TABLE catalog_search_stale (entry_id INTEGER PRIMARY KEY);
CREATE TRIGGER catalog_search_stale_insert AFTER INSERT ON catalog_entries
BEGIN
	INSERT OR IGNORE INTO catalog_search_stale(entry_id) VALUES (NEW.id);
END;
CREATE TRIGGER catalog_search_stale_update AFTER UPDATE OF name, summary, keywords, item_names, status, agency_id, jurisdiction_code,
	category, share_type, open_attr, update_freq, max_grade, data_form, published_at ON catalog_entries
BEGIN
	INSERT OR IGNORE INTO catalog_search_stale(entry_id) VALUES (NEW.id);
END;
INSERT INTO catalog_search_stale(entry_id) SELECT id FROM catalog_entries;
