/*
 * records.h: the rows of a published dataset, as JSON pages and as a
 * streamed GeoJSON FeatureCollection.
 */
#ifndef ODP_API_RECORDS_H
#define ODP_API_RECORDS_H

#include "routes.h"

/* GET /datasets/{id}/records?limit=&offset= (limit 0..10000, default 100):
 * {"dataset", "version", "total", "limit", "offset", "records": [{"id",
 * "properties", "geometry"}]} in load order; ETag "v<version>".  With
 * &version=N, version N if it is still kept, else 404 version_not_found. */
api_handler api_records_get;

/* GET /datasets/{id}/records.geojson?limit=&offset=: a FeatureCollection
 * of those rows (same bounds; without limit, every row from offset),
 * streamed; ETag "v<version>"; version=N as for records.  Without limit
 * and offset, the whole collection is the export (exports.h). */
api_handler api_records_geojson;

#endif
