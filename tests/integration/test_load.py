"""test_load.py: the load in binary COPY gives the values that PostgreSQL
itself makes of their text.

odp-etl sends values in their binary form (etl/pgbin.c): typed fields of
GDAL sources straight from OGR, text fields through type inference.  Each
fixture column comes three times: as a typed field, as text that odp infers
the type of, and as text kept as text by a cast; PostgreSQL reads the last
one, in a session with odp's local time zone, and every value must agree.
The rows hold what is hard to get right: times the clock skips or shows
twice, Paris mean time before 1911, the rule beyond the tzdata's table, a
zone in hours and minutes, fractions of seconds, the extremes of int8 and
float8, a leap day, the first year."""

import http.server
import json
import os
import shutil
import sqlite3
import subprocess
import tempfile
import threading
import time

from test_etl import (assert_failed_and_previous_served, current_table,
                      current_version, drop_dataset, last_run, temp_job)

# (id, timestamp, date, real, boolean, int8): OGR reads the CSV's
# "yyyy/mm/dd" dates and the ISO text alike.
ROWS = [
    (1, "2024-03-31T02:30:00", "2024-02-29", "0.1", "1", "-9223372036854775808"),
    (2, "2024-10-27T02:30:00", "1900-01-01", "1e-300", "0", "9223372036854775807"),
    (3, "2024-10-27T02:30:00+05:30", "2000-01-01", "3.141592653589793", "1", "0"),
    (4, "1900-01-01T00:00:00.5", "0001-01-01", "1.7976931348623157e308", "0", "1"),
    (5, "2300-07-01T12:00:00", "9999-12-31", "-2.2250738585072014e-308", "1", "-1"),
    (6, "2024-10-27T01:59:59.999", "1582-10-04", "1e-307", "0", "42"),
    (7, "2024-12-25T10:00:00Z", "2024-12-25", "-0.0", "1", "123456789012"),
    (8, "2024-03-31T03:00:00-03:00", "1970-01-01", "1e22", "0", "-7"),
]
TYPES = ["Integer64", "DateTime", "Date", "Real", "Integer(Boolean)",
         "Integer64"]
NAMES = ["id", "ts", "d", "r", "b", "big"]


def make_geopackage(folder):
    """folder/valeurs.gpkg from a CSV and its .csvt: each column typed, as
    text to infer (name_inferee), and as text to keep (name_texte); then
    "note", a number in words in row 3."""
    csv_path = os.path.join(folder, "valeurs.csv")
    header, types = [], []
    for name, kind in zip(NAMES, TYPES):
        header += [name] if name == "id" else [name, name + "_inferee",
                                               name + "_texte"]
        types += [kind] if name == "id" else [kind, "String", "String"]
    header.append("note")
    types.append("String")
    with open(csv_path, "w") as f:
        f.write(",".join(header) + "\n")
        for row in ROWS:
            cells = [str(row[0])]
            for name, value in zip(NAMES[1:], row[1:]):
                text = value
                if name == "b":  # OGR's booleans are 0 and 1; odp's words
                    text = "true" if value == "1" else "false"
                cells += [value, text, text]
            cells.append("douze" if row[0] == 3 else "12")
            f.write(",".join(cells) + "\n")
    with open(os.path.join(folder, "valeurs.csvt"), "w") as f:
        f.write(",".join('"%s"' % t for t in types) + "\n")
    gpkg = os.path.join(folder, "valeurs.gpkg")
    subprocess.run(["ogr2ogr", "-f", "GPKG", gpkg, csv_path, "-nln", "valeurs"],
                   check=True, capture_output=True)
    os.unlink(csv_path)
    os.unlink(os.path.join(folder, "valeurs.csvt"))
    return gpkg


def sql_in_zone(ctx, zone, query):
    """Rows of query in a session whose TimeZone is zone."""
    rows = ctx.sql("SET TimeZone = '%s'; %s" % (zone, query))
    assert rows[0] == ("SET",), rows
    return rows[1:]


def geopackage_job(ident, folder, **changes):
    cast = {name + "_texte": "text" for name in NAMES[1:]}
    changes.setdefault("transform", {"cast": cast})
    return temp_job(ident, make_geopackage(folder), key="id", **changes)


