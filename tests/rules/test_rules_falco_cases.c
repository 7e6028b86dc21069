/* test_rules_falco_cases.c: Falco's rule-loader unit tests (falco_engine_test_cases.jsonl) read in place. */
#include <jansson.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_compile.h"
#include "rules_load.h"

/* Falco's test helpers name this warning by its macro; the text is the loader's. */
#define NO_EVTTYPE_TEXT "Rule matches too many evt.type values"

struct tally {
	const char *what;
	int pass, na, fail;
};

enum {
	T_LOAD_OK,
	T_LOAD_FAIL,
	T_WARN,
	T_NOWARN,
	T_ERR,
	T_COND,
	T_HASWARN,
	T_NRULES,
	T_SCHEMA,
	T_DESCRIBE,
	T_EXTRA,
	T_MAX
};
static struct tally tallies[T_MAX] = {
	{"loads (must succeed)", 0, 0, 0},	  {"loads (must fail)", 0, 0, 0},
	{"warning substrings expected", 0, 0, 0}, {"warning substrings not expected", 0, 0, 0},
	{"error substrings expected", 0, 0, 0},	  {"exact compiled conditions", 0, 0, 0},
	{"has_warnings() asserts", 0, 0, 0},	  {"num_rules_for_ruleset() asserts", 0, 0, 0},
	{"schema validation status", 0, 0, 0},	  {"description / error-context asserts", 0, 0, 0},
	{"extra-output API asserts", 0, 0, 0},
};
static int verbose;

static bool diag_has(const struct rules_loader *l, enum rules_sev sev, const char *sub)
{
	if (strcmp(sub, "WARNING_NO_EVTTYPE") == 0)
		sub = NO_EVTTYPE_TEXT;
	for (size_t i = 0; i < l->diags.n; i++)
		if (l->diags.v[i].sev == sev && strstr(l->diags.v[i].msg, sub))
			return true;
	return false;
}

static void dump(const struct rules_loader *l)
{
	for (size_t i = 0; i < l->diags.n; i++)
		rules_diag_print(stderr, &l->diags.v[i], rules_loader_line, (void *)l);
}

static void check(int t, bool ok, const char *test, const char *detail, struct rules_loader *l)
{
	if (ok) {
		tallies[t].pass++;
		return;
	}
	tallies[t].fail++;
	fprintf(stderr, "FAIL %s: %s: %s\n", test, tallies[t].what, detail);
	if (l)
		dump(l);
}

static void not_applicable(const char *test, const char *why)
{
	printf("  n/a  %s: %s\n", test, why);
}

static size_t enabled_rules(const struct rules_ruleset *rs)
{
	size_t n = 0;

	for (size_t i = 0; rs && i < rs->nrules; i++)
		n += rs->rules[i].enabled;
	return n;
}

/* The last "..." literal of an assert (the expected string), unescaped into buf. */
static const char *last_literal(const char *a, char *buf, size_t sz)
{
	const char *end = strrchr(a, '"'), *p;
	size_t o = 0;

	if (!end)
		return NULL;
	for (p = end - 1; p > a && !(*p == '"' && p[-1] != '\\'); p--)
		;
	if (p <= a)
		return NULL;
	for (p++; p < end && o + 1 < sz; p++) {
		if (*p == '\\' && p + 1 < end)
			p++;
		buf[o++] = *p;
	}
	buf[o] = '\0';
	return buf;
}

/*
 * Falco's describe-rule JSON asserts, on the equivalent loaded data: a rule's
 * info.{condition,output,description,priority,capture,capture_duration} and
 * a list's compiled items.
 */
static void describe_assert(const char *test, const char *a, struct rules_loader *l,
			    struct rules_ruleset *rs)
{
	const struct rules_rule *r = l->coll.nrules ? &l->coll.rules[0] : NULL;
	char want[512], got[512], key[64];
	const char *k = strstr(a, "[\"info\"][\"");
	unsigned n;

