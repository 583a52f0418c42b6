/*
 * exports.h: the downloads of a dataset, its full GeoJSON and CSV exports
 * (catalog/export.h says what the bytes are).
 */
#ifndef ODP_API_EXPORTS_H
#define ODP_API_EXPORTS_H

#include "routes.h"

/* GET /datasets/{id}/records.csv, and /records.geojson without limit or
 * offset (records.c hands it over): every row of the published version,
 * or of version=N while the job keeps it.  ETag "v<version>";
 * Content-Length is the byte size the catalogue announces when it was
 * computed for this version (downloads show their progress), else the
 * answer is chunked; Content-Disposition names the file
 * "<id>.csv" ("<id>-v<N>.csv" for a version asked for).  HEAD answers the
 * headers without reading a row. */
api_handler api_exports_csv;
api_handler api_exports_geojson;

#endif
