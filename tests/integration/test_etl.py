"""test_etl.py: harvesting the demo jobs into PostGIS, and what happens when
a source goes wrong: the run fails, is recorded, and the previously published
version stays served."""

import json
import math
import os
import shutil
import signal
import subprocess
import tempfile
import time

DEMO = "etl/jobs/demo"
JOBS = ["parkings-grand-poitiers", "eclairage-public", "equipements-publics"]


def job_path(ctx, ident):
    return os.path.join(ctx.root, DEMO, ident + ".json")


def current_table(ctx, ident):
    return ctx.sql_value(
        "SELECT 'data.' || v.table_name FROM datasets d JOIN dataset_versions v"
        " ON v.id = d.current_version_id WHERE d.identifier = '%s'" % ident)


def current_version(ctx, ident):
    return ctx.sql_value("SELECT current_version_id FROM datasets"
                         " WHERE identifier = '%s'" % ident)


def last_run(ctx, ident):
    return ctx.sql(
        "SELECT r.status, r.rows_read, r.rows_loaded, r.rows_rejected,"
        " coalesce(r.message, '') FROM job_runs r JOIN jobs j ON j.id = r.job_id"
        " WHERE j.identifier = '%s' ORDER BY r.id DESC LIMIT 1" % ident)[0]


def column_types(ctx, table):
    schema, name = table.split(".")
    return dict(ctx.sql(
        "SELECT column_name, data_type FROM information_schema.columns"
        " WHERE table_schema = '%s' AND table_name = '%s'" % (schema, name)))


def point_of(ctx, table, record_id):
    x, y, srid = ctx.sql("SELECT ST_X(geom), ST_Y(geom), ST_SRID(geom) FROM %s"
                         " WHERE _id = '%s'" % (table, record_id))[0]
    return float(x), float(y), int(srid)


def temp_job(ident, source_file, **changes):
    """A job file in a fresh folder, for dataset ident, reading source_file
    (copied beside it with its sidecar files, or left missing); changes
    are top-level keys, "source" ones are merged into the source."""
    folder = tempfile.mkdtemp(prefix="odp-test-")
    job = {
        "identifier": ident,
        "title": "Jeu de test " + ident,
        "description": "Un jeu de données créé par les tests d'intégration.",
        "publisher": {"identifier": "tests", "name": "Tests"},
        "licence": "etalab-2.0",
        "source": {"kind": "gdal", "path": os.path.basename(source_file)},
    }
    job["source"].update(changes.pop("source", {}))
    job.update(changes)
    if os.path.exists(source_file):
        stem = os.path.splitext(os.path.basename(source_file))[0]
        for f in os.listdir(os.path.dirname(source_file)):
            if f.startswith(stem + "."):
                shutil.copy(os.path.join(os.path.dirname(source_file), f), folder)
    path = os.path.join(folder, ident + ".json")
    with open(path, "w") as f:
        json.dump(job, f, ensure_ascii=False)
    return path


def drop_dataset(ctx, ident):
    """Removes a dataset the tests made, so that later tests see the demo."""
    for (table,) in ctx.sql(
            "SELECT v.table_name FROM dataset_versions v JOIN datasets d"
            " ON d.id = v.dataset_id WHERE d.identifier = '%s'" % ident):
        ctx.sql('DROP TABLE IF EXISTS data."%s"' % table)
    ctx.sql("""
        UPDATE datasets SET current_version_id = NULL WHERE identifier = '%(i)s';
        DELETE FROM dataset_versions WHERE dataset_id IN
          (SELECT id FROM datasets WHERE identifier = '%(i)s');
        DELETE FROM job_runs WHERE job_id IN
          (SELECT id FROM jobs WHERE identifier = '%(i)s');
        DELETE FROM jobs WHERE identifier = '%(i)s';
        DELETE FROM distributions WHERE dataset_id IN
          (SELECT id FROM datasets WHERE identifier = '%(i)s');
        DELETE FROM datasets WHERE identifier = '%(i)s';""" % {"i": ident})


