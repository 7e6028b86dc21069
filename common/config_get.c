/* config_get.c: dotted paths, scalar conversions (YAML 1.1 as Falco), typed getters, node access. */
#include "config.h"

#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#include <jansson.h>

#include "config_int.h"

/* ---- paths ---- */

/* Advances *p over one step ("key", ".key", "[N]", "[]"). */
int cfgi_next_step(const char **p, bool first, struct cfgi_step *st)
{
	const char *s = *p;

	if (!*s)
		return 0;
	if (*s == '[') {
		char *end;
		unsigned long long v;

		st->key = NULL;
		if (s[1] == ']') {
			st->idx = SIZE_MAX;
			*p = s + 2;
			return 1;
		}
		if (!isdigit((unsigned char)s[1]))
			return -EINVAL;
		errno = 0;
		v = strtoull(s + 1, &end, 10);
		if (errno || *end != ']' || v >= SIZE_MAX)
			return -EINVAL;
		st->idx = (size_t)v;
		*p = end + 1;
		return 1;
	}
	if (!first) {
		if (*s != '.')
			return -EINVAL;
		s++;
	}
	st->key = s;
	st->idx = 0;
	while (*s && *s != '.' && *s != '[')
		s++;
	st->klen = (size_t)(s - st->key);
	if (st->klen == 0)
		return -EINVAL;
	*p = s;
	return 1;
}

struct cfg_entry *cfgi_map_findn(const struct cfg_node *map, const char *key, size_t klen)
{
	size_t i;

	for (i = 0; i < map->n; i++)
		if (strlen(map->entries[i].key) == klen && !memcmp(map->entries[i].key, key, klen))
			return &map->entries[i];
	return NULL;
}

/*
 * The node at path below base, NULL when absent. A step through a scalar or
 * a list/mapping mismatch is a type error (reported, *err = -EINVAL).
 */
const struct cfg_node *cfgi_lookup(struct cfg *cfg, const struct cfg_node *base, const char *path,
				   int *err)
{
	const struct cfg_node *node = base ? base : cfg->root;
	const char *p = path;
	struct cfgi_step st;
	bool first = true;
	int r;
	char tmp[64], ptmp[160];

	*err = 0;
	if (!node)
		return NULL;
	while ((r = cfgi_next_step(&p, first, &st)) > 0) {
		first = false;
		if (node->kind == CFG_NODE_NULL)
			return NULL;
		if (st.key) {
			const struct cfg_entry *e;

			if (node->kind != CFG_NODE_MAP) {
				cfgi_node_error(
					cfg, node, "%s: expected a mapping above '%.*s', got %s",
					cfgi_printable(path, ptmp, sizeof(ptmp)), (int)st.klen,
					st.key, cfgi_describe(node, tmp, sizeof(tmp)));
				*err = -EINVAL;
				return NULL;
			}
			e = cfgi_map_findn(node, st.key, st.klen);
			if (!e)
				return NULL;
			node = e->val;
		} else {
			if (node->kind != CFG_NODE_SEQ || st.idx == SIZE_MAX) {
				if (st.idx == SIZE_MAX)
					break;
				cfgi_node_error(cfg, node, "%s: expected a list, got %s",
						cfgi_printable(path, ptmp, sizeof(ptmp)),
						cfgi_describe(node, tmp, sizeof(tmp)));
				*err = -EINVAL;
				return NULL;
			}
			if (st.idx >= node->n)
				return NULL;
			node = node->items[st.idx];
		}
	}
	if (r < 0 || st.idx == SIZE_MAX) {
		cfgi_diag(cfg, CFG_DIAG_ERROR, "error: malformed configuration path '%s'",
			  cfgi_printable(path, ptmp, sizeof(ptmp)));
		*err = -EINVAL;
		return NULL;
	}
	return node;
}

/* ---- scalar conversions ---- */

