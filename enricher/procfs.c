/* procfs.c: reads /proc into the thread table (threads, credentials, namespaces, fds). */
#include "procfs.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "container.h"
#include "fds.h"
#include "i64map.h"

#define PROCFS_PATH_MAX 4096

static const char *procdir(const struct procfs_opts *o)
{
	return o && o->proc_dir ? o->proc_dir : "/proc";
}

/* dir + suffix into out (n bytes); an over-long result is cut (then fails to open). */
static void path_cat(char *out, size_t n, const char *dir, const char *suffix)
{
	size_t dl = strnlen(dir, n - 1);
	size_t sl = strnlen(suffix, n - 1 - dl);

	memcpy(out, dir, dl);
	memcpy(out + dl, suffix, sl);
	out[dl + sl] = '\0';
}

/* Reads a whole small file into buf (NUL-terminated). Returns bytes read or -errno. */
static ssize_t read_file(const char *path, char *buf, size_t n)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	size_t off = 0;

	if (fd < 0)
		return -errno;
	while (off + 1 < n) {
		ssize_t r = read(fd, buf + off, n - 1 - off);

		if (r < 0) {
			if (errno == EINTR)
				continue;
			r = -errno;
			close(fd);
			return r;
		}
		if (r == 0)
			break;
		off += (size_t)r;
	}
	close(fd);
	buf[off] = '\0';
	return (ssize_t)off;
}

/* readlink into buf, NUL-terminated; returns length or -errno. */
static ssize_t read_link(const char *path, char *buf, size_t n)
{
	ssize_t r = readlink(path, buf, n - 1);

	if (r < 0)
		return -errno;
	buf[r] = '\0';
	return r;
}

uint64_t procfs_boot_time_ns(const char *proc_dir)
{
	char path[PROCFS_PATH_MAX], buf[8192];
	char *p;

	snprintf(path, sizeof(path), "%s/stat", proc_dir ? proc_dir : "/proc");
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return 0;
	p = strstr(buf, "\nbtime ");
	if (!p)
		return 0;
	return strtoull(p + 7, NULL, 10) * 1000000000ULL;
}

/* Fields of /proc/PID/task/TID/stat after the comm (which may hold spaces and ')'). */
struct stat_fields {
	char comm[17];
	int64_t ppid, pgrp, session;
	uint32_t tty;
	uint64_t starttime; /* clock ticks since boot */
};

static int parse_stat(const char *buf, struct stat_fields *sf)
{
	const char *l = strchr(buf, '(');
	const char *r = strrchr(buf, ')');
	char state;
	long long ppid, pgrp, session;
	int tty;
	unsigned long long start;
	size_t clen;

	if (!l || !r || r < l)
		return -EINVAL;
	clen = (size_t)(r - l - 1);
	if (clen >= sizeof(sf->comm))
		clen = sizeof(sf->comm) - 1;
	memcpy(sf->comm, l + 1, clen);
	sf->comm[clen] = '\0';
	/* state ppid pgrp session tty_nr tpgid flags minflt cminflt majflt cmajflt
	 * utime stime cutime cstime priority nice num_threads itrealvalue starttime */
	if (sscanf(r + 2,
		   "%c %lld %lld %lld %d %*d %*u %*u %*u %*u %*u %*u %*u %*d %*d %*d %*d %*d %*d "
		   "%llu",
		   &state, &ppid, &pgrp, &session, &tty, &start) != 6)
		return -EINVAL;
	sf->ppid = ppid;
	sf->pgrp = pgrp;
	sf->session = session;
	sf->tty = (uint32_t)tty;
	sf->starttime = start;
	return 0;
}

/* A "Key:\tvalue" line of /proc/PID/status, or NULL. */
static const char *status_field(const char *status, const char *key)
{
	size_t kl = strlen(key);
	const char *p = status;

	while (p && *p) {
		if (strncmp(p, key, kl) == 0 && p[kl] == ':')
			return p + kl + 1;
		p = strchr(p, '\n');
		if (p)
			p++;
	}
	return NULL;
}

