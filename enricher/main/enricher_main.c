/* enricher_main.c: lanner-enricher: raw ring in, state kept, events with their field blocks out to the evaluators. */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "dispatch.h"
#include "dns.h"
#include "enr_stats.h"
#include "event.h"
#include "extract.h"
#include "forward.h"
#include "health_http.h"
#include "log.h"
#include "procfs.h"
#include "rules_setup.h"
#include "runtime.h"
#include "slots.h"
#include "stage.h"
#include "stage_ctl.h"
#include "state.h"
#include "threads.h"
#include "version.h"

/* Records consumed between two releases of the raw ring (batch release). */
#define ENR_BATCH 256
/* Outgoing record buffer: the largest event plus its field block. */
#define ENR_OUT_MAX (LNR_EVT_MAX_LEN + (4u << 20))

#define MAX_EVALUATORS DSP_MAX_RINGS
/* Evaluator membership housekeeping (dsp_poll) at most this often, in ms. */
#define ENR_POLL_MS 100

struct enricher {
	struct cfg *cfg;
	struct rules_loader *loader;
	struct rules_ruleset *rs;
	struct slot_table *slots;
	struct st_state *st;
	struct rt_cache *rt;
	struct dns_cache *dns;
	struct ext_ctx *x;
	struct ring *raw;
	struct dsp *dsp;
	unsigned nevals;
	int64_t last_poll;
	uint8_t *out;
	uint64_t n_in, n_fwd, n_bad, n_apply_err, n_fwd_err, n_waits;
	struct stage_ctl *ctl;	    /* STATS for the supervisor, from snapshots (enr_publish) */
	struct health_http *health; /* --health-listen: /healthz (NULL: none) */
	int beat;		    /* run()'s heartbeat in health */
};

/* A snapshot of the counters for the control thread (this thread owns them). */
static void enr_publish(struct enricher *e)
{
	struct st_stats ss;
	struct dsp_stats ds;
	json_t *snap, *state;

	st_get_stats(e->st, &ss);
	if (e->dsp) {
		dsp_get_stats(e->dsp, &ds);
		e->n_waits = ds.full_waits;
	}
	snap = json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I, s:I, s:I}}",
			 "events_in", (json_int_t)e->n_in, "forwarded", (json_int_t)e->n_fwd,
			 "invalid", (json_int_t)e->n_bad, "apply_errors",
			 (json_int_t)e->n_apply_err, "forward_errors", (json_int_t)e->n_fwd_err,
			 "ring_waits", (json_int_t)e->n_waits, "state", "threads",
			 (json_int_t)thr_count(st_threads(e->st)), "processes",
			 (json_int_t)thr_proc_count(st_threads(e->st)), "thread_misses",
			 (json_int_t)ss.thread_misses, "fd_misses", (json_int_t)ss.fd_misses,
			 "bad_events", (json_int_t)ss.bad_events, "events", (json_int_t)ss.events);
	/* the tables' sizes, lookups, misses and evictions (Falco's names, enr_stats.h) */
	state = snap ? json_object_get(snap, "state") : NULL;
	if (state)
		enr_stats_json(e->st, e->rt, e->dsp, state);
	if (state && e->dns) {
		/* fd.*ip.name: names from the rules, background resolutions (dns.h) */
		uint64_t ok, failed, tables;

		dns_stats(e->dns, &ok, &failed, &tables);
		json_object_set_new(state, "n_dns_names",
				    json_integer((json_int_t)dns_name_count(e->dns)));
		json_object_set_new(state, "n_dns_resolutions", json_integer((json_int_t)ok));
		json_object_set_new(state, "n_failed_dns_resolutions",
				    json_integer((json_int_t)failed));
		json_object_set_new(state, "n_dns_tables", json_integer((json_int_t)tables));
	}
	stage_ctl_publish(e->ctl, snap);
}

/* Called by the dispatcher while it waits on a full evaluator ring. */
static void on_ring_wait(void *ud)
{
	struct enricher *e = ud;

	health_http_beat(e->health, e->beat); /* waiting for an evaluator, not stuck */
	if (stage_ctl_publish_due(e->ctl))
		enr_publish(e);
}

static void usage(FILE *f)
{
	fprintf(f, "usage: lanner-enricher [-c CONFIG] [-o KEY=VALUE]... [-r RULES]... "
		   "[--evaluators N] [--replay]\n"
		   "Consumes the raw event ring, keeps process/fd/user/container state and\n"
		   "forwards the events the rules can match to the evaluator "
		   "rings.\n" HEALTH_HTTP_USAGE);
}

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Evaluators joining, leaving, dying: at most every ENR_POLL_MS. */
static void poll_evaluators(struct enricher *e)
{
	int64_t now = mono_ms();

	if (now - e->last_poll < ENR_POLL_MS)
		return;
	e->last_poll = now;
	dsp_poll(e->dsp);
	if (e->dns)
		dns_poll(e->dns); /* also under sustained load, when the idle path never runs */
}

