/* test_cond_parser.c: the 580 libsinsp parser cases (filter_parser_cases.jsonl), read in place. */
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "test_env.h"

static int failed;

static void check_roundtrip(const char *in, size_t len, const struct cond_node *ast, int line)
{
	char *s1 = cond_to_string(ast), *s2;
	struct cond_error err;
	struct cond_node *again;

	again = cond_parse(s1, strlen(s1), COND_FALCO_MAX_DEPTH, &err);
	if (!cond_printable(ast)) {
		/* A tree Falco's printer cannot express (see cond.h): nothing to compare. */
		free(s1);
		cond_free(again);
		return;
	}
	if (!again) {
		printf("FAIL line %d: canonical '%s' does not reparse: %s\n", line, s1, err.msg);
		failed++;
		free(s1);
		return;
	}
	s2 = cond_to_string(again);
	if (strcmp(s1, s2) != 0) {
		printf("FAIL line %d: canonical not stable: '%s' -> '%s'\n", line, s1, s2);
		failed++;
	}
	(void)in;
	(void)len;
	free(s1);
	free(s2);
	cond_free(again);
}

int main(void)
{
	char path[4096];
	FILE *f = fopen(lnr_test_conformance("filter_parser_cases.jsonl", path, sizeof(path)), "r");
	char *line = NULL;
	size_t cap = 0;
	int total = 0, passed = 0, msgs = 0, roundtrips = 0;

	if (!f) {
		perror(path);
		return 1;
	}
	while (getline(&line, &cap, f) > 0) {
		json_error_t jerr;
		json_t *o = json_loads(line, JSON_ALLOW_NUL, &jerr);
		json_t *jin;
		const char *expect, *kind, *msg;
		char *in;
		size_t len;
		struct cond_error err;
		struct cond_node *ast;
		int ok, lno;

		if (!o) {
			printf("FAIL: bad json line: %s\n", jerr.text);
			failed++;
			continue;
		}
		total++;
		jin = json_object_get(o, "input");
		expect = json_string_value(json_object_get(o, "expect"));
		kind = json_string_value(json_object_get(o, "kind"));
		msg = json_string_value(json_object_get(o, "message"));
		lno = (int)json_integer_value(json_object_get(o, "line"));
		if (json_is_null(jin)) {
			/* input_generator "'(' * 100000" */
			const char *gen = json_string_value(json_object_get(o, "input_generator"));
			if (!gen || strcmp(gen, "'(' * 100000") != 0) {
				printf("FAIL line %d: unknown generator\n", lno);
				failed++;
				json_decref(o);
				continue;
			}
			len = 100000;
			in = malloc(len + 1);
			memset(in, '(', len);
			in[len] = '\0';
		} else {
			len = json_string_length(jin);
			in = malloc(len + 1);
			memcpy(in, json_string_value(jin), len + 1);
		}
		ast = cond_parse(in, len, COND_DEFAULT_MAX_DEPTH, &err);
		ok = ast != NULL;
		if (ok != (strcmp(expect, "ok") == 0)) {
			printf("FAIL line %d (%s): '%s' expected %s, got %s%s\n", lno, kind, in,
			       expect, ok ? "ok" : "error: ", ok ? "" : err.msg);
			failed++;
		} else if (msg && strcmp(msg, err.msg) != 0) {
			printf("FAIL line %d: '%s' message '%s', expected '%s'\n", lno, in, err.msg,
			       msg);
			failed++;
		} else {
			passed++;
			if (msg)
				msgs++;
		}
		if (ast) {
			check_roundtrip(in, len, ast, lno);
			roundtrips++;
			if (strcmp(kind, "roundtrip_input") == 0) {
				char *s = cond_to_string(ast);
				if (strcmp(s, in) != 0) {
					printf("FAIL line %d: as_string '%s' != input '%s'\n", lno,
					       s, in);
					failed++;
				}
				free(s);
			}
		}
		cond_free(ast);
		free(in);
		json_decref(o);
	}
	free(line);
	fclose(f);
	printf("filter_parser_cases: %d cases, %d passed (%d exact messages), %d failed, "
	       "0 not applicable; %d canonical round trips checked\n",
	       total, passed, msgs, total - passed, roundtrips);
	if (total != 580) {
		printf("FAIL: expected 580 cases, read %d\n", total);
		failed++;
	}
	return failed ? 1 : 0;
}
