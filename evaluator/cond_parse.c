/* cond_parse.c: lexer and recursive-descent parser of Falco conditions (libsinsp parser.cpp). */
#include "cond_int.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

/*
 * The parser works on characters, like libsinsp's: every lex_* call is tried
 * at the cursor and either consumes a token (setting last, the text used in
 * "unexpected token after" messages) or leaves the cursor untouched (except
 * where libsinsp itself moves it, noted below). Errors set p->failed and make
 * every caller return NULL; the one place libsinsp catches an exception (the
 * head of a "(...)" list) clears it, keeping the cursor where the error left it.
 */
struct cp {
	const char *s;
	size_t n;
	struct cond_pos pos;
	uint32_t depth;
	uint32_t max_depth;
	bool failed;
	bool oom;
	struct cond_error *err;
	char *last; /* m_last_token (malloc'ed, NUL-terminated). */
	size_t last_len;
	size_t last_cap;
};

static const char *const str_ops[] = {
	"==",	      "=",	    "!=",	   "glob ",	   "iglob ",	"contains ",
	"icontains ", "bcontains ", "startswith ", "bstartswith ", "endswith ", "regex "};
static const char *const num_ops[] = {"<=", "<", ">=", ">"};
static const char *const list_ops[] = {"intersects", "in", "pmatch"};
static const char *const transformers[] = {"tolower(", "toupper(", "b64(",    "basename(",
					   "len(",     "join(",	   "concat(", "getopt("};
static const char *const modifiers[] = {"oneof", "anyof", "allof"};

static char cur_at(const struct cp *p, size_t off)
{
	size_t i = p->pos.idx + off;

	return i < p->n ? p->s[i] : '\0';
}

static char cur(const struct cp *p)
{
	return cur_at(p, 0);
}

static void adv1(struct cp *p)
{
	char c = p->s[p->pos.idx];

	p->pos.col++;
	if (c == '\r' || c == '\n') {
		p->pos.col = 1;
		p->pos.line++;
	}
	p->pos.idx++;
}

static void adv(struct cp *p, size_t k)
{
	while (k-- && p->pos.idx < p->n)
		adv1(p);
}

static void *fail(struct cp *p, const char *fmt, ...) __attribute__((format(printf, 2, 3)));

#include <stdarg.h>
static void *fail(struct cp *p, const char *fmt, ...)
{
	va_list ap;

	if (p->failed)
		return NULL;
	p->failed = true;
	va_start(ap, fmt);
	vsnprintf(p->err->msg, sizeof(p->err->msg), fmt, ap);
	va_end(ap);
	p->err->pos = p->pos;
	return NULL;
}

static void *fail_oom(struct cp *p)
{
	p->oom = true;
	return fail(p, "out of memory");
}

static void set_last(struct cp *p, const char *s, size_t len)
{
	if (len + 1 > p->last_cap) {
		size_t c = p->last_cap ? p->last_cap : 32;
		char *nb;

		while (c < len + 1)
			c *= 2;
		nb = realloc(p->last, c);
		if (!nb) {
			fail_oom(p);
			return;
		}
		p->last = nb;
		p->last_cap = c;
	}
	memcpy(p->last, s, len);
	p->last[len] = '\0';
	p->last_len = len;
}

/* Consume a regex-like token of k bytes at the cursor. */
static bool take(struct cp *p, size_t k)
{
	set_last(p, p->s + p->pos.idx, k);
	adv(p, k);
	return true;
}

static bool is_blank(char c)
{
	return c == ' ' || c == '\t' || c == '\b' || c == '\r' || c == '\n';
}

/* POSIX [[:space:]]. */
static bool is_space(char c)
{
	return c == ' ' || c == '\t' || c == '\n' || c == '\v' || c == '\f' || c == '\r';
}

static bool is_alpha(char c)
{
	return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
}

static bool is_digit(char c)
{
	return c >= '0' && c <= '9';
}

static bool is_word(char c)
{
	return is_alpha(c) || is_digit(c) || c == '_';
}

