/* test_quality.c: the data.gouv.fr quality criteria (catalog/quality.c). */
#include "quality.h"
#include "unit.h"

#include <jansson.h>

#define DAY 86400
#define NOW 1763800000   /* 2025-11-22 */

static const struct quality_distribution exports[] = {
	{"records-geojson", false, "GEOJSON", true, true, -1, false},
	{"records-csv", false, "CSV", true, true, -1, false},
};

static struct quality_input complete(void)
{
	struct quality_input in = {
		.licence = "etalab-2.0",
		.frequency = "monthly",
		.description_length = 101,
		.documentation = "https://data.gp.fr/doc",
		.temporal = true,
		.spatial = true,
		.modified = NOW - 10 * DAY,
		.now = NOW,
		.distributions = exports,
		.n_distributions = 2,
	};
	return in;
}

static bool criterion(json_t *q, const char *name)
{
	return json_is_true(json_object_get(json_object_get(q, "criteria"),
					    name));
}

static int score(json_t *q)
{
	return (int)json_integer_value(json_object_get(q, "score"));
}

/* True when one of the missing items contains needle. */
static bool missing(json_t *q, const char *needle)
{
	json_t *item;
	size_t i;

	json_array_foreach(json_object_get(q, "missing"), i, item)
		if (strstr(json_string_value(item), needle))
			return true;
	return false;
}

void test_quality_complete_dataset_scores_nine(void)
{
	struct quality_input in = complete();
	json_t *q = quality_json(&in);

	CHECK(score(q) == 9);
	CHECK(json_integer_value(json_object_get(q, "max")) == 9);
	CHECK(json_object_size(json_object_get(q, "criteria")) == 9);
	CHECK(json_array_size(json_object_get(q, "missing")) == 0);
	json_decref(q);
}

void test_quality_names_what_is_missing(void)
{
	struct quality_input in = {.now = NOW, .description_length = 100};
	json_t *q = quality_json(&in);

	CHECK(score(q) == 0);
	CHECK(!criterion(q, "license") && missing(q, "licence"));
	CHECK(!criterion(q, "temporal_coverage") &&
	      missing(q, "temporal coverage"));
	CHECK(!criterion(q, "spatial") && missing(q, "spatial_uris"));
	CHECK(!criterion(q, "update_frequency") &&
	      missing(q, "update frequency"));
	CHECK(!criterion(q, "update_fulfilled_in_time"));
	CHECK(!criterion(q, "dataset_description_quality") &&
	      missing(q, "more than 100 characters: it has 100"));
	CHECK(!criterion(q, "has_open_format") &&
	      missing(q, "has no distribution"));
	CHECK(!criterion(q, "all_resources_available"));
	CHECK(!criterion(q, "resources_documentation") &&
	      missing(q, "documentation"));
	CHECK(json_array_size(json_object_get(q, "missing")) == 9);
	json_decref(q);
}

void test_quality_on_time_per_frequency_with_a_day_of_tolerance(void)
{
	static const struct {
		const char *frequency;
		int64_t age;
		bool on_time;
	} cases[] = {
		{"monthly", 32 * DAY - 60, true},
		{"monthly", 32 * DAY + 60, false},
		{"weekly", 8 * DAY - 60, true},
		{"weekly", 8 * DAY + 60, false},
		{"daily", 2 * DAY - 60, true},
		{"hourly", DAY + 3600 + 60, false},
		{"annual", 366 * DAY - 60, true},
		{"quarterly", 93 * DAY, false},
		/* Real time: still after one day and the tolerance is stale. */
		{"continuous", 2 * DAY - 60, true},
		{"continuous", 2 * DAY + 60, false},
		/* No date promised. */
		{"irregular", 3000 * DAY, true},
		{"never", 3000 * DAY, true},
	};
	size_t i;

	for (i = 0; i < sizeof cases / sizeof cases[0]; i++) {
		struct quality_input in = complete();
		json_t *q;
		in.frequency = cases[i].frequency;
		in.modified = NOW - cases[i].age;
		q = quality_json(&in);
		if (criterion(q, "update_fulfilled_in_time") != cases[i].on_time)
			printf("  %s, %lld s old\n", cases[i].frequency,
			       (long long)cases[i].age);
		CHECK(criterion(q, "update_fulfilled_in_time") ==
		      cases[i].on_time);
		CHECK(score(q) == (cases[i].on_time ? 9 : 8));
		if (!cases[i].on_time)
			CHECK(missing(q, "was due to change by"));
		json_decref(q);
	}
}

