-- The entries of one object in chain order: the gateway re-reads a grant's
-- calls since the last one it counted (its daily quota, shared by the
-- nodes) and the usage report reads a grant's calls; with seq in the index
-- both read only what they need. It replaces the (object_type, object_id)
-- index, of which it is an extension.
CREATE INDEX audit_entries_object_seq ON audit_entries(object_type, object_id, seq);
DROP INDEX audit_entries_object;
