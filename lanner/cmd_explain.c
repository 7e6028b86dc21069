/* cmd_explain.c: `lanner explain`: a condition with lists/macros expanded, its event types, or its error. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

struct explain {
	struct rules_ruleset *rs; /* NULL with --parse-only and no -r */
	bool parse_only;
};

/* Returns the canonical form (malloc'ed) or NULL with msg/pos set. */
static char *explain_one(struct explain *e, const char *text, struct rules_evtset *types, char *msg,
			 size_t msgsz, struct cond_pos *pos)
{
	struct cond_node *ast;
	char *canon;

	memset(pos, 0, sizeof(*pos));
	if (e->rs) {
		ast = rules_expand(e->rs, text, msg, msgsz, pos);
	} else {
		struct cond_error err;

		ast = cond_parse(text, strlen(text), COND_FALCO_MAX_DEPTH, &err);
		if (!ast) {
			snprintf(msg, msgsz, "%s", err.msg);
			*pos = err.pos;
		}
	}
	if (!ast)
		return NULL;
	if (!e->parse_only) {
		struct prog_msg pm;
		struct prog *p;

		if (rules_check_fields(ast, msg, msgsz, pos) < 0) {
			cond_free(ast);
			return NULL;
		}
		/* Type checks of operators and values: the real compiler. */
		p = prog_compile(ast, &pm);
		if (!p) {
			snprintf(msg, msgsz, "%s", pm.msg);
			*pos = pm.pos;
			cond_free(ast);
			return NULL;
		}
		prog_free(p);
	}
	canon = cond_to_string(ast);
	if (!canon)
		snprintf(msg, msgsz, "out of memory");
	if (canon && types && rules_evtset_of(ast, types) < 0) {
		free(canon);
		canon = NULL;
		snprintf(msg, msgsz, "out of memory");
	}
	cond_free(ast);
	return canon;
}

static void print_types(const struct rules_evtset *t)
{
	if (t->neg && t->n == 0) {
		printf("event types: all (the condition names no event type)\n");
		return;
	}
	printf("event types: %s", t->neg ? "all except " : "");
	if (!t->neg && t->n == 0)
		printf("none (the condition can never match)");
	for (size_t i = 0; i < t->n; i++)
		printf("%s%s", i ? " " : "", t->names[i]);
	printf("\n");
}

static int run_stdin(struct explain *e)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int status = 0;

	while ((n = getline(&line, &cap, stdin)) >= 0) {
		char msg[256];
		struct cond_pos pos;
		char *canon;

		if (n > 0 && line[n - 1] == '\n')
			line[--n] = '\0';
		canon = explain_one(e, line, NULL, msg, sizeof(msg), &pos);
		if (canon) {
			printf("ok\t%s\n", canon);
			free(canon);
		} else {
			/* One line per result: control characters in messages are escaped. */
			printf("error\t");
			for (const char *p = msg; *p; p++)
				putchar((unsigned char)*p < 0x20 ? ' ' : *p);
			putchar('\n');
			status = 1;
		}
	}
	free(line);
	return status;
}

int cmd_explain(int argc, char **argv)
{
	struct cli_rules files = {0};
	struct rules_loader *l = NULL;
	struct explain e = {0};
	const char *cond = NULL;
	bool use_stdin = false;
	int status = 1;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) {
			if (cli_rules_add(&files, argv[++i]) < 0)
				goto out;
		} else if (cli_parse_config_opt(&files, argc, argv, &i) != 0) {
			continue;
		} else if (strcmp(argv[i], "--parse-only") == 0) {
			e.parse_only = true;
		} else if (strcmp(argv[i], "--stdin") == 0) {
			use_stdin = true;
		} else if (strcmp(argv[i], "--") == 0 && i + 1 < argc) {
			cond = argv[++i];
		} else if (argv[i][0] == '-' && argv[i][1] && !cond) {
			fprintf(stderr, "lanner explain: unknown option '%s'\n", argv[i]);
			status = 2;
			goto out;
		} else {
			cond = argv[i];
		}
	}
	if (!cond && !use_stdin) {
		fprintf(stderr, "usage: lanner explain [-r RULES]... [--parse-only] [--stdin] "
				"'CONDITION'\n");
		status = 2;
		goto out;
	}
	if (files.n || files.config || !e.parse_only) {
		e.rs = cli_load(&files, &l);
		if (!e.rs) {
			if (l)
				cli_print_diags(stderr, l, false);
			goto out;
		}
	}
	if (use_stdin) {
		status = run_stdin(&e);
	} else {
		struct rules_evtset types = {0};
		struct cond_pos pos;
		char msg[256];
		char *canon = explain_one(&e, cond, &types, msg, sizeof(msg), &pos);

		if (canon) {
			printf("condition: %s\n", canon);
			print_types(&types);
			free(canon);
			status = 0;
		} else {
			printf("<condition>:%u:%u: error: %s\n", pos.line ? pos.line : 1,
			       pos.col ? pos.col : 1, msg);
			if (!strchr(cond, '\n') && strlen(cond) < 400) {
				printf("  %s\n  %*s^\n", cond, (int)(pos.col ? pos.col - 1 : 0),
				       "");
			}
		}
		rules_evtset_fini(&types);
	}
out:
	rules_ruleset_free(e.rs);
	rules_loader_free(l);
	cli_rules_fini(&files);
	return status;
}
