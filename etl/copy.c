/*
 * copy.c: binary COPY writer with a running SHA-256 (see copy.h).
 */
#include "copy.h"

#include "util.h"

#include <endian.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

/* The binary format's signature, then no flags and no header extension. */
static const char copy_header[19] = "PGCOPY\n\377\r\n\0\0\0\0\0\0\0\0\0";

/* Buffers of COPY_FLUSH_SIZE between the rows being encoded and the
 * sending thread: enough for the two sides to keep their own pace. */
#define COPY_SENDER_BUFFERS 8

/* What a held-back stream is read again in. */
#define COPY_REREAD_SIZE ((size_t)1 << 20)

/* The thread that hashes, spools and sends what the writer encodes.  On
 * a 1M-row load the main thread was the slowest of the processes (make
 * bench: 95% of a core, the server 55%): a third of its time went to the
 * SHA-256, the spool of the exports and the socket, which take whole
 * buffers and so cost little to hand over. */
struct copy_sender {
	pthread_t thread;
	pthread_mutex_t lock;
	pthread_cond_t changed;
	struct sb buffers[COPY_SENDER_BUFFERS];
	bool boundary[COPY_SENDER_BUFFERS];
	uint64_t queued, sent;   /* buffers, under lock */
	bool closing;            /* under lock: nothing more will be queued */
	_Atomic bool failed;     /* errbuf is set; nothing more is sent */
	char errbuf[ODP_ERRBUF_SIZE];
};

/* "what: the connection's last error" into errbuf, on one line (libpq
 * writes some on several, indented with tabs). */
static void describe(struct copy_writer *w, const char *what, char *errbuf)
{
	const char *msg = PQerrorMessage(w->conn);
	size_t i, j, len;

	util_seterr(errbuf, "%s: %s", what, msg && *msg ? msg : "unknown error");
	len = strlen(errbuf);
	while (len > 0 && errbuf[len - 1] == '\n')
		errbuf[--len] = '\0';
	for (i = j = 0; i < len; i++)
		if (errbuf[i] != '\t')
			errbuf[j++] = errbuf[i] == '\n' ? ' ' : errbuf[i];
	errbuf[j] = '\0';
}

static void fail(struct copy_writer *w, const char *what)
{
	if (w->failed)
		return;
	describe(w, what, w->errbuf);
	w->failed = true;
}

/* Sends the COPY statement. */
static bool start(struct copy_writer *w, char *errbuf)
{
	PGresult *res = PQexec(w->conn, w->copy_sql);
	bool ok = PQresultStatus(res) == PGRES_COPY_IN;

	if (!ok)
		describe(w, "could not start COPY", errbuf);
	PQclear(res);
	w->started = ok;
	return ok;
}

static bool put(struct copy_writer *w, const char *buf, size_t len,
		char *errbuf)
{
	if (!w->started && !start(w, errbuf))
		return false;
	if (PQputCopyData(w->conn, buf, (int)len) == 1)
		return true;
	describe(w, "could not send rows to the database", errbuf);
	return false;
}

/* Sends the first len bytes of the stream, read again from the tee. */
static bool send_held(struct copy_writer *w, uint64_t len, char *errbuf)
{
	char *buf = xmalloc(COPY_REREAD_SIZE);
	uint64_t off = 0;
	size_t n;
	bool ok = true;

	while (ok && off < len) {
		n = len - off < COPY_REREAD_SIZE ? (size_t)(len - off)
						 : COPY_REREAD_SIZE;
		if (!w->hold.reread(w->hold.cls, off, buf, n)) {
			util_seterr(errbuf, "could not read the held rows "
				    "again");
			ok = false;
		} else {
			ok = put(w, buf, n, errbuf);
			off += n;
		}
	}
	free(buf);
	return ok;
}

/* Notes the prefix checksum of the stream so far; true when it is the
 * published version's at the same place. */
static bool note_prefix(struct copy_writer *w)
{
	unsigned char md[EVP_MAX_MD_SIZE];
	unsigned len = 0;
	size_t k = w->prefixes.len / COPY_PREFIX_SIZE;
	EVP_MD_CTX *copy = EVP_MD_CTX_new();

	if (!copy || EVP_MD_CTX_copy_ex(copy, w->sha) != 1 ||
	    EVP_DigestFinal_ex(copy, md, &len) != 1 || len != COPY_PREFIX_SIZE) {
		EVP_MD_CTX_free(copy);
		/* Unknown: taken as a difference. */
		w->prefixes.failed = true;
		return false;
	}
	EVP_MD_CTX_free(copy);
	sb_append(&w->prefixes, (const char *)md, COPY_PREFIX_SIZE);
	return k < w->hold.n_prefixes &&
	       memcmp(md, w->hold.prefixes + k * COPY_PREFIX_SIZE,
		      COPY_PREFIX_SIZE) == 0;
}

