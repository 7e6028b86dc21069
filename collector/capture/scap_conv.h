/* scap_conv.h: turns raw scap events (enter/exit, old versions) into Lanner event records. */
#ifndef LANNER_SCAP_CONV_H
#define LANNER_SCAP_CONV_H

#include <stdint.h>

#include "scap_evtab.h"
#include "scap_reader.h"

/*
 * One Lanner record per syscall, at its exit: the exit's parameters, plus those
 * that only the pending enter event of the same thread carried, matched by
 * Falco's parameter names; absent when neither has them. Events that have no
 * exit (procexit, container, drop, asyncevent) convert at their enter. The
 * header's pid comes from the process list and later clone/execve exits (-1
 * while unknown). Counters go to the reader's stats.
 */

typedef int (*scap_conv_emit_fn)(void *ctx, const void *rec, uint32_t len);

struct scap_conv;

/* Returns NULL with errno set. st must outlive the converter. */
struct scap_conv *scap_conv_new(scap_conv_emit_fn emit, void *ctx, struct scap_reader_stats *st);
void scap_conv_free(struct scap_conv *c);
/* Remember a thread's process id (from the process list). */
void scap_conv_seed_thread(struct scap_conv *c, int64_t tid, int64_t pid);
/* Feed one raw event; returns 0, the emit callback's non-zero value, or -errno. */
int scap_conv_feed(struct scap_conv *c, const struct scap_raw_evt *e,
		   const struct scap_ev_def *def);
/* End of input: counts enters still waiting for their exit. Returns 0. */
int scap_conv_finish(struct scap_conv *c);

#endif
