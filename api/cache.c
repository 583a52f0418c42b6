/*
 * cache.c: the answer cache and its listener (see cache.h).
 *
 * A hash table of entries chained per bucket, and a list of them from the
 * most to the least recently used; both under one mutex, held for a
 * lookup and the copy of one answer.  When the generation moves on, the
 * next lookup or store drops every entry at once.  Eviction takes the
 * least recently used entries until the total fits.
 *
 * The listening connection has a mutex of its own, held for a round trip
 * or a drain; the two locks are never held together.  Only the listener
 * thread opens and closes the connection, so the socket it polls stays
 * valid; a request that finds the connection broken marks it so.
 */
#include "cache.h"

#include "db.h"
#include "log.h"
#include "odp.h"
#include "sb.h"
#include "util.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#define N_BUCKETS 4096
/* The listener's poll timeout: how fast it sees api_cache_free(). */
#define POLL_MS 200
/* Between two attempts to connect. */
#define RETRY_MS 1000
/* Longest wait for the answer to a lookup's round trip. */
#define SYNC_MS 2000
#define CHANNEL "odp_catalogue"
/* Longest key: the request target is at most API_TARGET_MAX bytes, a
 * header at most a few kilobytes (MHD's default memory limit). */
#define KEY_MAX (4 * API_TARGET_MAX + 8192)

struct entry {
	struct entry *next;             /* in its bucket */
	struct entry *newer, *older;    /* in the LRU list */
	uint64_t hash;
	char *key;
	size_t key_len;
	char *body;
	size_t len;
	char content_type[64];
	char etag[API_ETAG_SIZE];       /* "" when none */
};

struct api_cache {
	pthread_mutex_t lock;           /* the entries */
	struct entry *buckets[N_BUCKETS];
	struct entry *newest, *oldest;
	size_t bytes, max_bytes;
	uint64_t entries_gen;           /* generation of the entries */

	pthread_mutex_t conn_lock;      /* conn, broken and gen */
	PGconn *conn;                   /* LISTENing; NULL while down */
	bool broken;                    /* conn failed; the thread closes it */
	uint64_t gen;

	_Atomic bool stopping;
	pthread_t listener;
};

static uint64_t hash_key(const char *key, size_t len)
{
	uint64_t h = 14695981039346656037ULL;   /* FNV-1a */
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)key[i];
		h *= 1099511628211ULL;
	}
	return h;
}

static size_t entry_cost(const struct entry *e)
{
	return sizeof *e + e->key_len + e->len;
}

static void entry_free(struct entry *e)
{
	free(e->key);
	free(e->body);
	free(e);
}

/* Takes e out of the LRU list.  Lock held. */
static void lru_remove(struct api_cache *c, struct entry *e)
{
	if (e->newer)
		e->newer->older = e->older;
	else
		c->newest = e->older;
	if (e->older)
		e->older->newer = e->newer;
	else
		c->oldest = e->newer;
}

/* Takes e out of its bucket and the LRU list.  Lock held. */
static void unlink_entry(struct api_cache *c, struct entry *e)
{
	struct entry **at = &c->buckets[e->hash % N_BUCKETS];

	while (*at != e)
		at = &(*at)->next;
	*at = e->next;
	lru_remove(c, e);
	c->bytes -= entry_cost(e);
}

/* Makes e the most recently used.  Lock held; e in no list. */
static void push_newest(struct api_cache *c, struct entry *e)
{
	e->older = c->newest;
	e->newer = NULL;
	if (c->newest)
		c->newest->newer = e;
	c->newest = e;
	if (!c->oldest)
		c->oldest = e;
}

/* Frees every entry.  Lock held. */
static void drop_all(struct api_cache *c)
{
	struct entry *e, *older;

	for (e = c->newest; e; e = older) {
		older = e->older;
		entry_free(e);
	}
	memset(c->buckets, 0, sizeof c->buckets);
	c->newest = c->oldest = NULL;
	c->bytes = 0;
}

