/* cmd_validate.c: `lanner validate FILE...` (also -V): load rules files as a real start would. */
#include <stdlib.h>
#include <string.h>

#include "cli.h"

static void json_diag(FILE *out, struct rules_loader *l, const struct rules_diag *d)
{
	const char *line;
	size_t len = 0;

	fputs("{\"file\":", out);
	rules_json_str(out, d->pos.file ? d->pos.file : "", d->pos.file ? strlen(d->pos.file) : 0);
	fprintf(out, ",\"line\":%u,\"column\":%u,\"code\":\"%s\",\"message\":", d->pos.line,
		d->pos.col, rules_code_name(d->code));
	rules_json_str(out, d->msg, strlen(d->msg));
	fputs(",\"item\":", out);
	if (d->item)
		rules_json_str(out, d->item, strlen(d->item));
	else
		fputs("null", out);
	line = d->pos.line ? rules_loader_line(l, d->pos.file, d->pos.line, &len) : NULL;
	fputs(",\"snippet\":", out);
	if (line)
		rules_json_str(out, line, len);
	else
		fputs("null", out);
	fputc('}', out);
}

static void print_json(FILE *out, struct rules_loader *l, bool ok)
{
	fprintf(out, "{\"successful\":%s,\"engine_version\":\"%s\",\"files\":[",
		ok ? "true" : "false", RULES_ENGINE_VERSION);
	for (size_t i = 0; i < l->nfiles; i++) {
		if (i)
			fputc(',', out);
		rules_json_str(out, l->files[i].name, strlen(l->files[i].name));
	}
	/* Falco's schema_validation() per file: "ok", "failed for ...", "none" */
	fputs("],\"schema_validation\":[", out);
	for (size_t i = 0; i < l->nfiles; i++) {
		if (i)
			fputc(',', out);
		rules_json_str(out, l->files[i].schema, strlen(l->files[i].schema));
	}
	for (int sev = RULES_ERROR; sev >= RULES_WARNING; sev--) {
		bool first = true;

		fprintf(out, "],\"%s\":[", sev == RULES_ERROR ? "errors" : "warnings");
		for (size_t i = 0; i < l->diags.n; i++) {
			if ((int)l->diags.v[i].sev != sev)
				continue;
			if (!first)
				fputc(',', out);
			first = false;
			json_diag(out, l, &l->diags.v[i]);
		}
	}
	fputs("]}\n", out);
}

int cmd_validate(int argc, char **argv)
{
	struct cli_rules files = {0};
	struct rules_loader *l = NULL;
	struct rules_ruleset *rs;
	bool json = false, ok;
	int status;

	for (int i = 1; i < argc; i++) {
		if (strcmp(argv[i], "--format") == 0 && i + 1 < argc) {
			const char *f = argv[++i];

			if (strcmp(f, "json") == 0) {
				json = true;
			} else if (strcmp(f, "text") != 0) {
				fprintf(stderr,
					"lanner validate: unknown format '%s' (text, json)\n", f);
				cli_rules_fini(&files);
				return 2;
			}
		} else if (strcmp(argv[i], "--format=json") == 0) {
			json = true;
		} else if (cli_parse_config_opt(&files, argc, argv, &i) != 0) {
			continue;
		} else if (strcmp(argv[i], "-V") == 0 || strcmp(argv[i], "-r") == 0) {
			continue; /* `lanner -V a -V b`, Falco style */
		} else if (argv[i][0] == '-' && argv[i][1]) {
			fprintf(stderr, "lanner validate: unknown option '%s'\n", argv[i]);
			cli_rules_fini(&files);
			return 2;
		} else if (cli_rules_add(&files, argv[i]) < 0) {
			fprintf(stderr, "lanner validate: out of memory\n");
			return 1;
		}
	}
	if (files.n == 0 && !files.config) {
		fprintf(stderr, "usage: lanner validate [--format text|json] [-c CONFIG [-o "
				"K=V]...] FILE...\n");
		return 2;
	}
	rs = cli_load(&files, &l);
	if (!l) {
		fprintf(stderr, "lanner validate: out of memory\n");
		cli_rules_fini(&files);
		return 1;
	}
	ok = rs != NULL && l->diags.nerrors == 0;
	if (json) {
		print_json(stdout, l, ok);
	} else {
		cli_print_diags(stdout, l, true);
		for (size_t i = 0; i < files.n; i++)
			printf("%s%s", i ? ", " : "", files.files[i]);
		if (files.n == 0)
			printf("rules_files of %s", files.config);
		if (ok)
			printf(": Ok (%zu rules, %zu warnings)\n", rs->nrules, l->diags.nwarnings);
		else
			printf(": Invalid (%zu errors, %zu warnings)\n", l->diags.nerrors,
			       l->diags.nwarnings);
	}
	status = ok ? 0 : 1;
	rules_ruleset_free(rs);
	rules_loader_free(l);
	cli_rules_fini(&files);
	return status;
}
