"""test_sources_sql.py: the sql source kind against a second database of the
test cluster, odp_service_test, standing for a service database: the town
planning department's building permits, whose rows change between runs.
Full and incremental harvests, deletions picked up by full runs, queries
that fail, secrets kept out of job_runs and logs, a SQLite file read through
GDAL, and a large result read without holding it in memory."""

import json
import math
import os
import re
import shutil
import sqlite3
import subprocess
import tempfile

from test_etl import (assert_failed_and_previous_served, column_types,
                      current_table, current_version, drop_dataset, last_run)

SERVICE_DB = "odp_service_test"
PERMITS = "test-sql-permis"
METERS = "test-sql-compteurs"
VOLUME = "test-sql-volume"
EVERY = "test-sql-full-every"

# The service database's password, as the job files refer to it.  The
# embedded cluster trusts local connections and ignores it, which is all
# the better for checking that it never shows.
PASSWORD_VAR = "ODP_TEST_SERVICE_PASSWORD"
PASSWORD = "Pw-odp-9f3e1c-s3rvice"
os.environ[PASSWORD_VAR] = PASSWORD   # inherited by every odp-etl run

_service = {"created": False}

PERMITS_QUERY = """
SELECT numero, demandeur, commune, surface_plancher, montant_travaux,
       accorde, date_depot, modifie_le, geom
  FROM urbanisme.permis_construire
 WHERE nature = 'PC'   -- building permits only, not demolition ones
"""

# Building permits of Grand Poitiers in Lambert-93 (EPSG:2154).
PERMITS_ROWS = [
    ("PC 086 194 24 00001", "Hélène Bézier", "Poitiers", 142, "186500.00",
     True, "2024-01-15", "2024-02-01 09:30:00+01", (497512.31, 6615204.87)),
    ("PC 086 194 24 00002", "SCI Les Châtaigniers", "Poitiers", 1250,
     "2350000.50", True, "2024-02-03", "2024-03-12 14:05:00+01",
     (496880.02, 6614410.55)),
    ("PC 086 062 24 00003", "François Nöel", "Buxerolles", 96, None,
     False, "2024-02-20", "2024-03-20 11:00:00+01", (498995.40, 6618020.10)),
    ("PC 086 158 24 00004", "Mairie de Migné-Auxances", "Migné-Auxances",
     610, "980000.00", True, "2024-03-05", "2024-04-02 16:45:30.5+02",
     (491210.75, 6621100.00)),
    ("PC 086 194 24 00005", "Zoë L'Hôte", "Poitiers", 58, "45200.99",
     None, "2024-03-28", "2024-04-10 08:00:00+02", None),
]


def with_dbname(conninfo, name):
    """conninfo pointed at database name (URI or key=value form)."""
    if conninfo.startswith(("postgres://", "postgresql://")):
        from urllib.parse import urlsplit, urlunsplit
        parts = urlsplit(conninfo)
        return urlunsplit(parts._replace(path="/" + name))
    return conninfo + " dbname=" + name   # in key=value form the last one wins


def service_conninfo(ctx):
    return with_dbname(ctx.conninfo, SERVICE_DB)


def job_connection(ctx):
    """The service database's connection as a job file writes it, with the
    password as a ${VAR} reference when the server needs none of its own.
    Creates the service database if no test of this run has."""
    if not _service["created"]:
        create_service_database(ctx)
    conn = service_conninfo(ctx)
    if "password" in conn or "://" in conn and "@" in conn.split("://")[1]:
        return conn
    if "://" in conn:
        return conn.replace("://", "://odp:${%s}@" % PASSWORD_VAR, 1)
    return conn + " password=${%s}" % PASSWORD_VAR


def service_sql(ctx, query):
    out = subprocess.run(
        ["psql", "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
         "-d", service_conninfo(ctx), "-c", query],
        capture_output=True, text=True, check=True).stdout
    return [tuple(line.split("\t")) for line in out.splitlines()]


def literal(v):
    if v is None:
        return "NULL"
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    return "'" + str(v).replace("'", "''") + "'"


def insert_permit(ctx, row, nature="PC"):
    numero, demandeur, commune, surface, montant, accorde, depot, modifie, xy = row
    geom = ("ST_SetSRID(ST_MakePoint(%r, %r), 2154)" % xy) if xy else "NULL"
    service_sql(ctx, "INSERT INTO urbanisme.permis_construire VALUES"
                " (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)" % (
                    literal(numero), literal(nature), literal(demandeur),
                    literal(commune), literal(surface), literal(montant),
                    literal(accorde), literal(depot), literal(modifie), geom))


