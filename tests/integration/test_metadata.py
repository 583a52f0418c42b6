"""test_metadata.py: a job file's DCAT metadata and the catalogue file.

`odp-etl validate` names the allowed values of every typo; etl/catalog.json
lands in the catalogue and local_themes tables at migrate and run; a run
writes the declared metadata of its job into datasets, publishers and
distributions (kind 'declared'), and computes the temporal coverage from
the column a job names.  Datasets made here are named "test-meta-..." and
dropped at the end, so that the demo stays three datasets.
"""

import contextlib
import datetime
import functools
import http.server
import json
import os
import shutil
import tempfile
import threading
import zoneinfo

from test_etl import drop_dataset, last_run, temp_job

DEMO = os.path.join("etl", "jobs", "demo")
PARKINGS_SOURCE = os.path.join(DEMO, "data", "parkings.geojson")
CATALOG = os.path.join("etl", "catalog.json")
PARIS = zoneinfo.ZoneInfo("Europe/Paris")


def write_json(folder, name, doc):
    path = os.path.join(folder, name)
    with open(path, "w") as f:
        json.dump(doc, f, ensure_ascii=False)
    return path


def catalog_doc(ctx):
    with open(os.path.join(ctx.root, CATALOG)) as f:
        return json.load(f)


def parkings_job(ctx, ident, **keys):
    """A job over a copy of the demo's car parks, its folder and source."""
    path = temp_job(ident, os.path.join(ctx.root, PARKINGS_SOURCE), key="id",
                    **keys)
    return path, os.path.dirname(path)


def rewrite_job(path, **changes):
    with open(path) as f:
        job = json.load(f)
    for k, v in changes.items():
        if v is None:
            job.pop(k, None)
        else:
            job[k] = v
    with open(path, "w") as f:
        json.dump(job, f, ensure_ascii=False)


def dataset_row(ctx, ident, columns):
    rows = ctx.sql("SELECT %s FROM datasets WHERE identifier = '%s'"
                   % (columns, ident))
    assert len(rows) == 1, rows
    return rows[0]


@contextlib.contextmanager
def file_server(folder):
    """Serves folder on a loopback port; yields the base URL."""
    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    srv = http.server.ThreadingHTTPServer(
        ("127.0.0.1", 0), functools.partial(Quiet, directory=folder))
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    try:
        yield "http://127.0.0.1:%d" % srv.server_address[1]
    finally:
        srv.shutdown()
        srv.server_close()


def test_validate_names_the_allowed_values_of_each_typo(ctx):
    path = temp_job(
        "test-meta-typos", "/nonexistent/x.geojson",
        publisher={"identifier": "tests", "name": "Tests",
                   "type": "LocalAuthorithy"},
        licence="etalab", themes=["TRANS"], frequency="mensuel",
        access_rights="public", languages=["FR"],
        spatial_uris=["http://id.insee.fr/geo/epci/24860041"],
        landing_page="www.grandpoitiers.fr",
        hvd={"categories": ["transport"]},
        distributions=[{"identifier": "notice", "title": "Notice",
                        "url": "https://example.org/notice.pdf",
                        "format": "pdf"}])
    try:
        p = ctx.etl("validate", path)
        assert p.returncode == 3, (p.returncode, p.stdout, p.stderr)
        expected = [
            ("$.publisher.type", 'unknown publisher type "LocalAuthorithy"; '
             "expected one of: LocalAuthority, RegionalAuthority"),
            ("$.licence", 'unknown licence "etalab"; expected one of: '
             "etalab-2.0, odbl-1.0, cc-by-4.0, cc0-1.0"),
            ("$.themes[0]", 'unknown theme "TRANS"; expected one of: AGRI'),
            ("$.frequency", 'unknown frequency "mensuel"; expected one of: '
             "continuous, hourly, daily, weekly, monthly"),
            ("$.access_rights", 'unknown access right "public"; expected '
             "one of: PUBLIC, RESTRICTED, NON_PUBLIC"),
            ("$.languages[0]", 'unknown language "FR"; expected one of: '
             "FRA, ENG"),
            ("$.spatial_uris[0]", '"http://id.insee.fr/geo/epci/24860041" is '
             "not an INSEE geographic URI; expected "
             "http://id.insee.fr/geo/commune/CODE"),
            ("$.landing_page", '"www.grandpoitiers.fr" is not a web address'),
            ("$.hvd.categories[0]", 'unknown HVD category "transport"; '
             "expected one of: geospatial, earth-observation"),
            ("$.distributions[0].format", 'unknown file type "pdf"; '
             "expected one of: CSV, TSV, GEOJSON"),
        ]
        for json_path, message in expected:
            line = "%s: %s: %s" % (path, json_path, message)
            assert line in p.stderr, "no %r in:\n%s" % (line, p.stderr)
        assert ": ok" not in p.stdout, p.stdout
    finally:
        shutil.rmtree(os.path.dirname(path))


