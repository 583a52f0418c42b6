/*
 * dcat_dataset.c: one dataset and its distributions as DCAT-AP 3.0.1
 * (see dcat_dataset.h).
 *
 * The dataset's IRI is {base}/datasets/{identifier} and its dct:identifier
 * that IRI as a literal: the job file fixes the identifier, so a
 * re-harvest or a restart never changes either, and harvesters that key
 * on dct:identifier (udata) never see duplicates.  Everything the dataset
 * points at is described in the same graph: publisher, contact, themes
 * with their labels, coverage nodes, distributions and their checksums.
 *
 * Choices that are not written in a job file:
 *  - no contact declared: the publisher (name, email, homepage) is the
 *    contact point;
 *  - an export distribution is downloadable from the API (accessURL and
 *    downloadURL), dcatap:availability STABLE while the dataset is
 *    published, issued with the dataset and modified when its version was
 *    published; its byte size and checksum appear only when they describe
 *    the current version;
 *  - a declared distribution is a link to elsewhere (accessURL only: odp
 *    cannot vouch for a download there), availability AVAILABLE;
 *  - an export without a description gets one saying what it holds;
 *  - HVD categories without legislation get Regulation (EU) 2023/138, on
 *    the dataset and on each distribution, as DCAT-AP HVD asks.
 */
#include "dcat_dataset.h"

#include "dcat_terms.h"
#include "vocab.h"

#include <string.h>

#define PLANNED_AVAILABILITY \
	"http://publications.europa.eu/resource/authority/planned-availability"
#define HVD_SCHEME "http://data.europa.eu/bna/asd487ae75"
#define IANA_MEDIA_TYPES "https://www.iana.org/assignments/media-types/"

/* Scratch buffers of one dataset's build. */
struct scratch {
	struct sb a, b;
};

static rdf_node availability_node(struct rdf_graph *g, bool stable)
{
	return dcat_concept_node(
		g, stable ? PLANNED_AVAILABILITY "/STABLE"
			  : PLANNED_AVAILABILITY "/AVAILABLE",
		stable ? "stable" : "available", "en", PLANNED_AVAILABILITY,
		"Planned availability", "en");
}

/* s pred <each URL of the array>, typed class_iri. */
static void add_url_array(struct rdf_graph *g, rdf_node s, const char *pred,
			  const char *array, const char *class_iri,
			  struct sb *elem)
{
	const char *p = array;

	while (dcat_array_next(&p, elem))
		dcat_ref(g, s, pred, dcat_typed_node(g, elem->buf, class_iri));
}

/* s dcatap:applicableLegislation each ELI of the row, or the HVD
 * regulation when the dataset has categories but names no act. */
static void add_legislation(struct rdf_graph *g, rdf_node s,
			    const struct dcat_dataset_row *row,
			    struct sb *elem)
{
	const char *p = row->applicable_legislation;
	bool any = false;

	while (dcat_array_next(&p, elem)) {
		dcat_ref(g, s, RDF_DCATAP "applicableLegislation",
			 dcat_typed_node(g, elem->buf,
					 RDF_ELI "LegalResource"));
		any = true;
	}
	p = row->hvd_categories;
	if (!any && dcat_array_next(&p, elem))
		dcat_ref(g, s, RDF_DCATAP "applicableLegislation",
			 dcat_typed_node(g, VOCAB_HVD_LEGISLATION,
					 RDF_ELI "LegalResource"));
}

static void add_themes(struct rdf_graph *g, rdf_node ds, const char *base,
		       const struct dcat_dataset_row *row, struct scratch *s)
{
	const char *p = row->themes;

	while (dcat_array_next(&p, &s->a)) {
		const struct vocab_term *t = vocab_find(&vocab_themes, s->a.buf);

		if (t)
			dcat_ref(g, ds, RDF_DCAT "theme", dcat_theme_node(g, t));
	}
	/* dcat.c describes the local themes with their scheme before any
	 * dataset; a code the catalogue no longer has is left out rather
	 * than published as a concept without a label. */
	p = row->local_themes;
	while (dcat_array_next(&p, &s->a)) {
		rdf_node n;

		sb_reset(&s->b);
		sb_printf(&s->b, "%s/themes/%s", base, s->a.buf);
		n = rdf_lookup(g, s->b.buf);
		if (n && g->nodes[n].described)
			dcat_ref(g, ds, RDF_DCAT "theme", n);
	}
}

