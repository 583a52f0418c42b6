/*
 * expr.c: a small, safe expression language for "filter" and "derive".
 *
 * Written by data referents, not programmers, so it looks like SQL's WHERE
 * clause and says precisely where a mistake is.  It is checked completely
 * at compile time (every column exists, every operator gets the types it
 * needs), so a row can only fail on a value: an overflow, or a value that
 * does not read as its column's type.
 *
 * The language
 *
 *   Values     12  12.5  1e6  'text, with '' for a quote'  true  false  null
 *              column names: letters, digits and _, any case (accents are
 *              tolerated: capacité finds capacite)
 *   Operators, loosest first (as in PostgreSQL):
 *              or
 *              and
 *              not
 *              x is null, x is not null
 *              =  != (or <>)  <  <=  >  >=          (no chaining: a < b < c)
 *              x [not] in (a, b, ...)   x [not] between a and b
 *              x [not] like 'Poit%'     x [not] ilike 'poit%'
 *                  (% any characters, _ one character, \% \_ themselves;
 *                   ilike ignores case)
 *              ||                                   (joins text)
 *              +  -
 *              *  /
 *              - (negation)
 *              ( ... )
 *   Functions  lower(t) upper(t) trim(t) length(t) substr(t, start[, count])
 *              round(x) round(x, digits) abs(x)
 *              coalesce(a, b, ...) nullif(a, b)
 *              year(d) month(d) day(d) date(x)
 *
 * Grammar (EBNF; keywords and function names in any case):
 *
 *   expr    = and { "or" and }
 *   and     = not { "and" not }
 *   not     = "not" not | is
 *   is      = cmp { "is" [ "not" ] "null" }
 *   cmp     = pred [ ( "=" | "!=" | "<>" | "<" | "<=" | ">" | ">=" ) pred ]
 *   pred    = concat [ [ "not" ] ( ( "like" | "ilike" ) concat
 *                                | "in" "(" expr { "," expr } ")"
 *                                | "between" concat "and" concat ) ]
 *   concat  = sum { "||" sum }
 *   sum     = product { ( "+" | "-" ) product }
 *   product = unary { ( "*" | "/" ) unary }
 *   unary   = ( "-" | "+" ) unary | primary
 *   primary = number | string | "true" | "false" | "null"
 *           | name "(" [ expr { "," expr } ] ")" | name | "(" expr ")"
 *
 * Types: integer, decimal (double precision), text, boolean, date,
 * timestamp.
 *   - Integers and decimals mix; the result is decimal.  "/" always gives a
 *     decimal (7 / 2 = 3.5: no surprise truncation).  An integer literal too
 *     large for 64 bits is read as a decimal.
 *   - Integer overflow is an error for the row, never a silent wrap; so is
 *     a decimal result too large to be finite.  Division by zero gives
 *     NULL, as in SQLite and MySQL, so that one empty "capacite" does not
 *     stop a harvest.
 *   - date + integer and date - integer add days; date - date counts them
 *     (ouverture - '2024-01-01' too).
 *   - Comparisons need the same kind of value on both sides (numbers with
 *     numbers); a quoted literal compared with a date or timestamp is read
 *     as one ('2024-01-01', '25/12/2024'), and a wrong one is a compile
 *     error.  Text compares byte by byte (UTF-8 order); timestamps compare
 *     as instants, a timestamp without zone being read as UTC.
 *   - "||" turns numbers, dates and timestamps into their text; it refuses
 *     booleans, since "a = 1 || b = 2" means "or".
 *   - NULL propagates as in SQL: any operator or function with a NULL input
 *     gives NULL (so does 'a' || null), except "is null", coalesce(), and
 *     "and"/"or", which use three-valued logic (false and null = false,
 *     true or null = true).  A filter keeps a row only when it is true.
 *     "x = null" is refused: it is never true; write "x is null".
 *   - Text functions count characters, not bytes (UTF-8; an invalid byte
 *     counts as one character).  lower/upper/ilike fold ASCII, Latin-1,
 *     Latin Extended-A, Greek and Cyrillic; trim removes spaces, tabs,
 *     line breaks and no-break spaces.  substr is SQL's: 1-based, a start
 *     before 1 eats into the count, a negative count is an error.
 *   - round(x) gives an integer, round(x, digits) a decimal; halves round
 *     away from zero, on the decimal value as written (round(2.675, 2) is
 *     2.68).  digits may be negative: round(1234, -2) = 1200.
 *   - year, month, day take a date or a timestamp (its date as written,
 *     in its own zone); date(x) gives the date of a timestamp, or reads a
 *     text as "2024-12-25", "25/12/2024" or an ISO 8601 timestamp (NULL
 *     when it is none of them).
 *
 * Bounds: EXPR_TEXT_MAX bytes of text, EXPR_DEPTH_MAX levels of nesting
 * (parentheses, prefix operators, or operators stacked on their left
 * operand: a sum of 70 terms is too deep, a chain of 70 "and" or "||" is
 * not), EXPR_NODES_MAX values, names and operators.
 *
 * How it works: a recursive-descent parser turns the text into an array of
 * nodes (first child, next sibling), checking types as each node is made;
 * "and", "or", "||", "in" and the functions keep their operands in one
 * node, so that long chains stay shallow.  Parser recursion and tree depth
 * are both bounded by EXPR_DEPTH_MAX, so evaluation, a recursive walk,
 * never goes deeper.  Text made while evaluating (lower(), ||) lives in a
 * scratch buffer owned by the struct expr, used as a stack: a node's
 * result is moved down to where its evaluation started, so one row needs
 * as much scratch as its longest intermediate texts and no allocation once
 * the buffer has grown.
 */
#include "expr.h"

#include "infer.h"
#include "names.h"
#include "odp.h"
#include "util.h"

#include <assert.h>
#include <math.h>
#include <stdarg.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Largest scratch space one evaluation may use. */
#define EXPR_SCRATCH_MAX ((size_t)64 << 20)

enum vtype { VT_NULL, VT_INT, VT_REAL, VT_TEXT, VT_BOOL, VT_DATE, VT_TS };

static const char *const vtype_names[] = {
	[VT_NULL] = "null",    [VT_INT] = "integer", [VT_REAL] = "decimal",
	[VT_TEXT] = "text",    [VT_BOOL] = "boolean", [VT_DATE] = "date",
	[VT_TS] = "timestamp",
};

/* An instant, and the zone it was written in (to write it back so). */
struct stamp {
	int64_t us;      /* microseconds since 1970-01-01 00:00 UTC */
	int32_t offset;  /* minutes east of UTC */
	bool zoned;      /* false: written without zone, read as UTC */
};

/* Text borrowed from a row, a literal, or the scratch buffer; scratch text
 * is an offset, since the buffer may move when it grows. */
struct text {
	const char *ptr;
	size_t off;
	size_t len;
	bool scratch;
};

struct val {
	enum vtype type;
	bool null;
	union {
		int64_t i;
		double r;
		bool b;
		int32_t day;  /* days since 1970-01-01 */
		struct stamp ts;
		struct text s;
	} u;
};

enum op {
	OP_LIT, OP_COL, OP_NEG, OP_NOT, OP_AND, OP_OR, OP_CMP, OP_IS_NULL,
	OP_IN, OP_LIKE, OP_BETWEEN, OP_CONCAT, OP_ADD, OP_SUB, OP_MUL, OP_DIV,
	OP_CALL
};

enum cmp { CMP_EQ, CMP_NE, CMP_LT, CMP_LE, CMP_GT, CMP_GE };

enum fn {
	FN_LOWER, FN_UPPER, FN_TRIM, FN_LENGTH, FN_SUBSTR, FN_ROUND, FN_ABS,
	FN_COALESCE, FN_NULLIF, FN_YEAR, FN_MONTH, FN_DAY, FN_DATE
};

static const struct function {
	const char *name;
	int min_args, max_args;  /* max_args -1: any number */
} functions[] = {
	[FN_LOWER] = {"lower", 1, 1},       [FN_UPPER] = {"upper", 1, 1},
	[FN_TRIM] = {"trim", 1, 1},         [FN_LENGTH] = {"length", 1, 1},
	[FN_SUBSTR] = {"substr", 2, 3},     [FN_ROUND] = {"round", 1, 2},
	[FN_ABS] = {"abs", 1, 1},           [FN_COALESCE] = {"coalesce", 1, -1},
	[FN_NULLIF] = {"nullif", 2, 2},     [FN_YEAR] = {"year", 1, 1},
	[FN_MONTH] = {"month", 1, 1},       [FN_DAY] = {"day", 1, 1},
	[FN_DATE] = {"date", 1, 1},
};
#define N_FUNCTIONS (sizeof functions / sizeof functions[0])

struct node {
	uint8_t op;      /* enum op */
	uint8_t type;    /* enum vtype: the static type of the result */
	uint8_t arg;     /* enum cmp for OP_CMP, enum fn for OP_CALL */
	uint8_t depth;   /* height of the subtree: 1 for a leaf */
	bool negate;     /* is not null, not in, not like, not between */
	bool fold;       /* ilike */
	uint16_t pos;    /* byte offset in the text, for messages */
	uint16_t len;    /* OP_COL: length of the name as written */
	int32_t kid;     /* first operand, or -1 */
	int32_t next;    /* next operand of the same parent, or -1 */
	union {
		struct val lit;  /* OP_LIT */
		size_t column;   /* OP_COL */
	} u;
};

struct expr {
	struct node *nodes;  /* owned */
	int32_t root;
	enum vtype type;
	char *text;          /* a copy of the source text (owned) */
	char *pool;          /* string literals, unescaped (owned) */
	char *scratch;       /* evaluation stack of texts (owned) */
	size_t scratch_len, scratch_cap;
};

/* ---- UTF-8 ---------------------------------------------------------- */

/* Decodes the character at s (n > 0 bytes left) into *cp and returns its
 * length.  An invalid byte is one character of its own, 0xDC00 + byte, so
 * that it only ever equals itself. */
static size_t utf8_next(const char *s, size_t n, uint32_t *cp)
{
	const unsigned char *u = (const unsigned char *)s;
	uint32_t c;

	if (u[0] < 0x80) {
		*cp = u[0];
		return 1;
	}
	if (u[0] >= 0xC2 && u[0] <= 0xDF && n >= 2 && (u[1] & 0xC0) == 0x80) {
		*cp = ((uint32_t)(u[0] & 0x1F) << 6) | (u[1] & 0x3F);
		return 2;
	}
	if (u[0] >= 0xE0 && u[0] <= 0xEF && n >= 3 && (u[1] & 0xC0) == 0x80 &&
	    (u[2] & 0xC0) == 0x80) {
		c = ((uint32_t)(u[0] & 0x0F) << 12) |
		    ((uint32_t)(u[1] & 0x3F) << 6) | (u[2] & 0x3F);
		if (c >= 0x800 && (c < 0xD800 || c > 0xDFFF)) {
			*cp = c;
			return 3;
		}
	}
	if (u[0] >= 0xF0 && u[0] <= 0xF4 && n >= 4 && (u[1] & 0xC0) == 0x80 &&
	    (u[2] & 0xC0) == 0x80 && (u[3] & 0xC0) == 0x80) {
		c = ((uint32_t)(u[0] & 0x07) << 18) |
		    ((uint32_t)(u[1] & 0x3F) << 12) |
		    ((uint32_t)(u[2] & 0x3F) << 6) | (u[3] & 0x3F);
		if (c >= 0x10000 && c <= 0x10FFFF) {
			*cp = c;
			return 4;
		}
	}
	*cp = 0xDC00 | u[0];
	return 1;
}

/* Case mapping for the scripts of European open data.  Every pair maps a
 * two-byte character to a two-byte one (or ASCII to ASCII), so folding
 * never changes a text's length; İ, ı and ſ, which would, are left alone. */
