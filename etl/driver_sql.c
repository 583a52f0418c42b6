/*
 * driver_sql.c: a query against a service database (see driver.h).
 *
 * The job's query is the data referent's own SQL, run as it is written
 * against their service database; odp adds only the incremental
 * watermark, always as a $1 parameter.  Two engines:
 *
 *   PostgreSQL  when the connection is a libpq URI (postgresql://...), a
 *               key=value string, or GDAL's "PG:" form.  odp opens a
 *               connection of its own (never the catalogue's), reads in a
 *               READ ONLY, REPEATABLE READ transaction through a server-side
 *               cursor, FETCH_ROWS rows at a time, so that memory does not
 *               grow with the result.  Values are PostgreSQL's own text
 *               output, which is valid input for the catalogue; a PostGIS
 *               geometry or geography column becomes the record's geometry
 *               (its text output is hex EWKB, rewritten here as ISO WKB for
 *               OGR).
 *   GDAL        every other connection: a SQLite or GeoPackage file
 *               (relative to the job file), "MYSQL:...", "ODBC:...".  The
 *               query runs with GDALDatasetExecuteSQL() and its result
 *               layer is read by the GDAL driver (driver_gdal_open_result).
 *
 * Incremental runs (incremental.h) set job->source.incremental.since: the
 * PostgreSQL engine then reads SELECT * FROM (<query>) q WHERE q.<col> > $1
 * ORDER BY q.<col>; through GDAL only an integer watermark can be applied
 * safely (as an OGR attribute filter), anything else is refused.
 *
 * Secrets: the connection's ${VAR} references are expanded here and
 * nowhere else.  Messages name the connection as the job file writes it,
 * passwords replaced by "***", and every message that comes from libpq or
 * GDAL is scrubbed of the passwords the expanded connection holds before
 * it reaches errbuf or the log.
 */
#include "driver.h"

#include "log.h"
#include "sb.h"
#include "util.h"

#include <cpl_error.h>
#include <cpl_string.h>
#include <ctype.h>
#include <errno.h>
#include <gdal.h>
#include <libpq-fe.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>

/* Rows per FETCH: large enough to amortise the round trip, small enough
 * that a batch of wide rows stays a few megabytes. */
#define FETCH_ROWS 1000

/* The cursor's name; the connection is ours, so it cannot clash. */
#define CURSOR_NAME "odp_c"

#define STRINGIFY_(x) #x
#define STRINGIFY(x) STRINGIFY_(x)

/* Built-in type OIDs (pg_type.dat); they are fixed across versions. */
#define OID_BOOL 16
#define OID_INT8 20
#define OID_INT2 21
#define OID_INT4 23
#define OID_OID 26
#define OID_FLOAT4 700
#define OID_FLOAT8 701
#define OID_DATE 1082
#define OID_TIMESTAMP 1114
#define OID_TIMESTAMPTZ 1184
#define OID_NUMERIC 1700

/* PostGIS EWKB flags on the geometry type word. */
#define EWKB_Z 0x80000000u
#define EWKB_M 0x40000000u
#define EWKB_SRID 0x20000000u
#define EWKB_DEPTH_MAX 32

/* The geometry type numbers of PostGIS's EWKB: ISO WKB's (not liblwgeom's
 * internal ones, which number the last three 13, 14 and 15). */
enum ewkb_type {
	EWKB_POINT = 1,
	EWKB_LINESTRING = 2,
	EWKB_POLYGON = 3,
	EWKB_MULTIPOINT = 4,
	EWKB_MULTILINESTRING = 5,
	EWKB_MULTIPOLYGON = 6,
	EWKB_COLLECTION = 7,
	EWKB_CIRCULARSTRING = 8,
	EWKB_COMPOUNDCURVE = 9,
	EWKB_CURVEPOLYGON = 10,
	EWKB_MULTICURVE = 11,
	EWKB_MULTISURFACE = 12,
	EWKB_POLYHEDRALSURFACE = 15,
	EWKB_TIN = 16,
	EWKB_TRIANGLE = 17
};

/* Largest geometry accepted, in hex characters (source.c's bound). */
#define GEOMETRY_HEX_MAX ((size_t)128 << 20)

/* Passwords found in one connection string. */
#define SECRETS_MAX 8
#define SPANS_MAX 16

struct secrets {
	char *values[SECRETS_MAX]; /* owned */
	size_t n;
};

struct pg_driver {
	struct driver base;
	PGconn *conn;
	char *name;        /* the connection as written, redacted */
	char *select_sql;  /* the SELECT the cursor runs */
	const char *since; /* the watermark ($1), borrowed, or NULL */
	struct secrets secrets;
	int *fields;     /* base.columns[i] is result field fields[i] */
	int geom_field;  /* -1: no geometry column */
	char *geom_name; /* its name, or NULL */
	int srid;        /* of every geometry; -1: the job's srs */
	PGresult *batch; /* the rows fetched last */
	int row;         /* the current row of batch */
	bool at_end;     /* batch is the last one */
	int64_t n_read;
	OGRGeometryH geometry; /* the current record's */
	const char *reject;    /* why the current record is refused */
	unsigned char *wkb;
	size_t wkb_cap;
};

/* ---- secrets ---------------------------------------------------------- */

struct span {
	size_t start, end;
};

static bool is_key_boundary(char c)
{
	return c == ' ' || c == '\t' || c == ',' || c == ';' || c == '&' ||
	       c == '?' || c == ':' || c == '(';
}

