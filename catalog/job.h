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
#include <stdint.h>

/* Largest job file accepted, in bytes. */
#define JOB_FILE_MAX (1 << 20)

struct job_publisher {
	char *identifier;
	char *name;
	char *homepage;  /* may be NULL */
	char *email;     /* may be NULL */
	char *type;      /* a vocab_publisher_types code; NULL reads as
			    JOB_PUBLISHER_TYPE_DEFAULT */
};

/* odp is the backend of a territorial authority: its own datasets are the
 * default. */
#define JOB_PUBLISHER_TYPE_DEFAULT "LocalAuthority"

/* Who answers reusers' questions (a vCard in DCAT); each may be NULL. */
struct job_contact {
	char *name;
	char *email;
	char *url;       /* a contact form */
};

/* Temporal coverage: computed from column (a date or timestamp column of
 * the published data, its normalised or source name) or declared. */
struct job_temporal {
	char *column;
	char *start;     /* YYYY-MM-DD */
	char *end;       /* YYYY-MM-DD, may be NULL: still going on */
};

/* High-value dataset (Regulation (EU) 2023/138). */
struct job_hvd {
	char **categories;      /* vocab_hvd_categories codes */
	size_t n_categories;
	char **legislation;     /* ELI URLs; empty: VOCAB_HVD_LEGISLATION */
	size_t n_legislation;
};

/* A file published elsewhere and declared with the dataset (a notice, an
 * archive): a DCAT distribution of kind 'declared'. */
struct job_distribution {
	char *identifier;   /* stable, in its IRI; not "records-..." */
	char *title;
	char *url;
	char *format;       /* a vocab_file_types code */
	char *media_type;   /* NULL: the format's */
	char *description;  /* may be NULL */
	char *conforms_to;  /* a schema URL, may be NULL */
};

/* Distributions a job may declare. */
#define JOB_DISTRIBUTIONS_MAX 100

/* http-json paging: how to get from one page to the next. */
struct job_paging {
	char *type;          /* "next", "page" or "offset"; NULL: one page */
	char *next;          /* "next": JSON pointer to the next page's URL */
	char *param;         /* "page"/"offset": the query parameter */
	char *size_param;    /* query parameter for the page size, or NULL */
	int64_t size;        /* page size (0: the server's) */
	int64_t start;       /* first page number or offset */
	int64_t max_pages;   /* safety bound (0: JOB_MAX_PAGES_DEFAULT) */
};

/* Incremental harvest of a sql source: rows whose column is beyond the
 * last watermark, upserted by key. */
struct job_incremental {
	char *column;
	char *key;
	int64_t full_every;  /* every Nth run reads every row; 0: the default */
	/* Not a job key: the watermark a run reads beyond, set by the run on
	 * its own copy of the job (etl/incremental.c); NULL reads every row. */
	const char *since;
};

/* A full run of an incremental job every JOB_FULL_EVERY_DEFAULT runs picks
 * up the rows deleted in the source. */
#define JOB_FULL_EVERY_DEFAULT 24
#define JOB_FULL_EVERY_MAX 100000

/* Headers sent with http-json requests: "Name": "value", where the value
 * may hold ${VAR} references (tokens stay in the environment). */
struct job_header {
	char *name;
	char *value;
};

struct job_source {
	char *kind;          /* "gdal", "sql" or "http-json" */
	char *path;          /* gdal: as written in the job file */
	char *resolved_path; /* relative paths resolved against the job file */
	char *layer;         /* may be NULL: the first layer */
	char *srs;           /* may be NULL: the source's own CRS */
	char *x_column;      /* with y_column: a point from two columns */
	char *y_column;
	char *latlon_column; /* one column holding "lat, lon" text */
	bool keep_z;         /* publish Z; M is always dropped */
	char **open_options; /* "KEY=VALUE" strings for GDAL */
	size_t n_open_options;
	char **config_options; /* "KEY=VALUE" GDAL config options, e.g. a
				  WFS server's page size */
	size_t n_config_options;
	char *connection;    /* sql: libpq or GDAL connection, ${VAR} allowed */
	char *query;         /* sql: the SELECT to run */
	struct job_incremental incremental;
	char *url;           /* http-json: the first page, ${VAR} allowed */
	char *records;       /* http-json: JSON pointer to the records array */
	char *geometry;      /* http-json: JSON pointer, in a record, to a
				GeoJSON geometry; sql: the geometry column */
	struct job_paging paging;
	struct job_header *headers;
	size_t n_headers;
	int64_t request_timeout;  /* seconds; 0: JOB_REQUEST_TIMEOUT_DEFAULT */
	int64_t request_retries;  /* -1: JOB_REQUEST_RETRIES_DEFAULT */
};

