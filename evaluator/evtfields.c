/* evtfields.c: Falco's event fields (evt.type, evt.arg.*, evt.res, evt.time, ...) from a record. */
#include "evtfields.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>

#include "fields.h"

/* libscap open flags and modes the evt.is_open_* fields test. */
#define PPM_O_RDONLY (1u << 0)
#define PPM_O_WRONLY (1u << 1)
#define PPM_O_CREAT (1u << 2)
#define PPM_O_F_CREATED (1u << 14)
#define PPM_S_IXOTH (1u << 0)
#define PPM_S_IXGRP (1u << 3)
#define PPM_S_IXUSR (1u << 6)

static const char *const cat_names[] = {
	[LNR_EC_UNKNOWN] = "unknown",
	[LNR_EC_OTHER] = "other",
	[LNR_EC_FILE] = "file",
	[LNR_EC_NET] = "net",
	[LNR_EC_IPC] = "IPC",
	[LNR_EC_MEMORY] = "memory",
	[LNR_EC_PROCESS] = "process",
	[LNR_EC_SLEEP] = "sleep",
	[LNR_EC_SYSTEM] = "system",
	[LNR_EC_SIGNAL] = "signal",
	[LNR_EC_USER] = "user",
	[LNR_EC_TIME] = "time",
	[LNR_EC_IO_READ] = "I/O",
	[LNR_EC_IO_WRITE] = "I/O",
	[LNR_EC_IO_OTHER] = "I/O",
	[LNR_EC_WAIT] = "wait",
	[LNR_EC_SCHEDULER] = "scheduler",
	[LNR_EC_INTERNAL] = "internal",
};

void evf_begin(struct evf_ctx *x, const struct lnr_evt_view *ev, const char *hostname)
{
	x->ev = ev;
	x->hostname = hostname;
	x->used = 0;
}

static char *scratch(struct evf_ctx *x, size_t n)
{
	char *p;

	if (n > EVF_SCRATCH_SIZE - x->used)
		return NULL;
	p = x->scratch + x->used;
	x->used += n;
	return p;
}

