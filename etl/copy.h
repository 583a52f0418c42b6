/*
 * copy.h: streaming rows into PostgreSQL with binary COPY ... FROM STDIN.
 *
 * Rows are encoded in COPY's binary format (each field its length, then
 * its value as the column type's receive function reads it: big-endian
 * integers and doubles, days and microseconds since 2000-01-01, text as
 * its bytes, geometry as EWKB) into a buffer that is handed every
 * COPY_FLUSH_SIZE bytes to a thread of the writer's own, which feeds it
 * to a SHA-256 and the tee and sends it with libpq while the next rows
 * are encoded; a few buffers wait at most, so memory stays flat however
 * many rows go through.  Nothing is rendered as text and parsed back on
 * either side.  The SHA-256 of the bytes is the checksum of the
 * normalised content: two loads of the same data give the same
 * checksum.
 *
 * The field functions only append to the writer's buffer and may be used
 * without a connection (the unit tests do).
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
	int64_t n_rows;
	void (*tee)(void *cls, const char *buf, size_t len); /* or NULL */
	void *tee_cls;
	struct copy_sender *sender; /* the sending thread, or NULL */
	bool failed;
	char errbuf[ODP_ERRBUF_SIZE];
};

/* Starts "COPY <table> FROM STDIN (FORMAT binary)" (table already
 * quoted) and writes the format's header.  Until copy_end(), conn is the
 * sending thread's: the caller does not use it.  On failure the writer is
 * left failed with errbuf set. */
enum odp_status copy_begin(struct copy_writer *w, PGconn *conn,
			   const char *quoted_table);

/* Hands tee every byte sent from now on, the header included (a writer
 * has sent nothing before its first row ends), in order, on the sending
 * thread. */
void copy_tee(struct copy_writer *w,
	      void (*tee)(void *cls, const char *buf, size_t len), void *cls);

/* Feeds s into the checksum without sending it: what the rows mean
 * besides their bytes (column names and types). */
void copy_checksum_seed(struct copy_writer *w, const char *s);

/* Starts a row of n_fields fields, which the calls below then give in
 * the table's column order. */
void copy_row_begin(struct copy_writer *w, int n_fields);

void copy_null(struct copy_writer *w);
/* int8 */
void copy_int8(struct copy_writer *w, int64_t v);
/* float8 */
void copy_float8(struct copy_writer *w, double v);
/* boolean */
void copy_bool(struct copy_writer *w, bool v);
/* date: days since 2000-01-01 */
void copy_date(struct copy_writer *w, int32_t days);
/* timestamptz: microseconds since 2000-01-01 00:00 UTC */
void copy_timestamp(struct copy_writer *w, int64_t us);
/* text (valid UTF-8, no NUL) or a geometry's EWKB: len bytes of s */
void copy_bytes(struct copy_writer *w, const void *s, size_t len);

/* Ends the current row; sends the buffer once it is large enough. */
void copy_row_end(struct copy_writer *w);

/* Finishes the COPY.  With abort_reason non-NULL the server discards every
 * row.  On success writes the hex SHA-256 of all rows into checksum (65
 * bytes).  Always releases the writer's resources. */
enum odp_status copy_end(struct copy_writer *w, const char *abort_reason,
			 char checksum[65]);

#endif
