/*
 * params.h: query-string parameters, parsed and checked before any handler
 * logic.
 *
 * Each endpoint describes its integer parameters in a table (name, default,
 * bounds); api_params_parse() checks every one and answers 400
 * bad_parameter naming the first that is wrong.  Parameters not in the
 * table are ignored, as reusers' tools often add their own (cache busters,
 * OpenDataSoft options).  Values arrive URL-decoded from MHD; a value with
 * an embedded NUL, a sign other than a leading '-', spaces or more than
 * API_PARAM_MAX_LEN bytes is rejected.
 */
#ifndef ODP_API_PARAMS_H
#define ODP_API_PARAMS_H

#include "request.h"

#include <stdbool.h>
#include <stdint.h>

/* Longest parameter value we look at. */
#define API_PARAM_MAX_LEN 32

struct api_param_int {
	const char *name;   /* "limit" */
	int64_t def;        /* value when absent */
	int64_t min, max;   /* inclusive bounds */
};

/* The value of each parameter of specs, in order. */
struct api_param_value {
	int64_t value;      /* the value given, or the default */
	bool present;       /* the request gave the parameter */
};

/* Fills values[i] for each of the n specs.  True on success; false when a
 * 400 answer has been queued (the handler must then return). */
bool api_params_parse(struct api_request *req,
		      const struct api_param_int *specs, size_t n,
		      struct api_param_value *values);

#endif
