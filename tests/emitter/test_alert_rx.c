/* test_alert_rx.c: the alert transport (alert_tx -> alert_rx) survives peers that die at any point. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <unistd.h>

#include <cmocka.h>

#include "alert.h"
#include "alert_tx.h"

struct server {
	struct alert_rx *rx;
	pthread_t th;
	atomic_bool stop;
	atomic_uint batches, alerts;
	uint64_t last_seq;
};

static void *serve(void *arg)
{
	struct server *s = arg;

	while (!atomic_load(&s->stop)) {
		struct alert_rx_req q;
		struct alert_tx_frame f;
		uint8_t ack[16];
		int rc = alert_rx_recv(s->rx, &q, 50);

		if (rc != 1)
			continue;
		if (alert_tx_frame_parse(q.data, q.len, &f) != 0) {
			alert_tx_ack_encode(ack, -EINVAL, 0);
		} else {
			atomic_fetch_add(&s->batches, 1);
			atomic_fetch_add(&s->alerts, f.count);
			s->last_seq = f.seq;
			alert_tx_ack_encode(ack, 0, f.seq);
		}
		alert_rx_reply(s->rx, &q, ack);
	}
	return NULL;
}

static char sock_path[108];
static char url[128];

static void start(struct server *s)
{
	char err[256];

	snprintf(sock_path, sizeof(sock_path), "/tmp/lanner-test-rx-%d.sock", (int)getpid());
	snprintf(url, sizeof(url), "ipc://%s", sock_path);
	memset(s, 0, sizeof(*s));
	s->rx = alert_rx_listen(url, 0660, err, sizeof(err));
	assert_non_null(s->rx);
	assert_int_equal(pthread_create(&s->th, NULL, serve, s), 0);
}

static void stop(struct server *s)
{
	atomic_store(&s->stop, true);
	pthread_join(s->th, NULL);
	alert_rx_close(s->rx);
	assert_int_equal(access(sock_path, F_OK), -1); /* the socket file is removed */
}

static int raw_connect(void)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	assert_true(fd >= 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	assert_int_equal(connect(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	return fd;
}

static struct alert *mk(unsigned i)
{
	struct alert *a = alert_new();
	char out[64];

	assert_non_null(a);
	snprintf(out, sizeof(out), "alert %u", i);
	alert_set_rule(a, "rule");
	alert_set_output(a, out);
	alert_set_source(a, "syscall");
	a->time_ns = 1000u + i;
	return a;
}

static void send_n(unsigned n, int ack_timeout_ms)
{
	struct alert_tx_opts o = {.max_batch = 8, .ack_timeout_ms = ack_timeout_ms};
	struct alert_tx *tx = alert_tx_open(url, &o);

	assert_non_null(tx);
	for (unsigned i = 0; i < n; i++) {
		struct alert *a = mk(i);

		assert_int_equal(alert_tx_add(tx, a), 0);
		alert_free(a);
	}
	assert_int_equal(alert_tx_flush(tx), 0);
	assert_int_equal(alert_tx_pending(tx), 0);
	alert_tx_close(tx);
}

/* The nng 1.5.2 failure (nng#1518): peers that connect and vanish before or in
 * the middle of a request must not stall the intake for the next sender. */
static void test_dead_peers_do_not_stall(void **state)
{
	struct server s;
	uint8_t half[12] = {100, 0, 0, 0, 0x4c, 0x41, 0x54, 0x42}; /* says 100 bytes, sends 8 */
	uint8_t huge[4] = {0xff, 0xff, 0xff, 0x7f};		   /* 2 GiB frame: refused */

	(void)state;
	start(&s);
	for (int i = 0; i < 20; i++)
		close(raw_connect()); /* connect, then gone */
	for (int i = 0; i < 5; i++) {
		int fd = raw_connect();

		assert_int_equal(write(fd, half, 8), 8); /* mid-frame, then gone */
		close(fd);
	}
	int big = raw_connect();
	assert_int_equal(write(big, huge, 4), 4);
	int idle = raw_connect(); /* stays connected and silent during the sends */

	send_n(20, 2000); /* 3 batches, each acknowledged within 2 s */
	assert_int_equal(atomic_load(&s.alerts), 20);
	assert_int_equal(atomic_load(&s.batches), 3);
	close(big);
	close(idle);
	stop(&s);
}

/* A sender whose emitter is not there yet waits (backpressure) and delivers
 * once it comes; with a bounded wait it reports the failure and keeps the batch. */
static void test_emitter_later(void **state)
{
	struct server s;
	struct alert_tx_opts o = {.ack_timeout_ms = 200};
	struct alert_tx *tx;
	struct alert *a = mk(1);

	(void)state;
	snprintf(sock_path, sizeof(sock_path), "/tmp/lanner-test-rx-%d.sock", (int)getpid());
	snprintf(url, sizeof(url), "ipc://%s", sock_path);
	unlink(sock_path);
	tx = alert_tx_open(url, &o);
	assert_non_null(tx);
	assert_int_equal(alert_tx_add(tx, a), 0);
	int rc = alert_tx_flush(tx);
	assert_true(rc == -ENOENT || rc == -ECONNREFUSED || rc == -ETIMEDOUT);
	assert_int_equal(alert_tx_pending(tx), 1); /* kept */
	start(&s);
	assert_int_equal(alert_tx_flush(tx), 0);
	assert_int_equal(alert_tx_pending(tx), 0);
	assert_int_equal(atomic_load(&s.alerts), 1);
	alert_tx_close(tx);
	alert_free(a);
	stop(&s);
}

/* A second receiver on a live socket is refused; a stale socket file is replaced. */
static void test_listen_live_and_stale(void **state)
{
	struct server s;
	char err[256];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	(void)state;
	start(&s);
	assert_null(alert_rx_listen(url, 0660, err, sizeof(err)));
	assert_int_equal(errno, EADDRINUSE);
	assert_non_null(strstr(err, sock_path));
	stop(&s);
	/* stale: a socket file nobody listens on */
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", sock_path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	assert_int_equal(access(sock_path, F_OK), 0);
	start(&s);
	send_n(3, 2000);
	assert_int_equal(atomic_load(&s.alerts), 3);
	stop(&s);
	assert_null(alert_rx_listen("tcp://127.0.0.1:1", 0660, err, sizeof(err)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_dead_peers_do_not_stall),
		cmocka_unit_test(test_emitter_later),
		cmocka_unit_test(test_listen_live_and_stale),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
