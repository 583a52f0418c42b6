/*
 * metadata.h: what a run writes of a job's DCAT metadata.
 *
 * The job file declares what a person knows (publisher, contact, themes,
 * licence, languages, landing page, declared distributions...); the data
 * say the rest.  Temporal coverage is either declared ("temporal":
 * {"start", "end"}) or computed from a date or timestamp column of the
 * published data ("temporal": {"column": ...}): its first and last dates.
 * The column is checked as soon as the source's columns are known, so a
 * typo fails the run before any row is loaded; the dates are computed from
 * the loaded table before the publishing transaction, and everything is
 * written inside it, with the version it describes.
 */
#ifndef ODP_METADATA_H
#define ODP_METADATA_H

#include "job.h"
#include "names.h"
#include "odp.h"
#include "source.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The temporal coverage a run computed. */
struct metadata_temporal {
	char column[NAMES_MAX + 1]; /* the SQL column; "" if declared */
	bool computed;              /* start and end come from the data */
	char start[16];             /* YYYY-MM-DD, "" when no value */
	char end[16];
};

/* Finds the job's temporal column among the n source columns (by its
 * normalised or its source name) and sets t->column.  ODP_ERR_INVALID, with
 * errbuf naming the columns or the column's type, when it is not there or
 * is not a date or timestamp.  ODP_OK and nothing set when the job names
 * none. */
enum odp_status metadata_temporal_column(const struct job *job,
					 const struct source_column *cols,
					 size_t n, struct metadata_temporal *t,
					 char *errbuf);

/* Computes t->start and t->end, the first and last dates of t->column in
 * table (a quoted name from the catalogue), and sets t->computed.
 * Timestamps count in the session's time zone. */
enum odp_status metadata_temporal_compute(PGconn *conn, const char *table,
					  struct metadata_temporal *t,
					  char *errbuf);

/* Writes the job's metadata for the dataset: its publishers row, the
 * datasets columns the job declares and its declared distributions (kind
 * 'declared', in the job's order, by identifier; those no longer in the
 * job are deleted, and a changed URL forgets the last link check).
 * Temporal coverage: the job's declared dates; with a column, t's dates
 * when t->computed, else left as they are.  Runs in the caller's
 * transaction; errbuf (ODP_ERRBUF_SIZE bytes) says why it failed. */
enum odp_status metadata_publish(PGconn *conn, const struct job *job,
				 int64_t dataset_id,
				 const struct metadata_temporal *t,
				 char *errbuf);

#endif
