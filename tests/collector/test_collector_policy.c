/* test_collector_policy.c: syscall_event_drops decisions and the selection from rules (no root). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "col_drops.h"
#include "col_rules.h"
#include "col_table.h"
#include "config.h"
#include "rules_load.h"
#include "rules_setup.h"

#define S 1000000000ull

static struct cfg *cfg_of(const char *yaml)
{
	struct cfg *c = cfg_new();

	assert_non_null(c);
	assert_int_equal(cfg_load_buffer(c, "test.yaml", yaml, strlen(yaml)), 0);
	return c;
}

static void test_drops_cfg(void **state)
{
	struct col_drops_cfg d;
	struct cfg *c;
	char err[256];

	(void)state;
	col_drops_cfg_default(&d);
	assert_true(d.threshold > 0.099 && d.threshold < 0.101);
	assert_int_equal(d.actions, COL_DROP_ACT_LOG | COL_DROP_ACT_ALERT);
	assert_true(d.max_burst == 1);

	c = cfg_of("syscall_event_drops:\n  threshold: 0\n  actions: [ignore, exit]\n"
		   "  rate: 2\n  max_burst: 3\n  simulate_drops: true\n");
	assert_int_equal(col_drops_cfg_read(c, &d, err, sizeof(err)), 0);
	assert_int_equal(d.actions, COL_DROP_ACT_EXIT);
	assert_true(d.threshold == 0 && d.rate == 2 && d.max_burst == 3 && d.simulate);
	cfg_free(c);

	c = cfg_of("syscall_event_drops:\n  actions: []\n");
	assert_int_equal(col_drops_cfg_read(c, &d, err, sizeof(err)), 0);
	assert_int_equal(d.actions, 0);
	cfg_free(c);

	c = cfg_of("syscall_event_drops:\n  actions: [log, shout]\n");
	assert_int_equal(col_drops_cfg_read(c, &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "shout"));
	cfg_free(c);

	c = cfg_of("syscall_event_drops:\n  threshold: 1.5\n");
	assert_int_equal(col_drops_cfg_read(c, &d, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "threshold"));
	cfg_free(c);
}

static void test_token_bucket(void **state)
{
	struct col_tbucket b;

	(void)state;
	col_tbucket_init(&b, 0.5, 2, 100 * S); /* one token every 2 s, burst of 2 */
	assert_true(col_tbucket_claim(&b, 1, 100 * S));
	assert_true(col_tbucket_claim(&b, 1, 100 * S));
	assert_false(col_tbucket_claim(&b, 1, 100 * S));
	assert_false(col_tbucket_claim(&b, 1, 101 * S)); /* half a token */
	assert_true(col_tbucket_claim(&b, 1, 102 * S));
	/* a long pause refills to the burst, not beyond */
	assert_true(col_tbucket_claim(&b, 1, 1000 * S));
	assert_true(col_tbucket_claim(&b, 1, 1000 * S));
	assert_false(col_tbucket_claim(&b, 1, 1000 * S));
}

static void test_drops_decisions(void **state)
{
	struct col_drops_cfg cfg;
	struct col_drops d;
	struct col_stats st = {0}, delta;

	(void)state;
	col_drops_cfg_default(&cfg); /* threshold .1, log + alert, 1 per 30 s, burst 1 */
	col_drops_init(&d, &cfg, &st, 10 * S);
	/* before a second has passed nothing is looked at */
	st.events = 100;
	st.drops = st.drop_buf_full = 50;
	assert_int_equal(col_drops_check(&d, &st, 10 * S + S / 2, &delta), 0);
	/* 50 lost of 150: above .1 */
	assert_int_equal(col_drops_check(&d, &st, 11 * S, &delta),
			 COL_DROP_ACT_LOG | COL_DROP_ACT_ALERT);
	assert_int_equal(delta.drops, 50);
	assert_int_equal(delta.events, 150);
	assert_int_equal(d.n_detected, 1);
	/* the next second: drops again, but the bucket is empty (rate 1/30 s) */
	st.events += 100;
	st.drops += 50;
	st.drop_buf_full += 50;
	assert_int_equal(col_drops_check(&d, &st, 12 * S + 1, &delta), 0);
	assert_int_equal(d.n_detected, 2);
	assert_int_equal(d.n_actions, 1);
	/* below the threshold: 1 lost of 1001 */
	st.events += 1000;
	st.drops += 1;
	assert_int_equal(col_drops_check(&d, &st, 60 * S, &delta), 0);
	assert_int_equal(d.n_detected, 2);
	/* no drops: nothing, whatever the bucket */
	st.events += 1000;
	assert_int_equal(col_drops_check(&d, &st, 70 * S, &delta), 0);
	/* above again after 30 s: the bucket has a token */
	st.events += 10;
	st.drops += 10;
	assert_int_equal(col_drops_check(&d, &st, 100 * S, &delta),
			 COL_DROP_ACT_LOG | COL_DROP_ACT_ALERT);
	assert_int_equal(delta.events, 20);

	/* simulate_drops: a drop every second, threshold 0, also with no events */
	cfg.simulate = true;
	cfg.threshold = 0.5;
	cfg.actions = COL_DROP_ACT_EXIT;
	cfg.rate = 1;
	memset(&st, 0, sizeof(st));
	col_drops_init(&d, &cfg, &st, 0);
	assert_int_equal(col_drops_check(&d, &st, 1 * S, &delta), COL_DROP_ACT_EXIT);
	assert_int_equal(delta.drops, 1);
	assert_int_equal(col_drops_check(&d, &st, 2 * S, &delta), COL_DROP_ACT_EXIT);
}

