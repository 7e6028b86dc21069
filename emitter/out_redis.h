/* out_redis.h: the Redis output: stream, pub/sub, per-minute counters, falcosidekick layout. */
#ifndef LANNER_EMITTER_OUT_REDIS_H
#define LANNER_EMITTER_OUT_REDIS_H

/*
 * Keys and their layout: docs/redis-layout.md (the dashboard reads them).
 * One MULTI ... EXEC per batch, pipelined (one round trip). The transaction
 * also SETs <prefix>emitter:<instance>:redis to the journal offset after the
 * batch; after a lost connection the output reads it back and skips what
 * Redis already committed: every alert lands exactly once, in order.
 */

#include "emitter_config.h"
#include "output.h"

extern const struct output_ops out_redis_ops;
/* instance: the journal's instance id (names the commit marker key). 0 or -errno. */
int out_redis_init(const struct emitter_config *c, const char *instance, void **priv);

#endif
