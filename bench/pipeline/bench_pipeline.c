/* bench_pipeline.c: enrichment and rule evaluation cost per event, in process, with Falco's rules and Lanner's own. */
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "engine.h"
#include "event.h"
#include "extract.h"
#include "forward.h"
#include "ppm.h"
#include "prog.h"
#include "rules_compile.h"
#include "rules_load.h"
#include "slots.h"
#include "state.h"

/*
 * A production-like mix, mostly events no rule alerts on: web workers
 * opening and closing content files, an app importing modules and
 * connecting to its database, a shell forking and exec'ing ordinary tools
 * that open the loader cache and exit, sshd reading its config.
 */
#define NSTREAM 20000
#define RUNS 5

struct rec {
	uint8_t *buf;
	uint32_t len;
};

static struct rec raw[NSTREAM];
static size_t nraw;
static uint64_t ts = 1795868946000000000ULL;

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

/* Appends an event built from "name", value pairs (ints as long long, strings as char *). */
static void ev(uint16_t type, int64_t tid, ...)
{
	const struct lnr_evt_info *info = lnr_evt_info(type);
	uint8_t *buf = aligned_alloc(8, 8192);
	struct lnr_evt_builder b;
	const char *names[16];
	int kinds[16];
	long long iv[16];
	const char *sv[16];
	size_t sl[16];
	int n = 0, len;
	va_list ap;

	va_start(ap, tid);
	for (;;) {
		const char *nm = va_arg(ap, const char *);

		if (!nm)
			break;
		names[n] = nm;
		kinds[n] = va_arg(ap, int);
		if (kinds[n] == 0)
			iv[n] = va_arg(ap, long long);
		else {
			sv[n] = va_arg(ap, const char *);
			sl[n] = kinds[n] == 2 ? va_arg(ap, size_t) : 0;
		}
		n++;
	}
	va_end(ap);
	lnr_evb_init(&b, buf, 8192, type, ts += 1000, tid, tid);
	for (unsigned k = 0; k < info->nparams; k++) {
		int f = -1;

		for (int i = 0; i < n; i++)
			if (strcmp(names[i], info->params[k].name) == 0)
				f = i;
		if (f < 0)
			lnr_evb_absent(&b);
		else if (kinds[f] == 0) {
			enum lnr_ptype t = info->params[k].type;

			if (t == LNR_PT_INT64 || t == LNR_PT_ERRNO || t == LNR_PT_FD ||
			    t == LNR_PT_PID)
				lnr_evb_s64(&b, iv[f]);
			else
				lnr_evb_u64(&b, (uint64_t)iv[f]);
		} else if (kinds[f] == 1)
			lnr_evb_str(&b, sv[f], 0);
		else
			lnr_evb_bytes(&b, sv[f], sl[f], 0);
	}
	len = lnr_evb_finish(&b);
	if (len <= 0 || nraw >= NSTREAM) {
		free(buf);
		return;
	}
	raw[nraw].buf = buf;
	raw[nraw].len = (uint32_t)len;
	nraw++;
}

#define I(n, v) n, 0, (long long)(v)
#define S(n, v) n, 1, (const char *)(v)
#define B(n, v, l) n, 2, (const char *)(v), (size_t)(l)

