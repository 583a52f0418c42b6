/*
 * datasets.c: GET /datasets/{id} and the metadata object of a dataset
 * (see datasets.h); the list and search, GET /datasets, is in search.c.
 *
 * A dataset is published once datasets.current_version_id is set; drafts
 * never show.  Each answer comes from one SQL statement, hence from one
 * snapshot: a dataset and its columns cannot disagree when the ETL
 * publishes in between.  The metadata object
 * is built with jansson from the columns of DATASET_FIELDS, in the order
 * reusers read it:
 *
 *   identifier, title, description, publisher {identifier, name, homepage,
 *   email} | null, themes [], keywords [], licence {code, iri, label},
 *   frequency, issued, modified (UTC, ISO 8601), record_count, version,
 *   extent {"bbox": [minx, miny, maxx, maxy]} | null, columns [{name,
 *   source_name, label, type}] (single dataset only), links {self, records,
 *   geojson}, then, for a single dataset, quality {score, max, criteria,
 *   missing} (catalog/quality.h)
 */
#include "datasets.h"

#include "errors.h"
#include "params.h"
#include "pool.h"

#include "odp.h"
#include "quality.h"
#include "sb.h"
#include "util.h"
#include "vocab.h"

#include <stdio.h>
#include <string.h>

/* Timestamps as reusers expect them: UTC, ISO 8601, "Z". */
#define ISO_UTC(col) \
	"to_char(" col " AT TIME ZONE 'UTC', " \
	"'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* The extent is rounded outwards to the 7 decimals at which geometries are
 * served, so the bbox contains every coordinate a client receives; in
 * numeric, whose conversion from float8 keeps 15 digits, so that 46.584
 * does not become 46.5840001. */
#define DATASET_FIELDS                                                      \
	"d.identifier AS identifier, d.title AS title,"                     \
	" d.description AS description,"                                    \
	" p.identifier AS publisher_identifier, p.name AS publisher_name,"  \
	" p.homepage AS publisher_homepage, p.email AS publisher_email,"    \
	" array_to_json(d.themes) AS themes,"                               \
	" array_to_json(d.keywords) AS keywords, d.licence AS licence,"     \
	" d.accrual_periodicity AS frequency,"                              \
	" " ISO_UTC("d.issued") " AS issued,"                               \
	" " ISO_UTC("d.modified") " AS modified,"                           \
	" d.record_count AS record_count,"                                  \
	" d.current_version_id AS version,"                                 \
	" floor(ST_XMin(d.spatial)::numeric * 1e7) / 1e7 AS minx,"          \
	" floor(ST_YMin(d.spatial)::numeric * 1e7) / 1e7 AS miny,"          \
	" ceil(ST_XMax(d.spatial)::numeric * 1e7) / 1e7 AS maxx,"           \
	" ceil(ST_YMax(d.spatial)::numeric * 1e7) / 1e7 AS maxy"

enum dataset_field {
	F_IDENTIFIER, F_TITLE, F_DESCRIPTION, F_PUB_IDENTIFIER, F_PUB_NAME,
	F_PUB_HOMEPAGE, F_PUB_EMAIL, F_THEMES, F_KEYWORDS, F_LICENCE,
	F_FREQUENCY, F_ISSUED, F_MODIFIED, F_RECORD_COUNT, F_VERSION, F_MINX,
	F_MINY, F_MAXX, F_MAXY, N_FIELDS
};

#define FROM_PUBLISHED                                                       \
	" FROM datasets d LEFT JOIN publishers p ON p.id = d.publisher_id"   \
	" WHERE d.current_version_id IS NOT NULL"

static const char get_sql[] =
	"SELECT " DATASET_FIELDS ","
	" (SELECT json_agg(json_build_object('name', c.name,"
	"   'source_name', c.source_name, 'label', c.label, 'type', c.type)"
	"   ORDER BY c.position)"
	"  FROM dataset_columns c WHERE c.version_id = d.current_version_id)"
	"  AS columns, " QUALITY_SQL " AS quality"
	FROM_PUBLISHED " AND d.identifier = $1";

const char api_dataset_fields_sql[] = DATASET_FIELDS;
const int api_dataset_n_fields = N_FIELDS;

bool api_dataset_id_valid(const char *id)
{
	size_t i;

	if (!((id[0] >= 'a' && id[0] <= 'z') || (id[0] >= '0' && id[0] <= '9')))
		return false;
	for (i = 1; id[i]; i++) {
		char c = id[i];

		if (i > 62 || !((c >= 'a' && c <= 'z') ||
				(c >= '0' && c <= '9') || c == '-'))
			return false;
	}
	return true;
}

