/*
 * errors.h: the one registry of the API's error codes.
 *
 * Every error answer is the JSON object
 *   {"code": "bad_parameter", "error": "...", "detail": "..."}
 * where code is a stable machine-readable name from the table in errors.c
 * (which also fixes its HTTP status), error a short lowercase message in
 * the PostgreSQL style (no final period) and detail full sentences that
 * tell the caller what to change.  A new failure mode gets a new entry in
 * the table, never an ad-hoc status in a handler.
 */
#ifndef ODP_API_ERRORS_H
#define ODP_API_ERRORS_H

#include "request.h"

enum api_error {
	API_ERR_BAD_PARAMETER,
	API_ERR_NOT_FOUND,
	API_ERR_DATASET_NOT_FOUND,
	API_ERR_METHOD_NOT_ALLOWED,
	API_ERR_URI_TOO_LONG,
	API_ERR_DATABASE_UNAVAILABLE,
	API_ERR_SERVER_BUSY,
	API_ERR_INTERNAL,
	API_ERR_VERSION_NOT_FOUND,
	API_ERR_RUN_NOT_FOUND,
	API_ERR_NOT_ACCEPTABLE,
	API_ERR_COUNT
};

struct api_error_info {
	const char *code;        /* "bad_parameter" */
	unsigned int status;     /* its HTTP status */
	const char *error;       /* message used when the caller gives none */
	const char *header;      /* extra header of the answer, or NULL */
	const char *header_value;
};

/* The registry entry of err; never NULL for a valid err. */
const struct api_error_info *api_error_info(enum api_error err);

/* Queues the error answer for err.  error is the short message (NULL: the
 * registry's); detail_fmt a printf format for the detail.  Both are copied;
 * client text must go through api_sanitize() before it reaches either. */
void api_reply_error(struct api_request *req, enum api_error err,
		     const char *error, const char *detail_fmt, ...)
	__attribute__((format(printf, 4, 5)));

/* Answers a failed query on conn: 503 database_unavailable when the
 * connection is gone, 500 internal_error otherwise.  Logs errmsg (the
 * database's message, which callers never see) with the request. */
void api_reply_db_error(struct api_request *req, const struct api_conn *conn,
			const char *errmsg);

#endif
