/* test_dispatch.c: evaluator rings joining, leaving and dying; shard moves keep each key's order and lose nothing. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "dispatch.h"
#include "event.h"
#include "ring.h"

#define NKEYS 64
#define RSIZE 65536
#define RECLEN 64

static char prefix[64];
static uint64_t next_seq[NKEYS]; /* next sequence number sent per key */
static uint64_t seen_seq[NKEYS]; /* next sequence number expected per key */
static uint64_t consumed;

static void ring_nm(unsigned k, char *out, size_t n)
{
	snprintf(out, n, "%s%u", prefix, k);
}

static struct ring *consumer_sized(unsigned k, size_t size)
{
	char name[128], err[256];
	struct ring *r;

	ring_nm(k, name, sizeof(name));
	r = ring_attach(name, 0, RING_CONSUMER, err, sizeof(err));
	if (!r) /* an evaluator that comes first makes its ring */
		r = ring_create(name, size, RING_CONSUMER, 0600, 0, err, sizeof(err));
	if (!r)
		fail_msg("consumer %u: %s", k, err);
	return r;
}

static struct ring *consumer(unsigned k)
{
	return consumer_sized(k, RSIZE);
}

static void send_key(struct dsp *d, unsigned key)
{
	uint8_t rec[RECLEN] = {0};
	struct lnr_evt_hdr h = {0};

	h.pid = 1000 + key;
	h.tid = h.pid;
	h.ts = next_seq[key]++;
	h.len = RECLEN;
	memcpy(rec, &h, sizeof(h));
	assert_int_equal(dsp_send(d, (uint64_t)h.pid, rec, sizeof(rec)), 0);
}

static void send_round(struct dsp *d)
{
	for (unsigned key = 0; key < NKEYS; key++)
		send_key(d, key);
}

/*
 * Evaluates every record ring r has (as an evaluator would, then releases):
 * each key's records must come exactly in the order they were sent, none
 * missing, none twice, whichever ring they went through.
 */
static void consume(struct ring *r)
{
	const void *data;
	size_t len;

	while (ring_peek(r, &data, &len) == 0) {
		struct lnr_evt_hdr h;
		unsigned key;

		assert_int_equal(len, RECLEN);
		memcpy(&h, data, sizeof(h));
		key = (unsigned)(h.pid - 1000);
		assert_true(key < NKEYS);
		if (h.ts != seen_seq[key])
			fail_msg("key %u: got record %llu, expected %llu", key,
				 (unsigned long long)h.ts, (unsigned long long)seen_seq[key]);
		seen_seq[key]++;
		consumed++;
	}
	ring_release(r);
}

static void all_consumed(void)
{
	for (unsigned key = 0; key < NKEYS; key++)
		assert_int_equal(seen_seq[key], next_seq[key]);
}

static struct dsp *mk(unsigned initial, unsigned grace_ms)
{
	struct dsp_opts o = {0};
	char err[256];
	struct dsp *d;

	o.prefix = prefix;
	o.ring_size = RSIZE;
	o.initial = initial;
	o.grace_ms = grace_ms;
	o.scan_ms = 1;
	d = dsp_new(&o, err, sizeof(err));
	if (!d)
		fail_msg("dsp_new: %s", err);
	return d;
}

static void sleep_ms(unsigned ms)
{
	struct timespec ts = {ms / 1000, (long)(ms % 1000) * 1000000};

	nanosleep(&ts, NULL);
}

static int setup(void **state)
{
	char name[128];

	snprintf(prefix, sizeof(prefix), "tdsp%d.eval.", (int)getpid());
	for (unsigned k = 0; k < 8; k++) {
		ring_nm(k, name, sizeof(name));
		ring_unlink(name);
	}
	memset(next_seq, 0, sizeof(next_seq));
	memset(seen_seq, 0, sizeof(seen_seq));
	consumed = 0;
	return 0;
}

static int teardown(void **state)
{
	return setup(state);
}

