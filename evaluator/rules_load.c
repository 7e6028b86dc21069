/* rules_load.c: Falco rules-file reader and collector (definitions, append, override). */
#include "rules_load.h"

#include <ctype.h>
#include <errno.h>
#include <fcntl.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "rules_schema.h"
#include "rules_yaml.h"

/* Messages Falco prints (rule_loading_messages.h): tests match them as substrings. */
#define WARNING_APPEND                                                                             \
	"'append' key is deprecated. Add an 'append' entry (e.g. 'condition: append') under "      \
	"'override' instead."
#define WARNING_ENABLED                                                                            \
	"The standalone 'enabled' key usage is deprecated. The correct approach requires also a "  \
	"'replace' entry under the 'override' key (i.e. 'enabled: replace')."
#define ERROR_OVERRIDE_APPEND                                                                      \
	"Keys 'override' and 'append: true' cannot be used together. Add an 'append' entry (e.g. " \
	"'condition: append') under 'override' instead."
#define ERROR_NO_PREVIOUS_MACRO                                                                    \
	"Macro uses 'append' or 'override.condition: append' but no macro by that name already "   \
	"exists"
#define ERROR_NO_PREVIOUS_LIST                                                                     \
	"List uses 'append' or 'override.items: append' but no list by that name already exists"
#define ERROR_NO_PREVIOUS_RULE_APPEND                                                              \
	"Rule uses 'append' or 'override.<key>: append' but no rule by that name already exists"
#define ERROR_NO_PREVIOUS_RULE_REPLACE                                                             \
	"An 'override.<key>: replace' to a rule was requested but no rule by that name already "   \
	"exists"
#define RGX_IDENTIFIER "([a-zA-Z]+[a-zA-Z0-9_]*)"
#define RGX_BARESTR "([^()\"'[:space:]=,]+)"

/* Thrown-exception style: the first error of a file aborts reading it. */
#define FAIL (-EINVAL)

struct rd {
	struct rules_loader *l;
	const char *file; /* interned name */
	const char *item; /* "rule 'x'" context for messages, may be NULL */
	char itembuf[160];
};

static struct rules_pos pos_of(const struct rd *r, const struct rules_ynode *n)
{
	struct rules_pos p = {r->file, n ? n->line : 0, n ? n->col : 0};

	return p;
}

static int err_at(struct rd *r, const struct rules_ynode *n, enum rules_code code, const char *fmt,
		  ...) __attribute__((format(printf, 4, 5)));
static int err_at(struct rd *r, const struct rules_ynode *n, enum rules_code code, const char *fmt,
		  ...)
{
	char *msg = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -ENOMEM;
	rc = rules_diag_add(&r->l->diags, RULES_ERROR, code, pos_of(r, n), r->item, "%s", msg);
	free(msg);
	return rc < 0 ? rc : FAIL;
}

static int warn_at(struct rd *r, const struct rules_ynode *n, enum rules_code code, const char *fmt,
		   ...) __attribute__((format(printf, 4, 5)));
static int warn_at(struct rd *r, const struct rules_ynode *n, enum rules_code code, const char *fmt,
		   ...)
{
	char *msg = NULL;
	va_list ap;
	int rc;

	va_start(ap, fmt);
	rc = vasprintf(&msg, fmt, ap);
	va_end(ap);
	if (rc < 0)
		return -ENOMEM;
	rc = rules_diag_add(&r->l->diags, RULES_WARNING, code, pos_of(r, n), r->item, "%s", msg);
	free(msg);
	return rc;
}

#define VERR(r, n, ...) err_at(r, n, RULES_ERR_YAML_VALIDATE, __VA_ARGS__)
#define CERR(r, n, ...) err_at(r, n, RULES_ERR_VALIDATE, __VA_ARGS__)

/* ---- small helpers --------------------------------------------------------------------- */

static void strv_free(char **v, size_t n)
{
	if (!v)
		return;
	for (size_t i = 0; i < n; i++)
		free(v[i]);
	free(v);
}

static int strv_push(char ***v, size_t *n, const char *s)
{
	char **nv = realloc(*v, (*n + 1) * sizeof(**v));

	if (!nv)
		return -ENOMEM;
	*v = nv;
	nv[*n] = strdup(s);
	if (!nv[*n])
		return -ENOMEM;
	(*n)++;
	return 0;
}

/* s1 + " " + s2 into *dst (replacing it). */
static int str_join_space(char **dst, const char *add)
{
	char *n;

	if (asprintf(&n, "%s %s", *dst ? *dst : "", add) < 0)
		return -ENOMEM;
	free(*dst);
	*dst = n;
	return 0;
}

static int str_set(char **dst, const char *s)
{
	char *n = strdup(s);

	if (!n)
		return -ENOMEM;
	free(*dst);
	*dst = n;
	return 0;
}

static int cmp_str(const void *a, const void *b)
{
	return strcmp(*(char *const *)a, *(char *const *)b);
}

static void tags_normalize(char **v, size_t *n)
{
	size_t j = 0;

	if (*n < 2)
		return;
	qsort(v, *n, sizeof(*v), cmp_str);
	for (size_t i = 0; i < *n; i++) {
		if (j && strcmp(v[j - 1], v[i]) == 0) {
			free(v[i]);
			continue;
		}
		v[j++] = v[i];
	}
	*n = j;
}

int rules_prio_parse(const char *s, enum rules_prio *out)
{
	static const char *const names[] = {"emergency", "alert",  "critical",	    "error",
					    "warning",	 "notice", "informational", "debug"};

	for (int i = 0; i < 8; i++) {
		if (strcasecmp(s, names[i]) == 0) {
			*out = (enum rules_prio)i;
			return 0;
		}
	}
	if (strcasecmp(s, "info") == 0) {
		*out = RULES_PRIO_INFORMATIONAL;
		return 0;
	}
	return -EINVAL;
}

const char *rules_prio_name(enum rules_prio p)
{
	static const char *const names[] = {"Emergency", "Alert",  "Critical",	    "Error",
					    "Warning",	 "Notice", "Informational", "Debug"};

	return (unsigned)p < 8 ? names[p] : "Unknown";
}

static const char *const mod_ops[] = {
	"=",	       "==",	   "!=",   "contains", "icontains", "bcontains", "startswith",
	"bstartswith", "endswith", "glob", "iglob",    "regex",	    NULL};
static const char *const plain_ops[] = {"=",	     "==",	  "!=",		"<",
					"<=",	     ">",	  ">=",		"contains",
					"icontains", "bcontains", "startswith", "bstartswith",
					"endswith",  "glob",	  "iglob",	"regex",
					"exists",    "in",	  "intersects", "pmatch",
					NULL};

static bool in_set(const char *s, size_t len, const char *const *set)
{
	for (; *set; set++)
		if (strlen(*set) == len && memcmp(*set, s, len) == 0)
			return true;
	return false;
}

/* "<op> <modifier>" with op one that takes a modifier. */
static bool is_modifier_op(const char *op)
{
	const char *sp = strchr(op, ' ');

	if (!sp)
		return false;
	if (!in_set(op, (size_t)(sp - op), mod_ops))
		return false;
	return strcmp(sp + 1, "oneof") == 0 || strcmp(sp + 1, "anyof") == 0 ||
	       strcmp(sp + 1, "allof") == 0;
}

bool rules_is_operator(const char *op)
{
	return in_set(op, strlen(op), plain_ops) || is_modifier_op(op);
}

bool rules_is_list_operator(const char *op)
{
	return strcmp(op, "in") == 0 || strcmp(op, "intersects") == 0 ||
	       strcmp(op, "pmatch") == 0 || is_modifier_op(op);
}

/* Trims and collapses inner blanks: "  startswith   oneof " -> "startswith oneof". */
static void normalize_op(char *s)
{
	char *w = s;
	bool sp = false;

	for (char *p = s; *p; p++) {
		if (isspace((unsigned char)*p)) {
			sp = w != s;
			continue;
		}
		if (sp)
			*w++ = ' ';
		sp = false;
		*w++ = *p;
	}
	*w = '\0';
}

