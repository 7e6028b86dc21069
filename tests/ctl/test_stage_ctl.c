/* test_stage_ctl.c: common/stage_ctl.c: a stage's control socket answers STATS/HEALTH from its thread. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdatomic.h>
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
#include <nng/protocol/reqrep0/req.h>

#include "ctl.h"
#include "stage_ctl.h"

static char run_dir[64];

static int setup(void **state)
{
	(void)state;
	snprintf(run_dir, sizeof(run_dir), "/tmp/lanner-sctl-XXXXXX");
	return mkdtemp(run_dir) ? 0 : -1;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", run_dir);
	return system(cmd) == 0 ? 0 : -1;
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* What a stage counts on its hot path (relaxed atomics) and the callback reads. */
struct counters {
	atomic_uint_fast64_t events, drops;
	atomic_int calls;
	int fail; /* the callback returns this when non-zero */
};

static int fill(void *ctx, json_t *out)
{
	struct counters *k = ctx;

	atomic_fetch_add(&k->calls, 1);
	if (k->fail)
		return k->fail;
	json_object_set_new(
		out, "events",
		json_integer((json_int_t)atomic_load_explicit(&k->events, memory_order_relaxed)));
	json_object_set_new(
		out, "drops",
		json_integer((json_int_t)atomic_load_explicit(&k->drops, memory_order_relaxed)));
	return 0;
}

static json_t *ask(struct ctl_sock *req, uint16_t type, uint16_t *rtype)
{
	json_t *reply = NULL;

	assert_int_equal(ctl_request(req, type, NULL, rtype, &reply, 3000), 0);
	assert_non_null(reply);
	return reply;
}

static void test_stats_health(void **state)
{
	struct counters k = {0};
	struct stage_ctl *c;
	struct ctl_sock *req;
	json_t *r, *st;
	uint16_t rt;
	char path[160];
	struct stat sb;

	(void)state;
	atomic_store(&k.events, 12);
	atomic_store(&k.drops, 3);
	c = stage_ctl_start(run_dir, "evaluator.0", fill, &k);
	assert_non_null(c);
	snprintf(path, sizeof(path), "%s/ctl-evaluator.0.sock", run_dir);
	assert_int_equal(stat(path, &sb), 0);
	assert_true(S_ISSOCK(sb.st_mode));
	assert_int_equal(sb.st_mode & 0777, 0660);
	req = ctl_dial(CTL_REQ, run_dir, "ctl-evaluator.0");
	assert_non_null(req);

	r = ask(req, CTL_MSG_STATS, &rt);
	assert_int_equal(rt, CTL_MSG_OK);
	assert_string_equal(json_string_value(json_object_get(r, "stage")), "evaluator.0");
	assert_int_equal(json_integer_value(json_object_get(r, "pid")), getpid());
	assert_true(json_integer_value(json_object_get(r, "start_time_ns")) > 0);
	assert_true(json_is_real(json_object_get(r, "uptime_s")));
	st = json_object_get(r, "stats");
	assert_int_equal(json_integer_value(json_object_get(st, "events")), 12);
	assert_int_equal(json_integer_value(json_object_get(st, "drops")), 3);
	json_decref(r);

	/* the counters move; the next answer follows them */
	atomic_fetch_add(&k.events, 30);
	r = ask(req, CTL_MSG_STATS, &rt);
	assert_int_equal(json_integer_value(json_object_get(json_object_get(r, "stats"), "events")),
			 42);
	assert_int_equal(json_integer_value(json_object_get(r, "requests")), 2);
	json_decref(r);
	assert_int_equal(atomic_load(&k.calls), 2);

	r = ask(req, CTL_MSG_HEALTH, &rt);
	assert_int_equal(rt, CTL_MSG_OK);
	assert_string_equal(json_string_value(json_object_get(r, "status")), "ok");
	json_decref(r);
	stage_ctl_set_health(c, "degraded: output redis down");
	r = ask(req, CTL_MSG_HEALTH, &rt);
	assert_string_equal(json_string_value(json_object_get(r, "status")),
			    "degraded: output redis down");
	json_decref(r);

	/* requests a stage does not take are refused, and the socket keeps serving */
	r = ask(req, CTL_MSG_RELOAD, &rt);
	assert_int_equal(rt, CTL_MSG_ERROR);
	assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "reload"));
	json_decref(r);
	r = ask(req, CTL_MSG_SHUTDOWN, &rt);
	assert_int_equal(rt, CTL_MSG_ERROR);
	json_decref(r);

	/* a failing callback is an ERROR, not a crash or a hang */
	k.fail = -EIO;
	r = ask(req, CTL_MSG_STATS, &rt);
	assert_int_equal(rt, CTL_MSG_ERROR);
	assert_non_null(strstr(json_string_value(json_object_get(r, "error")), "evaluator.0"));
	json_decref(r);

	ctl_close(req);
	stage_ctl_stop(c);
	assert_int_not_equal(stat(path, &sb), 0); /* the socket file is gone */
	snprintf(path, sizeof(path), "%s/ctl-evaluator.0.lock", run_dir);
	assert_int_not_equal(stat(path, &sb), 0); /* and its lock */
}

