/*
 * export_geom.h: the geometries of the exports, rendered from PostGIS's
 * EWKB (internal to export.c).
 *
 * The exports render every geometry from the EWKB that a binary COPY
 * hands over, so the server sends 21 bytes a point instead of formatting
 * text, and one read of a row serves the GeoJSON and the CSV alike.
 * Coordinates are written with at most 7 decimals (about a centimetre in
 * degrees), trailing zeros dropped, as the API's other GeoJSON answers
 * (ST_AsGeoJSON(geom, 7)) round them.
 */
#ifndef ODP_EXPORT_GEOM_H
#define ODP_EXPORT_GEOM_H

#include "export_text.h"

#include <stdbool.h>
#include <stddef.h>

/* Appends the GeoJSON geometry object of the EWKB in wkb[0..len).
 * False, with errbuf (ODP_ERRBUF_SIZE) set, for bytes that are not
 * EWKB of a type GeoJSON has (curves and surfaces are linearised by the
 * ETL before they get here). */
bool export_geojson(struct export_buf *b, const unsigned char *wkb,
		    size_t len, char *errbuf);

/* Appends the WKT of the EWKB, as PostGIS writes it ("POINT(0.34 46.58)",
 * "POLYGON Z ((...))", "MULTIPOINT EMPTY"); false as export_geojson(). */
bool export_wkt(struct export_buf *b, const unsigned char *wkb, size_t len,
		char *errbuf);

/* Reads a point: sets *x and *y and returns true when the EWKB is a
 * non-empty point (its Z and M, if any, are left out; *flat says there
 * are none). */
bool export_point_xy(const unsigned char *wkb, size_t len, double *x,
		     double *y, bool *flat);

#endif
