/* test_sv_metrics.c: lanner/sv_metrics.c (Prometheus text, snapshot) and lanner/sv_stats.c (the STATS poller). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include <cmocka.h>

#include "stage_ctl.h"
#include "sv_metrics.h"
#include "sv_stats.h"

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static void test_interval(void **state)
{
	uint64_t ms;

	(void)state;
	assert_int_equal(sv_metrics_parse_interval("1h", &ms), 0);
	assert_int_equal(ms, 3600000);
	assert_int_equal(sv_metrics_parse_interval("15m", &ms), 0);
	assert_int_equal(ms, 900000);
	assert_int_equal(sv_metrics_parse_interval("500ms", &ms), 0);
	assert_int_equal(ms, 500);
	assert_int_equal(sv_metrics_parse_interval("1h30m", &ms), 0);
	assert_int_equal(ms, 5400000);
	assert_int_equal(sv_metrics_parse_interval("2d", &ms), 0);
	assert_int_equal(ms, 2 * 86400000ull);
	assert_int_equal(sv_metrics_parse_interval("", &ms), -EINVAL);
	assert_int_equal(sv_metrics_parse_interval("10", &ms), -EINVAL);
	assert_int_equal(sv_metrics_parse_interval("1x", &ms), -EINVAL);
	assert_int_equal(sv_metrics_parse_interval("h", &ms), -EINVAL);
	assert_int_equal(sv_metrics_parse_interval("-1s", &ms), -EINVAL);
	assert_int_equal(sv_metrics_parse_interval("99999999999999999999y", &ms), -EINVAL);
}

static void test_sanitize(void **state)
{
	char out[64];

	(void)state;
	sv_metrics_sanitize("Read sensitive file (untrusted)", out, sizeof(out));
	assert_string_equal(out, "Read_sensitive_file__untrusted_");
	sv_metrics_sanitize("abcdef", out, 4);
	assert_string_equal(out, "abc");
}

/* A pipeline's worth of STATS replies, as the stages send them. */
static json_t *reply(const char *stage, const char *stats_json)
{
	json_error_t e;
	json_t *st = json_loads(stats_json, 0, &e);

	assert_non_null(st);
	return json_pack("{s:s, s:i, s:I, s:o}", "stage", stage, "pid", 100, "start_time_ns",
			 (json_int_t)1700000000000000000ll, "stats", st);
}

struct fixture {
	json_t *r[5];
	struct sv_metrics_stage st[5];
};

static void make(struct fixture *f)
{
	f->r[0] = reply("collector",
			"{\"events\": 1000, \"drops\": 7, \"drops_by_cause\": {\"buffer_full\": 5, "
			"\"no_ring\": 0, \"no_scratch\": 2, \"too_big\": 0}, \"drops_by_cpu\": [7, "
			"0], \"delivered\": 993}");
	f->r[1] = reply("enricher", "{\"events_in\": 993, \"forwarded\": 40, \"state\": "
				    "{\"threads\": 12, \"processes\": 4, \"thread_misses\": 3}}");
	f->r[2] =
		reply("evaluator.0",
		      "{\"events\": 25, \"matches\": 3, \"rules\": [{\"rule\": \"Say \\\"hi\\\"\", "
		      "\"priority\": \"Warning\", \"priority_num\": 4, \"source\": \"syscall\", "
		      "\"tags\": [\"a.b\", \"T1\"], \"matches\": 3}]}");
	f->r[3] =
		reply("evaluator.1",
		      "{\"events\": 15, \"matches\": 2, \"rules\": [{\"rule\": \"Say \\\"hi\\\"\", "
		      "\"priority\": \"Warning\", \"priority_num\": 4, \"source\": \"syscall\", "
		      "\"tags\": [\"a.b\", \"T1\"], \"matches\": 2}]}");
	f->r[4] = reply("emitter", "{\"intake\": {\"received\": 5, \"accepted\": 5}, \"outputs\": "
				   "{\"stdout\": {\"sent\": 5, \"dropped\": 0, \"backlog\": 0}, "
				   "\"http\": {\"sent\": 1, \"failed\": 9, \"spooled\": 4, "
				   "\"dropped\": 2, \"backlog\": 2}}}");
	const char *names[] = {"collector", "enricher", "evaluator.0", "evaluator.1", "emitter"};
	const char *kinds[] = {"collector", "enricher", "evaluator", "evaluator", "emitter"};
	for (int i = 0; i < 5; i++)
		f->st[i] = (struct sv_metrics_stage){.name = names[i],
						     .kind = kinds[i],
						     .reply = f->r[i],
						     .answering = i != 3,
						     .failures = i == 3 ? 2 : 0,
						     .running = true,
						     .cpu_ratio = 0.25,
						     .rss = 2u << 20,
						     .vsz = 8u << 20};
}