def test_migrate_applies_each_migration_once(ctx):
    p = ctx.etl("migrate")
    assert p.returncode == 0, p.stderr
    files = sorted(f for f in os.listdir(os.path.join(ctx.root, "sql"))
                   if f.endswith(".sql"))
    applied = [r[0] for r in ctx.sql("SELECT name FROM schema_migrations ORDER BY name")]
    assert applied == files, (applied, files)


def test_harvest_each_demo_job(ctx):
    for ident in JOBS:
        p = ctx.etl("run", job_path(ctx, ident))
        assert p.returncode == 0, (ident, p.stderr)
        status, read, loaded, rejected, message = last_run(ctx, ident)
        assert status == "succeeded", (ident, status, message)
        assert read == loaded and rejected == "0", (ident, read, loaded, rejected)
        assert current_version(ctx, ident), ident


def test_parkings_geojson_rows_types_and_coordinates(ctx):
    with open(os.path.join(ctx.root, DEMO, "data", "parkings.geojson")) as f:
        source = json.load(f)
    table = current_table(ctx, "parkings-grand-poitiers")
    assert int(ctx.sql_value("SELECT count(*) FROM " + table)) == len(source["features"])
    assert ctx.sql_value("SELECT record_count FROM datasets WHERE identifier ="
                         " 'parkings-grand-poitiers'") == str(len(source["features"]))
    types = column_types(ctx, table)
    assert types["capacite"] == "bigint", types
    assert types["tarif_horaire_eur"] == "double precision", types
    assert types["gratuit"] == "boolean", types
    assert types["mise_a_jour"] == "timestamp with time zone", types
    assert types["nom"] == "text", types
    first = source["features"][0]
    x, y, srid = point_of(ctx, table, first["properties"]["id"])
    assert srid == 4326
    assert (x, y) == tuple(first["geometry"]["coordinates"]), (x, y)
    nom, cap = ctx.sql("SELECT nom, capacite FROM %s WHERE _id = '%s'"
                       % (table, first["properties"]["id"]))[0]
    assert nom == first["properties"]["Nom"], nom
    assert int(cap) == first["properties"]["Capacité"], cap
    # The source's own names stay beside the normalised ones.
    src_name = ctx.sql_value(
        "SELECT source_name FROM dataset_columns c JOIN datasets d"
        " ON d.current_version_id = c.version_id WHERE d.identifier ="
        " 'parkings-grand-poitiers' AND c.name = 'capacite'")
    assert src_name == "Capacité", src_name


def test_lighting_shapefile_reprojected_from_lambert93(ctx):
    prj = open(os.path.join(ctx.root, DEMO, "data", "eclairage.prj")).read()
    assert "Lambert" in prj, "the fixture is meant to be in Lambert-93"
    table = current_table(ctx, "eclairage-public")
    assert int(ctx.sql_value("SELECT count(*) FROM " + table)) == 60
    x, y, srid = point_of(ctx, table, "EP-0001")
    assert srid == 4326
    # EP-0001 was placed at 0.34712 E, 46.58061 N before projection.
    assert math.isclose(x, 0.34712, abs_tol=1e-7), x
    assert math.isclose(y, 46.58061, abs_tol=1e-7), y
    types = column_types(ctx, table)
    assert types["date_pose"] == "date", types
    assert types["puiss_w"] == "bigint", types
    assert types["telegest"] == "boolean", types
    rue = ctx.sql_value("SELECT rue FROM %s WHERE _id = 'EP-0001'" % table)
    assert rue == "Rue de la Cathédrale", rue   # the .cpg says UTF-8


