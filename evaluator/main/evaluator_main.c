/* evaluator_main.c: lanner-evaluator: one evaluator ring in, rules evaluated, alerts out to the emitter. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "alert_tx.h"
#include "engine.h"
#include "event.h"
#include "health_http.h"
#include "log.h"
#include "rules_setup.h"
#include "slots.h"
#include "stage.h"
#include "stage_ctl.h"
#include "version.h"

/* Records evaluated between two acknowledged flushes (and ring releases). */
#define EVAL_BATCH 512
/* Alerts pending that trigger a flush (and release) at the next record boundary. */
#define EVAL_ALERT_BATCH 256

struct evaluator {
	struct cfg *cfg;
	struct rules_loader *loader;
	struct rules_ruleset *rs;
	struct slot_table *slots;
	struct engine *eng;
	struct ring *ring;
	struct alert_tx *tx;
	int tx_err;
	struct lnr_evt_hdr last; /* header of the last record evaluated */
	int have_last;
	uint64_t repeats;	    /* records dropped as repeats of the previous one */
	struct stage_ctl *ctl;	    /* STATS for the supervisor, from snapshots (ev_publish) */
	struct health_http *health; /* --health-listen: /healthz (NULL: none) */
	int beat;		    /* run()'s heartbeat in health */
};

/*
 * A snapshot of the counters for the control thread (the engine's are this
 * thread's): totals, and per rule that matched its count with what the
 * metrics label it by (priority, source, tags).
 */
static void ev_publish(struct evaluator *ev)
{
	const uint64_t *per_rule = engine_rule_matches(ev->eng);
	struct engine_stats es;
	json_t *o, *rules = json_array();

	engine_get_stats(ev->eng, &es);
	for (size_t i = 0; rules && per_rule && i < ev->rs->nrules; i++) {
		const struct rules_rule *r = ev->rs->rules[i].rule;
		json_t *tags;

		if (!per_rule[i])
			continue;
		tags = json_array();
		for (size_t t = 0; tags && t < r->ntags; t++)
			json_array_append_new(tags, json_string(r->tags[t]));
		json_array_append_new(rules,
				      json_pack("{s:s, s:s, s:i, s:s, s:o*, s:I}", "rule", r->name,
						"priority", rules_prio_name(r->priority),
						"priority_num", (int)r->priority, "source",
						r->source ? r->source : "syscall", "tags", tags,
						"matches", (json_int_t)per_rule[i]));
	}
	o = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I, s:o*}", "events", (json_int_t)es.events,
		      "matches", (json_int_t)es.matches, "bad_records", (json_int_t)es.bad_records,
		      "gen_mismatch", (json_int_t)es.gen_mismatch, "eval_errors",
		      (json_int_t)es.eval_errors, "repeats", (json_int_t)ev->repeats,
		      "rules_loaded", (json_int_t)ev->rs->nrules, "rules", rules);
	stage_ctl_publish(ev->ctl, o);
}

/*
 * A restarted enricher may forward once more the record it had committed
 * just before it died (it resumes after the last raw record it released).
 * That repeat is the same event, right after the original in this ring:
 * same thread, type and timestamp (one thread's syscalls end at distinct
 * nanoseconds). Dropping it keeps alerts exactly-once across that restart.
 */
static int is_repeat(struct evaluator *ev, const void *data, size_t len)
{
	struct lnr_evt_hdr h;

	if (len < sizeof(h))
		return 0;
	memcpy(&h, data, sizeof(h));
	if (ev->have_last && h.ts == ev->last.ts && h.tid == ev->last.tid &&
	    h.type == ev->last.type && h.len == ev->last.len)
		return 1;
	ev->last = h;
	ev->have_last = 1;
	return 0;
}

static int on_alert(void *ud, const struct alert *a)
{
	struct evaluator *ev = ud;
	int rc = alert_tx_add(ev->tx, a);

	if (rc != 0 && !ev->tx_err) {
		log_errorf("alert to the emitter: %s", strerror(-rc));
		ev->tx_err = rc;
	}
	return 0;
}

