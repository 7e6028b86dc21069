/* rules_compile.c: Falco's rule compiler steps: exceptions, lists, macros, warnings, type index. */
#include "rules_compile.h"

#include <ctype.h>
#include <errno.h>
#include <fnmatch.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "fields.h"
#include "rules_output.h"
#include "rules_yaml.h"

/*
 * Bounds on macro expansion: nesting of macro references, and nodes of one
 * expanded condition (macros referencing macros twice per level would
 * otherwise grow exponentially).
 */
#define RULES_MAX_MACRO_DEPTH 1000u
#define RULES_MAX_EXPANDED_NODES (512u << 10)
/*
 * Nodes cloned by macro expansion over the whole ruleset (~100 bytes each):
 * a chain of macros each using the previous one grows quadratically. The
 * three official files together clone about 8,000.
 */
#define RULES_MAX_TOTAL_NODES (1u << 20)

/* ---- growable string ---------------------------------------------------------------------- */

struct sb {
	char *buf;
	size_t len, cap;
	bool oom;
};

static void sb_addn(struct sb *b, const char *s, size_t n)
{
	if (b->oom)
		return;
	if (b->len + n + 1 > b->cap) {
		size_t cap = b->cap ? b->cap : 64;
		char *p;

		while (cap < b->len + n + 1)
			cap *= 2;
		p = realloc(b->buf, cap);
		if (!p) {
			b->oom = true;
			return;
		}
		b->buf = p;
		b->cap = cap;
	}
	memcpy(b->buf + b->len, s, n);
	b->len += n;
	b->buf[b->len] = '\0';
}

static void sb_add(struct sb *b, const char *s)
{
	sb_addn(b, s, strlen(s));
}

/* Falco's quote_item: a value with a space that does not start with a quote gets "...". */
static void sb_add_quoted(struct sb *b, const char *s)
{
	if (strchr(s, ' ') && s[0] != '"' && s[0] != '\'') {
		sb_add(b, "\"");
		sb_add(b, s);
		sb_add(b, "\"");
	} else {
		sb_add(b, s);
	}
}

/* ---- diagnostics -------------------------------------------------------------------------- */

struct cctx {
	struct rules_loader *l;
	struct rules_ruleset *rs;
	const struct rules_opts *opts;
	char item[160];
};

static int diag(struct cctx *c, enum rules_sev sev, enum rules_code code, struct rules_pos pos,
		const char *fmt, ...) __attribute__((format(printf, 5, 6)));
static int diag(struct cctx *c, enum rules_sev sev, enum rules_code code, struct rules_pos pos,
		const char *fmt, ...)
{
	char *msg;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -ENOMEM;
	rc = rules_diag_add(&c->l->diags, sev, code, pos, c->item[0] ? c->item : NULL, "%s", msg);
	free(msg);
	if (rc < 0)
		return rc;
	return sev == RULES_ERROR ? -EINVAL : 0;
}

/* ---- exceptions (Falco's build_rule_exception_infos) ------------------------------------- */

static int build_exceptions(struct cctx *c, const struct rules_rule *r, struct sb *cond)
{
	for (size_t i = 0; i < r->nexceptions; i++) {
		const struct rules_exception *ex = &r->exceptions[i];
		struct sb ic = {0};

		if (!ex->fields.is_list) {
			for (size_t v = 0; v < ex->nvalues; v++) {
				const struct rules_exc_entry *val = &ex->values[v];

				if (val->is_list || !val->item) {
					free(ic.buf);
					return diag(c, RULES_ERROR, RULES_ERR_VALIDATE, ex->pos,
						    "Expected values array to contain a list of "
						    "strings");
				}
				if (ic.len == 0) {
					sb_add(&ic, "(");
					sb_add(&ic, ex->fields.item);
					sb_add(&ic, " ");
					sb_add(&ic, ex->comps.item);
					sb_add(&ic, " (");
				} else {
					sb_add(&ic, ", ");
				}
				sb_add_quoted(&ic, val->item);
			}
			if (ic.len)
				sb_add(&ic, "))");
		} else {
			sb_add(&ic, "(");
			for (size_t v = 0; v < ex->nvalues; v++) {
				const struct rules_exc_entry *vals = &ex->values[v];

				if (!vals->is_list || vals->nitems != ex->fields.nitems) {
					free(ic.buf);
					return diag(
						c, RULES_ERROR, RULES_ERR_VALIDATE, ex->pos,
						"Fields and values lists must have equal length");
				}
				if (ic.len > 1)
					sb_add(&ic, " or ");
				sb_add(&ic, "(");
				for (size_t k = 0; k < ex->fields.nitems; k++) {
					const struct rules_exc_entry *e = &vals->items[k];
					const char *op = ex->comps.items[k].item;

					if (k)
						sb_add(&ic, " and ");
					sb_add(&ic, " ");
					sb_add(&ic, ex->fields.items[k].item);
					sb_add(&ic, " ");
					sb_add(&ic, op);
					sb_add(&ic, " ");
					if (e->is_list) {
						sb_add(&ic, "(");
						for (size_t j = 0; j < e->nitems; j++) {
							if (j)
								sb_add(&ic, ", ");
							sb_add_quoted(&ic,
								      e->items[j].item
									      ? e->items[j].item
									      : "");
						}
						sb_add(&ic, ")");
					} else if (!e->item) {
						/* a mapping: decodes to an empty value in Falco */
					} else if (rules_is_list_operator(op)) {
						if (e->item[0] != '(') {
							sb_add(&ic, "(");
							sb_add(&ic, e->item);
							sb_add(&ic, ")");
						} else {
							sb_add(&ic, e->item);
						}
					} else {
						sb_add_quoted(&ic, e->item);
					}
				}
				sb_add(&ic, ")");
			}
			sb_add(&ic, ")");
			if (ic.len == 2) /* "()": no values */
				ic.len = 0;
		}
		if (ic.oom) {
			free(ic.buf);
			return -ENOMEM;
		}
		if (ic.len) {
			sb_add(cond, " and not ");
			sb_addn(cond, ic.buf, ic.len);
		}
		free(ic.buf);
	}
	return cond->oom ? -ENOMEM : 0;
}

