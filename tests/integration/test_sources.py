"""test_sources.py: sources as the territory really has them: encodings,
formats, coordinate systems."""

import os
import shutil

from test_etl import current_table, drop_dataset, last_run, temp_job

FIXTURES = "tests/fixtures"


def test_shapefile_without_cpg_in_cp1252_is_read_and_flagged(ctx):
    ident = "test-voies-cp1252"
    path = temp_job(ident, os.path.join(ctx.root, FIXTURES, "cp1252", "voies.shp"))
    assert not os.path.exists(os.path.join(os.path.dirname(path), "voies.cpg"))
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        status, read, loaded, _, message = last_run(ctx, ident)
        assert (status, read, loaded) == ("succeeded", "4", "4"), (status, message)
        assert "no .cpg" in message and "CP1252" in message, message
        names = [r[0] for r in ctx.sql("SELECT nom FROM %s ORDER BY _rownum"
                                       % current_table(ctx, ident))]
        assert names[0] == "Allée des Châtaigniers", names
        assert names[1] == "Rue de l'Hôtel-Dieu", names
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(os.path.dirname(path))


def test_utf8_shapefile_without_cpg_is_not_flagged(ctx):
    ident = "test-eclairage-no-cpg"
    path = temp_job(ident, os.path.join(ctx.root, "etl/jobs/demo/data/eclairage.shp"))
    os.unlink(os.path.join(os.path.dirname(path), "eclairage.cpg"))
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        status, _, _, _, message = last_run(ctx, ident)
        assert status == "succeeded" and "CP1252" not in message, message
        rue = ctx.sql_value("SELECT rue FROM %s WHERE id_point = 'EP-0001'"
                            % current_table(ctx, ident))
        assert rue == "Rue de la Cathédrale", rue
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(os.path.dirname(path))


def test_geometries_are_repaired_and_made_uniform(ctx):
    ident = "test-parcelles"
    path = temp_job(ident, os.path.join(ctx.root, FIXTURES, "geometry", "parcelles.geojson"),
                    key="parcelle")
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        status, read, loaded, _, message = last_run(ctx, ident)
        assert (status, read, loaded) == ("succeeded", "5", "5"), (status, message)
        table = current_table(ctx, ident)
        rows = dict(ctx.sql("SELECT _id, coalesce(GeometryType(geom), 'NULL') || ' '"
                            " || coalesce(ST_IsValid(geom)::text, '-') FROM " + table))
        # Single polygons become multi ones beside the source's MultiPolygon,
        # the bow-tie is repaired, empty and missing geometries are null.
        assert rows == {"BK-0001": "MULTIPOLYGON true", "BK-0002": "MULTIPOLYGON true",
                        "BK-0003": "MULTIPOLYGON true", "BK-0004": "NULL -",
                        "BK-0005": "NULL -"}, rows
        area = float(ctx.sql_value("SELECT ST_Area(geom) FROM %s WHERE _id = 'BK-0003'" % table))
        assert area > 0, area   # the repaired bow-tie keeps its two triangles
        assert "1 invalid geometries repaired" in message, message
        assert "1 empty geometries published as null" in message, message
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(os.path.dirname(path))


PSEUDONYM_KEY = "test-key-of-32-characters-long!!"


def transformed_parkings_job(ctx, ident, **transform):
    return temp_job(ident, os.path.join(ctx.root, "etl/jobs/demo/data/parkings.geojson"),
                    key="id", transform=transform)


