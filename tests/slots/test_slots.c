/* test_slots.c: the state-field slot table built from Falco's official rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <cmocka.h>

#include "rules_compile.h"
#include "rules_load.h"
#include "slots.h"

static struct rules_ruleset *load(struct rules_loader **lp)
{
	struct rules_loader *l = rules_loader_new();
	struct rules_opts o = {.min_priority = RULES_PRIO_DEBUG};
	struct rules_ruleset *rs;

	assert_non_null(l);
	assert_int_equal(
		rules_loader_load_file(l, LANNER_CONFORMANCE_DIR "/falco-rules/falco_rules.yaml"),
		0);
	rs = rules_compile(l, &o);
	assert_non_null(rs);
	*lp = l;
	return rs;
}

static int has_slot(const struct slot_table *t, unsigned ty, const char *key)
{
	for (uint32_t i = 0; i < t->nby_type[ty]; i++)
		if (strcmp(t->keys[t->by_type[ty][i]], key) == 0)
			return 1;
	return 0;
}

static void test_official_rules(void **state)
{
	struct rules_loader *l, *l2;
	struct rules_ruleset *rs = load(&l), *rs2 = load(&l2);
	struct slot_table *t = slots_build(rs), *t2 = slots_build(rs2);

	assert_non_null(t);
	assert_non_null(t2);
	assert_true(t->n > 10);
	/* deterministic: both sides of the pipeline agree */
	assert_int_equal(t->gen, t2->gen);
	assert_int_equal(t->n, t2->n);
	/* what "Read sensitive file untrusted" and friends read on openat */
	assert_true(has_slot(t, LNR_EVT_OPENAT, "fd.name"));
	assert_true(has_slot(t, LNR_EVT_OPENAT, "proc.name"));
	assert_true(has_slot(t, LNR_EVT_OPENAT, "proc.aname[2]"));
	assert_true(has_slot(t, LNR_EVT_OPENAT, "container.id"));
	assert_true(has_slot(t, LNR_EVT_EXECVE, "proc.pname"));
	/* event fields are read from the record itself: never slotted */
	for (size_t s = 0; s < t->n; s++) {
		assert_true(strncmp(t->keys[s], "evt.type", 8) != 0);
		assert_true(slots_field_is_state(t->refs[s].id));
	}
	/* local indexes agree with the per-type lists */
	for (unsigned ty = 0; ty < LNR_EVT_MAX; ty++)
		for (uint32_t i = 0; i < t->nby_type[ty]; i++)
			assert_int_equal(t->local[ty][t->by_type[ty][i]], (int32_t)i);
	/* a type no rule can match reads nothing */
	assert_int_equal(t->nby_type[LNR_EVT_TIMERFD_CREATE], 0);
	slots_free(t);
	slots_free(t2);
	rules_ruleset_free(rs);
	rules_ruleset_free(rs2);
	rules_loader_free(l);
	rules_loader_free(l2);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_official_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
