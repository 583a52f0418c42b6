/*
 * job.c: reading and validating job files (see job.h).
 *
 * Validation is driven by tables of expected keys (catalog/fields.h): each
 * entry names the key, its JSON type, whether it is required, what a person
 * should write there and where the value goes in struct job.  Values of the
 * right type are then checked here (source, transform, schedule) and in
 * catalog/job_meta.c (the DCAT metadata).
 */
#include "job.h"

#include "cron.h"
#include "fields.h"
#include "job_meta.h"

#include "sb.h"
#include "util.h"
#include "vocab.h"

#include <dirent.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The many checks below record their problems through fields_problem(). */
#define add_problem fields_problem

static const struct field paging_fields[] = {
	{"type", F_STRING, true, "\"next\", \"page\" or \"offset\"",
	 offsetof(struct job_paging, type), 0, NULL, 0},
	{"next", F_STRING, false,
	 "a JSON pointer to the next page's URL in a page, e.g. \"/links/next\"",
	 offsetof(struct job_paging, next), 0, NULL, 0},
	{"param", F_STRING, false,
	 "the query parameter holding the page number or offset",
	 offsetof(struct job_paging, param), 0, NULL, 0},
	{"size_param", F_STRING, false,
	 "the query parameter holding the page size",
	 offsetof(struct job_paging, size_param), 0, NULL, 0},
	{"size", F_INTEGER, false, "an integer, records per page",
	 offsetof(struct job_paging, size), 0, NULL, 0},
	{"start", F_INTEGER, false, "an integer, the first page or offset",
	 offsetof(struct job_paging, start), 0, NULL, 0},
	{"max_pages", F_INTEGER, false, "an integer, a bound on the pages read",
	 offsetof(struct job_paging, max_pages), 0, NULL, 0},
	END_OF_FIELDS,
};

static const struct field incremental_fields[] = {
	{"column", F_STRING, true,
	 "the column that grows with each change, e.g. \"updated_at\"",
	 offsetof(struct job_incremental, column), 0, NULL, 0},
	{"key", F_STRING, true, "the column that identifies a row",
	 offsetof(struct job_incremental, key), 0, NULL, 0},
	{"full_every", F_INTEGER, false,
	 "an integer from 1 to 100000: every Nth run reads every row, so that "
	 "deleted rows disappear (default 24)",
	 offsetof(struct job_incremental, full_every), 0, NULL, 0},
	END_OF_FIELDS,
};

