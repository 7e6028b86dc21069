/* bench_collector.c: kernel cost per syscall, workload slowdowns against the no-op floor, drops, drain rate. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/mount.h>
#include <linux/bpf.h>
#include <bpf/bpf.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <sys/resource.h>
#include <sys/time.h>
#include <sys/wait.h>

#include "collector.h"
#include "event.h"

/*
 * Every figure is measured in this run, three ways: nothing attached (base),
 * a no-op tp_btf/sys_exit program attached the same way (the floor: the
 * tracepoint slow path every syscall takes once anything is attached), and
 * Lanner with every event type it produces selected, drained by one thread
 * into a sink that copies each record (as the shm ring will). Workloads run
 * in child processes (the bench process itself is filtered out). Medians of
 * LANNER_BENCH_REPS runs (default 3).
 */

/* CFG_LANNER: entry arguments through the per-syscall tracepoints (when
 * tracefs is there; main() mounts it privately if needed); CFG_LANNER_X:
 * --args-at-exit (no entry program); CFG_LANNER_B: the entry side on
 * tp_btf/sys_enter (the fallback without tracefs: a program run per syscall). */
enum cfg { CFG_BASE, CFG_FLOOR, CFG_LANNER, CFG_LANNER_X, CFG_LANNER_B, CFG_N };
#define IS_LANNER(c) ((c) == CFG_LANNER || (c) == CFG_LANNER_X || (c) == CFG_LANNER_B)

struct drain {
	struct col *c;
	pthread_t th;
	volatile int stop;
	uint8_t *copy; /* the sink copies each record here (ring stand-in) */
	size_t copy_off;
	uint64_t records, bytes;
};

#define COPY_AREA (64u << 20)

static int copy_sink(const void *rec, size_t len, void *arg)
{
	struct drain *d = arg;

	if (d->copy_off + len > COPY_AREA)
		d->copy_off = 0;
	memcpy(d->copy + d->copy_off, rec, len);
	d->copy_off += (len + 7) & ~(size_t)7;
	d->records++;
	d->bytes += len;
	return 0;
}

static void *drain_main(void *arg)
{
	struct drain *d = arg;

	while (!d->stop)
		col_poll(d->c, 20);
	while (col_poll(d->c, 0) > 0)
		;
	return NULL;
}

static struct drain *cfg_start(enum cfg cfg, size_t bufsize, int start_thread)
{
	struct drain *d = calloc(1, sizeof(*d));
	struct col_opts o;
	char err[512];

	if (cfg == CFG_BASE)
		return d;
	col_opts_default(&o);
	if (bufsize) {
		o.buf_size_preset = 0;
		o.buf_size = bufsize;
	}
	o.noop = cfg == CFG_FLOOR;
	o.args_at_exit = cfg == CFG_LANNER_X;
	o.enter_tp_btf = cfg == CFG_LANNER_B;
	d->copy = malloc(COPY_AREA);
	memset(d->copy, 0, COPY_AREA);
	o.sink = copy_sink;
	o.sink_arg = d;
	d->c = col_open(&o, err, sizeof(err));
	if (!d->c) {
		fprintf(stderr, "bench_collector: %s\n", err);
		exit(1);
	}
	if (IS_LANNER(cfg)) {
		col_select_all(d->c);
		col_ignore_tgid(d->c, getpid());
	}
	if (col_attach(d->c, err, sizeof(err))) {
		fprintf(stderr, "bench_collector: %s\n", err);
		exit(1);
	}
	if (IS_LANNER(cfg) && start_thread)
		pthread_create(&d->th, NULL, drain_main, d);
	return d;
}

static void cfg_stop(struct drain *d, struct col_stats *st)
{
	if (d->c && d->th) {
		d->stop = 1;
		pthread_join(d->th, NULL);
	}
	if (st) {
		memset(st, 0, sizeof(*st));
		if (d->c)
			col_read_stats(d->c, st);
	}
	col_close(d->c);
	free(d->copy);
	free(d);
}

