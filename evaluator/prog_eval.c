/* prog_eval.c: evaluation of compiled conditions against the field accessor. */
#include "prog_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define ARENA_CHUNK 4096

struct ectx {
	struct prog *p;
	const struct fld_accessor *acc;
	struct achunk *cur;
	int err; /* A libsinsp "throw": negative errno. */
};

static char *aalloc(struct ectx *e, size_t n)
{
	struct achunk *c = e->cur;

	while (c && c->cap - c->used < n)
		c = c->next;
	if (!c) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->cap = cap;
		c->used = 0;
		c->next = e->p->arena;
		e->p->arena = c;
	}
	e->cur = c;
	c->used += n;
	return c->data + c->used - n;
}

static int eval_vexpr(struct ectx *e, const struct vexpr *v, struct fld_val *out, uint32_t max);

static int b64val(unsigned char c)
{
	if (c >= 'A' && c <= 'Z')
		return c - 'A';
	if (c >= 'a' && c <= 'z')
		return c - 'a' + 26;
	if (c >= '0' && c <= '9')
		return c - '0' + 52;
	if (c == '+')
		return 62;
	if (c == '/')
		return 63;
	return -1;
}

/* Base64 decode; invalid input decodes to the empty string. */
static size_t b64_decode(const char *s, size_t len, char *out)
{
	uint32_t acc = 0;
	int bits = 0;
	size_t o = 0;

	for (size_t i = 0; i < len; i++) {
		int v;

		if (s[i] == '=')
			break;
		v = b64val((unsigned char)s[i]);
		if (v < 0)
			return 0;
		acc = (acc << 6) | (uint32_t)v;
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			out[o++] = (char)((acc >> bits) & 0xff);
		}
	}
	return o;
}

/* Render a numeric value as text (for join/concat of numeric fields). */
static int num_text(struct ectx *e, const struct fld_val *v, enum lnr_ptype t, struct fld_val *o)
{
	char buf[32];
	int n;
	char *s;

	if (t == LNR_PT_BOOL)
		n = snprintf(buf, sizeof(buf), "%s", v->u64 ? "true" : "false");
	else if (fld_type_is_signed(t))
		n = snprintf(buf, sizeof(buf), "%lld", (long long)v->s64);
	else
		n = snprintf(buf, sizeof(buf), "%llu", (unsigned long long)v->u64);
	s = aalloc(e, (size_t)n);
	if (!s)
		return -ENOMEM;
	memcpy(s, buf, (size_t)n);
	o->str.p = s;
	o->str.len = (size_t)n;
	return 0;
}

/* Evaluate v as strings (converting numbers); returns count. */
static int eval_strings(struct ectx *e, const struct vexpr *v, struct fld_val *out, uint32_t max)
{
	int n = eval_vexpr(e, v, out, max);

	if (n <= 0 || fld_type_is_string(v->type) || v->type == LNR_PT_BYTEBUF)
		return n;
	for (int i = 0; i < n; i++) {
		struct fld_val tmp = out[i];

		if (num_text(e, &tmp, v->type, &out[i]) < 0)
			return 0;
	}
	return n;
}

/* getopt(3)-like scan (POSIX: stops at the first non-option, "--" ends options). */
static int eval_getopt(struct ectx *e, const struct vexpr *v, struct fld_val *out, uint32_t max)
{
	struct fld_val argv[FLD_MAX_VALUES];
	const char *opts = v->args[1]->cstr;
	int argc = eval_strings(e, v->args[0], argv, FLD_MAX_VALUES);
	int n = 0, found = 0;
	struct fld_val keyval = {0};

	for (int i = 0; i < argc; i++) {
		const char *a = argv[i].str.p;
		size_t alen = argv[i].str.len;

		if (alen == 2 && a[0] == '-' && a[1] == '-')
			break;
		if (alen >= 2 && a[0] == '-' && a[1] == '-')
			continue; /* Long options are skipped. */
		if (alen < 2 || a[0] != '-')
			break;
		for (size_t k = 1; k < alen; k++) {
			char oc = a[k];
			const char *d = oc != ':' ? strchr(opts, oc) : NULL;
			struct fld_val val;
			char ks = oc;

			if (!d || !oc) {
				ks = '?';
				val.str.p = "?";
				val.str.len = 1;
			} else if (d[1] == ':') {
				if (k + 1 < alen) {
					val.str.p = a + k + 1;
					val.str.len = alen - k - 1;
				} else if (i + 1 < argc) {
					val = argv[++i];
				} else {
					val.str.p = "";
					val.str.len = 0;
				}
				k = alen;
			} else {
				val.str.p = a + k;
				val.str.len = 1;
			}
			if (v->key) {
				if (v->keylen == 1 && v->key[0] == ks) {
					keyval = val;
					found = 1;
				}
			} else if ((uint32_t)n < max) {
				out[n++] = val;
			}
		}
	}
	if (v->key) {
		if (!found)
			return 0;
		out[0] = keyval;
		return 1;
	}
	return n;
}

