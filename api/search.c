/*
 * search.c: GET /datasets, the list and the search of the catalogue (see
 * search.h; the parameters are read by search_params.c, the text search
 * configuration and the tsvector column come from sql/007_search.sql).
 *
 * One statement answers, so the page, the total and the facet counts come
 * from one snapshot and one round trip:
 *
 *   m       the published datasets that match q, bbox and modified_since,
 *           with their facet values, rank, and one flag per facet filter
 *           ("passes theme=..."), materialised once;
 *   hits    the rows that pass every flag: the total and the page;
 *   facets  for each facet, its values counted over the rows that pass
 *           every *other* facet filter.
 *
 * So the count of a facet value is the total the list would have with
 * that value as the facet's only filter: when the facet is not filtered
 * yet, the total of the list once the value is added; when it is, the
 * total of the list once the value replaces the facet's values (values of
 * one facet are ORed, so counting them inside the narrowed list would hide
 * the alternatives).  Each facet lists its facet_limit most frequent
 * values, ties by value.
 *
 * The `$n IS NULL OR ...` conditions cost nothing: libpq's unnamed
 * statement is planned with the values of its parameters, so the planner
 * drops the filters that are absent and uses the GIN index for q.  Only
 * the ORDER BY list varies, chosen from search_params.c's table.
 */
#include "search.h"

#include "cache.h"
#include "datasets.h"
#include "errors.h"
#include "search_params.h"

#include "db.h"
#include "odp.h"
#include "sb.h"
#include "util.h"
#include "vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define N_PARAMS 14

/* $1 q, $2..$5 bbox, $6 modified_since, $7..$11 the facet filters in
 * enum search_facet order, $12 limit, $13 offset, $14 facet_limit. */
static const char sql_head[] =
	"WITH m AS MATERIALIZED ("
	" SELECT d.id, d.identifier, d.title, d.modified,"
	"  hashtextextended(d.id || '.' || d.xmin, 0) AS version_hash,"
	"  CASE WHEN $1::text IS NULL THEN 0 ELSE ts_rank(d.search,"
	"   websearch_to_tsquery('odp_french', $1::text)) END AS rank,"
	"  d.themes || d.local_themes AS themes, d.keywords,"
	"  p.identifier AS publisher, d.licence, d.formats,"
	"  ($7::text[] IS NULL OR d.themes && $7::text[]"
	"   OR d.local_themes && $7::text[]) AS m_theme,"
	"  ($8::text[] IS NULL OR d.keywords && $8::text[]) AS m_keyword,"
	"  ($9::text[] IS NULL OR p.identifier = ANY ($9::text[]))"
	"   AS m_publisher,"
	"  ($10::text[] IS NULL OR d.formats && $10::text[]) AS m_format,"
	"  ($11::text[] IS NULL OR d.licence = ANY ($11::text[]))"
	"   AS m_licence"
	" FROM datasets d LEFT JOIN publishers p ON p.id = d.publisher_id"
	" WHERE d.current_version_id IS NOT NULL"
	"  AND ($1::text IS NULL OR"
	"   d.search @@ websearch_to_tsquery('odp_french', $1::text))"
	"  AND ($2::float8 IS NULL OR ST_Intersects(d.spatial,"
	"   ST_MakeEnvelope($2::float8, $3::float8, $4::float8, $5::float8,"
	"    4326)))"
	"  AND ($6::timestamptz IS NULL OR d.modified >= $6::timestamptz)),"
	" hits AS (SELECT * FROM m WHERE m_theme AND m_keyword AND m_publisher"
	"  AND m_format AND m_licence),"
	" facets AS ("
	/* unnest() in the select list, not in FROM: no function scan and
	 * tuplestore per dataset. */
	" SELECT 'theme' AS facet, v AS value, count(*) AS n"
	"  FROM (SELECT unnest(m.themes) v FROM m WHERE $14::int > 0"
	"   AND m_keyword AND m_publisher AND m_format AND m_licence) u"
	"  GROUP BY v"
	" UNION ALL SELECT 'keyword', v, count(*)"
	"  FROM (SELECT unnest(m.keywords) v FROM m WHERE $14::int > 0"
	"   AND m_theme AND m_publisher AND m_format AND m_licence) u"
	"  GROUP BY v"
	" UNION ALL SELECT 'publisher', m.publisher, count(*)"
	"  FROM m WHERE $14::int > 0 AND m.publisher IS NOT NULL"
	"  AND m_theme AND m_keyword AND m_format AND m_licence"
	"  GROUP BY m.publisher"
	" UNION ALL SELECT 'format', v, count(*)"
	"  FROM (SELECT unnest(m.formats) v FROM m WHERE $14::int > 0"
	"   AND m_theme AND m_keyword AND m_publisher AND m_licence) u"
	"  GROUP BY v"
	" UNION ALL SELECT 'licence', m.licence, count(*)"
	"  FROM m WHERE $14::int > 0"
	"  AND m_theme AND m_keyword AND m_publisher AND m_format"
	"  GROUP BY m.licence),"
	" top AS (SELECT f.*, row_number() OVER (PARTITION BY f.facet"
	"  ORDER BY f.n DESC, f.value) AS r FROM facets f),"
	" summary AS (SELECT"
	"  (SELECT count(*) FROM hits) AS total,"
	/* Every row version the answer is built from (datasets, and the
	 * names of publishers and local themes): a change to any of them,
	 * a new xmin, changes the ETag. */
	"  md5((SELECT count(*) || '.' || coalesce(bit_xor(m.version_hash), 0)"
	"    FROM m) || '.' || (SELECT coalesce(bit_xor(hashtextextended("
	"    p.id || '.' || p.xmin, 0)), 0) FROM publishers p) || '.' ||"
	"   (SELECT coalesce(bit_xor(hashtextextended(l.code || '.' || l.xmin,"
	"    0)), 0) FROM local_themes l)) AS digest,"
	"  ($1::text IS NOT NULL AND"
	"   numnode(websearch_to_tsquery('odp_french', $1::text)) = 0)"
	"   AS q_empty,"
	"  (SELECT json_agg(json_build_array(t.facet, t.value, t.n,"
	"    CASE t.facet"
	"     WHEN 'publisher' THEN (SELECT name FROM publishers"
	"      WHERE identifier = t.value)"
	"     WHEN 'theme' THEN (SELECT label FROM local_themes"
	"      WHERE code = t.value) END)"
	"   ORDER BY t.facet, t.r) FROM top t WHERE t.r <= $14::int) AS facets)"
	/* The facets once, on the first row; a page past the end still
	 * yields that row, with NULL fields. */
	" SELECT s.total, s.digest, s.q_empty,"
	"  CASE WHEN coalesce(page.ord, 1) = 1 THEN s.facets END, page.*"
	" FROM summary s LEFT JOIN LATERAL ("
	/* Sorted and cut before the join: the fields of 20 rows, not of
	 * every hit. */
	"  SELECT ";

