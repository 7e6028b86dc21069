/* test_alert.c: the alert record: Falco JSON byte-exact against Falco 0.44.1, escapes, wire. */
#include <errno.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>
#include <jansson.h>

#include "alert.h"
#include "test_env.h"

/* Builds an alert from one Falco JSON alert (as the evaluator would have built it). */
static struct alert *alert_from_falco_json(json_t *j)
{
	struct alert *a = alert_new();
	enum alert_priority p;
	const char *out = json_string_value(json_object_get(j, "output"));
	const char *prio = json_string_value(json_object_get(j, "priority"));
	json_t *fields = json_object_get(j, "output_fields"), *v;
	const char *k;
	size_t i;

	assert_non_null(a);
	assert_int_equal(alert_priority_parse(prio, &p), 0);
	a->priority = p;
	assert_int_equal(alert_set_rule(a, json_string_value(json_object_get(j, "rule"))), 0);
	assert_int_equal(alert_set_source(a, json_string_value(json_object_get(j, "source"))), 0);
	assert_int_equal(alert_set_hostname(a, json_string_value(json_object_get(j, "hostname"))),
			 0);
	/* "12:29:06.211176210: Warning <message>": the alert carries only the message */
	char pfx[64];
	snprintf(pfx, sizeof(pfx), ": %s ", prio);
	const char *m = strstr(out, pfx);
	assert_non_null(m);
	assert_int_equal(alert_set_output(a, m + strlen(pfx)), 0);
	json_array_foreach(json_object_get(j, "tags"), i, v)
	{
		assert_int_equal(alert_add_tag(a, json_string_value(v)), 0);
	}
	json_object_foreach(fields, k, v)
	{
		if (strcmp(k, "evt.time") == 0) {
			a->time_ns = (uint64_t)json_integer_value(v);
			continue; /* the renderer adds Falco's prefix field itself */
		}
		switch (json_typeof(v)) {
		case JSON_STRING:
			assert_int_equal(alert_add_string(a, k, json_string_value(v)), 0);
			break;
		case JSON_INTEGER:
			assert_int_equal(alert_add_int64(a, k, json_integer_value(v)), 0);
			break;
		case JSON_REAL:
			assert_int_equal(alert_add_double(a, k, json_real_value(v)), 0);
			break;
		case JSON_TRUE:
		case JSON_FALSE:
			assert_int_equal(alert_add_bool(a, k, json_is_true(v)), 0);
			break;
		default:
			assert_int_equal(alert_add_null(a, k), 0);
		}
	}
	return a;
}

static void render_json(const struct alert *a, struct alert_buf *b)
{
	struct alert_fmt f;

	alert_fmt_default(&f);
	f.json_output = true;
	alert_buf_reset(b);
	assert_int_equal(alert_render(a, &f, b), 0);
}

/* Every line of Falco 0.44.1's alerts, rebuilt as an alert, renders byte for byte. */
static void test_falco_0441_byte_exact(void **state)
{
	char path[512];
	FILE *fp = fopen(lnr_test_conformance("reference/example-alerts/falco-0.44.1-alerts.jsonl",
					      path, sizeof(path)),
			 "r");
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int lines = 0;
	struct alert_buf b, w;

	assert_non_null(fp);
	alert_buf_init(&b);
	alert_buf_init(&w);
	while ((n = getline(&line, &cap, fp)) > 0) {
		while (n && (line[n - 1] == '\n' || line[n - 1] == '\r'))
			line[--n] = '\0';
		if (!n)
			continue;
		json_error_t err;
		json_t *j = json_loads(line, 0, &err);
		assert_non_null(j);
		struct alert *a = alert_from_falco_json(j);
		render_json(a, &b);
		if (b.len != (size_t)n || memcmp(b.data, line, (size_t)n) != 0)
			fail_msg("line %d differs:\nfalco: %s\nours:  %s", lines + 1, line, b.data);
		/* the text form is Falco's "output" property */
		struct alert_fmt f;
		alert_fmt_default(&f);
		alert_buf_reset(&b);
		assert_int_equal(alert_render(a, &f, &b), 0);
		assert_string_equal(b.data, json_string_value(json_object_get(j, "output")));
		/* through the wire and back: the same bytes */
		alert_buf_reset(&w);
		assert_int_equal(alert_encode(a, &w), 0);
		struct alert *d = NULL;
		assert_int_equal(alert_decode(w.data, w.len, &d), 0);
		render_json(d, &b);
		assert_int_equal(b.len, (size_t)n);
		assert_memory_equal(b.data, line, (size_t)n);
		alert_free(d);
		alert_free(a);
		json_decref(j);
		lines++;
	}
	assert_int_equal(lines, 3);
	free(line);
	fclose(fp);
	alert_buf_fini(&b);
	alert_buf_fini(&w);
}

