/* state.c: the enricher's event parsers: how each syscall changes process, fd and user state. */
#include "state.h"

#include <errno.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "container.h"
#include "ppm.h"
#include "procfs.h"

/* Parameter names the parsers read, resolved once per event type. */
#define ST_KEYS(X)                                                                                 \
	X(RES, "res")                                                                              \
	X(FD, "fd")                                                                                \
	X(NAME, "name")                                                                            \
	X(DIRFD, "dirfd")                                                                          \
	X(FLAGS, "flags")                                                                          \
	X(DEV, "dev")                                                                              \
	X(INO, "ino")                                                                              \
	X(EXE, "exe")                                                                              \
	X(ARGS, "args")                                                                            \
	X(TID, "tid")                                                                              \
	X(PID, "pid")                                                                              \
	X(PTID, "ptid")                                                                            \
	X(CWD, "cwd")                                                                              \
	X(FDLIMIT, "fdlimit")                                                                      \
	X(COMM, "comm")                                                                            \
	X(CGROUPS, "cgroups")                                                                      \
	X(ENV, "env")                                                                              \
	X(TTY, "tty")                                                                              \
	X(VPGID, "vpgid")                                                                          \
	X(PGID, "pgid")                                                                            \
	X(LOGINUID, "loginuid")                                                                    \
	X(CAP_I, "cap_inheritable")                                                                \
	X(CAP_P, "cap_permitted")                                                                  \
	X(CAP_E, "cap_effective")                                                                  \
	X(EXE_INO, "exe_ino")                                                                      \
	X(EXE_CTIME, "exe_ino_ctime")                                                              \
	X(EXE_MTIME, "exe_ino_mtime")                                                              \
	X(UID, "uid")                                                                              \
	X(GID, "gid")                                                                              \
	X(TRUSTED_EXEPATH, "trusted_exepath")                                                      \
	X(VTID, "vtid")                                                                            \
	X(VPID, "vpid")                                                                            \
	X(PIDNS_INIT, "pidns_init_start_ts")                                                       \
	X(REAPER, "reaper_tid")                                                                    \
	X(TUPLE, "tuple")                                                                          \
	X(ADDR, "addr")                                                                            \
	X(OLDFD, "oldfd")                                                                          \
	X(NEWFD, "newfd")                                                                          \
	X(CMD, "cmd")                                                                              \
	X(FD1, "fd1")                                                                              \
	X(FD2, "fd2")                                                                              \
	X(DOMAIN, "domain")                                                                        \
	X(TYPE, "type")                                                                            \
	X(PROTO, "proto")                                                                          \
	X(PATH, "path")                                                                            \
	X(RUID, "ruid")                                                                            \
	X(EUID, "euid")                                                                            \
	X(RGID, "rgid")                                                                            \
	X(EGID, "egid")                                                                            \
	X(SID, "sid")                                                                              \
	X(EXEPATH, "exepath")                                                                      \
	X(ROOT, "root")                                                                            \
	X(CLONE_TS, "clone_ts")                                                                    \
	X(L4PROTO, "l4proto")                                                                      \
	X(IS_GROUP, "is_group")                                                                    \
	X(HOMEDIR, "homedir")                                                                      \
	X(SHELL, "shell")                                                                          \
	X(JSON, "json")

enum st_key {
#define ST_KEY_ENUM(id, s) K_##id,
	ST_KEYS(ST_KEY_ENUM)
#undef ST_KEY_ENUM
		K_MAX
};

static const char *const st_key_names[] = {
#define ST_KEY_NAME(id, s) s,
	ST_KEYS(ST_KEY_NAME)
#undef ST_KEY_NAME
};

struct st_state {
	struct thread_table *threads;
	struct usr_db *users;
	struct st_opts opts;
	struct st_stats stats;
	struct procfs_cache *pcache;	 /* live: /proc/net socket tables kept between reads */
	int8_t pidx[LNR_EVT_MAX][K_MAX]; /* Parameter index per type and key, -1: none. */
	/* The thread a container event is seen from (libsinsp: tid -1, comm "container:ID"). */
	struct enr_thread ctr_thread;
	struct enr_proc ctr_proc;
	int seeded_fds; /* seed.fd records arrived since the last orientation pass */
};

struct st_state *st_new(const struct st_opts *opts)
{
	struct st_state *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	if (opts)
		s->opts = *opts;
	s->threads = thr_table_new(s->opts.max_threads);
	s->users = usr_db_new();
	s->ctr_proc.fds = fdt_new();
	s->ctr_proc.pid = s->ctr_proc.vpid = -1;
	s->ctr_proc.loginuid = UINT32_MAX;
	s->ctr_thread.tid = s->ctr_thread.vtid = -1;
	s->ctr_thread.proc = &s->ctr_proc;
	if (s->opts.live)
		s->pcache = procfs_cache_new(0, 0);
	if (!s->threads || !s->users || !s->ctr_proc.fds || (s->opts.live && !s->pcache)) {
		st_free(s);
		errno = ENOMEM;
		return NULL;
	}
	for (unsigned t = 0; t < LNR_EVT_MAX; t++) {
		const struct lnr_evt_info *info = lnr_evt_info((uint16_t)t);

		for (unsigned k = 0; k < K_MAX; k++)
			s->pidx[t][k] =
				(int8_t)(info ? lnr_evt_param_index(info, st_key_names[k]) : -1);
	}
	return s;
}

void st_free(struct st_state *s)
{
	if (!s)
		return;
	thr_table_free(s->threads);
	usr_db_free(s->users);
	fdt_free(s->ctr_proc.fds);
	free(s->ctr_proc.exe);
	procfs_cache_free(s->pcache);
	free(s);
}

struct thread_table *st_threads(struct st_state *s)
{
	return s->threads;
}

struct usr_db *st_users(struct st_state *s)
{
	return s->users;
}

struct procfs_cache *st_procfs_cache(struct st_state *s)
{
	return s->pcache;
}

void st_get_stats(const struct st_state *s, struct st_stats *out)
{
	*out = s->stats;
}

/* Accessors by key; absent parameters leave the default. */
static int64_t arg_s64(const struct st_state *s, const struct lnr_evt_view *v, enum st_key k,
		       int64_t def)
{
	int i = s->pidx[v->hdr->type][k];
	int64_t x;

	if (i < 0 || lnr_evt_get_s64(v, (unsigned)i, &x) != 0)
		return def;
	return x;
}

static uint64_t arg_u64(const struct st_state *s, const struct lnr_evt_view *v, enum st_key k,
			uint64_t def)
{
	int i = s->pidx[v->hdr->type][k];
	uint64_t x;

	if (i < 0 || lnr_evt_get_u64(v, (unsigned)i, &x) != 0)
		return def;
	return x;
}

