/*
 * diff.c: columns and rows of two versions compared (see diff.h).
 *
 * The row counts come from one statement, a FULL JOIN of the two tables on
 * _id (each has a unique index on it), so PostgreSQL reads each table once
 * whatever its size and nothing of the rows crosses the connection.
 */
#include "diff.h"

#include "db.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void diff_schema_add(struct diff_schema *s, const char *name,
		     const char *old_type, const char *new_type)
{
	struct diff_column *c;

	if (!old_type && !new_type)
		return;
	if (old_type && new_type) {
		s->common = xrealloc(s->common,
				     (s->n_common + 1) * sizeof *s->common);
		s->common[s->n_common++] = xstrdup(name);
		if (strcmp(old_type, new_type) == 0)
			return;
	}
	s->changes = xrealloc(s->changes,
			      (s->n_changes + 1) * sizeof *s->changes);
	c = &s->changes[s->n_changes++];
	c->change = !old_type ? DIFF_ADDED : !new_type ? DIFF_REMOVED
						       : DIFF_RETYPED;
	c->name = xstrdup(name);
	c->old_type = xstrdup(old_type);
	c->new_type = xstrdup(new_type);
}

void diff_schema_free(struct diff_schema *s)
{
	size_t i;

	for (i = 0; i < s->n_changes; i++) {
		free(s->changes[i].name);
		free(s->changes[i].old_type);
		free(s->changes[i].new_type);
	}
	for (i = 0; i < s->n_common; i++)
		free(s->common[i]);
	free(s->changes);
	free(s->common);
	memset(s, 0, sizeof *s);
}

bool diff_schema_refused(const struct diff_schema *s, const char *policy)
{
	return s->n_changes > 0 && policy && strcmp(policy, "fail") == 0;
}

void diff_column_describe(const struct diff_column *c, struct sb *out)
{
	sb_puts(out, "column ");
	sb_put_json_string(out, c->name);
	switch (c->change) {
	case DIFF_ADDED:
		sb_printf(out, " added (%s)", c->new_type);
		break;
	case DIFF_REMOVED:
		sb_printf(out, " removed (it was %s)", c->old_type);
		break;
	case DIFF_RETYPED:
		sb_printf(out, " retyped from %s to %s", c->old_type,
			  c->new_type);
		break;
	}
}

void diff_schema_describe(const struct diff_schema *s, size_t max_items,
			  struct sb *out)
{
	size_t i;

	for (i = 0; i < s->n_changes && i < max_items; i++) {
		if (i > 0)
			sb_puts(out, "; ");
		diff_column_describe(&s->changes[i], out);
	}
	if (s->n_changes > max_items)
		sb_printf(out, "%sand %zu more column changes",
			  max_items > 0 ? "; " : "", s->n_changes - max_items);
}

char *diff_schema_json(const struct diff_schema *s)
{
	static const char *const names[] = {"added", "removed", "retyped"};
	json_t *list = json_array();
	char *text;
	size_t i;

	for (i = 0; i < s->n_changes; i++) {
		const struct diff_column *c = &s->changes[i];
		/* Names and types come from the catalogue: valid UTF-8. */
		json_array_append_new(
			list,
			json_pack("{s:s, s:s, s:s?, s:s?}", "column", c->name,
				  "change", names[c->change], "old_type",
				  c->old_type, "new_type", c->new_type));
	}
	text = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	return text ? text : xstrdup("[]");
}

enum odp_status diff_schema_load(PGconn *conn, int64_t old_version,
				 int64_t new_version, struct diff_schema *s,
				 char *errbuf)
{
	char old_id[24], new_id[24];
	const char *p[2] = {old_id, new_id};
	PGresult *res;
	int i;

	snprintf(old_id, sizeof old_id, "%lld", (long long)old_version);
	snprintf(new_id, sizeof new_id, "%lld", (long long)new_version);
	res = db_query(conn,
		       "SELECT coalesce(n.name, o.name), o.type, n.type"
		       " FROM (SELECT name, type, position FROM dataset_columns"
		       "  WHERE version_id = $1::int8) o"
		       " FULL JOIN (SELECT name, type, position"
		       "  FROM dataset_columns WHERE version_id = $2::int8) n"
		       " ON n.name = o.name"
		       " ORDER BY n.position NULLS LAST, o.position",
		       2, p, errbuf);
	if (!res)
		return ODP_ERR_DB;
	for (i = 0; i < PQntuples(res); i++)
		diff_schema_add(s, PQgetvalue(res, i, 0),
				PQgetisnull(res, i, 1) ? NULL
						       : PQgetvalue(res, i, 1),
				PQgetisnull(res, i, 2) ? NULL
						       : PQgetvalue(res, i, 2));
	PQclear(res);
	return ODP_OK;
}

/* Appends "ROW(t.a::text, ..., t.geom::text)" for alias t. */
static bool put_row(PGconn *conn, const struct diff_schema *s, char alias,
		    struct sb *sql, char *errbuf)
{
	size_t i;

	sb_puts(sql, "ROW(");
	for (i = 0; i < s->n_common; i++) {
		char *col = db_quote_ident(conn, NULL, s->common[i]);
		if (!col) {
			util_seterr(errbuf, "could not quote column \"%s\": %s",
				    s->common[i], PQerrorMessage(conn));
			return false;
		}
		sb_printf(sql, "%c.%s::text, ", alias, col);
		free(col);
	}
	sb_printf(sql, "%c.geom::text)", alias);
	return true;
}

enum odp_status diff_rows_count(PGconn *conn, const char *old_table,
				const char *new_table,
				const struct diff_schema *s,
				struct diff_rows *out, char *errbuf)
{
	enum odp_status rc = ODP_ERR_DB;
	PGresult *res = NULL;
	struct sb sql;

	sb_init(&sql, 0);
	sb_puts(&sql, "SELECT count(*) FILTER (WHERE o._id IS NULL),"
		      " count(*) FILTER (WHERE n._id IS NULL),"
		      " count(*) FILTER (WHERE o._id IS NOT NULL"
		      " AND n._id IS NOT NULL AND ");
	if (!put_row(conn, s, 'o', &sql, errbuf))
		goto out;
	sb_puts(&sql, " IS DISTINCT FROM ");
	if (!put_row(conn, s, 'n', &sql, errbuf))
		goto out;
	sb_printf(&sql, ") FROM %s o FULL JOIN %s n ON n._id COLLATE \"C\" = o._id",
		  old_table, new_table);
	if (sb_failed(&sql)) {
		util_seterr(errbuf, "the comparison of %zu columns is too long",
			    s->n_common);
		goto out;
	}
	res = db_query(conn, sql.buf, 0, NULL, errbuf);
	if (!res)
		goto out;
	if (PQntuples(res) != 1 ||
	    !util_parse_int64(PQgetvalue(res, 0, 0), &out->added) ||
	    !util_parse_int64(PQgetvalue(res, 0, 1), &out->removed) ||
	    !util_parse_int64(PQgetvalue(res, 0, 2), &out->changed)) {
		util_seterr(errbuf, "unexpected answer to the row comparison");
		goto out;
	}
	rc = ODP_OK;
out:
	PQclear(res);
	sb_free(&sql);
	return rc;
}
