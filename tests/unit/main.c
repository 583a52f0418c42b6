/*
 * main.c: runs every unit test and prints one PASS or FAIL line each.
 * Exits non-zero when any test failed.
 */
#include "unit.h"

int unit_failures;

#define TESTS(X)                                           \
	X(test_names_fold_accents_and_case)                \
	X(test_names_start_with_a_letter)                  \
	X(test_names_avoid_reserved_words)                 \
	X(test_names_fit_postgresql_identifiers)           \
	X(test_names_are_made_unique)                      \
	X(test_infer_integers_keep_leading_zeros_as_text)  \
	X(test_infer_decimal_comma_and_point)              \
	X(test_infer_french_dates)                         \
	X(test_infer_booleans)                             \
	X(test_infer_null_tokens)                          \
	X(test_infer_all_empty_column_stays_text)          \
	X(test_infer_trim)                                 \
	X(test_job_valid_file_loads)                       \
	X(test_job_reports_every_problem_with_its_path)    \
	X(test_job_invalid_json_names_line_and_column)     \
	X(test_job_missing_file)                           \
	X(test_job_cron_check)                             \
	X(test_sb_error_is_sticky_at_the_limit)            \
	X(test_sb_json_string_escapes)                     \
	X(test_copy_escape_text_format)                    \
	X(test_db_text_array_quotes)

#define DECLARE(name) void name(void);
TESTS(DECLARE)

int main(void)
{
	int failed = 0;

#define RUN(name)                                               \
	unit_failures = 0;                                      \
	name();                                                 \
	printf("%s %s\n", unit_failures ? "FAIL" : "PASS", #name); \
	failed += unit_failures != 0;
	TESTS(RUN)
	return failed ? 1 : 0;
}
