/*
 * rdf_turtle.c: a graph as Turtle (see rdf.h).
 *
 * The prefixes of rdf_prefixes first, then one block per subject in the
 * graph's order: "subject predicate object ;" with rdf:type written "a",
 * consecutive objects of one predicate joined by ",".  IRIs that a prefix
 * covers are written prefix:local (rdf.c checked the local name); others
 * whole, with the characters IRIREF forbids as \u escapes.  Literals are
 * "..." with the escapes of ECHAR and \u for the other control characters;
 * UTF-8 text passes as is.
 */
#include "rdf.h"

#include <stdio.h>
#include <string.h>

static void put_uchar(struct sb *out, unsigned char c)
{
	static const char hex[] = "0123456789ABCDEF";
	char esc[6] = {'\\', 'u', '0', '0', hex[c >> 4], hex[c & 15]};

	sb_append(out, esc, sizeof esc);
}

static void put_iriref(struct sb *out, const char *iri)
{
	const unsigned char *p = (const unsigned char *)iri, *run = p;

	sb_putc(out, '<');
	for (; *p; p++) {
		if (*p > 0x20 && !strchr("<>\"{}|^`\\", *p))
			continue;
		sb_append(out, (const char *)run, (size_t)(p - run));
		put_uchar(out, *p);
		run = p + 1;
	}
	sb_append(out, (const char *)run, (size_t)(p - run));
	sb_putc(out, '>');
}

static void put_node(struct sb *out, const struct rdf_graph *g, rdf_node n)
{
	const struct rdf_node_info *node = &g->nodes[n];

	if (!node->iri) {
		sb_printf(out, "_:b%u", node->blank_id);
	} else if (node->prefix >= 0) {
		sb_puts(out, rdf_prefixes[node->prefix].name);
		sb_putc(out, ':');
		sb_puts(out, node->iri + node->local);
	} else {
		put_iriref(out, node->iri);
	}
}

static void put_literal(struct sb *out, const struct rdf_graph *g,
			const struct rdf_triple *t)
{
	const unsigned char *p = (const unsigned char *)t->lit, *run = p;
	const unsigned char *end = p + t->lit_len;

	sb_putc(out, '"');
	for (; p < end; p++) {
		const char *esc = NULL;

		switch (*p) {
		case '"': esc = "\\\""; break;
		case '\\': esc = "\\\\"; break;
		case '\n': esc = "\\n"; break;
		case '\r': esc = "\\r"; break;
		case '\t': esc = "\\t"; break;
		default:
			if (*p >= 0x20 && *p != 0x7f)
				continue;
		}
		sb_append(out, (const char *)run, (size_t)(p - run));
		if (esc)
			sb_puts(out, esc);
		else
			put_uchar(out, *p);
		run = p + 1;
	}
	sb_append(out, (const char *)run, (size_t)(p - run));
	sb_putc(out, '"');
	if (t->lang) {
		sb_putc(out, '@');
		sb_puts(out, t->lang);
	} else if (t->datatype) {
		sb_append(out, "^^", 2);
		put_node(out, g, t->datatype);
	}
}

void rdf_write_turtle(const struct rdf_graph *g, struct sb *out)
{
	rdf_node type;
	size_t i;

	for (i = 0; i < rdf_n_prefixes; i++)
		sb_printf(out, "@prefix %s: <%s> .\n", rdf_prefixes[i].name,
			  rdf_prefixes[i].iri);
	type = rdf_lookup(g, RDF_RDF "type");
	for (i = 0; i < g->n_subjects; i++) {
		rdf_node s = g->subjects[i];
		rdf_node prev = 0;
		uint32_t k;

		sb_putc(out, '\n');
		put_node(out, g, s);
		for (k = g->nodes[s].first; k; k = g->triples[k].next) {
			const struct rdf_triple *t = &g->triples[k];

			if (t->p == prev) {
				sb_append(out, ", ", 2);
			} else {
				sb_append(out, prev ? " ;\n\t" : " ", prev ? 4 : 1);
				if (t->p == type)
					sb_putc(out, 'a');
				else
					put_node(out, g, t->p);
				sb_putc(out, ' ');
				prev = t->p;
			}
			if (t->o)
				put_node(out, g, t->o);
			else
				put_literal(out, g, t);
		}
		sb_append(out, " .\n", 3);
	}
}
