/* procfs.h: seeding the thread table from /proc at start (every live thread and its fds). */
#ifndef LANNER_PROCFS_H
#define LANNER_PROCFS_H

#include <stddef.h>
#include <stdint.h>

#include "threads.h"

/*
 * What reading single processes from /proc keeps between calls: the socket
 * tables (inode -> tuple or unix path) of each network namespace, and the boot
 * time. The tables are read only when a process being read has a socket fd,
 * from that process's own /proc/PID/net (so a process in another network
 * namespace gets its own namespace's sockets), and reused until they are
 * older than max_age_ms; an inode missing from a table younger than that
 * re-reads it only when it is older than miss_reload_ms (rate limit: with
 * tens of thousands of TIME_WAIT sockets a read costs milliseconds).
 * Not thread-safe: one owner (the enricher's thread).
 */
struct procfs_cache;

struct procfs_cache_stats {
	uint64_t table_loads;  /* Socket table sets read (one netns, all five files). */
	uint64_t sock_lookups; /* Socket fds looked up. */
	uint64_t sock_misses;  /* ...not in the table even after any allowed re-read. */
	uint64_t miss_reloads; /* Re-reads caused by a missing inode. */
	uint64_t netns;	       /* Network namespaces with a table now. */
};

/* A new cache; 0 for either interval takes the default (2000 ms, 250 ms).
 * NULL with errno set on failure. */
struct procfs_cache *procfs_cache_new(unsigned max_age_ms, unsigned miss_reload_ms);
void procfs_cache_free(struct procfs_cache *c);
void procfs_cache_get_stats(const struct procfs_cache *c, struct procfs_cache_stats *out);

struct procfs_opts {
	const char *proc_dir; /* "/proc" unless testing against a copy. */
	size_t max_args_len;  /* Bytes of argv kept (0: 4096). */
	size_t max_env_len;   /* Bytes of environment kept (0: 4096). */
	int with_fds;	      /* Scan /proc/PID/fd too. */
	int64_t skip_pid;     /* A process to leave out (e.g. ourselves), 0: none. */
	/* Socket tables and boot time kept between calls; NULL: read them in each
	 * call (still only when the process has a socket fd). Borrowed. */
	struct procfs_cache *cache;
};

struct procfs_stats {
	uint64_t threads; /* Threads added. */
	uint64_t procs;	  /* Processes added. */
	uint64_t fds;	  /* Fds added. */
	uint64_t errors;  /* Entries that vanished or could not be read (races are normal). */
};

/*
 * Adds every live thread under opts->proc_dir to t (with parent, exe, args,
 * env, cwd, credentials, loginuid, tty, session, process group, caps,
 * cgroups, pid namespace ids, start time, exe inode data, fds). Processes that
 * exit during the scan are skipped. The socket tables are read afresh for the
 * scan (once per network namespace), so every socket that exists at scan time
 * is resolved. Returns 0, or -errno when proc_dir cannot be read at all.
 */
int procfs_scan(struct thread_table *t, const struct procfs_opts *opts, struct procfs_stats *st);

/*
 * Reads one process (all its threads) into t: used by the scan and to fill in
 * a process first seen through an event. Returns 0 or -errno (-ENOENT: gone).
 */
int procfs_read_proc(struct thread_table *t, const struct procfs_opts *opts, int64_t pid);

/* Boot time (ns since the epoch), for converting /proc start times. */
uint64_t procfs_boot_time_ns(const char *proc_dir);

#endif
