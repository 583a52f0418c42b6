/* test_job.c: job file validation (catalog/job.c). */
#include "catalogue.h"
#include "fields.h"
#include "job.h"
#include "job_meta.h"
#include "unit.h"
#include "util.h"

#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

static const char *write_tmp(const char *text)
{
	static char path[64];
	FILE *f;
	int fd;

	snprintf(path, sizeof path, "/tmp/odp-unit-job-XXXXXX");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	fputs(text, f);
	fclose(f);
	return path;
}

/* True when one of the problems is at json_path and mentions needle. */
static int has_problem(const struct job_problems *pr, const char *json_path,
		       const char *needle)
{
	size_t i;

	for (i = 0; i < pr->n; i++)
		if (strcmp(pr->items[i].json_path, json_path) == 0 &&
		    strstr(pr->items[i].message, needle))
			return 1;
	return 0;
}

#define VALID_JOB                                                       \
	"{\"identifier\": \"parkings\", \"title\": \"Parkings\","       \
	" \"description\": \"Les parkings.\","                          \
	" \"publisher\": {\"identifier\": \"gp\", \"name\": \"GP\"},"  \
	" \"licence\": \"etalab-2.0\", \"schedule\": \"*/5 * * * *\","  \
	" \"source\": {\"kind\": \"gdal\", \"path\": \"data/p.geojson\"}}"

void test_job_valid_file_loads(void)
{
	struct job_problems pr = {0};
	const char *path = write_tmp(VALID_JOB);
	struct job *job = job_load(path, &pr);

	CHECK(job != NULL);
	CHECK(pr.n == 0);
	if (job) {
		CHECK_STR(job->identifier, "parkings");
		CHECK_STR(job->source.resolved_path, "/tmp/data/p.geojson");
	}
	job_free(job);
	job_problems_free(&pr);
	unlink(path);
}

void test_job_reports_every_problem_with_its_path(void)
{
	struct job_problems pr = {0};
	const char *path = write_tmp(
		"{\"identifier\": \"Parkings!\", \"titel\": \"x\","
		" \"description\": 3,"
		" \"publisher\": {\"identifier\": \"gp\"},"
		" \"licence\": \"etalab\", \"themes\": [\"TRANS\"],"
		" \"schedule\": \"0 25 * * *\","
		" \"source\": {\"kind\": \"gdal\", \"x\": \"lon\"}}");
	struct job *job = job_load(path, &pr);

	CHECK(job == NULL);
	CHECK(has_problem(&pr, "$.titel", "unknown key"));
	CHECK(has_problem(&pr, "$.title", "missing key"));
	CHECK(has_problem(&pr, "$.description", "found a number; expected a string"));
	CHECK(has_problem(&pr, "$.publisher.name", "missing key"));
	CHECK(has_problem(&pr, "$.licence", "etalab-2.0, odbl-1.0"));
	CHECK(has_problem(&pr, "$.themes[0]", "unknown theme \"TRANS\""));
	CHECK(has_problem(&pr, "$.schedule", "hour"));
	CHECK(has_problem(&pr, "$.identifier", "not a valid identifier"));
	CHECK(has_problem(&pr, "$.source.path", "missing key"));
	CHECK(has_problem(&pr, "$.source.y", "go together"));
	job_problems_free(&pr);
	unlink(path);
}

void test_job_invalid_json_names_line_and_column(void)
{
	struct job_problems pr = {0};
	const char *path = write_tmp("{\n  \"identifier\": \"x\",\n  oops\n}");
	struct job *job = job_load(path, &pr);

	CHECK(job == NULL);
	CHECK(pr.n == 1 && strstr(pr.items[0].message, "line 3"));
	job_problems_free(&pr);
	unlink(path);
}

void test_job_missing_file(void)
{
	struct job_problems pr = {0};

	CHECK(job_load("/nonexistent/job.json", &pr) == NULL);
	CHECK(pr.n == 1 && strstr(pr.items[0].message, "No such file"));
	job_problems_free(&pr);
}

