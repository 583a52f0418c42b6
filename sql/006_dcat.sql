-- 006: the DCAT-AP metadata of the catalogue, its datasets and their
-- distributions.
--
-- Job files declare what a person knows (themes, contact, licence, schema,
-- legal basis); the harvest computes what the data says (extent, temporal
-- coverage, byte size and checksum of each export).  Codes are stored as a
-- data referent writes them (e.g. 'TRAN', 'PUBLIC', 'FRA'); catalog/vocab.c
-- maps them to the IRIs the catalogue publishes.

-- The catalogue itself: one row, written from etl/catalog.json by
-- `odp-etl migrate` and `odp-etl run`.
CREATE TABLE catalogue (
    id            int PRIMARY KEY DEFAULT 1 CHECK (id = 1),
    title         text NOT NULL,
    description   text NOT NULL,
    publisher_id  bigint NOT NULL REFERENCES publishers (id),
    homepage      text,
    languages     text[] NOT NULL DEFAULT '{FRA}',
    licence       text NOT NULL,
    spatial_uris  text[] NOT NULL DEFAULT '{}',
    issued        timestamptz NOT NULL DEFAULT now()
);

-- The territory's own themes, published as a SKOS concept scheme beside
-- the EU data themes.
CREATE TABLE local_themes (
    code         text PRIMARY KEY CHECK (code ~ '^[a-z0-9][a-z0-9-]{0,62}$'),
    label        text NOT NULL,
    description  text
);

-- The ADMS publisher type code (http://purl.org/adms/publishertype/1.0).
ALTER TABLE publishers
    ADD COLUMN type text NOT NULL DEFAULT 'LocalAuthority';

ALTER TABLE datasets
    ADD COLUMN contact_name            text,
    ADD COLUMN contact_email           text,
    ADD COLUMN contact_url             text,
    ADD COLUMN local_themes            text[] NOT NULL DEFAULT '{}',
    ADD COLUMN conforms_to             text[] NOT NULL DEFAULT '{}',
    ADD COLUMN spatial_uris            text[] NOT NULL DEFAULT '{}',
    ADD COLUMN temporal_column         text,   -- NULL: temporal_* declared
    ADD COLUMN access_rights           text NOT NULL DEFAULT 'PUBLIC',
    ADD COLUMN languages               text[] NOT NULL DEFAULT '{FRA}',
    ADD COLUMN landing_page            text,
    ADD COLUMN documentation           text,
    ADD COLUMN hvd_categories          text[] NOT NULL DEFAULT '{}',
    ADD COLUMN applicable_legislation  text[] NOT NULL DEFAULT '{}';

-- A distribution is an export the API serves (kind 'export': path below
-- the API's base URL, byte size and checksum of the current version's
-- bytes) or a file the job file declares (kind 'declared': url).
-- format is an EU file-type code (CSV, GEOJSON, JSON), media_type an IANA
-- media type.
ALTER TABLE distributions
    ADD COLUMN kind             text NOT NULL DEFAULT 'export'
                                CHECK (kind IN ('export', 'declared')),
    ADD COLUMN description      text,
    ADD COLUMN url              text,
    ADD COLUMN conforms_to      text,
    ADD COLUMN byte_size        bigint,
    ADD COLUMN checksum_sha256  text,
    ADD COLUMN version_id       bigint REFERENCES dataset_versions (id)
                                ON DELETE SET NULL,
    ADD COLUMN reachable        boolean,
    ADD COLUMN checked_at       timestamptz,
    ADD COLUMN position         int NOT NULL DEFAULT 0;
ALTER TABLE distributions ALTER COLUMN path DROP NOT NULL;

-- The paged JSON records are the API (the catalogue's dcat:DataService),
-- not a download: distributions are the full exports.
DELETE FROM distributions WHERE identifier = 'records-json';
