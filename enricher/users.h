/* users.h: user and group names from the passwd/group files of a process's own root. */
#ifndef LANNER_USERS_H
#define LANNER_USERS_H

#include <stdint.h>

struct usr_user {
	uint32_t uid;
	uint32_t gid;
	const char *name;
	const char *homedir;
	const char *shell;
};

struct usr_group {
	uint32_t gid;
	const char *name;
};

struct usr_db;

/* A cache of parsed passwd/group files, keyed by root directory. */
struct usr_db *usr_db_new(void);
void usr_db_free(struct usr_db *db);

/*
 * The user with that uid in root's /etc/passwd (root "" or "/" for the host,
 * or e.g. "/proc/PID/root" for a container), or NULL. Files are re-read when
 * their modification time or size changes (checked at most every
 * recheck_ns nanoseconds of `now`). Returned pointers stay valid until the
 * next call for the same root.
 */
const struct usr_user *usr_lookup_user(struct usr_db *db, const char *root, uint32_t uid,
				       uint64_t now_ns);
const struct usr_group *usr_lookup_group(struct usr_db *db, const char *root, uint32_t gid,
					 uint64_t now_ns);

/*
 * Replay: users and groups from a capture's user list. Once anything is
 * seeded, lookups use only the seeded entries (the machine replaying a
 * capture is not the machine that recorded it). Returns 0 or -ENOMEM.
 */
int usr_db_seed_user(struct usr_db *db, uint32_t uid, uint32_t gid, const char *name,
		     const char *homedir, const char *shell);
int usr_db_seed_group(struct usr_db *db, uint32_t gid, const char *name);

/* Re-check interval (ns); default one second. */
void usr_db_set_recheck(struct usr_db *db, uint64_t recheck_ns);
/* Number of parsed entries and lookups that found nothing. */
uint64_t usr_db_misses(const struct usr_db *db);

/* Sizes and counters for the metrics. */
struct usr_counts {
	uint64_t users, groups;	 /* entries cached (all roots, or the seeded lists) */
	uint64_t roots;		 /* root directories cached (host and containers) */
	uint64_t lookups;	 /* user and group lookups */
	uint64_t misses;	 /* lookups that found nothing */
	uint64_t root_evictions; /* roots dropped from the full cache */
};
void usr_db_counts(const struct usr_db *db, struct usr_counts *out);

#endif
