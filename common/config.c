/* config.c: the configuration tree: libyaml parsing with positions, limits, loading, config_files. */
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

#include "config_int.h"
#include "log.h"

/* ---- diagnostics ---- */

static void default_diag(void *ctx, enum cfg_diag_level level, const char *msg)
{
	(void)ctx;
	if (level == CFG_DIAG_ERROR)
		log_errorf("%s", msg);
	else
		log_warningf("%s", msg);
}

void cfgi_diag(struct cfg *cfg, enum cfg_diag_level level, const char *fmt, ...)
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
const char *cfgi_where(const char *file, unsigned line, unsigned col, char *buf, size_t n)
{
	if (line == 0)
		snprintf(buf, n, "%s", file);
	else
		snprintf(buf, n, "%s:%u:%u", file, line, col);
	return buf;
}

/* Node-located error: "FILE:LINE:COL: error: MSG". */
void cfgi_node_error(struct cfg *cfg, const struct cfg_node *node, const char *fmt, ...)
{
	char msg[768], pos[CFGI_POS_MAX];
	va_list ap;

	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	cfgi_diag(cfg, CFG_DIAG_ERROR, "%s: error: %s",
		  cfgi_where(node->file, node->line, node->col, pos, sizeof(pos)), msg);
}

/*
 * Makes untrusted text safe to print: at most ~120 bytes, non-printable bytes
 * as \xNN, so a hostile value cannot forge log lines or flood them.
 */
const char *cfgi_printable(const char *s, char *buf, size_t n)
{
	/* text that is not valid UTF-8 is shown with every non-ASCII byte escaped */
	bool raw8 = cfgi_utf8_valid((const unsigned char *)s);
	size_t o = 0;

	for (; *s && o + 8 < n; s++) {
		unsigned char c = (unsigned char)*s;

		if (o >= 120) {
			/* do not cut a character in two */
			if (raw8 && (c & 0xc0) == 0x80) {
				while (o > 0 && ((unsigned char)buf[o - 1] & 0xc0) == 0x80)
					o--;
				if (o > 0)
					o--;
			}
			memcpy(buf + o, "...", 3);
			o += 3;
			break;
		}
		if (c < 0x20 || c == 0x7f || c == '\\' || c == '\'' || (c >= 0x80 && !raw8))
			o += (size_t)snprintf(buf + o, n - o, "\\x%02x", c);
		else
			buf[o++] = (char)c;
	}
	buf[o] = '\0';
	return buf;
}

/* What a node is, for "expected X, got Y" messages. */
const char *cfgi_describe(const struct cfg_node *node, char *buf, size_t n)
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
		snprintf(buf, n, "'%s'", cfgi_printable(node->text, tmp, sizeof(tmp)));
		return buf;
	}
}

/* ---- tree ---- */

const char *cfgi_intern(struct cfg *cfg, const char *name)
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

void cfgi_node_free(struct cfg_node *node)
{
	size_t i;

	if (!node)
		return;
	if (node->kind == CFG_NODE_MAP) {
		for (i = 0; i < node->n; i++) {
			free(node->entries[i].key);
			cfgi_node_free(node->entries[i].val);
		}
		free(node->entries);
	} else if (node->kind == CFG_NODE_SEQ) {
		for (i = 0; i < node->n; i++)
			cfgi_node_free(node->items[i]);
		free(node->items);
	}
	free(node->text);
	free(node);
}

