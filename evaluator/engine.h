/* engine.h: one evaluator's work: records from its ring in, alerts out. */
#ifndef LANNER_ENGINE_H
#define LANNER_ENGINE_H

#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "rules_compile.h"
#include "slots.h"

struct engine;

/* Called for each match with the filled alert (valid during the call). Non-zero stops. */
typedef int (*engine_alert_fn)(void *ud, const struct alert *a);

struct engine_stats {
	uint64_t events;       /* Records evaluated. */
	uint64_t bad_records;  /* Records that failed validation (counted, skipped). */
	uint64_t gen_mismatch; /* Field blocks of another ruleset (state fields read as missing). */
	uint64_t matches;      /* Rule matches (alerts produced). */
	uint64_t eval_errors;  /* Conditions that failed to evaluate (libsinsp would throw). */
};

/*
 * An engine over a compiled ruleset and its slot table (both borrowed; they
 * must outlive the engine). Assigns the slot of every state field the
 * compiled conditions read. hostname goes into alerts and evt.hostname.
 */
struct engine *engine_new(struct rules_ruleset *rs, const struct slot_table *slots,
			  const char *hostname);
void engine_free(struct engine *e);

/*
 * Evaluates one evaluator-ring record (event record, then at the next
 * 8-byte boundary an optional field block) against the rules of its event
 * type; each match is passed to cb. Returns the number of matches, or
 * -EBADMSG for a record that failed validation, or cb's non-zero value.
 */
int engine_eval(struct engine *e, const void *rec, size_t len, engine_alert_fn cb, void *ud);

void engine_get_stats(const struct engine *e, struct engine_stats *out);

/* The per-rule match counters, parallel to rs->rules (for metrics). */
const uint64_t *engine_rule_matches(const struct engine *e);

#endif