int cfg_parse_bool(const char *s, bool *out)
{
	static const char *const yes[] = {"y",	  "Y",	  "yes", "Yes", "YES", "true",
					  "True", "TRUE", "on",	 "On",	"ON"};
	static const char *const no[] = {"n",	  "N",	   "no",  "No",	 "NO", "false",
					 "False", "FALSE", "off", "Off", "OFF"};
	size_t i;

	for (i = 0; i < sizeof(yes) / sizeof(yes[0]); i++) {
		if (!strcmp(s, yes[i])) {
			*out = true;
			return 0;
		}
		if (!strcmp(s, no[i])) {
			*out = false;
			return 0;
		}
	}
	return -EINVAL;
}

/* Magnitude and sign of an integer literal: [+-] (digits | 0x hex | 0o octal). */
static int parse_magnitude(const char *s, bool *neg, unsigned long long *mag)
{
	int base = 10;
	char *end;

	*neg = false;
	if (*s == '+' || *s == '-') {
		*neg = *s == '-';
		s++;
	}
	if (s[0] == '0' && (s[1] == 'x' || s[1] == 'X')) {
		base = 16;
		s += 2;
		if (!isxdigit((unsigned char)*s))
			return -EINVAL;
	} else if (s[0] == '0' && s[1] == 'o') {
		base = 8;
		s += 2;
		if (*s < '0' || *s > '7')
			return -EINVAL;
	} else if (!isdigit((unsigned char)*s)) {
		return -EINVAL;
	}
	errno = 0;
	*mag = strtoull(s, &end, base);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE)
		return -ERANGE;
	return 0;
}

int cfg_parse_int(const char *s, int64_t *out)
{
	unsigned long long mag;
	bool neg;
	int rc = parse_magnitude(s, &neg, &mag);

	if (rc)
		return rc;
	if (neg) {
		if (mag > (unsigned long long)INT64_MAX + 1)
			return -ERANGE;
		*out = mag == (unsigned long long)INT64_MAX + 1 ? INT64_MIN : -(int64_t)mag;
	} else {
		if (mag > INT64_MAX)
			return -ERANGE;
		*out = (int64_t)mag;
	}
	return 0;
}

int cfg_parse_uint(const char *s, uint64_t *out)
{
	unsigned long long mag;
	bool neg;
	int rc = parse_magnitude(s, &neg, &mag);

	if (rc)
		return rc;
	if (neg && mag != 0)
		return -ERANGE;
	*out = mag;
	return 0;
}

int cfg_parse_double(const char *s, double *out)
{
	const char *p = s;
	char *end;
	double v;

	if (*p == '+' || *p == '-')
		p++;
	if (!strcmp(p, ".inf") || !strcmp(p, ".Inf") || !strcmp(p, ".INF")) {
		*out = *s == '-' ? -INFINITY : INFINITY;
		return 0;
	}
	if (p == s && (!strcmp(p, ".nan") || !strcmp(p, ".NaN") || !strcmp(p, ".NAN"))) {
		*out = NAN;
		return 0;
	}
	/* only decimal forms: strtod alone would also take "inf", "nan", hex floats */
	if (!isdigit((unsigned char)*p) && !(*p == '.' && isdigit((unsigned char)p[1])))
		return -EINVAL;
	if (p[0] == '0' && (p[1] == 'x' || p[1] == 'X'))
		return -EINVAL;
	errno = 0;
	v = strtod(s, &end);
	if (*end)
		return -EINVAL;
	if (errno == ERANGE && (v == HUGE_VAL || v == -HUGE_VAL))
		return -ERANGE;
	*out = v;
	return 0;
}

/* ---- getters ---- */

/* The scalar at path, NULL when absent/null or on a (reported) type error. */
static const struct cfg_node *get_scalar(struct cfg *cfg, const struct cfg_node *base,
					 const char *path, const char *what)
{
	char tmp[160], ptmp[160];
	int err;
	const struct cfg_node *node = cfgi_lookup(cfg, base, path, &err);

	if (!node || node->kind == CFG_NODE_NULL)
		return NULL;
	if (node->kind != CFG_NODE_SCALAR) {
		cfgi_node_error(cfg, node, "%s: expected %s, got %s",
				cfgi_printable(path, ptmp, sizeof(ptmp)), what,
				cfgi_describe(node, tmp, sizeof(tmp)));
		return NULL;
	}
	return node;
}