static const struct field source_fields[] = {
	{"kind", F_STRING, true, "\"gdal\", \"sql\" or \"http-json\"",
	 offsetof(struct job_source, kind), 0, NULL, 0},
	{"connection", F_STRING, false,
	 "a connection string for the service database; ${VAR} for secrets",
	 offsetof(struct job_source, connection), 0, NULL, 0},
	{"query", F_STRING, false, "the SELECT query to run",
	 offsetof(struct job_source, query), 0, NULL, 0},
	{"incremental", F_OBJECT, false,
	 "an object with \"column\" and \"key\"",
	 offsetof(struct job_source, incremental), 0, incremental_fields, 0},
	{"url", F_STRING, false, "the URL of the first page; ${VAR} allowed",
	 offsetof(struct job_source, url), 0, NULL, 0},
	{"records", F_STRING, false,
	 "a JSON pointer to the array of records in a page, e.g. \"/results\"",
	 offsetof(struct job_source, records), 0, NULL, 0},
	{"geometry", F_STRING, false,
	 "where a record's geometry is: a JSON pointer (http-json) or a "
	 "column (sql)",
	 offsetof(struct job_source, geometry), 0, NULL, 0},
	{"paging", F_OBJECT, false, "an object describing the paging",
	 offsetof(struct job_source, paging), 0, paging_fields, 0},
	{"headers", F_HEADERS, false,
	 "an object of header names and values; ${VAR} for tokens",
	 offsetof(struct job_source, headers),
	 offsetof(struct job_source, n_headers), NULL, 0},
	{"request_timeout", F_INTEGER, false, "an integer, seconds per request",
	 offsetof(struct job_source, request_timeout), 0, NULL, 0},
	{"request_retries", F_INTEGER, false,
	 "an integer, retries on timeouts, 429 and 5xx answers",
	 offsetof(struct job_source, request_retries), 0, NULL, 0},
	{"path", F_STRING, false,
	 "a string, the source file (relative to the job file) or a GDAL "
	 "connection string",
	 offsetof(struct job_source, path), 0, NULL, 0},
	{"layer", F_STRING, false, "a string, the layer name in the source",
	 offsetof(struct job_source, layer), 0, NULL, 0},
	{"srs", F_STRING, false,
	 "a string, the source's CRS when it does not declare one, "
	 "e.g. \"EPSG:2154\"",
	 offsetof(struct job_source, srs), 0, NULL, 0},
	{"x", F_STRING, false, "a string, the column holding the longitude or X",
	 offsetof(struct job_source, x_column), 0, NULL, 0},
	{"y", F_STRING, false, "a string, the column holding the latitude or Y",
	 offsetof(struct job_source, y_column), 0, NULL, 0},
	{"keep_z", F_BOOLEAN, false,
	 "true to publish the geometries' Z (heights), dropped by default",
	 offsetof(struct job_source, keep_z), 0, NULL, 0},
	{"config_options", F_STRING_ARRAY, false,
	 "an array of \"KEY=VALUE\" GDAL configuration options",
	 offsetof(struct job_source, config_options),
	 offsetof(struct job_source, n_config_options), NULL, 0},
	{"latlon", F_STRING, false,
	 "a string, the column holding \"latitude, longitude\" text",
	 offsetof(struct job_source, latlon_column), 0, NULL, 0},
	{"open_options", F_STRING_ARRAY, false,
	 "an array of \"KEY=VALUE\" strings passed to GDAL",
	 offsetof(struct job_source, open_options),
	 offsetof(struct job_source, n_open_options), NULL, 0},
	END_OF_FIELDS,
};

static const struct field transform_fields[] = {
	{"drop", F_STRING_ARRAY, false, "an array of source column names",
	 offsetof(struct job_transform, drop),
	 offsetof(struct job_transform, n_drop), NULL, 0},
	{"personal", F_HEADERS, false,
	 "an object: source column -> \"hash\" or \"drop\"",
	 offsetof(struct job_transform, personal),
	 offsetof(struct job_transform, n_personal), NULL, 0},
	{"cast", F_HEADERS, false,
	 "an object: source column -> integer, real, text, date, timestamp "
	 "or boolean",
	 offsetof(struct job_transform, cast),
	 offsetof(struct job_transform, n_cast), NULL, 0},
	{"rename", F_HEADERS, false,
	 "an object: source column -> published name",
	 offsetof(struct job_transform, rename),
	 offsetof(struct job_transform, n_rename), NULL, 0},
	{"filter", F_STRING, false,
	 "an expression keeping the rows where it is true, e.g. "
	 "\"commune = 'Poitiers'\"",
	 offsetof(struct job_transform, filter), 0, NULL, 0},
	{"derive", F_HEADERS, false,
	 "an object: new column -> expression",
	 offsetof(struct job_transform, derive),
	 offsetof(struct job_transform, n_derive), NULL, 0},
	END_OF_FIELDS,
};

