/* bench_ctl.c: ctl (nng ipc) alert throughput and request round trips, against raw Unix sockets. */
/*
 * Two processes (fork), in a temporary run directory:
 *   push/pull  the child sends N frames of SIZE bytes (CTL_MSG_ALERT) on a PUSH
 *              socket, the parent receives them on PULL: frames/s.
 *   req/rep    the parent sends a frame of SIZE bytes as a request, the child
 *              answers with an empty OK frame: round trips/s (and us each).
 * The peer, in the same run: the same traffic over a raw AF_UNIX
 * SOCK_SEQPACKET socket pair's worth of connect/accept (one-way stream of
 * messages, and ping-pong), i.e. what the kernel alone costs. Sizes 256 B and
 * 2 KiB (an alert with its output fields is typically 0.5-2 KiB). Figures are
 * medians of --runs runs (default 5).
 *
 * Usage: bench_ctl [--runs N]
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"

#define MAX_RUNS 31
#define STREAM_N 20000
#define PINGPONG_N 5000

static char run_dir[64];

/*
 * nng is not fork-safe (a child that uses it after fork panics): children are
 * this program again, exec'd with a role.
 */
static pid_t spawn(const char *role, size_t size)
{
	char sz[32];
	pid_t pid;

	snprintf(sz, sizeof(sz), "%zu", size);
	pid = fork();
	if (pid == 0) {
		execl("/proc/self/exe", "bench_ctl", "--child", role, sz, run_dir, (char *)NULL);
		_exit(127);
	}
	return pid;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmp_double);
	return v[n / 2];
}

static void die(const char *what)
{
	fprintf(stderr, "bench_ctl: %s: %s\n", what, strerror(errno));
	exit(1);
}

/* ---- ctl ---- */

static double ctl_stream(size_t size)
{
	struct ctl_sock *pull = ctl_listen(CTL_PULL, run_dir, "bench-stream");
	char *buf = calloc(1, size);
	double t0 = 0;
	pid_t pid;
	int i, st;

	if (!pull || !buf)
		die("ctl stream setup");
	pid = spawn("push", size);
	for (i = 0; i < STREAM_N; i++) {
		uint16_t type;
		void *p;
		size_t len;

		int rc = ctl_recv(pull, &type, &p, &len, 10000);

		if (rc) {
			errno = -rc;
			die("ctl recv");
		}
		if (i == 0)
			t0 = now_s(); /* from the first frame: connection set-up excluded */
		free(p);
	}
	t0 = (STREAM_N - 1) / (now_s() - t0);
	kill(pid, SIGTERM);
	waitpid(pid, &st, 0);
	ctl_close(pull);
	free(buf);
	return t0;
}

static double ctl_pingpong(size_t size)
{
	struct ctl_sock *req;
	char *buf = calloc(1, size);
	double t0;
	pid_t pid;
	int i, st;

	if (!buf)
		die("alloc");
	pid = spawn("rep", size);
	req = ctl_dial(CTL_REQ, run_dir, "bench-rr");
	if (!req)
		die("ctl dial");
	t0 = 0;
	for (i = 0; i < PINGPONG_N + 1; i++) {
		uint16_t type;
		void *p = NULL;
		size_t len;
		int rc;

		if (i == 1)
			t0 = now_s(); /* the first exchange waits for the connection */
		rc = ctl_send(req, CTL_MSG_HEALTH, buf, size, 10000);

		if (!rc)
			rc = ctl_recv(req, &type, &p, &len, 10000);
		if (rc) {
			errno = -rc;
			die("ctl request");
		}
		free(p);
	}
	t0 = PINGPONG_N / (now_s() - t0);
	waitpid(pid, &st, 0);
	ctl_close(req);
	free(buf);
	return t0;
}

static int child(const char *role, size_t size)
{
	char *buf = calloc(1, size);
	int i;

	if (!strcmp(role, "push")) {
		struct ctl_sock *push = ctl_dial(CTL_PUSH, run_dir, "bench-stream");

		for (i = 0; push && i < STREAM_N; i++)
			if (ctl_send(push, CTL_MSG_ALERT, buf, size, 10000))
				return 1;
		/* closing now could drop frames still being written: the parent ends us */
		pause();
		return push ? 0 : 1;
	}
	struct ctl_sock *rep = ctl_listen(CTL_REP, run_dir, "bench-rr");

	for (i = 0; rep && i < PINGPONG_N + 1; i++) {
		uint16_t type;
		void *p;
		size_t len;

		if (ctl_recv(rep, &type, &p, &len, 10000))
			return 1;
		free(p);
		if (ctl_send(rep, CTL_MSG_OK, NULL, 0, 10000))
			return 1;
	}
	ctl_close(rep);
	free(buf);
	return 0;
}

/* ---- raw AF_UNIX SOCK_SEQPACKET: the peer ---- */

