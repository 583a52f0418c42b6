/*
 * db.c: connections, one-shot queries and migrations (see db.h).
 *
 * Migrations are plain SQL files named NNN_name.sql.  Each runs inside a
 * transaction together with the INSERT that records it, so a migration is
 * applied entirely and once, or not at all.  An advisory lock serialises
 * concurrent migrators (two workers starting together).
 */
#include "db.h"

#include "log.h"
#include "sb.h"
#include "util.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Advisory lock key held while migrating: "odpm" in ASCII. */
#define DB_MIGRATE_LOCK "1868853357"

/* Largest migration file we agree to read. */
#define DB_MIGRATION_MAX ((size_t)4 << 20)

const char *db_conninfo(void)
{
	const char *url = getenv("ODP_DATABASE_URL");
	return url ? url : "";
}

/* Copies a libpq message without its trailing newline. */
static void set_pq_error(char *errbuf, const char *what, const char *msg)
{
	size_t len;
	char *copy = xstrdup(msg ? msg : "unknown error");

	len = strlen(copy);
	while (len > 0 && (copy[len - 1] == '\n' || copy[len - 1] == ' '))
		copy[--len] = '\0';
	/* One log line per error: libpq's hints come on lines of their own. */
	for (char *p = copy; *p; p++)
		if (*p == '\n' || *p == '\t')
			*p = ' ';
	util_seterr(errbuf, "%s: %s", what, copy);
	free(copy);
}

PGconn *db_connect(char *errbuf)
{
	/* A host that drops packets must not hold a worker for the kernel's
	 * TCP timeout; a connect_timeout in the URL, listed later, wins. */
	static const char *const keys[] = {"connect_timeout", "dbname", NULL};
	const char *values[] = {"10", db_conninfo(), NULL};
	PGconn *conn = PQconnectdbParams(keys, values, 1);

	if (PQstatus(conn) != CONNECTION_OK) {
		set_pq_error(errbuf, "could not connect to the database",
			     PQerrorMessage(conn));
		PQfinish(conn);
		return NULL;
	}
	/* Quiet NOTICEs such as "table does not exist, skipping". */
	PQclear(PQexec(conn, "SET client_min_messages = warning"));
	return conn;
}

enum odp_status db_exec(PGconn *conn, const char *sql, char *errbuf)
{
	PGresult *res = PQexec(conn, sql);
	enum odp_status rc = ODP_OK;

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		set_pq_error(errbuf, "database error", PQerrorMessage(conn));
		rc = ODP_ERR_DB;
	}
	PQclear(res);
	return rc;
}

PGresult *db_query(PGconn *conn, const char *sql, int n_params,
		   const char *const *params, char *errbuf)
{
	PGresult *res = PQexecParams(conn, sql, n_params, NULL, params, NULL,
				     NULL, 0);

	if (PQresultStatus(res) != PGRES_COMMAND_OK &&
	    PQresultStatus(res) != PGRES_TUPLES_OK) {
		set_pq_error(errbuf, "database error", PQerrorMessage(conn));
		PQclear(res);
		return NULL;
	}
	return res;
}

char *db_quote_ident(PGconn *conn, const char *schema, const char *name)
{
	struct sb sb;
	char *q;

	sb_init(&sb, 0);
	if (schema) {
		q = PQescapeIdentifier(conn, schema, strlen(schema));
		if (!q)
			return NULL;
		sb_puts(&sb, q);
		sb_putc(&sb, '.');
		PQfreemem(q);
	}
	q = PQescapeIdentifier(conn, name, strlen(name));
	if (!q) {
		sb_free(&sb);
		return NULL;
	}
	sb_puts(&sb, q);
	PQfreemem(q);
	return sb_steal(&sb);
}

char *db_text_array(char *const *items, size_t n)
{
	struct sb sb;
	size_t i;
	const char *p;

	sb_init(&sb, 0);
	sb_putc(&sb, '{');
	for (i = 0; i < n; i++) {
		if (i)
			sb_putc(&sb, ',');
		sb_putc(&sb, '"');
		for (p = items[i]; *p; p++) {
			if (*p == '"' || *p == '\\')
				sb_putc(&sb, '\\');
			sb_putc(&sb, *p);
		}
		sb_putc(&sb, '"');
	}
	sb_putc(&sb, '}');
	return sb_steal(&sb);
}

bool db_is_retryable(const PGresult *res)
{
	const char *state = PQresultErrorField(res, PG_DIAG_SQLSTATE);

	return state && (strcmp(state, "40001") == 0 ||
			 strcmp(state, "40P01") == 0);
}

