/* test_collector_ring.c: live events through the drain into a small shm ring with a slow consumer: nothing lost. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "col_sink.h"
#include "collector.h"
#include "event.h"
#include "ring.h"
#include "test_env.h"

#define OPENS 5000
#define RING_SIZE (64u << 10) /* far smaller than the ~600 KB the opens produce */

struct consumer {
	struct ring *ring;
	char marker[128];
	volatile int stop;
	int got, bad, wrong;
};

static void *consume(void *arg)
{
	struct consumer *c = arg;

	while (!c->stop && c->got < OPENS) {
		const void *rec;
		size_t len;
		int n = 0;

		while (ring_peek(c->ring, &rec, &len) == 0) {
			struct lnr_evt_view v;
			const char *why;
			const char *name;

			if (lnr_evt_decode(rec, len, &v, &why) != 0) {
				c->bad++;
				continue;
			}
			name = lnr_evt_get_str(&v, (unsigned)lnr_evt_param_index(v.info, "name"));
			if (v.hdr->type != LNR_EVT_OPENAT || !name || strcmp(name, c->marker) != 0)
				c->wrong++;
			c->got++;
			n++;
		}
		ring_release(c->ring);
		/* A slow consumer: the collector must wait, not drop. */
		usleep(2000);
		if (n == 0)
			ring_wait_readable(c->ring, 100);
	}
	return NULL;
}

static void test_ring_backpressure_loses_nothing(void **state)
{
	struct col_ring_sink rs = {0};
	struct consumer cons = {0};
	struct col_opts o;
	struct col_stats st;
	struct col *c;
	struct ring *cring;
	char name[64], err[512];
	pthread_t th;
	int go[2], status;
	pid_t pid;
	time_t t0;

	(void)state;
	snprintf(name, sizeof(name), "lnr-ct-ring-%d", (int)getpid());
	snprintf(cons.marker, sizeof(cons.marker), "/tmp/lnr-ct-ring-marker-%d", (int)getpid());
	cring = ring_create(name, RING_SIZE, RING_CONSUMER, 0600, RING_CREATE_REPLACE, err,
			    sizeof(err));
	if (!cring)
		fail_msg("ring_create: %s", err);
	rs.ring = ring_attach_peer(cring, err, sizeof(err));
	if (!rs.ring)
		fail_msg("ring_attach_peer: %s", err);
	cons.ring = cring;

	assert_int_equal(pipe(go), 0);
	pid = fork();
	if (pid == 0) {
		char ch;

		close(go[1]);
		if (read(go[0], &ch, 1) != 1)
			_exit(2);
		for (int i = 0; i < OPENS; i++) {
			int fd = open(cons.marker, O_RDONLY);

			if (fd >= 0)
				close(fd);
		}
		_exit(0);
	}
	close(go[0]);

	col_opts_default(&o);
	o.buf_size_preset = 5; /* 16 MiB: holds the whole run while the drain waits */
	o.sink = col_ring_sink;
	o.sink_arg = &rs;
	c = col_open(&o, err, sizeof(err));
	if (!c)
		fail_msg("col_open: %s", err);
	col_only_tgid(c, pid);
	assert_int_equal(col_select(c, LNR_EVT_OPENAT, true), 0);
	if (col_attach(c, err, sizeof(err)))
		fail_msg("col_attach: %s", err);
	pthread_create(&th, NULL, consume, &cons);
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	t0 = time(NULL);
	for (;;) {
		int n = col_poll(c, 10);

		assert_true(n >= 0 || n == -EINTR);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
		assert_true(time(NULL) - t0 < 60);
	}
	while (col_poll(c, 50) > 0)
		;
	while (cons.got < OPENS && time(NULL) - t0 < 60)
		usleep(10000);
	cons.stop = 1;
	pthread_join(th, NULL);
	col_read_stats(c, &st);
	fprintf(stderr,
		"ring: consumer got %d of %d (bad %d, wrong %d); sink waited %llu times; kernel "
		"events %llu drops %llu\n",
		cons.got, OPENS, cons.bad, cons.wrong, (unsigned long long)rs.waits,
		(unsigned long long)st.events, (unsigned long long)st.drops);
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	assert_int_equal(st.drops, 0);
	assert_int_equal(cons.got, OPENS);
	assert_int_equal(cons.bad, 0);
	assert_int_equal(cons.wrong, 0);
	assert_int_equal(rs.records, OPENS);
	assert_true(rs.waits > 0); /* the ring did fill: backpressure, not loss */
	col_close(c);
	ring_close(rs.ring);
	ring_close(cring);
	ring_unlink(name);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_ring_backpressure_loses_nothing),
	};

	lnr_test_require_root("test_collector_ring");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
