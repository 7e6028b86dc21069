/* rx.c: regex compiler (recursive descent to NFA program) and Pike VM matcher. */
#include "rx.h"

#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum rx_op { RX_BYTE, RX_CLASS, RX_SPLIT, RX_JMP, RX_MATCH, RX_BOL, RX_EOL };

struct rx_insn {
	uint8_t op;
	uint8_t byte;
	uint32_t x, y; /* SPLIT: x preferred, y; JMP: x; CLASS: x = class index. */
};

struct rx_dfa;

struct rx {
	struct rx_insn *code;
	uint32_t n;
	uint32_t (*classes)[8]; /* 256-bit sets. */
	uint32_t nclasses;
	struct rx_dfa *dfa; /* Lazily built DFA cache (see rx_full_match). */
};

/* ---- parse tree ---- */
enum rn_kind { RN_EMPTY, RN_BYTE, RN_CLASS, RN_CAT, RN_ALT, RN_REP, RN_BOL, RN_EOL };

struct rnode {
	enum rn_kind kind;
	uint8_t byte;
	uint32_t cls;
	int min, max; /* RN_REP: max -1 = unbounded. */
	struct rnode *a, *b;
};

struct rparse {
	const char *s;
	size_t n, i;
	int depth;
	char *msg;
	size_t msgsz;
	int err;
	struct rx *rx;
	struct rnode *pool;
	size_t npool, cappool;
};

#define RX_MAX_DEPTH 200
#define RX_MAX_REPEAT 1000

static struct rnode *rn(struct rparse *p, enum rn_kind k)
{
	struct rnode *n;

	if (p->err)
		return NULL;
	if (p->npool == p->cappool) {
		/* Nodes live in chunks so pointers stay valid. */
		p->err = ENOMEM;
		return NULL;
	}
	n = &p->pool[p->npool++];
	memset(n, 0, sizeof(*n));
	n->kind = k;
	return n;
}

static void *perr(struct rparse *p, const char *m)
{
	if (!p->err) {
		p->err = EINVAL;
		snprintf(p->msg, p->msgsz, "invalid regex at offset %zu: %s", p->i, m);
	}
	return NULL;
}

static int new_class(struct rparse *p, uint32_t set[8])
{
	uint32_t(*c)[8] = realloc(p->rx->classes, (p->rx->nclasses + 1) * sizeof(*c));

	if (!c) {
		p->err = ENOMEM;
		return -1;
	}
	p->rx->classes = c;
	memcpy(c[p->rx->nclasses], set, sizeof(uint32_t) * 8);
	return (int)p->rx->nclasses++;
}

static void set_add(uint32_t s[8], unsigned c)
{
	s[c >> 5] |= 1u << (c & 31);
}

static void set_range(uint32_t s[8], unsigned lo, unsigned hi)
{
	for (unsigned c = lo; c <= hi; c++)
		set_add(s, c);
}

static int perl_class(uint32_t s[8], char c)
{
	uint32_t t[8] = {0};
	int neg = 0;

	switch (c) {
	case 'D':
		neg = 1;
		/* fallthrough */
	case 'd':
		set_range(t, '0', '9');
		break;
	case 'W':
		neg = 1;
		/* fallthrough */
	case 'w':
		set_range(t, '0', '9');
		set_range(t, 'a', 'z');
		set_range(t, 'A', 'Z');
		set_add(t, '_');
		break;
	case 'S':
		neg = 1;
		/* fallthrough */
	case 's':
		set_add(t, ' ');
		set_range(t, '\t', '\r');
		break;
	default:
		return 0;
	}
	for (int i = 0; i < 8; i++)
		s[i] |= neg ? ~t[i] : t[i];
	return 1;
}

