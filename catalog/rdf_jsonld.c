/*
 * rdf_jsonld.c: a graph as JSON-LD (see rdf.h), built with jansson.
 *
 *   {"@context": {"dcat": "http://www.w3.org/ns/dcat#", ...},
 *    "@graph": [{"@id": "...", "@type": ["dcat:Dataset"],
 *                "dct:title": {"@value": "...", "@language": "fr"},
 *                "dcat:distribution": [{"@id": "..."}, ...], ...}, ...]}
 *
 * The context holds only prefixes, so every key and type is a compact IRI
 * that any JSON-LD processor expands the same way, and the document reads
 * as flattened JSON-LD: one object per subject, in the graph's order.  A
 * predicate with several objects gets an array.  Node values are written
 * as full IRIs (or _:bN), never compacted, so that an IRI whose scheme
 * looks like a prefix cannot be misread.  Plain strings are JSON strings;
 * typed literals {"@value", "@type"}; tagged ones {"@value", "@language"}.
 */
#include "rdf.h"

#include "odp.h"
#include "util.h"

#include <jansson.h>
#include <stdio.h>
#include <string.h>

/* The compact form of IRI node n (prefix:local, or the IRI) in buf. */
static const char *compact(const struct rdf_graph *g, rdf_node n, char *buf,
			   size_t size)
{
	const struct rdf_node_info *node = &g->nodes[n];

	if (node->prefix < 0)
		return node->iri;
	snprintf(buf, size, "%s:%s", rdf_prefixes[node->prefix].name,
		 node->iri + node->local);
	return buf;
}

/* The value of a node object: {"@id": ...}. */
static json_t *node_value(const struct rdf_graph *g, rdf_node n)
{
	const struct rdf_node_info *node = &g->nodes[n];
	char blank[24];

	if (node->iri)
		return json_pack("{s:s}", "@id", node->iri);
	snprintf(blank, sizeof blank, "_:b%u", node->blank_id);
	return json_pack("{s:s}", "@id", blank);
}

/* The value of a literal object, or NULL when it is not UTF-8. */
static json_t *literal_value(const struct rdf_graph *g,
			     const struct rdf_triple *t)
{
	char buf[256];
	json_t *v = json_stringn(t->lit, t->lit_len);

	if (!v || (!t->lang && !t->datatype))
		return v;
	if (t->lang)
		return json_pack("{s:o, s:s}", "@value", v, "@language",
				 t->lang);
	return json_pack("{s:o, s:s}", "@value", v, "@type",
			 compact(g, t->datatype, buf, sizeof buf));
}

/* Adds value (taken) under key of o, turning a second value into an
 * array. */
static void add_value(json_t *o, const char *key, json_t *value)
{
	json_t *old = json_object_get(o, key);

	if (!old) {
		json_object_set_new(o, key, value);
	} else if (json_is_array(old)) {
		json_array_append_new(old, value);
	} else {
		json_t *a = json_array();

		json_array_append(a, old);
		json_array_append_new(a, value);
		json_object_set_new(o, key, a);
	}
}

static int dump_to_sb(const char *buf, size_t size, void *data)
{
	sb_append(data, buf, size);
	return 0;
}

bool rdf_write_jsonld(const struct rdf_graph *g, struct sb *out, char *errbuf)
{
	json_t *doc = json_object(), *context = json_object();
	json_t *graph = json_array();
	rdf_node type = rdf_lookup(g, RDF_RDF "type");
	bool ok = true;
	size_t i;

	for (i = 0; i < rdf_n_prefixes; i++)
		json_object_set_new(context, rdf_prefixes[i].name,
				    json_string(rdf_prefixes[i].iri));
	json_object_set_new(doc, "@context", context);
	json_object_set_new(doc, "@graph", graph);
	for (i = 0; i < g->n_subjects && ok; i++) {
		rdf_node s = g->subjects[i];
		json_t *o = node_value(g, s);
		uint32_t k;

		json_array_append_new(graph, o);
		for (k = g->nodes[s].first; k; k = g->triples[k].next) {
			const struct rdf_triple *t = &g->triples[k];
			char key[256], val[256];
			json_t *v;

			if (t->p == type && t->o && g->nodes[t->o].iri) {
				add_value(o, "@type",
					  json_string(compact(g, t->o, val,
							      sizeof val)));
				continue;
			}
			v = t->o ? node_value(g, t->o) : literal_value(g, t);
			if (!v) {
				util_seterr(errbuf, "a value of <%s> is not "
					    "valid UTF-8",
					    g->nodes[t->p].iri);
				ok = false;
				break;
			}
			add_value(o, compact(g, t->p, key, sizeof key), v);
		}
	}
	if (ok && json_dump_callback(doc, dump_to_sb, out,
				     JSON_COMPACT | JSON_PRESERVE_ORDER) != 0) {
		util_seterr(errbuf, "could not write the JSON-LD document");
		ok = false;
	}
	json_decref(doc);
	return ok;
}
