/* test_rules_load.c: rules loader behaviour: hostile input, positions, multi-file, selection. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>

#include <cmocka.h>

#include "config.h"
#include "rules_cfg.h"
#include "rules_compile.h"
#include "rules_output.h"
#include "testev.h"
#include "rules_load.h"
#include "rules_yaml.h"

/* Loads one buffer and compiles; returns the ruleset or NULL; *lp gets the loader. */
static struct rules_ruleset *load1(const char *yaml, size_t len, struct rules_loader **lp)
{
	struct rules_loader *l = rules_loader_new();

	assert_non_null(l);
	*lp = l;
	if (rules_loader_load_buf(l, "t.yaml", yaml, len) != 0)
		return NULL;
	return rules_compile(l, NULL);
}

static const struct rules_diag *find_diag(const struct rules_loader *l, enum rules_sev sev,
					  const char *sub)
{
	for (size_t i = 0; i < l->diags.n; i++)
		if (l->diags.v[i].sev == sev && strstr(l->diags.v[i].msg, sub))
			return &l->diags.v[i];
	return NULL;
}

static void expect_error(const char *yaml, size_t len, const char *sub, uint32_t line)
{
	struct rules_loader *l;
	struct rules_ruleset *rs = load1(yaml, len, &l);
	const struct rules_diag *d;

	assert_null(rs);
	d = find_diag(l, RULES_ERROR, sub);
	if (!d) {
		for (size_t i = 0; i < l->diags.n; i++)
			fprintf(stderr, "diag: %s\n", l->diags.v[i].msg);
	}
	assert_non_null(d);
	if (line)
		assert_int_equal(d->pos.line, line);
	rules_loader_free(l);
}

static void test_oversize(void **state)
{
	size_t n = RULES_YAML_MAX_BYTES + 1;
	char *big = malloc(n);

	(void)state;
	assert_non_null(big);
	memset(big, '#', n);
	expect_error(big, n, "file too large", 0);
	free(big);
}

/* Billion laughs: 9 levels of 9 aliases = 387M nodes if expanded. */
static void test_yaml_bomb(void **state)
{
	static const char bomb[] =
		"a: &a [\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\",\"lol\"]\n"
		"b: &b [*a,*a,*a,*a,*a,*a,*a,*a,*a]\n"
		"c: &c [*b,*b,*b,*b,*b,*b,*b,*b,*b]\n"
		"d: &d [*c,*c,*c,*c,*c,*c,*c,*c,*c]\n"
		"e: &e [*d,*d,*d,*d,*d,*d,*d,*d,*d]\n"
		"f: &f [*e,*e,*e,*e,*e,*e,*e,*e,*e]\n"
		"g: &g [*f,*f,*f,*f,*f,*f,*f,*f,*f]\n"
		"h: &h [*g,*g,*g,*g,*g,*g,*g,*g,*g]\n"
		"i: &i [*h,*h,*h,*h,*h,*h,*h,*h,*h]\n";
	struct rlimit old, lim;

	(void)state;
	/* Bounded memory: the tree shares aliased nodes, it never copies them. */
	getrlimit(RLIMIT_AS, &old);
	lim = old;
	expect_error(bomb, sizeof(bomb) - 1, "document too large", 0);
	(void)lim;
}

static void test_alias_in_rule_items(void **state)
{
	static const char y[] =
		"- list: base\n  items: &it [a, b]\n"
		"- list: other\n  items: *it\n"
		"- rule: r\n  desc: d\n  condition: evt.type=open and proc.name in (other, base)\n"
		"  output: o\n  priority: INFO\n";
	struct rules_loader *l;
	struct rules_ruleset *rs = load1(y, sizeof(y) - 1, &l);

	(void)state;
	assert_non_null(rs);
	assert_string_equal(rules_ruleset_find(rs, "r")->condition,
			    "(evt.type = open and proc.name in (a, b, a, b))");
	rules_ruleset_free(rs);
	rules_loader_free(l);
}

