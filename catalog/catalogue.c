/*
 * catalogue.c: reading etl/catalog.json and writing it into the catalogue
 * tables (see catalogue.h).
 *
 * The file is read with the job files' machinery (catalog/fields.h), so a
 * typo is reported the same way, with its JSON path and what is allowed.
 * Writes compare before they update: `odp-etl run` stores the catalogue at
 * every run, and an unchanged file must not rewrite rows each time.
 */
#include "catalogue.h"

#include "db.h"
#include "fields.h"
#include "job_meta.h"
#include "sb.h"
#include "util.h"
#include "vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* A catalogue file is a page of metadata, far from a job file's bound. */
#define CATALOGUE_FILE_MAX (1 << 20)

static const struct field theme_fields[] = {
	{"code", F_STRING, true,
	 "a string of lowercase letters, digits and dashes, e.g. \"mobilite\"",
	 offsetof(struct catalogue_theme, code), 0, NULL, 0},
	{"label", F_STRING, true, "a string, the theme's name",
	 offsetof(struct catalogue_theme, label), 0, NULL, 0},
	{"description", F_STRING, false, "a string describing the theme",
	 offsetof(struct catalogue_theme, description), 0, NULL, 0},
	END_OF_FIELDS,
};

static const struct field catalogue_fields[] = {
	{"title", F_STRING, true, "a string, the catalogue's title",
	 offsetof(struct catalogue, title), 0, NULL, 0},
	{"description", F_STRING, true, "a string describing the catalogue",
	 offsetof(struct catalogue, description), 0, NULL, 0},
	{"publisher", F_OBJECT, true,
	 "an object with \"identifier\", \"name\" and \"type\"",
	 offsetof(struct catalogue, publisher), 0, job_meta_publisher_fields,
	 0},
	{"homepage", F_STRING, false, "a string, the URL of the portal",
	 offsetof(struct catalogue, homepage), 0, NULL, 0},
	{"languages", F_STRING_ARRAY, false, "an array of EU language codes",
	 offsetof(struct catalogue, languages),
	 offsetof(struct catalogue, n_languages), NULL, 0},
	{"licence", F_STRING, true, "a licence code",
	 offsetof(struct catalogue, licence), 0, NULL, 0},
	{"spatial_uris", F_STRING_ARRAY, false,
	 "an array of INSEE URIs, e.g. \"http://id.insee.fr/geo/epci/200069854\"",
	 offsetof(struct catalogue, spatial_uris),
	 offsetof(struct catalogue, n_spatial_uris), NULL, 0},
	{"local_themes", F_OBJECT_ARRAY, false,
	 "an array of objects with \"code\", \"label\" and \"description\"",
	 offsetof(struct catalogue, local_themes),
	 offsetof(struct catalogue, n_local_themes), theme_fields,
	 sizeof(struct catalogue_theme)},
	END_OF_FIELDS,
};

const char *catalogue_path(void)
{
	const char *path = getenv("ODP_CATALOG");

	return path && *path ? path : CATALOGUE_FILE_DEFAULT;
}

static void check_themes(const struct catalogue *cat,
			 struct job_problems *problems)
{
	char at[128];
	size_t i, k;

	for (i = 0; i < cat->n_local_themes; i++) {
		const struct catalogue_theme *t = &cat->local_themes[i];
		if (t->label && !*t->label) {
			snprintf(at, sizeof at, "$.local_themes[%zu].label", i);
			fields_problem(problems, at, "empty label");
		}
		if (!t->code)
			continue;
		snprintf(at, sizeof at, "$.local_themes[%zu].code", i);
		if (!fields_identifier_ok(t->code))
			fields_problem(problems, at,
				       "\"%s\" is not a valid code; expected 1 "
				       "to 63 lowercase letters, digits and "
				       "dashes",
				       t->code);
		for (k = 0; k < i; k++)
			if (cat->local_themes[k].code &&
			    strcmp(cat->local_themes[k].code, t->code) == 0)
				fields_problem(problems, at,
					       "\"%s\" is already the code of "
					       "local theme %zu",
					       t->code, k);
	}
}

static void check_values(const struct catalogue *cat,
			 struct job_problems *problems)
{
	if (cat->title && !*cat->title)
		fields_problem(problems, "$.title", "empty title");
	if (cat->description && !*cat->description)
		fields_problem(problems, "$.description", "empty description");
	job_meta_check_publisher(&cat->publisher, "$.publisher", problems);
	if (cat->homepage)
		fields_check_url(cat->homepage, "$.homepage", problems);
	job_meta_check_languages(cat->languages, cat->n_languages,
				 "$.languages", problems);
	if (cat->licence)
		fields_check_vocab(&vocab_licences, cat->licence, "$.licence",
				   problems);
	job_meta_check_spatial_uris(cat->spatial_uris, cat->n_spatial_uris,
				    "$.spatial_uris", problems);
	check_themes(cat, problems);
}