/* ---- lists -------------------------------------------------------------------------------- */

static int compile_lists(struct cctx *c)
{
	struct rules_coll *col = &c->l->coll;
	struct rules_ruleset *rs = c->rs;

	rs->lists = calloc(col->nlists ? col->nlists : 1, sizeof(*rs->lists));
	if (!rs->lists)
		return -ENOMEM;
	for (size_t i = 0; i < col->nlists; i++) {
		const struct rules_list *src = &col->lists[i];
		struct rules_list *dst = &rs->lists[i];

		rs->nlists = i + 1;
		if (strpbrk(src->name, " \t\n\r(),=")) {
			uint32_t *o = realloc(rs->odd_lists, (rs->nodd_lists + 1) * sizeof(*o));

			if (!o)
				return -ENOMEM;
			rs->odd_lists = o;
			o[rs->nodd_lists++] = (uint32_t)i;
		}
		dst->name = strdup(src->name);
		dst->index = src->index;
		dst->visibility = src->visibility;
		dst->pos = src->pos;
		if (!dst->name)
			return -ENOMEM;
		for (size_t k = 0; k < src->nitems; k++) {
			struct rules_list *ref = rules_coll_list(col, src->items[k]);
			const char *const *items = (const char *const *)&src->items[k];
			size_t n = 1;

			if (ref && ref->index < src->visibility) {
				items = (const char *const *)ref->items;
				n = ref->nitems;
				rs->lists[ref - col->lists].used = true;
			}
			for (size_t j = 0; j < n; j++) {
				struct sb q = {0};
				char **v;

				/* Raw: cond_resolve_list quotes items with blanks on substitution. */
				sb_add(&q, items[j]);
				if (q.oom || !q.buf) {
					free(q.buf);
					if (q.oom)
						return -ENOMEM;
					q.buf = strdup("");
					if (!q.buf)
						return -ENOMEM;
				}
				v = realloc(dst->items, (dst->nitems + 1) * sizeof(*v));
				if (!v) {
					free(q.buf);
					return -ENOMEM;
				}
				dst->items = v;
				v[dst->nitems++] = q.buf;
			}
		}
	}
	return 0;
}

/*
 * The first list, at or after position `from` in definition order, whose
 * name occurs in text as a whole token (delimited by blanks, '(', ')', ','
 * or '=', as resolve_list requires), or -1. Tokens are looked up in the
 * collection's name index, so a condition costs O(its length), not O(lists).
 */
static ssize_t next_list_in(struct rules_ruleset *rs, const char *text, size_t from)
{
	static const char delims[] = " \t\n\r(),=";
	struct rules_coll *col = &rs->loader->coll;
	ssize_t best = -1;
	char small[256];

	for (const char *p = text; *p;) {
		size_t n = strcspn(p, delims);

		if (n && n < sizeof(small)) {
			struct rules_list *l;

			memcpy(small, p, n);
			small[n] = '\0';
			l = rules_coll_list(col, small);
			if (l) {
				ssize_t i = l - col->lists;

				if ((size_t)i >= from && (best < 0 || i < best))
					best = i;
			}
		}
		p += n;
		if (*p)
			p++;
	}
	/* Names a token cannot hold ("test list"): Falco's substring search. */
	for (size_t k = 0; k < rs->nodd_lists; k++) {
		ssize_t i = rs->odd_lists[k];

		if ((size_t)i >= from && (best < 0 || i < best) && strstr(text, rs->lists[i].name))
			best = i;
	}
	return best;
}

/* Substitutes every list (in definition order, as Falco) into the text, then parses it. */
static struct cond_node *parse_with_lists(struct rules_ruleset *rs, const char *text,
					  struct cond_error *err, int *oom)
{
	char *cur = strdup(text);
	struct cond_node *ast;
	ssize_t i;
	size_t from = 0;

	*oom = 0;
	if (!cur) {
		*oom = 1;
		return NULL;
	}
	while ((i = next_list_in(rs, cur, from)) >= 0 && (size_t)i < rs->nlists) {
		struct rules_list *li = &rs->lists[i];
		int changed = 0;
		char *next = cond_resolve_list(cur, li->name, (const char *const *)li->items,
					       li->nitems, &changed);

		if (!next) {
			free(cur);
			*oom = 1;
			return NULL;
		}
		free(cur);
		cur = next;
		if (changed)
			li->used = true;
		from = (size_t)i + 1;
	}
	ast = cond_parse(cur, strlen(cur), COND_FALCO_MAX_DEPTH, err);
	if (!ast && errno == ENOMEM)
		*oom = 1;
	free(cur);
	return ast;
}

/* ---- macros (Falco's filter_macro_resolver) ----------------------------------------------- */

struct mres {
	struct rules_ruleset *rs;
	uint32_t visibility;
	const char *path[RULES_MAX_MACRO_DEPTH];
	size_t depth;
	uint64_t nodes; /* nodes cloned so far */
	char err[256];	/* first error */
	struct cond_pos err_pos;
	bool have_err;
	bool oom;
};

static uint64_t count_nodes(const struct cond_node *n)
{
	uint64_t c = 1;

	for (size_t i = 0; i < n->nkids; i++)
		c += count_nodes(n->kids[i]);
	return c;
}

