/*
 * driver_gdal.c: sources GDAL/OGR opens (see driver.h).
 *
 * Every vector or table format of the machine's GDAL, local or remote
 * through GDAL's own HTTP access: GeoJSON, Shapefile, GeoPackage, CSV,
 * spreadsheets, WFS, OGC API Features, ArcGIS REST, ...  Typed OGR fields
 * are rendered here as PostgreSQL text input; string fields are handed over
 * as they are, for source.c to type.
 */
#include "driver.h"

#include "log.h"
#include "sb.h"
#include "util.h"

#include <cpl_conv.h>
#include <cpl_error.h>
#include <cpl_string.h>
#include <errno.h>
#include <gdal.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

struct gdal_driver {
	struct driver base;
	const char *path;       /* borrowed from the job */
	GDALDatasetH ds;
	OGRLayerH layer;
	OGRFeatureH feature;    /* the current record */
	const char *encoding;   /* shapefile ENCODING open option, or NULL */
	int64_t n_read;
	struct sb value;        /* the value last rendered */
	bool result_set;        /* layer is a GDALDatasetExecuteSQL() result */
	char *name;             /* owned path, for driver_gdal_open_result */
};

/* GDAL's last error message, or fallback when there is none. */
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

/* True when path ends with a shapefile's ".shp" and has no ".cpg" beside
 * it: then nothing says how its text is encoded. */
static bool shapefile_without_cpg(const char *path)
{
	size_t len = strlen(path);
	struct stat st;
	char *cpg;
	bool missing;

	if (len < 4 || strcasecmp(path + len - 4, ".shp") != 0)
		return false;
	cpg = xstrdup(path);
	memcpy(cpg + len - 3, "cpg", 3);
	missing = stat(cpg, &st) != 0;
	memcpy(cpg + len - 3, "CPG", 3);
	missing = missing && stat(cpg, &st) != 0;
	free(cpg);
	return missing;
}

/* Reads every text value of the layer as raw bytes; true when one of them
 * is not UTF-8. */
static bool layer_has_non_utf8_text(OGRLayerH layer)
{
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
	int n = OGR_FD_GetFieldCount(defn), i;
	OGRFeatureH f;
	bool bad = false;

	OGR_L_ResetReading(layer);
	while (!bad && (f = OGR_L_GetNextFeature(layer)) != NULL) {
		for (i = 0; i < n && !bad; i++)
			if (OGR_Fld_GetType(OGR_FD_GetFieldDefn(defn, i)) ==
				    OFTString &&
			    OGR_F_IsFieldSetAndNotNull(f, i))
				bad = !util_utf8_valid(OGR_F_GetFieldAsString(f, i));
		OGR_F_Destroy(f);
	}
	OGR_L_ResetReading(layer);
	return bad;
}

static bool open_layer(struct gdal_driver *g, const struct job *job,
		       char *errbuf);

/* True when the job passes GDAL the open option name itself. */
static bool job_has_open_option(const struct job *job, const char *name)
{
	size_t i, len = strlen(name);

	for (i = 0; i < job->source.n_open_options; i++)
		if (strncasecmp(job->source.open_options[i], name, len) == 0 &&
		    job->source.open_options[i][len] == '=')
			return true;
	return false;
}

/* A shapefile without .cpg is read as UTF-8 when its text is valid UTF-8,
 * else as CP1252, what ArcGIS on Windows writes, and the run says so. */
static bool open_shapefile_encoding(struct gdal_driver *g,
				    const struct job *job, char *errbuf)
{
	g->encoding = "";
	if (!open_layer(g, job, errbuf))
		return false;
	if (!layer_has_non_utf8_text(g->layer)) {
		g->encoding = NULL;
		return true;
	}
	GDALClose(g->ds);
	g->ds = NULL;
	g->encoding = "CP1252";
	snprintf(g->base.warning, sizeof g->base.warning,
		 "shapefile \"%s\" has no .cpg and its text is not UTF-8; "
		 "read as CP1252 (add a .cpg file to say otherwise)", g->path);
	return open_layer(g, job, errbuf);
}

