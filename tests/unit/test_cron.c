/* test_cron.c: cron expressions and their next fire time (etl/cron.c).
 *
 * Instants are written in UTC; Paris is UTC+1 in winter and UTC+2 in
 * summer.  In 2026 the clocks go forward on 29 March at 02:00 (01:00 UTC)
 * and back on 25 October at 03:00 (01:00 UTC). */
#include "cron.h"
#include "job.h"
#include "odp.h"
#include "unit.h"

#include <stdlib.h>
#include <time.h>

static time_t utc(int year, int month, int day, int hour, int minute)
{
	struct tm tm;

	memset(&tm, 0, sizeof tm);
	tm.tm_year = year - 1900;
	tm.tm_mon = month - 1;
	tm.tm_mday = day;
	tm.tm_hour = hour;
	tm.tm_min = minute;
	return timegm(&tm);
}

/* The next fire time of expr after `after`, in Paris; -1 when none. */
static time_t next_in(const char *expr, time_t after, const char *tz)
{
	char why[ODP_ERRBUF_SIZE];
	struct cron c;
	time_t next;

	if (!cron_parse(expr, &c, why)) {
		printf("  cron_parse(\"%s\"): %s\n", expr, why);
		return -2;
	}
	return cron_next(&c, after, tz, &next) ? next : -1;
}

static time_t next_paris(const char *expr, time_t after)
{
	return next_in(expr, after, "Europe/Paris");
}

