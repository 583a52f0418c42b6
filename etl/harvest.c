/*
 * harvest.c: the life of one run (see harvest.h).
 *
 *   register   the dataset and job rows exist; an advisory lock keeps a
 *              second process from running the same job at the same time;
 *              leftovers of a run that died are cleaned up
 *   load       a new version row and table data.d<dataset>_v<version>;
 *              its columns are compared with the published version's
 *              (diff.h) and the job's schema_policy may refuse them before
 *              any row is read; rows streamed by binary COPY (held back
 *              while they are the published version's, copy.h), then
 *              keys and indexes built; _rownum numbers the loaded rows 1..n
 *              without gaps, which the API's paging relies on; the first
 *              rejected rows are kept in run_rejects
 *   exports    the GeoJSON and CSV exports rendered once to count their
 *              bytes and SHA-256 (exports.h) while the GiST index builds:
 *              from a spool of the rows sent (exports_tee.h), else read
 *              back from the table
 *   compare    rows added, removed and changed since the published version
 *   publish    one transaction: metadata, the version swap, the export
 *              distributions, the run record
 *   retire     versions beyond the job's keep_versions (the published one
 *              included) are dropped, tables and catalogue rows
 *   after      declared distributions are link-checked (exports.h)
 *
 * The checksum of the normalised rows decides whether anything changed: an
 * unchanged source publishes no new version and leaves "modified" alone.
 * The columns are part of the checksum, so a schema change is always a new
 * version.
 */
#include "harvest.h"

#include "catalogue.h"
#include "copy.h"
#include "db.h"
#include "diff.h"
#include "exports.h"
#include "exports_tee.h"
#include "fingerprint.h"
#include "incremental.h"
#include "log.h"
#include "metadata.h"
#include "pgbin.h"
#include "sb.h"
#include "source.h"
#include "util.h"

#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

volatile sig_atomic_t harvest_stop_requested;

/* Advisory lock class for "a run of job N is in progress". */
#define HARVEST_LOCK_CLASS "1868853358"

/* Rejected rows whose reason is quoted in the run's message. */
#define REJECTS_QUOTED 5
/* Rejected rows kept in run_rejects, and the bytes kept of each value. */
#define REJECTS_KEPT 100
#define REJECT_VALUE_MAX 200
/* Column changes named in the run's message (all are in schema_changes). */
#define SCHEMA_CHANGES_QUOTED 100

struct run {
	PGconn *conn;
	const struct job *job;
	const struct harvest_options *opts;
	struct harvest_result *result;
	int64_t dataset_id;
	int64_t job_id;
	int64_t version_id;        /* the version being loaded */
	char *table;               /* its quoted name */
	struct source *src;
	struct sb rejects;         /* the first reasons, for the message */
	char checksum[65];
	int64_t published_id;      /* the published version, 0 if none */
	char *published_table;     /* its quoted name, or NULL */
	char published_checksum[65];
	char published_fingerprint[65];
	struct sb published_prefixes; /* its prefix checksums (copy.h) */
	bool published_has_prefixes;
	struct sb prefixes;        /* those of the version being loaded */
	bool unsent;               /* its rows were compared as they were
				      read and none was sent */
	char fingerprint[65];       /* of the source files, "" if none */
	pthread_t fingerprinter;   /* fills fingerprint meanwhile, */
	bool fingerprinting;       /* until fingerprint_wait() */
	struct diff_schema schema; /* columns versus the published version */
	struct diff_rows rows;     /* rows versus the published version */
	struct exports_measure exports; /* of the version being loaded */
	struct exports_tee *tee;   /* renders them from the load, or NULL */
	struct metadata_temporal temporal; /* the coverage computed, if any */
	json_t *reject_list;       /* the first REJECTS_KEPT rejected rows */
	char **warnings;           /* for job_runs.warnings, owned */
	size_t n_warnings;
	struct sb reason;          /* why the run failed, when errbuf is too
				      short to name every column */
	char errbuf[ODP_ERRBUF_SIZE];
};

static void int64_str(int64_t v, char buf[24])
{
	util_format_int64(v, buf);
}

/* Adds a warning for the run's record; takes text (malloc'd). */
static void add_warning(struct run *r, char *text)
{
	r->warnings = xrealloc(r->warnings,
			       (r->n_warnings + 1) * sizeof *r->warnings);
	r->warnings[r->n_warnings++] = text;
}

/* Runs sql and returns the first column of the first row as int64. */
static enum odp_status query_int64(struct run *r, const char *sql, int n,
				   const char *const *params, int64_t *out)
{
	PGresult *res = db_query(r->conn, sql, n, params, r->errbuf);

	if (!res)
		return ODP_ERR_DB;
	if (PQntuples(res) < 1 || !util_parse_int64(PQgetvalue(res, 0, 0), out)) {
		util_seterr(r->errbuf, "unexpected answer from the database");
		PQclear(res);
		return ODP_ERR_DB;
	}
	PQclear(res);
	return ODP_OK;
}

static enum odp_status query_ok(struct run *r, const char *sql, int n,
				const char *const *params)
{
	PGresult *res = db_query(r->conn, sql, n, params, r->errbuf);

	if (!res)
		return ODP_ERR_DB;
	PQclear(res);
	return ODP_OK;
}

/* The dataset and job rows exist and carry the job file's definition. */
static enum odp_status upsert_job(struct run *r)
{
	const struct job *job = r->job;
	char *definition = json_dumps(job->definition, JSON_COMPACT);
	char id[24];
	const char *p[5];
	enum odp_status rc;

	p[0] = job->identifier;
	p[1] = job->title;
	p[2] = job->description;
	p[3] = job->licence;
	rc = query_int64(r,
			 "INSERT INTO datasets (identifier, title, description, "
			 "licence) VALUES ($1, $2, $3, $4) "
			 "ON CONFLICT (identifier) DO UPDATE "
			 "SET identifier = EXCLUDED.identifier RETURNING id",
			 4, p, &r->dataset_id);
	if (rc != ODP_OK)
		goto out;
	int64_str(r->dataset_id, id);
	p[0] = job->identifier;
	p[1] = id;
	p[2] = job->file;
	p[3] = definition;
	p[4] = job->schedule;
	rc = query_int64(r,
			 "INSERT INTO jobs (identifier, dataset_id, path, "
			 "definition, schedule) "
			 "VALUES ($1, $2::int8, $3, $4::jsonb, $5) "
			 "ON CONFLICT (identifier) DO UPDATE SET path = $3, "
			 "definition = $4::jsonb, schedule = $5, "
			 "updated_at = now() RETURNING id",
			 5, p, &r->job_id);
out:
	free(definition);
	return rc;
}

