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
 * checksum.  A re-harvest can hold its rows back while they are the
 * published version's (copy_hold): a source read again unchanged then
 * costs the database nothing, neither rows nor WAL.
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

/* Every COPY_BLOCK_ROWS rows the writer notes the SHA-256 of the stream
 * so far, a prefix checksum: a run that holds its rows back (copy_hold)
 * compares them with the published version's as it goes. */
#define COPY_BLOCK_ROWS 10000
#define COPY_PREFIX_SIZE 32

/* Where a held-back stream is read again (the tee's spool): len bytes at
 * offset off into buf; false when they cannot be read. */
typedef bool copy_reread_fn(void *cls, uint64_t off, void *buf, size_t len);

struct copy_hold {
	const unsigned char *prefixes; /* the published version's (borrowed) */
	size_t n_prefixes;
	const char *checksum;          /* the published version's, hex */
	copy_reread_fn *reread;
	void *cls;
};

struct copy_writer {
	PGconn *conn;        /* borrowed */
	char *copy_sql;      /* sent with the first bytes */
	struct sb buf;
	bool boundary;       /* buf ends a block of COPY_BLOCK_ROWS rows */
	int64_t n_rows;
	/* Used by the sending thread while it runs: */
	EVP_MD_CTX *sha;
	bool (*tee)(void *cls, const char *buf, size_t len); /* or NULL */
	void *tee_cls;
	uint64_t spooled;    /* bytes the tee holds */
	struct copy_hold hold;
	bool holding;        /* nothing sent: the rows so far are the
				published version's */
	bool started;        /* the COPY statement was sent */
	struct sb prefixes;  /* the prefix checksums of this stream */
	struct copy_sender *sender; /* the sending thread, or NULL */
	bool failed;
	bool unsent;         /* after copy_end(): every row was the published
				version's and none was sent */
	char errbuf[ODP_ERRBUF_SIZE];
};

/* Prepares "COPY <table> FROM STDIN (FORMAT binary)" (table already
 * quoted), which is sent with the first bytes, and writes the format's
 * header.  Until copy_end(), conn is the sending thread's: the caller
 * does not use it.  On failure the writer is left failed with errbuf
 * set. */
enum odp_status copy_begin(struct copy_writer *w, PGconn *conn,
			   const char *quoted_table);

/* Hands tee every byte from now on, the header included (a writer has
 * sent nothing before its first row ends), in order, on the sending
 * thread; tee says whether it kept them. */
void copy_tee(struct copy_writer *w,
	      bool (*tee)(void *cls, const char *buf, size_t len), void *cls);

/* Holds the rows back while they are those of the published version that
 * h describes: each prefix checksum is compared as it comes, and only at
 * the first difference is the COPY started, with what was held read
 * again from the tee.  A stream that ends identical is never sent
 * (w->unsent).  Needs a tee; before the first row. */
void copy_hold(struct copy_writer *w, const struct copy_hold *h);

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
 * bytes) and, with prefixes non-NULL, the prefix checksums into it.
 * Always releases the writer's resources. */
enum odp_status copy_end(struct copy_writer *w, const char *abort_reason,
			 char checksum[65], struct sb *prefixes);

#endif
