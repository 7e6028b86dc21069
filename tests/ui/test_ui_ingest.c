/* test_ui_ingest.c: parsing POSTed alerts (Falco JSON) into struct alert: real Falco 0.44 alerts
 * (conformance material, read in place) render back to the same JSON; bad input is named. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ui_ingest.h"

static json_t *roundtrip(json_t *in)
{
	char err[256] = "";
	struct alert *a = ui_alert_from_json(in, err, sizeof(err));
	if (!a)
		fail_msg("parse: %s", err);
	struct alert_fmt f;
	struct alert_buf b;
	alert_fmt_default(&f);
	f.json_output = true;
	alert_buf_init(&b);
	assert_int_equal(alert_render_json(a, &f, &b), 0);
	json_t *out = json_loadb(b.data, b.len, 0, NULL);
	assert_non_null(out);
	alert_buf_fini(&b);
	alert_free(a);
	return out;
}

/* Falco's own alerts come back byte-equivalent (same keys, values, output with its prefix). */
static void test_falco_alerts_roundtrip(void **state)
{
	char path[512], line[65536];
	unsigned n = 0;
	(void)state;
	snprintf(path, sizeof(path), "%s/reference/example-alerts/falco-0.44.1-alerts.jsonl",
		 LANNER_CONFORMANCE_DIR);
	FILE *f = fopen(path, "r");
	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		json_t *in = json_loads(line, 0, NULL);
		if (!in)
			continue;
		json_t *out = roundtrip(in);
		if (!json_equal(in, out)) {
			char *a = json_dumps(in, JSON_SORT_KEYS),
			     *b = json_dumps(out, JSON_SORT_KEYS);
			fail_msg("line %u differs:\n in: %s\nout: %s", n + 1, a, b);
		}
		json_decref(in);
		json_decref(out);
		n++;
	}
	fclose(f);
	assert_true(n >= 3);
}

static void test_rfc3339(void **state)
{
	uint64_t ns;
	(void)state;
	assert_int_equal(ui_parse_rfc3339("2026-11-28T12:29:06.211176210Z", &ns), 0);
	assert_true(ns == 1795868946211176210ull);
	assert_int_equal(ui_parse_rfc3339("2026-11-28T13:29:06.5+01:00", &ns), 0);
	assert_true(ns == 1795868946500000000ull);
	assert_int_equal(ui_parse_rfc3339("2026-11-28T12:29:06Z", &ns), 0);
	assert_true(ns == 1795868946000000000ull);
	/* Go's RFC3339Nano with more than 9 digits is cut, not rounded */
	assert_int_equal(ui_parse_rfc3339("2026-11-28T12:29:06.1234567899Z", &ns), 0);
	assert_true(ns % 1000000000ull == 123456789ull);
	assert_int_equal(ui_parse_rfc3339("2026-11-28 12:29:06Z", &ns), -EINVAL);
	assert_int_equal(ui_parse_rfc3339("2026-11-28T12:29:06", &ns), -EINVAL);
	assert_int_equal(ui_parse_rfc3339("2026-11-28T12:29:06Zjunk", &ns), -EINVAL);
	assert_int_equal(ui_parse_rfc3339("", &ns), -EINVAL);
}

static void test_bad_alerts(void **state)
{
	static const struct {
		const char *json, *msg;
	} cases[] = {
		{"[]", "JSON object"},
		{"{}", "required"},
		{"{\"rule\":\"r\",\"priority\":\"Loud\",\"time\":\"2026-11-28T12:29:06Z\"}",
		 "unknown priority"},
		{"{\"rule\":\"r\",\"priority\":\"Error\",\"time\":\"yesterday\"}", "RFC 3339"},
		{"{\"rule\":\"r\",\"priority\":\"Error\",\"time\":\"2026-11-28T12:29:06Z\","
		 "\"tags\":\"x\"}",
		 "tags"},
		{"{\"rule\":\"r\",\"priority\":\"Error\",\"time\":\"2026-11-28T12:29:06Z\","
		 "\"tags\":[1]}",
		 "tags[0]"},
		{"{\"rule\":\"r\",\"priority\":\"Error\",\"time\":\"2026-11-28T12:29:06Z\","
		 "\"output_fields\":{\"a\":{\"b\":1}}}",
		 "output_fields.a"},
	};
	(void)state;
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		char err[256] = "";
		json_t *j = json_loads(cases[i].json, JSON_DECODE_ANY, NULL);
		assert_non_null(j);
		assert_null(ui_alert_from_json(j, err, sizeof(err)));
		if (!strstr(err, cases[i].msg))
			fail_msg("case %zu: '%s' does not mention '%s'", i, err, cases[i].msg);
		json_decref(j);
	}
	/* minimal alert: defaults for source, hostname, output */
	char err[256];
	json_t *j = json_loads(
		"{\"rule\":\"r\",\"priority\":\"info\",\"time\":\"2026-11-28T12:29:06Z\"}", 0,
		NULL);
	struct alert *a = ui_alert_from_json(j, err, sizeof(err));
	assert_non_null(a);
	assert_string_equal(a->source, "syscall");
	assert_int_equal(a->priority, ALERT_PRIO_INFORMATIONAL);
	alert_free(a);
	json_decref(j);
}

int main(void)
{
	/* Falco's text prefix is local time: these alerts were written on a UTC machine */
	setenv("TZ", "UTC", 1);
	tzset();
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_falco_alerts_roundtrip),
		cmocka_unit_test(test_rfc3339),
		cmocka_unit_test(test_bad_alerts),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
