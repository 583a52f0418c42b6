/*
 * exports_tee.h: measuring a version's exports from its load, not from
 * its table.
 *
 * The bytes odp-etl sends with COPY are the table's rows in _rownum
 * order: the exports rendered from them (export_open_load) are those the
 * API serves from the table.  Rendering them so spares the server a
 * second reading of every row (make bench, 1M points: 0.8 s of server CPU
 * out of 4.5).
 *
 * The stream goes to an unlinked temporary file in $TMPDIR (or /tmp) as
 * it is sent, up to half the space free there; memory holds one piece of
 * it at a time.  Once the load has made a new version (an unchanged one
 * renders nothing) and its B-trees are built, a thread renders the file
 * on the core the GiST build leaves free.
 *
 * Anything that goes wrong with the file or the thread (not enough room)
 * only turns the tee off: the exports are then read back from the table
 * (exports_measure), and the run does not fail for it.
 */
#ifndef ODP_ETL_EXPORTS_TEE_H
#define ODP_ETL_EXPORTS_TEE_H

#include "exports.h"
#include "odp.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

struct exports_tee;

/* Starts the spool of version_id's load (its columns recorded, no row
 * sent yet; conn is used here only).  NULL when it cannot start, with
 * the reason logged: the exports are read back from the table then. */
struct exports_tee *exports_tee_start(PGconn *conn, int64_t version_id);

/* The next bytes of the COPY stream, as copy.h sends them (a
 * copy_writer's tee): true when the spool keeps them. */
bool exports_tee_write(void *tee, const char *buf, size_t len);

/* len bytes of the spool at offset off into buf (a copy_hold's reread):
 * what a load held back is sent from there. */
bool exports_tee_reread(void *tee, uint64_t off, void *buf, size_t len);

/* The stream is complete and makes a new version: starts rendering it
 * on a thread.  False when it cannot (the file is incomplete, no thread):
 * read the exports back from the table then. */
bool exports_tee_render(struct exports_tee *t);

/* The indexes are built: waits for the rendering and fills *out; with progress, a line on standard error shows the rows
 * rendered of n_rows.  False when there is nothing to use (the tee
 * failed on the way, the reason logged): read the exports back from the
 * table then. */
bool exports_tee_finish(struct exports_tee *t, bool progress,
			int64_t n_rows, struct exports_measure *out);

/* Stops the thread if it runs, closes the file, frees t.  NULL is a
 * no-op. */
void exports_tee_free(struct exports_tee *t);

#endif