bool cfg_node_get_bool(struct cfg *cfg, const struct cfg_node *base, const char *path, bool def)
{
	static const char what[] = "a boolean (true/false, yes/no, on/off)";
	const struct cfg_node *node = get_scalar(cfg, base, path, what);
	char tmp[160], ptmp[160];
	bool v;

	if (!node)
		return def;
	if (cfg_parse_bool(node->text, &v)) {
		cfgi_node_error(cfg, node, "%s: expected %s, got %s",
				cfgi_printable(path, ptmp, sizeof(ptmp)), what,
				cfgi_describe(node, tmp, sizeof(tmp)));
		return def;
	}
	return v;
}

int64_t cfg_node_get_int(struct cfg *cfg, const struct cfg_node *base, const char *path,
			 int64_t def)
{
	const struct cfg_node *node = get_scalar(cfg, base, path, "an integer");
	char tmp[160], ptmp[160];
	int64_t v;
	int rc;

	if (!node)
		return def;
	rc = cfg_parse_int(node->text, &v);
	if (rc == -ERANGE) {
		cfgi_node_error(cfg, node, "%s: integer %s out of range (%" PRId64 "..%" PRId64 ")",
				cfgi_printable(path, ptmp, sizeof(ptmp)),
				cfgi_describe(node, tmp, sizeof(tmp)), INT64_MIN, INT64_MAX);
		return def;
	}
	if (rc) {
		cfgi_node_error(cfg, node, "%s: expected an integer, got %s",
				cfgi_printable(path, ptmp, sizeof(ptmp)),
				cfgi_describe(node, tmp, sizeof(tmp)));
		return def;
	}
	return v;
}

uint64_t cfg_node_get_uint(struct cfg *cfg, const struct cfg_node *base, const char *path,
			   uint64_t def)
{
	const struct cfg_node *node = get_scalar(cfg, base, path, "a non-negative integer");
	char tmp[160], ptmp[160];
	uint64_t v;
	int rc;

	if (!node)
		return def;
	rc = cfg_parse_uint(node->text, &v);
	if (rc == -ERANGE && node->text[0] == '-') {
		cfgi_node_error(cfg, node, "%s: expected a non-negative integer, got %s",
				cfgi_printable(path, ptmp, sizeof(ptmp)),
				cfgi_describe(node, tmp, sizeof(tmp)));
		return def;
	}
	if (rc == -ERANGE) {
		cfgi_node_error(cfg, node, "%s: integer %s out of range (0..%" PRIu64 ")",
				cfgi_printable(path, ptmp, sizeof(ptmp)),
				cfgi_describe(node, tmp, sizeof(tmp)), UINT64_MAX);
		return def;
	}
	if (rc) {
		cfgi_node_error(cfg, node, "%s: expected a non-negative integer, got %s",
				cfgi_printable(path, ptmp, sizeof(ptmp)),
				cfgi_describe(node, tmp, sizeof(tmp)));
		return def;
	}
	return v;
}

double cfg_node_get_double(struct cfg *cfg, const struct cfg_node *base, const char *path,
			   double def)
{
	const struct cfg_node *node = get_scalar(cfg, base, path, "a number");
	char tmp[160], ptmp[160];
	double v;
	int rc;

	if (!node)
		return def;
	rc = cfg_parse_double(node->text, &v);
	if (rc == -ERANGE) {
		cfgi_node_error(cfg, node, "%s: number %s out of range",
				cfgi_printable(path, ptmp, sizeof(ptmp)),
				cfgi_describe(node, tmp, sizeof(tmp)));
		return def;
	}
	if (rc) {
		cfgi_node_error(cfg, node, "%s: expected a number, got %s",
				cfgi_printable(path, ptmp, sizeof(ptmp)),
				cfgi_describe(node, tmp, sizeof(tmp)));
		return def;
	}
	return v;
}

