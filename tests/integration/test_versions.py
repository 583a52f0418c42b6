"""test_versions.py: versions, change detection, schema drift, run history.

Each test harvests a dataset of its own (identifiers "test-ver-..."), made
from a copy of the demo's car parks that the test edits, and drops it at the
end, so that the demo stays three datasets.  Expected counts are computed
here from the edits made to the source, never copied from the program.
"""

import copy
import json
import os
import shutil
import subprocess
import tempfile

PARKINGS_SOURCE = os.path.join("etl", "jobs", "demo", "data", "parkings.geojson")


class Dataset:
    """A job file and its GeoJSON source in a temporary folder."""

    def __init__(self, ctx, ident, **job_keys):
        self.ctx = ctx
        self.ident = ident
        self.folder = tempfile.mkdtemp(prefix="odp-test-")
        with open(os.path.join(ctx.root, PARKINGS_SOURCE)) as f:
            self.doc = json.load(f)
        self.job = {
            "identifier": ident,
            "title": "Jeu de test " + ident,
            "description": "Un jeu de données créé par les tests des versions.",
            "publisher": {"identifier": "tests", "name": "Tests"},
            "licence": "etalab-2.0",
            "key": "id",
            "source": {"kind": "gdal", "path": "parkings.geojson"},
        }
        self.job.update(job_keys)
        self.path = os.path.join(self.folder, ident + ".json")

    @property
    def features(self):
        return self.doc["features"]

    def run(self):
        """Writes the job and the source, runs the job; the CompletedProcess."""
        with open(self.path, "w") as f:
            json.dump(self.job, f, ensure_ascii=False)
        with open(os.path.join(self.folder, "parkings.geojson"), "w") as f:
            json.dump(self.doc, f, ensure_ascii=False)
        return self.ctx.etl("run", "--no-progress", self.path)

    def publish(self):
        """Runs the job, which must publish a new version; its id."""
        before = self.current_version()
        p = self.run()
        assert p.returncode == 0, p.stderr
        version = self.current_version()
        assert version is not None and version != before, (before, version, p.stderr)
        return version

    def current_version(self):
        v = self.ctx.sql_value("SELECT current_version_id FROM datasets"
                               " WHERE identifier = '%s'" % self.ident)
        return int(v) if v else None

    def last_run(self):
        (run,) = self.ctx.sql(
            "SELECT r.id, r.status, coalesce(r.message, '') FROM job_runs r"
            " JOIN jobs j ON j.id = r.job_id WHERE j.identifier = '%s'"
            " ORDER BY r.id DESC LIMIT 1" % self.ident)
        return int(run[0]), run[1], run[2]

    def drop(self):
        ident = self.ident
        for (table,) in self.ctx.sql(
                "SELECT v.table_name FROM dataset_versions v JOIN datasets d"
                " ON d.id = v.dataset_id WHERE d.identifier = '%s'" % ident):
            self.ctx.sql('DROP TABLE IF EXISTS data."%s"' % table)
        self.ctx.sql("""
            UPDATE datasets SET current_version_id = NULL WHERE identifier = '%(i)s';
            DELETE FROM dataset_versions WHERE dataset_id IN
              (SELECT id FROM datasets WHERE identifier = '%(i)s');
            DELETE FROM job_runs WHERE job_id IN
              (SELECT id FROM jobs WHERE identifier = '%(i)s');
            DELETE FROM jobs WHERE identifier = '%(i)s';
            DELETE FROM distributions WHERE dataset_id IN
              (SELECT id FROM datasets WHERE identifier = '%(i)s');
            DELETE FROM datasets WHERE identifier = '%(i)s';""" % {"i": ident})
        shutil.rmtree(self.folder, ignore_errors=True)


def get_json(ctx, path, status=200):
    r = ctx.get(path)
    assert r.status == status, "GET %s: expected %d, got %d: %r" % (
        path, status, r.status, r.body[:300])
    return r, r.json()


