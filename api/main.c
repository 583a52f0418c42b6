/*
 * main.c: odp-api, the HTTP server reusers read the catalogue and the
 * records from.
 *
 * Reads its settings from the environment, starts libmicrohttpd with a pool
 * of worker threads (each with its own epoll or poll loop) bound to exactly
 * ODP_LISTEN, and waits for SIGINT or SIGTERM, meanwhile timing out requests
 * that wait for a database connection (pool.c).  On a signal it answers the
 * waiting requests, lets MHD close every connection (which gives back the
 * database connections of streams in progress) and exits 0.
 *
 * Each connection owns one struct api_request, reset by the URI-log
 * callback (MHD's first look at a request); the request is routed by the
 * access handler and logged by the completion callback, so the log line
 * covers streaming time and says when a client went away.
 */
#include "cache.h"
#include "pool.h"
#include "request.h"
#include "routes.h"

#include "log.h"
#include "odp.h"
#include "sb.h"
#include "util.h"

#include <arpa/inet.h>
#include <netdb.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>

#define DEFAULT_LISTEN "127.0.0.1:8080"
#define DEFAULT_THREADS 4
#define MAX_THREADS 256
#define MAX_DB_CONNECTIONS 1000
/* Longest ODP_LISTEN and ODP_BASE_URL we accept. */
#define MAX_SETTING_LEN 512
/* Seconds an idle or stalled client keeps its connection (and, while a
 * stream waits on it, its database connection). */
#define CONNECTION_TIMEOUT 60
/* How often requests waiting for a database connection are checked for
 * their deadline. */
#define EXPIRE_INTERVAL_NS 200000000L

static void usage(FILE *out)
{
	fputs("usage: odp-api [--help]\n"
	      "\n"
	      "Serves the odp catalogue and records over HTTP until SIGINT or "
	      "SIGTERM.\n"
	      "\n"
	      "Environment:\n"
	      "  ODP_DATABASE_URL        libpq connection string or URI "
	      "(empty: libpq's PG* defaults)\n"
	      "  ODP_LISTEN              host:port to bind, [v6addr]:port for "
	      "IPv6 (default " DEFAULT_LISTEN ")\n"
	      "  ODP_BASE_URL            absolute URL of the API in links "
	      "(default http://ODP_LISTEN)\n"
	      "  ODP_API_THREADS         worker threads, 1..256 (default 4)\n"
	      "  ODP_API_DB_CONNECTIONS  database connections, 1..1000 "
	      "(default 2 x threads)\n"
	      "  ODP_API_CACHE_MB        memory for cached catalogue answers, "
	      "0..4096 (default 64; 0: none)\n"
	      "  ODP_LOG_LEVEL           debug, info, warn or error "
	      "(default info)\n"
	      "\n"
	      "Endpoints: GET /health, /datasets, /datasets/{id},\n"
	      "/datasets/{id}/records, /datasets/{id}/records.geojson\n",
	      out);
}

/* Reads integer variable name into *out (def when unset or empty); false
 * with a message on standard error when it is not in [min, max]. */
static bool env_int(const char *name, int64_t def, int64_t min, int64_t max,
		    int64_t *out)
{
	const char *s = getenv(name);

	*out = def;
	if (!s || !*s)
		return true;
	if (!util_parse_int64(s, out) || *out < min || *out > max) {
		char shown[64];

		api_sanitize(shown, sizeof shown, s);
		fprintf(stderr,
			"odp-api: invalid value for %s: \"%s\"\n"
			"%s must be an integer between %lld and %lld.\n",
			name, shown, name, (long long)min, (long long)max);
		return false;
	}
	return true;
}

/* Parses "host:port" or "[v6]:port" and resolves host (an address or a
 * name) into *addr.  False with errbuf set when it cannot be used. */