static int unix_listen(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	unlink(path);
	if (fd < 0 || bind(fd, (struct sockaddr *)&sun, sizeof(sun)) || listen(fd, 1))
		die("unix listen");
	return fd;
}

static int unix_connect(const char *path)
{
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_SEQPACKET, 0);

	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	if (fd < 0 || connect(fd, (struct sockaddr *)&sun, sizeof(sun)))
		die("unix connect");
	return fd;
}

static double unix_stream(size_t size)
{
	char path[128], *buf = calloc(1, size);
	int lfd, fd, i, st;
	double t0 = 0;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/raw-stream.sock", run_dir);
	lfd = unix_listen(path);
	pid = fork();
	if (pid == 0) {
		fd = unix_connect(path);
		for (i = 0; i < STREAM_N; i++)
			if (send(fd, buf, size, 0) != (ssize_t)size)
				_exit(1);
		close(fd);
		_exit(0);
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	for (i = 0; i < STREAM_N; i++) {
		if (recv(fd, buf, size, 0) != (ssize_t)size)
			die("unix recv");
		if (i == 0)
			t0 = now_s();
	}
	t0 = (STREAM_N - 1) / (now_s() - t0);
	waitpid(pid, &st, 0);
	close(fd);
	close(lfd);
	free(buf);
	return t0;
}

static double unix_pingpong(size_t size)
{
	char path[128], *buf = calloc(1, size);
	int lfd, fd, i, st;
	double t0 = 0;
	pid_t pid;

	snprintf(path, sizeof(path), "%s/raw-rr.sock", run_dir);
	lfd = unix_listen(path);
	pid = fork();
	if (pid == 0) {
		fd = unix_connect(path);
		for (i = 0; i < PINGPONG_N + 1; i++)
			if (recv(fd, buf, size, 0) != (ssize_t)size || send(fd, buf, 8, 0) != 8)
				_exit(1);
		close(fd);
		_exit(0);
	}
	fd = accept(lfd, NULL, NULL);
	if (fd < 0)
		die("accept");
	for (i = 0; i < PINGPONG_N + 1; i++) {
		if (i == 1)
			t0 = now_s();
		if (send(fd, buf, size, 0) != (ssize_t)size || recv(fd, buf, size, 0) != 8)
			die("unix ping-pong");
	}
	t0 = PINGPONG_N / (now_s() - t0);
	waitpid(pid, &st, 0);
	close(fd);
	close(lfd);
	free(buf);
	return t0;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = {256, 2048};
	double a[MAX_RUNS], b[MAX_RUNS], c[MAX_RUNS], d[MAX_RUNS];
	int runs = 5, r;
	size_t k;

	if (argc == 5 && !strcmp(argv[1], "--child")) {
		log_set_level(LOG_LVL_ERROR);
		snprintf(run_dir, sizeof(run_dir), "%s", argv[4]);
		return child(argv[2], (size_t)atol(argv[3]));
	}
	if (argc == 3 && !strcmp(argv[1], "--runs"))
		runs = atoi(argv[2]);
	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "usage: bench_ctl [--runs 1..%d]\n", MAX_RUNS);
		return 2;
	}
	signal(SIGPIPE, SIG_IGN);
	log_set_level(LOG_LVL_ERROR);
	snprintf(run_dir, sizeof(run_dir), "/tmp/lanner-bench-ctl-XXXXXX");
	if (!mkdtemp(run_dir))
		die("mkdtemp");
	printf("ctl over nng ipc vs raw AF_UNIX SOCK_SEQPACKET, two processes, median of %d runs\n",
	       runs);
	for (k = 0; k < sizeof(sizes) / sizeof(sizes[0]); k++) {
		for (r = 0; r < runs; r++) {
			a[r] = ctl_stream(sizes[k]);
			b[r] = unix_stream(sizes[k]);
			c[r] = ctl_pingpong(sizes[k]);
			d[r] = unix_pingpong(sizes[k]);
		}
		double ma = median(a, runs), mb = median(b, runs);
		double mc = median(c, runs), md = median(d, runs);

		printf("%5zu B  push/pull %9.0f frames/s  (raw %9.0f/s, ratio %.2f)\n", sizes[k],
		       ma, mb, ma / mb);
		printf("%5zu B  req/rep   %9.0f round trips/s = %5.1f us  (raw %9.0f/s = %5.1f us, "
		       "ratio %.2f)\n",
		       sizes[k], mc, 1e6 / mc, md, 1e6 / md, mc / md);
	}
	{
		static const char *const socks[] = {"bench-stream.sock", "bench-rr.sock",
						    "raw-stream.sock", "raw-rr.sock"};
		char path[128];

		for (k = 0; k < sizeof(socks) / sizeof(socks[0]); k++) {
			snprintf(path, sizeof(path), "%s/%s", run_dir, socks[k]);
			unlink(path);
		}
	}
	if (rmdir(run_dir) != 0)
		fprintf(stderr, "bench_ctl: cannot remove %s: %s\n", run_dir, strerror(errno));
	return 0;
}
