/*
 * source.c: from a driver's raw records to normalised rows (see source.h).
 *
 * Every value leaves here as PostgreSQL text input for its column type,
 * or, in binary mode (the load), in the binary form COPY sends, so that
 * the loader writes COPY without knowing about drivers.  In binary mode
 * the typed fields of drivers that can (driver.h's typed()) go straight
 * into binary; text fields, casts, pseudonyms and the values of jobs with
 * expressions take the text path and are read into binary at the end of
 * the row (pgbin.h), so that both modes give the same values.  A row's
 * strings live in one buffer that is reused from row to row.
 */
#include "source.h"

#include "infer.h"
#include "log.h"
#include "pgbin.h"
#include "util.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <gdal.h>
#include <jansson.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* The geometry of the published table. */
#define TARGET_EPSG 4326

/* An EWKB flag: the geometry type word is followed by an SRID. */
#define EWKB_SRID_FLAG 0x20000000u

/* Geometry families whose single geometries become multi ones, so that a
 * layer mixing Polygon and MultiPolygon (every shapefile of parcels) is
 * published with one geometry type. */
enum {
	PROMOTE_POINT = 1 << 0,
	PROMOTE_LINE = 1 << 1,
	PROMOTE_POLYGON = 1 << 2
};

/* Largest single geometry we accept, in WKB bytes. */
#define GEOMETRY_MAX ((size_t)64 << 20)

/* offsets[i] of a column whose value is in typed[i] (binary mode). */
#define OFFSET_TYPED (SIZE_MAX - 1)

/* How a column's values reach binary mode's typed[i] besides the text
 * path: by the driver's typed(), or, for text that stays text, straight
 * from the driver's string. */
enum {
	FAST_NONE,
	FAST_TYPED,
	FAST_TEXT
};

struct source {
	const struct job *job;      /* borrowed */
	struct driver *driver;
	OGRSpatialReferenceH src_srs;
	OGRSpatialReferenceH dst_srs;
	OGRCoordinateTransformationH ct;   /* NULL: already EPSG:4326 */
	struct source_column *cols;
	size_t n_cols;
	int key_col;                /* driver column of the key, or -1 */
	int x_col, y_col;           /* driver columns of x/y, or -1 */
	int latlon_col;             /* driver column of "lat, lon", or -1 */
	bool hash_key;              /* the key is personal: ids are hashed */
	const char *pseudonym_key;  /* HMAC key of transform.personal */
	int64_t n_filtered;         /* rows the job's filter left out */
	volatile sig_atomic_t *stop; /* set by a signal: stop scanning */
	size_t n_source_cols;       /* cols before the derived ones */
	struct expr *filter;        /* transform.filter, or NULL */
	struct sb expr_out;         /* a derived value being computed */
	char expr_error[ODP_ERRBUF_SIZE]; /* reason of a row's reject */
	bool has_geometry;
	int64_t n_features;
	int64_t n_read;
	unsigned promote;           /* PROMOTE_* families made multi */
	int64_t n_repaired;         /* invalid geometries made valid */
	int64_t n_empty;            /* empty geometries published as null */
	OGREnvelope extent;         /* of the geometries published so far */
	bool has_extent;
	char notes[ODP_ERRBUF_SIZE];
	char description[ODP_ERRBUF_SIZE];
	struct sb arena;            /* the current row's strings */
	size_t *offsets;            /* per column; SIZE_MAX = NULL */
	const char **values;
	struct sb scratch;          /* trimmed text of the value at hand */
	unsigned char *wkb;         /* the row's geometry as EWKB */
	size_t wkb_cap, wkb_len;
	bool binary;                /* rows in binary mode */
	struct driver_value *typed; /* binary mode: the row's values */
	unsigned char *fast;        /* binary mode: per column, FAST_*; NULL
				       when every value takes the text path */
};

const char *source_type_name(enum column_type type)
{
	static const char *const names[] = {"integer", "real", "text",
					    "date", "timestamp", "boolean"};
	return names[type];
}

const char *source_sql_type(enum column_type type)
{
	static const char *const names[] = {"int8", "float8", "text",
					    "date", "timestamptz", "boolean"};
	return names[type];
}

/* GDAL's messages go to our log.  Failures are left to the callers, which
 * read CPLGetLastErrorMsg() and say which source and what to do. */
static void CPL_STDCALL gdal_log(CPLErr level, CPLErrorNum num, const char *msg)
{
	(void)num;
	if (level == CE_Warning)
		log_warn("GDAL: %s", msg);
	else
		log_debug("GDAL: %s", msg);
}

void source_init(void)
{
	GDALAllRegister();
	CPLSetErrorHandler(gdal_log);
}

void driver_free_base(struct driver *d)
{
	size_t i;

	for (i = 0; i < d->n_columns; i++) {
		free(d->columns[i].source_name);
		free(d->columns[i].label);
	}
	free(d->columns);
	if (d->srs)
		OSRDestroySpatialReference(d->srs);
}

static struct driver *open_driver(const struct job *job, char *errbuf)
{
	const char *kind = job->source.kind;

	if (strcmp(kind, "gdal") == 0)
		return driver_gdal_open(job, errbuf);
	else if (strcmp(kind, "http-json") == 0)
		return driver_http_open(job, errbuf);
	else if (strcmp(kind, "sql") == 0)
		return driver_sql_open(job, errbuf);
	util_seterr(errbuf, "source kind \"%s\" is not available in this "
		    "version of odp", kind);
	return NULL;
}

/* The source's name for what it reads, for messages. */
static const char *source_name(const struct job *job)
{
	if (job->source.resolved_path)
		return job->source.resolved_path;
	return job->identifier;
}

static int find_column(const struct driver *d, const char *name)
{
	size_t i;

	for (i = 0; name && i < d->n_columns; i++)
		if (strcmp(d->columns[i].source_name, name) == 0)
			return (int)i;
	return -1;
}