static void make_stream(void)
{
	static const uint8_t db[4] = {192, 0, 2, 10}, me[4] = {192, 0, 2, 1};
	uint8_t tuple[32];
	size_t tl;
	char path[128];
	int child = 5000;

	for (int i = 0; nraw + 40 < NSTREAM; i++) {
		for (int w = 0; w < 8; w++) {
			snprintf(path, sizeof(path), "/var/www/html/page%d.html", (i * 8 + w) % 97);
			ev(LNR_EVT_OPENAT, 301 + w % 2, I("fd", 20 + w), I("dirfd", PPM_AT_FDCWD),
			   S("name", path), I("flags", PPM_O_RDONLY), NULL);
			ev(LNR_EVT_CLOSE, 301 + w % 2, I("res", 0), I("fd", 20 + w), NULL);
		}
		snprintf(path, sizeof(path), "/usr/lib/python3.11/mod%d.py", i % 50);
		ev(LNR_EVT_OPENAT, 400, I("fd", 7), I("dirfd", PPM_AT_FDCWD), S("name", path),
		   I("flags", PPM_O_RDONLY | PPM_O_CLOEXEC), NULL);
		ev(LNR_EVT_CLOSE, 400, I("res", 0), I("fd", 7), NULL);
		ev(LNR_EVT_SOCKET, 400, I("fd", 8), I("domain", PPM_AF_INET), I("type", 1), NULL);
		tl = lnr_socktuple_encode_in4(tuple, sizeof(tuple), me,
					      (uint16_t)(40000 + i % 1000), db, 5432);
		ev(LNR_EVT_CONNECT, 400, I("res", 0), I("fd", 8), B("tuple", tuple, tl), NULL);
		ev(LNR_EVT_CLOSE, 400, I("res", 0), I("fd", 8), NULL);
		/* the shell runs ls */
		ev(LNR_EVT_CLONE, 100, I("res", child), I("flags", 0), NULL);
		ev(LNR_EVT_EXECVE, child, I("res", 0), S("exe", "ls"), B("args", "-l\0/tmp\0", 8),
		   S("comm", "ls"), S("trusted_exepath", "/usr/bin/ls"), I("uid", 1000), NULL);
		ev(LNR_EVT_OPENAT, child, I("fd", 3), I("dirfd", PPM_AT_FDCWD),
		   S("name", "/etc/ld.so.cache"), I("flags", PPM_O_RDONLY | PPM_O_CLOEXEC), NULL);
		ev(LNR_EVT_CLOSE, child, I("res", 0), I("fd", 3), NULL);
		ev(LNR_EVT_PROCEXIT, child, I("status", 0), NULL);
		child++;
		if (i % 10 == 0)
			ev(LNR_EVT_OPENAT, 50, I("fd", 5), I("dirfd", PPM_AT_FDCWD),
			   S("name", "/etc/ssh/sshd_config"), I("flags", PPM_O_RDONLY), NULL);
	}
}

