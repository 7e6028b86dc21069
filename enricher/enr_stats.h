/* enr_stats.h: the enricher's state-table metrics (sizes, lookups, misses, evictions) as JSON, with Falco's names where Falco has them. */
#ifndef LANNER_ENR_STATS_H
#define LANNER_ENR_STATS_H

#include <jansson.h>

struct st_state;
struct rt_cache;
struct dsp;

/*
 * Adds the enricher's metrics to obj (a JSON object; existing keys of the
 * same names are replaced), every value an integer:
 *
 * Falco's names (libsinsp state counters, same meaning):
 *   n_threads, n_fds, n_added_threads, n_removed_threads,
 *   n_cached_thread_lookups, n_noncached_thread_lookups (read from /proc),
 *   n_failed_thread_lookups, n_drops_full_threadtable,
 *   n_cached_fd_lookups, n_failed_fd_lookups,
 *   n_containers, n_missing_container_images
 * Lanner's own:
 *   n_procs, n_applied_evts (events applied; not n_evts, the source's count), n_bad_evts,
 *   n_users, n_groups, n_user_roots, n_user_lookups, n_failed_user_lookups,
 *   n_user_root_evictions,
 *   n_container_lookups, n_failed_container_lookups (not cached: fetch queued),
 *   n_drops_full_containertable, n_container_fetches, n_failed_container_fetches,
 *   n_pending_container_fetches,
 *   n_evaluators, n_live_evaluators, n_evaluator_joins, n_evaluator_evictions,
 *   n_moved_records, n_shard_moves, n_pending_shard_moves, n_forwarded_evts,
 *   n_full_ring_waits
 *
 * st is required; rt (no runtime API, e.g. a replay: container counters
 * are 0) and dsp may be NULL (their keys are then left out). Call it from
 * the enricher's own thread (the tables are not locked): it walks the
 * process table for n_fds, O(processes). Returns 0, -EINVAL (obj not an
 * object, st NULL) or -ENOMEM.
 */
int enr_stats_json(struct st_state *st, struct rt_cache *rt, struct dsp *dsp, json_t *obj);

#endif
