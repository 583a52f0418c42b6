/*
 * fields.c: declarative reading of JSON objects and the value checks job
 * files and etl/catalog.json share (see fields.h).
 */
#include "fields.h"

#include "odp.h"
#include "sb.h"
#include "util.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Elements an F_OBJECT_ARRAY may hold: bounds the allocation by what a
 * person writes, not by what a file claims. */
#define FIELDS_ARRAY_MAX 1000

void fields_problem(struct job_problems *problems, const char *json_path,
		    const char *fmt, ...)
{
	char msg[ODP_ERRBUF_SIZE];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof msg, fmt, ap);
	va_end(ap);
	problems->items = xrealloc(problems->items,
				   (problems->n + 1) * sizeof *problems->items);
	problems->items[problems->n].json_path = xstrdup(json_path);
	problems->items[problems->n].message = xstrdup(msg);
	problems->n++;
}

const char *fields_type_name(const json_t *v)
{
	switch (json_typeof(v)) {
	case JSON_OBJECT: return "an object";
	case JSON_ARRAY: return "an array";
	case JSON_STRING: return "a string";
	case JSON_INTEGER:
	case JSON_REAL: return "a number";
	case JSON_TRUE:
	case JSON_FALSE: return "a boolean";
	default: return "null";
	}
}

static void unknown_keys(const json_t *obj, const struct field *table,
			 const char *path, struct job_problems *problems)
{
	const struct field *f;
	const char *key;
	json_t *value;
	char sub_path[256];

	json_object_foreach((json_t *)obj, key, value) {
		struct sb known;
		for (f = table; f->key; f++)
			if (strcmp(f->key, key) == 0)
				break;
		if (f->key)
			continue;
		sb_init(&known, 0);
		for (f = table; f->key; f++)
			sb_printf(&known, "%s%s", f == table ? "" : ", ", f->key);
		snprintf(sub_path, sizeof sub_path, "%s.%s", path, key);
		fields_problem(problems, sub_path,
			       "unknown key; expected one of: %s", known.buf);
		sb_free(&known);
	}
}

static void read_string_array(const json_t *value, const char *path,
			      char ***slot, size_t *count,
			      struct job_problems *problems)
{
	size_t i, n = json_array_size(value);
	char **items = xcalloc(n, sizeof *items);
	char item_path[300];

	for (i = 0; i < n; i++) {
		json_t *item = json_array_get(value, i);
		if (!json_is_string(item)) {
			snprintf(item_path, sizeof item_path, "%s[%zu]", path, i);
			fields_problem(problems, item_path,
				       "found %s; expected a string",
				       fields_type_name(item));
			items[i] = xstrdup("");
		} else {
			items[i] = xstrdup(json_string_value(item));
		}
	}
	*slot = items;
	*count = n;
}

static void read_headers(const json_t *value, const char *path,
			 struct job_header **slot, size_t *count,
			 struct job_problems *problems)
{
	struct job_header *items;
	const char *name;
	json_t *v;
	size_t n = 0;
	char item_path[300];

	items = xcalloc(json_object_size(value), sizeof *items);
	json_object_foreach((json_t *)value, name, v) {
		if (!json_is_string(v)) {
			snprintf(item_path, sizeof item_path, "%s.%s", path, name);
			fields_problem(problems, item_path,
				       "found %s; expected a string",
				       fields_type_name(v));
			continue;
		}
		items[n].name = xstrdup(name);
		items[n].value = xstrdup(json_string_value(v));
		n++;
	}
	*slot = items;
	*count = n;
}

static void read_object_array(const json_t *value, const struct field *f,
			      const char *path, void **slot, size_t *count,
			      struct job_problems *problems)
{
	size_t i, n = json_array_size(value);
	char item_path[300];
	char *items;

	if (n > FIELDS_ARRAY_MAX) {
		fields_problem(problems, path, "%zu items; at most %d allowed",
			       n, FIELDS_ARRAY_MAX);
		return;
	}
	items = xcalloc(n ? n : 1, f->elem_size);
	for (i = 0; i < n; i++) {
		json_t *item = json_array_get(value, i);
		snprintf(item_path, sizeof item_path, "%s[%zu]", path, i);
		if (!json_is_object(item)) {
			fields_problem(problems, item_path,
				       "found %s; expected %s",
				       fields_type_name(item), f->expected);
			continue;
		}
		fields_read(item, f->sub, items + i * f->elem_size, item_path,
			    problems);
	}
	*slot = items;
	*count = n;
}

/* True when value has the JSON type f expects; otherwise a problem. */
static bool type_ok(const json_t *value, const struct field *f,
		    const char *path, struct job_problems *problems)
{
	bool ok;

	switch (f->type) {
	case F_STRING: ok = json_is_string(value); break;
	case F_STRING_ARRAY:
	case F_OBJECT_ARRAY: ok = json_is_array(value); break;
	case F_BOOLEAN: ok = json_is_boolean(value); break;
	case F_INTEGER: ok = json_is_integer(value); break;
	default: ok = json_is_object(value); break;
	}
	if (!ok)
		fields_problem(problems, path, "found %s; expected %s",
			       fields_type_name(value), f->expected);
	return ok;
}

