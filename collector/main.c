/* main.c: lanner-collector, the collector stage and its standalone debug view (--print). */
#include <errno.h>
#include <getopt.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/time.h>
#include <unistd.h>

#include "alert_tx.h"
#include "handoff.h"
#include "collector.h"
#include "stage_ctl.h"
#include "col_drops.h"
#include "col_rules.h"
#include "col_sink.h"
#include "log.h"
#include "ring.h"
#include "event.h"
#include "col_table.h"
#include "col_write.h"
#include "health_http.h"
#include "stage.h"

static volatile int stop;		 /* set by SIGINT/SIGTERM */
static volatile sig_atomic_t reload_req; /* set by SIGHUP: select again from the rules */

static void on_signal(int sig)
{
	(void)sig;
	stop = 1;
}

static void on_hup(int sig)
{
	(void)sig;
	reload_req = 1;
}

/* The configuration and rules the selection comes from (-c, -o, -r). */
struct sel_src {
	const char *config;
	const char *ov[STAGE_MAX_ARGS];
	size_t nov;
	const char *rules[STAGE_MAX_ARGS];
	size_t nrules;
	struct cfg *cfg;
};

/* The configuration: the file (-c) with the -o overrides, or the defaults
 * with the overrides when no file is named. NULL after saying why. */
static struct cfg *load_cfg(struct sel_src *ss)
{
	struct cfg *cfg;

	if (ss->config)
		return stage_config("collector", ss->config, ss->ov, ss->nov);
	cfg = cfg_new();
	if (!cfg)
		return NULL;
	for (size_t i = 0; i < ss->nov; i++)
		if (cfg_apply_override(cfg, ss->ov[i]) != 0) {
			fprintf(stderr, "lanner-collector: bad -o '%s'\n", ss->ov[i]);
			cfg_free(cfg);
			return NULL;
		}
	return cfg;
}

/* Load the configuration and the rules again and select what they need. On an
 * error the running selection stays. */
static int select_from_rules(struct col *c, struct sel_src *ss)
{
	char err[1024];
	int n = col_rules_apply(c, ss->cfg, ss->rules, ss->nrules, err, sizeof(err));

	if (n < 0) {
		log_errorf("rules: %s; the selection stays", err);
		return n;
	}
	if (err[0])
		log_warningf("selection: %s", err);
	log_infof("selection: %d event types reported by the kernel", n);
	return 0;
}

