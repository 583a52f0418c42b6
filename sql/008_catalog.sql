-- 008: what GET /catalog reads on every page, as index-only scans.
--
-- A page of the catalogue needs the number of published datasets and a
-- digest of their state (its ETag: last update, last version), then the
-- ids of the page's datasets in identifier order.  With 10,000 datasets a
-- scan of the table costs milliseconds per page; this index answers both
-- from its own entries, and OFFSET skips index entries, not rows.
CREATE INDEX datasets_catalog_page ON datasets (identifier)
    INCLUDE (id, current_version_id, updated_at, modified)
    WHERE current_version_id IS NOT NULL;