struct cfg_node *cfgi_node_new(enum cfg_node_kind kind, const char *file, unsigned line,
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

int cfgi_seq_push(struct cfg_node *seq, struct cfg_node *item)
{
	if (grow(seq))
		return -ENOMEM;
	seq->items[seq->n++] = item;
	return 0;
}

/* Takes ownership of key on success. */
int cfgi_map_push(struct cfg_node *map, char *key, unsigned line, unsigned col,
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

struct cfg_entry *cfgi_map_find(const struct cfg_node *map, const char *key)
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
	dst = cfgi_node_new(src->kind, src->file, src->line, src->col);
	if (!dst)
		return NULL;
	if (src->text && !(dst->text = strdup(src->text)))
		goto fail;
	for (i = 0; i < src->n; i++) {
		if (src->kind == CFG_NODE_MAP) {
			const struct cfg_entry *e = &src->entries[i];
			char *key = strdup(e->key);
			struct cfg_node *v = key ? node_clone(e->val, budget) : NULL;

			if (!v || cfgi_map_push(dst, key, e->line, e->col, v)) {
				free(key);
				cfgi_node_free(v);
				goto fail;
			}
		} else {
			struct cfg_node *v = node_clone(src->items[i], budget);

			if (!v || cfgi_seq_push(dst, v)) {
				cfgi_node_free(v);
				goto fail;
			}
		}
	}
	return dst;
fail:
	cfgi_node_free(dst);
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
	char msg[768], pos[CFGI_POS_MAX];
	va_list ap;

	if (ps->err)
		return; /* report the first error only: the rest follow from it */
	va_start(ap, fmt);
	vsnprintf(msg, sizeof(msg), fmt, ap);
	va_end(ap);
	ps->err = -EINVAL;
	cfgi_diag(ps->cfg, CFG_DIAG_ERROR, "%s: error: %s",
		  cfgi_where(ps->file, line, col, pos, sizeof(pos)), msg);
}

static void parse_nomem(struct parse *ps)
{
	if (ps->err)
		return;
	ps->err = -ENOMEM;
	cfgi_diag(ps->cfg, CFG_DIAG_ERROR, "%s: error: out of memory", ps->file);
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
	char tmp[160], pos[CFGI_POS_MAX];

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
			       cfgi_printable(dup->key, tmp, sizeof(tmp)),
			       cfgi_where(ps->file, first->line, first->col, pos, sizeof(pos)));
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
		if (cfgi_map_push(map, key, kl, kc, val)) {
			free(key);
			cfgi_node_free(val);
			parse_nomem(ps);
			goto fail;
		}
	}
	check_duplicates(ps, map);
	if (ps->err)
		goto fail;
	return map;
fail:
	cfgi_node_free(map);
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
		if (cfgi_seq_push(seq, item)) {
			cfgi_node_free(item);
			parse_nomem(ps);
			goto fail;
		}
	}
	return seq;
