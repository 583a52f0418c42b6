/*
 * export.c: the GeoJSON and CSV exports of a version (see export.h).
 *
 * export_open() reads the version's columns from the catalogue, writes
 * the heads and starts
 *
 *   COPY (SELECT t._id, <columns>, t.geom FROM data.<version> t
 *         ORDER BY t._rownum) TO STDOUT (FORMAT binary)
 *
 * in the index's order: a table loaded by COPY is not stored in _rownum
 * order (each batch of rows may start in a page left half full).
 * export_open_load() renders the same rows from the stream that loaded
 * them instead, which export_feed() cuts into messages.
 *
 * Every value arrives binary and is written by export_text.c, geometries
 * from their EWKB by export_geom.c, which costs the server less than its
 * text output and depends on none of the session's settings (DateStyle,
 * TimeZone, extra_float_digits).  Each row is split into its fields once,
 * its scalars formatted once, and rendered into every format wanted.
 *
 * The settings of the COPY are SET LOCAL: jit off (compiling a plain
 * scan costs more than it saves), enable_sort off (the _rownum index
 * gives the order; a fresh table without statistics must not be sorted
 * on disk instead), statement_timeout 0 (the COPY lasts as long as a
 * download; a stalled client is cut by the HTTP server's timeout).
 */
#include "export.h"

#include "db.h"
#include "export_geom.h"
#include "export_text.h"
#include "sb.h"
#include "util.h"

#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum kind { K_INTEGER, K_REAL, K_TEXT, K_DATE, K_TIMESTAMP, K_BOOLEAN };

struct column {
	enum kind kind;
	char *key;       /* the GeoJSON member's name, quoted, with ':' */
	size_t key_len;
};

/* A field of the row being rendered.  Integers, dates and timestamps
 * are formatted once into the row's scratch buffer (text, text_len) and
 * copied into each format. */
struct field {
	const unsigned char *p;
	int32_t len;     /* -1: NULL */
	size_t text;     /* offset in scratch */
	size_t text_len;
};

struct export {
	PGconn *conn;                  /* borrowed */
	struct export_sink sinks[EXPORT_N_FORMATS];
	struct export_buf out[EXPORT_N_FORMATS];
	size_t chunk;
	struct column *cols;           /* the dataset's columns */
	int n_cols;
	struct field *fields;          /* _id, columns, geom */
	int n_fields;
	struct export_buf scratch;     /* the row's formatted scalars */
	/* The row's geometry when it is a point: its coordinates formatted
	 * once in scratch, for the GeoJSON and the three CSV columns. */
	bool point, point_flat;
	size_t x_off, x_len, y_off, y_len;
	bool copying;                  /* the COPY has not ended */
	bool load_stream;              /* rows come from export_feed(), with
					  _rownum after _id */
	bool seen_header;              /* of the binary COPY stream */
	bool done;
	int64_t n_rows;
	char errbuf[ODP_ERRBUF_SIZE];
};

static const char geojson_head[] =
	"{\"type\":\"FeatureCollection\",\"features\":[";
static const char geojson_tail[] = "]}";
static const char copy_signature[11] = "PGCOPY\n\377\r\n";

const char *export_media_type(enum export_format f)
{
	return f == EXPORT_CSV ? "text/csv" : "application/geo+json";
}

const char *export_extension(enum export_format f)
{
	return f == EXPORT_CSV ? "csv" : "geojson";
}

static bool wants(const struct export *e, enum export_format f)
{
	return e->sinks[f].write != NULL;
}

/* Runs sql, expecting status; on failure sets errbuf and sqlstate. */
static PGresult *run(PGconn *conn, const char *sql, int n, const char *const *p,
		     ExecStatusType status, char *errbuf, char sqlstate[6])
{
	/* PQexec for several statements, which PQexecParams refuses. */
	PGresult *res = n ? PQexecParams(conn, sql, n, NULL, p, NULL, NULL, 0)
			  : PQexec(conn, sql);
	const char *state, *msg;
	int len;

	if (PQresultStatus(res) == status)
		return res;
	state = PQresultErrorField(res, PG_DIAG_SQLSTATE);
	msg = PQresultErrorMessage(res);
	if (!*msg)
		msg = PQerrorMessage(conn);
	len = (int)strcspn(msg, "\n");
	util_seterr(errbuf, "could not export: %.*s", len,
		    len ? msg : "no message from the database");
	util_strlcpy(sqlstate, state ? state : "", 6);
	PQclear(res);
	return NULL;
}

