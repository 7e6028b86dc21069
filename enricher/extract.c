/* extract.c: Falco's state-derived fields, computed from the thread, fd, user and container tables. */
#include "extract.h"

#include <arpa/inet.h>
#include <errno.h>
#include <stdio.h>
#include <string.h>

#include "container.h"
#include "dns.h"
#include "fds.h"
#include "threads.h"
#include "users.h"

static const char *const cap_names[] = {
	"CAP_CHOWN",
	"CAP_DAC_OVERRIDE",
	"CAP_DAC_READ_SEARCH",
	"CAP_FOWNER",
	"CAP_FSETID",
	"CAP_KILL",
	"CAP_SETGID",
	"CAP_SETUID",
	"CAP_SETPCAP",
	"CAP_LINUX_IMMUTABLE",
	"CAP_NET_BIND_SERVICE",
	"CAP_NET_BROADCAST",
	"CAP_NET_ADMIN",
	"CAP_NET_RAW",
	"CAP_IPC_LOCK",
	"CAP_IPC_OWNER",
	"CAP_SYS_MODULE",
	"CAP_SYS_RAWIO",
	"CAP_SYS_CHROOT",
	"CAP_SYS_PTRACE",
	"CAP_SYS_PACCT",
	"CAP_SYS_ADMIN",
	"CAP_SYS_BOOT",
	"CAP_SYS_NICE",
	"CAP_SYS_RESOURCE",
	"CAP_SYS_TIME",
	"CAP_SYS_TTY_CONFIG",
	"CAP_MKNOD",
	"CAP_LEASE",
	"CAP_AUDIT_WRITE",
	"CAP_AUDIT_CONTROL",
	"CAP_SETFCAP",
	"CAP_MAC_OVERRIDE",
	"CAP_MAC_ADMIN",
	"CAP_SYSLOG",
	"CAP_WAKE_ALARM",
	"CAP_BLOCK_SUSPEND",
	"CAP_AUDIT_READ",
	"CAP_PERFMON",
	"CAP_BPF",
	"CAP_CHECKPOINT_RESTORE",
};

size_t ext_caps_str(uint64_t caps, char *out, size_t n)
{
	size_t o = 0;

	if (n)
		out[0] = '\0';
	/* memcpy, not snprintf: a root process has ~40 capabilities and the rules
	 * read up to three of these fields per event (this was the enricher's
	 * largest cost in the live benchmark after the /proc reads) */
	for (unsigned i = 0; i < sizeof(cap_names) / sizeof(cap_names[0]); i++) {
		size_t l, sep = o ? 1 : 0;

		if (!(caps & (1ULL << i)))
			continue;
		l = strlen(cap_names[i]);
		if (sep + l >= n - o)
			break;
		if (sep)
			out[o] = ' ';
		memcpy(out + o + sep, cap_names[i], l + 1);
		o += sep + l;
	}
	return o;
}

void ext_begin(struct ext_ctx *x, struct st_state *st, const struct st_ctx *c)
{
	x->st = st;
	x->c = c;
	x->used = 0;
	x->nanc = 0;
	x->now_ns = c ? c->ts : 0;
}

/* Scratch allocation for the current event; NULL when full. */
static char *scratch(struct ext_ctx *x, size_t n)
{
	char *p;

	if (n > EXT_SCRATCH_SIZE - x->used)
		return NULL;
	p = x->scratch + x->used;
	x->used += n;
	return p;
}

static int put_str(struct fld_val *out, const char *s)
{
	if (!s)
		return 0;
	out->str.p = s;
	out->str.len = strlen(s);
	out->type = LNR_PT_CHARBUF;
	return 1;
}

static int put_u64(struct fld_val *out, uint64_t v, enum lnr_ptype t)
{
	out->u64 = v;
	out->type = (uint16_t)t;
	return 1;
}

static int put_s64(struct fld_val *out, int64_t v, enum lnr_ptype t)
{
	out->s64 = v;
	out->type = (uint16_t)t;
	return 1;
}

static int put_ip(struct fld_val *out, uint16_t family, const uint8_t *ip)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	memset(&out->ip, 0, sizeof(out->ip));
	if (family == 10 && memcmp(ip, v4mapped, 12) != 0) {
		out->ip.family = 6;
		memcpy(out->ip.a, ip, 16);
	} else {
		out->ip.family = 4;
		memcpy(out->ip.a, family == 10 ? ip + 12 : ip, 4);
	}
	out->type = LNR_PT_IPADDR;
	return 1;
}

/* "name arg1 arg2" of a process into scratch. */
static const char *cmdline(struct ext_ctx *x, const struct enr_proc *p, const char *first)
{
	size_t fl = first ? strlen(first) : 0;
	size_t need = fl + 1 + p->args.len + 1;
	char *buf = scratch(x, need);

	if (!buf)
		return NULL;
	memcpy(buf, first ? first : "", fl);
	if (p->args.len) {
		buf[fl] = ' ';
		enr_strv_join(&p->args, ' ', buf + fl + 1, p->args.len + 1);
	} else {
		buf[fl] = '\0';
	}
	return buf;
}

