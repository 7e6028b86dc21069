/* col_write.c: live records into a .scap capture, with the state of /proc, users and interfaces first. */
#include "col_write.h"

#include <errno.h>
#include <grp.h>
#include <ifaddrs.h>
#include <net/if.h>
#include <netinet/in.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "fds.h"
#include "ppm.h"
#include "procfs.h"
#include "scap_writer.h"
#include "threads.h"

struct col_write {
	struct col_write_opts o;
	struct scap_writer *w; /* NULL until col_write_start() */
	int err;	       /* first write error, sticky */
	struct col_write_stats st;
};

/* Enough for any host: the writer keeps what it is given in memory until the
 * first event, and the lists are one block each (at most 64 MiB). */
#define COL_WRITE_MAX_THREADS 262144

static const char *nz(const char *s)
{
	return s ? s : "";
}

static void thread_seed(const struct enr_thread *th, struct scap_thread_seed *t)
{
	const struct enr_proc *p = th->proc;

	memset(t, 0, sizeof(*t));
	t->tid = th->tid;
	t->pid = p->pid;
	t->ptid = p->ppid;
	t->sid = p->sid;
	t->vpgid = p->vpgid;
	t->vtid = th->vtid > 0 ? th->vtid : th->tid;
	t->vpid = p->vpid > 0 ? p->vpid : p->pid;
	t->comm = p->comm;
	t->exe = nz(p->exe);
	t->exepath = nz(p->exepath);
	t->cwd = nz(p->cwd);
	t->root = p->root ? p->root : "/";
	t->args = p->args.buf;
	t->args_len = p->args.len;
	t->env = p->env.buf;
	t->env_len = p->env.len;
	t->cgroups = p->cgroups.buf;
	t->cgroups_len = p->cgroups.len;
	t->fdlimit = p->fdlimit;
	/* As libscap's /proc scan marks the other threads of a process: they
	 * share its fd table (which is written once, with the main thread). */
	t->flags = th->tid != p->pid ? PPM_CL_CLONE_THREAD | PPM_CL_CLONE_FILES : 0;
	t->uid = p->uid;
	t->gid = p->gid;
	t->loginuid = (int32_t)p->loginuid;
	t->exe_writable = (p->flags & ENR_PF_EXE_WRITABLE) != 0;
	t->cap_inheritable = p->cap_inheritable;
	t->cap_permitted = p->cap_permitted;
	t->cap_effective = p->cap_effective;
	t->block_type = 0;
}

/* libscap's fd type for ours. sysdig 0.29 knows types up to FILE_V2 (16)
 * and refuses a capture with a newer one, so the newer kinds are written as
 * it would have seen them: a memfd as a file, the rest as "unsupported". */
static uint8_t fd_type(const struct enr_fd *f)
{
	switch (f->type) {
	case ENR_FD_FILE:
	case ENR_FD_MEMFD:
		return SCAP_FDT_FILE_V2;
	case ENR_FD_DIRECTORY:
		return SCAP_FDT_DIRECTORY;
	case ENR_FD_IPV4:
		return (f->flags & ENR_FDF_SERVER) && !(f->flags & ENR_FDF_CONNECTED)
			       ? SCAP_FDT_IPV4_SERVSOCK
			       : SCAP_FDT_IPV4_SOCK;
	case ENR_FD_IPV6:
		return (f->flags & ENR_FDF_SERVER) && !(f->flags & ENR_FDF_CONNECTED)
			       ? SCAP_FDT_IPV6_SERVSOCK
			       : SCAP_FDT_IPV6_SOCK;
	case ENR_FD_UNIX:
		return SCAP_FDT_UNIX_SOCK;
	case ENR_FD_PIPE:
		return SCAP_FDT_FIFO;
	case ENR_FD_EVENT:
		return SCAP_FDT_EVENT;
	case ENR_FD_SIGNALFD:
		return SCAP_FDT_SIGNALFD;
	case ENR_FD_EVENTPOLL:
		return SCAP_FDT_EVENTPOLL;
	case ENR_FD_INOTIFY:
		return SCAP_FDT_INOTIFY;
	case ENR_FD_TIMERFD:
		return SCAP_FDT_TIMERFD;
	case ENR_FD_NETLINK:
		return SCAP_FDT_NETLINK;
	case ENR_FD_UNKNOWN:
		return SCAP_FDT_UNKNOWN;
	default:
		return SCAP_FDT_UNSUPPORTED;
	}
}