static uint32_t to_lower(uint32_t c)
{
	if (c < 0x80)
		return c >= 'A' && c <= 'Z' ? c + 32 : c;
	if (c >= 0xC0 && c <= 0xDE && c != 0xD7)
		return c + 32;
	if (c == 0x178)
		return 0xFF;
	if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) ||
	    (c >= 0x14A && c <= 0x177))
		return c | 1;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return (c & 1) ? c + 1 : c;
	if (c >= 0x391 && c <= 0x3A9 && c != 0x3A2)
		return c + 32;
	if (c == 0x386)
		return 0x3AC;
	if (c >= 0x388 && c <= 0x38A)
		return c + 37;
	if (c == 0x38C)
		return 0x3CC;
	if (c == 0x38E || c == 0x38F)
		return c + 63;
	if (c >= 0x410 && c <= 0x42F)
		return c + 32;
	if (c >= 0x400 && c <= 0x40F)
		return c + 80;
	return c;
}

static uint32_t to_upper(uint32_t c)
{
	if (c < 0x80)
		return c >= 'a' && c <= 'z' ? c - 32 : c;
	if (c >= 0xE0 && c <= 0xFE && c != 0xF7)
		return c - 32;
	if (c == 0xFF)
		return 0x178;
	if ((c >= 0x100 && c <= 0x12F) || (c >= 0x132 && c <= 0x137) ||
	    (c >= 0x14A && c <= 0x177))
		return c & ~(uint32_t)1;
	if ((c >= 0x139 && c <= 0x148) || (c >= 0x179 && c <= 0x17E))
		return (c & 1) ? c : c - 1;
	if (c >= 0x3B1 && c <= 0x3C9)
		return c == 0x3C2 ? 0x3A3 : c - 32;
	if (c == 0x3AC)
		return 0x386;
	if (c >= 0x3AD && c <= 0x3AF)
		return c - 37;
	if (c == 0x3CC)
		return 0x38C;
	if (c == 0x3CD || c == 0x3CE)
		return c - 63;
	if (c >= 0x430 && c <= 0x44F)
		return c - 32;
	if (c >= 0x450 && c <= 0x45F)
		return c - 80;
	return c;
}

/* Writes c (below 0x800, as every case pair is) at out; returns its
 * length. */
static size_t utf8_put2(uint32_t c, char *out)
{
	if (c < 0x80) {
		out[0] = (char)c;
		return 1;
	}
	out[0] = (char)(0xC0 | (c >> 6));
	out[1] = (char)(0x80 | (c & 0x3F));
	return 2;
}

/* Byte offset in s of character number index (0-based), or n when s has
 * fewer characters. */
static size_t utf8_offset(const char *s, size_t n, int64_t index)
{
	size_t at = 0;
	uint32_t cp;

	while (index > 0 && at < n) {
		at += utf8_next(s + at, n - at, &cp);
		index--;
	}
	return at;
}

/* How many of the len bytes at s fit in max bytes, cut at a character
 * boundary: for quoting user text in a message. */
static int clip_len(const char *s, size_t len, size_t max)
{
	if (len <= max)
		return (int)len;
	while (max > 0 && ((unsigned char)s[max] & 0xC0) == 0x80)
		max--;
	return (int)max;
}

/* 1-based character position of byte offset off in s. */
static size_t char_position(const char *s, size_t off)
{
	size_t i, pos = 1;

	for (i = 0; i < off; i++)
		if (((unsigned char)s[i] & 0xC0) != 0x80)
			pos++;
	return pos;
}

/* ---- dates and timestamps ------------------------------------------- */

/* Days since 1970-01-01 of a proleptic Gregorian date (H. Hinnant's
 * algorithm). */
static int64_t days_from_civil(int64_t y, int m, int d)
{
	int64_t era;
	unsigned yoe, doy, doe;

	y -= m <= 2;
	era = (y >= 0 ? y : y - 399) / 400;
	yoe = (unsigned)(y - era * 400);
	doy = (unsigned)((153 * (m > 2 ? m - 3 : m + 9) + 2) / 5 + d - 1);
	doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
	return era * 146097 + (int64_t)doe - 719468;
}

static void civil_from_days(int64_t z, int *y, int *m, int *d)
{
	int64_t era;
	unsigned doe, yoe, doy, mp;

	z += 719468;
	era = (z >= 0 ? z : z - 146096) / 146097;
	doe = (unsigned)(z - era * 146097);
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	*d = (int)(doy - (153 * mp + 2) / 5 + 1);
	*m = (int)(mp < 10 ? mp + 3 : mp - 9);
	*y = (int)((int64_t)yoe + era * 400 + (*m <= 2));
}

/* Dates run from 0001-01-01 to 9999-12-31, the years with four digits. */
static bool day_in_range(int64_t day)
{
	return day >= days_from_civil(1, 1, 1) &&
	       day <= days_from_civil(9999, 12, 31);
}

/* Reads exactly n digits at s. */
static bool read_digits(const char *s, size_t n, int *out)
{
	size_t i;
	int v = 0;

	for (i = 0; i < n; i++) {
		if (s[i] < '0' || s[i] > '9')
			return false;
		v = v * 10 + (s[i] - '0');
	}
	*out = v;
	return true;
}

/* Reads "YYYY-MM-DD" at s (n >= 10 bytes). */
static bool read_date(const char *s, size_t n, int64_t *day)
{
	static const int mdays[] = {31, 29, 31, 30, 31, 30,
				    31, 31, 30, 31, 30, 31};
	int y, m, d;

	if (n < 10 || !read_digits(s, 4, &y) || s[4] != '-' ||
	    !read_digits(s + 5, 2, &m) || s[7] != '-' ||
	    !read_digits(s + 8, 2, &d))
		return false;
	if (y < 1 || m < 1 || m > 12 || d < 1 || d > mdays[m - 1])
		return false;
	if (m == 2 && d == 29 && !(y % 4 == 0 && (y % 100 != 0 || y % 400 == 0)))
		return false;
	*day = days_from_civil(y, m, d);
	return true;
}

static bool parse_date(const char *s, size_t n, int32_t *day)
{
	int64_t d;

	if (n != 10 || !read_date(s, n, &d))
		return false;
	*day = (int32_t)d;
	return true;
}

/* Reads "YYYY-MM-DD[(T| )HH:MM[:SS[.fraction]]][Z|±HH[[:]MM]]", the forms
 * PostgreSQL and odp's inference write. */
static bool parse_stamp(const char *s, size_t n, struct stamp *ts)
{
	int64_t day, frac = 0;
	int h = 0, mi = 0, sec = 0, zh, zm = 0, digits = 0;
	size_t at;

	if (!read_date(s, n, &day))
		return false;
	ts->zoned = false;
	ts->offset = 0;
	at = 10;
	if (at < n) {
		if ((s[at] != 'T' && s[at] != 't' && s[at] != ' ') ||
		    n - at < 6 || !read_digits(s + at + 1, 2, &h) ||
		    s[at + 3] != ':' || !read_digits(s + at + 4, 2, &mi))
			return false;
		at += 6;
		if (at < n && s[at] == ':') {
			if (n - at < 3 || !read_digits(s + at + 1, 2, &sec))
				return false;
			at += 3;
			if (at < n && (s[at] == '.' || s[at] == ',')) {
				at++;
				while (at < n && s[at] >= '0' && s[at] <= '9') {
					if (digits++ < 6)
						frac = frac * 10 + (s[at] - '0');
					at++;
				}
				if (digits == 0)
					return false;
				for (; digits < 6; digits++)
					frac *= 10;
			}
		}
		if (h > 23 || mi > 59 || sec > 60)
			return false;
		if (at < n && (s[at] == 'Z' || s[at] == 'z')) {
			ts->zoned = true;
			at++;
		} else if (at < n && (s[at] == '+' || s[at] == '-')) {
			size_t zone = at;
			if (n - at < 3 || !read_digits(s + at + 1, 2, &zh))
				return false;
			if (n - at >= 6 && s[at + 3] == ':' &&
			    read_digits(s + at + 4, 2, &zm))
				at += 6;
			else if (n - at >= 5 && read_digits(s + at + 3, 2, &zm))
				at += 5;
			else
				at += 3;
			if (zh > 15 || zm > 59)
				return false;
			ts->offset = (zh * 60 + zm) * (s[zone] == '-' ? -1 : 1);
			ts->zoned = true;
		}
		if (at != n)
			return false;
	}
	ts->us = (day * 86400 + h * 3600 + mi * 60 + sec - ts->offset * 60) *
			 1000000 +
		 frac;
	return true;
}

/* Reads the whole of s as a finite double.  Unlike util_parse_double(),
 * accepts subnormal numbers (strtod's ERANGE on underflow), as PostgreSQL's
 * float8 input does. */
static bool parse_real(const char *s, double *out)
{
	char *end;

	if (!*s)
		return false;
	*out = strtod(s, &end);
	return *end == '\0' && end != s && isfinite(*out);
}

/* ---- formatting ------------------------------------------------------ */

/* Longest text of a non-text value, NUL included. */
#define SCALAR_MAX 48

static size_t format_date(int64_t day, char *buf)
{
	int y, m, d;

	civil_from_days(day, &y, &m, &d);
	return (size_t)snprintf(buf, SCALAR_MAX, "%04d-%02d-%02d", y, m, d);
}

static size_t format_stamp(const struct stamp *ts, char *buf)
{
	int64_t local = ts->us + (int64_t)ts->offset * 60 * 1000000;
	int64_t day = local / 86400000000LL, us = local % 86400000000LL;
	int64_t sec;
	size_t len;
	int frac_len = 6, frac;

	if (us < 0) {
		us += 86400000000LL;
		day--;
	}
	len = format_date(day, buf);
	sec = us / 1000000;
	frac = (int)(us % 1000000);
	len += (size_t)snprintf(buf + len, SCALAR_MAX - len,
				"T%02d:%02d:%02d", (int)(sec / 3600),
				(int)(sec / 60 % 60), (int)(sec % 60));
	if (frac) {
		while (frac % 10 == 0) {
			frac /= 10;
			frac_len--;
		}
		len += (size_t)snprintf(buf + len, SCALAR_MAX - len, ".%0*d",
					frac_len, frac);
	}
	if (ts->zoned)
		len += (size_t)snprintf(buf + len, SCALAR_MAX - len,
					"%c%02d:%02d",
					ts->offset < 0 ? '-' : '+',
					abs(ts->offset) / 60,
					abs(ts->offset) % 60);
	return len;
}

/* Writes a value that is not text as PostgreSQL text input into buf
 * (SCALAR_MAX bytes); returns its length. */
static size_t format_scalar(const struct val *v, char *buf)
{
	switch (v->type) {
	case VT_INT:
		return (size_t)snprintf(buf, SCALAR_MAX, "%lld",
					(long long)v->u.i);
	case VT_REAL:
		util_format_double(v->u.r, buf, SCALAR_MAX);
		return strlen(buf);
	case VT_BOOL:
		return (size_t)snprintf(buf, SCALAR_MAX, "%s",
					v->u.b ? "true" : "false");
	case VT_DATE:
		return format_date(v->u.day, buf);
	case VT_TS:
		return format_stamp(&v->u.ts, buf);
	default:
		buf[0] = '\0';
		return 0;
	}
}

/* ---- lexer ------------------------------------------------------------ */

enum tok {
	TK_END, TK_ERROR, TK_INT, TK_REAL, TK_STRING, TK_NAME, TK_LPAREN,
	TK_RPAREN, TK_COMMA, TK_EQ, TK_NE, TK_LT, TK_LE, TK_GT, TK_GE,
	TK_CONCAT, TK_PLUS, TK_MINUS, TK_STAR, TK_SLASH, TK_AND, TK_OR,
	TK_NOT, TK_IS, TK_NULL, TK_TRUE, TK_FALSE, TK_IN, TK_LIKE, TK_ILIKE,
	TK_BETWEEN
};