static int resolve_cb(struct cond_node **slot, int in_tr, void *ud);

static void mres_fail(struct mres *m, const struct cond_node *at, const char *fmt, const char *name)
{
	if (m->have_err)
		return;
	snprintf(m->err, sizeof(m->err), fmt, name);
	m->err_pos = at->pos;
	m->have_err = true;
}

static int resolve_cb(struct cond_node **slot, int in_tr, void *ud)
{
	struct mres *m = ud;
	struct cond_node *n = *slot, *clone;
	struct rules_coll *col = &m->rs->loader->coll;
	ssize_t idx = -1;

	if (n->kind != COND_IDENT || in_tr)
		return 0;
	{
		struct rules_macro *mc = rules_coll_macro(col, n->str);

		if (mc && mc->index < m->visibility && m->rs->macro_asts[mc - col->macros])
			idx = mc - col->macros;
	}
	if (idx < 0) {
		mres_fail(m, n, "Undefined macro '%s' used in filter.", n->str);
		return 0;
	}
	for (size_t i = 0; i < m->depth; i++) {
		if (strcmp(m->path[i], n->str) == 0) {
			mres_fail(m, n, "reference loop in macro '%s'", n->str);
			return 0;
		}
	}
	if (m->depth >= RULES_MAX_MACRO_DEPTH) {
		mres_fail(m, n, "macro '%s' nested too deeply", n->str);
		return 0;
	}
	{
		uint64_t c = count_nodes(m->rs->macro_asts[idx]);

		m->nodes += c;
		m->rs->expanded_nodes += c;
	}
	if (m->rs->expanded_nodes > RULES_MAX_TOTAL_NODES) {
		mres_fail(m, n, "rules too large after macro expansion (at macro '%s')", n->str);
		return 0;
	}
	if (m->nodes > RULES_MAX_EXPANDED_NODES) {
		mres_fail(m, n, "condition too large after expanding macro '%s'", n->str);
		return 0;
	}
	clone = cond_clone(m->rs->macro_asts[idx]);
	if (!clone) {
		m->oom = true;
		return -ENOMEM;
	}
	m->path[m->depth++] = col->macros[idx].name;
	if (cond_walk(&clone, resolve_cb, m) < 0) {
		m->depth--;
		cond_free(clone);
		return -ENOMEM;
	}
	m->depth--;
	col->macros[idx].used = true;
	cond_free(n);
	*slot = clone;
	return 0;
}

/* Resolves macro references in *ast; 0, -EINVAL with msg/pos, or -ENOMEM. */
static int resolve_macros(struct rules_ruleset *rs, struct cond_node **ast, uint32_t visibility,
			  char *msg, size_t msgsz, struct cond_pos *pos)
{
	struct mres *m = calloc(1, sizeof(*m));
	int rc;

	if (!m)
		return -ENOMEM;
	m->rs = rs;
	m->visibility = visibility;
	rc = cond_walk(ast, resolve_cb, m);
	if (rc == 0 && m->have_err) {
		snprintf(msg, msgsz, "%s", m->err);
		*pos = m->err_pos;
		rc = -EINVAL;
	}
	free(m);
	return rc;
}

/* Maps a position in a parsed text back to the file (exact when the text is the scalar's). */
static struct rules_pos text_pos(struct cctx *c, const struct rules_textpos *tp, const char *orig,
				 const char *parsed, uint32_t idx)
{
	if (strcmp(orig, parsed) == 0)
		return rules_textpos_at(c->l, tp, idx);
	return tp->pos;
}

static int compile_macros(struct cctx *c)
{
	struct rules_coll *col = &c->l->coll;
	struct rules_ruleset *rs = c->rs;

	rs->macro_asts = calloc(col->nmacros ? col->nmacros : 1, sizeof(*rs->macro_asts));
	if (!rs->macro_asts)
		return -ENOMEM;
	rs->nmacros = col->nmacros;
	for (size_t i = 0; i < col->nmacros; i++) {
		struct rules_macro *m = &col->macros[i];
		struct cond_error err;
		int oom;

		m->used = false;
		snprintf(c->item, sizeof(c->item), "macro '%.120s'", m->name);
		rs->macro_asts[i] = parse_with_lists(rs, m->cond, &err, &oom);
		if (!rs->macro_asts[i]) {
			if (oom)
				return -ENOMEM;
			return diag(c, RULES_ERROR, RULES_ERR_COMPILE_CONDITION,
				    text_pos(c, &m->cond_pos, m->cond, m->cond, err.pos.idx), "%s",
				    err.msg);
		}
	}
	for (size_t i = 0; i < col->nmacros; i++) {
		struct rules_macro *m = &col->macros[i];
		struct cond_pos pos;
		char msg[256];
		int rc;

		snprintf(c->item, sizeof(c->item), "macro '%.120s'", m->name);
		rc = resolve_macros(rs, &rs->macro_asts[i], m->visibility, msg, sizeof(msg), &pos);
		if (rc == -EINVAL)
			return diag(c, RULES_ERROR, RULES_ERR_VALIDATE, m->pos, "%s", msg);
		if (rc < 0)
			return rc;
	}
	return 0;
}

/* ---- event-type sets (libsinsp ppm_codes.cpp, on names) ----------------------------------- */

static int strv_add_sorted(char ***v, size_t *n, const char *s)
{
	size_t lo = 0, hi = *n;
	char **nv, *d;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp((*v)[mid], s);

		if (c == 0)
			return 0;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	d = strdup(s);
	nv = realloc(*v, (*n + 1) * sizeof(*nv));
	if (!d || !nv) {
		free(d);
		if (nv)
			*v = nv;
		return -ENOMEM;
	}
	memmove(&nv[lo + 1], &nv[lo], (*n - lo) * sizeof(*nv));
	nv[lo] = d;
	*v = nv;
	(*n)++;
	return 0;
}

