/*
 * linkcheck.h: are the declared distributions of a dataset reachable?
 *
 * A declared distribution is a file the job file points to (a notice, an
 * archive on another server); the catalogue says whether it answered at
 * the last run (data.gouv.fr's quality score counts the distributions
 * that are reachable).  Each URL gets a HEAD, and a GET of its first
 * byte when the server refuses HEAD; redirects are followed (5 at most,
 * http and https only) and each request has 10 seconds.
 */
#ifndef ODP_ETL_LINKCHECK_H
#define ODP_ETL_LINKCHECK_H

#include <libpq-fe.h>
#include <stddef.h>
#include <stdint.h>

/* Checks each declared distribution of dataset_id and writes its
 * reachable and checked_at on conn (outside any transaction).  Every
 * unreachable one (or a failed update) adds a malloc'd message to
 * *warnings (grown with xrealloc; the caller frees each and the array).
 * Cannot fail otherwise: a link check never fails a run. */
void linkcheck_declared(PGconn *conn, int64_t dataset_id, char ***warnings,
			size_t *n_warnings);

#endif