static bool is_hex(char c)
{
	return is_digit(c) || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F');
}

/* lex_blank: the only lexer that does not set last. */
static bool lex_blank(struct cp *p)
{
	bool found = false;

	while (p->pos.idx < p->n && is_blank(cur(p))) {
		found = true;
		adv1(p);
	}
	return found;
}

static bool lex_str(struct cp *p, const char *lit)
{
	size_t k = strlen(lit);

	if (p->n - p->pos.idx < k || memcmp(p->s + p->pos.idx, lit, k) != 0)
		return false;
	set_last(p, lit, k);
	adv(p, k);
	return true;
}

static bool lex_str_list(struct cp *p, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (lex_str(p, list[i]))
			return true;
	return false;
}

/*
 * Operators written with a trailing space need a blank after them. Like
 * libsinsp, a word operator that matches without a following blank leaves
 * the cursor after the word and fails.
 */
static bool lex_op_list(struct cp *p, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		size_t k = strlen(list[i]);
		char word[16];

		if (list[i][k - 1] != ' ') {
			if (lex_str(p, list[i]))
				return true;
			continue;
		}
		memcpy(word, list[i], k - 1);
		word[k - 1] = '\0';
		if (lex_str(p, word))
			return lex_blank(p);
	}
	return false;
}

/* [a-zA-Z]+[a-zA-Z0-9_]* : length at offset off, 0 if none. */
static size_t span_ident(const struct cp *p, size_t off)
{
	size_t k = off;

	if (!is_alpha(cur_at(p, k)))
		return 0;
	while (p->pos.idx + k < p->n && is_word(cur_at(p, k)))
		k++;
	return k - off;
}

static bool lex_identifier(struct cp *p)
{
	size_t k = span_ident(p, 0);

	return k ? take(p, k) : false;
}

static bool lex_field_name(struct cp *p)
{
	size_t k = span_ident(p, 0);
	int dots = 0;

	if (!k)
		return false;
	while (cur_at(p, k) == '.' && p->pos.idx + k < p->n) {
		size_t s = span_ident(p, k + 1);

		if (!s)
			break;
		k += 1 + s;
		dots++;
	}
	return dots ? take(p, k) : false;
}

static bool lex_not_blank(struct cp *p)
{
	size_t k = 3;

	if (p->n - p->pos.idx < 4 || memcmp(p->s + p->pos.idx, "not", 3) != 0)
		return false;
	while (p->pos.idx + k < p->n && is_space(cur_at(p, k)))
		k++;
	return k > 3 ? take(p, k) : false;
}

static bool lex_field_arg_bare_str(struct cp *p)
{
	size_t k = 0;

	while (p->pos.idx + k < p->n) {
		char c = cur_at(p, k);

		if (c == '[' || c == ']' || c == '"' || c == '\'' || is_space(c))
			break;
		k++;
	}
	return k ? take(p, k) : false;
}

static bool lex_bare_str(struct cp *p)
{
	size_t k = 0;

	while (p->pos.idx + k < p->n) {
		char c = cur_at(p, k);

		if (c == '(' || c == ')' || c == '"' || c == '\'' || c == '=' || c == ',' ||
		    is_space(c))
			break;
		k++;
	}
	return k ? take(p, k) : false;
}

static bool lex_hex_num(struct cp *p)
{
	size_t k = 2;

	if (cur(p) != '0' || (cur_at(p, 1) != 'x' && cur_at(p, 1) != 'X'))
		return false;
	while (p->pos.idx + k < p->n && is_hex(cur_at(p, k)))
		k++;
	return k > 2 ? take(p, k) : false;
}

