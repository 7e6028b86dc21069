/* test_health_http.c: common/health_http: address and option parsing, /healthz states (starting, ok, stale, stopping), errors. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "health_http.h"
#include "test_http_get.h"

static void test_parse_addr(void **st)
{
	char a[64];
	unsigned p;

	(void)st;
	assert_int_equal(health_http_parse_addr("0.0.0.0:8766", a, sizeof(a), &p), 0);
	assert_string_equal(a, "0.0.0.0");
	assert_int_equal(p, 8766);
	assert_int_equal(health_http_parse_addr("[::1]:0", a, sizeof(a), &p), 0);
	assert_string_equal(a, "::1");
	assert_int_equal(p, 0);
	static const char *const bad[] = {
		"",	  "8766",    ":8766",	   "1.2.3.4:", "1.2.3.4:x",  "1.2.3.4:65536",
		"::1:80", "[::1]80", "1.2.3.4:-1", "[]:80",    "1.2.3.4:+80"};
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(health_http_parse_addr(bad[i], a, sizeof(a), &p), -EINVAL);
	assert_int_equal(health_http_parse_addr(NULL, a, sizeof(a), &p), -EINVAL);
}

static void test_parse_opt(void **st)
{
	struct health_http_opts o = {0};
	char err[256];

	(void)st;
	assert_int_equal(health_http_parse_opt(&o, 'x', "1", err, sizeof(err)), 0);
	assert_int_equal(
		health_http_parse_opt(&o, HEALTH_OPT_LISTEN, "127.0.0.1:9", err, sizeof(err)), 1);
	assert_string_equal(o.listen, "127.0.0.1:9");
	assert_int_equal(
		health_http_parse_opt(&o, HEALTH_OPT_LISTEN, "localhost", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--health-listen 'localhost'"));
	assert_int_equal(health_http_parse_opt(&o, HEALTH_OPT_STALE, "250", err, sizeof(err)), 1);
	assert_int_equal(o.stale_ms, 250);
	assert_int_equal(health_http_parse_opt(&o, HEALTH_OPT_STALE, "0", err, sizeof(err)), -1);
	assert_int_equal(health_http_parse_opt(&o, HEALTH_OPT_STALE, "-5", err, sizeof(err)), -1);
	assert_int_equal(health_http_parse_opt(&o, HEALTH_OPT_STALE, "5s", err, sizeof(err)), -1);
	assert_non_null(strstr(err, "--health-stale-ms"));
}

static int get(unsigned port, const char *path, char *body, size_t n)
{
	return test_http("GET", "127.0.0.1", port, path, 3000, body, n);
}

static void test_states(void **st)
{
	struct health_http_opts o = {.listen = "127.0.0.1:0", .stale_ms = 200};
	struct health_http *h;
	char err[256], body[1024];
	unsigned port;
	int main_beat, io_beat;

	(void)st;
	h = health_http_start(&o, "evaluator.3", err, sizeof(err));
	assert_non_null(h);
	port = health_http_port(h);
	assert_true(port > 0);
	/* not ready yet */
	assert_int_equal(get(port, "/healthz", body, sizeof(body)), 503);
	assert_non_null(strstr(body, "\"status\":\"starting\""));
	assert_non_null(strstr(body, "\"stage\":\"evaluator.3\""));
	main_beat = health_http_add_beat(h, "main");
	io_beat = health_http_add_beat(h, "intake");
	assert_int_equal(main_beat, 0);
	assert_int_equal(io_beat, 1);
	health_http_set_ready(h, 1);
	assert_int_equal(get(port, "/healthz", body, sizeof(body)), 200);
	assert_non_null(strstr(body, "\"status\":\"ok\""));
	assert_non_null(strstr(body, "\"intake\":"));
	/* HEAD too (no body) */
	assert_int_equal(test_http("HEAD", "127.0.0.1", port, "/healthz", 3000, NULL, 0), 200);
	/* one loop stops beating: stale, and the answer names it */
	for (int i = 0; i < 8; i++) {
		health_http_beat(h, main_beat);
		usleep(60000);
	}
	assert_int_equal(get(port, "/healthz", body, sizeof(body)), 503);
	assert_non_null(strstr(body, "\"status\":\"stale\""));
	assert_non_null(strstr(body, "\"stale\":\"intake\""));
	/* it beats again: healthy */
	health_http_beat(h, io_beat);
	health_http_beat(h, main_beat);
	assert_int_equal(get(port, "/healthz", body, sizeof(body)), 200);
	/* other paths and methods */
	assert_int_equal(get(port, "/metrics", body, sizeof(body)), 404);
	assert_int_equal(get(port, "/healthz/x", body, sizeof(body)), 404);
	assert_int_equal(test_http("POST", "127.0.0.1", port, "/healthz", 3000, body, sizeof(body)),
			 405);
	/* the same port cannot be had twice: a clear error */
	{
		char l[64];
		struct health_http_opts o2 = {.listen = l};

		snprintf(l, sizeof(l), "127.0.0.1:%u", port);
		errno = 0;
		assert_null(health_http_start(&o2, "x", err, sizeof(err)));
		assert_int_equal(errno, EADDRINUSE);
		assert_non_null(strstr(err, "cannot listen on 127.0.0.1:"));
	}
	/* stopping */
	health_http_set_ready(h, 0);
	assert_int_equal(get(port, "/healthz", body, sizeof(body)), 503);
	assert_non_null(strstr(body, "\"status\":\"stopping\""));
	health_http_stop(h);
	/* gone: nothing listens any more */
	assert_int_equal(get(port, "/healthz", body, sizeof(body)), -1);
	/* NULL-safe calls (a stage without --health-listen) */
	health_http_beat(NULL, 0);
	health_http_set_ready(NULL, 1);
	assert_int_equal(health_http_add_beat(NULL, "main"), -1);
	assert_int_equal(health_http_port(NULL), 0);
	health_http_stop(NULL);
}

static void test_bad_start(void **st)
{
	struct health_http_opts o = {.listen = "example.org:80"};
	char err[256];

	(void)st;
	assert_null(health_http_start(&o, "x", err, sizeof(err)));
	assert_non_null(strstr(err, "health:"));
	o.listen = "localhost:80";
	assert_null(health_http_start(&o, "x", err, sizeof(err)));
	assert_non_null(strstr(err, "not a numeric"));
	assert_null(health_http_start(NULL, "x", err, sizeof(err)));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_addr),
		cmocka_unit_test(test_parse_opt),
		cmocka_unit_test(test_states),
		cmocka_unit_test(test_bad_start),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
