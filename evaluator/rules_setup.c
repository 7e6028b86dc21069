/* rules_setup.c: rules files, priority, append_output and rules: selection from the configuration. */
#include "rules_setup.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "log.h"
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
	struct rules_opts o = {.min_priority = RULES_PRIO_DEBUG};
	struct rules_append_output app[64];
	const char *const *cfiles = NULL;
	const char **tmp = NULL;
	size_t ncfiles = 0;
	struct rules_ruleset *rs = NULL;
	const struct cfg_node *node;
	const char *prio;

	*loader = l;
	if (!l) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	if (nfiles) {
		for (size_t i = 0; i < nfiles; i++)
			if (load_path(l, files[i], 1, err, errlen) != 0)
				return NULL;
	} else if (cfg && cfg_get_strlist(cfg, "rules_files", &tmp, &ncfiles) == 0 && ncfiles) {
		cfiles = tmp;
		for (size_t i = 0; i < ncfiles; i++)
			if (load_path(l, cfiles[i], 0, err, errlen) != 0) {
				free(tmp);
				return NULL;
			}
		free(tmp);
	} else if (cfg && cfg_has(cfg, "rules_file") &&
		   cfg_get_strlist(cfg, "rules_file", &tmp, &ncfiles) == 0) {
		/* Falco's older key. */
		for (size_t i = 0; i < ncfiles; i++)
			if (load_path(l, tmp[i], 0, err, errlen) != 0) {
				free(tmp);
				return NULL;
			}
		free(tmp);
	}
	prio = cfg ? cfg_get_string(cfg, "priority", "debug") : "debug";
	if (rules_prio_parse(prio, &o.min_priority) != 0) {
		snprintf(err, errlen, "priority: unknown level '%s'", prio);
		return NULL;
	}
	node = cfg ? cfg_node_get(cfg, NULL, "append_output") : NULL;
	if (node && cfg_node_kind(node) == CFG_NODE_SEQ) {
		size_t n = cfg_node_len(node);

		for (size_t i = 0; i < n && o.nappend < sizeof(app) / sizeof(app[0]); i++) {
			const struct cfg_node *e = cfg_node_at(node, i);
			struct rules_append_output *a = &app[o.nappend];

			memset(a, 0, sizeof(*a));
			a->suggested_output = cfg_node_get_bool(cfg, e, "suggested_output", false);
			a->extra_output = cfg_node_get_string(cfg, e, "extra_output", NULL);
			a->match_rule = cfg_node_get_string(cfg, e, "match.rule", NULL);
			a->match_source = cfg_node_get_string(cfg, e, "match.source", NULL);
			o.nappend++;
		}
	} else {
		/* Falco's default: suggested_output: true. */
		app[0] = (struct rules_append_output){.suggested_output = true};
		o.nappend = 1;
	}
	o.append = app;
	rs = rules_compile(l, &o);
	if (!rs) {
		snprintf(err, errlen, "the rules have errors");
		return NULL;
	}
	node = cfg ? cfg_node_get(cfg, NULL, "rules") : NULL;
	if (node && cfg_node_kind(node) == CFG_NODE_SEQ) {
		size_t n = cfg_node_len(node);

		for (size_t i = 0; i < n; i++) {
			const struct cfg_node *e = cfg_node_at(node, i);
			int enable = cfg_node_get(cfg, e, "enable") != NULL;
			const char *k = enable ? "enable" : "disable";
			char key[32];
			const char *rule, *tag;

			snprintf(key, sizeof(key), "%s.rule", k);
			rule = cfg_node_get_string(cfg, e, key, NULL);
			snprintf(key, sizeof(key), "%s.tag", k);
			tag = cfg_node_get_string(cfg, e, key, NULL);
			rules_select(rs, enable, rule, tag);
		}
		if (rules_ruleset_reindex(rs) != 0) {
			snprintf(err, errlen, "out of memory");
			rules_ruleset_free(rs);
			return NULL;
		}
	}
	return rs;
}