static void unmake(struct fixture *f)
{
	for (int i = 0; i < 5; i++)
		json_decref(f->r[i]);
}

static int count(const char *hay, const char *needle)
{
	int n = 0;

	for (const char *p = hay; (p = strstr(p, needle)); p++)
		n++;
	return n;
}

static char *render(struct fixture *f, const struct sv_metrics_opts *o)
{
	char *text = NULL;
	size_t len = 0;
	FILE *m = open_memstream(&text, &len);

	assert_non_null(m);
	sv_metrics_prometheus(m, f->st, 5, o);
	fclose(m);
	return text;
}

static void test_prometheus(void **state)
{
	struct sv_metrics_opts o = {.rules_counters = true,
				    .state_counters = true,
				    .kernel_event_counters = true,
				    .kernel_event_counters_per_cpu = true};
	struct fixture f;
	char *t;

	(void)state;
	make(&f);
	t = render(&f, &o);
	assert_non_null(strstr(t, "\nfalcosecurity_scap_n_evts_total 1000\n"));
	assert_non_null(strstr(t, "\nfalcosecurity_scap_n_drops_total 7\n"));
	assert_non_null(strstr(t, "\nfalcosecurity_scap_n_drops_buffer_total 5\n"));
	assert_non_null(strstr(t, "\nfalcosecurity_scap_n_drops_scratch_map_total 2\n"));
	assert_non_null(strstr(t, "\nlanner_collector_drops_total{cause=\"no_scratch\"} 2\n"));
	assert_non_null(strstr(t, "\nfalcosecurity_scap_n_drops_cpu_total{cpu=\"0\"} 7\n"));
	assert_null(strstr(t, "n_drops_cpu_total{cpu=\"1\"}")); /* zero: include_empty_values off */
	assert_non_null(strstr(t, "\nfalcosecurity_scap_n_threads_total 12\n"));
	/* summed over the evaluators, Falco's labels, the quote escaped, tags sanitised */
	assert_non_null(strstr(t,
			       "\nfalcosecurity_falco_rules_matches_total{priority=\"4\","
			       "rule_name=\"Say \\\"hi\\\"\",source=\"syscall\",tag_a_b=\"true\","
			       "tag_T1=\"true\"} 5\n"));
	assert_non_null(strstr(t, "\nlanner_evaluator_events_total{stage=\"evaluator.1\"} 15\n"));
	assert_non_null(strstr(t, "\nfalcosecurity_falco_outputs_queue_num_drops_total 2\n"));
	assert_non_null(strstr(t, "\nlanner_output_queue_length{output=\"http\"} 2\n"));
	assert_non_null(strstr(t, "\nlanner_output_failed_total{output=\"http\"} 9\n"));
	assert_non_null(strstr(t, "\nlanner_stage_stats_up{stage=\"evaluator.1\"} 0\n"));
	assert_non_null(
		strstr(t, "\nlanner_stage_stats_failures_total{stage=\"evaluator.1\"} 2\n"));
	/* every series has its TYPE line once */
	assert_non_null(strstr(t, "# TYPE falcosecurity_falco_rules_matches_total counter\n"));
	assert_int_equal(count(t, "# TYPE lanner_output_sent_total "), 1);
	assert_int_equal(count(t, "# TYPE lanner_evaluator_events_total "), 1);
	free(t);
	/* the category switches */
	o.rules_counters = o.kernel_event_counters = o.state_counters = false;
	t = render(&f, &o);
	assert_null(strstr(t, "falcosecurity_falco_rules_matches_total{"));
	assert_null(strstr(t, "falcosecurity_scap_n_evts_total"));
	assert_null(strstr(t, "falcosecurity_scap_n_threads_total"));
	assert_non_null(strstr(t, "lanner_evaluator_events_total")); /* Lanner's own stay */
	free(t);
	/* a stage that never answered: no figures of it, no crash */
	f.st[0].reply = NULL;
	f.st[4].reply = NULL;
	o.kernel_event_counters = true;
	t = render(&f, &o);
	assert_null(strstr(t, "falcosecurity_scap_n_evts_total"));
	assert_null(strstr(t, "lanner_output_sent_total"));
	free(t);
	unmake(&f);
}

