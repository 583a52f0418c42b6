/*
 * log.h: plain log lines on standard error.
 *
 * One line per event: "2026-11-22T04:00:00Z odp-etl info: message".  The
 * level threshold comes from ODP_LOG_LEVEL (debug, info, warn, error).
 * Messages must never contain secrets: connection strings are never logged.
 */
#ifndef ODP_LOG_H
#define ODP_LOG_H

#include <stddef.h>

enum log_level { LOG_DEBUG, LOG_INFO, LOG_WARN, LOG_ERROR };

/* Sets the program name shown on every line; borrows name for ever. */
void log_init(const char *program);
void log_msg(enum log_level level, const char *fmt, ...)
	__attribute__((format(printf, 2, 3)));

#define log_debug(...) log_msg(LOG_DEBUG, __VA_ARGS__)
#define log_info(...) log_msg(LOG_INFO, __VA_ARGS__)
#define log_warn(...) log_msg(LOG_WARN, __VA_ARGS__)
#define log_error(...) log_msg(LOG_ERROR, __VA_ARGS__)

#endif