def create_service_database(ctx):
    """Drops and creates odp_service_test with its permits table."""
    _service["created"] = True
    ctx.sql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % SERVICE_DB)
    ctx.sql("CREATE DATABASE %s" % SERVICE_DB)
    service_sql(ctx, """
        CREATE EXTENSION postgis;
        CREATE SCHEMA urbanisme;
        CREATE TABLE urbanisme.permis_construire (
            numero            text PRIMARY KEY,
            nature            text NOT NULL,
            demandeur         text NOT NULL,
            commune           text NOT NULL,
            surface_plancher  integer,
            montant_travaux   numeric(12, 2),
            accorde           boolean,
            date_depot        date NOT NULL,
            modifie_le        timestamptz NOT NULL,
            geom              geometry(Point, 2154)
        );""")
    for row in PERMITS_ROWS:
        insert_permit(ctx, row)
    insert_permit(ctx, ("PD 086 194 24 00001", "Démolition", "Poitiers", None,
                        None, True, "2024-01-02", "2024-01-03 10:00:00+01",
                        None), nature="PD")


def write_job(ident, folder=None, job_keys=None, **source):
    """A job file for dataset ident with a sql source (job_keys: top-level
    keys to add); returns its path."""
    folder = folder or tempfile.mkdtemp(prefix="odp-test-sql-")
    job = {
        "identifier": ident,
        "title": "Permis de construire de Grand Poitiers",
        "description": "Permis de construire déposés, lus dans la base du "
                       "service urbanisme.",
        "publisher": {"identifier": "grand-poitiers",
                      "name": "Grand Poitiers Communauté urbaine"},
        "licence": "etalab-2.0",
        "source": dict({"kind": "sql"}, **source),
    }
    job.update(job_keys or {})
    path = os.path.join(folder, ident + ".json")
    with open(path, "w", encoding="utf-8") as f:
        json.dump(job, f, ensure_ascii=False)
    return path


def permits_job(ctx, folder=None, **changes):
    source = {"connection": job_connection(ctx), "query": PERMITS_QUERY,
              "incremental": {"column": "modifie_le", "key": "numero"}}
    source.update(changes)
    return write_job(PERMITS, folder, **source)


def published(ctx, ident, columns):
    return ctx.sql("SELECT %s FROM %s ORDER BY _rownum"
                   % (columns, current_table(ctx, ident)))


def source_permits(ctx):
    """The permits as the catalogue should publish them, sorted by key."""
    return service_sql(ctx, """
        SELECT numero, demandeur, commune, surface_plancher,
               montant_travaux::float8, accorde, date_depot, modifie_le
          FROM urbanisme.permis_construire WHERE nature = 'PC'
         ORDER BY numero""")


def catalogue_permits(ctx):
    return ctx.sql("SELECT numero, demandeur, commune, surface_plancher,"
                   " montant_travaux, accorde, date_depot, modifie_le FROM %s"
                   " ORDER BY numero" % current_table(ctx, PERMITS))


def assert_rownums_without_gaps(ctx, ident):
    rownums = [int(r[0]) for r in published(ctx, ident, "_rownum")]
    assert rownums == list(range(1, len(rownums) + 1)), rownums


