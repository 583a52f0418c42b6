"""test_sources_http.py: the http-json source kind against recorded API pages
of the territory, replayed on loopback by tests/fixtures/http/server.py:
air-quality measures paged by next links, charging stations paged by page
number, bike racks paged by offset (Opendatasoft style), and the ways a web
API goes wrong (500, 429, HTML, invalid JSON, timeouts, paging loops)."""

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
import uuid

from test_etl import (assert_failed_and_previous_served, column_types,
                      current_table, drop_dataset, last_run)

FIXTURES = os.path.join("tests", "fixtures", "http")
# Tests must not wait a second between retries.
FAST = {"ODP_HTTP_BACKOFF_MS": "10"}

AIR = "test-http-qualite-air"


class FixtureServer:
    def __init__(self, root):
        self.folder = tempfile.mkdtemp(prefix="odp-http-")
        self.log = os.path.join(self.folder, "requests.jsonl")
        open(self.log, "w").close()
        self.proc = subprocess.Popen(
            [sys.executable, os.path.join(root, FIXTURES, "server.py"),
             os.path.join(root, FIXTURES), self.log],
            stdout=subprocess.PIPE, text=True)
        self.port = int(self.proc.stdout.readline())

    def url(self, path):
        return "http://127.0.0.1:%d%s" % (self.port, path)

    def requests(self):
        with open(self.log, encoding="utf-8") as f:
            return [json.loads(line) for line in f]

    def stop(self):
        self.proc.terminate()
        self.proc.wait(10)
        self.proc.stdout.close()
        shutil.rmtree(self.folder)


@contextlib.contextmanager
def fixture_server(ctx):
    srv = FixtureServer(ctx.root)
    try:
        yield srv
    finally:
        srv.stop()


@contextlib.contextmanager
def http_job(ident, source, **top):
    """A job file for dataset ident with an http-json source; yields its
    path and removes it afterwards."""
    folder = tempfile.mkdtemp(prefix="odp-test-")
    job = {
        "identifier": ident,
        "title": "Jeu de test " + ident,
        "description": "Un jeu de données moissonné d'une API par les tests.",
        "publisher": {"identifier": "tests", "name": "Tests"},
        "licence": "etalab-2.0",
        "source": dict({"kind": "http-json"}, **source),
    }
    job.update(top)
    path = os.path.join(folder, ident + ".json")
    with open(path, "w") as f:
        json.dump(job, f, ensure_ascii=False)
    try:
        yield path
    finally:
        shutil.rmtree(folder)


def fixture_records(ctx, files, pointer):
    """The records of recorded pages, in order; pointer is "/name"."""
    out = []
    for name in files:
        with open(os.path.join(ctx.root, FIXTURES, name), encoding="utf-8") as f:
            out += json.load(f)[pointer[1:]]
    return out


def loaded_rows(ctx, ident):
    """The published rows, in load order: [(_id, {column: value}, geom)],
    values as JSON gives them (numbers, booleans, null), geom as
    (x, y, srid) or None."""
    table = current_table(ctx, ident)
    rows = ctx.sql(
        "SELECT _id, (to_jsonb(t) - '_id' - '_rownum' - 'geom')::text,"
        " ST_X(geom), ST_Y(geom), ST_SRID(geom) FROM %s t ORDER BY _rownum"
        % table)
    return [(r[0], json.loads(r[1]),
             (float(r[2]), float(r[3]), int(r[4])) if r[2] else None)
            for r in rows]


def as_published(record, drop=()):
    """A fixture record as its row should read: objects and arrays become
    their JSON text, which is compared decoded."""
    return {k: ("json", v) if isinstance(v, (dict, list)) else v
            for k, v in record.items() if k not in drop}


def decoded(values, like):
    return {k: ("json", json.loads(v)) if isinstance(like.get(k), tuple) else v
            for k, v in values.items()}


def air_job(srv, prefix="", **source):
    return dict({"url": srv.url(prefix + "/qualite-air/mesures"),
                 "records": "/results", "geometry": "/geometry",
                 "paging": {"type": "next", "next": "/next"}}, **source)


AIR_PAGES = ["qualite-air/mesures.json", "qualite-air/mesures_page-2.json",
             "qualite-air/mesures_page-3.json"]


def publish_air(ctx, srv, ident=AIR, env=None, **source):
    """Harvests the air-quality pages as dataset ident; returns the run."""
    with http_job(ident, air_job(srv, **source), key="id") as path:
        p = ctx.etl("run", path, env=dict(FAST, **(env or {})))
    assert p.returncode == 0, p.stderr
    return p


