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
	X(test_infer_timestamps_with_and_without_zone)     \
	X(test_job_valid_file_loads)                       \
	X(test_job_reports_every_problem_with_its_path)    \
	X(test_job_invalid_json_names_line_and_column)     \
	X(test_job_missing_file)                           \
	X(test_job_cron_check)                             \
	X(test_job_metadata_keys_load)                     \
	X(test_job_metadata_typos_name_the_allowed_values) \
	X(test_job_temporal_is_a_column_or_declared_dates) \
	X(test_job_insee_uris_and_dates)                   \
	X(test_catalogue_file_is_checked_like_a_job)       \
	X(test_catalogue_local_themes_of_a_job)            \
	X(test_quality_complete_dataset_scores_nine)       \
	X(test_quality_names_what_is_missing)              \
	X(test_quality_on_time_per_frequency_with_a_day_of_tolerance) \
	X(test_quality_reachable_distributions)            \
	X(test_quality_open_formats_and_documentation)     \
	X(test_quality_from_the_sql_json)                  \
	X(test_cron_accepts_what_job_files_accept)         \
	X(test_cron_fields_lists_ranges_and_steps)         \
	X(test_cron_next_is_strictly_after)                \
	X(test_cron_next_in_paris_time_winter_and_summer)  \
	X(test_cron_next_day_of_month_or_day_of_week)      \
	X(test_cron_next_spring_forward_fixed_time_fires_at_end_of_gap) \
	X(test_cron_next_spring_forward_by_the_clock_skips_the_gap) \
	X(test_cron_next_fall_back_fixed_time_fires_once)  \
	X(test_cron_next_fall_back_by_the_clock_fires_in_both_hours) \
	X(test_cron_next_leap_day_and_never)               \
	X(test_cron_next_other_time_zone_restores_tz)      \
	X(test_cron_timezone_names)                        \
	X(test_expr_the_issue_examples)                    \
	X(test_expr_precedence_and_associativity)          \
	X(test_expr_null_three_valued_logic)               \
	X(test_expr_filter_keeps_only_true_rows)           \
	X(test_expr_comparisons_across_types)              \
	X(test_expr_like_in_between_is_null)               \
	X(test_expr_text_functions_count_characters)       \
	X(test_expr_numbers_and_rounding)                  \
	X(test_expr_division_by_zero_is_null)              \
	X(test_expr_integer_overflow_is_a_row_error)       \
	X(test_expr_bad_values_are_row_errors)             \
	X(test_expr_dates_and_timestamps)                  \
	X(test_expr_derive_types)                          \
	X(test_expr_compile_errors_say_where_and_what)     \
	X(test_expr_unknown_column_lists_the_columns)      \
	X(test_expr_bounds_length_depth_nodes)             \
	X(test_expr_nasty_inputs)                          \
	X(test_expr_result_longer_than_the_buffer_is_an_error) \
	X(test_sb_error_is_sticky_at_the_limit)            \
	X(test_sb_printf_grows_and_stops_at_the_limit)     \
	X(test_format_int64_extremes)                      \
	X(test_sb_json_string_escapes)                     \
	X(test_rdf_nodes_are_interned_and_prefixed)        \
	X(test_rdf_turtle_groups_and_escapes)              \
	X(test_rdf_same_graph_same_bytes)                  \
	X(test_dcat_reads_postgresql_arrays)               \
	X(test_catalog_accept_negotiation)                 \
	X(test_copy_binary_fields_are_big_endian_with_lengths) \
	X(test_pgbin_dates_count_days_from_2000)          \
	X(test_pgbin_local_time_is_read_as_postgresql_reads_it) \
	X(test_pgbin_timestamps_with_zones_and_fractions) \
	X(test_pgbin_numbers_and_booleans_as_postgresql_reads_them) \
	X(test_json_pointer_rfc6901_examples)              \
	X(test_json_pointer_leads_nowhere)                 \
	X(test_json_pointer_malformed)                     \
	X(test_db_text_array_quotes)                       \
	X(test_search_bbox_four_numbers_in_range)          \
	X(test_search_modified_since_dates_and_times)      \
	X(test_search_modified_since_rejects_what_is_not_a_date) \
	X(test_search_sorts)                               \
	X(test_diff_classifies_added_removed_retyped)      \
	X(test_diff_policy_fail_refuses_any_change)        \
	X(test_diff_describe_names_every_column_and_both_types) \
	X(test_diff_json_lists_changes_in_column_order)    \
	X(test_job_schema_policy_and_keep_versions)        \
	X(test_export_coordinates_have_at_most_7_decimals) \
	X(test_export_points_in_geojson_and_wkt)           \
	X(test_export_lines_polygons_and_multis)           \
	X(test_export_damaged_geometries_are_refused)      \
	X(test_export_reals_are_short_and_exact)

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
