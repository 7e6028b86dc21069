/* bench_ring.c: shm ring throughput between two processes against memcpy bandwidth. */
/*
 * For 64 B, 512 B and 4 KiB records: a forked producer reserves each record,
 * fills its payload in place (memset) and commits; the parent consumer peeks
 * each record, reads one 8-byte word of every cache line of it, and releases
 * in batches of 64. Records/s and payload GB/s are taken by the consumer from
 * its first record to its last. In the same run, memcpy copies the same
 * number of bytes in chunks of the record size between two buffers of the
 * ring's size: the ceiling, with the ratio. Every figure is the median of
 * --runs runs (default 5).
 *
 * Usage: bench_ring [--runs N] [--ring-size BYTES] [--seconds S]
 */
#include <errno.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"

#define MAX_RUNS 31

static char ring_name[64];
static size_t ring_size = 1u << 20;
static double target_s = 0.4; /* wanted duration of one run */

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
	return n % 2 ? v[n / 2] : (v[n / 2 - 1] + v[n / 2]) / 2;
}

/* Keeps the compiler from dropping the consumer's reads. */
static volatile uint64_t sink;

static void producer(size_t len, uint64_t n)
{
	char err[256];
	struct ring *r = ring_attach(ring_name, ring_size, RING_PRODUCER, err, sizeof(err));

	if (!r) {
		fprintf(stderr, "bench producer: %s\n", err);
		_exit(1);
	}
	for (uint64_t i = 0; i < n; i++) {
		void *d;
		int rc;

		while ((rc = ring_reserve(r, len, &d)) == -EAGAIN) {
			rc = ring_wait_writable(r, len, 5000);
			if (rc < 0) {
				fprintf(stderr, "bench producer: %s\n", strerror(-rc));
				_exit(1);
			}
		}
		memset(d, (int)(i & 0xff), len);
		ring_commit(r, d);
	}
	ring_close(r);
	_exit(0);
}

/* Futex sleeps (both sides) in the last ring run: how often a side had to wait. */
static uint64_t last_sleeps;

/* One ring run: returns seconds from the first record to the last, or < 0. */
static double ring_run(size_t len, uint64_t n)
{
	struct ring_stats st;
	char err[256];
	struct ring *r;
	uint64_t got = 0, sum = 0;
	unsigned batch = 0;
	double t0 = 0, t1 = 0;
	pid_t pid;
	int status;

	r = ring_create(ring_name, ring_size, RING_CONSUMER, 0, RING_CREATE_REPLACE, err,
			sizeof(err));
	if (!r) {
		fprintf(stderr, "bench: %s\n", err);
		return -1;
	}
	pid = fork();
	if (pid == 0) {
		ring_close(r); /* the child's copy of the parent's handle */
		producer(len, n);
	}
	for (;;) {
		const void *d;
		size_t l;
		int rc = ring_peek(r, &d, &l);

		if (rc == 0) {
			const unsigned char *p = d;

			if (got == 0)
				t0 = now_s();
			for (size_t off = 0; off < l; off += 64)
				sum += *(const uint64_t *)(p + off);
			sum += p[l - 1];
			if (++got == n)
				t1 = now_s();
			if (++batch == 64) {
				ring_release(r);
				batch = 0;
			}
			continue;
		}
		ring_release(r);
		batch = 0;
		if (rc == -EAGAIN)
			rc = ring_wait_readable(r, 5000);
		if (rc == 0)
			continue;
		if (rc != -EPIPE)
			fprintf(stderr, "bench consumer: %s\n", strerror(-rc));
		break;
	}
	sink += sum;
	ring_stats(r, &st);
	last_sleeps = st.cons_sleeps + st.prod_sleeps;
	ring_close(r);
	ring_unlink(ring_name);
	if (waitpid(pid, &status, 0) != pid || !WIFEXITED(status) || WEXITSTATUS(status) != 0 ||
	    got != n) {
		fprintf(stderr, "bench: run failed (%llu of %llu records)\n",
			(unsigned long long)got, (unsigned long long)n);
		return -1;
	}
	/* the interval covers n - 1 records after the first */
	return t1 - t0;
}

/* memcpy of total bytes in len-byte chunks, buffers of the ring's size. */
static double memcpy_run(unsigned char *src, unsigned char *dst, size_t len, uint64_t n)
{
	size_t off = 0;
	double t0 = now_s();

	for (uint64_t i = 0; i < n; i++) {
		memcpy(dst + off, src + off, len);
		off += (len + 8 + 7) & ~(size_t)7; /* same stride as ring records */
		if (off + len > ring_size)
			off = 0;
		__asm__ __volatile__("" ::"r"(dst) : "memory");
	}
	return now_s() - t0;
}

int main(int argc, char **argv)
{
	static const size_t sizes[] = {64, 512, 4096};
	int runs = 5;
	unsigned char *src, *dst;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--runs") == 0 && i + 1 < argc)
			runs = atoi(argv[++i]);
		else if (strcmp(argv[i], "--ring-size") == 0 && i + 1 < argc)
			ring_size = strtoull(argv[++i], NULL, 0);
		else if (strcmp(argv[i], "--seconds") == 0 && i + 1 < argc)
			target_s = atof(argv[++i]);
		else {
			fprintf(stderr, "usage: %s [--runs N] [--ring-size BYTES] [--seconds S]\n",
				argv[0]);
			return 2;
		}
	}
	if (runs < 1 || runs > MAX_RUNS) {
		fprintf(stderr, "bench: --runs must be 1..%d\n", MAX_RUNS);
		return 2;
	}
	snprintf(ring_name, sizeof(ring_name), "bench-%d", (int)getpid());
	src = aligned_alloc(4096, ring_size);
	dst = aligned_alloc(4096, ring_size);
	if (!src || !dst)
		return 1;
	memset(src, 0x5a, ring_size);
	memset(dst, 0, ring_size);

	printf("bench_ring: 2 processes, ring data area %zu KiB, %d runs per figure (medians), "
	       "%ld CPUs online\n",
	       ring_size / 1024, runs, sysconf(_SC_NPROCESSORS_ONLN));
	printf("%-8s %14s %10s %14s %10s %8s %10s\n", "record", "ring rec/s", "ring GB/s",
	       "memcpy rec/s", "memcpy GB/s", "ratio", "sleeps");
	for (unsigned s = 0; s < sizeof(sizes) / sizeof(sizes[0]); s++) {
		size_t len = sizes[s];
		double rr[MAX_RUNS], mr[MAX_RUNS], sl[MAX_RUNS], rt, mt;
		/* calibrate: about target_s per run at 25M/s (64 B) or 5 GB/s */
		uint64_t n = (uint64_t)(target_s * (len <= 64 ? 25e6 : 5e9 / (double)len));

		for (int i = 0; i < runs; i++) {
			rt = ring_run(len, n);
			if (rt <= 0)
				return 1;
			rr[i] = (double)(n - 1) / rt;
			sl[i] = (double)last_sleeps;
			mt = memcpy_run(src, dst, len, n);
			mr[i] = (double)n / mt;
		}
		rt = median(rr, runs);
		mt = median(mr, runs);
		printf("%-8zu %14.0f %10.2f %14.0f %10.2f %8.2f %10.0f\n", len, rt,
		       rt * (double)len / 1e9, mt, mt * (double)len / 1e9, rt / mt,
		       median(sl, runs));
		fflush(stdout);
	}
	free(src);
	free(dst);
	return 0;
}
