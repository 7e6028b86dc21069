/* rules_cfg.c: reads the rule-related falco.yaml keys from the configuration tree. */
#include "rules_cfg.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

void rules_cfg_fini(struct rules_cfg *rc)
{
	if (!rc)
		return;
	for (size_t i = 0; rc->append_tags && i < rc->nappend; i++)
		free(rc->append_tags[i]);
	for (size_t i = 0; rc->append_extra && i < rc->nappend; i++)
		free(rc->append_extra[i]);
	free(rc->append_tags);
	free(rc->append_extra);
	free(rc->append);
	free(rc->sel);
	free(rc->files);
	memset(rc, 0, sizeof(*rc));
}

static int read_selection(struct cfg *cfg, struct rules_cfg *rc)
{
	const struct cfg_node *rules = cfg_node_get(cfg, NULL, "rules");
	size_t n;

	if (!rules || cfg_node_kind(rules) == CFG_NODE_NULL)
		return 0;
	if (cfg_node_kind(rules) != CFG_NODE_SEQ)
		return 0; /* the config schema reports the type error */
	n = cfg_node_len(rules);
	rc->sel = calloc(n ? n : 1, sizeof(*rc->sel));
	if (!rc->sel)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct cfg_node *e = cfg_node_at(rules, i);
		const struct cfg_node *body;
		struct rules_sel *s = &rc->sel[rc->nsel];

		if ((body = cfg_node_get(cfg, e, "enable")))
			s->enable = true;
		else if ((body = cfg_node_get(cfg, e, "disable")))
			s->enable = false;
		else
			continue;
		s->rule = cfg_node_get_string(cfg, body, "rule", NULL);
		s->tag = cfg_node_get_string(cfg, body, "tag", NULL);
		if (s->rule || s->tag)
			rc->nsel++;
	}
	return 0;
}

static int read_append(struct cfg *cfg, struct rules_cfg *rc)
{
	const struct cfg_node *ao = cfg_node_get(cfg, NULL, "append_output");
	size_t n;

	if (!ao || cfg_node_kind(ao) != CFG_NODE_SEQ)
		return 0;
	n = cfg_node_len(ao);
	rc->append = calloc(n ? n : 1, sizeof(*rc->append));
	rc->append_tags = calloc(n ? n : 1, sizeof(*rc->append_tags));
	rc->append_extra = calloc(n ? n : 1, sizeof(*rc->append_extra));
	if (!rc->append || !rc->append_tags || !rc->append_extra)
		return -ENOMEM;
	for (size_t i = 0; i < n; i++) {
		const struct cfg_node *e = cfg_node_at(ao, i);
		struct rules_append_output *a = &rc->append[i];
		const struct cfg_node *m = cfg_node_get(cfg, e, "match"), *ef;
		int rc2;

		rc->nappend = i + 1;
		a->extra_output = cfg_node_get_string(cfg, e, "extra_output", NULL);
		a->suggested_output = cfg_node_get_bool(cfg, e, "suggested_output", false);
		ef = cfg_node_get(cfg, e, "extra_fields");
		if (ef && cfg_node_kind(ef) == CFG_NODE_SEQ && cfg_node_len(ef)) {
			size_t ne = cfg_node_len(ef);

			rc->append_extra[i] = calloc(ne, sizeof(**rc->append_extra));
			if (!rc->append_extra[i])
				return -ENOMEM;
			for (size_t k = 0; k < ne; k++) {
				const struct cfg_node *x = cfg_node_at(ef, k);
				struct rules_extra_field *f =
					&rc->append_extra[i][a->nextra_fields];

				if (cfg_node_kind(x) == CFG_NODE_SCALAR) {
					/* "- evt.hostname": a field, typed */
					f->name = NULL;
					f->format = cfg_node_scalar(x);
				} else if (cfg_node_kind(x) == CFG_NODE_MAP &&
					   cfg_node_len(x) == 1) {
					/* "- home_directory: ${HOME}": a name and a format */
					f->name = cfg_node_key_at(x, 0);
					f->format = cfg_node_scalar(cfg_node_at(x, 0));
				} else {
					continue;
				}
				a->nextra_fields++;
			}
			a->extra_fields = rc->append_extra[i];
		}
		if (m) {
			a->match_rule = cfg_node_get_string(cfg, m, "rule", NULL);
			a->match_source = cfg_node_get_string(cfg, m, "source", NULL);
			rc2 = cfg_node_get_strlist(cfg, m, "tags", &rc->append_tags[i],
						   &a->nmatch_tags);
			if (rc2 == -ENOMEM)
				return rc2;
			a->match_tags = rc->append_tags[i];
		}
	}
	return 0;
}

int rules_cfg_read(struct cfg *cfg, struct rules_cfg *out)
{
	static const char *const prios[] = {"emergency", "alert",  "critical",	    "error",
					    "warning",	 "notice", "informational", "debug",
					    "info",	 NULL};
	unsigned errs = cfg_error_count(cfg);
	int p, rc;

	memset(out, 0, sizeof(*out));
	p = cfg_get_enum(cfg, "priority", prios, 7);
	out->opts.min_priority = p == 8 ? RULES_PRIO_INFORMATIONAL : (enum rules_prio)p;
	rc = cfg_get_strlist(cfg, "rules_files", &out->files, &out->nfiles);
	if (rc == 0)
		rc = read_selection(cfg, out);
	if (rc == 0)
		rc = read_append(cfg, out);
	out->opts.append = out->append;
	out->opts.nappend = out->nappend;
	if (rc == 0 && cfg_error_count(cfg) != errs)
		rc = -EINVAL;
	if (rc < 0)
		rules_cfg_fini(out);
	return rc;
}

int rules_cfg_select(const struct rules_cfg *rc, struct rules_ruleset *rs)
{
	for (size_t i = 0; i < rc->nsel; i++)
		rules_select(rs, rc->sel[i].enable, rc->sel[i].rule, rc->sel[i].tag);
	return rules_ruleset_reindex(rs);
}
