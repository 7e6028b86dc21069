/* event.c: build, validate, read and print event records (layout in event.h). */
#include "event.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* ------------------------------------------------------------------------ */
/* Parameter types                                                           */

static const struct {
	const char *name;
	uint8_t size; /* 0: variable length */
	uint8_t is_signed;
} ptype_desc[LNR_PT_MAX] = {
	[LNR_PT_NONE] = {"PT_NONE", 0, 0},
	[LNR_PT_INT8] = {"PT_INT8", 1, 1},
	[LNR_PT_INT16] = {"PT_INT16", 2, 1},
	[LNR_PT_INT32] = {"PT_INT32", 4, 1},
	[LNR_PT_INT64] = {"PT_INT64", 8, 1},
	[LNR_PT_UINT8] = {"PT_UINT8", 1, 0},
	[LNR_PT_UINT16] = {"PT_UINT16", 2, 0},
	[LNR_PT_UINT32] = {"PT_UINT32", 4, 0},
	[LNR_PT_UINT64] = {"PT_UINT64", 8, 0},
	[LNR_PT_CHARBUF] = {"PT_CHARBUF", 0, 0},
	[LNR_PT_BYTEBUF] = {"PT_BYTEBUF", 0, 0},
	[LNR_PT_ERRNO] = {"PT_ERRNO", 8, 1},
	[LNR_PT_SOCKADDR] = {"PT_SOCKADDR", 0, 0},
	[LNR_PT_SOCKTUPLE] = {"PT_SOCKTUPLE", 0, 0},
	[LNR_PT_FD] = {"PT_FD", 8, 1},
	[LNR_PT_PID] = {"PT_PID", 8, 1},
	[LNR_PT_FDLIST] = {"PT_FDLIST", 0, 0},
	[LNR_PT_FSPATH] = {"PT_FSPATH", 0, 0},
	[LNR_PT_SYSCALLID] = {"PT_SYSCALLID", 2, 0},
	[LNR_PT_SIGTYPE] = {"PT_SIGTYPE", 1, 0},
	[LNR_PT_RELTIME] = {"PT_RELTIME", 8, 0},
	[LNR_PT_ABSTIME] = {"PT_ABSTIME", 8, 0},
	[LNR_PT_PORT] = {"PT_PORT", 2, 0},
	[LNR_PT_L4PROTO] = {"PT_L4PROTO", 1, 0},
	[LNR_PT_SOCKFAMILY] = {"PT_SOCKFAMILY", 2, 0},
	[LNR_PT_BOOL] = {"PT_BOOL", 4, 0},
	[LNR_PT_IPV4ADDR] = {"PT_IPV4ADDR", 4, 0},
	[LNR_PT_DYN] = {"PT_DYN", 0, 0},
	[LNR_PT_FLAGS8] = {"PT_FLAGS8", 1, 0},
	[LNR_PT_FLAGS16] = {"PT_FLAGS16", 2, 0},
	[LNR_PT_FLAGS32] = {"PT_FLAGS32", 4, 0},
	[LNR_PT_UID] = {"PT_UID", 4, 0},
	[LNR_PT_GID] = {"PT_GID", 4, 0},
	[LNR_PT_DOUBLE] = {"PT_DOUBLE", 8, 0},
	[LNR_PT_SIGSET] = {"PT_SIGSET", 4, 0},
	[LNR_PT_CHARBUFARRAY] = {"PT_CHARBUFARRAY", 0, 0},
	[LNR_PT_CHARBUF_PAIR_ARRAY] = {"PT_CHARBUF_PAIR_ARRAY", 0, 0},
	[LNR_PT_IPV4NET] = {"PT_IPV4NET", 8, 0},
	[LNR_PT_IPV6ADDR] = {"PT_IPV6ADDR", 16, 0},
	[LNR_PT_IPV6NET] = {"PT_IPV6NET", 32, 0},
	[LNR_PT_IPADDR] = {"PT_IPADDR", 0, 0},
	[LNR_PT_IPNET] = {"PT_IPNET", 0, 0},
	[LNR_PT_MODE] = {"PT_MODE", 4, 0},
	[LNR_PT_FSRELPATH] = {"PT_FSRELPATH", 0, 0},
	[LNR_PT_ENUMFLAGS8] = {"PT_ENUMFLAGS8", 1, 0},
	[LNR_PT_ENUMFLAGS16] = {"PT_ENUMFLAGS16", 2, 0},
	[LNR_PT_ENUMFLAGS32] = {"PT_ENUMFLAGS32", 4, 0},
};

