/* supervisor.c: `lanner run`: starts the stage processes, restarts them, reloads rules, stops them in order. */
#include "supervisor.h"

#include <errno.h>
#include <fcntl.h>
#include <limits.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "alert.h"
#include "alert_tx.h"
#include "config.h"
#include "handoff.h"
#include "log.h"
#include "privs.h"
#include "ring.h"
#include "rules_diag.h"
#include "rules_load.h"
#include "rules_setup.h"
#include "stage.h"
#include "sv_http.h"
#include "sv_metrics.h"
#include "sv_stats.h"
#include "version.h"

#define SV_MAX_EVALUATORS 256
#define SV_MAX_STAGES (SV_MAX_EVALUATORS + 4)
#define SV_MAX_ARGV (2 * STAGE_MAX_ARGS * 2 + 16)
/* A stage must attach to its rings (be ready) within this many seconds. */
#define SV_READY_TIMEOUT_S 60.0
/* Restart backoff: 250 ms doubling to 30 s; reset after 60 s up. */
#define SV_BACKOFF_MIN_S 0.25
#define SV_BACKOFF_MAX_S 30.0
#define SV_STABLE_S 60.0
/* Consecutive failed restarts after which the whole pipeline stops. */
#define SV_MAX_FAILS 8
/* Seconds a stage gets to drain and exit after SIGTERM before SIGKILL. */
#define SV_STOP_TIMEOUT_S 30.0

enum sv_kind { SV_EMITTER, SV_EVALUATOR, SV_ENRICHER, SV_SOURCE, SV_UI };

struct sv_stage {
	char name[32]; /* "evaluator.3": the name in messages, metrics and alerts */
	enum sv_kind kind;
	unsigned index;
	pid_t pid;	    /* 0: not running */
	bool ready;	    /* attached to its rings / listening */
	bool want;	    /* should be running (false once stopped on purpose) */
	bool term_sent;	    /* SIGTERM sent (a stop or a reload), an exit is expected */
	double started;	    /* monotonic seconds of the last start */
	double term_at;	    /* when SIGTERM was sent */
	double restart_at;  /* > 0: start again at this time */
	unsigned fails;	    /* consecutive deaths without SV_STABLE_S of uptime */
	uint64_t ring_base; /* raw ring bytes written when a collector started */
	unsigned restarts;  /* total, for metrics */
	/* live collector: our end of its handoff socket (common/handoff.h), -1 none */
	int hsock;
	bool hready; /* it said it is attached (or took over) and running */
	/* CPU and memory accounting for /metrics */
	unsigned long long cpu_ticks;
	double cpu_at;
	double cpu_ratio;
	unsigned long long rss, vsz; /* bytes, at the last publish_metrics() */
};

struct sv {
	const struct sv_opts *o;
	struct cfg *cfg;
	const char *rules[STAGE_MAX_ARGS]; /* what the stages get with -r */
	size_t nrules;
	char fallback_rules[PATH_MAX];
	unsigned nevals;
	bool replay;
	char capture[PATH_MAX];
	char raw_name[256];
	char eval_names[SV_MAX_EVALUATORS][64];
	size_t ring_size;
	char intake_path[PATH_MAX]; /* the emitter's ipc socket file */
	char intake_url[PATH_MAX + 8];
	struct sv_stage st[SV_MAX_STAGES];
	unsigned nst;
	struct alert_tx *tx; /* internal alerts to the emitter */
	struct sv_http *http;
	struct sv_stats *stats; /* the stages' STATS, polled every second */
	/* the `metrics` section: periodic snapshot (internal alert and/or file) */
	struct sv_metrics_opts mopts;
	bool metrics_enabled, metrics_rule;
	char metrics_file[PATH_MAX];
	uint64_t metrics_interval_ms;
	double next_snapshot;
	unsigned long long samples;
	struct sv_metrics_prev mprev;
	uint64_t start_wall_ns;
	char hostname[256];
	unsigned long long reloads, reload_failures;
	bool regroup;	     /* enricher + evaluators restart together (reload, enricher exit) */
	bool reloading;	     /* the regroup was asked for by a reload */
	bool reload_pending; /* asked during a regroup: done after it */
	bool stopping;
	bool emitter_flushed; /* internal alerts sent before the emitter is stopped */
	pid_t self_pid;
	struct privs pv; /* the identity the stages take (privs.c) */
	/* The live collector's kernel side, held while no collector runs so that
	 * the programs stay attached and their buffers and counters alive
	 * (docs/collector.md, "Restarts"); given to the next collector. */
	int held_fds[HANDOFF_MAX_FDS];
	int nheld;
	unsigned char held[HANDOFF_MAX_PAYLOAD];
	size_t held_len;
	bool have_held;
	int exit_status;
	double start_time;
	/* watch_config_files: newest mtime seen of the config and rules files */
	struct timespec watch_mtime;
	double next_watch, next_metrics;
};

static volatile sig_atomic_t sig_stop, sig_hup;

static void on_signal(int sig)
{
	if (sig == SIGHUP)
		sig_hup = 1;
	else
		sig_stop = 1;
}

static double now_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

static void sleep_s(double s)
{
	struct timespec ts = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};

	nanosleep(&ts, NULL); /* a signal cuts it short: the loop looks at the flags */
}

/* ------------------------------------------------------------ binaries */

int sv_find_binary(const char *name, const char *subdir, char *out, size_t n)
{
	char self[PATH_MAX], *slash;
	const char *env = getenv("LANNER_BIN_DIR");
	ssize_t len;

	if (env && *env) {
		snprintf(out, n, "%s/%s", env, name);
		if (access(out, X_OK) == 0)
			return 0;
	}
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return -ENOENT;
	self[len] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	snprintf(out, n, "%s/%s", self, name); /* installed side by side */
	if (access(out, X_OK) == 0)
		return 0;
	snprintf(out, n, "%s/../%s/%s", self, subdir, name); /* build tree */
	if (access(out, X_OK) == 0)
		return 0;
	snprintf(out, n, "%s/../libexec/lanner/%s", self, name);
	if (access(out, X_OK) == 0)
		return 0;
	return -ENOENT;
}

const char *sv_default_rules(void)
{
	static char path[PATH_MAX + 128];
	char self[PATH_MAX], *slash;
	ssize_t len;

	/* Lanner's own default ruleset in the source tree (docs/rules.md) */
	snprintf(path, sizeof(path), "%s/rules", LANNER_SOURCE_DIR);
	if (access(path, R_OK) == 0)
		return path;
	/* else Falco's, from the build's conformance directory (../shared) */
	snprintf(path, sizeof(path), "%s/falco-rules/falco_rules.yaml", LANNER_CONFORMANCE_DIR);
	if (access(path, R_OK) == 0)
		return path;
	len = readlink("/proc/self/exe", self, sizeof(self) - 1);
	if (len <= 0)
		return NULL;
	self[len] = '\0';
	slash = strrchr(self, '/');
	if (!slash)
		return NULL;
	*slash = '\0';
	/* build/lanner/lanner -> ../../../shared */
	snprintf(path, sizeof(path), "%s/../../../shared/conformance/falco-rules/falco_rules.yaml",
		 self);
	if (access(path, R_OK) == 0)
		return path;
	return NULL;
}

static const char *kind_binary(enum sv_kind k, bool replay, const char **subdir)
{
	switch (k) {
	case SV_EMITTER:
		*subdir = "emitter";
		return "lanner-emitter";
	case SV_EVALUATOR:
		*subdir = "evaluator";
		return "lanner-evaluator";
	case SV_ENRICHER:
		*subdir = "enricher";
		return "lanner-enricher";
	case SV_SOURCE:
		*subdir = replay ? "collector/capture" : "collector";
		return replay ? "lanner-capture-replay" : "lanner-collector";
	case SV_UI:
		*subdir = "ui";
		return "lanner-ui";
	}
	return NULL;
}

/* ------------------------------------------------------------ internal alerts */

static void sv_alert(struct sv *s, enum alert_priority prio, const char *rule, struct sv_stage *st,
		     const char *fmt, ...) __attribute__((format(printf, 5, 6)));

