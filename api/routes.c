/*
 * routes.c: the routing table and the dispatcher (see routes.h).
 *
 * Matching is a walk over the segments of the pattern and the path, so the
 * table reads like the API's documentation.  With a handful of routes a
 * linear scan costs nothing next to a database round trip.
 */
#include "routes.h"

#include "catalog.h"
#include "datasets.h"
#include "errors.h"
#include "exports.h"
#include "health.h"
#include "records.h"
#include "runs.h"
#include "search.h"
#include "versions.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

struct route {
	const char *method;
	const char *pattern;
	api_handler *handler;
};

static const struct route routes[] = {
	{"GET", "/health", api_health_get},
	{"GET", "/catalog", api_catalog_get},
	{"GET", "/catalog.ttl", api_catalog_ttl},
	{"GET", "/catalog.jsonld", api_catalog_jsonld},
	{"GET", "/catalog.rdf", api_catalog_rdf},
	{"GET", "/datasets", api_search_datasets},
	/* Before /datasets/{id}, which would take "x.ttl" as an id. */
	{"GET", "/datasets/{id}.ttl", api_dataset_ttl},
	{"GET", "/datasets/{id}.jsonld", api_dataset_jsonld},
	{"GET", "/datasets/{id}.rdf", api_dataset_rdf},
	{"GET", "/datasets/{id}", api_datasets_get},
	{"GET", "/datasets/{id}/records", api_records_get},
	{"GET", "/datasets/{id}/records.geojson", api_records_geojson},
	{"GET", "/datasets/{id}/records.csv", api_exports_csv},
	{"GET", "/datasets/{id}/versions", api_versions_list},
	{"GET", "/datasets/{id}/runs", api_runs_list},
	{"GET", "/datasets/{id}/runs/{run}", api_runs_get},
};

#define N_ROUTES (sizeof routes / sizeof routes[0])

/* Captured {name} segments, copied NUL-terminated. */
struct captures {
	char buf[API_ROUTE_MAX_ARGS][API_SEGMENT_MAX + 1];
	const char *args[API_ROUTE_MAX_ARGS + 1];
	size_t n;
};

/* True when path matches pattern; fills caps with the {name} segments.
 * A pattern segment {name}.ext matches a segment ending in .ext and
 * captures what comes before. */
static bool match(const char *pattern, const char *path, struct captures *caps)
{
	const char *p = pattern, *s = path, *close;
	size_t plen, slen, tail, cap;

	caps->n = 0;
	while (*p && *s) {
		if (*p != '/' || *s != '/')
			return false;
		p++;
		s++;
		plen = strcspn(p, "/");
		slen = strcspn(s, "/");
		close = p[0] == '{' ? memchr(p, '}', plen) : NULL;

		if (close && close - p > 1) {
			tail = plen - (size_t)(close + 1 - p);
			if (slen <= tail || caps->n == API_ROUTE_MAX_ARGS ||
			    memcmp(s + slen - tail, close + 1, tail) != 0)
				return false;
			cap = slen - tail;
			if (cap > API_SEGMENT_MAX)
				return false;
			memcpy(caps->buf[caps->n], s, cap);
			caps->buf[caps->n][cap] = '\0';
			caps->args[caps->n] = caps->buf[caps->n];
			caps->n++;
		} else if (plen != slen || memcmp(p, s, plen) != 0) {
			return false;
		}
		p += plen;
		s += slen;
	}
	caps->args[caps->n] = NULL;
	return !*p && !*s;
}

void api_routes_dispatch(struct api_request *req)
{
	struct captures caps;
	bool path_known = false;
	char shown[96];
	size_t i;

	if (strlen(req->path) > API_PATH_MAX ||
	    req->target_len > API_TARGET_MAX) {
		api_reply_error(req, API_ERR_URI_TOO_LONG, NULL,
				"The request path must be at most %d bytes "
				"and path and query together at most %d.",
				API_PATH_MAX, API_TARGET_MAX);
		return;
	}
	for (i = 0; i < N_ROUTES; i++) {
		if (!match(routes[i].pattern, req->path, &caps))
			continue;
		path_known = true;
		if (strcmp(req->method, routes[i].method) == 0 ||
		    (strcmp(req->method, "HEAD") == 0 &&
		     strcmp(routes[i].method, "GET") == 0)) {
			routes[i].handler(req, caps.args);
			return;
		}
	}
	if (path_known) {
		char error[sizeof req->method + 32];

		/* req->method is sanitised already. */
		snprintf(error, sizeof error, "method %s not allowed",
			 req->method);
		api_sanitize(shown, sizeof shown, req->path);
		api_reply_error(req, API_ERR_METHOD_NOT_ALLOWED, error,
				"This API is read-only: \"%s\" answers GET and "
				"HEAD only.",
				shown);
		return;
	}
	api_sanitize(shown, sizeof shown, req->path);
	api_reply_error(req, API_ERR_NOT_FOUND, NULL,
			"No resource at \"%s\".  The API serves /health, "
			"/catalog (.ttl, .jsonld, .rdf), "
			"/datasets, /datasets/{id} (.ttl, .jsonld, .rdf), "
			"/datasets/{id}/records, "
			"/datasets/{id}/records.geojson, /datasets/{id}/records.csv, "
			"/datasets/{id}/versions and /datasets/{id}/runs.",
			shown);
}
