/* enr_stats.c: the enricher's state-table metrics (sizes, lookups, misses, evictions) as JSON. */
#include "enr_stats.h"

#include <errno.h>
#include <stdint.h>

#include "dispatch.h"
#include "fds.h"
#include "runtime.h"
#include "state.h"
#include "threads.h"
#include "users.h"

static int put(json_t *obj, const char *key, uint64_t v)
{
	/* JSON integers are signed 64-bit; counters never get near the limit */
	json_t *j = json_integer((json_int_t)(v > INT64_MAX ? INT64_MAX : v));

	if (!j || json_object_set_new(obj, key, j) != 0)
		return -ENOMEM;
	return 0;
}

int enr_stats_json(struct st_state *st, struct rt_cache *rt, struct dsp *dsp, json_t *obj)
{
	struct thread_table *t;
	struct st_stats ss;
	struct usr_counts uc;
	struct enr_proc *p;
	uint64_t nfds = 0;
	size_t pos = 0;
	int rc = 0;

	if (!st || !json_is_object(obj))
		return -EINVAL;
	t = st_threads(st);
	st_get_stats(st, &ss);
	while (thr_next_proc(t, &pos, &p))
		if (p->fds)
			nfds += fdt_count(p->fds);
	usr_db_counts(st_users(st), &uc);
	rc |= put(obj, "n_threads", thr_count(t));
	rc |= put(obj, "n_procs", thr_proc_count(t));
	rc |= put(obj, "n_fds", nfds);
	rc |= put(obj, "n_added_threads", thr_added(t));
	rc |= put(obj, "n_removed_threads", thr_removed(t));
	rc |= put(obj, "n_cached_thread_lookups", ss.thread_hits);
	rc |= put(obj, "n_noncached_thread_lookups", ss.thread_from_proc);
	rc |= put(obj, "n_failed_thread_lookups", ss.thread_misses - ss.thread_from_proc);
	rc |= put(obj, "n_drops_full_threadtable", thr_refused(t));
	rc |= put(obj, "n_cached_fd_lookups", ss.fd_hits);
	rc |= put(obj, "n_failed_fd_lookups", ss.fd_misses);
	rc |= put(obj, "n_applied_evts", ss.events);
	rc |= put(obj, "n_bad_evts", ss.bad_events);
	rc |= put(obj, "n_users", uc.users);
	rc |= put(obj, "n_groups", uc.groups);
	rc |= put(obj, "n_user_roots", uc.roots);
	rc |= put(obj, "n_user_lookups", uc.lookups);
	rc |= put(obj, "n_failed_user_lookups", uc.misses);
	rc |= put(obj, "n_user_root_evictions", uc.root_evictions);
	if (st_procfs_cache(st)) {
		/* /proc/net socket tables read for processes found through /proc */
		struct procfs_cache_stats pc;

		procfs_cache_get_stats(st_procfs_cache(st), &pc);
		rc |= put(obj, "n_socket_table_loads", pc.table_loads);
		rc |= put(obj, "n_socket_table_miss_reloads", pc.miss_reloads);
		rc |= put(obj, "n_socket_lookups", pc.sock_lookups);
		rc |= put(obj, "n_failed_socket_lookups", pc.sock_misses);
	}
	{
		struct rt_counts rc_ = {0};

		if (rt)
			rt_get_counts(rt, &rc_);
		rc |= put(obj, "n_containers", rc_.containers);
		rc |= put(obj, "n_missing_container_images", rc_.missing_images);
		rc |= put(obj, "n_container_lookups", rc_.lookups);
		rc |= put(obj, "n_failed_container_lookups", rc_.misses);
		rc |= put(obj, "n_drops_full_containertable", rc_.refused);
		rc |= put(obj, "n_container_fetches", rc_.fetched);
		rc |= put(obj, "n_failed_container_fetches", rc_.failed);
		rc |= put(obj, "n_pending_container_fetches", rc_.pending);
	}
	if (dsp) {
		struct dsp_stats ds;

		dsp_get_stats(dsp, &ds);
		rc |= put(obj, "n_evaluators", ds.members);
		rc |= put(obj, "n_live_evaluators", ds.alive);
		rc |= put(obj, "n_evaluator_joins", ds.joins);
		rc |= put(obj, "n_evaluator_evictions", ds.evictions);
		rc |= put(obj, "n_moved_records", ds.resent);
		rc |= put(obj, "n_shard_moves", ds.shard_moves);
		rc |= put(obj, "n_pending_shard_moves", ds.pending_moves);
		rc |= put(obj, "n_forwarded_evts", ds.sent);
		rc |= put(obj, "n_full_ring_waits", ds.full_waits);
		rc |= put(obj, "n_undelivered_evaluator_records", ds.undelivered);
	}
	return rc ? -ENOMEM : 0;
}
