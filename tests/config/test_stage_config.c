/* test_stage_config.c: stage_config (common/stage.c): a stage started without -c runs on the defaults and the -o overrides. */
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
#include "stage.h"

/* No configuration file: the defaults, no error. */
static void test_no_path_defaults(void **state)
{
	struct cfg *cfg = stage_config("test", NULL, NULL, 0);
	char name[256];

	(void)state;
	assert_non_null(cfg);
	assert_int_equal(cfg_error_count(cfg), 0);
	stage_ring_name(cfg, "raw", name, sizeof(name));
	assert_string_equal(name, "main.raw");
	assert_int_equal(stage_ring_size(cfg), (size_t)64 << 20);
	assert_int_equal(cfg_get_uint(cfg, "lanner.evaluator_grace_ms", 5000), 5000);
	cfg_free(cfg);
}

/* No file, but -o overrides: applied (config_files ones too), checked against the schema. */
static void test_no_path_overrides(void **state)
{
	char dir[] = "/tmp/lanner-stagecfg-XXXXXX", inc[64], spec[128], name[256];
	const char *ov[3];
	struct cfg *cfg;
	FILE *f;

	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(inc, sizeof(inc), "%s/inc.yaml", dir);
	f = fopen(inc, "w");
	assert_non_null(f);
	fputs("lanner:\n  ring_size_mb: 2\n", f);
	fclose(f);
	snprintf(spec, sizeof(spec), "config_files=[%s]", inc);
	ov[0] = "lanner.instance=nocfg";
	ov[1] = spec;
	ov[2] = "lanner.evaluator_grace_ms=700";
	cfg = stage_config("test", NULL, ov, 3);
	assert_non_null(cfg);
	stage_ring_name(cfg, "raw", name, sizeof(name));
	assert_string_equal(name, "nocfg.raw");
	assert_int_equal(stage_ring_size(cfg), (size_t)2 << 20);
	assert_int_equal(cfg_get_uint(cfg, "lanner.evaluator_grace_ms", 5000), 700);
	cfg_free(cfg);
	/* a value of the wrong type is still refused */
	ov[0] = "lanner.ring_size_mb=lots";
	assert_null(stage_config("test", NULL, ov, 1));
	unlink(inc);
	rmdir(dir);
}

/* A path that does not exist is still an error (not the defaults). */
static void test_missing_file(void **state)
{
	(void)state;
	assert_null(stage_config("test", "/nonexistent/lanner.yaml", NULL, 0));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_no_path_defaults),
		cmocka_unit_test(test_no_path_overrides),
		cmocka_unit_test(test_missing_file),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