static enum odp_status register_job(struct run *r)
{
	char id[24];
	const char *p[1] = {id};
	enum odp_status rc;
	int64_t locked = 0;

	if ((rc = upsert_job(r)) != ODP_OK)
		return rc;
	int64_str(r->job_id, id);
	rc = query_int64(r,
			 "SELECT pg_try_advisory_lock(" HARVEST_LOCK_CLASS
			 ", $1::int4)::int",
			 1, p, &locked);
	if (rc == ODP_OK && !locked) {
		util_seterr(r->errbuf, "job \"%s\" is already running in "
			    "another process", r->job->identifier);
		rc = ODP_ERR_BUSY;
	}
	return rc;
}

/* Holding the job's lock, anything still "running" or "loading" was left
 * by a process that died: record it and drop its table. */
static enum odp_status clean_leftovers(struct run *r)
{
	char job_id[24], ds_id[24];
	const char *p[1];
	PGresult *res;
	int i;

	int64_str(r->job_id, job_id);
	int64_str(r->dataset_id, ds_id);
	p[0] = job_id;
	if (query_ok(r,
		     "UPDATE job_runs SET status = 'failed', finished_at = now(), "
		     "message = 'interrupted: the process running it stopped "
		     "before the end; the previous version stayed published' "
		     "WHERE job_id = $1::int8 AND status = 'running'",
		     1, p) != ODP_OK)
		return ODP_ERR_DB;
	p[0] = ds_id;
	res = db_query(r->conn,
		       "SELECT id, table_name FROM dataset_versions "
		       "WHERE dataset_id = $1::int8 AND state = 'loading'",
		       1, p, r->errbuf);
	if (!res)
		return ODP_ERR_DB;
	for (i = 0; i < PQntuples(res); i++) {
		char *table = db_quote_ident(r->conn, "data",
					     PQgetvalue(res, i, 1));
		struct sb sql;
		const char *vp[1] = {PQgetvalue(res, i, 0)};
		sb_init(&sql, 0);
		sb_printf(&sql, "DROP TABLE IF EXISTS %s", table);
		if (db_exec(r->conn, sql.buf, r->errbuf) == ODP_OK)
			query_ok(r, "DELETE FROM dataset_versions WHERE id = $1::int8",
				 1, vp);
		log_info("dropped %s, left by an interrupted run", table);
		sb_free(&sql);
		free(table);
	}
	PQclear(res);
	return ODP_OK;
}

static enum odp_status start_run(struct run *r)
{
	char job_id[24];
	const char *p[1] = {job_id};

	int64_str(r->job_id, job_id);
	return query_int64(r,
			   "INSERT INTO job_runs (job_id) VALUES ($1::int8) "
			   "RETURNING id",
			   1, p, &r->result->run_id);
}

static enum odp_status create_version(struct run *r)
{
	const struct source_column *cols = source_columns(r->src);
	size_t n = source_n_columns(r->src), i;
	char ds_id[24], run_id[24], ver_id[24], pos[24];
	const char *p[6];
	PGresult *res;
	struct sb sql;
	enum odp_status rc;

	int64_str(r->dataset_id, ds_id);
	int64_str(r->result->run_id, run_id);
	p[0] = ds_id;
	p[1] = run_id;
	res = db_query(r->conn,
		       "WITH n AS (SELECT nextval(pg_get_serial_sequence("
		       "'dataset_versions', 'id')) AS id) "
		       "INSERT INTO dataset_versions (id, dataset_id, run_id, "
		       "table_name) SELECT id, $1::int8, $2::int8, "
		       "format('d%s_v%s', $1::int8, id) FROM n "
		       "RETURNING id, table_name",
		       2, p, r->errbuf);
	if (!res)
		return ODP_ERR_DB;
	util_parse_int64(PQgetvalue(res, 0, 0), &r->version_id);
	r->table = db_quote_ident(r->conn, "data", PQgetvalue(res, 0, 1));
	PQclear(res);

	sb_init(&sql, 0);
	/* _id is compared, never sorted for people: the "C" collation
	 * spares strcoll() in its unique index. */
	sb_printf(&sql, "CREATE TABLE %s (_id text COLLATE \"C\" NOT NULL, "
		  "_rownum int8 NOT NULL", r->table);
	for (i = 0; i < n; i++) {
		char *col = db_quote_ident(r->conn, NULL, cols[i].name);
		sb_printf(&sql, ", %s %s", col, source_sql_type(cols[i].type));
		free(col);
	}
	sb_puts(&sql, r->job->source.keep_z ? ", geom geometry(GeometryZ, 4326))"
					    : ", geom geometry(Geometry, 4326))");
	rc = db_exec(r->conn, sql.buf, r->errbuf);
	sb_free(&sql);
	if (rc != ODP_OK)
		return rc;

	int64_str(r->version_id, ver_id);
	for (i = 0; i < n; i++) {
		snprintf(pos, sizeof pos, "%zu", i + 1);
		p[0] = ver_id;
		p[1] = pos;
		p[2] = cols[i].name;
		p[3] = cols[i].source_name;
		p[4] = source_type_name(cols[i].type);
		p[5] = cols[i].label;
		if (query_ok(r,
			     "INSERT INTO dataset_columns (version_id, position, "
			     "name, source_name, type, label) "
			     "VALUES ($1::int8, $2::int4, $3, $4, $5, $6)",
			     6, p) != ODP_OK)
			return ODP_ERR_DB;
	}
	return ODP_OK;
}

/* The bytes that hex (as encode(..., 'hex') writes them) stands for,
 * into out; false when it is not hex. */
