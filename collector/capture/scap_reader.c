/* scap_reader.c: streams a .scap capture block by block: seeds, raw events, Lanner events. */
#include "scap_reader.h"

#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include <zlib.h>

#include "scap_conv.h"
#include "scap_evtab.h"
#include "scap_format.h"

struct scap_reader {
	gzFile gz;
	struct scap_reader_cbs cbs;
	struct scap_reader_stats st;
	struct scap_conv *conv; /* NULL when no event callback */
	uint8_t *buf; /* current block body (grown on demand, at most SCAP_MAX_BLOCK_LEN) */
	size_t cap;
	uint64_t off; /* uncompressed bytes consumed */
	char err[256];
	/* Strings of the seed being parsed (libscap's limits: 1024-byte paths). */
	char comm[1025], exe[1025], exepath[1025], cwd[1025], root[1025];
	char name[4097], home[1025], shell[1025];
};

/* Bounds-checked cursor over a block body. */
struct cur {
	const uint8_t *p, *end;
	int bad;
};

static int fail(struct scap_reader *r, int rc, uint64_t off, const char *fmt, ...)
{
	char msg[200];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	snprintf(r->err, sizeof(r->err), "scap: at byte offset %llu: %s", (unsigned long long)off,
		 msg);
	return rc;
}

static int take(struct cur *c, void *out, size_t n)
{
	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = 1;
		if (out)
			memset(out, 0, n);
		return -1;
	}
	if (out)
		memcpy(out, c->p, n);
	c->p += n;
	return 0;
}

static uint8_t get8(struct cur *c)
{
	uint8_t v;
	take(c, &v, 1);
	return v;
}

static uint16_t get16(struct cur *c)
{
	uint16_t v;
	take(c, &v, 2);
	return v;
}

static uint32_t get32(struct cur *c)
{
	uint32_t v;
	take(c, &v, 4);
	return v;
}

static uint64_t get64(struct cur *c)
{
	uint64_t v;
	take(c, &v, 8);
	return v;
}

/* A length-prefixed (u16) string, copied NUL-terminated into out (cap bytes,
 * longer ones cut); returns its stored length. */
static uint16_t getstr(struct cur *c, char *out, size_t cap)
{
	uint16_t n = get16(c);
	size_t k = n < cap - 1 ? n : cap - 1;

	if (c->bad || (size_t)(c->end - c->p) < n) {
		c->bad = 1;
		out[0] = 0;
		return 0;
	}
	memcpy(out, c->p, k);
	out[k] = 0;
	c->p += n;
	return n;
}

static size_t cur_left(const struct cur *c)
{
	return c->bad ? 0 : (size_t)(c->end - c->p);
}

/* Read exactly n bytes; returns bytes read (< n at EOF) or -1 on a zlib/IO error. */
static ssize_t rd(struct scap_reader *r, void *p, size_t n)
{
	size_t got = 0;

	while (got < n) {
		unsigned chunk = n - got > (1u << 30) ? (1u << 30) : (unsigned)(n - got);
		int k = gzread(r->gz, (uint8_t *)p + got, chunk);

		if (k < 0)
			return -1;
		if (k == 0)
			break;
		got += (size_t)k;
	}
	r->off += got;
	return (ssize_t)got;
}

static const char *gzmsg(struct scap_reader *r)
{
	int zerr = 0;
	const char *m = gzerror(r->gz, &zerr);

	return (m && *m) ? m : "read error";
}

/* Make room for n bytes in the block buffer, growing as data actually arrives
 * (callers read in steps), so a lying length cannot make us allocate 64 MiB. */
static int reserve(struct scap_reader *r, size_t n)
{
	uint8_t *nb;
	size_t ncap;

	if (n <= r->cap)
		return 0;
	ncap = r->cap ? r->cap : 65536;
	while (ncap < n)
		ncap *= 2;
	nb = realloc(r->buf, ncap);
	if (!nb)
		return -ENOMEM;
	r->buf = nb;
	r->cap = ncap;
	return 0;
}

/* Read a block body of n bytes into r->buf. */
static int read_body(struct scap_reader *r, size_t n, uint64_t boff, uint32_t btype)
{
	size_t got = 0;

	while (got < n) {
		size_t step = n - got > (1u << 20) ? (1u << 20) : n - got;
		ssize_t k;

		if (reserve(r, got + step) < 0)
			return fail(r, -ENOMEM, boff, "out of memory for a block of %zu bytes", n);
		k = rd(r, r->buf + got, step);
		if (k < 0)
			return fail(r, -EIO, r->off, "%s", gzmsg(r));
		got += (size_t)k;
		if ((size_t)k < step)
			return fail(r, -EBADMSG, r->off,
				    "truncated block (type 0x%x at offset %llu: %zu of %zu bytes)",
				    btype, (unsigned long long)boff, got, n);
	}
	return 0;
}