static void test_published_snapshot(void **state)
{
	struct stage_ctl *c = stage_ctl_start(run_dir, "emitter", NULL, NULL);
	struct ctl_sock *req = ctl_dial(CTL_REQ, run_dir, "ctl-emitter");
	json_t *r;
	uint16_t rt;

	(void)state;
	assert_non_null(c);
	assert_non_null(req);
	r = ask(req, CTL_MSG_STATS, &rt);
	assert_int_equal(rt, CTL_MSG_OK);
	assert_int_equal(json_object_size(json_object_get(r, "stats")), 0);
	json_decref(r);
	stage_ctl_publish(c, json_pack("{s:{s:i}}", "outputs", "stdout", 7));
	stage_ctl_publish(c, json_pack("{s:{s:i}}", "outputs", "stdout", 9)); /* replaces */
	r = ask(req, CTL_MSG_STATS, &rt);
	assert_int_equal(
		json_integer_value(json_object_get(
			json_object_get(json_object_get(r, "stats"), "outputs"), "stdout")),
		9);
	json_decref(r);
	ctl_close(req);
	stage_ctl_stop(c);
	stage_ctl_publish(NULL, json_object()); /* released, no crash */
	stage_ctl_stop(NULL);
}

/* A raw frame that is not a ctl frame gets an ERROR reply; the next request works. */
static void test_malformed(void **state)
{
	struct counters k = {0};
	struct stage_ctl *c = stage_ctl_start(run_dir, "enricher", fill, &k);
	char url[160];
	nng_socket s;
	nng_msg *m;
	struct ctl_sock *req;
	json_t *r;
	uint16_t rt;
	char garbage[] = "garbage";

	(void)state;
	assert_non_null(c);
	assert_int_equal(ctl_url(url, sizeof(url), run_dir, "ctl-enricher"), 0);
	assert_int_equal(nng_req0_open(&s), 0);
	nng_socket_set_ms(s, NNG_OPT_RECVTIMEO, 3000);
	nng_socket_set_ms(s, NNG_OPT_SENDTIMEO, 3000);
	assert_int_equal(nng_dial(s, url, NULL, 0), 0);
	assert_int_equal(nng_send(s, garbage, 7, 0), 0);
	assert_int_equal(nng_recvmsg(s, &m, 0), 0);
	assert_true(nng_msg_len(m) > CTL_HDR_SIZE);
	assert_non_null(memmem(nng_msg_body(m), nng_msg_len(m), "malformed", 9));
	nng_msg_free(m);
	nng_close(s);

	req = ctl_dial(CTL_REQ, run_dir, "ctl-enricher");
	r = ask(req, CTL_MSG_STATS, &rt);
	assert_int_equal(rt, CTL_MSG_OK);
	json_decref(r);
	ctl_close(req);
	stage_ctl_stop(c);
}

static void test_stop_is_prompt_and_bounded(void **state)
{
	struct counters k = {0};
	struct stage_ctl *c = stage_ctl_start(run_dir, "replay", fill, &k);
	struct ctl_sock *req = ctl_dial(CTL_REQ, run_dir, "ctl-replay");
	json_t *r = NULL;
	uint16_t rt;
	int64_t t0;
	int rc;

	(void)state;
	assert_non_null(c);
	r = ask(req, CTL_MSG_STATS, &rt);
	json_decref(r);
	/* idle thread, waiting with no timeout: stop wakes it at once */
	t0 = now_ms();
	stage_ctl_stop(c);
	assert_true(now_ms() - t0 < 500);
	/* the stage is gone: a request fails within its timeout, it does not hang */
	t0 = now_ms();
	rc = ctl_request(req, CTL_MSG_STATS, NULL, &rt, &r, 200);
	assert_true(rc == -ETIMEDOUT || rc == -ECONNRESET);
	assert_true(now_ms() - t0 < 2000);
	ctl_close(req);
}

