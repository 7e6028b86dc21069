/* cond.h: Falco condition language: parser, AST, canonical printer (libsinsp's grammar). */
#ifndef LANNER_COND_H
#define LANNER_COND_H

#include <stddef.h>
#include <stdint.h>

/*
 * The AST mirrors libsinsp's filter/ast.h so that Falco's macro expansion and
 * canonical printing can be reproduced node for node. Every node owns its
 * strings and children (malloc'ed); cond_free() releases a whole tree.
 */
enum cond_kind {
	COND_AND,    /* kids[0..nkids): n-ary conjunction (a chain a and b and c). */
	COND_OR,     /* kids[0..nkids): n-ary disjunction. */
	COND_NOT,    /* kids[0]: the negated expression. */
	COND_IDENT,  /* str: identifier (a macro reference). */
	COND_VALUE,  /* str/len: a string value, unescaped (may hold NUL bytes). */
	COND_LIST,   /* kids: COND_VALUE items of a "(a, b, c)" list. */
	COND_TLIST,  /* kids: transformer-list arguments "(f1, f2)" of join()/concat(). */
	COND_UNARY,  /* kids[0]: left (FIELD or TRANSFORMER); str: operator ("exists"). */
	COND_BINARY, /* kids[0]: left; kids[1]: right; str: operator ("=", "in", "== oneof"). */
	COND_FIELD,  /* str: field name ("proc.aname"); arg/arg_len: "[...]" argument or NULL. */
	COND_TRANSFORMER, /* str: transformer name ("tolower", "val"); kids: arguments; arg: "[...]". */
};

/* Operators, in the order libsinsp lists them; COND_OP_NONE for unknown. */
#define COND_OP_LIST(X)                                                                            \
	X(EQ, "=")                                                                                 \
	X(EQEQ, "==")                                                                              \
	X(NE, "!=")                                                                                \
	X(LT, "<")                                                                                 \
	X(LE, "<=")                                                                                \
	X(GT, ">")                                                                                 \
	X(GE, ">=")                                                                                \
	X(CONTAINS, "contains")                                                                    \
	X(ICONTAINS, "icontains")                                                                  \
	X(BCONTAINS, "bcontains")                                                                  \
	X(STARTSWITH, "startswith")                                                                \
	X(BSTARTSWITH, "bstartswith")                                                              \
	X(ENDSWITH, "endswith")                                                                    \
	X(GLOB, "glob")                                                                            \
	X(IGLOB, "iglob")                                                                          \
	X(REGEX, "regex")                                                                          \
	X(IN, "in")                                                                                \
	X(INTERSECTS, "intersects")                                                                \
	X(PMATCH, "pmatch")                                                                        \
	X(EXISTS, "exists")

enum cond_op {
	COND_OP_NONE = 0,
#define COND_OP_ENUM(id, s) COND_OP_##id,
	COND_OP_LIST(COND_OP_ENUM)
#undef COND_OP_ENUM
		COND_OP_MAX
};

/* String-operator modifiers (libs HEAD): "== oneof (a, b)". */
enum cond_mod { COND_MOD_NONE = 0, COND_MOD_ONEOF, COND_MOD_ANYOF, COND_MOD_ALLOF };

/* Position in the condition text: byte offset (0-based), line and column (1-based). */
struct cond_pos {
	uint32_t idx;
	uint32_t line;
	uint32_t col;
};

struct cond_node {
	enum cond_kind kind;
	struct cond_pos pos; /* Where the node starts, as libsinsp records it. */
	enum cond_op op;     /* UNARY/BINARY: the operator. */
	enum cond_mod mod;   /* BINARY: modifier, if any. */
	char *str;	     /* See enum cond_kind; NUL-terminated; for UNARY/BINARY the op text. */
	size_t len;	     /* Bytes in str (COND_VALUE may contain NUL bytes). */
	char *arg;	     /* FIELD/TRANSFORMER argument (unescaped) or NULL when absent/empty. */
	size_t arg_len;
	struct cond_node **kids;
	size_t nkids;
};

