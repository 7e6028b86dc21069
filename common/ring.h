/* ring.h: single-producer/single-consumer ring of variable-length records in shared memory. */
#ifndef LANNER_RING_H
#define LANNER_RING_H

/*
 * One ring carries records from one producer process (or thread) to one
 * consumer, through a POSIX shared-memory object "/lanner-<name>" (mode 0600
 * unless told otherwise). Records are 1 byte to ring_max_record() bytes
 * (half the data area), start 8-byte aligned, and are written and read in
 * place: the producer reserves, fills and commits; the consumer peeks and
 * releases. Neither side takes a lock or makes a system call per record: a
 * side sleeps on a futex only when it cannot go on (ring empty for the
 * consumer, full for the producer) and the other side wakes it only then.
 * A full ring never overwrites and never drops: ring_reserve() fails with
 * -EAGAIN and the producer waits with ring_wait_writable().
 *
 * Each side holds an open-file-description lock on its own byte of the shm
 * object while attached; the kernel releases it when the process dies, which
 * is how the other side tells a dead peer (-EPIPE) from a slow one. See
 * docs/ring.md for the layout, the protocol and the memory ordering.
 *
 * Threads: a handle is used by one thread at a time (its role's thread).
 * After fork(), the child must ring_close() the handles it inherited (that
 * only unmaps them) before it attaches on its own; an inherited handle would
 * otherwise keep the parent's role lock alive and hide the parent's death.
 */

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/* Layout version stored in every ring header; attach refuses any other. */
#define RING_VERSION 1
/* Smallest and largest data area, in bytes (always a power of two). */
#define RING_MIN_DATA_SIZE 4096u
/* Largest: the record length field has 30 bits and a record is at most half the area. */
#define RING_MAX_DATA_SIZE (1ull << 30)
/* Longest ring name accepted (the shm object is "/lanner-" + name). */
#define RING_NAME_MAX 200

enum ring_role {
	RING_PRODUCER = 1,
	RING_CONSUMER = 2,
};

/* ring_create() flags. */
enum {
	/* Remove a stale object of the same name first (pipeline start-up). */
	RING_CREATE_REPLACE = 1 << 0,
};

struct ring;

/* Counters and positions, for metrics and tests (a racy snapshot). */
struct ring_stats {
	uint64_t data_size;    /* bytes */
	uint64_t prod_pos;     /* bytes ever reserved (monotonic) */
	uint64_t cons_pos;     /* bytes ever released (monotonic) */
	uint64_t used;	       /* bytes reserved and not yet released */
	uint64_t prod_wakeups; /* FUTEX_WAKE calls made by the producer */
	uint64_t cons_wakeups; /* FUTEX_WAKE calls made by the consumer */
	uint64_t prod_sleeps;  /* times the producer slept on a full ring */
	uint64_t cons_sleeps;  /* times the consumer slept on an empty ring */
	pid_t producer_pid;    /* last producer to attach (its pid namespace), 0: none */
	pid_t consumer_pid;    /* last consumer to attach, 0: none */
};

/*
 * Create the shm object "/lanner-<name>" with a data area of data_size bytes
 * (a power of two, RING_MIN_DATA_SIZE..RING_MAX_DATA_SIZE, at least a page)
 * and attach to it in the given role. mode is the object's permission bits
 * (0 means 0600; user and group bits only, EINVAL otherwise). Fails with EEXIST if the object exists, unless flags has
 * RING_CREATE_REPLACE. On error returns NULL, sets errno and, if err is not
 * NULL, writes a one-line message into err (errlen bytes, NUL-terminated).
 * The caller frees the handle with ring_close() and removes the object with
 * ring_unlink() when the pipeline stops.
 */
struct ring *ring_create(const char *name, size_t data_size, enum ring_role role, unsigned int mode,
			 int flags, char *err, size_t errlen);

/*
 * Attach to an existing ring in the given role. data_size is the size the
 * caller expects (0 accepts any). Errors (NULL, errno, message in err):
 * ENOENT no such ring; EPROTO not a Lanner ring, another layout version, or
 * a corrupt header; EINVAL a size other than expected or an impossible
 * geometry; EPERM the object is open to other users (mode bits for others); EAGAIN the creator has not finished initialising it; EBUSY
 * another live process already holds this role. A producer that attaches
 * after a dead one turns the records the dead one left reserved but
 * uncommitted into discarded records. A consumer that attaches after a dead
 * one resumes at the last released record (records the dead one peeked but
 * did not release are delivered again).
 */
struct ring *ring_attach(const char *name, size_t data_size, enum ring_role role, char *err,
			 size_t errlen);

/*
 * A second handle on the same mapping, in the other role (a pipeline of
 * threads in one process, and the ThreadSanitizer test). Close both.
 * Returns NULL with errno (and message) on error.
 */
