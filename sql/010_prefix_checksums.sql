-- 010: the SHA-256 of a version's COPY stream at every 10,000 rows (32
-- bytes each), so that the next run can compare its rows with the
-- published ones as it reads them and send the database nothing when
-- they are the same (etl/copy.h).  NULL: not recorded (incremental jobs,
-- versions made before this).
ALTER TABLE dataset_versions ADD COLUMN prefix_checksums bytea;