void test_job_cron_check(void)
{
	char why[ODP_ERRBUF_SIZE];

	CHECK(job_cron_check("0 3 * * *", why));
	CHECK(job_cron_check("*/15 8-18 * * 1-5", why));
	CHECK(job_cron_check("0,30 * 1,15 1-12/3 0", why));
	CHECK(!job_cron_check("0 3 * *", why));
	CHECK(!job_cron_check("60 * * * *", why));
	CHECK(!job_cron_check("* * 0 * *", why));
	CHECK(!job_cron_check("5-1 * * * *", why));
	CHECK(!job_cron_check("a * * * *", why));
}

/* A job with every metadata key, and the file it is written to. */
#define META_JOB(extra)                                                     \
	"{\"identifier\": \"parkings\", \"title\": \"Parkings\","           \
	" \"description\": \"Les parkings.\","                              \
	" \"publisher\": {\"identifier\": \"gp\", \"name\": \"GP\","        \
	"  \"type\": \"LocalAuthority\", \"homepage\": \"https://gp.fr\"}," \
	" \"licence\": \"etalab-2.0\","                                     \
	" \"source\": {\"kind\": \"gdal\", \"path\": \"p.geojson\"}" extra "}"

void test_job_metadata_keys_load(void)
{
	struct job_problems pr = {0};
	const char *path = write_tmp(META_JOB(
		", \"contact\": {\"name\": \"Service\", \"email\": \"a@gp.fr\"},"
		" \"local_themes\": [\"mobilite\"], \"access_rights\": \"PUBLIC\","
		" \"languages\": [\"FRA\", \"OCI\"],"
		" \"conforms_to\": [\"https://schema.data.gouv.fr/x/\"],"
		" \"spatial_uris\": [\"http://id.insee.fr/geo/epci/200069854\","
		"  \"http://id.insee.fr/geo/commune/2A004\"],"
		" \"temporal\": {\"start\": \"2020-01-01\", \"end\": \"2024-02-29\"},"
		" \"landing_page\": \"https://data.gp.fr/p\","
		" \"documentation\": \"http://data.gp.fr/p/doc\","
		" \"hvd\": {\"categories\": [\"mobility\"]},"
		" \"distributions\": [{\"identifier\": \"notice\", \"title\": \"N\","
		"  \"url\": \"https://gp.fr/n.pdf\", \"format\": \"PDF\","
		"  \"description\": \"La notice\"},"
		"  {\"identifier\": \"archive\", \"title\": \"A\","
		"  \"url\": \"https://gp.fr/a.zip\", \"format\": \"ZIP\","
		"  \"media_type\": \"application/zip\"}]"));
	struct job *job = job_load(path, &pr);

	CHECK(job != NULL);
	CHECK(pr.n == 0);
	for (size_t i = 0; i < pr.n; i++)
		printf("  %s: %s\n", pr.items[i].json_path, pr.items[i].message);
	if (job) {
		CHECK_STR(job->publisher.type, "LocalAuthority");
		CHECK_STR(job->contact.email, "a@gp.fr");
		CHECK(job->n_languages == 2 && strcmp(job->languages[1], "OCI") == 0);
		CHECK(job->n_spatial_uris == 2);
		CHECK_STR(job->temporal.end, "2024-02-29");
		CHECK(job->hvd.n_categories == 1 && job->hvd.n_legislation == 0);
		CHECK(job->n_distributions == 2);
		if (job->n_distributions == 2) {
			CHECK_STR(job->distributions[0].identifier, "notice");
			CHECK_STR(job->distributions[0].description, "La notice");
			CHECK(job->distributions[0].media_type == NULL);
			CHECK_STR(job->distributions[1].format, "ZIP");
		}
	}
	job_free(job);
	job_problems_free(&pr);
	unlink(path);
}