/* The value of a job's map for source column name, or NULL. */
static const char *pair_value(const struct job_header *pairs, size_t n,
			      const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(pairs[i].name, name) == 0)
			return pairs[i].value;
	return NULL;
}

static bool in_list(char *const *items, size_t n, const char *name)
{
	size_t i;

	for (i = 0; i < n; i++)
		if (strcmp(items[i], name) == 0)
			return true;
	return false;
}

static bool parse_type(const char *name, enum column_type *type)
{
	static const char *const names[] = {"integer", "real", "text",
					    "date", "timestamp", "boolean"};
	int k;

	for (k = 0; k < 6; k++) {
		if (strcmp(names[k], name) == 0) {
			*type = (enum column_type)k;
			return true;
		}
	}
	return false;
}

/* Every column a transform names must be in the source: a typo would
 * otherwise publish personal data the job meant to drop. */
static bool check_transform_columns(const struct source *src, char *errbuf)
{
	const struct job_transform *t = &src->job->transform;
	const char *unknown = NULL, *where = NULL;
	size_t i;

	for (i = 0; !unknown && i < t->n_drop; i++)
		if (find_column(src->driver, t->drop[i]) < 0)
			unknown = t->drop[i], where = "drop";
	for (i = 0; !unknown && i < t->n_personal; i++)
		if (find_column(src->driver, t->personal[i].name) < 0)
			unknown = t->personal[i].name, where = "personal";
	for (i = 0; !unknown && i < t->n_cast; i++)
		if (find_column(src->driver, t->cast[i].name) < 0)
			unknown = t->cast[i].name, where = "cast";
	for (i = 0; !unknown && i < t->n_rename; i++)
		if (find_column(src->driver, t->rename[i].name) < 0)
			unknown = t->rename[i].name, where = "rename";
	if (!unknown)
		return true;

	struct sb names;
	sb_init(&names, 2048);
	for (i = 0; i < src->driver->n_columns; i++)
		sb_printf(&names, "%s\"%s\"", i ? ", " : "",
			  src->driver->columns[i].source_name);
	util_seterr(errbuf, "transform.%s names column \"%s\", which is not "
		    "in source \"%s\"; its columns are: %s", where, unknown,
		    source_name(src->job), names.buf ? names.buf : "(none)");
	sb_free(&names);
	return false;
}

static bool name_in(const char *name, const char *const *set)
{
	for (; *set; set++)
		if (strcmp(name, *set) == 0)
			return true;
	return false;
}

/* A table without geometry but with columns named like latitude and
 * longitude (or one "geo_point"-like column of "lat, lon" text, as
 * OpenDataSoft exports write) is published as points. */
static void detect_coordinate_columns(struct source *src)
{
	static const char *const lats[] = {"lat", "latitude", NULL};
	static const char *const lons[] = {"lon", "lng", "long", "longitude",
					   NULL};
	static const char *const pairs[] = {"geo_point_2d", "geo_point",
					    "geopoint", "latlon", "lat_lon",
					    "coordonnees", "coordinates", NULL};
	const struct driver *d = src->driver;
	char name[NAMES_MAX + 1];
	int lat = -1, lon = -1, pair = -1;
	size_t i;

	for (i = 0; i < d->n_columns; i++) {
		names_normalise(d->columns[i].source_name, name);
		if (lat < 0 && name_in(name, lats))
			lat = (int)i;
		else if (lon < 0 && name_in(name, lons))
			lon = (int)i;
		else if (pair < 0 && name_in(name, pairs))
			pair = (int)i;
	}
	if (lat >= 0 && lon >= 0) {
		src->x_col = lon;
		src->y_col = lat;
	} else if (pair >= 0) {
		src->latlon_col = pair;
	}
}

/* Appends the job's derived columns after the source's; their types are
 * known once the source's are (compile_expressions). */
static bool add_derived_columns(struct source *src, char *errbuf)
{
	const struct job_transform *t = &src->job->transform;
	size_t i, k;

	for (i = 0; i < t->n_derive; i++) {
		struct source_column *c = &src->cols[src->n_cols];
		names_normalise(t->derive[i].name, c->name);
		for (k = 0; k < src->n_cols; k++) {
			if (strcmp(src->cols[k].name, c->name) == 0) {
				util_seterr(errbuf, "transform.derive: column "
					    "\"%s\" already exists; choose "
					    "another name", c->name);
				return false;
			}
		}
		c->source_name = t->derive[i].name;
		c->type = COL_TEXT;
		c->field = SIZE_MAX;
		src->n_cols++;
	}
	return true;
}

/* Compiles transform.filter and transform.derive against the source's
 * columns, now that their types are final. */
static bool compile_expressions(struct source *src, char *errbuf)
{
	const struct job_transform *t = &src->job->transform;
	size_t n = src->n_source_cols, i;
	const char **names;
	enum column_type *types;
	char why[ODP_ERRBUF_SIZE];
	bool ok = true;

	if (!t->filter && !t->n_derive)
		return true;
	names = xcalloc(n ? n : 1, sizeof *names);
	types = xcalloc(n ? n : 1, sizeof *types);
	for (i = 0; i < n; i++) {
		names[i] = src->cols[i].name;
		types[i] = src->cols[i].type;
	}
	if (t->filter) {
		src->filter = expr_compile(t->filter, names, types, n, why);
		if (!src->filter) {
			util_seterr(errbuf, "transform.filter: %s", why);
			ok = false;
		} else if (expr_type(src->filter) != COL_BOOLEAN) {
			util_seterr(errbuf, "transform.filter is a %s; it must "
				    "be a condition, e.g. \"commune = "
				    "'Poitiers'\"",
				    source_type_name(expr_type(src->filter)));
			ok = false;
		}
	}
	for (i = 0; ok && i < t->n_derive; i++) {
		struct source_column *c = &src->cols[n + i];
		c->derive = expr_compile(t->derive[i].value, names, types, n, why);
		if (!c->derive) {
			util_seterr(errbuf, "transform.derive.%s: %s",
				    t->derive[i].name, why);
			ok = false;
		} else {
			c->type = expr_type(c->derive);
		}
	}
	free(names);
	free(types);
	return ok;
}