static void sv_alert(struct sv *s, enum alert_priority prio, const char *rule, struct sv_stage *st,
		     const char *fmt, ...)
{
	struct alert *a;
	struct timespec ts;
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	log_printf(prio <= ALERT_PRIO_ERROR ? LOG_LVL_ERROR : LOG_LVL_WARNING, "%s", msg);
	if (!s->tx)
		return;
	a = alert_new();
	if (!a)
		return;
	clock_gettime(CLOCK_REALTIME, &ts);
	a->time_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	a->priority = prio;
	alert_set_rule(a, rule);
	alert_set_source(a, "internal");
	alert_set_hostname(a, s->hostname);
	alert_set_output(a, msg);
	if (st) {
		alert_add_string(a, "lanner.stage", st->name);
		alert_add_uint64(a, "lanner.restarts", st->restarts);
	}
	if (alert_tx_add(s->tx, a) != 0)
		log_warningf("internal alert kept for later: the emitter does not answer");
	alert_free(a);
}

/* Sends pending internal alerts; a short wait each time (the emitter may be down). */
static void sv_alert_flush(struct sv *s)
{
	struct sv_stage *em = &s->st[0]; /* the emitter is always the first stage */

	/* only to a live emitter: the flush would wait (up to its ack timeout)
	 * for one this very loop has to restart */
	if (s->tx && alert_tx_pending(s->tx) && em->pid && em->ready)
		alert_tx_flush(s->tx);
}

/* ------------------------------------------------------------ rings */

static int create_ring(struct sv *s, const char *name)
{
	char err[256];
	/* Created in the consumer role and closed at once: consumers start before
	 * producers (emitter, evaluators, enricher, source), and a consumer that
	 * attaches clears the closed mark. A closed producer mark would make an
	 * early consumer see end-of-stream. */
	struct ring *r = ring_create(name, s->ring_size, RING_CONSUMER, 0660, RING_CREATE_REPLACE,
				     err, sizeof(err));
	int rc;

	if (!r) {
		fprintf(stderr, "lanner: %s\n", err);
		return -errno;
	}
	ring_close(r);
	/* the stages run as the pipeline user: the ring is theirs (0660: user and group) */
	if (s->pv.active && (rc = ring_chown(name, s->pv.uid, s->pv.gid)) != 0) {
		fprintf(stderr, "lanner: ring %s: cannot give it to %s: %s\n", name, s->pv.user,
			strerror(-rc));
		return rc;
	}
	return 0;
}

static void unlink_rings(struct sv *s)
{
	ring_unlink(s->raw_name);
	for (unsigned k = 0; k < s->nevals; k++)
		ring_unlink(s->eval_names[k]);
}

/* ------------------------------------------------------------ collector handoff */

/* Lets go of the collector's kernel side: the programs detach once no
 * collector process holds them either. */
static void release_held(struct sv *s)
{
	for (int i = 0; i < s->nheld; i++)
		close(s->held_fds[i]);
	s->nheld = 0;
	s->held_len = 0;
	if (s->have_held)
		log_infof("collector: BPF programs released");
	s->have_held = false;
}

/* Reads what the collector said (never waits). Closes the socket at its end. */
static void handoff_poll(struct sv *s, struct sv_stage *st)
{
	unsigned char buf[HANDOFF_MAX_PAYLOAD];
	int fds[HANDOFF_MAX_FDS];
	size_t len;
	uint32_t type;
	int nfds, rc;

	while (st->hsock >= 0) {
		rc = handoff_recv(st->hsock, &type, buf, sizeof(buf), &len, fds, HANDOFF_MAX_FDS,
				  &nfds, 0);
		if (rc == -EAGAIN)
			return;
		if (rc != 1) {
			close(st->hsock);
			st->hsock = -1;
			return;
		}
		if (type == HANDOFF_STATE) {
			release_held(s);
			memcpy(s->held, buf, len);
			s->held_len = len;
			memcpy(s->held_fds, fds, sizeof(int) * (size_t)nfds);
			s->nheld = nfds;
			s->have_held = true;
			log_infof("collector: holding its BPF programs (%d fds) across restarts",
				  nfds);
			continue;
		}
		for (int i = 0; i < nfds; i++)
			close(fds[i]);
		if (type == HANDOFF_READY)
			st->hready = true;
		else if (type == HANDOFF_DROP)
			release_held(s);
	}
}

/* ------------------------------------------------------------ stages */

static struct sv_stage *add_stage(struct sv *s, enum sv_kind kind, unsigned index)
{
	struct sv_stage *st = &s->st[s->nst++];

	memset(st, 0, sizeof(*st));
	st->hsock = -1;
	st->kind = kind;
	st->index = index;
	st->want = true;
	switch (kind) {
	case SV_EMITTER:
		snprintf(st->name, sizeof(st->name), "emitter");
		break;
	case SV_EVALUATOR:
		snprintf(st->name, sizeof(st->name), "evaluator.%u", index);
		break;
	case SV_ENRICHER:
		snprintf(st->name, sizeof(st->name), "enricher");
		break;
	case SV_SOURCE:
		snprintf(st->name, sizeof(st->name), "%s", s->replay ? "replay" : "collector");
		break;
	case SV_UI:
		snprintf(st->name, sizeof(st->name), "ui");
		break;
	}
	return st;
}

/* What a stage keeps: eBPF capabilities for the live collector, /proc reading for the live enricher. */
static enum privs_role kind_role(enum sv_kind k, bool replay)
{
	if (k == SV_SOURCE && !replay)
		return PRIVS_COLLECTOR;
	if (k == SV_ENRICHER && !replay)
		return PRIVS_ENRICHER;
	return PRIVS_PLAIN;
}

/* "lanner: cannot take the pipeline user's identity for STAGE: errno N", without stdio (after fork). */
static void child_fail(const char *stage, int err)
{
	char num[16];
	int i = (int)sizeof(num);

	num[--i] = '\n';
	do {
		num[--i] = (char)('0' + err % 10);
		err /= 10;
	} while (err && i > 0);
	static const char pre[] = "lanner: cannot take the pipeline user's identity for ";
	static const char mid[] = ": errno ";

	(void)!write(2, pre, sizeof(pre) - 1);
	(void)!write(2, stage, strlen(stage));
	(void)!write(2, mid, sizeof(mid) - 1);
	(void)!write(2, num + i, sizeof(num) - (size_t)i);
}

