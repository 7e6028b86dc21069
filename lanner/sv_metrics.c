/* sv_metrics.c: Prometheus text and Falco's metrics snapshot from the stages' STATS replies. */
#include "sv_metrics.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <sys/utsname.h>
#include <unistd.h>

#include "version.h"

/* ------------------------------------------------------------ reading replies */

static const json_t *stats_of(const struct sv_metrics_stage *s)
{
	return s->reply ? json_object_get(s->reply, "stats") : NULL;
}

/* A counter at a dotted path of o ("drops_by_cause.buffer_full"); 0 when absent. */
static uint64_t jnum(const json_t *o, const char *path)
{
	char key[64];
	const char *dot;

	while (o && (dot = strchr(path, '.'))) {
		size_t len = (size_t)(dot - path);

		if (len >= sizeof(key))
			return 0;
		memcpy(key, path, len);
		key[len] = '\0';
		o = json_object_get(o, key);
		path = dot + 1;
	}
	o = o ? json_object_get(o, path) : NULL;
	if (json_is_integer(o) && json_integer_value(o) > 0)
		return (uint64_t)json_integer_value(o);
	if (json_is_true(o))
		return 1;
	return 0;
}

static bool is_kind(const struct sv_metrics_stage *s, const char *kind)
{
	return s->kind && strcmp(s->kind, kind) == 0;
}

/* The source stage (collector or replay), or NULL. */
static const struct sv_metrics_stage *source_of(const struct sv_metrics_stage *st, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (is_kind(&st[i], "collector") || is_kind(&st[i], "replay"))
			return &st[i];
	return NULL;
}

static uint64_t sum_kind(const struct sv_metrics_stage *st, size_t n, const char *kind,
			 const char *path)
{
	uint64_t v = 0;

	for (size_t i = 0; i < n; i++)
		if (is_kind(&st[i], kind))
			v += jnum(stats_of(&st[i]), path);
	return v;
}

void sv_metrics_totals(const struct sv_metrics_stage *st, size_t n, struct sv_metrics_totals *t)
{
	const struct sv_metrics_stage *src = source_of(st, n);
	const json_t *em;

	memset(t, 0, sizeof(*t));
	if (src) {
		t->n_evts = jnum(stats_of(src), "events");
		t->n_drops = jnum(stats_of(src), "drops");
	}
	t->num_evts = sum_kind(st, n, "enricher", "events_in");
	t->rule_matches = sum_kind(st, n, "evaluator", "matches");
	for (size_t i = 0; i < n; i++) {
		const char *name;
		json_t *o;

		if (!is_kind(&st[i], "emitter"))
			continue;
		em = json_object_get(stats_of(&st[i]), "outputs");
		json_object_foreach((json_t *)em, name, o) t->output_drops += jnum(o, "dropped");
	}
}

/*
 * The rules that matched, summed over the evaluators: an object keyed by
 * rule name of {priority_num, source, tags, matches} (the first evaluator's
 * labels; every evaluator runs the same ruleset).
 */
static json_t *rule_totals(const struct sv_metrics_stage *st, size_t n)
{
	json_t *all = json_object();

	for (size_t i = 0; all && i < n; i++) {
		const json_t *rules = json_object_get(stats_of(&st[i]), "rules");
		size_t k;
		json_t *r;

		if (!is_kind(&st[i], "evaluator") || !json_is_array(rules))
			continue;
		json_array_foreach((json_t *)rules, k, r)
		{
			const char *name = json_string_value(json_object_get(r, "rule"));
			json_t *have;

			if (!name)
				continue;
			have = json_object_get(all, name);
			if (!have) {
				have = json_deep_copy(r);
				if (!have)
					continue;
				json_object_set_new(all, name, have);
			} else {
				json_object_set_new(
					have, "matches",
					json_integer((json_int_t)(jnum(have, "matches") +
								  jnum(r, "matches"))));
			}
		}
	}
	return all;
}

