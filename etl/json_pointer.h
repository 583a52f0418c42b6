/*
 * json_pointer.h: JSON Pointers (RFC 6901) over jansson values.
 *
 * "/results/0/name" walks from a document to one of its values: each
 * "/"-separated token is an object member's name or an array index, with
 * "~1" standing for "/" and "~0" for "~" inside a name.  The empty pointer
 * is the document itself.  Used by the http-json driver to find the
 * records in a page, the next page's link and a record's geometry.
 */
#ifndef ODP_JSON_POINTER_H
#define ODP_JSON_POINTER_H

#include <jansson.h>
#include <stdbool.h>

/* True when pointer is a well-formed JSON Pointer: empty, or tokens each
 * introduced by "/" with no "~" other than "~0" and "~1". */
bool json_pointer_check(const char *pointer);

/* The value of root at pointer, borrowed from root (valid while root is),
 * or NULL when the pointer is malformed or leads nowhere: a missing
 * member, an index past the end, with a leading zero or "-", or a step
 * into a value that is neither an object nor an array.  root may be NULL
 * (then NULL). */
json_t *json_pointer_get(json_t *root, const char *pointer);

#endif
