/* col_rules.c: the kernel's selection from base_syscalls and the loaded rules' event types. */
#include "col_rules.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "col_table.h"
#include "evtset.h"
#include "rules_load.h"
#include "rules_setup.h"

static void col_rules_note(char *warn, size_t n, const char *what, const char *name)
{
	size_t l;

	if (!warn || n == 0)
		return;
	l = strlen(warn);
	if (l + 1 >= n)
		return;
	snprintf(warn + l, n - l, "%s%s%s", l ? "; " : "", what, name);
}

int col_rules_selection(struct cfg *cfg, const struct rules_ruleset *rs, uint8_t *want, char *warn,
			size_t warnlen)
{
	const char *names[LNR_EVT_MAX];
	const char **custom = NULL;
	size_t nnames = 0, ncustom = 0, nother = 0;
	struct col_selection s;
	char other[512] = "";
	char cwarn[512] = "";
	int n;

	if (warn && warnlen)
		warn[0] = 0;
	memset(&s, 0, sizeof(s));
	if (cfg) {
		if (cfg_get_strlist(cfg, "base_syscalls.custom_set", &custom, &ncustom) != 0) {
			col_rules_note(warn, warnlen, "",
				       "base_syscalls.custom_set must be a list of names");
			return -EINVAL;
		}
		s.repair = cfg_get_bool(cfg, "base_syscalls.repair", false);
		s.all = cfg_get_bool(cfg, "base_syscalls.all", false);
	}
	for (unsigned t = 0; rs && t < LNR_EVT_MAX; t++) {
		if (rs->nby_type[t] == 0)
			continue;
		if (col_tab_get((uint16_t)t)) {
			names[nnames++] = col_tab_name((uint16_t)t);
		} else if (evtset_type_name(t)) {
			/* Not a syscall the kernel side produces (read, write, container
			 * events, ...): the rules on it never fire from live events. */
			size_t l = strlen(other);

			if (l + 40 < sizeof(other))
				snprintf(other + l, sizeof(other) - l, "%s%s", l ? ", " : "",
					 evtset_type_name(t));
			nother++;
		}
	}
	s.rule_types = names;
	s.n_rule_types = nnames;
	s.custom_set = custom;
	s.n_custom_set = ncustom;
	n = col_selection_types(&s, want, cwarn, sizeof(cwarn));
	free(custom);
	if (cwarn[0])
		col_rules_note(warn, warnlen, "base_syscalls: ", cwarn);
	if (nother) {
		char head[96];

		snprintf(head, sizeof(head),
			 "%zu event types of the rules are not produced live: ", nother);
		col_rules_note(warn, warnlen, head, other);
	}
	return n;
}

int col_rules_apply(struct col *c, struct cfg *cfg, const char *const *files, size_t nfiles,
		    char *err, size_t errlen)
{
	struct rules_loader *l = NULL;
	struct rules_ruleset *rs;
	uint8_t want[LNR_EVT_MAX];
	int n;

	rs = rules_setup(cfg, files, nfiles, &l, err, errlen);
	if (!rs) {
		rules_loader_free(l);
		return -EINVAL;
	}
	n = col_rules_selection(cfg, rs, want, err, errlen);
	rules_ruleset_free(rs);
	rules_loader_free(l);
	if (n < 0)
		return n;
	for (unsigned t = 0; t < LNR_EVT_MAX; t++)
		if (col_tab_get((uint16_t)t))
			col_select(c, (uint16_t)t, want[t]);
	return n;
}

void col_rules_opts(struct cfg *cfg, struct col_opts *o)
{
	if (!cfg)
		return;
	if (cfg_has(cfg, "engine.modern_ebpf.buf_size_preset"))
		o->buf_size_preset =
			(unsigned)cfg_get_uint(cfg, "engine.modern_ebpf.buf_size_preset", 4);
	if (cfg_has(cfg, "engine.modern_ebpf.cpus_for_each_buffer"))
		o->cpus_for_each_buffer =
			(unsigned)cfg_get_uint(cfg, "engine.modern_ebpf.cpus_for_each_buffer", 2);
	if (cfg_has(cfg, "falco_libs.snaplen"))
		o->snaplen = (unsigned)cfg_get_uint(cfg, "falco_libs.snaplen", 80);
}