static void test_invalid_utf8(void **state)
{
	static const char y[] = "- rule: r\n  desc: \xff\xfe bad\n";

	(void)state;
	expect_error(y, sizeof(y) - 1, "YAML parse error", 2);
}

static void test_nul_byte(void **state)
{
	static const char y[] = "- rule: r\n  desc: a\0b\n";

	(void)state;
	expect_error(y, sizeof(y) - 1, "YAML parse error", 2);
}

static void test_duplicate_keys(void **state)
{
	static const char y[] = "- rule: r\n  desc: d\n  condition: evt.type=open\n"
				"  output: o\n  priority: INFO\n  condition: evt.type=close\n";

	(void)state;
	expect_error(y, sizeof(y) - 1, "duplicate key 'condition' (first defined at line 3)", 6);
}

static void test_deep_nesting(void **state)
{
	size_t n = 100000;
	char *y = malloc(2 * n + 1);

	(void)state;
	assert_non_null(y);
	memset(y, '[', n);
	memset(y + n, ']', n);
	y[2 * n] = '\0';
	expect_error(y, 2 * n, "nesting deeper than", 1);
	free(y);
}

/* A condition of 10 MB of nested parentheses: a clear parse error, no stack overflow. */
static void test_huge_parens_condition(void **state)
{
	size_t n = 5u << 20;
	const char *head = "- rule: r\n  desc: d\n  output: o\n  priority: INFO\n  condition: ";
	size_t hl = strlen(head);
	char *y = malloc(hl + 2 * n + 32);
	size_t k = hl;

	(void)state;
	assert_non_null(y);
	memcpy(y, head, hl);
	y[k++] = '\'';
	memset(y + k, '(', n);
	k += n;
	memcpy(y + k, "a.b=1", 5);
	k += 5;
	memset(y + k, ')', n);
	k += n;
	y[k++] = '\'';
	y[k++] = '\n';
	expect_error(y, k, "depth", 5);
	free(y);
}

static void test_error_positions(void **state)
{
	static const char y[] = "- rule: r\n"
				"  desc: d\n"
				"  condition: evt.type=open\n"
				"  output: o\n"
				"  priority: LOUD\n";
	static const char y2[] = "- rule: r\n"
				 "  desc: d\n"
				 "  condition: evt.type=open and proc.name = (\n"
				 "  output: o\n"
				 "  priority: INFO\n";
	struct rules_loader *l;
	const struct rules_diag *d;

	(void)state;
	expect_error(y, sizeof(y) - 1, "Invalid priority", 5);
	assert_null(load1(y2, sizeof(y2) - 1, &l));
	d = &l->diags.v[0];
	assert_int_equal(d->sev, RULES_ERROR);
	assert_int_equal(d->pos.line, 3);
	/* at the '(' where a value was expected: column of the condition text + offset */
	assert_int_equal(d->pos.col, 44);
	rules_loader_free(l);
}

