/*
 * log.c: timestamped log lines on standard error (see log.h).
 *
 * Each line is formatted whole and written with one fprintf so that lines
 * from the API's worker threads do not interleave.
 */
#include "log.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static const char *log_program = "odp";
static enum log_level log_threshold = LOG_INFO;

static const char *level_names[] = {"debug", "info", "warning", "error"};

void log_init(const char *program)
{
	const char *env = getenv("ODP_LOG_LEVEL");

	log_program = program;
	if (!env)
		return;
	if (strcmp(env, "debug") == 0)
		log_threshold = LOG_DEBUG;
	else if (strcmp(env, "warn") == 0)
		log_threshold = LOG_WARN;
	else if (strcmp(env, "error") == 0)
		log_threshold = LOG_ERROR;
}

void log_msg(enum log_level level, const char *fmt, ...)
{
	char stamp[32], text[2048];
	time_t now = time(NULL);
	struct tm tm;
	va_list ap;

	if (level < log_threshold)
		return;
	gmtime_r(&now, &tm);
	strftime(stamp, sizeof stamp, "%Y-%m-%dT%H:%M:%SZ", &tm);
	va_start(ap, fmt);
	vsnprintf(text, sizeof text, fmt, ap);
	va_end(ap);
	fprintf(stderr, "%s %s %s: %s\n", stamp, log_program,
		level_names[level], text);
}
