/*
 * metadata.c: a job's DCAT metadata into the catalogue (see metadata.h).
 */
#include "metadata.h"

#include "catalogue.h"
#include "db.h"
#include "sb.h"
#include "util.h"
#include "vocab.h"

#include <jansson.h>
#include <stdlib.h>
#include <string.h>

enum odp_status metadata_temporal_column(const struct job *job,
					 const struct source_column *cols,
					 size_t n, struct metadata_temporal *t,
					 char *errbuf)
{
	const char *want = job->temporal.column;
	struct sb names;
	size_t i;

	memset(t, 0, sizeof *t);
	if (!want)
		return ODP_OK;
	for (i = 0; i < n; i++)
		if (strcmp(cols[i].name, want) == 0 ||
		    strcmp(cols[i].source_name, want) == 0)
			break;
	if (i == n) {
		sb_init(&names, ODP_ERRBUF_SIZE / 2);
		for (i = 0; i < n; i++)
			sb_printf(&names, "%s%s", i ? ", " : "", cols[i].name);
		util_seterr(errbuf, "temporal column \"%s\" is not a column of "
			    "the data; the columns are: %s", want,
			    names.buf ? names.buf : "(none)");
		sb_free(&names);
		return ODP_ERR_INVALID;
	}
	if (cols[i].type != COL_DATE && cols[i].type != COL_TIMESTAMP) {
		util_seterr(errbuf, "temporal column \"%s\" holds %s values; "
			    "expected a date or timestamp column (a "
			    "\"transform\": {\"cast\": {\"%s\": \"date\"}} "
			    "makes one)",
			    want, source_type_name(cols[i].type),
			    cols[i].source_name);
		return ODP_ERR_INVALID;
	}
	util_strlcpy(t->column, cols[i].name, sizeof t->column);
	return ODP_OK;
}

enum odp_status metadata_temporal_compute(PGconn *conn, const char *table,
					  struct metadata_temporal *t,
					  char *errbuf)
{
	char *col = db_quote_ident(conn, NULL, t->column);
	struct sb sql;
	PGresult *res;

	sb_init(&sql, 0);
	sb_printf(&sql, "SELECT coalesce(min(%s)::date::text, ''), "
		  "coalesce(max(%s)::date::text, '') FROM %s", col, col, table);
	res = db_query(conn, sql.buf, 0, NULL, errbuf);
	sb_free(&sql);
	free(col);
	if (!res)
		return ODP_ERR_DB;
	util_strlcpy(t->start, PQgetvalue(res, 0, 0), sizeof t->start);
	util_strlcpy(t->end, PQgetvalue(res, 0, 1), sizeof t->end);
	t->computed = true;
	PQclear(res);
	return ODP_OK;
}

/* The declared distributions as a JSON array for json_array_elements(),
 * malloc'd; a missing media type is the format's. */
static char *distributions_json(const struct job *job)
{
	json_t *list = json_array();
	char *text;
	size_t i;

	for (i = 0; i < job->n_distributions; i++) {
		const struct job_distribution *d = &job->distributions[i];
		const struct vocab_term *f = vocab_find(&vocab_file_types,
							d->format);
		const char *media = d->media_type ? d->media_type
			: f && f->media_type ? f->media_type
			: "application/octet-stream";
		json_array_append_new(
			list, json_pack("{s:s, s:s, s:s, s:s, s:s, s:s?, s:s?}",
					"identifier", d->identifier, "title",
					d->title, "url", d->url, "format",
					d->format, "media_type", media,
					"description", d->description,
					"conforms_to", d->conforms_to));
	}
	text = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	return text;
}

/* Declared distributions: the job's, in its order; a row is rewritten
 * only when it differs, and its link check is forgotten when its URL
 * changed (etl/exports.c checks it again). */
static enum odp_status publish_distributions(PGconn *conn,
					     const struct job *job,
					     const char *ds_id, char *errbuf)
{
	char *list = distributions_json(job);
	const char *p[2] = {ds_id, list};
	PGresult *res;

	res = db_query(conn,
		       "WITH d AS (SELECT e->>'identifier' AS identifier, "
		       "e->>'title' AS title, e->>'url' AS url, "
		       "e->>'format' AS format, e->>'media_type' AS media_type, "
		       "e->>'description' AS description, "
		       "e->>'conforms_to' AS conforms_to, n::int AS position "
		       "FROM json_array_elements($2::json) WITH ORDINALITY "
		       "AS x(e, n)), "
		       "gone AS (DELETE FROM distributions "
		       "WHERE dataset_id = $1::int8 AND kind = 'declared' "
		       "AND identifier NOT IN (SELECT identifier FROM d)) "
		       "INSERT INTO distributions AS o (dataset_id, identifier, "
		       "kind, title, url, format, media_type, description, "
		       "conforms_to, position) "
		       "SELECT $1::int8, identifier, 'declared', title, url, "
		       "format, media_type, description, conforms_to, position "
		       "FROM d ON CONFLICT (dataset_id, identifier) DO UPDATE "
		       "SET title = EXCLUDED.title, url = EXCLUDED.url, "
		       "format = EXCLUDED.format, "
		       "media_type = EXCLUDED.media_type, "
		       "description = EXCLUDED.description, "
		       "conforms_to = EXCLUDED.conforms_to, "
		       "position = EXCLUDED.position, "
		       "reachable = CASE WHEN o.url = EXCLUDED.url "
		       "THEN o.reachable END, "
		       "checked_at = CASE WHEN o.url = EXCLUDED.url "
		       "THEN o.checked_at END "
		       "WHERE o.kind = 'declared' AND (o.title, o.url, o.format, "
		       "o.media_type, o.description, o.conforms_to, o.position) "
		       "IS DISTINCT FROM (EXCLUDED.title, EXCLUDED.url, "
		       "EXCLUDED.format, EXCLUDED.media_type, "
		       "EXCLUDED.description, EXCLUDED.conforms_to, "
		       "EXCLUDED.position)",
		       2, p, errbuf);
	free(list);
	if (!res)
		return ODP_ERR_DB;
	PQclear(res);
	return ODP_OK;
}

