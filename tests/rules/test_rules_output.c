/* test_rules_output.c: output formats and alerts, checked byte for byte against Falco 0.44.1's JSON. */
#include <jansson.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "alert.h"
#include "rules_compile.h"
#include "rules_load.h"
#include "rules_output.h"

/* A fake accessor answering from a JSON object {"field[arg]": value}: null or absent = missing. */
struct fake {
	json_t *fields;
	char keybuf[256];
};

static int fake_get(void *ctx, const struct fld_ref *f, struct fld_val *out, uint32_t max)
{
	struct fake *fk = ctx;
	json_t *v;

	(void)max;
	if (f->arg && f->arg_dotted)
		snprintf(fk->keybuf, sizeof(fk->keybuf), "%s.%.*s", f->info->name, (int)f->arg_len,
			 f->arg);
	else if (f->arg)
		snprintf(fk->keybuf, sizeof(fk->keybuf), "%s[%.*s]", f->info->name, (int)f->arg_len,
			 f->arg);
	else
		snprintf(fk->keybuf, sizeof(fk->keybuf), "%s", f->info->name);
	v = json_object_get(fk->fields, fk->keybuf);
	if (!v || json_is_null(v))
		return 0;
	memset(out, 0, sizeof(*out));
	if (json_is_string(v)) {
		out->type = LNR_PT_CHARBUF;
		out->str.p = json_string_value(v);
		out->str.len = json_string_length(v);
	} else if (json_is_integer(v)) {
		out->type = (uint16_t)f->type;
		out->s64 = (int64_t)json_integer_value(v);
	} else if (json_is_boolean(v)) {
		out->type = LNR_PT_BOOL;
		out->u64 = json_is_true(v);
	} else {
		return 0;
	}
	return 1;
}

static void test_falco_alerts_exact(void **state)
{
	static const struct rules_append_output ap = {NULL, NULL, NULL, 0, NULL, NULL, 0, true};
	struct rules_opts opts = {RULES_PRIO_DEBUG, &ap, 1};
	struct rules_loader *l = rules_loader_new();
	struct rules_ruleset *rs;
	char path[512], line[1 << 16];
	struct alert_fmt fmt;
	struct alert_buf out;
	FILE *f;
	int n = 0;

	(void)state;
	setenv("TZ", "UTC", 1);
	tzset();
	snprintf(path, sizeof(path), "%s/falco-rules/falco_rules.yaml", LANNER_CONFORMANCE_DIR);
	assert_int_equal(rules_loader_load_file(l, path), 0);
	rs = rules_compile(l, &opts);
	assert_non_null(rs);
	snprintf(path, sizeof(path), "%s/reference/example-alerts/falco-0.44.1-alerts.jsonl",
		 LANNER_CONFORMANCE_DIR);
	f = fopen(path, "r");
	assert_non_null(f);
	alert_fmt_default(&fmt);
	fmt.json_output = true;
	alert_buf_init(&out);
	while (fgets(line, sizeof(line), f)) {
		json_t *j = json_loads(line, 0, NULL);
		struct fake fk = {0};
		struct fld_accessor acc = {fake_get, NULL, &fk};
		const struct rules_crule *cr;
		struct alert *a = alert_new();
		size_t len = strlen(line);

		assert_non_null(j);
		assert_non_null(a);
		if (len && line[len - 1] == '\n')
			line[--len] = '\0';
		fk.fields = json_object_get(j, "output_fields");
		cr = rules_ruleset_find(rs, json_string_value(json_object_get(j, "rule")));
		assert_non_null(cr);
		assert_int_equal(
			rules_alert_fill(a, cr, cr->fmt, &acc,
					 (uint64_t)json_integer_value(
						 json_object_get(fk.fields, "evt.time")),
					 json_string_value(json_object_get(j, "hostname"))),
			0);
		alert_buf_reset(&out);
		assert_int_equal(alert_render(a, &fmt, &out), 0);
		if (strcmp(out.data, line) != 0)
			fprintf(stderr, "want: %s\ngot:  %s\n", line, out.data);
		assert_string_equal(out.data, line);
		alert_free(a);
		json_decref(j);
		n++;
	}
	assert_int_equal(n, 3);
	fclose(f);
	alert_buf_fini(&out);
	rules_ruleset_free(rs);
	rules_loader_free(l);
}

