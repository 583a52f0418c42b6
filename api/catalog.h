/*
 * catalog.h: the DCAT-AP catalogue over HTTP.
 *
 *   GET|HEAD /catalog                 Turtle, JSON-LD or RDF/XML by Accept
 *   GET|HEAD /catalog.ttl|.jsonld|.rdf  by extension
 *   ?page=N (from 1) &page_size=S (1..500, default 50)
 *   GET|HEAD /datasets/{id}.ttl|.jsonld|.rdf  one dataset
 *
 * A harvester finds the format from the extension or from the
 * Content-Type of a HEAD, and walks the pages through hydra:next.
 */
#ifndef ODP_API_CATALOG_H
#define ODP_API_CATALOG_H

#include "routes.h"

/* The serialisations, in the order Accept ties are broken. */
enum api_rdf_format {
	API_RDF_TURTLE,
	API_RDF_JSONLD,
	API_RDF_XML,
	API_RDF_N_FORMATS
};

/* The format an Accept header asks for (RFC 9110: q-values, the most
 * specific range deciding each format's q), or -1 when none of the three
 * is acceptable.  NULL or empty (no preference) gives Turtle, as does
 * any wildcard that leaves the choice to the server. */
int api_catalog_negotiate(const char *accept);

api_handler api_catalog_get;
api_handler api_catalog_ttl;
api_handler api_catalog_jsonld;
api_handler api_catalog_rdf;
api_handler api_dataset_ttl;
api_handler api_dataset_jsonld;
api_handler api_dataset_rdf;

#endif
