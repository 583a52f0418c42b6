/*
 * driver_http.c: web APIs answering JSON, the "http-json" source kind (see
 * driver.h).
 *
 * Pages are fetched with libcurl one at a time and parsed with jansson; the
 * driver holds one page, walks its records (found at the job's "records"
 * JSON pointer) and fetches the next page when they run out.  Paging
 * follows a next link found in the page, or sets a page number or an
 * offset in the query string; max_pages, a repeated URL and a repeated
 * page stop a paging that would never end.
 *
 * The columns are the members of the first page's records, typed from
 * their JSON values; nothing is inferred from text, because inferring
 * would need a second pass and a second pass means fetching the API again
 * (rewind() refuses).  Members that only later pages have are counted and
 * reported as a warning.
 *
 * Secrets: the URL and the header values may hold ${VAR} references to the
 * environment (tokens).  Once expanded they only ever go to libcurl: every
 * message names the URL as the job file writes it, with credential-looking
 * query values masked, and the page number.  Transient failures (timeouts,
 * connection errors, 429 and 5xx answers) are retried with exponential
 * backoff, honouring Retry-After, within a bounded total wait.
 */
#include "driver.h"

#include "harvest.h"
#include "json_pointer.h"
#include "log.h"
#include "sb.h"
#include "util.h"

#include <ctype.h>
#include <curl/curl.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* Largest page body accepted, after decompression. */
#define PAGE_MAX ((size_t)64 << 20)
/* Redirects followed for one request. */
#define REDIRECTS_MAX 5L
/* Seconds to establish a connection, at most the request timeout. */
#define CONNECT_TIMEOUT_MAX 30L
/* Backoff: base delay (ODP_HTTP_BACKOFF_MS scales it), doubled at each
 * retry up to one delay's cap; the longest Retry-After odp waits for; and
 * the total wait of a run, after which it gives up. */
#define BACKOFF_BASE_MS_DEFAULT 1000
#define BACKOFF_DELAY_MAX_MS 60000
#define RETRY_AFTER_MAX_S 300
#define BACKOFF_TOTAL_MAX_MS (15 * 60 * 1000)
/* Longest URL shown in a message; longer ones are cut. */
#define SHOWN_URL_MAX 200
/* Query parameters whose values are masked in messages. */
static const char *const secret_words[] = {"token",  "key",    "password",
                                           "passwd", "secret", "signature",
                                           "auth",   "session"};
/* Kinds of JSON values seen in a column of the first page. */
#define SEEN_INTEGER 1u
#define SEEN_REAL 2u
#define SEEN_BOOLEAN 4u
#define SEEN_OTHER 8u /* strings, objects, arrays: text */
/* Reals within +-2^53 with no fraction are integers, exactly. */
#define INTEGRAL_REAL_MAX 9007199254740992.0

enum paging_kind { PAGING_NONE, PAGING_NEXT, PAGING_PAGE, PAGING_OFFSET };

struct http_driver {
	struct driver base;
	const struct job *job;   /* borrowed */
	char *shown_url;         /* the job's url for messages, masked */
	const char *records_ptr; /* borrowed from the job; "" by default */
	char *geometry_member;   /* the record member holding the
	                            geometry, kept out of the columns */
	enum paging_kind paging;
	int64_t max_pages;
	long timeout; /* seconds per request */
	int64_t retries;
	int64_t backoff_ms; /* base delay */
	int64_t slept_ms;   /* waited so far in this run */
	bool curl_initialised;
	CURL *curl;                 /* reused for every page */
	struct curl_slist *headers; /* expanded values: secret */
	CURLU *first_url;           /* expanded: secret */
	char *next_url;             /* PAGING_NEXT: the next page's, secret */
	int64_t next_value;         /* PAGING_PAGE/OFFSET: the parameter's */
	struct sb body;             /* the page being received */
	bool too_large;
	json_t *page;    /* the current page */
	json_t *records; /* borrowed from page; NULL: none */
	size_t n_records;
	size_t pos;      /* index of the next record */
	int64_t page_no; /* number of the current page, from 1 */
	bool last_page;
	uint64_t *url_hashes; /* of every page fetched, by page - 1 */
	size_t n_url_hashes;
	size_t url_hashes_cap;
	uint64_t body_hash;    /* of the previous page */
	json_t *column_index;  /* member name -> column index */
	json_t *record;        /* the current record, borrowed */
	OGRGeometryH geometry; /* the current record's, owned */
	const char *reject;    /* why the current record is rejected */
	int64_t n_extra;       /* records with members page 1 lacks */
	char *first_extra;     /* the first such member */
	struct sb json_text;   /* the last value written as JSON */
	char number[32];       /* the last number rendered */
};

/* 64-bit FNV-1a, to recognise a URL or a page seen before. */
static uint64_t hash_bytes(const void *data, size_t len)
{
	const unsigned char *p = data;
	uint64_t h = 14695981039346656037ull;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= p[i];
		h *= 1099511628211ull;
	}
	return h;
}

/* Overwrites a secret before its memory is freed; NULL is a no-op. */
static void free_secret(char *s)
{
	if (!s)
		return;
	explicit_bzero(s, strlen(s));
	free(s);
}

static bool is_secret_name(const char *name, size_t len)
{
	size_t i, j, n = sizeof secret_words / sizeof *secret_words;

	for (i = 0; i < n; i++) {
		size_t wlen = strlen(secret_words[i]);
		for (j = 0; j + wlen <= len; j++)
			if (strncasecmp(name + j, secret_words[i], wlen) == 0)
				return true;
	}
	return false;
}

/* Cuts s (malloc'd, taken and returned) to SHOWN_URL_MAX bytes and an
 * ellipsis, on a UTF-8 character boundary, so that a long URL leaves room
 * for the reason in a message. */
static char *truncate_shown(char *s)
{
	size_t len = strlen(s);

	if (len <= SHOWN_URL_MAX)
		return s;
	len = SHOWN_URL_MAX - 3; /* "..." and the NUL fit in s */
	while (len > 0 && ((unsigned char)s[len] & 0xC0) == 0x80)
		len--;
	memcpy(s + len, "...", 4);
	return s;
}

/* The job's url as messages show it: a password in the authority and the
 * values of query parameters named like credentials are masked, unless
 * they are ${VAR} references, which say where the secret is without
 * revealing it.  The caller frees the result. */
