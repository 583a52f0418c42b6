"""test_api.py: what reusers rely on in odp-api, checked against the catalogue.

Runs after the three demo datasets are harvested (parkings-grand-poitiers,
eclairage-public, equipements-publics).  Expected values come from the
database through ctx.sql() wherever they can, so that the tests follow the
demo data instead of guessing it.  Each test_* function takes the runner's
ctx (get, sql, base_url, restart_api, stop_api, start_api) and fails by
raising; ctx.request(method, path, headers, body) serves the methods other
than GET.
"""

import json

DEMO_IDS = ["eclairage-public", "equipements-publics", "parkings-grand-poitiers"]
PARKINGS = "parkings-grand-poitiers"

# The licence vocabulary of catalog/vocab.c: code -> IRI.
LICENCE_IRIS = {
    "etalab-2.0": "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
    "odbl-1.0": "https://opendatacommons.org/licenses/odbl/1-0/",
    "cc-by-4.0": "https://creativecommons.org/licenses/by/4.0/",
    "cc0-1.0": "https://creativecommons.org/publicdomain/zero/1.0/",
}

# Grand Poitiers, generously: a layer left in Lambert-93 or with swapped
# axes falls far outside.
POITIERS_LON = (0.2, 0.5)
POITIERS_LAT = (46.5, 46.7)
TERRITORY_LON = (-0.5, 1.0)
TERRITORY_LAT = (46.0, 47.0)


def sql_one(ctx, query):
    rows = ctx.sql(query)
    assert len(rows) == 1, "expected one row from %r, got %r" % (query, rows)
    return rows[0]


def quote_literal(s):
    return "'" + s.replace("'", "''") + "'"


def quote_ident(s):
    return '"' + s.replace('"', '""') + '"'


def current_version(ctx, ident):
    """(version id, record_count, quoted data table) of a published dataset."""
    version, count, table = sql_one(
        ctx,
        "SELECT d.current_version_id, d.record_count, v.table_name"
        " FROM datasets d JOIN dataset_versions v ON v.id = d.current_version_id"
        " WHERE d.identifier = " + quote_literal(ident),
    )
    return int(version), int(count), "data." + quote_ident(table)


def column_names(ctx, version):
    rows = ctx.sql(
        "SELECT name FROM dataset_columns WHERE version_id = %d ORDER BY position"
        % version
    )
    return [r[0] for r in rows]


def get_json(ctx, path, status=200, headers=None):
    r = ctx.get(path, headers=headers)
    assert r.status == status, "GET %s: expected %d, got %d: %r" % (
        path,
        status,
        r.status,
        r.body[:300],
    )
    return r, r.json()


def raw_request(ctx, method, path, body=None):
    """(status, headers with lowercase keys, body) for any method."""
    r = ctx.request(method, path, body=body)
    return r.status, r.headers, r.body


def assert_error_shape(r, status, code):
    assert r.status == status, "expected %d, got %d: %r" % (status, r.status, r.body[:300])
    ctype = r.headers.get("content-type", "")
    assert ctype.startswith("application/json"), "error answer has Content-Type %r" % ctype
    doc = r.json()
    assert set(doc) == {"code", "error", "detail"}, "error keys are %r" % sorted(doc)
    assert doc["code"] == code, "expected code %r, got %r" % (code, doc["code"])
    assert doc["error"] and doc["error"] == doc["error"].strip(), "empty error message"
    assert not doc["error"].endswith("."), "error message ends with a period: %r" % doc["error"]
    assert doc["detail"].endswith("."), "detail is not a sentence: %r" % doc["detail"]
    return doc


def in_range(v, bounds):
    return bounds[0] <= v <= bounds[1]


def all_positions(geometry):
    """Every [x, y] of a GeoJSON geometry."""
    if geometry is None:
        return []
    if geometry["type"] == "GeometryCollection":
        return [p for g in geometry["geometries"] for p in all_positions(g)]
    out, stack = [], [geometry["coordinates"]]
    while stack:
        c = stack.pop()
        if c and isinstance(c[0], (int, float)):
            out.append(c)
        else:
            stack.extend(c)
    return out


def test_health_reports_database_ok(ctx):
    r, doc = get_json(ctx, "/health")
    assert doc == {"status": "ok", "database": "ok"}, "health answered %r" % doc
    assert r.headers.get("content-type", "").startswith("application/json")


