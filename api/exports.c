/*
 * exports.c: GET /datasets/{id}/records.csv and the full records.geojson
 * (see exports.h).
 *
 * The bytes come from catalog/export.c, the renderer whose output odp-etl
 * counted and hashed for the catalogue: what a harvester downloads has
 * the size and SHA-256 the DCAT catalogue announces.  The catalogue
 * lookup and the COPY run in one REPEATABLE READ transaction, so the
 * size looked up and the rows served belong to the same version; a
 * publication that drops the version's table between our snapshot and
 * our COPY's lock gives 42P01, and the whole read runs once more, as in
 * records.c.
 *
 * The export is pulled by MHD's reader callback a chunk at a time, on the
 * MHD thread; the connection stays borrowed until MHD frees the answer,
 * which closes the export (cancelling a COPY that a client left half
 * read) and gives the connection back.
 */
#include "exports.h"

#include "datasets.h"
#include "errors.h"
#include "params.h"
#include "pool.h"
#include "versions.h"

#include "export.h"
#include "log.h"
#include "odp.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of export handed to MHD at a time. */
#define DOWNLOAD_CHUNK ((size_t)64 << 10)

/* The version to serve: version $2 if it is kept, else the current one;
 * and the byte size the catalogue announces for its export $3, if it was
 * computed for that version. */
static const char lookup_sql[] =
	"SELECT v.id, x.byte_size"
	" FROM datasets d"
	" JOIN dataset_versions v"
	"  ON v.id = coalesce($2::int8, d.current_version_id)"
	"  AND v.dataset_id = d.id AND v.state IN ('published', 'retired')"
	" LEFT JOIN distributions x ON x.dataset_id = d.id"
	"  AND x.identifier = $3 AND x.kind = 'export'"
	"  AND x.version_id = v.id AND x.byte_size IS NOT NULL"
	" WHERE d.identifier = $1 AND d.current_version_id IS NOT NULL";

static const struct api_param_int download_params[] = {
	{"version", 0, 1, INT64_MAX},
};

struct download_format {
	enum export_format format;
	const char *distribution;   /* its identifier in the catalogue */
	const char *content_type;
};

static const struct download_format csv_download = {
	EXPORT_CSV, "records-csv", "text/csv; charset=utf-8",
};

static const struct download_format geojson_download = {
	EXPORT_GEOJSON, "records-geojson", API_CONTENT_GEOJSON,
};

/* One download in progress; MHD owns it through the response. */
struct download {
	struct api_pool *pool;   /* borrowed */
	struct api_conn *conn;   /* owned until download_free */
	struct export *export;   /* owned */
	const char *chunk;       /* borrowed from the export until its next step */
	size_t len, off;
	bool done;
	int64_t announced;       /* the catalogue's byte size, or -1 */
	uint64_t sent;
	int64_t version;
};

static void take_chunk(void *cls, const char *buf, size_t len)
{
	struct download *d = cls;

	d->chunk = buf;
	d->len = len;
	d->off = 0;
}

/* Steps the export until a chunk is pending or the end is reached;
 * false on failure. */
static bool download_fill(struct download *d)
{
	char errbuf[ODP_ERRBUF_SIZE];
	int rc;

	while (d->off == d->len && !d->done) {
		d->len = d->off = 0;
		rc = export_step(d->export, errbuf);
		if (rc < 0) {
			log_error("download of version %" PRId64 " stopped "
				  "after %" PRIu64 " bytes: %s",
				  d->version, d->sent, errbuf);
			return false;
		}
		d->done = rc == 0;
	}
	return true;
}

static ssize_t download_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct download *d = cls;
	size_t n;

	(void)pos;
	if (!download_fill(d))
		return MHD_CONTENT_READER_END_WITH_ERROR;
	if (d->off == d->len) {
		if (d->announced >= 0 && d->sent != (uint64_t)d->announced)
			log_error("version %" PRId64 ": served %" PRIu64
				  " bytes where the catalogue announces %"
				  PRId64, d->version, d->sent, d->announced);
		return MHD_CONTENT_READER_END_OF_STREAM;
	}
	n = d->len - d->off;
	if (n > max)
		n = max;
	memcpy(buf, d->chunk + d->off, n);
	d->off += n;
	d->sent += n;
	return (ssize_t)n;
}

static void download_free(void *cls)
{
	struct download *d = cls;

	export_close(d->export);
	api_pool_return(d->pool, d->conn);
	free(d);
}

/* HEAD never reads the body. */
static ssize_t no_body(void *cls, uint64_t pos, char *buf, size_t max)
{
	(void)cls;
	(void)pos;
	(void)buf;
	(void)max;
	return MHD_CONTENT_READER_END_WITH_ERROR;
}

static bool is_head(const struct api_request *req)
{
	return strcmp(req->method, "HEAD") == 0;
}