static int start_stage(struct sv *s, struct sv_stage *st)
{
	char bin[PATH_MAX], num[32], rsz[32], hfd[16];
	int hs[2] = {-1, -1};
	const char *subdir = NULL, *name = kind_binary(st->kind, s->replay, &subdir);
	const char *argv[SV_MAX_ARGV];
	size_t n = 0;
	pid_t pid;

	if (sv_find_binary(name, subdir, bin, sizeof(bin)) != 0) {
		fprintf(stderr,
			"lanner: cannot find the stage binary %s (next to lanner, in ../%s, "
			"or in LANNER_BIN_DIR)\n",
			name, subdir);
		return -ENOENT;
	}
	argv[n++] = bin;
	if (st->kind == SV_SOURCE && !s->replay) {
		/* the collector takes its ring on the command line */
		snprintf(rsz, sizeof(rsz), "%zu", s->ring_size);
		argv[n++] = "--ring";
		argv[n++] = s->raw_name;
		argv[n++] = "--ring-size";
		argv[n++] = rsz;
		/* the kernel side outlives the process: we hold it between two
		 * collectors (common/handoff.h) */
		if (handoff_pair(hs) == 0) {
			int rc = s->have_held
					 ? handoff_send(hs[0], HANDOFF_ADOPT, s->held, s->held_len,
							s->held_fds, s->nheld)
					 : handoff_send(hs[0], HANDOFF_FRESH, NULL, 0, NULL, 0);

			if (rc != 0) {
				log_warningf("collector handoff: %s; it starts anew",
					     strerror(-rc));
				close(hs[0]);
				close(hs[1]);
				hs[0] = hs[1] = -1;
				release_held(s);
			} else {
				snprintf(hfd, sizeof(hfd), "%d", hs[1]);
				argv[n++] = "--handoff-fd";
				argv[n++] = hfd;
			}
		}
	}
	/* every stage reads the configuration; the collector too: its selection
	 * comes from the rules (base_syscalls), its drop actions from
	 * syscall_event_drops */
	if (s->o->config) {
		argv[n++] = "-c";
		argv[n++] = s->o->config;
	}
	for (size_t i = 0; i < s->o->noverrides; i++) {
		argv[n++] = "-o";
		argv[n++] = s->o->overrides[i];
	}
	if (st->kind == SV_EVALUATOR || st->kind == SV_ENRICHER ||
	    (st->kind == SV_SOURCE && !s->replay)) {
		for (size_t i = 0; i < s->nrules; i++) {
			argv[n++] = "-r";
			argv[n++] = s->rules[i];
		}
	}
	if (st->kind == SV_EVALUATOR) {
		snprintf(num, sizeof(num), "%u", st->index);
		argv[n++] = "--index";
		argv[n++] = num;
	} else if (st->kind == SV_ENRICHER) {
		snprintf(num, sizeof(num), "%u", s->nevals);
		argv[n++] = "--evaluators";
		argv[n++] = num;
		if (s->replay)
			argv[n++] = "--replay";
	} else if (st->kind == SV_SOURCE && s->replay) {
		argv[n++] = s->capture;
	}
	argv[n] = NULL;
	if (st->kind == SV_EMITTER)
		unlink(s->intake_path); /* readiness is its socket file appearing */
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		int e = errno;

		if (hs[0] >= 0) {
			close(hs[0]);
			close(hs[1]);
		}
		return -e;
	}
	if (pid == 0) {
		/* nng is not fork-safe: nothing but exec here */
		sigset_t none;

		sigemptyset(&none);
		sigprocmask(SIG_SETMASK, &none, NULL);
		signal(SIGHUP, SIG_DFL);
		signal(SIGTERM, SIG_DFL);
		signal(SIGINT, SIG_DFL);
		/* Own process group: a terminal's ^C reaches only the supervisor, which
		 * stops the stages in pipeline order. If the supervisor dies, its
		 * stages are told to stop (they drain as on SIGTERM). */
		setpgid(0, 0);
		/* least privilege (privs.c) before the death signal: a credential
		 * change clears PR_SET_PDEATHSIG */
		{
			int rc = privs_apply(&s->pv, kind_role(st->kind, s->replay));

			if (rc) {
				child_fail(st->name, -rc);
				_exit(126);
			}
		}
		prctl(PR_SET_PDEATHSIG, SIGTERM);
		if (getppid() != s->self_pid)
			_exit(127); /* the supervisor died before prctl */
		if (hs[1] >= 0)
			fcntl(hs[1], F_SETFD, 0); /* the stage's end survives exec */
		execv(bin, (char *const *)argv);
		fprintf(stderr, "lanner: exec %s: %s\n", bin, strerror(errno));
		_exit(127);
	}
	if (hs[1] >= 0)
		close(hs[1]);
	if (st->hsock >= 0)
		close(st->hsock);
	st->hsock = hs[0];
	st->hready = false;
	st->pid = pid;
	st->ready = false;
	{
		struct ring_stats rs;

		st->ring_base = ring_stat_name(s->raw_name, &rs) == 0 ? rs.prod_pos : 0;
	}
	st->term_sent = false;
	st->started = now_s();
	st->restart_at = 0;
	st->cpu_ticks = 0;
	st->cpu_at = 0;
	log_infof("started %s (pid %d)", st->name, (int)pid);
	return 0;
}

/* Whether st has attached to what it serves; checked without asking it. */
static bool check_ready(struct sv *s, struct sv_stage *st)
{
	struct ring_stats rs;
	struct stat sb;

	if (!st->pid)
		return false;
	if (st->ready)
		return true;
	switch (st->kind) {
	case SV_EMITTER:
		st->ready = stat(s->intake_path, &sb) == 0 && S_ISSOCK(sb.st_mode);
		break;
	case SV_EVALUATOR:
		st->ready = ring_stat_name(s->eval_names[st->index], &rs) == 0 &&
			    rs.consumer_pid == st->pid;
		break;
	case SV_ENRICHER:
		st->ready = ring_stat_name(s->raw_name, &rs) == 0 && rs.consumer_pid == st->pid;
		for (unsigned k = 0; st->ready && k < s->nevals; k++)
			st->ready = ring_stat_name(s->eval_names[k], &rs) == 0 &&
				    rs.producer_pid == st->pid;
		break;
	case SV_SOURCE:
		st->ready = ring_stat_name(s->raw_name, &rs) == 0 && rs.producer_pid == st->pid;
		if (st->ready && !s->replay && st->hsock >= 0) {
			/* it says when its programs run (loaded, or taken over) */
			handoff_poll(s, st);
			st->ready = st->hready;
		} else if (st->ready && !s->replay) {
			/* The collector attaches to the ring before its BPF programs are
			 * loaded: ready once events flow. Make one (an openat) ourselves. */
			int fd = open("/dev/null", O_RDONLY | O_CLOEXEC);

			if (fd >= 0)
				close(fd);
			st->ready = rs.prod_pos > st->ring_base;
		}
		break;
	case SV_UI:
		st->ready = now_s() - st->started > 0.5;
		break;
	}
	return st->ready;
}

static struct sv_stage *find_pid(struct sv *s, pid_t pid)
{
	for (unsigned i = 0; i < s->nst; i++)
		if (s->st[i].pid == pid)
			return &s->st[i];
	return NULL;
}

static void describe_status(int status, char *buf, size_t n)
{
	if (WIFEXITED(status))
		snprintf(buf, n, "exit status %d", WEXITSTATUS(status));
	else if (WIFSIGNALED(status))
		snprintf(buf, n, "killed by signal %d (%s)", WTERMSIG(status),
			 strsignal(WTERMSIG(status)));
	else
		snprintf(buf, n, "status 0x%x", status);
}

static void schedule_restart(struct sv *s, struct sv_stage *st)
{
	double backoff = SV_BACKOFF_MIN_S;

	if (now_s() - st->started > SV_STABLE_S)
		st->fails = 0;
	st->fails++;
	for (unsigned i = 1; i < st->fails && backoff < SV_BACKOFF_MAX_S; i++)
		backoff *= 2;
	if (backoff > SV_BACKOFF_MAX_S)
		backoff = SV_BACKOFF_MAX_S;
	if (st->fails > SV_MAX_FAILS) {
		fprintf(stderr, "lanner: %s keeps dying (%u times in a row); stopping\n", st->name,
			st->fails - 1);
		sv_alert(s, ALERT_PRIO_CRITICAL, "Lanner internal: stage keeps failing", st,
			 "Lanner stage %s died %u times in a row; stopping the pipeline", st->name,
			 st->fails - 1);
		s->exit_status = 1;
		s->stopping = true;
		return;
	}
	st->restart_at = now_s() + backoff;
}

/* A child exited: decide what it means. */
static void on_exit_stage(struct sv *s, struct sv_stage *st, int status)
{
	char how[96];
	bool clean = WIFEXITED(status) && WEXITSTATUS(status) == 0;
	bool was_ready = st->ready;

	describe_status(status, how, sizeof(how));
	st->pid = 0;
	st->ready = false;
	if (st->term_sent || !st->want) {
		log_infof("%s stopped (%s)", st->name, how);
		if (!clean && !(WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM))
			log_warningf("%s did not stop cleanly: %s", st->name, how);
		return;
	}
	if (st->kind == SV_EVALUATOR && s->regroup) {
		/* drained after the enricher closed its ring (reload, or the enricher
		 * exited): regroup_step() starts it again */
		log_infof("%s finished its ring (%s)", st->name, how);
		return;
	}
	if (s->stopping) {
		/* draining: enricher and evaluators exit by themselves at the end */
		log_infof("%s finished (%s)", st->name, how);
		if (!clean)
			s->exit_status = 1;
		return;
	}
	if (st->kind == SV_SOURCE && s->replay) {
		if (clean) {
			log_infof("replay of %s finished; draining", s->capture);
		} else {
			/* a replay cannot resume in the middle of its file: restarting
			 * it would deliver the first events twice */
			sv_alert(
				s, ALERT_PRIO_ERROR, "Lanner internal: stage died", st,
				"Lanner capture replay died (%s); a replay cannot resume, stopping",
				how);
			s->exit_status = 1;
		}
		st->want = false;
		s->stopping = true;
		return;
	}
	if (s->replay && clean && (st->kind == SV_ENRICHER || st->kind == SV_EVALUATOR)) {
		/* Without a reload, these exit cleanly only when their input ring was
		 * closed and drained: the replay is over (its own exit may be reaped
		 * after theirs). */
		log_infof("%s finished (end of the replay)", st->name);
		st->want = false;
		s->stopping = true;
		return;
	}
	if (st->kind == SV_SOURCE && WIFEXITED(status) && WEXITSTATUS(status) == 3) {
		/* lanner-collector's status for syscall_event_drops' `exit` action:
		 * as Falco, the whole engine stops (non-zero), it is not restarted */
		sv_alert(s, ALERT_PRIO_CRITICAL, "Lanner internal: stage died", st,
			 "Lanner collector stopped on dropped syscall events "
			 "(syscall_event_drops.actions has exit); stopping");
		s->exit_status = 1;
		st->want = false;
		s->stopping = true;
		return;
	}
	if (!was_ready && st->restarts == 0) {
		fprintf(stderr,
			"lanner: %s could not start (%s); see its messages above. "
			"Stopping.\n",
			st->name, how);
		s->exit_status = 1;
		s->stopping = true;
		return;
	}
	if (st->kind == SV_ENRICHER && WIFEXITED(status)) {
		/* It closed the evaluator rings on its way out (cleanly or not): the
		 * evaluators drain them and exit; then the group starts again on
		 * fresh evaluator rings. */
		sv_alert(s, ALERT_PRIO_WARNING, "Lanner internal: stage restarted", st,
			 "Lanner stage enricher exited (%s); restarting it with the evaluators",
			 how);
		s->regroup = true;
		return;
	}
	schedule_restart(s, st);
	if (!s->stopping) {
		st->restarts++;
		sv_alert(s, ALERT_PRIO_WARNING, "Lanner internal: stage restarted", st,
			 "Lanner stage %s died (%s); restarting it in %.2f s", st->name, how,
			 st->restart_at - now_s());
	}
}