static char *mask_url(const char *url)
{
	struct sb out;
	const char *p = url, *scheme, *at, *colon, *query, *end, *amp, *eq;

	sb_init(&out, 0);
	scheme = strstr(p, "://");
	if (scheme) {
		const char *auth = scheme + 3;
		size_t auth_len = strcspn(auth, "/?#");
		at = memchr(auth, '@', auth_len);
		colon = at ? memchr(auth, ':', (size_t)(at - auth)) : NULL;
		if (colon && !memmem(colon, (size_t)(at - colon), "${", 2)) {
			sb_append(&out, p, (size_t)(colon + 1 - p));
			sb_puts(&out, "***");
			p = at;
		}
	}
	query = strchr(p, '?');
	if (!query) {
		sb_puts(&out, p);
		return truncate_shown(sb_steal(&out));
	}
	sb_append(&out, p, (size_t)(query + 1 - p));
	p = query + 1;
	end = p + strcspn(p, "#");
	while (p < end) {
		amp = memchr(p, '&', (size_t)(end - p));
		if (!amp)
			amp = end;
		eq = memchr(p, '=', (size_t)(amp - p));
		if (eq && is_secret_name(p, (size_t)(eq - p)) &&
		    !(amp - eq > 2 && memcmp(eq + 1, "${", 2) == 0)) {
			sb_append(&out, p, (size_t)(eq + 1 - p));
			sb_puts(&out, "***");
		} else {
			sb_append(&out, p, (size_t)(amp - p));
		}
		if (amp < end)
			sb_putc(&out, '&');
		p = amp + 1;
	}
	sb_puts(&out, end);
	return truncate_shown(sb_steal(&out));
}

static const char *http_reason(long status)
{
	switch (status) {
	case 400: return "Bad Request";
	case 401: return "Unauthorized";
	case 403: return "Forbidden";
	case 404: return "Not Found";
	case 405: return "Method Not Allowed";
	case 406: return "Not Acceptable";
	case 408: return "Request Timeout";
	case 410: return "Gone";
	case 429: return "Too Many Requests";
	case 500: return "Internal Server Error";
	case 501: return "Not Implemented";
	case 502: return "Bad Gateway";
	case 503: return "Service Unavailable";
	case 504: return "Gateway Timeout";
	default: return "";
	}
}

static const char *json_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER: return "an integer";
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

/* libcurl's write callback: appends to the page body, and stops the
 * transfer when the page would exceed PAGE_MAX. */
static size_t on_body(char *data, size_t size, size_t n, void *arg)
{
	struct http_driver *h = arg;

	(void)size; /* always 1 */
	sb_append(&h->body, data, n);
	if (sb_failed(&h->body)) {
		h->too_large = true;
		return 0;
	}
	return n;
}

/* libcurl's progress callback: a signal stops the transfer at once. */
static int on_progress(void *arg, curl_off_t dltotal, curl_off_t dlnow,
                       curl_off_t ultotal, curl_off_t ulnow)
{
	(void)arg;
	(void)dltotal;
	(void)dlnow;
	(void)ultotal;
	(void)ulnow;
	return harvest_stop_requested ? 1 : 0;
}

/* Sleeps ms milliseconds; false when a signal asks the run to stop. */
static bool sleep_ms(int64_t ms)
{
	struct timespec ts = {(time_t)(ms / 1000),
	                      (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) != 0) {
		if (errno != EINTR || harvest_stop_requested)
			return !harvest_stop_requested;
	}
	return !harvest_stop_requested;
}

/* The wait before retry number attempt + 1 (0-based attempt), or -1 when
 * the server asks for a longer wait than odp allows. */
static int64_t backoff_delay(const struct http_driver *h, int attempt,
                             curl_off_t retry_after)
{
	int64_t delay = h->backoff_ms;
	int k;

	for (k = 0; k < attempt && delay < BACKOFF_DELAY_MAX_MS; k++)
		delay *= 2;
	if (delay > BACKOFF_DELAY_MAX_MS)
		delay = BACKOFF_DELAY_MAX_MS;
	if (retry_after > RETRY_AFTER_MAX_S)
		return -1;
	if (retry_after > 0 && retry_after * 1000 > delay)
		delay = (int64_t)retry_after * 1000;
	return delay;
}

static bool retryable_curl_error(CURLcode rc)
{
	switch (rc) {
	case CURLE_COULDNT_RESOLVE_HOST:
	case CURLE_COULDNT_CONNECT:
	case CURLE_OPERATION_TIMEDOUT:
	case CURLE_SEND_ERROR:
	case CURLE_RECV_ERROR:
	case CURLE_GOT_NOTHING:
	case CURLE_PARTIAL_FILE:
	case CURLE_HTTP2:
	case CURLE_HTTP2_STREAM:
	case CURLE_SSL_CONNECT_ERROR: return true;
	default: return false;
	}
}

/* What went wrong with one attempt, for messages. */
static void describe_failure(struct http_driver *h, CURLcode rc, long status,
                             char *why, size_t size)
{
	if (rc == CURLE_OK) {
		snprintf(why, size, "the server answered %ld%s%s", status,
		         *http_reason(status) ? " " : "", http_reason(status));
	} else if (rc == CURLE_OPERATION_TIMEDOUT) {
		snprintf(why, size,
		         "no complete answer within %ld s (request_timeout)",
		         h->timeout);
	} else if (rc == CURLE_UNSUPPORTED_PROTOCOL) {
		snprintf(why, size, "only http and https URLs can be fetched");
	} else if (rc == CURLE_TOO_MANY_REDIRECTS) {
		snprintf(why, size, "more than %ld redirects", REDIRECTS_MAX);
	} else {
		/* curl_easy_strerror() is generic and never repeats the URL
		 * or the headers; the error buffer could.  Lowercased, as
		 * our messages are. */
		snprintf(why, size, "%s", curl_easy_strerror(rc));
		why[0] = (char)tolower((unsigned char)why[0]);
	}
}

/* Fetches url into h->body, retrying transient failures.  The message
 * names the page, never url itself (it may hold a token). */