static const char *joined(struct ext_ctx *x, const struct enr_strv *v, char sep)
{
	char *buf = scratch(x, v->len + 1);

	if (!buf)
		return NULL;
	enr_strv_join(v, sep, buf, v->len + 1);
	return buf;
}

/* proc.env[NAME]: the value of one variable. */
static const char *env_value(const struct enr_proc *p, const char *name, size_t nlen)
{
	for (uint32_t i = 0; p->env.buf && i < p->env.len;) {
		const char *item = p->env.buf + i;
		size_t l = strlen(item);

		if (l > nlen && strncmp(item, name, nlen) == 0 && item[nlen] == '=')
			return item + nlen + 1;
		i += (uint32_t)l + 1;
	}
	return NULL;
}

/* The process the field looks at: the event's, a parent, or an ancestor level. */
static const struct enr_proc *level(struct ext_ctx *x, unsigned n)
{
	if (n >= EXT_ANC_MAX)
		return thr_ancestor(st_threads(x->st), x->c->proc, n);
	if (!x->nanc) {
		x->anc[0] = x->c->proc;
		x->nanc = 1;
	}
	while (x->nanc <= n) {
		const struct enr_proc *a = x->anc[x->nanc - 1];

		if (!a)
			return NULL;
		x->anc[x->nanc++] = thr_parent(st_threads(x->st), a);
	}
	return x->anc[n];
}

/*
 * Ancestor fields (proc.aname etc.): with [N] the ancestor at level N (0 is
 * the process itself); without argument every ancestor from the parent up.
 */
typedef int (*proc_field_fn)(struct ext_ctx *x, const struct enr_proc *p, struct fld_val *out);

static int ancestors(struct ext_ctx *x, const struct fld_ref *f, proc_field_fn fn,
		     struct fld_val *out, uint32_t max)
{
	uint32_t n = 0;

	if (f->arg) {
		const struct enr_proc *p;

		if (f->index < 0)
			return 0;
		p = level(x, (unsigned)f->index);
		return p ? fn(x, p, out) : 0;
	}
	for (unsigned lvl = 1; n < max; lvl++) {
		const struct enr_proc *p = level(x, lvl);

		if (!p)
			break;
		n += (uint32_t)fn(x, p, &out[n]);
	}
	return (int)n;
}

/* proc.name: the comm; a container event's thread is named "container:ID" (libsinsp). */
static const char *pname_of(const struct enr_proc *p)
{
	return (p->flags & ENR_PF_CONTAINER_EVT) && p->exe ? p->exe : p->comm;
}

/* The event thread's user and group: its own if it has them, else its process's. */
static uint32_t ev_uid(const struct st_ctx *c)
{
	return c->thread && c->thread->own_creds ? c->thread->uid : c->proc->uid;
}

static uint32_t ev_gid(const struct st_ctx *c)
{
	return c->thread && c->thread->own_creds ? c->thread->gid : c->proc->gid;
}

/* proc.name of the event's thread: its own name if it has one (Falco: per thread). */
static const char *thread_name(const struct st_ctx *c)
{
	return c->thread && c->thread->comm[0] ? c->thread->comm : pname_of(c->proc);
}

static int f_name(struct ext_ctx *x, const struct enr_proc *p, struct fld_val *out)
{
	return put_str(out, pname_of(p));
}

static int f_exe(struct ext_ctx *x, const struct enr_proc *p, struct fld_val *out)
{
	return put_str(out, p->exe);
}

static int f_exepath(struct ext_ctx *x, const struct enr_proc *p, struct fld_val *out)
{
	return put_str(out, p->exepath);
}

static int f_pid(struct ext_ctx *x, const struct enr_proc *p, struct fld_val *out)
{
	return put_s64(out, p->pid, LNR_PT_INT64);
}

static int f_cmdline(struct ext_ctx *x, const struct enr_proc *p, struct fld_val *out)
{
	return put_str(out, cmdline(x, p, p->comm));
}

static int f_args(struct ext_ctx *x, const struct enr_proc *p, struct fld_val *out)
{
	return put_str(out, joined(x, &p->args, ' '));
}

static int f_env(struct ext_ctx *x, const struct enr_proc *p, struct fld_val *out)
{
	return put_str(out, joined(x, &p->env, ' '));
}

/* The process whose pid is pid (session or group leader), or NULL. */
static const struct enr_proc *by_pid(struct ext_ctx *x, int64_t pid)
{
	return pid > 0 ? thr_get_proc(st_threads(x->st), pid) : NULL;
}

static const char *root_dir(const struct enr_proc *p, char *buf, size_t n)
{
	/* A container's passwd lives under its root, seen through /proc/PID/root. */
	if (p->container_id[0] && p->pid > 0) {
		snprintf(buf, n, "/proc/%lld/root", (long long)p->pid);
		return buf;
	}
	return "/";
}

/* The event's "tuple" parameter as printed ("NULL" when absent), in scratch space. */
static int tuple_text(struct ext_ctx *x, struct fld_val *out)
{
	const struct lnr_evt_view *v = x->c->ev;
	int i = lnr_evt_param_index(v->info, "tuple");
	char *b = scratch(x, 4200);

	if (!b)
		return -ENOMEM;
	if (i < 0 || lnr_evt_param_format(v, (unsigned)i, b, 4200) < 0)
		b[0] = '\0';
	return put_str(out, b);
}