static void test_stale_and_live_socket(void **state)
{
	struct counters k = {0};
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	struct stage_ctl *c, *c2;
	struct ctl_sock *req, *req2;
	json_t *r;
	uint16_t rt;
	int fd;

	(void)state;
	/* a socket file left by a killed stage: bound, nobody listening */
	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s/ctl-collector.sock", run_dir);
	fd = socket(AF_UNIX, SOCK_STREAM, 0);
	assert_true(fd >= 0);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	close(fd);
	c = stage_ctl_start(run_dir, "collector", fill, &k);
	assert_non_null(c);
	req = ctl_dial(CTL_REQ, run_dir, "ctl-collector");
	r = ask(req, CTL_MSG_STATS, &rt);
	json_decref(r);
	/* a live one of the same name: refused, the first keeps serving */
	c2 = stage_ctl_start(run_dir, "collector", fill, &k);
	assert_null(c2);
	assert_int_equal(errno, EADDRINUSE);
	r = ask(req, CTL_MSG_STATS, &rt); /* the connection it had */
	json_decref(r);
	req2 = ctl_dial(CTL_REQ, run_dir, "ctl-collector"); /* and a new one */
	r = ask(req2, CTL_MSG_STATS, &rt);
	assert_int_equal(rt, CTL_MSG_OK);
	json_decref(r);
	ctl_close(req2);
	ctl_close(req);
	stage_ctl_stop(c);
	/* bad names */
	assert_null(stage_ctl_start(run_dir, "a/b", fill, &k));
	assert_null(stage_ctl_start(run_dir, "", fill, &k));
	assert_null(stage_ctl_start(NULL, "x", fill, &k));
}

/* Counters written by a busy thread while the control thread reads them (TSan). */
struct writer {
	struct counters *k;
	atomic_bool stop;
};

static void *write_counters(void *arg)
{
	struct writer *w = arg;

	while (!atomic_load(&w->stop)) {
		atomic_fetch_add_explicit(&w->k->events, 1, memory_order_relaxed);
		if ((atomic_load_explicit(&w->k->events, memory_order_relaxed) & 1023) == 0)
			atomic_fetch_add_explicit(&w->k->drops, 1, memory_order_relaxed);
	}
	return NULL;
}

static void test_concurrent_counters(void **state)
{
	struct counters k = {0};
	struct writer w = {.k = &k};
	struct stage_ctl *c = stage_ctl_start(run_dir, "evaluator.1", fill, &k);
	struct ctl_sock *req = ctl_dial(CTL_REQ, run_dir, "ctl-evaluator.1");
	json_int_t last = -1;
	pthread_t th;

	(void)state;
	assert_non_null(c);
	assert_int_equal(pthread_create(&th, NULL, write_counters, &w), 0);
	for (int i = 0; i < 50; i++) {
		uint16_t rt;
		json_t *r = ask(req, CTL_MSG_STATS, &rt);
		json_int_t ev =
			json_integer_value(json_object_get(json_object_get(r, "stats"), "events"));

		assert_int_equal(rt, CTL_MSG_OK);
		assert_true(ev >= last); /* never goes back */
		last = ev;
		json_decref(r);
	}
	atomic_store(&w.stop, true);
	pthread_join(th, NULL);
	ctl_close(req);
	stage_ctl_stop(c);
}

static pthread_t handler_thread;
static atomic_int handled;

static void on_usr1(int sig)
{
	(void)sig;
	handler_thread = pthread_self();
	atomic_fetch_add(&handled, 1);
}

/* The control thread blocks signals: they reach the stage's own thread. */
static void test_signals_stay_with_the_stage(void **state)
{
	struct counters k = {0};
	struct stage_ctl *c;
	struct sigaction sa;
	int64_t t0;

	(void)state;
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_usr1;
	sigaction(SIGUSR1, &sa, NULL);
	c = stage_ctl_start(run_dir, "ui", fill, &k);
	assert_non_null(c);
	for (int i = 0; i < 20; i++) {
		kill(getpid(), SIGUSR1);
		t0 = now_ms();
		while (atomic_load(&handled) <= i && now_ms() - t0 < 2000)
			usleep(1000);
		assert_int_equal(atomic_load(&handled), i + 1);
		assert_true(pthread_equal(handler_thread, pthread_self()));
	}
	stage_ctl_stop(c);
	signal(SIGUSR1, SIG_DFL);
}

static void test_run_dir(void **state)
{
	(void)state;
	setenv("LANNER_RUN_DIR", "/tmp/somewhere", 1);
	assert_string_equal(stage_ctl_run_dir(NULL), "/tmp/somewhere");
	unsetenv("LANNER_RUN_DIR");
	assert_non_null(stage_ctl_run_dir(NULL)); /* the default, without a config */
	assert_string_not_equal(stage_ctl_run_dir(NULL), "/tmp/somewhere");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stats_health),
		cmocka_unit_test(test_published_snapshot),
		cmocka_unit_test(test_malformed),
		cmocka_unit_test(test_stop_is_prompt_and_bounded),
		cmocka_unit_test(test_stale_and_live_socket),
		cmocka_unit_test(test_concurrent_counters),
		cmocka_unit_test(test_signals_stay_with_the_stage),
		cmocka_unit_test(test_run_dir),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
