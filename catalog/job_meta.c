/*
 * job_meta.c: reading and checking a job file's DCAT metadata (see
 * job_meta.h).
 *
 * Codes are kept as written (the database stores them, catalog/vocab.c
 * maps them to IRIs); a wrong one is a problem that lists the allowed
 * codes, like a wrong licence or theme.  Web addresses must be http(s):
 * they become IRIs in the catalogue, where "www.example.fr" or a file path
 * would make the DCAT invalid.
 */
#include "job_meta.h"

#include "sb.h"
#include "util.h"
#include "vocab.h"

#include <ctype.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const struct field job_meta_publisher_fields[] = {
	{"identifier", F_STRING, true, "a string, the publisher's short id",
	 offsetof(struct job_publisher, identifier), 0, NULL, 0},
	{"name", F_STRING, true, "a string, the publisher's name",
	 offsetof(struct job_publisher, name), 0, NULL, 0},
	{"homepage", F_STRING, false, "a string, the publisher's web site",
	 offsetof(struct job_publisher, homepage), 0, NULL, 0},
	{"email", F_STRING, false, "a string, a contact address",
	 offsetof(struct job_publisher, email), 0, NULL, 0},
	{"type", F_STRING, false,
	 "an ADMS publisher type, e.g. \"LocalAuthority\"",
	 offsetof(struct job_publisher, type), 0, NULL, 0},
	END_OF_FIELDS,
};

const struct field job_meta_contact_fields[] = {
	{"name", F_STRING, false, "a string, the service to contact",
	 offsetof(struct job_contact, name), 0, NULL, 0},
	{"email", F_STRING, false, "a string, an e-mail address",
	 offsetof(struct job_contact, email), 0, NULL, 0},
	{"url", F_STRING, false, "a string, the URL of a contact form",
	 offsetof(struct job_contact, url), 0, NULL, 0},
	END_OF_FIELDS,
};

const struct field job_meta_temporal_fields[] = {
	{"column", F_STRING, false,
	 "a string, the date or timestamp column whose first and last values "
	 "are the coverage",
	 offsetof(struct job_temporal, column), 0, NULL, 0},
	{"start", F_STRING, false, "a date, YYYY-MM-DD",
	 offsetof(struct job_temporal, start), 0, NULL, 0},
	{"end", F_STRING, false, "a date, YYYY-MM-DD",
	 offsetof(struct job_temporal, end), 0, NULL, 0},
	END_OF_FIELDS,
};

const struct field job_meta_hvd_fields[] = {
	{"categories", F_STRING_ARRAY, true, "an array of HVD category codes",
	 offsetof(struct job_hvd, categories),
	 offsetof(struct job_hvd, n_categories), NULL, 0},
	{"legislation", F_STRING_ARRAY, false,
	 "an array of ELI URLs (default: the HVD regulation, "
	 VOCAB_HVD_LEGISLATION ")",
	 offsetof(struct job_hvd, legislation),
	 offsetof(struct job_hvd, n_legislation), NULL, 0},
	END_OF_FIELDS,
};

const struct field job_meta_distribution_fields[] = {
	{"identifier", F_STRING, true,
	 "a string of lowercase letters, digits and dashes, stable from one "
	 "run to the next",
	 offsetof(struct job_distribution, identifier), 0, NULL, 0},
	{"title", F_STRING, true, "a string, the file's title",
	 offsetof(struct job_distribution, title), 0, NULL, 0},
	{"url", F_STRING, true, "a string, the http(s) URL of the file",
	 offsetof(struct job_distribution, url), 0, NULL, 0},
	{"format", F_STRING, true, "an EU file-type code, e.g. \"PDF\"",
	 offsetof(struct job_distribution, format), 0, NULL, 0},
	{"media_type", F_STRING, false,
	 "an IANA media type, e.g. \"application/pdf\"",
	 offsetof(struct job_distribution, media_type), 0, NULL, 0},
	{"description", F_STRING, false, "a string describing the file",
	 offsetof(struct job_distribution, description), 0, NULL, 0},
	{"conforms_to", F_STRING, false, "a string, the URL of its schema",
	 offsetof(struct job_distribution, conforms_to), 0, NULL, 0},
	END_OF_FIELDS,
};

