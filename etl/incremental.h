/*
 * incremental.h: incremental harvest of sql sources.
 *
 * A job with "incremental": {"column", "key"} reads, on most runs, only the
 * rows whose column is beyond the watermark, and upserts them by key into a
 * new version made of the published one.  The other runs are full: they
 * read every row, which is what makes rows deleted in the source disappear.
 * A run is full
 *
 *   - while nothing is published (the first run);
 *   - with `odp-etl run --full`;
 *   - every full_every-th run (default JOB_FULL_EVERY_DEFAULT): when the
 *     incremental runs that succeeded since the last full one that did
 *     number full_every - 1;
 *   - when the published version has no value of the column, or when the
 *     query's columns are no longer those of the published version.
 *
 * The watermark is the maximum of the column over the published version,
 * read at the start of the run: it never runs ahead of what reusers see,
 * and a failed run leaves it where it was.  incremental_runs
 * (sql/004_incremental.sql) records, per run, whether it was full, the
 * watermark and the reason; job_runs says which runs succeeded.
 *
 * The new version is built and published like any other, so the previous
 * one stays served until the swap: the rows read are loaded by COPY into
 * the new table, then incremental_apply() adds the published rows whose
 * key was not read.  Published rows keep their order, updated rows their
 * place, new rows come last, and _rownum is renumbered 1..n.
 */
#ifndef ODP_INCREMENTAL_H
#define ODP_INCREMENTAL_H

#include "job.h"
#include "odp.h"
#include "sb.h"
#include "source.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* Longest watermark, in bytes of its text; a longer one makes a full run. */
#define INCREMENTAL_WATERMARK_MAX 255

struct incremental {
	bool enabled;     /* the job is incremental */
	bool full;        /* this run reads every row */
	char reason[256]; /* why it is full */
	char since[INCREMENTAL_WATERMARK_MAX + 1]; /* the watermark */
	int64_t published_id;      /* the published version, 0 if none */
	char published_table[128]; /* its quoted name */
	char published_checksum[65];
	struct job job; /* what the source reads: a shallow copy
	                   of the run's job with the watermark */
};

/* Opens job's source for the run run_id of dataset dataset_id, on conn
 * (the catalogue, borrowed).  For a job that is not incremental this is
 * source_open(job).  Otherwise decides whether the run is full (force_full
 * makes it so), opens the source beyond the watermark when it is not, and
 * records the decision in incremental_runs.  inc is initialised here and
 * must outlive the source, which borrows inc->job; job is borrowed too.
 * NULL on failure with errbuf set. */
struct source *incremental_open(struct incremental *inc, PGconn *conn,
                                const struct job *job, int64_t dataset_id,
                                int64_t run_id, bool force_full, char *errbuf);

/* Once the rows read are loaded into table (quoted), before its indexes
 * are built: for an incremental run, adds the published rows whose key was
 * not read and renumbers _rownum; sets *rows_loaded to the rows of the new
 * version, and checksum (65 bytes, the rows read) to the published
 * version's when no row changed, so that the run publishes nothing, else
 * to a checksum of both.  Appends to notes what the run did ("; full
 * run (...)" or "; incremental since ...: N rows upserted").  A no-op for
 * a job that is not incremental. */
enum odp_status incremental_apply(struct incremental *inc, PGconn *conn,
                                  const struct source *src, const char *table,
                                  char checksum[65], int64_t *rows_loaded,
                                  struct sb *notes, char *errbuf);

#endif
