/*
 * driver.h: the interface every kind of source implements.
 *
 * A driver reads records one at a time from a file, a database or a web
 * API and hands out their raw values; source.c does everything that is the
 * same for all of them: column names, type inference, keys, coordinates,
 * reprojection and the encoding of rows for COPY.  A driver never holds
 * more than a bounded part of its source in memory.
 */
#ifndef ODP_DRIVER_H
#define ODP_DRIVER_H

#include "job.h"
#include "odp.h"

#include <gdal.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdbool.h>
#include <stdint.h>

enum column_type {
	COL_INTEGER,
	COL_REAL,
	COL_TEXT,
	COL_DATE,
	COL_TIMESTAMP,
	COL_BOOLEAN
};

struct driver_column {
	char *source_name;   /* as the source spells it (owned) */
	char *label;         /* the source's alias, or NULL (owned) */
	enum column_type type;
	bool infer;          /* text in the source: source.c infers the type */
};

/* A value in the binary form COPY sends it (copy.h); which member holds it
 * follows from the column's type. */
struct driver_value {
	union {
		int64_t i;     /* COL_INTEGER */
		double d;      /* COL_REAL */
		bool b;        /* COL_BOOLEAN */
		int32_t day;   /* COL_DATE: days since 2000-01-01 */
		int64_t us;    /* COL_TIMESTAMP: microseconds since 2000-01-01
				  00:00 UTC */
	} u;
	const char *text;      /* COL_TEXT: len bytes, no NUL needed */
	size_t len;
	bool null;             /* SQL NULL (in source.c's rows only) */
};

struct driver;

struct driver_ops {
	/* Moves to the next record: 1 when there is one, 0 at the end, or a
	 * negative enum odp_status with errbuf naming the source, the record
	 * and the reason. */
	int (*next)(struct driver *d, char *errbuf);
	/* The current record's value of column i: for an infer column its
	 * text as the source has it, otherwise PostgreSQL text input for the
	 * column's type.  NULL is SQL NULL.  Sets *reject (to a static
	 * string) when the value cannot be read.  Valid until the next call
	 * of next(); for an infer column of a driver with typed(), whatever
	 * else is read meanwhile. */
	const char *(*value)(struct driver *d, size_t i, const char **reject);
	/* The current record's geometry in the driver's CRS, or NULL; the
	 * caller takes it (OGR_G_DestroyGeometry). */
	OGRGeometryH (*take_geometry)(struct driver *d);
	/* The source's own id of the current record, or -1 if it has none. */
	int64_t (*record_id)(struct driver *d);
	/* Goes back to the first record for a second pass; false when the
	 * source cannot be read twice (a web API), errbuf saying why. */
	bool (*rewind)(struct driver *d, char *errbuf);
	/* Number of records, or -1 when it would cost a pass to know. */
	int64_t (*count)(struct driver *d);
	/* Frees the driver and everything it owns; NULL is a no-op. */
	void (*close)(struct driver *d);
	/* Optional (NULL when the driver cannot): until the next rewind(),
	 * reads only the columns i with needed[i], and the geometry when
	 * geometry is true, for a faster type-inference pass. */
	void (*read_only)(struct driver *d, const bool *needed, bool geometry);
	/* Optional (NULL when the driver has only text): the current
	 * record's value of column i, not an infer column, straight into
	 * *out with no text in between.  Returns 1 for a value, 0 for NULL
	 * (with *reject set when the value cannot be read), or -1 when this
	 * value has no binary form here (a year out of 1 to 9999): then
	 * value() gives its text, for source.c to judge.  out->text is valid
	 * until the next call of next(). */
	int (*typed)(struct driver *d, size_t i, struct driver_value *out,
		     const char **reject);
};

/* What every driver shares; a driver's own state follows it in memory
 * (struct gdal_driver { struct driver base; ... }). */
struct driver {
	const struct driver_ops *ops;
	struct driver_column *columns;   /* owned */
	size_t n_columns;
	bool has_geometry;               /* records may carry a geometry */
	OGRwkbGeometryType geometry_type; /* as declared; wkbUnknown: mixed */
	OGRSpatialReferenceH srs;        /* geometries' CRS, or NULL (owned) */
	char description[ODP_ERRBUF_SIZE]; /* what was detected, for the log */
	char warning[ODP_ERRBUF_SIZE];     /* for the run's message, or "" */
};

/* The drivers.  Each returns NULL on failure with errbuf naming the source
 * and the reason. */
struct driver *driver_gdal_open(const struct job *job, char *errbuf);
struct driver *driver_http_open(const struct job *job, char *errbuf);
struct driver *driver_sql_open(const struct job *job, char *errbuf);

/* Reads layer, the result of GDALDatasetExecuteSQL() on ds, like a GDAL
 * source (the sql driver's non-PostgreSQL engines).  Takes ds and layer:
 * the driver releases the result set and closes ds at close(), and on
 * failure at once.  name says what the source is in messages (copied). */
struct driver *driver_gdal_open_result(GDALDatasetH ds, OGRLayerH layer,
				       const char *name, char *errbuf);

/* Frees what struct driver owns; drivers call it from their close(). */
void driver_free_base(struct driver *d);

#endif