/* Alerts first, then the ring space: a record is freed only once its alerts are acknowledged. */
static int commit_batch(struct evaluator *ev)
{
	int rc = alert_tx_flush(ev->tx);

	if (rc != 0)
		return rc;
	ring_release(ev->ring);
	return 0;
}

static int run(struct evaluator *ev)
{
	unsigned batch = 0;

	for (;;) {
		const void *data;
		size_t len;
		int rc = ring_peek(ev->ring, &data, &len);

		if (rc == -EAGAIN) {
			if (batch && commit_batch(ev) != 0) {
				/* The emitter is unreachable: keep the records, retry. */
				health_http_beat(ev->health, ev->beat);
				usleep(100000);
				continue;
			}
			batch = 0;
			health_http_beat(ev->health, ev->beat);
			if (stage_ctl_publish_due(ev->ctl))
				ev_publish(ev);
			if (stage_stopping)
				return 0;
			rc = ring_wait_readable(ev->ring, 200);
			/* The enricher closed the ring: ring_peek() says -EPIPE next. It
			 * died (no close): wait for the one the supervisor restarts. */
			if (rc == -EPIPE)
				usleep(20000);
			continue;
		}
		if (rc == -EPIPE) {
			while (commit_batch(ev) != 0 && !stage_stopping) {
				health_http_beat(ev->health, ev->beat); /* waiting, not stuck */
				usleep(100000);
			}
			return 0;
		}
		if (rc < 0) {
			log_errorf("evaluator ring: %s", strerror(-rc));
			return rc;
		}
		if (is_repeat(ev, data, len))
			ev->repeats++;
		else
			engine_eval(ev->eng, data, len, on_alert, ev);
		/* Flush at a record boundary, never inside alert_tx_add(): alerts
		 * acknowledged while their records stay unreleased would be sent
		 * again by an evaluator restarted after a kill (duplicates). */
		if (++batch >= EVAL_BATCH || alert_tx_pending(ev->tx) >= EVAL_ALERT_BATCH) {
			while (commit_batch(ev) != 0 && !stage_stopping) {
				health_http_beat(ev->health, ev->beat); /* waiting, not stuck */
				usleep(100000);
			}
			batch = 0;
			health_http_beat(ev->health, ev->beat);
			if (stage_ctl_publish_due(ev->ctl))
				ev_publish(ev);
		}
	}
}

