/*
 * main.c: the odp-etl command line.
 *
 *   odp-etl migrate            apply sql/ migrations not yet applied
 *   odp-etl validate FILE...   check job files, every problem reported
 *   odp-etl run FILE|ID...     harvest jobs into the catalogue
 *   odp-etl schedule           run the jobs on their schedules until SIGTERM
 *   odp-etl status             each job's state, last run and next run
 *
 * Exit codes, for scripts: 0 success, 1 a run failed, 2 bad usage, 3 an
 * invalid job file, 4 the database could not be reached or migrated.
 */
#include "catalogue.h"
#include "cron.h"
#include "db.h"
#include "dry_run.h"
#include "harvest.h"
#include "job.h"
#include "log.h"
#include "sb.h"
#include "schedule.h"
#include "source.h"
#include "util.h"

#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

enum exit_code {
	EXIT_OK = 0,
	EXIT_RUN_FAILED = 1,
	EXIT_USAGE = 2,
	EXIT_INVALID_JOB = 3,
	EXIT_DATABASE = 4
};


static const char usage_main[] =
	"usage: odp-etl COMMAND [ARGS]\n"
	"\n"
	"commands:\n"
	"  migrate              apply the database migrations not yet applied\n"
	"  validate FILE...     check job files and report every problem\n"
	"  run FILE|ID...       harvest jobs into the catalogue\n"
	"  schedule             run the jobs on their schedules until SIGTERM\n"
	"  status               show each job's state, last run and next run\n"
	"\n"
	"Run 'odp-etl COMMAND --help' for a command's options.\n"
	"\n"
	"environment:\n"
	"  ODP_DATABASE_URL     libpq connection string of the catalogue\n"
	"  ODP_SQL_DIR          migrations folder (default: sql)\n"
	"  ODP_CATALOG          the catalogue's own metadata "
	"(default: etl/catalog.json)\n"
	"  ODP_JOBS_DIR         where 'run ID' looks for job files "
	"(default: etl/jobs)\n"
	"  ODP_LOG_LEVEL        debug, info, warn or error (default: info)\n"
	"  ODP_TIMEZONE         time zone of schedules (default: Europe/Paris)\n"
	"\n"
	"exit codes: 0 success, 1 a run failed, 2 bad usage, 3 invalid job "
	"file,\n"
	"            4 database unreachable\n";

static const char usage_migrate[] =
	"usage: odp-etl migrate\n"
	"\n"
	"Applies, in order, each ODP_SQL_DIR/NNN_*.sql file not yet recorded in\n"
	"the schema_migrations table, each in its own transaction, then writes\n"
	"the catalogue's metadata (ODP_CATALOG, default etl/catalog.json) into\n"
	"the catalogue and local_themes tables.\n";

static const char usage_validate[] =
	"usage: odp-etl validate FILE...\n"
	"\n"
	"Checks each job file, and the catalogue file (ODP_CATALOG, default\n"
	"etl/catalog.json) whose local themes they name, and prints every\n"
	"problem as\n"
	"  FILE: JSON-PATH: what is wrong and what is expected\n"
	"Nothing is read from the source and nothing is written.\n"
	"Exits 3 when any file is invalid.\n";

static const char usage_run[] =
	"usage: odp-etl run [--no-progress] [--dry-run] [--full] FILE|ID...\n"
	"\n"
	"Harvests each job: reads its source, loads a new version and publishes\n"
	"it in one transaction.  A job is named by its file or by its\n"
	"identifier (looked up as ID.json under ODP_JOBS_DIR).  A run that\n"
	"fails leaves the previous version published and is recorded with its\n"
	"reason in job_runs.\n"
	"\n"
	"  --no-progress   no progress line, even on a terminal\n"
	"  --dry-run       show what would be published (detected CRS and\n"
	"                  encoding, columns and types, first rows); no\n"
	"                  database needed, nothing written\n"
	"  --full          incremental jobs read every row (deleted rows\n"
	"                  disappear) instead of the rows beyond the watermark\n";

