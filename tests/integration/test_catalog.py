"""test_catalog.py: the DCAT-AP catalogue as harvesters read it.

GET /catalog (Accept), /catalog.ttl|.jsonld|.rdf, ?page= and ?page_size=,
and /datasets/{id}.ttl|.jsonld|.rdf, checked with real clients:

- the official DCAT-AP 3.0.1 SHACL shapes (tests/shacl/, run by
  tests/shacl/validate.mjs with the npm package rdf-validate-shacl): zero
  violations on every page, recommended warnings counted and printed;
- rdflib (Debian's python3-rdflib) for the three serialisations, which
  must parse into isomorphic graphs, and for a harvester walking the RDF/XML
  pages through hydra:next the way the data.gouv.fr harvester (udata) does,
  then downloading every dcat:downloadURL.

Runs after the demo datasets are harvested; expected values come from the
database.  rdflib is imported from Debian's python3-rdflib even when the
runner's python3 is another build of the same language version.
"""

import hashlib
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile

try:
    import rdflib
except ImportError:   # a python3 other than Debian's: use Debian's package
    sys.path.append("/usr/lib/python3/dist-packages")
    import rdflib
from rdflib import RDF, BNode, Literal, Namespace, URIRef
from rdflib.compare import isomorphic

from test_api import DEMO_IDS, assert_error_shape
from test_etl import DEMO, drop_dataset, temp_job

DCAT = Namespace("http://www.w3.org/ns/dcat#")
DCT = Namespace("http://purl.org/dc/terms/")
FOAF = Namespace("http://xmlns.com/foaf/0.1/")
SKOS = Namespace("http://www.w3.org/2004/02/skos/core#")
SPDX = Namespace("http://spdx.org/rdf/terms#")
HYDRA = Namespace("http://www.w3.org/ns/hydra/core#")
VCARD = Namespace("http://www.w3.org/2006/vcard/ns#")
GEO = Namespace("http://www.opengis.net/ont/geosparql#")
XSD = Namespace("http://www.w3.org/2001/XMLSchema#")
LOCN = Namespace("http://www.w3.org/ns/locn#")
IANA = "https://www.iana.org/assignments/media-types/"

FORMATS = {   # Accept / Content-Type -> rdflib parser
    "text/turtle": "turtle",
    "application/ld+json": "json-ld",
    "application/rdf+xml": "xml",
}
EXTENSIONS = {".ttl": "text/turtle", ".jsonld": "application/ld+json",
              ".rdf": "application/rdf+xml"}


def published(ctx):
    return [r[0] for r in ctx.sql(
        "SELECT identifier FROM datasets WHERE current_version_id IS NOT NULL"
        " ORDER BY identifier")]


def fetch(ctx, path, accept=None, status=200):
    r = ctx.get(path, headers={"Accept": accept} if accept else None)
    assert r.status == status, "GET %s (Accept %r): %d, expected %d: %r" % (
        path, accept, r.status, status, r.body[:300])
    return r


def graph_of(r, base):
    ctype = r.headers.get("content-type", "").split(";")[0].strip()
    assert ctype in FORMATS, "unexpected Content-Type %r" % ctype
    g = rdflib.Graph()
    g.parse(data=r.body, format=FORMATS[ctype], publicID=base)
    return g


def page_graph(ctx, path, accept=None):
    return graph_of(fetch(ctx, path, accept), ctx.base_url + path)


def the_view(g):
    """The one node typed hydra:PartialCollectionView (udata takes the
    first it finds: there must be no other)."""
    views = list(g.subjects(RDF.type, HYDRA.PartialCollectionView))
    assert len(views) == 1, "expected one PartialCollectionView, got %r" % views
    assert (views[0], RDF.type, HYDRA.PagedCollection) in g, "view lacks the legacy type"
    return views[0]