static bool read_columns(struct source *src, char *errbuf)
{
	const struct driver *d = src->driver;
	const struct job *job = src->job;
	const struct job_transform *t = &job->transform;
	const char **names;
	char(*normalised)[NAMES_MAX + 1];
	size_t i, n = 0;

	src->key_col = find_column(d, job->key);
	src->x_col = find_column(d, job->source.x_column);
	src->y_col = find_column(d, job->source.y_column);
	src->latlon_col = find_column(d, job->source.latlon_column);
	if (job->source.latlon_column && src->latlon_col < 0) {
		util_seterr(errbuf, "coordinate column \"%s\" is not in source "
			    "\"%s\"", job->source.latlon_column,
			    source_name(job));
		return false;
	}
	if (!d->has_geometry && !job->source.x_column &&
	    !job->source.latlon_column)
		detect_coordinate_columns(src);
	if (job->key && src->key_col < 0) {
		util_seterr(errbuf, "key column \"%s\" is not in source \"%s\"",
			    job->key, source_name(job));
		return false;
	}
	if (job->source.x_column && (src->x_col < 0 || src->y_col < 0)) {
		util_seterr(errbuf, "coordinate column \"%s\" is not in source "
			    "\"%s\"", src->x_col < 0 ? job->source.x_column
						     : job->source.y_column,
			    source_name(job));
		return false;
	}
	if (!check_transform_columns(src, errbuf))
		return false;

	src->cols = xcalloc(d->n_columns + t->n_derive, sizeof *src->cols);
	names = xcalloc(d->n_columns, sizeof *names);
	normalised = xcalloc(d->n_columns, sizeof *normalised);
	for (i = 0; i < d->n_columns; i++) {
		const char *sname = d->columns[i].source_name;
		const char *personal = pair_value(t->personal, t->n_personal, sname);
		const char *cast = pair_value(t->cast, t->n_cast, sname);
		const char *rename = pair_value(t->rename, t->n_rename, sname);
		struct source_column *c = &src->cols[n];

		if (in_list(t->drop, t->n_drop, sname) ||
		    (personal && strcmp(personal, "drop") == 0))
			continue;
		c->source_name = d->columns[i].source_name;
		c->label = d->columns[i].label;
		c->type = d->columns[i].type;
		c->is_text_field = d->columns[i].infer;
		c->field = i;
		if (personal) {
			c->hash = true;
			c->type = COL_TEXT;
		} else if (cast && parse_type(cast, &c->type)) {
			c->cast = true;
		}
		names[n] = rename ? rename : sname;
		n++;
	}
	src->n_cols = n;
	names_normalise_all(names, n, normalised);
	for (i = 0; i < n; i++)
		util_strlcpy(src->cols[i].name, normalised[i], NAMES_MAX + 1);
	free(names);
	free(normalised);
	src->n_source_cols = n;
	if (!add_derived_columns(src, errbuf))
		return false;

	if (t->n_personal) {
		const char *key = getenv("ODP_PSEUDONYM_KEY");
		if (!key || strlen(key) < 16) {
			util_seterr(errbuf, "transform.personal hashes columns "
				    "but ODP_PSEUDONYM_KEY is %s; set it to a "
				    "secret of at least 16 characters (the same "
				    "key gives the same pseudonyms at every run)",
				    key ? "shorter than 16 characters" : "not set");
			return false;
		}
		src->pseudonym_key = key;
	}
	if (src->key_col >= 0 &&
	    pair_value(t->personal, t->n_personal, job->key))
		src->hash_key = true;
	return true;
}

static bool setup_srs(struct source *src, char *errbuf)
{
	const struct job *job = src->job;
	bool from_columns = src->x_col >= 0 || src->latlon_col >= 0;

	src->has_geometry = from_columns || src->driver->has_geometry;
	if (!src->has_geometry)
		return true;

	src->dst_srs = OSRNewSpatialReference(NULL);
	OSRImportFromEPSG(src->dst_srs, TARGET_EPSG);
	OSRSetAxisMappingStrategy(src->dst_srs, OAMS_TRADITIONAL_GIS_ORDER);

	src->src_srs = OSRNewSpatialReference(NULL);
	if (job->source.srs) {
		if (OSRSetFromUserInput(src->src_srs, job->source.srs) !=
		    OGRERR_NONE) {
			util_seterr(errbuf, "unknown coordinate reference system "
				    "\"%s\" in the job's source.srs; expected "
				    "e.g. \"EPSG:2154\"", job->source.srs);
			return false;
		}
	} else if (src->driver->srs && !from_columns) {
		OSRDestroySpatialReference(src->src_srs);
		src->src_srs = OSRClone(src->driver->srs);
	} else if (from_columns) {
		/* Coordinate columns without a declared CRS: longitude and
		 * latitude, which is what spreadsheets hold nearly always. */
		OSRImportFromEPSG(src->src_srs, TARGET_EPSG);
	} else {
		util_seterr(errbuf, "source \"%s\" declares no coordinate "
			    "reference system; set \"srs\" in the job's "
			    "source, e.g. \"EPSG:2154\"", source_name(job));
		return false;
	}
	OSRSetAxisMappingStrategy(src->src_srs, OAMS_TRADITIONAL_GIS_ORDER);
	if (!OSRIsSame(src->src_srs, src->dst_srs)) {
		src->ct = OCTNewCoordinateTransformation(src->src_srs,
							 src->dst_srs);
		if (!src->ct) {
			const char *msg = CPLGetLastErrorMsg();
			util_seterr(errbuf, "could not reproject source \"%s\" "
				    "to EPSG:4326: %s", source_name(job),
				    msg && *msg ? msg : "no transformation found");
			return false;
		}
	}
	return true;
}

