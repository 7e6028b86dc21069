/* main.c: the `lanner` command: dispatches to one subcommand per file (cmd_*.c). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct subcommand {
	const char *name;
	const char *alias; /* Falco-style flag spelling, or NULL */
	int (*fn)(int argc, char **argv);
	const char *help;
};

static const struct subcommand cmds[] = {
	{"validate", "-V", cmd_validate, "validate FILE...    load rules files like a real start"},
	{"explain", NULL, cmd_explain,
	 "explain [-r RULES]... [--parse-only] [--stdin] 'CONDITION'   expand and check a "
	 "condition"},
	{"list-rules", "-L", cmd_list_rules, "list-rules [-r RULES]...   list loaded rules"},
	{"describe-rule", NULL, cmd_describe_rule,
	 "describe-rule [-r RULES]... NAME   show one rule, expanded"},
	{"list-fields", "--list", cmd_list_fields,
	 "list-fields [PREFIX]   fields usable in conditions and outputs"},
	{"capture", NULL, cmd_capture,
	 "capture -w FILE.scap [-C MB] [-G SECS] [-W N] [-n N] [-M SECS] [-z]   record live "
	 "events into a capture (lanner capture --help)"},
	{"selftest", NULL, cmd_selftest,
	 "selftest [-r RULES] [--alerts FILE] [--list]   trigger each default rule harmlessly, "
	 "report detection"},
};

static void usage(FILE *out)
{
	fprintf(out, "usage: lanner [run] [OPTIONS]   run the pipeline (lanner run --help)\n"
		     "       lanner COMMAND [ARGS]\n\ncommands:\n");
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++)
		fprintf(out, "  %s%s%s%s\n", cmds[i].help, cmds[i].alias ? "  (also " : "",
			cmds[i].alias ? cmds[i].alias : "", cmds[i].alias ? ")" : "");
}

int main(int argc, char **argv)
{
	/* a renamed copy of this binary run by `lanner selftest` for one action */
	if (getenv("LANNER_SELFTEST_ACT"))
		return selftest_child_main();
	/* no subcommand, "run", or Falco-style flags first: the running product */
	if (argc < 2 || strcmp(argv[1], "run") == 0 ||
	    (argv[1][0] == '-' && strcmp(argv[1], "-V") != 0 && strcmp(argv[1], "-L") != 0 &&
	     strcmp(argv[1], "--list") != 0 && strcmp(argv[1], "-h") != 0 &&
	     strcmp(argv[1], "--help") != 0))
		return cmd_run(argc, argv);
	if (strcmp(argv[1], "-h") == 0 || strcmp(argv[1], "--help") == 0 ||
	    strcmp(argv[1], "help") == 0) {
		usage(stdout);
		return 0;
	}
	if (strcmp(argv[1], "--version") == 0 || strcmp(argv[1], "version") == 0) {
		printf("lanner %s (rules engine version %s)\n", LANNER_VERSION,
		       RULES_ENGINE_VERSION);
		return 0;
	}
	for (size_t i = 0; i < sizeof(cmds) / sizeof(cmds[0]); i++) {
		if (strcmp(argv[1], cmds[i].name) == 0 ||
		    (cmds[i].alias && strcmp(argv[1], cmds[i].alias) == 0))
			return cmds[i].fn(argc - 1, argv + 1);
	}
	fprintf(stderr, "lanner: unknown command '%s'\n", argv[1]);
	usage(stderr);
	return 2;
}