/*
 * fd.name of an fd event whose fd we do not have (it failed, or it is not
 * in the table): as libsinsp, the name the event tried to create (the
 * resolved path of an open, or the path as given for fd.nameraw; the tuple
 * of a connect or accept), else "".
 */
static int fdname_without_fd(struct ext_ctx *x, int raw, struct fld_val *out)
{
	const struct lnr_evt_view *v = x->c->ev;
	int i;

	switch (v->hdr->type) {
	case LNR_EVT_OPEN:
	case LNR_EVT_OPENAT:
	case LNR_EVT_OPENAT2:
	case LNR_EVT_CREAT:
		i = lnr_evt_param_index(v->info, "name");
		if (raw && i >= 0 && lnr_evt_get_str(v, (unsigned)i))
			return put_str(out, lnr_evt_get_str(v, (unsigned)i));
		return put_str(out, x->c->abspath);
	case LNR_EVT_CONNECT:
	case LNR_EVT_ACCEPT:
	case LNR_EVT_ACCEPT4:
		return tuple_text(x, out);
	default:
		return put_str(out, "");
	}
}

/* The other fd fields libsinsp gives without an fd: fd.directory and fd.typechar. */
static int fd_field_without_fd(struct ext_ctx *x, const struct fld_ref *f, struct fld_val *out)
{
	switch (f->id) {
	case FLD_FD_NAME:
	case FLD_FD_NAMERAW:
		return fdname_without_fd(x, f->id == FLD_FD_NAMERAW, out);
	case FLD_FD_DIRECTORY: {
		/* The creator's name up to its last '/', "/" when there is none */
		struct fld_val n;
		const char *slash;
		char *b;
		int r = fdname_without_fd(x, 0, &n);

		if (r <= 0)
			return r;
		slash = n.str.len ? memrchr(n.str.p, '/', n.str.len) : NULL;
		if (!slash || slash == n.str.p)
			return put_str(out, "/");
		if ((size_t)(slash - n.str.p) == n.str.len - 1) {
			*out = n; /* a trailing '/': the whole name, as libsinsp */
			return 1;
		}
		b = scratch(x, (size_t)(slash - n.str.p) + 1);
		if (!b)
			return -ENOMEM;
		memcpy(b, n.str.p, (size_t)(slash - n.str.p));
		b[slash - n.str.p] = '\0';
		return put_str(out, b);
	}
	case FLD_FD_TYPECHAR: {
		/* By what the event would have made (libsinsp; sockets say IPv4) */
		static const char *const tc[LNR_EVT_MAX] = {
			[LNR_EVT_OPEN] = "f",	      [LNR_EVT_OPENAT] = "f",
			[LNR_EVT_OPENAT2] = "f",      [LNR_EVT_CREAT] = "f",
			[LNR_EVT_SOCKET] = "4",	      [LNR_EVT_ACCEPT] = "4",
			[LNR_EVT_ACCEPT4] = "4",      [LNR_EVT_PIPE] = "p",
			[LNR_EVT_PIPE2] = "p",	      [LNR_EVT_EVENTFD] = "e",
			[LNR_EVT_EVENTFD2] = "e",     [LNR_EVT_SIGNALFD] = "s",
			[LNR_EVT_SIGNALFD4] = "s",    [LNR_EVT_TIMERFD_CREATE] = "t",
			[LNR_EVT_INOTIFY_INIT] = "i", [LNR_EVT_INOTIFY_INIT1] = "i",
		};
		const char *c = tc[x->c->ev->hdr->type];

		return put_str(out, c ? c : "o");
	}
	default:
		return 0;
	}
}