def test_http_next_links_harvest_every_record_once(ctx):
    try:
        with fixture_server(ctx) as srv:
            publish_air(ctx, srv)
            paths = [r["path"] for r in srv.requests()]
        # Relative links ("?page=2", "mesures?page=3") resolved against
        # the page they are in; no page fetched twice.
        assert paths == ["/qualite-air/mesures", "/qualite-air/mesures?page=2",
                         "/qualite-air/mesures?page=3"], paths
        status, read, loaded, rejected, message = last_run(ctx, AIR)
        expected = fixture_records(ctx, AIR_PAGES, "/results")
        assert (status, read, loaded, rejected) == (
            "succeeded", str(len(expected)), str(len(expected)), "0"), message
        rows = loaded_rows(ctx, AIR)
        assert [r[0] for r in rows] == [str(e["id"]) for e in expected]
        for (_, values, geom), e in zip(rows, expected):
            want = as_published(e, drop=["geometry"])
            assert decoded(values, want) == want, (values, want)
            x, y = e["geometry"]["coordinates"]
            assert geom == (x, y, 4326), (geom, e)
        types = column_types(ctx, current_table(ctx, AIR))
        assert types["id"] == "bigint", types
        assert types["valeur"] == "double precision", types   # 18 and 21.4
        assert types["indice_atmo"] == "bigint", types        # with nulls
        assert types["validee"] == "boolean", types
        assert types["station"] == "text", types              # compact JSON
        assert types["date_debut"] == "text", types
        assert "geometry" not in types, types
    finally:
        drop_dataset(ctx, AIR)


def test_http_page_numbers_stop_on_the_empty_page(ctx):
    ident = "test-http-irve"
    source = {"records": "/data", "x": "consolidated_longitude",
              "y": "consolidated_latitude",
              "paging": {"type": "page", "param": "page", "start": 1,
                         "size_param": "per_page", "size": 5}}
    try:
        with fixture_server(ctx) as srv:
            source["url"] = srv.url("/irve/bornes?page=99")
            with http_job(ident, source, key="id_station_itinerance") as path:
                p = ctx.etl("run", path, env=FAST)
            assert p.returncode == 0, p.stderr
            paths = [r["path"] for r in srv.requests()]
        # The job's own page=99 is replaced, not repeated.
        assert paths == ["/irve/bornes?page=%d&per_page=5" % n
                         for n in (1, 2, 3, 4)], paths
        expected = fixture_records(
            ctx, ["irve/bornes_page-%d_per_page-5.json" % n for n in (1, 2, 3)],
            "/data")
        assert len(expected) == 12
        rows = loaded_rows(ctx, ident)
        assert [r[0] for r in rows] == [e["id_station_itinerance"] for e in expected]
        for (_, values, geom), e in zip(rows, expected):
            want = as_published(e)
            assert decoded(values, want) == want, (values, want)
            assert geom == (e["consolidated_longitude"],
                            e["consolidated_latitude"], 4326), (geom, e)
        types = column_types(ctx, current_table(ctx, ident))
        assert types["puissance_nominale"] == "double precision", types
        assert types["nbre_pdc"] == "bigint", types
        assert types["gratuit"] == "boolean", types
        assert types["tarif_kwh"] == "double precision", types  # 0, 0.35, null
        assert types["prises"] == "text", types                 # JSON arrays
        nom = [v["nom_station"] for _, v, _ in rows]
        assert "Gare SNCF – Toumaï" in nom, nom
    finally:
        drop_dataset(ctx, ident)


def test_http_offsets_stop_on_a_short_page(ctx):
    ident = "test-http-arceaux"
    key = "k-" + uuid.uuid4().hex
    try:
        with fixture_server(ctx) as srv:
            source = {"url": srv.url("/arceaux/records?apikey=${ODP_TEST_ODS_KEY}"),
                      "records": "/results", "geometry": "/geo_shape/geometry",
                      "paging": {"type": "offset", "param": "offset",
                                 "size_param": "limit", "size": 4}}
            with http_job(ident, source, key="id_arceau") as path:
                p = ctx.etl("run", path, env=dict(FAST, ODP_TEST_ODS_KEY=key))
            assert p.returncode == 0, p.stderr
            paths = [r["path"] for r in srv.requests()]
        assert paths == ["/arceaux/records?apikey=%s&offset=%d&limit=4" % (key, n)
                         for n in (0, 4, 8)], paths
        expected = fixture_records(
            ctx, ["arceaux/records_limit-4_offset-%d.json" % n for n in (0, 4, 8)],
            "/results")
        assert len(expected) == 10
        rows = loaded_rows(ctx, ident)
        assert [r[0] for r in rows] == [e["id_arceau"] for e in expected]
        for (_, values, geom), e in zip(rows, expected):
            # The member holding the geometry is the geometry, not a column.
            want = as_published(e, drop=["geo_shape"])
            assert decoded(values, want) == want, (values, want)
            x, y = e["geo_shape"]["geometry"]["coordinates"]
            assert geom == (x, y, 4326), (geom, e)
        # Compact JSON, numbers as the API wrote them.
        assert rows[0][1]["geo_point_2d"] == '{"lon":0.34078,"lat":46.58023}', rows[0]
        types = column_types(ctx, current_table(ctx, ident))
        assert types["nb_places"] == "bigint", types
        assert types["couvert"] == "boolean", types
        assert types["geo_point_2d"] == "text", types
        assert key not in p.stderr
        assert_no_secret_recorded(ctx, ident, key)
    finally:
        drop_dataset(ctx, ident)