static bool is_value_end(char c)
{
	return c == '\0' || c == ' ' || c == '\t' || c == ',' || c == ';' ||
	       c == '&' || c == ')' || c == '\n';
}

static void add_span(struct span *spans, size_t *n, size_t start, size_t end)
{
	if (end > start && *n < SPANS_MAX) {
		spans[*n].start = start;
		spans[*n].end = end;
		(*n)++;
	}
}

/* The value of a password key starting at s[pos]: quoted ('...' with
 * backslash escapes, libpq), braced ({...}, ODBC) or up to a separator. */
static size_t value_end(const char *s, size_t pos)
{
	if (s[pos] == '\'') {
		for (pos++; s[pos] && s[pos] != '\''; pos++)
			if (s[pos] == '\\' && s[pos + 1])
				pos++;
		return s[pos] ? pos + 1 : pos;
	}
	if (s[pos] == '{') {
		while (s[pos] && s[pos] != '}')
			pos++;
		return s[pos] ? pos + 1 : pos;
	}
	while (!is_value_end(s[pos]))
		pos++;
	return pos;
}

/* Finds the passwords of a connection string, in any of the forms libpq
 * and GDAL's database drivers take: scheme://user:PASSWORD@host,
 * password=PASSWORD (also pwd=, passwd=; separated by spaces, commas,
 * semicolons or &), ODBC:user/PASSWORD@dsn.  Returns their number. */
static size_t find_password_spans(const char *s, struct span *spans)
{
	static const char *const keys[] = {"password", "passwd", "pwd"};
	const char *p;
	size_t n = 0, i, k;

	if ((p = strstr(s, "://")) != NULL) {
		size_t auth = (size_t)(p - s) + 3, end = auth, at = SIZE_MAX;
		while (s[end] && s[end] != '/' && s[end] != '?' &&
		       s[end] != '#') {
			if (s[end] == '@')
				at = end;
			end++;
		}
		if (at != SIZE_MAX) {
			const char *colon = memchr(s + auth, ':', at - auth);
			if (colon)
				add_span(spans, &n, (size_t)(colon - s) + 1,
				         at);
		}
	}
	if (strncasecmp(s, "ODBC:", 5) == 0) {
		const char *at = strchr(s + 5, '@');
		const char *slash = strchr(s + 5, '/');
		const char *comma = strchr(s + 5, ',');
		if (at && slash && slash < at && (!comma || at < comma))
			add_span(spans, &n, (size_t)(slash - s) + 1,
			         (size_t)(at - s));
	}
	for (i = 0; s[i]; i++) {
		if (i > 0 && !is_key_boundary(s[i - 1]))
			continue;
		for (k = 0; k < sizeof keys / sizeof *keys; k++) {
			size_t len = strlen(keys[k]), v = i + len;
			if (strncasecmp(s + i, keys[k], len) != 0)
				continue;
			while (s[v] == ' ' || s[v] == '\t')
				v++;
			if (s[v] != '=')
				continue;
			v++;
			while (s[v] == ' ' || s[v] == '\t')
				v++;
			add_span(spans, &n, v, value_end(s, v));
			break;
		}
	}
	return n;
}

static void secrets_add(struct secrets *sec, const char *s, size_t len)
{
	size_t i;

	if (len == 0 || sec->n == SECRETS_MAX)
		return;
	for (i = 0; i < sec->n; i++)
		if (strlen(sec->values[i]) == len &&
		    memcmp(sec->values[i], s, len) == 0)
			return;
	sec->values[sec->n++] = xstrndup(s, len);
}

/* Collects the passwords of the expanded connection conn, as written and
 * without their braces; with libpq (conn's libpq string, or NULL), also
 * the password as libpq decodes it (quotes, a URI's %-escapes). */
static void secrets_collect(struct secrets *sec, const char *conn,
                            const char *libpq)
{
	struct span spans[SPANS_MAX];
	size_t n = find_password_spans(conn, spans), i;

	for (i = 0; i < n; i++) {
		const char *v = conn + spans[i].start;
		size_t len = spans[i].end - spans[i].start;
		secrets_add(sec, v, len);
		if (len > 2 && v[0] == '{' && v[len - 1] == '}')
			secrets_add(sec, v + 1, len - 2);
	}
	if (libpq) {
		char *err = NULL;
		PQconninfoOption *opts = PQconninfoParse(libpq, &err), *o;
		for (o = opts; o && o->keyword; o++)
			if (strcmp(o->keyword, "password") == 0 && o->val)
				secrets_add(sec, o->val, strlen(o->val));
		PQconninfoFree(opts);
		PQfreemem(err);
	}
}

static void secrets_free(struct secrets *sec)
{
	size_t i;

	for (i = 0; i < sec->n; i++)
		free(sec->values[i]);
	sec->n = 0;
}

/* Returns a malloc'd copy of s with every password span replaced by
 * "***"; the caller frees it. */
static char *redact(const char *s)
{
	struct span spans[SPANS_MAX];
	size_t n = find_password_spans(s, spans), i, pos = 0;
	struct sb out;

	/* Spans come from three scans: order them, drop overlaps. */
	for (i = 1; i < n; i++)
		for (size_t j = i; j > 0 && spans[j].start < spans[j - 1].start;
		     j--) {
			struct span t = spans[j];
			spans[j] = spans[j - 1];
			spans[j - 1] = t;
		}
	sb_init(&out, 0);
	for (i = 0; i < n; i++) {
		if (spans[i].start < pos)
			continue;
		sb_append(&out, s + pos, spans[i].start - pos);
		sb_puts(&out, "***");
		pos = spans[i].end;
	}
	sb_puts(&out, s + pos);
	return sb_steal(&out);
}

