/* cond_ast.c: condition AST: free, clone, walk, canonical printing, Falco's list resolution. */
#include "cond_int.h"

#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

void cond_free(struct cond_node *n)
{
	if (!n)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		cond_free(n->kids[i]);
	free(n->kids);
	free(n->str);
	free(n->arg);
	free(n);
}

struct cond_node *cond_clone(const struct cond_node *n)
{
	struct cond_node *c;

	if (!n)
		return NULL;
	c = cond_node_new(n->kind, n->str, n->len);
	if (!c)
		return NULL;
	c->pos = n->pos;
	c->op = n->op;
	c->mod = n->mod;
	if (n->arg) {
		c->arg = malloc(n->arg_len + 1);
		if (!c->arg)
			goto oom;
		memcpy(c->arg, n->arg, n->arg_len + 1);
		c->arg_len = n->arg_len;
	}
	if (n->nkids) {
		c->kids = calloc(n->nkids, sizeof(*c->kids));
		if (!c->kids)
			goto oom;
		for (size_t i = 0; i < n->nkids; i++) {
			c->kids[i] = cond_clone(n->kids[i]);
			c->nkids++;
			if (!c->kids[i])
				goto oom;
		}
	}
	return c;
oom:
	cond_free(c);
	errno = ENOMEM;
	return NULL;
}

static int walk(struct cond_node **slot, int in_tr, cond_walk_fn fn, void *ud)
{
	struct cond_node *before = *slot;
	int rc = fn(slot, in_tr, ud);

	if (rc < 0)
		return rc;
	if (rc == 1 || *slot != before || !*slot)
		return 0;
	for (size_t i = 0; i < (*slot)->nkids; i++) {
		int t = in_tr || (*slot)->kind == COND_TRANSFORMER;

		rc = walk(&(*slot)->kids[i], t, fn, ud);
		if (rc < 0)
			return rc;
	}
	return 0;
}

int cond_walk(struct cond_node **root, cond_walk_fn fn, void *ud)
{
	return walk(root, 0, fn, ud);
}

static void print(struct cond_sb *sb, const struct cond_node *n)
{
	switch (n->kind) {
	case COND_AND:
	case COND_OR:
		cond_sb_add(sb, "(", 1);
		for (size_t i = 0; i < n->nkids; i++) {
			if (i)
				cond_sb_adds(sb, n->kind == COND_AND ? " and " : " or ");
			print(sb, n->kids[i]);
		}
		cond_sb_add(sb, ")", 1);
		break;
	case COND_NOT:
		cond_sb_adds(sb, "not ");
		print(sb, n->kids[0]);
		break;
	case COND_IDENT:
		cond_sb_add(sb, n->str, n->len);
		break;
	case COND_VALUE:
		cond_sb_escape(sb, n->str, n->len);
		break;
	case COND_LIST:
		cond_sb_add(sb, "(", 1);
		for (size_t i = 0; i < n->nkids; i++) {
			if (i)
				cond_sb_adds(sb, ", ");
			cond_sb_escape(sb, n->kids[i]->str, n->kids[i]->len);
		}
		cond_sb_add(sb, ")", 1);
		break;
	case COND_TLIST:
		cond_sb_add(sb, "(", 1);
		for (size_t i = 0; i < n->nkids; i++) {
			if (i)
				cond_sb_add(sb, ",", 1);
			print(sb, n->kids[i]);
		}
		cond_sb_add(sb, ")", 1);
		break;
	case COND_UNARY:
		print(sb, n->kids[0]);
		cond_sb_add(sb, " ", 1);
		cond_sb_add(sb, n->str, n->len);
		break;
	case COND_BINARY:
		print(sb, n->kids[0]);
		cond_sb_add(sb, " ", 1);
		cond_sb_add(sb, n->str, n->len);
		cond_sb_add(sb, " ", 1);
		print(sb, n->kids[1]);
		break;
	case COND_FIELD:
		cond_sb_add(sb, n->str, n->len);
		if (n->arg) {
			cond_sb_add(sb, "[", 1);
			cond_sb_escape(sb, n->arg, n->arg_len);
			cond_sb_add(sb, "]", 1);
		}
		break;
	case COND_TRANSFORMER:
		cond_sb_add(sb, n->str, n->len);
		cond_sb_add(sb, "(", 1);
		for (size_t i = 0; i < n->nkids; i++) {
			if (i)
				cond_sb_add(sb, ",", 1);
			print(sb, n->kids[i]);
		}
		cond_sb_add(sb, ")", 1);
		if (n->arg) {
			cond_sb_add(sb, "[", 1);
			cond_sb_escape(sb, n->arg, n->arg_len);
			cond_sb_add(sb, "]", 1);
		}
		break;
	}
}

void cond_sb_print(struct cond_sb *sb, const struct cond_node *n)
{
	print(sb, n);
}

char *cond_to_string(const struct cond_node *n)
{
	struct cond_sb sb = {0};

	if (n)
		print(&sb, n);
	return cond_sb_finish(&sb);
}

static int value_printable(const char *s, size_t len)
{
	if (len == 0 || s[len - 1] == '\\' || memchr(s, '\0', len))
		return 0;
	for (size_t i = 0; i < len; i++)
		if (s[i] == '(' || s[i] == ')' || s[i] == ',' || s[i] == '\v')
			return 0;
	return 1;
}