/* ------------------------------------------------------------ Prometheus text */

static void head(FILE *f, const char *name, const char *type, const char *help)
{
	fprintf(f, "# HELP %s %s\n# TYPE %s %s\n", name, help, name, type);
}

/* A label value, escaped as the text format wants (backslash, quote, newline). */
static void lval(FILE *f, const char *v)
{
	for (; v && *v; v++) {
		if (*v == '\\' || *v == '"')
			fprintf(f, "\\%c", *v);
		else if (*v == '\n')
			fputs("\\n", f);
		else
			fputc(*v, f);
	}
}

/* A label name from free text: [a-zA-Z0-9_], other bytes as '_'. */
static void lname(FILE *f, const char *v)
{
	for (; v && *v; v++)
		fputc(isalnum((unsigned char)*v) ? *v : '_', f);
}

static void stage_counter(FILE *f, const char *metric, const struct sv_metrics_stage *s,
			  const char *path)
{
	fprintf(f, "%s{stage=\"", metric);
	lval(f, s->name);
	fprintf(f, "\"} %" PRIu64 "\n", jnum(stats_of(s), path));
}

static void prom_source(FILE *f, const struct sv_metrics_stage *src,
			const struct sv_metrics_opts *o)
{
	static const char *const causes[] = {"buffer_full", "no_ring", "no_scratch", "too_big"};
	const json_t *s = stats_of(src);
	const json_t *cpus;
	char path[64];

	if (!o->kernel_event_counters)
		return;
	head(f, "falcosecurity_scap_n_evts_total", "counter",
	     "Events the source delivered: syscall events the kernel side saw (collector) or "
	     "event records read from the capture (replay).");
	fprintf(f, "falcosecurity_scap_n_evts_total %" PRIu64 "\n", jnum(s, "events"));
	if (is_kind(src, "replay")) {
		head(f, "lanner_replay_seeds_total", "counter",
		     "Seed records (the capture's thread, fd and user lists) written by the "
		     "replay.");
		fprintf(f, "lanner_replay_seeds_total %" PRIu64 "\n", jnum(s, "seeds"));
		head(f, "lanner_replay_passes_total", "counter",
		     "Passes over the capture file completed (LANNER_REPLAY_LOOPS).");
		fprintf(f, "lanner_replay_passes_total %" PRIu64 "\n", jnum(s, "passes"));
		head(f, "lanner_replay_done", "gauge",
		     "1 once the whole capture was written to the raw ring.");
		fprintf(f, "lanner_replay_done %" PRIu64 "\n", jnum(s, "done"));
		return;
	}
	head(f, "falcosecurity_scap_n_drops_total", "counter",
	     "Events the kernel side lost, all causes (the only place Lanner loses events).");
	fprintf(f, "falcosecurity_scap_n_drops_total %" PRIu64 "\n", jnum(s, "drops"));
	head(f, "falcosecurity_scap_n_drops_buffer_total", "counter",
	     "Events lost because the BPF ring buffer was full (not split by syscall category).");
	fprintf(f, "falcosecurity_scap_n_drops_buffer_total %" PRIu64 "\n",
		jnum(s, "drops_by_cause.buffer_full"));
	head(f, "falcosecurity_scap_n_drops_scratch_map_total", "counter",
	     "Events lost for want of per-CPU scratch space.");
	fprintf(f, "falcosecurity_scap_n_drops_scratch_map_total %" PRIu64 "\n",
		jnum(s, "drops_by_cause.no_scratch"));
	head(f, "lanner_collector_drops_total", "counter", "Kernel-side drops by cause.");
	for (size_t i = 0; i < sizeof(causes) / sizeof(causes[0]); i++) {
		snprintf(path, sizeof(path), "drops_by_cause.%s", causes[i]);
		fprintf(f, "lanner_collector_drops_total{cause=\"%s\"} %" PRIu64 "\n", causes[i],
			jnum(s, path));
	}
	head(f, "lanner_collector_delivered_total", "counter",
	     "Records the collector wrote into the raw ring.");
	fprintf(f, "lanner_collector_delivered_total %" PRIu64 "\n", jnum(s, "delivered"));
	head(f, "lanner_collector_read_faults_total", "counter",
	     "User memory reads that faulted in the BPF programs (parameter left empty).");
	fprintf(f, "lanner_collector_read_faults_total %" PRIu64 "\n", jnum(s, "read_faults"));
	head(f, "lanner_collector_truncated_total", "counter",
	     "Parameters truncated to their size limit.");
	fprintf(f, "lanner_collector_truncated_total %" PRIu64 "\n", jnum(s, "truncated"));
	head(f, "lanner_collector_ignored_total", "counter",
	     "Events of ignored processes (the pipeline's own) filtered in the kernel.");
	fprintf(f, "lanner_collector_ignored_total %" PRIu64 "\n", jnum(s, "ignored"));
	cpus = json_object_get(s, "drops_by_cpu");
	if (o->kernel_event_counters_per_cpu && json_is_array(cpus)) {
		size_t k;
		json_t *v;

		head(f, "falcosecurity_scap_n_drops_cpu_total", "counter",
		     "Kernel-side drops per CPU, all causes.");
		json_array_foreach((json_t *)cpus, k, v)
		{
			if (!json_integer_value(v) && !o->include_empty_values)
				continue;
			fprintf(f,
				"falcosecurity_scap_n_drops_cpu_total{cpu=\"%zu\"} "
				"%" JSON_INTEGER_FORMAT "\n",
				k, json_integer_value(v));
		}
	}
}