static int eval_vexpr(struct ectx *e, const struct vexpr *v, struct fld_val *out, uint32_t max)
{
	struct fld_val tmp[FLD_MAX_VALUES];
	int n;

	switch (v->kind) {
	case VX_FIELD:
		n = e->acc->get(e->acc->ctx, &e->p->fields[v->fidx], out, max);
		if (n < 0)
			return 0;
		if (v->ref.type != LNR_PT_DYN)
			for (int i = 0; i < n; i++)
				out[i].type = (uint16_t)v->ref.type;
		return n;
	case VX_CONST:
		out[0].str.p = v->cstr;
		out[0].str.len = v->clen;
		out[0].type = LNR_PT_CHARBUF;
		return 1;
	case VX_TLIST: {
		uint32_t o = 0;

		for (size_t i = 0; i < v->nargs && o < max; i++) {
			n = eval_strings(e, v->args[i], tmp, FLD_MAX_VALUES);
			for (int k = 0; k < n && o < max; k++)
				out[o++] = tmp[k];
		}
		return (int)o;
	}
	case VX_TOLOWER:
	case VX_TOUPPER:
		n = eval_vexpr(e, v->args[0], out, max);
		for (int i = 0; i < n; i++) {
			char *s = aalloc(e, out[i].str.len);

			if (!s && out[i].str.len)
				return 0;
			for (size_t k = 0; k < out[i].str.len; k++) {
				char ch = out[i].str.p[k];

				if (v->kind == VX_TOLOWER && ch >= 'A' && ch <= 'Z')
					ch = (char)(ch + 32);
				else if (v->kind == VX_TOUPPER && ch >= 'a' && ch <= 'z')
					ch = (char)(ch - 32);
				s[k] = ch;
			}
			out[i].str.p = s;
			out[i].type = LNR_PT_CHARBUF;
		}
		return n;
	case VX_B64:
		n = eval_vexpr(e, v->args[0], out, max);
		for (int i = 0; i < n; i++) {
			char *s = aalloc(e, out[i].str.len + 1);

			if (!s)
				return 0;
			out[i].str.len = b64_decode(out[i].str.p, out[i].str.len, s);
			out[i].str.p = s;
			out[i].type = LNR_PT_CHARBUF;
		}
		return n;
	case VX_BASENAME:
		n = eval_vexpr(e, v->args[0], out, max);
		for (int i = 0; i < n; i++) {
			const char *p = out[i].str.p;
			size_t len = out[i].str.len, k = len;

			while (k > 0 && p[k - 1] != '/')
				k--;
			out[i].str.p = p + k;
			out[i].str.len = len - k;
			out[i].type = LNR_PT_CHARBUF;
		}
		return n;
	case VX_LEN:
		n = eval_vexpr(e, v->args[0], tmp, FLD_MAX_VALUES);
		if (v->args[0]->multi) {
			out[0].u64 = (uint64_t)(n > 0 ? n : 0);
		} else {
			if (n <= 0)
				return 0;
			out[0].u64 = tmp[0].str.len;
		}
		out[0].type = LNR_PT_UINT64;
		return 1;
	case VX_JOIN: {
		struct fld_val sep;
		size_t total = 0;
		char *s, *w;

		n = eval_strings(e, v->args[0], &sep, 1);
		if (n <= 0) {
			sep.str.p = "";
			sep.str.len = 0;
		}
		n = eval_vexpr(e, v->args[1], tmp, FLD_MAX_VALUES);
		for (int i = 0; i < n; i++)
			total += tmp[i].str.len + sep.str.len;
		s = aalloc(e, total + 1);
		if (!s)
			return 0;
		w = s;
		for (int i = 0; i < n; i++) {
			if (i) {
				memcpy(w, sep.str.p, sep.str.len);
				w += sep.str.len;
			}
			memcpy(w, tmp[i].str.p, tmp[i].str.len);
			w += tmp[i].str.len;
		}
		out[0].str.p = s;
		out[0].str.len = (size_t)(w - s);
		out[0].type = LNR_PT_CHARBUF;
		return 1;
	}
	case VX_CONCAT: {
		size_t total = 0;
		struct fld_val small[16];
		struct fld_val *parts = small;
		size_t np = v->nargs;
		char *s, *w;

		if (np > 16) {
			parts = (struct fld_val *)(void *)aalloc(e, np * sizeof(*parts) + 8);
			if (!parts)
				return 0;
			/* Arena memory is byte-aligned: round up to the value alignment. */
			parts = (struct fld_val *)(((uintptr_t)parts + 7) & ~(uintptr_t)7);
		}

		for (size_t i = 0; i < np; i++) {
			n = eval_strings(e, v->args[i], &parts[i], 1);
			if (n <= 0)
				return 0;
			total += parts[i].str.len;
		}
		s = aalloc(e, total + 1);
		if (!s)
			return 0;
		w = s;
		for (size_t i = 0; i < np; i++) {
			memcpy(w, parts[i].str.p, parts[i].str.len);
			w += parts[i].str.len;
		}
		out[0].str.p = s;
		out[0].str.len = total;
		out[0].type = LNR_PT_CHARBUF;
		return 1;
	}
	case VX_GETOPT:
		n = eval_getopt(e, v, out, max);
		for (int i = 0; i < n; i++)
			out[i].type = LNR_PT_CHARBUF;
		return n;
	}
	return 0;
}