static bool parse_listen(const char *s, struct sockaddr_storage *addr,
			 char *errbuf)
{
	struct addrinfo hints, *res = NULL;
	char host[MAX_SETTING_LEN], port[8];
	const char *colon;
	size_t host_len;
	int64_t n;
	int err;

	if (strlen(s) >= MAX_SETTING_LEN) {
		util_seterr(errbuf, "the value is longer than %d bytes",
			    MAX_SETTING_LEN - 1);
		return false;
	}
	if (s[0] == '[') {
		const char *close = strchr(s, ']');

		if (!close || close[1] != ':') {
			util_seterr(errbuf, "expected [address]:port");
			return false;
		}
		host_len = (size_t)(close - s - 1);
		memcpy(host, s + 1, host_len);
		colon = close + 1;
	} else {
		colon = strrchr(s, ':');
		if (!colon || memchr(s, ':', (size_t)(colon - s))) {
			util_seterr(errbuf, "expected host:port (IPv6 "
					    "addresses in brackets)");
			return false;
		}
		host_len = (size_t)(colon - s);
		memcpy(host, s, host_len);
	}
	host[host_len] = '\0';
	if (host_len == 0) {
		util_seterr(errbuf, "the host is empty (use 0.0.0.0 for every "
				    "interface)");
		return false;
	}
	if (strlen(colon + 1) >= sizeof port ||
	    strspn(colon + 1, "0123456789") != strlen(colon + 1) ||
	    !util_parse_int64(colon + 1, &n) || n < 1 || n > 65535) {
		util_seterr(errbuf,
			    "the port must be a number from 1 to 65535");
		return false;
	}
	util_strlcpy(port, colon + 1, sizeof port);
	memset(&hints, 0, sizeof hints);
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM;
	hints.ai_flags = AI_NUMERICSERV;
	err = getaddrinfo(host, port, &hints, &res);
	if (err != 0) {
		util_seterr(errbuf, "could not resolve host \"%s\": %s", host,
			    gai_strerror(err));
		return false;
	}
	memset(addr, 0, sizeof *addr);
	memcpy(addr, res->ai_addr,
	       res->ai_addrlen < sizeof *addr ? res->ai_addrlen : sizeof *addr);
	freeaddrinfo(res);
	return true;
}

/* Returns the malloc'd base URL for links: ODP_BASE_URL without trailing
 * slashes, or http://<listen>.  NULL with a message when it is unusable. */
static char *base_url(const char *listen)
{
	const char *env = getenv("ODP_BASE_URL");
	struct sb sb;
	size_t len;

	sb_init(&sb, MAX_SETTING_LEN);
	if (!env || !*env) {
		sb_printf(&sb, "http://%s", listen);
		return sb_steal(&sb);
	}
	len = strlen(env);
	while (len > 0 && env[len - 1] == '/')
		len--;
	if (len >= MAX_SETTING_LEN ||
	    (strncmp(env, "http://", 7) != 0 &&
	     strncmp(env, "https://", 8) != 0) ||
	    strcspn(env, " \t\r\n\"") != strlen(env)) {
		fprintf(stderr,
			"odp-api: invalid value for ODP_BASE_URL\n"
			"ODP_BASE_URL must be an absolute http:// or "
			"https:// URL without spaces or quotes, shorter "
			"than %d bytes.\n",
			MAX_SETTING_LEN);
		return NULL;
	}
	sb_append(&sb, env, len);
	return sb_steal(&sb);
}

/* A connection starts or ends: its one struct api_request (requests on a
 * connection follow one another) lives as long as the connection.  MHD
 * always reports a connection's end, while it skips the completion of a
 * request it rejected itself (e.g. 431), so memory tied to requests would
 * leak there. */
static void on_connection(void *cls, struct MHD_Connection *conn,
			  void **socket_context,
			  enum MHD_ConnectionNotificationCode code)
{
	struct api_request *req = *socket_context;

	(void)cls;
	(void)conn;
	if (code == MHD_CONNECTION_NOTIFY_STARTED) {
		*socket_context = xcalloc(1, sizeof(struct api_request));
		return;
	}
	if (req && req->started_request)
		log_info("- %s - %ld ms (rejected by libmicrohttpd)",
			 req->target, api_request_ms(req));
	free(req);
	*socket_context = NULL;
}

/* The request context of conn; NULL only if MHD lost it. */
static struct api_request *request_of(struct MHD_Connection *conn)
{
	const union MHD_ConnectionInfo *info = MHD_get_connection_info(
		conn, MHD_CONNECTION_INFO_SOCKET_CONTEXT);

	return info ? info->socket_context : NULL;
}

/* MHD's first look at a request: the raw target.  Returns the request
 * context MHD then hands to on_request() and on_completed(). */
static void *on_uri(void *cls, const char *uri, struct MHD_Connection *conn)
{
	struct api_request *req = request_of(conn);

	if (!req)
		return NULL;
	memset(req, 0, sizeof *req);
	req->server = cls;
	req->started_request = true;
	clock_gettime(CLOCK_MONOTONIC, &req->started);
	api_sanitize(req->target, sizeof req->target, uri ? uri : "");
	req->target_len = uri ? strlen(uri) : 0;
	util_strlcpy(req->method, "-", sizeof req->method);
	return req;
}

