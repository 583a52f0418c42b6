/*
 * util.h: allocation that cannot fail, and checked number parsing.
 *
 * Allocation failure aborts the process: callers never check for NULL.
 * Number parsing rejects empty strings, trailing garbage and overflow.
 */
#ifndef ODP_UTIL_H
#define ODP_UTIL_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

void *xmalloc(size_t size);
void *xcalloc(size_t n, size_t size);
void *xrealloc(void *ptr, size_t size);
/* Returns a malloc'd copy of s; NULL stays NULL. */
char *xstrdup(const char *s);
char *xstrndup(const char *s, size_t len);

/* Parses the whole of s as a base-10 integer; false if it is not one. */
bool util_parse_int64(const char *s, int64_t *out);
/* Parses the whole of s as a finite double; false if it is not one. */
bool util_parse_double(const char *s, double *out);

/* Writes x into buf (size >= 32) with the fewest digits that read back as
 * the same double: 0.1 stays "0.1", not "0.10000000000000001". */
void util_format_double(double x, char *buf, size_t size);

/* Writes v in decimal into buf, NUL-terminated, and returns its length:
 * the hot path of a load writes two integers a row, and printf's format
 * parsing costs more than the digits. */
size_t util_format_int64(int64_t v, char buf[24]);

/* True when the NUL-terminated s is well-formed UTF-8. */
bool util_utf8_valid(const char *s);

/* Decodes len hex characters into out (len / 2 bytes); false when they
 * are not hex. */
bool util_hex_decode(const char *hex, size_t len, unsigned char *out);
/* Writes len bytes as 2 * len lowercase hex digits and a NUL into out. */
void util_hex_encode(const unsigned char *in, size_t len, char *out);

/* Copies src into dst (size bytes), always NUL-terminated, truncating. */
void util_strlcpy(char *dst, const char *src, size_t size);

/* snprintf into an error buffer of ODP_ERRBUF_SIZE bytes; errbuf may be NULL. */
void util_seterr(char *errbuf, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#endif
