/*
 * vocab.h: the controlled vocabularies a job file's metadata is checked
 * against: licences, EU data themes, EU frequencies.
 *
 * Each term has the short code a data referent writes in a job file and the
 * IRI the DCAT catalogue publishes.
 */
#ifndef ODP_VOCAB_H
#define ODP_VOCAB_H

#include <stddef.h>

struct vocab_term {
	const char *code;
	const char *iri;
	const char *label;
};

struct vocab {
	const char *name;               /* e.g. "licence" */
	const struct vocab_term *terms;
	size_t n_terms;
};

extern const struct vocab vocab_licences;
extern const struct vocab vocab_themes;
extern const struct vocab vocab_frequencies;

/* Returns the term with that code, or NULL. */
const struct vocab_term *vocab_find(const struct vocab *v, const char *code);

/* Writes "a, b, c" (the allowed codes) into buf of size bytes. */
void vocab_list_codes(const struct vocab *v, char *buf, size_t size);

#endif
