/*
 * rdf_xml.c: a graph as RDF/XML (see rdf.h), written with libxml2's
 * xmlTextWriter straight into the output buffer.
 *
 *   <rdf:RDF xmlns:rdf="..." xmlns:dcat="..." ...>
 *     <rdf:Description rdf:about="http://...">      (rdf:nodeID="b1")
 *       <rdf:type rdf:resource="http://www.w3.org/ns/dcat#Dataset"/>
 *       <dct:title xml:lang="fr">...</dct:title>
 *       <dct:issued rdf:datatype="...#dateTime">...</dct:issued>
 *       <dct:temporal rdf:nodeID="b3"/>
 *     </rdf:Description>
 *
 * One rdf:Description per subject, in the graph's order, so that every
 * node (typed nodes included) reads the same way.  A property element
 * needs a QName: predicates outside rdf_prefixes are refused (dcat.c uses
 * none).  XML 1.0 cannot carry most control characters, even escaped;
 * text holding one is refused too rather than silently altered, so that
 * the three serialisations never disagree.
 */
#include "rdf.h"

#include "odp.h"
#include "util.h"

#include <libxml/xmlwriter.h>
#include <stdio.h>
#include <string.h>

static int write_to_sb(void *context, const char *buf, int len)
{
	sb_append(context, buf, (size_t)len);
	return len;
}

static int close_noop(void *context)
{
	(void)context;
	return 0;
}

/* True when s[0..len) holds no character XML 1.0 forbids. */
static bool xml_text_ok(const char *s, size_t len)
{
	size_t i;

	for (i = 0; i < len; i++) {
		unsigned char c = (unsigned char)s[i];

		if (c < 0x20 && c != '\t' && c != '\n' && c != '\r')
			return false;
	}
	return true;
}

/* Starts element prefix:local of IRI node n; -1 when it has no prefix. */
static int start_element(xmlTextWriterPtr w, const struct rdf_graph *g,
			 rdf_node n)
{
	const struct rdf_node_info *node = &g->nodes[n];

	if (node->prefix < 0)
		return -1;
	return xmlTextWriterStartElementNS(
		w, BAD_CAST rdf_prefixes[node->prefix].name,
		BAD_CAST(node->iri + node->local), NULL);
}

/* rdf:about="iri" or rdf:nodeID="bN" for subject or object n; attr is
 * "about" for a subject, "resource" for an object. */
static int node_attribute(xmlTextWriterPtr w, const struct rdf_graph *g,
			  rdf_node n, const char *attr)
{
	const struct rdf_node_info *node = &g->nodes[n];
	char blank[24];

	if (node->iri)
		return xmlTextWriterWriteAttributeNS(w, BAD_CAST "rdf",
						     BAD_CAST attr, NULL,
						     BAD_CAST node->iri);
	snprintf(blank, sizeof blank, "b%u", node->blank_id);
	return xmlTextWriterWriteAttributeNS(w, BAD_CAST "rdf",
					     BAD_CAST "nodeID", NULL,
					     BAD_CAST blank);
}

static int write_property(xmlTextWriterPtr w, const struct rdf_graph *g,
			  const struct rdf_triple *t, char *errbuf)
{
	if (start_element(w, g, t->p) < 0) {
		util_seterr(errbuf, "no XML name for the property <%s>",
			    g->nodes[t->p].iri);
		return -1;
	}
	if (t->o) {
		if (node_attribute(w, g, t->o, "resource") < 0)
			return -1;
		return xmlTextWriterEndElement(w);
	}
	if (!xml_text_ok(t->lit, t->lit_len)) {
		util_seterr(errbuf, "a value of <%s> holds a control "
			    "character XML cannot carry",
			    g->nodes[t->p].iri);
		return -1;
	}
	if (t->lang && xmlTextWriterWriteAttribute(w, BAD_CAST "xml:lang",
						   BAD_CAST t->lang) < 0)
		return -1;
	if (t->datatype &&
	    xmlTextWriterWriteAttributeNS(w, BAD_CAST "rdf",
					  BAD_CAST "datatype", NULL,
					  BAD_CAST g->nodes[t->datatype].iri) < 0)
		return -1;
	if (xmlTextWriterWriteString(w, BAD_CAST t->lit) < 0)
		return -1;
	return xmlTextWriterEndElement(w);
}

static int write_document(xmlTextWriterPtr w, const struct rdf_graph *g,
			  char *errbuf)
{
	size_t i;

	if (xmlTextWriterSetIndent(w, 1) < 0 ||
	    xmlTextWriterStartDocument(w, NULL, "UTF-8", NULL) < 0 ||
	    xmlTextWriterStartElementNS(w, BAD_CAST "rdf", BAD_CAST "RDF",
					BAD_CAST RDF_RDF) < 0)
		return -1;
	for (i = 0; i < rdf_n_prefixes; i++) {
		char attr[64];

		if (strcmp(rdf_prefixes[i].name, "rdf") == 0)
			continue;
		snprintf(attr, sizeof attr, "xmlns:%s", rdf_prefixes[i].name);
		if (xmlTextWriterWriteAttribute(
			    w, BAD_CAST attr, BAD_CAST rdf_prefixes[i].iri) < 0)
			return -1;
	}
	for (i = 0; i < g->n_subjects; i++) {
		rdf_node s = g->subjects[i];
		uint32_t k;

		if (xmlTextWriterStartElementNS(w, BAD_CAST "rdf",
						BAD_CAST "Description",
						NULL) < 0 ||
		    node_attribute(w, g, s, "about") < 0)
			return -1;
		for (k = g->nodes[s].first; k; k = g->triples[k].next)
			if (write_property(w, g, &g->triples[k], errbuf) < 0)
				return -1;
		if (xmlTextWriterEndElement(w) < 0)
			return -1;
	}
	if (xmlTextWriterEndDocument(w) < 0)
		return -1;
	return 0;
}

bool rdf_write_xml(const struct rdf_graph *g, struct sb *out, char *errbuf)
{
	xmlOutputBufferPtr buf;
	xmlTextWriterPtr w;
	int rc;

	if (errbuf)
		errbuf[0] = '\0';
	buf = xmlOutputBufferCreateIO(write_to_sb, close_noop, out, NULL);
	if (!buf) {
		util_seterr(errbuf, "could not create the XML output buffer");
		return false;
	}
	w = xmlNewTextWriter(buf);   /* takes buf when it succeeds */
	if (!w) {
		xmlOutputBufferClose(buf);
		util_seterr(errbuf, "could not create the XML writer");
		return false;
	}
	rc = write_document(w, g, errbuf);
	xmlFreeTextWriter(w);        /* flushes and closes buf */
	if (rc < 0) {
		if (!errbuf || !errbuf[0])
			util_seterr(errbuf, "could not write the RDF/XML "
				    "document (text that is not UTF-8?)");
		return false;
	}
	return true;
}