def test_local_themes_are_the_codes_of_the_catalogue_file(ctx):
    path = temp_job("test-meta-themes", "/nonexistent/x.geojson",
                    local_themes=["mobilite", "velo"])
    folder = os.path.dirname(path)
    try:
        codes = [t["code"] for t in catalog_doc(ctx)["local_themes"]]
        assert "mobilite" in codes and "velo" not in codes, codes
        p = ctx.etl("validate", path)
        assert p.returncode == 3, p.stderr
        assert ('$.local_themes[1]: unknown local theme "velo"; expected '
                "one of the codes of etl/catalog.json: " + ", ".join(codes)
                in p.stderr), p.stderr
        # The run refuses it too, before reading anything.
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 3 and "velo" in p.stderr, (p.returncode, p.stderr)
        assert ctx.sql_value("SELECT count(*) FROM datasets"
                             " WHERE identifier = 'test-meta-themes'") == "0"
        # Another catalogue file (ODP_CATALOG) with the theme accepts it.
        doc = catalog_doc(ctx)
        doc["local_themes"].append({"code": "velo", "label": "Vélo"})
        other = write_json(folder, "catalog.json", doc)
        p = ctx.etl("validate", path, env={"ODP_CATALOG": other})
        assert p.returncode == 0 and p.stdout.strip() == path + ": ok", p.stderr
    finally:
        shutil.rmtree(folder)


def test_an_invalid_catalogue_file_is_reported_by_validate_run_and_migrate(ctx):
    folder = tempfile.mkdtemp(prefix="odp-test-")
    try:
        doc = catalog_doc(ctx)
        doc["licence"] = "licence-ouverte"
        doc["publisher"]["type"] = "Collectivite"
        doc["homepage"] = "data.grandpoitiers.fr"
        del doc["title"]
        bad = write_json(folder, "catalog.json", doc)
        env = {"ODP_CATALOG": bad}
        for args in (["validate", os.path.join(DEMO, "eclairage-public.json")],
                     ["run", "--no-progress",
                      os.path.join(DEMO, "eclairage-public.json")],
                     ["migrate"]):
            p = ctx.etl(*args, env=env)
            assert p.returncode == 3, (args, p.returncode, p.stderr)
            for line in ("$.title: missing key",
                         '$.licence: unknown licence "licence-ouverte"',
                         '$.publisher.type: unknown publisher type '
                         '"Collectivite"; expected one of: LocalAuthority',
                         '$.homepage: "data.grandpoitiers.fr" is not a web '
                         "address"):
                assert "%s: %s" % (bad, line) in p.stderr, (args, line, p.stderr)
    finally:
        shutil.rmtree(folder)


def test_migrate_writes_the_catalogue_file_once(ctx):
    doc = catalog_doc(ctx)
    p = ctx.etl("migrate")
    assert p.returncode == 0, p.stderr
    title, description, homepage, languages, licence, spatial, pub, ptype = \
        ctx.sql("SELECT c.title, c.description, c.homepage,"
                " array_to_string(c.languages, ','), c.licence,"
                " array_to_string(c.spatial_uris, ','), p.identifier, p.type"
                " FROM catalogue c JOIN publishers p ON p.id = c.publisher_id")[0]
    assert (title, description, homepage, licence) == (
        doc["title"], doc["description"], doc["homepage"], doc["licence"])
    assert languages.split(",") == doc["languages"], languages
    assert spatial.split(",") == doc["spatial_uris"], spatial
    assert (pub, ptype) == (doc["publisher"]["identifier"],
                            doc["publisher"]["type"])
    themes = ctx.sql("SELECT code, label, coalesce(description, '')"
                     " FROM local_themes ORDER BY code")
    assert themes == sorted((t["code"], t["label"], t.get("description", ""))
                            for t in doc["local_themes"]), themes
    # Again: nothing is rewritten (same row versions).
    before = ctx.sql("SELECT xmin::text FROM catalogue UNION ALL"
                     " SELECT xmin::text FROM local_themes UNION ALL"
                     " SELECT xmin::text FROM publishers")
    p = ctx.etl("migrate")
    assert p.returncode == 0, p.stderr
    after = ctx.sql("SELECT xmin::text FROM catalogue UNION ALL"
                    " SELECT xmin::text FROM local_themes UNION ALL"
                    " SELECT xmin::text FROM publishers")
    assert before == after, (before, after)