/* syscall_event_drops: the actions Falco takes on kernel-side drops. */
struct drops_ctx {
	struct col_drops d;
	struct alert_tx *tx; /* opened when the actions include alert */
	char intake[512];    /* emitter.intake (copied: the config is replaced on SIGHUP) */
	char hostname[256];
	uint64_t last_retry_ns;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

/* Returns 1 when the exit action says stop. */
static int drops_step(struct col *c, struct drops_ctx *dc)
{
	struct col_stats st, delta;
	unsigned act;
	char msg[256];

	col_read_stats(c, &st);
	act = col_drops_check(&dc->d, &st, mono_ns(), &delta);
	if (!act) {
		/* an alert the emitter did not acknowledge yet: try again, once a second */
		if (dc->tx && alert_tx_pending(dc->tx) &&
		    dc->d.next_check_ns != dc->last_retry_ns) {
			dc->last_retry_ns = dc->d.next_check_ns;
			alert_tx_flush(dc->tx);
		}
		return 0;
	}
	col_drops_message(&delta, msg, sizeof(msg));
	if (act & COL_DROP_ACT_LOG)
		log_criticalf("%s", msg);
	if (act & COL_DROP_ACT_ALERT) {
		struct timespec ts;
		struct alert *a;

		clock_gettime(CLOCK_REALTIME, &ts);
		a = col_drops_alert(&delta,
				    (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec,
				    dc->hostname);
		if (!dc->tx) {
			/* a short wait: the drain stops while it waits */
			struct alert_tx_opts to = {.ack_timeout_ms = 200};

			dc->tx = alert_tx_open(dc->intake, &to);
		}
		if (!a || !dc->tx || alert_tx_add(dc->tx, a) != 0 || alert_tx_flush(dc->tx) != 0)
			log_warningf("the syscall event drop alert is not acknowledged yet (%s)",
				     dc->intake);
		alert_free(a);
	}
	if (act & COL_DROP_ACT_EXIT) {
		log_criticalf("%s", msg);
		log_criticalf("Exiting (syscall_event_drops.actions has exit).");
		fprintf(stderr,
			"lanner-collector: %s Exiting: syscall_event_drops.actions has exit\n",
			msg);
		return 1;
	}
	return 0;
}

/*
 * What one collector process leaves to the next across a restart under the
 * supervisor (docs/collector.md, "Restarts"), in a memfd that travels with the
 * BPF fds (--handoff-fd): the last record committed to the raw ring, so that
 * the record the dead process was handing over (libbpf advances the BPF ring
 * buffer's consumer position after the callback) is not written twice; and
 * syscall_event_drops' counters at its last check, so that the drops of the
 * gap are judged by the next one.
 */
#define CARRY_MAGIC 0x4c4e524341525259ull /* "LNRCARRY" */
struct col_carry {
	uint64_t magic;
	uint64_t last_ts;
	int64_t last_tid;
	uint32_t last_len;
	uint16_t last_type;
	uint16_t last_valid;
	uint64_t processes; /* collector processes that ran on this kernel side */
	uint64_t drops_valid;
	struct col_stats drops_last;
};

/* The raw ring sink, remembering the last record in the carry. */
struct carry_sink {
	struct col_ring_sink *rs;
	struct col_carry *cy;
	int check_first; /* adopted: the first record may be the last one written */
	uint64_t skipped;
};

static int carry_sink_fn(const void *rec, size_t len, void *arg)
{
	struct carry_sink *k = arg;
	const struct lnr_evt_hdr *h = rec;
	struct col_carry *cy = k->cy;
	int rc;

	if (len < sizeof(*h))
		return col_ring_sink(rec, len, k->rs);
	if (k->check_first) {
		k->check_first = 0;
		if (cy->last_valid && h->ts == cy->last_ts && h->tid == cy->last_tid &&
		    h->type == cy->last_type && h->len == cy->last_len) {
			k->skipped++;
			return 0;
		}
	}
	rc = col_ring_sink(rec, len, k->rs);
	if (rc == 0) {
		/* after the commit: a kill between the two leaves a duplicate
		 * possible, a kill before the commit a discarded reservation and
		 * the record read again */
		cy->last_valid = 0;
		cy->last_ts = h->ts;
		cy->last_tid = h->tid;
		cy->last_type = h->type;
		cy->last_len = h->len;
		cy->last_valid = 1;
	}
	return rc;
}

static struct col_carry *carry_map(int fd)
{
	void *m = mmap(NULL, sizeof(struct col_carry), PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);

	return m == MAP_FAILED ? NULL : m;
}

/* A new carry in a memfd (*fd set). NULL on failure. */
static struct col_carry *carry_new(int *fd)
{
	struct col_carry *cy;

	*fd = memfd_create("lanner-collector-carry", MFD_CLOEXEC);
	if (*fd < 0)
		return NULL;
	if (ftruncate(*fd, sizeof(struct col_carry)) != 0 || !(cy = carry_map(*fd))) {
		close(*fd);
		*fd = -1;
		return NULL;
	}
	cy->magic = CARRY_MAGIC;
	return cy;
}

/* The supervisor's first message: what to adopt, or nothing (c stays NULL). */
struct handoff_in {
	uint32_t type;
	struct col_export x;
	int fds[HANDOFF_MAX_FDS];
	int nfds;
};

static int handoff_first(int sock, struct handoff_in *in)
{
	size_t len = 0;
	int rc;

	in->nfds = 0;
	rc = handoff_recv(sock, &in->type, &in->x, sizeof(in->x), &len, in->fds, HANDOFF_MAX_FDS,
			  &in->nfds, 10000);
	if (rc == 1 && in->type == HANDOFF_ADOPT && (len != sizeof(in->x) || in->nfds < 2))
		rc = -EPROTO;
	if (rc == 1 && in->type != HANDOFF_ADOPT && in->type != HANDOFF_FRESH)
		rc = -EPROTO;
	if (rc != 1) {
		fprintf(stderr,
			"lanner-collector: --handoff-fd: no word from the supervisor (%s)\n",
			rc == 0 ? "closed" : strerror(-rc));
		return rc ? rc : -EPIPE;
	}
	return 0;
}

static void handoff_close_in(struct handoff_in *in)
{
	for (int i = 0; i < in->nfds; i++)
		close(in->fds[i]);
	in->nfds = 0;
}

struct print_ctx {
	long pid; /* -1: all */
	unsigned long long printed;
	unsigned long long limit; /* 0: no limit */
	unsigned long long bad;
};

static int print_sink(const void *rec, size_t len, void *arg)
{
	struct print_ctx *p = arg;
	struct lnr_evt_view v;
	const char *why = NULL;
	char line[8192];

	if (lnr_evt_decode(rec, len, &v, &why)) {
		p->bad++;
		fprintf(stderr, "lanner-collector: malformed record (%s)\n", why);
		return 0;
	}
	if (p->pid >= 0 && v.hdr->pid != p->pid && v.hdr->tid != p->pid)
		return 0;
	if (p->limit && p->printed >= p->limit)
		return 0;
	lnr_evt_format(&v, line, sizeof(line));
	puts(line);
	p->printed++;
	if (p->limit && p->printed >= p->limit)
		stop = 1;
	return 0;
}

static void usage(FILE *f)
{
	fprintf(f, "usage: lanner-collector [options]\n"
		   "  --print                 print live events, one per line\n"
		   "  --type NAME[,NAME...]   only these event types (selected in the kernel)\n"
		   "  --pid N                 only events of process or thread N\n"
		   "  --count N               stop after N printed events\n"
		   "  --duration S            stop after S seconds\n"
		   "  --buf-size-preset N     BPF ring buffer size, Falco's preset 1..10 (default "
		   "4: 8 MiB)\n"
		   "  --buf-size BYTES        BPF ring buffer size in bytes (power of two)\n"
		   "  --cpus-for-each-buffer N  CPUs sharing one ring buffer (default 2, 0: one "
		   "for all)\n"
		   "  --snaplen N             bytes of I/O data kept (default 80)\n"
		   "  --stats                 print kernel counters (events, drops per cause) at "
		   "exit\n"
		   "  --list-events           list the event types the collector produces\n"
		   "  -c CONFIG, -o KEY=VALUE, -r RULES  the pipeline's configuration and rules:\n"
		   "                          the kernel reports what they need (base_syscalls),\n"
		   "                          again on SIGHUP; syscall_event_drops "
		   "applies\n"
		   "  --handoff-fd N          (the supervisor's) keep the BPF programs attached\n"
		   "                          across restarts through this socket\n" COL_WRITE_USAGE
			   HEALTH_HTTP_USAGE);
}

/*
 * A snapshot for the supervisor's STATS (the control thread does not touch
 * the collector): kernel counters per cause and per CPU, and the raw ring.
 */
static void publish_stats(struct stage_ctl *ctl, struct col *c, const struct col_ring_sink *rs)
{
	struct col_stats st;
	uint64_t cpu[1024];
	int n = col_read_cpu_drops(c, cpu, 1024);
	json_t *cpus = json_array();

	col_read_stats(c, &st);
	for (int i = 0; cpus && i < n; i++)
		json_array_append_new(cpus, json_integer((json_int_t)cpu[i]));
	stage_ctl_publish(
		ctl,
		json_pack("{s:I, s:I, s:I, s:{s:I, s:I, s:I, s:I}, s:o*, s:I, s:I, s:I, s:I, "
			  "s:I, s:I, s:I}",
			  "events", (json_int_t)st.events, "delivered", (json_int_t)st.delivered,
			  "drops", (json_int_t)st.drops, "drops_by_cause", "buffer_full",
			  (json_int_t)st.drop_buf_full, "no_ring", (json_int_t)st.drop_no_ring,
			  "no_scratch", (json_int_t)st.drop_no_scratch, "too_big",
			  (json_int_t)st.drop_too_big, "drops_by_cpu", cpus, "read_faults",
			  (json_int_t)st.read_faults, "truncated", (json_int_t)st.truncated,
			  "stash_misses", (json_int_t)st.stash_miss, "ignored",
			  (json_int_t)st.ignored, "ring_records", (json_int_t)rs->records,
			  "ring_bytes", (json_int_t)rs->bytes, "ring_waits",
			  (json_int_t)rs->waits));
}

static int select_types(struct col *c, const char *list)
{
	char *copy = strdup(list), *save = NULL, *tok;
	int err = 0;

	if (!copy)
		return -ENOMEM;
	for (tok = strtok_r(copy, ",", &save); tok; tok = strtok_r(NULL, ",", &save)) {
		int t = col_tab_type_by_name(tok);

		if (t < 0 || col_select(c, (uint16_t)t, true)) {
			fprintf(stderr,
				"lanner-collector: unknown or unsupported event type '%s' "
				"(see --list-events)\n",
				tok);
			err = -EINVAL;
			break;
		}
	}
	free(copy);
	return err;
}

int main(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"print", no_argument, NULL, 'p'},
		{"type", required_argument, NULL, 't'},
		{"pid", required_argument, NULL, 'P'},
		{"count", required_argument, NULL, 'n'},
		{"duration", required_argument, NULL, 'd'},
		{"buf-size-preset", required_argument, NULL, 'b'},
		{"buf-size", required_argument, NULL, 'B'},
		{"cpus-for-each-buffer", required_argument, NULL, 'e'},
		{"snaplen", required_argument, NULL, 's'},
		{"stats", no_argument, NULL, 'S'},
		{"ring", required_argument, NULL, 'g'},
		{"args-at-exit", no_argument, NULL, 'x'},
		{"ignore-pid", required_argument, NULL, 'i'},
		{"ring-size", required_argument, NULL, 'R'},
		{"list-events", no_argument, NULL, 'l'},
		{"help", no_argument, NULL, 'h'},
		COL_WRITE_LONGOPTS,
		{"config", required_argument, NULL, 'C'},
		{"option", required_argument, NULL, 'O'},
		{"rules", required_argument, NULL, 'L'},
		{"handoff-fd", required_argument, NULL, 'H'},
		HEALTH_HTTP_LONGOPTS,
		{0},
	};
	struct sel_src ss = {0};
	struct drops_ctx dc = {0};
	struct col_drops_cfg dcfg;
	int drops_on = 0, cli_preset = 0, cli_cpus = 0, cli_snaplen = 0;
	struct print_ctx pc = {.pid = -1};
	struct col_opts o;
	struct col_stats st;
	struct col *c = NULL;
	const char *types = NULL, *ring_name = NULL;
	size_t ring_size = 64u << 20;
	struct col_ring_sink rs = {0};
	struct stage_ctl *ctl = NULL;
	uint32_t ignore[32];
	int nignore = 0;
	char err[512];
	int print = 0, want_stats = 0, opt, rc = 1;
	double duration = 0;
	struct timespec t0, t1;
	struct col_write_opts wo = {.stop = &stop};
	struct col_write *cw = NULL;
	int handoff_fd = -1, carry_fd = -1;
	struct handoff_in hin = {0};
	struct col_carry *cy = NULL;
	struct carry_sink ck = {0};
	struct health_http_opts ho = {0};
	struct health_http *health = NULL;
	int beat = -1;

