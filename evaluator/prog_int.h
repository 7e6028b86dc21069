/* prog_int.h: internal structures of compiled conditions (prog_compile.c, prog_eval.c, prog_dump.c). */
#ifndef LANNER_PROG_INT_H
#define LANNER_PROG_INT_H

#include "match.h"
#include "prog.h"
#include "rx.h"

/* Value expressions: a field, a constant, or a transformer over them. */
#define VX_LIST(X)                                                                                 \
	X(FIELD, "field")                                                                          \
	X(CONST, "const")                                                                          \
	X(TLIST, "list")                                                                           \
	X(TOLOWER, "tolower")                                                                      \
	X(TOUPPER, "toupper")                                                                      \
	X(B64, "b64")                                                                              \
	X(BASENAME, "basename")                                                                    \
	X(LEN, "len")                                                                              \
	X(JOIN, "join")                                                                            \
	X(CONCAT, "concat")                                                                        \
	X(GETOPT, "getopt")

enum vx_kind {
#define VX_ENUM(id, s) VX_##id,
	VX_LIST(VX_ENUM)
#undef VX_ENUM
};

struct vexpr {
	enum vx_kind kind;
	enum lnr_ptype type; /* Result type. */
	int multi;	     /* May yield several values (list semantics). */
	int ancestor;	     /* Field without arg of an ancestor family: match any value. */
	int either;	     /* fd.ip-like: == any side, != no side equal. */
	struct fld_ref ref;  /* FIELD (ref.arg points into arg/name below). */
	uint32_t fidx;	     /* FIELD: index in prog->fields, the ref handed to the accessor. */
	char *name;
	char *arg;
	char *cstr; /* CONST */
	size_t clen;
	struct vexpr **args;
	size_t nargs;
	char *key; /* GETOPT [key] */
	size_t keylen;
};

/* One pre-parsed right-hand constant. */
struct rconst {
	char *s; /* Text (for BYTEBUF b-ops: the decoded bytes). */
	size_t len;
	uint64_t u64;
	int64_t s64;
	int num_ok; /* For PT_DYN: s64/u64 parsed. */
	struct fld_ip ip;
	struct fld_ipnet net;
	int is_net;
	struct rx *rx;
};

/* Type classes of a left-hand side, fixed at compile time (hot-path dispatch). */
enum pcls { PCLS_STR, PCLS_SINT, PCLS_UINT, PCLS_BOOL, PCLS_IP, PCLS_NET, PCLS_DBL, PCLS_DYN };

/* A constant string as the hot path scans it (in/= lists). */
struct strref {
	const char *s;
	size_t len;
};

struct pcheck {
	char *key; /* Canonical text of the check (sharing key), owned by the tree's copy. */
	size_t keylen;
	uint32_t memo_id;	 /* 0, or the id shared with equal checks (prog_share_checks). */
	const struct strref *sv; /* str_in: the constants, in the program's block. */
	struct vexpr *lhs;
	uint32_t lfidx; /* LHS field's index in prog->fields (simple checks). */
	uint8_t simple; /* One plain single-valued field against constants. */
	uint8_t cls;	/* enum pcls of the LHS type */
	uint8_t single; /* LHS yields at most one value */
	uint8_t str_in; /* string in/intersects/= over constants, no set, no modifier */
	enum cond_op op;
	enum cond_mod mod;
	struct rconst *rv; /* Constants (value or list). */
	size_t nrv;
	struct hset *set;   /* in/intersects on many strings. */
	struct ptrie *trie; /* pmatch */
	struct vexpr *rhs;  /* val() / transformer right-hand side, or NULL. */
	int evt_fast;	    /* evt.type check answered from the numeric event type. */
	struct evtset evtmask;
	struct cond_pos pos;
};

enum pn_kind { PN_AND, PN_OR, PN_NOT, PN_CHECK };

struct pnode {
	enum pn_kind kind;
	struct pnode **kids;
	size_t nkids;
	struct pcheck *chk;
};

/* Scratch memory for transformer results: chunks reused across evaluations. */
struct achunk {
	struct achunk *next;
	size_t cap;
	size_t used;
	char data[];
};

/*
 * The tree flattened for execution: checks copied into one array (shallow:
 * the tree keeps ownership of what they point to) and a linear code where
 * and/or become conditional jumps, so evaluation walks memory in order.
 */
enum xop_kind {
	XOP_CHECK, /* acc = checks[arg] */
	XOP_JF,	   /* if !acc: goto arg */
	XOP_JT,	   /* if acc: goto arg */
	XOP_NOT,   /* acc = !acc */
	XOP_END,   /* return acc */
};

struct xop {
	uint32_t kind;
	uint32_t arg;
};

struct prog {
	struct pnode *root;
	struct xop *code;
	size_t ncode;
	struct pcheck *checks; /* Shallow copies, in code order. */
	size_t nchecks;
	void *block; /* One allocation: code, checks, string refs, fields (locality). */
	struct evtset evts;
	struct prog_msg *warn;
	size_t nwarn;
	struct fld_ref *fields;
	size_t nfields;
	struct achunk *arena;
};

void prog_pnode_free(struct pnode *n);
void prog_vexpr_free(struct vexpr *v);
const char *prog_vx_name(enum vx_kind k);

#endif
