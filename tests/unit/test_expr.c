/* test_expr.c: the filter and derive expression language (etl/expr.c). */
#include "../../etl/expr.h"
#include "odp.h"
#include "sb.h"
#include "unit.h"

#include <stdlib.h>

static const char *const names[] = {
	"nom",    "commune",   "capacite", "places_libres", "ouvert",
	"ouverture", "maj",    "note",     "code",
};
static const enum column_type types[] = {
	COL_TEXT,    COL_TEXT,      COL_INTEGER, COL_INTEGER, COL_BOOLEAN,
	COL_DATE,    COL_TIMESTAMP, COL_REAL,    COL_TEXT,
};
#define N_COLUMNS (sizeof names / sizeof names[0])

static const char *const parking[] = {
	"Parking Blossac", "Châtellerault", "120", "37", "true", "2024-12-25",
	"2024-12-25T10:00:00+01:00", "2.675", "86100",
};
static const char *const empty[] = {
	NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL, NULL,
};

/* Compiles text and evaluates it on values: the result, "NULL", or
 * "error: " and the message (compile or row), in a static buffer. */
static const char *eval_on(const char *text, const char *const *values)
{
	static char result[ODP_ERRBUF_SIZE + 16];
	char err[ODP_ERRBUF_SIZE];
	struct sb out;
	struct expr *e;
	int rc;

	e = expr_compile(text, names, types, N_COLUMNS, err);
	if (!e) {
		snprintf(result, sizeof result, "error: %s", err);
		return result;
	}
	sb_init(&out, 0);
	rc = expr_eval(e, values, &out, err);
	if (rc > 0)
		snprintf(result, sizeof result, "%s", out.buf);
	else if (rc == 0)
		snprintf(result, sizeof result, "NULL");
	else
		snprintf(result, sizeof result, "error: %s", err);
	sb_free(&out);
	expr_free(e);
	return result;
}

static const char *run(const char *text)
{
	return eval_on(text, parking);
}

/* The compile error for text, or "(compiled)". */
static const char *compile_error(const char *text)
{
	static char err[ODP_ERRBUF_SIZE];
	struct expr *e = expr_compile(text, names, types, N_COLUMNS, err);

	if (e) {
		expr_free(e);
		return "(compiled)";
	}
	return err;
}

static enum column_type type_of(const char *text)
{
	char err[ODP_ERRBUF_SIZE];
	struct expr *e = expr_compile(text, names, types, N_COLUMNS, err);
	enum column_type t;

	if (!e)
		return (enum column_type)-1;
	t = expr_type(e);
	expr_free(e);
	return t;
}

void test_expr_the_issue_examples(void)
{
	CHECK_STR(run("commune = 'Poitiers' and capacite >= 100"), "false");
	CHECK_STR(run("commune = 'Châtellerault' and capacite >= 100"),
		  "true");
	CHECK_STR(run("round(100 * (capacite - places_libres) / capacite, 1)"),
		  "69.2");
	CHECK_STR(run("nom || ' (' || commune || ')'"),
		  "Parking Blossac (Châtellerault)");
}

void test_expr_precedence_and_associativity(void)
{
	CHECK_STR(run("1 + 2 * 3"), "7");
	CHECK_STR(run("(1 + 2) * 3"), "9");
	CHECK_STR(run("10 - 3 - 2"), "5");      /* left to right */
	CHECK_STR(run("2 * 3 - 4 * 5"), "-14");
	CHECK_STR(run("-2 * -3"), "6");
	CHECK_STR(run("- - 2"), "2");
	CHECK_STR(run("8 / 4 / 2"), "1");
	CHECK_STR(run("'n' || 1 + 2"), "n3");   /* + binds tighter than || */
	CHECK_STR(run("true or false and false"), "true");  /* and first */
	CHECK_STR(run("(true or false) and false"), "false");
	CHECK_STR(run("not false and false"), "false");     /* not first */
	CHECK_STR(run("not 1 = 2"), "true");    /* not (1 = 2) */
	CHECK_STR(run("1 = 1 is not null"), "true");  /* (1 = 1) is ... */
	CHECK_STR(run("'a' || 'b' = 'ab'"), "true");
	CHECK_STR(run("capacite between 100 and 200 and true"), "true");
	CHECK_STR(run("NOT Capacite < 100 AND Commune LIKE 'Ch%'"), "true");
}

