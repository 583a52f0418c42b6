#!/usr/bin/env python3
"""bench.py: `make bench`, odp-etl's speed and memory against references
measured in the same run, on the same cluster.

What runs, each into a database of its own created just before (so that no
measurement finds another's tables, indexes or statistics), each after a
CHECKPOINT and a read of its input file (so that every one starts with the
file in the page cache and no dirty buffers left by the one before):

  ogr2ogr                    ogr2ogr -f PostgreSQL --config PG_USE_COPY YES
                             -lco SPATIAL_INDEX=GIST: the 1M GeoPackage into
                             PostGIS, primary key and GiST index included
  copy_floor                 the same rows pre-rendered as COPY text (from
                             ogr2ogr's table, not timed), then psql \\copy
                             into the same columns, ADD PRIMARY KEY and
                             CREATE INDEX USING gist: what the server alone
                             needs to take these rows, the floor
  odp_full_harvest           build/odp-etl run on the 1M GeoPackage
  odp_unchanged_reharvest    the same job again, right after: the source did
                             not change, no new version is published
  odp_same_rows_reharvest    then the same rows from a file of other bytes
                             (an unchanged layer exported again): unchanged
                             too, but found so only by reading it
  odp_rss_100k, odp_rss_1m   odp-etl's peak RSS (getrusage of the child) for
                             the 100k and the 1M GeoPackage

Each result is one line "BENCH <name> <value> <unit>", each comparison one
line "BENCH <name> ratio=<x> vs=<reference>", each target one line
"BENCH target <what> met|missed".  Then where the time went: *_client_cpu
and *_server_cpu split a measurement's CPU time between the client program
and the PostgreSQL processes (read from /proc, the postmaster's reaped
children included); *_copy, *_primary_key, *_unique_index, *_gist_index,
*_analyze and *_other_sql are the wall time of the server's statements of
each kind (from its log), *_outside_sql the rest (for odp-etl: opening the
source and the type inference pass before the COPY).

Targets are measurements, not tests: a missed target exits 0.  The exit
status is non-zero only when something could not run.

The cluster is var/bench on port 5497 (ODP_BENCH_CLUSTER, ODP_BENCH_PG_PORT),
beside those of `make run` and `make test` (ODP_DATABASE_URL is not used),
with autovacuum off so that no vacuum of one measurement's table runs during
the next, and log_min_duration_statement at LOG_MS for the phases; both are
reset and the cluster stopped at the end.  ODP_BENCH_REPEAT=N (default 1) runs every measurement N times and
keeps the best wall time (and the largest RSS).  The source files are made
once by gendata.py and cached under var/bench-data/.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
sys.path.insert(0, HERE)
import gendata  # noqa: E402
from benchlib import (BenchError, cluster_cpu, machine_busy,  # noqa: E402
                      postmaster_pid, sh)
import benchlib  # noqa: E402

BUILD = os.path.join(ROOT, os.environ.get("ODP_BUILD", "build"))
CLUSTER = os.path.abspath(os.environ.get(
    "ODP_BENCH_CLUSTER", os.path.join(ROOT, "var", "bench")))
PORT = os.environ.get("ODP_BENCH_PG_PORT", "5497")
DATA = os.path.join(ROOT, "var", "bench-data")
REPEAT = int(os.environ.get("ODP_BENCH_REPEAT", "1"))
# Statements longer than this are logged by the server, and so counted in
# the phases of a measurement.
LOG_MS = 20
# Other processes busier than this during a measurement make it noisy.
NOISE_CPU = 0.10

TARGETS = [  # (comparison, at most, spelled for the target line)
    ("full_harvest", 0.6, "full_harvest<=0.6xogr2ogr"),
    ("unchanged_reharvest", 0.25, "unchanged_reharvest<=0.25xodp_full_harvest"),
    ("rss_1m", 1.2, "rss_1m<=1.2xodp_rss_100k"),
]


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def conninfo(db):
    return sh("scripts/db.sh", "conninfo", CLUSTER, PORT, db, capture=True)


def psql(db, *commands, capture=False):
    argv = ["psql", "-X", "-q", "-At", "-v", "ON_ERROR_STOP=1",
            "-d", conninfo(db)]
    for c in commands:
        argv += ["-c", c]
    return sh(*argv, capture=capture)


def fresh_db(db, postgis=False):
    """Drops and creates db; returns its conninfo."""
    sh("scripts/db.sh", "createdb", CLUSTER, PORT, db, "fresh")
    if postgis:
        psql(db, "CREATE EXTENSION postgis")
    return conninfo(db)


def drop_db(db):
    psql("postgres", 'DROP DATABASE IF EXISTS "%s" WITH (FORCE)' % db)


def warm(path):
    """Reads path once, so that it is in the page cache."""
    with open(path, "rb") as f:
        while f.read(1 << 20):
            pass


def settle():
    """No dirty buffers or WAL of the previous measurement left to write."""
    psql("postgres", "CHECKPOINT")


def server_log():
    return os.path.join(benchlib.cluster_base(CLUSTER), "postgres.log")


def log_size():
    try:
        return os.path.getsize(server_log())
    except OSError:
        return 0


# Statements the server logs (log_min_duration_statement), by phase.
PHASES = [
    ("copy", re.compile(r"^COPY ", re.I)),
    ("primary_key", re.compile(r"ADD PRIMARY KEY", re.I)),
    ("unique_index", re.compile(r"^CREATE UNIQUE INDEX", re.I)),
    ("gist_index", re.compile(r"^CREATE INDEX .*USING gist", re.I)),
    ("analyze", re.compile(r"^ANALYZE", re.I)),
    ("other_sql", re.compile(r"")),
]
LOGGED = re.compile(r"duration: ([0-9.]+) ms  (?:statement|execute [^:]*): (.*)")


def statement_phases(offset):
    """Seconds the server spent in logged statements since offset of its
    log, by phase."""
    phases = {}
    with open(server_log(), "rb") as f:
        f.seek(offset)
        text = f.read().decode("utf-8", "replace")
    for line in text.splitlines():
        m = LOGGED.search(line)
        if not m:
            continue
        for name, rx in PHASES:
            if rx.search(m.group(2).strip()):
                phases[name] = phases.get(name, 0) + float(m.group(1)) / 1000
                break
    return phases


class Result:
    def __init__(self, wall, maxrss_kb, client_cpu, server_cpu, other_cpu,
                 phases):
        self.wall = wall
        self.maxrss_kb = maxrss_kb
        self.client_cpu = client_cpu
        self.server_cpu = server_cpu
        self.other_cpu = other_cpu  # what else ran on the machine meanwhile
        self.phases = phases


def measure(argv, logfile, env=None):
    """Runs argv; returns its Result.  Raises BenchError when it fails."""
    pm = postmaster_pid(CLUSTER)
    offset = log_size()
    with open(logfile, "ab") as out:
        out.write(("$ %s\n" % " ".join(argv)).encode())
        out.flush()
        cpu0, busy0 = cluster_cpu(pm), machine_busy()
        t0 = time.monotonic()
        p = subprocess.Popen(argv, cwd=ROOT, env=env, stdout=out, stderr=out)
        _, status, ru = os.wait4(p.pid, 0)
        wall = time.monotonic() - t0
        busy1 = machine_busy()
        p.returncode = os.waitstatus_to_exitcode(status)
    # The backend exits once the client has gone; give the postmaster the
    # moment it needs to reap it, so that its CPU time is counted.
    time.sleep(0.3)
    cpu1 = cluster_cpu(pm)
    if p.returncode != 0:
        raise BenchError("%s exited with status %d; see %s"
                         % (argv[0], p.returncode, logfile))
    client = ru.ru_utime + ru.ru_stime
    server = cpu1 - cpu0
    phases = statement_phases(offset)
    phases["outside_sql"] = max(0.0, wall - sum(phases.values()))
    return Result(wall, ru.ru_maxrss, client, server,
                  max(0.0, busy1 - busy0 - client - server), phases)


def best(results):
    r = min(results, key=lambda x: x.wall)
    return Result(r.wall, max(x.maxrss_kb for x in results), r.client_cpu,
                  r.server_cpu, r.other_cpu, r.phases)


def write_job(name, identifier, gpkg):
    """Writes var/bench-data/NAME.json, a job reading gpkg; returns its
    path."""
    path = os.path.join(DATA, name + ".json")
    job = {
        "identifier": identifier,
        "title": "Benchmark : %d points" % (
            1_000_000 if "1m" in identifier else 100_000),
        "description": "Points générés pour make bench (gendata.py).",
        "publisher": {"identifier": "odp-bench", "name": "odp bench"},
        "licence": "etalab-2.0",
        "source": {"kind": "gdal", "path": os.path.basename(gpkg)},
    }
    with open(path, "w", encoding="utf-8") as f:
        json.dump(job, f, ensure_ascii=False, indent=2)
    return path


def odp_env(conn):
    env = dict(os.environ)
    env["ODP_DATABASE_URL"] = conn
    env["ODP_LOG_LEVEL"] = "info"
    return env


def odp_prepare(db, logfile):
    conn = fresh_db(db)
    sh_env = odp_env(conn)
    with open(logfile, "ab") as out:
        p = subprocess.run([os.path.join(BUILD, "odp-etl"), "migrate"],
                           cwd=ROOT, env=sh_env, stdout=out, stderr=out)
    if p.returncode != 0:
        raise BenchError("odp-etl migrate exited with status %d"
                         % p.returncode)
    return sh_env


def last_run_status(db):
    return psql(db, "SELECT status || ': ' || coalesce(message, '') "
                "FROM job_runs ORDER BY id DESC LIMIT 1", capture=True)


def bench_odp(job, gpkg, db, logfile, reruns=()):
    """Full harvest of job into a fresh db, then each (job, file) of reruns
    in turn, each of which must find the rows unchanged; returns the
    Result of each run."""
    env = odp_prepare(db, logfile)
    results = []
    for i, (j, path) in enumerate([(job, gpkg)] + list(reruns)):
        argv = [os.path.join(BUILD, "odp-etl"), "run", "--no-progress", j]
        warm(path)
        settle()
        results.append(measure(argv, logfile, env))
        status = last_run_status(db)
        expected = "unchanged" if i else "succeeded"
        if not status.startswith(expected):
            raise BenchError("%s: expected a run %s, got %s"
                             % (os.path.basename(j), expected, status))
    drop_db(db)
    return results


def table_columns(db, table):
    """[(name, sql type)] of table, and its primary key columns."""
    cols = psql(db, "SELECT string_agg(quote_ident(attname) || ' ' || "
                "format_type(atttypid, atttypmod), ', ' ORDER BY attnum) "
                "FROM pg_attribute WHERE attrelid = '%s'::regclass "
                "AND attnum > 0 AND NOT attisdropped" % table, capture=True)
    pk = psql(db, "SELECT string_agg(quote_ident(a.attname), ', ') "
              "FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid "
              "AND a.attnum = ANY(i.indkey) WHERE i.indrelid = '%s'::regclass "
              "AND i.indisprimary" % table, capture=True)
    geom = psql(db, "SELECT quote_ident(f_geometry_column) FROM "
                "geometry_columns WHERE f_table_name = '%s'" % table,
                capture=True)
    return cols, pk, geom


def bench_ogr2ogr_and_floor(gpkg, logfile, copy_file):
    """ogr2ogr into a fresh db, then the floor from its rows; returns
    (ogr2ogr, floor)."""
    db = "bench_ogr2ogr"
    conn = fresh_db(db, postgis=True)
    argv = ["ogr2ogr", "-f", "PostgreSQL", "PG:" + conn, gpkg,
            "--config", "PG_USE_COPY", "YES", "-lco", "SPATIAL_INDEX=GIST",
            "-nln", "points"]
    warm(gpkg)
    settle()
    ogr = measure(argv, logfile)
    n = psql(db, "SELECT count(*) FROM points", capture=True)
    if n != "1000000":
        raise BenchError("ogr2ogr loaded %s rows, not 1000000" % n)

    cols, pk, geom = table_columns(db, "points")
    order = (" ORDER BY " + pk) if pk else ""
    if os.path.exists(copy_file):
        os.unlink(copy_file)
    psql(db, "\\copy (SELECT * FROM points%s) TO '%s'" % (order, copy_file))
    drop_db(db)

    db = "bench_floor"
    fresh_db(db, postgis=True)
    psql(db, "CREATE TABLE points (%s)" % cols)
    script = os.path.join(CLUSTER, "floor.sql")
    with open(script, "w") as f:
        f.write("\\copy points FROM '%s'\n" % copy_file)
        if pk:
            f.write("ALTER TABLE points ADD PRIMARY KEY (%s);\n" % pk)
        f.write("CREATE INDEX ON points USING gist (%s);\n" % geom)
    argv = ["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", conninfo(db),
            "-f", script]
    warm(copy_file)
    settle()
    floor = measure(argv, logfile)
    drop_db(db)
    return ogr, floor


def main():
    for tool in ("ogr2ogr", "psql"):
        if not shutil.which(tool):
            raise BenchError("%s is not installed; run make deps" % tool)
    if not os.access(os.path.join(BUILD, "odp-etl"), os.X_OK):
        raise BenchError("%s/odp-etl is not built; run make" % BUILD)
    files = gendata.ensure(DATA)
    big, small = files["1m"], files["100k"]
    job_big = write_job("bench-points-1m", "bench-points-1m", big)
    # The same dataset from a file of other bytes but the same rows.
    job_rewritten = write_job("bench-points-1m-rewritten", "bench-points-1m",
                              files["1m-rewritten"])
    job_small = write_job("bench-points-100k", "bench-points-100k", small)
    copy_file = os.path.join(DATA, "points-1m-v%d.copy" % gendata.DATA_VERSION)

    sh("scripts/db.sh", "start", CLUSTER, PORT)
    try:
        psql("postgres", "ALTER SYSTEM SET autovacuum = off",
             "ALTER SYSTEM SET log_min_duration_statement = %d" % LOG_MS,
             "SELECT pg_reload_conf()", capture=True)
        logfile = os.path.join(CLUSTER, "bench.log")
        if os.path.exists(logfile):
            os.unlink(logfile)
        log("details of each command in %s" % logfile)
        runs = {k: [] for k in ("ogr2ogr", "floor", "full", "again",
                                "same_rows", "small")}
        for i in range(REPEAT):
            tag = " (%d of %d)" % (i + 1, REPEAT) if REPEAT > 1 else ""
            log("ogr2ogr and the COPY floor, 1,000,000 points" + tag)
            ogr, floor = bench_ogr2ogr_and_floor(big, logfile, copy_file)
            runs["ogr2ogr"].append(ogr)
            runs["floor"].append(floor)
            log("odp-etl, full harvest and the re-harvests, "
                "1,000,000 points" + tag)
            full, again, same_rows = bench_odp(
                job_big, big, "bench_odp_1m", logfile,
                [(job_big, big), (job_rewritten, files["1m-rewritten"])])
            runs["full"].append(full)
            runs["again"].append(again)
            runs["same_rows"].append(same_rows)
            log("odp-etl, full harvest, 100,000 points" + tag)
            runs["small"].append(bench_odp(job_small, small,
                                           "bench_odp_100k", logfile)[0])
        os.unlink(copy_file)
        report({k: best(v) for k, v in runs.items()})
    finally:
        try:
            psql("postgres", "ALTER SYSTEM RESET autovacuum",
                 "ALTER SYSTEM RESET log_min_duration_statement")
        finally:
            sh("scripts/db.sh", "stop", CLUSTER)


def report(r):
    def line(name, value, unit):
        print("BENCH %s %s %s" % (name, value, unit), flush=True)

    def secs(x):
        return "%.2f" % x

    line("odp_full_harvest", secs(r["full"].wall), "s")
    line("ogr2ogr", secs(r["ogr2ogr"].wall), "s")
    line("copy_floor", secs(r["floor"].wall), "s")
    line("odp_unchanged_reharvest", secs(r["again"].wall), "s")
    line("odp_same_rows_reharvest", secs(r["same_rows"].wall), "s")
    line("odp_rss_100k", "%.1f" % (r["small"].maxrss_kb / 1024), "MB")
    line("odp_rss_1m", "%.1f" % (r["full"].maxrss_kb / 1024), "MB")
    line("odp_full_harvest_100k", secs(r["small"].wall), "s")
    # Where the time went: CPU of each side, then the wall time of the
    # server's statements by kind; outside_sql is the rest (for odp-etl:
    # opening the source and the type inference pass before the COPY).
    named = (("odp_full_harvest", "full"), ("ogr2ogr", "ogr2ogr"),
             ("copy_floor", "floor"), ("odp_unchanged_reharvest", "again"),
             ("odp_same_rows_reharvest", "same_rows"))
    for name, key in named:
        line(name + "_client_cpu", secs(r[key].client_cpu), "s")
        line(name + "_server_cpu", secs(r[key].server_cpu), "s")
        for phase, _ in PHASES + [("outside_sql", None)]:
            if r[key].phases.get(phase, 0) >= 0.005:
                line("%s_%s" % (name, phase), secs(r[key].phases[phase]),
                     "s")

    ratios = {
        "full_harvest": (r["full"].wall / r["ogr2ogr"].wall, "ogr2ogr"),
        "copy_floor": (r["floor"].wall / r["ogr2ogr"].wall, "ogr2ogr"),
        "unchanged_reharvest": (r["again"].wall / r["full"].wall,
                                "odp_full_harvest"),
        "same_rows_reharvest": (r["same_rows"].wall / r["full"].wall,
                                "odp_full_harvest"),
        "rss_1m": (r["full"].maxrss_kb / r["small"].maxrss_kb,
                   "odp_rss_100k"),
    }
    for name, (x, ref) in ratios.items():
        print("BENCH %s ratio=%.2f vs=%s" % (name, x, ref), flush=True)
    for name, limit, spelled in TARGETS:
        met = ratios[name][0] <= limit
        print("BENCH target %s %s" % (spelled, "met" if met else "missed"),
              flush=True)
    if REPEAT > 1:
        log("wall times are the best of %d runs (RSS the largest)" % REPEAT)
    for name, key in named + (("odp_full_harvest_100k", "small"),):
        res = r[key]
        if res.other_cpu > max(NOISE_CPU * res.wall, 1.0):
            log("other processes used %.1f s of CPU during %s (%.1f s); "
                "on a busy machine its numbers are noisy, try "
                "ODP_BENCH_REPEAT=3" % (res.other_cpu, name, res.wall))


if __name__ == "__main__":
    try:
        main()
    except (BenchError, OSError, subprocess.CalledProcessError) as e:
        log("error: %s" % e)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