/* ---- rows ---- */

static bool damaged(struct export *e, const char *what)
{
	util_seterr(e->errbuf, "could not export row %lld: %s",
		    (long long)e->n_rows + 1, what);
	return false;
}

/* When the row's geometry is a point, formats its coordinates into
 * e->scratch. */
static bool format_point(struct export *e)
{
	const struct field *geom = &e->fields[e->n_cols + 1];
	struct export_buf *b = &e->scratch;
	double x, y;

	e->point = geom->len >= 0 &&
		   export_point_xy(geom->p, (size_t)geom->len, &x, &y,
				   &e->point_flat);
	if (!e->point)
		return true;
	e->x_off = b->len;
	if (!export_put_coord(b, x))
		return damaged(e, "a coordinate is not a finite number");
	e->x_len = b->len - e->x_off;
	e->y_off = b->len;
	if (!export_put_coord(b, y))
		return damaged(e, "a coordinate is not a finite number");
	e->y_len = b->len - e->y_off;
	return true;
}

/* Checks the sizes of the fixed-size values and formats the integers,
 * dates, timestamps and point coordinates of the row into e->scratch. */
static bool format_scalars(struct export *e)
{
	struct export_buf *b = &e->scratch;
	char tmp[24];
	uint64_t u;
	int i;

	b->len = 0;
	for (i = 0; i < e->n_cols; i++) {
		struct field *f = &e->fields[i + 1];
		enum kind kind = e->cols[i].kind;
		int32_t want = kind == K_INTEGER || kind == K_REAL ||
				       kind == K_TIMESTAMP ? 8
			     : kind == K_DATE ? 4 : kind == K_BOOLEAN ? 1 : -1;
		double d;

		if (f->len < 0 || want < 0)
			continue;
		if (f->len != want)
			return damaged(e, "a value does not have the size of "
					  "its type");
		f->text = b->len;
		switch (kind) {
		case K_INTEGER:
			export_buf_put(b, tmp, util_format_int64(
						       (int64_t)export_be64(f->p), tmp));
			break;
		case K_REAL:
			u = export_be64(f->p);
			memcpy(&d, &u, sizeof d);
			if (isnan(d))
				export_buf_lit(b, "NaN");
			else if (isinf(d) && d > 0)
				export_buf_lit(b, "Infinity");
			else if (isinf(d))
				export_buf_lit(b, "-Infinity");
			else
				export_put_real(b, d);
			break;
		case K_DATE:
			export_put_date(b, f->p);
			break;
		case K_TIMESTAMP:
			export_put_timestamp(b, f->p);
			break;
		default:
			break;
		}
		f->text_len = b->len - f->text;
	}
	return format_point(e);
}

/* The field's value in JSON. */
static void put_json_value(struct export *e, struct export_buf *b,
			   enum kind kind, const struct field *f)
{
	const unsigned char *p = f->p;
	const char *text = e->scratch.buf + f->text;

	if (f->len < 0) {
		export_buf_lit(b, "null");
		return;
	}
	switch (kind) {
	case K_INTEGER:
		export_buf_put(b, text, f->text_len);
		break;
	case K_REAL:
		/* NaN and the infinities are no JSON numbers: strings, as
		 * PostgreSQL's row_to_json writes them. */
		if (text[0] == 'N' || text[0] == 'I' ||
		    (f->text_len > 1 && text[1] == 'I')) {
			export_buf_putc(b, '"');
			export_buf_put(b, text, f->text_len);
			export_buf_putc(b, '"');
		} else {
			export_buf_put(b, text, f->text_len);
		}
		break;
	case K_BOOLEAN:
		if (*p)
			export_buf_lit(b, "true");
		else
			export_buf_lit(b, "false");
		break;
	case K_DATE:
	case K_TIMESTAMP:
		export_buf_putc(b, '"');
		export_buf_put(b, text, f->text_len);
		export_buf_putc(b, '"');
		break;
	case K_TEXT:
		export_put_json_string(b, p, (size_t)f->len);
		break;
	}
}