/* True when the request announces a body. */
static bool has_body(struct MHD_Connection *conn)
{
	const char *len = MHD_lookup_connection_value(
		conn, MHD_HEADER_KIND, MHD_HTTP_HEADER_CONTENT_LENGTH);

	if (MHD_lookup_connection_value(conn, MHD_HEADER_KIND,
					MHD_HTTP_HEADER_TRANSFER_ENCODING))
		return true;
	return len && strspn(len, "0") != strlen(len);
}

static enum MHD_Result on_request(void *cls, struct MHD_Connection *conn,
				  const char *url, const char *method,
				  const char *version, const char *upload_data,
				  size_t *upload_data_size, void **req_cls)
{
	struct api_request *req = *req_cls;

	(void)version;
	(void)upload_data;
	if (!req) {
		req = on_uri(cls, url, conn);
		*req_cls = req;
		if (!req)
			return MHD_NO;
	}
	if (req->dispatched) {
		/* A body after an early answer: no endpoint takes one. */
		*upload_data_size = 0;
		return MHD_YES;
	}
	/* MHD calls first when the headers are in.  Answering then is an
	 * "early response", after which MHD closes the connection; so a
	 * request without a body is answered on the next call, when it is
	 * complete, and the connection stays open for keep-alive.  A request
	 * with a body is answered at once: no endpoint reads one. */
	if (!req->headers_seen) {
		req->headers_seen = true;
		/* Only a complete request may wait for a database
		 * connection: resuming one whose body is still unread would
		 * leave MHD expecting it. */
		req->may_wait = !has_body(conn);
		if (req->may_wait)
			return MHD_YES;
	}
	req->dispatched = true;
	req->connection = conn;
	req->path = url ? url : "";
	req->result = MHD_NO;
	api_sanitize(req->method, sizeof req->method, method ? method : "");
	api_routes_dispatch(req);
	req->path = NULL;
	if (req->suspended) {
		/* Resumed when a connection frees: route again then. */
		req->suspended = false;
		req->dispatched = false;
		return MHD_YES;
	}
	if (req->status == 0 && req->result == MHD_NO)
		log_error("%s %s: no answer could be queued", req->method,
			  req->target);
	return req->result;
}

static const char *termination_note(enum MHD_RequestTerminationCode toe)
{
	switch (toe) {
	case MHD_REQUEST_TERMINATED_COMPLETED_OK:
		return "";
	case MHD_REQUEST_TERMINATED_CLIENT_ABORT:
		return " (client went away)";
	case MHD_REQUEST_TERMINATED_TIMEOUT_REACHED:
		return " (timed out)";
	case MHD_REQUEST_TERMINATED_DAEMON_SHUTDOWN:
		return " (server shutting down)";
	case MHD_REQUEST_TERMINATED_READ_ERROR:
		return " (read error)";
	case MHD_REQUEST_TERMINATED_WITH_ERROR:
		return " (connection closed before the end)";
	default:
		return " (aborted)";
	}
}

/* The request is over: its log line. */
static void on_completed(void *cls, struct MHD_Connection *conn,
			 void **req_cls, enum MHD_RequestTerminationCode toe)
{
	struct api_request *req = *req_cls;
	char status[16] = "-";

	(void)cls;
	(void)conn;
	if (!req)
		return;
	if (req->status)
		snprintf(status, sizeof status, "%u", req->status);
	log_info("%s %s %s %ld ms%s", req->method, req->target, status,
		 api_request_ms(req), termination_note(toe));
	req->started_request = false;
	*req_cls = NULL;
}

static void on_mhd_log(void *cls, const char *fmt, va_list ap)
{
	char text[512];
	size_t len;

	(void)cls;
	vsnprintf(text, sizeof text, fmt, ap);
	len = strlen(text);
	while (len > 0 && (text[len - 1] == '\n' || text[len - 1] == ' '))
		text[--len] = '\0';
	log_warn("libmicrohttpd: %s", text);
}

