/* col_sink.h: the sink that writes collector records into the shm raw ring (backpressure, no loss). */
#ifndef LANNER_COL_SINK_H
#define LANNER_COL_SINK_H

#include <stddef.h>
#include <stdint.h>

struct ring;

/* Counters of the ring sink (records, bytes, times it waited for space). */
struct col_ring_sink {
	struct ring *ring; /* producer handle, owned by the caller */
	uint64_t records;
	uint64_t bytes;
	uint64_t waits;
	/* Optional: set by a signal handler to give up waiting on a full ring
	 * (shutdown); the sink then returns -ECANCELED. */
	volatile int *stop;
	/* Optional: beaten while waiting on a full ring (backpressure is not a
	 * stuck collector: /healthz stays 200). */
	struct health_http *health;
	int beat;
};

/*
 * A col_sink_fn (collector.h) with arg = struct col_ring_sink *: reserve
 * len bytes in the ring, copy the record, commit. A full ring makes it wait
 * (ring_wait_writable) until the consumer frees space: nothing is dropped
 * here, the BPF ring buffers absorb the delay and count what they cannot.
 * Returns 0, or -EPIPE when the consumer is gone, -EMSGSIZE for a record
 * larger than the ring takes, -ECANCELED when *stop was set while waiting,
 * another negative errno on failure.
 */
int col_ring_sink(const void *rec, size_t len, void *arg);

#endif
