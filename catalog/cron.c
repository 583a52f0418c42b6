/*
 * cron.c: cron expressions and their next fire time (see cron.h).
 *
 * A parsed expression is one bit mask per field.  The next fire time is
 * found in one of two ways, after Vixie cron's handling of daylight saving
 * time:
 *
 *   by the clock   minute or hour field starting with "*": walk forward in
 *                  real time from `after`, reading the local time at each
 *                  step and jumping to the next day, hour or matching
 *                  minute; whatever the clock shows is what fires, so an
 *                  hour repeated in autumn fires twice and a skipped one
 *                  never;
 *   by the wall    fixed times: walk the calendar (pure arithmetic, no
 *                  time zone) day by day, and turn each matching wall-clock
 *                  time into its first instant with mktime(); a time the
 *                  clock skips becomes the end of the gap.
 *
 * Both searches are bounded by CRON_SEARCH_YEARS.
 */
#include "cron.h"

#include "odp.h"
#include "sb.h"
#include "util.h"

#include <ctype.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* Bounds of the instant search around a time the clock skips: no zone has
 * two changes of offset within six hours. */
#define GAP_SEARCH_SECONDS (6 * 3600)

struct field_spec {
	const char *name;
	int lo, hi;
};

static const struct field_spec field_specs[5] = {
	{"minute", 0, 59}, {"hour", 0, 23}, {"day of month", 1, 31},
	{"month", 1, 12}, {"day of week", 0, 7},
};

/* A wall-clock time, month 1-12. */
struct wall {
	int year, month, day, hour, minute;
};

/* Parses one field ("*", "n", "a-b", each optionally "/step", joined by
 * commas) into bits; false when it is not one or a value is out of
 * [lo, hi].  Same grammar as job_cron_check(). */
static bool parse_field(const char *field, int lo, int hi, uint64_t *bits)
{
	const char *p = field;

	*bits = 0;
	for (;;) {
		long a, b, step = 1, v;
		bool range = false;
		char *end;

		if (*p == '*') {
			a = lo;
			b = hi;
			range = true;
			p++;
		} else {
			if (!isdigit((unsigned char)*p))
				return false;
			a = b = strtol(p, &end, 10);
			p = end;
			if (a < lo || a > hi)
				return false;
			if (*p == '-') {
				p++;
				if (!isdigit((unsigned char)*p))
					return false;
				b = strtol(p, &end, 10);
				p = end;
				if (b < a || b > hi)
					return false;
				range = true;
			}
		}
		if (*p == '/') {
			p++;
			if (!isdigit((unsigned char)*p))
				return false;
			step = strtol(p, &end, 10);
			p = end;
			if (step < 1 || step > hi)
				return false;
			if (!range)
				b = hi;   /* "a/step": from a to the end */
		}
		for (v = a; v <= b; v += step)
			*bits |= (uint64_t)1 << v;
		if (*p == '\0')
			return true;
		if (*p != ',')
			return false;
		p++;
	}
}

bool cron_parse(const char *expr, struct cron *out, char *why)
{
	char copy[128], *parts[6], *p;
	size_t n = 0, len = strlen(expr), i;
	uint64_t bits[5];

	if (len >= sizeof copy) {
		util_seterr(why, "too long");
		return false;
	}
	memcpy(copy, expr, len + 1);
	for (p = copy; *p && n < 6;) {
		while (*p == ' ' || *p == '\t')
			*p++ = '\0';
		if (!*p)
			break;
		parts[n++] = p;
		while (*p && *p != ' ' && *p != '\t')
			p++;
	}
	if (n != 5) {
		util_seterr(why, "found %zu fields; expected five (minute hour "
			    "day-of-month month day-of-week)", n);
		return false;
	}
	for (i = 0; i < 5; i++) {
		if (!parse_field(parts[i], field_specs[i].lo, field_specs[i].hi,
				 &bits[i])) {
			util_seterr(why, "bad %s field \"%s\"; expected *, a "
				    "number from %d to %d, a range or a list",
				    field_specs[i].name, parts[i],
				    field_specs[i].lo, field_specs[i].hi);
			return false;
		}
	}
	memset(out, 0, sizeof *out);
	out->minutes = bits[0];
	out->hours = (uint32_t)bits[1];
	out->days = (uint32_t)bits[2];
	out->months = (uint16_t)bits[3];
	/* 7 is Sunday too. */
	out->weekdays = (uint8_t)((bits[4] | bits[4] >> 7) & 0x7f);
	out->days_restricted = parts[2][0] != '*';
	out->weekdays_restricted = parts[4][0] != '*';
	out->by_the_clock = parts[0][0] == '*' || parts[1][0] == '*';
	return true;
}

