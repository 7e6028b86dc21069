/* test_events.c: events through the parsers, and the field values an evaluator would get. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include "dns.h"
#include "enr_stats.h"
#include "event.h"
#include "extract.h"
#include "fields.h"
#include "ppm.h"
#include "procfs.h"
#include "rules_compile.h"
#include "rules_load.h"
#include "runtime.h"
#include "slots.h"
#include "state.h"
#include "users.h"

/* One named parameter value for ev(). */
struct pv {
	const char *name;
	int kind; /* 0 int, 1 string, 2 bytes */
	int64_t i;
	const char *s;
	size_t n;
};
#define I(nm, v) ((struct pv){nm, 0, (int64_t)(v), NULL, 0})
#define S(nm, v) ((struct pv){nm, 1, 0, v, 0})
#define B(nm, v, len) ((struct pv){nm, 2, 0, v, len})

static uint8_t evbuf[8][65536];
static int evslot;

/* Builds an event of type t with the named values (others absent) and decodes it. */
static struct lnr_evt_view *ev(uint16_t t, int64_t tid, int64_t pid, size_t n, const struct pv *pv)
{
	static struct lnr_evt_view views[8];
	const struct lnr_evt_info *info = lnr_evt_info(t);
	struct lnr_evt_builder b;
	uint8_t *buf = evbuf[evslot % 8];
	struct lnr_evt_view *v = &views[evslot++ % 8];
	int len;

	assert_non_null(info);
	assert_int_equal(
		lnr_evb_init(&b, buf, sizeof(evbuf[0]), t, 1000 + (uint64_t)evslot, tid, pid), 0);
	for (unsigned i = 0; i < info->nparams; i++) {
		const struct pv *p = NULL;

		for (size_t k = 0; k < n; k++)
			if (strcmp(pv[k].name, info->params[i].name) == 0)
				p = &pv[k];
		if (!p)
			lnr_evb_absent(&b);
		else if (p->kind == 0 &&
			 (info->params[i].type == LNR_PT_INT64 ||
			  info->params[i].type == LNR_PT_ERRNO ||
			  info->params[i].type == LNR_PT_FD || info->params[i].type == LNR_PT_PID ||
			  info->params[i].type == LNR_PT_INT32 ||
			  info->params[i].type == LNR_PT_INT16 ||
			  info->params[i].type == LNR_PT_INT8))
			lnr_evb_s64(&b, p->i);
		else if (p->kind == 0)
			lnr_evb_u64(&b, (uint64_t)p->i);
		else if (p->kind == 1)
			lnr_evb_str(&b, p->s, 0);
		else
			lnr_evb_bytes(&b, p->s, p->n, 0);
	}
	len = lnr_evb_finish(&b);
	assert_true(len > 0);
	assert_int_equal(lnr_evt_decode(buf, (size_t)len, v, NULL), 0);
	return v;
}
#define EV(t, tid, pid, ...)                                                                       \
	ev(t, tid, pid, sizeof((struct pv[]){__VA_ARGS__}) / sizeof(struct pv),                    \
	   (struct pv[]){__VA_ARGS__})

static struct ext_ctx *X;

/* The field's first value as text (strings as is, numbers in decimal), "<NA>" when missing. */
static const char *field(struct st_state *s, struct st_ctx *c, const char *name)
{
	static char out[4096];
	struct fld_ref ref;
	struct fld_val vals[FLD_MAX_VALUES];
	char msg[256];
	const char *br = strchr(name, '[');
	char fname[128];
	const char *arg = NULL;
	size_t alen = 0;
	int n;

	snprintf(fname, sizeof(fname), "%.*s", br ? (int)(br - name) : (int)strlen(name), name);
	if (br) {
		arg = br + 1;
		alen = strlen(arg) - 1;
	}
	assert_int_equal(fld_resolve(fname, arg, alen, &ref, msg, sizeof(msg)), 0);
	assert_true(slots_field_is_state(ref.id));
	ext_begin(X, s, c);
	n = ext_get(X, &ref, vals, FLD_MAX_VALUES);
	if (n <= 0)
		return "<NA>";
	switch (ref.type) {
	case LNR_PT_CHARBUF:
	case LNR_PT_FSPATH:
	case LNR_PT_BYTEBUF:
		snprintf(out, sizeof(out), "%.*s", (int)vals[0].str.len, vals[0].str.p);
		break;
	case LNR_PT_INT64:
	case LNR_PT_PID:
		snprintf(out, sizeof(out), "%lld", (long long)vals[0].s64);
		break;
	case LNR_PT_IPADDR:
	case LNR_PT_IPNET:
		snprintf(out, sizeof(out), "%u.%u.%u.%u", vals[0].ip.a[0], vals[0].ip.a[1],
			 vals[0].ip.a[2], vals[0].ip.a[3]);
		break;
	default:
		snprintf(out, sizeof(out), "%llu", (unsigned long long)vals[0].u64);
		break;
	}
	return out;
}

static void apply(struct st_state *s, struct st_ctx *c, const struct lnr_evt_view *v)
{
	assert_int_equal(st_apply(s, v, c), 0);
}

