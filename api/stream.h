/*
 * stream.h: chunked answers fed from a server-side cursor.
 *
 * The caller opens a transaction on a borrowed connection, declares cursor
 * API_STREAM_CURSOR over a query whose first column is one JSON text per
 * row, and fetches the first batch itself (so that errors still get a
 * proper status).  api_stream_new() then turns that into an MHD response of
 * unknown size: head, the rows joined by commas, tail.  Rows are fetched
 * API_STREAM_BATCH at a time as the client reads, so memory stays bounded
 * by one batch plus one buffer whatever the size of the dataset.
 */
#ifndef ODP_API_STREAM_H
#define ODP_API_STREAM_H

#include "pool.h"

#include <libpq-fe.h>
#include <microhttpd.h>

#define API_STR_(x) #x
#define API_STR(x) API_STR_(x)

#define API_STREAM_CURSOR "odp_rows"
#define API_STREAM_BATCH 1000
/* The FETCH that api_stream_new() expects the first batch to come from. */
#define API_STREAM_FETCH \
	"FETCH " API_STR(API_STREAM_BATCH) " FROM " API_STREAM_CURSOR

/* Returns a response streaming head, the rows of first and of the further
 * FETCHes, and tail.  Takes conn (given back to pool when MHD frees the
 * response, which ends the transaction), first (PQclear()ed) and head and
 * tail (malloc'd, freed).  Returns NULL only if MHD cannot create the
 * response; everything taken has then been released already. */
struct MHD_Response *api_stream_new(struct api_pool *pool,
				    struct api_conn *conn, PGresult *first,
				    char *head, char *tail);

#endif
