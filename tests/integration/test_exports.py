"""test_exports.py: the downloads the catalogue announces (records.geojson,
records.csv) are the bytes the API serves, with the announced size and
SHA-256; the CSV reads back with Python's csv module and GDAL; declared
distributions are link-checked at each run.

Runs after test_api, on the demo datasets harvested by test_etl; the
datasets made here are dropped at the end of each test.
"""

import csv
import hashlib
import http.server
import io
import json
import os
import shutil
import socket
import subprocess
import tempfile
import threading
import time

from test_etl import DEMO, JOBS, drop_dataset, job_path, last_run, temp_job

FORMATS = {  # extension: (distribution identifier, media type)
    "geojson": ("records-geojson", "application/geo+json"),
    "csv": ("records-csv", "text/csv"),
}


def q(s):
    return "'" + s.replace("'", "''") + "'"


def distribution(ctx, ident, dist):
    """(byte_size, checksum, version_id, media_type, format, path, title,
    position) of a distribution, or None."""
    rows = ctx.sql(
        "SELECT x.byte_size, x.checksum_sha256, x.version_id, x.media_type,"
        " x.format, x.path, x.title, x.position FROM distributions x"
        " JOIN datasets d ON d.id = x.dataset_id"
        " WHERE d.identifier = %s AND x.identifier = %s" % (q(ident), q(dist)))
    return rows[0] if rows else None


def current_version(ctx, ident):
    return ctx.sql_value("SELECT current_version_id FROM datasets"
                         " WHERE identifier = %s" % q(ident))


def table_of(ctx, ident):
    return ctx.sql_value(
        "SELECT 'data.' || quote_ident(v.table_name) FROM datasets d"
        " JOIN dataset_versions v ON v.id = d.current_version_id"
        " WHERE d.identifier = %s" % q(ident))


def columns_of(ctx, ident):
    return [r[0] for r in ctx.sql(
        "SELECT c.name FROM dataset_columns c JOIN datasets d"
        " ON d.current_version_id = c.version_id WHERE d.identifier = %s"
        " ORDER BY c.position" % q(ident))]


def download(ctx, ident, ext, query=""):
    r = ctx.get("/datasets/%s/records.%s%s" % (ident, ext, query))
    assert r.status == 200, "%s.%s: %d %r" % (ident, ext, r.status, r.body[:300])
    return r


def assert_download_matches_catalogue(ctx, ident):
    version = current_version(ctx, ident)
    for ext, (dist, media_type) in FORMATS.items():
        row = distribution(ctx, ident, dist)
        assert row, "%s has no %s distribution" % (ident, dist)
        size, checksum, dist_version = row[0], row[1], row[2]
        assert dist_version == version, (
            "%s %s: measured for version %r, current %r" % (ident, dist, dist_version, version))
        r = download(ctx, ident, ext)
        ctype = r.headers.get("content-type", "")
        assert ctype.split(";")[0].strip() == media_type == row[3], (ident, ext, ctype, row[3])
        assert r.headers.get("content-length") == size, (
            "%s.%s: Content-Length %r, byte_size %r" % (ident, ext, r.headers.get("content-length"), size))
        assert len(r.body) == int(size), "%s.%s: %d bytes, announced %s" % (ident, ext, len(r.body), size)
        assert hashlib.sha256(r.body).hexdigest() == checksum, "%s.%s: SHA-256 differs" % (ident, ext)
        assert r.headers.get("etag") == '"v%s"' % version, r.headers.get("etag")
        assert ('filename="%s.%s"' % (ident, ext)) in r.headers.get("content-disposition", ""), r.headers
    return version


def parse_csv(body):
    text = body.decode("utf-8")
    assert not text.startswith("\ufeff"), "the CSV starts with a BOM"
    return list(csv.reader(io.StringIO(text, newline="")))


def test_demo_downloads_have_the_announced_size_and_checksum(ctx):
    for ident in JOBS:
        assert_download_matches_catalogue(ctx, ident)


