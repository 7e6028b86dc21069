/* config.c: YAML configuration tree (libyaml), Falco-style -o overrides, schema check, getters. */
#include "config.h"

#include <ctype.h>
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <limits.h>
#include <math.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/stat.h>
#include <unistd.h>
#include <yaml.h>

#include "log.h"

struct cfg_entry {
	char *key;
	unsigned line, col; /* of the key */
	struct cfg_node *val;
};

struct cfg_node {
	enum cfg_node_kind kind;
	const char *file;   /* interned in cfg->files */
	unsigned line, col; /* 1-based; 0 for -o scalars */
	char *text;	    /* scalars: NUL-terminated text */
	size_t n, cap;	    /* entries (map) or items (seq) */
	union {
		struct cfg_entry *entries;
		struct cfg_node **items;
	};
};

/* Names that nodes point to: file paths and "-o SPEC" strings, freed with cfg. */
struct cfg_name {
	struct cfg_name *next;
	char name[];
};

struct cfg {
	struct cfg_node *root;
	struct cfg_name *names;
	const char *main_file; /* path given to cfg_load_file, for config_files */
	cfg_diag_fn diag;
	void *diag_ctx;
	unsigned errors, warnings;
	char last_error[1024];
};

/* ---- diagnostics ---- */

static void default_diag(void *ctx, enum cfg_diag_level level, const char *msg)
{
	(void)ctx;
	if (level == CFG_DIAG_ERROR)
		log_errorf("%s", msg);
	else
		log_warningf("%s", msg);
}

__attribute__((format(printf, 3, 4))) static void diag(struct cfg *cfg, enum cfg_diag_level level,
						       const char *fmt, ...)
{
	char msg[1024];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	if (level == CFG_DIAG_ERROR) {
		cfg->errors++;
		snprintf(cfg->last_error, sizeof(cfg->last_error), "%s", msg);
	} else {
		cfg->warnings++;
	}
	cfg->diag(cfg->diag_ctx, level, msg);
}

/* "FILE:LINE:COL" of a node, or "FILE" for values given with -o. */
static const char *where(const char *file, unsigned line, unsigned col, char *buf, size_t n)
{
	if (line == 0)
		snprintf(buf, n, "%s", file);
	else
		snprintf(buf, n, "%s:%u:%u", file, line, col);
	return buf;
}

/* Node-located error: "FILE:LINE:COL: error: MSG". */
__attribute__((format(printf, 3, 4))) static void
node_error(struct cfg *cfg, const struct cfg_node *node, const char *fmt, ...)
{
	char msg[768], pos[PATH_MAX + 64];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	diag(cfg, CFG_DIAG_ERROR, "%s: error: %s",
	     where(node->file, node->line, node->col, pos, sizeof(pos)), msg);
}

/*
 * Makes untrusted text safe to print: at most ~120 bytes, non-printable bytes
 * as \xNN, so a hostile value cannot forge log lines or flood them.
 */
