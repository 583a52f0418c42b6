-- 003: what changed from one version to the next, and why a run did what
-- it did.
--
-- A version records how its rows differ from the version published before
-- it (by record id: added, removed, changed) and how its columns differ
-- (schema_changes).  A run records the same schema changes, whether it
-- published them or refused them, the warnings a data referent should read
-- although the run succeeded, and the first rejected rows with their
-- reason, so that the source can be fixed without reading the server log.

-- json rather than jsonb: these are read as written, in column order, and
-- jsonb would reorder the keys of each object.
--
-- schema_changes, on both tables, is a JSON array in column order:
--   [{"column": "capacite", "change": "retyped",
--     "old_type": "integer", "new_type": "text"}, ...]
-- with "change" one of added (old_type null), removed (new_type null),
-- retyped; [] when the columns did not change or nothing was published
-- before.
ALTER TABLE dataset_versions
    ADD COLUMN rows_added      bigint,
    ADD COLUMN rows_removed    bigint,
    ADD COLUMN rows_changed    bigint,
    ADD COLUMN schema_changes  json NOT NULL DEFAULT '[]';

ALTER TABLE job_runs
    ADD COLUMN warnings        text[] NOT NULL DEFAULT '{}',
    ADD COLUMN schema_changes  json NOT NULL DEFAULT '[]';

-- The first rejected rows of a run (the ETL keeps 100): the feature's
-- number in the source (1 = the first one read), why it was rejected, and
-- the values read before the one that was refused, as a JSON object keyed
-- by column name.
CREATE TABLE run_rejects (
    run_id      bigint NOT NULL REFERENCES job_runs (id) ON DELETE CASCADE,
    feature     bigint NOT NULL,
    reason      text NOT NULL,
    row_values  json NOT NULL DEFAULT '{}',
    PRIMARY KEY (run_id, feature)
);