static const char *arg_str(const struct st_state *s, const struct lnr_evt_view *v, enum st_key k)
{
	int i = s->pidx[v->hdr->type][k];

	return i < 0 ? NULL : lnr_evt_get_str(v, (unsigned)i);
}

/* Raw bytes of a parameter (CHARBUFARRAY, tuples); NULL when absent. */
static const uint8_t *arg_raw(const struct st_state *s, const struct lnr_evt_view *v, enum st_key k,
			      uint32_t *len, int *trunc)
{
	int i = s->pidx[v->hdr->type][k];

	if (i < 0 || v->plen[i] == 0)
		return NULL;
	*len = v->plen[i];
	if (trunc)
		*trunc = (v->pflags[i] & LNR_PARAM_TRUNC) != 0;
	return v->pval[i];
}

static int has_arg(const struct st_state *s, const struct lnr_evt_view *v, enum st_key k)
{
	int i = s->pidx[v->hdr->type][k];

	return i >= 0 && v->plen[i] > 0;
}

/* A clone/fork/vfork returning in the child whose parent we know: parse_clone()
 * builds the child from the parent, exactly, so reading /proc is not needed
 * (the child's first event; with vfork it always comes before the parent's). */
static int is_known_child_clone(struct st_state *s, const struct lnr_evt_view *v)
{
	int64_t ptid;

	switch (v->hdr->type) {
	case LNR_EVT_CLONE:
	case LNR_EVT_CLONE3:
	case LNR_EVT_FORK:
	case LNR_EVT_VFORK:
		break;
	default:
		return 0;
	}
	ptid = arg_s64(s, v, K_PTID, 0);
	return arg_s64(s, v, K_RES, -1) == 0 && ptid > 0 && thr_get(s->threads, ptid) != NULL;
}

/* The event's thread, made up (incomplete) or read from /proc when unknown. */
static struct enr_thread *thread_for(struct st_state *s, const struct lnr_evt_view *v)
{
	struct enr_thread *th = thr_get(s->threads, v->hdr->tid);

	if (th) {
		s->stats.thread_hits++;
		return th;
	}
	s->stats.thread_misses++;
	thr_note_miss(s->threads);
	if (s->opts.live && !is_known_child_clone(s, v)) {
		struct procfs_opts po = {
			.proc_dir = s->opts.proc_dir, .with_fds = 1, .cache = s->pcache};

		if (procfs_read_proc(s->threads, &po, v->hdr->pid) == 0) {
			th = thr_get(s->threads, v->hdr->tid);
			if (th) {
				s->stats.thread_from_proc++;
				return th;
			}
		}
	}
	th = thr_add(s->threads, v->hdr->tid, v->hdr->pid > 0 ? v->hdr->pid : v->hdr->tid, 0);
	if (th && th->proc->refs == 1 && !th->proc->exe)
		th->proc->flags |= ENR_PF_INCOMPLETE;
	return th;
}

int st_decode_tuple(const uint8_t *p, uint32_t len, struct enr_fd *f, char *unix_path, size_t n)
{
	if (len < 1)
		return -EINVAL;
	switch (p[0]) {
	case PPM_AF_INET:
		if (len < 1 + 4 + 2 + 4 + 2)
			return -EINVAL;
		f->family = 2;
		memset(f->cip, 0, 16);
		memset(f->sip, 0, 16);
		memcpy(f->cip, p + 1, 4);
		memcpy(&f->cport, p + 5, 2);
		memcpy(f->sip, p + 7, 4);
		memcpy(&f->sport, p + 11, 2);
		return 0;
	case PPM_AF_INET6:
		if (len < 1 + 16 + 2 + 16 + 2)
			return -EINVAL;
		f->family = 10;
		memcpy(f->cip, p + 1, 16);
		memcpy(&f->cport, p + 17, 2);
		memcpy(f->sip, p + 19, 16);
		memcpy(&f->sport, p + 35, 2);
		return 0;
	case PPM_AF_UNIX:
		f->family = 1;
		if (unix_path && n) {
			size_t pl = len > 17 ? len - 17 : 0;

			if (pl >= n)
				pl = n - 1;
			if (pl)
				memcpy(unix_path, p + 17, pl);
			unix_path[pl] = '\0';
			unix_path[strnlen(unix_path, pl)] = '\0';
		}
		return 0;
	default:
		return -EINVAL;
	}
}

#include <arpa/inet.h>

/* Directory a relative path of this event is resolved against. */
static const char *base_dir(struct enr_proc *p, int64_t dirfd, int has_dirfd)
{
	if (has_dirfd && dirfd != PPM_AT_FDCWD) {
		struct enr_fd *d = fdt_get(p->fds, dirfd);

		return d && d->name ? d->name : NULL;
	}
	return p->cwd ? p->cwd : "/";
}

static enum enr_fd_type type_for_open(uint32_t flags)
{
	return (flags & PPM_O_DIRECTORY) ? ENR_FD_DIRECTORY : ENR_FD_FILE;
}

static void parse_open(struct st_state *s, const struct lnr_evt_view *v, struct st_ctx *c)
{
	int64_t fd = arg_s64(s, v, K_FD, -1);
	const char *name = arg_str(s, v, K_NAME);
	uint32_t flags = (uint32_t)arg_u64(s, v, K_FLAGS, 0);
	int has_dirfd = has_arg(s, v, K_DIRFD);
	int64_t dirfd = arg_s64(s, v, K_DIRFD, PPM_AT_FDCWD);
	const char *dir = base_dir(c->proc, dirfd, has_dirfd);
	struct enr_fd *f;

	if (name && enr_path_resolve(dir ? dir : "", name, c->abspath, sizeof(c->abspath)) < 0)
		c->abspath[0] = '\0';
	c->fdnum = fd;
	if (fd < 0)
		return;
	f = fdt_add(c->proc->fds, fd, type_for_open(flags), c->abspath, name);
	if (!f)
		return;
	f->open_flags = flags;
	f->dev = (uint32_t)arg_u64(s, v, K_DEV, 0);
	f->ino = arg_u64(s, v, K_INO, 0);
	c->fd = f;
}

/*
 * A process first seen through one of its own events has no parent; the
 * execve and clone exits name it (ptid), as libsinsp patches a made-up
 * thread from them.
 */