void api_reply_dataset_not_found(struct api_request *req, const char *id)
{
	char shown[96], error[160];

	api_sanitize(shown, sizeof shown, id);
	snprintf(error, sizeof error, "dataset \"%s\" not found", shown);
	api_reply_error(req, API_ERR_DATASET_NOT_FOUND, error,
			"No published dataset has the identifier \"%s\"; "
			"GET /datasets lists those that exist.",
			shown);
}

/* The text in res at (row, col) as a JSON string, or null. */
static json_t *text_or_null(const PGresult *res, int row, int col)
{
	json_t *s;

	if (PQgetisnull(res, row, col))
		return json_null();
	s = json_stringn(PQgetvalue(res, row, col),
			 (size_t)PQgetlength(res, row, col));
	return s ? s : json_null();
}

/* The integer in res at (row, col) as JSON, or null. */
static json_t *int_or_null(const PGresult *res, int row, int col)
{
	int64_t v;

	if (PQgetisnull(res, row, col) ||
	    !util_parse_int64(PQgetvalue(res, row, col), &v))
		return json_null();
	return json_integer((json_int_t)v);
}

/* The JSON text in res at (row, col) parsed, or an empty array. */
static json_t *json_or_array(const PGresult *res, int row, int col)
{
	json_t *v = NULL;

	if (!PQgetisnull(res, row, col))
		v = json_loads(PQgetvalue(res, row, col), 0, NULL);
	return v ? v : json_array();
}

static json_t *publisher_json(const PGresult *res, int row, int base)
{
	if (PQgetisnull(res, row, base + F_PUB_IDENTIFIER))
		return json_null();
	return json_pack("{s:o, s:o, s:o, s:o}",
			 "identifier",
			 text_or_null(res, row, base + F_PUB_IDENTIFIER),
			 "name", text_or_null(res, row, base + F_PUB_NAME),
			 "homepage",
			 text_or_null(res, row, base + F_PUB_HOMEPAGE),
			 "email", text_or_null(res, row, base + F_PUB_EMAIL));
}

/* {code, iri, label}; iri and label are null for a code outside the
 * vocabulary (the ETL should not let one through). */
static json_t *licence_json(const PGresult *res, int row, int base)
{
	const char *code = PQgetvalue(res, row, base + F_LICENCE);
	const struct vocab_term *term = vocab_find(&vocab_licences, code);

	return json_pack("{s:o, s:o, s:o}", "code",
			 text_or_null(res, row, base + F_LICENCE), "iri",
			 term ? json_string(term->iri) : json_null(), "label",
			 term ? json_string(term->label) : json_null());
}

static json_t *extent_json(const PGresult *res, int row, int base)
{
	static const int cols[4] = {F_MINX, F_MINY, F_MAXX, F_MAXY};
	json_t *bbox = json_array();
	double v;
	int i;

	for (i = 0; i < 4; i++) {
		if (PQgetisnull(res, row, base + cols[i]) ||
		    !util_parse_double(PQgetvalue(res, row, base + cols[i]),
				       &v)) {
			json_decref(bbox);
			return json_null();
		}
		json_array_append_new(bbox, json_real(v));
	}
	return json_pack("{s:o}", "bbox", bbox);
}

static json_t *links_json(const struct api_request *req, const char *id)
{
	const char *suffixes[3] = {"", "/records", "/records.geojson"};
	const char *names[3] = {"self", "records", "geojson"};
	json_t *links = json_object();
	struct sb url;
	int i;

	sb_init(&url, 0);
	for (i = 0; i < 3; i++) {
		sb_reset(&url);
		sb_printf(&url, "%s/datasets/%s%s", req->server->base_url, id,
			  suffixes[i]);
		json_object_set_new(links, names[i], json_string(url.buf));
	}
	sb_free(&url);
	return links;
}