def validate(ctx, *args):
    """Runs tests/shacl/validate.mjs; returns (exit status, RESULT dict, output)."""
    p = subprocess.run(
        ["node", os.path.join(ctx.root, "tests", "shacl", "validate.mjs")] + list(args),
        capture_output=True, text=True, timeout=300)
    lines = [l for l in p.stdout.splitlines() if l.startswith("RESULT ")]
    assert lines, "validate.mjs printed no RESULT (exit %d): %s %s" % (
        p.returncode, p.stdout[-2000:], p.stderr[-2000:])
    return p.returncode, json.loads(lines[-1][len("RESULT "):]), p.stdout


def test_catalog_pages_conform_to_the_dcat_ap_shapes(ctx):
    ids = published(ctx)
    status, result, out = validate(ctx, ctx.base_url + "/catalog.ttl?page_size=1")
    pages = result["pages"]
    print("    SHACL: %d pages, %d datasets, %d violations, %d recommended "
          "warnings, %d vocabulary warnings" % (
              len(pages), result["datasets"], result["violations"],
              result["recommended_warnings"], result["vocabulary_warnings"]))
    for p in pages:
        for v in p["violations"]:
            print("    VIOLATION %s: %s %s: %s" % (p["url"], v["focus"], v["path"], v["message"]))
    assert result["violations"] == 0 and status == 0, "SHACL violations: see above"
    assert len(pages) == len(ids), "%d pages of one dataset for %d datasets" % (len(pages), len(ids))
    seen = [d for p in pages for d in p["datasets"]]
    assert sorted(seen) == sorted(ctx.base_url + "/datasets/" + i for i in ids), seen
    # No recommended warning on a demo dataset's page, nor on what every
    # page carries (catalogue, API); other datasets (test fixtures with a
    # title and a licence only) may lack recommended properties.
    demo = {ctx.base_url + "/datasets/" + i for i in DEMO_IDS}
    demo_pages = [p for p in pages if set(p["datasets"]) <= demo]
    assert len(demo_pages) == len(DEMO_IDS), "demo pages: %r" % [p["url"] for p in demo_pages]
    for p in demo_pages:
        assert not p["recommended"], "recommended warnings on %s: %s" % (
            p["url"], json.dumps(p["recommended"], indent=1))
    # The demo pages carry the catalogue, its location and the API too:
    # those are the same on every page.  No INSEE territory is a node any
    # more (they are identifiers of a location), so none draws a warning.
    for p in pages:
        common = [w for w in p["recommended"]
                  if w["focus"] in (ctx.base_url + "/catalog", ctx.base_url + "/api")
                  or w["focus"].startswith("http://id.insee.fr/")]
        assert not common, "recommended warnings on the catalogue or API: %r" % common


def test_shacl_validation_catches_what_it_must(ctx):
    """The validator is not a rubber stamp: a page with a dataset without a
    title, a licence not typed dct:LicenseDocument and a frequency outside the
    EU vocabulary gets violations from each of the three shape files' kinds."""
    text = fetch(ctx, "/catalog.ttl?page_size=3").body.decode("utf-8")
    lines = text.split("\n")
    title_at = next(i for i, l in enumerate(lines) if l.startswith("\tdct:title ")
                    and "dcat:Dataset" in "\n".join(lines[max(0, i - 3):i]))
    del lines[title_at]
    broken = "\n".join(lines)
    broken = broken.replace("a dct:LicenseDocument", "a dct:RightsStatement", 1)
    broken = broken.replace("/authority/frequency/", "/authority/frequence/")
    path = os.path.join(os.path.dirname(ctx.api_log), "catalog-broken.ttl")
    with open(path, "w") as f:
        f.write(broken)
    status, result, out = validate(ctx, "--file", path)
    violations = result["pages"][0]["violations"]
    paths = {v["path"] for v in violations}
    assert status == 1, "validate.mjs exited %d on a broken page" % status
    assert str(DCT.title) in paths, "missing title not reported: %r" % violations
    assert str(DCT.license) in paths, "untyped licence not reported: %r" % violations
    assert str(DCT.accrualPeriodicity) in paths, "frequency outside the EU table not reported: %r" % violations


