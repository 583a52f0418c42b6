/*
 * rdf.h: a small in-memory RDF graph, built for one answer and freed after.
 *
 * The DCAT catalogue (dcat.c) is built once as a graph, then written as
 * Turtle, JSON-LD or RDF/XML by the writers below, so that the three
 * serialisations of a page always carry the same triples.
 *
 * Nodes (IRIs and blank nodes) are interned: the same IRI is always the
 * same rdf_node, so a node can be described once per answer
 * (rdf_first_use) however many datasets point at it.  Triples are kept in
 * the order they were added, chained per subject; subjects are listed in
 * the order they first appeared as a subject.  The writers walk them in
 * that order, so the same data always gives byte-identical output.
 *
 * Strings are copied into the graph's arena, which rdf_graph_free()
 * releases at once.  Allocation failure aborts (util.h), so building
 * cannot fail; a graph grows to at most RDF_MAX_TRIPLES triples, past
 * which further triples are dropped and rdf_graph_failed() says so.
 *
 * The structures are visible so that the writers can walk them; everything
 * else builds and reads a graph through the functions.
 */
#ifndef ODP_RDF_H
#define ODP_RDF_H

#include "sb.h"

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Namespaces, for building IRIs: RDF_DCT "title". */
#define RDF_RDF "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
#define RDF_RDFS "http://www.w3.org/2000/01/rdf-schema#"
#define RDF_XSD "http://www.w3.org/2001/XMLSchema#"
#define RDF_DCAT "http://www.w3.org/ns/dcat#"
#define RDF_DCT "http://purl.org/dc/terms/"
#define RDF_DCATAP "http://data.europa.eu/r5r/"
#define RDF_FOAF "http://xmlns.com/foaf/0.1/"
#define RDF_VCARD "http://www.w3.org/2006/vcard/ns#"
#define RDF_SKOS "http://www.w3.org/2004/02/skos/core#"
#define RDF_SPDX "http://spdx.org/rdf/terms#"
#define RDF_GEO "http://www.opengis.net/ont/geosparql#"
#define RDF_ELI "http://data.europa.eu/eli/ontology#"
#define RDF_HYDRA "http://www.w3.org/ns/hydra/core#"
#define RDF_LOCN "http://www.w3.org/ns/locn#"

/* Most triples one graph holds: a page of 500 datasets stays far below. */
#define RDF_MAX_TRIPLES ((size_t)4 << 20)

/* A node of the graph: 0 means none. */
typedef uint32_t rdf_node;

/* The prefixes the writers use, in this order, for every document. */
struct rdf_prefix {
	const char *name;   /* "dcat" */
	const char *iri;    /* RDF_DCAT */
};
extern const struct rdf_prefix rdf_prefixes[];
extern const size_t rdf_n_prefixes;

struct rdf_node_info {
	const char *iri;       /* NULL for a blank node */
	uint32_t blank_id;     /* 1, 2, ... for blank nodes, in creation order */
	int prefix;            /* index in rdf_prefixes, or -1: write it whole */
	uint32_t local;        /* offset of the local name in iri (prefix >= 0) */
	uint32_t first, last;  /* its triples as subject (indexes; 0: none) */
	bool described;        /* rdf_first_use() was called */
};

struct rdf_triple {
	rdf_node s, p;
	rdf_node o;            /* 0 for a literal */
	const char *lit;       /* the literal's lexical form */
	uint32_t lit_len;
	rdf_node datatype;     /* 0: xsd:string, or rdf:langString with lang */
	const char *lang;      /* borrowed static string, or NULL */
	uint32_t next;         /* the subject's next triple, 0 at the end */
};

struct rdf_arena_block;

struct rdf_graph {
	struct rdf_node_info *nodes;   /* [0] unused */
	size_t n_nodes, cap_nodes;
	struct rdf_triple *triples;    /* [0] unused */
	size_t n_triples, cap_triples;
	rdf_node *subjects;            /* in order of first use as subject */
	size_t n_subjects, cap_subjects;
	uint32_t *slots;               /* hash of IRIs to nodes; 0 = empty */
	size_t n_slots, n_iris;
	struct rdf_arena_block *arena;
	uint32_t n_blanks;
	bool failed;                   /* a triple was dropped */
};

/* An empty graph; cannot fail. */
struct rdf_graph *rdf_graph_new(void);
/* NULL is a no-op. */
void rdf_graph_free(struct rdf_graph *g);
/* True when the graph hit RDF_MAX_TRIPLES and is incomplete. */
bool rdf_graph_failed(const struct rdf_graph *g);

/* The node of an IRI (copied), the same node each time. */
rdf_node rdf_iri(struct rdf_graph *g, const char *iri);
rdf_node rdf_iri_n(struct rdf_graph *g, const char *iri, size_t len);
/* The node of the IRI a followed by b (a base URL and a path). */
rdf_node rdf_iri_cat(struct rdf_graph *g, const char *a, const char *b);
/* The node of iri if the graph has it, else 0; interns nothing. */
rdf_node rdf_lookup(const struct rdf_graph *g, const char *iri);
/* A new blank node. */
rdf_node rdf_blank(struct rdf_graph *g);

/* True the first time it is called for n: the caller then describes n
 * (its type, its label), and skips that on later calls. */
bool rdf_first_use(struct rdf_graph *g, rdf_node n);

/* Adds (s, p, o) for a node object. */
void rdf_add(struct rdf_graph *g, rdf_node s, rdf_node p, rdf_node o);
/* Adds (s, p, "value") with datatype (0: a plain string) or lang (a
 * static string such as "fr", or NULL); value is copied. */
void rdf_add_literal(struct rdf_graph *g, rdf_node s, rdf_node p,
		     const char *value, rdf_node datatype, const char *lang);
void rdf_add_literal_n(struct rdf_graph *g, rdf_node s, rdf_node p,
		       const char *value, size_t len, rdf_node datatype,
		       const char *lang);

/* Writers.  Each appends the whole graph to out (whose sticky error then
 * tells about size); the JSON-LD and XML writers return false, with the
 * reason in errbuf (ODP_ERRBUF_SIZE), when their library refuses the data
 * (e.g. text that is not UTF-8). */
void rdf_write_turtle(const struct rdf_graph *g, struct sb *out);
bool rdf_write_jsonld(const struct rdf_graph *g, struct sb *out,
		      char *errbuf);
bool rdf_write_xml(const struct rdf_graph *g, struct sb *out, char *errbuf);

#endif
