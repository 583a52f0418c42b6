/*
 * export_text.c: the text of one value in the exports (see
 * export_text.h).
 *
 * Everything here is pure: bytes in, bytes appended, nothing read from
 * the session, so odp-etl and odp-api write the same bytes for the same
 * value.
 */
#include "export_text.h"

#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

uint32_t export_be32(const unsigned char *p)
{
	return (uint32_t)p[0] << 24 | (uint32_t)p[1] << 16 |
	       (uint32_t)p[2] << 8 | p[3];
}

uint64_t export_be64(const unsigned char *p)
{
	return (uint64_t)export_be32(p) << 32 | export_be32(p + 4);
}

/* Bytes a JSON string escapes, and bytes that make a CSV field quoted. */
enum { JSON_SPECIAL = 1, CSV_SPECIAL = 2 };

#define J JSON_SPECIAL
#define JC (JSON_SPECIAL | CSV_SPECIAL)
static const unsigned char byte_class[256] = {
	J, J, J, J, J, J, J, J, J, J, JC, J, J, JC, J, J,   /* \n, \r */
	J, J, J, J, J, J, J, J, J, J, J, J, J, J, J, J,
	['"'] = JC, [','] = CSV_SPECIAL, ['\\'] = J,
};
#undef J
#undef JC

/* Two digits of v (0..99). */
static void put2(char *p, unsigned v)
{
	p[0] = (char)('0' + v / 10);
	p[1] = (char)('0' + v % 10);
}

/* The date days after 1970-01-01 as YYYY-MM-DD (H. Hinnant's
 * civil_from_days, exact over PostgreSQL's whole range; 32-bit divisions
 * from 0000-03-01 on, which is every date a dataset has). */
static void put_ymd(struct export_buf *b, int64_t days)
{
	int64_t z = days + 719468, era, y;
	uint32_t doe, yoe, doy, mp, m, d;
	char tmp[32];

	if (z >= 0 && z < INT64_C(146097) * 29000) {
		era = (int64_t)((uint32_t)z / 146097u);
		doe = (uint32_t)z - (uint32_t)era * 146097u;
	} else {
		era = (z >= 0 ? z : z - 146096) / 146097;
		doe = (uint32_t)(z - era * 146097);
	}
	yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
	y = (int64_t)yoe + era * 400;
	doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
	mp = (5 * doy + 2) / 153;
	d = doy - (153 * mp + 2) / 5 + 1;
	m = mp < 10 ? mp + 3 : mp - 9;
	y += m <= 2;
	if (y >= 0 && y <= 9999) {
		char *p = export_buf_room(b, 10);
		put2(p, (unsigned)(y / 100));
		put2(p + 2, (unsigned)(y % 100));
		p[4] = '-';
		put2(p + 5, m);
		p[7] = '-';
		put2(p + 8, d);
		b->len += 10;
		return;
	}
	/* ISO 8601's expanded years: 1 BC is year 0, 2 BC -0001. */
	export_buf_put(b, tmp, (size_t)snprintf(tmp, sizeof tmp,
						"%+05lld-%02u-%02u",
						(long long)y, m, d));
}

/* Days between 1970-01-01 and PostgreSQL's epoch, 2000-01-01. */
#define PG_EPOCH_DAYS 10957
#define USECS_PER_DAY INT64_C(86400000000)

/* A date as YYYY-MM-DD, or PostgreSQL's infinities. */
void export_put_date(struct export_buf *b, const unsigned char *p)
{
	int32_t days = (int32_t)export_be32(p);

	if (days == INT32_MAX)
		export_buf_lit(b, "infinity");
	else if (days == INT32_MIN)
		export_buf_lit(b, "-infinity");
	else
		put_ymd(b, (int64_t)days + PG_EPOCH_DAYS);
}

/* YYYY-MM-DDTHH:MM:SS[.ffffff]Z, fraction without trailing zeros. */
void export_put_timestamp(struct export_buf *b, const unsigned char *p)
{
	int64_t us = (int64_t)export_be64(p), days, rem;
	unsigned secs, frac;
	char tmp[16], *q;
	int k;

	if (us == INT64_MAX) {
		export_buf_lit(b, "infinity");
		return;
	}
	if (us == INT64_MIN) {
		export_buf_lit(b, "-infinity");
		return;
	}
	days = us / USECS_PER_DAY;
	rem = us % USECS_PER_DAY;
	if (rem < 0) {
		rem += USECS_PER_DAY;
		days--;
	}
	put_ymd(b, days + PG_EPOCH_DAYS);
	secs = (unsigned)(rem / 1000000);
	frac = (unsigned)(rem % 1000000);
	tmp[0] = 'T';
	put2(tmp + 1, secs / 3600);
	tmp[3] = ':';
	put2(tmp + 4, secs / 60 % 60);
	tmp[6] = ':';
	put2(tmp + 7, secs % 60);
	q = tmp + 9;
	if (frac) {
		*q++ = '.';
		for (k = 100000; k > 0 && frac; k /= 10) {
			*q++ = (char)('0' + frac / (unsigned)k);
			frac %= (unsigned)k;
		}
	}
	*q++ = 'Z';
	export_buf_put(b, tmp, (size_t)(q - tmp));
}