size_t lnr_ptype_size(enum lnr_ptype t)
{
	if ((unsigned)t >= LNR_PT_MAX)
		return 0;
	return ptype_desc[t].size;
}

const char *lnr_ptype_name(enum lnr_ptype t)
{
	if ((unsigned)t >= LNR_PT_MAX || !ptype_desc[t].name)
		return "PT_UNKNOWN";
	return ptype_desc[t].name;
}

/* Integer types: the fixed-size ones that hold a number (not an address blob). */
static int ptype_is_int(enum lnr_ptype t)
{
	switch (t) {
	case LNR_PT_IPV4NET:
	case LNR_PT_IPV6ADDR:
	case LNR_PT_IPV6NET:
	case LNR_PT_DOUBLE:
		return 0;
	default:
		return (unsigned)t < LNR_PT_MAX && ptype_desc[t].size > 0;
	}
}

static int ptype_is_str(enum lnr_ptype t)
{
	return t == LNR_PT_CHARBUF || t == LNR_PT_FSPATH || t == LNR_PT_FSRELPATH;
}

/* ------------------------------------------------------------------------ */
/* Name lookup: a sorted index built once, then binary search.               */

static uint16_t name_index[LNR_EVT_MAX];
static pthread_once_t name_once = PTHREAD_ONCE_INIT;

static int name_cmp(const void *a, const void *b)
{
	const struct lnr_evt_info *x = lnr_evt_info(*(const uint16_t *)a);
	const struct lnr_evt_info *y = lnr_evt_info(*(const uint16_t *)b);

	return strcmp(x->name, y->name);
}

static void name_index_build(void)
{
	for (uint16_t i = 0; i < LNR_EVT_MAX; i++)
		name_index[i] = i;
	qsort(name_index, LNR_EVT_MAX, sizeof(name_index[0]), name_cmp);
}

int lnr_evt_type_by_name(const char *name)
{
	size_t lo = 0, hi = LNR_EVT_MAX;

	if (!name)
		return -1;
	pthread_once(&name_once, name_index_build);
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		int c = strcmp(name, lnr_evt_info(name_index[mid])->name);

		if (c == 0)
			return name_index[mid];
		if (c < 0)
			hi = mid;
		else
			lo = mid + 1;
	}
	return -1;
}

int lnr_evt_param_index(const struct lnr_evt_info *info, const char *name)
{
	if (!info || !name)
		return -1;
	for (unsigned i = 0; i < info->nparams; i++)
		if (strcmp(info->params[i].name, name) == 0)
			return (int)i;
	return -1;
}

/* ------------------------------------------------------------------------ */
/* Builder                                                                   */

/* Length table entry i (memcpy: no alignment assumption on the table). */
static void evb_setlen(struct lnr_evt_builder *b, unsigned i, uint32_t v)
{
	memcpy(b->buf + LNR_EVT_HDR_LEN + (size_t)i * sizeof(uint32_t), &v, sizeof(v));
}

static uint32_t evb_getlen(const struct lnr_evt_builder *b, unsigned i)
{
	uint32_t v;

	memcpy(&v, b->buf + LNR_EVT_HDR_LEN + (size_t)i * sizeof(uint32_t), sizeof(v));
	return v;
}

int lnr_evb_init(struct lnr_evt_builder *b, void *buf, size_t cap, uint16_t type, uint64_t ts,
		 int64_t tid, int64_t pid)
{
	const struct lnr_evt_info *info = lnr_evt_info(type);
	struct lnr_evt_hdr *h = buf;
	size_t need;

	memset(b, 0, sizeof(*b));
	b->buf = buf;
	b->type = type;
	if (!info) {
		b->err = -EINVAL;
		return b->err;
	}
	if (cap > LNR_EVT_MAX_LEN)
		cap = LNR_EVT_MAX_LEN;
	need = LNR_EVT_HDR_LEN + (size_t)info->nparams * sizeof(uint32_t);
	if (!buf || cap < need) {
		b->err = -ENOSPC;
		return b->err;
	}
	b->cap = (uint32_t)cap;
	b->nparams = info->nparams;
	b->off = (uint32_t)need;
	memset(h, 0, need);
	h->ts = ts;
	h->tid = tid;
	h->pid = pid;
	h->type = type;
	h->nparams = info->nparams;
	return 0;
}