	got[0] = '\0';
	if (k && r && sscanf(k, "[\"info\"][\"%63[^\"]", key) == 1) {
		if (strcmp(key, "condition") == 0)
			snprintf(got, sizeof(got), "%s", r->cond);
		else if (strcmp(key, "output") == 0)
			snprintf(got, sizeof(got), "%s", r->output);
		else if (strcmp(key, "description") == 0)
			snprintf(got, sizeof(got), "%s", r->desc);
		else if (strcmp(key, "priority") == 0)
			snprintf(got, sizeof(got), "%s", rules_prio_name(r->priority));
		else if (strcmp(key, "capture") == 0)
			snprintf(got, sizeof(got), "%s", r->capture ? "true" : "false");
		else if (strcmp(key, "capture_duration") == 0)
			snprintf(got, sizeof(got), "%u", r->capture_duration);
		if (strstr(a, "get<std::string>"))
			last_literal(a, want, sizeof(want));
		else if (strstr(a, "get<bool>"))
			snprintf(want, sizeof(want), "%s",
				 strstr(a, "), true)") ? "true" : "false");
		else if (sscanf(strstr(a, "), ") ? strstr(a, "), ") + 3 : "", "%uu", &n) == 1 ||
			 sscanf(strrchr(a, ',') + 1, " %uu", &n) == 1)
			snprintf(want, sizeof(want), "%u", n);
		else
			want[0] = '\1';
		{
			char detail[1200];

			snprintf(detail, sizeof(detail), "%s: want '%s' got '%s'", key, want, got);
			check(T_DESCRIBE, strcmp(want, got) == 0, test, detail, NULL);
		}
		return;
	}
	if (strstr(a, "[\"details\"][\"lists\"].size(), ")) {
		/* lists referenced by the list: ours inlines them; none in these cases */
		check(T_DESCRIBE, rs && rs->nlists == 1, test, "list references", NULL);
		return;
	}
	if (strstr(a, "[\"rules\"].size(), ") && sscanf(strstr(a, "size(), ") + 8, "%u", &n) == 1) {
		check(T_DESCRIBE, (rs ? rs->nrules : 0) == n, test, "rules count", NULL);
		return;
	}
	if (strstr(a, "[\"macros\"].size(), ") &&
	    sscanf(strstr(a, "size(), ") + 8, "%u", &n) == 1) {
		check(T_DESCRIBE, l->coll.nmacros == n, test, "macros count", NULL);
		return;
	}
	if (strstr(a, "[\"lists\"].size(), ") && sscanf(strstr(a, "size(), ") + 8, "%u", &n) == 1) {
		check(T_DESCRIBE, l->coll.nlists == n, test, "lists count", NULL);
		return;
	}
	if (strstr(a, "[\"items_compiled\"].size(), ") &&
	    sscanf(strstr(a, "size(), ") + 8, "%u", &n) == 1) {
		check(T_DESCRIBE, rs && rs->nlists && rs->lists[0].nitems == n, test, "items count",
		      NULL);
		return;
	}
	if (strstr(a, "[\"items_compiled\"][") &&
	    sscanf(strstr(a, "[\"items_compiled\"][") + 19, "%u", &n) == 1) {
		last_literal(a, want, sizeof(want));
		check(T_DESCRIBE,
		      rs && rs->nlists && n < rs->lists[0].nitems &&
			      strcmp(rs->lists[0].items[n], want) == 0,
		      test, want, NULL);
		return;
	}
	not_applicable(test, "describe-rule JSON assert without a Lanner equivalent");
	tallies[T_DESCRIBE].na++;
}