/* Vixie's rule: with both day fields restricted, either matches. */
static bool day_matches(const struct cron *c, int month, int day, int wday)
{
	bool dom = c->days >> day & 1, dow = c->weekdays >> wday & 1;

	if (!(c->months >> month & 1))
		return false;
	if (c->days_restricted && c->weekdays_restricted)
		return dom || dow;
	return dom && dow;
}

/* The first minute >= from that matches, or 60. */
static int next_minute(const struct cron *c, int from)
{
	while (from < 60 && !(c->minutes >> from & 1))
		from++;
	return from;
}

/* Orders wall-clock times; seconds included. */
static int64_t wall_key(int year, int month, int day, int hour, int minute,
			int second)
{
	return (((((int64_t)year * 13 + month) * 32 + day) * 24 + hour) * 60 +
		minute) * 60 + second;
}

static bool local_key(time_t t, int64_t *key)
{
	struct tm tm;

	if (!localtime_r(&t, &tm))
		return false;
	*key = wall_key(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			tm.tm_hour, tm.tm_min, tm.tm_sec);
	return true;
}

static void wall_to_tm(const struct wall *w, int isdst, struct tm *tm)
{
	memset(tm, 0, sizeof *tm);
	tm->tm_year = w->year - 1900;
	tm->tm_mon = w->month - 1;
	tm->tm_mday = w->day;
	tm->tm_hour = w->hour;
	tm->tm_min = w->minute;
	tm->tm_isdst = isdst;
}

/* The first instant at which the local clock reads w: its first
 * occurrence when the clock goes through w twice, the end of the gap when
 * the clock skips it.  False when the C library cannot represent it. */
static bool first_instant(const struct wall *w, time_t *out)
{
	int64_t want, key;
	time_t found = 0, t, lo, hi;
	bool any = false;
	struct tm tm;
	int isdst;

	want = wall_key(w->year, w->month, w->day, w->hour, w->minute, 0);
	/* mktime() normalises tm to the local time of its answer: when that
	 * is w again, w exists with that offset. */
	for (isdst = 0; isdst <= 1; isdst++) {
		wall_to_tm(w, isdst, &tm);
		t = mktime(&tm);
		if (t == (time_t)-1 ||
		    wall_key(tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday,
			     tm.tm_hour, tm.tm_min, tm.tm_sec) != want)
			continue;
		if (!any || t < found)
			found = t;
		any = true;
	}
	if (any) {
		*out = found;
		return true;
	}
	/* w falls in a gap: find the first instant whose clock reads later. */
	wall_to_tm(w, -1, &tm);
	t = mktime(&tm);
	if (t == (time_t)-1)
		return false;
	lo = t - GAP_SEARCH_SECONDS;
	hi = t + GAP_SEARCH_SECONDS;
	if (!local_key(lo, &key) || key >= want || !local_key(hi, &key) ||
	    key <= want)
		return false;
	while (hi - lo > 1) {
		time_t mid = lo + (hi - lo) / 2;
		if (!local_key(mid, &key))
			return false;
		if (key > want)
			hi = mid;
		else
			lo = mid;
	}
	*out = hi;
	return true;
}

static int days_in_month(int year, int month)
{
	static const int days[12] = {31, 28, 31, 30, 31, 30,
				     31, 31, 30, 31, 30, 31};

	if (month == 2 && year % 4 == 0 && (year % 100 != 0 || year % 400 == 0))
		return 29;
	return days[month - 1];
}

static void next_date(struct wall *w, int *wday)
{
	*wday = (*wday + 1) % 7;
	if (++w->day > days_in_month(w->year, w->month)) {
		w->day = 1;
		if (++w->month > 12) {
			w->month = 1;
			w->year++;
		}
	}
}

