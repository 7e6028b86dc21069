/* scap_writer.c: serializes seeds and Lanner records into scap 1.2 blocks. */
#include "scap_writer.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <zlib.h>

#include "event.h"
#include "scap_evtab.h"
#include "scap_format.h"

/* A growable byte buffer. */
struct wbuf {
	uint8_t *p;
	size_t n, cap;
	int oom;
};

struct scap_writer {
	gzFile gz;
	char mode[8]; /* gzopen mode */
	/* Rotation (scap_writer_open_opts): files base0, base1, ... */
	int rotating;
	char base[4096];
	uint64_t max_bytes, max_ns;
	unsigned max_files, file_index;
	uint64_t file_bytes;	/* uncompressed bytes in the current file */
	uint64_t file_first_ts; /* time of the current file's first event */
	int file_has_events;
	int (*seeds)(void *ctx, struct scap_writer *w);
	void *seeds_ctx;
	int err; /* first error, sticky */
	int header_done;
	char hostname[128];
	struct wbuf pl, ul, il, fdl, ev;
	int64_t fdl_tid; /* thread of the fd list being filled */
	int have_fdl;
	struct wbuf fdls; /* complete FDL blocks, ready to write */
	uint32_t ncpus;
	struct scap_writer_stats st;
	/* Per Lanner type: the scap exit code to write (0: not resolved yet; UINT16_MAX: none). */
	uint16_t xcode[LNR_EVT_MAX];
};

