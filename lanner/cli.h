/* cli.h: the `lanner` command's subcommands (one file each) and their shared helpers. */
#ifndef LANNER_CLI_H
#define LANNER_CLI_H

#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>

#include "rules_compile.h"
#include "rules_load.h"

/* Subcommands: argv[0] is the subcommand name; return the process exit status. */
int cmd_validate(int argc, char **argv);
int cmd_explain(int argc, char **argv);
int cmd_list_rules(int argc, char **argv);
int cmd_describe_rule(int argc, char **argv);
int cmd_list_fields(int argc, char **argv);
int cmd_selftest(int argc, char **argv);
/* `lanner capture -w FILE.scap`: runs lanner-collector --write (cmd_capture.c). */
int cmd_capture(int argc, char **argv);
/* Runs the selftest action named by LANNER_SELFTEST_ACT and exits (cmd_selftest.c). */
int selftest_child_main(void);
/* `lanner` / `lanner run`: the supervisor (cmd_run.c, supervisor.c). */
int cmd_run(int argc, char **argv);

/*
 * Rules files given with -r (or positionally), in order, and an optional
 * configuration (-c falco.yaml, -o key=value): its rules_files (when no file
 * is given), priority, rules: selection and append_output apply as at start.
 */
struct cli_rules {
	const char **files;
	size_t n;
	const char *config;
	const char **overrides;
	size_t noverrides;
};

int cli_rules_add(struct cli_rules *r, const char *file);
void cli_rules_fini(struct cli_rules *r);
/*
 * Consumes -c FILE / --config FILE / -o SPEC at argv[*i] (advancing *i).
 * Returns 1 when consumed, 0 when argv[*i] is something else, -1 on ENOMEM.
 */
int cli_parse_config_opt(struct cli_rules *r, int argc, char **argv, int *i);

/*
 * Loads and compiles the files like a real start (in order, stopping at the
 * first file with an error). Returns the ruleset (NULL on error); *loader is
 * always set (NULL only on ENOMEM) and holds the diagnostics.
 */
struct rules_ruleset *cli_load(const struct cli_rules *r, struct rules_loader **loader);

/* Prints all diagnostics of the loader as FILE:LINE:COL: sev: msg + line + caret. */
void cli_print_diags(FILE *out, struct rules_loader *l, bool warnings);

#endif