int main(int argc, char **argv)
{
	char errbuf[ODP_ERRBUF_SIZE];
	struct sockaddr_storage addr;
	struct api_server server = {NULL, NULL, NULL};
	struct MHD_Daemon *daemon = NULL;
	const char *listen;
	char *url = NULL;
	int64_t threads, n_conns, cache_mb;
	unsigned int flags;
	uint16_t port;
	sigset_t stop_signals;
	int sig = 0, rc = 2;

	log_init("odp-api");
	if (argc == 2 && (strcmp(argv[1], "--help") == 0 ||
			  strcmp(argv[1], "-h") == 0)) {
		usage(stdout);
		return 0;
	}
	if (argc > 1) {
		char shown[64];

		api_sanitize(shown, sizeof shown, argv[1]);
		fprintf(stderr, "odp-api: unknown argument \"%s\"\n\n", shown);
		usage(stderr);
		return 2;
	}
	listen = getenv("ODP_LISTEN");
	if (!listen || !*listen)
		listen = DEFAULT_LISTEN;
	if (!parse_listen(listen, &addr, errbuf)) {
		char shown[MAX_SETTING_LEN];

		api_sanitize(shown, sizeof shown, listen);
		fprintf(stderr,
			"odp-api: invalid value for ODP_LISTEN: \"%s\": %s\n"
			"ODP_LISTEN must be host:port, for example "
			"127.0.0.1:8080, 0.0.0.0:8080 or [::1]:8080.\n",
			shown, errbuf);
		return 2;
	}
	if (!env_int("ODP_API_THREADS", DEFAULT_THREADS, 1, MAX_THREADS,
		     &threads) ||
	    !env_int("ODP_API_DB_CONNECTIONS", 2 * threads, 1,
		     MAX_DB_CONNECTIONS, &n_conns) ||
	    !env_int("ODP_API_CACHE_MB", 64, 0, 4096, &cache_mb))
		return 2;
	url = base_url(listen);
	if (!url)
		return 2;

	/* Workers inherit this mask, so the signals reach sigtimedwait()
	 * below.  MHD sets SO_REUSEADDR itself (a restart binds at once) and
	 * no SO_REUSEPORT: a second instance on the same port fails. */
	sigemptyset(&stop_signals);
	sigaddset(&stop_signals, SIGINT);
	sigaddset(&stop_signals, SIGTERM);
	pthread_sigmask(SIG_BLOCK, &stop_signals, NULL);
	signal(SIGPIPE, SIG_IGN);

	server.base_url = url;
	server.pool = api_pool_new((size_t)n_conns);
	server.cache = api_cache_new((size_t)cache_mb << 20);
	flags = MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG |
		MHD_ALLOW_SUSPEND_RESUME;
	flags |= MHD_is_feature_supported(MHD_FEATURE_EPOLL) == MHD_YES
			 ? MHD_USE_EPOLL
			 : MHD_USE_POLL;
	if (addr.ss_family == AF_INET6)
		flags |= MHD_USE_IPv6;
	/* MHD binds to addr; the port argument only appears in its
	 * messages. */
	port = ntohs(addr.ss_family == AF_INET6
			     ? ((struct sockaddr_in6 *)&addr)->sin6_port
			     : ((struct sockaddr_in *)&addr)->sin_port);
	daemon = MHD_start_daemon(
		flags, port, NULL, NULL, on_request, &server,
		MHD_OPTION_EXTERNAL_LOGGER, on_mhd_log, NULL,
		MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&addr,
		MHD_OPTION_THREAD_POOL_SIZE, (unsigned int)threads,
		MHD_OPTION_URI_LOG_CALLBACK, on_uri, &server,
		MHD_OPTION_NOTIFY_COMPLETED, on_completed, NULL,
		MHD_OPTION_NOTIFY_CONNECTION, on_connection, NULL,
		MHD_OPTION_CONNECTION_TIMEOUT, (unsigned int)CONNECTION_TIMEOUT,
		MHD_OPTION_END);
	if (!daemon) {
		log_error("could not listen on %s: the address is in use, is "
			  "not one of this host's, or is not allowed (see the "
			  "line above)",
			  listen);
		rc = 1;
		goto out;
	}
	log_info("listening on %s (%lld threads, up to %lld database "
		 "connections), links under %s",
		 listen, (long long)threads, (long long)n_conns, url);
	/* This thread also times out requests waiting for a database
	 * connection, a few times a second. */
	for (;;) {
		struct timespec tick = {0, EXPIRE_INTERVAL_NS};

		sig = sigtimedwait(&stop_signals, NULL, &tick);
		if (sig == SIGINT || sig == SIGTERM)
			break;
		api_pool_expire(server.pool);
	}
	log_info("received %s; stopping", sig == SIGINT ? "SIGINT" : "SIGTERM");
	api_pool_close(server.pool);
	MHD_stop_daemon(daemon);
	rc = 0;
out:
	api_cache_free(server.cache);
	api_pool_free(server.pool);
	free(url);
	return rc;
}