static const char sql_page[] =
	", k.ord FROM (SELECT k0.id, row_number() OVER () AS ord"
	"   FROM (SELECT h.id FROM hits h ORDER BY ";

static const char sql_tail[] =
	"    LIMIT $12::int8 OFFSET $13::int8) k0) k"
	"  JOIN datasets d ON d.id = k.id"
	"  LEFT JOIN publishers p ON p.id = d.publisher_id"
	"  ORDER BY k.ord) page ON true";

/* Columns before the page's dataset fields. */
enum { C_TOTAL, C_DIGEST, C_Q_EMPTY, C_FACETS, C_FIELDS };

/* The query text for sort order_by; the caller frees it. */
static char *search_sql(const char *order_by)
{
	struct sb sql;

	sb_init(&sql, 0);
	sb_puts(&sql, sql_head);
	sb_puts(&sql, api_dataset_fields_sql);
	sb_puts(&sql, sql_page);
	sb_puts(&sql, order_by);
	sb_puts(&sql, sql_tail);
	return sb_steal(&sql);
}

/* The label of a facet value the catalogue's vocabularies know, or NULL. */
static const char *vocab_label(enum search_facet f, const char *value)
{
	const struct vocab_term *t = NULL;

	if (f == FACET_THEME)
		t = vocab_find(&vocab_themes, value);
	else if (f == FACET_LICENCE)
		t = vocab_find(&vocab_licences, value);
	return t ? t->label : NULL;
}

/* {"theme": [{value, label, count}, ...], ...} from the rows
 * [facet, value, count, label] of the query, in their order; every facet
 * is there, with an empty list when it has no value. */
static json_t *facets_json(const char *text)
{
	json_t *rows = text ? json_loads(text, 0, NULL) : NULL;
	json_t *out = json_object(), *row;
	size_t f, i;

	for (f = 0; f < N_FACETS; f++)
		json_object_set_new(out, search_facet_names[f], json_array());
	json_array_foreach(rows, i, row) {
		const char *facet = json_string_value(json_array_get(row, 0));
		const char *value = json_string_value(json_array_get(row, 1));
		json_t *label = json_array_get(row, 3);
		json_t *list;

		if (!facet || !value)
			continue;
		for (f = 0; f < N_FACETS; f++)
			if (strcmp(facet, search_facet_names[f]) == 0)
				break;
		list = json_object_get(out, facet);
		if (!list)
			continue;
		if (json_is_null(label) || !label) {
			const char *l = vocab_label((enum search_facet)f, value);

			label = l ? json_string(l) : json_null();
		} else {
			json_incref(label);
		}
		json_array_append_new(
			list, json_pack("{s:s, s:o, s:O}", "value", value,
					"label", label, "count",
					json_array_get(row, 2)));
	}
	json_decref(rows);
	return out;
}