/* Writes msg into out (size bytes) on one line, without the passwords of
 * sec nor anything that looks like a password. */
static void scrub(const struct secrets *sec, const char *msg, char *out,
                  size_t size)
{
	struct sb sb;
	char *redacted;
	size_t i, len = 0, k;

	sb_init(&sb, 0);
	for (i = 0; msg[i];) {
		for (k = 0; k < sec->n; k++) {
			len = strlen(sec->values[k]);
			if (strncmp(msg + i, sec->values[k], len) == 0)
				break;
		}
		if (k < sec->n) {
			sb_puts(&sb, "***");
			i += len;
			continue;
		}
		/* One line, one blank between words: libpq's second lines
		 * come after "\n\t", its levels with two spaces. */
		if (isspace((unsigned char)msg[i])) {
			if (sb.len > 0 && sb.buf[sb.len - 1] != ' ')
				sb_putc(&sb, ' ');
		} else {
			sb_putc(&sb, msg[i]);
		}
		i++;
	}
	while (sb.len > 0 && sb.buf[sb.len - 1] == ' ')
		sb.buf[--sb.len] = '\0';
	redacted = redact(sb.buf ? sb.buf : "");
	util_strlcpy(out, redacted, size);
	free(redacted);
	sb_free(&sb);
}

/* GDAL's messages while it opens the connection and runs the query: a
 * driver may echo its connection string, password included. */
static void CPL_STDCALL scrubbed_gdal_log(CPLErr level, CPLErrorNum num,
                                          const char *msg)
{
	const struct secrets *sec = CPLGetErrorHandlerUserData();
	char clean[ODP_ERRBUF_SIZE];

	(void)num;
	scrub(sec, msg, clean, sizeof clean);
	if (level == CE_Warning)
		log_warn("GDAL: %s", clean);
	else
		log_debug("GDAL: %s", clean);
}

/* ---- connections ------------------------------------------------------ */

/* A GDAL connection prefix ("MYSQL:", "ODBC:", "GPKG:", ...): letters,
 * digits and underscores, then a colon. */
static size_t gdal_prefix_len(const char *s)
{
	size_t i = 0;

	if (!isalpha((unsigned char)s[0]))
		return 0;
	while (isalnum((unsigned char)s[i]) || s[i] == '_')
		i++;
	return s[i] == ':' ? i + 1 : 0;
}

/* The libpq connection string in conn, or NULL when GDAL opens conn. */
static const char *libpq_conninfo(const char *conn)
{
	size_t prefix = gdal_prefix_len(conn);

	if (strncmp(conn, "postgresql://", 13) == 0 ||
	    strncmp(conn, "postgres://", 11) == 0)
		return conn;
	if (prefix == 3 && strncasecmp(conn, "PG:", 3) == 0)
		return conn + 3;
	if (prefix == 0 && strncmp(conn, "/vsi", 4) != 0 && strchr(conn, '='))
		return conn;
	return NULL;
}

/* The query without trailing blanks and semicolons, so that it can be
 * wrapped in a subquery; malloc'd. */
static char *trimmed_query(const char *query)
{
	size_t len = strlen(query);

	while (len > 0 && (isspace((unsigned char)query[len - 1]) ||
	                   query[len - 1] == ';'))
		len--;
	return xstrndup(query, len);
}

/* ---- EWKB ------------------------------------------------------------- */