/* ---- value decoding (Falco's decode_val / decode_seq) ------------------------------------ */

static bool scalar_ok(const struct rules_ynode *v)
{
	return v && v->kind == RULES_Y_SCALAR && strlen(v->str) == v->len;
}

/*
 * Required or optional scalar string. Returns 1 when set, 0 when absent and
 * optional, FAIL on error (already reported).
 */
static int get_str(struct rd *r, const struct rules_ynode *item, const char *key, bool optional,
		   const char **out, const struct rules_ynode **node)
{
	const struct rules_ynode *v = rules_yaml_get(item, key);

	if (node)
		*node = v;
	if (!v) {
		if (optional)
			return 0;
		return VERR(r, item, "Item has no mapping for key '%s'", key);
	}
	if (rules_yaml_is_null(v))
		return VERR(r, v, "Mapping for key '%s' is empty", key);
	if (v->kind != RULES_Y_SCALAR)
		return VERR(r, v, "Value is not a scalar value");
	if (v->len == 0)
		return VERR(r, v, "Value must be non-empty");
	if (!scalar_ok(v))
		return VERR(r, v, "Value contains a NUL byte");
	*out = v->str;
	return 1;
}

static int get_bool(struct rd *r, const struct rules_ynode *item, const char *key, bool optional,
		    bool *out)
{
	const char *s;
	const struct rules_ynode *v;
	int rc = get_str(r, item, key, optional, &s, &v);

	if (rc <= 0)
		return rc;
	if (!rules_yaml_bool(v, out))
		return VERR(r, v, "Can't decode YAML scalar value");
	return 1;
}

static int get_u32(struct rd *r, const struct rules_ynode *item, const char *key, bool optional,
		   uint32_t *out)
{
	const char *s;
	const struct rules_ynode *v;
	int rc = get_str(r, item, key, optional, &s, &v);

	if (rc <= 0)
		return rc;
	if (!rules_yaml_u32(v, out))
		return VERR(r, v, "Can't decode YAML scalar value");
	return 1;
}

/* A sequence of scalars (items, tags). Returns 1, 0 (absent, optional) or FAIL. */
static int get_seq(struct rd *r, const struct rules_ynode *item, const char *key, bool optional,
		   char ***out, size_t *n)
{
	const struct rules_ynode *v = rules_yaml_get(item, key);

	if (!v) {
		if (optional)
			return 0;
		return VERR(r, item, "Item has no mapping for key '%s'", key);
	}
	if (v->kind != RULES_Y_SEQ)
		return VERR(r, v, "Value is not a sequence");
	for (size_t i = 0; i < v->nkids; i++) {
		const struct rules_ynode *e = v->kids[i];

		if (e->kind != RULES_Y_SCALAR)
			return VERR(r, e, "sequence value is not scalar");
		if (!scalar_ok(e))
			return VERR(r, e, "Can't decode YAML sequence value");
		if (strv_push(out, n, e->str) < 0)
			return -ENOMEM;
	}
	return 1;
}

static void textpos_of(struct rd *r, const struct rules_ynode *n, struct rules_textpos *tp)
{
	tp->pos = pos_of(r, n);
	tp->off = n->off;
	tp->style = n->style;
	tp->valid = true;
}

/* ---- collector containers ---------------------------------------------------------------- */

#define GROW(arr, n, cap)                                                                          \
	({                                                                                         \
		int _rc = 0;                                                                       \
		if ((n) == (cap)) {                                                                \
			size_t _c = (cap) ? (cap)*2 : 16;                                          \
			void *_p = realloc((arr), _c * sizeof(*(arr)));                            \
			if (!_p)                                                                   \
				_rc = -ENOMEM;                                                     \
			else {                                                                     \
				(arr) = _p;                                                        \
				(cap) = _c;                                                        \
			}                                                                          \
		}                                                                                  \
		_rc;                                                                               \
	})

