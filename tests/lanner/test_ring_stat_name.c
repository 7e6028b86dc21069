/* test_ring_stat_name.c: ring_stat_name(), the supervisor's view of a ring it does not attach to. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include <cmocka.h>

#include "ring.h"

static char name[64];

static void test_missing(void **state)
{
	struct ring_stats st;

	(void)state;
	snprintf(name, sizeof(name), "test-statname-missing-%d", (int)getpid());
	assert_int_equal(ring_stat_name(name, &st), -ENOENT);
}

/* Positions and pids as ring_stats() reports them, for both roles, without taking one. */
static void test_positions_and_pids(void **state)
{
	struct ring_stats st, direct;
	struct ring *p, *c;
	char err[256];
	void *slot;
	const void *data;
	size_t len;

	(void)state;
	snprintf(name, sizeof(name), "test-statname-%d", (int)getpid());
	c = ring_create(name, 1 << 16, RING_CONSUMER, 0600, RING_CREATE_REPLACE, err, sizeof(err));
	assert_non_null(c);
	assert_int_equal(ring_stat_name(name, &st), 0);
	assert_int_equal(st.data_size, 1 << 16);
	assert_int_equal(st.consumer_pid, getpid());
	assert_int_equal(st.producer_pid, 0);
	assert_int_equal(st.used, 0);
	p = ring_attach(name, 0, RING_PRODUCER, err, sizeof(err));
	assert_non_null(p); /* ring_stat_name took no role: the producer may attach */
	for (int i = 0; i < 3; i++) {
		assert_int_equal(ring_reserve(p, 100, &slot), 0);
		memset(slot, i, 100);
		ring_commit(p, slot);
	}
	assert_int_equal(ring_stat_name(name, &st), 0);
	ring_stats(c, &direct);
	assert_int_equal(st.producer_pid, getpid());
	assert_int_equal(st.prod_pos, direct.prod_pos);
	assert_true(st.used > 300);
	assert_int_equal(ring_peek(c, &data, &len), 0);
	ring_release(c);
	assert_int_equal(ring_stat_name(name, &st), 0);
	assert_int_equal(st.cons_pos, st.prod_pos / 3);
	ring_close(p);
	ring_close(c);
	assert_int_equal(ring_unlink(name), 0);
}

/* An shm object that is not a ring (empty, or garbage) is refused, not read past its end. */
static void test_not_a_ring(void **state)
{
	struct ring_stats st;
	char path[96];
	int fd;

	(void)state;
	snprintf(name, sizeof(name), "test-statname-bad-%d", (int)getpid());
	snprintf(path, sizeof(path), "/lanner-%s", name);
	fd = shm_open(path, O_RDWR | O_CREAT | O_TRUNC, 0600);
	assert_true(fd >= 0);
	assert_int_equal(ring_stat_name(name, &st), -EPROTO); /* empty: would fault */
	assert_int_equal(ftruncate(fd, 8192), 0);
	assert_int_equal(write(fd, "not a ring at all", 17), 17);
	assert_int_equal(ring_stat_name(name, &st), -EPROTO);
	close(fd);
	shm_unlink(path);
	assert_int_equal(ring_stat_name("bad/name", &st) < 0, 1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_missing),
		cmocka_unit_test(test_positions_and_pids),
		cmocka_unit_test(test_not_a_ring),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
