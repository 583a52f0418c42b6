/*
 * pool.h: the API's database connections.
 *
 * A request borrows one connection for the whole life of its answer and
 * gives it back when done; a streamed answer keeps it until MHD frees the
 * response.  Connections open lazily with db_connect() and are reopened on
 * the next borrow when found broken, so the API heals by itself once the
 * database is back.
 */
#ifndef ODP_API_POOL_H
#define ODP_API_POOL_H

#include "odp.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>

/* How long a request waits for a free connection before server_busy. */
#define API_POOL_WAIT_SECONDS 5

struct api_pool;

/* One pooled connection.  Handlers use pg between borrow and return; the
 * other fields belong to pool.c. */
struct api_conn {
	PGconn *pg;          /* NULL while closed */
	bool in_use;
	bool used;           /* a statement ran since the borrow */
	char sqlstate[6];    /* SQLSTATE of the last failed statement, or "" */
};

/* A pool of size connections, none open yet.  Cannot fail. */
struct api_pool *api_pool_new(size_t size);
/* Closes every connection; all must have been returned.  NULL is a no-op. */
void api_pool_free(struct api_pool *pool);

/* Borrows a connection, opening it if needed.  Returns ODP_OK with *out
 * set; ODP_ERR_BUSY when none came free within API_POOL_WAIT_SECONDS;
 * ODP_ERR_DB when the database cannot be reached (reason in errbuf). */
enum odp_status api_pool_borrow(struct api_pool *pool, struct api_conn **out,
				char *errbuf);

/* Gives conn back.  A connection left inside a transaction is rolled back;
 * a broken one is closed, to be reopened by a later borrow.  NULL is a
 * no-op. */
void api_pool_return(struct api_pool *pool, struct api_conn *conn);

/* Runs sql with text parameters on conn, expecting a command or rows.
 * Returns the result (caller PQclear()s it) or NULL with errbuf set and
 * conn->sqlstate holding the SQLSTATE.  When the first statement after a
 * borrow finds the connection dead (the server restarted while it sat in
 * the pool), the connection is reopened and the statement run once more. */
PGresult *api_conn_query(struct api_conn *conn, const char *sql, int n_params,
			 const char *const *params, char *errbuf);

/* True when conn is closed or broken. */
bool api_conn_lost(const struct api_conn *conn);

#endif