/* Makes gen the generation of the entries, dropping those of an earlier
 * one; false when gen is older than the entries (a request that synced
 * before a change its neighbours already know of).  Lock held. */
static bool enter_generation(struct api_cache *c, uint64_t gen)
{
	if (gen < c->entries_gen)
		return false;
	if (gen > c->entries_gen) {
		drop_all(c);
		c->entries_gen = gen;
	}
	return true;
}

/* The entry of key, or NULL.  Lock held. */
static struct entry *find(struct api_cache *c, const char *key, size_t len,
			  uint64_t hash)
{
	struct entry *e;

	for (e = c->buckets[hash % N_BUCKETS]; e; e = e->next)
		if (e->hash == hash && e->key_len == len &&
		    memcmp(e->key, key, len) == 0)
			return e;
	return NULL;
}

/* Appends "<len>:<bytes>" to sb, so that no value can pass for two. */
static void put_part(struct sb *sb, const char *s, size_t len)
{
	sb_printf(sb, "%zu:", len);
	sb_append(sb, s, len);
}

static enum MHD_Result put_arg(void *cls, enum MHD_ValueKind kind,
			       const char *key, size_t key_size,
			       const char *value, size_t value_size)
{
	struct sb *sb = cls;

	(void)kind;
	put_part(sb, key, key_size);
	if (value)
		put_part(sb, value, value_size);
	else
		sb_putc(sb, '-');
	return MHD_YES;
}

char *api_cache_key(const struct api_request *req, const char *vary,
		    size_t *len)
{
	const char *header = NULL;
	struct sb sb;

	sb_init(&sb, KEY_MAX);
	put_part(&sb, req->path, strlen(req->path));
	MHD_get_connection_values_n(req->connection, MHD_GET_ARGUMENT_KIND,
				    put_arg, &sb);
	sb_putc(&sb, '|');
	if (vary)
		header = MHD_lookup_connection_value(req->connection,
						     MHD_HEADER_KIND, vary);
	if (header)
		put_part(&sb, header, strlen(header));
	if (sb_failed(&sb)) {
		sb_free(&sb);
		return NULL;
	}
	*len = sb.len;
	return sb_steal(&sb);
}

/* Counts the notifications that came in.  conn_lock held. */
static void drain(struct api_cache *c)
{
	PGnotify *n;

	while ((n = PQnotifies(c->conn)) != NULL) {
		c->gen++;
		PQfreemem(n);
	}
}

/* An empty query and its answer on conn, in at most SYNC_MS: false when
 * the connection failed or the server did not answer in time (a network
 * that drops packets must not hold every request behind this lock). */
static bool round_trip(PGconn *conn)
{
	struct timespec start, now;
	PGresult *res;
	bool ok = true;

	if (!PQsendQuery(conn, ""))
		return false;
	clock_gettime(CLOCK_MONOTONIC, &start);
	for (;;) {
		struct pollfd pfd = {PQsocket(conn), POLLIN, 0};
		long left;

		if (!PQconsumeInput(conn))
			return false;
		if (!PQisBusy(conn))
			break;
		clock_gettime(CLOCK_MONOTONIC, &now);
		left = SYNC_MS - (now.tv_sec - start.tv_sec) * 1000 -
		       (now.tv_nsec - start.tv_nsec) / 1000000;
		if (left <= 0 || (poll(&pfd, 1, (int)left) < 0 && errno != EINTR))
			return false;
	}
	while ((res = PQgetResult(conn)) != NULL) {
		ok = ok && PQresultStatus(res) == PGRES_EMPTY_QUERY;
		PQclear(res);
	}
	return ok;
}

/* The generation once every change committed so far is known: a round
 * trip on the listening connection brings in their notifications.  0
 * when the connection is down. */
static uint64_t sync_generation(struct api_cache *c)
{
	uint64_t gen = 0;

	pthread_mutex_lock(&c->conn_lock);
	if (c->conn && !c->broken) {
		if (round_trip(c->conn)) {
			drain(c);
			gen = c->gen;
		} else {
			c->broken = true;
			c->gen++;
		}
	}
	pthread_mutex_unlock(&c->conn_lock);
	return gen;
}

