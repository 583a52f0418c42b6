/*
 * test_export.c: the exports' geometries, from EWKB bytes as PostGIS
 * sends them (catalog/export_geom.h), and their numbers
 * (catalog/export_text.h).  The byte strings are ST_AsEWKB() of the
 * geometry named beside each, from PostGIS 3.3.
 */
#include "unit.h"

#include "export_geom.h"
#include "odp.h"

#include <math.h>
#include <stdlib.h>

/* Decodes hex into a malloc'd buffer; *len its size. */
static unsigned char *unhex(const char *hex, size_t *len)
{
	size_t n = strlen(hex) / 2, i;
	unsigned char *out = malloc(n ? n : 1);

	for (i = 0; i < n; i++) {
		unsigned v;
		sscanf(hex + 2 * i, "%2x", &v);
		out[i] = (unsigned char)v;
	}
	*len = n;
	return out;
}

/* The GeoJSON (json true) or WKT of the EWKB in hex, NUL-terminated and
 * malloc'd, or NULL when the renderer refuses it (errbuf set). */
static char *render(const char *hex, bool json, char *errbuf)
{
	struct export_buf b = {NULL, 0, 0};
	size_t len;
	unsigned char *wkb = unhex(hex, &len);
	bool ok = json ? export_geojson(&b, wkb, len, errbuf)
		       : export_wkt(&b, wkb, len, errbuf);

	free(wkb);
	if (!ok) {
		free(b.buf);
		return NULL;
	}
	export_buf_putc(&b, '\0');
	return b.buf;
}

#define CHECK_RENDER(hex, json, want)                              \
	do {                                                       \
		char err_[ODP_ERRBUF_SIZE] = "";                   \
		char *got_ = render((hex), (json), err_);          \
		CHECK_STR(got_ ? got_ : err_, (want));             \
		free(got_);                                        \
	} while (0)

static char *coord(double v)
{
	static char out[64];
	struct export_buf b = {NULL, 0, 0};

	if (!export_put_coord(&b, v)) {
		free(b.buf);
		return "(refused)";
	}
	snprintf(out, sizeof out, "%.*s", (int)b.len, b.buf);
	free(b.buf);
	return out;
}

void test_export_coordinates_have_at_most_7_decimals(void)
{
	CHECK_STR(coord(0.34), "0.34");
	CHECK_STR(coord(46.5802), "46.5802");
	CHECK_STR(coord(12), "12");
	CHECK_STR(coord(-0.3123456789), "-0.3123457");
	CHECK_STR(coord(0.00000004), "0");
	CHECK_STR(coord(-0.00000004), "0");
	CHECK_STR(coord(-180), "-180");
	CHECK_STR(coord(1e-7), "0.0000001");
	CHECK_STR(coord(651234.56), "651234.56");
	CHECK_STR(coord(123456789012.5), "123456789012.5");
	CHECK_STR(coord(NAN), "(refused)");
	CHECK_STR(coord(INFINITY), "(refused)");
}

/* SRID=4326;POINT(0.34 46.58) */
#define POINT "0101000020E6100000C3F5285C8FC2D53F0AD7A3703D4A4740"

void test_export_points_in_geojson_and_wkt(void)
{
	double x = 0, y = 0;
	bool flat = false;
	size_t len;
	unsigned char *wkb;

	CHECK_RENDER(POINT, true,
		     "{\"type\":\"Point\",\"coordinates\":[0.34,46.58]}");
	CHECK_RENDER(POINT, false, "POINT(0.34 46.58)");
	wkb = unhex(POINT, &len);
	CHECK(export_point_xy(wkb, len, &x, &y, &flat) && x == 0.34 && y == 46.58 &&
	      flat);
	free(wkb);
	/* POINT EMPTY is NaN, NaN. */
	CHECK_RENDER("0101000000000000000000F87F000000000000F87F", true,
		     "{\"type\":\"Point\",\"coordinates\":[]}");
	CHECK_RENDER("0101000000000000000000F87F000000000000F87F", false,
		     "POINT EMPTY");
	wkb = unhex("0101000000000000000000F87F000000000000F87F", &len);
	CHECK(!export_point_xy(wkb, len, &x, &y, &flat));
	free(wkb);
	/* POINT Z (1 2 3), big-endian: GeoJSON keeps Z. */
	CHECK_RENDER("00800000013FF000000000000040000000000000004008000000000000",
		     true, "{\"type\":\"Point\",\"coordinates\":[1,2,3]}");
	CHECK_RENDER("00800000013FF000000000000040000000000000004008000000000000",
		     false, "POINT Z (1 2 3)");
	wkb = unhex("00800000013FF000000000000040000000000000004008000000000000",
		    &len);
	CHECK(export_point_xy(wkb, len, &x, &y, &flat) && x == 1 && y == 2 &&
	      !flat);
	free(wkb);
	/* POINT M (1 2 3): GeoJSON drops M, WKT keeps it. */
	CHECK_RENDER("0101000040000000000000F03F00000000000000400000000000000840",
		     true, "{\"type\":\"Point\",\"coordinates\":[1,2]}");
	CHECK_RENDER("0101000040000000000000F03F00000000000000400000000000000840",
		     false, "POINT M (1 2 3)");
}

