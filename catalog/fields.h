/*
 * fields.h: reading a JSON object against a declarative table of expected
 * keys, the way job files and etl/catalog.json are read (the GNU Taler
 * way).
 *
 * Each table entry names a key, its JSON type, whether it is required,
 * what a person should write there and where the value goes in a struct.
 * Unknown keys are problems too: they are almost always typos ("license"
 * for "licence") that would otherwise be silently ignored.  Every problem
 * is recorded with its JSON path, so that one pass reports them all.  The
 * checks of values that have the right JSON type (vocabularies, URLs,
 * e-mail addresses) live here as well, shared by both kinds of file.
 */
#ifndef ODP_FIELDS_H
#define ODP_FIELDS_H

#include "job.h"
#include "vocab.h"

#include <jansson.h>
#include <stdbool.h>
#include <stddef.h>

enum field_type {
	F_STRING,
	F_STRING_ARRAY,  /* char ** at offset, size_t count at count_offset */
	F_OBJECT,        /* read with sub into the struct at offset */
	F_OBJECT_ARRAY,  /* an array of objects, each read with sub into one
			    element of elem_size bytes of a calloc'd array
			    (pointer at offset, count at count_offset) */
	F_INTEGER,
	F_BOOLEAN,
	F_HEADERS        /* an object of strings: struct job_header * */
};

struct field {
	const char *key;
	enum field_type type;
	bool required;
	const char *expected;     /* shown to the person: what to write */
	size_t offset;            /* where the value goes in the struct */
	size_t count_offset;      /* arrays and F_HEADERS: the count */
	const struct field *sub;  /* F_OBJECT, F_OBJECT_ARRAY */
	size_t elem_size;         /* F_OBJECT_ARRAY */
};

#define END_OF_FIELDS {NULL, F_STRING, false, NULL, 0, 0, NULL, 0}

/* Reads obj against table into the struct at base (whose pointers the
 * caller frees), appending a problem under path ("$", "$.source") for every
 * unknown key, missing required key and value of the wrong JSON type. */
void fields_read(const json_t *obj, const struct field *table, void *base,
		 const char *path, struct job_problems *problems);

/* Reads the JSON object in the file at path, at most max bytes, duplicate
 * keys refused.  Returns it (the caller json_decref()s it) or NULL with the
 * reason appended to problems at "$" (no file, too big, invalid JSON with
 * its line and column, not an object). */
json_t *fields_load_file(const char *path, long max,
			 struct job_problems *problems);

/* Appends a problem at json_path; copies both. */
void fields_problem(struct job_problems *problems, const char *json_path,
		    const char *fmt, ...) __attribute__((format(printf, 3, 4)));

/* "an object", "a string", ...: the JSON type of v, for messages. */
const char *fields_type_name(const json_t *v);

/* A problem at json_path naming the allowed codes unless code is one of
 * v's. */
void fields_check_vocab(const struct vocab *v, const char *code,
			const char *json_path, struct job_problems *problems);

/* True when s is an absolute http or https URL with a host and no
 * whitespace: what a catalogue may publish as an IRI. */
bool fields_url_ok(const char *s);

/* A problem at json_path unless s is fields_url_ok(). */
void fields_check_url(const char *s, const char *json_path,
		      struct job_problems *problems);

/* A problem at json_path unless s looks like an e-mail address
 * (local@domain.tld, no whitespace). */
void fields_check_email(const char *s, const char *json_path,
			struct job_problems *problems);

/* True when s is 1 to 63 lowercase letters, digits and dashes, starting
 * with a letter or digit: dataset, publisher, distribution and local theme
 * identifiers, which end up in URLs. */
bool fields_identifier_ok(const char *s);

#endif