/* Fixed times: each matching wall-clock time fires once. */
static bool next_by_wall(const struct cron *c, time_t after, time_t *next)
{
	struct tm now;
	struct wall w;
	int wday, day, h, m;
	time_t t;

	if (!localtime_r(&after, &now))
		return false;
	w.year = now.tm_year + 1900;
	w.month = now.tm_mon + 1;
	w.day = now.tm_mday;
	wday = now.tm_wday;
	for (day = 0; day < CRON_SEARCH_YEARS * 366; day++, next_date(&w, &wday)) {
		if (!day_matches(c, w.month, w.day, wday))
			continue;
		for (h = day ? 0 : now.tm_hour; h < 24; h++) {
			if (!(c->hours >> h & 1))
				continue;
			m = day || h > now.tm_hour ? 0 : now.tm_min + 1;
			for (m = next_minute(c, m); m < 60;
			     m = next_minute(c, m + 1)) {
				w.hour = h;
				w.minute = m;
				/* In the hour repeated in autumn, a time
				 * after `after` on the clock may have fired
				 * already, before the clock went back. */
				if (first_instant(&w, &t) && t > after) {
					*next = t;
					return true;
				}
			}
		}
	}
	return false;
}

/* The first instant of the local day after tm's, or at least one minute on. */
static time_t next_day(const struct tm *now, time_t t)
{
	struct tm tm;
	time_t r;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = now->tm_year;
	tm.tm_mon = now->tm_mon;
	tm.tm_mday = now->tm_mday + 1;
	tm.tm_isdst = -1;
	r = mktime(&tm);
	return r > t ? r : t + 60;
}

/* "*" in the minute or hour field: whatever the clock shows fires. */
static bool next_by_clock(const struct cron *c, time_t after, time_t *next)
{
	time_t limit = after + (time_t)CRON_SEARCH_YEARS * 366 * 86400;
	time_t t = after - (after % 60 + 60) % 60 + 60;
	struct tm tm;
	int m;

	while (t <= limit) {
		if (!localtime_r(&t, &tm))
			return false;
		if (tm.tm_sec != 0) {
			/* A zone whose offset is not whole minutes (local
			 * mean time before 1900): align on its minutes. */
			t += 60 - tm.tm_sec;
			continue;
		}
		if (!day_matches(c, tm.tm_mon + 1, tm.tm_mday, tm.tm_wday)) {
			t = next_day(&tm, t);
			continue;
		}
		if (!(c->hours >> tm.tm_hour & 1)) {
			t += (time_t)(60 - tm.tm_min) * 60;
			continue;
		}
		m = next_minute(c, tm.tm_min);
		if (m == tm.tm_min) {
			*next = t;
			return true;
		}
		t += (time_t)(m - tm.tm_min) * 60;
	}
	return false;
}

bool cron_next(const struct cron *c, time_t after, const char *tz,
	       time_t *next)
{
	char *saved = NULL;
	bool ok;

	if (tz) {
		saved = xstrdup(getenv("TZ"));
		setenv("TZ", tz, 1);
		tzset();
	}
	ok = c->by_the_clock ? next_by_clock(c, after, next)
			     : next_by_wall(c, after, next);
	if (tz) {
		if (saved)
			setenv("TZ", saved, 1);
		else
			unsetenv("TZ");
		tzset();
		free(saved);
	}
	return ok;
}

const char *cron_timezone(void)
{
	const char *tz = getenv("ODP_TIMEZONE");

	return tz && *tz ? tz : CRON_DEFAULT_TIMEZONE;
}

bool cron_timezone_ok(const char *tz, char *why)
{
	const char *dir = getenv("TZDIR"), *p;
	struct stat st;
	struct sb path;
	bool ok = *tz && tz[0] != '/' && !strstr(tz, "..") && strlen(tz) < 128;

	for (p = tz; ok && *p; p++)
		ok = isalnum((unsigned char)*p) || strchr("/_+-", *p);
	if (!ok) {
		util_seterr(why, "\"%s\" is not a time zone name; expected a "
			    "name such as \"Europe/Paris\"", tz);
		return false;
	}
	if (!dir || !*dir)
		dir = "/usr/share/zoneinfo";
	sb_init(&path, 0);
	sb_printf(&path, "%s/%s", dir, tz);
	ok = !sb_failed(&path) && stat(path.buf, &st) == 0 &&
	     S_ISREG(st.st_mode);
	if (!ok)
		util_seterr(why, "unknown time zone \"%s\": no such zone in "
			    "%s", tz, dir);
	sb_free(&path);
	return ok;
}