static void test_multi_file_override(void **state)
{
	static const char a[] =
		"- required_engine_version: 0.57.0\n"
		"- required_plugin_versions:\n  - name: container\n    version: 0.4.0\n"
		"- list: shells\n  items: [bash, sh]\n"
		"- macro: spawned\n  condition: evt.type in (execve, execveat)\n"
		"- rule: shell\n  desc: d\n  condition: spawned and proc.name in (shells)\n"
		"  output: o %proc.name\n  priority: WARNING\n  tags: [b, a]\n";
	static const char b[] =
		"- list: shells\n  items: [zsh]\n  override:\n    items: append\n"
		"- macro: spawned\n  condition: or evt.type = clone\n  override:\n"
		"    condition: append\n"
		"- rule: shell\n  condition: and not proc.pname = sshd\n  priority: ERROR\n"
		"  tags: [c]\n  override:\n    condition: append\n    priority: replace\n"
		"    tags: append\n";
	struct rules_loader *l = rules_loader_new();
	struct rules_ruleset *rs;
	struct rules_crule *c;

	(void)state;
	assert_int_equal(rules_loader_load_buf(l, "a.yaml", a, sizeof(a) - 1), 0);
	assert_int_equal(rules_loader_load_buf(l, "b.yaml", b, sizeof(b) - 1), 0);
	rs = rules_compile(l, NULL);
	assert_non_null(rs);
	c = rules_ruleset_find(rs, "shell");
	assert_non_null(c);
	assert_string_equal(
		c->condition,
		"((evt.type in (execve, execveat) or evt.type = clone) and proc.name in "
		"(bash, sh, zsh) and not proc.pname = sshd)");
	assert_int_equal(c->rule->priority, RULES_PRIO_ERROR);
	assert_int_equal(c->rule->ntags, 3);
	assert_string_equal(c->rule->tags[0], "a");
	assert_false(rules_evtset_has(&c->types, "open"));
	assert_true(rules_evtset_has(&c->types, "clone"));
	assert_true(rules_evtset_has(&c->types, "execve"));
	assert_int_equal(l->diags.nerrors, 0);
	rules_ruleset_free(rs);
	rules_loader_free(l);
}

static void test_plugins_and_engine(void **state)
{
	static const char other[] = "- required_plugin_versions:\n  - name: k8saudit\n"
				    "    version: 0.1.0\n";
	static const char alt[] = "- required_plugin_versions:\n  - name: k8saudit\n"
				  "    version: 0.1.0\n    alternatives:\n      - name: container\n"
				  "        version: 0.2.0\n";
	static const char newer[] = "- required_engine_version: 0.99.0\n";
	static const char intver[] = "- required_engine_version: 62\n";
	struct rules_loader *l;
	struct rules_ruleset *rs;

	(void)state;
	expect_error(other, sizeof(other) - 1, "Plugin requirement not satisfied", 2);
	rs = load1(alt, sizeof(alt) - 1, &l);
	assert_non_null(rs);
	rules_ruleset_free(rs);
	rules_loader_free(l);
	expect_error(
		newer, sizeof(newer) - 1,
		"Rules require engine version 0.99.0, but engine version is " RULES_ENGINE_VERSION,
		1);
	rs = load1(intver, sizeof(intver) - 1, &l);
	assert_non_null(rs);
	rules_ruleset_free(rs);
	rules_loader_free(l);
}

static void test_nested_lists_macros(void **state)
{
	static const char y[] = "- list: a\n  items: [x, \"y z\"]\n"
				"- list: b\n  items: [a, w]\n"
				"- macro: m1\n  condition: proc.name in (b)\n"
				"- macro: m2\n  condition: evt.type = open and m1\n"
				"- rule: r\n  desc: d\n  condition: m2 and not m1\n  output: o\n"
				"  priority: info\n";
	struct rules_loader *l;
	struct rules_ruleset *rs = load1(y, sizeof(y) - 1, &l);

	(void)state;
	assert_non_null(rs);
	assert_string_equal(
		rules_ruleset_find(rs, "r")->condition,
		"((evt.type = open and proc.name in (x, \"y z\", w)) and not proc.name in "
		"(x, \"y z\", w))");
	assert_int_equal(rules_ruleset_find(rs, "r")->rule->priority, RULES_PRIO_INFORMATIONAL);
	assert_int_equal(l->diags.nwarnings, 0);
	rules_ruleset_free(rs);
	rules_loader_free(l);
}