static const char usage_schedule[] =
	"usage: odp-etl schedule [--once] [--interval SECONDS] [--workers N]\n"
	"\n"
	"Runs each job found under ODP_JOBS_DIR (*.json, in subfolders too) at\n"
	"the times of its \"schedule\" (cron syntax, in ODP_TIMEZONE), until\n"
	"SIGTERM or SIGINT.  Job files are read again when they change; a job\n"
	"never run yet runs at once.  Schedulers on several hosts can share one\n"
	"catalogue: each job runs in one of them at a time.  Each run is an\n"
	"'odp-etl run' of the job file, stopped and recorded as timed out past\n"
	"its deadline (the job's \"timeout\" in seconds, or ODP_JOB_TIMEOUT).  A\n"
	"failed run is tried again after ODP_RETRY_DELAY seconds, doubled at\n"
	"each failure up to an hour, at most the job's \"retries\" times\n"
	"(default 5).  On SIGTERM, runs in progress are stopped cleanly,\n"
	"killed after ODP_SHUTDOWN_GRACE seconds, recorded, and due again.\n"
	"\n"
	"  --once              run the jobs due now, wait for them, then exit\n"
	"                      (1 when a run failed or timed out)\n"
	"  --interval SECONDS  how often to look for due jobs and changed job\n"
	"                      files (default: 10)\n"
	"  --workers N         runs at the same time (default: 1)\n"
	"\n"
	"environment:\n"
	"  ODP_TIMEZONE         time zone of schedules (default: Europe/Paris)\n"
	"  ODP_JOB_TIMEOUT      deadline of a run, seconds (default: 3600)\n"
	"  ODP_RETRY_DELAY      seconds before the first retry (default: 60)\n"
	"  ODP_SHUTDOWN_GRACE   seconds a run gets to stop (default: 30)\n"
	"\n"
	"Exits 0 once stopped, 2 for bad settings or an unreadable jobs folder,\n"
	"4 when the database cannot be reached at the start.\n";

static const char usage_status[] =
	"usage: odp-etl status [--json]\n"
	"\n"
	"Shows each job of the catalogue, one line each: its state (idle,\n"
	"running, retrying, failing or disabled), its last run (status, start,\n"
	"rows loaded), its next run (a retry's time when one is pending) and\n"
	"the last run's message, shortened.  Times are in ODP_TIMEZONE.\n"
	"\n"
	"  --json   the same, in full, as one JSON document for scripts\n";

static bool wants_help(int argc, char **argv)
{
	int i;

	for (i = 0; i < argc; i++)
		if (strcmp(argv[i], "--help") == 0 || strcmp(argv[i], "-h") == 0)
			return true;
	return false;
}

static void print_problems(const char *file, const struct job_problems *pr)
{
	size_t i;

	for (i = 0; i < pr->n; i++)
		fprintf(stderr, "%s: %s: %s\n", file, pr->items[i].json_path,
			pr->items[i].message);
}

/* Reads the catalogue file; NULL, its problems printed, when it is
 * invalid. */
static struct catalogue *load_catalogue(void)
{
	struct job_problems pr = {0};
	struct catalogue *cat = catalogue_load(catalogue_path(), &pr);

	if (!cat)
		print_problems(catalogue_path(), &pr);
	job_problems_free(&pr);
	return cat;
}

static int cmd_validate(int argc, char **argv)
{
	struct catalogue *cat;
	int i, rc = EXIT_OK;

	if (argc < 1) {
		fputs(usage_validate, stderr);
		return EXIT_USAGE;
	}
	cat = load_catalogue();
	if (!cat)
		rc = EXIT_INVALID_JOB;
	for (i = 0; i < argc; i++) {
		struct job_problems pr = {0};
		struct job *job = job_load(argv[i], &pr);
		if (job && cat)
			catalogue_check_job(cat, job, &pr);
		if (job && pr.n == 0) {
			printf("%s: ok\n", argv[i]);
		} else {
			print_problems(argv[i], &pr);
			rc = EXIT_INVALID_JOB;
		}
		job_free(job);
		job_problems_free(&pr);
	}
	catalogue_free(cat);
	return rc;
}

/* Writes the catalogue file into the database (reading it when cat is
 * NULL); an exit code. */
static int store_catalogue(PGconn *conn, const struct catalogue *cat)
{
	struct catalogue *own = cat ? NULL : load_catalogue();
	char errbuf[ODP_ERRBUF_SIZE];
	int rc = EXIT_OK;

	if (!cat && !own)
		return EXIT_INVALID_JOB;
	if (catalogue_store(conn, cat ? cat : own, errbuf) != ODP_OK) {
		log_error("could not write the catalogue of %s: %s",
			  catalogue_path(), errbuf);
		rc = EXIT_DATABASE;
	}
	catalogue_free(own);
	return rc;
}

static int cmd_migrate(void)
{
	char errbuf[ODP_ERRBUF_SIZE];
	const char *dir = getenv("ODP_SQL_DIR");
	PGconn *conn = db_connect(errbuf);
	int rc = EXIT_OK;

	if (!conn) {
		log_error("%s", errbuf);
		return EXIT_DATABASE;
	}
	if (db_migrate(conn, dir ? dir : "sql", errbuf) != ODP_OK) {
		log_error("%s", errbuf);
		rc = EXIT_DATABASE;
	} else {
		log_info("database schema is up to date");
		rc = store_catalogue(conn, NULL);
	}
	PQfinish(conn);
	return rc;
}

