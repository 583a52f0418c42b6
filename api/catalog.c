/*
 * catalog.c: GET /catalog and /datasets/{id}.ttl|.jsonld|.rdf (see
 * catalog.h).
 *
 * One answer is one RDF graph (catalog/dcat.c) read in a REPEATABLE READ
 * transaction, so that the counts, the page and the distributions come
 * from one snapshot; the connection goes back to the pool before the
 * graph is written out, so slow serialisation never holds it.  The graph
 * is written by one of the three writers (catalog/rdf_*.c) into one
 * buffer, which becomes the response: HEAD gets the same headers (MHD
 * drops the body).
 *
 * Without Accept, or with one that leaves the choice to us (a wildcard),
 * /catalog answers Turtle: the most compact and readable of the three.
 * Answers carry an ETag built from the catalogue's state
 * (dcat_catalog_state: count, last update, last version, catalogue and
 * themes), the page, its size and the format, and 304 is served on
 * If-None-Match.  Answers are kept in the API's answer cache (cache.h)
 * until the catalogue changes, keyed by path, query and, for /catalog,
 * the Accept header: a page already written costs no query at all.
 */
#include "catalog.h"

#include "datasets.h"
#include "errors.h"
#include "cache.h"
#include "params.h"
#include "pool.h"

#include "dcat.h"
#include "log.h"
#include "odp.h"
#include "rdf.h"
#include "sb.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define PAGE_SIZE_DEFAULT 50
#define PAGE_SIZE_MAX 500

static const struct {
	const char *content_type;  /* of the answer */
	const char *extension;     /* of the paths */
	char tag;                  /* in the ETag */
	/* Media types Accept may name for it, the canonical one first. */
	const char *media_types[4];
} formats[API_RDF_N_FORMATS] = {
	[API_RDF_TURTLE] = {"text/turtle; charset=utf-8", ".ttl", 't',
			    {"text/turtle", "application/x-turtle", NULL}},
	[API_RDF_JSONLD] = {"application/ld+json", ".jsonld", 'j',
			    {"application/ld+json", "application/json",
			     NULL}},
	[API_RDF_XML] = {"application/rdf+xml", ".rdf", 'x',
			 {"application/rdf+xml", "application/xml", "text/xml",
			  NULL}},
};

static const struct api_param_int page_params[] = {
	{"page", 1, 1, 1000000000},
	{"page_size", PAGE_SIZE_DEFAULT, 1, PAGE_SIZE_MAX},
};

/* Parses a q-value ("1", "0.8", "0.125") as thousandths; -1 if bad. */
static int parse_q(const char *s, size_t len)
{
	int q = 0, digits = 0;
	size_t i;

	if (len == 0 || (s[0] != '0' && s[0] != '1'))
		return -1;
	q = (s[0] - '0') * 1000;
	if (len == 1)
		return q;
	if (s[1] != '.' || len > 5)
		return -1;
	for (i = 2; i < len; i++) {
		if (s[i] < '0' || s[i] > '9')
			return -1;
		q += (s[i] - '0') * (digits == 0 ? 100 : digits == 1 ? 10 : 1);
		digits++;
	}
	return q > 1000 ? -1 : q;
}

/* How specifically the media range [range, range + len) names format f:
 * 3 exactly (any of its media types), 2 by a type wildcard matching the
 * media type we answer with, 1 by * / *, 0 not at all. */
static int specificity(const char *range, size_t len, int f)
{
	const char *m = formats[f].media_types[0];
	size_t type_len = strcspn(m, "/"), k;

	if (len == 3 && memcmp(range, "*/*", 3) == 0)
		return 1;
	for (k = 0; formats[f].media_types[k]; k++)
		if (strlen(formats[f].media_types[k]) == len &&
		    strncasecmp(formats[f].media_types[k], range, len) == 0)
			return 3;
	if (len == type_len + 2 && strncasecmp(m, range, type_len + 1) == 0 &&
	    range[len - 1] == '*')
		return 2;
	return 0;
}

int api_catalog_negotiate(const char *accept)
{
	int spec[API_RDF_N_FORMATS] = {0}, q[API_RDF_N_FORMATS] = {0};
	const char *p = accept;
	int best = -1, f;

	if (!accept || !accept[strspn(accept, " \t,")])
		return API_RDF_TURTLE;
	while (*p) {
		const char *range, *end = p + strcspn(p, ",");
		size_t len;
		int value = 1000;

		p += strspn(p, " \t");
		range = p;
		len = strcspn(p, ";, \t");
		if ((size_t)(end - range) < len)
			len = (size_t)(end - range);
		/* Parameters: only q matters; a bad q drops the range. */
		for (p = range + len; p < end;) {
			const char *param;
			size_t plen;

			p += strspn(p, "; \t");
			if (p >= end)
				break;
			param = p;
			plen = strcspn(p, ";,");
			if (param + plen > end)
				plen = (size_t)(end - param);
			if (plen >= 2 && (param[0] == 'q' || param[0] == 'Q') &&
			    param[1] == '=') {
				size_t vlen = plen - 2;

				while (vlen > 0 && (param[2 + vlen - 1] == ' ' ||
						    param[2 + vlen - 1] == '\t'))
					vlen--;
				value = parse_q(param + 2, vlen);
			}
			p = param + plen;
		}
		for (f = 0; f < API_RDF_N_FORMATS && len > 0 && value >= 0;
		     f++) {
			int s = specificity(range, len, f);

			/* The most specific range decides; among equally
			 * specific ones, the best q. */
			if (s > spec[f] || (s == spec[f] && s > 0 &&
					    value > q[f])) {
				spec[f] = s;
				q[f] = value;
			}
		}
		p = *end ? end + 1 : end;
	}
	for (f = 0; f < API_RDF_N_FORMATS; f++)
		if (spec[f] > 0 && q[f] > 0 && (best < 0 || q[f] > q[best]))
			best = f;
	return best;
}

