/*
 * vocab.c: the controlled vocabularies (see vocab.h).
 *
 * Licence IRIs are the canonical ones data.gouv.fr matches on; themes,
 * frequencies, access rights, languages and file types come from the EU
 * Publications Office authority tables (http, uppercase codes, as the
 * DCAT-AP shapes and the udata harvester expect), publisher types from
 * ADMS, HVD categories from the EU "high-value dataset categories" table.
 * Each table holds the terms a French territory uses, not the whole
 * authority table: a code missing here is added when someone needs it.
 */
#include "vocab.h"

#include "sb.h"
#include "util.h"

#include <string.h>

#define N_TERMS(a) (sizeof(a) / sizeof((a)[0]))

static const struct vocab_term licences[] = {
	{"etalab-2.0",
	 "https://www.etalab.gouv.fr/licence-ouverte-open-licence/",
	 "Licence Ouverte / Open Licence version 2.0", NULL, false},
	{"odbl-1.0", "https://opendatacommons.org/licenses/odbl/1-0/",
	 "Open Database License (ODbL) 1.0", NULL, false},
	{"cc-by-4.0", "https://creativecommons.org/licenses/by/4.0/",
	 "Creative Commons Attribution 4.0", NULL, false},
	{"cc0-1.0", "https://creativecommons.org/publicdomain/zero/1.0/",
	 "Creative Commons Zero 1.0", NULL, false},
};

#define THEME(code, label)                                                    \
	{code, "http://publications.europa.eu/resource/authority/data-theme/" \
	       code, label, NULL, false}
static const struct vocab_term themes[] = {
	THEME("AGRI", "Agriculture, pêche, sylviculture et alimentation"),
	THEME("ECON", "Économie et finances"),
	THEME("EDUC", "Éducation, culture et sport"),
	THEME("ENER", "Énergie"),
	THEME("ENVI", "Environnement"),
	THEME("GOVE", "Gouvernement et secteur public"),
	THEME("HEAL", "Santé"),
	THEME("INTR", "Questions internationales"),
	THEME("JUST", "Justice, système juridique et sécurité publique"),
	THEME("REGI", "Régions et villes"),
	THEME("SOCI", "Population et société"),
	THEME("TECH", "Science et technologie"),
	THEME("TRAN", "Transports"),
};

#define FREQ(code, name, label)                                              \
	{code, "http://publications.europa.eu/resource/authority/frequency/" \
	       name, label, NULL, false}
static const struct vocab_term frequencies[] = {
	FREQ("continuous", "UPDATE_CONT", "mise à jour continue"),
	FREQ("hourly", "HOURLY", "toutes les heures"),
	FREQ("daily", "DAILY", "quotidienne"),
	FREQ("weekly", "WEEKLY", "hebdomadaire"),
	FREQ("monthly", "MONTHLY", "mensuelle"),
	FREQ("quarterly", "QUARTERLY", "trimestrielle"),
	FREQ("annual", "ANNUAL", "annuelle"),
	FREQ("irregular", "IRREG", "irrégulière"),
	FREQ("never", "NEVER", "jamais"),
};

static const struct vocab_term access_rights[] = {
	{"PUBLIC",
	 "http://publications.europa.eu/resource/authority/access-right/PUBLIC",
	 "public", NULL, false},
	{"RESTRICTED",
	 "http://publications.europa.eu/resource/authority/access-right/"
	 "RESTRICTED", "restreint", NULL, false},
	{"NON_PUBLIC",
	 "http://publications.europa.eu/resource/authority/access-right/"
	 "NON_PUBLIC", "non public", NULL, false},
};

#define LANG(code, label)                                                   \
	{code, "http://publications.europa.eu/resource/authority/language/" \
	       code, label, NULL, false}
/* The languages of France's public data: French, its neighbours' and the
 * regional languages the EU table has a code for. */
static const struct vocab_term languages[] = {
	LANG("FRA", "français"),  LANG("ENG", "anglais"),
	LANG("DEU", "allemand"),  LANG("SPA", "espagnol"),
	LANG("ITA", "italien"),   LANG("NLD", "néerlandais"),
	LANG("POR", "portugais"), LANG("BRE", "breton"),
	LANG("OCI", "occitan"),   LANG("COS", "corse"),
	LANG("EUS", "basque"),    LANG("CAT", "catalan"),
};

/* Open formats are those anyone can read with free software from a
 * published specification.  Office formats born proprietary (XLSX, XLS,
 * DOCX), PDF (a document, not data), HTML (a page) and ZIP (which says
 * nothing of what it holds) are not counted as open data formats. */
#define FTYPE(code, label, media, open)                                      \
	{code, "http://publications.europa.eu/resource/authority/file-type/" \
	       code, label, media, open}
