/* test_ring.c: unit tests of the shm ring (common/ring.c): layout, wrap, limits, errors. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>

#include "ring.h"

/* Offsets in the header page (docs/ring.md): magic, version, data size, positions. */
#define OFF_MAGIC 0
#define OFF_VERSION 8
#define OFF_DATA_SIZE 16
#define OFF_PROD_POS 128
#define OFF_CONS_POS 256

static char name_buf[64];
static char err[256];

/* Every name handed out, so a failed test leaves nothing in /dev/shm. */
static char used_names[64][64];
static unsigned n_used;

/* A ring name of our own: ctest runs tests in parallel. */
static const char *uniq(const char *what)
{
	snprintf(name_buf, sizeof(name_buf), "test-%s-%d-%u", what, (int)getpid(), n_used);
	if (n_used < 64)
		snprintf(used_names[n_used++], sizeof(used_names[0]), "%s", name_buf);
	return name_buf;
}

static int unlink_all(void **state)
{
	for (unsigned i = 0; i < n_used; i++)
		ring_unlink(used_names[i]);
	return 0;
}

static void fill(unsigned char *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		p[i] = (unsigned char)(seed * 131u + i * 7u + (i >> 8));
}

static int check(const unsigned char *p, size_t len, unsigned seed)
{
	for (size_t i = 0; i < len; i++)
		if (p[i] != (unsigned char)(seed * 131u + i * 7u + (i >> 8)))
			return 0;
	return 1;
}

static uint64_t prod_pos(struct ring *r)
{
	struct ring_stats st;

	ring_stats(r, &st);
	return st.prod_pos;
}

/* Write one committed record of len bytes with pattern seed. */
static void put(struct ring *p, size_t len, unsigned seed)
{
	void *d = NULL;

	assert_int_equal(ring_reserve(p, len, &d), 0);
	assert_non_null(d);
	assert_int_equal((uintptr_t)d & 7, 0);
	fill(d, len, seed);
	ring_commit(p, d);
}

/* Read one record, check its length and pattern, release it. */
static void get(struct ring *c, size_t len, unsigned seed)
{
	const void *d = NULL;
	size_t l = 0;

	assert_int_equal(ring_peek(c, &d, &l), 0);
	assert_int_equal(l, len);
	assert_int_equal((uintptr_t)d & 7, 0);
	assert_true(check(d, l, seed));
	ring_release(c);
}

static void pair(const char *what, size_t size, struct ring **p, struct ring **c)
{
	const char *n = uniq(what);

	*p = ring_create(n, size, RING_PRODUCER, 0, 0, err, sizeof(err));
	assert_non_null(*p);
	*c = ring_attach(n, size, RING_CONSUMER, err, sizeof(err));
	assert_non_null(*c);
}

static void unpair(struct ring *p, struct ring *c, const char *n)
{
	ring_close(p);
	ring_close(c);
	assert_int_equal(ring_unlink(n), 0);
}

