/*
 * source.c: GDAL/OGR vector and table sources (see source.h).
 *
 * Every value leaves here as PostgreSQL text input for its column type, so
 * that the loader writes COPY text without knowing about OGR.  A row's
 * strings live in one buffer that is reused from row to row.
 */
#include "source.h"

#include "infer.h"
#include "log.h"
#include "util.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <errno.h>
#include <gdal.h>
#include <math.h>
#include <ogr_api.h>
#include <ogr_srs_api.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

/* The geometry of the published table. */
#define TARGET_EPSG 4326

/* An EWKB flag: the geometry type word is followed by an SRID. */
#define EWKB_SRID_FLAG 0x20000000u

/* Largest single geometry we accept, in WKB bytes. */
#define GEOMETRY_MAX ((size_t)64 << 20)

struct source {
	const struct job *job;      /* borrowed */
	GDALDatasetH ds;
	OGRLayerH layer;
	OGRSpatialReferenceH src_srs;
	OGRSpatialReferenceH dst_srs;
	OGRCoordinateTransformationH ct;   /* NULL: already EPSG:4326 */
	struct source_column *cols;
	size_t n_cols;
	int key_field;              /* OGR index of the key column, or -1 */
	int x_field, y_field;       /* OGR indexes of x/y, or -1 */
	bool has_geometry;
	int64_t n_features;
	int64_t n_read;
	char description[ODP_ERRBUF_SIZE];
	struct sb arena;            /* the current row's strings */
	size_t *offsets;            /* per column; SIZE_MAX = NULL */
	const char **values;
	unsigned char *wkb;
	size_t wkb_cap;
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

/* Copies GDAL's last error message, or fallback when there is none. */
static const char *gdal_error(const char *fallback)
{
	const char *msg = CPLGetLastErrorMsg();
	return msg && *msg ? msg : fallback;
}

/* A plain file name, as opposed to "/vsicurl/...", "PG:..." or a URL. */
static bool is_local_path(const char *path)
{
	return strncmp(path, "/vsi", 4) != 0 && strchr(path, ':') == NULL;
}

static bool open_layer(struct source *src, char *errbuf)
{
	const struct job *job = src->job;
	const char *path = job->source.resolved_path;
	struct stat st;
	char **options = NULL;
	size_t i;

	if (is_local_path(path) && stat(path, &st) != 0) {
		util_seterr(errbuf, "could not open source \"%s\": %s", path,
			    strerror(errno));
		return false;
	}
	for (i = 0; i < job->source.n_open_options; i++)
		options = CSLAddString(options, job->source.open_options[i]);
	CPLErrorReset();
	src->ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL,
			     (const char *const *)options, NULL);
	CSLDestroy(options);
	if (!src->ds) {
		util_seterr(errbuf, "could not open source \"%s\": %s", path,
			    gdal_error("GDAL recognises no vector format in it"));
		return false;
	}
	if (job->source.layer) {
		src->layer = GDALDatasetGetLayerByName(src->ds, job->source.layer);
		if (!src->layer) {
			struct sb names;
			int n = GDALDatasetGetLayerCount(src->ds), k;
			sb_init(&names, 4096);
			for (k = 0; k < n; k++)
				sb_printf(&names, "%s\"%s\"", k ? ", " : "",
					  OGR_L_GetName(GDALDatasetGetLayer(src->ds, k)));
			util_seterr(errbuf, "source \"%s\" has no layer \"%s\"; "
				    "its layers are: %s", path, job->source.layer,
				    names.buf ? names.buf : "(none)");
			sb_free(&names);
			return false;
		}
	} else {
		if (GDALDatasetGetLayerCount(src->ds) < 1) {
			util_seterr(errbuf, "source \"%s\" has no layer", path);
			return false;
		}
		src->layer = GDALDatasetGetLayer(src->ds, 0);
	}
	return true;
}

static bool map_field_type(OGRFieldDefnH fd, enum column_type *type,
			   bool *is_text)
{
	*is_text = false;
	switch (OGR_Fld_GetType(fd)) {
	case OFTInteger:
	case OFTInteger64:
		*type = OGR_Fld_GetSubType(fd) == OFSTBoolean ? COL_BOOLEAN
							      : COL_INTEGER;
		return true;
	case OFTReal:
		*type = COL_REAL;
		return true;
	case OFTString:
		*type = COL_TEXT;
		*is_text = true;
		return true;
	case OFTDate:
		*type = COL_DATE;
		return true;
	case OFTDateTime:
		*type = COL_TIMESTAMP;
		return true;
	case OFTTime:
		*type = COL_TEXT;
		return true;
	default:
		return false;
	}
}

