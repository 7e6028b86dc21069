/* test_collector_cli.c: lanner-collector's clear errors and exit codes. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "test_env.h"

static const char *collector_bin;

/* Run the collector with args (as uid when uid >= 0); return its exit status
 * and its stderr in err. */
static int run(int uid, char *const argv[], char *err, size_t n)
{
	int pfd[2], status;
	ssize_t got, off = 0;
	pid_t pid;

	if (pipe(pfd))
		return -1;
	pid = fork();
	if (pid == 0) {
		int null = open("/dev/null", O_WRONLY);

		dup2(pfd[1], 2);
		dup2(null, 1);
		if (uid >= 0 && (setgid(uid) || setuid(uid)))
			_exit(99);
		execv(collector_bin, argv);
		_exit(98);
	}
	close(pfd[1]);
	while (off + 1 < (ssize_t)n && (got = read(pfd[0], err + off, n - 1 - off)) > 0)
		off += got;
	err[off] = 0;
	close(pfd[0]);
	waitpid(pid, &status, 0);
	return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

static void test_not_root_is_a_clear_error(void **state)
{
	char *argv[] = {(char *)"lanner-collector", (char *)"--print", NULL};
	char err[2048];
	int rc;

	(void)state;
	rc = run(geteuid() == 0 ? 65534 : -1, argv, err, sizeof(err));
	fprintf(stderr, "exit %d: %s", rc, err);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(err, "needs root"));
}

static void test_bad_arguments(void **state)
{
	char *both[] = {(char *)"lanner-collector", (char *)"--print", (char *)"--ring",
			(char *)"x", NULL};
	char *bogus[] = {(char *)"lanner-collector",
			 (char *)"--print",
			 (char *)"--type",
			 (char *)"no_such_event",
			 (char *)"--duration",
			 (char *)"1",
			 NULL};
	char err[2048];
	int rc;

	(void)state;
	rc = run(-1, both, err, sizeof(err));
	assert_int_equal(rc, 2);
	assert_non_null(strstr(err, "exclude"));
	if (geteuid() != 0)
		return; /* the type is checked after loading, which needs root */
	rc = run(-1, bogus, err, sizeof(err));
	fprintf(stderr, "exit %d: %s", rc, err);
	assert_int_equal(rc, 1);
	assert_non_null(strstr(err, "no_such_event"));
}

static void test_list_events(void **state)
{
	char *argv[] = {(char *)"lanner-collector", (char *)"--list-events", NULL};
	char err[64];
	int rc;

	(void)state;
	rc = run(-1, argv, err, sizeof(err));
	assert_int_equal(rc, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_not_root_is_a_clear_error),
		cmocka_unit_test(test_bad_arguments),
		cmocka_unit_test(test_list_events),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: test_collector_cli PATH_TO_LANNER_COLLECTOR\n");
		return 2;
	}
	collector_bin = argv[1];
	return cmocka_run_group_tests(tests, NULL, NULL);
}
