/* scap_conv.c: pairs scap enter/exit events per thread and builds Lanner event records. */
#include "scap_conv.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

#define TMAP_BUCKETS 4096u
#define CK_ENTER_ONLY 0x1u /* an enter event without exit (procexit, container, ...) */
#define CK_DROP 0x2u	   /* drop meta events: converted at enter, exit ignored */
/* Bound on remembered tid -> pid entries; the map is cleared beyond it. */
#define PIDMAP_MAX (1u << 20)

/* A stored enter event: its parameters copied, so the file buffer can move on. */
struct pending {
	int live;   /* holds an enter waiting for its exit (the buffers are reused) */
	size_t cap; /* bytes at data */
	uint16_t code;
	uint32_t nparams;
	uint32_t plen[SCAP_MAX_PARAMS];
	uint32_t poff[SCAP_MAX_PARAMS];
	uint8_t *data;
};

struct tnode {
	struct tnode *next;
	int64_t tid;
	int64_t pid;	      /* pid map */
	struct pending *pend; /* pending map */
};

struct tmap {
	struct tnode *b[TMAP_BUCKETS];
	size_t n;
};

struct scap_conv {
	scap_conv_emit_fn emit;
	void *ctx;
	struct scap_reader_stats *st;
	struct tmap pids, pend;
	size_t pend_bytes; /* bytes held by pending copies (their buffers' capacity) */
	uint8_t *rec;	   /* record being built (LNR_EVT_MAX_LEN bytes) */
	/* Per scap code, computed on first use (names compared once, not per event). */
	uint8_t known[SCAP_EV_CODES];
	int16_t ltype[SCAP_EV_CODES]; /* Lanner type, -1: none */
	uint8_t kind[SCAP_EV_CODES];  /* CK_* */
	/* Index of Lanner parameter i among the code's parameters, -1: not there. */
	int8_t pmap[SCAP_EV_CODES][LNR_EVT_MAX_PARAMS];
	char *tmp; /* NUL-terminated copy of a string parameter */
	size_t tmpcap;
};

static size_t th(int64_t tid)
{
	uint64_t x = (uint64_t)tid * 0x9E3779B97F4A7C15ull;
	return (size_t)(x >> 52) & (TMAP_BUCKETS - 1);
}

static struct tnode *tmap_get(struct tmap *m, int64_t tid, int create)
{
	struct tnode **pp = &m->b[th(tid)], *n;

	for (n = *pp; n; n = n->next)
		if (n->tid == tid)
			return n;
	if (!create)
		return NULL;
	n = calloc(1, sizeof(*n));
	if (!n)
		return NULL;
	n->tid = tid;
	n->next = *pp;
	*pp = n;
	m->n++;
	return n;
}

static void pending_free(struct pending *p)
{
	if (p) {
		free(p->data);
		free(p);
	}
}

/* Free the pending-map nodes that hold no enter event any more; returns the
 * bytes of pending buffers freed. */
static size_t tmap_sweep_empty(struct tmap *m)
{
	size_t freed = 0;

	for (size_t i = 0; i < TMAP_BUCKETS; i++) {
		struct tnode **pp = &m->b[i];

		while (*pp) {
			struct tnode *n = *pp;

			if (!n->pend || !n->pend->live) {
				freed += n->pend ? n->pend->cap : 0;
				pending_free(n->pend);
				*pp = n->next;
				free(n);
				m->n--;
			} else {
				pp = &n->next;
			}
		}
	}
	return freed;
}

static void tmap_clear(struct tmap *m)
{
	for (size_t i = 0; i < TMAP_BUCKETS; i++) {
		struct tnode *n = m->b[i];

		while (n) {
			struct tnode *nx = n->next;
			pending_free(n->pend);
			free(n);
			n = nx;
		}
		m->b[i] = NULL;
	}
	m->n = 0;
}

struct scap_conv *scap_conv_new(scap_conv_emit_fn emit, void *ctx, struct scap_reader_stats *st)
{
	struct scap_conv *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	c->emit = emit;
	c->ctx = ctx;
	c->st = st;
	c->rec = malloc(LNR_EVT_MAX_LEN);
	if (!c->rec) {
		free(c);
		errno = ENOMEM;
		return NULL;
	}
	return c;
}

void scap_conv_free(struct scap_conv *c)
{
	if (!c)
		return;
	tmap_clear(&c->pids);
	tmap_clear(&c->pend);
	free(c->rec);
	free(c->tmp);
	free(c);
}