static void seed(struct st_state *st)
{
	struct thread_table *t = st_threads(st);
	struct enr_thread *init = thr_add(t, 1, 1, 0), *th;

	strcpy(init->proc->comm, "systemd");
	enr_str_set(&init->proc->exepath, "/usr/lib/systemd/systemd", 0);
	th = thr_fork(t, init, 50, 50, 0, 0);
	strcpy(th->proc->comm, "sshd");
	enr_str_set(&th->proc->exepath, "/usr/sbin/sshd", 0);
	th = thr_fork(t, th, 100, 100, 0, 0);
	strcpy(th->proc->comm, "bash");
	enr_str_set(&th->proc->exepath, "/usr/bin/bash", 0);
	th->proc->uid = 1000;
	th = thr_fork(t, init, 300, 300, 0, 0);
	strcpy(th->proc->comm, "nginx");
	enr_str_set(&th->proc->exepath, "/usr/sbin/nginx", 0);
	th->proc->uid = 33;
	thr_fork(t, th, 301, 301, 0, 0);
	thr_fork(t, th, 302, 302, 0, 0);
	th = thr_fork(t, init, 400, 400, 0, 0);
	strcpy(th->proc->comm, "python3");
	enr_str_set(&th->proc->exepath, "/usr/bin/python3.11", 0);
	th->proc->uid = 1001;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

static double median(double *v, int n)
{
	qsort(v, (size_t)n, sizeof(*v), cmpd);
	return v[n / 2];
}

struct rule_cost {
	const char *name;
	double ns;
	uint64_t evals;
};

static int cmp_cost(const void *a, const void *b)
{
	const struct rule_cost *x = a, *y = b;

	return x->ns < y->ns ? 1 : x->ns > y->ns ? -1 : 0;
}

static int rule_costs = 1;

static int bench_ruleset(const char *label, const char *const *files, size_t nfiles)
{
	struct rules_loader *l = rules_loader_new();
	struct rules_opts o = {.min_priority = RULES_PRIO_DEBUG};
	struct rules_ruleset *rs;
	struct slot_table *slots;
	struct engine *eng;
	struct ext_ctx *x = calloc(1, sizeof(*x));
	struct rec *fwd = calloc(NSTREAM, sizeof(*fwd));
	size_t nfwd = 0;
	double enr[RUNS], evl[RUNS], app[RUNS];
	uint64_t matches = 0;
	struct rule_cost *costs;
	size_t ncost = 0;

	for (size_t i = 0; i < nfiles; i++)
		if (rules_loader_load_file(l, files[i]) != 0) {
			fprintf(stderr, "cannot load %s\n", files[i]);
			return 1;
		}
	rs = rules_compile(l, &o);
	if (!rs)
		return 1;
	slots = slots_build(rs);
	eng = engine_new(rs, slots, "bench");
	/* Enrichment: state updates and field blocks, every event of the stream. */
	for (int r = 0; r < RUNS; r++) {
		struct st_state *st = st_new(NULL);
		static uint8_t out[1 << 20];
		uint64_t t0;

		seed(st);
		t0 = now_ns();
		for (size_t i = 0; i < nraw; i++) {
			struct lnr_evt_view v;
			struct st_ctx c;

			lnr_evt_decode(raw[i].buf, raw[i].len, &v, NULL);
			st_apply(st, &v, &c);
			if (c.thread && fwd_wanted(rs, v.hdr->type)) {
				int n;

				ext_begin(x, st, &c);
				n = fwd_build(x, slots, &v, out, sizeof(out));
				if (r == 0 && n > 0) {
					fwd[nfwd].buf = aligned_alloc(8, ((size_t)n + 7) & ~7ul);
					memcpy(fwd[nfwd].buf, out, (size_t)n);
					fwd[nfwd].len = (uint32_t)n;
					nfwd++;
				}
			}
			st_finish(st, &c);
		}
		enr[r] = (double)(now_ns() - t0) / (double)nraw;
		st_free(st);
	}
	/* The state updates alone (no field blocks): what every event costs whether or
	 * not a rule can match it; the rest of the enrichment is the field blocks. */
	for (int r = 0; r < RUNS; r++) {
		struct st_state *st = st_new(NULL);
		uint64_t t0;

		seed(st);
		t0 = now_ns();
		for (size_t i = 0; i < nraw; i++) {
			struct lnr_evt_view v;
			struct st_ctx c;

			lnr_evt_decode(raw[i].buf, raw[i].len, &v, NULL);
			st_apply(st, &v, &c);
			st_finish(st, &c);
		}
		app[r] = (double)(now_ns() - t0) / (double)nraw;
		st_free(st);
	}
	/* Evaluation: one thread, the forwarded records against every rule of their type. */
	for (int r = 0; r < RUNS; r++) {
		uint64_t t0 = now_ns();

		matches = 0;
		for (size_t i = 0; i < nfwd; i++) {
			int m = engine_eval(eng, fwd[i].buf, fwd[i].len, NULL, NULL);

			if (m > 0)
				matches += (uint64_t)m;
		}
		evl[r] = (double)(now_ns() - t0) / (double)nraw;
	}
	printf("\n== %s: %zu rules, %zu state slots ==\n", label, rs->nrules, slots->n);
	printf("events in the stream: %zu, forwarded to evaluators: %zu (%.0f%%), matches: %llu\n",
	       nraw, nfwd, 100.0 * (double)nfwd / (double)nraw, (unsigned long long)matches);
	printf("enrichment  : %7.1f ns/event  (%.2f M events/s, one thread)\n", median(enr, RUNS),
	       1000.0 / median(enr, RUNS));
	printf("  of which  : state updates %.1f ns/event (%.2f M events/s), field blocks %.1f ns "
	       "per forwarded event (%zu fields at most)\n",
	       median(app, RUNS), 1000.0 / median(app, RUNS),
	       (median(enr, RUNS) - median(app, RUNS)) * (double)nraw / (double)(nfwd ? nfwd : 1),
	       slots->n);
	printf("evaluation  : %7.1f ns/event  (%.2f M events/s, one evaluator thread; per "
	       "forwarded event %.1f ns)\n",
	       median(evl, RUNS), 1000.0 / median(evl, RUNS),
	       median(evl, RUNS) * (double)nraw / (double)(nfwd ? nfwd : 1));
	/* The slowest rules: each rule's program alone over the records of its types. */
	costs = calloc(rs->nrules, sizeof(*costs));
	if (!rule_costs)
		ncost = 0, rs->nrules = rs->nrules;
	for (size_t ri = 0; rule_costs && ri < rs->nrules; ri++) {
		struct rules_crule *cr = &rs->rules[ri];
		uint64_t t0, n = 0;

		if (!cr->enabled || !cr->prog)
			continue;
		t0 = now_ns();
		for (size_t i = 0; i < nfwd; i++) {
			const struct lnr_evt_hdr *h = (const void *)fwd[i].buf;
			int in = 0;

			for (size_t k = 0; k < rs->nby_type[h->type]; k++)
				if (rs->by_type[h->type][k] == ri)
					in = 1;
			if (!in)
				continue;
			n++;
		}
		(void)t0;
		costs[ncost].name = cr->rule->name;
		costs[ncost].evals = n;
		ncost++;
	}
	/* time per rule using engine-equivalent evaluation via a one-rule view */
	for (size_t c = 0; c < ncost; c++) {
		struct rules_crule *cr = NULL;
		uint64_t t0;

		for (size_t ri = 0; ri < rs->nrules; ri++)
			if (rs->rules[ri].rule->name == costs[c].name)
				cr = &rs->rules[ri];
		if (!cr || !costs[c].evals)
			continue;
		/* Disable every other rule, evaluate, restore. */
		for (size_t ri = 0; ri < rs->nrules; ri++)
			rs->rules[ri].enabled = (&rs->rules[ri] == cr);
		t0 = now_ns();
		for (size_t i = 0; i < nfwd; i++)
			engine_eval(eng, fwd[i].buf, fwd[i].len, NULL, NULL);
		costs[c].ns = (double)(now_ns() - t0) / (double)nraw;
		for (size_t ri = 0; ri < rs->nrules; ri++)
			rs->rules[ri].enabled = true;
	}
	qsort(costs, ncost, sizeof(*costs), cmp_cost);
	printf("slowest rules (ns per stream event, including the per-record fixed cost):\n");
	for (size_t c = 0; c < ncost && c < 10; c++)
		printf("  %6.1f  %s\n", costs[c].ns, costs[c].name);
	free(costs);
	for (size_t i = 0; i < nfwd; i++)
		free(fwd[i].buf);
	free(fwd);
	free(x);
	engine_free(eng);
	slots_free(slots);
	rules_ruleset_free(rs);
	rules_loader_free(l);
	return 0;
}

int main(int argc, char **argv)
{
	const char *falco[] = {LANNER_CONFORMANCE_DIR "/falco-rules/falco_rules.yaml"};
	const char *all3[] = {LANNER_CONFORMANCE_DIR "/falco-rules/falco_rules.yaml",
			      LANNER_CONFORMANCE_DIR "/falco-rules/falco-incubating_rules.yaml",
			      LANNER_CONFORMANCE_DIR "/falco-rules/falco-sandbox_rules.yaml"};
	const char *own[] = {LANNER_SOURCE_DIR "/rules/lanner_rules.yaml"};
	const char *own_falco[] = {LANNER_CONFORMANCE_DIR "/falco-rules/falco_rules.yaml",
				   LANNER_SOURCE_DIR "/rules/lanner_rules.yaml"};

	if (argc > 1 && strcmp(argv[1], "--no-rule-costs") == 0)
		rule_costs = 0;
	make_stream();
	printf("bench_pipeline: %zu synthetic events (web workers, an app, a shell running tools), "
	       "%d runs, medians\n",
	       nraw, RUNS);
	printf("goal (rule-engine issue): >= 3 M events/s on one core with all rules (< 330 ns)\n");
	if (bench_ruleset("falco_rules.yaml", falco, 1) != 0)
		return 1;
	if (bench_ruleset("falco_rules + incubating + sandbox", all3, 3) != 0)
		return 1;
	/* Lanner's own default ruleset (rules/), alone and beside falco_rules.yaml. */
	if (bench_ruleset("lanner rules/", own, 1) != 0)
		return 1;
	if (bench_ruleset("falco_rules + lanner rules/", own_falco, 2) != 0)
		return 1;
	return 0;
}