static bool read_columns(struct source *src, char *errbuf)
{
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(src->layer);
	int n = OGR_FD_GetFieldCount(defn), i;
	const char **source_names;
	char(*names)[NAMES_MAX + 1];
	const struct job *job = src->job;

	src->cols = xcalloc((size_t)n, sizeof *src->cols);
	source_names = xcalloc((size_t)n, sizeof *source_names);
	names = xcalloc((size_t)n, sizeof *names);
	src->key_field = src->x_field = src->y_field = -1;
	for (i = 0; i < n; i++) {
		OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, i);
		struct source_column *c = &src->cols[i];
		const char *fname = OGR_Fld_GetNameRef(fd);
		if (!map_field_type(fd, &c->type, &c->is_text_field)) {
			util_seterr(errbuf, "column \"%s\" of source \"%s\" has "
				    "type %s, which odp cannot publish", fname,
				    job->source.resolved_path,
				    OGR_GetFieldTypeName(OGR_Fld_GetType(fd)));
			free(source_names);
			free(names);
			return false;
		}
		c->source_name = xstrdup(fname);
		if (*OGR_Fld_GetAlternativeNameRef(fd))
			c->label = xstrdup(OGR_Fld_GetAlternativeNameRef(fd));
		c->field = i;
		source_names[i] = c->source_name;
		if (job->key && strcmp(job->key, fname) == 0)
			src->key_field = i;
		if (job->source.x_column && strcmp(job->source.x_column, fname) == 0)
			src->x_field = i;
		if (job->source.y_column && strcmp(job->source.y_column, fname) == 0)
			src->y_field = i;
	}
	src->n_cols = (size_t)n;
	names_normalise_all(source_names, (size_t)n, names);
	for (i = 0; i < n; i++)
		util_strlcpy(src->cols[i].name, names[i], NAMES_MAX + 1);
	free(source_names);
	free(names);

	if (job->key && src->key_field < 0) {
		util_seterr(errbuf, "key column \"%s\" is not in source \"%s\"",
			    job->key, job->source.resolved_path);
		return false;
	}
	if (job->source.x_column && (src->x_field < 0 || src->y_field < 0)) {
		util_seterr(errbuf, "coordinate column \"%s\" is not in source "
			    "\"%s\"", src->x_field < 0 ? job->source.x_column
						       : job->source.y_column,
			    job->source.resolved_path);
		return false;
	}
	return true;
}

static bool setup_srs(struct source *src, char *errbuf)
{
	const struct job *job = src->job;
	OGRSpatialReferenceH layer_srs = OGR_L_GetSpatialRef(src->layer);
	bool from_columns = job->source.x_column != NULL;

	src->has_geometry = from_columns ||
			    OGR_L_GetGeomType(src->layer) != wkbNone;
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
	} else if (layer_srs && !from_columns) {
		OSRDestroySpatialReference(src->src_srs);
		src->src_srs = OSRClone(layer_srs);
	} else if (from_columns) {
		/* Coordinate columns without a declared CRS: longitude and
		 * latitude, which is what spreadsheets hold nearly always. */
		OSRImportFromEPSG(src->src_srs, TARGET_EPSG);
	} else {
		util_seterr(errbuf, "source \"%s\" declares no coordinate "
			    "reference system; set \"srs\" in the job's "
			    "source, e.g. \"EPSG:2154\"",
			    job->source.resolved_path);
		return false;
	}
	OSRSetAxisMappingStrategy(src->src_srs, OAMS_TRADITIONAL_GIS_ORDER);
	if (!OSRIsSame(src->src_srs, src->dst_srs)) {
		src->ct = OCTNewCoordinateTransformation(src->src_srs,
							 src->dst_srs);
		if (!src->ct) {
			util_seterr(errbuf, "could not reproject source \"%s\" "
				    "to EPSG:4326: %s", job->source.resolved_path,
				    gdal_error("no transformation found"));
			return false;
		}
	}
	return true;
}