static bool open_layer(struct gdal_driver *g, const struct job *job,
		       char *errbuf)
{
	struct stat st;
	char **options = NULL;
	size_t i;

	if (is_local_path(g->path) && stat(g->path, &st) != 0) {
		util_seterr(errbuf, "could not open source \"%s\": %s", g->path,
			    strerror(errno));
		return false;
	}
	for (i = 0; i < job->source.n_open_options; i++)
		options = CSLAddString(options, job->source.open_options[i]);
	if (g->encoding)
		options = CSLSetNameValue(options, "ENCODING", g->encoding);
	CPLErrorReset();
	g->ds = GDALOpenEx(g->path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL,
			   (const char *const *)options, NULL);
	CSLDestroy(options);
	if (!g->ds) {
		util_seterr(errbuf, "could not open source \"%s\": %s", g->path,
			    gdal_error("GDAL recognises no vector format in it"));
		return false;
	}
	if (!job->source.layer) {
		if (GDALDatasetGetLayerCount(g->ds) < 1) {
			util_seterr(errbuf, "source \"%s\" has no layer", g->path);
			return false;
		}
		g->layer = GDALDatasetGetLayer(g->ds, 0);
		return true;
	}
	g->layer = GDALDatasetGetLayerByName(g->ds, job->source.layer);
	if (!g->layer) {
		struct sb names;
		int n = GDALDatasetGetLayerCount(g->ds), k;
		sb_init(&names, 4096);
		for (k = 0; k < n; k++)
			sb_printf(&names, "%s\"%s\"", k ? ", " : "",
				  OGR_L_GetName(GDALDatasetGetLayer(g->ds, k)));
		util_seterr(errbuf, "source \"%s\" has no layer \"%s\"; its "
			    "layers are: %s", g->path, job->source.layer,
			    names.buf ? names.buf : "(none)");
		sb_free(&names);
		return false;
	}
	return true;
}

static bool map_field_type(OGRFieldDefnH fd, struct driver_column *c)
{
	c->infer = false;
	switch (OGR_Fld_GetType(fd)) {
	case OFTInteger:
	case OFTInteger64:
		c->type = OGR_Fld_GetSubType(fd) == OFSTBoolean ? COL_BOOLEAN
							       : COL_INTEGER;
		return true;
	case OFTReal:
		c->type = COL_REAL;
		return true;
	case OFTString:
		c->type = COL_TEXT;
		c->infer = true;
		return true;
	case OFTDate:
		c->type = COL_DATE;
		return true;
	case OFTDateTime:
		c->type = COL_TIMESTAMP;
		return true;
	case OFTTime:
		c->type = COL_TEXT;
		return true;
	default:
		return false;
	}
}

static bool read_columns(struct gdal_driver *g, char *errbuf)
{
	OGRFeatureDefnH defn = OGR_L_GetLayerDefn(g->layer);
	int n = OGR_FD_GetFieldCount(defn), i;

	g->base.columns = xcalloc((size_t)n, sizeof *g->base.columns);
	for (i = 0; i < n; i++) {
		OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, i);
		struct driver_column *c = &g->base.columns[i];
		const char *alias = OGR_Fld_GetAlternativeNameRef(fd);

		if (!map_field_type(fd, c)) {
			util_seterr(errbuf, "column \"%s\" of source \"%s\" has "
				    "type %s, which odp cannot publish",
				    OGR_Fld_GetNameRef(fd), g->path,
				    OGR_GetFieldTypeName(OGR_Fld_GetType(fd)));
			return false;
		}
		c->source_name = xstrdup(OGR_Fld_GetNameRef(fd));
		c->label = alias && *alias ? xstrdup(alias) : NULL;
		g->base.n_columns++;
	}
	return true;
}

static int gdal_next(struct driver *d, char *errbuf)
{
	struct gdal_driver *g = (struct gdal_driver *)d;

	if (g->feature)
		OGR_F_Destroy(g->feature);
	CPLErrorReset();
	g->feature = OGR_L_GetNextFeature(g->layer);
	if (!g->feature) {
		if (CPLGetLastErrorType() >= CE_Failure) {
			util_seterr(errbuf, "could not read source \"%s\" after "
				    "feature %lld: %s", g->path,
				    (long long)g->n_read, gdal_error("read error"));
			return ODP_ERR_SOURCE;
		}
		return 0;
	}
	g->n_read++;
	return 1;
}

static const char *gdal_value(struct driver *d, size_t i, const char **reject)
{
	struct gdal_driver *g = (struct gdal_driver *)d;
	const struct driver_column *c = &d->columns[i];
	OGRFeatureH f = g->feature;
	int field = (int)i, y, m, day, h, mi, tz;
	float s;
	double x;

	(void)reject;
	if (!OGR_F_IsFieldSetAndNotNull(f, field))
		return NULL;
	if (c->infer)
		return OGR_F_GetFieldAsString(f, field);
	sb_reset(&g->value);
	switch (c->type) {
	case COL_INTEGER:
		sb_printf(&g->value, "%lld",
			  (long long)OGR_F_GetFieldAsInteger64(f, field));
		break;
	case COL_BOOLEAN:
		sb_puts(&g->value,
			OGR_F_GetFieldAsInteger(f, field) ? "true" : "false");
		break;
	case COL_REAL:
		x = OGR_F_GetFieldAsDouble(f, field);
		if (!isfinite(x))
			return NULL;
		{
			char num[32];
			util_format_double(x, num, sizeof num);
			sb_puts(&g->value, num);
		}
		break;
	case COL_DATE:
	case COL_TIMESTAMP:
		if (!OGR_F_GetFieldAsDateTimeEx(f, field, &y, &m, &day, &h, &mi,
						&s, &tz))
			return NULL;
		if (c->type == COL_DATE) {
			sb_printf(&g->value, "%04d-%02d-%02d", y, m, day);
			break;
		}
		sb_printf(&g->value, "%04d-%02d-%02dT%02d:%02d:%06.3f", y, m,
			  day, h, mi, (double)s);
		/* OGR's zone flag: 100 is UTC, each step is 15 minutes. */
		if (tz >= 2) {
			int off = (tz - 100) * 15;
			sb_printf(&g->value, "%c%02d:%02d", off < 0 ? '-' : '+',
				  abs(off) / 60, abs(off) % 60);
		}
		break;
	default:
		return OGR_F_GetFieldAsString(f, field);
	}
	return g->value.buf;
}

