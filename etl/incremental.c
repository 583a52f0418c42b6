/*
 * incremental.c: incremental harvest of sql sources (see incremental.h).
 *
 * Everything here talks to the catalogue; the source's side of an
 * incremental run (the watermark as $1 of the service database's query) is
 * driver_sql.c's.  The two meet in inc->job, a shallow copy of the run's
 * job whose incremental.since is the watermark: the copy borrows every
 * string of the job and owns nothing.
 */
#include "incremental.h"

#include "db.h"
#include "log.h"
#include "util.h"

#include <openssl/evp.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static void int64_str(int64_t v, char buf[24])
{
	snprintf(buf, 24, "%lld", (long long)v);
}

static void make_full(struct incremental *inc, const char *fmt, ...)
    __attribute__((format(printf, 2, 3)));

static void make_full(struct incremental *inc, const char *fmt, ...)
{
	va_list ap;

	inc->full = true;
	inc->since[0] = '\0';
	va_start(ap, fmt);
	vsnprintf(inc->reason, sizeof inc->reason, fmt, ap);
	va_end(ap);
}

/* The published version, and the name it gives the incremental column;
 * *column is malloc'd (the caller frees it), NULL when the column is not
 * published. */
static enum odp_status read_published(struct incremental *inc, PGconn *conn,
                                      const struct job *job, int64_t dataset_id,
                                      char **column, char *errbuf)
{
	char ds_id[24];
	const char *p[2] = {ds_id, job->source.incremental.column};
	PGresult *res;
	char *table;

	*column = NULL;
	int64_str(dataset_id, ds_id);
	res = db_query(conn,
	               "SELECT v.id, v.table_name, coalesce(v.checksum, ''), "
	               "c.name FROM datasets d JOIN dataset_versions v "
	               "ON v.id = d.current_version_id "
	               "LEFT JOIN dataset_columns c ON c.version_id = v.id "
	               "AND c.source_name = $2 WHERE d.id = $1::int8 "
	               "ORDER BY c.position LIMIT 1",
	               2, p, errbuf);
	if (!res)
		return ODP_ERR_DB;
	if (PQntuples(res) == 1 &&
	    util_parse_int64(PQgetvalue(res, 0, 0), &inc->published_id)) {
		table = db_quote_ident(conn, "data", PQgetvalue(res, 0, 1));
		util_strlcpy(inc->published_table, table ? table : "",
		             sizeof inc->published_table);
		free(table);
		util_strlcpy(inc->published_checksum, PQgetvalue(res, 0, 2),
		             sizeof inc->published_checksum);
		if (!PQgetisnull(res, 0, 3))
			*column = xstrdup(PQgetvalue(res, 0, 3));
	}
	PQclear(res);
	return ODP_OK;
}

/* The incremental runs that counted since the last full one that did. */
static enum odp_status runs_since_full(PGconn *conn, int64_t run_id, int64_t *n,
                                       char *errbuf)
{
	char id[24];
	const char *p[1] = {id};
	PGresult *res;

	int64_str(run_id, id);
	res = db_query(
	    conn,
	    "WITH counted AS (SELECT i.run_id, i.full_read "
	    "FROM incremental_runs i JOIN job_runs r ON r.id = i.run_id "
	    "WHERE r.job_id = (SELECT job_id FROM job_runs "
	    "WHERE id = $1::int8) AND r.id < $1::int8 "
	    "AND r.status IN ('succeeded', 'unchanged')) "
	    "SELECT count(*) FROM counted WHERE NOT full_read AND "
	    "run_id > coalesce((SELECT max(run_id) FROM counted "
	    "WHERE full_read), 0)",
	    1, p, errbuf);
	if (!res)
		return ODP_ERR_DB;
	if (!util_parse_int64(PQgetvalue(res, 0, 0), n))
		*n = 0;
	PQclear(res);
	return ODP_OK;
}