static int fetch(struct http_driver *h, const char *url, int64_t page,
                 char *errbuf)
{
	char why[256];
	int attempt;
	long status = 0;
	CURLcode rc;

	for (attempt = 0;; attempt++) {
		curl_off_t retry_after = 0;
		int64_t delay;
		bool retry;

		sb_reset(&h->body);
		h->too_large = false;
		rc = curl_easy_setopt(h->curl, CURLOPT_URL, url);
		if (rc == CURLE_OK)
			rc = curl_easy_perform(h->curl);
		status = 0;
		if (rc == CURLE_OK &&
		    curl_easy_getinfo(h->curl, CURLINFO_RESPONSE_CODE,
		                      &status) != CURLE_OK)
			status = 0;
		if (rc == CURLE_OK && status >= 200 && status < 300)
			return ODP_OK;
		if (rc == CURLE_ABORTED_BY_CALLBACK && harvest_stop_requested) {
			util_seterr(errbuf,
			            "page %lld of \"%s\": stopped by a signal",
			            (long long)page, h->shown_url);
			return ODP_ERR_SOURCE;
		}
		if (h->too_large || rc == CURLE_FILESIZE_EXCEEDED) {
			util_seterr(
			    errbuf,
			    "page %lld of \"%s\" is larger than %zu MiB; ask "
			    "for smaller pages (paging.size)",
			    (long long)page, h->shown_url, PAGE_MAX >> 20);
			return ODP_ERR_SOURCE;
		}
		describe_failure(h, rc, status, why, sizeof why);
		retry = rc == CURLE_OK ? status == 429 || status >= 500
		                       : retryable_curl_error(rc);
		if (!retry) {
			util_seterr(errbuf, "page %lld of \"%s\": %s%s",
			            (long long)page, h->shown_url, why,
			            status == 401 || status == 403
			                ? "; check the headers and tokens "
			                  "the job sends"
			                : "");
			return ODP_ERR_SOURCE;
		}
		if (attempt >= h->retries) {
			util_seterr(errbuf,
			            "page %lld of \"%s\": %s; gave up after %d "
			            "attempt%s (request_retries is %lld)",
			            (long long)page, h->shown_url, why,
			            attempt + 1, attempt ? "s" : "",
			            (long long)h->retries);
			return ODP_ERR_SOURCE;
		}
		if (rc == CURLE_OK &&
		    curl_easy_getinfo(h->curl, CURLINFO_RETRY_AFTER,
		                      &retry_after) != CURLE_OK)
			retry_after = 0;
		delay = backoff_delay(h, attempt, retry_after);
		if (delay < 0) {
			util_seterr(errbuf,
			            "page %lld of \"%s\": %s and asks to retry "
			            "in %lld s, longer than odp waits (%d s)",
			            (long long)page, h->shown_url, why,
			            (long long)retry_after, RETRY_AFTER_MAX_S);
			return ODP_ERR_SOURCE;
		}
		if (h->slept_ms + delay > BACKOFF_TOTAL_MAX_MS) {
			util_seterr(errbuf,
			            "page %lld of \"%s\": %s; gave up after "
			            "waiting %lld s in all for the server",
			            (long long)page, h->shown_url, why,
			            (long long)(h->slept_ms / 1000));
			return ODP_ERR_SOURCE;
		}
		log_warn("page %lld of \"%s\": %s; retrying in %.1f s "
		         "(retry %d of %lld)",
		         (long long)page, h->shown_url, why,
		         (double)delay / 1000, attempt + 1,
		         (long long)h->retries);
		h->slept_ms += delay;
		if (!sleep_ms(delay)) {
			util_seterr(errbuf,
			            "page %lld of \"%s\": stopped by a signal",
			            (long long)page, h->shown_url);
			return ODP_ERR_SOURCE;
		}
	}
}

/* True when the answer's Content-Type says it is not JSON, e.g. an HTML
 * error page; *type is the media type, borrowed from curl. */
static bool declared_not_json(struct http_driver *h, const char **type)
{
	char *ct = NULL;

	if (curl_easy_getinfo(h->curl, CURLINFO_CONTENT_TYPE, &ct) !=
	        CURLE_OK ||
	    !ct)
		return false;
	*type = ct;
	return strncasecmp(ct, "text/html", 9) == 0 ||
	       strncasecmp(ct, "application/xhtml", 17) == 0 ||
	       strncasecmp(ct, "text/xml", 8) == 0 ||
	       strncasecmp(ct, "application/xml", 15) == 0 ||
	       strncasecmp(ct, "text/plain", 10) == 0;
}

/* Parses h->body into h->page. */
static int parse_page(struct http_driver *h, int64_t page, char *errbuf)
{
	json_error_t err;
	const char *type = NULL;

	h->page =
	    json_loadb(h->body.buf ? h->body.buf : "", h->body.len, 0, &err);
	if (h->page)
		return ODP_OK;
	if (declared_not_json(h, &type)) {
		size_t len = strcspn(type, ";");
		util_seterr(errbuf,
		            "page %lld of \"%s\": the server answered %.*s, "
		            "not JSON",
		            (long long)page, h->shown_url, (int)len, type);
	} else if (h->body.len == 0) {
		util_seterr(errbuf,
		            "page %lld of \"%s\": the server answered an empty "
		            "body, not JSON",
		            (long long)page, h->shown_url);
	} else {
		util_seterr(errbuf,
		            "page %lld of \"%s\" is not valid JSON: %s at line "
		            "%d, column %d",
		            (long long)page, h->shown_url, err.text, err.line,
		            err.column);
	}
	return ODP_ERR_SOURCE;
}

/* Names a few members of an object, for "no records at ..." messages. */
static void list_members(json_t *obj, char *out, size_t size)
{
	struct sb sb;
	const char *key;
	json_t *v;
	int n = 0;

	sb_init(&sb, size - 1);
	json_object_foreach (obj, key, v) {
		if (n++ == 8) {
			sb_puts(&sb, ", ...");
			break;
		}
		sb_printf(&sb, "%s\"%s\"", n > 1 ? ", " : "", key);
	}
	util_strlcpy(out, sb.buf ? sb.buf : "", size);
	sb_free(&sb);
}