def test_datasets_lists_the_published_demo_datasets(ctx):
    published = [r[0] for r in ctx.sql(
        "SELECT identifier FROM datasets WHERE current_version_id IS NOT NULL"
        " ORDER BY identifier")]
    assert published == DEMO_IDS, "demo harvest published %r" % published
    r, doc = get_json(ctx, "/datasets")
    assert doc["total"] == 3, "total is %r" % doc["total"]
    assert doc["limit"] == 20 and doc["offset"] == 0, "default paging %r" % doc
    ids = [d["identifier"] for d in doc["datasets"]]
    assert ids == published, "listed %r, catalogue has %r" % (ids, published)
    for d in doc["datasets"]:
        assert d["title"] and d["licence"]["code"], "summary lacks title or licence: %r" % d


def test_datasets_paging_with_limit_and_offset(ctx):
    _, doc = get_json(ctx, "/datasets?limit=1&offset=1")
    assert doc["total"] == 3 and doc["limit"] == 1 and doc["offset"] == 1, doc
    assert [d["identifier"] for d in doc["datasets"]] == [DEMO_IDS[1]], doc["datasets"]
    _, doc = get_json(ctx, "/datasets?limit=5&offset=10")
    assert doc["total"] == 3 and doc["datasets"] == [], "page past the end: %r" % doc
    _, doc = get_json(ctx, "/datasets?limit=0")
    assert doc["total"] == 3 and doc["datasets"] == [], "limit=0: %r" % doc


def test_dataset_metadata_matches_the_catalogue(ctx):
    for ident in DEMO_IDS:
        version, count, table = current_version(ctx, ident)
        title, licence = sql_one(
            ctx,
            "SELECT title, licence FROM datasets WHERE identifier = " + quote_literal(ident),
        )
        r, doc = get_json(ctx, "/datasets/" + ident)
        assert doc["identifier"] == ident
        assert doc["title"] == title, "%s: title %r, catalogue %r" % (ident, doc["title"], title)
        assert doc["version"] == version, "%s: version %r, catalogue %d" % (ident, doc["version"], version)
        assert doc["licence"]["code"] == licence
        assert doc["licence"]["iri"] == LICENCE_IRIS.get(licence), "%s: licence %r" % (ident, doc["licence"])
        assert doc["record_count"] == count, "%s: record_count %r, catalogue %d" % (ident, doc["record_count"], count)
        (n_rows,) = sql_one(ctx, "SELECT count(*) FROM " + table)
        assert doc["record_count"] == int(n_rows), "%s: record_count %r, table has %s rows" % (ident, doc["record_count"], n_rows)
        names = [c["name"] for c in doc["columns"]]
        assert names == column_names(ctx, version), "%s: columns %r" % (ident, names)
        for c in doc["columns"]:
            assert set(c) == {"name", "source_name", "label", "type"}, c
            assert c["type"] in ("integer", "real", "text", "date", "timestamp", "boolean"), c
        for key in ("issued", "modified"):
            v = doc[key]
            assert v is None or (len(v) == 20 and v[10] == "T" and v.endswith("Z")), "%s: %s %r" % (ident, key, v)


def test_dataset_extent_and_links(ctx):
    _, doc = get_json(ctx, "/datasets/" + PARKINGS)
    bbox = doc["extent"]["bbox"]
    assert len(bbox) == 4 and bbox[0] <= bbox[2] and bbox[1] <= bbox[3], bbox
    assert in_range(bbox[0], POITIERS_LON) and in_range(bbox[2], POITIERS_LON), bbox
    assert in_range(bbox[1], POITIERS_LAT) and in_range(bbox[3], POITIERS_LAT), bbox
    links = doc["links"]
    assert links["self"].endswith("/datasets/" + PARKINGS), links
    assert links["records"] == links["self"] + "/records", links
    assert links["geojson"] == links["self"] + "/records.geojson", links
    for url in links.values():
        assert url.startswith("http://") or url.startswith("https://"), url


def test_records_page_follows_load_order(ctx):
    version, count, table = current_version(ctx, PARKINGS)
    r, doc = get_json(ctx, "/datasets/%s/records?limit=2&offset=1" % PARKINGS)
    assert r.headers.get("content-type", "").startswith("application/json")
    assert doc["dataset"] == PARKINGS and doc["version"] == version, doc
    assert doc["total"] == count and doc["limit"] == 2 and doc["offset"] == 1, doc
    expected = [row[0] for row in ctx.sql(
        "SELECT _id FROM %s ORDER BY _rownum LIMIT 2 OFFSET 1" % table)]
    assert [rec["id"] for rec in doc["records"]] == expected, doc["records"]
    for rec in doc["records"]:
        assert set(rec) == {"id", "properties", "geometry"}, rec
    _, doc = get_json(ctx, "/datasets/%s/records" % PARKINGS)
    assert doc["limit"] == 100 and len(doc["records"]) == min(100, count), len(doc["records"])