/* The text parameters of the query, into text (N_PARAMS) and the buffers
 * it points into; the arrays are malloc'd into arrays[]. */
static void bind_params(const struct search_params *p, const char **text,
		 char bbox[4][32], char limits[3][24], char **arrays)
{
	size_t f;
	int i;

	memset(text, 0, N_PARAMS * sizeof *text);
	text[0] = p->q;
	if (p->has_bbox) {
		for (i = 0; i < 4; i++) {
			util_format_double(p->bbox[i], bbox[i], 32);
			text[1 + i] = bbox[i];
		}
	}
	text[5] = p->modified_since[0] ? p->modified_since : NULL;
	for (f = 0; f < N_FACETS; f++) {
		arrays[f] = p->n_values[f]
				    ? db_text_array(p->values[f], p->n_values[f])
				    : NULL;
		text[6 + f] = arrays[f];
	}
	util_format_int64(p->limit, limits[0]);
	util_format_int64(p->offset, limits[1]);
	util_format_int64(p->facet_limit, limits[2]);
	text[11] = limits[0];
	text[12] = limits[1];
	text[13] = limits[2];
}

static void reply_q_empty(struct api_request *req, const char *q)
{
	char shown[96];

	api_sanitize(shown, sizeof shown, q);
	api_reply_error(req, API_ERR_BAD_PARAMETER,
			"invalid value for parameter \"q\"",
			"q \"%s\" has no word to search for once the most "
			"common words (le, la, de, et...) are left out.",
			shown);
}

void api_search_datasets(struct api_request *req, const char *const *args)
{
	struct search_params p;
	char errbuf[ODP_ERRBUF_SIZE], etag[API_ETAG_SIZE];
	char bbox[4][32], limits[3][24];
	char *arrays[N_FACETS] = {NULL};
	const char *text[N_PARAMS];
	struct api_cache *cache = req->server->cache;
	struct api_conn *conn = NULL;
	PGresult *res = NULL;
	char *sql = NULL, *key = NULL, *out_text;
	json_t *list, *body;
	size_t f, key_len = 0;
	uint64_t gen;
	int64_t total;
	int row;

	(void)args;
	if (!search_params_parse(req, &p))
		goto out;
	key = api_cache_key(req, NULL, &key_len);
	if (api_cache_reply(req, cache, key, key_len, &gen))
		goto out;
	conn = api_request_db(req);
	if (!conn)
		goto out;
	bind_params(&p, text, bbox, limits, arrays);
	sql = search_sql(p.sort->order_by);
	res = api_conn_query(conn, sql, N_PARAMS, text, errbuf);
	if (!res || PQntuples(res) < 1 ||
	    PQnfields(res) != C_FIELDS + api_dataset_n_fields + 1 ||
	    !util_parse_int64(PQgetvalue(res, 0, C_TOTAL), &total)) {
		api_reply_db_error(req, conn,
				   res ? "unexpected answer to the search query"
				       : errbuf);
		goto out;
	}
	if (PQgetvalue(res, 0, C_Q_EMPTY)[0] == 't') {
		reply_q_empty(req, p.q);
		goto out;
	}
	snprintf(etag, sizeof etag, "\"s%.32s\"",
		 PQgetvalue(res, 0, C_DIGEST));
	if (api_reply_not_modified(req, etag))
		goto out;
	list = json_array();
	for (row = 0; row < PQntuples(res); row++) {
		if (PQgetisnull(res, row, C_FIELDS))
			continue;
		json_array_append_new(list, api_dataset_json(req, res, row,
							     C_FIELDS, NULL));
	}
	body = json_pack(
		"{s:I, s:I, s:I, s:s, s:o, s:o}", "total", (json_int_t)total,
		"limit", (json_int_t)p.limit, "offset", (json_int_t)p.offset,
		"sort", p.sort->name, "datasets", list, "facets",
		facets_json(PQgetisnull(res, 0, C_FACETS)
				    ? NULL
				    : PQgetvalue(res, 0, C_FACETS)));
	out_text = json_dumps(body, JSON_COMPACT | JSON_REAL_PRECISION(15));
	json_decref(body);
	if (!out_text) {
		api_reply_error(req, API_ERR_INTERNAL, NULL,
				"The server could not build the answer.");
		goto out;
	}
	api_cache_answer(req, cache, key, key_len, gen, API_CONTENT_JSON, etag,
			 out_text, strlen(out_text));
out:
	PQclear(res);
	free(sql);
	free(key);
	for (f = 0; f < N_FACETS; f++)
		free(arrays[f]);
	search_params_free(&p);
	api_pool_return(req->server->pool, conn);
}
