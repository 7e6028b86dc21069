/* rules_compile.h: turns loaded lists/macros/rules into expanded condition ASTs, as Falco's compiler. */
#ifndef LANNER_RULES_COMPILE_H
#define LANNER_RULES_COMPILE_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "cond.h"
#include "event_types.h"
#include "evtset.h"
#include "prog.h"
#include "rules_load.h"

struct rules_outfmt;

/*
 * A set of Falco event names: `names` exactly (neg false) or every event but
 * `names` (neg true). Falco computes it on PPME codes (ppm_codes.cpp); names
 * are what Lanner's per-type index needs.
 */
struct rules_evtset {
	bool neg;
	char **names; /* sorted, unique, owned */
	size_t n;
};

bool rules_evtset_has(const struct rules_evtset *s, const char *name);
/* Whether Falco would find more than 100 PPME codes (it warns LOAD_NO_EVTTYPE). */
bool rules_evtset_too_broad(const struct rules_evtset *s);
void rules_evtset_fini(struct rules_evtset *s);
/* Event-type set of an (expanded) condition, Falco's rules (ppm_codes.cpp). 0 or -ENOMEM. */
int rules_evtset_of(const struct cond_node *ast, struct rules_evtset *out);

/*
 * What the container plugin suggests for outputs (Falco's append_output
 * `suggested_output: true`, the default): our built-in container fields.
 */
#define RULES_SUGGESTED_OUTPUT                                                                     \
	"container_id=%container.id container_name=%container.name "                               \
	"container_image_repository=%container.image.repository "                                  \
	"container_image_tag=%container.image.tag k8s_pod_name=%k8s.pod.name "                     \
	"k8s_ns_name=%k8s.ns.name"

struct rules_extra_field {
	const char *name;
	const char *format;
};

/* One Falco `append_output` entry (falco.yaml). Match fields NULL/empty match everything. */
struct rules_append_output {
	const char *match_rule; /* exact rule name */
	const char *match_source;
	const char *const *match_tags; /* the rule must have all of them */
	size_t nmatch_tags;
	const char *extra_output; /* appended to the output text, or NULL */
	/*
	 * extra_fields: added to the alert's output_fields only. name NULL: a
	 * field (format is its name, "evt.hostname"), typed; otherwise a custom
	 * name whose value is format rendered as text.
	 */
	const struct rules_extra_field *extra_fields;
	size_t nextra_fields;
	bool suggested_output; /* append RULES_SUGGESTED_OUTPUT */
};

struct rules_opts {
	/* Rules less severe than this are skipped (Falco `priority:`). */
	enum rules_prio min_priority;
	/* Falco `append_output` entries, in config order. */
	const struct rules_append_output *append;
	size_t nappend;
};

/* One compiled rule. */
struct rules_crule {
	const struct rules_rule *rule; /* in the loader's collection (not owned) */
	struct cond_node *ast;	       /* lists, macros and exceptions expanded (owned) */
	char *condition;	  /* canonical form of ast: Falco's compiled condition (owned) */
	char *output;		  /* output format after substitutions (owned) */
	struct rules_outfmt *fmt; /* compiled output (owned) */
	/* append_output extra_fields for this rule: keys (NULL = typed field) and formats. */
	char **extra_names;
	struct rules_outfmt **extra_fmts;
	size_t nextra;
	struct rules_evtset types; /* by Falco event name (drives the LOAD_NO_EVTTYPE warning) */
	struct prog *prog;	   /* the compiled condition (owned) */
	struct evtset lnr_types;   /* Lanner event types the rule can match (the index) */
	bool enabled;
};

struct rules_ruleset {
	struct rules_loader *loader; /* not owned */
	struct rules_crule *rules;   /* in definition order */
	size_t nrules;
	/* Compiled lists (one level of list-in-list inlined, items quoted) and macro ASTs. */
	struct rules_list *lists;
	size_t nlists;
	uint32_t *odd_lists; /* lists whose names hold a blank or delimiter (found by search) */
	size_t nodd_lists;
	struct cond_node **macro_asts; /* parallel to loader->coll.macros */
	uint64_t expanded_nodes;       /* AST nodes cloned by macro expansion (bounded) */
	size_t nmacros;
	/* Per Lanner event type: indexes into rules[] of enabled rules that can match it. */
	uint32_t *by_type[LNR_EVT_MAX];
	size_t nby_type[LNR_EVT_MAX];
};

/*
 * Compiles everything the loader collected. Diagnostics go to loader->diags
 * (errors stop compilation, as Falco). Returns the ruleset, or NULL when an
 * error was reported (errno EINVAL) or on ENOMEM. Never NULL without a
 * diagnostic unless errno is ENOMEM.
 */
struct rules_ruleset *rules_compile(struct rules_loader *l, const struct rules_opts *opts);
void rules_ruleset_free(struct rules_ruleset *rs);

struct rules_crule *rules_ruleset_find(struct rules_ruleset *rs, const char *name);

/*
 * Evaluates the current event (of Lanner type `type`, read through acc)
 * against the enabled rules indexed for that type, in definition order, and
 * calls on_match for each rule that matches (on_match returning non-zero
 * stops). Returns the number of matches, or a negative errno from on_match.
 * Evaluation errors of one rule (libsinsp would throw) count as no match.
 * One thread per ruleset at a time (programs own their scratch memory).
 */
int rules_eval(struct rules_ruleset *rs, unsigned type, const struct fld_accessor *acc,
	       int (*on_match)(const struct rules_crule *r, void *ud), void *ud);

/*
 * Expands an ad-hoc condition against the ruleset's lists and macros (all
 * visible), as `lanner explain` does. Returns the AST or NULL with msg/pos
 * filled (pos.idx is the byte offset in text).
 */
struct cond_node *rules_expand(struct rules_ruleset *rs, const char *text, char *msg, size_t msgsz,
			       struct cond_pos *pos);

/*
 * Checks that every field of ast exists and takes its argument as written.
 * 0, or -ENOENT (unknown field) / -EINVAL with msg (libsinsp's wording) and
 * *pos (may be NULL) the offending node's position.
 */
int rules_check_fields(struct cond_node *ast, char *msg, size_t msgsz, struct cond_pos *pos);

/*
 * Config `rules:` selection (Falco): enable or disable rules by name (glob
 * with '*') or by tag, applied in order. Returns the number of rules matched.
 */
size_t rules_select(struct rules_ruleset *rs, bool enable, const char *rule_glob, const char *tag);
/* Rebuilds the per-type index after enabling/disabling. 0 or -ENOMEM. */
int rules_ruleset_reindex(struct rules_ruleset *rs);

#endif
