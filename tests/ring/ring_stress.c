/* ring_stress.c: ring stress and peer-death tests: two processes, two threads, SIGKILLed peers. */
/*
 * Usage: ring_stress MODE [RECORDS]
 *   procs N          a forked producer writes N records of random sizes with
 *                    sequence numbers and checksums; the parent consumer
 *                    verifies every one (no loss, duplicate, reorder or
 *                    corruption) and then sees -EPIPE when the producer closes
 *   threads N        the same with two threads in one process (ThreadSanitizer)
 *   kill-producer    the producer is SIGKILLed mid-stream: the consumer drains
 *                    what was committed, verifies it, and gets -EPIPE
 *   kill-consumer    the consumer is SIGKILLed while the producer is blocked on a
 *                    full ring: the producer's wait returns -EPIPE
 * LNR_RING_STRESS_RECORDS overrides N. Exit 0 on success, 1 on failure.
 */
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "ring.h"

/* Every record starts with this; the payload after it is pseudo-random. */
struct rec_head {
	uint64_t seq;
	uint32_t len; /* whole record, bytes */
	uint32_t sum; /* checksum of the bytes after the head */
};

#define RING_SIZE (1u << 20)
#define WAIT_MS 10000 /* a wait this long means a hang: fail */

/* ThreadSanitizer slows every access ~10x: fewer records there. */
#if defined(__SANITIZE_THREAD__)
#define THREADS_DEFAULT 1000000
#else
#define THREADS_DEFAULT 10000000
#endif

static char ring_name[64];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static uint64_t splitmix(uint64_t *x)
{
	uint64_t z = (*x += 0x9e3779b97f4a7c15ull);

	z = (z ^ (z >> 30)) * 0xbf58476d1ce4e5b9ull;
	z = (z ^ (z >> 27)) * 0x94d049bb133111ebull;
	return z ^ (z >> 31);
}