/* The enricher's Falco-named table figures (n_*), when it reports them. */
static void test_state_counters_falco_names(void **state)
{
	struct sv_metrics_opts o = {.state_counters = true};
	struct sv_metrics_prev prev = {0};
	struct fixture f;
	json_t *st, *snap;
	char *t;

	(void)state;
	make(&f);
	st = json_object_get(json_object_get(f.r[1], "stats"), "state");
	json_object_set_new(st, "n_threads", json_integer(77));
	json_object_set_new(st, "n_added_threads", json_integer(9));
	json_object_set_new(st, "n_failed_fd_lookups", json_integer(4));
	json_object_set_new(st, "n_fds", json_integer(300));
	json_object_set_new(st, "n_dns_names", json_integer(2));
	json_object_set_new(st, "n_failed_dns_resolutions", json_integer(3));
	t = render(&f, &o);
	/* the enricher's DNS figures: names a gauge, resolutions counters */
	assert_non_null(strstr(t, "# TYPE falcosecurity_scap_n_dns_names_total gauge\n"
				  "falcosecurity_scap_n_dns_names_total 2\n"));
	assert_non_null(strstr(t,
			       "# TYPE falcosecurity_scap_n_failed_dns_resolutions_total counter\n"
			       "falcosecurity_scap_n_failed_dns_resolutions_total 3\n"));
	assert_non_null(strstr(t, "# TYPE falcosecurity_scap_n_threads_total gauge\n"
				  "falcosecurity_scap_n_threads_total 77\n"));
	assert_non_null(strstr(t, "# TYPE falcosecurity_scap_n_added_threads_total counter\n"
				  "falcosecurity_scap_n_added_threads_total 9\n"));
	assert_non_null(strstr(t, "\nfalcosecurity_scap_n_fds_total 300\n"));
	assert_int_equal(count(t, "\nfalcosecurity_scap_n_threads_total "), 1); /* not twice */
	assert_int_equal(count(t, "# TYPE falcosecurity_scap_n_failed_fd_lookups_total"), 1);
	free(t);
	snap = sv_metrics_snapshot(f.st, 5, &o, &prev, "h", "modern_bpf", 0, 1);
	assert_int_equal(json_integer_value(json_object_get(snap, "scap.n_threads")), 77);
	assert_int_equal(json_integer_value(json_object_get(snap, "scap.n_added_threads")), 9);
	json_decref(snap);
	unmake(&f);
}

static void test_snapshot(void **state)
{
	struct sv_metrics_opts o = {.rules_counters = true,
				    .state_counters = true,
				    .kernel_event_counters = true,
				    .resource_utilization = true,
				    .convert_memory_to_mb = true};
	struct sv_metrics_prev prev = {0};
	struct fixture f;
	json_t *s1, *s2;
	uint64_t t0 = 1800000000000000000ull;

	(void)state;
	make(&f);
	s1 = sv_metrics_snapshot(f.st, 5, &o, &prev, "host1", "modern_bpf", t0 - 10000000000ull,
				 t0);
	assert_non_null(s1);
	assert_string_equal(json_string_value(json_object_get(s1, "evt.hostname")), "host1");
	assert_string_equal(json_string_value(json_object_get(s1, "evt.source")), "syscall");
	assert_int_equal(json_integer_value(json_object_get(s1, "scap.n_evts")), 1000);
	assert_int_equal(json_integer_value(json_object_get(s1, "scap.n_drops")), 7);
	assert_int_equal(json_integer_value(json_object_get(s1, "falco.num_evts")), 993);
	assert_int_equal(json_integer_value(json_object_get(s1, "falco.duration_sec")), 10);
	assert_int_equal(json_integer_value(json_object_get(s1, "falco.rules.matches_total")), 5);
	assert_int_equal(json_integer_value(json_object_get(s1, "falco.rules.Say__hi_")), 5);
	assert_int_equal(json_integer_value(json_object_get(s1, "scap.n_threads")), 12);
	assert_int_equal(json_integer_value(json_object_get(s1, "falco.outputs_queue_num_drops")),
			 2);
	assert_int_equal(json_integer_value(json_object_get(s1, "lanner.outputs.http.backlog")), 2);
	/* five stages at 25% each, 2 MiB each */
	assert_true(json_real_value(json_object_get(s1, "falco.cpu_usage_perc")) > 124.9);
	assert_true(json_real_value(json_object_get(s1, "falco.memory_rss_mb")) > 9.9);
	assert_int_equal(json_integer_value(json_object_get(s1, "scap.n_evts_prev")), 0);
	/* the next one: *_prev and rates from the first */
	json_object_set_new(json_object_get(f.r[0], "stats"), "events", json_integer(3000));
	s2 = sv_metrics_snapshot(f.st, 5, &o, &prev, "host1", "modern_bpf", t0 - 10000000000ull,
				 t0 + 2000000000ull);
	assert_int_equal(json_integer_value(json_object_get(s2, "scap.n_evts_prev")), 1000);
	assert_true(json_real_value(json_object_get(s2, "scap.evts_rate_sec")) > 999.0 &&
		    json_real_value(json_object_get(s2, "scap.evts_rate_sec")) < 1001.0);
	json_decref(s1);
	json_decref(s2);
	/* memory in kB when not converted */
	o.convert_memory_to_mb = false;
	s1 = sv_metrics_snapshot(f.st, 5, &o, &prev, "h", "savefile", t0, t0);
	assert_int_equal(json_integer_value(json_object_get(s1, "falco.memory_rss_kb")), 10240);
	json_decref(s1);
	unmake(&f);
}