/* Content-Type, ETag and Content-Disposition, then the answer. */
static void reply_download(struct api_request *req, struct MHD_Response *resp,
			   const struct download_format *fmt, const char *id,
			   const struct api_param_value *version,
			   const char *etag)
{
	char disposition[160], vtag[32] = "";

	if (version->present)
		snprintf(vtag, sizeof vtag, "-v%" PRId64, version->value);
	/* id is [a-z0-9-]: nothing to escape in the file name. */
	snprintf(disposition, sizeof disposition,
		 "attachment; filename=\"%s%s.%s\"", id, vtag,
		 export_extension(fmt->format));
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				fmt->content_type);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_ETAG, etag);
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_DISPOSITION,
				disposition);
	api_reply(req, MHD_HTTP_OK, resp);
}

static void serve(struct api_request *req, const char *id,
		  const struct download_format *fmt)
{
	struct api_param_value version;
	char errbuf[ODP_ERRBUF_SIZE], etag[API_ETAG_SIZE], sqlstate[6];
	char vbuf[24];
	const char *p[3] = {id, NULL, fmt->distribution};
	struct export_sink sinks[EXPORT_N_FORMATS] = {{NULL, NULL}};
	struct api_conn *conn = NULL;
	struct download *d = NULL;
	struct MHD_Response *resp;
	PGresult *res = NULL;
	int attempt;

	if (!api_params_parse(req, download_params, 1, &version))
		return;
	if (!api_dataset_id_valid(id)) {
		api_reply_dataset_not_found(req, id);
		return;
	}
	if (version.present) {
		util_format_int64(version.value, vbuf);
		p[1] = vbuf;
	}
	conn = api_request_db(req);
	if (!conn)
		return;
	d = xcalloc(1, sizeof *d);
	d->pool = req->server->pool;
	d->announced = -1;
	sinks[fmt->format].write = take_chunk;
	sinks[fmt->format].cls = d;
	for (attempt = 0;; attempt++) {
		res = api_conn_query(conn,
				     "BEGIN ISOLATION LEVEL REPEATABLE READ,"
				     " READ ONLY",
				     0, NULL, errbuf);
		if (!res)
			goto db_error;
		PQclear(res);
		res = api_conn_query(conn, lookup_sql, 3, p, errbuf);
		if (!res)
			goto db_error;
		if (PQntuples(res) == 0) {
			if (version.present)
				api_versions_reply_missing(req, conn, id,
							   version.value);
			else
				api_reply_dataset_not_found(req, id);
			goto out;
		}
		if (!util_parse_int64(PQgetvalue(res, 0, 0), &d->version) ||
		    (!PQgetisnull(res, 0, 1) &&
		     !util_parse_int64(PQgetvalue(res, 0, 1), &d->announced))) {
			util_seterr(errbuf, "catalogue row of \"%s\" has no "
					    "version number", id);
			goto db_error;
		}
		PQclear(res);
		res = NULL;
		api_etag_version(etag, d->version);
		if (api_reply_not_modified(req, etag))
			goto out;
		if (is_head(req)) {
			resp = MHD_create_response_from_callback(
				d->announced >= 0 ? (uint64_t)d->announced
						  : MHD_SIZE_UNKNOWN,
				DOWNLOAD_CHUNK, no_body, NULL, NULL);
			if (!resp)
				goto no_response;
			reply_download(req, resp, fmt, id, &version, etag);
			goto out;
		}
		d->export = export_open(conn->pg, d->version, sinks,
					DOWNLOAD_CHUNK, errbuf, sqlstate);
		if (d->export)
			break;
		if (attempt > 0 || strcmp(sqlstate, "42P01") != 0)
			goto db_error;
		log_info("%s %s: version %" PRId64 " of \"%s\" went away "
			 "while being read; reading again",
			 req->method, req->target, d->version, id);
		res = api_conn_query(conn, "ROLLBACK", 0, NULL, errbuf);
		if (!res)
			goto db_error;
		PQclear(res);
		res = NULL;
		d->announced = -1;
	}
	/* The first chunk before the status, so that a failure at the start
	 * is still an error answer. */
	if (!download_fill(d)) {
		util_seterr(errbuf, "the export of version %" PRId64 " failed "
			    "(logged above)", d->version);
		goto db_error;
	}
	d->conn = conn;
	conn = NULL;
	resp = MHD_create_response_from_callback(
		d->announced >= 0 ? (uint64_t)d->announced : MHD_SIZE_UNKNOWN,
		DOWNLOAD_CHUNK, download_read, d, download_free);
	if (!resp) {
		conn = d->conn;
		goto no_response;
	}
	d = NULL;
	reply_download(req, resp, fmt, id, &version, etag);
	goto out;
no_response:
	req->status = 0;
	req->result = MHD_NO;
	goto out;
db_error:
	api_reply_db_error(req, conn, errbuf);
out:
	if (d) {
		export_close(d->export);
		free(d);
	}
	PQclear(res);
	api_pool_return(req->server->pool, conn);
}

void api_exports_csv(struct api_request *req, const char *const *args)
{
	serve(req, args[0], &csv_download);
}

void api_exports_geojson(struct api_request *req, const char *const *args)
{
	serve(req, args[0], &geojson_download);
}
