/* test_config.c: common/config.c: parsing, getters, overrides, includes, schema, limits. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "config.h"
#include "test_env.h"

/* ---- fixtures: a temp dir, a diagnostics catcher ---- */

struct diags {
	char text[65536]; /* every diagnostic, one per line */
	unsigned errors, warnings;
};

static void catch_diag(void *ctx, enum cfg_diag_level level, const char *msg)
{
	struct diags *d = ctx;
	size_t o = strlen(d->text);

	snprintf(d->text + o, sizeof(d->text) - o, "%s\n", msg);
	if (level == CFG_DIAG_ERROR)
		d->errors++;
	else
		d->warnings++;
}

struct fx {
	char dir[64];
	struct cfg *cfg;
	struct diags d;
};

static int setup(void **state)
{
	struct fx *fx = calloc(1, sizeof(*fx));

	if (!fx)
		return -1;
	snprintf(fx->dir, sizeof(fx->dir), "/tmp/lanner-cfg-XXXXXX");
	if (!mkdtemp(fx->dir))
		return -1;
	fx->cfg = cfg_new();
	if (!fx->cfg)
		return -1;
	cfg_set_diag(fx->cfg, catch_diag, &fx->d);
	*state = fx;
	return 0;
}

static int teardown(void **state)
{
	struct fx *fx = *state;
	char cmd[128];

	cfg_free(fx->cfg);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", fx->dir);
	if (system(cmd) != 0)
		return -1;
	free(fx);
	return 0;
}

/* Writes name in the fixture dir; returns its path (static buffer, rotating). */
static const char *write_file(struct fx *fx, const char *name, const char *text, size_t len)
{
	static char paths[4][256];
	static int k;
	char *p = paths[k++ % 4];
	FILE *f;

	snprintf(p, 256, "%s/%s", fx->dir, name);
	f = fopen(p, "wb");
	assert_non_null(f);
	assert_int_equal(fwrite(text, 1, len, f), len);
	fclose(f);
	return p;
}

static const char *wr(struct fx *fx, const char *name, const char *text)
{
	return write_file(fx, name, text, strlen(text));
}

/* Loads text as file "c.yaml" in the fixture dir; returns cfg_load_file's result. */
static int load_text(struct fx *fx, const char *text)
{
	return cfg_load_file(fx->cfg, wr(fx, "c.yaml", text));
}

/* Asserts that the diagnostics contain line (with "DIR/" expanded to the fixture dir). */
static void expect_diag(struct fx *fx, const char *fmt, ...)
{
	char want[2048], expanded[2048];
	const char *p;
	size_t o = 0;
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(want, sizeof(want), fmt, ap);
	va_end(ap);
	for (p = want; *p && o < sizeof(expanded) - 80;) {
		if (!strncmp(p, "DIR/", 4)) {
			o += (size_t)snprintf(expanded + o, sizeof(expanded) - o, "%s/", fx->dir);
			p += 4;
		} else {
			expanded[o++] = *p++;
		}
	}
	expanded[o] = '\0';
	if (!strstr(fx->d.text, expanded)) {
		print_error("expected diagnostic:\n  %s\ngot:\n%s\n", expanded, fx->d.text);
		fail();
	}
}

/* ---- parsing and getters ---- */

static const char basic_yaml[] = "json_output: true\n"
				 "priority: warning\n"
				 "output_timeout: 2000\n"
				 "file_output:\n"
				 "  enabled: yes\n"
				 "  keep_alive: Off\n"
				 "  filename: ./events.txt\n"
				 "syscall_event_drops:\n"
				 "  threshold: .1\n"
				 "  rate: 1e-2\n"
				 "  actions: [log, alert]\n"
				 "rules_files:\n"
				 "  - /etc/falco/falco_rules.yaml\n"
				 "  - /etc/falco/rules.d\n"
				 "plugins:\n"
				 "  - name: container\n"
				 "    library_path: libcontainer.so\n"
				 "    init_config:\n"
				 "      label_max_len: 100\n"
				 "  - name: json\n"
				 "    library_path: libjson.so\n"
				 "http_output:\n"
				 "  url: \"\"\n"
				 "  user_agent:\n"
				 "lanner:\n"
				 "  evaluators: 0x10\n"
				 "  ring_size_mb: 0o20\n"
				 "redis:\n"
				 "  database: -0\n"
				 "webserver:\n"
				 "  listen_port: +8765\n";

