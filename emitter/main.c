/* main.c: lanner-emitter: alert intake (alert_rx), journal, one worker per output, stats, signals. */
#include <errno.h>
#include <getopt.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <curl/curl.h>

#include "alert.h"
#include "alert_tx.h"
#include "emitter_config.h"
#include "health_http.h"
#include "journal.h"
#include "log_shim.h"
#include "out_http.h"
#include "out_local.h"
#include "out_redis.h"
#include "output.h"
#include "ratelimit.h"
#include "stage_ctl.h"

#define MAX_OUTPUTS 8
#define MAX_OVERRIDES 256
#define SENDER_INTERNAL 0 /* journal sender id of alerts the emitter makes itself */

struct emitter {
	struct emitter_config cfg;
	struct journal *j;
	struct output *outs[MAX_OUTPUTS];
	int nouts;
	struct alert_rx *rx; /* the intake socket, used by the intake thread only */
	pthread_t intake;
	bool intake_started;
	atomic_bool stop;
	struct ratelimit *rl;
	pthread_mutex_t rl_mu;		      /* rl: the intake allows, the main loop summarises */
	uint64_t reported_drops[MAX_OUTPUTS]; /* size-cap drops already reported (intake thread) */
	/* intake counters */
	atomic_uint_fast64_t received, accepted, duplicates, invalid, filtered, suppressed, refused;
	struct health_http *health; /* --health-listen: /healthz (NULL: none) */
	int beat_main, beat_intake; /* the signal loop's and the intake thread's heartbeats */
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static uint64_t wall_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* Appends an alert the emitter made itself (rate-limit summaries). */
static void append_internal(struct emitter *e, const struct alert *a)
{
	struct alert_buf b;
	struct iovec iov;

	alert_buf_init(&b);
	if (!alert_encode(a, &b)) {
		iov.iov_base = b.data;
		iov.iov_len = b.len;
		if (journal_append(e->j, SENDER_INTERNAL, 0, &iov, 1))
			lg_err("intake: cannot journal an internal alert");
	}
	alert_buf_fini(&b);
}

/* Handles one request: validates, filters, journals, returns the ack status. */
static int intake_batch(struct emitter *e, const void *body, size_t len, uint64_t *seq)
{
	struct alert_tx_frame f;
	struct iovec *iov = NULL;
	size_t pos = 0, k = 0, rlen;
	const uint8_t *rec;
	int rc;

	*seq = 0;
	rc = alert_tx_frame_parse(body, len, &f);
	if (rc) {
		atomic_fetch_add(&e->refused, 1);
		lg_warn("intake: malformed request of %zu bytes refused", len);
		return rc;
	}
	*seq = f.seq;
	if (f.sender != SENDER_INTERNAL && journal_seen(e->j, f.sender, f.seq)) {
		atomic_fetch_add(&e->duplicates, f.count);
		return 0; /* a resend of a batch we already hold */
	}
	atomic_fetch_add(&e->received, f.count);
	iov = calloc(f.count ? f.count : 1, sizeof(*iov));
	if (!iov)
		return -ENOMEM;
	uint64_t now = mono_ns();
	pthread_mutex_lock(&e->rl_mu);
	while (alert_tx_frame_next(&f, &pos, &rec, &rlen)) {
		struct alert_peek pk;
		char rule[1024];
		/* validated exactly as alert_decode would, without building the alert */
		if (alert_check(rec, rlen, &pk)) {
			if (atomic_fetch_add(&e->invalid, 1) == 0)
				lg_warn("intake: invalid alert record refused (sender %016" PRIx64
					")",
					f.sender);
			continue;
		}
		bool internal =
			pk.source && pk.source_len == 8 && !memcmp(pk.source, "internal", 8);
		/* the bucket key: the rule name (beyond 1023 bytes names share a bucket) */
		snprintf(rule, sizeof(rule), "%.*s", (int)(pk.rule_len < 1023 ? pk.rule_len : 1023),
			 pk.rule ? pk.rule : "");
		if (pk.priority > e->cfg.priority) {
			atomic_fetch_add(&e->filtered, 1);
		} else if (!internal && !ratelimit_allow(e->rl, rule, now)) {
			atomic_fetch_add(&e->suppressed, 1);
		} else {
			iov[k].iov_base = (void *)rec;
			iov[k].iov_len = rlen;
			k++;
		}
	}
	pthread_mutex_unlock(&e->rl_mu);
	rc = journal_append(e->j, f.sender, f.seq, iov, k);
	if (!rc)
		atomic_fetch_add(&e->accepted, k);
	free(iov);
	return rc;
}

/*
 * Spool overflow is reported, not only counted: when an output lost alerts to the size cap
 * since the last check, an internal alert says which and how many. Main loop only.
 */
static void report_overflow(struct emitter *e)
{
	struct alert *a = NULL;
	uint64_t total = 0;

	for (int i = 0; i < e->nouts; i++) {
		uint64_t d = journal_reader_dropped(e->outs[i]->rd);
		if (d <= e->reported_drops[i])
			continue;
		if (!a) {
			a = alert_new();
			if (!a)
				return;
			a->priority = ALERT_PRIO_CRITICAL;
			a->time_ns = wall_ns();
			alert_set_rule(a, "Lanner internal: spool overflow");
			alert_set_source(a, "internal");
			alert_set_hostname(a, e->cfg.hostname);
		}
		char key[80];
		snprintf(key, sizeof(key), "lanner.spool.dropped.%s", e->outs[i]->name);
		alert_add_uint64(a, key, d - e->reported_drops[i]);
		total += d - e->reported_drops[i];
		e->reported_drops[i] = d;
	}
	if (!a)
		return;
	char msg[160];
	snprintf(msg, sizeof(msg),
		 "%llu undelivered alerts were removed from the spool (emitter.spool.max_bytes)",
		 (unsigned long long)total);
	alert_set_output(a, msg);
	append_internal(e, a);
	alert_free(a);
}

/* The intake thread: one request at a time, journaled, then acknowledged. It
 * looks at the stop flag between requests (a 200 ms poll), so a batch is never
 * half handled at stop; one that arrives after is not acknowledged and its
 * sender sends it to the next emitter (deduplicated by sender and sequence). */
static void *intake_main(void *arg)
{
	struct emitter *e = arg;

	while (!atomic_load(&e->stop)) {
		struct alert_rx_req q;
		int rv;

		health_http_beat(e->health, e->beat_intake);
		rv = alert_rx_recv(e->rx, &q, 200);

		if (rv < 0) {
			lg_err("intake: receive: %s", strerror(-rv));
			usleep(100000);
			continue;
		}
		if (rv == 0)
			continue;
		uint64_t seq = 0;
		uint8_t ack[16];
		int st = intake_batch(e, q.data, q.len, &seq);
		alert_tx_ack_encode(ack, st, seq);
		alert_rx_reply(e->rx, &q, ack);
	}
	return NULL;
}

static int listen_intake(struct emitter *e)
{
	const char *url = e->cfg.intake;
	char err[512];

	if (!strncmp(url, "ipc://", 6)) {
		/* make the socket's directory (0750) */
		char dir[4096];
		snprintf(dir, sizeof(dir), "%s", url + 6);
		char *slash = strrchr(dir, '/');
		if (slash && slash != dir) {
			*slash = '\0';
			if (mkdir(dir, 0750) && errno != EEXIST)
				lg_warn("intake: cannot create %s: %s", dir, strerror(errno));
		}
	}
	/* 0660: the pipeline's own user and group only */
	e->rx = alert_rx_listen(url, 0660, err, sizeof(err));
	if (!e->rx) {
		lg_err("intake: cannot listen: %s", err);
		return -EIO;
	}
	return 0;
}

static int add_output(struct emitter *e, const char *name, const struct output_ops *ops,
		      int init_rc, void *priv, unsigned batch)
{
	if (init_rc) {
		lg_err("output %s: cannot start: %s", name, strerror(-init_rc));
		if (ops->destroy)
			ops->destroy(priv);
		return init_rc;
	}
	struct output *o = output_new(name, ops, priv, &e->cfg, e->j, batch);
	if (!o) {
		if (ops->destroy)
			ops->destroy(priv);
		return -errno;
	}
	e->outs[e->nouts++] = o;
	return 0;
}

static int make_outputs(struct emitter *e)
{
	const struct emitter_config *c = &e->cfg;
	void *p;
	int rc = 0, init;

	/* init runs before add_output reads p: argument order is unspecified in C */
	if (c->stdout_enabled && !rc) {
		p = NULL;
		init = outl_stdout_init(c, &p);
		rc = add_output(e, "stdout", &outl_stdout_ops, init, p, c->batch);
	}
	if (c->file_enabled && !rc) {
		p = NULL;
		init = outl_file_init(c, &p);
		rc = add_output(e, "file", &outl_file_ops, init, p, c->batch);
	}
	if (c->syslog_enabled && !rc) {
		p = NULL;
		init = outl_syslog_init(c, &p);
		rc = add_output(e, "syslog", &outl_syslog_ops, init, p, c->batch);
	}
	if (c->program_enabled && !rc) {
		p = NULL;
		init = outl_program_init(c, &p);
		rc = add_output(e, "program", &outl_program_ops, init, p, c->batch);
	}
	if (c->http.enabled && !rc) {
		p = NULL;
		init = out_http_init(c, &p);
		rc = add_output(e, "http", &out_http_ops, init, p, c->batch);
	}
	if (c->redis.enabled && !rc) {
		p = NULL;
		init = out_redis_init(c, journal_instance(e->j), &p);
		rc = add_output(e, "redis", &out_redis_ops, init, p, c->redis.batch);
	}
	return rc;
}

static void write_stats(struct emitter *e)
{
	const char *path = e->cfg.stats_file;
	char tmp[4096];
	FILE *fp;

	if (!path || !*path)
		return;
	snprintf(tmp, sizeof(tmp), "%s.tmp", path);
	fp = fopen(tmp, "we");
	if (!fp)
		return;
	fprintf(fp,
		"{\"intake\":{\"received\":%" PRIu64 ",\"accepted\":%" PRIu64
		",\"duplicates\":%" PRIu64 ",\"invalid\":%" PRIu64 ",\"filtered\":%" PRIu64
		",\"suppressed\":%" PRIu64 ",\"refused\":%" PRIu64 "},\"spool\":{\"bytes\":%" PRIu64
		",\"end\":%" PRIu64 "},\"outputs\":{",
		(uint64_t)atomic_load(&e->received), (uint64_t)atomic_load(&e->accepted),
		(uint64_t)atomic_load(&e->duplicates), (uint64_t)atomic_load(&e->invalid),
		(uint64_t)atomic_load(&e->filtered), (uint64_t)atomic_load(&e->suppressed),
		(uint64_t)atomic_load(&e->refused), journal_bytes(e->j), journal_end(e->j));
	for (int i = 0; i < e->nouts; i++) {
		struct output_stats s;
		output_get_stats(e->outs[i], &s);
		fprintf(fp,
			"%s\"%s\":{\"sent\":%" PRIu64 ",\"failed\":%" PRIu64 ",\"spooled\":%" PRIu64
			",\"dropped\":%" PRIu64 ",\"backlog\":%" PRIu64 "}",
			i ? "," : "", e->outs[i]->name, s.sent, s.failed, s.spooled, s.dropped,
			s.backlog);
	}
	fprintf(fp, "}}\n");
	if (fclose(fp) == 0)
		rename(tmp, path);
}

/*
 * STATS for the supervisor, on the control thread: the intake counters are
 * atomics, the output and journal figures are read under their own locks.
 */
static int ctl_stats(void *ctx, json_t *out)
{
	struct emitter *e = ctx;
	json_t *outs = json_object();

	for (int i = 0; outs && i < e->nouts; i++) {
		struct output_stats s;

		output_get_stats(e->outs[i], &s);
		json_object_set_new(
			outs, e->outs[i]->name,
			json_pack("{s:I, s:I, s:I, s:I, s:I}", "sent", (json_int_t)s.sent, "failed",
				  (json_int_t)s.failed, "spooled", (json_int_t)s.spooled, "dropped",
				  (json_int_t)s.dropped, "backlog", (json_int_t)s.backlog));
	}
	json_object_set_new(out, "intake",
			    json_pack("{s:I, s:I, s:I, s:I, s:I, s:I, s:I}", "received",
				      (json_int_t)atomic_load(&e->received), "accepted",
				      (json_int_t)atomic_load(&e->accepted), "duplicates",
				      (json_int_t)atomic_load(&e->duplicates), "invalid",
				      (json_int_t)atomic_load(&e->invalid), "filtered",
				      (json_int_t)atomic_load(&e->filtered), "suppressed",
				      (json_int_t)atomic_load(&e->suppressed), "refused",
				      (json_int_t)atomic_load(&e->refused)));
	json_object_set_new(out, "spool",
			    json_pack("{s:I, s:I}", "bytes", (json_int_t)journal_bytes(e->j), "end",
				      (json_int_t)journal_end(e->j)));
	json_object_set_new(out, "outputs", outs);
	return 0;
}

static void usage(FILE *fp)
{
	fprintf(fp, "usage: lanner-emitter [-c config.yaml] [-o key=value]... [--intake URL]\n"
		    "  Receives alerts from the evaluators and delivers them to Falco's outputs\n"
		    "  and Redis; see docs/emitter.md.\n" HEALTH_HTTP_USAGE);
}

int main(int argc, char **argv)
{
	static struct emitter e;
	struct stage_ctl *ctl = NULL;
	char *ov[MAX_OVERRIDES];
	char *intake_ov = NULL;
	int nov = 0, opt, rc = 1;
	const char *cfgpath = NULL;
	char err[512];
	sigset_t ss;
	static const struct option lopts[] = {{"intake", required_argument, NULL, 'i'},
					      {"help", no_argument, NULL, 'h'},
					      HEALTH_HTTP_LONGOPTS,
					      {NULL, 0, NULL, 0}};
	struct health_http_opts ho = {0};

	while ((opt = getopt_long(argc, argv, "c:o:h", lopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
			cfgpath = optarg;
			break;
		case 'o':
			if (nov == MAX_OVERRIDES - 1) {
				fprintf(stderr, "lanner-emitter: too many -o\n");
				return 2;
			}
			ov[nov++] = optarg;
			break;
		case 'i':
			if (asprintf(&intake_ov, "emitter.intake=%s", optarg) < 0)
				return 1;
			ov[nov++] = intake_ov;
			break;
		case 'h':
			usage(stdout);
			return 0;
		default:
			switch (health_http_parse_opt(&ho, opt, optarg, err, sizeof(err))) {
			case 1:
				continue;
			case -1:
				fprintf(stderr, "lanner-emitter: %s\n", err);
				free(intake_ov);
				return 2;
			}
			usage(stderr);
			return 2;
		}
	}
	if (ecfg_load(&e.cfg, cfgpath, ov, nov, err, sizeof(err))) {
		fprintf(stderr, "lanner-emitter: %s\n", err);
		free(intake_ov);
		return 2;
	}
	/* signals are taken synchronously by the main thread only */
	sigemptyset(&ss);
	sigaddset(&ss, SIGINT);
	sigaddset(&ss, SIGTERM);
	sigaddset(&ss, SIGUSR1);
	sigaddset(&ss, SIGHUP);
	pthread_sigmask(SIG_BLOCK, &ss, NULL);
	signal(SIGPIPE, SIG_IGN); /* a program output that exits shows up as EPIPE */
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (ho.listen) {
		/* "starting" (503) until the spool, outputs and intake are up */
		e.health = health_http_start(&ho, "emitter", err, sizeof(err));
		if (!e.health) {
			lg_err("%s", err);
			goto out;
		}
		e.beat_main = health_http_add_beat(e.health, "main");
		e.beat_intake = health_http_add_beat(e.health, "intake");
	}

	struct journal_opts jo = {
		.dir = e.cfg.spool_dir,
		.segment_bytes = e.cfg.spool_segment_bytes,
		.max_bytes = e.cfg.spool_max_bytes,
		.fsync = e.cfg.fsync,
		.fsync_interval_ms = e.cfg.fsync_interval_ms,
	};
	e.j = journal_open(&jo);
	if (!e.j) {
		lg_err("cannot open the spool %s: %s", e.cfg.spool_dir, strerror(errno));
		goto out;
	}
	pthread_mutex_init(&e.rl_mu, NULL);
	e.rl = ratelimit_new(&e.cfg.rate);
	if (!e.rl || make_outputs(&e) || listen_intake(&e))
		goto out;
	for (int i = 0; i < e.nouts; i++)
		if (output_start(e.outs[i]))
			goto out;
	if (pthread_create(&e.intake, NULL, intake_main, &e))
		goto out;
	e.intake_started = true;
	/* after the signals are blocked: its thread and nng's inherit the mask */
	{
		/* its control socket beside its intake when the supervisor did not
		 * say (LANNER_RUN_DIR): a hand-started emitter keeps to its directory */
		char dir[4096];
		const char *slash = strrchr(e.cfg.intake, '/');

		if (!getenv("LANNER_RUN_DIR") && !strncmp(e.cfg.intake, "ipc://", 6) && slash &&
		    slash > e.cfg.intake + 6)
			snprintf(dir, sizeof(dir), "%.*s", (int)(slash - (e.cfg.intake + 6)),
				 e.cfg.intake + 6);
		else
			snprintf(dir, sizeof(dir), "%s", stage_ctl_run_dir(NULL));
		ctl = stage_ctl_start(dir, "emitter", ctl_stats, &e);
	}
	lg_info("started: %d outputs, intake %s, spool %s (instance %s)", e.nouts, e.cfg.intake,
		e.cfg.spool_dir, journal_instance(e.j));
	uint64_t last_stats = 0, last_sync = mono_ns(), last_overflow_check = 0;
	health_http_set_ready(e.health, 1);
	for (;;) {
		struct timespec to = {.tv_sec = 0, .tv_nsec = 100 * 1000000L};
		int sig;

		health_http_beat(e.health, e.beat_main);
		sig = sigtimedwait(&ss, NULL, &to);
		if (sig == SIGUSR1) {
			lg_info("SIGUSR1: reopening outputs");
			for (int i = 0; i < e.nouts; i++)
				output_request_reopen(e.outs[i]);
		} else if (sig == SIGINT || sig == SIGTERM) {
			lg_info("stopping");
			break;
		}
		uint64_t now = mono_ns();
		/* periodic internal alerts: here, not on the intake thread, which blocks in its
		 * receive while no batch comes (the journal takes appends from any thread) */
		struct alert *sum = NULL;
		pthread_mutex_lock(&e.rl_mu);
		int due = ratelimit_summary(e.rl, now, wall_ns(), e.cfg.hostname, &sum);
		pthread_mutex_unlock(&e.rl_mu);
		if (due == 1) {
			append_internal(&e, sum);
			alert_free(sum);
		}
		if (now - last_overflow_check >= 1000000000ull) {
			report_overflow(&e);
			last_overflow_check = now;
		}
		if (e.cfg.fsync == JOURNAL_FSYNC_INTERVAL &&
		    now - last_sync >= (uint64_t)e.cfg.fsync_interval_ms * 1000000u) {
			journal_sync(e.j); /* off the intake path: acks do not wait for the disk */
			last_sync = now;
		}
		if (now - last_stats >= (uint64_t)e.cfg.stats_interval_ms * 1000000u) {
			write_stats(&e);
			last_stats = now;
		}
	}
	rc = 0;
out:
	health_http_set_ready(e.health, 0);
	stage_ctl_stop(ctl); /* before the outputs it reads go */
	/* no batch half handled from here on: see intake_main */
	atomic_store(&e.stop, true);
	if (e.intake_started)
		pthread_join(e.intake, NULL);
	alert_rx_close(e.rx);
	if (e.j)
		journal_wake(e.j);
	for (int i = 0; i < e.nouts; i++)
		output_stop(e.outs[i], 0);
	if (e.j)
		write_stats(&e);
	for (int i = 0; i < e.nouts; i++)
		output_free(e.outs[i]);
	ratelimit_free(e.rl);
	journal_close(e.j);
	ecfg_fini(&e.cfg);
	health_http_stop(e.health); /* after the intake thread, which beats it */
	curl_global_cleanup();
	free(intake_ov);
	return rc;
}