static bool lex_num(struct cp *p)
{
	size_t k = 0, d;

	if (cur(p) == '+' || cur(p) == '-')
		k++;
	d = k;
	while (p->pos.idx + k < p->n && is_digit(cur_at(p, k)))
		k++;
	if (k == d)
		return false;
	if (cur_at(p, k) == '.' && p->pos.idx + k < p->n)
		k++;
	while (p->pos.idx + k < p->n && is_digit(cur_at(p, k)))
		k++;
	if ((cur_at(p, k) == 'e' || cur_at(p, k) == 'E') &&
	    (cur_at(p, k + 1) == '+' || cur_at(p, k + 1) == '-') && is_digit(cur_at(p, k + 2)) &&
	    p->pos.idx + k + 2 < p->n) {
		k += 2;
		while (p->pos.idx + k < p->n && is_digit(cur_at(p, k)))
			k++;
	}
	return take(p, k);
}

/*
 * Quoted string: ends at the next delimiter whose preceding raw char is not
 * a backslash (so "x\\" never closes, as in libsinsp). On an escape error
 * the cursor stays after the closing quote, like libsinsp's.
 */
static bool lex_quoted_str(struct cp *p)
{
	char delim = cur(p), prev = '\\';
	struct cond_pos start = p->pos;
	size_t k = 0;

	if (p->pos.idx >= p->n || (delim != '\'' && delim != '"'))
		return false;
	while (p->pos.idx + k < p->n && cur_at(p, k) != '\0') {
		char c = cur_at(p, k);

		if (c == delim && prev != '\\' && k > 0) {
			char *out;
			size_t out_len;
			char msg[128];
			int rc;

			adv(p, k + 1);
			rc = cond_unescape(p->s + start.idx, k + 1, &out, &out_len, msg,
					   sizeof(msg));
			if (rc == -ENOMEM) {
				fail_oom(p);
				return false;
			}
			if (rc < 0) {
				fail(p, "%s", msg);
				return false;
			}
			set_last(p, out, out_len);
			free(out);
			return true;
		}
		prev = c;
		k++;
	}
	p->pos = start;
	return false;
}

/* ---- AST construction helpers ---- */

struct cond_node *cond_node_new(enum cond_kind kind, const char *str, size_t len)
{
	struct cond_node *n = calloc(1, sizeof(*n));

	if (!n)
		return NULL;
	n->kind = kind;
	n->pos.line = 1;
	n->pos.col = 1;
	if (str) {
		n->str = malloc(len + 1);
		if (!n->str) {
			free(n);
			return NULL;
		}
		memcpy(n->str, str, len);
		n->str[len] = '\0';
		n->len = len;
	}
	return n;
}

int cond_node_add(struct cond_node *parent, struct cond_node *child)
{
	struct cond_node **k;

	if (!child)
		return -ENOMEM;
	k = realloc(parent->kids, (parent->nkids + 1) * sizeof(*k));
	if (!k) {
		cond_free(child);
		return -ENOMEM;
	}
	parent->kids = k;
	parent->kids[parent->nkids++] = child;
	return 0;
}

static struct cond_node *mk(struct cp *p, enum cond_kind kind, const char *s, size_t len,
			    struct cond_pos pos)
{
	struct cond_node *n;

	if (p->failed)
		return NULL;
	n = cond_node_new(kind, s, len);
	if (!n)
		return fail_oom(p);
	n->pos = pos;
	return n;
}

static bool add(struct cp *p, struct cond_node *parent, struct cond_node *child)
{
	if (!child) {
		cond_free(parent);
		return false;
	}
	if (cond_node_add(parent, child) < 0) {
		cond_free(parent);
		fail_oom(p);
		return false;
	}
	return true;
}

static int set_arg(struct cond_node *n, const char *a, size_t len)
{
	free(n->arg);
	n->arg = NULL;
	n->arg_len = 0;
	if (len == 0)
		return 0; /* libsinsp keeps args as strings: "" means no argument. */
	n->arg = malloc(len + 1);
	if (!n->arg)
		return -ENOMEM;
	memcpy(n->arg, a, len);
	n->arg[len] = '\0';
	n->arg_len = len;
	return 0;
}

static enum cond_op op_from_str(const char *s)
{
#define COND_OP_CMP(id, str)                                                                       \
	if (strcmp(s, str) == 0)                                                                   \
		return COND_OP_##id;
	COND_OP_LIST(COND_OP_CMP)
#undef COND_OP_CMP
	return COND_OP_NONE;
}

