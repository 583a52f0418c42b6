/*
 * db.h: the catalogue store: connections, migrations, transactions.
 *
 * Every program reaches PostgreSQL through db_connect(), which reads the
 * connection string from ODP_DATABASE_URL (a libpq URI or key=value string;
 * empty means libpq's own PG* defaults).  Values always travel as $n
 * parameters; identifiers come only from the catalogue and are quoted with
 * db_quote_ident().
 */
#ifndef ODP_DB_H
#define ODP_DB_H

#include "odp.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* The connection string odp uses; borrowed from the environment, never NULL. */
const char *db_conninfo(void);

/* Opens a connection; NULL on failure with the reason in errbuf.  The
 * message never repeats the connection string, which may hold a password. */
PGconn *db_connect(char *errbuf);

/* Runs one parameterless command; ODP_ERR_DB with errbuf set on failure. */
enum odp_status db_exec(PGconn *conn, const char *sql, char *errbuf);

/* Runs sql with text parameters and expects PGRES_COMMAND_OK or
 * PGRES_TUPLES_OK.  Returns the result (caller PQclear()s it) or NULL with
 * errbuf set. */
PGresult *db_query(PGconn *conn, const char *sql, int n_params,
		   const char *const *params, char *errbuf);

/* Applies, in name order, each sql/NNN_*.sql file of dir not yet recorded in
 * schema_migrations, each in its own transaction. */
enum odp_status db_migrate(PGconn *conn, const char *dir, char *errbuf);

/* Returns a malloc'd, quoted SQL identifier "schema"."name" (schema may be
 * NULL); the caller frees it. */
char *db_quote_ident(PGconn *conn, const char *schema, const char *name);

/* Returns a malloc'd PostgreSQL array literal ('{"a","b"}') of the n
 * strings, for a $n::text[] parameter; the caller frees it. */
char *db_text_array(char *const *items, size_t n);

/* True when the SQLSTATE of res says "try the transaction again". */
bool db_is_retryable(const PGresult *res);

#endif
