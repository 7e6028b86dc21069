/* actor.h: expectations a test process records about the syscalls it makes, checked against live events. */
#ifndef LANNER_TEST_COLLECTOR_ACTOR_H
#define LANNER_TEST_COLLECTOR_ACTOR_H

#include <stddef.h>
#include <stdint.h>

#include "event.h"

/*
 * The actor (a child process) performs syscalls with known arguments and,
 * for each, records what event must arrive: its type, the process, and
 * checks on named parameters. The record lives in shared memory so the
 * parent (which runs the collector) can check it after the actor is done.
 */

enum act_chk_kind {
	ACT_INT = 1, /* integer parameter equals i */
	ACT_STR,     /* string parameter equals the bytes (NUL included) */
	ACT_BYTES,   /* parameter bytes equal exactly */
	ACT_ABSENT,  /* parameter has length 0 */
	ACT_TRUNC,   /* parameter carries LNR_PARAM_TRUNC */
	ACT_PRESENT, /* parameter has a value (any) */
	ACT_INT_NE,  /* integer parameter differs from i */
	ACT_TAIL,    /* the parameter ends with the bytes (unix tuples: pointers, then the path) */
	ACT_HEAD,    /* the parameter starts with the bytes */
};

#define ACT_MAX_CHECKS 12
#define ACT_MAX_EXP 256
#define ACT_BLOB (1u << 20)

struct act_chk {
	char name[24];
	uint8_t kind;
	int64_t i;
	uint32_t off, len; /* bytes in the blob */
};

struct act_exp {
	char group[16]; /* cmocka test that checks it */
	char what[64];	/* human description for failures */
	uint16_t type;
	int32_t pid; /* process that made the call */
	int nchk;
	struct act_chk chk[ACT_MAX_CHECKS];
	int found;
	int forbidden; /* no event of this type from this process may match the checks */
};

struct act_shm {
	int nexp;
	uint32_t blob_used;
	int failed_setup; /* the actor could not prepare something (message in setup_msg) */
	char setup_msg[256];
	struct act_exp exp[ACT_MAX_EXP];
	uint8_t blob[ACT_BLOB];
};

/* Start an expectation (in the actor). */
struct act_exp *act_expect(struct act_shm *s, const char *group, const char *what, uint16_t type);
/* The opposite: no event of this type from this process may match (the checks added next). */
struct act_exp *act_forbid(struct act_shm *s, const char *group, const char *what, uint16_t type);
void act_int(struct act_shm *s, struct act_exp *e, const char *name, int64_t v);
void act_int_ne(struct act_shm *s, struct act_exp *e, const char *name, int64_t v);
void act_str(struct act_shm *s, struct act_exp *e, const char *name, const char *v);
void act_bytes(struct act_shm *s, struct act_exp *e, const char *name, const void *p, size_t n);
void act_absent(struct act_shm *s, struct act_exp *e, const char *name);
void act_trunc(struct act_shm *s, struct act_exp *e, const char *name);
void act_present(struct act_shm *s, struct act_exp *e, const char *name);
void act_tail(struct act_shm *s, struct act_exp *e, const char *name, const void *p, size_t n);
void act_head(struct act_shm *s, struct act_exp *e, const char *name, const void *p, size_t n);

/* Does the event match the expectation? On mismatch, why (static or in buf). */
int act_match(const struct act_shm *s, const struct act_exp *e, const struct lnr_evt_view *v,
	      char *why, size_t n);

#endif
