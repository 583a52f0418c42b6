/*
 * quality.c: the nine data.gouv.fr quality criteria (see quality.h).
 *
 * Each criterion that fails adds one line to "missing", written for the
 * data referent: what is missing and which job-file key provides it.
 */
#include "quality.h"

#include "sb.h"
#include "util.h"
#include "vocab.h"

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#define DAY 86400

enum criterion {
	C_LICENSE,
	C_TEMPORAL,
	C_SPATIAL,
	C_FREQUENCY,
	C_ON_TIME,
	C_DESCRIPTION,
	C_OPEN_FORMAT,
	C_REACHABLE,
	C_DOCUMENTATION,
	N_CRITERIA
};

static const char *const names[N_CRITERIA] = {
	"license",
	"temporal_coverage",
	"spatial",
	"update_frequency",
	"update_fulfilled_in_time",
	"dataset_description_quality",
	"has_open_format",
	"all_resources_available",
	"resources_documentation",
};

/* How long a dataset of each frequency may go without a change of
 * content, before udata's day of tolerance; 0: no date is promised.
 * udata's figures: a month is 31 days, a quarter 365/4. */
static int64_t period_of(const char *frequency)
{
	static const struct {
		const char *code;
		int64_t seconds;
	} periods[] = {
		{"continuous", DAY},         {"hourly", 3600},
		{"daily", DAY},              {"weekly", 7 * DAY},
		{"monthly", 31 * DAY},       {"quarterly", 365 * DAY / 4},
		{"annual", 365 * DAY},       {"irregular", 0},
		{"never", 0},
	};
	size_t i;

	for (i = 0; i < sizeof periods / sizeof periods[0]; i++)
		if (strcmp(periods[i].code, frequency) == 0)
			return periods[i].seconds;
	return -1;
}

static void utc_date(int64_t t, char buf[16])
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!gmtime_r(&tt, &tm) || !strftime(buf, 16, "%Y-%m-%d", &tm))
		util_strlcpy(buf, "?", 16);
}

static bool on_time(const struct quality_input *in, struct sb *why)
{
	char changed[16], due[16];
	int64_t period;

	if (!in->frequency) {
		sb_puts(why, "update on time: no \"frequency\" to keep to");
		return false;
	}
	period = period_of(in->frequency);
	if (period == 0)
		return true;
	if (period < 0) {
		sb_printf(why, "update on time: unknown frequency \"%s\"",
			  in->frequency);
		return false;
	}
	if (in->modified <= 0) {
		sb_puts(why, "update on time: never published");
		return false;
	}
	if (in->now <= in->modified + period + DAY)
		return true;
	utc_date(in->modified, changed);
	utc_date(in->modified + period, due);
	sb_printf(why, "update on time: the content last changed on %s; a %s "
		  "dataset was due to change by %s", changed, in->frequency, due);
	return false;
}

static bool open_format(const struct quality_input *in, struct sb *why)
{
	size_t i;

	for (i = 0; i < in->n_distributions; i++) {
		const struct vocab_term *t = vocab_find(
			&vocab_file_types, in->distributions[i].format);
		if (t && t->open)
			return true;
	}
	sb_puts(why, in->n_distributions
			     ? "an open format: no distribution is CSV, "
			       "GeoJSON, JSON or another open format"
			     : "an open format: the dataset has no distribution");
	return false;
}

static bool all_reachable(const struct quality_input *in, struct sb *why)
{
	size_t i, n_bad = 0;

	if (!in->n_distributions) {
		sb_puts(why, "all distributions reachable: the dataset has no "
			     "distribution");
		return false;
	}
	for (i = 0; i < in->n_distributions; i++) {
		const struct quality_distribution *d = &in->distributions[i];
		const char *state;
		if (d->declared)
			state = d->reachable > 0    ? NULL
				: d->reachable == 0 ? "unreachable at the last "
						      "link check"
						    : "not checked yet";
		else
			state = d->current && d->sized
					? NULL
					: "not computed yet for the current "
					  "version";
		if (!state)
			continue;
		sb_printf(why, "%s%s (%s)",
			  n_bad++ ? ", " : "all distributions reachable: ",
			  d->identifier, state);
	}
	return n_bad == 0;
}

static bool documented(const struct quality_input *in)
{
	size_t i;

	if (in->documentation && *in->documentation)
		return true;
	/* Exports describe themselves; only a person's words document. */
	for (i = 0; i < in->n_distributions; i++)
		if (in->distributions[i].declared &&
		    in->distributions[i].described)
			return true;
	return false;
}

