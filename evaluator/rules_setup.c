/* rules_setup.c: rules files, priority, append_output and rules: selection from the configuration. */
#include "rules_setup.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
#include "rules_cfg.h"
#include "rules_load.h"

static int cmpstr(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static int has_yaml_ext(const char *n)
{
	size_t l = strlen(n);

	return (l > 5 && strcmp(n + l - 5, ".yaml") == 0) ||
	       (l > 4 && strcmp(n + l - 4, ".yml") == 0);
}

/* Loads path (file or directory). required: a missing path is an error. */
static int load_path(struct rules_loader *l, const char *path, int required, char *err,
		     size_t errlen)
{
	struct stat st;
	DIR *d;
	struct dirent *de;
	char **names = NULL;
	size_t n = 0;
	int rc = 0;

	if (stat(path, &st) != 0) {
		if (required) {
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return -errno;
		}
		log_printf(LOG_LVL_WARNING, "rules file %s not found, skipped", path);
		return 0;
	}
	if (!S_ISDIR(st.st_mode)) {
		rc = rules_loader_load_file(l, path);
		if (rc != 0)
			snprintf(err, errlen, "%s: could not be loaded", path);
		return rc;
	}
	d = opendir(path);
	if (!d) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	while ((de = readdir(d)) != NULL) {
		char **nn;

		if (de->d_name[0] == '.' || !has_yaml_ext(de->d_name))
			continue;
		nn = realloc(names, (n + 1) * sizeof(*names));
		if (!nn) {
			rc = -ENOMEM;
			break;
		}
		names = nn;
		if (asprintf(&names[n], "%s/%s", path, de->d_name) < 0) {
			rc = -ENOMEM;
			break;
		}
		n++;
	}
	closedir(d);
	if (n)
		qsort(names, n, sizeof(*names), cmpstr);
	for (size_t i = 0; i < n; i++) {
		if (rc == 0 && rules_loader_load_file(l, names[i]) != 0) {
			snprintf(err, errlen, "%s: could not be loaded", names[i]);
			rc = -EINVAL;
		}
		free(names[i]);
	}
	free(names);
	return rc;
}

struct rules_ruleset *rules_setup(struct cfg *cfg, const char *const *files, size_t nfiles,
				  struct rules_loader **loader, char *err, size_t errlen)
{
	struct rules_loader *l = rules_loader_new();
	/* Falco's default when append_output is absent: suggested_output: true. */
	static const struct rules_append_output suggested = {.suggested_output = true};
	struct rules_cfg rc;
	struct rules_opts o = {
		.min_priority = RULES_PRIO_DEBUG, .append = &suggested, .nappend = 1};
	const char **legacy = NULL;
	struct rules_ruleset *rs = NULL;
	int required = nfiles > 0;

	memset(&rc, 0, sizeof(rc));
	*loader = l;
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	/* rules_files, priority, rules: and append_output, read as the CLI reads them. */
	if (cfg && rules_cfg_read(cfg, &rc) != 0) {
		snprintf(err, errlen, "the rules settings of the configuration are invalid");
		return NULL;
	}
	if (cfg) {
		o.min_priority = rc.opts.min_priority;
		if (cfg_node_get(cfg, NULL, "append_output")) {
			o.append = rc.opts.append;
			o.nappend = rc.opts.nappend;
		}
	}
	if (!nfiles) {
		files = rc.files;
		nfiles = rc.nfiles;
		/* Falco's older key. */
		if (!nfiles && cfg && cfg_has(cfg, "rules_file") &&
		    cfg_get_strlist(cfg, "rules_file", &legacy, &nfiles) == 0)
			files = legacy;
	}
	for (size_t i = 0; i < nfiles; i++)
		if (load_path(l, files[i], required, err, errlen) != 0)
			goto out;
	rs = rules_compile(l, &o);
	if (!rs) {
		snprintf(err, errlen, "the rules have errors");
		goto out;
	}
	if (rules_cfg_select(&rc, rs) != 0) {
		snprintf(err, errlen, "out of memory");
		rules_ruleset_free(rs);
		rs = NULL;
	}
out:
	free(legacy);
	rules_cfg_fini(&rc);
	return rs;
}