def assert_error(ctx, path, status, code):
    r = ctx.get(path)
    assert r.status == status, "GET %s: expected %d, got %d: %r" % (
        path, status, r.status, r.body[:300])
    doc = r.json()
    assert set(doc) == {"code", "error", "detail"}, doc
    assert doc["code"] == code, (path, doc)
    assert not doc["error"].endswith(".") and doc["detail"].endswith("."), doc
    return doc


def records_by_id(ctx, ident, version=None):
    path = "/datasets/%s/records?limit=10000" % ident
    if version is not None:
        path += "&version=%d" % version
    r, doc = get_json(ctx, path)
    return r, {rec["id"]: rec["properties"] for rec in doc["records"]}


def test_new_version_counts_rows_added_removed_and_changed(ctx):
    ds = Dataset(ctx, "test-ver-counts")
    try:
        v1 = ds.publish()
        old = copy.deepcopy(ds.features)
        # The edits: one record goes, two change, one comes.
        removed_id = ds.features[0]["properties"]["id"]
        del ds.features[0]
        changed_ids = []
        for f in ds.features[:2]:
            f["properties"]["Places libres"] += 1
            changed_ids.append(f["properties"]["id"])
        added = copy.deepcopy(ds.features[-1])
        added["properties"]["id"] = "PKG-NEW"
        ds.features.append(added)
        old_ids = {f["properties"]["id"] for f in old}
        new_ids = {f["properties"]["id"] for f in ds.features}
        expected = (len(new_ids - old_ids), len(old_ids - new_ids), len(changed_ids))
        assert expected == (1, 1, 2)

        v2 = ds.publish()
        _, status, message = ds.last_run()
        assert status == "succeeded", (status, message)
        assert "since version %d: 1 added, 1 removed, 2 changed" % v1 in message, message

        _, doc = get_json(ctx, "/datasets/%s/versions" % ds.ident)
        assert doc["dataset"] == ds.ident and doc["total"] == 2, doc
        assert doc["limit"] == 20 and doc["offset"] == 0, doc
        newest, oldest = doc["versions"]
        assert [newest["version"], oldest["version"]] == [v2, v1], doc["versions"]
        assert (newest["state"], oldest["state"]) == ("published", "retired")
        got = (newest["rows_added"], newest["rows_removed"], newest["rows_changed"])
        assert got == expected, (got, expected)
        assert newest["record_count"] == len(ds.features), newest
        assert newest["schema_changes"] == [], newest
        # The first version added every record.
        assert (oldest["rows_added"], oldest["rows_removed"], oldest["rows_changed"]) \
            == (len(old), 0, 0), oldest
        for v in doc["versions"]:
            assert v["published_at"].endswith("Z") and len(v["checksum"]) == 64, v
            assert v["links"]["records"].endswith(
                "/datasets/%s/records?version=%d" % (ds.ident, v["version"])), v
        assert newest["checksum"] != oldest["checksum"]

        _, doc = get_json(ctx, "/datasets/%s/versions?limit=1&offset=1" % ds.ident)
        assert doc["total"] == 2 and [v["version"] for v in doc["versions"]] == [v1], doc
    finally:
        ds.drop()


def test_retired_version_stays_queryable_with_its_old_values(ctx):
    ds = Dataset(ctx, "test-ver-old-values")
    try:
        v1 = ds.publish()
        first = ds.features[0]["properties"]
        old_free = first["Places libres"]
        first["Places libres"] = old_free + 5
        v2 = ds.publish()

        r, current = records_by_id(ctx, ds.ident)
        assert r.headers.get("etag") == '"v%d"' % v2, r.headers
        assert current[first["id"]]["places_libres"] == old_free + 5
        r, old = records_by_id(ctx, ds.ident, v1)
        assert r.headers.get("etag") == '"v%d"' % v1, r.headers
        assert r.json()["version"] == v1
        assert old[first["id"]]["places_libres"] == old_free, old[first["id"]]
        r = ctx.get("/datasets/%s/records?version=%d" % (ds.ident, v1),
                    headers={"If-None-Match": '"v%d"' % v1})
        assert r.status == 304, r.status

        r = ctx.get("/datasets/%s/records.geojson?version=%d" % (ds.ident, v1))
        assert r.status == 200 and r.headers.get("etag") == '"v%d"' % v1, r.status
        features = {f["id"]: f for f in json.loads(r.body)["features"]}
        assert len(features) == len(ds.features)
        assert features[first["id"]]["properties"]["places_libres"] == old_free
    finally:
        ds.drop()