static bool names_has(char *const *v, size_t n, const char *s)
{
	size_t lo = 0, hi = n;

	while (lo < hi) {
		size_t mid = (lo + hi) / 2;
		int c = strcmp(v[mid], s);

		if (c == 0)
			return true;
		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	return false;
}

bool rules_evtset_has(const struct rules_evtset *s, const char *name)
{
	return names_has(s->names, s->n, name) != s->neg;
}

bool rules_evtset_too_broad(const struct rules_evtset *s)
{
	/*
	 * Falco counts PPME codes (an enter and an exit code per event name,
	 * 454 in all) and warns above 100: about 50 names, or any complement
	 * of fewer than ~175 names.
	 */
	return s->neg ? s->n < 177 : s->n > 50;
}

void rules_evtset_fini(struct rules_evtset *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->n; i++)
		free(s->names[i]);
	free(s->names);
	s->names = NULL;
	s->n = 0;
}

/* a op b into out; op: 0 = a and b both kept (intersection of members), 1 = a minus b, 2 = union. */
static int names_combine(const struct rules_evtset *a, const struct rules_evtset *b, int op,
			 struct rules_evtset *out)
{
	out->names = NULL;
	out->n = 0;
	for (size_t i = 0; i < a->n; i++) {
		bool inb = names_has(b->names, b->n, a->names[i]);
		bool keep = op == 0 ? inb : op == 1 ? !inb : true;

		if (keep && strv_add_sorted(&out->names, &out->n, a->names[i]) < 0)
			return -ENOMEM;
	}
	if (op == 2)
		for (size_t i = 0; i < b->n; i++)
			if (strv_add_sorted(&out->names, &out->n, b->names[i]) < 0)
				return -ENOMEM;
	return 0;
}

static int set_and(const struct rules_evtset *a, const struct rules_evtset *b,
		   struct rules_evtset *out)
{
	if (!a->neg && !b->neg) {
		out->neg = false;
		return names_combine(a, b, 0, out);
	}
	if (!a->neg && b->neg) {
		out->neg = false;
		return names_combine(a, b, 1, out);
	}
	if (a->neg && !b->neg) {
		out->neg = false;
		return names_combine(b, a, 1, out);
	}
	out->neg = true;
	return names_combine(a, b, 2, out);
}

static int set_or(const struct rules_evtset *a, const struct rules_evtset *b,
		  struct rules_evtset *out)
{
	if (!a->neg && !b->neg) {
		out->neg = false;
		return names_combine(a, b, 2, out);
	}
	if (!a->neg && b->neg) {
		out->neg = true;
		return names_combine(b, a, 1, out);
	}
	if (a->neg && !b->neg) {
		out->neg = true;
		return names_combine(a, b, 1, out);
	}
	out->neg = true;
	return names_combine(a, b, 0, out);
}

static bool is_field(const struct cond_node *n, const char *name)
{
	return n && n->kind == COND_FIELD && strcmp(n->str, name) == 0 && !n->arg;
}

static int evtset_rec(const struct cond_node *n, bool negated, struct rules_evtset *out)
{
	struct rules_evtset acc, tmp, next;
	int rc;

	memset(out, 0, sizeof(*out));
	switch (n->kind) {
	case COND_AND:
	case COND_OR: {
		/* De Morgan: a negated and is an or of negated children. */
		bool is_and = (n->kind == COND_AND) != negated;

		memset(&acc, 0, sizeof(acc));
		acc.neg = is_and; /* neutral element: all for and, none for or */
		for (size_t i = 0; i < n->nkids; i++) {
			rc = evtset_rec(n->kids[i], negated, &tmp);
			if (rc == 0)
				rc = is_and ? set_and(&acc, &tmp, &next)
					    : set_or(&acc, &tmp, &next);
			rules_evtset_fini(&tmp);
			rules_evtset_fini(&acc);
			if (rc < 0) {
				rules_evtset_fini(&next);
				return rc;
			}
			acc = next;
		}
		*out = acc;
		return 0;
	}
	case COND_NOT:
		return evtset_rec(n->kids[0], !negated, out);
	case COND_BINARY:
		if (is_field(n->kids[0], "evt.type") && n->mod == COND_MOD_NONE &&
		    (n->op == COND_OP_EQ || n->op == COND_OP_EQEQ || n->op == COND_OP_NE ||
		     n->op == COND_OP_IN)) {
			const struct cond_node *r = n->kids[1];
			bool neg = (n->op == COND_OP_NE) != negated;

			if (r->kind == COND_VALUE) {
				rc = strv_add_sorted(&out->names, &out->n, r->str);
			} else if (r->kind == COND_LIST) {
				rc = 0;
				for (size_t i = 0; i < r->nkids && rc == 0; i++)
					rc = strv_add_sorted(&out->names, &out->n, r->kids[i]->str);
			} else {
				out->neg = true; /* compared to a field: any type */
				return 0;
			}
			out->neg = neg;
			return rc;
		}
		if (is_field(n->kids[0], "evt.num") && n->kids[1]->kind == COND_VALUE &&
		    strcmp(n->kids[1]->str, "0") == 0 &&
		    (n->op == COND_OP_EQ || n->op == COND_OP_EQEQ)) {
			/* evt.num = 0 never holds (libsinsp's invariant): no type. */
			out->neg = negated;
			return 0;
		}
		out->neg = true;
		return 0;
	default:
		out->neg = true; /* neutral: any type, never inverted */
		return 0;
	}
}

int rules_evtset_of(const struct cond_node *ast, struct rules_evtset *out)
{
	return evtset_rec(ast, false, out);
}