static int is_ip_t(enum lnr_ptype t)
{
	return t == LNR_PT_IPADDR || t == LNR_PT_IPV4ADDR || t == LNR_PT_IPV6ADDR;
}

static int str_cmp(const char *a, size_t al, const char *b, size_t bl)
{
	int r = memcmp(a, b, al < bl ? al : bl);

	if (r)
		return r;
	return al < bl ? -1 : al > bl;
}

/* One string comparison (CHARBUF/FSPATH/BYTEBUF) against constant r. */
static int cmp_str(enum cond_op op, const char *s, size_t len, const struct rconst *r)
{
	switch (op) {
	case COND_OP_EQ:
	case COND_OP_EQEQ:
	case COND_OP_IN:
	case COND_OP_INTERSECTS:
		return len == r->len && memcmp(s, r->s, len) == 0;
	case COND_OP_NE:
		return !(len == r->len && memcmp(s, r->s, len) == 0);
	case COND_OP_CONTAINS:
	case COND_OP_BCONTAINS:
		return r->len == 0 || memmem(s, len, r->s, r->len) != NULL;
	case COND_OP_ICONTAINS:
		return match_icontains(s, len, r->s, r->len);
	case COND_OP_STARTSWITH:
	case COND_OP_BSTARTSWITH:
		return len >= r->len && memcmp(s, r->s, r->len) == 0;
	case COND_OP_ENDSWITH:
		return len >= r->len && memcmp(s + len - r->len, r->s, r->len) == 0;
	case COND_OP_GLOB:
		return match_glob(r->s, r->len, s, len, 0);
	case COND_OP_IGLOB:
		return match_glob(r->s, r->len, s, len, 1);
	case COND_OP_REGEX:
		return r->rx && rx_full_match(r->rx, s, len);
	case COND_OP_LT:
		return str_cmp(s, len, r->s, r->len) < 0;
	case COND_OP_LE:
		return str_cmp(s, len, r->s, r->len) <= 0;
	case COND_OP_GT:
		return str_cmp(s, len, r->s, r->len) > 0;
	case COND_OP_GE:
		return str_cmp(s, len, r->s, r->len) >= 0;
	default:
		return 0;
	}
}

static int cmp_num_s(enum cond_op op, int64_t a, int64_t b)
{
	switch (op) {
	case COND_OP_NE:
		return a != b;
	case COND_OP_LT:
		return a < b;
	case COND_OP_LE:
		return a <= b;
	case COND_OP_GT:
		return a > b;
	case COND_OP_GE:
		return a >= b;
	default:
		return a == b;
	}
}

