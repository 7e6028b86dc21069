/* fuzz_cond_parse.c: libFuzzer target: parse, print canonically, reparse, compile. */
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "prog.h"
#include "rx.h"
#include "testev.h"

/*
 * Properties: the parser never crashes and never overruns its input; when a
 * condition parses and its canonical form can express it (cond_printable),
 * the canonical form parses again to the same canonical form. Compiling and
 * evaluating on an empty event must not crash either.
 */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cond_error err;
	struct cond_node *ast, *again;
	char *s1, *s2;
	struct prog_msg perr;
	struct prog *p;

	/* A copy of exactly size bytes so ASan catches any read past the end. */
	char *buf = malloc(size ? size : 1);
	struct rx *rx;
	char msg[128];

	if (!buf)
		return 0;
	memcpy(buf, data, size);
	/* The input as a regex: the DFA must agree with the Pike VM. */
	rx = size < 512 ? rx_compile(buf, size, msg, sizeof(msg)) : NULL;
	if (rx) {
		static const char *const texts[] = {"", "a", "/etc/passwd", "aaaaaaaaab", "x\ny"};

		for (size_t i = 0; i < sizeof(texts) / sizeof(*texts) + 1; i++) {
			const char *t = i < 5 ? texts[i] : buf;
			size_t tl = i < 5 ? strlen(t) : size;

			if (rx_full_match(rx, t, tl) != rx_full_match_nfa(rx, t, tl))
				abort();
		}
		rx_free(rx);
	}
	ast = cond_parse(buf, size, COND_FALCO_MAX_DEPTH, &err);
	free(buf);
	if (!ast)
		return 0;
	s1 = cond_to_string(ast);
	if (!s1)
		abort();
	if (cond_printable(ast)) {
		again = cond_parse(s1, strlen(s1), COND_FALCO_MAX_DEPTH + 10, &err);
		if (!again) {
			fprintf(stderr, "canonical form does not reparse: '%s': %s\n", s1, err.msg);
			abort();
		}
		s2 = cond_to_string(again);
		if (!s2 || strcmp(s1, s2) != 0) {
			fprintf(stderr, "canonical form not stable: '%s' -> '%s'\n", s1, s2);
			abort();
		}
		free(s2);
		cond_free(again);
	}
	p = prog_compile(ast, &perr);
	if (p) {
		struct testev *ev = testev_new();
		struct fld_accessor acc;

		if (ev) {
			testev_sets(ev, "proc.name", "bash");
			testev_sets(ev, "fd.name", "/etc/passwd");
			acc = testev_accessor(ev);
			/* The flat code and the tree walk must agree. */
			if (prog_eval(p, &acc) != prog_eval_tree(p, &acc))
				abort();
			testev_free(ev);
		}
		prog_free(p);
	}
	free(s1);
	cond_free(ast);
	return 0;
}