static void test_process_lifecycle(void **state)
{
	struct st_opts o = {.max_threads = 1000};
	struct st_state *s = st_new(&o);
	struct st_ctx c;
	struct thread_table *t = st_threads(s);
	struct enr_thread *init, *bash;

	assert_non_null(s);
	init = thr_add(t, 1, 1, 0);
	strcpy(init->proc->comm, "systemd");
	bash = thr_fork(t, init, 100, 100, 0, 1);
	strcpy(bash->proc->comm, "bash");
	enr_str_set(&bash->proc->exe, "-bash", 0);
	enr_str_set(&bash->proc->cwd, "/root/", 0);
	bash->proc->sid = 100;
	bash->proc->vpgid = bash->proc->pgid = 100;
	bash->proc->loginuid = 1000;

	/* fork in the parent: the child is a copy of bash */
	apply(s, &c, EV(LNR_EVT_CLONE, 100, 100, I("res", 200), I("flags", 0), S("comm", "bash")));
	st_finish(s, &c);
	/* an event of the child before its exec still sees bash */
	apply(s, &c,
	      EV(LNR_EVT_OPENAT, 200, 200, I("fd", 3), I("dirfd", PPM_AT_FDCWD),
		 S("name", "../etc/shadow"), I("flags", PPM_O_RDONLY)));
	assert_string_equal(field(s, &c, "proc.name"), "bash");
	assert_string_equal(field(s, &c, "proc.pname"), "bash");
	assert_string_equal(field(s, &c, "fd.name"), "/etc/shadow");
	assert_string_equal(field(s, &c, "fd.directory"), "/etc");
	assert_string_equal(field(s, &c, "fd.filename"), "shadow");
	assert_string_equal(field(s, &c, "fd.typechar"), "f");
	assert_string_equal(field(s, &c, "fd.num"), "3");
	st_finish(s, &c);

	/* exec: new name, args, exepath; close-on-exec fds go */
	apply(s, &c,
	      EV(LNR_EVT_EXECVE, 200, 200, I("res", 0), S("exe", "cat"),
		 B("args", "/etc/shadow\0-n\0", 15), S("comm", "cat"),
		 S("trusted_exepath", "/usr/bin/cat"), S("cwd", "/root"), I("uid", 0),
		 I("loginuid", 1000), I("cap_permitted", (1ULL << 0) | (1ULL << 21))));
	assert_string_equal(field(s, &c, "proc.name"), "cat");
	assert_string_equal(field(s, &c, "proc.exe"), "cat");
	assert_string_equal(field(s, &c, "proc.exepath"), "/usr/bin/cat");
	assert_string_equal(field(s, &c, "proc.cmdline"), "cat /etc/shadow -n");
	assert_string_equal(field(s, &c, "proc.args"), "/etc/shadow -n");
	assert_string_equal(field(s, &c, "proc.pname"), "bash");
	assert_string_equal(field(s, &c, "proc.pcmdline"), "bash");
	assert_string_equal(field(s, &c, "proc.aname[2]"), "systemd");
	assert_string_equal(field(s, &c, "proc.aname[3]"), "<NA>");
	assert_string_equal(field(s, &c, "proc.sname"), "bash");
	assert_string_equal(field(s, &c, "proc.cwd"), "/root/");
	assert_string_equal(field(s, &c, "user.uid"), "0");
	assert_string_equal(field(s, &c, "user.name"), "root");
	assert_string_equal(field(s, &c, "user.loginuid"), "1000");
	assert_string_equal(field(s, &c, "thread.cap_permitted"), "CAP_CHOWN CAP_SYS_ADMIN");
	assert_string_equal(field(s, &c, "container.id"), "host");
	assert_string_equal(field(s, &c, "proc.is_exe_from_memfd"), "0");
	st_finish(s, &c);

	/* the fd opened before exec without O_CLOEXEC survives; open a dir and use it as dirfd */
	apply(s, &c,
	      EV(LNR_EVT_OPENAT, 200, 200, I("fd", 4), I("dirfd", PPM_AT_FDCWD), S("name", "/etc"),
		 I("flags", PPM_O_RDONLY | PPM_O_DIRECTORY)));
	assert_string_equal(field(s, &c, "fd.typechar"), "d");
	st_finish(s, &c);
	apply(s, &c,
	      EV(LNR_EVT_OPENAT, 200, 200, I("fd", 5), I("dirfd", 4), S("name", "./passwd"),
		 I("flags", PPM_O_RDONLY)));
	assert_string_equal(field(s, &c, "fd.name"), "/etc/passwd");
	st_finish(s, &c);
	/* dup2 then close the original: the copy keeps the name */
	apply(s, &c, EV(LNR_EVT_DUP2, 200, 200, I("res", 9), I("oldfd", 5), I("newfd", 9)));
	assert_string_equal(field(s, &c, "fd.name"), "/etc/passwd");
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_CLOSE, 200, 200, I("res", 0), I("fd", 5)));
	/* the close event itself still sees what it closes */
	assert_string_equal(field(s, &c, "fd.name"), "/etc/passwd");
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_CLOSE, 200, 200, I("res", 0), I("fd", 5)));
	/* an fd event on an fd we do not have: "" as libsinsp, not <NA> */
	assert_string_equal(field(s, &c, "fd.name"), "");
	assert_string_equal(field(s, &c, "fd.typechar"), "o");
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_FCNTL, 200, 200, I("res", 11), I("fd", 9), I("cmd", 1)));
	st_finish(s, &c);
	assert_non_null(fdt_get(thr_get(t, 200)->proc->fds, 11));
	assert_string_equal(fdt_get(thr_get(t, 200)->proc->fds, 11)->name, "/etc/passwd");

	/* chdir relative, then a relative open */
	apply(s, &c, EV(LNR_EVT_CHDIR, 200, 200, I("res", 0), S("path", "../tmp")));
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_OPEN, 200, 200, I("fd", 6), S("name", "x/../y"), I("flags", 2)));
	assert_string_equal(field(s, &c, "fd.name"), "/tmp/y");
	assert_string_equal(field(s, &c, "proc.cwd"), "/tmp/");
	st_finish(s, &c);

	/* credentials */
	apply(s, &c, EV(LNR_EVT_SETUID, 200, 200, I("res", 0), I("uid", 65534)));
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_OPEN, 200, 200, I("fd", 7), S("name", "/x"), I("flags", 1)));
	assert_string_equal(field(s, &c, "user.uid"), "65534");
	st_finish(s, &c);

	/* a thread of the child, then exit of the process: its child goes to init */
	apply(s, &c, EV(LNR_EVT_CLONE, 200, 200, I("res", 300), I("flags", 0)));
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_PROCEXIT, 200, 200, I("status", 0)));
	assert_string_equal(field(s, &c, "proc.name"), "cat"); /* still readable on procexit */
	st_finish(s, &c);
	assert_null(thr_get(t, 200));
	apply(s, &c, EV(LNR_EVT_OPEN, 300, 300, I("fd", 3), S("name", "/y"), I("flags", 1)));
	assert_string_equal(field(s, &c, "proc.pname"), "systemd");
	assert_string_equal(field(s, &c, "proc.ppid"), "1");
	st_finish(s, &c);
	st_free(s);
}