static bool hex_decode(const char *hex, struct sb *out)
{
	size_t len = strlen(hex);
	unsigned char *bytes = xmalloc(len / 2 + 1);
	bool ok = util_hex_decode(hex, len, bytes);

	sb_reset(out);
	if (ok)
		sb_append(out, (const char *)bytes, len / 2);
	free(bytes);
	return ok && !sb_failed(out);
}

/* Finds the published version, if any: its id, table and checksums. */
static enum odp_status find_published(struct run *r)
{
	char ds_id[24];
	const char *p[1] = {ds_id};
	PGresult *res;

	int64_str(r->dataset_id, ds_id);
	res = db_query(r->conn,
		       "SELECT v.id, v.table_name, coalesce(v.checksum, ''), "
		       "coalesce(v.source_fingerprint, ''), "
		       "v.prefix_checksums IS NOT NULL, "
		       "encode(v.prefix_checksums, 'hex') "
		       "FROM datasets d JOIN dataset_versions v "
		       "ON v.id = d.current_version_id WHERE d.id = $1::int8",
		       1, p, r->errbuf);
	if (!res)
		return ODP_ERR_DB;
	if (PQntuples(res) == 1 &&
	    util_parse_int64(PQgetvalue(res, 0, 0), &r->published_id)) {
		free(r->published_table);
		r->published_table = db_quote_ident(r->conn, "data",
						    PQgetvalue(res, 0, 1));
		util_strlcpy(r->published_checksum, PQgetvalue(res, 0, 2),
			     sizeof r->published_checksum);
		util_strlcpy(r->published_fingerprint, PQgetvalue(res, 0, 3),
			     sizeof r->published_fingerprint);
		r->published_has_prefixes =
			strcmp(PQgetvalue(res, 0, 4), "t") == 0 &&
			hex_decode(PQgetvalue(res, 0, 5),
				   &r->published_prefixes);
	}
	PQclear(res);
	return ODP_OK;
}

/* Compares the new version's columns with the published version's and
 * applies the job's schema_policy: a refused change fails the run before
 * any row is loaded, with every changed column named in r->reason; an
 * accepted one becomes a warning per column. */
static enum odp_status check_schema(struct run *r)
{
	struct sb text;
	size_t i;

	if (!r->published_id)
		return ODP_OK;
	if (diff_schema_load(r->conn, r->published_id, r->version_id,
			     &r->schema, r->errbuf) != ODP_OK)
		return ODP_ERR_DB;
	if (diff_schema_refused(&r->schema, r->job->schema_policy)) {
		sb_puts(&r->reason, "the columns changed and the job's "
				    "schema_policy is \"fail\": ");
		diff_schema_describe(&r->schema, SCHEMA_CHANGES_QUOTED,
				     &r->reason);
		sb_puts(&r->reason, "; to publish them, run the job once with "
				    "\"schema_policy\": \"accept\"");
		util_seterr(r->errbuf, "the columns changed");
		return ODP_ERR_INVALID;
	}
	for (i = 0; i < r->schema.n_changes; i++) {
		sb_init(&text, 0);
		diff_column_describe(&r->schema.changes[i], &text);
		add_warning(r, sb_steal(&text));
	}
	return ODP_OK;
}

/* Adds a rejected row to r->reject_list: its feature number, the reason
 * and the values read before the refused one, each cut to
 * REJECT_VALUE_MAX bytes on a character boundary.  A value that is not
 * UTF-8 is left out. */
static void keep_reject(struct run *r, int64_t feature,
			const struct source_row *row)
{
	const struct source_column *cols = source_columns(r->src);
	size_t n = source_n_columns(r->src), i, len;
	json_t *values = json_object(), *v;

	for (i = 0; i < n; i++) {
		if (!row->values[i])
			continue;
		len = strlen(row->values[i]);
		if (len > REJECT_VALUE_MAX) {
			len = REJECT_VALUE_MAX;
			while (len > 0 &&
			       ((unsigned char)row->values[i][len] & 0xC0) == 0x80)
				len--;
		}
		v = json_stringn(row->values[i], len);
		if (v)
			json_object_set_new(values, cols[i].name, v);
	}
	json_array_append_new(r->reject_list,
			      json_pack("{s:I, s:s, s:o}", "feature",
					(json_int_t)feature, "reason",
					row->reject, "values", values));
}

/* Keeps the first rejected rows with the run, once the COPY is over.
 * They are a help to the data referent, not data: a failure is logged. */
static void save_rejects(struct run *r)
{
	char run_id[24], errbuf[ODP_ERRBUF_SIZE];
	const char *p[2] = {run_id, NULL};
	PGresult *res;
	char *list;

	if (json_array_size(r->reject_list) == 0)
		return;
	list = json_dumps(r->reject_list, JSON_COMPACT);
	if (!list) {
		log_warn("could not encode the rejected rows of run %lld",
			 (long long)r->result->run_id);
		return;
	}
	int64_str(r->result->run_id, run_id);
	p[1] = list;
	res = db_query(r->conn,
		       "INSERT INTO run_rejects (run_id, feature, reason, "
		       "row_values) SELECT $1::int8, (e->>'feature')::int8, "
		       "e->>'reason', e->'values' "
		       "FROM json_array_elements($2::json) e "
		       "ON CONFLICT DO NOTHING",
		       2, p, errbuf);
	if (!res)
		log_warn("could not keep the rejected rows of run %lld: %s",
			 (long long)r->result->run_id, errbuf);
	PQclear(res);
	free(list);
}

/* A progress bar on a terminal: "[=====>    ] 52% 520000/1000000
 * features, 81000/s, 6 s left"; without a known total, count and rate. */
static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void draw_progress(const struct run *r, double started, bool last)
{
	enum { WIDTH = 30 };
	int64_t total = source_n_features(r->src);
	int64_t done = r->result->rows_read;
	double secs = now_seconds() - started;
	/* Over less than a second, a rate says nothing yet. */
	double rate = secs >= 1 ? (double)done / secs : 0;
	char bar[WIDTH + 1];
	int filled, k;

	if (total <= 0) {
		fprintf(stderr, "\r  %lld features, %.0f/s   ", (long long)done,
			rate);
	} else {
		if (done > total)
			done = total;
		filled = (int)(WIDTH * done / total);
		for (k = 0; k < WIDTH; k++)
			bar[k] = k < filled ? '=' : k == filled ? '>' : ' ';
		bar[WIDTH] = '\0';
		fprintf(stderr, "\r  [%s] %3d%% %lld/%lld features, %.0f/s",
			bar, (int)(100 * done / total), (long long)done,
			(long long)total, rate);
		if (rate > 0 && !last)
			fprintf(stderr, ", %.0f s left   ",
				(double)(total - done) / rate);
		else
			fputs("   ", stderr);
	}
	if (last)
		fputc('\n', stderr);
}