/* State-table figures the enricher reports under Falco's names (n_*): sizes are gauges. */
static bool state_is_gauge(const char *key)
{
	static const char *const gauges[] = {
		"n_threads",
		"n_procs",
		"n_fds",
		"n_users",
		"n_groups",
		"n_user_roots",
		"n_containers",
		"n_missing_container_images",
		"n_pending_container_fetches",
		"n_evaluators",
		"n_live_evaluators",
		"n_pending_shard_moves",
		"n_dns_names",
	};

	for (size_t i = 0; i < sizeof(gauges) / sizeof(gauges[0]); i++)
		if (strcmp(key, gauges[i]) == 0)
			return true;
	return false;
}

/* Every n_* integer of the enricher's state object as falcosecurity_scap_n_*_total. */
static void prom_state_generic(FILE *f, const json_t *state)
{
	const char *key;
	json_t *v;

	json_object_foreach((json_t *)state, key, v)
	{
		char name[160];

		if (strncmp(key, "n_", 2) != 0 || !json_is_integer(v))
			continue;
		fputs("# TYPE ", f);
		snprintf(name, sizeof(name), "falcosecurity_scap_%s_total", key);
		lname(f, name);
		fprintf(f, " %s\n", state_is_gauge(key) ? "gauge" : "counter");
		lname(f, name);
		fprintf(f, " %" JSON_INTEGER_FORMAT "\n", json_integer_value(v));
	}
}