def assert_no_secret_recorded(ctx, ident, secret):
    tables = ["job_runs", "jobs"]
    if ctx.sql_value("SELECT to_regclass('run_rejects')"):
        tables.append("run_rejects")
    for table in tables:
        hits = ctx.sql_value("SELECT count(*) FROM %s t WHERE t::text LIKE '%%%s%%'"
                             % (table, secret))
        assert hits == "0", (table, hits)
    assert ctx.sql_value("SELECT count(*) FROM job_runs r JOIN jobs j ON"
                         " j.id = r.job_id WHERE j.identifier = '%s'" % ident) != "0"


def test_http_header_token_from_environment_reaches_server_only(ctx):
    ident = "test-http-token"
    token = "tok-" + uuid.uuid4().hex
    env = dict(FAST, ODP_TEST_AIR_TOKEN=token, ODP_LOG_LEVEL="debug")
    headers = {"Authorization": "Bearer ${ODP_TEST_AIR_TOKEN}",
               "X-Client": "odp-tests"}
    try:
        with fixture_server(ctx) as srv:
            p = publish_air(ctx, srv, ident, env=env, headers=headers)
            seen = srv.requests()
            # A failing run with the token says nothing of it either.
            with http_job(ident, air_job(srv, "/_500/always", headers=headers,
                                         request_retries=1)) as path:
                failed = ctx.etl("run", path, env=env)
        assert len(seen) == 3, seen
        for r in seen:
            assert r["headers"]["Authorization"] == "Bearer " + token, r
            assert r["headers"]["X-Client"] == "odp-tests", r
            assert r["headers"]["User-Agent"] == "odp/0.1", r
        assert failed.returncode == 1, failed.stderr
        for out in (p.stderr, failed.stderr):
            assert token not in out, out
        assert_no_secret_recorded(ctx, ident, token)
    finally:
        drop_dataset(ctx, ident)


def test_http_500_then_success_is_retried(ctx):
    ident = "test-http-retry"
    try:
        with fixture_server(ctx) as srv:
            publish_air(ctx, srv, ident, prefix="/_500/2", request_retries=3)
            statuses = [(r["path"], r["status"]) for r in srv.requests()]
        # Each of the three pages: two 500 answers, then the page.
        assert [s for _, s in statuses] == [500, 500, 200] * 3, statuses
        status, read, loaded, _, message = last_run(ctx, ident)
        assert (status, read, loaded) == ("succeeded", "11", "11"), message
    finally:
        drop_dataset(ctx, ident)


def test_http_429_waits_for_retry_after(ctx):
    ident = "test-http-429"
    try:
        with fixture_server(ctx) as srv:
            started = time.time()
            publish_air(ctx, srv, ident, prefix="/_429/1")
            elapsed = time.time() - started
            statuses = [r["status"] for r in srv.requests()]
        assert statuses == [429, 200, 200, 200], statuses
        # Retry-After: 1 wins over the 10 ms backoff of the tests.
        assert elapsed >= 1.0, elapsed
        assert last_run(ctx, ident)[0] == "succeeded"
    finally:
        drop_dataset(ctx, ident)


@contextlib.contextmanager
def environment(**variables):
    """Sets environment variables for the odp-etl runs within."""
    saved = {k: os.environ.get(k) for k in variables}
    os.environ.update(variables)
    try:
        yield
    finally:
        for k, v in saved.items():
            if v is None:
                del os.environ[k]
            else:
                os.environ[k] = v


def assert_air_run_fails(ctx, srv, source, expected):
    """Publishes the air dataset, then runs source over it: the run must
    fail with each of expected in its message and leave it served."""
    publish_air(ctx, srv)
    with http_job(AIR, source, key="id") as path, environment(**FAST):
        assert_failed_and_previous_served(ctx, AIR, path, expected)


def test_http_500_for_ever_fails_and_previous_version_stays(ctx):
    try:
        with fixture_server(ctx) as srv:
            url = srv.url("/_500/always/qualite-air/mesures")
            assert_air_run_fails(
                ctx, srv, air_job(srv, "/_500/always", request_retries=2),
                ['page 1 of "%s"' % url, "500 Internal Server Error",
                 "gave up after 3 attempts"])
            assert [r["status"] for r in srv.requests()][-3:] == [500] * 3
    finally:
        drop_dataset(ctx, AIR)


