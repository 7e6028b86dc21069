/* forward.h: what the enricher sends an evaluator: the event plus the field block its rules read. */
#ifndef LANNER_FORWARD_H
#define LANNER_FORWARD_H

#include <stddef.h>
#include <stdint.h>

#include "extract.h"
#include "rules_compile.h"
#include "slots.h"

/* Longest string value carried in a field block (bytes); longer ones are cut. */
#define FWD_MAX_STR (64u << 10)

/* Whether some loaded rule can match events of this type (else they are not forwarded). */
int fwd_wanted(const struct rules_ruleset *rs, uint16_t type);

/*
 * Builds the evaluator-ring record for the event of x->c (after st_apply):
 * the event record as is, padded to 8 bytes, then the field block of the
 * slots t lists for its type, computed from the state now. Returns the
 * record length, or -ENOSPC when cap is too small, or another -errno.
 */
int fwd_build(struct ext_ctx *x, const struct slot_table *t, const struct lnr_evt_view *v,
	      uint8_t *buf, size_t cap);

#endif
