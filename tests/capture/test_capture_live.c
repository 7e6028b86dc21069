/* test_capture_live.c: `lanner capture -w` records live kernel events that Lanner, sysdig and `lanner --replay` read back. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "event.h"
#include "scap_reader.h"
#include "test_env.h"

/*
 * One recording (group setup) while this process opens a marked file, runs a
 * marked binary with a marked argument and connects to a local port; then
 * it is stopped with SIGINT as Ctrl-C would. The tests read it back; the
 * limit tests make recordings of their own. Every wait is bounded: a hang
 * is a failure with a message.
 */

static const char *lanner_bin;
static char work[256], cap[320], marker[320], markbin[320], comm[32];
static pid_t exec_pid;
static uint16_t port;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void msleep(int ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000L};

	nanosleep(&ts, NULL);
}

/* Starts `lanner capture ARGS...` (NULL-terminated), stderr into errpath. */
static pid_t start_capture(const char *errpath, ...)
{
	const char *argv[32];
	int n = 0;
	va_list ap;
	pid_t pid;

	argv[n++] = lanner_bin;
	argv[n++] = "capture";
	va_start(ap, errpath);
	while (n < 31 && (argv[n] = va_arg(ap, const char *)) != NULL)
		n++;
	va_end(ap);
	argv[n] = NULL;
	pid = fork();
	if (pid == 0) {
		int fd = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd >= 0) {
			dup2(fd, 2);
			dup2(fd, 1);
		}
		execv(lanner_bin, (char *const *)argv);
		_exit(127);
	}
	return pid;
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

static void show(const char *path)
{
	char cmd[4200];

	snprintf(cmd, sizeof(cmd), "tail -20 '%s' >&2", path);
	if (system(cmd) != 0)
		fprintf(stderr, "(cannot show %s)\n", path);
}