static void test_unused_and_loop(void **state)
{
	static const char unused[] = "- list: lonely\n  items: [a]\n"
				     "- macro: alone\n  condition: evt.type = open\n";
	/* A loop needs a redefinition: macros see only macros defined before them. */
	static const char loop[] =
		"- macro: a\n  condition: evt.type = open\n"
		"- macro: b\n  condition: a\n- macro: a\n  condition: b\n"
		"- rule: r\n  desc: d\n  condition: a\n  output: o\n  priority: INFO\n";
	struct rules_loader *l;
	struct rules_ruleset *rs = load1(unused, sizeof(unused) - 1, &l);

	(void)state;
	assert_non_null(rs);
	assert_non_null(
		find_diag(l, RULES_WARNING, "List not referred to by any other rule/macro"));
	assert_non_null(
		find_diag(l, RULES_WARNING, "Macro not referred to by any other rule/macro"));
	rules_ruleset_free(rs);
	rules_loader_free(l);
	expect_error(loop, sizeof(loop) - 1, "reference loop in macro", 0);
}

static void test_selection_and_priority(void **state)
{
	static const char y[] =
		"- rule: one\n  desc: d\n  condition: evt.type = open\n  output: o\n"
		"  priority: DEBUG\n  tags: [net]\n"
		"- rule: two\n  desc: d\n  condition: evt.type = close\n  output: o\n"
		"  priority: CRITICAL\n  tags: [file]\n";
	struct rules_opts opts = {RULES_PRIO_WARNING, NULL, 0};
	struct rules_loader *l = rules_loader_new();
	struct rules_ruleset *rs;

	(void)state;
	assert_int_equal(rules_loader_load_buf(l, "t.yaml", y, sizeof(y) - 1), 0);
	rs = rules_compile(l, &opts);
	assert_non_null(rs);
	assert_int_equal(rs->nrules, 1); /* "one" is below the threshold */
	assert_int_equal(rs->nby_type[LNR_EVT_CLOSE], 1);
	assert_int_equal(rs->nby_type[LNR_EVT_OPEN], 0);
	assert_int_equal(rules_select(rs, false, "*", NULL), 1);
	assert_int_equal(rules_select(rs, true, NULL, "file"), 1);
	assert_int_equal(rules_select(rs, true, NULL, "net"), 0);
	assert_int_equal(rules_ruleset_reindex(rs), 0);
	assert_int_equal(rs->nby_type[LNR_EVT_CLOSE], 1);
	rules_select(rs, false, "tw?", NULL);
	assert_int_equal(rules_ruleset_reindex(rs), 0);
	assert_int_equal(rs->nby_type[LNR_EVT_CLOSE], 0);
	rules_ruleset_free(rs);
	rules_loader_free(l);
}

static void test_no_evttype_index(void **state)
{
	static const char y[] =
		"- rule: broad\n  desc: d\n  condition: proc.name = cat\n  output: o\n"
		"  priority: INFO\n";
	struct rules_loader *l;
	struct rules_ruleset *rs = load1(y, sizeof(y) - 1, &l);

	(void)state;
	assert_non_null(rs);
	assert_non_null(find_diag(l, RULES_WARNING, "Rule matches too many evt.type values"));
	for (size_t t = 0; t < LNR_EVT_MAX; t++)
		assert_int_equal(rs->nby_type[t], 1);
	rules_ruleset_free(rs);
	rules_loader_free(l);
}

static void quiet(void *ctx, enum cfg_diag_level level, const char *msg)
{
	(void)ctx;
	(void)level;
	(void)msg;
}