void fields_read(const json_t *obj, const struct field *table, void *base,
		 const char *path, struct job_problems *problems)
{
	const struct field *f;
	json_t *value;
	char sub_path[256];

	unknown_keys(obj, table, path, problems);
	for (f = table; f->key; f++) {
		char *at = (char *)base + f->offset;
		size_t *count = (size_t *)((char *)base + f->count_offset);
		snprintf(sub_path, sizeof sub_path, "%s.%s", path, f->key);
		value = json_object_get(obj, f->key);
		if (!value || json_is_null(value)) {
			if (f->required)
				fields_problem(problems, sub_path,
					       "missing key; expected %s",
					       f->expected);
			continue;
		}
		if (!type_ok(value, f, sub_path, problems))
			continue;
		switch (f->type) {
		case F_STRING:
			*(char **)at = xstrdup(json_string_value(value));
			break;
		case F_STRING_ARRAY:
			read_string_array(value, sub_path, (char ***)at, count,
					  problems);
			break;
		case F_BOOLEAN:
			*(bool *)at = json_is_true(value);
			break;
		case F_INTEGER:
			*(int64_t *)at = json_integer_value(value);
			break;
		case F_HEADERS:
			read_headers(value, sub_path, (struct job_header **)at,
				     count, problems);
			break;
		case F_OBJECT:
			fields_read(value, f->sub, at, sub_path, problems);
			break;
		case F_OBJECT_ARRAY:
			read_object_array(value, f, sub_path, (void **)at, count,
					  problems);
			break;
		}
	}
}

void fields_check_vocab(const struct vocab *v, const char *code,
			const char *json_path, struct job_problems *problems)
{
	char allowed[ODP_ERRBUF_SIZE];

	if (vocab_find(v, code))
		return;
	vocab_list_codes(v, allowed, sizeof allowed);
	fields_problem(problems, json_path,
		       "unknown %s \"%s\"; expected one of: %s", v->name, code,
		       allowed);
}

bool fields_url_ok(const char *s)
{
	const char *host, *p;

	if (strncmp(s, "https://", 8) == 0)
		host = s + 8;
	else if (strncmp(s, "http://", 7) == 0)
		host = s + 7;
	else
		return false;
	if (!*host || *host == '/' || *host == ':' || *host == '?' ||
	    *host == '#')
		return false;
	for (p = s; *p; p++)
		if ((unsigned char)*p <= ' ' || *p == 0x7f || *p == '"' ||
		    *p == '<' || *p == '>' || *p == '\\' || *p == '`' ||
		    *p == '{' || *p == '}' || *p == '|' || *p == '^')
			return false;
	return true;
}

void fields_check_url(const char *s, const char *json_path,
		      struct job_problems *problems)
{
	if (!fields_url_ok(s))
		fields_problem(problems, json_path,
			       "\"%s\" is not a web address; expected an "
			       "absolute http:// or https:// URL without spaces",
			       s);
}

void fields_check_email(const char *s, const char *json_path,
			struct job_problems *problems)
{
	const char *at = strchr(s, '@'), *p;
	bool ok = at && at > s && !strchr(at + 1, '@') &&
		  strchr(at + 1, '.') && at[1] != '.' &&
		  s[strlen(s) - 1] != '.';

	for (p = s; ok && *p; p++)
		if ((unsigned char)*p <= ' ' || *p == '<' || *p == '>' ||
		    *p == '"' || *p == ',')
			ok = false;
	if (!ok)
		fields_problem(problems, json_path,
			       "\"%s\" is not an e-mail address; expected "
			       "name@domain.fr", s);
}

bool fields_identifier_ok(const char *s)
{
	size_t len = strlen(s), i;

	if (len == 0 || len > 63)
		return false;
	if (!islower((unsigned char)s[0]) && !isdigit((unsigned char)s[0]))
		return false;
	for (i = 0; i < len; i++)
		if (!islower((unsigned char)s[i]) &&
		    !isdigit((unsigned char)s[i]) && s[i] != '-')
			return false;
	return true;
}

json_t *fields_load_file(const char *path, long max,
			 struct job_problems *problems)
{
	json_error_t jerr;
	json_t *root;
	FILE *f;
	long size;

	f = fopen(path, "rb");
	if (!f) {
		fields_problem(problems, "$", "could not open the file: %s",
			       strerror(errno));
		return NULL;
	}
	if (fseek(f, 0, SEEK_END) == 0 && (size = ftell(f)) > max) {
		fclose(f);
		fields_problem(problems, "$",
			       "file is %ld bytes; at most %ld allowed", size,
			       max);
		return NULL;
	}
	rewind(f);
	root = json_loadf(f, JSON_REJECT_DUPLICATES, &jerr);
	fclose(f);
	if (!root) {
		fields_problem(problems, "$",
			       "invalid JSON at line %d, column %d: %s",
			       jerr.line, jerr.column, jerr.text);
		return NULL;
	}
	if (!json_is_object(root)) {
		fields_problem(problems, "$", "found %s; expected an object",
			       fields_type_name(root));
		json_decref(root);
		return NULL;
	}
	return root;
}
