/* scap_evtab.c: the libscap event-code table (generated data in scap_evtab.inc). */
#include "scap_evtab.h"

#include <stddef.h>

static const struct scap_ev_def scap_evtab[SCAP_EV_CODES] = {
#include "scap_evtab.inc"
};

const struct scap_ev_def *scap_ev_def(uint16_t code)
{
	if (code >= SCAP_EV_CODES || !scap_evtab[code].name)
		return NULL;
	return &scap_evtab[code];
}

static const char *const scap_sctab[] = {
#include "scap_sctab.inc"
};

const char *scap_syscall_name(uint16_t id)
{
	if (id >= sizeof(scap_sctab) / sizeof(scap_sctab[0]))
		return NULL;
	return scap_sctab[id];
}