/* Writes g in format f into a malloc'd buffer (*len bytes); NULL with
 * errbuf set when it cannot. */
static char *serialise(const struct rdf_graph *g, int f, size_t *len,
		       char *errbuf)
{
	struct sb out;
	bool ok = true;

	sb_init(&out, 0);
	switch (f) {
	case API_RDF_TURTLE: rdf_write_turtle(g, &out); break;
	case API_RDF_JSONLD: ok = rdf_write_jsonld(g, &out, errbuf); break;
	default: ok = rdf_write_xml(g, &out, errbuf); break;
	}
	if (ok && (sb_failed(&out) || rdf_graph_failed(g))) {
		util_seterr(errbuf, "the answer grew past %zu bytes",
			    (size_t)SB_DEFAULT_MAX);
		ok = false;
	}
	if (!ok) {
		sb_free(&out);
		return NULL;
	}
	*len = out.len;
	return sb_steal(&out);
}

/* Writes g (taken) in format f into *body; false when it could not, the
 * error answer then queued. */
static bool write_graph(struct api_request *req, struct rdf_graph *g, int f,
			char **body, size_t *len)
{
	char errbuf[ODP_ERRBUF_SIZE] = "";

	*body = serialise(g, f, len, errbuf);
	rdf_graph_free(g);
	if (*body)
		return true;
	log_error("%s %s: %s", req->method, req->target, errbuf);
	api_reply_error(req, API_ERR_INTERNAL, NULL,
			"The server could not write the catalogue; the server "
			"log has the details.");
	return false;
}

/* Starts the read-only snapshot the graph is read in. */
static bool begin(struct api_request *req, struct api_conn *conn)
{
	char errbuf[ODP_ERRBUF_SIZE];
	PGresult *res = api_conn_query(
		conn, "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY", 0,
		NULL, errbuf);

	if (!res) {
		api_reply_db_error(req, conn, errbuf);
		return false;
	}
	PQclear(res);
	return true;
}

/* Reads the catalogue's state into *cat.  False when an answer has been
 * queued. */
static bool load_catalog(struct api_request *req, struct api_conn *conn,
			 struct dcat_catalog **cat)
{
	char errbuf[ODP_ERRBUF_SIZE];
	bool missing;

	*cat = dcat_catalog_load(conn->pg, &missing, errbuf);
	if (*cat)
		return true;
	if (!missing) {
		api_reply_db_error(req, conn, errbuf);
		return false;
	}
	log_error("%s %s: %s", req->method, req->target, errbuf);
	api_reply_error(req, API_ERR_INTERNAL, "the catalogue has no description",
			"The catalogue's own title, publisher and licence "
			"(etl/catalog.json) were never loaded; run odp-etl "
			"migrate.");
	return false;
}

/* Checks the page v asks for against cat and writes the answer's ETag.
 * False when an answer (404, 304) has been queued. */
static bool check_page(struct api_request *req, const struct dcat_catalog *cat,
		       const struct api_param_value *v, int f, char *etag)
{
	int64_t total = dcat_catalog_total(cat);
	int64_t last = total > 0 ? (total + v[1].value - 1) / v[1].value : 1;

	if (v[0].value > last) {
		api_reply_error(req, API_ERR_NOT_FOUND, "no such page",
				"The catalogue has %lld datasets, %lld pages "
				"of %lld; page %lld is past the last one.",
				(long long)total, (long long)last,
				(long long)v[1].value, (long long)v[0].value);
		return false;
	}
	snprintf(etag, API_ETAG_SIZE, "\"c%.16s%c%llx.%llx%s\"",
		 dcat_catalog_state(cat), formats[f].tag,
		 (unsigned long long)v[0].value,
		 (unsigned long long)v[1].value, v[1].present ? "s" : "");
	return !api_reply_not_modified(req, etag);
}