static void test_sockets(void **state)
{
	struct st_opts o = {0};
	struct st_state *s = st_new(&o);
	struct st_ctx c;
	uint8_t tuple[13];
	uint32_t a;
	uint16_t p;
	struct enr_thread *th = thr_add(st_threads(s), 500, 500, 0);

	strcpy(th->proc->comm, "curl");
	apply(s, &c,
	      EV(LNR_EVT_SOCKET, 500, 500, I("fd", 3), I("domain", PPM_AF_INET), I("type", 1),
		 I("proto", 0)));
	st_finish(s, &c);
	/* 192.0.2.10:40000 -> 198.51.100.7:443 (documentation ranges) */
	tuple[0] = PPM_AF_INET;
	a = htonl(0xC000020A);
	memcpy(tuple + 1, &a, 4);
	p = 40000;
	memcpy(tuple + 5, &p, 2);
	a = htonl(0xC6336407);
	memcpy(tuple + 7, &a, 4);
	p = 443;
	memcpy(tuple + 11, &p, 2);
	apply(s, &c,
	      EV(LNR_EVT_CONNECT, 500, 500, I("res", 0), I("fd", 3),
		 B("tuple", (const char *)tuple, 13)));
	assert_string_equal(field(s, &c, "fd.name"), "192.0.2.10:40000->198.51.100.7:443");
	assert_string_equal(field(s, &c, "fd.sip"), "198.51.100.7");
	assert_string_equal(field(s, &c, "fd.rip"), "198.51.100.7");
	assert_string_equal(field(s, &c, "fd.lip"), "192.0.2.10");
	assert_string_equal(field(s, &c, "fd.sport"), "443");
	assert_string_equal(field(s, &c, "fd.rport"), "443");
	assert_string_equal(field(s, &c, "fd.lport"), "40000");
	assert_string_equal(field(s, &c, "fd.l4proto"), "tcp");
	assert_string_equal(field(s, &c, "fd.sockfamily"), "ip");
	assert_string_equal(field(s, &c, "fd.typechar"), "4");
	assert_string_equal(field(s, &c, "fd.connected"), "1");
	assert_string_equal(field(s, &c, "fd.name_changed"), "1");
	st_finish(s, &c);
	/* accept on a server: remote is the client */
	apply(s, &c,
	      EV(LNR_EVT_ACCEPT4, 500, 500, I("fd", 8), B("tuple", (const char *)tuple, 13)));
	assert_string_equal(field(s, &c, "fd.rip"), "192.0.2.10");
	assert_string_equal(field(s, &c, "fd.lport"), "443");
	assert_string_equal(field(s, &c, "fd.is_server"), "1");
	st_finish(s, &c);
	st_free(s);
}

