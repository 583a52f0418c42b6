/*
 * infer.c: type inference for text columns (see infer.h).
 */
#include "infer.h"

#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

bool infer_is_null(const char *v)
{
	/* Most values are longer than every null token: one look at their
	 * first five bytes settles it. */
	if (v[0] && v[1] && v[2] && v[3] && v[4])
		return false;
	return *v == '\0' || strcasecmp(v, "na") == 0 ||
	       strcasecmp(v, "n/a") == 0 || strcmp(v, "-") == 0 ||
	       strcasecmp(v, "null") == 0;
}

const char *infer_trim(const char *s, size_t *len)
{
	size_t n;

	while (*s == ' ' || *s == '\t' || *s == '\r' || *s == '\n')
		s++;
	n = strlen(s);
	while (n > 0 && (s[n - 1] == ' ' || s[n - 1] == '\t' ||
			 s[n - 1] == '\r' || s[n - 1] == '\n'))
		n--;
	*len = n;
	return s;
}

/* Digits of an integer part: no leading zero unless it is the only digit. */
static const char *scan_digits(const char *p, bool *ok)
{
	const char *start = p;

	while (isdigit((unsigned char)*p))
		p++;
	*ok = p > start && !(p - start > 1 && *start == '0');
	return p;
}

static bool is_integer(const char *v)
{
	bool ok;
	int64_t n;
	const char *p = v;

	if (*p == '-' || *p == '+')
		p++;
	p = scan_digits(p, &ok);
	return ok && *p == '\0' && util_parse_int64(v, &n);
}

bool infer_parse_decimal(const char *v, double *out)
{
	char buf[INFER_VALUE_MAX + 1];
	size_t len = strlen(v), i;
	int seps = 0;
	bool ok;
	const char *p = v;

	if (len == 0 || len > INFER_VALUE_MAX)
		return false;
	if (*p == '-' || *p == '+')
		p++;
	p = scan_digits(p, &ok);
	if (!ok)
		return false;
	if (*p == '.' || *p == ',') {
		p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p == 'e' || *p == 'E') {
		p++;
		if (*p == '-' || *p == '+')
			p++;
		if (!isdigit((unsigned char)*p))
			return false;
		while (isdigit((unsigned char)*p))
			p++;
	}
	if (*p != '\0')
		return false;
	for (i = 0; i <= len; i++) {
		buf[i] = v[i] == ',' ? '.' : v[i];
		seps += v[i] == ',' || v[i] == '.';
	}
	return seps <= 1 && util_parse_double(buf, out);
}

static bool is_leap(int y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

static bool date_ok(int y, int m, int d)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};

	if (y < 1 || y > 9999 || m < 1 || m > 12 || d < 1)
		return false;
	return d <= days[m - 1] + (m == 2 && is_leap(y));
}

/* Reads exactly n digits at p. */
static bool read_fixed(const char *p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)p[i]))
			return false;
		v = v * 10 + (p[i] - '0');
	}
	*out = v;
	return true;
}

/* "dd/mm/yyyy" or "yyyy-mm-dd". */
static bool parse_date(const char *v, int *y, int *m, int *d)
{
	size_t len = strlen(v);

	if (len != 10)
		return false;
	if (v[2] == '/' && v[5] == '/')
		return read_fixed(v, 2, d) && read_fixed(v + 3, 2, m) &&
		       read_fixed(v + 6, 4, y) && date_ok(*y, *m, *d);
	if (v[4] == '-' && v[7] == '-')
		return read_fixed(v, 4, y) && read_fixed(v + 5, 2, m) &&
		       read_fixed(v + 8, 2, d) && date_ok(*y, *m, *d);
	return false;
}

/* "yyyy-mm-ddThh:mm[:ss[.fff]][Z|+hh:mm|+hhmm]" (a space for the T too)
 * or "dd/mm/yyyy hh:mm[:ss]"; writes the ISO form into out.  A value
 * without a zone is local time, which the loading session's TimeZone
 * gives. */
