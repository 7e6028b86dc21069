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

struct pcheck {
	struct vexpr *lhs;
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

struct prog {
	struct pnode *root;
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