static int fd_field(struct ext_ctx *x, const struct fld_ref *f, struct fld_val *out, uint32_t max)
{
	const struct enr_fd *fd = x->c->fd;
	const struct lnr_evt_view *v = x->c->ev;
	int is_ip;
	int server_local;

	/* Only events that create, use or close an fd have fd fields (libsinsp). */
	if (v && v->info &&
	    !(v->info->flags & (LNR_EF_CREATES_FD | LNR_EF_USES_FD | LNR_EF_DESTROYS_FD)))
		return 0;
	if (f->id == FLD_FD_NUM)
		return x->c->fdnum >= 0 ? put_s64(out, x->c->fdnum, LNR_PT_INT64) : 0;
	if (v && v->info && !fd)
		return fd_field_without_fd(x, f, out);
	if (v && v->info && f->id == FLD_FD_NAME && v->hdr->type == LNR_EVT_CONNECT) {
		int64_t res = 0;
		int i = lnr_evt_param_index(v->info, "res");

		/* A connect that returned an error (EINPROGRESS too, as libsinsp)
		 * shows the tuple it tried; the fd keeps its name. */
		if (i >= 0 && lnr_evt_get_s64(v, (unsigned)i, &res) == 0 && res < 0)
			return tuple_text(x, out);
	}
	if (!fd)
		return 0;
	is_ip = fd->type == ENR_FD_IPV4 || fd->type == ENR_FD_IPV6;
	/* Local side is the server side when we accepted/listen. */
	server_local = (fd->flags & ENR_FDF_SERVER) != 0;
	switch (f->id) {
	case FLD_FD_TYPE:
		return put_str(out, enr_fd_typename(fd->type));
	case FLD_FD_TYPECHAR: {
		char *b = scratch(x, 2);

		if (!b)
			return -ENOMEM;
		b[0] = enr_fd_typechar(fd->type);
		b[1] = '\0';
		return put_str(out, b);
	}
	case FLD_FD_NAME:
		return put_str(out, fd->name);
	case FLD_FD_NAMERAW:
		return put_str(out, fd->nameraw ? fd->nameraw : fd->name);
	case FLD_FD_DIRECTORY:
	case FLD_FD_FILENAME: {
		const char *n = fd->name, *slash;
		char *b;

		if (!n || (fd->type != ENR_FD_FILE && fd->type != ENR_FD_DIRECTORY))
			return 0;
		slash = strrchr(n, '/');
		if (!slash)
			return put_str(out, f->id == FLD_FD_FILENAME ? n : "");
		if (f->id == FLD_FD_FILENAME)
			return put_str(out, slash + 1);
		if (slash == n)
			return put_str(out, "/");
		b = scratch(x, (size_t)(slash - n) + 1);
		if (!b)
			return -ENOMEM;
		memcpy(b, n, (size_t)(slash - n));
		b[slash - n] = '\0';
		return put_str(out, b);
	}
	case FLD_FD_IP:
	case FLD_FD_NET:
		if (!is_ip || max < 2)
			return 0;
		put_ip(&out[0], fd->family, fd->cip);
		put_ip(&out[1], fd->family, fd->sip);
		return 2;
	case FLD_FD_CIP_NAME:
	case FLD_FD_SIP_NAME:
	case FLD_FD_LIP_NAME:
	case FLD_FD_RIP_NAME: {
		/* Falco: connected IP sockets only; lip/rip by which side is local */
		const uint8_t *ip;
		struct fld_val v;

		if (!is_ip || !x->dns)
			return 0;
		if (f->id == FLD_FD_CIP_NAME)
			ip = fd->cip;
		else if (f->id == FLD_FD_SIP_NAME)
			ip = fd->sip;
		else if (f->id == FLD_FD_LIP_NAME)
			ip = server_local ? fd->sip : fd->cip;
		else
			ip = server_local ? fd->cip : fd->sip;
		put_ip(&v, fd->family, ip);
		return put_str(out, dns_name_of(x->dns, v.ip.family, v.ip.a));
	}
	case FLD_FD_CIP:
	case FLD_FD_CNET:
		return is_ip ? put_ip(out, fd->family, fd->cip) : 0;
	case FLD_FD_SIP:
	case FLD_FD_SNET:
		return is_ip ? put_ip(out, fd->family, fd->sip) : 0;
	case FLD_FD_LIP:
	case FLD_FD_LNET:
		return is_ip ? put_ip(out, fd->family, server_local ? fd->sip : fd->cip) : 0;
	case FLD_FD_RIP:
	case FLD_FD_RNET:
		return is_ip ? put_ip(out, fd->family, server_local ? fd->cip : fd->sip) : 0;
	case FLD_FD_PORT:
		if (!is_ip || max < 2)
			return 0;
		put_u64(&out[0], fd->cport, LNR_PT_PORT);
		put_u64(&out[1], fd->sport, LNR_PT_PORT);
		return 2;
	case FLD_FD_CPORT:
		return is_ip ? put_u64(out, fd->cport, LNR_PT_PORT) : 0;
	case FLD_FD_SPORT:
		return is_ip ? put_u64(out, fd->sport, LNR_PT_PORT) : 0;
	case FLD_FD_LPORT:
		return is_ip ? put_u64(out, server_local ? fd->sport : fd->cport, LNR_PT_PORT) : 0;
	case FLD_FD_RPORT:
		return is_ip ? put_u64(out, server_local ? fd->cport : fd->sport, LNR_PT_PORT) : 0;
	case FLD_FD_L4PROTO:
		if (!is_ip)
			return 0;
		return put_str(out, fd->l4proto == 6	? "tcp"
				    : fd->l4proto == 17 ? "udp"
				    : fd->l4proto == 1	? "icmp"
							: "unknown");
	case FLD_FD_SOCKFAMILY:
		if (is_ip)
			return put_str(out, "ip");
		if (fd->type == ENR_FD_UNIX)
			return put_str(out, "unix");
		return 0;
	case FLD_FD_IS_SERVER:
		return is_ip ? put_u64(out, server_local, LNR_PT_BOOL) : 0;
	case FLD_FD_CONNECTED:
		return put_u64(out, (fd->flags & ENR_FDF_CONNECTED) != 0, LNR_PT_BOOL);
	case FLD_FD_NAME_CHANGED:
		return put_u64(out, (fd->flags & ENR_FDF_NAME_CHANGED) != 0, LNR_PT_BOOL);
	case FLD_FD_DEV:
		return put_u64(out, fd->dev, LNR_PT_UINT32);
	case FLD_FD_DEV_MAJOR:
		return put_u64(out, fd->dev >> 20, LNR_PT_UINT32);
	case FLD_FD_DEV_MINOR:
		return put_u64(out, fd->dev & 0xfffff, LNR_PT_UINT32);
	case FLD_FD_INO:
		return put_u64(out, fd->ino, LNR_PT_UINT64);
	case FLD_FD_IS_UPPER_LAYER:
		return put_u64(out, (fd->open_flags & (1u << 15)) != 0, LNR_PT_BOOL);
	case FLD_FD_IS_LOWER_LAYER:
		return put_u64(out, (fd->open_flags & (1u << 16)) != 0, LNR_PT_BOOL);
	default:
		return 0; /* DNS names (fd.*.name) and the rest: not tracked */
	}
}