static const char *printable(const char *s, char *buf, size_t n)
{
	size_t o = 0;

	for (; *s && o + 8 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (o >= 120) {
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f || c == '\\' || c == '\'')
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

/* What a node is, for "expected X, got Y" messages. */
static const char *describe(const struct cfg_node *node, char *buf, size_t n)
{
	char tmp[160];

	switch (node->kind) {
	case CFG_NODE_MAP:
		return "a mapping";
	case CFG_NODE_SEQ:
		return "a list";
	case CFG_NODE_NULL:
		return "null";
	default:
		snprintf(buf, n, "'%s'", printable(node->text, tmp, sizeof(tmp)));
		return buf;
	}
}

/* ---- tree ---- */

static const char *intern(struct cfg *cfg, const char *name)
{
	struct cfg_name *nm;
	size_t len = strlen(name);

	for (nm = cfg->names; nm; nm = nm->next)
		if (strcmp(nm->name, name) == 0)
			return nm->name;
	nm = malloc(sizeof(*nm) + len + 1);
	if (!nm)
		return NULL;
	memcpy(nm->name, name, len + 1);
	nm->next = cfg->names;
	cfg->names = nm;
	return nm->name;
}

static void node_free(struct cfg_node *node)
{
	size_t i;

	if (!node)
		return;
	if (node->kind == CFG_NODE_MAP) {
		for (i = 0; i < node->n; i++) {
			free(node->entries[i].key);
			node_free(node->entries[i].val);
		}
		free(node->entries);
	} else if (node->kind == CFG_NODE_SEQ) {
		for (i = 0; i < node->n; i++)
			node_free(node->items[i]);
		free(node->items);
	}
	free(node->text);
	free(node);
}

static struct cfg_node *node_new(enum cfg_node_kind kind, const char *file, unsigned line,
				 unsigned col)
{
	struct cfg_node *node = calloc(1, sizeof(*node));

	if (!node)
		return NULL;
	node->kind = kind;
	node->file = file;
	node->line = line;
	node->col = col;
	return node;
}

static int grow(struct cfg_node *node)
{
	size_t cap, size;
	void *p;

	if (node->n < node->cap)
		return 0;
	cap = node->cap ? node->cap * 2 : 4;
	size = node->kind == CFG_NODE_MAP ? sizeof(struct cfg_entry) : sizeof(struct cfg_node *);
	p = reallocarray(node->kind == CFG_NODE_MAP ? (void *)node->entries : (void *)node->items,
			 cap, size);
	if (!p)
		return -ENOMEM;
	if (node->kind == CFG_NODE_MAP)
		node->entries = p;
	else
		node->items = p;
	node->cap = cap;
	return 0;
}

static int seq_push(struct cfg_node *seq, struct cfg_node *item)
{
	if (grow(seq))
		return -ENOMEM;
	seq->items[seq->n++] = item;
	return 0;
}

/* Takes ownership of key on success. */
static int map_push(struct cfg_node *map, char *key, unsigned line, unsigned col,
		    struct cfg_node *val)
{
	if (grow(map))
		return -ENOMEM;
	map->entries[map->n].key = key;
	map->entries[map->n].line = line;
	map->entries[map->n].col = col;
	map->entries[map->n].val = val;
	map->n++;
	return 0;
}

static struct cfg_entry *map_find(const struct cfg_node *map, const char *key)
{
	size_t i;

	for (i = 0; i < map->n; i++)
		if (strcmp(map->entries[i].key, key) == 0)
			return &map->entries[i];
	return NULL;
}

/* Deep copy for aliases; *budget counts nodes still allowed. NULL on ENOMEM or budget. */
static struct cfg_node *node_clone(const struct cfg_node *src, size_t *budget)
{
	struct cfg_node *dst;
	size_t i;

	if (*budget == 0)
		return NULL;
	(*budget)--;
	dst = node_new(src->kind, src->file, src->line, src->col);
	if (!dst)
		return NULL;
	if (src->text && !(dst->text = strdup(src->text)))
		goto fail;
	for (i = 0; i < src->n; i++) {
		if (src->kind == CFG_NODE_MAP) {
			const struct cfg_entry *e = &src->entries[i];
			char *key = strdup(e->key);
			struct cfg_node *v = key ? node_clone(e->val, budget) : NULL;

			if (!v || map_push(dst, key, e->line, e->col, v)) {
				free(key);
				node_free(v);
				goto fail;
			}
		} else {
			struct cfg_node *v = node_clone(src->items[i], budget);

			if (!v || seq_push(dst, v)) {
				node_free(v);
				goto fail;
			}
		}
	}
	return dst;
fail:
	node_free(dst);
	return NULL;
}

/* ---- parsing ---- */

struct anchor {
	char *name;
	const struct cfg_node *node;
};

struct parse {
	struct cfg *cfg;
	yaml_parser_t parser;
	const char *file; /* interned */
	const unsigned char *buf;
	size_t len;
	bool expand_env; /* values from files: ${VAR}; -o values: verbatim */
	struct anchor *anchors;
	size_t n_anchors, cap_anchors;
	size_t nodes; /* created so far, alias copies included */
	int err;      /* first error (negative errno) */
};

static void parse_error_at(struct parse *ps, unsigned line, unsigned col, const char *fmt, ...)
	__attribute__((format(printf, 4, 5)));

static void parse_error_at(struct parse *ps, unsigned line, unsigned col, const char *fmt, ...)
{
	char msg[768], pos[PATH_MAX + 64];
	va_list ap;

	if (ps->err)
		return; /* report the first error only: the rest follow from it */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ps->err = -EINVAL;
	diag(ps->cfg, CFG_DIAG_ERROR, "%s: error: %s", where(ps->file, line, col, pos, sizeof(pos)),
	     msg);
}

static void parse_nomem(struct parse *ps)
{
	if (ps->err)
		return;
	ps->err = -ENOMEM;
	diag(ps->cfg, CFG_DIAG_ERROR, "%s: error: out of memory", ps->file);
}

/* Line and column (1-based, in characters) of a byte offset of the input. */
static void offset_pos(const struct parse *ps, size_t off, unsigned *line, unsigned *col)
{
	size_t i;

	*line = 1;
	*col = 1;
	if (off > ps->len)
		off = ps->len;
	for (i = 0; i < off; i++) {
		if (ps->buf[i] == '\n') {
			(*line)++;
			*col = 1;
		} else if ((ps->buf[i] & 0xc0) != 0x80) {
			(*col)++;
		}
	}
}

static void libyaml_error(struct parse *ps)
{
	const yaml_parser_t *p = &ps->parser;
	unsigned line, col;
	char ctx[256] = "";

	if (p->error == YAML_MEMORY_ERROR) {
		parse_nomem(ps);
		return;
	}
	if (p->error == YAML_READER_ERROR) {
		/* reader errors (invalid UTF-8, control characters) carry a byte offset only */
		offset_pos(ps, p->problem_offset, &line, &col);
		if (p->problem_value != -1)
			parse_error_at(ps, line, col, "%s (byte 0x%02x at offset %zu)",
				       p->problem ? p->problem : "invalid input",
				       (unsigned)p->problem_value & 0xffu, p->problem_offset);
		else
			parse_error_at(ps, line, col, "%s (at offset %zu)",
				       p->problem ? p->problem : "invalid input",
				       p->problem_offset);
		return;
	}
	if (p->context)
		snprintf(ctx, sizeof(ctx), " (%s at line %zu, column %zu)", p->context,
			 p->context_mark.line + 1, p->context_mark.column + 1);
	parse_error_at(ps, (unsigned)p->problem_mark.line + 1, (unsigned)p->problem_mark.column + 1,
		       "%s%s", p->problem ? p->problem : "invalid YAML", ctx);
}

static int next_event(struct parse *ps, yaml_event_t *ev)
{
	if (!yaml_parser_parse(&ps->parser, ev)) {
		libyaml_error(ps);
		return ps->err ? ps->err : -EINVAL;
	}
	return 0;
}

/* Falco's ${VAR} expansion: ${NAME} -> value or "", $${ -> literal ${. */
static char *expand_env(const char *s)
{
	size_t cap = strlen(s) + 1, o = 0;
	char *out = malloc(cap);
	const char *p = s;

	if (!out)
		return NULL;
#define PUT(str, n)                                                                                \
	do {                                                                                       \
		size_t n_ = (n);                                                                   \
		if (o + n_ + 1 > cap) {                                                            \
			char *t_;                                                                  \
			while (o + n_ + 1 > cap)                                                   \
				cap *= 2;                                                          \
			t_ = realloc(out, cap);                                                    \
			if (!t_) {                                                                 \
				free(out);                                                         \
				return NULL;                                                       \
			}                                                                          \
			out = t_;                                                                  \
		}                                                                                  \
		memcpy(out + o, (str), n_);                                                        \
		o += n_;                                                                           \
	} while (0)
	while (*p) {
		if (p[0] == '$' && p[1] == '$' && p[2] == '{' && strchr(p + 3, '}')) {
			PUT("${", 2);
			p += 3;
		} else if (p[0] == '$' && p[1] == '{') {
			const char *end = strchr(p + 2, '}');
			char name[256];
			const char *val;

			if (!end) {
				PUT(p, strlen(p));
				break;
			}
			if ((size_t)(end - p - 2) < sizeof(name)) {
				memcpy(name, p + 2, (size_t)(end - p - 2));
				name[end - p - 2] = '\0';
				val = getenv(name);
				if (val)
					PUT(val, strlen(val));
			}
			p = end + 1;
		} else {
			PUT(p, 1);
			p++;
		}
	}
#undef PUT
	out[o] = '\0';
	return out;
}

static bool is_null_text(const char *s)
{
	return !*s || !strcmp(s, "~") || !strcmp(s, "null") || !strcmp(s, "Null") ||
	       !strcmp(s, "NULL");
}

static int add_anchor(struct parse *ps, const yaml_char_t *name, const struct cfg_node *node)
{
	struct anchor *a;

	if (!name)
		return 0;
	if (ps->n_anchors == ps->cap_anchors) {
		size_t cap = ps->cap_anchors ? ps->cap_anchors * 2 : 8;

		a = reallocarray(ps->anchors, cap, sizeof(*a));
		if (!a)
			return -ENOMEM;
		ps->anchors = a;
		ps->cap_anchors = cap;
	}
	a = &ps->anchors[ps->n_anchors];
	a->name = strdup((const char *)name);
	if (!a->name)
		return -ENOMEM;
	a->node = node;
	ps->n_anchors++;
	return 0;
}

static bool count_node(struct parse *ps, const yaml_mark_t *m)
{
	if (++ps->nodes <= CFG_MAX_NODES)
		return true;
	parse_error_at(ps, (unsigned)m->line + 1, (unsigned)m->column + 1,
		       "too many nodes (more than %u, aliases expanded)", CFG_MAX_NODES);
	return false;
}

static struct cfg_node *parse_node(struct parse *ps, yaml_event_t *ev, unsigned depth);

struct key_ref {
	const struct cfg_entry *e;
	size_t idx;
};

static int key_ref_cmp(const void *a, const void *b)
{
	const struct key_ref *x = a, *y = b;
	int c = strcmp(x->e->key, y->e->key);

	if (c)
		return c;
	return x->idx < y->idx ? -1 : x->idx > y->idx;
}

/* Duplicate keys in one mapping: error at the second, naming the first. O(n log n). */
static void check_duplicates(struct parse *ps, const struct cfg_node *map)
{
	struct key_ref *refs;
	size_t i, best = SIZE_MAX;
	char tmp[160], pos[PATH_MAX + 64];

	if (map->n < 2)
		return;
	refs = malloc(map->n * sizeof(*refs));
	if (!refs) {
		parse_nomem(ps);
		return;
	}
	for (i = 0; i < map->n; i++) {
		refs[i].e = &map->entries[i];
		refs[i].idx = i;
	}
	qsort(refs, map->n, sizeof(*refs), key_ref_cmp);
	/* report the duplicate that appears first in the file */
	for (i = 1; i < map->n; i++)
		if (!strcmp(refs[i].e->key, refs[i - 1].e->key) &&
		    (best == SIZE_MAX || refs[i].idx < refs[best].idx))
			best = i;
	if (best != SIZE_MAX) {
		const struct cfg_entry *first = refs[best - 1].e, *dup = refs[best].e;

		parse_error_at(ps, dup->line, dup->col, "duplicate key '%s' (first defined at %s)",
			       printable(dup->key, tmp, sizeof(tmp)),
			       where(ps->file, first->line, first->col, pos, sizeof(pos)));
	}
	free(refs);
}

static struct cfg_node *parse_mapping(struct parse *ps, struct cfg_node *map, unsigned depth)
{
	yaml_event_t kev, vev;

	for (;;) {
		struct cfg_node *val;
		char *key;
		unsigned kl, kc;

		if (next_event(ps, &kev))
			goto fail;
		if (kev.type == YAML_MAPPING_END_EVENT) {
			yaml_event_delete(&kev);
			break;
		}
		kl = (unsigned)kev.start_mark.line + 1;
		kc = (unsigned)kev.start_mark.column + 1;
		if (kev.type != YAML_SCALAR_EVENT) {
			parse_error_at(ps, kl, kc, "a mapping key must be a plain string");
			yaml_event_delete(&kev);
			goto fail;
		}
		if (memchr(kev.data.scalar.value, '\0', kev.data.scalar.length)) {
			parse_error_at(ps, kl, kc, "NUL character in a key");
			yaml_event_delete(&kev);
			goto fail;
		}
		key = strdup((const char *)kev.data.scalar.value);
		yaml_event_delete(&kev);
		if (!key) {
			parse_nomem(ps);
			goto fail;
		}
		if (next_event(ps, &vev)) {
			free(key);
			goto fail;
		}
		val = parse_node(ps, &vev, depth + 1);
		if (!val) {
			free(key);
			goto fail;
		}
		if (map_push(map, key, kl, kc, val)) {
			free(key);
			node_free(val);
			parse_nomem(ps);
			goto fail;
		}
	}
	check_duplicates(ps, map);
	if (ps->err)
		goto fail;
	return map;
fail:
	node_free(map);
	return NULL;
}

static struct cfg_node *parse_sequence(struct parse *ps, struct cfg_node *seq, unsigned depth)
{
	yaml_event_t ev;

	for (;;) {
		struct cfg_node *item;

		if (next_event(ps, &ev))
			goto fail;
		if (ev.type == YAML_SEQUENCE_END_EVENT) {
			yaml_event_delete(&ev);
			break;
		}
		item = parse_node(ps, &ev, depth + 1);
		if (!item)
			goto fail;
		if (seq_push(seq, item)) {
			node_free(item);
			parse_nomem(ps);
			goto fail;
		}
	}
	return seq;
fail:
	node_free(seq);
	return NULL;
}

/* Builds the node that starts with *ev (consumed). NULL on error (reported). */
static struct cfg_node *parse_node(struct parse *ps, yaml_event_t *ev, unsigned depth)
{
	unsigned line = (unsigned)ev->start_mark.line + 1,
		 col = (unsigned)ev->start_mark.column + 1;
	struct cfg_node *node = NULL;
	yaml_char_t *anchor = NULL;
	size_t i;

	if (!count_node(ps, &ev->start_mark))
		goto out;
	switch (ev->type) {
	case YAML_SCALAR_EVENT: {
		const char *text = (const char *)ev->data.scalar.value;
		bool plain = ev->data.scalar.style == YAML_PLAIN_SCALAR_STYLE;

		anchor = ev->data.scalar.anchor;
		if (memchr(text, '\0', ev->data.scalar.length)) {
			parse_error_at(ps, line, col, "NUL character in a value");
			goto out;
		}
		node = node_new(plain && is_null_text(text) ? CFG_NODE_NULL : CFG_NODE_SCALAR,
				ps->file, line, col);
		if (!node)
			break;
		if (node->kind == CFG_NODE_SCALAR) {
			node->text = ps->expand_env ? expand_env(text) : strdup(text);
			if (!node->text) {
				node_free(node);
				node = NULL;
			}
		}
		break;
	}
	case YAML_ALIAS_EVENT: {
		const char *name = (const char *)ev->data.alias.anchor;
		size_t budget = CFG_MAX_NODES - ps->nodes + 1, before = budget;

		for (i = ps->n_anchors; i-- > 0;)
			if (!strcmp(ps->anchors[i].name, name))
				break;
		if (i == SIZE_MAX) {
			char tmp[160];

			parse_error_at(ps, line, col, "undefined alias '%s'",
				       printable(name, tmp, sizeof(tmp)));
			goto out;
		}
		ps->nodes--; /* the copy is counted below */
		node = node_clone(ps->anchors[i].node, &budget);
		ps->nodes += before - budget;
		if (!node && budget == 0) {
			parse_error_at(ps, line, col,
				       "alias '%s' expands to too many nodes (limit %u)", name,
				       CFG_MAX_NODES);
			goto out;
		}
		if (node) {
			node->line = line; /* errors about the copy point at the alias */
			node->col = col;
		}
		break;
	}
	case YAML_MAPPING_START_EVENT:
	case YAML_SEQUENCE_START_EVENT: {
		bool is_map = ev->type == YAML_MAPPING_START_EVENT;

		anchor = is_map ? ev->data.mapping_start.anchor : ev->data.sequence_start.anchor;
		if (depth >= CFG_MAX_DEPTH) {
			parse_error_at(ps, line, col, "nesting deeper than %u levels",
				       CFG_MAX_DEPTH);
			goto out;
		}
		node = node_new(is_map ? CFG_NODE_MAP : CFG_NODE_SEQ, ps->file, line, col);
		if (!node)
			break;
		/* anchor name is owned by ev: register the anchor before freeing it */
		if (anchor) {
			yaml_char_t *a = (yaml_char_t *)strdup((const char *)anchor);

			yaml_event_delete(ev);
			ev->type = YAML_NO_EVENT;
			if (!a) {
				node_free(node);
				node = NULL;
				break;
			}
			node = is_map ? parse_mapping(ps, node, depth)
				      : parse_sequence(ps, node, depth);
			if (node && add_anchor(ps, a, node)) {
				free(a);
				node_free(node);
				parse_nomem(ps);
				return NULL;
			}
			free(a);
			return node;
		}
		yaml_event_delete(ev);
		ev->type = YAML_NO_EVENT;
		return is_map ? parse_mapping(ps, node, depth) : parse_sequence(ps, node, depth);
	}
	default:
		parse_error_at(ps, line, col, "unexpected YAML event");
		goto out;
	}
	if (!node) {
		parse_nomem(ps);
		goto out;
	}
	if (anchor && add_anchor(ps, anchor, node)) {
		parse_nomem(ps);
		node_free(node);
		node = NULL;
	}
out:
	yaml_event_delete(ev);
	return node;
}

/*
 * Parses one YAML document from buf. Returns the root (a CFG_NODE_NULL for an
 * empty document) or NULL (error reported, *err set).
 */
static struct cfg_node *parse_buffer(struct cfg *cfg, const char *file, const void *buf, size_t len,
				     bool expand, bool any_root, int *err)
{
	struct parse ps = {.cfg = cfg, .buf = buf, .len = len, .expand_env = expand};
	struct cfg_node *root = NULL;
	yaml_event_t ev;
	size_t i;

	ps.file = intern(cfg, file);
	if (!ps.file) {
		*err = -ENOMEM;
		return NULL;
	}
	if (!yaml_parser_initialize(&ps.parser)) {
		*err = -ENOMEM;
		return NULL;
	}
	yaml_parser_set_input_string(&ps.parser, buf, len);
	if (next_event(&ps, &ev))
		goto out; /* STREAM_START */
	yaml_event_delete(&ev);
	if (next_event(&ps, &ev))
		goto out;
	if (ev.type == YAML_STREAM_END_EVENT) {
		yaml_event_delete(&ev);
		root = node_new(CFG_NODE_NULL, ps.file, 1, 1);
		if (!root)
			parse_nomem(&ps);
		goto out;
	}
	yaml_event_delete(&ev); /* DOCUMENT_START */
	if (next_event(&ps, &ev))
		goto out;
	root = parse_node(&ps, &ev, 0);
	if (!root)
		goto out;
	if (!any_root && root->kind != CFG_NODE_MAP && root->kind != CFG_NODE_NULL) {
		parse_error_at(&ps, root->line, root->col,
			       "the top level of a configuration must be a mapping (key: value)");
		goto out;
	}
	if (next_event(&ps, &ev))
		goto out; /* DOCUMENT_END */
	yaml_event_delete(&ev);
	if (next_event(&ps, &ev))
		goto out;
	if (ev.type != YAML_STREAM_END_EVENT)
		parse_error_at(&ps, (unsigned)ev.start_mark.line + 1,
			       (unsigned)ev.start_mark.column + 1,
			       "more than one YAML document: a configuration is one document");
	yaml_event_delete(&ev);
out:
	for (i = 0; i < ps.n_anchors; i++)
		free(ps.anchors[i].name);
	free(ps.anchors);
	yaml_parser_delete(&ps.parser);
	if (ps.err) {
		node_free(root);
		*err = ps.err;
		return NULL;
	}
	return root;
}

/* Reads a whole file, at most CFG_MAX_FILE_SIZE bytes. */
static int read_file(struct cfg *cfg, const char *path, char **out, size_t *len)
{
	size_t cap = 0, n = 0;
	char *buf = NULL;
	int fd, rc = 0;
	struct stat st;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		rc = -errno;
		diag(cfg, CFG_DIAG_ERROR, "%s: error: cannot open configuration file: %s", path,
		     strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		diag(cfg, CFG_DIAG_ERROR, "%s: error: is a directory, not a configuration file",
		     path);
		close(fd);
		return -EISDIR;
	}
	for (;;) {
		ssize_t r;

		if (n == cap) {
			char *t;

			cap = cap ? cap * 2 : 65536;
			if (cap > CFG_MAX_FILE_SIZE + 1)
				cap = CFG_MAX_FILE_SIZE + 1;
			if (n == cap) {
				diag(cfg, CFG_DIAG_ERROR,
				     "%s: error: configuration file larger than %u bytes", path,
				     CFG_MAX_FILE_SIZE);
				rc = -EFBIG;
				break;
			}
			t = realloc(buf, cap);
			if (!t) {
				rc = -ENOMEM;
				break;
			}
			buf = t;
		}
		r = read(fd, buf + n, cap - n);
		if (r < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			diag(cfg, CFG_DIAG_ERROR, "%s: error: read failed: %s", path,
			     strerror(errno));
			break;
		}
		if (r == 0)
			break;
		n += (size_t)r;
	}
	close(fd);
	if (rc) {
		free(buf);
		return rc;
	}
	*out = buf;
	*len = n;
	return 0;
}

static struct cfg_node *parse_file(struct cfg *cfg, const char *path, int *err)
{
	struct cfg_node *root;
	char *buf = NULL;
	size_t len = 0;

	*err = read_file(cfg, path, &buf, &len);
	if (*err)
		return NULL;
	root = parse_buffer(cfg, path, buf ? buf : "", len, true, false, err);
	free(buf);
	return root;
}

/* ---- public: life cycle and loading ---- */

struct cfg *cfg_new(void)
{
	struct cfg *cfg = calloc(1, sizeof(*cfg));

	if (!cfg)
		return NULL;
	cfg->diag = default_diag;
	return cfg;
}

void cfg_free(struct cfg *cfg)
{
	struct cfg_name *nm, *next;

	if (!cfg)
		return;
	node_free(cfg->root);
	for (nm = cfg->names; nm; nm = next) {
		next = nm->next;
		free(nm);
	}
	free(cfg);
}

void cfg_set_diag(struct cfg *cfg, cfg_diag_fn fn, void *ctx)
{
	cfg->diag = fn ? fn : default_diag;
	cfg->diag_ctx = fn ? ctx : NULL;
}

unsigned cfg_error_count(const struct cfg *cfg)
{
	return cfg->errors;
}

unsigned cfg_warning_count(const struct cfg *cfg)
{
	return cfg->warnings;
}

const char *cfg_last_error(const struct cfg *cfg)
{
	return cfg->last_error;
}

static int set_root(struct cfg *cfg, struct cfg_node *root)
{
	node_free(cfg->root);
	cfg->root = root;
	if (root->kind == CFG_NODE_NULL) /* empty file: an empty mapping */
		root->kind = CFG_NODE_MAP;
	return 0;
}

int cfg_load_buffer(struct cfg *cfg, const char *name, const void *buf, size_t len)
{
	struct cfg_node *root;
	int err = 0;

	if (len > CFG_MAX_FILE_SIZE) {
		diag(cfg, CFG_DIAG_ERROR, "%s: error: configuration larger than %u bytes", name,
		     CFG_MAX_FILE_SIZE);
		return -EFBIG;
	}
	root = parse_buffer(cfg, name, buf, len, true, false, &err);
	if (!root)
		return err;
	cfg->main_file = NULL;
	return set_root(cfg, root);
}

int cfg_load_file(struct cfg *cfg, const char *path)
{
	struct cfg_node *root;
	int err = 0;

	root = parse_file(cfg, path, &err);
	if (!root)
		return err;
	cfg->main_file = intern(cfg, path);
	return set_root(cfg, root);
}

/* ---- paths ---- */

/*
 * One step of a dotted path: a key (key != NULL, klen bytes) or an index
 * (idx; append when idx == SIZE_MAX, "[]"). Advances *p. Returns 1 for a
 * step, 0 at the end, -EINVAL on a malformed path.
 */
struct step {
	const char *key;
	size_t klen;
	size_t idx;
};

static int next_step(const char **p, bool first, struct step *st)
{
	const char *s = *p;

	if (!*s)
		return 0;
	if (*s == '[') {
		char *end;
		unsigned long long v;

		st->key = NULL;
		if (s[1] == ']') {
			st->idx = SIZE_MAX;
			*p = s + 2;
			return 1;
		}
		if (!isdigit((unsigned char)s[1]))
			return -EINVAL;
		errno = 0;
		v = strtoull(s + 1, &end, 10);
		if (errno || *end != ']' || v >= SIZE_MAX)
			return -EINVAL;
		st->idx = (size_t)v;
		*p = end + 1;
		return 1;
	}
	if (!first) {
		if (*s != '.')
			return -EINVAL;
		s++;
	}
	st->key = s;
	st->idx = 0;
	while (*s && *s != '.' && *s != '[')
		s++;
	st->klen = (size_t)(s - st->key);
	if (st->klen == 0)
		return -EINVAL;
	*p = s;
	return 1;
}

static struct cfg_entry *map_findn(const struct cfg_node *map, const char *key, size_t klen)
{
	size_t i;

	for (i = 0; i < map->n; i++)
		if (strlen(map->entries[i].key) == klen && !memcmp(map->entries[i].key, key, klen))
			return &map->entries[i];
	return NULL;
}

/*
 * The node at path below base, NULL when absent. A step through a scalar or
 * a list/mapping mismatch is a type error (reported, *err = -EINVAL).
 */
static const struct cfg_node *lookup(struct cfg *cfg, const struct cfg_node *base, const char *path,
				     int *err)
{
	const struct cfg_node *node = base ? base : cfg->root;
	const char *p = path;
	struct step st;
	bool first = true;
	int r;
	char tmp[64], ptmp[160];

	*err = 0;
	if (!node)
		return NULL;
	while ((r = next_step(&p, first, &st)) > 0) {
		first = false;
		if (node->kind == CFG_NODE_NULL)
			return NULL;
		if (st.key) {
			const struct cfg_entry *e;

			if (node->kind != CFG_NODE_MAP) {
				node_error(cfg, node, "%s: expected a mapping above '%.*s', got %s",
					   printable(path, ptmp, sizeof(ptmp)), (int)st.klen,
					   st.key, describe(node, tmp, sizeof(tmp)));
				*err = -EINVAL;
				return NULL;
			}
			e = map_findn(node, st.key, st.klen);
			if (!e)
				return NULL;
			node = e->val;
		} else {
			if (node->kind != CFG_NODE_SEQ || st.idx == SIZE_MAX) {
				if (st.idx == SIZE_MAX)
					break;
				node_error(cfg, node, "%s: expected a list, got %s",
					   printable(path, ptmp, sizeof(ptmp)),
					   describe(node, tmp, sizeof(tmp)));
				*err = -EINVAL;
				return NULL;
			}
			if (st.idx >= node->n)
				return NULL;
			node = node->items[st.idx];
		}
	}
	if (r < 0 || st.idx == SIZE_MAX) {
		diag(cfg, CFG_DIAG_ERROR, "error: malformed configuration path '%s'",
		     printable(path, ptmp, sizeof(ptmp)));
		*err = -EINVAL;
		return NULL;
	}
	return node;
}

/* ---- scalar conversions ---- */

int cfg_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"y",	  "Y",	  "yes", "Yes", "YES", "true",
					  "True", "TRUE", "on",	 "On",	"ON"};
	static const char *const no[] = {"n",	  "N",	   "no",  "No",	 "NO", "false",
					 "False", "FALSE", "off", "Off", "OFF"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Magnitude and sign of an integer literal: [+-] (digits | 0x hex | 0o octal). */
static int parse_magnitude(const char *s, bool *neg, unsigned long long *mag)
{
	int base = 10;
	char *end;

	*neg = false;
	if (*s == '+' || *s == '-') {
		*neg = *s == '-';
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!isxdigit((unsigned char)*s))
			return -EINVAL;
	} else if (s[0] == '0' && s[1] == 'o') {
		base = 8;
		s += 2;
		if (*s < '0' || *s > '7')
			return -EINVAL;
	} else if (!isdigit((unsigned char)*s)) {
		return -EINVAL;
	}
	errno = 0;
	*mag = strtoull(s, &end, base);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	return 0;
}

int cfg_parse_int(const char *s, int64_t *out)
{
	unsigned long long mag;
	bool neg;
	int rc = parse_magnitude(s, &neg, &mag);

	if (rc)
		return rc;
	if (neg) {
		if (mag > (unsigned long long)INT64_MAX + 1)
			return -ERANGE;
		*out = mag == (unsigned long long)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > INT64_MAX)
			return -ERANGE;
		*out = (int64_t)mag;
	}
	return 0;
}