def test_sql_full_harvest_publishes_the_query_result(ctx):
    create_service_database(ctx)
    drop_dataset(ctx, PERMITS)
    path = permits_job(ctx)
    p = ctx.etl("run", path)
    assert p.returncode == 0, p.stderr
    status, read, loaded, rejected, message = last_run(ctx, PERMITS)
    assert (status, read, loaded, rejected) == ("succeeded", "5", "5", "0"), \
        (status, read, loaded, message)
    assert "full run (nothing is published yet)" in message, message
    # The demolition permit is left out by the query's own WHERE.
    assert catalogue_permits(ctx) == source_permits(ctx)
    types = column_types(ctx, current_table(ctx, PERMITS))
    assert types["surface_plancher"] == "bigint", types
    assert types["montant_travaux"] == "double precision", types
    assert types["accorde"] == "boolean", types
    assert types["date_depot"] == "date", types
    assert types["modifie_le"] == "timestamp with time zone", types
    assert types["demandeur"] == "text", types
    # Lambert-93 points, reprojected to WGS 84 as PostGIS does it.
    expected = dict((r[0], (float(r[1]), float(r[2]))) for r in service_sql(
        ctx, "SELECT numero, ST_X(ST_Transform(geom, 4326)),"
             " ST_Y(ST_Transform(geom, 4326)) FROM urbanisme.permis_construire"
             " WHERE geom IS NOT NULL"))
    got = ctx.sql("SELECT _id, ST_X(geom), ST_Y(geom), ST_SRID(geom) FROM %s"
                  " WHERE geom IS NOT NULL" % current_table(ctx, PERMITS))
    assert len(got) == len(expected) == 4, got
    for ident, x, y, srid in got:
        assert srid == "4326"
        assert math.isclose(float(x), expected[ident][0], abs_tol=1e-7), (ident, x)
        assert math.isclose(float(y), expected[ident][1], abs_tol=1e-7), (ident, y)
    # The record's id is the key; the API serves the records.
    r = ctx.get("/datasets/%s/records?limit=10" % PERMITS)
    assert r.status == 200, r.body[:300]
    ids = sorted(rec["id"] for rec in r.json()["records"])
    assert ids == sorted(row[0] for row in PERMITS_ROWS), ids
    shutil.rmtree(os.path.dirname(path))


def test_sql_incremental_run_reads_only_rows_beyond_the_watermark(ctx):
    before = dict((r[0], r[1]) for r in published(ctx, PERMITS, "_id, _rownum"))
    version = current_version(ctx, PERMITS)
    # Two permits change, a new one is filed; the others stay as they were.
    service_sql(ctx, """
        UPDATE urbanisme.permis_construire
           SET accorde = true, modifie_le = '2024-05-02 10:00:00+02'
         WHERE numero = 'PC 086 062 24 00003';
        UPDATE urbanisme.permis_construire
           SET surface_plancher = 64, montant_travaux = 51000,
               modifie_le = '2024-05-03 17:20:00+02'
         WHERE numero = 'PC 086 194 24 00005';""")
    new = ("PC 086 194 24 00006", "Émile Prévost", "Poitiers", 180,
           "310000.00", None, "2024-04-29", "2024-05-04 09:15:00+02",
           (497100.00, 6615900.00))
    insert_permit(ctx, new)
    path = permits_job(ctx)
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        status, read, loaded, _, message = last_run(ctx, PERMITS)
        # Three rows read out of six: only those beyond the watermark.
        assert (status, read, loaded) == ("succeeded", "3", "6"), (status, read, loaded, message)
        assert "incremental since 2024-04-10 08:00:00+02: 3 rows upserted" \
            " (1 added, 2 updated)" in message, message
        assert ctx.sql_value(
            "SELECT i.watermark FROM incremental_runs i JOIN job_runs r"
            " ON r.id = i.run_id JOIN jobs j ON j.id = r.job_id WHERE"
            " j.identifier = '%s' ORDER BY r.id DESC LIMIT 1" % PERMITS) \
            == "2024-04-10 08:00:00+02"
        assert current_version(ctx, PERMITS) != version
        assert catalogue_permits(ctx) == source_permits(ctx)
        # Updated rows keep their place, the new one comes last.
        after = dict((r[0], r[1]) for r in published(ctx, PERMITS, "_id, _rownum"))
        for ident, rownum in before.items():
            assert after[ident] == rownum, (ident, before, after)
        assert after[new[0]] == "6", after
        assert_rownums_without_gaps(ctx, PERMITS)
        assert ctx.sql_value("SELECT record_count FROM datasets WHERE identifier"
                             " = '%s'" % PERMITS) == "6"
        x, y = ctx.sql("SELECT ST_X(geom), ST_Y(geom) FROM %s WHERE _id = '%s'"
                       % (current_table(ctx, PERMITS), new[0]))[0]
        ex, ey = service_sql(ctx, "SELECT ST_X(g), ST_Y(g) FROM (SELECT"
                             " ST_Transform(geom, 4326) g FROM"
                             " urbanisme.permis_construire WHERE numero = '%s')"
                             " t" % new[0])[0]
        assert math.isclose(float(x), float(ex), abs_tol=1e-7), (x, ex)
        assert math.isclose(float(y), float(ey), abs_tol=1e-7), (y, ey)
        r = ctx.get("/datasets/%s/records?limit=10" % PERMITS)
        assert r.status == 200 and len(r.json()["records"]) == 6, r.body[:300]

        # Nothing beyond the watermark: nothing read, nothing published.
        version = current_version(ctx, PERMITS)
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        status, read, loaded, _, message = last_run(ctx, PERMITS)
        assert (status, read) == ("unchanged", "0"), (status, read, message)
        assert current_version(ctx, PERMITS) == version
    finally:
        shutil.rmtree(os.path.dirname(path))