static void test_drops_alert(void **state)
{
	struct col_stats delta = {.events = 1000,
				  .drops = 321,
				  .drop_buf_full = 320,
				  .drop_buf_open = 300,
				  .drop_buf_close = 20,
				  .drop_no_scratch = 1};
	struct alert *a;
	const struct alert_field *f;
	char msg[256];

	(void)state;
	col_drops_message(&delta, msg, sizeof(msg));
	assert_string_equal(msg,
			    "Falco internal: syscall event drop. 321 system calls dropped in last "
			    "second.");
	a = col_drops_alert(&delta, 1234, "host1");
	assert_non_null(a);
	assert_string_equal(a->rule, COL_DROP_RULE);
	assert_string_equal(a->source, "internal");
	assert_string_equal(a->output, msg);
	assert_int_equal(a->priority, ALERT_PRIO_DEBUG);
	assert_true(alert_is_internal(a));
	{
		static const char *const want[][2] = {
			{"n_evts", "1000"},
			{"n_drops", "321"},
			{"n_drops_buffer_total", "320"},
			{"n_drops_buffer_open_exit", "300"},
			{"n_drops_buffer_close_exit", "20"},
			{"n_drops_buffer_execve_exit", "0"},
			{"n_drops_buffer_clone_fork_exit", "0"},
			{"n_drops_buffer_connect_exit", "0"},
			{"n_drops_buffer_dir_file_exit", "0"},
			{"n_drops_buffer_other_interest_exit", "0"},
			{"n_drops_buffer_proc_exit", "0"},
			{"n_drops_scratch_map", "1"},
			{"n_drops_page_faults", "0"},
			{"n_drops_bug", "0"},
			{"ebpf_enabled", "1"},
		};
		for (size_t i = 0; i < sizeof(want) / sizeof(want[0]); i++) {
			f = alert_find_field(a, want[i][0]);
			assert_non_null(f);
			assert_int_equal(f->type, ALERT_FT_STRING);
			assert_string_equal(f->v.s, want[i][1]);
		}
	}
	assert_int_equal(a->nfields, 15);
	alert_free(a);
}

/* A rules file in a temporary directory, loaded as the stages load it. */
static struct rules_ruleset *load_rules(const char *text, struct rules_loader **l, char *path,
					size_t n)
{
	char err[512];
	const char *files[1] = {path};
	struct rules_ruleset *rs;
	FILE *f;

	snprintf(path, n, "/tmp/lanner-test-rules.%d.yaml", (int)getpid());
	f = fopen(path, "w");
	assert_non_null(f);
	fputs(text, f);
	fclose(f);
	rs = rules_setup(NULL, files, 1, l, err, sizeof(err));
	if (!rs)
		fprintf(stderr, "rules: %s\n", err);
	assert_non_null(rs);
	return rs;
}

static const char chmod_rule[] = "- rule: r1\n  desc: d\n  condition: evt.type = chmod and "
				 "proc.name = x\n  output: o\n  priority: WARNING\n";
static const char mkdir_read_rule[] =
	"- rule: r2\n  desc: d\n  condition: evt.type in (mkdir, read)\n  output: o\n"
	"  priority: WARNING\n";