/* Adds a value of a column of type type to the row being copied. */
static void copy_value(struct copy_writer *w, enum column_type type,
		       const struct driver_value *v)
{
	if (v->null) {
		copy_null(w);
		return;
	}
	switch (type) {
	case COL_INTEGER: copy_int8(w, v->u.i); break;
	case COL_REAL: copy_float8(w, v->u.d); break;
	case COL_BOOLEAN: copy_bool(w, v->u.b); break;
	case COL_DATE: copy_date(w, v->u.day); break;
	case COL_TIMESTAMP: copy_timestamp(w, v->u.us); break;
	default: copy_bytes(w, v->text, v->len); break;
	}
}

/* Streams every row of the source into the version's table, in binary:
 * _id, _rownum, the columns, geom (create_version). */
static enum odp_status load_rows(struct run *r)
{
	struct harvest_result *res = r->result;
	size_t n_cols = source_n_columns(r->src), i;
	const struct source_column *cols = source_columns(r->src);
	struct copy_writer w;
	struct source_row row;
	struct sb schema;
	const char *abort_reason = NULL;
	double started = now_seconds();
	time_t last_draw = 0;
	int got;

	if (copy_begin(&w, r->conn, r->table) != ODP_OK) {
		util_strlcpy(r->errbuf, w.errbuf, sizeof r->errbuf);
		copy_end(&w, "could not start", NULL, NULL);
		return ODP_ERR_DB;
	}
	/* Same rows under other names or types are a different version. */
	sb_init(&schema, 0);
	for (i = 0; i < n_cols; i++)
		sb_printf(&schema, "%s:%s:%s\n", cols[i].name,
			  source_type_name(cols[i].type), cols[i].source_name);
	copy_checksum_seed(&w, schema.buf ? schema.buf : "");
	sb_free(&schema);

	if (r->tee) {
		copy_tee(&w, exports_tee_write, r->tee);
		/* A re-harvest that reads the published rows again sends the
		 * database nothing; other columns are other rows. */
		if (r->published_has_prefixes && r->schema.n_changes == 0) {
			struct copy_hold hold = {
				(const unsigned char *)r->published_prefixes.buf,
				r->published_prefixes.len / COPY_PREFIX_SIZE,
				r->published_checksum, exports_tee_reread,
				r->tee};
			copy_hold(&w, &hold);
		}
	}
	source_use_binary(r->src);
	while ((got = source_next(r->src, &row, r->errbuf)) == 1) {
		res->rows_read++;
		if (harvest_stop_requested) {
			util_seterr(r->errbuf, "stopped by a signal after %lld "
				    "features", (long long)res->rows_read);
			abort_reason = r->errbuf;
			break;
		}
		if (row.filtered)
			continue;
		if (row.reject) {
			res->rows_rejected++;
			if (res->rows_rejected <= REJECTS_QUOTED)
				sb_printf(&r->rejects, "; feature %lld: %s",
					  (long long)res->rows_read, row.reject);
			if (res->rows_rejected <= REJECTS_KEPT)
				keep_reject(r, res->rows_read, &row);
			continue;
		}
		copy_row_begin(&w, (int)n_cols + 3);
		copy_bytes(&w, row.id, strlen(row.id));
		copy_int8(&w, res->rows_loaded + 1);
		for (i = 0; i < n_cols; i++)
			copy_value(&w, cols[i].type, &row.typed[i]);
		if (row.wkb)
			copy_bytes(&w, row.wkb, row.wkb_len);
		else
			copy_null(&w);
		copy_row_end(&w);
		res->rows_loaded++;
		if (w.failed)
			break;
		if (r->opts->progress && time(NULL) != last_draw) {
			last_draw = time(NULL);
			draw_progress(r, started, false);
		}
	}
	if (got < 0)
		abort_reason = r->errbuf;
	if (r->opts->progress)
		draw_progress(r, started, true);
	sb_reset(&r->prefixes);
	if (copy_end(&w, abort_reason, r->checksum, &r->prefixes) != ODP_OK) {
		if (!abort_reason)
			util_strlcpy(r->errbuf, w.errbuf, sizeof r->errbuf);
		return got < 0 ? ODP_ERR_SOURCE : ODP_ERR_DB;
	}
	r->unsent = w.unsent;
	if (res->rows_read > 0 && res->rows_loaded == 0) {
		util_seterr(r->errbuf, "every one of the %lld features was "
			    "rejected", (long long)res->rows_read);
		return ODP_ERR_SOURCE;
	}
	if (r->job->max_rejected >= 0 &&
	    res->rows_rejected > r->job->max_rejected) {
		util_seterr(r->errbuf, "%lld features were rejected, more than "
			    "the job's max_rejected (%lld)",
			    (long long)res->rows_rejected,
			    (long long)r->job->max_rejected);
		return ODP_ERR_SOURCE;
	}
	sb_puts(&r->rejects, source_notes(r->src));
	return ODP_OK;
}

