/* bench_rules_eval.c: evaluation cost of all official rules on a production-like event mix. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "prog.h"
#include "rules_compile.h"
#include "rules_load.h"

/*
 * Loads falco_rules.yaml, falco-incubating_rules.yaml and falco-sandbox_rules.yaml
 * (read in place), compiles them, then evaluates every enabled rule indexed
 * under each event's type, for a mix of mostly non-matching events: opens of
 * ordinary files, execs of ordinary binaries, connects. Field values come from
 * a flat pre-typed table per event (what the evaluator gets from the
 * enricher's field block), so the figures are the rule programs' cost plus one
 * accessor call per field read. Prints ns/event and events/s (median of
 * RUNS), and the ten rules with the most time.
 */
#define RUNS 5
#define ROUNDS 20000

struct ev {
	const char *name;
	enum lnr_evt_type type;
	const char *kv[40][2]; /* field, value (typed by the catalogue) */
	const char *anc[4];
};

static const struct ev mix[] = {
	{"open libssl by python3",
	 LNR_EVT_OPENAT,
	 {{"evt.type", "openat"},
	  {"evt.dir", "<"},
	  {"proc.name", "python3"},
	  {"proc.pname", "bash"},
	  {"proc.exepath", "/usr/bin/python3.11"},
	  {"proc.exe", "python3"},
	  {"proc.cmdline", "python3 app.py"},
	  {"proc.pcmdline", "bash"},
	  {"proc.args", "app.py"},
	  {"user.name", "app"},
	  {"user.uid", "1000"},
	  {"user.loginuid", "1000"},
	  {"proc.tty", "0"},
	  {"container.id", "host"},
	  {"fd.name", "/usr/lib/x86_64-linux-gnu/libssl.so.3"},
	  {"fd.directory", "/usr/lib/x86_64-linux-gnu"},
	  {"fd.filename", "libssl.so.3"},
	  {"fd.typechar", "f"},
	  {"fd.type", "file"},
	  {"evt.arg.flags", "O_RDONLY|O_CLOEXEC"},
	  {"evt.is_open_read", "true"},
	  {"evt.is_open_write", "false"},
	  {"evt.is_open_exec", "false"},
	  {"evt.rawres", "3"},
	  {"evt.res", "SUCCESS"},
	  {"fd.num", "3"},
	  {"fd.name_changed", "false"},
	  {NULL, NULL}},
	 {"bash", "sshd", "systemd", NULL}},
	{"open config by nginx (write)",
	 LNR_EVT_OPENAT,
	 {{"evt.type", "openat"},
	  {"evt.dir", "<"},
	  {"proc.name", "nginx"},
	  {"proc.pname", "nginx"},
	  {"proc.exepath", "/usr/sbin/nginx"},
	  {"proc.exe", "nginx"},
	  {"proc.cmdline", "nginx -g daemon off;"},
	  {"user.name", "www-data"},
	  {"user.uid", "33"},
	  {"user.loginuid", "-1"},
	  {"proc.tty", "0"},
	  {"container.id", "4f2a9c1d0e3b"},
	  {"container.image.repository", "docker.io/library/nginx"},
	  {"fd.name", "/var/log/nginx/access.log"},
	  {"fd.directory", "/var/log/nginx"},
	  {"fd.filename", "access.log"},
	  {"fd.typechar", "f"},
	  {"fd.type", "file"},
	  {"evt.arg.flags", "O_WRONLY|O_APPEND|O_CREAT"},
	  {"evt.is_open_read", "false"},
	  {"evt.is_open_write", "true"},
	  {"evt.rawres", "7"},
	  {"evt.res", "SUCCESS"},
	  {"fd.num", "7"},
	  {NULL, NULL}},
	 {"nginx", "containerd-shim", NULL, NULL}},
	{"exec of ls by bash",
	 LNR_EVT_EXECVE,
	 {{"evt.type", "execve"},
	  {"evt.dir", "<"},
	  {"proc.name", "ls"},
	  {"proc.pname", "bash"},
	  {"proc.exepath", "/usr/bin/ls"},
	  {"proc.exe", "ls"},
	  {"proc.cmdline", "ls -la"},
	  {"proc.pcmdline", "bash"},
	  {"proc.args", "-la"},
	  {"proc.pexepath", "/usr/bin/bash"},
	  {"user.name", "dev"},
	  {"user.uid", "1000"},
	  {"user.loginuid", "1000"},
	  {"proc.tty", "34816"},
	  {"container.id", "host"},
	  {"evt.rawres", "0"},
	  {"evt.res", "SUCCESS"},
	  {"proc.is_exe_upper_layer", "false"},
	  {"proc.is_exe_from_memfd", "false"},
	  {"proc.sname", "bash"},
	  {"proc.vpid", "4242"},
	  {"proc.is_vpgid_leader", "false"},
	  {"evt.arg.flags", "0"},
	  {NULL, NULL}},
	 {"bash", "sshd", "systemd", NULL}},
	{"connect by curl",
	 LNR_EVT_CONNECT,
	 {{"evt.type", "connect"},
	  {"evt.dir", "<"},
	  {"proc.name", "curl"},
	  {"proc.pname", "bash"},
	  {"proc.exepath", "/usr/bin/curl"},
	  {"proc.cmdline", "curl https://deb.debian.org"},
	  {"user.name", "dev"},
	  {"user.uid", "1000"},
	  {"container.id", "host"},
	  {"fd.typechar", "4"},
	  {"fd.type", "ipv4"},
	  {"fd.l4proto", "tcp"},
	  {"fd.sockfamily", "ip"},
	  {"fd.name", "10.0.0.5:41234->151.101.2.132:443"},
	  {"fd.sip", "151.101.2.132"},
	  {"fd.cip", "10.0.0.5"},
	  {"fd.rip", "151.101.2.132"},
	  {"fd.lip", "10.0.0.5"},
	  {"fd.sport", "443"},
	  {"fd.rport", "443"},
	  {"fd.lport", "41234"},
	  {"fd.cport", "41234"},
	  {"fd.connected", "true"},
	  {"evt.rawres", "0"},
	  {"evt.res", "SUCCESS"},
	  {NULL, NULL}},
	 {"bash", "sshd", "systemd", NULL}},
};