static void reply_catalog(struct api_request *req, int f, const char *path,
			  bool negotiated)
{
	struct api_cache *cache = req->server->cache;
	struct api_param_value v[2];
	char errbuf[ODP_ERRBUF_SIZE], etag[API_ETAG_SIZE];
	struct api_conn *conn = NULL;
	struct dcat_catalog *cat = NULL;
	struct rdf_graph *g = NULL;
	struct dcat_page_request page;
	char *key = NULL, *body;
	size_t key_len = 0, len;
	uint64_t gen;

	if (!api_params_parse(req, page_params, 2, v))
		return;
	key = api_cache_key(req, negotiated ? MHD_HTTP_HEADER_ACCEPT : NULL,
			    &key_len);
	if (api_cache_reply(req, cache, key, key_len, &gen))
		goto out;
	conn = api_request_db(req);
	if (!conn)
		goto out;
	if (!begin(req, conn) || !load_catalog(req, conn, &cat) ||
	    !check_page(req, cat, v, f, etag))
		goto out;
	page.base = req->server->base_url;
	page.path = path;
	page.page = v[0].value;
	page.page_size = v[1].value;
	page.page_size_given = v[1].present;
	g = rdf_graph_new();
	if (dcat_catalog_page(conn->pg, cat, &page, g, errbuf) != ODP_OK) {
		api_reply_db_error(req, conn, errbuf);
		goto out;
	}
	api_pool_return(req->server->pool, conn);
	conn = NULL;
	if (write_graph(req, g, f, &body, &len))
		api_cache_answer(req, cache, key, key_len, gen,
				 formats[f].content_type, etag, body, len);
	g = NULL;
out:
	free(key);
	rdf_graph_free(g);
	dcat_catalog_free(cat);
	api_pool_return(req->server->pool, conn);
}

static void reply_dataset(struct api_request *req, const char *id, int f)
{
	struct api_cache *cache = req->server->cache;
	char errbuf[ODP_ERRBUF_SIZE], etag[API_ETAG_SIZE], state[33];
	struct api_conn *conn;
	struct rdf_graph *g = NULL;
	enum odp_status rc;
	char *key, *body;
	size_t key_len = 0, len;
	uint64_t gen;

	if (!api_dataset_id_valid(id)) {
		api_reply_dataset_not_found(req, id);
		return;
	}
	key = api_cache_key(req, NULL, &key_len);
	if (api_cache_reply(req, cache, key, key_len, &gen))
		goto out;
	conn = api_request_db(req);
	if (!conn)
		goto out;
	g = rdf_graph_new();
	rc = begin(req, conn) ? dcat_dataset_graph(conn->pg,
						    req->server->base_url, id,
						    g, state, errbuf)
			      : ODP_ERR_DB;
	if (rc == ODP_ERR_NOT_FOUND)
		api_reply_dataset_not_found(req, id);
	else if (rc != ODP_OK && req->status == 0)
		api_reply_db_error(req, conn, errbuf);
	api_pool_return(req->server->pool, conn);
	if (rc != ODP_OK)
		goto out;
	snprintf(etag, sizeof etag, "\"d%.16s%c\"", state, formats[f].tag);
	if (api_reply_not_modified(req, etag))
		goto out;
	if (write_graph(req, g, f, &body, &len))
		api_cache_answer(req, cache, key, key_len, gen,
				 formats[f].content_type, etag, body, len);
	g = NULL;
out:
	free(key);
	rdf_graph_free(g);
}

void api_catalog_get(struct api_request *req, const char *const *args)
{
	const char *accept = MHD_lookup_connection_value(
		req->connection, MHD_HEADER_KIND, MHD_HTTP_HEADER_ACCEPT);
	int f = api_catalog_negotiate(accept);

	(void)args;
	req->vary = MHD_HTTP_HEADER_ACCEPT;
	if (f < 0) {
		char shown[96];

		api_sanitize(shown, sizeof shown, accept);
		api_reply_error(req, API_ERR_NOT_ACCEPTABLE, NULL,
				"Accept: \"%s\" names none of the catalogue's "
				"formats: text/turtle, application/ld+json, "
				"application/rdf+xml.  /catalog.ttl, "
				"/catalog.jsonld and /catalog.rdf choose by "
				"extension.",
				shown);
		return;
	}
	reply_catalog(req, f, "/catalog", true);
}

void api_catalog_ttl(struct api_request *req, const char *const *args)
{
	(void)args;
	reply_catalog(req, API_RDF_TURTLE, "/catalog.ttl", false);
}

void api_catalog_jsonld(struct api_request *req, const char *const *args)
{
	(void)args;
	reply_catalog(req, API_RDF_JSONLD, "/catalog.jsonld", false);
}

void api_catalog_rdf(struct api_request *req, const char *const *args)
{
	(void)args;
	reply_catalog(req, API_RDF_XML, "/catalog.rdf", false);
}

void api_dataset_ttl(struct api_request *req, const char *const *args)
{
	reply_dataset(req, args[0], API_RDF_TURTLE);
}

void api_dataset_jsonld(struct api_request *req, const char *const *args)
{
	reply_dataset(req, args[0], API_RDF_JSONLD);
}

void api_dataset_rdf(struct api_request *req, const char *const *args)
{
	reply_dataset(req, args[0], API_RDF_XML);
}