void test_job_metadata_typos_name_the_allowed_values(void)
{
	struct job_problems pr = {0};
	const char *path = write_tmp(META_JOB(
		", \"access_rights\": \"public\", \"languages\": [\"FR\"],"
		" \"contact\": {\"name\": \"Service\"},"
		" \"spatial_uris\": [\"http://id.insee.fr/geo/commune/8619\"],"
		" \"landing_page\": \"www.gp.fr\", \"documentation\": \"ftp://gp.fr\","
		" \"temporal\": {\"start\": \"2023-02-29\"},"
		" \"hvd\": {\"categories\": [\"transport\"]},"
		" \"distributions\": [{\"identifier\": \"records-csv\", \"title\": \"N\","
		"  \"url\": \"https://gp.fr/n\", \"format\": \"pdf\","
		"  \"media_type\": \"pdf\"}, {\"identifier\": \"n\", \"title\": \"N\"}]"));
	struct job *job = job_load(path, &pr);

	CHECK(job == NULL);
	CHECK(has_problem(&pr, "$.access_rights",
			  "unknown access right \"public\"; expected one of: "
			  "PUBLIC, RESTRICTED, NON_PUBLIC"));
	CHECK(has_problem(&pr, "$.languages[0]", "FRA, ENG"));
	CHECK(has_problem(&pr, "$.contact", "\"email\" or a \"url\""));
	CHECK(has_problem(&pr, "$.spatial_uris[0]", "not an INSEE geographic URI"));
	CHECK(has_problem(&pr, "$.landing_page", "not a web address"));
	CHECK(has_problem(&pr, "$.documentation", "not a web address"));
	CHECK(has_problem(&pr, "$.temporal.start", "not a date"));
	CHECK(has_problem(&pr, "$.hvd.categories[0]", "geospatial, "));
	CHECK(has_problem(&pr, "$.distributions[0].identifier", "kept for the exports"));
	CHECK(has_problem(&pr, "$.distributions[0].format", "CSV, TSV, GEOJSON"));
	CHECK(has_problem(&pr, "$.distributions[0].media_type", "not a media type"));
	CHECK(has_problem(&pr, "$.distributions[1].url", "missing key"));
	CHECK(has_problem(&pr, "$.distributions[1].format", "missing key"));
	job_problems_free(&pr);
	unlink(path);
}

void test_job_temporal_is_a_column_or_declared_dates(void)
{
	static const char *const bad[][2] = {
		{"{\"column\": \"d\", \"end\": \"2020-01-01\"}", "$.temporal"},
		{"{\"end\": \"2020-01-01\"}", "$.temporal.start"},
		{"{\"start\": \"2021-01-01\", \"end\": \"2020-12-31\"}",
		 "$.temporal.end"},
		{"{\"start\": \"2021-13-01\"}", "$.temporal.start"},
	};
	char text[1024];
	size_t i;

	for (i = 0; i < sizeof bad / sizeof bad[0]; i++) {
		struct job_problems pr = {0};
		snprintf(text, sizeof text, META_JOB(", \"temporal\": %s"),
			 bad[i][0]);
		const char *path = write_tmp(text);
		struct job *job = job_load(path, &pr);
		CHECK(job == NULL);
		CHECK(pr.n == 1 && strcmp(pr.items[0].json_path, bad[i][1]) == 0);
		job_free(job);
		job_problems_free(&pr);
		unlink(path);
	}
}

