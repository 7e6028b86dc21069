/* bench_event.c: records/s for building (collector), decoding (every reader) and printing events. */
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "event.h"

/*
 * Three record shapes: openat (7 params, a path), connect (socket tuple),
 * execve (31 params, argv/env of a shell command). Each measurement runs a
 * fixed number of iterations; we print the median of --runs runs (default 5)
 * in ns per record and records/s, with memcpy of the same bytes as the
 * ceiling for "touching the record once". Times are the thread's CPU time
 * (CLOCK_THREAD_CPUTIME_ID), not wall time: the 2-core machines are shared
 * with other builds, and time spent descheduled says nothing about the code.
 */

#define ITERS 2000000u

static uint64_t rec_store[8192];
static uint8_t *const rec = (uint8_t *)rec_store;
static uint64_t copy_store[8192];

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_THREAD_CPUTIME_ID, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static int build_openat(uint64_t i)
{
	struct lnr_evt_builder b;

	lnr_evb_init(&b, rec, sizeof(rec_store), LNR_EVT_OPENAT, i, 1234, 1200);
	lnr_evb_s64(&b, 3);
	lnr_evb_s64(&b, -100);
	lnr_evb_str(&b, "/usr/lib/x86_64-linux-gnu/libc.so.6", 4096);
	lnr_evb_u64(&b, 4097);
	lnr_evb_u64(&b, 0);
	lnr_evb_u64(&b, 0x803);
	lnr_evb_u64(&b, 1234567);
	return lnr_evb_finish(&b);
}

static int build_connect(uint64_t i)
{
	static const uint8_t a[4] = {10, 0, 0, 2}, d[4] = {93, 184, 216, 34};
	uint8_t tup[64];
	struct lnr_evt_builder b;
	size_t n;

	lnr_evb_init(&b, rec, sizeof(rec_store), LNR_EVT_CONNECT, i, 77, 77);
	lnr_evb_s64(&b, 0);
	n = lnr_socktuple_encode_in4(tup, sizeof(tup), a, 40000, d, 443);
	lnr_evb_bytes(&b, tup, n, 0);
	lnr_evb_s64(&b, 5);
	n = lnr_sockaddr_encode_in4(tup, sizeof(tup), d, 443);
	lnr_evb_bytes(&b, tup, n, 0);
	return lnr_evb_finish(&b);
}

/* What to append for each execve parameter, decided once (as a collector
 * would: its code is written per event type, not looked up per event). */
enum kind { K_ARGS, K_ENV, K_BLOB, K_STR, K_INT };
static enum kind execve_plan[LNR_EVT_MAX_PARAMS];

static void plan_execve(void)
{
	const struct lnr_evt_info *in = lnr_evt_info(LNR_EVT_EXECVE);

	for (unsigned k = 0; k < in->nparams; k++) {
		const struct lnr_param_info *pi = &in->params[k];

		if (strcmp(pi->name, "args") == 0)
			execve_plan[k] = K_ARGS;
		else if (strcmp(pi->name, "env") == 0)
			execve_plan[k] = K_ENV;
		else if (pi->type == LNR_PT_BYTEBUF)
			execve_plan[k] = K_BLOB;
		else if (pi->type == LNR_PT_CHARBUF || pi->type == LNR_PT_FSPATH)
			execve_plan[k] = K_STR;
		else
			execve_plan[k] = K_INT;
	}
}

static int build_execve(uint64_t i)
{
	static const char args[] = "-c\0curl -s http://example.com | sh\0";
	static const char env[] = "PATH=/usr/bin:/bin\0HOME=/root\0TERM=xterm\0LANG=C.UTF-8\0";
	const struct lnr_evt_info *in = lnr_evt_info(LNR_EVT_EXECVE);
	struct lnr_evt_builder b;

	lnr_evb_init(&b, rec, sizeof(rec_store), LNR_EVT_EXECVE, i, 9, 9);
	for (unsigned k = 0; k < in->nparams; k++) {
		switch (execve_plan[k]) {
		case K_ARGS:
			lnr_evb_bytes(&b, args, sizeof(args) - 1, 0);
			break;
		case K_ENV:
			lnr_evb_bytes(&b, env, sizeof(env) - 1, 0);
			break;
		case K_BLOB:
			lnr_evb_bytes(&b, "0::/user.slice\0", 15, 0);
			break;
		case K_STR:
			lnr_evb_str(&b, "/usr/bin/bash", 0);
			break;
		default:
			lnr_evb_u64(&b, k);
			break;
		}
	}
	return lnr_evb_finish(&b);
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

enum op { OP_BUILD, OP_DECODE, OP_FORMAT, OP_MEMCPY };

static volatile uint64_t sink;

static uint64_t run_once(int (*build)(uint64_t), enum op op, int len)
{
	static char line[8192];
	struct lnr_evt_view v;
	uint64_t t0, acc = 0;

	if (lnr_evt_decode(rec, (size_t)len, &v, NULL) != 0)
		return 0;
	t0 = now_ns();
	for (uint64_t i = 0; i < ITERS; i++) {
		switch (op) {
		case OP_BUILD:
			acc += (uint64_t)build(i);
			break;
		case OP_DECODE:
			acc += (uint64_t)lnr_evt_decode(rec, (size_t)len, &v, NULL) + v.nparams;
			break;
		case OP_FORMAT:
			acc += (uint64_t)lnr_evt_format(&v, line, sizeof(line));
			break;
		case OP_MEMCPY:
			memcpy(copy_store, rec, (size_t)len);
			acc += ((uint8_t *)copy_store)[i % (uint64_t)len];
			break;
		}
	}
	sink = acc;
	return now_ns() - t0;
}

int main(int argc, char **argv)
{
	static const struct {
		const char *name;
		int (*build)(uint64_t);
	} shapes[] = {
		{"openat", build_openat}, {"connect", build_connect}, {"execve", build_execve}};
	static const char *const ops[] = {"build", "decode", "format", "memcpy"};
	int runs = 5;

	if (argc == 3 && strcmp(argv[1], "--runs") == 0)
		runs = atoi(argv[2]);
	if (runs < 1 || runs > 100) {
		fprintf(stderr, "usage: bench_event [--runs N]\n");
		return 2;
	}
	plan_execve();
	printf("bench_event: %u records per run, median of %d runs\n", ITERS, runs);
	printf("%-8s %6s %-7s %10s %14s\n", "event", "bytes", "op", "ns/record", "records/s");
	for (size_t s = 0; s < sizeof(shapes) / sizeof(shapes[0]); s++) {
		int len = shapes[s].build(0);
		struct lnr_evt_view v;

		if (len <= 0 || lnr_evt_decode(rec, (size_t)len, &v, NULL) != 0) {
			fprintf(stderr, "%s: cannot build a valid record\n", shapes[s].name);
			return 1;
		}
		for (int op = OP_BUILD; op <= OP_MEMCPY; op++) {
			uint64_t t[100];
			double ns;

			for (int r = 0; r < runs; r++) {
				t[r] = run_once(shapes[s].build, (enum op)op, len);
				/* Building rewrites the record: keep it valid for the next op. */
				shapes[s].build(0);
			}
			qsort(t, (size_t)runs, sizeof(t[0]), cmp_u64);
			ns = (double)t[runs / 2] / ITERS;
			printf("%-8s %6d %-7s %10.1f %14.0f\n", shapes[s].name, len, ops[op], ns,
			       1e9 / ns);
		}
	}
	return 0;
}