struct catalogue *catalogue_load(const char *path,
				 struct job_problems *problems)
{
	json_t *root = fields_load_file(path, CATALOGUE_FILE_MAX, problems);
	struct catalogue *cat;
	size_t before = problems->n;

	if (!root)
		return NULL;
	cat = xcalloc(1, sizeof *cat);
	cat->file = xstrdup(path);
	cat->definition = root;
	fields_read(root, catalogue_fields, cat, "$", problems);
	check_values(cat, problems);
	if (problems->n > before) {
		catalogue_free(cat);
		return NULL;
	}
	return cat;
}

static void free_strings(char **items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

void catalogue_free(struct catalogue *cat)
{
	size_t i;

	if (!cat)
		return;
	free(cat->file);
	free(cat->title);
	free(cat->description);
	free(cat->publisher.identifier);
	free(cat->publisher.name);
	free(cat->publisher.homepage);
	free(cat->publisher.email);
	free(cat->publisher.type);
	free(cat->homepage);
	free_strings(cat->languages, cat->n_languages);
	free(cat->licence);
	free_strings(cat->spatial_uris, cat->n_spatial_uris);
	for (i = 0; i < cat->n_local_themes; i++) {
		free(cat->local_themes[i].code);
		free(cat->local_themes[i].label);
		free(cat->local_themes[i].description);
	}
	free(cat->local_themes);
	json_decref(cat->definition);
	free(cat);
}

static const char *publisher_type(const struct job_publisher *p)
{
	return p->type ? p->type : JOB_PUBLISHER_TYPE_DEFAULT;
}

void catalogue_check_job(const struct catalogue *cat, const struct job *job,
			 struct job_problems *problems)
{
	char at[64], allowed[ODP_ERRBUF_SIZE];
	size_t i, k;

	for (i = 0; i < job->n_local_themes; i++) {
		struct sb codes;
		for (k = 0; k < cat->n_local_themes; k++)
			if (strcmp(cat->local_themes[k].code,
				   job->local_themes[i]) == 0)
				break;
		if (k < cat->n_local_themes)
			continue;
		sb_init(&codes, sizeof allowed - 1);
		for (k = 0; k < cat->n_local_themes; k++)
			sb_printf(&codes, "%s%s", k ? ", " : "",
				  cat->local_themes[k].code);
		util_strlcpy(allowed, codes.buf ? codes.buf : "(none)",
			     sizeof allowed);
		sb_free(&codes);
		snprintf(at, sizeof at, "$.local_themes[%zu]", i);
		fields_problem(problems, at,
			       "unknown local theme \"%s\"; expected one of the "
			       "codes of %s: %s",
			       job->local_themes[i], cat->file, allowed);
	}
}

enum odp_status catalogue_upsert_publisher(PGconn *conn,
					   const struct job_publisher *p,
					   bool from_job, int64_t *id,
					   char *errbuf)
{
	const char *params[6] = {p->identifier, p->name, p->homepage, p->email,
				 publisher_type(p), from_job ? "true" : "false"};
	PGresult *res;
	enum odp_status rc = ODP_OK;

	/* An unchanged publisher is not rewritten: RETURNING then yields no
	 * row, and the second branch finds the existing one.  Nor is the
	 * catalogue's publisher from a job: etl/catalog.json describes it,
	 * and a job naming it refers to it. */
	res = db_query(conn,
		       "WITH up AS (INSERT INTO publishers (identifier, name, "
		       "homepage, email, type) VALUES ($1, $2, $3, $4, $5) "
		       "ON CONFLICT (identifier) DO UPDATE SET name = $2, "
		       "homepage = $3, email = $4, type = $5 "
		       "WHERE (publishers.name, publishers.homepage, "
		       "publishers.email, publishers.type) IS DISTINCT FROM "
		       "($2::text, $3::text, $4::text, $5::text) "
		       "AND NOT ($6::bool AND EXISTS (SELECT 1 FROM catalogue c "
		       "WHERE c.publisher_id = publishers.id)) RETURNING id) "
		       "SELECT id FROM up UNION ALL "
		       "SELECT id FROM publishers WHERE identifier = $1 LIMIT 1",
		       6, params, errbuf);
	if (!res)
		return ODP_ERR_DB;
	if (PQntuples(res) != 1 ||
	    !util_parse_int64(PQgetvalue(res, 0, 0), id)) {
		util_seterr(errbuf, "could not find publisher \"%s\" after "
			    "writing it", p->identifier);
		rc = ODP_ERR_DB;
	}
	PQclear(res);
	return rc;
}

enum odp_status catalogue_refresh_extent(PGconn *conn, char *errbuf)
{
	PGresult *res;

	/* The lock first, in its own statement: the aggregate below then
	 * reads a snapshot taken once any other run that recomputed it has
	 * committed (READ COMMITTED), so no run's extent is lost. */
	res = db_query(conn, "SELECT 1 FROM catalogue WHERE id = 1 FOR UPDATE",
		       0, NULL, errbuf);
	if (!res)
		return ODP_ERR_DB;
	PQclear(res);
	/* An aggregate over the datasets' boxes, not their data; unchanged,
	 * the row is not rewritten (nor the catalogue's ETag changed). */
	res = db_query(conn,
		       "UPDATE catalogue c SET spatial = x.extent "
		       "FROM (SELECT ST_SetSRID(ST_Extent(spatial)::geometry, "
		       "4326) AS extent FROM datasets "
		       "WHERE current_version_id IS NOT NULL) x "
		       "WHERE c.id = 1 AND c.spatial IS DISTINCT FROM x.extent",
		       0, NULL, errbuf);
	if (!res)
		return ODP_ERR_DB;
	PQclear(res);
	return ODP_OK;
}

/* The local themes as a JSON array for json_array_elements(), malloc'd. */
static char *themes_json(const struct catalogue *cat)
{
	json_t *list = json_array();
	char *text;
	size_t i;

	for (i = 0; i < cat->n_local_themes; i++) {
		const struct catalogue_theme *t = &cat->local_themes[i];
		json_array_append_new(
			list, json_pack("{s:s, s:s, s:s?}", "code", t->code,
					"label", t->label, "description",
					t->description));
	}
	text = json_dumps(list, JSON_COMPACT);
	json_decref(list);
	return text;
}

static enum odp_status store(PGconn *conn, const struct catalogue *cat,
			     char *errbuf)
{
	static const char *const fra[1] = {"FRA"};
	char pub_id[24];
	char *languages = cat->n_languages
				  ? db_text_array(cat->languages,
						  cat->n_languages)
				  : db_text_array((char *const *)fra, 1);
	char *spatial = db_text_array(cat->spatial_uris, cat->n_spatial_uris);
	char *themes = themes_json(cat);
	const char *p[8];
	int64_t publisher_id;
	PGresult *res = NULL;
	enum odp_status rc;

	rc = catalogue_upsert_publisher(conn, &cat->publisher, false,
					&publisher_id, errbuf);
	if (rc != ODP_OK)
		goto out;
	util_format_int64(publisher_id, pub_id);
	p[0] = cat->title;
	p[1] = cat->description;
	p[2] = pub_id;
	p[3] = cat->homepage;
	p[4] = languages;
	p[5] = cat->licence;
	p[6] = spatial;
	rc = ODP_ERR_DB;
	res = db_query(conn,
		       "INSERT INTO catalogue (id, title, description, "
		       "publisher_id, homepage, languages, licence, "
		       "spatial_uris) VALUES (1, $1, $2, $3::int8, $4, "
		       "$5::text[], $6, $7::text[]) "
		       "ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title, "
		       "description = EXCLUDED.description, "
		       "publisher_id = EXCLUDED.publisher_id, "
		       "homepage = EXCLUDED.homepage, "
		       "languages = EXCLUDED.languages, "
		       "licence = EXCLUDED.licence, "
		       "spatial_uris = EXCLUDED.spatial_uris "
		       "WHERE (catalogue.title, catalogue.description, "
		       "catalogue.publisher_id, catalogue.homepage, "
		       "catalogue.languages, catalogue.licence, "
		       "catalogue.spatial_uris) IS DISTINCT FROM "
		       "(EXCLUDED.title, EXCLUDED.description, "
		       "EXCLUDED.publisher_id, EXCLUDED.homepage, "
		       "EXCLUDED.languages, EXCLUDED.licence, "
		       "EXCLUDED.spatial_uris)",
		       7, p, errbuf);
	if (!res)
		goto out;
	PQclear(res);
	p[0] = themes;
	res = db_query(conn,
		       "WITH t AS (SELECT e->>'code' AS code, "
		       "e->>'label' AS label, e->>'description' AS description "
		       "FROM json_array_elements($1::json) e), "
		       "gone AS (DELETE FROM local_themes "
		       "WHERE code NOT IN (SELECT code FROM t)) "
		       "INSERT INTO local_themes (code, label, description) "
		       "SELECT code, label, description FROM t "
		       "ON CONFLICT (code) DO UPDATE SET label = EXCLUDED.label, "
		       "description = EXCLUDED.description "
		       "WHERE (local_themes.label, local_themes.description) "
		       "IS DISTINCT FROM (EXCLUDED.label, EXCLUDED.description)",
		       1, p, errbuf);
	if (res)
		rc = catalogue_refresh_extent(conn, errbuf);
out:
	PQclear(res);
	free(languages);
	free(spatial);
	free(themes);
	return rc;
}

enum odp_status catalogue_store(PGconn *conn, const struct catalogue *cat,
				char *errbuf)
{
	enum odp_status rc;

	if (db_exec(conn, "BEGIN", errbuf) != ODP_OK)
		return ODP_ERR_DB;
	rc = store(conn, cat, errbuf);
	if (rc == ODP_OK)
		rc = db_exec(conn, "COMMIT", errbuf);
	if (rc != ODP_OK)
		PQclear(PQexec(conn, "ROLLBACK"));
	return rc;
}
