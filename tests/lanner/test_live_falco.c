/* test_live_falco.c: `lanner` live (eBPF) with Falco's falco_rules.yaml and Redis output:
 * for 14 stable rules an action that must alert and a near miss that must not, each alert
 * read back from Redis (rule, priority, output fields), nothing unexpected from the test's
 * own actions, and the detection latency (event time -> Redis stream entry id) reported.
 *
 * Usage: test_live_falco BUILD_DIR. Root only (LABELS root e2e). The same binary is the
 * actor: run through a symlink with LNR_E2E_ACT set it performs one action (so an action
 * has the process name the rule needs and a command line that names the action).
 *
 * Attribution: every action's process has an id in its command line (or file paths):
 * "<scratch>/r<round>/<key>". An alert whose JSON holds the scratch path comes from the
 * test; it must be exactly one expected trigger of its round, or the test fails. */
#include <errno.h>
#include <fcntl.h>
#include <grp.h>
#include <hiredis/hiredis.h>
#include <jansson.h>
#include <limits.h>
#include <pwd.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/ptrace.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "test_env.h"

#define ROUNDS 3
#define READY_TIMEOUT_S 60  /* pipeline start with falco_rules.yaml compiled 4 times */
#define WARMUP_TIMEOUT_S 20 /* first alert through a fresh pipeline */
#define ALERT_TIMEOUT_S 15  /* all expected alerts of the rounds in Redis */
#define QUIET_MS 1500	    /* after the last expected alert: time for unexpected ones */

extern char **environ;

static char scratch[64]; /* the marker: every action's id starts with it */
static char self_exe[PATH_MAX];
static pid_t lanner_pid, redis_pid;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void msleep(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* ---------------------------------------------------------------------------------------
 * The actor (this binary run through a named symlink with LNR_E2E_ACT=<mode>).
 * argv[0] = the process name, argv[1] = the action id, argv[2...] = the mode's arguments.
 * ------------------------------------------------------------------------------------- */

static int copy_true(const char *dst, int fd_out)
{
	char buf[65536];
	int in = open("/bin/true", O_RDONLY | O_CLOEXEC), out = fd_out;
	ssize_t n;

	if (in < 0)
		return -1;
	if (out < 0)
		out = open(dst, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0755);
	if (out < 0) {
		close(in);
		return -1;
	}
	while ((n = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)n) != n) {
			n = -1;
			break;
		}
	close(in);
	if (fd_out < 0)
		close(out);
	return n < 0 ? -1 : 0;
}

static int wait_child(pid_t p)
{
	int st = 0;

	if (p < 0 || waitpid(p, &st, 0) < 0)
		return -1;
	return WIFEXITED(st) ? WEXITSTATUS(st) : 128 + WTERMSIG(st);
}

