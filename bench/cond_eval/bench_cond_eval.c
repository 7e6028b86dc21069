/* bench_cond_eval.c: micro-benchmark of compiled condition evaluation (ns/op), with a hand-coded peer. */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cond.h"
#include "prog.h"

/*
 * The accessor here is a flat table of pre-typed values indexed by field id
 * (what an enricher with its state at hand can do), so the figures measure
 * the program, not a test store. Each condition is evaluated ITER times on a
 * typical non-matching event (an open of a shared library by python3); runs
 * are repeated RUNS times and the median is printed. The "peer" is the same
 * logic as condition 2 written by hand in C (the ceiling for that check).
 */
#define ITER 2000000
#define RUNS 5

static struct fld_val vals[FLD_MAX];
static int have[FLD_MAX];
static struct fld_val anc[4];
static int nanc;

static int get(void *ctx, const struct fld_ref *f, struct fld_val *out, uint32_t max)
{
	(void)ctx;
	if (f->id == FLD_PROC_ANAME && !f->arg) {
		uint32_t n = (uint32_t)nanc < max ? (uint32_t)nanc : max;

		memcpy(out, anc, n * sizeof(*out));
		return (int)n;
	}
	if (!have[f->id])
		return 0;
	out[0] = vals[f->id];
	return 1;
}

static int evt_type(void *ctx)
{
	(void)ctx;
	return LNR_EVT_OPENAT;
}

static void set_str(enum fld_id id, const char *s)
{
	vals[id].str.p = s;
	vals[id].str.len = strlen(s);
	have[id] = 1;
}

static void set_num(enum fld_id id, uint64_t v)
{
	vals[id].u64 = v;
	have[id] = 1;
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

static const char *const conds[] = {
	/* 1: Falco "Terminal shell in container" shape. */
	"evt.type = execve and evt.dir = < and container.id != host and proc.name in (ash, bash, "
	"csh, ksh, sh, tcsh, zsh, dash) and proc.tty != 0 and not proc.pname in (sshd, tmux)",
	/* 2: "Read sensitive file untrusted" shape (matching event type). */
	"evt.type in (open, openat, openat2) and evt.is_open_read = true and fd.typechar = f and "
	"fd.name in (/etc/shadow, /etc/sudoers, /etc/pam.conf, /etc/security/pwquality.conf) and "
	"not proc.name in (iptables, ps, lsb_release, check-new-relea, dumpe2fs, accounts-daemon, "
	"sshd, vsftpd, systemd, mysql_install_d, psql, screen, debconf-show, sa-update, pam-auth-"
	"update, pam-config, /usr/sbin/spamd, polkit-agent-he, lsattr, file, sosreport)",
	/* 3: big list, prefix, glob, regex, ancestors. */
	"fd.name startswith /etc or fd.name pmatch (/root, /home/*/.ssh, /var/lib/docker) or "
	"fd.name glob '*/.aws/credentials' or proc.aname in (sshd, su, sudo) or fd.name regex "
	"'.*/(id_rsa|id_ed25519)([.]pub)?'",
	/* 4: transformers and icontains. */
	"tolower(proc.cmdline) icontains 'base64 -d' or basename(proc.exepath) = nc",
};

static double bench_prog(struct prog *p, const struct fld_accessor *acc, int *result)
{
	double t[RUNS];

	for (int r = 0; r < RUNS; r++) {
		double t0 = now_ns();
		int acc_r = 0;

		for (int i = 0; i < ITER; i++)
			acc_r += prog_eval(p, acc);
		t[r] = (now_ns() - t0) / ITER;
		*result = acc_r;
	}
	qsort(t, RUNS, sizeof(*t), cmpd);
	return t[RUNS / 2];
}

/* Condition 2 by hand: the peer. */
static int peer(void)
{
	static const char *const names[] = {"/etc/shadow", "/etc/sudoers", "/etc/pam.conf",
					    "/etc/security/pwquality.conf"};
	const struct fld_val *n = &vals[FLD_FD_NAME];
	int et = evt_type(NULL);

	if (et != LNR_EVT_OPEN && et != LNR_EVT_OPENAT && et != LNR_EVT_OPENAT2)
		return 0;
	if (!vals[FLD_EVT_IS_OPEN_READ].u64)
		return 0;
	if (vals[FLD_FD_TYPECHAR].str.len != 1 || vals[FLD_FD_TYPECHAR].str.p[0] != 'f')
		return 0;
	for (size_t i = 0; i < 4; i++)
		if (n->str.len == strlen(names[i]) && !memcmp(n->str.p, names[i], n->str.len))
			return 1;
	return 0;
}

int main(int argc, char **argv)
{
	int only = argc > 1 ? atoi(argv[1]) : 0;

	struct fld_accessor acc = {get, evt_type, NULL};
	double tpeer[RUNS], p2 = 0;

	set_str(FLD_EVT_TYPE, "openat");
	set_str(FLD_EVT_DIR, "<");
	set_str(FLD_CONTAINER_ID, "host");
	set_str(FLD_PROC_NAME, "python3");
	set_str(FLD_PROC_PNAME, "bash");
	set_str(FLD_PROC_CMDLINE, "python3 /usr/local/bin/app.py --serve");
	set_str(FLD_PROC_EXEPATH, "/usr/bin/python3.11");
	set_num(FLD_PROC_TTY, 0);
	set_num(FLD_EVT_IS_OPEN_READ, 1);
	set_str(FLD_FD_TYPECHAR, "f");
	set_str(FLD_FD_NAME, "/usr/lib/x86_64-linux-gnu/libssl.so.3");
	anc[0].str.p = "bash";
	anc[0].str.len = 4;
	anc[1].str.p = "systemd";
	anc[1].str.len = 7;
	nanc = 2;

	printf("bench_cond_eval: %d evaluations x %d runs, median ns/op\n", ITER, RUNS);
	for (size_t i = 0; i < sizeof(conds) / sizeof(*conds); i++) {
		struct cond_error e;
		struct prog_msg pe;
		struct cond_node *ast = cond_parse(conds[i], strlen(conds[i]), 1000, &e);
		struct prog *p = ast ? prog_compile(ast, &pe) : NULL;
		int r = 0;
		double ns;

		if (!p) {
			fprintf(stderr, "condition %zu: %s\n", i + 1, ast ? pe.msg : e.msg);
			return 1;
		}
		if (only && (size_t)only != i + 1) {
			prog_free(p);
			cond_free(ast);
			continue;
		}
		ns = bench_prog(p, &acc, &r);
		if (i == 1)
			p2 = ns;
		printf("  condition %zu: %7.1f ns/op (%s)\n", i + 1, ns,
		       r ? "matches" : "no match");
		prog_free(p);
		cond_free(ast);
	}
	for (int r = 0; r < RUNS; r++) {
		volatile int sink = 0;
		double t0 = now_ns();

		for (int i = 0; i < ITER; i++)
			sink += peer();
		tpeer[r] = (now_ns() - t0) / ITER;
		(void)sink;
	}
	qsort(tpeer, RUNS, sizeof(*tpeer), cmpd);
	printf("  peer (condition 2 hand-coded in C): %.1f ns/op; program/peer = %.1fx\n",
	       tpeer[RUNS / 2], p2 / tpeer[RUNS / 2]);
	return 0;
}