static void describe(struct source *src)
{
	const char *crs = "none", *auth = NULL, *code = NULL;
	char crs_buf[64];

	if (src->src_srs) {
		auth = OSRGetAuthorityName(src->src_srs, NULL);
		code = OSRGetAuthorityCode(src->src_srs, NULL);
		if (auth && code) {
			snprintf(crs_buf, sizeof crs_buf, "%s:%s", auth, code);
			crs = crs_buf;
		} else if (!(crs = OSRGetName(src->src_srs))) {
			crs = "unnamed";
		}
	}
	snprintf(src->description, sizeof src->description, "%.400s, CRS %.60s",
		 src->driver->description, crs);
}

struct source *source_open(const struct job *job, char *errbuf)
{
	struct source *src = xcalloc(1, sizeof *src);

	src->job = job;
	src->n_features = -1;
	sb_init(&src->arena, 0);
	/* As large as a value comes: the arena's limit judges the row. */
	sb_init(&src->scratch, SIZE_MAX / 2);
	sb_init(&src->expr_out, 0);
	src->driver = open_driver(job, errbuf);
	if (!src->driver || !read_columns(src, errbuf) ||
	    !setup_srs(src, errbuf)) {
		source_close(src);
		return NULL;
	}
	src->offsets = xcalloc(src->n_cols, sizeof *src->offsets);
	src->values = xcalloc(src->n_cols, sizeof *src->values);
	describe(src);
	return src;
}

/* The current record's text for driver column field, trimmed, or NULL
 * when it stands for "no value".  Valid until the next call. */
static const char *text_value(struct source *src, size_t field,
			      const char **reject)
{
	const char *raw, *t;
	size_t len;

	raw = src->driver->ops->value(src->driver, field, reject);
	if (!raw)
		return NULL;
	t = infer_trim(raw, &len);
	sb_reset(&src->scratch);
	sb_append(&src->scratch, t, len);
	return infer_is_null(src->scratch.buf) ? NULL : src->scratch.buf;
}

/* The family bit of a geometry type, and whether it is the multi kind. */
static unsigned geometry_family(OGRwkbGeometryType type, bool *multi)
{
	switch (wkbFlatten(type)) {
	case wkbPoint: *multi = false; return PROMOTE_POINT;
	case wkbMultiPoint: *multi = true; return PROMOTE_POINT;
	case wkbLineString: *multi = false; return PROMOTE_LINE;
	case wkbMultiLineString: *multi = true; return PROMOTE_LINE;
	case wkbPolygon: *multi = false; return PROMOTE_POLYGON;
	case wkbMultiPolygon: *multi = true; return PROMOTE_POLYGON;
	default: *multi = false; return 0;
	}
}

/* Without a pass over the data, the declared type decides: a Multi* layer
 * gets its single geometries promoted. */
static void promote_from_declared_type(struct source *src)
{
	bool multi;
	unsigned family = geometry_family(src->driver->geometry_type, &multi);

	if (multi)
		src->promote = family;
}

/* The geometry is made from coordinate columns. */
static bool geometry_from_columns(const struct source *src)
{
	return src->x_col >= 0 || src->latlon_col >= 0;
}

/* Text in the source whose type nobody declared. */
static bool needs_inference(const struct source_column *c)
{
	return c->is_text_field && !c->cast && !c->hash;
}

/* The inference pass observes the geometries: it must read them all. */
static bool scan_reads_geometry(const struct source *src)
{
	return src->has_geometry && !geometry_from_columns(src) &&
	       wkbFlatten(src->driver->geometry_type) != wkbPoint;
}

/* The inference pass reads only the text columns it types, and the
 * geometry only when it must learn whether singles and multis mix (a
 * declared point layer cannot mix them). */
static void scan_only_what_it_needs(struct source *src, const unsigned *cand)
{
	struct driver *d = src->driver;
	bool *needed, geometry;
	size_t i;

	if (!d->ops->read_only)
		return;
	needed = xcalloc(d->n_columns ? d->n_columns : 1, sizeof *needed);
	for (i = 0; i < src->n_source_cols; i++)
		if (cand[i])
			needed[src->cols[i].field] = true;
	geometry = scan_reads_geometry(src);
	d->ops->read_only(d, needed, geometry);
	free(needed);
}

void source_stop_on(struct source *src, volatile sig_atomic_t *flag)
{
	src->stop = flag;
}

enum odp_status source_scan(struct source *src, char *errbuf)
{
	unsigned *cand;
	size_t *n_values, i, n_open = 0;
	bool any_text = false;
	const char *reject = NULL;
	unsigned seen_single = 0, seen_multi = 0;
	int64_t n = 0, total = -2;
	int got;

	for (i = 0; i < src->n_cols; i++)
		any_text |= needs_inference(&src->cols[i]);
	if (!any_text) {
		src->n_features = src->driver->ops->count(src->driver);
		promote_from_declared_type(src);
		return compile_expressions(src, errbuf) ? ODP_OK : ODP_ERR_INVALID;
	}
	cand = xcalloc(src->n_cols, sizeof *cand);
	n_values = xcalloc(src->n_cols, sizeof *n_values);
	for (i = 0; i < src->n_cols; i++) {
		cand[i] = needs_inference(&src->cols[i]) ? INFER_ALL : 0;
		n_open += cand[i] != 0;
	}
	scan_only_what_it_needs(src, cand);