static int act_main(const char *mode, int argc, char **argv)
{
	const char *id = argc > 1 ? argv[1] : "";
	const char *a = argc > 2 ? argv[2] : NULL, *b = argc > 3 ? argv[3] : NULL;
	char *const true_argv[] = {(char *)"true", (char *)id, NULL};
	char *envp[] = {NULL};
	int fd;
	pid_t p;

	if (!strcmp(mode, "open-read") && a) {
		fd = open(a, O_RDONLY);
		if (fd >= 0)
			close(fd);
		return 0;
	}
	if (!strcmp(mode, "open-trunc") && a) {
		fd = open(a, O_WRONLY | O_TRUNC);
		return fd >= 0 ? (close(fd), 0) : 1;
	}
	if (!strcmp(mode, "open-append") && a) {
		fd = open(a, O_WRONLY | O_APPEND);
		return fd >= 0 ? (close(fd), 0) : 1;
	}
	if (!strcmp(mode, "spawn-sh")) {
		p = fork();
		if (p == 0) {
			execle("/bin/sh", "sh", "-c", "true", id, (char *)NULL, envp);
			_exit(127);
		}
		return wait_child(p);
	}
	if (!strcmp(mode, "symlink") && a && b) {
		if (symlink(a, b) == 0)
			unlink(b);
		return 0;
	}
	if (!strcmp(mode, "link") && a && b) {
		if (link(a, b) == 0)
			unlink(b); /* EXDEV when /tmp is another file system: the event counts */
		return 0;
	}
	if (!strcmp(mode, "ptrace-attach") || !strcmp(mode, "ptrace-peek")) {
		p = fork();
		if (p == 0) {
			for (;;)
				pause();
		}
		if (p < 0)
			return 1;
		if (!strcmp(mode, "ptrace-attach")) {
			if (ptrace(PTRACE_ATTACH, p, NULL, NULL) == 0) {
				waitpid(p, NULL, 0);
				ptrace(PTRACE_DETACH, p, NULL, NULL);
			}
		} else {
			/* not attached: ESRCH, a ptrace call that is no attach/injection */
			errno = 0;
			ptrace(PTRACE_PEEKDATA, p, NULL, NULL);
		}
		kill(p, SIGKILL);
		waitpid(p, NULL, 0);
		return 0;
	}
	if (!strcmp(mode, "traceme")) {
		ptrace(PTRACE_TRACEME, 0, NULL, NULL);
		return 0;
	}
	if (!strcmp(mode, "peekuser")) {
		ptrace(PTRACE_PEEKUSER, getppid(), NULL, NULL); /* not our tracee: ESRCH */
		return 0;
	}
	if (!strcmp(mode, "exec-copy") && a) {
		char path[PATH_MAX];

		snprintf(path, sizeof(path), "%s/lnre2e%d", a, (int)getpid());
		if (copy_true(path, -1))
			return 1;
		p = fork();
		if (p == 0) {
			char *const av[] = {path, (char *)id, NULL};

			execve(path, av, envp);
			_exit(127);
		}
		int rc = wait_child(p);

		unlink(path);
		return rc;
	}
	if (!strcmp(mode, "memfd-exec")) {
		fd = memfd_create("lnr-e2e", MFD_CLOEXEC);
		if (fd < 0 || copy_true(NULL, fd))
			return 1;
		fexecve(fd, true_argv, envp);
		return 127;
	}
	if (!strcmp(mode, "fd-exec")) {
		fd = open("/bin/true", O_RDONLY | O_CLOEXEC);
		if (fd < 0)
			return 1;
		fexecve(fd, true_argv, envp);
		return 127;
	}
	if (!strcmp(mode, "sysuser") && a) {
		uid_t uid = (uid_t)strtoul(a, NULL, 10);

		p = fork();
		if (p == 0) {
			if (uid && (setgroups(0, NULL) || setgid(uid) || setuid(uid)))
				_exit(126);
			execve("/bin/true", true_argv, envp);
			_exit(127);
		}
		return wait_child(p);
	}
	fprintf(stderr, "test_live_falco: unknown action '%s'\n", mode);
	return 2;
}

/* ---------------------------------------------------------------------------------------
 * Actions: how the test starts each one (in a child it waits for, at most 10 s).
 * ------------------------------------------------------------------------------------- */

/* Run this binary as NAME (a symlink in scratch/bin) in mode MODE with id and args. */
static void exec_as(const char *name, const char *mode, const char *id, const char *a,
		    const char *b)
{
	char path[PATH_MAX];
	char *av[] = {(char *)name, (char *)id, (char *)a, (char *)b, NULL};

	snprintf(path, sizeof(path), "%s/bin/%s", scratch, name);
	setenv("LNR_E2E_ACT", mode, 1);
	execv(path, av);
	_exit(127);
}

static void exec_tool(const char *path, const char *const *args)
{
	execv(path, (char *const *)args);
	_exit(127);
}

static char s_buf[4][PATH_MAX];

/* scratch-relative path (rotating static buffers; valid for the next 3 calls) */
static const char *sp(const char *fmt, ...)
{
	static int k;
	char rel[PATH_MAX / 2];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(rel, sizeof(rel), fmt, ap);
	va_end(ap);
	k = (k + 1) % 4;
	snprintf(s_buf[k], sizeof(s_buf[k]), "%s/%s", scratch, rel);
	return s_buf[k];
}

static uid_t nobody_uid(void)
{
	struct passwd *pw = getpwnam("nobody");

	return pw ? pw->pw_uid : 65534;
}

/* near: 0 = the trigger, 1 = the near miss; id is the action's id (a path) */
typedef void (*act_fn)(const char *id, int near);

static void a_shadow(const char *id, int near)
{
	exec_as("lnr-e2e-reader", "open-read", id, near ? "/etc/hostname" : "/etc/shadow", NULL);
}

static void a_traversal(const char *id, int near)
{
	/* scratch is /tmp/X: three levels up from scratch/a is / */
	exec_as("lnr-e2e-reader", "open-read", id,
		near ? sp("a/../b.txt") : sp("a/../../../etc/hostname"), NULL);
}

static void a_shell(const char *id, int near)
{
	exec_as(near ? "lnr-e2e-web" : "nginx", "spawn-sh", id, NULL, NULL);
}

static void a_privkey(const char *id, int near)
{
	const char *args[] = {
		"grep",	    "-r", "-l", near ? "BEGIN CERTIFICATE" : "BEGIN RSA PRIVATE",
		sp("keys"), id,	  NULL};

	exec_tool("/bin/grep", args);
}

static void a_aws(const char *id, int near)
{
	const char *args[] = {"grep",	  "-r", "-l", near ? "aws_region" : "aws_secret_access_key",
			      sp("keys"), id,	NULL};

	exec_tool("/bin/grep", args);
}

