/*
 * dcat.c: the catalogue and its pages as RDF graphs (see dcat.h).
 *
 * Four statements build a page, whatever its size: the catalogue row with
 * the count and state of the published datasets (catalog_sql), the local
 * themes, the page's datasets (one row each, publisher joined), and the
 * distributions of those datasets in one go (= ANY of their ids, in page
 * order, so that each dataset's distributions are a run of rows).
 * dcat_dataset.c turns each dataset row into triples.
 *
 * Datasets are ordered by identifier, which the job file fixes: pages are
 * stable from one harvest to the next, and a page's content only moves
 * when datasets are added or removed before it.
 */
#include "dcat.h"

#include "dcat_dataset.h"
#include "dcat_terms.h"
#include "db.h"
#include "util.h"
#include "vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ISO_UTC(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* Corners of a box rounded outwards to the 7 decimals geometries are
 * served with (as GET /datasets/{id} does), and its centre. */
#define EXTENT(box)                                                        \
	"trim_scale(floor(ST_XMin(" box ")::numeric * 1e7) / 1e7),"        \
	" trim_scale(floor(ST_YMin(" box ")::numeric * 1e7) / 1e7),"       \
	" trim_scale(ceil(ST_XMax(" box ")::numeric * 1e7) / 1e7),"        \
	" trim_scale(ceil(ST_YMax(" box ")::numeric * 1e7) / 1e7),"        \
	" trim_scale(round(((ST_XMin(" box ") + ST_XMax(" box "))"         \
	" / 2)::numeric, 7)),"                                             \
	" trim_scale(round(((ST_YMin(" box ") + ST_YMax(" box "))"         \
	" / 2)::numeric, 7))"

/* The aggregates read the index of 008_catalog.sql alone; the extent of
 * all the data is the one odp-etl stores (009_catalogue_extent.sql). */
static const char catalog_sql[] =
	"WITH s AS (SELECT count(*) AS total, max(modified) AS modified,"
	"  max(updated_at) AS updated, max(current_version_id) AS version"
	"  FROM datasets WHERE current_version_id IS NOT NULL)"
	" SELECT c.title, c.description, c.homepage, c.languages, c.licence,"
	"  c.spatial_uris, " EXTENT("c.spatial") ", " ISO_UTC("c.issued") ","
	"  " ISO_UTC("coalesce(s.modified, c.issued)") ","
	"  p.identifier, p.name, p.homepage, p.email, p.type, s.total,"
	"  md5(concat_ws('|', s.total, s.updated, s.version, c::text, p::text,"
	"   (SELECT string_agg(t::text, ',' ORDER BY t.code)"
	"    FROM local_themes t)))"
	" FROM catalogue c JOIN publishers p ON p.id = c.publisher_id, s";

enum {
	C_TITLE, C_DESCRIPTION, C_HOMEPAGE, C_LANGUAGES, C_LICENCE,
	C_SPATIAL_URIS, C_MINX, C_MINY, C_MAXX, C_MAXY, C_CX, C_CY, C_ISSUED,
	C_MODIFIED, C_PUB_IDENTIFIER, C_PUB_NAME,
	C_PUB_HOMEPAGE, C_PUB_EMAIL, C_PUB_TYPE, C_TOTAL, C_STATE, N_C
};

static const char themes_sql[] =
	"SELECT code, label, description FROM local_themes ORDER BY code";

#define DATASET_COLUMNS                                                     \
	"d.identifier, d.title, d.description, p.identifier, p.name,"       \
	" p.homepage, p.email, p.type, d.themes, d.keywords,"               \
	" d.local_themes, d.licence, d.accrual_periodicity,"                \
	" to_char(d.temporal_start, 'YYYY-MM-DD'),"                         \
	" to_char(d.temporal_end, 'YYYY-MM-DD'),"                           \
	" " ISO_UTC("d.issued") ", " ISO_UTC("d.modified") ", "             \
	EXTENT("d.spatial") ","                                             \
	" d.contact_name, d.contact_email, d.contact_url, d.conforms_to,"   \
	" d.spatial_uris, d.access_rights, d.languages, d.landing_page,"    \
	" d.documentation, d.hvd_categories, d.applicable_legislation,"     \
	" " ISO_UTC("v.published_at") ", d.id"

