/*
 * job.h: job files, one JSON file per dataset under etl/jobs/.
 *
 * A job file names the dataset and its DCAT metadata, where its data come
 * from and when to harvest it.  job_load() checks the whole file against a
 * table of expected keys and reports every problem it finds, each with the
 * file, the JSON path of the key and what was expected, so that a data
 * referent can fix them all in one go.
 */
#ifndef ODP_JOB_H
#define ODP_JOB_H

#include "odp.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

/* Largest job file accepted, in bytes. */
#define JOB_FILE_MAX (1 << 20)

struct job_publisher {
	char *identifier;
	char *name;
	char *homepage;  /* may be NULL */
	char *email;     /* may be NULL */
};

struct job_source {
	char *kind;          /* "gdal" */
	char *path;          /* as written in the job file */
	char *resolved_path; /* relative paths resolved against the job file */
	char *layer;         /* may be NULL: the first layer */
	char *srs;           /* may be NULL: the source's own CRS */
	char *x_column;      /* with y_column: a point from two columns */
	char *y_column;
	char **open_options; /* "KEY=VALUE" strings for GDAL */
	size_t n_open_options;
};

struct job {
	char *file;          /* path of the job file */
	char *identifier;
	char *title;
	char *description;
	struct job_publisher publisher;
	char **themes;
	size_t n_themes;
	char **keywords;
	size_t n_keywords;
	char *licence;       /* a vocab_licences code */
	char *frequency;     /* a vocab_frequencies code, may be NULL */
	char *schedule;      /* cron syntax, may be NULL */
	char *key;           /* natural key column (source name), may be NULL */
	struct job_source source;
	json_t *definition;  /* the file's JSON, owned */
};

/* One problem found in a job file. */
struct job_problem {
	char *json_path;   /* "$.source.path" */
	char *message;     /* "missing key: expected a string ..." */
};

struct job_problems {
	struct job_problem *items;
	size_t n;
};

/* Reads and validates the job file at path.  Returns the job (caller
 * job_free()s it) or NULL, with every problem appended to problems (caller
 * job_problems_free()s them). */
struct job *job_load(const char *path, struct job_problems *problems);

void job_free(struct job *job);
void job_problems_free(struct job_problems *problems);

/* True when s is five cron fields with values in range.  On false, writes
 * what is wrong into why (ODP_ERRBUF_SIZE bytes). */
bool job_cron_check(const char *s, char *why);

#endif
