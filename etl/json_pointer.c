/*
 * json_pointer.c: JSON Pointers (RFC 6901) over jansson values (see
 * json_pointer.h).
 *
 * A pointer is walked one token at a time; a token is unescaped into a
 * buffer as long as the pointer, so that no token can overflow it, and the
 * buffer is freed on every path.
 */
#include "json_pointer.h"

#include "util.h"

#include <stdint.h>
#include <stdlib.h>
#include <string.h>

bool json_pointer_check(const char *pointer)
{
	const char *p;

	if (!pointer)
		return false;
	if (*pointer && *pointer != '/')
		return false;
	for (p = pointer; *p; p++)
		if (*p == '~' && p[1] != '0' && p[1] != '1')
			return false;
	return true;
}

/* Parses an array index token: digits, no leading zero unless it is "0".
 * False for anything else, "-" (the element after the last) included. */
static bool parse_index(const char *token, size_t *out)
{
	size_t n = 0;
	const char *p;

	if (!*token || (token[0] == '0' && token[1]))
		return false;
	for (p = token; *p; p++) {
		if (*p < '0' || *p > '9')
			return false;
		if (n > (SIZE_MAX - 9) / 10)
			return false;
		n = n * 10 + (size_t)(*p - '0');
	}
	*out = n;
	return true;
}

json_t *json_pointer_get(json_t *root, const char *pointer)
{
	const char *p;
	char *token = NULL;
	json_t *cur = root;
	size_t len, index;

	if (!root || !json_pointer_check(pointer))
		return NULL;
	if (!*pointer)
		return root;
	token = xmalloc(strlen(pointer) + 1);
	p = pointer;
	while (cur && *p == '/') {
		p++;
		len = 0;
		while (*p && *p != '/') {
			if (*p == '~') {
				token[len++] = p[1] == '1' ? '/' : '~';
				p += 2;
			} else {
				token[len++] = *p++;
			}
		}
		token[len] = '\0';
		if (json_is_object(cur))
			cur = json_object_get(cur, token);
		else if (json_is_array(cur) && parse_index(token, &index))
			cur = json_array_get(cur, index);
		else
			cur = NULL;
	}
	free(token);
	return cur;
}