void test_expr_null_three_valued_logic(void)
{
	CHECK_STR(run("null and false"), "false");
	CHECK_STR(run("null and true"), "NULL");
	CHECK_STR(run("null or true"), "true");
	CHECK_STR(run("null or false"), "NULL");
	CHECK_STR(run("not null"), "NULL");
	CHECK_STR(run("null + 1"), "NULL");
	CHECK_STR(run("'a' || null"), "NULL");
	CHECK_STR(run("coalesce(null, 'a' || null, 'b')"), "b");
	CHECK_STR(eval_on("capacite > 100", empty), "NULL");
	CHECK_STR(eval_on("capacite is null", empty), "true");
	CHECK_STR(eval_on("capacite is not null", empty), "false");
	CHECK_STR(eval_on("coalesce(capacite, -1)", empty), "-1");
	CHECK_STR(eval_on("lower(nom)", empty), "NULL");
	/* in: unknown when no match but a null in the list */
	CHECK_STR(run("capacite in (1, null)"), "NULL");
	CHECK_STR(run("capacite in (120, null)"), "true");
	CHECK_STR(run("capacite not in (1, null)"), "NULL");
	CHECK_STR(run("capacite between null and 10"), "false");
	CHECK_STR(run("capacite between null and 200"), "NULL");
	CHECK_STR(run("nullif(capacite, 120)"), "NULL");
	CHECK_STR(run("nullif(capacite, 7)"), "120");
}

void test_expr_filter_keeps_only_true_rows(void)
{
	char err[ODP_ERRBUF_SIZE];
	struct expr *e = expr_compile("capacite >= 100", names, types,
				      N_COLUMNS, err);
	struct expr *text = expr_compile("nom", names, types, N_COLUMNS, err);

	CHECK(e && expr_type(e) == COL_BOOLEAN);
	if (e) {
		CHECK(expr_eval_bool(e, parking, err) == 1);
		CHECK(expr_eval_bool(e, empty, err) == 0);  /* NULL: dropped */
	}
	CHECK(text && expr_eval_bool(text, parking, err) == ODP_ERR_INVALID);
	CHECK(strstr(err, "not a condition") != NULL);
	expr_free(e);
	expr_free(text);
}

void test_expr_comparisons_across_types(void)
{
	CHECK_STR(run("capacite = 120.0"), "true");  /* integer vs decimal */
	CHECK_STR(run("note < 3"), "true");
	CHECK_STR(run("capacite > note"), "true");
	CHECK_STR(run("'B' < 'a'"), "true");          /* bytewise, UTF-8 */
	CHECK_STR(run("'é' > 'z'"), "true");
	CHECK_STR(run("'ab' < 'abc'"), "true");
	CHECK_STR(run("ouvert = true"), "true");
	CHECK_STR(run("false < true"), "true");
	CHECK_STR(run("ouverture = '2024-12-25'"), "true");  /* literal read */
	CHECK_STR(run("ouverture > '25/12/2023'"), "true");  /* as a date */
	CHECK_STR(run("ouverture in ('2024-12-24', '2024-12-25')"), "true");
	/* timestamps compare as instants: 10:00+01:00 is 09:00Z */
	CHECK_STR(run("maj < '2024-12-25T09:30:00Z'"), "true");
	CHECK_STR(run("maj = '2024-12-25 09:00:00Z'"), "true");
	CHECK_STR(run("1 <> 2"), "true");
	CHECK_STR(run("1 != 1"), "false");
	CHECK_STR(compile_error("capacite = 'abc'"),
		  "at character 10: cannot compare integer with text; "
		  "numbers are written without quotes");
	CHECK_STR(compile_error("ouverture = maj"),
		  "at character 11: cannot compare date with timestamp; "
		  "date(x) gives the date of a timestamp");
	CHECK_STR(compile_error("ouvert = 1"),
		  "at character 8: cannot compare boolean with integer; "
		  "booleans are written true and false");
	CHECK_STR(compile_error("ouverture > '2024-13-01'"),
		  "at character 13: '2024-13-01' is not a date (expected "
		  "2024-12-25 or 25/12/2024)");
}