static uint32_t u32_at(const unsigned char *p, bool le)
{
	return le ? (uint32_t)p[0] | (uint32_t)p[1] << 8 |
	                (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24
	          : (uint32_t)p[3] | (uint32_t)p[2] << 8 |
	                (uint32_t)p[1] << 16 | (uint32_t)p[0] << 24;
}

static void u32_put(unsigned char *p, bool le, uint32_t v)
{
	int k;

	for (k = 0; k < 4; k++)
		p[le ? k : 3 - k] = (unsigned char)(v >> (8 * k));
}

/* Rewriting EWKB as ISO WKB in place: the output is never longer than
 * what has been read, so out <= in throughout. */
struct wkb_rewrite {
	unsigned char *buf;
	size_t len;
	size_t in, out;
};

static bool wkb_copy(struct wkb_rewrite *w, size_t n)
{
	if (w->len - w->in < n)
		return false;
	memmove(w->buf + w->out, w->buf + w->in, n);
	w->in += n;
	w->out += n;
	return true;
}

static bool wkb_read_u32(struct wkb_rewrite *w, bool le, uint32_t *v)
{
	if (w->len - w->in < 4)
		return false;
	*v = u32_at(w->buf + w->in, le);
	w->in += 4;
	return true;
}

static void wkb_write_u32(struct wkb_rewrite *w, bool le, uint32_t v)
{
	u32_put(w->buf + w->out, le, v);
	w->out += 4;
}

/* A count followed by items of at least min_size bytes each. */
static bool wkb_count(struct wkb_rewrite *w, bool le, size_t min_size,
                      uint32_t *n)
{
	if (!wkb_read_u32(w, le, n) || *n > (w->len - w->in) / min_size)
		return false;
	wkb_write_u32(w, le, *n);
	return true;
}

/* Rewrites one geometry: the SRID dropped, Z and M flags turned into ISO
 * type codes (1000, 2000, 3000 more).  Sub-geometries carry their own byte
 * order and flags. */
static bool wkb_geometry(struct wkb_rewrite *w, int depth)
{
	uint32_t type, base, n, k, points;
	bool le, z, m;
	size_t point;

	if (depth > EWKB_DEPTH_MAX || w->in >= w->len || w->buf[w->in] > 1)
		return false;
	le = w->buf[w->in] == 1;
	if (!wkb_copy(w, 1) || !wkb_read_u32(w, le, &type))
		return false;
	base = type & 0x0FFFFFFFu;
	z = (type & EWKB_Z) != 0;
	m = (type & EWKB_M) != 0;
	if (type & EWKB_SRID) {
		if (w->len - w->in < 4)
			return false;
		w->in += 4;
	}
	wkb_write_u32(w, le, base + (z ? 1000 : 0) + (m ? 2000 : 0));
	point = 8 * (2 + (z ? 1 : 0) + (m ? 1 : 0));
	switch (base) {
	case EWKB_POINT:
		return wkb_copy(w, point);
	case EWKB_LINESTRING:
	case EWKB_CIRCULARSTRING:
		return wkb_count(w, le, point, &n) && wkb_copy(w, n * point);
	case EWKB_POLYGON:
	case EWKB_TRIANGLE:
		if (!wkb_count(w, le, 4, &n))
			return false;
		for (k = 0; k < n; k++)
			if (!wkb_count(w, le, point, &points) ||
			    !wkb_copy(w, points * point))
				return false;
		return true;
	case EWKB_MULTIPOINT:
	case EWKB_MULTILINESTRING:
	case EWKB_MULTIPOLYGON:
	case EWKB_COLLECTION:
	case EWKB_COMPOUNDCURVE:
	case EWKB_CURVEPOLYGON:
	case EWKB_MULTICURVE:
	case EWKB_MULTISURFACE:
	case EWKB_POLYHEDRALSURFACE:
	case EWKB_TIN:
		if (!wkb_count(w, le, 9, &n))
			return false;
		for (k = 0; k < n; k++)
			if (!wkb_geometry(w, depth + 1))
				return false;
		return true;
	default:
		return false;
	}
}

/* The SRID of a hex EWKB value, 0 when it has none, -1 when it is not
 * EWKB. */
static int ewkb_srid(const char *hex, size_t len)
{
	unsigned char head[9];
	uint32_t type;
	bool le;

	if (len < 18 || !util_hex_decode(hex, 18, head) || head[0] > 1)
		return -1;
	le = head[0] == 1;
	type = u32_at(head + 1, le);
	if (!(type & EWKB_SRID))
		return 0;
	return (int)(u32_at(head + 5, le) & 0x7FFFFFFFu);
}

/* ---- PostgreSQL ------------------------------------------------------- */

/* Sets errbuf to "<what> "<source>": <libpq's message, scrubbed>". */
static void pg_seterr(const struct pg_driver *g, char *errbuf, const char *what,
                      const char *msg)
{
	char clean[ODP_ERRBUF_SIZE];

	scrub(&g->secrets, msg && *msg ? msg : "unknown error", clean,
	      sizeof clean);
	util_seterr(errbuf, "%s sql source \"%s\": %s", what, g->name, clean);
}

/* The server's message for a failed result: the primary text, and the
 * hint when there is one. */
static void pg_result_seterr(const struct pg_driver *g, char *errbuf,
                             const char *what, const PGresult *res)
{
	const char *primary = PQresultErrorField(res, PG_DIAG_MESSAGE_PRIMARY);
	const char *hint = PQresultErrorField(res, PG_DIAG_MESSAGE_HINT);
	struct sb msg;

	if (!primary) {
		pg_seterr(g, errbuf, what, PQerrorMessage(g->conn));
		return;
	}
	sb_init(&msg, 0);
	sb_puts(&msg, primary);
	if (hint)
		sb_printf(&msg, " (%s)", hint);
	pg_seterr(g, errbuf, what, msg.buf);
	sb_free(&msg);
}

static void pg_notice(void *arg, const PGresult *res)
{
	const struct pg_driver *g = arg;
	char clean[ODP_ERRBUF_SIZE];

	scrub(&g->secrets, PQresultErrorMessage(res), clean, sizeof clean);
	log_debug("sql source \"%s\": %s", g->name, clean);
}

static enum column_type type_of_oid(Oid oid)
{
	switch (oid) {
	case OID_INT2:
	case OID_INT4:
	case OID_INT8:
	case OID_OID: return COL_INTEGER;
	case OID_FLOAT4:
	case OID_FLOAT8:
	case OID_NUMERIC: return COL_REAL;
	case OID_BOOL: return COL_BOOLEAN;
	case OID_DATE: return COL_DATE;
	case OID_TIMESTAMP:
	case OID_TIMESTAMPTZ: return COL_TIMESTAMP;
	default: return COL_TEXT;
	}
}

static bool pg_connect(struct pg_driver *g, const char *conninfo, char *errbuf)
{
	/* A service database that drops packets must not hold the run for
	 * the kernel's TCP timeout (a connect_timeout in the string, listed
	 * later, wins); the values must come in UTF-8 whatever the server's
	 * encoding, and dates in ISO order whatever its DateStyle. */
	static const char *const keys[] = {"connect_timeout", "dbname",
	                                   "client_encoding",
	                                   "fallback_application_name", NULL};
	const char *values[] = {"10", conninfo, "UTF8", "odp-etl", NULL};
	PGresult *res;

	g->conn = PQconnectdbParams(keys, values, 1);
	if (PQstatus(g->conn) != CONNECTION_OK) {
		pg_seterr(g, errbuf, "could not connect to",
		          PQerrorMessage(g->conn));
		return false;
	}
	PQsetNoticeReceiver(g->conn, pg_notice, g);
	res = PQexec(
	    g->conn,
	    "SET DateStyle = 'ISO, YMD'; SET IntervalStyle = 'postgres'; "
	    "SET extra_float_digits = 3; "
	    "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_result_seterr(g, errbuf, "could not start reading", res);
		PQclear(res);
		return false;
	}
	PQclear(res);
	return true;
}

/* The OIDs of PostGIS's geometry and geography types on this server, if
 * it has them. */
static bool pg_geometry_oids(struct pg_driver *g, Oid oids[4], int *n,
                             char *errbuf)
{
	PGresult *res =
	    PQexec(g->conn, "SELECT oid::int8 FROM pg_type WHERE typname "
	                    "IN ('geometry', 'geography') LIMIT 4");
	int i;

	*n = 0;
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pg_result_seterr(g, errbuf, "could not read the types of", res);
		PQclear(res);
		return false;
	}
	for (i = 0; i < PQntuples(res); i++) {
		int64_t oid;
		if (util_parse_int64(PQgetvalue(res, i, 0), &oid))
			oids[(*n)++] = (Oid)oid;
	}
	PQclear(res);
	return true;
}

