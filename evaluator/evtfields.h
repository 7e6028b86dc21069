/* evtfields.h: evt.* fields read straight from the event record (no state needed). */
#ifndef LANNER_EVTFIELDS_H
#define LANNER_EVTFIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "accessor.h"
#include "event.h"

/* Scratch space one event's rendered values may use (evt.arg.*, evt.args, evt.time). */
#define EVF_SCRATCH_SIZE (64u << 10)

struct evf_ctx {
	const struct lnr_evt_view *ev;
	const char *hostname; /* evt.hostname */
	size_t used;
	char scratch[EVF_SCRATCH_SIZE];
};

/* Starts a new event (resets the scratch space). */
void evf_begin(struct evf_ctx *x, const struct lnr_evt_view *ev, const char *hostname);

/*
 * Values of an evt.* field for the current event, per accessor.h: the count
 * written (<= max), 0 when the field has no value here, or a negative errno.
 */
int evf_get(struct evf_ctx *x, const struct fld_ref *f, struct fld_val *out, uint32_t max);

#endif