static int run(struct enricher *e)
{
	unsigned batch = 0;

	for (;;) {
		const void *data;
		size_t len;
		struct lnr_evt_view v;
		struct st_ctx c;
		int forwarded = 0;
		int rc = ring_peek(e->raw, &data, &len);

		if (rc == -EAGAIN) {
			ring_release(e->raw);
			batch = 0;
			health_http_beat(e->health, e->beat);
			if (stage_ctl_publish_due(e->ctl))
				enr_publish(e);
			if (e->rt)
				rt_poll(e->rt);
			if (e->dns)
				dns_poll(e->dns);
			poll_evaluators(e);
			if (stage_stopping)
				return 0;
			rc = ring_wait_readable(e->raw, 200);
			/* The source closed the ring: ring_peek() says -EPIPE next. It died
			 * (no close): wait for the one the supervisor restarts. */
			if (rc == -EPIPE)
				usleep(20000);
			continue;
		}
		if (rc == -EPIPE)
			return 0;
		if (rc < 0) {
			log_errorf("raw ring: %s", strerror(-rc));
			return rc;
		}
		e->n_in++;
		if (lnr_evt_decode(data, len, &v, NULL) != 0) {
			e->n_bad++;
		} else if (st_apply(e->st, &v, &c) != 0) {
			e->n_apply_err++;
		} else {
			if (c.thread && fwd_wanted(e->rs, v.hdr->type)) {
				int olen;

				ext_begin(e->x, e->st, &c);
				e->x->rt = e->rt;
				e->x->dns = e->dns;
				olen = fwd_build(e->x, e->slots, &v, e->out, ENR_OUT_MAX);
				if (olen > 0) {
					if (dsp_send(e->dsp, (uint64_t)v.hdr->pid, e->out,
						     (size_t)olen) == 0) {
						e->n_fwd++;
						forwarded = 1;
					} else {
						e->n_fwd_err++;
					}
				} else {
					e->n_fwd_err++;
				}
			}
			st_finish(e->st, &c);
		}
		/* A forwarded record is freed in the raw ring at once (after the
		 * last read of it), so that an enricher restarted after a kill does
		 * not forward it, and its alerts, twice. */
		if (forwarded || ++batch >= ENR_BATCH) {
			ring_release(e->raw);
			batch = 0;
			health_http_beat(e->health, e->beat);
			if (stage_ctl_publish_due(e->ctl))
				enr_publish(e);
		}
		if ((e->n_in & 1023) == 0)
			poll_evaluators(e);
	}
}

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"option", required_argument, NULL, 'o'},
		{"rules", required_argument, NULL, 'r'},
		{"evaluators", required_argument, NULL, 'N'},
		{"replay", no_argument, NULL, 'R'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		HEALTH_HTTP_LONGOPTS,
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *ov[STAGE_MAX_ARGS], *rules[STAGE_MAX_ARGS];
	size_t nov = 0, nrules = 0;
	int replay = 0, ch, rc = 1;
	long nevals = 0;
	struct enricher e;
	struct st_opts so = {0};
	char err[512], name[256];
	size_t ring_size;
	struct st_stats sst;
	struct health_http_opts ho = {0};

	memset(&e, 0, sizeof(e));
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
		case 'N':
			nevals = strtol(optarg, NULL, 10);
			break;
		case 'R':
			replay = 1;
			break;
		case 'v':
			printf("lanner-enricher %s\n", lnr_version());
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			switch (health_http_parse_opt(&ho, ch, optarg, err, sizeof(err))) {
			case 1:
				continue;
			case -1:
				fprintf(stderr, "lanner-enricher: %s\n", err);
				return 2;
			}
			usage(stderr);
			return 2;
		}
	}
	stage_signals();
	e.cfg = stage_config("enricher", config, ov, nov);
	if (!e.cfg)
		return 1;
	if (ho.listen) {
		/* "starting" (503) through the rules load and the /proc scan */
		e.health = health_http_start(&ho, "enricher", err, sizeof(err));
		if (!e.health) {
			log_errorf("%s", err);
			goto out;
		}
		e.beat = health_http_add_beat(e.health, "main");
	}
	if (nevals <= 0)
		nevals = (long)cfg_get_uint(e.cfg, "lanner.evaluators", 0);
	if (nevals <= 0)
		nevals = sysconf(_SC_NPROCESSORS_ONLN);
	if (nevals < 1 || nevals > MAX_EVALUATORS) {
		log_errorf("--evaluators must be 1..%d", MAX_EVALUATORS);
		goto out;
	}
	e.nevals = (unsigned)nevals;
	e.rs = rules_setup(e.cfg, rules, nrules, &e.loader, err, sizeof(err));
	if (!e.rs) {
		log_errorf("rules: %s", err);
		goto out;
	}
	e.slots = slots_build(e.rs);
	so.max_threads = cfg_get_uint(e.cfg, "falco_libs.thread_table_size", 262144);
	so.live = !replay;
	e.st = st_new(&so);
	e.x = calloc(1, sizeof(*e.x));
	e.out = malloc(ENR_OUT_MAX);
	if (!e.slots || !e.st || !e.x || !e.out) {
		log_errorf("out of memory");
		goto out;
	}
	if (!replay) {
		struct procfs_opts po = {.with_fds = 1};
		struct procfs_stats ps = {0};
		struct rt_opts ro = {0};

		if (procfs_scan(st_threads(e.st), &po, &ps) != 0)
			log_warningf("could not scan /proc: %s", strerror(errno));
		log_infof("seeded from /proc: %llu processes, %llu threads, %llu fds",
			  (unsigned long long)ps.procs, (unsigned long long)ps.threads,
			  (unsigned long long)ps.fds);
		/* containerd's task state (OCI bundles of CRI containers); a host path
		 * mounted elsewhere in a pod (e.g. /host/run/containerd) */
		ro.containerd_dir =
			cfg_get_string(e.cfg, "lanner.containerd_state_dir", "/run/containerd");
		e.rt = rt_new(&ro);
	}
	/* fd.*ip.name: the names the rules mention, resolved in the background */
	e.dns = dns_new(NULL);
	if (!e.dns || dns_add_rule_names(e.dns, e.rs) < 0 || dns_start(e.dns) != 0)
		log_warningf(
			"fd.*ip.name: cannot resolve the rules' names; those fields stay empty");
	else if (dns_name_count(e.dns))
		log_infof("fd.*ip.name: resolving %zu names from the rules in the background",
			  dns_name_count(e.dns));
	ring_size = stage_ring_size(e.cfg);
	stage_ring_name(e.cfg, "raw", name, sizeof(name));
	e.raw = stage_ring_open(name, ring_size, RING_CONSUMER, err, sizeof(err));
	if (!e.raw) {
		log_errorf("raw ring %s: %s", name, err);
		goto out;
	}
	{
		struct dsp_opts dop = {0};
		char prefix[256];

		stage_ring_name(e.cfg, "eval.", prefix, sizeof(prefix));
		dop.prefix = prefix;
		dop.ring_size = ring_size;
		dop.initial = e.nevals;
		dop.grace_ms = (unsigned)cfg_get_uint(e.cfg, "lanner.evaluator_grace_ms", 5000);
		dop.stop = &stage_stopping;
		dop.on_wait = on_ring_wait;
		dop.on_wait_ud = &e;
		e.dsp = dsp_new(&dop, err, sizeof(err));
		if (!e.dsp) {
			log_errorf("evaluator rings %s*: %s", prefix, err);
			goto out;
		}
	}
	e.ctl = stage_ctl_start(stage_ctl_run_dir(e.cfg), "enricher", NULL, NULL);
	log_infof("enricher ready: %zu rules, %zu state fields, %u evaluator rings at start",
		  e.rs->nrules, e.slots->n, e.nevals);
	health_http_set_ready(e.health, 1);
	rc = run(&e) == 0 ? 0 : 1;
	health_http_set_ready(e.health, 0);
	st_get_stats(e.st, &sst);
	{
		struct dsp_stats ds;

		dsp_get_stats(e.dsp, &ds);
		e.n_waits = ds.full_waits;
	}
	log_infof("enricher done: %llu events in, %llu forwarded, %llu invalid, %llu apply errors, "
		  "%llu forward errors, %llu waits on full rings, %llu unknown threads",
		  (unsigned long long)e.n_in, (unsigned long long)e.n_fwd,
		  (unsigned long long)e.n_bad, (unsigned long long)e.n_apply_err,
		  (unsigned long long)e.n_fwd_err, (unsigned long long)e.n_waits,
		  (unsigned long long)sst.thread_misses);
out:
	health_http_stop(e.health);
	stage_ctl_stop(e.ctl);
	if (e.dsp) {
		struct dsp_stats ds;

		dsp_get_stats(e.dsp, &ds);
		log_infof("evaluator rings: %u members at the end, %llu joins, %llu evictions, "
			  "%llu records moved from evicted rings, %llu shard moves",
			  ds.members, (unsigned long long)ds.joins,
			  (unsigned long long)ds.evictions, (unsigned long long)ds.resent,
			  (unsigned long long)ds.shard_moves);
	}
	dsp_free(e.dsp); /* evaluators drain, then see the end */
	ring_close(e.raw);
	rt_free(e.rt);
	dns_free(e.dns);
	st_free(e.st);
	free(e.x);
	free(e.out);
	slots_free(e.slots);
	rules_ruleset_free(e.rs);
	rules_loader_free(e.loader);
	cfg_free(e.cfg);
	return rc;
}