void test_expr_like_in_between_is_null(void)
{
	CHECK_STR(run("commune like 'Ch%'"), "true");
	CHECK_STR(run("commune like 'ch%'"), "false");
	CHECK_STR(run("commune ilike 'CHÂT%'"), "true");
	CHECK_STR(run("commune like 'Ch_tellerault'"), "true");  /* _ = â */
	CHECK_STR(run("commune like '%ault'"), "true");
	CHECK_STR(run("commune like '%'"), "true");
	CHECK_STR(run("commune not like '%x%'"), "true");
	CHECK_STR(run("'' like '%'"), "true");
	CHECK_STR(run("'' like '_'"), "false");
	CHECK_STR(run("'50%' like '50\\%'"), "true");
	CHECK_STR(run("'50x' like '50\\%'"), "false");
	CHECK_STR(run("'aXbXc' like 'a%b%c'"), "true");
	CHECK_STR(run("'abc' like 'a%b%c%d'"), "false");
	CHECK_STR(run("code in ('86000', '86100')"), "true");
	CHECK_STR(run("code not in ('86000', '86100')"), "false");
	CHECK_STR(run("capacite in (1, 2, 3)"), "false");
	CHECK_STR(run("capacite in (1, 120.0)"), "true");
	CHECK_STR(run("capacite between 100 and 120"), "true");
	CHECK_STR(run("capacite not between 100 and 120"), "false");
	CHECK_STR(run("nom is not null and code is not null"), "true");
	CHECK_STR(compile_error("capacite like '1%'"),
		  "at character 10: \"like\" compares text with a text "
		  "pattern, not integer with text");
	CHECK_STR(compile_error("code in '86000'"),
		  "at character 9: expected \"(\" after \"in\", found "
		  "\"'86000'\": write x in ('a', 'b')");
	CHECK_STR(compile_error("capacite is 3"),
		  "at character 13: expected \"null\" after \"is\", found "
		  "\"3\"");
}

void test_expr_text_functions_count_characters(void)
{
	CHECK_STR(run("length(commune)"), "13");  /* 14 bytes */
	CHECK_STR(run("substr(commune, 1, 4)"), "Chât");
	CHECK_STR(run("substr(commune, 3, 2)"), "ât");
	CHECK_STR(run("substr(commune, 10)"), "ault");
	CHECK_STR(run("substr(commune, 0, 3)"), "Ch");  /* as SQL */
	CHECK_STR(run("substr(commune, -5, 3)"), "");
	CHECK_STR(run("substr(commune, 20)"), "");
	CHECK_STR(run("substr(commune, 13, 100)"), "t");
	CHECK_STR(run("substr(commune, 1, -1)"),
		  "error: at character 1: substr(): the number of characters "
		  "cannot be negative (-1)");
	CHECK_STR(run("upper(commune)"), "CHÂTELLERAULT");
	CHECK_STR(run("lower('ÉCOLE ŒUVRE ÀÇ ÿŸ')"), "école œuvre àç ÿÿ");
	CHECK_STR(run("upper('straße ÿ')"), "STRAßE Ÿ");
	CHECK_STR(run("lower('ΣΟΦΊΑ Москва')"), "σοφία москва");
	CHECK_STR(run("trim('  \t Poitiers \u00a0')"), "Poitiers");
	CHECK_STR(run("trim('   ')"), "");
	CHECK_STR(run("length('')"), "0");
	CHECK_STR(run("'it''s'"), "it's");
	CHECK_STR(run("length('it''s')"), "4");
	/* an invalid byte is one character and survives unchanged */
	CHECK_STR(run("length('a\xff" "b')"), "3");
	CHECK_STR(run("upper('a\xff" "b')"), "A\xff" "B");
	CHECK_STR(run("'x' || capacite || ' ' || note || ' ' || ouverture"),
		  "x120 2.675 2024-12-25");
	CHECK_STR(compile_error("ouvert || 'x'"),
		  "at character 8: \"||\" joins text, not boolean; \"or\" "
		  "combines conditions");
}