def test_every_kind_of_geometry_renders_as_postgis_writes_it(ctx):
    """GeoJSON and WKT of each geometry type, 2D and 3D, against PostGIS's
    own ST_AsGeoJSON and ST_AsText (at the 7 decimals the exports keep)."""
    ring = [[0.3, 46.5], [0.31, 46.5], [0.31, 46.51], [0.3, 46.5]]
    hole = [[0.302, 46.502], [0.304, 46.502], [0.304, 46.504], [0.302, 46.502]]
    geoms = [
        {"type": "Point", "coordinates": [0.3456789, 46.5]},
        {"type": "LineString", "coordinates": [[0.3, 46.5], [0.31, 46.51], [0.32, 46.5]]},
        {"type": "Polygon", "coordinates": [ring, hole]},
        {"type": "MultiPoint", "coordinates": [[0.3, 46.5], [0.31, 46.51]]},
        {"type": "MultiLineString", "coordinates": [[[0.3, 46.5], [0.31, 46.51]],
                                                    [[0.33, 46.5], [0.34, 46.52]]]},
        {"type": "MultiPolygon", "coordinates": [[ring], [[[0.4, 46.6], [0.41, 46.6],
                                                           [0.41, 46.61], [0.4, 46.6]]]]},
        {"type": "GeometryCollection", "geometries": [
            {"type": "Point", "coordinates": [0.3, 46.5]},
            {"type": "LineString", "coordinates": [[0.3, 46.5], [0.31, 46.51]]}]},
    ]
    for keep_z in (False, True):
        ident = "test-exports-geometries" + ("-z" if keep_z else "")

        def z(c):
            if isinstance(c[0], (int, float)):
                return c + [100.5 + c[0]] if keep_z else c
            return [z(x) for x in c]

        features = []
        for i, g in enumerate(geoms):
            g = json.loads(json.dumps(g))
            if "coordinates" in g:
                g["coordinates"] = z(g["coordinates"])
            else:
                for part in g["geometries"]:
                    part["coordinates"] = z(part["coordinates"])
            features.append(feature({"code": "G%d" % i}, g))
        path = None
        try:
            path = harvest_temp(ctx, ident, features, key="code",
                                source={"keep_z": True} if keep_z else {})
            assert_download_matches_catalogue(ctx, ident)
            table = table_of(ctx, ident)
            want = ctx.sql("SELECT ST_AsGeoJSON(geom, 7), ST_AsText(geom, 7)"
                           " FROM %s ORDER BY _rownum" % table)
            doc = json.loads(download(ctx, ident, "geojson").body)
            rows = parse_csv(download(ctx, ident, "csv").body)[1:]
            assert len(doc["features"]) == len(rows) == len(want) == len(geoms)
            for f, row, (gj, wkt) in zip(doc["features"], rows, want):
                assert f["geometry"] == json.loads(gj), (f["geometry"], gj)
                assert row[-1] == wkt, (row[-1], wkt)
                if keep_z:
                    assert " Z " in wkt, wkt
        finally:
            drop_dataset(ctx, ident)
            if path:
                shutil.rmtree(os.path.dirname(path))


def test_export_distributions_are_described_in_french(ctx):
    for ident in JOBS:
        g = distribution(ctx, ident, "records-geojson")
        c = distribution(ctx, ident, "records-csv")
        assert g[4:] == ("GEOJSON", "/datasets/%s/records.geojson" % ident,
                         "Export GeoJSON", "1"), g
        assert c[4:] == ("CSV", "/datasets/%s/records.csv" % ident, "Export CSV", "2"), c
        descs = ctx.sql("SELECT x.description FROM distributions x JOIN datasets d"
                        " ON d.id = x.dataset_id WHERE d.identifier = %s"
                        " AND x.kind = 'export'" % q(ident))
        assert len(descs) == 2 and all("enregistrements" in d[0] for d in descs), descs
        # The paged JSON is the API, not a download.
        assert distribution(ctx, ident, "records-json") is None


def test_head_of_a_download_has_its_length_and_no_body(ctx):
    ident = "parkings-grand-poitiers"
    for ext, (dist, _) in FORMATS.items():
        r = ctx.request("HEAD", "/datasets/%s/records.%s" % (ident, ext))
        assert r.status == 200 and r.body == b"", (ext, r.status, r.body[:100])
        assert r.headers.get("content-length") == distribution(ctx, ident, dist)[0], r.headers
        assert r.headers.get("etag") == '"v%s"' % current_version(ctx, ident)