/* The last number of a whitespace-separated list (NSpid: innermost namespace). */
static int64_t last_number(const char *s)
{
	int64_t v = -1;

	while (s && *s && *s != '\n') {
		char *end;
		long long x;

		while (*s == ' ' || *s == '\t')
			s++;
		if (!isdigit((unsigned char)*s))
			break;
		x = strtoll(s, &end, 10);
		v = x;
		s = end;
	}
	return v;
}

static void parse_status(const char *st, struct enr_proc *p, int64_t *vtid)
{
	const char *f;

	if ((f = status_field(st, "Uid")))
		sscanf(f, "%u %u", &p->ruid, &p->uid);
	if ((f = status_field(st, "Gid")))
		sscanf(f, "%u %u", &p->rgid, &p->gid);
	if ((f = status_field(st, "CapInh")))
		p->cap_inheritable = strtoull(f, NULL, 16);
	if ((f = status_field(st, "CapPrm")))
		p->cap_permitted = strtoull(f, NULL, 16);
	if ((f = status_field(st, "CapEff")))
		p->cap_effective = strtoull(f, NULL, 16);
	if ((f = status_field(st, "NStgid")))
		p->vpid = last_number(f);
	if ((f = status_field(st, "NSpgid")))
		p->vpgid = last_number(f);
	if (vtid && (f = status_field(st, "NSpid")))
		*vtid = last_number(f);
}

/* /proc/PID/cgroup lines "ID:controllers:path" -> "controller=path" items. */
static void read_cgroups(const char *dir, struct enr_proc *p)
{
	char path[PROCFS_PATH_MAX], buf[8192], out[8192];
	size_t o = 0;
	char *line, *save = NULL;

	path_cat(path, sizeof(path), dir, "/cgroup");
	if (read_file(path, buf, sizeof(buf)) <= 0)
		return;
	for (line = strtok_r(buf, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
		char *c1 = strchr(line, ':');
		char *c2 = c1 ? strchr(c1 + 1, ':') : NULL;
		const char *ctl;
		int n;

		if (!c2)
			continue;
		*c2 = '\0';
		ctl = c1[1] ? c1 + 1 : "unified"; /* cgroup v2: empty controller list */
		n = snprintf(out + o, sizeof(out) - o, "%s=%s", ctl, c2 + 1);
		if (n < 0 || (size_t)n >= sizeof(out) - o)
			break;
		o += (size_t)n + 1; /* keep the NUL as separator */
	}
	if (o)
		enr_strv_set(&p->cgroups, out, o, 0);
	ctr_id_from_cgroups(&p->cgroups, p->container_id, sizeof(p->container_id));
}

/* Socket inode -> description, from /proc/net tables. */
struct sockinfo {
	uint64_t ino;
	uint16_t family;
	uint8_t l4proto;
	uint8_t lip[16], rip[16];
	uint16_t lport, rport;
	int listening;
	char *path; /* unix sockets */
};

/* The sockets of one network namespace, indexed by inode. */
struct socktab {
	uint64_t netns;	    /* inode of the namespace (0: the reader's own, unknown) */
	uint64_t loaded_ns; /* CLOCK_MONOTONIC of the read; 0: never read */
	struct sockinfo *v;
	size_t n, cap;
	struct i64map *idx; /* inode -> index + 1 */
};

/* Network namespaces with a table kept at most; the least recently read goes. */
#define PROCFS_MAX_NETNS 64

struct procfs_cache {
	uint64_t max_age_ns, miss_reload_ns;
	uint64_t fresh_after; /* tables read before this are stale (set by a scan) */
	struct socktab *ns[PROCFS_MAX_NETNS];
	size_t nns;
	uint64_t boot_ns;
	int have_boot;
	struct procfs_cache_stats st;
};

static uint64_t mono_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ULL + (uint64_t)ts.tv_nsec;
}

static void socktab_clear(struct socktab *t)
{
	for (size_t i = 0; i < t->n; i++)
		free(t->v[i].path);
	t->n = 0;
	i64map_free(t->idx);
	t->idx = NULL;
}

static void socktab_free(struct socktab *t)
{
	if (!t)
		return;
	socktab_clear(t);
	free(t->v);
	free(t);
}

