/* bench_live.c: helpers of the live benchmark (bench/live/run.sh): a paced mixed syscall
 * workload, and the live collector's kernel counters read from outside.
 *
 * bench_live load RATE SECONDS [WORKERS]
 *
 * RATE is the target number of workload syscalls per second, all workers together; the
 * mix (per block of 500 file operations): 500 x open+close of a scratch file, 10 x TCP
 * connect to a local listener (socket, connect, close; the listener accepts and closes),
 * 1 x fork+exec of /bin/true (waited for). Syscalls counted here: 2 per open, 5 per
 * connect (both sides), 4 per exec (clone, execve, exit, wait4), so a block is 1254; an
 * exec also makes the dynamic loader's syscalls, which the collector sees and this count
 * does not. The workers pace themselves every millisecond against an absolute schedule;
 * what they achieved is printed: "<syscalls> <seconds> <rate> <behind>" where behind is
 * how much of the schedule was missed (1.0 = none; lower: the machine could not keep up).
 *
 * bench_live colstats PID
 *
 * Finds the BPF objects process PID (a running lanner-collector) holds, through
 * /proc/PID/fdinfo (map_id, prog_id), and prints its per-CPU counters summed (map
 * lnr_stats, collector/lanner.h) and the run time of its programs (bpf_stats; zero unless
 * kernel.bpf_stats_enabled=1): "events <n> drops <n> buf_full <n> bpf_run_ns <n>
 * bpf_run_cnt <n>".
 */
#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <dirent.h>

#include "lanner.h"
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define BLOCK_OPENS 500
#define BLOCK_CONNECTS 50
#define BLOCK_EXECS 1
#define BLOCK_SYSCALLS (BLOCK_OPENS * 2 + BLOCK_CONNECTS * 5 + BLOCK_EXECS * 4)

static int listen_fd;
static struct sockaddr_in addr;

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

static void *acceptor(void *arg)
{
	(void)arg;
	for (;;) {
		int c = accept4(listen_fd, NULL, NULL, SOCK_CLOEXEC);

		if (c >= 0)
			close(c);
		else if (errno != EINTR && errno != ECONNABORTED)
			return NULL;
	}
}

/* One operation of the mix by its position k in the block. */
static uint64_t do_op(unsigned k, const char *file)
{
	/* spread connects and the exec evenly through the block */
	if (k % (BLOCK_OPENS / BLOCK_CONNECTS) == 5) {
		int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);

		if (s >= 0) {
			if (connect(s, (struct sockaddr *)&addr, sizeof(addr)))
				perror("connect");
			close(s);
		}
		return 5;
	}
	if (k == BLOCK_OPENS / 2) {
		pid_t p = vfork();

		if (p == 0) {
			char *const av[] = {(char *)"true", NULL};

			execv("/bin/true", av);
			_exit(127);
		}
		if (p > 0)
			waitpid(p, NULL, 0);
		return 4;
	}
	int fd = open(file, O_RDONLY | O_CLOEXEC);

	if (fd >= 0)
		close(fd);
	return 2;
}

static void worker(double rate, double secs, const char *file, uint64_t *done)
{
	const unsigned nops = BLOCK_OPENS + BLOCK_CONNECTS + BLOCK_EXECS;
	double t0 = now_s(), per_op = (double)BLOCK_SYSCALLS / nops;
	uint64_t sc = 0, ops = 0;
	unsigned k = 0;

	for (;;) {
		double t = now_s() - t0;

		if (t >= secs)
			break;
		/* ops due by now on the schedule, at most 1 ms ahead */
		uint64_t due = (uint64_t)((t + 0.001) * rate / per_op);

		while (ops < due && now_s() - t0 < secs) {
			sc += do_op(k, file);
			k = (k + 1) % nops;
			ops++;
		}
		struct timespec ts = {0, 1000000};

		nanosleep(&ts, NULL);
	}
	*done = sc;
}