/* Parser limits. libsinsp defaults to depth 100; Falco uses 1000 for rules/macros. */
#define COND_DEFAULT_MAX_DEPTH 100
#define COND_FALCO_MAX_DEPTH 1000
/* Largest condition text accepted (bytes); longer input is an error, not a crash. */
#define COND_MAX_INPUT (16u << 20)

struct cond_error {
	char msg[256];	     /* libsinsp's message text, e.g. "expected a ')' token". */
	struct cond_pos pos; /* Cursor position when the error was raised. */
};

/*
 * Parse len bytes of text (need not be NUL-terminated) with the given
 * maximum recursion depth (0 = COND_DEFAULT_MAX_DEPTH). Returns the AST,
 * or NULL with *err filled (errno = EINVAL; ENOMEM on allocation failure).
 */
struct cond_node *cond_parse(const char *text, size_t len, uint32_t max_depth,
			     struct cond_error *err);

/* Free a tree (accepts NULL). */
void cond_free(struct cond_node *n);

/* Deep copy of a tree; NULL with errno = ENOMEM on failure. */
struct cond_node *cond_clone(const struct cond_node *n);

/*
 * Node constructors for tools that build or rewrite trees (the rules loader
 * builds exception conditions). str is copied. Return NULL on ENOMEM.
 */
struct cond_node *cond_node_new(enum cond_kind kind, const char *str, size_t len);
/* Append child (takes ownership). Returns 0 or -ENOMEM (child is then freed). */
int cond_node_add(struct cond_node *parent, struct cond_node *child);

/*
 * Visit every node, parents before children. fn gets the slot holding the
 * node so it may replace it (free the old node and store a new one, e.g. a
 * macro identifier replaced by a clone of the macro's AST); replaced nodes
 * are not descended into. fn returns 0 to continue, 1 to skip the node's
 * children, or a negative errno to stop (returned by cond_walk).
 * Transformer arguments are visited too (Falco does not expand macros there;
 * the callback can tell by the parent: see cond_walk's in_transformer flag).
 */
typedef int (*cond_walk_fn)(struct cond_node **slot, int in_transformer, void *ud);
int cond_walk(struct cond_node **root, cond_walk_fn fn, void *ud);

/*
 * Canonical form, as libsinsp's ast::as_string (Falco's compiled condition):
 * "(a and b)", "not x", "proc.name in (a, b)", values through escape_str.
 * Returns a malloc'ed NUL-terminated string, or NULL on ENOMEM.
 */
char *cond_to_string(const struct cond_node *n);

/*
 * Whether the canonical form of n parses back to the same canonical form.
 * Falco's printer cannot express every tree: an empty value prints as
 * nothing, values holding ( ) , or \v print unquoted, a quoted value ending
 * in a backslash never closes, a NUL byte ends the C string, and "not (not x)" prints as "not not x"
 * (which parses as x). Returns 0 for such trees, 1 otherwise.
 */
int cond_printable(const struct cond_node *n);

/*
 * Falco's escape_str / unescape_str for one value: escape_str wraps in "..."
 * when the value contains blank, '=', '\\', quotes or NUL. Returns malloc'ed
 * string or NULL (ENOMEM; for unescape, EINVAL with msg filled).
 */
char *cond_escape_str(const char *s, size_t len);

/*
 * Falco's resolve_list() (rule_loader_compiler.cpp): replace every occurrence
 * of list name in condition text by its items (comma-joined; items with a
 * space that are not quoted are wrapped in "..."), before parsing. Returns a
 * malloc'ed string, or NULL on ENOMEM. *changed is set when a replacement
 * happened (may be NULL).
 */
char *cond_resolve_list(const char *cond, const char *name, const char *const *items, size_t nitems,
			int *changed);

/* Operator name ("in"), or "" for COND_OP_NONE. */
const char *cond_op_name(enum cond_op op);
/* Kind name for debugging ("and", "binary", ...). */
const char *cond_kind_name(enum cond_kind k);

#endif
