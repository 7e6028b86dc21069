/* scap_replay.h: a capture file as a source: its lists as seed events, then its events, into the raw ring. */
#ifndef LANNER_SCAP_REPLAY_H
#define LANNER_SCAP_REPLAY_H

#include <stdint.h>

#include "ring.h"
#include "scap_reader.h"

struct scap_replay_stats {
	uint64_t seeds;	 /* seed.thread/seed.fd/seed.user events written */
	uint64_t events; /* event records written */
	uint64_t waits;	 /* times the ring was full (backpressure) */
};

/*
 * Reads the capture at path and writes, in file order, its process, fd and
 * user lists as seed events and its events as records into raw, waiting
 * while the ring is full. Returns 0 at the end of the file, or a negative
 * errno with the reader's reason (naming the byte offset) in err, after
 * every valid record before the fault was written.
 */
/*
 * Paces the following scap_replay() calls to at most eps events per second
 * (0: as fast as the ring takes them). For tests and benchmarks that need a
 * steady stream rather than a burst.
 */
void scap_replay_set_pace(double eps);

/*
 * A capture's list entry as the seed record the enricher applies
 * (LNR_EVT_SEED_THREAD, _FD, _USER; flags FROM_CAPTURE | INTERNAL) in buf
 * (cap bytes, 8-aligned). Returns the record length or a negative errno.
 */
int scap_seed_thread_rec(const struct scap_thread_seed *t, void *buf, size_t cap);
int scap_seed_fd_rec(const struct scap_fd_seed *f, void *buf, size_t cap);
int scap_seed_user_rec(const struct scap_user_seed *u, void *buf, size_t cap);

int scap_replay(const char *path, struct ring *raw, struct scap_replay_stats *st, char *err,
		size_t errlen);

#endif
