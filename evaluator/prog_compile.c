/* prog_compile.c: condition AST -> typed program (libsinsp sinsp_filter_compiler checks). */
#include "cond_int.h"
#include "prog_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/* Lists at or above this size use a hash set; smaller ones a linear scan. */
#define PROG_HSET_MIN 8

struct cc {
	const struct prog_opts *opts;
	struct prog *p;
	struct prog_msg *err;
	int failed;
	int oom;
};

static void *cfail(struct cc *c, const struct cond_node *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void *cfail(struct cc *c, const struct cond_node *at, const char *fmt, ...)
{
	va_list ap;

	if (c->failed)
		return NULL;
	c->failed = 1;
	va_start(ap, fmt);
	vsnprintf(c->err->msg, sizeof(c->err->msg), fmt, ap);
	va_end(ap);
	if (at)
		c->err->pos = at->pos;
	return NULL;
}

static void *coom(struct cc *c)
{
	c->oom = 1;
	return cfail(c, NULL, "out of memory");
}

static void cwarn(struct cc *c, const struct cond_node *at, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void cwarn(struct cc *c, const struct cond_node *at, const char *fmt, ...)
{
	struct prog_msg *w = realloc(c->p->warn, (c->p->nwarn + 1) * sizeof(*w));
	va_list ap;

	if (!w)
		return;
	c->p->warn = w;
	w = &w[c->p->nwarn++];
	va_start(ap, fmt);
	vsnprintf(w->msg, sizeof(w->msg), fmt, ap);
	va_end(ap);
	w->pos = at->pos;
}

static char *dupn(const char *s, size_t n)
{
	char *d = malloc(n + 1);

	if (d) {
		memcpy(d, s, n);
		d[n] = '\0';
	}
	return d;
}

const char *prog_vx_name(enum vx_kind k)
{
	static const char *const names[] = {
#define VX_NAME(id, s) s,
		VX_LIST(VX_NAME)
#undef VX_NAME
	};

	return names[k];
}

void prog_vexpr_free(struct vexpr *v)
{
	if (!v)
		return;
	for (size_t i = 0; i < v->nargs; i++)
		prog_vexpr_free(v->args[i]);
	free(v->args);
	free(v->name);
	free(v->arg);
	free(v->cstr);
	free(v->key);
	free(v);
}

/*
 * Field uses, deduplicated by field and argument. The accessor always gets
 * the entry of this table (prog_field()), so a caller may annotate it once
 * (e.g. the enricher's slot number) and every use sees it. Returns the
 * index, or -ENOMEM.
 */
static int record_field(struct cc *c, const struct fld_ref *r)
{
	struct fld_ref *f;

	for (size_t i = 0; i < c->p->nfields; i++)
		if (c->p->fields[i].id == r->id && c->p->fields[i].arg_len == r->arg_len &&
		    (!r->arg_len || memcmp(c->p->fields[i].arg, r->arg, r->arg_len) == 0))
			return (int)i;
	f = realloc(c->p->fields, (c->p->nfields + 1) * sizeof(*f));
	if (!f)
		return -ENOMEM;
	c->p->fields = f;
	f[c->p->nfields] = *r;
	return (int)c->p->nfields++;
}

static int is_transformer_name(const char *s)
{
	static const char *const t[] = {"tolower", "toupper", "b64",	"basename",
					"len",	   "join",    "concat", "getopt"};

	for (size_t i = 0; i < sizeof(t) / sizeof(*t); i++)
		if (strcmp(s, t[i]) == 0)
			return 1;
	return 0;
}

static struct vexpr *compile_vexpr(struct cc *c, const struct cond_node *n, int in_transformer);

static struct vexpr *compile_field(struct cc *c, const struct cond_node *n, int in_transformer)
{
	struct vexpr *v = calloc(1, sizeof(*v));
	char msg[256];

	if (!v)
		return coom(c);
	v->kind = VX_FIELD;
	v->name = strdup(n->str);
	if (n->arg)
		v->arg = dupn(n->arg, n->arg_len);
	if (!v->name || (n->arg && !v->arg)) {
		prog_vexpr_free(v);
		return coom(c);
	}
	if (fld_resolve(v->name, v->arg, n->arg_len, &v->ref, msg, sizeof(msg)) < 0 &&
	    !(c->opts && c->opts->resolve &&
	      c->opts->resolve(c->opts->ud, v->name, v->arg, n->arg_len, &v->ref) == 0)) {
		prog_vexpr_free(v);
		return cfail(c, n, "%s", msg);
	}
	if (in_transformer && (v->ref.flags & FLD_F_NO_TRANSFORMER)) {
		prog_vexpr_free(v);
		return cfail(c, n, "field '%s' does not support transformers", n->str);
	}
	v->type = v->ref.type;
	v->ancestor = (v->ref.flags & (FLD_F_ANCESTOR | FLD_F_EITHER)) != 0;
	v->either = (v->ref.flags & FLD_F_EITHER) != 0;
	v->multi = (v->ref.flags & (FLD_F_LIST | FLD_F_ANCESTOR | FLD_F_EITHER)) != 0;
	{
		int fi = record_field(c, &v->ref);

		if (fi < 0) {
			prog_vexpr_free(v);
			return coom(c);
		}
		v->fidx = (uint32_t)fi;
	}
	return v;
}

static int add_arg(struct cc *c, struct vexpr *v, struct vexpr *a)
{
	struct vexpr **k;

	if (!a)
		return -1;
	k = realloc(v->args, (v->nargs + 1) * sizeof(*k));
	if (!k) {
		prog_vexpr_free(a);
		coom(c);
		return -1;
	}
	v->args = k;
	v->args[v->nargs++] = a;
	return 0;
}

/* Transformer arity and argument types (libsinsp's transformer checks). */
static int check_transformer(struct cc *c, const struct cond_node *n, struct vexpr *v)
{
	const char *t = n->str;
	struct vexpr **a = v->args;

	switch (v->kind) {
	case VX_TOLOWER:
	case VX_TOUPPER:
	case VX_B64:
	case VX_BASENAME:
		if (v->nargs != 1 || a[0]->kind == VX_TLIST)
			goto arity;
		if (!fld_type_is_string(a[0]->type) && a[0]->type != LNR_PT_BYTEBUF) {
			cfail(c, n, "filter error: transformer '%s' is not supported on type %s", t,
			      fld_type_name(a[0]->type));
			return -1;
		}
		v->type = LNR_PT_CHARBUF;
		v->multi = a[0]->multi;
		v->ancestor = a[0]->ancestor;
		return 0;
	case VX_LEN:
		if (v->nargs != 1 || a[0]->kind == VX_TLIST)
			goto arity;
		if (!a[0]->multi && !fld_type_is_string(a[0]->type) &&
		    a[0]->type != LNR_PT_BYTEBUF) {
			cfail(c, n, "filter error: transformer 'len' is not supported on type %s",
			      fld_type_name(a[0]->type));
			return -1;
		}
		v->type = LNR_PT_UINT64;
		return 0;
	case VX_JOIN:
		if (v->nargs != 2 || a[1]->kind != VX_TLIST || a[0]->kind == VX_TLIST ||
		    a[0]->multi)
			goto arity;
		v->type = LNR_PT_CHARBUF;
		return 0;
	case VX_CONCAT:
		if (v->nargs < 2)
			goto arity;
		for (size_t i = 0; i < v->nargs; i++)
			if (a[i]->kind == VX_TLIST || a[i]->multi)
				goto arity;
		v->type = LNR_PT_CHARBUF;
		return 0;
	case VX_GETOPT:
		if (v->nargs != 2 || (a[0]->kind != VX_TLIST && !a[0]->multi) ||
		    a[1]->kind != VX_CONST)
			goto arity;
		v->type = LNR_PT_CHARBUF;
		v->multi = v->key == NULL;
		if (v->key && v->keylen == 0) {
			cfail(c, n,
			      "filter error: transformer 'getopt' needs a non-empty option key");
			return -1;
		}
		return 0;
	default:
		return 0;
	}
arity:
	cfail(c, n, "filter error: wrong arguments for transformer '%s'", t);
	return -1;
}

static struct vexpr *compile_vexpr(struct cc *c, const struct cond_node *n, int in_transformer)
{
	struct vexpr *v;

	switch (n->kind) {
	case COND_FIELD:
		return compile_field(c, n, in_transformer);
	case COND_VALUE:
		v = calloc(1, sizeof(*v));
		if (!v)
			return coom(c);
		v->kind = VX_CONST;
		v->type = LNR_PT_CHARBUF;
		v->cstr = dupn(n->str, n->len);
		v->clen = n->len;
		if (!v->cstr) {
			free(v);
			return coom(c);
		}
		return v;
	case COND_TLIST:
		v = calloc(1, sizeof(*v));
		if (!v)
			return coom(c);
		v->kind = VX_TLIST;
		v->type = LNR_PT_CHARBUF;
		v->multi = 1;
		for (size_t i = 0; i < n->nkids; i++) {
			if (add_arg(c, v, compile_vexpr(c, n->kids[i], 1)) < 0) {
				prog_vexpr_free(v);
				return NULL;
			}
			if (v->args[i]->kind == VX_TLIST || v->args[i]->multi) {
				prog_vexpr_free(v);
				return cfail(c, n->kids[i],
					     "filter error: nested lists are not "
					     "supported in transformer lists");
			}
		}
		return v;
	case COND_TRANSFORMER:
		if (strcmp(n->str, "val") == 0) {
			if (n->arg)
				return cfail(c, n,
					     "filter error: transformer 'val' does not "
					     "support field arguments");
			if (n->nkids != 1 || n->kids[0]->kind != COND_FIELD)
				return cfail(c, n, "filter error: 'val' takes exactly one field");
			v = compile_field(c, n->kids[0], 0);
			if (v && (v->ref.flags & FLD_F_NO_RHS)) {
				prog_vexpr_free(v);
				return cfail(c, n,
					     "field '%s' cannot be used on the right-hand side",
					     n->kids[0]->str);
			}
			return v;
		}
		if (!is_transformer_name(n->str))
			return cfail(c, n, "filter error: unknown transformer '%s'", n->str);
		if (n->arg && strcmp(n->str, "getopt") != 0)
			return cfail(c, n,
				     "filter error: transformer '%s' does not support field "
				     "arguments",
				     n->str);
		v = calloc(1, sizeof(*v));
		if (!v)
			return coom(c);
#define VX_MATCH(id, s)                                                                            \
	if (strcmp(n->str, s) == 0)                                                                \
		v->kind = VX_##id;
		VX_LIST(VX_MATCH)
#undef VX_MATCH
		if (n->arg) {
			v->key = dupn(n->arg, n->arg_len);
			v->keylen = n->arg_len;
			if (!v->key) {
				free(v);
				return coom(c);
			}
		}
		for (size_t i = 0; i < n->nkids; i++) {
			if (add_arg(c, v, compile_vexpr(c, n->kids[i], 1)) < 0) {
				prog_vexpr_free(v);
				return NULL;
			}
		}
		if (check_transformer(c, n, v) < 0) {
			prog_vexpr_free(v);
			return NULL;
		}
		return v;
	default:
		return cfail(c, n, "filter error: unexpected %s in a value",
			     cond_kind_name(n->kind));
	}
}

/* ---- operator checks (libsinsp flt_is_comparable) ---- */

static int op_allowed(enum cond_op op, enum lnr_ptype t, int list)
{
	if (op == COND_OP_EXISTS)
		return 1;
	if (list)
		return op == COND_OP_IN || op == COND_OP_INTERSECTS;
	if (fld_type_is_string(t))
		return op != COND_OP_BCONTAINS && op != COND_OP_BSTARTSWITH;
	switch (t) {
	case LNR_PT_BOOL:
		return op == COND_OP_EQ || op == COND_OP_EQEQ || op == COND_OP_NE ||
		       op == COND_OP_IN || op == COND_OP_INTERSECTS;
	case LNR_PT_BYTEBUF:
		return op == COND_OP_EQ || op == COND_OP_EQEQ || op == COND_OP_NE ||
		       op == COND_OP_CONTAINS || op == COND_OP_IN || op == COND_OP_STARTSWITH ||
		       op == COND_OP_ENDSWITH || op == COND_OP_INTERSECTS ||
		       op == COND_OP_BCONTAINS || op == COND_OP_BSTARTSWITH;
	case LNR_PT_IPADDR:
	case LNR_PT_IPV4ADDR:
	case LNR_PT_IPV6ADDR:
	case LNR_PT_IPNET:
	case LNR_PT_IPV4NET:
	case LNR_PT_IPV6NET:
		return op == COND_OP_EQ || op == COND_OP_EQEQ || op == COND_OP_NE ||
		       op == COND_OP_IN || op == COND_OP_INTERSECTS;
	case LNR_PT_DYN:
		/* evt.rawarg: checked against the runtime type at evaluation. */
		return op != COND_OP_PMATCH;
	default:
		if (fld_type_is_numeric(t))
			return op == COND_OP_EQ || op == COND_OP_EQEQ || op == COND_OP_NE ||
			       op == COND_OP_LT || op == COND_OP_LE || op == COND_OP_GT ||
			       op == COND_OP_GE || op == COND_OP_IN || op == COND_OP_INTERSECTS;
		return 0;
	}
}

static int mod_allowed(enum cond_op op, enum lnr_ptype t)
{
	switch (op) {
	case COND_OP_EQ:
	case COND_OP_NE:
	case COND_OP_EQEQ:
		break;
	case COND_OP_CONTAINS:
	case COND_OP_ICONTAINS:
	case COND_OP_BCONTAINS:
	case COND_OP_STARTSWITH:
	case COND_OP_BSTARTSWITH:
	case COND_OP_ENDSWITH:
	case COND_OP_GLOB:
	case COND_OP_IGLOB:
	case COND_OP_REGEX:
		break;
	default:
		return 0;
	}
	if (t == LNR_PT_IPADDR || t == LNR_PT_IPNET || t == LNR_PT_IPV4ADDR ||
	    t == LNR_PT_IPV6ADDR || t == LNR_PT_IPV4NET || t == LNR_PT_IPV6NET)
		return op == COND_OP_EQEQ || op == COND_OP_NE;
	return 1;
}

static int is_ip_type(enum lnr_ptype t)
{
	return t == LNR_PT_IPADDR || t == LNR_PT_IPV4ADDR || t == LNR_PT_IPV6ADDR;
}

static int is_net_type(enum lnr_ptype t)
{
	return t == LNR_PT_IPNET || t == LNR_PT_IPV4NET || t == LNR_PT_IPV6NET;
}

/* sinsp_numparser: decimal only, optional sign and leading blanks, nothing after. */
static int parse_s64(const char *s, int64_t *out)
{
	char *end;

	errno = 0;
	if (!*s)
		return -1;
	*out = strtoll(s, &end, 10);
	return end != s && *end == '\0' && errno == 0 ? 0 : -1;
}

static int parse_u64(const char *s, uint64_t *out)
{
	char *end;

	errno = 0;
	if (!*s)
		return -1;
	*out = strtoull(s, &end, 10);
	return end != s && *end == '\0' && errno == 0 ? 0 : -1;
}

static int hexval(char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	c = (char)tolower((unsigned char)c);
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	return -1;
}

/* Parse one constant for LHS type t and operator op into r. */
static int parse_const(struct cc *c, const struct cond_node *at, enum lnr_ptype t, enum cond_op op,
		       const char *s, size_t len, struct rconst *r)
{
	r->s = dupn(s, len);
	r->len = len;
	if (!r->s) {
		coom(c);
		return -1;
	}
	if (op == COND_OP_BCONTAINS || op == COND_OP_BSTARTSWITH) {
		size_t o = 0;

		if (len == 0 || len % 2) {
			cfail(c, at,
			      "filter error: bytes value '%s' must be an even-length hex string",
			      r->s);
			return -1;
		}
		for (size_t i = 0; i < len; i += 2) {
			int h = hexval(s[i]), l = hexval(s[i + 1]);

			if (h < 0 || l < 0) {
				cfail(c, at, "filter error: bytes value '%s' is not a hex string",
				      r->s);
				return -1;
			}
			r->s[o++] = (char)(h * 16 + l);
		}
		r->len = o;
		return 0;
	}
	if (t != LNR_PT_BYTEBUF && memchr(s, '\0', len)) {
		cfail(c, at, "filter error: value contains a NUL byte");
		return -1;
	}
	if (fld_type_is_string(t) || t == LNR_PT_BYTEBUF) {
		if (op == COND_OP_REGEX) {
			char msg[160];

			r->rx = rx_compile(s, len, msg, sizeof(msg));
			if (!r->rx) {
				if (errno == ENOMEM)
					coom(c);
				else
					cfail(c, at, "filter error: %s", msg);
				return -1;
			}
		}
		return 0;
	}
	if (t == LNR_PT_DYN) {
		r->num_ok = parse_s64(r->s, &r->s64) == 0;
		if (r->num_ok)
			r->u64 = (uint64_t)r->s64;
		else if (parse_u64(r->s, &r->u64) == 0 && r->s[0] != '-')
			r->num_ok = 2;
		return 0;
	}
	if (t == LNR_PT_BOOL) {
		if (strcmp(r->s, "true") == 0)
			r->u64 = 1;
		else if (strcmp(r->s, "false") == 0)
			r->u64 = 0;
		else {
			cfail(c, at, "filter error: '%s' is not a valid boolean (true or false)",
			      r->s);
			return -1;
		}
		return 0;
	}
	if (is_ip_type(t)) {
		if (match_parse_ip(s, len, &r->ip) == 0)
			return 0;
		if (memchr(s, '/', len) && match_parse_ipnet(s, len, &r->net) == 0) {
			r->is_net = 1;
			return 0;
		}
		cfail(c, at, "filter error: '%s' is not a valid IP address", r->s);
		return -1;
	}
	if (is_net_type(t)) {
		if (match_parse_ipnet(s, len, &r->net) == 0) {
			r->is_net = 1;
			return 0;
		}
		cfail(c, at, "filter error: '%s' is not a valid network (CIDR)", r->s);
		return -1;
	}
	if (fld_type_is_numeric(t)) {
		if (fld_type_is_signed(t) || t == LNR_PT_DOUBLE) {
			if (parse_s64(r->s, &r->s64) < 0)
				goto badnum;
			r->u64 = (uint64_t)r->s64;
		} else {
			if (parse_u64(r->s, &r->u64) < 0)
				goto badnum;
			r->s64 = (int64_t)r->u64;
		}
		return 0;
	}
	cfail(c, at, "filter error: fields of type %s cannot be compared to constants",
	      fld_type_name(t));
	return -1;
badnum:
	cfail(c, at, "filter error: '%s' is not a valid number for type %s", r->s,
	      fld_type_name(t));
	return -1;
}

/* Warn like Falco when a string constant looks like a field or a transformer. */
static void warn_fieldlike(struct cc *c, const struct cond_node *at, const char *s, size_t len)
{
	struct cond_error e;
	struct cond_node *n;
	struct fld_ref r;
	char msg[128];
	char *txt;

	if (len == 0 || len > 200 || memchr(s, '\0', len))
		return;
	txt = malloc(len + 8);
	if (!txt)
		return;
	memcpy(txt, s, len);
	memcpy(txt + len, " exists", 8);
	n = cond_parse(txt, len + 7, COND_DEFAULT_MAX_DEPTH, &e);
	free(txt);
	if (!n)
		return;
	if (n->kind == COND_UNARY) {
		const struct cond_node *l = n->kids[0];

		if (l->kind == COND_FIELD &&
		    fld_resolve(l->str, l->arg, l->arg_len, &r, msg, sizeof(msg)) == 0)
			cwarn(c, at, "'%.*s' may be a valid field misused as a const string value",
			      (int)len, s);
		else if (l->kind == COND_TRANSFORMER)
			cwarn(c, at,
			      "'%.*s' may be a valid field transformer misused as a const string "
			      "value",
			      (int)len, s);
	}
	cond_free(n);
}

/* Warn when a regex is a plain string with optional anchors or .* / .+ / .? ends. */
static void warn_regex(struct cc *c, const struct cond_node *at, const char *s, size_t len)
{
	size_t b = 0, e = len;

	if (b < e && s[b] == '^')
		b++;
	if (e > b && s[e - 1] == '$' && (e < 2 || s[e - 2] != '\\'))
		e--;
	if (e - b >= 2 && s[b] == '.' && (s[b + 1] == '*' || s[b + 1] == '+' || s[b + 1] == '?'))
		b += 2;
	if (e - b >= 2 && s[e - 2] == '.' &&
	    (s[e - 1] == '*' || s[e - 1] == '+' || s[e - 1] == '?'))
		e -= 2;
	if (b >= e)
		return;
	for (size_t i = b; i < e; i++)
		if (strchr(".[]{}()\\*+?|^$", s[i]))
			return;
	cwarn(c, at,
	      "regex '%.*s' has no special characters besides anchors and leading/trailing "
	      "wildcards: a string operator (=, startswith, endswith, contains) is faster",
	      (int)len, s);
}

static void pcheck_free(struct pcheck *k)
{
	if (!k)
		return;
	free(k->key);
	prog_vexpr_free(k->lhs);
	prog_vexpr_free(k->rhs);
	for (size_t i = 0; i < k->nrv; i++) {
		free(k->rv[i].s);
		rx_free(k->rv[i].rx);
	}
	free(k->rv);
	hset_free(k->set);
	ptrie_free(k->trie);
	free(k);
}

void prog_pnode_free(struct pnode *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		prog_pnode_free(n->kids[i]);
	free(n->kids);
	pcheck_free(n->chk);
	free(n);
}

static int same_class(enum lnr_ptype a, enum lnr_ptype b)
{
	if (a == b)
		return 1;
	if (fld_type_is_string(a) && fld_type_is_string(b))
		return 1;
	if (fld_type_is_numeric(a) && fld_type_is_numeric(b) && a != LNR_PT_DOUBLE &&
	    b != LNR_PT_DOUBLE)
		return 1;
	if ((is_ip_type(a) || is_net_type(a)) && is_ip_type(b))
		return 1;
	return 0;
}

static struct pcheck *compile_check(struct cc *c, const struct cond_node *n)
{
	struct pcheck *k = calloc(1, sizeof(*k));
	const struct cond_node *right = n->kind == COND_BINARY ? n->kids[1] : NULL;
	enum lnr_ptype t;
	int list;

	if (!k)
		return coom(c);
	k->pos = n->pos;
	k->op = n->op;
	k->mod = n->mod;
	if (n->kids[0]->kind == COND_TRANSFORMER && strcmp(n->kids[0]->str, "val") == 0) {
		pcheck_free(k);
		return cfail(c, n, "filter error: 'val' cannot be used on the left-hand side");
	}
	k->lhs = compile_vexpr(c, n->kids[0], 0);
	if (!k->lhs) {
		pcheck_free(k);
		return NULL;
	}
	t = k->lhs->type;
	list = k->lhs->multi && !k->lhs->ancestor;
	k->single = !k->lhs->multi;
	if (fld_type_is_string(t) || t == LNR_PT_BYTEBUF)
		k->cls = PCLS_STR;
	else if (t == LNR_PT_DYN)
		k->cls = PCLS_DYN;
	else if (t == LNR_PT_BOOL)
		k->cls = PCLS_BOOL;
	else if (is_ip_type(t))
		k->cls = PCLS_IP;
	else if (is_net_type(t))
		k->cls = PCLS_NET;
	else if (t == LNR_PT_DOUBLE)
		k->cls = PCLS_DBL;
	else
		k->cls = fld_type_is_signed(t) ? PCLS_SINT : PCLS_UINT;
	if (k->op == COND_OP_NONE) {
		pcheck_free(k);
		return cfail(c, n, "'%s' is not a supported comparison operator", n->str);
	}
	if (!op_allowed(k->op, t, list)) {
		cfail(c, n, "filter error: operator '%s' is not supported on field '%s' of type %s",
		      cond_op_name(k->op),
		      k->lhs->kind == VX_FIELD ? k->lhs->name : prog_vx_name(k->lhs->kind),
		      fld_type_name(t));
		pcheck_free(k);
		return NULL;
	}
	if (k->mod && !mod_allowed(k->op, t)) {
		pcheck_free(k);
		return cfail(c, n, "'%s' is not a supported comparison operator", n->str);
	}
	if (!right)
		return k;
	if (right->kind == COND_TRANSFORMER) {
		if (k->op == COND_OP_REGEX || k->op == COND_OP_PMATCH || k->mod) {
			pcheck_free(k);
			return cfail(c, right,
				     "filter error: operator '%s' needs a constant right-hand side",
				     n->str);
		}
		k->rhs = compile_vexpr(c, right, 0);
		if (!k->rhs) {
			pcheck_free(k);
			return NULL;
		}
		if (!same_class(t, k->rhs->type) && t != LNR_PT_DYN) {
			cfail(c, right,
			      "filter error: right-hand side of type %s is not comparable with a "
			      "left-hand side of type %s",
			      fld_type_name(k->rhs->type), fld_type_name(t));
			pcheck_free(k);
			return NULL;
		}
		return k;
	}
	if (right->kind == COND_VALUE) {
		if (k->op == COND_OP_IN || k->op == COND_OP_INTERSECTS || k->op == COND_OP_PMATCH ||
		    k->mod) {
			/* A bare identifier as a list (an unresolved list name) is one value. */
		}
		k->rv = calloc(1, sizeof(*k->rv));
		if (!k->rv) {
			pcheck_free(k);
			return coom(c);
		}
		k->nrv = 1;
		if (parse_const(c, right, t, k->op, right->str, right->len, &k->rv[0]) < 0) {
			pcheck_free(k);
			return NULL;
		}
		if (fld_type_is_string(t) || t == LNR_PT_BYTEBUF)
			warn_fieldlike(c, right, right->str, right->len);
		if (k->op == COND_OP_REGEX)
			warn_regex(c, right, right->str, right->len);
	} else if (right->kind == COND_LIST) {
		if (!(k->op == COND_OP_IN || k->op == COND_OP_INTERSECTS ||
		      k->op == COND_OP_PMATCH || k->mod)) {
			pcheck_free(k);
			return cfail(c, right, "filter error: operator '%s' does not take a list",
				     n->str);
		}
		k->rv = calloc(right->nkids ? right->nkids : 1, sizeof(*k->rv));
		if (!k->rv) {
			pcheck_free(k);
			return coom(c);
		}
		for (size_t i = 0; i < right->nkids; i++) {
			k->nrv++;
			if (parse_const(c, right->kids[i], t, k->op, right->kids[i]->str,
					right->kids[i]->len, &k->rv[i]) < 0) {
				pcheck_free(k);
				return NULL;
			}
		}
	} else {
		pcheck_free(k);
		return cfail(c, right, "filter error: unexpected right-hand side");
	}
	if (k->op == COND_OP_PMATCH) {
		k->trie = ptrie_new();
		if (!k->trie) {
			pcheck_free(k);
			return coom(c);
		}
		for (size_t i = 0; i < k->nrv; i++)
			if (ptrie_add(k->trie, k->rv[i].s, k->rv[i].len) < 0) {
				pcheck_free(k);
				return coom(c);
			}
	} else if ((k->op == COND_OP_IN || k->op == COND_OP_INTERSECTS) && !k->mod &&
		   (fld_type_is_string(t) || t == LNR_PT_BYTEBUF) && k->nrv >= PROG_HSET_MIN) {
		k->set = hset_new(k->nrv);
		if (!k->set) {
			pcheck_free(k);
			return coom(c);
		}
		for (size_t i = 0; i < k->nrv; i++)
			if (hset_add(k->set, k->rv[i].s, k->rv[i].len) < 0) {
				pcheck_free(k);
				return coom(c);
			}
	}
	if ((fld_type_is_string(t) || t == LNR_PT_BYTEBUF) && !k->mod && !k->set &&
	    (k->op == COND_OP_IN || k->op == COND_OP_INTERSECTS || k->op == COND_OP_EQ ||
	     k->op == COND_OP_EQEQ))
		k->str_in = 1;
	/* evt.type = / != / in: answer from the numeric type when the accessor can. */
	if (k->lhs->kind == VX_FIELD && k->lhs->ref.id == FLD_EVT_TYPE && !k->lhs->ref.arg &&
	    !k->mod &&
	    (k->op == COND_OP_EQ || k->op == COND_OP_EQEQ || k->op == COND_OP_NE ||
	     k->op == COND_OP_IN || k->op == COND_OP_INTERSECTS)) {
		k->evt_fast = 1;
		evtset_clear(&k->evtmask);
		for (size_t i = 0; i < k->nrv; i++) {
			int et = evtset_type_by_name(k->rv[i].s, k->rv[i].len);

			if (et >= 0)
				evtset_add(&k->evtmask, (unsigned)et);
		}
	}
	return k;
}

/* Fields every check needs on the hot path, copied next to it. */
static void finish_check(struct pcheck *k, const struct cond_node *n)
{
	k->lfidx = k->lhs->fidx;
	if (!k->key) {
		struct cond_sb sb = {0};

		/* The canonical text decides the result: equal text, equal answer. */
		cond_sb_print(&sb, n);
		k->key = sb.oom ? NULL : sb.buf;
		k->keylen = sb.oom ? 0 : sb.len;
		if (sb.oom)
			free(sb.buf);
	}
	k->simple = k->single && !k->rhs && k->lhs->kind == VX_FIELD && k->cls != PCLS_DYN;
}

static struct pnode *compile_node(struct cc *c, const struct cond_node *n, int depth)
{
	struct pnode *p;

	if (depth > 4 * COND_FALCO_MAX_DEPTH)
		return cfail(c, n, "filter error: condition nested too deeply");
	switch (n->kind) {
	case COND_AND:
	case COND_OR:
	case COND_NOT:
		p = calloc(1, sizeof(*p));
		if (!p)
			return coom(c);
		p->kind = n->kind == COND_AND ? PN_AND : n->kind == COND_OR ? PN_OR : PN_NOT;
		p->kids = calloc(n->nkids, sizeof(*p->kids));
		if (!p->kids) {
			free(p);
			return coom(c);
		}
		for (size_t i = 0; i < n->nkids; i++) {
			p->kids[i] = compile_node(c, n->kids[i], depth + 1);
			if (!p->kids[i]) {
				prog_pnode_free(p);
				return NULL;
			}
			p->nkids++;
		}
		return p;
	case COND_UNARY:
	case COND_BINARY:
		p = calloc(1, sizeof(*p));
		if (!p)
			return coom(c);
		p->kind = PN_CHECK;
		p->chk = compile_check(c, n);
		if (!p->chk) {
			free(p);
			return NULL;
		}
		finish_check(p->chk, n);
		return p;
	case COND_IDENT:
		return cfail(c, n, "Undefined macro '%s' used in filter.", n->str);
	default:
		return cfail(c, n, "filter error: unexpected %s expression",
			     cond_kind_name(n->kind));
	}
}

static void count_nodes(const struct pnode *n, size_t *code, size_t *checks)
{
	if (n->kind == PN_CHECK) {
		(*code)++;
		(*checks)++;
		return;
	}
	/* A jump between two children; one op for NOT. */
	*code += n->nkids ? n->nkids - 1 : 0;
	if (n->kind == PN_NOT)
		(*code)++;
	for (size_t i = 0; i < n->nkids; i++)
		count_nodes(n->kids[i], code, checks);
}

/* Emit n; the jumps of an and/or go to the end of that node. Returns 0 or -ENOMEM. */
static int emit_node(struct prog *p, const struct pnode *n, struct strref **svp)
{
	size_t *jumps;
	size_t nj = 0;

	switch (n->kind) {
	case PN_CHECK:
		if (n->chk->str_in) {
			/* Both the tree's check and its flat copy use the block's refs. */
			n->chk->sv = *svp;
			for (size_t j = 0; j < n->chk->nrv; j++)
				*(*svp)++ = (struct strref){n->chk->rv[j].s, n->chk->rv[j].len};
		}
		p->checks[p->nchecks] = *n->chk;
		p->code[p->ncode++] = (struct xop){XOP_CHECK, (uint32_t)p->nchecks++};
		return 0;
	case PN_NOT:
		if (emit_node(p, n->kids[0], svp) < 0)
			return -ENOMEM;
		p->code[p->ncode++] = (struct xop){XOP_NOT, 0};
		return 0;
	case PN_AND:
	case PN_OR:
		jumps = malloc((n->nkids ? n->nkids : 1) * sizeof(*jumps));
		if (!jumps)
			return -ENOMEM;
		for (size_t i = 0; i < n->nkids; i++) {
			if (emit_node(p, n->kids[i], svp) < 0) {
				free(jumps);
				return -ENOMEM;
			}
			if (i + 1 < n->nkids) {
				jumps[nj++] = p->ncode;
				p->code[p->ncode++] =
					(struct xop){n->kind == PN_AND ? XOP_JF : XOP_JT, 0};
			}
		}
		for (size_t k = 0; k < nj; k++)
			p->code[jumps[k]].arg = (uint32_t)p->ncode;
		free(jumps);
		return 0;
	}
	return 0;
}

static void count_strs(const struct pnode *n, size_t *nstr)
{
	if (n->kind == PN_CHECK && n->chk->str_in)
		*nstr += n->chk->nrv;
	for (size_t i = 0; i < n->nkids; i++)
		count_strs(n->kids[i], nstr);
}

/*
 * Lay the executable part out in one block: code, checks, the string
 * constants of in/= checks, and the field refs the accessor receives. An
 * evaluation then touches a few consecutive cache lines per rule.
 */
static int flatten(struct cc *c)
{
	struct prog *p = c->p;
	size_t ncode = 1, nchecks = 0, nstr = 0, off_chk, off_str, off_fld, total;
	struct strref *sv;
	char *b;

	count_nodes(p->root, &ncode, &nchecks);
	count_strs(p->root, &nstr);
	off_chk = (ncode * sizeof(struct xop) + 63) & ~(size_t)63;
	off_str = off_chk + nchecks * sizeof(struct pcheck);
	off_fld = off_str + nstr * sizeof(struct strref);
	total = off_fld + p->nfields * sizeof(struct fld_ref);
	b = calloc(1, total ? total : 1);
	if (!b) {
		coom(c);
		return -1;
	}
	p->block = b;
	p->code = (struct xop *)(void *)b;
	p->checks = (struct pcheck *)(void *)(b + off_chk);
	sv = (struct strref *)(void *)(b + off_str);
	if (emit_node(p, p->root, &sv) < 0) {
		coom(c);
		return -1;
	}
	p->code[p->ncode++] = (struct xop){XOP_END, 0};
	if (p->nfields)
		memcpy(b + off_fld, p->fields, p->nfields * sizeof(struct fld_ref));
	free(p->fields);
	p->fields = (struct fld_ref *)(void *)(b + off_fld);
	return 0;
}

struct prog *prog_compile(const struct cond_node *ast, struct prog_msg *err)
{
	return prog_compile_opts(ast, NULL, err);
}

struct prog *prog_compile_opts(const struct cond_node *ast, const struct prog_opts *opts,
			       struct prog_msg *err)
{
	struct prog_msg dummy;
	struct cc c = {0};
	char msg[160];

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	err->pos.line = 1;
	err->pos.col = 1;
	c.err = err;
	c.opts = opts;
	c.p = calloc(1, sizeof(*c.p));
	if (!c.p) {
		errno = ENOMEM;
		return NULL;
	}
	if (!ast) {
		cfail(&c, NULL, "filter error: empty condition");
		goto fail;
	}
	c.p->root = compile_node(&c, ast, 0);
	if (!c.p->root)
		goto fail;
	if (flatten(&c) < 0)
		goto fail;
	if (evtset_of_ast(ast, &c.p->evts, msg, sizeof(msg)) < 0) {
		/* libsinsp compiles such filters; only the event-type index cannot
		 * narrow them: match every type and say so. */
		evtset_fill(&c.p->evts);
		cwarn(&c, ast, "%s", msg);
	}
	return c.p;
fail:
	prog_free(c.p);
	errno = c.oom ? ENOMEM : EINVAL;
	return NULL;
}

struct skey {
	const char *s;
	size_t len;
	uint32_t id;
};

int prog_share_checks(struct prog *const *progs, size_t n)
{
	size_t total = 0, cap = 16, mask;
	struct skey *tab;
	uint32_t next = 1;

	for (size_t i = 0; i < n; i++)
		if (progs[i])
			total += progs[i]->nchecks;
	while (cap < total * 2)
		cap *= 2;
	mask = cap - 1;
	tab = calloc(cap, sizeof(*tab));
	if (!tab)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		for (size_t j = 0; progs[i] && j < progs[i]->nchecks; j++) {
			struct pcheck *k = &progs[i]->checks[j];
			uint64_t h = 1469598103934665603ull;
			size_t slot;

			k->memo_id = 0;
			if (!k->key)
				continue;
			for (size_t b = 0; b < k->keylen; b++)
				h = (h ^ (unsigned char)k->key[b]) * 1099511628211ull;
			for (slot = h & mask; tab[slot].s; slot = (slot + 1) & mask)
				if (tab[slot].len == k->keylen &&
				    memcmp(tab[slot].s, k->key, k->keylen) == 0)
					break;
			if (!tab[slot].s)
				tab[slot] = (struct skey){k->key, k->keylen, next++};
			k->memo_id = tab[slot].id;
		}
	}
	free(tab);
	return (int)(next - 1);
}

size_t prog_warning_count(const struct prog *p)
{
	return p->nwarn;
}

const struct prog_msg *prog_warning(const struct prog *p, size_t i)
{
	return i < p->nwarn ? &p->warn[i] : NULL;
}

void prog_evtset(const struct prog *p, struct evtset *out)
{
	*out = p->evts;
}

size_t prog_field_count(const struct prog *p)
{
	return p->nfields;
}

const struct fld_ref *prog_field(const struct prog *p, size_t i)
{
	return i < p->nfields ? &p->fields[i] : NULL;
}

void prog_free(struct prog *p)
{
	struct achunk *a, *next;

	if (!p)
		return;
	prog_pnode_free(p->root);
	if (!p->block)
		free(p->fields);
	free(p->block);
	free(p->warn);
	for (a = p->arena; a; a = next) {
		next = a->next;
		free(a);
	}
	free(p);
}
