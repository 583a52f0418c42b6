/*
 * test_rdf.c: the RDF graph and its Turtle writer, PostgreSQL arrays as
 * the DCAT builder reads them, and Accept negotiation of /catalog.
 * (The three writers are compared on real pages by test_catalog.py.)
 */
#include "unit.h"

#include "../../api/catalog.h"
#include "dcat_terms.h"
#include "rdf.h"
#include "sb.h"

#include <stdlib.h>

void test_rdf_nodes_are_interned_and_prefixed(void)
{
	struct rdf_graph *g = rdf_graph_new();
	rdf_node a = rdf_iri(g, RDF_DCAT "Dataset");
	rdf_node b = rdf_iri_cat(g, "http://www.w3.org/ns/", "dcat#Dataset");
	rdf_node c = rdf_iri(g, RDF_DCAT "not/plain");
	char iri[64];
	int i;

	CHECK(a == b);
	CHECK(rdf_lookup(g, RDF_DCAT "Dataset") == a);
	CHECK(rdf_lookup(g, RDF_DCAT "Catalog") == 0);
	CHECK_STR(rdf_prefixes[g->nodes[a].prefix].name, "dcat");
	CHECK(g->nodes[c].prefix == -1);
	CHECK(rdf_blank(g) != rdf_blank(g));
	CHECK(rdf_first_use(g, a));
	CHECK(!rdf_first_use(g, a));
	/* Past the first hash table size, every IRI is still found. */
	for (i = 0; i < 2000; i++) {
		snprintf(iri, sizeof iri, "http://example.org/%d", i);
		rdf_iri(g, iri);
	}
	for (i = 0; i < 2000; i += 97) {
		snprintf(iri, sizeof iri, "http://example.org/%d", i);
		CHECK(rdf_lookup(g, iri) != 0);
	}
	CHECK(rdf_iri(g, RDF_DCAT "Dataset") == a);
	rdf_graph_free(g);
}

void test_rdf_turtle_groups_and_escapes(void)
{
	struct rdf_graph *g = rdf_graph_new();
	rdf_node s = rdf_iri(g, "http://example.org/d");
	rdf_node title = rdf_iri(g, RDF_DCT "title");
	rdf_node kw = rdf_iri(g, RDF_DCAT "keyword");
	rdf_node b = rdf_blank(g);
	struct sb out;

	rdf_add(g, s, rdf_iri(g, RDF_RDF "type"), rdf_iri(g, RDF_DCAT "Dataset"));
	rdf_add_literal(g, s, title, "Le \"titre\"\\\n\tici\x01", 0, "fr");
	rdf_add_literal(g, s, kw, "a", 0, NULL);
	rdf_add_literal(g, s, kw, "b", 0, NULL);
	rdf_add(g, s, rdf_iri(g, RDF_DCT "temporal"), b);
	rdf_add_literal(g, b, rdf_iri(g, RDF_DCAT "startDate"), "2024-01-01",
			rdf_iri(g, RDF_XSD "date"), NULL);
	rdf_add(g, b, rdf_iri(g, RDF_DCT "source"),
		rdf_iri(g, "http://example.org/a b<c>"));
	sb_init(&out, 0);
	rdf_write_turtle(g, &out);
	CHECK(strstr(out.buf, "@prefix dcat: <http://www.w3.org/ns/dcat#> .\n"));
	CHECK(strstr(out.buf,
		      "\n<http://example.org/d> a dcat:Dataset ;\n"
		      "\tdct:title \"Le \\\"titre\\\"\\\\\\n\\tici\\u0001\"@fr ;\n"
		      "\tdcat:keyword \"a\", \"b\" ;\n"
		      "\tdct:temporal _:b1 .\n"));
	CHECK(strstr(out.buf,
		      "\n_:b1 dcat:startDate \"2024-01-01\"^^xsd:date ;\n"
		      "\tdct:source <http://example.org/a\\u0020b\\u003Cc\\u003E> "
		      ".\n"));
	sb_free(&out);
	rdf_graph_free(g);
}