bool api_cache_reply(struct api_request *req, struct api_cache *cache,
		     const char *key, size_t key_len, uint64_t *gen_out)
{
	struct MHD_Response *resp = NULL;
	char etag[API_ETAG_SIZE], content_type[64];
	uint64_t gen, hash;
	struct entry *e;

	*gen_out = 0;
	if (!cache || !key)
		return false;
	gen = sync_generation(cache);
	*gen_out = gen;
	if (!gen)
		return false;
	hash = hash_key(key, key_len);
	pthread_mutex_lock(&cache->lock);
	e = enter_generation(cache, gen) ? find(cache, key, key_len, hash)
					 : NULL;
	if (e) {
		lru_remove(cache, e);
		push_newest(cache, e);
		memcpy(etag, e->etag, sizeof etag);
		memcpy(content_type, e->content_type, sizeof content_type);
		resp = MHD_create_response_from_buffer(e->len, e->body,
						       MHD_RESPMEM_MUST_COPY);
	}
	pthread_mutex_unlock(&cache->lock);
	if (!resp)
		return false;
	if (etag[0] && api_reply_not_modified(req, etag)) {
		MHD_destroy_response(resp);
		return true;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				content_type);
	if (etag[0])
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	api_reply(req, MHD_HTTP_OK, resp);
	return true;
}

/* Keeps a copy of an answer.  Lock not held. */
static void store(struct api_cache *c, const char *key, size_t key_len,
		  uint64_t gen, const char *content_type, const char *etag,
		  const char *body, size_t len)
{
	struct entry *e, *old;

	if (!gen || !key || key_len + len > c->max_bytes / 16 ||
	    strlen(content_type) >= sizeof e->content_type ||
	    (etag && strlen(etag) >= sizeof e->etag))
		return;
	e = xcalloc(1, sizeof *e);
	e->hash = hash_key(key, key_len);
	e->key = xmalloc(key_len);
	memcpy(e->key, key, key_len);
	e->key_len = key_len;
	e->body = xmalloc(len ? len : 1);
	memcpy(e->body, body, len);
	e->len = len;
	util_strlcpy(e->content_type, content_type, sizeof e->content_type);
	util_strlcpy(e->etag, etag ? etag : "", sizeof e->etag);

	pthread_mutex_lock(&c->lock);
	/* Entries of a later generation are there: this answer may be
	 * older than a change they know of. */
	if (!enter_generation(c, gen)) {
		pthread_mutex_unlock(&c->lock);
		entry_free(e);
		return;
	}
	old = find(c, key, key_len, e->hash);
	if (old) {
		unlink_entry(c, old);
		entry_free(old);
	}
	e->next = c->buckets[e->hash % N_BUCKETS];
	c->buckets[e->hash % N_BUCKETS] = e;
	push_newest(c, e);
	c->bytes += entry_cost(e);
	while (c->bytes > c->max_bytes && c->oldest != e) {
		old = c->oldest;
		unlink_entry(c, old);
		entry_free(old);
	}
	pthread_mutex_unlock(&c->lock);
}

void api_cache_answer(struct api_request *req, struct api_cache *cache,
		      const char *key, size_t key_len, uint64_t gen,
		      const char *content_type, const char *etag, char *body,
		      size_t len)
{
	struct MHD_Response *resp;

	if (cache)
		store(cache, key, key_len, gen, content_type, etag, body, len);
	resp = MHD_create_response_from_buffer(len, body,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(body);
		req->status = 0;
		req->result = MHD_NO;
		return;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				content_type);
	if (etag)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	api_reply(req, MHD_HTTP_OK, resp);
}


/* Sleeps ms milliseconds, or less when the cache is being freed. */
static void nap(struct api_cache *c, int ms)
{
	for (; ms > 0 && !atomic_load(&c->stopping); ms -= POLL_MS)
		usleep(POLL_MS * 1000);
}