void job_meta_check_publisher(const struct job_publisher *p, const char *path,
			      struct job_problems *problems)
{
	char at[128];

	if (p->identifier && !fields_identifier_ok(p->identifier)) {
		snprintf(at, sizeof at, "%s.identifier", path);
		fields_problem(problems, at,
			       "\"%s\" is not a valid identifier; expected "
			       "lowercase letters, digits and dashes",
			       p->identifier);
	}
	if (p->name && !*p->name) {
		snprintf(at, sizeof at, "%s.name", path);
		fields_problem(problems, at, "empty name");
	}
	if (p->homepage) {
		snprintf(at, sizeof at, "%s.homepage", path);
		fields_check_url(p->homepage, at, problems);
	}
	if (p->email) {
		snprintf(at, sizeof at, "%s.email", path);
		fields_check_email(p->email, at, problems);
	}
	if (p->type) {
		snprintf(at, sizeof at, "%s.type", path);
		fields_check_vocab(&vocab_publisher_types, p->type, at,
				   problems);
	}
}

void job_meta_check_languages(char *const *codes, size_t n, const char *path,
			      struct job_problems *problems)
{
	char at[128];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(at, sizeof at, "%s[%zu]", path, i);
		fields_check_vocab(&vocab_languages, codes[i], at, problems);
	}
}

