/*
 * search_params.c: the parameters of GET /datasets (see search_params.h).
 *
 * MHD hands over every occurrence of a key, so one walk over the query
 * string collects the repeatable facet filters and counts the others; the
 * first problem found is remembered and answered once the walk is over.
 * Values are copied: the SQL parameters are built from them after the
 * handler may have been suspended and run again.
 */
#include "search_params.h"

#include "datasets.h"
#include "errors.h"
#include "params.h"

#include "util.h"
#include "vocab.h"

#include <ctype.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

const char *const search_facet_names[N_FACETS] = {
	"theme", "keyword", "publisher", "format", "licence",
};

/* Ties are broken by identifier, so that pages never overlap.  Titles sort
 * with the ICU French collation of sql/007_search.sql. */
static const struct search_sort sorts[] = {
	{"relevance", "h.rank DESC, h.identifier"},
	{"identifier", "h.identifier"},
	{"title", "h.title COLLATE odp_fr, h.identifier"},
	{"-title", "h.title COLLATE odp_fr DESC, h.identifier"},
	{"modified", "h.modified NULLS FIRST, h.identifier"},
	{"-modified", "h.modified DESC NULLS LAST, h.identifier"},
};
#define N_SORTS (sizeof sorts / sizeof sorts[0])

static const struct api_param_int int_params[] = {
	{"limit", 20, 0, 1000},
	{"offset", 0, 0, 1000000000},
	{"facet_limit", 20, 0, 500},
};
#define N_INT_PARAMS (sizeof int_params / sizeof int_params[0])

/* The single-valued text parameters. */
enum single { S_Q, S_BBOX, S_MODIFIED_SINCE, S_SORT, N_SINGLE };
static const char *const single_names[N_SINGLE] = {
	"q", "bbox", "modified_since", "sort",
};
static const size_t single_max[N_SINGLE] = {
	SEARCH_Q_MAX, 128, 64, 32,
};

/* What the walk over the query string found. */
struct gather {
	struct search_params *p;
	const char *single[N_SINGLE];   /* borrowed from MHD */
	size_t n_single[N_SINGLE];
	const char *bad;                /* first parameter in error, or NULL */
	char error[128];
	char why[512];
};

const struct search_sort *search_sort_find(const char *name)
{
	size_t i;

	for (i = 0; i < N_SORTS; i++)
		if (strcmp(sorts[i].name, name) == 0)
			return &sorts[i];
	return NULL;
}

