/* test_collector_table.c: the collector's parameter table against Falco's event table, and selection. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>

#include "collector.h"
#include "col_table.h"
#include "event.h"
#include "test_env.h"

/*
 * Parameter counts the collector writes that differ from the newest exit
 * events of conformance/event_table_summary.json (libs @48dfd53c): that
 * table gained one parameter for these after the schema we could read
 * (plugin-sdk-rs falco_event_schema @0c2550fe: socket 4, fcntl 3), and its
 * name is not in the summary. The test requires the summary to say exactly
 * ours + 1 for them, so a change on either side is noticed.
 */
static const char *const known_short_by_one[] = {"socket", "fcntl"};

static json_t *summary;

static int setup(void **state)
{
	char path[512];
	json_error_t err;

	(void)state;
	summary = json_load_file(
		lnr_test_conformance("event_table_summary.json", path, sizeof(path)), 0, &err);
	if (!summary)
		fprintf(stderr, "cannot read %s: %s (line %d)\n", path, err.text, err.line);
	return summary ? 0 : -1;
}

static int teardown(void **state)
{
	(void)state;
	json_decref(summary);
	return 0;
}

/* Parameter count of the newest (not EF_OLD_VERSION) event called name whose
 * symbol ends in _X (procexit: _E, Falco's only direction for it); -1 if none. */
static int newest_nparams(const char *name)
{
	json_t *events = json_object_get(summary, "events"), *ev;
	const char *sym;
	int best = -1;

	json_object_foreach(events, sym, ev)
	{
		const char *n = json_string_value(json_object_get(ev, "name"));
		const char *flags = json_string_value(json_object_get(ev, "flags"));
		size_t l = strlen(sym);
		int want_e = strcmp(name, "procexit") == 0;

		if (!n || strcmp(n, name) != 0 || (flags && strstr(flags, "EF_OLD_VERSION")))
			continue;
		if (l < 2 || sym[l - 2] != '_' || sym[l - 1] != (want_e ? 'E' : 'X'))
			continue;
		best = (int)json_integer_value(json_object_get(ev, "nparams"));
	}
	return best;
}

struct acc {
	int checked, failed;
};

static void check_one(const struct col_evt *e, void *arg)
{
	struct acc *a = arg;
	const char *name = col_tab_name(e->type);
	int want = newest_nparams(name);
	int known = 0;

	for (size_t i = 0; i < sizeof(known_short_by_one) / sizeof(known_short_by_one[0]); i++)
		if (strcmp(known_short_by_one[i], name) == 0)
			known = 1;
	a->checked++;
	if (want < 0) {
		fprintf(stderr, "%s: not in the Falco event table\n", name);
		a->failed++;
	} else if (known ? want != e->nparams + 1 : want != e->nparams) {
		fprintf(stderr, "%s: collector writes %u parameters, Falco's newest has %d%s\n",
			name, e->nparams, want, known ? " (listed as short by one)" : "");
		a->failed++;
	}
	/* Names unique, fixed sizes known, generic specs within the BPF loop bound. */
	for (unsigned i = 0; i < e->nparams; i++)
		for (unsigned j = i + 1; j < e->nparams; j++)
			if (strcmp(e->params[i].name, e->params[j].name) == 0) {
				fprintf(stderr, "%s: parameter %s twice\n", name,
					e->params[i].name);
				a->failed++;
			}
	if (e->prog == COL_PROG_GENERIC && e->nparams > 12) {
		fprintf(stderr, "%s: too many parameters for the generic filler\n", name);
		a->failed++;
	}
}

static void test_param_counts_match_falco(void **state)
{
	struct acc a = {0};

	(void)state;
	col_tab_foreach(check_one, &a);
	fprintf(stderr, "%d event types checked against Falco's table\n", a.checked);
	assert_true(a.checked >= 70);
	assert_int_equal(a.failed, 0);
}

/* The kernel writes exactly common/event_table.c's parameters: same count,
 * names, types and order, for every type the collector produces. */
struct eacc {
	int checked, failed;
};

static void exact_one(const struct col_evt *e, void *arg)
{
	const struct lnr_evt_info *i = lnr_evt_info(e->type);
	struct eacc *a = arg;

	a->checked++;
	if (!i || i->nparams != e->nparams) {
		fprintf(stderr, "%s: %u parameters, event table %d\n", col_tab_name(e->type),
			e->nparams, i ? i->nparams : -1);
		a->failed++;
		return;
	}
	for (unsigned k = 0; k < e->nparams; k++)
		if (strcmp(i->params[k].name, e->params[k].name) != 0 ||
		    i->params[k].type != e->params[k].type) {
			fprintf(stderr, "%s: parameter %u is %s/%s, event table %s/%s\n", i->name,
				k, e->params[k].name, lnr_ptype_name(e->params[k].type),
				i->params[k].name, lnr_ptype_name(i->params[k].type));
			a->failed++;
		}
	if (i->syscall_nr >= 0 && i->syscall_nr != e->nr[0]) {
		fprintf(stderr, "%s: syscall %d, event table %d\n", i->name, e->nr[0],
			i->syscall_nr);
		a->failed++;
	}
}