def test_serialisations_of_a_page_are_isomorphic(ctx):
    for path in ("/catalog?page_size=2", "/catalog?page=2&page_size=2",
                 "/datasets/%s" % DEMO_IDS[0]):
        graphs = {}
        for accept in FORMATS:
            if path.startswith("/datasets/"):
                ext = [e for e, m in EXTENSIONS.items() if m == accept][0]
                g = page_graph(ctx, path + ext)
            else:
                g = page_graph(ctx, path, accept)
            assert len(g) > 40, "%s as %s: only %d triples" % (path, accept, len(g))
            graphs[accept] = g
        turtle = graphs["text/turtle"]
        for accept, g in graphs.items():
            assert len(g) == len(turtle), "%s: %d triples as %s, %d as Turtle" % (
                path, len(g), accept, len(turtle))
            assert isomorphic(g, turtle), "%s: %s and Turtle differ" % (path, accept)


def test_every_object_node_is_typed(ctx):
    """The DCAT-AP range shapes check classes without loading vocabularies:
    every IRI or blank node an answer points at carries its rdf:type."""
    for path in ("/catalog.ttl?page_size=2", "/datasets/%s.ttl" % DEMO_IDS[0]):
        g = page_graph(ctx, path)
        untyped = sorted({str(o) for s, p, o in g
                          if p != RDF.type and isinstance(o, (URIRef, BNode))
                          and (o, RDF.type, None) not in g})
        assert not untyped, "%s: untyped objects %r" % (path, untyped[:10])


def test_demo_datasets_carry_the_dcat_ap_properties(ctx):
    g = page_graph(ctx, "/catalog.ttl?page_size=500")
    for ident in DEMO_IDS:
        ds = URIRef(ctx.base_url + "/datasets/" + ident)
        assert (ds, RDF.type, DCAT.Dataset) in g, ident
        assert g.value(ds, DCT.identifier) == Literal(str(ds)), "%s: dct:identifier" % ident
        for prop in (DCT.title, DCT.description, DCT.publisher, DCAT.contactPoint,
                     DCAT.theme, DCAT.keyword, DCT.spatial, DCT.temporal,
                     DCT.accrualPeriodicity, DCT.license, DCT.accessRights,
                     DCT.issued, DCT.modified, DCT.language, DCAT.distribution):
            assert g.value(ds, prop) is not None, "%s lacks %s" % (ident, prop)
        pub = g.value(ds, DCT.publisher)
        assert (pub, RDF.type, FOAF.Agent) in g and g.value(pub, FOAF.name), ident
        assert str(g.value(pub, DCT.type)).startswith("http://purl.org/adms/publishertype/"), ident
        contact = g.value(ds, DCAT.contactPoint)
        assert (contact, RDF.type, VCARD.Kind) in g and g.value(contact, VCARD.fn), ident
        assert str(g.value(contact, VCARD.hasEmail)).startswith("mailto:"), ident
        for theme in g.objects(ds, DCAT.theme):   # udata reads theme labels here
            assert g.value(theme, SKOS.prefLabel), "%s: theme %s has no label" % (ident, theme)
            assert g.value(theme, SKOS.inScheme), "%s: theme %s has no scheme" % (ident, theme)
        assert any(str(t).startswith("http://publications.europa.eu/resource/authority/data-theme/")
                   for t in g.objects(ds, DCAT.theme)), ident
        for kw in g.objects(ds, DCAT.keyword):
            assert isinstance(kw, Literal) and kw.language == "fr", "%s: keyword %r" % (ident, kw)
        boxes = [g.value(loc, DCAT.bbox) for loc in g.objects(ds, DCT.spatial)]
        assert len(boxes) == 1 and boxes[0].datatype == GEO.wktLiteral and \
            str(boxes[0]).startswith("POLYGON(("), "%s: bbox %r" % (ident, boxes)
        period = g.value(ds, DCT.temporal)
        assert isinstance(period, BNode), "%s: temporal coverage must be a blank node" % ident
        assert g.value(period, DCAT.startDate).datatype == XSD.date, ident
        freq = str(g.value(ds, DCT.accrualPeriodicity))
        assert freq.startswith("http://publications.europa.eu/resource/authority/frequency/"), freq
        licence = g.value(ds, DCT.license)
        assert (licence, RDF.type, DCT.LicenseDocument) in g and g.value(licence, DCT.type), ident
        for dist in g.objects(ds, DCAT.distribution):
            assert (dist, RDF.type, DCAT.Distribution) in g
            assert g.value(dist, DCAT.accessURL), "%s: %s has no accessURL" % (ident, dist)
            fmt = str(g.value(dist, DCT["format"]))
            assert fmt.startswith("http://publications.europa.eu/resource/authority/file-type/"), \
                "%s: format %s" % (dist, fmt)
            assert str(g.value(dist, DCAT.mediaType)).startswith(IANA), dist
            assert g.value(dist, DCT.license) == licence, "%s: licence" % dist
    # The API serves the page's datasets; the catalogue lists them.
    cat = URIRef(ctx.base_url + "/catalog")
    api = g.value(cat, DCAT.service)
    assert (api, RDF.type, DCAT.DataService) in g and g.value(api, DCAT.endpointURL)
    assert set(g.objects(api, DCAT.servesDataset)) == set(g.objects(cat, DCAT.dataset))
    assert set(g.objects(cat, DCAT.themeTaxonomy)) >= {
        URIRef("http://publications.europa.eu/resource/authority/data-theme"),
        URIRef(ctx.base_url + "/themes")}


