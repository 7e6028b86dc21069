/* bench_rules_eval.c: Falco's three rules files on a production-like event mix, one thread: ns/event. */
#include <arpa/inet.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "fields.h"
#include "rules_compile.h"
#include "rules_load.h"

/*
 * What it measures: the evaluator's per-event work once the event and its
 * state are at hand: the per-type index lookup and the compiled programs of
 * the rules indexed for that type (rules_eval). The accessor is a flat table
 * of pre-typed values per field id (what an evaluator reading an enriched
 * record does), so the figures are the rule engine's, not a test store's.
 *
 * The mix is mostly non-matching, like production: opens of ordinary files,
 * execs of ordinary binaries, connects, closes, reads. Falco's reference from
 * the conformance README (whole Falco, capture replay, different workload):
 * 2.24M events in 0.98 s with falco_rules.yaml, 1.23 s with all three files.
 *
 * Usage: bench_rules_eval [CONFORMANCE_DIR]
 */
#define RUNS 5
#define PASSES 200 /* passes over the mix per run */
#define MAXV 8

struct tev {
	const char *label;
	unsigned weight; /* occurrences in a mix of 100 */
	int type;
	const char *spec[24]; /* "field=value" or "field=v1|v2" (several values) */
};

/* The typed values of each event (parallel to events[]). */
struct tvals {
	int type;
	struct fld_val vals[FLD_MAX][MAXV];
	unsigned char nvals[FLD_MAX];
};

static struct tev events[] = {
	{"openat lib (python3)",
	 30,
	 LNR_EVT_OPENAT,
	 {"evt.type=openat",
	  "proc.name=python3",
	  "proc.exepath=/usr/bin/python3.11",
	  "proc.cmdline=python3 app.py",
	  "proc.pname=gunicorn",
	  "proc.aname=gunicorn|systemd",
	  "fd.name=/usr/lib/x86_64-linux-gnu/libssl.so.3",
	  "fd.typechar=f",
	  "fd.num=7",
	  "fd.directory=/usr/lib/x86_64-linux-gnu",
	  "fd.filename=libssl.so.3",
	  "evt.is_open_read=1",
	  "evt.is_open_write=0",
	  "evt.rawres=7",
	  "evt.res=SUCCESS",
	  "user.name=app",
	  "user.uid=1000",
	  "container.id=host",
	  "proc.tty=0",
	  NULL}},
	{"openat /proc (node)",
	 15,
	 LNR_EVT_OPENAT,
	 {"evt.type=openat",
	  "proc.name=node",
	  "proc.exepath=/usr/bin/node",
	  "proc.cmdline=node server.js",
	  "proc.pname=npm",
	  "proc.aname=npm|bash|sshd",
	  "fd.name=/proc/self/stat",
	  "fd.typechar=f",
	  "fd.num=21",
	  "fd.directory=/proc/self",
	  "fd.filename=stat",
	  "evt.is_open_read=1",
	  "evt.is_open_write=0",
	  "evt.rawres=21",
	  "evt.res=SUCCESS",
	  "user.name=node",
	  "user.uid=1001",
	  "container.id=3ad7f1c2b9e0",
	  "container.image.repository=node",
	  "proc.tty=0",
	  NULL}},
	{"openat write log (java)",
	 10,
	 LNR_EVT_OPENAT,
	 {"evt.type=openat",
	  "proc.name=java",
	  "proc.exepath=/usr/lib/jvm/bin/java",
	  "proc.cmdline=java -jar app.jar",
	  "proc.pname=systemd",
	  "proc.aname=systemd",
	  "fd.name=/var/log/app/app.log",
	  "fd.typechar=f",
	  "fd.num=33",
	  "fd.directory=/var/log/app",
	  "fd.filename=app.log",
	  "evt.is_open_read=0",
	  "evt.is_open_write=1",
	  "evt.rawres=33",
	  "evt.res=SUCCESS",
	  "user.name=app",
	  "user.uid=1000",
	  "container.id=host",
	  "proc.tty=0",
	  NULL}},
	{"execve ls (bash)",
	 10,
	 LNR_EVT_EXECVE,
	 {"evt.type=execve",
	  "proc.name=ls",
	  "proc.exepath=/usr/bin/ls",
	  "proc.exe=ls",
	  "proc.cmdline=ls -la",
	  "proc.args=-la",
	  "proc.pname=bash",
	  "proc.aname=bash|sshd|systemd",
	  "proc.pcmdline=bash",
	  "proc.sname=bash",
	  "proc.tty=34816",
	  "proc.vpid=4242",
	  "evt.rawres=0",
	  "evt.res=SUCCESS",
	  "user.name=alice",
	  "user.uid=1000",
	  "user.loginuid=1000",
	  "container.id=host",
	  "proc.is_exe_upper_layer=0",
	  NULL}},
	{"connect curl",
	 10,
	 LNR_EVT_CONNECT,
	 {"evt.type=connect",
	  "proc.name=curl",
	  "proc.exepath=/usr/bin/curl",
	  "proc.exe=curl",
	  "proc.cmdline=curl https://example.com",
	  "proc.pname=bash",
	  "proc.aname=bash|sshd",
	  "fd.name=10.0.0.5:40122->93.184.216.34:443",
	  "fd.typechar=4",
	  "fd.type=ipv4",
	  "fd.l4proto=tcp",
	  "fd.sip=93.184.216.34",
	  "fd.rip=93.184.216.34",
	  "fd.lip=10.0.0.5",
	  "fd.ip=10.0.0.5|93.184.216.34",
	  "fd.sport=443",
	  "fd.rport=443",
	  "evt.rawres=0",
	  "evt.res=SUCCESS",
	  "user.name=alice",
	  "user.uid=1000",
	  "container.id=host",
	  NULL}},
	{"close",
	 15,
	 LNR_EVT_CLOSE,
	 {"evt.type=close", "proc.name=nginx", "fd.name=/var/www/index.html", "fd.typechar=f",
	  "fd.num=12", "evt.rawres=0", "user.name=www-data", "container.id=host", NULL}},
	{"read",
	 10,
	 LNR_EVT_READ,
	 {"evt.type=read", "proc.name=postgres", "fd.name=/var/lib/postgresql/base/1/2619",
	  "fd.typechar=f", "fd.num=9", "evt.rawres=8192", "user.name=postgres", "container.id=host",
	  NULL}},
};
#define NEV (sizeof(events) / sizeof(events[0]))