json_t *quality_json(const struct quality_input *in)
{
	json_t *criteria = json_object(), *missing = json_array();
	bool met[N_CRITERIA];
	struct sb why;
	int i, score = 0;

	sb_init(&why, 4096);
	met[C_LICENSE] = in->licence && *in->licence;
	if (!met[C_LICENSE])
		json_array_append_new(missing,
				      json_string("licence: set \"licence\""));
	met[C_TEMPORAL] = in->temporal;
	if (!met[C_TEMPORAL])
		json_array_append_new(
			missing,
			json_string("temporal coverage: name a date column, "
				    "\"temporal\": {\"column\": ...}, or "
				    "declare \"start\" and \"end\""));
	met[C_SPATIAL] = in->spatial;
	if (!met[C_SPATIAL])
		json_array_append_new(
			missing,
			json_string("spatial coverage: the data have no "
				    "geometry; declare \"spatial_uris\" (INSEE "
				    "commune or EPCI)"));
	met[C_FREQUENCY] = in->frequency && *in->frequency;
	if (!met[C_FREQUENCY])
		json_array_append_new(missing,
				      json_string("update frequency: set "
						  "\"frequency\""));
	met[C_ON_TIME] = on_time(in, &why);
	if (!met[C_ON_TIME])
		json_array_append_new(missing, json_string(why.buf));
	met[C_DESCRIPTION] =
		in->description_length > QUALITY_DESCRIPTION_LENGTH;
	if (!met[C_DESCRIPTION]) {
		sb_reset(&why);
		sb_printf(&why, "description of more than %d characters: it has "
			  "%lld", QUALITY_DESCRIPTION_LENGTH,
			  (long long)in->description_length);
		json_array_append_new(missing, json_string(why.buf));
	}
	sb_reset(&why);
	met[C_OPEN_FORMAT] = open_format(in, &why);
	if (!met[C_OPEN_FORMAT])
		json_array_append_new(missing, json_string(why.buf));
	sb_reset(&why);
	met[C_REACHABLE] = all_reachable(in, &why);
	if (!met[C_REACHABLE])
		json_array_append_new(missing, json_string(why.buf));
	met[C_DOCUMENTATION] = documented(in);
	if (!met[C_DOCUMENTATION])
		json_array_append_new(
			missing,
			json_string("documentation: set \"documentation\" (a "
				    "URL) or describe a declared distribution"));
	sb_free(&why);
	for (i = 0; i < N_CRITERIA; i++) {
		json_object_set_new(criteria, names[i], json_boolean(met[i]));
		score += met[i];
	}
	return json_pack("{s:i, s:i, s:o, s:o}", "score", score, "max",
			 QUALITY_MAX, "criteria", criteria, "missing", missing);
}

static const char *string_or_null(const json_t *o, const char *key)
{
	return json_string_value(json_object_get(o, key));
}

json_t *quality_from_json(const char *text)
{
	struct quality_distribution *dists = NULL;
	struct quality_input in;
	json_t *root = json_loads(text, 0, NULL), *list, *d, *out = NULL;
	size_t i;

	list = json_object_get(root, "distributions");
	if (!json_is_object(root) || !json_is_array(list))
		goto out;
	memset(&in, 0, sizeof in);
	in.licence = string_or_null(root, "licence");
	in.frequency = string_or_null(root, "frequency");
	in.description_length =
		json_integer_value(json_object_get(root, "description_length"));
	in.documentation = string_or_null(root, "documentation");
	in.temporal = json_is_true(json_object_get(root, "temporal"));
	in.spatial = json_is_true(json_object_get(root, "spatial"));
	in.modified = json_integer_value(json_object_get(root, "modified"));
	in.now = json_integer_value(json_object_get(root, "now"));
	in.n_distributions = json_array_size(list);
	dists = xcalloc(in.n_distributions, sizeof *dists);
	json_array_foreach(list, i, d) {
		const json_t *reachable = json_object_get(d, "reachable");
		const char *kind = string_or_null(d, "kind");
		dists[i].identifier = string_or_null(d, "identifier");
		dists[i].format = string_or_null(d, "format");
		if (!dists[i].identifier || !dists[i].format || !kind)
			goto out;
		dists[i].declared = strcmp(kind, "declared") == 0;
		dists[i].current = json_is_true(json_object_get(d, "current"));
		dists[i].sized = json_is_true(json_object_get(d, "sized"));
		dists[i].reachable = json_is_boolean(reachable)
					     ? json_is_true(reachable)
					     : -1;
		dists[i].described =
			json_is_true(json_object_get(d, "described"));
	}
	in.distributions = dists;
	out = quality_json(&in);
out:
	free(dists);
	json_decref(root);
	return out;
}
