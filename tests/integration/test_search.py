"""test_search.py: GET /datasets as a catalogue search: French full text
(accents folded, stemming, ranking), facet filters and counts, bbox,
modified_since, sort orders, paging, and the 400 answers.

Runs on the demo datasets plus a few datasets each test harvests for itself
(with the helpers of test_etl.py) and drops again.  Expected values come
from the database wherever they can.
"""

import os
import re
import shutil
import urllib.parse

from test_etl import DEMO, drop_dataset, temp_job
from test_api import assert_error_shape

PARKINGS = "parkings-grand-poitiers"
FACETS = ["theme", "keyword", "publisher", "format", "licence"]


def search(ctx, params=(), status=200, headers=None):
    """The answer to GET /datasets with params (pairs, or a dict)."""
    if isinstance(params, dict):
        params = list(params.items())
    path = "/datasets"
    if params:
        path += "?" + urllib.parse.urlencode(params)
    r = ctx.get(path, headers=headers)
    assert r.status == status, "GET %s: expected %d, got %d: %r" % (
        path, status, r.status, r.body[:300])
    return r.json()


def ids(doc):
    return [d["identifier"] for d in doc["datasets"]]


def published(ctx, where="true"):
    """Identifiers of the published datasets matching the SQL condition."""
    return sorted(r[0] for r in ctx.sql(
        "SELECT identifier FROM datasets WHERE current_version_id IS NOT NULL"
        " AND (%s)" % where))


def all_ids(ctx, params):
    """Every identifier the search finds, over as many pages as needed."""
    doc = search(ctx, list(params) + [("limit", "1000")])
    assert doc["total"] == len(doc["datasets"]), doc["total"]
    return ids(doc)


def harvest(ctx, ident, title, description, **changes):
    """Publishes a dataset of the demo parkings' rows with this text."""
    path = temp_job(ident, os.path.join(ctx.root, DEMO, "data", "parkings.geojson"),
                    title=title, description=description, key="id", **changes)
    try:
        p = ctx.etl("run", path)
    finally:
        shutil.rmtree(os.path.dirname(path))
    assert p.returncode == 0, p.stderr


def test_accented_and_unaccented_queries_find_the_same_datasets(ctx):
    for accented, plain, expected in (("mobilité", "mobilite", PARKINGS),
                                      ("éclairage", "eclairage", "eclairage-public"),
                                      ("Équipements", "equipements", "equipements-publics")):
        with_accents = all_ids(ctx, [("q", accented)])
        assert expected in with_accents, "%r found %r" % (accented, with_accents)
        for other in (plain, plain.upper(), accented.upper()):
            found = all_ids(ctx, [("q", other)])
            assert sorted(found) == sorted(with_accents), (
                "%r found %r, %r found %r" % (accented, with_accents, other, found))


def test_stemmed_form_finds_its_word(ctx):
    title = ctx.sql_value("SELECT title FROM datasets WHERE identifier = '%s'" % PARKINGS)
    assert "Parkings" in title, title
    for word in ("parking", "parkings", "PARKING"):
        assert PARKINGS in all_ids(ctx, [("q", word)]), word
    title = ctx.sql_value("SELECT title FROM datasets"
                          " WHERE identifier = 'equipements-publics'")
    assert "Équipements" in title, title
    for word in ("équipement", "equipement", "équipements"):
        assert "equipements-publics" in all_ids(ctx, [("q", word)]), word
    # A word that is in no dataset finds nothing.
    doc = search(ctx, {"q": "xylophonistes"})
    assert doc["total"] == 0 and doc["datasets"] == [], doc


def test_ranking_puts_a_title_match_before_a_description_match(ctx):
    # Identifiers in the opposite order of the expected ranking: equal
    # ranks would list the description match first.
    by_title, by_description = "test-search-zz-title", "test-search-aa-desc"
    try:
        harvest(ctx, by_title, "Inventaire des zygomorphes de Poitiers",
                "Relevé annuel des fleurs du jardin des plantes.")
        harvest(ctx, by_description, "Relevés botaniques du jardin des plantes",
                "Fleurs comptées chaque printemps, dont les zygomorphes "
                "et les actinomorphes.")
        for q in ("zygomorphe", "zygomorphes", "ZYGOMORPHES"):
            found = [i for i in ids(search(ctx, {"q": q}))
                     if i in (by_title, by_description)]
            assert found == [by_title, by_description], "%r ranked %r" % (q, found)
        doc = search(ctx, {"q": "zygomorphe"})
        assert doc["sort"] == "relevance", doc["sort"]
        # The same hits by title: "Inventaire" before "Relevés".
        doc = search(ctx, {"q": "zygomorphe", "sort": "-title"})
        assert ids(doc) == [by_description, by_title], ids(doc)
    finally:
        drop_dataset(ctx, by_title)
        drop_dataset(ctx, by_description)