#include <fnmatch.h>

/* container.* metadata and k8s.* from the runtime's answer (none for the host). */
static int container_field(struct ext_ctx *x, const struct fld_ref *f, const struct enr_proc *p,
			   struct fld_val *out, uint32_t max)
{
	const struct rt_container *ct;

	if (!p->container_id[0]) {
		if (f->id == FLD_CONTAINER_PRIVILEGED)
			return put_u64(out, 0, LNR_PT_BOOL);
		return 0;
	}
	if (!x->rt)
		return 0;
	ct = rt_lookup(x->rt, p->container_id);
	if (!ct || ct->state != RT_DONE)
		return 0; /* not known yet: never wait for the runtime */
	switch (f->id) {
	case FLD_CONTAINER_NAME:
		return put_str(out, ct->name);
	case FLD_CONTAINER_IMAGE:
		return put_str(out, ct->image);
	case FLD_CONTAINER_IMAGE_ID:
		return put_str(out, ct->image_id);
	case FLD_CONTAINER_IMAGE_REPOSITORY:
		return put_str(out, ct->image_repository);
	case FLD_CONTAINER_IMAGE_TAG:
		return put_str(out, ct->image_tag);
	case FLD_CONTAINER_IMAGE_DIGEST:
		return put_str(out, ct->image_digest);
	case FLD_CONTAINER_PRIVILEGED:
		return ct->privileged < 0 ? 0 : put_u64(out, (uint64_t)ct->privileged, LNR_PT_BOOL);
	case FLD_CONTAINER_MOUNTS:
		return put_str(out, ct->mounts);
	case FLD_CONTAINER_MOUNT_DEST:
	case FLD_CONTAINER_MOUNT_SOURCE:
	case FLD_CONTAINER_MOUNT_MODE:
	case FLD_CONTAINER_MOUNT_RDWR:
	case FLD_CONTAINER_MOUNT_PROPAGATION:
		/* [N] selects by index, [glob] the first mount whose source or
		 * destination matches. */
		for (size_t i = 0; f->arg && i < ct->nmounts; i++) {
			const struct rt_mount *m = &ct->mount_list[i];
			int hit = f->index >= 0
					  ? (int64_t)i == f->index
					  : ((m->dest && fnmatch(f->arg, m->dest, 0) == 0) ||
					     (m->source && fnmatch(f->arg, m->source, 0) == 0));

			if (!hit)
				continue;
			switch (f->id) {
			case FLD_CONTAINER_MOUNT_DEST:
				return put_str(out, m->dest);
			case FLD_CONTAINER_MOUNT_SOURCE:
				return put_str(out, m->source);
			case FLD_CONTAINER_MOUNT_MODE:
				return put_str(out, m->mode);
			case FLD_CONTAINER_MOUNT_RDWR:
				return put_str(out, m->rw ? "true" : "false");
			default:
				return put_str(out, m->propagation);
			}
		}
		return 0;
	case FLD_CONTAINER_START_TS:
		return ct->start_ts ? put_u64(out, ct->start_ts, LNR_PT_ABSTIME) : 0;
	case FLD_CONTAINER_DURATION:
		return ct->start_ts && x->now_ns >= ct->start_ts
			       ? put_u64(out, x->now_ns - ct->start_ts, LNR_PT_RELTIME)
			       : 0;
	case FLD_CONTAINER_LABEL:
		for (size_t i = 0; f->arg && i < ct->nlabels; i++) {
			const char *l = ct->labels[i];

			if (strncmp(l, f->arg, f->arg_len) == 0 && l[f->arg_len] == ':')
				return put_str(out, l + f->arg_len + 1);
		}
		return 0;
	case FLD_CONTAINER_LABELS: {
		size_t tl = 1;
		char *b;

		for (size_t i = 0; i < ct->nlabels; i++)
			tl += strlen(ct->labels[i]) + 2;
		b = scratch(x, tl);
		if (!b)
			return -ENOMEM;
		b[0] = '\0';
		for (size_t i = 0; i < ct->nlabels; i++) {
			if (i)
				strcat(b, ", ");
			strcat(b, ct->labels[i]);
		}
		return put_str(out, b);
	}
	case FLD_K8S_POD_NAME:
		return put_str(out, ct->k8s_pod_name);
	case FLD_K8S_NS_NAME:
		return put_str(out, ct->k8s_ns_name);
	case FLD_K8S_POD_UID:
	case FLD_K8S_POD_ID:
		return put_str(out, ct->k8s_pod_uid);
	case FLD_K8S_POD_FULL_SANDBOX_ID:
		return put_str(out, ct->sandbox_id);
	case FLD_K8S_POD_SANDBOX_ID: {
		char *b;

		if (!ct->sandbox_id)
			return 0;
		b = scratch(x, 13);
		if (!b)
			return -ENOMEM;
		snprintf(b, 13, "%s", ct->sandbox_id);
		return put_str(out, b);
	}
	case FLD_CONTAINER_IP:
	case FLD_K8S_POD_IP:
		return put_str(out, ct->ip);
	case FLD_K8S_POD_LABEL:
		for (size_t i = 0; f->arg && i < ct->npod_labels; i++) {
			const char *l = ct->pod_labels[i];

			if (strncmp(l, f->arg, f->arg_len) == 0 && l[f->arg_len] == ':')
				return put_str(out, l + f->arg_len + 1);
		}
		return 0;
	case FLD_K8S_POD_LABELS: {
		/* as libsinsp: sorted "key:value" (just "key" for an empty value), without
		 * the kubelet's io.kubernetes.* and annotation.* keys, ", " between */
		size_t tl = 1, o = 0;
		char *b;

		if (!ct->pod_labels)
			return 0;
		for (size_t i = 0; i < ct->npod_labels; i++)
			tl += strlen(ct->pod_labels[i]) + 2;
		b = scratch(x, tl);
		if (!b)
			return -ENOMEM;
		b[0] = '\0';
		for (size_t i = 0; i < ct->npod_labels; i++) {
			const char *l = ct->pod_labels[i];
			size_t kl = strcspn(l, ":");

			if (strncmp(l, "io.kubernetes.", 14) == 0 ||
			    strncmp(l, "annotation.", 11) == 0)
				continue;
			o += (size_t)snprintf(b + o, tl - o, "%s%.*s", o ? ", " : "",
					      l[kl] && l[kl + 1] ? (int)strlen(l) : (int)kl, l);
		}
		return put_str(out, b);
	}
	default:
		(void)max;
		return 0;
	}
}