/* Type of the next parameter, or NULL (error recorded) when there is none. */
static const struct lnr_param_info *evb_next(struct lnr_evt_builder *b)
{
	if (b->err)
		return NULL;
	if (b->next >= b->nparams) {
		b->err = -E2BIG;
		return NULL;
	}
	return &lnr_evt_info(b->type)->params[b->next];
}

static void evb_put(struct lnr_evt_builder *b, const void *p, uint32_t n, uint32_t flags)
{
	if (n)
		memcpy(b->buf + b->off, p, n);
	evb_setlen(b, b->next, n | flags);
	b->off += n;
	b->next++;
}

/* Store the low bytes of v in the declared size of an integer parameter
 * (event.h: narrowing, not an error; -1 into a UINT32 is 4294967295). */
static void evb_int(struct lnr_evt_builder *b, uint64_t raw)
{
	const struct lnr_param_info *pi = evb_next(b);
	size_t sz;
	uint8_t tmp[8];

	if (!pi)
		return;
	if (!ptype_is_int(pi->type)) {
		b->err = -EINVAL;
		return;
	}
	sz = ptype_desc[pi->type].size;
	if (b->cap - b->off < sz) {
		b->err = -ENOSPC;
		return;
	}
	switch (sz) {
	case 1: {
		uint8_t x = (uint8_t)raw;
		memcpy(tmp, &x, 1);
		break;
	}
	case 2: {
		uint16_t x = (uint16_t)raw;
		memcpy(tmp, &x, 2);
		break;
	}
	case 4: {
		uint32_t x = (uint32_t)raw;
		memcpy(tmp, &x, 4);
		break;
	}
	default:
		memcpy(tmp, &raw, 8);
		break;
	}
	evb_put(b, tmp, (uint32_t)sz, 0);
}

void lnr_evb_s64(struct lnr_evt_builder *b, int64_t v)
{
	evb_int(b, (uint64_t)v);
}

void lnr_evb_u64(struct lnr_evt_builder *b, uint64_t v)
{
	evb_int(b, v);
}

void lnr_evb_absent(struct lnr_evt_builder *b)
{
	if (evb_next(b))
		evb_put(b, NULL, 0, 0);
}

/* Append n bytes of a variable-length value (NUL included for strings),
 * cutting at the space left; strings and string arrays keep a final NUL. */
static void evb_var(struct lnr_evt_builder *b, const struct lnr_param_info *pi, const void *p,
		    size_t n, int truncated)
{
	int nul_end = ptype_is_str(pi->type) || pi->type == LNR_PT_CHARBUFARRAY;
	size_t room = b->cap - b->off;

	if (n > LNR_PARAM_LEN_MASK) {
		n = LNR_PARAM_LEN_MASK;
		truncated = 1;
	}
	if (n > room) {
		n = room;
		truncated = 1;
	}
	if (nul_end && truncated && n == 0) {
		/* Not even room for the NUL. */
		b->err = -ENOSPC;
		return;
	}
	if (n)
		memcpy(b->buf + b->off, p, n);
	if (nul_end && truncated)
		b->buf[b->off + n - 1] = '\0';
	evb_setlen(b, b->next, (uint32_t)n | (truncated ? LNR_PARAM_TRUNC : 0));
	b->off += (uint32_t)n;
	b->next++;
}

void lnr_evb_str(struct lnr_evt_builder *b, const char *s, size_t maxlen)
{
	const struct lnr_param_info *pi = evb_next(b);
	size_t len;
	int trunc = 0;

	if (!pi)
		return;
	if (!ptype_is_str(pi->type) && pi->type != LNR_PT_BYTEBUF &&
	    pi->type != LNR_PT_CHARBUFARRAY) {
		b->err = -EINVAL;
		return;
	}
	if (!s) {
		evb_put(b, NULL, 0, 0);
		return;
	}
	len = strlen(s);
	if (maxlen && len > maxlen) {
		len = maxlen;
		trunc = 1;
	}
	if (!trunc) {
		evb_var(b, pi, s, len + 1, 0);
		return;
	}
	/* Cut: copy len bytes and terminate; evb_var may cut further. */
	if (b->cap - b->off < len + 1) {
		evb_var(b, pi, s, len + 1, 1);
		return;
	}
	memcpy(b->buf + b->off, s, len);
	b->buf[b->off + len] = '\0';
	evb_setlen(b, b->next, (uint32_t)(len + 1) | LNR_PARAM_TRUNC);
	b->off += (uint32_t)(len + 1);
	b->next++;
}