def test_theme_labels_are_searched(ctx):
    transport = published(ctx, "'TRAN' = ANY (themes)")
    assert transport, "no demo dataset has the theme TRAN"
    found = all_ids(ctx, [("q", "transports")])
    assert set(transport) <= set(found), "q=transports found %r, TRAN has %r" % (
        found, transport)


def test_theme_labels_agree_with_the_vocabulary(ctx):
    with open(os.path.join(ctx.root, "catalog", "vocab.c"), encoding="utf-8") as f:
        source = f.read()
    in_c = dict(re.findall(r'THEME\("([A-Z]+)",\s*"([^"]*)"\)', source))
    assert len(in_c) >= 13, in_c
    in_sql = dict(ctx.sql("SELECT code, label FROM eu_theme_labels"))
    assert in_sql == in_c, "sql/007_search.sql and catalog/vocab.c disagree: %r vs %r" % (
        in_sql, in_c)


def test_local_theme_label_follows_its_changes(ctx):
    try:
        ctx.sql("INSERT INTO local_themes (code, label)"
                " VALUES ('test-quetzal', 'Quetzalcoatl sacré')")
        ctx.sql("UPDATE datasets SET local_themes = local_themes || 'test-quetzal'::text"
                " WHERE identifier = '%s'" % PARKINGS)
        assert all_ids(ctx, [("q", "quetzalcoatl")]) == [PARKINGS]
        doc = search(ctx, {"theme": "test-quetzal", "facet_limit": "500"})
        assert ids(doc) == [PARKINGS], ids(doc)
        labels = {v["value"]: v["label"] for v in doc["facets"]["theme"]}
        assert labels.get("test-quetzal") == "Quetzalcoatl sacré", labels
        ctx.sql("UPDATE local_themes SET label = 'Tlaloc' WHERE code = 'test-quetzal'")
        assert all_ids(ctx, [("q", "quetzalcoatl")]) == []
        assert all_ids(ctx, [("q", "tlaloc")]) == [PARKINGS]
    finally:
        ctx.sql("UPDATE datasets SET local_themes = array_remove(local_themes, 'test-quetzal')"
                " WHERE identifier = '%s'" % PARKINGS)
        ctx.sql("DELETE FROM local_themes WHERE code = 'test-quetzal'")
    assert all_ids(ctx, [("q", "tlaloc")]) == []


def assert_facet_counts(ctx, filters):
    """Each facet value's count, under filters, is the total of the list
    with that value as its facet's only filter (the other filters kept)."""
    doc = search(ctx, list(filters) + [("facet_limit", "500"), ("limit", "0")])
    assert set(doc["facets"]) == set(FACETS), sorted(doc["facets"])
    checked = 0
    for facet in FACETS:
        for v in doc["facets"][facet]:
            assert v["count"] > 0, v
            params = [(k, x) for k, x in filters if k != facet] + [(facet, v["value"])]
            total = search(ctx, params + [("limit", "0")])["total"]
            assert total == v["count"], "%s=%s counted %d under %r, its list has %d" % (
                facet, v["value"], v["count"], filters, total)
            checked += 1
    return doc, checked


def test_facet_counts_equal_the_totals_of_the_filtered_lists(ctx):
    doc, checked = assert_facet_counts(ctx, [])
    assert checked >= 10, doc["facets"]
    # Against the database, independently of the API.
    for kw in doc["facets"]["keyword"]:
        n = ctx.sql_value("SELECT count(*) FROM datasets WHERE current_version_id IS NOT NULL"
                          " AND %s = ANY (keywords)" % quote(kw["value"]))
        assert int(n) == kw["count"], (kw, n)
    for lic in doc["facets"]["licence"]:
        assert lic["label"], lic
    licences = [v["value"] for v in doc["facets"]["licence"]]
    assert sorted(licences) == sorted(set(r[0] for r in ctx.sql(
        "SELECT licence FROM datasets WHERE current_version_id IS NOT NULL"))), licences
    publishers = {v["value"]: v["label"] for v in doc["facets"]["publisher"]}
    for ident, name in ctx.sql("SELECT DISTINCT p.identifier, p.name FROM datasets d"
                               " JOIN publishers p ON p.id = d.publisher_id"
                               " WHERE d.current_version_id IS NOT NULL"):
        assert publishers.get(ident) == name, (ident, publishers)
    # Under a filter on one facet, then on two, then with a query.
    licence = doc["facets"]["licence"][0]["value"]
    theme = doc["facets"]["theme"][0]["value"]
    for filters in ([("licence", licence)],
                    [("licence", licence), ("theme", theme)],
                    [("q", "publics")], [("q", "publics"), ("theme", theme)]):
        assert_facet_counts(ctx, filters)