static void test_seeds(void **state)
{
	struct st_state *s = st_new(NULL);
	struct st_ctx c;

	/* a capture's lists: parent, child with an open file, and its users */
	apply(s, &c,
	      EV(LNR_EVT_SEED_THREAD, 0, 0, I("tid", 10), I("pid", 10), I("ptid", 1),
		 S("comm", "sshd"), S("exe", "/usr/sbin/sshd"), S("exepath", "/usr/sbin/sshd"),
		 S("cwd", "/"), I("uid", 0), I("sid", 10)));
	apply(s, &c,
	      EV(LNR_EVT_SEED_THREAD, 0, 0, I("tid", 20), I("pid", 20), I("ptid", 10),
		 S("comm", "bash"), S("exe", "-bash"), S("cwd", "/home/alice/"),
		 B("args", "-i\0", 3), I("uid", 1000), I("gid", 1000), I("loginuid", 1000),
		 I("sid", 20)));
	apply(s, &c,
	      EV(LNR_EVT_SEED_FD, 0, 0, I("tid", 20), I("fd", 5), I("type", 1),
		 S("name", "/home/alice/notes.txt")));
	apply(s, &c,
	      EV(LNR_EVT_SEED_USER, 0, 0, I("is_group", 0), I("uid", 1000), I("gid", 1000),
		 S("name", "alice"), S("homedir", "/home/alice"), S("shell", "/bin/bash")));
	apply(s, &c,
	      EV(LNR_EVT_SEED_USER, 0, 0, I("is_group", 1), I("gid", 1000), S("name", "staff")));
	/* an event of the seeded process on the seeded fd */
	apply(s, &c, EV(LNR_EVT_READ, 20, 20, I("res", 10), I("fd", 5)));
	assert_string_equal(field(s, &c, "proc.name"), "bash");
	assert_string_equal(field(s, &c, "proc.pname"), "sshd");
	assert_string_equal(field(s, &c, "proc.cmdline"), "bash -i");
	assert_string_equal(field(s, &c, "fd.name"), "/home/alice/notes.txt");
	/* users come from the capture only, not from this machine */
	assert_string_equal(field(s, &c, "user.name"), "alice");
	assert_string_equal(field(s, &c, "user.homedir"), "/home/alice");
	assert_string_equal(field(s, &c, "user.loginname"), "alice");
	assert_string_equal(field(s, &c, "group.name"), "staff");
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_READ, 10, 10, I("res", 1), I("fd", 3)));
	assert_string_equal(field(s, &c, "user.name"),
			    "<NA>"); /* uid 0 not in the capture's list */
	st_finish(s, &c);
	st_free(s);
}

/*
 * A process known only through its own events (a capture whose lists miss
 * it, or /proc gone live): libsinsp's made-up thread, patched by what the
 * execve and clone exits say.
 */
static void test_unknown_process(void **state)
{
	struct st_state *s = st_new(NULL);
	struct st_ctx c;
	struct enr_thread *bash = thr_add(st_threads(s), 3200, 3200, 1);

	(void)state;
	strcpy(bash->proc->comm, "bash");
	bash->proc->uid = 1000;
	/* an event of a thread nobody knows: named <NA>, no parent, no user */
	apply(s, &c, EV(LNR_EVT_KILL, 17497, 17497, I("res", 0), I("pid", 1)));
	assert_string_equal(field(s, &c, "proc.name"), "<NA>");
	assert_string_equal(field(s, &c, "proc.cmdline"), "<NA>");
	assert_string_equal(field(s, &c, "proc.pname"), "<NA>");
	assert_string_equal(field(s, &c, "user.uid"), "4294967295");
	assert_string_equal(field(s, &c, "user.name"), "<NA>");
	/* an event without an fd has no fd fields */
	assert_string_equal(field(s, &c, "fd.name"), "<NA>");
	assert_string_equal(field(s, &c, "fd.num"), "<NA>");
	st_finish(s, &c);
	/* its execve names the parent (ptid), not the user (no uid param) */
	apply(s, &c,
	      EV(LNR_EVT_EXECVE, 17497, 17497, I("res", 0), S("exe", "curl"), B("args", "-6\0", 3),
		 I("ptid", 3200), S("comm", "curl")));
	assert_string_equal(field(s, &c, "proc.name"), "curl");
	assert_string_equal(field(s, &c, "proc.pname"), "bash");
	assert_string_equal(field(s, &c, "proc.ppid"), "3200");
	assert_string_equal(field(s, &c, "user.name"), "<NA>");
	st_finish(s, &c);
	assert_int_equal(bash->proc->nchildren, 1);
	/* a thread of it: its parent is the process's parent (not the creator) */
	apply(s, &c,
	      EV(LNR_EVT_CLONE, 17497, 17497, I("res", 17498),
		 I("flags", PPM_CL_CLONE_THREAD | PPM_CL_CLONE_FILES), S("comm", "curl")));
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_KILL, 17498, 17497, I("res", 0), I("pid", 1)));
	assert_string_equal(field(s, &c, "proc.name"), "curl");
	assert_string_equal(field(s, &c, "proc.pname"), "bash");
	st_finish(s, &c);
	/* a thread of a process we do not know, its own clone first: it joins its
	 * process (pid 900), whose parent is the event's ptid (bash) */
	apply(s, &c,
	      EV(LNR_EVT_CLONE, 901, 900, I("res", 0), I("ptid", 3200),
		 I("flags", PPM_CL_CLONE_THREAD | PPM_CL_CLONE_FILES), S("comm", "worker"),
		 S("exe", "/usr/bin/worker"), I("uid", 1000), I("gid", 1000)));
	assert_string_equal(field(s, &c, "proc.pid"), "900");
	assert_string_equal(field(s, &c, "proc.pname"), "bash");
	st_finish(s, &c);
	assert_int_equal(thr_get(st_threads(s), 901)->proc->pid, 900);
	/* a made-up process (seen through its main thread) learns its parent from
	 * the clone event of a new thread of it */
	apply(s, &c, EV(LNR_EVT_KILL, 950, 950, I("res", 0), I("pid", 1)));
	assert_string_equal(field(s, &c, "proc.pname"), "<NA>");
	st_finish(s, &c);
	apply(s, &c,
	      EV(LNR_EVT_CLONE, 951, 950, I("res", 0), I("ptid", 3200),
		 I("flags", PPM_CL_CLONE_THREAD | PPM_CL_CLONE_FILES), S("comm", "srv")));
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_KILL, 950, 950, I("res", 0), I("pid", 1)));
	assert_string_equal(field(s, &c, "proc.name"), "srv");
	assert_string_equal(field(s, &c, "proc.pname"), "bash");
	st_finish(s, &c);
	/* a thread cloned with a user its process does not have keeps its own (libsinsp) */
	apply(s, &c,
	      EV(LNR_EVT_CLONE, 17497, 17497, I("res", 17499),
		 I("flags", PPM_CL_CLONE_THREAD | PPM_CL_CLONE_FILES), S("comm", "curl"),
		 I("uid", 1000), I("gid", 1000)));
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_KILL, 17499, 17497, I("res", 0), I("pid", 1)));
	assert_string_equal(field(s, &c, "user.uid"), "1000");
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_KILL, 17497, 17497, I("res", 0), I("pid", 1)));
	assert_string_equal(field(s, &c, "user.uid"), "4294967295");
	st_finish(s, &c);
	/* setuid in the thread: its credentials are its process's again */
	apply(s, &c, EV(LNR_EVT_SETUID, 17499, 17497, I("res", 0), I("uid", 0)));
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_KILL, 17499, 17497, I("res", 0), I("pid", 1)));
	assert_string_equal(field(s, &c, "user.uid"), "0");
	st_finish(s, &c);
	/* a process first seen in its fork (caller side) learns its parent there */
	apply(s, &c,
	      EV(LNR_EVT_CLONE, 700, 700, I("res", 701), I("ptid", 3200), I("flags", 0),
		 S("comm", "make"), S("exe", "make")));
	assert_string_equal(field(s, &c, "proc.pname"), "bash");
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_KILL, 701, 701, I("res", 0), I("pid", 1)));
	assert_string_equal(field(s, &c, "proc.name"), "make");
	assert_string_equal(field(s, &c, "proc.exe"), "make");
	assert_string_equal(field(s, &c, "proc.pname"), "<NA>");
	st_finish(s, &c);
	st_free(s);
}