/* Waits for the GiST build sent on conn; false with errbuf on failure. */
static bool finish_side_index(PGconn *conn, bool cancel, char *errbuf)
{
	PGresult *res;
	bool ok = true;

	if (cancel) {
		PGcancel *c = PQgetCancel(conn);
		char buf[256];
		if (c) {
			PQcancel(c, buf, sizeof buf);
			PQfreeCancel(c);
		}
	}
	while ((res = PQgetResult(conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && ok && !cancel) {
			util_seterr(errbuf, "could not index the geometries: %s",
				    PQresultErrorMessage(res));
			ok = false;
		}
		PQclear(res);
	}
	return ok;
}

/* The new table's indexes: unique on _rownum (the API pages on it),
 * unique on _id (a key that does not identify records fails the run),
 * GiST on geom; and, while the GiST builds, the exports measured.  The
 * GiST index, the longest to build, is built on a second connection at
 * the same time as the other two: index builds take compatible locks, and
 * the machine has more than one core.  Statistics are left to autovacuum,
 * which analyses a table this size soon after. */
static enum odp_status build_indexes(struct run *r)
{
	char errbuf[ODP_ERRBUF_SIZE];
	struct sb sql;
	PGresult *res;
	PGconn *side;
	enum odp_status rc = ODP_ERR_DB;
	bool sent = false;

	if (r->opts->progress)
		fprintf(stderr, "  indexing %lld rows (spatial index, record "
			"keys)...\n", (long long)r->result->rows_loaded);
	sb_init(&sql, 0);
	sb_printf(&sql, "CREATE INDEX ON %s USING gist (geom)", r->table);
	side = db_connect(errbuf);
	if (side && PQsendQuery(side, sql.buf) == 1)
		sent = true;
	else if (db_exec(r->conn, sql.buf, r->errbuf) != ODP_OK)
		goto out;
	/* The two B-trees build in less time than the GiST index: parallel
	 * workers would not shorten the wait, and would take the core the
	 * GiST build needs (make bench: 0.15 s of 1.7 s). */
	if (sent && db_exec(r->conn, "SET max_parallel_maintenance_workers = 0",
			    r->errbuf) != ODP_OK)
		goto out;
	sb_reset(&sql);
	sb_printf(&sql, "CREATE UNIQUE INDEX ON %s (_rownum)", r->table);
	if (db_exec(r->conn, sql.buf, r->errbuf) != ODP_OK)
		goto out;
	sb_reset(&sql);
	sb_printf(&sql, "CREATE UNIQUE INDEX ON %s (_id)", r->table);
	res = PQexec(r->conn, sql.buf);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		const char *detail = PQresultErrorField(res, PG_DIAG_MESSAGE_DETAIL);
		util_seterr(r->errbuf, "key column \"%s\" does not identify "
			    "records: %s", r->job->key ? r->job->key : "(FID)",
			    detail ? detail : PQresultErrorMessage(res));
		PQclear(res);
		goto out;
	}
	PQclear(res);
	/* The B-trees are built; the GiST index, the longest, has a core
	 * of its own, and the other is free for the exports' byte sizes and
	 * checksums (exports.h): rendered from the tee's spool, else read
	 * back from the table.  Started any earlier, the rendering would
	 * make three processes share two cores and slow the GiST build
	 * (make bench: 1.5 -> 1.8 s, and the harvest 0.25 s longer). */
	if (r->tee && !exports_tee_render(r->tee)) {
		exports_tee_free(r->tee);
		r->tee = NULL;
	}
	if (!r->tee && exports_measure(r->conn, r->version_id,
				       r->result->rows_loaded,
				       r->opts->progress, &r->exports,
				       r->errbuf) != ODP_OK)
		goto out;
	rc = ODP_OK;
out:
	if (sent)
		PQclear(PQexec(r->conn, "RESET max_parallel_maintenance_workers"));
	if (sent && !finish_side_index(side, rc != ODP_OK, r->errbuf))
		rc = ODP_ERR_DB;
	/* The tee's thread rendered beside the GiST build; what is left, it
	 * finishes now.  Should it fail, the table is read back. */
	if (rc == ODP_OK && r->tee &&
	    !exports_tee_finish(r->tee, r->opts->progress,
				r->result->rows_loaded, &r->exports) &&
	    exports_measure(r->conn, r->version_id, r->result->rows_loaded,
			    r->opts->progress, &r->exports,
			    r->errbuf) != ODP_OK)
		rc = ODP_ERR_DB;
	PQfinish(side);
	sb_free(&sql);
	return rc;
}

/* Counts the rows added, removed and changed since the published
 * version; a first version adds every row. */
static enum odp_status compare_rows(struct run *r)
{
	if (!r->published_id) {
		r->rows.added = r->result->rows_loaded;
		return ODP_OK;
	}
	return diff_rows_count(r->conn, r->published_table, r->table,
			       &r->schema, &r->rows, r->errbuf);
}

/* The job's DCAT metadata (etl/metadata.c), in the publishing
 * transaction. */
static enum odp_status publish_metadata(struct run *r)
{
	return metadata_publish(r->conn, r->job, r->dataset_id, &r->temporal,
				r->errbuf);
}

static enum odp_status publish_version(struct run *r)
{
	char ds_id[24], ver_id[24], count[24], added[24], removed[24];
	char changed[24];
	char *schema = diff_schema_json(&r->schema);
	const char *p[8] = {ds_id,   ver_id,  count,   r->checksum,
			    added,   removed, changed, schema};

	int64_str(r->dataset_id, ds_id);
	int64_str(r->version_id, ver_id);
	int64_str(r->result->rows_loaded, count);
	int64_str(r->rows.added, added);
	int64_str(r->rows.removed, removed);
	int64_str(r->rows.changed, changed);
	if (query_ok(r,
		     "UPDATE dataset_versions SET state = 'retired' "
		     "WHERE dataset_id = $1::int8 AND state = 'published'",
		     1, p) != ODP_OK ||
	    query_ok(r,
		     "UPDATE dataset_versions SET state = 'published', "
		     "published_at = now(), record_count = $2::int8, "
		     "checksum = $3, rows_added = $4::int8, "
		     "rows_removed = $5::int8, rows_changed = $6::int8, "
		     "schema_changes = $7::json WHERE id = $1::int8",
		     7, p + 1) != ODP_OK) {
		free(schema);
		return ODP_ERR_DB;
	}
	free(schema);
	/* The next run compares its rows with these as it reads them; an
	 * incremental job's table is not its COPY stream. */
	if (!r->job->source.incremental.column) {
		char *hex = xmalloc(2 * r->prefixes.len + 1);
		const char *h[2] = {ver_id, hex};
		enum odp_status stored;
		util_hex_encode((const unsigned char *)r->prefixes.buf,
				r->prefixes.len, hex);
		stored = query_ok(r, "UPDATE dataset_versions SET "
				  "prefix_checksums = decode($2, 'hex') "
				  "WHERE id = $1::int8", 2, h);
		free(hex);
		if (stored != ODP_OK)
			return ODP_ERR_DB;
	}