static void prom_enricher(FILE *f, const struct sv_metrics_stage *e,
			  const struct sv_metrics_opts *o)
{
	const json_t *s = stats_of(e);

	head(f, "lanner_enricher_events_total", "counter",
	     "Records the enricher consumed from the raw ring (seed records included).");
	fprintf(f, "lanner_enricher_events_total %" PRIu64 "\n", jnum(s, "events_in"));
	head(f, "lanner_enricher_forwarded_total", "counter",
	     "Events forwarded to the evaluators (those some loaded rule can match).");
	fprintf(f, "lanner_enricher_forwarded_total %" PRIu64 "\n", jnum(s, "forwarded"));
	head(f, "lanner_enricher_errors_total", "counter",
	     "Records the enricher could not use, by kind.");
	fprintf(f, "lanner_enricher_errors_total{kind=\"invalid\"} %" PRIu64 "\n",
		jnum(s, "invalid"));
	fprintf(f, "lanner_enricher_errors_total{kind=\"apply\"} %" PRIu64 "\n",
		jnum(s, "apply_errors"));
	fprintf(f, "lanner_enricher_errors_total{kind=\"forward\"} %" PRIu64 "\n",
		jnum(s, "forward_errors"));
	head(f, "lanner_enricher_ring_waits_total", "counter",
	     "Times the enricher waited on a full (or orphaned) evaluator ring.");
	fprintf(f, "lanner_enricher_ring_waits_total %" PRIu64 "\n", jnum(s, "ring_waits"));
	if (!o->state_counters)
		return;
	if (json_object_get(json_object_get(s, "state"), "n_threads")) {
		prom_state_generic(f, json_object_get(s, "state"));
		return;
	}
	head(f, "falcosecurity_scap_n_threads_total", "gauge",
	     "Threads in the enricher's thread table.");
	fprintf(f, "falcosecurity_scap_n_threads_total %" PRIu64 "\n", jnum(s, "state.threads"));
	head(f, "lanner_enricher_processes", "gauge",
	     "Processes (thread group leaders) in the enricher's thread table.");
	fprintf(f, "lanner_enricher_processes %" PRIu64 "\n", jnum(s, "state.processes"));
	head(f, "falcosecurity_scap_n_failed_thread_lookups_total", "counter",
	     "Events of threads the enricher did not know.");
	fprintf(f, "falcosecurity_scap_n_failed_thread_lookups_total %" PRIu64 "\n",
		jnum(s, "state.thread_misses"));
	head(f, "falcosecurity_scap_n_failed_fd_lookups_total", "counter",
	     "Events on file descriptors the enricher did not know.");
	fprintf(f, "falcosecurity_scap_n_failed_fd_lookups_total %" PRIu64 "\n",
		jnum(s, "state.fd_misses"));
}

static void prom_rules(FILE *f, const struct sv_metrics_stage *st, size_t n)
{
	json_t *all = rule_totals(st, n);
	const char *name;
	json_t *r;

	head(f, "falcosecurity_falco_rules_matches_total", "counter",
	     "Matches per rule, summed over the evaluators (rules that matched at least once).");
	json_object_foreach(all, name, r)
	{
		const json_t *tags = json_object_get(r, "tags");
		size_t k;
		json_t *t;

		fprintf(f,
			"falcosecurity_falco_rules_matches_total{priority=\"%" PRIu64
			"\",rule_name=\"",
			jnum(r, "priority_num"));
		lval(f, name);
		fputs("\",source=\"", f);
		lval(f, json_string_value(json_object_get(r, "source")));
		fputc('"', f);
		json_array_foreach((json_t *)tags, k, t)
		{
			fputs(",tag_", f);
			lname(f, json_string_value(t));
			fputs("=\"true\"", f);
		}
		fprintf(f, "} %" PRIu64 "\n", jnum(r, "matches"));
	}
	json_decref(all);
}