int cfg_parse_uint(const char *s, uint64_t *out)
{
	unsigned long long mag;
	bool neg;
	int rc = parse_magnitude(s, &neg, &mag);

	if (rc)
		return rc;
	if (neg && mag != 0)
		return -ERANGE;
	*out = mag;
	return 0;
}

int cfg_parse_double(const char *s, double *out)
{
	const char *p = s;
	char *end;
	double v;

	if (*p == '+' || *p == '-')
		p++;
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF")) {
		*out = *s == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	if (p == s && (!strcmp(p, ".nan") || !strcmp(p, ".NaN") || !strcmp(p, ".NAN"))) {
		*out = NAN;
		return 0;
	}
	/* only decimal forms: strtod alone would also take "inf", "nan", hex floats */
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL))
		return -ERANGE;
	*out = v;
	return 0;
}

/* ---- getters ---- */

/* The scalar at path, NULL when absent/null or on a (reported) type error. */
static const struct cfg_node *get_scalar(struct cfg *cfg, const struct cfg_node *base,
					 const char *path, const char *what)
{
	char tmp[160], ptmp[160];
	int err;
	const struct cfg_node *node = lookup(cfg, base, path, &err);

	if (!node || node->kind == CFG_NODE_NULL)
		return NULL;
	if (node->kind != CFG_NODE_SCALAR) {
		node_error(cfg, node, "%s: expected %s, got %s",
			   printable(path, ptmp, sizeof(ptmp)), what,
			   describe(node, tmp, sizeof(tmp)));
		return NULL;
	}
	return node;
}

