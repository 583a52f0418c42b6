/*
 * export_geom.c: GeoJSON and WKT from EWKB (see export_geom.h).
 *
 * One reader walks the EWKB (OGC WKB, PostGIS's Z/M/SRID flags or ISO
 * type codes, each geometry in its own byte order) and one writer per
 * syntax turns it into text.  Counts are checked against the bytes left
 * before any loop, so damaged bytes end in an error, never in a long walk
 * or a read past the end.  Z is written, M dropped in GeoJSON (which has
 * no M) and kept in WKT.
 */
#include "export_geom.h"

#include "odp.h"

#include <math.h>
#include <stdint.h>

/* Geometry collections nest; deeper ones are refused. */
#define NESTING_MAX 32

enum { WKB_POINT = 1, WKB_LINE, WKB_POLYGON, WKB_MULTIPOINT, WKB_MULTILINE,
       WKB_MULTIPOLYGON, WKB_COLLECTION };

static const char *const geojson_names[] = {
	NULL, "Point", "LineString", "Polygon", "MultiPoint",
	"MultiLineString", "MultiPolygon", "GeometryCollection",
};

static const char *const wkt_names[] = {
	NULL, "POINT", "LINESTRING", "POLYGON", "MULTIPOINT",
	"MULTILINESTRING", "MULTIPOLYGON", "GEOMETRYCOLLECTION",
};

struct reader {
	const unsigned char *p, *end;
	char *errbuf;
};

/* The header of one geometry. */
struct head {
	bool le;         /* little-endian numbers */
	unsigned type;   /* WKB_* */
	bool z, m;
	int dims;        /* 2 to 4 doubles a point */
};

static bool fail(struct reader *r, const char *what)
{
	util_seterr(r->errbuf, "damaged geometry: %s", what);
	return false;
}

