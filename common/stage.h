/* stage.h: what every pipeline stage process does the same way (config, logging, ring names, signals). */
#ifndef LANNER_STAGE_H
#define LANNER_STAGE_H

#include <signal.h>
#include <stddef.h>

#include "config.h"
#include "ring.h"

/* Most -o overrides and -r rules files one command line may carry. */
#define STAGE_MAX_ARGS 64

/*
 * Set by SIGTERM/SIGINT (stage_signals): 1 after the first (finish what is in
 * flight, then exit), 2 after another (stop waiting for others: exit now,
 * counting what is left behind).
 */
extern volatile sig_atomic_t stage_stopping;

/*
 * Loads the configuration (path, or none: defaults only) with the -o
 * overrides, sets up logging for the stage (log_level, log_stderr,
 * log_syslog) and reports diagnostics on stderr. Returns the config, or
 * NULL after printing why.
 */
struct cfg *stage_config(const char *stage, const char *path, const char *const *overrides,
			 size_t noverrides);

/* Ring name for this pipeline instance: "<lanner.instance>.<what>" ("main.raw"). */
void stage_ring_name(struct cfg *cfg, const char *what, char *out, size_t n);
/* Ring data size from lanner.ring_size_mb (default 64), rounded up to a power of two. */
size_t stage_ring_size(struct cfg *cfg);
/* Directory for sockets and state: lanner.run_dir (default /run/lanner, or /tmp/lanner-UID;
 * cfg may be NULL: the default). */
const char *stage_run_dir(struct cfg *cfg);
/* "ipc://<run_dir>/<instance>.<what>.sock" */
void stage_ipc_url(struct cfg *cfg, const char *what, char *out, size_t n);

/*
 * Creates the ring, or attaches to it when it exists (whichever stage comes
 * first makes it). Returns NULL with a message in err.
 */
struct ring *stage_ring_open(const char *name, size_t size, enum ring_role role, char *err,
			     size_t errlen);

/* SIGTERM and SIGINT set stage_stopping; SIGPIPE is ignored. */
void stage_signals(void);

#endif
