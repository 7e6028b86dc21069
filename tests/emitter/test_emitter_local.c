/* test_emitter_local.c: lanner-emitter's file (rotation on SIGUSR1), program, syslog and stdout
 * outputs, hostile alert values, and rate limiting with its summary alert. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "alert.h"
#include "alert_tx.h"
#include "harness.h"
#include "out_local.h"
#include "test_env.h"

struct env {
	char dir[256];
	char cfg[320];
	char intake[320];
	pid_t emitter;
};

/* Starts the emitter with the outputs in `outputs_fmt` (each %s is the test dir). */
static void env_up(struct env *e, const char *tag, const char *outputs_fmt, int ndirs)
{
	char yaml[8192], outs[4096];

	memset(e, 0, sizeof(*e));
	h_tmpdir(e->dir, sizeof(e->dir), tag);
	snprintf(e->cfg, sizeof(e->cfg), "%s/lanner.yaml", e->dir);
	snprintf(e->intake, sizeof(e->intake), "ipc://%s/alerts.sock", e->dir);
	const char *d = e->dir;
	switch (ndirs) {
	case 0:
		snprintf(outs, sizeof(outs), "%s", outputs_fmt);
		break;
	case 1:
		snprintf(outs, sizeof(outs), outputs_fmt, d);
		break;
	default:
		snprintf(outs, sizeof(outs), outputs_fmt, d, d);
	}
	snprintf(yaml, sizeof(yaml),
		 "json_output: true\n"
		 "stdout_output:\n  enabled: false\n"
		 "syslog_output:\n  enabled: false\n"
		 "%s"
		 "emitter:\n  intake: %s\n"
		 "  retry_min_ms: 20\n  retry_max_ms: 100\n"
		 "  stats_file: %s/stats.json\n  stats_interval_ms: 100\n"
		 "  spool:\n    dir: %s/spool\n    fsync: never\n",
		 outs, e->intake, e->dir, e->dir);
	h_write_file(e->cfg, yaml);
	e->emitter = h_emitter_start(e->cfg, e->dir);
}

static void env_down(struct env *e)
{
	int st = h_emitter_stop(e->emitter, SIGTERM);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	if (!getenv("LNR_KEEP_TMP"))
		h_rmrf(e->dir);
}

static void send_alerts(struct env *e, unsigned from, unsigned to, unsigned nrules)
{
	struct alert_tx_opts o = {.max_batch = 32, .resend_ms = 200, .ack_timeout_ms = 20000};
	struct alert_tx *tx = alert_tx_open(e->intake, &o);

	assert_non_null(tx);
	for (unsigned i = from; i < to; i++) {
		struct alert *a = h_alert(i, nrules);
		assert_int_equal(alert_tx_add(tx, a), 0);
		alert_free(a);
	}
	assert_int_equal(alert_tx_flush(tx), 0);
	alert_tx_close(tx);
}

static unsigned count_lines(const char *path)
{
	char *t = h_read_file(path, NULL);
	unsigned n = 0;

	for (char *p = t; p && *p; p++)
		n += *p == '\n';
	free(t);
	return n;
}

struct lines_arg {
	const char *path;
	unsigned want;
};

static bool lines_reached(void *p)
{
	struct lines_arg *l = p;

	return count_lines(l->path) >= l->want;
}

static void wait_lines(const char *path, unsigned want)
{
	struct lines_arg l = {path, want};

	if (!h_wait(lines_reached, &l, 10000))
		fail_msg("%s has %u lines, want %u", path, count_lines(path), want);
}

/* Every line is one JSON alert; returns their seq fields in order. */
static unsigned json_seqs(const char *path, unsigned *out, unsigned max)
{
	char *t = h_read_file(path, NULL);
	unsigned n = 0;

	assert_non_null(t);
	for (char *line = strtok(t, "\n"); line && n < max; line = strtok(NULL, "\n")) {
		json_error_t err;
		json_t *j = json_loads(line, 0, &err);
		if (!j)
			fail_msg("not JSON: %.200s", line);
		out[n++] = (unsigned)json_integer_value(
			json_object_get(json_object_get(j, "output_fields"), "seq"));
		json_decref(j);
	}
	free(t);
	return n;
}