static struct tvals data[NEV];
static const struct tvals *cur;

static int get(void *ctx, const struct fld_ref *f, struct fld_val *out, uint32_t max)
{
	unsigned n;

	(void)ctx;
	if (f->id >= FLD_MAX)
		return 0;
	n = cur->nvals[f->id];
	if (f->arg && f->id == FLD_PROC_ANAME) {
		/* proc.aname[N]: 0 is the process itself, N its Nth ancestor */
		if (f->index == 0 && cur->nvals[FLD_PROC_NAME]) {
			out[0] = cur->vals[FLD_PROC_NAME][0];
			return 1;
		}
		if (f->index <= 0 || (unsigned)f->index > n)
			return 0;
		out[0] = cur->vals[FLD_PROC_ANAME][f->index - 1];
		return 1;
	}
	if (f->arg)
		return 0;
	if (n > max)
		n = max;
	memcpy(out, cur->vals[f->id], n * sizeof(*out));
	return (int)n;
}

static int evt_type(void *ctx)
{
	(void)ctx;
	return cur->type;
}

static int set_value(struct fld_val *v, enum lnr_ptype t, const char *s, size_t len)
{
	char buf[256];

	v->type = (uint16_t)t;
	snprintf(buf, sizeof(buf), "%.*s", (int)len, s);
	switch (t) {
	case LNR_PT_CHARBUF:
	case LNR_PT_FSPATH:
	case LNR_PT_FSRELPATH:
	case LNR_PT_BYTEBUF:
		v->str.p = strndup(s, len);
		v->str.len = len;
		return 0;
	case LNR_PT_IPADDR:
	case LNR_PT_IPV4ADDR:
	case LNR_PT_IPNET:
		v->ip.family = 4;
		return inet_pton(AF_INET, buf, v->ip.a) == 1 ? 0 : -1;
	case LNR_PT_INT8:
	case LNR_PT_INT16:
	case LNR_PT_INT32:
	case LNR_PT_INT64:
	case LNR_PT_ERRNO:
	case LNR_PT_FD:
	case LNR_PT_PID:
		v->s64 = strtoll(buf, NULL, 10);
		return 0;
	default:
		v->u64 = strtoull(buf, NULL, 10);
		return 0;
	}
}

static void build(const struct tev *e, struct tvals *d)
{
	d->type = e->type;
	for (size_t i = 0; e->spec[i]; i++) {
		const char *eq = strchr(e->spec[i], '='), *p;
		char name[64];
		const struct fld_info *fi;

		snprintf(name, sizeof(name), "%.*s", (int)(eq - e->spec[i]), e->spec[i]);
		fi = fld_lookup(name);
		if (!fi) {
			fprintf(stderr, "unknown field %s\n", name);
			exit(1);
		}
		for (p = eq + 1;;) {
			const char *bar = strchr(p, '|');
			size_t len = bar ? (size_t)(bar - p) : strlen(p);

			if (d->nvals[fi->id] < MAXV &&
			    set_value(&d->vals[fi->id][d->nvals[fi->id]], fi->type, p, len) == 0)
				d->nvals[fi->id]++;
			if (!bar)
				break;
			p = bar + 1;
		}
	}
}

static double now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e9 + ts.tv_nsec;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

/* The mix as a sequence of 100 event indexes, interleaved. */
static unsigned mix[100];

static struct rules_ruleset *load(const char *conf, size_t nfiles, struct rules_loader **lp)
{
	static const char *const files[] = {"falco_rules.yaml", "falco-incubating_rules.yaml",
					    "falco-sandbox_rules.yaml"};
	struct rules_loader *l = rules_loader_new();
	char path[1024];

