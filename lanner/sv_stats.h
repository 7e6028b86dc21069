/* sv_stats.h: the supervisor's poller: asks every stage for STATS over its control socket, on a thread of its own. */
#ifndef LANNER_SV_STATS_H
#define LANNER_SV_STATS_H

#include <stdbool.h>
#include <stdint.h>
#include <sys/types.h>

#include <jansson.h>

struct sv_stats;

/*
 * Starts the poller for up to nslots stages whose control sockets are in
 * run_dir (RUN/ctl-NAME.sock, stage_ctl.h). Every interval_ms it sends STATS
 * to each stage that has a pid (sv_stats_set), one after the other, each
 * request bounded by timeout_ms for the send and again for the reply. It
 * never blocks the caller: sv_stats_set/sv_stats_get only take a mutex.
 * NULL with errno set on failure.
 */
struct sv_stats *sv_stats_start(const char *run_dir, unsigned nslots, int interval_ms,
				int timeout_ms);

/* Which stage slot is and its pid (0: not running or not ready: not asked). */
void sv_stats_set(struct sv_stats *ss, unsigned slot, const char *name, pid_t pid);

/* What the poller knows of a slot. */
struct sv_stats_slot {
	json_t *reply;	   /* the last OK reply to STATS (new reference), or NULL */
	bool answering;	   /* the last request to the current pid was answered */
	uint64_t polls;	   /* requests sent, all pids of the slot */
	uint64_t failures; /* requests not answered in time or refused */
};

/* Copies what is known of slot into out (out->reply: json_decref it). */
void sv_stats_get(struct sv_stats *ss, unsigned slot, struct sv_stats_slot *out);

/*
 * Asks every slot now, without waiting for the next interval (a metrics
 * snapshot or a test wants fresh figures); returns at once.
 */
void sv_stats_kick(struct sv_stats *ss);

/* Stops the thread (a request in flight ends within its timeout), closes the sockets, frees. Accepts NULL. */
void sv_stats_stop(struct sv_stats *ss);

#endif