#define DATASET_FROM                                                        \
	" FROM datasets d LEFT JOIN publishers p ON p.id = d.publisher_id"  \
	" LEFT JOIN dataset_versions v ON v.id = d.current_version_id"      \
	" WHERE d.current_version_id IS NOT NULL"

/* The columns of DATASET_COLUMNS, in order. */
enum {
	D_IDENTIFIER, D_TITLE, D_DESCRIPTION, D_PUB_IDENTIFIER, D_PUB_NAME,
	D_PUB_HOMEPAGE, D_PUB_EMAIL, D_PUB_TYPE, D_THEMES, D_KEYWORDS,
	D_LOCAL_THEMES, D_LICENCE, D_FREQUENCY, D_TEMPORAL_START,
	D_TEMPORAL_END, D_ISSUED, D_MODIFIED, D_MINX, D_MINY, D_MAXX, D_MAXY,
	D_CX, D_CY, D_CONTACT_NAME, D_CONTACT_EMAIL, D_CONTACT_URL,
	D_CONFORMS_TO, D_SPATIAL_URIS, D_ACCESS_RIGHTS, D_LANGUAGES,
	D_LANDING_PAGE, D_DOCUMENTATION, D_HVD_CATEGORIES, D_LEGISLATION,
	D_PUBLISHED_AT, D_ID, N_D
};

/* The page's ids first, from the index of 008_catalog.sql: the rows
 * skipped by OFFSET then cost an index entry each, not a whole row. */
static const char page_sql[] =
	"WITH page AS (SELECT id, identifier FROM datasets"
	"  WHERE current_version_id IS NOT NULL"
	"  ORDER BY identifier LIMIT $1::int8 OFFSET $2::int8)"
	" SELECT " DATASET_COLUMNS DATASET_FROM
	" AND d.id IN (SELECT id FROM page) ORDER BY d.identifier";

/* One dataset, and a digest of what its graph shows. */
static const char dataset_sql[] =
	"SELECT " DATASET_COLUMNS ","
	" md5(concat_ws('|', d.updated_at, d.current_version_id, d.modified,"
	"  p::text, (SELECT string_agg(t::text, ',' ORDER BY t.code)"
	"   FROM local_themes t)))" DATASET_FROM " AND d.identifier = $1";

/* The distributions of the datasets $1 (ids, in page order): a run of
 * rows per dataset, numbered by its place in $1.  Size and checksum only
 * when they describe the version being served. */
static const char distributions_sql[] =
	"SELECT u.n, x.identifier, x.title, x.description, x.format,"
	" x.media_type, x.kind, x.path, x.url, x.conforms_to,"
	" CASE WHEN x.version_id = d.current_version_id THEN x.byte_size END,"
	" CASE WHEN x.version_id = d.current_version_id"
	"  THEN x.checksum_sha256 END"
	" FROM unnest($1::int8[]) WITH ORDINALITY AS u(id, n)"
	" JOIN distributions x ON x.dataset_id = u.id"
	" JOIN datasets d ON d.id = x.dataset_id"
	" ORDER BY u.n, x.position, x.identifier";

enum {
	X_N, X_IDENTIFIER, X_TITLE, X_DESCRIPTION, X_FORMAT, X_MEDIA_TYPE,
	X_KIND, X_PATH, X_URL, X_CONFORMS_TO, X_BYTE_SIZE, X_CHECKSUM, N_X
};

struct dcat_catalog {
	PGresult *row;      /* catalog_sql */
	int64_t total;
};

/* The value at (row, col), or NULL for SQL NULL. */
static const char *val(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col) ? NULL : PQgetvalue(res, row, col);
}