/* file_output: append, keep_alive; SIGUSR1 reopens by name (log rotation). */
static void test_file_rotation(void **state)
{
	struct env e;
	char path[400], rotated[420];
	unsigned s[200];

	env_up(&e, "file",
	       "file_output:\n  enabled: true\n  keep_alive: true\n"
	       "  filename: %s/events.txt\n",
	       1);
	snprintf(path, sizeof(path), "%s/events.txt", e.dir);
	snprintf(rotated, sizeof(rotated), "%s/events.txt.1", e.dir);
	send_alerts(&e, 0, 100, 3);
	wait_lines(path, 100);
	assert_int_equal(rename(path, rotated), 0);
	kill(e.emitter, SIGUSR1);
	h_msleep(400);
	send_alerts(&e, 100, 200, 3);
	wait_lines(path, 100);
	h_msleep(200);
	assert_int_equal(count_lines(rotated), 100);
	assert_int_equal(json_seqs(rotated, s, 200), 100);
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(s[i], i);
	assert_int_equal(json_seqs(path, s, 200), 100);
	for (unsigned i = 0; i < 100; i++)
		assert_int_equal(s[i], 100 + i);
	env_down(&e);
}

/* program_output: the alert on the program's stdin; a program per alert without keep_alive;
 * with keep_alive a program that exits is started again and delivery goes on. */
static void test_program_output(void **state)
{
	struct env e;
	char path[400];
	unsigned s[100];

	env_up(&e, "prog",
	       "program_output:\n  enabled: true\n  keep_alive: false\n"
	       "  program: \"cat >> %s/prog.txt\"\n",
	       1);
	snprintf(path, sizeof(path), "%s/prog.txt", e.dir);
	send_alerts(&e, 0, 20, 3);
	wait_lines(path, 20);
	assert_int_equal(json_seqs(path, s, 100), 20);
	for (unsigned i = 0; i < 20; i++)
		assert_int_equal(s[i], i);
	env_down(&e);

	/* keep_alive with a program that reads one line and exits */
	env_up(&e, "prog2",
	       "program_output:\n  enabled: true\n  keep_alive: true\n"
	       "  program: \"read l; echo \\\"$$ $l\\\" >> %s/prog.txt\"\n",
	       1);
	snprintf(path, sizeof(path), "%s/prog.txt", e.dir);
	for (unsigned i = 0; i < 10; i++) {
		send_alerts(&e, i, i + 1, 3);
		h_msleep(150); /* let the program exit before the next alert */
	}
	wait_lines(path, 8);
	char *t = h_read_file(path, NULL);
	/* each line comes from a new process, and the last alert got through */
	assert_non_null(strstr(t, "\"seq\":9}"));
	char *first_nl = strchr(t, '\n');
	assert_non_null(first_nl);
	long pid1 = strtol(t, NULL, 10), pid2 = strtol(first_nl + 1, NULL, 10);
	assert_true(pid1 > 0 && pid2 > 0 && pid1 != pid2);
	free(t);
	env_down(&e);
}

