/* test_stage_ring_open.c: stage_ring_open waits for a ring its peer is still initialising, and gives up in bounded time. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "ring.h"
#include "stage.h"

static char name[64], path[80];

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

/* What a peer looks like between shm_open(O_CREAT) and writing the header. */
static void half_created(void)
{
	int fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);

	assert_true(fd >= 0);
	close(fd);
}

/* The peer finishes 200 ms later (here: replaces its object with a real ring). */
static void *peer(void *arg)
{
	char err[256];
	struct ring *r;

	(void)arg;
	usleep(200000);
	shm_unlink(path);
	r = ring_create(name, 1u << 16, RING_PRODUCER, 0600, 0, err, sizeof(err));
	if (!r && errno == EEXIST) /* the waiting side made it first: attach */
		r = ring_attach(name, 0, RING_PRODUCER, err, sizeof(err));
	return r;
}

static void test_waits_for_the_peer(void **state)
{
	char err[256];
	pthread_t th;
	struct ring *r, *p = NULL;
	double t0 = now_s();

	(void)state;
	half_created();
	assert_int_equal(pthread_create(&th, NULL, peer, NULL), 0);
	r = stage_ring_open(name, 1u << 16, RING_CONSUMER, err, sizeof(err));
	pthread_join(th, (void **)&p);
	if (!r)
		fail_msg("stage_ring_open: %s", err);
	assert_non_null(p);
	assert_true(now_s() - t0 >= 0.15); /* it waited instead of failing at once */
	ring_close(r);
	ring_close(p);
	ring_unlink(name);
}

static void test_gives_up_with_a_message(void **state)
{
	char err[256] = "";
	double t0 = now_s(), dt;
	struct ring *r;

	(void)state;
	half_created(); /* a peer that died before writing the header */
	r = stage_ring_open(name, 1u << 16, RING_CONSUMER, err, sizeof(err));
	dt = now_s() - t0;
	assert_null(r);
	assert_int_equal(errno, EAGAIN);
	assert_non_null(strstr(err, "not initialised"));
	assert_true(dt >= 4.0 && dt < 30.0); /* bounded: about 5 s */
	shm_unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_waits_for_the_peer),
		cmocka_unit_test(test_gives_up_with_a_message),
	};

	snprintf(name, sizeof(name), "t-sro-%d", (int)getpid());
	snprintf(path, sizeof(path), "/lanner-%s", name);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