/* Looks for ID.json under dir; returns a malloc'd path or NULL. */
static char *find_job_file(const char *dir, const char *id)
{
	char **paths = NULL, *found = NULL;
	size_t n = 0, i, len = strlen(id);

	job_list_files(dir, &paths, &n);
	for (i = 0; i < n; i++) {
		const char *slash = strrchr(paths[i], '/');
		const char *name = slash ? slash + 1 : paths[i];
		if (!found && strncmp(name, id, len) == 0 &&
		    strcmp(name + len, ".json") == 0)
			found = xstrdup(paths[i]);
		free(paths[i]);
	}
	free(paths);
	return found;
}

static void on_signal(int sig)
{
	(void)sig;
	harvest_stop_requested = 1;
}

static int cmd_run(int argc, char **argv)
{
	struct harvest_options opts = {.progress = isatty(STDERR_FILENO)};
	char errbuf[ODP_ERRBUF_SIZE];
	const char *jobs_dir = getenv("ODP_JOBS_DIR");
	PGconn *conn = NULL;
	struct catalogue *cat = NULL;
	int i, rc = EXIT_OK, n_jobs = 0;
	bool dry = false;
	struct sigaction sa;

	memset(&sa, 0, sizeof sa);
	sa.sa_handler = on_signal;
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGTERM, &sa, NULL);

	for (i = 0; i < argc; i++) {
		struct job_problems pr = {0};
		struct harvest_result result;
		struct stat st;
		struct job *job;
		char *path;

		if (strcmp(argv[i], "--no-progress") == 0) {
			opts.progress = false;
			continue;
		}
		if (strcmp(argv[i], "--dry-run") == 0) {
			dry = true;
			continue;
		}
		if (strcmp(argv[i], "--full") == 0) {
			opts.full = true;
			continue;
		}
		if (argv[i][0] == '-') {
			fprintf(stderr, "odp-etl run: unknown option \"%s\"\n%s",
				argv[i], usage_run);
			rc = EXIT_USAGE;
			break;
		}
		n_jobs++;
		if (stat(argv[i], &st) == 0 || strchr(argv[i], '/') ||
		    strstr(argv[i], ".json"))
			path = xstrdup(argv[i]);
		else
			path = find_job_file(jobs_dir ? jobs_dir : "etl/jobs",
					     argv[i]);
		if (!path) {
			log_error("no job file for \"%s\" under %s", argv[i],
				  jobs_dir ? jobs_dir : "etl/jobs");
			rc = EXIT_INVALID_JOB;
			continue;
		}
		/* Every job names its local themes in the catalogue file. */
		if (!cat && !(cat = load_catalogue())) {
			free(path);
			rc = EXIT_INVALID_JOB;
			break;
		}
		job = job_load(path, &pr);
		if (job)
			catalogue_check_job(cat, job, &pr);
		if (pr.n) {
			print_problems(path, &pr);
			job_problems_free(&pr);
			job_free(job);
			free(path);
			rc = EXIT_INVALID_JOB;
			continue;
		}
		if (dry) {
			if (dry_run(job, DRY_RUN_ROWS, stdout) != ODP_OK)
				rc = EXIT_RUN_FAILED;
			job_free(job);
			free(path);
			continue;
		}
		if (!conn && (!(conn = db_connect(errbuf)) ||
			      store_catalogue(conn, cat) != EXIT_OK)) {
			if (!conn)
				log_error("%s", errbuf);
			job_free(job);
			free(path);
			catalogue_free(cat);
			PQfinish(conn);
			return EXIT_DATABASE;
		}
		if (harvest_run(conn, job, &opts, &result) == ODP_OK) {
			log_info("job \"%s\": %s", job->identifier, result.message);
		} else {
			log_error("job \"%s\" (%s): %s", job->identifier, path,
				  result.message);
			if (rc == EXIT_OK)
				rc = PQstatus(conn) == CONNECTION_OK
					     ? EXIT_RUN_FAILED : EXIT_DATABASE;
		}
		job_free(job);
		free(path);
		if (harvest_stop_requested)
			break;
	}
	if (n_jobs == 0 && rc == EXIT_OK) {
		fputs(usage_run, stderr);
		rc = EXIT_USAGE;
	}
	catalogue_free(cat);
	PQfinish(conn);
	return rc;
}

/* Reads the integer after option argv[*i] into *out, moving *i past it;
 * false (usage printed) when it is missing or not from lo to hi. */
