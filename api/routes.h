/*
 * routes.h: the API's one routing table and its dispatcher.
 *
 * The table in routes.c lists every endpoint as (method, path pattern,
 * handler); a pattern segment written {name} matches any one non-empty path
 * segment, handed to the handler in args[] in order ({name}.ext: one
 * ending in .ext, the part before it handed over).  HEAD is served by
 * the GET handler (MHD drops the body).  A path that matches no pattern is
 * 404 not_found; one that matches with another method is 405.
 */
#ifndef ODP_API_ROUTES_H
#define ODP_API_ROUTES_H

#include "request.h"

/* Most {name} segments a pattern has. */
#define API_ROUTE_MAX_ARGS 2
/* Longest path segment a {name} captures; longer ones match nothing. */
#define API_SEGMENT_MAX 256

/* A handler answers req exactly once; args are the decoded {name}
 * segments, borrowed for the call. */
typedef void api_handler(struct api_request *req, const char *const *args);

/* Routes req (method and path set) to its handler, or answers 404/405. */
void api_routes_dispatch(struct api_request *req);

#endif