/* ---- compile-time warnings ---------------------------------------------------------------- */

static const char *const deprecated_fields[] = {
	"evt.dir",	    "evt.latency", "evt.latency.s", "evt.latency.ns", "evt.latency.human",
	"evt.wait_latency", NULL};

static bool is_deprecated(const char *f)
{
	for (const char *const *p = deprecated_fields; *p; p++)
		if (strcmp(*p, f) == 0)
			return true;
	return false;
}

/* libsinsp FieldName: [a-zA-Z]+[a-zA-Z0-9_]*(\.[a-zA-Z]+[a-zA-Z0-9_]*)+ ; returns its length. */
static size_t field_name_len(const char *s)
{
	size_t i = 0, comps = 0;

	for (;;) {
		if (!isalpha((unsigned char)s[i]))
			break;
		while (isalnum((unsigned char)s[i]) || s[i] == '_')
			i++;
		comps++;
		if (s[i] != '.' || !isalpha((unsigned char)s[i + 1]))
			break;
		i++;
	}
	return comps >= 2 ? i : 0;
}

static const char *const transformers[] = {"tolower", "toupper", "b64",	   "basename", "len",
					   "join",    "concat",	 "getopt", "val",      NULL};

struct wctx {
	struct cctx *c;
	const struct rules_rule *r;
	bool dep_warned;
	int rc;
};

static int warn_cb(struct cond_node **slot, int in_tr, void *ud)
{
	struct wctx *w = ud;
	const struct cond_node *n = *slot;

	if (w->rc < 0)
		return w->rc;
	if (n->kind == COND_FIELD && is_deprecated(n->str) && !w->dep_warned) {
		w->dep_warned = true;
		w->rc = diag(
			w->c, RULES_WARNING, RULES_WARN_DEPRECATED_ITEM, w->r->cond_pos.pos,
			"usage of deprecated field '%s' has been detected in the rule condition",
			n->str);
	}
	return w->rc < 0 ? w->rc : 0;
}

/* Every field of the condition must exist (libsinsp's filtercheck factory). */
struct fctx {
	char msg[256];
	bool unknown; /* a nonexistent field (skip-if-unknown-filter applies) */
	bool bad;
	struct cond_pos pos; /* of the offending field node */
};

static int field_cb(struct cond_node **slot, int in_tr, void *ud)
{
	struct fctx *f = ud;
	const struct cond_node *n = *slot;
	struct fld_ref ref;
	char msg[200];
	int rc;

	if (n->kind != COND_FIELD || f->bad)
		return 0;
	rc = fld_resolve(n->str, n->arg, n->arg ? n->arg_len : 0, &ref, msg, sizeof(msg));
	if (rc == -ENOENT) {
		snprintf(f->msg, sizeof(f->msg),
			 "filter_check called with nonexistent field %.200s", n->str);
		f->unknown = f->bad = true;
		f->pos = n->pos;
	} else if (rc < 0) {
		snprintf(f->msg, sizeof(f->msg), "%s", msg);
		f->bad = true;
		f->pos = n->pos;
	}
	return 0;
}

int rules_check_fields(struct cond_node *ast, char *msg, size_t msgsz, struct cond_pos *pos)
{
	struct fctx f;

	memset(&f, 0, sizeof(f));
	cond_walk(&ast, field_cb, &f);
	if (!f.bad)
		return 0;
	snprintf(msg, msgsz, "%s", f.msg);
	if (pos)
		*pos = f.pos;
	return f.unknown ? -ENOENT : -EINVAL;
}

/* Output tokens: %field, %field[arg], %transformer(...). Calls fn for each field name. */
static int output_fields(const char *fmt, int (*fn)(const char *name, size_t len, void *ud),
			 void *ud)
{
	for (const char *p = fmt; (p = strchr(p, '%'));) {
		size_t n;
		int rc;

		p++;
		while (isdigit((unsigned char)*p))
			p++;
		for (const char *const *t = transformers; *t; t++) {
			size_t tl = strlen(*t);

			if (strncmp(p, *t, tl) == 0 && p[tl] == '(') {
				p += tl + 1;
				break;
			}
		}
		n = field_name_len(p);
		if (!n)
			continue;
		rc = fn(p, n, ud);
		if (rc < 0)
			return rc;
		p += n;
	}
	return 0;
}

struct owarn {
	struct cctx *c;
	const struct rules_rule *r;
};

static int output_dep_cb(const char *name, size_t len, void *ud)
{
	struct owarn *o = ud;
	char buf[64];

	if (len >= sizeof(buf))
		return 0;
	memcpy(buf, name, len);
	buf[len] = '\0';
	if (!is_deprecated(buf))
		return 0;
	return diag(o->c, RULES_WARNING, RULES_WARN_DEPRECATED_ITEM, o->r->output_pos.pos,
		    "usage of deprecated field '%s' has been detected in the rule output", buf);
}

/* Whether an append_output entry applies to rule r (all given match keys hold). */
static bool append_matches(const struct rules_append_output *ap, const struct rules_rule *r)
{
	if (ap->match_rule && *ap->match_rule && strcmp(ap->match_rule, r->name) != 0)
		return false;
	if (ap->match_source && *ap->match_source && strcmp(ap->match_source, r->source) != 0)
		return false;
	for (size_t k = 0; k < ap->nmatch_tags; k++) {
		bool has = false;

		for (size_t j = 0; j < r->ntags && !has; j++)
			has = strcmp(r->tags[j], ap->match_tags[k]) == 0;
		if (!has)
			return false;
	}
	return true;
}

