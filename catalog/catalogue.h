/*
 * catalogue.h: the catalogue's own metadata, etl/catalog.json.
 *
 * The DCAT catalogue has a title, a description, a publisher, a homepage,
 * languages, a licence, a spatial coverage and the territory's own themes
 * (a SKOS scheme beside the EU data themes).  They are written once in
 * etl/catalog.json (ODP_CATALOG names another file), checked like a job
 * file, and copied into the tables catalogue and local_themes by
 * `odp-etl migrate` and `odp-etl run`.  A job's local_themes must be codes
 * of this file.
 *
 *   {"title": "...", "description": "...",
 *    "publisher": {"identifier": "grand-poitiers", "name": "...",
 *                  "type": "LocalAuthority", "homepage": "...", "email": "..."},
 *    "homepage": "https://...", "languages": ["FRA"], "licence": "etalab-2.0",
 *    "spatial_uris": ["http://id.insee.fr/geo/epci/200069854"],
 *    "local_themes": [{"code": "mobilite", "label": "Mobilité",
 *                      "description": "..."}]}
 */
#ifndef ODP_CATALOGUE_H
#define ODP_CATALOGUE_H

#include "job.h"
#include "odp.h"

#include <jansson.h>
#include <libpq-fe.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#define CATALOGUE_FILE_DEFAULT "etl/catalog.json"

struct catalogue_theme {
	char *code;         /* lowercase letters, digits, dashes */
	char *label;
	char *description;  /* may be NULL */
};

struct catalogue {
	char *file;
	char *title;
	char *description;
	struct job_publisher publisher;
	char *homepage;           /* may be NULL */
	char **languages;         /* vocab_languages codes; none: FRA */
	size_t n_languages;
	char *licence;            /* a vocab_licences code */
	char **spatial_uris;      /* INSEE URIs */
	size_t n_spatial_uris;
	struct catalogue_theme *local_themes;
	size_t n_local_themes;
	json_t *definition;       /* the file's JSON, owned */
};

/* The catalogue file's path: ODP_CATALOG, or CATALOGUE_FILE_DEFAULT
 * (relative to the working directory).  Borrowed from the environment. */
const char *catalogue_path(void);

/* Reads and checks the file at path.  Returns the catalogue (the caller
 * catalogue_free()s it) or NULL with every problem appended to problems. */
struct catalogue *catalogue_load(const char *path,
				 struct job_problems *problems);

void catalogue_free(struct catalogue *cat);

/* Checks that each of job's local_themes is a code of cat; a problem for
 * each that is not. */
void catalogue_check_job(const struct catalogue *cat, const struct job *job,
			 struct job_problems *problems);

/* Writes cat into the tables catalogue, local_themes and publishers, in one
 * transaction: rows are updated only where they differ (running it again
 * writes nothing), and local themes no longer in the file are deleted.  On
 * failure errbuf (ODP_ERRBUF_SIZE bytes) says why.  The catalogue's extent
 * is recomputed too, so that a fresh catalogue has one. */
enum odp_status catalogue_store(PGconn *conn, const struct catalogue *cat,
				char *errbuf);

/* Recomputes catalogue.spatial, the extent of every published dataset's
 * extent (the dct:Location of the dcat:Catalog), writing the row only when
 * it changes.  Called in the transaction that changes a dataset's extent:
 * it locks the catalogue row first, so that two runs publishing at once
 * each see the other's committed extent.  No catalogue row: nothing. */
enum odp_status catalogue_refresh_extent(PGconn *conn, char *errbuf);

/* Inserts or updates the publishers row of p (its type defaulting to
 * JOB_PUBLISHER_TYPE_DEFAULT), leaving an identical row untouched, and sets
 * *id.  from_job: p comes from a job file, which never rewrites the
 * catalogue's own publisher (etl/catalog.json describes it; a job naming
 * it refers to it).  Runs in the caller's transaction, if any. */
enum odp_status catalogue_upsert_publisher(PGconn *conn,
					   const struct job_publisher *p,
					   bool from_job, int64_t *id,
					   char *errbuf);

#endif
