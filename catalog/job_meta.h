/*
 * job_meta.h: the DCAT metadata of a job file, beyond title and licence:
 * publisher type, contact, local themes, access rights, languages,
 * conformsTo, spatial URIs, temporal coverage, landing page,
 * documentation, HVD categories and declared distributions.
 *
 * The tables say how each key is read (catalog/fields.h); job_meta_check()
 * then checks the values against the vocabularies (catalog/vocab.h) and
 * their shapes (URLs, INSEE URIs, dates), one problem per wrong value with
 * its JSON path and what is allowed.  etl/catalog.json is checked with the
 * same functions where it has the same keys.
 */
#ifndef ODP_JOB_META_H
#define ODP_JOB_META_H

#include "fields.h"
#include "job.h"

#include <stdbool.h>
#include <stddef.h>

extern const struct field job_meta_publisher_fields[];
extern const struct field job_meta_contact_fields[];
extern const struct field job_meta_temporal_fields[];
extern const struct field job_meta_hvd_fields[];
extern const struct field job_meta_distribution_fields[];

/* Checks the metadata values of job that have the right JSON type. */
void job_meta_check(const struct job *job, struct job_problems *problems);

/* Checks a publisher read with job_meta_publisher_fields, at path
 * ("$.publisher"). */
void job_meta_check_publisher(const struct job_publisher *p, const char *path,
			      struct job_problems *problems);

/* Checks n language codes at path ("$.languages"). */
void job_meta_check_languages(char *const *codes, size_t n, const char *path,
			      struct job_problems *problems);

/* Checks n spatial URIs at path ("$.spatial_uris"). */
void job_meta_check_spatial_uris(char *const *uris, size_t n,
				 const char *path,
				 struct job_problems *problems);

/* True when uri is an INSEE geographic URI odp knows:
 * http://id.insee.fr/geo/commune/86194, /epci/200069854 (SIREN),
 * /departement/86, /region/75. */
bool job_meta_spatial_uri_ok(const char *uri);

/* True when s is a real calendar date written YYYY-MM-DD. */
bool job_meta_date_ok(const char *s);

/* Frees the metadata members of job (job_free() calls it). */
void job_meta_free(struct job *job);

#endif
