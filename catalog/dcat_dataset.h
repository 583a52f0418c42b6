/*
 * dcat_dataset.h: one dataset of the catalogue as DCAT-AP triples, from
 * its row and the rows of its distributions (dcat.c reads them).
 *
 * Every string is borrowed (from a PGresult) for the call; NULL is SQL
 * NULL.  Arrays are PostgreSQL text array literals; timestamps are ISO 8601
 * UTC ("2024-05-01T08:00:00Z"), dates YYYY-MM-DD; the extent's corners and
 * centre are decimal text.
 */
#ifndef ODP_DCAT_DATASET_H
#define ODP_DCAT_DATASET_H

#include "rdf.h"

#include <stddef.h>

struct dcat_dataset_row {
	const char *identifier, *title, *description;
	const char *pub_identifier, *pub_name, *pub_homepage, *pub_email,
		*pub_type;
	const char *themes, *keywords, *local_themes;
	const char *licence, *frequency;
	const char *temporal_start, *temporal_end;
	const char *issued, *modified;
	const char *minx, *miny, *maxx, *maxy, *cx, *cy;
	const char *contact_name, *contact_email, *contact_url;
	const char *conforms_to, *spatial_uris, *access_rights, *languages;
	const char *landing_page, *documentation;
	const char *hvd_categories, *applicable_legislation;
	const char *published_at;   /* of the current version */
};

struct dcat_distribution_row {
	const char *identifier, *title, *description, *format, *media_type;
	const char *kind;           /* "export" or "declared" */
	const char *path, *url, *conforms_to;
	const char *byte_size, *checksum;  /* NULL unless of this version */
};

/* Adds the dataset described by row and its n distributions to g and
 * returns its node.  base is the API's base URL.  The caller may type the
 * node dcat:Dataset first (rdf_first_use) to put it ahead of the nodes
 * it added before. */
rdf_node dcat_add_dataset(struct rdf_graph *g, const char *base,
			  const struct dcat_dataset_row *row,
			  const struct dcat_distribution_row *dists, size_t n);

#endif