struct ring *ring_attach_peer(struct ring *r, char *err, size_t errlen);

/*
 * Detach: a producer or consumer that closes marks its role closed so the
 * peer gets -EPIPE at once (after draining, for the consumer) instead of
 * at its next liveness check; then unmaps and frees. Accepts NULL. Records
 * reserved and not committed are lost to the consumer (they stay busy until
 * a new producer attaches). Does not remove the shm object.
 */
void ring_close(struct ring *r);

/* Remove the shm object "/lanner-<name>". Returns 0 or -errno (-ENOENT). */
int ring_unlink(const char *name);

/*
 * Give the shm object "/lanner-<name>" to uid:gid (the pipeline's user and
 * group when the supervisor runs as root and the stages do not). Returns 0
 * or -errno.
 */
int ring_chown(const char *name, uid_t uid, gid_t gid);

/* Largest record payload this ring takes, in bytes: half the data area. */
size_t ring_max_record(const struct ring *r);
size_t ring_data_size(const struct ring *r);
void ring_stats(const struct ring *r, struct ring_stats *st);
/*
 * ring_stats() of the ring "name" without attaching to it (no role is
 * taken): for an observer such as the supervisor's metrics. Maps the header
 * page read-only for the call. Returns 0, -ENOENT, -EPROTO (not a Lanner
 * ring of this version), or another -errno.
 */
int ring_stat_name(const char *name, struct ring_stats *st);

/*
 * Producer. Reserve len bytes (1..ring_max_record()) and return in *data a
 * pointer into the ring, 8-byte aligned, valid for len bytes as one
 * contiguous span. Returns 0, -EAGAIN if the ring has not room now (wait
 * with ring_wait_writable() and retry), -EMSGSIZE if len is 0 or too big,
 * -EPROTO if the shared positions are corrupt. No system call: a dead or
 * closed consumer is reported by ring_wait_writable() once the ring is full.
 * Several reservations may be outstanding; they are delivered in
 * reservation order once each is committed or discarded.
 */
int ring_reserve(struct ring *r, size_t len, void **data);
/*
 * Producer: the ring position just after the last reserved record (bytes
 * ever reserved; the producer's own copy, no shared read). Once
 * ring_stats().cons_pos reaches it, every record reserved so far was
 * released by the consumer (the enricher's shard moves, docs/enricher.md).
 */
uint64_t ring_prod_pos(const struct ring *r);
/* Publish a reserved record (data as returned by ring_reserve()). */
void ring_commit(struct ring *r, void *data);
/* Give a reserved record up: the consumer skips it. */
void ring_discard(struct ring *r, void *data);
/*
 * Producer batching: ring_commit() without waking a sleeping consumer. The
 * record is visible to a consumer that polls; one that sleeps sees it after
 * ring_notify() (or its next liveness check, <= 100 ms). Call ring_notify()
 * at the end of every batch and before waiting for room: one FUTEX_WAKE per
 * batch instead of one per record.
 */
void ring_commit_quiet(struct ring *r, void *data);
/* Wakes the consumer if it sleeps (pairs with ring_commit_quiet()). */
void ring_notify(struct ring *r);
/*
 * Wait until len bytes can be reserved. timeout_ms < 0 waits forever (but
 * still notices a dead consumer). Returns 0, -ETIMEDOUT, -EINTR (a signal),
 * -EPIPE (the consumer died or closed: nothing will free space).
 */
int ring_wait_writable(struct ring *r, size_t len, int timeout_ms);

/*
 * Consumer. Return the next committed record not yet peeked: *data points
 * into the ring (read-only, valid until the ring_release() that frees it),
 * *len is its length. Calling ring_peek() again returns the following
 * record, so a batch is peeked and then released at once. Returns 0,
 * -EAGAIN if no committed record is ready, -EPIPE if none is ready and the
 * producer closed the ring, -EPROTO if a record header is corrupt (the
 * ring cannot be read further).
 */
int ring_peek(struct ring *r, const void **data, size_t *len);
/* Free the space of every record peeked so far and wake a waiting producer. */
void ring_release(struct ring *r);
/*
 * Wait until ring_peek() has a record. Release what you peeked first: the
 * producer may be waiting for that space. timeout_ms < 0 waits forever (but
 * notices a dead producer). Returns 0, -ETIMEDOUT, -EINTR, or -EPIPE when
 * the producer died or closed and every record it committed was peeked.
 */
int ring_wait_readable(struct ring *r, int timeout_ms);

/*
 * Liveness of the other side: 1 attached and alive, 0 never attached yet,
 * -EPIPE attached once and now dead or closed. One fcntl() call.
 */
int ring_peer_alive(struct ring *r);

#endif
