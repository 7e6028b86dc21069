/* rules_yaml.c: builds a positioned YAML tree from libyaml parser events, with hard limits. */
#include "rules_yaml.h"

#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <yaml.h>

#define ARENA_CHUNK (64u << 10)

struct arena_chunk {
	struct arena_chunk *next;
	size_t used, cap;
	/* data follows, max-aligned */
	_Alignas(16) unsigned char data[];
};

struct anchor {
	char *name; /* malloc'ed */
	struct rules_ynode *node;
};

struct rules_ytree {
	struct arena_chunk *chunks;
	struct rules_ynode **docs; /* malloc'ed; NULL entries for empty documents */
	size_t ndocs;
};

static void *arena_alloc(struct rules_ytree *t, size_t n)
{
	struct arena_chunk *c = t->chunks;

	n = (n + 15u) & ~(size_t)15u;
	if (!c || c->cap - c->used < n) {
		size_t cap = n > ARENA_CHUNK ? n : ARENA_CHUNK;

		c = malloc(sizeof(*c) + cap);
		if (!c)
			return NULL;
		c->used = 0;
		c->cap = cap;
		c->next = t->chunks;
		t->chunks = c;
	}
	c->used += n;
	return c->data + c->used - n;
}

void rules_yaml_free(struct rules_ytree *t)
{
	if (!t)
		return;
	while (t->chunks) {
		struct arena_chunk *n = t->chunks->next;

		free(t->chunks);
		t->chunks = n;
	}
	free(t->docs);
	free(t);
}

/* One collection being built. */
struct frame {
	struct rules_ynode *node;
	struct rules_ynode **kids; /* malloc'ed while open */
	size_t n, cap;
	char *anchor; /* malloc'ed, registered when the collection closes */
};

struct builder {
	struct rules_ytree *t;
	struct rules_yerr *err;
	struct frame stack[RULES_YAML_MAX_DEPTH + 1];
	size_t depth;
	struct anchor *anchors;
	size_t nanchors, capanchors;
	struct rules_ynode *doc_root;
};

static void set_err(struct rules_yerr *err, uint32_t line, uint32_t col, const char *fmt, ...)
{
	va_list ap;

	if (!err)
		return;
	err->line = line;
	err->col = col;
	va_start(ap, fmt);
	vsnprintf(err->msg, sizeof(err->msg), fmt, ap);
	va_end(ap);
}

static uint64_t sat_add(uint64_t a, uint64_t b)
{
	return a + b < a ? UINT64_MAX : a + b;
}

static struct rules_ynode *new_node(struct builder *b, enum rules_ynode_kind kind,
				    const yaml_event_t *ev)
{
	struct rules_ynode *n = arena_alloc(b->t, sizeof(*n));

	if (!n)
		return NULL;
	memset(n, 0, sizeof(*n));
	n->kind = kind;
	n->line = (uint32_t)ev->start_mark.line + 1;
	n->col = (uint32_t)ev->start_mark.column + 1;
	n->off = ev->start_mark.index;
	n->end_line = (uint32_t)ev->end_mark.line + 1;
	n->end_col = (uint32_t)ev->end_mark.column + 1;
	n->end_off = ev->end_mark.index;
	n->weight = 1;
	return n;
}

static int add_anchor(struct builder *b, char *name, struct rules_ynode *node)
{
	if (b->nanchors == b->capanchors) {
		size_t cap = b->capanchors ? b->capanchors * 2 : 16;
		struct anchor *a = realloc(b->anchors, cap * sizeof(*a));

		if (!a)
			return -ENOMEM;
		b->anchors = a;
		b->capanchors = cap;
	}
	b->anchors[b->nanchors].name = name;
	b->anchors[b->nanchors].node = node;
	b->nanchors++;
	return 0;
}

static struct rules_ynode *find_anchor(struct builder *b, const char *name)
{
	/* Last definition wins, as in YAML. */
	for (size_t i = b->nanchors; i-- > 0;)
		if (strcmp(b->anchors[i].name, name) == 0)
			return b->anchors[i].node;
	return NULL;
}

static int key_cmp(const void *a, const void *b)
{
	const struct rules_ynode *x = *(struct rules_ynode *const *)a;
	const struct rules_ynode *y = *(struct rules_ynode *const *)b;
	size_t n = x->len < y->len ? x->len : y->len;
	int c = memcmp(x->str, y->str, n);

	if (c)
		return c;
	if (x->len != y->len)
		return x->len < y->len ? -1 : 1;
	return x->off < y->off ? -1 : x->off > y->off;
}

