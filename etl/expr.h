/*
 * expr.h: the expressions of a job's "transform": "filter" and "derive".
 *
 * A data referent writes a small SQL-like expression over the published
 * column names ("commune = 'Poitiers' and capacite >= 100",
 * "round(100 * (capacite - places_libres) / capacite, 1)").  expr_compile()
 * checks it once against the columns and their types, so that every type
 * error is reported before the first row with the place where it is;
 * expr_eval() then runs it on each row, in C, with no SQL involved.  The
 * language is described at the top of expr.c.
 */
#ifndef ODP_EXPR_H
#define ODP_EXPR_H

#include "driver.h"
#include "sb.h"

#include <stdbool.h>
#include <stddef.h>

/* Bounds on what expr_compile() accepts. */
#define EXPR_TEXT_MAX 4096   /* bytes of expression text */
#define EXPR_DEPTH_MAX 64    /* levels of nesting: parentheses, operators */
#define EXPR_NODES_MAX 1000  /* values, names, operators and calls */

struct expr;

/* Compiles text against the columns of a row: names[i] (normalised, as
 * published: lowercase ASCII) has type types[i]; the text may write them
 * in any case.  Copies what it needs: text, names and
 * types may be freed afterwards.  Returns NULL on error with errbuf
 * (ODP_ERRBUF_SIZE, may be NULL) saying where, what is wrong and what was
 * expected: `at character 17: unknown column "capacté" (did you mean
 * "capacite"?); the columns are: nom, capacite, ...`.  The caller frees the
 * result with expr_free(). */
struct expr *expr_compile(const char *text, const char *const *names,
			  const enum column_type *types, size_t n_columns,
			  char *errbuf);

/* The type of the result, decided at compile time: COL_INTEGER, COL_REAL,
 * COL_TEXT, COL_BOOLEAN, COL_DATE or COL_TIMESTAMP (COL_TEXT for the bare
 * literal null).  Can't fail. */
enum column_type expr_type(const struct expr *e);

/* Evaluates e on one row: values[i] is column i's value as PostgreSQL text
 * input for its type ("12", "12.5", "true", "2024-12-25",
 * "2024-12-25T10:00:00+01:00"), or NULL for SQL NULL; values are borrowed
 * for the call only.  Resets out and writes the result into it as
 * PostgreSQL text input for expr_type(e).  Returns 1 for a value, 0 for
 * NULL, or a negative enum odp_status (ODP_ERR_INVALID) with errbuf saying
 * what went wrong and where: an integer overflow, a value that does not
 * read as its column's type, a result too long for out.  Division by zero
 * gives NULL.  e keeps scratch space between calls, so one struct expr
 * must not be evaluated by two threads at once. */
int expr_eval(struct expr *e, const char *const *values, struct sb *out,
	      char *errbuf);

/* For "filter": evaluates e on one row (as expr_eval()) and returns 1 when
 * the result is true, 0 when it is false or NULL (as SQL WHERE does), or
 * ODP_ERR_INVALID with errbuf, also when e is not a condition: callers
 * should check expr_type(e) == COL_BOOLEAN after compiling. */
int expr_eval_bool(struct expr *e, const char *const *values, char *errbuf);

/* Frees e; NULL is a no-op. */
void expr_free(struct expr *e);

#endif
