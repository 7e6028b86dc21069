/* privs.h: least privilege for the stages `lanner run` starts (pipeline user, groups, capabilities). */
#ifndef LANNER_PRIVS_H
#define LANNER_PRIVS_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

#include "config.h"

/* What a stage may keep besides the pipeline user and group. */
enum privs_role {
	PRIVS_PLAIN,	 /* evaluators, emitter, ui, replay, private redis: nothing */
	PRIVS_COLLECTOR, /* CAP_BPF, CAP_PERFMON, CAP_SYS_RESOURCE */
	PRIVS_ENRICHER,	 /* CAP_SYS_PTRACE, CAP_DAC_READ_SEARCH + the runtime socket's group */
};

#define PRIVS_MAX_GROUPS 2

/*
 * The identity the stages take, resolved once in the supervisor before it
 * starts any thread (privs_setup), then applied in each child between fork
 * and exec (privs_apply: system calls only, nothing that allocates).
 */
struct privs {
	bool active; /* the supervisor runs as root: stages switch to uid/gid */
	uid_t uid;
	gid_t gid;
	char user[64], group[64];
	bool runtime_group; /* the enricher also gets runtime_gid */
	gid_t runtime_gid;
	char runtime_group_name[64];
	int last_cap;	  /* /proc/sys/kernel/cap_last_cap */
	uint64_t can;	  /* capabilities the supervisor holds (permitted and bounding) */
	uint64_t keep[3]; /* per role: wanted & can */
};

/* Capabilities a role asks for (a bit per CAP_ number). */
uint64_t privs_wanted(enum privs_role role);

/*
 * Resolves lanner.user (default "lanner"), lanner.group (default: the user's
 * primary group) and lanner.runtime_group (default: the group of the first
 * container runtime socket that exists, unless it is root's). As root, a
 * missing user is created (useradd --system). Not root: p->active is false
 * and the stages run as the caller, as before. Returns 0, or -errno with a
 * message in err.
 */
int privs_setup(struct privs *p, struct cfg *cfg, char *err, size_t errlen);

/*
 * Logs the identity the stages take and, when live (collector and enricher
 * keep capabilities), one warning per capability a role wants that the
 * supervisor cannot give (not in its bounding or permitted set).
 */
void privs_report(const struct privs *p, bool live);

/* privs_own_dir() flags */
#define PRIVS_DIR_RECURSIVE 1 /* give the entries below to the user as well */
#define PRIVS_DIR_NEW_ONLY 2  /* an existing directory is left as it is */

/*
 * Lanner's own directory (run dir, spool, ...): created (parents root's
 * 0755) when absent, then owned by the pipeline user and group with mode.
 * An existing directory is taken over too, unless PRIVS_DIR_NEW_ONLY, or it
 * is a system directory (/, /run, /var/lib, ...) or shared (sticky or
 * world-writable): then it is left alone. PRIVS_DIR_RECURSIVE: the entries
 * below (not following links) are given to the user as well (a spool written
 * by an earlier run as root). No-op when !p->active.
 */
int privs_own_dir(const struct privs *p, const char *path, mode_t mode, unsigned flags, char *err,
		  size_t errlen);

/*
 * A file a stage writes (file_output.filename, emitter.stats_file, the ui's
 * users file): created empty (0640) when absent and create is set, then owned
 * by the pipeline user and group. Left alone: what is not a regular file
 * (/dev/stdout, a FIFO), a symbolic link, a file with several hard links.
 * No-op when !p->active.
 */
int privs_own_file(const struct privs *p, const char *path, bool create, char *err, size_t errlen);

/*
 * Whether the pipeline user can read each of paths (files: open; directories:
 * list). Checked in a child that takes the plain identity. Returns 0, or
 * -errno with "PATH: reason" in err. No-op when !p->active.
 */
int privs_check_readable(const struct privs *p, const char *const *paths, size_t n, char *err,
			 size_t errlen);

/*
 * In the child after fork, before exec: bounding set reduced to the role's
 * capabilities, supplementary groups, gid, uid, the role's capabilities as
 * ambient (so they survive exec into a binary without file capabilities),
 * PR_SET_NO_NEW_PRIVS. Async-signal-safe. Returns 0 or -errno; on failure
 * the child must not exec. No-op when !p->active.
 */
int privs_apply(const struct privs *p, enum privs_role role);

/* "CAP_BPF,CAP_PERFMON" for a set (names of the capabilities Lanner uses, else numbers). */
void privs_cap_names(uint64_t caps, char *out, size_t n);

#endif