static void prom_evaluators(FILE *f, const struct sv_metrics_stage *st, size_t n,
			    const struct sv_metrics_opts *o)
{
	static const struct {
		const char *metric, *type, *help, *path;
	} per[] = {
		{"lanner_evaluator_events_total", "counter", "Records an evaluator evaluated.",
		 "events"},
		{"lanner_evaluator_matches_total", "counter",
		 "Rule matches (alerts produced) of an evaluator.", "matches"},
		{"lanner_evaluator_repeats_total", "counter",
		 "Records dropped as repeats of the previous one (after an enricher restart).",
		 "repeats"},
	};
	static const struct {
		const char *kind, *path;
	} errs[] = {{"bad_record", "bad_records"},
		    {"field_block_mismatch", "gen_mismatch"},
		    {"evaluation", "eval_errors"}};

	for (size_t m = 0; m < sizeof(per) / sizeof(per[0]); m++) {
		head(f, per[m].metric, per[m].type, per[m].help);
		for (size_t i = 0; i < n; i++)
			if (is_kind(&st[i], "evaluator"))
				stage_counter(f, per[m].metric, &st[i], per[m].path);
	}
	head(f, "lanner_evaluator_errors_total", "counter",
	     "Records or conditions an evaluator could not evaluate, by kind.");
	for (size_t i = 0; i < n; i++) {
		if (!is_kind(&st[i], "evaluator"))
			continue;
		for (size_t k = 0; k < sizeof(errs) / sizeof(errs[0]); k++) {
			fputs("lanner_evaluator_errors_total{stage=\"", f);
			lval(f, st[i].name);
			fprintf(f, "\",kind=\"%s\"} %" PRIu64 "\n", errs[k].kind,
				jnum(stats_of(&st[i]), errs[k].path));
		}
	}
	if (o->rules_counters)
		prom_rules(f, st, n);
}

static void prom_emitter(FILE *f, const struct sv_metrics_stage *em)
{
	static const char *const results[] = {"received", "accepted",	"duplicates", "invalid",
					      "filtered", "suppressed", "refused"};
	static const struct {
		const char *metric, *type, *help, *key;
	} outm[] = {
		{"lanner_output_sent_total", "counter", "Alerts an output delivered.", "sent"},
		{"lanner_output_failed_total", "counter",
		 "Delivery attempts of an output that failed (each retry counts).", "failed"},
		{"lanner_output_spooled_total", "counter",
		 "Alerts that waited in the spool because the output failed.", "spooled"},
		{"lanner_output_dropped_total", "counter",
		 "Alerts an output lost: spool size cap, or refused for good.", "dropped"},
		{"lanner_output_queue_length", "gauge",
		 "Alerts in the spool the output has not taken yet.", "backlog"},
	};
	const json_t *s = stats_of(em), *outs = json_object_get(s, "outputs");
	uint64_t drops = 0;
	const char *name;
	json_t *o;
	char path[64];

	json_object_foreach((json_t *)outs, name, o) drops += jnum(o, "dropped");
	head(f, "falcosecurity_falco_outputs_queue_num_drops_total", "counter",
	     "Alerts lost by the outputs (the sum of lanner_output_dropped_total).");
	fprintf(f, "falcosecurity_falco_outputs_queue_num_drops_total %" PRIu64 "\n", drops);
	head(f, "lanner_emitter_alerts_total", "counter",
	     "Alerts at the emitter's intake, by what became of them.");
	for (size_t i = 0; i < sizeof(results) / sizeof(results[0]); i++) {
		snprintf(path, sizeof(path), "intake.%s", results[i]);
		fprintf(f, "lanner_emitter_alerts_total{result=\"%s\"} %" PRIu64 "\n", results[i],
			jnum(s, path));
	}
	for (size_t m = 0; m < sizeof(outm) / sizeof(outm[0]); m++) {
		head(f, outm[m].metric, outm[m].type, outm[m].help);
		json_object_foreach((json_t *)outs, name, o)
		{
			fprintf(f, "%s{output=\"", outm[m].metric);
			lval(f, name);
			fprintf(f, "\"} %" PRIu64 "\n", jnum(o, outm[m].key));
		}
	}
	head(f, "lanner_spool_bytes", "gauge", "Bytes in the emitter's spool (journal).");
	fprintf(f, "lanner_spool_bytes %" PRIu64 "\n", jnum(s, "spool.bytes"));
}