static uint32_t checksum(const unsigned char *p, size_t n)
{
	uint64_t h = 0xcbf29ce484222325ull ^ n, w;
	size_t i = 0;

	for (; i + 8 <= n; i += 8) {
		memcpy(&w, p + i, 8);
		h = (h ^ w) * 0x100000001b3ull;
		h ^= h >> 29;
	}
	for (; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return (uint32_t)(h ^ (h >> 32));
}

/* Sizes: mostly small, some medium, a few large, all >= the head. */
static size_t pick_len(uint64_t *rng)
{
	uint64_t x = splitmix(rng);
	unsigned k = (unsigned)(x % 10000);

	if (k < 9890)
		return sizeof(struct rec_head) + (x >> 20) % 241;
	if (k < 9998)
		return sizeof(struct rec_head) + (x >> 20) % 4081;
	return sizeof(struct rec_head) + (x >> 20) % (64 * 1024);
}

static void write_record(void *d, size_t len, uint64_t seq)
{
	struct rec_head *h = d;
	unsigned char *p = (unsigned char *)d + sizeof(*h);
	size_t n = len - sizeof(*h), i = 0;
	uint64_t x = seq, w;

	for (; i + 8 <= n; i += 8) {
		w = splitmix(&x);
		memcpy(p + i, &w, 8);
	}
	w = splitmix(&x);
	memcpy(p + i, &w, n - i);
	h->seq = seq;
	h->len = (uint32_t)len;
	h->sum = checksum(p, n);
}

/* Producer loop: n records (UINT64_MAX: until killed). Returns 0 or -errno. */
static int produce(struct ring *r, uint64_t n, uint64_t seed)
{
	uint64_t rng = seed;

	for (uint64_t seq = 0; seq < n; seq++) {
		size_t len = pick_len(&rng);
		void *d;
		int rc;

		while ((rc = ring_reserve(r, len, &d)) == -EAGAIN) {
			rc = ring_wait_writable(r, len, WAIT_MS);
			if (rc < 0) {
				fprintf(stderr, "producer: wait at record %llu: %s\n",
					(unsigned long long)seq, strerror(-rc));
				return rc;
			}
		}
		if (rc < 0) {
			fprintf(stderr, "producer: reserve %zu: %s\n", len, strerror(-rc));
			return rc;
		}
		write_record(d, len, seq);
		ring_commit(r, d);
	}
	return 0;
}

struct verdict {
	uint64_t got;	/* records verified */
	uint64_t bytes; /* their bytes */
	int end;	/* how the stream ended: -EPIPE expected */
	int bad;	/* 1 on any loss, duplicate, reorder or corruption */
};

/*
 * Consumer loop: verify records until the producer is gone or v->got reaches
 * max. Continues the sequence from v->got (zero it before the first call).
 */
static void consume(struct ring *r, uint64_t max, struct verdict *v)
{
	unsigned batch = 0;

	v->end = 0;
	for (;;) {
		const struct rec_head *h;
		const void *d;
		size_t len;
		int rc = ring_peek(r, &d, &len);

		if (rc == 0) {
			h = d;
			if (len < sizeof(*h) || h->len != len || h->seq != v->got ||
			    h->sum != checksum((const unsigned char *)d + sizeof(*h),
					       len - sizeof(*h))) {
				fprintf(stderr,
					"consumer: record %llu bad: len %zu (head says %u), seq "
					"%llu\n",
					(unsigned long long)v->got, len,
					len >= sizeof(*h) ? h->len : 0,
					len >= sizeof(*h) ? (unsigned long long)h->seq : 0ull);
				v->bad = 1;
				return;
			}
			v->got++;
			v->bytes += len;
			if (++batch == 64) {
				ring_release(r);
				batch = 0;
			}
			if (v->got == max)
				return;
			continue;
		}
		ring_release(r);
		batch = 0;
		if (rc == -EAGAIN)
			rc = ring_wait_readable(r, WAIT_MS);
		if (rc == 0)
			continue;
		v->end = rc;
		return;
	}
}

static uint64_t records_arg(int argc, char **argv, uint64_t dflt)
{
	const char *e = getenv("LNR_RING_STRESS_RECORDS");

	if (e && *e)
		return strtoull(e, NULL, 10);
	if (argc > 2)
		return strtoull(argv[2], NULL, 10);
	return dflt;
}

static void report(const char *mode, const struct verdict *v, struct ring *r, double secs)
{
	struct ring_stats st;

	ring_stats(r, &st);
	printf("%s: %llu records, %.1f MB verified in %.2f s (%.1f M rec/s); consumer slept "
	       "%llu times, producer %llu; futex wakes: by producer %llu, by consumer %llu; "
	       "end: %s\n",
	       mode, (unsigned long long)v->got, v->bytes / 1e6, secs, v->got / secs / 1e6,
	       (unsigned long long)st.cons_sleeps, (unsigned long long)st.prod_sleeps,
	       (unsigned long long)st.prod_wakeups, (unsigned long long)st.cons_wakeups,
	       v->end ? strerror(-v->end) : "-");
}

static int wait_child(pid_t pid, int want_signal)
{
	int status;

	if (waitpid(pid, &status, 0) != pid) {
		perror("waitpid");
		return -1;
	}
	if (want_signal)
		return WIFSIGNALED(status) && WTERMSIG(status) == want_signal ? 0 : -1;
	return WIFEXITED(status) && WEXITSTATUS(status) == 0 ? 0 : -1;
}

/* Fork a child that attaches in role and runs fn; the parent's handle is closed in the child. */
static pid_t spawn(struct ring *inherited, enum ring_role role, int (*fn)(struct ring *, uint64_t),
		   uint64_t arg)
{
	pid_t pid = fork();

	if (pid == 0) {
		char err[256];
		struct ring *r;

		/* drop the parent's handle (and with it any hold on its role lock) */
		ring_close(inherited);
		r = ring_attach(ring_name, RING_SIZE, role, err, sizeof(err));
		if (!r) {
			fprintf(stderr, "child: %s\n", err);
			_exit(2);
		}
		int rc = fn(r, arg);
		ring_close(r);
		_exit(rc == 0 ? 0 : 1);
	}
	return pid;
}

static int child_produce(struct ring *r, uint64_t n)
{
	return produce(r, n, 42);
}

static int run_procs(uint64_t n)
{
	char err[256];
	struct verdict v = {0};
	struct ring *r;
	double t0;
	pid_t pid;
	int ok;

	r = ring_create(ring_name, RING_SIZE, RING_CONSUMER, 0, RING_CREATE_REPLACE, err,
			sizeof(err));
	if (!r) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t0 = now_s();
	pid = spawn(r, RING_PRODUCER, child_produce, n);
	consume(r, UINT64_MAX, &v);
	report("procs", &v, r, now_s() - t0);
	ok = !v.bad && v.got == n && v.end == -EPIPE;
	ok &= wait_child(pid, 0) == 0;
	ring_close(r);
	ring_unlink(ring_name);
	return ok ? 0 : 1;
}

struct thread_arg {
	struct ring *r;
	uint64_t n;
	int rc;
};

static void *producer_thread(void *p)
{
	struct thread_arg *a = p;

	a->rc = produce(a->r, a->n, 42);
	ring_close(a->r); /* the consumer then sees -EPIPE after the last record */
	return NULL;
}

static int run_threads(uint64_t n)
{
	struct thread_arg a = {.n = n};
	char err[256];
	struct verdict v = {0};
	struct ring *r;
	pthread_t t;
	double t0;
	int ok;

	r = ring_create(ring_name, RING_SIZE, RING_CONSUMER, 0, RING_CREATE_REPLACE, err,
			sizeof(err));
	if (!r || !(a.r = ring_attach_peer(r, err, sizeof(err)))) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	t0 = now_s();
	if (pthread_create(&t, NULL, producer_thread, &a) != 0)
		return 1;
	consume(r, UINT64_MAX, &v);
	pthread_join(t, NULL);
	report("threads", &v, r, now_s() - t0);
	ok = !v.bad && v.got == n && v.end == -EPIPE && a.rc == 0;
	ring_close(r);
	ring_unlink(ring_name);
	return ok ? 0 : 1;
}

static int run_kill_producer(void)
{
	const uint64_t before = 300000;
	char err[256];
	struct verdict v = {0};
	struct ring *r;
	uint64_t at_kill;
	double t0;
	pid_t pid;
	int ok;

	r = ring_create(ring_name, RING_SIZE, RING_CONSUMER, 0, RING_CREATE_REPLACE, err,
			sizeof(err));
	if (!r) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	pid = spawn(r, RING_PRODUCER, child_produce, UINT64_MAX);
	consume(r, before, &v);
	if (v.bad || v.got != before) {
		fprintf(stderr, "kill-producer: stream broken before the kill\n");
		kill(pid, SIGKILL);
		wait_child(pid, SIGKILL);
		return 1;
	}
	/* the producer dies mid-stream, possibly in the middle of a record */
	kill(pid, SIGKILL);
	t0 = now_s();
	at_kill = v.got;
	consume(r, UINT64_MAX, &v);
	printf("kill-producer: %llu records verified before SIGKILL, %llu drained after it; "
	       "stream ended with: %s, %.3f s after the kill\n",
	       (unsigned long long)at_kill, (unsigned long long)(v.got - at_kill),
	       v.end ? strerror(-v.end) : "-", now_s() - t0);
	ok = !v.bad && v.end == -EPIPE;
	ok &= wait_child(pid, SIGKILL) == 0;
	ring_close(r);
	ring_unlink(ring_name);
	return ok ? 0 : 1;
}

static int child_consume_then_die(struct ring *r, uint64_t n)
{
	struct verdict v = {0};

	consume(r, n, &v);
	ring_release(r);
	if (v.bad || v.got != n)
		_exit(3);
	/* stop reading until the producer is asleep on the full ring, then die */
	for (int i = 0; i < 20000; i++) {
		struct ring_stats st;

		ring_stats(r, &st);
		if (st.prod_sleeps > 0)
			break;
		usleep(1000);
	}
	raise(SIGKILL);
	return 0;
}

static int run_kill_consumer(void)
{
	char err[256];
	struct ring_stats st;
	struct ring *r;
	double t0;
	pid_t pid;
	int rc, ok;

	r = ring_create(ring_name, RING_SIZE, RING_PRODUCER, 0, RING_CREATE_REPLACE, err,
			sizeof(err));
	if (!r) {
		fprintf(stderr, "%s\n", err);
		return 1;
	}
	pid = spawn(r, RING_CONSUMER, child_consume_then_die, 100000);
	t0 = now_s();
	rc = produce(r, UINT64_MAX, 42);
	ring_stats(r, &st);
	printf("kill-consumer: producer stopped with: %s after %.3f s; it slept %llu times on "
	       "the full ring (%llu of %u bytes used)\n",
	       strerror(-rc), now_s() - t0, (unsigned long long)st.prod_sleeps,
	       (unsigned long long)st.used, RING_SIZE);
	ok = rc == -EPIPE && st.prod_sleeps > 0 && st.used + 64 * 1024 + 64 > RING_SIZE;
	ok &= wait_child(pid, SIGKILL) == 0;
	ring_close(r);
	ring_unlink(ring_name);
	return ok ? 0 : 1;
}

int main(int argc, char **argv)
{
	const char *mode = argc > 1 ? argv[1] : "";
	int rc;

	snprintf(ring_name, sizeof(ring_name), "stress-%s-%d", mode, (int)getpid());
	if (strcmp(mode, "procs") == 0)
		rc = run_procs(records_arg(argc, argv, 10000000));
	else if (strcmp(mode, "threads") == 0)
		rc = run_threads(records_arg(argc, argv, THREADS_DEFAULT));
	else if (strcmp(mode, "kill-producer") == 0)
		rc = run_kill_producer();
	else if (strcmp(mode, "kill-consumer") == 0)
		rc = run_kill_consumer();
	else {
		fprintf(stderr, "usage: %s procs|threads [N] | kill-producer | kill-consumer\n",
			argv[0]);
		return 2;
	}
	printf("%s: %s\n", mode, rc == 0 ? "PASS" : "FAIL");
	return rc;
}