/* Keys spread over the members; the same members give the same map. */
static void test_spread(void **state)
{
	struct ring *c[3];
	struct dsp *d;
	unsigned count[3] = {0};
	unsigned route[NKEYS];
	struct dsp_stats st;

	for (unsigned k = 0; k < 3; k++)
		c[k] = consumer(k);
	d = mk(3, 1000);
	for (unsigned key = 0; key < NKEYS; key++) {
		route[key] = dsp_route(d, 1000 + key);
		assert_true(route[key] < 3);
		count[route[key]]++;
	}
	for (unsigned k = 0; k < 3; k++)
		assert_true(count[k] > NKEYS / 8); /* each gets a fair part */
	for (int i = 0; i < 5; i++)
		send_round(d);
	for (unsigned k = 0; k < 3; k++)
		consume(c[k]);
	all_consumed();
	assert_int_equal(dsp_poll(d), 0);
	dsp_get_stats(d, &st);
	assert_int_equal(st.members, 3);
	assert_int_equal(st.alive, 3);
	assert_int_equal(st.sent, 5 * NKEYS);
	dsp_free(d);
	d = mk(3, 1000);
	for (unsigned key = 0; key < NKEYS; key++)
		assert_int_equal(dsp_route(d, 1000 + key), route[key]);
	dsp_free(d);
	for (unsigned k = 0; k < 3; k++)
		ring_close(c[k]);
}

/*
 * A new evaluator (ring 2) joins: shards it takes move only once their old
 * ring released their last record; until then they still go to the old ring.
 */
static void test_join(void **state)
{
	struct ring *c[3];
	struct dsp *d;
	struct dsp_stats st;
	unsigned moved = 0, waiting = 0;

	c[0] = consumer(0);
	c[1] = consumer(1);
	d = mk(2, 1000);
	send_round(d); /* unreleased records of every key in rings 0 and 1 */
	c[2] = consumer(2);
	sleep_ms(3);
	assert_int_equal(dsp_poll(d), 0);
	assert_true(dsp_is_member(d, 2));
	for (unsigned key = 0; key < NKEYS; key++) {
		if (dsp_target(d, 1000 + key) == 2) {
			moved++;
			/* its old ring still holds its records: it stays there */
			assert_int_not_equal(dsp_route(d, 1000 + key), 2);
		}
	}
	assert_true(moved > 0);
	dsp_get_stats(d, &st);
	assert_int_equal(st.joins, 1);
	assert_int_equal(st.pending_moves > 0, 1);
	send_round(d); /* still to the old rings */
	assert_int_equal(ring_peek(c[2], &(const void *){NULL}, &(size_t){0}), -EAGAIN);
	/* ring 1 evaluates everything it has; ring 0 does not yet */
	consume(c[1]);
	send_round(d);
	for (unsigned key = 0; key < NKEYS; key++) {
		unsigned r = dsp_route(d, 1000 + key), t = dsp_target(d, 1000 + key);

		if (t != 2)
			continue;
		/* the shards that came from ring 1 moved; those of ring 0 wait */
		if (r == 0)
			waiting++;
		else
			assert_int_equal(r, 2);
	}
	assert_true(waiting > 0);
	/* an adversarial evaluation order: the newest ring first */
	consume(c[2]);
	consume(c[0]);
	consume(c[1]);
	send_round(d);
	for (unsigned key = 0; key < NKEYS; key++)
		assert_int_equal(dsp_route(d, 1000 + key), dsp_target(d, 1000 + key));
	consume(c[2]);
	consume(c[1]);
	consume(c[0]);
	all_consumed();
	assert_int_equal(dsp_poll(d), 0);
	dsp_get_stats(d, &st);
	assert_int_equal(st.pending_moves, 0);
	assert_int_equal(st.shard_moves > 0, 1);
	dsp_free(d);
	for (unsigned k = 0; k < 3; k++)
		ring_close(c[k]);
}

/* An evaluator process that attaches to ring k, takes (peeks) n records without releasing them, and dies. */
static pid_t dying_consumer(unsigned k, size_t size, unsigned n, int fd_ready)
{
	pid_t pid = fork();

	assert_true(pid >= 0);
	if (pid == 0) {
		struct ring *r = consumer_sized(k, size);
		const void *data;
		size_t len;
		char c = 1;

		if (write(fd_ready, &c, 1) != 1)
			_exit(2);
		for (unsigned i = 0; i < n;) {
			if (ring_peek(r, &data, &len) == 0)
				i++;
			else
				ring_wait_readable(r, 100);
		}
		pause();
		_exit(0);
	}
	return pid;
}

static void wait_ready(int fd)
{
	char c;

	assert_int_equal(read(fd, &c, 1), 1);
}

/*
 * The evaluator of ring 2 dies holding records it had peeked, not released.
 * Before the grace time: nothing moves. After: its records are moved to the
 * others in order, its shards follow, nothing lost.
 */