static bool is_geometry_oid(Oid oid, const Oid oids[4], int n)
{
	int i;

	for (i = 0; i < n; i++)
		if (oids[i] == oid)
			return true;
	return false;
}

static int field_named(const PGresult *desc, const char *name)
{
	int i;

	for (i = 0; name && i < PQnfields(desc); i++)
		if (strcmp(PQfname(desc, i), name) == 0)
			return i;
	return -1;
}

/* The columns of the query's result, found without running it; the
 * geometry column is set apart. */
static bool pg_describe(struct pg_driver *g, const struct job *job,
                        const char *query, char *errbuf)
{
	const char *geom_name = job->source.geometry;
	const char *inc_col = job->source.incremental.column;
	Oid geom_oids[4];
	int n_geom_oids, n, i, n_geoms = 0;
	PGresult *res = NULL;
	bool ok = false;

	if (!pg_geometry_oids(g, geom_oids, &n_geom_oids, errbuf))
		return false;
	res = PQprepare(g->conn, "", query, 0, NULL);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_result_seterr(g, errbuf, "could not run the query of", res);
		goto out;
	}
	PQclear(res);
	res = PQdescribePrepared(g->conn, "");
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_result_seterr(g, errbuf, "could not describe the query of",
		                 res);
		goto out;
	}
	n = PQnfields(res);
	g->geom_field = -1;
	if (geom_name) {
		g->geom_field = field_named(res, geom_name);
		if (g->geom_field < 0) {
			util_seterr(errbuf,
			            "the query of sql source \"%s\" has no "
			            "column \"%s\", the job's \"geometry\"",
			            g->name, geom_name);
			goto out;
		}
		if (!is_geometry_oid(PQftype(res, g->geom_field), geom_oids,
		                     n_geom_oids)) {
			util_seterr(
			    errbuf,
			    "column \"%s\" of the query of sql "
			    "source \"%s\" is not a PostGIS geometry or "
			    "geography",
			    geom_name, g->name);
			goto out;
		}
	}
	for (i = 0; i < n; i++) {
		if (!is_geometry_oid(PQftype(res, i), geom_oids, n_geom_oids))
			continue;
		n_geoms++;
		if (g->geom_field < 0)
			g->geom_field = i;
	}
	if (g->geom_field >= 0)
		g->geom_name = xstrdup(PQfname(res, g->geom_field));
	if (n_geoms > 1 && !geom_name)
		snprintf(g->base.warning, sizeof g->base.warning,
		         "the query has %d geometry columns; \"%s\" is the "
		         "records' geometry, the others are published as text "
		         "(set \"geometry\" in the job's source to choose)",
		         n_geoms, PQfname(res, g->geom_field));
	if (inc_col && field_named(res, inc_col) < 0) {
		util_seterr(errbuf,
		            "the query of sql source \"%s\" has no "
		            "column \"%s\", the job's incremental column",
		            g->name, inc_col);
		goto out;
	}
	g->base.columns = xcalloc((size_t)n, sizeof *g->base.columns);
	g->fields = xcalloc((size_t)n, sizeof *g->fields);
	for (i = 0; i < n; i++) {
		struct driver_column *c = &g->base.columns[g->base.n_columns];
		if (i == g->geom_field)
			continue;
		c->source_name = xstrdup(PQfname(res, i));
		c->type = type_of_oid(PQftype(res, i));
		c->infer = false;
		g->fields[g->base.n_columns++] = i;
	}
	ok = true;
out:
	PQclear(res);
	return ok;
}

/* The SELECT the cursor runs: the query itself, or, beyond a watermark,
 * the query wrapped so that the watermark goes as $1. */
static bool pg_build_select(struct pg_driver *g, const struct job *job,
                            const char *query, char *errbuf)
{
	const char *col = job->source.incremental.column;
	struct sb sql;
	char *q;

	if (!g->since) {
		g->select_sql = xstrdup(query);
		return true;
	}
	q = PQescapeIdentifier(g->conn, col, strlen(col));
	if (!q) {
		pg_seterr(g, errbuf,
		          "could not quote the incremental column of",
		          PQerrorMessage(g->conn));
		return false;
	}
	sb_init(&sql, 0);
	/* The newline ends a "--" comment the query may end with. */
	sb_printf(&sql,
	          "SELECT * FROM (\n%s\n) q WHERE q.%s > $1 ORDER BY q.%s",
	          query, q, q);
	PQfreemem(q);
	g->select_sql = sb_steal(&sql);
	return true;
}