struct procfs_cache *procfs_cache_new(unsigned max_age_ms, unsigned miss_reload_ms)
{
	struct procfs_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->max_age_ns = (uint64_t)(max_age_ms ? max_age_ms : 2000) * 1000000ULL;
	c->miss_reload_ns = (uint64_t)(miss_reload_ms ? miss_reload_ms : 250) * 1000000ULL;
	return c;
}

void procfs_cache_free(struct procfs_cache *c)
{
	if (!c)
		return;
	for (size_t i = 0; i < c->nns; i++)
		socktab_free(c->ns[i]);
	free(c);
}

void procfs_cache_get_stats(const struct procfs_cache *c, struct procfs_cache_stats *out)
{
	*out = c->st;
	out->netns = c->nns;
}

static void socktab_push(struct socktab *t, const struct sockinfo *s)
{
	if (t->n == t->cap) {
		size_t nc = t->cap ? t->cap * 2 : 256;
		struct sockinfo *nv = realloc(t->v, nc * sizeof(*nv));

		if (!nv) {
			free(s->path);
			return;
		}
		t->v = nv;
		t->cap = nc;
	}
	t->v[t->n++] = *s;
}

static void hex_addr(const char *h, uint8_t *out, int v6)
{
	/* /proc/net/tcp prints each 32-bit word in host order as 8 hex digits. */
	int words = v6 ? 4 : 1;

	for (int w = 0; w < words; w++) {
		char tmp[9];
		uint32_t x;

		memcpy(tmp, h + 8 * w, 8);
		tmp[8] = '\0';
		x = (uint32_t)strtoul(tmp, NULL, 16);
		memcpy(out + 4 * w, &x, 4);
	}
}

/* A /proc/net file opened with a large buffer: every read() of these files
 * makes the kernel find its place in the socket hash again, so fewer, larger
 * reads cost less. */
static FILE *open_net(const char *netdir, const char *file, char *vbuf, size_t vlen)
{
	char path[PROCFS_PATH_MAX];
	FILE *f;

	snprintf(path, sizeof(path), "%s/%s", netdir, file);
	f = fopen(path, "re");
	if (f)
		setvbuf(f, vbuf, _IOFBF, vlen);
	return f;
}

static void load_inet(struct socktab *t, const char *netdir, const char *file, uint16_t fam,
		      uint8_t proto, char *vbuf, size_t vlen)
{
	char line[512];
	FILE *f = open_net(netdir, file, vbuf, vlen);

	if (!f)
		return;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		char la[40], ra[40];
		unsigned lp, rp, st;
		unsigned long long ino;
		struct sockinfo s = {0};

		if (sscanf(line,
			   " %*d: %39[0-9A-Fa-f]:%x %39[0-9A-Fa-f]:%x %x %*s %*s %*s %*d %*d %llu",
			   la, &lp, ra, &rp, &st, &ino) != 6)
			continue;
		if (ino == 0)
			continue; /* TIME_WAIT, request sockets: no fd can point at them */
		s.ino = ino;
		s.family = fam;
		s.l4proto = proto;
		hex_addr(la, s.lip, fam == 10);
		hex_addr(ra, s.rip, fam == 10);
		s.lport = (uint16_t)lp;
		s.rport = (uint16_t)rp;
		s.listening = proto == 6 && st == 0x0A;
		socktab_push(t, &s);
	}
	fclose(f);
}

static void load_unix(struct socktab *t, const char *netdir, char *vbuf, size_t vlen)
{
	char line[4096 + 128];
	FILE *f = open_net(netdir, "unix", vbuf, vlen);

	if (!f)
		return;
	if (!fgets(line, sizeof(line), f)) {
		fclose(f);
		return;
	}
	while (fgets(line, sizeof(line), f)) {
		unsigned long long ino;
		int n = 0;
		struct sockinfo s = {0};
		char *nl;

		if (sscanf(line, "%*s %*s %*s %*s %*s %*s %llu%n", &ino, &n) != 1)
			continue;
		s.ino = ino;
		s.family = 1;
		nl = strchr(line + n, '\n');
		if (nl)
			*nl = '\0';
		while (line[n] == ' ')
			n++;
		s.path = line[n] ? strdup(line + n) : NULL;
		socktab_push(t, &s);
	}
	fclose(f);
}