static uint64_t name_hash(const char *s)
{
	uint64_t h = 1469598103934665603ull; /* FNV-1a */

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

/* Position of name in an array of n entries whose names are at name_of(i), or -1. */
#define INDEX_FIND(ix, arr, name)                                                                  \
	({                                                                                         \
		ssize_t _r = -1;                                                                   \
		if ((ix)->cap) {                                                                   \
			size_t _m = (ix)->cap - 1, _i = name_hash(name) & _m;                      \
			while ((ix)->slots[_i]) {                                                  \
				if (strcmp((arr)[(ix)->slots[_i] - 1].name, (name)) == 0) {        \
					_r = (ssize_t)(ix)->slots[_i] - 1;                         \
					break;                                                     \
				}                                                                  \
				_i = (_i + 1) & _m;                                                \
			}                                                                          \
		}                                                                                  \
		_r;                                                                                \
	})

static void index_put(struct rules_name_index *ix, uint64_t h, uint32_t pos)
{
	size_t m = ix->cap - 1, i = h & m;

	while (ix->slots[i])
		i = (i + 1) & m;
	ix->slots[i] = pos + 1;
	ix->n++;
}

/* Adds entry pos (named name) to the index; names[] gives the names of all entries. */
static int index_add(struct rules_name_index *ix, const char *name, uint32_t pos,
		     const char *(*name_at)(const void *arr, uint32_t i), const void *arr)
{
	if ((ix->n + 1) * 2 > ix->cap) {
		size_t cap = ix->cap ? ix->cap * 2 : 64;
		struct rules_name_index nx = {calloc(cap, sizeof(uint32_t)), cap, 0};

		if (!nx.slots)
			return -ENOMEM;
		for (size_t i = 0; i < ix->cap; i++)
			if (ix->slots[i])
				index_put(&nx, name_hash(name_at(arr, ix->slots[i] - 1)),
					  ix->slots[i] - 1);
		free(ix->slots);
		*ix = nx;
	}
	index_put(ix, name_hash(name), pos);
	return 0;
}

static const char *list_name_at(const void *arr, uint32_t i)
{
	return ((const struct rules_list *)arr)[i].name;
}

static const char *macro_name_at(const void *arr, uint32_t i)
{
	return ((const struct rules_macro *)arr)[i].name;
}

static const char *rule_name_at(const void *arr, uint32_t i)
{
	return ((const struct rules_rule *)arr)[i].name;
}

struct rules_list *rules_coll_list(struct rules_coll *c, const char *name)
{
	ssize_t i = INDEX_FIND(&c->list_idx, c->lists, name);

	return i < 0 ? NULL : &c->lists[i];
}

struct rules_macro *rules_coll_macro(struct rules_coll *c, const char *name)
{
	ssize_t i = INDEX_FIND(&c->macro_idx, c->macros, name);

	return i < 0 ? NULL : &c->macros[i];
}

struct rules_rule *rules_coll_rule(struct rules_coll *c, const char *name)
{
	ssize_t i = INDEX_FIND(&c->rule_idx, c->rules, name);

	return i < 0 ? NULL : &c->rules[i];
}

static void list_fini(struct rules_list *x)
{
	free(x->name);
	strv_free(x->items, x->nitems);
}

static void macro_fini(struct rules_macro *x)
{
	free(x->name);
	free(x->cond);
}

static void entry_fini(struct rules_exc_entry *e)
{
	free(e->item);
	for (size_t i = 0; i < e->nitems; i++)
		entry_fini(&e->items[i]);
	free(e->items);
	memset(e, 0, sizeof(*e));
}

static void exception_fini(struct rules_exception *x)
{
	free(x->name);
	entry_fini(&x->fields);
	entry_fini(&x->comps);
	for (size_t i = 0; i < x->nvalues; i++)
		entry_fini(&x->values[i]);
	free(x->values);
	memset(x, 0, sizeof(*x));
}

static void exceptions_free(struct rules_exception *v, size_t n)
{
	for (size_t i = 0; i < n; i++)
		exception_fini(&v[i]);
	free(v);
}

static void rule_fini(struct rules_rule *x)
{
	free(x->name);
	free(x->desc);
	free(x->cond);
	free(x->output);
	free(x->source);
	strv_free(x->tags, x->ntags);
	exceptions_free(x->exceptions, x->nexceptions);
}

static void coll_fini(struct rules_coll *c)
{
	for (size_t i = 0; i < c->nlists; i++)
		list_fini(&c->lists[i]);
	for (size_t i = 0; i < c->nmacros; i++)
		macro_fini(&c->macros[i]);
	for (size_t i = 0; i < c->nrules; i++)
		rule_fini(&c->rules[i]);
	for (size_t i = 0; i < c->nplugins; i++) {
		strv_free(c->plugins[i].names, c->plugins[i].n);
		strv_free(c->plugins[i].versions, c->plugins[i].n);
	}
	free(c->lists);
	free(c->macros);
	free(c->rules);
	free(c->list_idx.slots);
	free(c->macro_idx.slots);
	free(c->rule_idx.slots);
	free(c->plugins);
	memset(c, 0, sizeof(*c));
}

/* ---- exceptions -------------------------------------------------------------------------- */

static int decode_entry(struct rd *r, const struct rules_ynode *v, const char *key,
			struct rules_exc_entry *out)
{
	if (v->kind == RULES_Y_SCALAR) {
		if (v->len == 0)
			return VERR(r, v, "Value must be non-empty");
		if (!scalar_ok(v))
			return VERR(r, v, "Could not decode scalar value");
		out->valid = true;
		out->is_list = false;
		out->item = strdup(v->str);
		return out->item ? 0 : -ENOMEM;
	}
	if (v->kind == RULES_Y_SEQ) {
		out->valid = true;
		out->is_list = true;
		out->items = calloc(v->nkids ? v->nkids : 1, sizeof(*out->items));
		if (!out->items)
			return -ENOMEM;
		for (size_t i = 0; i < v->nkids; i++) {
			int rc = decode_entry(r, v->kids[i], key, &out->items[i]);

			out->nitems = i + 1;
			if (rc < 0)
				return rc;
		}
		return 0;
	}
	/* A mapping decodes to nothing in Falco (neither scalar nor sequence). */
	out->valid = true;
	return 0;
}

static int read_exceptions(struct rd *r, const struct rules_ynode *item, bool append,
			   struct rules_exception **out, size_t *nout)
{
	const struct rules_ynode *exs = rules_yaml_get(item, "exceptions");

	if (!exs || rules_yaml_is_null(exs))
		return 0;
	if (exs->kind != RULES_Y_SEQ)
		return VERR(r, exs, "Rule exceptions must be a sequence");
	for (size_t i = 0; i < exs->nkids; i++) {
		const struct rules_ynode *ex = exs->kids[i], *f, *c, *vals;
		struct rules_exception *e;
		const char *name;
		int rc;

		if (ex->kind != RULES_Y_MAP)
			return VERR(r, ex, "Rule exception must be a mapping");
		rc = get_str(r, ex, "name", false, &name, NULL);
		if (rc < 0)
			return rc;
		for (size_t j = 0; j < *nout; j++) {
			if (strcmp((*out)[j].name, name) == 0) {
				rc = warn_at(
					r, ex, RULES_WARN_EXCEPTION_NAME_NOT_UNIQUE,
					"Multiple definitions of exception '%s' in the same rule",
					name);
				if (rc < 0)
					return rc;
				break;
			}
		}
		e = realloc(*out, (*nout + 1) * sizeof(**out));
		if (!e)
			return -ENOMEM;
		*out = e;
		e = &(*out)[*nout];
		memset(e, 0, sizeof(*e));
		(*nout)++;
		e->pos = pos_of(r, ex);
		e->name = strdup(name);
		if (!e->name)
			return -ENOMEM;
		for (size_t k = 0; k + 1 < ex->nkids; k += 2) {
			const char *key = ex->kids[k]->str;

			if (strcmp(key, "name") && strcmp(key, "fields") && strcmp(key, "comps") &&
			    strcmp(key, "values")) {
				rc = warn_at(r, ex->kids[k], RULES_WARN_UNKNOWN_KEY,
					     "Unknown key '%s'", key);
				if (rc < 0)
					return rc;
			}
		}
		f = rules_yaml_get(ex, "fields");
		if (!f && !append)
			return VERR(r, ex, "Item has no mapping for key 'fields'");
		if (f && (rc = decode_entry(r, f, "fields", &e->fields)) < 0)
			return rc;
		c = rules_yaml_get(ex, "comps");
		if (c && (rc = decode_entry(r, c, "comps", &e->comps)) < 0)
			return rc;
		vals = rules_yaml_get(ex, "values");
		if (vals) {
			if (vals->kind != RULES_Y_SEQ)
				return VERR(r, vals, "Rule exception values must be a sequence");
			e->values = calloc(vals->nkids ? vals->nkids : 1, sizeof(*e->values));
			if (!e->values)
				return -ENOMEM;
			for (size_t k = 0; k < vals->nkids; k++) {
				rc = decode_entry(r, vals->kids[k], NULL, &e->values[k]);
				e->nvalues = k + 1;
				if (rc < 0)
					return rc;
			}
		} else if (append) {
			rc = warn_at(r, ex, RULES_WARN_APPEND_NO_VALUES,
				     "Overriding/appending exception with no values");
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Falco's validate_exception_info: default comps, equal lengths, known operators. */
static int validate_exception(struct rd *r, struct rules_exception *ex)
{
	struct rules_ynode at = {0};

	at.line = ex->pos.line;
	at.col = ex->pos.col;
	if (ex->fields.is_list) {
		if (!ex->comps.valid) {
			ex->comps.valid = true;
			ex->comps.is_list = true;
			ex->comps.items = calloc(ex->fields.nitems ? ex->fields.nitems : 1,
						 sizeof(*ex->comps.items));
			if (!ex->comps.items)
				return -ENOMEM;
			for (size_t i = 0; i < ex->fields.nitems; i++) {
				ex->comps.items[i].valid = true;
				ex->comps.items[i].item = strdup("=");
				ex->comps.nitems = i + 1;
				if (!ex->comps.items[i].item)
					return -ENOMEM;
			}
		}
		if (!ex->comps.is_list || ex->fields.nitems != ex->comps.nitems)
			return CERR(r, &at, "Fields and comps lists must have equal length");
		for (size_t i = 0; i < ex->comps.nitems; i++) {
			char *op = ex->comps.items[i].item;

			if (!op)
				return CERR(r, &at, "'' is not a supported comparison operator");
			normalize_op(op);
			if (!rules_is_operator(op))
				return CERR(r, &at, "'%s' is not a supported comparison operator",
					    op);
		}
		for (size_t i = 0; i < ex->fields.nitems; i++)
			if (ex->fields.items[i].is_list || !ex->fields.items[i].item)
				return CERR(r, &at, "Exception fields must be strings");
	} else {
		if (!ex->comps.valid) {
			ex->comps.valid = true;
			ex->comps.item = strdup("in");
			if (!ex->comps.item)
				return -ENOMEM;
		}
		if (ex->comps.is_list)
			return CERR(r, &at, "Fields and comps must both be strings");
		if (!ex->comps.item || !ex->fields.item)
			return CERR(r, &at, "Fields and comps must both be strings");
		normalize_op(ex->comps.item);
		if (strcmp(ex->comps.item, "in") && strcmp(ex->comps.item, "pmatch") &&
		    strcmp(ex->comps.item, "intersects") && !is_modifier_op(ex->comps.item))
			return CERR(
				r, &at,
				"When fields is a single value, comps must be one of (in, pmatch, "
				"intersects) or an operator with a modifier (oneof, anyof, allof)");
	}
	return 0;
}

/* ---- items ------------------------------------------------------------------------------- */

static int check_unknown_keys(struct rd *r, const struct rules_ynode *item,
			      const char *const *known)
{
	for (size_t k = 0; k + 1 < item->nkids; k += 2) {
		const char *key = item->kids[k]->str;
		bool ok = false;

		for (const char *const *p = known; *p && !ok; p++)
			ok = strcmp(*p, key) == 0;
		if (!ok) {
			int rc = warn_at(r, item->kids[k], RULES_WARN_UNKNOWN_KEY,
					 "Unknown key '%s'", key);
			if (rc < 0)
				return rc;
		}
	}
	return 0;
}

/* Parses "x.y.z" (trailing text ignored, as sinsp_version's sscanf). */
static bool semver_parse(const char *s, unsigned v[3])
{
	return sscanf(s, "%u.%u.%u", &v[0], &v[1], &v[2]) == 3;
}

static int semver_cmp(const unsigned a[3], const unsigned b[3])
{
	for (int i = 0; i < 3; i++)
		if (a[i] != b[i])
			return a[i] < b[i] ? -1 : 1;
	return 0;
}

static int read_engine_version(struct rd *r, const struct rules_ynode *item)
{
	static const unsigned eng[3] = {RULES_ENGINE_VERSION_MAJOR, RULES_ENGINE_VERSION_MINOR,
					RULES_ENGINE_VERSION_PATCH};
	const struct rules_ynode *v;
	const char *s;
	unsigned req[3], cur[3] = {0, 0, 0};
	uint32_t n;
	int rc = get_str(r, item, "required_engine_version", false, &s, &v);

	if (rc < 0)
		return rc;
	if (rules_yaml_u32(v, &n)) {
		req[0] = RULES_ENGINE_VERSION_MAJOR;
		req[1] = n;
		req[2] = 0;
	} else if (!semver_parse(s, req)) {
		return VERR(r, v,
			    "Unable to parse engine version '%s' as a semver string. Expected "
			    "\"x.y.z\" semver format.",
			    s);
	}
	if (req[0] != eng[0] || semver_cmp(eng, req) < 0)
		return CERR(r, item,
			    "Rules require engine version %u.%u.%u, but engine version is %s",
			    req[0], req[1], req[2], RULES_ENGINE_VERSION);
	if (r->l->coll.req_engine[0])
		semver_parse(r->l->coll.req_engine, cur);
	if (!r->l->coll.req_engine[0] || semver_cmp(cur, req) < 0)
		snprintf(r->l->coll.req_engine, sizeof(r->l->coll.req_engine), "%u.%u.%u", req[0],
			 req[1], req[2]);
	return 0;
}

static int push_req(struct rules_plugin_req *req, const char *name, const char *ver)
{
	size_t n = req->n;

	if (strv_push(&req->names, &n, name) < 0)
		return -ENOMEM;
	n = req->n;
	if (strv_push(&req->versions, &n, ver) < 0) {
		free(req->names[req->n]);
		return -ENOMEM;
	}
	req->n = n;
	return 0;
}

static int read_plugin_versions(struct rd *r, const struct rules_ynode *item)
{
	const struct rules_ynode *seq = rules_yaml_get(item, "required_plugin_versions");
	struct rules_coll *c = &r->l->coll;

	if (seq->kind != RULES_Y_SEQ)
		return VERR(r, seq, "Value of required_plugin_versions must be a sequence");
	for (size_t i = 0; i < seq->nkids; i++) {
		const struct rules_ynode *p = seq->kids[i], *alts;
		struct rules_plugin_req *req;
		const char *name, *ver;
		int rc;

		if (p->kind != RULES_Y_MAP)
			return VERR(r, p, "Plugin version must be a mapping");
		if ((rc = get_str(r, p, "name", false, &name, NULL)) < 0)
			return rc;
		if ((rc = get_str(r, p, "version", false, &ver, NULL)) < 0)
			return rc;
		if (GROW(c->plugins, c->nplugins, c->capplugins) < 0)
			return -ENOMEM;
		req = &c->plugins[c->nplugins++];
		memset(req, 0, sizeof(*req));
		req->pos = pos_of(r, p);
		if ((rc = push_req(req, name, ver)) < 0)
			return rc;
		alts = rules_yaml_get(p, "alternatives");
		if (alts) {
			if (alts->kind != RULES_Y_SEQ)
				return VERR(
					r, alts,
					"Value of plugin version alternatives must be a sequence");
			for (size_t k = 0; k < alts->nkids; k++) {
				const struct rules_ynode *a = alts->kids[k];

				if (a->kind != RULES_Y_MAP)
					return VERR(r, a,
						    "Plugin version alternative must be a mapping");
				if ((rc = get_str(r, a, "name", false, &name, NULL)) < 0)
					return rc;
				if ((rc = get_str(r, a, "version", false, &ver, NULL)) < 0)
					return rc;
				if ((rc = push_req(req, name, ver)) < 0)
					return rc;
			}
		}
		for (size_t k = 0; k < req->n; k++) {
			unsigned v[3];

			if (!semver_parse(req->versions[k], v))
				return CERR(r, p, "Invalid required version '%s' for plugin '%s'",
					    req->versions[k], req->names[k]);
			for (size_t j = 0; j < k; j++)
				if (strcmp(req->names[j], req->names[k]) == 0)
					return CERR(r, p,
						    "Defined multiple alternative version "
						    "requirements for plugin '%s'",
						    req->names[k]);
		}
	}
	return 0;
}

/* Full match of Falco's name regexes. */
static bool is_identifier(const char *s)
{
	if (!isalpha((unsigned char)*s))
		return false;
	for (; *s; s++)
		if (!isalnum((unsigned char)*s) && *s != '_')
			return false;
	return true;
}

static bool is_barestr(const char *s)
{
	if (!*s)
		return false;
	for (; *s; s++)
		if (strchr("()\"'=,", *s) || isspace((unsigned char)*s))
			return false;
	return true;
}

/* Reads override: {key: append|replace}. Returns 0 or FAIL. */
static int read_overrides(struct rd *r, const struct rules_ynode *item, const char *const *app_ok,
			  const char *const *rep_ok, char ***app, size_t *napp, char ***rep,
			  size_t *nrep)
{
	const struct rules_ynode *ov = rules_yaml_get(item, "override");

	if (!ov)
		return 0;
	if (ov->kind != RULES_Y_MAP)
		return VERR(r, ov, "Value of override must be a mapping");
	for (size_t k = 0; k + 1 < ov->nkids; k += 2) {
		const struct rules_ynode *kn = ov->kids[k], *vn = ov->kids[k + 1];
		const char *key = kn->str;
		bool can_app = in_set(key, strlen(key), app_ok);
		bool can_rep = in_set(key, strlen(key), rep_ok);

		if (vn->kind == RULES_Y_SCALAR && strcmp(vn->str, "append") == 0) {
			if (!can_app)
				return VERR(r, kn,
					    "Key '%s' cannot be appended to, use 'replace' instead",
					    key);
			if (strv_push(app, napp, key) < 0)
				return -ENOMEM;
		} else if (vn->kind == RULES_Y_SCALAR && strcmp(vn->str, "replace") == 0) {
			if (!can_rep)
				return VERR(r, kn, "Key '%s' cannot be replaced", key);
			if (strv_push(rep, nrep, key) < 0)
				return -ENOMEM;
		} else {
			return VERR(r, vn,
				    "Invalid override operation for key '%s': '%s'. Allowed values "
				    "are: %s%s",
				    key, vn->kind == RULES_Y_SCALAR ? vn->str : "",
				    can_app ? "append " : "", can_rep ? "replace " : "");
		}
	}
	return 0;
}

static bool strv_has(char **v, size_t n, const char *s)
{
	for (size_t i = 0; i < n; i++)
		if (strcmp(v[i], s) == 0)
			return true;
	return false;
}

static int read_list(struct rd *r, const struct rules_ynode *item)
{
	static const char *const known[] = {"list", "items", "append", "override", NULL};
	static const char *const ovr[] = {"items", NULL};
	struct rules_coll *c = &r->l->coll;
	char **items = NULL, **app = NULL, **rep = NULL;
	size_t nitems = 0, napp = 0, nrep = 0;
	const char *name;
	bool append = false;
	struct rules_list *prev;
	int rc;

	if ((rc = get_str(r, item, "list", false, &name, NULL)) < 0)
		return rc;
	snprintf(r->itembuf, sizeof(r->itembuf), "list '%.120s'", name);
	r->item = r->itembuf;
	if (!is_barestr(name) &&
	    (rc = warn_at(r, item, RULES_WARN_INVALID_LIST_NAME,
			  "List has an invalid name. List names should match a regular "
			  "expression: " RGX_BARESTR)) < 0)
		return rc;
	if ((rc = check_unknown_keys(r, item, known)) < 0)
		return rc;
	if ((rc = get_seq(r, item, "items", false, &items, &nitems)) < 0)
		goto out;
	if ((rc = get_bool(r, item, "append", true, &append)) < 0)
		goto out;
	if (append && (rc = warn_at(r, item, RULES_WARN_DEPRECATED_ITEM, WARNING_APPEND)) < 0)
		goto out;
	if ((rc = read_overrides(r, item, ovr, ovr, &app, &napp, &rep, &nrep)) < 0)
		goto out;
	if (append && (napp || nrep)) {
		rc = VERR(r, item, ERROR_OVERRIDE_APPEND);
		goto out;
	}
	append = append || napp;
	prev = rules_coll_list(c, name);
	if (append) {
		if (!prev) {
			rc = CERR(r, item, ERROR_NO_PREVIOUS_LIST);
			goto out;
		}
		for (size_t i = 0; i < nitems; i++)
			if ((rc = strv_push(&prev->items, &prev->nitems, items[i])) < 0)
				goto out;
		prev->visibility = c->cur_index++;
	} else if (prev) {
		/* Redefinition: new content in place, keeps its index (Falco's define_info). */
		strv_free(prev->items, prev->nitems);
		prev->items = items;
		prev->nitems = nitems;
		items = NULL;
		nitems = 0;
		prev->pos = pos_of(r, item);
		prev->visibility = c->cur_index++;
	} else {
		struct rules_list *x;

		if ((rc = GROW(c->lists, c->nlists, c->caplists)) < 0)
			goto out;
		x = &c->lists[c->nlists];
		memset(x, 0, sizeof(*x));
		x->name = strdup(name);
		if (!x->name) {
			rc = -ENOMEM;
			goto out;
		}
		if ((rc = index_add(&c->list_idx, x->name, (uint32_t)c->nlists, list_name_at,
				    c->lists)) < 0) {
			free(x->name);
			goto out;
		}
		c->nlists++;
		x->items = items;
		x->nitems = nitems;
		items = NULL;
		nitems = 0;
		x->pos = pos_of(r, item);
		x->index = x->visibility = c->cur_index++;
	}
	rc = 0;
out:
	strv_free(items, nitems);
	strv_free(app, napp);
	strv_free(rep, nrep);
	return rc;
}

static int read_macro(struct rd *r, const struct rules_ynode *item)
{
	static const char *const known[] = {"macro", "condition", "append", "override", NULL};
	static const char *const ovr[] = {"condition", NULL};
	struct rules_coll *c = &r->l->coll;
	char **app = NULL, **rep = NULL;
	size_t napp = 0, nrep = 0;
	const char *name, *cond;
	const struct rules_ynode *cn;
	bool append = false;
	struct rules_macro *prev;
	int rc;

	if ((rc = get_str(r, item, "macro", false, &name, NULL)) < 0)
		return rc;
	snprintf(r->itembuf, sizeof(r->itembuf), "macro '%.120s'", name);
	r->item = r->itembuf;
	if (!is_identifier(name) &&
	    (rc = warn_at(r, item, RULES_WARN_INVALID_MACRO_NAME,
			  "Macro has an invalid name. Macro names should match a regular "
			  "expression: " RGX_IDENTIFIER)) < 0)
		return rc;
	if ((rc = check_unknown_keys(r, item, known)) < 0)
		return rc;
	if ((rc = get_str(r, item, "condition", false, &cond, &cn)) < 0)
		return rc;
	if ((rc = get_bool(r, item, "append", true, &append)) < 0)
		return rc;
	if (append && (rc = warn_at(r, item, RULES_WARN_DEPRECATED_ITEM, WARNING_APPEND)) < 0)
		return rc;
	if ((rc = read_overrides(r, item, ovr, ovr, &app, &napp, &rep, &nrep)) < 0)
		goto out;
	if (append && (napp || nrep)) {
		rc = VERR(r, item, ERROR_OVERRIDE_APPEND);
		goto out;
	}
	append = append || napp;
	prev = rules_coll_macro(c, name);
	if (append) {
		if (!prev) {
			rc = CERR(r, item, ERROR_NO_PREVIOUS_MACRO);
			goto out;
		}
		if ((rc = str_join_space(&prev->cond, cond)) < 0)
			goto out;
		prev->visibility = c->cur_index++;
	} else if (prev) {
		if ((rc = str_set(&prev->cond, cond)) < 0)
			goto out;
		textpos_of(r, cn, &prev->cond_pos);
		prev->pos = pos_of(r, item);
		prev->visibility = c->cur_index++;
	} else {
		struct rules_macro *x;

		if ((rc = GROW(c->macros, c->nmacros, c->capmacros)) < 0)
			goto out;
		x = &c->macros[c->nmacros];
		memset(x, 0, sizeof(*x));
		x->name = strdup(name);
		x->cond = strdup(cond);
		if (!x->name || !x->cond) {
			free(x->name);
			free(x->cond);
			rc = -ENOMEM;
			goto out;
		}
		if ((rc = index_add(&c->macro_idx, x->name, (uint32_t)c->nmacros, macro_name_at,
				    c->macros)) < 0) {
			free(x->name);
			free(x->cond);
			goto out;
		}
		c->nmacros++;
		textpos_of(r, cn, &x->cond_pos);
		x->pos = pos_of(r, item);
		x->index = x->visibility = c->cur_index++;
	}
	rc = 0;
out:
	strv_free(app, napp);
	strv_free(rep, nrep);
	return rc;
}

/* Rule keys that `override:` may name. */
static const char *const rule_app_ok[] = {"condition", "output",     "desc",
					  "tags",      "exceptions", NULL};
static const char *const rule_rep_ok[] = {"condition",
					  "output",
					  "desc",
					  "priority",
					  "tags",
					  "exceptions",
					  "enabled",
					  "warn_evttypes",
					  "skip-if-unknown-filter",
					  "capture",
					  "capture_duration",
					  NULL};

/* A different, explicit source on an append/override of an existing rule is an error. */
static int check_update_source(struct rd *r, const struct rules_ynode *item,
			       const struct rules_rule *prev)
{
	const struct rules_ynode *s = rules_yaml_get(item, "source");

	if (!prev || !s || s->kind != RULES_Y_SCALAR || s->len == 0 || rules_yaml_is_null(s))
		return 0;
	if (strcmp(s->str, prev->source) != 0)
		return CERR(r, item, "Rule has been re-defined with a different source");
	return 0;
}

/* Appends exceptions to a rule (Falco's collector::append for exceptions). */
static int append_exceptions(struct rd *r, struct rules_rule *prev, struct rules_exception *exs,
			     size_t nexs)
{
	for (size_t i = 0; i < nexs; i++) {
		struct rules_exception *ex = &exs[i], *pe = NULL;
		struct rules_ynode at = {0};
		int rc;

		at.line = ex->pos.line;
		at.col = ex->pos.col;
		for (size_t k = 0; k < prev->nexceptions; k++)
			if (strcmp(prev->exceptions[k].name, ex->name) == 0)
				pe = &prev->exceptions[k];
		if (!pe) {
			struct rules_exception *v;

			if (!ex->fields.valid)
				return CERR(
					r, &at,
					"Rule exception must have fields property with a list of "
					"fields");
			if (ex->nvalues == 0)
				return CERR(
					r, &at,
					"Rule exception must have values property with a list of "
					"values");
			if ((rc = validate_exception(r, ex)) < 0)
				return rc;
			v = realloc(prev->exceptions, (prev->nexceptions + 1) * sizeof(*v));
			if (!v)
				return -ENOMEM;
			prev->exceptions = v;
			v[prev->nexceptions++] = *ex;
			memset(ex, 0, sizeof(*ex));
		} else {
			struct rules_exc_entry *v;

			if (ex->fields.valid)
				return CERR(
					r, &at,
					"Can not append exception fields to existing exception, "
					"only values");
			if (ex->comps.valid)
				return CERR(r, &at,
					    "Can not append exception comps to existing exception, "
					    "only values");
			v = realloc(pe->values, (pe->nvalues + ex->nvalues + 1) * sizeof(*v));
			if (!v)
				return -ENOMEM;
			pe->values = v;
			if (ex->nvalues)
				memcpy(&v[pe->nvalues], ex->values, ex->nvalues * sizeof(*v));
			pe->nvalues += ex->nvalues;
			free(ex->values);
			ex->values = NULL;
			ex->nvalues = 0;
		}
	}
	return 0;
}

/* override: with append and/or replace keys, or the deprecated append: true. */
static int read_rule_update(struct rd *r, const struct rules_ynode *item, const char *name,
			    bool has_append_flag, char **app, size_t napp, char **rep, size_t nrep)
{
	struct rules_coll *c = &r->l->coll;
	struct rules_rule *prev = rules_coll_rule(c, name);
	struct rules_exception *exs = NULL;
	size_t nexs = 0;
	const char *s;
	int rc = 0;

	if (has_append_flag) {
		if (!prev)
			return CERR(r, item, ERROR_NO_PREVIOUS_RULE_APPEND);
		if ((rc = check_update_source(r, item, prev)) < 0)
			return rc;
		if (!rules_yaml_get(item, "condition") && !rules_yaml_get(item, "exceptions"))
			return CERR(r, item,
				    "Appended rule must have exceptions or condition property");
		if (rules_yaml_get(item, "condition")) {
			if ((rc = get_str(r, item, "condition", false, &s, NULL)) < 0)
				return rc;
			if ((rc = str_join_space(&prev->cond, s)) < 0)
				return rc;
		}
		if ((rc = read_exceptions(r, item, true, &exs, &nexs)) < 0)
			goto out;
		if ((rc = append_exceptions(r, prev, exs, nexs)) < 0)
			goto out;
		prev->visibility = c->cur_index++;
		goto out;
	}

	/* Every overridable key present must be named under override:, and vice versa. */
	for (const char *const *k = rule_rep_ok; *k; k++) {
		bool present = rules_yaml_get(item, *k) != NULL;
		bool listed = strv_has(app, napp, *k) || strv_has(rep, nrep, *k);

		if (listed && !present)
			return VERR(r, item,
				    "An %s override for '%s' was specified but '%s' is not defined",
				    strv_has(app, napp, *k) ? "append" : "replace", *k, *k);
	}
	for (const char *const *k = rule_rep_ok; *k; k++) {
		const struct rules_ynode *kn = NULL;

		for (size_t i = 0; i + 1 < item->nkids; i += 2)
			if (strcmp(item->kids[i]->str, *k) == 0)
				kn = item->kids[i];
		if (kn && !strv_has(app, napp, *k) && !strv_has(rep, nrep, *k))
			return VERR(
				r, kn,
				"Unexpected key '%s': no corresponding entry under 'override' is "
				"defined.",
				*k);
	}
	if (napp) {
		if (!prev)
			return CERR(r, item, ERROR_NO_PREVIOUS_RULE_APPEND);
		if ((rc = check_update_source(r, item, prev)) < 0)
			return rc;
		if (strv_has(app, napp, "condition")) {
			if ((rc = get_str(r, item, "condition", false, &s, NULL)) < 0)
				return rc;
			if (*s && (rc = str_join_space(&prev->cond, s)) < 0)
				return rc;
		}
		if (strv_has(app, napp, "output")) {
			if ((rc = get_str(r, item, "output", false, &s, NULL)) < 0)
				return rc;
			if (*s && (rc = str_join_space(&prev->output, s)) < 0)
				return rc;
		}
		if (strv_has(app, napp, "desc")) {
			if ((rc = get_str(r, item, "desc", false, &s, NULL)) < 0)
				return rc;
			if (*s && (rc = str_join_space(&prev->desc, s)) < 0)
				return rc;
		}
		if (strv_has(app, napp, "tags")) {
			if ((rc = get_seq(r, item, "tags", true, &prev->tags, &prev->ntags)) < 0)
				return rc;
			tags_normalize(prev->tags, &prev->ntags);
		}
		if (strv_has(app, napp, "exceptions")) {
			if ((rc = read_exceptions(r, item, true, &exs, &nexs)) < 0)
				goto out;
			if ((rc = append_exceptions(r, prev, exs, nexs)) < 0)
				goto out;
		}
		prev->visibility = c->cur_index++;
	}
	if (nrep) {
		if (!prev)
			return CERR(r, item, ERROR_NO_PREVIOUS_RULE_REPLACE);
		if ((rc = check_update_source(r, item, prev)) < 0)
			return rc;
		if (strv_has(rep, nrep, "condition")) {
			const struct rules_ynode *cn;

			if ((rc = get_str(r, item, "condition", false, &s, &cn)) < 0)
				return rc;
			if ((rc = str_set(&prev->cond, s)) < 0)
				return rc;
			textpos_of(r, cn, &prev->cond_pos);
		}
		if (strv_has(rep, nrep, "output")) {
			const struct rules_ynode *on;

			if ((rc = get_str(r, item, "output", false, &s, &on)) < 0)
				return rc;
			if ((rc = str_set(&prev->output, s)) < 0)
				return rc;
			textpos_of(r, on, &prev->output_pos);
		}
		if (strv_has(rep, nrep, "desc")) {
			if ((rc = get_str(r, item, "desc", false, &s, NULL)) < 0)
				return rc;
			if ((rc = str_set(&prev->desc, s)) < 0)
				return rc;
		}
		if (strv_has(rep, nrep, "tags")) {
			char **tags = NULL;
			size_t ntags = 0;

			if ((rc = get_seq(r, item, "tags", true, &tags, &ntags)) < 0) {
				strv_free(tags, ntags);
				return rc;
			}
			strv_free(prev->tags, prev->ntags);
			prev->tags = tags;
			prev->ntags = ntags;
			tags_normalize(prev->tags, &prev->ntags);
		}
		if (strv_has(rep, nrep, "exceptions")) {
			if ((rc = read_exceptions(r, item, false, &exs, &nexs)) < 0)
				goto out;
			for (size_t i = 0; i < nexs; i++)
				if ((rc = validate_exception(r, &exs[i])) < 0)
					goto out;
			exceptions_free(prev->exceptions, prev->nexceptions);
			prev->exceptions = exs;
			prev->nexceptions = nexs;
			exs = NULL;
			nexs = 0;
		}
		if (strv_has(rep, nrep, "priority")) {
			const struct rules_ynode *pn;

			if ((rc = get_str(r, item, "priority", false, &s, &pn)) < 0)
				return rc;
			if (rules_prio_parse(s, &prev->priority) < 0)
				return VERR(r, pn, "Invalid priority");
		}
		if (strv_has(rep, nrep, "enabled") &&
		    (rc = get_bool(r, item, "enabled", false, &prev->enabled)) < 0)
			return rc;
		if (strv_has(rep, nrep, "warn_evttypes") &&
		    (rc = get_bool(r, item, "warn_evttypes", false, &prev->warn_evttypes)) < 0)
			return rc;
		if (strv_has(rep, nrep, "skip-if-unknown-filter") &&
		    (rc = get_bool(r, item, "skip-if-unknown-filter", false,
				   &prev->skip_if_unknown_filter)) < 0)
			return rc;
		if (strv_has(rep, nrep, "capture") &&
		    (rc = get_bool(r, item, "capture", false, &prev->capture)) < 0)
			return rc;
		if (strv_has(rep, nrep, "capture_duration") &&
		    (rc = get_u32(r, item, "capture_duration", false, &prev->capture_duration)) < 0)
			return rc;
		prev->visibility = c->cur_index++;
	}
	rc = 0;
out:
	exceptions_free(exs, nexs);
	return rc;
}

static int read_rule_define(struct rd *r, const struct rules_ynode *item, const char *name)
{
	struct rules_coll *c = &r->l->coll;
	struct rules_rule v, *prev;
	const struct rules_ynode *cn, *on, *pn;
	const char *s;
	int rc;

	memset(&v, 0, sizeof(v));
	v.enabled = true;
	v.warn_evttypes = true;
	prev = rules_coll_rule(c, name);
	if (!rules_yaml_get(item, "condition") && !rules_yaml_get(item, "output") &&
	    !rules_yaml_get(item, "desc") && !rules_yaml_get(item, "priority")) {
		/* Deprecated "enabled-only" form: toggles an earlier rule. */
		if ((rc = get_bool(r, item, "enabled", false, &v.enabled)) < 0)
			return rc;
		if ((rc = warn_at(r, item, RULES_WARN_DEPRECATED_ITEM, WARNING_ENABLED)) < 0)
			return rc;
		if (!prev)
			return CERR(
				r, item,
				"Rule has 'enabled' key but no rule by that name already exists");
		prev->enabled = v.enabled;
		return 0;
	}
	if ((rc = get_str(r, item, "condition", false, &s, &cn)) < 0)
		return rc;
	if (!(v.cond = strdup(s)))
		return -ENOMEM;
	textpos_of(r, cn, &v.cond_pos);
	if ((rc = get_str(r, item, "output", false, &s, &on)) < 0)
		goto fail;
	textpos_of(r, on, &v.output_pos);
	{
		/* Falco trims the output. */
		size_t b = 0, e = strlen(s);

		while (b < e && isspace((unsigned char)s[b]))
			b++;
		while (e > b && isspace((unsigned char)s[e - 1]))
			e--;
		v.output = strndup(s + b, e - b);
		if (!v.output) {
			rc = -ENOMEM;
			goto fail;
		}
	}
	if ((rc = get_str(r, item, "desc", false, &s, NULL)) < 0)
		goto fail;
	if (!(v.desc = strdup(s))) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = get_str(r, item, "priority", false, &s, &pn)) < 0)
		goto fail;
	if (rules_prio_parse(s, &v.priority) < 0) {
		rc = VERR(r, pn, "Invalid priority");
		goto fail;
	}
	s = "syscall";
	if ((rc = get_str(r, item, "source", true, &s, NULL)) < 0)
		goto fail;
	if (!(v.source = strdup(s))) {
		rc = -ENOMEM;
		goto fail;
	}
	if ((rc = get_bool(r, item, "enabled", true, &v.enabled)) < 0 ||
	    (rc = get_bool(r, item, "warn_evttypes", true, &v.warn_evttypes)) < 0 ||
	    (rc = get_bool(r, item, "skip-if-unknown-filter", true, &v.skip_if_unknown_filter)) <
		    0 ||
	    (rc = get_bool(r, item, "capture", true, &v.capture)) < 0 ||
	    (rc = get_u32(r, item, "capture_duration", true, &v.capture_duration)) < 0)
		goto fail;
	if ((rc = get_seq(r, item, "tags", true, &v.tags, &v.ntags)) < 0)
		goto fail;
	tags_normalize(v.tags, &v.ntags);
	if ((rc = read_exceptions(r, item, false, &v.exceptions, &v.nexceptions)) < 0)
		goto fail;
	if (prev && strcmp(prev->source, v.source) != 0) {
		rc = CERR(r, item, "Rule has been re-defined with a different source");
		goto fail;
	}
	if (strcmp(v.source, "syscall") != 0) {
		v.unknown_source = true;
		if ((rc = warn_at(r, item, RULES_WARN_UNKNOWN_SOURCE, "Unknown source %s, skipping",
				  v.source)) < 0)
			goto fail;
	}
	for (size_t i = 0; i < v.nexceptions; i++) {
		struct rules_ynode at = {0};

		at.line = v.exceptions[i].pos.line;
		at.col = v.exceptions[i].pos.col;
		if (!v.exceptions[i].fields.valid) {
			rc = CERR(r, &at,
				  "Rule exception item must have fields property with a list of "
				  "fields");
			goto fail;
		}
		if ((rc = validate_exception(r, &v.exceptions[i])) < 0)
			goto fail;
	}
	v.pos = pos_of(r, item);
	if (prev) {
		v.index = prev->index;
		v.visibility = c->cur_index++;
		v.name = prev->name;
		prev->name = NULL;
		rule_fini(prev);
		*prev = v;
		return 0;
	}
	if ((rc = GROW(c->rules, c->nrules, c->caprules)) < 0)
		goto fail;
	if (!(v.name = strdup(name))) {
		rc = -ENOMEM;
		goto fail;
	}
	v.index = v.visibility = c->cur_index++;
	c->rules[c->nrules] = v;
	if ((rc = index_add(&c->rule_idx, v.name, (uint32_t)c->nrules, rule_name_at, c->rules)) <
	    0) {
		memset(&c->rules[c->nrules], 0, sizeof(v));
		goto fail;
	}
	c->nrules++;
	return 0;
fail:
	rule_fini(&v);
	return rc;
}

static int read_rule(struct rd *r, const struct rules_ynode *item)
{
	static const char *const known[] = {"rule",
					    "desc",
					    "condition",
					    "output",
					    "priority",
					    "tags",
					    "enabled",
					    "source",
					    "exceptions",
					    "append",
					    "override",
					    "warn_evttypes",
					    "skip-if-unknown-filter",
					    "capture",
					    "capture_duration",
					    NULL};
	char **app = NULL, **rep = NULL;
	size_t napp = 0, nrep = 0;
	const char *name;
	bool has_append = false;
	int rc;

	if ((rc = get_str(r, item, "rule", false, &name, NULL)) < 0)
		return rc;
	snprintf(r->itembuf, sizeof(r->itembuf), "rule '%.120s'", name);
	r->item = r->itembuf;
	if ((rc = check_unknown_keys(r, item, known)) < 0)
		return rc;
	if ((rc = get_bool(r, item, "append", true, &has_append)) < 0)
		return rc;
	if (has_append && (rc = warn_at(r, item, RULES_WARN_DEPRECATED_ITEM, WARNING_APPEND)) < 0)
		return rc;
	if ((rc = read_overrides(r, item, rule_app_ok, rule_rep_ok, &app, &napp, &rep, &nrep)) < 0)
		goto out;
	if (has_append && (napp || nrep)) {
		rc = VERR(r, item, ERROR_OVERRIDE_APPEND);
		goto out;
	}
	if (napp || nrep || has_append)
		rc = read_rule_update(r, item, name, has_append, app, napp, rep, nrep);
	else
		rc = read_rule_define(r, item, name);
out:
	strv_free(app, napp);
	strv_free(rep, nrep);
	return rc;
}

static int read_item(struct rd *r, const struct rules_ynode *item)
{
	r->item = NULL;
	if (item->kind != RULES_Y_MAP)
		return VERR(r, item,
			    "Unexpected element type. Each element should be a yaml associative "
			    "array.");
	if (rules_yaml_get(item, "required_engine_version"))
		return read_engine_version(r, item);
	if (rules_yaml_get(item, "required_plugin_versions"))
		return read_plugin_versions(r, item);
	if (rules_yaml_get(item, "list"))
		return read_list(r, item);
	if (rules_yaml_get(item, "macro"))
		return read_macro(r, item);
	if (rules_yaml_get(item, "rule"))
		return read_rule(r, item);
	return warn_at(r, item, RULES_WARN_UNKNOWN_ITEM, "Unknown top level item");
}

/* ---- files ------------------------------------------------------------------------------- */

struct rules_loader *rules_loader_new(void)
{
	return calloc(1, sizeof(struct rules_loader));
}

void rules_loader_free(struct rules_loader *l)
{
	if (!l)
		return;
	coll_fini(&l->coll);
	rules_diags_fini(&l->diags);
	for (size_t i = 0; i < l->nfiles; i++) {
		free(l->files[i].name);
		free(l->files[i].buf);
	}
	free(l->files);
	free(l);
}

static struct rules_file *add_file(struct rules_loader *l, const char *name, const char *buf,
				   size_t len)
{
	struct rules_file *f = realloc(l->files, (l->nfiles + 1) * sizeof(*f));

	if (!f)
		return NULL;
	l->files = f;
	f = &f[l->nfiles];
	f->name = strdup(name);
	f->buf = malloc(len + 1);
	if (!f->name || !f->buf) {
		free(f->name);
		free(f->buf);
		return NULL;
	}
	if (len)
		memcpy(f->buf, buf, len);
	f->buf[len] = '\0';
	f->len = len;
	snprintf(f->schema, sizeof(f->schema), "none");
	f->cache_line = 0;
	f->cache_off = 0;
	l->nfiles++;
	return f;
}

int rules_loader_load_buf(struct rules_loader *l, const char *name, const char *buf, size_t len)
{
	struct rules_file *f;
	struct rules_ytree *t;
	struct rules_yerr yerr;
	struct rd r;
	int rc = 0;

	if (len > RULES_YAML_MAX_BYTES) {
		struct rules_pos p = {NULL, 0, 0};

		/* Not kept: an oversize buffer is not copied. */
		f = add_file(l, name, "", 0);
		if (!f)
			return -ENOMEM;
		p.file = f->name;
		rc = rules_diag_add(&l->diags, RULES_ERROR, RULES_ERR_FILE_READ, p, NULL,
				    "file too large: %zu bytes, limit is %u", len,
				    RULES_YAML_MAX_BYTES);
		return rc < 0 ? rc : -EINVAL;
	}
	f = add_file(l, name, buf, len);
	if (!f)
		return -ENOMEM;
	memset(&r, 0, sizeof(r));
	r.l = l;
	r.file = f->name;
	t = rules_yaml_parse(f->buf, f->len, &yerr);
	if (!t) {
		struct rules_pos p = {f->name, yerr.line, yerr.col};

		if (errno == ENOMEM && !yerr.msg[0])
			return -ENOMEM;
		rc = rules_diag_add(&l->diags, RULES_ERROR, RULES_ERR_YAML_PARSE, p, NULL, "%s",
				    yerr.msg);
		return rc < 0 ? rc : -EINVAL;
	}
	snprintf(f->schema, sizeof(f->schema), "ok");
	for (size_t d = 0; d < rules_yaml_ndocs(t); d++) {
		char msg[128];

		/* Falco reports the first document that fails. */
		if (rules_schema_check(rules_yaml_doc(t, d), msg, sizeof(msg))) {
			snprintf(f->schema, sizeof(f->schema), "%s", msg);
			break;
		}
	}
	for (size_t d = 0; d < rules_yaml_ndocs(t) && rc == 0; d++) {
		const struct rules_ynode *doc = rules_yaml_doc(t, d);

		if (!doc || rules_yaml_is_null(doc))
			continue;
		if (doc->kind != RULES_Y_SEQ) {
			rc = VERR(&r, doc,
				  doc->kind == RULES_Y_MAP
					  ? "Rules content is not yaml array of objects"
					  : "Rules content is not yaml");
			break;
		}
		for (size_t i = 0; i < doc->nkids && rc == 0; i++) {
			if (rules_yaml_is_null(doc->kids[i]))
				continue;
			rc = read_item(&r, doc->kids[i]);
		}
	}
	rules_yaml_free(t);
	return rc < 0 ? rc : 0;
}

int rules_loader_load_file(struct rules_loader *l, const char *path)
{
	struct rules_pos p = {NULL, 0, 0};
	struct stat st;
	char *buf = NULL;
	size_t len = 0;
	int fd, rc, err;

	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0) {
		err = errno;
		goto fail;
	}
	if (fstat(fd, &st) < 0) {
		err = errno;
		close(fd);
		goto fail;
	}
	if (!S_ISREG(st.st_mode)) {
		err = EISDIR;
		close(fd);
		goto fail;
	}
	if ((uint64_t)st.st_size > RULES_YAML_MAX_BYTES) {
		close(fd);
		return rules_loader_load_buf(l, path, NULL, (size_t)st.st_size);
	}
	buf = malloc((size_t)st.st_size + 1);
	if (!buf) {
		close(fd);
		return -ENOMEM;
	}
	while (len < (size_t)st.st_size) {
		ssize_t n = read(fd, buf + len, (size_t)st.st_size - len);

		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0)
			break;
		len += (size_t)n;
	}
	close(fd);
	rc = rules_loader_load_buf(l, path, buf, len);
	free(buf);
	return rc;
fail : {
	struct rules_file *f = add_file(l, path, "", 0);

	if (!f)
		return -ENOMEM;
	p.file = f->name;
	rc = rules_diag_add(&l->diags, RULES_ERROR, RULES_ERR_FILE_READ, p, NULL,
			    "could not read rules file: %s", strerror(err));
	return rc < 0 ? rc : -err;
}
}