def test_run_updates_the_catalogue_from_another_file(ctx):
    folder = tempfile.mkdtemp(prefix="odp-test-")
    try:
        doc = catalog_doc(ctx)
        doc["title"] = "Catalogue de test"
        doc["local_themes"].append({"code": "test-theme", "label": "Essai",
                                    "description": "Un thème des tests."})
        other = write_json(folder, "catalog.json", doc)
        p = ctx.etl("run", "--no-progress",
                    os.path.join(DEMO, "equipements-publics.json"),
                    env={"ODP_CATALOG": other})
        assert p.returncode == 0, p.stderr
        assert ctx.sql_value("SELECT title FROM catalogue") == "Catalogue de test"
        assert ctx.sql("SELECT label, description FROM local_themes"
                       " WHERE code = 'test-theme'") == [
            ("Essai", "Un thème des tests.")]
    finally:
        shutil.rmtree(folder)
        p = ctx.etl("migrate")
        assert p.returncode == 0, p.stderr
    # Back to etl/catalog.json: its title, and the theme it has not is gone.
    assert ctx.sql_value("SELECT title FROM catalogue") == catalog_doc(ctx)["title"]
    codes = sorted(r[0] for r in ctx.sql("SELECT code FROM local_themes"))
    assert codes == sorted(t["code"] for t in catalog_doc(ctx)["local_themes"]), codes


def test_a_job_refers_to_the_catalogue_publisher_without_rewriting_it(ctx):
    ident = "test-meta-publisher"
    pub = catalog_doc(ctx)["publisher"]
    path, folder = parkings_job(
        ctx, ident, publisher={"identifier": pub["identifier"],
                               "name": "Grand Poitiers (autre nom)",
                               "type": "RegionalAuthority"})
    try:
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        assert ctx.sql("SELECT p.name, p.type FROM datasets d JOIN publishers p"
                       " ON p.id = d.publisher_id WHERE d.identifier = '%s'"
                       % ident) == [(pub["name"], pub["type"])]
        # Any other publisher is the job's to describe.
        rewrite_job(path, publisher={"identifier": "test-meta-pub",
                                     "name": "Syndicat des eaux",
                                     "type": "NonProfitOrganisation"})
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        assert ctx.sql("SELECT name, type, coalesce(email, '') FROM publishers"
                       " WHERE identifier = 'test-meta-pub'") == [
            ("Syndicat des eaux", "NonProfitOrganisation", "")]
    finally:
        drop_dataset(ctx, ident)
        ctx.sql("DELETE FROM publishers WHERE identifier = 'test-meta-pub'")
        shutil.rmtree(folder)


def test_demo_metadata_lands_in_datasets_and_publishers(ctx):
    for name in sorted(os.listdir(os.path.join(ctx.root, DEMO))):
        if not name.endswith(".json"):
            continue
        with open(os.path.join(ctx.root, DEMO, name)) as f:
            job = json.load(f)
        ident = job["identifier"]
        row = dataset_row(
            ctx, ident,
            "contact_name, contact_email, contact_url,"
            " array_to_json(local_themes), access_rights,"
            " array_to_json(languages), array_to_json(spatial_uris),"
            " landing_page, documentation, temporal_column,"
            " temporal_start IS NOT NULL AND temporal_end IS NOT NULL")
        contact = job["contact"]
        assert row[:3] == (contact["name"], contact["email"], contact["url"]), row
        assert json.loads(row[3]) == job["local_themes"], row
        assert row[4] == job["access_rights"], row
        assert json.loads(row[5]) == job["languages"], row
        assert json.loads(row[6]) == job["spatial_uris"], row
        assert row[7:9] == (job["landing_page"], job["documentation"]), row
        column = ctx.sql_value(
            "SELECT c.name FROM dataset_columns c JOIN datasets d"
            " ON d.current_version_id = c.version_id"
            " WHERE d.identifier = '%s' AND (c.name = '%s' OR c.source_name = '%s')"
            % (ident, job["temporal"]["column"].replace("'", "''"),
               job["temporal"]["column"].replace("'", "''")))
        assert column and row[9] == column, (ident, row[9], column)
        assert row[10] == "t", (ident, "no temporal coverage")
        pub = job["publisher"]
        assert ctx.sql("SELECT name, homepage, email, type FROM publishers"
                       " WHERE identifier = '%s'" % pub["identifier"]) == [
            (pub["name"], pub["homepage"], pub["email"], pub["type"])]