/* Compiles the extra_fields of the matching append_output entries into out. */
static int build_extra_fields(struct cctx *c, const struct rules_rule *r, struct rules_crule *out)
{
	for (size_t i = 0; c->opts && i < c->opts->nappend; i++) {
		const struct rules_append_output *ap = &c->opts->append[i];

		if (!append_matches(ap, r))
			continue;
		for (size_t k = 0; k < ap->nextra_fields; k++) {
			const struct rules_extra_field *ef = &ap->extra_fields[k];
			char msg[256], *fmt = NULL, **nn;
			struct rules_outfmt **nf, *f;
			size_t off;

			if (!ef->format)
				continue;
			if (asprintf(&fmt, "%s%s", ef->name ? "" : "%", ef->format) < 0)
				return -ENOMEM;
			f = rules_outfmt_compile(fmt, msg, sizeof(msg), &off);
			free(fmt);
			if (!f) {
				if (errno == ENOMEM)
					return -ENOMEM;
				return diag(c, RULES_ERROR, RULES_ERR_COMPILE_OUTPUT,
					    r->output_pos.pos, "append_output extra field: %s",
					    msg);
			}
			nn = realloc(out->extra_names, (out->nextra + 1) * sizeof(*nn));
			if (nn)
				out->extra_names = nn;
			nf = realloc(out->extra_fmts, (out->nextra + 1) * sizeof(*nf));
			if (nf)
				out->extra_fmts = nf;
			if (!nn || !nf) {
				rules_outfmt_free(f);
				return -ENOMEM;
			}
			nn[out->nextra] = ef->name ? strdup(ef->name) : NULL;
			nf[out->nextra] = f;
			out->nextra++;
			if (ef->name && !nn[out->nextra - 1])
				return -ENOMEM;
		}
	}
	return 0;
}

/* Falco's output substitutions: %container.info dropped, append_output added. */
static char *build_output(struct cctx *c, const struct rules_rule *r)
{
	struct sb b = {0};
	const char *p = r->output, *hit;
	static const char ci[] = "%container.info";

	while ((hit = strstr(p, ci))) {
		sb_addn(&b, p, (size_t)(hit - p));
		p = hit + sizeof(ci) - 1;
	}
	sb_add(&b, p);
	for (size_t i = 0; c->opts && i < c->opts->nappend; i++) {
		const struct rules_append_output *ap = &c->opts->append[i];

		if (!append_matches(ap, r))
			continue;
		if (ap->extra_output && *ap->extra_output) {
			sb_add(&b, " ");
			sb_add(&b, ap->extra_output);
		}
		if (ap->suggested_output) {
			sb_add(&b, " ");
			sb_add(&b, RULES_SUGGESTED_OUTPUT);
		}
	}
	if (!b.buf && !b.oom)
		return strdup("");
	if (b.oom) {
		free(b.buf);
		return NULL;
	}
	return b.buf;
}

static void crule_fini(struct rules_crule *r);

/* ---- rules -------------------------------------------------------------------------------- */