def test_sql_deleted_row_disappears_only_with_a_full_run(ctx):
    gone = "PC 086 194 24 00002"
    service_sql(ctx, "DELETE FROM urbanisme.permis_construire"
                     " WHERE numero = '%s'" % gone)
    path = permits_job(ctx)
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        assert last_run(ctx, PERMITS)[0] == "unchanged"
        ids = [r[0] for r in published(ctx, PERMITS, "_id")]
        assert gone in ids, ids

        p = ctx.etl("run", "--full", path)
        assert p.returncode == 0, p.stderr
        status, read, loaded, _, message = last_run(ctx, PERMITS)
        assert (status, read, loaded) == ("succeeded", "5", "5"), (status, read, message)
        assert "full run (asked for with --full)" in message, message
        ids = [r[0] for r in published(ctx, PERMITS, "_id")]
        assert gone not in ids and len(ids) == 5, ids
        assert catalogue_permits(ctx) == source_permits(ctx)
        assert_rownums_without_gaps(ctx, PERMITS)
    finally:
        shutil.rmtree(os.path.dirname(path))


def test_sql_every_nth_run_is_full(ctx):
    drop_dataset(ctx, EVERY)
    path = write_job(EVERY, connection=job_connection(ctx),
                     query=PERMITS_QUERY,
                     incremental={"column": "modifie_le", "key": "numero",
                                  "full_every": 3})
    try:
        kinds = []
        for _ in range(7):
            p = ctx.etl("run", path)
            assert p.returncode == 0, p.stderr
            kinds.append(ctx.sql_value(
                "SELECT i.full_read FROM incremental_runs i JOIN job_runs r"
                " ON r.id = i.run_id JOIN jobs j ON j.id = r.job_id WHERE"
                " j.identifier = '%s' ORDER BY r.id DESC LIMIT 1" % EVERY))
        # The first run (nothing published), then one in three.
        assert kinds == ["t", "f", "f", "t", "f", "f", "t"], kinds
        assert "one run in 3 reads every row" in last_run(ctx, EVERY)[4]
    finally:
        drop_dataset(ctx, EVERY)
        shutil.rmtree(os.path.dirname(path))


def test_sql_query_with_a_syntax_error_fails_and_previous_version_stays(ctx):
    path = permits_job(ctx, query="SELECT numero, demandeur,"
                                  " FROM urbanisme.permis_construire")
    try:
        assert_failed_and_previous_served(
            ctx, PERMITS, path,
            ["could not run the query of sql source", SERVICE_DB,
             'syntax error at or near "FROM"'])
    finally:
        shutil.rmtree(os.path.dirname(path))


def test_sql_query_on_a_missing_table_fails_and_previous_version_stays(ctx):
    path = permits_job(ctx, query="SELECT * FROM urbanisme.permis_amenager")
    try:
        assert_failed_and_previous_served(
            ctx, PERMITS, path,
            ["could not run the query of sql source",
             'relation "urbanisme.permis_amenager" does not exist'])
    finally:
        shutil.rmtree(os.path.dirname(path))


def test_sql_query_failing_while_read_fails_and_previous_version_stays(ctx):
    path = permits_job(ctx, query="SELECT numero, modifie_le,"
                                  " 1 / (surface_plancher - 96) AS ratio"
                                  " FROM urbanisme.permis_construire",
                       incremental=None)
    try:
        assert_failed_and_previous_served(
            ctx, PERMITS, path, ["sql source", "division by zero"])
    finally:
        shutil.rmtree(os.path.dirname(path))