static bool parse_timestamp(const char *v, char out[INFER_VALUE_MAX + 1])
{
	char date[11], iso[11], text[128];
	int y, m, d, h, mi, s = 0, frac_len = 0;
	const char *p, *frac = NULL;
	char zone[32] = "";

	if (strlen(v) < 16 || strlen(v) > 40)
		return false;
	memcpy(date, v, 10);
	date[10] = '\0';
	if (!parse_date(date, &y, &m, &d))
		return false;
	if (v[10] != 'T' && v[10] != ' ')
		return false;
	p = v + 11;
	if (!read_fixed(p, 2, &h) || p[2] != ':' || !read_fixed(p + 3, 2, &mi))
		return false;
	p += 5;
	if (*p == ':') {
		if (!read_fixed(p + 1, 2, &s))
			return false;
		p += 3;
		if (*p == '.' || *p == ',') {
			frac = ++p;
			while (isdigit((unsigned char)*p) && frac_len < 9)
				p++, frac_len++;
			if (frac_len == 0)
				return false;
		}
	}
	if (h > 23 || mi > 59 || s > 60)
		return false;
	if (*p == 'Z') {
		util_strlcpy(zone, "Z", sizeof zone);
		p++;
	} else if (*p == '+' || *p == '-') {
		char sign = *p;
		int zh, zm;
		if (!read_fixed(p + 1, 2, &zh))
			return false;
		if (p[3] == ':' && read_fixed(p + 4, 2, &zm))
			p += 6;
		else if (read_fixed(p + 3, 2, &zm))
			p += 5;
		else
			return false;
		if (zh > 14 || zm > 59)
			return false;
		snprintf(zone, sizeof zone, "%c%02d:%02d", sign, zh, zm);
	}
	if (*p != '\0')
		return false;
	snprintf(iso, sizeof iso, "%04d-%02d-%02d", y, m, d);
	snprintf(text, sizeof text, "%sT%02d:%02d:%02d%s%.*s%s", iso, h, mi, s,
		 frac ? "." : "", frac_len, frac ? frac : "", zone);
	if (strlen(text) > INFER_VALUE_MAX)
		return false;
	util_strlcpy(out, text, INFER_VALUE_MAX + 1);
	return true;
}

static int parse_boolean(const char *v)
{
	if (strcasecmp(v, "oui") == 0 || strcasecmp(v, "true") == 0 ||
	    strcasecmp(v, "vrai") == 0)
		return 1;
	if (strcasecmp(v, "non") == 0 || strcasecmp(v, "false") == 0 ||
	    strcasecmp(v, "faux") == 0)
		return 0;
	return -1;
}

unsigned infer_candidates(const char *v, unsigned candidates)
{
	unsigned out = 0;
	double x;
	int y, m, d;
	char ts[INFER_VALUE_MAX + 1];

	if (strlen(v) > INFER_VALUE_MAX)
		return 0;
	if ((candidates & INFER_INTEGER) && is_integer(v))
		out |= INFER_INTEGER;
	if ((candidates & INFER_REAL) && infer_parse_decimal(v, &x))
		out |= INFER_REAL;
	if ((candidates & INFER_DATE) && parse_date(v, &y, &m, &d))
		out |= INFER_DATE;
	if ((candidates & INFER_BOOLEAN) && parse_boolean(v) >= 0)
		out |= INFER_BOOLEAN;
	if ((candidates & INFER_TIMESTAMP) && parse_timestamp(v, ts))
		out |= INFER_TIMESTAMP;
	return out;
}

unsigned infer_pick(unsigned candidates, size_t n_values)
{
	if (n_values == 0)
		return 0;
	if (candidates & INFER_INTEGER)
		return INFER_INTEGER;
	if (candidates & INFER_REAL)
		return INFER_REAL;
	if (candidates & INFER_DATE)
		return INFER_DATE;
	if (candidates & INFER_TIMESTAMP)
		return INFER_TIMESTAMP;
	if (candidates & INFER_BOOLEAN)
		return INFER_BOOLEAN;
	return 0;
}

bool infer_convert(const char *v, unsigned type, char out[INFER_VALUE_MAX + 1])
{
	double x;
	int y, m, d, b;

	switch (type) {
	case INFER_INTEGER:
		if (!is_integer(v))
			return false;
		util_strlcpy(out, v, INFER_VALUE_MAX + 1);
		return true;
	case INFER_REAL:
		if (!infer_parse_decimal(v, &x))
			return false;
		util_format_double(x, out, INFER_VALUE_MAX + 1);
		return true;
	case INFER_DATE:
		if (!parse_date(v, &y, &m, &d))
			return false;
		snprintf(out, INFER_VALUE_MAX + 1, "%04d-%02d-%02d", y, m, d);
		return true;
	case INFER_TIMESTAMP:
		return parse_timestamp(v, out);
	case INFER_BOOLEAN:
		b = parse_boolean(v);
		if (b < 0)
			return false;
		util_strlcpy(out, b ? "true" : "false", INFER_VALUE_MAX + 1);
		return true;
	default:
		return false;
	}
}
