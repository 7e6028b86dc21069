/* col_rules.h: which syscalls the kernel reports, from the configuration and the loaded rules. */
#ifndef LANNER_COL_RULES_H
#define LANNER_COL_RULES_H

#include <stddef.h>
#include <stdint.h>

#include "collector.h"
#include "config.h"
#include "rules_compile.h"

/*
 * The selection for a ruleset under the configuration's base_syscalls
 * (custom_set, repair, all; Falco's semantics, see col_selection_types):
 * want[type] = 1 for each enum lnr_evt_type to report (want has LNR_EVT_MAX
 * entries). rs NULL: no rules (only the state set). Event types the rules can
 * match but the collector does not produce (read, write, ...) are named in
 * warn (if not NULL), as are unknown custom_set names. Returns the number of
 * types selected, or -EINVAL when base_syscalls is malformed (reason in warn).
 */
int col_rules_selection(struct cfg *cfg, const struct rules_ruleset *rs, uint8_t *want, char *warn,
			size_t warnlen);

/*
 * Loads the rules as the other stages do (evaluator/rules_setup: the given
 * files, else the config's rules_files), computes the selection and applies
 * it to the running collector: a store into the programs' global data, no
 * reload, no detach. On error (rules that do not load) the current selection
 * stays and err says why. Returns the number of types selected or -errno.
 */
int col_rules_apply(struct col *c, struct cfg *cfg, const char *const *files, size_t nfiles,
		    char *err, size_t errlen);

/* Reads the collector's own Falco keys from the configuration into o:
 * engine.modern_ebpf.buf_size_preset, .cpus_for_each_buffer, falco_libs.snaplen. */
void col_rules_opts(struct cfg *cfg, struct col_opts *o);

#endif
