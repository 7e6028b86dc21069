/* procfs.h: seeding the thread table from /proc at start (every live thread and its fds). */
#ifndef LANNER_PROCFS_H
#define LANNER_PROCFS_H

#include <stddef.h>
#include <stdint.h>

#include "threads.h"

struct procfs_opts {
	const char *proc_dir; /* "/proc" unless testing against a copy. */
	size_t max_args_len;  /* Bytes of argv kept (0: 4096). */
	size_t max_env_len;   /* Bytes of environment kept (0: 4096). */
	int with_fds;	      /* Scan /proc/PID/fd too. */
	int64_t skip_pid;     /* A process to leave out (e.g. ourselves), 0: none. */
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
 * exit during the scan are skipped. Returns 0, or -errno when proc_dir cannot
 * be read at all.
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
