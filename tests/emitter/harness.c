/* harness.c: emitter test harness (see harness.h). */
#include "harness.h"

#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

/* Children still running when the test process exits (a failed assertion skips the test's own
 * cleanup) are killed then: no redis-server or emitter outlives its test. */
#define MAX_CHILDREN 64
static pid_t children[MAX_CHILDREN];

static void reap_children(void)
{
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] > 0) {
			kill(children[i], SIGKILL);
			waitpid(children[i], NULL, 0);
			children[i] = 0;
		}
	}
}

static void child_add(pid_t pid)
{
	static int registered;

	if (!registered) {
		atexit(reap_children);
		registered = 1;
	}
	for (int i = 0; i < MAX_CHILDREN; i++) {
		if (children[i] <= 0) {
			children[i] = pid;
			return;
		}
	}
}

static void child_del(pid_t pid)
{
	for (int i = 0; i < MAX_CHILDREN; i++)
		if (children[i] == pid)
			children[i] = 0;
}

static void die(const char *what)
{
	fprintf(stderr, "harness: %s: %s\n", what, strerror(errno));
	exit(1);
}

void h_msleep(unsigned ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	while (nanosleep(&ts, &ts) && errno == EINTR)
		;
}

void h_tmpdir(char *out, size_t n, const char *tag)
{
	const char *base = getenv("TMPDIR");

	snprintf(out, n, "%s/lnr-%s-XXXXXX", base && *base ? base : "/tmp", tag);
	if (!mkdtemp(out))
		die("mkdtemp");
}

void h_rmrf(const char *dir)
{
	char cmd[600];

	if (!dir || strlen(dir) < 8 || strstr(dir, "/lnr-") == NULL)
		return; /* only our own temp directories */
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (system(cmd) != 0)
		fprintf(stderr, "harness: could not remove %s\n", dir);
}

int h_redis_start(struct h_redis *r, const char *dir)
{
	snprintf(r->dir, sizeof(r->dir), "%s", dir);
	snprintf(r->sock, sizeof(r->sock), "%s/redis.sock", dir);
	r->pid = fork();
	if (r->pid < 0)
		die("fork");
	if (r->pid == 0) {
		char log[400];
		snprintf(log, sizeof(log), "%s/redis.log", dir);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", r->sock,
		       "--unixsocketperm", "700", "--dir", dir, "--save", "", "--appendonly", "yes",
		       "--appendfsync", "always", "--daemonize", "no", (char *)NULL);
		_exit(127);
	}
	child_add(r->pid);
	for (int i = 0; i < 200; i++) {
		redisContext *c = redisConnectUnix(r->sock);
		if (c && !c->err) {
			redisReply *rep = redisCommand(c, "PING");
			bool ok = rep && rep->type == REDIS_REPLY_STATUS;
			freeReplyObject(rep);
			redisFree(c);
			if (ok)
				return 0;
		} else if (c) {
			redisFree(c);
		}
		h_msleep(25);
	}
	fprintf(stderr, "harness: redis-server did not start (see %s/redis.log)\n", dir);
	return -1;
}

void h_redis_stop(struct h_redis *r)
{
	if (r->pid > 0) {
		kill(r->pid, SIGTERM);
		waitpid(r->pid, NULL, 0);
		child_del(r->pid);
	}
	r->pid = 0;
}

redisContext *h_redis_connect(const struct h_redis *r)
{
	redisContext *c = redisConnectUnix(r->sock);

	if (!c || c->err) {
		fprintf(stderr, "harness: connect %s failed\n", r->sock);
		exit(1);
	}
	return c;
}

static redisReply *vcmd(redisContext *c, const char *fmt, va_list ap)
{
	redisReply *rep = redisvCommand(c, fmt, ap);

	if (!rep) {
		fprintf(stderr, "harness: redis: %s\n", c->errstr);
		exit(1);
	}
	return rep;
}

redisReply *h_cmd(redisContext *c, const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	redisReply *r = vcmd(c, fmt, ap);
	va_end(ap);
	return r;
}

long long h_int(redisContext *c, const char *fmt, ...)
{
	va_list ap;
	long long v = -1;

	va_start(ap, fmt);
	redisReply *r = vcmd(c, fmt, ap);
	va_end(ap);
	if (r->type == REDIS_REPLY_INTEGER)
		v = r->integer;
	else if (r->type == REDIS_REPLY_STRING)
		v = atoll(r->str);
	else if (r->type == REDIS_REPLY_NIL)
		v = 0;
	freeReplyObject(r);
	return v;
}

void h_write_file(const char *path, const char *text)
{
	FILE *fp = fopen(path, "w");

	if (!fp || fputs(text, fp) < 0 || fclose(fp))
		die(path);
}

pid_t h_emitter_start(const char *cfg, const char *logdir)
{
	pid_t pid = fork();

	if (pid < 0)
		die("fork");
	if (pid == 0) {
		char log[400];
		snprintf(log, sizeof(log), "%s/emitter.log", logdir);
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0)
			dup2(fd, 2);
		char out[400];
		snprintf(out, sizeof(out), "%s/emitter.stdout", logdir);
		fd = open(out, O_WRONLY | O_CREAT | O_APPEND, 0600);
		if (fd >= 0)
			dup2(fd, 1);
		execl(LANNER_EMITTER_BIN, "lanner-emitter", "-c", cfg, (char *)NULL);
		_exit(127);
	}
	child_add(pid);
	return pid;
}

int h_emitter_stop(pid_t pid, int sig)
{
	int st = 0;

	if (pid <= 0)
		return -1;
	kill(pid, sig);
	waitpid(pid, &st, 0);
	child_del(pid);
	return st;
}

struct alert *h_alert(unsigned i, unsigned nrules)
{
	struct alert *a = alert_new();
	char rule[64], out[128];

	if (!a)
		die("alert_new");
	snprintf(rule, sizeof(rule), "rule-%u", nrules ? i % nrules : i);
	snprintf(out, sizeof(out), "Test alert %u | seq=%u", i, i);
	alert_set_rule(a, rule);
	alert_set_source(a, "syscall");
	alert_set_hostname(a, "testhost");
	alert_set_output(a, out);
	a->priority = (enum alert_priority)(i % 8);
	a->time_ns = 1795868946000000000ull + (uint64_t)i * 1000u;
	alert_add_tag(a, "test");
	alert_add_tag(a, i % 2 ? "odd" : "even");
	alert_add_uint64(a, "seq", i);
	alert_add_string(a, "proc.name", "cat");
	return a;
}

bool h_wait(bool (*fn)(void *), void *arg, unsigned timeout_ms)
{
	for (unsigned t = 0; t < timeout_ms; t += 20) {
		if (fn(arg))
			return true;
		h_msleep(20);
	}
	return fn(arg);
}

char *h_read_file(const char *path, size_t *len)
{
	FILE *fp = fopen(path, "rb");
	char *buf = NULL;
	size_t n = 0, cap = 0;

	if (!fp)
		return NULL;
	for (;;) {
		if (n + 65536 + 1 > cap) {
			cap = cap ? cap * 2 : 131072;
			char *p = realloc(buf, cap);
			if (!p)
				die("realloc");
			buf = p;
		}
		size_t r = fread(buf + n, 1, cap - n - 1, fp);
		n += r;
		if (r == 0)
			break;
	}
	fclose(fp);
	buf[n] = '\0';
	if (len)
		*len = n;
	return buf;
}
