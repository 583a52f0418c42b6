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
 * Why waiting requests are suspended rather than blocked: a worker thread
 * that blocked until a connection came back would stop feeding its own
 * streams, which hold the very connections it waits for; under load every
 * thread ends up waiting out the timeout.  A suspended request costs no
 * thread.  Waiters queue in FIFO order; one whose turn was taken by a newer
 * request goes back to the head.
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

struct api_pool {
	pthread_mutex_t lock;   /* guards in_use, the queue and closing */
	size_t n_conns;
	struct api_conn *conns;
	struct api_pool_waiter *head, *tail;   /* suspended requests */
	bool closing;
};

/* Settings of every API session: a name for pg_stat_activity, and a bound
 * on any one statement (a FETCH of a batch or a page is far quicker). */
static const char session_setup[] =
	"SET application_name = 'odp-api'; SET statement_timeout = '60s'";

struct api_pool *api_pool_new(size_t size)
{
	struct api_pool *pool = xcalloc(1, sizeof *pool);

	pthread_mutex_init(&pool->lock, NULL);
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

/* The free slot to lend, preferring an open connection; NULL if none.
 * Called with the lock held. */
static struct api_conn *find_free(struct api_pool *pool)
{
	struct api_conn *closed = NULL;
	size_t i;

	for (i = 0; i < pool->n_conns; i++) {
		struct api_conn *c = &pool->conns[i];

		if (c->in_use)
			continue;
		if (c->pg)
			return c;
		if (!closed)
			closed = c;
	}
	return closed;
}

/* Queues w at the tail, or at the head when it has waited before (its
 * turn was taken).  Called with the lock held. */
static void enqueue(struct api_pool *pool, struct api_pool_waiter *w,
		    bool at_head)
{
	w->next = NULL;
	if (!pool->head) {
		pool->head = pool->tail = w;
	} else if (at_head) {
		w->next = pool->head;
		pool->head = w;
	} else {
		pool->tail->next = w;
		pool->tail = w;
	}
}

/* Unlinks and returns the head waiter, or NULL.  Lock held. */
static struct api_pool_waiter *dequeue(struct api_pool *pool)
{
	struct api_pool_waiter *w = pool->head;

	if (w) {
		pool->head = w->next;
		if (!pool->head)
			pool->tail = NULL;
		w->next = NULL;
	}
	return w;
}

static bool reached(const struct timespec *now, const struct timespec *t)
{
	return now->tv_sec > t->tv_sec ||
	       (now->tv_sec == t->tv_sec && now->tv_nsec >= t->tv_nsec);
}

/* Suspends w's request and queues it; resumes it at once if a connection
 * came free (or the pool closed) in between, so no wake-up is lost. */
static void wait_for_conn(struct api_pool *pool, struct api_pool_waiter *w,
			  bool again)
{
	bool resume;

	/* Suspend before queueing: a waiter in the queue may be resumed by
	 * any thread at any time, and resuming a request that is not yet
	 * suspended would be lost. */
	MHD_suspend_connection(w->connection);
	pthread_mutex_lock(&pool->lock);
	resume = pool->closing || find_free(pool) != NULL;
	if (!resume)
		enqueue(pool, w, again);
	pthread_mutex_unlock(&pool->lock);
	if (resume)
		MHD_resume_connection(w->connection);
}

enum api_pool_result api_pool_borrow(struct api_pool *pool,
				     struct api_pool_waiter *waiter,
				     struct api_conn **out, char *errbuf)
{
	struct api_conn *conn;
	struct timespec now;
	bool again, closing;

	*out = NULL;
	clock_gettime(CLOCK_MONOTONIC, &now);
	pthread_mutex_lock(&pool->lock);
	conn = find_free(pool);
	if (conn)
		conn->in_use = true;
	closing = pool->closing;
	pthread_mutex_unlock(&pool->lock);
	if (!conn) {
		if (!waiter || closing ||
		    (waiter->has_deadline && reached(&now, &waiter->deadline))) {
			if (closing)
				util_seterr(errbuf, "no database connection "
						    "free while shutting down");
			else
				util_seterr(errbuf, "all %zu database "
						    "connections are busy",
					    pool->n_conns);
			return API_POOL_BUSY;
		}
		again = waiter->has_deadline;
		if (!again) {
			waiter->deadline = now;
			waiter->deadline.tv_sec += API_POOL_WAIT_SECONDS;
			waiter->has_deadline = true;
		}
		wait_for_conn(pool, waiter, again);
		return API_POOL_SUSPENDED;
	}
	conn->used = false;
	conn->sqlstate[0] = '\0';
	if (conn->pg && PQstatus(conn->pg) != CONNECTION_OK) {
		PQfinish(conn->pg);
		conn->pg = NULL;
	}
	if (!conn->pg && !conn_open(conn, errbuf)) {
		api_pool_return(pool, conn);
		return API_POOL_UNAVAILABLE;
	}
	*out = conn;
	return API_POOL_OK;
}

void api_pool_return(struct api_pool *pool, struct api_conn *conn)
{
	struct api_pool_waiter *w;

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
	w = dequeue(pool);
	pthread_mutex_unlock(&pool->lock);
	/* Once resumed, the request may finish and be freed on another
	 * thread at once: w is not touched after this. */
	if (w)
		MHD_resume_connection(w->connection);
}

/* Unlinks the waiters whose deadline is reached at now (all of them when
 * now is NULL) and resumes them, outside the lock. */
static void resume_waiters(struct api_pool *pool, const struct timespec *now)
{
	struct api_pool_waiter *w, *next, *prev = NULL, *chosen = NULL;

	pthread_mutex_lock(&pool->lock);
	for (w = pool->head; w; w = next) {
		next = w->next;
		if (now && !reached(now, &w->deadline)) {
			prev = w;
			continue;
		}
		if (prev)
			prev->next = next;
		else
			pool->head = next;
		if (pool->tail == w)
			pool->tail = prev;
		w->next = chosen;
		chosen = w;
	}
	pthread_mutex_unlock(&pool->lock);
	for (w = chosen; w; w = next) {
		next = w->next;
		MHD_resume_connection(w->connection);
	}
}

void api_pool_expire(struct api_pool *pool)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	resume_waiters(pool, &now);
}

void api_pool_close(struct api_pool *pool)
{
	pthread_mutex_lock(&pool->lock);
	pool->closing = true;
	pthread_mutex_unlock(&pool->lock);
	resume_waiters(pool, NULL);
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