/* Finds the array of records in h->page. */
static int locate_records(struct http_driver *h, char *errbuf)
{
	json_t *r = json_pointer_get(h->page, h->records_ptr);
	char members[200];

	if (json_is_array(r)) {
		h->records = r;
		h->n_records = json_array_size(r);
		return ODP_OK;
	}
	if (json_is_null(r)) {
		h->records = NULL;
		h->n_records = 0;
		return ODP_OK;
	}
	if (json_is_object(h->page))
		list_members(h->page, members, sizeof members);
	else
		util_strlcpy(members, "(none)", sizeof members);
	if (r == h->page) {
		util_seterr(errbuf,
		            "page %lld of \"%s\" is %s, not an array of "
		            "records; set source.records to where they are "
		            "(the page's members are %s)",
		            (long long)h->page_no, h->shown_url, json_kind(r),
		            members);
	} else if (r) {
		util_seterr(errbuf,
		            "page %lld of \"%s\": the records at \"%s\" are "
		            "%s, not an array",
		            (long long)h->page_no, h->shown_url, h->records_ptr,
		            json_kind(r));
	} else {
		util_seterr(errbuf,
		            "page %lld of \"%s\" has nothing at \"%s\" "
		            "(source.records); the page is %s with members %s",
		            (long long)h->page_no, h->shown_url, h->records_ptr,
		            json_kind(h->page), members);
	}
	return ODP_ERR_SOURCE;
}

/* The URL of the first page with the page number or offset set to value
 * and the page size when the job gives one; the caller curl_free()s it.
 * Parameters of the same names already in the URL are replaced. */
static char *numbered_url(struct http_driver *h, int64_t value, char *errbuf)
{
	const struct job_paging *pg = &h->job->source.paging;
	CURLU *u = curl_url_dup(h->first_url);
	char *query = NULL, *url = NULL;
	const char *p, *amp;
	struct sb q;
	CURLUcode rc;

	sb_init(&q, 0);
	if (!u)
		abort();
	rc = curl_url_get(u, CURLUPART_QUERY, &query, 0);
	for (p = rc == CURLUE_OK ? query : ""; *p; p = *amp ? amp + 1 : amp) {
		size_t len, name_len;
		amp = p + strcspn(p, "&");
		len = (size_t)(amp - p);
		name_len = strcspn(p, "=&");
		if (len == 0 ||
		    (name_len == strlen(pg->param) &&
		     strncmp(p, pg->param, name_len) == 0) ||
		    (pg->size_param && pg->size > 0 &&
		     name_len == strlen(pg->size_param) &&
		     strncmp(p, pg->size_param, name_len) == 0))
			continue;
		sb_append(&q, p, len);
		sb_putc(&q, '&');
	}
	sb_printf(&q, "%s=%lld", pg->param, (long long)value);
	if (pg->size_param && pg->size > 0)
		sb_printf(&q, "&%s=%lld", pg->size_param, (long long)pg->size);
	if (sb_failed(&q) ||
	    curl_url_set(u, CURLUPART_QUERY, q.buf, 0) != CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		util_seterr(errbuf,
		            "could not set parameter \"%s\" in the URL of "
		            "source \"%s\"",
		            pg->param, h->shown_url);
		url = NULL;
	}
	if (query) {
		explicit_bzero(query, strlen(query));
		curl_free(query);
	}
	if (q.buf)
		explicit_bzero(q.buf, q.len);
	sb_free(&q);
	curl_url_cleanup(u);
	return url;
}

/* Reads the next page's link from the page just fetched, resolved
 * against that page's URL; none leaves h->next_url NULL. */
static int read_next_link(struct http_driver *h, char *errbuf)
{
	const char *pointer = h->job->source.paging.next;
	json_t *v = json_pointer_get(h->page, pointer);
	char *effective = NULL, *url = NULL;
	CURLU *u = NULL;
	int rc = ODP_OK;

	free_secret(h->next_url);
	h->next_url = NULL;
	if (!v || json_is_null(v) ||
	    (json_is_string(v) && json_string_length(v) == 0))
		return ODP_OK;
	if (!json_is_string(v)) {
		util_seterr(errbuf,
		            "page %lld of \"%s\": the next page's link at "
		            "\"%s\" is %s, not a URL",
		            (long long)h->page_no, h->shown_url, pointer,
		            json_kind(v));
		return ODP_ERR_SOURCE;
	}
	if (!(u = curl_url()))
		abort();
	if (curl_easy_getinfo(h->curl, CURLINFO_EFFECTIVE_URL, &effective) !=
	        CURLE_OK ||
	    !effective ||
	    curl_url_set(u, CURLUPART_URL, effective, 0) != CURLUE_OK ||
	    curl_url_set(u, CURLUPART_URL, json_string_value(v), 0) !=
	        CURLUE_OK ||
	    curl_url_get(u, CURLUPART_URL, &url, 0) != CURLUE_OK) {
		util_seterr(errbuf,
		            "page %lld of \"%s\": the next page's link at "
		            "\"%s\" is not a valid URL",
		            (long long)h->page_no, h->shown_url, pointer);
		rc = ODP_ERR_SOURCE;
		goto out;
	}
	h->next_url = xstrdup(url);
out:
	if (url) {
		explicit_bzero(url, strlen(url));
		curl_free(url);
	}
	curl_url_cleanup(u);
	return rc;
}

/* Remembers the URL of page, about to be fetched; an error when a page
 * had it already, for then the paging goes round in circles. */
static int check_url_unseen(struct http_driver *h, const char *url,
                            int64_t page, char *errbuf)
{
	uint64_t hash = hash_bytes(url, strlen(url));
	size_t i;

	for (i = 0; i < h->n_url_hashes; i++) {
		if (h->url_hashes[i] != hash)
			continue;
		util_seterr(errbuf,
		            "the next page's link of page %lld of \"%s\" leads "
		            "back to page %zu; the paging goes round in "
		            "circles",
		            (long long)page - 1, h->shown_url, i + 1);
		return ODP_ERR_SOURCE;
	}
	if (h->n_url_hashes == h->url_hashes_cap) {
		h->url_hashes_cap =
		    h->url_hashes_cap ? 2 * h->url_hashes_cap : 64;
		h->url_hashes = xrealloc(
		    h->url_hashes, h->url_hashes_cap * sizeof *h->url_hashes);
	}
	h->url_hashes[h->n_url_hashes++] = hash;
	return ODP_OK;
}