static const struct field job_fields[] = {
	{"identifier", F_STRING, true,
	 "a string of lowercase letters, digits and dashes, e.g. "
	 "\"parkings-poitiers\"",
	 offsetof(struct job, identifier), 0, NULL, 0},
	{"title", F_STRING, true, "a string, the dataset's title",
	 offsetof(struct job, title), 0, NULL, 0},
	{"description", F_STRING, true, "a string describing the dataset",
	 offsetof(struct job, description), 0, NULL, 0},
	{"publisher", F_OBJECT, true,
	 "an object with \"identifier\" and \"name\"",
	 offsetof(struct job, publisher), 0, job_meta_publisher_fields, 0},
	{"themes", F_STRING_ARRAY, false, "an array of EU data-theme codes",
	 offsetof(struct job, themes), offsetof(struct job, n_themes), NULL, 0},
	{"keywords", F_STRING_ARRAY, false, "an array of strings",
	 offsetof(struct job, keywords), offsetof(struct job, n_keywords),
	 NULL, 0},
	{"licence", F_STRING, true, "a licence code",
	 offsetof(struct job, licence), 0, NULL, 0},
	{"frequency", F_STRING, false, "an update frequency code",
	 offsetof(struct job, frequency), 0, NULL, 0},
	{"contact", F_OBJECT, false,
	 "an object with \"name\", \"email\" and \"url\"",
	 offsetof(struct job, contact), 0, job_meta_contact_fields, 0},
	{"local_themes", F_STRING_ARRAY, false,
	 "an array of codes of the local themes of etl/catalog.json",
	 offsetof(struct job, local_themes),
	 offsetof(struct job, n_local_themes), NULL, 0},
	{"access_rights", F_STRING, false, "an EU access-right code",
	 offsetof(struct job, access_rights), 0, NULL, 0},
	{"languages", F_STRING_ARRAY, false, "an array of EU language codes",
	 offsetof(struct job, languages), offsetof(struct job, n_languages),
	 NULL, 0},
	{"conforms_to", F_STRING_ARRAY, false,
	 "an array of schema URLs, e.g. from schema.data.gouv.fr",
	 offsetof(struct job, conforms_to),
	 offsetof(struct job, n_conforms_to), NULL, 0},
	{"spatial_uris", F_STRING_ARRAY, false,
	 "an array of INSEE URIs, e.g. \"http://id.insee.fr/geo/commune/86194\"",
	 offsetof(struct job, spatial_uris),
	 offsetof(struct job, n_spatial_uris), NULL, 0},
	{"temporal", F_OBJECT, false,
	 "an object: {\"column\": \"date_maj\"} or {\"start\": "
	 "\"2020-01-01\", \"end\": \"2024-12-31\"}",
	 offsetof(struct job, temporal), 0, job_meta_temporal_fields, 0},
	{"landing_page", F_STRING, false,
	 "a string, the URL of the dataset's web page",
	 offsetof(struct job, landing_page), 0, NULL, 0},
	{"documentation", F_STRING, false,
	 "a string, the URL of the dataset's documentation",
	 offsetof(struct job, documentation), 0, NULL, 0},
	{"hvd", F_OBJECT, false,
	 "an object with \"categories\" and \"legislation\"",
	 offsetof(struct job, hvd), 0, job_meta_hvd_fields, 0},
	{"distributions", F_OBJECT_ARRAY, false,
	 "an array of objects with \"identifier\", \"title\", \"url\" and "
	 "\"format\"",
	 offsetof(struct job, distributions),
	 offsetof(struct job, n_distributions), job_meta_distribution_fields,
	 sizeof(struct job_distribution)},
	{"schedule", F_STRING, false,
	 "a cron expression of five fields, e.g. \"0 3 * * *\"",
	 offsetof(struct job, schedule), 0, NULL, 0},
	{"key", F_STRING, false,
	 "a string, the source column that identifies a record",
	 offsetof(struct job, key), 0, NULL, 0},
	{"transform", F_OBJECT, false,
	 "an object with drop, personal, cast, rename, filter, derive",
	 offsetof(struct job, transform), 0, transform_fields, 0},
	{"source", F_OBJECT, true, "an object describing where the data are",
	 offsetof(struct job, source), 0, source_fields, 0},
	{"schema_policy", F_STRING, false,
	 "\"accept\" (publish changed columns and report them) or \"fail\" "
	 "(refuse any change of the columns)",
	 offsetof(struct job, schema_policy), 0, NULL, 0},
	{"max_rejected", F_INTEGER, false,
	 "an integer, the rejected rows a run accepts before it fails "
	 "(0: any rejected row fails the run)",
	 offsetof(struct job, max_rejected), 0, NULL, 0},
	{"keep_versions", F_INTEGER, false,
	 "an integer from 1 to 100, the versions kept queryable (the "
	 "published one included)",
	 offsetof(struct job, keep_versions), 0, NULL, 0},
	{"timeout", F_INTEGER, false,
	 "an integer from 1 to 604800, the seconds a scheduled run may take "
	 "before it is stopped",
	 offsetof(struct job, timeout), 0, NULL, 0},
	{"retries", F_INTEGER, false,
	 "an integer from 0 to 20, how many times a failed scheduled run is "
	 "tried again",
	 offsetof(struct job, retries), 0, NULL, 0},
	END_OF_FIELDS,
};