static void test_death_moves_records(void **state)
{
	struct ring *c[2];
	struct dsp *d;
	struct dsp_stats st;
	int pfd[2];
	pid_t child;
	unsigned on2 = 0;

	assert_int_equal(pipe(pfd), 0);
	c[0] = consumer(0);
	c[1] = consumer(1);
	child = dying_consumer(2, RSIZE, 3, pfd[1]);
	wait_ready(pfd[0]);
	d = mk(3, 150);
	for (unsigned key = 0; key < NKEYS; key++)
		on2 += dsp_route(d, 1000 + key) == 2;
	assert_true(on2 >= 3);
	for (int i = 0; i < 4; i++)
		send_round(d);
	consume(c[0]);
	consume(c[1]);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, NULL, 0), child);
	assert_int_equal(dsp_poll(d), 0);
	assert_true(dsp_is_member(d, 2)); /* in its grace time */
	send_round(d);			  /* still to ring 2 */
	sleep_ms(200);
	assert_int_equal(dsp_poll(d), 0);
	assert_false(dsp_is_member(d, 2));
	dsp_get_stats(d, &st);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.resent, 5 * on2); /* what it had peeked too */
	for (unsigned key = 0; key < NKEYS; key++)
		assert_int_not_equal(dsp_route(d, 1000 + key), 2);
	send_round(d);
	consume(c[1]);
	consume(c[0]);
	all_consumed();
	assert_int_equal(consumed, 6 * NKEYS);
	/* a new evaluator on ring 2 joins again */
	{
		struct ring *c2 = consumer(2);

		sleep_ms(3);
		assert_int_equal(dsp_poll(d), 0);
		assert_true(dsp_is_member(d, 2));
		send_round(d);
		consume(c[0]);
		consume(c[1]);
		consume(c2);
		all_consumed();
		ring_close(c2);
	}
	dsp_free(d);
	ring_close(c[0]);
	ring_close(c[1]);
	close(pfd[0]);
	close(pfd[1]);
}

/* An evaluator restarted within the grace time keeps its ring and resumes its records. */
static void test_back_within_grace(void **state)
{
	struct ring *c[2];
	struct dsp *d;
	struct dsp_stats st;

	c[0] = consumer(0);
	c[1] = consumer(1);
	d = mk(2, 5000);
	send_round(d);
	ring_close(c[1]); /* detached: gone, records unreleased */
	assert_int_equal(dsp_poll(d), 0);
	send_round(d);
	c[1] = consumer(1); /* the restarted one */
	assert_int_equal(dsp_poll(d), 0);
	assert_true(dsp_is_member(d, 1));
	consume(c[0]);
	consume(c[1]);
	all_consumed();
	dsp_get_stats(d, &st);
	assert_int_equal(st.evictions, 0);
	assert_int_equal(st.resent, 0);
	dsp_free(d);
	ring_close(c[0]);
	ring_close(c[1]);
}

/* A send blocked on a full ring whose evaluator died completes once the grace time moved that ring's records. */
static void test_full_ring_of_dead(void **state)
{
	struct ring *c0;
	struct dsp *d;
	struct dsp_stats st;
	int pfd[2];
	pid_t child;
	unsigned key1 = NKEYS;
	unsigned n = 0;

	assert_int_equal(pipe(pfd), 0);
	c0 = consumer(0);
	child = dying_consumer(1, 8192, 1, pfd[1]);
	wait_ready(pfd[0]);
	d = mk(2, 100);
	for (unsigned key = 0; key < NKEYS && key1 == NKEYS; key++)
		if (dsp_route(d, 1000 + key) == 1)
			key1 = key;
	assert_true(key1 < NKEYS);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, NULL, 0), child);
	/* fill ring 1 (no consumer), then more: the send waits, then moves it */
	for (n = 0; n < 3 * RSIZE / RECLEN; n++) {
		if (n % 128 == 0)
			consume(c0);
		send_key(d, key1);
	}
	dsp_get_stats(d, &st);
	assert_int_equal(st.evictions, 1);
	assert_true(st.full_waits > 0);
	consume(c0);
	all_consumed();
	dsp_free(d);
	ring_close(c0);
	close(pfd[0]);
	close(pfd[1]);
}