void scap_conv_seed_thread(struct scap_conv *c, int64_t tid, int64_t pid)
{
	struct tnode *n;

	if (c->pids.n >= PIDMAP_MAX)
		tmap_clear(&c->pids);
	n = tmap_get(&c->pids, tid, 1);
	if (n)
		n->pid = pid;
}

static int64_t pid_of(struct scap_conv *c, int64_t tid)
{
	struct tnode *n = tmap_get(&c->pids, tid, 0);

	return n ? n->pid : -1;
}

/* Index of the parameter named name in def (limited to have params), or -1. */
static int def_find(const struct scap_ev_def *def, uint32_t have, const char *name)
{
	uint32_t n = def->nparams < have ? def->nparams : have;

	if (def->flags & SCAP_EVF_NOPARAMS)
		return -1;
	if (n > SCAP_EV_DEF_PARAMS)
		n = SCAP_EV_DEF_PARAMS;
	for (uint32_t i = 0; i < n; i++)
		if (strcmp(def->params[i].name, name) == 0)
			return (int)i;
	return -1;
}

static int ptype_signed(uint8_t t)
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

static int ptype_string(enum lnr_ptype t)
{
	return t == LNR_PT_CHARBUF || t == LNR_PT_FSPATH || t == LNR_PT_FSRELPATH;
}

/* Append len bytes at v and a NUL (through the scratch buffer). */
static void put_with_nul(struct scap_conv *c, struct lnr_evt_builder *b, const uint8_t *v,
			 uint32_t len)
{
	if (c->tmpcap < (size_t)len + 1) {
		char *t = realloc(c->tmp, (size_t)len + 1);

		if (!t) {
			lnr_evb_absent(b);
			return;
		}
		c->tmp = t;
		c->tmpcap = (size_t)len + 1;
	}
	memcpy(c->tmp, v, len);
	c->tmp[len] = 0;
	lnr_evb_bytes(b, c->tmp, (size_t)len + 1, 0);
}

/* Append one value (scap type st, len bytes at v; len 0: absent) as Lanner type lt. */
static void put_value(struct scap_conv *c, struct lnr_evt_builder *b, enum lnr_ptype lt, uint8_t st,
		      const uint8_t *v, uint32_t len)
{
	if (len == 0) {
		lnr_evb_absent(b);
		return;
	}
	if (lnr_ptype_size(lt) > 0) {
		uint64_t u = 0;
		int sgn = ptype_signed(st);

		switch (len) {
		case 1: {
			uint8_t x;
			memcpy(&x, v, 1);
			u = sgn ? (uint64_t)(int64_t)(int8_t)x : x;
			break;
		}
		case 2: {
			uint16_t x;
			memcpy(&x, v, 2);
			u = sgn ? (uint64_t)(int64_t)(int16_t)x : x;
			break;
		}
		case 4: {
			uint32_t x;
			memcpy(&x, v, 4);
			u = sgn ? (uint64_t)(int64_t)(int32_t)x : x;
			break;
		}
		case 8:
			memcpy(&u, v, 8);
			break;
		default:
			c->st->bad_params++;
			lnr_evb_absent(b);
			return;
		}
		if (sgn)
			lnr_evb_s64(b, (int64_t)u);
		else
			lnr_evb_u64(b, u);
		return;
	}
	if (ptype_string(lt)) {
		/* A record string is one C string with its NUL: cut at the first
		 * NUL (hostile files embed them), add one when the writer omitted it. */
		const uint8_t *nul = memchr(v, 0, len);

		if (nul) {
			lnr_evb_bytes(b, v, (size_t)(nul - v) + 1, 0);
			return;
		}
		put_with_nul(c, b, v, len);
		return;
	}
	if (lt == LNR_PT_CHARBUFARRAY && v[len - 1] != 0) {
		put_with_nul(c, b, v, len);
		return;
	}
	if (lt == LNR_PT_FDLIST) {
		uint16_t cnt = 0;

		if (len >= 2)
			memcpy(&cnt, v, 2);
		if (len < 2 || len != 2 + (uint32_t)cnt * LNR_FDLIST_ENTRY_LEN) {
			c->st->bad_params++;
			lnr_evb_absent(b);
			return;
		}
	}
	lnr_evb_bytes(b, v, len, 0);
}

/* Build and emit the record of type t from the exit (or enter-only) event e
 * and the matching enter p (may be NULL). */