/* Waits (at most secs) until the capture says it records; fails otherwise. */
static void wait_recording(pid_t pid, const char *errpath, double secs)
{
	double t0 = now_s();
	int status;

	while (now_s() - t0 < secs) {
		if (file_has(errpath, "lanner-collector: writing "))
			return;
		if (waitpid(pid, &status, WNOHANG) == pid) {
			show(errpath);
			fail_msg("lanner capture exited before recording (status %d)", status);
		}
		msleep(50);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	show(errpath);
	fail_msg("lanner capture did not start recording within %.0f s", secs);
}

/* Waits (at most secs) for pid to exit; returns its exit code (-1 killed by us). */
static int wait_exit(pid_t pid, double secs)
{
	double t0 = now_s();
	int status;

	while (now_s() - t0 < secs) {
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
		msleep(20);
	}
	kill(pid, SIGKILL);
	waitpid(pid, &status, 0);
	return -1;
}

/* ------------------------------------------------------------- reading */

struct found {
	int64_t self;
	uint64_t threads, fds, users, ifaces, events;
	uint64_t first_ts, last_ts;
	int self_seeded;    /* our own thread, with our comm, in the process list */
	int self_fd_seeded; /* our stderr (the err file) in the fd list */
	int open_ok, exec_ok, connect_ok;
	int all_self; /* every record is of our process (pid filter) */
	char why[512];
};

static int on_thread(void *ctx, const struct scap_thread_seed *t)
{
	struct found *f = ctx;

	f->threads++;
	if (t->tid == f->self && t->pid == f->self && strcmp(t->comm, comm) == 0 &&
	    t->ptid == getppid() && t->uid == geteuid())
		f->self_seeded = 1;
	return 0;
}

static int on_fd(void *ctx, const struct scap_fd_seed *s)
{
	struct found *f = ctx;

	f->fds++;
	if (s->tid == f->self && s->fd == 3 && s->type == SCAP_FDT_FILE_V2 &&
	    strcmp(s->name, marker) == 0)
		f->self_fd_seeded = 1;
	return 0;
}

static int on_user(void *ctx, const struct scap_user_seed *u)
{
	(void)u;
	((struct found *)ctx)->users++;
	return 0;
}

static int on_iface(void *ctx, const struct scap_iface_seed *i)
{
	(void)i;
	((struct found *)ctx)->ifaces++;
	return 0;
}

static int64_t get_s64(const struct lnr_evt_view *v, const char *name)
{
	int i = lnr_evt_param_index(v->info, name);
	int64_t x;

	return i >= 0 && lnr_evt_get_s64(v, (unsigned)i, &x) == 0 ? x : INT64_MIN;
}

static const char *get_str(const struct lnr_evt_view *v, const char *name)
{
	int i = lnr_evt_param_index(v->info, name);
	const char *s = i >= 0 ? lnr_evt_get_str(v, (unsigned)i) : NULL;

	return s ? s : "";
}

static int on_event(void *ctx, const void *rec, uint32_t len)
{
	struct found *f = ctx;
	struct lnr_evt_view v;
	const char *why = NULL;

	if (lnr_evt_decode(rec, len, &v, &why) != 0) {
		snprintf(f->why, sizeof(f->why), "undecodable record: %s", why);
		return -EBADMSG;
	}
	if (!f->events++)
		f->first_ts = v.hdr->ts;
	if (f->events == 1 || v.hdr->ts > f->last_ts)
		f->last_ts = v.hdr->ts;
	if (f->events == 1)
		f->all_self = 1;
	if (v.hdr->pid != f->self)
		f->all_self = 0;
	switch (v.hdr->type) {
	case LNR_EVT_OPENAT:
	case LNR_EVT_OPEN:
		if (v.hdr->pid == f->self && strcmp(get_str(&v, "name"), marker) == 0 &&
		    get_s64(&v, "fd") >= 0)
			f->open_ok = 1;
		break;
	case LNR_EVT_EXECVE:
		if (v.hdr->pid == exec_pid && get_s64(&v, "res") == 0 &&
		    strcmp(get_str(&v, "comm"), "lanner-mark-bin") == 0 &&
		    get_s64(&v, "ptid") == f->self) {
			uint32_t n = 0;
			int i = lnr_evt_param_index(v.info, "args");
			const uint8_t *a = i >= 0 ? lnr_evt_get_bytes(&v, (unsigned)i, &n) : NULL;

			if (a && n >= 12 && memmem(a, n, "mark-arg-123", 12))
				f->exec_ok = 1;
		}
		break;
	case LNR_EVT_CONNECT: {
		int i = lnr_evt_param_index(v.info, "tuple");
		uint32_t n = 0;
		const uint8_t *p = i >= 0 ? lnr_evt_get_bytes(&v, (unsigned)i, &n) : NULL;
		struct lnr_sockaddr sa;

		if (v.hdr->pid == f->self && get_s64(&v, "res") == 0 && p &&
		    lnr_socktuple_decode(p, n, &sa) == 0 && sa.family == LNR_AF_INET &&
		    sa.dport == port && memcmp(sa.daddr, "\x7f\0\0\1", 4) == 0)
			f->connect_ok = 1;
		break;
	}
	default:
		break;
	}
	return 0;
}

/* Reads a capture whole; returns scap_reader_run()'s value. */
static int read_capture(const char *path, struct found *f)
{
	struct scap_reader_cbs cbs = {.ctx = f,
				      .thread = on_thread,
				      .fd = on_fd,
				      .user = on_user,
				      .iface = on_iface,
				      .event = on_event};
	struct scap_reader *r;
	int rc;

	memset(f, 0, sizeof(*f));
	f->self = getpid();
	r = scap_reader_open(path, &cbs);
	if (!r)
		return -errno;
	rc = scap_reader_run(r);
	if (rc != 0 && !f->why[0])
		snprintf(f->why, sizeof(f->why), "%s", scap_reader_error(r));
	scap_reader_free(r);
	return rc;
}

/* ------------------------------------------------------------ recording */

/* The known actions: open the marker (kept open as fd 3 for the next file's
 * lists), exec the marked binary, connect to a local port. */
static void actions(void)
{
	int fd, l, c;
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);
	int status;

	fd = open(marker, O_RDONLY);
	assert_true(fd >= 0);
	close(fd);
	exec_pid = fork();
	if (exec_pid == 0) {
		execl(markbin, "lanner-mark-bin", "mark-arg-123", (char *)NULL);
		_exit(127);
	}
	assert_int_equal(waitpid(exec_pid, &status, 0), exec_pid);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	l = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(l >= 0);
	assert_int_equal(bind(l, (struct sockaddr *)&a, sizeof(a)), 0);
	assert_int_equal(listen(l, 4), 0);
	assert_int_equal(getsockname(l, (struct sockaddr *)&a, &al), 0);
	port = ntohs(a.sin_port);
	c = socket(AF_INET, SOCK_STREAM, 0);
	assert_true(c >= 0);
	assert_int_equal(connect(c, (struct sockaddr *)&a, sizeof(a)), 0);
	close(c);
	close(l);
}