/* The maximum of column over the published version, as text. */
static enum odp_status read_watermark(struct incremental *inc, PGconn *conn,
                                      const char *column, char *errbuf)
{
	char *col = db_quote_ident(conn, NULL, column);
	struct sb sql;
	PGresult *res;
	enum odp_status rc = ODP_OK;

	sb_init(&sql, 0);
	/* The table name and the column come from the catalogue. */
	sb_printf(&sql, "SELECT max(%s)::text FROM %s", col,
	          inc->published_table);
	res = db_query(conn, sql.buf, 0, NULL, errbuf);
	if (!res) {
		rc = ODP_ERR_DB;
	} else if (PQgetisnull(res, 0, 0)) {
		make_full(inc, "the published version has no value of \"%s\"",
		          column);
	} else if (strlen(PQgetvalue(res, 0, 0)) > INCREMENTAL_WATERMARK_MAX) {
		make_full(inc,
		          "the largest \"%s\" is too long to be a watermark",
		          column);
	} else {
		util_strlcpy(inc->since, PQgetvalue(res, 0, 0),
		             sizeof inc->since);
	}
	PQclear(res);
	sb_free(&sql);
	free(col);
	return rc;
}

/* Whether the run reads every row, and if not, beyond which watermark. */
static enum odp_status plan(struct incremental *inc, PGconn *conn,
                            const struct job *job, int64_t dataset_id,
                            int64_t run_id, bool force_full, char *errbuf)
{
	int64_t every = job->source.incremental.full_every, n = 0;
	char *column = NULL;
	enum odp_status rc;

	if (force_full) {
		make_full(inc, "%s", "asked for with --full");
		return ODP_OK;
	}
	rc = read_published(inc, conn, job, dataset_id, &column, errbuf);
	if (rc != ODP_OK)
		return rc;
	if (!inc->published_id) {
		make_full(inc, "%s", "nothing is published yet");
		goto out;
	}
	if (!column) {
		make_full(inc,
		          "column \"%s\" is not in the published version, "
		          "so there is no watermark",
		          job->source.incremental.column);
		goto out;
	}
	if (every <= 0)
		every = JOB_FULL_EVERY_DEFAULT;
	if ((rc = runs_since_full(conn, run_id, &n, errbuf)) != ODP_OK)
		goto out;
	if (n + 1 >= every) {
		make_full(inc, "one run in %lld reads every row, for deletions",
		          (long long)every);
		goto out;
	}
	rc = read_watermark(inc, conn, column, errbuf);
out:
	free(column);
	return rc;
}

/* True when the source's columns are the published version's, names and
 * types in the same order: only then can published rows join the new
 * version as they are. */
static enum odp_status same_columns(const struct incremental *inc, PGconn *conn,
                                    const struct source *src, bool *same,
                                    char *errbuf)
{
	const struct source_column *cols = source_columns(src);
	size_t n = source_n_columns(src), i;
	char ver_id[24];
	const char *p[1] = {ver_id};
	PGresult *res;

	int64_str(inc->published_id, ver_id);
	res = db_query(conn,
	               "SELECT name, type FROM dataset_columns "
	               "WHERE version_id = $1::int8 ORDER BY position",
	               1, p, errbuf);
	if (!res)
		return ODP_ERR_DB;
	*same = (size_t)PQntuples(res) == n;
	for (i = 0; *same && i < n; i++)
		*same = strcmp(PQgetvalue(res, (int)i, 0), cols[i].name) == 0 &&
		        strcmp(PQgetvalue(res, (int)i, 1),
		               source_type_name(cols[i].type)) == 0;
	PQclear(res);
	return ODP_OK;
}

static enum odp_status record_plan(const struct incremental *inc, PGconn *conn,
                                   int64_t run_id, char *errbuf)
{
	char id[24];
	const char *p[4] = {id, inc->full ? "true" : "false",
	                    inc->full ? NULL : inc->since,
	                    inc->full ? inc->reason : NULL};
	PGresult *res;

	int64_str(run_id, id);
	res = db_query(
	    conn,
	    "INSERT INTO incremental_runs (run_id, full_read, "
	    "watermark, reason) VALUES ($1::int8, $2::boolean, $3, $4)",
	    4, p, errbuf);
	if (!res)
		return ODP_ERR_DB;
	PQclear(res);
	return ODP_OK;
}