/* The field's value in CSV: nothing for NULL. */
static void put_csv_value(struct export *e, struct export_buf *b,
			  enum kind kind, const struct field *f)
{
	if (f->len < 0)
		return;
	switch (kind) {
	case K_INTEGER:
	case K_REAL:
	case K_DATE:
	case K_TIMESTAMP:
		export_buf_put(b, e->scratch.buf + f->text, f->text_len);
		break;
	case K_BOOLEAN:
		if (*f->p)
			export_buf_lit(b, "true");
		else
			export_buf_lit(b, "false");
		break;
	case K_TEXT:
		export_put_csv_text(b, f->p, (size_t)f->len);
		break;
	}
}

/* The point's coordinates from e->scratch, separated by sep. */
static void put_x_y(struct export *e, struct export_buf *b, char sep)
{
	export_buf_put(b, e->scratch.buf + e->x_off, e->x_len);
	export_buf_putc(b, sep);
	export_buf_put(b, e->scratch.buf + e->y_off, e->y_len);
}

static bool render_geojson(struct export *e, struct export_buf *b)
{
	const struct field *id = &e->fields[0];
	const struct field *geom = &e->fields[e->n_cols + 1];
	char why[ODP_ERRBUF_SIZE];
	int i;

	if (e->n_rows > 0)
		export_buf_putc(b, ',');
	export_buf_lit(b, "{\"type\":\"Feature\",\"id\":");
	if (id->len < 0)
		export_buf_lit(b, "null");
	else
		export_put_json_string(b, id->p, (size_t)id->len);
	export_buf_lit(b, ",\"geometry\":");
	if (geom->len < 0) {
		export_buf_lit(b, "null");
	} else if (e->point && e->point_flat) {
		export_buf_lit(b, "{\"type\":\"Point\",\"coordinates\":[");
		put_x_y(e, b, ',');
		export_buf_lit(b, "]}");
	} else if (!export_geojson(b, geom->p, (size_t)geom->len, why)) {
		return damaged(e, why);
	}
	export_buf_lit(b, ",\"properties\":{");
	for (i = 0; i < e->n_cols; i++) {
		export_buf_put(b, e->cols[i].key, e->cols[i].key_len);
		put_json_value(e, b, e->cols[i].kind, &e->fields[i + 1]);
	}
	export_buf_lit(b, "}}");
	return true;
}

static bool render_csv(struct export *e, struct export_buf *b)
{
	const struct field *geom = &e->fields[e->n_cols + 1];
	char why[ODP_ERRBUF_SIZE];
	int i;

	for (i = 0; i < e->n_cols; i++) {
		if (i > 0)
			export_buf_putc(b, ',');
		put_csv_value(e, b, e->cols[i].kind, &e->fields[i + 1]);
	}
	/* longitude, latitude: of a point; wkt: of any geometry, always
	 * quoted (WKT has commas). */
	if (e->n_cols > 0)
		export_buf_putc(b, ',');
	if (e->point)
		put_x_y(e, b, ',');
	else
		export_buf_putc(b, ',');
	export_buf_putc(b, ',');
	if (e->point && e->point_flat) {
		export_buf_lit(b, "\"POINT(");
		put_x_y(e, b, ' ');
		export_buf_lit(b, ")\"");
	} else if (geom->len >= 0) {
		export_buf_putc(b, '"');
		if (!export_wkt(b, geom->p, (size_t)geom->len, why))
			return damaged(e, why);
		export_buf_putc(b, '"');
	}
	export_buf_lit(b, "\r\n");
	return true;
}

/* Splits one message of the COPY stream into e->fields and renders it
 * (the end-of-data marker has no row). */
static bool take_row(struct export *e, const unsigned char *p, size_t len)
{
	const unsigned char *end = p + len;
	int n_fields = e->n_fields, i, k;
	int16_t count;

	if (!e->seen_header) {
		if (len < 19 || memcmp(p, copy_signature, 11) != 0)
			return damaged(e, "the COPY stream has no header");
		if ((size_t)(end - p - 19) < export_be32(p + 15))
			return damaged(e, "the COPY header is truncated");
		p += 19 + export_be32(p + 15);
		e->seen_header = true;
		if (p == end)
			return true;
	}
	if (end - p < 2)
		return damaged(e, "truncated COPY data");
	count = (int16_t)((p[0] << 8) | p[1]);
	p += 2;
	if (count == -1)
		return true;
	if (count != n_fields + e->load_stream)
		return damaged(e, "unexpected number of fields");
	for (i = k = 0; i < count; i++) {
		struct field f;
		if (end - p < 4)
			return damaged(e, "truncated COPY data");
		f.len = (int32_t)export_be32(p);
		p += 4;
		f.p = p;
		if (f.len >= 0 && end - p < f.len)
			return damaged(e, "truncated COPY data");
		if (f.len > 0)
			p += f.len;
		/* The load's _rownum is the row's place, not a value. */
		if (e->load_stream && i == 1)
			continue;
		e->fields[k].len = f.len;
		e->fields[k].p = f.p;
		k++;
	}
	if (!format_scalars(e) ||
	    (wants(e, EXPORT_GEOJSON) &&
	     !render_geojson(e, &e->out[EXPORT_GEOJSON])) ||
	    (wants(e, EXPORT_CSV) && !render_csv(e, &e->out[EXPORT_CSV])))
		return false;
	e->n_rows++;
	return true;
}