def test_temporal_coverage_is_computed_from_the_named_column(ctx):
    ident = "test-meta-temporal"
    path, folder = parkings_job(ctx, ident, temporal={"column": "Mise à jour"})
    source = os.path.join(folder, "parkings.geojson")
    try:
        with open(source) as f:
            doc = json.load(f)
        for ft in doc["features"]:
            ft["properties"]["Mise à jour"] = "2025-01-15T12:00:00+01:00"
        # Dates count in Paris time: the first is 29 February in UTC, the
        # last 30 June in UTC.
        doc["features"][0]["properties"]["Mise à jour"] = "2024-03-01T00:30:00+01:00"
        doc["features"][1]["properties"]["Mise à jour"] = "2025-06-30T23:30:00+00:00"
        doc["features"][2]["properties"]["Mise à jour"] = None
        with open(source, "w") as f:
            json.dump(doc, f, ensure_ascii=False)
        dates = [datetime.datetime.fromisoformat(ft["properties"]["Mise à jour"])
                 .astimezone(PARIS).date().isoformat()
                 for ft in doc["features"] if ft["properties"]["Mise à jour"]]
        expected = (min(dates), max(dates))
        assert expected == ("2024-03-01", "2025-07-01"), expected
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        start, end, column = dataset_row(
            ctx, ident, "temporal_start, temporal_end, temporal_column")
        assert (start, end) == expected, (start, end, expected)
        assert column == "mise_a_jour", column

        # Declared dates replace the computed ones, with the same data.
        rewrite_job(path, temporal={"start": "2019-01-01", "end": "2019-12-31"})
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        assert last_run(ctx, ident)[0] == "unchanged"
        assert dataset_row(ctx, ident, "temporal_start, temporal_end,"
                           " coalesce(temporal_column, '')") == (
            "2019-01-01", "2019-12-31", "")

        # Back to the column: computed again though the data did not change.
        rewrite_job(path, temporal={"column": "mise_a_jour"})
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        assert last_run(ctx, ident)[0] == "unchanged"
        assert dataset_row(ctx, ident, "temporal_start, temporal_end") == expected

        # No temporal key: no coverage.
        rewrite_job(path, temporal=None)
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        assert dataset_row(ctx, ident, "temporal_start IS NULL,"
                           " temporal_end IS NULL") == ("t", "t")
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(folder)


def test_a_wrong_temporal_column_fails_the_run_clearly(ctx):
    ident = "test-meta-temporal-bad"
    path, folder = parkings_job(ctx, ident, temporal={"column": "date_maj"})
    try:
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 1, (p.returncode, p.stderr)
        status, _, _, _, message = last_run(ctx, ident)
        assert status == "failed", status
        assert 'temporal column "date_maj" is not a column of the data; the ' \
               "columns are: id, nom, adresse" in message, message
        rewrite_job(path, temporal={"column": "Capacité"})
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 1, (p.returncode, p.stderr)
        message = last_run(ctx, ident)[4]
        assert 'temporal column "Capacité" holds integer values; expected a ' \
               "date or timestamp column" in message, message
        assert ctx.sql_value("SELECT current_version_id FROM datasets"
                             " WHERE identifier = '%s'" % ident) == "", \
            "a failed run published"
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(folder)


def declared_rows(ctx, ident):
    return ctx.sql(
        "SELECT x.identifier, x.position, x.title, x.url, x.format,"
        " x.media_type, coalesce(x.description, ''),"
        " coalesce(x.conforms_to, ''), coalesce(x.path, '')"
        " FROM distributions x JOIN datasets d ON d.id = x.dataset_id"
        " WHERE d.identifier = '%s' AND x.kind = 'declared'"
        " ORDER BY x.position" % ident)