static void add_coverage(struct rdf_graph *g, rdf_node ds,
			 const struct dcat_dataset_row *row, struct scratch *s)
{
	const struct dcat_extent extent = {row->minx, row->miny, row->maxx,
					   row->maxy, row->cx, row->cy};
	rdf_node n;

	/* The data's extent and the INSEE territories the job declares are
	 * one location.  Data without geometry but with territories still
	 * get it, with the identifiers alone: the coverage the job states,
	 * though shapes_recommended then warns of its missing bbox and
	 * centroid (odp has no geometry to give them). */
	n = dcat_location_node(g, &extent, row->spatial_uris, &s->a);
	dcat_ref(g, ds, RDF_DCT "spatial", n);
	if (row->temporal_start || row->temporal_end) {
		/* A blank node: udata dereferences a temporal IRI. */
		n = rdf_blank(g);
		dcat_a(g, n, RDF_DCT "PeriodOfTime");
		dcat_typed(g, n, RDF_DCAT "startDate", row->temporal_start,
			   RDF_XSD "date");
		dcat_typed(g, n, RDF_DCAT "endDate", row->temporal_end,
			   RDF_XSD "date");
		dcat_ref(g, ds, RDF_DCT "temporal", n);
	}
}

static rdf_node add_distribution(struct rdf_graph *g, const char *base,
				 const struct dcat_dataset_row *row,
				 const struct dcat_distribution_row *d,
				 rdf_node licence, struct scratch *s)
{
	const struct vocab_term *format = vocab_find(&vocab_file_types,
						     d->format);
	const char *media = d->media_type ? d->media_type
			    : format       ? format->media_type
					   : NULL;
	bool export = strcmp(d->kind, "export") == 0;
	rdf_node n, url = 0;

	sb_reset(&s->a);
	sb_printf(&s->a, "%s/datasets/%s/distributions/%s", base,
		  row->identifier, d->identifier);
	n = rdf_iri(g, s->a.buf);
	dcat_a(g, n, RDF_DCAT "Distribution");
	dcat_text(g, n, RDF_DCT "title", d->title);
	if (d->description) {
		dcat_text(g, n, RDF_DCT "description", d->description);
	} else if (export) {
		sb_reset(&s->b);
		sb_printf(&s->b,
			  "Toutes les données du jeu, au format %s, telles "
			  "que l'API les sert pour la version publiée.",
			  format ? format->label : d->format);
		dcat_text(g, n, RDF_DCT "description", s->b.buf);
	}
	if (export && d->path) {
		sb_reset(&s->b);
		sb_printf(&s->b, "%s%s", base, d->path);
		url = dcat_url_node(g, s->b.buf);
		dcat_ref(g, n, RDF_DCAT "accessURL", url);
		dcat_ref(g, n, RDF_DCAT "downloadURL", url);
	} else if (d->url) {
		dcat_ref(g, n, RDF_DCAT "accessURL", dcat_url_node(g, d->url));
	}
	if (format)
		dcat_ref(g, n, RDF_DCT "format",
			 dcat_typed_node(g, format->iri,
					 RDF_DCT "MediaTypeOrExtent"));
	if (media) {
		sb_reset(&s->b);
		sb_printf(&s->b, IANA_MEDIA_TYPES "%s", media);
		dcat_ref(g, n, RDF_DCAT "mediaType",
			 dcat_typed_node(g, s->b.buf, RDF_DCT "MediaType"));
	}
	dcat_typed(g, n, RDF_DCAT "byteSize", d->byte_size,
		   RDF_XSD "nonNegativeInteger");
	if (d->checksum) {
		rdf_node c = rdf_blank(g);

		dcat_a(g, c, RDF_SPDX "Checksum");
		dcat_ref(g, c, RDF_SPDX "algorithm",
			 dcat_typed_node(g, RDF_SPDX "checksumAlgorithm_sha256",
					 RDF_SPDX "ChecksumAlgorithm"));
		dcat_typed(g, c, RDF_SPDX "checksumValue", d->checksum,
			   RDF_XSD "hexBinary");
		dcat_ref(g, n, RDF_SPDX "checksum", c);
	}
	dcat_ref(g, n, RDF_DCT "license", licence);
	if (d->conforms_to)
		dcat_ref(g, n, RDF_DCT "conformsTo",
			 dcat_typed_node(g, d->conforms_to,
					 RDF_DCT "Standard"));
	if (export) {
		dcat_typed(g, n, RDF_DCT "issued", row->issued,
			   RDF_XSD "dateTime");
		dcat_typed(g, n, RDF_DCT "modified", row->published_at,
			   RDF_XSD "dateTime");
	}
	dcat_ref(g, n, RDF_DCATAP "availability",
		 availability_node(g, export));
	if (row->hvd_categories && strcmp(row->hvd_categories, "{}") != 0)
		add_legislation(g, n, row, &s->b);
	return n;
}