void export_put_json_string(struct export_buf *b, const unsigned char *s,
			    size_t len)
{
	static const char hex[] = "0123456789abcdef";
	size_t i, run = 0;
	char esc[6];

	export_buf_putc(b, '"');
	for (i = 0; i < len; i++) {
		unsigned char c = s[i];

		if (!(byte_class[c] & JSON_SPECIAL))
			continue;
		export_buf_put(b, (const char *)s + run, i - run);
		run = i + 1;
		esc[0] = '\\';
		switch (c) {
		case '"': esc[1] = '"'; break;
		case '\\': esc[1] = '\\'; break;
		case '\n': esc[1] = 'n'; break;
		case '\r': esc[1] = 'r'; break;
		case '\t': esc[1] = 't'; break;
		case '\b': esc[1] = 'b'; break;
		case '\f': esc[1] = 'f'; break;
		default:
			memcpy(esc + 1, "u00", 3);
			esc[4] = hex[c >> 4];
			esc[5] = hex[c & 15];
			export_buf_put(b, esc, 6);
			continue;
		}
		export_buf_put(b, esc, 2);
	}
	export_buf_put(b, (const char *)s + run, len - run);
	export_buf_putc(b, '"');
}

void export_put_csv_text(struct export_buf *b, const unsigned char *s,
			 size_t len)
{
	size_t i, run = 0;

	for (i = 0; i < len; i++)
		if (byte_class[s[i]] & CSV_SPECIAL)
			break;
	if (i == len && len > 0) {
		export_buf_put(b, (const char *)s, len);
		return;
	}
	/* Quoted from the first special byte on; "" for an empty text. */
	export_buf_putc(b, '"');
	for (; i < len; i++) {
		if (s[i] != '"')
			continue;
		export_buf_put(b, (const char *)s + run, i + 1 - run);
		run = i;  /* the quote again: doubled */
	}
	export_buf_put(b, (const char *)s + run, len - run);
	export_buf_putc(b, '"');
}

bool export_put_coord(struct export_buf *b, double v)
{
	char tmp[48], *p, *end;
	uint64_t n, ip;
	uint32_t fp;
	int k;

	if (!isfinite(v))
		return false;
	if (fabs(v) >= 1e11) {
		/* Beyond int64 at 1e7 scale: no degree is this large, but a
		 * projected CRS could be. */
		snprintf(tmp, sizeof tmp, "%.7f", v);
		end = tmp + strlen(tmp);
		while (end[-1] == '0')
			end--;
		if (end[-1] == '.')
			end--;
		export_buf_put(b, tmp, (size_t)(end - tmp));
		return true;
	}
	n = (uint64_t)llround(fabs(v) * 1e7);
	if (n == 0) {
		export_buf_putc(b, '0');
		return true;
	}
	ip = n / 10000000u;
	fp = (uint32_t)(n % 10000000u);
	p = tmp + sizeof tmp;
	end = p;
	if (fp) {
		for (k = 0; k < 7; k++) {
			if (p != end || fp % 10)
				*--p = (char)('0' + fp % 10);
			fp /= 10;
		}
		*--p = '.';
	}
	do {
		*--p = (char)('0' + ip % 10);
		ip /= 10;
	} while (ip);
	if (v < 0)
		*--p = '-';
	export_buf_put(b, p, (size_t)(end - p));
	return true;
}

/* Integers up to 2^53 are exact in a double; so are the powers of ten
 * up to 10^22. */
#define EXACT_INT 9007199254740992.0
static const double powers_of_ten[18] = {
	1e0, 1e1, 1e2, 1e3, 1e4, 1e5, 1e6, 1e7, 1e8, 1e9, 1e10, 1e11, 1e12,
	1e13, 1e14, 1e15, 1e16, 1e17,
};

void export_put_real(struct export_buf *b, double v)
{
	double a = fabs(v), m;
	char tmp[40], *p, *end;
	uint64_t n;
	int k, i, precision;

	/* m / 10^k is computed exactly rounded, as strtod() rounds the
	 * decimal m * 10^-k: equal to a, the decimal reads back as v.  The
	 * smallest such k is the shortest plain decimal. */
	for (k = 0; k < 18 && a < EXACT_INT; k++) {
		/* 515.065 * 1000 is 515064.99999999994: the integer nearest
		 * the product is the candidate. */
		m = nearbyint(a * powers_of_ten[k]);
		if (m >= EXACT_INT)
			break;
		if (m / powers_of_ten[k] != a)
			continue;
		n = (uint64_t)m;
		p = end = tmp + sizeof tmp;
		for (i = 0; i < k; i++) {
			*--p = (char)('0' + n % 10);
			n /= 10;
		}
		if (k > 0)
			*--p = '.';
		do {
			*--p = (char)('0' + n % 10);
			n /= 10;
		} while (n);
		if (signbit(v))
			*--p = '-';
		export_buf_put(b, p, (size_t)(end - p));
		return;
	}
	for (precision = 15; precision < 17; precision++) {
		snprintf(tmp, sizeof tmp, "%.*g", precision, v);
		if (strtod(tmp, NULL) == v)
			break;
	}
	if (precision == 17)
		snprintf(tmp, sizeof tmp, "%.17g", v);
	export_buf_put(b, tmp, strlen(tmp));
}
