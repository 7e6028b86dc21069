/* log.h: leveled logging to stderr and/or syslog, as Falco's log_stderr/log_syslog/log_level. */
#ifndef LANNER_LOG_H
#define LANNER_LOG_H

#include <stdarg.h>
#include <stdbool.h>

struct cfg;

/* Falco's log_level names, in syslog's order (the values are syslog priorities). */
enum log_level {
	LOG_LVL_EMERGENCY = 0,
	LOG_LVL_ALERT = 1,
	LOG_LVL_CRITICAL = 2,
	LOG_LVL_ERROR = 3,
	LOG_LVL_WARNING = 4,
	LOG_LVL_NOTICE = 5,
	LOG_LVL_INFO = 6,
	LOG_LVL_DEBUG = 7,
};

/* Longest message kept; longer ones are cut and end with "...". */
#define LOG_MAX_MSG 2048

/*
 * A sink receives every message that passes the level filter, already
 * formatted (without time or prefix); it is called with the log lock held,
 * so it must not log itself. Used by tests and by stages that forward logs.
 */
typedef void (*log_sink_fn)(void *ctx, enum log_level level, const char *stage, const char *msg);

/*
 * Before any setup, messages of level info and more severe go to stderr with
 * the stage name "lanner". Everything here is thread-safe: a message is
 * written with one write(2), so lines from threads and processes sharing
 * stderr never interleave (up to PIPE_BUF bytes).
 *
 * stderr line format:  2026-11-28T13:27:54.123Z lanner-collector[1234]: warning: text
 * syslog:              ident = stage name, LOG_PID, facility LOG_USER (as Falco), priority = level.
 */

/* Sets the stage name ("collector", "evaluator.2", ...); copied, at most 63 bytes. */
void log_set_stage(const char *stage);
/* Messages less severe than level are dropped. */
void log_set_level(enum log_level level);
enum log_level log_get_level(void);
/* Enables/disables the two outputs (Falco's log_stderr and log_syslog). */
void log_set_stderr(bool on);
void log_set_syslog(bool on);
/* Redirects the stderr output to fd (tests); -1 restores 2. The fd is not owned. */
void log_set_fd(int fd);
/* Adds a sink called for every message kept (NULL removes it). */
void log_set_sink(log_sink_fn fn, void *ctx);

/*
 * Reads log_level (default "info"), log_stderr (default true) and
 * log_syslog (default true) from cfg, as Falco does, and applies them with
 * stage as the name. Returns 0 or -EINVAL (a bad value, reported by cfg).
 */
int log_setup(struct cfg *cfg, const char *stage);

/* Level from its Falco name ("warning", case-insensitive); -1 if unknown. */
int log_level_from_name(const char *name);
/* Falco name of a level ("warning"); "unknown" if out of range. */
const char *log_level_name(enum log_level level);

/* True when messages of level would be kept (to skip costly formatting). */
bool log_enabled(enum log_level level);

void log_printf(enum log_level level, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
void log_vprintf(enum log_level level, const char *fmt, va_list ap)
	__attribute__((format(printf, 2, 0)));

#define log_emergencyf(...) log_printf(LOG_LVL_EMERGENCY, __VA_ARGS__)
#define log_alertf(...) log_printf(LOG_LVL_ALERT, __VA_ARGS__)
#define log_criticalf(...) log_printf(LOG_LVL_CRITICAL, __VA_ARGS__)
#define log_errorf(...) log_printf(LOG_LVL_ERROR, __VA_ARGS__)
#define log_warningf(...) log_printf(LOG_LVL_WARNING, __VA_ARGS__)
#define log_noticef(...) log_printf(LOG_LVL_NOTICE, __VA_ARGS__)
#define log_infof(...) log_printf(LOG_LVL_INFO, __VA_ARGS__)
#define log_debugf(...) log_printf(LOG_LVL_DEBUG, __VA_ARGS__)

#endif