struct source *incremental_open(struct incremental *inc, PGconn *conn,
                                const struct job *job, int64_t dataset_id,
                                int64_t run_id, bool force_full, char *errbuf)
{
	struct source *src;
	bool same = true;

	memset(inc, 0, sizeof *inc);
	if (!job->source.incremental.column)
		return source_open(job, errbuf);
	inc->enabled = true;
	inc->job = *job;
	inc->job.source.incremental.since = NULL;
	if (plan(inc, conn, job, dataset_id, run_id, force_full, errbuf) !=
	    ODP_OK)
		return NULL;
	if (!inc->full)
		inc->job.source.incremental.since = inc->since;
	src = source_open(&inc->job, errbuf);
	if (src && !inc->full) {
		if (same_columns(inc, conn, src, &same, errbuf) != ODP_OK) {
			source_close(src);
			return NULL;
		}
		if (!same) {
			source_close(src);
			make_full(inc, "%s",
			          "the query's columns are not those "
			          "of the published version");
			inc->job.source.incremental.since = NULL;
			src = source_open(&inc->job, errbuf);
		}
	}
	if (!src)
		return NULL;
	if (record_plan(inc, conn, run_id, errbuf) != ODP_OK) {
		source_close(src);
		return NULL;
	}
	if (inc->full)
		log_info("full run: %s", inc->reason);
	else
		log_info("incremental run: rows beyond %s = %s",
		         job->source.incremental.column, inc->since);
	return src;
}

/* The checksum of a version made of the published one and the rows read:
 * SHA-256 of both checksums. */
static void chain_checksum(const char *published, char checksum[65])
{
	static const char hex[] = "0123456789abcdef";
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int len = 0, i;
	EVP_MD_CTX *ctx = EVP_MD_CTX_new();

	if (!ctx || EVP_DigestInit_ex(ctx, EVP_sha256(), NULL) != 1 ||
	    EVP_DigestUpdate(ctx, published, strlen(published)) != 1 ||
	    EVP_DigestUpdate(ctx, "+", 1) != 1 ||
	    EVP_DigestUpdate(ctx, checksum, strlen(checksum)) != 1 ||
	    EVP_DigestFinal_ex(ctx, digest, &len) != 1)
		len = 0;
	EVP_MD_CTX_free(ctx);
	/* Without a digest, a checksum no version has: the run publishes. */
	if (len == 0) {
		util_strlcpy(checksum, "incremental", 65);
		return;
	}
	for (i = 0; i < len && 2 * i + 1 < 64; i++) {
		checksum[2 * i] = hex[digest[i] >> 4];
		checksum[2 * i + 1] = hex[digest[i] & 15];
	}
	checksum[2 * i] = '\0';
}

/* The data columns of src, quoted, each preceded by prefix ("o.", "d." or
 * ""), comma-separated. */
static void column_list(PGconn *conn, const struct source *src,
                        const char *prefix, struct sb *out)
{
	const struct source_column *cols = source_columns(src);
	size_t n = source_n_columns(src), i;

	for (i = 0; i < n; i++) {
		char *q = db_quote_ident(conn, NULL, cols[i].name);
		sb_printf(out, ", %s%s", prefix, q);
		free(q);
	}
}

