/* test_strings.c: string buffer, array literals. */
#include "db.h"
#include "sb.h"
#include "unit.h"
#include "util.h"

#include <stdint.h>

#include <stdlib.h>

void test_sb_error_is_sticky_at_the_limit(void)
{
	struct sb sb;

	sb_init(&sb, 8);
	sb_puts(&sb, "12345");
	CHECK(!sb_failed(&sb));
	sb_puts(&sb, "6789");
	CHECK(sb_failed(&sb));
	sb_puts(&sb, "x");
	CHECK(sb_failed(&sb));
	CHECK_STR(sb.buf, "12345");
	sb_free(&sb);
}

void test_sb_json_string_escapes(void)
{
	struct sb sb;

	sb_init(&sb, 0);
	sb_put_json_string(&sb, "a\"b\\c\nd\x01é");
	CHECK_STR(sb.buf, "\"a\\\"b\\\\c\\nd\\u0001é\"");
	sb_free(&sb);
}

void test_db_text_array_quotes(void)
{
	char *items[] = {"mobilité", "a\"b", "c\\d", "e,f"};
	char *lit = db_text_array(items, 4);

	CHECK_STR(lit, "{\"mobilité\",\"a\\\"b\",\"c\\\\d\",\"e,f\"}");
	free(lit);
	lit = db_text_array(NULL, 0);
	CHECK_STR(lit, "{}");
	free(lit);
}

void test_sb_printf_grows_and_stops_at_the_limit(void)
{
	struct sb sb;
	int i;

	sb_init(&sb, 0);
	for (i = 0; i < 1000; i++)
		sb_printf(&sb, "%d,", i);
	CHECK(!sb_failed(&sb));
	CHECK(sb.len == 3890);
	CHECK(strncmp(sb.buf + sb.len - 4, "999,", 4) == 0);
	sb_free(&sb);

	sb_init(&sb, 10);
	sb_printf(&sb, "%s", "12345678");
	CHECK(!sb_failed(&sb));
	sb_printf(&sb, "%d", 1);      /* fits exactly: 9 bytes */
	CHECK(!sb_failed(&sb));
	CHECK_STR(sb.buf, "123456781");
	sb_printf(&sb, "%d", 23);
	CHECK(sb_failed(&sb));
	sb_free(&sb);
}

void test_format_int64_extremes(void)
{
	char buf[24];

	CHECK(util_format_int64(0, buf) == 1);
	CHECK_STR(buf, "0");
	util_format_int64(-42, buf);
	CHECK_STR(buf, "-42");
	util_format_int64(INT64_MAX, buf);
	CHECK_STR(buf, "9223372036854775807");
	CHECK(util_format_int64(INT64_MIN, buf) == 20);
	CHECK_STR(buf, "-9223372036854775808");
}
