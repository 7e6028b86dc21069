/* cli_common.c: helpers shared by the `lanner` subcommands (loading rules, printing diagnostics). */
#include "cli.h"

#include <dirent.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "config.h"
#include "rules_cfg.h"

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
	free(r->overrides);
	memset(r, 0, sizeof(*r));
}

int cli_parse_config_opt(struct cli_rules *r, int argc, char **argv, int *i)
{
	const char *a = argv[*i];

	if ((strcmp(a, "-c") == 0 || strcmp(a, "--config") == 0) && *i + 1 < argc) {
		r->config = argv[++*i];
		return 1;
	}
	if (strcmp(a, "-o") == 0 && *i + 1 < argc) {
		const char **v = realloc(r->overrides, (r->noverrides + 1) * sizeof(*v));

		if (!v)
			return -1;
		r->overrides = v;
		v[r->noverrides++] = argv[++*i];
		return 1;
	}
	return 0;
}

static int cmp_names(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

/* A rules_files entry: a file, or a directory whose regular files load in name order (Falco). */
static int load_path(struct rules_loader *l, const char *path)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (stat(path, &st) != 0 || !S_ISDIR(st.st_mode))
		return rules_loader_load_file(l, path);
	d = opendir(path);
	if (!d)
		return rules_loader_load_file(l, path); /* reports the error */
	while ((de = readdir(d))) {
		char **v;
		char *full;

		if (de->d_name[0] == '.')
			continue;
		if (asprintf(&full, "%s/%s", path, de->d_name) < 0) {
			rc = -ENOMEM;
			break;
		}
		if (stat(full, &st) != 0 || !S_ISREG(st.st_mode)) {
			free(full);
			continue;
		}
		v = realloc(names, (n + 1) * sizeof(*v));
		if (!v) {
			free(full);
			rc = -ENOMEM;
			break;
		}
		names = v;
		names[n++] = full;
	}
	closedir(d);
	qsort(names, n, sizeof(*names), cmp_names);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && !l->diags.nerrors)
			rc = rules_loader_load_file(l, names[i]);
		free(names[i]);
	}
	free(names);
	return rc;
}

struct rules_ruleset *cli_load(const struct cli_rules *r, struct rules_loader **loader)
{
	struct rules_loader *l = rules_loader_new();
	struct rules_ruleset *rs = NULL;
	struct rules_cfg rc;
	struct cfg *cfg = NULL;
	const char *const *files = r->files;
	size_t nfiles = r->n;

	memset(&rc, 0, sizeof(rc));
	*loader = l;
	if (!l)
		return NULL;
	if (r->config) {
		/* Diagnostics of the configuration go to the log (stderr) as file:line:col. */
		cfg = cfg_new();
		if (!cfg || cfg_load(cfg, r->config, r->overrides, r->noverrides) != 0 ||
		    rules_cfg_read(cfg, &rc) != 0) {
			struct rules_pos p = {r->config, 0,
					      0}; /* argv: outlives the loader's use */

			rules_diag_add(&l->diags, RULES_ERROR, RULES_ERR_FILE_READ, p, NULL,
				       "configuration could not be used (see the messages above)");
			goto out;
		}
		if (nfiles == 0) {
			files = rc.files;
			nfiles = rc.nfiles;
		}
	}
	for (size_t i = 0; i < nfiles; i++) {
		int err = load_path(l, files[i]);

		if (err == -ENOMEM || l->diags.nerrors)
			goto out;
	}
	rs = rules_compile(l, r->config ? &rc.opts : NULL);
	if (rs && r->config && rules_cfg_select(&rc, rs) < 0) {
		rules_ruleset_free(rs);
		rs = NULL;
	}
out:
	rules_cfg_fini(&rc);
	cfg_free(cfg);
	return rs;
}

void cli_print_diags(FILE *out, struct rules_loader *l, bool warnings)
{
	for (size_t i = 0; i < l->diags.n; i++)
		if (warnings || l->diags.v[i].sev == RULES_ERROR)
			rules_diag_print(out, &l->diags.v[i], rules_loader_line, l);
	if (warnings && l->diags.suppressed)
		fprintf(out, "(%zu more warnings not shown)\n", l->diags.suppressed);
}