/* Records the first problem: parameter name, then the detail. */
static void fail(struct gather *g, const char *name, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void fail(struct gather *g, const char *name, const char *fmt, ...)
{
	va_list ap;

	if (g->bad)
		return;
	g->bad = name;
	snprintf(g->error, sizeof g->error,
		 "invalid value for parameter \"%s\"", name);
	va_start(ap, fmt);
	vsnprintf(g->why, sizeof g->why, fmt, ap);
	va_end(ap);
}

/* Checks what every text value must be; false after fail(). */
static bool check_text(struct gather *g, const char *name, const char *value,
		       size_t len, size_t max)
{
	if (!value) {
		fail(g, name, "%s was given without a value (write %s=...).",
		     name, name);
		return false;
	}
	if (len != strlen(value)) {
		fail(g, name, "The value of %s holds a NUL byte.", name);
		return false;
	}
	if (len > max) {
		fail(g, name, "The value of %s must be at most %zu bytes; it "
		     "has %zu.", name, max, len);
		return false;
	}
	if (!util_utf8_valid(value)) {
		fail(g, name, "The value of %s is not valid UTF-8.", name);
		return false;
	}
	return true;
}

/* True when s is only spaces and tabs (an empty form field). */
static bool blank(const char *s)
{
	return s[strspn(s, " \t\r\n")] == '\0';
}

/* Checks a facet filter value and returns the copy the query uses, or
 * NULL after fail(). */
static char *facet_value(struct gather *g, enum search_facet f,
			 const char *v)
{
	const char *name = search_facet_names[f];
	char shown[96], codes[512];
	char *copy;
	size_t i;

	api_sanitize(shown, sizeof shown, v);
	switch (f) {
	case FACET_THEME:
		/* A local theme code has the shape of a dataset identifier. */
		if (vocab_find(&vocab_themes, v) || api_dataset_id_valid(v))
			break;
		vocab_list_codes(&vocab_themes, codes, sizeof codes);
		fail(g, name, "theme must be an EU data theme code (%s) or a "
		     "local theme code (lowercase letters, digits and '-'); "
		     "got \"%s\".", codes, shown);
		return NULL;
	case FACET_LICENCE:
		if (vocab_find(&vocab_licences, v))
			break;
		vocab_list_codes(&vocab_licences, codes, sizeof codes);
		fail(g, name, "licence must be one of %s; got \"%s\".", codes,
		     shown);
		return NULL;
	case FACET_FORMAT:
		/* EU file-type codes are uppercase: csv finds CSV. */
		copy = xstrdup(v);
		for (i = 0; copy[i]; i++) {
			unsigned char c = (unsigned char)copy[i];

			if (i >= 32 || !(isalnum(c) || c == '-' || c == '_' ||
					 c == '.')) {
				free(copy);
				fail(g, name, "format must be a file-type code "
				     "such as CSV or GEOJSON (letters, digits, "
				     "'-', '_' and '.', at most 32); got "
				     "\"%s\".", shown);
				return NULL;
			}
			copy[i] = (char)toupper(c);
		}
		return copy;
	default:
		break;
	}
	return xstrdup(v);
}

/* True when the key of key_size bytes is name (a key with a NUL byte in
 * it is none of ours). */
static bool key_is(const char *key, size_t key_size, const char *name)
{
	return key_size == strlen(name) && memcmp(key, name, key_size) == 0;
}

static enum MHD_Result gather_one(void *cls, enum MHD_ValueKind kind,
				  const char *key, size_t key_size,
				  const char *value, size_t value_size)
{
	struct gather *g = cls;
	struct search_params *p = g->p;
	size_t i;

	(void)kind;
	if (g->bad)
		return MHD_NO;
	for (i = 0; i < N_SINGLE; i++) {
		if (!key_is(key, key_size, single_names[i]))
			continue;
		if (!check_text(g, key, value, value_size, single_max[i]))
			return MHD_NO;
		if (++g->n_single[i] > 1) {
			fail(g, single_names[i], "%s may be given once.",
			     single_names[i]);
			snprintf(g->error, sizeof g->error,
				 "parameter \"%s\" given more than once",
				 single_names[i]);
			return MHD_NO;
		}
		g->single[i] = value;
		return MHD_YES;
	}
	for (i = 0; i < N_FACETS; i++) {
		const char *name = search_facet_names[i];
		char *copy;

		if (!key_is(key, key_size, name))
			continue;
		if (!check_text(g, name, value, value_size, SEARCH_VALUE_MAX))
			return MHD_NO;
		if (blank(value))
			return MHD_YES;
		if (p->n_values[i] == SEARCH_VALUES_MAX) {
			fail(g, name, "%s may be given at most %d times.", name,
			     SEARCH_VALUES_MAX);
			snprintf(g->error, sizeof g->error,
				 "too many values for parameter \"%s\"", name);
			return MHD_NO;
		}
		copy = facet_value(g, (enum search_facet)i, value);
		if (!copy)
			return MHD_NO;
		p->values[i][p->n_values[i]++] = copy;
		return MHD_YES;
	}
	return MHD_YES;
}

bool search_parse_bbox(const char *s, double out[4], char *why, size_t size)
{
	static const char *const names[4] = {"minlon", "minlat", "maxlon",
					     "maxlat"};
	const char *at = s;
	char part[40];
	int i;

	for (i = 0; i < 4; i++) {
		size_t len = strcspn(at, ",");

		if (len == 0 || len >= sizeof part ||
		    (i < 3 && at[len] != ',') || (i == 3 && at[len])) {
			snprintf(why, size, "bbox must be four numbers "
				 "minlon,minlat,maxlon,maxlat separated by "
				 "commas.");
			return false;
		}
		memcpy(part, at, len);
		part[len] = '\0';
		if (!util_parse_double(part, &out[i]) ||
		    isspace((unsigned char)part[0])) {
			snprintf(why, size, "bbox: %s is not a number.",
				 names[i]);
			return false;
		}
		at += len + 1;
	}
	for (i = 0; i < 4; i++) {
		double limit = (i % 2) ? 90 : 180;

		if (out[i] < -limit || out[i] > limit) {
			snprintf(why, size, "bbox: %s must be between %g and "
				 "%g degrees.", names[i], -limit, limit);
			return false;
		}
	}
	if (out[0] >= out[2] || out[1] >= out[3]) {
		snprintf(why, size, "bbox: minlon must be below maxlon and "
			 "minlat below maxlat.");
		return false;
	}
	return true;
}

/* Reads exactly n digits at *s into *out and advances *s. */
static bool digits(const char **s, int n, int *out)
{
	int v = 0;

	for (; n > 0; n--, (*s)++) {
		if (!isdigit((unsigned char)**s))
			return false;
		v = v * 10 + (**s - '0');
	}
	*out = v;
	return true;
}

static int days_in_month(int y, int m)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31};
	bool leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;

	return m == 2 && leap ? 29 : days[m - 1];
}