static void a_clearlog(const char *id, int near)
{
	exec_as("lnr-e2e-writer", near ? "open-append" : "open-trunc", id, sp("log/auth.log"),
		NULL);
}

static void a_shred(const char *id, int near)
{
	const char *shred[] = {"shred", "-n", "1", id, NULL};
	const char *rm[] = {"rm", "-f", id, NULL};

	if (near)
		exec_tool("/bin/rm", rm);
	exec_tool("/usr/bin/shred", shred);
}

static void a_symlink(const char *id, int near)
{
	exec_as("lnr-e2e-linker", "symlink", id, near ? "/etc/hostname" : "/etc/shadow", id);
}

static void a_hardlink(const char *id, int near)
{
	exec_as("lnr-e2e-linker", "link", id, near ? "/etc/hostname" : "/etc/shadow", id);
}

static void a_ptrace(const char *id, int near)
{
	exec_as("lnr-e2e-tracer", near ? "ptrace-peek" : "ptrace-attach", id, NULL, NULL);
}

static void a_traceme(const char *id, int near)
{
	exec_as("lnr-e2e-debugme", near ? "peekuser" : "traceme", id, NULL, NULL);
}

static void a_devshm(const char *id, int near)
{
	exec_as("lnr-e2e-dropper", "exec-copy", id, near ? sp("bin") : "/dev/shm", NULL);
}

static void a_memfd(const char *id, int near)
{
	exec_as("lnr-e2e-loader", near ? "fd-exec" : "memfd-exec", id, NULL, NULL);
}

static void a_sysuser(const char *id, int near)
{
	char uid[16];

	snprintf(uid, sizeof(uid), "%u", near ? 0u : (unsigned)nobody_uid());
	exec_as("sshd", "sysuser", id, uid, NULL);
}

/* An output-field check: field, then op and value: "=v" equal, "~v" contains, "^v" starts
 * with; "@" in the value is replaced by the action id, "%" by the scratch path. */
struct check {
	const char *field, *want;
};

struct action {
	const char *key, *rule, *priority;
	act_fn fn;
	struct check checks[5];
};

/* Priorities by Falco's long names as in the JSON. */
static const struct action actions[] = {
	{"shadow",
	 "Read sensitive file untrusted",
	 "Warning",
	 a_shadow,
	 {{"fd.name", "=/etc/shadow"},
	  {"proc.name", "=lnr-e2e-reader"},
	  {"proc.cmdline", "~@"},
	  {"evt.type", "=openat"},
	  {"user.name", "=root"}}},
	{"traversal",
	 "Directory traversal monitored file read",
	 "Warning",
	 a_traversal,
	 {{"fd.name", "=/etc/hostname"},
	  {"fd.nameraw", "=%/a/../../../etc/hostname"},
	  {"proc.name", "=lnr-e2e-reader"},
	  {"proc.cmdline", "~@"}}},
	{"shell",
	 "Run shell untrusted",
	 "Notice",
	 a_shell,
	 {{"proc.name", "=sh"}, {"proc.pname", "=nginx"}, {"proc.cmdline", "=sh -c true @"}}},
	{"privkey",
	 "Search Private Keys or Passwords",
	 "Warning",
	 a_privkey,
	 {{"proc.name", "=grep"}, {"proc.cmdline", "~BEGIN RSA PRIVATE"}, {"proc.cmdline", "~@"}}},
	{"aws",
	 "Find AWS Credentials",
	 "Warning",
	 a_aws,
	 {{"proc.name", "=grep"},
	  {"proc.cmdline", "~aws_secret_access_key"},
	  {"proc.cmdline", "~@"},
	  {"proc.cwd", "^/"}}},
	{"clearlog",
	 "Clear Log Activities",
	 "Warning",
	 a_clearlog,
	 {{"fd.name", "=%/log/auth.log"},
	  {"proc.name", "=lnr-e2e-writer"},
	  {"proc.cmdline", "~@"}}},
	{"shred",
	 "Remove Bulk Data from Disk",
	 "Warning",
	 a_shred,
	 {{"proc.name", "=shred"}, {"proc.cmdline", "=shred -n 1 @"}, {"evt.type", "=execve"}}},
	{"symlink",
	 "Create Symlink Over Sensitive Files",
	 "Warning",
	 a_symlink,
	 {{"evt.arg.target", "=/etc/shadow"},
	  {"evt.arg.linkpath", "=@"},
	  {"proc.name", "=lnr-e2e-linker"}}},
	{"hardlink",
	 "Create Hardlink Over Sensitive Files",
	 "Warning",
	 a_hardlink,
	 {{"evt.arg.oldpath", "=/etc/shadow"},
	  {"evt.arg.newpath", "=@"},
	  {"proc.name", "=lnr-e2e-linker"}}},
	{"ptrace",
	 "PTRACE attached to process",
	 "Warning",
	 a_ptrace,
	 {{"proc.name", "=lnr-e2e-tracer"}, {"evt.type", "=ptrace"}, {"proc.cmdline", "~@"}}},
	{"traceme",
	 "PTRACE anti-debug attempt",
	 "Notice",
	 a_traceme,
	 {{"proc.name", "=lnr-e2e-debugme"}, {"evt.type", "=ptrace"}, {"proc.cmdline", "~@"}}},
	{"devshm",
	 "Execution from /dev/shm",
	 "Warning",
	 a_devshm,
	 {{"proc.exepath", "^/dev/shm/lnre2e"},
	  {"proc.cmdline", "~@"},
	  {"proc.pname", "=lnr-e2e-dropper"}}},
	{"memfd",
	 "Fileless execution via memfd_create",
	 "Critical",
	 a_memfd,
	 {{"proc.cmdline", "~@"}, {"proc.name", "=memfd:lnr-e2e"}}},
	{"sysuser",
	 "System user interactive",
	 "Informational",
	 a_sysuser,
	 {{"user.name", "=nobody"}, {"proc.pname", "=sshd"}, {"proc.cmdline", "=true @"}}},
};
#define NACT (sizeof(actions) / sizeof(actions[0]))

