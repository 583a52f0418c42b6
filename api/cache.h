/*
 * cache.h: answers about the catalogue kept in memory until it changes.
 *
 * A search or a page of the DCAT catalogue costs milliseconds of database
 * time, the catalogue changes a few times an hour, and reusers ask the same
 * questions (the home page, a theme, a word) again and again.  So such an
 * answer is kept, keyed by the request's path, query parameters and the one
 * request header it varies on (Accept for negotiated answers), and served
 * again without the database while the catalogue has not changed.
 *
 * How a change is known: sql/007_search.sql's statement triggers NOTIFY
 * odp_catalogue whenever datasets, distributions, publishers, local_themes
 * or catalogue change, and odp-api LISTENs on a connection of its own; each
 * notification moves the cache to a new generation, and an entry is served
 * only in the generation it was built in.  Notifications arrive after the
 * commit, so waiting for them would leave a moment in which a client that
 * has just changed the catalogue reads the old answer.  Hence every lookup
 * first makes a round trip on the listening connection (an empty query):
 * PostgreSQL sends the notifications of every transaction committed before
 * that query ahead of its answer, so a lookup sees every change committed
 * before the request.  The generation a handler stores under is the one
 * its lookup saw, before its query: an answer computed from a snapshot
 * older than a change is never served after that change is known.  While
 * the listening connection is down (start-up, database away) nothing is
 * cached or served from the cache; after a reconnection everything older
 * is dropped, since notifications may have been missed.  A thread drains
 * notifications between requests, so that they never pile up in the
 * server's queue, and reconnects.
 *
 * All functions are thread-safe; a NULL cache (ODP_API_CACHE_MB=0) is a
 * cache that never hits and never stores.
 */
#ifndef ODP_API_CACHE_H
#define ODP_API_CACHE_H

#include "request.h"

#include <stddef.h>
#include <stdint.h>

struct api_cache;

/* A cache of at most max_bytes of answers and keys (an answer larger than
 * max_bytes / 16 is not kept), with its listener thread started.  NULL
 * when max_bytes is 0.  Cannot fail: a listener that cannot connect keeps
 * trying, once a second. */
struct api_cache *api_cache_new(size_t max_bytes);

/* Stops the listener and frees every entry.  NULL is a no-op. */
void api_cache_free(struct api_cache *cache);

/* The key of req: its path, its query parameters in order and the value
 * of request header vary (NULL: none).  The caller frees it. */
char *api_cache_key(const struct api_request *req, const char *vary,
		    size_t *len);

/* Answers req from the cache when key is there in the current generation
 * (200, or 304 when If-None-Match matches its ETag) and returns true;
 * false when the handler must build the answer, then with *gen set to the
 * generation to store it under (0: do not store).  key may be NULL (never
 * found). */
bool api_cache_reply(struct api_request *req, struct api_cache *cache,
		     const char *key, size_t key_len, uint64_t *gen);

/* Answers 200 with body (len bytes, taken: freed by MHD), its Content-Type
 * and ETag (may be NULL), and keeps a copy under key when gen is still the
 * current generation. */
void api_cache_answer(struct api_request *req, struct api_cache *cache,
		      const char *key, size_t key_len, uint64_t gen,
		      const char *content_type, const char *etag, char *body,
		      size_t len);

#endif
