/* prog.h: compiled conditions: type-checked against the field catalogue, evaluated without text. */
#ifndef LANNER_PROG_H
#define LANNER_PROG_H

#include <stddef.h>
#include <stdint.h>

#include "accessor.h"
#include "cond.h"
#include "evtset.h"

struct prog;

/* A compile error or warning, with the position of the offending node. */
struct prog_msg {
	char msg[256];
	struct cond_pos pos;
};

/*
 * Compile a (macro-expanded) condition AST. Checks every field against the
 * catalogue and every operator against the field type as libsinsp does,
 * pre-parses constants (numbers, IPs, CIDRs, hex byte strings), builds hash
 * sets for in/intersects, a path trie for pmatch and NFA programs for regex.
 * Returns the program, or NULL with *err filled (errno EINVAL or ENOMEM).
 * identifiers (unexpanded macros) are an error. The AST is not kept.
 */
struct prog *prog_compile(const struct cond_node *ast, struct prog_msg *err);

/*
 * Options: resolve, when set, is asked for field names the catalogue does
 * not know (plugin fields, test mocks); it returns 0 and fills *out (id at
 * or above FLD_MAX, type, flags), or a negative errno.
 */
struct prog_opts {
	int (*resolve)(void *ud, const char *name, const char *arg, size_t arg_len,
		       struct fld_ref *out);
	void *ud;
};

struct prog *prog_compile_opts(const struct cond_node *ast, const struct prog_opts *opts,
			       struct prog_msg *err);

/* Compiler warnings (field-looking string constants, simplifiable regexes). */
size_t prog_warning_count(const struct prog *p);
const struct prog_msg *prog_warning(const struct prog *p, size_t i);

/*
 * Evaluate against the current event behind acc. Returns 1 (match), 0 (no
 * match) or a negative errno when evaluation fails the way libsinsp throws
 * (e.g. an evt.rawarg whose type cannot be compared; transformer arity
 * errors). A program is evaluated by one thread at a time (it owns the
 * scratch memory transformers write into); it never allocates once warm.
 */
int prog_eval(struct prog *p, const struct fld_accessor *acc);

/*
 * Sharing check results between the programs of a ruleset for one event
 * (libsinsp's filter cache idea: many rules repeat the same checks, e.g.
 * evt.is_open_write = true). prog_share_checks gives equal checks (same
 * canonical text) of these programs one id and returns how many ids it used
 * (or -ENOMEM); a memo sized for them then records each check's result once
 * per event: call prog_memo_next_event() before each event and evaluate with
 * prog_eval_memo(). A check's result depends only on the event, so sharing
 * is exact. One memo per evaluating thread.
 */
struct prog_memo;
int prog_share_checks(struct prog *const *progs, size_t n);
struct prog_memo *prog_memo_new(uint32_t nids);
void prog_memo_next_event(struct prog_memo *m);
int prog_eval_memo(struct prog *p, const struct fld_accessor *acc, struct prog_memo *m);
void prog_memo_free(struct prog_memo *m);

/* The same evaluation by walking the tree (the reference the flat code is tested against). */
int prog_eval_tree(struct prog *p, const struct fld_accessor *acc);

/* Event types this condition can match (libsinsp's ppm_codes rules). */
void prog_evtset(const struct prog *p, struct evtset *out);

/* Human-readable program listing (malloc'ed), for `lanner explain` and tests. */
char *prog_dump(const struct prog *p);

/*
 * Fields the program reads (for the enricher to know what to compute),
 * deduplicated by field and argument. These are the very refs passed to the
 * accessor's get(), so a caller may annotate them (fld_ref.slot) after
 * compiling.
 */
size_t prog_field_count(const struct prog *p);
const struct fld_ref *prog_field(const struct prog *p, size_t i);

void prog_free(struct prog *p);

#endif