/* Records an earlier enricher left in a ring with no consumer are moved at start, before anything new. */
static void test_settle_leftovers(void **state)
{
	struct ring *c[2], *p;
	struct dsp *d;
	struct dsp_stats st;
	char name[128], err[256];

	c[0] = consumer(0);
	c[1] = consumer(1);
	ring_nm(5, name, sizeof(name));
	p = ring_create(name, RSIZE, RING_PRODUCER, 0600, 0, err, sizeof(err));
	assert_non_null(p);
	for (unsigned key = 0; key < NKEYS; key++) {
		uint8_t rec[RECLEN] = {0};
		struct lnr_evt_hdr h = {0};
		void *slot;

		h.pid = 1000 + key;
		h.ts = next_seq[key]++;
		memcpy(rec, &h, sizeof(h));
		assert_int_equal(ring_reserve(p, RECLEN, &slot), 0);
		memcpy(slot, rec, RECLEN);
		ring_commit(p, slot);
	}
	ring_close(p);
	d = mk(2, 30);
	dsp_get_stats(d, &st);
	assert_int_equal(st.resent, NKEYS);
	assert_false(dsp_is_member(d, 5));
	send_round(d);
	consume(c[1]);
	consume(c[0]);
	all_consumed();
	dsp_free(d);
	ring_close(c[0]);
	ring_close(c[1]);
}

struct waiter {
	struct ring *r;
	int rc;
};

static void *wait_readable(void *arg)
{
	struct waiter *w = arg;

	w->rc = ring_wait_readable(w->r, 10000);
	return NULL;
}

/*
 * defer_wake (the enricher's batching): sends do not wake a sleeping evaluator,
 * dsp_flush() does, once.
 */
static void test_deferred_wake(void **state)
{
	struct dsp_opts o = {0};
	char err[256];
	struct ring *c = consumer(0);
	struct ring_stats rs;
	struct waiter w = {c, 1};
	pthread_t t;
	struct dsp *d;

	o.prefix = prefix;
	o.ring_size = RSIZE;
	o.initial = 1;
	o.grace_ms = 1000;
	o.defer_wake = 1;
	d = dsp_new(&o, err, sizeof(err));
	if (!d)
		fail_msg("dsp_new: %s", err);
	dsp_flush(d); /* nothing to flush: harmless */
	assert_int_equal(pthread_create(&t, NULL, wait_readable, &w), 0);
	do {
		sleep_ms(1);
		ring_stats(c, &rs);
	} while (rs.cons_sleeps == 0);
	send_round(d);
	ring_stats(c, &rs);
	assert_int_equal(rs.prod_wakeups, 0); /* asleep, and not woken by the sends */
	dsp_flush(d);
	assert_int_equal(pthread_join(t, NULL), 0);
	assert_int_equal(w.rc, 0);
	consume(c);
	all_consumed();
	ring_stats(c, &rs);
	/* one wake, unless the consumer's 100 ms liveness wake-up found the records first */
	assert_true(rs.prod_wakeups <= 1);
	assert_true(rs.prod_wakeups == 1 || rs.cons_sleeps > 1);
	dsp_flush(d); /* flushed already: no second wake */
	ring_stats(c, &rs);
	assert_true(rs.prod_wakeups <= 1);
	dsp_free(d);
	ring_close(c);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* The evaluator(s) dsp_finish() waits for: evaluated from its on_wait callback. */
static struct ring *finish_consumers[4];

static void consume_on_wait(void *ud)
{
	(void)ud;
	for (unsigned i = 0; i < 4; i++)
		if (finish_consumers[i])
			consume(finish_consumers[i]);
}

static struct dsp *mk_waiting(unsigned initial, unsigned grace_ms)
{
	struct dsp_opts o = {0};
	char err[256];
	struct dsp *d;

	o.prefix = prefix;
	o.ring_size = RSIZE;
	o.initial = initial;
	o.grace_ms = grace_ms;
	o.scan_ms = 1;
	o.on_wait = consume_on_wait;
	d = dsp_new(&o, err, sizeof(err));
	if (!d)
		fail_msg("dsp_new: %s", err);
	return d;
}

/*
 * End of input with the evaluator of ring 1 killed well within its grace
 * time (60 s): dsp_finish() moves its unreleased records (also those it had
 * peeked) to ring 0 at once, and returns only once ring 0 evaluated them,
 * in order. Without it the enricher would exit and leave them.
 */
static void test_finish_moves_dead(void **state)
{
	struct ring *c0;
	struct dsp *d;
	struct dsp_stats st;
	int pfd[2];
	pid_t child;
	unsigned on1 = 0;
	int64_t t0;

	assert_int_equal(pipe(pfd), 0);
	c0 = consumer(0);
	child = dying_consumer(1, RSIZE, 2, pfd[1]);
	wait_ready(pfd[0]);
	d = mk_waiting(2, 60000);
	for (unsigned key = 0; key < NKEYS; key++)
		on1 += dsp_route(d, 1000 + key) == 1;
	assert_true(on1 >= 2);
	send_round(d);
	send_round(d);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, NULL, 0), child);
	send_round(d); /* in its grace time: still to ring 1 */
	assert_int_equal(dsp_poll(d), 0);
	assert_true(dsp_is_member(d, 1));
	finish_consumers[0] = c0;
	t0 = mono_ms();
	assert_int_equal(dsp_finish(d, 5000), 0);
	assert_true(mono_ms() - t0 < 5000); /* not the grace time */
	finish_consumers[0] = NULL;
	all_consumed(); /* everything evaluated before dsp_finish() returned */
	assert_int_equal(consumed, 3 * NKEYS);
	dsp_get_stats(d, &st);
	assert_int_equal(st.evictions, 1);
	assert_int_equal(st.resent, 3 * on1);
	assert_int_equal(st.undelivered, 0);
	dsp_free(d);
	ring_close(c0);
	close(pfd[0]);
	close(pfd[1]);
}

