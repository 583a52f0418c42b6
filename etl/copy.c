/*
 * copy.c: binary COPY writer with a running SHA-256 (see copy.h).
 */
#include "copy.h"

#include "util.h"

#include <endian.h>
#include <string.h>

/* The binary format's signature, then no flags and no header extension. */
static const char copy_header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";

static void fail(struct copy_writer *w, const char *what)
{
	const char *msg = PQerrorMessage(w->conn);
	size_t len;

	if (w->failed)
		return;
	w->failed = true;
	util_seterr(w->errbuf, "%s: %s", what, msg && *msg ? msg : "unknown error");
	len = strlen(w->errbuf);
	while (len > 0 && w->errbuf[len - 1] == '\n')
		w->errbuf[--len] = '\0';
}

static void flush(struct copy_writer *w)
{
	if (w->failed || w->buf.len == 0)
		return;
	EVP_DigestUpdate(w->sha, w->buf.buf, w->buf.len);
	if (w->tee)
		w->tee(w->tee_cls, w->buf.buf, w->buf.len);
	if (PQputCopyData(w->conn, w->buf.buf, (int)w->buf.len) != 1)
		fail(w, "could not send rows to the database");
	sb_reset(&w->buf);
}

enum odp_status copy_begin(struct copy_writer *w, PGconn *conn,
			   const char *quoted_table)
{
	struct sb sql;
	PGresult *res;

	memset(w, 0, sizeof *w);
	w->conn = conn;
	sb_init(&w->buf, 0);
	w->sha = EVP_MD_CTX_new();
	if (!w->sha || EVP_DigestInit_ex(w->sha, EVP_sha256(), NULL) != 1) {
		w->failed = true;
		util_seterr(w->errbuf, "could not start SHA-256");
		return ODP_ERR_IO;
	}
	sb_init(&sql, 0);
	sb_printf(&sql, "COPY %s FROM STDIN (FORMAT binary)", quoted_table);
	res = PQexec(conn, sql.buf);
	sb_free(&sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		fail(w, "could not start COPY");
		PQclear(res);
		return ODP_ERR_DB;
	}
	PQclear(res);
	sb_append(&w->buf, copy_header, sizeof copy_header);
	return ODP_OK;
}

void copy_tee(struct copy_writer *w,
	      void (*tee)(void *cls, const char *buf, size_t len), void *cls)
{
	w->tee = tee;
	w->tee_cls = cls;
}

void copy_checksum_seed(struct copy_writer *w, const char *s)
{
	if (w->sha)
		EVP_DigestUpdate(w->sha, s, strlen(s));
}

void copy_row_begin(struct copy_writer *w, int n_fields)
{
	uint16_t n = htobe16((uint16_t)n_fields);

	sb_append(&w->buf, (const char *)&n, 2);
}

void copy_null(struct copy_writer *w)
{
	static const char minus_one[4] = {'\377', '\377', '\377', '\377'};

	sb_append(&w->buf, minus_one, 4);
}

/* A field of len bytes (be: the value, already big-endian): one append
 * for the length and the value. */
static void put_fixed(struct copy_writer *w, const void *be, uint32_t len)
{
	char field[12];
	uint32_t blen = htobe32(len);

	memcpy(field, &blen, 4);
	memcpy(field + 4, be, len);
	sb_append(&w->buf, field, 4 + len);
}

void copy_int8(struct copy_writer *w, int64_t v)
{
	uint64_t be = htobe64((uint64_t)v);

	put_fixed(w, &be, 8);
}

void copy_float8(struct copy_writer *w, double v)
{
	uint64_t bits;

	memcpy(&bits, &v, 8);
	bits = htobe64(bits);
	put_fixed(w, &bits, 8);
}

void copy_bool(struct copy_writer *w, bool v)
{
	unsigned char b = v ? 1 : 0;

	put_fixed(w, &b, 1);
}

void copy_date(struct copy_writer *w, int32_t days)
{
	uint32_t be = htobe32((uint32_t)days);

	put_fixed(w, &be, 4);
}

void copy_timestamp(struct copy_writer *w, int64_t us)
{
	copy_int8(w, us);
}

void copy_bytes(struct copy_writer *w, const void *s, size_t len)
{
	uint32_t blen = htobe32((uint32_t)len);

	/* A field longer than a 32-bit length says: the buffer's limit
	 * (64 MB) is far below and fails the row first. */
	if (len > INT32_MAX) {
		w->buf.failed = true;
		return;
	}
	sb_append(&w->buf, (const char *)&blen, 4);
	sb_append(&w->buf, s, len);
}

void copy_row_end(struct copy_writer *w)
{
	w->n_rows++;
	if (w->buf.len >= COPY_FLUSH_SIZE)
		flush(w);
}

enum odp_status copy_end(struct copy_writer *w, const char *abort_reason,
			 char checksum[65])
{
	static const char trailer[2] = {'\377', '\377'};
	enum odp_status rc = ODP_OK;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0, i;
	PGresult *res;

	if (!abort_reason) {
		sb_append(&w->buf, trailer, 2);
		flush(w);
	}
	if (sb_failed(&w->buf) && !w->failed) {
		w->failed = true;
		util_seterr(w->errbuf, "a row is larger than the buffer limit");
	}
	if (PQputCopyEnd(w->conn, abort_reason ? abort_reason
			 : w->failed ? w->errbuf : NULL) != 1)
		fail(w, "could not end COPY");
	while ((res = PQgetResult(w->conn)) != NULL) {
		if (PQresultStatus(res) != PGRES_COMMAND_OK && !abort_reason)
			fail(w, "the database refused the rows");
		PQclear(res);
	}
	if (abort_reason || w->failed)
		rc = ODP_ERR_DB;
	if (rc == ODP_OK && checksum) {
		EVP_DigestFinal_ex(w->sha, digest, &digest_len);
		for (i = 0; i < digest_len && i < 32; i++)
			snprintf(checksum + 2 * i, 3, "%02x", digest[i]);
	}
	EVP_MD_CTX_free(w->sha);
	w->sha = NULL;
	sb_free(&w->buf);
	return rc;
}