static int parse_shb(struct scap_reader *r, const uint8_t *b, size_t n, uint64_t boff)
{
	struct cur c = {b, b + n, 0};
	uint32_t magic = get32(&c);

	r->st.major = get16(&c);
	r->st.minor = get16(&c);
	if (c.bad)
		return fail(r, -EBADMSG, boff, "section header block too short");
	if (magic == __builtin_bswap32(SCAP_SHB_MAGIC))
		return fail(r, -EPROTO, boff,
			    "capture written in the other byte order: unsupported");
	if (magic != SCAP_SHB_MAGIC)
		return fail(r, -EBADMSG, boff, "bad byte-order magic 0x%08x (not a scap file?)",
			    magic);
	if (r->st.major != 1)
		return fail(r, -EPROTO, boff, "unsupported scap format version %u.%u", r->st.major,
			    r->st.minor);
	/* Section length and options (pcapng-style) follow: not needed. */
	return 0;
}

static int parse_proclist(struct scap_reader *r, uint32_t bt, const uint8_t *b, size_t n,
			  uint64_t boff)
{
	char *comm = r->comm, *exe = r->exe, *exepath = r->exepath, *cwd = r->cwd, *root = r->root;
	struct cur c = {b, b + n, 0};
	int v = scap_pl_version(bt);

	while (cur_left(&c) >= 4) {
		struct scap_thread_seed t;
		const uint8_t *start = c.p;
		uint32_t sub_len = 0;
		struct cur e;
		uint16_t l;
		int rc;

		memset(&t, 0, sizeof(t));
		t.sid = t.vpgid = t.vtid = t.vpid = -1;
		t.loginuid = -1;
		t.block_type = bt;
		if (v >= 9) {
			sub_len = get32(&c);
			if (c.bad || sub_len < 4 || sub_len > (size_t)(c.end - start))
				return fail(r, -EBADMSG, boff + (uint64_t)(start - b) + 8,
					    "process list entry length %u out of block", sub_len);
			e = (struct cur){c.p, start + sub_len, 0};
		} else {
			e = c;
		}
		t.tid = (int64_t)get64(&e);
		t.pid = (int64_t)get64(&e);
		t.ptid = (int64_t)get64(&e);
		if (v >= 6)
			t.sid = (int64_t)get64(&e);
		if (v >= 8)
			t.vpgid = (int64_t)get64(&e);
		getstr(&e, comm, sizeof(r->comm));
		getstr(&e, exe, sizeof(r->exe));
		exepath[0] = 0;
		if (v >= 7)
			getstr(&e, exepath, sizeof(r->exepath));
		l = get16(&e);
		t.args = (const char *)e.p;
		t.args_len = l;
		take(&e, NULL, l);
		getstr(&e, cwd, sizeof(r->cwd));
		t.fdlimit = get64(&e);
		t.flags = get32(&e);
		t.uid = get32(&e);
		t.gid = get32(&e);
		root[0] = 0;
		if (v >= 2) {
			t.vmsize_kb = get32(&e);
			t.vmrss_kb = get32(&e);
			t.vmswap_kb = get32(&e);
			t.pfmajor = get64(&e);
			t.pfminor = get64(&e);
			if (v >= 3) {
				l = get16(&e);
				t.env = (const char *)e.p;
				t.env_len = l;
				take(&e, NULL, l);
			}
			if (v >= 4) {
				t.vtid = (int64_t)get64(&e);
				t.vpid = (int64_t)get64(&e);
				l = get16(&e);
				t.cgroups = (const char *)e.p;
				t.cgroups_len = l;
				take(&e, NULL, l);
				if (v >= 5)
					getstr(&e, root, sizeof(r->root));
			}
		}
		if (v >= 9) {
			/* Fields appended later are present when the entry is long enough. */
			if (cur_left(&e) >= 4)
				t.loginuid = (int32_t)get32(&e);
			if (cur_left(&e) >= 1)
				t.exe_writable = get8(&e);
			if (cur_left(&e) >= 8)
				t.cap_inheritable = get64(&e);
			if (cur_left(&e) >= 8)
				t.cap_permitted = get64(&e);
			if (cur_left(&e) >= 8)
				t.cap_effective = get64(&e);
		}
		if (e.bad)
			return fail(r, -EBADMSG, boff + 8 + (uint64_t)(start - b),
				    "truncated process list entry (block type 0x%x)", bt);
		if (!t.args)
			t.args = "";
		if (!t.env)
			t.env = "";
		if (!t.cgroups)
			t.cgroups = "";
		t.comm = comm;
		t.exe = exe;
		t.exepath = exepath;
		t.cwd = cwd;
		t.root = root;
		c.p = v >= 9 ? start + sub_len : e.p;
		r->st.threads++;
		if (r->conv)
			scap_conv_seed_thread(r->conv, t.tid, t.pid);
		if (r->cbs.thread && (rc = r->cbs.thread(r->cbs.ctx, &t)) != 0)
			return rc;
	}
	return 0;
}

