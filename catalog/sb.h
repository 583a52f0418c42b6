/*
 * sb.h: a bounded, growable string buffer with a sticky error.
 *
 * Appends never fail at the call site: once the buffer would exceed its
 * limit, it is marked failed and further appends are ignored, so a builder
 * checks sb_failed() once at the end (the SQLite StrAccum idiom).  The
 * contents are always NUL-terminated.
 */
#ifndef ODP_SB_H
#define ODP_SB_H

#include <stdbool.h>
#include <stddef.h>

struct sb {
	char *buf;
	size_t len;
	size_t cap;
	size_t max;   /* largest len allowed; 0 means SB_DEFAULT_MAX */
	bool failed;
};

#define SB_DEFAULT_MAX ((size_t)64 << 20)

/* An empty buffer that may grow to max bytes (0: SB_DEFAULT_MAX). */
void sb_init(struct sb *sb, size_t max);
void sb_append(struct sb *sb, const char *s, size_t len);
void sb_puts(struct sb *sb, const char *s);
void sb_putc(struct sb *sb, char c);
void sb_printf(struct sb *sb, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));
/* Appends s as a JSON string literal, quotes included. */
void sb_put_json_string(struct sb *sb, const char *s);
bool sb_failed(const struct sb *sb);
/* Empties the buffer, keeps its memory, clears the error. */
void sb_reset(struct sb *sb);
/* Returns the contents; the caller takes them and must free(). */
char *sb_steal(struct sb *sb);
void sb_free(struct sb *sb);

#endif