/* fd.name when the event has no fd to look at (failed, or unknown), and naming events. */
static void test_fd_names(void **state)
{
	struct st_state *s = st_new(NULL);
	struct st_ctx c;
	struct enr_thread *th = thr_add(st_threads(s), 500, 500, 0);
	uint8_t ut[17 + 32], t6[1 + 16 + 2 + 16 + 2], sa6[1 + 16 + 2];
	uint64_t src = 0, dst = 0xffff88003c420800ULL;
	uint16_t port;

	(void)state;
	strcpy(th->proc->comm, "curl");
	enr_str_set(&th->proc->cwd, "/home/u/", 0);
	/* a failed open: the path it tried */
	apply(s, &c,
	      EV(LNR_EVT_OPENAT, 500, 500, I("fd", -2), I("dirfd", PPM_AT_FDCWD),
		 S("name", ".curlrc"), I("flags", PPM_O_RDONLY)));
	assert_string_equal(field(s, &c, "fd.name"), "/home/u/.curlrc");
	assert_string_equal(field(s, &c, "fd.nameraw"), ".curlrc");
	assert_string_equal(field(s, &c, "fd.directory"), "/home/u");
	assert_string_equal(field(s, &c, "fd.filename"), "<NA>");
	assert_string_equal(field(s, &c, "fd.typechar"), "f");
	assert_string_equal(field(s, &c, "fd.type"), "<NA>");
	st_finish(s, &c);
	/* a write on an fd we do not have: "" (libsinsp), not <NA> */
	apply(s, &c, EV(LNR_EVT_WRITE, 500, 500, I("res", 5), I("fd", 1)));
	assert_string_equal(field(s, &c, "fd.name"), "");
	assert_string_equal(field(s, &c, "fd.num"), "1");
	st_finish(s, &c);
	/* a failed accept: its (absent) tuple */
	apply(s, &c, EV(LNR_EVT_ACCEPT, 500, 500, I("fd", -11)));
	assert_string_equal(field(s, &c, "fd.name"), "NULL");
	st_finish(s, &c);
	/* unix connect: named after the tuple, failed or not */
	apply(s, &c,
	      EV(LNR_EVT_SOCKET, 500, 500, I("fd", 4), I("domain", PPM_AF_UNIX), I("type", 1)));
	st_finish(s, &c);
	ut[0] = PPM_AF_UNIX;
	memcpy(ut + 1, &src, 8);
	memcpy(ut + 9, &dst, 8);
	memcpy(ut + 17, "/var/run/nscd/socket", 21);
	apply(s, &c,
	      EV(LNR_EVT_CONNECT, 500, 500, I("res", -2), I("fd", 4),
		 B("tuple", (const char *)ut, 17 + 21)));
	assert_string_equal(field(s, &c, "fd.name"), "0->ffff88003c420800 /var/run/nscd/socket");
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_CLOSE, 500, 500, I("res", 0), I("fd", 4)));
	assert_string_equal(field(s, &c, "fd.name"), ""); /* the fd kept its name */
	st_finish(s, &c);
	apply(s, &c,
	      EV(LNR_EVT_SOCKET, 500, 500, I("fd", 4), I("domain", PPM_AF_UNIX), I("type", 1)));
	st_finish(s, &c);
	apply(s, &c,
	      EV(LNR_EVT_CONNECT, 500, 500, I("res", 0), I("fd", 4),
		 B("tuple", (const char *)ut, 17 + 21)));
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_WRITE, 500, 500, I("res", 5), I("fd", 4)));
	assert_string_equal(field(s, &c, "fd.name"), "0->ffff88003c420800 /var/run/nscd/socket");
	assert_string_equal(field(s, &c, "fd.typechar"), "u");
	st_finish(s, &c);
	/* bind names an IPv6 socket after its address; sendto names an unconnected one */
	apply(s, &c,
	      EV(LNR_EVT_SOCKET, 500, 500, I("fd", 5), I("domain", PPM_AF_INET6), I("type", 2)));
	st_finish(s, &c);
	memset(sa6, 0, sizeof(sa6));
	sa6[0] = PPM_AF_INET6;
	sa6[1] = 0x20;
	sa6[2] = 0x01;
	sa6[3] = 0x0d;
	sa6[4] = 0xb8;
	sa6[16] = 3;
	port = 1234;
	memcpy(sa6 + 17, &port, 2);
	apply(s, &c,
	      EV(LNR_EVT_BIND, 500, 500, I("res", 0), I("fd", 5),
		 B("addr", (const char *)sa6, sizeof(sa6))));
	assert_string_equal(field(s, &c, "fd.name"), "2001:db8::3:1234");
	assert_string_equal(field(s, &c, "fd.is_server"), "1");
	st_finish(s, &c);
	apply(s, &c,
	      EV(LNR_EVT_SOCKET, 500, 500, I("fd", 6), I("domain", PPM_AF_INET6), I("type", 2)));
	st_finish(s, &c);
	memset(t6, 0, sizeof(t6));
	t6[0] = PPM_AF_INET6;
	t6[16] = 1; /* ::1 port 0 -> ::1 port 2345 */
	t6[19 + 15] = 1;
	port = 2345;
	memcpy(t6 + 35, &port, 2);
	apply(s, &c,
	      EV(LNR_EVT_SENDTO, 500, 500, I("res", 6), I("fd", 6),
		 B("tuple", (const char *)t6, sizeof(t6))));
	assert_string_equal(field(s, &c, "fd.name"), "::1:0->::1:2345");
	assert_string_equal(field(s, &c, "fd.connected"), "0");
	st_finish(s, &c);
	/* an mmap uses its fd (current libs; sysdig 0.29 did not: docs/capture.md) */
	apply(s, &c,
	      EV(LNR_EVT_OPENAT, 500, 500, I("fd", 7), I("dirfd", PPM_AT_FDCWD),
		 S("name", "/lib/libc.so.6"), I("flags", PPM_O_RDONLY)));
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_MMAP, 500, 500, I("res", 0x7f0000000000LL), I("fd", 7)));
	assert_string_equal(field(s, &c, "fd.name"), "/lib/libc.so.6");
	st_finish(s, &c);
	st_free(s);
}