	while ((got = src->driver->ops->next(src->driver, errbuf)) == 1) {
		if (src->stop && *src->stop) {
			util_seterr(errbuf, "stopped by a signal while reading "
				    "the source to type its columns");
			got = ODP_ERR_SOURCE;
			break;
		}
		if (src->has_geometry && !geometry_from_columns(src)) {
			OGRGeometryH g = src->driver->ops->take_geometry(src->driver);
			bool multi;
			if (g) {
				unsigned family = geometry_family(
					OGR_G_GetGeometryType(g), &multi);
				seen_single |= multi ? 0 : family;
				seen_multi |= multi ? family : 0;
				OGR_G_DestroyGeometry(g);
			}
		}
		for (i = 0; i < src->n_cols; i++) {
			const char *v;
			if (!cand[i])
				continue;
			v = text_value(src, src->cols[i].field, &reject);
			if (!v)
				continue;
			n_values[i]++;
			cand[i] = infer_candidates(v, cand[i]);
			n_open -= cand[i] == 0;
		}
		n++;
		/* Every column is text whatever comes next (a name, a code
		 * with leading zeros): the rest of the pass would learn
		 * nothing, unless there are geometries to observe or the
		 * count of records costs a pass of its own. */
		if (n_open == 0 && !seen_single && !seen_multi &&
		    !scan_reads_geometry(src)) {
			if (total == -2)
				total = src->driver->ops->count(src->driver);
			if (total >= 0) {
				n = total;
				got = 0;
				break;
			}
		}
	}
	if (got == 0 && !src->driver->ops->rewind(src->driver, errbuf))
		got = ODP_ERR_SOURCE;
	if (got < 0) {
		free(cand);
		free(n_values);
		return (enum odp_status)got;
	}
	for (i = 0; i < src->n_cols; i++) {
		struct source_column *c = &src->cols[i];
		if (!needs_inference(c))
			continue;
		switch (infer_pick(cand[i], n_values[i])) {
		case INFER_INTEGER: c->type = COL_INTEGER; break;
		case INFER_REAL: c->type = COL_REAL; break;
		case INFER_DATE: c->type = COL_DATE; break;
		case INFER_BOOLEAN: c->type = COL_BOOLEAN; break;
		case INFER_TIMESTAMP: c->type = COL_TIMESTAMP; break;
		default: c->type = COL_TEXT; break;
		}
	}
	free(cand);
	free(n_values);
	src->n_features = n;
	src->promote = seen_single & seen_multi;
	if (!seen_single && !seen_multi)
		promote_from_declared_type(src);
	return compile_expressions(src, errbuf) ? ODP_OK : ODP_ERR_INVALID;
}

size_t source_n_columns(const struct source *src)
{
	return src->n_cols;
}

const struct source_column *source_columns(const struct source *src)
{
	return src->cols;
}

int64_t source_n_features(const struct source *src)
{
	return src->n_features;
}

const char *source_description(const struct source *src)
{
	return src->description;
}

bool source_extent(const struct source *src, double box[4])
{
	if (!src->has_extent)
		return false;
	box[0] = src->extent.MinX;
	box[1] = src->extent.MinY;
	box[2] = src->extent.MaxX;
	box[3] = src->extent.MaxY;
	return true;
}

const char *source_warning(const struct source *src)
{
	return src->driver->warning;
}

const char *source_notes(struct source *src)
{
	static const char *const family_names[] = {"points", "lines",
						   "polygons"};
	struct sb sb;
	int k;

	sb_init(&sb, sizeof src->notes - 1);
	if (src->n_repaired)
		sb_printf(&sb, "; %lld invalid geometries repaired",
			  (long long)src->n_repaired);
	if (src->n_empty)
		sb_printf(&sb, "; %lld empty geometries published as null",
			  (long long)src->n_empty);
	if (src->n_filtered)
		sb_printf(&sb, "; %lld rows left out by the filter",
			  (long long)src->n_filtered);
	for (k = 0; k < 3; k++)
		if (src->promote & (1u << k))
			sb_printf(&sb, "; single %s promoted to multi %s",
				  family_names[k], family_names[k]);
	util_strlcpy(src->notes, sb.buf ? sb.buf : "", sizeof src->notes);
	sb_free(&sb);
	return src->notes;
}

static unsigned infer_type_of(enum column_type type)
{
	switch (type) {
	case COL_INTEGER: return INFER_INTEGER;
	case COL_REAL: return INFER_REAL;
	case COL_DATE: return INFER_DATE;
	case COL_BOOLEAN: return INFER_BOOLEAN;
	case COL_TIMESTAMP: return INFER_TIMESTAMP;
	default: return 0;
	}
}

/* Appends the hex HMAC-SHA256 of value under the job's pseudonym key: the
 * same person gets the same pseudonym at every run, and nobody without
 * the key can go back from it. */
static void put_pseudonym(struct source *src, const char *value)
{
	static const char hex[] = "0123456789abcdef";
	unsigned char mac[EVP_MAX_MD_SIZE];
	unsigned int len = 0, k;

	HMAC(EVP_sha256(), src->pseudonym_key, (int)strlen(src->pseudonym_key),
	     (const unsigned char *)value, strlen(value), mac, &len);
	for (k = 0; k < len; k++) {
		char pair[2] = {hex[mac[k] >> 4], hex[mac[k] & 15]};
		sb_append(&src->arena, pair, 2);
	}
}

/* The raw value of driver column field: trimmed text with nulls folded
 * for text fields, the driver's typed rendering otherwise. */
static const char *raw_value(struct source *src, size_t field, bool is_text,
			     const char **reject)
{
	if (is_text)
		return text_value(src, field, reject);
	return src->driver->ops->value(src->driver, field, reject);
}

/* Appends column i's value for PostgreSQL and returns true, or returns
 * false for NULL (with *reject set when the row must be rejected). */