bool cfg_node_get_bool(struct cfg *cfg, const struct cfg_node *base, const char *path, bool def)
{
	static const char what[] = "a boolean (true/false, yes/no, on/off)";
	const struct cfg_node *node = get_scalar(cfg, base, path, what);
	char tmp[160], ptmp[160];
	bool v;

	if (!node)
		return def;
	if (cfg_parse_bool(node->text, &v)) {
		node_error(cfg, node, "%s: expected %s, got %s",
			   printable(path, ptmp, sizeof(ptmp)), what,
			   describe(node, tmp, sizeof(tmp)));
		return def;
	}
	return v;
}

int64_t cfg_node_get_int(struct cfg *cfg, const struct cfg_node *base, const char *path,
			 int64_t def)
{
	const struct cfg_node *node = get_scalar(cfg, base, path, "an integer");
	char tmp[160], ptmp[160];
	int64_t v;
	int rc;

	if (!node)
		return def;
	rc = cfg_parse_int(node->text, &v);
	if (rc == -ERANGE) {
		node_error(cfg, node, "%s: integer %s out of range (%" PRId64 "..%" PRId64 ")",
			   printable(path, ptmp, sizeof(ptmp)), describe(node, tmp, sizeof(tmp)),
			   INT64_MIN, INT64_MAX);
		return def;
	}
	if (rc) {
		node_error(cfg, node, "%s: expected an integer, got %s",
			   printable(path, ptmp, sizeof(ptmp)), describe(node, tmp, sizeof(tmp)));
		return def;
	}
	return v;
}

