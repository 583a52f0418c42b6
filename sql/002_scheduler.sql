-- 002: what the scheduler (odp-etl schedule) knows of each job.
--
-- A scheduler claims a due job in one transaction: SELECT ... FOR UPDATE
-- SKIP LOCKED, then next_run_at moves to the next time of the job's
-- schedule.  While the run lasts, the scheduler holds an advisory lock on
-- the job (class 1868853363, "odps"), so that schedulers on several hosts
-- never run the same job twice and a claim left by a scheduler that died
-- is taken over.  A failed run is tried again at retry_at, after a delay
-- that doubles at each attempt.

ALTER TABLE jobs
    -- next time by the schedule; NULL: no schedule, run by hand only
    ADD COLUMN next_run_at        timestamptz,
    -- the schedule next_run_at was computed from: a changed schedule
    -- computes it anew
    ADD COLUMN next_run_schedule  text,
    -- a retry of a failed run is due then; NULL: none pending
    ADD COLUMN retry_at           timestamptz,
    -- failed runs in a row, 0 after a success
    ADD COLUMN attempts           int NOT NULL DEFAULT 0,
    -- the job file's "retries" and "timeout" (seconds); NULL: the
    -- scheduler's defaults
    ADD COLUMN max_retries        int,
    ADD COLUMN timeout_seconds    int,
    -- the scheduler running it ("host:pid") and since when; NULL when idle
    ADD COLUMN claimed_by         text,
    ADD COLUMN claimed_at         timestamptz;

CREATE INDEX jobs_due ON jobs ((coalesce(retry_at, next_run_at))) WHERE enabled;

-- The process that made a run, by its session's application_name: the
-- scheduler names each run it starts, and finds the run's row by that name
-- when it has to record a timeout.  Rows made before this migration: NULL.
ALTER TABLE job_runs ADD COLUMN worker text;
ALTER TABLE job_runs ALTER COLUMN worker
    SET DEFAULT nullif(current_setting('application_name'), '');