static int setup(void **state)
{
	char errpath[400], cmd[800];
	pid_t pid;
	int rc, fd;

	(void)state;
	lnr_test_require_root("test_capture_live");
	snprintf(work, sizeof(work), "/tmp/lanner-caplive-XXXXXX");
	if (!mkdtemp(work))
		return -1;
	/* lanner --replay runs its stages as the pipeline user (lanner.user): they
	 * read the config, rules and capture here */
	if (chmod(work, 0755) != 0)
		return -1;
	snprintf(cap, sizeof(cap), "%s/live.scap", work);
	snprintf(marker, sizeof(marker), "%s/lanner-capture-marker", work);
	snprintf(markbin, sizeof(markbin), "%s/lanner-mark-bin", work);
	snprintf(errpath, sizeof(errpath), "%s/live.err", work);
	snprintf(cmd, sizeof(cmd), "echo marker > '%s' && cp /bin/true '%s'", marker, markbin);
	if (system(cmd) != 0)
		return -1;
	fd = open("/proc/self/comm", O_RDONLY);
	rc = fd >= 0 ? (int)read(fd, comm, sizeof(comm) - 1) : -1;
	if (fd >= 0)
		close(fd);
	if (rc <= 0)
		return -1;
	comm[rc - (comm[rc - 1] == '\n')] = 0;
	/* fd 3 (the marker) is open when the recording starts: it must be in the fd list. */
	fd = open(marker, O_RDONLY);
	if (fd != 3 && (fd < 0 || dup2(fd, 3) != 3))
		return -1;
	pid = start_capture(errpath, "-w", cap, "-M", "60", NULL);
	wait_recording(pid, errpath, 60);
	actions();
	msleep(300); /* the BPF buffers are drained every 100 ms */
	kill(pid, SIGINT);
	rc = wait_exit(pid, 30);
	if (rc != 0) {
		show(errpath);
		fprintf(stderr, "lanner capture: exit %d after SIGINT\n", rc);
		return -1;
	}
	return 0;
}

static int teardown(void **state)
{
	char cmd[400];

	(void)state;
	if (work[0] && !getenv("KEEP")) {
		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", work);
		if (system(cmd) != 0)
			return -1;
	}
	return 0;
}