/* ---- setting up ---- */

static enum kind kind_of(const char *type)
{
	static const struct {
		const char *name;
		enum kind kind;
	} kinds[] = {
		{"integer", K_INTEGER}, {"real", K_REAL},
		{"date", K_DATE},       {"timestamp", K_TIMESTAMP},
		{"boolean", K_BOOLEAN},
	};
	size_t i;

	for (i = 0; i < sizeof kinds / sizeof kinds[0]; i++)
		if (strcmp(type, kinds[i].name) == 0)
			return kinds[i].kind;
	/* text, and any type of later versions of odp: read as text. */
	return K_TEXT;
}

/* A generated CSV column's name: name, or "_name" when the dataset has a
 * column called so. */
static void put_csv_name(struct export *e, const PGresult *cols,
			 const char *name)
{
	struct export_buf *b = &e->out[EXPORT_CSV];
	int i;

	if (b->len > 0)
		export_buf_putc(b, ',');
	for (i = 0; i < e->n_cols; i++)
		if (strcmp(PQgetvalue(cols, i, 1), name) == 0) {
			export_buf_putc(b, '_');
			break;
		}
	export_buf_put(b, name, strlen(name));
}

/* The CSV header; e->out[EXPORT_CSV] is empty. */
static void csv_header(struct export *e, const PGresult *cols)
{
	struct export_buf *b = &e->out[EXPORT_CSV];
	const char *name;
	int i;

	for (i = 0; i < e->n_cols; i++) {
		name = PQgetvalue(cols, i, 1);
		if (i > 0)
			export_buf_putc(b, ',');
		export_put_csv_text(b, (const unsigned char *)name, strlen(name));
	}
	put_csv_name(e, cols, "longitude");
	put_csv_name(e, cols, "latitude");
	put_csv_name(e, cols, "wkt");
	export_buf_lit(b, "\r\n");
}

/* The COPY statement, from the catalogue's names (rows of cols). */
static char *copy_sql(struct export *e, const PGresult *cols,
		      const char *table, char *errbuf)
{
	struct sb sql;
	char *ident;
	int i;

	sb_init(&sql, 0);
	sb_puts(&sql, "COPY (SELECT t._id");
	for (i = 0; i < e->n_cols; i++) {
		ident = db_quote_ident(e->conn, NULL, PQgetvalue(cols, i, 1));
		if (!ident) {
			util_seterr(errbuf, "could not quote a column name");
			sb_free(&sql);
			return NULL;
		}
		sb_printf(&sql, ", t.%s", ident);
		free(ident);
	}
	sb_printf(&sql, ", t.geom FROM %s t ORDER BY t._rownum)"
			" TO STDOUT (FORMAT binary)", table);
	if (sb_failed(&sql)) {
		util_seterr(errbuf, "the export query for %d columns is too "
			    "long", e->n_cols);
		sb_free(&sql);
		return NULL;
	}
	return sb_steal(&sql);
}

/* Reads the columns and prepares the heads; returns the COPY statement
 * or NULL. */
