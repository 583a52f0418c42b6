/*
 * stream.c: a cursor read as a chunked HTTP body (see stream.h).
 *
 * MHD calls stream_read() whenever the socket can take more; it copies out
 * of a pending buffer, which stream_fill() refills with up to
 * STREAM_CHUNK bytes of rows (a single larger row is kept whole).  When the
 * current batch is used up, the next FETCH runs on the MHD thread; a short
 * batch means the cursor is exhausted and saves the last FETCH.  A failure
 * half-way cannot change the status any more: the stream ends with an
 * error, MHD closes the connection without the final chunk, and the client
 * sees a truncated transfer rather than a valid-looking short document.
 */
#include "stream.h"

#include "log.h"
#include "odp.h"
#include "sb.h"
#include "util.h"

#include <stdbool.h>
#include <stdlib.h>
#include <string.h>

/* Bytes of rows gathered before handing them to MHD. */
#define STREAM_CHUNK ((size_t)64 << 10)

struct stream {
	struct api_pool *pool;   /* borrowed */
	struct api_conn *conn;   /* owned until the free callback */
	PGresult *batch;         /* owned */
	int row;                 /* next row of batch */
	bool head_sent, done, any_row;
	char *head, *tail;       /* owned */
	struct sb out;           /* pending bytes */
	size_t off;              /* of out already given to MHD */
	uint64_t n_rows;
};

/* Replaces the batch with the next FETCH; false on failure. */
static bool fetch_next(struct stream *s)
{
	char errbuf[ODP_ERRBUF_SIZE];

	PQclear(s->batch);
	s->row = 0;
	s->batch = api_conn_query(s->conn, API_STREAM_FETCH, 0, NULL, errbuf);
	if (!s->batch) {
		log_error("streaming stopped after %llu rows: %s",
			  (unsigned long long)s->n_rows, errbuf);
		return false;
	}
	return true;
}

/* Refills s->out; false when the stream must end with an error. */
static bool stream_fill(struct stream *s)
{
	sb_reset(&s->out);
	s->off = 0;
	if (!s->head_sent) {
		sb_puts(&s->out, s->head);
		s->head_sent = true;
	}
	while (s->out.len < STREAM_CHUNK) {
		if (s->row < PQntuples(s->batch)) {
			if (s->any_row)
				sb_putc(&s->out, ',');
			sb_append(&s->out, PQgetvalue(s->batch, s->row, 0),
				  (size_t)PQgetlength(s->batch, s->row, 0));
			s->any_row = true;
			s->row++;
			s->n_rows++;
			continue;
		}
		if (PQntuples(s->batch) < API_STREAM_BATCH) {
			sb_puts(&s->out, s->tail);
			s->done = true;
			break;
		}
		if (!fetch_next(s))
			return false;
	}
	if (sb_failed(&s->out)) {
		log_error("streaming stopped after %llu rows: a row is larger "
			  "than %zu bytes",
			  (unsigned long long)s->n_rows,
			  (size_t)SB_DEFAULT_MAX);
		return false;
	}
	return true;
}

static ssize_t stream_read(void *cls, uint64_t pos, char *buf, size_t max)
{
	struct stream *s = cls;
	size_t n;

	(void)pos;
	while (s->off == s->out.len) {
		if (s->done)
			return MHD_CONTENT_READER_END_OF_STREAM;
		if (!stream_fill(s))
			return MHD_CONTENT_READER_END_WITH_ERROR;
	}
	n = s->out.len - s->off;
	if (n > max)
		n = max;
	memcpy(buf, s->out.buf + s->off, n);
	s->off += n;
	return (ssize_t)n;
}

static void stream_free(void *cls)
{
	struct stream *s = cls;

	PQclear(s->batch);
	api_pool_return(s->pool, s->conn);
	sb_free(&s->out);
	free(s->head);
	free(s->tail);
	free(s);
}

struct MHD_Response *api_stream_new(struct api_pool *pool,
				    struct api_conn *conn, PGresult *first,
				    char *head, char *tail)
{
	struct stream *s = xcalloc(1, sizeof *s);
	struct MHD_Response *resp;

	s->pool = pool;
	s->conn = conn;
	s->batch = first;
	s->head = head;
	s->tail = tail;
	sb_init(&s->out, 0);
	resp = MHD_create_response_from_callback(MHD_SIZE_UNKNOWN,
						 STREAM_CHUNK, stream_read, s,
						 stream_free);
	if (!resp)
		stream_free(s);
	return resp;
}