def test_versions_beyond_keep_versions_are_dropped(ctx):
    keep = 2
    ds = Dataset(ctx, "test-ver-keep", keep_versions=keep)
    try:
        versions = []
        for i in range(keep + 2):
            ds.features[0]["properties"]["Places libres"] = 100 + i
            versions.append(ds.publish())
        _, doc = get_json(ctx, "/datasets/%s/versions" % ds.ident)
        listed = [v["version"] for v in doc["versions"]]
        assert doc["total"] == keep and listed == versions[::-1][:keep], (listed, versions)
        kept_rows = ctx.sql(
            "SELECT count(*) FROM dataset_versions v JOIN datasets d ON d.id ="
            " v.dataset_id WHERE d.identifier = '%s'" % ds.ident)[0][0]
        assert kept_rows == str(keep), kept_rows
        for gone in versions[:-keep]:
            assert ctx.sql_value(
                "SELECT count(*) FROM pg_tables WHERE schemaname = 'data'"
                " AND tablename LIKE 'd%%\\_v%d'" % gone) == "0", gone
            doc = assert_error(ctx, "/datasets/%s/records?version=%d" % (ds.ident, gone),
                               404, "version_not_found")
            assert str(gone) in doc["error"], doc
            assert_error(ctx, "/datasets/%s/records.geojson?version=%d" % (ds.ident, gone),
                         404, "version_not_found")
        # The oldest version kept still has its own values.
        _, old = records_by_id(ctx, ds.ident, versions[-keep])
        first_id = ds.features[0]["properties"]["id"]
        assert old[first_id]["places_libres"] == 100 + len(versions) - keep, old[first_id]
        # keep_versions counts the published version: with 1, no old one.
        ds.job["keep_versions"] = 1
        ds.features[0]["properties"]["Places libres"] = 1
        last = ds.publish()
        _, doc = get_json(ctx, "/datasets/%s/versions" % ds.ident)
        assert [v["version"] for v in doc["versions"]] == [last], doc
    finally:
        ds.drop()


def test_retyped_column_is_named_in_the_run_and_on_the_version(ctx):
    ds = Dataset(ctx, "test-ver-retyped")
    try:
        ds.publish()
        ds.features[0]["properties"]["Places libres"] = "complet"
        v2 = ds.publish()
        run_id, status, message = ds.last_run()
        assert status == "succeeded", (status, message)
        assert 'column "places_libres" retyped from integer to text' in message, message
        change = {"column": "places_libres", "change": "retyped",
                  "old_type": "integer", "new_type": "text"}
        _, run = get_json(ctx, "/datasets/%s/runs/%d" % (ds.ident, run_id))
        assert run["schema_changes"] == [change], run
        assert any("places_libres" in w for w in run["warnings"]), run["warnings"]
        _, doc = get_json(ctx, "/datasets/%s/versions" % ds.ident)
        assert doc["versions"][0]["version"] == v2
        assert doc["versions"][0]["schema_changes"] == [change], doc["versions"][0]
        # The values read the same as text: only the edited record changed.
        assert doc["versions"][0]["rows_changed"] == 1, doc["versions"][0]
    finally:
        ds.drop()