/* (a) Lanner's reader: the lists at the start, and the three actions with their values. */
static void test_reader(void **state)
{
	struct found f;
	int rc;

	(void)state;
	rc = read_capture(cap, &f);
	if (rc != 0)
		fail_msg("reading %s: %d %s", cap, rc, f.why);
	fprintf(stderr,
		"live.scap: %" PRIu64 " threads, %" PRIu64 " fds, %" PRIu64
		" users/groups, %" PRIu64 " interfaces, %" PRIu64 " records\n",
		f.threads, f.fds, f.users, f.ifaces, f.events);
	assert_true(f.self_seeded);
	assert_true(f.self_fd_seeded);
	assert_true(f.users >= 2);   /* root and its group at least */
	assert_true(f.ifaces >= 1);  /* lo */
	assert_true(f.threads >= 3); /* init, our parent, us */
	assert_true(f.open_ok);
	assert_true(f.exec_ok);
	assert_true(f.connect_ok);
}

static int have_sysdig(void)
{
	return system("command -v sysdig >/dev/null 2>&1") == 0;
}

/* (b) sysdig 0.29 reads the file without an error and shows the actions with
 * names from our lists (our process's name is only in the process list). */
static void test_sysdig(void **state)
{
	char cmd[1200], line[4096], want_open[700], want_exec[200], want_conn[200];
	int got_open = 0, got_exec = 0, got_conn = 0, rc;
	FILE *p;

	(void)state;
	if (!have_sysdig()) {
		if (lnr_test_in_ci())
			fail_msg("sysdig missing: scripts/deps.sh test installs it");
		fprintf(stderr, "\n*** test_sysdig: SKIPPED: no sysdig in PATH (apt-get install "
				"--no-install-recommends sysdig) ***\n\n");
		skip();
	}
	snprintf(cmd, sizeof(cmd),
		 "timeout 120 sysdig -r '%s' -p "
		 /* '*': sysdig leaves out lines with an absent field (execve's fd.name) */
		 "'*%%evt.type|%%proc.name|%%proc.pname|%%fd.name|%%evt.res' "
		 "'evt.dir=< and evt.type in (open, openat, execve, connect) and "
		 "(proc.pid=%d or proc.pid=%d)' 2>'%s/sysdig.err'; echo \"rc=$?\"",
		 cap, (int)getpid(), (int)exec_pid, work);
	snprintf(want_open, sizeof(want_open), "openat|%s|", comm);
	snprintf(want_exec, sizeof(want_exec), "execve|lanner-mark-bin|%s|", comm);
	snprintf(want_conn, sizeof(want_conn), "connect|%s|", comm);
	p = popen(cmd, "r");
	assert_non_null(p);
	rc = -1;
	while (fgets(line, sizeof(line), p)) {
		char portstr[16];

		snprintf(portstr, sizeof(portstr), ":%u|", port);
		if (strncmp(line, want_open, strlen(want_open)) == 0 && strstr(line, marker) &&
		    strstr(line, "|SUCCESS"))
			got_open = 1;
		if (strncmp(line, want_exec, strlen(want_exec)) == 0 && strstr(line, "|SUCCESS"))
			got_exec = 1;
		if (strncmp(line, want_conn, strlen(want_conn)) == 0 && strstr(line, "127.0.0.1") &&
		    strstr(line, portstr) && strstr(line, "|SUCCESS"))
			got_conn = 1;
		if (strncmp(line, "rc=", 3) == 0)
			rc = atoi(line + 3);
	}
	pclose(p);
	snprintf(cmd, sizeof(cmd), "%s/sysdig.err", work);
	if (rc != 0 || !got_open || !got_exec || !got_conn) {
		show(cmd);
		fail_msg("sysdig -r: rc=%d open %d exec %d connect %d (port %u)", rc, got_open,
			 got_exec, got_conn, port);
	}
	{
		struct stat sb;

		assert_int_equal(stat(cmd, &sb), 0);
		if (sb.st_size != 0) {
			show(cmd);
			fail_msg("sysdig -r wrote errors");
		}
	}
}

/* Raw events of the file that sysdig 0.29 knows (codes < 336), in file order. */
struct rawlist {
	uint64_t *ts;
	int64_t *tid;
	char *dir;
	size_t n, cap;
};