	struct sb sql;
	enum odp_status rc;
	double box[4];
	char corner[4][32];
	const char *q[7] = {ds_id, ver_id, count,
			    corner[0], corner[1], corner[2], corner[3]};
	sb_init(&sql, 0);
	if (!r->job->source.incremental.column && source_extent(r->src, box)) {
		/* The extent of what was loaded, summed up while loading: no
		 * scan of the table inside the publishing transaction. */
		for (int k = 0; k < 4; k++)
			snprintf(corner[k], sizeof corner[k], "%.17g", box[k]);
		sb_puts(&sql,
			"UPDATE datasets SET current_version_id = $2::int8, "
			"record_count = $3::int8, modified = now(), "
			"issued = coalesce(issued, now()), "
			"spatial = ST_SetSRID(ST_MakeBox2D("
			"ST_Point($4::float8, $5::float8), "
			"ST_Point($6::float8, $7::float8))::geometry, 4326) "
			"WHERE id = $1::int8");
		rc = query_ok(r, sql.buf, 7, q);
	} else {
		/* The table name comes from the catalogue (create_version). */
		sb_printf(&sql,
			  "UPDATE datasets SET current_version_id = $2::int8, "
			  "record_count = $3::int8, modified = now(), "
			  "issued = coalesce(issued, now()), "
			  "spatial = (SELECT ST_SetSRID(ST_Extent(geom)::geometry, "
			  "4326) FROM %s) WHERE id = $1::int8", r->table);
		rc = query_ok(r, sql.buf, 3, p);
	}
	sb_free(&sql);
	/* The dataset's extent may have changed, and the catalogue's with
	 * it (the dct:Location of the dcat:Catalog). */
	if (rc != ODP_OK ||
	    (rc = catalogue_refresh_extent(r->conn, r->errbuf)) != ODP_OK)
		return rc;
	return exports_publish(r->conn, r->dataset_id, &r->exports, r->errbuf);
}

static enum odp_status record_run(struct run *r, const char *status)
{
	struct harvest_result *res = r->result;
	char run_id[24], read[24], loaded[24], rejected[24], ver_id[24];
	char *schema = diff_schema_json(&r->schema);
	char *warnings = db_text_array(r->warnings, r->n_warnings);
	const char *p[9] = {run_id, status, read, loaded, rejected,
			    r->version_id && strcmp(status, "succeeded") == 0
				    ? ver_id : NULL,
			    res->message, schema, warnings};
	enum odp_status rc;

	int64_str(res->run_id, run_id);
	int64_str(res->rows_read, read);
	int64_str(res->rows_loaded, loaded);
	int64_str(res->rows_rejected, rejected);
	int64_str(r->version_id, ver_id);
	res->status = status;
	rc = query_ok(r,
		      "UPDATE job_runs SET status = $2, finished_at = now(), "
		      "rows_read = $3::int8, rows_loaded = $4::int8, "
		      "rows_rejected = $5::int8, version_id = $6::int8, "
		      "message = $7, schema_changes = $8::json, "
		      "warnings = $9::text[] WHERE id = $1::int8",
		      9, p);
	free(schema);
	free(warnings);
	return rc;
}

/* Remembers the source files' digest on the version now published, so
 * that the next run over the same files reads nothing. */
static enum odp_status record_fingerprint(struct run *r, bool unchanged)
{
	char ver_id[24];
	const char *p[2] = {ver_id, r->fingerprint};

	if (!*r->fingerprint)
		return ODP_OK;
	int64_str(unchanged ? r->published_id : r->version_id, ver_id);
	return query_ok(r,
			"UPDATE dataset_versions SET source_fingerprint = $2 "
			"WHERE id = $1::int8",
			2, p);
}

/* A run whose source files and job are byte for byte those of the
 * published version: the metadata is refreshed, nothing is read. */
static enum odp_status finish_identical_files(struct run *r)
{
	snprintf(r->result->message, sizeof r->result->message,
		 "unchanged: the source files and the job are identical to "
		 "those of version %lld; nothing was read",
		 (long long)r->published_id);
	if (db_exec(r->conn, "BEGIN", r->errbuf) != ODP_OK)
		return ODP_ERR_DB;
	if (publish_metadata(r) != ODP_OK ||
	    record_run(r, "unchanged") != ODP_OK ||
	    db_exec(r->conn, "COMMIT", r->errbuf) != ODP_OK) {
		PQclear(PQexec(r->conn, "ROLLBACK"));
		return ODP_ERR_DB;
	}
	return ODP_OK;
}

/* Computes r->fingerprint on a thread of its own, while the run reads the
 * source: used when no published version has a fingerprint to compare
 * with (a first run), so that nothing waits for it before the read, and
 * the core that the read leaves idle at its start hashes the files
 * (make bench: hashing the GeoPackage takes 0.2 s of a 4.5 s run, of
 * which about half is saved).  fingerprint_wait() joins it. */
static void *fingerprint_main(void *arg)
{
	struct run *r = arg;

	fingerprint_job(r->job, r->fingerprint);
	return NULL;
}

static void fingerprint_start(struct run *r)
{
	r->fingerprinting = pthread_create(&r->fingerprinter, NULL,
					   fingerprint_main, r) == 0;
	if (!r->fingerprinting)
		fingerprint_job(r->job, r->fingerprint);
}

/* r->fingerprint is final after this; no-op without fingerprint_start(). */
static void fingerprint_wait(struct run *r)
{
	if (!r->fingerprinting)
		return;
	pthread_join(r->fingerprinter, NULL);
	r->fingerprinting = false;
}

/* Drops the version being loaded; used on every failure path. */
static void discard_version(struct run *r)
{
	char ver_id[24];
	const char *p[1] = {ver_id};
	struct sb sql;

	if (!r->version_id)
		return;
	if (r->table) {
		sb_init(&sql, 0);
		sb_printf(&sql, "DROP TABLE IF EXISTS %s", r->table);
		db_exec(r->conn, sql.buf, r->errbuf);
		sb_free(&sql);
	}
	int64_str(r->version_id, ver_id);
	query_ok(r, "DELETE FROM dataset_versions WHERE id = $1::int8", 1, p);
	r->version_id = 0;
}

