/*
 * dcat_terms.c: typed values and vocabulary nodes for the DCAT builders
 * (see dcat_terms.h).
 *
 * Licence types come from the ADMS licence type vocabulary, which
 * vocab.c's licence table does not carry: they are what DCAT-AP recommends
 * on every dct:LicenseDocument, and the four licences odp accepts need
 * three of them.
 */
#include "dcat_terms.h"

#include <string.h>

#define ADMS_LICENCE_TYPE "http://purl.org/adms/licencetype/"
#define ADMS_PUBLISHER_TYPE_SCHEME "http://purl.org/adms/publishertype/1.0"
#define EU_DATA_THEME \
	"http://publications.europa.eu/resource/authority/data-theme"

/* The ADMS licence types of each licence code, NULL-terminated. */
static const struct {
	const char *code;
	const char *types[3];
} licence_types[] = {
	{"etalab-2.0", {"Attribution", NULL}},
	{"odbl-1.0", {"Attribution", "ShareAlike", NULL}},
	{"cc-by-4.0", {"Attribution", NULL}},
	{"cc0-1.0", {"PublicDomain", NULL}},
};

/* English labels of the ADMS licence types used above. */
static const char *licence_type_label(const char *type)
{
	if (strcmp(type, "ShareAlike") == 0)
		return "Share-alike";
	if (strcmp(type, "PublicDomain") == 0)
		return "Public domain";
	return type;
}

void dcat_a(struct rdf_graph *g, rdf_node s, const char *class_iri)
{
	rdf_add(g, s, rdf_iri(g, RDF_RDF "type"), rdf_iri(g, class_iri));
}

void dcat_ref(struct rdf_graph *g, rdf_node s, const char *pred, rdf_node o)
{
	if (o)
		rdf_add(g, s, rdf_iri(g, pred), o);
}

void dcat_text(struct rdf_graph *g, rdf_node s, const char *pred,
	       const char *text)
{
	if (text && *text)
		rdf_add_literal(g, s, rdf_iri(g, pred), text, 0, DCAT_LANG);
}

void dcat_typed(struct rdf_graph *g, rdf_node s, const char *pred,
		const char *value, const char *datatype_iri)
{
	if (value && *value)
		rdf_add_literal(g, s, rdf_iri(g, pred), value,
				rdf_iri(g, datatype_iri), NULL);
}

rdf_node dcat_typed_node(struct rdf_graph *g, const char *iri,
			 const char *class_iri)
{
	rdf_node n = rdf_iri(g, iri);

	if (rdf_first_use(g, n))
		dcat_a(g, n, class_iri);
	return n;
}

rdf_node dcat_concept_node(struct rdf_graph *g, const char *iri,
			   const char *label, const char *lang,
			   const char *scheme_iri, const char *scheme_title,
			   const char *scheme_lang)
{
	rdf_node n = rdf_iri(g, iri), scheme;

	if (!rdf_first_use(g, n))
		return n;
	scheme = rdf_iri(g, scheme_iri);
	if (rdf_first_use(g, scheme)) {
		dcat_a(g, scheme, RDF_SKOS "ConceptScheme");
		rdf_add_literal(g, scheme, rdf_iri(g, RDF_DCT "title"),
				scheme_title, 0, scheme_lang);
	}
	dcat_a(g, n, RDF_SKOS "Concept");
	rdf_add_literal(g, n, rdf_iri(g, RDF_SKOS "prefLabel"), label, 0,
			lang);
	rdf_add(g, n, rdf_iri(g, RDF_SKOS "inScheme"), scheme);
	return n;
}

rdf_node dcat_theme_scheme_node(struct rdf_graph *g)
{
	rdf_node n = rdf_iri(g, EU_DATA_THEME);

	if (rdf_first_use(g, n)) {
		dcat_a(g, n, RDF_SKOS "ConceptScheme");
		rdf_add_literal(g, n, rdf_iri(g, RDF_DCT "title"),
				"Data theme", 0, "en");
	}
	return n;
}

rdf_node dcat_theme_node(struct rdf_graph *g, const struct vocab_term *t)
{
	dcat_theme_scheme_node(g);
	return dcat_concept_node(g, t->iri, t->label, DCAT_LANG, EU_DATA_THEME,
				 "Data theme", "en");
}

rdf_node dcat_licence_node(struct rdf_graph *g, const struct vocab_term *t)
{
	rdf_node n = rdf_iri(g, t->iri);
	size_t i, k;

	if (!rdf_first_use(g, n))
		return n;
	dcat_a(g, n, RDF_DCT "LicenseDocument");
	rdf_add_literal(g, n, rdf_iri(g, RDF_RDFS "label"), t->label, 0,
			DCAT_LANG);
	for (i = 0; i < sizeof licence_types / sizeof licence_types[0]; i++) {
		if (strcmp(licence_types[i].code, t->code) != 0)
			continue;
		for (k = 0; licence_types[i].types[k]; k++) {
			const char *type = licence_types[i].types[k];
			struct sb iri;

			sb_init(&iri, 0);
			sb_printf(&iri, ADMS_LICENCE_TYPE "%s", type);
			dcat_ref(g, n, RDF_DCT "type",
				 dcat_concept_node(g, iri.buf,
						   licence_type_label(type),
						   "en",
						   ADMS_LICENCE_TYPE "1.0",
						   "Licence type", "en"));
			sb_free(&iri);
		}
	}
	return n;
}

rdf_node dcat_publisher_type_node(struct rdf_graph *g,
				  const struct vocab_term *t)
{
	return dcat_concept_node(g, t->iri, t->label, DCAT_LANG,
				 ADMS_PUBLISHER_TYPE_SCHEME, "Publisher type",
				 "en");
}