void test_expr_numbers_and_rounding(void)
{
	CHECK_STR(run("7 / 2"), "3.5");     /* never truncates */
	CHECK_STR(run("6 / 3"), "2");
	CHECK_STR(run("0.1 + 0.2"), "0.30000000000000004");
	CHECK_STR(run("1.5 * 2"), "3");
	CHECK_STR(run("round(2.5)"), "3");  /* half away from zero */
	CHECK_STR(run("round(-2.5)"), "-3");
	CHECK_STR(run("round(note, 2)"), "2.68");  /* 2.675 as written */
	CHECK_STR(run("round(1.005, 2)"), "1.01");
	CHECK_STR(run("round(-1.005, 2)"), "-1.01");
	CHECK_STR(run("round(9.99, 1)"), "10");
	CHECK_STR(run("round(1234, -2)"), "1200");
	CHECK_STR(run("round(0.4)"), "0");
	CHECK_STR(run("round(0.004, 2)"), "0");
	CHECK_STR(run("round(capacite)"), "120");
	CHECK_STR(run("abs(-3.5) + abs(-2)"), "5.5");
	CHECK_STR(run("1e3"), "1000");
	CHECK_STR(run(".5"), "0.5");
	CHECK_STR(run("9223372036854775808"), "9.223372036854776e+18");
	CHECK_STR(run("round(1e300)"),
		  "error: at character 1: round(): 1e+300 is too large for an "
		  "integer; round(x, 0) gives a decimal");
}

void test_expr_division_by_zero_is_null(void)
{
	CHECK_STR(run("1 / 0"), "NULL");
	CHECK_STR(run("capacite / (places_libres - 37)"), "NULL");
	CHECK_STR(run("note / 0.0"), "NULL");
	CHECK_STR(run("coalesce(capacite / 0, -1)"), "-1");
	CHECK_STR(run("1 / 0 is null"), "true");
}

void test_expr_integer_overflow_is_a_row_error(void)
{
	CHECK_STR(run("9223372036854775807 + 1"),
		  "error: at character 21: the result of \"+\" is too large "
		  "for an integer");
	CHECK_STR(run("capacite * 9223372036854775807"),
		  "error: at character 10: the result of \"*\" is too large "
		  "for an integer");
	CHECK_STR(run("-9223372036854775807 - 2"),
		  "error: at character 22: the result of \"-\" is too large "
		  "for an integer");
	CHECK_STR(run("abs(-9223372036854775807 - 1)"),
		  "error: at character 1: abs(): the result is too large for "
		  "an integer");
	CHECK_STR(run("1e308 * 10"),
		  "error: at character 7: the result of \"*\" is too large");
	CHECK_STR(run("9223372036854775807 * 1.0"), "9.223372036854776e+18");
}

void test_expr_bad_values_are_row_errors(void)
{
	const char *bad[] = {"x", "x", "douze", "1", "peut-être",
			     "2024-02-30", "hier", "NaN", "x"};

	CHECK_STR(eval_on("capacite + 1", bad),
		  "error: at character 1: column \"capacite\" holds "
		  "\"douze\", which is not an integer");
	CHECK_STR(eval_on("ouvert", bad),
		  "error: at character 1: column \"ouvert\" holds "
		  "\"peut-être\", which is not a boolean");
	CHECK_STR(eval_on("ouverture", bad),
		  "error: at character 1: column \"ouverture\" holds "
		  "\"2024-02-30\", which is not a date");
	CHECK_STR(eval_on("note", bad),
		  "error: at character 1: column \"note\" holds \"NaN\", "
		  "which is not a decimal");
	/* a column not used is never read */
	CHECK_STR(eval_on("places_libres + 1", bad), "2");
}