static bool read_u32(struct reader *r, bool le, uint32_t *out)
{
	const unsigned char *p = r->p;

	if (r->end - p < 4)
		return fail(r, "truncated");
	*out = le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 |
			    (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
		  : (uint32_t)p[3] | (uint32_t)p[2] << 8 |
			    (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
	r->p += 4;
	return true;
}

/* Reads a double; the caller has checked that the bytes are there. */
static double read_double(struct reader *r, bool le)
{
	uint64_t u = 0;
	double d;
	int i;

	for (i = 0; i < 8; i++)
		u |= (uint64_t)r->p[le ? i : 7 - i] << (8 * i);
	r->p += 8;
	memcpy(&d, &u, sizeof d);
	return d;
}

static bool read_head(struct reader *r, struct head *h)
{
	uint32_t t, srid;

	if (r->p >= r->end)
		return fail(r, "truncated");
	if (*r->p > 1)
		return fail(r, "bad byte order");
	h->le = *r->p++ == 1;
	if (!read_u32(r, h->le, &t))
		return false;
	h->z = t & 0x80000000u;
	h->m = t & 0x40000000u;
	if ((t & 0x20000000u) && !read_u32(r, h->le, &srid))
		return false;
	t &= 0x0fffffffu;
	if (t >= 1000 && t < 4000) {    /* ISO: 1001 Z, 2001 M, 3001 ZM */
		h->z = h->z || t / 1000 != 2;
		h->m = h->m || t / 1000 != 1;
		t %= 1000;
	}
	if (t < WKB_POINT || t > WKB_COLLECTION) {
		util_seterr(r->errbuf, "geometry type %u cannot be exported "
			    "(GeoJSON has points, lines, polygons, their "
			    "multi- forms and collections)", (unsigned)t);
		return false;
	}
	h->type = t;
	h->dims = 2 + h->z + h->m;
	return true;
}

/* Reads a count of items of at least min_size bytes each. */
static bool read_count(struct reader *r, bool le, size_t min_size,
		       uint32_t *n)
{
	if (!read_u32(r, le, n))
		return false;
	if ((size_t)(r->end - r->p) / min_size < *n)
		return fail(r, "count beyond its bytes");
	return true;
}

/* One point's coordinates, separated by sep; M is skipped when !with_m.
 * Sets *empty (and writes nothing) for the NaN point of "POINT EMPTY". */
static bool put_point(struct reader *r, struct export_buf *b,
		      const struct head *h, char sep, bool with_m,
		      bool *empty)
{
	double c[4] = {0, 0, 0, 0};
	int i;

	if ((size_t)(r->end - r->p) < (size_t)h->dims * 8)
		return fail(r, "truncated");
	for (i = 0; i < h->dims; i++)
		c[i] = read_double(r, h->le);
	*empty = isnan(c[0]) && isnan(c[1]);
	if (*empty)
		return true;
	for (i = 0; i < h->dims; i++) {
		if (i == 2 + h->z && !with_m)
			break;
		if (i > 0)
			export_buf_putc(b, sep);
		if (!export_put_coord(b, c[i]))
			return fail(r, "a coordinate is not a finite number");
	}
	return true;
}

/* GeoJSON: [[x,y],...] of n points. */
static bool geojson_points(struct reader *r, struct export_buf *b,
			   const struct head *h)
{
	uint32_t n, i;
	bool empty;

	if (!read_count(r, h->le, (size_t)h->dims * 8, &n))
		return false;
	export_buf_putc(b, '[');
	for (i = 0; i < n; i++) {
		if (i)
			export_buf_putc(b, ',');
		export_buf_putc(b, '[');
		if (!put_point(r, b, h, ',', false, &empty))
			return false;
		export_buf_putc(b, ']');
	}
	export_buf_putc(b, ']');
	return true;
}

static bool geojson_rings(struct reader *r, struct export_buf *b,
			  const struct head *h)
{
	uint32_t n, i;

	if (!read_count(r, h->le, 4, &n))
		return false;
	export_buf_putc(b, '[');
	for (i = 0; i < n; i++) {
		if (i)
			export_buf_putc(b, ',');
		if (!geojson_points(r, b, h))
			return false;
	}
	export_buf_putc(b, ']');
	return true;
}

/* The coordinates member of a non-collection geometry whose header h has
 * been read. */
static bool geojson_coords(struct reader *r, struct export_buf *b,
			   const struct head *h)
{
	struct head sub;
	uint32_t n, i, k;
	bool empty;
	size_t mark;

	switch (h->type) {
	case WKB_POINT:
		export_buf_putc(b, '[');
		if (!put_point(r, b, h, ',', false, &empty))
			return false;
		export_buf_putc(b, ']');
		return true;
	case WKB_LINE:
		return geojson_points(r, b, h);
	case WKB_POLYGON:
		return geojson_rings(r, b, h);
	}
	/* Multi-geometries: each part is a whole geometry of the single
	 * type, with its own header.  An empty point of a multipoint has
	 * no GeoJSON position: it is left out. */
	if (!read_count(r, h->le, 9, &n))
		return false;
	export_buf_putc(b, '[');
	for (i = 0, k = 0; i < n; i++) {
		mark = b->len;
		if (k)
			export_buf_putc(b, ',');
		if (!read_head(r, &sub))
			return false;
		if (sub.type != h->type - 3)
			return fail(r, "a part of a multi-geometry has "
				       "another type");
		if (sub.type == WKB_POINT) {
			export_buf_putc(b, '[');
			if (!put_point(r, b, &sub, ',', false, &empty))
				return false;
			export_buf_putc(b, ']');
			if (empty) {
				b->len = mark;
				continue;
			}
		} else if (!geojson_coords(r, b, &sub)) {
			return false;
		}
		k++;
	}
	export_buf_putc(b, ']');
	return true;
}

static bool geojson_geom(struct reader *r, struct export_buf *b, int depth)
{
	struct head h;
	uint32_t n, i;

	if (depth > NESTING_MAX)
		return fail(r, "collections nested too deep");
	if (!read_head(r, &h))
		return false;
	export_buf_lit(b, "{\"type\":\"");
	export_buf_put(b, geojson_names[h.type], strlen(geojson_names[h.type]));
	if (h.type != WKB_COLLECTION) {
		export_buf_lit(b, "\",\"coordinates\":");
		if (!geojson_coords(r, b, &h))
			return false;
		export_buf_putc(b, '}');
		return true;
	}
	export_buf_lit(b, "\",\"geometries\":[");
	if (!read_count(r, h.le, 9, &n))
		return false;
	for (i = 0; i < n; i++) {
		if (i)
			export_buf_putc(b, ',');
		if (!geojson_geom(r, b, depth + 1))
			return false;
	}
	export_buf_lit(b, "]}");
	return true;
}

bool export_geojson(struct export_buf *b, const unsigned char *wkb,
		    size_t len, char *errbuf)
{
	struct reader r = {wkb, wkb + len, errbuf};

	return geojson_geom(&r, b, 0);
}

/* WKT: "x y,x y" of n points, inside the caller's parentheses. */
static bool wkt_points(struct reader *r, struct export_buf *b,
		       const struct head *h, uint32_t n)
{
	uint32_t i;
	bool empty;

	for (i = 0; i < n; i++) {
		if (i)
			export_buf_putc(b, ',');
		if (!put_point(r, b, h, ' ', true, &empty))
			return false;
		if (empty)
			export_buf_lit(b, "EMPTY");
	}
	return true;
}

static bool wkt_geom(struct reader *r, struct export_buf *b, int depth);

/* The body of a geometry whose header h has been read: "(...)" or
 * "EMPTY".  A named geometry ("POINT Z") puts a space before an EMPTY
 * and, with Z or M, before its parenthesis; the parts of a
 * multi-geometry have no name and no space. */
static bool wkt_body(struct reader *r, struct export_buf *b,
		     const struct head *h, bool named, int depth)
{
	struct head sub;
	uint32_t n = 1, i;
	size_t mark = b->len;
	bool empty;

	if (named && (h->z || h->m))
		export_buf_putc(b, ' ');
	export_buf_putc(b, '(');
	if (h->type == WKB_POINT) {
		if (!put_point(r, b, h, ' ', true, &empty))
			return false;
		if (empty)
			n = 0;
	} else if (!read_count(r, h->le,
			       h->type == WKB_LINE ? (size_t)h->dims * 8
			       : h->type == WKB_POLYGON ? 4 : 9, &n)) {
		return false;
	}
	if (n == 0) {
		b->len = mark;
		if (named)
			export_buf_putc(b, ' ');
		export_buf_lit(b, "EMPTY");
		return true;
	}
	switch (h->type) {
	case WKB_POINT:
		break;
	case WKB_LINE:
		if (!wkt_points(r, b, h, n))
			return false;
		break;
	case WKB_POLYGON:
		for (i = 0; i < n; i++) {
			uint32_t np;
			if (i)
				export_buf_putc(b, ',');
			if (!read_count(r, h->le, (size_t)h->dims * 8, &np))
				return false;
			export_buf_putc(b, '(');
			if (!wkt_points(r, b, h, np))
				return false;
			export_buf_putc(b, ')');
		}
		break;
	case WKB_COLLECTION:
		for (i = 0; i < n; i++) {
			if (i)
				export_buf_putc(b, ',');
			if (!wkt_geom(r, b, depth + 1))
				return false;
		}
		break;
	default:
		/* "MULTIPOINT((1 2),(3 4))", "MULTIPOLYGON(((...)),(...))" */
		for (i = 0; i < n; i++) {
			if (i)
				export_buf_putc(b, ',');
			if (!read_head(r, &sub))
				return false;
			if (sub.type != h->type - 3)
				return fail(r, "a part of a multi-geometry "
					       "has another type");
			if (!wkt_body(r, b, &sub, false, depth + 1))
				return false;
		}
		break;
	}
	export_buf_putc(b, ')');
	return true;
}

static bool wkt_geom(struct reader *r, struct export_buf *b, int depth)
{
	struct head h;
	const char *name;

	if (depth > NESTING_MAX)
		return fail(r, "collections nested too deep");
	if (!read_head(r, &h))
		return false;
	name = wkt_names[h.type];
	export_buf_put(b, name, strlen(name));
	if (h.z || h.m) {
		export_buf_putc(b, ' ');
		if (h.z)
			export_buf_putc(b, 'Z');
		if (h.m)
			export_buf_putc(b, 'M');
	}
	return wkt_body(r, b, &h, true, depth);
}

bool export_wkt(struct export_buf *b, const unsigned char *wkb, size_t len,
		char *errbuf)
{
	struct reader r = {wkb, wkb + len, errbuf};

	return wkt_geom(&r, b, 0);
}

bool export_point_xy(const unsigned char *wkb, size_t len, double *x,
		     double *y, bool *flat)
{
	struct reader r = {wkb, wkb + len, NULL};
	struct head h;

	if (!read_head(&r, &h) || h.type != WKB_POINT ||
	    r.end - r.p < h.dims * 8)
		return false;
	*x = read_double(&r, h.le);
	*y = read_double(&r, h.le);
	*flat = h.dims == 2;
	return !isnan(*x) && !isnan(*y);
}