static enum odp_status merge(struct incremental *inc, PGconn *conn,
                             const struct source *src, const char *table,
                             int64_t *added, int64_t *updated,
                             int64_t *rows_total, char *errbuf)
{
	const char *old = inc->published_table;
	struct sb cols, o_cols, d_cols, sql;
	PGresult *res = NULL;
	enum odp_status rc = ODP_ERR_DB;

	sb_init(&cols, 0);
	sb_init(&o_cols, 0);
	sb_init(&d_cols, 0);
	sb_init(&sql, 0);
	column_list(conn, src, "", &cols);
	column_list(conn, src, "o.", &o_cols);
	column_list(conn, src, "d.", &d_cols);
	if (db_exec(conn, "BEGIN", errbuf) != ODP_OK)
		goto out;
	/* The rows read move aside; the table is filled again in order. */
	sb_printf(&sql,
	          "CREATE TEMP TABLE odp_delta ON COMMIT DROP AS "
	          "SELECT * FROM %s; TRUNCATE %s",
	          table, table);
	if (db_exec(conn, sql.buf, errbuf) != ODP_OK)
		goto rollback;
	sb_reset(&sql);
	sb_printf(&sql,
	          "SELECT count(*) FILTER (WHERE o._id IS NULL), "
	          "count(*) FILTER (WHERE o._id IS NOT NULL AND "
	          "ROW(d.geom%s) IS DISTINCT FROM ROW(o.geom%s)) "
	          "FROM odp_delta d LEFT JOIN %s o ON o._id COLLATE \"C\" = d._id",
	          d_cols.buf ? d_cols.buf : "", o_cols.buf ? o_cols.buf : "",
	          old);
	res = db_query(conn, sql.buf, 0, NULL, errbuf);
	if (!res)
		goto rollback;
	if (!util_parse_int64(PQgetvalue(res, 0, 0), added) ||
	    !util_parse_int64(PQgetvalue(res, 0, 1), updated)) {
		util_seterr(errbuf, "unexpected answer from the database");
		goto rollback;
	}
	PQclear(res);
	res = NULL;
	/* Published rows in their order, each replaced by the row read with
	 * its key if there is one; then the new rows, in the order read. */
	sb_reset(&sql);
	sb_printf(&sql,
	          "INSERT INTO %s (_id, _rownum%s, geom) "
	          "SELECT m._id, row_number() OVER (ORDER BY m._part, m._ord)"
	          "%s, m.geom FROM ("
	          "SELECT 0 AS _part, o._rownum AS _ord, o._id%s, o.geom "
	          "FROM %s o WHERE NOT EXISTS "
	          "(SELECT 1 FROM odp_delta d WHERE d._id COLLATE \"C\" = o._id) "
	          "UNION ALL "
	          "SELECT CASE WHEN o._id IS NULL THEN 1 ELSE 0 END, "
	          "coalesce(o._rownum, d._rownum), d._id%s, d.geom "
	          "FROM odp_delta d LEFT JOIN %s o ON o._id COLLATE \"C\" = d._id) m",
	          table, cols.buf ? cols.buf : "", cols.buf ? cols.buf : "",
	          o_cols.buf ? o_cols.buf : "", old,
	          d_cols.buf ? d_cols.buf : "", old);
	if (sb_failed(&sql)) {
		util_seterr(errbuf, "too many columns to merge");
		goto rollback;
	}
	/* m's columns are named after the first branch's: o.x becomes x. */
	res = db_query(conn, sql.buf, 0, NULL, errbuf);
	if (!res)
		goto rollback;
	if (!util_parse_int64(PQcmdTuples(res), rows_total)) {
		util_seterr(errbuf, "unexpected answer from the database");
		goto rollback;
	}
	rc = db_exec(conn, "COMMIT", errbuf);
	goto out;
rollback:
	PQclear(PQexec(conn, "ROLLBACK"));
out:
	PQclear(res);
	sb_free(&cols);
	sb_free(&o_cols);
	sb_free(&d_cols);
	sb_free(&sql);
	return rc;
}

enum odp_status incremental_apply(struct incremental *inc, PGconn *conn,
                                  const struct source *src, const char *table,
                                  char checksum[65], int64_t *rows_loaded,
                                  struct sb *notes, char *errbuf)
{
	int64_t read = *rows_loaded, added = 0, updated = 0, total = 0;
	enum odp_status rc;

	if (!inc->enabled)
		return ODP_OK;
	if (inc->full) {
		sb_printf(notes, "; full run (%s)", inc->reason);
		return ODP_OK;
	}
	rc = merge(inc, conn, src, table, &added, &updated, &total, errbuf);
	if (rc != ODP_OK)
		return rc;
	*rows_loaded = total;
	if (added == 0 && updated == 0)
		util_strlcpy(checksum, inc->published_checksum, 65);
	else
		chain_checksum(inc->published_checksum, checksum);
	sb_printf(notes,
	          "; incremental since %s: %lld rows upserted (%lld "
	          "added, %lld updated), %lld kept from the published version",
	          inc->since, (long long)read, (long long)added,
	          (long long)updated, (long long)(total - read));
	return ODP_OK;
}