static void adopt_parent(struct st_state *s, const struct lnr_evt_view *v, struct enr_proc *p)
{
	int64_t ptid = arg_s64(s, v, K_PTID, 0);
	struct enr_thread *pt;

	if (ptid <= 0 || p->ppid > 0)
		return;
	/* ptid is a thread id; our parent link is a process id. */
	pt = thr_get(s->threads, ptid);
	thr_set_ppid(s->threads, p, pt ? pt->proc->pid : ptid);
}

static void parse_execve(struct st_state *s, const struct lnr_evt_view *v, struct st_ctx *c)
{
	struct enr_proc *p = c->proc;
	const uint8_t *raw;
	uint32_t len;
	int trunc = 0;
	const char *str;
	uint64_t flags;

	if (arg_s64(s, v, K_RES, 0) != 0)
		return; /* failed exec: nothing changed */
	c->thread = thr_exec_leader(s->threads, c->thread);
	c->thread->comm[0] = '\0'; /* named after the new program, as its process */
	c->thread->own_creds = 0;  /* and has its credentials */
	p = c->proc = c->thread->proc;
	if (p->flags & ENR_PF_INCOMPLETE)
		adopt_parent(s, v, p);
	p->flags &= ~(uint32_t)(ENR_PF_INCOMPLETE | ENR_PF_EXE_WRITABLE | ENR_PF_EXE_UPPER_LAYER |
				ENR_PF_EXE_FROM_MEMFD);
	if ((str = arg_str(s, v, K_EXE)))
		enr_str_set(&p->exe, str, 0);
	if ((raw = arg_raw(s, v, K_ARGS, &len, &trunc)))
		enr_strv_set(&p->args, (const char *)raw, len, trunc);
	else
		enr_strv_fini(&p->args);
	if ((str = arg_str(s, v, K_COMM))) {
		strncpy(p->comm, str, sizeof(p->comm) - 1);
		p->comm[sizeof(p->comm) - 1] = '\0';
	}
	if ((str = arg_str(s, v, K_CWD)) && str[0]) {
		char buf[4096];
		size_t l = strlen(str);

		if (l + 2 <= sizeof(buf) && str[l - 1] != '/') {
			memcpy(buf, str, l);
			buf[l] = '/';
			buf[l + 1] = '\0';
			enr_str_set(&p->cwd, buf, 0);
		} else {
			enr_str_set(&p->cwd, str, 0);
		}
	}
	if ((raw = arg_raw(s, v, K_ENV, &len, &trunc)))
		enr_strv_set(&p->env, (const char *)raw, len, trunc);
	if ((raw = arg_raw(s, v, K_CGROUPS, &len, &trunc))) {
		enr_strv_set(&p->cgroups, (const char *)raw, len, trunc);
		ctr_id_from_cgroups(&p->cgroups, p->container_id, sizeof(p->container_id));
	}
	if ((str = arg_str(s, v, K_TRUSTED_EXEPATH)) && str[0])
		enr_str_set(&p->exepath, str, 0);
	else if (p->exe && p->exe[0] == '/')
		enr_str_set(&p->exepath, p->exe, 0);
	p->fdlimit = arg_u64(s, v, K_FDLIMIT, p->fdlimit);
	p->tty = (uint32_t)arg_u64(s, v, K_TTY, p->tty);
	p->vpgid = arg_s64(s, v, K_VPGID, p->vpgid);
	p->pgid = arg_s64(s, v, K_PGID, p->pgid);
	p->loginuid = (uint32_t)arg_u64(s, v, K_LOGINUID, p->loginuid);
	p->cap_inheritable = arg_u64(s, v, K_CAP_I, p->cap_inheritable);
	p->cap_permitted = arg_u64(s, v, K_CAP_P, p->cap_permitted);
	p->cap_effective = arg_u64(s, v, K_CAP_E, p->cap_effective);
	p->exe_ino = arg_u64(s, v, K_EXE_INO, 0);
	p->exe_ino_ctime = arg_u64(s, v, K_EXE_CTIME, 0);
	p->exe_ino_mtime = arg_u64(s, v, K_EXE_MTIME, 0);
	p->uid = (uint32_t)arg_u64(s, v, K_UID, p->uid);
	p->gid = (uint32_t)arg_u64(s, v, K_GID, p->gid);
	flags = arg_u64(s, v, K_FLAGS, 0);
	if (flags & PPM_EXE_WRITABLE)
		p->flags |= ENR_PF_EXE_WRITABLE;
	if (flags & PPM_EXE_UPPER_LAYER)
		p->flags |= ENR_PF_EXE_UPPER_LAYER;
	if ((flags & PPM_EXE_FROM_MEMFD) || (p->exepath && strncmp(p->exepath, "/memfd:", 7) == 0))
		p->flags |= ENR_PF_EXE_FROM_MEMFD;
	fdt_close_on_exec(p->fds);
}

/* Fills a new process's identity from a clone/fork event's parameters. */
static void clone_fill(struct st_state *s, const struct lnr_evt_view *v, struct enr_proc *p)
{
	const char *str;
	const uint8_t *raw;
	uint32_t len;
	int trunc = 0;

	if ((str = arg_str(s, v, K_COMM))) {
		strncpy(p->comm, str, sizeof(p->comm) - 1);
		p->comm[sizeof(p->comm) - 1] = '\0';
	}
	/* A copy of a made-up parent knows nothing better than the event. */
	if ((str = arg_str(s, v, K_EXE)) && (!p->exe || (p->flags & ENR_PF_INCOMPLETE)))
		enr_str_set(&p->exe, str, 0);
	if ((raw = arg_raw(s, v, K_ARGS, &len, &trunc)) &&
	    (!p->args.len || (p->flags & ENR_PF_INCOMPLETE)))
		enr_strv_set(&p->args, (const char *)raw, len, trunc);
	if ((raw = arg_raw(s, v, K_CGROUPS, &len, &trunc))) {
		enr_strv_set(&p->cgroups, (const char *)raw, len, trunc);
		ctr_id_from_cgroups(&p->cgroups, p->container_id, sizeof(p->container_id));
	}
	p->uid = (uint32_t)arg_u64(s, v, K_UID, p->uid);
	p->gid = (uint32_t)arg_u64(s, v, K_GID, p->gid);
	p->pidns_init_start_ts = arg_u64(s, v, K_PIDNS_INIT, p->pidns_init_start_ts);
}

