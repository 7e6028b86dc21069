/* test_ctl.c: common/ctl.c: req/rep and push/pull over ipc, framing, timeouts, peer gone. */
#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>
#include <nng/nng.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/reqrep0/req.h>

#include "ctl.h"
#include "log.h"

static char run_dir[64];

static int setup(void **state)
{
	snprintf(run_dir, sizeof(run_dir), "/tmp/lanner-ctl-XXXXXX");
	if (!mkdtemp(run_dir))
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", run_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_urls(void **state)
{
	char buf[256], longdir[200];

	assert_int_equal(ctl_url(buf, sizeof(buf), "/run/lanner", "alerts"), 0);
	assert_string_equal(buf, "ipc:///run/lanner/alerts.sock");
	assert_int_equal(ctl_stage_sock_name(buf, sizeof(buf), "evaluator.3"), 0);
	assert_string_equal(buf, "ctl-evaluator.3");
	memset(longdir, 'd', sizeof(longdir) - 1);
	longdir[0] = '/';
	longdir[sizeof(longdir) - 1] = '\0';
	assert_int_equal(ctl_url(buf, sizeof(buf), longdir, "x"), -ENAMETOOLONG);
	assert_int_equal(ctl_url(buf, sizeof(buf), "/run", "a/b"), -EINVAL);
	assert_int_equal(ctl_url(buf, sizeof(buf), "", "a"), -EINVAL);
	assert_int_equal(ctl_url(buf, 10, "/run", "alerts"), -ENAMETOOLONG);
	assert_null(ctl_listen(CTL_REP, longdir, "x"));
	assert_int_equal(errno, ENAMETOOLONG);
	assert_string_equal(ctl_type_name(CTL_MSG_RELOAD), "reload");
	assert_string_equal(ctl_type_name(999), "unknown");
}

static void test_errno_map(void **state)
{
	assert_int_equal(ctl_errno(0), 0);
	assert_int_equal(ctl_errno(NNG_ETIMEDOUT), -ETIMEDOUT);
	assert_int_equal(ctl_errno(NNG_ECONNREFUSED), -ECONNREFUSED);
	assert_int_equal(ctl_errno(NNG_ECLOSED), -EBADF);
	assert_int_equal(ctl_errno(NNG_EADDRINUSE), -EADDRINUSE);
	assert_int_equal(ctl_errno(NNG_EMSGSIZE), -EMSGSIZE);
	assert_int_equal(ctl_errno(NNG_ESYSERR | EACCES), -EACCES);
	assert_int_equal(ctl_errno(NNG_EINTERNAL), -EIO);
}

/* ---- req/rep: a stage's control socket served from a thread ---- */

struct server {
	struct ctl_sock *rep;
	int requests; /* to serve before returning */
	int served;
	uint16_t types[16];
	char hello_stage[64];
	int64_t hello_pid;
};

static uint16_t handle(void *ctx, uint16_t type, const json_t *req, json_t **reply)
{
	struct server *sv = ctx;

	switch (type) {
	case CTL_MSG_HELLO:
		snprintf(sv->hello_stage, sizeof(sv->hello_stage), "%s",
			 json_string_value(json_object_get(req, "stage")));
		sv->hello_pid = json_integer_value(json_object_get(req, "pid"));
		*reply = json_pack("{s:s}", "welcome", sv->hello_stage);
		return CTL_MSG_OK;
	case CTL_MSG_STATS:
		*reply = json_pack("{s:I, s:I}", "events", (json_int_t)42, "drops", (json_int_t)0);
		return CTL_MSG_OK;
	case CTL_MSG_HEALTH:
		*reply = json_pack("{s:s}", "status", "ok");
		return CTL_MSG_OK;
	case CTL_MSG_RELOAD:
		*reply = json_pack("{s:s}", "error", "rules.yaml:3:1: bad rule");
		return CTL_MSG_ERROR;
	default:
		return CTL_MSG_OK; /* SHUTDOWN: {} */
	}
}

static void *serve(void *arg)
{
	struct server *sv = arg;

	while (sv->served < sv->requests) {
		uint16_t t;
		int rc = ctl_serve_one(sv->rep, handle, sv, &t, 5000);

		if (rc && rc != -EPROTO)
			break;
		sv->types[sv->served++] = t;
	}
	return NULL;
}

static void test_req_rep(void **state)
{
	struct server sv = {.requests = 5};
	struct ctl_sock *req;
	pthread_t th;
	json_t *reply;
	uint16_t rtype;

	sv.rep = ctl_listen(CTL_REP, run_dir, "ctl-evaluator.0");
	assert_non_null(sv.rep);
	assert_int_equal(pthread_create(&th, NULL, serve, &sv), 0);
	req = ctl_dial(CTL_REQ, run_dir, "ctl-evaluator.0");
	assert_non_null(req);

	assert_int_equal(ctl_hello(req, "evaluator.0", 5000), 0);
	assert_int_equal(ctl_request(req, CTL_MSG_STATS, NULL, &rtype, &reply, 5000), 0);
	assert_int_equal(rtype, CTL_MSG_OK);
	assert_int_equal(json_integer_value(json_object_get(reply, "events")), 42);
	json_decref(reply);
	assert_int_equal(ctl_request(req, CTL_MSG_HEALTH, NULL, &rtype, &reply, 5000), 0);
	assert_string_equal(json_string_value(json_object_get(reply, "status")), "ok");
	json_decref(reply);
	assert_int_equal(ctl_request(req, CTL_MSG_RELOAD, NULL, &rtype, &reply, 5000), 0);
	assert_int_equal(rtype, CTL_MSG_ERROR);
	assert_string_equal(json_string_value(json_object_get(reply, "error")),
			    "rules.yaml:3:1: bad rule");
	json_decref(reply);
	assert_int_equal(ctl_request(req, CTL_MSG_SHUTDOWN, NULL, &rtype, &reply, 5000), 0);
	assert_int_equal(rtype, CTL_MSG_OK);
	assert_int_equal(json_object_size(reply), 0);
	json_decref(reply);

	pthread_join(th, NULL);
	assert_int_equal(sv.served, 5);
	assert_int_equal(sv.types[0], CTL_MSG_HELLO);
	assert_int_equal(sv.types[4], CTL_MSG_SHUTDOWN);
	assert_string_equal(sv.hello_stage, "evaluator.0");
	assert_int_equal(sv.hello_pid, getpid());
	ctl_close(req);
	ctl_close(sv.rep);
}

static void test_hello_refused(void **state)
{
	struct ctl_sock *rep = ctl_listen(CTL_REP, run_dir, CTL_SOCK_SUPERVISOR);
	struct ctl_sock *req = ctl_dial(CTL_REQ, run_dir, CTL_SOCK_SUPERVISOR);
	json_t *hello, *err;
	uint16_t type;

	assert_non_null(rep);
	assert_non_null(req);
	/* the supervisor's side by hand: read the HELLO, refuse it */
	assert_int_equal(ctl_send_json(req, CTL_MSG_HELLO, NULL, 1000), 0);
	assert_int_equal(ctl_recv_json(rep, &type, &hello, 5000), 0);
	assert_int_equal(type, CTL_MSG_HELLO);
	json_decref(hello);
	err = json_pack("{s:s}", "error", "version mismatch");
	assert_int_equal(ctl_send_json(rep, CTL_MSG_ERROR, err, 1000), 0);
	json_decref(err);
	assert_int_equal(ctl_recv_json(req, &type, &hello, 5000), 0);
	assert_int_equal(type, CTL_MSG_ERROR);
	json_decref(hello);
	ctl_close(req);
	ctl_close(rep);
}

/* ---- push/pull: evaluators -> emitter ---- */

#define PUSHERS 3
#define ALERTS 2000

struct pusher {
	int id;
	int rc;
	struct ctl_sock *s; /* closed by the test once everything arrived: closing drops */
};

static void *push_alerts(void *arg)
{
	struct pusher *p = arg;
	char buf[64];
	int i;

	p->s = ctl_dial(CTL_PUSH, run_dir, CTL_SOCK_ALERTS);
	if (!p->s) {
		p->rc = -errno;
		return NULL;
	}
	for (i = 0; i < ALERTS && !p->rc; i++) {
		int n = snprintf(buf, sizeof(buf), "alert %d %d", p->id, i);

		p->rc = ctl_send(p->s, CTL_MSG_ALERT, buf, (size_t)n, 10000);
	}
	return NULL;
}

static void test_push_pull(void **state)
{
	struct pusher p[PUSHERS];
	pthread_t th[PUSHERS];
	int next[PUSHERS] = {0};
	struct ctl_sock *pull;
	int i, total = 0;

	/* the evaluators start before the emitter: they must connect later */
	for (i = 0; i < PUSHERS; i++) {
		p[i].id = i;
		p[i].rc = 0;
		p[i].s = NULL;
		assert_int_equal(pthread_create(&th[i], NULL, push_alerts, &p[i]), 0);
	}
	usleep(50000);
	pull = ctl_listen(CTL_PULL, run_dir, CTL_SOCK_ALERTS);
	assert_non_null(pull);
	while (total < PUSHERS * ALERTS) {
		uint16_t type;
		void *payload;
		size_t len;
		int id, seq;

		assert_int_equal(ctl_recv(pull, &type, &payload, &len, 10000), 0);
		assert_int_equal(type, CTL_MSG_ALERT);
		assert_int_equal(strlen(payload), len);
		assert_int_equal(sscanf(payload, "alert %d %d", &id, &seq), 2);
		assert_true(id >= 0 && id < PUSHERS);
		assert_int_equal(seq, next[id]); /* per sender: in order, none lost */
		next[id]++;
		total++;
		free(payload);
	}
	for (i = 0; i < PUSHERS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(p[i].rc, 0);
		ctl_close(p[i].s);
	}
	ctl_close(pull);
}

/*
 * Acknowledged alerts: several evaluators (REQ) to one emitter (REP); each
 * request is answered to its own sender, carrying back what it acknowledges.
 */
#define ACK_CLIENTS 3
#define ACK_ALERTS 300

struct acker {
	int id;
	int rc;
};

static void *send_acked(void *arg)
{
	struct acker *a = arg;
	struct ctl_sock *s = ctl_dial(CTL_REQ, run_dir, "alerts-acked");
	char buf[64], want[80];
	int i;

	if (!s) {
		a->rc = -errno;
		return NULL;
	}
	for (i = 0; i < ACK_ALERTS && !a->rc; i++) {
		uint16_t type;
		void *p;
		size_t len;
		int n = snprintf(buf, sizeof(buf), "%d:%d", a->id, i);

		a->rc = ctl_send(s, CTL_MSG_ALERT, buf, (size_t)n, 10000);
		if (!a->rc)
			a->rc = ctl_recv(s, &type, &p, &len, 10000);
		if (!a->rc) {
			snprintf(want, sizeof(want), "ack %s", buf);
			if (type != CTL_MSG_OK || strcmp(p, want) != 0)
				a->rc = -EPROTO;
			free(p);
		}
	}
	ctl_close(s);
	return NULL;
}

static void test_acked_alerts(void **state)
{
	struct ctl_sock *rep = ctl_listen(CTL_REP, run_dir, "alerts-acked");
	struct acker a[ACK_CLIENTS];
	pthread_t th[ACK_CLIENTS];
	int i;

	assert_non_null(rep);
	for (i = 0; i < ACK_CLIENTS; i++) {
		a[i].id = i;
		a[i].rc = 0;
		assert_int_equal(pthread_create(&th[i], NULL, send_acked, &a[i]), 0);
	}
	for (i = 0; i < ACK_CLIENTS * ACK_ALERTS; i++) {
		char ack[80];
		uint16_t type;
		void *p;
		size_t len;
		int n;

		assert_int_equal(ctl_recv(rep, &type, &p, &len, 10000), 0);
		assert_int_equal(type, CTL_MSG_ALERT);
		n = snprintf(ack, sizeof(ack), "ack %s", (char *)p);
		free(p);
		assert_int_equal(ctl_send(rep, CTL_MSG_OK, ack, (size_t)n, 10000), 0);
	}
	for (i = 0; i < ACK_CLIENTS; i++) {
		pthread_join(th[i], NULL);
		assert_int_equal(a[i].rc, 0);
	}
	ctl_close(rep);
}

static void test_empty_and_big_payloads(void **state)
{
	struct ctl_sock *pull = ctl_listen(CTL_PULL, run_dir, "big");
	struct ctl_sock *push = ctl_dial(CTL_PUSH, run_dir, "big");
	size_t n = CTL_MAX_MSG - CTL_HDR_SIZE, len;
	char *big = malloc(n + 1);
	uint16_t type;
	void *payload;

	assert_non_null(pull);
	assert_non_null(push);
	assert_non_null(big);
	memset(big, 'b', n + 1);
	assert_int_equal(ctl_send(push, CTL_MSG_ALERT, NULL, 0, 5000), 0);
	assert_int_equal(ctl_recv(pull, &type, &payload, &len, 5000), 0);
	assert_int_equal(len, 0);
	assert_null(payload);
	assert_int_equal(ctl_send(push, CTL_MSG_ALERT, big, n, 5000), 0);
	assert_int_equal(ctl_recv(pull, &type, &payload, &len, 5000), 0);
	assert_int_equal(len, n);
	assert_memory_equal(payload, big, n);
	free(payload);
	assert_int_equal(ctl_send(push, CTL_MSG_ALERT, big, n + 1, 5000), -EMSGSIZE);
	free(big);
	ctl_close(push);
	ctl_close(pull);
}

static void test_recv_fd(void **state)
{
	struct ctl_sock *pull = ctl_listen(CTL_PULL, run_dir, "polled");
	struct ctl_sock *push = ctl_dial(CTL_PUSH, run_dir, "polled");
	struct pollfd pfd = {.events = POLLIN};
	uint16_t type;
	void *payload;
	size_t len;

	assert_non_null(pull);
	assert_non_null(push);
	pfd.fd = ctl_recv_fd(pull);
	assert_true(pfd.fd >= 0);
	assert_int_equal(poll(&pfd, 1, 50), 0); /* nothing yet */
	assert_int_equal(ctl_send(push, CTL_MSG_ALERT, "p", 1, 5000), 0);
	assert_int_equal(poll(&pfd, 1, 5000), 1);
	assert_int_equal(ctl_recv(pull, &type, &payload, &len, 0), 0);
	assert_string_equal(payload, "p");
	free(payload);
	ctl_close(push);
	ctl_close(pull);
}

/* ---- timeouts, peer gone ---- */

static void test_timeouts(void **state)
{
	struct ctl_sock *pull = ctl_listen(CTL_PULL, run_dir, "quiet");
	struct ctl_sock *push = ctl_dial(CTL_PUSH, run_dir, "nobody-listens");
	uint16_t type;
	void *payload;
	size_t len;
	int64_t t0;

	assert_non_null(pull);
	assert_non_null(push);
	t0 = now_ms();
	assert_int_equal(ctl_recv(pull, &type, &payload, &len, 200), -ETIMEDOUT);
	assert_true(now_ms() - t0 >= 150); /* it did wait */
	assert_int_equal(ctl_recv(pull, &type, &payload, &len, 0), -ETIMEDOUT);
	/* no peer: a push waits (backpressure), then times out; it never drops silently */
	t0 = now_ms();
	assert_int_equal(ctl_send(push, CTL_MSG_ALERT, "x", 1, 200), -ETIMEDOUT);
	assert_true(now_ms() - t0 >= 150);
	ctl_close(push);
	ctl_close(pull);
}

static void test_peer_gone(void **state)
{
	struct server sv = {.requests = 1};
	struct ctl_sock *req;
	int rc;
	pthread_t th;
	json_t *reply;
	uint16_t rtype;

	sv.rep = ctl_listen(CTL_REP, run_dir, "ctl-enricher");
	assert_non_null(sv.rep);
	assert_int_equal(pthread_create(&th, NULL, serve, &sv), 0);
	req = ctl_dial(CTL_REQ, run_dir, "ctl-enricher");
	assert_non_null(req);
	assert_int_equal(ctl_request(req, CTL_MSG_HEALTH, NULL, &rtype, &reply, 5000), 0);
	json_decref(reply);
	pthread_join(th, NULL);
	/* the stage dies */
	ctl_close(sv.rep);
	/* timed out, or reset when the request went out on the dying connection */
	rc = ctl_request(req, CTL_MSG_HEALTH, NULL, &rtype, &reply, 300);
	if (rc != -ETIMEDOUT && rc != -ECONNRESET)
		fail_msg("request to a dead peer: %d (%s)", rc, strerror(-rc));
	assert_null(reply);
	/* and a new one comes back on the same path: the same REQ socket reaches it */
	sv.rep = ctl_listen(CTL_REP, run_dir, "ctl-enricher");
	assert_non_null(sv.rep);
	sv.served = 0;
	assert_int_equal(pthread_create(&th, NULL, serve, &sv), 0);
	assert_int_equal(ctl_request(req, CTL_MSG_STATS, NULL, &rtype, &reply, 5000), 0);
	assert_int_equal(json_integer_value(json_object_get(reply, "events")), 42);
	json_decref(reply);
	pthread_join(th, NULL);
	ctl_close(sv.rep);
	ctl_close(req);
}

/* ---- framing and hostile peers ---- */

static void test_bad_frames(void **state)
{
	struct ctl_sock *pull = ctl_listen(CTL_PULL, run_dir, "frames");
	char url[256];
	nng_socket raw;
	uint8_t short_frame[3] = {1, 0, 128};
	uint8_t bad_version[8] = {2, 0, 1, 0, 0, 0, 0, 0};
	uint8_t bad_len[12] = {1, 0, 128, 0, 9, 0, 0, 0, 'a', 'b', 'c', 'd'};
	uint8_t good[10] = {1, 0, 128, 0, 2, 0, 0, 0, 'o', 'k'};
	uint16_t type;
	void *payload;
	size_t len;

	assert_non_null(pull);
	assert_int_equal(ctl_url(url, sizeof(url), run_dir, "frames"), 0);
	assert_int_equal(nng_push0_open(&raw), 0);
	assert_int_equal(nng_dial(raw, url, NULL, 0), 0);
	assert_int_equal(nng_send(raw, short_frame, sizeof(short_frame), 0), 0);
	assert_int_equal(nng_send(raw, bad_version, sizeof(bad_version), 0), 0);
	assert_int_equal(nng_send(raw, bad_len, sizeof(bad_len), 0), 0);
	assert_int_equal(nng_send(raw, good, sizeof(good), 0), 0);
	assert_int_equal(ctl_recv(pull, &type, &payload, &len, 5000), -EPROTO);
	assert_int_equal(ctl_recv(pull, &type, &payload, &len, 5000), -EPROTO);
	assert_int_equal(ctl_recv(pull, &type, &payload, &len, 5000), -EPROTO);
	assert_int_equal(ctl_recv(pull, &type, &payload, &len, 5000), 0);
	assert_int_equal(type, CTL_MSG_ALERT);
	assert_int_equal(len, 2);
	assert_string_equal(payload, "ok");
	free(payload);
	nng_close(raw);
	ctl_close(pull);
}

static void test_bad_json_request(void **state)
{
	struct server sv = {.requests = 2};
	struct ctl_sock *req;
	pthread_t th;
	json_t *reply;
	uint16_t rtype;

	sv.rep = ctl_listen(CTL_REP, run_dir, "ctl-emitter");
	assert_non_null(sv.rep);
	assert_int_equal(pthread_create(&th, NULL, serve, &sv), 0);
	req = ctl_dial(CTL_REQ, run_dir, "ctl-emitter");
	assert_non_null(req);
	/* not JSON: the server answers ERROR and keeps serving */
	assert_int_equal(ctl_send(req, CTL_MSG_STATS, "{nope", 5, 5000), 0);
	assert_int_equal(ctl_recv_json(req, &rtype, &reply, 5000), 0);
	assert_int_equal(rtype, CTL_MSG_ERROR);
	assert_string_equal(json_string_value(json_object_get(reply, "error")),
			    "malformed request");
	json_decref(reply);
	/* and the next request is served normally */
	assert_int_equal(ctl_send(req, CTL_MSG_HEALTH, "{}", 2, 5000), 0);
	assert_int_equal(ctl_recv_json(req, &rtype, &reply, 5000), 0);
	json_decref(reply);
	pthread_join(th, NULL);
	assert_int_equal(sv.served, 2);
	ctl_close(req);
	ctl_close(sv.rep);
}

static void test_permissions_and_stale(void **state)
{
	char dir[80], path[100];
	struct ctl_sock *a, *b;
	struct sockaddr_un sun = {.sun_family = AF_UNIX};
	struct stat st;
	int fd;

	/* the run dir is created without access for others; the socket is 0660 */
	snprintf(dir, sizeof(dir), "%s/run", run_dir);
	a = ctl_listen(CTL_REP, dir, CTL_SOCK_SUPERVISOR);
	assert_non_null(a);
	assert_int_equal(stat(dir, &st), 0);
	assert_int_equal(st.st_mode & 0007, 0);
	snprintf(path, sizeof(path), "%s/%s.sock", dir, CTL_SOCK_SUPERVISOR);
	assert_int_equal(stat(path, &st), 0);
	assert_true(S_ISSOCK(st.st_mode));
	assert_int_equal(st.st_mode & 0777, 0660);
	/* a live socket cannot be taken over */
	b = ctl_listen(CTL_REP, dir, CTL_SOCK_SUPERVISOR);
	assert_null(b);
	assert_int_equal(errno, EADDRINUSE);
	ctl_close(a);
	/* a stale socket file (its process died) is replaced */
	snprintf(path, sizeof(path), "%s/stale.sock", dir);
	snprintf(sun.sun_path, sizeof(sun.sun_path), "%s", path);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sun, sizeof(sun)), 0);
	close(fd);
	assert_int_equal(stat(path, &st), 0);
	a = ctl_listen(CTL_PULL, dir, "stale");
	assert_non_null(a);
	ctl_close(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_urls),
		cmocka_unit_test(test_errno_map),
		cmocka_unit_test_setup_teardown(test_req_rep, setup, teardown),
		cmocka_unit_test_setup_teardown(test_hello_refused, setup, teardown),
		cmocka_unit_test_setup_teardown(test_push_pull, setup, teardown),
		cmocka_unit_test_setup_teardown(test_acked_alerts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_empty_and_big_payloads, setup, teardown),
		cmocka_unit_test_setup_teardown(test_recv_fd, setup, teardown),
		cmocka_unit_test_setup_teardown(test_timeouts, setup, teardown),
		cmocka_unit_test_setup_teardown(test_peer_gone, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_frames, setup, teardown),
		cmocka_unit_test_setup_teardown(test_bad_json_request, setup, teardown),
		cmocka_unit_test_setup_teardown(test_permissions_and_stale, setup, teardown),
	};

	/* ctl logs its errors; the tests provoke many on purpose */
	log_set_level(LOG_LVL_CRITICAL);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
