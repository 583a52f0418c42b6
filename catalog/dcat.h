/*
 * dcat.h: the DCAT-AP catalogue, read from the database as RDF graphs
 * (rdf.h): one page of the catalogue, or one dataset.
 *
 * A page holds the dcat:Catalog (typed hydra:Collection too), the Hydra
 * view of this page, the page's datasets with everything they point at,
 * the API as a dcat:DataService serving them, and the theme schemes.  It
 * costs four statements whatever the page size: the catalogue and its
 * counts, the local themes, the page's datasets, and their distributions.
 * Run them inside one REPEATABLE READ transaction to read one snapshot.
 *
 * IRIs (base is the API's public URL, without trailing slash):
 *   {base}/catalog                        the catalogue
 *   {base}/datasets/{id}                  a dataset
 *   {base}/datasets/{id}/distributions/{d}  a distribution
 *   {base}/api                            the API (dcat:DataService)
 *   {base}/publishers/{id}                a publisher
 *   {base}/themes, {base}/themes/{code}   the local theme scheme, a theme
 * Pages are {base}{path}?page=N (and &page_size=S when the request gave
 * one), path being the one the request used, so that a harvester
 * following hydra:next stays on the format it chose.
 */
#ifndef ODP_DCAT_H
#define ODP_DCAT_H

#include "odp.h"
#include "rdf.h"

#include <libpq-fe.h>
#include <stdbool.h>
#include <stdint.h>

/* What a page of the catalogue needs before it is built. */
struct dcat_catalog;

/* Reads the catalogue row, its publisher and the state of the published
 * datasets.  Returns NULL on failure with errbuf set; *missing is then
 * true when the database has no catalogue row (etl/catalog.json was never
 * loaded). */
struct dcat_catalog *dcat_catalog_load(PGconn *pg, bool *missing,
				       char *errbuf);
/* NULL is a no-op. */
void dcat_catalog_free(struct dcat_catalog *c);
/* How many datasets are published. */
int64_t dcat_catalog_total(const struct dcat_catalog *c);
/* 32 hex digits that change whenever anything a page shows may have
 * changed (datasets published or edited, catalogue, themes). */
const char *dcat_catalog_state(const struct dcat_catalog *c);

struct dcat_page_request {
	const char *base;      /* the API's base URL */
	const char *path;      /* of the page IRIs: "/catalog.ttl" */
	int64_t page;          /* 1-based, within the catalogue's pages */
	int64_t page_size;
	bool page_size_given;  /* page IRIs then repeat it */
};

/* Adds the page to g.  The caller checked that page is at most the
 * number of pages (at least 1, even for an empty catalogue). */
enum odp_status dcat_catalog_page(PGconn *pg, const struct dcat_catalog *c,
				  const struct dcat_page_request *req,
				  struct rdf_graph *g, char *errbuf);

/* Adds the published dataset identifier, with its distributions, agents,
 * themes and coverage nodes, to g, and writes into state (33 bytes) a
 * digest of what it shows.  ODP_ERR_NOT_FOUND when no published dataset
 * has that identifier. */
enum odp_status dcat_dataset_graph(PGconn *pg, const char *base,
				   const char *identifier,
				   struct rdf_graph *g, char state[33],
				   char *errbuf);

#endif
