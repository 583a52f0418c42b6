/*
 * rdf.c: the in-memory RDF graph (see rdf.h).
 *
 * IRIs are interned in an open-addressing hash table (FNV-1a, linear
 * probing, at most half full), so a page of the catalogue costs one hash
 * per IRI mention and no string comparison beyond the one that finds it.
 * Whether an IRI can be written as prefix:local is decided once, when it
 * is interned.  Strings live in an arena of 64 KiB blocks (larger strings
 * get a block of their own), released with the graph.
 */
#include "rdf.h"

#include "util.h"

#include <stdlib.h>
#include <string.h>

const struct rdf_prefix rdf_prefixes[] = {
	{"rdf", RDF_RDF},     {"rdfs", RDF_RDFS},   {"xsd", RDF_XSD},
	{"dcat", RDF_DCAT},   {"dct", RDF_DCT},     {"dcatap", RDF_DCATAP},
	{"foaf", RDF_FOAF},   {"vcard", RDF_VCARD}, {"skos", RDF_SKOS},
	{"spdx", RDF_SPDX},   {"geo", RDF_GEO},     {"eli", RDF_ELI},
	{"hydra", RDF_HYDRA}, {"locn", RDF_LOCN},
};
const size_t rdf_n_prefixes = sizeof rdf_prefixes / sizeof rdf_prefixes[0];

#define ARENA_BLOCK ((size_t)64 << 10)

struct rdf_arena_block {
	struct rdf_arena_block *next;
	size_t used, size;
	char data[];
};

/* Copies s[0..len) into the arena, NUL-terminated. */
static char *arena_strndup(struct rdf_graph *g, const char *s, size_t len)
{
	struct rdf_arena_block *b = g->arena;
	char *p;

	if (!b || b->size - b->used < len + 1) {
		size_t size = len + 1 > ARENA_BLOCK ? len + 1 : ARENA_BLOCK;

		b = xmalloc(sizeof *b + size);
		b->used = 0;
		b->size = size;
		/* A block made for one large string goes behind the current
		 * one, which keeps its free space for the next small ones. */
		if (g->arena && size > ARENA_BLOCK) {
			b->next = g->arena->next;
			g->arena->next = b;
		} else {
			b->next = g->arena;
			g->arena = b;
		}
	}
	p = b->data + b->used;
	memcpy(p, s, len);
	p[len] = '\0';
	b->used += len + 1;
	return p;
}

struct rdf_graph *rdf_graph_new(void)
{
	struct rdf_graph *g = xcalloc(1, sizeof *g);

	g->cap_nodes = 256;
	g->nodes = xcalloc(g->cap_nodes, sizeof *g->nodes);
	g->n_nodes = 1;
	g->cap_triples = 1024;
	g->triples = xmalloc(g->cap_triples * sizeof *g->triples);
	g->n_triples = 1;
	g->cap_subjects = 128;
	g->subjects = xmalloc(g->cap_subjects * sizeof *g->subjects);
	g->n_slots = 512;
	g->slots = xcalloc(g->n_slots, sizeof *g->slots);
	return g;
}

void rdf_graph_free(struct rdf_graph *g)
{
	struct rdf_arena_block *b, *next;

	if (!g)
		return;
	for (b = g->arena; b; b = next) {
		next = b->next;
		free(b);
	}
	free(g->nodes);
	free(g->triples);
	free(g->subjects);
	free(g->slots);
	free(g);
}

bool rdf_graph_failed(const struct rdf_graph *g)
{
	return g->failed;
}

static uint64_t hash(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ULL;
	size_t i;

	for (i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ULL;
	}
	return h;
}

/* True when s[0..len) can follow "prefix:" in Turtle and be an XML local
 * name: a letter or '_' first, then letters, digits, '_' and '-'. */
static bool plain_local(const char *s, size_t len)
{
	size_t i;

	if (len == 0 || !((s[0] >= 'a' && s[0] <= 'z') ||
			  (s[0] >= 'A' && s[0] <= 'Z') || s[0] == '_'))
		return false;
	for (i = 1; i < len; i++) {
		char c = s[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
		      (c >= '0' && c <= '9') || c == '_' || c == '-'))
			return false;
	}
	return true;
}

/* The longest prefix of rdf_prefixes that iri starts with and whose rest
 * is a plain local name, or -1. */
static int find_prefix(const char *iri, size_t len, uint32_t *local)
{
	int best = -1;
	size_t best_len = 0, i;

	for (i = 0; i < rdf_n_prefixes; i++) {
		size_t plen = strlen(rdf_prefixes[i].iri);

		if (plen > best_len && plen < len &&
		    memcmp(iri, rdf_prefixes[i].iri, plen) == 0 &&
		    plain_local(iri + plen, len - plen)) {
			best = (int)i;
			best_len = plen;
		}
	}
	*local = (uint32_t)best_len;
	return best;
}

static rdf_node new_node(struct rdf_graph *g)
{
	if (g->n_nodes == g->cap_nodes) {
		g->cap_nodes *= 2;
		g->nodes = xrealloc(g->nodes, g->cap_nodes * sizeof *g->nodes);
	}
	memset(&g->nodes[g->n_nodes], 0, sizeof g->nodes[0]);
	g->nodes[g->n_nodes].prefix = -1;
	return (rdf_node)g->n_nodes++;
}