void test_rdf_same_graph_same_bytes(void)
{
	char *text[2];
	int k;

	for (k = 0; k < 2; k++) {
		struct rdf_graph *g = rdf_graph_new();
		struct sb out;
		int i;

		for (i = 0; i < 50; i++) {
			char iri[64];
			rdf_node s, b;

			snprintf(iri, sizeof iri, "http://example.org/%d", i % 7);
			s = rdf_iri(g, iri);
			b = rdf_blank(g);
			rdf_add(g, s, rdf_iri(g, RDF_DCT "spatial"), b);
			rdf_add_literal(g, b, rdf_iri(g, RDF_DCAT "bbox"), iri,
					rdf_iri(g, RDF_GEO "wktLiteral"), NULL);
		}
		sb_init(&out, 0);
		rdf_write_turtle(g, &out);
		text[k] = sb_steal(&out);
		rdf_graph_free(g);
	}
	CHECK_STR(text[0], text[1]);
	free(text[0]);
	free(text[1]);
}

void test_dcat_reads_postgresql_arrays(void)
{
	const char *p = "{FRA,\"a b\",NULL,\"NULL\",\"q\\\"uo\\\\te\",\"\"}";
	const char *want[] = {"FRA", "a b", "NULL", "q\"uo\\te", ""};
	struct sb elem;
	size_t n = 0;

	sb_init(&elem, 0);
	while (dcat_array_next(&p, &elem)) {
		if (n < 5)
			CHECK_STR(elem.buf, want[n]);
		n++;
	}
	CHECK(n == 5);
	p = "{}";
	CHECK(!dcat_array_next(&p, &elem));
	p = NULL;
	CHECK(!dcat_array_next(&p, &elem));
	sb_free(&elem);
}

void test_catalog_accept_negotiation(void)
{
	CHECK(api_catalog_negotiate(NULL) == API_RDF_TURTLE);
	CHECK(api_catalog_negotiate("") == API_RDF_TURTLE);
	CHECK(api_catalog_negotiate("*/*") == API_RDF_TURTLE);
	CHECK(api_catalog_negotiate("application/ld+json") == API_RDF_JSONLD);
	CHECK(api_catalog_negotiate("Application/RDF+XML") == API_RDF_XML);
	CHECK(api_catalog_negotiate("text/turtle;q=0.5, application/ld+json;q=0.9")
	      == API_RDF_JSONLD);
	CHECK(api_catalog_negotiate("text/turtle ; q=1.0 , */*;q=0.1")
	      == API_RDF_TURTLE);
	/* The most specific range decides a format's q. */
	CHECK(api_catalog_negotiate("text/turtle;q=0, */*") == API_RDF_JSONLD);
	CHECK(api_catalog_negotiate("application/*;q=0.3, application/rdf+xml")
	      == API_RDF_XML);
	CHECK(api_catalog_negotiate("text/html,application/xhtml+xml,"
				    "application/xml;q=0.9,*/*;q=0.8")
	      == API_RDF_XML);
	/* A wildcard names the type we answer with, not its aliases
	 * (application/x-turtle is answered text/turtle). */
	CHECK(api_catalog_negotiate("application/*") == API_RDF_JSONLD);
	CHECK(api_catalog_negotiate("text/*") == API_RDF_TURTLE);
	CHECK(api_catalog_negotiate("application/x-turtle") == API_RDF_TURTLE);
	CHECK(api_catalog_negotiate("text/html") < 0);
	CHECK(api_catalog_negotiate("text/turtle;q=0") < 0);
	/* A malformed q drops its range. */
	CHECK(api_catalog_negotiate("text/turtle;q=2") < 0);
	CHECK(api_catalog_negotiate("text/turtle;q=x, application/ld+json;q=0.1")
	      == API_RDF_JSONLD);
}