void sv_metrics_prometheus(FILE *f, const struct sv_metrics_stage *st, size_t n,
			   const struct sv_metrics_opts *o)
{
	const struct sv_metrics_stage *src = source_of(st, n);

	head(f, "lanner_stage_stats_up", "gauge",
	     "1 when the stage answered the supervisor's last STATS request.");
	for (size_t i = 0; i < n; i++) {
		if (is_kind(&st[i], "ui"))
			continue; /* no control socket */
		fputs("lanner_stage_stats_up{stage=\"", f);
		lval(f, st[i].name);
		fprintf(f, "\"} %d\n", st[i].answering ? 1 : 0);
	}
	head(f, "lanner_stage_stats_failures_total", "counter",
	     "STATS requests to the stage not answered in time (or refused).");
	for (size_t i = 0; i < n; i++) {
		if (is_kind(&st[i], "ui"))
			continue;
		fputs("lanner_stage_stats_failures_total{stage=\"", f);
		lval(f, st[i].name);
		fprintf(f, "\"} %" PRIu64 "\n", st[i].failures);
	}
	head(f, "lanner_stage_start_timestamp_seconds", "gauge",
	     "When the stage process that last answered started (a change marks a counter "
	     "reset).");
	for (size_t i = 0; i < n; i++) {
		if (!st[i].reply)
			continue;
		fputs("lanner_stage_start_timestamp_seconds{stage=\"", f);
		lval(f, st[i].name);
		fprintf(f, "\"} %.3f\n", (double)jnum(st[i].reply, "start_time_ns") / 1e9);
	}
	if (src && src->reply)
		prom_source(f, src, o);
	for (size_t i = 0; i < n; i++)
		if (is_kind(&st[i], "enricher") && st[i].reply)
			prom_enricher(f, &st[i], o);
	prom_evaluators(f, st, n, o);
	for (size_t i = 0; i < n; i++)
		if (is_kind(&st[i], "emitter") && st[i].reply)
			prom_emitter(f, &st[i]);
}

/* ------------------------------------------------------------ snapshot */

void sv_metrics_sanitize(const char *in, char *out, size_t n)
{
	size_t k = 0;

	if (!n)
		return;
	for (; in && *in && k + 1 < n; in++)
		out[k++] = isalnum((unsigned char)*in) ? *in : '_';
	out[k] = '\0';
}

static uint64_t boot_ns(void)
{
	FILE *f = fopen("/proc/stat", "r");
	char line[256];
	unsigned long long bt = 0;

	if (!f)
		return 0;
	while (fgets(line, sizeof(line), f))
		if (sscanf(line, "btime %llu", &bt) == 1)
			break;
	fclose(f);
	return (uint64_t)bt * 1000000000ull;
}

static void set_u(json_t *o, const char *k, uint64_t v)
{
	json_object_set_new(o, k, json_integer((json_int_t)v));
}

static void set_mem(json_t *o, const char *prefix, const char *what, uint64_t bytes,
		    const struct sv_metrics_opts *opt)
{
	char key[160];

	snprintf(key, sizeof(key), "%s%s_%s", prefix, what,
		 opt->convert_memory_to_mb ? "mb" : "kb");
	if (opt->convert_memory_to_mb)
		json_object_set_new(o, key, json_real((double)bytes / (1024.0 * 1024.0)));
	else
		set_u(o, key, bytes / 1024);
}