static bool pg_declare(struct pg_driver *g, char *errbuf)
{
	const char *params[1] = {g->since};
	struct sb sql;
	PGresult *res;
	bool ok;

	sb_init(&sql, 0);
	sb_printf(&sql, "DECLARE " CURSOR_NAME " NO SCROLL CURSOR FOR %s",
	          g->select_sql);
	res = PQexecParams(g->conn, sql.buf, g->since ? 1 : 0, NULL, params,
	                   NULL, NULL, 0);
	sb_free(&sql);
	ok = PQresultStatus(res) == PGRES_COMMAND_OK;
	if (!ok)
		pg_result_seterr(g, errbuf, "could not run the query of", res);
	PQclear(res);
	g->at_end = false;
	g->row = -1;
	return ok;
}

static bool pg_fetch(struct pg_driver *g, char *errbuf)
{
	PQclear(g->batch);
	g->batch = PQexec(g->conn,
	                  "FETCH " STRINGIFY(FETCH_ROWS) " FROM " CURSOR_NAME);
	g->row = -1;
	if (PQresultStatus(g->batch) != PGRES_TUPLES_OK) {
		char what[96];
		snprintf(what, sizeof what, "could not read row %lld of",
		         (long long)g->n_read + 1);
		pg_result_seterr(g, errbuf, what, g->batch);
		PQclear(g->batch);
		g->batch = NULL;
		return false;
	}
	g->at_end = PQntuples(g->batch) < FETCH_ROWS;
	return true;
}

/* The geometries' CRS: the first SRID of the first batch, or of the
 * whole result when the first batch has none. */
static bool pg_detect_srid(struct pg_driver *g, char *errbuf)
{
	const char *params[1] = {g->since};
	const char *geom = g->geom_name;
	PGresult *res = NULL;
	struct sb sql;
	char *q;
	int i;
	bool ok = false;

	g->srid = -1;
	for (i = 0; i < PQntuples(g->batch) && g->srid < 0; i++)
		if (!PQgetisnull(g->batch, i, g->geom_field))
			g->srid = ewkb_srid(
			    PQgetvalue(g->batch, i, g->geom_field),
			    (size_t)PQgetlength(g->batch, i, g->geom_field));
	if (g->srid >= 0 || g->at_end)
		return true;
	q = PQescapeIdentifier(g->conn, geom, strlen(geom));
	if (!q) {
		pg_seterr(g, errbuf, "could not quote the geometry column of",
		          PQerrorMessage(g->conn));
		return false;
	}
	sb_init(&sql, 0);
	sb_printf(&sql,
	          "SELECT ST_SRID(s.%s) FROM (\n%s\n) s WHERE s.%s IS "
	          "NOT NULL LIMIT 1",
	          q, g->select_sql, q);
	PQfreemem(q);
	res = PQexecParams(g->conn, sql.buf, g->since ? 1 : 0, NULL, params,
	                   NULL, NULL, 0);
	if (PQresultStatus(res) != PGRES_TUPLES_OK) {
		pg_result_seterr(g, errbuf, "could not read the SRID of", res);
		goto out;
	}
	if (PQntuples(res) > 0) {
		int64_t srid;
		if (util_parse_int64(PQgetvalue(res, 0, 0), &srid) &&
		    srid >= 0 && srid <= 0x7FFFFFFF)
			g->srid = (int)srid;
	}
	ok = true;
out:
	PQclear(res);
	sb_free(&sql);
	return ok;
}

/* Reads the current row's geometry into g->geometry, or sets g->reject. */
static void pg_read_geometry(struct pg_driver *g)
{
	const char *hex;
	size_t len;
	struct wkb_rewrite w;

	if (PQgetisnull(g->batch, g->row, g->geom_field))
		return;
	hex = PQgetvalue(g->batch, g->row, g->geom_field);
	len = (size_t)PQgetlength(g->batch, g->row, g->geom_field);
	if (len > GEOMETRY_HEX_MAX) {
		g->reject = "a geometry too large to publish";
		return;
	}
	if (g->srid >= 0 && ewkb_srid(hex, len) != g->srid) {
		g->reject =
		    "a geometry in another SRID than the query's first "
		    "one (set \"srs\" in the job's source, or transform "
		    "them in the query)";
		return;
	}
	if (len / 2 > g->wkb_cap) {
		g->wkb_cap = len / 2;
		g->wkb = xrealloc(g->wkb, g->wkb_cap);
	}
	w.buf = g->wkb;
	w.len = len / 2;
	w.in = w.out = 0;
	if (!util_hex_decode(hex, len, g->wkb) || !wkb_geometry(&w, 0) ||
	    w.in != w.len ||
	    OGR_G_CreateFromWkb(g->wkb, NULL, &g->geometry, (int)w.out) !=
	        OGRERR_NONE) {
		if (g->geometry)
			OGR_G_DestroyGeometry(g->geometry);
		g->geometry = NULL;
		g->reject = "a geometry that is not valid EWKB";
	}
}