def wkt_numbers(literal):
    return [float(x) for x in re.findall(r"-?[0-9]+(?:\.[0-9]+)?", str(literal))]


def assert_box_of(literal, extent, what):
    """literal is a WKT POLYGON, the box (minx, miny, maxx, maxy) rounded
    outwards to 7 decimals."""
    assert literal is not None and literal.datatype == GEO.wktLiteral and \
        str(literal).startswith("POLYGON(("), "%s: bbox %r" % (what, literal)
    nums = wkt_numbers(literal)
    xs, ys = nums[0::2], nums[1::2]
    box = (min(xs), min(ys), max(xs), max(ys))
    want = [float(v) for v in extent]
    for got, exact, outwards in zip(box, want, (-1, -1, 1, 1)):
        assert abs(got - exact) <= 1.01e-7 and (got - exact) * outwards >= -1e-12, \
            "%s: bbox %r, extent %r" % (what, box, want)


def extent_of(ctx, where):
    return ctx.sql("SELECT ST_XMin(e), ST_YMin(e), ST_XMax(e), ST_YMax(e) FROM"
                   " (SELECT ST_Extent(spatial) AS e FROM datasets WHERE %s) x" % where)[0]


def the_location(g, node, what):
    """The one dct:Location of node's dct:spatial: a typed blank node."""
    locs = list(g.objects(node, DCT.spatial))
    assert len(locs) == 1 and isinstance(locs[0], BNode), "%s: dct:spatial %r" % (what, locs)
    assert (locs[0], RDF.type, DCT.Location) in g, what
    return locs[0]


def test_spatial_coverage_is_one_location_with_its_insee_identifiers(ctx):
    """Each demo dataset has one dct:Location: the bbox and centroid of its
    data, and the INSEE territories of its job file as
    locn:geographicIdentifier (GeoDCAT-AP), never as nodes of their own,
    which DCAT-AP would want a geometry on."""
    for ident in DEMO_IDS:
        with open(os.path.join(ctx.root, DEMO, ident + ".json")) as f:
            uris = json.load(f)["spatial_uris"]
        assert uris, "%s declares no spatial_uris" % ident
        ds = URIRef(ctx.base_url + "/datasets/" + ident)
        for ext in EXTENSIONS:
            g = page_graph(ctx, "/datasets/%s%s" % (ident, ext))
            loc = the_location(g, ds, ident + ext)
            assert set(g.objects(loc, LOCN.geographicIdentifier)) == {
                Literal(u, datatype=XSD.anyURI) for u in uris}, \
                "%s%s: identifiers %r" % (ident, ext, list(g.objects(loc, LOCN.geographicIdentifier)))
            for u in uris:
                assert (URIRef(u), None, None) not in g and (None, None, URIRef(u)) not in g, \
                    "%s%s: %s is still a node" % (ident, ext, u)
        assert_box_of(g.value(loc, DCAT.bbox),
                      extent_of(ctx, "identifier = '%s'" % ident), ident)
        centroid = g.value(loc, DCAT.centroid)
        assert centroid.datatype == GEO.wktLiteral and str(centroid).startswith("POINT("), centroid