/* A capture's container event: its own thread, named after the container (libsinsp). */
static void test_container_event(void **state)
{
	struct st_state *s = st_new(NULL);
	struct st_ctx c;
	size_t before = thr_count(st_threads(s));

	(void)state;
	apply(s, &c,
	      EV(LNR_EVT_CONTAINER, -1, -1,
		 S("json", "{\"container\":{\"id\":\"9dbcbd0c435f\",\"name\":\"x\"}}")));
	assert_string_equal(field(s, &c, "proc.name"), "container:9dbcbd0c435f");
	assert_string_equal(field(s, &c, "proc.cmdline"), "container:9dbcbd0c435f");
	assert_string_equal(field(s, &c, "container.id"), "9dbcbd0c435f");
	assert_string_equal(field(s, &c, "user.uid"), "0");
	st_finish(s, &c);
	/* a malformed one: no id, nothing else changes */
	apply(s, &c, EV(LNR_EVT_CONTAINER, -1, -1, S("json", "{\"container\":{\"id\":")));
	assert_string_equal(field(s, &c, "proc.name"), "container:");
	assert_string_equal(field(s, &c, "container.id"), "host");
	st_finish(s, &c);
	/* no thread -1 is left in the table */
	assert_int_equal(thr_count(st_threads(s)), before);
	assert_null(thr_get(st_threads(s), -1));
	st_free(s);
}

/*
 * Sockets from a scan: one whose local port a listening socket holds is the
 * server end (client->server), as libsinsp orients them. Live (/proc) here;
 * the capture lists take the same path (test_scap_state).
 */