static void parse_clone(struct st_state *s, const struct lnr_evt_view *v, struct st_ctx *c)
{
	int64_t res = arg_s64(s, v, K_RES, -1);
	uint32_t flags = (uint32_t)arg_u64(s, v, K_FLAGS, 0);
	int64_t child_tid, parent_tid;
	struct enr_thread *parent, *child;
	int is_thread = (flags & PPM_CL_CLONE_THREAD) != 0;

	if (res < 0)
		return;
	if (res > 0) {
		/* Returned in the parent: res is the child's tid. */
		child_tid = res;
		parent = c->thread;
		if (parent->proc->flags & ENR_PF_INCOMPLETE)
			adopt_parent(s, v, parent->proc);
		if (thr_get(s->threads, child_tid))
			return; /* the child's own event came first */
	} else {
		/* Returned in the child (it may run before the parent returns). */
		child_tid = v->hdr->tid;
		parent_tid = arg_s64(s, v, K_PTID, 0);
		/* A thread's ptid is its process's parent, not the thread that made it:
		 * a thread joins its process (hdr->pid) below, whoever ptid is. */
		parent = parent_tid > 0 && !is_thread ? thr_get(s->threads, parent_tid) : NULL;
		child = thr_get(s->threads, child_tid);
		if (child && !(child->proc->flags & ENR_PF_INCOMPLETE))
			return;
		if (child)
			thr_exit(s->threads, child_tid, 0); /* replace the made-up entry */
		if (!parent) {
			/* Parent unknown (or a thread): its process, made if unknown. */
			child = thr_add(s->threads, child_tid, v->hdr->pid, parent_tid);
			if (child) {
				clone_fill(s, v, child->proc);
				adopt_parent(s, v, child->proc); /* a made-up process it joined */
			}
			c->thread = child;
			c->proc = child ? child->proc : NULL;
			return;
		}
	}
	if (is_thread) {
		const char *comm = arg_str(s, v, K_COMM);

		child = thr_clone_thread(s->threads, parent, child_tid,
					 arg_s64(s, v, K_VTID, child_tid), v->hdr->ts);
		if (child && comm && strcmp(comm, parent->proc->comm) != 0)
			snprintf(child->comm, sizeof(child->comm), "%s", comm);
		if (child && has_arg(s, v, K_UID)) {
			uint32_t uid = (uint32_t)arg_u64(s, v, K_UID, 0),
				 gid = (uint32_t)arg_u64(s, v, K_GID, parent->proc->gid);

			if (uid != parent->proc->uid || gid != parent->proc->gid) {
				child->uid = uid;
				child->gid = gid;
				child->own_creds = 1;
			}
		}
	} else
		child = thr_fork(s->threads, parent, child_tid, arg_s64(s, v, K_VTID, child_tid),
				 (flags & PPM_CL_CLONE_FILES) != 0, v->hdr->ts);
	if (!child) {
		if (res == 0) /* c->thread was the made-up entry removed above */
			c->thread = NULL, c->proc = NULL;
		return;
	}
	if (!is_thread) {
		clone_fill(s, v, child->proc);
		child->proc->vpid = arg_s64(s, v, K_VPID, child_tid);
	}
	if (res == 0) {
		c->thread = child;
		c->proc = child->proc;
	}
}

static void parse_socket_fd(struct st_state *s, const struct lnr_evt_view *v, struct st_ctx *c,
			    int64_t fd)
{
	uint32_t domain = (uint32_t)arg_u64(s, v, K_DOMAIN, 0);
	uint32_t type = (uint32_t)arg_u64(s, v, K_TYPE, 0);
	uint32_t proto = (uint32_t)arg_u64(s, v, K_PROTO, 0);
	enum enr_fd_type t = ENR_FD_UNKNOWN;
	struct enr_fd *f;

	switch (domain) {
	case PPM_AF_INET:
		t = ENR_FD_IPV4;
		break;
	case PPM_AF_INET6:
		t = ENR_FD_IPV6;
		break;
	case PPM_AF_UNIX:
		t = ENR_FD_UNIX;
		break;
	case PPM_AF_NETLINK:
		t = ENR_FD_NETLINK;
		break;
	}
	f = fdt_add(c->proc->fds, fd, t, "", NULL);
	if (!f)
		return;
	f->family = (uint16_t)(domain == PPM_AF_INET ? 2 : domain == PPM_AF_INET6 ? 10 : domain);
	/* SOCK_STREAM=1 -> TCP, SOCK_DGRAM=2 -> UDP unless a protocol says otherwise. */
	if (proto)
		f->l4proto = (uint8_t)proto;
	else if ((type & 0xf) == 1 && (t == ENR_FD_IPV4 || t == ENR_FD_IPV6))
		f->l4proto = 6;
	else if ((type & 0xf) == 2 && (t == ENR_FD_IPV4 || t == ENR_FD_IPV6))
		f->l4proto = 17;
	c->fd = f;
}

static void parse_connect_accept(struct st_state *s, const struct lnr_evt_view *v, struct st_ctx *c,
				 int64_t fd, int accepted)
{
	const uint8_t *raw;
	uint32_t len;
	struct enr_fd *f = fdt_get(c->proc->fds, fd);
	char upath[4096];

	c->fdnum = fd;
	if (accepted) {
		/* A new fd; its family and addresses come from the tuple. */
		f = fdt_add(c->proc->fds, fd, ENR_FD_UNKNOWN, "", NULL);
		if (!f)
			return;
		f->flags |= ENR_FDF_SERVER;
	}
	if (f && !accepted)
		s->stats.fd_hits++;
	if (!f) {
		s->stats.fd_misses++;
		f = fdt_add(c->proc->fds, fd, ENR_FD_UNKNOWN, "", NULL);
		if (!f)
			return;
	}
	c->fd = f;
	raw = arg_raw(s, v, K_TUPLE, &len, NULL);
	if (!raw || st_decode_tuple(raw, len, f, upath, sizeof(upath)) != 0)
		return;
	f->flags |= ENR_FDF_CONNECTED | ENR_FDF_NAME_CHANGED;
	if (f->family == 1) {
		char name[4096 + 64];
		int i = s->pidx[v->hdr->type][K_TUPLE];

		/* libsinsp names a unix socket after the tuple: "src->dst path". */
		f->type = ENR_FD_UNIX;
		if (lnr_evt_param_format(v, (unsigned)i, name, sizeof(name)) > 0)
			enr_fd_set_name(f, name);
		else
			enr_fd_set_name(f, upath);
	} else {
		f->type = f->family == 10 ? ENR_FD_IPV6 : ENR_FD_IPV4;
		if (!f->l4proto)
			f->l4proto = 6;
		enr_fd_set_inet_name(f);
	}
}

/*
 * sendto/sendmsg with a destination on an IP socket that is not connected
 * (UDP): the socket is named after the datagram's tuple, as libsinsp does.
 */