/* Run one action in a child, at most 10 s. */
static int run_action(const struct action *a, const char *id, int near)
{
	pid_t p = fork();
	int st;
	double t0 = now_s();

	if (p < 0)
		return -1;
	if (p == 0) {
		int dn = open("/dev/null", O_RDWR);

		if (dn >= 0) {
			dup2(dn, 1);
			dup2(dn, 2);
		}
		a->fn(id, near);
		_exit(127);
	}
	while (waitpid(p, &st, WNOHANG) == 0) {
		if (now_s() - t0 > 10) {
			fprintf(stderr, "FAIL: action %s (%s) hangs; killed\n", a->key,
				near ? "near miss" : "trigger");
			kill(p, SIGKILL);
			waitpid(p, &st, 0);
			return -1;
		}
		msleep(2);
	}
	return 0;
}

/* ---------------------------------------------------------------------------------------
 * Redis: the alerts the emitter stored (docs/redis-layout.md).
 * ------------------------------------------------------------------------------------- */

struct alert {
	char *rule, *priority, *json;
	json_t *fields; /* output_fields */
	int64_t lat_us; /* stream entry id (ms) - event time */
	int matched;	/* index+1 of the expectation it satisfied */
};

static struct alert *alerts;
static size_t nalerts;

static void alerts_free(void)
{
	for (size_t i = 0; i < nalerts; i++) {
		free(alerts[i].rule);
		free(alerts[i].priority);
		free(alerts[i].json);
		json_decref(alerts[i].fields);
	}
	free(alerts);
	alerts = NULL;
	nalerts = 0;
}

/* Read the whole stream (it is small). 0 or -1. */
static int alerts_load(const char *sock)
{
	struct timeval tv = {2, 0};
	redisContext *c = redisConnectUnixWithTimeout(sock, tv);
	redisReply *r;

	alerts_free();
	if (!c || c->err) {
		fprintf(stderr, "redis: cannot connect to %s\n", sock);
		if (c)
			redisFree(c);
		return -1;
	}
	redisSetTimeout(c, tv);
	r = redisCommand(c, "XRANGE lanner:alerts - +");
	if (!r || r->type != REDIS_REPLY_ARRAY) {
		fprintf(stderr, "redis: XRANGE failed\n");
		freeReplyObject(r);
		redisFree(c);
		return -1;
	}
	alerts = calloc(r->elements + 1, sizeof(*alerts));
	for (size_t i = 0; i < r->elements; i++) {
		redisReply *e = r->element[i], *kv;
		struct alert *a = &alerts[nalerts];
		long long id_ms = 0, time_ns = 0;

		if (e->type != REDIS_REPLY_ARRAY || e->elements != 2)
			continue;
		id_ms = strtoll(e->element[0]->str, NULL, 10);
		kv = e->element[1];
		for (size_t k = 0; k + 1 < kv->elements; k += 2) {
			const char *f = kv->element[k]->str, *v = kv->element[k + 1]->str;

			if (!strcmp(f, "json"))
				a->json = strdup(v);
			else if (!strcmp(f, "rule"))
				a->rule = strdup(v);
			else if (!strcmp(f, "priority"))
				a->priority = strdup(v);
			else if (!strcmp(f, "time_ns"))
				time_ns = strtoll(v, NULL, 10);
		}
		if (!a->json || !a->rule || !a->priority) {
			fprintf(stderr, "redis: entry %s lacks json/rule/priority\n",
				e->element[0]->str);
			continue;
		}
		json_t *j = json_loads(a->json, 0, NULL);

		if (j) {
			a->fields = json_incref(json_object_get(j, "output_fields"));
			json_decref(j);
		}
		a->lat_us = (id_ms * 1000000LL - time_ns) / 1000;
		nalerts++;
	}
	freeReplyObject(r);
	redisFree(c);
	return 0;
}