void test_expr_dates_and_timestamps(void)
{
	CHECK_STR(run("ouverture + 7"), "2025-01-01");
	CHECK_STR(run("ouverture - 366"), "2023-12-25");
	CHECK_STR(run("ouverture - '2024-01-01'"), "359");
	CHECK_STR(run("year(ouverture) * 100 + month(ouverture)"), "202412");
	CHECK_STR(run("day(maj)"), "25");
	CHECK_STR(run("maj"), "2024-12-25T10:00:00+01:00");
	CHECK_STR(run("date(maj)"), "2024-12-25");
	/* the date as written, in the timestamp's own zone */
	CHECK_STR(eval_on("date(coalesce(maj, '2024-12-31T23:30:00-05:00'))",
			  empty),
		  "2024-12-31");
	CHECK_STR(run("date('2024-12-31T23:30:00-05:00')"), "2024-12-31");
	CHECK_STR(run("date('31/12/2024')"), "2024-12-31");
	CHECK_STR(run("date(nom)"), "NULL");
	CHECK_STR(eval_on("coalesce(maj, '2024-12-25T10:00:00.250Z')", empty),
		  "2024-12-25T10:00:00.25+00:00");
	CHECK_STR(eval_on("coalesce(maj, '2024-12-25 10:00')", empty),
		  "2024-12-25T10:00:00");
	/* a literal alone is text: only a comparison or a mix reads it */
	CHECK(type_of("coalesce(null, '2024-12-25')") == COL_TEXT);
	CHECK_STR(run("year('2024-02-29')"), "2024");
	CHECK_STR(run("ouverture + 3000000"),
		  "error: at character 11: the date is out of range (years 1 "
		  "to 9999)");
	CHECK_STR(compile_error("year('2023-02-29')"),
		  "at character 6: '2023-02-29' is not a date (expected "
		  "2024-12-25 or 25/12/2024)");
}

void test_expr_derive_types(void)
{
	CHECK(type_of("capacite + 1") == COL_INTEGER);
	CHECK(type_of("capacite + 1.5") == COL_REAL);
	CHECK(type_of("capacite / 2") == COL_REAL);
	CHECK(type_of("round(note)") == COL_INTEGER);
	CHECK(type_of("round(note, 1)") == COL_REAL);
	CHECK(type_of("length(nom)") == COL_INTEGER);
	CHECK(type_of("nom || capacite") == COL_TEXT);
	CHECK(type_of("capacite > 1") == COL_BOOLEAN);
	CHECK(type_of("ouverture + 1") == COL_DATE);
	CHECK(type_of("ouverture - ouverture") == COL_INTEGER);
	CHECK(type_of("maj") == COL_TIMESTAMP);
	CHECK(type_of("date(maj)") == COL_DATE);
	CHECK(type_of("coalesce(capacite, note)") == COL_REAL);
	CHECK(type_of("coalesce(null, capacite)") == COL_INTEGER);
	CHECK(type_of("coalesce(ouverture, '2000-01-01')") == COL_DATE);
	CHECK(type_of("null") == COL_TEXT);
	/* a decimal result of an integer coalesce is written as one */
	CHECK_STR(run("coalesce(capacite, note)"), "120");
	CHECK_STR(run("coalesce(null, 2.5, capacite)"), "2.5");
}