static int posix_class(uint32_t s[8], const char *name, size_t len)
{
	static const struct {
		const char *n;
		const char *ranges; /* pairs lo,hi */
	} tab[] = {
		{"alpha", "azAZ"},    {"digit", "09"},
		{"alnum", "azAZ09"},  {"upper", "AZ"},
		{"lower", "az"},      {"space", "\t\r  "},
		{"blank", "\t\t  "},  {"punct", "!/:@[`{~"},
		{"xdigit", "09afAF"}, {"cntrl", "\x01\x1f\x7f\x7f"},
		{"print", " ~"},      {"graph", "!~"},
		{"word", "azAZ09__"},
	};

	for (size_t i = 0; i < sizeof(tab) / sizeof(*tab); i++) {
		if (strlen(tab[i].n) == len && memcmp(tab[i].n, name, len) == 0) {
			for (const char *r = tab[i].ranges; *r; r += 2)
				set_range(s, (unsigned char)r[0], (unsigned char)r[1]);
			if (strcmp(tab[i].n, "cntrl") == 0)
				set_add(s, 0);
			return 1;
		}
	}
	return 0;
}

static struct rnode *parse_alt(struct rparse *p);

static int parse_escape_byte(struct rparse *p, unsigned char *out)
{
	char c;

	if (p->i >= p->n) {
		perr(p, "trailing backslash");
		return -1;
	}
	c = p->s[p->i++];
	switch (c) {
	case 'n':
		*out = '\n';
		return 0;
	case 't':
		*out = '\t';
		return 0;
	case 'r':
		*out = '\r';
		return 0;
	case 'f':
		*out = '\f';
		return 0;
	case 'v':
		*out = '\v';
		return 0;
	default:
		if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9')) {
			perr(p, "unsupported escape");
			return -1;
		}
		*out = (unsigned char)c;
		return 0;
	}
}

static struct rnode *parse_class(struct rparse *p)
{
	uint32_t s[8] = {0};
	int neg = 0, first = 1, idx;
	struct rnode *n;

	if (p->i < p->n && p->s[p->i] == '^') {
		neg = 1;
		p->i++;
	}
	for (;;) {
		unsigned lo, hi;

		if (p->i >= p->n)
			return perr(p, "missing ]");
		if (p->s[p->i] == ']' && !first) {
			p->i++;
			break;
		}
		first = 0;
		if (p->s[p->i] == '[' && p->i + 1 < p->n && p->s[p->i + 1] == ':') {
			const char *end = memchr(p->s + p->i + 2, ':', p->n - p->i - 2);

			if (!end || (size_t)(end - p->s) + 1 >= p->n || end[1] != ']')
				return perr(p, "bad character class");
			if (!posix_class(s, p->s + p->i + 2, (size_t)(end - (p->s + p->i + 2))))
				return perr(p, "unknown character class");
			p->i = (size_t)(end - p->s) + 2;
			continue;
		}
		if (p->s[p->i] == '\\') {
			unsigned char b;

			p->i++;
			if (p->i < p->n && perl_class(s, p->s[p->i])) {
				p->i++;
				continue;
			}
			if (parse_escape_byte(p, &b) < 0)
				return NULL;
			lo = b;
		} else {
			lo = (unsigned char)p->s[p->i++];
		}
		hi = lo;
		if (p->i + 1 < p->n && p->s[p->i] == '-' && p->s[p->i + 1] != ']') {
			p->i++;
			if (p->s[p->i] == '\\') {
				unsigned char b;

				p->i++;
				if (parse_escape_byte(p, &b) < 0)
					return NULL;
				hi = b;
			} else {
				hi = (unsigned char)p->s[p->i++];
			}
			if (hi < lo)
				return perr(p, "bad character class range");
		}
		set_range(s, lo, hi);
	}
	if (neg) {
		for (int i = 0; i < 8; i++)
			s[i] = ~s[i];
		/* RE2: a negated class does not match newline. */
		s['\n' >> 5] &= ~(1u << ('\n' & 31));
	}
	idx = new_class(p, s);
	if (idx < 0)
		return NULL;
	n = rn(p, RN_CLASS);
	if (n)
		n->cls = (uint32_t)idx;
	return n;
}

static struct rnode *parse_atom(struct rparse *p)
{
	char c = p->s[p->i];
	struct rnode *n;