/* syslog_output: RFC 3164 datagrams to the configured socket, Falco priority = severity. */
static void test_syslog_output(void **state)
{
	struct env e;
	char sock[400];
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	char tmpd[256];

	h_tmpdir(tmpd, sizeof(tmpd), "syslogsock");
	snprintf(sock, sizeof(sock), "%s/log.sock", tmpd);
	int fd = socket(AF_UNIX, SOCK_DGRAM, 0);
	strcpy(sa.sun_path, sock);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	char outs[600];
	snprintf(outs, sizeof(outs), "syslog_output:\n  enabled: true\n  socket: %s\n", sock);
	/* env_up's own syslog_output: false comes first; a later key wins in our reader? no:
	 * give the full section through the override-free path instead */
	env_up(&e, "syslog", outs, 0);
	h_emitter_stop(e.emitter, SIGTERM);
	char *cfg = h_read_file(e.cfg, NULL);
	char *p = strstr(cfg, "syslog_output:\n  enabled: false\n");
	assert_non_null(p);
	memmove(p, p + strlen("syslog_output:\n  enabled: false\n"),
		strlen(p + strlen("syslog_output:\n  enabled: false\n")) + 1);
	h_write_file(e.cfg, cfg);
	free(cfg);
	e.emitter = h_emitter_start(e.cfg, e.dir);
	send_alerts(&e, 0, 16, 3);
	struct timeval tv = {.tv_sec = 5};
	setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
	for (unsigned i = 0; i < 16; i++) {
		char buf[8192];
		ssize_t n = recv(fd, buf, sizeof(buf) - 1, 0);
		assert_true(n > 0);
		buf[n] = '\0';
		char want[16];
		snprintf(want, sizeof(want), "<%u>", 8 + i % 8); /* LOG_USER | severity */
		if (strncmp(buf, want, strlen(want)))
			fail_msg("datagram %u starts %.10s, want %s", i, buf, want);
		assert_non_null(strstr(buf, " lanner["));
		char *json = strstr(buf, "]: {");
		assert_non_null(json);
		json_error_t err;
		json_t *j = json_loads(json + 3, 0, &err);
		assert_non_null(j);
		assert_int_equal(json_integer_value(json_object_get(
					 json_object_get(j, "output_fields"), "seq")),
				 i);
		json_decref(j);
	}
	close(fd);
	env_down(&e);
	h_rmrf(tmpd);
	/* the mapping itself */
	for (int pr = 0; pr < 8; pr++)
		assert_int_equal(outl_syslog_severity((enum alert_priority)pr), pr);
}

/* stdout, text format: Falco's "<time>: <Priority> <output>" line. */
static void test_stdout_text(void **state)
{
	struct env e;
	char path[400];

	env_up(&e, "stdout", "", 0);
	h_emitter_stop(e.emitter, SIGTERM);
	char *cfg = h_read_file(e.cfg, NULL);
	char *p = strstr(cfg, "json_output: true\nstdout_output:\n  enabled: false\n");
	assert_non_null(p);
	const char *text = "json_output: false\nstdout_output:\n  enabled: true\n";
	char *fixed = malloc(strlen(cfg) + 8);
	sprintf(fixed, "%.*s%s%s", (int)(p - cfg), cfg, text,
		p + strlen("json_output: true\nstdout_output:\n  enabled: false\n"));
	h_write_file(e.cfg, fixed);
	free(fixed);
	free(cfg);
	e.emitter = h_emitter_start(e.cfg, e.dir);
	snprintf(path, sizeof(path), "%s/emitter.stdout", e.dir);
	send_alerts(&e, 0, 3, 3);
	wait_lines(path, 3);
	char *t = h_read_file(path, NULL);
	assert_string_equal(t, "12:29:06.000000000: Emergency Test alert 0 | seq=0\n"
			       "12:29:06.000001000: Alert Test alert 1 | seq=1\n"
			       "12:29:06.000002000: Critical Test alert 2 | seq=2\n");
	free(t);
	env_down(&e);
}