	/* Before anything else: a SIGHUP from the supervisor must not kill us. */
	signal(SIGHUP, on_hup);
	col_opts_default(&o);
	while ((opt = getopt_long(argc, argv, "c:o:r:", longopts, NULL)) != -1) {
		switch (opt) {
		case 'c':
		case 'C':
			ss.config = optarg;
			break;
		case 'o':
		case 'O':
		case 'r':
		case 'L':
			if ((opt == 'o' || opt == 'O' ? ss.nov : ss.nrules) >= STAGE_MAX_ARGS) {
				fprintf(stderr, "lanner-collector: too many -o/-r arguments\n");
				return 2;
			}
			if (opt == 'o' || opt == 'O')
				ss.ov[ss.nov++] = optarg;
			else
				ss.rules[ss.nrules++] = optarg;
			break;
		case 'p':
			print = 1;
			break;
		case 't':
			types = optarg;
			break;
		case 'P':
			pc.pid = strtol(optarg, NULL, 10);
			break;
		case 'n':
			pc.limit = strtoull(optarg, NULL, 10);
			break;
		case 'd':
			duration = strtod(optarg, NULL);
			break;
		case 'b':
			o.buf_size_preset = strtoul(optarg, NULL, 10);
			cli_preset = 1;
			break;
		case 'B':
			o.buf_size_preset = 0;
			o.buf_size = strtoull(optarg, NULL, 10);
			cli_preset = 1;
			break;
		case 'e':
			o.cpus_for_each_buffer = strtoul(optarg, NULL, 10);
			cli_cpus = 1;
			break;
		case 's':
			o.snaplen = strtoul(optarg, NULL, 10);
			cli_snaplen = 1;
			break;
		case 'S':
			want_stats = 1;
			break;
		case 'g':
			ring_name = optarg;
			break;
		case 'x':
			o.args_at_exit = true;
			break;
		case 'i': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v <= 0 || v > 0x7fffffff || nignore >= 31) {
				fprintf(stderr,
					"lanner-collector: bad or too many --ignore-pid '%s'\n",
					optarg);
				return 2;
			}
			ignore[nignore++] = (uint32_t)v;
			break;
		}
		case 'R':
			ring_size = strtoull(optarg, NULL, 10);
			break;
		case 'H': {
			char *end;
			long v = strtol(optarg, &end, 10);

			if (*end || v < 3 || v > 0x7fffffff) {
				fprintf(stderr, "lanner-collector: bad --handoff-fd '%s'\n",
					optarg);
				return 2;
			}
			handoff_fd = (int)v;
			/* not for the programs we may exec (none today) */
			fcntl(handoff_fd, F_SETFD, FD_CLOEXEC);
			break;
		}
		case 'l':
			for (const char *const *n = col_supported_names(); *n; n++)
				puts(*n);
			return 0;
		case 'h':
			usage(stdout);
			return 0;
		default:
			if (opt >= COL_WRITE_OPT_FIRST && opt <= COL_WRITE_OPT_LAST) {
				if (col_write_parse_opt(&wo, opt, optarg, err, sizeof(err)) == 0)
					break;
				fprintf(stderr, "lanner-collector: %s\n", err);
				return 2;
			}
			switch (health_http_parse_opt(&ho, opt, optarg, err, sizeof(err))) {
			case 1:
				continue;
			case -1:
				fprintf(stderr, "lanner-collector: %s\n", err);
				return 2;
			}
			usage(stderr);
			return 2;
		}
	}
	if (optind < argc) {
		usage(stderr);
		return 2;
	}
	if (ho.listen) {
		/* "starting" (503) while the programs load and attach */
		health = health_http_start(&ho, "collector", err, sizeof(err));
		if (!health) {
			fprintf(stderr, "lanner-collector: %s\n", err);
			return 1;
		}
		beat = health_http_add_beat(health, "main");
		rs.health = health;
		rs.beat = beat;
	}
	if (print && ring_name) {
		fprintf(stderr, "lanner-collector: --print and --ring exclude each other\n");
		return 2;
	}
	if (wo.path) {
		if (print || ring_name) {
			fprintf(stderr, "lanner-collector: --write excludes --print and --ring\n");
			return 2;
		}
		wo.pid = pc.pid;
		wo.max_events = pc.limit;
		cw = col_write_new(&wo);
		if (!cw)
			return 1;
		o.sink = col_write_sink;
		o.sink_arg = cw;
	}
	/* Given a configuration or rules (the pipeline always gives them) and no
	 * --type, the kernel reports what the rules need; otherwise everything. */
	if ((ss.config || ss.nrules || ss.nov) && !types) {
		struct col_opts co = o;
		char derr[512];

		ss.cfg = load_cfg(&ss);
		if (!ss.cfg)
			return 1;
		col_rules_opts(ss.cfg, &co);
		if (!cli_preset) {
			o.buf_size_preset = co.buf_size_preset;
			o.buf_size = co.buf_size;
		}
		if (!cli_cpus)
			o.cpus_for_each_buffer = co.cpus_for_each_buffer;
		if (!cli_snaplen)
			o.snaplen = co.snaplen;
		if (col_drops_cfg_read(ss.cfg, &dcfg, derr, sizeof(derr)) != 0) {
			fprintf(stderr, "lanner-collector: %s\n", derr);
			cfg_free(ss.cfg);
			return 1;
		}
		drops_on = 1;
		snprintf(dc.intake, sizeof(dc.intake), "%s",
			 cfg_get_string(ss.cfg, "emitter.intake", "ipc:///run/lanner/alerts.sock"));
		if (gethostname(dc.hostname, sizeof(dc.hostname)) != 0)
			snprintf(dc.hostname, sizeof(dc.hostname), "localhost");
	}
	if (print) {
		o.sink = print_sink;
		o.sink_arg = &pc;
	}
	if (ring_name) {
		rs.ring = ring_attach(ring_name, 0, RING_PRODUCER, err, sizeof(err));
		if (!rs.ring && errno == ENOENT)
			rs.ring = ring_create(ring_name, ring_size, RING_PRODUCER, 0600, 0, err,
					      sizeof(err));
		if (!rs.ring) {
			fprintf(stderr, "lanner-collector: ring '%s': %s\n", ring_name, err);
			return 1;
		}
		rs.stop = &stop;
		o.sink = col_ring_sink;
		o.sink_arg = &rs;
	}
	if (handoff_fd >= 0 && !ring_name) {
		fprintf(stderr, "lanner-collector: --handoff-fd goes with --ring\n");
		return 2;
	}
	if (handoff_fd >= 0) {
		/* Under the supervisor: take over the kernel side a previous
		 * collector left attached, if any (docs/collector.md, "Restarts"). */
		if (handoff_first(handoff_fd, &hin) != 0)
			return 1;
		if (hin.type == HANDOFF_ADOPT) {
			cy = carry_map(hin.fds[hin.nfds - 1]);
			if (cy && cy->magic == CARRY_MAGIC) {
				ck.rs = &rs;
				ck.cy = cy;
				ck.check_first = 1;
				o.sink = carry_sink_fn;
				o.sink_arg = &ck;
				c = col_adopt(&o, &hin.x, hin.fds, hin.nfds - 1, err, sizeof(err));
			} else {
				snprintf(err, sizeof(err), "the carried state is not readable");
			}
			if (!c) {
				/* Never two copies attached: the old one goes first. What
				 * its buffers held is lost (another build, or a broken fd). */
				log_errorf("cannot take over the running BPF programs: %s; "
					   "detaching them and loading anew (events they "
					   "buffered are lost)",
					   err);
				if (cy)
					munmap(cy, sizeof(*cy));
				cy = NULL;
				handoff_close_in(&hin);
				handoff_send(handoff_fd, HANDOFF_DROP, NULL, 0, NULL, 0);
				o.sink = col_ring_sink;
				o.sink_arg = &rs;
			} else {
				carry_fd = hin.fds[hin.nfds - 1];
				hin.nfds--; /* the carry fd is ours now */
				handoff_close_in(&hin);
				cy->processes++;
			}
		}
		if (!c) {
			cy = carry_new(&carry_fd);
			if (!cy) {
				fprintf(stderr, "lanner-collector: memfd: %s\n", strerror(errno));
				return 1;
			}
			cy->processes = 1;
			ck.rs = &rs;
			ck.cy = cy;
			o.sink = carry_sink_fn;
			o.sink_arg = &ck;
		}
	}
	if (!c)
		c = col_open(&o, err, sizeof(err));
	if (!c) {
		fprintf(stderr, "lanner-collector: %s\n", err);
		return 1;
	}
	if (types) {
		if (select_types(c, types))
			goto out;
	} else if (ss.cfg) {
		if (select_from_rules(c, &ss) != 0) {
			/* Never blind: the rules are checked again on SIGHUP. */
			log_warningf("selecting every event type until the rules load");
			col_select_all(c);
		}
	} else {
		col_select_all(c);
	}
	if (col_ignore_tgid(c, (uint32_t)getpid()) < 0) {
		fprintf(stderr, "lanner-collector: cannot filter its own process\n");
		goto out;
	}
	for (int i = 0; i < nignore; i++)
		if (col_ignore_tgid(c, ignore[i]) < 0) {
			fprintf(stderr, "lanner-collector: cannot filter process %u\n", ignore[i]);
			goto out;
		}
	if (col_attach(c, err, sizeof(err))) {
		fprintf(stderr, "lanner-collector: %s\n", err);
		goto out;
	}
	if (handoff_fd >= 0 && col_adopted(c)) {
		col_read_stats(c, &st);
		log_infof("took over the running BPF programs (%s, process %llu on them): the "
			  "kernel counted %llu events and %llu drops so far",
			  col_enter_mode(c), (unsigned long long)cy->processes,
			  (unsigned long long)st.events, (unsigned long long)st.drops);
	} else if (handoff_fd >= 0) {
		/* The supervisor keeps the kernel side alive from now on. */
		struct col_export x;
		int fds[HANDOFF_MAX_FDS];
		int n = col_export(c, &x, fds, HANDOFF_MAX_FDS - 1);

		if (n < 0) {
			log_warningf("the BPF programs cannot outlive this process (%s): a restart "
				     "loses what happens until it",
				     strerror(-n));
		} else {
			fds[n++] = carry_fd;
			n = handoff_send(handoff_fd, HANDOFF_STATE, &x, sizeof(x), fds, n);
			if (n != 0)
				log_warningf("cannot hand the BPF programs to the supervisor: %s",
					     strerror(-n));
		}
	}
	if (handoff_fd >= 0 && handoff_send(handoff_fd, HANDOFF_READY, NULL, 0, NULL, 0) != 0)
		log_warningf("cannot tell the supervisor we are ready");
	if (cw) {
		if (col_write_start(cw, err, sizeof(err)) != 0) {
			fprintf(stderr, "lanner-collector: %s\n", err);
			goto out;
		}
		/* From here every event is recorded (tests wait for this line). */
		fprintf(stderr, "lanner-collector: writing %s\n", wo.path);
	}
	signal(SIGINT, on_signal);
	signal(SIGTERM, on_signal);
	if (duration > 0) {
		/* A timer too, so that a sink waiting on a full ring also stops. */
		struct itimerval it = {
			.it_value = {.tv_sec = (time_t)duration,
				     .tv_usec =
					     (suseconds_t)((duration - (time_t)duration) * 1e6)}};

		signal(SIGALRM, on_signal);
		setitimer(ITIMER_REAL, &it, NULL);
	}
	if (isatty(STDOUT_FILENO))
		setvbuf(stdout, NULL, _IOLBF, 0);
	if (ring_name) /* a pipeline stage: the supervisor asks for STATS */
		ctl = stage_ctl_start(stage_ctl_run_dir(NULL), "collector", NULL, NULL);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	if (drops_on) {
		col_read_stats(c, &st);
		/* adopted: from the previous process's last check, so that the
		 * drops of the gap count as drops of the next second */
		col_drops_init(&dc.d, &dcfg, cy && cy->drops_valid ? &cy->drops_last : &st,
			       mono_ns());
	}
	health_http_set_ready(health, 1);
	while (!stop) {
		int n = col_poll(c, 100);

		health_http_beat(health, beat);
		if (stage_ctl_publish_due(ctl))
			publish_stats(ctl, c, &rs);
		if (reload_req && ss.cfg) {
			/* The configuration and the rules are read again; programs and
			 * links stay, only the selection in their global data changes. */
			struct cfg *nc = load_cfg(&ss);

			reload_req = 0;
			if (nc) {
				cfg_free(ss.cfg);
				ss.cfg = nc;
				select_from_rules(c, &ss);
			} else {
				log_errorf("configuration reload failed: the selection stays");
			}
		}
		if (drops_on && drops_step(c, &dc)) {
			rc = 3;
			goto done;
		}
		if (drops_on && cy) {
			cy->drops_valid = 0;
			cy->drops_last = dc.d.last;
			cy->drops_valid = 1;
		}

		if (n == -ECANCELED)
			break; /* stopping while the ring was full */
		if (n == -EPIPE) {
			fprintf(stderr, "lanner-collector: the ring's consumer is gone\n");
			goto out;
		}
		if (n < 0 && n != -EINTR) {
			fprintf(stderr, "lanner-collector: draining failed: %s\n", strerror(-n));
			goto out;
		}
		if (duration > 0) {
			clock_gettime(CLOCK_MONOTONIC, &t1);
			if ((t1.tv_sec - t0.tv_sec) + (t1.tv_nsec - t0.tv_nsec) / 1e9 >= duration)
				break;
		}
	}
	/* What is still in the buffers belongs to the run. */
	col_poll(c, 0);
	rc = 0;
	goto done;
