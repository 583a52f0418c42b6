/*
 * copy.c: COPY text-format writer with a running SHA-256 (see copy.h).
 */
#include "copy.h"

#include "util.h"

#include <string.h>

/* strcspn() skips the plain bytes a word at a time; most values have no
 * byte to escape and go into the buffer in one append. */
void copy_escape(struct sb *sb, const char *value)
{
	const char *p = value;

	for (;;) {
		size_t run = strcspn(p, "\\\t\n\r");
		const char *esc;

		sb_append(sb, p, run);
		p += run;
		switch (*p) {
		case '\0': return;
		case '\\': esc = "\\\\"; break;
		case '\t': esc = "\\t"; break;
		case '\n': esc = "\\n"; break;
		default: esc = "\\r"; break;
		}
		sb_append(sb, esc, 2);
		p++;
	}
}

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
	sb_printf(&sql, "COPY %s FROM STDIN", quoted_table);
	res = PQexec(conn, sql.buf);
	sb_free(&sql);
	if (PQresultStatus(res) != PGRES_COPY_IN) {
		fail(w, "could not start COPY");
		PQclear(res);
		return ODP_ERR_DB;
	}
	PQclear(res);
	return ODP_OK;
}

void copy_checksum_seed(struct copy_writer *w, const char *s)
{
	if (w->sha)
		EVP_DigestUpdate(w->sha, s, strlen(s));
}

void copy_field(struct copy_writer *w, const char *value)
{
	if (w->n_fields++ > 0)
		sb_putc(&w->buf, '\t');
	if (value)
		copy_escape(&w->buf, value);
	else
		sb_append(&w->buf, "\\N", 2);
}

void copy_row_end(struct copy_writer *w)
{
	sb_putc(&w->buf, '\n');
	w->n_fields = 0;
	w->n_rows++;
	if (w->buf.len >= COPY_FLUSH_SIZE)
		flush(w);
}

enum odp_status copy_end(struct copy_writer *w, const char *abort_reason,
			 char checksum[65])
{
	enum odp_status rc = ODP_OK;
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0, i;
	PGresult *res;

	if (!abort_reason)
		flush(w);
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
