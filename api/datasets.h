/*
 * datasets.h: GET /datasets/{id}, the catalogue as reusers read it; the
 * metadata object that search.c's GET /datasets shares; also the
 * dataset-identifier checks records.c shares.
 */
#ifndef ODP_API_DATASETS_H
#define ODP_API_DATASETS_H

#include "routes.h"

#include <jansson.h>
#include <stdbool.h>

/* The metadata object of published dataset args[0], with its columns;
 * ETag "v<version>". */
api_handler api_datasets_get;

/* The SQL select list of the metadata object, over "datasets d LEFT JOIN
 * publishers p ON p.id = d.publisher_id" (it names no other table alias),
 * and the number of its columns. */
extern const char api_dataset_fields_sql[];
extern const int api_dataset_n_fields;

/* The metadata object of the dataset in row of res, whose
 * api_dataset_fields_sql columns start at column base; columns (taken) is
 * added when not NULL.  The caller owns the result. */
json_t *api_dataset_json(const struct api_request *req, const PGresult *res,
			 int row, int base, json_t *columns);

/* True when id has the shape of a dataset identifier,
 * ^[a-z0-9][a-z0-9-]{0,62}$, as the catalogue's CHECK constraint has it. */
bool api_dataset_id_valid(const char *id);

/* Answers 404 dataset_not_found naming id (sanitised). */
void api_reply_dataset_not_found(struct api_request *req, const char *id);

/* Answers a paged list that belongs to dataset id, such as its versions or
 * its runs: checks limit and offset, runs sql with $1 = id, $2 = limit,
 * $3 = offset, which must give one row (whether the dataset exists, 0 or
 * 1; the number of items; the page as a JSON array), lets decorate (may
 * be NULL) add to each item, and replies {"dataset", "total", "limit",
 * "offset", key: [...]}. */
void api_datasets_reply_page(struct api_request *req, const char *id,
			     const char *sql, const char *key,
			     void (*decorate)(const struct api_request *req,
					      const char *id, json_t *page));

#endif