rdf_node dcat_language_node(struct rdf_graph *g, const struct vocab_term *t)
{
	return dcat_typed_node(g, t->iri, RDF_DCT "LinguisticSystem");
}

rdf_node dcat_access_right_node(struct rdf_graph *g,
				const struct vocab_term *t)
{
	return dcat_typed_node(g, t->iri, RDF_DCT "RightsStatement");
}

rdf_node dcat_document_node(struct rdf_graph *g, const char *url)
{
	return dcat_typed_node(g, url, RDF_FOAF "Document");
}

rdf_node dcat_url_node(struct rdf_graph *g, const char *url)
{
	return dcat_typed_node(g, url, RDF_RDFS "Resource");
}

/* The node of mailto:email. */
static rdf_node mailto_node(struct rdf_graph *g, const char *email)
{
	rdf_node n = rdf_iri_cat(g, "mailto:", email);

	if (rdf_first_use(g, n))
		dcat_a(g, n, RDF_RDFS "Resource");
	return n;
}

rdf_node dcat_contact_node(struct rdf_graph *g, const char *name,
			   const char *email, const char *url)
{
	rdf_node n;

	if (!(name && *name) && !(email && *email) && !(url && *url))
		return 0;
	n = rdf_blank(g);
	dcat_a(g, n, RDF_VCARD "Kind");
	dcat_a(g, n, RDF_VCARD "Organization");
	dcat_text(g, n, RDF_VCARD "fn", name);
	if (email && *email)
		dcat_ref(g, n, RDF_VCARD "hasEmail", mailto_node(g, email));
	if (url && *url)
		dcat_ref(g, n, RDF_VCARD "hasURL", dcat_url_node(g, url));
	return n;
}

rdf_node dcat_agent_node(struct rdf_graph *g, const char *base,
			 const char *identifier, const char *name,
			 const char *type, const char *homepage,
			 const char *email)
{
	const struct vocab_term *t;
	struct sb iri;
	rdf_node n;

	sb_init(&iri, 0);
	sb_printf(&iri, "%s/publishers/%s", base, identifier);
	n = rdf_iri(g, iri.buf);
	sb_free(&iri);
	if (!rdf_first_use(g, n))
		return n;
	dcat_a(g, n, RDF_FOAF "Agent");
	dcat_text(g, n, RDF_FOAF "name", name);
	t = vocab_find(&vocab_publisher_types, type ? type : "LocalAuthority");
	if (t)
		dcat_ref(g, n, RDF_DCT "type", dcat_publisher_type_node(g, t));
	if (homepage && *homepage)
		dcat_ref(g, n, RDF_FOAF "homepage",
			 dcat_document_node(g, homepage));
	if (email && *email)
		dcat_ref(g, n, RDF_FOAF "mbox", mailto_node(g, email));
	return n;
}

rdf_node dcat_location_node(struct rdf_graph *g, const struct dcat_extent *e,
			    const char *uris, struct sb *elem)
{
	bool box = e->minx && e->miny && e->maxx && e->maxy && e->cx && e->cy;
	const char *p = uris;
	struct sb wkt;
	rdf_node n;

	if (!box && !dcat_array_next(&p, elem))
		return 0;
	/* One node, not a dct:Location per INSEE IRI: DCAT-AP recommends a
	 * bbox and a centroid on every location, which odp computes for the
	 * data but cannot state for INSEE's territories.  Their IRIs are
	 * identifiers of this location (GeoDCAT-AP). */
	n = rdf_blank(g);
	dcat_a(g, n, RDF_DCT "Location");
	if (box) {
		sb_init(&wkt, 0);
		sb_printf(&wkt, "POLYGON((%s %s,%s %s,%s %s,%s %s,%s %s))",
			  e->minx, e->miny, e->maxx, e->miny, e->maxx, e->maxy,
			  e->minx, e->maxy, e->minx, e->miny);
		dcat_typed(g, n, RDF_DCAT "bbox", wkt.buf,
			   RDF_GEO "wktLiteral");
		sb_reset(&wkt);
		sb_printf(&wkt, "POINT(%s %s)", e->cx, e->cy);
		dcat_typed(g, n, RDF_DCAT "centroid", wkt.buf,
			   RDF_GEO "wktLiteral");
		sb_free(&wkt);
	}
	p = uris;
	while (dcat_array_next(&p, elem))
		dcat_typed(g, n, RDF_LOCN "geographicIdentifier", elem->buf,
			   RDF_XSD "anyURI");
	return n;
}

bool dcat_array_next(const char **p, struct sb *elem)
{
	const char *s = *p;

	if (!s)
		return false;
	if (*s == '{')
		s++;
	for (;;) {
		bool quoted = false;
		const char *start;

		if (*s == ',')
			s++;
		if (*s == '\0' || *s == '}')
			break;
		sb_reset(elem);
		sb_append(elem, "", 0);   /* elem->buf is a string from here */
		if (*s == '"') {
			quoted = true;
			for (s++; *s && *s != '"'; s++) {
				if (*s == '\\' && s[1])
					s++;
				sb_putc(elem, *s);
			}
			if (*s == '"')
				s++;
		} else {
			start = s;
			while (*s && *s != ',' && *s != '}')
				s++;
			sb_append(elem, start, (size_t)(s - start));
		}
		/* An unquoted NULL is the SQL null, "NULL" the text. */
		if (!quoted && strcmp(elem->buf, "NULL") == 0)
			continue;
		*p = s;
		return true;
	}
	*p = s;
	return false;
}
