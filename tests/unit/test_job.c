/* test_job.c: job file validation (catalog/job.c). */
#include "job.h"
#include "unit.h"

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