static void test_scanned_sockets(void **state)
{
	struct st_opts o = {.live = 1};
	struct st_state *s = st_new(&o);
	struct procfs_opts po = {.with_fds = 1};
	struct sockaddr_in sa = {.sin_family = AF_INET}, ca;
	socklen_t sl = sizeof(sa), cl = sizeof(ca);
	int ls = socket(AF_INET, SOCK_STREAM, 0), cs = socket(AF_INET, SOCK_STREAM, 0), as;
	struct enr_proc *self;
	struct enr_fd *af, *cf;
	char want[128];

	(void)state;
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(ls, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(ls, 1), 0);
	assert_int_equal(getsockname(ls, (struct sockaddr *)&sa, &sl), 0);
	assert_int_equal(connect(cs, (struct sockaddr *)&sa, sizeof(sa)), 0);
	as = accept(ls, NULL, NULL);
	assert_true(as >= 0);
	assert_int_equal(getsockname(cs, (struct sockaddr *)&ca, &cl), 0);
	assert_int_equal(procfs_scan(st_threads(s), &po, NULL), 0);
	st_orient_scanned_sockets(s);
	self = thr_get_proc(st_threads(s), getpid());
	assert_non_null(self);
	af = fdt_get(self->fds, as);
	cf = fdt_get(self->fds, cs);
	assert_non_null(af);
	assert_non_null(cf);
	snprintf(want, sizeof(want), "127.0.0.1:%u->127.0.0.1:%u", ntohs(ca.sin_port),
		 ntohs(sa.sin_port));
	/* both ends named client->server; the accepted one is the server */
	assert_string_equal(af->name, want);
	assert_string_equal(cf->name, want);
	assert_true(af->flags & ENR_FDF_SERVER);
	assert_false(cf->flags & ENR_FDF_SERVER);
	close(as);
	close(cs);
	close(ls);
	st_free(s);
}

static long long jget(json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);

	if (!json_is_integer(v))
		fail_msg("metric %s missing", k);
	return (long long)json_integer_value(v);
}

/* The metrics: table sizes, lookups that hit and missed, under Falco's names. */
static void test_stats_json(void **state)
{
	struct st_state *s = st_new(NULL);
	static const char *nosock[] = {"/nonexistent/lanner-test.sock", NULL};
	struct rt_opts ro = {.sockets = nosock, .timeout_ms = 100};
	struct rt_cache *rt = rt_new(&ro);
	json_t *j0 = json_object(), *j1 = json_object(), *arr = json_array();
	struct st_ctx c;
	const char *id1 = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";
	const char *id2 = "fedcba9876543210fedcba9876543210fedcba9876543210fedcba9876543210";

	assert_non_null(rt);
	apply(s, &c,
	      EV(LNR_EVT_SEED_THREAD, 0, 0, I("tid", 10), I("pid", 10), I("ptid", 1),
		 S("comm", "sshd"), S("exe", "/usr/sbin/sshd"), I("uid", 0)));
	st_finish(s, &c);
	apply(s, &c,
	      EV(LNR_EVT_SEED_THREAD, 0, 0, I("tid", 20), I("pid", 20), I("ptid", 10),
		 S("comm", "bash"), S("exe", "-bash"), I("uid", 1000)));
	st_finish(s, &c);
	apply(s, &c,
	      EV(LNR_EVT_SEED_FD, 0, 0, I("tid", 20), I("fd", 5), I("type", 1),
		 S("name", "/home/alice/notes.txt")));
	st_finish(s, &c);
	apply(s, &c,
	      EV(LNR_EVT_SEED_USER, 0, 0, I("is_group", 0), I("uid", 1000), I("gid", 1000),
		 S("name", "alice"), S("homedir", "/home/alice"), S("shell", "/bin/bash")));
	st_finish(s, &c);
	assert_int_equal(enr_stats_json(s, rt, NULL, j0), 0);
	assert_int_equal(jget(j0, "n_threads"), 2);
	assert_int_equal(jget(j0, "n_procs"), 2);
	assert_int_equal(jget(j0, "n_fds"), 1);
	assert_int_equal(jget(j0, "n_users"), 1);
	assert_int_equal(jget(j0, "n_containers"), 0);

	/* a known thread on a known fd, then on an unknown fd; an unknown thread */
	apply(s, &c, EV(LNR_EVT_READ, 20, 20, I("res", 10), I("fd", 5)));
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_READ, 20, 20, I("res", 10), I("fd", 9)));
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_READ, 77, 77, I("res", 10), I("fd", 5)));
	st_finish(s, &c);
	apply(s, &c, EV(LNR_EVT_PROCEXIT, 77, 77, I("status", 0)));
	st_finish(s, &c);
	assert_null(usr_lookup_user(st_users(s), "/", 4242, 1));
	assert_non_null(usr_lookup_user(st_users(s), "/", 1000, 1));
	/* containers: two seen, one of them twice; the runtime never answers */
	assert_non_null(rt_lookup(rt, id1));
	assert_non_null(rt_lookup(rt, id1));
	assert_non_null(rt_lookup(rt, id2));
	assert_int_equal(enr_stats_json(s, rt, NULL, j1), 0);
#define D(k) (jget(j1, k) - jget(j0, k))
	assert_int_equal(D("n_cached_thread_lookups"), 3); /* the two reads of 20, the exit of 77 */
	assert_int_equal(D("n_failed_thread_lookups"), 1);
	assert_int_equal(D("n_noncached_thread_lookups"), 0); /* not live: no /proc */
	assert_int_equal(D("n_cached_fd_lookups"), 1);
	assert_int_equal(D("n_failed_fd_lookups"), 2); /* fd 9 of 20, fd 5 of 77 */
	assert_int_equal(D("n_added_threads"), 1);
	assert_int_equal(D("n_removed_threads"), 1);
	assert_int_equal(jget(j1, "n_threads"), 2); /* 77 came and went */
	assert_int_equal(D("n_user_lookups"), 2);
	assert_int_equal(D("n_failed_user_lookups"), 1);
	assert_int_equal(jget(j1, "n_containers"), 2);
	assert_int_equal(jget(j1, "n_missing_container_images"), 2);
	assert_int_equal(jget(j1, "n_container_lookups"), 3);
	assert_int_equal(jget(j1, "n_failed_container_lookups"), 2);
	assert_int_equal(jget(j1, "n_drops_full_threadtable"), 0);
	assert_null(json_object_get(j1, "n_evaluators")); /* no dispatcher given */