static void test_getters(void **state)
{
	struct fx *fx = *state;
	struct cfg *cfg = fx->cfg;
	const char **list;
	size_t n;

	assert_int_equal(load_text(fx, basic_yaml), 0);
	assert_true(cfg_get_bool(cfg, "json_output", false));
	assert_true(cfg_get_bool(cfg, "file_output.enabled", false));
	assert_false(cfg_get_bool(cfg, "file_output.keep_alive", true));
	assert_string_equal(cfg_get_string(cfg, "file_output.filename", NULL), "./events.txt");
	assert_string_equal(cfg_get_string(cfg, "priority", NULL), "warning");
	assert_int_equal(cfg_get_int(cfg, "output_timeout", 0), 2000);
	assert_int_equal(cfg_get_uint(cfg, "output_timeout", 0), 2000);
	assert_true(fabs(cfg_get_double(cfg, "syscall_event_drops.threshold", 0) - 0.1) < 1e-12);
	assert_true(fabs(cfg_get_double(cfg, "syscall_event_drops.rate", 0) - 0.01) < 1e-12);
	/* an integer is a number too */
	assert_true(cfg_get_double(cfg, "output_timeout", 0) == 2000.0);
	assert_int_equal(cfg_get_uint(cfg, "lanner.evaluators", 0), 16);
	assert_int_equal(cfg_get_uint(cfg, "lanner.ring_size_mb", 0), 16);
	assert_int_equal(cfg_get_uint(cfg, "redis.database", 7), 0);
	assert_int_equal(cfg_get_int(cfg, "webserver.listen_port", 0), 8765);
	/* list indices */
	assert_string_equal(cfg_get_string(cfg, "rules_files[1]", NULL), "/etc/falco/rules.d");
	assert_string_equal(cfg_get_string(cfg, "plugins[1].name", NULL), "json");
	assert_int_equal(cfg_get_int(cfg, "plugins[0].init_config.label_max_len", 0), 100);
	assert_null(cfg_get_string(cfg, "plugins[2].name", NULL));
	/* quoted empty string is a string; a bare key is null (default) */
	assert_string_equal(cfg_get_string(cfg, "http_output.url", "x"), "");
	assert_string_equal(cfg_get_string(cfg, "http_output.user_agent", "dflt"), "dflt");
	assert_true(cfg_has(cfg, "http_output.user_agent"));
	assert_false(cfg_has(cfg, "http_output.nope"));
	/* string lists */
	assert_int_equal(cfg_get_strlist(cfg, "rules_files", &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "/etc/falco/falco_rules.yaml");
	free(list);
	assert_int_equal(cfg_get_strlist(cfg, "syscall_event_drops.actions", &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[1], "alert");
	free(list);
	/* a scalar is a list of one (Falco's get_sequence) */
	assert_int_equal(cfg_get_strlist(cfg, "priority", &list, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0], "warning");
	free(list);
	assert_int_equal(cfg_get_strlist(cfg, "absent", &list, &n), 0);
	assert_int_equal(n, 0);
	assert_null(list);
	assert_int_equal(cfg_error_count(cfg), 0);
}

static void test_defaults(void **state)
{
	struct fx *fx = *state;
	struct cfg *cfg = fx->cfg;

	assert_int_equal(load_text(fx, "a:\nb: ~\nc: null\nd: {}\n"), 0);
	assert_true(cfg_get_bool(cfg, "nope", true));
	assert_false(cfg_get_bool(cfg, "a", false));
	assert_int_equal(cfg_get_int(cfg, "b", -5), -5);
	assert_int_equal(cfg_get_uint(cfg, "c.x.y", 9), 9); /* below a null */
	assert_true(cfg_get_double(cfg, "d.z", 2.5) == 2.5);
	assert_string_equal(cfg_get_string(cfg, "x.y.z", "def"), "def");
	assert_int_equal(cfg_get_int(cfg, "list[3]", 4), 4);
	assert_int_equal(cfg_error_count(cfg), 0);
	/* an empty file is an empty configuration */
	assert_int_equal(load_text(fx, ""), 0);
	assert_int_equal(cfg_node_kind(cfg_root(cfg)), CFG_NODE_MAP);
	assert_int_equal(cfg_node_len(cfg_root(cfg)), 0);
	assert_int_equal(load_text(fx, "# only a comment\n---\n"), 0);
	assert_true(cfg_get_bool(cfg, "json_output", true));
}

static void test_bool_forms(void **state)
{
	static const char *const t[] = {"true", "True", "TRUE", "yes", "Yes", "YES",
					"on",	"On",	"ON",	"y",   "Y"};
	static const char *const f[] = {"false", "False", "FALSE", "no", "No", "NO",
					"off",	 "Off",	  "OFF",   "n",	 "N"};
	static const char *const bad[] = {"tRue", "1", "0", "enabled", "yes please", ""};
	size_t i;
	bool v;

	for (i = 0; i < sizeof(t) / sizeof(t[0]); i++) {
		assert_int_equal(cfg_parse_bool(t[i], &v), 0);
		assert_true(v);
		assert_int_equal(cfg_parse_bool(f[i], &v), 0);
		assert_false(v);
	}
	for (i = 0; i < sizeof(bad) / sizeof(bad[0]); i++)
		assert_int_equal(cfg_parse_bool(bad[i], &v), -EINVAL);
}

static void test_number_forms(void **state)
{
	int64_t i;
	uint64_t u;
	double d;

	assert_int_equal(cfg_parse_int("9223372036854775807", &i), 0);
	assert_true(i == INT64_MAX);
	assert_int_equal(cfg_parse_int("-9223372036854775808", &i), 0);
	assert_true(i == INT64_MIN);
	assert_int_equal(cfg_parse_int("9223372036854775808", &i), -ERANGE);
	assert_int_equal(cfg_parse_int("-9223372036854775809", &i), -ERANGE);
	assert_int_equal(cfg_parse_int("99999999999999999999999", &i), -ERANGE);
	assert_int_equal(cfg_parse_int("0x7fffffffffffffff", &i), 0);
	assert_int_equal(cfg_parse_int("-0x10", &i), 0);
	assert_int_equal(i, -16);
	assert_int_equal(cfg_parse_int("12abc", &i), -EINVAL);
	assert_int_equal(cfg_parse_int("1.5", &i), -EINVAL);
	assert_int_equal(cfg_parse_int("", &i), -EINVAL);
	assert_int_equal(cfg_parse_int(" 1", &i), -EINVAL);
	assert_int_equal(cfg_parse_int("0x", &i), -EINVAL);
	assert_int_equal(cfg_parse_int("0o8", &i), -EINVAL);
	assert_int_equal(cfg_parse_uint("18446744073709551615", &u), 0);
	assert_true(u == UINT64_MAX);
	assert_int_equal(cfg_parse_uint("18446744073709551616", &u), -ERANGE);
	assert_int_equal(cfg_parse_uint("-1", &u), -ERANGE);
	assert_int_equal(cfg_parse_uint("-0", &u), 0);
	assert_int_equal(cfg_parse_double(".1", &d), 0);
	assert_true(d == 0.1);
	assert_int_equal(cfg_parse_double("-1.5e3", &d), 0);
	assert_true(d == -1500.0);
	assert_int_equal(cfg_parse_double(".inf", &d), 0);
	assert_true(isinf(d) && d > 0);
	assert_int_equal(cfg_parse_double("-.Inf", &d), 0);
	assert_true(isinf(d) && d < 0);
	assert_int_equal(cfg_parse_double(".nan", &d), 0);
	assert_true(isnan(d));
	assert_int_equal(cfg_parse_double("1e999", &d), -ERANGE);
	assert_int_equal(cfg_parse_double("inf", &d), -EINVAL);
	assert_int_equal(cfg_parse_double("nan", &d), -EINVAL);
	assert_int_equal(cfg_parse_double("0x1p3", &d), -EINVAL);
	assert_int_equal(cfg_parse_double("1h", &d), -EINVAL);
	assert_int_equal(cfg_parse_double(".", &d), -EINVAL);
}

static void test_enum(void **state)
{
	static const char *const lv[] = {"emergency", "alert", "critical", "error", "warning",
					 "notice",    "info",  "debug",	   NULL};
	struct fx *fx = *state;

	assert_int_equal(load_text(fx, "log_level: Warning\npriority: loud\n"), 0);
	assert_int_equal(cfg_get_enum(fx->cfg, "log_level", lv, 6), 4);
	assert_int_equal(cfg_get_enum(fx->cfg, "nope", lv, 6), 6);
	assert_int_equal(cfg_get_enum(fx->cfg, "priority", lv, 7), 7);
	expect_diag(fx, "DIR/c.yaml:2:11: error: priority: 'loud' is not one of: emergency, alert, "
			"critical, error, warning, notice, info, debug");
	assert_int_equal(cfg_error_count(fx->cfg), 1);
}

static void test_nodes(void **state)
{
	struct fx *fx = *state;
	struct cfg *cfg = fx->cfg;
	const struct cfg_node *plugins, *p, *root;
	size_t i;

	assert_int_equal(load_text(fx, basic_yaml), 0);
	root = cfg_root(cfg);
	assert_int_equal(cfg_node_kind(root), CFG_NODE_MAP);
	assert_string_equal(cfg_node_key_at(root, 0), "json_output");
	assert_string_equal(cfg_node_scalar(cfg_node_at(root, 0)), "true");
	plugins = cfg_node_get(cfg, NULL, "plugins");
	assert_int_equal(cfg_node_kind(plugins), CFG_NODE_SEQ);
	assert_int_equal(cfg_node_len(plugins), 2);
	assert_null(cfg_node_at(plugins, 2));
	assert_null(cfg_node_key_at(plugins, 0));
	for (i = 0; i < cfg_node_len(plugins); i++) {
		p = cfg_node_at(plugins, i);
		assert_int_equal(cfg_node_kind(p), CFG_NODE_MAP);
		assert_non_null(cfg_node_get_string(cfg, p, "library_path", NULL));
	}
	p = cfg_node_at(plugins, 0);
	assert_int_equal(cfg_node_get_int(cfg, p, "init_config.label_max_len", 0), 100);
	assert_int_equal(cfg_node_get_uint(cfg, p, "init_config.label_max_len", 0), 100);
	assert_false(cfg_node_get_bool(cfg, p, "init_config.with_size", false));
	assert_true(cfg_node_get_double(cfg, p, "init_config.label_max_len", 0) == 100.0);
	/* positions: the second plugin mapping starts at line 20, column 5 */
	p = cfg_node_at(plugins, 1);
	assert_int_equal(cfg_node_line(p), 20);
	assert_int_equal(cfg_node_col(p), 5);
	assert_int_equal(cfg_node_line(cfg_node_get(cfg, p, "library_path")), 21);
	assert_int_equal(cfg_node_col(cfg_node_get(cfg, p, "library_path")), 19);
	assert_non_null(strstr(cfg_node_file(p), "/c.yaml"));
	assert_int_equal(cfg_error_count(cfg), 0);
}

/* ---- type errors: FILE:LINE:COL exactly ---- */

static void test_type_errors(void **state)
{
	struct fx *fx = *state;
	struct cfg *cfg = fx->cfg;
	const char **list;
	size_t n;

	assert_int_equal(load_text(fx, "file_output:\n"
				       "  enabled: {a: 1}\n"
				       "json_output: maybe\n"
				       "a: 99999999999999999999\n"
				       "b: -3\n"
				       "c: [1, 2]\n"
				       "d: 1.5.6\n"
				       "e: [x, {y: 1}]\n"
				       "stdout_output: true\n"
				       "f: 18446744073709551616\n"),
			 0);
	assert_true(cfg_get_bool(cfg, "file_output.enabled", true));
	expect_diag(fx, "DIR/c.yaml:2:12: error: file_output.enabled: expected a boolean "
			"(true/false, yes/no, on/off), got a mapping");
	assert_false(cfg_get_bool(cfg, "json_output", false));
	expect_diag(fx, "DIR/c.yaml:3:14: error: json_output: expected a boolean (true/false, "
			"yes/no, on/off), got 'maybe'");
	assert_int_equal(cfg_get_int(cfg, "a", 1), 1);
	expect_diag(fx, "DIR/c.yaml:4:4: error: a: integer '99999999999999999999' out of range");
	assert_int_equal(cfg_get_uint(cfg, "b", 2), 2);
	expect_diag(fx, "DIR/c.yaml:5:4: error: b: expected a non-negative integer, got '-3'");
	assert_int_equal(cfg_get_int(cfg, "b", 0), -3); /* fine as signed */
	assert_null(cfg_get_string(cfg, "c", NULL));
	expect_diag(fx, "DIR/c.yaml:6:4: error: c: expected a string, got a list");
	assert_true(cfg_get_double(cfg, "d", 7.0) == 7.0);
	expect_diag(fx, "DIR/c.yaml:7:4: error: d: expected a number, got '1.5.6'");
	assert_int_equal(cfg_get_strlist(cfg, "e", &list, &n), -EINVAL);
	expect_diag(fx, "DIR/c.yaml:8:8: error: e[1]: expected a string, got a mapping");
	assert_true(cfg_get_bool(cfg, "stdout_output.enabled", true));
	expect_diag(fx, "DIR/c.yaml:9:16: error: stdout_output.enabled: expected a mapping above "
			"'enabled', got 'true'");
	assert_int_equal(cfg_get_uint(cfg, "f", 3), 3);
	expect_diag(fx, "DIR/c.yaml:10:4: error: f: integer '18446744073709551616' out of range");
	assert_int_equal(cfg_get_int(cfg, "c[x]", 5), 5);
	expect_diag(fx, "error: malformed configuration path 'c[x]'");
	assert_int_equal(cfg_error_count(cfg), 10);
	assert_non_null(strstr(cfg_last_error(cfg), "c[x]"));
}

/* ---- schema: unknown keys, types of known keys ---- */

static void test_schema_sorted(void **state)
{
	size_t i;

	assert_true(cfg_schema_len > 150);
	for (i = 1; i < cfg_schema_len; i++)
		assert_true(strcmp(cfg_schema[i - 1].path, cfg_schema[i].path) < 0);
	assert_non_null(cfg_schema_find("file_output.enabled"));
	assert_int_equal(cfg_schema_find("file_output.enabled")->kind, CFG_K_BOOL);
	assert_int_equal(cfg_schema_find("plugins[].name")->kind, CFG_K_STRING);
	assert_int_equal(cfg_schema_find("lanner.evaluators")->kind, CFG_K_UINT);
	assert_int_equal(cfg_schema_find("redis.stream_maxlen")->kind, CFG_K_UINT);
	assert_int_equal(cfg_schema_find("ui.users_file")->kind, CFG_K_STRING);
	assert_int_equal(cfg_schema_find("spool.max_mb")->kind, CFG_K_UINT);
	assert_int_equal(cfg_schema_find("syscall_event_drops.threshold")->kind, CFG_K_DOUBLE);
	assert_null(cfg_schema_find("file_output.nope"));
}

static void test_unknown_keys(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(load_text(fx, "json_output: true\n"
				       "jsonoutput: true\n"
				       "file_output:\n"
				       "  enabled: false\n"
				       "  filname: x\n"
				       "plugins:\n"
				       "  - name: a\n"
				       "    init_config: {anything: [goes, here]}\n"
				       "    bogus: 1\n"
				       "rate_limit: {whatever: 1}\n"
				       "lanner:\n"
				       "  evaluators: 4\n"
				       "  evaluator: 4\n"),
			 0);
	assert_int_equal(cfg_validate(fx->cfg), 0);
	expect_diag(fx, "DIR/c.yaml:2:1: warning: unknown configuration key 'jsonoutput'");
	expect_diag(fx, "DIR/c.yaml:5:3: warning: unknown configuration key 'file_output.filname'");
	expect_diag(fx, "DIR/c.yaml:9:5: warning: unknown configuration key 'plugins[].bogus'");
	expect_diag(fx, "DIR/c.yaml:13:3: warning: unknown configuration key 'lanner.evaluator'");
	assert_int_equal(fx->d.warnings, 4);
	assert_int_equal(fx->d.errors, 0);
	assert_int_equal(cfg_warning_count(fx->cfg), 4);
}

static void test_schema_types(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(load_text(fx, "json_output: maybe\n"
				       "output_timeout: soon\n"
				       "lanner:\n"
				       "  evaluators: -2\n"
				       "file_output: true\n"
				       "rules_files: /one/file.yaml\n"
				       "plugins: {name: x}\n"
				       "syscall_event_drops:\n"
				       "  threshold: high\n"
				       "  actions: [log, [nested]]\n"
				       "log_level: [info]\n"
				       "webserver:\n"
				       "  listen_port: 99999999999999999999999\n"),
			 0);
	assert_int_equal(cfg_validate(fx->cfg), -EINVAL);
	expect_diag(fx, "DIR/c.yaml:1:14: error: json_output: expected a boolean");
	expect_diag(fx, "DIR/c.yaml:2:17: error: output_timeout: expected an integer, got 'soon'");
	expect_diag(fx,
		    "DIR/c.yaml:4:15: error: lanner.evaluators: expected a non-negative integer, "
		    "got '-2'");
	expect_diag(fx, "DIR/c.yaml:5:14: error: file_output: expected a mapping, got 'true'");
	expect_diag(fx, "DIR/c.yaml:7:10: error: plugins: expected a list, got a mapping");
	expect_diag(fx, "DIR/c.yaml:9:14: error: syscall_event_drops.threshold: expected a "
			"number, got 'high'");
	expect_diag(fx, "DIR/c.yaml:10:18: error: syscall_event_drops.actions[]: expected a "
			"scalar, got a list");
	expect_diag(fx, "DIR/c.yaml:11:12: error: log_level: expected a scalar, got a list");
	expect_diag(fx, "DIR/c.yaml:13:16: error: webserver.listen_port: "
			"'99999999999999999999999' out of range");
	assert_int_equal(fx->d.errors, 9); /* rules_files as one scalar is fine */
	assert_int_equal(fx->d.warnings, 0);
}

static void test_reference_falco_yaml(void **state)
{
	struct fx *fx = *state;
	struct cfg *cfg = fx->cfg;
	char path[512];
	const char **list;
	size_t n;

	lnr_test_conformance("reference/falco.yaml", path, sizeof(path));
	assert_int_equal(cfg_load_file(cfg, path), 0);
	assert_int_equal(cfg_validate(cfg), 0);
	if (fx->d.errors || fx->d.warnings)
		print_error("%s", fx->d.text);
	assert_int_equal(fx->d.errors, 0);
	assert_int_equal(fx->d.warnings, 0);
	/* its values, through the getters */
	assert_int_equal(cfg_get_strlist(cfg, "rules_files", &list, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[2], "/etc/falco/rules.d");
	free(list);
	assert_string_equal(cfg_get_string(cfg, "engine.kind", NULL), "modern_ebpf");
	assert_int_equal(cfg_get_int(cfg, "engine.modern_ebpf.buf_size_preset", 0), 4);
	assert_string_equal(cfg_get_string(cfg, "plugins[0].name", NULL), "container");
	assert_int_equal(cfg_get_int(cfg, "plugins[0].init_config.label_max_len", 0), 100);
	assert_true(cfg_get_bool(cfg, "stdout_output.enabled", false));
	assert_false(cfg_get_bool(cfg, "file_output.enabled", true));
	assert_string_equal(cfg_get_string(cfg, "log_level", NULL), "info");
	assert_int_equal(cfg_get_uint(cfg, "webserver.listen_port", 0), 8765);
	assert_true(cfg_get_double(cfg, "syscall_event_drops.threshold", 0) == 0.1);
	assert_true(cfg_get_double(cfg, "syscall_event_drops.rate", 0) == 0.03333);
	assert_string_equal(cfg_get_string(cfg, "metrics.interval", NULL), "1h");
	assert_string_equal(cfg_get_string(cfg, "http_output.user_agent", NULL),
			    "falcosecurity/falco");
	assert_true(cfg_get_bool(cfg, "append_output[0].suggested_output", false));
	assert_int_equal(cfg_get_uint(cfg, "falco_libs.thread_table_size", 0), 262144);
	assert_int_equal(cfg_error_count(cfg), 0);
}

/* ---- YAML-level errors and limits ---- */

static void test_syntax_error(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(load_text(fx, "a: 1\nb: [1, 2\nc: 3\n"), -EINVAL);
	expect_diag(fx, "DIR/c.yaml:3:2: error: did not find expected ',' or ']' (while parsing a "
			"flow sequence at line 2, column 4)");
	assert_int_equal(load_text(fx, "a: 1\n  b: 2\n"), -EINVAL);
	expect_diag(fx, "DIR/c.yaml:2:4: error: mapping values are not allowed in this context");
	assert_int_equal(load_text(fx, "a:\n\tb: 1\n"), -EINVAL);
	expect_diag(fx, "DIR/c.yaml:2:1: error: found character that cannot start any token");
}

static void test_duplicate_key(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(load_text(fx, "json_output: true\n"
				       "file_output:\n"
				       "  enabled: true\n"
				       "  filename: a\n"
				       "  enabled: false\n"
				       "json_output: false\n"),
			 -EINVAL);
	/* the inner mapping is complete first: its duplicate is reported */
	expect_diag(fx, "DIR/c.yaml:5:3: error: duplicate key 'enabled' (first defined at "
			"DIR/c.yaml:3:3)");
	assert_int_equal(fx->d.errors, 1);
	assert_null(cfg_root(fx->cfg));
}

static void test_deep_nesting(void **state)
{
	struct fx *fx = *state;
	char buf[1024];
	size_t o = 0;
	int i;

	/* 64 levels are fine, 65 are not */
	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "a: ");
	for (i = 0; i < 63; i++)
		buf[o++] = '[';
	for (i = 0; i < 63; i++)
		buf[o++] = ']';
	buf[o++] = '\n';
	buf[o] = '\0';
	assert_int_equal(load_text(fx, buf), 0);
	o = 0;
	o += (size_t)snprintf(buf + o, sizeof(buf) - o, "a: ");
	for (i = 0; i < 64; i++)
		buf[o++] = '[';
	for (i = 0; i < 64; i++)
		buf[o++] = ']';
	buf[o++] = '\n';
	buf[o] = '\0';
	assert_int_equal(load_text(fx, buf), -EINVAL);
	expect_diag(fx, "DIR/c.yaml:1:67: error: nesting deeper than 64 levels");
}

static void test_aliases(void **state)
{
	struct fx *fx = *state;
	char bomb[4096];
	size_t o = 0;
	int i, j;

	/* plain anchors/aliases work, and are copies */
	assert_int_equal(load_text(fx, "base: &b {enabled: true}\n"
				       "stdout_output: *b\n"
				       "list: &l [x, y]\n"
				       "rules_files: *l\n"),
			 0);
	assert_true(cfg_get_bool(fx->cfg, "stdout_output.enabled", false));
	assert_string_equal(cfg_get_string(fx->cfg, "rules_files[1]", NULL), "y");
	assert_int_equal(cfg_node_line(cfg_node_get(fx->cfg, NULL, "stdout_output")), 2);
	/* billion laughs: 10 levels of 10 aliases each = 10^10 nodes if expanded */
	o += (size_t)snprintf(bomb + o, sizeof(bomb) - o, "a0: &a0 [lol, lol, lol]\n");
	for (i = 1; i < 10; i++) {
		o += (size_t)snprintf(bomb + o, sizeof(bomb) - o, "a%d: &a%d [", i, i);
		for (j = 0; j < 10; j++)
			o += (size_t)snprintf(bomb + o, sizeof(bomb) - o, "%s*a%d", j ? ", " : "",
					      i - 1);
		o += (size_t)snprintf(bomb + o, sizeof(bomb) - o, "]\n");
	}
	assert_int_equal(load_text(fx, bomb), -EINVAL);
	/* the 4th alias of a5 (line 6, column 25) would pass the node limit */
	expect_diag(fx, "DIR/c.yaml:6:25: error: alias 'a4' expands to too many nodes (limit "
			"200000)");
	assert_int_equal(load_text(fx, "a: *nope\n"), -EINVAL);
	expect_diag(fx, "DIR/c.yaml:1:4: error: undefined alias 'nope'");
}

static void test_invalid_utf8(void **state)
{
	struct fx *fx = *state;
	static const char bad[] = "a: 1\nname: \"h\xc3\xa9llo\"\nb: caf\xc3\x28\n";

	assert_int_equal(cfg_load_file(fx->cfg, write_file(fx, "u.yaml", bad, sizeof(bad) - 1)),
			 -EINVAL);
	/* "b: caf" is 6 characters, \xc3 the 7th, the bad octet 0x28 (offset 27) the 8th */
	expect_diag(fx, "DIR/u.yaml:3:8: error: invalid trailing UTF-8 octet (byte 0x28 at "
			"offset 27)");
	assert_int_equal(cfg_load_buffer(fx->cfg, "ctl", "a: \x01\n", 5), -EINVAL);
	expect_diag(fx, "ctl:1:4: error: control characters are not allowed (byte 0x01 at "
			"offset 3)");
}

static void test_oversize(void **state)
{
	struct fx *fx = *state;
	size_t len = CFG_MAX_FILE_SIZE + 1;
	char *big = malloc(len);
	const char *p;

	assert_non_null(big);
	memset(big, '#', len);
	p = write_file(fx, "big.yaml", big, len);
	assert_int_equal(cfg_load_file(fx->cfg, p), -EFBIG);
	expect_diag(fx, "DIR/big.yaml: error: configuration file larger than 8388608 bytes");
	assert_int_equal(cfg_load_buffer(fx->cfg, "buf", big, len), -EFBIG);
	free(big);
	/* exactly the limit is fine (comments only) */
	big = malloc(len - 1);
	assert_non_null(big);
	memset(big, '#', len - 1);
	assert_int_equal(cfg_load_buffer(fx->cfg, "buf", big, len - 1), 0);
	free(big);
}

static void test_structure_errors(void **state)
{
	struct fx *fx = *state;

	assert_int_equal(load_text(fx, "- a\n- b\n"), -EINVAL);
	expect_diag(fx, "DIR/c.yaml:1:1: error: the top level of a configuration must be a "
			"mapping (key: value)");
	assert_int_equal(load_text(fx, "a: 1\n---\nb: 2\n"), -EINVAL);
	expect_diag(fx, "DIR/c.yaml:2:1: error: more than one YAML document: a configuration is "
			"one document");
	assert_int_equal(load_text(fx, "? [a, b]\n: 1\n"), -EINVAL);
	expect_diag(fx, "DIR/c.yaml:1:3: error: a mapping key must be a plain string");
	assert_int_equal(load_text(fx, "a: \"x\\0y\"\n"), -EINVAL);
	expect_diag(fx, "DIR/c.yaml:1:4: error: NUL character in a value");
	assert_int_equal(cfg_load_file(fx->cfg, "/nonexistent/lanner.yaml"), -ENOENT);
	expect_diag(fx, "/nonexistent/lanner.yaml: error: cannot open configuration file: No such "
			"file or directory");
	assert_int_equal(cfg_load_file(fx->cfg, fx->dir), -EISDIR);
}

static void test_env_expansion(void **state)
{
	struct fx *fx = *state;

	setenv("LANNER_TEST_ENV", "/var/x", 1);
	unsetenv("LANNER_TEST_UNSET");
	assert_int_equal(load_text(fx, "a: ${LANNER_TEST_ENV}/rules.yaml\n"
				       "b: pre-${LANNER_TEST_UNSET}-post\n"
				       "c: $${LANNER_TEST_ENV}\n"
				       "d: ${unterminated\n"
				       "e: cost $5\n"),
			 0);
	assert_string_equal(cfg_get_string(fx->cfg, "a", NULL), "/var/x/rules.yaml");
	assert_string_equal(cfg_get_string(fx->cfg, "b", NULL), "pre--post");
	assert_string_equal(cfg_get_string(fx->cfg, "c", NULL), "${LANNER_TEST_ENV}");
	assert_string_equal(cfg_get_string(fx->cfg, "d", NULL), "${unterminated");
	assert_string_equal(cfg_get_string(fx->cfg, "e", NULL), "cost $5");
}

/* ---- overrides ---- */

static void test_override_syntaxes(void **state)
{
	struct fx *fx = *state;
	struct cfg *cfg = fx->cfg;
	const char **list;
	size_t n;

	assert_int_equal(load_text(fx, basic_yaml), 0);
	/* scalar, dotted, creating intermediate mappings */
	assert_int_equal(cfg_apply_override(cfg, "json_output=false"), 0);
	assert_false(cfg_get_bool(cfg, "json_output", true));
	assert_int_equal(cfg_apply_override(cfg, "file_output.filename=/tmp/a b=c"), 0);
	assert_string_equal(cfg_get_string(cfg, "file_output.filename", NULL), "/tmp/a b=c");
	assert_int_equal(cfg_apply_override(cfg, "metrics.interval=15m"), 0);
	assert_string_equal(cfg_get_string(cfg, "metrics.interval", NULL), "15m");
	assert_int_equal(cfg_apply_override(cfg, "a.b.c.d=4"), 0);
	assert_int_equal(cfg_get_int(cfg, "a.b.c.d", 0), 4);
	/* append, index */
	assert_int_equal(cfg_apply_override(cfg, "rules_files[]=/x.yaml"), 0);
	assert_string_equal(cfg_get_string(cfg, "rules_files[2]", NULL), "/x.yaml");
	assert_int_equal(cfg_apply_override(cfg, "rules_files[0]=/first.yaml"), 0);
	assert_string_equal(cfg_get_string(cfg, "rules_files[0]", NULL), "/first.yaml");
	assert_int_equal(cfg_apply_override(cfg, "rules_files[3]=/appended.yaml"), 0);
	assert_int_equal(cfg_get_strlist(cfg, "rules_files", &list, &n), 0);
	assert_int_equal(n, 4);
	free(list);
	assert_int_equal(cfg_apply_override(cfg, "plugins[1].name=json2"), 0);
	assert_string_equal(cfg_get_string(cfg, "plugins[1].name", NULL), "json2");
	assert_string_equal(cfg_get_string(cfg, "plugins[1].library_path", NULL), "libjson.so");
	assert_int_equal(cfg_apply_override(cfg, "plugins[].name=k8saudit"), 0);
	assert_string_equal(cfg_get_string(cfg, "plugins[2].name", NULL), "k8saudit");
	assert_int_equal(cfg_apply_override(cfg, "newlist[]=one"), 0);
	assert_int_equal(cfg_apply_override(cfg, "newlist[]=two"), 0);
	assert_string_equal(cfg_get_string(cfg, "newlist[1]", NULL), "two");
	assert_int_equal(cfg_apply_override(cfg, "matrix[0][0]=m"), 0);
	assert_string_equal(cfg_get_string(cfg, "matrix[0][0]", NULL), "m");
	/* flow sequence and mapping */
	assert_int_equal(cfg_apply_override(cfg, "rules_files=[a.yaml, b.yaml]"), 0);
	assert_int_equal(cfg_get_strlist(cfg, "rules_files", &list, &n), 0);
	assert_int_equal(n, 2);
	assert_string_equal(list[0], "a.yaml");
	assert_string_equal(list[1], "b.yaml");
	free(list);
	assert_int_equal(cfg_apply_override(cfg, "http_output={enabled: true, url: 'http://x:1/'}"),
			 0);
	assert_true(cfg_get_bool(cfg, "http_output.enabled", false));
	assert_string_equal(cfg_get_string(cfg, "http_output.url", NULL), "http://x:1/");
	assert_int_equal(cfg_apply_override(cfg, "plugins[0]={name: other}"), 0);
	assert_string_equal(cfg_get_string(cfg, "plugins[0].name", NULL), "other");
	assert_null(cfg_get_string(cfg, "plugins[0].library_path", NULL));
	/* empty value: null, the getter's default */
	assert_int_equal(cfg_apply_override(cfg, "priority="), 0);
	assert_string_equal(cfg_get_string(cfg, "priority", "debug"), "debug");
	/* values are not env-expanded */
	assert_int_equal(cfg_apply_override(cfg, "lanner.user=${USER}"), 0);
	assert_string_equal(cfg_get_string(cfg, "lanner.user", NULL), "${USER}");
	assert_int_equal(cfg_error_count(cfg), 0);
	/* overrides on an empty configuration */
	cfg_free(fx->cfg);
	fx->cfg = cfg = cfg_new();
	cfg_set_diag(cfg, catch_diag, &fx->d);
	assert_int_equal(cfg_apply_override(cfg, "log_level=debug"), 0);
	assert_string_equal(cfg_get_string(cfg, "log_level", NULL), "debug");
}

static void test_override_errors(void **state)
{
	struct fx *fx = *state;
	struct cfg *cfg = fx->cfg;

	assert_int_equal(load_text(fx, basic_yaml), 0);
	assert_int_equal(cfg_apply_override(cfg, "json_output"), -EINVAL);
	expect_diag(fx, "-o json_output: error: must be of the form key=value");
	assert_int_equal(cfg_apply_override(cfg, "=x"), -EINVAL);
	expect_diag(fx, "-o =x: error: must be of the form key=value");
	assert_int_equal(cfg_apply_override(cfg, "rules_files[5]=x"), -EINVAL);
	expect_diag(fx, "-o rules_files[5]=x: error: index 5 out of range (the list has 2 items)");
	assert_int_equal(cfg_apply_override(cfg, "json_output.enabled=x"), -EINVAL);
	expect_diag(fx, "-o json_output.enabled=x: error: cannot set key 'enabled' inside 'true' "
			"(defined at DIR/c.yaml:1:14)");
	assert_int_equal(cfg_apply_override(cfg, "file_output[0]=x"), -EINVAL);
	expect_diag(fx, "-o file_output[0]=x: error: cannot index a mapping (defined at "
			"DIR/c.yaml:5:3) as a list");
	assert_int_equal(cfg_apply_override(cfg, "a..b=1"), -EINVAL);
	expect_diag(fx, "-o a..b=1: error: malformed key");
	assert_int_equal(cfg_apply_override(cfg, "a[x]=1"), -EINVAL);
	expect_diag(fx, "-o a[x]=1: error: malformed key");
	assert_int_equal(cfg_apply_override(cfg, "a]=1"), 0); /* ']' is a key character */
	assert_int_equal(cfg_apply_override(cfg, "rules_files=[a, b"), 0); /* not a flow: scalar */
	assert_string_equal(cfg_get_string(cfg, "rules_files", NULL), "[a, b");
	assert_int_equal(cfg_apply_override(cfg, "rules_files=[a, [b]"), -EINVAL);
	expect_diag(fx, "-o rules_files=[a, [b]:2:1: error: did not find expected ',' or ']' "
			"(while parsing a flow sequence at line 1, column 1)");
	assert_int_equal(cfg_apply_override(cfg, "x={a: 1, a: 2}"), -EINVAL);
	expect_diag(fx, "-o x={a: 1, a: 2}:1:8: error: duplicate key 'a' (first defined at -o "
			"x={a: 1, a: 2}:1:2)");
	/* a failed override leaves nothing half-created behind */
	assert_int_equal(cfg_apply_override(cfg, "fresh.list[2]=x"), -EINVAL);
	expect_diag(fx, "-o fresh.list[2]=x: error: index 2 out of range (the list has 0 items)");
	assert_false(cfg_has(cfg, "fresh"));
	assert_int_equal(cfg_apply_override(cfg, "newkey.sub.json_output.x[1]=y"), -EINVAL);
	assert_false(cfg_has(cfg, "newkey"));
	/* the depth limit holds for keys plus values */
	{
		char deep[CFG_MAX_PATH];
		size_t o = 0;
		int i;

		for (i = 0; i < 60; i++)
			o += (size_t)snprintf(deep + o, sizeof(deep) - o, "%sk", i ? "." : "");
		snprintf(deep + o, sizeof(deep) - o, "=[[[[x]]]]");
		assert_int_equal(cfg_apply_override(cfg, deep), 0);
		snprintf(deep + o, sizeof(deep) - o, "=[[[[[x]]]]]");
		assert_int_equal(cfg_apply_override(cfg, deep), -EINVAL);
		expect_diag(fx, "error: nesting deeper than 64 levels");
		/* a new key: 65 levels of mappings */
		o = (size_t)snprintf(deep, sizeof(deep), "j");
		for (i = 1; i < 65; i++)
			o += (size_t)snprintf(deep + o, sizeof(deep) - o, ".k");
		snprintf(deep + o, sizeof(deep) - o, "=1");
		fx->d.text[0] = '\0';
		assert_int_equal(cfg_apply_override(cfg, deep), -EINVAL);
		expect_diag(fx, "error: nesting deeper than 64 levels");
		assert_false(cfg_has(cfg, "j"));
		deep[strlen(deep) - 4] = '\0'; /* 64 levels: fine */
		strcat(deep, "=1");
		assert_int_equal(cfg_apply_override(cfg, deep), 0);
	}
	/* invalid UTF-8 and control characters are refused, as in files */
	assert_int_equal(cfg_apply_override(cfg, "d=caf\xc3\x28"), -EINVAL);
	expect_diag(fx, "-o d=caf\\xc3(: error: invalid UTF-8");
	assert_int_equal(cfg_apply_override(cfg, "\xe0\x9d\xa4=x"), -EINVAL); /* overlong */
	assert_int_equal(cfg_apply_override(cfg, "d=a\x1b[2Jb"), -EINVAL);
	expect_diag(fx, "-o d=a\\x1b[2Jb: error: control character (byte 0x1b at offset 3)");
	assert_int_equal(cfg_apply_override(cfg, "d=tab\there"), 0);
	/* a bad value given with -o is reported at the override */
	assert_int_equal(cfg_apply_override(cfg, "json_output=maybe"), 0);
	assert_true(cfg_get_bool(cfg, "json_output", true));
	expect_diag(fx, "-o json_output=maybe: error: json_output: expected a boolean");
	/* the failed overrides left the tree as it was */
	assert_string_equal(cfg_get_string(cfg, "plugins[0].name", NULL), "container");
}

/* ---- cfg_load: config_files, ordering ---- */

static void test_load_all(void **state)
{
	struct fx *fx = *state;
	struct cfg *cfg = fx->cfg;
	char main_yaml[1024];
	const char *ovr[] = {"json_output=true", "lanner.evaluators=3",
			     "config_files[]=DIR_PLACEHOLDER"};
	char extra[512];
	const char **list;
	size_t n;

	assert_int_equal(mkdir(strcat(strcpy(extra, fx->dir), "/conf.d"), 0700), 0);
	wr(fx, "conf.d/20-b.yaml", "rules_files: [/b.yaml]\nlog_level: debug\n");
	wr(fx, "conf.d/10-a.yaml",
	   "rules_files: [/a.yaml]\nlog_level: notice\n"
	   "stdout_output: {enabled: false}\n");
	wr(fx, "conf.d/.hidden", "not: [valid\n");
	wr(fx, "over.yaml", "rules_files: [/over.yaml]\npriority: error\n");
	wr(fx, "addonly.yaml", "priority: critical\nbuffered_outputs: true\n");
	wr(fx, "extra.yaml", "lanner: {run_dir: /run/x}\n");
	snprintf(main_yaml, sizeof(main_yaml),
		 "config_files:\n"
		 "  - %s/conf.d\n"
		 "  - path: %s/over.yaml\n"
		 "    strategy: override\n"
		 "  - {path: %s/addonly.yaml, strategy: add-only}\n"
		 "  - /nonexistent/skipped.yaml\n"
		 "rules_files: [/main.yaml]\n"
		 "json_output: false\n"
		 "priority: debug\n",
		 fx->dir, fx->dir, fx->dir);
	snprintf(extra, sizeof(extra), "config_files[]=%s/extra.yaml", fx->dir);
	ovr[2] = extra;
	assert_int_equal(cfg_load(cfg, wr(fx, "main.yaml", main_yaml), ovr, 3), 0);
	if (fx->d.errors || fx->d.warnings)
		print_error("%s", fx->d.text);
	assert_int_equal(fx->d.errors + fx->d.warnings, 0);
	/* append (dir, sorted), then override replaces the list */
	assert_int_equal(cfg_get_strlist(cfg, "rules_files", &list, &n), 0);
	assert_int_equal(n, 1);
	assert_string_equal(list[0], "/over.yaml");
	free(list);
	assert_string_equal(cfg_get_string(cfg, "log_level", NULL), "debug"); /* 20-b after 10-a */
	assert_false(cfg_get_bool(cfg, "stdout_output.enabled", true));
	assert_string_equal(cfg_get_string(cfg, "priority", NULL), "error"); /* add-only ignored */
	assert_true(cfg_get_bool(cfg, "buffered_outputs", false));	     /* add-only added */
	assert_string_equal(cfg_get_string(cfg, "lanner.run_dir", NULL), "/run/x"); /* -o include */
	assert_true(cfg_get_bool(cfg, "json_output", false)); /* -o after files */
	assert_int_equal(cfg_get_uint(cfg, "lanner.evaluators", 0), 3);
	/* positions name the file a value came from */
	assert_non_null(strstr(cfg_node_file(cfg_node_get(cfg, NULL, "log_level")), "20-b.yaml"));
	assert_string_equal(cfg_node_file(cfg_node_get(cfg, NULL, "json_output")),
			    "-o json_output=true");
}

static void test_load_append_merge(void **state)
{
	struct fx *fx = *state;
	const char **list;
	size_t n;
	char main_yaml[512];

	wr(fx, "inc.yaml", "rules_files: [/b.yaml, /c.yaml]\n");
	snprintf(main_yaml, sizeof(main_yaml),
		 "config_files: [%s/inc.yaml]\nrules_files: [/a.yaml]\n", fx->dir);
	assert_int_equal(cfg_load(fx->cfg, wr(fx, "main.yaml", main_yaml), NULL, 0), 0);
	assert_int_equal(cfg_get_strlist(fx->cfg, "rules_files", &list, &n), 0);
	assert_int_equal(n, 3);
	assert_string_equal(list[0], "/a.yaml");
	assert_string_equal(list[2], "/c.yaml");
	free(list);
}

static void test_load_errors(void **state)
{
	struct fx *fx = *state;
	char main_yaml[512];
	const char *ovr[] = {"json_output=sometimes"};
	const char *p;

	/* nested config_files */
	wr(fx, "nested.yaml", "config_files: [/x]\n");
	snprintf(main_yaml, sizeof(main_yaml), "config_files: [%s/nested.yaml]\n", fx->dir);
	assert_int_equal(cfg_load(fx->cfg, wr(fx, "main.yaml", main_yaml), NULL, 0), -EINVAL);
	expect_diag(fx, "DIR/nested.yaml:1:15: error: 'config_files' in an included configuration "
			"file (nested includes are not allowed)");
	/* including the main file */
	snprintf(main_yaml, sizeof(main_yaml), "config_files: [%s/main.yaml]\n", fx->dir);
	assert_int_equal(cfg_load(fx->cfg, wr(fx, "main.yaml", main_yaml), NULL, 0), -EINVAL);
	expect_diag(fx, "DIR/main.yaml:1:16: error: config_files: includes the main configuration "
			"file");
	/* a bad strategy */
	snprintf(main_yaml, sizeof(main_yaml),
		 "config_files: [{path: %s/nested.yaml, strategy: merge}]\n", fx->dir);
	assert_int_equal(cfg_load(fx->cfg, wr(fx, "main.yaml", main_yaml), NULL, 0), -EINVAL);
	expect_diag(fx, "error: config_files: unknown strategy 'merge'");
	/* a syntax error in an included file names that file */
	wr(fx, "broken.yaml", "a: [\n");
	snprintf(main_yaml, sizeof(main_yaml), "config_files: [%s/broken.yaml]\n", fx->dir);
	assert_int_equal(cfg_load(fx->cfg, wr(fx, "main.yaml", main_yaml), NULL, 0), -EINVAL);
	expect_diag(fx, "DIR/broken.yaml:2:1: error: did not find expected node content");
	/* a bad value from -o fails validation, naming the override */
	p = wr(fx, "ok.yaml", "json_output: false\n");
	assert_int_equal(cfg_load(fx->cfg, p, ovr, 1), -EINVAL);
	expect_diag(fx, "-o json_output=sometimes: error: json_output: expected a boolean");
	/* an unknown key given with -o is warned at the override */
	ovr[0] = "lanner.evaluatorz=4";
	assert_int_equal(cfg_load(fx->cfg, p, ovr, 1), 0);
	expect_diag(fx, "-o lanner.evaluatorz=4: warning: unknown configuration key "
			"'lanner.evaluatorz'");
	/* a bad override syntax stops the load */
	ovr[0] = "nokey";
	assert_int_equal(cfg_load(fx->cfg, p, ovr, 1), -EINVAL);
	expect_diag(fx, "-o nokey: error: must be of the form key=value");
}

static void test_config_files_errors(void **state)
{
	struct fx *fx = *state;
	char main_yaml[512], name[64];
	const char *p;
	int i;

	p = wr(fx, "m1.yaml", "config_files: {path: x}\n");
	assert_int_equal(cfg_load(fx->cfg, p, NULL, 0), -EINVAL);
	expect_diag(fx, "DIR/m1.yaml:1:15: error: config_files: expected a list of paths, got a "
			"mapping");
	p = wr(fx, "m2.yaml", "config_files:\n  - [a, b]\n");
	assert_int_equal(cfg_load(fx->cfg, p, NULL, 0), -EINVAL);
	expect_diag(fx, "DIR/m2.yaml:2:5: error: config_files: each item is a path or {path: ..., "
			"strategy: ...}");
	p = wr(fx, "m3.yaml", "config_files:\n  - path: /x\n    strategy: [append]\n");
	assert_int_equal(cfg_load(fx->cfg, p, NULL, 0), -EINVAL);
	expect_diag(fx, "DIR/m3.yaml:3:15: error: config_files: strategy must be a string");
	/* a single path is a list of one; an empty file adds nothing */
	wr(fx, "empty.yaml", "");
	snprintf(main_yaml, sizeof(main_yaml), "config_files: %s/empty.yaml\njson_output: true\n",
		 fx->dir);
	assert_int_equal(cfg_load(fx->cfg, wr(fx, "m4.yaml", main_yaml), NULL, 0), 0);
	assert_true(cfg_get_bool(fx->cfg, "json_output", false));
	/* at most 64 included files */
	snprintf(main_yaml, sizeof(main_yaml), "%s/many", fx->dir);
	assert_int_equal(mkdir(main_yaml, 0700), 0);
	for (i = 0; i < 65; i++) {
		snprintf(name, sizeof(name), "many/%02d.yaml", i);
		wr(fx, name, "json_output: true\n");
	}
	snprintf(main_yaml, sizeof(main_yaml), "config_files: [%s/many]\n", fx->dir);
	assert_int_equal(cfg_load(fx->cfg, wr(fx, "m5.yaml", main_yaml), NULL, 0), -EINVAL);
	expect_diag(fx, "DIR/many/64.yaml: error: more than 64 included configuration files");
}

static void test_more_errors(void **state)
{
	struct fx *fx = *state;
	size_t n = 2 * (CFG_MAX_NODES + 1) + 8, o = 0, i, cnt;
	char *big = malloc(n), key[CFG_MAX_PATH + 16];
	const char **list;

	/* a flat list of 200,000 scalars passes the node limit (with the root and the list) */
	assert_non_null(big);
	o += (size_t)snprintf(big, n, "a: [");
	for (i = 0; i < CFG_MAX_NODES; i++) {
		big[o++] = i ? ',' : 'x';
		if (i)
			big[o++] = 'x';
	}
	big[o++] = ']';
	big[o] = '\0';
	assert_int_equal(cfg_load_buffer(fx->cfg, "big", big, o), -EINVAL);
	expect_diag(fx, "error: too many nodes (more than 200000, aliases expanded)");
	free(big);
	/* NUL in a key */
	assert_int_equal(load_text(fx, "\"a\\0b\": 1\n"), -EINVAL);
	expect_diag(fx, "DIR/c.yaml:1:1: error: NUL character in a key");
	/* getters: a list index into a mapping, a list of strings that is a mapping */
	assert_int_equal(load_text(fx, "file_output: {enabled: true}\nplugins: foo\n"
				       "a.b: 1\n"),
			 0);
	assert_int_equal(cfg_get_int(fx->cfg, "file_output[0]", 3), 3);
	expect_diag(fx, "DIR/c.yaml:1:14: error: file_output[0]: expected a list, got a mapping");
	assert_int_equal(cfg_get_strlist(fx->cfg, "file_output", &list, &cnt), -EINVAL);
	expect_diag(fx, "DIR/c.yaml:1:14: error: file_output: expected a list of strings, got a "
			"mapping");
	/* schema: a list of mappings given a scalar; a key with a dot is unknown */
	assert_int_equal(cfg_validate(fx->cfg), -EINVAL);
	expect_diag(fx, "DIR/c.yaml:2:10: error: plugins: expected a list, got 'foo'");
	expect_diag(fx, "DIR/c.yaml:3:1: warning: unknown configuration key 'a.b'");
	/* an override key longer than the limit */
	memset(key, 'k', sizeof(key));
	key[CFG_MAX_PATH + 1] = '=';
	key[CFG_MAX_PATH + 2] = '\0';
	assert_int_equal(cfg_apply_override(fx->cfg, key), -EINVAL);
	expect_diag(fx, "error: key longer than 512 bytes");
	/* hostile text in messages is escaped */
	assert_int_equal(load_text(fx, "json_output: \"a\\x01\\nb'\"\n"), 0);
	assert_true(cfg_get_bool(fx->cfg, "json_output", true));
	expect_diag(fx, "got 'a\\x01\\x0ab\\x27'");
}

static void test_to_json(void **state)
{
	struct fx *fx = *state;
	json_t *j;
	char *text;

	assert_int_equal(load_text(fx, "b: {x: 1, y: [a, ~, 'q']}\na: true\nc:\n"), 0);
	assert_int_equal(cfg_apply_override(fx->cfg, "d=caf\xc3\xa9"), 0);
	j = cfg_to_json(fx->cfg, NULL);
	assert_non_null(j);
	text = json_dumps(j, JSON_COMPACT);
	assert_string_equal(text, "{\"b\":{\"x\":\"1\",\"y\":[\"a\",null,\"q\"]},\"a\":\"true\","
				  "\"c\":null,\"d\":\"caf\u00e9\"}");
	free(text);
	json_decref(j);
	j = cfg_to_json(fx->cfg, cfg_node_get(fx->cfg, NULL, "b.y"));
	assert_int_equal(json_array_size(j), 3);
	json_decref(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_getters, setup, teardown),
		cmocka_unit_test_setup_teardown(test_defaults, setup, teardown),
		cmocka_unit_test(test_bool_forms),
		cmocka_unit_test(test_number_forms),
		cmocka_unit_test_setup_teardown(test_enum, setup, teardown),
		cmocka_unit_test_setup_teardown(test_nodes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_type_errors, setup, teardown),
		cmocka_unit_test(test_schema_sorted),
		cmocka_unit_test_setup_teardown(test_unknown_keys, setup, teardown),
		cmocka_unit_test_setup_teardown(test_schema_types, setup, teardown),
		cmocka_unit_test_setup_teardown(test_reference_falco_yaml, setup, teardown),
		cmocka_unit_test_setup_teardown(test_syntax_error, setup, teardown),
		cmocka_unit_test_setup_teardown(test_duplicate_key, setup, teardown),
		cmocka_unit_test_setup_teardown(test_deep_nesting, setup, teardown),
		cmocka_unit_test_setup_teardown(test_aliases, setup, teardown),
		cmocka_unit_test_setup_teardown(test_invalid_utf8, setup, teardown),
		cmocka_unit_test_setup_teardown(test_oversize, setup, teardown),
		cmocka_unit_test_setup_teardown(test_structure_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_env_expansion, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override_syntaxes, setup, teardown),
		cmocka_unit_test_setup_teardown(test_override_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_all, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_append_merge, setup, teardown),
		cmocka_unit_test_setup_teardown(test_load_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_config_files_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_more_errors, setup, teardown),
		cmocka_unit_test_setup_teardown(test_to_json, setup, teardown),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
