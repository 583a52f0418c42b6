/*
 * linkcheck.c: HEAD, or the first byte by GET, of each declared
 * distribution (see linkcheck.h).
 *
 * Reachable means a 2xx answer at the end of the redirects.  A HEAD
 * answered 4xx or 5xx is tried again as "GET, Range: bytes=0-0", since
 * some servers refuse HEAD (405, 501) or answer it differently; the GET
 * stops at the first byte of body, whether the server honoured the range
 * or sent the whole file.  The checks run one after the other: a job
 * declares a few files, and a dead server costs 10 seconds at worst
 * (20 with the GET).
 */
#include "linkcheck.h"

#include "db.h"
#include "log.h"
#include "odp.h"
#include "sb.h"
#include "util.h"

#include <curl/curl.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define LINKCHECK_TIMEOUT_SECONDS 10L
#define LINKCHECK_MAX_REDIRECTS 5L

/* Stops a GET at its first byte of body. */
static size_t stop_at_body(char *ptr, size_t size, size_t n, void *cls)
{
	(void)ptr;
	(void)size;
	(void)n;
	*(bool *)cls = true;
	return 0;
}

/* One request; returns the final HTTP status, or 0 with why set. */
static long request(CURL *h, const char *url, bool head, char *why,
		    size_t why_size)
{
	char curl_err[CURL_ERROR_SIZE] = "";
	bool got_body = false;
	long status = 0;
	CURLcode rc;

	curl_easy_reset(h);
	curl_easy_setopt(h, CURLOPT_URL, url);
	curl_easy_setopt(h, CURLOPT_ERRORBUFFER, curl_err);
	curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
	curl_easy_setopt(h, CURLOPT_TIMEOUT, LINKCHECK_TIMEOUT_SECONDS);
	curl_easy_setopt(h, CURLOPT_FOLLOWLOCATION, 1L);
	curl_easy_setopt(h, CURLOPT_MAXREDIRS, LINKCHECK_MAX_REDIRECTS);
	curl_easy_setopt(h, CURLOPT_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_REDIR_PROTOCOLS_STR, "http,https");
	curl_easy_setopt(h, CURLOPT_USERAGENT, "odp-linkcheck");
	if (head) {
		curl_easy_setopt(h, CURLOPT_NOBODY, 1L);
	} else {
		curl_easy_setopt(h, CURLOPT_RANGE, "0-0");
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, stop_at_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &got_body);
	}
	rc = curl_easy_perform(h);
	if (rc == CURLE_OK || (rc == CURLE_WRITE_ERROR && got_body)) {
		curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &status);
		snprintf(why, why_size, "HTTP status %ld", status);
		return status;
	}
	snprintf(why, why_size, "%s",
		 *curl_err ? curl_err : curl_easy_strerror(rc));
	return 0;
}

/* True when url answers 2xx; otherwise why says what happened. */
static bool reachable(CURL *h, const char *url, char *why, size_t why_size)
{
	long status = request(h, url, true, why, why_size);

	if (status >= 400)
		status = request(h, url, false, why, why_size);
	return status >= 200 && status < 300;
}

static void add_warning(char ***warnings, size_t *n, char *text)
{
	*warnings = xrealloc(*warnings, (*n + 1) * sizeof **warnings);
	(*warnings)[(*n)++] = text;
}

void linkcheck_declared(PGconn *conn, int64_t dataset_id, char ***warnings,
			size_t *n_warnings)
{
	char ds_id[24], errbuf[ODP_ERRBUF_SIZE], why[CURL_ERROR_SIZE + 32];
	const char *p[3] = {ds_id, NULL, NULL};
	PGresult *res, *upd;
	CURL *h = NULL;
	struct sb text;
	int i;

	util_format_int64(dataset_id, ds_id);
	res = db_query(conn,
		       "SELECT identifier, url FROM distributions "
		       "WHERE dataset_id = $1::int8 AND kind = 'declared' "
		       "ORDER BY position, identifier",
		       1, p, errbuf);
	sb_init(&text, 0);
	if (!res) {
		sb_printf(&text, "could not list the declared distributions: "
			  "%s", errbuf);
		add_warning(warnings, n_warnings, sb_steal(&text));
		return;
	}
	if (PQntuples(res) > 0) {
		curl_global_init(CURL_GLOBAL_DEFAULT);
		h = curl_easy_init();
	}
	for (i = 0; i < PQntuples(res); i++) {
		const char *ident = PQgetvalue(res, i, 0);
		const char *url = PQgetvalue(res, i, 1);
		bool ok = false;

		if (PQgetisnull(res, i, 1) || !*url)
			snprintf(why, sizeof why, "it has no URL");
		else if (!h)
			snprintf(why, sizeof why, "libcurl could not start");
		else
			ok = reachable(h, url, why, sizeof why);
		log_info("declared distribution \"%s\": %s (%s)", ident,
			 ok ? "reachable" : "not reachable", why);
		p[1] = ident;
		p[2] = ok ? "true" : "false";
		upd = db_query(conn,
			       "UPDATE distributions SET reachable = $3::boolean, "
			       "checked_at = now() WHERE dataset_id = $1::int8 "
			       "AND identifier = $2",
			       3, p, errbuf);
		sb_reset(&text);
		if (!upd)
			sb_printf(&text, "could not record the link check of "
				  "distribution \"%s\": %s", ident, errbuf);
		else if (!ok)
			sb_printf(&text, "declared distribution \"%s\" is not "
				  "reachable: %s: %s", ident, url, why);
		PQclear(upd);
		if (text.len > 0)
			add_warning(warnings, n_warnings, sb_steal(&text));
	}
	if (h) {
		curl_easy_cleanup(h);
		curl_global_cleanup();
	}
	sb_free(&text);
	PQclear(res);
}
