/* test_env.h: what a test may assume about the machine it runs on. */
#ifndef LANNER_TEST_ENV_H
#define LANNER_TEST_ENV_H

#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

/* Exit status that ctest reports as "skipped" (SKIP_RETURN_CODE). */
#define LNR_TEST_SKIP 77

/* True when running under CI (CI=true), where every test must run. */
static inline int lnr_test_in_ci(void)
{
	const char *ci = getenv("CI");

	return ci && (strcmp(ci, "true") == 0 || strcmp(ci, "1") == 0);
}

/*
 * For tests that need root (eBPF, namespaces, cgroups). Outside CI a test
 * that cannot run says so loudly and exits with LNR_TEST_SKIP; in CI, where
 * we are root, not being root is a failure, never a skip.
 */
static inline void lnr_test_require_root(const char *test)
{
	if (geteuid() == 0)
		return;
	if (lnr_test_in_ci()) {
		fprintf(stderr, "%s: FAIL: needs root and CI must run it as root\n", test);
		exit(1);
	}
	fprintf(stderr,
		"\n*** %s: SKIPPED: needs root (eBPF/namespaces); run `sudo make test` ***\n\n",
		test);
	exit(LNR_TEST_SKIP);
}

/* Path of a file in ../shared/conformance (read in place, never copied). */
static inline const char *lnr_test_conformance(const char *rel, char *buf, size_t n)
{
	snprintf(buf, n, "%s/%s", LANNER_CONFORMANCE_DIR, rel);
	return buf;
}

#endif