/* After page h->page_no was read: is it the last, and where is the next? */
static int plan_next_page(struct http_driver *h, char *errbuf)
{
	const struct job_paging *pg = &h->job->source.paging;
	int rc;

	switch (h->paging) {
	case PAGING_NONE: h->last_page = true; return ODP_OK;
	case PAGING_NEXT:
		if ((rc = read_next_link(h, errbuf)) != ODP_OK)
			return rc;
		h->last_page = h->next_url == NULL;
		return ODP_OK;
	case PAGING_PAGE:
		h->last_page = h->n_records == 0;
		h->next_value++;
		return ODP_OK;
	case PAGING_OFFSET:
		h->last_page =
		    h->n_records == 0 ||
		    (pg->size > 0 && h->n_records < (size_t)pg->size);
		h->next_value += (int64_t)h->n_records;
		return ODP_OK;
	}
	return ODP_OK;
}

/* The URL of page, the one after the current page, malloc'd (a secret:
 * free_secret() it).  NULL with errbuf set when it cannot be built. */
static char *page_url(struct http_driver *h, int64_t page, char *errbuf)
{
	char *url = NULL, *copy;

	if (page > 1 && h->paging == PAGING_NEXT)
		return xstrdup(h->next_url);
	if (h->paging == PAGING_PAGE || h->paging == PAGING_OFFSET)
		url = numbered_url(h, h->next_value, errbuf);
	else if (curl_url_get(h->first_url, CURLUPART_URL, &url, 0) !=
	         CURLUE_OK)
		util_seterr(errbuf, "url of source \"%s\" is not a valid URL",
		            h->shown_url);
	if (!url)
		return NULL;
	copy = xstrdup(url);
	explicit_bzero(url, strlen(url));
	curl_free(url);
	return copy;
}

/* Fetches and parses the page after the current one, which it replaces. */
static int next_page(struct http_driver *h, char *errbuf)
{
	int64_t page = h->page_no + 1;
	char *url = NULL;
	uint64_t body_hash;
	int rc;

	if (page > h->max_pages) {
		util_seterr(errbuf,
		            "source \"%s\" has more than %lld pages; raise "
		            "paging.max_pages if that is expected, or check "
		            "the paging",
		            h->shown_url, (long long)h->max_pages);
		return ODP_ERR_SOURCE;
	}
	json_decref(h->page);
	h->page = NULL;
	h->records = NULL;
	h->n_records = 0;
	h->pos = 0;
	h->record = NULL;

	if (!(url = page_url(h, page, errbuf)))
		return ODP_ERR_SOURCE;
	if ((rc = check_url_unseen(h, url, page, errbuf)) != ODP_OK ||
	    (rc = fetch(h, url, page, errbuf)) != ODP_OK ||
	    (rc = parse_page(h, page, errbuf)) != ODP_OK)
		goto out;
	h->page_no = page;
	/* The page is in the tree now: its bytes need not stay. */
	body_hash = hash_bytes(h->body.buf, h->body.len);
	sb_free(&h->body);
	if ((rc = locate_records(h, errbuf)) != ODP_OK)
		goto out;
	if ((h->paging == PAGING_PAGE || h->paging == PAGING_OFFSET) &&
	    page > 1 && h->n_records > 0 && body_hash == h->body_hash) {
		util_seterr(errbuf,
		            "page %lld of \"%s\" is the same as page %lld; the "
		            "server seems to ignore query parameter \"%s\" "
		            "(check paging.param)",
		            (long long)page, h->shown_url, (long long)page - 1,
		            h->job->source.paging.param);
		rc = ODP_ERR_SOURCE;
		goto out;
	}
	h->body_hash = body_hash;
	log_debug("page %lld of \"%s\": %zu records", (long long)page,
	          h->shown_url, h->n_records);
	rc = plan_next_page(h, errbuf);
out:
	free_secret(url);
	return rc;
}

static unsigned seen_kind(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_INTEGER: return SEEN_INTEGER;
	case JSON_REAL: return SEEN_REAL;
	case JSON_TRUE:
	case JSON_FALSE: return SEEN_BOOLEAN;
	case JSON_NULL: return 0;
	default: return SEEN_OTHER;
	}
}

static enum column_type type_of_seen(unsigned seen)
{
	if (seen == SEEN_INTEGER)
		return COL_INTEGER;
	if (seen && (seen & ~(SEEN_INTEGER | SEEN_REAL)) == 0)
		return COL_REAL;
	if (seen == SEEN_BOOLEAN)
		return COL_BOOLEAN;
	return COL_TEXT;
}

/* Adds member name to the columns unless it is one already. */
static void add_column(struct http_driver *h, const char *name, size_t *cap)
{
	struct driver_column *c;

	if (json_object_get(h->column_index, name))
		return;
	if (h->base.n_columns == *cap) {
		*cap = *cap ? 2 * *cap : 16;
		h->base.columns =
		    xrealloc(h->base.columns, *cap * sizeof *h->base.columns);
	}
	c = &h->base.columns[h->base.n_columns];
	memset(c, 0, sizeof *c);
	c->source_name = xstrdup(name);
	c->type = COL_TEXT;
	json_object_set_new(h->column_index, name,
	                    json_integer((json_int_t)h->base.n_columns));
	h->base.n_columns++;
}

/* The columns: every member of the first page's records, in the order
 * first seen, typed from their values there. */
static int read_columns(struct http_driver *h, char *errbuf)
{
	unsigned *seen;
	size_t cap = 0, i;
	bool geometry_seen = false;
	const char *key;
	json_t *rec, *v;

	h->column_index = json_object();
	json_array_foreach (h->records, i, rec) {
		json_object_foreach (rec, key, v) {
			if (h->geometry_member &&
			    strcmp(key, h->geometry_member) == 0)
				geometry_seen = true;
			else
				add_column(h, key, &cap);
		}
	}
	/* Records that are only a geometry keep it as a column: a record
	 * must have a column to be rejected through. */
	if (h->base.n_columns == 0 && geometry_seen) {
		add_column(h, h->geometry_member, &cap);
		free(h->geometry_member);
		h->geometry_member = NULL;
	}
	if (h->base.n_columns == 0) {
		util_seterr(errbuf,
		            "page 1 of \"%s\" has no records with members to "
		            "make columns of; the records at \"%s\" must be "
		            "JSON objects",
		            h->shown_url, h->records_ptr);
		return ODP_ERR_SOURCE;
	}
	seen = xcalloc(h->base.n_columns, sizeof *seen);
	json_array_foreach (h->records, i, rec) {
		json_object_foreach (rec, key, v) {
			json_t *index = json_object_get(h->column_index, key);
			if (index)
				seen[json_integer_value(index)] |= seen_kind(v);
		}
	}
	for (i = 0; i < h->base.n_columns; i++)
		h->base.columns[i].type = type_of_seen(seen[i]);
	free(seen);
	return ODP_OK;
}

