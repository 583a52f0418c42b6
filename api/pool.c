/*
 * pool.c: a fixed set of database connections shared by the MHD worker
 * threads (see pool.h).
 *
 * Why a pool rather than one connection per thread: MHD serves many
 * connections from each worker thread.  A streamed answer (records.geojson)
 * holds its connection, inside a transaction with an open cursor, across
 * many content-reader callbacks, and between two of them the same thread
 * serves other requests; those cannot use the connection that the cursor
 * occupies.  So connections are lent per answer, not per thread, and the
 * pool is sized larger than the thread count (2 x threads by default).
 *
 * The cost: a request that finds every connection lent waits, blocking its
 * worker thread and the streams that thread serves, for at most
 * API_POOL_WAIT_SECONDS, then gets 503 server_busy.  The wait is bounded, so
 * a thread whose own streams hold all the connections recovers.
 *
 * Borrowing does not check the connection with a round trip: a connection
 * that died while pooled (database restart) is detected by the first
 * statement, which api_conn_query() then retries on a fresh connection.
 */
#include "pool.h"

#include "db.h"
#include "log.h"
#include "util.h"

#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

struct api_pool {
	pthread_mutex_t lock;
	pthread_cond_t returned;   /* signalled when a connection is returned */
	size_t n_conns;
	struct api_conn *conns;
};

/* Settings of every API session: a name for pg_stat_activity, and a bound
 * on any one statement (a FETCH of a batch or a page is far quicker). */
static const char session_setup[] =
	"SET application_name = 'odp-api'; SET statement_timeout = '60s'";

struct api_pool *api_pool_new(size_t size)
{
	struct api_pool *pool = xcalloc(1, sizeof *pool);
	pthread_condattr_t attr;

	pthread_mutex_init(&pool->lock, NULL);
	pthread_condattr_init(&attr);
	pthread_condattr_setclock(&attr, CLOCK_MONOTONIC);
	pthread_cond_init(&pool->returned, &attr);
	pthread_condattr_destroy(&attr);
	pool->n_conns = size ? size : 1;
	pool->conns = xcalloc(pool->n_conns, sizeof *pool->conns);
	return pool;
}

void api_pool_free(struct api_pool *pool)
{
	size_t i;

	if (!pool)
		return;
	for (i = 0; i < pool->n_conns; i++)
		PQfinish(pool->conns[i].pg);
	free(pool->conns);
	pthread_cond_destroy(&pool->returned);
	pthread_mutex_destroy(&pool->lock);
	free(pool);
}

/* Opens conn->pg; false with errbuf set when the database is unreachable. */
static bool conn_open(struct api_conn *conn, char *errbuf)
{
	conn->pg = db_connect(errbuf);
	if (!conn->pg)
		return false;
	PQclear(PQexec(conn->pg, session_setup));
	return true;
}

/* Takes a free slot, preferring an open connection; NULL if none is free.
 * Called with the lock held. */
static struct api_conn *take_free(struct api_pool *pool)
{
	struct api_conn *closed = NULL;
	size_t i;

	for (i = 0; i < pool->n_conns; i++) {
		struct api_conn *c = &pool->conns[i];

		if (c->in_use)
			continue;
		if (c->pg) {
			c->in_use = true;
			return c;
		}
		if (!closed)
			closed = c;
	}
	if (closed)
		closed->in_use = true;
	return closed;
}

enum odp_status api_pool_borrow(struct api_pool *pool, struct api_conn **out,
				char *errbuf)
{
	struct api_conn *conn;
	struct timespec deadline;

	*out = NULL;
	clock_gettime(CLOCK_MONOTONIC, &deadline);
	deadline.tv_sec += API_POOL_WAIT_SECONDS;
	pthread_mutex_lock(&pool->lock);
	while ((conn = take_free(pool)) == NULL) {
		if (pthread_cond_timedwait(&pool->returned, &pool->lock,
					   &deadline) != 0) {
			conn = take_free(pool);
			break;
		}
	}
	pthread_mutex_unlock(&pool->lock);
	if (!conn) {
		util_seterr(errbuf, "all %zu database connections are busy",
			    pool->n_conns);
		return ODP_ERR_BUSY;
	}
	conn->used = false;
	conn->sqlstate[0] = '\0';
	if (conn->pg && PQstatus(conn->pg) != CONNECTION_OK) {
		PQfinish(conn->pg);
		conn->pg = NULL;
	}
	if (!conn->pg && !conn_open(conn, errbuf)) {
		api_pool_return(pool, conn);
		return ODP_ERR_DB;
	}
	*out = conn;
	return ODP_OK;
}

void api_pool_return(struct api_pool *pool, struct api_conn *conn)
{
	if (!conn)
		return;
	if (conn->pg && PQstatus(conn->pg) == CONNECTION_OK &&
	    PQtransactionStatus(conn->pg) != PQTRANS_IDLE)
		PQclear(PQexec(conn->pg, "ROLLBACK"));
	if (conn->pg && (PQstatus(conn->pg) != CONNECTION_OK ||
			 PQtransactionStatus(conn->pg) != PQTRANS_IDLE)) {
		PQfinish(conn->pg);
		conn->pg = NULL;
	}
	pthread_mutex_lock(&pool->lock);
	conn->in_use = false;
	pthread_cond_signal(&pool->returned);
	pthread_mutex_unlock(&pool->lock);
}

/* Copies the error of res (or of the connection) without its newline. */
static void set_query_error(struct api_conn *conn, const PGresult *res,
			    char *errbuf)
{
	const char *msg = res ? PQresultErrorMessage(res) : "";
	const char *state = res ? PQresultErrorField(res, PG_DIAG_SQLSTATE)
				: NULL;
	int len;

	if (!*msg && conn->pg)
		msg = PQerrorMessage(conn->pg);
	len = (int)strcspn(msg, "\n");
	util_seterr(errbuf, "database error: %.*s", len,
		    len ? msg : "no message");
	util_strlcpy(conn->sqlstate, state ? state : "",
		     sizeof conn->sqlstate);
}

static PGresult *run(struct api_conn *conn, const char *sql, int n_params,
		     const char *const *params)
{
	return PQexecParams(conn->pg, sql, n_params, NULL, params, NULL, NULL,
			    0);
}

static bool query_ok(const PGresult *res)
{
	ExecStatusType st = PQresultStatus(res);

	return st == PGRES_COMMAND_OK || st == PGRES_TUPLES_OK;
}

PGresult *api_conn_query(struct api_conn *conn, const char *sql, int n_params,
			 const char *const *params, char *errbuf)
{
	bool first = !conn->used;
	PGresult *res;

	conn->used = true;
	conn->sqlstate[0] = '\0';
	if (!conn->pg) {
		util_seterr(errbuf, "no database connection");
		return NULL;
	}
	res = run(conn, sql, n_params, params);
	if (query_ok(res))
		return res;
	if (first && PQstatus(conn->pg) == CONNECTION_BAD) {
		log_warn("database connection lost while pooled; reconnecting");
		PQclear(res);
		PQfinish(conn->pg);
		if (!conn_open(conn, errbuf))
			return NULL;
		res = run(conn, sql, n_params, params);
		if (query_ok(res))
			return res;
	}
	set_query_error(conn, res, errbuf);
	PQclear(res);
	return NULL;
}

bool api_conn_lost(const struct api_conn *conn)
{
	return !conn || !conn->pg || PQstatus(conn->pg) != CONNECTION_OK;
}