/* ---- grammar ---- */

static bool depth_enter(struct cp *p)
{
	p->depth++;
	if (p->depth >= p->max_depth) {
		fail(p, "exceeded max depth limit of %u", p->max_depth);
		return false;
	}
	return true;
}

#define GUARDED(name, params, args)                                                                \
	static struct cond_node *name##_body params;                                               \
	static struct cond_node *name params                                                       \
	{                                                                                          \
		struct cond_node *r = NULL;                                                        \
		if (depth_enter(p))                                                                \
			r = name##_body args;                                                      \
		p->depth--;                                                                        \
		if (p->failed && r) {                                                              \
			cond_free(r);                                                              \
			r = NULL;                                                                  \
		}                                                                                  \
		return r;                                                                          \
	}

static struct cond_node *parse_or(struct cp *p);
static struct cond_node *parse_and(struct cp *p);
static struct cond_node *parse_not(struct cp *p);
static struct cond_node *parse_check(struct cp *p);
static struct cond_node *parse_embedded_remainder(struct cp *p);
static struct cond_node *parse_field_remainder(struct cp *p, struct cond_pos pos);
static struct cond_node *parse_transformer_remainder(struct cp *p, struct cond_pos pos);
static struct cond_node *parse_transformer_arg(struct cp *p, struct cond_pos pos);
static struct cond_node *parse_condition(struct cp *p, struct cond_node *left, struct cond_pos pos);
static struct cond_node *parse_num_value_or_transformer(struct cp *p);
static struct cond_node *parse_str_value_or_transformer(struct cp *p, bool no_transformer);
static struct cond_node *parse_list_value_or_transformer(struct cp *p);
static struct cond_node *try_parse_transformer_or_val(struct cp *p);

/* Name of a transformer just lexed (last = "name("), without the '('. */
static struct cond_node *new_transformer(struct cp *p, struct cond_pos pos)
{
	return mk(p, COND_TRANSFORMER, p->last, p->last_len - 1, pos);
}

/* Optional "[arg]" after a field or a transformer's ')'. */
static bool parse_opt_arg(struct cp *p, struct cond_node *n)
{
	if (!lex_str(p, "["))
		return true;
	if (!lex_quoted_str(p) && !p->failed && !lex_field_arg_bare_str(p)) {
		fail(p, "expected a valid field argument: a quoted string or a bare string");
		return false;
	}
	if (p->failed)
		return false;
	if (set_arg(n, p->last, p->last_len) < 0) {
		fail_oom(p);
		return false;
	}
	if (!lex_str(p, "]")) {
		fail(p, "expected a ']' token");
		return false;
	}
	return true;
}

static struct cond_node *chain(struct cp *p, enum cond_kind kind, const char *kw,
			       struct cond_node *(*sub)(struct cp *), struct cond_pos pos)
{
	struct cond_node *first, *n = NULL;

	lex_blank(p);
	first = sub(p);
	if (!first)
		return NULL;
	lex_blank(p);
	while (lex_str(p, kw)) {
		struct cond_node *child;

		if (!lex_blank(p)) {
			if (lex_str(p, "(")) {
				child = parse_embedded_remainder(p);
			} else {
				fail(p, "expected blank or '(' after '%s'", kw);
				child = NULL;
			}
		} else {
			child = sub(p);
		}
		if (!n) {
			n = mk(p, kind, NULL, 0, pos);
			if (!n || !add(p, n, first)) {
				if (!n)
					cond_free(first);
				cond_free(child);
				return NULL;
			}
		}
		if (!add(p, n, child))
			return NULL;
		lex_blank(p);
	}
	if (p->failed) {
		cond_free(n ? n : first);
		return NULL;
	}
	return n ? n : first;
}

GUARDED(parse_or, (struct cp * p), (p))
static struct cond_node *parse_or_body(struct cp *p)
{
	return chain(p, COND_OR, "or", parse_and, p->pos);
}