static int compare_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* Reads the whole file path; NULL with errbuf set on failure. */
static char *read_file(const char *path, char *errbuf)
{
	FILE *f = fopen(path, "rb");
	struct sb sb;
	char chunk[8192];
	size_t n;

	if (!f) {
		util_seterr(errbuf, "could not open \"%s\": %s", path,
			    strerror(errno));
		return NULL;
	}
	sb_init(&sb, DB_MIGRATION_MAX);
	while ((n = fread(chunk, 1, sizeof chunk, f)) > 0)
		sb_append(&sb, chunk, n);
	if (ferror(f) || sb_failed(&sb)) {
		util_seterr(errbuf, "could not read \"%s\": %s", path,
			    ferror(f) ? strerror(errno) : "file too large");
		fclose(f);
		sb_free(&sb);
		return NULL;
	}
	fclose(f);
	return sb_steal(&sb);
}

/* Applies one migration file in a transaction; ODP_OK if it was applied or
 * had been already. */
static enum odp_status apply_migration(PGconn *conn, const char *dir,
				       const char *name, char *errbuf)
{
	enum odp_status rc = ODP_ERR_DB;
	PGresult *res = NULL;
	char *path = NULL, *sql = NULL;
	const char *params[1] = {name};
	struct sb sb;

	res = db_query(conn,
		       "SELECT 1 FROM schema_migrations WHERE name = $1",
		       1, params, errbuf);
	if (!res)
		goto out;
	if (PQntuples(res) > 0) {
		rc = ODP_OK;
		goto out;
	}
	sb_init(&sb, 0);
	sb_printf(&sb, "%s/%s", dir, name);
	path = sb_steal(&sb);
	sql = read_file(path, errbuf);
	if (!sql) {
		rc = ODP_ERR_IO;
		goto out;
	}
	if (db_exec(conn, "BEGIN", errbuf) != ODP_OK)
		goto out;
	if (db_exec(conn, sql, errbuf) != ODP_OK) {
		char detail[ODP_ERRBUF_SIZE];
		util_strlcpy(detail, errbuf, sizeof detail);
		util_seterr(errbuf, "migration %s failed: %s", name, detail);
		PQclear(PQexec(conn, "ROLLBACK"));
		goto out;
	}
	PQclear(res);
	res = db_query(conn,
		       "INSERT INTO schema_migrations (name) VALUES ($1)",
		       1, params, errbuf);
	if (!res || db_exec(conn, "COMMIT", errbuf) != ODP_OK) {
		PQclear(PQexec(conn, "ROLLBACK"));
		goto out;
	}
	log_info("applied migration %s", name);
	rc = ODP_OK;
out:
	PQclear(res);
	free(path);
	free(sql);
	return rc;
}

enum odp_status db_migrate(PGconn *conn, const char *dir, char *errbuf)
{
	enum odp_status rc = ODP_ERR_IO;
	DIR *d = NULL;
	struct dirent *e;
	char **names = NULL;
	size_t n_names = 0, i;

	d = opendir(dir);
	if (!d) {
		util_seterr(errbuf, "could not open migrations folder \"%s\": %s",
			    dir, strerror(errno));
		return ODP_ERR_IO;
	}
	while ((e = readdir(d)) != NULL) {
		size_t len = strlen(e->d_name);
		if (len < 8 || e->d_name[0] < '0' || e->d_name[0] > '9' ||
		    strcmp(e->d_name + len - 4, ".sql") != 0)
			continue;
		names = xrealloc(names, (n_names + 1) * sizeof *names);
		names[n_names++] = xstrdup(e->d_name);
	}
	closedir(d);
	qsort(names, n_names, sizeof *names, compare_names);

	rc = db_exec(conn, "SELECT pg_advisory_lock(" DB_MIGRATE_LOCK ")", errbuf);
	if (rc != ODP_OK)
		goto out;
	rc = db_exec(conn,
		     "CREATE TABLE IF NOT EXISTS schema_migrations ("
		     " name text PRIMARY KEY,"
		     " applied_at timestamptz NOT NULL DEFAULT now())",
		     errbuf);
	for (i = 0; rc == ODP_OK && i < n_names; i++)
		rc = apply_migration(conn, dir, names[i], errbuf);
	PQclear(PQexec(conn, "SELECT pg_advisory_unlock(" DB_MIGRATE_LOCK ")"));
out:
	for (i = 0; i < n_names; i++)
		free(names[i]);
	free(names);
	return rc;
}