static int compile_rule(struct cctx *c, const struct rules_rule *r, struct rules_crule *out)
{
	struct sb cond = {0};
	struct cond_error err;
	struct cond_pos pos;
	char msg[256];
	int oom, rc;

	snprintf(c->item, sizeof(c->item), "rule '%.120s'", r->name);
	if (r->nexceptions) {
		sb_add(&cond, "(");
		sb_add(&cond, r->cond);
		sb_add(&cond, ")");
		rc = build_exceptions(c, r, &cond);
		if (rc < 0) {
			free(cond.buf);
			return rc;
		}
	} else {
		sb_add(&cond, r->cond);
	}
	if (cond.oom) {
		free(cond.buf);
		return -ENOMEM;
	}
	out->ast = parse_with_lists(c->rs, cond.buf, &err, &oom);
	if (!out->ast) {
		struct rules_pos p = r->cond_pos.pos;

		free(cond.buf);
		if (oom)
			return -ENOMEM;
		/* Locate the error in the file: re-parse the rule's own text. */
		if (!r->nexceptions) {
			struct cond_error e2;
			struct cond_node *a =
				cond_parse(r->cond, strlen(r->cond), COND_FALCO_MAX_DEPTH, &e2);

			if (!a)
				p = rules_textpos_at(c->l, &r->cond_pos, e2.pos.idx);
			cond_free(a);
		}
		return diag(c, RULES_ERROR, RULES_ERR_COMPILE_CONDITION, p, "%s", err.msg);
	}
	free(cond.buf);
	rc = resolve_macros(c->rs, &out->ast, UINT32_MAX, msg, sizeof(msg), &pos);
	if (rc == -EINVAL) {
		struct rules_pos p = r->cond_pos.pos;

		if (!r->nexceptions)
			p = text_pos(c, &r->cond_pos, r->cond, r->cond, pos.idx);
		return diag(c, RULES_ERROR, RULES_ERR_VALIDATE, p, "%s", msg);
	}
	if (rc < 0)
		return rc;
	out->condition = cond_to_string(out->ast);
	if (!out->condition)
		return -ENOMEM;
	{
		struct fctx f;

		memset(&f, 0, sizeof(f));
		cond_walk(&out->ast, field_cb, &f);
		if (f.bad && f.unknown && r->skip_if_unknown_filter) {
			rc = diag(c, RULES_WARNING, RULES_WARN_UNKNOWN_FILTER, r->cond_pos.pos,
				  "%s", f.msg);
			return rc < 0 ? rc : 1; /* skipped */
		}
		if (f.bad)
			return diag(c, RULES_ERROR, RULES_ERR_COMPILE_CONDITION, r->cond_pos.pos,
				    "%s", f.msg);
	}
	{
		struct prog_msg pm;

		memset(&pm, 0, sizeof(pm));
		out->prog = prog_compile(out->ast, &pm);
		if (!out->prog) {
			if (errno == ENOMEM)
				return -ENOMEM;
			if (r->skip_if_unknown_filter && strstr(pm.msg, "nonexistent field")) {
				rc = diag(c, RULES_WARNING, RULES_WARN_UNKNOWN_FILTER,
					  r->cond_pos.pos, "%s", pm.msg);
				return rc < 0 ? rc : 1;
			}
			return diag(c, RULES_ERROR, RULES_ERR_COMPILE_CONDITION, r->cond_pos.pos,
				    "%s", pm.msg);
		}
		for (size_t i = 0; i < prog_warning_count(out->prog); i++) {
			rc = diag(c, RULES_WARNING, RULES_WARN_COMPILE_CONDITION, r->cond_pos.pos,
				  "%s", prog_warning(out->prog, i)->msg);
			if (rc < 0)
				return rc;
		}
		prog_evtset(out->prog, &out->lnr_types);
	}
	{
		struct wctx w = {c, r, false, 0};

		rc = cond_walk(&out->ast, warn_cb, &w);
		if (rc < 0)
			return rc;
	}
	out->output = build_output(c, r);
	if (!out->output)
		return -ENOMEM;
	if (strstr(r->output, "%container.info") &&
	    (rc = diag(c, RULES_WARNING, RULES_WARN_DEPRECATED_ITEM, r->output_pos.pos,
		       "%%container.info is deprecated and no longer has an effect: it was "
		       "removed from the output")) < 0)
		return rc;
	{
		char omsg[256];
		size_t off;

		out->fmt = rules_outfmt_compile(out->output, omsg, sizeof(omsg), &off);
		if (!out->fmt) {
			if (errno == ENOMEM)
				return -ENOMEM;
			if (r->skip_if_unknown_filter && strstr(omsg, "invalid formatting token")) {
				rc = diag(c, RULES_WARNING, RULES_WARN_UNKNOWN_FILTER,
					  r->output_pos.pos, "%s", omsg);
				return rc < 0 ? rc : 1;
			}
			return diag(c, RULES_ERROR, RULES_ERR_COMPILE_OUTPUT,
				    strcmp(out->output, r->output) == 0
					    ? rules_textpos_at(c->l, &r->output_pos, off)
					    : r->output_pos.pos,
				    "%s", omsg);
		}
	}
	if ((rc = build_extra_fields(c, r, out)) < 0)
		return rc;
	{
		struct owarn o = {c, r};

		if ((rc = output_fields(out->output, output_dep_cb, &o)) < 0)
			return rc;
	}
	rc = rules_evtset_of(out->ast, &out->types);
	if (rc < 0)
		return rc;
	if (r->warn_evttypes && rules_evtset_too_broad(&out->types) &&
	    (rc = diag(c, RULES_WARNING, RULES_WARN_NO_EVTTYPE, r->pos,
		       "Rule matches too many evt.type values. This has a significant performance "
		       "penalty.")) < 0)
		return rc;
	out->rule = r;
	out->enabled = r->enabled;
	return 0;
}

static void crule_fini(struct rules_crule *r)
{
	for (size_t i = 0; i < r->nextra; i++) {
		free(r->extra_names[i]);
		rules_outfmt_free(r->extra_fmts[i]);
	}
	free(r->extra_names);
	free(r->extra_fmts);
	prog_free(r->prog);
	rules_outfmt_free(r->fmt);
	cond_free(r->ast);
	free(r->condition);
	free(r->output);
	rules_evtset_fini(&r->types);
}

void rules_ruleset_free(struct rules_ruleset *rs)
{
	if (!rs)
		return;
	for (size_t i = 0; i < rs->nrules; i++)
		crule_fini(&rs->rules[i]);
	free(rs->rules);
	for (size_t i = 0; i < rs->nlists; i++) {
		free(rs->lists[i].name);
		for (size_t k = 0; k < rs->lists[i].nitems; k++)
			free(rs->lists[i].items[k]);
		free(rs->lists[i].items);
	}
	free(rs->lists);
	free(rs->odd_lists);
	for (size_t i = 0; i < rs->nmacros; i++)
		cond_free(rs->macro_asts[i]);
	free(rs->macro_asts);
	for (size_t t = 0; t < LNR_EVT_MAX; t++)
		free(rs->by_type[t]);
	free(rs);
}

int rules_ruleset_reindex(struct rules_ruleset *rs)
{
	for (size_t t = 0; t < LNR_EVT_MAX; t++) {
		free(rs->by_type[t]);
		rs->by_type[t] = NULL;
		rs->nby_type[t] = 0;
	}
	for (size_t t = 0; t < LNR_EVT_MAX; t++) {
		size_t n = 0;

		for (size_t i = 0; i < rs->nrules; i++)
			if (rs->rules[i].enabled &&
			    evtset_has(&rs->rules[i].lnr_types, (unsigned)t))
				n++;
		if (!n)
			continue;
		rs->by_type[t] = malloc(n * sizeof(uint32_t));
		if (!rs->by_type[t])
			return -ENOMEM;
		for (size_t i = 0; i < rs->nrules; i++)
			if (rs->rules[i].enabled &&
			    evtset_has(&rs->rules[i].lnr_types, (unsigned)t))
				rs->by_type[t][rs->nby_type[t]++] = (uint32_t)i;
	}
	return 0;
}