def test_http_html_instead_of_json_fails_clearly(ctx):
    try:
        with fixture_server(ctx) as srv:
            url = srv.url("/broken/html.json")
            assert_air_run_fails(
                ctx, srv, air_job(srv, url=url),
                ['page 2 of "%s"' % url, "answered text/html, not JSON"])
    finally:
        drop_dataset(ctx, AIR)


def test_http_invalid_json_fails_with_line_and_column(ctx):
    try:
        with fixture_server(ctx) as srv:
            url = srv.url("/broken/invalid.json")
            assert_air_run_fails(
                ctx, srv, air_job(srv, url=url),
                ['page 2 of "%s" is not valid JSON' % url, "line 15"])
    finally:
        drop_dataset(ctx, AIR)


def test_http_timeout_fails_after_the_retries(ctx):
    try:
        with fixture_server(ctx) as srv:
            started = time.time()
            assert_air_run_fails(
                ctx, srv, air_job(srv, "/_slow/3", request_timeout=1,
                                  request_retries=1),
                ["page 1 of", "no complete answer within 1 s",
                 "gave up after 2 attempts"])
            assert time.time() - started < 15
    finally:
        drop_dataset(ctx, AIR)


def test_http_next_link_loop_fails(ctx):
    try:
        with fixture_server(ctx) as srv:
            url = srv.url("/broken/loop.json")
            assert_air_run_fails(
                ctx, srv, air_job(srv, url=url),
                ['page 2 of "%s" leads back to page 1' % url,
                 "round in circles"])
    finally:
        drop_dataset(ctx, AIR)


def test_http_max_pages_bounds_the_paging(ctx):
    try:
        with fixture_server(ctx) as srv:
            source = air_job(srv)
            source["paging"]["max_pages"] = 2
            assert_air_run_fails(ctx, srv, source,
                                 ["has more than 2 pages", "paging.max_pages"])
            assert len(srv.requests()) == 3 + 2
    finally:
        drop_dataset(ctx, AIR)


def test_http_page_parameter_the_server_ignores_fails(ctx):
    try:
        with fixture_server(ctx) as srv:
            source = air_job(srv, paging={"type": "page", "param": "pageIndex",
                                          "start": 1})
            assert_air_run_fails(
                ctx, srv, source,
                ["page 2 of", "is the same as page 1",
                 'ignore query parameter "pageIndex"'])
    finally:
        drop_dataset(ctx, AIR)


def test_http_404_is_not_retried_and_a_literal_key_is_masked(ctx):
    try:
        with fixture_server(ctx) as srv:
            url = srv.url("/qualite-air/archives?apikey=cle-en-clair-1234")
            assert_air_run_fails(
                ctx, srv, air_job(srv, url=url),
                ["page 1 of", "/qualite-air/archives?apikey=***",
                 "the server answered 404 Not Found"])
            assert [r["status"] for r in srv.requests()] == [200] * 3 + [404]
        message = last_run(ctx, AIR)[4]
        assert "cle-en-clair" not in message, message
    finally:
        drop_dataset(ctx, AIR)


def test_http_unset_variable_fails_naming_it(ctx):
    try:
        with fixture_server(ctx) as srv:
            url = srv.url("/qualite-air/mesures?token=${ODP_TEST_UNSET_TOKEN}")
            assert_air_run_fails(
                ctx, srv, air_job(srv, url=url),
                ["environment variable ODP_TEST_UNSET_TOKEN is not set",
                 "token=${ODP_TEST_UNSET_TOKEN}"])
            assert len(srv.requests()) == 3   # only the publishing run's
    finally:
        drop_dataset(ctx, AIR)


def test_http_later_pages_reject_misfits_and_report_new_members(ctx):
    ident = "test-http-drift"
    try:
        with fixture_server(ctx) as srv:
            with http_job(ident, air_job(srv, url=srv.url("/broken/drift.json")),
                          key="id") as path:
                p = ctx.etl("run", path, env=FAST)
        assert p.returncode == 0, p.stderr
        status, read, loaded, rejected, message = last_run(ctx, ident)
        assert (status, read, loaded, rejected) == ("succeeded", "6", "4", "2"), message
        assert "feature 3: a value that is not an integer" in message, message
        assert "feature 5: a geometry that is not valid GeoJSON" in message, message
        # Page 2 has a member page 1 has not: left out, and said once.
        assert 'such as "commentaire"' in p.stderr, p.stderr
        assert "commentaire" not in column_types(ctx, current_table(ctx, ident))
        assert [r[0] for r in loaded_rows(ctx, ident)] == ["1", "2", "4", "6"]
    finally:
        drop_dataset(ctx, ident)
