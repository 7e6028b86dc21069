/* dispatch.h: routes evaluator records to the live evaluators (virtual shards, evaluators joining and leaving, shard moves). */
#ifndef LANNER_DISPATCH_H
#define LANNER_DISPATCH_H

/*
 * Every record has a key (the process id, so one process's events share
 * it). A key belongs to one of DSP_SHARDS virtual shards; each shard goes to
 * one evaluator ring "<prefix><K>" at a time. The rings whose consumer (an
 * evaluator) is alive are the members; shards are spread over the members by
 * rendezvous hashing, so a member joining or leaving moves only the shards
 * it takes or gives, and the same members always give the same map.
 *
 * Order and no loss, per key (docs/enricher.md, "Evaluators joining and
 * leaving"):
 *  - a shard whose target changed keeps going to its old ring until that
 *    ring's consumer has released (evaluated, alerts acknowledged) the
 *    shard's last record there; its next record then goes to the new ring;
 *  - a member whose consumer is gone (dead or detached) for grace_ms, while
 *    another member is alive, is evicted: the dispatcher attaches to its ring
 *    as the consumer, re-sends every record the dead evaluator had not
 *    released to the shard's new ring, in ring order, then detaches. A
 *    consumer that comes back within grace_ms resumes on its own ring.
 *  - new rings "<prefix><K>" (an evaluator that created or attached to one)
 *    are found by listing shm_dir; they join once their consumer is alive.
 *
 * Single-threaded: one thread calls every function (the enricher's).
 */

#include <signal.h>
#include <stddef.h>
#include <stdint.h>

/* Virtual shards (keys hash onto them). */
#define DSP_SHARDS 1024
/* Evaluator rings: indexes 0..DSP_MAX_RINGS-1. */
#define DSP_MAX_RINGS 256

struct dsp_opts {
	const char *prefix;  /* ring names: prefix + index ("main.eval.") */
	size_t ring_size;    /* data size of the rings this creates (bytes, power of two) */
	unsigned initial;    /* rings 0..initial-1: created if absent, members from the start */
	unsigned grace_ms;   /* a member's consumer may be gone this long before it is evicted */
	unsigned scan_ms;    /* dsp_poll(): look for new rings at most this often (0: 200) */
	const char *shm_dir; /* where POSIX shm objects are listed (NULL: /dev/shm) */
	volatile sig_atomic_t *stop; /* a blocked send gives up when *stop > 1 (NULL: never) */
	void (*on_wait)(void *ud);   /* called about every 100 ms while a send waits (NULL: none) */
	void *on_wait_ud;
	/* Batch wake-ups: dsp_send() does not wake a sleeping evaluator; the caller
	 * calls dsp_flush() after each batch (and before it sleeps). 0: wake per record. */
	int defer_wake;
};

struct dsp_stats {
	unsigned members;     /* rings shards go to */
	unsigned alive;	      /* members whose consumer is attached and alive */
	uint64_t sent;	      /* records written (including re-sent ones) */
	uint64_t joins;	      /* members added after the start */
	uint64_t evictions;   /* members evicted (consumer gone past the grace time) */
	uint64_t resent;      /* records moved out of evicted rings */
	uint64_t shard_moves; /* shards that switched ring */
	uint64_t
		pending_moves; /* shards whose target changed and that still wait for their old ring */
	uint64_t full_waits;  /* waits on a full ring (backpressure) */
	uint64_t undelivered; /* records dsp_finish() left in rings whose evaluator is gone */
};

struct dsp;

/* Creates or attaches rings 0..initial-1 as their producer. NULL with errno and a message. */
struct dsp *dsp_new(const struct dsp_opts *o, char *err, size_t errlen);

/*
 * Sends rec (len bytes) for key. Waits while the target ring is full
 * (backpressure, never a drop); evicts its member if the consumer stays
 * gone past the grace time. Returns 0, -EMSGSIZE, -EINTR (*stop > 1), or
 * another -errno of the ring.
 */
int dsp_send(struct dsp *d, uint64_t key, const void *rec, size_t len);
/* With defer_wake: wakes the evaluators that have records since the last flush. */
void dsp_flush(struct dsp *d);

/*
 * Housekeeping, every few hundred ms: consumer liveness of every member
 * (evicting those gone past the grace time), new rings and returning
 * consumers (joins). Returns 0 or a -errno of a failed eviction.
 */
int dsp_poll(struct dsp *d);

/*
 * End of input (the source is done, or the stage stops): returns once every
 * record sent is released by an evaluator (evaluated, alerts acknowledged),
 * so the caller may exit without leaving records behind. Meanwhile the
 * records of a ring whose consumer is gone (killed, scaled down, never came)
 * move at once, in order, to the live members (no grace time: nothing newer
 * comes), and evaluators still join. Gives up after stall_ms without
 * progress (nothing released or moved), or when *stop > 1: then each ring
 * still holding records is logged; those whose evaluator is gone (no live
 * evaluator to move them to) are errors, counted in stats.undelivered
 * (records), and stay in their ring for an evaluator that attaches later.
 * Returns 0, or -ETIMEDOUT when it gave up. Sends after this keep the
 * finishing rules.
 */
int dsp_finish(struct dsp *d, unsigned stall_ms);

/* Ring index key's records go to now. */
unsigned dsp_route(const struct dsp *d, uint64_t key);
/* Ring index the map gives key (differs from dsp_route() while its shard's move waits). */
unsigned dsp_target(const struct dsp *d, uint64_t key);
/* Whether ring k is a member. */
int dsp_is_member(const struct dsp *d, unsigned k);
void dsp_get_stats(const struct dsp *d, struct dsp_stats *st);

/* Detaches from every ring (marking the producer closed: evaluators drain and end). Accepts NULL. */
void dsp_free(struct dsp *d);

#endif