def test_data_without_geometry_keep_their_declared_territory(ctx):
    """No extent but INSEE territories: the location has the identifiers
    alone (shapes_recommended then warns of its bbox and centroid)."""
    ident = "test-catalog-no-geometry"
    folder = tempfile.mkdtemp(prefix="odp-test-")
    csv = os.path.join(folder, "releves.csv")
    with open(csv, "w") as f:
        f.write("id,valeur\nR1,12\nR2,15\n")
    path = temp_job(ident, csv, key="id",
                    spatial_uris=["http://id.insee.fr/geo/commune/86194"])
    shutil.rmtree(folder)
    try:
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        assert ctx.sql_value("SELECT spatial IS NULL FROM datasets"
                             " WHERE identifier = '%s'" % ident) == "t"
        g = page_graph(ctx, "/datasets/%s.ttl" % ident)
        loc = the_location(g, URIRef(ctx.base_url + "/datasets/" + ident), ident)
        assert list(g.objects(loc, LOCN.geographicIdentifier)) == [
            Literal("http://id.insee.fr/geo/commune/86194", datatype=XSD.anyURI)]
        assert g.value(loc, DCAT.bbox) is None and g.value(loc, DCAT.centroid) is None
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)


def stored_and_live_extent(ctx):
    return ctx.sql(
        "SELECT ST_AsText(c.spatial), (SELECT ST_AsText(ST_SetSRID("
        "ST_Extent(spatial)::geometry, 4326)) FROM datasets"
        " WHERE current_version_id IS NOT NULL) FROM catalogue c")[0]


def catalogue_location(ctx):
    r = fetch(ctx, "/catalog.ttl?page_size=1")
    g = graph_of(r, ctx.base_url + "/catalog.ttl?page_size=1")
    return g, the_location(g, URIRef(ctx.base_url + "/catalog"), "catalogue"), r.headers["etag"]


def test_catalogue_location_is_the_stored_extent_of_all_the_data(ctx):
    """The dcat:Catalog's one dct:Location: the box of every published
    dataset's extent, stored by odp-etl (migrate, and the publishing
    transaction of a run: a page does not aggregate every dataset), with
    etl/catalog.json's territory as its identifier."""
    # Datasets earlier tests removed through SQL left it stale: migrate
    # recomputes it.
    p = ctx.etl("migrate")
    assert p.returncode == 0, p.stderr
    stored, live = stored_and_live_extent(ctx)
    assert stored and stored == live, (stored, live)
    with open(os.path.join(ctx.root, "etl", "catalog.json")) as f:
        uris = json.load(f)["spatial_uris"]
    g, loc, etag = catalogue_location(ctx)
    assert set(g.objects(loc, LOCN.geographicIdentifier)) == {
        Literal(u, datatype=XSD.anyURI) for u in uris}
    assert_box_of(g.value(loc, DCAT.bbox),
                  extent_of(ctx, "current_version_id IS NOT NULL"), "catalogue")
    assert str(g.value(loc, DCAT.centroid)).startswith("POINT("), g.value(loc, DCAT.centroid)
    demo = stored

    # A run publishing data in Lyon widens it; the catalogue file is
    # written before the harvest, so the run's publishing transaction
    # is what does it.
    ident = "test-catalog-lyon"
    folder = tempfile.mkdtemp(prefix="odp-test-")
    csv = os.path.join(folder, "bancs.csv")
    with open(csv, "w") as f:
        f.write("id,lat,lon\nB1,45.76,4.83\nB2,45.79,4.86\n")
    path = temp_job(ident, csv, key="id", source={"x": "lon", "y": "lat"})
    shutil.rmtree(folder)
    csv = os.path.join(os.path.dirname(path), "bancs.csv")
    try:
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        stored, live = stored_and_live_extent(ctx)
        assert stored == live and stored != demo, (stored, live, demo)
        g, loc, etag2 = catalogue_location(ctx)
        assert_box_of(g.value(loc, DCAT.bbox),
                      extent_of(ctx, "current_version_id IS NOT NULL"), "catalogue")
        assert max(wkt_numbers(g.value(loc, DCAT.bbox))[0::2]) >= 4.86, g.value(loc, DCAT.bbox)
        assert etag2 != etag, "the catalogue's ETag ignores its extent"
        # Its next version moves to Poitiers: the extent shrinks back.
        with open(csv, "w") as f:
            f.write("id,lat,lon\nB1,46.58,0.34\nB2,46.59,0.35\n")
        p = ctx.etl("run", "--no-progress", path)
        assert p.returncode == 0, p.stderr
        stored, live = stored_and_live_extent(ctx)
        assert stored == live and stored == demo, (stored, live, demo)
    finally:
        drop_dataset(ctx, ident)
        shutil.rmtree(os.path.dirname(path), ignore_errors=True)
        p = ctx.etl("migrate")
        assert p.returncode == 0, p.stderr


