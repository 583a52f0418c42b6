/*
 * schedule.c: the scheduler loop and the status table (see schedule.h).
 *
 * One process, one database connection, up to `workers` children:
 *
 *   scan      at the start, every interval and on SIGHUP, the jobs folder
 *             is listed; files new or changed since the last look (mtime,
 *             size, inode) are read with job_load(), invalid ones logged
 *             with every problem; each valid job is registered: its rows
 *             (harvest_register()), its timeout and retries, and
 *             next_run_at, computed from its schedule when the schedule is
 *             new to the catalogue (a job never run yet is due at once).
 *             When two files name the same job, the first by path wins.
 *   claim     one transaction: the most overdue job this scheduler has a
 *             file for, FOR UPDATE SKIP LOCKED so that concurrent claims
 *             pass each other by; next_run_at moves to the next fire time
 *             after now and retry_at is cleared.  A session advisory lock
 *             on the job, held until the run ends, tells other schedulers
 *             that it is running although it may be due again, and dies
 *             with the session of a scheduler that dies.
 *   run       fork + exec of `odp-etl run --no-progress FILE`, in a process
 *             group of its own, with PGAPPNAME naming the run: its job_runs
 *             row (worker column) and its backend are found by that name.
 *   deadline  past the job's timeout: SIGTERM (the run stops at the next
 *             row and records itself), then SIGKILL and pg_terminate_backend
 *             once the grace period is over.  The run is recorded as
 *             timed_out and a table it was loading is dropped, under the
 *             job's harvest lock so that no other run of it is in progress.
 *   retry     a failed or timed-out run sets retry_at to now + delay *
 *             2^(failures before it), capped, while retries remain; a
 *             success resets the count.  A job is due at retry_at when one
 *             is set, else at next_run_at.
 *   stop      on SIGTERM or SIGINT: no more claims; children get SIGTERM,
 *             then SIGKILL when the grace period is over; their runs are
 *             recorded and due again at once.
 *
 * The handled signals are blocked except while the loop waits in ppoll(),
 * so that none arrives unseen between a check and the wait.
 */
#include "schedule.h"

#include "cron.h"
#include "db.h"
#include "harvest.h"
#include "job.h"
#include "log.h"
#include "sb.h"
#include "util.h"

#include <errno.h>
#include <jansson.h>
#include <poll.h>
#include <signal.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Advisory lock classes: harvest.c's "a run of job N is in progress"
 * ("odpn", the same number as there), and "job N is claimed by a
 * scheduler" ("odps"). */
#define HARVEST_LOCK_CLASS "1868853358"
#define CLAIM_LOCK_CLASS "1868853363"

/* SQL: some session of this database holds advisory lock (class, id). */
#define LOCK_HELD_SQL(class, id)                                             \
	"EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' "    \
	"AND l.granted AND l.objsubid = 2 AND l.database = (SELECT oid "     \
	"FROM pg_database WHERE datname = current_database()) "              \
	"AND l.classid::int8 = " class " AND l.objid::int8 = " id ")"

/* How long recording a stopped run waits for the job's harvest lock. */
#define RECORD_LOCK_TIMEOUT "30s"
/* How long to wait for a child to die after SIGKILL. */
#define KILL_WAIT_SECONDS 5
/* Exit status of `odp-etl run` for an invalid job file (main.c). */
#define RUN_EXIT_INVALID_JOB 3
/* Characters of a run's message shown by `odp-etl status`. */
#define STATUS_MESSAGE_CHARS 60

enum stop_reason { STOP_NONE, STOP_TIMEOUT, STOP_SHUTDOWN };

enum outcome { OUTCOME_SUCCEEDED, OUTCOME_FAILED, OUTCOME_INTERRUPTED,
	       OUTCOME_NOT_RUN };

/* A job file as last read. */
struct job_file {
	char *path;
	struct stat st;     /* when read: a new mtime, size or inode rereads */
	struct job *job;    /* NULL when the file is invalid */
	struct cron cron;   /* the job's schedule, when has_cron */
	bool has_cron;
	bool shadowed;      /* an earlier file describes the same job */
	bool registered;    /* the catalogue has this version of the job */
};

/* A run in progress; pid 0 when the slot is free. */
struct slot {
	pid_t pid;
	int64_t job_id;
	char *identifier;
	char tag[64];             /* the run's application_name */
	int64_t timeout;          /* seconds */
	int64_t retries;
	double deadline;          /* monotonic seconds */
	double term_at;           /* when SIGTERM was sent, 0: not yet */
	bool killed;
	unsigned conn_generation; /* the connection holding its claim lock */
	enum stop_reason stop;
};

struct sched {
	const struct schedule_options *opts;
	PGconn *conn;
	unsigned conn_generation; /* counts connections made */
	bool conn_lost;           /* logged that the database is away */
	char worker[48];          /* "host:pid", jobs.claimed_by */
	struct job_file *files;   /* sorted by path */
	size_t n_files;
	struct slot *slots;       /* opts->workers of them */
	unsigned long n_started;
	sigset_t wait_mask;       /* the signal mask while waiting */
	bool any_failed;
	char errbuf[ODP_ERRBUF_SIZE];
};

static volatile sig_atomic_t stop_signal;
static volatile sig_atomic_t rescan_requested;

static void on_stop(int sig)
{
	stop_signal = sig;
}

static void on_hangup(int sig)
{
	(void)sig;
	rescan_requested = 1;
}

/* Only there to interrupt ppoll(); children are reaped by the loop. */
static void on_child(int sig)
{
	(void)sig;
}

static double monotonic_now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void int64_str(int64_t v, char buf[24])
{
	snprintf(buf, 24, "%lld", (long long)v);
}

/* Runs sql and drops its result; false with s->errbuf set on failure. */
static bool run_sql(struct sched *s, const char *sql, int n,
		    const char *const *params)
{
	PGresult *res = db_query(s->conn, sql, n, params, s->errbuf);

	PQclear(res);
	return res != NULL;
}

/* The database's clock, in whole seconds since the epoch. */
static bool db_now(struct sched *s, int64_t *now)
{
	PGresult *res = db_query(s->conn,
				 "SELECT floor(extract(epoch FROM now()))::int8",
				 0, NULL, s->errbuf);
	bool ok = res && util_parse_int64(PQgetvalue(res, 0, 0), now);

	if (res && !ok)
		util_seterr(s->errbuf, "unexpected answer from the database");
	PQclear(res);
	return ok;
}

/* Sets *out from the environment variable name when it is set; false with
 * errbuf set when it is not an integer from lo to hi. */
static bool env_int(const char *name, int lo, int hi, int *out, char *errbuf)
{
	const char *value = getenv(name);
	int64_t n;

	if (!value || !*value)
		return true;
	if (!util_parse_int64(value, &n) || n < lo || n > hi) {
		util_seterr(errbuf, "invalid value \"%s\" for %s; expected an "
			    "integer from %d to %d", value, name, lo, hi);
		return false;
	}
	*out = (int)n;
	return true;
}