int ext_get(struct ext_ctx *x, const struct fld_ref *f, struct fld_val *out, uint32_t max)
{
	const struct st_ctx *c = x->c;
	const struct enr_proc *p = c ? c->proc : NULL;
	const struct enr_proc *q;
	char rootbuf[64];

	if (!p || max == 0)
		return 0;
	if (strncmp(f->info->name, "fd.", 3) == 0)
		return fd_field(x, f, out, max);

	switch (f->id) {
	case FLD_EVT_ABSPATH:
		return c->abspath[0] ? put_str(out, c->abspath) : 0;
	case FLD_EVT_NUM:
		return put_u64(out, c->num, LNR_PT_UINT64);
	/* process identity */
	case FLD_PROC_NAME:
		return put_str(out, thread_name(c));
	case FLD_PROC_EXE:
		return put_str(out, p->exe);
	case FLD_PROC_EXEPATH:
		return put_str(out, p->exepath);
	case FLD_PROC_ARGS:
		return put_str(out, joined(x, &p->args, ' '));
	case FLD_PROC_CMDLINE:
		return put_str(out, cmdline(x, p, thread_name(c)));
	case FLD_PROC_EXELINE:
		return put_str(out, cmdline(x, p, p->exe));
	case FLD_PROC_CMDNARGS: {
		uint64_t n = 0;

		for (uint32_t i = 0; i < p->args.len; i++)
			n += p->args.buf[i] == '\0';
		return put_u64(out, n, LNR_PT_UINT64);
	}
	case FLD_PROC_CMDLENARGS:
		return put_u64(out, p->args.len ? p->args.len - 1 : 0, LNR_PT_UINT64);
	case FLD_PROC_ENV:
		if (f->arg)
			return put_str(out, env_value(p, f->arg, f->arg_len));
		return put_str(out, joined(x, &p->env, ' '));
	case FLD_PROC_CWD:
		return put_str(out, p->cwd);
	case FLD_PROC_TTY:
		return put_u64(out, p->tty, LNR_PT_UINT32);
	case FLD_PROC_PID:
		return put_s64(out, p->pid, LNR_PT_INT64);
	case FLD_PROC_VPID:
		return put_s64(out, p->vpid, LNR_PT_INT64);
	case FLD_PROC_PPID:
		return p->ppid > 0 ? put_s64(out, p->ppid, LNR_PT_INT64) : 0;
	case FLD_PROC_PVPID:
		q = level(x, 1);
		return q ? put_s64(out, q->vpid, LNR_PT_INT64) : 0;
	case FLD_PROC_SID:
		return put_s64(out, p->sid, LNR_PT_INT64);
	case FLD_PROC_SNAME:
		q = by_pid(x, p->sid);
		return q ? put_str(out, q->comm) : 0;
	case FLD_PROC_SID_EXE:
		q = by_pid(x, p->sid);
		return q ? put_str(out, q->exe) : 0;
	case FLD_PROC_SID_EXEPATH:
		q = by_pid(x, p->sid);
		return q ? put_str(out, q->exepath) : 0;
	case FLD_PROC_VPGID:
		return put_s64(out, p->vpgid, LNR_PT_INT64);
	case FLD_PROC_PGID:
		return put_s64(out, p->pgid, LNR_PT_INT64);
	case FLD_PROC_VPGID_NAME:
	case FLD_PROC_PGID_NAME:
		q = by_pid(x, p->pgid);
		return q ? put_str(out, q->comm) : 0;
	case FLD_PROC_VPGID_EXE:
	case FLD_PROC_PGID_EXE:
		q = by_pid(x, p->pgid);
		return q ? put_str(out, q->exe) : 0;
	case FLD_PROC_VPGID_EXEPATH:
	case FLD_PROC_PGID_EXEPATH:
		q = by_pid(x, p->pgid);
		return q ? put_str(out, q->exepath) : 0;
	case FLD_PROC_IS_SID_LEADER:
		return put_u64(out, p->sid == p->vpid, LNR_PT_BOOL);
	case FLD_PROC_IS_VPGID_LEADER:
		return put_u64(out, p->vpgid == p->vpid, LNR_PT_BOOL);
	case FLD_PROC_IS_PGID_LEADER:
		return put_u64(out, p->pgid == p->pid, LNR_PT_BOOL);
	case FLD_PROC_DURATION:
		return p->start_ts && x->now_ns >= p->start_ts
			       ? put_u64(out, x->now_ns - p->start_ts, LNR_PT_RELTIME)
			       : 0;
	case FLD_PROC_PPID_DURATION:
		q = level(x, 1);
		return q && q->start_ts && x->now_ns >= q->start_ts
			       ? put_u64(out, x->now_ns - q->start_ts, LNR_PT_RELTIME)
			       : 0;
	case FLD_PROC_PID_TS:
		return put_u64(out, p->start_ts, LNR_PT_ABSTIME);
	case FLD_PROC_PPID_TS:
		q = level(x, 1);
		return q ? put_u64(out, q->start_ts, LNR_PT_ABSTIME) : 0;
	case FLD_PROC_IS_EXE_WRITABLE:
		return put_u64(out, (p->flags & ENR_PF_EXE_WRITABLE) != 0, LNR_PT_BOOL);
	case FLD_PROC_IS_EXE_UPPER_LAYER:
		return put_u64(out, (p->flags & ENR_PF_EXE_UPPER_LAYER) != 0, LNR_PT_BOOL);
	case FLD_PROC_IS_EXE_LOWER_LAYER:
		return put_u64(out, 0, LNR_PT_BOOL);
	case FLD_PROC_IS_EXE_FROM_MEMFD:
		return put_u64(out, (p->flags & ENR_PF_EXE_FROM_MEMFD) != 0, LNR_PT_BOOL);
	case FLD_PROC_EXE_INO:
		return put_u64(out, p->exe_ino, LNR_PT_UINT64);
	case FLD_PROC_EXE_INO_CTIME:
		return put_u64(out, p->exe_ino_ctime, LNR_PT_ABSTIME);
	case FLD_PROC_EXE_INO_MTIME:
		return put_u64(out, p->exe_ino_mtime, LNR_PT_ABSTIME);
	case FLD_PROC_EXE_INO_CTIME_DURATION_PROC_START:
		return p->exe_ino_ctime && p->start_ts >= p->exe_ino_ctime
			       ? put_u64(out, p->start_ts - p->exe_ino_ctime, LNR_PT_ABSTIME)
			       : 0;
	case FLD_PROC_EXE_INO_CTIME_DURATION_PIDNS_START:
		return p->exe_ino_ctime && p->pidns_init_start_ts >= p->exe_ino_ctime
			       ? put_u64(out, p->pidns_init_start_ts - p->exe_ino_ctime,
					 LNR_PT_ABSTIME)
			       : 0;
	case FLD_PROC_PIDNS_INIT_START_TS:
		return put_u64(out, p->pidns_init_start_ts, LNR_PT_UINT64);
	case FLD_PROC_FDOPENCOUNT:
		return put_u64(out, fdt_count(p->fds), LNR_PT_UINT64);
	case FLD_PROC_FDLIMIT:
		return put_s64(out, (int64_t)p->fdlimit, LNR_PT_INT64);
	case FLD_PROC_NTHREADS:
		return put_u64(out, (uint64_t)p->refs, LNR_PT_UINT64);
	case FLD_PROC_NCHILDS:
		return put_u64(out, p->nchildren, LNR_PT_UINT64);
	/* parents and ancestors */
	case FLD_PROC_PNAME:
		q = level(x, 1);
		return q ? put_str(out, q->comm) : 0;
	case FLD_PROC_PEXE:
		q = level(x, 1);
		return q ? put_str(out, q->exe) : 0;
	case FLD_PROC_PEXEPATH:
		q = level(x, 1);
		return q ? put_str(out, q->exepath) : 0;
	case FLD_PROC_PCMDLINE:
		q = level(x, 1);
		return q ? put_str(out, cmdline(x, q, q->comm)) : 0;
	case FLD_PROC_ANAME:
		return ancestors(x, f, f_name, out, max);
	case FLD_PROC_AEXE:
		return ancestors(x, f, f_exe, out, max);
	case FLD_PROC_AEXEPATH:
		return ancestors(x, f, f_exepath, out, max);
	case FLD_PROC_APID:
		return ancestors(x, f, f_pid, out, max);
	case FLD_PROC_ACMDLINE:
		return ancestors(x, f, f_cmdline, out, max);
	case FLD_PROC_AARGS:
		return ancestors(x, f, f_args, out, max);
	case FLD_PROC_AENV:
		return ancestors(x, f, f_env, out, max);
	/* threads */
	case FLD_THREAD_TID:
		return put_s64(out, c->thread->tid, LNR_PT_INT64);
	case FLD_THREAD_VTID:
		return put_s64(out, c->thread->vtid, LNR_PT_INT64);
	case FLD_THREAD_ISMAIN:
		return put_u64(out, c->thread->tid == p->pid, LNR_PT_BOOL);
	case FLD_THREAD_NAMETID: {
		char *b = scratch(x, sizeof(p->comm) + 24);

		if (!b)
			return -ENOMEM;
		snprintf(b, sizeof(p->comm) + 24, "%s%lld", thread_name(c),
			 (long long)c->thread->tid);
		return put_str(out, b);
	}
	case FLD_THREAD_CAP_PERMITTED:
	case FLD_THREAD_CAP_INHERITABLE:
	case FLD_THREAD_CAP_EFFECTIVE: {
		uint64_t caps = f->id == FLD_THREAD_CAP_PERMITTED     ? p->cap_permitted
				: f->id == FLD_THREAD_CAP_INHERITABLE ? p->cap_inheritable
								      : p->cap_effective;
		unsigned k = f->id == FLD_THREAD_CAP_PERMITTED	   ? 0
			     : f->id == FLD_THREAD_CAP_INHERITABLE ? 1
								   : 2;
		/* the text kept while the value stays the same (most events come
		 * from processes with the same capabilities); one per field so
		 * the three values of one event never share a buffer */
		static _Thread_local struct {
			uint64_t caps;
			int valid;
			char txt[1024];
		} memo[3];

		if (!memo[k].valid || memo[k].caps != caps) {
			ext_caps_str(caps, memo[k].txt, sizeof(memo[k].txt));
			memo[k].caps = caps;
			memo[k].valid = 1;
		}
		return put_str(out, memo[k].txt);
	}
	case FLD_THREAD_CGROUPS:
		return put_str(out, joined(x, &p->cgroups, ' '));
	case FLD_THREAD_CGROUP:
		for (uint32_t i = 0; f->arg && p->cgroups.buf && i < p->cgroups.len;) {
			const char *item = p->cgroups.buf + i;
			size_t l = strlen(item);

			if (l > f->arg_len && strncmp(item, f->arg, f->arg_len) == 0 &&
			    item[f->arg_len] == '=')
				return put_str(out, item + f->arg_len + 1);
			i += (uint32_t)l + 1;
		}
		return 0;
	/* users and groups */
	case FLD_USER_UID:
		return put_u64(out, ev_uid(c), LNR_PT_UINT32);
	case FLD_USER_LOGINUID:
		return put_s64(out, p->loginuid == UINT32_MAX ? -1 : (int64_t)p->loginuid,
			       LNR_PT_INT64);
	case FLD_USER_NAME:
	case FLD_USER_HOMEDIR:
	case FLD_USER_SHELL: {
		const struct usr_user *u =
			usr_lookup_user(st_users(x->st), root_dir(p, rootbuf, sizeof(rootbuf)),
					ev_uid(c), x->now_ns);

		if (!u)
			return 0;
		return put_str(out, f->id == FLD_USER_NAME	? u->name
				    : f->id == FLD_USER_HOMEDIR ? u->homedir
								: u->shell);
	}
	case FLD_USER_LOGINNAME: {
		const struct usr_user *u;

		if (p->loginuid == UINT32_MAX)
			return 0;
		u = usr_lookup_user(st_users(x->st), root_dir(p, rootbuf, sizeof(rootbuf)),
				    p->loginuid, x->now_ns);
		return u ? put_str(out, u->name) : 0;
	}
	case FLD_GROUP_GID:
		return put_u64(out, ev_gid(c), LNR_PT_UINT32);
	case FLD_GROUP_NAME: {
		const struct usr_group *g =
			usr_lookup_group(st_users(x->st), root_dir(p, rootbuf, sizeof(rootbuf)),
					 ev_gid(c), x->now_ns);

		return g ? put_str(out, g->name) : 0;
	}
	/* containers: the host, or what the cgroup says */
	case FLD_CONTAINER_ID:
		if (!p->container_id[0])
			return put_str(out, "host");
		{
			char *b = scratch(x, 13);

			if (!b)
				return -ENOMEM;
			memcpy(b, p->container_id, 12);
			b[12] = '\0';
			return put_str(out, b);
		}
	case FLD_CONTAINER_FULL_ID:
		return put_str(out, p->container_id[0] ? p->container_id : "host");
	case FLD_CONTAINER_NAME:
		/* a container's name is the runtime's */
		return p->container_id[0] ? container_field(x, f, p, out, max)
					  : put_str(out, "host");
	case FLD_CONTAINER_TYPE: {
		char id[80];

		return put_str(out,
			       ctr_runtime_name(ctr_id_from_cgroups(&p->cgroups, id, sizeof(id))));
	}
	default:
		return container_field(x, f, p, out, max);
	}
}
