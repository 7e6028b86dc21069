/* col_table.h: the events the collector produces: parameters in kernel order, syscalls, specs. */
#ifndef LANNER_COL_TABLE_H
#define LANNER_COL_TABLE_H

#include <stdint.h>

#include "event.h"

/* Which BPF program produces an event type at syscall exit. */
enum col_prog {
	COL_PROG_NONE = 0, /* not a syscall-exit event (procexit) */
	COL_PROG_GENERIC,  /* lnr_exit_generic, driven by the spec */
	COL_PROG_CLONE,	   /* lnr_exit_clone: clone, clone3, fork, vfork */
	COL_PROG_EXECVE,   /* lnr_exit_execve (failures) + sched_process_exec */
};

/* One parameter as the kernel side writes it: Falco's name and type, and how
 * the generic filler produces it (lanner.h: LNR_PK_*, LNR_SRC_*, LNR_XF_*). */
struct col_param {
	const char *name;
	enum lnr_ptype type;
	uint8_t kind;
	uint8_t src;
	uint8_t xf;
	uint8_t aux;
};

#define COL_MAX_SYSCALLS 2
#define COL_MAX_PARAMS 32

struct col_evt {
	uint16_t type; /* enum lnr_evt_type */
	enum col_prog prog;
	uint8_t enter;		      /* LNR_ENTER_* stash at entry, 0 none */
	int16_t nr[COL_MAX_SYSCALLS]; /* x86_64 syscall numbers (-1: none) */
	uint16_t nparams;
	struct col_param params[COL_MAX_PARAMS];
};

/* The entry for an event type, or NULL when the collector does not produce it. */
const struct col_evt *col_tab_get(uint16_t type);
/* The entry that handles syscall nr, or NULL. */
const struct col_evt *col_tab_by_nr(int nr);
/* Event type for a Falco event name ("openat"), or -1. */
int col_tab_type_by_name(const char *name);
/* Falco name of an event type ("openat"), or NULL. */
const char *col_tab_name(uint16_t type);
/* Size in bytes of a fixed-size parameter type, 0 for variable-length ones. */
unsigned col_ptype_size(enum lnr_ptype t);
/* Calls fn for each event type the collector produces, in type order. */
void col_tab_foreach(void (*fn)(const struct col_evt *e, void *arg), void *arg);

#endif