static void parse_send_tuple(struct st_state *s, const struct lnr_evt_view *v, struct st_ctx *c)
{
	const uint8_t *raw;
	uint32_t len;
	struct enr_fd tmp = {0};

	if (!c->fd || (c->fd->flags & ENR_FDF_CONNECTED) ||
	    (c->fd->type != ENR_FD_IPV4 && c->fd->type != ENR_FD_IPV6))
		return;
	raw = arg_raw(s, v, K_TUPLE, &len, NULL);
	if (!raw || st_decode_tuple(raw, len, &tmp, NULL, 0) != 0 || tmp.family == 1)
		return;
	c->fd->family = tmp.family;
	memcpy(c->fd->cip, tmp.cip, 16);
	memcpy(c->fd->sip, tmp.sip, 16);
	c->fd->cport = tmp.cport;
	c->fd->sport = tmp.sport;
	c->fd->type = tmp.family == 10 ? ENR_FD_IPV6 : ENR_FD_IPV4;
	c->fd->flags &= ~ENR_FDF_SERVER;
	c->fd->flags |= ENR_FDF_NAME_CHANGED;
	/* Named like a connected socket, but not connected. */
	c->fd->flags |= ENR_FDF_CONNECTED;
	enr_fd_set_inet_name(c->fd);
	c->fd->flags &= ~ENR_FDF_CONNECTED;
}

/*
 * bind on an IP socket: the local address becomes the server side and the
 * name is the address as printed ("ip:port"); a non-zero port makes it a
 * server socket (libsinsp's assumption).
 */
static void parse_bind(struct st_state *s, const struct lnr_evt_view *v, struct st_ctx *c)
{
	int i = s->pidx[v->hdr->type][K_ADDR];
	struct lnr_sockaddr sa;
	char name[256];

	if (!c->fd || i < 0 || v->plen[i] == 0 ||
	    lnr_sockaddr_decode(v->pval[i], v->plen[i], &sa) != 0)
		return;
	if (sa.family != PPM_AF_INET && sa.family != PPM_AF_INET6)
		return;
	c->fd->family = sa.family == PPM_AF_INET ? 2 : 10;
	c->fd->type = sa.family == PPM_AF_INET ? ENR_FD_IPV4 : ENR_FD_IPV6;
	memset(c->fd->sip, 0, 16);
	memcpy(c->fd->sip, sa.saddr, sa.family == PPM_AF_INET ? 4 : 16);
	c->fd->sport = sa.sport;
	if (sa.sport)
		c->fd->flags |= ENR_FDF_SERVER;
	if (lnr_evt_param_format(v, (unsigned)i, name, sizeof(name)) > 0) {
		enr_fd_set_name(c->fd, name);
		c->fd->flags |= ENR_FDF_NAME_CHANGED;
	}
}

/* The event of a container (capture metadata): a thread of its own, named after the container. */
static int parse_container(struct st_state *s, const struct lnr_evt_view *v, struct st_ctx *c)
{
	const char *json = arg_str(s, v, K_JSON);
	json_t *root = json ? json_loads(json, 0, NULL) : NULL;
	const char *id =
		json_string_value(json_object_get(json_object_get(root, "container"), "id"));
	char cid[72];

	/* {"container":{"id":"...", ...}}; a malformed one: no id */
	snprintf(cid, sizeof(cid), "%s", id ? id : "");
	json_decref(root);
	memcpy(s->ctr_proc.container_id, cid, sizeof(cid));
	s->ctr_proc.flags = ENR_PF_CONTAINER_EVT; /* proc.name is exe: longer than a comm */
	{
		char exe[96];

		snprintf(exe, sizeof(exe), "container:%s", cid);
		enr_str_set(&s->ctr_proc.exe, exe, 0);
	}
	s->ctr_proc.uid = s->ctr_proc.gid = 0;
	c->thread = &s->ctr_thread;
	c->proc = &s->ctr_proc;
	return 0;
}

static void set_cwd(struct enr_proc *p, const char *path)
{
	char buf[4096];
	int n = enr_path_resolve(p->cwd ? p->cwd : "/", path, buf, sizeof(buf) - 1);

	if (n <= 0)
		return;
	if (buf[n - 1] != '/') {
		buf[n] = '/';
		buf[n + 1] = '\0';
	}
	enr_str_set(&p->cwd, buf, 0);
}

/* scap fd types (the "type" of fdinfo seeds) -> ours. */
static enum enr_fd_type seed_fd_type(uint64_t t)
{
	static const enum enr_fd_type map[] = {
		ENR_FD_UNKNOWN,	  ENR_FD_FILE,	  ENR_FD_DIRECTORY,   ENR_FD_IPV4,
		ENR_FD_IPV6,	  ENR_FD_IPV4,	  ENR_FD_IPV6,	      ENR_FD_PIPE,
		ENR_FD_UNIX,	  ENR_FD_EVENT,	  ENR_FD_UNKNOWN,     ENR_FD_SIGNALFD,
		ENR_FD_EVENTPOLL, ENR_FD_INOTIFY, ENR_FD_TIMERFD,     ENR_FD_NETLINK,
		ENR_FD_FILE,	  ENR_FD_BPF,	  ENR_FD_USERFAULTFD, ENR_FD_IOURING,
		ENR_FD_MEMFD,	  ENR_FD_PIDFD,
	};

	return t < sizeof(map) / sizeof(map[0]) ? map[t] : ENR_FD_UNKNOWN;
}