def test_schema_policy_fail_refuses_the_change_and_keeps_the_version(ctx):
    ds = Dataset(ctx, "test-ver-policy", schema_policy="fail")
    try:
        v1 = ds.publish()
        original = copy.deepcopy(ds.features)
        _, before = records_by_id(ctx, ds.ident)
        for f in ds.features:
            del f["properties"]["Places PMR"]
        ds.features[0]["properties"]["Places libres"] = "complet"
        p = ds.run()
        assert p.returncode == 1, (p.returncode, p.stderr)
        run_id, status, message = ds.last_run()
        assert status == "failed", (status, message)
        for text in ('schema_policy is "fail"',
                     'column "places_libres" retyped from integer to text',
                     'column "places_pmr" removed (it was integer)',
                     "previous version stays published"):
            assert text in message, (text, message)
            assert text in p.stderr, (text, p.stderr)
        assert ds.current_version() == v1
        _, after = records_by_id(ctx, ds.ident)
        assert after == before
        leftovers = ctx.sql_value(
            "SELECT count(*) FROM dataset_versions v JOIN datasets d ON d.id ="
            " v.dataset_id WHERE d.identifier = '%s' AND v.id <> %d" % (ds.ident, v1))
        assert leftovers == "0", leftovers

        _, doc = get_json(ctx, "/datasets/%s/runs" % ds.ident)
        assert doc["total"] == 2, doc
        failed, first = doc["runs"]
        assert failed["id"] == run_id and failed["status"] == "failed", failed
        assert failed["message"] == message and failed["version"] is None, failed
        assert {"column": "places_pmr", "change": "removed", "old_type": "integer",
                "new_type": None} in failed["schema_changes"], failed
        assert first["status"] == "succeeded" and first["version"] == v1, first
        assert failed["started_at"] >= first["started_at"]

        # Under "fail" an added column is refused too: it may carry data
        # nobody meant to publish.
        ds.doc["features"] = copy.deepcopy(original)
        for f in ds.features:
            f["properties"]["Gestionnaire"] = "Régie"
        p = ds.run()
        assert p.returncode == 1, p.stderr
        _, status, message = ds.last_run()
        assert status == "failed" and 'column "gestionnaire" added (text)' in message, message
        assert ds.current_version() == v1
        # "accept" publishes it, and says so.
        ds.job["schema_policy"] = "accept"
        v2 = ds.publish()
        _, status, message = ds.last_run()
        assert 'column "gestionnaire" added (text)' in message, message
        _, doc = get_json(ctx, "/datasets/%s/runs?limit=2" % ds.ident)
        assert doc["total"] == 4 and doc["limit"] == 2, doc
        assert [r["status"] for r in doc["runs"]] == ["succeeded", "failed"], doc
        assert doc["runs"][0]["version"] == v2, doc["runs"][0]
    finally:
        ds.drop()


def test_runs_of_a_dataset_never_published_are_listed(ctx):
    ident = "test-ver-never"
    ds = Dataset(ctx, ident)
    ds.job["source"]["path"] = "missing.geojson"
    try:
        p = ds.run()
        assert p.returncode == 1, p.stderr
        assert_error(ctx, "/datasets/" + ident, 404, "dataset_not_found")
        _, doc = get_json(ctx, "/datasets/%s/runs" % ident)
        assert doc["total"] == 1, doc
        run = doc["runs"][0]
        assert run["status"] == "failed" and "missing.geojson" in run["message"], run
        assert run["finished_at"] and run["rows_loaded"] == 0, run
        _, one = get_json(ctx, "/datasets/%s/runs/%d" % (ident, run["id"]))
        assert one["message"] == run["message"] and one["rejects"] == [], one
        _, doc = get_json(ctx, "/datasets/%s/versions" % ident)
        assert doc["total"] == 0 and doc["versions"] == [], doc
        for bad in ("abc", "-1", "999999999999", "1e3", "99999999999999999999"):
            assert_error(ctx, "/datasets/%s/runs/%s" % (ident, bad), 404,
                         "run_not_found")
    finally:
        ds.drop()
    for path in ("/datasets/no-such-dataset/runs", "/datasets/no-such-dataset/versions",
                 "/datasets/no-such-dataset/runs/1"):
        assert_error(ctx, path, 404, "dataset_not_found")