void lnr_evb_bytes(struct lnr_evt_builder *b, const void *p, size_t n, int truncated)
{
	const struct lnr_param_info *pi = evb_next(b);
	size_t fixed;

	if (!pi)
		return;
	if (!p && n) {
		b->err = -EINVAL;
		return;
	}
	fixed = lnr_ptype_size(pi->type);
	if (fixed) {
		/* A fixed-size value given raw: all of it or nothing. */
		if (n != 0 && n != fixed) {
			b->err = -EINVAL;
			return;
		}
		if (b->cap - b->off < n) {
			b->err = -ENOSPC;
			return;
		}
		evb_put(b, p, (uint32_t)n, 0);
		return;
	}
	if ((ptype_is_str(pi->type) || pi->type == LNR_PT_CHARBUFARRAY) && n &&
	    ((const uint8_t *)p)[n - 1] != '\0' && !truncated) {
		/* An unterminated string would be rejected by the decoder. */
		b->err = -EINVAL;
		return;
	}
	evb_var(b, pi, p, n, truncated);
}

int lnr_evb_finish(struct lnr_evt_builder *b)
{
	struct lnr_evt_hdr *h;

	if (b->err)
		return b->err;
	if (b->next != b->nparams)
		return -EINVAL;
	h = (struct lnr_evt_hdr *)(void *)b->buf;
	for (unsigned i = 0; i < b->nparams; i++)
		if (evb_getlen(b, i) & LNR_PARAM_TRUNC)
			h->flags |= LNR_EVF_TRUNCATED;
	h->len = b->off;
	return (int)b->off;
}

/* ------------------------------------------------------------------------ */
/* Decoder                                                                   */

static int bad(const char **why, const char *reason)
{
	if (why)
		*why = reason;
	return -EBADMSG;
}

int lnr_evt_decode(const void *rec, size_t avail, struct lnr_evt_view *v, const char **why)
{
	const uint8_t *base = rec;
	struct lnr_evt_hdr h;
	const struct lnr_evt_info *info;
	uint32_t lens[LNR_EVT_MAX_PARAMS];
	size_t off, table;

	if (why)
		*why = NULL;
	if (!rec || avail < LNR_EVT_HDR_LEN)
		return bad(why, "shorter than the header");
	/* Copy: rec may be unaligned when it comes from a file or a fuzzer. */
	memcpy(&h, base, sizeof(h));
	if (h.len < LNR_EVT_HDR_LEN)
		return bad(why, "length smaller than the header");
	if (h.len > LNR_EVT_MAX_LEN)
		return bad(why, "length above LNR_EVT_MAX_LEN");
	if (h.len > avail)
		return bad(why, "length beyond the available bytes");
	if (h.reserved != 0)
		return bad(why, "reserved header field not zero");
	info = lnr_evt_info(h.type);
	if (!info)
		return bad(why, "unknown event type");
	if (h.nparams != info->nparams)
		return bad(why, "parameter count does not match the event type");
	table = LNR_EVT_HDR_LEN + (size_t)h.nparams * sizeof(uint32_t);
	if (table > h.len)
		return bad(why, "length table beyond the record");
	memcpy(lens, base + LNR_EVT_HDR_LEN, (size_t)h.nparams * sizeof(uint32_t));

	off = table;
	for (unsigned i = 0; i < h.nparams; i++) {
		uint32_t l = lens[i] & LNR_PARAM_LEN_MASK;
		const struct lnr_param_info *pi = &info->params[i];
		size_t fixed = lnr_ptype_size(pi->type);
		const uint8_t *p = base + off;

		if (lens[i] & ~(LNR_PARAM_LEN_MASK | LNR_PARAM_TRUNC))
			return bad(why, "reserved bit set in a parameter length");
		if (l > h.len - off)
			return bad(why, "parameter lengths exceed the record");
		if (l != 0) {
			if (fixed && l != fixed)
				return bad(why, "fixed-size parameter of the wrong length");
			if (ptype_is_str(pi->type)) {
				if (p[l - 1] != '\0')
					return bad(why, "string parameter not NUL-terminated");
				if (memchr(p, '\0', l - 1))
					return bad(why, "string parameter with an embedded NUL");
			} else if (pi->type == LNR_PT_CHARBUFARRAY && p[l - 1] != '\0') {
				return bad(why, "string array not NUL-terminated");
			} else if (pi->type == LNR_PT_FDLIST) {
				uint16_t cnt;

				if (l < 2)
					return bad(why, "fd list shorter than its count");
				memcpy(&cnt, p, 2);
				if ((size_t)l != 2 + (size_t)cnt * LNR_FDLIST_ENTRY_LEN)
					return bad(why, "fd list length does not match its count");
			}
		}
		if (v) {
			v->pval[i] = p;
			v->plen[i] = l;
			v->pflags[i] = lens[i] & LNR_PARAM_TRUNC;
		}
		off += l;
	}
	if (off != h.len)
		return bad(why, "parameter lengths do not add up to the record length");
	if (v) {
		v->hdr = rec;
		v->info = info;
		v->nparams = h.nparams;
	}
	return 0;
}