/* State seeds (seed.thread, seed.fd, seed.user): a capture's lists, through the ring. */
static int parse_seed(struct st_state *s, const struct lnr_evt_view *v)
{
	const uint8_t *raw;
	uint32_t len;
	int trunc = 0;
	const char *str;

	switch (v->hdr->type) {
	case LNR_EVT_SEED_THREAD: {
		int64_t tid = arg_s64(s, v, K_TID, v->hdr->tid), pid = arg_s64(s, v, K_PID, tid);
		struct enr_thread *th = thr_add(s->threads, tid, pid, arg_s64(s, v, K_PTID, 0));
		struct enr_proc *p;

		if (!th)
			return -ENOMEM;
		th->vtid = arg_s64(s, v, K_VTID, tid);
		th->clone_ts = arg_u64(s, v, K_CLONE_TS, 0);
		if (tid != pid) {
			/* Process data comes with the main thread; a thread's own name here. */
			if ((str = arg_str(s, v, K_COMM)))
				snprintf(th->comm, sizeof(th->comm), "%s", str);
			return 0;
		}
		p = th->proc;
		p->ppid = arg_s64(s, v, K_PTID, p->ppid);
		p->sid = arg_s64(s, v, K_SID, p->sid);
		p->vpgid = p->pgid = arg_s64(s, v, K_VPGID, p->vpgid);
		p->vpid = arg_s64(s, v, K_VPID, pid);
		if ((str = arg_str(s, v, K_COMM))) {
			strncpy(p->comm, str, sizeof(p->comm) - 1);
			p->comm[sizeof(p->comm) - 1] = '\0';
		}
		if ((str = arg_str(s, v, K_EXE)))
			enr_str_set(&p->exe, str, 0);
		if ((str = arg_str(s, v, K_EXEPATH)))
			enr_str_set(&p->exepath, str, 0);
		if ((str = arg_str(s, v, K_CWD)))
			enr_str_set(&p->cwd, str, 0);
		if ((str = arg_str(s, v, K_ROOT)))
			enr_str_set(&p->root, str, 0);
		if ((raw = arg_raw(s, v, K_ARGS, &len, &trunc)))
			enr_strv_set(&p->args, (const char *)raw, len, trunc);
		if ((raw = arg_raw(s, v, K_ENV, &len, &trunc)))
			enr_strv_set(&p->env, (const char *)raw, len, trunc);
		if ((raw = arg_raw(s, v, K_CGROUPS, &len, &trunc))) {
			enr_strv_set(&p->cgroups, (const char *)raw, len, trunc);
			ctr_id_from_cgroups(&p->cgroups, p->container_id, sizeof(p->container_id));
		}
		p->fdlimit = arg_u64(s, v, K_FDLIMIT, 0);
		p->uid = (uint32_t)arg_u64(s, v, K_UID, 0);
		p->gid = (uint32_t)arg_u64(s, v, K_GID, 0);
		p->loginuid = (uint32_t)arg_u64(s, v, K_LOGINUID, UINT32_MAX);
		p->cap_inheritable = arg_u64(s, v, K_CAP_I, 0);
		p->cap_permitted = arg_u64(s, v, K_CAP_P, 0);
		p->cap_effective = arg_u64(s, v, K_CAP_E, 0);
		p->tty = (uint32_t)arg_u64(s, v, K_TTY, 0);
		p->start_ts = th->clone_ts;
		p->flags |= ENR_PF_FROM_PROCFS;
		thr_recount_children(s->threads);
		return 0;
	}
	case LNR_EVT_SEED_FD: {
		struct enr_thread *th = thr_get(s->threads, arg_s64(s, v, K_TID, v->hdr->tid));
		enum enr_fd_type t = seed_fd_type(arg_u64(s, v, K_TYPE, 0));
		uint64_t scap_type = arg_u64(s, v, K_TYPE, 0);
		struct enr_fd *f;
		char upath[4096];

		if (!th)
			return -ENOENT;
		f = fdt_add(th->proc->fds, arg_s64(s, v, K_FD, -1), t, arg_str(s, v, K_NAME), NULL);
		if (!f)
			return -ENOMEM;
		f->flags |= ENR_FDF_FROM_PROCFS;
		f->open_flags = (uint32_t)arg_u64(s, v, K_FLAGS, 0);
		f->dev = (uint32_t)arg_u64(s, v, K_DEV, 0);
		f->ino = arg_u64(s, v, K_INO, 0);
		f->l4proto = (uint8_t)arg_u64(s, v, K_L4PROTO, 0);
		raw = arg_raw(s, v, K_TUPLE, &len, NULL);
		s->seeded_fds = 1;
		if (raw && st_decode_tuple(raw, len, f, upath, sizeof(upath)) == 0) {
			if (scap_type == 5 || scap_type == 6) {
				/* A listening socket: its address is the server side. */
				memcpy(f->sip, f->cip, 16);
				f->sport = f->cport;
				memset(f->cip, 0, 16);
				f->cport = 0;
				f->flags |= ENR_FDF_SERVER;
				enr_fd_set_inet_name(f);
			} else if (t == ENR_FD_IPV4 || t == ENR_FD_IPV6) {
				f->flags |= ENR_FDF_CONNECTED;
				enr_fd_set_inet_name(f);
			}
		}
		return 0;
	}
	case LNR_EVT_SEED_USER:
		if (arg_u64(s, v, K_IS_GROUP, 0))
			return usr_db_seed_group(s->users, (uint32_t)arg_u64(s, v, K_GID, 0),
						 arg_str(s, v, K_NAME));
		return usr_db_seed_user(s->users, (uint32_t)arg_u64(s, v, K_UID, 0),
					(uint32_t)arg_u64(s, v, K_GID, 0), arg_str(s, v, K_NAME),
					arg_str(s, v, K_HOMEDIR), arg_str(s, v, K_SHELL));
	default:
		return 0;
	}
}

void st_orient_scanned_sockets(struct st_state *s)
{
	uint8_t ports[65536 / 8]; /* one bit per port */
	size_t pos = 0;
	struct enr_proc *p;

	/* Ports some listening socket of the machine is bound to. */
	memset(ports, 0, sizeof(ports));
	while (thr_next_proc(s->threads, &pos, &p)) {
		size_t fp = 0;
		struct enr_fd *f;

		while (fdt_next(p->fds, &fp, &f))
			if ((f->type == ENR_FD_IPV4 || f->type == ENR_FD_IPV6) &&
			    (f->flags & ENR_FDF_SERVER) && !(f->flags & ENR_FDF_CONNECTED))
				ports[f->sport / 8] |= (uint8_t)(1u << (f->sport % 8));
	}
	/*
	 * A connected IPv4 socket from the scan whose local port is one of
	 * them is the server end of an accepted connection: client first, as
	 * libsinsp's fix_sockets_coming_from_proc (IPv4 only, as there).
	 */
	pos = 0;
	while (thr_next_proc(s->threads, &pos, &p)) {
		size_t fp = 0;
		struct enr_fd *f;

		while (fdt_next(p->fds, &fp, &f)) {
			uint8_t ip[16];
			uint16_t port;

			if (f->type != ENR_FD_IPV4 || !(f->flags & ENR_FDF_FROM_PROCFS) ||
			    !(f->flags & ENR_FDF_CONNECTED) || (f->flags & ENR_FDF_SERVER) ||
			    !(ports[f->cport / 8] & (1u << (f->cport % 8))))
				continue;
			memcpy(ip, f->cip, 16);
			port = f->cport;
			memcpy(f->cip, f->sip, 16);
			f->cport = f->sport;
			memcpy(f->sip, ip, 16);
			f->sport = port;
			f->flags |= ENR_FDF_SERVER;
			enr_fd_set_inet_name(f);
		}
	}
}

