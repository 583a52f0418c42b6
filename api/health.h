/*
 * health.h: GET /health, for load balancers and monitoring.
 */
#ifndef ODP_API_HEALTH_H
#define ODP_API_HEALTH_H

#include "routes.h"

/* 200 {"status":"ok","database":"ok"} once SELECT 1 has run; 503
 * database_unavailable (or server_busy) otherwise. */
api_handler api_health_get;

#endif