out:
	rc = 1;
done:
	health_http_stop(health);
	stage_ctl_stop(ctl);
	fflush(stdout);
	if (want_stats && c) {
		col_read_stats(c, &st);
		fprintf(stderr,
			"lanner-collector: events %llu delivered %llu drops %llu (buffer "
			"full "
			"%llu, "
			"no ring %llu, no scratch %llu, too big %llu) read faults %llu "
			"truncated "
			"%llu stash misses %llu ignored %llu\n",
			(unsigned long long)st.events, (unsigned long long)st.delivered,
			(unsigned long long)st.drops, (unsigned long long)st.drop_buf_full,
			(unsigned long long)st.drop_no_ring, (unsigned long long)st.drop_no_scratch,
			(unsigned long long)st.drop_too_big, (unsigned long long)st.read_faults,
			(unsigned long long)st.truncated, (unsigned long long)st.stash_miss,
			(unsigned long long)st.ignored);
	}
	col_close(c);
	if (cw) {
		struct col_write_stats ws;
		int wrc = col_write_close(cw, &ws);

		fprintf(stderr,
			"lanner-collector: %s: %llu events in %llu file(s), %llu bytes; "
			"lists: "
			"%llu threads, %llu fds, %llu users/groups, %llu interfaces%s%s\n",
			wo.path, (unsigned long long)ws.records, (unsigned long long)ws.files,
			(unsigned long long)ws.bytes, (unsigned long long)ws.threads,
			(unsigned long long)ws.fds, (unsigned long long)ws.users,
			(unsigned long long)ws.ifaces, wrc ? ": write error: " : "",
			wrc ? strerror(-wrc) : "");
		if (wrc)
			rc = 1;
	}
	if (rs.ring) {
		if (want_stats)
			fprintf(stderr,
				"lanner-collector: ring: %llu records, %llu bytes, waited "
				"%llu "
				"times\n",
				(unsigned long long)rs.records, (unsigned long long)rs.bytes,
				(unsigned long long)rs.waits);
		ring_close(rs.ring);
	}
	alert_tx_close(dc.tx);
	cfg_free(ss.cfg);
	if (ck.skipped)
		log_infof("skipped %llu record(s) the previous collector had written",
			  (unsigned long long)ck.skipped);
	if (cy)
		munmap(cy, sizeof(*cy));
	if (carry_fd >= 0)
		close(carry_fd);
	if (handoff_fd >= 0)
		close(handoff_fd);
	return rc;
}