enum odp_status schedule_options_init(struct schedule_options *opts,
				      char *errbuf)
{
	const char *dir = getenv("ODP_JOBS_DIR");

	memset(opts, 0, sizeof *opts);
	opts->jobs_dir = dir && *dir ? dir : "etl/jobs";
	opts->timezone = cron_timezone();
	opts->program = "/proc/self/exe";
	opts->interval = SCHEDULE_INTERVAL_DEFAULT;
	opts->workers = 1;
	opts->timeout = SCHEDULE_TIMEOUT_DEFAULT;
	opts->retries = SCHEDULE_RETRIES_DEFAULT;
	opts->retry_delay = SCHEDULE_RETRY_DELAY_DEFAULT;
	opts->grace = SCHEDULE_GRACE_DEFAULT;
	if (!env_int("ODP_JOB_TIMEOUT", 1, JOB_TIMEOUT_MAX, &opts->timeout,
		     errbuf) ||
	    !env_int("ODP_RETRY_DELAY", 1, SCHEDULE_RETRY_DELAY_MAX,
		     &opts->retry_delay, errbuf) ||
	    !env_int("ODP_SHUTDOWN_GRACE", 1, SCHEDULE_GRACE_MAX,
		     &opts->grace, errbuf) ||
	    !cron_timezone_ok(opts->timezone, errbuf))
		return ODP_ERR_USAGE;
	return ODP_OK;
}

/* Makes sure s->conn is usable, connecting again if needed; false when
 * the database cannot be reached (logged once until it comes back). */
static bool ensure_connection(struct sched *s)
{
	if (s->conn && PQstatus(s->conn) == CONNECTION_OK)
		return true;
	PQfinish(s->conn);
	s->conn = db_connect(s->errbuf);
	if (!s->conn) {
		/* At the start, the caller says it and gives up. */
		if (!s->conn_lost && s->conn_generation > 0)
			log_error("%s; trying again every %d s", s->errbuf,
				  s->opts->interval);
		s->conn_lost = true;
		return false;
	}
	if (s->conn_lost)
		log_info("connected to the database again");
	s->conn_lost = false;
	/* The database may have been restored meanwhile: register the jobs
	 * again at the next scan. */
	if (s->conn_generation++ > 0)
		for (size_t i = 0; i < s->n_files; i++)
			s->files[i].registered = false;
	return true;
}

/* ---- job files ---------------------------------------------------- */