def test_binary_load_gives_what_postgresql_makes_of_the_text(ctx):
    ident = "test-load-binary"
    folder = tempfile.mkdtemp(prefix="odp-test-")
    path = geopackage_job(ident, folder)
    try:
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        status, read, loaded, rejected, message = last_run(ctx, ident)
        assert (status, loaded, rejected) == ("succeeded", str(len(ROWS)), "0"), \
            (status, loaded, rejected, message)
        table = current_table(ctx, ident)
        types = dict(ctx.sql(
            "SELECT column_name, data_type FROM information_schema.columns"
            " WHERE table_schema || '.' || table_name = '%s'" % table))
        for name, sql_type in [("ts", "timestamp with time zone"),
                               ("d", "date"), ("r", "double precision"),
                               ("b", "boolean"), ("big", "bigint")]:
            assert types[name] == sql_type, (name, types)
            assert types[name + "_inferee"] == sql_type, (name, types)
            assert types[name + "_texte"] == "text", (name, types)
        checks = []
        for name, sql_type in [("ts", "timestamptz"), ("d", "date"),
                               ("r", "float8"), ("b", "boolean"),
                               ("big", "int8")]:
            for got in (name, name + "_inferee"):
                checks.append("%s IS DISTINCT FROM %s_texte::%s" % (got, name, sql_type))
        wrong = sql_in_zone(ctx, "Europe/Paris",
                            "SELECT _id, ts, ts_texte, d, r, big FROM %s"
                            " WHERE %s ORDER BY _id"
                            % (table, " OR ".join(checks)))
        assert wrong == [], wrong
        # Every row is there, and the published text of an instant is the
        # one PostgreSQL gives.
        assert ctx.sql_value("SELECT count(*) FROM %s" % table) == str(len(ROWS))
        assert sql_in_zone(ctx, "UTC", "SELECT _id, ts::text FROM %s WHERE"
                           " _id IN ('1', '2') ORDER BY _id" % table) == [
            ("1", "2024-03-31 01:30:00+00"), ("2", "2024-10-27 01:30:00+00")]
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)


def test_same_rows_read_again_are_unchanged(ctx):
    ident = "test-load-unchanged"
    folder = tempfile.mkdtemp(prefix="odp-test-")
    path = geopackage_job(ident, folder)
    try:
        for expected in ("succeeded", "unchanged", "unchanged"):
            # --full reads the file again even when its bytes are the same:
            # only the checksum of the rows can find them unchanged.
            p = ctx.etl("run", "--no-progress", "--full", path)
            assert p.returncode == 0, p.stderr
            status, _, _, _, message = last_run(ctx, ident)
            assert status == expected, (status, message)
        versions = ctx.sql_value(
            "SELECT count(*) FROM dataset_versions v JOIN datasets d"
            " ON d.id = v.dataset_id WHERE d.identifier = '%s'" % ident)
        assert versions == "1", versions
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)


def test_rejected_row_shows_its_typed_values_as_text(ctx):
    # Row 3's note cannot be cast to an integer: the row is rejected after
    # its typed fields were read in binary, and the run shows them as text.
    ident = "test-load-reject"
    folder = tempfile.mkdtemp(prefix="odp-test-")
    path = geopackage_job(ident, folder, transform={"cast": {"note": "integer"}})
    try:
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        status, _, loaded, rejected, message = last_run(ctx, ident)
        assert (status, loaded, rejected) == (
            "succeeded", str(len(ROWS) - 1), "1"), (status, message)
        feature, reason, values = ctx.sql(
            "SELECT feature, reason, row_values FROM run_rejects r"
            " JOIN job_runs j ON j.id = r.run_id JOIN jobs b ON b.id = j.job_id"
            " WHERE b.identifier = '%s'" % ident)[0]
        assert feature == "3", feature
        assert reason == "a value that cannot be cast to the type the job " \
                         "declares", reason
        values = json.loads(values)
        assert values["id"] == "3" and values["big"] == "0", values
        assert values["ts"] == "2024-10-27T02:30:00+05:30", values
        assert values["d"] == "2000-01-01" and values["b"] == "true", values
        assert float(values["r"]) == 3.141592653589793, values
        assert values["ts_texte"] == "2024-10-27T02:30:00+05:30", values
        assert "note" not in values, values
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(folder, ignore_errors=True)
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)


def make_points_geopackage(folder, texte):
    """folder/points.gpkg: two points whose texte is texte for code A; the
    GeoPackage's triggers are dropped so that Python's sqlite3, which has
    not their spatial functions, can write the value."""
    csv_path = os.path.join(folder, "points.csv")
    with open(csv_path, "w") as f:
        f.write("code,texte,lon,lat\nA,a,0.3,46.5\nB,b,0.31,46.51\n")
    path = os.path.join(folder, "points.gpkg")
    if os.path.exists(path):
        os.unlink(path)
    subprocess.run(["ogr2ogr", "-f", "GPKG", path, csv_path, "-nln", "points",
                    "-oo", "X_POSSIBLE_NAMES=lon", "-oo", "Y_POSSIBLE_NAMES=lat",
                    "-a_srs", "EPSG:4326"], check=True, capture_output=True)
    db = sqlite3.connect(path)
    for (name,) in db.execute("SELECT name FROM sqlite_master WHERE type = 'trigger'").fetchall():
        db.execute('DROP TRIGGER "%s"' % name)
    db.execute("UPDATE points SET texte = ? WHERE code = 'A'", (texte,))
    db.commit()
    db.close()
    return path