static char *prepare(struct export *e, int64_t version_id, char *errbuf,
		     char sqlstate[6])
{
	char ver[24], *table = NULL, *sql = NULL;
	const char *p[1] = {ver};
	PGresult *cols;
	struct sb key;
	int i;

	util_format_int64(version_id, ver);
	cols = run(e->conn,
		   "SELECT v.table_name, c.name, c.type"
		   " FROM dataset_versions v"
		   " LEFT JOIN dataset_columns c ON c.version_id = v.id"
		   " WHERE v.id = $1::int8 ORDER BY c.position",
		   1, p, PGRES_TUPLES_OK, errbuf, sqlstate);
	if (!cols)
		return NULL;
	if (PQntuples(cols) == 0) {
		util_seterr(errbuf, "could not export version %s: no such "
			    "version", ver);
		goto out;
	}
	e->n_cols = PQgetisnull(cols, 0, 1) ? 0 : PQntuples(cols);
	e->cols = xcalloc((size_t)e->n_cols + 1, sizeof *e->cols);
	e->n_fields = e->n_cols + 2;
	e->fields = xcalloc((size_t)e->n_fields, sizeof *e->fields);
	sb_init(&key, 0);
	for (i = 0; i < e->n_cols; i++) {
		sb_reset(&key);
		if (i > 0)
			sb_putc(&key, ',');
		sb_put_json_string(&key, PQgetvalue(cols, i, 1));
		sb_putc(&key, ':');
		e->cols[i].key_len = key.len;
		e->cols[i].key = sb_steal(&key);
		e->cols[i].kind = kind_of(PQgetvalue(cols, i, 2));
	}
	sb_free(&key);
	table = db_quote_ident(e->conn, "data", PQgetvalue(cols, 0, 0));
	if (!table) {
		util_seterr(errbuf, "could not quote a table name");
		goto out;
	}
	if (wants(e, EXPORT_CSV))
		csv_header(e, cols);
	if (wants(e, EXPORT_GEOJSON))
		export_buf_lit(&e->out[EXPORT_GEOJSON], geojson_head);
	sql = copy_sql(e, cols, table, errbuf);
out:
	free(table);
	PQclear(cols);
	return sql;
}

struct export *export_open(PGconn *conn, int64_t version_id,
			   const struct export_sink sinks[EXPORT_N_FORMATS],
			   size_t chunk, char *errbuf, char sqlstate[6])
{
	struct export *e = xcalloc(1, sizeof *e);
	PGresult *res;
	char *sql = NULL;

	sqlstate[0] = '\0';
	e->conn = conn;
	memcpy(e->sinks, sinks, sizeof e->sinks);
	e->chunk = chunk ? chunk : 1;
	res = run(conn,
		  "SET LOCAL jit = off;"
		  " SET LOCAL enable_sort = off;"
		  " SET LOCAL statement_timeout = 0",
		  0, NULL, PGRES_COMMAND_OK, errbuf, sqlstate);
	if (!res)
		goto fail;
	PQclear(res);
	sql = prepare(e, version_id, errbuf, sqlstate);
	if (!sql)
		goto fail;
	res = run(conn, sql, 0, NULL, PGRES_COPY_OUT, errbuf, sqlstate);
	free(sql);
	if (!res)
		goto fail;
	PQclear(res);
	e->copying = true;
	return e;
fail:
	export_close(e);
	return NULL;
}

/* Hands what each format has to its sink. */
static void flush(struct export *e)
{
	int f;

	for (f = 0; f < EXPORT_N_FORMATS; f++) {
		if (!wants(e, f) || e->out[f].len == 0)
			continue;
		e->sinks[f].write(e->sinks[f].cls, e->out[f].buf,
				  e->out[f].len);
		e->out[f].len = 0;
	}
}

static bool chunk_ready(const struct export *e)
{
	int f;

	for (f = 0; f < EXPORT_N_FORMATS; f++)
		if (wants(e, f) && e->out[f].len >= e->chunk)
			return true;
	return false;
}

/* The COPY has ended: its status, then the tails. */
static bool finish(struct export *e)
{
	PGresult *res;
	bool ok = true;

	e->copying = false;
	while ((res = PQgetResult(e->conn)) != NULL) {
		if (ok && PQresultStatus(res) != PGRES_COMMAND_OK) {
			util_seterr(e->errbuf, "could not export: %s",
				    PQresultErrorMessage(res));
			ok = false;
		}
		PQclear(res);
	}
	if (!ok)
		return false;
	if (wants(e, EXPORT_GEOJSON))
		export_buf_lit(&e->out[EXPORT_GEOJSON], geojson_tail);
	e->done = true;
	return true;
}

