/* extract.h: field values from the enricher's state (proc.*, thread.*, fd.*, user.*, group.*, container.*). */
#ifndef LANNER_EXTRACT_H
#define LANNER_EXTRACT_H

#include <stddef.h>
#include <stdint.h>

#include "accessor.h"
#include "runtime.h"
#include "state.h"

/* Per-event scratch space for values built on the fly (cmdline, joined lists). */
#define EXT_SCRATCH_SIZE (256u << 10)
/* Ancestor levels cached per event (0 = the process; threads.c looks 64 up). */
#define EXT_ANC_MAX 65u

struct ext_ctx {
	struct st_state *st;
	const struct st_ctx *c; /* The event being enriched, after st_apply(). */
	uint64_t now_ns;	/* Clock for durations (the event time). */
	struct rt_cache *rt;	/* Container runtime metadata, or NULL (then only ids). */
	struct dns_cache *dns;	/* Names for fd.*ip.name (dns.h), or NULL (no values). */
	size_t used;		/* Bytes of scratch in use; reset per event. */
	/* The event's process and its ancestors, found once per event (the rules
	 * read proc.pname, proc.aname[2..7], proc.aexe[N]...: each was a walk from
	 * the process up). anc[0..nanc-1] are known; a NULL ends the chain. */
	const struct enr_proc *anc[EXT_ANC_MAX];
	unsigned nanc;
	char scratch[EXT_SCRATCH_SIZE];
};

/*
 * Values of field f for the current event, per accessor.h's contract:
 * returns the number of values written (<= max), 0 when the field has no
 * value (Falco's <NA>), or a negative errno.
 */
int ext_get(struct ext_ctx *x, const struct fld_ref *f, struct fld_val *out, uint32_t max);

/* Starts a new event: binds the context and resets the scratch space. */
void ext_begin(struct ext_ctx *x, struct st_state *st, const struct st_ctx *c);

/* Capability bit names ("CAP_CHOWN CAP_KILL"), as Falco renders thread.cap_*. */
size_t ext_caps_str(uint64_t caps, char *out, size_t n);

#endif