uint64_t cfg_node_get_uint(struct cfg *cfg, const struct cfg_node *base, const char *path,
			   uint64_t def)
{
	const struct cfg_node *node = get_scalar(cfg, base, path, "a non-negative integer");
	char tmp[160], ptmp[160];
	uint64_t v;
	int rc;

	if (!node)
		return def;
	rc = cfg_parse_uint(node->text, &v);
	if (rc == -ERANGE && node->text[0] == '-') {
		node_error(cfg, node, "%s: expected a non-negative integer, got %s",
			   printable(path, ptmp, sizeof(ptmp)), describe(node, tmp, sizeof(tmp)));
		return def;
	}
	if (rc == -ERANGE) {
		node_error(cfg, node, "%s: integer %s out of range (0..%" PRIu64 ")",
			   printable(path, ptmp, sizeof(ptmp)), describe(node, tmp, sizeof(tmp)),
			   UINT64_MAX);
		return def;
	}
	if (rc) {
		node_error(cfg, node, "%s: expected a non-negative integer, got %s",
			   printable(path, ptmp, sizeof(ptmp)), describe(node, tmp, sizeof(tmp)));
		return def;
	}
	return v;
}

double cfg_node_get_double(struct cfg *cfg, const struct cfg_node *base, const char *path,
			   double def)
{
	const struct cfg_node *node = get_scalar(cfg, base, path, "a number");
	char tmp[160], ptmp[160];
	double v;
	int rc;

	if (!node)
		return def;
	rc = cfg_parse_double(node->text, &v);
	if (rc == -ERANGE) {
		node_error(cfg, node, "%s: number %s out of range",
			   printable(path, ptmp, sizeof(ptmp)), describe(node, tmp, sizeof(tmp)));
		return def;
	}
	if (rc) {
		node_error(cfg, node, "%s: expected a number, got %s",
			   printable(path, ptmp, sizeof(ptmp)), describe(node, tmp, sizeof(tmp)));
		return def;
	}
	return v;
}