static int build(struct scap_conv *c, int t, const struct scap_raw_evt *e,
		 const struct scap_ev_def *def, const struct pending *p)
{
	const struct lnr_evt_info *info = lnr_evt_info((uint16_t)t);
	const struct scap_ev_def *pdef = p ? scap_ev_def(p->code) : NULL;
	struct lnr_evt_builder b;
	int len, newest;

	if (!info)
		return 0;
	newest = e->code == (info->scap_code_x ? info->scap_code_x : info->scap_code_e);
	if (lnr_evb_init(&b, c->rec, LNR_EVT_MAX_LEN, (uint16_t)t, e->ts, e->tid,
			 pid_of(c, e->tid)) < 0)
		return -EINVAL;
	for (unsigned i = 0; i < info->nparams; i++) {
		const struct lnr_param_info *pi = &info->params[i];
		int j = c->pmap[e->code][i];

		if (j >= 0 && (uint32_t)j < e->nparams) {
			put_value(c, &b, pi->type, def->params[j].type, e->pval[j], e->plen[j]);
			continue;
		}
		j = pdef ? c->pmap[p->code][i] : -1;
		if (j >= 0 && (uint32_t)j < p->nparams) {
			put_value(c, &b, pi->type, pdef->params[j].type, p->data + p->poff[j],
				  p->plen[j]);
			continue;
		}
		/* The event is the newest version Lanner's table describes (newer
		 * libs: codes whose names this table lacks, or parameters appended
		 * after 2022): Lanner's parameter i is the event's parameter i. */
		if (newest && i < e->nparams &&
		    ((def->flags & SCAP_EVF_NOPARAMS) || i >= def->nparams)) {
			put_value(c, &b, pi->type, (uint8_t)pi->type, e->pval[i], e->plen[i]);
			continue;
		}
		lnr_evb_absent(&b);
	}
	len = lnr_evb_finish(&b);
	if (len < 0)
		return len;
	((struct lnr_evt_hdr *)c->rec)->cpu = e->cpu;
	((struct lnr_evt_hdr *)c->rec)->flags |= LNR_EVF_FROM_CAPTURE;
	return c->emit(c->ctx, c->rec, (uint32_t)len);
}

/* Remember the process of a thread from a "pid" parameter (clone, execve exits). */
static void learn_pid(struct scap_conv *c, const struct scap_raw_evt *e,
		      const struct scap_ev_def *def)
{
	int j = def_find(def, e->nparams, "pid");
	int64_t pid;

	if (j < 0 || e->plen[j] != 8 || def->params[j].type != LNR_PT_PID)
		return;
	memcpy(&pid, e->pval[j], 8);
	scap_conv_seed_thread(c, e->tid, pid);
}

/* True for enter events that have no exit (their exit code is unused or unrelated). */
static int enter_only(uint16_t code, const struct scap_ev_def *def)
{
	const struct scap_ev_def *x = scap_ev_def(code | 1);

	if (strcmp(def->name, "drop") == 0)
		return 1;
	return !x || (x->flags & SCAP_EVF_UNUSED) || strcmp(x->name, def->name) != 0;
}

/* Fill the per-code cache for code (its Lanner type, kind, parameter map). */
static void code_info(struct scap_conv *c, uint16_t code, const struct scap_ev_def *def)
{
	int t = scap_lnr_type_by_name(def->name);
	const struct lnr_evt_info *info = t >= 0 ? lnr_evt_info((uint16_t)t) : NULL;

	c->ltype[code] = (int16_t)(info ? t : -1);
	c->kind[code] = (uint8_t)((enter_only(code, def) ? CK_ENTER_ONLY : 0) |
				  (strcmp(def->name, "drop") == 0 ? CK_DROP : 0));
	/* Lanner's own code (its exit, or the enter of an exit-less event): Lanner's
	 * layout is libs' newest one of this very code, which only ever grew by
	 * appending, so parameter i is the event's parameter i, also where libs
	 * renamed it since 2022 (execve's "pgid" at 17 is today's "vpgid"). Other
	 * codes (older versions, enter events) map by name. */
	int own = info && (code == info->scap_code_x ||
			   (info->scap_code_x == 0 && code == info->scap_code_e));

	for (unsigned i = 0; i < LNR_EVT_MAX_PARAMS; i++)
		c->pmap[code][i] =
			(int8_t)(!info || i >= info->nparams ? -1
				 : own && !(def->flags & SCAP_EVF_NOPARAMS)
					 ? (i < def->nparams && i < SCAP_EV_DEF_PARAMS ? (int)i
										       : -1)
					 : def_find(def, def->nparams, info->params[i].name));
	c->known[code] = 1;
}

static void drop_pending(struct scap_conv *c, struct tnode *n)
{
	if (n && n->pend && n->pend->live) {
		n->pend->live = 0;
		c->st->enter_without_exit++;
	}
}

