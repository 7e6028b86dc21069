/* log_shim.h: the emitter's logging until common/log lands: one line per event on stderr. */
#ifndef LANNER_EMITTER_LOG_SHIM_H
#define LANNER_EMITTER_LOG_SHIM_H

#include <stdio.h>
#include <time.h>

/* Level names follow syslog; every line says which stage wrote it. */
#define lg__(lvl, fmt, ...)                                                                        \
	do {                                                                                       \
		struct timespec lg_ts_;                                                            \
		clock_gettime(CLOCK_REALTIME, &lg_ts_);                                            \
		fprintf(stderr, "%lld.%03ld lanner-emitter %s: " fmt "\n",                         \
			(long long)lg_ts_.tv_sec, lg_ts_.tv_nsec / 1000000L, lvl, ##__VA_ARGS__);  \
	} while (0)
#define lg_err(fmt, ...) lg__("error", fmt, ##__VA_ARGS__)
#define lg_warn(fmt, ...) lg__("warning", fmt, ##__VA_ARGS__)
#define lg_info(fmt, ...) lg__("info", fmt, ##__VA_ARGS__)

#endif
