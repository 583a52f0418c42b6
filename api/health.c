/*
 * health.c: GET /health (see health.h).
 *
 * The check goes through the same pool as every other request, so a 200
 * means a request could have been answered now: a connection was free or
 * could be opened, and the database ran a statement.
 */
#include "health.h"

#include "errors.h"
#include "pool.h"

#include "log.h"
#include "odp.h"

void api_health_get(struct api_request *req, const char *const *args)
{
	char errbuf[ODP_ERRBUF_SIZE];
	struct api_conn *conn;
	PGresult *res;

	(void)args;
	conn = api_request_db(req);
	if (!conn)
		return;
	res = api_conn_query(conn, "SELECT 1", 0, NULL, errbuf);
	if (!res) {
		log_error("health check failed: %s", errbuf);
		if (api_conn_lost(conn))
			api_reply_error(req, API_ERR_DATABASE_UNAVAILABLE,
					NULL,
					"The catalogue database cannot be "
					"reached; retry later.  If this lasts, "
					"the server log says why.");
		else
			api_reply_error(req, API_ERR_DATABASE_UNAVAILABLE,
					"database did not answer a query",
					"The catalogue database is reachable "
					"but could not run a query; the server "
					"log says why.");
		goto out;
	}
	PQclear(res);
	api_reply_json(req, MHD_HTTP_OK,
		       json_pack("{s:s, s:s}", "status", "ok", "database",
				 "ok"),
		       NULL);
out:
	api_pool_return(req->server->pool, conn);
}
