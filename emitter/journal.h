/* journal.h: the emitter's on-disk, append-only alert journal (the spool) with per-output cursors. */
#ifndef LANNER_EMITTER_JOURNAL_H
#define LANNER_EMITTER_JOURNAL_H

/*
 * Every alert the emitter accepts is appended here BEFORE it is acknowledged
 * to the evaluator; each output reads the journal from its own cursor and
 * moves the cursor only after the output took the alerts. A slow or dead
 * output only makes its own cursor lag: that lag is its spool. Restart
 * resumes each output at its persisted cursor.
 *
 * Layout (dir/): seg-<base offset, 16 hex>.log segments of records
 *   u32 len, u32 crc32(sender..payload), u64 sender, u64 seq, payload[len]
 * (little-endian); cursor.<output> (u64 offset, u64 offset ^ CURSOR_CHECK);
 * instance (16 hex digits, random, made once). Offsets are global byte
 * offsets: a segment's base is the previous segment's end.
 *
 * Size cap: when the journal grows past max_bytes, the oldest segment is
 * removed even if some output has not read it; those alerts are counted in
 * that output's dropped counter (journal_reader_dropped) and logged.
 * Every record's CRC is checked when the journal is opened (a torn or corrupt
 * tail is cut there); reads trust what this process wrote itself.
 * Thread-safety: appends from any thread (serialised), any number of reader threads
 * (each reader used by one thread).
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/uio.h>

enum journal_fsync {
	JOURNAL_FSYNC_NEVER = 0,    /* page cache only: survives a killed process, not power loss */
	JOURNAL_FSYNC_INTERVAL = 1, /* fdatasync at most every fsync_interval_ms */
	JOURNAL_FSYNC_ALWAYS = 2,   /* fdatasync before every acknowledgement */
};

struct journal_opts {
	const char *dir;	/* created if missing (0700) */
	uint64_t segment_bytes; /* rotate segments at this size; default 16 MiB */
	uint64_t max_bytes;	/* size cap of all segments; default 1 GiB */
	enum journal_fsync fsync;
	unsigned fsync_interval_ms; /* default 1000 */
};

struct journal;
struct journal_reader;

struct journal_rec {
	uint64_t off;	     /* offset of the record */
	uint64_t end;	     /* offset just past it: the cursor after delivering it */
	const uint8_t *data; /* payload (an encoded alert), valid until the next read */
	size_t len;
};

/* Opens (recovering torn tails) or creates the journal. NULL with errno. */
struct journal *journal_open(const struct journal_opts *o);
/* Closes; readers must be closed first. Accepts NULL. */
void journal_close(struct journal *j);
/* 16 hex digits identifying this journal (and so this emitter's delivery state). */
const char *journal_instance(const struct journal *j);
/* True when (sender, seq) was already appended (a resent batch). */
bool journal_seen(struct journal *j, uint64_t sender, uint64_t seq);
/*
 * Appends n records (payloads) tagged (sender, seq) with one write, syncs per
 * policy, wakes readers, enforces the size cap. 0 or -errno (nothing appended).
 */
int journal_append(struct journal *j, uint64_t sender, uint64_t seq, const struct iovec *recs,
		   size_t n);
/* fdatasync of the active segment (what JOURNAL_FSYNC_INTERVAL calls periodically). */
void journal_sync(struct journal *j);
/* Offset just past the last record. */
uint64_t journal_end(struct journal *j);
/* Bytes currently held in segments. */
uint64_t journal_bytes(struct journal *j);
/* Wakes every reader blocked in journal_reader_next (shutdown). */
void journal_wake(struct journal *j);

/*
 * A reader for output `name` (its cursor file cursor.<name>); a new output
 * starts at the current end. NULL with errno.
 */
struct journal_reader *journal_reader_open(struct journal *j, const char *name);
void journal_reader_close(struct journal_reader *r);
/*
 * Reads up to max records (and about max_bytes) from the read position,
 * waiting up to timeout_ms for the first one. Returns the count (0 on timeout
 * or wake) or -errno. recs[] point into the reader's buffer.
 */
int journal_reader_next(struct journal_reader *r, struct journal_rec *recs, size_t max,
			size_t max_bytes, int timeout_ms);
/* Moves the read position back to the cursor (to re-read after a failed delivery). */
void journal_reader_rewind(struct journal_reader *r);
/* Persists the cursor at `end` (a record's end offset). 0 or -errno. */
int journal_reader_commit(struct journal_reader *r, uint64_t end);
uint64_t journal_reader_cursor(struct journal_reader *r);
/* Records not yet delivered (between the cursor and the end), counted exactly. */
uint64_t journal_reader_backlog(struct journal_reader *r);
/* Records removed by the size cap before this reader delivered them. */
uint64_t journal_reader_dropped(struct journal_reader *r);

#endif
