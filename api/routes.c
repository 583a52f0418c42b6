/*
 * routes.c: the routing table and the dispatcher (see routes.h).
 *
 * Matching is a walk over the segments of the pattern and the path, so the
 * table reads like the API's documentation.  With a handful of routes a
 * linear scan costs nothing next to a database round trip.
 */
#include "routes.h"

#include "datasets.h"
#include "errors.h"
#include "health.h"
#include "records.h"
#include "runs.h"
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
	{"GET", "/datasets", api_datasets_list},
	{"GET", "/datasets/{id}", api_datasets_get},
	{"GET", "/datasets/{id}/records", api_records_get},
	{"GET", "/datasets/{id}/records.geojson", api_records_geojson},
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

/* True when path matches pattern; fills caps with the {name} segments. */
static bool match(const char *pattern, const char *path, struct captures *caps)
{
	const char *p = pattern, *s = path;
	size_t plen, slen;

	caps->n = 0;
	while (*p && *s) {
		if (*p != '/' || *s != '/')
			return false;
		p++;
		s++;
		plen = strcspn(p, "/");
		slen = strcspn(s, "/");

		if (plen > 2 && p[0] == '{' && p[plen - 1] == '}') {
			if (slen == 0 || slen > API_SEGMENT_MAX ||
			    caps->n == API_ROUTE_MAX_ARGS)
				return false;
			memcpy(caps->buf[caps->n], s, slen);
			caps->buf[caps->n][slen] = '\0';
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
			"/datasets, /datasets/{id}, /datasets/{id}/records, "
			"/datasets/{id}/records.geojson, "
			"/datasets/{id}/versions and /datasets/{id}/runs.",
			shown);
}