struct dcat_catalog *dcat_catalog_load(PGconn *pg, bool *missing,
				       char *errbuf)
{
	struct dcat_catalog *c;
	PGresult *res;
	int64_t total;

	*missing = false;
	res = db_query(pg, catalog_sql, 0, NULL, errbuf);
	if (!res)
		return NULL;
	if (PQntuples(res) == 0) {
		*missing = true;
		util_seterr(errbuf, "the catalogue has no description: "
			    "etl/catalog.json was never loaded");
		PQclear(res);
		return NULL;
	}
	if (PQnfields(res) != N_C ||
	    !util_parse_int64(PQgetvalue(res, 0, C_TOTAL), &total)) {
		util_seterr(errbuf, "unexpected answer to the catalogue query");
		PQclear(res);
		return NULL;
	}
	c = xcalloc(1, sizeof *c);
	c->row = res;
	c->total = total;
	return c;
}

void dcat_catalog_free(struct dcat_catalog *c)
{
	if (!c)
		return;
	PQclear(c->row);
	free(c);
}

int64_t dcat_catalog_total(const struct dcat_catalog *c)
{
	return c->total;
}

const char *dcat_catalog_state(const struct dcat_catalog *c)
{
	return PQgetvalue(c->row, 0, C_STATE);
}

/* The local theme scheme {base}/themes and its concepts, when the
 * catalogue has local themes; returns the scheme or 0. */
static rdf_node add_local_themes(struct rdf_graph *g, const char *base,
				 const PGresult *themes)
{
	rdf_node scheme;
	struct sb iri;
	int i;

	if (PQntuples(themes) == 0)
		return 0;
	sb_init(&iri, 0);
	sb_printf(&iri, "%s/themes", base);
	scheme = rdf_iri(g, iri.buf);
	rdf_first_use(g, scheme);
	dcat_a(g, scheme, RDF_SKOS "ConceptScheme");
	dcat_text(g, scheme, RDF_DCT "title", "Thèmes du territoire");
	for (i = 0; i < PQntuples(themes); i++) {
		rdf_node n;

		sb_reset(&iri);
		sb_printf(&iri, "%s/themes/%s", base, PQgetvalue(themes, i, 0));
		n = rdf_iri(g, iri.buf);
		if (!rdf_first_use(g, n))
			continue;
		dcat_a(g, n, RDF_SKOS "Concept");
		dcat_text(g, n, RDF_SKOS "prefLabel", PQgetvalue(themes, i, 1));
		dcat_text(g, n, RDF_SKOS "definition", val(themes, i, 2));
		dcat_ref(g, n, RDF_SKOS "inScheme", scheme);
		dcat_ref(g, n, RDF_SKOS "topConceptOf", scheme);
	}
	sb_free(&iri);
	return scheme;
}

/* A dataset row of page_sql or dataset_sql as dcat_dataset_row. */
static void read_dataset(const PGresult *res, int i,
			 struct dcat_dataset_row *r)
{
	r->identifier = val(res, i, D_IDENTIFIER);
	r->title = val(res, i, D_TITLE);
	r->description = val(res, i, D_DESCRIPTION);
	r->pub_identifier = val(res, i, D_PUB_IDENTIFIER);
	r->pub_name = val(res, i, D_PUB_NAME);
	r->pub_homepage = val(res, i, D_PUB_HOMEPAGE);
	r->pub_email = val(res, i, D_PUB_EMAIL);
	r->pub_type = val(res, i, D_PUB_TYPE);
	r->themes = val(res, i, D_THEMES);
	r->keywords = val(res, i, D_KEYWORDS);
	r->local_themes = val(res, i, D_LOCAL_THEMES);
	r->licence = val(res, i, D_LICENCE);
	r->frequency = val(res, i, D_FREQUENCY);
	r->temporal_start = val(res, i, D_TEMPORAL_START);
	r->temporal_end = val(res, i, D_TEMPORAL_END);
	r->issued = val(res, i, D_ISSUED);
	r->modified = val(res, i, D_MODIFIED);
	r->minx = val(res, i, D_MINX);
	r->miny = val(res, i, D_MINY);
	r->maxx = val(res, i, D_MAXX);
	r->maxy = val(res, i, D_MAXY);
	r->cx = val(res, i, D_CX);
	r->cy = val(res, i, D_CY);
	r->contact_name = val(res, i, D_CONTACT_NAME);
	r->contact_email = val(res, i, D_CONTACT_EMAIL);
	r->contact_url = val(res, i, D_CONTACT_URL);
	r->conforms_to = val(res, i, D_CONFORMS_TO);
	r->spatial_uris = val(res, i, D_SPATIAL_URIS);
	r->access_rights = val(res, i, D_ACCESS_RIGHTS);
	r->languages = val(res, i, D_LANGUAGES);
	r->landing_page = val(res, i, D_LANDING_PAGE);
	r->documentation = val(res, i, D_DOCUMENTATION);
	r->hvd_categories = val(res, i, D_HVD_CATEGORIES);
	r->applicable_legislation = val(res, i, D_LEGISLATION);
	r->published_at = val(res, i, D_PUBLISHED_AT);
}