const char *cfg_node_get_string(struct cfg *cfg, const struct cfg_node *base, const char *path,
				const char *def)
{
	const struct cfg_node *node = get_scalar(cfg, base, path, "a string");

	return node ? node->text : def;
}

int cfg_node_get_strlist(struct cfg *cfg, const struct cfg_node *base, const char *path,
			 const char ***out, size_t *n)
{
	char tmp[160], ptmp[160];
	const struct cfg_node *node;
	const char **v;
	size_t i;
	int err;

	*out = NULL;
	*n = 0;
	node = lookup(cfg, base, path, &err);
	if (err)
		return err;
	if (!node || node->kind == CFG_NODE_NULL)
		return 0;
	if (node->kind == CFG_NODE_SCALAR) {
		v = malloc(sizeof(*v));
		if (!v)
			return -ENOMEM;
		v[0] = node->text;
		*out = v;
		*n = 1;
		return 0;
	}
	if (node->kind != CFG_NODE_SEQ) {
		node_error(cfg, node, "%s: expected a list of strings, got %s",
			   printable(path, ptmp, sizeof(ptmp)), describe(node, tmp, sizeof(tmp)));
		return -EINVAL;
	}
	for (i = 0; i < node->n; i++) {
		if (node->items[i]->kind != CFG_NODE_SCALAR) {
			node_error(cfg, node->items[i], "%s[%zu]: expected a string, got %s",
				   printable(path, ptmp, sizeof(ptmp)), i,
				   describe(node->items[i], tmp, sizeof(tmp)));
			return -EINVAL;
		}
	}
	if (node->n == 0)
		return 0;
	v = malloc(node->n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < node->n; i++)
		v[i] = node->items[i]->text;
	*out = v;
	*n = node->n;
	return 0;
}

bool cfg_get_bool(struct cfg *cfg, const char *path, bool def)
{
	return cfg_node_get_bool(cfg, NULL, path, def);
}

int64_t cfg_get_int(struct cfg *cfg, const char *path, int64_t def)
{
	return cfg_node_get_int(cfg, NULL, path, def);
}

uint64_t cfg_get_uint(struct cfg *cfg, const char *path, uint64_t def)
{
	return cfg_node_get_uint(cfg, NULL, path, def);
}

double cfg_get_double(struct cfg *cfg, const char *path, double def)
{
	return cfg_node_get_double(cfg, NULL, path, def);
}

const char *cfg_get_string(struct cfg *cfg, const char *path, const char *def)
{
	return cfg_node_get_string(cfg, NULL, path, def);
}

int cfg_get_strlist(struct cfg *cfg, const char *path, const char ***out, size_t *n)
{
	return cfg_node_get_strlist(cfg, NULL, path, out, n);
}