static int put_str(struct fld_val *out, const char *s, size_t len)
{
	if (!s)
		return 0;
	out->str.p = s;
	out->str.len = len;
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

/* Parameter indexes the hot fields need, per event type, found once at start-up. */
static int8_t idx_flags[LNR_EVT_MAX], idx_mode[LNR_EVT_MAX], idx_res[LNR_EVT_MAX],
	idx_data[LNR_EVT_MAX];

__attribute__((constructor)) static void evf_init_indexes(void)
{
	for (unsigned t = 0; t < LNR_EVT_MAX; t++) {
		const struct lnr_evt_info *info = lnr_evt_info((uint16_t)t);
		int r;

		idx_flags[t] = (int8_t)lnr_evt_param_index(info, "flags");
		idx_mode[t] = (int8_t)lnr_evt_param_index(info, "mode");
		idx_data[t] = (int8_t)lnr_evt_param_index(info, "data");
		r = lnr_evt_param_index(info, "res");
		if (r < 0 && (info->flags & LNR_EF_CREATES_FD))
			r = lnr_evt_param_index(info, "fd");
		idx_res[t] = (int8_t)r;
	}
}

/* Index of the parameter an evt.arg/evt.rawarg reference names, or -1. */
static int arg_index(const struct lnr_evt_view *v, const struct fld_ref *f)
{
	if (!f->arg)
		return -1;
	if (!f->arg_dotted && f->index >= 0)
		return f->index < v->nparams ? (int)f->index : -1;
	for (unsigned i = 0; i < v->nparams; i++) {
		const char *n = v->info->params[i].name;

		if (strlen(n) == f->arg_len && memcmp(n, f->arg, f->arg_len) == 0)
			return (int)i;
	}
	return -1;
}

/* The event's return value: "res", else the fd a creating call returned. */
static int get_res(const struct lnr_evt_view *v, int64_t *res)
{
	int i = idx_res[v->hdr->type];

	if (i < 0 || lnr_evt_get_s64(v, (unsigned)i, res) != 0)
		return -ENOENT;
	return 0;
}

static int is_open_type(uint16_t t)
{
	return t == LNR_EVT_OPEN || t == LNR_EVT_OPENAT || t == LNR_EVT_OPENAT2 ||
	       t == LNR_EVT_CREAT;
}

static uint64_t uarg_idx(const struct lnr_evt_view *v, int i)
{
	uint64_t u = 0;

	if (i >= 0)
		lnr_evt_get_u64(v, (unsigned)i, &u);
	return u;
}

static const char *time_text(struct evf_ctx *x, uint64_t ts, int with_date, int iso)
{
	char *b = scratch(x, 48);
	time_t s = (time_t)(ts / 1000000000u);
	struct tm tm;

	if (!b)
		return NULL;
	if (iso) {
		gmtime_r(&s, &tm);
		strftime(b, 48, "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(b + strlen(b), 48 - strlen(b), ".%09uZ", (unsigned)(ts % 1000000000u));
		return b;
	}
	localtime_r(&s, &tm);
	strftime(b, 48, with_date ? "%Y-%m-%d %H:%M:%S" : "%H:%M:%S", &tm);
	snprintf(b + strlen(b), 48 - strlen(b), ".%09u", (unsigned)(ts % 1000000000u));
	return b;
}

int evf_get(struct evf_ctx *x, const struct fld_ref *f, struct fld_val *out, uint32_t max)
{
	const struct lnr_evt_view *v = x->ev;
	const struct lnr_evt_hdr *h;
	uint64_t ts;
	int64_t res;
	int i;

	if (!v || !max)
		return 0;
	h = v->hdr;
	memcpy(&ts, &h->ts, sizeof(ts));
	switch (f->id) {
	case FLD_EVT_TYPE:
	case FLD_SYSCALL_TYPE:
		return put_str(out, v->info->name, strlen(v->info->name));
	case FLD_EVT_DIR:
		return put_str(out, "<", 1); /* every Lanner event is taken at exit */
	case FLD_EVT_CATEGORY: {
		const char *c = (unsigned)v->info->category < sizeof(cat_names) / sizeof(*cat_names)
					? cat_names[v->info->category]
					: "unknown";

		return put_str(out, c, strlen(c));
	}
	case FLD_EVT_CPU:
		return put_s64(out, h->cpu, LNR_PT_INT16);
	case FLD_EVT_RAWTIME:
		return put_u64(out, ts, LNR_PT_ABSTIME);
	case FLD_EVT_RAWTIME_S:
		return put_u64(out, ts / 1000000000u, LNR_PT_UINT64);
	case FLD_EVT_RAWTIME_NS:
		return put_u64(out, ts % 1000000000u, LNR_PT_UINT64);
	case FLD_EVT_TIME: {
		const char *t = time_text(x, ts, 0, 0);

		return t ? put_str(out, t, strlen(t)) : -ENOMEM;
	}
	case FLD_EVT_TIME_S: {
		char *b = scratch(x, 24);

		if (!b)
			return -ENOMEM;
		snprintf(b, 24, "%llu", (unsigned long long)(ts / 1000000000u));
		return put_str(out, b, strlen(b));
	}
	case FLD_EVT_TIME_ISO8601: {
		const char *t = time_text(x, ts, 1, 1);

		return t ? put_str(out, t, strlen(t)) : -ENOMEM;
	}
	case FLD_EVT_DATETIME: {
		const char *t = time_text(x, ts, 1, 0);

		return t ? put_str(out, t, strlen(t)) : -ENOMEM;
	}
	case FLD_EVT_RES:
		if (get_res(v, &res) != 0)
			return 0;
		if (res >= 0)
			return put_str(out, "SUCCESS", 7);
		{
			const char *e = lnr_errno_name((int)-res);

			if (e)
				return put_str(out, e, strlen(e));
			char *b = scratch(x, 24);

			if (!b)
				return -ENOMEM;
			snprintf(b, 24, "%lld", (long long)res);
			return put_str(out, b, strlen(b));
		}
	case FLD_EVT_RAWRES:
		return get_res(v, &res) == 0 ? put_s64(out, res, LNR_PT_INT64) : 0;
	case FLD_EVT_FAILED:
		return get_res(v, &res) == 0 ? put_u64(out, res < 0, LNR_PT_BOOL) : 0;
	case FLD_EVT_ARG: {
		char *b;
		int n;

		i = arg_index(v, f);
		if (i < 0 || v->plen[i] == 0)
			return 0;
		n = lnr_evt_param_format(v, (unsigned)i, NULL, 0);
		b = scratch(x, (size_t)n + 1);
		if (!b)
			return -ENOMEM;
		lnr_evt_param_format(v, (unsigned)i, b, (size_t)n + 1);
		return put_str(out, b, (size_t)n);
	}
	case FLD_EVT_RAWARG: {
		enum lnr_ptype t;

		i = arg_index(v, f);
		if (i < 0 || v->plen[i] == 0)
			return 0;
		t = v->info->params[i].type;
		switch (t) {
		case LNR_PT_CHARBUF:
		case LNR_PT_FSPATH:
		case LNR_PT_FSRELPATH:
			out->str.p = (const char *)v->pval[i];
			out->str.len = v->plen[i] ? v->plen[i] - 1 : 0;
			out->type = (uint16_t)t;
			return 1;
		case LNR_PT_BYTEBUF:
			out->str.p = (const char *)v->pval[i];
			out->str.len = v->plen[i];
			out->type = (uint16_t)t;
			return 1;
		case LNR_PT_INT8:
		case LNR_PT_INT16:
		case LNR_PT_INT32:
		case LNR_PT_INT64:
		case LNR_PT_ERRNO:
		case LNR_PT_FD:
		case LNR_PT_PID:
			if (lnr_evt_get_s64(v, (unsigned)i, &res) != 0)
				return 0;
			return put_s64(out, res, t);
		default:
			if (lnr_ptype_size(t) == 0 || lnr_ptype_size(t) > 8)
				return 0;
			{
				uint64_t u;

				if (lnr_evt_get_u64(v, (unsigned)i, &u) != 0)
					return 0;
				return put_u64(out, u, t);
			}
		}
	}
	case FLD_EVT_ARGS: {
		/* "name=value name=value" as libsinsp's evt.args. */
		size_t cap = 0;
		char *b;
		size_t o = 0;

		for (unsigned k = 0; k < v->nparams; k++)
			cap += strlen(v->info->params[k].name) + 2 +
			       (size_t)lnr_evt_param_format(v, k, NULL, 0);
		b = scratch(x, cap + 1);
		if (!b)
			return -ENOMEM;
		b[0] = '\0';
		for (unsigned k = 0; k < v->nparams; k++) {
			int w = snprintf(b + o, cap + 1 - o, "%s%s=", k ? " " : "",
					 v->info->params[k].name);

			o += (size_t)w;
			o += (size_t)lnr_evt_param_format(v, k, b + o, cap + 1 - o);
		}
		return put_str(out, b, strlen(b));
	}
	case FLD_EVT_BUFFER: {
		int d = idx_data[h->type];

		if (d < 0 || v->plen[d] == 0)
			return 0;
		out->str.p = (const char *)v->pval[d];
		out->str.len = v->plen[d];
		out->type = LNR_PT_BYTEBUF;
		return 1;
	}
	case FLD_EVT_BUFLEN: {
		int d = idx_data[h->type];

		if (d < 0)
			return 0;
		return get_res(v, &res) == 0 && res >= 0
			       ? put_u64(out, (uint64_t)res, LNR_PT_UINT64)
			       : 0;
	}
	case FLD_EVT_IS_OPEN_READ:
	case FLD_EVT_IS_OPEN_WRITE:
	case FLD_EVT_IS_OPEN_EXEC:
	case FLD_EVT_IS_OPEN_CREATE: {
		uint64_t flags, mode;

		if (!is_open_type(h->type))
			return put_u64(out, 0, LNR_PT_BOOL);
		flags = uarg_idx(v, idx_flags[h->type]);
		mode = uarg_idx(v, idx_mode[h->type]);
		if (h->type == LNR_EVT_CREAT)
			flags |= PPM_O_CREAT | PPM_O_WRONLY;
		if (f->id == FLD_EVT_IS_OPEN_READ)
			return put_u64(out, (flags & PPM_O_RDONLY) != 0, LNR_PT_BOOL);
		if (f->id == FLD_EVT_IS_OPEN_WRITE)
			return put_u64(out, (flags & PPM_O_WRONLY) != 0, LNR_PT_BOOL);
		if (f->id == FLD_EVT_IS_OPEN_CREATE)
			return put_u64(out, (flags & (PPM_O_CREAT | PPM_O_F_CREATED)) != 0,
				       LNR_PT_BOOL);
		return put_u64(out,
			       (flags & (PPM_O_CREAT | PPM_O_F_CREATED)) &&
				       (mode & (PPM_S_IXUSR | PPM_S_IXGRP | PPM_S_IXOTH)),
			       LNR_PT_BOOL);
	}
	case FLD_EVT_TYPE_IS:
		return put_u64(out,
			       f->arg && strlen(v->info->name) == f->arg_len &&
				       memcmp(v->info->name, f->arg, f->arg_len) == 0,
			       LNR_PT_UINT32);
	case FLD_EVT_COUNT:
		return put_u64(out, 1, LNR_PT_UINT32);
	case FLD_EVT_HOSTNAME:
		return x->hostname ? put_str(out, x->hostname, strlen(x->hostname)) : 0;
	case FLD_EVT_SOURCE:
		return put_str(out, "syscall", 7);
	case FLD_EVT_IS_ASYNC:
		return put_u64(out, 0, LNR_PT_BOOL);
	default:
		return 0;
	}
}