GUARDED(parse_and, (struct cp * p), (p))
static struct cond_node *parse_and_body(struct cp *p)
{
	return chain(p, COND_AND, "and", parse_not, p->pos);
}

GUARDED(parse_not, (struct cp * p), (p))
static struct cond_node *parse_not_body(struct cp *p)
{
	struct cond_pos pos = p->pos;
	bool is_not = false;
	struct cond_node *child, *n;

	lex_blank(p);
	while (lex_not_blank(p))
		is_not = !is_not;
	if (lex_str(p, "not(")) {
		is_not = !is_not;
		child = parse_embedded_remainder(p);
	} else {
		child = parse_check(p);
	}
	if (!child || !is_not)
		return child;
	n = mk(p, COND_NOT, NULL, 0, pos);
	if (!n) {
		cond_free(child);
		return NULL;
	}
	return add(p, n, child) ? n : NULL;
}

GUARDED(parse_embedded_remainder, (struct cp * p), (p))
static struct cond_node *parse_embedded_remainder_body(struct cp *p)
{
	struct cond_node *child;

	lex_blank(p);
	child = parse_or(p);
	if (!child)
		return NULL;
	lex_blank(p);
	if (!lex_str(p, ")")) {
		cond_free(child);
		return fail(p, "expected a ')' token");
	}
	return child;
}

GUARDED(parse_check, (struct cp * p), (p))
static struct cond_node *parse_check_body(struct cp *p)
{
	struct cond_pos pos = p->pos;
	struct cond_node *left;

	lex_blank(p);
	if (lex_str(p, "("))
		return parse_embedded_remainder(p);
	if (lex_field_name(p)) {
		left = parse_field_remainder(p, pos);
		return left ? parse_condition(p, left, pos) : NULL;
	}
	if (lex_str_list(p, transformers, sizeof(transformers) / sizeof(*transformers))) {
		lex_blank(p);
		left = parse_transformer_remainder(p, pos);
		return left ? parse_condition(p, left, pos) : NULL;
	}
	if (lex_identifier(p))
		return mk(p, COND_IDENT, p->last, p->last_len, pos);
	return fail(p, "expected a '(' token, a field check, or an identifier");
}

GUARDED(parse_field_remainder, (struct cp * p, struct cond_pos pos), (p, pos))
static struct cond_node *parse_field_remainder_body(struct cp *p, struct cond_pos pos)
{
	struct cond_node *f = mk(p, COND_FIELD, p->last, p->last_len, pos);

	if (!f)
		return NULL;
	if (!parse_opt_arg(p, f)) {
		cond_free(f);
		return NULL;
	}
	return f;
}

/* Called after "name(" (last holds it). */
GUARDED(parse_transformer_remainder, (struct cp * p, struct cond_pos pos), (p, pos))
static struct cond_node *parse_transformer_remainder_body(struct cp *p, struct cond_pos pos)
{
	struct cond_node *t = new_transformer(p, pos);

	if (!t)
		return NULL;
	lex_blank(p);
	do {
		if (!add(p, t, parse_transformer_arg(p, p->pos)))
			return NULL;
		lex_blank(p);
	} while (lex_str(p, ","));
	lex_blank(p);
	if (!lex_str(p, ")")) {
		cond_free(t);
		return fail(p, "expected a ')' token closing the transformer");
	}
	if (!parse_opt_arg(p, t)) {
		cond_free(t);
		return NULL;
	}
	return t;
}

/* TransformerListArg ::= Field | FieldTransformer | QuotedStr | NumValue (no depth guard). */
static struct cond_node *parse_tlist_arg(struct cp *p, struct cond_pos pos)
{
	if (lex_field_name(p))
		return parse_field_remainder(p, pos);
	if (lex_str_list(p, transformers, sizeof(transformers) / sizeof(*transformers))) {
		lex_blank(p);
		return parse_transformer_remainder(p, pos);
	}
	if (lex_quoted_str(p))
		return mk(p, COND_VALUE, p->last, p->last_len, pos);
	if (p->failed)
		return NULL;
	if (lex_hex_num(p) || lex_num(p))
		return mk(p, COND_VALUE, p->last, p->last_len, pos);
	return fail(p, "expected transformer list argument: "
		       "field, transformer, quoted string, or number");
}