static void fd_seed(int64_t tid, const struct enr_fd *f, struct scap_fd_seed *s)
{
	memset(s, 0, sizeof(*s));
	s->tid = tid;
	s->fd = f->fd;
	s->ino = f->ino;
	s->type = fd_type(f);
	s->open_flags = f->open_flags;
	s->dev = f->dev;
	s->name = nz(f->name);
	/* libscap's scap_l4_proto: TCP 2, UDP 3, ICMP 4, unknown 0 */
	s->l4proto = f->l4proto == IPPROTO_TCP	  ? 2
		     : f->l4proto == IPPROTO_UDP  ? 3
		     : f->l4proto == IPPROTO_ICMP ? 4
						  : 0;
	switch (s->type) {
	case SCAP_FDT_IPV4_SOCK:
	case SCAP_FDT_IPV6_SOCK:
		/* scap: source = the client end, destination = the server end. */
		memcpy(s->sip, f->cip, 16);
		memcpy(s->dip, f->sip, 16);
		s->sport = f->cport;
		s->dport = f->sport;
		break;
	case SCAP_FDT_IPV4_SERVSOCK:
	case SCAP_FDT_IPV6_SERVSOCK:
		memcpy(s->sip, f->sip, 16);
		s->sport = f->sport;
		break;
	default:
		break;
	}
}

static int write_threads(struct col_write *cw, struct scap_writer *w, const char *proc_dir)
{
	struct thread_table *t = thr_table_new(COL_WRITE_MAX_THREADS);
	struct procfs_opts po = {.proc_dir = proc_dir, .with_fds = 1};
	struct enr_thread *th;
	size_t pos = 0;
	int rc;

	if (!t)
		return -ENOMEM;
	rc = procfs_scan(t, &po, NULL);
	while (rc == 0 && thr_next(t, &pos, &th)) {
		struct scap_thread_seed ts;

		thread_seed(th, &ts);
		rc = scap_writer_thread(w, &ts);
		if (rc == 0 && cw)
			cw->st.threads++;
	}
	/* The fds after all threads, one list per process (its main thread). */
	pos = 0;
	while (rc == 0 && thr_next(t, &pos, &th)) {
		struct enr_fd *f;
		size_t fpos = 0;

		if (th->tid != th->proc->pid || !th->proc->fds)
			continue;
		while (rc == 0 && fdt_next(th->proc->fds, &fpos, &f)) {
			struct scap_fd_seed fs;

			fd_seed(th->tid, f, &fs);
			rc = scap_writer_fd(w, &fs);
			if (rc == 0 && cw)
				cw->st.fds++;
		}
	}
	thr_table_free(t);
	return rc;
}

static int write_users(struct col_write *cw, struct scap_writer *w)
{
	struct passwd *pw;
	struct group *gr;
	int rc = 0;

	setpwent();
	while (rc == 0 && (pw = getpwent()) != NULL) {
		struct scap_user_seed u = {.uid = pw->pw_uid,
					   .gid = pw->pw_gid,
					   .name = nz(pw->pw_name),
					   .homedir = nz(pw->pw_dir),
					   .shell = nz(pw->pw_shell)};

		rc = scap_writer_user(w, &u);
		if (rc == 0 && cw)
			cw->st.users++;
	}
	endpwent();
	setgrent();
	while (rc == 0 && (gr = getgrent()) != NULL) {
		struct scap_user_seed g = {.is_group = 1,
					   .gid = gr->gr_gid,
					   .name = nz(gr->gr_name),
					   .homedir = "",
					   .shell = ""};

		rc = scap_writer_user(w, &g);
		if (rc == 0 && cw)
			cw->st.users++;
	}
	endgrent();
	return rc;
}

static int write_ifaces(struct col_write *cw, struct scap_writer *w)
{
	struct ifaddrs *ifs, *i;
	int rc = 0;

	if (getifaddrs(&ifs) != 0)
		return 0; /* no interface list: sysdig names 0.0.0.0 ends less well */
	for (i = ifs; rc == 0 && i; i = i->ifa_next) {
		struct scap_iface_seed s;

		if (!i->ifa_addr || !i->ifa_name)
			continue;
		memset(&s, 0, sizeof(s));
		s.name = i->ifa_name;
		if (i->ifa_addr->sa_family == AF_INET) {
			s.type = 1;
			memcpy(s.addr, &((struct sockaddr_in *)i->ifa_addr)->sin_addr, 4);
			if (i->ifa_netmask)
				memcpy(s.netmask, &((struct sockaddr_in *)i->ifa_netmask)->sin_addr,
				       4);
			if ((i->ifa_flags & IFF_BROADCAST) && i->ifa_broadaddr)
				memcpy(s.bcast, &((struct sockaddr_in *)i->ifa_broadaddr)->sin_addr,
				       4);
		} else if (i->ifa_addr->sa_family == AF_INET6) {
			s.type = 2;
			memcpy(s.addr, &((struct sockaddr_in6 *)i->ifa_addr)->sin6_addr, 16);
			if (i->ifa_netmask)
				memcpy(s.netmask,
				       &((struct sockaddr_in6 *)i->ifa_netmask)->sin6_addr, 16);
		} else {
			continue;
		}
		rc = scap_writer_iface(w, &s);
		if (rc == 0 && cw)
			cw->st.ifaces++;
	}
	freeifaddrs(ifs);
	return rc;
}