json_t *api_dataset_json(const struct api_request *req, const PGresult *res,
			 int row, int base, json_t *columns)
{
	json_t *o = json_object();

	json_object_set_new(o, "identifier",
			    text_or_null(res, row, base + F_IDENTIFIER));
	json_object_set_new(o, "title", text_or_null(res, row, base + F_TITLE));
	json_object_set_new(o, "description",
			    text_or_null(res, row, base + F_DESCRIPTION));
	json_object_set_new(o, "publisher", publisher_json(res, row, base));
	json_object_set_new(o, "themes",
			    json_or_array(res, row, base + F_THEMES));
	json_object_set_new(o, "keywords",
			    json_or_array(res, row, base + F_KEYWORDS));
	json_object_set_new(o, "licence", licence_json(res, row, base));
	json_object_set_new(o, "frequency",
			    text_or_null(res, row, base + F_FREQUENCY));
	json_object_set_new(o, "issued",
			    text_or_null(res, row, base + F_ISSUED));
	json_object_set_new(o, "modified",
			    text_or_null(res, row, base + F_MODIFIED));
	json_object_set_new(o, "record_count",
			    int_or_null(res, row, base + F_RECORD_COUNT));
	json_object_set_new(o, "version",
			    int_or_null(res, row, base + F_VERSION));
	json_object_set_new(o, "extent", extent_json(res, row, base));
	if (columns)
		json_object_set_new(o, "columns", columns);
	json_object_set_new(o, "links",
			    links_json(req, PQgetvalue(res, row,
						       base + F_IDENTIFIER)));
	return o;
}

void api_datasets_get(struct api_request *req, const char *const *args)
{
	const char *id = args[0];
	char errbuf[ODP_ERRBUF_SIZE];
	struct api_conn *conn = NULL;
	PGresult *res = NULL;
	json_t *body, *quality;
	int64_t version;

	if (!api_dataset_id_valid(id)) {
		api_reply_dataset_not_found(req, id);
		return;
	}
	conn = api_request_db(req);
	if (!conn)
		return;
	res = api_conn_query(conn, get_sql, 1, &id, errbuf);
	if (!res) {
		api_reply_db_error(req, conn, errbuf);
		goto out;
	}
	if (PQntuples(res) == 0) {
		api_reply_dataset_not_found(req, id);
		goto out;
	}
	if (!util_parse_int64(PQgetvalue(res, 0, F_VERSION), &version)) {
		api_reply_db_error(req, conn,
				   "dataset version is not a number");
		goto out;
	}
	/* The metadata and the quality change without a new version: the
	 * ETag digests the answer itself. */
	body = api_dataset_json(req, res, 0, 0,
				json_or_array(res, 0, N_FIELDS));
	quality = quality_from_json(PQgetvalue(res, 0, N_FIELDS + 1));
	json_object_set_new(body, "quality", quality ? quality : json_null());
	api_reply_json_digest(req, body, version);
out:
	PQclear(res);
	api_pool_return(req->server->pool, conn);
}

static const struct api_param_int page_params[] = {
	{"limit", 20, 0, 1000},
	{"offset", 0, 0, 1000000000},
};

void api_datasets_reply_page(struct api_request *req, const char *id,
			     const char *sql, const char *key,
			     void (*decorate)(const struct api_request *req,
					      const char *id, json_t *page))
{
	struct api_param_value v[2];
	char errbuf[ODP_ERRBUF_SIZE], limit[24], offset[24];
	const char *params[3] = {id, limit, offset};
	struct api_conn *conn = NULL;
	PGresult *res = NULL;
	json_t *page;
	int64_t n_datasets, total;

	if (!api_params_parse(req, page_params, 2, v))
		return;
	if (!api_dataset_id_valid(id)) {
		api_reply_dataset_not_found(req, id);
		return;
	}
	conn = api_request_db(req);
	if (!conn)
		return;
	util_format_int64(v[0].value, limit);
	util_format_int64(v[1].value, offset);
	res = api_conn_query(conn, sql, 3, params, errbuf);
	if (!res) {
		api_reply_db_error(req, conn, errbuf);
		goto out;
	}
	if (PQntuples(res) != 1 ||
	    !util_parse_int64(PQgetvalue(res, 0, 0), &n_datasets) ||
	    !util_parse_int64(PQgetvalue(res, 0, 1), &total)) {
		api_reply_db_error(req, conn, "unexpected answer to a page query");
		goto out;
	}
	if (n_datasets == 0) {
		api_reply_dataset_not_found(req, id);
		goto out;
	}
	page = PQgetisnull(res, 0, 2)
		       ? NULL
		       : json_loads(PQgetvalue(res, 0, 2), 0, NULL);
	if (!json_is_array(page)) {
		json_decref(page);
		api_reply_db_error(req, conn, "a page query gave no JSON array");
		goto out;
	}
	if (decorate)
		decorate(req, id, page);
	api_reply_json(req, MHD_HTTP_OK,
		       json_pack("{s:s, s:I, s:I, s:I, s:o}", "dataset", id,
				 "total", (json_int_t)total, "limit",
				 (json_int_t)v[0].value, "offset",
				 (json_int_t)v[1].value, key, page),
		       NULL);
out:
	PQclear(res);
	api_pool_return(req->server->pool, conn);
}