def test_csv_has_every_row_and_ends_with_longitude_latitude_wkt(ctx):
    for ident in JOBS:
        table = table_of(ctx, ident)
        names = columns_of(ctx, ident)
        rows = parse_csv(download(ctx, ident, "csv").body)
        # A column of the dataset keeps its name; the generated one steps
        # aside (equipements-publics has its source's own columns).
        generated = [("_" if n in names else "") + n for n in ("longitude", "latitude", "wkt")]
        assert rows[0] == names + generated, rows[0]
        count = int(ctx.sql_value("SELECT count(*) FROM " + table))
        assert len(rows) - 1 == count, "%s: %d rows, %d in the table" % (ident, len(rows) - 1, count)
        expected = ctx.sql(
            "SELECT trim_scale(round(ST_X(geom)::numeric, 7)),"
            " trim_scale(round(ST_Y(geom)::numeric, 7)) FROM %s ORDER BY _rownum" % table)
        for row, (x, y) in zip(rows[1:], expected):
            assert len(row) == len(names) + 3, row
            assert (row[-3], row[-2]) == (x, y), (ident, row, x, y)
            assert row[-1] == "POINT(%s %s)" % (x, y), (ident, row)


def test_csv_and_geojson_values_match_the_table(ctx):
    ident = "equipements-publics"
    table = table_of(ctx, ident)
    names = columns_of(ctx, ident)
    rows = parse_csv(download(ctx, ident, "csv").body)[1:]
    features = json.loads(download(ctx, ident, "geojson").body)["features"]
    db = ctx.sql("SELECT _id, %s FROM %s ORDER BY _rownum" % (
        ", ".join("coalesce(%s::text, '\\N')" % n for n in names), table))
    assert [f["id"] for f in features] == [r[0] for r in db]
    types = dict(ctx.sql("SELECT c.name, c.type FROM dataset_columns c JOIN datasets d"
                         " ON d.current_version_id = c.version_id WHERE d.identifier = %s" % q(ident)))
    for row, feature, want in zip(rows, features, db):
        assert list(feature["properties"]) == names
        for k, name in enumerate(names):
            v, prop = want[k + 1], feature["properties"][name]
            if v == "\\N":
                assert row[k] == "" and prop is None, (name, row[k], prop)
            elif types[name] == "boolean":
                assert row[k] == v and prop is (v == "true"), (name, row[k], prop)
            elif types[name] in ("integer", "real"):
                assert float(row[k]) == float(v) and prop == float(v), (name, row[k], prop, v)
            else:
                assert row[k] == v == prop, (name, row[k], prop, v)


def write_source(folder, name, features):
    path = os.path.join(folder, name)
    with open(path, "w", encoding="utf-8") as f:
        json.dump({"type": "FeatureCollection", "features": features}, f, ensure_ascii=False)
    return path


def feature(props, geometry):
    return {"type": "Feature", "properties": props, "geometry": geometry}


TRICKY = [
    "virgule, dans le texte",
    'guillemets "doubles" et \'simples\'',
    "deux\nlignes",
    "retour\r\nchariot",
    "tabulation\tet \\ barre",
    "accents : éàçœ €",
    " espaces autour ",
]


def harvest_temp(ctx, ident, features, **changes):
    """Harvests features as dataset ident; returns the job file's path."""
    folder = tempfile.mkdtemp(prefix="odp-exports-")
    try:
        src = write_source(folder, ident + "-data.geojson", features)
        path = temp_job(ident, src, **changes)
    finally:
        shutil.rmtree(folder)
    p = ctx.etl("run", "--no-progress", path)
    assert p.returncode == 0, p.stderr
    return path