static int on_raw(void *ctx, const struct scap_raw_evt *e)
{
	struct rawlist *l = ctx;

	if (e->code >= 336)
		return 0;
	if (l->n == l->cap) {
		l->cap = l->cap ? l->cap * 2 : 8192;
		l->ts = realloc(l->ts, l->cap * sizeof(*l->ts));
		l->tid = realloc(l->tid, l->cap * sizeof(*l->tid));
		l->dir = realloc(l->dir, l->cap);
		assert_true(l->ts && l->tid && l->dir);
	}
	l->ts[l->n] = e->ts;
	l->tid[l->n] = e->tid;
	l->dir[l->n] = e->code % 2 ? '<' : '>'; /* libscap: enter even, exit odd */
	l->n++;
	return 0;
}

/* (b) sysdig parses every event of the live recording: its event N is our
 * Nth raw event of a code it knows, with the same time, thread and direction,
 * and it shows them all. */
static void test_sysdig_every_event(void **state)
{
	struct rawlist l = {0};
	struct scap_reader_cbs cbs = {.ctx = &l, .raw = on_raw};
	struct scap_reader *r;
	char cmd[1200], line[512];
	size_t rows = 0, bad = 0;
	FILE *p;

	(void)state;
	if (!have_sysdig()) {
		if (lnr_test_in_ci())
			fail_msg("sysdig missing: scripts/deps.sh test installs it");
		skip();
	}
	r = scap_reader_open(cap, &cbs);
	assert_non_null(r);
	assert_int_equal(scap_reader_run(r), 0);
	scap_reader_free(r);
	snprintf(cmd, sizeof(cmd),
		 "timeout 120 sysdig -r '%s' -p '*%%evt.num %%evt.rawtime %%thread.tid %%evt.dir' "
		 "2>/dev/null",
		 cap);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		unsigned long long num, ts;
		long long tid;
		char dir;

		if (sscanf(line, "%llu %llu %lld %c", &num, &ts, &tid, &dir) != 4) {
			if (bad++ < 5)
				fprintf(stderr, "sysdig row: %s", line);
			continue;
		}
		rows++;
		if (num < 1 || num > l.n || l.ts[num - 1] != ts || l.tid[num - 1] != tid ||
		    l.dir[num - 1] != dir) {
			if (bad++ < 5)
				fprintf(stderr, "sysdig event %llu: ts %llu tid %lld %c, ours %s\n",
					num, ts, tid, dir,
					num >= 1 && num <= l.n ? "differs" : "missing");
		}
	}
	assert_int_equal(pclose(p), 0);
	fprintf(stderr, "sysdig shows %zu of our %zu events (codes < 336)\n", rows, l.n);
	assert_int_equal(bad, 0);
	assert_int_equal(rows, l.n);
	assert_true(rows > 100);
	free(l.ts);
	free(l.tid);
	free(l.dir);
}

