/*
 * pgbin.c: values in PostgreSQL's binary forms (see pgbin.h).
 *
 * The local zone's changes of offset are read once from the C library, by
 * walking the years 1800 to 2400 with TZ set to the zone, a day at a time
 * up to 2038 and a week at a time after (where the C library computes
 * each answer from the zone's rule, slowly, and where changes are months
 * apart), and are kept sorted; the
 * C library and PostgreSQL read the same tzdata files (Debian builds
 * PostgreSQL --with-system-tzdata).  Converting a local time then follows
 * PostgreSQL's DetermineTimeZoneOffset().
 */
#include "pgbin.h"

#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

/* The Unix time of 2000-01-01 00:00 UTC, PostgreSQL's epoch. */
#define EPOCH_2000 INT64_C(946684800)
#define DAY_SECS INT64_C(86400)
#define DAY_USECS (DAY_SECS * 1000000)

/* PostgreSQL's range: dates from 4714-11-24 BC, timestamps before
 * 294277-01-01 and dates before 5874898-01-01. */
#define DATE_MIN_DAYS INT64_C(-2451545)
#define DATE_END_DAYS INT64_C(2145031949)
#define TIMESTAMP_MIN INT64_C(-211813488000000000)
#define TIMESTAMP_END INT64_C(9223371331200000000)

/* Years whose changes of offset are read; beyond them the first or last
 * offset holds.  No zone changes its offset and back within a step. */
#define ZONE_FIRST INT64_C(-5364662400)  /* 1800-01-01 */
#define ZONE_RULE INT64_C(2145916800)    /* 2038-01-01 */
#define ZONE_END INT64_C(13569465600)    /* 2400-01-01 */
#define ZONE_STEP INT64_C(86400)
#define ZONE_RULE_STEP (7 * ZONE_STEP)

struct zone {
	bool loaded;
	int32_t first_offset;   /* before the first change */
	size_t n;
	int64_t *at;            /* Unix time of each change, ascending */
	int32_t *offset;        /* seconds east of UTC from at[k] on */
};

static struct zone zone;

static int32_t offset_at(int64_t t)
{
	time_t tt = (time_t)t;
	struct tm tm;

	if (!localtime_r(&tt, &tm))
		return 0;
	return (int32_t)tm.tm_gmtoff;
}

static void load_zone(void)
{
	char *saved = getenv("TZ") ? xstrdup(getenv("TZ")) : NULL;
	size_t cap = 0;
	int64_t t, step, lo, hi, mid;
	int32_t cur;

	setenv("TZ", PGBIN_LOCAL_ZONE, 1);
	tzset();
	cur = zone.first_offset = offset_at(ZONE_FIRST);
	for (t = ZONE_FIRST; t < ZONE_END; t += step) {
		step = t < ZONE_RULE ? ZONE_STEP : ZONE_RULE_STEP;
		if (offset_at(t + step) == cur)
			continue;
		/* The first second with another offset; the walk goes on
		 * from there. */
		lo = t;
		hi = t + step;
		while (hi - lo > 1) {
			mid = lo + (hi - lo) / 2;
			if (offset_at(mid) == cur)
				lo = mid;
			else
				hi = mid;
		}
		if (zone.n == cap) {
			cap = cap ? 2 * cap : 1024;
			zone.at = xrealloc(zone.at, cap * sizeof *zone.at);
			zone.offset = xrealloc(zone.offset,
					       cap * sizeof *zone.offset);
		}
		cur = offset_at(hi);
		zone.at[zone.n] = hi;
		zone.offset[zone.n] = cur;
		zone.n++;
		step = hi - t;
	}
	if (saved) {
		setenv("TZ", saved, 1);
		free(saved);
	} else {
		unsetenv("TZ");
	}
	tzset();
	zone.loaded = true;
}

int64_t pgbin_local_to_utc(int64_t local)
{
	int64_t mytime = local + EPOCH_2000, prev = mytime - DAY_SECS;
	int64_t before_time, after_time, boundary;
	int32_t before, after;
	size_t lo = 0, hi;

	if (!zone.loaded)
		load_zone();
	/* The first change after a day before: PostgreSQL's
	 * pg_next_dst_boundary() from mytime - 1 day. */
	hi = zone.n;
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		if (zone.at[mid] <= prev)
			lo = mid + 1;
		else
			hi = mid;
	}
	before = lo == 0 ? zone.first_offset : zone.offset[lo - 1];
	if (lo == zone.n)
		return mytime - before - EPOCH_2000;
	boundary = zone.at[lo];
	after = zone.offset[lo];
	before_time = mytime - before;
	after_time = mytime - after;
	if (before_time < boundary && after_time < boundary)
		return before_time - EPOCH_2000;
	if (before_time >= boundary && after_time >= boundary)
		return after_time - EPOCH_2000;
	/* A time the clock skips or shows twice: the later instant, which
	 * is the offset before a spring change and after an autumn one. */
	return (before_time > after_time ? before_time : after_time) -
	       EPOCH_2000;
}