def test_records_properties_keep_column_order_and_types(ctx):
    version, count, table = current_version(ctx, PARKINGS)
    names = column_names(ctx, version)
    assert "nom" in names and "capacite" in names, "parkings columns are %r" % names
    _, doc = get_json(ctx, "/datasets/%s/records?limit=10000" % PARKINGS)
    assert len(doc["records"]) == count
    capacities = []
    for rec in doc["records"]:
        props = rec["properties"]
        assert list(props) == names, "property order %r, columns %r" % (list(props), names)
        v = props["capacite"]
        assert v is None or (isinstance(v, int) and not isinstance(v, bool)), "capacite %r" % (v,)
        capacities.append(v)
    assert any(v is not None for v in capacities), "no capacite at all"
    db_names = [r[0] for r in ctx.sql("SELECT coalesce(nom, '') FROM %s ORDER BY _rownum" % table)]
    assert [rec["properties"]["nom"] or "" for rec in doc["records"]] == db_names, "nom differs from the table (accents?)"
    db_caps = [r[0] for r in ctx.sql("SELECT coalesce(capacite::text, '') FROM %s ORDER BY _rownum" % table)]
    assert ["" if v is None else str(v) for v in capacities] == db_caps, "capacite differs from the table"


def test_records_geojson_is_a_complete_feature_collection(ctx):
    version, count, _ = current_version(ctx, PARKINGS)
    r = ctx.get("/datasets/%s/records.geojson" % PARKINGS)
    assert r.status == 200, r.status
    assert r.headers.get("content-type", "").startswith("application/geo+json"), r.headers
    assert r.headers.get("etag") == '"v%d"' % version, r.headers.get("etag")
    doc = json.loads(r.body)
    assert doc["type"] == "FeatureCollection", doc.get("type")
    assert len(doc["features"]) == count, "%d features, record_count %d" % (len(doc["features"]), count)
    n_points = 0
    for f in doc["features"]:
        assert f["type"] == "Feature" and "id" in f and "properties" in f, f
        for lon, lat in (p[:2] for p in all_positions(f["geometry"])):
            n_points += 1
            assert in_range(lon, POITIERS_LON) and in_range(lat, POITIERS_LAT), (
                "feature %s at (%r, %r) is outside Poitiers (lon, lat order?)" % (f["id"], lon, lat))
    assert n_points > 0, "no feature has a geometry"


def test_records_geojson_of_every_demo_dataset_is_in_wgs84(ctx):
    for ident in DEMO_IDS:
        _, count, _ = current_version(ctx, ident)
        r = ctx.get("/datasets/%s/records.geojson" % ident)
        assert r.status == 200, "%s: %d" % (ident, r.status)
        features = json.loads(r.body)["features"]
        assert len(features) == count, "%s: %d features, record_count %d" % (ident, len(features), count)
        for f in features:
            for lon, lat in (p[:2] for p in all_positions(f["geometry"])):
                assert in_range(lon, TERRITORY_LON) and in_range(lat, TERRITORY_LAT), (
                    "%s: feature %s at (%r, %r) is not EPSG:4326 lon/lat around Poitiers" % (ident, f["id"], lon, lat))


def test_records_geojson_limit_and_offset(ctx):
    _, _, table = current_version(ctx, PARKINGS)
    expected = [row[0] for row in ctx.sql("SELECT _id FROM %s ORDER BY _rownum LIMIT 2 OFFSET 1" % table)]
    r = ctx.get("/datasets/%s/records.geojson?limit=2&offset=1" % PARKINGS)
    assert r.status == 200, r.status
    assert [f["id"] for f in json.loads(r.body)["features"]] == expected


def test_etag_is_the_version_and_if_none_match_gives_304(ctx):
    version, _, _ = current_version(ctx, PARKINGS)
    for path in ("/datasets/" + PARKINGS, "/datasets/%s/records?limit=1" % PARKINGS,
                 "/datasets/%s/records.geojson" % PARKINGS):
        r = ctx.get(path)
        etag = r.headers.get("etag") or ""
        # Records: the version.  The dataset's own page: the version and a
        # digest, since its metadata and quality change between versions.
        if path == "/datasets/" + PARKINGS:
            assert etag.startswith('"v%d-' % version), "%s: ETag %r" % (path, etag)
        else:
            assert etag == '"v%d"' % version, "%s: ETag %r" % (path, etag)
        assert r.status == 200, "%s: %d" % (path, r.status)
        assert "no-cache" in r.headers.get("cache-control", ""), r.headers
        r = ctx.get(path, headers={"If-None-Match": etag})
        assert r.status == 304, "%s with If-None-Match: %d" % (path, r.status)
        assert r.body == b"", "%s: 304 with a body %r" % (path, r.body[:100])
        assert r.headers.get("etag") == etag
        r = ctx.get(path, headers={"If-None-Match": '"v%d"' % (version + 1000)})
        assert r.status == 200, "%s with a stale ETag: %d" % (path, r.status)