/* (Re-)reads the five tables of t's namespace from netdir ("/proc/PID/net"). */
static void socktab_load(struct procfs_cache *c, struct socktab *t, const char *netdir)
{
	size_t vlen = 256 << 10;
	char *vbuf = malloc(vlen);

	socktab_clear(t);
	if (!vbuf)
		vlen = 0;
	load_inet(t, netdir, "tcp", 2, 6, vbuf, vlen);
	load_inet(t, netdir, "tcp6", 10, 6, vbuf, vlen);
	load_inet(t, netdir, "udp", 2, 17, vbuf, vlen);
	load_inet(t, netdir, "udp6", 10, 17, vbuf, vlen);
	load_unix(t, netdir, vbuf, vlen);
	free(vbuf);
	t->idx = i64map_new();
	for (size_t i = 0; t->idx && i < t->n; i++)
		if (i64map_put(t->idx, (int64_t)t->v[i].ino, (void *)(uintptr_t)(i + 1), NULL) != 0)
			break;
	t->loaded_ns = mono_ns();
	c->st.table_loads++;
}

static const struct sockinfo *socktab_find(const struct socktab *t, uint64_t ino)
{
	uintptr_t i = t->idx ? (uintptr_t)i64map_get(t->idx, (int64_t)ino) : 0;

	return i ? &t->v[i - 1] : NULL;
}

/* The table of one namespace, created empty (never read) when new. */
static struct socktab *cache_ns(struct procfs_cache *c, uint64_t netns)
{
	size_t oldest = 0;
	struct socktab *t;

	for (size_t i = 0; i < c->nns; i++) {
		if (c->ns[i]->netns == netns)
			return c->ns[i];
		if (c->ns[i]->loaded_ns < c->ns[oldest]->loaded_ns)
			oldest = i;
	}
	t = calloc(1, sizeof(*t));
	if (!t)
		return NULL;
	t->netns = netns;
	if (c->nns == PROCFS_MAX_NETNS) {
		socktab_free(c->ns[oldest]);
		c->ns[oldest] = t;
	} else {
		c->ns[c->nns++] = t;
	}
	return t;
}

/* One process's view of the cache while its fds are read. */
struct sock_res {
	struct procfs_cache *c;
	const char *dir;   /* /proc/PID */
	const char *proc;  /* /proc */
	struct socktab *t; /* its namespace's table, found at the first socket */
	int tried;
};

/* The socket with inode ino in the process's network namespace, reading or
 * re-reading the namespace's tables as the cache's intervals allow. */
static const struct sockinfo *sock_resolve(struct sock_res *r, uint64_t ino)
{
	struct procfs_cache *c = r->c;
	char netdir[PROCFS_PATH_MAX];
	const struct sockinfo *s;
	uint64_t now, age;

	if (!r->tried) {
		struct stat sb;
		uint64_t netns = 0;

		r->tried = 1;
		path_cat(netdir, sizeof(netdir), r->dir, "/ns/net");
		if (stat(netdir, &sb) == 0)
			netns = (uint64_t)sb.st_ino;
		r->t = cache_ns(c, netns);
	}
	if (!r->t)
		return NULL;
	c->st.sock_lookups++;
	if (r->t->netns)
		path_cat(netdir, sizeof(netdir), r->dir, "/net");
	else
		path_cat(netdir, sizeof(netdir), r->proc, "/net");
	now = mono_ns();
	age = now - r->t->loaded_ns;
	if (!r->t->loaded_ns || r->t->loaded_ns < c->fresh_after || age >= c->max_age_ns) {
		socktab_load(c, r->t, netdir);
		return (s = socktab_find(r->t, ino)) ? s : (c->st.sock_misses++, NULL);
	}
	if ((s = socktab_find(r->t, ino)))
		return s;
	if (age >= c->miss_reload_ns) {
		c->st.miss_reloads++;
		socktab_load(c, r->t, netdir);
		if ((s = socktab_find(r->t, ino)))
			return s;
	}
	c->st.sock_misses++;
	return NULL;
}