json_t *sv_metrics_snapshot(const struct sv_metrics_stage *st, size_t n,
			    const struct sv_metrics_opts *o, struct sv_metrics_prev *prev,
			    const char *hostname, const char *engine_name, uint64_t start_ns,
			    uint64_t now_ns)
{
	json_t *f = json_object();
	struct sv_metrics_totals t;
	const struct sv_metrics_stage *src = source_of(st, n);
	double dt =
		prev->have && now_ns > prev->time_ns ? (double)(now_ns - prev->time_ns) / 1e9 : 0;
	struct utsname u;
	char key[512], san[400];

	if (!f)
		return NULL;
	sv_metrics_totals(st, n, &t);
	json_object_set_new(f, "evt.hostname", json_string(hostname));
	json_object_set_new(f, "evt.source", json_string("syscall"));
	set_u(f, "evt.time", now_ns);
	json_object_set_new(f, "falco.version", json_string(lnr_version()));
	set_u(f, "falco.start_ts", start_ns);
	set_u(f, "falco.duration_sec", now_ns > start_ns ? (now_ns - start_ns) / 1000000000ull : 0);
	set_u(f, "falco.host_boot_ts", boot_ns());
	set_u(f, "falco.host_num_cpus", (uint64_t)sysconf(_SC_NPROCESSORS_ONLN));
	if (uname(&u) == 0)
		json_object_set_new(f, "falco.kernel_release", json_string(u.release));
	set_u(f, "falco.outputs_queue_num_drops", t.output_drops);
	set_u(f, "falco.num_evts", t.num_evts);
	set_u(f, "falco.num_evts_prev", prev->have ? prev->t.num_evts : 0);
	json_object_set_new(f, "falco.evts_rate_sec",
			    json_real(dt > 0 && t.num_evts >= prev->t.num_evts
					      ? (double)(t.num_evts - prev->t.num_evts) / dt
					      : 0.0));
	json_object_set_new(f, "scap.engine_name", json_string(engine_name));
	if (o->kernel_event_counters) {
		uint64_t de = t.n_evts >= prev->t.n_evts ? t.n_evts - prev->t.n_evts : t.n_evts;
		uint64_t dd =
			t.n_drops >= prev->t.n_drops ? t.n_drops - prev->t.n_drops : t.n_drops;
		const json_t *cpus = src ? json_object_get(stats_of(src), "drops_by_cpu") : NULL;

		set_u(f, "scap.n_evts", t.n_evts);
		set_u(f, "scap.n_evts_prev", prev->have ? prev->t.n_evts : 0);
		json_object_set_new(f, "scap.evts_rate_sec",
				    json_real(dt > 0 ? (double)de / dt : 0.0));
		set_u(f, "scap.n_drops", t.n_drops);
		set_u(f, "scap.n_drops_prev", prev->have ? prev->t.n_drops : 0);
		json_object_set_new(f, "scap.evts_drop_rate_sec",
				    json_real(dt > 0 ? (double)dd / dt : 0.0));
		json_object_set_new(
			f, "scap.n_drops_perc",
			json_real(de + dd ? 100.0 * (double)dd / (double)(de + dd) : 0.0));
		if (src && is_kind(src, "collector")) {
			set_u(f, "scap.n_drops_buffer_total",
			      jnum(stats_of(src), "drops_by_cause.buffer_full"));
			set_u(f, "scap.n_drops_scratch_map",
			      jnum(stats_of(src), "drops_by_cause.no_scratch"));
		}
		if (o->kernel_event_counters_per_cpu && json_is_array(cpus)) {
			size_t k;
			json_t *v;

			json_array_foreach((json_t *)cpus, k, v)
			{
				if (!json_integer_value(v) && !o->include_empty_values)
					continue;
				snprintf(key, sizeof(key), "scap.n_drops_cpu_%zu", k);
				json_object_set_new(f, key, json_integer(json_integer_value(v)));
			}
		}
	}
	if (o->rules_counters) {
		json_t *all = rule_totals(st, n), *r;
		const char *name;

		set_u(f, "falco.rules.matches_total", t.rule_matches);
		json_object_foreach(all, name, r)
		{
			sv_metrics_sanitize(name, san, sizeof(san));
			snprintf(key, sizeof(key), "falco.rules.%s", san);
			set_u(f, key, jnum(r, "matches"));
		}
		json_decref(all);
	}
	if (o->resource_utilization) {
		double cpu = 0;
		uint64_t rss = 0, vsz = 0;

		for (size_t i = 0; i < n; i++) {
			if (!st[i].running)
				continue;
			cpu += st[i].cpu_ratio;
			rss += st[i].rss;
			vsz += st[i].vsz;
			snprintf(key, sizeof(key), "lanner.stage.%s.cpu_usage_perc", st[i].name);
			json_object_set_new(f, key, json_real(100.0 * st[i].cpu_ratio));
			snprintf(key, sizeof(key), "lanner.stage.%s.", st[i].name);
			set_mem(f, key, "memory_rss", st[i].rss, o);
		}
		json_object_set_new(f, "falco.cpu_usage_perc", json_real(100.0 * cpu));
		set_mem(f, "falco.", "memory_rss", rss, o);
		set_mem(f, "falco.", "memory_vsz", vsz, o);
	}
	for (size_t i = 0; i < n; i++) {
		const json_t *s = stats_of(&st[i]);

		if (o->state_counters && is_kind(&st[i], "enricher") &&
		    json_object_get(json_object_get(s, "state"), "n_threads")) {
			const char *key;
			json_t *v;

			json_object_foreach(json_object_get(s, "state"), key, v)
			{
				if (strncmp(key, "n_", 2) != 0 || !json_is_integer(v))
					continue;
				snprintf(san, sizeof(san), "scap.%s", key);
				if (json_object_get(f, san))
					continue; /* the source's own figure (n_evts...) wins */
				json_object_set_new(f, san, json_integer(json_integer_value(v)));
			}
		} else if (o->state_counters && is_kind(&st[i], "enricher")) {
			set_u(f, "scap.n_threads", jnum(s, "state.threads"));
			set_u(f, "scap.n_failed_thread_lookups", jnum(s, "state.thread_misses"));
			set_u(f, "scap.n_failed_fd_lookups", jnum(s, "state.fd_misses"));
			set_u(f, "lanner.enricher.processes", jnum(s, "state.processes"));
		}
		if (is_kind(&st[i], "emitter")) {
			const json_t *outs = json_object_get(s, "outputs");
			const char *name;
			json_t *oo;

			set_u(f, "lanner.emitter.alerts_received", jnum(s, "intake.received"));
			set_u(f, "lanner.emitter.alerts_accepted", jnum(s, "intake.accepted"));
			set_u(f, "lanner.emitter.alerts_duplicates", jnum(s, "intake.duplicates"));
			json_object_foreach((json_t *)outs, name, oo)
			{
				static const char *const keys[] = {"sent", "failed", "spooled",
								   "dropped", "backlog"};

				for (size_t k = 0; k < 5; k++) {
					snprintf(key, sizeof(key), "lanner.outputs.%s.%s", name,
						 keys[k]);
					set_u(f, key, jnum(oo, keys[k]));
				}
			}
		}
	}
	prev->have = true;
	prev->t = t;
	prev->time_ns = now_ns;
	return f;
}

