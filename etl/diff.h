/*
 * diff.h: how a version being loaded differs from the published one.
 *
 * Columns (schema drift) are compared by their normalised name, from the
 * catalogue's dataset_columns of the two versions: a name only in the new
 * version is added, one only in the old is removed, one in both with
 * another type is retyped.  Reusers' code reads columns by name and type,
 * so every such change is named in the run; a job's schema_policy decides
 * whether the run may publish it ("accept") or must fail ("fail", which
 * refuses any change: an added column may carry data nobody meant to
 * publish).
 *
 * Rows are compared by record id (_id: the job's key, else the source's
 * feature id), both tables having a unique index on it: ids only in the new
 * table are added, ids only in the old removed, and ids in both whose
 * values differ in a column both versions have, or whose geometry differs,
 * changed.  Values are compared as text, so a column retyped from integer
 * to text whose values read the same does not count every row as changed.
 *
 * The pure parts (classifying, describing, JSON) take no connection and are
 * unit-tested; diff_schema_load() and diff_rows_count() query the database.
 */
#ifndef ODP_DIFF_H
#define ODP_DIFF_H

#include "odp.h"
#include "sb.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

enum diff_change { DIFF_ADDED, DIFF_REMOVED, DIFF_RETYPED };

struct diff_column {
	enum diff_change change;
	char *name;       /* the normalised column name, owned */
	char *old_type;   /* catalogue type name, owned; NULL when added */
	char *new_type;   /* owned; NULL when removed */
};

/* The columns' differences, and the columns both versions have (whose
 * values diff_rows_count() compares). */
struct diff_schema {
	struct diff_column *changes;   /* in column order, owned */
	size_t n_changes;
	char **common;                 /* names, owned */
	size_t n_common;
};

/* Counts of rows, by record id, between two versions. */
struct diff_rows {
	int64_t added;
	int64_t removed;
	int64_t changed;
};

/* Records column name as the two versions have it: old_type NULL when the
 * old version lacks it, new_type NULL when the new one does, both given
 * when both have it (a change only if they differ).  Copies the strings.
 * Both types NULL is a no-op. */
void diff_schema_add(struct diff_schema *s, const char *name,
		     const char *old_type, const char *new_type);

/* Frees what s owns and empties it; s itself is the caller's. */
void diff_schema_free(struct diff_schema *s);

/* True when the job's schema policy refuses s: policy "fail" (policy NULL
 * or "accept" accepts everything) and any column changed. */
bool diff_schema_refused(const struct diff_schema *s, const char *policy);

/* Appends one change as a person reads it:
 *   column "capacite" retyped from integer to text
 *   column "tarif" removed (it was real)
 *   column "photo" added (text) */
void diff_column_describe(const struct diff_column *c, struct sb *out);

/* Appends the first max_items changes, joined by "; ", and "; and N more
 * column changes" when there are more.  Appends nothing when there is no
 * change. */
void diff_schema_describe(const struct diff_schema *s, size_t max_items,
			  struct sb *out);

/* Returns the changes as a malloc'd JSON array (the caller frees it):
 * [{"column", "change": "added"|"removed"|"retyped", "old_type",
 * "new_type"}], types null where absent; "[]" when nothing changed. */
char *diff_schema_json(const struct diff_schema *s);

/* Compares the catalogue columns of old_version with new_version's into s
 * (empty on entry).  ODP_ERR_DB with errbuf set on failure. */
enum odp_status diff_schema_load(PGconn *conn, int64_t old_version,
				 int64_t new_version, struct diff_schema *s,
				 char *errbuf);

/* Counts the rows added, removed and changed from old_table to new_table
 * (both quoted by the caller, from the catalogue), comparing the columns
 * of s->common and the geometry.  ODP_ERR_DB with errbuf set on failure. */
enum odp_status diff_rows_count(PGconn *conn, const char *old_table,
				const char *new_table,
				const struct diff_schema *s,
				struct diff_rows *out, char *errbuf);

#endif