rdf_node dcat_add_dataset(struct rdf_graph *g, const char *base,
			  const struct dcat_dataset_row *row,
			  const struct dcat_distribution_row *dists, size_t n)
{
	const struct vocab_term *t;
	struct scratch s;
	rdf_node ds, licence = 0, contact;
	const char *p;
	size_t i;

	sb_init(&s.a, 0);
	sb_init(&s.b, 0);
	sb_printf(&s.a, "%s/datasets/%s", base, row->identifier);
	ds = rdf_iri(g, s.a.buf);
	if (rdf_first_use(g, ds))
		dcat_a(g, ds, RDF_DCAT "Dataset");
	rdf_add_literal(g, ds, rdf_iri(g, RDF_DCT "identifier"), s.a.buf, 0,
			NULL);
	dcat_text(g, ds, RDF_DCT "title", row->title);
	dcat_text(g, ds, RDF_DCT "description", row->description);
	if (row->pub_identifier)
		dcat_ref(g, ds, RDF_DCT "publisher",
			 dcat_agent_node(g, base, row->pub_identifier,
					 row->pub_name, row->pub_type,
					 row->pub_homepage, row->pub_email));
	if (row->contact_name || row->contact_email || row->contact_url)
		contact = dcat_contact_node(g, row->contact_name,
					    row->contact_email,
					    row->contact_url);
	else
		contact = dcat_contact_node(g, row->pub_name, row->pub_email,
					    row->pub_homepage);
	dcat_ref(g, ds, RDF_DCAT "contactPoint", contact);
	add_themes(g, ds, base, row, &s);
	p = row->keywords;
	while (dcat_array_next(&p, &s.a))
		dcat_text(g, ds, RDF_DCAT "keyword", s.a.buf);
	add_coverage(g, ds, row, &s);
	if (row->frequency && (t = vocab_find(&vocab_frequencies,
					      row->frequency)))
		dcat_ref(g, ds, RDF_DCT "accrualPeriodicity",
			 dcat_typed_node(g, t->iri, RDF_DCT "Frequency"));
	if (row->licence && (t = vocab_find(&vocab_licences, row->licence))) {
		licence = dcat_licence_node(g, t);
		dcat_ref(g, ds, RDF_DCT "license", licence);
	}
	if (row->access_rights &&
	    (t = vocab_find(&vocab_access_rights, row->access_rights)))
		dcat_ref(g, ds, RDF_DCT "accessRights",
			 dcat_access_right_node(g, t));
	add_url_array(g, ds, RDF_DCT "conformsTo", row->conforms_to,
		      RDF_DCT "Standard", &s.a);
	dcat_typed(g, ds, RDF_DCT "issued", row->issued, RDF_XSD "dateTime");
	dcat_typed(g, ds, RDF_DCT "modified", row->modified,
		   RDF_XSD "dateTime");
	p = row->languages;
	while (dcat_array_next(&p, &s.a))
		if ((t = vocab_find(&vocab_languages, s.a.buf)))
			dcat_ref(g, ds, RDF_DCT "language",
				 dcat_language_node(g, t));
	if (row->landing_page)
		dcat_ref(g, ds, RDF_DCAT "landingPage",
			 dcat_document_node(g, row->landing_page));
	if (row->documentation)
		dcat_ref(g, ds, RDF_FOAF "page",
			 dcat_document_node(g, row->documentation));
	p = row->hvd_categories;
	while (dcat_array_next(&p, &s.a))
		if ((t = vocab_find(&vocab_hvd_categories, s.a.buf)))
			dcat_ref(g, ds, RDF_DCATAP "hvdCategory",
				 dcat_concept_node(g, t->iri, t->label,
						   DCAT_LANG, HVD_SCHEME,
						   "High-value dataset "
						   "categories",
						   "en"));
	add_legislation(g, ds, row, &s.a);
	for (i = 0; i < n; i++)
		dcat_ref(g, ds, RDF_DCAT "distribution",
			 add_distribution(g, base, row, &dists[i], licence,
					  &s));
	sb_free(&s.a);
	sb_free(&s.b);
	return ds;
}