static bool put_value(struct source *src, size_t i, const char **reject)
{
	const struct source_column *c = &src->cols[i];
	char conv[INFER_VALUE_MAX + 1];
	const char *v;

	v = raw_value(src, c->field, c->is_text_field, reject);
	if (!v)
		return false;
	if (c->hash) {
		put_pseudonym(src, v);
		return true;
	}
	if (!c->is_text_field && !c->cast) {
		sb_puts(&src->arena, v);
		return true;
	}
	if (!util_utf8_valid(v)) {
		*reject = "text that is not valid UTF-8";
		return false;
	}
	if (c->type == COL_TEXT) {
		sb_puts(&src->arena, v);
		return true;
	}
	/* A typed value cast to its own type needs no conversion. */
	if (!c->is_text_field &&
	    src->driver->columns[c->field].type == c->type) {
		sb_puts(&src->arena, v);
		return true;
	}
	if (!infer_convert(v, infer_type_of(c->type), conv)) {
		*reject = c->cast ? "a value that cannot be cast to the type "
				    "the job declares"
				  : "a value that does not fit its column type";
		return false;
	}
	sb_puts(&src->arena, conv);
	return true;
}

/* Appends the record's stable id: the key's value (pseudonymised when the
 * key is personal data), else the source's own record id or rank. */
static bool put_id(struct source *src, const char **reject)
{
	const char *v;
	char digits[24];
	int64_t id;

	if (src->key_col < 0) {
		id = src->driver->ops->record_id(src->driver);
		sb_append(&src->arena, digits,
			  util_format_int64(id >= 0 ? id : src->n_read, digits));
		return true;
	}
	v = raw_value(src, (size_t)src->key_col,
		      src->driver->columns[src->key_col].infer, reject);
	if (!v) {
		if (!*reject)
			*reject = "an empty key";
		return false;
	}
	if (src->hash_key)
		put_pseudonym(src, v);
	else
		sb_puts(&src->arena, v);
	return true;
}

/* Reads {"lon": x, "lat": y}, the form OpenDataSoft's API v2.1 gives
 * geo_point_2d, into xy. */
static bool parse_latlon_object(const char *v, double xy[2])
{
	json_t *obj = json_loads(v, 0, NULL);
	json_t *lon = json_object_get(obj, "lon"), *lat = json_object_get(obj, "lat");
	bool ok = json_is_number(lon) && json_is_number(lat);

	if (ok) {
		xy[0] = json_number_value(lon);
		xy[1] = json_number_value(lat);
	}
	json_decref(obj);
	return ok;
}

/* Reads "lat, lon" (or "lat lon", "lat;lon", or a {"lon", "lat"} object)
 * into xy as lon, lat. */
static bool parse_latlon(const char *v, double xy[2])
{
	char a[INFER_VALUE_MAX + 1], b[INFER_VALUE_MAX + 1];
	size_t len, cut = strcspn(v, ",; ");
	const char *rest;

	if (*v == '{')
		return parse_latlon_object(v, xy);
	if (cut == 0 || cut > INFER_VALUE_MAX || !v[cut])
		return false;
	memcpy(a, v, cut);
	a[cut] = '\0';
	rest = infer_trim(v + cut + 1, &len);
	if (*rest == ',' || *rest == ';')
		rest = infer_trim(rest + 1, &len);
	if (len == 0 || len > INFER_VALUE_MAX)
		return false;
	memcpy(b, rest, len);
	b[len] = '\0';
	return infer_parse_decimal(a, &xy[1]) && infer_parse_decimal(b, &xy[0]);
}

/* Builds a point from the x/y columns, or NULL when either is empty. */
static OGRGeometryH point_from_columns(struct source *src, const char **reject)
{
	int cols[2] = {src->x_col, src->y_col}, k;
	double xy[2];
	OGRGeometryH g;

	if (src->latlon_col >= 0) {
		const char *v = text_value(src, (size_t)src->latlon_col, reject);
		if (!v)
			return NULL;
		if (!parse_latlon(v, xy)) {
			*reject = "a \"lat, lon\" value that is not two numbers";
			return NULL;
		}
		g = OGR_G_CreateGeometry(wkbPoint);
		OGR_G_SetPoint_2D(g, 0, xy[0], xy[1]);
		return g;
	}

	for (k = 0; k < 2; k++) {
		const char *v = text_value(src, (size_t)cols[k], reject);
		if (!v)
			return NULL;
		if (!infer_parse_decimal(v, &xy[k])) {
			*reject = "a coordinate that is not a number";
			return NULL;
		}
	}
	g = OGR_G_CreateGeometry(wkbPoint);
	OGR_G_SetPoint_2D(g, 0, xy[0], xy[1]);
	return g;
}

/* Repairs an invalid geometry (GEOS's MakeValid, the algorithm behind
 * PostGIS's ST_MakeValid) and promotes single geometries to multi ones
 * where the source mixes both.  Points are valid by construction and are
 * not checked, which keeps point layers fast. */
static bool normalise_geometry(struct source *src, OGRGeometryH *g,
			       const char **reject)
{
	OGRwkbGeometryType type = wkbFlatten(OGR_G_GetGeometryType(*g));
	bool multi;
	unsigned family;

	if (type != wkbPoint && type != wkbMultiPoint && !OGR_G_IsValid(*g)) {
		OGRGeometryH valid = OGR_G_MakeValid(*g);
		if (!valid) {
			*reject = "an invalid geometry that could not be repaired";
			return false;
		}
		OGR_G_DestroyGeometry(*g);
		*g = valid;
		src->n_repaired++;
	}
	family = geometry_family(OGR_G_GetGeometryType(*g), &multi);
	if (!multi && (src->promote & family)) {
		switch (family) {
		case PROMOTE_POINT: *g = OGR_G_ForceToMultiPoint(*g); break;
		case PROMOTE_LINE: *g = OGR_G_ForceToMultiLineString(*g); break;
		default: *g = OGR_G_ForceToMultiPolygon(*g); break;
		}
	}
	return true;
}

/* Writes g (taken) as EWKB in EPSG:4326 into src->wkb and, in text mode,
 * appends it as hex to the arena; or sets *reject. */