static void test_selection_from_rules(void **state)
{
	uint8_t want[LNR_EVT_MAX];
	struct rules_loader *l = NULL;
	struct rules_ruleset *rs;
	struct cfg *c;
	char path[128], warn[1024];
	int n, nstate;

	(void)state;
	/* no rules: the state set only, which covers what the enricher tracks */
	nstate = col_rules_selection(NULL, NULL, want, warn, sizeof(warn));
	assert_true(nstate > 20);
	static const uint16_t enricher_needs[] = {
		LNR_EVT_CLONE,	     LNR_EVT_CLONE3,   LNR_EVT_FORK,	 LNR_EVT_VFORK,
		LNR_EVT_EXECVE,	     LNR_EVT_EXECVEAT, LNR_EVT_PROCEXIT, LNR_EVT_CLOSE,
		LNR_EVT_OPEN,	     LNR_EVT_OPENAT,   LNR_EVT_OPENAT2,	 LNR_EVT_CREAT,
		LNR_EVT_DUP,	     LNR_EVT_DUP2,     LNR_EVT_DUP3,	 LNR_EVT_FCNTL,
		LNR_EVT_SOCKET,	     LNR_EVT_CONNECT,  LNR_EVT_ACCEPT,	 LNR_EVT_ACCEPT4,
		LNR_EVT_BIND,	     LNR_EVT_LISTEN,   LNR_EVT_PIPE,	 LNR_EVT_PIPE2,
		LNR_EVT_SOCKETPAIR,  LNR_EVT_EVENTFD,  LNR_EVT_EVENTFD2, LNR_EVT_MEMFD_CREATE,
		LNR_EVT_USERFAULTFD, LNR_EVT_BPF,      LNR_EVT_CHDIR,	 LNR_EVT_FCHDIR,
		LNR_EVT_CHROOT,	     LNR_EVT_SETUID,   LNR_EVT_SETGID,	 LNR_EVT_SETRESUID,
		LNR_EVT_SETRESGID,   LNR_EVT_SETREUID, LNR_EVT_SETREGID, LNR_EVT_SETSID,
		LNR_EVT_SETPGID,     LNR_EVT_CAPSET,
	};
	for (size_t i = 0; i < sizeof(enricher_needs) / sizeof(enricher_needs[0]); i++) {
		if (!want[enricher_needs[i]])
			fprintf(stderr, "state set lacks %s\n", col_tab_name(enricher_needs[i]));
		assert_int_equal(want[enricher_needs[i]], 1);
	}
	assert_int_equal(want[LNR_EVT_CHMOD], 0);
	assert_int_equal(want[LNR_EVT_MKDIR], 0);

	/* rules on chmod: chmod added to the state set */
	rs = load_rules(chmod_rule, &l, path, sizeof(path));
	n = col_rules_selection(NULL, rs, want, warn, sizeof(warn));
	assert_int_equal(n, nstate + 1);
	assert_int_equal(want[LNR_EVT_CHMOD], 1);
	assert_int_equal(want[LNR_EVT_MKDIR], 0);
	rules_ruleset_free(rs);
	rules_loader_free(l);

	/* mkdir and read: read is not produced live, which is said */
	rs = load_rules(mkdir_read_rule, &l, path, sizeof(path));
	n = col_rules_selection(NULL, rs, want, warn, sizeof(warn));
	assert_int_equal(n, nstate + 1);
	assert_int_equal(want[LNR_EVT_MKDIR], 1);
	assert_int_equal(want[LNR_EVT_CHMOD], 0);
	assert_non_null(strstr(warn, "read"));

	/* custom_set: the rules' types + that set, nothing of the state set */
	c = cfg_of("base_syscalls:\n  custom_set: [openat, nosuchcall]\n");
	n = col_rules_selection(c, rs, want, warn, sizeof(warn));
	assert_int_equal(n, 2);
	assert_int_equal(want[LNR_EVT_MKDIR], 1);
	assert_int_equal(want[LNR_EVT_OPENAT], 1);
	assert_int_equal(want[LNR_EVT_CLONE], 0);
	assert_non_null(strstr(warn, "nosuchcall"));
	cfg_free(c);

	/* repair: + the minimal state set; "!name" removes */
	c = cfg_of("base_syscalls:\n  custom_set: [openat, '!clone3']\n  repair: true\n");
	n = col_rules_selection(c, rs, want, warn, sizeof(warn));
	assert_int_equal(want[LNR_EVT_CLONE], 1);
	assert_int_equal(want[LNR_EVT_CLONE3], 0);
	assert_int_equal(want[LNR_EVT_PROCEXIT], 1);
	assert_int_equal(want[LNR_EVT_SOCKET], 0);
	assert_true(n > 10 && n < nstate);
	cfg_free(c);

	/* all: everything the collector produces */
	c = cfg_of("base_syscalls:\n  all: true\n");
	n = col_rules_selection(c, rs, want, warn, sizeof(warn));
	assert_int_equal(n, 72);
	cfg_free(c);

	/* a malformed custom_set is an error, not a silent empty set */
	c = cfg_of("base_syscalls:\n  custom_set: {a: b}\n");
	assert_int_equal(col_rules_selection(c, rs, want, warn, sizeof(warn)), -EINVAL);
	cfg_free(c);
	rules_ruleset_free(rs);
	rules_loader_free(l);
	unlink(path);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_drops_cfg),
		cmocka_unit_test(test_token_bucket),
		cmocka_unit_test(test_drops_decisions),
		cmocka_unit_test(test_drops_alert),
		cmocka_unit_test(test_selection_from_rules),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