int col_write_seeds(void *ctx, struct scap_writer *w)
{
	struct col_write *cw = ctx;
	int rc;

	rc = write_ifaces(cw, w);
	if (rc == 0)
		rc = write_threads(cw, w, cw ? cw->o.proc_dir : NULL);
	if (rc == 0)
		rc = write_users(cw, w);
	return rc;
}

int col_write_parse_opt(struct col_write_opts *o, int opt, const char *arg, char *err,
			size_t errlen)
{
	char *end = NULL;
	double v = 0;

	if (opt == 0x100) {
		o->path = arg;
		return 0;
	}
	if (opt == 0x101) {
		o->gzip_level = 6;
		return 0;
	}
	errno = 0;
	v = strtod(arg, &end);
	if (errno || end == arg || *end || !(v > 0) || v > 1e9) {
		snprintf(err, errlen, "bad value '%s' (a positive number)", arg);
		return -EINVAL;
	}
	switch (opt) {
	case 0x102:
		o->file_bytes = (uint64_t)(v * 1e6);
		return 0;
	case 0x103:
		o->file_ns = (uint64_t)(v * 1e9);
		return 0;
	case 0x104:
		if (v != (unsigned)v) {
			snprintf(err, errlen, "bad file count '%s'", arg);
			return -EINVAL;
		}
		o->max_files = (unsigned)v;
		return 0;
	default:
		snprintf(err, errlen, "unknown option");
		return -EINVAL;
	}
}

struct col_write *col_write_new(const struct col_write_opts *o)
{
	struct col_write *cw = calloc(1, sizeof(*cw));

	if (!cw)
		return NULL;
	cw->o = *o;
	return cw;
}

int col_write_start(struct col_write *cw, char *err, size_t errlen)
{
	const struct col_write_opts *o = &cw->o;
	struct scap_writer_opts wo = {0};
	int rc;

	if (!o->path) {
		snprintf(err, errlen, "no capture file given");
		return -EINVAL;
	}
	if (o->max_files && !o->file_bytes && !o->file_ns) {
		snprintf(err, errlen, "--file-limit needs --file-size or --file-duration");
		return -EINVAL;
	}
	wo.path = o->path;
	wo.gzip_level = o->gzip_level;
	wo.max_bytes = o->file_bytes;
	wo.max_ns = o->file_ns;
	wo.max_files = o->max_files;
	wo.seeds = col_write_seeds;
	wo.seeds_ctx = cw;
	cw->w = scap_writer_open_opts(&wo);
	if (!cw->w) {
		rc = -errno;
		snprintf(err, errlen, "cannot create capture %s: %s", o->path, strerror(-rc));
		return rc;
	}
	rc = col_write_seeds(cw, cw->w);
	if (rc != 0) {
		snprintf(err, errlen, "capture %s: writing the process, fd and user lists: %s",
			 o->path, strerror(rc < 0 ? -rc : EIO));
		scap_writer_close(cw->w);
		cw->w = NULL;
		return rc < 0 ? rc : -EIO;
	}
	return 0;
}

int col_write_sink(const void *rec, size_t len, void *arg)
{
	struct col_write *cw = arg;
	const struct lnr_evt_hdr *h = rec;
	int rc;

	if (cw->err)
		return cw->err;
	if (!cw->w || len < sizeof(*h) ||
	    (cw->o.max_events && cw->st.records >= cw->o.max_events) ||
	    (cw->o.pid >= 0 && h->pid != cw->o.pid && h->tid != cw->o.pid)) {
		cw->st.filtered++;
		return 0;
	}
	rc = scap_writer_event(cw->w, rec, (uint32_t)len);
	if (rc == -EINVAL)
		return 0; /* an invalid record: counted by the writer, the capture goes on */
	if (rc < 0)
		return cw->err = rc;
	/* Records the writer has no scap code for are not in the file: not counted. */
	cw->st.records = scap_writer_stats(cw->w)->events;
	if (cw->o.max_events && cw->st.records >= cw->o.max_events && cw->o.stop)
		*cw->o.stop = 1;
	return 0;
}

int col_write_close(struct col_write *cw, struct col_write_stats *st)
{
	int rc;

	if (!cw)
		return 0;
	if (st) {
		*st = cw->st;
		if (cw->w) {
			const struct scap_writer_stats *ws = scap_writer_stats(cw->w);

			st->skipped = ws->skipped;
			st->files = ws->files;
			st->bytes = ws->bytes;
			/* records it had no scap code for are not in the file */
			st->records = ws->events;
		}
	}
	rc = scap_writer_close(cw->w);
	if (rc == 0)
		rc = cw->err;
	free(cw);
	return rc;
}