static void wb_put(struct wbuf *b, const void *p, size_t n)
{
	if (b->oom)
		return;
	if (b->n + n > b->cap) {
		size_t ncap = b->cap ? b->cap : 4096;
		uint8_t *q;

		while (ncap < b->n + n)
			ncap *= 2;
		q = realloc(b->p, ncap);
		if (!q) {
			b->oom = 1;
			return;
		}
		b->p = q;
		b->cap = ncap;
	}
	if (n)
		memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void wb_u8(struct wbuf *b, uint8_t v)
{
	wb_put(b, &v, 1);
}

static void wb_u16(struct wbuf *b, uint16_t v)
{
	wb_put(b, &v, 2);
}

static void wb_u32(struct wbuf *b, uint32_t v)
{
	wb_put(b, &v, 4);
}

static void wb_u64(struct wbuf *b, uint64_t v)
{
	wb_put(b, &v, 8);
}

/* A u16-length-prefixed string (no NUL on file), cut at 65535 bytes. */
static void wb_str(struct wbuf *b, const char *s, size_t n)
{
	if (!s)
		n = 0;
	if (n > UINT16_MAX)
		n = UINT16_MAX;
	wb_u16(b, (uint16_t)n);
	wb_put(b, s, n);
}

static void wb_cstr(struct wbuf *b, const char *s)
{
	wb_str(b, s, s ? strlen(s) : 0);
}

/*
 * Limits libscap's process-list reader enforces (it refuses the whole file,
 * e.g. "invalid exelen 1048", past them): SCAP_MAX_PATH_SIZE for comm, exe,
 * exepath, cwd and root; SCAP_MAX_ARGS_SIZE, SCAP_MAX_ENV_SIZE and
 * SCAP_MAX_CGROUPS_SIZE for the lists. Longer values are cut to fit.
 */
#define SCAP_PL_PATH_MAX 1024
#define SCAP_PL_LIST_MAX 4096

static void wb_str_max(struct wbuf *b, const char *s, size_t n, size_t max)
{
	wb_str(b, s, s && n > max ? max : n);
}

static void wb_cstr_max(struct wbuf *b, const char *s, size_t max)
{
	wb_str_max(b, s, s ? strnlen(s, max + 1) : 0, max);
}

static void wb_set32(struct wbuf *b, size_t at, uint32_t v)
{
	if (!b->oom && at + 4 <= b->n)
		memcpy(b->p + at, &v, 4);
}

static void out(struct scap_writer *w, const void *p, size_t n)
{
	if (w->err || n == 0)
		return;
	if (gzwrite(w->gz, p, (unsigned)n) != (int)n)
		w->err = -EIO;
	w->st.bytes += n;
	w->file_bytes += n;
}

/* One block: header, body, padding to 4, trailer. */
static void block(struct scap_writer *w, uint32_t type, const void *body, size_t n)
{
	static const uint8_t zero[4];
	size_t pad = (4 - n % 4) % 4;
	uint32_t hdr[2] = {type, (uint32_t)(12 + n + pad)};

	if (12 + n + pad > SCAP_MAX_BLOCK_LEN) {
		w->err = w->err ? w->err : -E2BIG;
		return;
	}
	out(w, hdr, 8);
	out(w, body, n);
	out(w, zero, pad);
	out(w, &hdr[1], 4);
}

/* Name of rotated file number k. */
static void file_name(const struct scap_writer *w, unsigned k, char *out, size_t n)
{
	snprintf(out, n, "%s%u", w->base, w->max_files ? k % w->max_files : k);
}

struct scap_writer *scap_writer_open_opts(const struct scap_writer_opts *o)
{
	struct scap_writer *w;
	long ncpu = sysconf(_SC_NPROCESSORS_CONF);
	char first[4200];
	const char *path = o->path;

	if (!o->path || o->gzip_level < 0 || o->gzip_level > 9 ||
	    strlen(o->path) >= sizeof(w->base)) {
		errno = EINVAL;
		return NULL;
	}
	w = calloc(1, sizeof(*w));
	if (!w)
		return NULL;
	/* "T": zlib's transparent mode, a plain file through the same calls. */
	if (o->gzip_level == 0)
		strcpy(w->mode, "wbT");
	else
		snprintf(w->mode, sizeof(w->mode), "wb%d", o->gzip_level);
	w->rotating = o->max_bytes || o->max_ns;
	w->max_bytes = o->max_bytes;
	w->max_ns = o->max_ns;
	w->max_files = o->max_files;
	w->seeds = o->seeds;
	w->seeds_ctx = o->seeds_ctx;
	snprintf(w->base, sizeof(w->base), "%s", o->path);
	if (w->rotating) {
		file_name(w, 0, first, sizeof(first));
		path = first;
	}
	w->gz = gzopen(path, w->mode);
	if (!w->gz) {
		int e = errno ? errno : ENOMEM;
		free(w);
		errno = e;
		return NULL;
	}
	if (o->hostname)
		snprintf(w->hostname, sizeof(w->hostname), "%s", o->hostname);
	else if (gethostname(w->hostname, sizeof(w->hostname)) != 0)
		w->hostname[0] = 0;
	w->hostname[sizeof(w->hostname) - 1] = 0;
	w->ncpus = ncpu > 0 ? (uint32_t)ncpu : 1;
	w->st.files = 1;
	return w;
}

struct scap_writer *scap_writer_open(const char *path, int gzip_level, const char *hostname)
{
	struct scap_writer_opts o = {.path = path, .gzip_level = gzip_level, .hostname = hostname};

	return scap_writer_open_opts(&o);
}

int scap_writer_thread(struct scap_writer *w, const struct scap_thread_seed *t)
{
	struct wbuf *b = &w->pl;
	size_t start = b->n;

	if (w->header_done) {
		w->st.late_seeds++;
		return 0;
	}
	wb_u32(b, 0); /* entry length, set below */
	wb_u64(b, (uint64_t)t->tid);
	wb_u64(b, (uint64_t)t->pid);
	wb_u64(b, (uint64_t)t->ptid);
	wb_u64(b, (uint64_t)t->sid);
	wb_u64(b, (uint64_t)t->vpgid);
	wb_cstr_max(b, t->comm, SCAP_PL_PATH_MAX);
	wb_cstr_max(b, t->exe, SCAP_PL_PATH_MAX);
	wb_cstr_max(b, t->exepath, SCAP_PL_PATH_MAX);
	wb_str_max(b, t->args, t->args_len, SCAP_PL_LIST_MAX);
	wb_cstr_max(b, t->cwd, SCAP_PL_PATH_MAX);
	wb_u64(b, t->fdlimit);
	wb_u32(b, t->flags);
	wb_u32(b, t->uid);
	wb_u32(b, t->gid);
	wb_u32(b, t->vmsize_kb);
	wb_u32(b, t->vmrss_kb);
	wb_u32(b, t->vmswap_kb);
	wb_u64(b, t->pfmajor);
	wb_u64(b, t->pfminor);
	wb_str_max(b, t->env, t->env_len, SCAP_PL_LIST_MAX);
	wb_u64(b, (uint64_t)t->vtid);
	wb_u64(b, (uint64_t)t->vpid);
	wb_str_max(b, t->cgroups, t->cgroups_len, SCAP_PL_LIST_MAX);
	wb_cstr_max(b, t->root, SCAP_PL_PATH_MAX);
	wb_u32(b, (uint32_t)t->loginuid);
	wb_u8(b, t->exe_writable);
	wb_u64(b, t->cap_inheritable);
	wb_u64(b, t->cap_permitted);
	wb_u64(b, t->cap_effective);
	wb_set32(b, start, (uint32_t)(b->n - start));
	return b->oom ? -ENOMEM : 0;
}

/* Close the fd list being filled into a complete FDL_V2 block. */
static void fdl_flush(struct scap_writer *w)
{
	size_t n, pad;
	uint32_t hdr[2];
	static const uint8_t zero[4];

	if (!w->have_fdl)
		return;
	n = w->fdl.n;
	pad = (4 - n % 4) % 4;
	hdr[0] = SCAP_BT_FDL_V2;
	hdr[1] = (uint32_t)(12 + n + pad);
	wb_put(&w->fdls, hdr, 8);
	wb_put(&w->fdls, w->fdl.p, n);
	wb_put(&w->fdls, zero, pad);
	wb_put(&w->fdls, &hdr[1], 4);
	w->fdl.n = 0;
	w->have_fdl = 0;
}

int scap_writer_fd(struct scap_writer *w, const struct scap_fd_seed *f)
{
	struct wbuf *b = &w->fdl;
	size_t start;

	if (w->header_done) {
		w->st.late_seeds++;
		return 0;
	}
	if (w->have_fdl && (w->fdl_tid != f->tid || b->n > (1u << 20)))
		fdl_flush(w);
	if (!w->have_fdl) {
		wb_u64(b, (uint64_t)f->tid);
		w->fdl_tid = f->tid;
		w->have_fdl = 1;
	}
	start = b->n;
	wb_u32(b, 0);
	wb_u64(b, (uint64_t)f->fd);
	wb_u64(b, f->ino);
	wb_u8(b, f->type);
	switch (f->type) {
	case SCAP_FDT_IPV4_SOCK:
		wb_put(b, f->sip, 4);
		wb_put(b, f->dip, 4);
		wb_u16(b, f->sport);
		wb_u16(b, f->dport);
		wb_u8(b, f->l4proto);
		break;
	case SCAP_FDT_IPV4_SERVSOCK:
		wb_put(b, f->sip, 4);
		wb_u16(b, f->sport);
		wb_u8(b, f->l4proto);
		break;
	case SCAP_FDT_IPV6_SOCK:
		wb_put(b, f->sip, 16);
		wb_put(b, f->dip, 16);
		wb_u16(b, f->sport);
		wb_u16(b, f->dport);
		wb_u8(b, f->l4proto);
		break;
	case SCAP_FDT_IPV6_SERVSOCK:
		wb_put(b, f->sip, 16);
		wb_u16(b, f->sport);
		wb_u8(b, f->l4proto);
		break;
	case SCAP_FDT_UNIX_SOCK:
		wb_u64(b, f->unix_src);
		wb_u64(b, f->unix_dst);
		wb_cstr(b, f->name);
		break;
	case SCAP_FDT_FILE_V2:
		wb_u32(b, f->open_flags);
		wb_cstr(b, f->name);
		wb_u32(b, f->dev);
		break;
	case SCAP_FDT_UNKNOWN:
		break;
	default:
		wb_cstr(b, f->name);
		break;
	}
	wb_set32(b, start, (uint32_t)(b->n - start));
	return b->oom ? -ENOMEM : 0;
}

int scap_writer_user(struct scap_writer *w, const struct scap_user_seed *u)
{
	struct wbuf *b = &w->ul;
	size_t start = b->n;

	if (w->header_done) {
		w->st.late_seeds++;
		return 0;
	}
	wb_u32(b, 0);
	wb_u8(b, u->is_group ? SCAP_USERBLOCK_GROUP : SCAP_USERBLOCK_USER);
	if (!u->is_group) {
		wb_u32(b, u->uid);
		wb_u32(b, u->gid);
		wb_cstr(b, u->name);
		wb_cstr(b, u->homedir);
		wb_cstr(b, u->shell);
	} else {
		wb_u32(b, u->gid);
		wb_cstr(b, u->name);
	}
	wb_set32(b, start, (uint32_t)(b->n - start));
	return b->oom ? -ENOMEM : 0;
}

int scap_writer_iface(struct scap_writer *w, const struct scap_iface_seed *f)
{
	struct wbuf *b = &w->il;
	int v6 = f->type == 2 || f->type == 4;
	size_t alen = v6 ? 16 : 4, start;
	size_t nlen = f->name ? strnlen(f->name, 255) : 0;

	if (w->header_done) {
		w->st.late_seeds++;
		return 0;
	}
	if (f->type < 1 || f->type > 4)
		return -EINVAL;
	start = b->n;
	wb_u32(b, 0);	       /* entry length, without these 4 bytes */
	wb_u16(b, v6 ? 2 : 1); /* always with link speed */
	wb_u16(b, (uint16_t)nlen);
	wb_put(b, f->addr, alen);
	wb_put(b, f->netmask, alen);
	wb_put(b, f->bcast, alen);
	wb_u64(b, f->linkspeed);
	wb_put(b, f->name, nlen);
	wb_set32(b, start, (uint32_t)(b->n - start - 4));
	return b->oom ? -ENOMEM : 0;
}

/* Section header, machine info and the buffered lists, once. */
static void write_header(struct scap_writer *w)
{
	struct wbuf mi = {0};
	uint8_t host[128] = {0};
	uint64_t mem = (uint64_t)sysconf(_SC_PHYS_PAGES) * (uint64_t)sysconf(_SC_PAGESIZE);
	uint8_t shb[16];
	uint32_t magic = SCAP_SHB_MAGIC;
	uint16_t major = 1, minor = 2;
	uint64_t section_len = UINT64_MAX; /* unknown, as libscap writes it */

	if (w->header_done)
		return;
	w->header_done = 1;
	memcpy(shb, &magic, 4);
	memcpy(shb + 4, &major, 2);
	memcpy(shb + 6, &minor, 2);
	memcpy(shb + 8, &section_len, 8);
	block(w, SCAP_BT_SHB, shb, sizeof(shb));

	/* scap_machine_info: num_cpus, memory, max_pid, hostname[128], 4 reserved u64. */
	wb_u32(&mi, w->ncpus);
	wb_u64(&mi, mem);
	wb_u64(&mi, 4194304);
	memcpy(host, w->hostname, strnlen(w->hostname, sizeof(host) - 1));
	wb_put(&mi, host, sizeof(host));
	for (int i = 0; i < 4; i++)
		wb_u64(&mi, 0);
	if (mi.oom)
		w->err = w->err ? w->err : -ENOMEM;
	block(w, SCAP_BT_MI, mi.p, mi.n);
	free(mi.p);

	if (w->pl.oom || w->fdl.oom || w->fdls.oom || w->ul.oom || w->il.oom)
		w->err = w->err ? w->err : -ENOMEM;
	/* No empty interface list: sysdig 0.29 fails to allocate a 0-byte one. */
	if (w->il.n)
		block(w, SCAP_BT_IL_V2, w->il.p, w->il.n);
	block(w, SCAP_BT_PL_V9, w->pl.p, w->pl.n);
	fdl_flush(w);
	out(w, w->fdls.p, w->fdls.n);
	block(w, SCAP_BT_UL_V2, w->ul.p, w->ul.n);
	free(w->pl.p);
	free(w->fdl.p);
	free(w->fdls.p);
	free(w->ul.p);
	free(w->il.p);
	memset(&w->il, 0, sizeof(w->il));
	memset(&w->pl, 0, sizeof(w->pl));
	memset(&w->fdl, 0, sizeof(w->fdl));
	memset(&w->fdls, 0, sizeof(w->fdls));
	memset(&w->ul, 0, sizeof(w->ul));
}

/* The exit code to write for this Lanner type (the enter code for exit-less
 * types): Lanner's own (newest) code when sysdig 0.29's table has it, else the
 * newest code of that name in sysdig 0.29's table, else Lanner's own code
 * (only newer libs read it); UINT16_MAX when there is none. */
static uint16_t pick_exit_code(struct scap_writer *w, uint16_t type)
{
	const struct lnr_evt_info *info = lnr_evt_info(type);
	uint16_t best = UINT16_MAX;

	if (w->xcode[type])
		return w->xcode[type];
	if (info) {
		int enter_only = info->scap_code_x == 0;
		uint16_t own = enter_only ? info->scap_code_e : info->scap_code_x;
		const struct scap_ev_def *od = scap_ev_def(own);

		/* Lanner's own code, when sysdig 0.29 has it: the exact syscall (libs
		 * 2022 also named accept4's events "accept"). */
		if (own < SCAP_EV_CODES_2022 && od && strcmp(od->name, info->name) == 0 &&
		    (own != 0 || !enter_only)) {
			w->xcode[type] = own;
			return own;
		}
		for (uint16_t code = 0; code < SCAP_EV_CODES_2022; code++) {
			const struct scap_ev_def *d = scap_ev_def(code);

			if (!d || (d->flags & SCAP_EVF_UNUSED) || strcmp(d->name, info->name) != 0)
				continue;
			if (enter_only ? (code & 1) == 0 : (code & 1) == 1)
				best = code; /* ascending: the newest version wins */
		}
		if (best == UINT16_MAX)
			best = enter_only ? info->scap_code_e : info->scap_code_x;
		if (best == 0 && strcmp(info->name, "syscall") != 0)
			best = UINT16_MAX;
	}
	w->xcode[type] = best;
	return best;
}

static int ptype_signed(enum lnr_ptype t)
{
	switch (t) {
	case LNR_PT_INT8:
	case LNR_PT_INT16:
	case LNR_PT_INT32:
	case LNR_PT_INT64:
	case LNR_PT_ERRNO:
	case LNR_PT_FD:
	case LNR_PT_PID:
	case LNR_PT_RELTIME:
		return 1;
	default:
		return 0;
	}
}

/* Append to ev the value for scap parameter (name, type st) from the record. */
static void put_param(struct wbuf *vals, struct wbuf *lens, int large, const struct lnr_evt_view *v,
		      const char *name, enum lnr_ptype st)
{
	int i = name ? lnr_evt_param_index(v->info, name) : -1;
	size_t fixed = lnr_ptype_size(st);
	size_t start = vals->n;
	uint32_t len;

	if (i >= 0 && v->plen[i] > 0) {
		enum lnr_ptype lt = v->info->params[i].type;
		size_t lsz = lnr_ptype_size(lt);

		if (fixed && lsz) {
			uint64_t u = 0;

			/* Resize integers between the two tables' widths (little-endian). */
			memcpy(&u, v->pval[i], lsz);
			if (ptype_signed(lt) && lsz < 8 && (u >> (lsz * 8 - 1)) & 1)
				u |= ~0ull << (lsz * 8);
			wb_put(vals, &u, fixed);
		} else {
			wb_put(vals, v->pval[i], v->plen[i]);
		}
	} else if (fixed) {
		/* Absent ids as -1 ("none"), not 0, which would read as root or stdin. */
		static const uint8_t zero[8],
			ones[8] = {0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff};
		int none =
			st == LNR_PT_UID || st == LNR_PT_GID || st == LNR_PT_PID || st == LNR_PT_FD;

		wb_put(vals, none ? ones : zero, fixed);
	} else if (st == LNR_PT_CHARBUF || st == LNR_PT_FSPATH || st == LNR_PT_FSRELPATH) {
		wb_u8(vals, 0);
	}
	len = (uint32_t)(vals->n - start);
	if (large)
		wb_u32(lens, len);
	else
		wb_u16(lens, (uint16_t)(len > UINT16_MAX ? UINT16_MAX : len));
	if (!large && len > UINT16_MAX)
		vals->n = start + UINT16_MAX; /* keep lengths and bytes in step */
}

/* Write one scap event of the given code from the record. newest: parameters
 * are the record's own, in order (Lanner's table is that code's layout). */
static void write_scap_event(struct scap_writer *w, uint16_t code, const struct lnr_evt_view *v,
			     int newest)
{
	const struct scap_ev_def *d = scap_ev_def(code);
	struct wbuf lens = {0}, vals = {0};
	int large = d && (d->flags & SCAP_EVF_LARGE);
	uint32_t np;
	uint16_t cpu = v->hdr->cpu;
	uint64_t ts = v->hdr->ts, tid = (uint64_t)v->hdr->tid;
	uint32_t evlen, bt = large ? SCAP_BT_EV_V2_LARGE : SCAP_BT_EV_V2;
	size_t body;
	uint8_t *buf;

	if (newest) {
		np = v->nparams;
		for (uint32_t i = 0; i < np; i++)
			put_param(&vals, &lens, large, v, v->info->params[i].name,
				  v->info->params[i].type);
	} else {
		uint32_t n2022 = d ? d->nparams : 0;
		/* Lanner's own code (exit, or the enter of an exit-less event): its
		 * layout is libs' newest one of this very code, which only ever grew
		 * by appending (libs' rule for the event table), so parameter i is
		 * Lanner's parameter i, even where libs renamed it since 2022
		 * (execve's "pgid" at 17 is today's "vpgid"; today's "pgid" is 28). */
		int own = code == v->info->scap_code_x ||
			  (v->info->scap_code_x == 0 && code == v->info->scap_code_e);

		if (n2022 > SCAP_EV_DEF_PARAMS)
			n2022 = SCAP_EV_DEF_PARAMS;
		for (uint32_t i = 0; i < n2022; i++)
			put_param(&vals, &lens, large, v,
				  own && i < v->nparams ? v->info->params[i].name
							: d->params[i].name,
				  (enum lnr_ptype)d->params[i].type);
		np = n2022;
		/* Newer libs appended parameters to this very code (Lanner's layout
		 * is that newest one): append them, older readers ignore the rest. */
		if (own && v->nparams > n2022) {
			for (uint32_t i = n2022; i < v->nparams; i++)
				put_param(&vals, &lens, large, v, v->info->params[i].name,
					  v->info->params[i].type);
			np = v->nparams;
		}
	}
	if (lens.oom || vals.oom) {
		w->err = w->err ? w->err : -ENOMEM;
		goto out;
	}
	evlen = (uint32_t)(SCAP_EVT_HDR_V2 + lens.n + vals.n);
	body = 2 + (size_t)evlen;
	buf = malloc(body);
	if (!buf) {
		w->err = w->err ? w->err : -ENOMEM;
		goto out;
	}
	memcpy(buf, &cpu, 2);
	memcpy(buf + 2, &ts, 8);
	memcpy(buf + 10, &tid, 8);
	memcpy(buf + 18, &evlen, 4);
	memcpy(buf + 22, &code, 2);
	memcpy(buf + 24, &np, 4);
	if (lens.n)
		memcpy(buf + 28, lens.p, lens.n);
	if (vals.n)
		memcpy(buf + 28 + lens.n, vals.p, vals.n);
	block(w, bt, buf, body);
	free(buf);
	w->st.scap_events++;
out:
	free(lens.p);
	free(vals.p);
}

/* False when the enter event would carry parameters and the record has none of
 * them (an exit whose enter was never seen): an enter made of defaults (fd -1)
 * would mislead sysdig more than no enter at all. */
static int enter_known(const struct lnr_evt_view *v, uint16_t ecode)
{
	const struct scap_ev_def *d = scap_ev_def(ecode);
	unsigned n;

	if (!d || d->nparams == 0)
		return 1;
	n = d->nparams < SCAP_EV_DEF_PARAMS ? d->nparams : SCAP_EV_DEF_PARAMS;
	for (unsigned i = 0; i < n; i++) {
		int k = lnr_evt_param_index(v->info, d->params[i].name);

		if (k >= 0 && v->plen[k] > 0)
			return 1;
	}
	return 0;
}

static int is_clone_child(const struct lnr_evt_view *v)
{
	uint16_t t = v->hdr->type;
	int i;
	int64_t res;

	if (t != LNR_EVT_CLONE && t != LNR_EVT_CLONE3 && t != LNR_EVT_FORK && t != LNR_EVT_VFORK)
		return 0;
	i = lnr_evt_param_index(v->info, "res");
	return i >= 0 && lnr_evt_get_s64(v, (unsigned)i, &res) == 0 && res == 0;
}

/* Close the current file and start the next one; its lists come from the
 * seeds callback (the caller's current state). */
static int rotate(struct scap_writer *w)
{
	char name[4200];

	write_header(w);
	if (gzclose(w->gz) != Z_OK) {
		w->gz = NULL;
		return w->err = -EIO;
	}
	w->file_index++;
	file_name(w, w->file_index, name, sizeof(name));
	w->gz = gzopen(name, w->mode);
	if (!w->gz)
		return w->err = errno ? -errno : -EIO;
	w->st.files++;
	w->header_done = 0;
	w->file_bytes = 0;
	w->file_has_events = 0;
	w->have_fdl = 0;
	w->pl.n = w->ul.n = w->il.n = w->fdl.n = w->fdls.n = 0;
	if (w->seeds) {
		int rc = w->seeds(w->seeds_ctx, w);

		if (rc)
			return w->err = rc < 0 ? rc : -ECANCELED;
	}
	return 0;
}

int scap_writer_event(struct scap_writer *w, const void *rec, uint32_t len)
{
	struct lnr_evt_view v;
	uint16_t code;

	if (w->err)
		return w->err;
	if (lnr_evt_decode(rec, len, &v, NULL) != 0) {
		w->st.skipped++;
		return -EINVAL;
	}
	if (w->rotating && w->file_has_events &&
	    ((w->max_bytes && w->file_bytes >= w->max_bytes) ||
	     (w->max_ns && v.hdr->ts > w->file_first_ts &&
	      v.hdr->ts - w->file_first_ts >= w->max_ns))) {
		int rc = rotate(w);

		if (rc)
			return rc;
	}
	if (!w->file_has_events) {
		w->file_first_ts = v.hdr->ts;
		w->file_has_events = 1;
	}
	write_header(w);
	code = pick_exit_code(w, v.hdr->type);
	if (code == UINT16_MAX) {
		w->st.skipped++;
		return 0;
	}
	if (code >= SCAP_EV_CODES_2022) {
		/* Only newer libs know it: the record is that event's layout. */
		write_scap_event(w, code, &v, 1);
	} else if (v.info->scap_code_x == 0) {
		write_scap_event(w, code, &v, 0); /* enter-only (procexit, container) */
	} else {
		/* sysdig 0.29 pairs an exit with its enter: write both, same time;
		 * except for the child's side of a clone, which never has an enter
		 * (sysdig would make an empty thread of it and ignore the exit). */
		if (!is_clone_child(&v) && enter_known(&v, (uint16_t)(code - 1)))
			write_scap_event(w, (uint16_t)(code - 1), &v, 0);
		write_scap_event(w, code, &v, 0);
	}
	w->st.events++;
	return w->err;
}

int scap_writer_close(struct scap_writer *w)
{
	int rc;

	if (!w)
		return 0;
	rc = w->err;
	if (w->gz) {
		write_header(w); /* a capture without events still has its lists */
		rc = w->err;
		if (gzclose(w->gz) != Z_OK && !rc)
			rc = -EIO;
	}
	free(w->pl.p);
	free(w->fdl.p);
	free(w->fdls.p);
	free(w->ul.p);
	free(w->il.p);
	free(w->ev.p);
	free(w);
	return rc;
}

const struct scap_writer_stats *scap_writer_stats(const struct scap_writer *w)
{
	return &w->st;
}
