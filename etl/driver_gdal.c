/*
 * driver_gdal.c: sources GDAL/OGR opens (see driver.h).
 *
 * Every vector or table format of the machine's GDAL, local or remote
 * through GDAL's own HTTP access: GeoJSON, Shapefile, GeoPackage, CSV,
 * spreadsheets, WFS, OGC API Features, ArcGIS REST, ...  Typed OGR fields
 * are handed over in binary for the load (gdal_typed) and rendered as
 * PostgreSQL text input where text is wanted (gdal_value); string fields
 * are handed over as they are, for source.c to type.
 *
 * Where GDAL (3.6, Debian 12) reads a source silently wrong, this file
 * refuses it or makes up for it: a shapefile without its .dbf and a CSV
 * with ragged rows are refused, the dates of ArcGIS REST layers (which GDAL
 * 3.6 gives as numbers of milliseconds) are read as timestamps, and curve
 * geometry types that hold straight lines only are made linear.
 */
#include "driver.h"

#include "csv_dialect.h"

#include "log.h"
#include "pgbin.h"
#include "sb.h"
#include "util.h"

#include <cpl_conv.h>
#include <cpl_csv.h>
#include <cpl_error.h>
#include <cpl_http.h>
#include <cpl_string.h>
#include <cpl_vsi.h>
#include <ctype.h>
#include <errno.h>
#include <gdal.h>
#include <jansson.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <time.h>

/* Largest ArcGIS REST answer read to learn the types of its fields. */
#define ESRI_JSON_MAX ((size_t)64 << 20)

/* Longest CSV line the ragged-row check reads: GDAL's own default. */
#define CSV_LINE_MAX 10000000

/* Ragged CSV rows quoted in the message. */
#define CSV_RAGGED_QUOTED 3