	*lp = l;
	for (size_t i = 0; i < nfiles; i++) {
		snprintf(path, sizeof(path), "%s/falco-rules/%s", conf, files[i]);
		if (rules_loader_load_file(l, path) != 0)
			return NULL;
	}
	return rules_compile(l, NULL);
}

static volatile long sink;

/* Median ns/event over RUNS runs of PASSES passes over the mix; dispatch_only skips programs. */
static double run(struct rules_ruleset *rs, bool dispatch_only, long *matches)
{
	struct fld_accessor acc = {get, evt_type, NULL};
	double t[RUNS];

	for (int r = 0; r < RUNS; r++) {
		long m = 0;
		double t0 = now_ns();

		for (int p = 0; p < PASSES; p++) {
			for (int i = 0; i < 100; i++) {
				cur = &data[mix[i]];
				if (dispatch_only)
					m += (long)rs->nby_type[cur->type];
				else
					m += rules_eval(rs, (unsigned)cur->type, &acc, NULL, NULL);
			}
		}
		t[r] = (now_ns() - t0) / (PASSES * 100.0);
		*matches = m;
		sink += m;
	}
	qsort(t, RUNS, sizeof(*t), cmpd);
	return t[RUNS / 2];
}

struct rule_cost {
	const char *name;
	double ns_per_event; /* this rule's share of the cost of an average event of the mix */
};

static int cmp_cost(const void *a, const void *b)
{
	double x = ((const struct rule_cost *)a)->ns_per_event;
	double y = ((const struct rule_cost *)b)->ns_per_event;

	return x < y ? 1 : x > y ? -1 : 0;
}

/* Time spent in each rule: its program on every event of the mix it is indexed for. */
static void slowest(struct rules_ruleset *rs)
{
	struct fld_accessor acc = {get, evt_type, NULL};
	struct rule_cost *c = calloc(rs->nrules, sizeof(*c));
	const int reps = 2000;

	for (size_t r = 0; r < rs->nrules; r++) {
		double total = 0;

		c[r].name = rs->rules[r].rule->name;
		if (!rs->rules[r].enabled)
			continue;
		for (size_t e = 0; e < NEV; e++) {
			double t0;

			if (!evtset_has(&rs->rules[r].lnr_types, (unsigned)events[e].type))
				continue;
			cur = &data[e];
			t0 = now_ns();
			for (int k = 0; k < reps; k++)
				sink += prog_eval(rs->rules[r].prog, &acc);
			total += (now_ns() - t0) / reps * events[e].weight / 100.0;
		}
		c[r].ns_per_event = total;
	}
	qsort(c, rs->nrules, sizeof(*c), cmp_cost);
	printf("  slowest rules (ns per average event of the mix):\n");
	for (size_t r = 0; r < 10 && r < rs->nrules; r++)
		printf("    %6.1f  %s\n", c[r].ns_per_event, c[r].name);
	free(c);
}

int main(int argc, char **argv)
{
	const char *conf = argc > 1 ? argv[1] : LANNER_CONFORMANCE_DIR;
	unsigned k = 0;

	for (size_t e = 0; e < NEV; e++)
		build(&events[e], &data[e]);
	/* interleave: event e at every 100/weight-th slot, roughly */
	for (unsigned w = 0; k < 100; w++)
		for (size_t e = 0; e < NEV && k < 100; e++)
			if (w < events[e].weight)
				mix[k++] = (unsigned)e;
	for (size_t nfiles = 1; nfiles <= 3; nfiles += 2) {
		struct rules_loader *l;
		struct rules_ruleset *rs = load(conf, nfiles, &l);
		long m, md;
		double ns, nsd;
		size_t enabled = 0;

		if (!rs) {
			fprintf(stderr, "cannot load the rules from %s\n", conf);
			return 1;
		}
		for (size_t r = 0; r < rs->nrules; r++)
			enabled += rs->rules[r].enabled;
		ns = run(rs, false, &m);
		nsd = run(rs, true, &md);
		printf("%s: %zu rules (%zu enabled), %zu-event mix, median of %d runs of %d "
		       "events\n",
		       nfiles == 1 ? "falco_rules.yaml" : "all three files", rs->nrules, enabled,
		       NEV, RUNS, PASSES * 100);
		printf("  rules_eval:      %7.1f ns/event  %6.2f M events/s  (%ld matches per "
		       "run)\n",
		       ns, 1e3 / ns, m);
		printf("  ceiling (index lookup only): %5.1f ns/event; engine/ceiling = %.1fx\n",
		       nsd, nsd > 0 ? ns / nsd : 0);
		printf("  goal: >= 3 M events/s (<= 330 ns/event): %s\n",
		       ns <= 330 ? "met" : "NOT met");
		printf("  Falco 0.44.1 reference (whole replay, README): %.2f M events/s\n",
		       nfiles == 1 ? 2.24 / 0.98 : 2.24 / 1.23);
		slowest(rs);
		rules_ruleset_free(rs);
		rules_loader_free(l);
	}
	return 0;
}
