#!/usr/bin/env python3
"""run_tests.py: every test of odp, ending with one line "N passed, N failed".

1. Unit tests: build/unit-tests prints one PASS/FAIL line per test.
2. Integration tests against a real PostgreSQL + PostGIS: a fresh database
   on the embedded test cluster (var/test, its own socket and port, so that
   `make run` can be up at the same time), or, with ODP_DATABASE_URL set, a
   fresh database "odp_test" on that server.  The runner migrates it,
   harvests the demo jobs, starts build/odp-api on a free loopback port,
   then calls each test_* function of tests/integration/test_*.py with a
   Context.  A test fails by raising.
"""
import importlib.util
import json
import os
import socket
import subprocess
import sys
import time
import traceback
import urllib.error
import urllib.request

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
# Several copies of the suite may run at once (developers working side by
# side) with their own ODP_TEST_CLUSTER folder and ODP_TEST_PG_PORT.
TEST_CLUSTER = os.path.abspath(os.environ.get(
    "ODP_TEST_CLUSTER", os.path.join(ROOT, "var", "test")))
TEST_PG_PORT = os.environ.get("ODP_TEST_PG_PORT", "5498")
TEST_DB = "odp_test"
# The folder of the binaries under test: build/, or build-sanitize/ for
# `make test SANITIZE=address,undefined`.
BUILD = os.path.join(ROOT, os.environ.get("ODP_BUILD", "build"))

# Integration modules in the order they run: the harvest checks come before
# the API checks that read what was harvested.
MODULE_ORDER = ["test_cli", "test_etl", "test_sources", "test_sources_http",
                "test_sources_sql", "test_formats", "test_load",
                "test_api", "test_exports", "test_versions", "test_catalog", "test_search",
                "test_metadata", "test_quality",
                "test_scheduler"]


class Response:
    def __init__(self, status, headers, body):
        self.status = status
        self.headers = {k.lower(): v for k, v in headers.items()}
        self.body = body

    def json(self):
        return json.loads(self.body.decode("utf-8"))


class Context:
    """What an integration test gets: the API, the database, odp-etl."""

    def __init__(self, conninfo):
        self.root = ROOT
        self.etl_path = os.path.join(BUILD, "odp-etl")
        self.conninfo = conninfo
        self.api = None
        self.api_log = os.path.join(TEST_CLUSTER, "api.log")
        self.base_url = None

    def env(self, extra=None):
        env = dict(os.environ)
        env["ODP_DATABASE_URL"] = self.conninfo
        env["ODP_LOG_LEVEL"] = "warn"
        env.update(extra or {})
        return env

    def etl(self, *args, env=None, timeout=300):
        """Runs build/odp-etl ARGS; returns the CompletedProcess (text)."""
        return subprocess.run(
            [self.etl_path] + list(args),
            cwd=ROOT, env=self.env(env), capture_output=True, text=True,
            timeout=timeout)

    def sql(self, query):
        """Rows of query as tuples of strings (psql -At)."""
        out = subprocess.run(
            ["psql", "-X", "-At", "-F", "\t", "-v", "ON_ERROR_STOP=1",
             "-d", self.conninfo, "-c", query],
            capture_output=True, text=True, check=True).stdout
        return [tuple(line.split("\t")) for line in out.splitlines()]

    def sql_value(self, query):
        rows = self.sql(query)
        return rows[0][0] if rows else None

    def start_api(self, env=None):
        port = free_port()
        listen = "127.0.0.1:%d" % port
        log = open(self.api_log, "ab")
        self.api = subprocess.Popen(
            [os.path.join(BUILD, "odp-api")], cwd=ROOT,
            env=self.env(dict({"ODP_LISTEN": listen}, **(env or {}))),
            stdout=log, stderr=log)
        log.close()
        self.base_url = "http://" + listen
        deadline = time.time() + 15
        while time.time() < deadline:
            if self.api.poll() is not None:
                raise RuntimeError("odp-api exited with status %d; see %s"
                                   % (self.api.returncode, self.api_log))
            try:
                socket.create_connection(("127.0.0.1", port), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("odp-api did not listen on %s" % listen)

    def stop_api(self):
        if self.api and self.api.poll() is None:
            self.api.terminate()
            try:
                self.api.wait(10)
            except subprocess.TimeoutExpired:
                self.api.kill()
                self.api.wait()
        self.api = None

    def restart_api(self, env=None):
        self.stop_api()
        self.start_api(env)

    def request(self, method, path, headers=None, body=None):
        req = urllib.request.Request(self.base_url + path, data=body,
                                     method=method, headers=headers or {})
        try:
            with urllib.request.urlopen(req, timeout=30) as r:
                return Response(r.status, dict(r.headers), r.read())
        except urllib.error.HTTPError as e:
            return Response(e.code, dict(e.headers), e.read())

    def get(self, path, headers=None):
        return self.request("GET", path, headers)


def free_port():
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port


def run(cmd, **kw):
    return subprocess.run(cmd, cwd=ROOT, check=True, **kw)


def with_dbname(url, name):
    """The connection string url, pointed at database name."""
    if url.startswith(("postgres://", "postgresql://")):
        from urllib.parse import urlsplit, urlunsplit
        parts = urlsplit(url)
        return urlunsplit(parts._replace(path="/" + name))
    return url + " dbname=" + name   # in key=value form the last one wins


def setup_database():
    """Returns (conninfo, embedded?) of a fresh, empty test database."""
    url = os.environ.get("ODP_DATABASE_URL")
    if url:
        subprocess.run(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", url,
                        "-c", "DROP DATABASE IF EXISTS %s WITH (FORCE)" % TEST_DB,
                        "-c", "CREATE DATABASE %s" % TEST_DB], check=True)
        return with_dbname(url, TEST_DB), False
    run(["scripts/db.sh", "start", TEST_CLUSTER, TEST_PG_PORT])
    run(["scripts/db.sh", "createdb", TEST_CLUSTER, TEST_PG_PORT, TEST_DB, "fresh"])
    conninfo = subprocess.run(
        ["scripts/db.sh", "conninfo", TEST_CLUSTER, TEST_PG_PORT, TEST_DB],
        cwd=ROOT, check=True, capture_output=True, text=True).stdout.strip()
    return conninfo, True


