/* test_log.c: common/log.c: levels, format, sinks, setup from the config, threads. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <regex.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "config.h"
#include "log.h"

/* The stderr output goes to a temp file that the test reads back. */
static int out_fd = -1;
static char out_path[64];

static int setup(void **state)
{
	snprintf(out_path, sizeof(out_path), "/tmp/lanner-log-XXXXXX");
	out_fd = mkstemp(out_path);
	if (out_fd < 0)
		return -1;
	log_set_fd(out_fd);
	log_set_stage("teststage");
	log_set_level(LOG_LVL_INFO);
	log_set_stderr(true);
	log_set_syslog(false);
	log_set_sink(NULL, NULL);
	return 0;
}

static int teardown(void **state)
{
	log_set_fd(-1);
	log_set_sink(NULL, NULL);
	close(out_fd);
	unlink(out_path);
	return 0;
}

/* Everything written so far (static buffer). */
static const char *output(void)
{
	static char buf[1 << 20];
	ssize_t n = pread(out_fd, buf, sizeof(buf) - 1, 0);

	assert_true(n >= 0);
	buf[n] = '\0';
	return buf;
}

static void test_format(void **state)
{
	char want[128];
	regex_t re;

	log_errorf("hello %d %s", 42, "world");
	snprintf(want, sizeof(want),
		 "^[0-9]{4}-[0-9]{2}-[0-9]{2}T[0-9]{2}:[0-9]{2}:[0-9]{2}\\.[0-9]{3}Z "
		 "teststage\\[%ld\\]: error: hello 42 world\n$",
		 (long)getpid());
	assert_int_equal(regcomp(&re, want, REG_EXTENDED | REG_NOSUB), 0);
	if (regexec(&re, output(), 0, NULL, 0) != 0) {
		print_error("got: %s", output());
		fail();
	}
	regfree(&re);
}

static void test_levels(void **state)
{
	static const char *const names[] = {"emergency", "alert",  "critical", "error",
					    "warning",	 "notice", "info",     "debug"};
	int i;

	log_set_level(LOG_LVL_WARNING);
	assert_int_equal(log_get_level(), LOG_LVL_WARNING);
	log_debugf("d");
	log_infof("i");
	log_noticef("n");
	log_warningf("w");
	log_errorf("e");
	log_criticalf("c");
	log_alertf("a");
	log_emergencyf("m");
	assert_null(strstr(output(), ": debug: d\n"));
	assert_null(strstr(output(), ": info: i\n"));
	assert_null(strstr(output(), ": notice: n\n"));
	assert_non_null(strstr(output(), ": warning: w\n"));
	assert_non_null(strstr(output(), ": error: e\n"));
	assert_non_null(strstr(output(), ": critical: c\n"));
	assert_non_null(strstr(output(), ": alert: a\n"));
	assert_non_null(strstr(output(), ": emergency: m\n"));
	assert_false(log_enabled(LOG_LVL_NOTICE));
	assert_true(log_enabled(LOG_LVL_WARNING));
	log_set_level(LOG_LVL_DEBUG);
	log_debugf("now %s", "visible");
	assert_non_null(strstr(output(), ": debug: now visible\n"));
	for (i = 0; i < 8; i++) {
		assert_string_equal(log_level_name((enum log_level)i), names[i]);
		assert_int_equal(log_level_from_name(names[i]), i);
	}
	assert_int_equal(log_level_from_name("WARNING"), LOG_LVL_WARNING);
	assert_int_equal(log_level_from_name("verbose"), -1);
	assert_string_equal(log_level_name((enum log_level)99), "unknown");
}

struct captured {
	int n;
	enum log_level level;
	char stage[64];
	char msg[LOG_MAX_MSG];
};

static void capture(void *ctx, enum log_level level, const char *stage, const char *msg)
{
	struct captured *c = ctx;

	c->n++;
	c->level = level;
	snprintf(c->stage, sizeof(c->stage), "%s", stage);
	snprintf(c->msg, sizeof(c->msg), "%s", msg);
}

static void test_sink_and_sanitising(void **state)
{
	struct captured c = {0};
	char big[LOG_MAX_MSG * 2];

	log_set_sink(capture, &c);
	log_warningf("line1\nline2\rend");
	assert_int_equal(c.n, 1);
	assert_int_equal(c.level, LOG_LVL_WARNING);
	assert_string_equal(c.stage, "teststage");
	assert_string_equal(c.msg, "line1 line2 end"); /* no forged lines */
	log_debugf("filtered");
	assert_int_equal(c.n, 1);
	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	log_infof("%s", big);
	assert_int_equal(strlen(c.msg), LOG_MAX_MSG - 1);
	assert_string_equal(c.msg + LOG_MAX_MSG - 4, "...");
	/* the stderr line of a long message is still one line */
	assert_non_null(strstr(output(), "xxx...\n"));
	/* errno survives logging */
	errno = EPIPE;
	log_errorf("keep errno");
	assert_int_equal(errno, EPIPE);
	log_set_sink(NULL, NULL);
}

