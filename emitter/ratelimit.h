/* ratelimit.h: token buckets per rule and global; suppressed alerts counted and summarised. */
#ifndef LANNER_EMITTER_RATELIMIT_H
#define LANNER_EMITTER_RATELIMIT_H

/*
 * One noisy rule must not flood the outputs: each rule has a bucket of
 * rule_burst tokens refilled at rule_rate per second, and all rules share a
 * global bucket (global_rate/global_burst, 0 = none). An alert that finds no
 * token is suppressed, counted per rule, and every summary_interval_s the
 * counts become one internal alert (source "internal") so nothing silently
 * disappears. Internal alerts are never rate limited. Not thread-safe: the emitter
 * serialises calls (intake allows, its main loop summarises) with a mutex.
 */

#include <stdbool.h>
#include <stdint.h>

#include "alert.h"
#include "emitter_config.h"

struct ratelimit;

struct ratelimit *ratelimit_new(const struct ecfg_rate *cfg);
void ratelimit_free(struct ratelimit *rl);
/* True when the alert may pass (takes a token from its rule's and the global bucket). */
bool ratelimit_allow(struct ratelimit *rl, const char *rule, uint64_t now_ns);
/* Total alerts suppressed since start. */
uint64_t ratelimit_suppressed(const struct ratelimit *rl);
/*
 * When the summary interval has passed and something was suppressed since the
 * last summary, returns 1 and a new internal alert in *out (rule "Lanner
 * internal: alerts rate limited", fields lanner.suppressed.total and
 * lanner.suppressed.rule.<name> per rule); 0 when nothing is due; -ENOMEM.
 */
int ratelimit_summary(struct ratelimit *rl, uint64_t now_ns, uint64_t wall_ns, const char *hostname,
		      struct alert **out);

#endif