static void fd_from_socket(struct enr_fd *f, const struct sockinfo *s)
{
	f->family = s->family;
	f->l4proto = s->l4proto;
	if (s->family == 1) {
		f->type = ENR_FD_UNIX;
		enr_fd_set_name(f, s->path ? s->path : "");
		return;
	}
	f->type = s->family == 10 ? ENR_FD_IPV6 : ENR_FD_IPV4;
	if (s->listening) {
		/* A listening socket: server side only. */
		f->flags |= ENR_FDF_SERVER;
		memcpy(f->sip, s->lip, 16);
		f->sport = s->lport;
	} else {
		/* We cannot tell from /proc who initiated; like Falco, call the
		 * local side the client. */
		memcpy(f->cip, s->lip, 16);
		f->cport = s->lport;
		memcpy(f->sip, s->rip, 16);
		f->sport = s->rport;
		f->flags |= ENR_FDF_CONNECTED;
	}
	enr_fd_set_inet_name(f);
}

#include <arpa/inet.h>

static void read_fds(const char *dir, struct enr_proc *p, struct sock_res *socks,
		     struct procfs_stats *st)
{
	char path[PROCFS_PATH_MAX], link[PROCFS_PATH_MAX];
	DIR *d;
	struct dirent *de;

	path_cat(path, sizeof(path), dir, "/fd");
	d = opendir(path);
	if (!d)
		return;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long long fd = strtoll(de->d_name, &end, 10);
		struct enr_fd *f;
		unsigned long long ino;

		if (de->d_name[0] == '.' || *end)
			continue;
		path_cat(path, sizeof(path), dir, "/fd/");
		path_cat(path, sizeof(path), path, de->d_name);
		if (read_link(path, link, sizeof(link)) < 0)
			continue;
		if (sscanf(link, "socket:[%llu]", &ino) == 1) {
			const struct sockinfo *s = sock_resolve(socks, ino);

			f = fdt_add(p->fds, fd, ENR_FD_UNKNOWN, NULL, NULL);
			if (f && s)
				fd_from_socket(f, s);
		} else if (strncmp(link, "pipe:", 5) == 0) {
			f = fdt_add(p->fds, fd, ENR_FD_PIPE, link, NULL);
		} else if (strncmp(link, "anon_inode:", 11) == 0) {
			const char *k = link + 11;
			enum enr_fd_type t = ENR_FD_UNKNOWN;

			if (strstr(k, "eventfd"))
				t = ENR_FD_EVENT;
			else if (strstr(k, "eventpoll"))
				t = ENR_FD_EVENTPOLL;
			else if (strstr(k, "inotify"))
				t = ENR_FD_INOTIFY;
			else if (strstr(k, "signalfd"))
				t = ENR_FD_SIGNALFD;
			else if (strstr(k, "timerfd"))
				t = ENR_FD_TIMERFD;
			else if (strstr(k, "bpf"))
				t = ENR_FD_BPF;
			else if (strstr(k, "userfaultfd"))
				t = ENR_FD_USERFAULTFD;
			else if (strstr(k, "io_uring"))
				t = ENR_FD_IOURING;
			else if (strstr(k, "pidfd"))
				t = ENR_FD_PIDFD;
			f = fdt_add(p->fds, fd, t, "", NULL);
		} else if (strncmp(link, "/memfd:", 7) == 0) {
			f = fdt_add(p->fds, fd, ENR_FD_MEMFD, link, NULL);
		} else {
			struct stat sb;
			enum enr_fd_type t = ENR_FD_FILE;

			if (stat(path, &sb) == 0) {
				if (S_ISDIR(sb.st_mode))
					t = ENR_FD_DIRECTORY;
				else if (S_ISFIFO(sb.st_mode))
					t = ENR_FD_PIPE;
			}
			f = fdt_add(p->fds, fd, t, link, NULL);
			if (f && stat(path, &sb) == 0) {
				f->ino = sb.st_ino;
				f->dev = (uint32_t)sb.st_dev;
			}
		}
		if (f) {
			f->flags |= ENR_FDF_FROM_PROCFS;
			if (st)
				st->fds++;
		}
	}
	closedir(d);
}

