-- catalog_10k.sql: a catalogue of :n datasets, metadata only, for
-- bench_catalog.py (psql -v n=10000 -f catalog_10k.sql).
--
-- Titles are a subject, a qualifier and a commune of Grand Poitiers; with
-- 48 subjects, a description that names a second one and three keywords
-- out of 40, a word of a subject ("parkings", "arbres", "déchets") matches
-- 400 to 1,200 datasets, as a reuser's search does on a real territory's
-- catalogue.  Every
-- dataset has a published version (its table is never created: nothing
-- here reads records), the two exports as distributions, an extent in the
-- Vienne and a modified date within the last three years.  random() after
-- setseed() makes every run build the same catalogue.
SELECT setseed(0.4242);

CREATE TEMP TABLE words (kind text, i int, word text);
INSERT INTO words
SELECT 'subject', ord, w FROM unnest(ARRAY[
    'Parkings publics', 'Points lumineux de l''éclairage public',
    'Arbres d''alignement', 'Bornes de recharge pour véhicules électriques',
    'Pistes cyclables', 'Équipements sportifs', 'Budget primitif',
    'Marchés publics attribués', 'Qualité de l''air', 'Consommation électrique des bâtiments',
    'Collecte des déchets ménagers', 'Bureaux de vote', 'Écoles maternelles et élémentaires',
    'Menus des restaurants scolaires', 'Arrêts de bus', 'Horaires des lignes de bus',
    'Fréquentation des piscines', 'Médiathèques', 'Défibrillateurs', 'Toilettes publiques',
    'Aires de jeux', 'Jardins partagés', 'Subventions aux associations', 'Délibérations du conseil',
    'Permis de construire', 'Cadastre solaire', 'Zones inondables', 'Relevés de compteurs d''eau',
    'Consommation de gaz', 'Travaux de voirie', 'Stationnement payant', 'Vélos en libre-service',
    'Comptages routiers', 'Accidents de la circulation', 'Population par quartier', 'Naissances et décès',
    'Prénoms des nouveau-nés', 'Lieux de culte', 'Monuments historiques', 'Événements culturels',
    'Marchés alimentaires', 'Commerces de proximité', 'Offres d''emploi de la collectivité',
    'Logements sociaux', 'Points d''apport volontaire', 'Espaces verts', 'Bruit routier',
    'Capteurs de température']) WITH ORDINALITY AS t(w, ord)
UNION ALL
SELECT 'qualifier', ord, w FROM unnest(ARRAY[
    'en temps réel', 'historique', 'par commune', 'par quartier', 'inventaire',
    'localisation', 'statistiques annuelles', 'données mensuelles']) WITH ORDINALITY AS t(w, ord)
UNION ALL
SELECT 'commune', ord, w FROM unnest(ARRAY[
    'Poitiers', 'Buxerolles', 'Chasseneuil-du-Poitou', 'Migné-Auxances', 'Saint-Benoît',
    'Vouneuil-sous-Biard', 'Fontaine-le-Comte', 'Ligugé', 'Mignaloux-Beauvoir', 'Montamisé',
    'Biard', 'Béruges', 'Croutelle', 'Jardres', 'Lavoux', 'Sèvres-Anxaumont',
    'Chauvigny', 'Lusignan', 'Jaunay-Marigny', 'Dissay']) WITH ORDINALITY AS t(w, ord)
UNION ALL
SELECT 'keyword', ord, w FROM unnest(ARRAY[
    'mobilité', 'stationnement', 'énergie', 'environnement', 'voirie', 'transport',
    'vélo', 'eau', 'déchets', 'culture', 'sport', 'éducation', 'santé', 'budget',
    'finances', 'urbanisme', 'élections', 'population', 'emploi', 'logement',
    'patrimoine', 'tourisme', 'commerce', 'sécurité', 'accessibilité', 'temps réel',
    'capteurs', 'IoT', 'éclairage public', 'espaces verts', 'biodiversité', 'climat',
    'bruit', 'air', 'numérique', 'associations', 'jeunesse', 'seniors', 'social',
    'agriculture']) WITH ORDINALITY AS t(w, ord);

INSERT INTO publishers (identifier, name, homepage)
SELECT 'bench-publisher-' || i,
       CASE WHEN i = 1 THEN 'Grand Poitiers Communauté urbaine'
            ELSE 'Commune de ' || word END,
       'https://www.example.org/' || i
  FROM words WHERE kind = 'commune'
ON CONFLICT (identifier) DO NOTHING;

INSERT INTO local_themes (code, label) VALUES
    ('bench-mobilite', 'Mobilité et déplacements'),
    ('bench-cadre-de-vie', 'Cadre de vie'),
    ('bench-citoyennete', 'Citoyenneté')
ON CONFLICT (code) DO NOTHING;