fail:
	cfgi_node_free(seq);
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
		node = cfgi_node_new(plain && is_null_text(text) ? CFG_NODE_NULL : CFG_NODE_SCALAR,
				     ps->file, line, col);
		if (!node)
			break;
		if (node->kind == CFG_NODE_SCALAR) {
			node->text = ps->expand_env ? expand_env(text) : strdup(text);
			if (!node->text) {
				cfgi_node_free(node);
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
				       cfgi_printable(name, tmp, sizeof(tmp)));
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
		node = cfgi_node_new(is_map ? CFG_NODE_MAP : CFG_NODE_SEQ, ps->file, line, col);
		if (!node)
			break;
		/* anchor name is owned by ev: register the anchor before freeing it */
		if (anchor) {
			yaml_char_t *a = (yaml_char_t *)strdup((const char *)anchor);

			yaml_event_delete(ev);
			ev->type = YAML_NO_EVENT;
			if (!a) {
				cfgi_node_free(node);
				node = NULL;
				break;
			}
			node = is_map ? parse_mapping(ps, node, depth)
				      : parse_sequence(ps, node, depth);
			if (node && add_anchor(ps, a, node)) {
				free(a);
				cfgi_node_free(node);
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
		cfgi_node_free(node);
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
struct cfg_node *cfgi_parse_buffer(struct cfg *cfg, const char *file, const void *buf, size_t len,
				   bool expand, bool any_root, int *err)
{
	struct parse ps = {.cfg = cfg, .buf = buf, .len = len, .expand_env = expand};
	struct cfg_node *root = NULL;
	yaml_event_t ev;
	size_t i;

	ps.file = cfgi_intern(cfg, file);
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
		root = cfgi_node_new(CFG_NODE_NULL, ps.file, 1, 1);
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
		cfgi_node_free(root);
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
		cfgi_diag(cfg, CFG_DIAG_ERROR, "%s: error: cannot open configuration file: %s",
			  path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &st) == 0 && S_ISDIR(st.st_mode)) {
		cfgi_diag(cfg, CFG_DIAG_ERROR,
			  "%s: error: is a directory, not a configuration file", path);
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
				cfgi_diag(cfg, CFG_DIAG_ERROR,
					  "%s: error: configuration file larger than %u bytes",
					  path, CFG_MAX_FILE_SIZE);
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
			cfgi_diag(cfg, CFG_DIAG_ERROR, "%s: error: read failed: %s", path,
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
	root = cfgi_parse_buffer(cfg, path, buf ? buf : "", len, true, false, err);
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
	cfgi_node_free(cfg->root);
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
	cfgi_node_free(cfg->root);
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
		cfgi_diag(cfg, CFG_DIAG_ERROR, "%s: error: configuration larger than %u bytes",
			  name, CFG_MAX_FILE_SIZE);
		return -EFBIG;
	}
	root = cfgi_parse_buffer(cfg, name, buf, len, true, false, &err);
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
	cfg->main_file = cfgi_intern(cfg, path);
	return set_root(cfg, root);
}

/* ---- config_files ---- */

enum merge_strategy { MERGE_APPEND, MERGE_OVERRIDE, MERGE_ADD_ONLY };

static int merge_root(struct cfg *cfg, struct cfg_node *inc, enum merge_strategy how)
{
	size_t i;

	for (i = 0; i < inc->n; i++) {
		struct cfg_entry *src = &inc->entries[i];
		struct cfg_entry *dst = cfgi_map_find(cfg->root, src->key);

		if (!strcmp(src->key, "config_files")) {
			cfgi_node_error(cfg, src->val,
					"'config_files' in an included configuration file "
					"(nested includes are not allowed)");
			return -EINVAL;
		}
		if (!dst) {
			if (cfgi_map_push(cfg->root, src->key, src->line, src->col, src->val))
				return -ENOMEM;
		} else if (how == MERGE_ADD_ONLY) {
			free(src->key);
			cfgi_node_free(src->val);
		} else if (how == MERGE_APPEND && src->val->kind == CFG_NODE_SEQ &&
			   dst->val->kind == CFG_NODE_SEQ) {
			size_t j;

			for (j = 0; j < src->val->n; j++) {
				if (cfgi_seq_push(dst->val, src->val->items[j]))
					return -ENOMEM; /* items j.. still owned by src->val */
				src->val->items[j] = NULL;
			}
			free(src->key);
			cfgi_node_free(src->val);
		} else {
			cfgi_node_free(dst->val);
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
		cfgi_diag(cfg, CFG_DIAG_ERROR,
			  "%s: error: more than %u included configuration files", path,
			  CFG_MAX_INCLUDES);
		return -EINVAL;
	}
	inc = parse_file(cfg, path, &err);
	if (!inc)
		return err;
	if (inc->kind == CFG_NODE_NULL) {
		cfgi_node_free(inc);
		return 0;
	}
	rc = merge_root(cfg, inc, how);
	/* entries moved out are NULL; free what is left (on error) */
	for (i = 0; i < inc->n; i++) {
		free(inc->entries[i].key);
		cfgi_node_free(inc->entries[i].val);
	}
	inc->n = 0;
	cfgi_node_free(inc);
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
		rc = -errno;
		cfgi_diag(cfg, CFG_DIAG_ERROR, "%s: error: cannot read directory: %s", dir,
			  strerror(-rc));
		return rc;
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
	list = cfgi_lookup(cfg, NULL, "config_files", &err);
	if (err)
		return err;
	if (!list || list->kind == CFG_NODE_NULL)
		return 0;
	if (list->kind == CFG_NODE_SCALAR) {
		/* one path, as get_sequence takes a scalar */
	} else if (list->kind != CFG_NODE_SEQ) {
		cfgi_node_error(cfg, list, "config_files: expected a list of paths, got a mapping");
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
			const struct cfg_entry *pe = cfgi_map_find(it, "path"),
					       *se = cfgi_map_find(it, "strategy");

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
					cfgi_node_error(
						cfg, se->val,
						"config_files: unknown strategy '%s' (append, "
						"override, add-only)",
						se->val->text);
					rc = -EINVAL;
					break;
				}
			} else if (se && se->val->kind != CFG_NODE_NULL) {
				cfgi_node_error(cfg, se->val,
						"config_files: strategy must be a string");
				rc = -EINVAL;
				break;
			}
		}
		if (!path) {
			if (it->kind == CFG_NODE_NULL)
				continue;
			cfgi_node_error(
				cfg, it,
				"config_files: each item is a path or {path: ..., strategy: ...}");
			rc = -EINVAL;
			break;
		}
		if (cfg->main_file && !strcmp(path, cfg->main_file)) {
			cfgi_node_error(cfg, it,
					"config_files: includes the main configuration file %s",
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
	cfgi_node_free(copy);
	return rc;
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