static bool option_int(int argc, char **argv, int *i, int lo, int hi,
		       int *out)
{
	const char *name = argv[*i];
	int64_t n;

	if (*i + 1 >= argc || !util_parse_int64(argv[*i + 1], &n) || n < lo ||
	    n > hi) {
		fprintf(stderr, "odp-etl schedule: %s needs an integer from %d "
			"to %d\n%s", name, lo, hi, usage_schedule);
		return false;
	}
	*out = (int)n;
	(*i)++;
	return true;
}

static int cmd_schedule(int argc, char **argv)
{
	struct schedule_options opts;
	char errbuf[ODP_ERRBUF_SIZE];
	bool failed = false;
	int i;

	if (schedule_options_init(&opts, errbuf) != ODP_OK) {
		log_error("%s", errbuf);
		return EXIT_USAGE;
	}
	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--once") == 0) {
			opts.once = true;
		} else if (strcmp(argv[i], "--interval") == 0) {
			if (!option_int(argc, argv, &i, 1, SCHEDULE_INTERVAL_MAX,
					&opts.interval))
				return EXIT_USAGE;
		} else if (strcmp(argv[i], "--workers") == 0) {
			if (!option_int(argc, argv, &i, 1, SCHEDULE_WORKERS_MAX,
					&opts.workers))
				return EXIT_USAGE;
		} else {
			fprintf(stderr, "odp-etl schedule: unknown argument "
				"\"%s\"\n%s", argv[i], usage_schedule);
			return EXIT_USAGE;
		}
	}
	switch (schedule_run(&opts, &failed, errbuf)) {
	case ODP_OK:
		return opts.once && failed ? EXIT_RUN_FAILED : EXIT_OK;
	case ODP_ERR_DB:
		log_error("%s", errbuf);
		return EXIT_DATABASE;
	default:
		log_error("%s", errbuf);
		return EXIT_USAGE;
	}
}

static int cmd_status(int argc, char **argv)
{
	char errbuf[ODP_ERRBUF_SIZE];
	const char *tz = cron_timezone();
	bool json = false;
	PGconn *conn;
	int i, rc = EXIT_OK;

	for (i = 0; i < argc; i++) {
		if (strcmp(argv[i], "--json") != 0) {
			fprintf(stderr, "odp-etl status: unknown argument "
				"\"%s\"\n%s", argv[i], usage_status);
			return EXIT_USAGE;
		}
		json = true;
	}
	if (!cron_timezone_ok(tz, errbuf)) {
		log_error("%s", errbuf);
		return EXIT_USAGE;
	}
	conn = db_connect(errbuf);
	if (!conn) {
		log_error("%s", errbuf);
		return EXIT_DATABASE;
	}
	if (schedule_status(conn, tz, json, stdout, errbuf) != ODP_OK) {
		log_error("%s", errbuf);
		rc = EXIT_DATABASE;
	}
	PQfinish(conn);
	return rc;
}

int main(int argc, char **argv)
{
	const char *cmd;

	log_init("odp-etl");
	source_init();
	if (argc < 2 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0 || strcmp(argv[1], "-h") == 0) {
		fputs(usage_main, argc < 2 ? stderr : stdout);
		return argc < 2 ? EXIT_USAGE : EXIT_OK;
	}
	cmd = argv[1];
	argc -= 2;
	argv += 2;
	if (strcmp(cmd, "migrate") == 0) {
		if (wants_help(argc, argv)) {
			fputs(usage_migrate, stdout);
			return EXIT_OK;
		}
		return cmd_migrate();
	}
	if (strcmp(cmd, "validate") == 0) {
		if (wants_help(argc, argv)) {
			fputs(usage_validate, stdout);
			return EXIT_OK;
		}
		return cmd_validate(argc, argv);
	}
	if (strcmp(cmd, "run") == 0) {
		if (wants_help(argc, argv)) {
			fputs(usage_run, stdout);
			return EXIT_OK;
		}
		return cmd_run(argc, argv);
	}
	if (strcmp(cmd, "schedule") == 0) {
		if (wants_help(argc, argv)) {
			fputs(usage_schedule, stdout);
			return EXIT_OK;
		}
		return cmd_schedule(argc, argv);
	}
	if (strcmp(cmd, "status") == 0) {
		if (wants_help(argc, argv)) {
			fputs(usage_status, stdout);
			return EXIT_OK;
		}
		return cmd_status(argc, argv);
	}
	fprintf(stderr, "odp-etl: unknown command \"%s\"\n\n%s", cmd, usage_main);
	return EXIT_USAGE;
}