def test_facilities_csv_with_french_formats(ctx):
    table = current_table(ctx, "equipements-publics")
    assert int(ctx.sql_value("SELECT count(*) FROM " + table)) == 12
    types = column_types(ctx, table)
    # The BOM is not part of the first column's name.
    assert "identifiant" in types, types
    assert types["surface_m2"] == "double precision", types
    assert types["date_d_ouverture"] == "date", types
    assert types["accessible_pmr"] == "boolean", types
    row = ctx.sql("SELECT nom, surface_m2, date_d_ouverture, accessible_pmr"
                  " FROM %s WHERE _id = 'EQ-002'" % table)[0]
    assert row == ("Piscine de la Ganterie", "2100.5", "1971-06-01", "t"), row
    # "NA" and an empty cell are NULL, not text.
    assert ctx.sql_value("SELECT surface_m2 IS NULL FROM %s WHERE _id = 'EQ-011'" % table) == "t"
    assert ctx.sql_value("SELECT date_d_ouverture IS NULL FROM %s WHERE _id = 'EQ-010'" % table) == "t"
    x, y, srid = point_of(ctx, table, "EQ-001")
    assert (x, y, srid) == (0.34287, 46.58223, 4326), (x, y, srid)


def test_reharvest_of_an_unchanged_source_keeps_the_version(ctx):
    ident = "parkings-grand-poitiers"
    before = ctx.sql("SELECT current_version_id, modified FROM datasets"
                     " WHERE identifier = '%s'" % ident)
    p = ctx.etl("run", ident)   # by identifier, found under etl/jobs
    assert p.returncode == 0, p.stderr
    status, read, _, _, message = last_run(ctx, ident)
    assert status == "unchanged", (status, message)
    # The files are those of the published version: nothing is read.
    assert read == "0" and "source files and the job are identical" in message, message
    after = ctx.sql("SELECT current_version_id, modified FROM datasets"
                    " WHERE identifier = '%s'" % ident)
    assert before == after, (before, after)


def test_same_content_in_different_files_is_unchanged(ctx):
    ident = "parkings-grand-poitiers"
    path = temp_job(ident, os.path.join(ctx.root, DEMO, "data", "parkings.geojson"),
                    key="id")
    # The job and the file differ (another title, the file re-indented), the
    # published rows would not: the content checksum says "unchanged".
    with open(job_path(ctx, ident)) as f:
        demo = json.load(f)
    with open(path) as f:
        job = json.load(f)
    for k in ("title", "description", "publisher", "licence", "themes", "keywords",
              "frequency", "schedule"):
        job[k] = demo.get(k, job.get(k))
    with open(path, "w") as f:
        json.dump(job, f, ensure_ascii=False)
    data = os.path.join(os.path.dirname(path), "parkings.geojson")
    with open(data) as f:
        doc = json.load(f)
    with open(data, "w") as f:
        json.dump(doc, f, ensure_ascii=False, indent=4)
    before = current_version(ctx, ident)
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        status, read, _, _, message = last_run(ctx, ident)
        assert (status, read) == ("unchanged", "12"), (status, read, message)
        assert current_version(ctx, ident) == before
    finally:
        shutil.rmtree(os.path.dirname(path))
        p = ctx.etl("run", job_path(ctx, ident))
    assert p.returncode == 0, p.stderr


def test_changed_source_publishes_a_new_version(ctx):
    ident = "parkings-grand-poitiers"
    path = temp_job(ident, os.path.join(ctx.root, DEMO, "data", "parkings.geojson"),
                    key="id")
    data = os.path.join(os.path.dirname(path), "parkings.geojson")
    with open(data) as f:
        doc = json.load(f)
    doc["features"][0]["properties"]["Places libres"] = 7
    with open(data, "w") as f:
        json.dump(doc, f, ensure_ascii=False)
    old_version = current_version(ctx, ident)
    old_table = current_table(ctx, ident)
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        new_version = current_version(ctx, ident)
        assert new_version != old_version
        table = current_table(ctx, ident)
        assert ctx.sql_value("SELECT places_libres FROM %s WHERE _id = 'PKG-001'" % table) == "7"
        # The old version stays queryable, retired.
        assert ctx.sql_value("SELECT state FROM dataset_versions WHERE id = %s"
                             % old_version) == "retired"
        assert ctx.sql_value("SELECT count(*) FROM " + old_table) == "12"
    finally:
        shutil.rmtree(os.path.dirname(path))
        p = ctx.etl("run", job_path(ctx, ident))
    assert p.returncode == 0, p.stderr
    table = current_table(ctx, ident)
    assert ctx.sql_value("SELECT places_libres FROM %s WHERE _id = 'PKG-001'" % table) == "212"