struct gdal_driver {
	struct driver base;
	const char *path;       /* borrowed from the job */
	char *copy;             /* what GDAL reads instead, or NULL (owned;
				   see csv_dialect.h) */
	GDALDatasetH ds;
	OGRLayerH layer;
	OGRFeatureH feature;    /* the current record */
	const char *encoding;   /* shapefile ENCODING open option, or NULL */
	bool *epoch_ms;         /* per column: an ArcGIS date that GDAL reads
				   as milliseconds since 1970; NULL when
				   there is none (owned) */
	OGRFieldType *ogr_types; /* per column: OGR's type (owned) */
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

/* GDAL's error handler while a source is opened: failures are gathered
 * into the struct sb given as user data, since GDAL often states the cause
 * first ("At line 99, character 8: Unterminated string") and a summary
 * last ("Failed to read GeoJSON data"), and the last message alone would
 * lose the cause.  Other messages go to the log, as source.c's handler
 * sends them. */
static void CPL_STDCALL collect_errors(CPLErr level, CPLErrorNum num,
				       const char *msg)
{
	struct sb *errors = CPLGetErrorHandlerUserData();

	(void)num;
	if (level == CE_Warning)
		log_warn("GDAL: %s", msg);
	else if (level < CE_Failure)
		log_debug("GDAL: %s", msg);
	else if (!errors->buf || !strstr(errors->buf, msg))
		sb_printf(errors, "%s%s", errors->len ? "; " : "", msg);
}

/* A plain file name, as opposed to "/vsicurl/...", "PG:..." or a URL. */
static bool is_local_path(const char *path)
{
	return strncmp(path, "/vsi", 4) != 0 && strchr(path, ':') == NULL;
}

static bool is_shapefile(const char *path)
{
	size_t len = strlen(path);
	return len >= 4 && strcasecmp(path + len - 4, ".shp") == 0;
}

/* True when the file of a shapefile's set with extension ext (three
 * lowercase letters), in lower or upper case, is beside path. */
static bool sidecar_exists(const char *path, const char *ext)
{
	size_t len = strlen(path), k;
	struct stat st;
	char *p = xstrdup(path);
	bool found;

	memcpy(p + len - 3, ext, 3);
	found = stat(p, &st) == 0;
	for (k = 0; k < 3; k++)
		p[len - 3 + k] = (char)toupper((unsigned char)ext[k]);
	found = found || stat(p, &st) == 0;
	free(p);
	return found;
}

/* True when path is a shapefile with no ".cpg" beside it: then nothing
 * says how its text is encoded. */
static bool shapefile_without_cpg(const char *path)
{
	return is_shapefile(path) && !sidecar_exists(path, "cpg");
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
	struct sb errors;
	char **options = NULL;
	size_t i;

	if (is_local_path(g->path) && stat(g->path, &st) != 0) {
		util_seterr(errbuf, "could not open source \"%s\": %s", g->path,
			    strerror(errno));
		return false;
	}
	/* GDAL opens a .shp alone and gives its geometries without a single
	 * attribute: the dataset would lose its content without a word. */
	if (is_local_path(g->path) && is_shapefile(g->path) &&
	    !sidecar_exists(g->path, "dbf")) {
		util_seterr(errbuf, "could not open source \"%s\": its .dbf file, "
			    "which holds the attributes, is missing beside it",
			    g->path);
		return false;
	}
	for (i = 0; i < job->source.n_open_options; i++)
		options = CSLAddString(options, job->source.open_options[i]);
	if (g->encoding)
		options = CSLSetNameValue(options, "ENCODING", g->encoding);
	sb_init(&errors, ODP_ERRBUF_SIZE);
	CPLErrorReset();
	CPLPushErrorHandlerEx(collect_errors, &errors);
	g->ds = GDALOpenEx(g->copy ? g->copy : g->path,
			   GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL,
			   (const char *const *)options, NULL);
	CPLPopErrorHandler();
	CSLDestroy(options);
	if (!g->ds) {
		util_seterr(errbuf, "could not open source \"%s\": %s", g->path,
			    errors.len ? errors.buf
				       : "GDAL recognises no vector format in it");
		sb_free(&errors);
		return false;
	}
	sb_free(&errors);
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

/* True when every token is empty or blanks. */
static bool tokens_blank(char **tokens)
{
	for (; *tokens; tokens++)
		if ((*tokens)[strspn(*tokens, " \t")] != '\0')
			return false;
	return true;
}

/* Lines a record of the CSV tokenizer took: quoted values may hold line
 * breaks. */
static long long tokens_lines(char **tokens)
{
	long long n = 1;
	const char *p;

	for (; *tokens; tokens++)
		for (p = *tokens; (p = strchr(p, '\n')) != NULL; p++)
			n++;
	return n;
}

/* GDAL's CSV driver reads a row with too few fields as if the last ones
 * were empty, and drops the fields beyond the header's without a word: a
 * forgotten separator, or one inside a value that should have been quoted,
 * shifts values into the wrong columns.  This pass reads the file again
 * with GDAL's own CSV tokenizer and refuses it when a row's count of fields
 * is not the header's.  Fields beyond the header's that are all empty (a
 * trailing separator) and lines of blanks are let through: GDAL reads them
 * harmlessly.  The delimiter is the one of GDAL's (",", ";", tab, space)
 * that splits the header into the layer's fields; when none does (open
 * options that add or remove columns), the file is not checked.  A header
 * that only spaces split, or nothing, and that holds "|" is a
 * pipe-separated file, which GDAL 3.6 cannot read: refused too. */
static bool csv_check_rows(struct gdal_driver *g, const struct job *job,
			   char *errbuf)
{
	static const char delimiters[] = ",;\t ";
	int n_fields = OGR_FD_GetFieldCount(OGR_L_GetLayerDefn(g->layer));
	bool merge = false, ok = true;
	char delim[2] = {0, 0}, **tokens = NULL;
	long long line = 1, feature = 0, n_bad = 0;
	struct sb bad;
	VSILFILE *fp;
	size_t i, k;

	for (i = 0; i < job->source.n_open_options; i++)
		if (strncasecmp(job->source.open_options[i],
				"MERGE_SEPARATOR=", 16) == 0)
			merge = CPLTestBool(job->source.open_options[i] + 16);
	if (!(fp = VSIFOpenL(g->copy ? g->copy : g->path, "rb")))
		return true;
	for (k = 0; k < sizeof delimiters - 1 && !delim[0]; k++) {
		char sep[2] = {delimiters[k], 0};
		VSIFSeekL(fp, 0, SEEK_SET);
		tokens = CSVReadParseLine3L(fp, CSV_LINE_MAX, sep, true, false,
					    merge, true);
		if (tokens && CSLCount(tokens) == n_fields)
			delim[0] = sep[0];
		else
			CSLDestroy(tokens);
	}
	if (!delim[0]) {
		VSIFCloseL(fp);
		return true;
	}
	if (delim[0] == ' ' || n_fields == 1)
		for (i = 0; tokens[i] && ok; i++)
			ok = strchr(tokens[i], '|') == NULL;
	line += tokens_lines(tokens);
	CSLDestroy(tokens);
	if (!ok) {
		VSIFCloseL(fp);
		util_seterr(errbuf, "source \"%s\" separates its columns with "
			    "\"|\", which GDAL cannot read; save it with \";\", "
			    "\",\" or tabulations between the columns", g->path);
		return false;
	}
	sb_init(&bad, ODP_ERRBUF_SIZE);
	while ((tokens = CSVReadParseLine3L(fp, CSV_LINE_MAX, delim, true,
					    false, merge, true)) != NULL) {
		int n = CSLCount(tokens);
		if (n > 0)
			feature++;
		if (n > 0 && n != n_fields && !tokens_blank(tokens) &&
		    !(n > n_fields && tokens_blank(tokens + n_fields))) {
			if (++n_bad <= CSV_RAGGED_QUOTED)
				sb_printf(&bad, "%sfeature %lld (line %lld) has %d",
					  n_bad > 1 ? ", " : "", feature, line, n);
		}
		line += tokens_lines(tokens);
		CSLDestroy(tokens);
	}
	VSIFCloseL(fp);
	if (n_bad)
		util_seterr(errbuf, "source \"%s\" has %lld rows whose count of "
			    "fields is not the header's %d: %s%s (a separator is "
			    "missing, or one inside a value is not quoted)",
			    g->path, n_bad, n_fields, bad.buf ? bad.buf : "",
			    n_bad > CSV_RAGGED_QUOTED ? ", ..." : "");
	sb_free(&bad);
	return n_bad == 0;
}

/* The JSON of an ArcGIS REST answer (a URL, a file or the text itself, as
 * GDAL's ESRIJSON driver takes them), or NULL; the caller json_decref()s
 * it.  A URL is fetched through GDAL's own HTTP access, so that it sees
 * what the driver saw. */
static json_t *esri_answer(const char *path)
{
	json_t *root = NULL;

	if (strncasecmp(path, "ESRIJSON:", 9) == 0)
		path += 9;
	if (strncasecmp(path, "http://", 7) == 0 ||
	    strncasecmp(path, "https://", 8) == 0) {
		char max[48];
		char *options[] = {max, NULL};
		CPLHTTPResult *res;

		snprintf(max, sizeof max, "MAX_FILE_SIZE=%zu", ESRI_JSON_MAX);
		res = CPLHTTPFetch(path, options);
		if (res && res->nStatus == 0 && res->pabyData)
			root = json_loadb((const char *)res->pabyData,
					  (size_t)res->nDataLen, 0, NULL);
		CPLHTTPDestroyResult(res);
	} else if (*path == '{') {
		root = json_loads(path, 0, NULL);
	} else {
		GByte *buf = NULL;
		vsi_l_offset size = 0;
		if (VSIIngestFile(NULL, path, &buf, &size, (GIntBig)ESRI_JSON_MAX))
			root = json_loadb((const char *)buf, (size_t)size, 0, NULL);
		VSIFree(buf);
	}
	CPLErrorReset();
	return root;
}

/* GDAL 3.6's ESRIJSON driver reads esriFieldTypeDate fields as text
 * holding milliseconds since 1970 (GDAL 3.8 reads them as dates), and odp
 * would publish a column of big integers.  The answer's own "fields" say
 * which are dates: they become timestamp columns. */
static void esri_find_dates(struct gdal_driver *g)
{
	json_t *root = esri_answer(g->path), *field;
	size_t k, i;

	json_array_foreach(json_object_get(root, "fields"), k, field) {
		const char *name = json_string_value(json_object_get(field, "name"));
		const char *type = json_string_value(json_object_get(field, "type"));

		if (!name || !type || strcmp(type, "esriFieldTypeDate") != 0)
			continue;
		for (i = 0; i < g->base.n_columns; i++) {
			struct driver_column *c = &g->base.columns[i];
			if (!c->infer || strcmp(c->source_name, name) != 0)
				continue;
			if (!g->epoch_ms)
				g->epoch_ms = xcalloc(g->base.n_columns,
						      sizeof *g->epoch_ms);
			g->epoch_ms[i] = true;
			c->type = COL_TIMESTAMP;
			c->infer = false;
		}
	}
	json_decref(root);
}

/* "1346630400000", a date as ArcGIS writes it (milliseconds since 1970),
 * as a UTC timestamp for PostgreSQL in g->value, or NULL with *reject. */
static const char *epoch_ms_value(struct gdal_driver *g, const char *text,
				  const char **reject)
{
	int64_t ms, secs;
	int millis;
	time_t t;
	struct tm tm;

	if (!util_parse_int64(text, &ms)) {
		*reject = "a date that is not a number of milliseconds since 1970";
		return NULL;
	}
	secs = ms / 1000;
	millis = (int)(ms % 1000);
	if (millis < 0) {
		millis += 1000;
		secs--;
	}
	t = (time_t)secs;
	if (!gmtime_r(&t, &tm) || tm.tm_year + 1900 < 1 ||
	    tm.tm_year + 1900 > 9999) {
		*reject = "a date out of the years 1 to 9999";
		return NULL;
	}
	sb_reset(&g->value);
	sb_printf(&g->value, "%04d-%02d-%02dT%02d:%02d:%02d.%03d+00:00",
		  tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour,
		  tm.tm_min, tm.tm_sec, millis);
	return g->value.buf;
}

/* The same date as epoch_ms_value(), in microseconds since 2000. */
static int epoch_ms_typed(const char *text, struct driver_value *out,
			  const char **reject)
{
	/* Milliseconds of 0001-01-01 and of 10000-01-01 since 1970. */
	const int64_t first = INT64_C(-62135596800000);
	const int64_t end = INT64_C(253402300800000);
	int64_t ms;

	if (!util_parse_int64(text, &ms)) {
		*reject = "a date that is not a number of milliseconds since 1970";
		return 0;
	}
	if (ms < first || ms >= end) {
		*reject = "a date out of the years 1 to 9999";
		return 0;
	}
	out->u.us = (ms - INT64_C(946684800000)) * 1000;
	return 1;
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
	g->ogr_types = xcalloc(n ? (size_t)n : 1, sizeof *g->ogr_types);
	for (i = 0; i < n; i++) {
		OGRFieldDefnH fd = OGR_FD_GetFieldDefn(defn, i);
		struct driver_column *c = &g->base.columns[i];
		const char *alias = OGR_Fld_GetAlternativeNameRef(fd);

		g->ogr_types[i] = OGR_Fld_GetType(fd);
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

/* Hand-written digits: on a million rows of a dozen columns, printf's
 * format parsing is the largest cost of the load. */
static char *put_digits(char *p, unsigned long long v, int width)
{
	char tmp[24];
	int n = 0;

	do {
		tmp[n++] = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	while (n < width)
		tmp[n++] = '0';
	while (n)
		*p++ = tmp[--n];
	return p;
}

static void put_int64(struct sb *sb, long long v)
{
	char buf[24];
	size_t len = util_format_int64((int64_t)v, buf);

	sb_append(sb, buf, len);
}

/* "yyyy-mm-dd", and with time "yyyy-mm-ddThh:mm:ss[.fff]". */
static void put_date_time(struct sb *sb, int y, int m, int d, int h, int mi,
			  float s, bool with_time)
{
	char buf[40], *p = buf;
	int whole = (int)s, millis = (int)((s - (float)whole) * 1000.0f + 0.5f);

	if (y < 0 || y > 9999) {
		sb_printf(sb, "%04d-%02d-%02d", y, m, d);
		return;
	}
	p = put_digits(p, (unsigned)y, 4);
	*p++ = '-';
	p = put_digits(p, (unsigned)m, 2);
	*p++ = '-';
	p = put_digits(p, (unsigned)d, 2);
	if (with_time) {
		if (millis >= 1000)
			millis = 999;
		*p++ = 'T';
		p = put_digits(p, (unsigned)h, 2);
		*p++ = ':';
		p = put_digits(p, (unsigned)mi, 2);
		*p++ = ':';
		p = put_digits(p, (unsigned)whole, 2);
		if (millis) {
			*p++ = '.';
			p = put_digits(p, (unsigned)millis, 3);
		}
	}
	sb_append(sb, buf, (size_t)(p - buf));
}

static const char *gdal_value(struct driver *d, size_t i, const char **reject)
{
	struct gdal_driver *g = (struct gdal_driver *)d;
	const struct driver_column *c = &d->columns[i];
	OGRFeatureH f = g->feature;
	int field = (int)i, y, m, day, h, mi, tz;
	float s;
	double x;

	if (!OGR_F_IsFieldSetAndNotNull(f, field))
		return NULL;
	if (c->infer)
		return OGR_F_GetFieldAsString(f, field);
	if (g->epoch_ms && g->epoch_ms[i])
		return epoch_ms_value(g, OGR_F_GetFieldAsString(f, field),
				      reject);
	sb_reset(&g->value);
	switch (c->type) {
	case COL_INTEGER:
		put_int64(&g->value,
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
		/* Every digit PostgreSQL needs to read the same double back;
		 * it stores the double, whatever the text. */
		sb_printf(&g->value, "%.17g", x);
		break;
	case COL_DATE:
	case COL_TIMESTAMP:
		if (!OGR_F_GetFieldAsDateTimeEx(f, field, &y, &m, &day, &h, &mi,
						&s, &tz))
			return NULL;
		put_date_time(&g->value, y, m, day, h, mi, s,
			      c->type == COL_TIMESTAMP);
		if (c->type == COL_DATE)
			break;
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

/* gdal_value() without the text: the same values, in binary, read from
 * the feature's fields as OGR holds them (the columns' types come from
 * the OGR types, map_field_type()). */
static int gdal_typed(struct driver *d, size_t i, struct driver_value *out,
		      const char **reject)
{
	struct gdal_driver *g = (struct gdal_driver *)d;
	const struct driver_column *c = &d->columns[i];
	OGRFeatureH f = g->feature;
	int field = (int)i, y, m, day, h, mi, tz, whole, millis;
	OGRField *raw = OGR_F_GetRawFieldRef(f, field);
	float s;

	if (!raw || OGR_RawField_IsUnset(raw) || OGR_RawField_IsNull(raw))
		return 0;
	if (g->epoch_ms && g->epoch_ms[i])
		return epoch_ms_typed(OGR_F_GetFieldAsString(f, field), out,
				      reject);
	switch (c->type) {
	case COL_INTEGER:
	case COL_BOOLEAN:
		out->u.i = g->ogr_types[i] == OFTInteger64 ? raw->Integer64
							  : raw->Integer;
		if (c->type == COL_BOOLEAN)
			out->u.b = out->u.i != 0;
		return 1;
	case COL_REAL:
		out->u.d = raw->Real;
		return isfinite(out->u.d) ? 1 : 0;
	case COL_DATE:
	case COL_TIMESTAMP:
		y = raw->Date.Year;
		m = raw->Date.Month;
		day = raw->Date.Day;
		h = raw->Date.Hour;
		mi = raw->Date.Minute;
		s = raw->Date.Second;
		tz = raw->Date.TZFlag;
		/* What the text would not give PostgreSQL as it is goes the
		 * text's way, to be judged there. */
		if (y < 1 || y > 9999 || !pgbin_date_valid(y, m, day) ||
		    h < 0 || h > 23 || mi < 0 || mi > 59 || !(s >= 0 && s < 61))
			return -1;
		if (c->type == COL_DATE) {
			out->u.day = (int32_t)pgbin_days(y, m, day);
			return 1;
		}
		/* The milliseconds put_date_time() writes. */
		whole = (int)s;
		millis = (int)((s - (float)whole) * 1000.0f + 0.5f);
		if (millis >= 1000)
			millis = 999;
		/* OGR's zone flag: 100 is UTC, each step is 15 minutes; 0
		 * and 1 are local time. */
		return pgbin_timestamp(y, m, day, h, mi, whole,
				       (int64_t)millis * 1000,
				       tz >= 2 ? (tz - 100) * 15 * 60 : PGBIN_LOCAL,
				       &out->u.us) ? 1 : -1;
	default:
		out->text = OGR_F_GetFieldAsString(f, field);
		out->len = strlen(out->text);
		return 1;
	}
}

/* A WFS or GML schema, a GeoPackage or a FileGDB may declare curve types
 * (CurvePolygon, MultiSurface, CompoundCurve) for geometries that hold
 * straight lines only.  PostGIS would keep the curve type, which its
 * ST_AsGeoJSON cannot write: published geometries are linear. */
static OGRGeometryH gdal_take_geometry(struct driver *d)
{
	struct gdal_driver *g = (struct gdal_driver *)d;
	OGRGeometryH geom = OGR_F_StealGeometry(g->feature), linear;

	if (geom && OGR_G_HasCurveGeometry(geom, FALSE)) {
		linear = OGR_G_GetLinearGeometry(geom, 0, NULL);
		if (linear) {
			OGR_G_DestroyGeometry(geom);
			geom = linear;
		}
	}
	return geom;
}

static int64_t gdal_record_id(struct driver *d)
{
	struct gdal_driver *g = (struct gdal_driver *)d;
	GIntBig fid = OGR_F_GetFID(g->feature);
	return fid == OGRNullFID ? -1 : (int64_t)fid;
}

static void gdal_read_only(struct driver *d, const bool *needed,
			   bool geometry)
{
	struct gdal_driver *g = (struct gdal_driver *)d;
	char **ignored = NULL;
	size_t i;

	/* A web service's driver would ask the server for fewer properties,
	 * a request of its own: only files are read partially. */
	if (!is_local_path(g->path))
		return;
	for (i = 0; i < d->n_columns; i++)
		if (!needed[i])
			ignored = CSLAddString(ignored, d->columns[i].source_name);
	if (!geometry)
		ignored = CSLAddString(ignored, "OGR_GEOMETRY");
	/* Without support for it, the layer reads everything: slower, and
	 * still right. */
	OGR_L_SetIgnoredFields(g->layer, (const char **)ignored);
	CSLDestroy(ignored);
}

static bool gdal_rewind(struct driver *d, char *errbuf)
{
	struct gdal_driver *g = (struct gdal_driver *)d;

	(void)errbuf;
	OGR_L_SetIgnoredFields(g->layer, NULL);
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
	if (g->copy) {
		csv_remove_copy(g->copy);
		free(g->copy);
	}
	sb_free(&g->value);
	free(g->epoch_ms);
	free(g->ogr_types);
	free(g->name);
	driver_free_base(d);
	free(g);
}

static const struct driver_ops gdal_ops = {
	gdal_next,   gdal_value,  gdal_take_geometry, gdal_record_id,
	gdal_rewind, gdal_count,  gdal_close,         gdal_read_only,
	gdal_typed,
};

/* The job's GDAL configuration options, for this thread: odp-etl runs one
 * job at a time, and each scheduled run in a process of its own. */
static void set_config_options(const struct job *job)
{
	size_t i;

	for (i = 0; i < job->source.n_config_options; i++) {
		char *key = xstrdup(job->source.config_options[i]);
		char *eq = strchr(key, '=');
		*eq = '\0';
		CPLSetThreadLocalConfigOption(key, eq + 1);
		free(key);
	}
}

struct driver *driver_gdal_open(const struct job *job, char *errbuf)
{
	struct gdal_driver *g = xcalloc(1, sizeof *g);
	OGRSpatialReferenceH srs;
	const char *driver;

	g->base.ops = &gdal_ops;
	g->path = job->source.resolved_path;
	sb_init(&g->value, 0);
	set_config_options(job);
	if (is_local_path(g->path)) {
		g->copy = csv_copy_if_piped(g->path, errbuf);
		if (!g->copy && *errbuf) {
			gdal_close(&g->base);
			return NULL;
		}
	}
	if (!(shapefile_without_cpg(g->path) && !job_has_open_option(job, "ENCODING")
		      ? open_shapefile_encoding(g, job, errbuf)
		      : open_layer(g, job, errbuf)) ||
	    !read_columns(g, errbuf)) {
		gdal_close(&g->base);
		return NULL;
	}
	driver = GDALGetDriverShortName(GDALGetDatasetDriver(g->ds));
	if (strcmp(driver, "CSV") == 0 && is_local_path(g->path) &&
	    !csv_check_rows(g, job, errbuf)) {
		gdal_close(&g->base);
		return NULL;
	}
	if (strcmp(driver, "ESRIJSON") == 0)
		esri_find_dates(g);
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
	g->base.geometry_type = OGR_L_GetGeomType(layer);
	g->base.has_geometry = g->base.geometry_type != wkbNone;
	srs = OGR_L_GetSpatialRef(layer);
	if (srs)
		g->base.srs = OSRClone(srs);
	snprintf(g->base.description, sizeof g->base.description,
		 "driver %s, sql source \"%.200s\"",
		 GDALGetDriverShortName(GDALGetDatasetDriver(ds)), name);
	return &g->base;
}
