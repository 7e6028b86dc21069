/* harness.h: emitter test harness: temp dirs, a private redis-server, the emitter process, alerts. */
#ifndef LANNER_TEST_EMITTER_HARNESS_H
#define LANNER_TEST_EMITTER_HARNESS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <hiredis/hiredis.h>

#include "alert.h"

struct h_redis {
	char dir[256];
	char sock[300];
	pid_t pid;
};

/* A fresh temp directory (under $TMPDIR or /tmp); aborts on failure. */
void h_tmpdir(char *out, size_t n, const char *tag);
/* rm -rf of a test directory. */
void h_rmrf(const char *dir);
/* Starts redis-server on a unix socket in dir (AOF on, so a restart keeps data). */
int h_redis_start(struct h_redis *r, const char *dir);
void h_redis_stop(struct h_redis *r);
redisContext *h_redis_connect(const struct h_redis *r);
/* Runs a command, returns the reply (caller frees); aborts the test on I/O error. */
redisReply *h_cmd(redisContext *c, const char *fmt, ...);
long long h_int(redisContext *c, const char *fmt, ...);

/* Writes a YAML config file; returns its path in out. */
void h_write_file(const char *path, const char *text);
/* Starts lanner-emitter -c cfg (stdout/stderr to dir/emitter.log). */
pid_t h_emitter_start(const char *cfg, const char *logdir);
/* Sends sig and waits for the process (SIGKILL: no cleanup at all). Returns the wait status. */
int h_emitter_stop(pid_t pid, int sig);

/* Alert number i of a test stream: rule "rule-<i%nrules>", field seq=i. */
struct alert *h_alert(unsigned i, unsigned nrules);
/* Sleeps ms milliseconds. */
void h_msleep(unsigned ms);
/* Polls fn until it returns true or timeout_ms passes. */
bool h_wait(bool (*fn)(void *), void *arg, unsigned timeout_ms);
/* Reads a whole file (NUL-terminated, caller frees); NULL if missing. */
char *h_read_file(const char *path, size_t *len);

#endif
