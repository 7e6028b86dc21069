/* config_override.c: Falco-style -o key=value overrides and the schema check (unknown keys, types). */
#include "config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "config_int.h"

/* ---- overrides ---- */

/* Empties node and makes it a mapping or a list (for a null being descended into). */
static void node_make(struct cfg_node *node, enum cfg_node_kind kind)
{
	free(node->text);
	node->text = NULL;
	node->kind = kind;
	node->n = node->cap = 0;
	node->entries = NULL;
}

/*
 * Checks that key can be set in the tree as it is, without changing it: so
 * that a bad override leaves no half-created keys behind. Returns the number
 * of steps (>= 1), or -EINVAL (reported).
 */
static int override_check(struct cfg *cfg, const char *name, const char *key)
{
	const struct cfg_node *node = cfg->root;
	const char *p = key;
	char tmp[64], pos[CFGI_POS_MAX];
	bool fresh = false; /* below a node the override will create (or a null) */
	struct cfgi_step st;
	int r, steps = 0;

	while ((r = cfgi_next_step(&p, steps == 0, &st)) > 0) {
		steps++;
		if (!fresh && node->kind == CFG_NODE_NULL)
			fresh = true;
		if (fresh) {
			/* a new list is empty: only [] or [0] can go into it */
			if (!st.key && st.idx != SIZE_MAX && st.idx > 0) {
				cfgi_diag(
					cfg, CFG_DIAG_ERROR,
					"%s: error: index %zu out of range (the list has 0 items)",
					name, st.idx);
				return -EINVAL;
			}
			continue;
		}
		if (st.key) {
			const struct cfg_entry *e;

			if (node->kind != CFG_NODE_MAP) {
				cfgi_diag(cfg, CFG_DIAG_ERROR,
					  "%s: error: cannot set key '%.*s' inside %s (defined at "
					  "%s)",
					  name, (int)st.klen, st.key,
					  cfgi_describe(node, tmp, sizeof(tmp)),
					  cfgi_where(node->file, node->line, node->col, pos,
						     sizeof(pos)));
				return -EINVAL;
			}
			e = cfgi_map_findn(node, st.key, st.klen);
			if (e)
				node = e->val;
			else
				fresh = true;
		} else {
			if (node->kind != CFG_NODE_SEQ) {
				cfgi_diag(cfg, CFG_DIAG_ERROR,
					  "%s: error: cannot index %s (defined at %s) as a list",
					  name, cfgi_describe(node, tmp, sizeof(tmp)),
					  cfgi_where(node->file, node->line, node->col, pos,
						     sizeof(pos)));
				return -EINVAL;
			}
			if (st.idx != SIZE_MAX && st.idx > node->n) {
				cfgi_diag(cfg, CFG_DIAG_ERROR,
					  "%s: error: index %zu out of range (the list has %zu "
					  "items)",
					  name, st.idx, node->n);
				return -EINVAL;
			}
			if (st.idx == SIZE_MAX || st.idx == node->n)
				fresh = true;
			else
				node = node->items[st.idx];
		}
	}
	if (r < 0 || steps == 0) {
		cfgi_diag(cfg, CFG_DIAG_ERROR,
			  "%s: error: malformed key (expected key.subkey, key[N] or key[])", name);
		return -EINVAL;
	}
	return steps;
}

/* Levels of lists/mappings in a value: 0 for a scalar. */
static unsigned node_height(const struct cfg_node *node)
{
	unsigned h = 0, c;
	size_t i;

	if (node->kind != CFG_NODE_MAP && node->kind != CFG_NODE_SEQ)
		return 0;
	for (i = 0; i < node->n; i++) {
		c = node_height(cfg_node_at(node, i));
		if (c > h)
			h = c;
	}
	return h + 1;
}

