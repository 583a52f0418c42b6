/*
 * harvest.h: one run of a job, from its source to a published version.
 *
 * The run is recorded in job_runs from its first step.  Rows go by COPY into
 * a new table of their own; only when every row is in, indexed and counted
 * does one transaction point the dataset at it.  Whatever fails before that
 * transaction commits, the previously published version stays served.
 */
#ifndef ODP_HARVEST_H
#define ODP_HARVEST_H

#include "job.h"
#include "odp.h"

#include <libpq-fe.h>
#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* Set from a signal handler to stop the run in progress cleanly. */
extern volatile sig_atomic_t harvest_stop_requested;

struct harvest_options {
	bool progress;         /* draw a progress line on standard error */
	int keep_versions;     /* retired versions kept queryable */
};

struct harvest_result {
	int64_t run_id;
	int64_t version_id;    /* the published version, 0 if none */
	int64_t rows_read;
	int64_t rows_loaded;
	int64_t rows_rejected;
	const char *status;    /* "succeeded", "unchanged" or "failed" */
	char message[2048];
};

/* Runs job against the catalogue on conn (borrowed).  ODP_OK when the run
 * succeeded or found the source unchanged; otherwise the run is recorded as
 * failed and result->message says why. */
enum odp_status harvest_run(PGconn *conn, const struct job *job,
			    const struct harvest_options *opts,
			    struct harvest_result *result);

#endif
