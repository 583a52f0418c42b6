/*
 * records.c: GET /datasets/{id}/records and /records.geojson with limit
 * or offset (see records.h); the whole /records.geojson is exports.c's.
 *
 * Both answers are streamed from a cursor (stream.c), so neither a page of
 * 10000 wide rows nor a whole dataset is ever held in memory.  Each row's
 * JSON is built by PostgreSQL:
 *
 *   properties  row_to_json over a sub-select of the version's columns in
 *               catalogue order (json_build_object would stop at 100
 *               arguments); integers and reals come out as numbers, booleans
 *               as booleans, dates as "YYYY-MM-DD", timestamps as ISO 8601
 *   geometry    ST_AsGeoJSON(geom, 7)::json, or null
 *
 * Identifiers (the version's table and columns) come only from the
 * catalogue, quoted by PQescapeIdentifier; limit and offset travel as $n
 * parameters; nothing of the request text reaches the SQL.
 *
 * ?version=N reads version N instead of the current one, as long as the
 * dataset's job keeps it (versions.h); its answers carry its own ETag.
 *
 * The whole-row reference is written p.* because a bare p would name a
 * dataset column called "p" if there were one.
 *
 * The catalogue lookup and the read happen in one REPEATABLE READ
 * transaction, so they see the same version.  A publication that commits
 * and drops the old version's table between the snapshot and the moment
 * our DECLARE locks the table still yields 42P01 (undefined table); then
 * the whole read runs once more in a new transaction, which sees the new
 * version.  Once the cursor is declared, our lock keeps the table alive.
 *
 * Paging relies on the loader's contract that _rownum numbers the rows
 * 1..n: offset becomes "_rownum > offset", an index range scan whose cost
 * does not grow with the offset as OFFSET's would.
 */
#include "records.h"

#include "datasets.h"
#include "errors.h"
#include "exports.h"
#include "params.h"
#include "pool.h"
#include "stream.h"
#include "versions.h"

#include "db.h"
#include "log.h"
#include "odp.h"
#include "sb.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A version of a published dataset and its columns, in position order:
 * version $2 if it is kept (published or retired), else the current one;
 * a dataset without columns yields one row with a NULL name. */
static const char lookup_sql[] =
	"SELECT v.id, v.record_count, v.table_name, c.name"
	" FROM datasets d"
	" JOIN dataset_versions v"
	"  ON v.id = coalesce($2::int8, d.current_version_id)"
	"  AND v.dataset_id = d.id AND v.state IN ('published', 'retired')"
	" LEFT JOIN dataset_columns c ON c.version_id = v.id"
	" WHERE d.identifier = $1 AND d.current_version_id IS NOT NULL"
	" ORDER BY c.position";

static const struct api_param_int page_params[] = {
	{"limit", 100, 0, 10000},
	{"offset", 0, 0, 1000000000},
	{"version", 0, 1, INT64_MAX},
};

/* What the two endpoints differ in. */
struct rows_format {
	const char *content_type;
	/* json_build_object arguments before and after the properties; the
	 * row's table is aliased t. */
	const char *row_head;
	const char *row_tail;
	bool feature_collection; /* GeoJSON: no limit means every row */
};

static const struct rows_format records_format = {
	API_CONTENT_JSON,
	"json_build_object('id', t._id, 'properties', ",
	", 'geometry', ST_AsGeoJSON(t.geom, 7)::json)",
	false,
};

static const struct rows_format geojson_format = {
	API_CONTENT_GEOJSON,
	"json_build_object('type', 'Feature', 'id', t._id,"
	" 'geometry', ST_AsGeoJSON(t.geom, 7)::json, 'properties', ",
	")",
	true,
};

/* The version being read, from lookup_sql. */
struct version {
	int64_t id;
	int64_t record_count;
};

/* Returns the malloc'd DECLARE statement for the version described by
 * lookup (rows of lookup_sql), or NULL with errbuf set.  $1 is the limit
 * (NULL: all), $2 the offset. */
static char *declare_sql(PGconn *pg, const PGresult *lookup,
			 const struct rows_format *fmt, char *errbuf)
{
	struct sb sql;
	const char *name;
	char *ident, *table;
	int i;

	sb_init(&sql, 0);
	sb_puts(&sql, "DECLARE " API_STREAM_CURSOR " NO SCROLL CURSOR FOR"
		      " SELECT ");
	sb_puts(&sql, fmt->row_head);
	sb_puts(&sql, "(SELECT row_to_json(p.*) FROM (SELECT ");
	for (i = 0; i < PQntuples(lookup); i++) {
		if (PQgetisnull(lookup, i, 3))
			continue;
		name = PQgetvalue(lookup, i, 3);
		ident = PQescapeIdentifier(pg, name, strlen(name));
		if (!ident)
			goto fail;
		if (i > 0)
			sb_puts(&sql, ", ");
		sb_printf(&sql, "t.%s", ident);
		PQfreemem(ident);
	}
	sb_puts(&sql, ") p)");
	sb_puts(&sql, fmt->row_tail);
	table = db_quote_ident(pg, "data", PQgetvalue(lookup, 0, 2));
	if (!table)
		goto fail;
	sb_printf(&sql, " FROM %s t WHERE t._rownum > $2::int8"
			" ORDER BY t._rownum LIMIT $1::int8",
		  table);
	free(table);
	if (sb_failed(&sql)) {
		util_seterr(errbuf, "the query for %d columns is too long",
			    PQntuples(lookup));
		sb_free(&sql);
		return NULL;
	}
	return sb_steal(&sql);
fail:
	util_seterr(errbuf, "could not quote an identifier: %s",
		    PQerrorMessage(pg));
	sb_free(&sql);
	return NULL;
}

