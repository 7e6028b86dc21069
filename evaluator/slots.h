/* slots.h: which state fields the loaded rules read, per event type (the enricher<->evaluator contract). */
#ifndef LANNER_SLOTS_H
#define LANNER_SLOTS_H

#include <stddef.h>
#include <stdint.h>

#include "event_types.h"
#include "fields.h"

struct rules_ruleset;

/*
 * Every distinct state-derived field use (field + argument, e.g.
 * "proc.aname[2]") that a condition, exception or output of an enabled rule
 * reads gets a slot number, in rule order; for each event type, the slots
 * its rules read. The enricher computes exactly those values for each event
 * it forwards (evaluator/fblock.h); evaluators read them by slot. Both sides
 * build the table from the same rules, so the numbering agrees; gen is a
 * hash of the table that each field block carries to prove it.
 */
struct slot_table {
	size_t n;			/* Distinct slots. */
	struct fld_ref *refs;		/* refs[s]: the field use of slot s (arg strings owned). */
	char **keys;			/* keys[s]: "name" or "name[arg]". */
	uint32_t *by_type[LNR_EVT_MAX]; /* Slots read for events of each type, ascending. */
	uint32_t nby_type[LNR_EVT_MAX];
	int32_t *local[LNR_EVT_MAX]; /* local[t][s]: index of slot s in by_type[t], or -1. */
	uint32_t gen;		     /* Hash of keys and per-type lists. */
};

/* Whether a field's value needs the enricher's state (not just the event record). */
int slots_field_is_state(enum fld_id id);

/*
 * Builds the table from the ruleset's enabled rules (their expanded ASTs and
 * output formats). Returns the table, or NULL with errno (ENOMEM).
 */
struct slot_table *slots_build(const struct rules_ruleset *rs);
void slots_free(struct slot_table *t);

/* Adds one field use (for tests and for outputs compiled elsewhere); returns its slot or -errno. */
int slots_add(struct slot_table *t, const char *name, const char *arg, size_t arg_len);

#endif