	switch (c) {
	case '(':
		p->i++;
		if (p->i + 1 < p->n && p->s[p->i] == '?' && p->s[p->i + 1] == ':')
			p->i += 2;
		else if (p->i < p->n && p->s[p->i] == '?')
			return perr(p, "unsupported group flags");
		if (++p->depth > RX_MAX_DEPTH)
			return perr(p, "nesting too deep");
		n = parse_alt(p);
		p->depth--;
		if (!n)
			return NULL;
		if (p->i >= p->n || p->s[p->i] != ')')
			return perr(p, "missing )");
		p->i++;
		return n;
	case '[':
		p->i++;
		return parse_class(p);
	case '.': {
		uint32_t s[8];
		int idx;

		p->i++;
		memset(s, 0xff, sizeof(s));
		s['\n' >> 5] &= ~(1u << ('\n' & 31));
		idx = new_class(p, s);
		if (idx < 0)
			return NULL;
		n = rn(p, RN_CLASS);
		if (n)
			n->cls = (uint32_t)idx;
		return n;
	}
	case '^':
		p->i++;
		return rn(p, RN_BOL);
	case '$':
		p->i++;
		return rn(p, RN_EOL);
	case '\\': {
		uint32_t s[8] = {0};
		unsigned char b;

		p->i++;
		if (p->i < p->n && perl_class(s, p->s[p->i])) {
			int idx = new_class(p, s);

			p->i++;
			if (idx < 0)
				return NULL;
			n = rn(p, RN_CLASS);
			if (n)
				n->cls = (uint32_t)idx;
			return n;
		}
		if (parse_escape_byte(p, &b) < 0)
			return NULL;
		n = rn(p, RN_BYTE);
		if (n)
			n->byte = b;
		return n;
	}
	case '*':
	case '+':
	case '?':
		return perr(p, "missing argument to repetition operator");
	default:
		p->i++;
		n = rn(p, RN_BYTE);
		if (n)
			n->byte = (uint8_t)c;
		return n;
	}
}

static int parse_int(struct rparse *p, int *out)
{
	int v = 0, any = 0;

	while (p->i < p->n && p->s[p->i] >= '0' && p->s[p->i] <= '9') {
		v = v * 10 + (p->s[p->i++] - '0');
		if (v > RX_MAX_REPEAT)
			return -1;
		any = 1;
	}
	*out = v;
	return any ? 0 : -1;
}

static struct rnode *parse_repeat(struct rparse *p)
{
	struct rnode *a = parse_atom(p);

	while (a && p->i < p->n) {
		char c = p->s[p->i];
		struct rnode *r;
		int min, max;

		if (c == '*' || c == '+' || c == '?') {
			p->i++;
			min = c == '+' ? 1 : 0;
			max = c == '?' ? 1 : -1;
		} else if (c == '{') {
			size_t save = p->i;

			p->i++;
			if (parse_int(p, &min) < 0) {
				/* RE2 treats a '{' that starts no valid repeat as a literal. */
				p->i = save;
				break;
			}
			max = min;
			if (p->i < p->n && p->s[p->i] == ',') {
				p->i++;
				if (p->i < p->n && p->s[p->i] == '}')
					max = -1;
				else if (parse_int(p, &max) < 0) {
					/* "{2,x": no valid repeat, a literal for RE2 too. */
					p->i = save;
					break;
				}
			}
			if (p->i >= p->n || p->s[p->i] != '}') {
				/* "{2" unclosed: RE2 reads it as a literal as well. */
				p->i = save;
				break;
			}
			p->i++;
			if (max >= 0 && max < min)
				return perr(p, "bad repetition range");
		} else {
			break;
		}
		if (p->i < p->n && p->s[p->i] == '?')
			p->i++; /* Lazy: same language, full match only. */
		if (a->kind == RN_BOL || a->kind == RN_EOL || a->kind == RN_EMPTY) {
			if (min > 0 || max != 0)
				continue;
		}
		r = rn(p, RN_REP);
		if (!r)
			return NULL;
		r->a = a;
		r->min = min;
		r->max = max;
		a = r;
	}
	return a;
}

static struct rnode *parse_concat(struct rparse *p)
{
	struct rnode *cur = NULL;