static const char *field_str(json_t *fields, const char *name, char *tmp, size_t n)
{
	json_t *v = fields ? json_object_get(fields, name) : NULL;

	if (!v)
		return NULL;
	if (json_is_string(v))
		return json_string_value(v);
	if (json_is_integer(v)) {
		snprintf(tmp, n, "%lld", (long long)json_integer_value(v));
		return tmp;
	}
	return json_is_null(v) ? "<NA>" : "?";
}

/* Expand "@" (the id) and "%" (the scratch path) in a check value. */
static void expand(const char *in, const char *id, char *out, size_t n)
{
	size_t o = 0;

	for (; *in && o + 1 < n; in++) {
		const char *s = *in == '@' ? id : *in == '%' ? scratch : NULL;

		if (s) {
			size_t l = strlen(s);

			if (o + l >= n)
				break;
			memcpy(out + o, s, l);
			o += l;
		} else {
			out[o++] = *in;
		}
	}
	out[o] = 0;
}

/* 1 when alert a satisfies every field check of action act with id; else 0 and why. */
static int alert_fits(const struct alert *al, const struct action *act, const char *id, char *why,
		      size_t n)
{
	for (size_t i = 0; i < 5 && act->checks[i].field; i++) {
		const struct check *c = &act->checks[i];
		char want[PATH_MAX], tmp[32];
		const char *have = field_str(al->fields, c->field, tmp, sizeof(tmp));
		int neg = c->want[0] == '!', ok;
		const char *op = c->want + neg;

		expand(op + 1, id, want, sizeof(want));
		if (!have) {
			snprintf(why, n, "output field %s missing", c->field);
			return 0;
		}
		if (*op == '=')
			ok = !strcmp(have, want);
		else if (*op == '~')
			ok = strstr(have, want) != NULL;
		else
			ok = !strncmp(have, want, strlen(want));
		if (ok == neg) {
			snprintf(why, n, "%s is '%s', want %s%c'%s'", c->field, have,
				 neg ? "not " : "", *op, want);
			return 0;
		}
	}
	if (strcmp(al->priority, act->priority)) {
		snprintf(why, n, "priority %s, want %s", al->priority, act->priority);
		return 0;
	}
	return 1;
}

/* ---------------------------------------------------------------------------------------
 * The run.
 * ------------------------------------------------------------------------------------- */

static void cleanup(void)
{
	if (lanner_pid > 0) {
		kill(lanner_pid, SIGTERM);
		for (int i = 0; i < 300 && waitpid(lanner_pid, NULL, WNOHANG) == 0; i++)
			msleep(100);
		kill(lanner_pid, SIGKILL);
		waitpid(lanner_pid, NULL, 0);
		lanner_pid = 0;
	}
	if (redis_pid > 0) {
		kill(redis_pid, SIGTERM);
		waitpid(redis_pid, NULL, 0);
		redis_pid = 0;
	}
	if (scratch[0] && !getenv("LANNER_E2E_KEEP")) {
		char cmd[PATH_MAX];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", scratch);
		if (system(cmd))
			fprintf(stderr, "could not remove %s\n", scratch);
	}
}

static void on_signal(int sig)
{
	(void)sig;
	cleanup();
	_exit(1);
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -1;
	fputs(text, f);
	return fclose(f);
}

static int file_has(const char *path, const char *needle)
{
	char buf[65536];
	FILE *f = fopen(path, "r");
	size_t n;

	if (!f)
		return 0;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = 0;
	return strstr(buf, needle) != NULL;
}

static void tail_file(const char *path)
{
	char cmd[PATH_MAX];

	snprintf(cmd, sizeof(cmd), "tail -n 15 '%s' >&2", path);
	if (system(cmd))
		return;
}

static int start_redis(void)
{
	char sock[PATH_MAX], log[PATH_MAX];

	snprintf(sock, sizeof(sock), "%s/redis.sock", scratch);
	snprintf(log, sizeof(log), "%s/redis.log", scratch);
	redis_pid = fork();
	if (redis_pid < 0)
		return -1;
	if (redis_pid == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND, 0600);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execlp("redis-server", "redis-server", "--port", "0", "--unixsocket", sock,
		       "--unixsocketperm", "777", "--dir", scratch, "--save", "", "--appendonly",
		       "no", "--daemonize", "no", (char *)NULL);
		_exit(127);
	}
	for (int i = 0; i < 200; i++) {
		struct timeval tv = {1, 0};
		redisContext *c = redisConnectUnixWithTimeout(sock, tv);
		int ok = 0;

		if (c && !c->err) {
			redisReply *r = redisCommand(c, "PING");

			ok = r && r->type == REDIS_REPLY_STATUS;
			freeReplyObject(r);
		}
		if (c)
			redisFree(c);
		if (ok)
			return 0;
		msleep(25);
	}
	fprintf(stderr, "FAIL: redis-server did not start (see %s)\n", log);
	tail_file(log);
	return -1;
}