def quote(s):
    return "'" + s.replace("'", "''") + "'"


def test_filters_or_within_a_facet_and_across_facets(ctx):
    themes = [r[0] for r in ctx.sql(
        "SELECT DISTINCT unnest(themes) FROM datasets WHERE current_version_id IS NOT NULL"
        " ORDER BY 1")]
    assert len(themes) >= 2, themes
    a, b = themes[0], themes[-1]
    expected = published(ctx, "themes && ARRAY[%s, %s]" % (quote(a), quote(b)))
    assert sorted(all_ids(ctx, [("theme", a), ("theme", b)])) == expected
    licence = ctx.sql_value("SELECT licence FROM datasets WHERE identifier = '%s'" % PARKINGS)
    expected = published(ctx, "themes && ARRAY[%s, %s] AND licence = %s" % (
        quote(a), quote(b), quote(licence)))
    found = sorted(all_ids(ctx, [("theme", a), ("licence", licence), ("theme", b)]))
    assert found == expected, (found, expected)
    kw = ctx.sql_value("SELECT keywords[1] FROM datasets WHERE identifier = '%s'" % PARKINGS)
    assert PARKINGS in all_ids(ctx, [("keyword", kw)])
    pub = ctx.sql_value("SELECT p.identifier FROM datasets d JOIN publishers p"
                        " ON p.id = d.publisher_id WHERE d.identifier = '%s'" % PARKINGS)
    assert sorted(all_ids(ctx, [("publisher", pub)])) == published(
        ctx, "publisher_id = (SELECT id FROM publishers WHERE identifier = %s)" % quote(pub))
    fmt = ctx.sql_value("SELECT min(format) FROM distributions d JOIN datasets s"
                        " ON s.id = d.dataset_id WHERE s.current_version_id IS NOT NULL")
    if fmt:
        expected = published(ctx, "id IN (SELECT dataset_id FROM distributions"
                                  " WHERE format = %s)" % quote(fmt))
        assert sorted(all_ids(ctx, [("format", fmt.lower())])) == expected
    # No dataset has both a keyword and a made-up one: OR, not AND.
    assert PARKINGS in all_ids(ctx, [("keyword", kw), ("keyword", "zzz-none")])
    assert all_ids(ctx, [("keyword", "zzz-none")]) == []
    # Empty values are no filter (a form's empty field).
    assert search(ctx, [("theme", ""), ("q", " ")])["total"] == len(published(ctx))


def test_bbox_and_modified_since_filter(ctx):
    far = "test-search-lyon"
    try:
        harvest(ctx, far, "Bancs publics de Lyon", "Les bancs du parc de la Tête d'or.")
        ctx.sql("UPDATE datasets SET spatial = ST_MakeEnvelope(4.83, 45.76, 4.86, 45.79, 4326),"
                " modified = '2020-01-01T00:00:00Z' WHERE identifier = '%s'" % far)
        lyon = all_ids(ctx, [("bbox", "4.8,45.7,4.9,45.8")])
        assert lyon == [far], lyon
        poitiers = all_ids(ctx, [("bbox", "0.2,46.5,0.5,46.7")])
        assert far not in poitiers and sorted(poitiers) == published(
            ctx, "ST_Intersects(spatial, ST_MakeEnvelope(0.2, 46.5, 0.5, 46.7, 4326))"), poitiers
        assert PARKINGS in poitiers
        assert all_ids(ctx, [("bbox", "-60,10,-59,11")]) == []
        # Touching the box is enough: a dataset over the box's edge is in.
        assert all_ids(ctx, [("bbox", "4.85,45.70,4.95,45.77")]) == [far]

        for since, found in (("2019-12-31", True), ("2020-01-01", True),
                             ("2020-01-02", False),
                             ("2020-01-01T00:30:00+01:00", True),
                             ("2020-01-01T00:00:01Z", False),
                             ("2019-12-31 23:59:59.5", True)):
            got = all_ids(ctx, [("modified_since", since)])
            assert (far in got) == found, "modified_since=%s: %r" % (since, got)
            assert PARKINGS in got, since
        recent = ctx.sql_value("SELECT to_char(max(modified) AT TIME ZONE 'UTC',"
                               " 'YYYY-MM-DD\"T\"HH24:MI:SS.US\"Z\"') FROM datasets"
                               " WHERE current_version_id IS NOT NULL")
        assert sorted(all_ids(ctx, [("modified_since", recent)])) == published(
            ctx, "modified >= %s::timestamptz" % quote(recent))
        # Both filters at once: Lyon and since 2020, then since 2021.
        assert all_ids(ctx, [("bbox", "4.8,45.7,4.9,45.8"),
                             ("modified_since", "2020-01-01")]) == [far]
        assert all_ids(ctx, [("bbox", "4.8,45.7,4.9,45.8"),
                             ("modified_since", "2021-01-01")]) == []
    finally:
        drop_dataset(ctx, far)