bool job_cron_check(const char *s, char *why)
{
	struct cron c;

	return cron_parse(s, &c, why);
}

static bool list_files(const char *dir, int depth, char ***paths, size_t *n)
{
	DIR *d = opendir(dir);
	struct dirent *e;
	struct stat st;
	struct sb path;

	if (!d)
		return false;
	sb_init(&path, 4096);
	while ((e = readdir(d)) != NULL && *n < JOB_FILES_MAX) {
		size_t len = strlen(e->d_name);
		if (e->d_name[0] == '.')
			continue;
		sb_reset(&path);
		sb_printf(&path, "%s/%s", dir, e->d_name);
		if (sb_failed(&path) || stat(path.buf, &st) != 0)
			continue;
		if (S_ISDIR(st.st_mode)) {
			if (depth < JOB_FILES_DEPTH)
				list_files(path.buf, depth + 1, paths, n);
		} else if (S_ISREG(st.st_mode) && len > 5 &&
			   strcmp(e->d_name + len - 5, ".json") == 0) {
			*paths = xrealloc(*paths, (*n + 1) * sizeof **paths);
			(*paths)[(*n)++] = sb_steal(&path);
		}
	}
	closedir(d);
	sb_free(&path);
	return true;
}

bool job_list_files(const char *dir, char ***paths, size_t *n)
{
	return list_files(dir, 0, paths, n);
}

char *job_expand_env(const char *s, char *errbuf)
{
	struct sb out;
	const char *p = s, *end, *value;
	char name[128];
	size_t len;

	sb_init(&out, 0);
	while ((end = strstr(p, "${")) != NULL) {
		sb_append(&out, p, (size_t)(end - p));
		p = end + 2;
		end = strchr(p, '}');
		len = end ? (size_t)(end - p) : 0;
		if (!end || len == 0 || len >= sizeof name) {
			util_seterr(errbuf, "malformed ${...} reference; expected "
				    "${NAME} with NAME an environment variable");
			sb_free(&out);
			return NULL;
		}
		memcpy(name, p, len);
		name[len] = '\0';
		value = getenv(name);
		if (!value) {
			util_seterr(errbuf, "environment variable %s is not set; "
				    "the job file refers to it as ${%s}", name,
				    name);
			sb_free(&out);
			return NULL;
		}
		sb_puts(&out, value);
		p = end + 1;
	}
	sb_puts(&out, p);
	return sb_steal(&out);
}

/* What each source kind needs, and what it cannot take. */
static void check_source(const struct job_source *src,
			 struct job_problems *problems)
{
	const struct job_paging *pg = &src->paging;