static int cmp_num_u(enum cond_op op, uint64_t a, uint64_t b)
{
	switch (op) {
	case COND_OP_NE:
		return a != b;
	case COND_OP_LT:
		return a < b;
	case COND_OP_LE:
		return a <= b;
	case COND_OP_GT:
		return a > b;
	case COND_OP_GE:
		return a >= b;
	default:
		return a == b;
	}
}

/* Compare one LHS value of type t with constant r. Sets e->err on a type error. */
static int cmp_one(struct ectx *e, enum cond_op op, enum lnr_ptype t, const struct fld_val *v,
		   const struct rconst *r)
{
	if (t == LNR_PT_DYN)
		t = (enum lnr_ptype)v->type;
	if (t == LNR_PT_CHARBUF || fld_type_is_string(t) || t == LNR_PT_BYTEBUF)
		return cmp_str(op, v->str.p, v->str.len, r);
	if (is_ip_t(t)) {
		int eq = r->is_net ? match_ip_in_net(&v->ip, &r->net) : match_ip_eq(&v->ip, &r->ip);

		return op == COND_OP_NE ? !eq : eq;
	}
	if (t == LNR_PT_IPNET || t == LNR_PT_IPV4NET || t == LNR_PT_IPV6NET) {
		int in = match_ip_in_net(&v->ip, &r->net);

		return op == COND_OP_NE ? !in : in;
	}
	if (t == LNR_PT_DOUBLE)
		return cmp_num_s(op, (int64_t)v->dbl, r->s64);
	if (fld_type_is_numeric(t) || t == LNR_PT_BOOL) {
		if (fld_type_is_signed(t))
			return cmp_num_s(op, v->s64, r->s64);
		return cmp_num_u(op, v->u64, r->u64);
	}
	e->err = -EINVAL;
	return 0;
}

/* Numeric RHS for PT_DYN values is parsed at compile time; others must be valid. */
static int dyn_ok(struct ectx *e, enum lnr_ptype t, const struct fld_val *v, const struct rconst *r)
{
	enum lnr_ptype vt;

	if (t != LNR_PT_DYN)
		return 1;
	vt = (enum lnr_ptype)v->type;
	if (fld_type_is_numeric(vt)) {
		if (!r->num_ok) {
			e->err = -EINVAL;
			return 0;
		}
		return 1;
	}
	if (fld_type_is_string(vt) || vt == LNR_PT_BYTEBUF)
		return 1;
	e->err = -EINVAL;
	return 0;
}

/* Does one LHS value satisfy the check against the constants? */
static int match_value(struct ectx *e, const struct pcheck *k, enum lnr_ptype t,
		       const struct fld_val *v)
{
	if (k->op == COND_OP_PMATCH)
		return ptrie_match(k->trie, v->str.p, v->str.len);
	if (k->set && (t == LNR_PT_DYN ? fld_type_is_string((enum lnr_ptype)v->type)
				       : (fld_type_is_string(t) || t == LNR_PT_BYTEBUF)))
		return hset_has(k->set, v->str.p, v->str.len);
	if (k->mod) {
		size_t hits = 0;

		for (size_t i = 0; i < k->nrv; i++)
			if (dyn_ok(e, t, v, &k->rv[i]) && cmp_one(e, k->op, t, v, &k->rv[i]))
				hits++;
		switch (k->mod) {
		case COND_MOD_ONEOF:
			return hits == 1;
		case COND_MOD_ANYOF:
			return hits >= 1;
		default:
			return k->nrv > 0 && hits == k->nrv;
		}
	}
	if (k->op == COND_OP_IN || k->op == COND_OP_INTERSECTS) {
		for (size_t i = 0; i < k->nrv; i++)
			if (dyn_ok(e, t, v, &k->rv[i]) && cmp_one(e, COND_OP_EQ, t, v, &k->rv[i]))
				return 1;
		return 0;
	}
	if (k->nrv == 0)
		return 0;
	return dyn_ok(e, t, v, &k->rv[0]) && cmp_one(e, k->op, t, v, &k->rv[0]);
}