def test_harvester_walks_the_rdf_pages_and_downloads_each_distribution(ctx):
    """What the data.gouv.fr harvester does: RDF/XML from the first page,
    hydra:next to the end, each dataset once with a title and an
    identifier, then every dcat:downloadURL: 200, the announced media type,
    byte size and SHA-256."""
    ids = published(ctx)
    url, seen, pages, datasets = "/catalog.rdf?page_size=2", set(), 0, {}
    while url:
        assert url not in seen, "hydra:next loops back to %s" % url
        seen.add(url)
        g = page_graph(ctx, url)
        pages += 1
        view = the_view(g)
        assert int(g.value(view, HYDRA.totalItems)) == len(ids)
        assert int(g.value(view, HYDRA.itemsPerPage)) == 2
        assert g.value(view, HYDRA.first) == g.value(view, HYDRA.firstPage)
        for ds in g.subjects(RDF.type, DCAT.Dataset):
            ident, title = g.value(ds, DCT.identifier), g.value(ds, DCT.title)
            assert ident and title, "%s lacks an identifier or a title" % ds
            assert str(ident) not in datasets, "%s on two pages" % ident
            datasets[str(ident)] = [
                (d, g.value(d, DCAT.downloadURL), g.value(d, DCAT.mediaType),
                 g.value(d, DCAT.byteSize), g.value(g.value(d, SPDX.checksum), SPDX.checksumValue)
                 if g.value(d, SPDX.checksum) else None)
                for d in g.objects(ds, DCAT.distribution)]
        nxt = g.value(view, HYDRA.next)
        assert nxt == g.value(view, HYDRA.nextPage), "next and nextPage differ"
        if nxt is None:
            assert g.value(view, HYDRA.last) == view, "the page without next is not the last"
        url = str(nxt)[len(ctx.base_url):] if nxt is not None else None
    assert pages == (len(ids) + 1) // 2, "%d pages for %d datasets" % (pages, len(ids))
    assert sorted(datasets) == sorted(ctx.base_url + "/datasets/" + i for i in ids), sorted(datasets)
    downloads = 0
    for ident in DEMO_IDS:
        for dist, download, media, size, checksum in datasets[ctx.base_url + "/datasets/" + ident]:
            if download is None:
                continue
            downloads += 1
            assert size is not None and checksum is not None, \
                "%s announces no byte size or checksum" % dist
            r = fetch(ctx, str(download)[len(ctx.base_url):])
            ctype = r.headers.get("content-type", "").split(";")[0].strip()
            assert IANA + ctype == str(media), "%s: served %r, announced %s" % (download, ctype, media)
            assert len(r.body) == int(size), "%s: %d bytes, announced %s" % (download, len(r.body), size)
            assert hashlib.sha256(r.body).hexdigest() == str(checksum).lower(), \
                "%s: SHA-256 differs from the announced one" % download
    assert downloads >= 2 * len(DEMO_IDS), "only %d downloadable distributions" % downloads