/* Drops retired versions beyond the job's keep_versions, which counts the
 * published one.  Failure only delays it to the next run, so it is logged,
 * not fatal. */
static void retire_old_versions(struct run *r)
{
	char ds_id[24], keep[24];
	const char *p[2] = {ds_id, keep};
	char errbuf[ODP_ERRBUF_SIZE];
	PGresult *res;
	int i;

	int64_str(r->dataset_id, ds_id);
	int64_str(r->job->keep_versions - 1, keep);
	res = db_query(r->conn,
		       "SELECT id, table_name FROM dataset_versions "
		       "WHERE dataset_id = $1::int8 AND state = 'retired' "
		       "ORDER BY id DESC OFFSET $2::int8",
		       2, p, errbuf);
	if (!res) {
		log_warn("could not list old versions: %s", errbuf);
		return;
	}
	db_exec(r->conn, "SET lock_timeout = '5s'", errbuf);
	for (i = 0; i < PQntuples(res); i++) {
		char *table = db_quote_ident(r->conn, "data",
					     PQgetvalue(res, i, 1));
		const char *vp[1] = {PQgetvalue(res, i, 0)};
		PGresult *del = NULL;
		struct sb sql;
		sb_init(&sql, 0);
		sb_printf(&sql, "DROP TABLE IF EXISTS %s", table);
		/* Together, so that the catalogue never lists a version
		 * whose table is gone. */
		if (db_exec(r->conn, "BEGIN", errbuf) != ODP_OK ||
		    !(del = db_query(r->conn, "DELETE FROM dataset_versions "
				     "WHERE id = $1::int8", 1, vp, errbuf)) ||
		    db_exec(r->conn, sql.buf, errbuf) != ODP_OK ||
		    db_exec(r->conn, "COMMIT", errbuf) != ODP_OK) {
			PQclear(PQexec(r->conn, "ROLLBACK"));
			log_warn("could not drop old version %s: %s", table,
				 errbuf);
		}
		PQclear(del);
		sb_free(&sql);
		free(table);
	}
	db_exec(r->conn, "RESET lock_timeout", errbuf);
	PQclear(res);
}

static void unlock_job(struct run *r)
{
	char job_id[24];
	const char *p[1] = {job_id};

	int64_str(r->job_id, job_id);
	PQclear(PQexecParams(r->conn,
			     "SELECT pg_advisory_unlock(" HARVEST_LOCK_CLASS
			     ", $1::int4)",
			     1, NULL, p, NULL, NULL, 0));
}

/* The message of a run that succeeded: the counts, how the rows and
 * columns changed since the published version, then the first rejected
 * rows and the source's warning. */
static void set_message(struct run *r, bool unchanged)
{
	struct harvest_result *res = r->result;
	struct sb msg;

	sb_init(&msg, sizeof res->message - 1);
	sb_printf(&msg, "%s: %lld features read, %lld %s, %lld rejected",
		  unchanged ? "unchanged" : "published",
		  (long long)res->rows_read, (long long)res->rows_loaded,
		  unchanged ? "identical to the published version" : "loaded",
		  (long long)res->rows_rejected);
	if (unchanged && r->unsent)
		sb_puts(&msg, " (compared as they were read: nothing was "
			"written to the database)");
	if (!unchanged && r->published_id)
		sb_printf(&msg, "; since version %lld: %lld added, %lld "
			  "removed, %lld changed",
			  (long long)r->published_id, (long long)r->rows.added,
			  (long long)r->rows.removed,
			  (long long)r->rows.changed);
	if (!unchanged && r->schema.n_changes > 0) {
		sb_puts(&msg, "; ");
		diff_schema_describe(&r->schema, SCHEMA_CHANGES_QUOTED, &msg);
	}
	if (r->rejects.buf)
		sb_puts(&msg, r->rejects.buf);
	/* What would not fit whole is left out (never half a character);
	 * schema_changes and run_rejects have it all. */
	util_strlcpy(res->message, msg.buf ? msg.buf : "", sizeof res->message);
	sb_free(&msg);
}

enum odp_status harvest_run(PGconn *conn, const struct job *job,
			    const struct harvest_options *opts,
			    struct harvest_result *result)
{
	struct run r;
	struct incremental inc;   /* outlives r.src, which borrows inc.job */
	enum odp_status rc;
	bool unchanged = false, locked = false;

	memset(&r, 0, sizeof r);
	memset(result, 0, sizeof *result);
	result->status = "failed";
	r.conn = conn;
	r.job = job;
	r.opts = opts;
	r.result = result;
	sb_init(&r.rejects, 4096);
	sb_init(&r.reason, 0);
	sb_init(&r.prefixes, 0);
	sb_init(&r.published_prefixes, 0);
	r.reject_list = json_array();

	/* Naive timestamps in the territory's sources are local time: the
	 * load reads them so (pgbin.h), and so does this session. */
	db_exec(conn, "SET TimeZone = '" PGBIN_LOCAL_ZONE "'", r.errbuf);
	rc = register_job(&r);
	if (rc != ODP_OK) {
		util_strlcpy(result->message, r.errbuf, sizeof result->message);
		goto out;
	}
	locked = true;
	if ((rc = clean_leftovers(&r)) != ODP_OK ||
	    (rc = start_run(&r)) != ODP_OK) {
		util_strlcpy(result->message, r.errbuf, sizeof result->message);
		goto out;
	}
	log_info("run %lld of job \"%s\" started", (long long)result->run_id,
		 job->identifier);