/* Hashes, spools and sends one buffer (boundary: it ends a block of
 * COPY_BLOCK_ROWS rows); false with errbuf set. */
static bool process(struct copy_writer *w, const struct sb *b, bool boundary,
		    char *errbuf)
{
	uint64_t before = w->spooled;
	bool kept = false, same;

	EVP_DigestUpdate(w->sha, b->buf, b->len);
	if (w->tee && w->tee(w->tee_cls, b->buf, b->len)) {
		kept = true;
		w->spooled += b->len;
	}
	same = boundary ? note_prefix(w) : true;
	if (!w->holding)
		return put(w, b->buf, b->len, errbuf);
	if (kept && same)
		return true;
	/* A difference, or a tee that can no longer keep the rows: what
	 * was held goes first. */
	w->holding = false;
	if (!send_held(w, before, errbuf))
		return false;
	return put(w, b->buf, b->len, errbuf);
}

/* The sending thread's failure becomes the writer's. */
static void take_failure(struct copy_writer *w)
{
	if (w->failed || !w->sender->failed)
		return;
	util_strlcpy(w->errbuf, w->sender->errbuf, sizeof w->errbuf);
	w->failed = true;
}

static void *sender_main(void *arg)
{
	struct copy_writer *w = arg;
	struct copy_sender *s = w->sender;
	struct sb *b;
	bool boundary;

	for (;;) {
		pthread_mutex_lock(&s->lock);
		while (s->sent == s->queued && !s->closing)
			pthread_cond_wait(&s->changed, &s->lock);
		if (s->sent == s->queued) {
			pthread_mutex_unlock(&s->lock);
			return NULL;
		}
		b = &s->buffers[s->sent % COPY_SENDER_BUFFERS];
		boundary = s->boundary[s->sent % COPY_SENDER_BUFFERS];
		pthread_mutex_unlock(&s->lock);

		if (!s->failed && !process(w, b, boundary, s->errbuf))
			s->failed = true;
		sb_reset(b);

		pthread_mutex_lock(&s->lock);
		s->sent++;
		pthread_cond_broadcast(&s->changed);
		pthread_mutex_unlock(&s->lock);
	}
}

/* Starts the sending thread; without one the writer sends itself. */
static void sender_start(struct copy_writer *w)
{
	struct copy_sender *s = xcalloc(1, sizeof *s);
	int i;

	pthread_mutex_init(&s->lock, NULL);
	pthread_cond_init(&s->changed, NULL);
	for (i = 0; i < COPY_SENDER_BUFFERS; i++)
		sb_init(&s->buffers[i], 0);
	w->sender = s;
	if (pthread_create(&s->thread, NULL, sender_main, w) != 0) {
		w->sender = NULL;
		for (i = 0; i < COPY_SENDER_BUFFERS; i++)
			sb_free(&s->buffers[i]);
		pthread_cond_destroy(&s->changed);
		pthread_mutex_destroy(&s->lock);
		free(s);
	}
}

/* Waits until everything queued is sent and ends the thread. */
static void sender_stop(struct copy_writer *w)
{
	struct copy_sender *s = w->sender;
	int i;

	if (!s)
		return;
	pthread_mutex_lock(&s->lock);
	s->closing = true;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
	pthread_join(s->thread, NULL);
	take_failure(w);
	for (i = 0; i < COPY_SENDER_BUFFERS; i++)
		sb_free(&s->buffers[i]);
	pthread_cond_destroy(&s->changed);
	pthread_mutex_destroy(&s->lock);
	free(s);
	w->sender = NULL;
}

/* Hands the buffer over to the sending thread, which takes its memory,
 * and goes on with an empty one. */
static void queue(struct copy_writer *w)
{
	struct copy_sender *s = w->sender;
	struct sb *slot, empty;

	pthread_mutex_lock(&s->lock);
	while (s->queued - s->sent == COPY_SENDER_BUFFERS)
		pthread_cond_wait(&s->changed, &s->lock);
	slot = &s->buffers[s->queued % COPY_SENDER_BUFFERS];
	empty = *slot;
	*slot = w->buf;
	w->buf = empty;
	s->boundary[s->queued % COPY_SENDER_BUFFERS] = w->boundary;
	s->queued++;
	pthread_cond_broadcast(&s->changed);
	pthread_mutex_unlock(&s->lock);
}