# The public URL a deployment gives odp-api (ODP_BASE_URL): the IRIs do not
# depend on the port the test API happens to listen on.
PUBLIC_BASE = "https://data.example.org/odp"


def identifiers(ctx):
    """(dataset IRI, dct:identifier, distribution IRIs, download URLs) of every
    dataset of the catalogue."""
    g = page_graph(ctx, "/catalog.ttl?page_size=500")
    out = set()
    for ds in g.subjects(RDF.type, DCAT.Dataset):
        dists = sorted(str(d) for d in g.objects(ds, DCAT.distribution))
        urls = sorted(str(g.value(URIRef(d), DCAT.downloadURL)) for d in dists)
        out.add((str(ds), str(g.value(ds, DCT.identifier)), tuple(dists), tuple(urls)))
    return out


def test_identifiers_stay_the_same_across_a_reharvest_and_a_restart(ctx):
    try:
        ctx.restart_api({"ODP_BASE_URL": PUBLIC_BASE})
        before = identifiers(ctx)
        assert len(before) >= len(DEMO_IDS)
        for iri, ident, dists, urls in before:
            assert iri == ident and iri.startswith(PUBLIC_BASE + "/datasets/"), (iri, ident)
        for ident in DEMO_IDS:
            p = ctx.etl("run", "--full", os.path.join("etl", "jobs", "demo", ident + ".json"))
            assert p.returncode == 0, "re-harvest of %s failed: %s" % (ident, p.stderr)
        assert identifiers(ctx) == before, "identifiers changed across a re-harvest"
        ctx.restart_api({"ODP_BASE_URL": PUBLIC_BASE})
        assert identifiers(ctx) == before, "identifiers changed across a restart"
    finally:
        ctx.restart_api()


def test_same_data_gives_byte_identical_pages(ctx):
    """Deterministic output: the same page, written again by a fresh process
    (no answer cache), is the same bytes."""
    paths = ["/catalog.ttl?page_size=2", "/catalog.jsonld?page_size=2",
             "/catalog.rdf?page_size=2", "/datasets/%s.ttl" % DEMO_IDS[0]]
    try:
        ctx.restart_api({"ODP_BASE_URL": PUBLIC_BASE})
        first = {p: fetch(ctx, p).body for p in paths}
        ctx.restart_api({"ODP_BASE_URL": PUBLIC_BASE})
        for p in paths:
            assert fetch(ctx, p).body == first[p], "%s differs after a restart" % p
    finally:
        ctx.restart_api()


def test_accept_negotiation_and_extensions(ctx):
    cases = [
        (None, "text/turtle"),
        ("*/*", "text/turtle"),
        ("application/ld+json", "application/ld+json"),
        ("application/rdf+xml", "application/rdf+xml"),
        ("text/turtle;q=0.5, application/ld+json;q=0.9", "application/ld+json"),
        ("application/rdf+xml;q=0.2, text/*;q=0.4", "text/turtle"),
        ("application/*", "application/ld+json"),
        ("application/json", "application/ld+json"),
        ("text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8",
         "application/rdf+xml"),
        ("text/turtle;q=0, */*;q=0.1", "application/ld+json"),
    ]
    for accept, want in cases:
        r = fetch(ctx, "/catalog?page_size=1", accept)
        got = r.headers.get("content-type", "").split(";")[0]
        assert got == want, "Accept %r gave %r, expected %r" % (accept, got, want)
        # Cached or not, a shared cache must know the answer depends on Accept.
        assert r.headers.get("vary") == "Accept", "Accept %r: Vary %r" % (accept, r.headers.get("vary"))
    for ext, want in EXTENSIONS.items():
        for path in ("/catalog" + ext, "/datasets/%s%s" % (DEMO_IDS[0], ext)):
            r = fetch(ctx, path, "text/html")   # the extension wins over Accept
            assert r.headers.get("content-type", "").split(";")[0] == want, path
    for accept in ("text/html", "application/ld+json;q=0", "image/png, text/csv"):
        r = ctx.get("/catalog", headers={"Accept": accept})
        doc = assert_error_shape(r, 406, "not_acceptable")
        for media in EXTENSIONS.values():
            assert media in doc["detail"], "406 detail does not list %s: %r" % (media, doc)