static const struct vocab_term file_types[] = {
	FTYPE("CSV", "CSV", "text/csv", true),
	FTYPE("TSV", "TSV", "text/tab-separated-values", true),
	FTYPE("GEOJSON", "GeoJSON", "application/geo+json", true),
	FTYPE("JSON", "JSON", "application/json", true),
	FTYPE("JSON_LD", "JSON-LD", "application/ld+json", true),
	FTYPE("XML", "XML", "application/xml", true),
	FTYPE("GML", "GML", "application/gml+xml", true),
	FTYPE("KML", "KML", "application/vnd.google-earth.kml+xml", true),
	FTYPE("KMZ", "KMZ", "application/vnd.google-earth.kmz", true),
	/* A shapefile travels as a zip of its .shp, .shx, .dbf and .prj. */
	FTYPE("SHP", "Shapefile", "application/zip", true),
	FTYPE("GPKG", "GeoPackage", "application/geopackage+sqlite3", true),
	FTYPE("GTFS", "GTFS", "application/zip", true),
	FTYPE("ODS", "OpenDocument tableur",
	      "application/vnd.oasis.opendocument.spreadsheet", true),
	FTYPE("ODT", "OpenDocument texte",
	      "application/vnd.oasis.opendocument.text", true),
	FTYPE("TXT", "texte", "text/plain", true),
	FTYPE("RDF_XML", "RDF/XML", "application/rdf+xml", true),
	FTYPE("RDF_TURTLE", "Turtle", "text/turtle", true),
	FTYPE("XLSX", "Excel (XLSX)",
	      "application/vnd.openxmlformats-officedocument.spreadsheetml."
	      "sheet", false),
	FTYPE("XLS", "Excel (XLS)", "application/vnd.ms-excel", false),
	FTYPE("DOCX", "Word (DOCX)",
	      "application/vnd.openxmlformats-officedocument."
	      "wordprocessingml.document", false),
	FTYPE("PDF", "PDF", "application/pdf", false),
	FTYPE("HTML", "HTML", "text/html", false),
	FTYPE("ZIP", "ZIP", "application/zip", false),
};

#define PTYPE(code, label) \
	{code, "http://purl.org/adms/publishertype/" code, label, NULL, false}
static const struct vocab_term publisher_types[] = {
	PTYPE("LocalAuthority", "Collectivité locale"),
	PTYPE("RegionalAuthority", "Autorité régionale"),
	PTYPE("NationalAuthority", "Administration nationale"),
	PTYPE("SupraNationalAuthority", "Autorité supra-nationale"),
	PTYPE("Academia-ScientificOrganisation",
	      "Académique/Organisation scientifique"),
	PTYPE("Company", "Société"),
	PTYPE("IndustryConsortium", "Consortium industriel"),
	PTYPE("NonGovernmentalOrganisation", "Organisation non gouvernementale"),
	PTYPE("NonProfitOrganisation", "Organisation à but non lucratif"),
	PTYPE("PrivateIndividual(s)", "Individu(s)"),
	PTYPE("StandardisationBody", "Organisme de standardisation"),
};

/* The six categories of Implementing Regulation (EU) 2023/138; the EU
 * table's codes (c_ac64a52d, ...) are opaque, so job files use words. */
#define HVD(code, id, label) \
	{code, "http://data.europa.eu/bna/" id, label, NULL, false}
static const struct vocab_term hvd_categories[] = {
	HVD("geospatial", "c_ac64a52d", "Géospatiales"),
	HVD("earth-observation", "c_dd313021",
	    "Observation de la terre et environnement"),
	HVD("meteorological", "c_164e0bf5", "Météorologiques"),
	HVD("statistics", "c_e1da4e07", "Statistiques"),
	HVD("companies", "c_a9135398",
	    "Entreprises et propriété d'entreprises"),
	HVD("mobility", "c_b79e35eb", "Mobilité"),
};

const struct vocab vocab_licences = {"licence", licences, N_TERMS(licences)};
const struct vocab vocab_themes = {"theme", themes, N_TERMS(themes)};
const struct vocab vocab_frequencies = {"frequency", frequencies,
					N_TERMS(frequencies)};
const struct vocab vocab_access_rights = {"access right", access_rights,
					  N_TERMS(access_rights)};
const struct vocab vocab_languages = {"language", languages,
				      N_TERMS(languages)};
const struct vocab vocab_file_types = {"file type", file_types,
				       N_TERMS(file_types)};
const struct vocab vocab_publisher_types = {"publisher type", publisher_types,
					    N_TERMS(publisher_types)};
const struct vocab vocab_hvd_categories = {"HVD category", hvd_categories,
					   N_TERMS(hvd_categories)};

const struct vocab_term *vocab_find(const struct vocab *v, const char *code)
{
	size_t i;

	for (i = 0; i < v->n_terms; i++)
		if (strcmp(v->terms[i].code, code) == 0)
			return &v->terms[i];
	return NULL;
}

void vocab_list_codes(const struct vocab *v, char *buf, size_t size)
{
	struct sb sb;
	size_t i;

	sb_init(&sb, 0);
	for (i = 0; i < v->n_terms; i++) {
		if (i)
			sb_puts(&sb, ", ");
		sb_puts(&sb, v->terms[i].code);
	}
	util_strlcpy(buf, sb.buf ? sb.buf : "", size);
	sb_free(&sb);
}
