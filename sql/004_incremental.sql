-- 004: incremental harvest of sql sources.
--
-- One row per run of an incremental job: whether it read every row (a full
-- run, which is what makes rows deleted in the source disappear) or only the
-- rows beyond the watermark, which watermark, and why a run was full.  The
-- watermark itself is not kept from one run to the next: it is read at the
-- start of each run as the maximum of the job's incremental column over the
-- published version, so that it can never run ahead of what reusers see.
-- Only runs that job_runs records as succeeded or unchanged count when the
-- ETL decides that the next full run is due (the job's full_every).
CREATE TABLE incremental_runs (
    run_id      bigint PRIMARY KEY REFERENCES job_runs (id) ON DELETE CASCADE,
    full_read   boolean NOT NULL,
    watermark   text,                -- the rows read were beyond it; NULL when full
    reason      text                 -- why the run was full
);
