/* stage_ctl.h: a stage's control socket (RUN/ctl-STAGE.sock): answers the supervisor's STATS and HEALTH from a background thread. */
#ifndef LANNER_STAGE_CTL_H
#define LANNER_STAGE_CTL_H

#include <jansson.h>

#include "config.h"

/*
 * A stage calls stage_ctl_start() once, after its configuration is loaded
 * (and after it blocked the signals it takes synchronously, if it does), and
 * stage_ctl_stop() at exit. A background thread listens (REP, ctl.h) on
 * RUN/ctl-STAGE.sock and answers, one request at a time:
 *
 *   STATS   OK {"stage": "evaluator.0", "pid": 123, "start_time_ns": <wall
 *           clock of stage_ctl_start>, "uptime_s": 1.5, "requests": n,
 *           "stats": {...what the stage's callback filled, or the last object
 *           it published...}}; ERROR {"error": ...} when the callback fails.
 *   HEALTH  OK {"stage": ..., "pid": ..., "status": "ok" (or what the stage set)}
 *   others  ERROR {"error": "<stage> does not handle <type> requests"}: reload
 *           and shutdown go by signals (SIGHUP/SIGTERM from the supervisor).
 *
 * The thread blocks every signal (so do the nng threads it starts, when it is
 * the first to use nng), so signals reach the stage's own threads as before.
 * It waits for requests without a timeout and costs nothing while idle; a
 * reply is sent within 1 s or given up (the REQ side has gone). Stopping
 * returns at once (after a request being handled, if any): it removes the
 * socket file and keeps any later request from being handled, but leaves the
 * socket open and the thread blocked in its receive until the process exits,
 * because in nng 1.5.2 closing a socket while another thread waits in a
 * receive can deadlock (nanomsg/nng#1543). A socket file left by a killed
 * stage is replaced at the next start.
 * RUN/ctl-STAGE.lock (flock) marks the live owner: a second process of the
 * same stage name is refused (EADDRINUSE) without disturbing the first; the
 * file is removed at stop (a killed stage leaves it, harmlessly; the
 * supervisor removes both files of its stages at exit).
 * If the socket cannot be created (path too long, a live stage of the same
 * name), start fails and the stage is expected to run on
 * without a control socket (it says so; the supervisor reports it as not
 * answering).
 *
 * nng is not fork-safe: a stage that forks must exec in the child without
 * touching nng (stage_ctl's thread and socket are not usable there).
 */

/*
 * Fills out (an empty object) with the stage's counters, e.g.
 * {"events": 12, "drops": {"buffer_full": 0}}. Called on the control thread,
 * concurrently with the stage's own threads: read counters with atomics
 * (relaxed is enough) or copy them from a snapshot under the stage's own
 * lock; never block for long (the supervisor's wait is bounded, ~0.5 s).
 * Returns 0, or -errno (the reply is ERROR).
 */
typedef int (*stage_ctl_stats_fn)(void *ctx, json_t *out);

struct stage_ctl;

/*
 * The run directory the sockets go in: LANNER_RUN_DIR from the environment
 * when set (the supervisor sets it for every stage it starts, so stages that
 * do not read the configuration agree with it), else stage_run_dir(cfg)
 * (cfg may be NULL: the default). The string lives as long as cfg (or is static).
 */
const char *stage_ctl_run_dir(struct cfg *cfg);

/*
 * Listens on run_dir/ctl-STAGE.sock and starts the thread. fn may be NULL:
 * STATS then answers the last object given to stage_ctl_publish() ({} before
 * the first). NULL with errno set on failure (after logging why).
 */
struct stage_ctl *stage_ctl_start(const char *run_dir, const char *stage, stage_ctl_stats_fn fn,
				  void *ctx);

/*
 * Replaces the snapshot STATS answers when there is no callback; takes over
 * the reference to stats (a JSON object). Any thread. Accepts c NULL (stats is
 * then released).
 */
void stage_ctl_publish(struct stage_ctl *c, json_t *stats);

/*
 * For stages that publish from their own loop: whether a snapshot is due
 * (STAGE_CTL_PUBLISH_MS since the last call that said so; the first call
 * says so). One thread; cheap (a coarse clock read). 0 when c is NULL.
 */
#define STAGE_CTL_PUBLISH_MS 250
int stage_ctl_publish_due(struct stage_ctl *c);

/* What HEALTH answers as "status" ("ok" until set; copied, at most 63 bytes). Any thread. */
void stage_ctl_set_health(struct stage_ctl *c, const char *status);

/*
 * Stops answering (no callback runs after it returns), removes the socket and
 * lock files; c is not usable after it. Accepts NULL.
 */
void stage_ctl_stop(struct stage_ctl *c);

#endif