def test_dataset_etag_changes_with_its_metadata(ctx):
    """A title edited in the job file changes GET /datasets/{id} without a
    new version: a client holding the old ETag must get the new answer."""
    before = ctx.get("/datasets/" + PARKINGS)
    etag = before.headers.get("etag")
    ctx.sql("UPDATE datasets SET description = description || ' ' "
            "WHERE identifier = '%s'" % PARKINGS)
    try:
        r = ctx.get("/datasets/" + PARKINGS, headers={"If-None-Match": etag})
        assert r.status == 200, "stale ETag %s answered %d" % (etag, r.status)
        assert r.headers.get("etag") != etag
    finally:
        ctx.sql("UPDATE datasets SET description = rtrim(description) "
                "WHERE identifier = '%s'" % PARKINGS)


def test_head_answers_like_get_without_body(ctx):
    for path in ("/health", "/datasets/" + PARKINGS, "/datasets/%s/records.geojson" % PARKINGS):
        status, headers, body = raw_request(ctx, "HEAD", path)
        assert status == 200 and body == b"", "HEAD %s: %d, %d bytes" % (path, status, len(body))
        assert headers.get("content-type"), "HEAD %s: no Content-Type" % path


def test_bad_parameters_are_400_naming_the_parameter(ctx):
    cases = [
        ("/datasets?limit=abc", "limit"),
        ("/datasets?limit=-1", "limit"),
        ("/datasets?limit=1001", "limit"),
        ("/datasets?offset=x", "offset"),
        ("/datasets/%s/records?limit=abc" % PARKINGS, "limit"),
        ("/datasets/%s/records?limit=-1" % PARKINGS, "limit"),
        ("/datasets/%s/records?limit=10001" % PARKINGS, "limit"),
        ("/datasets/%s/records?offset=x" % PARKINGS, "offset"),
        ("/datasets/%s/records?limit=1e3" % PARKINGS, "limit"),
        ("/datasets/%s/records?limit=%%2010" % PARKINGS, "limit"),
        ("/datasets/%s/records.geojson?limit=10001" % PARKINGS, "limit"),
        ("/datasets/%s/records.geojson?offset=-5" % PARKINGS, "offset"),
    ]
    for path, param in cases:
        doc = assert_error_shape(ctx.get(path), 400, "bad_parameter")
        assert ('"%s"' % param) in doc["error"] or param in doc["detail"], "%s: %r" % (path, doc)
    doc = assert_error_shape(ctx.get("/datasets/%s/records?limit=abc" % PARKINGS), 400, "bad_parameter")
    assert "abc" in doc["detail"], "detail does not quote the value: %r" % doc
    _, doc = get_json(ctx, "/datasets?limit=2&unknown=zzz")
    assert len(doc["datasets"]) == 2, "an unknown parameter changed the answer: %r" % doc


def test_unknown_dataset_is_404_naming_it(ctx):
    for path in ("/datasets/no-such-dataset", "/datasets/no-such-dataset/records",
                 "/datasets/no-such-dataset/records.geojson", "/datasets/Not%20Valid"):
        doc = assert_error_shape(ctx.get(path), 404, "dataset_not_found")
        assert "no-such-dataset" in doc["error"] or "Not" in doc["error"], doc


def test_unknown_path_is_404(ctx):
    for path in ("/nope", "/datasets/%s/nope" % PARKINGS, "/datasets/", "/"):
        assert_error_shape(ctx.get(path), 404, "not_found")


def test_post_is_405(ctx):
    for path, body in (("/datasets", None), ("/health", b"x=1"),
                       ("/datasets/%s/records" % PARKINGS, b"{}")):
        status, headers, raw = raw_request(ctx, "POST", path, body)
        assert status == 405, "POST %s: %d" % (path, status)
        assert "GET" in headers.get("allow", ""), "POST %s: Allow %r" % (path, headers.get("allow"))
        doc = json.loads(raw)
        assert doc["code"] == "method_not_allowed" and doc["error"] and doc["detail"], doc


def test_health_is_503_when_the_database_is_unreachable(ctx):
    try:
        ctx.restart_api(env={"ODP_DATABASE_URL": "host=/nonexistent port=1 dbname=x"})
        doc = assert_error_shape(ctx.get("/health"), 503, "database_unavailable")
        assert "connect" in doc["error"], doc
        assert_error_shape(ctx.get("/datasets"), 503, "database_unavailable")
        assert_error_shape(ctx.get("/datasets/%s/records.geojson" % PARKINGS), 503, "database_unavailable")
    finally:
        ctx.restart_api()
    _, doc = get_json(ctx, "/health")
    assert doc["database"] == "ok", doc