static void read_distribution(const PGresult *res, int i,
			      struct dcat_distribution_row *x)
{
	x->identifier = val(res, i, X_IDENTIFIER);
	x->title = val(res, i, X_TITLE);
	x->description = val(res, i, X_DESCRIPTION);
	x->format = val(res, i, X_FORMAT);
	x->media_type = val(res, i, X_MEDIA_TYPE);
	x->kind = val(res, i, X_KIND);
	x->path = val(res, i, X_PATH);
	x->url = val(res, i, X_URL);
	x->conforms_to = val(res, i, X_CONFORMS_TO);
	x->byte_size = val(res, i, X_BYTE_SIZE);
	x->checksum = val(res, i, X_CHECKSUM);
}

/* Runs distributions_sql for the datasets of res (whose id is column
 * D_ID); NULL with errbuf set on failure. */
static PGresult *query_distributions(PGconn *pg, const PGresult *res,
				     char *errbuf)
{
	struct sb ids;
	const char *p[1];
	PGresult *dists;
	int i;

	sb_init(&ids, 0);
	sb_putc(&ids, '{');
	for (i = 0; i < PQntuples(res); i++) {
		if (i)
			sb_putc(&ids, ',');
		sb_puts(&ids, PQgetvalue(res, i, D_ID));
	}
	sb_putc(&ids, '}');
	p[0] = ids.buf;
	dists = db_query(pg, distributions_sql, 1, p, errbuf);
	sb_free(&ids);
	if (dists && PQnfields(dists) != N_X) {
		util_seterr(errbuf, "unexpected answer to the distributions "
			    "query");
		PQclear(dists);
		return NULL;
	}
	return dists;
}

/* Adds every dataset of res with its run of distributions in dists to g;
 * each dataset's node goes to nodes[i]. */
static void add_datasets(struct rdf_graph *g, const char *base,
			 const PGresult *res, const PGresult *dists,
			 rdf_node *nodes)
{
	int n_dists = PQntuples(dists), k = 0, i;
	struct dcat_distribution_row *x =
		xcalloc((size_t)n_dists + 1, sizeof *x);

	for (i = 0; i < PQntuples(res); i++) {
		struct dcat_dataset_row row;
		size_t n = 0;
		int64_t place;

		while (k < n_dists &&
		       util_parse_int64(PQgetvalue(dists, k, X_N), &place) &&
		       place == i + 1)
			read_distribution(dists, k++, &x[n++]);
		read_dataset(res, i, &row);
		nodes[i] = dcat_add_dataset(g, base, &row, x, n);
	}
	free(x);
}

/* {base}{path}?page=N[&page_size=S] */
static rdf_node page_node(struct rdf_graph *g,
			  const struct dcat_page_request *req, int64_t page)
{
	struct sb iri;
	rdf_node n;

	sb_init(&iri, 0);
	sb_printf(&iri, "%s%s?page=%lld", req->base, req->path,
		  (long long)page);
	if (req->page_size_given)
		sb_printf(&iri, "&page_size=%lld", (long long)req->page_size);
	n = rdf_iri(g, iri.buf);
	sb_free(&iri);
	return n;
}

/* A link of the view to another page, typed hydra:Resource (only the
 * view itself may be a PartialCollectionView: harvesters take the first
 * node of that type they find as the current page). */
static void page_link(struct rdf_graph *g, rdf_node view, const char *pred,
		      const char *legacy, rdf_node target)
{
	if (target != view && rdf_first_use(g, target))
		dcat_a(g, target, RDF_HYDRA "Resource");
	dcat_ref(g, view, pred, target);
	dcat_ref(g, view, legacy, target);
}