def test_head_answers_the_content_type_without_a_body(ctx):
    for path, accept, want in (("/catalog.ttl", None, "text/turtle"),
                               ("/catalog.rdf", None, "application/rdf+xml"),
                               ("/catalog", "application/ld+json", "application/ld+json"),
                               ("/datasets/%s.jsonld" % DEMO_IDS[0], None, "application/ld+json")):
        got = fetch(ctx, path, accept)
        r = ctx.request("HEAD", path, headers={"Accept": accept} if accept else {})
        assert r.status == 200, "HEAD %s: %d" % (path, r.status)
        assert r.headers.get("content-type", "").split(";")[0] == want, (path, r.headers)
        assert r.body == b"", "HEAD %s sent a body" % path
        assert int(r.headers.get("content-length", -1)) == len(got.body), \
            "HEAD %s: Content-Length %r, GET body %d" % (path, r.headers.get("content-length"), len(got.body))


def test_etag_and_not_modified(ctx):
    r = fetch(ctx, "/catalog.ttl?page_size=2")
    etag = r.headers.get("etag")
    assert etag and etag.startswith('"'), "no ETag: %r" % r.headers
    again = ctx.get("/catalog.ttl?page_size=2", headers={"If-None-Match": etag})
    assert again.status == 304 and again.body == b"", "If-None-Match gave %d" % again.status
    other = fetch(ctx, "/catalog.jsonld?page_size=2").headers.get("etag")
    assert other != etag, "Turtle and JSON-LD share an ETag"
    page2 = fetch(ctx, "/catalog.ttl?page=2&page_size=2").headers.get("etag")
    assert page2 != etag, "two pages share an ETag"


def test_hydra_paging_and_its_links(ctx):
    ids = published(ctx)
    last = (len(ids) + 1) // 2
    g = page_graph(ctx, "/catalog.ttl?page_size=2")
    view = the_view(g)
    base = ctx.base_url + "/catalog.ttl"
    assert str(view) == base + "?page=1&page_size=2", view
    assert str(g.value(view, HYDRA.next)) == base + "?page=2&page_size=2"
    assert g.value(view, HYDRA.previous) is None
    assert str(g.value(view, HYDRA.last)) == base + "?page=%d&page_size=2" % last
    assert g.value(URIRef(ctx.base_url + "/catalog"), HYDRA.view) == view
    assert int(g.value(URIRef(ctx.base_url + "/catalog"), HYDRA.totalItems)) == len(ids)
    g = page_graph(ctx, "/catalog.ttl?page=%d&page_size=2" % last)
    view = the_view(g)
    assert g.value(view, HYDRA.next) is None and g.value(view, HYDRA.nextPage) is None
    assert str(g.value(view, HYDRA.previous)) == base + "?page=%d&page_size=2" % (last - 1)
    # The default page size is 50, and the links then name no page size.
    g = page_graph(ctx, "/catalog.ttl")
    view = the_view(g)
    assert str(view) == base + "?page=1" and int(g.value(view, HYDRA.itemsPerPage)) == 50


def test_bad_page_parameters_are_refused(ctx):
    for query in ("page=abc", "page=0", "page=-1", "page_size=0", "page_size=501",
                  "page_size=x", "page=1.5"):
        r = ctx.get("/catalog.ttl?" + query)
        doc = assert_error_shape(r, 400, "bad_parameter")
        assert query.split("=")[0] in doc["error"], doc
    n = len(published(ctx))
    r = ctx.get("/catalog.ttl?page=%d&page_size=1" % (n + 1))
    doc = assert_error_shape(r, 404, "not_found")
    assert "past the last" in doc["detail"], doc
    r = ctx.get("/datasets/no-such-dataset.ttl")
    assert_error_shape(r, 404, "dataset_not_found")
    # The JSON answer of a dataset is still there beside its RDF forms.
    r = fetch(ctx, "/datasets/" + DEMO_IDS[0])
    assert r.json()["identifier"] == DEMO_IDS[0]