static void describe(struct source *src)
{
	const char *crs = "none";
	const char *auth = NULL, *code = NULL;
	char crs_buf[64];

	if (src->src_srs) {
		auth = OSRGetAuthorityName(src->src_srs, NULL);
		code = OSRGetAuthorityCode(src->src_srs, NULL);
		if (auth && code) {
			snprintf(crs_buf, sizeof crs_buf, "%s:%s", auth, code);
			crs = crs_buf;
		} else {
			crs = OSRGetName(src->src_srs);
			if (!crs)
				crs = "unnamed";
		}
	}
	snprintf(src->description, sizeof src->description,
		 "driver %s, layer \"%s\", CRS %s",
		 GDALGetDriverShortName(GDALGetDatasetDriver(src->ds)),
		 OGR_L_GetName(src->layer), crs);
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

struct source *source_open(const struct job *job, char *errbuf)
{
	struct source *src = xcalloc(1, sizeof *src);

	src->job = job;
	src->n_features = -1;
	sb_init(&src->arena, 0);
	if (!open_layer(src, errbuf) || !read_columns(src, errbuf) ||
	    !setup_srs(src, errbuf)) {
		source_close(src);
		return NULL;
	}
	src->offsets = xcalloc(src->n_cols, sizeof *src->offsets);
	src->values = xcalloc(src->n_cols, sizeof *src->values);
	describe(src);
	return src;
}

/* Returns the trimmed text of a field, copied into *buf (freed and replaced
 * at each call), or NULL when the value stands for "no value". */
static const char *field_text(OGRFeatureH f, int field, char **buf)
{
	const char *raw, *t;
	size_t len;

	if (!OGR_F_IsFieldSetAndNotNull(f, field))
		return NULL;
	raw = OGR_F_GetFieldAsString(f, field);
	t = infer_trim(raw, &len);
	free(*buf);
	*buf = xstrndup(t, len);
	return infer_is_null(*buf) ? NULL : *buf;
}

enum odp_status source_scan(struct source *src, char *errbuf)
{
	unsigned *cand;
	size_t *n_values, i;
	bool any_text = false;
	OGRFeatureH f;
	char *buf = NULL;
	int64_t n = 0;

	for (i = 0; i < src->n_cols; i++)
		any_text |= src->cols[i].is_text_field;
	if (!any_text) {
		src->n_features = OGR_L_GetFeatureCount(src->layer, FALSE);
		return ODP_OK;
	}
	cand = xcalloc(src->n_cols, sizeof *cand);
	n_values = xcalloc(src->n_cols, sizeof *n_values);
	for (i = 0; i < src->n_cols; i++)
		cand[i] = src->cols[i].is_text_field ? INFER_ALL : 0;

	OGR_L_ResetReading(src->layer);
	CPLErrorReset();
	while ((f = OGR_L_GetNextFeature(src->layer)) != NULL) {
		for (i = 0; i < src->n_cols; i++) {
			const char *v;
			if (!cand[i])
				continue;
			v = field_text(f, src->cols[i].field, &buf);
			if (!v)
				continue;
			n_values[i]++;
			cand[i] = infer_candidates(v, cand[i]);
		}
		OGR_F_Destroy(f);
		n++;
	}
	free(buf);
	if (CPLGetLastErrorType() >= CE_Failure) {
		util_seterr(errbuf, "could not read source \"%s\" after feature "
			    "%lld: %s", src->job->source.resolved_path,
			    (long long)n, gdal_error("read error"));
		free(cand);
		free(n_values);
		return ODP_ERR_SOURCE;
	}
	for (i = 0; i < src->n_cols; i++) {
		struct source_column *c = &src->cols[i];
		if (!c->is_text_field)
			continue;
		/* Coordinate columns are read as numbers whatever they hold. */
		switch (infer_pick(cand[i], n_values[i])) {
		case INFER_INTEGER: c->type = COL_INTEGER; break;
		case INFER_REAL: c->type = COL_REAL; break;
		case INFER_DATE: c->type = COL_DATE; break;
		case INFER_BOOLEAN: c->type = COL_BOOLEAN; break;
		default: c->type = COL_TEXT; break;
		}
	}
	free(cand);
	free(n_values);
	src->n_features = n;
	OGR_L_ResetReading(src->layer);
	return ODP_OK;
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

static bool utf8_valid(const char *s)
{
	const unsigned char *p = (const unsigned char *)s;

	while (*p) {
		int n;
		if (*p < 0x80) {
			p++;
			continue;
		} else if ((*p & 0xE0) == 0xC0 && *p >= 0xC2) {
			n = 1;
		} else if ((*p & 0xF0) == 0xE0) {
			n = 2;
		} else if ((*p & 0xF8) == 0xF0 && *p <= 0xF4) {
			n = 3;
		} else {
			return false;
		}
		for (p++; n > 0; n--, p++)
			if ((*p & 0xC0) != 0x80)
				return false;
	}
	return true;
}

/* Appends the column's value for PostgreSQL, or returns false (NULL). */
static bool put_value(struct source *src, OGRFeatureH f,
		      const struct source_column *c, char **scratch,
		      const char **reject)
{
	struct sb *a = &src->arena;
	int y, m, d, h, mi, tz;
	float s;
	double x;

	if (!OGR_F_IsFieldSetAndNotNull(f, c->field))
		return false;
	if (c->is_text_field) {
		char conv[INFER_VALUE_MAX + 1];
		const char *v = field_text(f, c->field, scratch);
		if (!v)
			return false;
		if (!utf8_valid(v)) {
			*reject = "text that is not valid UTF-8";
			return false;
		}
		if (c->type == COL_TEXT) {
			sb_puts(a, v);
		} else if (infer_convert(v, c->type == COL_INTEGER ? INFER_INTEGER
					    : c->type == COL_REAL ? INFER_REAL
					    : c->type == COL_DATE ? INFER_DATE
								  : INFER_BOOLEAN,
					    conv)) {
			sb_puts(a, conv);
		} else {
			*reject = "a value that does not fit its column type";
			return false;
		}
		return true;
	}
	switch (c->type) {
	case COL_INTEGER:
		sb_printf(a, "%lld",
			  (long long)OGR_F_GetFieldAsInteger64(f, c->field));
		return true;
	case COL_BOOLEAN:
		sb_puts(a, OGR_F_GetFieldAsInteger(f, c->field) ? "true"
								 : "false");
		return true;
	case COL_REAL:
		x = OGR_F_GetFieldAsDouble(f, c->field);
		if (!isfinite(x))
			return false;
		sb_printf(a, "%.17g", x);
		return true;
	case COL_DATE:
	case COL_TIMESTAMP:
		if (!OGR_F_GetFieldAsDateTimeEx(f, c->field, &y, &m, &d, &h, &mi,
						&s, &tz))
			return false;
		if (c->type == COL_DATE) {
			sb_printf(a, "%04d-%02d-%02d", y, m, d);
			return true;
		}
		sb_printf(a, "%04d-%02d-%02dT%02d:%02d:%06.3f", y, m, d, h, mi,
			  (double)s);
		/* OGR's zone flag: 100 is UTC, each step is 15 minutes. */
		if (tz >= 2) {
			int off = (tz - 100) * 15;
			sb_printf(a, "%c%02d:%02d", off < 0 ? '-' : '+',
				  abs(off) / 60, abs(off) % 60);
		}
		return true;
	default:
		sb_puts(a, OGR_F_GetFieldAsString(f, c->field));
		return true;
	}
}

/* Builds a point from the x/y columns, or NULL when either is empty. */
static OGRGeometryH point_from_columns(struct source *src, OGRFeatureH f,
				       char **scratch, const char **reject)
{
	double xy[2];
	int fields[2] = {src->x_field, src->y_field}, k;
	OGRGeometryH g;

	for (k = 0; k < 2; k++) {
		const char *v = field_text(f, fields[k], scratch);
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

/* Appends g (taken) as hex EWKB in EPSG:4326, or sets *reject. */
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
	OGR_G_FlattenTo2D(g);
	if (src->ct && OGR_G_Transform(g, src->ct) != OGRERR_NONE) {
		*reject = "a geometry that could not be reprojected to EPSG:4326";
		goto out;
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
	/* ISO WKB in little-endian, then the SRID slipped in after the type
	 * word: that is PostGIS's EWKB for a 2D geometry. */
	w = src->wkb;
	if (OGR_G_ExportToIsoWkb(g, wkbNDR, w + 4) != OGRERR_NONE) {
		*reject = "a geometry that could not be encoded";
		goto out;
	}
	memcpy(&type, w + 5, 4);
	type |= EWKB_SRID_FLAG;
	w[0] = w[4];
	memcpy(w + 1, &type, 4);
	memcpy(w + 5, &srid, 4);
	for (i = 0; i < size + 4; i++) {
		char pair[2] = {hex[w[i] >> 4], hex[w[i] & 15]};
		sb_append(&src->arena, pair, 2);
	}
	ok = true;
out:
	OGR_G_DestroyGeometry(g);
	return ok;
}

int source_next(struct source *src, struct source_row *row, char *errbuf)
{
	OGRFeatureH f;
	size_t i, id_off = SIZE_MAX, geom_off = SIZE_MAX;
	const char *reject = NULL;
	char *scratch = NULL;
	char fid[32];

	CPLErrorReset();
	f = OGR_L_GetNextFeature(src->layer);
	if (!f) {
		if (CPLGetLastErrorType() >= CE_Failure) {
			util_seterr(errbuf, "could not read source \"%s\" after "
				    "feature %lld: %s",
				    src->job->source.resolved_path,
				    (long long)src->n_read, gdal_error("read error"));
			return ODP_ERR_SOURCE;
		}
		return 0;
	}
	src->n_read++;
	sb_reset(&src->arena);
	for (i = 0; i < src->n_cols && !reject; i++) {
		size_t start = src->arena.len;
		if (put_value(src, f, &src->cols[i], &scratch, &reject)) {
			sb_putc(&src->arena, '\0');
			src->offsets[i] = start;
		} else {
			src->offsets[i] = SIZE_MAX;
		}
		if ((int)i == src->key_field)
			id_off = src->offsets[i];
	}
	if (!reject && src->key_field >= 0 && id_off == SIZE_MAX)
		reject = "an empty key";
	if (!reject && src->key_field < 0) {
		GIntBig n = OGR_F_GetFID(f);
		snprintf(fid, sizeof fid, "%lld",
			 (long long)(n == OGRNullFID ? src->n_read : n));
		id_off = src->arena.len;
		sb_puts(&src->arena, fid);
		sb_putc(&src->arena, '\0');
	}
	if (!reject && src->has_geometry) {
		OGRGeometryH g = src->x_field >= 0
					 ? point_from_columns(src, f, &scratch, &reject)
					 : OGR_F_StealGeometry(f);
		if (g && !OGR_G_IsEmpty(g)) {
			geom_off = src->arena.len;
			if (put_geometry(src, g, &reject))
				sb_putc(&src->arena, '\0');
			else
				geom_off = SIZE_MAX;
		} else if (g) {
			OGR_G_DestroyGeometry(g);
		}
	}
	free(scratch);
	OGR_F_Destroy(f);
	if (sb_failed(&src->arena)) {
		util_seterr(errbuf, "feature %lld of source \"%s\" is too large",
			    (long long)src->n_read, src->job->source.resolved_path);
		return ODP_ERR_SOURCE;
	}
	for (i = 0; i < src->n_cols; i++)
		src->values[i] = src->offsets[i] == SIZE_MAX
					 ? NULL
					 : src->arena.buf + src->offsets[i];
	row->values = src->values;
	row->id = id_off == SIZE_MAX ? "" : src->arena.buf + id_off;
	row->geometry = geom_off == SIZE_MAX ? NULL : src->arena.buf + geom_off;
	row->reject = reject;
	return 1;
}

void source_close(struct source *src)
{
	size_t i;

	if (!src)
		return;
	if (src->ct)
		OCTDestroyCoordinateTransformation(src->ct);
	if (src->src_srs)
		OSRDestroySpatialReference(src->src_srs);
	if (src->dst_srs)
		OSRDestroySpatialReference(src->dst_srs);
	if (src->ds)
		GDALClose(src->ds);
	for (i = 0; i < src->n_cols; i++) {
		free(src->cols[i].source_name);
		free(src->cols[i].label);
	}
	free(src->cols);
	free(src->offsets);
	free(src->values);
	free(src->wkb);
	sb_free(&src->arena);
	free(src);
}