/* The Hydra view of the page: both the current vocabulary
 * (PartialCollectionView, next...) and the legacy one (PagedCollection,
 * nextPage...), as harvesters read either; no next on the last page. */
static rdf_node add_view(struct rdf_graph *g, const struct dcat_catalog *c,
			 const struct dcat_page_request *req)
{
	int64_t size = req->page_size;
	int64_t last = c->total > 0 ? (c->total + size - 1) / size : 1;
	rdf_node view = page_node(g, req, req->page);
	char num[24];

	rdf_first_use(g, view);
	dcat_a(g, view, RDF_HYDRA "PartialCollectionView");
	dcat_a(g, view, RDF_HYDRA "PagedCollection");
	page_link(g, view, RDF_HYDRA "first", RDF_HYDRA "firstPage",
		  page_node(g, req, 1));
	page_link(g, view, RDF_HYDRA "last", RDF_HYDRA "lastPage",
		  page_node(g, req, last));
	if (req->page > 1)
		page_link(g, view, RDF_HYDRA "previous",
			  RDF_HYDRA "previousPage",
			  page_node(g, req, req->page - 1));
	if (req->page < last)
		page_link(g, view, RDF_HYDRA "next", RDF_HYDRA "nextPage",
			  page_node(g, req, req->page + 1));
	util_format_int64(size, num);
	dcat_typed(g, view, RDF_HYDRA "itemsPerPage", num,
		   RDF_XSD "nonNegativeInteger");
	util_format_int64(c->total, num);
	dcat_typed(g, view, RDF_HYDRA "totalItems", num,
		   RDF_XSD "nonNegativeInteger");
	return view;
}

/* The catalogue's publisher, licence and contact, shared by the catalogue
 * and the API. */
struct catalog_agents {
	rdf_node publisher, licence, contact;
};

static void add_agents(struct rdf_graph *g, const char *base,
		       const PGresult *r, struct catalog_agents *a)
{
	const struct vocab_term *t = vocab_find(&vocab_licences,
						PQgetvalue(r, 0, C_LICENCE));

	a->publisher = dcat_agent_node(
		g, base, PQgetvalue(r, 0, C_PUB_IDENTIFIER),
		val(r, 0, C_PUB_NAME), val(r, 0, C_PUB_TYPE),
		val(r, 0, C_PUB_HOMEPAGE), val(r, 0, C_PUB_EMAIL));
	a->licence = t ? dcat_licence_node(g, t) : 0;
	a->contact = dcat_contact_node(g, val(r, 0, C_PUB_NAME),
				       val(r, 0, C_PUB_EMAIL),
				       val(r, 0, C_PUB_HOMEPAGE));
}

/* The API as a dcat:DataService serving the n datasets of nodes, whose
 * EU themes are those of the page's rows. */
