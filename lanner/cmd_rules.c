/* cmd_rules.c: `lanner list-rules` (-L) and `lanner describe-rule NAME`. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

/* Parses -r FILE... and positional arguments (rules files, or one NAME for describe-rule). */
static int parse(int argc, char **argv, struct cli_rules *files, const char **name, bool want_name)
{
	for (int i = 1; i < argc; i++) {
		int c = cli_parse_config_opt(files, argc, argv, &i);

		if (c < 0)
			return -1;
		if (c > 0)
			continue;
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc) {
			if (cli_rules_add(files, argv[++i]) < 0)
				return -1;
		} else if (want_name && !*name) {
			*name = argv[i];
		} else if (cli_rules_add(files, argv[i]) < 0) {
			return -1;
		}
	}
	return 0;
}

int cmd_list_rules(int argc, char **argv)
{
	struct cli_rules files = {0};
	struct rules_loader *l = NULL;
	struct rules_ruleset *rs;
	const char *unused = NULL;
	int status = 1;

	if (parse(argc, argv, &files, &unused, false) < 0 || (files.n == 0 && !files.config)) {
		fprintf(stderr, "usage: lanner list-rules [-r] RULES...\n");
		cli_rules_fini(&files);
		return 2;
	}
	rs = cli_load(&files, &l);
	if (!rs) {
		if (l)
			cli_print_diags(stderr, l, false);
		goto out;
	}
	printf("%-60s %-13s %-8s %s\n", "RULE", "PRIORITY", "ENABLED", "TAGS");
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rules_crule *c = &rs->rules[i];

		printf("%-60s %-13s %-8s", c->rule->name, rules_prio_name(c->rule->priority),
		       c->enabled ? "yes" : "no");
		for (size_t k = 0; k < c->rule->ntags; k++)
			printf("%s%s", k ? "," : " ", c->rule->tags[k]);
		printf("\n");
	}
	status = 0;
out:
	rules_ruleset_free(rs);
	rules_loader_free(l);
	cli_rules_fini(&files);
	return status;
}

static void print_entry(const struct rules_exc_entry *e)
{
	if (!e->valid) {
		printf("-");
		return;
	}
	if (!e->is_list) {
		printf("%s", e->item ? e->item : "");
		return;
	}
	printf("[");
	for (size_t i = 0; i < e->nitems; i++) {
		if (i)
			printf(", ");
		print_entry(&e->items[i]);
	}
	printf("]");
}

int cmd_describe_rule(int argc, char **argv)
{
	struct cli_rules files = {0};
	struct rules_loader *l = NULL;
	struct rules_ruleset *rs = NULL;
	const char *name = NULL;
	const struct rules_crule *c;
	const struct rules_rule *r;
	int status = 1;

	if (parse(argc, argv, &files, &name, true) < 0 || !name ||
	    (files.n == 0 && !files.config)) {
		fprintf(stderr, "usage: lanner describe-rule -r RULES... NAME\n");
		cli_rules_fini(&files);
		return 2;
	}
	rs = cli_load(&files, &l);
	if (!rs) {
		if (l)
			cli_print_diags(stderr, l, false);
		goto out;
	}
	c = rules_ruleset_find(rs, name);
	if (!c) {
		fprintf(stderr, "lanner describe-rule: no rule named '%s'\n", name);
		goto out;
	}
	r = c->rule;
	printf("rule:        %s\n", r->name);
	printf("defined at:  %s:%u:%u\n", r->pos.file, r->pos.line, r->pos.col);
	printf("description: %s\n", r->desc);
	printf("priority:    %s\n", rules_prio_name(r->priority));
	printf("source:      %s\n", r->source);
	printf("enabled:     %s\n", c->enabled ? "true" : "false");
	printf("tags:       ");
	for (size_t k = 0; k < r->ntags; k++)
		printf(" %s", r->tags[k]);
	printf("\ncondition:   %s\n", r->cond);
	for (size_t i = 0; i < r->nexceptions; i++) {
		const struct rules_exception *ex = &r->exceptions[i];

		printf("exception:   %s fields=", ex->name);
		print_entry(&ex->fields);
		printf(" comps=");
		print_entry(&ex->comps);
		printf(" values=%zu\n", ex->nvalues);
	}
	printf("compiled:    %s\n", c->condition);
	printf("output:      %s\n", c->output);
	printf("event types:");
	if (c->types.neg)
		printf(" all%s", c->types.n ? " except" : "");
	for (size_t i = 0; i < c->types.n; i++)
		printf(" %s", c->types.names[i]);
	printf("\n");
	status = 0;
out:
	rules_ruleset_free(rs);
	rules_loader_free(l);
	cli_rules_fini(&files);
	return status;
}