int sv_metrics_parse_interval(const char *s, uint64_t *ms)
{
	static const struct {
		const char *unit;
		uint64_t ms;
	} units[] = {{"ms", 1},
		     {"s", 1000},
		     {"m", 60000},
		     {"h", 3600000},
		     {"d", 86400000},
		     {"w", 7 * 86400000ull},
		     {"y", 365 * 86400000ull}};
	uint64_t total = 0;

	if (!s || !*s)
		return -EINVAL;
	while (*s) {
		char *end;
		unsigned long long v;
		size_t u;

		if (!isdigit((unsigned char)*s))
			return -EINVAL;
		errno = 0;
		v = strtoull(s, &end, 10);
		if (errno || end == s)
			return -EINVAL;
		for (u = 0; u < sizeof(units) / sizeof(units[0]); u++) {
			size_t len = strlen(units[u].unit);

			/* "ms" before "m"; "m" must not swallow the "s" of "ms" */
			if (strncmp(end, units[u].unit, len) == 0 &&
			    !(units[u].unit[0] == 'm' && len == 1 && end[1] == 's'))
				break;
		}
		if (u == sizeof(units) / sizeof(units[0]))
			return -EINVAL;
		if (v > UINT64_MAX / units[u].ms / 2)
			return -EINVAL;
		total += v * units[u].ms;
		s = end + strlen(units[u].unit);
	}
	*ms = total;
	return 0;
}
