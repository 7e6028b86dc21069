/* sv_metrics.h: the stages' STATS turned into Prometheus text and Falco's metrics snapshot (docs/metrics.md). */
#ifndef LANNER_SV_METRICS_H
#define LANNER_SV_METRICS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

#include <jansson.h>

/* What the supervisor knows of one stage. */
struct sv_metrics_stage {
	const char *name;    /* "evaluator.0": the stage label */
	const char *kind;    /* "emitter", "evaluator", "enricher", "collector", "replay", "ui" */
	const json_t *reply; /* the last STATS reply (stage_ctl.h), NULL if none yet */
	bool answering;	     /* its last STATS request was answered */
	uint64_t failures;   /* STATS requests not answered */
	bool running;	     /* has a process now */
	double cpu_ratio;    /* CPU seconds per second, last interval */
	uint64_t rss, vsz;   /* bytes */
};

/* The `metrics` section's category switches (Falco's keys; all on by default). */
struct sv_metrics_opts {
	bool rules_counters;		    /* rules_counters_enabled */
	bool resource_utilization;	    /* resource_utilization_enabled */
	bool state_counters;		    /* state_counters_enabled */
	bool kernel_event_counters;	    /* kernel_event_counters_enabled */
	bool kernel_event_counters_per_cpu; /* kernel_event_counters_per_cpu_enabled */
	bool include_empty_values;	    /* include_empty_values */
	bool convert_memory_to_mb;	    /* convert_memory_to_mb */
};

/* Totals over the stages, also what the snapshot's *_prev and rates are computed from. */
struct sv_metrics_totals {
	uint64_t n_evts;   /* the source's events (collector kernel events, replay records) */
	uint64_t n_drops;  /* kernel-side drops, all causes */
	uint64_t num_evts; /* events the enricher consumed (Falco's falco.num_evts) */
	uint64_t rule_matches;
	uint64_t output_drops; /* alerts lost by outputs (spool cap, refused for good) */
};

void sv_metrics_totals(const struct sv_metrics_stage *st, size_t n, struct sv_metrics_totals *t);

/* Appends the Prometheus text of the stages' counters to f (Falco's names where they apply). */
void sv_metrics_prometheus(FILE *f, const struct sv_metrics_stage *st, size_t n,
			   const struct sv_metrics_opts *o);

/* State between two snapshots (for *_prev, *_rate_sec and n_drops_perc). Zero it first. */
struct sv_metrics_prev {
	bool have;
	struct sv_metrics_totals t;
	uint64_t time_ns;
};

/*
 * Falco's "Falco internal: metrics snapshot" output_fields (a new object):
 * evt.*, falco.*, scap.* as Falco names them, lanner.* for the rest.
 * now_ns and start_ns are wall-clock nanoseconds; prev is updated.
 */
json_t *sv_metrics_snapshot(const struct sv_metrics_stage *st, size_t n,
			    const struct sv_metrics_opts *o, struct sv_metrics_prev *prev,
			    const char *hostname, const char *engine_name, uint64_t start_ns,
			    uint64_t now_ns);

/* Falco's sanitised metric-name form of a rule name ("Read sensitive file" -> "Read_sensitive_file"). */
void sv_metrics_sanitize(const char *in, char *out, size_t n);

/*
 * Parses a Prometheus time duration ("1h", "15m", "30s", "500ms", "1h30m";
 * units ms, s, m, h, d, w, y) into milliseconds. 0 or -EINVAL.
 */
int sv_metrics_parse_interval(const char *s, uint64_t *ms);

#endif