int cfg_apply_override(struct cfg *cfg, const char *spec)
{
	const char *eq = strchr(spec, '='), *p, *value;
	char name[CFG_MAX_PATH + 64], tmp[160], kbuf[CFG_MAX_PATH + 1], pos[CFGI_POS_MAX];
	struct cfg_node *node, *val = NULL, **slot = NULL;
	const char *file;
	struct cfgi_step st;
	bool first = true;
	size_t vlen;
	int r, steps, err = 0;

	snprintf(name, sizeof(name), "-o %s", cfgi_printable(spec, tmp, sizeof(tmp)));
	if (!eq || eq == spec) {
		cfgi_diag(
			cfg, CFG_DIAG_ERROR,
			"%s: error: must be of the form key=value (key.subkey=value, key[N]=value, "
			"key[]=value)",
			name);
		return -EINVAL;
	}
	if ((size_t)(eq - spec) > CFG_MAX_PATH) {
		cfgi_diag(cfg, CFG_DIAG_ERROR, "%s: error: key longer than %u bytes", name,
			  CFG_MAX_PATH);
		return -EINVAL;
	}
	/* the same rules as files (libyaml refuses these there) */
	if (!cfgi_utf8_valid((const unsigned char *)spec)) {
		cfgi_diag(cfg, CFG_DIAG_ERROR, "%s: error: invalid UTF-8", name);
		return -EINVAL;
	}
	for (p = spec; *p; p++) {
		if (((unsigned char)*p < 0x20 && *p != '\t') || *p == 0x7f) {
			cfgi_diag(cfg, CFG_DIAG_ERROR,
				  "%s: error: control character (byte 0x%02x at offset %zu)", name,
				  (unsigned)(unsigned char)*p, (size_t)(p - spec));
			return -EINVAL;
		}
	}
	memcpy(kbuf, spec, (size_t)(eq - spec));
	kbuf[eq - spec] = '\0';
	file = cfgi_intern(cfg, name);
	if (!file)
		return -ENOMEM;
	if (!cfg->root) {
		cfg->root = cfgi_node_new(CFG_NODE_MAP, file, 0, 0);
		if (!cfg->root)
			return -ENOMEM;
	}

	steps = override_check(cfg, name, kbuf);
	if (steps < 0)
		return steps;

	/* the value: a flow mapping/sequence is YAML, anything else one verbatim scalar */
	value = eq + 1;
	vlen = strlen(value);
	if (vlen >= 2 && ((value[0] == '{' && value[vlen - 1] == '}') ||
			  (value[0] == '[' && value[vlen - 1] == ']'))) {
		/* positions in the value: line 1, column within VALUE */
		val = cfgi_parse_buffer(cfg, name, value, vlen, false, true, &err);
		if (!val)
			return err;
	} else {
		val = cfgi_node_new(vlen ? CFG_NODE_SCALAR : CFG_NODE_NULL, file, 0, 0);
		if (!val || (vlen && !(val->text = strdup(value)))) {
			cfgi_node_free(val);
			return -ENOMEM;
		}
	}

	/* the tree's depth limit holds with the key's levels added */
	if ((unsigned)steps + node_height(val) > CFG_MAX_DEPTH) {
		cfgi_diag(cfg, CFG_DIAG_ERROR, "%s: error: nesting deeper than %u levels", name,
			  CFG_MAX_DEPTH);
		cfgi_node_free(val);
		return -EINVAL;
	}

	/* walk (creating) to the slot the value goes into */
	node = cfg->root;
	p = kbuf;
	while ((r = cfgi_next_step(&p, first, &st)) > 0) {
		first = false;
		if (st.key) {
			struct cfg_entry *e;
			char *key;

			if (node->kind == CFG_NODE_NULL)
				node_make(node, CFG_NODE_MAP);
			if (node->kind != CFG_NODE_MAP) {
				cfgi_diag(cfg, CFG_DIAG_ERROR,
					  "%s: error: cannot set key '%.*s' inside %s (defined at "
					  "%s)",
					  name, (int)st.klen, st.key,
					  cfgi_describe(node, tmp, sizeof(tmp)),
					  cfgi_where(node->file, node->line, node->col, pos,
						     sizeof(pos)));
				goto fail;
			}
			e = cfgi_map_findn(node, st.key, st.klen);
			if (!e) {
				struct cfg_node *child = cfgi_node_new(CFG_NODE_NULL, file, 0, 0);

				key = strndup(st.key, st.klen);
				if (!child || !key || cfgi_map_push(node, key, 0, 0, child)) {
					free(key);
					cfgi_node_free(child);
					err = -ENOMEM;
					goto fail;
				}
				e = &node->entries[node->n - 1];
			}
			slot = &e->val;
		} else {
			if (node->kind == CFG_NODE_NULL)
				node_make(node, CFG_NODE_SEQ);
			if (node->kind != CFG_NODE_SEQ) {
				cfgi_diag(cfg, CFG_DIAG_ERROR,
					  "%s: error: cannot index %s (defined at %s) as a list",
					  name, cfgi_describe(node, tmp, sizeof(tmp)),
					  cfgi_where(node->file, node->line, node->col, pos,
						     sizeof(pos)));
				goto fail;
			}
			if (st.idx == SIZE_MAX)
				st.idx = node->n;
			if (st.idx > node->n) {
				cfgi_diag(cfg, CFG_DIAG_ERROR,
					  "%s: error: index %zu out of range (the list has %zu "
					  "items)",
					  name, st.idx, node->n);
				goto fail;
			}
			if (st.idx == node->n) {
				struct cfg_node *child = cfgi_node_new(CFG_NODE_NULL, file, 0, 0);

				if (!child || cfgi_seq_push(node, child)) {
					cfgi_node_free(child);
					err = -ENOMEM;
					goto fail;
				}
			}
			slot = &node->items[st.idx];
		}
		node = *slot;
	}
	if (r < 0 || !slot) {
		cfgi_diag(cfg, CFG_DIAG_ERROR,
			  "%s: error: malformed key (expected key.subkey, key[N] or key[])", name);
		goto fail;
	}
	cfgi_node_free(*slot);
	*slot = val;
	return 0;
fail:
	cfgi_node_free(val);
	return err ? err : -EINVAL;
}