/* Compare with values computed at run time (val() or a transformer on the right). */
static int match_dynamic(struct ectx *e, const struct pcheck *k, enum lnr_ptype t,
			 const struct fld_val *v, const struct fld_val *rv, int rn)
{
	enum lnr_ptype rt = k->rhs->type;

	for (int i = 0; i < rn; i++) {
		struct rconst r = {0};
		int hit;

		if (fld_type_is_string(rt) || rt == LNR_PT_BYTEBUF) {
			r.s = (char *)rv[i].str.p;
			r.len = rv[i].str.len;
		} else if (rt == LNR_PT_IPADDR || rt == LNR_PT_IPV4ADDR || rt == LNR_PT_IPV6ADDR) {
			r.ip = rv[i].ip;
		} else {
			r.u64 = rv[i].u64;
			r.s64 = rv[i].s64;
			r.num_ok = 1;
		}
		if (k->op == COND_OP_REGEX || k->op == COND_OP_PMATCH)
			hit = k->op == COND_OP_PMATCH
				      ? cmp_str(COND_OP_STARTSWITH, v->str.p, v->str.len, &r)
				      : 0;
		else
			hit = cmp_one(e,
				      k->op == COND_OP_IN || k->op == COND_OP_INTERSECTS
					      ? COND_OP_EQ
					      : k->op,
				      t, v, &r);
		if (hit)
			return 1;
		if (k->op != COND_OP_IN && k->op != COND_OP_INTERSECTS)
			return 0;
	}
	return 0;
}

/* Hot path: a single-valued field against constants, dispatched on the class. */
static int eval_simple(struct ectx *e, const struct pcheck *k)
{
	struct fld_val v;
	int n = e->acc->get(e->acc->ctx, &e->p->fields[k->lfidx], &v, 1);

	if (k->op == COND_OP_EXISTS)
		return n > 0;
	if (n <= 0)
		return 0;
	if (k->str_in) {
		for (size_t i = 0; i < k->nrv; i++) {
			const struct strref *r = &k->sv[i];

			if (r->len == v.str.len &&
			    (r->len == 0 ||
			     (r->s[0] == v.str.p[0] && !memcmp(r->s, v.str.p, r->len))))
				return 1;
		}
		return 0;
	}
	if (k->cls == PCLS_STR && !k->mod && !k->set && !k->trie && k->nrv == 1 &&
	    k->op != COND_OP_IN && k->op != COND_OP_INTERSECTS)
		return cmp_str(k->op, v.str.p, v.str.len, &k->rv[0]);
	v.type = (uint16_t)k->lhs->ref.type;
	return match_value(e, k, k->lhs->ref.type, &v);
}

static int eval_check_general(struct ectx *e, const struct pcheck *k) __attribute__((noinline));

static int eval_check(struct ectx *e, const struct pcheck *k)
{
	if (k->evt_fast && e->acc->evt_type) {
		int et = e->acc->evt_type(e->acc->ctx);

		/* Types Lanner does not number fall back to the string compare. */
		if (et >= 0) {
			int in = evtset_has(&k->evtmask, (unsigned)et);

			return k->op == COND_OP_NE ? !in : in;
		}
	}
	if (k->simple)
		return eval_simple(e, k);
	return eval_check_general(e, k);
}

/* Transformers, several values, run-time right-hand sides: the 64-value buffers live here. */
static int eval_check_general(struct ectx *e, const struct pcheck *k)
{
	struct fld_val lv[FLD_MAX_VALUES], rv[FLD_MAX_VALUES];
	enum lnr_ptype t = k->lhs->type;
	int n, rn = 0;

	n = eval_vexpr(e, k->lhs, lv, FLD_MAX_VALUES);
	if (k->op == COND_OP_EXISTS)
		return n > 0;
	if (n <= 0)
		return 0;
	if (k->rhs) {
		rn = eval_vexpr(e, k->rhs, rv, FLD_MAX_VALUES);
		if (rn <= 0)
			return 0;
	}
	if (k->lhs->multi && !k->lhs->ancestor &&
	    (k->op == COND_OP_IN || k->op == COND_OP_INTERSECTS)) {
		/* List fields: in = every value in the set, intersects = any. */
		for (int i = 0; i < n; i++) {
			int hit = k->rhs ? match_dynamic(e, k, t, &lv[i], rv, rn)
					 : match_value(e, k, t, &lv[i]);

			if (k->op == COND_OP_IN && !hit)
				return 0;
			if (k->op == COND_OP_INTERSECTS && hit)
				return 1;
		}
		return k->op == COND_OP_IN;
	}
	if (k->lhs->either && k->op == COND_OP_NE && !k->mod) {
		/* fd.ip != X: neither the client nor the server side is X. */
		for (int i = 0; i < n; i++) {
			int hit = k->rhs ? match_dynamic(e, k, t, &lv[i], rv, rn)
					 : match_value(e, k, t, &lv[i]);

			if (e->err || !hit)
				return 0;
		}
		return 1;
	}
	/* Single value, or ancestors: true when any value matches. */
	for (int i = 0; i < n; i++) {
		int hit = k->rhs ? match_dynamic(e, k, t, &lv[i], rv, rn)
				 : match_value(e, k, t, &lv[i]);

		if (e->err)
			return 0;
		if (hit)
			return 1;
	}
	return 0;
}

