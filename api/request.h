/*
 * request.h: one HTTP request as the handlers see it, and the ways to answer.
 *
 * main.c sets up a struct api_request when MHD first sees a request line,
 * routes.c hands it to one handler, and the handler answers exactly once
 * through one of the api_reply_* functions below (or api_reply_error() in
 * errors.h).  Answering records the status for the access log line and the
 * value the MHD access handler must return, so a handler returns void and
 * cannot forget either.  Every answer carries Cache-Control: no-cache (a
 * client revalidates with If-None-Match) and Access-Control-Allow-Origin: *
 * (open data, read from browsers by demonstrators and reusers' pages).
 */
#ifndef ODP_API_REQUEST_H
#define ODP_API_REQUEST_H

#include "pool.h"

#include <jansson.h>
#include <microhttpd.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <time.h>

#define API_CONTENT_JSON "application/json; charset=utf-8"
#define API_CONTENT_GEOJSON "application/geo+json"

/* Longest decoded path we route; longer ones get 414 uri_too_long. */
#define API_PATH_MAX 1024
/* Longest raw request target (path and query) we accept. */
#define API_TARGET_MAX 4096
/* Room for an ETag: a quoted "v" and a 64-bit integer, or a hash. */
#define API_ETAG_SIZE 48

struct api_cache;

/* What every request shares; lives as long as the daemon. */
struct api_server {
	const char *base_url;   /* absolute, without trailing slash */
	struct api_pool *pool;
	struct api_cache *cache; /* NULL: no answer cache (cache.h) */
};

struct api_request {
	const struct api_server *server;   /* borrowed */
	struct MHD_Connection *connection; /* borrowed from MHD */
	const char *path;       /* decoded path, from MHD, during routing */
	char method[16];        /* copied, sanitised, for routing and the log */
	char target[256];       /* raw path and query, sanitised, for the log */
	size_t target_len;      /* length of the raw target */
	struct timespec started;
	unsigned int status;    /* status of the queued answer; 0 until then */
	enum MHD_Result result; /* what the MHD access handler returns */
	bool headers_seen;      /* the access handler was called once */
	bool dispatched;        /* routed; the answer is queued */
	bool started_request;   /* seen by MHD, not yet completed */
	bool may_wait;          /* may be suspended until a connection frees */
	bool suspended;         /* waits for a connection; will run again */
	const char *vary;       /* static: request header the answer depends on */
	struct api_pool_waiter waiter;
};

/* Queues resp with status and the common headers; takes resp (destroys our
 * reference).  Records status and the MHD result in req. */
void api_reply(struct api_request *req, unsigned int status,
	       struct MHD_Response *resp);

/* Answers with body as compact JSON; takes the reference to body.  etag may
 * be NULL (no ETag header). */
void api_reply_json(struct api_request *req, unsigned int status,
		    json_t *body, const char *etag);

/* Answers 200 with body as compact JSON, or 304 when If-None-Match holds
 * its ETag "v<version>-<digest of the body>": for answers that change
 * without a new version of the data (metadata, quality).  Takes body. */
void api_reply_json_digest(struct api_request *req, json_t *body,
			   int64_t version);

/* Writes the ETag of answers built from dataset version into buf
 * (API_ETAG_SIZE bytes): "v<version>", quotes included. */
void api_etag_version(char *buf, int64_t version);

/* True when the request's If-None-Match matches etag (weak comparison, as
 * RFC 9110 asks for If-None-Match); then a 304 answer with the ETag and no
 * body has been queued and the handler must return. */
bool api_reply_not_modified(struct api_request *req, const char *etag);

/* Borrows a database connection for this request.  NULL when none can be
 * had now: then either a 503 (database_unavailable or server_busy) has been
 * queued, or the request was suspended until one frees (req->suspended),
 * after which the handler runs again from the start.  Either way the
 * handler returns at once.  Handlers therefore do nothing that matters
 * before they borrow. */
struct api_conn *api_request_db(struct api_request *req);

/* Copies client text s into dst (size bytes) so that it can be quoted in a
 * message or a log line: printable ASCII only, other bytes, quotes and
 * backslashes as \xNN; what does not fit ends with "...".  The size of dst
 * thus bounds how much a message echoes.  Always NUL-terminates (size > 0);
 * cannot fail. */
void api_sanitize(char *dst, size_t size, const char *s);

/* Milliseconds since the request started. */
long api_request_ms(const struct api_request *req);

#endif