void test_expr_compile_errors_say_where_and_what(void)
{
	CHECK_STR(compile_error("commune = "),
		  "at character 11: expected a value after \"=\"");
	CHECK_STR(compile_error("capacite >= and 1"),
		  "at character 13: expected a value after \">=\", found "
		  "\"and\"");
	CHECK_STR(compile_error("(capacite + 1"),
		  "at character 14: expected \")\" to close the \"(\" at "
		  "character 1, found the end of the expression");
	CHECK_STR(compile_error("capacite + 1)"),
		  "at character 13: unmatched \")\"");
	CHECK_STR(compile_error("capacite 1"),
		  "at character 10: expected an operator or the end of the "
		  "expression after \"capacite\", found \"1\"");
	CHECK_STR(compile_error("note > 12,5"),
		  "at character 10: unexpected \",\": decimals are written "
		  "with a point (12.5)");
	CHECK_STR(compile_error("commune = \"Poitiers\""),
		  "at character 11: text is written between single quotes: "
		  "'Poitiers', not \"Poitiers\"");
	CHECK_STR(compile_error("nom = 'Blossac"),
		  "at character 7: unterminated text: the ' that starts it "
		  "has no closing '");
	CHECK_STR(compile_error("capacite == 1"),
		  "at character 10: \"==\" is written \"=\"");
	CHECK_STR(compile_error("1 < capacite < 200"),
		  "at character 14: comparisons cannot be chained; write "
		  "\"a < b and b < c\"");
	CHECK_STR(compile_error("capacite = null"),
		  "at character 10: comparing with null is never true; write "
		  "\"x is null\"");
	CHECK_STR(compile_error("nom + 1"),
		  "at character 5: \"+\" needs numbers (or a date and a "
		  "number of days), not text and integer; \"||\" joins text");
	CHECK_STR(compile_error("capacite and true"),
		  "at character 10: \"and\" needs conditions (true or false), "
		  "not integer");
	CHECK_STR(compile_error("lower(capacite)"),
		  "at character 7: lower() needs text, not integer");
	CHECK_STR(compile_error("substr(nom, '2')"),
		  "at character 13: substr(): argument 2 must be an integer, "
		  "not text");
	CHECK_STR(compile_error("round(note, 1, 2)"),
		  "at character 1: round() takes 1 or 2 arguments, found 3");
	CHECK_STR(compile_error("coalesce(nom, capacite)"),
		  "at character 1: cannot mix text with integer");
	CHECK_STR(compile_error("moyenne(capacite)"),
		  "at character 1: unknown function \"moyenne\"; the functions "
		  "are: lower, upper, trim, length, substr, round, abs, "
		  "coalesce, nullif, year, month, day, date");
	CHECK_STR(compile_error("12abc > 1"),
		  "at character 1: \"12abc\" is neither a number nor a name "
		  "(names start with a letter)");
	CHECK_STR(compile_error("nom = 'é' and x"),
		  "at character 15: unknown column \"x\"; the columns are: "
		  "nom, commune, capacite, places_libres, ouvert, ouverture, "
		  "maj, note, code");
	CHECK_STR(compile_error(""), "at character 1: the expression is empty");
	CHECK_STR(compile_error("capacite ; 1"),
		  "at character 10: unexpected character \";\"");
}

void test_expr_unknown_column_lists_the_columns(void)
{
	/* positions count characters, not bytes: "é" is one */
	CHECK_STR(compile_error("nom = 'é' and capacté > 1"),
		  "at character 15: unknown column \"capacté\" (did you mean "
		  "\"capacite\"?); the columns are: nom, commune, capacite, "
		  "places_libres, ouvert, ouverture, maj, note, code");
	CHECK_STR(compile_error("commune = Poitiers"),
		  "at character 11: unknown column \"Poitiers\" (text is "
		  "written between single quotes: 'Poitiers'); the columns "
		  "are: nom, commune, capacite, places_libres, ouvert, "
		  "ouverture, maj, note, code");
	/* names in any case, and with their accents */
	CHECK_STR(run("CAPACITE + Places_Libres"), "157");
	CHECK_STR(run("capacité"), "120");
}

void test_expr_bounds_length_depth_nodes(void)
{
	char text[EXPR_TEXT_MAX + 2];
	struct sb sb;
	int i;

	memset(text, ' ', sizeof text - 1);
	text[0] = '1';
	text[sizeof text - 1] = '\0';
	CHECK_STR(compile_error(text), "the expression is too long (4097 "
				       "bytes, at most 4096)");
	text[EXPR_TEXT_MAX] = '\0';
	CHECK_STR(compile_error(text), "(compiled)");

	sb_init(&sb, 0);
	for (i = 0; i < 64; i++)
		sb_putc(&sb, '(');
	sb_putc(&sb, '1');
	for (i = 0; i < 64; i++)
		sb_putc(&sb, ')');
	CHECK_STR(compile_error(sb.buf), "(compiled)");
	sb_reset(&sb);
	for (i = 0; i < 65; i++)
		sb_putc(&sb, '(');
	sb_putc(&sb, '1');
	for (i = 0; i < 65; i++)
		sb_putc(&sb, ')');
	CHECK_STR(compile_error(sb.buf),
		  "at character 65: the expression is nested too deeply "
		  "(more than 64 levels)");
	sb_reset(&sb);
	for (i = 0; i < 100; i++)
		sb_puts(&sb, "not ");
	sb_puts(&sb, "true");
	CHECK(strstr(compile_error(sb.buf), "nested too deeply") != NULL);
	sb_reset(&sb);
	for (i = 0; i < 100; i++)
		sb_puts(&sb, "1 + ");
	sb_puts(&sb, "1");
	CHECK(strstr(compile_error(sb.buf), "nested too deeply") != NULL);
	/* long "and", "or" and "||" chains stay shallow */
	sb_reset(&sb);
	sb_puts(&sb, "nom");
	for (i = 0; i < 300; i++)
		sb_puts(&sb, " || 'x'");
	CHECK_STR(compile_error(sb.buf), "(compiled)");
	sb_reset(&sb);
	sb_puts(&sb, "code in (");
	for (i = 0; i < 998; i++)
		sb_puts(&sb, i ? ",''" : "''");
	sb_puts(&sb, ")");
	CHECK_STR(compile_error(sb.buf), "(compiled)");  /* 1000 nodes */
	sb_reset(&sb);
	sb_puts(&sb, "code in (");
	for (i = 0; i < 999; i++)
		sb_puts(&sb, i ? ",''" : "''");
	sb_puts(&sb, ")");
	CHECK(strstr(compile_error(sb.buf),
		     "too long: more than 1000 values, names and operators"));
	sb_free(&sb);
}