/* Doubles the hash table and reinserts every IRI node. */
static void rehash(struct rdf_graph *g)
{
	size_t n = g->n_slots * 2, i;
	uint32_t *slots = xcalloc(n, sizeof *slots);

	for (i = 1; i < g->n_nodes; i++) {
		const char *iri = g->nodes[i].iri;
		size_t j;

		if (!iri)
			continue;
		j = hash(iri, strlen(iri)) & (n - 1);
		while (slots[j])
			j = (j + 1) & (n - 1);
		slots[j] = (uint32_t)i;
	}
	free(g->slots);
	g->slots = slots;
	g->n_slots = n;
}

rdf_node rdf_iri_n(struct rdf_graph *g, const char *iri, size_t len)
{
	size_t j;
	rdf_node n;

	if ((g->n_iris + 1) * 2 > g->n_slots)
		rehash(g);
	j = hash(iri, len) & (g->n_slots - 1);
	while ((n = g->slots[j]) != 0) {
		const char *s = g->nodes[n].iri;

		if (strncmp(s, iri, len) == 0 && s[len] == '\0')
			return n;
		j = (j + 1) & (g->n_slots - 1);
	}
	n = new_node(g);
	g->nodes[n].iri = arena_strndup(g, iri, len);
	g->nodes[n].prefix = find_prefix(iri, len, &g->nodes[n].local);
	g->slots[j] = n;
	g->n_iris++;
	return n;
}

rdf_node rdf_lookup(const struct rdf_graph *g, const char *iri)
{
	size_t len = strlen(iri), j = hash(iri, len) & (g->n_slots - 1);
	rdf_node n;

	while ((n = g->slots[j]) != 0) {
		if (strcmp(g->nodes[n].iri, iri) == 0)
			return n;
		j = (j + 1) & (g->n_slots - 1);
	}
	return 0;
}

rdf_node rdf_iri(struct rdf_graph *g, const char *iri)
{
	return rdf_iri_n(g, iri, strlen(iri));
}

rdf_node rdf_iri_cat(struct rdf_graph *g, const char *a, const char *b)
{
	size_t alen = strlen(a), blen = strlen(b);
	char stack[512], *buf = alen + blen < sizeof stack
					? stack
					: xmalloc(alen + blen + 1);
	rdf_node n;

	memcpy(buf, a, alen);
	memcpy(buf + alen, b, blen);
	n = rdf_iri_n(g, buf, alen + blen);
	if (buf != stack)
		free(buf);
	return n;
}

rdf_node rdf_blank(struct rdf_graph *g)
{
	rdf_node n = new_node(g);

	g->nodes[n].blank_id = ++g->n_blanks;
	return n;
}

bool rdf_first_use(struct rdf_graph *g, rdf_node n)
{
	if (g->nodes[n].described)
		return false;
	g->nodes[n].described = true;
	return true;
}

/* Appends a triple of subject s and chains it; NULL when the graph is
 * full. */
static struct rdf_triple *new_triple(struct rdf_graph *g, rdf_node s,
				     rdf_node p)
{
	struct rdf_node_info *subject = &g->nodes[s];
	struct rdf_triple *t;
	uint32_t i;

	if (g->n_triples > RDF_MAX_TRIPLES) {
		g->failed = true;
		return NULL;
	}
	if (g->n_triples == g->cap_triples) {
		g->cap_triples *= 2;
		g->triples = xrealloc(g->triples,
				      g->cap_triples * sizeof *g->triples);
	}
	i = (uint32_t)g->n_triples++;
	t = &g->triples[i];
	memset(t, 0, sizeof *t);
	t->s = s;
	t->p = p;
	if (subject->last) {
		g->triples[subject->last].next = i;
	} else {
		subject->first = i;
		if (g->n_subjects == g->cap_subjects) {
			g->cap_subjects *= 2;
			g->subjects = xrealloc(g->subjects,
					       g->cap_subjects *
						       sizeof *g->subjects);
		}
		g->subjects[g->n_subjects++] = s;
	}
	subject->last = i;
	return t;
}

void rdf_add(struct rdf_graph *g, rdf_node s, rdf_node p, rdf_node o)
{
	struct rdf_triple *t = new_triple(g, s, p);

	if (t)
		t->o = o;
}

void rdf_add_literal_n(struct rdf_graph *g, rdf_node s, rdf_node p,
		       const char *value, size_t len, rdf_node datatype,
		       const char *lang)
{
	struct rdf_triple *t = new_triple(g, s, p);

	if (!t)
		return;
	t->lit = arena_strndup(g, value, len);
	t->lit_len = (uint32_t)len;
	t->datatype = datatype;
	t->lang = lang;
}

void rdf_add_literal(struct rdf_graph *g, rdf_node s, rdf_node p,
		     const char *value, rdf_node datatype, const char *lang)
{
	rdf_add_literal_n(g, s, p, value, strlen(value), datatype, lang);
}