void test_export_lines_polygons_and_multis(void)
{
	/* LINESTRING(0 0,1 1) */
	const char *line = "010200000002000000000000000000000000000000000000000000"
			   "00000000F03F000000000000F03F";
	/* POLYGON((0 0,1 0,1 1,0 0)) */
	const char *poly = "010300000001000000040000000000000000000000000000000000"
			   "0000000000000000F03F0000000000000000000000000000F03F"
			   "000000000000F03F00000000000000000000000000000000";
	/* MULTIPOINT((1 2),(3 4)) */
	const char *mpoint = "0104000000020000000101000000000000000000F03F0000000"
			     "00000004001010000000000000000000840000000000000104"
			     "0";
	/* GEOMETRYCOLLECTION(POINT(1 2),LINESTRING EMPTY) */
	const char *coll = "0107000000020000000101000000000000000000F03F00000000"
			   "00000040010200000000000000";

	CHECK_RENDER(line, true,
		     "{\"type\":\"LineString\",\"coordinates\":[[0,0],[1,1]]}");
	CHECK_RENDER(line, false, "LINESTRING(0 0,1 1)");
	CHECK_RENDER(poly, true,
		     "{\"type\":\"Polygon\",\"coordinates\":"
		     "[[[0,0],[1,0],[1,1],[0,0]]]}");
	CHECK_RENDER(poly, false, "POLYGON((0 0,1 0,1 1,0 0))");
	CHECK_RENDER(mpoint, true,
		     "{\"type\":\"MultiPoint\",\"coordinates\":[[1,2],[3,4]]}");
	CHECK_RENDER(mpoint, false, "MULTIPOINT((1 2),(3 4))");
	CHECK_RENDER(coll, true,
		     "{\"type\":\"GeometryCollection\",\"geometries\":["
		     "{\"type\":\"Point\",\"coordinates\":[1,2]},"
		     "{\"type\":\"LineString\",\"coordinates\":[]}]}");
	CHECK_RENDER(coll, false,
		     "GEOMETRYCOLLECTION(POINT(1 2),LINESTRING EMPTY)");
	/* MULTIPOLYGON EMPTY */
	CHECK_RENDER("010600000000000000", false, "MULTIPOLYGON EMPTY");
	CHECK_RENDER("010600000000000000", true,
		     "{\"type\":\"MultiPolygon\",\"coordinates\":[]}");
}

void test_export_damaged_geometries_are_refused(void)
{
	char err[ODP_ERRBUF_SIZE];
	char *got;

	/* A point cut short, a line that claims 2^32-1 points, a byte order
	 * that is neither 0 nor 1, a triangle (type 17). */
	got = render("0101000000000000000000F03F", true, err);
	CHECK(!got && strstr(err, "truncated"));
	got = render("0102000000FFFFFFFF00000000", false, err);
	CHECK(!got && strstr(err, "count beyond its bytes"));
	got = render("0201000000", true, err);
	CHECK(!got && strstr(err, "byte order"));
	got = render("0111000000", true, err);
	CHECK(!got && strstr(err, "type 17 cannot be exported"));
	got = render("", false, err);
	CHECK(!got && strstr(err, "truncated"));
}

static char *real(double v)
{
	static char out[64];
	struct export_buf b = {NULL, 0, 0};

	export_put_real(&b, v);
	snprintf(out, sizeof out, "%.*s", (int)b.len, b.buf);
	free(b.buf);
	return out;
}

void test_export_reals_are_short_and_exact(void)
{
	unsigned long long seed = 86194;
	int i, bad = 0;

	CHECK_STR(real(5.37), "5.37");
	CHECK_STR(real(27581.3), "27581.3");
	CHECK_STR(real(4.36), "4.36");          /* 4.36 * 100 is no integer */
	CHECK_STR(real(515.065), "515.065");
	CHECK_STR(real(0.1), "0.1");
	CHECK_STR(real(-2.5), "-2.5");
	CHECK_STR(real(0), "0");
	CHECK_STR(real(-0.0), "-0");
	CHECK_STR(real(1e-7), "0.0000001");
	CHECK_STR(real(123456789.125), "123456789.125");
	CHECK_STR(real(9007199254740991.0), "9007199254740991");
	CHECK_STR(real(0.1 + 0.2), "0.30000000000000004");
	CHECK_STR(real(1e300), "1e+300");
	CHECK_STR(real(-1.5e-300), "-1.5e-300");
	/* Whatever the value, the text reads back as the same double. */
	for (i = 0; i < 100000; i++) {
		double v;
		seed = seed * 6364136223846793005ULL + 1442695040888963407ULL;
		memcpy(&v, &seed, sizeof v);
		if (!isfinite(v))
			continue;
		if (i % 2)  /* values such as sources have */
			v = (double)(seed >> 40) / 1000.0;
		if (strtod(real(v), NULL) != v)
			bad++;
	}
	CHECK(bad == 0);
}