static int eval_node(struct ectx *e, const struct pnode *n)
{
	switch (n->kind) {
	case PN_AND:
		for (size_t i = 0; i < n->nkids; i++)
			if (!eval_node(e, n->kids[i]) || e->err)
				return 0;
		return 1;
	case PN_OR:
		for (size_t i = 0; i < n->nkids; i++) {
			if (eval_node(e, n->kids[i]))
				return !e->err;
			if (e->err)
				return 0;
		}
		return 0;
	case PN_NOT:
		return !eval_node(e, n->kids[0]);
	case PN_CHECK:
		return eval_check(e, n->chk);
	}
	return 0;
}

int prog_eval_tree(struct prog *p, const struct fld_accessor *acc)
{
	struct ectx e = {p, acc, p->arena, 0};
	int r;

	for (struct achunk *c = p->arena; c; c = c->next)
		c->used = 0;
	r = eval_node(&e, p->root);
	return e.err ? e.err : r;
}

struct prog_memo {
	uint32_t gen;
	uint32_t n;
	uint32_t *stamp;
	uint8_t *val;
};

struct prog_memo *prog_memo_new(uint32_t nids)
{
	struct prog_memo *m = calloc(1, sizeof(*m));

	if (!m)
		return NULL;
	m->n = nids + 1;
	m->gen = 1;
	m->stamp = calloc(m->n, sizeof(*m->stamp));
	m->val = calloc(m->n, 1);
	if (!m->stamp || !m->val) {
		prog_memo_free(m);
		return NULL;
	}
	return m;
}

void prog_memo_next_event(struct prog_memo *m)
{
	if (++m->gen == 0) {
		memset(m->stamp, 0, m->n * sizeof(*m->stamp));
		m->gen = 1;
	}
}

void prog_memo_free(struct prog_memo *m)
{
	if (!m)
		return;
	free(m->stamp);
	free(m->val);
	free(m);
}

int prog_eval(struct prog *p, const struct fld_accessor *acc)
{
	return prog_eval_memo(p, acc, NULL);
}

int prog_eval_memo(struct prog *p, const struct fld_accessor *acc, struct prog_memo *m)
{
	struct ectx e = {p, acc, p->arena, 0};
	int r;

	for (struct achunk *c = p->arena; c; c = c->next)
		c->used = 0;
	/* The flat code; eval_node (the tree walk) is the reference it replaced. */
	r = 0;
	for (size_t pc = 0;;) {
		const struct xop *x = &p->code[pc];

		switch (x->kind) {
		case XOP_CHECK: {
			const struct pcheck *k = &p->checks[x->arg];

			if (m && k->memo_id && k->memo_id < m->n &&
			    m->stamp[k->memo_id] == m->gen) {
				r = m->val[k->memo_id];
			} else {
				r = eval_check(&e, k);
				if (e.err)
					return e.err;
				if (m && k->memo_id && k->memo_id < m->n) {
					m->stamp[k->memo_id] = m->gen;
					m->val[k->memo_id] = (uint8_t)r;
				}
			}
			pc++;
			continue;
		}
		case XOP_JF:
			pc = r ? pc + 1 : x->arg;
			continue;
		case XOP_JT:
			pc = r ? x->arg : pc + 1;
			continue;
		case XOP_NOT:
			r = !r;
			pc++;
			continue;
		default:
			return r;
		}
	}
}
