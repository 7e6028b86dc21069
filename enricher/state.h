/* state.h: applies each event to the enricher's state, as libsinsp's parsers do. */
#ifndef LANNER_STATE_H
#define LANNER_STATE_H

#include <stdint.h>

#include "event.h"
#include "fds.h"
#include "procfs.h"
#include "threads.h"
#include "users.h"

struct st_opts {
	size_t max_threads; /* Falco's thread_table_size (0: 262144). */
	int live; /* Events come from this machine: unknown processes may be read from /proc. */
	const char *proc_dir; /* "/proc" unless testing. */
};

struct st_stats {
	uint64_t events; /* Events applied. */
	uint64_t
		thread_misses; /* Events of threads we did not know (then added incomplete or from /proc). */
	uint64_t fd_misses;	   /* Events on fds we did not know. */
	uint64_t thread_hits;	   /* Event threads found in the table. */
	uint64_t thread_from_proc; /* Unknown event threads then read from /proc (live). */
	uint64_t fd_hits;	   /* Event fds found in the fd table. */
	uint64_t bad_events;	   /* Events whose parameters were missing or malformed. */
};

struct st_state;

struct st_state *st_new(const struct st_opts *opts);
void st_free(struct st_state *s);
struct thread_table *st_threads(struct st_state *s);
struct usr_db *st_users(struct st_state *s);
/* Live: the /proc socket-table cache used for unknown processes (NULL in replay);
 * share it with procfs_scan() at start so the scan's tables are reused. */
struct procfs_cache *st_procfs_cache(struct st_state *s);

/*
 * What the event looked at, resolved after st_apply(): the thread and its
 * process (never NULL after a successful apply), and the fd the event used
 * or created (NULL when none or unknown). Valid until st_finish().
 */
struct st_ctx {
	const struct lnr_evt_view *ev;
	struct enr_thread *thread;
	struct enr_proc *proc;
	struct enr_fd *fd;
	int64_t fdnum; /* The fd number the event used or created, -1 when none. */
	/* For fd.nameraw / evt.abspath on path events: the resolved absolute path(s). */
	char abspath[4096];
	char abspath_dst[4096];
	uint64_t ts;  /* Event time. */
	uint64_t num; /* evt.num: position of the event in the stream (1 = first). */
};

/*
 * Updates the state with ev (fork, exec, opens, credentials, ...) and fills
 * ctx with what field extraction needs. Removals that the event causes
 * (close, procexit) are deferred to st_finish(), so fields of the closing fd
 * and the exiting process can still be read, as in Falco.
 * Returns 0, or a negative errno for an event that could not be applied
 * (counted; the pipeline goes on).
 */
int st_apply(struct st_state *s, const struct lnr_evt_view *ev, struct st_ctx *ctx);
/* Carries out the removals deferred by st_apply(). */
void st_finish(struct st_state *s, struct st_ctx *ctx);

void st_get_stats(const struct st_state *s, struct st_stats *out);

/*
 * After a /proc scan or a capture's fd list: a connected IPv4 socket whose
 * local port a listening socket is bound to becomes the server end
 * (client->server order, fd.is_server), as libsinsp does with its scan.
 * st_apply() runs it by itself after seed records; call it after procfs_scan().
 */
void st_orient_scanned_sockets(struct st_state *s);

/*
 * libscap's socket tuple / sockaddr encodings (family byte first). Decodes
 * into fd fields: family, l4proto unchanged, cip/cport (source),
 * sip/sport (destination) for IP; for unix, name gets the path.
 * Returns 0 or -EINVAL.
 */
int st_decode_tuple(const uint8_t *p, uint32_t len, struct enr_fd *f, char *unix_path, size_t n);

#endif
