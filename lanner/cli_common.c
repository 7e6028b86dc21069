/* cli_common.c: helpers shared by the `lanner` subcommands (loading rules, printing diagnostics). */
#include "cli.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

int cli_rules_add(struct cli_rules *r, const char *file)
{
	const char **v = realloc(r->files, (r->n + 1) * sizeof(*v));

	if (!v)
		return -ENOMEM;
	r->files = v;
	v[r->n++] = file;
	return 0;
}

void cli_rules_fini(struct cli_rules *r)
{
	free(r->files);
	r->files = NULL;
	r->n = 0;
}

struct rules_ruleset *cli_load(const struct cli_rules *r, struct rules_loader **loader)
{
	struct rules_loader *l = rules_loader_new();

	*loader = l;
	if (!l)
		return NULL;
	for (size_t i = 0; i < r->n; i++) {
		int rc = rules_loader_load_file(l, r->files[i]);

		if (rc == -ENOMEM || l->diags.nerrors)
			return NULL;
	}
	return rules_compile(l, NULL);
}

void cli_print_diags(FILE *out, struct rules_loader *l, bool warnings)
{
	for (size_t i = 0; i < l->diags.n; i++)
		if (warnings || l->diags.v[i].sev == RULES_ERROR)
			rules_diag_print(out, &l->diags.v[i], rules_loader_line, l);
}
