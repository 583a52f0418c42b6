-- 007: catalogue search (GET /datasets?q=...).
--
-- Full text in French: a text search configuration that folds accents
-- (unaccent) before the French Snowball stemmer, so that "mobilite" finds
-- "Mobilité" and "parking" finds "parkings".  Each dataset keeps its
-- tsvector in datasets.search, written by a trigger whenever the text it is
-- made of changes: title (weight A), keywords and theme labels (B),
-- description (C); ts_rank then puts a title match before a description
-- match.  Titles sort with the ICU French collation (É beside E, not
-- after Z).

CREATE EXTENSION IF NOT EXISTS unaccent;

CREATE TEXT SEARCH CONFIGURATION odp_french (COPY = pg_catalog.french);
-- asciiword and friends need no unaccent: they map to french_stem already.
ALTER TEXT SEARCH CONFIGURATION odp_french
    ALTER MAPPING FOR word, hword, hword_part WITH unaccent, french_stem;

CREATE COLLATION odp_fr (provider = icu, locale = 'fr');

-- The labels of the EU data themes, so that "transports" finds the datasets
-- of theme TRAN.  The same labels as catalog/vocab.c (test_search.py checks
-- that they agree).
CREATE TABLE eu_theme_labels (
    code   text PRIMARY KEY,
    label  text NOT NULL
);
INSERT INTO eu_theme_labels (code, label) VALUES
    ('AGRI', 'Agriculture, pêche, sylviculture et alimentation'),
    ('ECON', 'Économie et finances'),
    ('EDUC', 'Éducation, culture et sport'),
    ('ENER', 'Énergie'),
    ('ENVI', 'Environnement'),
    ('GOVE', 'Gouvernement et secteur public'),
    ('HEAL', 'Santé'),
    ('INTR', 'Questions internationales'),
    ('JUST', 'Justice, système juridique et sécurité publique'),
    ('REGI', 'Régions et villes'),
    ('SOCI', 'Population et société'),
    ('TECH', 'Science et technologie'),
    ('TRAN', 'Transports');

-- The weighted tsvector of a dataset's text.  STABLE, not IMMUTABLE: it
-- reads the theme labels.
CREATE FUNCTION datasets_search_vector(title text, description text,
                                       keywords text[], themes text[],
                                       local_themes text[])
RETURNS tsvector LANGUAGE sql STABLE AS $$
    SELECT setweight(to_tsvector('odp_french', coalesce(title, '')), 'A')
        || setweight(to_tsvector('odp_french', concat_ws(' ',
               array_to_string(keywords, ' '),
               (SELECT string_agg(label, ' ') FROM eu_theme_labels
                 WHERE code = ANY (themes)),
               (SELECT string_agg(l.label, ' ') FROM local_themes l
                 WHERE l.code = ANY (local_themes)))), 'B')
        || setweight(to_tsvector('odp_french', coalesce(description, '')),
                     'C')
$$;

ALTER TABLE datasets ADD COLUMN search tsvector;

CREATE FUNCTION datasets_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    NEW.search := datasets_search_vector(NEW.title, NEW.description,
                                         NEW.keywords, NEW.themes,
                                         NEW.local_themes);
    RETURN NEW;
END
$$;

CREATE TRIGGER datasets_search
    BEFORE INSERT OR UPDATE OF title, description, keywords, themes,
                               local_themes
    ON datasets FOR EACH ROW EXECUTE FUNCTION datasets_search_trigger();

-- A local theme's label is part of the text of the datasets filed under it.
-- Only a real change rewrites them: the catalogue file is written again at
-- every run, and a rewritten dataset row is a row lock and a dead tuple.
CREATE FUNCTION local_themes_search_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
    theme text := CASE WHEN TG_OP = 'DELETE' THEN OLD.code ELSE NEW.code END;
BEGIN
    UPDATE datasets d
       SET search = datasets_search_vector(d.title, d.description,
                                           d.keywords, d.themes,
                                           d.local_themes)
     WHERE d.local_themes @> ARRAY[theme];
    RETURN NULL;
END
$$;

CREATE TRIGGER local_themes_search_label
    AFTER UPDATE OF label ON local_themes FOR EACH ROW
    WHEN (OLD.label IS DISTINCT FROM NEW.label)
    EXECUTE FUNCTION local_themes_search_trigger();
CREATE TRIGGER local_themes_search_rows
    AFTER INSERT OR DELETE ON local_themes FOR EACH ROW
    EXECUTE FUNCTION local_themes_search_trigger();

-- The distribution formats of each dataset, kept beside it so that the
-- format facet and filter read one column instead of a subquery per
-- dataset (a third of the time of a search on 10,000 datasets).
ALTER TABLE datasets ADD COLUMN formats text[] NOT NULL DEFAULT '{}';

CREATE FUNCTION datasets_formats_of(dataset bigint) RETURNS text[]
LANGUAGE sql STABLE AS $$
    SELECT ARRAY(SELECT DISTINCT format FROM distributions
                  WHERE dataset_id = dataset ORDER BY 1)
$$;

CREATE FUNCTION distributions_formats_trigger() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP IN ('UPDATE', 'DELETE') THEN
        UPDATE datasets SET formats = datasets_formats_of(id)
         WHERE id = OLD.dataset_id
           AND formats IS DISTINCT FROM datasets_formats_of(id);
    END IF;
    IF TG_OP IN ('UPDATE', 'INSERT') THEN
        UPDATE datasets SET formats = datasets_formats_of(id)
         WHERE id = NEW.dataset_id
           AND formats IS DISTINCT FROM datasets_formats_of(id);
    END IF;
    RETURN NULL;
END
$$;

CREATE TRIGGER distributions_formats
    AFTER INSERT OR DELETE OR UPDATE OF format, dataset_id ON distributions
    FOR EACH ROW EXECUTE FUNCTION distributions_formats_trigger();

UPDATE datasets SET formats = datasets_formats_of(id);
UPDATE datasets SET search = datasets_search_vector(title, description,
                                                    keywords, themes,
                                                    local_themes);

CREATE INDEX datasets_search ON datasets USING gin (search);
CREATE INDEX datasets_spatial ON datasets USING gist (spatial);
CREATE INDEX datasets_modified ON datasets (modified);
CREATE INDEX distributions_dataset_format ON distributions (dataset_id, format);

-- odp-api keeps answers about the catalogue (searches, DCAT pages) until
-- it changes (api/cache.h): every statement that changes what they are
-- built from tells it so.  Notifications are sent at commit, once per
-- transaction.
CREATE FUNCTION catalogue_changed() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('odp_catalogue', '');
    RETURN NULL;
END
$$;

CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON datasets FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON distributions FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON publishers FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON local_themes FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
CREATE TRIGGER catalogue_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE
    ON catalogue FOR EACH STATEMENT EXECUTE FUNCTION catalogue_changed();
