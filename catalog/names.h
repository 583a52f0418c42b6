/*
 * names.h: normalised column names.
 *
 * Source columns arrive as "Nom de l'équipement", "CAPACITÉ", "x" or "".
 * Published columns are lowercase ASCII snake_case, start with a letter, fit
 * PostgreSQL's 63-byte identifiers, avoid SQL reserved words and odp's own
 * columns, and are unique within a table.  The source name is kept beside
 * the normalised one in the catalogue.
 */
#ifndef ODP_NAMES_H
#define ODP_NAMES_H

#include <stddef.h>

/* Longest normalised name, in bytes (PostgreSQL's NAMEDATALEN - 1). */
#define NAMES_MAX 63

/* Writes the normalised form of the UTF-8 name src into out (NAMES_MAX + 1
 * bytes).  Never fails: an empty or unusable name becomes "unnamed". */
void names_normalise(const char *src, char out[NAMES_MAX + 1]);

/* Normalises n source names into out[i] (each NAMES_MAX + 1 bytes),
 * then makes them unique by suffixing _2, _3, ... in order. */
void names_normalise_all(const char *const *src, size_t n,
			 char (*out)[NAMES_MAX + 1]);

#endif