static int parse_fdlist(struct scap_reader *r, uint32_t bt, const uint8_t *b, size_t n,
			uint64_t boff)
{
	char *name = r->name;
	struct cur c = {b, b + n, 0};
	int64_t tid = (int64_t)get64(&c);

	if (c.bad)
		return fail(r, -EBADMSG, boff, "fd list block too short");
	while (cur_left(&c) >= 4) {
		struct scap_fd_seed f;
		const uint8_t *start = c.p;
		uint32_t sub_len = 0;
		struct cur e;
		int rc;

		memset(&f, 0, sizeof(f));
		f.tid = tid;
		name[0] = 0;
		if (bt == SCAP_BT_FDL_V2) {
			sub_len = get32(&c);
			if (c.bad || sub_len < 4 || sub_len > (size_t)(c.end - start))
				return fail(r, -EBADMSG, boff + 8 + (uint64_t)(start - b),
					    "fd list entry length %u out of block", sub_len);
			e = (struct cur){c.p, start + sub_len, 0};
		} else {
			e = c;
		}
		f.fd = (int64_t)get64(&e);
		f.ino = get64(&e);
		f.type = get8(&e);
		switch (f.type) {
		case SCAP_FDT_IPV4_SOCK:
			take(&e, f.sip, 4);
			take(&e, f.dip, 4);
			f.sport = get16(&e);
			f.dport = get16(&e);
			f.l4proto = get8(&e);
			break;
		case SCAP_FDT_IPV4_SERVSOCK:
			take(&e, f.sip, 4);
			f.sport = get16(&e);
			f.l4proto = get8(&e);
			break;
		case SCAP_FDT_IPV6_SOCK:
			take(&e, f.sip, 16);
			take(&e, f.dip, 16);
			f.sport = get16(&e);
			f.dport = get16(&e);
			f.l4proto = get8(&e);
			break;
		case SCAP_FDT_IPV6_SERVSOCK:
			take(&e, f.sip, 16);
			f.sport = get16(&e);
			f.l4proto = get8(&e);
			break;
		case SCAP_FDT_UNIX_SOCK:
			f.unix_src = get64(&e);
			f.unix_dst = get64(&e);
			getstr(&e, name, sizeof(r->name));
			break;
		case SCAP_FDT_FILE_V2:
			f.open_flags = get32(&e);
			getstr(&e, name, sizeof(r->name));
			if (sub_len && cur_left(&e) >= 4)
				f.dev = get32(&e);
			break;
		case SCAP_FDT_UNKNOWN:
			break;
		default:
			if (f.type > SCAP_FDT_PIDFD && bt != SCAP_BT_FDL_V2)
				return fail(r, -EBADMSG, boff + 8 + (uint64_t)(start - b),
					    "unknown fd type %u in a v1 fd list", f.type);
			/* Every other type is a name only (newer ones too, in v2 entries). */
			getstr(&e, name, sizeof(r->name));
			break;
		}
		if (e.bad)
			return fail(r, -EBADMSG, boff + 8 + (uint64_t)(start - b),
				    "truncated fd list entry (fd type %u)", f.type);
		f.name = name;
		c.p = sub_len ? start + sub_len : e.p;
		r->st.fds++;
		if (r->cbs.fd && (rc = r->cbs.fd(r->cbs.ctx, &f)) != 0)
			return rc;
	}
	return 0;
}

