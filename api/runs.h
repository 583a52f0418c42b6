/*
 * runs.h: GET /datasets/{id}/runs and /datasets/{id}/runs/{run}, the
 * harvest runs of a dataset as a data referent reads them: when, with what
 * result, why a run failed, which columns changed and which rows were
 * rejected.
 */
#ifndef ODP_API_RUNS_H
#define ODP_API_RUNS_H

#include "routes.h"

/* GET /datasets/{id}/runs?limit=&offset= (limit 0..1000, default 20):
 * {"dataset", "total", "limit", "offset", "runs": [run, ...]}, newest
 * first, where run is {"id", "status", "started_at", "finished_at",
 * "rows_read", "rows_loaded", "rows_rejected", "version", "message",
 * "schema_changes": [...], "warnings": [...]}.  The runs of a dataset that
 * was never published are listed too; 404 dataset_not_found only when no
 * dataset has the identifier. */
api_handler api_runs_list;

/* GET /datasets/{id}/runs/{run}: one run as in the list, with "rejects":
 * [{"feature", "reason", "values"}], the first rejected rows in source
 * order.  404 run_not_found when the dataset has no run with that id. */
api_handler api_runs_get;

#endif
