/* evtset.c: event-type sets of conditions, following libsinsp's ppm_codes visitor rules. */
#include "evtset.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const char *const evt_names[LNR_EVT_MAX] = {
#define EVTSET_NAME(id, name) name,
	LNR_EVT_LIST(EVTSET_NAME)
#undef EVTSET_NAME
};

void evtset_clear(struct evtset *s)
{
	memset(s, 0, sizeof(*s));
}

void evtset_fill(struct evtset *s)
{
	evtset_clear(s);
	for (unsigned t = 0; t < LNR_EVT_MAX; t++)
		evtset_add(s, t);
}

void evtset_add(struct evtset *s, unsigned t)
{
	if (t < LNR_EVT_MAX)
		s->w[t / 64] |= 1ull << (t % 64);
}

int evtset_has(const struct evtset *s, unsigned t)
{
	return t < LNR_EVT_MAX && (s->w[t / 64] >> (t % 64)) & 1;
}

int evtset_equal(const struct evtset *a, const struct evtset *b)
{
	return memcmp(a, b, sizeof(*a)) == 0;
}

unsigned evtset_count(const struct evtset *s)
{
	unsigned n = 0;

	for (size_t i = 0; i < EVTSET_WORDS; i++)
		n += (unsigned)__builtin_popcountll(s->w[i]);
	return n;
}

int evtset_is_empty(const struct evtset *s)
{
	return evtset_count(s) == 0;
}

int evtset_is_full(const struct evtset *s)
{
	return evtset_count(s) == LNR_EVT_MAX;
}

int evtset_type_by_name(const char *name, size_t len)
{
	for (unsigned t = 0; t < LNR_EVT_MAX; t++)
		if (strlen(evt_names[t]) == len && memcmp(evt_names[t], name, len) == 0)
			return (int)t;
	return -1;
}

const char *evtset_type_name(unsigned t)
{
	return t < LNR_EVT_MAX ? evt_names[t] : NULL;
}

static void complement(struct evtset *s)
{
	struct evtset all;

	evtset_fill(&all);
	for (size_t i = 0; i < EVTSET_WORDS; i++)
		s->w[i] = all.w[i] & ~s->w[i];
}

/* Visitor state, as libsinsp keeps it between node visits. */
struct ev {
	int is_evttype_field;
	int is_field_or_transformer;
	int inside_negation;
	int has_codes;
	struct evtset codes;
	char *msg;
	size_t msgsz;
	int err;
};

static void try_inversion(struct ev *v)
{
	if (v->inside_negation && v->has_codes)
		complement(&v->codes);
}

/* libsinsp's tryparseu64: decimal only, negative literals wrap. */
static int tryparseu64(const char *s, uint64_t *out)
{
	char *end;

	if (!*s)
		return 0;
	errno = 0;
	*out = strtoull(s, &end, 10);
	return *end == '\0' && errno == 0;
}

enum inv { INV_EMPTY, INV_ALL, INV_UNKNOWN };

static enum inv field_invariant(const struct cond_node *e)
{
	const struct cond_node *f = e->kids[0], *r = e->kids[1];
	uint64_t n;

	if (f->kind != COND_FIELD || strcmp(f->str, "evt.num") != 0 || f->arg)
		return INV_UNKNOWN;
	if (strcmp(e->str, "in") == 0) {
		if (r->kind != COND_LIST)
			return INV_UNKNOWN;
		for (size_t i = 0; i < r->nkids; i++)
			if (!tryparseu64(r->kids[i]->str, &n) || n != 0)
				return INV_UNKNOWN;
		return INV_EMPTY;
	}
	if (r->kind != COND_VALUE || !tryparseu64(r->str, &n))
		return INV_UNKNOWN;
	if (!strcmp(e->str, "=") || !strcmp(e->str, "=="))
		return n == 0 ? INV_EMPTY : INV_UNKNOWN;
	if (!strcmp(e->str, "!="))
		return n == 0 ? INV_ALL : INV_UNKNOWN;
	if (!strcmp(e->str, "<"))
		return n <= 1 ? INV_EMPTY : INV_UNKNOWN;
	if (!strcmp(e->str, "<="))
		return n == 0 ? INV_EMPTY : INV_UNKNOWN;
	if (!strcmp(e->str, ">"))
		return n == 0 ? INV_ALL : INV_UNKNOWN;
	if (!strcmp(e->str, ">="))
		return n <= 1 ? INV_ALL : INV_UNKNOWN;
	return INV_UNKNOWN;
}

static void visit(struct ev *v, const struct cond_node *n);

