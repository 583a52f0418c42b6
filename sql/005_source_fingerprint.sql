-- 005: the digest of the source files a version was read from, so that a
-- run whose files have not changed ends "unchanged" without reading them.
ALTER TABLE dataset_versions ADD COLUMN source_fingerprint text;
