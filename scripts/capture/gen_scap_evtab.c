/* gen_scap_evtab.c: dumps libscap's event table (Debian's libfalcosecurity0, libs 2022) as data.
 *
 * Built and run only by gen_scap_evtab.sh to regenerate collector/capture/scap_evtab.inc
 * and scap_sctab.inc (argument "syscalls"); not
 * part of the CMake build. Output: one C initializer line per PPME code: name, flags, parameter
 * count and parameters (name, ppm_param_type). Only facts (names, types, counts) are taken.
 */
#include <stdio.h>
#include <string.h>
#include "driver/ppm_events_public.h"

extern const struct ppm_event_info g_event_info[PPM_EVENT_MAX];

/* libscap's struct ppm_syscall_desc (userspace/libscap/scap.h). */
struct sc_desc {
	enum ppm_event_category category;
	enum ppm_event_flags flags;
	char *name;
};
extern const struct sc_desc g_syscall_info_table[PPM_SC_MAX];

int main(int argc, char **argv)
{
	if (argc > 1 && strcmp(argv[1], "syscalls") == 0) {
		/* Names of generic-event syscall IDs (PT_SYSCALLID, ppm_sc codes of 2022). */
		for (int i = 0; i < PPM_SC_MAX; i++)
			if (g_syscall_info_table[i].name && g_syscall_info_table[i].name[0])
				printf("[%d] = \"%s\",\n", i, g_syscall_info_table[i].name);
		return 0;
	}
	for (int i = 0; i < PPM_EVENT_MAX; i++) {
		const struct ppm_event_info *e = &g_event_info[i];
		unsigned f = 0;

		if (e->flags & EF_OLD_VERSION)
			f |= 1; /* SCAP_EVF_OLD */
		if (e->flags & EF_LARGE_PAYLOAD)
			f |= 2; /* SCAP_EVF_LARGE */
		if (e->flags & EF_UNUSED)
			f |= 4; /* SCAP_EVF_UNUSED */
		printf("[%d] = {\"%s\", %u, %u, {", i, e->name, f, e->nparams);
		for (unsigned p = 0; p < e->nparams; p++)
			printf("%s{\"%s\", %d}", p ? ", " : "", e->params[p].name,
			       (int)e->params[p].type);
		printf("}},\n");
	}
	return 0;
}