static void names_to_codes(struct ev *v, const struct cond_node *n)
{
	evtset_clear(&v->codes);
	if (n->kind == COND_VALUE) {
		int t = evtset_type_by_name(n->str, n->len);

		if (t >= 0)
			evtset_add(&v->codes, (unsigned)t);
		return;
	}
	for (size_t i = 0; i < n->nkids; i++) {
		int t = evtset_type_by_name(n->kids[i]->str, n->kids[i]->len);

		if (t >= 0)
			evtset_add(&v->codes, (unsigned)t);
	}
}

static void logical(struct ev *v, const struct cond_node *n, int conj)
{
	struct evtset acc;

	if (conj)
		evtset_fill(&acc);
	else
		evtset_clear(&acc);
	for (size_t i = 0; i < n->nkids && !v->err; i++) {
		visit(v, n->kids[i]);
		for (size_t w = 0; w < EVTSET_WORDS; w++)
			acc.w[w] = conj ? acc.w[w] & v->codes.w[w] : acc.w[w] | v->codes.w[w];
	}
	v->codes = acc;
	v->is_evttype_field = 0;
}

static void visit(struct ev *v, const struct cond_node *n)
{
	if (v->err)
		return;
	switch (n->kind) {
	case COND_AND:
		logical(v, n, !v->inside_negation);
		break;
	case COND_OR:
		logical(v, n, v->inside_negation);
		break;
	case COND_NOT: {
		int saved = v->inside_negation;

		evtset_clear(&v->codes);
		v->inside_negation = !v->inside_negation;
		visit(v, n->kids[0]);
		v->inside_negation = saved;
		v->is_evttype_field = 0;
		break;
	}
	case COND_BINARY: {
		enum inv inv;
		int evtop = !strcmp(n->str, "==") || !strcmp(n->str, "=") ||
			    !strcmp(n->str, "!=") || !strcmp(n->str, "in");

		v->has_codes = 0;
		inv = field_invariant(n);
		if (inv != INV_UNKNOWN) {
			if (inv == INV_EMPTY)
				evtset_clear(&v->codes);
			else
				evtset_fill(&v->codes);
			v->has_codes = 1;
			v->is_evttype_field = 0;
			try_inversion(v);
			return;
		}
		if (evtop) {
			visit(v, n->kids[0]);
			if (v->err)
				return;
			if (v->is_evttype_field) {
				v->is_field_or_transformer = 0;
				visit(v, n->kids[1]);
				if (v->err)
					return;
				if (v->is_field_or_transformer) {
					snprintf(v->msg, v->msgsz,
						 "right-hand field comparisons on `evt.type`/"
						 "`syscall.type` checks are not supported by event "
						 "code search");
					v->err = 1;
					return;
				}
				if (!strcmp(n->str, "!=") && v->has_codes)
					complement(&v->codes);
				v->is_evttype_field = 0;
				return;
			}
		}
		evtset_fill(&v->codes);
		v->is_evttype_field = 0;
		try_inversion(v);
		break;
	}
	case COND_UNARY:
		visit(v, n->kids[0]);
		if (v->err)
			return;
		v->has_codes = v->is_evttype_field && !strcmp(n->str, "exists");
		evtset_fill(&v->codes);
		v->is_evttype_field = 0;
		try_inversion(v);
		break;
	case COND_IDENT:
		v->has_codes = 0;
		evtset_fill(&v->codes);
		v->is_evttype_field = 0;
		try_inversion(v);
		break;
	case COND_VALUE:
	case COND_LIST:
		v->has_codes = 1;
		names_to_codes(v, n);
		v->is_evttype_field = 0;
		try_inversion(v);
		break;
	case COND_TLIST:
		for (size_t i = 0; i < n->nkids && !v->err; i++)
			visit(v, n->kids[i]);
		break;
	case COND_FIELD:
		v->has_codes = 0;
		v->is_field_or_transformer = 1;
		v->is_evttype_field =
			(!strcmp(n->str, "evt.type") || !strcmp(n->str, "syscall.type")) && !n->arg;
		evtset_fill(&v->codes);
		try_inversion(v);
		break;
	case COND_TRANSFORMER:
		for (size_t i = 0; i < n->nkids && !v->err; i++) {
			visit(v, n->kids[i]);
			if (v->is_evttype_field) {
				snprintf(v->msg, v->msgsz,
					 "event code search does not support `evt.type` checks "
					 "with transformers");
				v->err = 1;
				return;
			}
		}
		v->is_field_or_transformer = 1;
		break;
	}
}

int evtset_of_ast(const struct cond_node *ast, struct evtset *out, char *msg, size_t msgsz)
{
	char dummy[8];
	struct ev v = {0};

	v.is_field_or_transformer = 1;
	v.msg = msg ? msg : dummy;
	v.msgsz = msg ? msgsz : sizeof(dummy);
	visit(&v, ast);
	if (v.err) {
		evtset_fill(out);
		return -EINVAL;
	}
	*out = v.codes;
	return 0;
}