int64_t pgbin_days(int64_t y, int m, int d)
{
	/* Howard Hinnant's days_from_civil, shifted to 2000-01-01. */
	int64_t era, yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = y - era * 400;
	doy = (153 * (m + (m > 2 ? -3 : 9)) + 2) / 5 + d - 1;
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + doe - 719468 - 10957;
}

static bool is_leap(int64_t y)
{
	return (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
}

bool pgbin_date_valid(int64_t y, int m, int d)
{
	static const int days[] = {31, 28, 31, 30, 31, 30,
				   31, 31, 30, 31, 30, 31};

	return m >= 1 && m <= 12 && d >= 1 &&
	       d <= days[m - 1] + (m == 2 && is_leap(y));
}

bool pgbin_timestamp(int64_t y, int m, int d, int h, int mi, int s,
		     int64_t us, int32_t offset, int64_t *out)
{
	int64_t days = pgbin_days(y, m, d), secs, t;

	/* Far enough beyond the range that the arithmetic cannot overflow. */
	if (days < INT64_C(-3000000) || days > INT64_C(110000000))
		return false;
	secs = days * DAY_SECS + h * 3600 + mi * 60 + s;
	if (offset == PGBIN_LOCAL)
		secs = pgbin_local_to_utc(secs);
	else
		secs -= offset;
	t = secs * 1000000 + us;
	if (t < TIMESTAMP_MIN || t >= TIMESTAMP_END)
		return false;
	*out = t;
	return true;
}

/* Reads exactly n digits at *p and moves past them. */
static bool read_digits(const char **p, int n, int *out)
{
	int v = 0, i;

	for (i = 0; i < n; i++) {
		if (!isdigit((unsigned char)(*p)[i]))
			return false;
		v = v * 10 + ((*p)[i] - '0');
	}
	*p += n;
	*out = v;
	return true;
}

/* "yyyy-mm-dd", with 4 to 7 digits of year; the year is as written (the
 * era comes last). */
static bool read_date(const char **p, int64_t *y, int *m, int *d)
{
	const char *s = *p;
	int64_t year = 0;
	int n = 0;

	while (isdigit((unsigned char)*s) && n < 8) {
		year = year * 10 + (*s - '0');
		s++;
		n++;
	}
	if (n < 4 || n > 7 || *s != '-')
		return false;
	s++;
	if (!read_digits(&s, 2, m) || *s != '-')
		return false;
	s++;
	if (!read_digits(&s, 2, d))
		return false;
	*y = year;
	*p = s;
	return true;
}

/* A trailing " BC" turns year (as written: there is no year 0) into an
 * astronomical one. */
static bool read_era(const char **p, int64_t *y)
{
	if (*y == 0)
		return false;
	if (strcmp(*p, " BC") == 0) {
		*y = 1 - *y;
		*p += 3;
	}
	return **p == '\0';
}

static bool parse_date(const char *text, int32_t *out)
{
	const char *p = text;
	int64_t y, days;
	int m, d;

	if (strcmp(text, "infinity") == 0) {
		*out = INT32_MAX;
		return true;
	}
	if (strcmp(text, "-infinity") == 0) {
		*out = INT32_MIN;
		return true;
	}
	if (!read_date(&p, &y, &m, &d) || !read_era(&p, &y) ||
	    !pgbin_date_valid(y, m, d))
		return false;
	days = pgbin_days(y, m, d);
	if (days < DATE_MIN_DAYS || days >= DATE_END_DAYS)
		return false;
	*out = (int32_t)days;
	return true;
}

/* "Z", or "+hh", "+hh:mm", "+hhmm", "+hh:mm:ss" (or "-"), into seconds
 * east of UTC; PGBIN_LOCAL when there is no zone. */
static bool read_zone(const char **p, int32_t *offset)
{
	const char *s = *p;
	int sign, zh, zm = 0, zs = 0;

	*offset = PGBIN_LOCAL;
	if (*s == 'Z') {
		*offset = 0;
		*p = s + 1;
		return true;
	}
	if (*s != '+' && *s != '-')
		return true;
	sign = *s++ == '-' ? -1 : 1;
	if (!read_digits(&s, 2, &zh))
		return false;
	if (*s == ':' || isdigit((unsigned char)*s)) {
		if (*s == ':')
			s++;
		if (!read_digits(&s, 2, &zm))
			return false;
		if (*s == ':') {
			s++;
			if (!read_digits(&s, 2, &zs))
				return false;
		}
	}
	if (zh > 15 || zm > 59 || zs > 59)
		return false;
	*offset = sign * (zh * 3600 + zm * 60 + zs);
	*p = s;
	return true;
}

/* The date, "T" or " ", "hh:mm[:ss[.fraction]]", a zone, an era. */
static bool parse_timestamp(const char *text, int64_t *out)
{
	const char *p = text;
	char frac[16] = "0.";
	int64_t y, us = 0;
	int m, d, h, mi, s = 0, n = 0;
	int32_t offset;

	if (strcmp(text, "infinity") == 0) {
		*out = INT64_MAX;
		return true;
	}
	if (strcmp(text, "-infinity") == 0) {
		*out = INT64_MIN;
		return true;
	}
	if (!read_date(&p, &y, &m, &d) || (*p != 'T' && *p != ' '))
		return false;
	p++;
	if (!read_digits(&p, 2, &h) || *p++ != ':' || !read_digits(&p, 2, &mi))
		return false;
	if (*p == ':') {
		p++;
		if (!read_digits(&p, 2, &s))
			return false;
		if (*p == '.' || *p == ',') {
			p++;
			while (isdigit((unsigned char)*p) && n < 9)
				frac[2 + n++] = *p++;
			if (n == 0 || isdigit((unsigned char)*p))
				return false;
			/* PostgreSQL's own rounding of the fraction. */
			us = (int64_t)rint(strtod(frac, NULL) * 1000000);
		}
	}
	if (!read_zone(&p, &offset) || !read_era(&p, &y) ||
	    !pgbin_date_valid(y, m, d))
		return false;
	if (mi > 59 || s > 60 || h > 24 ||
	    (h == 24 && (mi > 0 || s > 0 || us > 0)))
		return false;
	return pgbin_timestamp(y, m, d, h, mi, s, us, offset, out);
}

/* PostgreSQL's parse_bool_with_len(). */
static int parse_bool(const char *text)
{
	size_t len;
	const char *v = text;

	while (isspace((unsigned char)*v))
		v++;
	len = strlen(v);
	while (len > 0 && isspace((unsigned char)v[len - 1]))
		len--;
	if (len == 0)
		return -1;
	switch (tolower((unsigned char)*v)) {
	case 't': return strncasecmp(v, "true", len) == 0 && len <= 4 ? 1 : -1;
	case 'y': return strncasecmp(v, "yes", len) == 0 && len <= 3 ? 1 : -1;
	case 'f': return strncasecmp(v, "false", len) == 0 && len <= 5 ? 0 : -1;
	case 'n': return strncasecmp(v, "no", len) == 0 && len <= 2 ? 0 : -1;
	case 'o':
		if (len >= 2 && len <= 2 && strncasecmp(v, "on", len) == 0)
			return 1;
		if (len >= 2 && len <= 3 && strncasecmp(v, "off", len) == 0)
			return 0;
		return -1;
	case '1': return len == 1 ? 1 : -1;
	case '0': return len == 1 ? 0 : -1;
	default: return -1;
	}
}

/* PostgreSQL's float8in(): surrounding blanks, "NaN" and infinities are
 * fine, a number too large or too small to be a double is not. */
static bool parse_real(const char *text, double *out)
{
	char *end;
	double v;

	errno = 0;
	v = strtod(text, &end);
	if (end == text)
		return false;
	while (isspace((unsigned char)*end))
		end++;
	if (*end)
		return false;
	if (errno == ERANGE && (v == 0.0 || isinf(v)))
		return false;
	*out = v;
	return true;
}

bool pgbin_parse(enum column_type type, const char *text,
		 struct driver_value *out)
{
	int b;

	switch (type) {
	case COL_INTEGER:
		while (isspace((unsigned char)*text))
			text++;
		return util_parse_int64(text, &out->u.i);
	case COL_REAL:
		return parse_real(text, &out->u.d);
	case COL_BOOLEAN:
		if ((b = parse_bool(text)) < 0)
			return false;
		out->u.b = b == 1;
		return true;
	case COL_DATE:
		return parse_date(text, &out->u.day);
	case COL_TIMESTAMP:
		return parse_timestamp(text, &out->u.us);
	default:
		out->text = text;
		out->len = strlen(text);
		return true;
	}
}
