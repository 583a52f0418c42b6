/*
 * names.c: source column names to SQL-friendly names (see names.h).
 *
 * Accented Latin letters are folded to ASCII (é -> e, œ -> oe) because the
 * territory's sources are French; any other non-alphanumeric run becomes a
 * single underscore.
 */
#include "names.h"

#include "util.h"

#include <stdbool.h>
#include <stdio.h>
#include <string.h>

/* ASCII folding of U+00C0..U+00FF, indexed from U+00C0; NULL = separator. */
static const char *const latin1_fold[64] = {
	"a", "a", "a", "a", "a", "a", "ae", "c",     /* C0-C7 */
	"e", "e", "e", "e", "i", "i", "i", "i",      /* C8-CF */
	"d", "n", "o", "o", "o", "o", "o", NULL,     /* D0-D7 (D7 = x sign) */
	"o", "u", "u", "u", "u", "y", "th", "ss",    /* D8-DF */
	"a", "a", "a", "a", "a", "a", "ae", "c",     /* E0-E7 */
	"e", "e", "e", "e", "i", "i", "i", "i",      /* E8-EF */
	"d", "n", "o", "o", "o", "o", "o", NULL,     /* F0-F7 (F7 = division) */
	"o", "u", "u", "u", "u", "y", "th", "y",     /* F8-FF */
};

/* PostgreSQL's reserved key words, and "geom", odp's geometry column. */
static const char *const reserved[] = {
	"all", "analyse", "analyze", "and", "any", "array", "as", "asc",
	"asymmetric", "both", "case", "cast", "check", "collate", "column",
	"constraint", "create", "current_catalog", "current_date",
	"current_role", "current_time", "current_timestamp", "current_user",
	"default", "deferrable", "desc", "distinct", "do", "else", "end",
	"except", "false", "fetch", "for", "foreign", "from", "geom", "grant",
	"group", "having", "in", "initially", "intersect", "into", "lateral",
	"leading", "limit", "localtime", "localtimestamp", "not", "null",
	"offset", "on", "only", "or", "order", "placing", "primary",
	"references", "returning", "select", "session_user", "some",
	"symmetric", "table", "then", "to", "trailing", "true", "union",
	"unique", "user", "using", "variadic", "when", "where", "window",
	"with",
};

static bool is_reserved(const char *name)
{
	size_t i;

	for (i = 0; i < sizeof reserved / sizeof reserved[0]; i++)
		if (strcmp(reserved[i], name) == 0)
			return true;
	return false;
}

/* Appends piece to out (at *len), or a separator when piece is NULL. */
static void put_piece(char *out, size_t *len, const char *piece)
{
	if (!piece) {
		if (*len > 0 && out[*len - 1] != '_' && *len < NAMES_MAX)
			out[(*len)++] = '_';
		return;
	}
	for (; *piece && *len < NAMES_MAX; piece++)
		out[(*len)++] = *piece;
}

void names_normalise(const char *src, char out[NAMES_MAX + 1])
{
	const unsigned char *p = (const unsigned char *)src;
	size_t len = 0;
	char ascii[2] = {0, 0};

	while (*p && len < NAMES_MAX) {
		if ((*p >= 'a' && *p <= 'z') || (*p >= '0' && *p <= '9')) {
			ascii[0] = (char)*p;
			put_piece(out, &len, ascii);
			p++;
		} else if (*p >= 'A' && *p <= 'Z') {
			ascii[0] = (char)(*p - 'A' + 'a');
			put_piece(out, &len, ascii);
			p++;
		} else if (p[0] == 0xC3 && p[1] >= 0x80 && p[1] <= 0xBF) {
			put_piece(out, &len, latin1_fold[p[1] - 0x80]);
			p += 2;
		} else if (p[0] == 0xC5 && (p[1] == 0x92 || p[1] == 0x93)) {
			put_piece(out, &len, "oe");
			p += 2;
		} else if (p[0] == 0xC2 && (p[1] == 0xB2 || p[1] == 0xB3)) {
			/* m², m³ */
			put_piece(out, &len, p[1] == 0xB2 ? "2" : "3");
			p += 2;
		} else if (p[0] == 0xE2 && p[1] == 0x82 && p[2] == 0xAC) {
			put_piece(out, &len, NULL);
			put_piece(out, &len, "eur");
			p += 3;
		} else {
			put_piece(out, &len, NULL);
			/* Skip the rest of a multi-byte sequence whole. */
			for (p++; (*p & 0xC0) == 0x80; p++)
				;
		}
	}
	while (len > 0 && out[len - 1] == '_')
		len--;
	out[len] = '\0';

	if (len == 0) {
		util_strlcpy(out, "unnamed", NAMES_MAX + 1);
	} else if (out[0] >= '0' && out[0] <= '9') {
		char tmp[NAMES_MAX + 1];
		snprintf(tmp, sizeof tmp, "c_%s", out);
		util_strlcpy(out, tmp, NAMES_MAX + 1);
	} else if (out[0] == '_') {
		memmove(out, out + 1, len);
	}
	if (is_reserved(out)) {
		char tmp[NAMES_MAX + 1];
		snprintf(tmp, sizeof tmp, "%s_", out);
		util_strlcpy(out, tmp, NAMES_MAX + 1);
	}
}

static bool name_taken(char (*out)[NAMES_MAX + 1], size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(out[i], name) == 0)
			return true;
	return false;
}

void names_normalise_all(const char *const *src, size_t n,
			 char (*out)[NAMES_MAX + 1])
{
	char base[NAMES_MAX + 1], candidate[NAMES_MAX + 1], suffix[24];
	size_t i, k;

	for (i = 0; i < n; i++) {
		names_normalise(src[i], base);
		util_strlcpy(candidate, base, sizeof candidate);
		for (k = 2; name_taken(out, i, candidate); k++) {
			size_t slen = (size_t)snprintf(suffix, sizeof suffix,
						       "_%zu", k);
			size_t keep = strlen(base);
			if (keep + slen > NAMES_MAX)
				keep = NAMES_MAX - slen;
			snprintf(candidate, sizeof candidate, "%.*s%s",
				 (int)keep, base, suffix);
		}
		util_strlcpy(out[i], candidate, NAMES_MAX + 1);
	}
}