const char *cfg_node_get_string(struct cfg *cfg, const struct cfg_node *base, const char *path,
				const char *def)
{
	const struct cfg_node *node = get_scalar(cfg, base, path, "a string");

	return node ? node->text : def;
}

int cfg_node_get_strlist(struct cfg *cfg, const struct cfg_node *base, const char *path,
			 const char ***out, size_t *n)
{
	char tmp[160], ptmp[160];
	const struct cfg_node *node;
	const char **v;
	size_t i;
	int err;

	*out = NULL;
	*n = 0;
	node = cfgi_lookup(cfg, base, path, &err);
	if (err)
		return err;
	if (!node || node->kind == CFG_NODE_NULL)
		return 0;
	if (node->kind == CFG_NODE_SCALAR) {
		v = malloc(sizeof(*v));
		if (!v)
			return -ENOMEM;
		v[0] = node->text;
		*out = v;
		*n = 1;
		return 0;
	}
	if (node->kind != CFG_NODE_SEQ) {
		cfgi_node_error(cfg, node, "%s: expected a list of strings, got %s",
				cfgi_printable(path, ptmp, sizeof(ptmp)),
				cfgi_describe(node, tmp, sizeof(tmp)));
		return -EINVAL;
	}
	for (i = 0; i < node->n; i++) {
		if (node->items[i]->kind != CFG_NODE_SCALAR) {
			cfgi_node_error(cfg, node->items[i], "%s[%zu]: expected a string, got %s",
					cfgi_printable(path, ptmp, sizeof(ptmp)), i,
					cfgi_describe(node->items[i], tmp, sizeof(tmp)));
			return -EINVAL;
		}
	}
	if (node->n == 0)
		return 0;
	v = malloc(node->n * sizeof(*v));
	if (!v)
		return -ENOMEM;
	for (i = 0; i < node->n; i++)
		v[i] = node->items[i]->text;
	*out = v;
	*n = node->n;
	return 0;
}

bool cfg_get_bool(struct cfg *cfg, const char *path, bool def)
{
	return cfg_node_get_bool(cfg, NULL, path, def);
}

int64_t cfg_get_int(struct cfg *cfg, const char *path, int64_t def)
{
	return cfg_node_get_int(cfg, NULL, path, def);
}

uint64_t cfg_get_uint(struct cfg *cfg, const char *path, uint64_t def)
{
	return cfg_node_get_uint(cfg, NULL, path, def);
}

double cfg_get_double(struct cfg *cfg, const char *path, double def)
{
	return cfg_node_get_double(cfg, NULL, path, def);
}

const char *cfg_get_string(struct cfg *cfg, const char *path, const char *def)
{
	return cfg_node_get_string(cfg, NULL, path, def);
}

int cfg_get_strlist(struct cfg *cfg, const char *path, const char ***out, size_t *n)
{
	return cfg_node_get_strlist(cfg, NULL, path, out, n);
}

int cfg_get_enum(struct cfg *cfg, const char *path, const char *const *names, int def)
{
	const struct cfg_node *node = get_scalar(cfg, NULL, path, "a name");
	char list[512], tmp[160], ptmp[160];
	size_t o = 0;
	int i;

	if (!node)
		return def;
	for (i = 0; names[i]; i++)
		if (!strcasecmp(node->text, names[i]))
			return i;
	list[0] = '\0';
	for (i = 0; names[i] && o < sizeof(list); i++)
		o += (size_t)snprintf(list + o, sizeof(list) - o, "%s%s", i ? ", " : "", names[i]);
	cfgi_node_error(cfg, node, "%s: %s is not one of: %s",
			cfgi_printable(path, ptmp, sizeof(ptmp)),
			cfgi_describe(node, tmp, sizeof(tmp)), list);
	return def;
}

bool cfg_has(struct cfg *cfg, const char *path)
{
	int err;

	return cfgi_lookup(cfg, NULL, path, &err) != NULL;
}

const struct cfg_node *cfg_root(const struct cfg *cfg)
{
	return cfg->root;
}

const struct cfg_node *cfg_node_get(struct cfg *cfg, const struct cfg_node *base, const char *path)
{
	int err;

	if (!path || !*path)
		return base ? base : cfg->root;
	return cfgi_lookup(cfg, base, path, &err);
}

