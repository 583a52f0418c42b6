/*
 * test_pgbin.c: binary COPY values (etl/pgbin.c) and their encoding
 * (etl/copy.c).  The expected instants are what PostgreSQL 15 answers for
 * the same text in a session with TimeZone 'Europe/Paris'.
 */
#include "unit.h"

#include "../../etl/copy.h"
#include "../../etl/pgbin.h"

#include <stdint.h>

/* Seconds since 2000-01-01 UTC of text read as a timestamp, or -1. */
static int64_t stamp(const char *text, int64_t *frac_us)
{
	struct driver_value v;

	if (!pgbin_parse(COL_TIMESTAMP, text, &v))
		return -1;
	if (frac_us)
		*frac_us = v.u.us % 1000000;
	return v.u.us / 1000000;
}

void test_pgbin_dates_count_days_from_2000(void)
{
	struct driver_value v;

	CHECK(pgbin_days(2000, 1, 1) == 0);
	CHECK(pgbin_days(1999, 12, 31) == -1);
	CHECK(pgbin_days(2024, 12, 25) == 9125);
	CHECK(pgbin_days(1970, 1, 1) == -10957);
	CHECK(pgbin_parse(COL_DATE, "2024-02-29", &v) && v.u.day == 8825);
	CHECK(!pgbin_parse(COL_DATE, "2023-02-29", &v));
	CHECK(!pgbin_parse(COL_DATE, "0000-01-01", &v));
	/* 1 BC is astronomical year 0, a leap year. */
	CHECK(pgbin_parse(COL_DATE, "0001-02-29 BC", &v) &&
	      v.u.day == pgbin_days(0, 2, 29));
	CHECK(pgbin_parse(COL_DATE, "infinity", &v) && v.u.day == INT32_MAX);
	CHECK(pgbin_parse(COL_DATE, "-infinity", &v) && v.u.day == INT32_MIN);
	CHECK(!pgbin_parse(COL_DATE, "25/12/2024", &v));
}

void test_pgbin_local_time_is_read_as_postgresql_reads_it(void)
{
	CHECK(stamp("2024-01-15T12:00:00", NULL) == 758631600);
	CHECK(stamp("2024-07-14T12:00:00", NULL) == 774266400);
	/* Skipped in spring: the offset before the change. */
	CHECK(stamp("2024-03-31T02:30:00", NULL) == 765163800);
	/* Shown twice in autumn: the offset after the change. */
	CHECK(stamp("2024-10-27T02:30:00", NULL) == 783307800);
	CHECK(stamp("2024-10-27T01:59:59", NULL) == 783302399);
	CHECK(stamp("2024-10-27T03:00:00", NULL) == 783309600);
	/* Paris mean time, and the rule beyond the tzdata's table. */
	CHECK(stamp("1900-01-01T00:00:00", NULL) == -3155674161);
	CHECK(stamp("2300-07-01T12:00:00", NULL) == 9482781600);
	CHECK(stamp("0044-03-15T12:00:00 BC", NULL) == -64464466161);
}

void test_pgbin_timestamps_with_zones_and_fractions(void)
{
	int64_t frac = 0;

	CHECK(stamp("2024-12-25T10:00:00+05:30", NULL) == 788416200);
	CHECK(stamp("2024-12-25 10:00:00+01", NULL) == 788432400);
	CHECK(stamp("2024-12-25 10:00:00+00:09:21", NULL) == 788435439);
	CHECK(stamp("2024-12-25T09:00:00Z", NULL) == 788432400);
	/* Rounded to the microsecond as PostgreSQL rounds. */
	CHECK(stamp("2024-01-15T12:00:00.1234565", &frac) == 758631600 &&
	      frac == 123456);
	CHECK(stamp("2024-01-15T12:00:00,5", &frac) == 758631600 &&
	      frac == 500000);
	CHECK(stamp("2024-01-15T12:00", NULL) == 758631600);
	CHECK(stamp("2024-01-15T25:00:00", NULL) == -1);
	CHECK(stamp("2024-01-15T12:00:00+16:00", NULL) == -1);
	CHECK(stamp("2024-01-15", NULL) == -1);
}

void test_pgbin_numbers_and_booleans_as_postgresql_reads_them(void)
{
	struct driver_value v;

	CHECK(pgbin_parse(COL_INTEGER, "-9223372036854775808", &v) &&
	      v.u.i == INT64_MIN);
	CHECK(!pgbin_parse(COL_INTEGER, "9223372036854775808", &v));
	CHECK(!pgbin_parse(COL_INTEGER, "12.5", &v));
	CHECK(pgbin_parse(COL_REAL, "12.5", &v) && v.u.d == 12.5);
	CHECK(pgbin_parse(COL_REAL, "Infinity", &v) && v.u.d > 1e308);
	CHECK(pgbin_parse(COL_REAL, "NaN", &v) && v.u.d != v.u.d);
	CHECK(!pgbin_parse(COL_REAL, "1e400", &v));
	CHECK(!pgbin_parse(COL_REAL, "12,5", &v));
	CHECK(pgbin_parse(COL_BOOLEAN, "t", &v) && v.u.b);
	CHECK(pgbin_parse(COL_BOOLEAN, "false", &v) && !v.u.b);
	CHECK(pgbin_parse(COL_BOOLEAN, "off", &v) && !v.u.b);
	CHECK(!pgbin_parse(COL_BOOLEAN, "o", &v));
	CHECK(!pgbin_parse(COL_BOOLEAN, "oui", &v));
}

void test_copy_binary_fields_are_big_endian_with_lengths(void)
{
	static const unsigned char want[] = {
		0, 6,                                   /* fields */
		0, 0, 0, 8, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xfe,
		0, 0, 0, 8, 0x3f, 0xf8, 0, 0, 0, 0, 0, 0, /* 1.5 */
		0, 0, 0, 1, 1,
		0, 0, 0, 4, 0, 0, 0x23, 0xa5,           /* 9125 days */
		0xff, 0xff, 0xff, 0xff,                 /* NULL */
		0, 0, 0, 2, 'h', 0xc3,
	};
	struct copy_writer w = {0};

	sb_init(&w.buf, 0);
	copy_row_begin(&w, 6);
	copy_int8(&w, -2);
	copy_float8(&w, 1.5);
	copy_bool(&w, true);
	copy_date(&w, 9125);
	copy_null(&w);
	copy_bytes(&w, "h\xc3", 2);
	CHECK(w.buf.len == sizeof want);
	CHECK(w.buf.len == sizeof want &&
	      memcmp(w.buf.buf, want, sizeof want) == 0);
	sb_free(&w.buf);
}