	if (!opts->full && !job->source.incremental.column) {
		if ((rc = find_published(&r)) != ODP_OK)
			goto failed;
		if (!*r.published_fingerprint) {
			fingerprint_start(&r);
		} else if (fingerprint_job(job, r.fingerprint) &&
			   strcmp(r.published_fingerprint, r.fingerprint) == 0) {
			if ((rc = finish_identical_files(&r)) != ODP_OK)
				goto failed;
			goto out;
		}
	}
	r.src = incremental_open(&inc, conn, job, r.dataset_id,
				 result->run_id, opts->full, r.errbuf);
	if (!r.src) {
		rc = ODP_ERR_SOURCE;
		goto failed;
	}
	source_stop_on(r.src, &harvest_stop_requested);
	log_info("source: %s", source_description(r.src));
	if (*source_warning(r.src)) {
		log_warn("%s", source_warning(r.src));
		sb_printf(&r.rejects, "; warning: %s", source_warning(r.src));
		add_warning(&r, xstrdup(source_warning(r.src)));
	}
	if ((rc = source_scan(r.src, r.errbuf)) != ODP_OK ||
	    (rc = metadata_temporal_column(job, source_columns(r.src),
					   source_n_columns(r.src), &r.temporal,
					   r.errbuf)) != ODP_OK ||
	    (rc = create_version(&r)) != ODP_OK ||
	    (rc = find_published(&r)) != ODP_OK ||
	    (rc = check_schema(&r)) != ODP_OK)
		goto failed;
	/* An incremental run's table gets the published rows after the
	 * load: its exports are read from the table. */
	if (!job->source.incremental.column)
		r.tee = exports_tee_start(conn, r.version_id);
	rc = load_rows(&r);
	/* Some drivers learn what to warn about only by reading (an http-json
	 * API whose later pages carry new members). */
	if (*source_warning(r.src) && !r.n_warnings) {
		log_warn("%s", source_warning(r.src));
		sb_printf(&r.rejects, "; warning: %s", source_warning(r.src));
		add_warning(&r, xstrdup(source_warning(r.src)));
	}
	save_rejects(&r);
	if (result->rows_rejected > 0) {
		struct sb text;
		sb_init(&text, 0);
		sb_printf(&text, "rejected features: %lld; GET /datasets/%s/"
			  "runs/%lld lists the first %d with their reason",
			  (long long)result->rows_rejected, job->identifier,
			  (long long)result->run_id, REJECTS_KEPT);
		add_warning(&r, sb_steal(&text));
	}
	if (rc != ODP_OK ||
	    (rc = incremental_apply(&inc, conn, r.src, r.table, r.checksum,
				    &result->rows_loaded, &r.rejects,
				    r.errbuf)) != ODP_OK)
		goto failed;
	/* Same rows as the published version, which had its keys checked:
	 * the new table is dropped before any index is built on it. */
	unchanged = r.published_id &&
		    strcmp(r.published_checksum, r.checksum) == 0;
	if (r.tee && unchanged) {
		exports_tee_free(r.tee);
		r.tee = NULL;
	}
	if (!unchanged && ((rc = build_indexes(&r)) != ODP_OK ||
			   (rc = compare_rows(&r)) != ODP_OK))
		goto failed;

	/* Temporal coverage from the data, outside the publishing
	 * transaction: the same rows as the published ones when unchanged. */
	if (*r.temporal.column &&
	    (rc = metadata_temporal_compute(conn, unchanged ? r.published_table
							    : r.table,
					    &r.temporal, r.errbuf)) != ODP_OK)
		goto failed;
	if (unchanged)
		discard_version(&r);
	fingerprint_wait(&r);
	set_message(&r, unchanged);
	if ((rc = db_exec(conn, "BEGIN", r.errbuf)) != ODP_OK)
		goto failed;
	if ((rc = publish_metadata(&r)) != ODP_OK ||
	    (!unchanged && (rc = publish_version(&r)) != ODP_OK) ||
	    (rc = record_fingerprint(&r, unchanged)) != ODP_OK ||
	    (rc = record_run(&r, unchanged ? "unchanged" : "succeeded")) != ODP_OK ||
	    (rc = db_exec(conn, "COMMIT", r.errbuf)) != ODP_OK) {
		PQclear(PQexec(conn, "ROLLBACK"));
		goto failed;
	}
	result->version_id = unchanged ? 0 : r.version_id;
	retire_old_versions(&r);
	goto out;

failed:
	{
		char reason[ODP_ERRBUF_SIZE];
		util_strlcpy(reason, r.errbuf, sizeof reason);
		/* A connection lost on the way (the server restarted, the
		 * backend was terminated): a new one records the failure now,
		 * rather than leaving the run "running" until the next run
		 * cleans up.  The job's lock went with the old session. */
		if (PQstatus(conn) == CONNECTION_BAD) {
			log_warn("the connection to the database was lost: "
				 "connecting again to record the failed run");
			PQreset(conn);
			locked = false;
		}
		discard_version(&r);
		/* A refused schema stops the run before any row is read. */
		if (r.reason.buf)
			snprintf(result->message, sizeof result->message,
				 "failed: %s; the previous version stays "
				 "published%s",
				 r.reason.buf, r.rejects.buf ? r.rejects.buf : "");
		else
			snprintf(result->message, sizeof result->message,
				 "failed: %s (%lld features read; the previous "
				 "version stays published)%s",
				 reason, (long long)result->rows_read,
				 r.rejects.buf ? r.rejects.buf : "");
		if (result->run_id && record_run(&r, "failed") != ODP_OK)
			log_error("could not record the failed run: %s", r.errbuf);
		result->status = "failed";
	}
out:
	exports_tee_free(r.tee);
	fingerprint_wait(&r);
	/* Still holding the job's lock: missing export sizes, links. */
	if (rc == ODP_OK && !harvest_stop_requested)
		exports_after_run(conn, r.dataset_id, result->run_id,
				  opts->progress);
	if (locked)
		unlock_job(&r);
	source_close(r.src);
	free(r.table);
	free(r.published_table);
	diff_schema_free(&r.schema);
	json_decref(r.reject_list);
	for (size_t i = 0; i < r.n_warnings; i++)
		free(r.warnings[i]);
	free(r.warnings);
	sb_free(&r.reason);
	sb_free(&r.rejects);
	sb_free(&r.prefixes);
	sb_free(&r.published_prefixes);
	return rc;
}

enum odp_status harvest_register(PGconn *conn, const struct job *job,
				 int64_t *job_id, char *errbuf)
{
	struct run r;
	enum odp_status rc;

	memset(&r, 0, sizeof r);
	r.conn = conn;
	r.job = job;
	rc = upsert_job(&r);
	if (rc == ODP_OK)
		*job_id = r.job_id;
	else
		util_strlcpy(errbuf, r.errbuf, ODP_ERRBUF_SIZE);
	return rc;
}