static void reap(struct sv *s)
{
	int status;
	pid_t pid;

	while ((pid = waitpid(-1, &status, WNOHANG)) > 0) {
		struct sv_stage *st = find_pid(s, pid);

		if (!st)
			continue;
		if (st->hsock >= 0)
			handoff_poll(s, st); /* what it sent before it died; then EOF */
		if (st->hsock >= 0) {
			close(st->hsock);
			st->hsock = -1;
		}
		on_exit_stage(s, st, status);
		/* Held only for a collector that comes back: a stop, the drop
		 * action's exit or a failed start detach the programs now. */
		if (st->kind == SV_SOURCE && !(st->want && st->restart_at > 0 && !s->stopping))
			release_held(s);
	}
}

/* Starts the stages of kind (all evaluators, or the one) and waits until they are ready. */
static int start_group(struct sv *s, enum sv_kind kind)
{
	double deadline;
	bool all;

	for (unsigned i = 0; i < s->nst; i++) {
		struct sv_stage *st = &s->st[i];

		if (st->kind != kind || !st->want || st->pid)
			continue;
		if (start_stage(s, st) != 0)
			return -1;
	}
	deadline = now_s() + SV_READY_TIMEOUT_S;
	for (;;) {
		all = true;
		reap(s);
		/* a failure, or the user's stop; the end of a replay does not abort
		 * a regroup (its records still have to go through) */
		if (s->exit_status || sig_stop)
			return -1;
		for (unsigned i = 0; i < s->nst; i++) {
			struct sv_stage *st = &s->st[i];

			if (st->kind != kind || !st->want)
				continue;
			if (!st->pid) {
				/* a replay may be done before we look */
				if (kind == SV_SOURCE)
					continue;
				all = false;
			} else if (!check_ready(s, st)) {
				all = false;
			}
		}
		if (all)
			return 0;
		if (now_s() > deadline) {
			for (unsigned i = 0; i < s->nst; i++)
				if (s->st[i].kind == kind && s->st[i].pid && !s->st[i].ready)
					fprintf(stderr,
						"lanner: %s did not become ready within %.0f s; "
						"stopping\n",
						s->st[i].name, SV_READY_TIMEOUT_S);
			s->exit_status = 1;
			s->stopping = true;
			return -1;
		}
		sleep_s(0.02);
	}
}

/* ------------------------------------------------------------ rules and reload */

static int resolve_rules(struct sv *s)
{
	const char **files = NULL;
	size_t n = 0;
	bool any = false;

	s->nrules = 0;
	for (size_t i = 0; i < s->o->nrules && i < STAGE_MAX_ARGS; i++)
		s->rules[s->nrules++] = s->o->rules[i];
	if (s->nrules)
		return 0;
	/* Falco's rules_files, else its older rules_file */
	if (cfg_get_strlist(s->cfg, "rules_files", &files, &n) != 0 || n == 0) {
		free(files);
		files = NULL;
		n = 0;
		cfg_get_strlist(s->cfg, "rules_file", &files, &n);
	}
	for (size_t i = 0; i < n; i++)
		if (access(files[i], R_OK) == 0)
			any = true;
	free(files);
	if (any)
		return 0; /* the stages read rules_files from the same config */
	{
		const char *fb = sv_default_rules();

		if (!fb) {
			fprintf(stderr,
				"lanner: no rules: none of the configured rules_files exists "
				"and no -r was given\n");
			return -ENOENT;
		}
		snprintf(s->fallback_rules, sizeof(s->fallback_rules), "%s", fb);
		s->rules[s->nrules++] = s->fallback_rules;
	}
	return 0;
}

/* Loads the configuration again and compiles the rules: the check before a reload. */
static int check_rules(struct sv *s, struct cfg **out_cfg, char *err, size_t errlen, size_t *nrules)
{
	struct cfg *cfg = cfg_new();
	struct rules_loader *l = NULL;
	struct rules_ruleset *rs;

	if (!cfg) {
		snprintf(err, errlen, "out of memory");
		return -ENOMEM;
	}
	if (cfg_load(cfg, s->o->config, s->o->overrides, s->o->noverrides) != 0 ||
	    cfg_error_count(cfg)) {
		snprintf(err, errlen, "configuration: %s",
			 cfg_last_error(cfg) ? cfg_last_error(cfg) : "errors");
		cfg_free(cfg);
		return -EINVAL;
	}
	rs = rules_setup(cfg, s->rules, s->nrules, &l, err, errlen);
	if (!rs) {
		/* the first error with its place (file:line:col), not only a summary */
		for (size_t i = 0; l && i < l->diags.n; i++) {
			char *txt = NULL;
			size_t len = 0;
			FILE *m;

			if (l->diags.v[i].sev != RULES_ERROR)
				continue;
			m = open_memstream(&txt, &len);
			if (m) {
				rules_diag_print(m, &l->diags.v[i], rules_loader_line, l);
				fclose(m);
				for (char *c = txt; c && *c; c++)
					if (*c == '\n')
						*c = *(c + 1) ? ' ' : '\0';
				snprintf(err, errlen, "%s", txt ? txt : "rules errors");
			}
			free(txt);
			break;
		}
		rules_loader_free(l);
		cfg_free(cfg);
		return -EINVAL;
	}
	*nrules = rs->nrules;
	rules_ruleset_free(rs);
	rules_loader_free(l);
	if (out_cfg)
		*out_cfg = cfg;
	else
		cfg_free(cfg);
	return 0;
}

static struct sv_stage *stage_of(struct sv *s, enum sv_kind kind)
{
	for (unsigned i = 0; i < s->nst; i++)
		if (s->st[i].kind == kind)
			return &s->st[i];
	return NULL;
}

static void do_reload(struct sv *s)
{
	char err[1024];
	size_t n = 0;
	struct sv_stage *en = stage_of(s, SV_ENRICHER), *src;

	if (s->regroup) {
		if (!s->reload_pending)
			log_infof("reload: a restart of the enricher and evaluators is in "
				  "progress; reloading once it is done");
		s->reload_pending = true;
		return;
	}
	s->reload_pending = false;
	if (check_rules(s, NULL, err, sizeof(err), &n) != 0) {
		s->reload_failures++;
		sv_alert(s, ALERT_PRIO_ERROR, "Lanner internal: rules reload refused", NULL,
			 "Lanner rules reload refused, the running rules stay: %s", err);
		return;
	}
	log_infof("reload: %zu rules compiled; restarting the enricher and evaluators on them", n);
	/* The collector selects again from the new rules, without detaching its
	 * programs (SIGHUP). Until the enricher restarts it may report more or
	 * fewer types than the old rules needed; the enricher keeps its state
	 * set either way, and forwards only what the rules match. */
	src = stage_of(s, SV_SOURCE);
	if (src && src->pid && !s->replay)
		kill(src->pid, SIGHUP);
	s->reloads++;
	s->reloading = true;
	s->regroup = true;
	if (en && en->pid) {
		en->term_sent = true;
		en->term_at = now_s();
		kill(en->pid, SIGTERM);
	}
}

