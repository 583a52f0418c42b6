/*
 * schedule.h: odp-etl schedule, which runs the jobs on their cron
 * schedules, and odp-etl status, which shows where each job stands.
 *
 * The scheduler reads every job file under the jobs folder, registers each
 * job in the catalogue with the next time its schedule fires, and then, in
 * a loop, claims a due job in one transaction (SELECT ... FOR UPDATE SKIP
 * LOCKED, next_run_at moved on) and runs it in a child process, an
 * `odp-etl run` of the job file, under a deadline.  Any number of
 * schedulers, on any number of hosts, can share one catalogue: a job runs
 * in one of them at a time.  The database holds all the state; a scheduler
 * holds only the job files it read and the children it started.
 */
#ifndef ODP_SCHEDULE_H
#define ODP_SCHEDULE_H

#include "odp.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdio.h>

/* Defaults, and bounds of the settings. */
#define SCHEDULE_INTERVAL_DEFAULT 10
#define SCHEDULE_INTERVAL_MAX 3600
#define SCHEDULE_WORKERS_MAX 64
#define SCHEDULE_TIMEOUT_DEFAULT 3600
#define SCHEDULE_RETRIES_DEFAULT 5
#define SCHEDULE_RETRY_DELAY_DEFAULT 60
#define SCHEDULE_RETRY_DELAY_MAX 3600   /* the backoff's cap too */
#define SCHEDULE_GRACE_DEFAULT 30
#define SCHEDULE_GRACE_MAX 3600

struct schedule_options {
	const char *jobs_dir;  /* scanned for *.json, borrowed */
	const char *timezone;  /* of the schedules, borrowed */
	const char *program;   /* the odp-etl binary runs are started with */
	int interval;          /* seconds between two looks at the jobs */
	int workers;           /* runs at the same time */
	bool once;             /* run what is due now, then return */
	int timeout;           /* seconds a run may take, unless its job says */
	int retries;           /* retries of a failed run, unless its job says */
	int retry_delay;       /* seconds before the first retry; doubles */
	int grace;             /* seconds a run gets to stop after SIGTERM */
};

/* Fills opts with the defaults, then with what ODP_JOBS_DIR, ODP_TIMEZONE,
 * ODP_JOB_TIMEOUT, ODP_RETRY_DELAY and ODP_SHUTDOWN_GRACE say (borrowed
 * from the environment).  ODP_ERR_USAGE, with errbuf (ODP_ERRBUF_SIZE
 * bytes) set, when one of them is not valid. */
enum odp_status schedule_options_init(struct schedule_options *opts,
				      char *errbuf);

/* Runs the scheduler until SIGTERM or SIGINT, or with opts->once until no
 * job is due and no run is left.  Installs its own handlers of SIGTERM,
 * SIGINT, SIGHUP (read the job files now) and SIGCHLD.  Returns ODP_OK,
 * with *any_failed telling whether a run failed or timed out; ODP_ERR_DB
 * when the database cannot be reached at the start (or, with once, at
 * all); ODP_ERR_IO when the jobs folder cannot be read at the start;
 * errbuf says why. */
enum odp_status schedule_run(const struct schedule_options *opts,
			     bool *any_failed, char *errbuf);

/* Writes one line per job of the catalogue to out: identifier, state
 * (idle, running, retrying, failing, disabled), last run, rows, next run
 * (times in timezone) and the last run's message, shortened; with json,
 * one JSON document instead.  Sets the session's TimeZone on conn
 * (borrowed).  ODP_ERR_DB with errbuf set on failure. */
enum odp_status schedule_status(PGconn *conn, const char *timezone, bool json,
				FILE *out, char *errbuf);

#endif