/* Appends v as compact JSON, reals with the fewest digits that read back
 * the same (json_dumps() writes 0.34078 as 0.34078000000000003). */
static void put_json(struct sb *sb, const json_t *v)
{
	char num[32];
	const char *key;
	json_t *item;
	size_t i;
	bool first = true;

	switch (json_typeof(v)) {
	case JSON_OBJECT:
		sb_putc(sb, '{');
		json_object_foreach ((json_t *)v, key, item) {
			if (!first)
				sb_putc(sb, ',');
			first = false;
			sb_put_json_string(sb, key);
			sb_putc(sb, ':');
			put_json(sb, item);
		}
		sb_putc(sb, '}');
		break;
	case JSON_ARRAY:
		sb_putc(sb, '[');
		json_array_foreach (v, i, item) {
			if (i)
				sb_putc(sb, ',');
			put_json(sb, item);
		}
		sb_putc(sb, ']');
		break;
	case JSON_STRING: sb_put_json_string(sb, json_string_value(v)); break;
	case JSON_INTEGER:
		sb_printf(sb, "%lld", (long long)json_integer_value(v));
		break;
	case JSON_REAL:
		util_format_double(json_real_value(v), num, sizeof num);
		sb_puts(sb, num);
		break;
	case JSON_TRUE: sb_puts(sb, "true"); break;
	case JSON_FALSE: sb_puts(sb, "false"); break;
	default: sb_puts(sb, "null"); break;
	}
}

/* Reads the current record's geometry, or why it cannot be. */
static void read_geometry(struct http_driver *h)
{
	json_t *g = json_pointer_get(h->record, h->job->source.geometry);

	if (!g || json_is_null(g))
		return;
	if (json_is_string(g)) {
		h->geometry =
		    OGR_G_CreateGeometryFromJson(json_string_value(g));
	} else if (json_is_object(g)) {
		sb_reset(&h->json_text);
		put_json(&h->json_text, g);
		if (!sb_failed(&h->json_text))
			h->geometry =
			    OGR_G_CreateGeometryFromJson(h->json_text.buf);
	}
	if (!h->geometry)
		h->reject = "a geometry that is not valid GeoJSON";
}

/* Counts members the columns do not have, on records after page 1. */
static void note_extra_members(struct http_driver *h)
{
	const char *key;
	json_t *v;

	json_object_foreach (h->record, key, v) {
		if (json_object_get(h->column_index, key) ||
		    (h->geometry_member &&
		     strcmp(key, h->geometry_member) == 0))
			continue;
		if (!h->first_extra)
			h->first_extra = xstrdup(key);
		h->n_extra++;
		return;
	}
}

static void set_extra_warning(struct http_driver *h)
{
	if (!h->n_extra || *h->base.warning)
		return;
	snprintf(h->base.warning, sizeof h->base.warning,
	         "%lld records after page 1 of \"%.200s\" have members that "
	         "the records of page 1 do not, such as \"%.64s\"; they were "
	         "left out (the columns come from page 1)",
	         (long long)h->n_extra, h->shown_url, h->first_extra);
	log_warn("%s", h->base.warning);
}

static int http_next(struct driver *d, char *errbuf)
{
	struct http_driver *h = (struct http_driver *)d;
	int rc;

	if (h->geometry) {
		OGR_G_DestroyGeometry(h->geometry);
		h->geometry = NULL;
	}
	h->record = NULL;
	h->reject = NULL;
	while (h->pos >= h->n_records) {
		if (h->last_page) {
			set_extra_warning(h);
			return 0;
		}
		if ((rc = next_page(h, errbuf)) != ODP_OK)
			return rc;
	}
	h->record = json_array_get(h->records, h->pos++);
	if (!json_is_object(h->record)) {
		h->reject = "a record that is not a JSON object";
		return 1;
	}
	if (h->page_no > 1)
		note_extra_members(h);
	if (h->job->source.geometry)
		read_geometry(h);
	return 1;
}

static const char *http_value(struct driver *d, size_t i, const char **reject)
{
	struct http_driver *h = (struct http_driver *)d;
	const struct driver_column *c = &d->columns[i];
	json_t *v;
	double x;

	if (h->reject) {
		*reject = h->reject;
		return NULL;
	}
	v = json_object_get(h->record, c->source_name);
	if (!v || json_is_null(v))
		return NULL;
	switch (c->type) {
	case COL_INTEGER:
		if (json_is_integer(v)) {
			snprintf(h->number, sizeof h->number, "%lld",
			         (long long)json_integer_value(v));
			return h->number;
		}
		/* 12.0 is an integer written by a serialiser of floats. */
		x = json_is_real(v) ? json_real_value(v) : 0.5;
		if (x > -INTEGRAL_REAL_MAX && x < INTEGRAL_REAL_MAX &&
		    x == floor(x)) {
			snprintf(h->number, sizeof h->number, "%.0f", x);
			return h->number;
		}
		*reject = "a value that is not an integer in an integer column";
		return NULL;
	case COL_REAL:
		if (json_is_integer(v)) {
			snprintf(h->number, sizeof h->number, "%lld",
			         (long long)json_integer_value(v));
			return h->number;
		}
		if (json_is_real(v)) {
			util_format_double(json_real_value(v), h->number,
			                   sizeof h->number);
			return h->number;
		}
		*reject = "a value that is not a number in a number column";
		return NULL;
	case COL_BOOLEAN:
		if (json_is_boolean(v))
			return json_is_true(v) ? "true" : "false";
		*reject =
		    "a value that is not true or false in a boolean column";
		return NULL;
	default:
		if (json_is_string(v))
			return json_string_value(v);
		sb_reset(&h->json_text);
		put_json(&h->json_text, v);
		if (sb_failed(&h->json_text)) {
			*reject = "a value too large to publish";
			return NULL;
		}
		return h->json_text.buf;
	}
}

static OGRGeometryH http_take_geometry(struct driver *d)
{
	struct http_driver *h = (struct http_driver *)d;
	OGRGeometryH g = h->geometry;

	h->geometry = NULL;
	return g;
}

static int64_t http_record_id(struct driver *d)
{
	(void)d;
	return -1;
}