static void flush(struct copy_writer *w)
{
	if (w->failed || w->buf.len == 0)
		return;
	/* A value that did not fit left its row incomplete: nothing of it
	 * may reach the server. */
	if (sb_failed(&w->buf)) {
		w->failed = true;
		util_seterr(w->errbuf, "row %lld is larger than %zu MB, the most "
			    "a row may hold", (long long)w->n_rows,
			    SB_DEFAULT_MAX >> 20);
		return;
	}
	if (!w->sender) {
		if (!process(w, &w->buf, w->boundary, w->errbuf))
			w->failed = true;
		sb_reset(&w->buf);
	} else {
		take_failure(w);
		if (!w->failed)
			queue(w);
	}
	w->boundary = false;
}

enum odp_status copy_begin(struct copy_writer *w, PGconn *conn,
			   const char *quoted_table)
{
	struct sb sql;

	memset(w, 0, sizeof *w);
	w->conn = conn;
	sb_init(&w->buf, 0);
	sb_init(&w->prefixes, 0);
	sb_init(&sql, 0);
	sb_printf(&sql, "COPY %s FROM STDIN (FORMAT binary)", quoted_table);
	w->copy_sql = sb_steal(&sql);
	w->sha = EVP_MD_CTX_new();
	if (!w->sha || EVP_DigestInit_ex(w->sha, EVP_sha256(), NULL) != 1) {
		w->failed = true;
		util_seterr(w->errbuf, "could not start SHA-256");
		return ODP_ERR_IO;
	}
	sb_append(&w->buf, copy_header, sizeof copy_header);
	sender_start(w);
	return ODP_OK;
}

void copy_tee(struct copy_writer *w,
	      bool (*tee)(void *cls, const char *buf, size_t len), void *cls)
{
	w->tee = tee;
	w->tee_cls = cls;
}

void copy_hold(struct copy_writer *w, const struct copy_hold *h)
{
	if (!w->tee || !h->reread || !h->checksum)
		return;
	w->hold = *h;
	w->holding = true;
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
	if (w->n_rows % COPY_BLOCK_ROWS == 0)
		w->boundary = true;
	if (w->boundary || w->buf.len >= COPY_FLUSH_SIZE ||
	    sb_failed(&w->buf))
		flush(w);
}

enum odp_status copy_end(struct copy_writer *w, const char *abort_reason,
			 char checksum[65], struct sb *prefixes)
{
	static const char trailer[2] = {'\377', '\377'};
	unsigned char digest[EVP_MAX_MD_SIZE];
	unsigned int digest_len = 0, i;
	char hex[65] = "";
	PGresult *res;

	if (!abort_reason) {
		sb_append(&w->buf, trailer, 2);
		flush(w);
	}
	sender_stop(w);
	if (!abort_reason && !w->failed && w->sha &&
	    EVP_DigestFinal_ex(w->sha, digest, &digest_len) == 1)
		for (i = 0; i < digest_len && i < 32; i++)
			snprintf(hex + 2 * i, 3, "%02x", digest[i]);
	/* Held to the end: the same rows are not sent again; other rows
	 * (they differ after the last prefix checksum) are, all of them. */
	if (w->holding && !abort_reason && !w->failed) {
		w->holding = false;
		if (strcmp(hex, w->hold.checksum) == 0)
			w->unsent = true;
		else if (!send_held(w, w->spooled, w->errbuf))
			w->failed = true;
	}
	if (w->started) {
		if (PQputCopyEnd(w->conn, abort_reason ? abort_reason
				 : w->failed ? w->errbuf : NULL) != 1)
			fail(w, "could not end COPY");
		while ((res = PQgetResult(w->conn)) != NULL) {
			if (PQresultStatus(res) != PGRES_COMMAND_OK &&
			    !abort_reason)
				fail(w, "the database refused the rows");
			PQclear(res);
		}
	} else if (!w->unsent && !abort_reason && !w->failed) {
		util_seterr(w->errbuf, "no row was sent to the database");
		w->failed = true;
	}
	if (!abort_reason && !w->failed) {
		if (checksum)
			memcpy(checksum, hex, sizeof hex);
		if (prefixes && !sb_failed(&w->prefixes))
			sb_append(prefixes, w->prefixes.buf ? w->prefixes.buf
							    : "",
				  w->prefixes.len);
	}
	EVP_MD_CTX_free(w->sha);
	w->sha = NULL;
	free(w->copy_sql);
	w->copy_sql = NULL;
	sb_free(&w->buf);
	sb_free(&w->prefixes);
	return abort_reason || w->failed ? ODP_ERR_DB : ODP_OK;
}
