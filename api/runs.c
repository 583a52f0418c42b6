/*
 * runs.c: GET /datasets/{id}/runs and /datasets/{id}/runs/{run} (see
 * runs.h).
 *
 * A run belongs to a job and a job to a dataset; both endpoints reach the
 * runs through the dataset's identifier, so that a run id of another
 * dataset is not found here.  Each answer is one statement whose JSON is
 * built by PostgreSQL (RUN_JSON), from one snapshot: a run that finishes
 * meanwhile is seen before or after, never half-recorded.  No ETag: a run
 * in progress changes without a new version.
 */
#include "runs.h"

#include "datasets.h"
#include "errors.h"
#include "params.h"
#include "pool.h"

#include "odp.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

#define ISO_UTC(col) \
	"to_char(" col " AT TIME ZONE 'UTC', 'YYYY-MM-DD\"T\"HH24:MI:SS\"Z\"')"

/* The json_build_object() arguments of run r (a job_runs row). */
#define RUN_FIELDS                                                         \
	"'id', r.id, 'status', r.status,"                                  \
	" 'started_at', " ISO_UTC("r.started_at") ","                      \
	" 'finished_at', " ISO_UTC("r.finished_at") ","                    \
	" 'rows_read', r.rows_read, 'rows_loaded', r.rows_loaded,"         \
	" 'rows_rejected', r.rows_rejected, 'version', r.version_id,"      \
	" 'message', r.message, 'schema_changes', r.schema_changes,"       \
	" 'warnings', to_json(r.warnings)"

/* The runs of the jobs of dataset $1. */
#define DATASET_RUNS                                                       \
	" job_runs r JOIN jobs j ON j.id = r.job_id"                       \
	" JOIN datasets d ON d.id = j.dataset_id WHERE d.identifier = $1"

/* $1 the dataset, $2 limit, $3 offset.  One row: whether the dataset
 * exists (0 or 1), the number of its runs, the page as a JSON array. */
static const char list_sql[] =
	"SELECT (SELECT count(*) FROM datasets WHERE identifier = $1),"
	" (SELECT count(*) FROM" DATASET_RUNS "),"
	" (SELECT coalesce(json_agg(p.run ORDER BY p.id DESC), '[]') FROM"
	"  (SELECT r.id, json_build_object(" RUN_FIELDS ") AS run"
	"   FROM" DATASET_RUNS
	"   ORDER BY r.id DESC LIMIT $2::int8 OFFSET $3::int8) p)";

/* $1 the dataset, $2 the run.  One row: whether the dataset exists, the
 * run with its rejected rows as a JSON object or NULL. */
static const char get_sql[] =
	"SELECT (SELECT count(*) FROM datasets WHERE identifier = $1),"
	" (SELECT json_build_object(" RUN_FIELDS ", 'rejects',"
	"   (SELECT coalesce(json_agg(json_build_object('feature', x.feature,"
	"     'reason', x.reason, 'values', x.row_values) ORDER BY x.feature),"
	"     '[]') FROM run_rejects x WHERE x.run_id = r.id))"
	"  FROM" DATASET_RUNS " AND r.id = $2::int8)";

/* Longest run id we read: int8 has 19 digits. */
#define RUN_ID_MAX_DIGITS 19

/* True when s is 1 to RUN_ID_MAX_DIGITS ASCII digits; strtoll alone would
 * also take spaces, signs and "0x". */
static bool run_id_valid(const char *s)
{
	size_t len = strlen(s), i;
	int64_t v;

	if (len == 0 || len > RUN_ID_MAX_DIGITS)
		return false;
	for (i = 0; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return util_parse_int64(s, &v);
}

static void reply_run_not_found(struct api_request *req, const char *id,
				const char *run)
{
	char shown_id[96], shown_run[48], error[200];

	api_sanitize(shown_id, sizeof shown_id, id);
	api_sanitize(shown_run, sizeof shown_run, run);
	snprintf(error, sizeof error, "run \"%s\" of \"%s\" not found",
		 shown_run, shown_id);
	api_reply_error(req, API_ERR_RUN_NOT_FOUND, error,
			"Dataset \"%s\" has no run with the id \"%s\"; "
			"GET /datasets/%s/runs lists its runs.",
			shown_id, shown_run, shown_id);
}

/* The JSON text in res at (0, col) parsed, or NULL. */
static json_t *json_at(const PGresult *res, int col)
{
	if (PQgetisnull(res, 0, col))
		return NULL;
	return json_loads(PQgetvalue(res, 0, col), 0, NULL);
}

void api_runs_list(struct api_request *req, const char *const *args)
{
	api_datasets_reply_page(req, args[0], list_sql, "runs", NULL);
}

void api_runs_get(struct api_request *req, const char *const *args)
{
	const char *id = args[0], *run = args[1];
	char errbuf[ODP_ERRBUF_SIZE];
	const char *params[2] = {id, run};
	struct api_conn *conn = NULL;
	PGresult *res = NULL;
	int64_t n_datasets;
	json_t *body;

	if (!api_dataset_id_valid(id)) {
		api_reply_dataset_not_found(req, id);
		return;
	}
	if (!run_id_valid(run)) {
		reply_run_not_found(req, id, run);
		return;
	}
	conn = api_request_db(req);
	if (!conn)
		return;
	res = api_conn_query(conn, get_sql, 2, params, errbuf);
	if (!res) {
		api_reply_db_error(req, conn, errbuf);
		goto out;
	}
	if (PQntuples(res) != 1 ||
	    !util_parse_int64(PQgetvalue(res, 0, 0), &n_datasets)) {
		api_reply_db_error(req, conn, "unexpected answer to the run query");
		goto out;
	}
	if (n_datasets == 0) {
		api_reply_dataset_not_found(req, id);
		goto out;
	}
	if (PQgetisnull(res, 0, 1)) {
		reply_run_not_found(req, id, run);
		goto out;
	}
	body = json_at(res, 1);
	if (!json_is_object(body)) {
		json_decref(body);
		api_reply_db_error(req, conn, "the run query gave no JSON object");
		goto out;
	}
	api_reply_json(req, MHD_HTTP_OK, body, NULL);
out:
	PQclear(res);
	api_pool_return(req->server->pool, conn);
}