static bool put_geometry(struct source *src, OGRGeometryH g,
			 const char **reject)
{
	static const char hex[] = "0123456789ABCDEF";
	unsigned char *w;
	size_t size, i;
	uint32_t type, srid = TARGET_EPSG;
	bool ok = false;

	if (OGR_G_HasCurveGeometry(g, TRUE)) {
		OGRGeometryH linear = OGR_G_GetLinearGeometry(g, 0, NULL);
		OGR_G_DestroyGeometry(g);
		g = linear;
		if (!g) {
			*reject = "a curved geometry that could not be linearised";
			return false;
		}
	}
	if (src->job->source.keep_z) {
		/* One dimension for the whole column: 2D geometries get Z 0. */
		OGR_G_SetMeasured(g, FALSE);
		OGR_G_Set3D(g, TRUE);
	} else {
		OGR_G_FlattenTo2D(g);
	}
	if (src->ct && OGR_G_Transform(g, src->ct) != OGRERR_NONE) {
		*reject = "a geometry that could not be reprojected to EPSG:4326";
		goto out;
	}
	if (!normalise_geometry(src, &g, reject))
		goto out;
	{
		OGREnvelope env;
		OGR_G_GetEnvelope(g, &env);
		if (!src->has_extent) {
			src->extent = env;
			src->has_extent = true;
		} else {
			src->extent.MinX = fmin(src->extent.MinX, env.MinX);
			src->extent.MinY = fmin(src->extent.MinY, env.MinY);
			src->extent.MaxX = fmax(src->extent.MaxX, env.MaxX);
			src->extent.MaxY = fmax(src->extent.MaxY, env.MaxY);
		}
	}
	size = (size_t)OGR_G_WkbSize(g);
	if (size < 5 || size > GEOMETRY_MAX) {
		*reject = "a geometry too large to publish";
		goto out;
	}
	if (size + 4 > src->wkb_cap) {
		src->wkb_cap = size + 4;
		src->wkb = xrealloc(src->wkb, src->wkb_cap);
	}
	/* WKB in little-endian, then the SRID slipped in after the type
	 * word: that is PostGIS's EWKB.  OGR's old-style WKB marks Z with
	 * the same 0x80000000 flag as EWKB does. */
	w = src->wkb;
	if (OGR_G_ExportToWkb(g, wkbNDR, w + 4) != OGRERR_NONE) {
		*reject = "a geometry that could not be encoded";
		goto out;
	}
	memcpy(&type, w + 5, 4);
	type |= EWKB_SRID_FLAG;
	w[0] = w[4];
	memcpy(w + 1, &type, 4);
	memcpy(w + 5, &srid, 4);
	src->wkb_len = size + 4;
	for (i = 0; !src->binary && i < size + 4; i++) {
		char pair[2] = {hex[w[i] >> 4], hex[w[i] & 15]};
		sb_append(&src->arena, pair, 2);
	}
	ok = true;
out:
	OGR_G_DestroyGeometry(g);
	return ok;
}

/* Points src->values at the arena for the columns done so far (NULL for
 * a value in binary). */
static void resolve_values(struct source *src, size_t n)
{
	size_t i;

	for (i = 0; i < n; i++)
		src->values[i] = src->offsets[i] >= OFFSET_TYPED
					 ? NULL
					 : src->arena.buf + src->offsets[i];
}

/* Runs the job's filter, then computes the derived columns.  An error in
 * an expression (an overflow, say) rejects the row with its reason. */
static void apply_expressions(struct source *src, struct source_row *row,
			      const char **reject)
{
	char why[ODP_ERRBUF_SIZE];
	const char *what = "transform.filter";
	size_t i;
	int got;

	resolve_values(src, src->n_source_cols);
	if (src->filter) {
		got = expr_eval_bool(src->filter, src->values, why);
		if (got < 0)
			goto error;
		if (got == 0) {
			row->filtered = true;
			src->n_filtered++;
			return;
		}
	}
	for (i = src->n_source_cols; i < src->n_cols; i++) {
		what = src->cols[i].name;
		got = expr_eval(src->cols[i].derive, src->values, &src->expr_out,
				why);
		if (got < 0)
			goto error;
		if (got == 0)
			continue;
		src->offsets[i] = src->arena.len;
		sb_append(&src->arena, src->expr_out.buf, src->expr_out.len);
		sb_putc(&src->arena, '\0');
		/* The arena may have moved. */
		resolve_values(src, src->n_source_cols);
	}
	return;
error:
	snprintf(src->expr_error, sizeof src->expr_error, "%.64s: %.400s", what,
		 why);
	*reject = src->expr_error;
}

void source_use_binary(struct source *src)
{
	size_t i;

	src->binary = true;
	src->typed = xcalloc(src->n_cols ? src->n_cols : 1, sizeof *src->typed);
	/* Expressions read every value as text: then nothing is read
	 * straight into binary. */
	if (!src->driver->ops->typed || src->filter ||
	    src->n_cols > src->n_source_cols)
		return;
	src->fast = xcalloc(src->n_cols, sizeof *src->fast);
	for (i = 0; i < src->n_source_cols; i++) {
		const struct source_column *c = &src->cols[i];
		if (c->cast || c->hash)
			continue;
		if (!c->is_text_field)
			src->fast[i] = FAST_TYPED;
		else if (c->type == COL_TEXT)
			src->fast[i] = FAST_TEXT;
	}
}

/* Binary mode: text_value() and put_value() for a text field that stays
 * text, without copying it: the value points into the driver's string
 * (driver.h: valid until next()).  Blanks around are trimmed,
 * null tokens are NULL, text that is not UTF-8 is rejected. */
static void read_text(struct source *src, size_t i, const char **reject)
{
	struct driver_value *v = &src->typed[i];
	const char *raw = src->driver->ops->value(src->driver,
						  src->cols[i].field, reject);
	char small[8];
	size_t len;

	src->offsets[i] = *reject ? SIZE_MAX : OFFSET_TYPED;
	v->null = true;
	if (!raw)
		return;
	v->text = infer_trim(raw, &len);
	/* Every null token is shorter than five bytes. */
	if (len < 5) {
		memcpy(small, v->text, len);
		small[len] = '\0';
		if (infer_is_null(small))
			return;
	}
	/* The blanks trimmed are ASCII: the whole string is UTF-8 when the
	 * value is. */
	if (!util_utf8_valid(raw)) {
		*reject = "text that is not valid UTF-8";
		src->offsets[i] = SIZE_MAX;
		return;
	}
	v->len = len;
	v->null = false;
}