bool search_parse_datetime(const char *s, char out[SEARCH_DATETIME_SIZE],
			   char *why, size_t size)
{
	int y, mo, d, h = 0, mi = 0, sec = 0, oh = 0, om = 0;
	char frac[8] = "", sign = '+', tmp[96];
	const char *p = s;
	size_t n_frac;

	if (!digits(&p, 4, &y) || *p++ != '-' || !digits(&p, 2, &mo) ||
	    *p++ != '-' || !digits(&p, 2, &d))
		goto bad;
	if (*p == 'T' || *p == 't' || (*p == ' ' && isdigit((unsigned char)p[1]))) {
		p++;
		if (!digits(&p, 2, &h) || *p++ != ':' || !digits(&p, 2, &mi))
			goto bad;
		if (*p == ':') {
			p++;
			if (!digits(&p, 2, &sec))
				goto bad;
			if (*p == '.') {
				p++;
				n_frac = strspn(p, "0123456789");
				if (n_frac == 0 || n_frac > 6)
					goto bad;
				memcpy(frac, p - 1, n_frac + 1);
				frac[n_frac + 1] = '\0';
				p += n_frac;
			}
		}
		if (*p == 'Z' || *p == 'z') {
			p++;
		} else if (*p == '+' || *p == '-' || *p == ' ') {
			sign = *p == '-' ? '-' : '+';
			p++;
			if (!digits(&p, 2, &oh))
				goto bad;
			if (*p == ':')
				p++;
			if (*p && !digits(&p, 2, &om))
				goto bad;
		}
	}
	if (*p)
		goto bad;
	if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > days_in_month(y, mo) ||
	    h > 23 || mi > 59 || sec > 59 || oh > 14 || om > 59) {
		snprintf(why, size, "modified_since is not a real date or "
			 "time.");
		return false;
	}
	/* The bounds above keep it to SEARCH_DATETIME_SIZE; the compiler
	 * cannot see that. */
	snprintf(tmp, sizeof tmp, "%04d-%02d-%02dT%02d:%02d:%02d%s%c%02d:%02d",
		 y, mo, d, h, mi, sec, frac, sign, oh, om);
	util_strlcpy(out, tmp, SEARCH_DATETIME_SIZE);
	return true;
bad:
	snprintf(why, size, "modified_since must be an ISO 8601 date "
		 "(2024-03-01) or date-time (2024-03-01T08:00:00Z, "
		 "2024-03-01T08:00:00%%2B01:00).");
	return false;
}

/* Fills the single-valued parameters from what the walk found; false
 * after fail(). */
static bool parse_singles(struct gather *g)
{
	struct search_params *p = g->p;
	const char *v;
	char shown[64], why[256];

	v = g->single[S_Q];
	if (v && !blank(v))
		p->q = xstrdup(v);
	v = g->single[S_BBOX];
	if (v && !blank(v)) {
		if (!search_parse_bbox(v, p->bbox, why, sizeof why)) {
			fail(g, "bbox", "%s", why);
			return false;
		}
		p->has_bbox = true;
	}
	v = g->single[S_MODIFIED_SINCE];
	if (v && !blank(v) &&
	    !search_parse_datetime(v, p->modified_since, why, sizeof why)) {
		fail(g, "modified_since", "%s", why);
		return false;
	}
	v = g->single[S_SORT];
	if (v && !blank(v)) {
		p->sort = search_sort_find(v);
		if (!p->sort) {
			api_sanitize(shown, sizeof shown, v);
			fail(g, "sort", "sort must be one of relevance, "
			     "identifier, title, -title, modified, -modified; "
			     "got \"%s\".", shown);
			return false;
		}
		if (p->sort == &sorts[0] && !p->q) {
			fail(g, "sort", "sort=relevance needs a query: give q "
			     "too, or sort by title or modified.");
			return false;
		}
	} else {
		p->sort = p->q ? &sorts[0] : &sorts[1];
	}
	return true;
}

bool search_params_parse(struct api_request *req, struct search_params *p)
{
	struct api_param_value ints[N_INT_PARAMS];
	struct gather g;

	memset(p, 0, sizeof *p);
	memset(&g, 0, sizeof g);
	g.p = p;
	if (!api_params_parse(req, int_params, N_INT_PARAMS, ints))
		return false;
	p->limit = ints[0].value;
	p->offset = ints[1].value;
	p->facet_limit = ints[2].value;
	MHD_get_connection_values_n(req->connection, MHD_GET_ARGUMENT_KIND,
				    gather_one, &g);
	if (!g.bad)
		parse_singles(&g);
	if (g.bad) {
		/* why was written by us; client text in it is sanitised. */
		api_reply_error(req, API_ERR_BAD_PARAMETER, g.error, "%s",
				g.why);
		return false;
	}
	return true;
}

void search_params_free(struct search_params *p)
{
	size_t f, i;

	free(p->q);
	p->q = NULL;
	for (f = 0; f < N_FACETS; f++) {
		for (i = 0; i < p->n_values[f]; i++)
			free(p->values[f][i]);
		p->n_values[f] = 0;
	}
}