/* Fills p from /proc/PID (process-wide data). */
static int read_proc_common(const char *dir, struct enr_proc *p, const struct procfs_opts *o,
			    uint64_t boot_ns)
{
	char path[PROCFS_PATH_MAX], buf[PROCFS_PATH_MAX + 64];
	char *big;
	size_t maxargs = o && o->max_args_len ? o->max_args_len : 4096;
	size_t maxenv = o && o->max_env_len ? o->max_env_len : 4096;
	size_t bigsz = (maxargs > maxenv ? maxargs : maxenv) + 2;
	ssize_t n;
	struct stat sb;
	struct stat_fields sf;

	path_cat(path, sizeof(path), dir, "/stat");
	if (read_file(path, buf, sizeof(buf)) <= 0 || parse_stat(buf, &sf) != 0)
		return -ENOENT;
	memcpy(p->comm, sf.comm, sizeof(p->comm));
	p->ppid = sf.ppid;
	p->pgid = sf.pgrp;
	p->sid = sf.session;
	p->tty = sf.tty;
	p->start_ts = boot_ns + sf.starttime * (1000000000ULL / (uint64_t)sysconf(_SC_CLK_TCK));

	big = malloc(bigsz > 8192 ? bigsz : 8192);
	if (!big)
		return -ENOMEM;
	path_cat(path, sizeof(path), dir, "/status");
	if (read_file(path, big, 8192) > 0)
		parse_status(big, p, NULL);

	path_cat(path, sizeof(path), dir, "/cmdline");
	n = read_file(path, big, maxargs + 2);
	if (n > 0) {
		size_t a0 = strnlen(big, (size_t)n);
		int trunc = (size_t)n > maxargs;

		enr_str_set(&p->exe, big, 0);
		if (a0 + 1 < (size_t)n)
			enr_strv_set(&p->args, big + a0 + 1, (size_t)n - a0 - 1 - (trunc ? 1 : 0),
				     trunc);
	} else {
		enr_str_set(&p->exe, p->comm, 0); /* kernel threads have no cmdline */
	}
	path_cat(path, sizeof(path), dir, "/environ");
	n = read_file(path, big, maxenv + 2);
	if (n > 0)
		enr_strv_set(&p->env, big, (size_t)n > maxenv ? maxenv : (size_t)n,
			     (size_t)n > maxenv);
	free(big);

	path_cat(path, sizeof(path), dir, "/exe");
	if (read_link(path, buf, sizeof(buf)) > 0) {
		size_t l = strlen(buf);
		static const char del[] = " (deleted)";

		if (l > sizeof(del) - 1 && strcmp(buf + l - (sizeof(del) - 1), del) == 0)
			buf[l - (sizeof(del) - 1)] = '\0';
		if (strncmp(buf, "/memfd:", 7) == 0)
			p->flags |= ENR_PF_EXE_FROM_MEMFD;
		enr_str_set(&p->exepath, buf, 0);
		if (stat(path, &sb) == 0) {
			p->exe_ino = sb.st_ino;
			p->exe_ino_ctime = (uint64_t)sb.st_ctim.tv_sec * 1000000000ULL +
					   (uint64_t)sb.st_ctim.tv_nsec;
			p->exe_ino_mtime = (uint64_t)sb.st_mtim.tv_sec * 1000000000ULL +
					   (uint64_t)sb.st_mtim.tv_nsec;
		}
	}
	path_cat(path, sizeof(path), dir, "/cwd");
	if (read_link(path, buf, sizeof(buf) - 1) > 0) {
		size_t l = strlen(buf);

		if (l == 0 || buf[l - 1] != '/') {
			buf[l] = '/';
			buf[l + 1] = '\0';
		}
		enr_str_set(&p->cwd, buf, 0);
	}
	path_cat(path, sizeof(path), dir, "/root");
	if (read_link(path, buf, sizeof(buf)) > 0)
		enr_str_set(&p->root, buf, 0);
	path_cat(path, sizeof(path), dir, "/loginuid");
	if (read_file(path, buf, sizeof(buf)) > 0)
		p->loginuid = (uint32_t)strtoul(buf, NULL, 10);
	read_cgroups(dir, p);
	p->flags |= ENR_PF_FROM_PROCFS;
	return 0;
}