/* Inputs that once looked dangerous, or could be: each must compile or be
 * refused cleanly, and evaluate without a crash. */
void test_expr_nasty_inputs(void)
{
	static const char *const nasty[] = {
		"'", "''''", "(", ")", "\xff", "\xc3", "é", "-", "not", "in ()",
		"code in ()", "1 between 1", "x is", "substr(", "round(,)",
		"coalesce()", "||", "\\", "1e999", "1e", "1.", "..5",
		"capacite not", "nom like", "--1", "- -9223372036854775808",
		"abs(-9223372036854775807 - 1)",
		"substr(nom, -9223372036854775807 - 1, 9223372036854775807)",
		"substr(nom, 9223372036854775807, 9223372036854775807)",
		"round(note, 9223372036854775807)",
		"round(note, -9223372036854775807)",
		"round(1.7976931348623157e308, -308)", "round(5e-324, 400)",
		"ouverture + 9223372036854775807", "ouverture - -4000000",
		"lower(upper(trim(substr(nom || '\xff\xfe', 2))))",
		"nom like '%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%b'",
		"nom ilike '\\'", "nom like '\\\\%'", "date('')",
		"date('99/99/9999')", "'\xe2\x80\xaf' || trim('\xe2\x80')",
		"maj > '2024-12-25T10:00:00+15:59'", "nullif(null, null)",
		"coalesce(null)", "null is null is null", "null - ouverture",
	};
	char err[ODP_ERRBUF_SIZE];
	struct sb out;
	size_t i;

	sb_init(&out, 0);
	for (i = 0; i < sizeof nasty / sizeof nasty[0]; i++) {
		struct expr *e = expr_compile(nasty[i], names, types,
					      N_COLUMNS, err);
		if (!e) {
			CHECK(strncmp(err, "at character ", 13) == 0);
			continue;
		}
		CHECK(expr_eval(e, parking, &out, err) >= ODP_ERR_INVALID);
		CHECK(expr_eval(e, empty, &out, err) >= ODP_ERR_INVALID);
		expr_free(e);
	}
	sb_free(&out);
	CHECK_STR(run("round(1.7976931348623157e308, -308)"),
		  "error: at character 1: round(): the result is too large");
	CHECK_STR(run("substr(nom, -9223372036854775807 - 1, "
		      "9223372036854775807)"),
		  "");
	CHECK_STR(run("null - ouverture"), "NULL");
	CHECK_STR(run("nom like '%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%%b'"),
		  "false");
	expr_free(NULL);
}

void test_expr_result_longer_than_the_buffer_is_an_error(void)
{
	char err[ODP_ERRBUF_SIZE];
	struct expr *e = expr_compile("nom || nom", names, types, N_COLUMNS,
				      err);
	struct sb out;

	sb_init(&out, 16);
	CHECK(e && expr_eval(e, parking, &out, err) == ODP_ERR_INVALID);
	CHECK_STR(err, "the result is longer than 16 bytes");
	sb_free(&out);
	expr_free(e);
}