	while (p->i < p->n && p->s[p->i] != '|' && p->s[p->i] != ')') {
		struct rnode *a = parse_repeat(p), *c;

		if (!a)
			return NULL;
		if (!cur) {
			cur = a;
			continue;
		}
		c = rn(p, RN_CAT);
		if (!c)
			return NULL;
		c->a = cur;
		c->b = a;
		cur = c;
	}
	return cur ? cur : rn(p, RN_EMPTY);
}

static struct rnode *parse_alt(struct rparse *p)
{
	struct rnode *a = parse_concat(p);

	while (a && p->i < p->n && p->s[p->i] == '|') {
		struct rnode *b, *alt;

		p->i++;
		b = parse_concat(p);
		if (!b)
			return NULL;
		alt = rn(p, RN_ALT);
		if (!alt)
			return NULL;
		alt->a = a;
		alt->b = b;
		a = alt;
	}
	return a;
}

/* ---- code generation ---- */
struct rgen {
	struct rx *rx;
	int err;
};

static int emit(struct rgen *g, uint8_t op, uint8_t byte, uint32_t x, uint32_t y)
{
	struct rx_insn *c;

	if (g->err)
		return -1;
	if (g->rx->n >= RX_MAX_INSNS) {
		g->err = E2BIG;
		return -1;
	}
	if ((g->rx->n & (g->rx->n - 1)) == 0) {
		c = realloc(g->rx->code, (g->rx->n ? g->rx->n * 2 : 16) * sizeof(*c));
		if (!c) {
			g->err = ENOMEM;
			return -1;
		}
		g->rx->code = c;
	}
	g->rx->code[g->rx->n] = (struct rx_insn){op, byte, x, y};
	return (int)g->rx->n++;
}

static void gen(struct rgen *g, const struct rnode *n, int depth)
{
	int s, j;

	if (g->err)
		return;
	if (depth > 4 * RX_MAX_DEPTH + 1000) {
		g->err = E2BIG;
		return;
	}
	switch (n->kind) {
	case RN_EMPTY:
		break;
	case RN_BYTE:
		emit(g, RX_BYTE, n->byte, 0, 0);
		break;
	case RN_CLASS:
		emit(g, RX_CLASS, 0, n->cls, 0);
		break;
	case RN_BOL:
		emit(g, RX_BOL, 0, 0, 0);
		break;
	case RN_EOL:
		emit(g, RX_EOL, 0, 0, 0);
		break;
	case RN_CAT:
		gen(g, n->a, depth + 1);
		gen(g, n->b, depth + 1);
		break;
	case RN_ALT:
		s = emit(g, RX_SPLIT, 0, 0, 0);
		if (s < 0)
			return;
		g->rx->code[s].x = g->rx->n;
		gen(g, n->a, depth + 1);
		j = emit(g, RX_JMP, 0, 0, 0);
		if (j < 0)
			return;
		g->rx->code[s].y = g->rx->n;
		gen(g, n->b, depth + 1);
		g->rx->code[j].x = g->rx->n;
		break;
	case RN_REP:
		for (int i = 0; i < n->min; i++)
			gen(g, n->a, depth + 1);
		if (n->max < 0) {
			/* L: split body, out; body; jmp L */
			s = emit(g, RX_SPLIT, 0, 0, 0);
			if (s < 0)
				return;
			g->rx->code[s].x = g->rx->n;
			gen(g, n->a, depth + 1);
			emit(g, RX_JMP, 0, (uint32_t)s, 0);
			if (!g->err)
				g->rx->code[s].y = g->rx->n;
		} else {
			/* Optional copies: each SPLIT's y is patched to the end; the
			 * pending SPLITs are chained through y until then. */
			uint32_t chain = UINT32_MAX;

			for (int i = n->min; i < n->max && !g->err; i++) {
				s = emit(g, RX_SPLIT, 0, 0, chain);
				if (s < 0)
					return;
				chain = (uint32_t)s;
				g->rx->code[s].x = g->rx->n;
				gen(g, n->a, depth + 1);
			}
			while (chain != UINT32_MAX && !g->err) {
				uint32_t next = g->rx->code[chain].y;

				g->rx->code[chain].y = g->rx->n;
				chain = next;
			}
		}
		break;
	}
}