class Tally:
    def __init__(self):
        self.passed = 0
        self.failed = []

    def record(self, name, ok, detail=""):
        if ok:
            self.passed += 1
            print("PASS " + name, flush=True)
        else:
            self.failed.append(name)
            print("FAIL " + name, flush=True)
            if detail:
                print("    " + detail.rstrip().replace("\n", "\n    "), flush=True)


def run_unit_tests(tally):
    proc = subprocess.run([os.path.join(BUILD, "unit-tests")],
                          capture_output=True, text=True)
    detail = []
    seen = 0
    for line in proc.stdout.splitlines():
        if line.startswith("PASS ") or line.startswith("FAIL "):
            seen += 1
            tally.record("unit/" + line[5:], line.startswith("PASS"),
                         "\n".join(detail))
            detail = []
        else:
            detail.append(line)
    if proc.returncode not in (0, 1) or seen == 0:
        tally.record("unit/harness", False,
                     "build/unit-tests exited %d\n%s" % (proc.returncode, proc.stderr))


def load_modules():
    folder = os.path.join(ROOT, "tests", "integration")
    sys.path.insert(0, folder)   # modules share helpers (from test_etl import ...)
    names = [f[:-3] for f in os.listdir(folder)
             if f.startswith("test_") and f.endswith(".py")]
    names.sort(key=lambda n: (MODULE_ORDER.index(n) if n in MODULE_ORDER
                              else len(MODULE_ORDER), n))
    modules = []
    for name in names:
        spec = importlib.util.spec_from_file_location(
            name, os.path.join(folder, name + ".py"))
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        modules.append(module)
    return modules


def test_functions(module):
    """The module's test_* functions in the order they are written."""
    funcs = [v for k, v in vars(module).items()
             if k.startswith("test_") and callable(v)]
    funcs.sort(key=lambda f: f.__code__.co_firstlineno)
    return funcs


def main():
    only = sys.argv[1:]   # optional substrings selecting tests
    tally = Tally()
    run_unit_tests(tally)

    conninfo, embedded = setup_database()
    ctx = Context(conninfo)
    try:
        migrate = ctx.etl("migrate")
        tally.record("setup/migrate", migrate.returncode == 0, migrate.stderr)
        if migrate.returncode == 0:
            ctx.start_api()
            for module in load_modules():
                for func in test_functions(module):
                    name = "%s/%s" % (module.__name__, func.__name__)
                    if only and not any(o in name for o in only):
                        continue
                    try:
                        func(ctx)
                        tally.record(name, True)
                    except Exception:
                        tally.record(name, False, traceback.format_exc(limit=3))
                    if ctx.api is None or ctx.api.poll() is not None:
                        ctx.start_api()
    finally:
        ctx.stop_api()
        if embedded:
            subprocess.run(["scripts/db.sh", "stop", TEST_CLUSTER], cwd=ROOT)

    if tally.failed:
        print("\nfailed: " + ", ".join(tally.failed))
    print("%d passed, %d failed" % (tally.passed, len(tally.failed)))
    return 1 if tally.failed else 0


if __name__ == "__main__":
    sys.exit(main())