def test_rejected_rows_are_kept_with_their_reason(ctx):
    ident = "test-ver-rejects"
    folder = tempfile.mkdtemp(prefix="odp-test-")
    n_good, n_bad = 3, 150
    bad_features = []
    with open(os.path.join(folder, "mesures.csv"), "w") as f:
        f.write("id;valeur;lat;lon\n")
        feature = 0
        for i in range(n_good + n_bad):
            feature += 1
            if i < n_good:
                f.write("M%03d;%d;46,58;0,34\n" % (i, i))
            else:
                f.write("M%03d;%d;46,58;loin\n" % (i, i))
                bad_features.append(feature)
    job = {
        "identifier": ident, "title": "Rejets", "description": "Des rejets.",
        "publisher": {"identifier": "tests", "name": "Tests"},
        "licence": "etalab-2.0", "key": "id",
        "source": {"kind": "gdal", "path": "mesures.csv", "x": "lon", "y": "lat"},
    }
    path = os.path.join(folder, ident + ".json")
    with open(path, "w") as f:
        json.dump(job, f)
    ds = Dataset(ctx, ident)
    try:
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        run_id, status, message = ds.last_run()
        assert status == "succeeded", (status, message)
        _, run = get_json(ctx, "/datasets/%s/runs/%d" % (ident, run_id))
        assert run["rows_rejected"] == n_bad and run["rows_loaded"] == n_good, run
        rejects = run["rejects"]
        assert len(rejects) == 100, len(rejects)
        assert [r["feature"] for r in rejects] == bad_features[:100], rejects[:3]
        for r in rejects:
            assert r["reason"] == "a coordinate that is not a number", r
        first = rejects[0]["values"]
        assert first["id"] == "M%03d" % n_good and first["valeur"] == str(n_good), first
        assert "rejected features: %d; GET /datasets/%s/runs/%d lists the first 100" \
            % (n_bad, ident, run_id) in run["warnings"][0], run["warnings"]
        assert "feature %d: a coordinate that is not a number" % bad_features[0] in message
        # The list does not carry the rejects; the run does.
        _, doc = get_json(ctx, "/datasets/%s/runs" % ident)
        assert "rejects" not in doc["runs"][0], doc["runs"][0]
    finally:
        ds.drop()
        shutil.rmtree(folder, ignore_errors=True)


def test_version_and_paging_parameters_are_checked(ctx):
    ds = Dataset(ctx, "test-ver-params")
    other = Dataset(ctx, "test-ver-params-other")
    try:
        version = ds.publish()
        other_version = other.publish()
        other_run, _, _ = other.last_run()
        ident = ds.ident
        for path, param in (
                ("/datasets/%s/records?version=abc" % ident, "version"),
                ("/datasets/%s/records?version=0" % ident, "version"),
                ("/datasets/%s/records.geojson?version=1.5" % ident, "version"),
                ("/datasets/%s/versions?limit=x" % ident, "limit"),
                ("/datasets/%s/versions?offset=-1" % ident, "offset"),
                ("/datasets/%s/runs?limit=1001" % ident, "limit")):
            doc = assert_error(ctx, path, 400, "bad_parameter")
            assert '"%s"' % param in doc["error"], (path, doc)
        # Another dataset's version or run is not this dataset's.
        assert_error(ctx, "/datasets/%s/records?version=%d" % (ident, other_version),
                     404, "version_not_found")
        assert_error(ctx, "/datasets/%s/runs/%d" % (ident, other_run), 404,
                     "run_not_found")
        assert_error(ctx, "/datasets/no-such-dataset/records?version=%d" % version,
                     404, "dataset_not_found")
        r, doc = get_json(ctx, "/datasets/%s/records?version=%d&limit=1" % (ident, version))
        assert doc["version"] == version and r.headers.get("etag") == '"v%d"' % version
        assert len(doc["records"]) == 1, doc
    finally:
        ds.drop()
        other.drop()


