/* test_used_fields.c: every field the official rules use (used_fields_types.md) resolves, with Falco's type. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>

#include "fields.h"

#define USED_FIELDS LANNER_CONFORMANCE_DIR "/used_fields_types.md"

/* Resolves name as the rule compiler does: evt.arg.NAME is evt.arg with a dotted argument. */
static int resolve(const char *name, struct fld_ref *ref, char *msg, size_t n)
{
	if (fld_resolve(name, NULL, 0, ref, msg, n) == 0)
		return 0;
	if (strncmp(name, "evt.arg.", 8) == 0)
		return fld_resolve("evt.arg", name + 8, strlen(name + 8), ref, msg, n);
	/* a field the rules use with an argument only (container.mount.dest[...]) */
	return fld_resolve(name, "0", 1, ref, msg, n);
}

/*
 * Each table row: | `field` | uses | provider | PT_TYPE | flags |. A field the
 * engine does not know, or knows with another type than libsinsp's, fails.
 * Which ones lack values in some setting is said in docs/enricher.md
 * ("Field coverage"); the values themselves are tested by test_events,
 * test_scap_state and the rule tests.
 */
static void test_used_fields(void **state)
{
	FILE *f = fopen(USED_FIELDS, "r");
	char line[1024];
	unsigned rows = 0, typed = 0, plugin = 0, bad = 0;

	(void)state;
	if (!f)
		fail_msg("%s: cannot open", USED_FIELDS);
	while (fgets(line, sizeof(line), f)) {
		char name[128], prov[64], type[64];
		struct fld_ref ref;
		char msg[256];

		type[0] = '\0';
		if (sscanf(line, "| `%127[^`]` | %*u | %63[^|]| %63[^| ]", name, prov, type) < 2)
			continue;
		rows++;
		if (resolve(name, &ref, msg, sizeof(msg)) != 0) {
			fprintf(stderr, "%s: not implemented: %s\n", name, msg);
			bad++;
			continue;
		}
		if (strncmp(type, "PT_", 3) == 0) {
			typed++;
			if (strcmp(type + 3, fld_type_name(ref.type)) != 0) {
				fprintf(stderr, "%s: type %s, libsinsp %s\n", name,
					fld_type_name(ref.type), type);
				bad++;
			}
		} else {
			plugin++; /* the container plugin's fields: no type in the list */
		}
	}
	fclose(f);
	fprintf(stderr, "%u fields: %u with libsinsp's type checked, %u of the container plugin\n",
		rows, typed, plugin);
	assert_int_equal(bad, 0);
	assert_true(rows >= 90 && typed >= 80 && plugin >= 5); /* the list was read */
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_used_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