	if (!src->kind)
		return;
	if (strcmp(src->kind, "gdal") == 0) {
		if (!src->path)
			add_problem(problems, "$.source.path",
				    "missing key; a gdal source needs the file "
				    "or GDAL connection string to open");
		else if (!*src->path)
			add_problem(problems, "$.source.path", "empty path");
	} else if (strcmp(src->kind, "sql") == 0) {
		if (!src->connection)
			add_problem(problems, "$.source.connection",
				    "missing key; a sql source needs the "
				    "database's connection string");
		if (!src->query)
			add_problem(problems, "$.source.query",
				    "missing key; a sql source needs the query "
				    "to run");
		if (src->incremental.full_every < 0 ||
		    src->incremental.full_every > JOB_FULL_EVERY_MAX)
			add_problem(problems, "$.source.incremental.full_every",
				    "%lld is out of range; expected 1 to %d",
				    (long long)src->incremental.full_every,
				    JOB_FULL_EVERY_MAX);
	} else if (strcmp(src->kind, "http-json") == 0) {
		if (!src->url)
			add_problem(problems, "$.source.url",
				    "missing key; an http-json source needs the "
				    "URL of its first page");
		if (src->records && src->records[0] && src->records[0] != '/')
			add_problem(problems, "$.source.records",
				    "\"%s\" is not a JSON pointer; expected "
				    "\"\" or a path starting with \"/\"",
				    src->records);
	} else {
		add_problem(problems, "$.source.kind",
			    "unknown source kind \"%s\"; expected \"gdal\", "
			    "\"sql\" or \"http-json\"", src->kind);
	}
	if (pg->type) {
		if (strcmp(pg->type, "next") == 0) {
			if (!pg->next)
				add_problem(problems, "$.source.paging.next",
					    "missing key; \"next\" paging needs "
					    "the JSON pointer to the next URL");
		} else if (strcmp(pg->type, "page") == 0 ||
			   strcmp(pg->type, "offset") == 0) {
			if (!pg->param)
				add_problem(problems, "$.source.paging.param",
					    "missing key; \"%s\" paging needs "
					    "the query parameter to set",
					    pg->type);
		} else {
			add_problem(problems, "$.source.paging.type",
				    "unknown paging \"%s\"; expected \"next\", "
				    "\"page\" or \"offset\"", pg->type);
		}
		if (pg->size < 0 || pg->size > 100000)
			add_problem(problems, "$.source.paging.size",
				    "%lld is out of range; expected 0 to 100000",
				    (long long)pg->size);
		if (pg->max_pages < 0 || pg->max_pages > 1000000)
			add_problem(problems, "$.source.paging.max_pages",
				    "%lld is out of range; expected 0 to 1000000",
				    (long long)pg->max_pages);
	}
	if (src->request_timeout < 0 || src->request_timeout > 3600)
		add_problem(problems, "$.source.request_timeout",
			    "%lld is out of range; expected 1 to 3600 seconds",
			    (long long)src->request_timeout);
	if (src->request_retries < -1 || src->request_retries > 10)
		add_problem(problems, "$.source.request_retries",
			    "%lld is out of range; expected 0 to 10",
			    (long long)src->request_retries);
}

/* Transform values that can be checked without the source: the
 * column names are checked when the source is opened. */
static void check_transform(const struct job_transform *t,
			    struct job_problems *problems)
{
	static const char *const types[] = {"integer", "real", "text", "date",
					    "timestamp", "boolean"};
	char path[300];
	size_t i, k;

	for (i = 0; i < t->n_personal; i++) {
		if (strcmp(t->personal[i].value, "hash") != 0 &&
		    strcmp(t->personal[i].value, "drop") != 0) {
			snprintf(path, sizeof path, "$.transform.personal.%s",
				 t->personal[i].name);
			add_problem(problems, path, "unknown treatment \"%s\"; "
				    "expected \"hash\" or \"drop\"",
				    t->personal[i].value);
		}
	}
	for (i = 0; i < t->n_cast; i++) {
		for (k = 0; k < sizeof types / sizeof types[0]; k++)
			if (strcmp(t->cast[i].value, types[k]) == 0)
				break;
		if (k == sizeof types / sizeof types[0]) {
			snprintf(path, sizeof path, "$.transform.cast.%s",
				 t->cast[i].name);
			add_problem(problems, path, "unknown type \"%s\"; "
				    "expected one of: integer, real, text, date, "
				    "timestamp, boolean", t->cast[i].value);
		}
	}
	for (i = 0; i < t->n_rename; i++) {
		if (!*t->rename[i].value) {
			snprintf(path, sizeof path, "$.transform.rename.%s",
				 t->rename[i].name);
			add_problem(problems, path, "empty name");
		}
	}
}

