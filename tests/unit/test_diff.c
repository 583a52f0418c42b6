/* test_diff.c: column drift and schema policy (etl/diff.c), and the job
 * keys that drive them (catalog/job.c). */
#include "../../etl/diff.h"
#include "job.h"
#include "unit.h"

#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <unistd.h>

/* The old and new columns of a typical drift: "nom" unchanged, "capacite"
 * retyped, "tarif" removed, "photo" added. */
static void typical_drift(struct diff_schema *s)
{
	diff_schema_add(s, "nom", "text", "text");
	diff_schema_add(s, "capacite", "integer", "text");
	diff_schema_add(s, "photo", NULL, "text");
	diff_schema_add(s, "tarif", "real", NULL);
}

void test_diff_classifies_added_removed_retyped(void)
{
	struct diff_schema s = {0};

	typical_drift(&s);
	CHECK(s.n_changes == 3);
	if (s.n_changes == 3) {
		CHECK(s.changes[0].change == DIFF_RETYPED);
		CHECK_STR(s.changes[0].name, "capacite");
		CHECK_STR(s.changes[0].old_type, "integer");
		CHECK_STR(s.changes[0].new_type, "text");
		CHECK(s.changes[1].change == DIFF_ADDED);
		CHECK(s.changes[1].old_type == NULL);
		CHECK(s.changes[2].change == DIFF_REMOVED);
		CHECK(s.changes[2].new_type == NULL);
	}
	/* Values are compared in the columns both versions have, retyped
	 * ones included. */
	CHECK(s.n_common == 2);
	if (s.n_common == 2) {
		CHECK_STR(s.common[0], "nom");
		CHECK_STR(s.common[1], "capacite");
	}
	diff_schema_free(&s);
	CHECK(s.n_changes == 0 && s.changes == NULL && s.common == NULL);
	diff_schema_add(&s, "nothing", NULL, NULL);
	CHECK(s.n_changes == 0 && s.n_common == 0);
	diff_schema_free(&s);
}

void test_diff_policy_fail_refuses_any_change(void)
{
	struct diff_schema same = {0}, added = {0}, drift = {0};

	diff_schema_add(&same, "nom", "text", "text");
	diff_schema_add(&added, "photo", NULL, "text");
	typical_drift(&drift);
	CHECK(!diff_schema_refused(&same, "fail"));
	CHECK(diff_schema_refused(&added, "fail"));
	CHECK(diff_schema_refused(&drift, "fail"));
	CHECK(!diff_schema_refused(&drift, "accept"));
	CHECK(!diff_schema_refused(&drift, NULL));
	diff_schema_free(&same);
	diff_schema_free(&added);
	diff_schema_free(&drift);
}

void test_diff_describe_names_every_column_and_both_types(void)
{
	struct diff_schema s = {0};
	struct sb out;

	typical_drift(&s);
	sb_init(&out, 0);
	diff_schema_describe(&s, 10, &out);
	CHECK_STR(out.buf, "column \"capacite\" retyped from integer to text; "
			   "column \"photo\" added (text); "
			   "column \"tarif\" removed (it was real)");
	sb_reset(&out);
	diff_schema_describe(&s, 1, &out);
	CHECK_STR(out.buf, "column \"capacite\" retyped from integer to text; "
			   "and 2 more column changes");
	diff_schema_free(&s);
	sb_reset(&out);
	diff_schema_describe(&s, 10, &out);
	CHECK(out.len == 0);
	sb_free(&out);
}

void test_diff_json_lists_changes_in_column_order(void)
{
	struct diff_schema s = {0};
	char *json;

	json = diff_schema_json(&s);
	CHECK_STR(json, "[]");
	free(json);
	typical_drift(&s);
	json = diff_schema_json(&s);
	CHECK_STR(json,
		  "[{\"column\":\"capacite\",\"change\":\"retyped\","
		  "\"old_type\":\"integer\",\"new_type\":\"text\"},"
		  "{\"column\":\"photo\",\"change\":\"added\","
		  "\"old_type\":null,\"new_type\":\"text\"},"
		  "{\"column\":\"tarif\",\"change\":\"removed\","
		  "\"old_type\":\"real\",\"new_type\":null}]");
	free(json);
	diff_schema_free(&s);
}

/* Loads a job file made of the valid base plus extra top-level keys. */
static struct job *load_with(const char *extra, struct job_problems *pr)
{
	char path[64], text[1024];
	struct job *job;
	FILE *f;
	int fd;

	snprintf(path, sizeof path, "/tmp/odp-unit-diff-XXXXXX");
	fd = mkstemp(path);
	f = fdopen(fd, "w");
	snprintf(text, sizeof text,
		 "{\"identifier\": \"p\", \"title\": \"P\", \"description\": "
		 "\"D.\", \"publisher\": {\"identifier\": \"gp\", \"name\": "
		 "\"GP\"}, \"licence\": \"etalab-2.0\", \"source\": {\"kind\": "
		 "\"gdal\", \"path\": \"p.geojson\"}%s}",
		 extra);
	fputs(text, f);
	fclose(f);
	job = job_load(path, pr);
	unlink(path);
	return job;
}

void test_job_schema_policy_and_keep_versions(void)
{
	struct job_problems pr = {0};
	struct job *job;

	job = load_with("", &pr);
	CHECK(job && job->schema_policy == NULL);
	CHECK(job && job->keep_versions == JOB_KEEP_VERSIONS_DEFAULT);
	job_free(job);

	job = load_with(", \"schema_policy\": \"fail\", \"keep_versions\": 1",
			&pr);
	CHECK(job && strcmp(job->schema_policy, "fail") == 0);
	CHECK(job && job->keep_versions == 1);
	job_free(job);
	CHECK(pr.n == 0);

	job = load_with(", \"schema_policy\": \"refuse\", \"keep_versions\": 0",
			&pr);
	CHECK(job == NULL);
	CHECK(pr.n == 2);
	if (pr.n == 2) {
		CHECK_STR(pr.items[0].json_path, "$.schema_policy");
		CHECK(strstr(pr.items[0].message, "accept, fail") != NULL);
		CHECK_STR(pr.items[1].json_path, "$.keep_versions");
		CHECK(strstr(pr.items[1].message, "1 to 100") != NULL);
	}
	job_problems_free(&pr);

	job = load_with(", \"keep_versions\": \"5\"", &pr);
	CHECK(job == NULL);
	CHECK(pr.n == 1 && strstr(pr.items[0].message, "found a string"));
	job_problems_free(&pr);
	job = load_with(", \"keep_versions\": 101", &pr);
	CHECK(job == NULL && pr.n == 1);
	job_problems_free(&pr);
}