static void test_matches_event_table(void **state)
{
	struct eacc a = {0};

	(void)state;
	col_tab_foreach(exact_one, &a);
	assert_true(a.checked >= 70);
	assert_int_equal(a.failed, 0);
}

/* Every event type issue 4 lists is produced. */
static void test_coverage(void **state)
{
	static const char *const need[] = {
		"open",	     "openat",	    "openat2",	    "creat",	    "execve",
		"execveat",  "connect",	    "accept",	    "accept4",	    "listen",
		"socket",    "sendto",	    "sendmsg",	    "recvfrom",	    "recvmsg",
		"bind",	     "chmod",	    "fchmod",	    "fchmodat",	    "rename",
		"renameat",  "renameat2",   "unlink",	    "unlinkat",	    "rmdir",
		"mkdir",     "mkdirat",	    "link",	    "linkat",	    "symlink",
		"symlinkat", "dup",	    "dup2",	    "dup3",	    "ptrace",
		"bpf",	     "init_module", "finit_module", "setns",	    "unshare",
		"setuid",    "userfaultfd", "clone",	    "clone3",	    "fork",
		"vfork",     "procexit",    "close",	    "fcntl",	    "pipe",
		"pipe2",     "socketpair",  "eventfd",	    "memfd_create", "chdir",
		"fchdir",    "chroot",	    "setgid",	    "setresuid",    "setresgid",
		"setreuid",  "setregid",    "setsid",	    "setpgid",	    "capset",
		"prctl",     "mount",	    "umount2",	    "kill"};
	int missing = 0;

	(void)state;
	for (size_t i = 0; i < sizeof(need) / sizeof(need[0]); i++) {
		int t = col_tab_type_by_name(need[i]);

		if (t < 0 || !col_tab_get(t)) {
			fprintf(stderr, "not produced: %s\n", need[i]);
			missing++;
		}
	}
	assert_int_equal(missing, 0);
}

static int type_of(const char *n)
{
	return col_tab_type_by_name(n);
}

static void test_selection_semantics(void **state)
{
	static const char *const rules[] = {"connect", "openat", "read_not_produced"};
	static const char *const custom[] = {"mkdir", "!close"};
	uint8_t sel[LNR_EVT_MAX];
	char warn[256];
	struct col_selection s = {.rule_types = rules, .n_rule_types = 3};
	int n;

	(void)state;
	/* Default: rules + the state set, unknown names reported. */
	n = col_selection_types(&s, sel, warn, sizeof(warn));
	assert_true(n > 30);
	assert_true(sel[type_of("connect")] && sel[type_of("openat")]);
	assert_true(sel[type_of("clone")] && sel[type_of("close")] && sel[type_of("socket")]);
	assert_false(sel[type_of("mkdir")]);
	assert_non_null(strstr(warn, "read_not_produced"));

	/* custom_set: rules + custom only; "!close" removes close. */
	s.custom_set = custom;
	s.n_custom_set = 2;
	n = col_selection_types(&s, sel, warn, sizeof(warn));
	assert_int_equal(n, 3);
	assert_true(sel[type_of("mkdir")] && sel[type_of("connect")] && sel[type_of("openat")]);
	assert_false(sel[type_of("clone")]);

	/* repair: custom + the minimal state set, still without close. */
	s.repair = true;
	col_selection_types(&s, sel, warn, sizeof(warn));
	assert_true(sel[type_of("clone")] && sel[type_of("execve")] && sel[type_of("procexit")]);
	assert_false(sel[type_of("close")]);
	assert_false(sel[type_of("socket")]);

	/* all: everything produced, minus the negations. */
	s.all = true;
	n = col_selection_types(&s, sel, warn, sizeof(warn));
	assert_true(sel[type_of("mkdir")] && sel[type_of("kill")]);
	assert_false(sel[type_of("close")]);
	assert_true(n >= 69);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_param_counts_match_falco),
		cmocka_unit_test(test_matches_event_table),
		cmocka_unit_test(test_coverage),
		cmocka_unit_test(test_selection_semantics),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