/* ---- schema validation ---- */

static int schema_cmp(const void *key, const void *elem)
{
	return strcmp(key, ((const struct cfg_schema_key *)elem)->path);
}

const struct cfg_schema_key *cfg_schema_find(const char *path)
{
	return bsearch(path, cfg_schema, cfg_schema_len, sizeof(cfg_schema[0]), schema_cmp);
}

static const char *kind_name(enum cfg_kind k)
{
	switch (k) {
	case CFG_K_BOOL:
		return "a boolean (true/false, yes/no, on/off)";
	case CFG_K_INT:
		return "an integer";
	case CFG_K_UINT:
		return "a non-negative integer";
	case CFG_K_DOUBLE:
		return "a number";
	case CFG_K_MAP:
		return "a mapping";
	case CFG_K_SEQ:
		return "a list";
	default:
		return "a scalar";
	}
}

static void validate(struct cfg *cfg, const struct cfg_node *node, char *path, size_t plen,
		     enum cfg_kind kind);

/* Checks one value against its schema kind; recurses into lists and mappings. */
static void check_value(struct cfg *cfg, const struct cfg_node *node, char *path, size_t plen,
			enum cfg_kind kind)
{
	char tmp[160], ptmp[160];
	bool b;
	int64_t i;
	uint64_t u;
	double d;
	int rc = 0;