static int pg_next(struct driver *d, char *errbuf)
{
	struct pg_driver *g = (struct pg_driver *)d;

	if (g->geometry)
		OGR_G_DestroyGeometry(g->geometry);
	g->geometry = NULL;
	g->reject = NULL;
	if (!g->batch || g->row + 1 >= PQntuples(g->batch)) {
		if (g->at_end)
			return 0;
		if (!pg_fetch(g, errbuf))
			return ODP_ERR_SOURCE;
		if (PQntuples(g->batch) == 0)
			return 0;
	}
	g->row++;
	g->n_read++;
	if (g->geom_field >= 0 && g->base.has_geometry)
		pg_read_geometry(g);
	return 1;
}

static const char *pg_value(struct driver *d, size_t i, const char **reject)
{
	struct pg_driver *g = (struct pg_driver *)d;
	int field = g->fields[i];

	if (g->reject)
		*reject = g->reject;
	if (PQgetisnull(g->batch, g->row, field))
		return NULL;
	return PQgetvalue(g->batch, g->row, field);
}

static OGRGeometryH pg_take_geometry(struct driver *d)
{
	struct pg_driver *g = (struct pg_driver *)d;
	OGRGeometryH geom = g->geometry;

	g->geometry = NULL;
	return geom;
}

static int64_t pg_record_id(struct driver *d)
{
	(void)d;
	return -1;
}

/* The query runs again in the same transaction, so it sees the same
 * snapshot. */
static bool pg_rewind(struct driver *d, char *errbuf)
{
	struct pg_driver *g = (struct pg_driver *)d;
	PGresult *res;

	PQclear(g->batch);
	g->batch = NULL;
	g->n_read = 0;
	res = PQexec(g->conn, "CLOSE " CURSOR_NAME);
	if (PQresultStatus(res) != PGRES_COMMAND_OK) {
		pg_result_seterr(g, errbuf, "could not read again", res);
		PQclear(res);
		return false;
	}
	PQclear(res);
	return pg_declare(g, errbuf);
}

static int64_t pg_count(struct driver *d)
{
	(void)d;
	return -1;
}

static void pg_close(struct driver *d)
{
	struct pg_driver *g = (struct pg_driver *)d;

	if (!d)
		return;
	if (g->geometry)
		OGR_G_DestroyGeometry(g->geometry);
	PQclear(g->batch);
	PQfinish(g->conn);
	free(g->name);
	free(g->select_sql);
	free(g->fields);
	free(g->geom_name);
	free(g->wkb);
	secrets_free(&g->secrets);
	driver_free_base(d);
	free(g);
}

static const struct driver_ops pg_ops = {
	pg_next,   pg_value, pg_take_geometry, pg_record_id,
	pg_rewind, pg_count, pg_close, NULL,
	NULL,
};

static struct driver *pg_open(const struct job *job, const char *conninfo,
                              char *name, struct secrets *sec, char *errbuf)
{
	struct pg_driver *g = xcalloc(1, sizeof *g);
	char *query = trimmed_query(job->source.query);

	g->base.ops = &pg_ops;
	g->name = name;
	g->secrets = *sec;
	sec->n = 0;
	g->since = job->source.incremental.column
	               ? job->source.incremental.since
	               : NULL;
	g->geom_field = -1;
	g->srid = -1;
	if (!pg_connect(g, conninfo, errbuf) ||
	    !pg_describe(g, job, query, errbuf) ||
	    !pg_build_select(g, job, query, errbuf) || !pg_declare(g, errbuf))
		goto fail;
	g->base.has_geometry = g->geom_field >= 0;
	/* A query's geometry column may mix kinds: source.c finds out. */
	g->base.geometry_type = g->base.has_geometry ? wkbUnknown : wkbNone;
	if (g->geom_field >= 0 && !job->source.srs) {
		/* The first batch comes now, to read the SRID from it. */
		if (!pg_fetch(g, errbuf) || !pg_detect_srid(g, errbuf))
			goto fail;
		/* No geometry at all: nothing to reproject. */
		g->base.has_geometry = g->srid >= 0;
		if (!g->base.has_geometry)
			g->base.geometry_type = wkbNone;
		if (g->srid > 0) {
			g->base.srs = OSRNewSpatialReference(NULL);
			if (OSRImportFromEPSG(g->base.srs, g->srid) !=
			    OGRERR_NONE) {
				util_seterr(
				    errbuf,
				    "the geometries of sql source "
				    "\"%s\" are in SRID %d, which is not "
				    "an EPSG code; set \"srs\" in the "
				    "job's source",
				    g->name, g->srid);
				goto fail;
			}
		}
	}
	snprintf(g->base.description, sizeof g->base.description,
	         "PostgreSQL %d, sql source \"%.200s\", %zu columns%s%.64s%s",
	         PQserverVersion(g->conn) / 10000, g->name, g->base.n_columns,
	         g->geom_name ? ", geometry \"" : "",
	         g->geom_name ? g->geom_name : "", g->geom_name ? "\"" : "");
	free(query);
	return &g->base;
fail:
	free(query);
	pg_close(&g->base);
	return NULL;
}

/* ---- GDAL engines ----------------------------------------------------- */

static const char *gdal_error(const char *fallback)
{
	const char *msg = CPLGetLastErrorMsg();
	return msg && *msg ? msg : fallback;
}

/* The attribute filter for rows beyond the watermark, or NULL with errbuf
 * set: only an integer watermark can be written as a literal that every
 * SQL dialect reads the same. */
