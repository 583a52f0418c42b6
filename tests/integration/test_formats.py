"""test_formats.py: every GDAL format a French territory has, harvested by
the gdal source kind: files (GeoPackage, FlatGeobuf, KML, GML, OpenFileGDB,
shapefile with .cpg, CSV dialects, XLSX and ODS spreadsheets) and web
services through GDAL's own HTTP access (ArcGIS REST FeatureServer, WFS 2.0,
OGC API Features), replayed on loopback by tests/fixtures/formats/server.py;
then broken files, which fail the run and leave the published version.

Expected values come from the data of tests/fixtures/formats/make_fixtures.py,
the generator of the fixtures, never from reading them back through GDAL."""

import contextlib
import importlib.util
import json
import math
import os
import shutil
import subprocess
import sys
import tempfile

from test_etl import (assert_failed_and_previous_served, column_types,
                      current_table, drop_dataset, last_run, temp_job)

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
FIXTURES = os.path.join(ROOT, "tests", "fixtures", "formats")


def load_generator():
    """tests/fixtures/formats/make_fixtures.py, the fixtures' data."""
    spec = importlib.util.spec_from_file_location(
        "make_fixtures", os.path.join(FIXTURES, "make_fixtures.py"))
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


territory = load_generator()

# Degrees: a centimetre.  Coordinates projected to Lambert-93 and back, or
# stored on a FileGDB grid, come back within this.
TOLERANCE = 1e-7


def fixture(name):
    return os.path.join(FIXTURES, name)


def fixture_job(ident, name, **changes):
    """A job file in a fresh folder reading a copy of fixture name: a file,
    copied with its sidecars, or a folder (a .gdb), copied whole."""
    if not os.path.isdir(fixture(name)):
        return temp_job(ident, fixture(name), **changes)
    path = temp_job(ident, os.path.join(FIXTURES, "absent", name), **changes)
    shutil.copytree(fixture(name), os.path.join(os.path.dirname(path), name))
    return path


@contextlib.contextmanager
def harvested(ctx, ident, path, n=12):
    """Runs the job at path; yields the published table after checking that
    the run read and loaded n features.  Drops the dataset afterwards."""
    try:
        p = ctx.etl("run", path)
        assert p.returncode == 0, p.stderr
        status, read, loaded, rejected, message = last_run(ctx, ident)
        assert (status, read, loaded, rejected) == (
            "succeeded", str(n), str(n), "0"), (status, read, loaded, message)
        yield current_table(ctx, ident)
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)


def row(ctx, table, record_id, columns):
    """The values of columns of record record_id, decoded from JSON (numbers,
    booleans, strings with their line breaks)."""
    text = ctx.sql_value("SELECT json_build_array(%s)::text FROM %s WHERE _id = '%s'"
                         % (", ".join(columns), table, record_id))
    assert text is not None, (table, record_id)
    return json.loads(text)


def vertices(ctx, table, record_id):
    """The geometry's type, SRID and vertices [(x, y)] in order."""
    rows = ctx.sql("SELECT GeometryType(t.geom), ST_SRID(t.geom), ST_X(d.geom), ST_Y(d.geom)"
                   " FROM %s t, ST_DumpPoints(t.geom) d WHERE t._id = '%s'"
                   " ORDER BY d.path" % (table, record_id))
    assert rows, (table, record_id)
    return rows[0][0], int(rows[0][1]), [(float(x), float(y)) for _, _, x, y in rows]


def assert_point(ctx, table, record_id, lon, lat):
    gtype, srid, pts = vertices(ctx, table, record_id)
    assert (gtype, srid, len(pts)) == ("POINT", 4326, 1), (gtype, srid, pts)
    assert math.isclose(pts[0][0], lon, abs_tol=TOLERANCE), (pts, lon)
    assert math.isclose(pts[0][1], lat, abs_tol=TOLERANCE), (pts, lat)


def assert_same_vertices(got, want):
    assert len(got) == len(want), (got, want)
    for (x, y), (u, v) in zip(got, want):
        assert math.isclose(x, u, abs_tol=TOLERANCE) and \
            math.isclose(y, v, abs_tol=TOLERANCE), (got, want)