def test_sort_orders(ctx):
    # French collation: É sorts with E, before P; in byte order it would
    # come after every ASCII letter.
    titles = dict(ctx.sql("SELECT identifier, title FROM datasets"
                          " WHERE current_version_id IS NOT NULL"))
    doc = search(ctx, {"sort": "title"})
    got = [d["title"] for d in doc["datasets"]]
    expected = sorted(titles.values(), key=lambda t: fold(t))
    assert got == expected, got
    assert ids(search(ctx, {"sort": "-title"})) == ids(doc)[::-1]
    by_modified = [r[0] for r in ctx.sql(
        "SELECT identifier FROM datasets WHERE current_version_id IS NOT NULL"
        " ORDER BY modified, identifier")]
    assert ids(search(ctx, {"sort": "modified"})) == by_modified
    newest_first = [r[0] for r in ctx.sql(
        "SELECT identifier FROM datasets WHERE current_version_id IS NOT NULL"
        " ORDER BY modified DESC, identifier")]
    assert ids(search(ctx, {"sort": "-modified"})) == newest_first
    default = search(ctx)
    assert default["sort"] == "identifier" and ids(default) == sorted(titles), ids(default)
    assert search(ctx, {"q": "publics"})["sort"] == "relevance"
    assert search(ctx, {"q": "publics", "sort": "title"})["sort"] == "title"


def fold(s):
    import unicodedata
    return "".join(c for c in unicodedata.normalize("NFD", s.lower())
                   if not unicodedata.combining(c))


def test_paging_with_total(ctx):
    everything = search(ctx, {"limit": "1000", "sort": "title"})
    n = everything["total"]
    assert n == len(published(ctx)) and n >= 3, n
    pages = []
    for offset in range(0, n + 2, 2):
        doc = search(ctx, {"limit": "2", "offset": str(offset), "sort": "title"})
        assert doc["total"] == n and doc["limit"] == 2 and doc["offset"] == offset, doc
        pages += ids(doc)
    assert pages == ids(everything), (pages, ids(everything))
    doc = search(ctx, {"q": "publics", "limit": "1", "offset": "1"})
    assert doc["total"] == len(all_ids(ctx, [("q", "publics")])) and len(doc["datasets"]) <= 1
    # Past the end: the total and the facets, no datasets.
    doc = search(ctx, {"offset": "1000"})
    assert doc["total"] == n and doc["datasets"] == [] and doc["facets"]["licence"], doc


def test_facet_limit_keeps_the_most_frequent_values(ctx):
    full = search(ctx, {"facet_limit": "500", "limit": "0"})["facets"]["keyword"]
    assert len(full) >= 3, full
    top = search(ctx, {"facet_limit": "2", "limit": "0"})["facets"]
    assert top["keyword"] == sorted(full, key=lambda v: (-v["count"], v["value"]))[:2]
    none = search(ctx, {"facet_limit": "0"})
    assert all(none["facets"][f] == [] for f in FACETS) and none["datasets"], none