static int parse_userlist(struct scap_reader *r, uint32_t bt, const uint8_t *b, size_t n,
			  uint64_t boff)
{
	char *name = r->name, *home = r->home, *shell = r->shell;
	struct cur c = {b, b + n, 0};

	while (cur_left(&c) >= 4) {
		struct scap_user_seed u;
		const uint8_t *start = c.p;
		uint32_t sub_len = 0;
		struct cur e;
		int rc;

		memset(&u, 0, sizeof(u));
		if (bt == SCAP_BT_UL_V2) {
			sub_len = get32(&c);
			if (c.bad || sub_len < 4 || sub_len > (size_t)(c.end - start))
				return fail(r, -EBADMSG, boff + 8 + (uint64_t)(start - b),
					    "user list entry length %u out of block", sub_len);
			e = (struct cur){c.p, start + sub_len, 0};
		} else {
			e = c;
		}
		home[0] = shell[0] = 0;
		u.is_group = get8(&e) == SCAP_USERBLOCK_GROUP;
		if (!u.is_group) {
			u.uid = get32(&e);
			u.gid = get32(&e);
			getstr(&e, name, sizeof(r->name));
			getstr(&e, home, sizeof(r->home));
			getstr(&e, shell, sizeof(r->shell));
		} else {
			u.gid = get32(&e);
			getstr(&e, name, sizeof(r->name));
		}
		if (e.bad)
			return fail(r, -EBADMSG, boff + 8 + (uint64_t)(start - b),
				    "truncated user list entry");
		u.name = name;
		u.homedir = home;
		u.shell = shell;
		c.p = sub_len ? start + sub_len : e.p;
		if (u.is_group)
			r->st.groups++;
		else
			r->st.users++;
		if (r->cbs.user && (rc = r->cbs.user(r->cbs.ctx, &u)) != 0)
			return rc;
	}
	return 0;
}

/* Interface list: one seed per address (type 1/3 IPv4, 2/4 IPv6; 3/4 without link speed). */
static int parse_iflist(struct scap_reader *r, uint32_t bt, const uint8_t *b, size_t n,
			uint64_t boff)
{
	struct cur c = {b, b + n, 0};

	while (cur_left(&c) >= 4) {
		const uint8_t *start = c.p;
		uint64_t eoff = boff + 8 + (uint64_t)(start - b);
		struct scap_iface_seed f;
		struct cur e;
		uint16_t namelen;
		int rc;

		memset(&f, 0, sizeof(f));
		if (bt == SCAP_BT_IL_V2) {
			/* The entry length does not count its own 4 bytes. */
			uint32_t len = get32(&c);

			if (c.bad || len > cur_left(&c))
				return fail(r, -EBADMSG, eoff, "interface list entry out of block");
			e = (struct cur){c.p, c.p + len, 0};
		} else {
			e = c;
		}
		f.type = get16(&e);
		namelen = get16(&e);
		switch (f.type) {
		case 1:
		case 3:
			take(&e, f.addr, 4);
			take(&e, f.netmask, 4);
			take(&e, f.bcast, 4);
			break;
		case 2:
		case 4:
			take(&e, f.addr, 16);
			take(&e, f.netmask, 16);
			take(&e, f.bcast, 16);
			break;
		default:
			return fail(r, -EBADMSG, eoff, "unknown interface type %u", f.type);
		}
		if (f.type <= 2)
			f.linkspeed = get64(&e);
		if (e.bad || namelen > cur_left(&e))
			return fail(r, -EBADMSG, eoff, "truncated interface list entry");
		{
			size_t k = namelen < sizeof(r->name) - 1 ? namelen : sizeof(r->name) - 1;

			memcpy(r->name, e.p, k);
			r->name[k] = 0;
			/* Some writers count the name's NUL: keep the C string. */
		}
		e.p += namelen;
		f.name = r->name;
		c.p = bt == SCAP_BT_IL_V2 ? e.end : e.p;
		r->st.interfaces++;
		if (r->cbs.iface && (rc = r->cbs.iface(r->cbs.ctx, &f)) != 0)
			return rc;
	}
	return 0;
}