static double now(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec + ts.tv_nsec / 1e9;
}

/* ---- workloads (run in a child; they return their own wall time) ---- */

static void w_openclose(long n)
{
	for (long i = 0; i < n; i++) {
		int fd = open("/etc/hostname", O_RDONLY);

		close(fd);
	}
}

static void w_getppid(long n)
{
	for (long i = 0; i < n; i++)
		syscall(SYS_getppid);
}

static void w_close_bad(long n)
{
	for (long i = 0; i < n; i++)
		close(-1);
}

static void w_dd(long n)
{
	char count[64];
	pid_t p = fork();

	snprintf(count, sizeof(count), "count=%ld", n);
	if (p == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(null, 2);
		execl("/bin/dd", "dd", "if=/dev/zero", "of=/dev/null", "bs=1", count, (char *)NULL);
		_exit(127);
	}
	waitpid(p, NULL, 0);
}

static void w_exec(long n)
{
	for (long i = 0; i < n; i++) {
		pid_t p = fork();

		if (p == 0) {
			execl("/bin/true", "true", (char *)NULL);
			_exit(127);
		}
		waitpid(p, NULL, 0);
	}
}

/* Run fn(n) in `par` children at once; returns the wall time of the slowest.
 * focus: report only the (first) child's syscalls (kernel-cost runs). */
/* CPU seconds (user + system) the last run_children() spent in its children
 * and their descendants: on a machine shared with other work this is the
 * robust figure (wall time includes waiting for a CPU). */
static double last_cpu;

static double tv_s(struct timeval tv)
{
	return tv.tv_sec + tv.tv_usec / 1e6;
}

/* Workloads by index, so that a worker process can be told which to run. */
static void (*const workloads[])(long) = {w_openclose, w_getppid, w_close_bad, w_dd, w_exec};

static int workload_index(void (*fn)(long))
{
	for (size_t i = 0; i < sizeof(workloads) / sizeof(workloads[0]); i++)
		if (workloads[i] == fn)
			return (int)i;
	return -1;
}

/* bench_collector --worker IDX N GO_FD OUT_FD: wait for GO_FD to close, run
 * the workload, write its wall time to OUT_FD. The workload runs in a fresh
 * image (exec of ourselves), so it does not inherit the bench's memory (the
 * drain's copy area, the mapped BPF buffers): forks inside the workload
 * (dd, exec loop) would otherwise copy those page tables each time. */
static int worker_main(char **argv)
{
	int idx = atoi(argv[2]), go = atoi(argv[4]), out = atoi(argv[5]);
	long n = atol(argv[3]);
	double t0;
	char ch;

	if (idx < 0 || idx >= (int)(sizeof(workloads) / sizeof(workloads[0])))
		return 2;
	if (read(go, &ch, 1) < 0)
		return 1;
	t0 = now();
	workloads[idx](n);
	dprintf(out, "%.9f", now() - t0);
	return 0;
}

/* Run fn(n) in `par` fresh worker processes at once; returns the wall time of
 * the slowest. focus: report only the (first) worker's syscalls. */