def test_a_change_shows_in_the_next_search(ctx):
    # Answers are cached until the catalogue changes (api/cache.h).
    title = ctx.sql_value("SELECT title FROM datasets WHERE identifier = '%s'" % PARKINGS)
    r = ctx.get("/datasets?q=parkings")
    etag = r.headers.get("etag")
    assert r.status == 200 and etag, r.headers
    assert ctx.get("/datasets?q=parkings", {"If-None-Match": etag}).status == 304
    try:
        ctx.sql("UPDATE datasets SET title = 'Parkings de la capitale du Poitou'"
                " WHERE identifier = '%s'" % PARKINGS)
        doc = search(ctx, {"q": "parkings"})
        titles = {d["identifier"]: d["title"] for d in doc["datasets"]}
        assert titles.get(PARKINGS) == "Parkings de la capitale du Poitou", titles
        assert PARKINGS in all_ids(ctx, [("q", "capitale")])
        r = ctx.get("/datasets?q=parkings", {"If-None-Match": etag})
        assert r.status == 200 and r.headers.get("etag") != etag, r.status
    finally:
        ctx.sql("UPDATE datasets SET title = %s WHERE identifier = '%s'" % (
            quote(title), PARKINGS))
    assert all_ids(ctx, [("q", "capitale")]) == []


def test_a_publisher_renamed_shows_in_facets_and_etag(ctx):
    pub, name = ctx.sql("SELECT p.identifier, p.name FROM datasets d JOIN publishers p"
                        " ON p.id = d.publisher_id WHERE d.identifier = '%s'" % PARKINGS)[0]
    r = ctx.get("/datasets?facet_limit=500")
    etag = r.headers.get("etag")
    try:
        ctx.sql("UPDATE publishers SET name = 'Régie des parkings' WHERE identifier = %s"
                % quote(pub))
        r2 = ctx.get("/datasets?facet_limit=500", {"If-None-Match": etag})
        assert r2.status == 200 and r2.headers.get("etag") != etag, r2.status
        labels = {v["value"]: v["label"] for v in r2.json()["facets"]["publisher"]}
        assert labels[pub] == "Régie des parkings", labels
    finally:
        ctx.sql("UPDATE publishers SET name = %s WHERE identifier = %s" % (
            quote(name), quote(pub)))


def test_bad_parameters_are_400_naming_the_parameter(ctx):
    cases = [
        ("q=" + "a" * 201, "q"),
        ("q=le+la+de+et", "q"),
        ("q=%21%21+%3F", "q"),
        ("q=%FF%FE", "q"),
        ("q=a&q=b", "q"),
        ("sort=size", "sort"),
        ("sort=relevance", "sort"),
        ("sort=title&sort=modified", "sort"),
        ("theme=Not+A+Theme", "theme"),
        ("theme=XXXX", "theme"),
        ("theme=%00", "theme"),
        ("licence=mit", "licence"),
        ("format=c+s+v", "format"),
        ("keyword=" + "k" * 201, "keyword"),
        ("&".join("keyword=k%d" % i for i in range(21)), "keyword"),
        ("publisher", "publisher"),
        ("bbox=1,2,3", "bbox"),
        ("bbox=a,b,c,d", "bbox"),
        ("bbox=1,2,3,4,5", "bbox"),
        ("bbox=0,0,-1,1", "bbox"),
        ("bbox=0,1,1,1", "bbox"),
        ("bbox=0,-91,1,1", "bbox"),
        ("bbox=-181,0,1,1", "bbox"),
        ("bbox=nan,0,1,1", "bbox"),
        ("bbox=+1,+2,+3,+4", "bbox"),
        ("modified_since=2024-13-01", "modified_since"),
        ("modified_since=2023-02-29", "modified_since"),
        ("modified_since=yesterday", "modified_since"),
        ("modified_since=2024-01-01T25:00", "modified_since"),
        ("modified_since=2024-01-01T10:00:00%2B15:00", "modified_since"),
        ("modified_since=2024-1-1", "modified_since"),
        ("limit=1001", "limit"),
        ("offset=-1", "offset"),
        ("facet_limit=501", "facet_limit"),
        ("facet_limit=x", "facet_limit"),
    ]
    for query, name in cases:
        r = ctx.get("/datasets?" + query)
        assert r.status == 400, "%s: %d" % (query[:80], r.status)
        doc = assert_error_shape(r, 400, "bad_parameter")
        assert '"%s"' % name in doc["error"], "%s: error %r does not name %s" % (
            query[:80], doc["error"], name)
    # Leap day, offsets, fractions and a '+' sent unencoded are fine.
    for query in ("modified_since=2024-02-29", "modified_since=2024-02-29T10:00Z",
                  "modified_since=2024-02-29T10:00:00.123456-05:30",
                  "modified_since=2024-02-29T10:00:00+0100",
                  "bbox=-180,-90,180,90", "bbox=0.1,46,1e0,47"):
        r = ctx.get("/datasets?" + query)
        assert r.status == 200, "%s: %d %r" % (query, r.status, r.body[:200])