static int read_proc(struct thread_table *t, const struct procfs_opts *o, int64_t pid,
		     struct procfs_cache *cache, uint64_t boot_ns, struct procfs_stats *st)
{
	char dir[PROCFS_PATH_MAX], path[PROCFS_PATH_MAX];
	struct enr_thread *main_th;
	struct enr_proc *p;
	DIR *d;
	struct dirent *de;
	int rc;

	snprintf(dir, sizeof(dir), "%s/%lld", procdir(o), (long long)pid);
	main_th = thr_add(t, pid, pid, 0);
	if (!main_th)
		return -errno;
	p = main_th->proc;
	rc = read_proc_common(dir, p, o, boot_ns);
	if (rc != 0) {
		thr_exit(t, pid, 0);
		return rc;
	}
	main_th->clone_ts = p->start_ts;
	{
		struct enr_proc *parent = thr_parent(t, p);

		if (parent)
			parent->nchildren++;
	}
	if (st) {
		st->procs++;
		st->threads++;
	}
	if (o && o->with_fds) {
		struct sock_res sr = {.c = cache, .dir = dir, .proc = procdir(o)};

		read_fds(dir, p, &sr, st);
	}
	/* The other threads of the group. */
	path_cat(path, sizeof(path), dir, "/task");
	d = opendir(path);
	if (!d)
		return 0;
	while ((de = readdir(d)) != NULL) {
		char *end;
		long long tid = strtoll(de->d_name, &end, 10);
		struct enr_thread *th;
		char tpath[PROCFS_PATH_MAX], buf[2048];
		int64_t vtid = -1;

		if (de->d_name[0] == '.' || *end || tid == pid)
			continue;
		th = thr_add(t, tid, pid, p->ppid);
		if (!th)
			continue;
		path_cat(tpath, sizeof(tpath), dir, "/task/");
		path_cat(tpath, sizeof(tpath), tpath, de->d_name);
		path_cat(tpath, sizeof(tpath), tpath, "/status");
		if (read_file(tpath, buf, sizeof(buf)) > 0) {
			const char *f = status_field(buf, "NSpid");

			if (f)
				vtid = last_number(f);
		}
		th->vtid = vtid > 0 ? vtid : tid;
		if (st)
			st->threads++;
	}
	closedir(d);
	return 0;
}

static uint64_t cache_boot_ns(struct procfs_cache *c, const char *proc_dir)
{
	if (!c->have_boot) {
		c->boot_ns = procfs_boot_time_ns(proc_dir);
		c->have_boot = 1;
	}
	return c->boot_ns;
}

int procfs_read_proc(struct thread_table *t, const struct procfs_opts *opts, int64_t pid)
{
	struct procfs_cache *c = opts ? opts->cache : NULL, *own = NULL;
	int rc;

	if (!c && !(c = own = procfs_cache_new(0, 0)))
		return -ENOMEM;
	rc = read_proc(t, opts, pid, c, cache_boot_ns(c, procdir(opts)), NULL);
	procfs_cache_free(own);
	return rc;
}

int procfs_scan(struct thread_table *t, const struct procfs_opts *opts, struct procfs_stats *st)
{
	DIR *d = opendir(procdir(opts));
	struct dirent *de;
	struct procfs_cache *c = opts ? opts->cache : NULL, *own = NULL;
	uint64_t boot_ns;

	if (!d)
		return -errno;
	if (!c && !(c = own = procfs_cache_new(0, 0))) {
		closedir(d);
		return -ENOMEM;
	}
	/* every namespace's tables are read afresh during the scan */
	c->fresh_after = mono_ns();
	boot_ns = cache_boot_ns(c, procdir(opts));
	while ((de = readdir(d)) != NULL) {
		char *end;
		long long pid = strtoll(de->d_name, &end, 10);

		if (de->d_name[0] == '.' || *end || pid <= 0)
			continue;
		if (opts && opts->skip_pid == pid)
			continue;
		if (read_proc(t, opts, pid, c, boot_ns, st) != 0 && st)
			st->errors++;
	}
	closedir(d);
	procfs_cache_free(own);
	/* Children counts, now that every parent is known. */
	thr_recount_children(t);
	return 0;
}