def assert_same_ring(got, want):
    """The same closed ring, whatever its first vertex and orientation (a
    shapefile's outer rings turn clockwise)."""
    assert got[0] == got[-1] and len(got) == len(want), (got, want)
    ring, target = got[:-1], [tuple(p) for p in want[:-1]]
    for candidate in (ring, ring[::-1]):
        for k in range(len(candidate)):
            turned = candidate[k:] + candidate[:k]
            if all(math.isclose(a, c, abs_tol=TOLERANCE) and
                   math.isclose(b, d, abs_tol=TOLERANCE)
                   for (a, b), (c, d) in zip(turned, target)):
                return
    raise AssertionError("ring %r is not %r" % (got, want))


def by_key(rows, key):
    return {r[key]: r for r in rows}


ARRETS = by_key(territory.arrets_dicts(), "code")
ECOLES = by_key(territory.ecoles_dicts(), "code_uai")
PISTES = by_key(territory.pistes_dicts(), "ident")
PARCS = by_key(territory.parcs_dicts(), "ident")


def local_midnight(ctx, table, column, record_id):
    """A timestamptz column's value as a Paris wall-clock date and time."""
    return ctx.sql_value("SELECT to_char(%s AT TIME ZONE 'Europe/Paris',"
                         " 'YYYY-MM-DD HH24:MI') FROM %s WHERE _id = '%s'"
                         % (column, table, record_id))


# ------------------------------------------------------------------ files

def test_geopackage_in_lambert93_read_from_its_second_layer(ctx):
    ident = "test-fmt-gpkg-parcs"
    path = fixture_job(ident, "territoire.gpkg", key="ident",
                       source={"layer": "parcs"})
    with harvested(ctx, ident, path) as table:
        types = column_types(ctx, table)
        for name, want in [("ident", "text"), ("nom", "text"),
                           ("surface_ha", "double precision"),
                           ("ouverture", "date"), ("gestionnaire", "text"),
                           ("chiens_admis", "boolean")]:
            assert types[name] == want, (name, types)
        assert "code" not in types, types   # not the "arrets" layer
        e = PARCS["PA-10"]
        assert row(ctx, table, "PA-10", ["nom", "surface_ha", "ouverture::text",
                                         "gestionnaire", "chiens_admis"]) == [
            e["nom"], e["surface_ha"], e["ouverture"], e["gestionnaire"],
            e["chiens_admis"]]
        gtype, srid, pts = vertices(ctx, table, "PA-10")
        assert (gtype, srid) == ("POLYGON", 4326), (gtype, srid)
        assert_same_vertices(pts, e["ring"])
        # PA-12's ring crosses itself: published, repaired, and said.
        message = last_run(ctx, ident)[4]
        assert "1 invalid geometries repaired" in message, message
        assert ctx.sql_value("SELECT bool_and(ST_IsValid(geom)) FROM " + table) == "t"
        assert ctx.sql_value("SELECT ST_Area(geom) > 0 FROM %s WHERE _id = 'PA-12'"
                             % table) == "t"


def test_flatgeobuf_lines(ctx):
    ident = "test-fmt-fgb-pistes"
    path = fixture_job(ident, "pistes.fgb", key="ident")
    with harvested(ctx, ident, path) as table:
        types = column_types(ctx, table)
        assert types["longueur_m"] == "double precision", types
        # GDAL 3.6 writes a FlatGeobuf date as a date-time without zone:
        # local time.
        assert types["mise_en_service"] == "timestamp with time zone", types
        assert types["sens_unique"] == "boolean", types
        for ident_ in ("PC-05", "PC-09"):
            e = PISTES[ident_]
            assert row(ctx, table, ident_, ["nom", "amenagement", "longueur_m",
                                            "sens_unique"]) == [
                e["nom"], e["amenagement"], e["longueur_m"], e["sens_unique"]]
            assert local_midnight(ctx, table, "mise_en_service", ident_) == \
                e["mise_en_service"] + " 00:00"
            gtype, srid, pts = vertices(ctx, table, ident_)
            assert (gtype, srid) == ("LINESTRING", 4326), (gtype, srid)
            assert_same_vertices(pts, e["coords"])


def test_kml_placemarks_with_extended_data(ctx):
    ident = "test-fmt-kml-ecoles"
    path = fixture_job(ident, "ecoles.kml", key="code_uai")
    with harvested(ctx, ident, path) as table:
        types = column_types(ctx, table)
        assert types["code_uai"] == "text", types
        assert types["effectif"] == "bigint", types
        assert types["surface_m2"] == "double precision", types
        assert types["ouverture"] == "date", types
        assert types["secteur"] == "text", types       # "01", leading zero
        e = ECOLES["0860003C"]
        assert row(ctx, table, "0860003C", ["name", "effectif", "surface_m2",
                                            "ouverture::text", "secteur"]) == [
            e["nom"], e["effectif"], e["surface_m2"], e["ouverture"], e["secteur"]]
        assert_point(ctx, table, "0860003C", e["lon"], e["lat"])