const char *rules_loader_line(void *loader, const char *file, uint32_t line, size_t *len)
{
	struct rules_loader *l = loader;

	for (size_t i = l->nfiles; i-- > 0;) {
		struct rules_file *f = &l->files[i];
		const char *p, *e, *nl;
		uint32_t n = 1;

		if (f->name != file && (!file || strcmp(f->name, file) != 0))
			continue;
		p = f->buf;
		e = f->buf + f->len;
		if (f->cache_line && f->cache_line <= line) {
			/* resume from the last lookup: O(file) for all snippets of a file */
			p = f->buf + f->cache_off;
			n = f->cache_line;
		}
		while (n < line && p < e) {
			nl = memchr(p, '\n', (size_t)(e - p));
			if (!nl)
				return NULL;
			p = nl + 1;
			n++;
		}
		if (n != line || p > e)
			return NULL;
		f->cache_line = line;
		f->cache_off = (size_t)(p - f->buf);
		nl = memchr(p, '\n', (size_t)(e - p));
		*len = (size_t)((nl ? nl : e) - p);
		if (*len && p[*len - 1] == '\r')
			(*len)--;
		return p;
	}
	return NULL;
}

struct rules_pos rules_textpos_at(const struct rules_loader *l, const struct rules_textpos *tp,
				  size_t k)
{
	struct rules_pos p = tp->pos;
	const struct rules_file *f = NULL;
	const char *s, *e;
	uint32_t line, col;

	if (!tp->valid)
		return p;
	for (size_t i = 0; i < l->nfiles; i++)
		if (l->files[i].name == tp->pos.file)
			f = &l->files[i];
	if (!f || tp->off >= f->len)
		return p;
	s = f->buf + tp->off;
	e = f->buf + f->len;
	line = tp->pos.line;
	col = tp->pos.col;
	if (tp->style == RULES_Y_LITERAL || tp->style == RULES_Y_FOLDED) {
		/* Skip the header line ("|", ">-", ...): content starts on the next line. */
		const char *nl = memchr(s, '\n', (size_t)(e - s));

		if (!nl)
			return p;
		s = nl + 1;
		line++;
		col = 1;
		while (s < e && (*s == ' ' || *s == '\t')) {
			s++;
			col++;
		}
	} else if (tp->style == RULES_Y_SINGLE || tp->style == RULES_Y_DOUBLE) {
		s++;
		col++;
	}
	/*
	 * One text byte per source byte, a line break (folded to a space or
	 * kept) per source line break, indentation skipped. Exact for the
	 * scalars rules files use; approximate after escapes or blank lines.
	 */
	while (k > 0 && s < e) {
		if (*s == '\n') {
			s++;
			line++;
			col = 1;
			while (s < e && (*s == ' ' || *s == '\t')) {
				s++;
				col++;
			}
		} else {
			s++;
			col++;
		}
		k--;
	}
	p.line = line;
	p.col = col;
	return p;
}
