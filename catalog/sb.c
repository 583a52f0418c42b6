/*
 * sb.c: bounded string buffer with a sticky error (see sb.h).
 */
#include "sb.h"

#include "util.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

void sb_init(struct sb *sb, size_t max)
{
	sb->buf = NULL;
	sb->len = 0;
	sb->cap = 0;
	sb->max = max ? max : SB_DEFAULT_MAX;
	sb->failed = false;
}

/* Makes room for extra more bytes plus the NUL; false marks the failure. */
static bool sb_grow(struct sb *sb, size_t extra)
{
	size_t need, cap;

	if (sb->failed)
		return false;
	if (extra > sb->max - sb->len) {
		sb->failed = true;
		return false;
	}
	need = sb->len + extra + 1;
	if (need <= sb->cap)
		return true;
	cap = sb->cap ? sb->cap : 256;
	while (cap < need)
		cap *= 2;
	sb->buf = xrealloc(sb->buf, cap);
	sb->cap = cap;
	return true;
}

void sb_append(struct sb *sb, const char *s, size_t len)
{
	if (!sb_grow(sb, len))
		return;
	memcpy(sb->buf + sb->len, s, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
}

void sb_puts(struct sb *sb, const char *s)
{
	sb_append(sb, s, strlen(s));
}

void sb_putc(struct sb *sb, char c)
{
	sb_append(sb, &c, 1);
}

void sb_printf(struct sb *sb, const char *fmt, ...)
{
	va_list ap;
	size_t room;
	int n;

	/* Formats straight into the free space; only a value that does not
	 * fit is formatted a second time, after growing. */
	if (sb->failed ||
	    !sb_grow(sb, sb->max - sb->len < 64 ? sb->max - sb->len : 64))
		return;
	room = sb->cap - sb->len;
	if (room > sb->max - sb->len + 1)
		room = sb->max - sb->len + 1;
	va_start(ap, fmt);
	n = vsnprintf(sb->buf + sb->len, room, fmt, ap);
	va_end(ap);
	if (n < 0) {
		sb->failed = true;
		return;
	}
	if ((size_t)n >= room) {
		if (!sb_grow(sb, (size_t)n)) {
			sb->buf[sb->len] = '\0';
			return;
		}
		va_start(ap, fmt);
		vsnprintf(sb->buf + sb->len, (size_t)n + 1, fmt, ap);
		va_end(ap);
	}
	sb->len += (size_t)n;
}

void sb_put_json_string(struct sb *sb, const char *s)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *p;

	sb_putc(sb, '"');
	for (p = (const unsigned char *)s; *p; p++) {
		switch (*p) {
		case '"': sb_append(sb, "\\\"", 2); break;
		case '\\': sb_append(sb, "\\\\", 2); break;
		case '\n': sb_append(sb, "\\n", 2); break;
		case '\r': sb_append(sb, "\\r", 2); break;
		case '\t': sb_append(sb, "\\t", 2); break;
		default:
			if (*p < 0x20) {
				char esc[6] = {'\\', 'u', '0', '0',
					       hex[*p >> 4], hex[*p & 15]};
				sb_append(sb, esc, 6);
			} else {
				sb_putc(sb, (char)*p);
			}
		}
	}
	sb_putc(sb, '"');
}

bool sb_failed(const struct sb *sb)
{
	return sb->failed;
}

void sb_reset(struct sb *sb)
{
	sb->len = 0;
	sb->failed = false;
	if (sb->buf)
		sb->buf[0] = '\0';
}

char *sb_steal(struct sb *sb)
{
	char *s = sb->buf ? sb->buf : xstrdup("");
	sb_init(sb, sb->max);
	return s;
}

void sb_free(struct sb *sb)
{
	free(sb->buf);
	sb_init(sb, sb->max);
}