/* ------------------------------------------------------------------------ */
/* Accessors                                                                 */

static int get_raw_int(const struct lnr_evt_view *v, unsigned i, uint64_t *u, int *is_signed,
		       size_t *sz)
{
	enum lnr_ptype t;

	if (!v || !v->info || i >= v->nparams)
		return -EINVAL;
	t = v->info->params[i].type;
	if (!ptype_is_int(t))
		return -EINVAL;
	if (v->plen[i] == 0)
		return -ENOENT;
	*sz = ptype_desc[t].size;
	*is_signed = ptype_desc[t].is_signed;
	switch (*sz) {
	case 1: {
		uint8_t x;
		memcpy(&x, v->pval[i], 1);
		*u = *is_signed ? (uint64_t)(int64_t)(int8_t)x : x;
		break;
	}
	case 2: {
		uint16_t x;
		memcpy(&x, v->pval[i], 2);
		*u = *is_signed ? (uint64_t)(int64_t)(int16_t)x : x;
		break;
	}
	case 4: {
		uint32_t x;
		memcpy(&x, v->pval[i], 4);
		*u = *is_signed ? (uint64_t)(int64_t)(int32_t)x : x;
		break;
	}
	default:
		memcpy(u, v->pval[i], 8);
		break;
	}
	return 0;
}

int lnr_evt_get_s64(const struct lnr_evt_view *v, unsigned i, int64_t *out)
{
	uint64_t u;
	int s, rc;
	size_t sz;

	rc = get_raw_int(v, i, &u, &s, &sz);
	if (rc == 0 && out)
		*out = (int64_t)u;
	return rc;
}

int lnr_evt_get_u64(const struct lnr_evt_view *v, unsigned i, uint64_t *out)
{
	uint64_t u;
	int s, rc;
	size_t sz;

	rc = get_raw_int(v, i, &u, &s, &sz);
	if (rc == 0 && out)
		*out = u;
	return rc;
}

const char *lnr_evt_get_str(const struct lnr_evt_view *v, unsigned i)
{
	if (!v || !v->info || i >= v->nparams || v->plen[i] == 0)
		return NULL;
	if (!ptype_is_str(v->info->params[i].type))
		return NULL;
	return (const char *)v->pval[i];
}

const uint8_t *lnr_evt_get_bytes(const struct lnr_evt_view *v, unsigned i, uint32_t *len)
{
	if (len)
		*len = 0;
	if (!v || !v->info || i >= v->nparams || v->plen[i] == 0)
		return NULL;
	if (len)
		*len = v->plen[i];
	return v->pval[i];
}

const char *lnr_errno_name(int err)
{
	if (err <= 0 || err > 4095)
		return NULL;
	return strerrorname_np(err);
}

/* ------------------------------------------------------------------------ */
/* Socket address encodings                                                  */

size_t lnr_sockaddr_encode_in4(uint8_t *out, size_t cap, const uint8_t addr[4], uint16_t port)
{
	if (cap < 7)
		return 0;
	out[0] = LNR_AF_INET;
	memcpy(out + 1, addr, 4);
	memcpy(out + 5, &port, 2);
	return 7;
}

size_t lnr_sockaddr_encode_in6(uint8_t *out, size_t cap, const uint8_t addr[16], uint16_t port)
{
	if (cap < 19)
		return 0;
	out[0] = LNR_AF_INET6;
	memcpy(out + 1, addr, 16);
	memcpy(out + 17, &port, 2);
	return 19;
}

