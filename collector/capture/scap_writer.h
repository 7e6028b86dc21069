/* scap_writer.h: writes Lanner events and seed lists as a .scap 1.2 capture (sysdig/Falco). */
#ifndef LANNER_SCAP_WRITER_H
#define LANNER_SCAP_WRITER_H

#include <stdint.h>

#include "scap_reader.h"

/*
 * Layout written: section header (1.2), machine info, interface list (IL_V2,
 * when interfaces were given), one process list
 * (PL_V9), fd lists (FDL_V2, one block per run of fds of the same thread),
 * user list (UL_V2), then events (EV_V2, EV_V2_LARGE for large-payload codes).
 * Seeds given before the first event are buffered and written ahead of it;
 * seeds given later are ignored (counted), as a capture has one list header.
 *
 * Each Lanner record becomes the enter and exit events of the newest libscap
 * version that sysdig 0.29's table has (codes < 336), parameters matched by
 * name, so both sysdig 0.29 and current Falco (which converts old versions)
 * read it. Types only newer libs know are written as their newest exit event
 * with the record's parameters as they are (Lanner's table is that layout).
 * Absent fixed-size parameters are written as 0 and absent strings as "",
 * because sysdig 0.29 reads fixed-size values without checking their length.
 */

struct scap_writer;

struct scap_writer_stats {
	uint64_t events;      /* Lanner records written */
	uint64_t scap_events; /* scap events written (enter + exit) */
	uint64_t late_seeds;  /* seeds given after the first event, not written */
	uint64_t skipped;     /* records that could not be written (invalid, no scap code) */
	uint64_t bytes;	      /* uncompressed bytes written */
	uint64_t files;	      /* files opened (more than 1 with rotation) */
};

/*
 * Create path (truncated). gzip_level 0 writes a plain file, 1..9 gzip.
 * hostname goes to the machine-info block (NULL: this machine's).
 * Returns NULL with errno set.
 */
struct scap_writer *scap_writer_open(const char *path, int gzip_level, const char *hostname);
/*
 * Size and duration limits with rotation. When max_bytes or max_ns is set, the
 * files are PATH0, PATH1, ... (as sysdig -C/-G/-W name them): a new file starts
 * before the event that finds the current one holding max_bytes uncompressed
 * bytes or more, or spanning max_ns of event time or more. With max_files, the
 * names cycle PATH0..PATH<max_files-1>, overwriting the oldest. Each new file
 * gets its own lists: seeds(ctx, w) is called at its start (not for the first
 * file) to give the caller's current threads/fds/users through
 * scap_writer_thread() and the rest. Without limits, the one file is PATH.
 */
struct scap_writer_opts {
	const char *path;
	int gzip_level;					/* 0 plain, 1..9 gzip */
	const char *hostname;				/* NULL: this machine's */
	uint64_t max_bytes;				/* 0: no size limit */
	uint64_t max_ns;				/* 0: no duration limit (event time, ns) */
	unsigned max_files;				/* 0: unlimited */
	int (*seeds)(void *ctx, struct scap_writer *w); /* non-zero stops (error) */
	void *seeds_ctx;
};

struct scap_writer *scap_writer_open_opts(const struct scap_writer_opts *o);

/* Seeds (copied). Return 0 or -errno. */
int scap_writer_thread(struct scap_writer *w, const struct scap_thread_seed *t);
int scap_writer_fd(struct scap_writer *w, const struct scap_fd_seed *f);
int scap_writer_user(struct scap_writer *w, const struct scap_user_seed *u);
int scap_writer_iface(struct scap_writer *w, const struct scap_iface_seed *i);
/* One Lanner record (validated with lnr_evt_decode). Returns 0, -EINVAL for an
 * invalid record (skipped, counted), or -EIO. */
int scap_writer_event(struct scap_writer *w, const void *rec, uint32_t len);
/* Flush and close; returns 0 or -errno (the file may be incomplete then). */
int scap_writer_close(struct scap_writer *w);
/* Counters; valid until scap_writer_close(). */
const struct scap_writer_stats *scap_writer_stats(const struct scap_writer *w);

#endif