def assert_failed_and_previous_served(ctx, ident, path, expected_in_message):
    version = current_version(ctx, ident)
    count = ctx.sql_value("SELECT record_count FROM datasets WHERE identifier = '%s'" % ident)
    p = ctx.etl("run", path)
    assert p.returncode == 1, (p.returncode, p.stderr)
    for text in expected_in_message:
        assert text in p.stderr, (text, p.stderr)
    status, _, _, _, message = last_run(ctx, ident)
    assert status == "failed", status
    for text in expected_in_message:
        assert text in message, (text, message)
    assert current_version(ctx, ident) == version
    r = ctx.get("/datasets/%s/records?limit=10000" % ident)
    assert r.status == 200, r.status
    assert len(r.json()["records"]) == int(count), r.body[:200]
    # No table of the failed run is left behind.
    leftovers = ctx.sql_value("SELECT count(*) FROM dataset_versions v JOIN datasets d"
                              " ON d.id = v.dataset_id WHERE d.identifier = '%s'"
                              " AND v.state = 'loading'" % ident)
    assert leftovers == "0", leftovers


def test_source_that_disappears_fails_and_previous_version_stays(ctx):
    path = temp_job("eclairage-public", "/nonexistent/eclairage.shp",
                    source={"layer": "eclairage"})
    try:
        assert_failed_and_previous_served(
            ctx, "eclairage-public", path, ["eclairage.shp", "No such file"])
    finally:
        shutil.rmtree(os.path.dirname(path))


def test_file_gdal_cannot_open_fails_cleanly(ctx):
    folder = tempfile.mkdtemp(prefix="odp-test-")
    bad = os.path.join(folder, "parkings.geojson")
    with open(bad, "w") as f:
        f.write("this is not { GeoJSON")
    path = temp_job("parkings-grand-poitiers", bad, key="id")
    try:
        assert_failed_and_previous_served(
            ctx, "parkings-grand-poitiers", path,
            ["could not open source", "parkings.geojson"])
    finally:
        shutil.rmtree(folder)
        shutil.rmtree(os.path.dirname(path))


def test_missing_layer_names_the_layers_there_are(ctx):
    path = temp_job("eclairage-public",
                    os.path.join(ctx.root, DEMO, "data", "eclairage.shp"),
                    source={"layer": "lampadaires"})
    try:
        assert_failed_and_previous_served(
            ctx, "eclairage-public", path,
            ['no layer "lampadaires"', '"eclairage"'])
    finally:
        shutil.rmtree(os.path.dirname(path))


def test_column_type_gdal_cannot_map_fails_cleanly(ctx):
    folder = tempfile.mkdtemp(prefix="odp-test-")
    gpkg = os.path.join(folder, "photos.gpkg")
    subprocess.run(
        ["ogr2ogr", "-f", "GPKG", gpkg,
         os.path.join(ctx.root, DEMO, "data", "parkings.geojson"),
         "-dialect", "SQLite", "-nln", "parkings", "-sql",
         "SELECT id, Nom, CAST(X'89504E47' AS BLOB) AS photo, geometry FROM parkings"],
        check=True, capture_output=True)
    path = temp_job("parkings-grand-poitiers", gpkg, key="id")
    try:
        assert_failed_and_previous_served(
            ctx, "parkings-grand-poitiers", path,
            ['column "photo"', "Binary", "cannot publish"])
    finally:
        shutil.rmtree(folder)
        shutil.rmtree(os.path.dirname(path))