static double run_children_focus(void (*fn)(long), long n, int par, struct col *focus)
{
	double worst = 0;
	pid_t pids[8];
	int go[2], out[8][2];

	if (pipe(go))
		exit(1);
	for (int k = 0; k < par; k++) {
		if (pipe(out[k]))
			exit(1);
		pids[k] = fork();
		if (pids[k] == 0) {
			char a_idx[16], a_n[32], a_go[16], a_out[16];

			close(go[1]);
			close(out[k][0]);
			snprintf(a_idx, sizeof(a_idx), "%d", workload_index(fn));
			snprintf(a_n, sizeof(a_n), "%ld", n);
			snprintf(a_go, sizeof(a_go), "%d", go[0]);
			snprintf(a_out, sizeof(a_out), "%d", out[k][1]);
			execl("/proc/self/exe", "bench_collector", "--worker", a_idx, a_n, a_go,
			      a_out, (char *)NULL);
			_exit(127);
		}
		close(out[k][1]);
	}
	close(go[0]);
	if (focus)
		col_only_tgid(focus, pids[0]);
	usleep(20000); /* let the workers finish exec and wait on the pipe */
	close(go[1]);  /* EOF releases every worker at once */
	last_cpu = 0;
	for (int k = 0; k < par; k++) {
		struct rusage ru;
		char buf[64] = "";
		ssize_t got;
		double t;

		got = read(out[k][0], buf, sizeof(buf) - 1);
		buf[got > 0 ? got : 0] = 0;
		close(out[k][0]);
		wait4(pids[k], NULL, 0, &ru);
		last_cpu += tv_s(ru.ru_utime) + tv_s(ru.ru_stime);
		t = atof(buf);
		if (t > worst)
			worst = t;
	}
	if (focus)
		col_only_tgid(focus, 0);
	return worst;
}

static double run_children(void (*fn)(long), long n, int par)
{
	return run_children_focus(fn, n, par, NULL);
}

static int cmp_double(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, n, sizeof(*v), cmp_double);
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

static int reps = 3;
/* CPU medians (s) of the last workload_x(), per configuration. */
static double last_cm[CFG_N];

/*
 * Issue 4's goal for a workload: the cost Lanner adds above the floor is at
 * most half of what Falco 0.44.1 adds above its floor. Falco's figures are
 * the (measured on this kind of machine, not in this run): falco_x
 * its slowdown, falco_floor_x the floor's then. Both are compared as a
 * fraction of the workload's base time; the ratio must be <= 0.5.
 */
static void vs_falco(const char *name, double falco_x, double falco_floor_x)
{
	double added = (last_cm[CFG_LANNER] - last_cm[CFG_FLOOR]) / last_cm[CFG_BASE];
	double falco = falco_x - falco_floor_x;

	printf("  %s: lanner adds %+.0f%% of base above the floor, Falco 0.44.1 adds %+.0f%% "
	       "(%.2fx over %.2fx): ratio %.2f [goal <= 0.50: %s]\n",
	       name, 100 * added, 100 * falco, falco_x, falco_floor_x, added / falco,
	       added / falco <= 0.5 ? "met" : "NOT met");
	fflush(stdout);
}

/*
 * A workload's median wall and CPU time under each configuration. The
 * configurations are interleaved inside each repetition (base, floor,
 * lanner, base, ...) so that a change in the machine's background load hits
 * all three alike.
 */
static void workload_x(const char *name, void (*fn)(long), long n, int par, double out[CFG_N],
		       struct col_stats *lanner_st, int with_x)
{
	double t[CFG_N][16], cpu[CFG_N][16], cm[CFG_N];
	int ncfg = with_x ? CFG_N : CFG_LANNER_X;

