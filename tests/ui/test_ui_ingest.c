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

#include <sys/stat.h>
#include <unistd.h>

#include "ui_auth.h"
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
	/* a short offset at the end of the string (found by fuzzing: read past the end) */
	assert_int_equal(ui_parse_rfc3339("2026-11-28T12:29:06.5-1:2", &ns), -EINVAL);
	assert_int_equal(ui_parse_rfc3339("2026-11-28T12:29:06+01", &ns), -EINVAL);
	assert_int_equal(ui_parse_rfc3339("2026-11-28T12:29:06+24:00", &ns), -EINVAL);
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

/* The user commands of the binary: --add-user (password on stdin), --role, --init-admin. */
static void test_user_commands(void **state)
{
	char dir[] = "/tmp/lanner-ui-users.XXXXXX", cmd[1024], users[128], line[512];
	unsigned retry;
	struct ui_session_info info;
	(void)state;
	assert_non_null(mkdtemp(dir));
	snprintf(users, sizeof(users), "%s/users", dir);
#define RUN(fmt, ...) (snprintf(cmd, sizeof(cmd), fmt " >/dev/null 2>&1", __VA_ARGS__), system(cmd))
	assert_int_equal(RUN("echo pw-one | %s --users-file %s --add-user ann --role admin",
			     LANNER_UI_BIN, users),
			 0);
	assert_int_equal(
		RUN("echo pw-two | %s --users-file %s --add-user ben", LANNER_UI_BIN, users), 0);
	assert_int_not_equal(RUN("echo x | %s --users-file %s --add-user 'b:d' --role admin",
				 LANNER_UI_BIN, users),
			     0);
	assert_int_not_equal(
		RUN("echo x | %s --users-file %s --add-user cid --role king", LANNER_UI_BIN, users),
		0);
	assert_int_not_equal(
		RUN("printf '' | %s --users-file %s --add-user cid", LANNER_UI_BIN, users), 0);
	struct stat sb;
	assert_int_equal(stat(users, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	FILE *f = fopen(users, "r");
	unsigned n = 0;
	while (fgets(line, sizeof(line), f))
		if (line[0] != '#') {
			n++;
			assert_non_null(strstr(line, ":$y$")); /* yescrypt, salted */
		}
	fclose(f);
	assert_int_equal(n, 2);
	struct ui_auth *a = ui_auth_new(users, 60);
	assert_int_equal(ui_auth_login(a, "t", "ann", "pw-one", NULL, &info, &retry), 0);
	assert_int_equal(info.role, UI_ROLE_ADMIN);
	assert_int_equal(ui_auth_login(a, "t", "ben", "pw-two", NULL, &info, &retry), 0);
	assert_int_equal(info.role, UI_ROLE_READONLY);
	assert_int_equal(ui_auth_login(a, "t", "ben", "pw-one", NULL, &info, &retry), -EACCES);
	ui_auth_free(a);
	/* change ben: new password and role, the old password stops working */
	assert_int_equal(RUN("echo pw-3 | %s --users-file %s --add-user ben --role admin",
			     LANNER_UI_BIN, users),
			 0);
	a = ui_auth_new(users, 60);
	assert_int_equal(ui_auth_user_count(a), 2);
	assert_int_equal(ui_auth_login(a, "u", "ben", "pw-two", NULL, &info, &retry), -EACCES);
	assert_int_equal(ui_auth_login(a, "u", "ben", "pw-3", NULL, &info, &retry), 0);
	assert_int_equal(info.role, UI_ROLE_ADMIN);
	ui_auth_free(a);
	/* --init-admin on an empty users file: a random password in <users>.admin-password */
	char fresh[160], pwfile[200], pw[64] = "";
	snprintf(fresh, sizeof(fresh), "%s/fresh", dir);
	snprintf(pwfile, sizeof(pwfile), "%s.admin-password", fresh);
	assert_int_equal(RUN("timeout -s TERM 1 %s --users-file %s --init-admin --listen "
			     "127.0.0.1:0 --redis 127.0.0.1:1; test $? = 124",
			     LANNER_UI_BIN, fresh),
			 0);
	assert_int_equal(stat(pwfile, &sb), 0);
	assert_int_equal(sb.st_mode & 0777, 0600);
	f = fopen(pwfile, "r");
	assert_non_null(fgets(pw, sizeof(pw), f));
	fclose(f);
	pw[strcspn(pw, "\n")] = '\0';
	assert_true(strlen(pw) >= 16);
	a = ui_auth_new(fresh, 60);
	assert_int_equal(ui_auth_login(a, "v", "admin", pw, NULL, &info, &retry), 0);
	assert_int_equal(info.role, UI_ROLE_ADMIN);
	ui_auth_free(a);
	snprintf(cmd, sizeof(cmd), "rm -rf %s", dir);
	assert_int_equal(system(cmd), 0);
#undef RUN
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
		cmocka_unit_test(test_user_commands),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