def test_duplicate_keys_fail_the_run(ctx):
    folder = tempfile.mkdtemp(prefix="odp-test-")
    csv = os.path.join(folder, "equipements.csv")
    with open(os.path.join(ctx.root, DEMO, "data", "equipements.csv"), encoding="utf-8-sig") as f:
        lines = f.read().splitlines()
    with open(csv, "w", encoding="utf-8-sig") as f:
        f.write("\n".join(lines + [lines[1]]) + "\n")
    path = temp_job("equipements-publics", csv, key="Identifiant",
                    source={"x": "Longitude", "y": "Latitude"})
    try:
        assert_failed_and_previous_served(
            ctx, "equipements-publics", path,
            ['key column "Identifiant"', "EQ-001"])
    finally:
        shutil.rmtree(folder)
        shutil.rmtree(os.path.dirname(path))


def test_invalid_job_file_is_not_run(ctx):
    folder = tempfile.mkdtemp(prefix="odp-test-")
    path = os.path.join(folder, "typo.json")
    with open(path, "w") as f:
        f.write('{"identifier": "typo", "title": "T", "description": "D",'
                ' "publisher": {"identifier": "p", "name": "P"},'
                ' "license": "etalab-2.0", "source": {"kind": "gdal", "path": "x.csv"}}')
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 3, (p.returncode, p.stderr)
        assert path + ": $.license: unknown key" in p.stderr, p.stderr
        assert path + ": $.licence: missing key" in p.stderr, p.stderr
        assert ctx.sql_value("SELECT count(*) FROM jobs WHERE identifier = 'typo'") == "0"
    finally:
        shutil.rmtree(folder)


def test_killed_run_is_recorded_and_previous_version_served(ctx):
    ident = "test-killed-run"
    folder = tempfile.mkdtemp(prefix="odp-test-")
    csv = os.path.join(folder, "mesures.csv")

    def write_rows(n):
        with open(csv, "w") as f:
            f.write("id;valeur;lat;lon\n")
            for i in range(n):
                f.write("M%07d;%d,5;46,58;0,34\n" % (i, i))

    write_rows(3)
    path = temp_job(ident, csv, key="id", source={"x": "lon", "y": "lat"})
    os.unlink(csv)
    csv = os.path.join(os.path.dirname(path), "mesures.csv")
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        version = current_version(ctx, ident)

        write_rows(600000)
        proc = subprocess.Popen(
            [ctx.etl_path, "run", "--no-progress", path],
            cwd=ctx.root, env=ctx.env(), stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL)
        deadline = time.time() + 120
        while time.time() < deadline and proc.poll() is None:
            loading = ctx.sql_value(
                "SELECT count(*) FROM dataset_versions v JOIN datasets d ON"
                " d.id = v.dataset_id WHERE d.identifier = '%s' AND v.state ="
                " 'loading'" % ident)
            if loading == "1":
                break
            time.sleep(0.02)
        assert proc.poll() is None, "the run ended before it could be killed"
        time.sleep(0.3)   # well into the COPY
        proc.send_signal(signal.SIGKILL)
        proc.wait()

        assert current_version(ctx, ident) == version
        r = ctx.get("/datasets/%s/records" % ident)
        assert r.status == 200 and len(r.json()["records"]) == 3, r.body[:300]
        assert last_run(ctx, ident)[0] == "running"

        # The next run records the killed one and cleans up after it.
        write_rows(4)
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        statuses = ctx.sql(
            "SELECT r.status, coalesce(r.message, '') FROM job_runs r JOIN jobs j"
            " ON j.id = r.job_id WHERE j.identifier = '%s' ORDER BY r.id" % ident)
        assert [s for s, _ in statuses] == ["succeeded", "failed", "succeeded"], statuses
        assert "interrupted" in statuses[1][1], statuses
        assert ctx.sql_value(
            "SELECT count(*) FROM dataset_versions v JOIN datasets d ON"
            " d.id = v.dataset_id WHERE d.identifier = '%s' AND v.state ="
            " 'loading'" % ident) == "0"
        assert ctx.sql_value("SELECT record_count FROM datasets WHERE"
                             " identifier = '%s'" % ident) == "4"
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)
