/*
 * vocab.h: the controlled vocabularies a job file's metadata is checked
 * against: licences, EU data themes, EU frequencies, EU access rights, EU
 * languages, EU file types, ADMS publisher types and the HVD categories.
 *
 * Each term has the short code a data referent writes in a job file (and
 * the database stores) and the IRI the DCAT catalogue publishes.
 */
#ifndef ODP_VOCAB_H
#define ODP_VOCAB_H

#include <stdbool.h>
#include <stddef.h>

struct vocab_term {
	const char *code;
	const char *iri;
	const char *label;       /* in French, for skos:prefLabel */
	/* File types only: the IANA media type a file of this type has when
	 * the job file names none, and whether it is an open format (the
	 * data.gouv.fr quality criterion). */
	const char *media_type;
	bool open;
};

struct vocab {
	const char *name;               /* e.g. "licence" */
	const struct vocab_term *terms;
	size_t n_terms;
};

extern const struct vocab vocab_licences;
extern const struct vocab vocab_themes;
extern const struct vocab vocab_frequencies;
extern const struct vocab vocab_access_rights;
extern const struct vocab vocab_languages;
extern const struct vocab vocab_file_types;
extern const struct vocab vocab_publisher_types;
extern const struct vocab vocab_hvd_categories;

/* The ELI of Regulation (EU) 2023/138, the legislation of every
 * high-value dataset: what "hvd" applies when the job file names none. */
#define VOCAB_HVD_LEGISLATION "http://data.europa.eu/eli/reg_impl/2023/138/oj"

/* Returns the term with that code, or NULL. */
const struct vocab_term *vocab_find(const struct vocab *v, const char *code);

/* Writes "a, b, c" (the allowed codes) into buf of size bytes. */
void vocab_list_codes(const struct vocab *v, char *buf, size_t size);

#endif
