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

import json
import os
import shutil
import subprocess
import tempfile

from test_etl import current_table, drop_dataset, last_run, temp_job

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
