/* rules_cfg.h: the falco.yaml keys that shape rule loading: rules_files, priority, rules:, append_output. */
#ifndef LANNER_RULES_CFG_H
#define LANNER_RULES_CFG_H

#include <stdbool.h>
#include <stddef.h>

#include "config.h"
#include "rules_compile.h"

/* One entry of Falco's `rules:` section: enable or disable by rule name (glob) or tag. */
struct rules_sel {
	bool enable;
	const char *rule; /* glob, or NULL */
	const char *tag;  /* or NULL */
};

/*
 * What the configuration says about rules. Strings point into the cfg (valid
 * until cfg_free); arrays are owned here (rules_cfg_fini).
 */
struct rules_cfg {
	struct rules_opts opts; /* min_priority and append entries (opts.append = append) */
	struct rules_append_output *append;
	size_t nappend;
	const char ***append_tags; /* per append entry, the match.tags array (freed in fini) */
	struct rules_extra_field **append_extra; /* per append entry, its extra_fields */
	struct rules_sel *sel;
	size_t nsel;
	const char **files; /* rules_files, in order */
	size_t nfiles;
};

/*
 * Reads `rules_files`, `priority` (Falco's minimum priority, default debug),
 * `rules` and `append_output` from cfg. Problems are reported through cfg's
 * diagnostic sink with file:line:col. Returns 0, -EINVAL or -ENOMEM.
 */
int rules_cfg_read(struct cfg *cfg, struct rules_cfg *out);
void rules_cfg_fini(struct rules_cfg *rc);

/* Applies the `rules:` entries in order and rebuilds the index. 0 or -ENOMEM. */
int rules_cfg_select(const struct rules_cfg *rc, struct rules_ruleset *rs);

#endif