/* Called after '(' (no depth guard, as in libsinsp). */
static struct cond_node *parse_tlist(struct cp *p, struct cond_pos pos)
{
	struct cond_node *l = mk(p, COND_TLIST, NULL, 0, pos);

	if (!l)
		return NULL;
	lex_blank(p);
	if (lex_str(p, ")"))
		return l;
	if (!add(p, l, parse_tlist_arg(p, pos)))
		return NULL;
	lex_blank(p);
	while (lex_str(p, ",")) {
		lex_blank(p);
		if (!add(p, l, parse_tlist_arg(p, pos)))
			return NULL;
		lex_blank(p);
	}
	if (!lex_str(p, ")")) {
		cond_free(l);
		return fail(p, "expected ')'");
	}
	return l;
}

GUARDED(parse_transformer_arg, (struct cp * p, struct cond_pos pos), (p, pos))
static struct cond_node *parse_transformer_arg_body(struct cp *p, struct cond_pos pos)
{
	lex_blank(p);
	if (lex_hex_num(p) || lex_num(p))
		return mk(p, COND_VALUE, p->last, p->last_len, pos);
	if (lex_quoted_str(p))
		return mk(p, COND_VALUE, p->last, p->last_len, pos);
	if (p->failed)
		return NULL;
	if (lex_str(p, "("))
		return parse_tlist(p, pos);
	if (lex_str_list(p, transformers, sizeof(transformers) / sizeof(*transformers)))
		return parse_transformer_remainder(p, pos);
	if (lex_field_name(p))
		return parse_field_remainder(p, pos);
	return fail(p, "expected field transformer argument: "
		       "field, transformer, quoted string, number, or transformer list");
}

static struct cond_node *binary(struct cp *p, struct cond_node *left, const char *op,
				enum cond_mod mod, struct cond_node *right, struct cond_pos pos)
{
	struct cond_node *b;

	if (!right) {
		cond_free(left);
		return NULL;
	}
	b = mk(p, COND_BINARY, op, strlen(op), pos);
	if (!b) {
		cond_free(left);
		cond_free(right);
		return NULL;
	}
	b->mod = mod;
	if (!add(p, b, left)) {
		cond_free(right);
		return NULL;
	}
	if (!add(p, b, right))
		return NULL;
	return b;
}

/* "(v1, v2)" list after '(' has been consumed. */
static struct cond_node *parse_value_list(struct cp *p, struct cond_pos pos)
{
	struct cond_node *l = mk(p, COND_LIST, NULL, 0, pos), *child;

	if (!l)
		return NULL;
	lex_blank(p);
	child = parse_str_value_or_transformer(p, true);
	if (!child && p->failed && !p->oom) {
		/* libsinsp catches this error: the list is expected to be empty. */
		p->failed = false;
	} else if (child) {
		if (!add(p, l, child))
			return NULL;
		lex_blank(p);
		while (lex_str(p, ",")) {
			if (!add(p, l, parse_str_value_or_transformer(p, true)))
				return NULL;
			lex_blank(p);
		}
	}
	if (p->failed) {
		cond_free(l);
		return NULL;
	}
	if (!lex_str(p, ")")) {
		cond_free(l);
		return fail(p, "expected a ')' token");
	}
	return l;
}

/*
 * String-operator modifier (libs HEAD): after a blank, "oneof|anyof|allof"
 * and a blank, then a "(...)" list or an identifier that is not and/or/not.
 * Returns true with *right set when a modifier was parsed; otherwise the
 * cursor is restored.
 */