void test_quality_reachable_distributions(void)
{
	struct quality_distribution d[] = {
		{"records-geojson", false, "GEOJSON", true, true, -1, false},
		{"records-csv", false, "CSV", false, true, -1, false},
		{"notice", true, "PDF", false, false, -1, true},
		{"archive", true, "ZIP", false, false, 0, false},
		{"plan", true, "PDF", false, false, 1, false},
	};
	struct quality_input in = complete();
	json_t *q;

	in.distributions = d;
	in.n_distributions = 5;
	q = quality_json(&in);
	CHECK(!criterion(q, "all_resources_available"));
	CHECK(missing(q, "records-csv (not computed yet"));
	CHECK(missing(q, "notice (not checked yet)"));
	CHECK(missing(q, "archive (unreachable"));
	CHECK(!missing(q, "plan ("));
	CHECK(!missing(q, "records-geojson"));
	json_decref(q);

	/* An export whose size is unknown is not reachable either. */
	d[1].current = true;
	d[1].sized = false;
	d[2].reachable = 1;
	d[3].reachable = 1;
	q = quality_json(&in);
	CHECK(!criterion(q, "all_resources_available") &&
	      missing(q, "records-csv"));
	json_decref(q);
	d[1].sized = true;
	q = quality_json(&in);
	CHECK(criterion(q, "all_resources_available"));
	json_decref(q);
}

void test_quality_open_formats_and_documentation(void)
{
	struct quality_distribution d[] = {
		{"notice", true, "PDF", false, false, 1, false},
		{"tableur", true, "XLSX", false, false, 1, false},
	};
	struct quality_input in = complete();
	json_t *q;

	in.distributions = d;
	in.n_distributions = 2;
	in.documentation = NULL;
	q = quality_json(&in);
	CHECK(!criterion(q, "has_open_format") && missing(q, "open format"));
	CHECK(!criterion(q, "resources_documentation"));
	json_decref(q);
	/* A described declared file documents the dataset; ODS is open. */
	d[0].described = true;
	d[1].format = "ODS";
	q = quality_json(&in);
	CHECK(criterion(q, "has_open_format"));
	CHECK(criterion(q, "resources_documentation"));
	json_decref(q);
}

void test_quality_from_the_sql_json(void)
{
	json_t *q = quality_from_json(
		"{\"licence\": \"etalab-2.0\", \"frequency\": null,"
		" \"description_length\": 150, \"documentation\": null,"
		" \"temporal\": true, \"spatial\": false,"
		" \"modified\": 1763000000, \"now\": 1763800000,"
		" \"distributions\": [{\"identifier\": \"records-csv\","
		"  \"kind\": \"export\", \"format\": \"CSV\", \"current\": true,"
		"  \"sized\": true, \"reachable\": null, \"described\": false},"
		"  {\"identifier\": \"notice\", \"kind\": \"declared\","
		"  \"format\": \"PDF\", \"current\": false, \"sized\": false,"
		"  \"reachable\": false, \"described\": true}]}");

	CHECK(q != NULL);
	CHECK(score(q) == 5);
	CHECK(criterion(q, "license") && criterion(q, "temporal_coverage"));
	CHECK(criterion(q, "dataset_description_quality"));
	CHECK(criterion(q, "has_open_format"));
	CHECK(criterion(q, "resources_documentation"));
	CHECK(missing(q, "notice (unreachable"));
	json_decref(q);
	CHECK(quality_from_json("{\"licence\": \"x\"}") == NULL);
	CHECK(quality_from_json("not json") == NULL);
	CHECK(quality_from_json("{\"distributions\": [{\"kind\": 1}]}") == NULL);
}
