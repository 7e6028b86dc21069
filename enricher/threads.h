/* threads.h: the enricher's thread and process table (who every thread is, its parents, its fds). */
#ifndef LANNER_THREADS_H
#define LANNER_THREADS_H

#include <stddef.h>
#include <stdint.h>

struct fdtable;

/* Process flags (enr_proc.flags). */
#define ENR_PF_EXE_WRITABLE 0x01u    /* exe is writable by the process's user */
#define ENR_PF_EXE_UPPER_LAYER 0x02u /* exe lives in an overlayfs upper layer */
#define ENR_PF_EXE_FROM_MEMFD 0x04u  /* exe is a memfd (fileless execution) */
#define ENR_PF_FROM_PROCFS 0x08u     /* seeded by the /proc scan (or capture proclist) */
#define ENR_PF_INCOMPLETE 0x10u	     /* invented for an unknown tid: most fields unknown */
#define ENR_PF_CONTAINER_EVT 0x20u   /* the made-up thread of a container event (name = exe) */

/* A growable byte string holding NUL-separated items (args, env, cgroups). */
struct enr_strv {
	char *buf;	    /* Items, each NUL-terminated, back to back; NULL when empty. */
	uint32_t len;	    /* Bytes used, terminators included. */
	uint32_t truncated; /* Non-zero when the source was cut at a limit. */
};

/*
 * What a thread group (process) shares. Reference-counted by its threads;
 * strings are owned here. Times are nanoseconds since the Unix epoch.
 */
struct enr_proc {
	int refs;	     /* Threads pointing here. */
	int64_t pid;	     /* Thread-group id (init pid namespace). */
	int64_t ppid;	     /* Parent process's pid; 0 when unknown. */
	int64_t vpid;	     /* Pid in its own pid namespace. */
	int64_t sid;	     /* Session id. */
	int64_t pgid;	     /* Process group id (init namespace). */
	int64_t vpgid;	     /* Process group id in its pid namespace. */
	uint32_t tty;	     /* Controlling tty device number, 0 when none. */
	uint32_t uid, gid;   /* Effective user and group ids. */
	uint32_t ruid, rgid; /* Real user and group ids. */
	uint32_t loginuid;   /* Audit login uid; UINT32_MAX when unset. */
	uint64_t cap_inheritable, cap_permitted, cap_effective;
	uint64_t fdlimit;		       /* RLIMIT_NOFILE soft limit. */
	uint64_t start_ts;		       /* When the process was created. */
	uint64_t pidns_init_start_ts;	       /* Start of its pid namespace's init. */
	uint64_t exe_ino;		       /* Inode number of the executable. */
	uint64_t exe_ino_ctime, exe_ino_mtime; /* Its change and modification times. */
	uint32_t flags;			       /* ENR_PF_*. */
	uint32_t nchildren;		       /* Live processes whose ppid is this pid. */
	char comm[17];			       /* Task name (proc.name), NUL-terminated. */
	char *exe;			       /* argv[0] as passed to execve (proc.exe). */
	char *exepath;			       /* Full path of the executable (proc.exepath). */
	char *cwd;			       /* Working directory, with a trailing '/'. */
	char *root;			       /* Root directory (chroot), "/" by default. */
	struct enr_strv args;		       /* argv[1..]. */
	struct enr_strv env;		       /* Environment (bounded). */
	struct enr_strv cgroups;	       /* "subsys=path" items, as Falco's cgroups param. */
	char container_id[72];		       /* "" for the host; else the short or full id. */
	struct fdtable *fds;		       /* Open files; owned. */
};

struct enr_thread {
	int64_t tid;	   /* Thread id (init pid namespace). */
	int64_t vtid;	   /* Thread id in its pid namespace. */
	uint64_t clone_ts; /* When the thread was created. */
	/* The thread's own name (proc.name) when it is not its process's main
	 * thread and was named apart (capture lists, clone events); "" otherwise. */
	char comm[17];
	/* Credentials of its own (libsinsp keeps them per thread): set when its
	 * clone event gives a user its process does not have; user.* and group.*
	 * read them while own_creds is set. */
	uint32_t uid, gid;
	uint8_t own_creds;
	struct enr_proc *proc; /* Its process; counted reference. */
};