def test_transforms_drop_hash_cast_and_rename_columns(ctx):
    import hashlib
    import hmac
    import json
    ident = "test-parkings-transformed"
    path = transformed_parkings_job(
        ctx, ident, drop=["Commune"],
        personal={"Adresse": "hash", "Tarif horaire (€)": "drop"},
        cast={"Places PMR": "text", "Capacité": "real"},
        rename={"Nom": "Libellé"})
    source = json.load(open(os.path.join(ctx.root, "etl/jobs/demo/data/parkings.geojson")))
    first = source["features"][0]["properties"]
    try:
        p = ctx.etl("run", path, env={"ODP_PSEUDONYM_KEY": PSEUDONYM_KEY})
        assert p.returncode == 0, p.stderr
        table = current_table(ctx, ident)
        schema, name = table.split(".")
        types = dict(ctx.sql("SELECT column_name, data_type FROM information_schema.columns"
                             " WHERE table_schema = '%s' AND table_name = '%s'" % (schema, name)))
        for gone in ("commune", "tarif_horaire_eur", "nom"):
            assert gone not in types, types
        assert types["libelle"] == "text", types
        assert types["places_pmr"] == "text", types
        assert types["capacite"] == "double precision", types
        libelle, adresse, pmr = ctx.sql("SELECT libelle, adresse, places_pmr FROM %s"
                                        " WHERE _id = '%s'" % (table, first["id"]))[0]
        assert libelle == first["Nom"], libelle
        assert pmr == str(first["Places PMR"]), pmr
        expected = hmac.new(PSEUDONYM_KEY.encode(), first["Adresse"].encode(),
                            hashlib.sha256).hexdigest()
        assert adresse == expected, (adresse, expected)
        # The address itself is nowhere in the published table.
        assert ctx.sql_value("SELECT count(*) FROM %s t WHERE t::text LIKE '%%%s%%'"
                             % (table, first["Adresse"].replace("'", "''"))) == "0"
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(os.path.dirname(path))


def test_hashing_without_a_key_fails_and_names_the_variable(ctx):
    ident = "test-parkings-nokey"
    path = transformed_parkings_job(ctx, ident, personal={"Adresse": "hash"})
    try:
        p = ctx.etl("run", path, env={"ODP_PSEUDONYM_KEY": ""})
        assert p.returncode == 1, p.stderr
        assert "ODP_PSEUDONYM_KEY" in p.stderr, p.stderr
        assert last_run(ctx, ident)[0] == "failed"
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(os.path.dirname(path))


def test_transform_naming_an_unknown_column_fails(ctx):
    ident = "test-parkings-typo"
    path = transformed_parkings_job(ctx, ident, personal={"Adrese": "drop"})
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 1, p.stderr
        assert 'transform.personal names column "Adrese"' in p.stderr, p.stderr
        assert '"Adresse"' in p.stderr, p.stderr   # the real columns are listed
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(os.path.dirname(path))


def test_points_from_a_lat_lon_text_column(ctx):
    ident = "test-stations-latlon"
    path = temp_job(ident, os.path.join(ctx.root, FIXTURES, "csv", "stations.csv"),
                    key="code")
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        table = current_table(ctx, ident)
        rows = dict((r[0], r[1]) for r in ctx.sql(
            "SELECT _id, coalesce(ST_AsText(geom), 'NULL') FROM " + table))
        assert rows == {"A1": "POINT(0.34027 46.58035)", "A2": "POINT(0.33301 46.58221)",
                        "A3": "NULL"}, rows
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(os.path.dirname(path))


def test_points_from_columns_named_like_latitude_and_longitude(ctx):
    ident = "test-jardins-latlon"
    path = temp_job(ident, os.path.join(ctx.root, FIXTURES, "csv", "jardins.csv"), key="id")
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        table = current_table(ctx, ident)
        assert ctx.sql_value("SELECT ST_AsText(geom) FROM %s WHERE _id = '2'" % table) \
            == "POINT(0.3505 46.5861)"
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(os.path.dirname(path))


def test_filter_and_derived_columns(ctx):
    import json
    ident = "test-parkings-derived"
    path = transformed_parkings_job(
        ctx, ident,
        filter="capacite >= 300 and not gratuit",
        derive={"taux_occupation": "round(100 * (capacite - places_libres) / capacite, 1)",
                "libelle": "nom || ' (' || commune || ')'"})
    source = json.load(open(os.path.join(ctx.root, "etl/jobs/demo/data/parkings.geojson")))
    kept = [f["properties"] for f in source["features"]
            if f["properties"]["Capacité"] >= 300 and not f["properties"]["Gratuit"]]
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        status, read, loaded, rejected, message = last_run(ctx, ident)
        assert (read, loaded, rejected) == (str(len(source["features"])), str(len(kept)), "0"), \
            (read, loaded, rejected)
        assert "%d rows left out by the filter" % (len(source["features"]) - len(kept)) in message
        table = current_table(ctx, ident)
        for props in kept:
            taux, libelle = ctx.sql("SELECT taux_occupation, libelle FROM %s WHERE _id = '%s'"
                                    % (table, props["id"]))[0]
            cap, free_ = props["Capacité"], props["Places libres"]
            expected = round(100 * (cap - free_) / cap + 1e-9, 1)
            assert abs(float(taux) - expected) < 1e-9, (props["id"], taux, expected)
            assert libelle == "%s (%s)" % (props["Nom"], props["Commune"]), libelle
        schema, name = table.split(".")
        assert ctx.sql_value("SELECT data_type FROM information_schema.columns WHERE"
                             " table_schema = '%s' AND table_name = '%s' AND column_name ="
                             " 'taux_occupation'" % (schema, name)) == "double precision"
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(os.path.dirname(path))


