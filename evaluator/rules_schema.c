/* rules_schema.c: the rules-file JSON schema (falco_rule_schema.json) checked on the YAML tree. */
#include "rules_schema.h"

#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

enum sty { S_STRING, S_BOOL, S_INT, S_ITEMS, S_PRIO, S_PLUGINS, S_EXCEPTIONS, S_OVERRIDE, S_TAGS };

static const struct {
	const char *key;
	enum sty type;
} rule_props[] = {
	{"required_engine_version", S_STRING},
	{"required_plugin_versions", S_PLUGINS},
	{"macro", S_STRING},
	{"condition", S_STRING},
	{"list", S_STRING},
	{"items", S_ITEMS},
	{"rule", S_STRING},
	{"desc", S_STRING},
	{"enabled", S_BOOL},
	{"output", S_STRING},
	{"append", S_BOOL},
	{"priority", S_PRIO},
	{"capture", S_BOOL},
	{"capture_duration", S_INT},
	{"source", S_STRING},
	{"exceptions", S_EXCEPTIONS},
	{"override", S_OVERRIDE},
	{"tags", S_TAGS},
	{"warn_evttypes", S_BOOL},
	{"skip-if-unknown-filter", S_BOOL},
};

static const char *const override_keys[] = {"items",	  "desc",	   "condition",
					    "output",	  "priority",	   "enabled",
					    "exceptions", "capture",	   "capture_duration",
					    "tags",	  "warn_evttypes", "skip-if-unknown-filter",
					    NULL};

static const char *const prios[] = {"EMERGENCY", "ALERT", "CRITICAL",	   "ERROR", "WARNING",
				    "NOTICE",	 "INFO",  "INFORMATIONAL", "DEBUG", NULL};

static int fail(char *msg, size_t sz, const struct rules_ynode *n, const char *what)
{
	snprintf(msg, sz, "failed for line %u: %s", n ? n->line : 0, what);
	return 1;
}

/* yaml-cpp scalars are strings; a null (empty plain) node is not a scalar. */
static bool is_str(const struct rules_ynode *n)
{
	return n->kind == RULES_Y_SCALAR && !rules_yaml_is_null(n);
}

static bool is_bool(const struct rules_ynode *n)
{
	return is_str(n) && (strcmp(n->str, "true") == 0 || strcmp(n->str, "false") == 0);
}

static bool is_int(const struct rules_ynode *n)
{
	char *end;

	if (!is_str(n) || n->len == 0)
		return false;
	strtoll(n->str, &end, 10);
	return *end == '\0';
}

static bool in_list(const char *s, const char *const *v)
{
	for (; *v; v++)
		if (strcmp(s, *v) == 0)
			return true;
	return false;
}

/* Objects with only these keys (all scalar strings), `required` among them. */
static int check_obj(const struct rules_ynode *n, const char *const *keys, const char *const *req,
		     char *msg, size_t sz)
{
	if (n->kind != RULES_Y_MAP)
		return fail(msg, sz, n, "expected an object");
	for (size_t i = 0; i + 1 < n->nkids; i += 2)
		if (!in_list(n->kids[i]->str, keys))
			return fail(msg, sz, n->kids[i], "unexpected property");
	for (; req && *req; req++)
		if (!rules_yaml_get(n, *req))
			return fail(msg, sz, n, "missing required property");
	return 0;
}

static int check_value(const struct rules_ynode *v, enum sty t, char *msg, size_t sz)
{
	static const char *const plugin_keys[] = {"name", "version", "alternatives", NULL};
	static const char *const alt_keys[] = {"name", "version", NULL};
	static const char *const nv[] = {"name", "version", NULL};
	static const char *const ex_keys[] = {"name", "fields", "comps", "values", NULL};
	static const char *const ex_req[] = {"name", NULL};

	switch (t) {
	case S_STRING:
		return is_str(v) ? 0 : fail(msg, sz, v, "expected a string");
	case S_BOOL:
		return is_bool(v) ? 0 : fail(msg, sz, v, "expected a boolean");
	case S_INT:
		return is_int(v) ? 0 : fail(msg, sz, v, "expected an integer");
	case S_PRIO:
		return is_str(v) && in_list(v->str, prios) ? 0 : fail(msg, sz, v, "not a priority");
	case S_ITEMS:
	case S_TAGS:
		if (v->kind != RULES_Y_SEQ)
			return fail(msg, sz, v, "expected an array");
		for (size_t i = 0; i < v->nkids; i++)
			if (!is_str(v->kids[i]))
				return fail(msg, sz, v->kids[i], "expected a string");
		return 0;
	case S_PLUGINS:
		if (v->kind != RULES_Y_SEQ)
			return fail(msg, sz, v, "expected an array");
		for (size_t i = 0; i < v->nkids; i++) {
			const struct rules_ynode *p = v->kids[i], *alts;

			if (check_obj(p, plugin_keys, nv, msg, sz))
				return 1;
			alts = rules_yaml_get(p, "alternatives");
			if (alts && alts->kind != RULES_Y_SEQ)
				return fail(msg, sz, alts, "expected an array");
			for (size_t k = 0; alts && k < alts->nkids; k++)
				if (check_obj(alts->kids[k], alt_keys, nv, msg, sz))
					return 1;
		}
		return 0;
	case S_EXCEPTIONS:
		if (v->kind != RULES_Y_SEQ)
			return fail(msg, sz, v, "expected an array");
		for (size_t i = 0; i < v->nkids; i++) {
			const struct rules_ynode *name;

			if (check_obj(v->kids[i], ex_keys, ex_req, msg, sz))
				return 1;
			name = rules_yaml_get(v->kids[i], "name");
			if (!is_str(name))
				return fail(msg, sz, name, "expected a string");
		}
		return 0;
	case S_OVERRIDE:
		if (v->kind != RULES_Y_MAP || v->nkids == 0)
			return fail(msg, sz, v, "expected a non-empty object");
		for (size_t i = 0; i + 1 < v->nkids; i += 2) {
			const struct rules_ynode *k = v->kids[i], *o = v->kids[i + 1];

			if (!in_list(k->str, override_keys))
				return fail(msg, sz, k, "unexpected property");
			if (!is_str(o) || (strcmp(o->str, "append") && strcmp(o->str, "replace")))
				return fail(msg, sz, o, "expected append or replace");
		}
		return 0;
	}
	return 0;
}

int rules_schema_check(const struct rules_ynode *doc, char *msg, size_t msgsz)
{
	if (!doc)
		return 0;
	if (doc->kind != RULES_Y_SEQ)
		return fail(msg, msgsz, doc, "expected an array");
	for (size_t i = 0; i < doc->nkids; i++) {
		const struct rules_ynode *item = doc->kids[i];

		if (item->kind != RULES_Y_MAP)
			return fail(msg, msgsz, item, "expected an object");
		for (size_t k = 0; k + 1 < item->nkids; k += 2) {
			const char *key = item->kids[k]->str;
			size_t p;

			for (p = 0; p < sizeof(rule_props) / sizeof(rule_props[0]); p++)
				if (strcmp(rule_props[p].key, key) == 0)
					break;
			if (p == sizeof(rule_props) / sizeof(rule_props[0]))
				return fail(msg, msgsz, item->kids[k], "unexpected property");
			if (check_value(item->kids[k + 1], rule_props[p].type, msg, msgsz))
				return 1;
		}
	}
	return 0;
}