/* Duplicate keys: an error with the position of the later one. */
static int check_dup_keys(struct builder *b, struct frame *f)
{
	size_t np = f->n / 2;
	struct rules_ynode **keys;
	int rc = 0;

	if (np < 2)
		return 0;
	keys = malloc(np * sizeof(*keys));
	if (!keys)
		return -ENOMEM;
	for (size_t i = 0; i < np; i++)
		keys[i] = f->kids[2 * i];
	qsort(keys, np, sizeof(*keys), key_cmp);
	for (size_t i = 1; i < np; i++) {
		const struct rules_ynode *p = keys[i - 1], *k = keys[i];

		if (p->len == k->len && memcmp(p->str, k->str, k->len) == 0) {
			set_err(b->err, k->line, k->col,
				"duplicate key '%.*s' (first defined at line %u)",
				(int)(k->len > 64 ? 64 : k->len), k->str, p->line);
			rc = -EINVAL;
			break;
		}
	}
	free(keys);
	return rc;
}

/* Attaches a finished node to the open collection (or makes it the document root). */
static int attach(struct builder *b, struct rules_ynode *n)
{
	struct frame *f;

	if (b->depth == 0) {
		b->doc_root = n;
		if (n->weight > RULES_YAML_MAX_NODES) {
			set_err(b->err, n->line, n->col,
				"document too large: more than %u nodes after alias expansion",
				RULES_YAML_MAX_NODES);
			return -EINVAL;
		}
		return 0;
	}
	f = &b->stack[b->depth - 1];
	if (f->node->kind == RULES_Y_MAP && f->n % 2 == 0 && n->kind != RULES_Y_SCALAR) {
		set_err(b->err, n->line, n->col, "mapping keys must be scalars");
		return -EINVAL;
	}
	if (f->n == f->cap) {
		size_t cap = f->cap ? f->cap * 2 : 8;
		struct rules_ynode **k = realloc(f->kids, cap * sizeof(*k));

		if (!k)
			return -ENOMEM;
		f->kids = k;
		f->cap = cap;
	}
	f->kids[f->n++] = n;
	f->node->weight = sat_add(f->node->weight, n->weight);
	if (f->node->weight > RULES_YAML_MAX_NODES) {
		set_err(b->err, n->line, n->col,
			"document too large: more than %u nodes after alias expansion",
			RULES_YAML_MAX_NODES);
		return -EINVAL;
	}
	return 0;
}

static char *dup_anchor(const yaml_char_t *a)
{
	return a ? strdup((const char *)a) : NULL;
}

static int on_scalar(struct builder *b, const yaml_event_t *ev)
{
	struct rules_ynode *n = new_node(b, RULES_Y_SCALAR, ev);
	size_t len = ev->data.scalar.length;

	if (!n)
		return -ENOMEM;
	n->str = arena_alloc(b->t, len + 1);
	if (!n->str)
		return -ENOMEM;
	memcpy(n->str, ev->data.scalar.value, len);
	n->str[len] = '\0';
	n->len = len;
	switch (ev->data.scalar.style) {
	case YAML_SINGLE_QUOTED_SCALAR_STYLE:
		n->style = RULES_Y_SINGLE;
		break;
	case YAML_DOUBLE_QUOTED_SCALAR_STYLE:
		n->style = RULES_Y_DOUBLE;
		break;
	case YAML_LITERAL_SCALAR_STYLE:
		n->style = RULES_Y_LITERAL;
		break;
	case YAML_FOLDED_SCALAR_STYLE:
		n->style = RULES_Y_FOLDED;
		break;
	default:
		n->style = RULES_Y_PLAIN;
	}
	if (ev->data.scalar.anchor) {
		char *a = dup_anchor(ev->data.scalar.anchor);

		if (!a || add_anchor(b, a, n) < 0) {
			free(a);
			return -ENOMEM;
		}
	}
	return attach(b, n);
}

