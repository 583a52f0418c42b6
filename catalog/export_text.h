/*
 * export_text.h: the byte buffer of the exports and the text of their
 * values (internal to export.c and export_geom.c).
 *
 * Values arrive as PostgreSQL's binary forms (big-endian integers, days
 * and microseconds since 2000-01-01, IEEE doubles) and are written here,
 * in one way only: odp-etl hashes what odp-api serves.
 */
#ifndef ODP_EXPORT_TEXT_H
#define ODP_EXPORT_TEXT_H

#include "util.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>

/* A growable byte buffer without a bound: a row of an export is bounded
 * by the database row it comes from, and the caller empties the buffer
 * every few hundred kilobytes. */
struct export_buf {
	char *buf;
	size_t len, cap;
};

/* Makes room for n more bytes. */
static inline char *export_buf_room(struct export_buf *b, size_t n)
{
	if (b->cap - b->len < n) {
		size_t cap = b->cap ? b->cap : 4096;
		while (cap - b->len < n)
			cap *= 2;
		b->buf = xrealloc(b->buf, cap);
		b->cap = cap;
	}
	return b->buf + b->len;
}

static inline void export_buf_put(struct export_buf *b, const char *s,
				  size_t n)
{
	memcpy(export_buf_room(b, n), s, n);
	b->len += n;
}

static inline void export_buf_putc(struct export_buf *b, char c)
{
	*export_buf_room(b, 1) = c;
	b->len++;
}

#define export_buf_lit(b, lit) export_buf_put((b), (lit), sizeof(lit) - 1)

/* The big-endian integers of PostgreSQL's binary forms. */
uint32_t export_be32(const unsigned char *p);
uint64_t export_be64(const unsigned char *p);

/* A date (int32 days since 2000-01-01) as YYYY-MM-DD, "infinity" or
 * "-infinity". */
void export_put_date(struct export_buf *b, const unsigned char *p);

/* A timestamptz (int64 microseconds since 2000-01-01 UTC) as
 * YYYY-MM-DDTHH:MM:SS[.ffffff]Z, the fraction without trailing zeros;
 * "infinity" or "-infinity". */
void export_put_timestamp(struct export_buf *b, const unsigned char *p);

/* s[0..len) (UTF-8) as a JSON string, quotes included. */
void export_put_json_string(struct export_buf *b, const unsigned char *s,
			    size_t len);

/* s[0..len) as an RFC 4180 field: as it is, or quoted (quotes doubled)
 * when it holds a comma, a quote or a line break, and "" when empty. */
void export_put_csv_text(struct export_buf *b, const unsigned char *s,
			 size_t len);

/* Writes v with at most 7 decimals, trailing zeros dropped ("0.34",
 * "46.5802", "12"); false for a non-finite v, which has no JSON form. */
bool export_put_coord(struct export_buf *b, double v);

/* Writes the finite v as a decimal that reads back as exactly v: the
 * fewest decimals that do ("5.37", "27581.3", "-0", "0.0000001") for a
 * value below 2^53 with at most 17 of them, else C's shortest %g that
 * does ("1e+300", "0.30000000000000004"). */
void export_put_real(struct export_buf *b, double v);

#endif
