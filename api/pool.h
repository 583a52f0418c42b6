/*
 * pool.h: the API's database connections.
 *
 * A request borrows one connection for the whole life of its answer and
 * gives it back when done; a streamed answer keeps it until MHD frees the
 * response.  Connections open lazily with db_connect() and are reopened on
 * the next borrow when found broken, so the API heals by itself once the
 * database is back.
 *
 * When every connection is lent, the request is suspended in MHD (its
 * worker thread goes on serving other connections) and queued; a returned
 * connection resumes the oldest waiter, whose handler then runs again from
 * the start.  A request still waiting after API_POOL_WAIT_SECONDS is resumed
 * by api_pool_expire() and answered 503 server_busy.
 */
#ifndef ODP_API_POOL_H
#define ODP_API_POOL_H

#include "odp.h"

#include <libpq-fe.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <time.h>

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

/* A request's place in the queue for a connection; lives in the request,
 * which MHD cannot free while it is suspended.  Zero it before first use
 * and set connection. */
struct api_pool_waiter {
	struct MHD_Connection *connection;
	struct timespec deadline;     /* set when it first has to wait */
	bool has_deadline;
	struct api_pool_waiter *next; /* in the queue; owned by pool.c */
};

enum api_pool_result {
	API_POOL_OK,          /* *out is the borrowed connection */
	API_POOL_SUSPENDED,   /* the request is suspended and will run again */
	API_POOL_BUSY,        /* waited API_POOL_WAIT_SECONDS, or shutting down */
	API_POOL_UNAVAILABLE  /* the database cannot be reached (errbuf) */
};

/* A pool of size connections, none open yet.  Cannot fail. */
struct api_pool *api_pool_new(size_t size);
/* Closes every connection; all must have been returned.  NULL is a no-op. */
void api_pool_free(struct api_pool *pool);

/* Borrows a connection, opening it if needed.  Must be called from the MHD
 * access handler of waiter's connection.  With waiter NULL (a request that
 * cannot be suspended), a request that finds no free connection gets
 * API_POOL_BUSY at once.  errbuf (ODP_ERRBUF_SIZE) says why on failure. */
enum api_pool_result api_pool_borrow(struct api_pool *pool,
				     struct api_pool_waiter *waiter,
				     struct api_conn **out, char *errbuf);

/* Gives conn back and resumes the oldest waiter.  A connection left inside
 * a transaction is rolled back; a broken one is closed, to be reopened by a
 * later borrow.  NULL is a no-op.  Any thread. */
void api_pool_return(struct api_pool *pool, struct api_conn *conn);

/* Resumes the waiters whose deadline has passed; called a few times a
 * second from outside MHD's threads. */
void api_pool_expire(struct api_pool *pool);

/* Resumes every waiter and makes later borrows fail rather than wait; for
 * shutdown, before MHD_stop_daemon(), which refuses suspended requests. */
void api_pool_close(struct api_pool *pool);

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