struct thread_table;

/* Limits: max_threads as Falco's thread_table_size. */
struct thread_table *thr_table_new(size_t max_threads);
/* Frees the table, all threads and processes; accepts NULL. */
void thr_table_free(struct thread_table *t);

/* The thread with that tid, or NULL. */
struct enr_thread *thr_get(const struct thread_table *t, int64_t tid);
/* The main thread (tid == pid) of process pid, or any thread of it, or NULL. */
struct enr_proc *thr_get_proc(const struct thread_table *t, int64_t pid);
/* The parent process of p, or NULL. */
struct enr_proc *thr_parent(const struct thread_table *t, const struct enr_proc *p);
/* The ancestor of p at level n (1 = parent), or NULL. Bounded walk, cycle safe. */
struct enr_proc *thr_ancestor(const struct thread_table *t, const struct enr_proc *p, unsigned n);

/*
 * A new thread tid in process pid. When the process is not in the table a new
 * enr_proc is made (zeroed, ppid given) and returned through the thread. An
 * existing thread with the same tid is replaced (tid reuse). Returns NULL with
 * errno ENOSPC when the table is full (counted as a miss), ENOMEM.
 */
struct enr_thread *thr_add(struct thread_table *t, int64_t tid, int64_t pid, int64_t ppid);
/*
 * A new process forked from parent (fork, vfork, clone without CLONE_THREAD):
 * a copy of parent's process state (strings duplicated, fd table copied unless
 * share_files), with pid = child_tid, ppid = parent's pid. Returns the child
 * thread or NULL (errno).
 */
struct enr_thread *thr_fork(struct thread_table *t, const struct enr_thread *parent,
			    int64_t child_tid, int64_t child_vtid, int share_files, uint64_t ts);
/* Sets p's parent pid, keeping the old and new parents' child counts. */
void thr_set_ppid(struct thread_table *t, struct enr_proc *p, int64_t ppid);
/* A new thread of parent's process (clone with CLONE_THREAD). */
struct enr_thread *thr_clone_thread(struct thread_table *t, const struct enr_thread *parent,
				    int64_t child_tid, int64_t child_vtid, uint64_t ts);
/*
 * The thread tid exits. When it was the last of its process, the process is
 * freed and its children are re-parented to reaper (> 0), or to init (1)
 * when reaper <= 0, as the kernel does.
 */
void thr_exit(struct thread_table *t, int64_t tid, int64_t reaper);
/*
 * execve succeeded in thread tid: the kernel has made it the group leader
 * (tid becomes pid) and killed the other threads; this mirrors that.
 * Returns the (possibly renumbered) thread.
 */
struct enr_thread *thr_exec_leader(struct thread_table *t, struct enr_thread *th);

/* Number of threads / processes; lookups that found nothing; adds refused when full. */
size_t thr_count(const struct thread_table *t);
size_t thr_proc_count(const struct thread_table *t);
uint64_t thr_misses(const struct thread_table *t);
/* Threads ever added (not replacing one of the same tid) and removed at exit. */
uint64_t thr_added(const struct thread_table *t);
uint64_t thr_removed(const struct thread_table *t);
uint64_t thr_refused(const struct thread_table *t);
/* Records a failed lookup (for the metrics). */
void thr_note_miss(struct thread_table *t);

/* Recomputes every process's nchildren from the ppid links (after a bulk load). */
void thr_recount_children(struct thread_table *t);

/* Iterate threads: pos starts at 0; returns 1 with *th set, 0 at the end. */
int thr_next(const struct thread_table *t, size_t *pos, struct enr_thread **th);
/* Iterate processes the same way. */
int thr_next_proc(const struct thread_table *t, size_t *pos, struct enr_proc **p);

/* String helpers for enr_proc fields (replace, duplicate, free). */
int enr_str_set(char **dst, const char *src, size_t maxlen);
int enr_strv_set(struct enr_strv *v, const char *buf, size_t len, int truncated);
void enr_strv_fini(struct enr_strv *v);
/* Joins the items of v with sep into out (NUL-terminated, cut at n). Returns bytes written. */
size_t enr_strv_join(const struct enr_strv *v, char sep, char *out, size_t n);

#endif