static void usage(FILE *f)
{
	fprintf(f, "usage: lanner-evaluator [-c CONFIG] [-o KEY=VALUE]... [-r RULES]... --index K\n"
		   "Evaluates the rules on the events of evaluator ring K and sends the alerts\n"
		   "to the emitter (emitter.intake).\n" HEALTH_HTTP_USAGE);
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"option", required_argument, NULL, 'o'},
		{"rules", required_argument, NULL, 'r'},
		{"index", required_argument, NULL, 'k'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		HEALTH_HTTP_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *ov[STAGE_MAX_ARGS], *rules[STAGE_MAX_ARGS];
	size_t nov = 0, nrules = 0;
	long index = -1;
	int ch, rc = 1;
	struct evaluator ev;
	char err[512], name[256], what[32], host[256];
	struct engine_stats es;
	struct health_http_opts ho = {0};
	/* batch limits far above what one flush interval holds: the flushes are
	 * ours (run()), at record boundaries */
	/* ack_timeout_ms: a bounded wait per acknowledgement, so a stop is noticed and a
	 * failed attempt is retried on a new connection (alert_tx.h). */
	struct alert_tx_opts txo = {.max_batch = ALERT_TX_MAX_BATCH,
				    .max_bytes = ALERT_TX_MAX_BYTES / 2,
				    .ack_timeout_ms = 1000};

	memset(&ev, 0, sizeof(ev));
	while ((ch = getopt_long(argc, argv, "c:o:r:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'o':
			if (nov < STAGE_MAX_ARGS)
				ov[nov++] = optarg;
			break;
		case 'r':
			if (nrules < STAGE_MAX_ARGS)
				rules[nrules++] = optarg;
			break;
		case 'k':
			index = strtol(optarg, NULL, 10);
			break;
		case 'v':
			printf("lanner-evaluator %s\n", lnr_version());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			switch (health_http_parse_opt(&ho, ch, optarg, err, sizeof(err))) {
			case 1:
				continue;
			case -1:
				fprintf(stderr, "lanner-evaluator: %s\n", err);
				return 2;
			}
			usage(stderr);
			return 2;
		}
	}
	if (index < 0) {
		usage(stderr);
		return 2;
	}
	stage_signals();
	ev.cfg = stage_config("evaluator", config, ov, nov);
	if (!ev.cfg)
		return 1;
	snprintf(what, sizeof(what), "evaluator.%ld", index);
	if (ho.listen) {
		/* answering "starting" (503) while the rules load and the ring attaches */
		ev.health = health_http_start(&ho, what, err, sizeof(err));
		if (!ev.health) {
			log_errorf("%s", err);
			goto out;
		}
		ev.beat = health_http_add_beat(ev.health, "main");
	}
	ev.rs = rules_setup(ev.cfg, rules, nrules, &ev.loader, err, sizeof(err));
	if (!ev.rs) {
		log_errorf("rules: %s", err);
		goto out;
	}
	ev.slots = slots_build(ev.rs);
	if (gethostname(host, sizeof(host)) != 0)
		snprintf(host, sizeof(host), "localhost");
	ev.eng = ev.slots ? engine_new(ev.rs, ev.slots, host) : NULL;
	if (!ev.eng) {
		log_errorf("out of memory");
		goto out;
	}
	snprintf(what, sizeof(what), "eval.%ld", index);
	stage_ring_name(ev.cfg, what, name, sizeof(name));
	/* EBUSY: the enricher is moving what a dead evaluator left in this ring to
	 * the others (docs/enricher.md); it lets go once done. Bounded wait. */
	for (int tries = 0; tries < 200; tries++) {
		ev.ring = stage_ring_open(name, stage_ring_size(ev.cfg), RING_CONSUMER, err,
					  sizeof(err));
		if (ev.ring || errno != EBUSY || stage_stopping)
			break;
		usleep(50000);
	}
	if (!ev.ring) {
		log_errorf("evaluator ring %s: %s", name, err);
		goto out;
	}
	ev.tx = alert_tx_open(
		cfg_get_string(ev.cfg, "emitter.intake", "ipc:///run/lanner/alerts.sock"), &txo);
	if (!ev.tx) {
		log_errorf("emitter intake: %s", strerror(errno));
		goto out;
	}
	snprintf(what, sizeof(what), "evaluator.%ld", index);
	ev.ctl = stage_ctl_start(stage_ctl_run_dir(ev.cfg), what, NULL, NULL);
	log_infof("evaluator %ld ready: %zu rules", index, ev.rs->nrules);
	health_http_set_ready(ev.health, 1);
	rc = run(&ev) == 0 ? 0 : 1;
	health_http_set_ready(ev.health, 0);
	engine_get_stats(ev.eng, &es);
	log_infof("evaluator %ld done: %llu events, %llu matches, %llu invalid, %llu field-block "
		  "mismatches, %llu evaluation errors",
		  index, (unsigned long long)es.events, (unsigned long long)es.matches,
		  (unsigned long long)es.bad_records, (unsigned long long)es.gen_mismatch,
		  (unsigned long long)es.eval_errors);
out:
	health_http_stop(ev.health);
	stage_ctl_stop(ev.ctl);
	alert_tx_close(ev.tx);
	ring_close(ev.ring);
	engine_free(ev.eng);
	slots_free(ev.slots);
	rules_ruleset_free(ev.rs);
	rules_loader_free(ev.loader);
	cfg_free(ev.cfg);
	return rc;
}
