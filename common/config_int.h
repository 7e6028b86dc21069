/* config_int.h: internals shared by config.c, config_get.c and config_override.c (not for stages). */
#ifndef LANNER_CONFIG_INT_H
#define LANNER_CONFIG_INT_H

#include <limits.h>
#include <stdbool.h>
#include <stddef.h>

#include "config.h"

struct cfg_entry {
	char *key;
	unsigned line, col; /* of the key */
	struct cfg_node *val;
};

struct cfg_node {
	enum cfg_node_kind kind;
	const char *file;   /* interned in cfg->names */
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

/* Buffer size for cfgi_where() results. */
#define CFGI_POS_MAX (PATH_MAX + 64)

/* config.c: diagnostics */
/* Reports one diagnostic (counted, remembered if an error) to the sink. */
void cfgi_diag(struct cfg *cfg, enum cfg_diag_level level, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "FILE:LINE:COL: error: MSG" at node. */
void cfgi_node_error(struct cfg *cfg, const struct cfg_node *node, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));
/* "FILE:LINE:COL", or "FILE" when line is 0 (-o values); returns buf. */
const char *cfgi_where(const char *file, unsigned line, unsigned col, char *buf, size_t n);
/* Untrusted text made printable (escaped, cut at ~120 bytes) into buf. */
const char *cfgi_printable(const char *s, char *buf, size_t n);
/* "a mapping", "a list", "null" or "'text'" for messages. */
const char *cfgi_describe(const struct cfg_node *node, char *buf, size_t n);

/* config.c: tree */
/* A copy of name owned by cfg (shared by equal names); NULL on ENOMEM. */
const char *cfgi_intern(struct cfg *cfg, const char *name);
struct cfg_node *cfgi_node_new(enum cfg_node_kind kind, const char *file, unsigned line,
			       unsigned col);
/* Frees node and everything below it. Accepts NULL. */
void cfgi_node_free(struct cfg_node *node);
int cfgi_seq_push(struct cfg_node *seq, struct cfg_node *item);
/* Takes ownership of key and val on success (0); -ENOMEM leaves them to the caller. */
int cfgi_map_push(struct cfg_node *map, char *key, unsigned line, unsigned col,
		  struct cfg_node *val);
struct cfg_entry *cfgi_map_find(const struct cfg_node *map, const char *key);
/*
 * Parses one YAML document (name is what diagnostics call it). expand: ${VAR}
 * in values; any_root: a top level other than a mapping is allowed (-o flow
 * values). Returns the root or NULL (reported, *err set).
 */
struct cfg_node *cfgi_parse_buffer(struct cfg *cfg, const char *file, const void *buf, size_t len,
				   bool expand, bool any_root, int *err);

/* config_get.c: paths */
/* One step of a dotted path: a key (key, klen) or an index (idx; SIZE_MAX for "[]"). */
struct cfgi_step {
	const char *key;
	size_t klen;
	size_t idx;
};

/* Next step of *p; 1 for a step, 0 at the end, -EINVAL when malformed. */
int cfgi_next_step(const char **p, bool first, struct cfgi_step *st);
struct cfg_entry *cfgi_map_findn(const struct cfg_node *map, const char *key, size_t klen);
/* The node at path below base (NULL: root), NULL if absent; type errors reported (*err). */
const struct cfg_node *cfgi_lookup(struct cfg *cfg, const struct cfg_node *base, const char *path,
				   int *err);

/* True when s is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
bool cfgi_utf8_valid(const unsigned char *s);

#endif