static bool try_modifier(struct cp *p, enum cond_mod *mod, struct cond_node **right)
{
	struct cond_pos save = p->pos;

	for (size_t i = 0; i < 3; i++) {
		struct cond_pos vpos;

		if (!lex_str(p, modifiers[i]))
			continue;
		if (!lex_blank(p))
			break;
		vpos = p->pos;
		if (lex_str(p, "(")) {
			*mod = (enum cond_mod)(i + 1);
			*right = parse_value_list(p, vpos);
			return true;
		}
		if (lex_identifier(p)) {
			if (strcmp(p->last, "and") && strcmp(p->last, "or") &&
			    strcmp(p->last, "not")) {
				*mod = (enum cond_mod)(i + 1);
				*right = mk(p, COND_VALUE, p->last, p->last_len, vpos);
				return true;
			}
		}
		break;
	}
	p->pos = save;
	return false;
}

GUARDED(parse_condition, (struct cp * p, struct cond_node *left, struct cond_pos pos),
	(p, left, pos))
static struct cond_node *parse_condition_body(struct cp *p, struct cond_node *left,
					      struct cond_pos pos)
{
	char op[32];
	struct cond_node *right;
	enum cond_mod mod = COND_MOD_NONE;

	lex_blank(p);
	if (lex_str(p, "exists")) {
		struct cond_node *u = mk(p, COND_UNARY, "exists", 6, pos);

		if (u)
			u->op = COND_OP_EXISTS;
		if (!u) {
			cond_free(left);
			return NULL;
		}
		return add(p, u, left) ? u : NULL;
	}
	lex_blank(p);
	if (lex_op_list(p, num_ops, sizeof(num_ops) / sizeof(*num_ops))) {
		snprintf(op, sizeof(op), "%s", p->last);
		right = parse_num_value_or_transformer(p);
	} else if (!p->failed && lex_op_list(p, str_ops, sizeof(str_ops) / sizeof(*str_ops))) {
		bool word = is_alpha(p->last[0]);

		snprintf(op, sizeof(op), "%s", p->last);
		right = NULL;
		if ((word || lex_blank(p)) && try_modifier(p, &mod, &right)) {
			static const char *const mnames[] = {"", "oneof", "anyof", "allof"};

			snprintf(op + strlen(op), sizeof(op) - strlen(op), " %s", mnames[mod]);
		} else {
			right = parse_str_value_or_transformer(p, false);
		}
	} else if (!p->failed && lex_op_list(p, list_ops, sizeof(list_ops) / sizeof(*list_ops))) {
		snprintf(op, sizeof(op), "%s", p->last);
		right = parse_list_value_or_transformer(p);
	} else {
		cond_free(left);
		return fail(p, "expected a valid check operator: one of '=', '==', '!=', '<=', "
			       "'>=', '<', '>', 'exists', 'contains', 'icontains', 'bcontains', "
			       "'glob', 'iglob', 'bstartswith', 'startswith', 'endswith', 'in', "
			       "'intersects', 'pmatch', 'regex'");
	}
	{
		struct cond_node *b = binary(p, left, op, mod, right, pos);

		if (b)
			b->op = op_from_str(b->mod ? strtok(op, " ") : op);
		return b;
	}
}

GUARDED(parse_num_value_or_transformer, (struct cp * p), (p))
static struct cond_node *parse_num_value_or_transformer_body(struct cp *p)
{
	struct cond_pos pos;
	struct cond_node *r;

	lex_blank(p);
	pos = p->pos;
	r = try_parse_transformer_or_val(p);
	if (r || p->failed)
		return r;
	if (lex_hex_num(p) || lex_num(p))
		return mk(p, COND_VALUE, p->last, p->last_len, pos);
	return fail(p, "expected a number value or a field with a valid transformer: 'val', "
		       "'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', "
		       "'getopt'");
}

GUARDED(parse_str_value_or_transformer, (struct cp * p, bool no_transformer), (p, no_transformer))
static struct cond_node *parse_str_value_or_transformer_body(struct cp *p, bool no_transformer)
{
	struct cond_pos pos;