def test_sql_password_never_in_job_runs_nor_logs(ctx):
    assert "${%s}" % PASSWORD_VAR in job_connection(ctx) or \
        "password" in service_conninfo(ctx)
    secret = PASSWORD
    # A connection that fails, so that libpq's message goes through too.
    bad = job_connection(ctx).replace(SERVICE_DB, "odp_service_absente")
    path = permits_job(ctx, connection=bad)
    try:
        p = ctx.etl("run", path, env={"ODP_LOG_LEVEL": "debug"})
        assert p.returncode == 1, p.stderr
        assert "could not connect to sql source" in p.stderr, p.stderr
        assert "odp_service_absente" in p.stderr, p.stderr
        assert secret not in p.stderr, p.stderr
        if "${%s}" % PASSWORD_VAR in bad:
            assert "***" in last_run(ctx, PERMITS)[4], last_run(ctx, PERMITS)
        # A run that succeeds, at the debug level.
        p = ctx.etl("run", "--full", permits_job(ctx, folder=os.path.dirname(path)),
                    env={"ODP_LOG_LEVEL": "debug"})
        assert p.returncode == 0, p.stderr
        assert secret not in p.stderr + p.stdout, p.stderr
        # Nowhere in the catalogue either.
        dump = "\n".join("\t".join(r) for r in ctx.sql(
            "SELECT r.message, r.warnings::text, j.definition::text,"
            " coalesce(i.watermark, ''), coalesce(i.reason, '')"
            " FROM job_runs r JOIN jobs j ON j.id = r.job_id"
            " LEFT JOIN incremental_runs i ON i.run_id = r.id"))
        assert secret not in dump
    finally:
        shutil.rmtree(os.path.dirname(path))


SHAPES = "test-sql-formes"

# Geometries as a PostGIS service holds them, in Lambert-93, with the
# dimensions and kinds EWKB encodes with flags of its own.
SHAPES_EWKT = [
    ("point-zm", "POINT ZM(497000 6615000 120 7)"),
    ("ligne-m", "LINESTRING M(497000 6615000 1, 497100 6615100 2,"
                " 497180 6615090 3)"),
    ("polygone-troue-z", "POLYGON Z((497000 6615000 1, 497100 6615000 1,"
                         " 497100 6615100 1, 497000 6615000 1),"
                         " (497040 6615010 1, 497090 6615010 1,"
                         " 497090 6615050 1, 497040 6615010 1))"),
    ("multipolygone", "MULTIPOLYGON(((497000 6615000, 497010 6615000,"
                      " 497010 6615010, 497000 6615000)),"
                      " ((497200 6615200, 497210 6615200, 497210 6615210,"
                      " 497200 6615200)))"),
    ("collection-z", "GEOMETRYCOLLECTION Z(POINT Z(497000 6615000 5),"
                     " LINESTRING Z(497000 6615000 5, 497001 6615001 6))"),
    ("arc", "CIRCULARSTRING(497000 6615000, 497050 6615050, 497100 6615000)"),
    ("tin", "TIN Z(((497000 6615000 1, 497100 6615000 2, 497000 6615100 3,"
            " 497000 6615000 1)), ((497100 6615000 2, 497100 6615100 4,"
            " 497000 6615100 3, 497100 6615000 2)))"),
]


def test_sql_geometries_of_every_kind_and_dimension(ctx):
    drop_dataset(ctx, SHAPES)
    values = ", ".join("(%s, 'SRID=2154;%s'::geometry)" % (literal(k), w)
                       for k, w in SHAPES_EWKT)
    path = write_job(SHAPES, connection=job_connection(ctx),
                     query="SELECT id, g FROM (VALUES %s) AS t(id, g)" % values,
                     job_keys={"key": "id"})
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        status, read, loaded, rejected, message = last_run(ctx, SHAPES)
        n = str(len(SHAPES_EWKT))
        assert (status, read, loaded) == ("succeeded", n, n), message
        table = current_table(ctx, SHAPES)
        for ident, ewkt in SHAPES_EWKT:
            if ident == "tin":
                # Published repaired, as a collection of its triangles:
                # the same points in the same place.
                same = ctx.sql_value(
                    "SELECT ST_NPoints(geom) = 8 AND ST_HausdorffDistance("
                    "ST_Envelope(geom), ST_Envelope(ST_Transform(ST_Force2D("
                    "'SRID=2154;%s'::geometry), 4326))) < 1e-9 FROM %s WHERE"
                    " _id = 'tin'" % (ewkt, table))
                assert same == "t", ident
                continue
            # What the record should be: 2D, linear, in WGS 84.
            expected = ("ST_Transform(ST_Force2D(ST_CurveToLine("
                        "'SRID=2154;%s'::geometry)), 4326)" % ewkt)
            kind, same_kind, distance = ctx.sql(
                "SELECT ST_GeometryType(geom), ST_GeometryType(geom) ="
                " ST_GeometryType(%s), ST_HausdorffDistance(geom, %s)"
                " FROM %s WHERE _id = '%s'" % (expected, expected, table, ident))[0]
            assert same_kind == "t", (ident, kind)
            # Curves are cut into segments by GDAL and PostGIS alike,
            # though not at the same points: a few centimetres.
            tolerance = 1e-6 if ident == "arc" else 1e-9
            assert float(distance) < tolerance, (ident, distance)
    finally:
        drop_dataset(ctx, SHAPES)
        shutil.rmtree(os.path.dirname(path))