static int colstats(int pid)
{
	char dir[64], path[400], line[256];
	struct dirent *d;
	DIR *dp;
	int ncpu = libbpf_num_possible_cpus(), found = 0;
	unsigned long long ev = 0, drops = 0, full = 0, run_ns = 0, run_cnt = 0;

	snprintf(dir, sizeof(dir), "/proc/%d/fdinfo", pid);
	dp = opendir(dir);
	if (!dp || ncpu <= 0) {
		perror(dir);
		return 1;
	}
	while ((d = readdir(dp))) {
		FILE *f;
		unsigned map_id = 0, prog_id = 0;

		if (d->d_name[0] == '.')
			continue;
		snprintf(path, sizeof(path), "%s/%s", dir, d->d_name);
		f = fopen(path, "r");
		if (!f)
			continue;
		while (fgets(line, sizeof(line), f)) {
			sscanf(line, "map_id: %u", &map_id);
			sscanf(line, "prog_id: %u", &prog_id);
		}
		fclose(f);
		if (map_id) {
			struct bpf_map_info mi = {0};
			__u32 len = sizeof(mi);
			int fd = bpf_map_get_fd_by_id(map_id);

			if (fd < 0)
				continue;
			if (!bpf_obj_get_info_by_fd(fd, &mi, &len) &&
			    !strcmp(mi.name, "lnr_stats") &&
			    mi.value_size == sizeof(struct lnr_cpu_stats)) {
				struct lnr_cpu_stats *st = calloc((size_t)ncpu, sizeof(*st));
				__u32 key = 0;

				if (st && !bpf_map_lookup_elem(fd, &key, st)) {
					for (int c = 0; c < ncpu; c++) {
						ev += st[c].events;
						full += st[c].drops[LNR_DROP_BUF_FULL];
						for (int k = 0; k < LNR_DROP_CAUSES; k++)
							drops += st[c].drops[k];
					}
					found = 1;
				}
				free(st);
			}
			close(fd);
		}
		if (prog_id) {
			struct bpf_prog_info pi = {0};
			__u32 len = sizeof(pi);
			int fd = bpf_prog_get_fd_by_id(prog_id);

			if (fd < 0)
				continue;
			if (!bpf_obj_get_info_by_fd(fd, &pi, &len)) {
				run_ns += pi.run_time_ns;
				run_cnt += pi.run_cnt;
			}
			close(fd);
		}
	}
	closedir(dp);
	if (!found) {
		fprintf(stderr, "bench_live: no lnr_stats map held by process %d\n", pid);
		return 1;
	}
	printf("events %llu drops %llu buf_full %llu bpf_run_ns %llu bpf_run_cnt %llu\n", ev, drops,
	       full, run_ns, run_cnt);
	return 0;
}

static int load(int argc, char **argv)
{
	double rate, secs, t0, el;
	int workers = 2;
	char file[64];
	uint64_t *done, total = 0;
	socklen_t al = sizeof(addr);
	pthread_t th;

	if (argc < 3) {
		fprintf(stderr, "usage: bench_live load RATE SECONDS [WORKERS]\n");
		return 2;
	}
	rate = strtod(argv[1], NULL);
	secs = strtod(argv[2], NULL);
	if (argc > 3)
		workers = atoi(argv[3]);
	if (rate <= 0 || secs <= 0 || workers < 1 || workers > 64) {
		fprintf(stderr, "bench_live: bad arguments\n");
		return 2;
	}
	snprintf(file, sizeof(file), "/tmp/lnr-bench-live-%d", (int)getpid());
	int fd = open(file, O_WRONLY | O_CREAT | O_TRUNC, 0600);

	if (fd < 0) {
		perror(file);
		return 1;
	}
	close(fd);
	listen_fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	addr.sin_family = AF_INET;
	addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	if (listen_fd < 0 || bind(listen_fd, (struct sockaddr *)&addr, sizeof(addr)) ||
	    listen(listen_fd, 4096) || getsockname(listen_fd, (struct sockaddr *)&addr, &al)) {
		perror("listener");
		return 1;
	}
	pthread_create(&th, NULL, acceptor, NULL);
	done = mmap(NULL, sizeof(uint64_t) * (size_t)workers, PROT_READ | PROT_WRITE,
		    MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (done == MAP_FAILED)
		return 1;
	t0 = now_s();
	for (int w = 0; w < workers; w++) {
		pid_t p = fork();

		if (p == 0) {
			worker(rate / workers, secs, file, &done[w]);
			_exit(0);
		}
	}
	while (wait(NULL) > 0)
		;
	el = now_s() - t0;
	for (int w = 0; w < workers; w++)
		total += done[w];
	unlink(file);
	printf("%llu %.3f %.0f %.3f\n", (unsigned long long)total, el, (double)total / el,
	       (double)total / (rate * secs));
	return 0;
}

int main(int argc, char **argv)
{
	if (argc >= 3 && !strcmp(argv[1], "colstats"))
		return colstats(atoi(argv[2]));
	if (argc >= 2 && !strcmp(argv[1], "load"))
		return load(argc - 1, argv + 1);
	fprintf(stderr, "usage: bench_live load RATE SECONDS [WORKERS] | colstats PID\n");
	return 2;
}
