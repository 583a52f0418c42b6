/*
 * datasets.h: GET /datasets and GET /datasets/{id}, the catalogue as
 * reusers read it; also the dataset-identifier checks records.c shares.
 */
#ifndef ODP_API_DATASETS_H
#define ODP_API_DATASETS_H

#include "routes.h"

#include <stdbool.h>

/* {"total", "limit", "offset", "datasets": [summary, ...]}: the published
 * datasets by identifier; limit 0..1000 (default 20), offset 0..10^9. */
api_handler api_datasets_list;

/* The metadata object of published dataset args[0], with its columns;
 * ETag "v<version>". */
api_handler api_datasets_get;

/* True when id has the shape of a dataset identifier,
 * ^[a-z0-9][a-z0-9-]{0,62}$, as the catalogue's CHECK constraint has it. */
bool api_dataset_id_valid(const char *id);

/* Answers 404 dataset_not_found naming id (sanitised). */
void api_reply_dataset_not_found(struct api_request *req, const char *id);

#endif