def test_csv_quotes_separators_quotes_and_newlines_and_gdal_reads_its_wkt(ctx):
    ident = "test-exports-quoting"
    polygon = {"type": "Polygon", "coordinates": [[[0.34, 46.58], [0.35, 46.58],
                                                   [0.35, 46.59], [0.34, 46.58]]]}
    line = {"type": "LineString", "coordinates": [[0.3, 46.5], [0.31234567, 46.51]]}
    point = {"type": "Point", "coordinates": [0.1, 46.1]}
    geoms = [polygon, line, point, None, polygon, line, point]
    features = [feature({"code": "T%d" % i, "texte": t, "n": i}, geoms[i])
                for i, t in enumerate(TRICKY)]
    path = None
    try:
        path = harvest_temp(ctx, ident, features, key="code")
        assert_download_matches_catalogue(ctx, ident)
        body = download(ctx, ident, "csv").body
        assert b"\r\n" in body and body.endswith(b"\r\n"), "not CRLF line ends"
        rows = parse_csv(body)
        assert rows[0] == ["code", "texte", "n", "longitude", "latitude", "wkt"], rows[0]
        assert len(rows) == 1 + len(TRICKY), rows
        table = table_of(ctx, ident)
        # What the table holds (the ETL trims the spaces around a value).
        texts = json.loads(ctx.sql_value(
            "SELECT json_agg(texte ORDER BY _rownum) FROM %s" % table))
        assert any("," in t for t in texts) and any('"' in t for t in texts), texts
        assert any("\n" in t for t in texts), texts
        db = ctx.sql("SELECT coalesce(ST_AsText(geom), '') FROM %s ORDER BY _rownum" % table)
        for i, row in enumerate(rows[1:]):
            assert row[:3] == ["T%d" % i, texts[i], str(i)], (row, texts[i])
            assert (row[5] == "") == (db[i][0] == ""), (row, db[i])
        # longitude and latitude of points only; wkt of every geometry.
        assert rows[1][3:] == ["", "", "POLYGON((0.34 46.58,0.35 46.58,0.35 46.59,0.34 46.58))"], rows[1]
        assert rows[2][3:] == ["", "", "LINESTRING(0.3 46.5,0.3123457 46.51)"], rows[2]
        assert rows[3][3:] == ["0.1", "46.1", "POINT(0.1 46.1)"], rows[3]
        assert rows[4][3:] == ["", "", ""], rows[4]
        doc = json.loads(download(ctx, ident, "geojson").body)
        assert [f["properties"]["texte"] for f in doc["features"]] == texts
        assert doc["features"][0]["geometry"] == polygon
        assert doc["features"][3]["geometry"] is None
        # GDAL reads the geometry of the "wkt" column by itself.
        folder = tempfile.mkdtemp(prefix="odp-exports-")
        try:
            with open(os.path.join(folder, "export.csv"), "wb") as f:
                f.write(body)
            out = subprocess.run(["ogrinfo", "-ro", "-al", "-so", os.path.join(folder, "export.csv")],
                                 capture_output=True, text=True, check=True).stdout
            assert "Feature Count: %d" % len(TRICKY) in out, out
            assert "Geometry: Unknown (any)" in out or "Geometry:" in out, out
            out = subprocess.run(["ogrinfo", "-ro", "-al", "-q", os.path.join(folder, "export.csv")],
                                 capture_output=True, text=True, check=True).stdout
            assert "POLYGON ((0.34 46.58" in out, out
        finally:
            shutil.rmtree(folder)
    finally:
        drop_dataset(ctx, ident)
        if path:
            shutil.rmtree(os.path.dirname(path))


def spool_features():
    """Rows that cross every boundary of the spool odp-etl renders the
    exports from: several 64 kB COPY chunks and 1 MB reads, a row of
    more than 1 MB, NULLs, every kind of value."""
    polygon = {"type": "Polygon", "coordinates": [[[0.34, 46.58], [0.35, 46.58],
                                                   [0.35, 46.59], [0.34, 46.58]]]}
    features = []
    for i in range(6000):
        props = {"code": "S%05d" % i, "n": i if i % 7 else None,
                 "x": i / 3.0, "ok": i % 2 == 0, "jour": "2024-03-%02d" % (i % 28 + 1),
                 "texte": TRICKY[i % len(TRICKY)]}
        if i == 4000:
            props["texte"] = "é" * 600000
        geom = (polygon if i % 5 == 0 else None if i % 11 == 0 else
                {"type": "Point", "coordinates": [0.3 + i * 1e-5, 46.5 - i * 1e-5]})
        features.append(feature(props, geom))
    return features