/* The enricher is gone and the evaluators drained its rings: start them all again. */
static void regroup_step(struct sv *s)
{
	struct sv_stage *en = stage_of(s, SV_ENRICHER);

	if (en->pid)
		return;
	for (unsigned i = 0; i < s->nst; i++) {
		struct sv_stage *st = &s->st[i];

		/* Evaluators exit once their ring is closed and drained. One
		 * that waits on an emitter that is down stays until it returns. */
		if (st->kind == SV_EVALUATOR && st->pid) {
			if (!st->term_sent) {
				st->term_sent = true;
				st->term_at = now_s();
				kill(st->pid, SIGTERM); /* exits only once drained */
			}
			return;
		}
	}
	for (unsigned k = 0; k < s->nevals; k++)
		if (create_ring(s, s->eval_names[k]) != 0) {
			s->exit_status = 1;
			s->stopping = true;
			return;
		}
	s->regroup = false;
	for (unsigned i = 0; i < s->nst; i++)
		s->st[i].restart_at = s->st[i].kind == SV_EVALUATOR || s->st[i].kind == SV_ENRICHER
					      ? 0
					      : s->st[i].restart_at;
	if (start_group(s, SV_EVALUATOR) != 0 || start_group(s, SV_ENRICHER) != 0) {
		fprintf(stderr, "lanner: the enricher and evaluators could not start again; "
				"stopping\n");
		s->exit_status = 1;
		s->stopping = true;
		return;
	}
	if (s->reloading)
		sv_alert(s, ALERT_PRIO_INFORMATIONAL, "Lanner internal: rules reloaded", en,
			 "Lanner rules reloaded: enricher and %u evaluators restarted on them",
			 s->nevals);
	s->reloading = false;
}

/* Newest mtime among the config file and the rules files (and directories). */
static void newest_mtime(struct sv *s, struct timespec *out)
{
	struct stat sb;
	const char **files = NULL;
	size_t n = 0;

	memset(out, 0, sizeof(*out));
#define SV_NEWER(p)                                                                                \
	do {                                                                                       \
		if (stat((p), &sb) == 0 &&                                                         \
		    (sb.st_mtim.tv_sec > out->tv_sec ||                                            \
		     (sb.st_mtim.tv_sec == out->tv_sec && sb.st_mtim.tv_nsec > out->tv_nsec)))     \
			*out = sb.st_mtim;                                                         \
	} while (0)
	if (s->o->config)
		SV_NEWER(s->o->config);
	for (size_t i = 0; i < s->nrules; i++)
		SV_NEWER(s->rules[i]);
	if (!s->nrules && cfg_get_strlist(s->cfg, "rules_files", &files, &n) == 0) {
		for (size_t i = 0; i < n; i++)
			SV_NEWER(files[i]);
		free(files);
	}
#undef SV_NEWER
}

/* ------------------------------------------------------------ metrics */

struct sv_buf {
	char *p;
	size_t len, cap;
};