/* Checks values that have the right JSON type but may still be wrong. */
static void check_values(struct job *job, struct job_problems *problems)
{
	char why[ODP_ERRBUF_SIZE], path[64];
	size_t i;

	if (job->identifier && !fields_identifier_ok(job->identifier))
		add_problem(problems, "$.identifier",
			    "\"%s\" is not a valid identifier; expected 1 to 63 "
			    "lowercase letters, digits and dashes, starting "
			    "with a letter or digit", job->identifier);
	if (job->title && !*job->title)
		add_problem(problems, "$.title", "empty title");
	if (job->licence)
		fields_check_vocab(&vocab_licences, job->licence, "$.licence",
			    problems);
	if (job->frequency)
		fields_check_vocab(&vocab_frequencies, job->frequency, "$.frequency",
			    problems);
	for (i = 0; i < job->n_themes; i++) {
		snprintf(path, sizeof path, "$.themes[%zu]", i);
		fields_check_vocab(&vocab_themes, job->themes[i], path, problems);
	}
	if (job->schedule && !job_cron_check(job->schedule, why))
		add_problem(problems, "$.schedule", "%s", why);
	job_meta_check(job, problems);
	check_source(&job->source, problems);
	if (job->source.incremental.column && job->source.kind &&
	    strcmp(job->source.kind, "sql") != 0)
		add_problem(problems, "$.source.incremental",
			    "only a sql source can be harvested incrementally");
	if (job->source.incremental.key && job->key &&
	    strcmp(job->source.incremental.key, job->key) != 0)
		add_problem(problems, "$.key",
			    "\"%s\" is not the incremental key \"%s\"; rows "
			    "are upserted by the record's key, so the two must "
			    "be the same column (or leave \"key\" out)",
			    job->key, job->source.incremental.key);
	check_transform(&job->transform, problems);
	if (job->schema_policy && strcmp(job->schema_policy, "accept") != 0 &&
	    strcmp(job->schema_policy, "fail") != 0)
		add_problem(problems, "$.schema_policy",
			    "unknown schema policy \"%s\"; expected one of: "
			    "accept, fail", job->schema_policy);
	if (job->max_rejected < -1)
		add_problem(problems, "$.max_rejected",
			    "%lld is out of range; expected 0 or more",
			    (long long)job->max_rejected);
	if (job->keep_versions < JOB_KEEP_VERSIONS_MIN ||
	    job->keep_versions > JOB_KEEP_VERSIONS_MAX)
		add_problem(problems, "$.keep_versions",
			    "%lld is out of range; expected %d to %d",
			    (long long)job->keep_versions,
			    JOB_KEEP_VERSIONS_MIN, JOB_KEEP_VERSIONS_MAX);
	if (json_is_integer(json_object_get(job->definition, "timeout")) &&
	    (job->timeout < 1 || job->timeout > JOB_TIMEOUT_MAX))
		add_problem(problems, "$.timeout",
			    "%lld is out of range; expected 1 to %d seconds",
			    (long long)job->timeout, JOB_TIMEOUT_MAX);
	if (json_is_integer(json_object_get(job->definition, "retries")) &&
	    (job->retries < 0 || job->retries > JOB_RETRIES_MAX))
		add_problem(problems, "$.retries",
			    "%lld is out of range; expected 0 to %d",
			    (long long)job->retries, JOB_RETRIES_MAX);
	if (job->source.latlon_column && job->source.x_column)
		add_problem(problems, "$.source.latlon",
			    "give either \"latlon\" or \"x\" and \"y\", not both");
	if (!job->source.x_column != !job->source.y_column)
		add_problem(problems, job->source.x_column ? "$.source.y"
							   : "$.source.x",
			    "\"x\" and \"y\" go together; give both columns or "
			    "neither");
	for (i = 0; i < job->source.n_config_options; i++) {
		if (!strchr(job->source.config_options[i], '=')) {
			snprintf(path, sizeof path,
				 "$.source.config_options[%zu]", i);
			add_problem(problems, path, "\"%s\" is not KEY=VALUE",
				    job->source.config_options[i]);
		}
	}
	for (i = 0; i < job->source.n_open_options; i++) {
		if (!strchr(job->source.open_options[i], '=')) {
			snprintf(path, sizeof path, "$.source.open_options[%zu]",
				 i);
			add_problem(problems, path,
				    "\"%s\" is not KEY=VALUE",
				    job->source.open_options[i]);
		}
	}
}