def test_declared_distributions_become_rows_in_the_job_order(ctx):
    ident = "test-meta-declared"
    files = tempfile.mkdtemp(prefix="odp-files-")
    for name in ("notice.pdf", "plan.pdf", "archive.zip"):
        with open(os.path.join(files, name), "wb") as f:
            f.write(b"%PDF-1.4 test " + name.encode())
    with file_server(files) as base:
        notice = {"identifier": "notice", "title": "Notice du jeu",
                  "url": base + "/notice.pdf", "format": "PDF",
                  "description": "Ce que veut dire chaque colonne."}
        archive = {"identifier": "archive", "title": "Archive 2023",
                   "url": base + "/archive.zip", "format": "ZIP",
                   "media_type": "application/zip",
                   "conforms_to": "https://schema.data.gouv.fr/etalab/"
                                  "schema-stationnement/"}
        path, folder = parkings_job(ctx, ident, distributions=[archive, notice])
        try:
            p = ctx.etl("run", "--no-progress", path)
            assert p.returncode == 0, p.stderr
            rows = declared_rows(ctx, ident)
            assert rows == [
                ("archive", "1", "Archive 2023", base + "/archive.zip", "ZIP",
                 "application/zip", "", archive["conforms_to"], ""),
                ("notice", "2", "Notice du jeu", base + "/notice.pdf", "PDF",
                 "application/pdf", notice["description"], "", ""),
            ], rows
            ids = dict(ctx.sql(
                "SELECT x.identifier, x.id FROM distributions x JOIN datasets d"
                " ON d.id = x.dataset_id WHERE d.identifier = '%s'" % ident))
            # The exports stay beside the declared ones.
            assert set(ids) - {"archive", "notice"} and all(
                k.startswith("records") for k in set(ids) - {"archive", "notice"}), ids

            # Reordered, one removed, one added, a URL changed: the rows
            # follow; a kept row keeps its id (its identifier is stable).
            ctx.sql("UPDATE distributions SET reachable = true,"
                    " checked_at = now() WHERE identifier = 'notice'")
            plan = {"identifier": "plan", "title": "Plan",
                    "url": base + "/plan.pdf", "format": "PDF"}
            rewrite_job(path, distributions=[notice, plan])
            p = ctx.etl("run", "--no-progress", path)
            assert p.returncode == 0, p.stderr
            rows = declared_rows(ctx, ident)
            assert [(r[0], r[1]) for r in rows] == [("notice", "1"), ("plan", "2")], rows
            new_ids = dict(ctx.sql(
                "SELECT x.identifier, x.id FROM distributions x JOIN datasets d"
                " ON d.id = x.dataset_id WHERE d.identifier = '%s'" % ident))
            assert new_ids["notice"] == ids["notice"], (ids, new_ids)
            assert "archive" not in new_ids, new_ids
            assert ctx.sql_value("SELECT reachable FROM distributions"
                                 " WHERE identifier = 'notice'") == "t", \
                "an unchanged URL lost its link check"
            checked = ctx.sql_value("SELECT checked_at::text FROM distributions"
                                    " WHERE identifier = 'notice'")
            notice["url"] = base + "/plan.pdf"
            rewrite_job(path, distributions=[notice, plan])
            p = ctx.etl("run", "--no-progress", path)
            assert p.returncode == 0, p.stderr
            # A new URL forgets the last check (a link check of this run,
            # if any, is newer).
            assert ctx.sql(
                "SELECT url, checked_at IS NULL OR checked_at > '%s'"
                " FROM distributions WHERE identifier = 'notice'" % checked
            ) == [(base + "/plan.pdf", "t")]
            # None left in the job: none left in the catalogue.
            rewrite_job(path, distributions=None)
            p = ctx.etl("run", "--no-progress", path)
            assert p.returncode == 0, p.stderr
            assert declared_rows(ctx, ident) == []
        finally:
            drop_dataset(ctx, ident)
            shutil.rmtree(folder)
            shutil.rmtree(files)


def test_metadata_changes_do_not_touch_modified(ctx):
    ident = "test-meta-modified"
    path, folder = parkings_job(ctx, ident)
    try:
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        modified, issued = dataset_row(ctx, ident, "modified::text, issued::text")
        rewrite_job(path, title="Un autre titre",
                    contact={"email": "sig@grandpoitiers.fr"},
                    languages=["FRA", "ENG"])
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        assert last_run(ctx, ident)[0] == "unchanged"
        assert dataset_row(ctx, ident, "title, contact_email,"
                           " array_to_string(languages, ','), modified::text,"
                           " issued::text") == (
            "Un autre titre", "sig@grandpoitiers.fr", "FRA,ENG", modified, issued)
        # A change of content does move it.
        source = os.path.join(folder, "parkings.geojson")
        with open(source) as f:
            doc = json.load(f)
        doc["features"][0]["properties"]["Places libres"] += 1
        with open(source, "w") as f:
            json.dump(doc, f, ensure_ascii=False)
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        new_modified, new_issued = dataset_row(ctx, ident,
                                               "modified::text, issued::text")
        assert new_modified > modified and new_issued == issued, (
            modified, new_modified)
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(folder)