/* (c) `lanner --replay` of the recording alerts on rules matching the actions. */
static void test_replay_alerts(void **state)
{
	char path[400], cmd[4096];
	FILE *f;
	int rc;

	(void)state;
	snprintf(path, sizeof(path), "%s/rules.yaml", work);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
		"- rule: Capture marker opened\n"
		"  desc: t\n"
		"  condition: evt.type in (open, openat) and fd.name = %s\n"
		"  output: \"marker opened (proc=%%proc.name file=%%fd.name)\"\n"
		"  priority: WARNING\n"
		"- rule: Capture marked exec\n"
		"  desc: t\n"
		"  condition: evt.type = execve and proc.name = lanner-mark-bin and proc.pname = "
		"%s\n"
		"  output: \"marked exec (cmd=%%proc.cmdline)\"\n"
		"  priority: WARNING\n",
		marker, comm);
	fclose(f);
	snprintf(path, sizeof(path), "%s/lanner.yaml", work);
	f = fopen(path, "w");
	assert_non_null(f);
	fprintf(f,
		"json_output: true\nstdout_output:\n  enabled: true\nsyslog_output:\n  enabled: "
		"false\nlog_level: notice\nwatch_config_files: false\nlanner:\n  instance: "
		"caplive%d\n  run_dir: %s/run\n  ring_size_mb: 4\nemitter:\n  intake: "
		"ipc://%s/run/alerts.sock\nspool:\n  dir: %s/spool\n",
		(int)getpid(), work, work, work);
	fclose(f);
	snprintf(
		cmd, sizeof(cmd),
		"mkdir -p '%s/spool' && timeout 120 '%s' -c '%s' -r '%s/rules.yaml' --evaluators 1 "
		"--replay '%s' > '%s/replay.out' 2> '%s/replay.err'",
		work, lanner_bin, path, work, cap, work, work);
	rc = system(cmd);
	snprintf(path, sizeof(path), "%s/replay.out", work);
	snprintf(cmd, sizeof(cmd), "%s/lanner-mark-bin mark-arg-123", work);
	if (rc != 0 || !file_has(path, "\"rule\":\"Capture marker opened\"") ||
	    !file_has(path, marker) || !file_has(path, "\"rule\":\"Capture marked exec\"") ||
	    !file_has(path, "lanner-mark-bin mark-arg-123")) {
		show(path);
		snprintf(path, sizeof(path), "%s/replay.err", work);
		show(path);
		fail_msg("lanner --replay: status %d, alerts missing", rc);
	}
}

/* Continuous open/close of the marker for secs seconds (load for the limit tests),
 * or until pid exits; returns pid's exit code (-1: still running after secs + 30 s). */
static int load_until_exit(pid_t pid, double secs)
{
	double t0 = now_s();
	int status;

	while (now_s() - t0 < secs) {
		int fd = open(marker, O_RDONLY);

		if (fd >= 0)
			close(fd);
		usleep(50);
		if (waitpid(pid, &status, WNOHANG) == pid)
			return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
	}
	return wait_exit(pid, 30);
}

/* (d) size limit with 3 files kept: cycling names, each file a whole capture
 * with its own lists, every closed one at the limit, time order kept. */
static void test_rotation_size(void **state)
{
	char base[400], errpath[400], name[420];
	struct found f[4];
	uint64_t files = 0;
	pid_t pid;
	int rc;
	FILE *e;
	char line[1024];

	(void)state;
	snprintf(base, sizeof(base), "%s/rot.scap", work);
	snprintf(errpath, sizeof(errpath), "%s/rot.err", work);
	pid = start_capture(errpath, "-w", base, "-C", "1", "-W", "3", "-M", "3", NULL);
	wait_recording(pid, errpath, 60);
	rc = load_until_exit(pid, 10);
	if (rc != 0) {
		show(errpath);
		fail_msg("lanner capture -C -W -M: exit %d", rc);
	}
	e = fopen(errpath, "r");
	assert_non_null(e);
	while (fgets(line, sizeof(line), e)) {
		const char *p = strstr(line, " file(s)");

		if (p) {
			while (p > line && p[-1] >= '0' && p[-1] <= '9')
				p--;
			files = strtoull(p, NULL, 10);
		}
	}
	fclose(e);
	fprintf(stderr, "rotation by size: %" PRIu64 " files written\n", files);
	assert_true(files >= 4); /* the names have cycled */
	snprintf(name, sizeof(name), "%s3", base);
	assert_int_not_equal(access(name, F_OK), 0);
	assert_int_not_equal(access(base, F_OK), 0);
	for (unsigned k = 0; k < 3; k++) {
		struct stat sb;

		snprintf(name, sizeof(name), "%s%u", base, k);
		rc = read_capture(name, &f[k]);
		if (rc != 0)
			fail_msg("%s: %d %s", name, rc, f[k].why);
		assert_true(f[k].threads >= 3 && f[k].users >= 2);
		assert_true(f[k].events > 0);
		assert_int_equal(stat(name, &sb), 0);
		/* a closed file holds the limit and not much more (one event) */
		if (k != (files - 1) % 3 &&
		    (sb.st_size < 1000000 || sb.st_size >= 1000000 + 100000))
			fail_msg("%s: %lld bytes, limit 1000000", name, (long long)sb.st_size);
	}
	/* the oldest kept file ends before the newest begins */
	{
		unsigned newest = (unsigned)((files - 1) % 3), oldest = (unsigned)(files % 3);

		assert_true(f[oldest].last_ts <= f[newest].first_ts + 50000000ull);
	}
}