	for (int r = 0; r < reps; r++) {
		for (int cfg = 0; cfg < ncfg; cfg++) {
			struct drain *d = cfg_start(cfg, 0, 1);
			struct col_stats st;

			t[cfg][r] = run_children(fn, n, par);
			cpu[cfg][r] = last_cpu;
			cfg_stop(d, &st);
			if (cfg == CFG_LANNER && lanner_st) {
				lanner_st->events += st.events;
				lanner_st->drops += st.drops;
				lanner_st->delivered += st.delivered;
			}
		}
	}
	for (int cfg = 0; cfg < ncfg; cfg++) {
		out[cfg] = median(t[cfg], reps);
		cm[cfg] = median(cpu[cfg], reps);
		last_cm[cfg] = cm[cfg];
	}
	printf("%-30s cpu: base %6.2f s  floor %6.2f s (%.2fx)  lanner %6.2f s (%.2fx)  "
	       "lanner above floor %+4.0f%% of base\n",
	       name, cm[CFG_BASE], cm[CFG_FLOOR], cm[CFG_FLOOR] / cm[CFG_BASE], cm[CFG_LANNER],
	       cm[CFG_LANNER] / cm[CFG_BASE],
	       100.0 * (cm[CFG_LANNER] - cm[CFG_FLOOR]) / cm[CFG_BASE]);
	printf("%-30s wall: base %6.2f s  floor %6.2f s (%.2fx)  lanner %6.2f s (%.2fx)\n", "",
	       out[CFG_BASE], out[CFG_FLOOR], out[CFG_FLOOR] / out[CFG_BASE], out[CFG_LANNER],
	       out[CFG_LANNER] / out[CFG_BASE]);
	if (with_x) {
		printf("%-30s cpu with --args-at-exit (no entry program): %6.2f s (%.2fx), above "
		       "floor %+4.0f%% of base\n",
		       "", cm[CFG_LANNER_X], cm[CFG_LANNER_X] / cm[CFG_BASE],
		       100.0 * (cm[CFG_LANNER_X] - cm[CFG_FLOOR]) / cm[CFG_BASE]);
		printf("%-30s cpu with tp_btf/sys_enter (no tracefs): %6.2f s (%.2fx), above floor "
		       "%+4.0f%% of base\n",
		       "", cm[CFG_LANNER_B], cm[CFG_LANNER_B] / cm[CFG_BASE],
		       100.0 * (cm[CFG_LANNER_B] - cm[CFG_FLOOR]) / cm[CFG_BASE]);
	}
	fflush(stdout);
}

static void workload(const char *name, void (*fn)(long), long n, int par, double out[CFG_N],
		     struct col_stats *lanner_st)
{
	workload_x(name, fn, n, par, out, lanner_st, 0);
}

/* run_time_ns and run_cnt of a program (needs BPF_ENABLE_STATS on). */
static void prog_stats(int fd, uint64_t *ns, uint64_t *cnt)
{
	struct bpf_prog_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	*ns = *cnt = 0;
	if (bpf_obj_get_info_by_fd(fd, &info, &len) == 0) {
		*ns = info.run_time_ns;
		*cnt = info.run_cnt;
	}
}

/*
 * Kernel ns per syscall of the sys_exit program while a child loops n times
 * on fn. Reporting is focused on the child (others leave at the tgid check,
 * an untraced-like path), and their runs are charged at untraced_ns so that
 * the machine's background does not blur the figure.
 */
static double kernel_cost(struct drain *d, void (*fn)(long), long n, double untraced_ns,
			  double *raw_ns)
{
	uint64_t ns0, c0, ns1, c1;
	int fd = col_exit_prog_fd(d->c);
	double others;

	prog_stats(fd, &ns0, &c0);
	run_children_focus(fn, n, 1, d->c);
	prog_stats(fd, &ns1, &c1);
	*raw_ns = c1 > c0 ? (double)(ns1 - ns0) / (c1 - c0) : 0;
	others = (double)(c1 - c0) > n ? (double)(c1 - c0) - n : 0;
	return ((double)(ns1 - ns0) - others * untraced_ns) / n;
}

/*
 * Where a workload's kernel time goes, per attached program (bpf_stats):
 * run_time_ns / run_cnt of each, and its total per workload operation (ops:
 * open+close pairs, execs). Tail-called programs are charged to the program
 * that called them (the kernel times the outer run only). Reporting is
 * focused on the workload's process.
 */