def test_gml_with_its_schema_in_lambert93(ctx):
    ident = "test-fmt-gml-arrets"
    assert os.path.exists(fixture("arrets.xsd"))
    path = fixture_job(ident, "arrets.gml", key="code")
    assert os.path.exists(os.path.join(os.path.dirname(path), "arrets.xsd"))
    with harvested(ctx, ident, path) as table:
        types = column_types(ctx, table)
        assert types["ligne"] == "bigint", types
        assert types["frequentation"] == "double precision", types
        assert types["mise_en_service"] == "date", types
        assert types["abri"] == "boolean", types
        e = ARRETS["ARR-007"]
        assert row(ctx, table, "ARR-007", ["nom", "commune", "ligne", "frequentation",
                                           "mise_en_service::text", "abri"]) == [
            e["nom"], e["commune"], e["ligne"], e["frequentation"],
            e["mise_en_service"], e["abri"]]
        assert_point(ctx, table, "ARR-007", e["lon"], e["lat"])


def test_gml_without_schema_with_latitude_first(ctx):
    ident = "test-fmt-gml-latlon"
    e = ARRETS["ARR-008"]
    with open(fixture("arrets_latlon.gml"), encoding="utf-8") as f:
        gml = f.read()
    # The fixture is what the test is about: EPSG:4326 as a URN, so
    # coordinates are written latitude first, and no schema.
    assert "urn:ogc:def:crs:EPSG::4326" in gml
    assert "%r %r" % (e["lat"], e["lon"]) in gml
    assert not os.path.exists(fixture("arrets_latlon.xsd"))
    path = fixture_job(ident, "arrets_latlon.gml", key="code")
    with harvested(ctx, ident, path) as table:
        types = column_types(ctx, table)
        assert types["ligne"] == "bigint", types
        assert types["mise_en_service"] == "date", types
        assert row(ctx, table, "ARR-008", ["nom", "mise_en_service::text"]) == [
            e["nom"], e["mise_en_service"]]
        assert_point(ctx, table, "ARR-008", e["lon"], e["lat"])


def test_openfilegdb_folder_in_lambert93(ctx):
    ident = "test-fmt-gdb-pistes"
    path = fixture_job(ident, "pistes_l93.gdb", key="ident")
    with harvested(ctx, ident, path) as table:
        types = column_types(ctx, table)
        assert types["longueur_m"] == "double precision", types
        # A FileGDB has date-times only, and no boolean.
        assert types["mise_en_service"] == "timestamp with time zone", types
        assert types["sens_unique"] == "bigint", types
        e = PISTES["PC-01"]
        assert row(ctx, table, "PC-01", ["nom", "amenagement", "longueur_m",
                                         "sens_unique"]) == [
            e["nom"], e["amenagement"], e["longueur_m"], int(e["sens_unique"])]
        assert ctx.sql_value("SELECT mise_en_service::date::text FROM %s"
                             " WHERE _id = 'PC-01'" % table) == e["mise_en_service"]
        gtype, srid, pts = vertices(ctx, table, "PC-01")
        assert (gtype, srid) == ("MULTILINESTRING", 4326), (gtype, srid)
        assert_same_vertices(pts, e["coords"])


def test_shapefile_whose_cpg_says_windows_1252(ctx):
    ident = "test-fmt-shp-parcs"
    with open(fixture("parcs_l93.cpg")) as f:
        assert f.read().strip() == "1252"
    with open(fixture("parcs_l93.dbf"), "rb") as f:
        dbf = f.read()
    e = PARCS["PA-10"]
    assert e["nom"].encode("cp1252") in dbf and e["nom"].encode() not in dbf
    path = fixture_job(ident, "parcs_l93.shp", key="ident")
    with harvested(ctx, ident, path) as table:
        message = last_run(ctx, ident)[4]
        assert "CP1252" not in message, message   # the .cpg said it
        types = column_types(ctx, table)
        assert types["surface_ha"] == "double precision", types
        assert types["ouverture"] == "date", types
        # Field names are cut at 10 characters in a .dbf.
        assert row(ctx, table, "PA-10", ["nom", "gestionnai", "surface_ha",
                                         "ouverture::text"]) == [
            e["nom"], e["gestionnaire"], e["surface_ha"], e["ouverture"]]
        gtype, srid, pts = vertices(ctx, table, "PA-10")
        assert (gtype, srid) == ("POLYGON", 4326), (gtype, srid)
        assert_same_ring(pts, e["ring"])