/* The JSON text that comes before the rows. */
static char *head_text(const struct rows_format *fmt, const char *id,
		       const struct version *ver, int64_t limit, int64_t offset)
{
	struct sb sb;

	sb_init(&sb, 0);
	if (fmt->feature_collection) {
		sb_puts(&sb, "{\"type\":\"FeatureCollection\",\"features\":[");
	} else {
		sb_puts(&sb, "{\"dataset\":");
		sb_put_json_string(&sb, id);
		sb_printf(&sb,
			  ",\"version\":%" PRId64 ",\"total\":%" PRId64
			  ",\"limit\":%" PRId64 ",\"offset\":%" PRId64
			  ",\"records\":[",
			  ver->id, ver->record_count, limit, offset);
	}
	return sb_steal(&sb);
}

static void serve_rows(struct api_request *req, const char *id,
		       const struct rows_format *fmt)
{
	struct api_param_value v[3];
	char errbuf[ODP_ERRBUF_SIZE], etag[API_ETAG_SIZE];
	char limit[24], offset[24], version[24];
	const char *params[2] = {NULL, offset};
	const char *lookup_params[2] = {id, NULL};
	struct api_conn *conn = NULL;
	PGresult *lookup = NULL, *res = NULL;
	struct MHD_Response *resp;
	struct version ver = {0, 0};
	char *sql = NULL;
	int attempt;

	if (!api_params_parse(req, page_params, 3, v))
		return;
	if (!api_dataset_id_valid(id)) {
		api_reply_dataset_not_found(req, id);
		return;
	}
	if (v[0].present || !fmt->feature_collection) {
		snprintf(limit, sizeof limit, "%" PRId64, v[0].value);
		params[0] = limit;
	}
	snprintf(offset, sizeof offset, "%" PRId64, v[1].value);
	if (v[2].present) {
		snprintf(version, sizeof version, "%" PRId64, v[2].value);
		lookup_params[1] = version;
	}
	conn = api_request_db(req);
	if (!conn)
		return;
	for (attempt = 0;; attempt++) {
		res = api_conn_query(conn,
				     "BEGIN ISOLATION LEVEL REPEATABLE READ,"
				     " READ ONLY",
				     0, NULL, errbuf);
		if (!res)
			goto db_error;
		PQclear(res);
		res = NULL;
		lookup = api_conn_query(conn, lookup_sql, 2, lookup_params,
					errbuf);
		if (!lookup)
			goto db_error;
		if (PQntuples(lookup) == 0) {
			if (v[2].present)
				api_versions_reply_missing(req, conn, id,
							   v[2].value);
			else
				api_reply_dataset_not_found(req, id);
			goto out;
		}
		if (!util_parse_int64(PQgetvalue(lookup, 0, 0), &ver.id) ||
		    !util_parse_int64(PQgetvalue(lookup, 0, 1),
				      &ver.record_count)) {
			util_seterr(errbuf, "catalogue row of \"%s\" has no "
					    "version number", id);
			goto db_error;
		}
		api_etag_version(etag, ver.id);
		if (api_reply_not_modified(req, etag))
			goto out;
		sql = declare_sql(conn->pg, lookup, fmt, errbuf);
		if (!sql)
			goto db_error;
		res = api_conn_query(conn, sql, 2, params, errbuf);
		if (res) {
			PQclear(res);
			res = api_conn_query(conn, API_STREAM_FETCH, 0, NULL,
					     errbuf);
		}
		if (res)
			break;
		if (attempt > 0 || strcmp(conn->sqlstate, "42P01") != 0)
			goto db_error;
		log_info("%s %s: version %" PRId64 " of \"%s\" went away "
			 "while being read; reading again",
			 req->method, req->target, ver.id, id);
		PQclear(lookup);
		lookup = NULL;
		free(sql);
		sql = NULL;
		res = api_conn_query(conn, "ROLLBACK", 0, NULL, errbuf);
		if (!res)
			goto db_error;
		PQclear(res);
		res = NULL;
	}
	resp = api_stream_new(req->server->pool, conn, res,
			      head_text(fmt, id, &ver, v[0].value, v[1].value),
			      xstrdup("]}"));
	conn = NULL;
	res = NULL;
	if (!resp) {
		req->status = 0;
		req->result = MHD_NO;
		goto out;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				fmt->content_type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	api_reply(req, MHD_HTTP_OK, resp);
	goto out;
db_error:
	api_reply_db_error(req, conn, errbuf);
out:
	free(sql);
	PQclear(lookup);
	PQclear(res);
	api_pool_return(req->server->pool, conn);
}

void api_records_get(struct api_request *req, const char *const *args)
{
	serve_rows(req, args[0], &records_format);
}

void api_records_geojson(struct api_request *req, const char *const *args)
{
	/* Without limit and offset it is the whole collection, the download
	 * the catalogue announces with its size and checksum: exports.c
	 * serves it through the renderer that odp-etl measured. */
	if (!MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND,
					 "limit") &&
	    !MHD_lookup_connection_value(req->connection, MHD_GET_ARGUMENT_KIND,
					 "offset")) {
		api_exports_geojson(req, args);
		return;
	}
	serve_rows(req, args[0], &geojson_format);
}