/* Whether s lexes whole as a NumValue (hex or decimal number). */
static int looks_numeric(const char *s)
{
	const char *p = s;

	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X') && isxdigit((unsigned char)p[2])) {
		for (p += 2; isxdigit((unsigned char)*p); p++)
			;
		return *p == '\0';
	}
	if (*p == '+' || *p == '-')
		p++;
	if (!isdigit((unsigned char)*p))
		return 0;
	while (isdigit((unsigned char)*p))
		p++;
	if (*p == '.')
		p++;
	while (isdigit((unsigned char)*p))
		p++;
	if ((*p == 'e' || *p == 'E') && (p[1] == '+' || p[1] == '-') &&
	    isdigit((unsigned char)p[2])) {
		for (p += 2; isdigit((unsigned char)*p); p++)
			;
	}
	return *p == '\0';
}

int cond_printable(const struct cond_node *n)
{
	if (!n)
		return 1;
	if (n->kind == COND_NOT && n->kids[0]->kind == COND_NOT)
		return 0;
	if (n->kind == COND_VALUE && !value_printable(n->str, n->len))
		return 0;
	if ((n->kind == COND_FIELD || n->kind == COND_TRANSFORMER) && n->arg &&
	    (n->arg[n->arg_len - 1] == '\\' || strpbrk(n->arg, "[]") ||
	     memchr(n->arg, '\0', n->arg_len)))
		return 0;
	for (size_t i = 0; i < n->nkids; i++) {
		const struct cond_node *k = n->kids[i];

		/* String arguments of transformers print bare (escape_str), which the
		 * grammar only accepts quoted there; numbers are fine. */
		if ((n->kind == COND_TRANSFORMER || n->kind == COND_TLIST) &&
		    k->kind == COND_VALUE && !looks_numeric(k->str))
			return 0;
		if (!cond_printable(k))
			return 0;
	}
	return 1;
}

const char *cond_op_name(enum cond_op op)
{
	static const char *const names[] = {"",
#define COND_OP_NAME(id, s) s,
					    COND_OP_LIST(COND_OP_NAME)
#undef COND_OP_NAME
	};

	return (unsigned)op < COND_OP_MAX ? names[op] : "";
}

const char *cond_kind_name(enum cond_kind k)
{
	static const char *const names[] = {"and",    "or",    "not",	     "identifier",
					    "value",  "list",  "tlist",	     "unary",
					    "binary", "field", "transformer"};

	return (unsigned)k < sizeof(names) / sizeof(*names) ? names[k] : "?";
}

/* Falco's quote_item: items with a space that do not start with a quote get "...". */
static void quote_item(struct cond_sb *sb, const char *item)
{
	if (strchr(item, ' ') && item[0] != '"' && item[0] != '\'') {
		cond_sb_add(sb, "\"", 1);
		cond_sb_adds(sb, item);
		cond_sb_add(sb, "\"", 1);
	} else {
		cond_sb_adds(sb, item);
	}
}

char *cond_resolve_list(const char *cond, const char *name, const char *const *items, size_t nitems,
			int *changed)
{
	static const char blanks[] = " \t\n\r";
	static const char delims[] = " \t\n\r(),=";
	size_t nlen = strlen(name);
	struct cond_sb cnd = {0};
	struct cond_sb sub = {0};
	char *found;
	size_t start;

	if (changed)
		*changed = 0;
	cond_sb_adds(&cnd, cond);
	for (size_t i = 0; i < nitems; i++) {
		if (i)
			cond_sb_adds(&sub, ", ");
		quote_item(&sub, items[i]);
	}
	if (cnd.oom || sub.oom || nlen == 0 || !cnd.buf)
		goto out;
	found = strstr(cnd.buf, name);
	while (found) {
		size_t end;

		start = (size_t)(found - cnd.buf);
		end = start + nlen;
		if ((start == 0 || strchr(delims, cnd.buf[start - 1])) &&
		    (end >= cnd.len || strchr(delims, cnd.buf[end]))) {
			struct cond_sb nc = {0};

			while (start > 0 && strchr(blanks, cnd.buf[start - 1]))
				start--;
			while (end < cnd.len && strchr(blanks, cnd.buf[end]))
				end++;
			if (sub.len == 0) {
				if (start > 0 && cnd.buf[start - 1] == ',')
					start--;
				else if (end < cnd.len && cnd.buf[end] == ',')
					end++;
			}
			if (start > 0) {
				cond_sb_add(&nc, cnd.buf, start);
				cond_sb_add(&nc, " ", 1);
			}
			if (sub.len)
				cond_sb_add(&nc, sub.buf, sub.len);
			cond_sb_add(&nc, " ", 1);
			if (end <= cnd.len)
				cond_sb_add(&nc, cnd.buf + end, cnd.len - end);
			if (nc.oom) {
				free(nc.buf);
				cnd.oom = 1;
				goto out;
			}
			free(cnd.buf);
			cnd = nc;
			start += sub.len + 1;
			if (changed)
				*changed = 1;
		}
		if (start + 1 > cnd.len)
			break;
		found = strstr(cnd.buf + start + 1, name);
	}
out:
	free(sub.buf);
	return cond_sb_finish(&cnd);
}