static int cmp_i64(const void *a, const void *b)
{
	int64_t x = *(const int64_t *)a, y = *(const int64_t *)b;

	return x < y ? -1 : x > y;
}

/* expected[r][a]: the alert index+1 matched for round r (ROUNDS = warm-up slot) */
static int matched[ROUNDS + 1][NACT];

/* Match the loaded alerts to expectations; returns how many expectations are met. Every
 * alert that holds the scratch path and matches nothing is reported when report != 0. */
static int match_all(int warmups, int report, int *unexpected)
{
	char id[PATH_MAX], why[512];
	int met = 0;

	memset(matched, 0, sizeof(matched));
	*unexpected = 0;
	for (size_t i = 0; i < nalerts; i++) {
		struct alert *al = &alerts[i];
		int done = 0;

		al->matched = 0;
		if (!strstr(al->json, scratch))
			continue; /* not from this test's actions */
		for (int r = 0; r <= ROUNDS && !done; r++) {
			for (size_t k = 0; k < NACT && !done; k++) {
				const struct action *act = &actions[k];

				if (r == ROUNDS) { /* warm-up triggers: shadow only, w<N> ids */
					if (k != 0)
						continue;
					int w;

					for (w = 0; w < warmups; w++) {
						snprintf(id, sizeof(id), "%s/w%d/%s", scratch, w,
							 act->key);
						if (strstr(al->json, id))
							break;
					}
					if (w == warmups)
						continue;
				} else {
					snprintf(id, sizeof(id), "%s/r%d/%s", scratch, r, act->key);
				}
				/* the id followed by a non-path character: r1/shadow is not
				 * r1/shadowX */
				const char *p = strstr(al->json, id);

				if (!p || p[strlen(id)] == '/' ||
				    (p[strlen(id)] >= 'a' && p[strlen(id)] <= 'z'))
					continue;
				if (strcmp(al->rule, act->rule)) {
					if (report)
						fprintf(stderr,
							"FAIL: unexpected alert '%s' for action "
							"%s: "
							"%s\n",
							al->rule, id, al->json);
					(*unexpected)++;
					done = 1;
					break;
				}
				if (!alert_fits(al, act, id, why, sizeof(why))) {
					if (report)
						fprintf(stderr,
							"FAIL: alert '%s' for %s has wrong fields: "
							"%s\n  %s\n",
							al->rule, id, why, al->json);
					(*unexpected)++;
					done = 1;
					break;
				}
				if (r < ROUNDS && matched[r][k]) {
					if (report)
						fprintf(stderr,
							"FAIL: alert '%s' for %s delivered twice\n",
							al->rule, id);
					(*unexpected)++;
				} else if (r < ROUNDS) {
					matched[r][k] = (int)i + 1;
					met++;
				}
				al->matched = 1;
				done = 1;
			}
		}
		if (!done) {
			if (report)
				fprintf(stderr,
					"FAIL: alert from a near miss or unknown action: %s\n",
					al->json);
			(*unexpected)++;
		}
	}
	return met;
}