static void prog_breakdown(const char *name, void (*fn)(long), long n, long ops)
{
	int sfd = bpf_enable_stats(BPF_STATS_RUN_TIME), fds[16], k;
	uint64_t ns0[16], c0[16], ns1, c1;
	struct drain *d;
	double total = 0;

	if (sfd < 0) {
		fprintf(stderr, "bench_collector: BPF_ENABLE_STATS failed: %s\n", strerror(errno));
		return;
	}
	d = cfg_start(CFG_LANNER, 0, 1);
	k = col_prog_fds(d->c, fds, 16);
	for (int i = 0; i < k; i++)
		prog_stats(fds[i], &ns0[i], &c0[i]);
	run_children_focus(fn, n, 1, d->c);
	printf("per program, %s (bpf_stats, lanner with entry mode %s):\n", name,
	       col_enter_mode(d->c));
	for (int i = 0; i < k; i++) {
		struct bpf_prog_info info;
		__u32 len = sizeof(info);

		memset(&info, 0, sizeof(info));
		bpf_obj_get_info_by_fd(fds[i], &info, &len);
		prog_stats(fds[i], &ns1, &c1);
		if (c1 == c0[i])
			continue;
		total += (double)(ns1 - ns0[i]);
		printf("  %-22s %9llu runs %7.1f ns/run %8.1f ns per op\n", info.name,
		       (unsigned long long)(c1 - c0[i]), (double)(ns1 - ns0[i]) / (c1 - c0[i]),
		       (double)(ns1 - ns0[i]) / ops);
	}
	printf("  %-22s %7s %22.1f ns per op (includes other processes' syscalls)\n", "all", "",
	       total / ops);
	cfg_stop(d, NULL);
	close(sfd);
	fflush(stdout);
}