def test_exports_rendered_from_the_load_equal_those_read_from_the_table(ctx):
    """odp-etl renders the exports from the rows it sends (a spool file in
    TMPDIR); without a usable spool it reads them back from the table.
    Both give the bytes the API serves, and the run never fails for it."""
    features = spool_features()
    folder = tempfile.mkdtemp(prefix="odp-spool-")
    src = write_source(folder, "spool.geojson", features)
    info = {"ODP_LOG_LEVEL": "info"}
    cases = [  # (dataset, how odp-etl is run, what its log says)
        ("test-exports-spool", info, "rendered from the load"),
        ("test-exports-no-tmpdir", dict(info, TMPDIR=os.path.join(folder, "missing")),
         "to be read back from the table"),
        # A spool that stops growing: bash's ulimit -f, SIGXFSZ ignored so
        # that write() fails with EFBIG instead of killing odp-etl.
        ("test-exports-full-disk", dict(info, ODP_TEST_FSIZE_KB="64"),
         "could not write the temporary file"),
    ]
    checksums, jobs = set(), []
    try:
        for ident, env, said in cases:
            path = temp_job(ident, src, key="code")
            jobs.append(os.path.dirname(path))
            if "ODP_TEST_FSIZE_KB" in env:
                p = subprocess.run(
                    ["bash", "-c", 'ulimit -f "$ODP_TEST_FSIZE_KB"; trap "" XFSZ; '
                     'exec "$0" run --no-progress "$1"', ctx.etl_path, path],
                    cwd=ctx.root, env=ctx.env(env), capture_output=True,
                    text=True, timeout=300)
            else:
                p = ctx.etl("run", "--no-progress", path, env=env)
            assert p.returncode == 0, (ident, p.stderr[-2000:])
            assert said in p.stderr, (ident, said, p.stderr[-2000:])
            assert_download_matches_catalogue(ctx, ident)
            checksums.add(tuple(distribution(ctx, ident, d)[:2]
                                for d in ("records-geojson", "records-csv")))
        # Same rows under three names: the same bytes however measured.
        assert len(checksums) == 1, checksums
        assert not [n for n in os.listdir(os.environ.get("TMPDIR", "/tmp"))
                    if n.startswith("odp-exports-")], "a spool file was left"
    finally:
        for ident, _, _ in cases:
            drop_dataset(ctx, ident)
        for job in jobs + [folder]:
            shutil.rmtree(job)


def test_generated_csv_columns_step_aside_for_the_dataset_columns(ctx):
    ident = "test-exports-names"
    features = [feature({"code": "A", "longitude": "ouest", "latitude": "nord"},
                        {"type": "Point", "coordinates": [0.5, 46.5]})]
    path = None
    try:
        path = harvest_temp(ctx, ident, features, key="code")
        rows = parse_csv(download(ctx, ident, "csv").body)
        assert rows == [["code", "longitude", "latitude", "_longitude", "_latitude", "wkt"],
                        ["A", "ouest", "nord", "0.5", "46.5", "POINT(0.5 46.5)"]], rows
        assert_download_matches_catalogue(ctx, ident)
    finally:
        drop_dataset(ctx, ident)
        if path:
            shutil.rmtree(os.path.dirname(path))


def test_changed_data_updates_size_and_checksum_and_unchanged_keeps_them(ctx):
    ident = "test-exports-versions"
    features = [feature({"code": "A%d" % i, "valeur": i}, {"type": "Point", "coordinates": [0.3, 46.5 + i / 100]})
                for i in range(20)]
    path = None
    try:
        path = harvest_temp(ctx, ident, features, key="code")
        v1 = assert_download_matches_catalogue(ctx, ident)
        first = {d: distribution(ctx, ident, d) for d in ("records-geojson", "records-csv")}
        # Unchanged: same version, same size and checksum.
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        assert last_run(ctx, ident)[0] == "unchanged"
        assert {d: distribution(ctx, ident, d) for d in first} == first
        # Changed: a new version, measured anew.
        src = os.path.join(os.path.dirname(path), ident + "-data.geojson")
        features[3]["properties"]["valeur"] = 1000
        features.append(feature({"code": "Z", "valeur": None}, None))
        write_source(os.path.dirname(src), os.path.basename(src), features)
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        assert last_run(ctx, ident)[0] == "succeeded"
        v2 = assert_download_matches_catalogue(ctx, ident)
        assert v2 != v1
        for d, row in first.items():
            now = distribution(ctx, ident, d)
            assert now[0] != row[0] and now[1] != row[1], (d, row, now)
        # The previous version is still served whole, without a size the
        # catalogue no longer announces.
        r = download(ctx, ident, "csv", "?version=%s" % v1)
        assert "content-length" not in r.headers or r.headers["content-length"] == str(len(r.body))
        assert len(parse_csv(r.body)) == 21
        assert 'filename="%s-v%s.csv"' % (ident, v1) in r.headers.get("content-disposition", "")
        assert hashlib.sha256(r.body).hexdigest() == first["records-csv"][1]
        # Sizes lost (a version published before odp measured them) are
        # measured by the next run, even an unchanged one.
        ctx.sql("UPDATE distributions SET byte_size = NULL, checksum_sha256 = NULL"
                " WHERE dataset_id = (SELECT id FROM datasets WHERE identifier = %s)" % q(ident))
        r = ctx.request("HEAD", "/datasets/%s/records.csv" % ident)
        assert r.status == 200 and "content-length" not in r.headers, r.headers
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        assert last_run(ctx, ident)[0] == "unchanged"
        assert assert_download_matches_catalogue(ctx, ident) == v2
    finally:
        drop_dataset(ctx, ident)
        if path:
            shutil.rmtree(os.path.dirname(path))


