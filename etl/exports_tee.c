/*
 * exports_tee.c: measuring a version's exports from its load (see
 * exports_tee.h).
 *
 * The copy writer's sending thread appends the stream to the file as it
 * sends it (copy.h); once it is complete, the rendering thread reads it
 * back in pieces, feeds each to the renderer and keeps the part of a row
 * that has not arrived whole for the next piece.
 */
#include "exports_tee.h"

#include "log.h"
#include "util.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/statvfs.h>
#include <time.h>
#include <unistd.h>

/* What one read of the file takes; a longer row grows the buffer, up to
 * the copy writer's own limit on a row. */
#define TEE_READ ((size_t)1 << 20)
#define TEE_ROW_MAX ((size_t)64 << 20)

struct exports_tee {
	int fd;
	struct export *e;
	struct exports_digests digests;
	int64_t version_id;
	uint64_t size;           /* bytes in the file */
	uint64_t room;           /* the most it may hold */
	bool broken;             /* the file could not be written */
	double started_at;       /* of the rendering */
	pthread_t thread;
	bool running;            /* thread started and not joined */
	_Atomic bool stop;
	_Atomic int64_t rows;    /* rendered so far, for the progress line */
	bool failed;             /* the thread's outcome, read after join */
	char errbuf[ODP_ERRBUF_SIZE];
};

static double now_seconds(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *render(void *arg)
{
	struct exports_tee *t = arg;
	size_t cap = TEE_READ, have = 0, want;
	unsigned char *buf = xmalloc(cap);
	uint64_t off = 0;
	ssize_t n;
	int64_t used;

	t->failed = true;
	while (!export_done(t->e)) {
		if (t->stop) {
			util_seterr(t->errbuf, "stopped");
			goto out;
		}
		if (off == t->size) {
			util_seterr(t->errbuf, "the rows ended before the "
				    "COPY stream's end marker");
			goto out;
		}
		if (have == cap) {
			if (cap >= TEE_ROW_MAX) {
				util_seterr(t->errbuf, "a row is larger than "
					    "%zu MB", TEE_ROW_MAX >> 20);
				goto out;
			}
			cap *= 2;
			buf = xrealloc(buf, cap);
		}
		want = cap - have;
		if (want > t->size - off)
			want = (size_t)(t->size - off);
		do
			n = pread(t->fd, buf + have, want, (off_t)off);
		while (n < 0 && errno == EINTR);
		if (n <= 0) {
			util_seterr(t->errbuf, "could not read the temporary "
				    "file: %s", n < 0 ? strerror(errno)
						      : "it is shorter");
			goto out;
		}
		off += (uint64_t)n;
		have += (size_t)n;
		used = export_feed(t->e, buf, have, t->errbuf);
		if (used < 0)
			goto out;
		t->rows = export_rows(t->e);
		memmove(buf, buf + used, have - (size_t)used);
		have -= (size_t)used;
	}
	t->failed = false;
out:
	free(buf);
	return NULL;
}

struct exports_tee *exports_tee_start(PGconn *conn, int64_t version_id)
{
	struct exports_tee *t = xcalloc(1, sizeof *t);
	const char *dir = getenv("TMPDIR");
	char errbuf[ODP_ERRBUF_SIZE], path[4096];
	struct statvfs fs;

	t->fd = -1;
	t->room = UINT64_MAX;
	t->version_id = version_id;
	if (!exports_digests_init(&t->digests, errbuf))
		goto fail;
	t->e = export_open_load(conn, version_id, t->digests.sinks,
				EXPORTS_CHUNK, errbuf);
	if (!t->e)
		goto fail;
	if (snprintf(path, sizeof path, "%s/odp-exports-XXXXXX",
		     dir && *dir ? dir : "/tmp") >= (int)sizeof path) {
		util_seterr(errbuf, "TMPDIR is too long");
		goto fail;
	}
	t->fd = mkstemp(path);
	if (t->fd < 0) {
		util_seterr(errbuf, "could not create %s: %s", path,
			    strerror(errno));
		goto fail;
	}
	/* Gone with the process, however it ends. */
	unlink(path);
	/* Half the space free in TMPDIR: the spool is about the size of
	 * the table, and a disk filled by it would fail others (the
	 * database, when it lives there too). */
	if (fstatvfs(t->fd, &fs) == 0)
		t->room = (uint64_t)fs.f_bavail * fs.f_frsize / 2;
	return t;
fail:
	log_info("exports: to be read back from the table (%s)", errbuf);
	exports_tee_free(t);
	return NULL;
}

bool exports_tee_write(void *tee, const char *buf, size_t len)
{
	struct exports_tee *t = tee;
	size_t done = 0;
	ssize_t n;

	if (!t->broken && t->size + len > t->room) {
		log_info("exports: the rows would take more than half the free "
			 "space of TMPDIR: they will be read back from the "
			 "table");
		t->broken = true;
	}
	while (!t->broken && done < len) {
		n = pwrite(t->fd, buf + done, len - done,
			   (off_t)(t->size + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			log_warn("exports: could not write the temporary file "
				 "(%s): they will be read back from the table",
				 n < 0 ? strerror(errno) : "no space left");
			t->broken = true;
		}
		done += n > 0 ? (size_t)n : 0;
	}
	if (t->broken)
		return false;
	t->size += len;
	return true;
}

bool exports_tee_reread(void *tee, uint64_t off, void *buf, size_t len)
{
	struct exports_tee *t = tee;
	size_t done = 0;
	ssize_t n;

	while (done < len) {
		n = pread(t->fd, (char *)buf + done, len - done,
			  (off_t)(off + done));
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			return false;
		done += (size_t)n;
	}
	return true;
}

bool exports_tee_render(struct exports_tee *t)
{
	if (t->broken)
		return false;
	if (t->running)
		return true;
	t->started_at = now_seconds();
	if (pthread_create(&t->thread, NULL, render, t) != 0) {
		log_warn("exports: could not start a thread: they will be "
			 "read back from the table");
		return false;
	}
	t->running = true;
	return true;
}

/* Waits for the rendering thread, showing its progress with progress. */
static void join_render(struct exports_tee *t, bool progress,
			int64_t n_rows)
{
	struct timespec until;

	while (progress) {
		exports_draw_progress(t->rows, n_rows, false);
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_nsec += 250000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		if (pthread_timedjoin_np(t->thread, NULL, &until) == 0) {
			exports_draw_progress(t->rows, n_rows, true);
			return;
		}
	}
	pthread_join(t->thread, NULL);
}

bool exports_tee_finish(struct exports_tee *t, bool progress,
			int64_t n_rows, struct exports_measure *out)
{
	char errbuf[ODP_ERRBUF_SIZE];

	if (!t->running)
		return false;
	join_render(t, progress, n_rows);
	t->running = false;
	if (t->failed) {
		log_warn("exports: could not render them from the load (%s): "
			 "they will be read back from the table", t->errbuf);
		return false;
	}
	if (!exports_digests_finish(&t->digests, t->version_id, out, errbuf)) {
		log_warn("exports: %s", errbuf);
		return false;
	}
	exports_log(out, export_rows(t->e), now_seconds() - t->started_at,
		    "rendered from the load");
	return true;
}

void exports_tee_free(struct exports_tee *t)
{
	if (!t)
		return;
	if (t->running) {
		t->stop = true;
		pthread_join(t->thread, NULL);
	}
	if (t->fd >= 0)
		close(t->fd);
	export_close(t->e);
	exports_digests_free(&t->digests);
	free(t);
}
