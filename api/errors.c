/*
 * errors.c: the error-code registry and the error answer (see errors.h).
 */
#include "errors.h"

#include "pool.h"

#include "log.h"
#include "odp.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct api_error_info registry[API_ERR_COUNT] = {
	[API_ERR_BAD_PARAMETER] = {"bad_parameter", MHD_HTTP_BAD_REQUEST,
				   "invalid request parameter", NULL, NULL},
	[API_ERR_NOT_FOUND] = {"not_found", MHD_HTTP_NOT_FOUND,
			       "no such resource", NULL, NULL},
	[API_ERR_DATASET_NOT_FOUND] = {"dataset_not_found", MHD_HTTP_NOT_FOUND,
				       "dataset not found", NULL, NULL},
	[API_ERR_METHOD_NOT_ALLOWED] = {"method_not_allowed",
					MHD_HTTP_METHOD_NOT_ALLOWED,
					"method not allowed",
					MHD_HTTP_HEADER_ALLOW, "GET, HEAD"},
	[API_ERR_URI_TOO_LONG] = {"uri_too_long", MHD_HTTP_URI_TOO_LONG,
				  "request URI too long", NULL, NULL},
	[API_ERR_DATABASE_UNAVAILABLE] = {"database_unavailable",
					  MHD_HTTP_SERVICE_UNAVAILABLE,
					  "could not connect to the database",
					  MHD_HTTP_HEADER_RETRY_AFTER, "5"},
	[API_ERR_SERVER_BUSY] = {"server_busy", MHD_HTTP_SERVICE_UNAVAILABLE,
				 "all database connections are busy",
				 MHD_HTTP_HEADER_RETRY_AFTER, "1"},
	[API_ERR_INTERNAL] = {"internal_error",
			      MHD_HTTP_INTERNAL_SERVER_ERROR,
			      "internal error", NULL, NULL},
	[API_ERR_VERSION_NOT_FOUND] = {"version_not_found", MHD_HTTP_NOT_FOUND,
				       "version not found", NULL, NULL},
	[API_ERR_RUN_NOT_FOUND] = {"run_not_found", MHD_HTTP_NOT_FOUND,
				   "run not found", NULL, NULL},
	[API_ERR_NOT_ACCEPTABLE] = {"not_acceptable", MHD_HTTP_NOT_ACCEPTABLE,
				    "no acceptable representation", NULL,
				    NULL},
};

/* Served when even the error answer cannot be built. */
static const char fallback_body[] =
	"{\"code\":\"internal_error\",\"error\":\"internal error\","
	"\"detail\":\"The server could not build its answer.\"}";

const struct api_error_info *api_error_info(enum api_error err)
{
	if ((unsigned)err >= API_ERR_COUNT)
		err = API_ERR_INTERNAL;
	return &registry[err];
}

void api_reply_error(struct api_request *req, enum api_error err,
		     const char *error, const char *detail_fmt, ...)
{
	const struct api_error_info *info = api_error_info(err);
	char detail[1024];
	struct MHD_Response *resp;
	json_t *body;
	char *text = NULL;
	va_list ap;

	va_start(ap, detail_fmt);
	vsnprintf(detail, sizeof detail, detail_fmt, ap);
	va_end(ap);
	/* json_string() refuses invalid UTF-8: then serve the fallback. */
	body = json_pack("{s:s, s:s, s:s}", "code", info->code, "error",
			 error ? error : info->error, "detail", detail);
	if (body) {
		text = json_dumps(body, JSON_COMPACT);
		json_decref(body);
	}
	if (text)
		resp = MHD_create_response_from_buffer(
			strlen(text), text, MHD_RESPMEM_MUST_FREE);
	else
		resp = MHD_create_response_from_buffer(
			sizeof fallback_body - 1, (void *)fallback_body,
			MHD_RESPMEM_PERSISTENT);
	if (!resp) {
		free(text);
		req->status = 0;
		req->result = MHD_NO;
		return;
	}
	MHD_add_response_header(resp, MHD_HTTP_HEADER_CONTENT_TYPE,
				API_CONTENT_JSON);
	if (info->header)
		MHD_add_response_header(resp, info->header,
					info->header_value);
	api_reply(req, text ? info->status : MHD_HTTP_INTERNAL_SERVER_ERROR,
		  resp);
}

void api_reply_db_error(struct api_request *req, const struct api_conn *conn,
			const char *errmsg)
{
	log_error("%s %s: %s", req->method, req->target, errmsg);
	if (api_conn_lost(conn))
		api_reply_error(req, API_ERR_DATABASE_UNAVAILABLE,
				"lost the connection to the database",
				"The catalogue database went away while "
				"answering; retry in a moment.");
	else
		api_reply_error(req, API_ERR_INTERNAL, NULL,
				"The database refused the query; the server "
				"log has the details.");
}