static int parse_event(struct scap_reader *r, uint32_t bt, const uint8_t *b, size_t n,
		       uint64_t boff)
{
	struct cur c = {b, b + n, 0};
	struct scap_raw_evt e;
	const struct scap_ev_def *def;
	int v2 = scap_bt_is_ev_v2(bt);
	int large = scap_bt_is_ev_large(bt);
	uint32_t evlen, np, hdr = v2 ? 26 : 22;
	const uint8_t *evstart, *vals, *end;
	uint32_t lsz;
	int rc;

	/* Only the header fields: pval/plen are set for the nparams given (a
	 * full memset of the arrays was most of the per-event cost). */
	e.dump_flags = 0;
	e.nparams = 0;
	e.offset = boff;
	e.cpu = get16(&c);
	if (scap_bt_is_evf(bt))
		e.dump_flags = get32(&c);
	evstart = c.p;
	e.ts = get64(&c);
	e.tid = (int64_t)get64(&c);
	evlen = get32(&c);
	e.code = get16(&c);
	np = v2 ? get32(&c) : 0;
	if (c.bad)
		return fail(r, -EBADMSG, boff, "event block too short (%zu bytes)", n);
	if (evlen < hdr || evlen > (size_t)(c.end - evstart))
		return fail(r, -EBADMSG, boff, "event length %u does not fit its block (%zu bytes)",
			    evlen, (size_t)(c.end - evstart));
	end = evstart + evlen;
	r->st.raw_events++;
	if (e.code < SCAP_EV_CODES_2022)
		r->st.raw_events_2022++;
	def = scap_ev_def(e.code);
	if (!def) {
		r->st.unknown_codes++;
		return 0;
	}
	/* Large-payload events carry 32-bit parameter lengths; the block type says so
	 * in 1.2 files, the event table for older writers. */
	lsz = (large || (def->flags & SCAP_EVF_LARGE)) ? 4 : 2;
	if (!v2) {
		/* v1 events have no parameter count: the largest count whose
		 * lengths add up to the event length is the one (one pass over
		 * the running sums of the lengths). */
		uint64_t sum = 0;
		uint32_t k, max = def->nparams;
		int found = 0;

		if (max > SCAP_MAX_PARAMS)
			max = SCAP_MAX_PARAMS;
		for (k = 0; k <= max; k++) {
			uint32_t l = 0;

			if ((uint64_t)hdr + (uint64_t)k * lsz > evlen)
				break;
			if (hdr + (uint64_t)k * lsz + sum == evlen) {
				np = k;
				found = 1;
			}
			if (k < max && (uint64_t)hdr + (uint64_t)(k + 1) * lsz <= evlen) {
				memcpy(&l, evstart + hdr + (size_t)k * lsz, lsz);
				sum += l;
			}
		}
		if (!found)
			return fail(r, -EBADMSG, boff,
				    "event code %u: parameter lengths do not add up to %u bytes",
				    e.code, evlen);
	}
	if (np > SCAP_MAX_PARAMS)
		return fail(r, -EBADMSG, boff, "event code %u: %u parameters (at most %u)", e.code,
			    np, SCAP_MAX_PARAMS);
	if ((uint64_t)hdr + (uint64_t)np * lsz > evlen)
		return fail(r, -EBADMSG, boff, "event code %u: length table past the event",
			    e.code);
	vals = evstart + hdr + (size_t)np * lsz;
	e.nparams = np;
	for (uint32_t i = 0; i < np; i++) {
		uint32_t l = 0;

		memcpy(&l, evstart + hdr + (size_t)i * lsz, lsz);
		if (l > (size_t)(end - vals))
			return fail(r, -EBADMSG, boff,
				    "event code %u: parameter %u (%u bytes) past the event", e.code,
				    i, l);
		e.pval[i] = vals;
		e.plen[i] = l;
		vals += l;
	}
	if (r->cbs.raw && (rc = r->cbs.raw(r->cbs.ctx, &e)) != 0)
		return rc;
	if (r->conv)
		return scap_conv_feed(r->conv, &e, def);
	return 0;
}

static int conv_emit(void *ctx, const void *rec, uint32_t len)
{
	struct scap_reader *r = ctx;

	r->st.events++;
	return r->cbs.event(r->cbs.ctx, rec, len);
}

static struct scap_reader *reader_new(gzFile gz, const struct scap_reader_cbs *cbs)
{
	struct scap_reader *r;

	if (!gz)
		return NULL;
	r = calloc(1, sizeof(*r));
	if (!r) {
		gzclose(gz);
		errno = ENOMEM;
		return NULL;
	}
	r->gz = gz;
	if (cbs)
		r->cbs = *cbs;
	if (r->cbs.event) {
		r->conv = scap_conv_new(conv_emit, r, &r->st);
		if (!r->conv) {
			scap_reader_free(r);
			errno = ENOMEM;
			return NULL;
		}
	}
	gzbuffer(gz, 1u << 17);
	return r;
}