/* falco.yaml's priority, rules: selection and append_output, through the config module. */
static void test_config_keys(void **state)
{
	static const char conf[] =
		"priority: notice\n"
		"rules:\n  - disable:\n      rule: \"*\"\n"
		"  - enable:\n      tag: net\n"
		"  - enable:\n      rule: \"fi*\"\n"
		"append_output:\n  - match:\n      tags: [net]\n"
		"    extra_output: \"cpu=%evt.cpu\"\n"
		"  - match:\n      rule: file\n    suggested_output: true\n"
		"  - extra_fields:\n      - proc.pid\n      - home: \"dir=%proc.name\"\n";
	static const char y[] =
		"- rule: net\n  desc: d\n  condition: evt.type = connect\n"
		"  output: o\n  priority: WARNING\n  tags: [net]\n"
		"- rule: file\n  desc: d\n  condition: evt.type = open\n  output: f\n"
		"  priority: NOTICE\n"
		"- rule: other\n  desc: d\n  condition: evt.type = close\n  output: x\n"
		"  priority: CRITICAL\n"
		"- rule: chatty\n  desc: d\n  condition: evt.type = close\n  output: x\n"
		"  priority: INFO\n";
	struct cfg *cfg = cfg_new();
	struct rules_loader *l = rules_loader_new();
	struct rules_cfg rc;
	struct rules_ruleset *rs;

	(void)state;
	cfg_set_diag(cfg, quiet, NULL);
	assert_int_equal(cfg_load_buffer(cfg, "falco.yaml", conf, sizeof(conf) - 1), 0);
	assert_int_equal(rules_cfg_read(cfg, &rc), 0);
	assert_int_equal(rc.opts.min_priority, RULES_PRIO_NOTICE);
	assert_int_equal(rules_loader_load_buf(l, "r.yaml", y, sizeof(y) - 1), 0);
	rs = rules_compile(l, &rc.opts);
	assert_non_null(rs);
	assert_int_equal(rs->nrules, 3); /* "chatty" (Informational) is below notice */
	assert_int_equal(rules_cfg_select(&rc, rs), 0);
	assert_true(rules_ruleset_find(rs, "net")->enabled);
	assert_true(rules_ruleset_find(rs, "file")->enabled);
	assert_false(rules_ruleset_find(rs, "other")->enabled);
	assert_int_equal(rs->nby_type[LNR_EVT_CLOSE], 0);
	assert_int_equal(rs->nby_type[LNR_EVT_CONNECT], 1);
	assert_string_equal(rules_ruleset_find(rs, "net")->output, "o cpu=%evt.cpu");
	assert_string_equal(rules_ruleset_find(rs, "file")->output, "f " RULES_SUGGESTED_OUTPUT);
	assert_string_equal(rules_ruleset_find(rs, "other")->output, "x");
	{
		/* extra_fields: in output_fields, typed, not in the text */
		struct testev *ev = testev_new();
		struct fld_accessor acc = testev_accessor(ev);
		struct alert *a = alert_new();
		const struct rules_crule *c = rules_ruleset_find(rs, "other");

		testev_sets(ev, "proc.pid", "42");
		testev_sets(ev, "proc.name", "bash");
		assert_int_equal(rules_alert_fill(a, c, c->fmt, &acc, 1, "h"), 0);
		assert_string_equal(a->output, "x");
		assert_int_equal(alert_find_field(a, "proc.pid")->type, ALERT_FT_INT64);
		assert_int_equal(alert_find_field(a, "proc.pid")->v.i64, 42);
		assert_string_equal(alert_find_field(a, "home")->v.s, "dir=bash");
		alert_free(a);
		testev_free(ev);
	}
	rules_ruleset_free(rs);
	rules_loader_free(l);
	rules_cfg_fini(&rc);
	cfg_free(cfg);
}

/* One warning per item of a huge file: kept warnings are bounded, the rest counted. */
static void test_many_warnings(void **state)
{
	size_t n = 20000, k = 0;
	char *y = malloc(n * 16 + 1);
	struct rules_loader *l = rules_loader_new();

	(void)state;
	assert_non_null(y);
	for (size_t i = 0; i < n; i++)
		k += (size_t)sprintf(y + k, "- what: %05zu\n", i);
	assert_int_equal(rules_loader_load_buf(l, "w.yaml", y, k), 0);
	assert_int_equal(l->diags.nwarnings, n);
	assert_int_equal(l->diags.n, RULES_MAX_WARNINGS);
	assert_int_equal(l->diags.suppressed, n - RULES_MAX_WARNINGS);
	rules_loader_free(l);
	free(y);
}

