/*
 * harvest.h: one run of a job, from its source to a published version.
 *
 * The run is recorded in job_runs from its first step.  Rows go by COPY into
 * a new table of their own; only when every row is in, indexed and counted
 * does one transaction point the dataset at it.  Whatever fails before that
 * transaction commits, the previously published version stays served.
 *
 * What the run finds is kept for the data referent: the columns changed
 * since the published version (job_runs.schema_changes, and the job's
 * schema_policy may refuse them), the rows added, removed and changed (on
 * the new dataset_versions row), warnings, and the first rejected rows
 * (run_rejects).  The job's keep_versions versions stay queryable.
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
	bool full;             /* incremental jobs read every row this run */
};

struct harvest_result {
	int64_t run_id;
	int64_t version_id;    /* the published version, 0 if none */
	int64_t rows_read;
	int64_t rows_loaded;
	int64_t rows_rejected;
	const char *status;    /* "succeeded", "unchanged" or "failed" */
	char message[8192];    /* what job_runs.message says */
};

/* Runs job against the catalogue on conn (borrowed).  ODP_OK when the run
 * succeeded or found the source unchanged; otherwise the run is recorded as
 * failed and result->message says why. */
enum odp_status harvest_run(PGconn *conn, const struct job *job,
			    const struct harvest_options *opts,
			    struct harvest_result *result);

/* Makes sure the dataset and job rows of job exist, the job row carrying
 * the file's path, definition and schedule (what a run does first), and
 * sets *job_id.  Takes no lock and runs nothing.  On failure errbuf
 * (ODP_ERRBUF_SIZE bytes) says why. */
enum odp_status harvest_register(PGconn *conn, const struct job *job,
				 int64_t *job_id, char *errbuf);

#endif