static int on_start(struct builder *b, const yaml_event_t *ev, enum rules_ynode_kind kind)
{
	const yaml_char_t *anchor = kind == RULES_Y_SEQ ? ev->data.sequence_start.anchor
							: ev->data.mapping_start.anchor;
	struct frame *f;
	struct rules_ynode *n;

	if (b->depth >= RULES_YAML_MAX_DEPTH) {
		set_err(b->err, (uint32_t)ev->start_mark.line + 1,
			(uint32_t)ev->start_mark.column + 1, "nesting deeper than %u levels",
			RULES_YAML_MAX_DEPTH);
		return -EINVAL;
	}
	if (b->depth > 0) {
		struct frame *p = &b->stack[b->depth - 1];

		if (p->node->kind == RULES_Y_MAP && p->n % 2 == 0) {
			set_err(b->err, (uint32_t)ev->start_mark.line + 1,
				(uint32_t)ev->start_mark.column + 1,
				"mapping keys must be scalars");
			return -EINVAL;
		}
	}
	n = new_node(b, kind, ev);
	if (!n)
		return -ENOMEM;
	f = &b->stack[b->depth++];
	memset(f, 0, sizeof(*f));
	f->node = n;
	if (anchor) {
		f->anchor = dup_anchor(anchor);
		if (!f->anchor)
			return -ENOMEM;
	}
	return 0;
}

static int on_end(struct builder *b, const yaml_event_t *ev)
{
	struct frame *f = &b->stack[b->depth - 1];
	struct rules_ynode *n = f->node;
	int rc;

	n->end_line = (uint32_t)ev->end_mark.line + 1;
	n->end_col = (uint32_t)ev->end_mark.column + 1;
	n->end_off = ev->end_mark.index;
	if (n->kind == RULES_Y_MAP) {
		rc = check_dup_keys(b, f);
		if (rc < 0)
			return rc;
	}
	if (f->n) {
		n->kids = arena_alloc(b->t, f->n * sizeof(*n->kids));
		if (!n->kids)
			return -ENOMEM;
		memcpy(n->kids, f->kids, f->n * sizeof(*n->kids));
	}
	n->nkids = f->n;
	free(f->kids);
	f->kids = NULL;
	b->depth--;
	if (f->anchor) {
		rc = add_anchor(b, f->anchor, n);
		if (rc < 0) {
			free(f->anchor);
			f->anchor = NULL;
			return rc;
		}
		f->anchor = NULL;
	}
	return attach(b, n);
}

static int on_alias(struct builder *b, const yaml_event_t *ev)
{
	const char *name = (const char *)ev->data.alias.anchor;
	struct rules_ynode *n = find_anchor(b, name);

	if (!n) {
		set_err(b->err, (uint32_t)ev->start_mark.line + 1,
			(uint32_t)ev->start_mark.column + 1, "unknown anchor '%.64s'", name);
		return -EINVAL;
	}
	return attach(b, n);
}

static int add_doc(struct builder *b)
{
	struct rules_ynode **d = realloc(b->t->docs, (b->t->ndocs + 1) * sizeof(*d));

	if (!d)
		return -ENOMEM;
	b->t->docs = d;
	d[b->t->ndocs++] = b->doc_root;
	b->doc_root = NULL;
	return 0;
}

struct rules_ytree *rules_yaml_parse(const char *buf, size_t len, struct rules_yerr *err)
{
	struct builder b;
	yaml_parser_t p;
	yaml_event_t ev;
	int rc = 0, done = 0;