def test_sql_geography_and_the_geometry_key(ctx):
    drop_dataset(ctx, SHAPES)
    query = ("SELECT 'bornes' AS id, 'SRID=4326;POINT(0.34712 46.58061)'::"
             "geography AS position, 'SRID=2154;POINT(497000 6615000)'::"
             "geometry AS emprise")
    path = write_job(SHAPES, connection=job_connection(ctx), query=query,
                     job_keys={"key": "id"})
    try:
        # Without "geometry", the first geometry column, and a warning.
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        message = last_run(ctx, SHAPES)[4]
        assert "2 geometry columns" in message and '"position"' in message, message
        table = current_table(ctx, SHAPES)
        assert ctx.sql("SELECT ST_AsText(geom) FROM %s" % table) == \
            [("POINT(0.34712 46.58061)",)]
        assert column_types(ctx, table)["emprise"] == "text"

        path = write_job(SHAPES, os.path.dirname(path),
                         connection=job_connection(ctx), query=query,
                         geometry="emprise")
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        table = current_table(ctx, SHAPES)
        x = float(ctx.sql_value("SELECT ST_X(geom) FROM %s" % table))
        assert math.isclose(x, 0.3472, abs_tol=1e-3), x
        assert "position" in column_types(ctx, table)

        bad = write_job(SHAPES, os.path.dirname(path),
                        connection=job_connection(ctx), query=query,
                        geometry="id")
        assert_failed_and_previous_served(
            ctx, SHAPES, bad, ['column "id"', "not a PostGIS geometry"])
    finally:
        drop_dataset(ctx, SHAPES)
        shutil.rmtree(os.path.dirname(path))


def make_meters_sqlite(folder):
    """Water meters of the water board, in a SQLite file written by GDAL
    (Lambert-93 points)."""
    geojson = os.path.join(folder, "compteurs.geojson")
    features = []
    for i, (nom, index, actif, x, y) in enumerate([
            ("Compteur Blossac", 1234.5, 1, 497510.0, 6614950.0),
            ("Compteur Gare", 88.25, 1, 497020.0, 6615490.0),
            ("Compteur Pont-Neuf", 15.0, 0, 498210.0, 6615110.0),
            ("Compteur Saint-Éloi", 402.0, 1, 499400.0, 6617300.0)]):
        features.append({
            "type": "Feature",
            "properties": {"id": i + 1, "nom": nom, "index_m3": index,
                           "actif": actif, "releve": "2024-03-0%d" % (i + 1)},
            "geometry": {"type": "Point", "coordinates": [x, y]}})
    with open(geojson, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "crs": {
            "type": "name", "properties": {"name": "urn:ogc:def:crs:EPSG::2154"}},
            "features": features}, f, ensure_ascii=False)
    db = os.path.join(folder, "compteurs.sqlite")
    subprocess.run(["ogr2ogr", "-f", "SQLite", db, geojson, "-nln", "compteurs"],
                   check=True, capture_output=True)
    return db