#undef D
	assert_int_equal(enr_stats_json(s, NULL, NULL, arr), -EINVAL);
	json_decref(j0);
	json_decref(j1);
	json_decref(arr);
	rt_free(rt);
	st_free(s);
}

/* db.example is the documentation server 198.51.100.7; the other rule name resolves elsewhere. */
static int zone(const char *name, struct dns_addr *out, size_t max, void *ud)
{
	(void)ud;
	(void)max;
	memset(out, 0, sizeof(*out));
	out->family = 4;
	if (strcmp(name, "db.example") == 0) {
		memcpy(out->a, (const uint8_t[]){198, 51, 100, 7}, 4);
		return 1;
	}
	if (strcmp(name, "web.example") == 0) {
		memcpy(out->a, (const uint8_t[]){203, 0, 113, 5}, 4);
		return 1;
	}
	return -ENOENT;
}

/* fd.*ip.name: the names the rules compare with, resolved in the background, on each side. */
static void test_ip_names(void **state)
{
	static const char rules[] =
		"- rule: To db\n"
		"  desc: t\n"
		"  condition: evt.type = connect and (fd.sip.name in (db.example, web.example) or "
		"fd.rip.name = other.example)\n"
		"  output: \"%fd.sip.name\"\n"
		"  priority: NOTICE\n";
	struct rules_opts ro = {.min_priority = RULES_PRIO_DEBUG};
	struct rules_loader *l = rules_loader_new();
	struct rules_ruleset *rs;
	struct dns_opts dopt = {.resolve = zone};
	struct dns_cache *d = dns_new(&dopt);
	struct st_state *s = st_new(NULL);
	struct st_ctx c;
	uint8_t tuple[13];
	uint32_t a;
	uint16_t p;
	struct enr_thread *th = thr_add(st_threads(s), 500, 500, 0);

	assert_int_equal(rules_loader_load_buf(l, "t.yaml", rules, sizeof(rules) - 1), 0);
	rs = rules_compile(l, &ro);
	assert_non_null(rs);
	assert_int_equal(dns_add_rule_names(d, rs), 3);
	assert_int_equal(dns_start(d), 0);
	assert_int_equal(dns_wait_ready(d, 10000), 1);
	X->dns = d;
	strcpy(th->proc->comm, "psql");
	apply(s, &c,
	      EV(LNR_EVT_SOCKET, 500, 500, I("fd", 3), I("domain", PPM_AF_INET), I("type", 1),
		 I("proto", 0)));
	st_finish(s, &c);
	/* 192.0.2.10:40000 -> 198.51.100.7:5432 */
	tuple[0] = PPM_AF_INET;
	a = htonl(0xC000020A);
	memcpy(tuple + 1, &a, 4);
	p = 40000;
	memcpy(tuple + 5, &p, 2);
	a = htonl(0xC6336407);
	memcpy(tuple + 7, &a, 4);
	p = 5432;
	memcpy(tuple + 11, &p, 2);
	apply(s, &c,
	      EV(LNR_EVT_CONNECT, 500, 500, I("res", 0), I("fd", 3),
		 B("tuple", (const char *)tuple, 13)));
	assert_string_equal(field(s, &c, "fd.sip.name"), "db.example");
	assert_string_equal(field(s, &c, "fd.rip.name"), "db.example");
	assert_string_equal(field(s, &c, "fd.cip.name"), "<NA>"); /* 192.0.2.10: no rule name */
	assert_string_equal(field(s, &c, "fd.lip.name"), "<NA>");
	st_finish(s, &c);
	/* the server side of the same connection: local is the server */
	apply(s, &c,
	      EV(LNR_EVT_ACCEPT4, 500, 500, I("fd", 8), B("tuple", (const char *)tuple, 13)));
	assert_string_equal(field(s, &c, "fd.lip.name"), "db.example");
	assert_string_equal(field(s, &c, "fd.rip.name"), "<NA>");
	st_finish(s, &c);
	/* not a socket: no name */
	apply(s, &c,
	      EV(LNR_EVT_OPENAT, 500, 500, I("fd", 4), I("dirfd", PPM_AT_FDCWD),
		 S("name", "/etc/hosts"), I("flags", PPM_O_RDONLY)));
	assert_string_equal(field(s, &c, "fd.sip.name"), "<NA>");
	st_finish(s, &c);
	X->dns = NULL;
	dns_free(d);
	st_free(s);
	rules_ruleset_free(rs);
	rules_loader_free(l);
}

static int setup(void **state)
{
	X = malloc(sizeof(*X));
	return X ? 0 : -1;
}

static int teardown(void **state)
{
	free(X);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_process_lifecycle),
		cmocka_unit_test(test_sockets),
		cmocka_unit_test(test_seeds),
		cmocka_unit_test(test_unknown_process),
		cmocka_unit_test(test_fd_names),
		cmocka_unit_test(test_container_event),
		cmocka_unit_test(test_scanned_sockets),
		cmocka_unit_test(test_stats_json),
		cmocka_unit_test(test_ip_names),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
