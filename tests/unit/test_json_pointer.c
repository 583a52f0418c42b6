/* test_json_pointer.c: JSON Pointers, RFC 6901 (etl/json_pointer.c). */
#include "../../etl/json_pointer.h"
#include "unit.h"

/* The example document of RFC 6901, section 5. */
static json_t *rfc_document(void)
{
	json_error_t err;
	return json_loads(
	    "{\"foo\": [\"bar\", \"baz\"], \"\": 0, \"a/b\": 1,"
	    " \"c%d\": 2, \"e^f\": 3, \"g|h\": 4, \"i\\\\j\": 5,"
	    " \"k\\\"l\": 6, \" \": 7, \"m~n\": 8,"
	    " \"links\": {\"next\": \"?page=2\", \"prev\": null}}",
	    0, &err);
}

static json_int_t int_at(json_t *doc, const char *pointer)
{
	json_t *v = json_pointer_get(doc, pointer);
	return json_is_integer(v) ? json_integer_value(v) : -1;
}

void test_json_pointer_rfc6901_examples(void)
{
	json_t *doc = rfc_document();

	CHECK(doc != NULL);
	CHECK(json_pointer_get(doc, "") == doc);
	CHECK(json_pointer_get(doc, "/foo") == json_object_get(doc, "foo"));
	CHECK_STR(json_string_value(json_pointer_get(doc, "/foo/0")), "bar");
	CHECK_STR(json_string_value(json_pointer_get(doc, "/foo/1")), "baz");
	CHECK(int_at(doc, "/") == 0);
	CHECK(int_at(doc, "/a~1b") == 1);
	CHECK(int_at(doc, "/c%d") == 2);
	CHECK(int_at(doc, "/e^f") == 3);
	CHECK(int_at(doc, "/g|h") == 4);
	CHECK(int_at(doc, "/i\\j") == 5);
	CHECK(int_at(doc, "/k\"l") == 6);
	CHECK(int_at(doc, "/ ") == 7);
	CHECK(int_at(doc, "/m~0n") == 8);
	CHECK_STR(json_string_value(json_pointer_get(doc, "/links/next")),
	          "?page=2");
	CHECK(json_is_null(json_pointer_get(doc, "/links/prev")));
	json_decref(doc);
}

void test_json_pointer_leads_nowhere(void)
{
	json_t *doc = rfc_document();

	CHECK(json_pointer_get(doc, "/missing") == NULL);
	CHECK(json_pointer_get(doc, "/links/missing") == NULL);
	CHECK(json_pointer_get(doc, "/foo/2") == NULL);
	CHECK(json_pointer_get(doc, "/foo/-") == NULL);
	CHECK(json_pointer_get(doc, "/foo/01") == NULL);
	CHECK(json_pointer_get(doc, "/foo/1x") == NULL);
	CHECK(json_pointer_get(doc, "/foo/") == NULL);
	CHECK(json_pointer_get(doc, "/foo/99999999999999999999999") == NULL);
	CHECK(json_pointer_get(doc, "/foo/0/deeper") == NULL);
	CHECK(json_pointer_get(doc, "/a~1b/x") == NULL);
	CHECK(json_pointer_get(NULL, "") == NULL);
	json_decref(doc);
}

void test_json_pointer_malformed(void)
{
	json_t *doc = rfc_document();

	CHECK(json_pointer_check(""));
	CHECK(json_pointer_check("/results"));
	CHECK(json_pointer_check("/a~0~1b/"));
	CHECK(!json_pointer_check("results"));
	CHECK(!json_pointer_check("/a~2"));
	CHECK(!json_pointer_check("/a~"));
	CHECK(!json_pointer_check(NULL));
	CHECK(json_pointer_get(doc, "foo") == NULL);
	CHECK(json_pointer_get(doc, "/m~n") == NULL);
	CHECK(json_pointer_get(doc, "/m~") == NULL);
	json_decref(doc);
}
