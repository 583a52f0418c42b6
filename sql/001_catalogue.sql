-- 001: the catalogue's first tables.
--
-- Catalogue metadata lives in the public schema; every published version of
-- a dataset is one table in the "data" schema, named by the catalogue
-- (d<dataset id>_v<version id>), so that a swap is one UPDATE of
-- datasets.current_version_id and readers never see a half-loaded table.

CREATE EXTENSION IF NOT EXISTS postgis;

CREATE SCHEMA IF NOT EXISTS data;

CREATE TABLE publishers (
    id          bigserial PRIMARY KEY,
    identifier  text NOT NULL UNIQUE,
    name        text NOT NULL,
    homepage    text,
    email       text
);

CREATE TABLE datasets (
    id                   bigserial PRIMARY KEY,
    identifier           text NOT NULL UNIQUE
                         CHECK (identifier ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    title                text NOT NULL,
    description          text NOT NULL DEFAULT '',
    publisher_id         bigint REFERENCES publishers (id),
    themes               text[] NOT NULL DEFAULT '{}',
    keywords             text[] NOT NULL DEFAULT '{}',
    licence              text NOT NULL,
    accrual_periodicity  text,
    temporal_start       date,
    temporal_end         date,
    issued               timestamptz,        -- first publication
    modified             timestamptz,        -- last change of content
    spatial              geometry(Geometry, 4326),  -- extent of the data
    record_count         bigint NOT NULL DEFAULT 0,
    current_version_id   bigint,             -- NULL until first published
    created_at           timestamptz NOT NULL DEFAULT now(),
    updated_at           timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE jobs (
    id                  bigserial PRIMARY KEY,
    identifier          text NOT NULL UNIQUE,
    dataset_id          bigint NOT NULL REFERENCES datasets (id),
    path                text NOT NULL,       -- job file it was read from
    definition          jsonb NOT NULL,
    schedule            text,                -- cron syntax
    enabled             boolean NOT NULL DEFAULT true,
    updated_at          timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE job_runs (
    id              bigserial PRIMARY KEY,
    job_id          bigint NOT NULL REFERENCES jobs (id),
    started_at      timestamptz NOT NULL DEFAULT now(),
    finished_at     timestamptz,
    status          text NOT NULL DEFAULT 'running'
                    CHECK (status IN ('running', 'succeeded', 'unchanged',
                                      'failed', 'timed_out')),
    rows_read       bigint NOT NULL DEFAULT 0,
    rows_loaded     bigint NOT NULL DEFAULT 0,
    rows_rejected   bigint NOT NULL DEFAULT 0,
    version_id      bigint,
    message         text
);
CREATE INDEX job_runs_job_started ON job_runs (job_id, started_at DESC);

-- One row per loaded table.  'loading' rows belong to a run in progress or
-- to one that died; the next run of the job drops their tables.
CREATE TABLE dataset_versions (
    id            bigserial PRIMARY KEY,
    dataset_id    bigint NOT NULL REFERENCES datasets (id),
    run_id        bigint REFERENCES job_runs (id),
    table_name    text NOT NULL UNIQUE,
    state         text NOT NULL DEFAULT 'loading'
                  CHECK (state IN ('loading', 'published', 'retired')),
    checksum      text,                      -- SHA-256 of the normalised rows
    record_count  bigint,
    created_at    timestamptz NOT NULL DEFAULT now(),
    published_at  timestamptz
);
CREATE INDEX dataset_versions_dataset ON dataset_versions (dataset_id, id DESC);

ALTER TABLE datasets ADD CONSTRAINT datasets_current_version_fk
    FOREIGN KEY (current_version_id) REFERENCES dataset_versions (id);

-- The columns of a version, in source order: the normalised name (the SQL
-- column), the source's own name and its label, and the SQL type.
CREATE TABLE dataset_columns (
    version_id   bigint NOT NULL REFERENCES dataset_versions (id) ON DELETE CASCADE,
    position     int NOT NULL,
    name         text NOT NULL,
    source_name  text NOT NULL,
    label        text,
    type         text NOT NULL
                 CHECK (type IN ('integer', 'real', 'text', 'date',
                                 'timestamp', 'boolean')),
    PRIMARY KEY (version_id, position),
    UNIQUE (version_id, name)
);

CREATE TABLE distributions (
    id            bigserial PRIMARY KEY,
    dataset_id    bigint NOT NULL REFERENCES datasets (id) ON DELETE CASCADE,
    identifier    text NOT NULL,
    title         text NOT NULL,
    format        text NOT NULL,
    media_type    text NOT NULL,
    path          text NOT NULL,             -- API path, below the base URL
    UNIQUE (dataset_id, identifier)
);
