/*
 * source.h: reading a job's source, one normalised row at a time.
 *
 * source_open() opens the job's driver (driver.h) and works out the
 * published columns; source_scan() reads the source once, when it can be
 * read twice, to infer the types of text columns and count the records;
 * source_next() then streams rows already normalised: as PostgreSQL text
 * input, geometry as hex EWKB in EPSG:4326, or, once source_use_binary()
 * was called (the load), as binary values and EWKB bytes that COPY sends
 * as they are, with no text made and parsed back.  Nothing holds more
 * than one record in memory.
 */
#ifndef ODP_SOURCE_H
#define ODP_SOURCE_H

#include "driver.h"
#include "expr.h"
#include "job.h"
#include "names.h"
#include "odp.h"
#include "sb.h"

#include <signal.h>
#include <stdbool.h>
#include <stdint.h>

/* The catalogue's name for a column type ("integer", ...). */
const char *source_type_name(enum column_type type);
/* The SQL type a column is created with ("int8", ...). */
const char *source_sql_type(enum column_type type);

struct source_column {
	char name[NAMES_MAX + 1];  /* normalised, the SQL column */
	char *source_name;         /* as the source spells it (borrowed) */
	char *label;               /* the source's alias for it, or NULL */
	enum column_type type;
	bool is_text_field;        /* text in the source, type inferred */
	size_t field;              /* the driver's column */
	bool cast;                 /* the job declares the type */
	bool hash;                 /* personal data, published pseudonymised */
	struct expr *derive;       /* a derived column's expression, or NULL */
};

struct source_row {
	const char *id;            /* stable record id, never NULL */
	/* n_columns entries; NULL = SQL NULL.  In binary mode, set only for
	 * a rejected row (the values read before the refused one). */
	const char **values;
	const char *geometry;      /* hex EWKB, or NULL; NULL in binary mode */
	/* Binary mode: n_columns values (driver.h), and the geometry as EWKB
	 * in EPSG:4326 (wkb NULL for none). */
	const struct driver_value *typed;
	const unsigned char *wkb;
	size_t wkb_len;
	const char *reject;        /* non-NULL: why this row is rejected */
	bool filtered;             /* the job's filter leaves it out */
};

struct source;

/* Registers GDAL's drivers and routes its messages to the log; call once
 * before source_open(). */
void source_init(void);

/* Opens the job's source.  NULL on failure with errbuf naming the source
 * and the reason. */
struct source *source_open(const struct job *job, char *errbuf);

/* Makes source_scan() stop, failing, once *flag is set (by a signal
 * handler); flag is borrowed for the source's life. */
void source_stop_on(struct source *src, volatile sig_atomic_t *flag);

/* Reads every feature once to infer the types of text columns and count
 * the features. */
enum odp_status source_scan(struct source *src, char *errbuf);

size_t source_n_columns(const struct source *src);
/* Borrowed; valid until source_close(). */
const struct source_column *source_columns(const struct source *src);
/* Number of features, or -1 when unknown. */
int64_t source_n_features(const struct source *src);
/* Human-readable description of what was detected (driver, CRS). */
const char *source_description(const struct source *src);
/* The bounding box (min x, min y, max x, max y, EPSG:4326) of the
 * geometries read so far; false when there was none. */
bool source_extent(const struct source *src, double box[4]);
/* What the run should warn about (an encoding guessed, ...), or "". */
const char *source_warning(const struct source *src);
/* What normalisation did to the rows read so far, as "; ..." clauses for
 * the run's message (geometries repaired, emptied, promoted), or "".
 * Valid until the next call. */
const char *source_notes(struct source *src);

/* From now on, rows come in binary mode (struct source_row). */
void source_use_binary(struct source *src);

/* Reads the next row into row, whose pointers stay valid until the next
 * call.  Returns 1 for a row (check row->reject), 0 at the end, or a
 * negative enum odp_status with errbuf set. */
int source_next(struct source *src, struct source_row *row, char *errbuf);

void source_close(struct source *src);

#endif