/* ---- the poller against real control sockets */

static atomic_int slow_ms;

static int fill(void *ctx, json_t *out)
{
	(void)ctx;
	if (atomic_load(&slow_ms))
		usleep((useconds_t)atomic_load(&slow_ms) * 1000);
	json_object_set_new(out, "events", json_integer(42));
	return 0;
}

static void test_poller(void **state)
{
	char dir[] = "/tmp/lanner-svs-XXXXXX", cmd[64];
	struct stage_ctl *a, *b;
	struct sv_stats *ss;
	struct sv_stats_slot sl;
	int64_t t0;

	(void)state;
	assert_non_null(mkdtemp(dir));
	a = stage_ctl_start(dir, "enricher", fill, NULL);
	b = stage_ctl_start(dir, "emitter", fill, NULL);
	assert_non_null(a);
	assert_non_null(b);
	ss = sv_stats_start(dir, 3, 100, 200);
	assert_non_null(ss);
	sv_stats_set(ss, 0, "enricher", getpid());
	sv_stats_set(ss, 1, "emitter", getpid());
	sv_stats_set(ss, 2, "evaluator.0", getpid()); /* nobody listens */
	t0 = now_ms();
	do {
		sv_stats_get(ss, 1, &sl);
		json_decref(sl.reply);
		usleep(10000);
	} while (!sl.answering && now_ms() - t0 < 5000);
	sv_stats_get(ss, 0, &sl);
	assert_true(sl.answering);
	assert_int_equal(
		json_integer_value(json_object_get(json_object_get(sl.reply, "stats"), "events")),
		42);
	json_decref(sl.reply);
	t0 = now_ms();
	do {
		sv_stats_get(ss, 2, &sl);
		usleep(10000);
	} while (sl.failures == 0 && now_ms() - t0 < 5000);
	assert_false(sl.answering);
	assert_null(sl.reply);
	assert_true(sl.failures > 0);

	/* a stage that hangs: reported, and the caller's side never waits for it */
	atomic_store(&slow_ms, 1500);
	t0 = now_ms();
	do {
		int64_t c0 = now_ms();

		sv_stats_get(ss, 0, &sl);
		json_decref(sl.reply);
		sv_stats_set(ss, 0, "enricher", getpid());
		assert_true(now_ms() - c0 < 100);
		usleep(20000);
	} while (sl.answering && now_ms() - t0 < 6000);
	assert_false(sl.answering);
	sv_stats_get(ss, 0, &sl); /* the last good figures stay */
	assert_non_null(sl.reply);
	json_decref(sl.reply);
	atomic_store(&slow_ms, 0);
	t0 = now_ms();
	sv_stats_stop(ss); /* bounded by one request's timeouts */
	assert_true(now_ms() - t0 < 3000);
	stage_ctl_stop(a);
	stage_ctl_stop(b);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	assert_int_equal(system(cmd), 0);
	sv_stats_stop(NULL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_interval),
		cmocka_unit_test(test_sanitize),
		cmocka_unit_test(test_prometheus),
		cmocka_unit_test(test_state_counters_falco_names),
		cmocka_unit_test(test_snapshot),
		cmocka_unit_test(test_poller),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