static char *gdal_watermark_filter(const struct job *job, const char *name,
                                   char *errbuf)
{
	const char *col = job->source.incremental.column;
	const char *since = job->source.incremental.since;
	struct sb filter;
	int64_t value;

	if (!util_parse_int64(since, &value)) {
		util_seterr(errbuf,
		            "incremental harvest of sql source \"%s\" "
		            "needs an integer column: through GDAL (SQLite, "
		            "MySQL, ODBC) odp cannot compare \"%s\" with the "
		            "watermark safely; incremental harvest on other "
		            "columns is for PostgreSQL sources only",
		            name, col);
		return NULL;
	}
	if (strchr(col, '"')) {
		util_seterr(errbuf,
		            "incremental column \"%s\" of sql source "
		            "\"%s\" has a double quote in its name",
		            col, name);
		return NULL;
	}
	sb_init(&filter, 0);
	sb_printf(&filter, "\"%s\" > %lld", col, (long long)value);
	return sb_steal(&filter);
}

/* A plain file name, as opposed to "/vsi...", "MYSQL:..." or a URL. */
static bool is_local_path(const char *path)
{
	return strncmp(path, "/vsi", 4) != 0 && !gdal_prefix_len(path);
}

/* path resolved against the job file's folder when it is relative. */
static char *resolve_path(const struct job *job, const char *path)
{
	const char *slash = strrchr(job->file, '/');
	struct sb sb;

	if (path[0] == '/' || !slash || !is_local_path(path))
		return xstrdup(path);
	sb_init(&sb, 0);
	sb_append(&sb, job->file, (size_t)(slash - job->file) + 1);
	sb_puts(&sb, path);
	return sb_steal(&sb);
}

static struct driver *gdal_open(const struct job *job, const char *conn,
                                const char *name, struct secrets *sec,
                                char *errbuf)
{
	char *path = resolve_path(job, conn), *filter = NULL;
	char **options = NULL;
	char clean[ODP_ERRBUF_SIZE];
	GDALDatasetH ds = NULL;
	OGRLayerH layer = NULL;
	struct driver *d = NULL;
	struct stat st;
	size_t i;

	if (job->source.incremental.column && job->source.incremental.since &&
	    !(filter = gdal_watermark_filter(job, name, errbuf)))
		goto out;
	if (is_local_path(path) && stat(path, &st) != 0) {
		util_seterr(errbuf, "could not open sql source \"%s\": %s",
		            path, strerror(errno));
		goto out;
	}
	for (i = 0; i < job->source.n_open_options; i++)
		options = CSLAddString(options, job->source.open_options[i]);
	CPLPushErrorHandlerEx(scrubbed_gdal_log, sec);
	CPLErrorReset();
	ds = GDALOpenEx(path, GDAL_OF_VECTOR | GDAL_OF_READONLY, NULL,
	                (const char *const *)options, NULL);
	if (!ds) {
		scrub(sec, gdal_error("GDAL recognises no database in it"),
		      clean, sizeof clean);
		util_seterr(errbuf, "could not open sql source \"%s\": %s",
		            name, clean);
		goto pop;
	}
	CPLErrorReset();
	layer = GDALDatasetExecuteSQL(ds, job->source.query, NULL, NULL);
	if (!layer) {
		scrub(sec, gdal_error("the query returned no result"), clean,
		      sizeof clean);
		util_seterr(errbuf,
		            "could not run the query of sql source "
		            "\"%s\": %s",
		            name, clean);
		goto pop;
	}
	if (job->source.incremental.column) {
		OGRFeatureDefnH defn = OGR_L_GetLayerDefn(layer);
		if (OGR_FD_GetFieldIndex(defn, job->source.incremental.column) <
		    0) {
			util_seterr(errbuf,
			            "the query of sql source \"%s\" has "
			            "no column \"%s\", the job's incremental "
			            "column",
			            name, job->source.incremental.column);
			goto pop;
		}
	}
	if (filter && OGR_L_SetAttributeFilter(layer, filter) != OGRERR_NONE) {
		scrub(sec, gdal_error("invalid filter"), clean, sizeof clean);
		util_seterr(errbuf,
		            "could not read sql source \"%s\" beyond "
		            "its watermark: %s",
		            name, clean);
		goto pop;
	}
	d = driver_gdal_open_result(ds, layer, name, errbuf);
	ds = NULL;
	layer = NULL;
pop:
	CPLPopErrorHandler();
out:
	if (layer)
		GDALDatasetReleaseResultSet(ds, layer);
	if (ds)
		GDALClose(ds);
	CSLDestroy(options);
	free(filter);
	free(path);
	return d;
}

struct driver *driver_sql_open(const struct job *job, char *errbuf)
{
	const char *written = job->source.connection;
	const char *conninfo;
	char *name, *expanded = NULL, why[ODP_ERRBUF_SIZE];
	struct secrets sec = {{NULL}, 0};
	struct driver *d = NULL;

	if (!written || !job->source.query) {
		util_seterr(errbuf, "a sql source needs \"connection\" and "
		                    "\"query\"");
		return NULL;
	}
	name = redact(written);
	expanded = job_expand_env(written, why);
	if (!expanded) {
		util_seterr(errbuf, "could not open sql source \"%s\": %s",
		            name, why);
		free(name);
		return NULL;
	}
	conninfo = libpq_conninfo(expanded);
	secrets_collect(&sec, expanded, conninfo);
	if (conninfo) {
		/* pg_open takes name and the secrets. */
		d = pg_open(job, conninfo, name, &sec, errbuf);
		name = NULL;
	} else {
		d = gdal_open(job, expanded, name, &sec, errbuf);
	}
	/* The expanded string may hold a password: wipe it before free. */
	explicit_bzero(expanded, strlen(expanded));
	free(expanded);
	free(name);
	secrets_free(&sec);
	return d;
}