/* Required plugins: the container plugin is built in; anything else is missing. */
static int check_plugins(struct cctx *c)
{
	struct rules_coll *col = &c->l->coll;

	c->item[0] = '\0';
	for (size_t i = 0; i < col->nplugins; i++) {
		const struct rules_plugin_req *p = &col->plugins[i];
		bool ok = false;
		struct sb names = {0};

		for (size_t k = 0; k < p->n && !ok; k++) {
			unsigned v[3];

			/* Our container fields cover the plugin's 0.x series. */
			ok = strcmp(p->names[k], "container") == 0 &&
			     sscanf(p->versions[k], "%u.%u.%u", &v[0], &v[1], &v[2]) == 3 &&
			     v[0] == 0;
		}
		if (ok)
			continue;
		for (size_t k = 0; k < p->n; k++) {
			if (k)
				sb_add(&names, ", ");
			sb_add(&names, p->names[k]);
			sb_add(&names, " (>= ");
			sb_add(&names, p->versions[k]);
			sb_add(&names, ")");
		}
		{
			int rc = diag(c, RULES_ERROR, RULES_ERR_VALIDATE, p->pos,
				      "Plugin requirement not satisfied, must load one of: %s",
				      names.buf ? names.buf : "");

			free(names.buf);
			return rc;
		}
	}
	return 0;
}

struct rules_ruleset *rules_compile(struct rules_loader *l, const struct rules_opts *opts)
{
	struct rules_opts defopts = {RULES_PRIO_DEBUG, NULL, 0};
	struct rules_coll *col = &l->coll;
	struct cctx c;
	struct rules_ruleset *rs;
	int rc;

	memset(&c, 0, sizeof(c));
	c.l = l;
	c.opts = opts ? opts : &defopts;
	rs = calloc(1, sizeof(*rs));
	if (!rs)
		return NULL;
	rs->loader = l;
	c.rs = rs;
	rc = check_plugins(&c);
	if (rc == 0)
		rc = compile_lists(&c);
	if (rc == 0)
		rc = compile_macros(&c);
	if (rc == 0) {
		rs->rules = calloc(col->nrules ? col->nrules : 1, sizeof(*rs->rules));
		if (!rs->rules)
			rc = -ENOMEM;
	}
	for (size_t i = 0; rc == 0 && i < col->nrules; i++) {
		const struct rules_rule *r = &col->rules[i];

		if (r->priority > c.opts->min_priority || r->unknown_source)
			continue;
		rc = compile_rule(&c, r, &rs->rules[rs->nrules]);
		if (rc == 1) { /* skipped (skip-if-unknown-filter) */
			crule_fini(&rs->rules[rs->nrules]);
			memset(&rs->rules[rs->nrules], 0, sizeof(rs->rules[0]));
			rc = 0;
			continue;
		}
		rs->nrules++;
	}
	if (rc == 0) {
		c.item[0] = '\0';
		for (size_t i = 0; rc == 0 && i < col->nmacros; i++) {
			snprintf(c.item, sizeof(c.item), "macro '%.120s'", col->macros[i].name);
			if (!col->macros[i].used)
				rc = diag(&c, RULES_WARNING, RULES_WARN_UNUSED_MACRO,
					  col->macros[i].pos,
					  "Macro not referred to by any other rule/macro");
		}
		for (size_t i = 0; rc == 0 && i < rs->nlists; i++) {
			snprintf(c.item, sizeof(c.item), "list '%.120s'", rs->lists[i].name);
			if (!rs->lists[i].used)
				rc = diag(&c, RULES_WARNING, RULES_WARN_UNUSED_LIST,
					  rs->lists[i].pos,
					  "List not referred to by any other rule/macro");
		}
	}
	if (rc == 0)
		rc = rules_ruleset_reindex(rs);
	if (rc < 0) {
		rules_ruleset_free(rs);
		errno = -rc;
		return NULL;
	}
	return rs;
}

struct rules_crule *rules_ruleset_find(struct rules_ruleset *rs, const char *name)
{
	for (size_t i = 0; i < rs->nrules; i++)
		if (strcmp(rs->rules[i].rule->name, name) == 0)
			return &rs->rules[i];
	return NULL;
}

int rules_eval(struct rules_ruleset *rs, unsigned type, const struct fld_accessor *acc,
	       int (*on_match)(const struct rules_crule *r, void *ud), void *ud)
{
	int n = 0;

	if (type >= LNR_EVT_MAX)
		return 0;
	for (size_t i = 0; i < rs->nby_type[type]; i++) {
		const struct rules_crule *r = &rs->rules[rs->by_type[type][i]];

		if (prog_eval(r->prog, acc) != 1)
			continue;
		n++;
		if (on_match) {
			int rc = on_match(r, ud);

			if (rc < 0)
				return rc;
			if (rc > 0)
				break;
		}
	}
	return n;
}

struct cond_node *rules_expand(struct rules_ruleset *rs, const char *text, char *msg, size_t msgsz,
			       struct cond_pos *pos)
{
	struct cond_error err;
	struct cond_node *ast;
	int oom;

	ast = parse_with_lists(rs, text, &err, &oom);
	if (!ast) {
		snprintf(msg, msgsz, "%s", oom ? "out of memory" : err.msg);
		*pos = err.pos;
		return NULL;
	}
	if (resolve_macros(rs, &ast, UINT32_MAX, msg, msgsz, pos) < 0) {
		cond_free(ast);
		return NULL;
	}
	return ast;
}

size_t rules_select(struct rules_ruleset *rs, bool enable, const char *rule_glob, const char *tag)
{
	size_t n = 0;

	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rules_rule *r = rs->rules[i].rule;
		bool match = false;

		if (rule_glob && fnmatch(rule_glob, r->name, 0) == 0)
			match = true;
		for (size_t k = 0; tag && !match && k < r->ntags; k++)
			match = strcmp(r->tags[k], tag) == 0;
		if (match) {
			rs->rules[i].enabled = enable;
			n++;
		}
	}
	return n;
}