static int null_get(void *ctx, const struct fld_ref *f, struct fld_val *out, uint32_t max)
{
	(void)ctx;
	(void)max;
	if (strcmp(f->info->name, "proc.name") == 0) {
		out->type = LNR_PT_CHARBUF;
		out->str.p = "/usr/bin/Bash";
		out->str.len = strlen(out->str.p);
		return 1;
	}
	if (strcmp(f->info->name, "fd.types") == 0) {
		out[0].type = out[1].type = LNR_PT_CHARBUF;
		out[0].str.p = "file";
		out[0].str.len = 4;
		out[1].str.p = "ipv4";
		out[1].str.len = 4;
		return 2;
	}
	if (strcmp(f->info->name, "proc.pid") == 0) {
		out->type = LNR_PT_INT64;
		out->s64 = 42;
		return 1;
	}
	return 0;
}

static void test_format_tokens(void **state)
{
	struct fld_accessor acc = {null_get, NULL, NULL};
	struct alert_buf text;
	struct rules_outfmt *f;
	struct alert *a = alert_new();
	char msg[256];
	size_t off;

	(void)state;
	alert_buf_init(&text);
	f = rules_outfmt_compile("*n=%proc.name: l=%tolower(proc.name) b=%basename(proc.name) "
				 "w=[%5proc.pid] t=%fd.types u=%user.name x=%proc.name.",
				 msg, sizeof(msg), &off);
	assert_non_null(f);
	assert_int_equal(rules_outfmt_nfields(f), 7);
	assert_string_equal(rules_outfmt_key(f, 1), "tolower(proc.name)");
	assert_int_equal(rules_outfmt_render(f, &acc, &text, a), 0);
	assert_string_equal(text.data, "n=/usr/bin/Bash: l=/usr/bin/bash b=Bash w=[42   ] "
				       "t=(file,ipv4) u=<NA> x=/usr/bin/Bash.");
	assert_non_null(alert_find_field(a, "user.name"));
	assert_int_equal(alert_find_field(a, "user.name")->type, ALERT_FT_NULL);
	assert_int_equal(alert_find_field(a, "proc.pid")->type, ALERT_FT_INT64);
	rules_outfmt_free(f);
	alert_free(a);
	alert_buf_fini(&text);

	assert_null(rules_outfmt_compile("bad %proc.nosuch field", msg, sizeof(msg), &off));
	assert_string_equal(msg, "invalid formatting token proc.nosuch field");
	assert_int_equal(off, 4);
	assert_null(rules_outfmt_compile("trailing %", msg, sizeof(msg), &off));
	assert_null(rules_outfmt_compile("ip %fd.ip", msg, sizeof(msg), &off));
}

/* evt.arg.NAME in an output: the argument name must outlive the compile (it once pointed
 * into a stack buffer of the parser, so Falco's "target=%evt.arg.target" printed <NA>). */
static void test_format_evt_arg(void **state)
{
	struct fake fk = {0};
	struct fld_accessor acc = {fake_get, NULL, &fk};
	struct alert_buf text;
	struct rules_outfmt *f;
	struct alert *a = alert_new();
	char msg[256];
	size_t off;

	(void)state;
	fk.fields = json_pack("{s:s, s:s, s:s}", "evt.arg.target", "/etc/shadow",
			      "evt.arg.linkpath", "/tmp/l", "proc.name", "ln");
	alert_buf_init(&text);
	f = rules_outfmt_compile("target=%evt.arg.target linkpath=%evt.arg.linkpath "
				 "process=%proc.name",
				 msg, sizeof(msg), &off);
	assert_non_null(f);
	/* something else on the stack where the parser's name buffer was */
	char junk[512];

	memset(junk, 'x', sizeof(junk));
	assert_int_equal(rules_outfmt_render(f, &acc, &text, a), 0);
	assert_string_equal(text.data, "target=/etc/shadow linkpath=/tmp/l process=ln");
	assert_int_equal(alert_find_field(a, "evt.arg.target")->type, ALERT_FT_STRING);
	rules_outfmt_free(f);
	alert_free(a);
	alert_buf_fini(&text);
	json_decref(fk.fields);
	(void)junk[0];
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_falco_alerts_exact),
		cmocka_unit_test(test_format_tokens),
		cmocka_unit_test(test_format_evt_arg),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