/* Invalid UTF-8, control characters, quotes and 1 MiB values: every line is valid JSON. */
static void test_hostile_alerts_file(void **state)
{
	struct env e;
	char path[400];
	size_t big = 1u << 20;
	char *v = malloc(big + 1);

	for (size_t i = 0; i < big; i++)
		v[i] = (char)(1 + (i * 131) % 255);
	v[big] = '\0';
	env_up(&e, "hostile", "file_output:\n  enabled: true\n  filename: %s/events.txt\n", 1);
	snprintf(path, sizeof(path), "%s/events.txt", e.dir);
	struct alert_tx_opts o = {.ack_timeout_ms = 20000};
	struct alert_tx *tx = alert_tx_open(e.intake, &o);
	for (int i = 0; i < 3; i++) {
		struct alert *a = h_alert((unsigned)i, 1);
		alert_set_output(a,
				 i == 0 ? "quote\" back\\ nl\n tab\t bell\a bad\xc3\x28 \xff" : v);
		alert_add_string(a, "big", i == 2 ? v : "\x01\x02\"\\");
		alert_add_tag(a, "\xfe\xfe");
		assert_int_equal(alert_tx_add(tx, a), 0);
		alert_free(a);
	}
	assert_int_equal(alert_tx_flush(tx), 0);
	alert_tx_close(tx);
	wait_lines(path, 3);
	unsigned s[3];
	assert_int_equal(json_seqs(path, s, 3), 3);
	char *t = h_read_file(path, NULL);
	json_error_t err;
	json_t *j = json_loadb(t, (size_t)(strchr(t, '\n') - t), 0, &err);
	assert_non_null(j);
	const char *out = json_string_value(json_object_get(j, "output"));
	assert_non_null(
		strstr(out, "quote\" back\\ nl\n tab\t bell\a bad\xef\xbf\xbd( \xef\xbf\xbd"));
	json_decref(j);
	free(t);
	free(v);
	env_down(&e);
}

/* Token buckets: per rule burst 5 at 1/s; what is suppressed is counted and summarised. */
static void test_rate_limit(void **state)
{
	struct env e;
	char path[400], stats[400];

	env_up(&e, "ratelimit", "file_output:\n  enabled: true\n  filename: %s/events.txt\n", 1);
	h_emitter_stop(e.emitter, SIGTERM);
	char *cfg = h_read_file(e.cfg, NULL);
	char *yaml = malloc(strlen(cfg) + 400);
	char *p = strstr(cfg, "emitter:\n");
	*p = '\0';
	sprintf(yaml,
		"%semitter:\n  rate_limit:\n    enabled: true\n    rule_rate: 1\n"
		"    rule_burst: 5\n    summary_interval_s: 1\n%s",
		cfg, p + strlen("emitter:\n"));
	h_write_file(e.cfg, yaml);
	free(yaml);
	free(cfg);
	e.emitter = h_emitter_start(e.cfg, e.dir);
	h_msleep(1200); /* one summary interval passes before the burst */
	snprintf(path, sizeof(path), "%s/events.txt", e.dir);
	send_alerts(&e, 0, 50, 1); /* all "rule-0" */
	h_msleep(2500);		   /* the summary comes at the next interval */
	char *t = h_read_file(path, NULL);
	assert_non_null(t);
	unsigned passed = 0, summarised = 0;
	for (char *line = strtok(t, "\n"); line; line = strtok(NULL, "\n")) {
		json_error_t err;
		json_t *j = json_loads(line, 0, &err);
		assert_non_null(j);
		const char *rule = json_string_value(json_object_get(j, "rule"));
		if (!strcmp(rule, "rule-0")) {
			passed++;
		} else {
			assert_string_equal(rule, "Lanner internal: alerts rate limited");
			assert_string_equal(json_string_value(json_object_get(j, "source")),
					    "internal");
			json_t *f = json_object_get(j, "output_fields");
			summarised += (unsigned)json_integer_value(
				json_object_get(f, "lanner.suppressed.total"));
			assert_int_equal(
				json_integer_value(json_object_get(f, "lanner.suppressed.total")),
				json_integer_value(
					json_object_get(f, "lanner.suppressed.rule.rule-0")));
		}
		json_decref(j);
	}
	free(t);
	assert_true(passed >= 5 && passed <= 7);
	assert_int_equal(passed + summarised, 50);
	snprintf(stats, sizeof(stats), "%s/stats.json", e.dir);
	t = h_read_file(stats, NULL);
	json_error_t err;
	json_t *j = json_loads(t, 0, &err);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(j, "intake"), "suppressed")),
		summarised);
	json_decref(j);
	free(t);
	env_down(&e);
}