int st_apply(struct st_state *s, const struct lnr_evt_view *v, struct st_ctx *c)
{
	int64_t res, fd;

	memset(c, 0, offsetof(struct st_ctx, abspath));
	c->abspath[0] = c->abspath_dst[0] = '\0';
	c->ev = v;
	c->fdnum = -1;
	c->ts = v->hdr->ts;
	s->stats.events++;
	c->num = s->stats.events;
	if (v->hdr->type == LNR_EVT_SEED_THREAD || v->hdr->type == LNR_EVT_SEED_FD ||
	    v->hdr->type == LNR_EVT_SEED_USER)
		return parse_seed(s, v); /* ctx stays empty: nothing to evaluate */
	if (s->seeded_fds) {
		/* The capture's lists are complete: orient their sockets once. */
		st_orient_scanned_sockets(s);
		s->seeded_fds = 0;
	}
	if (v->hdr->type == LNR_EVT_CONTAINER)
		return parse_container(s, v, c);
	c->thread = thread_for(s, v);
	if (!c->thread)
		return -ENOMEM;
	c->proc = c->thread->proc;
	if ((c->proc->flags & ENR_PF_INCOMPLETE) && !c->proc->comm[0] && !c->proc->exe) {
		/* Nothing known: named as libsinsp names a made-up thread. */
		strcpy(c->proc->comm, "<NA>");
		enr_str_set(&c->proc->exe, "<NA>", 0);
	}
	res = arg_s64(s, v, K_RES, 0);

	switch (v->hdr->type) {
	case LNR_EVT_OPEN:
	case LNR_EVT_OPENAT:
	case LNR_EVT_OPENAT2:
	case LNR_EVT_CREAT:
		parse_open(s, v, c);
		break;
	case LNR_EVT_EXECVE:
	case LNR_EVT_EXECVEAT:
		parse_execve(s, v, c);
		break;
	case LNR_EVT_CLONE:
	case LNR_EVT_CLONE3:
	case LNR_EVT_FORK:
	case LNR_EVT_VFORK:
		parse_clone(s, v, c);
		break;
	case LNR_EVT_PROCEXIT:
		break; /* removal in st_finish */
	case LNR_EVT_CLOSE:
		fd = arg_s64(s, v, K_FD, -1);
		c->fdnum = fd;
		c->fd = fd >= 0 ? fdt_get(c->proc->fds, fd) : NULL;
		break;
	case LNR_EVT_DUP:
	case LNR_EVT_DUP2:
	case LNR_EVT_DUP3: {
		int64_t oldfd = arg_s64(s, v, K_OLDFD, arg_s64(s, v, K_FD, -1));

		if (res >= 0 && oldfd >= 0) {
			if (fdt_dup(c->proc->fds, oldfd, res) == -ENOENT)
				s->stats.fd_misses++;
			c->fdnum = res;
			c->fd = fdt_get(c->proc->fds, res);
		}
		break;
	}
	case LNR_EVT_FCNTL: {
		uint64_t cmd = arg_u64(s, v, K_CMD, 0);

		fd = arg_s64(s, v, K_FD, -1);
		c->fdnum = fd;
		if ((cmd == PPM_FCNTL_F_DUPFD || cmd == PPM_FCNTL_F_DUPFD_CLOEXEC) && res >= 0 &&
		    fd >= 0)
			fdt_dup(c->proc->fds, fd, res);
		c->fd = fd >= 0 ? fdt_get(c->proc->fds, fd) : NULL;
		break;
	}
	case LNR_EVT_SOCKET:
		fd = arg_s64(s, v, K_FD, -1);
		c->fdnum = fd;
		if (fd >= 0)
			parse_socket_fd(s, v, c, fd);
		break;
	case LNR_EVT_CONNECT:
		fd = arg_s64(s, v, K_FD, -1);
		if (fd >= 0 && (res == 0 || res == -115 /* EINPROGRESS */))
			parse_connect_accept(s, v, c, fd, 0);
		else if (fd >= 0) {
			c->fdnum = fd;
			c->fd = fdt_get(c->proc->fds, fd);
		}
		break;
	case LNR_EVT_ACCEPT:
	case LNR_EVT_ACCEPT4:
		fd = arg_s64(s, v, K_FD, -1);
		if (fd >= 0)
			parse_connect_accept(s, v, c, fd, 1);
		break;
	case LNR_EVT_BIND:
	case LNR_EVT_LISTEN:
	case LNR_EVT_SENDTO:
	case LNR_EVT_SENDMSG:
	case LNR_EVT_RECVFROM:
	case LNR_EVT_RECVMSG:
	case LNR_EVT_READ:
	case LNR_EVT_WRITE:
	case LNR_EVT_FCHMOD:
	case LNR_EVT_FCHDIR:
	case LNR_EVT_SHUTDOWN:
		fd = arg_s64(s, v, K_FD, -1);
		c->fdnum = fd;
		c->fd = fd >= 0 ? fdt_get(c->proc->fds, fd) : NULL;
		if (fd >= 0 && !c->fd)
			s->stats.fd_misses++;
		else if (c->fd)
			s->stats.fd_hits++;
		if (v->hdr->type == LNR_EVT_LISTEN && c->fd)
			c->fd->flags |= ENR_FDF_SERVER;
		if (v->hdr->type == LNR_EVT_BIND && res == 0)
			parse_bind(s, v, c);
		if ((v->hdr->type == LNR_EVT_SENDTO || v->hdr->type == LNR_EVT_SENDMSG) && res >= 0)
			parse_send_tuple(s, v, c);
		if (v->hdr->type == LNR_EVT_FCHDIR && res == 0 && c->fd && c->fd->name)
			set_cwd(c->proc, c->fd->name);
		break;
	case LNR_EVT_PIPE:
	case LNR_EVT_PIPE2:
	case LNR_EVT_SOCKETPAIR: {
		int64_t fd1 = arg_s64(s, v, K_FD1, -1), fd2 = arg_s64(s, v, K_FD2, -1);
		enum enr_fd_type t = v->hdr->type == LNR_EVT_SOCKETPAIR ? ENR_FD_UNIX : ENR_FD_PIPE;

		if (res >= 0 && fd1 >= 0)
			fdt_add(c->proc->fds, fd1, t, "", NULL);
		if (res >= 0 && fd2 >= 0)
			fdt_add(c->proc->fds, fd2, t, "", NULL);
		break;
	}
	case LNR_EVT_EVENTFD:
	case LNR_EVT_EVENTFD2:
	case LNR_EVT_SIGNALFD:
	case LNR_EVT_SIGNALFD4:
	case LNR_EVT_TIMERFD_CREATE:
	case LNR_EVT_INOTIFY_INIT:
	case LNR_EVT_INOTIFY_INIT1:
	case LNR_EVT_EPOLL_CREATE:
	case LNR_EVT_EPOLL_CREATE1:
	case LNR_EVT_USERFAULTFD:
	case LNR_EVT_IO_URING_SETUP:
	case LNR_EVT_MEMFD_CREATE:
	case LNR_EVT_BPF: {
		static const enum enr_fd_type types[LNR_EVT_MAX] = {
			[LNR_EVT_EVENTFD] = ENR_FD_EVENT,
			[LNR_EVT_EVENTFD2] = ENR_FD_EVENT,
			[LNR_EVT_SIGNALFD] = ENR_FD_SIGNALFD,
			[LNR_EVT_SIGNALFD4] = ENR_FD_SIGNALFD,
			[LNR_EVT_TIMERFD_CREATE] = ENR_FD_TIMERFD,
			[LNR_EVT_INOTIFY_INIT] = ENR_FD_INOTIFY,
			[LNR_EVT_INOTIFY_INIT1] = ENR_FD_INOTIFY,
			[LNR_EVT_EPOLL_CREATE] = ENR_FD_EVENTPOLL,
			[LNR_EVT_EPOLL_CREATE1] = ENR_FD_EVENTPOLL,
			[LNR_EVT_USERFAULTFD] = ENR_FD_USERFAULTFD,
			[LNR_EVT_IO_URING_SETUP] = ENR_FD_IOURING,
			[LNR_EVT_MEMFD_CREATE] = ENR_FD_MEMFD,
			[LNR_EVT_BPF] = ENR_FD_BPF,
		};
		int64_t nfd = has_arg(s, v, K_FD) && v->hdr->type != LNR_EVT_BPF
				      ? arg_s64(s, v, K_FD, -1)
				      : res;
		const char *name =
			v->hdr->type == LNR_EVT_MEMFD_CREATE ? arg_str(s, v, K_NAME) : NULL;
		char mname[300];

		if (v->hdr->type == LNR_EVT_BPF)
			nfd = arg_s64(s, v, K_FD, res);
		if (name) {
			snprintf(mname, sizeof(mname), "memfd:%s", name);
			name = mname;
		}
		if (nfd >= 0) {
			c->fd = fdt_add(c->proc->fds, nfd, types[v->hdr->type], name ? name : "",
					NULL);
			c->fdnum = nfd;
		}
		break;
	}
	case LNR_EVT_CHDIR:
		if (res == 0) {
			const char *path = arg_str(s, v, K_PATH);

			if (path)
				set_cwd(c->proc, path);
		}
		break;
	case LNR_EVT_CHROOT:
		if (res == 0) {
			const char *path = arg_str(s, v, K_PATH);

			if (path)
				enr_str_set(&c->proc->root, path, 0);
		}
		break;
	case LNR_EVT_SETUID:
		if (res == 0)
			c->proc->uid = (uint32_t)arg_u64(s, v, K_UID, c->proc->uid);
		c->thread->own_creds &= res != 0; /* now the process's */
		break;
	case LNR_EVT_SETGID:
		if (res == 0)
			c->proc->gid = (uint32_t)arg_u64(s, v, K_GID, c->proc->gid);
		c->thread->own_creds &= res != 0;
		break;
	case LNR_EVT_SETRESUID:
	case LNR_EVT_SETREUID:
		if (res == 0) {
			uint64_t e = arg_u64(s, v, K_EUID, UINT64_MAX),
				 r = arg_u64(s, v, K_RUID, UINT64_MAX);

			if (e != UINT64_MAX && (uint32_t)e != UINT32_MAX)
				c->proc->uid = (uint32_t)e;
			if (r != UINT64_MAX && (uint32_t)r != UINT32_MAX)
				c->proc->ruid = (uint32_t)r;
			c->thread->own_creds = 0;
		}
		break;
	case LNR_EVT_SETRESGID:
	case LNR_EVT_SETREGID:
		if (res == 0) {
			uint64_t e = arg_u64(s, v, K_EGID, UINT64_MAX),
				 r = arg_u64(s, v, K_RGID, UINT64_MAX);

			if (e != UINT64_MAX && (uint32_t)e != UINT32_MAX)
				c->proc->gid = (uint32_t)e;
			if (r != UINT64_MAX && (uint32_t)r != UINT32_MAX)
				c->proc->rgid = (uint32_t)r;
			c->thread->own_creds = 0;
		}
		break;
	case LNR_EVT_SETSID:
		if (res > 0) {
			c->proc->sid = res;
			c->proc->pgid = res;
			c->proc->vpgid = c->proc->vpid;
		}
		break;
	case LNR_EVT_SETPGID:
		if (res == 0) {
			int64_t pid = arg_s64(s, v, K_PID, 0), pgid = arg_s64(s, v, K_PGID, 0);
			struct enr_proc *tp = pid == 0 ? c->proc : thr_get_proc(s->threads, pid);

			if (tp) {
				tp->vpgid = pgid == 0 ? tp->vpid : pgid;
				if (tp->vpid == tp->pid)
					tp->pgid = tp->vpgid;
			}
		}
		break;
	case LNR_EVT_CAPSET:
		if (res == 0) {
			c->proc->cap_inheritable = arg_u64(s, v, K_CAP_I, c->proc->cap_inheritable);
			c->proc->cap_permitted = arg_u64(s, v, K_CAP_P, c->proc->cap_permitted);
			c->proc->cap_effective = arg_u64(s, v, K_CAP_E, c->proc->cap_effective);
		}
		break;
	default:
		/* Events that only read state: point at their fd if they name one. */
		if (has_arg(s, v, K_FD)) {
			fd = arg_s64(s, v, K_FD, -1);
			c->fdnum = fd;
			c->fd = fd >= 0 ? fdt_get(c->proc->fds, fd) : NULL;
		}
		break;
	}
	return 0;
}

void st_finish(struct st_state *s, struct st_ctx *c)
{
	const struct lnr_evt_view *v = c->ev;

	if (!v || !c->thread)
		return;
	if (c->fd)
		c->fd->flags &= ~ENR_FDF_NAME_CHANGED;
	switch (v->hdr->type) {
	case LNR_EVT_CLOSE:
		if (arg_s64(s, v, K_RES, 0) == 0 && c->fdnum >= 0)
			fdt_del(c->proc->fds, c->fdnum);
		break;
	case LNR_EVT_PROCEXIT:
		thr_exit(s->threads, c->thread->tid, arg_s64(s, v, K_REAPER, 0));
		break;
	default:
		break;
	}
	c->thread = NULL;
	c->proc = NULL;
	c->fd = NULL;
}