static const struct keyword {
	const char *word;
	enum tok kind;
} keywords[] = {
	{"and", TK_AND},   {"or", TK_OR},       {"not", TK_NOT},
	{"is", TK_IS},     {"null", TK_NULL},   {"true", TK_TRUE},
	{"false", TK_FALSE}, {"in", TK_IN},     {"like", TK_LIKE},
	{"ilike", TK_ILIKE}, {"between", TK_BETWEEN},
};

struct token {
	enum tok kind;
	size_t pos, len;  /* bytes in the text */
	int64_t i;
	double r;
};

struct parser {
	const char *text;
	size_t len;
	struct token tok, prev;
	struct node *nodes;
	size_t n_nodes;
	char *pool;
	size_t pool_len;
	const char *const *names;
	const enum column_type *types;
	size_t n_columns;
	int nesting;
	bool failed;
	size_t fail_pos;
	char msg[ODP_ERRBUF_SIZE];
};

/* Records an error at byte pos, unless one was found earlier in the text
 * (a look-ahead may find a later one first).  Returns -1, the "no node"
 * of every parse function. */
static int32_t fail(struct parser *p, size_t pos, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static int32_t fail(struct parser *p, size_t pos, const char *fmt, ...)
{
	va_list ap;
	int n;

	if (p->failed && p->fail_pos <= pos)
		return -1;
	p->failed = true;
	p->fail_pos = pos;
	n = snprintf(p->msg, sizeof p->msg, "at character %zu: ",
		     char_position(p->text, pos));
	if (n < 0 || (size_t)n >= sizeof p->msg)
		return -1;
	va_start(ap, fmt);
	vsnprintf(p->msg + n, sizeof p->msg - (size_t)n, fmt, ap);
	va_end(ap);
	return -1;
}

static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' ||
	       c == '\v';
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

/* Names are ASCII letters, digits and _, plus any non-ASCII byte so that
 * "capacité" reads as one (unknown or accent-folded) name. */
static bool is_name_start(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || c == '_' ||
	       (unsigned char)c >= 0x80;
}

static bool is_name_char(char c)
{
	return is_name_start(c) || is_digit(c);
}

/* True when the len bytes at s are word, in any case. */
static bool same_word(const char *s, size_t len, const char *word)
{
	size_t i;

	for (i = 0; i < len; i++) {
		char c = s[i];
		if (c >= 'A' && c <= 'Z')
			c = (char)(c + 32);
		if (c != word[i] || word[i] == '\0')
			return false;
	}
	return word[len] == '\0';
}

static void lex_number(struct parser *p, size_t at, struct token *t)
{
	const char *s = p->text;
	size_t i = at;
	bool real = false;
	char buf[320];

	while (is_digit(s[i]))
		i++;
	if (s[i] == '.') {
		real = true;
		i++;
		while (is_digit(s[i]))
			i++;
	}
	if ((s[i] == 'e' || s[i] == 'E') &&
	    (is_digit(s[i + 1]) ||
	     ((s[i + 1] == '+' || s[i + 1] == '-') && is_digit(s[i + 2])))) {
		real = true;
		i += 2;
		while (is_digit(s[i]))
			i++;
	}
	t->len = i - at;
	if (is_name_char(s[i])) {
		while (is_name_char(s[i]))
			i++;
		fail(p, at,
		     "\"%.*s\" is neither a number nor a name (names start "
		     "with a letter)",
		     (int)(i - at), s + at);
		t->kind = TK_ERROR;
		return;
	}
	if (t->len >= sizeof buf) {
		fail(p, at, "number too long (%zu digits)", t->len);
		t->kind = TK_ERROR;
		return;
	}
	memcpy(buf, s + at, t->len);
	buf[t->len] = '\0';
	if (!real && util_parse_int64(buf, &t->i)) {
		t->kind = TK_INT;
		return;
	}
	if (!parse_real(buf, &t->r)) {
		fail(p, at, "number %s is out of range", buf);
		t->kind = TK_ERROR;
		return;
	}
	t->kind = TK_REAL;
}

/* Reads the token starting at or after byte at into t.  A lexical error is
 * recorded and gives TK_ERROR. */
static void lex(struct parser *p, size_t at, struct token *t)
{
	const char *s = p->text;
	size_t i;
	uint32_t cp;

	while (at < p->len && is_space(s[at]))
		at++;
	t->pos = at;
	t->len = 1;
	if (at >= p->len) {
		t->kind = TK_END;
		t->len = 0;
		return;
	}
	switch (s[at]) {
	case '(': t->kind = TK_LPAREN; return;
	case ')': t->kind = TK_RPAREN; return;
	case ',': t->kind = TK_COMMA; return;
	case '+': t->kind = TK_PLUS; return;
	case '-': t->kind = TK_MINUS; return;
	case '*': t->kind = TK_STAR; return;
	case '/': t->kind = TK_SLASH; return;
	case '=':
		if (s[at + 1] == '=') {
			fail(p, at, "\"==\" is written \"=\"");
			t->kind = TK_ERROR;
			return;
		}
		t->kind = TK_EQ;
		return;
	case '!':
		if (s[at + 1] == '=') {
			t->kind = TK_NE;
			t->len = 2;
			return;
		}
		fail(p, at, "unexpected \"!\"; write \"not\" or \"!=\"");
		t->kind = TK_ERROR;
		return;
	case '<':
		if (s[at + 1] == '=' || s[at + 1] == '>') {
			t->kind = s[at + 1] == '=' ? TK_LE : TK_NE;
			t->len = 2;
			return;
		}
		t->kind = TK_LT;
		return;
	case '>':
		if (s[at + 1] == '=') {
			t->kind = TK_GE;
			t->len = 2;
			return;
		}
		t->kind = TK_GT;
		return;
	case '|':
		if (s[at + 1] == '|') {
			t->kind = TK_CONCAT;
			t->len = 2;
			return;
		}
		fail(p, at, "unexpected \"|\"; \"||\" joins text, \"or\" "
			    "combines conditions");
		t->kind = TK_ERROR;
		return;
	case '\'':
		for (i = at + 1;; i++) {
			if (i >= p->len) {
				fail(p, at, "unterminated text: the ' that "
					    "starts it has no closing '");
				t->kind = TK_ERROR;
				return;
			}
			if (s[i] == '\'') {
				if (s[i + 1] != '\'')
					break;
				i++;
			}
		}
		t->kind = TK_STRING;
		t->len = i + 1 - at;
		return;
	case '"':
		fail(p, at, "text is written between single quotes: "
			    "'Poitiers', not \"Poitiers\"");
		t->kind = TK_ERROR;
		return;
	case '&':
		fail(p, at, "unexpected \"&\"; write \"and\"");
		t->kind = TK_ERROR;
		return;
	default:
		break;
	}
	if (is_digit(s[at]) || (s[at] == '.' && is_digit(s[at + 1]))) {
		lex_number(p, at, t);
		return;
	}
	if (is_name_start(s[at])) {
		size_t k;
		for (i = at; i < p->len && is_name_char(s[i]); i++)
			;
		t->kind = TK_NAME;
		t->len = i - at;
		for (k = 0; k < sizeof keywords / sizeof keywords[0]; k++)
			if (same_word(s + at, t->len, keywords[k].word))
				t->kind = keywords[k].kind;
		return;
	}
	t->len = utf8_next(s + at, p->len - at, &cp);
	fail(p, at, "unexpected character \"%.*s\"", (int)t->len, s + at);
	t->kind = TK_ERROR;
}

static void advance(struct parser *p)
{
	if (p->tok.kind == TK_END || p->tok.kind == TK_ERROR)
		return;
	p->prev = p->tok;
	lex(p, p->tok.pos + p->tok.len, &p->tok);
}

static enum tok peek(struct parser *p)
{
	struct token t;

	if (p->tok.kind == TK_END || p->tok.kind == TK_ERROR)
		return p->tok.kind;
	lex(p, p->tok.pos + p->tok.len, &t);
	return t.kind;
}

/* Describes a token for a message: "\"and\"" or "the end of the
 * expression", in buf (64 bytes). */
static const char *describe(const struct parser *p, const struct token *t,
			    char *buf)
{
	int len = clip_len(p->text + t->pos, t->len, 40);

	if (t->kind == TK_END)
		return "the end of the expression";
	snprintf(buf, 64, "\"%.*s%s\"", len, p->text + t->pos,
		 (size_t)len < t->len ? "..." : "");
	return buf;
}

/* ---- nodes and types ---------------------------------------------------- */

static int32_t new_node(struct parser *p, enum op op, enum vtype type,
			size_t pos)
{
	struct node *n;

	if (p->n_nodes >= EXPR_NODES_MAX)
		return fail(p, pos,
			    "the expression is too long: more than %d values, "
			    "names and operators",
			    EXPR_NODES_MAX);
	n = &p->nodes[p->n_nodes];
	memset(n, 0, sizeof *n);
	n->op = (uint8_t)op;
	n->type = (uint8_t)type;
	n->pos = (uint16_t)pos;
	n->kid = -1;
	n->next = -1;
	n->depth = 1;
	return (int32_t)p->n_nodes++;
}

/* Appends kid to parent's operands; false when the tree gets too deep. */
static bool add_kid(struct parser *p, int32_t parent, int32_t kid)
{
	struct node *n = &p->nodes[parent];
	int32_t *link = &n->kid;

	while (*link >= 0)
		link = &p->nodes[*link].next;
	*link = kid;
	if (p->nodes[kid].depth + 1 > n->depth) {
		/* A leaf is depth 1: up to EXPR_DEPTH_MAX operators above it. */
		if (p->nodes[kid].depth > EXPR_DEPTH_MAX) {
			fail(p, n->pos,
			     "the expression is nested too deeply (more than "
			     "%d levels)",
			     EXPR_DEPTH_MAX);
			return false;
		}
		n->depth = (uint8_t)(p->nodes[kid].depth + 1);
	}
	return true;
}

/* A node with the given operands (-1 ends the list), or -1. */
static int32_t make(struct parser *p, enum op op, enum vtype type, size_t pos,
		    int32_t a, int32_t b, int32_t c)
{
	int32_t n = new_node(p, op, type, pos);

	if (n < 0 || (a >= 0 && !add_kid(p, n, a)) ||
	    (b >= 0 && !add_kid(p, n, b)) || (c >= 0 && !add_kid(p, n, c)))
		return -1;
	return n;
}

static enum vtype type_of(const struct parser *p, int32_t n)
{
	return (enum vtype)p->nodes[n].type;
}

static bool is_comparison(enum tok k)
{
	return k == TK_EQ || k == TK_NE || k == TK_LT || k == TK_LE ||
	       k == TK_GT || k == TK_GE;
}

static bool is_numeric(enum vtype t)
{
	return t == VT_INT || t == VT_REAL;
}

static bool is_text_literal(const struct parser *p, int32_t n)
{
	return p->nodes[n].op == OP_LIT && p->nodes[n].type == VT_TEXT;
}

static bool is_null_literal(const struct parser *p, int32_t n)
{
	return p->nodes[n].op == OP_LIT && p->nodes[n].type == VT_NULL;
}

/* Reads the text literal n as a date or timestamp, in place.  A date
 * literal may also be written as "25/12/2024". */
static bool coerce_literal(struct parser *p, int32_t n, enum vtype to)
{
	struct val *lit = &p->nodes[n].u.lit;
	char buf[INFER_VALUE_MAX + 1], out[INFER_VALUE_MAX + 1];
	bool ok = false;

	if (lit->u.s.len < sizeof buf) {
		memcpy(buf, lit->u.s.ptr, lit->u.s.len);
		buf[lit->u.s.len] = '\0';
		if (to == VT_DATE)
			ok = infer_convert(buf, INFER_DATE, out) &&
			     parse_date(out, strlen(out), &lit->u.day);
		else
			ok = parse_stamp(buf, lit->u.s.len, &lit->u.ts);
	}
	if (!ok) {
		fail(p, p->nodes[n].pos, "'%.*s' is not a %s (expected %s)",
		     clip_len(lit->u.s.ptr, lit->u.s.len, 40), lit->u.s.ptr,
		     vtype_names[to],
		     to == VT_DATE ? "2024-12-25 or 25/12/2024"
				   : "2024-12-25T10:00:00+01:00");
		return false;
	}
	lit->type = to;
	p->nodes[n].type = (uint8_t)to;
	return true;
}

/* The type two values take when compared or mixed (coalesce, in,
 * between), reading a text literal as a date or timestamp when the other
 * side is one; VT_NULL with an error recorded when they don't mix.  what
 * says what is being done, for the message. */
static bool unify(struct parser *p, int32_t a, int32_t b, size_t pos,
		  const char *what, enum vtype *out)
{
	enum vtype ta = type_of(p, a), tb = type_of(p, b);
	const char *hint = "";

	if (ta == VT_NULL || tb == VT_NULL || ta == tb) {
		*out = ta == VT_NULL ? tb : ta;
		return true;
	}
	if (is_numeric(ta) && is_numeric(tb)) {
		*out = VT_REAL;
		return true;
	}
	if (is_text_literal(p, a) && (tb == VT_DATE || tb == VT_TS)) {
		*out = tb;
		return coerce_literal(p, a, tb);
	}
	if (is_text_literal(p, b) && (ta == VT_DATE || ta == VT_TS)) {
		*out = ta;
		return coerce_literal(p, b, ta);
	}
	if ((is_numeric(ta) && is_text_literal(p, b)) ||
	    (is_numeric(tb) && is_text_literal(p, a)))
		hint = "; numbers are written without quotes";
	else if ((ta == VT_DATE && tb == VT_TS) || (ta == VT_TS && tb == VT_DATE))
		hint = "; date(x) gives the date of a timestamp";
	else if (ta == VT_BOOL || tb == VT_BOOL)
		hint = "; booleans are written true and false";
	fail(p, pos, "cannot %s %s with %s%s", what, vtype_names[ta],
	     vtype_names[tb], hint);
	return false;
}

/* Checks that operand n of a logical operator is a condition. */
static bool want_condition(struct parser *p, int32_t n, const char *op,
			   size_t pos)
{
	enum vtype t = type_of(p, n);

	if (t == VT_BOOL || t == VT_NULL)
		return true;
	fail(p, pos, "\"%s\" needs conditions (true or false), not %s", op,
	     vtype_names[t]);
	return false;
}

/* ---- parser ------------------------------------------------------------ */

static int32_t parse_expr(struct parser *p, size_t pos);
static int32_t parse_concat(struct parser *p);

/* Enters one more level of parser recursion, for the token at byte pos. */
static bool enter(struct parser *p, size_t pos)
{
	if (++p->nesting <= EXPR_DEPTH_MAX)
		return true;
	fail(p, pos,
	     "the expression is nested too deeply (more than %d levels)",
	     EXPR_DEPTH_MAX);
	return false;
}

static int32_t expected_value(struct parser *p)
{
	char b1[64], b2[64];

	if (p->prev.kind == TK_END)
		return fail(p, p->tok.pos, "expected a value, found %s",
			    describe(p, &p->tok, b1));
	if (p->tok.kind == TK_END)
		return fail(p, p->tok.pos, "expected a value after %s",
			    describe(p, &p->prev, b2));
	return fail(p, p->tok.pos, "expected a value after %s, found %s",
		    describe(p, &p->prev, b2), describe(p, &p->tok, b1));
}

static int32_t parse_string(struct parser *p)
{
	const char *s = p->text + p->tok.pos + 1;
	size_t i, n = p->tok.len - 2;
	char *out = p->pool + p->pool_len;
	size_t len = 0;
	int32_t node;

	for (i = 0; i < n; i++) {
		out[len++] = s[i];
		if (s[i] == '\'')
			i++;
	}
	node = new_node(p, OP_LIT, VT_TEXT, p->tok.pos);
	if (node < 0)
		return -1;
	p->pool_len += len;
	p->nodes[node].u.lit.type = VT_TEXT;
	p->nodes[node].u.lit.u.s.ptr = out;
	p->nodes[node].u.lit.u.s.len = len;
	advance(p);
	return node;
}

/* Edit distance between two short names, for "did you mean". */
static size_t distance(const char *a, const char *b)
{
	size_t row[NAMES_MAX + 2], i, j, la = strlen(a), lb = strlen(b);

	if (la > NAMES_MAX || lb > NAMES_MAX)
		return SIZE_MAX;
	for (j = 0; j <= lb; j++)
		row[j] = j;
	for (i = 1; i <= la; i++) {
		size_t diag = row[0];
		row[0] = i;
		for (j = 1; j <= lb; j++) {
			size_t up = row[j];
			size_t best = diag + (a[i - 1] != b[j - 1]);
			if (up + 1 < best)
				best = up + 1;
			if (row[j - 1] + 1 < best)
				best = row[j - 1] + 1;
			row[j] = best;
			diag = up;
		}
	}
	return row[lb];
}

static int32_t unknown_column(struct parser *p, const struct token *t,
			      const char *normal)
{
	char list[320], hint[NAMES_MAX + 32] = "";
	size_t i, len = 0, best = SIZE_MAX, d;
	int shown = clip_len(p->text + t->pos, t->len, 64);

	if (p->n_columns == 0)
		return fail(p, t->pos, "unknown column \"%.*s\"; there are no "
				       "columns",
			    shown, p->text + t->pos);
	list[0] = '\0';
	for (i = 0; i < p->n_columns; i++) {
		size_t n = strlen(p->names[i]);
		if (len + n + 8 >= sizeof list) {
			memcpy(list + len, ", ...", 6);
			break;
		}
		len += (size_t)snprintf(list + len, sizeof list - len, "%s%s",
					i ? ", " : "", p->names[i]);
	}
	for (i = 0; i < p->n_columns; i++) {
		d = distance(normal, p->names[i]);
		if (d < best && d <= 1 + strlen(p->names[i]) / 5) {
			best = d;
			snprintf(hint, sizeof hint, " (did you mean \"%s\"?)",
				 p->names[i]);
		}
	}
	/* commune = Poitiers: a value meant as text. */
	if (!hint[0] && (is_comparison(p->prev.kind) ||
			 p->prev.kind == TK_CONCAT || p->prev.kind == TK_LIKE ||
			 p->prev.kind == TK_ILIKE))
		snprintf(hint, sizeof hint,
			 " (text is written between single quotes: '%.*s')",
			 clip_len(p->text + t->pos, t->len, 40),
			 p->text + t->pos);
	return fail(p, t->pos, "unknown column \"%.*s\"%s; the columns are: %s",
		    shown, p->text + t->pos, hint, list);
}

static enum vtype column_vtype(enum column_type t)
{
	switch (t) {
	case COL_INTEGER: return VT_INT;
	case COL_REAL: return VT_REAL;
	case COL_DATE: return VT_DATE;
	case COL_TIMESTAMP: return VT_TS;
	case COL_BOOLEAN: return VT_BOOL;
	default: return VT_TEXT;
	}
}

/* Not inlined, here and for unknown_function(): their buffers would
 * otherwise sit in every frame of the parser's recursion. */
static __attribute__((noinline)) int32_t parse_column(struct parser *p)
{
	const struct token t = p->tok;
	char raw[4 * NAMES_MAX + 1], normal[NAMES_MAX + 1];
	size_t i;
	int32_t n;

	for (i = 0; i < p->n_columns; i++)
		if (same_word(p->text + t.pos, t.len, p->names[i]))
			break;
	/* A referent may write the name with its accents: capacité. */
	util_strlcpy(raw, "", sizeof raw);
	if (t.len < sizeof raw) {
		memcpy(raw, p->text + t.pos, t.len);
		raw[t.len] = '\0';
	}
	names_normalise(raw, normal);
	if (i == p->n_columns && raw[0])
		for (i = 0; i < p->n_columns; i++)
			if (strcmp(normal, p->names[i]) == 0)
				break;
	if (i == p->n_columns)
		return unknown_column(p, &t, normal);
	n = new_node(p, OP_COL, column_vtype(p->types[i]), t.pos);
	if (n < 0)
		return -1;
	p->nodes[n].u.column = i;
	p->nodes[n].len = (uint16_t)t.len;
	advance(p);
	return n;
}

/* Checks argument number i (1-based), which starts at byte pos, against
 * the types allowed (a mask of 1 << enum vtype; null always passes). */
static bool want_arg(struct parser *p, int32_t call, int32_t arg, int i,
		     size_t pos, unsigned allowed, const char *what)
{
	enum vtype t = type_of(p, arg);
	const char *name = functions[p->nodes[call].arg].name;

	if (t == VT_NULL || (allowed & (1u << t)))
		return true;
	if (functions[p->nodes[call].arg].max_args == 1)
		fail(p, pos, "%s() needs %s, not %s", name, what,
		     vtype_names[t]);
	else
		fail(p, pos, "%s(): argument %d must be %s, not %s", name, i,
		     what, vtype_names[t]);
	return false;
}

#define BIT(t) (1u << (t))
#define NUMBER (BIT(VT_INT) | BIT(VT_REAL))

/* Checks that the operands of coalesce() or nullif() mix, reading text
 * literals as dates where the others are dates, and returns their type. */
static bool check_mix(struct parser *p, int32_t call, size_t pos,
		      enum vtype *out)
{
	int32_t first = -1, k;
	int pass;
	enum vtype t = VT_NULL, u;

	/* Twice: a literal read as a date in the first pass must still mix
	 * with the operands checked before. */
	for (pass = 0; pass < 2; pass++) {
		for (k = p->nodes[call].kid; k >= 0; k = p->nodes[k].next) {
			if (type_of(p, k) == VT_NULL)
				continue;
			if (first < 0)
				first = k;
			else if (!unify(p, first, k, pos, "mix", &u))
				return false;
		}
	}
	for (k = p->nodes[call].kid; k >= 0; k = p->nodes[k].next)
		if (t == VT_NULL || type_of(p, k) == VT_REAL)
			t = type_of(p, k) == VT_NULL ? t : type_of(p, k);
	*out = t;
	return true;
}

/* Type-checks call, whose n_args arguments start at bytes starts[] (the
 * first three), and sets its type; pos is the function name. */
static bool check_call(struct parser *p, int32_t call, int n_args,
		       const size_t *starts, size_t pos)
{
	const struct function *f = &functions[p->nodes[call].arg];
	int32_t a = p->nodes[call].kid, b = a >= 0 ? p->nodes[a].next : -1;
	int32_t c = b >= 0 ? p->nodes[b].next : -1;
	enum vtype t;
	struct node *n = &p->nodes[call];

	if (n_args < f->min_args || (f->max_args >= 0 && n_args > f->max_args)) {
		if (f->max_args < 0)
			fail(p, pos, "%s() takes at least %d argument%s, "
				     "found %d",
			     f->name, f->min_args, f->min_args > 1 ? "s" : "",
			     n_args);
		else if (f->min_args == f->max_args)
			fail(p, pos, "%s() takes %d argument%s, found %d",
			     f->name, f->min_args, f->min_args > 1 ? "s" : "",
			     n_args);
		else
			fail(p, pos, "%s() takes %d or %d arguments, found %d",
			     f->name, f->min_args, f->max_args, n_args);
		return false;
	}
	switch ((enum fn)n->arg) {
	case FN_LOWER:
	case FN_UPPER:
	case FN_TRIM:
		n->type = VT_TEXT;
		return want_arg(p, call, a, 1, starts[0], BIT(VT_TEXT), "text");
	case FN_LENGTH:
		n->type = VT_INT;
		return want_arg(p, call, a, 1, starts[0], BIT(VT_TEXT), "text");
	case FN_SUBSTR:
		n->type = VT_TEXT;
		return want_arg(p, call, a, 1, starts[0], BIT(VT_TEXT),
				"text") &&
		       want_arg(p, call, b, 2, starts[1], BIT(VT_INT),
				"an integer") &&
		       (c < 0 || want_arg(p, call, c, 3, starts[2],
					  BIT(VT_INT), "an integer"));
	case FN_ROUND:
		n->type = b < 0 ? VT_INT : VT_REAL;
		return want_arg(p, call, a, 1, starts[0], NUMBER,
				"a number") &&
		       (b < 0 || want_arg(p, call, b, 2, starts[1],
					  BIT(VT_INT), "an integer"));
	case FN_ABS:
		n->type = type_of(p, a) == VT_NULL ? VT_INT : type_of(p, a);
		return want_arg(p, call, a, 1, starts[0], NUMBER, "a number");
	case FN_COALESCE:
	case FN_NULLIF:
		if (!check_mix(p, call, pos, &t))
			return false;
		p->nodes[call].type = (uint8_t)t;
		return true;
	case FN_YEAR:
	case FN_MONTH:
	case FN_DAY:
	case FN_DATE:
		n->type = n->arg == FN_DATE ? VT_DATE : VT_INT;
		/* A literal longer than a date has a time: a timestamp. */
		if (is_text_literal(p, a) &&
		    !coerce_literal(p, a, p->nodes[a].u.lit.u.s.len > 10
						  ? VT_TS
						  : VT_DATE))
			return false;
		return want_arg(p, call, a, 1, starts[0],
				BIT(VT_DATE) | BIT(VT_TS) |
					(n->arg == FN_DATE ? BIT(VT_TEXT) : 0),
				n->arg == FN_DATE
					? "a timestamp, a date or a text"
					: "a date or a timestamp");
	}
	return false;
}

static __attribute__((noinline)) int32_t
unknown_function(struct parser *p, const struct token *name)
{
	char buf[ODP_ERRBUF_SIZE];
	size_t f, len = 0;

	for (f = 0; f < N_FUNCTIONS; f++)
		len += (size_t)snprintf(buf + len, sizeof buf - len, "%s%s",
					f ? ", " : "", functions[f].name);
	return fail(p, name->pos,
		    "unknown function \"%.*s\"; the functions are: %s",
		    clip_len(p->text + name->pos, name->len, 64),
		    p->text + name->pos, buf);
}

static int32_t parse_call(struct parser *p)
{
	const struct token name = p->tok;
	char b1[64];
	size_t f, starts[3] = {0, 0, 0};
	int32_t call, arg;
	int n_args = 0;

	for (f = 0; f < N_FUNCTIONS; f++)
		if (same_word(p->text + name.pos, name.len, functions[f].name))
			break;
	if (f == N_FUNCTIONS)
		return unknown_function(p, &name);
	call = new_node(p, OP_CALL, VT_NULL, name.pos);
	if (call < 0)
		return -1;
	p->nodes[call].arg = (uint8_t)f;
	advance(p);  /* the name */
	advance(p);  /* "(" */
	if (p->tok.kind == TK_RPAREN) {
		advance(p);
	} else {
		for (;;) {
			if (n_args < 3)
				starts[n_args] = p->tok.pos;
			arg = parse_expr(p, p->tok.pos);
			if (arg < 0 || !add_kid(p, call, arg))
				return -1;
			n_args++;
			if (p->tok.kind == TK_COMMA) {
				advance(p);
				continue;
			}
			if (p->tok.kind == TK_RPAREN) {
				advance(p);
				break;
			}
			return fail(p, p->tok.pos,
				    "expected \",\" or \")\" in the arguments "
				    "of %s(), found %s",
				    functions[f].name,
				    describe(p, &p->tok, b1));
		}
	}
	if (!check_call(p, call, n_args, starts, name.pos))
		return -1;
	return call;
}

static int32_t parse_primary(struct parser *p)
{
	const struct token t = p->tok;
	int32_t n;
	char b1[64];

	switch (t.kind) {
	case TK_INT:
	case TK_REAL:
	case TK_TRUE:
	case TK_FALSE:
	case TK_NULL:
		n = new_node(p,
			     OP_LIT,
			     t.kind == TK_INT    ? VT_INT
			     : t.kind == TK_REAL ? VT_REAL
			     : t.kind == TK_NULL ? VT_NULL
						 : VT_BOOL,
			     t.pos);
		if (n < 0)
			return -1;
		p->nodes[n].u.lit.type = (enum vtype)p->nodes[n].type;
		p->nodes[n].u.lit.null = t.kind == TK_NULL;
		if (t.kind == TK_INT)
			p->nodes[n].u.lit.u.i = t.i;
		else if (t.kind == TK_REAL)
			p->nodes[n].u.lit.u.r = t.r;
		else
			p->nodes[n].u.lit.u.b = t.kind == TK_TRUE;
		advance(p);
		return n;
	case TK_STRING:
		return parse_string(p);
	case TK_NAME:
		if (peek(p) == TK_LPAREN)
			return parse_call(p);
		return parse_column(p);
	case TK_LPAREN:
		advance(p);
		n = parse_expr(p, t.pos);
		if (n < 0)
			return -1;
		if (p->tok.kind != TK_RPAREN)
			return fail(p, p->tok.pos,
				    "expected \")\" to close the \"(\" at "
				    "character %zu, found %s",
				    char_position(p->text, t.pos),
				    describe(p, &p->tok, b1));
		advance(p);
		return n;
	default:
		return expected_value(p);
	}
}

static int32_t parse_unary(struct parser *p)
{
	const struct token t = p->tok;
	int32_t n;
	enum vtype type;

	if (t.kind != TK_MINUS && t.kind != TK_PLUS)
		return parse_primary(p);
	advance(p);
	if (!enter(p, t.pos))
		return -1;
	n = parse_unary(p);
	p->nesting--;
	if (n < 0)
		return -1;
	type = type_of(p, n);
	if (type != VT_NULL && !is_numeric(type))
		return fail(p, t.pos, "\"%c\" needs a number, not %s",
			    p->text[t.pos], vtype_names[type]);
	if (t.kind == TK_PLUS)
		return n;
	return make(p, OP_NEG, type == VT_NULL ? VT_INT : type, t.pos, n, -1,
		    -1);
}

/* The type of a op b for + - * /, or VT_NULL when they don't go
 * together. */
static enum vtype arith_type(enum op op, enum vtype a, enum vtype b)
{
	/* null stands for whatever makes sense: null - date is date - date,
	 * date - null is date - integer. */
	if (a == VT_NULL)
		a = b == VT_NULL ? VT_INT : b == VT_DATE && op == OP_ADD ? VT_INT : b;
	if (b == VT_NULL)
		b = a == VT_DATE ? VT_INT : a;
	if (is_numeric(a) && is_numeric(b)) {
		if (op == OP_DIV)
			return VT_REAL;
		return a == VT_INT && b == VT_INT ? VT_INT : VT_REAL;
	}
	if (op == OP_ADD && a == VT_DATE && b == VT_INT)
		return VT_DATE;
	if (op == OP_ADD && a == VT_INT && b == VT_DATE)
		return VT_DATE;
	if (op == OP_SUB && a == VT_DATE && b == VT_INT)
		return VT_DATE;
	if (op == OP_SUB && a == VT_DATE && b == VT_DATE)
		return VT_INT;
	return VT_NULL;
}

static int32_t arith(struct parser *p, enum op op, const struct token *t,
		     int32_t a, int32_t b)
{
	enum vtype ta, tb, type;
	const char *sym = op == OP_ADD   ? "+"
			  : op == OP_SUB ? "-"
			  : op == OP_MUL ? "*"
					 : "/";

	/* ouverture - '2024-01-01': days since a date. */
	if (op == OP_SUB && type_of(p, a) == VT_DATE && is_text_literal(p, b) &&
	    !coerce_literal(p, b, VT_DATE))
		return -1;
	ta = type_of(p, a);
	tb = type_of(p, b);
	type = arith_type(op, ta, tb);
	if (type == VT_NULL)
		return fail(p, t->pos, "\"%s\" needs numbers%s, not %s and %s%s",
			    sym,
			    op == OP_ADD || op == OP_SUB
				    ? " (or a date and a number of days)"
				    : "",
			    vtype_names[ta], vtype_names[tb],
			    ta == VT_TEXT || tb == VT_TEXT
				    ? "; \"||\" joins text"
				    : "");
	return make(p, op, type, t->pos, a, b, -1);
}

static int32_t parse_product(struct parser *p)
{
	int32_t n = parse_unary(p), m;

	while (n >= 0 && (p->tok.kind == TK_STAR || p->tok.kind == TK_SLASH)) {
		const struct token t = p->tok;
		advance(p);
		m = parse_unary(p);
		if (m < 0)
			return -1;
		n = arith(p, t.kind == TK_STAR ? OP_MUL : OP_DIV, &t, n, m);
	}
	return n;
}

static int32_t parse_sum(struct parser *p)
{
	int32_t n = parse_product(p), m;

	while (n >= 0 && (p->tok.kind == TK_PLUS || p->tok.kind == TK_MINUS)) {
		const struct token t = p->tok;
		advance(p);
		m = parse_product(p);
		if (m < 0)
			return -1;
		n = arith(p, t.kind == TK_PLUS ? OP_ADD : OP_SUB, &t, n, m);
	}
	return n;
}

static bool want_joinable(struct parser *p, int32_t n, size_t pos)
{
	if (type_of(p, n) != VT_BOOL)
		return true;
	fail(p, pos, "\"||\" joins text, not boolean; \"or\" combines "
		     "conditions");
	return false;
}

static int32_t parse_concat(struct parser *p)
{
	int32_t n = parse_sum(p), cat, m;
	size_t pos = p->tok.pos;

	if (n < 0 || p->tok.kind != TK_CONCAT)
		return n;
	if (!want_joinable(p, n, pos))
		return -1;
	cat = make(p, OP_CONCAT, VT_TEXT, pos, n, -1, -1);
	while (cat >= 0 && p->tok.kind == TK_CONCAT) {
		pos = p->tok.pos;
		advance(p);
		m = parse_sum(p);
		if (m < 0 || !want_joinable(p, m, pos) || !add_kid(p, cat, m))
			return -1;
	}
	return cat;
}

static int32_t parse_in(struct parser *p, int32_t x, bool negate)
{
	const struct token t = p->tok;
	int32_t in, m, k;
	enum vtype u;
	char b1[64];

	advance(p);
	if (p->tok.kind != TK_LPAREN)
		return fail(p, p->tok.pos,
			    "expected \"(\" after \"in\", found %s: write "
			    "x in ('a', 'b')",
			    describe(p, &p->tok, b1));
	advance(p);
	in = make(p, OP_IN, VT_BOOL, t.pos, x, -1, -1);
	if (in < 0)
		return -1;
	p->nodes[in].negate = negate;
	for (;;) {
		m = parse_expr(p, p->tok.pos);
		if (m < 0 || !unify(p, x, m, t.pos, "compare", &u) ||
		    !add_kid(p, in, m))
			return -1;
		if (p->tok.kind == TK_COMMA) {
			advance(p);
			continue;
		}
		if (p->tok.kind == TK_RPAREN)
			break;
		return fail(p, p->tok.pos,
			    "expected \",\" or \")\" in the list after "
			    "\"in\", found %s",
			    describe(p, &p->tok, b1));
	}
	advance(p);
	/* x may have been read as a date on the way: check again. */
	for (k = p->nodes[x].next; k >= 0; k = p->nodes[k].next)
		if (!unify(p, x, k, t.pos, "compare", &u))
			return -1;
	return in;
}

static int32_t parse_pred(struct parser *p)
{
	int32_t n = parse_concat(p), m, lo, hi, node;
	bool negate = false;
	enum tok next;
	enum vtype u;
	char b1[64];

	if (n < 0)
		return -1;
	if (p->tok.kind == TK_NOT) {
		next = peek(p);
		if (next != TK_LIKE && next != TK_ILIKE && next != TK_IN &&
		    next != TK_BETWEEN)
			return n;
		negate = true;
		advance(p);
	}
	const struct token t = p->tok;
	switch (t.kind) {
	case TK_LIKE:
	case TK_ILIKE:
		advance(p);
		m = parse_concat(p);
		if (m < 0)
			return -1;
		if ((type_of(p, n) != VT_TEXT && type_of(p, n) != VT_NULL) ||
		    (type_of(p, m) != VT_TEXT && type_of(p, m) != VT_NULL))
			return fail(p, t.pos,
				    "\"%s\" compares text with a text "
				    "pattern, not %s with %s",
				    t.kind == TK_LIKE ? "like" : "ilike",
				    vtype_names[type_of(p, n)],
				    vtype_names[type_of(p, m)]);
		node = make(p, OP_LIKE, VT_BOOL, t.pos, n, m, -1);
		if (node >= 0) {
			p->nodes[node].negate = negate;
			p->nodes[node].fold = t.kind == TK_ILIKE;
		}
		return node;
	case TK_IN:
		return parse_in(p, n, negate);
	case TK_BETWEEN:
		advance(p);
		lo = parse_concat(p);
		if (lo < 0)
			return -1;
		if (p->tok.kind != TK_AND)
			return fail(p, p->tok.pos,
				    "expected \"and\" after \"between "
				    "...\", found %s",
				    describe(p, &p->tok, b1));
		advance(p);
		hi = parse_concat(p);
		if (hi < 0 || !unify(p, n, lo, t.pos, "compare", &u) ||
		    !unify(p, n, hi, t.pos, "compare", &u) ||
		    !unify(p, n, lo, t.pos, "compare", &u))
			return -1;
		node = make(p, OP_BETWEEN, VT_BOOL, t.pos, n, lo, hi);
		if (node >= 0)
			p->nodes[node].negate = negate;
		return node;
	default:
		return n;
	}
}

static int32_t parse_cmp(struct parser *p)
{
	int32_t n = parse_pred(p), m, c;
	enum vtype u;

	if (n < 0 || !is_comparison(p->tok.kind))
		return n;
	const struct token t = p->tok;
	advance(p);
	m = parse_pred(p);
	if (m < 0)
		return -1;
	if (is_null_literal(p, n) || is_null_literal(p, m))
		return fail(p, t.pos,
			    "comparing with null is never true; write "
			    "\"x is %snull\"",
			    t.kind == TK_NE ? "not " : "");
	if (!unify(p, n, m, t.pos, "compare", &u))
		return -1;
	c = make(p, OP_CMP, VT_BOOL, t.pos, n, m, -1);
	if (c < 0)
		return -1;
	p->nodes[c].arg = (uint8_t)(t.kind == TK_EQ   ? CMP_EQ
				    : t.kind == TK_NE ? CMP_NE
				    : t.kind == TK_LT ? CMP_LT
				    : t.kind == TK_LE ? CMP_LE
				    : t.kind == TK_GT ? CMP_GT
						      : CMP_GE);
	if (is_comparison(p->tok.kind))
		return fail(p, p->tok.pos,
			    "comparisons cannot be chained; write "
			    "\"a < b and b < c\"");
	return c;
}

static int32_t parse_is(struct parser *p)
{
	int32_t n = parse_cmp(p);
	bool negate;
	char b1[64];

	while (n >= 0 && p->tok.kind == TK_IS) {
		const struct token t = p->tok;
		advance(p);
		negate = p->tok.kind == TK_NOT;
		if (negate)
			advance(p);
		if (p->tok.kind != TK_NULL)
			return fail(p, p->tok.pos,
				    "expected \"null\" after \"is%s\", found "
				    "%s",
				    negate ? " not" : "",
				    describe(p, &p->tok, b1));
		advance(p);
		n = make(p, OP_IS_NULL, VT_BOOL, t.pos, n, -1, -1);
		if (n >= 0)
			p->nodes[n].negate = negate;
	}
	return n;
}

static int32_t parse_not(struct parser *p)
{
	const struct token t = p->tok;
	int32_t n;

	if (t.kind != TK_NOT)
		return parse_is(p);
	advance(p);
	if (!enter(p, t.pos))
		return -1;
	n = parse_not(p);
	p->nesting--;
	if (n < 0 || !want_condition(p, n, "not", t.pos))
		return -1;
	return make(p, OP_NOT, VT_BOOL, t.pos, n, -1, -1);
}

/* An "and" or "or" chain: one node with every operand. */
static int32_t parse_chain(struct parser *p, enum tok kind,
			   int32_t (*operand)(struct parser *))
{
	const char *word = kind == TK_OR ? "or" : "and";
	int32_t n = operand(p), node, m;

	if (n < 0 || p->tok.kind != kind)
		return n;
	if (!want_condition(p, n, word, p->tok.pos))
		return -1;
	node = make(p, kind == TK_OR ? OP_OR : OP_AND, VT_BOOL, p->tok.pos, n,
		    -1, -1);
	while (node >= 0 && p->tok.kind == kind) {
		size_t pos = p->tok.pos;
		advance(p);
		m = operand(p);
		if (m < 0 || !want_condition(p, m, word, pos) ||
		    !add_kid(p, node, m))
			return -1;
	}
	return node;
}

static int32_t parse_and(struct parser *p)
{
	return parse_chain(p, TK_AND, parse_not);
}

/* A whole expression, one level deeper than the one around it (the
 * token at byte pos opens it). */
static int32_t parse_expr(struct parser *p, size_t pos)
{
	int32_t n;

	if (!enter(p, pos))
		return -1;
	n = parse_chain(p, TK_OR, parse_and);
	p->nesting--;
	return n;
}

/* After the whole expression: something that is not an operator. */
static void trailing(struct parser *p)
{
	char b1[64], b2[64];
	const char *next = p->text + p->tok.pos + 1;

	if (p->tok.kind == TK_RPAREN)
		fail(p, p->tok.pos, "unmatched \")\"");
	else if (p->tok.kind == TK_COMMA && p->prev.kind == TK_INT &&
		 is_digit(*next))
		fail(p, p->tok.pos, "unexpected \",\": decimals are written "
				    "with a point (12.5)");
	else
		fail(p, p->tok.pos,
		     "expected an operator or the end of the expression after "
		     "%s, found %s",
		     describe(p, &p->prev, b2), describe(p, &p->tok, b1));
}

static enum column_type column_type_of(enum vtype t)
{
	switch (t) {
	case VT_INT: return COL_INTEGER;
	case VT_REAL: return COL_REAL;
	case VT_BOOL: return COL_BOOLEAN;
	case VT_DATE: return COL_DATE;
	case VT_TS: return COL_TIMESTAMP;
	default: return COL_TEXT;
	}
}

struct expr *expr_compile(const char *text, const char *const *names,
			  const enum column_type *types, size_t n_columns,
			  char *errbuf)
{
	struct parser p;
	struct expr *e;
	int32_t root = -1;
	size_t len = text ? strlen(text) : 0;

	if (len > EXPR_TEXT_MAX) {
		util_seterr(errbuf,
			    "the expression is too long (%zu bytes, at most "
			    "%d)",
			    len, EXPR_TEXT_MAX);
		return NULL;
	}
	memset(&p, 0, sizeof p);
	p.text = text ? text : "";
	p.len = len;
	p.names = names;
	p.types = types;
	p.n_columns = n_columns;
	p.nodes = xcalloc(EXPR_NODES_MAX, sizeof *p.nodes);
	p.pool = xmalloc(len + 1);
	p.prev.kind = TK_END;
	lex(&p, 0, &p.tok);
	if (p.tok.kind == TK_END) {
		fail(&p, 0, "the expression is empty");
	} else {
		root = parse_chain(&p, TK_OR, parse_and);
		if (root >= 0 && p.tok.kind != TK_END)
			trailing(&p);
	}
	if (p.failed) {
		util_seterr(errbuf, "%s", p.msg);
		free(p.nodes);
		free(p.pool);
		return NULL;
	}
	e = xcalloc(1, sizeof *e);
	e->type = type_of(&p, root);
	e->nodes = xrealloc(p.nodes, p.n_nodes * sizeof *p.nodes);
	e->root = root;
	e->text = xstrdup(p.text);
	e->pool = p.pool;
	return e;
}

enum column_type expr_type(const struct expr *e)
{
	return column_type_of(e->type);
}

void expr_free(struct expr *e)
{
	if (!e)
		return;
	free(e->nodes);
	free(e->text);
	free(e->pool);
	free(e->scratch);
	free(e);
}

/* ---- evaluation ---------------------------------------------------------- */

struct ctx {
	struct expr *e;
	const char *const *values;
	char *errbuf;
};

static int rt_fail(struct ctx *c, const struct node *n, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

/* Records a row's error at node n; returns ODP_ERR_INVALID. */
static int rt_fail(struct ctx *c, const struct node *n, const char *fmt, ...)
{
	char msg[ODP_ERRBUF_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	util_seterr(c->errbuf, "at character %zu: %s",
		    char_position(c->e->text, n->pos), msg);
	return ODP_ERR_INVALID;
}

static int set_null(struct val *v)
{
	v->null = true;
	return 0;
}

static const char *text_ptr(const struct ctx *c, const struct val *v)
{
	return v->u.s.scratch ? c->e->scratch + v->u.s.off : v->u.s.ptr;
}

/* Makes room for len more bytes at the end of the scratch buffer and
 * returns where they go (valid until the next reserve()), or NULL with the
 * error recorded. */
static char *reserve(struct ctx *c, const struct node *n, size_t len)
{
	struct expr *e = c->e;
	size_t cap;

	if (len > EXPR_SCRATCH_MAX - e->scratch_len) {
		rt_fail(c, n, "text too long (more than %zu bytes)",
			EXPR_SCRATCH_MAX);
		return NULL;
	}
	if (!e->scratch || e->scratch_len + len + 1 > e->scratch_cap) {
		cap = e->scratch_cap ? e->scratch_cap : 256;
		while (cap < e->scratch_len + len + 1)
			cap *= 2;
		e->scratch = xrealloc(e->scratch, cap);
		e->scratch_cap = cap;
	}
	return e->scratch + e->scratch_len;
}

/* Makes v the len bytes just written at the end of the scratch buffer. */
static void push_text(struct ctx *c, struct val *v, size_t len)
{
	v->type = VT_TEXT;
	v->null = false;
	v->u.s.ptr = NULL;
	v->u.s.off = c->e->scratch_len;
	v->u.s.len = len;
	v->u.s.scratch = true;
	c->e->scratch_len += len;
}

/* PostgreSQL's boolean input. */
static bool parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"t", "true", "y", "yes", "on", "1"};
	static const char *const no[] = {"f", "false", "n", "no", "off", "0"};
	size_t i, len = strlen(s);

	for (i = 0; i < sizeof yes / sizeof yes[0]; i++) {
		if (same_word(s, len, yes[i])) {
			*out = true;
			return true;
		}
		if (same_word(s, len, no[i])) {
			*out = false;
			return true;
		}
	}
	return false;
}

static int read_column(struct ctx *c, const struct node *n, struct val *v)
{
	const char *s = c->values[n->u.column];
	bool ok;

	if (!s)
		return set_null(v);
	switch (v->type) {
	case VT_INT: ok = util_parse_int64(s, &v->u.i); break;
	case VT_REAL: ok = parse_real(s, &v->u.r); break;
	case VT_BOOL: ok = parse_bool(s, &v->u.b); break;
	case VT_DATE: ok = parse_date(s, strlen(s), &v->u.day); break;
	case VT_TS: ok = parse_stamp(s, strlen(s), &v->u.ts); break;
	default:
		v->u.s.ptr = s;
		v->u.s.len = strlen(s);
		v->u.s.scratch = false;
		return 0;
	}
	if (ok)
		return 0;
	return rt_fail(c, n, "column \"%.*s\" holds \"%.*s\", which is not %s %s",
		       (int)n->len, c->e->text + n->pos, clip_len(s, strlen(s), 40), s,
		       v->type == VT_INT ? "an" : "a", vtype_names[v->type]);
}

static double as_real(const struct val *v)
{
	return v->type == VT_INT ? (double)v->u.i : v->u.r;
}

/* Orders two non-null values of types that compile-time checks let meet. */
static int compare(const struct ctx *c, const struct val *a,
		   const struct val *b)
{
	double x, y;
	size_t la, lb;
	int r;

	if (a->type == VT_INT && b->type == VT_INT)
		return (a->u.i > b->u.i) - (a->u.i < b->u.i);
	if (is_numeric(a->type) && is_numeric(b->type)) {
		x = as_real(a);
		y = as_real(b);
		return (x > y) - (x < y);
	}
	switch (a->type) {
	case VT_TEXT:
		la = a->u.s.len;
		lb = b->u.s.len;
		r = memcmp(text_ptr(c, a), text_ptr(c, b), la < lb ? la : lb);
		if (r)
			return r < 0 ? -1 : 1;
		return (la > lb) - (la < lb);
	case VT_BOOL:
		return (int)a->u.b - (int)b->u.b;
	case VT_DATE:
		return (a->u.day > b->u.day) - (a->u.day < b->u.day);
	case VT_TS:
		return (a->u.ts.us > b->u.ts.us) - (a->u.ts.us < b->u.ts.us);
	default:
		return 0;
	}
}

/* Matches SQL LIKE: % any run of characters, _ one character, \ makes the
 * next character literal.  Backtracks only to the last %, so it runs in
 * time proportional to the product of the lengths at worst. */
static bool like(const char *t, size_t tn, const char *p, size_t pn,
		 bool fold)
{
	size_t ti = 0, pi = 0, star_p = SIZE_MAX, star_t = 0, tl, pl, q;
	uint32_t tc, pc;

	while (ti < tn) {
		if (pi < pn && p[pi] == '%') {
			while (pi < pn && p[pi] == '%')
				pi++;
			star_p = pi;
			star_t = ti;
			continue;
		}
		if (pi < pn && p[pi] == '_') {
			ti += utf8_next(t + ti, tn - ti, &tc);
			pi++;
			continue;
		}
		if (pi < pn) {
			q = pi + (p[pi] == '\\' && pi + 1 < pn);
			pl = utf8_next(p + q, pn - q, &pc);
			tl = utf8_next(t + ti, tn - ti, &tc);
			if (fold) {
				tc = to_lower(tc);
				pc = to_lower(pc);
			}
			if (tc == pc) {
				ti += tl;
				pi = q + pl;
				continue;
			}
		}
		if (star_p == SIZE_MAX)
			return false;
		star_t += utf8_next(t + star_t, tn - star_t, &tc);
		ti = star_t;
		pi = star_p;
	}
	while (pi < pn && p[pi] == '%')
		pi++;
	return pi == pn;
}

static int eval(struct ctx *c, int32_t i, struct val *v);

static int eval_in(struct ctx *c, const struct node *n, struct val *v)
{
	const struct node *nodes = c->e->nodes;
	struct val x, a;
	bool saw_null = false;
	size_t keep;
	int32_t k;
	int rc;

	if ((rc = eval(c, n->kid, &x)) < 0)
		return rc;
	if (x.null)
		return set_null(v);
	keep = c->e->scratch_len;
	for (k = nodes[n->kid].next; k >= 0; k = nodes[k].next) {
		if ((rc = eval(c, k, &a)) < 0)
			return rc;
		if (a.null) {
			saw_null = true;
		} else if (compare(c, &x, &a) == 0) {
			v->u.b = !n->negate;
			return 0;
		}
		c->e->scratch_len = keep;
	}
	if (saw_null)
		return set_null(v);
	v->u.b = n->negate;
	return 0;
}

static int eval_between(struct ctx *c, const struct node *n, struct val *v)
{
	const struct node *nodes = c->e->nodes;
	int32_t klo = nodes[n->kid].next, khi = nodes[klo].next;
	struct val x, lo, hi;
	int rc, above, below;  /* 1 true, 0 false, -1 null */

	if ((rc = eval(c, n->kid, &x)) < 0 || (rc = eval(c, klo, &lo)) < 0 ||
	    (rc = eval(c, khi, &hi)) < 0)
		return rc;
	above = x.null || lo.null ? -1 : compare(c, &x, &lo) >= 0;
	below = x.null || hi.null ? -1 : compare(c, &x, &hi) <= 0;
	if (above == 0 || below == 0)
		v->u.b = false;
	else if (above < 0 || below < 0)
		return set_null(v);
	else
		v->u.b = true;
	v->u.b = v->u.b != n->negate;
	return 0;
}

/* Joins the operands' texts; the result so far always ends the scratch
 * buffer, and each operand's own scratch text lands right after it. */
static int eval_concat(struct ctx *c, const struct node *n, struct val *v)
{
	struct expr *e = c->e;
	size_t start = e->scratch_len, len = 0, m;
	char buf[SCALAR_MAX], *dst;
	struct val a;
	int32_t k;
	int rc;

	for (k = n->kid; k >= 0; k = e->nodes[k].next) {
		if ((rc = eval(c, k, &a)) < 0)
			return rc;
		if (a.null)
			return set_null(v);
		if (a.type == VT_TEXT && a.u.s.scratch) {
			assert(a.u.s.off == start + len);
			m = a.u.s.len;
		} else if (a.type == VT_TEXT) {
			m = a.u.s.len;
			if (!(dst = reserve(c, n, m)))
				return ODP_ERR_INVALID;
			memcpy(dst, a.u.s.ptr, m);
		} else {
			m = format_scalar(&a, buf);
			if (!(dst = reserve(c, n, m)))
				return ODP_ERR_INVALID;
			memcpy(dst, buf, m);
		}
		len += m;
		e->scratch_len = start + len;
	}
	e->scratch_len = start;
	push_text(c, v, len);
	return 0;
}

static int eval_arith(struct ctx *c, const struct node *n, struct val *v)
{
	static const char *const symbols[] = {
		[OP_ADD] = "+", [OP_SUB] = "-", [OP_MUL] = "*", [OP_DIV] = "/"};
	const char *sym = symbols[n->op];
	struct val a, b;
	int64_t day, days;
	double x, y, r = 0;
	bool over = false;
	int rc;

	if ((rc = eval(c, n->kid, &a)) < 0 ||
	    (rc = eval(c, c->e->nodes[n->kid].next, &b)) < 0)
		return rc;
	if (a.null || b.null)
		return set_null(v);
	if (n->type == VT_INT && a.type == VT_DATE) {
		v->u.i = (int64_t)a.u.day - b.u.day;
		return 0;
	}
	if (n->type == VT_INT) {
		if (n->op == OP_ADD)
			over = __builtin_add_overflow(a.u.i, b.u.i, &v->u.i);
		else if (n->op == OP_SUB)
			over = __builtin_sub_overflow(a.u.i, b.u.i, &v->u.i);
		else
			over = __builtin_mul_overflow(a.u.i, b.u.i, &v->u.i);
		if (over)
			return rt_fail(c, n,
				       "the result of \"%s\" is too large for "
				       "an integer",
				       sym);
		return 0;
	}
	if (n->type == VT_DATE) {
		day = a.type == VT_DATE ? a.u.day : b.u.day;
		days = a.type == VT_DATE ? b.u.i : a.u.i;
		if (days < -4000000 || days > 4000000 ||
		    !day_in_range(n->op == OP_SUB ? day - days : day + days))
			return rt_fail(c, n,
				       "the date is out of range (years 1 to "
				       "9999)");
		v->u.day = (int32_t)(n->op == OP_SUB ? day - days : day + days);
		return 0;
	}
	x = as_real(&a);
	y = as_real(&b);
	switch (n->op) {
	case OP_ADD: r = x + y; break;
	case OP_SUB: r = x - y; break;
	case OP_MUL: r = x * y; break;
	default:
		if (y == 0)
			return set_null(v);
		r = x / y;
	}
	if (!isfinite(r))
		return rt_fail(c, n, "the result of \"%s\" is too large", sym);
	v->u.r = r;
	return 0;
}

/* Rounds x to digits decimal places, half away from zero, on the shortest
 * decimal that reads back as x: what the referent sees and expects
 * (2.675 is stored as 2.67499999..., yet rounds to 2.68). */
static double round_decimal(double x, int64_t digits)
{
	char buf[40], num[48], mant[20];
	int prec, n = 0, m, i, len = 0;
	long exp10;
	const char *s;
	bool up;

	if (x == 0 || digits > 400)
		return x;
	if (digits < -400)
		return 0.0;
	for (prec = 14; prec <= 16; prec++) {
		snprintf(buf, sizeof buf, "%.*e", prec, x);
		if (strtod(buf, NULL) == x)
			break;
	}
	for (s = buf + (buf[0] == '-'); *s && *s != 'e'; s++)
		if (is_digit(*s) && n < (int)sizeof mant)
			mant[n++] = *s;
	exp10 = *s == 'e' ? strtol(s + 1, NULL, 10) : 0;
	while (n > 1 && mant[n - 1] == '0')
		n--;
	m = (int)(exp10 + digits + 1);
	if (m >= n)
		return x;
	if (m < 0)
		return 0.0;
	up = mant[m] >= '5';
	for (i = m - 1; up && i >= 0; i--) {
		if (mant[i] == '9') {
			mant[i] = '0';
		} else {
			mant[i]++;
			up = false;
		}
	}
	if (x < 0)
		num[len++] = '-';
	if (up)
		num[len++] = '1';
	if (m == 0 && !up)
		return 0.0;
	memcpy(num + len, mant, (size_t)m);
	len += m;
	snprintf(num + len, sizeof num - (size_t)len, "e%ld", exp10 - m + 1);
	return strtod(num, NULL);
}

/* Characters trim() removes: ASCII blanks, U+00A0 and U+202F (the
 * no-break spaces of French number formatting).  Returns the length of the
 * one at s (n bytes left), or 0. */
static size_t blank_at(const char *s, size_t n)
{
	if (is_space(s[0]))
		return 1;
	if (n >= 2 && s[0] == '\xC2' && s[1] == '\xA0')
		return 2;
	if (n >= 3 && s[0] == '\xE2' && s[1] == '\x80' && s[2] == '\xAF')
		return 3;
	return 0;
}

static size_t blank_before(const char *s, size_t n)
{
	if (n >= 1 && is_space(s[n - 1]))
		return 1;
	if (n >= 2 && s[n - 2] == '\xC2' && s[n - 1] == '\xA0')
		return 2;
	if (n >= 3 && s[n - 3] == '\xE2' && s[n - 2] == '\x80' &&
	    s[n - 1] == '\xAF')
		return 3;
	return 0;
}

/* Makes v the part [from, from + len) of text a, without copying. */
static void slice(struct val *v, const struct val *a, size_t from, size_t len)
{
	*v = *a;
	if (v->u.s.scratch)
		v->u.s.off += from;
	else
		v->u.s.ptr += from;
	v->u.s.len = len;
}

static int fold_text(struct ctx *c, const struct node *n, const struct val *a,
		     struct val *v, bool upper)
{
	size_t len = a->u.s.len, i = 0, o = 0, k, w;
	char *dst = reserve(c, n, len);
	const char *src;
	uint32_t cp, m;

	if (!dst)
		return ODP_ERR_INVALID;
	src = text_ptr(c, a);
	while (i < len) {
		k = utf8_next(src + i, len - i, &cp);
		m = upper ? to_upper(cp) : to_lower(cp);
		w = m < 0x80 ? 1 : 2;
		if (m != cp && w == k)
			utf8_put2(m, dst + o);
		else
			memcpy(dst + o, src + i, k);
		o += k;
		i += k;
	}
	push_text(c, v, o);
	return 0;
}

static int64_t local_day(const struct stamp *ts)
{
	int64_t local = ts->us + (int64_t)ts->offset * 60 * 1000000;
	int64_t day = local / 86400000000LL;

	return local % 86400000000LL < 0 ? day - 1 : day;
}

/* date(text): the text read as a date the way inference reads one, or the
 * date of an ISO 8601 timestamp, or NULL. */
static int text_to_date(struct ctx *c, const struct val *a, struct val *v)
{
	char buf[INFER_VALUE_MAX + 1], out[INFER_VALUE_MAX + 1];
	struct stamp ts;
	const char *s;
	size_t len;

	if (a->u.s.len > INFER_VALUE_MAX)
		return set_null(v);
	memcpy(buf, text_ptr(c, a), a->u.s.len);
	buf[a->u.s.len] = '\0';
	s = infer_trim(buf, &len);
	memmove(buf, s, len);
	buf[len] = '\0';
	if (infer_convert(buf, INFER_DATE, out) &&
	    parse_date(out, strlen(out), &v->u.day))
		return 0;
	if (parse_stamp(buf, len, &ts)) {
		v->u.day = (int32_t)local_day(&ts);
		return 0;
	}
	return set_null(v);
}

static int eval_substr(struct ctx *c, const struct node *n,
		       const struct val *a, int64_t start, const int64_t *count,
		       struct val *v)
{
	const char *s = text_ptr(c, a);
	size_t len = a->u.s.len, b0, b1;
	int64_t from = start < 1 ? 1 : start, to = INT64_MAX;

	if (count && *count < 0)
		return rt_fail(c, n,
			       "substr(): the number of characters cannot be "
			       "negative (%lld)",
			       (long long)*count);
	if (count && __builtin_add_overflow(start, *count, &to))
		to = INT64_MAX;
	if (to <= from) {
		slice(v, a, 0, 0);
		return 0;
	}
	b0 = utf8_offset(s, len, from - 1);
	b1 = to == INT64_MAX ? len
			     : b0 + utf8_offset(s + b0, len - b0, to - from);
	slice(v, a, b0, b1 - b0);
	return 0;
}

static int eval_call(struct ctx *c, const struct node *n, struct val *v)
{
	const struct node *nodes = c->e->nodes;
	int32_t ka = n->kid, kb = nodes[ka].next;
	int32_t kc = kb >= 0 ? nodes[kb].next : -1, k;
	struct val a, b, d;
	const char *s;
	size_t i, len, cut;
	int64_t day, count = 0;
	int y, m, dd, rc;
	double r;
	uint32_t cp;

	switch ((enum fn)n->arg) {
	case FN_COALESCE:
		for (k = ka; k >= 0; k = nodes[k].next) {
			if ((rc = eval(c, k, v)) < 0)
				return rc;
			if (!v->null)
				goto promote;
		}
		return set_null(v);
	case FN_NULLIF:
		if ((rc = eval(c, ka, v)) < 0 || (rc = eval(c, kb, &b)) < 0)
			return rc;
		if (v->null || (!b.null && compare(c, v, &b) == 0))
			return set_null(v);
		goto promote;
	default:
		break;
	}
	/* The other functions give NULL when any argument is NULL. */
	if ((rc = eval(c, ka, &a)) < 0)
		return rc;
	if (a.null)
		return set_null(v);
	if (kb >= 0) {
		if ((rc = eval(c, kb, &b)) < 0)
			return rc;
		if (b.null)
			return set_null(v);
	}
	if (kc >= 0) {
		if ((rc = eval(c, kc, &d)) < 0)
			return rc;
		if (d.null)
			return set_null(v);
		count = d.u.i;
	}
	switch ((enum fn)n->arg) {
	case FN_LOWER:
	case FN_UPPER:
		return fold_text(c, n, &a, v, n->arg == FN_UPPER);
	case FN_TRIM:
		s = text_ptr(c, &a);
		len = a.u.s.len;
		for (i = 0; i < len && (cut = blank_at(s + i, len - i));)
			i += cut;
		while (len > i && (cut = blank_before(s + i, len - i)))
			len -= cut;
		slice(v, &a, i, len - i);
		return 0;
	case FN_LENGTH:
		s = text_ptr(c, &a);
		v->u.i = 0;
		for (i = 0; i < a.u.s.len; v->u.i++)
			i += utf8_next(s + i, a.u.s.len - i, &cp);
		return 0;
	case FN_SUBSTR:
		return eval_substr(c, n, &a, b.u.i, kc >= 0 ? &count : NULL, v);
	case FN_ROUND:
		if (a.type == VT_INT && kb < 0) {
			v->u.i = a.u.i;
			return 0;
		}
		r = round_decimal(as_real(&a), kb >= 0 ? b.u.i : 0);
		if (!isfinite(r))
			return rt_fail(c, n, "round(): the result is too large");
		if (kb >= 0) {
			v->u.r = r;
			return 0;
		}
		if (!(r >= -9223372036854775808.0 && r < 9223372036854775808.0))
			return rt_fail(c, n,
				       "round(): %g is too large for an "
				       "integer; round(x, 0) gives a decimal",
				       r);
		v->u.i = (int64_t)r;
		return 0;
	case FN_ABS:
		if (a.type == VT_REAL) {
			v->u.r = fabs(a.u.r);
			return 0;
		}
		if (a.u.i == INT64_MIN)
			return rt_fail(c, n, "abs(): the result is too large "
					     "for an integer");
		v->u.i = a.u.i < 0 ? -a.u.i : a.u.i;
		return 0;
	case FN_YEAR:
	case FN_MONTH:
	case FN_DAY:
		day = a.type == VT_DATE ? a.u.day : local_day(&a.u.ts);
		civil_from_days(day, &y, &m, &dd);
		v->u.i = n->arg == FN_YEAR ? y : n->arg == FN_MONTH ? m : dd;
		return 0;
	case FN_DATE:
		if (a.type == VT_TEXT)
			return text_to_date(c, &a, v);
		v->u.day = a.type == VT_DATE ? a.u.day
					     : (int32_t)local_day(&a.u.ts);
		return 0;
	default:
		return 0;
	}
promote:
	if (n->type == VT_REAL && v->type == VT_INT) {
		v->u.r = (double)v->u.i;
		v->type = VT_REAL;
	}
	return 0;
}

static int eval_node(struct ctx *c, const struct node *n, struct val *v)
{
	const struct node *nodes = c->e->nodes;
	struct val a, b;
	bool saw_null = false, decider;
	int32_t k;
	int rc, r;

	switch ((enum op)n->op) {
	case OP_LIT:
		*v = n->u.lit;
		return 0;
	case OP_COL:
		return read_column(c, n, v);
	case OP_NEG:
		if ((rc = eval(c, n->kid, &a)) < 0)
			return rc;
		if (a.null)
			return set_null(v);
		if (a.type == VT_REAL) {
			v->u.r = -a.u.r;
			return 0;
		}
		if (a.u.i == INT64_MIN)
			return rt_fail(c, n, "the result of \"-\" is too large "
					     "for an integer");
		v->u.i = -a.u.i;
		return 0;
	case OP_NOT:
		if ((rc = eval(c, n->kid, &a)) < 0)
			return rc;
		if (a.null)
			return set_null(v);
		v->u.b = !a.u.b;
		return 0;
	case OP_AND:
	case OP_OR:
		/* Three-valued: one operand equal to decider settles it. */
		decider = n->op == OP_OR;
		for (k = n->kid; k >= 0; k = nodes[k].next) {
			if ((rc = eval(c, k, &a)) < 0)
				return rc;
			if (a.null) {
				saw_null = true;
			} else if (a.u.b == decider) {
				v->u.b = decider;
				return 0;
			}
		}
		if (saw_null)
			return set_null(v);
		v->u.b = !decider;
		return 0;
	case OP_CMP:
		if ((rc = eval(c, n->kid, &a)) < 0 ||
		    (rc = eval(c, nodes[n->kid].next, &b)) < 0)
			return rc;
		if (a.null || b.null)
			return set_null(v);
		r = compare(c, &a, &b);
		switch ((enum cmp)n->arg) {
		case CMP_EQ: v->u.b = r == 0; break;
		case CMP_NE: v->u.b = r != 0; break;
		case CMP_LT: v->u.b = r < 0; break;
		case CMP_LE: v->u.b = r <= 0; break;
		case CMP_GT: v->u.b = r > 0; break;
		case CMP_GE: v->u.b = r >= 0; break;
		}
		return 0;
	case OP_IS_NULL:
		if ((rc = eval(c, n->kid, &a)) < 0)
			return rc;
		v->u.b = a.null != n->negate;
		return 0;
	case OP_IN:
		return eval_in(c, n, v);
	case OP_LIKE:
		if ((rc = eval(c, n->kid, &a)) < 0 ||
		    (rc = eval(c, nodes[n->kid].next, &b)) < 0)
			return rc;
		if (a.null || b.null)
			return set_null(v);
		v->u.b = like(text_ptr(c, &a), a.u.s.len, text_ptr(c, &b),
			      b.u.s.len, n->fold) != n->negate;
		return 0;
	case OP_BETWEEN:
		return eval_between(c, n, v);
	case OP_CONCAT:
		return eval_concat(c, n, v);
	case OP_ADD:
	case OP_SUB:
	case OP_MUL:
	case OP_DIV:
		return eval_arith(c, n, v);
	case OP_CALL:
		return eval_call(c, n, v);
	}
	return 0;
}

/* Evaluates node i into v.  Whatever scratch space it used is given back,
 * but for its own text, which is moved down to where it began: scratch
 * works as a stack. */
static int eval(struct ctx *c, int32_t i, struct val *v)
{
	const struct node *n = &c->e->nodes[i];
	struct expr *e = c->e;
	size_t mark = e->scratch_len;
	int rc;

	v->type = (enum vtype)n->type;
	v->null = false;
	rc = eval_node(c, n, v);
	if (rc < 0)
		return rc;
	if (!v->null && v->type == VT_TEXT && v->u.s.scratch) {
		assert(v->u.s.off >= mark);
		memmove(e->scratch + mark, e->scratch + v->u.s.off,
			v->u.s.len);
		v->u.s.off = mark;
		e->scratch_len = mark + v->u.s.len;
	} else {
		e->scratch_len = mark;
	}
	return 0;
}

int expr_eval(struct expr *e, const char *const *values, struct sb *out,
	      char *errbuf)
{
	struct ctx c = {e, values, errbuf};
	char buf[SCALAR_MAX];
	struct val v;
	int rc;

	sb_reset(out);
	e->scratch_len = 0;
	if ((rc = eval(&c, e->root, &v)) < 0)
		return rc;
	if (v.null)
		return 0;
	if (v.type == VT_TEXT)
		sb_append(out, text_ptr(&c, &v), v.u.s.len);
	else
		sb_append(out, buf, format_scalar(&v, buf));
	if (sb_failed(out)) {
		util_seterr(errbuf, "the result is longer than %zu bytes",
			    out->max);
		return ODP_ERR_INVALID;
	}
	return 1;
}

int expr_eval_bool(struct expr *e, const char *const *values, char *errbuf)
{
	struct ctx c = {e, values, errbuf};
	struct val v;
	int rc;

	if (e->type != VT_BOOL && e->type != VT_NULL) {
		util_seterr(errbuf,
			    "the filter gives %s, not a condition (true or "
			    "false): compare it, e.g. \"x > 0\"",
			    vtype_names[e->type]);
		return ODP_ERR_INVALID;
	}
	e->scratch_len = 0;
	if ((rc = eval(&c, e->root, &v)) < 0)
		return rc;
	return !v.null && v.u.b;
}