/* The spool's size cap: a dead output loses its oldest alerts, counted exactly, and an internal
 * alert reports it through the outputs that work. */
static void test_spool_overflow_reported(void **state)
{
	struct env e;
	char ok[400], stats[400];
	const unsigned n = 3000;

	env_up(&e, "overflow",
	       "file_output:\n  enabled: true\n  filename: %s/no/such/dir/events.txt\n"
	       "program_output:\n  enabled: true\n  keep_alive: true\n"
	       "  program: \"cat >> %s/ok.txt\"\n",
	       2);
	h_emitter_stop(e.emitter, SIGTERM);
	char *cfg = h_read_file(e.cfg, NULL);
	char *yaml = malloc(strlen(cfg) + 200);
	char *p = strstr(cfg, "    fsync: never\n");
	assert_non_null(p);
	p += strlen("    fsync: never\n");
	sprintf(yaml, "%.*s    max_bytes: 131072\n    segment_bytes: 16384\n%s", (int)(p - cfg),
		cfg, p);
	h_write_file(e.cfg, yaml);
	free(yaml);
	free(cfg);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/spool'", e.dir);
	assert_int_equal(system(cmd), 0);
	e.emitter = h_emitter_start(e.cfg, e.dir);
	/* paced so the working output keeps well inside the cap; the dead one cannot */
	for (unsigned i = 0; i < n; i += 100) {
		send_alerts(&e, i, i + 100, 3);
		h_msleep(30);
	}
	snprintf(ok, sizeof(ok), "%s/ok.txt", e.dir);
	snprintf(stats, sizeof(stats), "%s/stats.json", e.dir);
	unsigned long long reported = 0, seen = 0;
	for (int tries = 0; tries < 150 && (seen < n || !reported); tries++) {
		h_msleep(50);
		char *t = h_read_file(ok, NULL);
		reported = seen = 0;
		for (char *line = t ? strtok(t, "\n") : NULL; line; line = strtok(NULL, "\n")) {
			json_error_t err;
			json_t *j = json_loads(line, 0, &err);
			assert_non_null(j);
			const char *rule = json_string_value(json_object_get(j, "rule"));
			if (!strcmp(rule, "Lanner internal: spool overflow"))
				reported += (unsigned long long)json_integer_value(
					json_object_get(json_object_get(j, "output_fields"),
							"lanner.spool.dropped.file"));
			else
				seen++;
			json_decref(j);
		}
		free(t);
	}
	assert_int_equal(seen, n);
	assert_true(reported > 0);
	h_msleep(300);
	char *t = h_read_file(stats, NULL);
	json_error_t err;
	json_t *j = json_loads(t, 0, &err);
	json_t *fo = json_object_get(json_object_get(j, "outputs"), "file");
	json_int_t dropped = json_integer_value(json_object_get(fo, "dropped"));
	json_int_t backlog = json_integer_value(json_object_get(fo, "backlog"));
	json_int_t sent = json_integer_value(json_object_get(fo, "sent"));
	assert_int_equal(sent, 0);
	assert_true((unsigned long long)dropped >= reported);
	json_t *po = json_object_get(json_object_get(j, "outputs"), "program");
	assert_int_equal(json_integer_value(json_object_get(po, "dropped")), 0);
	/* every alert journaled is either still waiting or counted as dropped */
	json_int_t journaled =
		json_integer_value(json_object_get(json_object_get(j, "intake"), "accepted"));
	assert_true(dropped + backlog >= journaled);
	json_decref(j);
	free(t);
	env_down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_file_rotation),
		cmocka_unit_test(test_program_output),
		cmocka_unit_test(test_syslog_output),
		cmocka_unit_test(test_stdout_text),
		cmocka_unit_test(test_hostile_alerts_file),
		cmocka_unit_test(test_rate_limit),
		cmocka_unit_test(test_spool_overflow_reported),
	};
	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