/* Binary mode: reads column i straight into src->typed[i].  False when
 * the value has no binary form here and must take the text path. */
static bool read_typed(struct source *src, size_t i, const char **reject)
{
	struct driver_value *v = &src->typed[i];
	int got = src->driver->ops->typed(src->driver, src->cols[i].field, v,
					  reject);

	if (got < 0)
		return false;
	v->null = got == 0;
	src->offsets[i] = *reject ? SIZE_MAX : OFFSET_TYPED;
	return true;
}

/* Binary mode: reads the values that took the text path into binary.
 * False, with *reject, when one is not a value of its column's type. */
static bool text_to_binary(struct source *src, const char **reject)
{
	size_t i;

	for (i = 0; i < src->n_cols; i++) {
		struct driver_value *v = &src->typed[i];
		if (src->offsets[i] == OFFSET_TYPED)
			continue;
		v->null = src->values[i] == NULL;
		if (!v->null &&
		    !pgbin_parse(src->cols[i].type, src->values[i], v)) {
			*reject = "a value that does not fit its column type";
			return false;
		}
	}
	return true;
}

/* Binary mode, a rejected row: the values read in binary get their text,
 * so that the row can be shown. */
static void typed_as_text(struct source *src)
{
	const char *ignored;
	size_t i, start;

	for (i = 0; i < src->n_cols; i++) {
		if (src->offsets[i] != OFFSET_TYPED)
			continue;
		start = src->arena.len;
		ignored = NULL;
		if (put_value(src, i, &ignored)) {
			sb_putc(&src->arena, '\0');
			src->offsets[i] = start;
		} else {
			src->offsets[i] = SIZE_MAX;
		}
	}
}

int source_next(struct source *src, struct source_row *row, char *errbuf)
{
	size_t i, id_off, geom_off = SIZE_MAX;
	const char *reject = NULL;
	bool has_wkb = false;
	int got;

	got = src->driver->ops->next(src->driver, errbuf);
	if (got <= 0)
		return got;
	src->n_read++;
	sb_reset(&src->arena);
	for (i = 0; i < src->n_source_cols && !reject; i++) {
		size_t start = src->arena.len;
		if (src->fast && src->fast[i] == FAST_TEXT) {
			read_text(src, i, &reject);
			continue;
		}
		if (src->fast && src->fast[i] == FAST_TYPED &&
		    read_typed(src, i, &reject))
			continue;
		if (put_value(src, i, &reject)) {
			sb_putc(&src->arena, '\0');
			src->offsets[i] = start;
		} else {
			src->offsets[i] = SIZE_MAX;
		}
	}
	/* A rejected row shows no value of the columns not read. */
	for (; i < src->n_cols; i++)
		src->offsets[i] = SIZE_MAX;
	row->filtered = false;
	if (!reject && (src->filter || src->n_cols > src->n_source_cols))
		apply_expressions(src, row, &reject);
	id_off = src->arena.len;
	if (!reject && put_id(src, &reject))
		sb_putc(&src->arena, '\0');
	else
		id_off = SIZE_MAX;
	if (!reject && src->has_geometry) {
		OGRGeometryH g = geometry_from_columns(src)
					 ? point_from_columns(src, &reject)
					 : src->driver->ops->take_geometry(src->driver);
		if (g && !OGR_G_IsEmpty(g)) {
			geom_off = src->arena.len;
			if (put_geometry(src, g, &reject)) {
				has_wkb = true;
				sb_putc(&src->arena, '\0');
			} else {
				geom_off = SIZE_MAX;
			}
		} else if (g) {
			OGR_G_DestroyGeometry(g);
			src->n_empty++;
		}
	}
	if (src->binary) {
		/* The arena does not move after text_to_binary() unless the
		 * row is rejected, and then its binary values are not read. */
		resolve_values(src, src->n_cols);
		if (!reject && !row->filtered)
			text_to_binary(src, &reject);
		if (reject)
			typed_as_text(src);
	}
	if (sb_failed(&src->arena)) {
		util_seterr(errbuf, "record %lld of source \"%s\" is too large",
			    (long long)src->n_read, source_name(src->job));
		return ODP_ERR_SOURCE;
	}
	resolve_values(src, src->n_cols);
	row->values = src->values;
	row->id = id_off == SIZE_MAX ? "" : src->arena.buf + id_off;
	row->reject = reject;
	if (src->binary) {
		row->geometry = NULL;
		row->typed = src->typed;
		row->wkb = has_wkb ? src->wkb : NULL;
		row->wkb_len = has_wkb ? src->wkb_len : 0;
	} else {
		row->geometry = geom_off == SIZE_MAX ? NULL
						     : src->arena.buf + geom_off;
		row->typed = NULL;
		row->wkb = NULL;
		row->wkb_len = 0;
	}
	return 1;
}

void source_close(struct source *src)
{
	if (!src)
		return;
	if (src->ct)
		OCTDestroyCoordinateTransformation(src->ct);
	if (src->src_srs)
		OSRDestroySpatialReference(src->src_srs);
	if (src->dst_srs)
		OSRDestroySpatialReference(src->dst_srs);
	if (src->driver)
		src->driver->ops->close(src->driver);
	for (size_t i = 0; i < src->n_cols; i++)
		expr_free(src->cols[i].derive);
	expr_free(src->filter);
	sb_free(&src->expr_out);
	free(src->cols);
	free(src->offsets);
	free(src->values);
	sb_free(&src->scratch);
	free(src->wkb);
	free(src->typed);
	free(src->fast);
	sb_free(&src->arena);
	free(src);
}