def check_spreadsheet(ctx, ident, name):
    path = fixture_job(ident, name, key="Code UAI",
                       source={"x": "Longitude", "y": "Latitude"})
    with harvested(ctx, ident, path) as table:
        types = column_types(ctx, table)
        for column, want in [("code_uai", "text"), ("nom_de_l_ecole", "text"),
                             ("effectif", "bigint"),
                             ("surface_m2", "double precision"),   # "1980,0"
                             ("date_d_ouverture", "date"),          # "10/09/1979"
                             ("secteur", "text"),                   # "04"
                             ("cantine", "boolean"),                # "oui"
                             ("derniere_renovation", "date")]:      # a date cell
            assert types[column] == want, (column, types)
        for code, renovation in [("0860007G", territory.RENOVATIONS[6]),
                                 ("0860011L", territory.RENOVATIONS[10])]:
            e = ECOLES[code]
            assert row(ctx, table, code, [
                "nom_de_l_ecole", "effectif", "surface_m2", "date_d_ouverture::text",
                "secteur", "cantine", "derniere_renovation::text"]) == [
                e["nom"], e["effectif"], e["surface_m2"], e["ouverture"],
                e["secteur"], e["cantine"], renovation]
            assert_point(ctx, table, code, e["lon"], e["lat"])


def test_xlsx_spreadsheet_with_french_formats(ctx):
    check_spreadsheet(ctx, "test-fmt-xlsx-ecoles", "ecoles.xlsx")


def test_ods_spreadsheet_with_french_formats(ctx):
    check_spreadsheet(ctx, "test-fmt-ods-ecoles", "ecoles.ods")


def check_csv(ctx, ident, name):
    path = fixture_job(ident, name, key="Code",
                       source={"x": "Longitude", "y": "Latitude"})
    with harvested(ctx, ident, path) as table:
        types = column_types(ctx, table)
        for column, want in [("nom_de_l_arret", "text"), ("ligne", "bigint"),
                             ("frequentation", "double precision"),
                             ("mise_en_service", "date"), ("abri", "boolean")]:
            assert types[column] == want, (column, types)
        for code in ("ARR-004", "ARR-012"):
            e = ARRETS[code]
            assert row(ctx, table, code, [
                "nom_de_l_arret", "commune", "ligne", "frequentation",
                "mise_en_service::text", "abri"]) == [
                e["nom"], e["commune"], e["ligne"], e["frequentation"],
                e["mise_en_service"], e["abri"]]
            assert_point(ctx, table, code, e["lon"], e["lat"])
        # A quoted value with the separator, quotes and a line break.
        assert row(ctx, table, "ARR-004", ["remarque"]) == [
            'Quai "bus", côté parvis,\nprès du parking']


def test_csv_comma_separated_with_quoted_french_numbers(ctx):
    with open(fixture("arrets_virgule.csv"), encoding="utf-8") as f:
        assert f.readline().count('","') == 9   # ten quoted names
    check_csv(ctx, "test-fmt-csv-virgule", "arrets_virgule.csv")


def test_csv_tab_separated(ctx):
    with open(fixture("arrets_tabulation.csv"), encoding="utf-8") as f:
        assert f.readline().count("\t") == 9
    check_csv(ctx, "test-fmt-csv-tabulation", "arrets_tabulation.csv")


# ------------------------------------------------------------ web services

class RecordedServer:
    """tests/fixtures/formats/server.py on a free loopback port."""

    def __init__(self):
        self.folder = tempfile.mkdtemp(prefix="odp-formats-")
        self.log = os.path.join(self.folder, "requests.log")
        open(self.log, "w").close()
        self.proc = subprocess.Popen(
            [sys.executable, fixture("server.py"), fixture("http"), self.log],
            stdout=subprocess.PIPE, text=True)
        self.base = "http://127.0.0.1:%d" % int(self.proc.stdout.readline())

    def requests(self):
        """[(path with query, status)] in the order they came."""
        with open(self.log, encoding="utf-8") as f:
            return [tuple(line.split()[1:3]) for line in f]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stdout.close()
        shutil.rmtree(self.folder)


@contextlib.contextmanager
def recorded_server():
    srv = RecordedServer()
    try:
        yield srv
    finally:
        srv.stop()