/* Connects and LISTENs; NULL when the database cannot be reached. */
static PGconn *listen_conn(bool *warned)
{
	char errbuf[ODP_ERRBUF_SIZE];
	PGconn *conn = db_connect(errbuf);
	PGresult *res;

	if (conn) {
		res = PQexec(conn, "LISTEN " CHANNEL);
		if (PQresultStatus(res) != PGRES_COMMAND_OK) {
			util_strlcpy(errbuf, PQerrorMessage(conn),
				     sizeof errbuf);
			PQfinish(conn);
			conn = NULL;
		}
		PQclear(res);
	}
	if (!conn) {
		if (!*warned)
			log_warn("answer cache off until the database can be "
				 "reached: %s", errbuf);
		*warned = true;
		return NULL;
	}
	if (*warned)
		log_info("answer cache on again");
	*warned = false;
	return conn;
}

/* Closes a broken connection and opens a new one.  Returns the socket to
 * poll, or -1 (after a nap) when there is none. */
static int keep_connected(struct api_cache *c, bool *warned)
{
	PGconn *conn = NULL;
	int fd = -1;

	pthread_mutex_lock(&c->conn_lock);
	if (c->broken) {
		if (!*warned)
			log_warn("answer cache off: lost the connection that "
				 "listens for catalogue changes");
		PQfinish(c->conn);
		c->conn = NULL;
		c->broken = false;
	}
	fd = c->conn ? PQsocket(c->conn) : -1;
	pthread_mutex_unlock(&c->conn_lock);
	if (fd >= 0)
		return fd;

	conn = listen_conn(warned);
	if (!conn) {
		nap(c, RETRY_MS);
		return -1;
	}
	pthread_mutex_lock(&c->conn_lock);
	c->conn = conn;
	/* Changes made while nobody listened were not heard. */
	c->gen++;
	pthread_mutex_unlock(&c->conn_lock);
	return PQsocket(conn);
}

static void *listener_main(void *arg)
{
	struct api_cache *c = arg;
	bool warned = false;

	while (!atomic_load(&c->stopping)) {
		struct pollfd pfd;
		int ready;

		pfd.fd = keep_connected(c, &warned);
		if (pfd.fd < 0)
			continue;
		pfd.events = POLLIN;
		pfd.revents = 0;
		ready = poll(&pfd, 1, POLL_MS);
		if (ready < 0 && errno != EINTR) {
			nap(c, POLL_MS);
			continue;
		}
		if (ready <= 0)
			continue;
		/* Requests' round trips may have read it all already: then
		 * PQconsumeInput() finds nothing (the socket is non-blocking
		 * inside libpq). */
		pthread_mutex_lock(&c->conn_lock);
		if (!c->broken && (!PQconsumeInput(c->conn) ||
				   PQstatus(c->conn) != CONNECTION_OK)) {
			c->broken = true;
			c->gen++;
		}
		if (!c->broken)
			drain(c);
		pthread_mutex_unlock(&c->conn_lock);
	}
	return NULL;
}

struct api_cache *api_cache_new(size_t max_bytes)
{
	struct api_cache *c;

	if (max_bytes == 0)
		return NULL;
	c = xcalloc(1, sizeof *c);
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->conn_lock, NULL);
	c->max_bytes = max_bytes;
	c->gen = 1;
	atomic_init(&c->stopping, false);
	if (pthread_create(&c->listener, NULL, listener_main, c) != 0) {
		log_warn("answer cache off: could not start its thread");
		pthread_mutex_destroy(&c->conn_lock);
		pthread_mutex_destroy(&c->lock);
		free(c);
		return NULL;
	}
	return c;
}

void api_cache_free(struct api_cache *cache)
{
	if (!cache)
		return;
	atomic_store(&cache->stopping, true);
	pthread_join(cache->listener, NULL);
	PQfinish(cache->conn);
	drop_all(cache);
	pthread_mutex_destroy(&cache->conn_lock);
	pthread_mutex_destroy(&cache->lock);
	free(cache);
}