static void test_create_mode_and_unlink(void **state)
{
	char n[64];
	char path[128];
	struct stat st;
	struct ring *p, *again;

	snprintf(n, sizeof(n), "%s", uniq("mode"));
	p = ring_create(n, 4096, RING_PRODUCER, 0, 0, err, sizeof(err));
	assert_non_null(p);
	snprintf(path, sizeof(path), "/dev/shm/lanner-%s", n);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0600);
	assert_int_equal((size_t)st.st_size, (size_t)sysconf(_SC_PAGESIZE) + 4096);
	assert_int_equal(ring_max_record(p), 2048);
	assert_int_equal(ring_data_size(p), 4096);

	/* a second create of the same name is refused, unless asked to replace */
	errno = 0;
	again = ring_create(n, 4096, RING_CONSUMER, 0, 0, err, sizeof(err));
	assert_null(again);
	assert_int_equal(errno, EEXIST);
	assert_non_null(strstr(err, n));
	ring_close(p);
	again = ring_create(n, 8192, RING_CONSUMER, 0640, RING_CREATE_REPLACE, err, sizeof(err));
	assert_non_null(again);
	assert_int_equal(stat(path, &st), 0);
	assert_int_equal(st.st_mode & 0777, 0640);
	ring_close(again);
	/* a ring open to other users is neither created nor attached */
	assert_null(ring_create(uniq("mode"), 4096, RING_PRODUCER, 0666, 0, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_int_equal(chmod(path, 0604), 0);
	assert_null(ring_attach(n, 0, RING_CONSUMER, err, sizeof(err)));
	assert_int_equal(errno, EPERM);
	assert_non_null(strstr(err, "other users"));

	assert_int_equal(ring_unlink(n), 0);
	assert_int_not_equal(access(path, F_OK), 0);
	assert_int_equal(ring_unlink(n), -ENOENT);
}

static void test_bad_arguments(void **state)
{
	errno = 0;
	assert_null(ring_create("bad/name", 4096, RING_PRODUCER, 0, 0, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "character"));
	assert_null(ring_create("", 4096, RING_PRODUCER, 0, 0, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_null(ring_create(uniq("size"), 5000, RING_PRODUCER, 0, 0, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "power of two"));
	assert_null(ring_create(uniq("size"), 2048, RING_PRODUCER, 0, 0, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_null(ring_attach(uniq("none"), 0, RING_CONSUMER, err, sizeof(err)));
	assert_int_equal(errno, ENOENT);
	assert_non_null(strstr(err, "cannot open"));
	/* NULL err buffers are fine */
	assert_null(ring_attach(uniq("none"), 0, RING_CONSUMER, NULL, 0));
	ring_close(NULL);
}

static void test_empty_peek(void **state)
{
	struct ring *p, *c;
	const void *d;
	size_t l;
	const char *n;

	pair("empty", 4096, &p, &c);
	n = name_buf;
	assert_int_equal(ring_peek(c, &d, &l), -EAGAIN);
	assert_int_equal(ring_wait_readable(c, 0), -ETIMEDOUT);
	assert_int_equal(ring_wait_readable(c, 20), -ETIMEDOUT);
	/* a reserved, uncommitted record is not readable */
	void *w;
	assert_int_equal(ring_reserve(p, 10, &w), 0);
	assert_int_equal(ring_peek(c, &d, &l), -EAGAIN);
	assert_int_equal(ring_wait_readable(c, 10), -ETIMEDOUT);
	fill(w, 10, 3);
	ring_commit(p, w);
	assert_int_equal(ring_wait_readable(c, 10), 0);
	get(c, 10, 3);
	assert_int_equal(ring_peek(c, &d, &l), -EAGAIN);
	unpair(p, c, n);
}

/* Put the next record at data offset off, with discarded fillers the consumer skips. */
static void move_to(struct ring *p, struct ring *c, uint64_t off, uint64_t size)
{
	const void *d;
	size_t l;

	for (;;) {
		uint64_t delta = (off - prod_pos(p)) & (size - 1);
		uint64_t span;
		void *w;

		if (delta == 0)
			return;
		span = delta >= 16 && delta <= size / 2 ? delta : size / 4;
		assert_int_equal(ring_reserve(p, span - 8, &w), 0);
		ring_discard(p, w);
		assert_int_equal(ring_peek(c, &d, &l), -EAGAIN);
		ring_release(c);
	}
}

static void test_wrap_every_alignment(void **state)
{
	const uint64_t size = 4096;
	struct ring *p, *c;
	const char *n;

	pair("wrap", size, &p, &c);
	n = name_buf;
	for (unsigned len = 1; len <= 64; len++) {
		for (uint64_t off = 0; off < size; off += 8) {
			unsigned seed = len * 4099u + (unsigned)off;

			move_to(p, c, off, size);
			assert_int_equal(prod_pos(p) & (size - 1), off);
			put(p, len, seed);
			get(c, len, seed);
		}
	}
	/* and records that straddle the end by every amount, of a larger size */
	for (uint64_t off = size - 2000; off < size; off += 8) {
		move_to(p, c, off, size);
		put(p, 2000, (unsigned)off);
		get(c, 2000, (unsigned)off);
	}
	unpair(p, c, n);
}

static void test_sizes_1b_to_1mib(void **state)
{
	/* the smallest ring that takes 1 MiB records */
	const size_t size = 2u << 20;
	struct ring *p, *c;
	const char *n;
	size_t lens[128];
	unsigned k = 0;
	void *w;

	pair("sizes", size, &p, &c);
	n = name_buf;
	assert_int_equal(ring_max_record(p), 1u << 20);
	/* every power of two up to 1 MiB, and its neighbours */
	for (size_t s = 1; s <= (1u << 20); s <<= 1) {
		lens[k++] = s;
		if (s > 2)
			lens[k++] = s - 1;
		if (s < (1u << 20))
			lens[k++] = s + 1;
	}
	for (unsigned round = 0; round < 3; round++)
		for (unsigned i = 0; i < k; i++) {
			put(p, lens[i], i + round * 1000);
			get(c, lens[i], i + round * 1000);
		}
	assert_int_equal(ring_reserve(p, 0, &w), -EMSGSIZE);
	assert_int_equal(ring_reserve(p, ring_max_record(p) + 1, &w), -EMSGSIZE);
	assert_int_equal(ring_wait_writable(p, ring_max_record(p) + 1, 0), -EMSGSIZE);
	unpair(p, c, n);
}

static void test_full_ring_backpressure(void **state)
{
	struct ring *p, *c;
	const char *n;
	unsigned written = 0, readback = 0;
	const void *d;
	size_t l;
	void *w;
	int rc;

	pair("full", 4096, &p, &c);
	n = name_buf;
	/* 100-byte records take 112 bytes: 36 fit in 4096 */
	for (;;) {
		rc = ring_reserve(p, 100, &w);
		if (rc != 0)
			break;
		fill(w, 100, written++);
		ring_commit(p, w);
	}
	assert_int_equal(rc, -EAGAIN);
	assert_int_equal(written, 4096 / 112);
	/* still full on retry, and a wait times out (the consumer lives) */
	assert_int_equal(ring_reserve(p, 100, &w), -EAGAIN);
	assert_int_equal(ring_wait_writable(p, 100, 20), -ETIMEDOUT);
	assert_int_equal(ring_peer_alive(p), 1);
	/* a smaller record that fits in the remaining 64 bytes is accepted */
	assert_int_equal(ring_reserve(p, 56, &w), 0);
	fill(w, 56, 999);
	ring_commit(p, w);
	assert_int_equal(ring_reserve(p, 1, &w), -EAGAIN);

	/* nothing was overwritten: every record reads back in order */
	for (;;) {
		rc = ring_peek(c, &d, &l);
		if (rc != 0)
			break;
		if (readback < written) {
			assert_int_equal(l, 100);
			assert_true(check(d, l, readback));
		} else {
			assert_int_equal(l, 56);
			assert_true(check(d, l, 999));
		}
		readback++;
	}
	assert_int_equal(rc, -EAGAIN);
	assert_int_equal(readback, written + 1);
	/* not released yet: still full */
	assert_int_equal(ring_reserve(p, 1, &w), -EAGAIN);
	ring_release(c);
	assert_int_equal(ring_wait_writable(p, 100, 0), 0);
	put(p, 100, 5);
	get(c, 100, 5);
	unpair(p, c, n);
}

static void test_discard_and_out_of_order_commit(void **state)
{
	struct ring *p, *c;
	const char *n;
	void *a, *b, *x;

	pair("discard", 4096, &p, &c);
	n = name_buf;
	assert_int_equal(ring_reserve(p, 10, &a), 0);
	assert_int_equal(ring_reserve(p, 20, &b), 0);
	assert_int_equal(ring_reserve(p, 30, &x), 0);
	fill(a, 10, 1);
	fill(x, 30, 3);
	ring_commit(p, x); /* out of order: a is still busy */
	const void *d;
	size_t l;
	assert_int_equal(ring_peek(c, &d, &l), -EAGAIN);
	ring_discard(p, b);
	assert_int_equal(ring_peek(c, &d, &l), -EAGAIN);
	ring_commit(p, a);
	get(c, 10, 1);
	get(c, 30, 3); /* b skipped */
	assert_int_equal(ring_peek(c, &d, &l), -EAGAIN);

	/* a ring of discards only is empty to the consumer and frees its space */
	for (int i = 0; i < 100; i++) {
		assert_int_equal(ring_reserve(p, 500, &a), 0);
		ring_discard(p, a);
		assert_int_equal(ring_peek(c, &d, &l), -EAGAIN);
		ring_release(c);
	}
	unpair(p, c, n);
}

static void test_batch_release(void **state)
{
	struct ring *p, *c;
	const char *n;
	const void *ptrs[64];
	size_t l;
	unsigned k = 0;
	void *w;

	pair("batch", 8192, &p, &c);
	n = name_buf;
	while (ring_reserve(p, 200, &w) == 0) {
		fill(w, 200, k++);
		ring_commit(p, w);
	}
	assert_true(k > 10 && k < 64);
	/* peek all without releasing: the producer stays blocked */
	for (unsigned i = 0; i < k; i++) {
		assert_int_equal(ring_peek(c, &ptrs[i], &l), 0);
		assert_int_equal(l, 200);
		assert_int_equal(ring_reserve(p, 200, &w), -EAGAIN);
	}
	const void *none = NULL;
	assert_int_equal(ring_peek(c, &none, &l), -EAGAIN);
	/* every pointer of the batch is still valid and intact */
	for (unsigned i = 0; i < k; i++)
		assert_true(check(ptrs[i], 200, i));
	ring_release(c);
	struct ring_stats st;
	ring_stats(c, &st);
	assert_int_equal(st.used, 0);
	assert_int_equal(ring_reserve(p, 200, &w), 0);
	ring_commit(p, w);
	unpair(p, c, n);
}

static void corrupt_u64(const char *n, off_t off, uint64_t v)
{
	char path[128];
	int fd;

	snprintf(path, sizeof(path), "/lanner-%s", n);
	fd = shm_open(path, O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(pwrite(fd, &v, sizeof(v), off), (ssize_t)sizeof(v));
	close(fd);
}

static uint64_t read_u64(const char *n, off_t off)
{
	char path[128];
	uint64_t v = 0;
	int fd;

	snprintf(path, sizeof(path), "/lanner-%s", n);
	fd = shm_open(path, O_RDONLY, 0);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, &v, sizeof(v), off), (ssize_t)sizeof(v));
	close(fd);
	return v;
}

static void test_mismatch_refused(void **state)
{
	const char *n = uniq("mismatch");
	struct ring *p, *c;
	uint64_t magic, ver;

	p = ring_create(n, 8192, RING_PRODUCER, 0, 0, err, sizeof(err));
	assert_non_null(p);

	errno = 0;
	assert_null(ring_attach(n, 4096, RING_CONSUMER, err, sizeof(err)));
	assert_int_equal(errno, EINVAL);
	assert_non_null(strstr(err, "8192"));
	assert_non_null(strstr(err, "expected 4096"));

	/* a second live producer is refused */
	assert_null(ring_attach(n, 8192, RING_PRODUCER, err, sizeof(err)));
	assert_int_equal(errno, EBUSY);
	assert_non_null(strstr(err, "producer"));

	magic = read_u64(n, OFF_MAGIC);
	ver = read_u64(n, OFF_VERSION);
	corrupt_u64(n, OFF_VERSION, (ver & ~0xffffffffull) | (RING_VERSION + 1));
	assert_null(ring_attach(n, 0, RING_CONSUMER, err, sizeof(err)));
	assert_int_equal(errno, EPROTO);
	assert_non_null(strstr(err, "version 2"));
	corrupt_u64(n, OFF_VERSION, ver);

	corrupt_u64(n, OFF_MAGIC, 0x1122334455667788ull);
	assert_null(ring_attach(n, 0, RING_CONSUMER, err, sizeof(err)));
	assert_int_equal(errno, EPROTO);
	assert_non_null(strstr(err, "not a Lanner ring"));
	corrupt_u64(n, OFF_MAGIC, 0);
	assert_null(ring_attach(n, 0, RING_CONSUMER, err, sizeof(err)));
	assert_int_equal(errno, EAGAIN);
	corrupt_u64(n, OFF_MAGIC, magic);

	corrupt_u64(n, OFF_DATA_SIZE, 16384);
	assert_null(ring_attach(n, 0, RING_CONSUMER, err, sizeof(err)));
	assert_int_equal(errno, EPROTO);
	corrupt_u64(n, OFF_DATA_SIZE, 8192);

	/* positions further apart than the ring is big */
	corrupt_u64(n, OFF_PROD_POS, 8192 * 3);
	assert_null(ring_attach(n, 0, RING_CONSUMER, err, sizeof(err)));
	assert_int_equal(errno, EPROTO);
	assert_non_null(strstr(err, "corrupt positions"));
	corrupt_u64(n, OFF_PROD_POS, 0);

	c = ring_attach(n, 8192, RING_CONSUMER, err, sizeof(err));
	assert_non_null(c);
	put(p, 33, 7);
	get(c, 33, 7);
	unpair(p, c, n);
}

static void test_corrupt_record_rejected(void **state)
{
	struct ring *p, *c;
	const char *n;
	const void *d;
	size_t l;
	void *w;

	pair("badrec", 4096, &p, &c);
	n = name_buf;
	assert_int_equal(ring_reserve(p, 16, &w), 0);
	/* a producer bug (or a hostile one) writes a length past what it reserved */
	*(volatile uint32_t *)((unsigned char *)w - 8) = 3000;
	assert_int_equal(ring_peek(c, &d, &l), -EPROTO);
	*(volatile uint32_t *)((unsigned char *)w - 8) = 0;
	assert_int_equal(ring_peek(c, &d, &l), -EPROTO);
	*(volatile uint32_t *)((unsigned char *)w - 8) = 16;
	assert_int_equal(ring_peek(c, &d, &l), 0);
	assert_int_equal(l, 16);
	unpair(p, c, n);
}

static void test_reattach(void **state)
{
	const char *n = uniq("reattach");
	struct ring *p, *c, *c2;
	const void *d;
	size_t l;
	void *w;

	c = ring_create(n, 4096, RING_CONSUMER, 0, 0, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(ring_peer_alive(c), 0); /* no producer yet */
	assert_int_equal(ring_wait_readable(c, 10), -ETIMEDOUT);

	p = ring_attach(n, 4096, RING_PRODUCER, err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(ring_peer_alive(c), 1);
	for (unsigned i = 0; i < 3; i++)
		put(p, 40 + i, i);
	/* a reservation left uncommitted when the producer goes away */
	assert_int_equal(ring_reserve(p, 24, &w), 0);
	ring_close(p);
	assert_int_equal(ring_peer_alive(c), -EPIPE);
	for (unsigned i = 0; i < 3; i++)
		get(c, 40 + i, i);
	assert_int_equal(ring_peek(c, &d, &l), -EPIPE);
	assert_int_equal(ring_wait_readable(c, 1000), -EPIPE);

	/* a new producer takes over: the stale reservation becomes a discard */
	p = ring_attach(n, 4096, RING_PRODUCER, err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(ring_peer_alive(c), 1);
	put(p, 50, 50);
	put(p, 51, 51);
	assert_int_equal(ring_wait_readable(c, 1000), 0);
	get(c, 50, 50);

	/* the consumer peeks without releasing and goes away: redelivered */
	assert_int_equal(ring_peek(c, &d, &l), 0);
	assert_int_equal(l, 51);
	ring_close(c);
	assert_int_equal(ring_peer_alive(p), -EPIPE);
	c2 = ring_attach(n, 4096, RING_CONSUMER, err, sizeof(err));
	assert_non_null(c2);
	assert_int_equal(ring_peer_alive(p), 1);
	get(c2, 51, 51);
	assert_int_equal(ring_peek(c2, &d, &l), -EAGAIN);
	unpair(p, c2, n);
}

static void test_attach_peer(void **state)
{
	const char *n = uniq("peer");
	struct ring *c, *p;

	c = ring_create(n, 4096, RING_CONSUMER, 0, 0, err, sizeof(err));
	assert_non_null(c);
	p = ring_attach_peer(c, err, sizeof(err));
	assert_non_null(p);
	assert_int_equal(ring_peer_alive(c), 1);
	assert_int_equal(ring_peer_alive(p), 1);
	put(p, 77, 77);
	/* the twin's handle is closed first: the mapping stays for the other */
	ring_close(p);
	get(c, 77, 77);
	assert_int_equal(ring_peer_alive(c), -EPIPE);
	ring_close(c);
	assert_int_equal(ring_unlink(n), 0);
}

struct waiter {
	struct ring *r;
	int rc;
};

static void *wait_readable_thread(void *arg)
{
	struct waiter *w = arg;

	w->rc = ring_wait_readable(w->r, 10000);
	return NULL;
}

/* The producer makes no system call while the consumer is awake, and one wake when it sleeps. */
static void test_wake_only_when_sleeping(void **state)
{
	struct ring *p, *c;
	struct ring_stats st;
	struct waiter w;
	pthread_t t;
	const char *n;

	pair("wake", 65536, &p, &c);
	n = name_buf;
	for (unsigned i = 0; i < 1000; i++) {
		put(p, 1 + i % 200, i);
		get(c, 1 + i % 200, i);
	}
	ring_stats(p, &st);
	assert_int_equal(st.prod_wakeups, 0);
	assert_int_equal(st.cons_wakeups, 0);
	assert_int_equal(st.cons_sleeps, 0);

	/* the consumer goes to sleep on the empty ring; one commit wakes it, once */
	w.r = c;
	w.rc = 1;
	assert_int_equal(pthread_create(&t, NULL, wait_readable_thread, &w), 0);
	do {
		usleep(1000);
		ring_stats(p, &st);
	} while (st.cons_sleeps == 0);
	put(p, 64, 64);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.rc, 0);
	get(c, 64, 64);
	ring_stats(p, &st);
	assert_int_equal(st.prod_wakeups, 1);

	/* more records while the consumer is awake: still no wake */
	for (unsigned i = 0; i < 100; i++)
		put(p, 100, i);
	ring_stats(p, &st);
	assert_int_equal(st.prod_wakeups, 1);
	unpair(p, c, n);
}

/* Producer batching: quiet commits are readable but wake nobody; ring_notify() wakes a
 * sleeping consumer once, and nobody when it is awake. */
static void test_quiet_commit_and_notify(void **state)
{
	struct ring *p, *c;
	struct ring_stats st;
	struct waiter w;
	pthread_t t;
	const char *n;
	void *d;

	pair("quiet", 65536, &p, &c);
	n = name_buf;
	/* awake consumer: records readable, no wake, notify is a no-op */
	for (unsigned i = 0; i < 10; i++) {
		assert_int_equal(ring_reserve(p, 80, &d), 0);
		fill(d, 80, i);
		ring_commit_quiet(p, d);
	}
	ring_notify(p);
	for (unsigned i = 0; i < 10; i++)
		get(c, 80, i);
	ring_stats(p, &st);
	assert_int_equal(st.prod_wakeups, 0);

	/* sleeping consumer: a quiet commit does not wake it, the notify does */
	w.r = c;
	w.rc = 1;
	assert_int_equal(pthread_create(&t, NULL, wait_readable_thread, &w), 0);
	do {
		usleep(1000);
		ring_stats(p, &st);
	} while (st.cons_sleeps == 0);
	assert_int_equal(ring_reserve(p, 64, &d), 0);
	fill(d, 64, 64);
	ring_commit_quiet(p, d);
	ring_stats(p, &st);
	assert_int_equal(st.prod_wakeups, 0);
	ring_notify(p);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.rc, 0);
	get(c, 64, 64);
	ring_stats(p, &st);
	/* 1, unless the consumer's 100 ms liveness wake-up found the record first */
	assert_true(st.prod_wakeups <= 1);
	assert_true(st.prod_wakeups == 1 || st.cons_sleeps > 1);
	unpair(p, c, n);
}

/* Fuzz-like: random corruption of the header never crashes attach or the first reads. */
static void test_attach_corrupt_header_fuzz(void **state)
{
	const char *n = uniq("fuzz");
	long page = sysconf(_SC_PAGESIZE);
	unsigned char *orig = malloc((size_t)page), *cur = malloc((size_t)page);
	char path[128];
	unsigned ok = 0, refused = 0;
	unsigned seed = 12345;
	struct ring *p;
	int fd;

	assert_non_null(orig);
	assert_non_null(cur);
	p = ring_create(n, 4096, RING_PRODUCER, 0, 0, err, sizeof(err));
	assert_non_null(p);
	put(p, 100, 1);
	ring_close(p);
	snprintf(path, sizeof(path), "/lanner-%s", n);
	fd = shm_open(path, O_RDWR, 0);
	assert_true(fd >= 0);
	assert_int_equal(pread(fd, orig, (size_t)page, 0), page);

	for (unsigned iter = 0; iter < 3000; iter++) {
		unsigned flips = 1 + (unsigned)(rand_r(&seed) % 6);
		struct ring *c;

		memcpy(cur, orig, (size_t)page);
		for (unsigned f = 0; f < flips; f++) {
			/* mostly the fields that matter, sometimes anywhere in the page */
			unsigned pos = rand_r(&seed) % 4 ? (unsigned)rand_r(&seed) % 40
							 : (unsigned)rand_r(&seed) % 512;
			cur[pos] = (unsigned char)rand_r(&seed);
		}
		assert_int_equal(pwrite(fd, cur, (size_t)page, 0), page);
		err[0] = 0;
		errno = 0;
		c = ring_attach(n, 0, RING_CONSUMER, err, sizeof(err));
		if (!c) {
			assert_true(errno == EPROTO || errno == EINVAL || errno == EAGAIN);
			assert_true(strlen(err) > 10);
			refused++;
			continue;
		}
		ok++;
		const void *d;
		size_t l;
		int rc = ring_peek(c, &d, &l);
		assert_true(rc == 0 || rc == -EAGAIN || rc == -EPROTO || rc == -EPIPE);
		ring_close(c);
	}
	/* truncated objects */
	long sizes[] = {0, 16, page - 1, page, page + 4096 - 8, page + 8192};
	assert_int_equal(pwrite(fd, orig, (size_t)page, 0), page);
	for (unsigned i = 0; i < sizeof(sizes) / sizeof(sizes[0]); i++) {
		assert_int_equal(ftruncate(fd, sizes[i]), 0);
		if (sizes[i] >= page)
			assert_int_equal(pwrite(fd, orig, (size_t)page, 0), page);
		errno = 0;
		assert_null(ring_attach(n, 0, RING_CONSUMER, err, sizeof(err)));
		assert_true(errno == EPROTO || errno == EAGAIN);
	}
	print_message("corrupt headers: %u attached, %u refused\n", ok, refused);
	assert_true(refused > 1000);
	close(fd);
	free(orig);
	free(cur);
	assert_int_equal(ring_unlink(n), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_create_mode_and_unlink),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_empty_peek),
		cmocka_unit_test(test_wrap_every_alignment),
		cmocka_unit_test(test_sizes_1b_to_1mib),
		cmocka_unit_test(test_full_ring_backpressure),
		cmocka_unit_test(test_discard_and_out_of_order_commit),
		cmocka_unit_test(test_batch_release),
		cmocka_unit_test(test_mismatch_refused),
		cmocka_unit_test(test_corrupt_record_rejected),
		cmocka_unit_test(test_reattach),
		cmocka_unit_test(test_attach_peer),
		cmocka_unit_test(test_wake_only_when_sleeping),
		cmocka_unit_test(test_quiet_commit_and_notify),
		cmocka_unit_test(test_attach_corrupt_header_fuzz),
	};

	return cmocka_run_group_tests(tests, NULL, unlink_all);
}