def remote_job(ident, url, **changes):
    return temp_job(ident, os.path.join(FIXTURES, "absent", "remote"),
                    source=dict({"path": url}, **changes.pop("source", {})),
                    **changes)


def published_ids(ctx, table, column):
    return [r[0] for r in ctx.sql("SELECT %s FROM %s" % (column, table))]


def test_arcgis_featureserver_every_page_beyond_max_record_count(ctx):
    ident = "test-fmt-arcgis-arrets"
    with open(fixture("http/arcgis/layer.json"), encoding="utf-8") as f:
        max_records = json.load(f)["maxRecordCount"]
    assert max_records < len(ARRETS)
    with recorded_server() as srv:
        url = "%s%s/query?%s" % (srv.base, territory.ARCGIS_LAYER,
                                 territory.ARCGIS_QUERY)
        path = remote_job(ident, url, key="CODE")
        with harvested(ctx, ident, path) as table:
            # Every stop once, those beyond the first page included.
            codes = published_ids(ctx, table, "code")
            assert sorted(codes) == sorted(ARRETS), codes
            types = column_types(ctx, table)
            assert types["ligne"] == "bigint", types
            assert types["frequentation"] == "double precision", types
            # esriFieldTypeDate: milliseconds since 1970 in the answer.
            assert types["mise_en_service"] == "timestamp with time zone", types
            e = ARRETS["ARR-011"]
            assert row(ctx, table, "ARR-011", [
                "nom", "ligne", "frequentation",
                "to_char(mise_en_service AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI')"]) == [
                e["nom"], e["ligne"], e["frequentation"],
                e["mise_en_service"] + " 00:00"]
            # Lambert-93 (wkid 102110, latestWkid 2154) reprojected.
            assert_point(ctx, table, "ARR-011", e["lon"], e["lat"])
        requests = srv.requests()
    # The job's URL, then pages at resultOffset 5 and 10 (and 0 again when
    # the run reads the source a second time); nothing was unanswered.
    assert all(status == "200" for _, status in requests), requests
    pages = [p for p, _ in requests if "resultOffset=" in p]
    offsets = {p.split("resultOffset=")[1].split("&")[0] for p in pages}
    later = {str(o) for o in range(max_records, len(ARRETS), max_records)}
    assert later <= offsets <= later | {"0"}, requests
    assert all("resultRecordCount=%d" % max_records in p for p in pages), pages


def test_wfs_2_paged_getfeature_in_lambert93(ctx):
    ident = "test-fmt-wfs-parcs"
    n = territory.WFS_PAGE_SIZE
    with recorded_server() as srv:
        path = remote_job(ident, "WFS:%s/wfs" % srv.base, key="ident")
        with harvested(ctx, ident, path) as table:
            assert sorted(published_ids(ctx, table, "ident")) == sorted(PARCS)
            types = column_types(ctx, table)
            assert types["surface_ha"] == "double precision", types
            assert types["ouverture"] == "date", types
            assert types["chiens_admis"] == "boolean", types
            e = PARCS["PA-07"]
            assert row(ctx, table, "PA-07", ["nom", "surface_ha", "ouverture::text",
                                             "gestionnaire", "chiens_admis"]) == [
                e["nom"], e["surface_ha"], e["ouverture"], e["gestionnaire"],
                e["chiens_admis"]]
            # The schema says gml:SurfacePropertyType: GDAL reads curve
            # polygons, published as plain polygons that GeoJSON can write.
            gtype, srid, pts = vertices(ctx, table, "PA-07")
            assert (gtype, srid) == ("POLYGON", 4326), (gtype, srid)
            assert_same_vertices(pts, e["ring"])
            r = ctx.get("/datasets/%s/records?limit=100" % ident)
            assert r.status == 200, r.body[:300]
            records = {rec["id"]: rec for rec in r.json()["records"]}
            assert records["PA-07"]["geometry"]["type"] == "Polygon", records["PA-07"]
        requests = [p for p, _ in srv.requests()]
    assert requests[0] == "/wfs?SERVICE=WFS&REQUEST=GetCapabilities", requests
    assert any("REQUEST=DescribeFeatureType" in p for p in requests), requests
    starts = {p.split("STARTINDEX=")[1].split("&")[0] for p in requests
              if "REQUEST=GetFeature" in p}
    assert starts == {str(s) for s in range(0, len(PARCS), n)}, requests
    assert all("COUNT=%d" % n in p for p in requests if "REQUEST=GetFeature" in p)


