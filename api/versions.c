/*
 * versions.c: GET /datasets/{id}/versions (see versions.h).
 *
 * One statement answers: whether the dataset exists, how many versions it
 * keeps and the page of them as one JSON array built by PostgreSQL, so the
 * total and the page come from one snapshot.  Only published and retired
 * versions are listed: a "loading" one belongs to a run in progress and
 * has no rows to read yet.  The links to each version's records are added
 * here, since the base URL is the server's.
 */
#include "versions.h"

#include "datasets.h"
#include "errors.h"
#include "params.h"

#include "odp.h"
#include "sb.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>

/* $1 the dataset identifier, $2 limit, $3 offset.  One row: the number of
 * datasets with that identifier (0 or 1), the number of versions, the page
 * as a JSON array. */
static const char list_sql[] =
	"WITH v AS (SELECT v.* FROM dataset_versions v"
	"  JOIN datasets d ON d.id = v.dataset_id"
	"  WHERE d.identifier = $1 AND v.state IN ('published', 'retired'))"
	" SELECT (SELECT count(*) FROM datasets WHERE identifier = $1),"
	"  (SELECT count(*) FROM v),"
	"  (SELECT coalesce(json_agg(json_build_object("
	"    'version', p.id, 'state', p.state,"
	"    'published_at', to_char(p.published_at AT TIME ZONE 'UTC',"
	"      'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"'),"
	"    'record_count', p.record_count, 'checksum', p.checksum,"
	"    'rows_added', p.rows_added, 'rows_removed', p.rows_removed,"
	"    'rows_changed', p.rows_changed,"
	"    'schema_changes', p.schema_changes) ORDER BY p.id DESC), '[]')"
	"   FROM (SELECT * FROM v ORDER BY id DESC"
	"    LIMIT $2::int8 OFFSET $3::int8) p)";

/* Adds {"records", "geojson"} links to each version of list (borrowed). */
static void add_links(const struct api_request *req, const char *id,
		      json_t *list)
{
	const char *suffixes[2] = {"/records", "/records.geojson"};
	const char *names[2] = {"records", "geojson"};
	struct sb url;
	json_t *item;
	size_t i;
	int k;

	sb_init(&url, 0);
	json_array_foreach(list, i, item) {
		json_int_t version = json_integer_value(
			json_object_get(item, "version"));
		json_t *links = json_object();
		for (k = 0; k < 2; k++) {
			sb_reset(&url);
			sb_printf(&url, "%s/datasets/%s%s?version=%" JSON_INTEGER_FORMAT,
				  req->server->base_url, id, suffixes[k],
				  version);
			json_object_set_new(links, names[k],
					    json_string(url.buf));
		}
		json_object_set_new(item, "links", links);
	}
	sb_free(&url);
}

void api_versions_list(struct api_request *req, const char *const *args)
{
	api_datasets_reply_page(req, args[0], list_sql, "versions", add_links);
}

void api_versions_reply_missing(struct api_request *req,
				struct api_conn *conn, const char *id,
				int64_t version)
{
	char errbuf[ODP_ERRBUF_SIZE], shown[96], error[160];
	PGresult *res;

	res = api_conn_query(conn,
			     "SELECT 1 FROM datasets WHERE identifier = $1"
			     " AND current_version_id IS NOT NULL",
			     1, &id, errbuf);
	if (!res) {
		api_reply_db_error(req, conn, errbuf);
		return;
	}
	if (PQntuples(res) == 0) {
		PQclear(res);
		api_reply_dataset_not_found(req, id);
		return;
	}
	PQclear(res);
	/* id has the shape of an identifier: nothing to sanitise, but the
	 * message is bounded all the same. */
	api_sanitize(shown, sizeof shown, id);
	snprintf(error, sizeof error, "version %" PRId64 " of \"%s\" not found",
		 version, shown);
	api_reply_error(req, API_ERR_VERSION_NOT_FOUND, error,
			"Dataset \"%s\" keeps no version %" PRId64 ": it was "
			"never published or is older than the versions its job "
			"keeps.  GET /datasets/%s/versions lists those that "
			"can be read.",
			shown, version, shown);
}