enum cfg_node_kind cfg_node_kind(const struct cfg_node *node)
{
	return node ? node->kind : CFG_NODE_NULL;
}

size_t cfg_node_len(const struct cfg_node *node)
{
	return node && (node->kind == CFG_NODE_MAP || node->kind == CFG_NODE_SEQ) ? node->n : 0;
}

const struct cfg_node *cfg_node_at(const struct cfg_node *node, size_t i)
{
	if (!node || i >= cfg_node_len(node))
		return NULL;
	return node->kind == CFG_NODE_MAP ? node->entries[i].val : node->items[i];
}

const char *cfg_node_key_at(const struct cfg_node *node, size_t i)
{
	if (!node || node->kind != CFG_NODE_MAP || i >= node->n)
		return NULL;
	return node->entries[i].key;
}

const char *cfg_node_scalar(const struct cfg_node *node)
{
	return node && node->kind == CFG_NODE_SCALAR ? node->text : NULL;
}

const char *cfg_node_file(const struct cfg_node *node)
{
	return node ? node->file : NULL;
}

unsigned cfg_node_line(const struct cfg_node *node)
{
	return node ? node->line : 0;
}

unsigned cfg_node_col(const struct cfg_node *node)
{
	return node ? node->col : 0;
}

/* True when s is valid UTF-8 (no overlong forms, surrogates or code points past U+10FFFF). */
bool cfgi_utf8_valid(const unsigned char *s)
{
	while (*s) {
		unsigned n, cp;

		if (*s < 0x80) {
			s++;
			continue;
		}
		if ((*s & 0xe0) == 0xc0) {
			n = 1;
			cp = *s & 0x1f;
		} else if ((*s & 0xf0) == 0xe0) {
			n = 2;
			cp = *s & 0x0f;
		} else if ((*s & 0xf8) == 0xf0) {
			n = 3;
			cp = *s & 0x07;
		} else {
			return false;
		}
		for (unsigned k = 1; k <= n; k++) {
			if ((s[k] & 0xc0) != 0x80)
				return false;
			cp = (cp << 6) | (s[k] & 0x3f);
		}
		if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
		    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
			return false;
		s += n + 1;
	}
	return true;
}

/*
 * A copy jansson accepts: invalid UTF-8 (possible in -o keys and values only,
 * files are checked by libyaml) has its non-ASCII bytes replaced by '?'.
 */
static char *json_safe(const char *text)
{
	char *t = strdup(text);
	size_t i;

	if (t && !cfgi_utf8_valid((const unsigned char *)t))
		for (i = 0; t[i]; i++)
			if ((unsigned char)t[i] >= 0x80)
				t[i] = '?';
	return t;
}

struct json_t *cfg_to_json(const struct cfg *cfg, const struct cfg_node *node)
{
	json_t *j = NULL;
	char *t;
	size_t i;

	if (!node)
		node = cfg->root;
	if (!node)
		return json_object();
	switch (node->kind) {
	case CFG_NODE_NULL:
		return json_null();
	case CFG_NODE_SCALAR:
		t = json_safe(node->text);
		j = t ? json_string(t) : NULL;
		free(t);
		return j;
	case CFG_NODE_MAP:
		j = json_object();
		for (i = 0; j && i < node->n; i++) {
			json_t *v = cfg_to_json(cfg, node->entries[i].val);

			t = json_safe(node->entries[i].key);
			/* json_object_set_new takes v even when it fails */
			if (!v || !t || json_object_set_new(j, t, v)) {
				if (!t)
					json_decref(v);
				free(t);
				json_decref(j);
				return NULL;
			}
			free(t);
		}
		return j;
	case CFG_NODE_SEQ:
		j = json_array();
		for (i = 0; j && i < node->n; i++) {
			json_t *v = cfg_to_json(cfg, node->items[i]);

			if (!v || json_array_append_new(j, v)) {
				json_decref(j);
				return NULL;
			}
		}
		return j;
	}
	return NULL;
}
