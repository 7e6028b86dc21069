/* evtset.h: sets of event types a condition can match (libsinsp filter/ppm_codes.cpp rules). */
#ifndef LANNER_EVTSET_H
#define LANNER_EVTSET_H

#include <stdint.h>

#include "cond.h"
#include "event_types.h"

#define EVTSET_WORDS ((LNR_EVT_MAX + 63) / 64)

/* Bit t set = event type t (enum lnr_evt_type) may match. */
struct evtset {
	uint64_t w[EVTSET_WORDS];
};

void evtset_clear(struct evtset *s);
void evtset_fill(struct evtset *s); /* All of Lanner's event types. */
void evtset_add(struct evtset *s, unsigned t);
int evtset_has(const struct evtset *s, unsigned t);
int evtset_equal(const struct evtset *a, const struct evtset *b);
int evtset_is_empty(const struct evtset *s);
int evtset_is_full(const struct evtset *s);
unsigned evtset_count(const struct evtset *s);

/* Event type number for a Falco event name, or -1 when Lanner has no such event. */
int evtset_type_by_name(const char *name, size_t len);
/* Falco name of an event type ("openat"), or NULL. */
const char *evtset_type_name(unsigned t);

/*
 * The set of event types an AST can match, as libsinsp computes it: and =
 * intersection, or = union, not pushed to the leaves (De Morgan); evt.type
 * (and syscall.type) checks with = == != in give explicit sets, complemented
 * under negation; evt.num = 0 gives the empty set; anything else (other
 * fields, unexpanded identifiers) is neutral (all types, never inverted).
 * Returns 0, or -EINVAL with msg when the tree holds an evt.type check inside
 * a transformer (libsinsp refuses that).
 */
int evtset_of_ast(const struct cond_node *ast, struct evtset *out, char *msg, size_t msgsz);

#endif
