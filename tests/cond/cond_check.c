/* cond_check.c: developer tool: one condition per stdin line -> "ok<TAB>canonical" or "error<TAB>msg". */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "prog.h"

int main(void)
{
	char *line = NULL;
	size_t cap = 0;
	ssize_t n;
	int bad = 0;

	while ((n = getline(&line, &cap, stdin)) > 0) {
		struct cond_error e;
		struct prog_msg pe;
		struct cond_node *ast;
		struct prog *p;
		char *s;

		if (line[n - 1] == '\n')
			line[--n] = '\0';
		ast = cond_parse(line, (size_t)n, COND_FALCO_MAX_DEPTH, &e);
		if (!ast) {
			printf("error\t%u:%u: %s\n", e.pos.line, e.pos.col, e.msg);
			bad++;
			continue;
		}
		p = prog_compile(ast, &pe);
		s = cond_to_string(ast);
		if (!p) {
			printf("error\t%u:%u: %s\n", pe.pos.line, pe.pos.col, pe.msg);
			bad++;
		} else {
			struct evtset es;

			prog_evtset(p, &es);
			printf("ok\t%u\t%s\n", evtset_count(&es), s);
			for (size_t i = 0; i < prog_warning_count(p); i++)
				printf("warning\t%s\n", prog_warning(p, i)->msg);
		}
		free(s);
		prog_free(p);
		cond_free(ast);
	}
	free(line);
	return bad ? 1 : 0;
}