/* True when the first n characters of s are digits. */
static bool digits(const char *s, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* True when s is exactly n digits. */
static bool all_digits(const char *s, size_t n)
{
	return strlen(s) == n && digits(s, n);
}

bool job_meta_spatial_uri_ok(const char *uri)
{
	static const char base[] = "http://id.insee.fr/geo/";
	const char *rest;

	if (strncmp(uri, base, sizeof base - 1) != 0)
		return false;
	rest = uri + sizeof base - 1;
	if (strncmp(rest, "commune/", 8) == 0) {
		/* Corsica's communes are 2A001..2B366. */
		rest += 8;
		return strlen(rest) == 5 && digits(rest + 2, 3) &&
		       (digits(rest, 2) || strncmp(rest, "2A", 2) == 0 ||
			strncmp(rest, "2B", 2) == 0);
	}
	if (strncmp(rest, "epci/", 5) == 0)
		return all_digits(rest + 5, 9);
	if (strncmp(rest, "departement/", 12) == 0) {
		rest += 12;
		return all_digits(rest, 2) || strcmp(rest, "2A") == 0 ||
		       strcmp(rest, "2B") == 0 ||
		       (all_digits(rest, 3) && strncmp(rest, "97", 2) == 0);
	}
	if (strncmp(rest, "region/", 7) == 0)
		return all_digits(rest + 7, 2);
	return false;
}

void job_meta_check_spatial_uris(char *const *uris, size_t n,
				 const char *path,
				 struct job_problems *problems)
{
	char at[128];
	size_t i;

	for (i = 0; i < n; i++) {
		if (job_meta_spatial_uri_ok(uris[i]))
			continue;
		snprintf(at, sizeof at, "%s[%zu]", path, i);
		fields_problem(problems, at,
			       "\"%s\" is not an INSEE geographic URI; expected "
			       "http://id.insee.fr/geo/commune/CODE (5 "
			       "characters, e.g. 86194), /epci/SIREN (9 digits), "
			       "/departement/CODE or /region/CODE",
			       uris[i]);
	}
}

bool job_meta_date_ok(const char *s)
{
	static const int days[12] = {31, 29, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31};
	int year, month, day;

	if (strlen(s) != 10 || s[4] != '-' || s[7] != '-' || !digits(s, 4) ||
	    !digits(s + 5, 2) || !digits(s + 8, 2))
		return false;
	year = (s[0] - '0') * 1000 + (s[1] - '0') * 100 + (s[2] - '0') * 10 +
	       (s[3] - '0');
	month = (s[5] - '0') * 10 + (s[6] - '0');
	day = (s[8] - '0') * 10 + (s[9] - '0');
	if (month < 1 || month > 12 || day < 1 || day > days[month - 1])
		return false;
	return !(month == 2 && day == 29 &&
		 !(year % 4 == 0 && (year % 100 != 0 || year % 400 == 0)));
}

static void check_strings_are_urls(char *const *items, size_t n,
				   const char *path,
				   struct job_problems *problems)
{
	char at[128];
	size_t i;

	for (i = 0; i < n; i++) {
		snprintf(at, sizeof at, "%s[%zu]", path, i);
		fields_check_url(items[i], at, problems);
	}
}

static void check_temporal(const struct job_temporal *t,
			   struct job_problems *problems)
{
	if (t->column && (t->start || t->end)) {
		fields_problem(problems, "$.temporal",
			       "give either \"column\" (computed from the data) "
			       "or \"start\" and \"end\" (declared), not both");
		return;
	}
	if (t->column && !*t->column)
		fields_problem(problems, "$.temporal.column",
			       "empty column name");
	if (!t->column && !t->start)
		fields_problem(problems, "$.temporal.start",
			       "missing key; expected \"column\", the date "
			       "column of the data, or a \"start\" date, "
			       "YYYY-MM-DD");
	if (t->start && !job_meta_date_ok(t->start))
		fields_problem(problems, "$.temporal.start",
			       "\"%s\" is not a date; expected YYYY-MM-DD",
			       t->start);
	if (t->end && !job_meta_date_ok(t->end))
		fields_problem(problems, "$.temporal.end",
			       "\"%s\" is not a date; expected YYYY-MM-DD",
			       t->end);
	else if (t->start && t->end && job_meta_date_ok(t->start) &&
		 strcmp(t->start, t->end) > 0)
		fields_problem(problems, "$.temporal.end",
			       "%s is before the start, %s", t->end, t->start);
}

static bool media_type_ok(const char *s)
{
	const char *slash = strchr(s, '/'), *p;

	if (!slash || slash == s || !slash[1])
		return false;
	for (p = s; p < slash; p++)
		if (!islower((unsigned char)*p))
			return false;
	for (p = slash + 1; *p; p++)
		if (!isalnum((unsigned char)*p) && !strchr("!#$&^_.+-", *p))
			return false;
	return true;
}

static void check_distribution(const struct job *job, size_t i,
			       struct job_problems *problems)
{
	const struct job_distribution *d = &job->distributions[i];
	char at[128];
	size_t k;

	if (d->identifier) {
		snprintf(at, sizeof at, "$.distributions[%zu].identifier", i);
		if (!fields_identifier_ok(d->identifier))
			fields_problem(problems, at,
				       "\"%s\" is not a valid identifier; "
				       "expected 1 to 63 lowercase letters, "
				       "digits and dashes",
				       d->identifier);
		else if (strncmp(d->identifier, "records", 7) == 0)
			fields_problem(problems, at,
				       "\"%s\": identifiers starting with "
				       "\"records\" are kept for the exports the "
				       "API serves; choose another",
				       d->identifier);
		for (k = 0; k < i; k++)
			if (job->distributions[k].identifier &&
			    strcmp(job->distributions[k].identifier,
				   d->identifier) == 0)
				fields_problem(problems, at,
					       "\"%s\" is already the identifier "
					       "of distribution %zu",
					       d->identifier, k);
	}
	if (d->title && !*d->title) {
		snprintf(at, sizeof at, "$.distributions[%zu].title", i);
		fields_problem(problems, at, "empty title");
	}
	if (d->url) {
		snprintf(at, sizeof at, "$.distributions[%zu].url", i);
		fields_check_url(d->url, at, problems);
	}
	if (d->format) {
		snprintf(at, sizeof at, "$.distributions[%zu].format", i);
		fields_check_vocab(&vocab_file_types, d->format, at, problems);
	}
	if (d->media_type && !media_type_ok(d->media_type)) {
		snprintf(at, sizeof at, "$.distributions[%zu].media_type", i);
		fields_problem(problems, at,
			       "\"%s\" is not a media type; expected type/subtype "
			       "as IANA registers it, e.g. \"application/pdf\"",
			       d->media_type);
	}
	if (d->conforms_to) {
		snprintf(at, sizeof at, "$.distributions[%zu].conforms_to", i);
		fields_check_url(d->conforms_to, at, problems);
	}
}

void job_meta_check(const struct job *job, struct job_problems *problems)
{
	const json_t *def = job->definition;
	char at[128];
	size_t i;

	job_meta_check_publisher(&job->publisher, "$.publisher", problems);
	if (json_object_get(def, "contact") && !job->contact.email &&
	    !job->contact.url)
		fields_problem(problems, "$.contact",
			       "a contact needs an \"email\" or a \"url\" where "
			       "reusers can ask their questions");
	if (job->contact.email)
		fields_check_email(job->contact.email, "$.contact.email",
				   problems);
	if (job->contact.url)
		fields_check_url(job->contact.url, "$.contact.url", problems);
	for (i = 0; i < job->n_local_themes; i++) {
		if (fields_identifier_ok(job->local_themes[i]))
			continue;
		snprintf(at, sizeof at, "$.local_themes[%zu]", i);
		fields_problem(problems, at,
			       "\"%s\" is not a local theme code; expected "
			       "lowercase letters, digits and dashes",
			       job->local_themes[i]);
	}
	if (job->access_rights)
		fields_check_vocab(&vocab_access_rights, job->access_rights,
				   "$.access_rights", problems);
	job_meta_check_languages(job->languages, job->n_languages,
				 "$.languages", problems);
	check_strings_are_urls(job->conforms_to, job->n_conforms_to,
			       "$.conforms_to", problems);
	job_meta_check_spatial_uris(job->spatial_uris, job->n_spatial_uris,
				    "$.spatial_uris", problems);
	if (json_is_object(json_object_get(def, "temporal")))
		check_temporal(&job->temporal, problems);
	if (job->landing_page)
		fields_check_url(job->landing_page, "$.landing_page", problems);
	if (job->documentation)
		fields_check_url(job->documentation, "$.documentation",
				 problems);
	if (job->hvd.categories && job->hvd.n_categories == 0)
		fields_problem(problems, "$.hvd.categories",
			       "empty; a high-value dataset belongs to at least "
			       "one HVD category");
	for (i = 0; i < job->hvd.n_categories; i++) {
		snprintf(at, sizeof at, "$.hvd.categories[%zu]", i);
		fields_check_vocab(&vocab_hvd_categories, job->hvd.categories[i],
				   at, problems);
	}
	check_strings_are_urls(job->hvd.legislation, job->hvd.n_legislation,
			       "$.hvd.legislation", problems);
	if (job->n_distributions > JOB_DISTRIBUTIONS_MAX)
		fields_problem(problems, "$.distributions",
			       "%zu distributions; at most %d allowed",
			       job->n_distributions, JOB_DISTRIBUTIONS_MAX);
	for (i = 0; i < job->n_distributions; i++)
		check_distribution(job, i, problems);
}

static void free_strings(char **items, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		free(items[i]);
	free(items);
}

void job_meta_free(struct job *job)
{
	size_t i;

	free(job->publisher.type);
	free(job->contact.name);
	free(job->contact.email);
	free(job->contact.url);
	free_strings(job->local_themes, job->n_local_themes);
	free(job->access_rights);
	free_strings(job->languages, job->n_languages);
	free_strings(job->conforms_to, job->n_conforms_to);
	free_strings(job->spatial_uris, job->n_spatial_uris);
	free(job->temporal.column);
	free(job->temporal.start);
	free(job->temporal.end);
	free(job->landing_page);
	free(job->documentation);
	free_strings(job->hvd.categories, job->hvd.n_categories);
	free_strings(job->hvd.legislation, job->hvd.n_legislation);
	for (i = 0; i < job->n_distributions; i++) {
		struct job_distribution *d = &job->distributions[i];
		free(d->identifier);
		free(d->title);
		free(d->url);
		free(d->format);
		free(d->media_type);
		free(d->description);
		free(d->conforms_to);
	}
	free(job->distributions);
}