int main(int argc, char **argv)
{
	double t[CFG_N], tl[CFG_N];
	struct col_stats st;
	int stats_fd;
	long loops = 1000000;

	if (argc > 5 && strcmp(argv[1], "--worker") == 0)
		return worker_main(argv);
	if (getenv("LANNER_BENCH_REPS"))
		reps = atoi(getenv("LANNER_BENCH_REPS"));
	if (reps < 1 || reps > 16)
		reps = 3;
	if (geteuid() != 0) {
		fprintf(stderr, "bench_collector: needs root (eBPF)\n");
		return 77;
	}
	/* The per-syscall entry tracepoints need tracefs for their ids: mount it
	 * in a mount namespace of our own when it is not there. */
	if (access("/sys/kernel/tracing/events/syscalls", F_OK) != 0 &&
	    access("/sys/kernel/debug/tracing/events/syscalls", F_OK) != 0 &&
	    (unshare(CLONE_NEWNS) != 0 || mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
	     mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0))
		fprintf(stderr, "bench_collector: no tracefs (%s): lanner uses tp_btf/sys_enter\n",
			strerror(errno));
	{
		struct drain *d = cfg_start(CFG_LANNER, 0, 0);

		printf("lanner's entry arguments: %s\n", col_enter_mode(d->c));
		cfg_stop(d, NULL);
	}
	printf("collector benchmark (medians of %d runs; floor = no-op tp_btf/sys_exit; "
	       "lanner = every supported event selected, one drain thread copying records)\n",
	       reps);

	if (argc > 1 && strcmp(argv[1], "execk") == 0) {
		prog_breakdown("2000 execs of /bin/true", w_exec, 2000, 2000);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "openk") == 0) {
		prog_breakdown("open+close /etc/hostname x1M", w_openclose, loops, loops);
		return 0;
	}
	if (argc > 1 && strcmp(argv[1], "openclose") == 0) {
		memset(&st, 0, sizeof(st));
		workload_x("open+close /etc/hostname x1M", w_openclose, loops, 1, t, &st, 0);
		vs_falco("open+close", 1.8, 1.08);
		return 0;
	}
	/* 1. Kernel cost per syscall from bpf_stats. */
	stats_fd = bpf_enable_stats(BPF_STATS_RUN_TIME);
	if (stats_fd < 0) {
		fprintf(stderr, "bench_collector: BPF_ENABLE_STATS failed: %s\n", strerror(errno));
	} else {
		double floor_ns, unt_ns, tr_ns, oc_ns, raw;
		struct drain *d = cfg_start(CFG_FLOOR, 0, 0);

		floor_ns = kernel_cost(d, w_getppid, 2000000, 0, &raw);
		floor_ns = raw; /* the no-op costs the same for everyone */
		cfg_stop(d, NULL);
		d = cfg_start(CFG_LANNER, 0, 1);
		unt_ns = kernel_cost(d, w_getppid, 2000000, 0, &raw);
		unt_ns = raw; /* the child and the others all leave early */
		tr_ns = kernel_cost(d, w_close_bad, 2000000, unt_ns, &raw);
		oc_ns = kernel_cost(d, w_openclose, 1000000, unt_ns, &raw);
		cfg_stop(d, &st);
		printf("kernel ns per syscall in the sys_exit program (bpf_stats "
		       "run_time_ns/run_cnt, "
		       "includes the stats' own timing):\n");
		printf("  floor: no-op program                       %6.1f ns\n", floor_ns);
		printf("  lanner: syscall not selected (getppid)     %6.1f ns\n", unt_ns);
		printf("  lanner: traced close(-1), 2 params         %6.1f ns\n", tr_ns);
		printf("  lanner: traced open+close, per open+close  %6.1f ns"
		       "  [Falco 0.44.1 sys_exit: ~358 ns per call]\n",
		       oc_ns);
		fflush(stdout);
		close(stats_fd);
		prog_breakdown("open+close /etc/hostname x1M", w_openclose, loops, loops);
		prog_breakdown("2000 execs of /bin/true", w_exec, 2000, 2000);
	}

	if (argc > 1 && strcmp(argv[1], "kernel") == 0)
		return 0;
	if (argc > 1 && strcmp(argv[1], "exec") == 0) {
		workload_x("2000 execs of /bin/true", w_exec, 2000, 1, t, NULL, 1);
		return 0;
	}

	/* 2. Tight loops and workloads against the floor. */
	workload_x("getppid x5M (untraced loop)", w_getppid, 5000000, 1, t, NULL, 1);
	workload("close(-1) x2M (traced loop)", w_close_bad, 2000000, 1, t, NULL);
	memset(&st, 0, sizeof(st));
	workload_x("open+close /etc/hostname x1M", w_openclose, loops, 1, t, &st, 1);
	vs_falco("open+close", 1.8, 1.08);
	printf("  lanner events %llu drops %llu\n", (unsigned long long)st.events,
	       (unsigned long long)st.drops);
	workload_x("dd bs=1 count=2000000", w_dd, 2000000, 1, t, NULL, 1);
	vs_falco("dd bs=1", 1.55, 1.40);
	workload("2000 execs of /bin/true", w_exec, 2000, 1, t, NULL);
	/* The issue gives no floor for the exec loop: the floor measured here is
	 * ~1.0x (exec is few syscalls), so Falco's 1.35x is taken over 1.0x. */
	vs_falco("2000 execs", 1.35, 1.0);

	/* 3. Two loops in parallel: drops with the default buffers (8 MiB, 2 CPUs each). */
	memset(&st, 0, sizeof(st));
	workload("2 parallel open+close x1M", w_openclose, loops, 2, tl, &st);
	printf("  lanner events %llu drops %llu (%.2f%%)  [Falco 0.44.1: 29%% dropped]\n",
	       (unsigned long long)st.events, (unsigned long long)st.drops,
	       st.events + st.drops ? 100.0 * st.drops / (st.events + st.drops) : 0.0);

	/* 4. Drain rate: fill a large buffer with nobody draining, then drain it. */
	{
		struct drain *d = cfg_start(CFG_LANNER, 256u << 20, 0);
		double t0, t1, mb;

		/* ~1.6 M records, about 160 MB: all fit, so the drain rate is
		 * measured with zero drops. */
		run_children(w_openclose, 800000, 1);
		t0 = now();
		while (col_poll(d->c, 0) > 0)
			;
		t1 = now();
		mb = d->bytes / 1e6;
		cfg_stop(d, &st);
		printf("drain: %llu records (%.1f MB) drained by one thread in %.3f s = %.2f M "
		       "events/s, drops %llu  [goal >= 1.5 M/s with zero drops]\n",
		       (unsigned long long)st.delivered, mb, t1 - t0,
		       st.delivered / (t1 - t0) / 1e6, (unsigned long long)st.drops);
	}
	return 0;
}