static int run_case(json_t *c)
{
	const char *test = json_string_value(json_object_get(c, "test"));
	json_t *contents = json_object_get(c, "rules_contents");
	json_t *v, *asserts = json_object_get(c, "asserts");
	struct rules_loader *l;
	struct rules_ruleset *rs = NULL;
	const char *yaml;
	size_t i;
	bool loaded;
	int na = 0;

	if (!json_array_size(contents))
		return -1; /* no YAML: not a loader case */
	yaml = json_string_value(json_object_get(json_array_get(contents, 0), "yaml"));
	l = rules_loader_new();
	if (!l || !yaml)
		return 1;
	loaded = rules_loader_load_buf(l, "rules.yaml", yaml, strlen(yaml)) == 0;
	if (loaded) {
		rs = rules_compile(l, NULL);
		loaded = rs != NULL;
	}
	if (verbose) {
		printf("== %s (%s)\n", test, loaded ? "loaded" : "failed");
		dump(l);
	}
	json_array_foreach(json_object_get(c, "load_expect"), i, v)
	{
		bool want = json_is_true(json_object_get(v, "ok"));

		check(want ? T_LOAD_OK : T_LOAD_FAIL, loaded == want, test,
		      want ? "expected the load to succeed" : "expected the load to fail", l);
	}
	json_array_foreach(json_object_get(c, "warnings_expected"), i, v)
	{
		check(T_WARN, diag_has(l, RULES_WARNING, json_string_value(v)), test,
		      json_string_value(v), l);
	}
	json_array_foreach(json_object_get(c, "warnings_not_expected"), i, v)
	{
		check(T_NOWARN, !diag_has(l, RULES_WARNING, json_string_value(v)), test,
		      json_string_value(v), l);
	}
	json_array_foreach(json_object_get(c, "errors_expected"), i, v)
	{
		check(T_ERR, diag_has(l, RULES_ERROR, json_string_value(v)), test,
		      json_string_value(v), l);
	}
	json_array_foreach(json_object_get(c, "compiled_conditions"), i, v)
	{
		const char *rule = json_string_value(json_object_get(v, "rule"));
		const char *want = json_string_value(json_object_get(v, "expected"));
		struct rules_crule *cr = rs ? rules_ruleset_find(rs, rule) : NULL;
		char detail[1024];

		snprintf(detail, sizeof(detail), "rule '%s': want \"%s\" got \"%s\"", rule, want,
			 cr ? cr->condition : "(not compiled)");
		check(T_COND, cr && strcmp(cr->condition, want) == 0, test, detail, l);
	}
	json_array_foreach(asserts, i, v)
	{
		const char *a = json_string_value(v);
		unsigned n;

		if (strstr(a, "has_warnings()")) {
			bool want = strncmp(a, "ASSERT_TRUE", 11) == 0 ||
				    strncmp(a, "EXPECT_TRUE", 11) == 0;

			check(T_HASWARN, (l->diags.nwarnings > 0) == want, test, a, l);
		} else if (sscanf(a, "EXPECT_EQ(num_rules_for_ruleset(), %u)", &n) == 1) {
			char detail[128];

			snprintf(detail, sizeof(detail), "want %u enabled rules, got %zu", n,
				 enabled_rules(rs));
			check(T_NRULES, rs && enabled_rules(rs) == n, test, detail, l);
		} else if (strstr(a, "rule_description")) {
			describe_assert(test, a, l, rs);
		} else if (strstr(a, "check_error_message") || strstr(a, "check_warning_message")) {
			/* counted with errors_expected / warnings_expected */
		} else if (strstr(a, "[\"errors\"][0][\"context\"][\"snippet\"]") &&
			   strstr(a, ".find(\"")) {
			/* the first error's snippet: the source line our error points at */
			char want[256];
			size_t len = 0;
			const char *line = NULL, *f = strstr(a, ".find(\"") + 7;
			const char *e = strchr(f, '"');

			snprintf(want, sizeof(want), "%.*s", e ? (int)(e - f) : 0, f);
			for (size_t k = 0; k < l->diags.n && !line; k++)
				if (l->diags.v[k].sev == RULES_ERROR)
					line = rules_loader_line(l, l->diags.v[k].pos.file,
								 l->diags.v[k].pos.line, &len);
			check(T_DESCRIBE, line && memmem(line, len, want, strlen(want)), test,
			      "first error's snippet", l);
		} else if (strstr(a, "get_compiled_rule_output") ||
			   strstr(a, "get_compiled_rule_formatted_fields")) {
			not_applicable(test, "asserts on the engine extra-output API (its setup is "
					     "not in the case data)");
			tallies[T_EXTRA].na++;
			na++;
		} else if (strstr(a, "ASSERT_VALIDATION_STATUS")) {
			/* counted once per case below */
		}
	}
	json_array_foreach(json_object_get(c, "validation_status"), i, v)
	{
		const char *want = json_string_value(v);
		const char *got = l->nfiles ? l->files[0].schema : "none";
		bool ok = strcmp(want, "validation_ok") == 0 ? strcmp(got, "ok") == 0
							     : strncmp(got, "failed", 6) == 0;
		char detail[256];

		snprintf(detail, sizeof(detail), "want %s, got \"%s\"", want, got);
		check(T_SCHEMA, ok, test, detail, NULL);
	}
	if (!json_array_size(json_object_get(c, "load_expect")) &&
	    !json_array_size(json_object_get(c, "compiled_conditions"))) {
		not_applicable(test, "no load expectation (tests the engine's extra-output API)");
		tallies[T_LOAD_OK].na++;
	}
	rules_ruleset_free(rs);
	rules_loader_free(l);
	return na;
}

int main(int argc, char **argv)
{
	const char *path = LANNER_CONFORMANCE_DIR "/falco_engine_test_cases.jsonl";
	char line[1 << 16];
	FILE *f;
	int ncases = 0, failed = 0;

	if (argc > 1 && strcmp(argv[1], "-v") == 0)
		verbose = 1;
	f = fopen(path, "r");
	if (!f) {
		fprintf(stderr, "cannot open %s\n", path);
		return 1;
	}
	printf("not applicable (why):\n");
	while (fgets(line, sizeof(line), f)) {
		json_error_t je;
		json_t *c = json_loads(line, 0, &je);

		if (!c) {
			fprintf(stderr, "bad JSON line: %s\n", je.text);
			fclose(f);
			return 1;
		}
		if (run_case(c) >= 0)
			ncases++;
		json_decref(c);
	}
	fclose(f);
	printf("\n%d cases with YAML\n", ncases);
	printf("%-36s %6s %6s %6s\n", "check", "passed", "n/a", "failed");
	for (int t = 0; t < T_MAX; t++) {
		printf("%-36s %6d %6d %6d\n", tallies[t].what, tallies[t].pass, tallies[t].na,
		       tallies[t].fail);
		failed += tallies[t].fail;
	}
	return failed ? 1 : 0;
}
