/*
 * search.h: GET /datasets, the catalogue's list and search.
 */
#ifndef ODP_API_SEARCH_H
#define ODP_API_SEARCH_H

#include "routes.h"

/* {"total", "limit", "offset", "sort", "datasets": [metadata, ...],
 * "facets": {"theme": [{"value", "label", "count"}, ...], "keyword",
 * "publisher", "format", "licence"}}: the published datasets that match
 * the parameters of search_params.h, one page of them in the order asked
 * for, and the facet counts.  ETag: a digest of the matching datasets'
 * rows. */
api_handler api_search_datasets;

#endif