static size_t un_path_len(const char *path, size_t pathlen)
{
	const char *nul;

	if (!path)
		return 0;
	if (pathlen > LNR_UNIX_PATH_MAX)
		pathlen = LNR_UNIX_PATH_MAX;
	/* Abstract sockets start with a NUL; keep what precedes any NUL otherwise. */
	nul = memchr(path, '\0', pathlen);
	return nul ? (size_t)(nul - path) : pathlen;
}

size_t lnr_sockaddr_encode_un(uint8_t *out, size_t cap, const char *path, size_t pathlen)
{
	size_t l = un_path_len(path, pathlen);

	if (cap < 1 + l + 1)
		return 0;
	out[0] = LNR_AF_UNIX;
	if (l)
		memcpy(out + 1, path, l);
	out[1 + l] = '\0';
	return 1 + l + 1;
}

size_t lnr_socktuple_encode_in4(uint8_t *out, size_t cap, const uint8_t saddr[4], uint16_t sport,
				const uint8_t daddr[4], uint16_t dport)
{
	if (cap < 13)
		return 0;
	out[0] = LNR_AF_INET;
	memcpy(out + 1, saddr, 4);
	memcpy(out + 5, &sport, 2);
	memcpy(out + 7, daddr, 4);
	memcpy(out + 11, &dport, 2);
	return 13;
}

size_t lnr_socktuple_encode_in6(uint8_t *out, size_t cap, const uint8_t saddr[16], uint16_t sport,
				const uint8_t daddr[16], uint16_t dport)
{
	if (cap < 37)
		return 0;
	out[0] = LNR_AF_INET6;
	memcpy(out + 1, saddr, 16);
	memcpy(out + 17, &sport, 2);
	memcpy(out + 19, daddr, 16);
	memcpy(out + 35, &dport, 2);
	return 37;
}

size_t lnr_socktuple_encode_un(uint8_t *out, size_t cap, uint64_t src, uint64_t dst,
			       const char *path, size_t pathlen)
{
	size_t l = un_path_len(path, pathlen);

	if (cap < 17 + l + 1)
		return 0;
	out[0] = LNR_AF_UNIX;
	memcpy(out + 1, &src, 8);
	memcpy(out + 9, &dst, 8);
	if (l)
		memcpy(out + 17, path, l);
	out[17 + l] = '\0';
	return 17 + l + 1;
}

static int un_path_ok(const uint8_t *p, size_t n)
{
	return n >= 1 && p[n - 1] == '\0';
}

int lnr_sockaddr_decode(const uint8_t *p, size_t n, struct lnr_sockaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (!p || n < 1)
		return -EBADMSG;
	out->family = p[0];
	switch (p[0]) {
	case LNR_AF_INET:
		if (n != 7)
			return -EBADMSG;
		memcpy(out->saddr, p + 1, 4);
		memcpy(&out->sport, p + 5, 2);
		return 0;
	case LNR_AF_INET6:
		if (n != 19)
			return -EBADMSG;
		memcpy(out->saddr, p + 1, 16);
		memcpy(&out->sport, p + 17, 2);
		return 0;
	case LNR_AF_UNIX:
		if (!un_path_ok(p + 1, n - 1))
			return -EBADMSG;
		out->path = (const char *)p + 1;
		return 0;
	default:
		return -EAFNOSUPPORT;
	}
}

int lnr_socktuple_decode(const uint8_t *p, size_t n, struct lnr_sockaddr *out)
{
	memset(out, 0, sizeof(*out));
	if (!p || n < 1)
		return -EBADMSG;
	out->family = p[0];
	switch (p[0]) {
	case LNR_AF_INET:
		if (n != 13)
			return -EBADMSG;
		memcpy(out->saddr, p + 1, 4);
		memcpy(&out->sport, p + 5, 2);
		memcpy(out->daddr, p + 7, 4);
		memcpy(&out->dport, p + 11, 2);
		return 0;
	case LNR_AF_INET6:
		if (n != 37)
			return -EBADMSG;
		memcpy(out->saddr, p + 1, 16);
		memcpy(&out->sport, p + 17, 2);
		memcpy(out->daddr, p + 19, 16);
		memcpy(&out->dport, p + 35, 2);
		return 0;
	case LNR_AF_UNIX:
		if (n < 17 || !un_path_ok(p + 17, n - 17))
			return -EBADMSG;
		memcpy(&out->sptr, p + 1, 8);
		memcpy(&out->dptr, p + 9, 8);
		out->path = (const char *)p + 17;
		return 0;
	default:
		return -EAFNOSUPPORT;
	}
}