int cfg_get_enum(struct cfg *cfg, const char *path, const char *const *names, int def)
{
	const struct cfg_node *node = get_scalar(cfg, NULL, path, "a name");
	char list[512], tmp[160], ptmp[160];
	size_t o = 0;
	int i;

	if (!node)
		return def;
	for (i = 0; names[i]; i++)
		if (!strcasecmp(node->text, names[i]))
			return i;
	list[0] = '\0';
	for (i = 0; names[i] && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", names[i]);
	node_error(cfg, node, "%s: %s is not one of: %s", printable(path, ptmp, sizeof(ptmp)),
		   describe(node, tmp, sizeof(tmp)), list);
	return def;
}

bool cfg_has(struct cfg *cfg, const char *path)
{
	int err;

	return lookup(cfg, NULL, path, &err) != NULL;
}

const struct cfg_node *cfg_root(const struct cfg *cfg)
{
	return cfg->root;
}

const struct cfg_node *cfg_node_get(struct cfg *cfg, const struct cfg_node *base, const char *path)
{
	int err;

	if (!path || !*path)
		return base ? base : cfg->root;
	return lookup(cfg, base, path, &err);
}

enum cfg_node_kind cfg_node_kind(const struct cfg_node *node)
{
	return node ? node->kind : CFG_NODE_NULL;
}

size_t cfg_node_len(const struct cfg_node *node)
{
	return node && (node->kind == CFG_NODE_MAP || node->kind == CFG_NODE_SEQ) ? node->n : 0;
}

const struct cfg_node *cfg_node_at(const struct cfg_node *node, size_t i)
{
	if (!node || i >= cfg_node_len(node))
		return NULL;
	return node->kind == CFG_NODE_MAP ? node->entries[i].val : node->items[i];
}

const char *cfg_node_key_at(const struct cfg_node *node, size_t i)
{
	if (!node || node->kind != CFG_NODE_MAP || i >= node->n)
		return NULL;
	return node->entries[i].key;
}

const char *cfg_node_scalar(const struct cfg_node *node)
{
	return node && node->kind == CFG_NODE_SCALAR ? node->text : NULL;
}

const char *cfg_node_file(const struct cfg_node *node)
{
	return node ? node->file : NULL;
}

unsigned cfg_node_line(const struct cfg_node *node)
{
	return node ? node->line : 0;
}

unsigned cfg_node_col(const struct cfg_node *node)
{
	return node ? node->col : 0;
}

/* ---- overrides ---- */

/* Empties node and makes it a mapping or a list (for a null being descended into). */
static void node_make(struct cfg_node *node, enum cfg_node_kind kind)
{
	free(node->text);
	node->text = NULL;
	node->kind = kind;
	node->n = node->cap = 0;
	node->entries = NULL;
}

int cfg_apply_override(struct cfg *cfg, const char *spec)
{
	const char *eq = strchr(spec, '='), *p, *value;
	char name[CFG_MAX_PATH + 64], tmp[160], kbuf[CFG_MAX_PATH + 1], pos[PATH_MAX + 64];
	struct cfg_node *node, *val = NULL, **slot = NULL;
	const char *file;
	struct step st;
	bool first = true;
	size_t vlen;
	int r, err = 0;

	snprintf(name, sizeof(name), "-o %s", printable(spec, tmp, sizeof(tmp)));
	if (!eq || eq == spec) {
		diag(cfg, CFG_DIAG_ERROR,
		     "%s: error: must be of the form key=value (key.subkey=value, key[N]=value, "
		     "key[]=value)",
		     name);
		return -EINVAL;
	}
	if ((size_t)(eq - spec) > CFG_MAX_PATH) {
		diag(cfg, CFG_DIAG_ERROR, "%s: error: key longer than %u bytes", name,
		     CFG_MAX_PATH);
		return -EINVAL;
	}
	memcpy(kbuf, spec, (size_t)(eq - spec));
	kbuf[eq - spec] = '\0';
	file = intern(cfg, name);
	if (!file)
		return -ENOMEM;
	if (!cfg->root) {
		cfg->root = node_new(CFG_NODE_MAP, file, 0, 0);
		if (!cfg->root)
			return -ENOMEM;
	}

	/* the value: a flow mapping/sequence is YAML, anything else one verbatim scalar */
	value = eq + 1;
	vlen = strlen(value);
	if (vlen >= 2 && ((value[0] == '{' && value[vlen - 1] == '}') ||
			  (value[0] == '[' && value[vlen - 1] == ']'))) {
		/* positions in the value: line 1, column within VALUE */
		val = parse_buffer(cfg, name, value, vlen, false, true, &err);
		if (!val)
			return err;
	} else {
		val = node_new(vlen ? CFG_NODE_SCALAR : CFG_NODE_NULL, file, 0, 0);
		if (!val || (vlen && !(val->text = strdup(value)))) {
			node_free(val);
			return -ENOMEM;
		}
	}

	/* walk (creating) to the slot the value goes into */
	node = cfg->root;
	p = kbuf;
	while ((r = next_step(&p, first, &st)) > 0) {
		first = false;
		if (st.key) {
			struct cfg_entry *e;
			char *key;

			if (node->kind == CFG_NODE_NULL)
				node_make(node, CFG_NODE_MAP);
			if (node->kind != CFG_NODE_MAP) {
				diag(cfg, CFG_DIAG_ERROR,
				     "%s: error: cannot set key '%.*s' inside %s (defined at %s)",
				     name, (int)st.klen, st.key, describe(node, tmp, sizeof(tmp)),
				     where(node->file, node->line, node->col, pos, sizeof(pos)));
				goto fail;
			}
			e = map_findn(node, st.key, st.klen);
			if (!e) {
				struct cfg_node *child = node_new(CFG_NODE_NULL, file, 0, 0);

				key = strndup(st.key, st.klen);
				if (!child || !key || map_push(node, key, 0, 0, child)) {
					free(key);
					node_free(child);
					err = -ENOMEM;
					goto fail;
				}
				e = &node->entries[node->n - 1];
			}
			slot = &e->val;
		} else {
			if (node->kind == CFG_NODE_NULL)
				node_make(node, CFG_NODE_SEQ);
			if (node->kind != CFG_NODE_SEQ) {
				diag(cfg, CFG_DIAG_ERROR,
				     "%s: error: cannot index %s (defined at %s) as a list", name,
				     describe(node, tmp, sizeof(tmp)),
				     where(node->file, node->line, node->col, pos, sizeof(pos)));
				goto fail;
			}
			if (st.idx == SIZE_MAX)
				st.idx = node->n;
			if (st.idx > node->n) {
				diag(cfg, CFG_DIAG_ERROR,
				     "%s: error: index %zu out of range (the list has %zu items)",
				     name, st.idx, node->n);
				goto fail;
			}
			if (st.idx == node->n) {
				struct cfg_node *child = node_new(CFG_NODE_NULL, file, 0, 0);

				if (!child || seq_push(node, child)) {
					node_free(child);
					err = -ENOMEM;
					goto fail;
				}
			}
			slot = &node->items[st.idx];
		}
		node = *slot;
	}
	if (r < 0 || !slot) {
		diag(cfg, CFG_DIAG_ERROR,
		     "%s: error: malformed key (expected key.subkey, key[N] or key[])", name);
		goto fail;
	}
	node_free(*slot);
	*slot = val;
	return 0;
fail:
	node_free(val);
	return err ? err : -EINVAL;
}

/* ---- config_files ---- */

enum merge_strategy { MERGE_APPEND, MERGE_OVERRIDE, MERGE_ADD_ONLY };

static int merge_root(struct cfg *cfg, struct cfg_node *inc, enum merge_strategy how)
{
	size_t i;

	for (i = 0; i < inc->n; i++) {
		struct cfg_entry *src = &inc->entries[i];
		struct cfg_entry *dst = map_find(cfg->root, src->key);

		if (!strcmp(src->key, "config_files")) {
			node_error(cfg, src->val,
				   "'config_files' in an included configuration file "
				   "(nested includes are not allowed)");
			return -EINVAL;
		}
		if (!dst) {
			if (map_push(cfg->root, src->key, src->line, src->col, src->val))
				return -ENOMEM;
		} else if (how == MERGE_ADD_ONLY) {
			free(src->key);
			node_free(src->val);
		} else if (how == MERGE_APPEND && src->val->kind == CFG_NODE_SEQ &&
			   dst->val->kind == CFG_NODE_SEQ) {
			size_t j;

			for (j = 0; j < src->val->n; j++) {
				if (seq_push(dst->val, src->val->items[j]))
					return -ENOMEM; /* items j.. still owned by src->val */
				src->val->items[j] = NULL;
			}
			free(src->key);
			node_free(src->val);
		} else {
			node_free(dst->val);
			dst->val = src->val;
			free(src->key);
		}
		src->key = NULL;
		src->val = NULL;
	}
	return 0;
}

static int include_file(struct cfg *cfg, const char *path, enum merge_strategy how, unsigned *count)
{
	struct cfg_node *inc;
	size_t i;
	int err = 0, rc;

	if (++*count > CFG_MAX_INCLUDES) {
		diag(cfg, CFG_DIAG_ERROR, "%s: error: more than %u included configuration files",
		     path, CFG_MAX_INCLUDES);
		return -EINVAL;
	}
	inc = parse_file(cfg, path, &err);
	if (!inc)
		return err;
	if (inc->kind == CFG_NODE_NULL) {
		node_free(inc);
		return 0;
	}
	rc = merge_root(cfg, inc, how);
	/* entries moved out are NULL; free what is left (on error) */
	for (i = 0; i < inc->n; i++) {
		free(inc->entries[i].key);
		node_free(inc->entries[i].val);
	}
	inc->n = 0;
	node_free(inc);
	return rc;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int include_dir(struct cfg *cfg, const char *dir, enum merge_strategy how, unsigned *count)
{
	DIR *d = opendir(dir);
	struct dirent *de;
	char **names = NULL;
	size_t n = 0, cap = 0, i;
	int rc = 0;

	if (!d) {
		diag(cfg, CFG_DIAG_ERROR, "%s: error: cannot read directory: %s", dir,
		     strerror(errno));
		return -errno;
	}
	while ((de = readdir(d))) {
		struct stat st;
		char *p;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&p, "%s/%s", dir, de->d_name) < 0) {
			rc = -ENOMEM;
			break;
		}
		if (stat(p, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(p);
			continue;
		}
		if (n == cap) {
			char **t;

			cap = cap ? cap * 2 : 16;
			t = reallocarray(names, cap, sizeof(*names));
			if (!t) {
				free(p);
				rc = -ENOMEM;
				break;
			}
			names = t;
		}
		names[n++] = p;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmp_str);
	for (i = 0; i < n; i++) {
		if (!rc)
			rc = include_file(cfg, names[i], how, count);
		free(names[i]);
	}
	free(names);
	return rc;
}

int cfg_include_config_files(struct cfg *cfg)
{
	const struct cfg_node *list;
	struct cfg_node *copy;
	unsigned count = 0;
	size_t i, budget = CFG_MAX_NODES;
	int err, rc = 0;

	if (!cfg->root)
		return 0;
	list = lookup(cfg, NULL, "config_files", &err);
	if (err)
		return err;
	if (!list || list->kind == CFG_NODE_NULL)
		return 0;
	if (list->kind == CFG_NODE_SCALAR) {
		/* one path, as get_sequence takes a scalar */
	} else if (list->kind != CFG_NODE_SEQ) {
		node_error(cfg, list, "config_files: expected a list of paths, got a mapping");
		return -EINVAL;
	}
	/* the root changes while merging: iterate over a copy of the list */
	copy = node_clone(list, &budget);
	if (!copy)
		return -ENOMEM;
	for (i = 0; i < (copy->kind == CFG_NODE_SEQ ? copy->n : 1) && !rc; i++) {
		const struct cfg_node *it = copy->kind == CFG_NODE_SEQ ? copy->items[i] : copy;
		enum merge_strategy how = MERGE_APPEND;
		const char *path = NULL;
		struct stat st;

		if (it->kind == CFG_NODE_SCALAR) {
			path = it->text;
		} else if (it->kind == CFG_NODE_MAP) {
			const struct cfg_entry *pe = map_find(it, "path"),
					       *se = map_find(it, "strategy");

			if (pe && pe->val->kind == CFG_NODE_SCALAR)
				path = pe->val->text;
			if (se && se->val->kind == CFG_NODE_SCALAR) {
				if (!strcmp(se->val->text, "append")) {
					how = MERGE_APPEND;
				} else if (!strcmp(se->val->text, "override")) {
					how = MERGE_OVERRIDE;
				} else if (!strcmp(se->val->text, "add-only")) {
					how = MERGE_ADD_ONLY;
				} else {
					node_error(cfg, se->val,
						   "config_files: unknown strategy '%s' (append, "
						   "override, add-only)",
						   se->val->text);
					rc = -EINVAL;
					break;
				}
			} else if (se && se->val->kind != CFG_NODE_NULL) {
				node_error(cfg, se->val, "config_files: strategy must be a string");
				rc = -EINVAL;
				break;
			}
		}
		if (!path) {
			if (it->kind == CFG_NODE_NULL)
				continue;
			node_error(
				cfg, it,
				"config_files: each item is a path or {path: ..., strategy: ...}");
			rc = -EINVAL;
			break;
		}
		if (cfg->main_file && !strcmp(path, cfg->main_file)) {
			node_error(cfg, it, "config_files: includes the main configuration file %s",
				   path);
			rc = -EINVAL;
			break;
		}
		if (stat(path, &st) != 0)
			continue; /* as Falco (and rules_files): a missing entry is skipped */
		if (S_ISDIR(st.st_mode))
			rc = include_dir(cfg, path, how, &count);
		else if (S_ISREG(st.st_mode))
			rc = include_file(cfg, path, how, &count);
	}
	node_free(copy);
	return rc;
}

/* ---- schema validation ---- */

static int schema_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct cfg_schema_key *)elem)->path);
}

