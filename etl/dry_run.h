/*
 * dry_run.h: what a run would do, without writing anything.
 *
 * For a data referent checking a new job: the detected driver, encoding
 * and CRS, the columns with their source names and inferred types, and the
 * first rows as they would be published.  The database is not touched.
 */
#ifndef ODP_DRY_RUN_H
#define ODP_DRY_RUN_H

#include "job.h"
#include "odp.h"

#include <stdio.h>

/* Rows shown by default. */
#define DRY_RUN_ROWS 5

/* Prints the report for job on out; n_rows rows are shown.  Returns
 * ODP_ERR_SOURCE with the reason printed when the source cannot be read. */
enum odp_status dry_run(const struct job *job, size_t n_rows, FILE *out);

#endif