void test_job_insee_uris_and_dates(void)
{
	CHECK(job_meta_spatial_uri_ok("http://id.insee.fr/geo/commune/86194"));
	CHECK(job_meta_spatial_uri_ok("http://id.insee.fr/geo/commune/2B033"));
	CHECK(job_meta_spatial_uri_ok("http://id.insee.fr/geo/epci/200069854"));
	CHECK(job_meta_spatial_uri_ok("http://id.insee.fr/geo/departement/86"));
	CHECK(job_meta_spatial_uri_ok("http://id.insee.fr/geo/departement/974"));
	CHECK(job_meta_spatial_uri_ok("http://id.insee.fr/geo/region/75"));
	CHECK(!job_meta_spatial_uri_ok("https://id.insee.fr/geo/commune/86194"));
	CHECK(!job_meta_spatial_uri_ok("http://id.insee.fr/geo/commune/8619"));
	CHECK(!job_meta_spatial_uri_ok("http://id.insee.fr/geo/commune/2C033"));
	CHECK(!job_meta_spatial_uri_ok("http://id.insee.fr/geo/epci/20006985"));
	CHECK(!job_meta_spatial_uri_ok("http://id.insee.fr/geo/departement/866"));
	CHECK(!job_meta_spatial_uri_ok("http://id.insee.fr/geo/region/7"));
	CHECK(!job_meta_spatial_uri_ok("http://id.insee.fr/geo/pays/FR"));
	CHECK(job_meta_date_ok("2024-02-29"));
	CHECK(job_meta_date_ok("2000-02-29"));
	CHECK(!job_meta_date_ok("1900-02-29"));
	CHECK(!job_meta_date_ok("2024-04-31"));
	CHECK(!job_meta_date_ok("2024-1-01"));
	CHECK(!job_meta_date_ok("2024-01-01T00:00"));
	CHECK(fields_url_ok("https://data.gp.fr/a?b=c#d"));
	CHECK(!fields_url_ok("https://"));
	CHECK(!fields_url_ok("https://gp.fr/a b"));
	CHECK(!fields_url_ok("mailto:a@gp.fr"));
}

void test_catalogue_file_is_checked_like_a_job(void)
{
	struct job_problems pr = {0};
	const char *path = write_tmp(
		"{\"title\": \"Catalogue\", \"description\": \"D\","
		" \"publisher\": {\"identifier\": \"gp\", \"name\": \"GP\","
		"  \"type\": \"Town\"},"
		" \"licence\": \"etalab\", \"languages\": [\"fra\"],"
		" \"local_themes\": [{\"code\": \"Mobilité\", \"label\": \"M\"},"
		"  {\"code\": \"eau\", \"label\": \"Eau\"},"
		"  {\"code\": \"eau\", \"label\": \"Eau bis\"}], \"theme\": 1}");
	struct catalogue *cat = catalogue_load(path, &pr);

	CHECK(cat == NULL);
	CHECK(has_problem(&pr, "$.publisher.type", "LocalAuthority, "));
	CHECK(has_problem(&pr, "$.licence", "etalab-2.0, odbl-1.0"));
	CHECK(has_problem(&pr, "$.languages[0]", "FRA, ENG"));
	CHECK(has_problem(&pr, "$.local_themes[0].code", "not a valid code"));
	CHECK(has_problem(&pr, "$.local_themes[2].code", "already the code"));
	CHECK(has_problem(&pr, "$.theme", "unknown key"));
	job_problems_free(&pr);
	unlink(path);
}

void test_catalogue_local_themes_of_a_job(void)
{
	struct job_problems pr = {0};
	char cat_path[64];
	const char *path = write_tmp(
		"{\"title\": \"Catalogue\", \"description\": \"D\","
		" \"publisher\": {\"identifier\": \"gp\", \"name\": \"GP\","
		"  \"type\": \"LocalAuthority\", \"homepage\": \"https://gp.fr\"},"
		" \"licence\": \"etalab-2.0\","
		" \"local_themes\": [{\"code\": \"mobilite\", \"label\": \"M\"},"
		"  {\"code\": \"eau\", \"label\": \"Eau\"}]}");
	struct catalogue *cat;
	struct job *job;

	util_strlcpy(cat_path, path, sizeof cat_path);
	cat = catalogue_load(cat_path, &pr);
	CHECK(cat != NULL && pr.n == 0);
	path = write_tmp(META_JOB(", \"local_themes\": [\"eau\", \"velo\"]"));
	job = job_load(path, &pr);
	CHECK(job != NULL);
	if (cat && job) {
		catalogue_check_job(cat, job, &pr);
		CHECK(pr.n == 1);
		CHECK(has_problem(&pr, "$.local_themes[1]",
				  "unknown local theme \"velo\"; expected one of "
				  "the codes of"));
		CHECK(has_problem(&pr, "$.local_themes[1]", ": mobilite, eau"));
	}
	job_free(job);
	catalogue_free(cat);
	job_problems_free(&pr);
	unlink(path);
	unlink(cat_path);
}