def test_rows_stored_out_of_rownum_order_are_exported_in_rownum_order(ctx):
    ident = "test-exports-order"
    features = [feature({"code": "A%d" % i, "valeur": i}, {"type": "Point", "coordinates": [0.3, 46.5]})
                for i in range(50)]
    path = None
    try:
        path = harvest_temp(ctx, ident, features, key="code")
        table = table_of(ctx, ident)
        # An update in place (what an incremental job does) stores the
        # first row after the others: the exports follow _rownum, not the
        # order of the table's pages.
        ctx.sql("UPDATE %s SET valeur = valeur WHERE _rownum = 1" % table)
        first = ctx.sql_value("SELECT _rownum FROM %s LIMIT 1" % table)
        assert first != "1", "the update did not move the row"
        ctx.sql("UPDATE distributions SET byte_size = NULL, checksum_sha256 = NULL"
                " WHERE dataset_id = (SELECT id FROM datasets WHERE identifier = %s)" % q(ident))
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        assert_download_matches_catalogue(ctx, ident)
        rows = parse_csv(download(ctx, ident, "csv").body)
        assert [r[0] for r in rows[1:]] == ["A%d" % i for i in range(50)], rows[:3]
    finally:
        drop_dataset(ctx, ident)
        if path:
            shutil.rmtree(os.path.dirname(path))


def test_download_errors_and_conditional_requests(ctx):
    ident = "parkings-grand-poitiers"
    version = current_version(ctx, ident)
    r = ctx.get("/datasets/%s/records.csv" % ident, headers={"If-None-Match": '"v%s"' % version})
    assert r.status == 304 and r.body == b"", r.status
    r = ctx.get("/datasets/no-such-dataset/records.csv")
    assert r.status == 404 and r.json()["code"] == "dataset_not_found", r.body
    r = ctx.get("/datasets/%s/records.csv?version=999999" % ident)
    assert r.status == 404 and r.json()["code"] == "version_not_found", r.body
    r = ctx.get("/datasets/%s/records.csv?version=abc" % ident)
    assert r.status == 400 and r.json()["code"] == "bad_parameter", r.body
    r = ctx.request("POST", "/datasets/%s/records.csv" % ident, body=b"x")
    assert r.status == 405, r.status


def test_client_leaving_a_download_half_read_frees_the_connection(ctx):
    ident = "test-exports-big"
    features = [feature({"code": "P%06d" % i, "texte": "point %d" % i},
                        {"type": "Point", "coordinates": [0.3 + i * 1e-6, 46.5]})
                for i in range(40000)]
    port = int(ctx.base_url.rsplit(":", 1)[1])
    path = None
    try:
        path = harvest_temp(ctx, ident, features, key="code")
        # More clients than the API has connections, each gone after the
        # first bytes of a download several times a socket buffer.
        for _ in range(12):
            s = socket.create_connection(("127.0.0.1", port), 5)
            s.sendall(b"GET /datasets/%s/records.geojson HTTP/1.1\r\nHost: x\r\n\r\n"
                      % ident.encode())
            assert s.recv(100).startswith(b"HTTP/1.1 200"), "no answer"
            s.close()
        deadline = time.time() + 10
        while time.time() < deadline and ctx.sql_value(
                "SELECT count(*) FROM pg_stat_activity WHERE query LIKE 'COPY (SELECT t._id%'"
                " AND state = 'active'") != "0":
            time.sleep(0.1)
        assert ctx.sql_value("SELECT count(*) FROM pg_stat_activity WHERE query LIKE"
                             " 'COPY (SELECT t._id%' AND state = 'active'") == "0", (
            "a COPY is left running")
        assert_download_matches_catalogue(ctx, ident)
        assert ctx.get("/health").status == 200
    finally:
        drop_dataset(ctx, ident)
        if path:
            shutil.rmtree(os.path.dirname(path))


