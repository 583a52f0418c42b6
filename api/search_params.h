/*
 * search_params.h: the query string of GET /datasets, read and checked
 * before any SQL runs.
 *
 *   q                 full-text query (websearch syntax: words, "phrase",
 *                     OR, -word), at most SEARCH_Q_MAX bytes; empty or
 *                     blank means no query
 *   theme, keyword, publisher, format, licence
 *                     facet filters, each repeatable (values of one facet
 *                     are ORed, facets ANDed), at most SEARCH_VALUES_MAX
 *                     values of at most SEARCH_VALUE_MAX bytes each
 *   bbox              minlon,minlat,maxlon,maxlat in WGS 84 degrees
 *   modified_since    ISO 8601 date or date-time (UTC when no offset)
 *   sort              relevance (default with q), identifier (default
 *                     without), title, -title, modified, -modified
 *   limit, offset, facet_limit   integers, see search_params.c
 *
 * Single-valued parameters given twice, values that are not UTF-8 or hold
 * a NUL, and every value out of its range are answered 400 bad_parameter
 * with a message that names the parameter.  Unknown parameters are
 * ignored, as everywhere in the API.
 */
#ifndef ODP_API_SEARCH_PARAMS_H
#define ODP_API_SEARCH_PARAMS_H

#include "request.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define SEARCH_Q_MAX 200
#define SEARCH_VALUES_MAX 20
#define SEARCH_VALUE_MAX 200
/* "YYYY-MM-DDTHH:MM:SS.ffffff+HH:MM" and its NUL. */
#define SEARCH_DATETIME_SIZE 33

enum search_facet {
	FACET_THEME,
	FACET_KEYWORD,
	FACET_PUBLISHER,
	FACET_FORMAT,
	FACET_LICENCE,
	N_FACETS
};

/* The parameter name of each facet, in enum order. */
extern const char *const search_facet_names[N_FACETS];

struct search_sort {
	const char *name;      /* as written in ?sort= */
	const char *order_by;  /* its SQL ORDER BY list, over the CTE hits h */
};

struct search_params {
	char *q;                        /* NULL: no full-text query */
	char *values[N_FACETS][SEARCH_VALUES_MAX];
	size_t n_values[N_FACETS];      /* 0: no filter on that facet */
	bool has_bbox;
	double bbox[4];                 /* minlon, minlat, maxlon, maxlat */
	char modified_since[SEARCH_DATETIME_SIZE];  /* "" when absent */
	const struct search_sort *sort; /* never NULL once parsed */
	int64_t limit, offset, facet_limit;
};

/* Reads and checks the parameters of req into p.  True on success; false
 * when a 400 answer has been queued (the handler must then return).
 * Either way search_params_free() releases p. */
bool search_params_parse(struct api_request *req, struct search_params *p);

void search_params_free(struct search_params *p);

/* The pure checks, for the unit tests.  Each returns false with a
 * sentence saying what is wrong in why (at least 160 bytes). */

/* Parses "minlon,minlat,maxlon,maxlat": four finite numbers, longitudes
 * within [-180, 180], latitudes within [-90, 90], each min below its max. */
bool search_parse_bbox(const char *s, double out[4], char *why, size_t size);

/* Parses an ISO 8601 date (YYYY-MM-DD, midnight UTC) or date-time
 * (YYYY-MM-DD[T ]HH:MM[:SS[.f{1,6}]][Z|+HH:MM|-HH:MM|+HHMM]; UTC when no
 * offset; a space stands for '+', which an unencoded query string turns
 * into one) and writes it with an explicit offset into out. */
bool search_parse_datetime(const char *s, char out[SEARCH_DATETIME_SIZE],
			   char *why, size_t size);

/* The sort named name, or NULL. */
const struct search_sort *search_sort_find(const char *name);

#endif