	if (node->kind == CFG_NODE_NULL || kind == CFG_K_ANY)
		return;
	switch (kind) {
	case CFG_K_MAP:
		if (node->kind != CFG_NODE_MAP)
			rc = -EINVAL;
		break;
	case CFG_K_SEQ:
		if (node->kind == CFG_NODE_SCALAR) {
			/* a scalar stands for a list of one, if the items are scalars */
			const struct cfg_schema_key *item;

			if (plen + 3 > CFG_MAX_PATH)
				return;
			memcpy(path + plen, "[]", 3);
			item = cfg_schema_find(path);
			path[plen] = '\0';
			if (!item || item->kind == CFG_K_MAP || item->kind == CFG_K_SEQ) {
				rc = -EINVAL;
				break;
			}
			check_value(cfg, node, path, plen, item->kind);
			return;
		}
		if (node->kind != CFG_NODE_SEQ)
			rc = -EINVAL;
		break;
	default:
		if (node->kind != CFG_NODE_SCALAR) {
			rc = -EINVAL;
			break;
		}
		if (kind == CFG_K_BOOL)
			rc = cfg_parse_bool(node->text, &b);
		else if (kind == CFG_K_INT)
			rc = cfg_parse_int(node->text, &i);
		else if (kind == CFG_K_UINT)
			rc = cfg_parse_uint(node->text, &u);
		else if (kind == CFG_K_DOUBLE)
			rc = cfg_parse_double(node->text, &d);
		break;
	}
	if (rc == -ERANGE && kind == CFG_K_UINT && node->text[0] == '-') {
		cfgi_node_error(cfg, node, "%s: expected a non-negative integer, got %s",
				cfgi_printable(path, ptmp, sizeof(ptmp)),
				cfgi_describe(node, tmp, sizeof(tmp)));
		return;
	}
	if (rc == -ERANGE) {
		cfgi_node_error(cfg, node, "%s: %s out of range",
				cfgi_printable(path, ptmp, sizeof(ptmp)),
				cfgi_describe(node, tmp, sizeof(tmp)));
		return;
	}
	if (rc) {
		cfgi_node_error(cfg, node, "%s: expected %s, got %s",
				cfgi_printable(path, ptmp, sizeof(ptmp)), kind_name(kind),
				cfgi_describe(node, tmp, sizeof(tmp)));
		return;
	}
	if (kind == CFG_K_MAP || kind == CFG_K_SEQ)
		validate(cfg, node, path, plen, kind);
}

static void validate(struct cfg *cfg, const struct cfg_node *node, char *path, size_t plen,
		     enum cfg_kind kind)
{
	const struct cfg_schema_key *sk;
	char tmp[160], pos[CFGI_POS_MAX];
	size_t i;

	if (kind == CFG_K_SEQ) {
		if (plen + 3 > CFG_MAX_PATH)
			return;
		memcpy(path + plen, "[]", 3);
		sk = cfg_schema_find(path);
		if (sk)
			for (i = 0; i < node->n; i++)
				check_value(cfg, node->items[i], path, plen + 2, sk->kind);
		path[plen] = '\0';
		return;
	}
	for (i = 0; i < node->n; i++) {
		const struct cfg_entry *e = &node->entries[i];
		size_t klen = strlen(e->key), nlen = plen + (plen ? 1 : 0) + klen;

		sk = NULL;
		if (nlen < CFG_MAX_PATH && !strpbrk(e->key, ".[")) {
			if (plen)
				path[plen] = '.';
			memcpy(path + plen + (plen ? 1 : 0), e->key, klen + 1);
			sk = cfg_schema_find(path);
		}
		if (!sk) {
			char full[CFG_MAX_PATH + 200];

			path[plen] = '\0';
			snprintf(full, sizeof(full), "%s%s%s", path, plen ? "." : "",
				 cfgi_printable(e->key, tmp, sizeof(tmp)));
			cfgi_diag(cfg, CFG_DIAG_WARNING,
				  "%s: warning: unknown configuration key '%s'",
				  cfgi_where(e->val->file, e->line, e->col, pos, sizeof(pos)),
				  full);
			continue;
		}
		check_value(cfg, e->val, path, nlen, sk->kind);
		path[plen] = '\0';
	}
}

int cfg_validate(struct cfg *cfg)
{
	char path[CFG_MAX_PATH + 8] = "";
	unsigned before = cfg->errors;

	if (!cfg->root)
		return 0;
	validate(cfg, cfg->root, path, 0, CFG_K_MAP);
	return cfg->errors == before ? 0 : -EINVAL;
}
