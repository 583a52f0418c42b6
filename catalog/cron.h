/*
 * cron.h: five-field cron expressions and the next time they fire.
 *
 * The syntax is the one job_cron_check() accepts: minute, hour, day of
 * month, month and day of week, each "*", "n", "a-b" or a comma list of
 * them, each optionally followed by "/step" ("a/step" means a to the field's
 * end).  Day of week runs from 0 to 7, 0 and 7 both Sunday.
 *
 * The semantics are Vixie cron's.  When both the day-of-month and the
 * day-of-week fields are restricted (do not start with "*"), a day matches
 * when either does; otherwise both must.  Times are wall-clock times in a
 * time zone (Europe/Paris unless ODP_TIMEZONE says otherwise), and
 * daylight saving time changes are handled as Vixie cron does:
 *
 *   - a schedule whose minute or hour field starts with "*" follows the
 *     clock as it is: in the hour repeated in autumn it fires again, in the
 *     hour skipped in spring it does not fire;
 *   - any other schedule fires once per wall-clock time: a time repeated in
 *     autumn fires the first time only, a time skipped in spring fires at
 *     the end of the gap (02:30 on the last Sunday of March fires at 03:00).
 *
 * Everything here is pure computation, apart from cron_next() switching
 * the process's TZ for the time of the call.
 */
#ifndef ODP_CRON_H
#define ODP_CRON_H

#include <stdbool.h>
#include <stdint.h>
#include <time.h>

#define CRON_DEFAULT_TIMEZONE "Europe/Paris"

/* Years searched for the next fire time: a 29 February, or a weekday
 * falling on one, can be eight years away. */
#define CRON_SEARCH_YEARS 11

struct cron {
	uint64_t minutes;          /* bit n set: minute n (0-59) matches */
	uint32_t hours;            /* bits 0-23 */
	uint32_t days;             /* bits 1-31 */
	uint16_t months;           /* bits 1-12 */
	uint8_t weekdays;          /* bits 0-6, Sunday is 0 */
	bool days_restricted;      /* the day-of-month field is not "*..." */
	bool weekdays_restricted;  /* the day-of-week field is not "*..." */
	bool by_the_clock;         /* the minute or hour field is "*..." */
};

/* Parses expr into out.  On failure returns false and writes what is wrong
 * into why (ODP_ERRBUF_SIZE bytes); out is then unspecified. */
bool cron_parse(const char *expr, struct cron *out, char *why);

/* Finds the first time strictly after `after` at which c fires, in time
 * zone tz (an IANA name such as "Europe/Paris"; NULL: the process's own
 * zone).  Returns false when c never fires within CRON_SEARCH_YEARS
 * ("0 0 30 2 *").  Sets and restores TZ, so it must not run while another
 * thread reads the local time. */
bool cron_next(const struct cron *c, time_t after, const char *tz,
	       time_t *next);

/* The time zone of schedules: ODP_TIMEZONE, or CRON_DEFAULT_TIMEZONE.
 * Borrowed from the environment. */
const char *cron_timezone(void);

/* True when tz names a zone in the system's time zone database (TZDIR or
 * /usr/share/zoneinfo); the C library would silently take an unknown name
 * for UTC.  On false, writes why into why (ODP_ERRBUF_SIZE bytes). */
bool cron_timezone_ok(const char *tz, char *why);

#endif