static int compare_paths(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int compare_files(const void *a, const void *b)
{
	return strcmp(((const struct job_file *)a)->path,
		      ((const struct job_file *)b)->path);
}

static void free_job_file(struct job_file *f)
{
	free(f->path);
	job_free(f->job);
}

/* Reads f->path again; invalid files are logged with every problem. */
static void read_job_file(struct job_file *f)
{
	struct job_problems pr = {0};
	char why[ODP_ERRBUF_SIZE];
	size_t i;

	job_free(f->job);
	f->job = job_load(f->path, &pr);
	f->has_cron = false;
	f->registered = false;
	if (!f->job) {
		for (i = 0; i < pr.n; i++)
			log_error("%s: %s: %s", f->path, pr.items[i].json_path,
				  pr.items[i].message);
		log_warn("job file \"%s\" is not scheduled until it is "
			 "valid", f->path);
	} else if (f->job->schedule) {
		/* job_load() checked it against the same grammar. */
		f->has_cron = cron_parse(f->job->schedule, &f->cron, why);
		if (!f->has_cron)
			log_error("%s: $.schedule: %s", f->path, why);
	}
	job_problems_free(&pr);
}

/* A file is shadowed by an earlier valid file describing the same job. */
static void mark_shadowed(struct sched *s)
{
	size_t i, j;

	for (i = 0; i < s->n_files; i++) {
		struct job_file *f = &s->files[i];
		bool was = f->shadowed;
		f->shadowed = false;
		if (!f->job)
			continue;
		for (j = 0; j < i && !f->shadowed; j++)
			if (s->files[j].job &&
			    strcmp(s->files[j].job->identifier,
				   f->job->identifier) == 0)
				f->shadowed = true;
		if (f->shadowed && !was)
			log_error("job file \"%s\" ignored: another file, "
				  "earlier by name, describes job \"%s\"",
				  f->path, f->job->identifier);
		if (!f->shadowed && was)
			f->registered = false;
	}
}

static bool file_is_active(const struct job_file *f)
{
	return f->job && !f->shadowed;
}

static struct job_file *find_active_file(struct sched *s, const char *id)
{
	size_t i;

	for (i = 0; i < s->n_files; i++)
		if (file_is_active(&s->files[i]) &&
		    strcmp(s->files[i].job->identifier, id) == 0)
			return &s->files[i];
	return NULL;
}

/* Puts the job of f in the catalogue with its scheduling settings, and
 * next_run_at when the schedule is new to the catalogue. */
static enum odp_status register_job_file(struct sched *s, struct job_file *f)
{
	const struct job *job = f->job;
	char id[24], timeout[24], retries[24], next[24];
	const char *p[5];
	int64_t job_id, now;
	time_t t = 0;
	bool has_next = false;
	enum odp_status rc = ODP_ERR_DB;

	if (db_exec(s->conn, "BEGIN", s->errbuf) != ODP_OK)
		return ODP_ERR_DB;
	if (harvest_register(s->conn, job, &job_id, s->errbuf) != ODP_OK ||
	    !db_now(s, &now))
		goto out;
	if (f->has_cron) {
		has_next = cron_next(&f->cron, (time_t)now, s->opts->timezone,
				     &t);
		if (!has_next)
			log_warn("job \"%s\": its schedule \"%s\" never fires",
				 job->identifier, job->schedule);
	}
	int64_str(job_id, id);
	int64_str(job->timeout, timeout);
	int64_str(job->retries, retries);
	int64_str((int64_t)t, next);
	p[0] = id;
	p[1] = job->timeout > 0 ? timeout : NULL;
	p[2] = job->retries >= 0 ? retries : NULL;
	p[3] = job->schedule;
	p[4] = has_next ? next : NULL;
	if (!run_sql(s,
		     "UPDATE jobs SET timeout_seconds = $2::int4, "
		     "max_retries = $3::int4, next_run_at = CASE "
		     "WHEN $5::int8 IS NULL THEN NULL "
		     "WHEN next_run_at IS NOT NULL AND "
		     "next_run_schedule IS NOT DISTINCT FROM $4::text "
		     "THEN next_run_at "
		     "WHEN NOT EXISTS (SELECT 1 FROM job_runs r "
		     "WHERE r.job_id = jobs.id) THEN now() "
		     "ELSE to_timestamp($5::int8) END, "
		     "next_run_schedule = $4::text WHERE id = $1::int8",
		     5, p))
		goto out;
	rc = db_exec(s->conn, "COMMIT", s->errbuf);
out:
	if (rc != ODP_OK)
		PQclear(PQexec(s->conn, "ROLLBACK"));
	return rc;
}

static void register_files(struct sched *s)
{
	size_t i;

	for (i = 0; i < s->n_files; i++) {
		struct job_file *f = &s->files[i];
		if (!file_is_active(f) || f->registered)
			continue;
		if (!ensure_connection(s))
			return;
		if (register_job_file(s, f) == ODP_OK) {
			f->registered = true;
			log_debug("job \"%s\" registered from %s",
				  f->job->identifier, f->path);
		} else {
			log_error("could not register job \"%s\" (%s): %s; "
				  "trying again in %d s", f->job->identifier,
				  f->path, s->errbuf, s->opts->interval);
		}
	}
}

/* A claim without its lock was left by a scheduler that died during the
 * run (its run recorded itself as stopped, or the next run will): the job
 * is due again at once. */
static void recover_orphans(struct sched *s)
{
	char **idents = xcalloc(s->n_files + 1, sizeof *idents);
	const char *p[1];
	PGresult *res = NULL;
	size_t i, n = 0;
	int row;

	for (i = 0; i < s->n_files; i++)
		if (file_is_active(&s->files[i]) && s->files[i].registered)
			idents[n++] = s->files[i].job->identifier;
	if (n == 0 || !ensure_connection(s))
		goto out;
	p[0] = db_text_array(idents, n);
	res = db_query(s->conn,
		       "UPDATE jobs SET retry_at = now(), claimed_by = NULL, "
		       "claimed_at = NULL WHERE claimed_by IS NOT NULL "
		       "AND identifier = ANY($1::text[]) AND NOT "
		       LOCK_HELD_SQL(CLAIM_LOCK_CLASS, "jobs.id")
		       " RETURNING identifier, claimed_by",
		       1, p, s->errbuf);
	free((char *)p[0]);
	if (!res) {
		log_warn("could not look for runs left by a scheduler that "
			 "stopped: %s", s->errbuf);
		goto out;
	}
	for (row = 0; row < PQntuples(res); row++)
		log_warn("job \"%s\": its scheduler (%s) stopped during the "
			 "run; due again", PQgetvalue(res, row, 0),
			 PQgetvalue(res, row, 1));
out:
	PQclear(res);
	free(idents);
}

/* Reads the job files new or changed since the last scan and registers
 * their jobs.  ODP_ERR_IO, with s->errbuf set, when the jobs folder cannot
 * be listed; the files known stay as they were. */
static enum odp_status scan(struct sched *s)
{
	char **paths = NULL;
	size_t n_paths = 0, i;
	struct job_file *files;
	bool *moved;

	errno = 0;
	if (!job_list_files(s->opts->jobs_dir, &paths, &n_paths)) {
		util_seterr(s->errbuf, "could not open jobs folder \"%s\": %s",
			    s->opts->jobs_dir, strerror(errno));
		free(paths);
		return ODP_ERR_IO;
	}
	if (n_paths == JOB_FILES_MAX)
		log_warn("more than %d job files under %s; the rest are not "
			 "read", JOB_FILES_MAX, s->opts->jobs_dir);
	qsort(paths, n_paths, sizeof *paths, compare_paths);
	files = xcalloc(n_paths + 1, sizeof *files);
	moved = xcalloc(s->n_files + 1, sizeof *moved);
	for (i = 0; i < n_paths; i++) {
		struct job_file key, *old = NULL, *f = &files[i];
		struct stat st;
		memset(&key, 0, sizeof key);
		key.path = paths[i];
		if (s->n_files)
			old = bsearch(&key, s->files, s->n_files,
				      sizeof *s->files, compare_files);
		if (old) {
			*f = *old;
			moved[old - s->files] = true;
			free(paths[i]);
		} else {
			f->path = paths[i];
		}
		if (stat(f->path, &st) != 0)
			memset(&st, 0, sizeof st);
		if (!old || st.st_mtim.tv_sec != f->st.st_mtim.tv_sec ||
		    st.st_mtim.tv_nsec != f->st.st_mtim.tv_nsec ||
		    st.st_size != f->st.st_size || st.st_ino != f->st.st_ino) {
			if (old)
				log_info("job file \"%s\" changed; reading it "
					 "again", f->path);
			f->st = st;
			read_job_file(f);
		}
	}
	for (i = 0; i < s->n_files; i++) {
		if (moved[i])
			continue;
		log_info("job file \"%s\" is gone; its job is no longer "
			 "scheduled here", s->files[i].path);
		free_job_file(&s->files[i]);
	}
	free(moved);
	free(paths);
	free(s->files);
	s->files = files;
	s->n_files = n_paths;
	mark_shadowed(s);
	register_files(s);
	recover_orphans(s);
	return ODP_OK;
}

/* ---- runs --------------------------------------------------------- */

static size_t n_running(const struct sched *s)
{
	size_t i, n = 0;

	for (i = 0; i < (size_t)s->opts->workers; i++)
		n += s->slots[i].pid != 0;
	return n;
}

static struct slot *free_slot(struct sched *s)
{
	size_t i;

	for (i = 0; i < (size_t)s->opts->workers; i++)
		if (!s->slots[i].pid)
			return &s->slots[i];
	return NULL;
}

/* Renders ids as a PostgreSQL array literal for a $n::int8[] parameter. */
static void int64_array(struct sb *sb, const int64_t *ids, size_t n)
{
	size_t i;

	sb_reset(sb);
	sb_putc(sb, '{');
	for (i = 0; i < n; i++)
		sb_printf(sb, "%s%lld", i ? "," : "", (long long)ids[i]);
	sb_putc(sb, '}');
}

/* Moves the claimed job's next_run_at on, within the claim's
 * transaction. */
static bool advance_job(struct sched *s, const struct job_file *f,
			const char *id, int64_t now)
{
	char next[24];
	const char *p[4] = {id, NULL, f->job->schedule, s->worker};
	time_t t;

	if (f->has_cron && cron_next(&f->cron, (time_t)now, s->opts->timezone,
				     &t)) {
		int64_str((int64_t)t, next);
		p[1] = next;
	}
	return run_sql(s,
		       "UPDATE jobs SET next_run_at = to_timestamp($2::int8), "
		       "next_run_schedule = $3::text, retry_at = NULL, "
		       "claimed_by = $4, claimed_at = now() "
		       "WHERE id = $1::int8",
		       4, p);
}

/* Claims the most overdue job this scheduler has a file for.  ODP_OK with
 * *file (borrowed) and *job_id set and the job's claim lock held;
 * ODP_ERR_NOT_FOUND when no job is due; ODP_ERR_DB with s->errbuf set. */
static enum odp_status claim_job(struct sched *s, struct job_file **file,
				 int64_t *job_id)
{
	char **idents = xcalloc(s->n_files + 1, sizeof *idents);
	int64_t *skip = xcalloc(s->n_files + (size_t)s->opts->workers + 1,
				sizeof *skip);
	size_t n_idents = 0, n_skip = 0, i, round;
	char *ident_array = NULL;
	PGresult *res = NULL;
	enum odp_status rc = ODP_ERR_NOT_FOUND;
	struct sb skip_array;

	sb_init(&skip_array, 0);
	for (i = 0; i < s->n_files; i++)
		if (file_is_active(&s->files[i]) && s->files[i].registered)
			idents[n_idents++] = s->files[i].job->identifier;
	/* This session holds the claim locks of its own runs: a second
	 * pg_try_advisory_lock() would succeed. */
	for (i = 0; i < (size_t)s->opts->workers; i++)
		if (s->slots[i].pid)
			skip[n_skip++] = s->slots[i].job_id;
	if (n_idents == 0)
		goto out;
	ident_array = db_text_array(idents, n_idents);
	for (round = 0; round <= n_idents; round++) {
		const char *p[2];
		struct job_file *f;
		char id_text[24];
		int64_t id, now;
		bool locked;

		int64_array(&skip_array, skip, n_skip);
		p[0] = ident_array;
		p[1] = skip_array.buf;
		rc = ODP_ERR_DB;
		if (db_exec(s->conn, "BEGIN", s->errbuf) != ODP_OK)
			goto out;
		res = db_query(s->conn,
			       "SELECT id, identifier, "
			       "floor(extract(epoch FROM now()))::int8 "
			       "FROM jobs WHERE enabled "
			       "AND identifier = ANY($1::text[]) "
			       "AND id <> ALL($2::int8[]) "
			       "AND coalesce(retry_at, next_run_at) <= now() "
			       "ORDER BY coalesce(retry_at, next_run_at), id "
			       "LIMIT 1 FOR UPDATE SKIP LOCKED",
			       2, p, s->errbuf);
		if (!res)
			goto rollback;
		if (PQntuples(res) == 0) {
			rc = db_exec(s->conn, "COMMIT", s->errbuf) == ODP_OK
				     ? ODP_ERR_NOT_FOUND : ODP_ERR_DB;
			goto out;
		}
		if (!util_parse_int64(PQgetvalue(res, 0, 0), &id) ||
		    !util_parse_int64(PQgetvalue(res, 0, 2), &now) ||
		    !(f = find_active_file(s, PQgetvalue(res, 0, 1)))) {
			util_seterr(s->errbuf, "unexpected answer from the "
				    "database");
			goto rollback;
		}
		int64_str(id, id_text);
		p[0] = id_text;
		PQclear(res);
		/* A run by hand holds the harvest lock: let it finish. */
		res = db_query(s->conn,
			       "SELECT CASE WHEN " LOCK_HELD_SQL(
				       HARVEST_LOCK_CLASS, "$1::int8")
			       " THEN false ELSE pg_try_advisory_lock("
			       CLAIM_LOCK_CLASS ", $1::int4) END",
			       1, p, s->errbuf);
		if (!res)
			goto rollback;
		locked = strcmp(PQgetvalue(res, 0, 0), "t") == 0;
		PQclear(res);
		res = NULL;
		if (!locked) {
			/* Running elsewhere, and due again already. */
			log_debug("job \"%s\" is due but still running "
				  "elsewhere", f->job->identifier);
			PQclear(PQexec(s->conn, "ROLLBACK"));
			skip[n_skip++] = id;
			continue;
		}
		if (!advance_job(s, f, id_text, now) ||
		    db_exec(s->conn, "COMMIT", s->errbuf) != ODP_OK) {
			const char *up[1] = {id_text};
			PQclear(PQexec(s->conn, "ROLLBACK"));
			PQclear(PQexecParams(s->conn,
					     "SELECT pg_advisory_unlock("
					     CLAIM_LOCK_CLASS ", $1::int4)",
					     1, NULL, up, NULL, NULL, 0));
			goto out;
		}
		*file = f;
		*job_id = id;
		rc = ODP_OK;
		goto out;
	}
	rc = ODP_ERR_NOT_FOUND;
	goto out;
rollback:
	PQclear(PQexec(s->conn, "ROLLBACK"));
out:
	PQclear(res);
	free(ident_array);
	free(idents);
	free(skip);
	sb_free(&skip_array);
	return rc;
}

/* In the child: becomes `odp-etl run` of path.  Never returns. */
static void exec_run(const struct sched *s, pid_t parent, const char *path,
		     const char *tag) __attribute__((noreturn));

static void exec_run(const struct sched *s, pid_t parent, const char *path,
		     const char *tag)
{
	setpgid(0, 0);
	/* A scheduler killed outright takes its runs down cleanly. */
	prctl(PR_SET_PDEATHSIG, SIGTERM);
	if (getppid() != parent)
		_exit(EXIT_FAILURE);
	sigprocmask(SIG_SETMASK, &s->wait_mask, NULL);
	setenv("PGAPPNAME", tag, 1);
	execl(s->opts->program, "odp-etl", "run", "--no-progress", path,
	      (char *)NULL);
	log_error("could not start \"%s\": %s", s->opts->program,
		  strerror(errno));
	_exit(127);
}

/* Starts the run of the claimed job of f in a child; false when it could
 * not be started (the claim is then the caller's to release). */
static bool start_run(struct sched *s, struct slot *slot,
		      const struct job_file *f, int64_t job_id)
{
	const struct job *job = f->job;
	pid_t parent = getpid(), pid;

	snprintf(slot->tag, sizeof slot->tag, "odp-sched %s/%lu", s->worker,
		 ++s->n_started);
	fflush(stderr);
	pid = fork();
	if (pid < 0) {
		log_error("could not start a run of job \"%s\": %s",
			  job->identifier, strerror(errno));
		return false;
	}
	if (pid == 0)
		exec_run(s, parent, f->path, slot->tag);
	setpgid(pid, pid);
	slot->pid = pid;
	slot->job_id = job_id;
	slot->identifier = xstrdup(job->identifier);
	slot->timeout = job->timeout > 0 ? job->timeout : s->opts->timeout;
	slot->retries = job->retries >= 0 ? job->retries : s->opts->retries;
	slot->deadline = monotonic_now() + (double)slot->timeout;
	slot->term_at = 0;
	slot->killed = false;
	slot->stop = STOP_NONE;
	slot->conn_generation = s->conn_generation;
	log_info("job \"%s\": run started from %s (deadline %lld s)",
		 job->identifier, f->path, (long long)slot->timeout);
	return true;
}

static void release_claim(struct sched *s, const struct slot *slot)
{
	char id[24];
	const char *p[1] = {id};

	/* A claim lock dies with the session that took it. */
	if (slot->conn_generation != s->conn_generation)
		return;
	int64_str(slot->job_id, id);
	if (!run_sql(s,
		     "SELECT pg_advisory_unlock(" CLAIM_LOCK_CLASS ", $1::int4)",
		     1, p))
		log_warn("could not release the claim on job \"%s\": %s",
			 slot->identifier, s->errbuf);
}

/* Sends sig to the run's process group (to the run alone if the group is
 * not there yet). */
static void signal_run(const struct slot *slot, int sig)
{
	if (kill(-slot->pid, sig) != 0)
		kill(slot->pid, sig);
}

/* SIGKILL, and the end of the run's database session: a backend busy
 * with a statement would otherwise finish it, holding the job's lock. */
static void kill_run(struct sched *s, struct slot *slot)
{
	const char *p[1] = {slot->tag};

	signal_run(slot, SIGKILL);
	slot->killed = true;
	if (ensure_connection(s) &&
	    !run_sql(s,
		     "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
		     "WHERE application_name = $1 AND pid <> pg_backend_pid()",
		     1, p))
		log_warn("could not end the database session of job \"%s\": "
			 "%s", slot->identifier, s->errbuf);
}

static void enforce_deadlines(struct sched *s, double now)
{
	size_t i;

	for (i = 0; i < (size_t)s->opts->workers; i++) {
		struct slot *slot = &s->slots[i];
		if (!slot->pid)
			continue;
		if (!slot->term_at && now >= slot->deadline) {
			log_warn("job \"%s\": the run went past its deadline "
				 "of %lld s; stopping it", slot->identifier,
				 (long long)slot->timeout);
			slot->stop = STOP_TIMEOUT;
			slot->term_at = now;
			signal_run(slot, SIGTERM);
		} else if (slot->term_at && !slot->killed &&
			   now >= slot->term_at + s->opts->grace) {
			log_warn("job \"%s\": the run did not stop within %d s; "
				 "killing it", slot->identifier, s->opts->grace);
			kill_run(s, slot);
		}
	}
}

/* Records how a run that did not end by itself ended, and drops a table
 * it was loading.  Holds the job's harvest lock meanwhile, so that no
 * other run of the job is in progress.  The run's message is what, then
 * the features read when the run counted them, then outcome. */
static enum odp_status record_stopped_run(struct sched *s,
					  const struct slot *slot,
					  const char *status, const char *what,
					  const char *outcome)
{
	char id[24];
	const char *p[5] = {id, slot->tag, status, what, outcome};
	enum odp_status rc = ODP_ERR_DB;
	PGresult *res = NULL;
	int i;

	int64_str(slot->job_id, id);
	if (db_exec(s->conn, "BEGIN", s->errbuf) != ODP_OK)
		goto out;
	if (db_exec(s->conn, "SET LOCAL lock_timeout = '" RECORD_LOCK_TIMEOUT
		    "'", s->errbuf) != ODP_OK ||
	    !run_sql(s,
		     "SELECT pg_advisory_xact_lock(" HARVEST_LOCK_CLASS
		     ", $1::int4)",
		     1, p))
		goto out;
	res = db_query(s->conn,
		       "UPDATE job_runs SET status = $3, "
		       "finished_at = coalesce(finished_at, now()), "
		       "message = $4 || CASE WHEN rows_read > 0 THEN "
		       "format(' after %s features read', rows_read) "
		       "ELSE '' END || $5 "
		       "WHERE job_id = $1::int8 AND worker = $2 "
		       "AND status IN ('running', 'failed')",
		       5, p, s->errbuf);
	if (!res)
		goto out;
	/* Killed before it recorded its start: the run is recorded here. */
	if (strcmp(PQcmdTuples(res), "0") == 0 &&
	    !run_sql(s,
		     "INSERT INTO job_runs (job_id, status, finished_at, "
		     "message, worker) SELECT $1::int8, $3, now(), $4 || $5, "
		     "$2 WHERE NOT EXISTS (SELECT 1 FROM job_runs "
		     "WHERE job_id = $1::int8 AND worker = $2)",
		     5, p))
		goto out;
	PQclear(res);
	res = db_query(s->conn,
		       "SELECT v.id, v.table_name FROM dataset_versions v "
		       "JOIN jobs j ON j.dataset_id = v.dataset_id "
		       "WHERE j.id = $1::int8 AND v.state = 'loading'",
		       1, p, s->errbuf);
	if (!res)
		goto out;
	for (i = 0; i < PQntuples(res); i++) {
		char *table = db_quote_ident(s->conn, "data",
					     PQgetvalue(res, i, 1));
		const char *vp[1] = {PQgetvalue(res, i, 0)};
		struct sb sql;
		bool ok;
		if (!table) {
			util_seterr(s->errbuf, "could not quote table name "
				    "\"%s\"", PQgetvalue(res, i, 1));
			goto out;
		}
		sb_init(&sql, 0);
		sb_printf(&sql, "DROP TABLE IF EXISTS %s", table);
		ok = db_exec(s->conn, sql.buf, s->errbuf) == ODP_OK &&
		     run_sql(s, "DELETE FROM dataset_versions "
			     "WHERE id = $1::int8", 1, vp);
		if (ok)
			log_info("dropped %s, left by the stopped run of job "
				 "\"%s\"", table, slot->identifier);
		sb_free(&sql);
		free(table);
		if (!ok)
			goto out;
	}
	rc = db_exec(s->conn, "COMMIT", s->errbuf);
out:
	PQclear(res);
	if (rc != ODP_OK) {
		log_error("could not record the end of the run of job \"%s\": "
			  "%s; its next run will record it as interrupted",
			  slot->identifier, s->errbuf);
		PQclear(PQexec(s->conn, "ROLLBACK"));
	}
	return rc;
}

/* The status of the run the child recorded, "" when it recorded none. */
static void find_run_status(struct sched *s, const struct slot *slot,
			    char status[16])
{
	char id[24];
	const char *p[2] = {id, slot->tag};
	PGresult *res;

	int64_str(slot->job_id, id);
	res = db_query(s->conn,
		       "SELECT status FROM job_runs WHERE job_id = $1::int8 "
		       "AND worker = $2 ORDER BY id DESC LIMIT 1",
		       2, p, s->errbuf);
	status[0] = '\0';
	if (res && PQntuples(res) > 0)
		util_strlcpy(status, PQgetvalue(res, 0, 0), 16);
	else if (!res)
		log_warn("could not read the run of job \"%s\": %s",
			 slot->identifier, s->errbuf);
	PQclear(res);
}

/* Writes what ended the child with wait status ws. */
static void describe_end(int ws, char *buf, size_t size)
{
	if (WIFSIGNALED(ws))
		snprintf(buf, size, "was killed by signal %d (%s)",
			 WTERMSIG(ws), strsignal(WTERMSIG(ws)));
	else
		snprintf(buf, size, "exited with status %d", WEXITSTATUS(ws));
}

/* Updates the job's retry state after its run; logs what comes next. */
static void apply_outcome(struct sched *s, const struct slot *slot,
			  enum outcome outcome)
{
	char id[24], retries[24], delay[24], cap[24];
	const char *p[4] = {id, retries, delay, cap};
	PGresult *res;

	int64_str(slot->job_id, id);
	int64_str(slot->retries, retries);
	int64_str(s->opts->retry_delay, delay);
	int64_str(SCHEDULE_RETRY_DELAY_MAX, cap);
	switch (outcome) {
	case OUTCOME_SUCCEEDED:
		if (!run_sql(s,
			     "UPDATE jobs SET attempts = 0, retry_at = NULL, "
			     "claimed_by = NULL, claimed_at = NULL "
			     "WHERE id = $1::int8", 1, p))
			break;
		return;
	case OUTCOME_FAILED:
		s->any_failed = true;
		/* SET reads the old attempts: the first retry waits delay. */
		res = db_query(s->conn,
			       "UPDATE jobs SET attempts = attempts + 1, "
			       "retry_at = CASE WHEN attempts < $2::int4 "
			       "THEN now() + make_interval(secs => "
			       "least($3::float8 * power(2, least(attempts, 30)), "
			       "$4::float8)) END, "
			       "claimed_by = NULL, claimed_at = NULL "
			       "WHERE id = $1::int8 RETURNING attempts, "
			       "ceil(extract(epoch FROM retry_at - now()))::int8",
			       4, p, s->errbuf);
		if (!res)
			break;
		if (PQntuples(res) == 1 && !PQgetisnull(res, 0, 1))
			log_warn("job \"%s\": run failed (%s in a row); trying "
				 "again in %s s", slot->identifier,
				 PQgetvalue(res, 0, 0), PQgetvalue(res, 0, 1));
		else if (PQntuples(res) == 1)
			log_warn("job \"%s\": run failed (%s in a row); no "
				 "retry left, it runs again at its next "
				 "scheduled time", slot->identifier,
				 PQgetvalue(res, 0, 0));
		PQclear(res);
		return;
	case OUTCOME_INTERRUPTED:
		if (!run_sql(s,
			     "UPDATE jobs SET retry_at = now(), "
			     "claimed_by = NULL, claimed_at = NULL "
			     "WHERE id = $1::int8", 1, p))
			break;
		log_info("job \"%s\": run interrupted; it is due again",
			 slot->identifier);
		return;
	case OUTCOME_NOT_RUN:
		if (!run_sql(s,
			     "UPDATE jobs SET claimed_by = NULL, "
			     "claimed_at = NULL WHERE id = $1::int8", 1, p))
			break;
		return;
	}
	log_error("could not record the end of the run of job \"%s\": %s",
		  slot->identifier, s->errbuf);
}

/* The child of slot ended with wait status ws: records how, frees the
 * slot. */
static void finish_run(struct sched *s, struct slot *slot, int ws)
{
	static const char kept[] = "; the previous version stays published";
	char status[16], how[96], msg[512];
	enum outcome outcome;

	if (!ensure_connection(s)) {
		log_error("job \"%s\": the run ended but cannot be recorded; "
			  "its next run will record it", slot->identifier);
		goto out;
	}
	describe_end(ws, how, sizeof how);
	find_run_status(s, slot, status);
	if (strcmp(status, "succeeded") == 0 ||
	    strcmp(status, "unchanged") == 0) {
		log_info("job \"%s\": run ended (%s)", slot->identifier,
			 status);
		outcome = OUTCOME_SUCCEEDED;
	} else if (slot->stop == STOP_TIMEOUT) {
		snprintf(msg, sizeof msg,
			 "timed out: the run went past its deadline of %lld s "
			 "and was stopped", (long long)slot->timeout);
		record_stopped_run(s, slot, "timed_out", msg, kept);
		outcome = OUTCOME_FAILED;
	} else if (slot->stop == STOP_SHUTDOWN) {
		record_stopped_run(s, slot, "failed",
				   "interrupted: the scheduler was stopped "
				   "during the run",
				   "; it runs again when a scheduler starts; "
				   "the previous version stays published");
		outcome = OUTCOME_INTERRUPTED;
	} else if (strcmp(status, "running") == 0 ||
		   (!status[0] && WIFSIGNALED(ws))) {
		snprintf(msg, sizeof msg,
			 "interrupted: the process running it %s", how);
		record_stopped_run(s, slot, "failed", msg, kept);
		outcome = OUTCOME_FAILED;
	} else if (status[0]) {
		outcome = OUTCOME_FAILED;
	} else if (WIFEXITED(ws) && WEXITSTATUS(ws) == RUN_EXIT_INVALID_JOB) {
		/* Changed since it was read: the next scan says why. */
		log_warn("job \"%s\": not run, its file is no longer valid",
			 slot->identifier);
		outcome = OUTCOME_NOT_RUN;
	} else {
		log_warn("job \"%s\": the run %s before it started; see the "
			 "lines above", slot->identifier, how);
		outcome = OUTCOME_FAILED;
	}
	apply_outcome(s, slot, outcome);
	release_claim(s, slot);
out:
	free(slot->identifier);
	memset(slot, 0, sizeof *slot);
}

/* Claims due jobs and starts their runs while a slot is free.
 * ODP_ERR_NOT_FOUND when nothing (more) is due, ODP_OK when the slots are
 * full, ODP_ERR_DB, or ODP_ERR_IO when a run could not be started (it
 * counts as a failed run). */
static enum odp_status claim_and_start(struct sched *s)
{
	struct slot *slot;

	while (!stop_signal && (slot = free_slot(s)) != NULL) {
		struct job_file *f;
		int64_t job_id;
		enum odp_status rc;

		if (!ensure_connection(s))
			return ODP_ERR_DB;
		rc = claim_job(s, &f, &job_id);
		if (rc != ODP_OK) {
			if (rc == ODP_ERR_DB)
				log_error("could not look for due jobs: %s",
					  s->errbuf);
			return rc;
		}
		if (!start_run(s, slot, f, job_id)) {
			struct slot failed = {.job_id = job_id,
					      .identifier = f->job->identifier,
					      .retries = f->job->retries >= 0
						      ? f->job->retries
						      : s->opts->retries,
					      .conn_generation =
						      s->conn_generation};
			apply_outcome(s, &failed, OUTCOME_FAILED);
			release_claim(s, &failed);
			return ODP_ERR_IO;
		}
	}
	return ODP_OK;
}

/* Reaps the children that ended; true when one did. */
static bool reap_children(struct sched *s)
{
	bool any = false;
	pid_t pid;
	int ws;
	size_t i;

	while ((pid = waitpid(-1, &ws, WNOHANG)) > 0) {
		for (i = 0; i < (size_t)s->opts->workers; i++) {
			if (s->slots[i].pid == pid) {
				finish_run(s, &s->slots[i], ws);
				any = true;
				break;
			}
		}
	}
	return any;
}

/* Waits until `until` (monotonic), the next deadline, or a signal. */
static void wait_for_event(struct sched *s, double until)
{
	double now = monotonic_now(), t = until, left;
	struct timespec ts;
	size_t i;

	for (i = 0; i < (size_t)s->opts->workers; i++) {
		const struct slot *slot = &s->slots[i];
		if (!slot->pid)
			continue;
		if (!slot->term_at && slot->deadline < t)
			t = slot->deadline;
		else if (slot->term_at && !slot->killed &&
			 slot->term_at + s->opts->grace < t)
			t = slot->term_at + s->opts->grace;
	}
	left = t > now ? t - now : 0;
	ts.tv_sec = (time_t)left;
	ts.tv_nsec = (long)((left - (double)ts.tv_sec) * 1e9);
	ppoll(NULL, 0, &ts, &s->wait_mask);
}

/* Stops the runs in progress: SIGTERM, SIGKILL past the grace period, each
 * recorded.  Bounded by the grace period and KILL_WAIT_SECONDS. */
static void shut_down(struct sched *s)
{
	double now = monotonic_now(), end = now + s->opts->grace;
	size_t i;

	if (n_running(s) == 0)
		return;
	log_info("stopping: %zu run(s) in progress get %d s to stop cleanly",
		 n_running(s), s->opts->grace);
	for (i = 0; i < (size_t)s->opts->workers; i++) {
		struct slot *slot = &s->slots[i];
		if (!slot->pid)
			continue;
		if (slot->stop == STOP_NONE)
			slot->stop = STOP_SHUTDOWN;
		if (!slot->term_at) {
			slot->term_at = now;
			signal_run(slot, SIGTERM);
		}
	}
	while (n_running(s) > 0 && (now = monotonic_now()) < end) {
		reap_children(s);
		enforce_deadlines(s, now);
		if (n_running(s) > 0)
			wait_for_event(s, end);
	}
	for (i = 0; i < (size_t)s->opts->workers; i++) {
		struct slot *slot = &s->slots[i];
		double until = monotonic_now() + KILL_WAIT_SECONDS;
		pid_t got;
		int ws;
		if (!slot->pid)
			continue;
		if (!slot->killed) {
			log_warn("job \"%s\": the run did not stop within %d s; "
				 "killing it", slot->identifier, s->opts->grace);
			kill_run(s, slot);
		}
		while ((got = waitpid(slot->pid, &ws, WNOHANG)) == 0 &&
		       monotonic_now() < until) {
			struct timespec pause = {0, 50 * 1000 * 1000};
			nanosleep(&pause, NULL);
		}
		if (got == slot->pid) {
			finish_run(s, slot, ws);
		} else {
			log_error("job \"%s\": process %ld did not die",
				  slot->identifier, (long)slot->pid);
			free(slot->identifier);
			memset(slot, 0, sizeof *slot);
		}
	}
}

enum odp_status schedule_run(const struct schedule_options *opts,
			     bool *any_failed, char *errbuf)
{
	static const int handled[] = {SIGTERM, SIGINT, SIGHUP, SIGCHLD};
	enum { N_HANDLED = sizeof handled / sizeof *handled };
	struct sigaction sa, old_sa[N_HANDLED];
	struct sched s;
	sigset_t block, old_mask;
	enum odp_status rc = ODP_OK;
	double next_scan;
	bool want_claim = true, nothing_due = false;
	char host[33];
	size_t i;

	memset(&s, 0, sizeof s);
	s.opts = opts;
	if (gethostname(host, sizeof host) != 0 || !host[0])
		util_strlcpy(host, "localhost", sizeof host);
	host[sizeof host - 1] = '\0';
	snprintf(s.worker, sizeof s.worker, "%s:%ld", host, (long)getpid());
	s.slots = xcalloc((size_t)opts->workers, sizeof *s.slots);
	stop_signal = 0;
	rescan_requested = 0;

	sigemptyset(&block);
	for (i = 0; i < N_HANDLED; i++)
		sigaddset(&block, handled[i]);
	sigprocmask(SIG_BLOCK, &block, &old_mask);
	s.wait_mask = old_mask;
	memset(&sa, 0, sizeof sa);
	for (i = 0; i < N_HANDLED; i++) {
		sigdelset(&s.wait_mask, handled[i]);
		sa.sa_handler = handled[i] == SIGHUP    ? on_hangup
				: handled[i] == SIGCHLD ? on_child
							: on_stop;
		sa.sa_flags = handled[i] == SIGCHLD ? SA_NOCLDSTOP : 0;
		sigaction(handled[i], &sa, &old_sa[i]);
	}

	if (!ensure_connection(&s)) {
		util_strlcpy(errbuf, s.errbuf, ODP_ERRBUF_SIZE);
		rc = ODP_ERR_DB;
		goto out;
	}
	if (scan(&s) != ODP_OK) {
		util_strlcpy(errbuf, s.errbuf, ODP_ERRBUF_SIZE);
		rc = ODP_ERR_IO;
		goto out;
	}
	log_info("scheduler %s: %zu job files under %s, %d worker(s), "
		 "schedules in %s time", s.worker, s.n_files, opts->jobs_dir,
		 opts->workers, opts->timezone);
	next_scan = monotonic_now() + opts->interval;
	while (!stop_signal) {
		double now;
		if (reap_children(&s))
			want_claim = true;
		now = monotonic_now();
		enforce_deadlines(&s, now);
		if (stop_signal)
			break;
		if (now >= next_scan || rescan_requested) {
			rescan_requested = 0;
			if (scan(&s) != ODP_OK)
				log_warn("%s", s.errbuf);
			next_scan = now + opts->interval;
			want_claim = true;
		}
		if (want_claim) {
			enum odp_status claimed = claim_and_start(&s);
			want_claim = false;
			nothing_due = claimed == ODP_ERR_NOT_FOUND;
			if (claimed == ODP_ERR_DB && opts->once) {
				util_strlcpy(errbuf, s.errbuf, ODP_ERRBUF_SIZE);
				rc = ODP_ERR_DB;
				break;
			}
		}
		if (opts->once && nothing_due && n_running(&s) == 0)
			break;
		wait_for_event(&s, next_scan);
	}
	if (stop_signal)
		log_info("stopping on %s", stop_signal == SIGINT ? "SIGINT"
							     : "SIGTERM");
	shut_down(&s);
out:
	for (i = 0; i < N_HANDLED; i++)
		sigaction(handled[i], &old_sa[i], NULL);
	sigprocmask(SIG_SETMASK, &old_mask, NULL);
	for (i = 0; i < s.n_files; i++)
		free_job_file(&s.files[i]);
	free(s.files);
	free(s.slots);
	PQfinish(s.conn);
	*any_failed = s.any_failed;
	return rc;
}

/* ---- odp-etl status ----------------------------------------------- */

/* The state, in the words of the usage text; a run holds the harvest
 * lock, a scheduler's claim the claim lock. */
#define STATUS_SQL                                                           \
	"SELECT j.identifier, CASE WHEN NOT j.enabled THEN 'disabled' "      \
	" WHEN " LOCK_HELD_SQL(HARVEST_LOCK_CLASS, "j.id")                   \
	" OR " LOCK_HELD_SQL(CLAIM_LOCK_CLASS, "j.id") " THEN 'running' "    \
	" WHEN j.retry_at IS NOT NULL THEN 'retrying' "                      \
	" WHEN j.attempts > 0 OR r.status IN ('failed', 'timed_out') "       \
	"  THEN 'failing' ELSE 'idle' END, "                                 \
	" r.status, to_char(r.started_at, 'YYYY-MM-DD HH24:MI'), "           \
	" r.rows_loaded, "                                                   \
	" to_char(coalesce(j.retry_at, j.next_run_at), 'YYYY-MM-DD HH24:MI'), " \
	" r.message, j.enabled::text, j.schedule, "                          \
	" to_json(date_trunc('second', j.next_run_at)) #>> '{}', "          \
	" to_json(date_trunc('second', j.retry_at)) #>> '{}', "             \
	" j.attempts, j.max_retries, j.timeout_seconds, j.claimed_by, "      \
	" r.id, to_json(date_trunc('second', r.started_at)) #>> '{}', "     \
	" to_json(date_trunc('second', r.finished_at)) #>> '{}', "          \
	" r.rows_read, r.rows_rejected "                                     \
	"FROM jobs j LEFT JOIN LATERAL (SELECT * FROM job_runs "             \
	" WHERE job_id = j.id ORDER BY id DESC LIMIT 1) r ON true "          \
	"ORDER BY j.identifier"

enum status_column {
	COL_IDENTIFIER, COL_STATE, COL_LAST_STATUS, COL_LAST_TIME, COL_ROWS,
	COL_NEXT_TIME, COL_MESSAGE, COL_ENABLED, COL_SCHEDULE, COL_NEXT_RUN_AT,
	COL_RETRY_AT, COL_ATTEMPTS, COL_MAX_RETRIES, COL_TIMEOUT,
	COL_CLAIMED_BY, COL_RUN_ID, COL_STARTED_AT, COL_FINISHED_AT,
	COL_ROWS_READ, COL_ROWS_REJECTED
};

/* Appends s on one line, cut to max characters (UTF-8) with "...". */
static void put_short(struct sb *sb, const char *s, size_t max)
{
	const unsigned char *p;
	size_t n = 0, keep, seen = 0;

	for (p = (const unsigned char *)s; *p; p++)
		n += (*p & 0xc0) != 0x80;
	keep = n <= max ? n : max - 3;
	for (p = (const unsigned char *)s; *p; p++) {
		if ((*p & 0xc0) != 0x80 && seen++ == keep)
			break;
		sb_putc(sb, *p == '\n' || *p == '\r' || *p == '\t' ? ' '
								   : (char)*p);
	}
	if (n > max)
		sb_puts(sb, "...");
}

static void write_table(const PGresult *res, FILE *out)
{
	int i, n = PQntuples(res), id_width = 3, rows_width = 4;
	struct sb line;

	for (i = 0; i < n; i++) {
		int w = (int)strlen(PQgetvalue(res, i, COL_IDENTIFIER));
		int r = (int)strlen(PQgetvalue(res, i, COL_ROWS));
		if (w > id_width)
			id_width = w;
		if (r > rows_width)
			rows_width = r;
	}
	sb_init(&line, 0);
	fprintf(out, "%-*s  %-8s  %-26s  %*s  %-16s  %s\n", id_width, "JOB",
		"STATE", "LAST RUN", rows_width, "ROWS", "NEXT RUN", "MESSAGE");
	for (i = 0; i < n; i++) {
		char last[64];
		bool has_run = !PQgetisnull(res, i, COL_LAST_STATUS);
		if (has_run)
			snprintf(last, sizeof last, "%-9s %s",
				 PQgetvalue(res, i, COL_LAST_STATUS),
				 PQgetvalue(res, i, COL_LAST_TIME));
		else
			util_strlcpy(last, "-", sizeof last);
		sb_reset(&line);
		put_short(&line, PQgetvalue(res, i, COL_MESSAGE),
			  STATUS_MESSAGE_CHARS);
		fprintf(out, "%-*s  %-8s  %-26s  %*s  %-16s  %s\n", id_width,
			PQgetvalue(res, i, COL_IDENTIFIER),
			PQgetvalue(res, i, COL_STATE), last, rows_width,
			has_run ? PQgetvalue(res, i, COL_ROWS) : "-",
			PQgetisnull(res, i, COL_NEXT_TIME)
				? "-" : PQgetvalue(res, i, COL_NEXT_TIME),
			line.buf ? line.buf : "");
	}
	sb_free(&line);
}

static json_t *json_text(const PGresult *res, int row, int col)
{
	return PQgetisnull(res, row, col)
		       ? json_null()
		       : json_string(PQgetvalue(res, row, col));
}

static json_t *json_int(const PGresult *res, int row, int col)
{
	int64_t v;

	if (PQgetisnull(res, row, col) ||
	    !util_parse_int64(PQgetvalue(res, row, col), &v))
		return json_null();
	return json_integer((json_int_t)v);
}

static void write_json(const PGresult *res, const char *timezone, FILE *out)
{
	json_t *root = json_object(), *jobs = json_array();
	int i;

	json_object_set_new(root, "timezone", json_string(timezone));
	for (i = 0; i < PQntuples(res); i++) {
		json_t *job = json_object(), *run = json_null();
		if (!PQgetisnull(res, i, COL_RUN_ID)) {
			run = json_object();
			json_object_set_new(run, "id", json_int(res, i, COL_RUN_ID));
			json_object_set_new(run, "status",
					    json_text(res, i, COL_LAST_STATUS));
			json_object_set_new(run, "started_at",
					    json_text(res, i, COL_STARTED_AT));
			json_object_set_new(run, "finished_at",
					    json_text(res, i, COL_FINISHED_AT));
			json_object_set_new(run, "rows_read",
					    json_int(res, i, COL_ROWS_READ));
			json_object_set_new(run, "rows_loaded",
					    json_int(res, i, COL_ROWS));
			json_object_set_new(run, "rows_rejected",
					    json_int(res, i, COL_ROWS_REJECTED));
			json_object_set_new(run, "message",
					    json_text(res, i, COL_MESSAGE));
		}
		json_object_set_new(job, "identifier",
				    json_text(res, i, COL_IDENTIFIER));
		json_object_set_new(job, "state", json_text(res, i, COL_STATE));
		json_object_set_new(job, "enabled",
				    json_boolean(strcmp(PQgetvalue(res, i,
								   COL_ENABLED),
							"true") == 0));
		json_object_set_new(job, "schedule",
				    json_text(res, i, COL_SCHEDULE));
		json_object_set_new(job, "next_run_at",
				    json_text(res, i, COL_NEXT_RUN_AT));
		json_object_set_new(job, "retry_at",
				    json_text(res, i, COL_RETRY_AT));
		json_object_set_new(job, "attempts",
				    json_int(res, i, COL_ATTEMPTS));
		json_object_set_new(job, "retries",
				    json_int(res, i, COL_MAX_RETRIES));
		json_object_set_new(job, "timeout",
				    json_int(res, i, COL_TIMEOUT));
		json_object_set_new(job, "claimed_by",
				    json_text(res, i, COL_CLAIMED_BY));
		json_object_set_new(job, "last_run", run);
		json_array_append_new(jobs, job);
	}
	json_object_set_new(root, "jobs", jobs);
	json_dumpf(root, out, JSON_INDENT(2));
	fputc('\n', out);
	json_decref(root);
}

enum odp_status schedule_status(PGconn *conn, const char *timezone, bool json,
				FILE *out, char *errbuf)
{
	const char *p[1] = {timezone};
	PGresult *res;

	res = db_query(conn, "SELECT set_config('TimeZone', $1, false)", 1, p,
		       errbuf);
	if (!res)
		return ODP_ERR_DB;
	PQclear(res);
	res = db_query(conn, STATUS_SQL, 0, NULL, errbuf);
	if (!res)
		return ODP_ERR_DB;
	if (json)
		write_json(res, timezone, out);
	else
		write_table(res, out);
	PQclear(res);
	return ODP_OK;
}