def test_row_larger_than_the_limit_fails_the_run_and_keeps_the_published_version(ctx):
    ident = "test-load-huge-row"
    folder = tempfile.mkdtemp(prefix="odp-test-")
    path = None
    try:
        src = make_points_geopackage(folder, "petit")
        path = temp_job(ident, src, key="code")
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        # 35 million two-byte characters: 70 MB, more than a row may hold.
        shutil.copy(make_points_geopackage(folder, "é" * 35000000),
                    os.path.join(os.path.dirname(path), "points.gpkg"))
        assert_failed_and_previous_served(
            ctx, ident, path, ["row 1 is larger than 64 MB, the most a row may hold"])
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(folder, ignore_errors=True)
        if path:
            shutil.rmtree(os.path.dirname(path), ignore_errors=True)


class _Pages(http.server.BaseHTTPRequestHandler):
    """Two pages of records; with kill set, the loading backend is
    terminated before the second page is answered."""

    def do_GET(self):
        srv = self.server
        page = 2 if "page=2" in self.path else 1
        if page == 2 and srv.kill:
            srv.killed = srv.terminate_copy()
        records = [{"id": "%d-%d" % (page, i), "valeur": i * srv.factor,
                    "texte": "enregistrement %d" % i}
                   for i in range(20000)]
        body = json.dumps({"results": records,
                           "next": self.path.split("?")[0] + "?page=2"
                           if page == 1 else None}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


def test_connection_lost_during_the_load_fails_the_run_and_keeps_the_published_version(ctx):
    ident = "test-load-connection-lost"

    def terminate_copy():
        # The COPY of this load, once it has started.
        for _ in range(200):
            killed = ctx.sql_value(
                "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
                " WHERE datname = current_database() AND pid <> pg_backend_pid()"
                " AND query LIKE 'COPY %FROM STDIN%'")
            if killed != "0":
                return True
            time.sleep(0.05)
        return False

    srv = http.server.ThreadingHTTPServer(("127.0.0.1", 0), _Pages)
    srv.kill, srv.killed, srv.factor = False, False, 1
    srv.terminate_copy = terminate_copy
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    folder = tempfile.mkdtemp(prefix="odp-test-")
    path = os.path.join(folder, ident + ".json")
    job = {"identifier": ident, "title": "Jeu de test " + ident,
           "description": "Une API dont la base perd la connexion.",
           "publisher": {"identifier": "tests", "name": "Tests"},
           "licence": "etalab-2.0", "key": "id",
           "source": {"kind": "http-json",
                      "url": "http://127.0.0.1:%d/records" % srv.server_port,
                      "records": "/results",
                      "paging": {"type": "next", "next": "/next"}}}
    with open(path, "w") as f:
        json.dump(job, f)
    try:
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        version = current_version(ctx, ident)
        srv.kill, srv.factor = True, 2
        p = ctx.etl("run", "--no-progress", path)
        assert srv.killed, "the load's COPY was never seen"
        assert p.returncode != 0, p.stderr
        assert "could not send rows to the database: server closed the" \
            " connection unexpectedly" in p.stderr, p.stderr[-2000:]
        assert "could not record" not in p.stderr, p.stderr[-2000:]
        assert current_version(ctx, ident) == version
        # Recorded at once on a new connection, its table dropped.
        status, _, _, _, message = last_run(ctx, ident)
        assert status == "failed" and "could not send rows" in message, (status, message)
        assert ctx.sql_value(
            "SELECT count(*) FROM dataset_versions v JOIN datasets d"
            " ON d.id = v.dataset_id WHERE d.identifier = '%s'"
            " AND v.state = 'loading'" % ident) == "0"
        # The first run's values (factor 1), all of them, still served.
        assert ctx.sql_value("SELECT count(*) || ' ' || max(valeur) FROM %s"
                             % current_table(ctx, ident)) == "40000 19999"
        r = ctx.get("/datasets/%s/records?limit=1" % ident)
        assert r.status == 200, r.status
        srv.kill = False
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        assert current_version(ctx, ident) != version
    finally:
        srv.shutdown()
        srv.server_close()
        drop_dataset(ctx, ident)
        shutil.rmtree(folder, ignore_errors=True)
