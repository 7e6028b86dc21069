/* rules_setup.h: load and compile the rules as a real start does, from the configuration. */
#ifndef LANNER_RULES_SETUP_H
#define LANNER_RULES_SETUP_H

#include <stddef.h>

#include "config.h"
#include "rules_compile.h"

/*
 * Loads the rules files (the given paths, else the config's `rules_files`;
 * a directory means its *.yaml and *.yml files in name order), compiles them
 * with the config's `priority` threshold and `append_output` entries, and
 * applies the `rules:` enable/disable selection. A configured file that does
 * not exist is skipped with a warning (as Falco does); a named one (-r) that
 * does not is an error. Diagnostics are in (*loader)->diags. Returns the
 * ruleset, or NULL with a one-line reason in err.
 */
struct rules_ruleset *rules_setup(struct cfg *cfg, const char *const *files, size_t nfiles,
				  struct rules_loader **loader, char *err, size_t errlen);

#endif