const struct cfg_schema_key *cfg_schema_find(const char *path)
{
	return bsearch(path, cfg_schema, cfg_schema_len, sizeof(cfg_schema[0]), schema_cmp);
}

static const char *kind_name(enum cfg_kind k)
{
	switch (k) {
	case CFG_K_BOOL:
		return "a boolean (true/false, yes/no, on/off)";
	case CFG_K_INT:
		return "an integer";
	case CFG_K_UINT:
		return "a non-negative integer";
	case CFG_K_DOUBLE:
		return "a number";
	case CFG_K_MAP:
		return "a mapping";
	case CFG_K_SEQ:
		return "a list";
	default:
		return "a scalar";
	}
}

static void validate(struct cfg *cfg, const struct cfg_node *node, char *path, size_t plen,
		     enum cfg_kind kind);

/* Checks one value against its schema kind; recurses into lists and mappings. */
static void check_value(struct cfg *cfg, const struct cfg_node *node, char *path, size_t plen,
			enum cfg_kind kind)
{
	char tmp[160], ptmp[160];
	bool b;
	int64_t i;
	uint64_t u;
	double d;
	int rc = 0;

	if (node->kind == CFG_NODE_NULL || kind == CFG_K_ANY)
		return;
	switch (kind) {
	case CFG_K_MAP:
		if (node->kind != CFG_NODE_MAP)
			rc = -EINVAL;
		break;
	case CFG_K_SEQ:
		if (node->kind == CFG_NODE_SCALAR) {
			/* a scalar stands for a list of one, if the items are scalars */
			const struct cfg_schema_key *item;

			if (plen + 3 > CFG_MAX_PATH)
				return;
			memcpy(path + plen, "[]", 3);
			item = cfg_schema_find(path);
			path[plen] = '\0';
			if (!item || item->kind == CFG_K_MAP || item->kind == CFG_K_SEQ)
				rc = -EINVAL;
			else
				check_value(cfg, node, path, plen, item->kind);
			return;
		}
		if (node->kind != CFG_NODE_SEQ)
			rc = -EINVAL;
		break;
	default:
		if (node->kind != CFG_NODE_SCALAR) {
			rc = -EINVAL;
			break;
		}
		if (kind == CFG_K_BOOL)
			rc = cfg_parse_bool(node->text, &b);
		else if (kind == CFG_K_INT)
			rc = cfg_parse_int(node->text, &i);
		else if (kind == CFG_K_UINT)
			rc = cfg_parse_uint(node->text, &u);
		else if (kind == CFG_K_DOUBLE)
			rc = cfg_parse_double(node->text, &d);
		break;
	}
	if (rc == -ERANGE && kind == CFG_K_UINT && node->text[0] == '-') {
		node_error(cfg, node, "%s: expected a non-negative integer, got %s",
			   printable(path, ptmp, sizeof(ptmp)), describe(node, tmp, sizeof(tmp)));
		return;
	}
	if (rc == -ERANGE) {
		node_error(cfg, node, "%s: %s out of range", printable(path, ptmp, sizeof(ptmp)),
			   describe(node, tmp, sizeof(tmp)));
		return;
	}
	if (rc) {
		node_error(cfg, node, "%s: expected %s, got %s",
			   printable(path, ptmp, sizeof(ptmp)), kind_name(kind),
			   describe(node, tmp, sizeof(tmp)));
		return;
	}
	if (kind == CFG_K_MAP || kind == CFG_K_SEQ)
		validate(cfg, node, path, plen, kind);
}

static void validate(struct cfg *cfg, const struct cfg_node *node, char *path, size_t plen,
		     enum cfg_kind kind)
{
	const struct cfg_schema_key *sk;
	char tmp[160], pos[PATH_MAX + 64];
	size_t i;

	if (kind == CFG_K_SEQ) {
		if (plen + 3 > CFG_MAX_PATH)
			return;
		memcpy(path + plen, "[]", 3);
		sk = cfg_schema_find(path);
		if (sk)
			for (i = 0; i < node->n; i++)
				check_value(cfg, node->items[i], path, plen + 2, sk->kind);
		path[plen] = '\0';
		return;
	}
	for (i = 0; i < node->n; i++) {
		const struct cfg_entry *e = &node->entries[i];
		size_t klen = strlen(e->key), nlen = plen + (plen ? 1 : 0) + klen;

		sk = NULL;
		if (nlen < CFG_MAX_PATH && !strpbrk(e->key, ".[")) {
			if (plen)
				path[plen] = '.';
			memcpy(path + plen + (plen ? 1 : 0), e->key, klen + 1);
			sk = cfg_schema_find(path);
		}
		if (!sk) {
			char full[CFG_MAX_PATH + 200];

			path[plen] = '\0';
			snprintf(full, sizeof(full), "%s%s%s", path, plen ? "." : "",
				 printable(e->key, tmp, sizeof(tmp)));
			diag(cfg, CFG_DIAG_WARNING, "%s: warning: unknown configuration key '%s'",
			     where(e->val->file, e->line, e->col, pos, sizeof(pos)), full);
			continue;
		}
		check_value(cfg, e->val, path, nlen, sk->kind);
		path[plen] = '\0';
	}
}

int cfg_validate(struct cfg *cfg)
{
	char path[CFG_MAX_PATH + 8] = "";
	unsigned before = cfg->errors;

	if (!cfg->root)
		return 0;
	validate(cfg, cfg->root, path, 0, CFG_K_MAP);
	return cfg->errors == before ? 0 : -EINVAL;
}

/* ---- all together ---- */

int cfg_load(struct cfg *cfg, const char *path, const char *const *overrides, size_t n_overrides)
{
	size_t i;
	int rc;

	rc = cfg_load_file(cfg, path);
	if (rc)
		return rc;
	/* as Falco: -o config_files... first, so that it chooses what gets included */
	for (i = 0; i < n_overrides; i++)
		if (!strncmp(overrides[i], "config_files", 12) &&
		    (rc = cfg_apply_override(cfg, overrides[i])))
			return rc;
	rc = cfg_include_config_files(cfg);
	if (rc)
		return rc;
	for (i = 0; i < n_overrides; i++)
		if (strncmp(overrides[i], "config_files", 12) &&
		    (rc = cfg_apply_override(cfg, overrides[i])))
			return rc;
	return cfg_validate(cfg);
}