#define NMIX (sizeof(mix) / sizeof(*mix))
/* Weights: opens dominate production streams. */
static const int weight[NMIX] = {6, 2, 1, 1};

static struct fld_val table[NMIX][FLD_MAX];
static int have[NMIX][FLD_MAX];
static struct fld_val anc[NMIX][4];
static int nanc[NMIX];
static int cur;
static size_t nget; /* accessor calls (field reads) */

static int get(void *ctx, const struct fld_ref *f, struct fld_val *out, uint32_t max)
{
	(void)ctx;
	nget++;
	if ((f->id == FLD_PROC_ANAME) && !f->arg) {
		uint32_t n = (uint32_t)nanc[cur] < max ? (uint32_t)nanc[cur] : max;

		memcpy(out, anc[cur], n * sizeof(*out));
		return (int)n;
	}
	if ((unsigned)f->id >= FLD_MAX || !have[cur][f->id] || (f->arg && f->id != FLD_EVT_ARG))
		return 0;
	if (f->id == FLD_EVT_ARG && (!f->arg || strcmp(f->arg, "flags") != 0))
		return 0;
	out[0] = table[cur][f->id];
	return 1;
}

static int evt_type(void *ctx)
{
	(void)ctx;
	return (int)mix[cur].type;
}

static void fill(void)
{
	for (size_t e = 0; e < NMIX; e++) {
		for (size_t i = 0; mix[e].kv[i][0]; i++) {
			const char *name = mix[e].kv[i][0], *v = mix[e].kv[i][1];
			const struct fld_info *fi = fld_lookup(name);
			enum fld_id id;
			struct fld_val *o;

			if (!fi && strcmp(name, "evt.arg.flags") == 0)
				fi = fld_info(FLD_EVT_ARG);
			if (!fi) {
				fprintf(stderr, "unknown field %s\n", name);
				exit(1);
			}
			id = fi->id;
			o = &table[e][id];
			have[e][id] = 1;
			if (fld_type_is_string(fi->type) || fi->type == LNR_PT_BYTEBUF) {
				o->str.p = v;
				o->str.len = strlen(v);
			} else if (fi->type == LNR_PT_BOOL) {
				o->u64 = strcmp(v, "true") == 0;
			} else if (fi->type == LNR_PT_IPADDR) {
				unsigned a, b, c, d;

				sscanf(v, "%u.%u.%u.%u", &a, &b, &c, &d);
				o->ip.family = 4;
				o->ip.a[0] = (uint8_t)a;
				o->ip.a[1] = (uint8_t)b;
				o->ip.a[2] = (uint8_t)c;
				o->ip.a[3] = (uint8_t)d;
			} else if (fld_type_is_signed(fi->type)) {
				o->s64 = strtoll(v, NULL, 10);
			} else {
				o->u64 = strtoull(v, NULL, 10);
			}
			o->type = (uint16_t)fi->type;
		}
		for (int k = 0; k < 4 && mix[e].anc[k]; k++) {
			anc[e][k].str.p = mix[e].anc[k];
			anc[e][k].str.len = strlen(mix[e].anc[k]);
			nanc[e] = k + 1;
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

int main(int argc, char **argv)
{
	static const char *const files[] = {"falco_rules.yaml", "falco-incubating_rules.yaml",
					    "falco-sandbox_rules.yaml"};
	const char *dir = argc > 1 && strcmp(argv[1], "-") != 0 ? argv[1]
								: LANNER_CONFORMANCE_DIR
				  "/falco-rules";
	/* Second argument: "tree" (reference tree walk), "flat" (no shared checks);
	 * default: flat code with check results shared across rules per event. */
	const char *mode = argc > 2 ? argv[2] : "memo";
	struct prog_memo *memo = NULL;
	struct prog **progs;
	int nids = 0;
	struct rules_loader *l = rules_loader_new();
	struct rules_opts opts = {0};
	struct rules_ruleset *rs;
	struct fld_accessor acc = {get, evt_type, NULL};
	double t[RUNS], *rule_ns;
	size_t nevents = 0, matches = 0, evals = 0;
	int order[NMIX * 16], norder = 0;

	for (size_t i = 0; i < 3; i++) {
		char path[4096];

		snprintf(path, sizeof(path), "%s/%s", dir, files[i]);
		if (rules_loader_load_file(l, path) < 0) {
			fprintf(stderr, "bench_rules_eval: cannot load %s\n", path);
			return 1;
		}
	}
	opts.min_priority = RULES_PRIO_DEBUG;
	rs = rules_compile(l, &opts);
	if (!rs) {
		fprintf(stderr, "bench_rules_eval: compile failed\n");
		return 1;
	}
	fill();
	progs = calloc(rs->nrules ? rs->nrules : 1, sizeof(*progs));
	for (size_t i = 0; i < rs->nrules; i++)
		progs[i] = rs->rules[i].prog;
	if (strcmp(mode, "memo") == 0) {
		nids = prog_share_checks(progs, rs->nrules);
		memo = nids >= 0 ? prog_memo_new((uint32_t)nids) : NULL;
		if (!memo) {
			fprintf(stderr, "bench_rules_eval: memo failed\n");
			return 1;
		}
	}
	for (size_t e = 0; e < NMIX; e++)
		for (int w = 0; w < weight[e]; w++)
			order[norder++] = (int)e;
	rule_ns = calloc(rs->nrules, sizeof(*rule_ns));
	for (int r = 0; r < RUNS; r++) {
		double t0 = now_ns();

		nevents = matches = evals = nget = 0;
		for (int round = 0; round < ROUNDS; round++) {
			for (int k = 0; k < norder; k++) {
				enum lnr_evt_type ty;

				cur = order[k];
				ty = mix[cur].type;
				if (memo)
					prog_memo_next_event(memo);
				for (size_t i = 0; i < rs->nby_type[ty]; i++) {
					struct rules_crule *cr = &rs->rules[rs->by_type[ty][i]];
					int r = memo ? prog_eval_memo(cr->prog, &acc, memo)
						: strcmp(mode, "tree") == 0
							? prog_eval_tree(cr->prog, &acc)
							: prog_eval(cr->prog, &acc);

					matches += r == 1;
					evals++;
				}
				nevents++;
			}
		}
		t[r] = (now_ns() - t0) / (double)nevents;
	}
	qsort(t, RUNS, sizeof(*t), cmpd);
	/* Per-rule time: one more pass, timing each program on its own. */
	for (int round = 0; round < 2000; round++) {
		for (int k = 0; k < norder; k++) {
			enum lnr_evt_type ty;

			cur = order[k];
			ty = mix[cur].type;
			for (size_t i = 0; i < rs->nby_type[ty]; i++) {
				size_t ri = rs->by_type[ty][i];
				double t0 = now_ns();

				(void)prog_eval(rs->rules[ri].prog, &acc);
				rule_ns[ri] += now_ns() - t0;
			}
		}
	}
	printf("bench_rules_eval (%s): %zu rules compiled (3 official files), %d shared checks, "
	       "event mix of %d (open/open/exec/connect weights 6/2/1/1), %zu events x %d runs\n",
	       mode, rs->nrules, nids, norder, nevents, RUNS);
	printf("  rules evaluated per event: %.1f; field reads per event: %.1f; matches per "
	       "event: %.3f\n",
	       (double)evals / (double)nevents, (double)nget / (double)nevents,
	       (double)matches / (double)nevents);
	printf("  median %.1f ns/event = %.2f M events/s (goal: >= 3 M/s, <= 330 ns)\n",
	       t[RUNS / 2], 1e3 / t[RUNS / 2]);
	printf("  slowest rules (each evaluated alone, no sharing; share of that time):\n");
	{
		double tot = 0;

		for (size_t i = 0; i < rs->nrules; i++)
			tot += rule_ns[i];
		for (int top = 0; top < 10 && tot > 0; top++) {
			size_t best = 0;

			for (size_t i = 0; i < rs->nrules; i++)
				if (rule_ns[i] > rule_ns[best])
					best = i;
			if (rule_ns[best] <= 0)
				break;
			printf("    %5.1f%%  %s\n", 100.0 * rule_ns[best] / tot,
			       rs->rules[best].rule->name);
			rule_ns[best] = -1;
		}
	}
	free(rule_ns);
	free(progs);
	prog_memo_free(memo);
	rules_ruleset_free(rs);
	rules_loader_free(l);
	return 0;
}