/* Versions of a dataset kept queryable, the published one included. */
#define JOB_KEEP_VERSIONS_DEFAULT 5
#define JOB_KEEP_VERSIONS_MIN 1
#define JOB_KEEP_VERSIONS_MAX 100

/* Bounds of a job's "timeout" (seconds) and "retries". */
#define JOB_TIMEOUT_MAX (7 * 86400)
#define JOB_RETRIES_MAX 20

#define JOB_MAX_PAGES_DEFAULT 10000
#define JOB_REQUEST_TIMEOUT_DEFAULT 60
#define JOB_REQUEST_RETRIES_DEFAULT 3

/* Declared transforms, applied in this order to every record: columns
 * dropped, personal data hashed or dropped, types cast, columns renamed,
 * rows filtered, columns derived.  Maps are name/value pairs (struct
 * job_header serves for every map of a job file). */
struct job_transform {
	char **drop;              /* source column names */
	size_t n_drop;
	struct job_header *personal;  /* source name -> "hash" or "drop" */
	size_t n_personal;
	struct job_header *cast;  /* source name -> column type */
	size_t n_cast;
	struct job_header *rename;    /* source name -> published name */
	size_t n_rename;
	char *filter;             /* expression over published names */
	struct job_header *derive;    /* new column -> expression */
	size_t n_derive;
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
	/* DCAT metadata a person declares (catalog/job_meta.c checks it);
	 * every pointer may be NULL and every count 0. */
	struct job_contact contact;
	char **local_themes;   /* codes of etl/catalog.json's local themes */
	size_t n_local_themes;
	char *access_rights;   /* a vocab_access_rights code; NULL: PUBLIC */
	char **languages;      /* vocab_languages codes; none: FRA */
	size_t n_languages;
	char **conforms_to;    /* schema URLs (schema.data.gouv.fr) */
	size_t n_conforms_to;
	char **spatial_uris;   /* INSEE commune, EPCI, departement, region */
	size_t n_spatial_uris;
	struct job_temporal temporal;
	char *landing_page;
	char *documentation;
	struct job_hvd hvd;
	struct job_distribution *distributions;
	size_t n_distributions;
	char *schedule;      /* cron syntax, may be NULL */
	char *key;           /* natural key column (source name), may be NULL */
	char *schema_policy; /* "accept" or "fail"; NULL means "accept" */
	int64_t keep_versions; /* JOB_KEEP_VERSIONS_MIN..MAX, default 5 */
	int64_t max_rejected;  /* rejected rows that fail the run beyond;
				  -1: no limit (the default) */
	int64_t timeout;     /* seconds a scheduled run may take, 1 to
				JOB_TIMEOUT_MAX; 0: the scheduler's default */
	int64_t retries;     /* retries of a failed scheduled run, 0 to
				JOB_RETRIES_MAX; -1: the scheduler's default */
	struct job_source source;
	struct job_transform transform;
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

/* Folder depth searched for job files, and job files listed at most. */
#define JOB_FILES_DEPTH 4
#define JOB_FILES_MAX 10000

/* Appends the paths of the *.json files under dir (JOB_FILES_DEPTH
 * folders deep, JOB_FILES_MAX at most) to *paths, growing it; the caller
 * frees each path and the array.  False, with errno set, when dir cannot
 * be opened. */
bool job_list_files(const char *dir, char ***paths, size_t *n);

/* Returns s with every ${NAME} replaced by the environment variable NAME,
 * malloc'd (the caller frees it), or NULL when a variable is unset or a
 * reference is malformed, with errbuf naming it (never the value).  Used for
 * connection strings, URLs and headers, so that secrets stay out of job
 * files. */
char *job_expand_env(const char *s, char *errbuf);

/* True when s is five cron fields with values in range.  On false, writes
 * what is wrong into why (ODP_ERRBUF_SIZE bytes). */
bool job_cron_check(const char *s, char *why);

#endif
