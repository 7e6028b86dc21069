/* fuzz_rules_load.c: libFuzzer target for the rules loader: YAML tree, reader, compiler, output formats. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>

#include "rules_compile.h"
#include "rules_load.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	static const struct rules_append_output ap = {NULL, NULL, NULL, 0, "extra %proc.pid",
						      NULL, 0,	  true};
	struct rules_opts opts = {RULES_PRIO_DEBUG, &ap, 1};
	struct rules_loader *l = rules_loader_new();
	struct rules_ruleset *rs = NULL;
	static FILE *null_out;

	if (!l)
		return 0;
	if (!null_out)
		null_out = fopen("/dev/null", "w");
	/* The same input twice: the second load appends to / overrides the first. */
	if (rules_loader_load_buf(l, "a.yaml", (const char *)data, size) == 0 &&
	    rules_loader_load_buf(l, "b.yaml", (const char *)data, size) == 0)
		rs = rules_compile(l, &opts);
	if (null_out) {
		for (size_t i = 0; i < l->diags.n; i++)
			rules_diag_print(null_out, &l->diags.v[i], rules_loader_line, l);
	}
	if (rs) {
		rules_select(rs, false, "*", NULL);
		rules_select(rs, true, NULL, "a");
		rules_ruleset_reindex(rs);
	}
	rules_ruleset_free(rs);
	rules_loader_free(l);
	return 0;
}