int scap_conv_feed(struct scap_conv *c, const struct scap_raw_evt *e, const struct scap_ev_def *def)
{
	int t, is_exit = e->code & 1;
	struct tnode *n;
	int rc;

	if (e->code >= SCAP_EV_CODES)
		return 0;
	if (!c->known[e->code])
		code_info(c, e->code, def);
	t = c->ltype[e->code];

	if (e->nparams > def->nparams && !(def->flags & SCAP_EVF_NOPARAMS))
		c->st->extra_params += e->nparams - def->nparams; /* newer than the table */
	if (!is_exit) {
		if (c->kind[e->code] & CK_ENTER_ONLY) {
			/* Meta events (scheduler switch, procinfo, container, ...) come
			 * between a blocked syscall's enter and exit: leave those alone. */
			if (t < 0) {
				c->st->unmapped++;
				return 0;
			}
			return build(c, t, e, def, NULL);
		}
		/* A thread makes one syscall at a time: an enter left waiting
		 * when the next syscall starts never got its exit. */
		n = tmap_get(&c->pend, e->tid, 0);
		drop_pending(c, n);
		if (t < 0) {
			c->st->unmapped++;
			return 0;
		}
		if (!n) {
			if (c->pend.n >= SCAP_MAX_PENDING)
				c->pend_bytes -= tmap_sweep_empty(&c->pend);
			if (c->pend.n >= SCAP_MAX_PENDING) {
				c->st->enter_without_exit++;
				c->st->pending_refused++;
				return 0;
			}
			n = tmap_get(&c->pend, e->tid, 1);
			if (!n)
				return -ENOMEM;
		}
		{
			struct pending *p = n->pend;
			size_t total = 0;

			if (!p) {
				p = calloc(1, sizeof(*p));
				if (!p)
					return -ENOMEM;
				n->pend = p;
			}
			p->code = e->code;
			p->nparams = e->nparams;
			for (uint32_t i = 0; i < e->nparams; i++) {
				p->plen[i] = e->plen[i];
				p->poff[i] = (uint32_t)total;
				total += e->plen[i];
			}
			if (total > p->cap || !p->data) {
				/* At least one byte: data + 0 must be a valid pointer. */
				size_t ncap = total ? total : 1;
				uint8_t *d;

				if (c->pend_bytes - p->cap + ncap > SCAP_MAX_PENDING_BYTES) {
					/* Free the buffers of consumed enters (live keeps
					 * this node), then give up if still too much. */
					p->live = 1;
					c->pend_bytes -= tmap_sweep_empty(&c->pend);
					p->live = 0;
					if (c->pend_bytes - p->cap + ncap >
					    SCAP_MAX_PENDING_BYTES) {
						/* Hostile: many huge enters at once. */
						c->st->enter_without_exit++;
						c->st->pending_refused++;
						return 0;
					}
				}
				d = realloc(p->data, ncap);
				if (!d)
					return -ENOMEM;
				c->pend_bytes += ncap - p->cap;
				p->data = d;
				p->cap = ncap;
			}
			for (uint32_t i = 0; i < e->nparams; i++)
				if (e->plen[i])
					memcpy(p->data + p->poff[i], e->pval[i], e->plen[i]);
			p->live = 1;
		}
		return 0;
	}

	/* Exit. */
	n = tmap_get(&c->pend, e->tid, 0);
	if ((c->kind[e->code] & CK_DROP) || t < 0) {
		drop_pending(c, n);
		if (t < 0)
			c->st->unmapped++;
		return 0;
	}
	learn_pid(c, e, def);
	if (n && n->pend && n->pend->live) {
		/* Codes of the same syscall (any versions) map to the same type. */
		if (c->known[n->pend->code] && c->ltype[n->pend->code] == t) {
			rc = build(c, t, e, def, n->pend);
			n->pend->live = 0;
			return rc;
		}
		drop_pending(c, n);
	}
	c->st->exit_without_enter++;
	return build(c, t, e, def, NULL);
}

int scap_conv_finish(struct scap_conv *c)
{
	for (size_t i = 0; i < TMAP_BUCKETS; i++)
		for (struct tnode *n = c->pend.b[i]; n; n = n->next)
			if (n->pend && n->pend->live)
				c->st->enter_without_exit++;
	tmap_clear(&c->pend);
	c->pend_bytes = 0;
	return 0;
}

int scap_lnr_type_by_name(const char *scap_name)
{
	return lnr_evt_type_by_name(scap_name);
}