struct rx *rx_compile(const char *pat, size_t len, char *msg, size_t msgsz)
{
	struct rparse p = {0};
	struct rgen g = {0};
	struct rnode *root;
	struct rx *rx = calloc(1, sizeof(*rx));

	if (!rx) {
		errno = ENOMEM;
		return NULL;
	}
	p.s = pat;
	p.n = len;
	p.msg = msg;
	p.msgsz = msgsz;
	p.rx = rx;
	/* Every pattern byte makes at most a few nodes (atom, repeat, concat). */
	p.cappool = 4 * len + 8;
	p.pool = calloc(p.cappool, sizeof(*p.pool));
	if (!p.pool) {
		rx_free(rx);
		errno = ENOMEM;
		return NULL;
	}
	root = parse_alt(&p);
	if (root && p.i < p.n)
		perr(&p, "unmatched )");
	if (!root || p.err) {
		if (p.err == ENOMEM)
			snprintf(msg, msgsz, "out of memory");
		free(p.pool);
		rx_free(rx);
		errno = p.err ? p.err : EINVAL;
		return NULL;
	}
	g.rx = rx;
	gen(&g, root, 0);
	emit(&g, RX_MATCH, 0, 0, 0);
	free(p.pool);
	if (g.err) {
		snprintf(msg, msgsz, g.err == E2BIG ? "regex too large" : "out of memory");
		rx_free(rx);
		errno = g.err == E2BIG ? EINVAL : ENOMEM;
		return NULL;
	}
	return rx;
}

static void dfa_free(struct rx_dfa *d);

void rx_free(struct rx *rx)
{
	if (!rx)
		return;
	dfa_free(rx->dfa);
	free(rx->code);
	free(rx->classes);
	free(rx);
}

/* Sparse set of program counters (a thread list). */
struct tlist {
	uint32_t *dense;
	uint32_t *sparse;
	uint32_t n;
};

static int tl_has(const struct tlist *t, uint32_t pc)
{
	uint32_t i = t->sparse[pc];

	return i < t->n && t->dense[i] == pc;
}

/* Follow SPLIT/JMP/assertions from pc, adding the consuming states to t. */
static void addthread(const struct rx *rx, struct tlist *t, uint32_t pc, size_t pos, size_t len,
		      uint32_t *stack)
{
	uint32_t sp = 0;

	stack[sp++] = pc;
	while (sp) {
		pc = stack[--sp];
		if (tl_has(t, pc))
			continue;
		t->sparse[pc] = t->n;
		t->dense[t->n++] = pc;
		switch (rx->code[pc].op) {
		case RX_JMP:
			stack[sp++] = rx->code[pc].x;
			break;
		case RX_SPLIT:
			stack[sp++] = rx->code[pc].y;
			stack[sp++] = rx->code[pc].x;
			break;
		case RX_BOL:
			if (pos == 0)
				stack[sp++] = pc + 1;
			break;
		case RX_EOL:
			if (pos == len)
				stack[sp++] = pc + 1;
			break;
		default:
			break;
		}
	}
}