#define CHECK_TIME(got, want)                                               \
	do {                                                                \
		time_t g_ = (got), w_ = (want);                             \
		if (g_ != w_) {                                             \
			char gs_[32] = "none", ws_[32] = "none";            \
			struct tm tm_;                                      \
			if (g_ >= 0 && gmtime_r(&g_, &tm_))                 \
				strftime(gs_, sizeof gs_, "%F %TZ", &tm_);  \
			if (w_ >= 0 && gmtime_r(&w_, &tm_))                 \
				strftime(ws_, sizeof ws_, "%F %TZ", &tm_);  \
			unit_failures++;                                    \
			printf("  %s:%d: %s is %s, expected %s\n", __FILE__, \
			       __LINE__, #got, gs_, ws_);                   \
		}                                                           \
	} while (0)

void test_cron_accepts_what_job_files_accept(void)
{
	static const char *const exprs[] = {
		"* * * * *", "*/5 * * * *", "0 3 * * *", "30 2 * * 1",
		"0 4 1 * *", "1,5-7,20-30/5 */6 1 1-12/3 7", "5/15 * * * *",
		"0 0 29 2 *", "59 23 31 12 0-7", "0-59 0-23 1-31 1-12 0-7",
		"0 3 * *", "0 3 * * * *", "60 * * * *", "* 24 * * *",
		"* * 0 * *", "* * * 13 *", "* * * * 8", "*/0 * * * *",
		"5-1 * * * *", "a * * * *", "1,,2 * * * *", "1- * * * *",
		"*/ * * * *", "", "-1 * * * *", "99999999999999999999 * * * *",
		"\t0\t3 * * *  ",
	};
	char why_job[ODP_ERRBUF_SIZE], why_cron[ODP_ERRBUF_SIZE];
	size_t i;

	for (i = 0; i < sizeof exprs / sizeof *exprs; i++) {
		struct cron c;
		bool job_ok = job_cron_check(exprs[i], why_job);
		bool cron_ok = cron_parse(exprs[i], &c, why_cron);
		if (job_ok != cron_ok) {
			unit_failures++;
			printf("  \"%s\": job_cron_check %d, cron_parse %d\n",
			       exprs[i], job_ok, cron_ok);
		}
		if (!job_ok && !cron_ok)
			CHECK_STR(why_cron, why_job);
	}
}

void test_cron_fields_lists_ranges_and_steps(void)
{
	char why[ODP_ERRBUF_SIZE];
	struct cron c;

	CHECK(cron_parse("1,5-7,20-30/5 */6 1 1-12/3 7", &c, why));
	CHECK(c.minutes == ((1ull << 1) | (1ull << 5) | (1ull << 6) |
			    (1ull << 7) | (1ull << 20) | (1ull << 25) |
			    (1ull << 30)));
	CHECK(c.hours == ((1u << 0) | (1u << 6) | (1u << 12) | (1u << 18)));
	CHECK(c.days == (1u << 1));
	CHECK(c.months == ((1u << 1) | (1u << 4) | (1u << 7) | (1u << 10)));
	CHECK(c.weekdays == 1);   /* 7 is Sunday, bit 0 */
	CHECK(c.days_restricted && c.weekdays_restricted);
	CHECK(c.by_the_clock);   /* the hour field starts with "*" */
	CHECK(cron_parse("0 3 * * *", &c, why));
	CHECK(!c.by_the_clock);

	CHECK(cron_parse("5/15 * * * *", &c, why));
	CHECK(c.minutes == ((1ull << 5) | (1ull << 20) | (1ull << 35) |
			    (1ull << 50)));
	CHECK(c.by_the_clock);
	CHECK(!c.days_restricted && !c.weekdays_restricted);

	CHECK(!cron_parse("0 25 * * *", &c, why));
	CHECK_STR(why, "bad hour field \"25\"; expected *, a number from 0 "
		  "to 23, a range or a list");
}

void test_cron_next_is_strictly_after(void)
{
	CHECK_TIME(next_paris("*/5 * * * *", utc(2026, 1, 15, 10, 3) + 20),
		   utc(2026, 1, 15, 10, 5));
	CHECK_TIME(next_paris("*/5 * * * *", utc(2026, 1, 15, 10, 5)),
		   utc(2026, 1, 15, 10, 10));
	CHECK_TIME(next_paris("* * * * *", utc(2026, 1, 15, 10, 59) + 59),
		   utc(2026, 1, 15, 11, 0));
	CHECK_TIME(next_paris("59 23 31 12 *", utc(2026, 1, 1, 0, 0)),
		   utc(2026, 12, 31, 22, 59));
}

void test_cron_next_in_paris_time_winter_and_summer(void)
{
	CHECK_TIME(next_paris("0 3 * * *", utc(2026, 1, 15, 12, 0)),
		   utc(2026, 1, 16, 2, 0));
	CHECK_TIME(next_paris("0 3 * * *", utc(2026, 7, 1, 12, 0)),
		   utc(2026, 7, 2, 1, 0));
	/* The demo's lighting job: Mondays at 02:30. */
	CHECK_TIME(next_paris("30 2 * * 1", utc(2026, 1, 15, 12, 0)),
		   utc(2026, 1, 19, 1, 30));
	/* Sunday as 7. */
	CHECK_TIME(next_paris("0 0 * * 7", utc(2026, 1, 15, 12, 0)),
		   utc(2026, 1, 17, 23, 0));
}

void test_cron_next_day_of_month_or_day_of_week(void)
{
	/* March 2026: the 10th is a Tuesday, Mondays are 9 and 16. */
	CHECK_TIME(next_paris("0 0 10 * 1", utc(2026, 3, 8, 23, 0)),
		   utc(2026, 3, 9, 23, 0));
	CHECK_TIME(next_paris("0 0 10 * 1", utc(2026, 3, 9, 23, 0)),
		   utc(2026, 3, 15, 23, 0));
	/* A day field starting with "*" is not a restriction: both must
	 * match, so "*" and "*\/1" days mean Mondays only. */
	CHECK_TIME(next_paris("0 0 * * 1", utc(2026, 3, 8, 23, 0)),
		   utc(2026, 3, 15, 23, 0));
	CHECK_TIME(next_paris("0 0 */1 * 1", utc(2026, 3, 8, 23, 0)),
		   utc(2026, 3, 15, 23, 0));
	CHECK_TIME(next_paris("0 0 10 * *", utc(2026, 3, 8, 23, 0)),
		   utc(2026, 3, 9, 23, 0));
}

void test_cron_next_spring_forward_fixed_time_fires_at_end_of_gap(void)
{
	/* 02:30 does not exist on 29 March: it fires at 03:00 CEST. */
	CHECK_TIME(next_paris("30 2 * * *", utc(2026, 3, 28, 12, 0)),
		   utc(2026, 3, 29, 1, 0));
	CHECK_TIME(next_paris("30 2 * * *", utc(2026, 3, 29, 1, 0)),
		   utc(2026, 3, 30, 0, 30));
	/* Two skipped times fire once. */
	CHECK_TIME(next_paris("0,30 2 * * *", utc(2026, 3, 29, 1, 0)),
		   utc(2026, 3, 30, 0, 0));
}

void test_cron_next_spring_forward_by_the_clock_skips_the_gap(void)
{
	/* At 01:30 CET, hourly: the next hour on the clock is 03:00 CEST. */
	CHECK_TIME(next_paris("0 * * * *", utc(2026, 3, 29, 0, 30)),
		   utc(2026, 3, 29, 1, 0));
	CHECK_TIME(next_paris("30 * * * *", utc(2026, 3, 29, 0, 45)),
		   utc(2026, 3, 29, 1, 30));
	CHECK_TIME(next_paris("*/5 * * * *", utc(2026, 3, 29, 0, 57)),
		   utc(2026, 3, 29, 1, 0));
}

void test_cron_next_fall_back_fixed_time_fires_once(void)
{
	/* 02:30 comes twice on 25 October: CEST (00:30 UTC), then CET. */
	CHECK_TIME(next_paris("30 2 * * *", utc(2026, 10, 24, 12, 0)),
		   utc(2026, 10, 25, 0, 30));
	CHECK_TIME(next_paris("30 2 * * *", utc(2026, 10, 25, 0, 30)),
		   utc(2026, 10, 26, 1, 30));
	/* From inside the repeated hour, the first 02:45 has gone by. */
	CHECK_TIME(next_paris("45 2 * * *", utc(2026, 10, 25, 1, 10)),
		   utc(2026, 10, 26, 1, 45));
}

void test_cron_next_fall_back_by_the_clock_fires_in_both_hours(void)
{
	CHECK_TIME(next_paris("30 * * * *", utc(2026, 10, 25, 0, 30)),
		   utc(2026, 10, 25, 1, 30));
	CHECK_TIME(next_paris("30 * * * *", utc(2026, 10, 25, 1, 30)),
		   utc(2026, 10, 25, 2, 30));
	CHECK_TIME(next_paris("*/20 2 * * *", utc(2026, 10, 25, 0, 40)),
		   utc(2026, 10, 25, 1, 0));
}

void test_cron_next_leap_day_and_never(void)
{
	CHECK_TIME(next_paris("0 12 29 2 *", utc(2026, 1, 1, 0, 0)),
		   utc(2028, 2, 29, 11, 0));
	CHECK_TIME(next_paris("0 0 30 2 *", utc(2026, 1, 1, 0, 0)), -1);
	CHECK_TIME(next_paris("* * 31 4 *", utc(2026, 1, 1, 0, 0)), -1);
}

void test_cron_next_other_time_zone_restores_tz(void)
{
	const char *before = getenv("TZ");
	char *saved = before ? strdup(before) : NULL;

	/* Friday 16 January 2026, 10:00 in New York: next weekday 09:00 is
	 * Monday, 14:00 UTC. */
	CHECK_TIME(next_in("0 9 * * 1-5", utc(2026, 1, 16, 15, 0),
			   "America/New_York"),
		   utc(2026, 1, 19, 14, 0));
	CHECK_TIME(next_in("0 9 * * 1-5", utc(2026, 1, 16, 15, 0), "UTC"),
		   utc(2026, 1, 19, 9, 0));
	CHECK((saved == NULL) == (getenv("TZ") == NULL));
	if (saved && getenv("TZ"))
		CHECK_STR(getenv("TZ"), saved);
	free(saved);
}

void test_cron_timezone_names(void)
{
	char why[ODP_ERRBUF_SIZE];

	CHECK(cron_timezone_ok("Europe/Paris", why));
	CHECK(cron_timezone_ok("UTC", why));
	CHECK(!cron_timezone_ok("Europe/Lutece", why));
	CHECK(strstr(why, "unknown time zone \"Europe/Lutece\"") != NULL);
	CHECK(!cron_timezone_ok("../../etc/passwd", why));
	CHECK(!cron_timezone_ok("/etc/localtime", why));
	CHECK(!cron_timezone_ok("", why));
}