static void test_stderr_off(void **state)
{
	struct captured c = {0};

	log_set_sink(capture, &c);
	log_set_stderr(false);
	log_errorf("only to the sink");
	log_set_stderr(true);
	assert_int_equal(c.n, 1);
	assert_null(strstr(output(), "only to the sink"));
}

static void diag_quiet(void *ctx, enum cfg_diag_level level, const char *msg)
{
	(*(int *)ctx)++;
}

static void test_setup_from_config(void **state)
{
	static const char yaml[] = "log_level: notice\nlog_stderr: true\nlog_syslog: false\n";
	static const char bad[] = "log_level: chatty\nlog_stderr: maybe\n";
	struct cfg *cfg = cfg_new();
	int diags = 0;

	assert_non_null(cfg);
	cfg_set_diag(cfg, diag_quiet, &diags);
	assert_int_equal(cfg_load_buffer(cfg, "t.yaml", yaml, sizeof(yaml) - 1), 0);
	assert_int_equal(log_setup(cfg, "collector"), 0);
	assert_int_equal(log_get_level(), LOG_LVL_NOTICE);
	log_infof("hidden");
	log_noticef("shown");
	assert_null(strstr(output(), "hidden"));
	assert_non_null(strstr(output(), "collector["));
	assert_non_null(strstr(output(), "]: notice: shown\n"));
	/* defaults: info */
	assert_int_equal(cfg_load_buffer(cfg, "t.yaml", "log_syslog: no\n", 15), 0);
	assert_int_equal(log_setup(cfg, NULL), 0);
	assert_int_equal(log_get_level(), LOG_LVL_INFO);
	/* bad values are reported and fail the setup */
	assert_int_equal(cfg_load_buffer(cfg, "t.yaml", bad, sizeof(bad) - 1), 0);
	assert_int_equal(log_setup(cfg, "x"), -EINVAL);
	assert_int_equal(diags, 2);
	assert_int_equal(log_get_level(), LOG_LVL_INFO);
	log_set_syslog(false);
	cfg_free(cfg);
}

/* Lines from many threads never interleave. */
#define THREADS 4
#define PER_THREAD 2000

static void *writer(void *arg)
{
	long id = (long)arg;
	int i;

	for (i = 0; i < PER_THREAD; i++)
		log_infof("thread %ld message %d %s", id, i, "padding-padding-padding-padding");
	return NULL;
}

static void test_threads(void **state)
{
	pthread_t th[THREADS];
	int seen[THREADS] = {0};
	const char *p;
	long i;

	for (i = 0; i < THREADS; i++)
		assert_int_equal(pthread_create(&th[i], NULL, writer, (void *)i), 0);
	/* change settings concurrently: must not tear lines */
	for (i = 0; i < 200; i++) {
		log_set_stage(i % 2 ? "stage-a" : "stage-b");
		log_set_level(LOG_LVL_DEBUG);
	}
	for (i = 0; i < THREADS; i++)
		pthread_join(th[i], NULL);
	for (p = output(); *p;) {
		const char *nl = strchr(p, '\n');
		long t;
		int m;
		const char *msg = strstr(p, ": info: thread ");

		assert_non_null(nl);
		assert_non_null(msg);
		assert_true(msg < nl);
		assert_int_equal(sscanf(msg, ": info: thread %ld message %d", &t, &m), 2);
		assert_true(t >= 0 && t < THREADS);
		assert_int_equal(m, seen[t]); /* in order per thread, none lost */
		seen[t]++;
		assert_int_equal(strncmp(nl - 31, "padding-padding-padding-padding", 31), 0);
		p = nl + 1;
	}
	for (i = 0; i < THREADS; i++)
		assert_int_equal(seen[i], PER_THREAD);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_format, setup, teardown),
		cmocka_unit_test_setup_teardown(test_levels, setup, teardown),
		cmocka_unit_test_setup_teardown(test_sink_and_sanitising, setup, teardown),
		cmocka_unit_test_setup_teardown(test_stderr_off, setup, teardown),
		cmocka_unit_test_setup_teardown(test_setup_from_config, setup, teardown),
		cmocka_unit_test_setup_teardown(test_threads, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
