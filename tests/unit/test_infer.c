/* test_infer.c: type inference of text columns (etl/infer.c). */
#include "../../etl/infer.h"
#include "unit.h"

static unsigned type_of(const char *const *values, size_t n)
{
	unsigned cand = INFER_ALL;
	size_t i, n_values = 0;

	for (i = 0; i < n; i++) {
		if (infer_is_null(values[i]))
			continue;
		n_values++;
		cand = infer_candidates(values[i], cand);
	}
	return infer_pick(cand, n_values);
}

void test_infer_integers_keep_leading_zeros_as_text(void)
{
	const char *ints[] = {"12", "-3", "0", "", "NA"};
	const char *postcodes[] = {"86000", "01234"};

	CHECK(type_of(ints, 5) == INFER_INTEGER);
	CHECK(type_of(postcodes, 2) == 0);
}

void test_infer_decimal_comma_and_point(void)
{
	const char *reals[] = {"12,5", "3", "-0,25", "1.5"};
	const char *text[] = {"12,5", "1,2,3"};
	char out[INFER_VALUE_MAX + 1];

	CHECK(type_of(reals, 4) == INFER_REAL);
	CHECK(type_of(text, 2) == 0);
	CHECK(infer_convert("12,5", INFER_REAL, out));
	CHECK_STR(out, "12.5");
}

void test_infer_french_dates(void)
{
	const char *dates[] = {"25/12/2024", "2024-01-31", "N/A"};
	const char *bad[] = {"31/02/2024"};
	char out[INFER_VALUE_MAX + 1];

	CHECK(type_of(dates, 3) == INFER_DATE);
	CHECK(type_of(bad, 1) == 0);
	CHECK(infer_convert("25/12/2024", INFER_DATE, out));
	CHECK_STR(out, "2024-12-25");
	CHECK(infer_convert("29/02/2024", INFER_DATE, out));
	CHECK(!infer_convert("29/02/2023", INFER_DATE, out));
}

void test_infer_booleans(void)
{
	const char *bools[] = {"oui", "NON", "Vrai", "false"};
	char out[INFER_VALUE_MAX + 1];

	CHECK(type_of(bools, 4) == INFER_BOOLEAN);
	CHECK(infer_convert("Oui", INFER_BOOLEAN, out));
	CHECK_STR(out, "true");
}

void test_infer_null_tokens(void)
{
	CHECK(infer_is_null(""));
	CHECK(infer_is_null("NA"));
	CHECK(infer_is_null("n/a"));
	CHECK(infer_is_null("-"));
	CHECK(infer_is_null("NULL"));
	CHECK(!infer_is_null("0"));
	CHECK(!infer_is_null("nan"));
}

void test_infer_all_empty_column_stays_text(void)
{
	const char *empty[] = {"", "NA"};
	CHECK(type_of(empty, 2) == 0);
}

void test_infer_trim(void)
{
	size_t len;
	const char *t = infer_trim("  Poitiers \t", &len);
	CHECK(len == 8 && strncmp(t, "Poitiers", len) == 0);
}

void test_infer_timestamps_with_and_without_zone(void)
{
	const char *ts[] = {"2024-12-25T08:30:00+01:00", "25/12/2024 08:30",
			    "2024-12-25 08:30:15.250Z", "2024-12-25T08:30:00-0330"};
	const char *bad[] = {"2024-12-25T25:00"};
	char out[INFER_VALUE_MAX + 1];

	CHECK(type_of(ts, 4) == INFER_TIMESTAMP);
	CHECK(type_of(bad, 1) == 0);
	CHECK(infer_convert("25/12/2024 08:30", INFER_TIMESTAMP, out));
	CHECK_STR(out, "2024-12-25T08:30:00");
	CHECK(infer_convert("2024-12-25 08:30:15.250Z", INFER_TIMESTAMP, out));
	CHECK_STR(out, "2024-12-25T08:30:15.250Z");
	CHECK(infer_convert("2024-12-25T08:30:00-0330", INFER_TIMESTAMP, out));
	CHECK_STR(out, "2024-12-25T08:30:00-03:30");
	/* A date alone stays a date. */
	CHECK(!infer_convert("2024-12-25", INFER_TIMESTAMP, out));
}