/* Relative source paths are relative to the job file's folder; GDAL
 * connection strings ("PG:...", "/vsicurl/...", "https://...") are kept. */
static char *resolve_source_path(const char *job_file, const char *path)
{
	const char *slash;
	struct sb sb;

	if (path[0] == '/' || strchr(path, ':') || strncmp(path, "/vsi", 4) == 0)
		return xstrdup(path);
	slash = strrchr(job_file, '/');
	if (!slash)
		return xstrdup(path);
	sb_init(&sb, 0);
	sb_append(&sb, job_file, (size_t)(slash - job_file) + 1);
	sb_puts(&sb, path);
	return sb_steal(&sb);
}

struct job *job_load(const char *path, struct job_problems *problems)
{
	struct job *job;
	json_t *root = fields_load_file(path, JOB_FILE_MAX, problems);

	if (!root)
		return NULL;
	job = xcalloc(1, sizeof *job);
	job->source.request_retries = -1;
	job->keep_versions = JOB_KEEP_VERSIONS_DEFAULT;
	job->max_rejected = -1;
	job->retries = -1;
	job->file = xstrdup(path);
	job->definition = root;
	size_t before = problems->n;
	fields_read(root, job_fields, job, "$", problems);
	check_values(job, problems);
	if (problems->n > before) {
		job_free(job);
		return NULL;
	}
	if (job->source.path)
		job->source.resolved_path =
			resolve_source_path(path, job->source.path);
	/* Incremental rows are upserted by the record's key. */
	if (!job->key && job->source.incremental.key)
		job->key = xstrdup(job->source.incremental.key);
	return job;
}

static void free_strings(char **items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

static void free_pairs(struct job_header *pairs, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++) {
		free(pairs[i].name);
		free(pairs[i].value);
	}
	free(pairs);
}

void job_free(struct job *job)
{
	if (!job)
		return;
	free(job->file);
	free(job->identifier);
	free(job->title);
	free(job->description);
	free(job->publisher.identifier);
	free(job->publisher.name);
	free(job->publisher.homepage);
	free(job->publisher.email);
	job_meta_free(job);
	free_strings(job->themes, job->n_themes);
	free_strings(job->keywords, job->n_keywords);
	free(job->licence);
	free(job->frequency);
	free(job->schedule);
	free(job->key);
	free(job->schema_policy);
	free(job->source.kind);
	free(job->source.path);
	free(job->source.resolved_path);
	free(job->source.layer);
	free(job->source.srs);
	free(job->source.x_column);
	free(job->source.y_column);
	free(job->source.latlon_column);
	free_strings(job->source.open_options, job->source.n_open_options);
	free_strings(job->source.config_options, job->source.n_config_options);
	free(job->source.connection);
	free(job->source.query);
	free(job->source.incremental.column);
	free(job->source.incremental.key);
	free(job->source.url);
	free(job->source.records);
	free(job->source.geometry);
	free(job->source.paging.type);
	free(job->source.paging.next);
	free(job->source.paging.param);
	free(job->source.paging.size_param);
	free_pairs(job->source.headers, job->source.n_headers);
	free_strings(job->transform.drop, job->transform.n_drop);
	free_pairs(job->transform.personal, job->transform.n_personal);
	free_pairs(job->transform.cast, job->transform.n_cast);
	free_pairs(job->transform.rename, job->transform.n_rename);
	free(job->transform.filter);
	free_pairs(job->transform.derive, job->transform.n_derive);
	json_decref(job->definition);
	free(job);
}

void job_problems_free(struct job_problems *problems)
{
	size_t i;

	for (i = 0; i < problems->n; i++) {
		free(problems->items[i].json_path);
		free(problems->items[i].message);
	}
	free(problems->items);
	problems->items = NULL;
	problems->n = 0;
}
