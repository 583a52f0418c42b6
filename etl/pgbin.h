/*
 * pgbin.h: values in the binary forms that PostgreSQL's binary COPY reads.
 *
 * Dates are days since 2000-01-01 and timestamps microseconds since
 * 2000-01-01 00:00 UTC, in the proleptic Gregorian calendar, as PostgreSQL
 * stores them.  A timestamp without a zone is local time in
 * PGBIN_LOCAL_ZONE and is resolved the way PostgreSQL resolves one in a
 * session with that TimeZone: a time that the clock skips in spring is
 * read with the offset before the change, a time it shows twice in autumn
 * with the offset after it.  So a value loaded in binary is the value the
 * same text would have given.
 */
#ifndef ODP_PGBIN_H
#define ODP_PGBIN_H

#include "driver.h"

#include <stdbool.h>
#include <stdint.h>

/* Naive timestamps in the territory's sources are local time here. */
#define PGBIN_LOCAL_ZONE "Europe/Paris"

/* Days from 2000-01-01 to y-m-d (astronomical years: 0 is 1 BC).  Pure;
 * the caller checks the date. */
int64_t pgbin_days(int64_t y, int m, int d);

/* True when y-m-d (astronomical year) is a day of the calendar. */
bool pgbin_date_valid(int64_t y, int m, int d);

/* The UTC instant, in seconds since 2000-01-01 00:00 UTC, of a wall-clock
 * time in PGBIN_LOCAL_ZONE given as seconds since 2000-01-01 00:00 of that
 * clock.  The first call reads the zone's changes of offset (a few
 * milliseconds); later calls are a binary search. */
int64_t pgbin_local_to_utc(int64_t local);

/* The microseconds since 2000-01-01 00:00 UTC of a date and wall-clock
 * time (astronomical year, seconds up to 60 as PostgreSQL reads them,
 * plus us microseconds); offset is the zone's offset east of UTC in
 * seconds, or PGBIN_LOCAL for local time.  False when the instant is out
 * of PostgreSQL's range. */
#define PGBIN_LOCAL INT32_MIN
bool pgbin_timestamp(int64_t y, int m, int d, int h, int mi, int s,
		     int64_t us, int32_t offset, int64_t *out);

/* Reads text, a value of a column of the given type written as
 * PostgreSQL text input (what source.c makes of the drivers' text, and
 * PostgreSQL's own output for int8, float8, boolean, date and timestamp
 * with or without time zone, infinities and BC dates included), into
 * *out.  A COL_TEXT value is borrowed, not copied.  False when text is not
 * such a value or is out of PostgreSQL's range. */
bool pgbin_parse(enum column_type type, const char *text,
		 struct driver_value *out);

#endif