static bool http_rewind(struct driver *d, char *errbuf)
{
	struct http_driver *h = (struct http_driver *)d;

	util_seterr(errbuf,
	            "source \"%s\" is a web API and cannot be read twice in "
	            "one run",
	            h->shown_url);
	return false;
}

static int64_t http_count(struct driver *d)
{
	(void)d;
	return -1;
}

static void http_close(struct driver *d)
{
	struct http_driver *h = (struct http_driver *)d;

	if (!d)
		return;
	if (h->curl)
		curl_easy_cleanup(h->curl);
	if (h->headers)
		curl_slist_free_all(h->headers);
	curl_url_cleanup(h->first_url);
	if (h->curl_initialised)
		curl_global_cleanup();
	if (h->geometry)
		OGR_G_DestroyGeometry(h->geometry);
	json_decref(h->page);
	json_decref(h->column_index);
	free_secret(h->next_url);
	if (h->body.buf)
		explicit_bzero(h->body.buf, h->body.len);
	sb_free(&h->body);
	free(h->url_hashes);
	free(h->first_extra);
	sb_free(&h->json_text);
	free(h->geometry_member);
	free(h->shown_url);
	driver_free_base(d);
	free(h);
}

static const struct driver_ops http_ops = {
    http_next,   http_value, http_take_geometry, http_record_id,
    http_rewind, http_count, http_close,       NULL,
    NULL,
};

/* The job's headers, values expanded, plus Accept unless the job sets
 * it.  A header's line holds a secret: it is wiped once curl copied it. */
static int build_headers(struct http_driver *h, char *errbuf)
{
	const struct job_source *src = &h->job->source;
	char why[ODP_ERRBUF_SIZE];
	bool has_accept = false;
	struct curl_slist *list;
	size_t i;

	for (i = 0; i < src->n_headers; i++) {
		const struct job_header *hd = &src->headers[i];
		char *value = job_expand_env(hd->value, why);
		struct sb line;

		if (!value) {
			util_seterr(errbuf,
			            "could not build the requests of source "
			            "\"%.200s\": header \"%.64s\": %s",
			            h->shown_url, hd->name, why);
			return ODP_ERR_SOURCE;
		}
		if (!*hd->name || hd->name[strcspn(hd->name, ":\r\n \t")] ||
		    value[strcspn(value, "\r\n")]) {
			util_seterr(errbuf,
			            "could not build the requests of source "
			            "\"%.200s\": header \"%.64s\" has a name "
			            "or value that HTTP does not allow",
			            h->shown_url, hd->name);
			free_secret(value);
			return ODP_ERR_SOURCE;
		}
		has_accept |= strcasecmp(hd->name, "Accept") == 0;
		sb_init(&line, 0);
		/* "Name;" is curl's way of sending a header with no value. */
		sb_printf(&line, *value ? "%s: %s" : "%s;", hd->name, value);
		free_secret(value);
		list = curl_slist_append(h->headers, line.buf);
		explicit_bzero(line.buf, line.len);
		sb_free(&line);
		if (!list)
			abort();
		h->headers = list;
	}
	if (!has_accept) {
		list =
		    curl_slist_append(h->headers, "Accept: application/json");
		if (!list)
			abort();
		h->headers = list;
	}
	return ODP_OK;
}