class NoHeadHandler(http.server.BaseHTTPRequestHandler):
    """A server that refuses HEAD (405) and serves GET, with Range."""
    body = b"%PDF-1.4 notice"

    def do_HEAD(self):
        self.send_response(405)
        self.send_header("Allow", "GET")
        self.end_headers()

    def do_GET(self):
        if self.path != "/notice.pdf":
            self.send_response(404)
            self.end_headers()
            return
        rng = self.headers.get("Range")
        body = self.body[:1] if rng == "bytes=0-0" else self.body
        self.send_response(206 if rng else 200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def wait_listening(port):
    deadline = time.time() + 10
    while time.time() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError("nothing listens on port %d" % port)


def test_declared_distributions_are_link_checked_at_each_run(ctx):
    ident = "test-exports-declared"
    files = tempfile.mkdtemp(prefix="odp-files-")
    with open(os.path.join(files, "notice.pdf"), "wb") as f:
        f.write(b"%PDF-1.4 notice")
    port, closed = free_port(), free_port()
    server = subprocess.Popen(["python3", "-m", "http.server", "--bind", "127.0.0.1",
                               str(port)], cwd=files, stdout=subprocess.DEVNULL,
                              stderr=subprocess.DEVNULL)
    nohead = http.server.ThreadingHTTPServer(("127.0.0.1", 0), NoHeadHandler)
    threading.Thread(target=nohead.serve_forever, daemon=True).start()
    declared = [
        ("notice", "http://127.0.0.1:%d/notice.pdf" % port),
        ("ferme", "http://127.0.0.1:%d/notice.pdf" % closed),
        ("sans-head", "http://127.0.0.1:%d/notice.pdf" % nohead.server_port),
        ("absent", "http://127.0.0.1:%d/absent.pdf" % port),
    ]
    job_distributions = [{"identifier": i, "title": "Notice " + i, "url": u, "format": "PDF",
                          "media_type": "application/pdf", "description": "Une notice."}
                         for i, u in declared]
    path = None
    try:
        wait_listening(port)
        path = harvest_temp(ctx, ident, [feature({"code": "A"}, None)], key="code",
                            distributions=job_distributions)
        dataset_id = ctx.sql_value("SELECT id FROM datasets WHERE identifier = %s" % q(ident))
        expected = {"notice": "true", "ferme": "false", "sans-head": "true", "absent": "false"}

        def link_state():
            return dict((r[0], (r[1], float(r[2] or 0))) for r in ctx.sql(
                "SELECT identifier, coalesce(reachable::text, ''), extract(epoch FROM checked_at)"
                " FROM distributions WHERE kind = 'declared' AND dataset_id = %s" % dataset_id))

        first = link_state()
        assert {k: v[0] for k, v in first.items()} == expected, first
        # Every run checks again, an unchanged one too.
        time.sleep(0.05)
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        status, _, _, _, message = last_run(ctx, ident)
        assert status == "unchanged", (status, message)
        state = link_state()
        assert {k: v[0] for k, v in state.items()} == expected, state
        assert all(state[k][1] > first[k][1] for k in state), (first, state)
        # A link that fails is a warning of the run, not a failure.
        warnings = ctx.sql_value(
            "SELECT array_to_string(r.warnings, ' | ') FROM job_runs r JOIN jobs j"
            " ON j.id = r.job_id WHERE j.identifier = %s ORDER BY r.id DESC LIMIT 1" % q(ident))
        assert '"ferme" is not reachable' in warnings and '"absent" is not reachable' in warnings, warnings
        assert '"notice"' not in warnings and "sans-head" not in warnings, warnings
        assert "HTTP status 404" in warnings, warnings
    finally:
        server.terminate()
        server.wait()
        nohead.shutdown()
        shutil.rmtree(files)
        drop_dataset(ctx, ident)
        if path:
            shutil.rmtree(os.path.dirname(path))