static rdf_node add_service(struct rdf_graph *g, const char *base,
			    const PGresult *cat,
			    const struct catalog_agents *a,
			    const PGresult *datasets, const rdf_node *nodes)
{
	static const char *const keywords[] = {"API", "données ouvertes",
					       "DCAT", "GeoJSON", "CSV"};
	static const char *const standards[] = {
		"https://www.rfc-editor.org/rfc/rfc7946",
		"https://semiceu.github.io/DCAT-AP/releases/3.0.1/",
	};
	const struct vocab_term *access = vocab_find(&vocab_access_rights,
						     "PUBLIC");
	bool seen[64] = {false};
	struct sb s;
	rdf_node api;
	size_t k;
	int i;

	sb_init(&s, 0);
	sb_printf(&s, "%s/api", base);
	api = rdf_iri(g, s.buf);
	dcat_a(g, api, RDF_DCAT "DataService");
	rdf_add_literal(g, api, rdf_iri(g, RDF_DCT "identifier"), s.buf, 0,
			NULL);
	sb_reset(&s);
	sb_printf(&s, "API de données ouvertes : %s",
		  PQgetvalue(cat, 0, C_TITLE));
	dcat_text(g, api, RDF_DCT "title", s.buf);
	dcat_text(g, api, RDF_DCT "description",
		  "Recherche dans le catalogue, enregistrements de chaque jeu "
		  "de données page par page (JSON) et exports complets "
		  "(GeoJSON, CSV), en accès libre.");
	sb_reset(&s);
	sb_printf(&s, "%s/", base);
	dcat_ref(g, api, RDF_DCAT "endpointURL", dcat_url_node(g, s.buf));
	sb_reset(&s);
	sb_printf(&s, "%s/datasets", base);
	dcat_ref(g, api, RDF_DCAT "endpointDescription",
		 dcat_url_node(g, s.buf));
	for (i = 0; i < PQntuples(datasets); i++)
		dcat_ref(g, api, RDF_DCAT "servesDataset", nodes[i]);
	dcat_ref(g, api, RDF_DCT "publisher", a->publisher);
	dcat_ref(g, api, RDF_DCAT "contactPoint", a->contact);
	dcat_ref(g, api, RDF_DCT "license", a->licence);
	if (access)
		dcat_ref(g, api, RDF_DCT "accessRights",
			 dcat_access_right_node(g, access));
	/* The EU themes of the datasets served here, in vocabulary order. */
	for (i = 0; i < PQntuples(datasets); i++) {
		const char *p = val(datasets, i, D_THEMES);

		while (dcat_array_next(&p, &s))
			for (k = 0; k < vocab_themes.n_terms && k < 64; k++)
				if (strcmp(vocab_themes.terms[k].code,
					   s.buf) == 0)
					seen[k] = true;
	}
	for (k = 0; k < vocab_themes.n_terms && k < 64; k++)
		if (seen[k])
			dcat_ref(g, api, RDF_DCAT "theme",
				 dcat_theme_node(g, &vocab_themes.terms[k]));
	for (k = 0; k < sizeof standards / sizeof standards[0]; k++)
		dcat_ref(g, api, RDF_DCT "conformsTo",
			 dcat_typed_node(g, standards[k], RDF_DCT "Standard"));
	for (k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
		dcat_text(g, api, RDF_DCAT "keyword", keywords[k]);
	sb_free(&s);
	return api;
}

/* The description of the catalogue cat (typed dcat:Catalog already). */
static void add_catalog(struct rdf_graph *g, rdf_node cat, const PGresult *r,
			const struct catalog_agents *a, rdf_node local_scheme)
{
	const struct dcat_extent extent = {
		val(r, 0, C_MINX), val(r, 0, C_MINY), val(r, 0, C_MAXX),
		val(r, 0, C_MAXY), val(r, 0, C_CX),   val(r, 0, C_CY)};
	const struct vocab_term *t;
	struct sb s;
	const char *p;

	sb_init(&s, 0);
	dcat_a(g, cat, RDF_HYDRA "Collection");
	dcat_text(g, cat, RDF_DCT "title", PQgetvalue(r, 0, C_TITLE));
	dcat_text(g, cat, RDF_DCT "description",
		  PQgetvalue(r, 0, C_DESCRIPTION));
	dcat_ref(g, cat, RDF_DCT "publisher", a->publisher);
	if (val(r, 0, C_HOMEPAGE))
		dcat_ref(g, cat, RDF_FOAF "homepage",
			 dcat_document_node(g, val(r, 0, C_HOMEPAGE)));
	p = val(r, 0, C_LANGUAGES);
	while (dcat_array_next(&p, &s))
		if ((t = vocab_find(&vocab_languages, s.buf)))
			dcat_ref(g, cat, RDF_DCT "language",
				 dcat_language_node(g, t));
	dcat_ref(g, cat, RDF_DCT "license", a->licence);
	dcat_typed(g, cat, RDF_DCT "issued", val(r, 0, C_ISSUED),
		   RDF_XSD "dateTime");
	dcat_typed(g, cat, RDF_DCT "modified", val(r, 0, C_MODIFIED),
		   RDF_XSD "dateTime");
	/* The extent of all the published data, with the territory
	 * etl/catalog.json names as its identifier. */
	dcat_ref(g, cat, RDF_DCT "spatial",
		 dcat_location_node(g, &extent, val(r, 0, C_SPATIAL_URIS),
				    &s));
	dcat_ref(g, cat, RDF_DCAT "themeTaxonomy", dcat_theme_scheme_node(g));
	dcat_ref(g, cat, RDF_DCAT "themeTaxonomy", local_scheme);
	sb_free(&s);
}

enum odp_status dcat_catalog_page(PGconn *pg, const struct dcat_catalog *c,
				  const struct dcat_page_request *req,
				  struct rdf_graph *g, char *errbuf)
{
	char limit[24], offset[24];
	const char *params[2] = {limit, offset};
	PGresult *themes = NULL, *datasets = NULL, *dists = NULL;
	struct catalog_agents agents;
	rdf_node cat, scheme, api, *nodes = NULL;
	enum odp_status rc = ODP_ERR_DB;
	int i;

	util_format_int64(req->page_size, limit);
	util_format_int64((req->page - 1) * req->page_size, offset);
	if (!(themes = db_query(pg, themes_sql, 0, NULL, errbuf)) ||
	    !(datasets = db_query(pg, page_sql, 2, params, errbuf)))
		goto out;
	if (PQnfields(datasets) != N_D) {
		util_seterr(errbuf, "unexpected answer to the page query");
		goto out;
	}
	if (!(dists = query_distributions(pg, datasets, errbuf)))
		goto out;

	/* The catalogue's first triple makes it head every serialisation. */
	cat = rdf_iri_cat(g, req->base, "/catalog");
	dcat_a(g, cat, RDF_DCAT "Catalog");
	add_agents(g, req->base, c->row, &agents);
	scheme = add_local_themes(g, req->base, themes);
	add_catalog(g, cat, c->row, &agents, scheme);
	nodes = xcalloc((size_t)PQntuples(datasets) + 1, sizeof *nodes);
	add_datasets(g, req->base, datasets, dists, nodes);
	api = add_service(g, req->base, c->row, &agents, datasets, nodes);
	for (i = 0; i < PQntuples(datasets); i++)
		dcat_ref(g, cat, RDF_DCAT "dataset", nodes[i]);
	dcat_ref(g, cat, RDF_DCAT "service", api);
	util_format_int64(c->total, limit);
	dcat_typed(g, cat, RDF_HYDRA "totalItems", limit,
		   RDF_XSD "nonNegativeInteger");
	dcat_ref(g, cat, RDF_HYDRA "view", add_view(g, c, req));
	rc = ODP_OK;
out:
	free(nodes);
	PQclear(themes);
	PQclear(datasets);
	PQclear(dists);
	return rc;
}

enum odp_status dcat_dataset_graph(PGconn *pg, const char *base,
				   const char *identifier,
				   struct rdf_graph *g, char state[33],
				   char *errbuf)
{
	PGresult *themes = NULL, *res = NULL, *dists = NULL;
	enum odp_status rc = ODP_ERR_DB;
	struct sb iri;
	rdf_node node;

	if (!(themes = db_query(pg, themes_sql, 0, NULL, errbuf)) ||
	    !(res = db_query(pg, dataset_sql, 1, &identifier, errbuf)))
		goto out;
	if (PQntuples(res) == 0) {
		rc = ODP_ERR_NOT_FOUND;
		goto out;
	}
	if (PQnfields(res) != N_D + 1) {
		util_seterr(errbuf, "unexpected answer to the dataset query");
		goto out;
	}
	if (!(dists = query_distributions(pg, res, errbuf)))
		goto out;
	util_strlcpy(state, PQgetvalue(res, 0, N_D), 33);
	/* The dataset heads the document, the theme scheme after it. */
	sb_init(&iri, 0);
	sb_printf(&iri, "%s/datasets/%s", base, identifier);
	node = rdf_iri(g, iri.buf);
	sb_free(&iri);
	rdf_first_use(g, node);
	dcat_a(g, node, RDF_DCAT "Dataset");
	add_local_themes(g, base, themes);
	add_datasets(g, base, res, dists, &node);
	rc = ODP_OK;
out:
	PQclear(themes);
	PQclear(res);
	PQclear(dists);
	return rc;
}