def test_reharvest_compares_rows_as_read_and_sends_only_a_new_version(ctx):
    """A run whose rows are the published version's, read again from a
    file of other bytes, sends the database nothing; a difference
    anywhere (first block of 10,000 rows, a later one, a row added at the
    end) sends every row all the same, and the new version is right."""
    from test_exports import assert_download_matches_catalogue
    ds = Dataset(ctx, "test-ver-hold", key="code")
    ds.doc = {"type": "FeatureCollection", "features": [
        {"type": "Feature", "properties": {"code": "C%05d" % i, "n": i},
         "geometry": {"type": "Point", "coordinates": [0.3 + i * 1e-6, 46.5]}}
        for i in range(25000)]}

    def run(indent=None, env=None, fsize_kb=None):
        with open(ds.path, "w") as f:
            json.dump(ds.job, f)
        with open(os.path.join(ds.folder, "parkings.geojson"), "w") as f:
            json.dump(ds.doc, f, indent=indent)
        wal = ctx.sql_value("SELECT pg_current_wal_lsn()")
        if fsize_kb:  # a spool that stops growing while the rows are held
            p = subprocess.run(
                ["bash", "-c", 'ulimit -f %d; trap "" XFSZ; exec "$0" run '
                 '--no-progress "$1"' % fsize_kb, ctx.etl_path, ds.path],
                cwd=ctx.root, env=ctx.env(env), capture_output=True, text=True,
                timeout=300)
        else:
            p = ctx.etl("run", "--no-progress", ds.path, env=env)
        assert p.returncode == 0, p.stderr
        written = int(ctx.sql_value(
            "SELECT pg_wal_lsn_diff(pg_current_wal_lsn(), '%s')" % wal))
        _, status, message = ds.last_run()
        return status, message, written

    def n_of(code):
        return ctx.sql_value("SELECT n FROM data.%s WHERE _id = '%s'" % (
            ctx.sql_value("SELECT v.table_name FROM datasets d JOIN"
                          " dataset_versions v ON v.id = d.current_version_id"
                          " WHERE d.identifier = '%s'" % ds.ident), code))

    try:
        status, _, loaded = run()
        assert status == "succeeded"
        for indent in (1, 2):
            status, message, written = run(indent)
            assert status == "unchanged", message
            assert "nothing was written to the database" in message, message
            # The run's own records, not 25,000 rows and their index.
            assert written < loaded / 10, (written, loaded)
        for change, expect in (
                (lambda f: f[17000]["properties"].update(n=-1), "0 added, 0 removed, 1 changed"),
                (lambda f: f[3]["properties"].update(n=-2), "0 added, 0 removed, 1 changed"),
                (lambda f: f.append({"type": "Feature", "properties": {"code": "Z", "n": 7},
                                     "geometry": None}), "1 added, 0 removed, 0 changed")):
            change(ds.features)
            status, message, _ = run(3)
            assert status == "succeeded" and expect in message, message
            assert_download_matches_catalogue(ctx, ds.ident)
        assert (n_of("C17000"), n_of("C00003"), n_of("Z")) == ("-1", "-2", "7")
        # Without a spool nothing is held: same rows, loaded and found
        # unchanged; a spool that breaks while the rows are held sends
        # what it kept, then the rest.
        status, message, _ = run(4, {"TMPDIR": os.path.join(ds.folder, "missing")})
        assert status == "unchanged" and "nothing was written" not in message, message
        ds.features[24000]["properties"]["n"] = -3
        status, message, _ = run(5, fsize_kb=300)
        assert status == "succeeded" and "0 added, 0 removed, 1 changed" in message, message
        assert n_of("C24000") == "-3"
        assert_download_matches_catalogue(ctx, ds.ident)
    finally:
        ds.drop()