	lex_blank(p);
	pos = p->pos;
	if (!no_transformer) {
		struct cond_node *r = try_parse_transformer_or_val(p);

		if (r || p->failed)
			return r;
	}
	if (lex_quoted_str(p) || (!p->failed && lex_bare_str(p)))
		return mk(p, COND_VALUE, p->last, p->last_len, pos);
	if (p->failed)
		return NULL;
	if (no_transformer)
		return fail(p, "expected a string value");
	return fail(p, "expected a string value or a field with a valid transformer: 'val', "
		       "'tolower', 'toupper', 'b64', 'basename', 'len', 'join', 'concat', "
		       "'getopt'");
}

GUARDED(parse_list_value_or_transformer, (struct cp * p), (p))
static struct cond_node *parse_list_value_or_transformer_body(struct cp *p)
{
	struct cond_pos pos;
	struct cond_node *r;

	lex_blank(p);
	pos = p->pos;
	if (lex_str(p, "("))
		return parse_value_list(p, pos);
	r = try_parse_transformer_or_val(p);
	if (r || p->failed)
		return r;
	if (lex_identifier(p))
		return mk(p, COND_VALUE, p->last, p->last_len, pos);
	return fail(p, "expected a list, an identifier, or a field with a valid transformer: "
		       "'val', 'tolower', 'toupper', 'b64', 'basename', 'len', 'join', "
		       "'concat', 'getopt'");
}

/* Returns NULL without failing when there is no transformer at the cursor. */
GUARDED(try_parse_transformer_or_val, (struct cp * p), (p))
static struct cond_node *try_parse_transformer_or_val_body(struct cp *p)
{
	struct cond_pos pos;

	lex_blank(p);
	pos = p->pos;
	if (lex_str(p, "val(")) {
		struct cond_node *t = mk(p, COND_TRANSFORMER, "val", 3, pos);
		struct cond_pos fpos;

		if (!t)
			return NULL;
		lex_blank(p);
		fpos = p->pos;
		if (!lex_field_name(p)) {
			cond_free(t);
			return fail(p, "expected a field within 'val' transformer");
		}
		if (!add(p, t, parse_field_remainder(p, fpos)))
			return NULL;
		lex_blank(p);
		if (!lex_str(p, ")")) {
			cond_free(t);
			return fail(p, "expected a ')' token closing the transformer");
		}
		if (!parse_opt_arg(p, t)) {
			cond_free(t);
			return NULL;
		}
		return t;
	}
	if (lex_str_list(p, transformers, sizeof(transformers) / sizeof(*transformers))) {
		lex_blank(p);
		return parse_transformer_remainder(p, pos);
	}
	return NULL;
}

struct cond_node *cond_parse(const char *text, size_t len, uint32_t max_depth,
			     struct cond_error *err)
{
	struct cond_error dummy;
	struct cp p = {0};
	struct cond_node *res;

	if (!err)
		err = &dummy;
	memset(err, 0, sizeof(*err));
	err->pos.line = 1;
	err->pos.col = 1;
	p.s = text;
	p.n = len;
	p.pos.line = 1;
	p.pos.col = 1;
	p.max_depth = max_depth ? max_depth : COND_DEFAULT_MAX_DEPTH;
	p.err = err;
	if (len == 0) {
		snprintf(err->msg, sizeof(err->msg), "filter input string is empty");
		errno = EINVAL;
		return NULL;
	}
	if (len > COND_MAX_INPUT) {
		snprintf(err->msg, sizeof(err->msg),
			 "filter input string too long (%zu bytes, max %u)", len, COND_MAX_INPUT);
		errno = EINVAL;
		return NULL;
	}
	res = parse_or(&p);
	if (res && p.pos.idx != p.n) {
		fail(&p, "unexpected token after '%.150s', expecting 'or', 'and'",
		     p.last ? p.last : "");
		cond_free(res);
		res = NULL;
	}
	free(p.last);
	if (!res)
		errno = p.oom ? ENOMEM : EINVAL;
	return res;
}