def test_ogc_api_features_follows_next_links(ctx):
    ident = "test-fmt-oapif-ecoles"
    with recorded_server() as srv:
        path = remote_job(ident, "OAPIF:%s/oapif" % srv.base, key="code_uai")
        with harvested(ctx, ident, path) as table:
            assert sorted(published_ids(ctx, table, "code_uai")) == sorted(ECOLES)
            types = column_types(ctx, table)
            assert types["effectif"] == "bigint", types
            assert types["ouverture"] == "date", types
            assert types["cantine"] == "boolean", types
            assert types["secteur"] == "text", types
            e = ECOLES["0860012M"]
            assert row(ctx, table, "0860012M", [
                "nom", "effectif", "surface_m2", "ouverture::text", "secteur",
                "cantine"]) == [e["nom"], e["effectif"], e["surface_m2"],
                                e["ouverture"], e["secteur"], e["cantine"]]
            assert_point(ctx, table, "0860012M", e["lon"], e["lat"])
        requests = [p for p, _ in srv.requests()]
    items = {p for p in requests if "/items" in p}
    n = territory.OAPIF_PAGE_SIZE
    assert items == {"/oapif/collections/ecoles/items?limit=10"} | {
        "/oapif/collections/ecoles/items?limit=%d&offset=%d" % (n, o)
        for o in range(n, len(ECOLES), n)}, requests


# ------------------------------------------------------------- bad inputs

@contextlib.contextmanager
def published_stops(ctx, ident):
    """Dataset ident published from the comma CSV, for a bad file to fail
    against; dropped afterwards."""
    good = fixture_job(ident, "arrets_virgule.csv", key="Code",
                       source={"x": "Longitude", "y": "Latitude"})
    try:
        p = ctx.etl("run", good)
        assert p.returncode == 0, p.stderr
        yield
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(os.path.dirname(good))


def check_refused(ctx, ident, name, expected, **changes):
    with published_stops(ctx, ident):
        path = fixture_job(ident, name, **changes)
        try:
            assert_failed_and_previous_served(
                ctx, ident, path,
                [os.path.join(os.path.dirname(path), name)] + expected)
        finally:
            shutil.rmtree(os.path.dirname(path))


def test_truncated_geojson_fails_naming_where_it_stops(ctx):
    with open(fixture("arrets_tronque.geojson"), encoding="utf-8") as f:
        text = f.read()
    assert not text.rstrip().endswith("}")
    last_line = text.count("\n") + 1
    check_refused(ctx, "test-fmt-tronque", "arrets_tronque.geojson",
                  ["could not open source", "At line %d" % last_line,
                   "Unterminated"], key="code")


def test_shapefile_without_its_dbf_fails(ctx):
    assert not os.path.exists(fixture("arrets_sans_dbf.dbf"))
    check_refused(ctx, "test-fmt-sans-dbf", "arrets_sans_dbf.shp",
                  [".dbf file", "attributes", "missing"])


def test_csv_with_ragged_rows_fails_naming_the_rows(ctx):
    with open(fixture("arrets_irregulier.csv"), encoding="utf-8") as f:
        counts = [line.count(";") + 1 for line in f.read().splitlines()]
    header = counts[0]
    ragged = [(k, n) for k, n in enumerate(counts) if n != header]
    assert [k for k, _ in ragged] == [5, 9], ragged   # lines 6 and 10
    check_refused(ctx, "test-fmt-irregulier", "arrets_irregulier.csv",
                  ["2 rows whose count of fields is not the header's %d" % header] +
                  ["feature %d (line %d) has %d" % (k, k + 1, n) for k, n in ragged],
                  key="code", source={"x": "longitude", "y": "latitude"})


def test_pipe_separated_csv_is_read(ctx):
    # GDAL 3.6 has no "|" among its CSV separators (it would split these
    # lines at the spaces of the values): odp reads a ";" copy of it.
    with open(fixture("arrets_pipe.csv"), encoding="utf-8") as f:
        assert f.readline().count("|") == 9
    before = set(os.listdir(tempfile.gettempdir()))
    check_csv(ctx, "test-fmt-csv-pipe", "arrets_pipe.csv")
    left = [n for n in set(os.listdir(tempfile.gettempdir())) - before
            if n.startswith("odp-csv-")]
    assert not left, left   # the copy is removed with the run


def test_format_fixtures_stay_small(ctx):
    total = 0
    for folder, _, files in os.walk(FIXTURES):
        if "__pycache__" not in folder:
            total += sum(os.path.getsize(os.path.join(folder, f)) for f in files)
    assert total < 2 * 1024 * 1024, total