int rx_full_match_nfa(const struct rx *rx, const char *text, size_t len)
{
	uint32_t n = rx->n;
	uint32_t bufs[6 * 256 + 2];
	uint32_t *mem = NULL, *stack;
	struct tlist cl, nl;
	int matched = 0;

	/* Small programs run on the stack: no allocation on the hot path. The
	 * closure stack holds at most 2n + 1 entries. */
	if (n <= 256) {
		mem = bufs;
	} else {
		mem = malloc(sizeof(uint32_t) * (6 * (size_t)n + 2));
		if (!mem)
			return 0;
	}
	cl.dense = mem;
	cl.sparse = mem + n;
	nl.dense = mem + 2 * (size_t)n;
	nl.sparse = mem + 3 * (size_t)n;
	stack = mem + 4 * (size_t)n;
	cl.n = 0;
	nl.n = 0;
	addthread(rx, &cl, 0, 0, len, stack);
	for (size_t i = 0;; i++) {
		if (cl.n == 0)
			break;
		if (i == len) {
			for (uint32_t k = 0; k < cl.n; k++)
				if (rx->code[cl.dense[k]].op == RX_MATCH)
					matched = 1;
			break;
		}
		nl.n = 0;
		for (uint32_t k = 0; k < cl.n; k++) {
			const struct rx_insn *in = &rx->code[cl.dense[k]];
			unsigned char c = (unsigned char)text[i];

			if (in->op == RX_BYTE) {
				if (in->byte == c)
					addthread(rx, &nl, cl.dense[k] + 1, i + 1, len, stack);
			} else if (in->op == RX_CLASS) {
				if (rx->classes[in->x][c >> 5] & (1u << (c & 31)))
					addthread(rx, &nl, cl.dense[k] + 1, i + 1, len, stack);
			}
		}
		{
			struct tlist t = cl;

			cl = nl;
			nl = t;
		}
	}
	if (mem != bufs)
		free(mem);
	return matched;
}

/*
 * Lazy DFA: each state is the set of NFA program counters the Pike VM would
 * hold between two bytes (closure computed with ^ and $ false), built on
 * first use and cached with its 256 transitions, so a warm regex costs one
 * table lookup per byte. ^ is honoured by the start state, $ by the accept
 * test at the end. When a pattern needs more than RX_DFA_MAX_STATES states
 * the cache is dropped and the Pike VM runs instead (same answers, O(n*m)).
 */
#define RX_DFA_MAX_STATES 128
#define RX_DEAD (-2)
#define RX_UNKNOWN (-1)

struct rx_dstate {
	uint32_t *pcs;
	uint32_t npcs;
	int8_t accept; /* At end of text: -1 unknown, 0, 1. */
};

struct rx_dfa {
	struct rx_dstate *st[RX_DFA_MAX_STATES]; /* Allocated as states appear. */
	int32_t (*next)[256]; /* Transitions, one row per state (one load per byte). */
	uint32_t cap;	      /* Rows allocated in next. */
	uint32_t nst;
	int32_t start;
	int disabled;
	/* Scratch for closures: two thread lists and a stack (program size). */
	uint32_t *mem;
};

static void dfa_free(struct rx_dfa *d)
{
	if (!d)
		return;
	for (uint32_t i = 0; i < d->nst; i++) {
		free(d->st[i]->pcs);
		free(d->st[i]);
	}
	free(d->next);
	free(d->mem);
	free(d);
}

static int cmp_u32(const void *a, const void *b)
{
	uint32_t x = *(const uint32_t *)a, y = *(const uint32_t *)b;

	return x < y ? -1 : x > y;
}

/* Intern the thread list t as a state; returns its index, or -1 when full/OOM. */
static int32_t dfa_intern(struct rx_dfa *d, struct tlist *t)
{
	struct rx_dstate *st;

	qsort(t->dense, t->n, sizeof(uint32_t), cmp_u32);
	for (uint32_t i = 0; i < d->nst; i++)
		if (d->st[i]->npcs == t->n &&
		    memcmp(d->st[i]->pcs, t->dense, t->n * sizeof(uint32_t)) == 0)
			return (int32_t)i;
	if (d->nst == RX_DFA_MAX_STATES)
		return -1;
	if (d->nst == d->cap) {
		uint32_t ncap = d->cap ? d->cap * 2 : 8;
		int32_t(*nn)[256] = realloc(d->next, ncap * sizeof(*nn));

		if (!nn)
			return -1;
		d->next = nn;
		d->cap = ncap;
	}
	st = malloc(sizeof(*st));
	if (!st)
		return -1;
	st->pcs = malloc((t->n ? t->n : 1) * sizeof(uint32_t));
	if (!st->pcs) {
		free(st);
		return -1;
	}
	d->st[d->nst] = st;
	memcpy(st->pcs, t->dense, t->n * sizeof(uint32_t));
	st->npcs = t->n;
	st->accept = -1;
	for (int c = 0; c < 256; c++)
		d->next[d->nst][c] = RX_UNKNOWN;
	return (int32_t)d->nst++;
}

