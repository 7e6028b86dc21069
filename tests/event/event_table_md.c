/* event_table_md.c: prints the event table as Markdown (docs/event.md embeds it; test_event_doc checks it). */
#include <stdio.h>
#include <string.h>

#include "event.h"

static const char *const cat_names[] = {
	"unknown", "other",    "file",	   "net",    "ipc",	  "memory",
	"process", "sleep",    "system",   "signal", "user",	  "time",
	"io_read", "io_write", "io_other", "wait",   "scheduler", "internal",
};

/* Writes the table to f. */
static void print_table(FILE *f)
{
	fprintf(f, "| # | evt.type | category | x86_64 nr | PPME enter/exit | parameters |\n");
	fprintf(f, "|---|---|---|---|---|---|\n");
	for (uint16_t t = 0; t < LNR_EVT_MAX; t++) {
		const struct lnr_evt_info *in = lnr_evt_info(t);

		fprintf(f, "| %u | %s | %s | %d | %u/%u | ", t, in->name, cat_names[in->category],
			in->syscall_nr, in->scap_code_e, in->scap_code_x);
		if (in->nparams == 0)
			fprintf(f, "(none)");
		for (unsigned i = 0; i < in->nparams; i++)
			fprintf(f, "%s%s:%s", i ? ", " : "", in->params[i].name,
				lnr_ptype_name(in->params[i].type) + 3);
		fprintf(f, " |\n");
	}
}

int main(int argc, char **argv)
{
	char gen[1 << 16];
	FILE *m;
	static char doc[1 << 20];
	size_t n;

	if (argc == 1) {
		print_table(stdout);
		return 0;
	}
	/* argc == 2: check that the document at argv[1] contains the table as generated. */
	m = fmemopen(gen, sizeof(gen), "w");
	if (!m)
		return 1;
	print_table(m);
	fputc('\0', m);
	fclose(m);
	m = fopen(argv[1], "r");
	if (!m) {
		perror(argv[1]);
		return 1;
	}
	n = fread(doc, 1, sizeof(doc) - 1, m);
	fclose(m);
	doc[n] = '\0';
	if (!strstr(doc, gen)) {
		fprintf(stderr,
			"%s: the event table is out of date; regenerate it with "
			"build/tests/event/test_event_doc (no argument) and paste it in\n",
			argv[1]);
		return 1;
	}
	printf("%s: event table up to date\n", argv[1]);
	return 0;
}
