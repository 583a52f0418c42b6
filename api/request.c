/*
 * request.c: answering a request (see request.h): common headers, JSON
 * bodies, ETags and 304s, borrowing the request's database connection.
 */
#include "request.h"

#include "errors.h"
#include "pool.h"

#include "log.h"
#include "odp.h"
#include "util.h"

#include <openssl/sha.h>

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void api_reply(struct api_request *req, unsigned int status,
	       struct MHD_Response *resp)
{
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CACHE_CONTROL,
				"no-cache");
	MHD_add_response_header(resp,
				MHD_HTTP_HEADER_ACCESS_CONTROL_ALLOW_ORIGIN,
				"*");
	/* Shared caches must keep one copy per negotiated format. */
	if (req->vary)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_VARY, req->vary);
	req->status = status;
	req->result = MHD_queue_response(req->connection, status, resp);
	MHD_destroy_response(resp);
}

/* The compact JSON text of body (taken), or NULL with a 500 answered. */
static char *json_text(struct api_request *req, json_t *body)
{
	char *text;

	/* 15 significant digits print 0.1 as 0.1 and keep every coordinate
	 * we serve (7 decimals) exact. */
	text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(body);
	if (!text) {
		log_error("could not serialise a JSON answer for %s",
			  req->target);
		api_reply_error(req, API_ERR_INTERNAL, NULL,
				"The server could not build the answer; the "
				"server log has the details.");
	}
	return text;
}

/* Answers with text (taken) as the JSON body. */
static void reply_json_text(struct api_request *req, unsigned int status,
			    char *text, const char *etag)
{
	struct MHD_Response *resp;

	resp = MHD_create_response_from_buffer(strlen(text), text,
					       MHD_RESPMEM_MUST_FREE);
	if (!resp) {
		free(text);
		req->status = 0;
		req->result = MHD_NO;
		return;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				API_CONTENT_JSON);
	if (etag)
		MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	api_reply(req, status, resp);
}

void api_reply_json(struct api_request *req, unsigned int status,
		    json_t *body, const char *etag)
{
	char *text = json_text(req, body);

	if (text)
		reply_json_text(req, status, text, etag);
}

void api_reply_json_digest(struct api_request *req, json_t *body,
			   int64_t version)
{
	unsigned char digest[SHA256_DIGEST_LENGTH];
	char etag[API_ETAG_SIZE];
	char *text = json_text(req, body);

	if (!text)
		return;
	SHA256((const unsigned char *)text, strlen(text), digest);
	snprintf(etag, sizeof etag,
		 "\"v%" PRId64 "-%02x%02x%02x%02x%02x%02x%02x%02x\"", version,
		 digest[0], digest[1], digest[2], digest[3], digest[4],
		 digest[5], digest[6], digest[7]);
	if (api_reply_not_modified(req, etag)) {
		free(text);
		return;
	}
	reply_json_text(req, MHD_HTTP_OK, text, etag);
}

void api_etag_version(char *buf, int64_t version)
{
	snprintf(buf, API_ETAG_SIZE, "\"v%" PRId64 "\"", version);
}

/* True when one entity tag of the If-None-Match list header equals etag;
 * "W/" prefixes are ignored (weak comparison). */
static bool etag_list_matches(const char *header, const char *etag)
{
	size_t etag_len = strlen(etag);
	const char *p = header;

	while (*p) {
		const char *start, *end;

		while (*p == ' ' || *p == '\t' || *p == ',')
			p++;
		if (!*p)
			break;
		if (*p == '*')
			return true;
		if (p[0] == 'W' && p[1] == '/')
			p += 2;
		start = p;
		if (*p == '"') {
			end = strchr(p + 1, '"');
			if (!end)
				return false;
			end++;
		} else {
			end = p;
			while (*end && *end != ',')
				end++;
		}
		if ((size_t)(end - start) == etag_len &&
		    memcmp(start, etag, etag_len) == 0)
			return true;
		p = end;
		while (*p && *p != ',')
			p++;
	}
	return false;
}

bool api_reply_not_modified(struct api_request *req, const char *etag)
{
	const char *header;
	struct MHD_Response *resp;

	header = MHD_lookup_connection_value(req->connection, MHD_HEADER_KIND,
					     MHD_HTTP_HEADER_IF_NONE_MATCH);
	if (!header || !etag_list_matches(header, etag))
		return false;
	resp = MHD_create_response_from_buffer(0, NULL,
					       MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		req->status = 0;
		req->result = MHD_NO;
		return true;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	api_reply(req, MHD_HTTP_NOT_MODIFIED, resp);
	return true;
}

struct api_conn *api_request_db(struct api_request *req)
{
	char errbuf[ODP_ERRBUF_SIZE] = "";
	struct api_conn *conn = NULL;

	req->waiter.connection = req->connection;
	switch (api_pool_borrow(req->server->pool,
				req->may_wait ? &req->waiter : NULL, &conn,
				errbuf)) {
	case API_POOL_OK:
		return conn;
	case API_POOL_SUSPENDED:
		req->suspended = true;
		return NULL;
	case API_POOL_BUSY:
		log_warn("%s %s: %s", req->method, req->target, errbuf);
		api_reply_error(req, API_ERR_SERVER_BUSY, NULL,
				"Every database connection of this server "
				"stayed in use for %d seconds; retry in a "
				"moment.",
				API_POOL_WAIT_SECONDS);
		return NULL;
	case API_POOL_UNAVAILABLE:
		break;
	}
	log_error("%s", errbuf);
	api_reply_error(req, API_ERR_DATABASE_UNAVAILABLE, NULL,
			"The catalogue database cannot be reached; retry "
			"later.  If this lasts, the server log says why.");
	return NULL;
}

void api_sanitize(char *dst, size_t size, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	size_t len = 0, i;

	if (size < 4) {
		if (size > 0)
			dst[0] = '\0';
		return;
	}
	for (i = 0; s[i]; i++) {
		unsigned char c = (unsigned char)s[i];
		bool plain = c >= 0x20 && c < 0x7f && c != '"' && c != '\\';
		size_t need = plain ? 1 : 4;

		/* Keep room for "..." unless this is the last byte. */
		if (len + need + (s[i + 1] ? 3 : 0) + 1 > size)
			break;
		if (plain) {
			dst[len++] = (char)c;
		} else {
			dst[len++] = '\\';
			dst[len++] = 'x';
			dst[len++] = hex[c >> 4];
			dst[len++] = hex[c & 15];
		}
	}
	if (s[i]) {
		memcpy(dst + len, "...", 3);
		len += 3;
	}
	dst[len] = '\0';
}

long api_request_ms(const struct api_request *req)
{
	struct timespec now;

	clock_gettime(CLOCK_MONOTONIC, &now);
	return (long)(now.tv_sec - req->started.tv_sec) * 1000 +
	       (now.tv_nsec - req->started.tv_nsec) / 1000000;
}