static struct rx_dfa *dfa_get(struct rx *rx)
{
	struct rx_dfa *d = rx->dfa;
	struct tlist t;

	if (d)
		return d->disabled ? NULL : d;
	d = calloc(1, sizeof(*d));
	if (!d)
		return NULL;
	rx->dfa = d;
	d->mem = malloc(sizeof(uint32_t) * (4 * (size_t)rx->n + 2));
	if (!d->mem) {
		d->disabled = 1;
		return NULL;
	}
	t.dense = d->mem;
	t.sparse = d->mem + rx->n;
	t.n = 0;
	/* Start: position 0 of a non-empty text (^ true, $ false). */
	addthread(rx, &t, 0, 0, 1, d->mem + 2 * (size_t)rx->n);
	d->start = dfa_intern(d, &t);
	if (d->start < 0) {
		d->disabled = 1;
		return NULL;
	}
	return d;
}

static int32_t dfa_step(struct rx *rx, struct rx_dfa *d, int32_t s, unsigned char c)
{
	const struct rx_dstate *st = d->st[s];
	struct tlist t;
	int32_t r;

	t.dense = d->mem;
	t.sparse = d->mem + rx->n;
	t.n = 0;
	for (uint32_t k = 0; k < st->npcs; k++) {
		const struct rx_insn *in = &rx->code[st->pcs[k]];

		if ((in->op == RX_BYTE && in->byte == c) ||
		    (in->op == RX_CLASS && (rx->classes[in->x][c >> 5] & (1u << (c & 31)))))
			/* A middle position: pos 1 of a 2-byte text (^ and $ false). */
			addthread(rx, &t, st->pcs[k] + 1, 1, 2, d->mem + 2 * (size_t)rx->n);
	}
	if (t.n == 0)
		r = RX_DEAD;
	else if ((r = dfa_intern(d, &t)) < 0)
		return -1;
	d->next[s][c] = r;
	return r;
}

static int dfa_accept(struct rx *rx, struct rx_dfa *d, int32_t s)
{
	struct rx_dstate *st = d->st[s];
	struct tlist t;

	if (st->accept >= 0)
		return st->accept;
	t.dense = d->mem;
	t.sparse = d->mem + rx->n;
	t.n = 0;
	st->accept = 0;
	for (uint32_t k = 0; k < st->npcs && !st->accept; k++) {
		uint32_t pc = st->pcs[k];

		if (rx->code[pc].op == RX_MATCH)
			st->accept = 1;
		else if (rx->code[pc].op == RX_EOL)
			/* End of a non-empty text: $ true, ^ false. */
			addthread(rx, &t, pc + 1, 1, 1, d->mem + 2 * (size_t)rx->n);
	}
	for (uint32_t k = 0; k < t.n && !st->accept; k++)
		if (rx->code[t.dense[k]].op == RX_MATCH)
			st->accept = 1;
	return st->accept;
}

int rx_full_match(const struct rx *crx, const char *text, size_t len)
{
	/* The DFA cache is mutable state inside a compiled regex: one thread at a time. */
	struct rx *rx = (struct rx *)crx;
	struct rx_dfa *d = len ? dfa_get(rx) : NULL;
	int32_t s;

	if (!d)
		return rx_full_match_nfa(rx, text, len);
	s = d->start;
	for (size_t i = 0; i < len; i++) {
		int32_t nx = d->next[s][(unsigned char)text[i]];

		if (nx == RX_UNKNOWN) {
			nx = dfa_step(rx, d, s, (unsigned char)text[i]);
			if (nx == -1) {
				/* Too many states: drop the cache for good, use the Pike VM. */
				for (uint32_t k = 0; k < d->nst; k++) {
					free(d->st[k]->pcs);
					free(d->st[k]);
				}
				d->nst = 0;
				d->disabled = 1;
				return rx_full_match_nfa(rx, text, len);
			}
		}
		if (nx == RX_DEAD)
			return 0;
		s = nx;
	}
	return dfa_accept(rx, d, s);
}
