/*
 * copy.h: streaming rows into PostgreSQL with COPY ... FROM STDIN.
 *
 * Rows are encoded in COPY's text format into a buffer that is handed to
 * libpq every COPY_FLUSH_SIZE bytes, so memory stays flat however many rows
 * go through.  The same bytes feed a SHA-256, which is the checksum of the
 * normalised content: two loads of the same data give the same checksum.
 */
#ifndef ODP_COPY_H
#define ODP_COPY_H

#include "odp.h"
#include "sb.h"

#include <libpq-fe.h>
#include <openssl/evp.h>
#include <stdbool.h>
#include <stdint.h>

/* Well under a unix or TCP socket's send buffer (about 200 kB), so that
 * handing a chunk to libpq does not wait for the server to read the one
 * before: with 256 kB chunks odp-etl spent 2.5 s of a 1M-row harvest
 * blocked in PQputCopyData while the server idled, with 64 kB 0.3 s
 * (make bench). */
#define COPY_FLUSH_SIZE (64 * 1024)

struct copy_writer {
	PGconn *conn;        /* borrowed */
	struct sb buf;
	EVP_MD_CTX *sha;
	size_t n_fields;     /* fields written in the current row */
	int64_t n_rows;
	bool failed;
	char errbuf[ODP_ERRBUF_SIZE];
};

/* Appends value to sb escaped for COPY's text format (backslash, tab,
 * newline, carriage return).  Pure; exposed for the unit tests. */
void copy_escape(struct sb *sb, const char *value);

/* Starts "COPY <table> FROM STDIN" (table already quoted).  On failure the
 * writer is left failed with errbuf set. */
enum odp_status copy_begin(struct copy_writer *w, PGconn *conn,
			   const char *quoted_table);

/* Feeds s into the checksum without sending it: what the rows mean
 * besides their bytes (column names and types). */
void copy_checksum_seed(struct copy_writer *w, const char *s);

/* Adds one field to the current row; value NULL is SQL NULL. */
void copy_field(struct copy_writer *w, const char *value);

/* Ends the current row. */
void copy_row_end(struct copy_writer *w);

/* Finishes the COPY.  With abort_reason non-NULL the server discards every
 * row.  On success writes the hex SHA-256 of all rows into checksum (65
 * bytes).  Always releases the writer's resources. */
enum odp_status copy_end(struct copy_writer *w, const char *abort_reason,
			 char checksum[65]);

#endif