struct scap_reader *scap_reader_open(const char *path, const struct scap_reader_cbs *cbs)
{
	int fd = open(path, O_RDONLY | O_CLOEXEC);
	gzFile gz;

	if (fd < 0)
		return NULL;
	gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	return reader_new(gz, cbs);
}

struct scap_reader *scap_reader_open_mem(const void *buf, size_t len,
					 const struct scap_reader_cbs *cbs)
{
	int fd = memfd_create("scap", MFD_CLOEXEC);
	gzFile gz;
	size_t done = 0;

	if (fd < 0)
		return NULL;
	while (done < len) {
		ssize_t k = write(fd, (const uint8_t *)buf + done, len - done);

		if (k <= 0) {
			int e = errno ? errno : EIO;
			close(fd);
			errno = e;
			return NULL;
		}
		done += (size_t)k;
	}
	lseek(fd, 0, SEEK_SET);
	gz = gzdopen(fd, "rb");
	if (!gz) {
		close(fd);
		errno = ENOMEM;
		return NULL;
	}
	return reader_new(gz, cbs);
}

void scap_reader_free(struct scap_reader *r)
{
	if (!r)
		return;
	if (r->gz)
		gzclose(r->gz);
	scap_conv_free(r->conv);
	free(r->buf);
	free(r);
}

int scap_reader_run(struct scap_reader *r)
{
	int first = 1, rc = 0;

	for (;;) {
		uint32_t hdr[2], trailer;
		uint64_t boff = r->off;
		ssize_t k = rd(r, hdr, sizeof(hdr));
		size_t body;

		if (k < 0) {
			rc = fail(r, -EIO, r->off, "%s", gzmsg(r));
			break;
		}
		if (k == 0) {
			if (first)
				rc = fail(r, -EBADMSG, 0, "empty file");
			break;
		}
		if (k < (ssize_t)sizeof(hdr)) {
			rc = fail(r, -EBADMSG, boff, "truncated block header (%zd of 8 bytes)", k);
			break;
		}
		if (first && hdr[0] != SCAP_BT_SHB) {
			rc = fail(r, -EBADMSG, 0,
				  "not a scap capture (first block type 0x%08x, expected 0x%08x)",
				  hdr[0], SCAP_BT_SHB);
			break;
		}
		if (hdr[1] < 12 || hdr[1] % 4 != 0 || hdr[1] > SCAP_MAX_BLOCK_LEN) {
			rc = fail(r, -EBADMSG, boff, "bad block length %u (type 0x%x)", hdr[1],
				  hdr[0]);
			break;
		}
		body = hdr[1] - 12;
		if ((rc = read_body(r, body + 4, boff, hdr[0])) != 0)
			break;
		memcpy(&trailer, r->buf + body, 4);
		if (trailer != hdr[1]) {
			rc = fail(r, -EBADMSG, boff + 8 + body,
				  "block trailer length %u differs from header %u (type 0x%x)",
				  trailer, hdr[1], hdr[0]);
			break;
		}
		r->st.blocks++;
		switch (scap_bt_kind(hdr[0])) {
		case SCAP_BK_SHB:
			rc = parse_shb(r, r->buf, body, boff);
			break;
		case SCAP_BK_MI:
			break;
		case SCAP_BK_PL:
			rc = parse_proclist(r, hdr[0], r->buf, body, boff);
			break;
		case SCAP_BK_FDL:
			rc = parse_fdlist(r, hdr[0], r->buf, body, boff);
			break;
		case SCAP_BK_IL:
			rc = parse_iflist(r, hdr[0], r->buf, body, boff);
			break;
		case SCAP_BK_UL:
			rc = parse_userlist(r, hdr[0], r->buf, body, boff);
			break;
		case SCAP_BK_EV:
			rc = parse_event(r, hdr[0], r->buf, body, boff);
			break;
		default:
			r->st.blocks_skipped++;
			break;
		}
		if (rc)
			break;
		first = 0;
	}
	if (rc == 0 && r->conv)
		rc = scap_conv_finish(r->conv);
	r->st.bytes = r->off;
	return rc;
}

const char *scap_reader_error(const struct scap_reader *r)
{
	return r->err[0] ? r->err : "no error";
}

const struct scap_reader_stats *scap_reader_stats(const struct scap_reader *r)
{
	return &r->st;
}
