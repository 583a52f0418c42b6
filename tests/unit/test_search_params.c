/* test_search_params.c: the checks of GET /datasets' bbox, modified_since
 * and sort (api/search_params.c). */
#include "../../api/search_params.h"
#include "unit.h"

static bool bbox_ok(const char *s, double out[4])
{
	char why[256];

	return search_parse_bbox(s, out, why, sizeof why);
}

void test_search_bbox_four_numbers_in_range(void)
{
	double b[4];

	CHECK(bbox_ok("0.2,46.5,0.5,46.7", b));
	CHECK(b[0] == 0.2 && b[1] == 46.5 && b[2] == 0.5 && b[3] == 46.7);
	CHECK(bbox_ok("-180,-90,180,90", b));
	CHECK(bbox_ok("-1.5e-1,4.6e1,1,47", b) && b[0] == -0.15);
	CHECK(!bbox_ok("0.2,46.5,0.5", b));
	CHECK(!bbox_ok("0.2,46.5,0.5,46.7,1", b));
	CHECK(!bbox_ok("0.2,46.5,0.5,", b));
	CHECK(!bbox_ok(",46.5,0.5,46.7", b));
	CHECK(!bbox_ok("0.2;46.5;0.5;46.7", b));
	CHECK(!bbox_ok("a,46.5,0.5,46.7", b));
	CHECK(!bbox_ok(" 0.2,46.5,0.5,46.7", b));
	CHECK(!bbox_ok("0.2,46.5,0.5,46.7 ", b));
	CHECK(!bbox_ok("nan,46.5,0.5,46.7", b));
	CHECK(!bbox_ok("0.2,46.5,inf,46.7", b));
	CHECK(!bbox_ok("-180.1,0,1,1", b));
	CHECK(!bbox_ok("0,-90.5,1,1", b));
	CHECK(!bbox_ok("0,0,1,91", b));
	CHECK(!bbox_ok("1,0,0,1", b));
	CHECK(!bbox_ok("0,1,1,0", b));
	CHECK(!bbox_ok("0,0,0,1", b));
	CHECK(!bbox_ok("", b));
	CHECK(!bbox_ok("0.00000000000000000000000000000000000001,0,1,1", b));
}

static const char *when(const char *s)
{
	static char out[SEARCH_DATETIME_SIZE];
	char why[256];

	return search_parse_datetime(s, out, why, sizeof why) ? out : "bad";
}

void test_search_modified_since_dates_and_times(void)
{
	CHECK_STR(when("2024-03-01"), "2024-03-01T00:00:00+00:00");
	CHECK_STR(when("2024-02-29"), "2024-02-29T00:00:00+00:00");
	CHECK_STR(when("2000-02-29"), "2000-02-29T00:00:00+00:00");
	CHECK_STR(when("2024-03-01T08:15"), "2024-03-01T08:15:00+00:00");
	CHECK_STR(when("2024-03-01t08:15:30Z"), "2024-03-01T08:15:30+00:00");
	CHECK_STR(when("2024-03-01 08:15:30.25"), "2024-03-01T08:15:30.25+00:00");
	CHECK_STR(when("2024-03-01T08:15:30.123456+01:00"),
		  "2024-03-01T08:15:30.123456+01:00");
	CHECK_STR(when("2024-03-01T08:15:30-0530"), "2024-03-01T08:15:30-05:30");
	CHECK_STR(when("2024-03-01T08:15 02"), "2024-03-01T08:15:00+02:00");
	CHECK_STR(when("2024-03-01T23:59:59+14:00"),
		  "2024-03-01T23:59:59+14:00");
}

void test_search_modified_since_rejects_what_is_not_a_date(void)
{
	CHECK_STR(when(""), "bad");
	CHECK_STR(when("yesterday"), "bad");
	CHECK_STR(when("2024-3-1"), "bad");
	CHECK_STR(when("24-03-01"), "bad");
	CHECK_STR(when("2024/03/01"), "bad");
	CHECK_STR(when("2024-13-01"), "bad");
	CHECK_STR(when("2024-00-10"), "bad");
	CHECK_STR(when("2023-02-29"), "bad");
	CHECK_STR(when("1900-02-29"), "bad");
	CHECK_STR(when("2024-04-31"), "bad");
	CHECK_STR(when("0000-01-01"), "bad");
	CHECK_STR(when("2024-03-01T24:00"), "bad");
	CHECK_STR(when("2024-03-01T10:60"), "bad");
	CHECK_STR(when("2024-03-01T10:00:60"), "bad");
	CHECK_STR(when("2024-03-01T10"), "bad");
	CHECK_STR(when("2024-03-01T10:00:00."), "bad");
	CHECK_STR(when("2024-03-01T10:00:00.1234567"), "bad");
	CHECK_STR(when("2024-03-01T10:00:00+15:00"), "bad");
	CHECK_STR(when("2024-03-01T10:00:00+01:60"), "bad");
	CHECK_STR(when("2024-03-01T10:00:00+1"), "bad");
	CHECK_STR(when("2024-03-01T10:00:00Zjunk"), "bad");
	CHECK_STR(when("2024-03-01 "), "bad");
	CHECK_STR(when("2024-03-01Z"), "bad");
}

void test_search_sorts(void)
{
	static const char *const names[] = {"relevance", "identifier", "title",
					    "-title", "modified", "-modified"};
	size_t i;

	for (i = 0; i < sizeof names / sizeof names[0]; i++) {
		const struct search_sort *s = search_sort_find(names[i]);

		CHECK(s && strcmp(s->name, names[i]) == 0);
		/* Every order ends on the identifier: pages never overlap. */
		CHECK(s && strstr(s->order_by, "h.identifier") != NULL);
	}
	CHECK(search_sort_find("Title") == NULL);
	CHECK(search_sort_find("-relevance") == NULL);
	CHECK(search_sort_find("") == NULL);
}