static void expect_json_string(const char *in, size_t n, const char *want)
{
	struct alert_buf b;

	alert_buf_init(&b);
	assert_int_equal(alert_json_string(&b, in, n), 0);
	if (strcmp(b.data, want) != 0)
		fail_msg("escape of %zu bytes: got %s want %s", n, b.data, want);
	/* and it is valid JSON that decodes to valid UTF-8 */
	json_error_t err;
	json_t *j = json_loadb(b.data, b.len, JSON_DECODE_ANY | JSON_ALLOW_NUL, &err);
	if (!j)
		fail_msg("invalid JSON %s: %s", b.data, err.text);
	json_decref(j);
	alert_buf_fini(&b);
}

/* Escapes and invalid UTF-8 as nlohmann::json dump(..., error_handler_t::replace). */
static void test_json_escapes(void **state)
{
	expect_json_string("plain /path", 11, "\"plain /path\"");
	expect_json_string("q\"b\\s", 5, "\"q\\\"b\\\\s\"");
	expect_json_string("\b\f\n\r\t", 5, "\"\\b\\f\\n\\r\\t\"");
	expect_json_string("\x01\x1f\x7f", 3, "\"\\u0001\\u001f\x7f\"");
	expect_json_string("caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80", 14,
			   "\"caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\"");
	/* lone continuation byte, bad lead bytes */
	expect_json_string("a\x80z", 3, "\"a\xef\xbf\xbdz\"");
	expect_json_string("\xc0\xc1\xf5\xff", 4,
			   "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	/* truncated sequence followed by ASCII: one replacement, the ASCII kept */
	expect_json_string("\xe2\x82"
			   "A",
			   3,
			   "\"\xef\xbf\xbd"
			   "A\"");
	/* overlong and surrogate: the lead is rejected, the next byte re-read (and rejected) */
	expect_json_string("\xe0\x80", 2, "\"\xef\xbf\xbd\xef\xbf\xbd\"");
	expect_json_string("\xed\xa0\x80", 3, "\"\xef\xbf\xbd\xef\xbf\xbd\xef\xbf\xbd\"");
	/* truncated at the end of the string */
	expect_json_string("ok\xf0\x9f\x98", 5, "\"ok\xef\xbf\xbd\"");
	/* a NUL byte (only reachable through alert_json_string) */
	expect_json_string("a\0b", 3, "\"a\\u0000b\"");
}

static void expect_double(double d, const char *want)
{
	struct alert_buf b;

	alert_buf_init(&b);
	assert_int_equal(alert_json_double(&b, d), 0);
	if (strcmp(b.data, want) != 0)
		fail_msg("double %.17g: got %s want %s", d, b.data, want);
	alert_buf_fini(&b);
}

static void test_json_doubles(void **state)
{
	expect_double(0.0, "0.0");
	expect_double(-0.0, "-0.0");
	expect_double(5598.8, "5598.8");
	expect_double(1.0, "1.0");
	expect_double(-2.5, "-2.5");
	expect_double(0.1, "0.1");
	expect_double(1e14, "100000000000000.0");
	expect_double(1e15, "1e+15");
	expect_double(1e16, "1e+16");
	expect_double(1.5e-5, "1.5e-05");
	expect_double(0.0001, "0.0001");
	expect_double(123456.789, "123456.789");
	expect_double(1.7976931348623157e308, "1.7976931348623157e+308");
	expect_double(NAN, "null");
	expect_double(INFINITY, "null");
}

/* Hostile values: the whole alert still renders as valid JSON with the bytes replaced. */
static void test_hostile_values(void **state)
{
	struct alert *a = alert_new();
	struct alert_buf b;
	size_t big = 1u << 20;
	char *v = malloc(big + 1);

	assert_non_null(v);
	for (size_t i = 0; i < big; i++)
		v[i] = (char)(1 + (i * 7919) % 255); /* every byte value but NUL */
	v[big] = '\0';
	alert_buf_init(&b);
	assert_int_equal(alert_set_rule(a, "r\"ule\n\xff"), 0);
	assert_int_equal(alert_set_source(a, "syscall"), 0);
	assert_int_equal(alert_set_hostname(a, "h\x01"), 0);
	assert_int_equal(alert_set_output(a, v), 0);
	assert_int_equal(alert_add_string(a, "big", v), 0);
	assert_int_equal(alert_add_tag(a, "t\x80"), 0);
	a->time_ns = 1;
	render_json(a, &b);
	json_error_t err;
	json_t *j = json_loadb(b.data, b.len, 0, &err);
	if (!j)
		fail_msg("invalid JSON at %d: %s", err.position, err.text);
	assert_string_equal(json_string_value(json_object_get(j, "rule")), "r\"ule\n\xef\xbf\xbd");
	assert_string_equal(json_string_value(json_object_get(j, "time")),
			    "1970-01-01T00:00:00.000000001Z");
	const char *s =
		json_string_value(json_object_get(json_object_get(j, "output_fields"), "big"));
	assert_non_null(s);
	assert_true(strlen(s) >= big / 2);
	json_decref(j);
	free(v);
	alert_free(a);
	alert_buf_fini(&b);
}

/* json_include_* switches, tags sorted and unique, fields sorted, iso8601 prefix. */
static void test_json_options(void **state)
{
	struct alert *a = alert_new();
	struct alert_fmt f;
	struct alert_buf b;

	alert_buf_init(&b);
	a->priority = ALERT_PRIO_CRITICAL;
	a->time_ns = 1795868946211176210ull;
	alert_set_rule(a, "R");
	alert_set_source(a, "syscall");
	alert_set_hostname(a, "h");
	alert_set_output(a, "msg x=1");
	alert_add_tag(a, "b");
	alert_add_tag(a, "a");
	alert_add_tag(a, "b");
	alert_add_bool(a, "z.flag", true);
	alert_add_double(a, "m.rate", 0.5);
	alert_add_uint64(a, "a.big", UINT64_MAX);
	alert_add_int64(a, "a.min", INT64_MIN);
	alert_fmt_default(&f);
	f.json_output = true;
	f.json_include_message_property = true;
	f.time_format_iso_8601 = true;
	assert_int_equal(alert_render(a, &f, &b), 0);
	assert_string_equal(
		b.data,
		"{\"hostname\":\"h\",\"message\":\"msg x=1\",\"output\":\"2026-11-28T12:29:06."
		"211176210+0000: Critical msg x=1\",\"output_fields\":{\"a.big\":"
		"18446744073709551615,\"a.min\":-9223372036854775808,\"evt.time.iso8601\":"
		"1795868946211176210,\"m.rate\":0.5,"
		"\"z.flag\":true},\"priority\":\"Critical\",\"rule\":\"R\",\"source\":\"syscall\","
		"\"tags\":[\"a\",\"b\"],\"time\":\"2026-11-28T12:29:06.211176210Z\"}");
	f.json_include_message_property = false;
	f.json_include_output_property = false;
	f.json_include_output_fields_property = false;
	f.json_include_tags_property = false;
	alert_buf_reset(&b);
	assert_int_equal(alert_render(a, &f, &b), 0);
	assert_string_equal(b.data, "{\"hostname\":\"h\",\"priority\":\"Critical\",\"rule\":\"R\","
				    "\"source\":\"syscall\",\"time\":\"2026-11-28T12:29:06."
				    "211176210Z\"}");
	alert_free(a);
	alert_buf_fini(&b);
}

/* Falco's internal metrics snapshot: same JSON document (internal form: no tags). */
static void test_internal_metrics_snapshot(void **state)
{
	char path[512];
	json_error_t err;
	json_t *j = json_load_file(
		lnr_test_conformance("reference/example-alerts/falco-metrics-snapshot-0.39.0.json",
				     path, sizeof(path)),
		0, &err);
	struct alert *a = alert_new();
	struct alert_buf b;
	const char *k;
	json_t *v;
	enum alert_priority p;

	assert_non_null(j);
	alert_buf_init(&b);
	alert_set_rule(a, json_string_value(json_object_get(j, "rule")));
	alert_set_source(a, "internal");
	alert_set_hostname(a, json_string_value(json_object_get(j, "hostname")));
	alert_set_output(a, json_string_value(json_object_get(j, "output")));
	assert_int_equal(
		alert_priority_parse(json_string_value(json_object_get(j, "priority")), &p), 0);
	a->priority = p;
	a->time_ns = 1726240940545718604ull;
	json_object_foreach(json_object_get(j, "output_fields"), k, v)
	{
		if (json_is_integer(v))
			alert_add_int64(a, k, json_integer_value(v));
		else if (json_is_real(v))
			alert_add_double(a, k, json_real_value(v));
		else
			alert_add_string(a, k, json_string_value(v));
	}
	render_json(a, &b);
	json_t *mine = json_loads(b.data, 0, &err);
	assert_non_null(mine);
	assert_true(json_equal(mine, j));
	assert_null(strstr(b.data, "\"tags\""));
	/* doubles as nlohmann writes them */
	assert_non_null(strstr(b.data, "\"falco.evts_rate_sec\":5598.8,"));
	assert_non_null(strstr(b.data, "\"scap.n_drops_perc\":0.0}"));
	json_decref(mine);
	json_decref(j);
	alert_free(a);
	alert_buf_fini(&b);
}

/* The decoder refuses every truncation and hostile lengths, never reading out of bounds. */
static void test_wire_validation(void **state)
{
	struct alert *a = alert_new(), *d = NULL;
	struct alert_buf w;

	alert_buf_init(&w);
	alert_set_rule(a, "rule");
	alert_set_output(a, "out");
	alert_add_tag(a, "t1");
	alert_add_string(a, "s", "v");
	alert_add_int64(a, "i", -5);
	alert_add_double(a, "d", 2.25);
	alert_add_bool(a, "b", false);
	alert_add_null(a, "n");
	assert_int_equal(alert_encode(a, &w), 0);
	for (size_t n = 0; n < w.len; n++) {
		/* a copy of exactly n bytes so ASan catches any over-read */
		char *c = malloc(n ? n : 1);
		struct alert_peek pk;
		memcpy(c, w.data, n);
		assert_int_not_equal(alert_decode(c, n, &d), 0);
		assert_int_not_equal(alert_check(c, n, &pk), 0);
		free(c);
	}
	assert_int_equal(alert_decode(w.data, w.len, &d), 0);
	struct alert_peek pk;
	assert_int_equal(alert_check(w.data, w.len, &pk), 0);
	assert_int_equal(pk.rule_len, 4);
	assert_memory_equal(pk.rule, "rule", 4);
	assert_null(pk.source);
	assert_string_equal(d->rule, "rule");
	assert_null(d->source);
	assert_int_equal(d->nfields, 5);
	assert_int_equal(alert_find_field(d, "i")->v.i64, -5);
	assert_true(alert_find_field(d, "d")->v.d == 2.25);
	alert_free(d);
	/* trailing byte, bad magic, bad priority, bad type, NUL inside a string */
	char *c = malloc(w.len + 1);
	memcpy(c, w.data, w.len);
	c[w.len] = 0;
	assert_int_equal(alert_decode(c, w.len + 1, &d), -EINVAL);
	c[0] ^= 1;
	assert_int_equal(alert_decode(c, w.len, &d), -EINVAL);
	c[0] ^= 1;
	c[3] = 8;
	assert_int_equal(alert_decode(c, w.len, &d), -EINVAL);
	c[3] = 4;
	c[16] = 'r';
	c[17] = '\0'; /* rule "r\0le" */
	assert_int_equal(alert_decode(c, w.len, &d), -EINVAL);
	/* a huge tag count in a small buffer is refused without allocating it */
	memcpy(c, w.data, w.len);
	size_t tags_at = 12 + 4 + 4 + 4 + 4 + 4 + 3; /* after rule(4+4), src, host, output(4+3) */
	c[tags_at] = (char)0xff;
	c[tags_at + 1] = (char)0x03;
	assert_int_not_equal(alert_decode(c, w.len, &d), 0);
	free(c);
	/* random corruption never crashes */
	srand(7);
	for (int it = 0; it < 20000; it++) {
		char *x = malloc(w.len);
		memcpy(x, w.data, w.len);
		for (int k = 0; k < 3; k++)
			x[rand() % w.len] = (char)rand();
		struct alert_peek p2;
		int ck = alert_check(x, w.len, &p2);
		int dc = alert_decode(x, w.len, &d);
		assert_int_equal(ck == 0, dc == 0); /* the check accepts exactly what decodes */
		if (dc == 0)
			alert_free(d);
		free(x);
	}
	alert_free(a);
	alert_buf_fini(&w);
}

/* Falco's text form of internal messages: "<time>: <Priority> msg (k=v ...)", keys sorted. */
static void test_internal_text(void **state)
{
	struct alert *a = alert_new();
	struct alert_fmt f;
	struct alert_buf b;

	alert_buf_init(&b);
	alert_fmt_default(&f);
	f.time_format_iso_8601 = true; /* internal text keeps the plain time, as Falco */
	a->priority = ALERT_PRIO_WARNING;
	a->time_ns = 1795868946211176210ull;
	alert_set_source(a, "internal");
	alert_set_output(a, "Drops");
	alert_add_uint64(a, "n.drops", 3);
	alert_add_string(a, "a.cause", "buf\"x");
	assert_int_equal(alert_render(a, &f, &b), 0);
	assert_string_equal(b.data,
			    "12:29:06.211176210: Warning Drops (a.cause=\"buf\\\"x\" n.drops=3)");
	alert_free(a);
	alert_buf_fini(&b);
}

static void test_priorities(void **state)
{
	enum alert_priority p;

	assert_int_equal(alert_priority_parse("info", &p), 0);
	assert_int_equal(p, ALERT_PRIO_INFORMATIONAL);
	assert_int_equal(alert_priority_parse("WARNING", &p), 0);
	assert_int_equal(p, ALERT_PRIO_WARNING);
	assert_int_equal(alert_priority_parse("warn", &p), -EINVAL);
	assert_string_equal(alert_priority_name(ALERT_PRIO_EMERGENCY), "Emergency");
	assert_string_equal(alert_priority_name(ALERT_PRIO_DEBUG), "Debug");
	assert_null(alert_priority_name((enum alert_priority)8));
}

int main(void)
{
	/* libsinsp prints %evt.time in local time: the reference was made in UTC */
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_falco_0441_byte_exact),
		cmocka_unit_test(test_json_escapes),
		cmocka_unit_test(test_json_doubles),
		cmocka_unit_test(test_hostile_values),
		cmocka_unit_test(test_json_options),
		cmocka_unit_test(test_internal_metrics_snapshot),
		cmocka_unit_test(test_wire_validation),
		cmocka_unit_test(test_internal_text),
		cmocka_unit_test(test_priorities),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