/* The easy handle, set up once for every page. */
static int setup_curl(struct http_driver *h, char *errbuf)
{
	long connect =
	    h->timeout < CONNECT_TIMEOUT_MAX ? h->timeout : CONNECT_TIMEOUT_MAX;
	CURLcode rc = CURLE_OK;

#define SETOPT(opt, value)                                                     \
	do {                                                                   \
		if (rc == CURLE_OK)                                            \
			rc = curl_easy_setopt(h->curl, opt, value);            \
	} while (0)

	if (!(h->curl = curl_easy_init())) {
		util_seterr(errbuf, "could not initialise libcurl");
		return ODP_ERR_SOURCE;
	}
	SETOPT(CURLOPT_WRITEFUNCTION, on_body);
	SETOPT(CURLOPT_WRITEDATA, h);
	SETOPT(CURLOPT_XFERINFOFUNCTION, on_progress);
	SETOPT(CURLOPT_XFERINFODATA, h);
	SETOPT(CURLOPT_NOPROGRESS, 0L);
	SETOPT(CURLOPT_NOSIGNAL, 1L);
	/* curl drops Authorization on a redirect to another host, but not a
	 * token in a header of another name: with headers of its own a job
	 * is not redirected, and the 3xx says where the API has moved. */
	SETOPT(CURLOPT_FOLLOWLOCATION, h->job->source.n_headers ? 0L : 1L);
	SETOPT(CURLOPT_MAXREDIRS, REDIRECTS_MAX);
#if LIBCURL_VERSION_NUM >= 0x075500
	SETOPT(CURLOPT_PROTOCOLS_STR, "http,https");
	SETOPT(CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
#else
	SETOPT(CURLOPT_PROTOCOLS, (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
	SETOPT(CURLOPT_REDIR_PROTOCOLS,
	       (long)(CURLPROTO_HTTP | CURLPROTO_HTTPS));
#endif
	SETOPT(CURLOPT_USERAGENT, "odp/0.1");
	SETOPT(CURLOPT_HTTPHEADER, h->headers);
	SETOPT(CURLOPT_ACCEPT_ENCODING, "");
	SETOPT(CURLOPT_TIMEOUT, h->timeout);
	SETOPT(CURLOPT_CONNECTTIMEOUT, connect);
	SETOPT(CURLOPT_MAXFILESIZE_LARGE, (curl_off_t)PAGE_MAX);
#undef SETOPT
	if (rc != CURLE_OK) {
		util_seterr(errbuf,
		            "could not set up requests for source \"%s\": %s",
		            h->shown_url, curl_easy_strerror(rc));
		return ODP_ERR_SOURCE;
	}
	return ODP_OK;
}

/* The job's url, expanded and parsed; only http and https. */
static int parse_first_url(struct http_driver *h, char *errbuf)
{
	char why[ODP_ERRBUF_SIZE];
	char *url = job_expand_env(h->job->source.url, why), *scheme = NULL;
	CURLUcode rc;
	int status = ODP_OK;

	if (!url) {
		util_seterr(errbuf,
		            "could not build the requests of source "
		            "\"%.200s\": url: %s",
		            h->shown_url, why);
		return ODP_ERR_SOURCE;
	}
	if (!(h->first_url = curl_url()))
		abort();
	rc = curl_url_set(h->first_url, CURLUPART_URL, url, 0);
	if (rc != CURLUE_OK) {
		util_seterr(errbuf,
		            "url of source \"%s\" is not a valid URL: %s",
		            h->shown_url, curl_url_strerror(rc));
		status = ODP_ERR_SOURCE;
	} else if (curl_url_get(h->first_url, CURLUPART_SCHEME, &scheme, 0) !=
	               CURLUE_OK ||
	           (strcasecmp(scheme, "http") != 0 &&
	            strcasecmp(scheme, "https") != 0)) {
		util_seterr(errbuf,
		            "url of source \"%s\" is not an http or https URL",
		            h->shown_url);
		status = ODP_ERR_SOURCE;
	}
	curl_free(scheme);
	free_secret(url);
	return status;
}

/* The JSON pointers of the job, checked before anything is fetched. */
static int check_pointers(struct http_driver *h, char *errbuf)
{
	const struct job_source *src = &h->job->source;
	const char *names[3] = {"records", "geometry", "paging.next"};
	const char *values[3] = {src->records, src->geometry, src->paging.next};
	const char *examples[3] = {"\"\" (the page is the array) or a path "
	                           "such as \"/results\"",
	                           "a path such as \"/geometry\"",
	                           "a path such as \"/links/next\""};
	int i;

	for (i = 0; i < 3; i++) {
		if (!values[i] ||
		    (json_pointer_check(values[i]) && (i == 0 || *values[i])))
			continue;
		util_seterr(errbuf,
		            "source.%s \"%s\" is not a JSON pointer; expected "
		            "%s, with \"~1\" for a \"/\" in a name and \"~0\" "
		            "for a \"~\"",
		            names[i], values[i], examples[i]);
		return ODP_ERR_SOURCE;
	}
	return ODP_OK;
}

/* The record member that holds the geometry: the first token of the
 * geometry pointer (checked, not empty), unescaped. */
static char *geometry_member(const char *pointer)
{
	struct sb sb;
	const char *p;

	sb_init(&sb, 0);
	for (p = pointer + 1; *p && *p != '/'; p++) {
		if (*p == '~') {
			sb_putc(&sb, p[1] == '1' ? '/' : '~');
			p++;
		} else {
			sb_putc(&sb, *p);
		}
	}
	return sb_steal(&sb);
}

/* ODP_HTTP_BACKOFF_MS, the base delay between retries, in [0, 60000]. */
static int64_t backoff_base_ms(void)
{
	const char *s = getenv("ODP_HTTP_BACKOFF_MS");
	int64_t ms;

	if (!s || !util_parse_int64(s, &ms) || ms < 0 ||
	    ms > BACKOFF_DELAY_MAX_MS)
		return BACKOFF_BASE_MS_DEFAULT;
	return ms;
}

static void describe(struct http_driver *h)
{
	const struct job_paging *pg = &h->job->source.paging;
	char paging[160];

	switch (h->paging) {
	case PAGING_NEXT:
		snprintf(paging, sizeof paging, "next links at \"%.100s\"",
		         pg->next);
		break;
	case PAGING_PAGE:
	case PAGING_OFFSET:
		snprintf(paging, sizeof paging, "%s in parameter \"%.80s\"",
		         h->paging == PAGING_PAGE ? "page number" : "offset",
		         pg->param);
		break;
	default: snprintf(paging, sizeof paging, "one page");
	}
	snprintf(h->base.description, sizeof h->base.description,
	         "http-json \"%.200s\", records at \"%.64s\", %s", h->shown_url,
	         h->records_ptr, paging);
}

struct driver *driver_http_open(const struct job *job, char *errbuf)
{
	struct http_driver *h = xcalloc(1, sizeof *h);
	const struct job_source *src = &job->source;

	h->base.ops = &http_ops;
	h->base.geometry_type = wkbNone;
	h->job = job;
	h->shown_url = mask_url(src->url ? src->url : "");
	h->records_ptr = src->records ? src->records : "";
	h->max_pages = src->paging.max_pages > 0 ? src->paging.max_pages
	                                         : JOB_MAX_PAGES_DEFAULT;
	h->timeout = src->request_timeout > 0 ? (long)src->request_timeout
	                                      : JOB_REQUEST_TIMEOUT_DEFAULT;
	h->retries = src->request_retries >= 0 ? src->request_retries
	                                       : JOB_REQUEST_RETRIES_DEFAULT;
	h->backoff_ms = backoff_base_ms();
	sb_init(&h->body, PAGE_MAX);
	sb_init(&h->json_text, 0);
	if (!src->paging.type)
		h->paging = PAGING_NONE;
	else if (strcmp(src->paging.type, "next") == 0)
		h->paging = PAGING_NEXT;
	else if (strcmp(src->paging.type, "page") == 0)
		h->paging = PAGING_PAGE;
	else
		h->paging = PAGING_OFFSET;
	h->next_value = src->paging.start;

	if (!src->url) {
		util_seterr(errbuf, "an http-json source needs a url");
		goto fail;
	}
	if (check_pointers(h, errbuf) != ODP_OK)
		goto fail;
	if (src->geometry)
		h->geometry_member = geometry_member(src->geometry);
	if (curl_global_init(CURL_GLOBAL_DEFAULT) != CURLE_OK) {
		util_seterr(errbuf, "could not initialise libcurl");
		goto fail;
	}
	h->curl_initialised = true;
	if (parse_first_url(h, errbuf) != ODP_OK ||
	    build_headers(h, errbuf) != ODP_OK ||
	    setup_curl(h, errbuf) != ODP_OK || next_page(h, errbuf) != ODP_OK ||
	    read_columns(h, errbuf) != ODP_OK)
		goto fail;
	if (src->geometry) {
		/* GeoJSON coordinates are WGS 84 longitude, latitude (RFC
		 * 7946); the job's srs says otherwise for older APIs. */
		h->base.has_geometry = true;
		h->base.geometry_type = wkbUnknown;
		h->base.srs = OSRNewSpatialReference(NULL);
		OSRImportFromEPSG(h->base.srs, 4326);
		OSRSetAxisMappingStrategy(h->base.srs,
		                          OAMS_TRADITIONAL_GIS_ORDER);
	}
	describe(h);
	return &h->base;
fail:
	http_close(&h->base);
	return NULL;
}