def test_expression_errors_fail_before_loading(ctx):
    ident = "test-parkings-badexpr"
    path = transformed_parkings_job(ctx, ident, filter="capacte > 10")
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 1, p.stderr
        assert "transform.filter" in p.stderr and 'unknown column "capacte"' in p.stderr, p.stderr
        assert "capacite" in p.stderr, p.stderr   # the columns are listed
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(os.path.dirname(path))


def test_points_from_an_opendatasoft_geo_point_object(ctx):
    ident = "test-kiosques-geopoint"
    path = temp_job(ident, os.path.join(ctx.root, FIXTURES, "csv", "kiosques.csv"), key="id")
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        assert ctx.sql_value("SELECT ST_AsText(geom) FROM %s WHERE _id = '1'"
                             % current_table(ctx, ident)) == "POINT(0.3401 46.5812)"
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(os.path.dirname(path))


def test_z_is_dropped_unless_the_job_keeps_it(ctx):
    src = os.path.join(ctx.root, FIXTURES, "geometry", "reperes.geojson")
    flat = temp_job("test-reperes-2d", src, key="repere")
    kept = temp_job("test-reperes-3d", src, key="repere", source={"keep_z": True})
    try:
        for path in (flat, kept):
            p = ctx.etl("run", path)
            assert p.returncode == 0, p.stderr
        t2 = current_table(ctx, "test-reperes-2d")
        t3 = current_table(ctx, "test-reperes-3d")
        assert ctx.sql_value("SELECT max(ST_NDims(geom)) FROM " + t2) == "2"
        rows = dict(ctx.sql("SELECT _id, ST_Z(geom) FROM %s" % t3))
        assert rows == {"NGF-00": "116.4", "NGF-01": "121", "NGF-02": "98.75",
                        "NGF-03": "0"}, rows
        r = ctx.get("/datasets/test-reperes-3d/records?limit=10")
        coords = {rec["id"]: rec["geometry"]["coordinates"] for rec in r.json()["records"]}
        assert coords["NGF-02"] == [0.342, 46.58, 98.75], coords
    finally:
        for ident, path in (("test-reperes-2d", flat), ("test-reperes-3d", kept)):
            drop_dataset(ctx, ident)
            shutil.rmtree(os.path.dirname(path))


def test_max_rejected_decides_whether_rejected_rows_fail_the_run(ctx):
    from test_etl import current_version
    ident = "test-compteurs-rejects"
    src = os.path.join(ctx.root, FIXTURES, "csv", "compteurs.csv")
    lenient = temp_job(ident, src, key="id", transform={"cast": {"index_m3": "integer"}})
    strict = temp_job(ident, src, key="id", max_rejected=0,
                      transform={"cast": {"index_m3": "integer"}})
    try:
        p = ctx.etl("run", lenient)
        assert p.returncode == 0, p.stderr
        status, read, loaded, rejected, message = last_run(ctx, ident)
        assert (status, read, loaded, rejected) == ("succeeded", "3", "2", "1"), message
        assert "feature 3: a value that cannot be cast" in message, message
        version = current_version(ctx, ident)
        p = ctx.etl("run", strict)
        assert p.returncode == 1, p.stderr
        status, _, _, rejected, message = last_run(ctx, ident)
        assert status == "failed" and rejected == "1", (status, message)
        assert "more than the job's max_rejected (0)" in message, message
        assert current_version(ctx, ident) == version
    finally:
        drop_dataset(ctx, ident)
        for path in (lenient, strict):
            shutil.rmtree(os.path.dirname(path))