/* 100k lists, 10k macros: name lookups and list substitution stay linear (ctest timeout). */
static void test_many_items(void **state)
{
	size_t nl = 100000, nm = 10000, k = 0;
	char *y = malloc(nl * 40 + nm * 60 + 256);
	struct rules_loader *l = rules_loader_new();
	struct rules_ruleset *rs;

	(void)state;
	assert_non_null(y);
	for (size_t i = 0; i < nl; i++)
		k += (size_t)sprintf(y + k, "- list: l%06zu\n  items: [a%zu]\n", i, i);
	for (size_t i = 0; i < nm; i++)
		k += (size_t)sprintf(y + k, "- macro: m%06zu\n  condition: proc.name in (l%06zu)\n",
				     i, i * 7);
	k += (size_t)sprintf(y + k, "- rule: r\n  desc: d\n  condition: evt.type = open and "
				    "m000003\n  output: o\n  priority: INFO\n");
	assert_int_equal(rules_loader_load_buf(l, "many.yaml", y, k), 0);
	rs = rules_compile(l, NULL);
	assert_non_null(rs);
	assert_string_equal(rules_ruleset_find(rs, "r")->condition,
			    "(evt.type = open and proc.name in (a21))");
	rules_ruleset_free(rs);
	rules_loader_free(l);
	free(y);
}

/* A chain of macros each using the previous: expansion is bounded, a clear error. */
static void test_macro_chain(void **state)
{
	size_t n = 20000, k = 0;
	char *y = malloc(n * 64 + 64);

	(void)state;
	assert_non_null(y);
	k += (size_t)sprintf(y + k, "- macro: m0\n  condition: proc.name = a\n");
	for (size_t i = 1; i < n; i++)
		k += (size_t)sprintf(y + k, "- macro: m%zu\n  condition: m%zu or proc.name = x\n",
				     i, i - 1);
	expect_error(y, k, "too large after macro expansion", 0);
	free(y);
}

static void test_official_files(void **state)
{
	static const char *const files[] = {"falco_rules.yaml", "falco-incubating_rules.yaml",
					    "falco-sandbox_rules.yaml"};
	struct rules_loader *l = rules_loader_new();
	struct rules_ruleset *rs;
	char path[512];

	(void)state;
	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/falco-rules/%s", LANNER_CONFORMANCE_DIR, files[i]);
		assert_int_equal(rules_loader_load_file(l, path), 0);
	}
	rs = rules_compile(l, NULL);
	assert_non_null(rs);
	assert_int_equal(l->diags.nerrors, 0);
	/* 25 + 31 + 37 rules (README of the conformance data); 12 sandbox rules disabled. */
	assert_int_equal(rs->nrules, 93);
	{
		size_t dis = 0;

		for (size_t i = 0; i < rs->nrules; i++)
			dis += !rs->rules[i].enabled;
		assert_int_equal(dis, 12);
	}
	rules_ruleset_free(rs);
	rules_loader_free(l);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_oversize),
		cmocka_unit_test(test_yaml_bomb),
		cmocka_unit_test(test_alias_in_rule_items),
		cmocka_unit_test(test_invalid_utf8),
		cmocka_unit_test(test_nul_byte),
		cmocka_unit_test(test_duplicate_keys),
		cmocka_unit_test(test_deep_nesting),
		cmocka_unit_test(test_huge_parens_condition),
		cmocka_unit_test(test_error_positions),
		cmocka_unit_test(test_multi_file_override),
		cmocka_unit_test(test_plugins_and_engine),
		cmocka_unit_test(test_nested_lists_macros),
		cmocka_unit_test(test_unused_and_loop),
		cmocka_unit_test(test_selection_and_priority),
		cmocka_unit_test(test_no_evttype_index),
		cmocka_unit_test(test_config_keys),
		cmocka_unit_test(test_many_warnings),
		cmocka_unit_test(test_many_items),
		cmocka_unit_test(test_macro_chain),
		cmocka_unit_test(test_official_files),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
