/* test_sidekick.c: falcosidekick payload bytes: Go escaping, time, defaults, the 4096/512 cut. */
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
#include "sidekick.h"

static const char *U = "00000000-0000-4000-8000-000000000000";

static void go_str(const char *in, size_t n, const char *want)
{
	struct alert_buf b;

	alert_buf_init(&b);
	assert_int_equal(sidekick_go_string(&b, in, n), 0);
	assert_string_equal(b.data, want);
	alert_buf_fini(&b);
}

static void test_go_escaping(void **state)
{
	go_str("a<b>&c", 6, "\"a\\u003cb\\u003e\\u0026c\"");
	go_str("\"\\\b\f\n\r\t\x01\x1f\x7f", 10, "\"\\\"\\\\\\b\\f\\n\\r\\t\\u0001\\u001f\x7f\"");
	go_str("\xe2\x80\xa8\xe2\x80\xa9", 6, "\"\\u2028\\u2029\"");
	/* invalid bytes: one \ufffd each (Go's DecodeRune takes one byte) */
	go_str("x\xe2\x82y\xff", 5, "\"x\\ufffd\\ufffdy\\ufffd\"");
	go_str("\xc3\xa9\xf0\x9f\x98\x80", 6, "\"\xc3\xa9\xf0\x9f\x98\x80\"");
}

static struct alert *base(void)
{
	struct alert *a = alert_new();

	a->priority = ALERT_PRIO_NOTICE;
	a->time_ns = 1795868946500000000ull; /* .5 s: Go trims the zeros */
	alert_set_rule(a, "R");
	alert_set_source(a, "syscall");
	alert_set_hostname(a, "h");
	alert_set_output(a, "m");
	alert_add_tag(a, "z");
	alert_add_tag(a, "a");
	alert_add_int64(a, "n", -1);
	return a;
}

static void payload(const struct alert *a, const struct alert_fmt *f, const char *want)
{
	struct alert_buf b;

	alert_buf_init(&b);
	assert_int_equal(sidekick_payload(a, f, U, &b), 0);
	if (strcmp(b.data, want))
		fail_msg("got  %s\nwant %s", b.data, want);
	json_error_t err;
	json_t *j = json_loads(b.data, 0, &err);
	assert_non_null(j);
	json_decref(j);
	alert_buf_fini(&b);
}

static void test_payload_defaults_and_flags(void **state)
{
	struct alert *a = base();
	struct alert_fmt f;

	alert_fmt_default(&f);
	f.json_output = true;
	payload(a, &f,
		"{\"uuid\":\"00000000-0000-4000-8000-000000000000\",\"output\":\"12:29:06."
		"500000000: "
		"Notice "
		"m\",\"priority\":\"Notice\",\"rule\":\"R\",\"time\":\"2026-11-28T12:29:06.5Z\","
		"\"output_fields\":{\"evt.time\":1795868946500000000,\"n\":-1},\"source\":"
		"\"syscall\","
		"\"tags\":[\"a\",\"z\"],\"hostname\":\"h\"}");
	/* Falco without output, fields and tags: "", null, tags omitted; no source -> syscalls;
	 * whole second: no fraction */
	f.json_include_output_property = false;
	f.json_include_output_fields_property = false;
	f.json_include_tags_property = false;
	alert_set_source(a, NULL);
	alert_set_hostname(a, "");
	a->time_ns = 1795868946000000000ull;
	payload(a, &f,
		"{\"uuid\":\"00000000-0000-4000-8000-000000000000\",\"output\":\"\",\"priority\":"
		"\"Notice\",\"rule\":\"R\",\"time\":\"2026-11-28T12:29:06Z\",\"output_fields\":"
		"null,"
		"\"source\":\"syscalls\"}");
	alert_free(a);
}

/* Over 4096 bytes, string fields longer than 512 become 507 bytes + "[...]", in output too. */
static void test_payload_cut(void **state)
{
	struct alert *a = base();
	struct alert_fmt f;
	char big[5000], out[5100];

	memset(big, 'x', sizeof(big) - 1);
	big[sizeof(big) - 1] = '\0';
	big[0] = 'B';
	snprintf(out, sizeof(out), "cmd=%s end", big);
	alert_set_output(a, out);
	alert_add_string(a, "proc.cmdline", big);
	alert_add_string(a, "short", "s");
	alert_fmt_default(&f);
	struct alert_buf b;
	alert_buf_init(&b);
	assert_int_equal(sidekick_payload(a, &f, U, &b), 0);
	json_error_t err;
	json_t *j = json_loads(b.data, 0, &err);
	assert_non_null(j);
	const char *cl = json_string_value(
		json_object_get(json_object_get(j, "output_fields"), "proc.cmdline"));
	assert_int_equal(strlen(cl), 512);
	assert_int_equal(strncmp(cl, big, 507), 0);
	assert_string_equal(cl + 507, "[...]");
	const char *o = json_string_value(json_object_get(j, "output"));
	char want[700];
	snprintf(want, sizeof(want), "Notice cmd=%.507s[...] end", big);
	assert_non_null(strstr(o, want));
	assert_string_equal(
		json_string_value(json_object_get(json_object_get(j, "output_fields"), "short")),
		"s");
	json_decref(j);
	alert_buf_fini(&b);
	alert_free(a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_go_escaping),
		cmocka_unit_test(test_payload_defaults_and_flags),
		cmocka_unit_test(test_payload_cut),
	};
	setenv("TZ", "UTC", 1);
	tzset();
	return cmocka_run_group_tests(tests, NULL, NULL);
}
