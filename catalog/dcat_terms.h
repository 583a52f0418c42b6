/*
 * dcat_terms.h: the small pieces the DCAT builders (dcat.c,
 * dcat_dataset.c) share: adding typed values, and describing the nodes of
 * controlled vocabularies once per graph.
 *
 * Every object node the catalogue publishes carries an explicit rdf:type
 * (the DCAT-AP range shapes check classes without loading ontologies or
 * vocabularies).  The dcat_*_node() functions intern a node and, the first
 * time it appears in the graph, add its type and label; later calls only
 * return it.  A skos:Concept always comes with its skos:prefLabel and
 * skos:inScheme, and the scheme with its type and dct:title, as DCAT-AP
 * requires of both and as harvesters (udata) read theme labels from the
 * same page.
 */
#ifndef ODP_DCAT_TERMS_H
#define ODP_DCAT_TERMS_H

#include "rdf.h"
#include "sb.h"
#include "vocab.h"

#include <stdbool.h>

/* The language tag of the catalogue's text. */
#define DCAT_LANG "fr"

/* s rdf:type class. */
void dcat_a(struct rdf_graph *g, rdf_node s, const char *class_iri);
/* s pred o. */
void dcat_ref(struct rdf_graph *g, rdf_node s, const char *pred, rdf_node o);
/* s pred "text"@fr; nothing when text is NULL or empty. */
void dcat_text(struct rdf_graph *g, rdf_node s, const char *pred,
	       const char *text);
/* s pred "value"^^datatype; nothing when value is NULL or empty. */
void dcat_typed(struct rdf_graph *g, rdf_node s, const char *pred,
		const char *value, const char *datatype_iri);

/* The node of iri, typed class_iri the first time. */
rdf_node dcat_typed_node(struct rdf_graph *g, const char *iri,
			 const char *class_iri);
/* A skos:Concept with its label (in lang) and scheme; the scheme is typed
 * skos:ConceptScheme with dct:title scheme_title (in scheme_lang). */
rdf_node dcat_concept_node(struct rdf_graph *g, const char *iri,
			   const char *label, const char *lang,
			   const char *scheme_iri, const char *scheme_title,
			   const char *scheme_lang);
/* The EU data-theme scheme, typed and titled. */
rdf_node dcat_theme_scheme_node(struct rdf_graph *g);
/* An EU data theme as a concept of that scheme, with its French label. */
rdf_node dcat_theme_node(struct rdf_graph *g, const struct vocab_term *t);
/* A licence: dct:LicenseDocument with its ADMS licence type(s). */
rdf_node dcat_licence_node(struct rdf_graph *g, const struct vocab_term *t);
/* An ADMS publisher type concept. */
rdf_node dcat_publisher_type_node(struct rdf_graph *g,
				  const struct vocab_term *t);
/* An EU language (dct:LinguisticSystem). */
rdf_node dcat_language_node(struct rdf_graph *g, const struct vocab_term *t);
/* An EU access right (dct:RightsStatement). */
rdf_node dcat_access_right_node(struct rdf_graph *g,
				const struct vocab_term *t);
/* A page or a document (foaf:Document). */
rdf_node dcat_document_node(struct rdf_graph *g, const char *url);
/* A plain URL (an access or download URL, a mailbox): rdfs:Resource. */
rdf_node dcat_url_node(struct rdf_graph *g, const char *url);

/* A contact point: a blank vcard:Organization (and vcard:Kind) with fn,
 * hasEmail (mailto:) and hasURL, each skipped when NULL; NULL name and
 * email and url give no node (0). */
rdf_node dcat_contact_node(struct rdf_graph *g, const char *name,
			   const char *email, const char *url);
/* An agent {base}/publishers/{identifier}: foaf:Agent with foaf:name,
 * dct:type (ADMS code type; NULL: LocalAuthority), foaf:homepage and
 * foaf:mbox when given. */
rdf_node dcat_agent_node(struct rdf_graph *g, const char *base,
			 const char *identifier, const char *name,
			 const char *type, const char *homepage,
			 const char *email);
/* An extent: the corners and centre of a box, as decimal text. */
struct dcat_extent {
	const char *minx, *miny, *maxx, *maxy, *cx, *cy;
};

/* The spatial coverage of a dataset or of the catalogue, as one blank
 * dct:Location: dcat:bbox (a WKT polygon) and dcat:centroid (a WKT point)
 * when every value of e is given, and a locn:geographicIdentifier
 * "IRI"^^xsd:anyURI for each IRI of uris (a text array literal: the INSEE
 * territories a job declares).  0 when there is neither; elem is scratch. */
rdf_node dcat_location_node(struct rdf_graph *g, const struct dcat_extent *e,
			    const char *uris, struct sb *elem);

/* Iterates a PostgreSQL text array literal ("{a,\"b c\",NULL}"): each call
 * puts the next element into elem (reset first) and returns true, or
 * returns false at the end; NULL elements are skipped, as is a NULL *p.
 * *p advances; it starts at the literal. */
bool dcat_array_next(const char **p, struct sb *elem);

#endif