	if (err) {
		err->line = err->col = 0;
		err->msg[0] = '\0';
	}
	if (len > RULES_YAML_MAX_BYTES) {
		set_err(err, 0, 0, "file too large: %zu bytes, limit is %u", len,
			RULES_YAML_MAX_BYTES);
		errno = EFBIG;
		return NULL;
	}
	memset(&b, 0, sizeof(b));
	b.err = err;
	b.t = calloc(1, sizeof(*b.t));
	if (!b.t) {
		set_err(err, 0, 0, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	if (!yaml_parser_initialize(&p)) {
		free(b.t);
		set_err(err, 0, 0, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	yaml_parser_set_input_string(&p, (const unsigned char *)buf, len);
	while (!done && rc == 0) {
		if (!yaml_parser_parse(&p, &ev)) {
			const char *ctx = p.context ? p.context : "";

			uint32_t line = (uint32_t)p.problem_mark.line + 1;
			uint32_t col = (uint32_t)p.problem_mark.column + 1;

			if (p.error == YAML_READER_ERROR) {
				/* Reader errors (bad UTF-8, control characters) give a byte offset. */
				line = 1;
				col = 1;
				for (size_t i = 0; i < p.problem_offset && i < len; i++) {
					if (buf[i] == '\n') {
						line++;
						col = 1;
					} else if (((unsigned char)buf[i] & 0xc0) != 0x80) {
						col++;
					}
				}
			}
			set_err(err, line, col, "YAML parse error: %s%s%s",
				p.problem ? p.problem : "unknown error", *ctx ? " " : "", ctx);
			rc = p.error == YAML_MEMORY_ERROR ? -ENOMEM : -EINVAL;
			break;
		}
		switch (ev.type) {
		case YAML_STREAM_END_EVENT:
			done = 1;
			break;
		case YAML_DOCUMENT_START_EVENT:
			b.doc_root = NULL;
			break;
		case YAML_DOCUMENT_END_EVENT:
			rc = add_doc(&b);
			/* Anchors do not cross documents. */
			for (size_t i = 0; i < b.nanchors; i++)
				free(b.anchors[i].name);
			b.nanchors = 0;
			break;
		case YAML_SCALAR_EVENT:
			rc = on_scalar(&b, &ev);
			break;
		case YAML_SEQUENCE_START_EVENT:
			rc = on_start(&b, &ev, RULES_Y_SEQ);
			break;
		case YAML_MAPPING_START_EVENT:
			rc = on_start(&b, &ev, RULES_Y_MAP);
			break;
		case YAML_SEQUENCE_END_EVENT:
		case YAML_MAPPING_END_EVENT:
			rc = on_end(&b, &ev);
			break;
		case YAML_ALIAS_EVENT:
			rc = on_alias(&b, &ev);
			break;
		default:
			break;
		}
		yaml_event_delete(&ev);
	}
	yaml_parser_delete(&p);
	while (b.depth > 0) {
		b.depth--;
		free(b.stack[b.depth].kids);
		free(b.stack[b.depth].anchor);
	}
	for (size_t i = 0; i < b.nanchors; i++)
		free(b.anchors[i].name);
	free(b.anchors);
	if (rc < 0) {
		if (rc == -ENOMEM && err && !err->msg[0])
			set_err(err, 0, 0, "out of memory");
		rules_yaml_free(b.t);
		errno = -rc;
		return NULL;
	}
	return b.t;
}

size_t rules_yaml_ndocs(const struct rules_ytree *t)
{
	return t->ndocs;
}

const struct rules_ynode *rules_yaml_doc(const struct rules_ytree *t, size_t i)
{
	return i < t->ndocs ? t->docs[i] : NULL;
}

const struct rules_ynode *rules_yaml_get(const struct rules_ynode *map, const char *key)
{
	size_t kl;

	if (!map || map->kind != RULES_Y_MAP)
		return NULL;
	kl = strlen(key);
	for (size_t i = 0; i + 1 < map->nkids; i += 2) {
		const struct rules_ynode *k = map->kids[i];

		if (k->len == kl && memcmp(k->str, key, kl) == 0)
			return map->kids[i + 1];
	}
	return NULL;
}

bool rules_yaml_is_null(const struct rules_ynode *n)
{
	if (!n || n->kind != RULES_Y_SCALAR || n->style != RULES_Y_PLAIN)
		return false;
	return n->len == 0 || strcmp(n->str, "~") == 0 || strcmp(n->str, "null") == 0 ||
	       strcmp(n->str, "Null") == 0 || strcmp(n->str, "NULL") == 0;
}

static bool word_in(const char *s, const char *const *words)
{
	for (; *words; words++)
		if (strcmp(s, *words) == 0)
			return true;
	return false;
}

bool rules_yaml_bool(const struct rules_ynode *n, bool *out)
{
	static const char *const t[] = {"y",	"Y",	"yes", "Yes", "YES", "true",
					"True", "TRUE", "on",  "On",  "ON",  NULL};
	static const char *const f[] = {"n",	 "N",	  "no",	 "No",	"NO",  "false",
					"False", "FALSE", "off", "Off", "OFF", NULL};

	if (!n || n->kind != RULES_Y_SCALAR || strlen(n->str) != n->len)
		return false;
	if (word_in(n->str, t)) {
		*out = true;
		return true;
	}
	if (word_in(n->str, f)) {
		*out = false;
		return true;
	}
	return false;
}

bool rules_yaml_u32(const struct rules_ynode *n, uint32_t *out)
{
	unsigned long long v;
	char *end;
	const char *s;

	if (!n || n->kind != RULES_Y_SCALAR || n->len == 0 || strlen(n->str) != n->len)
		return false;
	s = n->str;
	if (*s == '+')
		s++;
	if (*s < '0' || *s > '9')
		return false;
	errno = 0;
	v = strtoull(s, &end, 0);
	if (errno || *end || v > UINT32_MAX)
		return false;
	*out = (uint32_t)v;
	return true;
}