static int run(const char *build)
{
	char lanner[PATH_MAX], cfg[PATH_MAX], text[4096], err_log[PATH_MAX], out_log[PATH_MAX],
		sock[128], path[PATH_MAX];
	const char *rules = LANNER_CONFORMANCE_DIR "/falco-rules/falco_rules.yaml";
	static const char *const names[] = {"lnr-e2e-reader",  "nginx",
					    "lnr-e2e-web",     "lnr-e2e-writer",
					    "lnr-e2e-linker",  "lnr-e2e-tracer",
					    "lnr-e2e-debugme", "lnr-e2e-dropper",
					    "lnr-e2e-loader",  "sshd"};
	int warmups = 0, unexpected = 0, met = 0;
	double t0;

	snprintf(lanner, sizeof(lanner), "%s/lanner/lanner", build);
	if (access(lanner, X_OK)) {
		fprintf(stderr, "FAIL: %s not built\n", lanner);
		return 1;
	}
	if (access(rules, R_OK)) {
		fprintf(stderr, "FAIL: %s not readable\n", rules);
		return 1;
	}
	if (system("command -v redis-server >/dev/null")) {
		fprintf(stderr, "FAIL: redis-server not installed (scripts/deps.sh test)\n");
		return 1;
	}
	if (readlink("/proc/self/exe", self_exe, sizeof(self_exe) - 1) < 0)
		return 1;
	snprintf(scratch, sizeof(scratch), "/tmp/lanner-e2e-XXXXXX");
	if (!mkdtemp(scratch)) {
		scratch[0] = 0;
		return 1;
	}
	/* as root, lanner runs its stages as the pipeline user (docs/cli.md, "Least
	 * privilege"): they read the config here and reach the Redis socket */
	chmod(scratch, 0755);
	/* the layout the actions use */
	const char *dirs[] = {"bin", "a", "keys", "log", "run", "spool", NULL};

	for (int i = 0; dirs[i]; i++)
		mkdir(sp("%s", dirs[i]), 0700);
	for (int r = 0; r < ROUNDS; r++)
		mkdir(sp("r%d", r), 0700);
	for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
		if (symlink(self_exe, sp("bin/%s", names[i]))) {
			perror("symlink");
			return 1;
		}
	write_file(sp("b.txt"), "near miss\n");
	write_file(sp("keys/id_rsa"), "-----BEGIN RSA PRIVATE KEY-----\nnot a key\n");
	write_file(sp("keys/credentials"), "[default]\naws_secret_access_key = none\n");
	write_file(sp("log/auth.log"), "log line\n");
	for (int r = 0; r < ROUNDS; r++)
		write_file(sp("r%d/shred", r), "data to shred\n");
	/* near misses live under n<round>/, so their ids never match a trigger's */
	for (int r = 0; r < ROUNDS; r++) {
		mkdir(sp("n%d", r), 0700);
		write_file(sp("n%d/shred", r), "data to remove\n");
	}

	if (start_redis())
		return 1;
	snprintf(sock, sizeof(sock), "%s/redis.sock", scratch);
	snprintf(cfg, sizeof(cfg), "%s/lanner.yaml", scratch);
	snprintf(text, sizeof(text),
		 "json_output: true\n"
		 "stdout_output:\n  enabled: false\n"
		 "syslog_output:\n  enabled: false\n"
		 "watch_config_files: false\n"
		 "log_level: info\n"
		 "lanner:\n  instance: e2e%d\n  run_dir: %s/run\n  ring_size_mb: 16\n"
		 "emitter:\n  intake: ipc://%s/run/alerts.sock\n"
		 "spool:\n  dir: %s/spool\n"
		 "redis:\n  enabled: true\n  address: %s\n"
		 "ui:\n  enabled: false\n",
		 (int)getpid(), scratch, scratch, scratch, sock);
	write_file(cfg, text);
	snprintf(err_log, sizeof(err_log), "%s/lanner.err", scratch);
	snprintf(out_log, sizeof(out_log), "%s/lanner.out", scratch);

	t0 = now_s();
	lanner_pid = fork();
	if (lanner_pid < 0)
		return 1;
	if (lanner_pid == 0) {
		int o = open(out_log, O_WRONLY | O_CREAT | O_TRUNC, 0600);
		int e = open(err_log, O_WRONLY | O_CREAT | O_TRUNC, 0600);

		if (o < 0 || e < 0)
			_exit(127);
		dup2(o, 1);
		dup2(e, 2);
		unsetenv("LANNER_CONFIG");
		execl(lanner, "lanner", "-c", cfg, "-r", rules, "--evaluators", "2", (char *)NULL);
		_exit(127);
	}
	while (!file_has(err_log, "all stages ready")) {
		int st;

		if (waitpid(lanner_pid, &st, WNOHANG) == lanner_pid) {
			lanner_pid = 0;
			fprintf(stderr, "FAIL: lanner exited before it was ready:\n");
			tail_file(err_log);
			return 1;
		}
		if (now_s() - t0 > READY_TIMEOUT_S) {
			fprintf(stderr, "FAIL: lanner not ready within %d s:\n", READY_TIMEOUT_S);
			tail_file(err_log);
			return 1;
		}
		msleep(50);
	}
	printf("lanner ready in %.1f s (falco_rules.yaml, 2 evaluators, Redis %s)\n", now_s() - t0,
	       sock);

	/* Warm-up: the first trigger until its alert is in Redis (the start-up backlog). */
	t0 = now_s();
	for (;;) {
		snprintf(path, sizeof(path), "%s/w%d", scratch, warmups);
		mkdir(path, 0700);
		snprintf(path, sizeof(path), "%s/w%d/%s", scratch, warmups, actions[0].key);
		if (run_action(&actions[0], path, 0))
			return 1;
		warmups++;
		double tw = now_s();
		int seen = 0;

		while (!seen && now_s() - tw < 1.0) {
			msleep(50);
			if (alerts_load(sock))
				return 1;
			for (size_t i = 0; i < nalerts && !seen; i++)
				seen = !strcmp(alerts[i].rule, actions[0].rule) &&
				       strstr(alerts[i].json, scratch);
		}
		if (seen)
			break;
		if (now_s() - t0 > WARMUP_TIMEOUT_S) {
			fprintf(stderr, "FAIL: no alert for '%s' in Redis within %d s (%d tries)\n",
				actions[0].rule, WARMUP_TIMEOUT_S, warmups);
			tail_file(err_log);
			return 1;
		}
	}
	printf("first alert in Redis after %.1f s (%d tries)\n", now_s() - t0, warmups);

	/* The rounds: every trigger, then every near miss. */
	for (int r = 0; r < ROUNDS; r++) {
		for (size_t k = 0; k < NACT; k++) {
			snprintf(path, sizeof(path), "%s/r%d/%s", scratch, r, actions[k].key);
			if (run_action(&actions[k], path, 0))
				return 1;
		}
		for (size_t k = 0; k < NACT; k++) {
			snprintf(path, sizeof(path), "%s/n%d/%s", scratch, r, actions[k].key);
			if (run_action(&actions[k], path, 1))
				return 1;
		}
	}

	/* Wait for every expected alert, then a quiet period for unexpected ones. */
	t0 = now_s();
	for (;;) {
		if (alerts_load(sock))
			return 1;
		met = match_all(warmups, 0, &unexpected);
		if (met == (int)(ROUNDS * NACT) || now_s() - t0 > ALERT_TIMEOUT_S)
			break;
		msleep(100);
	}
	msleep(QUIET_MS);
	if (alerts_load(sock))
		return 1;
	met = match_all(warmups, 1, &unexpected);

	int fail = 0;

	for (size_t k = 0; k < NACT; k++) {
		int got = 0;

		for (int r = 0; r < ROUNDS; r++)
			got += matched[r][k] != 0;
		printf("%s %-40s %-13s %d/%d detected\n", got == ROUNDS ? "ok  " : "FAIL",
		       actions[k].rule, actions[k].priority, got, ROUNDS);
		if (got != ROUNDS) {
			fail = 1;
			/* say what came instead */
			for (size_t i = 0; i < nalerts; i++)
				if (!strcmp(alerts[i].rule, actions[k].rule))
					fprintf(stderr, "  alert of that rule seen: %s\n",
						alerts[i].json);
		}
	}
	if (unexpected)
		fail = 1;

	/* Latency of the rounds' alerts: Redis entry id (ms, commit time) - event time. */
	int64_t lat[ROUNDS * NACT];
	int n = 0;

	for (int r = 0; r < ROUNDS; r++)
		for (size_t k = 0; k < NACT; k++)
			if (matched[r][k])
				lat[n++] = alerts[matched[r][k] - 1].lat_us;
	if (n) {
		qsort(lat, (size_t)n, sizeof(lat[0]), cmp_i64);
		int64_t p50 = lat[(n - 1) / 2], p99 = lat[(n * 99 + 99) / 100 - 1];

		printf("detection latency (event time -> Redis stream entry id, 1 ms resolution), "
		       "n=%d: min %.1f ms, p50 %.1f ms, p99 %.1f ms, max %.1f ms\n",
		       n, lat[0] / 1e3, p50 / 1e3, p99 / 1e3, lat[n - 1] / 1e3);
		/* the event time is the kernel's, converted to the wall clock: an alert
		 * stored before its event (beyond the id's 1 ms granularity) or seconds
		 * late means a broken clock conversion, not a slow pipeline */
		if (lat[0] < -1000 || p99 > 5000000) {
			fprintf(stderr, "FAIL: latency out of range (clock conversion?)\n");
			fail = 1;
		}
	}
	size_t others = 0;

	for (size_t i = 0; i < nalerts; i++)
		others += !strstr(alerts[i].json, scratch);
	printf("%d of %d triggers detected, %d unexpected alerts from the test's %d near misses "
	       "and triggers; %zu other alerts from the machine (not the test's)\n",
	       met, (int)(ROUNDS * NACT), unexpected, (int)(2 * ROUNDS * NACT), others);
	if (fail)
		tail_file(err_log);
	return fail;
}

int main(int argc, char **argv)
{
	const char *mode = getenv("LNR_E2E_ACT");
	int rc;

	if (mode)
		return act_main(mode, argc, argv);
	lnr_test_require_root("test_live_falco");
	if (argc < 2) {
		fprintf(stderr, "usage: test_live_falco BUILD_DIR\n");
		return 2;
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	setvbuf(stdout, NULL, _IOLBF, 0);
	rc = run(argv[1]);
	cleanup();
	printf("%s\n", rc ? "FAIL" : "PASS");
	return rc ? 1 : 0;
}
