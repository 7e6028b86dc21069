/* log.c: leveled logging to stderr and/or syslog, one write per line, thread-safe. */
#include "log.h"

#include <errno.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <string.h>
#include <strings.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "config.h"

static const char *const level_names[] = {
	"emergency", "alert", "critical", "error", "warning", "notice", "info", "debug", NULL,
};

/* The level is read without the lock on every call: an atomic, relaxed is enough. */
static _Atomic int cur_level = LOG_LVL_INFO;

/* Everything else changes rarely and is read under the lock. */
static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static char stage_name[64] = "lanner";
static bool to_stderr = true;
static bool to_syslog = false; /* until log_setup: no syslog from tests and tools */
static bool syslog_open;
static int out_fd = 2;
static log_sink_fn sink;
static void *sink_ctx;

void log_set_stage(const char *stage)
{
	pthread_mutex_lock(&lock);
	snprintf(stage_name, sizeof(stage_name), "%s", stage && *stage ? stage : "lanner");
	if (syslog_open) {
		/* openlog keeps the pointer: stage_name is static and stays valid */
		closelog();
		openlog(stage_name, LOG_PID | LOG_NDELAY, LOG_USER);
	}
	pthread_mutex_unlock(&lock);
}

void log_set_level(enum log_level level)
{
	atomic_store_explicit(&cur_level, (int)level, memory_order_relaxed);
}

enum log_level log_get_level(void)
{
	return (enum log_level)atomic_load_explicit(&cur_level, memory_order_relaxed);
}

void log_set_stderr(bool on)
{
	pthread_mutex_lock(&lock);
	to_stderr = on;
	pthread_mutex_unlock(&lock);
}

void log_set_syslog(bool on)
{
	pthread_mutex_lock(&lock);
	to_syslog = on;
	if (on && !syslog_open) {
		openlog(stage_name, LOG_PID | LOG_NDELAY, LOG_USER);
		syslog_open = true;
	} else if (!on && syslog_open) {
		closelog();
		syslog_open = false;
	}
	pthread_mutex_unlock(&lock);
}

void log_set_fd(int fd)
{
	pthread_mutex_lock(&lock);
	out_fd = fd < 0 ? 2 : fd;
	pthread_mutex_unlock(&lock);
}

void log_set_sink(log_sink_fn fn, void *ctx)
{
	pthread_mutex_lock(&lock);
	sink = fn;
	sink_ctx = ctx;
	pthread_mutex_unlock(&lock);
}

int log_level_from_name(const char *name)
{
	int i;

	for (i = 0; level_names[i]; i++)
		if (!strcasecmp(name, level_names[i]))
			return i;
	return -1;
}

const char *log_level_name(enum log_level level)
{
	if ((int)level < 0 || level > LOG_LVL_DEBUG)
		return "unknown";
	return level_names[level];
}

bool log_enabled(enum log_level level)
{
	return (int)level <= atomic_load_explicit(&cur_level, memory_order_relaxed);
}

int log_setup(struct cfg *cfg, const char *stage)
{
	unsigned before = cfg_error_count(cfg);
	int level = cfg_get_enum(cfg, "log_level", level_names, LOG_LVL_INFO);
	bool err_on = cfg_get_bool(cfg, "log_stderr", true);
	bool sys_on = cfg_get_bool(cfg, "log_syslog", true);

	if (stage)
		log_set_stage(stage);
	log_set_level((enum log_level)level);
	log_set_stderr(err_on);
	log_set_syslog(sys_on);
	return cfg_error_count(cfg) == before ? 0 : -EINVAL;
}

static void write_all(int fd, const char *buf, size_t len)
{
	while (len) {
		ssize_t r = write(fd, buf, len);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			return; /* nowhere to report a failing stderr */
		}
		buf += r;
		len -= (size_t)r;
	}
}

void log_vprintf(enum log_level level, const char *fmt, va_list ap)
{
	char msg[LOG_MAX_MSG], line[LOG_MAX_MSG + 160];
	int saved_errno = errno; /* so that "%m" and callers' errno survive */
	struct timespec ts;
	struct tm tm;
	size_t n;
	int r;

	if ((int)level < LOG_LVL_EMERGENCY)
		level = LOG_LVL_EMERGENCY;
	if (level > LOG_LVL_DEBUG)
		level = LOG_LVL_DEBUG;
	if (!log_enabled(level))
		return;
	r = vsnprintf(msg, sizeof(msg), fmt, ap);
	if (r < 0) {
		snprintf(msg, sizeof(msg), "(bad log format)");
	} else if ((size_t)r >= sizeof(msg)) {
		memcpy(msg + sizeof(msg) - 4, "...", 4);
	}
	/* one line per message: a newline inside would let text forge log lines */
	for (n = 0; msg[n]; n++)
		if (msg[n] == '\n' || msg[n] == '\r')
			msg[n] = ' ';

	clock_gettime(CLOCK_REALTIME, &ts);
	gmtime_r(&ts.tv_sec, &tm);

	pthread_mutex_lock(&lock);
	if (to_stderr) {
		r = snprintf(line, sizeof(line),
			     "%04d-%02d-%02dT%02d:%02d:%02d.%03ldZ %s[%ld]: %s: %s\n",
			     tm.tm_year + 1900, tm.tm_mon + 1, tm.tm_mday, tm.tm_hour, tm.tm_min,
			     tm.tm_sec, ts.tv_nsec / 1000000, stage_name, (long)getpid(),
			     level_names[level], msg);
		n = r < 0 ? 0 : (size_t)r >= sizeof(line) ? sizeof(line) - 1 : (size_t)r;
		if (n && line[n - 1] != '\n')
			line[n - 1] = '\n';
		write_all(out_fd, line, n);
	}
	if (to_syslog)
		syslog((int)level, "%s", msg);
	if (sink)
		sink(sink_ctx, level, stage_name, msg);
	pthread_mutex_unlock(&lock);
	errno = saved_errno;
}

void log_printf(enum log_level level, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	log_vprintf(level, fmt, ap);
	va_end(ap);
}
