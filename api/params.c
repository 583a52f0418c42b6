/*
 * params.c: checked integer query parameters (see params.h).
 */
#include "params.h"

#include "errors.h"

#include "odp.h"
#include "util.h"

#include <inttypes.h>
#include <stdio.h>
#include <string.h>

/* True when s[0..len) is "-"? followed by 1 to 19 ASCII digits: what we
 * hand to strtoll (which would also take spaces, '+' and "0x"). */
static bool looks_integer(const char *s, size_t len)
{
	size_t i = (len > 0 && s[0] == '-') ? 1 : 0, digits = len - i;

	if (digits == 0 || digits > 19)
		return false;
	for (; i < len; i++)
		if (s[i] < '0' || s[i] > '9')
			return false;
	return true;
}

/* Answers 400 for parameter spec whose value is raw (NULL: given without
 * a value). */
static void reply_bad(struct api_request *req, const struct api_param_int *spec,
		      const char *raw)
{
	char error[128], shown[96];

	snprintf(error, sizeof error, "invalid value for parameter \"%s\"",
		 spec->name);
	if (raw)
		api_sanitize(shown, sizeof shown, raw);
	api_reply_error(req, API_ERR_BAD_PARAMETER, error,
			"%s must be an integer between %" PRId64 " and %" PRId64
			"; got %s%s%s.",
			spec->name, spec->min, spec->max, raw ? "\"" : "",
			raw ? shown : "no value", raw ? "\"" : "");
}

bool api_params_parse(struct api_request *req,
		      const struct api_param_int *specs, size_t n,
		      struct api_param_value *values)
{
	size_t i;

	for (i = 0; i < n; i++) {
		const struct api_param_int *spec = &specs[i];
		const char *raw = NULL;
		size_t len = 0;
		int64_t v;

		values[i].value = spec->def;
		values[i].present = false;
		if (MHD_lookup_connection_value_n(
			    req->connection, MHD_GET_ARGUMENT_KIND, spec->name,
			    strlen(spec->name), &raw, &len) != MHD_YES)
			continue;
		if (!raw) {
			reply_bad(req, spec, NULL);
			return false;
		}
		if (len != strlen(raw) || len > API_PARAM_MAX_LEN ||
		    !looks_integer(raw, len) || !util_parse_int64(raw, &v) ||
		    v < spec->min || v > spec->max) {
			reply_bad(req, spec, raw);
			return false;
		}
		values[i].value = v;
		values[i].present = true;
	}
	return true;
}