/* The job's array of strings as a text[] literal, or dflt (one code)
 * when the job gives none; malloc'd. */
static char *array_or(char *const *items, size_t n, const char *dflt)
{
	const char *one[1] = {dflt};

	if (n == 0 && dflt)
		return db_text_array((char *const *)one, 1);
	return db_text_array(items, n);
}

enum odp_status metadata_publish(PGconn *conn, const struct job *job,
				 int64_t dataset_id,
				 const struct metadata_temporal *t,
				 char *errbuf)
{
	const struct job_temporal *jt = &job->temporal;
	char ds_id[24], pub_id[24];
	char *arrays[8];
	const char *p[24];
	bool set_temporal;
	int64_t publisher_id;
	enum odp_status rc;
	PGresult *res;
	size_t k;

	rc = catalogue_upsert_publisher(conn, &job->publisher, true,
					&publisher_id, errbuf);
	if (rc != ODP_OK)
		return rc;
	util_format_int64(dataset_id, ds_id);
	util_format_int64(publisher_id, pub_id);
	arrays[0] = array_or(job->themes, job->n_themes, NULL);
	arrays[1] = array_or(job->keywords, job->n_keywords, NULL);
	arrays[2] = array_or(job->local_themes, job->n_local_themes, NULL);
	arrays[3] = array_or(job->conforms_to, job->n_conforms_to, NULL);
	arrays[4] = array_or(job->spatial_uris, job->n_spatial_uris, NULL);
	arrays[5] = array_or(job->languages, job->n_languages, "FRA");
	arrays[6] = array_or(job->hvd.categories, job->hvd.n_categories, NULL);
	arrays[7] = array_or(job->hvd.legislation, job->hvd.n_legislation,
			     job->hvd.n_categories ? VOCAB_HVD_LEGISLATION
						   : NULL);
	/* A column's dates are known only when this run computed them (a
	 * run that reads nothing keeps those of the published version). */
	set_temporal = !jt->column || (t && t->computed);
	p[0] = ds_id;
	p[1] = job->title;
	p[2] = job->description;
	p[3] = pub_id;
	p[4] = arrays[0];
	p[5] = arrays[1];
	p[6] = job->licence;
	p[7] = job->frequency;
	p[8] = job->contact.name;
	p[9] = job->contact.email;
	p[10] = job->contact.url;
	p[11] = arrays[2];
	p[12] = arrays[3];
	p[13] = arrays[4];
	p[14] = t && t->computed ? t->column : jt->column;
	p[15] = job->access_rights ? job->access_rights : "PUBLIC";
	p[16] = arrays[5];
	p[17] = job->landing_page;
	p[18] = job->documentation;
	p[19] = arrays[6];
	p[20] = arrays[7];
	p[21] = set_temporal ? "true" : "false";
	p[22] = jt->column ? (t && *t->start ? t->start : NULL) : jt->start;
	p[23] = jt->column ? (t && *t->end ? t->end : NULL) : jt->end;
	res = db_query(conn,
		       "UPDATE datasets SET title = $2, description = $3, "
		       "publisher_id = $4::int8, themes = $5::text[], "
		       "keywords = $6::text[], licence = $7, "
		       "accrual_periodicity = $8, contact_name = $9, "
		       "contact_email = $10, contact_url = $11, "
		       "local_themes = $12::text[], conforms_to = $13::text[], "
		       "spatial_uris = $14::text[], "
		       "temporal_column = CASE WHEN $22::bool THEN $15 "
		       "ELSE temporal_column END, "
		       "access_rights = $16, languages = $17::text[], "
		       "landing_page = $18, documentation = $19, "
		       "hvd_categories = $20::text[], "
		       "applicable_legislation = $21::text[], "
		       "temporal_start = CASE WHEN $22::bool THEN $23::date "
		       "ELSE temporal_start END, "
		       "temporal_end = CASE WHEN $22::bool THEN $24::date "
		       "ELSE temporal_end END, updated_at = now() "
		       "WHERE id = $1::int8",
		       24, p, errbuf);
	rc = res ? ODP_OK : ODP_ERR_DB;
	PQclear(res);
	for (k = 0; k < sizeof arrays / sizeof arrays[0]; k++)
		free(arrays[k]);
	if (rc != ODP_OK)
		return rc;
	return publish_distributions(conn, job, ds_id, errbuf);
}
