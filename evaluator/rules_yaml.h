/* rules_yaml.h: a YAML document tree on libyaml that keeps line and column for every node. */
#ifndef LANNER_RULES_YAML_H
#define LANNER_RULES_YAML_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * Limits that keep hostile input bounded (see docs/rules-loader.md).
 * RULES_YAML_MAX_BYTES: largest rules file accepted (bytes).
 * RULES_YAML_MAX_DEPTH: deepest nesting of sequences/mappings.
 * RULES_YAML_MAX_NODES: nodes of one file after alias expansion; aliases share
 *   the anchored node (no copy), but a consumer walking the tree visits it
 *   once per alias, so the expanded count is what bounds the work
 *   ("billion laughs").
 */
#define RULES_YAML_MAX_BYTES (16u << 20)
#define RULES_YAML_MAX_DEPTH 64u
#define RULES_YAML_MAX_NODES (1u << 20)

enum rules_ynode_kind {
	RULES_Y_SCALAR,
	RULES_Y_SEQ,
	RULES_Y_MAP,
};

/* libyaml scalar styles, reduced to what the loader cares about. */
enum rules_yscalar_style {
	RULES_Y_PLAIN,
	RULES_Y_SINGLE,
	RULES_Y_DOUBLE,
	RULES_Y_LITERAL,
	RULES_Y_FOLDED,
};

struct rules_ynode {
	enum rules_ynode_kind kind;
	enum rules_yscalar_style style; /* scalars only */
	uint32_t line, col;		/* 1-based start of the node in the file */
	uint32_t end_line, end_col;	/* 1-based, just past the end */
	size_t off, end_off;		/* byte offsets of the node in the file */
	uint64_t weight; /* nodes below and including this one, aliases expanded (saturates) */
	/* Scalar value (NUL-terminated, may contain NUL bytes: len is authoritative). */
	char *str;
	size_t len;
	/* Sequence items, or for a mapping key/value pairs: kids[2i] key, kids[2i+1] value. */
	struct rules_ynode **kids;
	size_t nkids; /* number of items; for a mapping, twice the number of pairs */
};

/* A parsed file: all its documents; every node lives in the tree's arena. */
struct rules_ytree;

struct rules_yerr {
	uint32_t line, col; /* 1-based position of the problem (0 when unknown) */
	char msg[256];
};

/*
 * Parses buf[0..len) (need not be NUL-terminated). Returns the tree, or NULL
 * with err filled (errno EINVAL for bad input, ENOMEM, EFBIG over the size
 * limit). Duplicate mapping keys, non-scalar keys, unknown aliases and limit
 * overruns are errors. The tree keeps no pointer into buf.
 */
struct rules_ytree *rules_yaml_parse(const char *buf, size_t len, struct rules_yerr *err);
void rules_yaml_free(struct rules_ytree *t);

size_t rules_yaml_ndocs(const struct rules_ytree *t);
/* Root node of document i, or NULL for an empty document. */
const struct rules_ynode *rules_yaml_doc(const struct rules_ytree *t, size_t i);

/* Value of key in a mapping node (NULL if absent or node is not a mapping). */
const struct rules_ynode *rules_yaml_get(const struct rules_ynode *map, const char *key);
/* Number of key/value pairs of a mapping. */
static inline size_t rules_yaml_npairs(const struct rules_ynode *map)
{
	return map->nkids / 2;
}
/* True for a null scalar as yaml-cpp sees one: plain "", "~", "null", "Null", "NULL". */
bool rules_yaml_is_null(const struct rules_ynode *n);
/* yaml-cpp's bool decoding: y/yes/true/on and n/no/false/off in lower, Capitalised or UPPER case. */
bool rules_yaml_bool(const struct rules_ynode *n, bool *out);
/* Decimal unsigned integer (yaml-cpp accepts also 0x/0o forms; we accept decimal and 0x). */
bool rules_yaml_u32(const struct rules_ynode *n, uint32_t *out);

#endif