def test_sqlite_source_through_gdal_with_a_query(ctx):
    drop_dataset(ctx, METERS)
    folder = tempfile.mkdtemp(prefix="odp-test-sql-")
    db = make_meters_sqlite(folder)
    query = ("SELECT id, nom, index_m3, releve, GEOMETRY FROM compteurs"
             " WHERE actif = 1")
    path = write_job(METERS, folder, connection="compteurs.sqlite",
                     query=query, srs="EPSG:2154",
                     incremental={"column": "id", "key": "id"})
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        status, read, loaded, _, message = last_run(ctx, METERS)
        assert (status, read, loaded) == ("succeeded", "3", "3"), (status, message)
        table = current_table(ctx, METERS)
        rows = ctx.sql("SELECT _id, nom, index_m3, releve FROM %s ORDER BY _rownum" % table)
        assert rows == [("1", "Compteur Blossac", "1234.5", "2024-03-01"),
                        ("2", "Compteur Gare", "88.25", "2024-03-02"),
                        ("4", "Compteur Saint-Éloi", "402", "2024-03-04")], rows
        x, y = ctx.sql("SELECT ST_X(geom), ST_Y(geom) FROM %s WHERE _id = '1'" % table)[0]
        ex, ey = ctx.sql("SELECT ST_X(g), ST_Y(g) FROM (SELECT ST_Transform("
                         "ST_SetSRID(ST_MakePoint(497510, 6614950), 2154), 4326) g) t")[0]
        assert math.isclose(float(x), float(ex), abs_tol=1e-7), (x, ex)
        assert math.isclose(float(y), float(ey), abs_tol=1e-7), (y, ey)

        # An integer watermark works through GDAL too.
        with sqlite3.connect(db) as con:
            con.execute("INSERT INTO compteurs (GEOMETRY, nom, index_m3, actif,"
                        " releve) SELECT GEOMETRY, 'Compteur Beaulieu', 7.5, 1,"
                        " '2024-04-01' FROM compteurs WHERE id = 1")
        con.close()
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        status, read, loaded, _, message = last_run(ctx, METERS)
        assert (status, read, loaded) == ("succeeded", "1", "4"), (status, message)
        assert "incremental since 4: 1 rows upserted" in message, message

        # Anything else is for PostgreSQL sources only, and says so.
        other = write_job(METERS, folder, connection="compteurs.sqlite",
                          query=query, srs="EPSG:2154",
                          incremental={"column": "releve", "key": "id"})
        assert_failed_and_previous_served(
            ctx, METERS, other, ["needs an integer column",
                                 "PostgreSQL sources only"])
    finally:
        drop_dataset(ctx, METERS)
        shutil.rmtree(folder)


def peak_rss_kib(ctx, args, env):
    """Runs odp-etl ARGS; returns (returncode, stderr, peak RSS in KiB)."""
    err = tempfile.TemporaryFile()
    proc = subprocess.Popen([ctx.etl_path] + args, cwd=ctx.root,
                            env=ctx.env(env), stdout=subprocess.DEVNULL,
                            stderr=err)
    _, status, usage = os.wait4(proc.pid, 0)
    proc.returncode = os.waitstatus_to_exitcode(status)
    err.seek(0)
    return proc.returncode, err.read().decode("utf-8", "replace"), usage.ru_maxrss


def test_sql_large_result_is_streamed_not_held_in_memory(ctx):
    n, width = 200000, 500
    drop_dataset(ctx, VOLUME)
    folder = tempfile.mkdtemp(prefix="odp-test-sql-")

    def run(rows):
        path = write_job(VOLUME, folder, connection=job_connection(ctx), query=(
            "SELECT g AS id, md5(g::text) AS empreinte, repeat('é', %d) AS"
            " texte, ST_SetSRID(ST_MakePoint(490000 + g %% 10000, 6610000 +"
            " g / 100), 2154) AS geom FROM generate_series(1, %d) g"
            % (width // 2, rows)))
        code, err, rss = peak_rss_kib(ctx, ["run", "--no-progress", path], None)
        assert code == 0, err
        status, read, loaded, _, message = last_run(ctx, VOLUME)
        assert (status, read, loaded) == ("succeeded", str(rows), str(rows)), message
        return rss

    try:
        small = run(1000)
        large = run(n)
        data_kib = n * width // 1024
        with open(ctx.etl_path, "rb") as f:
            sanitized = b"__asan_init" in f.read()
        # ~100 MB of text go through, yet the ETL's peak memory hardly
        # differs from a run of 1000 rows: it holds one batch at a time.
        # Sanitizers keep freed memory aside, so they are let off.
        if not sanitized:
            assert large - small < data_kib / 8, (small, large, data_kib)
    finally:
        drop_dataset(ctx, VOLUME)
        shutil.rmtree(folder)


def test_sql_cleanup(ctx):
    drop_dataset(ctx, PERMITS)
    ctx.sql("DROP DATABASE IF EXISTS %s WITH (FORCE)" % SERVICE_DB)
    _service["created"] = False
    assert current_table(ctx, PERMITS) is None