int export_step(struct export *e, char *errbuf)
{
	char *row;
	int len;
	bool ok;

	if (e->done)
		return 0;
	while (e->copying && !chunk_ready(e)) {
		len = PQgetCopyData(e->conn, &row, 0);
		if (len > 0) {
			ok = take_row(e, (const unsigned char *)row,
				      (size_t)len);
			PQfreemem(row);
			if (!ok)
				goto fail;
			continue;
		}
		if (len == -1) {
			if (!finish(e))
				goto fail;
			break;
		}
		util_seterr(e->errbuf, "could not export: %s",
			    PQerrorMessage(e->conn));
		goto fail;
	}
	flush(e);
	return e->done ? 0 : 1;
fail:
	util_strlcpy(errbuf, e->errbuf, ODP_ERRBUF_SIZE);
	return -1;
}

struct export *export_open_load(PGconn *conn, int64_t version_id,
				const struct export_sink sinks[EXPORT_N_FORMATS],
				size_t chunk, char *errbuf)
{
	struct export *e = xcalloc(1, sizeof *e);
	char sqlstate[6];
	char *sql;

	e->conn = conn;
	memcpy(e->sinks, sinks, sizeof e->sinks);
	e->chunk = chunk ? chunk : 1;
	e->load_stream = true;
	sql = prepare(e, version_id, errbuf, sqlstate);
	if (!sql) {
		export_close(e);
		return NULL;
	}
	free(sql);
	e->conn = NULL;
	return e;
}

/* The length of the message at p[0..len) of a binary COPY stream: the
 * header, a row or the end marker; 0 when it is not all there yet, -1
 * when it cannot be one. */
static int64_t message_length(const struct export *e, const unsigned char *p,
			      size_t len)
{
	size_t n = 2;
	int16_t count;
	int32_t field;
	int i;

	if (!e->seen_header) {
		if (len < 19)
			return 0;
		if (memcmp(p, copy_signature, 11) != 0)
			return -1;
		return len - 19 < export_be32(p + 15)
			       ? 0 : (int64_t)(19 + export_be32(p + 15));
	}
	if (len < 2)
		return 0;
	count = (int16_t)((p[0] << 8) | p[1]);
	if (count == -1)
		return 2;
	for (i = 0; i < count; i++) {
		if (len - n < 4)
			return 0;
		field = (int32_t)export_be32(p + n);
		n += 4;
		if (field > 0) {
			if (len - n < (size_t)field)
				return 0;
			n += (size_t)field;
		}
	}
	return (int64_t)n;
}

int64_t export_feed(struct export *e, const unsigned char *p, size_t len,
		    char *errbuf)
{
	size_t used = 0;
	int64_t n;

	while (!e->done && used < len) {
		n = message_length(e, p + used, len - used);
		if (n == 0)
			break;
		if (n < 0) {
			damaged(e, "the COPY stream has no header");
			goto fail;
		}
		if (!e->seen_header) {
			e->seen_header = true;
		} else if (n == 2 && p[used] == 0xff && p[used + 1] == 0xff) {
			if (wants(e, EXPORT_GEOJSON))
				export_buf_lit(&e->out[EXPORT_GEOJSON],
					       geojson_tail);
			e->done = true;
		} else if (!take_row(e, p + used, (size_t)n)) {
			goto fail;
		}
		used += (size_t)n;
		if (e->done || chunk_ready(e))
			flush(e);
	}
	return (int64_t)used;
fail:
	util_strlcpy(errbuf, e->errbuf, ODP_ERRBUF_SIZE);
	return -1;
}

bool export_done(const struct export *e)
{
	return e->done;
}

int64_t export_rows(const struct export *e)
{
	return e->n_rows;
}

void export_close(struct export *e)
{
	PGresult *res;
	char *row;
	int f;

	if (!e)
		return;
	if (e->copying) {
		PGcancel *c = PQgetCancel(e->conn);
		char buf[256];

		if (c) {
			PQcancel(c, buf, sizeof buf);
			PQfreeCancel(c);
		}
		while (PQgetCopyData(e->conn, &row, 0) > 0)
			PQfreemem(row);
		while ((res = PQgetResult(e->conn)) != NULL)
			PQclear(res);
	}
	for (f = 0; f < EXPORT_N_FORMATS; f++)
		free(e->out[f].buf);
	free(e->scratch.buf);
	for (int i = 0; i < e->n_cols; i++)
		free(e->cols[i].key);
	free(e->cols);
	free(e->fields);
	free(e);
}