/*
 * End of input with no live evaluator at all: dsp_finish() gives up after
 * its bound, counts the records left (undelivered) and leaves them in the
 * ring, where an evaluator that attaches later finds every one, in order.
 */
static void test_finish_no_live(void **state)
{
	struct ring *c0;
	struct dsp *d;
	struct dsp_stats st;
	int pfd[2];
	pid_t child;
	int64_t t0, took;

	assert_int_equal(pipe(pfd), 0);
	child = dying_consumer(0, RSIZE, 5, pfd[1]);
	wait_ready(pfd[0]);
	d = mk_waiting(1, 60000);
	send_round(d);
	send_round(d);
	kill(child, SIGKILL);
	assert_int_equal(waitpid(child, NULL, 0), child);
	t0 = mono_ms();
	assert_int_equal(dsp_finish(d, 300), -ETIMEDOUT);
	took = mono_ms() - t0;
	assert_true(took >= 300 && took < 3000);
	dsp_get_stats(d, &st);
	assert_int_equal(st.undelivered, 2 * NKEYS);
	assert_int_equal(st.evictions, 0);
	dsp_free(d);
	c0 = consumer(0); /* an evaluator restarted later */
	consume(c0);
	all_consumed();
	ring_close(c0);
	close(pfd[0]);
	close(pfd[1]);
}

/*
 * A live evaluator that releases nothing (stopped): dsp_finish() gives up
 * after its bound without counting its records as undelivered (it is alive,
 * it evaluates them after we close). One that releases in time: 0.
 */
static void test_finish_live(void **state)
{
	struct ring *c[2];
	struct dsp *d;
	struct dsp_stats st;
	int64_t t0;

	c[0] = consumer(0);
	c[1] = consumer(1);
	d = mk_waiting(2, 60000);
	assert_int_equal(dsp_finish(d, 300), 0); /* nothing sent: at once */
	send_round(d);
	t0 = mono_ms();
	assert_int_equal(dsp_finish(d, 300), -ETIMEDOUT);
	assert_true(mono_ms() - t0 < 3000);
	dsp_get_stats(d, &st);
	assert_int_equal(st.undelivered, 0);
	assert_int_equal(st.evictions, 0);
	send_round(d);
	finish_consumers[0] = c[0];
	finish_consumers[1] = c[1];
	assert_int_equal(dsp_finish(d, 2000), 0);
	finish_consumers[0] = finish_consumers[1] = NULL;
	all_consumed();
	dsp_free(d);
	ring_close(c[0]);
	ring_close(c[1]);
}

static void on_alarm(int sig)
{
	static const char msg[] = "test_dispatch: stuck for 60 s (a send never completed?)\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_spread, setup, teardown),
		cmocka_unit_test_setup_teardown(test_join, setup, teardown),
		cmocka_unit_test_setup_teardown(test_death_moves_records, setup, teardown),
		cmocka_unit_test_setup_teardown(test_back_within_grace, setup, teardown),
		cmocka_unit_test_setup_teardown(test_full_ring_of_dead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_settle_leftovers, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deferred_wake, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finish_moves_dead, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finish_no_live, setup, teardown),
		cmocka_unit_test_setup_teardown(test_finish_live, setup, teardown),
	};

	/* a hang is a failure with a message, not a ctest timeout */
	signal(SIGALRM, on_alarm);
	alarm(60);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
