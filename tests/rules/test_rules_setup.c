/* test_rules_setup.c: rules loaded as a stage loads them, shaped by the configuration. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "config.h"
#include "rules_setup.h"

static const char yaml[] =
	"rules_files: [" LANNER_CONFORMANCE_DIR "/falco-rules/falco_rules.yaml]\n"
	"priority: warning\n"
	"rules:\n"
	"  - disable:\n"
	"      tag: mitre_credential_access\n";

static struct rules_crule *find(struct rules_ruleset *rs, const char *name)
{
	return rules_ruleset_find(rs, name);
}

static void test_config_shapes_rules(void **state)
{
	struct cfg *cfg = cfg_new();
	struct rules_loader *l = NULL;
	struct rules_ruleset *rs;
	char err[256];
	struct rules_crule *r;

	assert_int_equal(cfg_load_buffer(cfg, "t.yaml", yaml, strlen(yaml)), 0);
	rs = rules_setup(cfg, NULL, 0, &l, err, sizeof(err));
	assert_non_null(rs);
	/* priority: warning drops Notice rules ("Redirect STDOUT/STDIN to Network ..."
	 * is Notice in falco_rules.yaml) */
	for (size_t i = 0; i < rs->nrules; i++)
		assert_true(rs->rules[i].rule->priority <= RULES_PRIO_WARNING);
	/* rules: disable by tag */
	r = find(rs, "Read sensitive file untrusted");
	assert_non_null(r);
	assert_false(r->enabled);
	r = find(rs, "Terminal shell in container");
	if (r)
		assert_true(r->enabled);
	/* the suggested container fields are appended by default */
	r = find(rs, "Read sensitive file untrusted");
	assert_non_null(strstr(r->output, "container_id=%container.id"));
	rules_ruleset_free(rs);
	rules_loader_free(l);
	cfg_free(cfg);
}

static void test_missing_named_file_is_an_error(void **state)
{
	struct rules_loader *l = NULL;
	const char *files[] = {"/nonexistent/rules.yaml"};
	char err[256];

	assert_null(rules_setup(NULL, files, 1, &l, err, sizeof(err)));
	assert_non_null(strstr(err, "/nonexistent/rules.yaml"));
	rules_loader_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_config_shapes_rules),
		cmocka_unit_test(test_missing_named_file_is_an_error),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