static OGRGeometryH gdal_take_geometry(struct driver *d)
{
	struct gdal_driver *g = (struct gdal_driver *)d;
	return OGR_F_StealGeometry(g->feature);
}

static int64_t gdal_record_id(struct driver *d)
{
	struct gdal_driver *g = (struct gdal_driver *)d;
	GIntBig fid = OGR_F_GetFID(g->feature);
	return fid == OGRNullFID ? -1 : (int64_t)fid;
}

static bool gdal_rewind(struct driver *d, char *errbuf)
{
	struct gdal_driver *g = (struct gdal_driver *)d;

	(void)errbuf;
	OGR_L_ResetReading(g->layer);
	g->n_read = 0;
	return true;
}

static int64_t gdal_count(struct driver *d)
{
	struct gdal_driver *g = (struct gdal_driver *)d;
	return OGR_L_GetFeatureCount(g->layer, FALSE);
}

static void gdal_close(struct driver *d)
{
	struct gdal_driver *g = (struct gdal_driver *)d;

	if (!d)
		return;
	if (g->feature)
		OGR_F_Destroy(g->feature);
	if (g->result_set && g->layer)
		GDALDatasetReleaseResultSet(g->ds, g->layer);
	if (g->ds)
		GDALClose(g->ds);
	sb_free(&g->value);
	free(g->name);
	driver_free_base(d);
	free(g);
}

static const struct driver_ops gdal_ops = {
	gdal_next,   gdal_value,  gdal_take_geometry, gdal_record_id,
	gdal_rewind, gdal_count,  gdal_close,
};

struct driver *driver_gdal_open(const struct job *job, char *errbuf)
{
	struct gdal_driver *g = xcalloc(1, sizeof *g);
	OGRSpatialReferenceH srs;

	g->base.ops = &gdal_ops;
	g->path = job->source.resolved_path;
	sb_init(&g->value, 0);
	if (!(shapefile_without_cpg(g->path) && !job_has_open_option(job, "ENCODING")
		      ? open_shapefile_encoding(g, job, errbuf)
		      : open_layer(g, job, errbuf)) ||
	    !read_columns(g, errbuf)) {
		gdal_close(&g->base);
		return NULL;
	}
	g->base.geometry_type = OGR_L_GetGeomType(g->layer);
	g->base.has_geometry = g->base.geometry_type != wkbNone;
	srs = OGR_L_GetSpatialRef(g->layer);
	if (srs)
		g->base.srs = OSRClone(srs);
	snprintf(g->base.description, sizeof g->base.description,
		 "driver %s, layer \"%s\"",
		 GDALGetDriverShortName(GDALGetDatasetDriver(g->ds)),
		 OGR_L_GetName(g->layer));
	return &g->base;
}

struct driver *driver_gdal_open_result(GDALDatasetH ds, OGRLayerH layer,
				       const char *name, char *errbuf)
{
	struct gdal_driver *g = xcalloc(1, sizeof *g);
	OGRSpatialReferenceH srs;

	g->base.ops = &gdal_ops;
	g->ds = ds;
	g->layer = layer;
	g->result_set = true;
	g->name = xstrdup(name);
	g->path = g->name;
	sb_init(&g->value, 0);
	if (!read_columns(g, errbuf)) {
		gdal_close(&g->base);
		return NULL;
	}
	g->base.has_geometry = OGR_L_GetGeomType(layer) != wkbNone;
	srs = OGR_L_GetSpatialRef(layer);
	if (srs)
		g->base.srs = OSRClone(srs);
	snprintf(g->base.description, sizeof g->base.description,
		 "driver %s, sql source \"%.200s\"",
		 GDALGetDriverShortName(GDALGetDatasetDriver(ds)), name);
	return &g->base;
}
