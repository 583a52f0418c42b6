/*
 * infer.h: types of text columns, inferred from their values.
 *
 * CSV files and spreadsheets give every column as text.  A column becomes
 * integer, real, date or boolean only when every non-null value reads as
 * one, in the forms a French source writes them: "12,5" for 12.5,
 * "25/12/2024" for a date, "25/12/2024 08:30" or ISO 8601 with or without
 * a zone for a timestamp, "oui"/"non".  Values with leading zeros ("01234",
 * a postcode) stay text, since the zeros are part of the value.
 */
#ifndef ODP_INFER_H
#define ODP_INFER_H

#include <stdbool.h>
#include <stddef.h>

enum infer_type {
	INFER_INTEGER = 1 << 0,
	INFER_REAL = 1 << 1,
	INFER_DATE = 1 << 2,
	INFER_BOOLEAN = 1 << 3,
	INFER_TIMESTAMP = 1 << 4,
	INFER_ALL = INFER_INTEGER | INFER_REAL | INFER_DATE | INFER_BOOLEAN |
		    INFER_TIMESTAMP
};

/* Longest value, in bytes, that can be anything but text. */
#define INFER_VALUE_MAX 64

/* True when value (already trimmed) stands for "no value": "", "NA", "N/A",
 * "-", "NULL" in any case. */
bool infer_is_null(const char *value);

/* Returns the subset of candidates (a mask of enum infer_type) that value,
 * trimmed and not null, can be read as. */
unsigned infer_candidates(const char *value, unsigned candidates);

/* Picks the column type from the candidates left after every value:
 * INFER_INTEGER, INFER_REAL, INFER_DATE, INFER_TIMESTAMP, INFER_BOOLEAN,
 * or 0 for text.
 * A column with no value at all stays text. */
unsigned infer_pick(unsigned candidates, size_t n_values);

/* Writes into out (INFER_VALUE_MAX + 1 bytes) the PostgreSQL text input for
 * value read as type ("12,5" -> "12.5", "25/12/2024" -> "2024-12-25",
 * "oui" -> "true").  False when value does not read as type. */
bool infer_convert(const char *value, unsigned type,
		   char out[INFER_VALUE_MAX + 1]);

/* Returns a pointer into s past leading blanks and sets *len to the length
 * without trailing blanks. */
const char *infer_trim(const char *s, size_t *len);

/* Parses a number written with "." or "," as decimal separator. */
bool infer_parse_decimal(const char *value, double *out);

#endif
