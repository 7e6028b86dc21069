/* col_drops.h: Falco's syscall_event_drops: when kernel-side drops call for log, alert or exit. */
#ifndef LANNER_COL_DROPS_H
#define LANNER_COL_DROPS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "collector.h"
#include "config.h"

/* Actions (bits), Falco's names: ignore, log, alert, exit. */
#define COL_DROP_ACT_LOG 0x1u
#define COL_DROP_ACT_ALERT 0x2u
#define COL_DROP_ACT_EXIT 0x4u

/* The rule name and source of Falco's internal alert. */
#define COL_DROP_RULE "Falco internal: syscall event drop"

struct col_drops_cfg {
	double threshold; /* drops / events of the last second that trigger actions, [0, 1] */
	unsigned actions; /* COL_DROP_ACT_* (ignore and an empty list: 0) */
	double rate;	  /* token bucket: actions per second */
	double max_burst; /* token bucket: capacity */
	bool simulate;	  /* simulate_drops: one more drop every second, threshold 0 */
};

/* Falco's defaults: threshold .1, actions [log, alert], rate .03333, max_burst 1. */
void col_drops_cfg_default(struct col_drops_cfg *c);
/* Reads syscall_event_drops.* over the defaults. 0, or -EINVAL with the key
 * and the problem in err (unknown action, threshold out of [0, 1], ...). */
int col_drops_cfg_read(struct cfg *cfg, struct col_drops_cfg *c, char *err, size_t errlen);

/* Falco's token bucket: starts full (max_burst tokens), refills rate per second. */
struct col_tbucket {
	double rate;
	double max_tokens;
	double tokens;
	uint64_t last_ns;
};

void col_tbucket_init(struct col_tbucket *b, double rate, double max_tokens, uint64_t now_ns);
/* Takes n tokens if there are that many (after the refill up to now_ns). */
bool col_tbucket_claim(struct col_tbucket *b, double n, uint64_t now_ns);

struct col_drops {
	struct col_drops_cfg cfg;
	struct col_tbucket bucket;
	struct col_stats last; /* counters at the last check */
	uint64_t next_check_ns;
	uint64_t n_detected; /* seconds whose drops passed the threshold */
	uint64_t n_actions;  /* times the actions were taken (the bucket allowed) */
};

/* Starts watching from the counters st at now_ns (monotonic ns). */
void col_drops_init(struct col_drops *d, const struct col_drops_cfg *cfg,
		    const struct col_stats *st, uint64_t now_ns);

/*
 * Call often (each drain round) with the current counters. Once a second
 * (the first call at least one second after the previous check) it takes the
 * difference since the last check into *delta; when there were drops (one
 * more when simulating) and drops/events is above the threshold, and the
 * token bucket gives a token, returns the configured actions. Otherwise 0.
 * In delta, events counts the records written plus those lost (Falco's
 * n_evts includes n_drops).
 */
unsigned col_drops_check(struct col_drops *d, const struct col_stats *st, uint64_t now_ns,
			 struct col_stats *delta);

/* Falco's message: "Falco internal: syscall event drop. N system calls dropped in last second." */
void col_drops_message(const struct col_stats *delta, char *buf, size_t n);

/* Falco's internal alert for delta (priority debug, source "internal", output
 * fields n_evts, n_drops, n_drops_buffer_total, n_drops_buffer_*_exit,
 * n_drops_scratch_map, n_drops_page_faults, n_drops_bug, ebpf_enabled, as
 * strings). NULL on ENOMEM. */
struct alert *col_drops_alert(const struct col_stats *delta, uint64_t time_ns,
			      const char *hostname);

#endif