/* (d) duration limit: a new file every second of event time. */
static void test_rotation_duration(void **state)
{
	char base[400], errpath[400], name[420];
	pid_t pid;
	int rc;
	unsigned k;

	(void)state;
	snprintf(base, sizeof(base), "%s/dur.scap", work);
	snprintf(errpath, sizeof(errpath), "%s/dur.err", work);
	pid = start_capture(errpath, "-w", base, "-G", "1", "-M", "3.5", NULL);
	wait_recording(pid, errpath, 60);
	rc = load_until_exit(pid, 10);
	if (rc != 0) {
		show(errpath);
		fail_msg("lanner capture -G -M: exit %d", rc);
	}
	for (k = 0;; k++) {
		struct found f;

		snprintf(name, sizeof(name), "%s%u", base, k);
		if (access(name, F_OK) != 0)
			break;
		rc = read_capture(name, &f);
		if (rc != 0)
			fail_msg("%s: %d %s", name, rc, f.why);
		assert_true(f.threads >= 3);
		/* events of other CPUs may come a few ms out of order */
		if (f.last_ts - f.first_ts >= 1100000000ull)
			fail_msg("%s spans %.3f s", name, (double)(f.last_ts - f.first_ts) / 1e9);
	}
	fprintf(stderr, "rotation by duration: %u files\n", k);
	assert_true(k >= 3 && k <= 5);
}

/* (d) event count, pid filter and gzip: the process ends by itself after
 * exactly N records, all of this process. */
static void test_count_pid_gzip(void **state)
{
	char path[400], errpath[400], pidstr[16];
	struct found f;
	unsigned char magic[2] = {0};
	pid_t pid;
	int rc;
	FILE *g;

	(void)state;
	snprintf(path, sizeof(path), "%s/count.scap.gz", work);
	snprintf(errpath, sizeof(errpath), "%s/count.err", work);
	snprintf(pidstr, sizeof(pidstr), "%d", (int)getpid());
	pid = start_capture(errpath, "-w", path, "-n", "40", "--pid", pidstr, "-z", "-M", "60",
			    NULL);
	wait_recording(pid, errpath, 60);
	rc = load_until_exit(pid, 20);
	if (rc != 0) {
		show(errpath);
		fail_msg("lanner capture -n: exit %d (did not stop after 40 events?)", rc);
	}
	g = fopen(path, "rb");
	assert_non_null(g);
	assert_int_equal(fread(magic, 1, 2, g), 2);
	fclose(g);
	assert_true(magic[0] == 0x1f && magic[1] == 0x8b);
	rc = read_capture(path, &f);
	if (rc != 0)
		fail_msg("%s: %d %s", path, rc, f.why);
	assert_int_equal(f.events, 40);
	assert_true(f.all_self);
	assert_true(f.self_seeded);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_reader),
		cmocka_unit_test(test_sysdig),
		cmocka_unit_test(test_sysdig_every_event),
		cmocka_unit_test(test_replay_alerts),
		cmocka_unit_test(test_rotation_size),
		cmocka_unit_test(test_rotation_duration),
		cmocka_unit_test(test_count_pid_gzip),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: test_capture_live PATH/TO/lanner\n");
		return 2;
	}
	lanner_bin = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