CREATE TEMP TABLE picks AS
SELECT g AS n,
       1 + floor(random() * 48)::int AS subject,
       1 + floor(random() * 48)::int AS other_subject,
       1 + floor(random() * 8)::int AS qualifier,
       1 + floor(power(random(), 2) * 20)::int AS commune,
       1 + floor(random() * 40)::int AS k1,
       1 + floor(random() * 40)::int AS k2,
       1 + floor(random() * 40)::int AS k3,
       random() AS r_licence, random() AS r_theme, random() AS r_declared,
       0.0 + random() * 0.9 AS x0, 46.3 + random() * 0.4 AS y0,
       0.005 + random() * 0.1 AS w, random() * 1100 AS age_days
  FROM generate_series(1, :n) g;

INSERT INTO datasets (identifier, title, description, publisher_id, themes,
                      local_themes, keywords, licence, accrual_periodicity,
                      issued, modified, spatial, record_count)
SELECT 'bench-' || p.n,
       s.word || ' ' || q.word || ' - ' || c.word || ' (' || p.n || ')',
       s.word || ' ' || q.word || ' sur le territoire de ' || c.word
         || ', publiés par la collectivité. Le jeu de données complète '
         || 'celui des ' || lower(o.word) || ' et reprend les informations '
         || 'tenues par les services : adresse, date de mise à jour, '
         || 'gestionnaire et coordonnées géographiques.',
       (SELECT id FROM publishers
         WHERE identifier = 'bench-publisher-' || p.commune),
       CASE WHEN p.r_theme < 0.3 THEN ARRAY['TRAN', 'REGI']
            WHEN p.r_theme < 0.5 THEN ARRAY['ENVI']
            WHEN p.r_theme < 0.65 THEN ARRAY['ENER', 'TECH']
            WHEN p.r_theme < 0.8 THEN ARRAY['EDUC', 'SOCI']
            WHEN p.r_theme < 0.9 THEN ARRAY['GOVE', 'ECON']
            ELSE ARRAY['HEAL'] END,
       CASE WHEN p.r_theme < 0.3 THEN ARRAY['bench-mobilite']
            WHEN p.r_theme < 0.5 THEN ARRAY['bench-cadre-de-vie']
            WHEN p.r_theme >= 0.8 AND p.r_theme < 0.9
              THEN ARRAY['bench-citoyennete']
            ELSE ARRAY[]::text[] END,
       ARRAY(SELECT DISTINCT word FROM words
              WHERE kind = 'keyword' AND i IN (p.k1, p.k2, p.k3)),
       CASE WHEN p.r_licence < 0.8 THEN 'etalab-2.0' ELSE 'odbl-1.0' END,
       'monthly',
       now() - make_interval(days => (p.age_days + 200)::int),
       now() - make_interval(days => p.age_days::int),
       ST_MakeEnvelope(p.x0, p.y0, p.x0 + p.w, p.y0 + p.w * 0.7, 4326),
       (p.n * 37) % 5000
  FROM picks p
  JOIN words s ON s.kind = 'subject' AND s.i = p.subject
  JOIN words o ON o.kind = 'subject' AND o.i = p.other_subject
  JOIN words q ON q.kind = 'qualifier' AND q.i = p.qualifier
  JOIN words c ON c.kind = 'commune' AND c.i = p.commune
 ORDER BY p.n;

INSERT INTO dataset_versions (dataset_id, table_name, state, record_count,
                              created_at, published_at)
SELECT id, 'd' || id || '_v1', 'published', record_count, modified, modified
  FROM datasets WHERE identifier LIKE 'bench-%';

UPDATE datasets d SET current_version_id = v.id
  FROM dataset_versions v WHERE v.dataset_id = d.id
   AND d.identifier LIKE 'bench-%';

INSERT INTO distributions (dataset_id, identifier, title, format, media_type,
                           path, kind, version_id, byte_size,
                           checksum_sha256, position)
SELECT d.id, e.identifier, e.title, e.format, e.media_type,
       '/datasets/' || d.identifier || e.suffix, 'export',
       d.current_version_id, d.record_count * e.per_row,
       md5(d.identifier || e.identifier) || md5(e.identifier || d.identifier),
       e.position
  FROM datasets d,
       (VALUES ('records-geojson', 'Export GeoJSON', 'GEOJSON',
                'application/geo+json', '/records.geojson', 180, 0),
               ('records-csv', 'Export CSV', 'CSV', 'text/csv',
                '/records.csv', 90, 1))
         AS e(identifier, title, format, media_type, suffix, per_row,
              position)
 WHERE d.identifier LIKE 'bench-%';

INSERT INTO distributions (dataset_id, identifier, title, format, media_type,
                           kind, url, description, position)
SELECT d.id, 'notice', 'Notice', 'PDF', 'application/pdf', 'declared',
       'https://www.example.org/notices/' || d.identifier || '.pdf',
       'Notice de la donnée', 2
  FROM datasets d JOIN picks p ON d.identifier = 'bench-' || p.n
 WHERE p.r_declared < 0.15;

ANALYZE publishers;
ANALYZE datasets;
ANALYZE distributions;
ANALYZE dataset_versions;