static void bprintf(struct sv_buf *b, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

static void bprintf(struct sv_buf *b, const char *fmt, ...)
{
	va_list ap;
	int n;

	for (;;) {
		va_start(ap, fmt);
		n = vsnprintf(b->p ? b->p + b->len : NULL, b->p ? b->cap - b->len : 0, fmt, ap);
		va_end(ap);
		if (n < 0)
			return;
		if (b->p && b->len + (size_t)n < b->cap) {
			b->len += (size_t)n;
			return;
		}
		size_t cap = (b->cap ? b->cap * 2 : 8192) + (size_t)n;
		char *p = realloc(b->p, cap);

		if (!p)
			return;
		b->p = p;
		b->cap = cap;
	}
}

/* utime+stime ticks and RSS/VSZ bytes of pid from /proc; 0 on success. */
static int proc_usage(pid_t pid, unsigned long long *ticks, unsigned long long *rss,
		      unsigned long long *vsz)
{
	char path[64], buf[1024], *p;
	unsigned long long ut = 0, stt = 0, pages_vsz = 0, pages_rss = 0;
	FILE *f;
	size_t n;

	snprintf(path, sizeof(path), "/proc/%d/stat", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	n = fread(buf, 1, sizeof(buf) - 1, f);
	fclose(f);
	buf[n] = '\0';
	p = strrchr(buf, ')'); /* comm may hold spaces */
	if (!p ||
	    sscanf(p + 2, "%*c %*d %*d %*d %*d %*d %*u %*u %*u %*u %*u %llu %llu", &ut, &stt) != 2)
		return -EPROTO;
	*ticks = ut + stt;
	snprintf(path, sizeof(path), "/proc/%d/statm", (int)pid);
	f = fopen(path, "r");
	if (!f)
		return -errno;
	if (fscanf(f, "%llu %llu", &pages_vsz, &pages_rss) != 2)
		pages_vsz = pages_rss = 0;
	fclose(f);
	*rss = pages_rss * (unsigned long long)sysconf(_SC_PAGESIZE);
	*vsz = pages_vsz * (unsigned long long)sysconf(_SC_PAGESIZE);
	return 0;
}

static void ring_metrics(struct sv_buf *b, const char *label, const char *name)
{
	struct ring_stats rs;

	if (ring_stat_name(name, &rs) != 0)
		return;
	bprintf(b, "lanner_ring_size_bytes{ring=\"%s\"} %llu\n", label,
		(unsigned long long)rs.data_size);
	bprintf(b, "lanner_ring_used_bytes{ring=\"%s\"} %llu\n", label,
		(unsigned long long)rs.used);
	bprintf(b, "lanner_ring_fill_ratio{ring=\"%s\"} %.6f\n", label,
		rs.data_size ? (double)rs.used / (double)rs.data_size : 0.0);
	bprintf(b, "lanner_ring_written_bytes_total{ring=\"%s\"} %llu\n", label,
		(unsigned long long)rs.prod_pos);
	bprintf(b, "lanner_ring_producer_waits_total{ring=\"%s\"} %llu\n", label,
		(unsigned long long)rs.prod_sleeps);
}

static bool all_ready(struct sv *s)
{
	for (unsigned i = 0; i < s->nst; i++)
		if (s->st[i].want && !(s->st[i].pid && s->st[i].ready))
			return false;
	return true;
}

/* What the metrics know of each stage: its last STATS and its resources. */
static void stage_inputs(struct sv *s, struct sv_metrics_stage *in, struct sv_stats_slot *slots)
{
	static const char *const kinds[] = {[SV_EMITTER] = "emitter",
					    [SV_EVALUATOR] = "evaluator",
					    [SV_ENRICHER] = "enricher",
					    [SV_SOURCE] = "collector",
					    [SV_UI] = "ui"};

	for (unsigned i = 0; i < s->nst; i++) {
		struct sv_stage *st = &s->st[i];

		sv_stats_get(s->stats, i, &slots[i]);
		in[i] = (struct sv_metrics_stage){
			.name = st->name,
			.kind = st->kind == SV_SOURCE && s->replay ? "replay" : kinds[st->kind],
			.reply = slots[i].reply,
			.answering = slots[i].answering,
			.failures = slots[i].failures,
			.running = st->pid != 0,
			.cpu_ratio = st->cpu_ratio,
			.rss = st->rss,
			.vsz = st->vsz,
		};
	}
}

static void release_inputs(struct sv *s, struct sv_stats_slot *slots)
{
	for (unsigned i = 0; i < s->nst; i++)
		json_decref(slots[i].reply);
}

/*
 * The `metrics` section's snapshot: Falco's "Falco internal: metrics
 * snapshot" alert (output_rule) and/or a JSON line {"sample": N,
 * "output_fields": {...}} appended to output_file.
 */
static void metrics_snapshot(struct sv *s)
{
	static struct sv_metrics_stage in[SV_MAX_STAGES];
	static struct sv_stats_slot slots[SV_MAX_STAGES];
	struct timespec ts;
	uint64_t now;
	json_t *fields;

	clock_gettime(CLOCK_REALTIME, &ts);
	now = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	stage_inputs(s, in, slots);
	fields = sv_metrics_snapshot(in, s->nst, &s->mopts, &s->mprev, s->hostname,
				     s->replay ? "savefile" : "modern_bpf", s->start_wall_ns, now);
	release_inputs(s, slots);
	if (!fields)
		return;
	s->samples++;
	if (s->metrics_file[0]) {
		json_t *line = json_pack("{s:I, s:O}", "sample", (json_int_t)s->samples,
					 "output_fields", fields);
		char *text = line ? json_dumps(line, JSON_COMPACT) : NULL;
		FILE *f = text ? fopen(s->metrics_file, "ae") : NULL;

		if (f) {
			fprintf(f, "%s\n", text);
			fclose(f);
		} else if (text) {
			log_warningf("metrics.output_file %s: %s", s->metrics_file,
				     strerror(errno));
		}
		free(text);
		json_decref(line);
	}
	if (s->metrics_rule && s->tx) {
		struct alert *a = alert_new();
		const char *key;
		json_t *v;

		if (a) {
			a->time_ns = now;
			a->priority = ALERT_PRIO_INFORMATIONAL;
			alert_set_rule(a, "Falco internal: metrics snapshot");
			alert_set_source(a, "internal");
			alert_set_hostname(a, s->hostname);
			alert_set_output(a, "Falco metrics snapshot");
			json_object_foreach(fields, key, v)
			{
				if (json_is_string(v))
					alert_add_string(a, key, json_string_value(v));
				else if (json_is_integer(v))
					alert_add_int64(a, key, json_integer_value(v));
				else if (json_is_real(v))
					alert_add_double(a, key, json_real_value(v));
			}
			if (alert_tx_add(s->tx, a) != 0)
				log_warningf("metrics snapshot kept for later: the emitter does "
					     "not answer");
			alert_free(a);
		}
	}
	json_decref(fields);
}

static void publish_metrics(struct sv *s)
{
	static struct sv_metrics_stage in[SV_MAX_STAGES];
	static struct sv_stats_slot slots[SV_MAX_STAGES];
	struct sv_buf b = {0};
	char versions[512];
	long hz = sysconf(_SC_CLK_TCK);
	double t = now_s();

	bprintf(&b, "# HELP falcosecurity_falco_version_info Lanner version (Falco-compatible "
		    "name).\n# TYPE falcosecurity_falco_version_info gauge\n");
	bprintf(&b, "falcosecurity_falco_version_info{version=\"%s\",engine_version=\"%s\"} 1\n",
		lnr_version(), lnr_engine_version());
	bprintf(&b, "# TYPE falcosecurity_falco_cpu_usage_ratio gauge\n"
		    "# TYPE falcosecurity_falco_memory_rss_bytes gauge\n"
		    "# TYPE falcosecurity_falco_memory_vsz_bytes gauge\n"
		    "# TYPE lanner_stage_up gauge\n# TYPE lanner_stage_restarts_total counter\n");
	for (unsigned i = 0; i < s->nst; i++) {
		struct sv_stage *st = &s->st[i];
		unsigned long long ticks = 0, rss = 0, vsz = 0;

		bprintf(&b, "lanner_stage_up{stage=\"%s\"} %d\n", st->name,
			st->pid && st->ready ? 1 : 0);
		bprintf(&b, "lanner_stage_restarts_total{stage=\"%s\"} %u\n", st->name,
			st->restarts);
		if (!st->pid || proc_usage(st->pid, &ticks, &rss, &vsz) != 0)
			continue;
		if (st->cpu_at > 0 && t > st->cpu_at && ticks >= st->cpu_ticks)
			st->cpu_ratio =
				(double)(ticks - st->cpu_ticks) / (double)hz / (t - st->cpu_at);
		st->cpu_ticks = ticks;
		st->cpu_at = t;
		bprintf(&b, "falcosecurity_falco_cpu_usage_ratio{stage=\"%s\"} %.4f\n", st->name,
			st->cpu_ratio);
		bprintf(&b, "falcosecurity_falco_memory_rss_bytes{stage=\"%s\"} %llu\n", st->name,
			rss);
		bprintf(&b, "falcosecurity_falco_memory_vsz_bytes{stage=\"%s\"} %llu\n", st->name,
			vsz);
		st->rss = rss;
		st->vsz = vsz;
	}
	bprintf(&b, "# TYPE lanner_ring_fill_ratio gauge\n");
	ring_metrics(&b, "raw", s->raw_name);
	for (unsigned k = 0; k < s->nevals; k++) {
		char label[32];

		snprintf(label, sizeof(label), "eval.%u", k);
		ring_metrics(&b, label, s->eval_names[k]);
	}
	bprintf(&b, "# TYPE lanner_reloads_total counter\nlanner_reloads_total %llu\n", s->reloads);
	bprintf(&b, "lanner_reload_failures_total %llu\n", s->reload_failures);
	{
		/* the stages' own counters, from their last STATS */
		char *text = NULL;
		size_t len = 0;
		FILE *m = open_memstream(&text, &len);

		if (m) {
			stage_inputs(s, in, slots);
			sv_metrics_prometheus(m, in, s->nst, &s->mopts);
			release_inputs(s, slots);
			fclose(m);
			bprintf(&b, "%s", text ? text : "");
		}
		free(text);
	}
	snprintf(versions, sizeof(versions),
		 "{\"lanner_version\": \"%s\", \"engine_version\": \"%s\", "
		 "\"engine_version_semver\": \"%s\", \"falco_version\": \"%s\"}\n",
		 lnr_version(), lnr_engine_version(), lnr_engine_version(), lnr_version());
	if (s->http)
		sv_http_publish(s->http, b.p ? b.p : "", versions, all_ready(s) && !s->stopping);
	free(b.p);
}

/* Reads the `metrics` section (Falco's keys). */
static void metrics_setup(struct sv *s)
{
	const char *iv = cfg_get_string(s->cfg, "metrics.interval", "1h");
	const char *file = cfg_get_string(s->cfg, "metrics.output_file", "");

	s->metrics_enabled = cfg_get_bool(s->cfg, "metrics.enabled", false);
	s->metrics_rule = cfg_get_bool(s->cfg, "metrics.output_rule", true);
	snprintf(s->metrics_file, sizeof(s->metrics_file), "%s", file ? file : "");
	s->mopts = (struct sv_metrics_opts){
		.rules_counters = cfg_get_bool(s->cfg, "metrics.rules_counters_enabled", true),
		.resource_utilization =
			cfg_get_bool(s->cfg, "metrics.resource_utilization_enabled", true),
		.state_counters = cfg_get_bool(s->cfg, "metrics.state_counters_enabled", true),
		.kernel_event_counters =
			cfg_get_bool(s->cfg, "metrics.kernel_event_counters_enabled", true),
		.kernel_event_counters_per_cpu = cfg_get_bool(
			s->cfg, "metrics.kernel_event_counters_per_cpu_enabled", false),
		.include_empty_values = cfg_get_bool(s->cfg, "metrics.include_empty_values", false),
		.convert_memory_to_mb = cfg_get_bool(s->cfg, "metrics.convert_memory_to_mb", true),
	};
	if (sv_metrics_parse_interval(iv, &s->metrics_interval_ms) != 0) {
		log_warningf(
			"metrics.interval '%s' is not a duration (e.g. 15m, 1h, 30s); using 1h",
			iv);
		s->metrics_interval_ms = 3600000;
	}
	if (s->metrics_interval_ms < 100) {
		log_warningf("metrics.interval below the minimum of 100ms; using 100ms");
		s->metrics_interval_ms = 100;
	}
	if (s->metrics_enabled && !s->metrics_rule && !s->metrics_file[0])
		log_warningf("metrics.enabled is set but neither output_rule nor output_file: no "
			     "snapshots (Prometheus still gets the figures)");
	if (s->metrics_enabled)
		log_infof("metrics snapshot every %llu ms%s%s%s",
			  (unsigned long long)s->metrics_interval_ms,
			  s->metrics_rule ? " as an internal alert" : "",
			  s->metrics_file[0] ? " to " : "", s->metrics_file);
}

/* Control socket and lock files a killed stage left behind. */
static void remove_ctl_files(struct sv *s)
{
	char path[PATH_MAX];

	for (unsigned i = 0; i < s->nst; i++) {
		snprintf(path, sizeof(path), "%s/ctl-%s.sock", stage_run_dir(s->cfg),
			 s->st[i].name);
		unlink(path);
		snprintf(path, sizeof(path), "%s/ctl-%s.lock", stage_run_dir(s->cfg),
			 s->st[i].name);
		unlink(path);
	}
}

/* ------------------------------------------------------------ stop */

static void term(struct sv_stage *st)
{
	if (st->pid && !st->term_sent) {
		st->term_sent = true;
		st->term_at = now_s();
		kill(st->pid, SIGTERM);
	}
}

static bool any_running(struct sv *s, enum sv_kind kind)
{
	for (unsigned i = 0; i < s->nst; i++)
		if (s->st[i].kind == kind && s->st[i].pid)
			return true;
	return false;
}

/*
 * Stops in pipeline order: the source first; each later stage once its
 * producer is gone (SIGTERM makes it exit when its input is empty, so it
 * drains); the emitter last, once every evaluator's alerts are in its journal.
 */
static void stop_step(struct sv *s)
{
	static const enum sv_kind order[] = {SV_SOURCE, SV_ENRICHER, SV_EVALUATOR, SV_EMITTER,
					     SV_UI};
	double t = now_s();

	for (unsigned i = 0; i < s->nst; i++) {
		s->st[i].want = false;
		s->st[i].restart_at = 0;
		if (s->st[i].pid && s->st[i].term_sent &&
		    t - s->st[i].term_at > SV_STOP_TIMEOUT_S) {
			fprintf(stderr, "lanner: %s did not stop within %.0f s; killing it\n",
				s->st[i].name, SV_STOP_TIMEOUT_S);
			kill(s->st[i].pid, SIGKILL);
			s->st[i].term_at = t; /* once */
		}
	}
	for (size_t o = 0; o < sizeof(order) / sizeof(order[0]); o++) {
		if (order[o] == SV_EMITTER && !s->emitter_flushed) {
			/* internal alerts first; then give the outputs a moment to
			 * write what the journal holds */
			sv_alert_flush(s);
			sleep_s(0.3);
			s->emitter_flushed = true;
		}
		for (unsigned i = 0; i < s->nst; i++)
			if (s->st[i].kind == order[o])
				term(&s->st[i]);
		if (any_running(s, order[o]))
			return;
	}
}

static bool all_stopped(struct sv *s)
{
	for (unsigned i = 0; i < s->nst; i++)
		if (s->st[i].pid)
			return false;
	return true;
}

/* ------------------------------------------------------------ run */

static int setup(struct sv *s)
{
	const char *kind;
	char what[32];
	const char *url;

	if (resolve_rules(s) != 0)
		return -1;
	if (s->o->replay) {
		s->replay = true;
		snprintf(s->capture, sizeof(s->capture), "%s", s->o->replay);
	} else {
		kind = cfg_get_string(s->cfg, "engine.kind", "modern_ebpf");
		if (strcmp(kind, "replay") == 0) {
			s->replay = true;
			snprintf(s->capture, sizeof(s->capture), "%s",
				 cfg_get_string(s->cfg, "engine.replay.capture_file", ""));
			if (!s->capture[0]) {
				fprintf(stderr, "lanner: engine.kind is replay but "
						"engine.replay.capture_file is not set\n");
				return -1;
			}
		}
	}
	if (s->replay && access(s->capture, R_OK) != 0) {
		fprintf(stderr, "lanner: capture file %s: %s\n", s->capture, strerror(errno));
		return -1;
	}
	s->nevals = s->o->evaluators;
	if (!s->nevals)
		s->nevals = (unsigned)cfg_get_uint(s->cfg, "lanner.evaluators", 0);
	if (!s->nevals)
		s->nevals = (unsigned)sysconf(_SC_NPROCESSORS_ONLN);
	if (s->nevals < 1 || s->nevals > SV_MAX_EVALUATORS) {
		fprintf(stderr, "lanner: evaluators must be 1..%d\n", SV_MAX_EVALUATORS);
		return -1;
	}
	s->ring_size = stage_ring_size(s->cfg);
	stage_ring_name(s->cfg, "raw", s->raw_name, sizeof(s->raw_name));
	for (unsigned k = 0; k < s->nevals; k++) {
		snprintf(what, sizeof(what), "eval.%u", k);
		stage_ring_name(s->cfg, what, s->eval_names[k], sizeof(s->eval_names[k]));
	}
	url = cfg_get_string(s->cfg, "emitter.intake", "ipc:///run/lanner/alerts.sock");
	snprintf(s->intake_url, sizeof(s->intake_url), "%s", url);
	if (strncmp(url, "ipc://", 6) != 0) {
		fprintf(stderr, "lanner: emitter.intake must be an ipc:// address (is %s)\n", url);
		return -1;
	}
	snprintf(s->intake_path, sizeof(s->intake_path), "%s", url + 6);
	if (gethostname(s->hostname, sizeof(s->hostname)) != 0)
		snprintf(s->hostname, sizeof(s->hostname), "localhost");
	add_stage(s, SV_EMITTER, 0);
	for (unsigned k = 0; k < s->nevals; k++)
		add_stage(s, SV_EVALUATOR, k);
	add_stage(s, SV_ENRICHER, 0);
	add_stage(s, SV_SOURCE, 0);
	if (cfg_get_bool(s->cfg, "ui.enabled", false)) {
		char bin[PATH_MAX];

		if (sv_find_binary("lanner-ui", "ui", bin, sizeof(bin)) == 0)
			add_stage(s, SV_UI, 0);
		else
			log_warningf("ui.enabled is set but lanner-ui is not built; no dashboard");
	}
	return 0;
}

/* dirname of path into out ("." when it has no slash). */
static void dir_of(const char *path, char *out, size_t n)
{
	const char *slash = strrchr(path, '/');

	if (!slash)
		snprintf(out, n, ".");
	else if (slash == path)
		snprintf(out, n, "/");
	else
		snprintf(out, n, "%.*s", (int)(slash - path), path);
}

/*
 * Least privilege (privs.c): resolves (or creates) the pipeline user, gives it
 * the run directory, the emitter's socket directory, spool and output files,
 * the dashboard's users file, and checks that it can read the config, the
 * rules and the capture. Only when the supervisor runs as root.
 */
static int prepare_privs(struct sv *s)
{
	struct privs *p = &s->pv;
	const char *paths[STAGE_MAX_ARGS + 8];
	const char **files = NULL;
	char err[1024], dir[PATH_MAX], extra[PATH_MAX + 32];
	const char *spool, *f;
	size_t n = 0, nf = 0;
	int rc;

	rc = privs_setup(p, s->cfg, err, sizeof(err));
	if (rc == 0 && p->active) {
		privs_report(p, !s->replay);
		rc = privs_own_dir(p, stage_run_dir(s->cfg), 0770, 0, err, sizeof(err));
	}
	if (rc == 0 && p->active) {
		dir_of(s->intake_path, dir, sizeof(dir));
		rc = privs_own_dir(p, dir, 0770, 0, err, sizeof(err));
	}
	if (rc == 0 && p->active) {
		spool = cfg_get_string(
			s->cfg, "emitter.spool.dir",
			cfg_get_string(s->cfg, "spool.dir", "/var/lib/lanner/spool"));
		rc = privs_own_dir(p, spool, 0750, PRIVS_DIR_RECURSIVE, err, sizeof(err));
	}
	if (rc == 0 && p->active && cfg_get_bool(s->cfg, "file_output.enabled", false))
		rc = privs_own_file(p,
				    cfg_get_string(s->cfg, "file_output.filename", "./events.txt"),
				    true, err, sizeof(err));
	f = cfg_get_string(s->cfg, "emitter.stats_file", "");
	if (rc == 0 && p->active && *f)
		rc = privs_own_file(p, f, true, err, sizeof(err));
	f = cfg_get_string(s->cfg, "ui.users_file", "");
	if (rc == 0 && p->active && *f && cfg_get_bool(s->cfg, "ui.enabled", false)) {
		/* lanner-ui rewrites it by rename: its directory must be the user's; an
		 * existing one is not taken over (it may hold the configuration) */
		dir_of(f, dir, sizeof(dir));
		rc = privs_own_dir(p, dir, 0750, PRIVS_DIR_NEW_ONLY, err, sizeof(err));
		snprintf(extra, sizeof(extra), "%s.admin-password", f);
		if (rc == 0)
			rc = privs_own_file(p, f, false, err, sizeof(err));
		if (rc == 0)
			rc = privs_own_file(p, extra, false, err, sizeof(err));
	}
	if (rc == 0 && p->active) {
		if (s->o->config)
			paths[n++] = s->o->config;
		for (size_t i = 0; i < s->nrules; i++)
			paths[n++] = s->rules[i];
		if (!s->nrules &&
		    (cfg_get_strlist(s->cfg, "rules_files", &files, &nf) != 0 || !nf)) {
			free(files);
			files = NULL;
			nf = 0;
			cfg_get_strlist(s->cfg, "rules_file", &files, &nf);
		}
		for (size_t i = 0; i < nf && n < STAGE_MAX_ARGS + 6; i++)
			if (access(files[i], F_OK) == 0)
				paths[n++] = files[i];
		if (s->replay)
			paths[n++] = s->capture;
		rc = privs_check_readable(p, paths, n, err, sizeof(err));
		free(files);
	}
	if (rc) {
		fprintf(stderr, "lanner: %s\n", err);
		return rc;
	}
	return 0;
}

static void report_rules(struct sv *s)
{
	char err[1024];
	size_t n = 0;

	if (check_rules(s, NULL, err, sizeof(err), &n) != 0) {
		fprintf(stderr, "lanner: rules: %s\n", err);
		s->exit_status = 1;
		return;
	}
	if (s->nrules) {
		fprintf(stderr, "lanner: %zu rules loaded from", n);
		for (size_t i = 0; i < s->nrules; i++)
			fprintf(stderr, " %s", s->rules[i]);
		fprintf(stderr, "%s\n",
			s->fallback_rules[0] ? " (no configured rules_files exists and no -r was "
					       "given: the built-in default)"
					     : "");
	} else {
		fprintf(stderr, "lanner: %zu rules loaded from the configuration's rules_files\n",
			n);
	}
}

int sv_run(const struct sv_opts *o)
{
	struct sv *s = calloc(1, sizeof(*s));
	struct sigaction sa;
	int rc;
	FILE *pf;

	if (!s) {
		fprintf(stderr, "lanner: out of memory\n");
		return 1;
	}
	s->o = o;
	s->cfg = stage_config("lanner", o->config, o->overrides, o->noverrides);
	if (!s->cfg) {
		free(s);
		return 1;
	}
	if (setup(s) != 0) {
		cfg_free(s->cfg);
		free(s);
		return 1;
	}
	report_rules(s);
	if (s->exit_status || o->dry_run) {
		rc = s->exit_status;
		if (!rc)
			printf("lanner: dry run: configuration and rules are valid; %u evaluators, "
			       "source %s%s\n",
			       s->nevals, s->replay ? "replay of " : "live collector",
			       s->replay ? s->capture : "");
		cfg_free(s->cfg);
		free(s);
		return rc;
	}
	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_signal;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	sigaction(SIGHUP, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
	s->self_pid = getpid();
	if (prepare_privs(s) != 0) {
		cfg_free(s->cfg);
		free(s);
		return 1;
	}
	if (o->pidfile) {
		pf = fopen(o->pidfile, "w");
		if (!pf) {
			fprintf(stderr, "lanner: pid file %s: %s\n", o->pidfile, strerror(errno));
			cfg_free(s->cfg);
			free(s);
			return 1;
		}
		fprintf(pf, "%d\n", (int)getpid());
		fclose(pf);
	}
	mkdir(stage_run_dir(s->cfg),
	      0750); /* not root: the caller's (prepare_privs made it else) */
	/* every stage finds the control sockets' directory here, also those that
	 * do not read the configuration (collector, emitter) */
	setenv("LANNER_RUN_DIR", stage_run_dir(s->cfg), 1);
	metrics_setup(s);
	s->start_time = now_s();
	{
		struct timespec ts;

		clock_gettime(CLOCK_REALTIME, &ts);
		s->start_wall_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	}
	rc = create_ring(s, s->raw_name);
	for (unsigned k = 0; rc == 0 && k < s->nevals; k++)
		rc = create_ring(s, s->eval_names[k]);
	if (rc != 0) {
		s->exit_status = 1;
		s->stopping = true;
	}
	if (cfg_get_bool(s->cfg, "webserver.enabled", false)) {
		const char *addr = cfg_get_string(s->cfg, "webserver.listen_address", "0.0.0.0");
		int port = (int)cfg_get_int(s->cfg, "webserver.listen_port", 8765);

		s->http = sv_http_start(
			addr, port,
			cfg_get_string(s->cfg, "webserver.k8s_healthz_endpoint", "/healthz"),
			cfg_get_bool(s->cfg, "webserver.prometheus_metrics_enabled", true));
		if (!s->http)
			log_warningf("webserver: cannot listen on %s:%d: %s; running without it",
				     addr, port, strerror(errno));
		else
			log_infof("webserver on %s:%d", addr, port);
	}
	if (s->http || s->metrics_enabled) {
		/* 1 s between rounds, 300 ms per request and reply: a stage that does
		 * not answer is reported (lanner_stage_stats_up 0), never waited for */
		s->stats = sv_stats_start(stage_run_dir(s->cfg), s->nst, 1000, 300);
		if (!s->stats)
			log_warningf("metrics: cannot start the stats poller: %s", strerror(errno));
	}
	if (!s->stopping) {
		struct alert_tx_opts to = {.ack_timeout_ms = 1000};

		s->tx = alert_tx_open(s->intake_url, &to);
	}
	/* start-up in dependency order, consumers before producers */
	if (!s->stopping && (start_group(s, SV_EMITTER) != 0 || start_group(s, SV_EVALUATOR) != 0 ||
			     start_group(s, SV_ENRICHER) != 0 || start_group(s, SV_SOURCE) != 0 ||
			     start_group(s, SV_UI) != 0)) {
		if (!sig_stop)
			s->exit_status = 1;
		s->stopping = true;
	}
	if (!s->stopping)
		log_infof("all stages ready: emitter, %u evaluators, enricher, %s", s->nevals,
			  s->replay ? "capture replay" : "collector");
	newest_mtime(s, &s->watch_mtime);
	while (!(s->stopping && all_stopped(s))) {
		double t = now_s();

		reap(s);
		if (sig_stop) {
			sig_stop = 0;
			if (!s->stopping)
				log_infof("stopping: source first, then the rest once drained");
			s->stopping = true;
		}
		if (o->duration_s > 0 && t - s->start_time >= o->duration_s && !s->stopping) {
			log_infof("-M %.0f s elapsed: stopping", o->duration_s);
			s->stopping = true;
		}
		if (s->regroup && !s->exit_status)
			regroup_step(s); /* finish a reload before a stop: no record left behind */
		if (s->stopping && !s->regroup) {
			stop_step(s);
		} else if (!s->stopping) {
			if (sig_hup || (s->reload_pending && !s->regroup)) {
				sig_hup = 0;
				do_reload(s);
			}
			if (cfg_get_bool(s->cfg, "watch_config_files", true) &&
			    t >= s->next_watch) {
				struct timespec m;

				s->next_watch = t + 1.0;
				newest_mtime(s, &m);
				if (m.tv_sec != s->watch_mtime.tv_sec ||
				    m.tv_nsec != s->watch_mtime.tv_nsec) {
					s->watch_mtime = m;
					log_infof(
						"a configuration or rules file changed: reloading");
					do_reload(s);
				}
			}
			for (unsigned i = 0; i < s->nst && !s->stopping; i++) {
				struct sv_stage *st = &s->st[i];

				if (st->want && !st->pid && st->restart_at > 0 &&
				    t >= st->restart_at &&
				    !(s->regroup &&
				      (st->kind == SV_ENRICHER || st->kind == SV_EVALUATOR))) {
					if (start_stage(s, st) != 0) {
						s->exit_status = 1;
						s->stopping = true;
					}
				}
			}
			for (unsigned i = 0; i < s->nst; i++) {
				if (s->st[i].hsock >= 0)
					handoff_poll(s, &s->st[i]);
				check_ready(s, &s->st[i]);
			}
			sv_alert_flush(s);
		}
		for (unsigned i = 0; s->stats && i < s->nst; i++)
			sv_stats_set(s->stats, i, s->st[i].name,
				     s->st[i].pid && s->st[i].ready && s->st[i].kind != SV_UI
					     ? s->st[i].pid
					     : 0); /* the ui has no control socket */
		if ((s->http || s->metrics_enabled) && t >= s->next_metrics) {
			s->next_metrics = t + 1.0;
			publish_metrics(s);
		}
		if (s->metrics_enabled && !s->stopping && t >= s->next_snapshot) {
			if (s->next_snapshot > 0)
				metrics_snapshot(s);
			s->next_snapshot = t + (double)s->metrics_interval_ms / 1000.0;
		}
		sleep_s(0.05);
	}
	release_held(s);
	alert_tx_close(s->tx);
	sv_http_stop(s->http);
	sv_stats_stop(s->stats);
	remove_ctl_files(s);
	unlink_rings(s);
	unlink(s->intake_path);
	rmdir(stage_run_dir(s->cfg)); /* only when empty: the spool may live there */
	if (o->pidfile)
		unlink(o->pidfile);
	rc = s->exit_status;
	log_infof("stopped%s", rc ? " (with errors)" : "");
	cfg_free(s->cfg);
	free(s);
	return rc;
}
