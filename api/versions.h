/*
 * versions.h: GET /datasets/{id}/versions, the versions of a dataset that
 * are still queryable, and the answer records.c gives for a version it
 * does not have.
 */
#ifndef ODP_API_VERSIONS_H
#define ODP_API_VERSIONS_H

#include "pool.h"
#include "routes.h"

#include <stdint.h>

/* GET /datasets/{id}/versions?limit=&offset= (limit 0..1000, default 20):
 * {"dataset", "total", "limit", "offset", "versions": [{"version", "state"
 * ("published" or "retired"), "published_at", "record_count", "checksum",
 * "rows_added", "rows_removed", "rows_changed", "schema_changes": [...],
 * "links": {"records", "geojson"}}]}, newest first.  The counts and schema
 * changes compare a version with the one published before it.  A dataset
 * whose runs all failed has an empty list; 404 dataset_not_found only when
 * no dataset has the identifier. */
api_handler api_versions_list;

/* Answers the 404 of a read of version of dataset id that the catalogue
 * did not yield: dataset_not_found when no published dataset has that
 * identifier, else version_not_found (never loaded, or dropped beyond the
 * job's keep_versions).  Queries on conn (borrowed); a failed query gets
 * the database-error answer. */
void api_versions_reply_missing(struct api_request *req,
				struct api_conn *conn, const char *id,
				int64_t version);

#endif
