/* test_rules_official_events.c: every rule of Falco's three rules files meets a matching event and a near miss. */
#include <ctype.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "evtset.h"
#include "prog.h"
#include "rules_compile.h"
#include "rules_load.h"
#include "testev.h"

/*
 * Events are generated from each rule's expanded condition: a search that
 * walks the AST choosing which branch of an `or` to satisfy (and which child
 * of an `and` to falsify), sets fields to values that satisfy the leaves
 * (checked leaf by leaf with the compiled leaf), and verifies the result with
 * the rule's compiled program. A near miss is the matching event with one
 * field changed or removed, verified not to match. Nothing here is
 * hard-coded per rule: a rule the generator cannot satisfy fails the test.
 */

#define MAX_ASSIGN 256
#define ATTEMPTS 400

struct assign {
	char key[160];
	char val[512];
};

struct gen {
	struct rules_ruleset *rs; /* the ruleset being exercised (for rules_eval) */
	struct assign a[MAX_ASSIGN];
	size_t n;
	struct testev *ev;
	unsigned seed;
	bool fail;
};

static unsigned rnd(struct gen *g)
{
	g->seed = g->seed * 1103515245u + 12345u;
	return (g->seed >> 16) & 0x7fff;
}

static void rebuild(struct gen *g)
{
	testev_reset(g->ev);
	for (size_t i = 0; i < g->n; i++)
		testev_sets(g->ev, g->a[i].key, g->a[i].val);
}

static struct assign *find(struct gen *g, const char *key)
{
	for (size_t i = 0; i < g->n; i++)
		if (strcmp(g->a[i].key, key) == 0)
			return &g->a[i];
	return NULL;
}

static int eval_node(struct gen *g, const struct cond_node *n)
{
	struct prog_msg pm;
	struct fld_accessor acc = testev_accessor(g->ev);
	struct prog *p = prog_compile(n, &pm);
	int r;

	if (!p)
		return -1;
	r = prog_eval(p, &acc);
	prog_free(p);
	return r;
}

/* The field a leaf reads (through transformers), or NULL. */
static const struct cond_node *leaf_field(const struct cond_node *n)
{
	if (!n)
		return NULL;
	if (n->kind == COND_FIELD)
		return n;
	for (size_t i = 0; i < n->nkids; i++) {
		const struct cond_node *f = leaf_field(n->kids[i]);

		if (f)
			return f;
	}
	return NULL;
}

static void field_key(const struct cond_node *f, char *key, size_t sz)
{
	if (f->arg)
		snprintf(key, sz, "%s[%.*s]", f->str, (int)f->arg_len, f->arg);
	else
		snprintf(key, sz, "%s", f->str);
}

/* A string that a glob pattern matches: '*' -> "", '?' -> 'a', [set] -> its first member. */
static void glob_fill(const char *p, char *out, size_t sz)
{
	size_t o = 0;

	for (; *p && o + 2 < sz; p++) {
		if (*p == '*')
			continue;
		if (*p == '?') {
			out[o++] = 'a';
		} else if (*p == '[') {
			const char *e = strchr(p + 1, ']');

			out[o++] = p[1] == '!' || p[1] == '^' ? '#' : p[1];
			if (e)
				p = e;
		} else if (*p == '\\' && p[1]) {
			out[o++] = *++p;
		} else {
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

/* A string a simple regex fully matches (best effort; verified by evaluation). */
static void regex_fill(const char *p, char *out, size_t sz)
{
	size_t o = 0;

	for (; *p && o + 2 < sz; p++) {
		switch (*p) {
		case '^':
		case '$':
		case '(':
		case ')':
			break;
		case '.':
			if (p[1] == '*' || p[1] == '+' || p[1] == '?')
				p++;
			out[o++] = 'a';
			break;
		case '*':
		case '?':
			if (o)
				o--;
			break;
		case '+':
			break;
		case '|':
			*p ? (void)0 : (void)0;
			out[o] = '\0';
			return;
		case '[': {
			const char *e = strchr(p + 1, ']');

			out[o++] = p[1] == '^' ? '#' : p[1];
			if (e)
				p = e;
			if (p[1] == '{') {
				const char *c = strchr(p, '}');

				if (c)
					p = c;
			}
			break;
		}
		case '\\':
			if (p[1])
				p++;
			out[o++] = *p == 'd' ? '1' : *p == 'w' ? 'a' : *p == 's' ? ' ' : *p;
			break;
		default:
			out[o++] = *p;
		}
	}
	out[o] = '\0';
}

/* Candidate values that may make a leaf true. */
static size_t candidates(const struct cond_node *n, char (*c)[512], size_t max)
{
	size_t k = 0;
	const struct cond_node *r = n->nkids > 1 ? n->kids[1] : NULL;
	const char *op = n->str ? n->str : "";

	if (n->kind == COND_UNARY) {
		static const char *const any[] = {"1", "lanner", "10.0.0.1", "true"};

		for (size_t i = 0; i < 4 && k < max; i++)
			snprintf(c[k++], 512, "%s", any[i]);
		return k;
	}
	if (!r)
		return 0;
	if (r->kind == COND_LIST) {
		bool allof = strstr(op, "allof") != NULL;

		if (allof && k < max) {
			c[k][0] = '\0';
			for (size_t i = 0; i < r->nkids; i++) {
				strncat(c[k], r->kids[i]->str, 511 - strlen(c[k]));
				strncat(c[k], " ", 511 - strlen(c[k]));
			}
			k++;
		}
		/* Lanner's event types first, so the index can route the event. */
		for (int pass = 0; pass < 2; pass++) {
			for (size_t i = 0; i < r->nkids && k < max; i++) {
				const char *v = r->kids[i]->str;
				bool known = evtset_type_by_name(v, strlen(v)) >= 0;

				if (known != (pass == 0))
					continue;
				if (strstr(op, "glob"))
					glob_fill(v, c[k++], 512);
				else if (strstr(op, "regex"))
					regex_fill(v, c[k++], 512);
				else
					snprintf(c[k++], 512, "%s", v);
				if (strcmp(op, "pmatch") == 0 && k < max)
					snprintf(c[k++], 512, "%s/lanner", v);
				if (strchr(v, '/') && strchr(v, '/') == strrchr(v, '/') &&
				    k < max && !strchr(v, '.'))
					snprintf(c[k++], 512, "%s.0.0.1",
						 v); /* not a CIDR; harmless */
			}
		}
		return k;
	}
	if (r->kind != COND_VALUE)
		return 0;
	if (strcmp(op, "!=") == 0) {
		snprintf(c[k++], 512, "%s_lanner", r->str);
		if (k < max)
			snprintf(c[k++], 512, "%lld", atoll(r->str) + 1);
		if (k < max)
			snprintf(c[k++], 512, "8.8.8.8"); /* for IP and network fields */
		return k;
	}
	if (strncmp(op, "bcontains", 9) == 0 || strncmp(op, "bstartswith", 11) == 0) {
		/* hex string -> bytes */
		size_t o = 0;

		for (const char *h = r->str; h[0] && h[1] && o + 1 < 512; h += 2) {
			char b[3] = {h[0], h[1], 0};

			c[k][o++] = (char)strtol(b, NULL, 16);
		}
		c[k++][o] = '\0';
		return k;
	}
	if (op[0] == '<' || op[0] == '>') {
		long long v = strtoll(r->str, NULL, 0);

		snprintf(c[k++], 512, "%lld", op[0] == '<' ? v - 1 : v + 1);
		if (k < max)
			snprintf(c[k++], 512, "%lld", v);
		return k;
	}
	if (strstr(op, "glob"))
		glob_fill(r->str, c[k++], 512);
	else if (strstr(op, "regex"))
		regex_fill(r->str, c[k++], 512);
	else
		snprintf(c[k++], 512, "%s", r->str);
	if (k < max && strchr(r->str, '/') && isdigit((unsigned char)r->str[0])) {
		/* a CIDR: an address inside it */
		snprintf(c[k], 512, "%s", r->str);
		*strchr(c[k], '/') = '\0';
		k++;
	}
	return k;
}

static void satisfy(struct gen *g, const struct cond_node *n, bool want);

static void leaf(struct gen *g, const struct cond_node *n, bool want)
{
	const struct cond_node *f = leaf_field(n->kids[0]);
	char key[160], (*cand)[512];
	size_t nc;
	int r;

	if (g->fail)
		return;
	rebuild(g);
	r = eval_node(g, n);
	if (r == (want ? 1 : 0))
		return;
	if (!f) {
		g->fail = true;
		return;
	}
	field_key(f, key, sizeof(key));
	if (!want || g->n >= MAX_ASSIGN) {
		/* an unset field makes every check false; it is set: conflict */
		g->fail = true;
		return;
	}
	cand = malloc(64 * sizeof(*cand));
	nc = candidates(n, cand, 64);
	{
		struct assign *old = find(g, key);

		if (old) {
			/*
			 * Several checks on one field (startswith x and endswith y):
			 * try the old value joined with each candidate, both ways.
			 */
			char prev[512];

			snprintf(prev, sizeof(prev), "%s", old->val);
			for (size_t i = 0; i < nc; i++) {
				for (int w = 0; w < 3; w++) {
					if (w == 0)
						snprintf(old->val, sizeof(old->val), "%s%s", prev,
							 cand[i]);
					else if (w == 1)
						snprintf(old->val, sizeof(old->val), "%s%s",
							 cand[i], prev);
					else
						snprintf(old->val, sizeof(old->val), "%s", cand[i]);
					rebuild(g);
					if (eval_node(g, n) == 1) {
						free(cand);
						return;
					}
				}
			}
			snprintf(old->val, sizeof(old->val), "%s", prev);
			free(cand);
			g->fail = true;
			return;
		}
	}
	if (nc > 1 && (rnd(g) & 1)) {
		/* vary the choice between attempts */
		size_t j = rnd(g) % nc;
		char tmp[512];

		memcpy(tmp, cand[0], 512);
		memcpy(cand[0], cand[j], 512);
		memcpy(cand[j], tmp, 512);
	}
	for (size_t i = 0; i < nc; i++) {
		snprintf(g->a[g->n].key, sizeof(g->a[0].key), "%s", key);
		snprintf(g->a[g->n].val, sizeof(g->a[0].val), "%s", cand[i]);
		g->n++;
		rebuild(g);
		if (eval_node(g, n) == 1) {
			free(cand);
			return;
		}
		g->n--;
	}
	free(cand);
	g->fail = true;
}

static void satisfy(struct gen *g, const struct cond_node *n, bool want)
{
	if (g->fail)
		return;
	switch (n->kind) {
	case COND_NOT:
		satisfy(g, n->kids[0], !want);
		return;
	case COND_AND:
	case COND_OR: {
		bool all = (n->kind == COND_AND) == want; /* every child must reach `want` */

		if (all) {
			/* children that set values first: negations only forbid */
			for (int pass = 0; pass < 2; pass++)
				for (size_t i = 0; i < n->nkids; i++)
					if ((n->kids[i]->kind == COND_NOT) == (pass == 1))
						satisfy(g, n->kids[i], want);
		} else {
			satisfy(g, n->kids[rnd(g) % n->nkids], want);
		}
		return;
	}
	case COND_BINARY:
	case COND_UNARY:
		leaf(g, n, want);
		return;
	default:
		g->fail = true;
	}
}

static int eval_rule(struct gen *g, struct prog *p)
{
	struct fld_accessor acc = testev_accessor(g->ev);

	rebuild(g);
	return prog_eval(p, &acc);
}

/* Finds a matching event; returns true with g->a filled. */
static bool find_match(struct gen *g, const struct rules_crule *c)
{
	for (unsigned t = 0; t < ATTEMPTS; t++) {
		g->n = 0;
		g->fail = false;
		g->seed = t * 2654435761u + 1;
		satisfy(g, c->ast, true);
		if (!g->fail && eval_rule(g, c->prog) == 1)
			return true;
	}
	return false;
}

/* Turns the match into a near miss by changing one field; returns the changed key or NULL. */
static const char *near_miss(struct gen *g, const struct rules_crule *c, char *what, size_t sz)
{
	/* Non-type fields first: a miss on the rule's substance, not just its event type. */
	for (int pass = 0; pass < 2; pass++) {
		for (size_t i = 0; i < g->n; i++) {
			struct assign save = g->a[i];
			bool is_type = strcmp(g->a[i].key, "evt.type") == 0;

			if (is_type != (pass == 1))
				continue;
			/* drop the field */
			memmove(&g->a[i], &g->a[i + 1], (g->n - i - 1) * sizeof(g->a[0]));
			g->n--;
			if (eval_rule(g, c->prog) == 0) {
				snprintf(what, sz, "without %s", save.key);
				return what;
			}
			memmove(&g->a[i + 1], &g->a[i], (g->n - i) * sizeof(g->a[0]));
			g->a[i] = save;
			g->n++;
			/* or give it another value */
			snprintf(g->a[i].val, sizeof(g->a[i].val), "%s",
				 is_type ? "getpid" : "lanner_near_miss");
			if (eval_rule(g, c->prog) == 0) {
				snprintf(what, sz, "%s=%s", save.key, g->a[i].val);
				return what;
			}
			g->a[i] = save;
		}
	}
	return NULL;
}

/*
 * Two official rules can never match as shipped: they wait for the user to
 * fill a placeholder (an empty list, a macro that is true for every
 * container). Users do that with a local rules file loaded after the
 * official ones; this is such a file, used only for rules that cannot match
 * otherwise, and the test says which rules needed it.
 */
static const char local_rules[] =
	"- list: namespace_scope_network_only_subnet\n"
	"  items: [prod]\n"
	"  override:\n"
	"    items: replace\n"
	"- macro: allowed_containers\n"
	"  condition: (container.image.repository in (registry.local/trusted))\n"
	"  override:\n"
	"    condition: replace\n";

static struct rules_ruleset *load_all(struct rules_loader *l, bool local)
{
	static const char *const files[] = {"falco_rules.yaml", "falco-incubating_rules.yaml",
					    "falco-sandbox_rules.yaml"};
	char path[512];

	for (size_t i = 0; i < 3; i++) {
		snprintf(path, sizeof(path), "%s/falco-rules/%s", LANNER_CONFORMANCE_DIR, files[i]);
		if (rules_loader_load_file(l, path) != 0) {
			fprintf(stderr, "cannot load %s\n", path);
			return NULL;
		}
	}
	if (local &&
	    rules_loader_load_buf(l, "local_rules.yaml", local_rules, sizeof(local_rules) - 1) != 0)
		return NULL;
	return rules_compile(l, NULL);
}

struct seen {
	const struct rules_crule *want;
	bool found;
};

static int on_match(const struct rules_crule *r, void *ud)
{
	struct seen *s = ud;

	if (r->rule == s->want->rule)
		s->found = true;
	return 0;
}

/* The event, dispatched through the per-type index (rules_eval), reaches the rule. */
static bool index_finds(struct gen *g, const struct rules_crule *c, unsigned type)
{
	struct fld_accessor acc = testev_accessor(g->ev);
	struct rules_ruleset *rs = g->rs;
	struct seen s = {c, false};

	rebuild(g);
	if (!rs)
		return true;
	return rules_eval(rs, type, &acc, on_match, &s) > 0 && s.found;
}

/* 0: match and near miss found; -1: no match; -2: not indexed; -3: no near miss. */
static int exercise(struct gen *g, const struct rules_crule *c, int verbose)
{
	const struct assign *type;
	char what[256];
	int t;

	if (!find_match(g, c))
		return -1;
	type = find(g, "evt.type");
	t = type ? evtset_type_by_name(type->val, strlen(type->val)) : -1;
	if (t >= 0 && !evtset_has(&c->lnr_types, (unsigned)t))
		return -2;
	if (t >= 0 && c->enabled && !index_finds(g, c, (unsigned)t))
		return -2;
	if (verbose) {
		printf("match %s:", c->rule->name);
		for (size_t k = 0; k < g->n; k++)
			printf(" %s=%s", g->a[k].key, g->a[k].val);
		printf("\n");
	}
	if (!near_miss(g, c, what, sizeof(what)))
		return -3;
	if (verbose)
		printf("  near miss: %s\n", what);
	return 0;
}

int main(int argc, char **argv)
{
	static const char *const why[] = {"", "no matching event found",
					  "matches an event type it is not indexed for",
					  "no near miss found"};
	struct rules_loader *l = rules_loader_new(), *l2 = rules_loader_new();
	struct rules_ruleset *rs, *rs2;
	struct gen *g = calloc(1, sizeof(*g));
	int verbose = argc > 1 && strcmp(argv[1], "-v") == 0;
	size_t ok = 0, ok_local = 0, failed = 0;

	rs = load_all(l, false);
	rs2 = load_all(l2, true);
	if (!rs || !rs2 || !g)
		return 1;
	g->ev = testev_new();
	for (size_t i = 0; i < rs->nrules; i++) {
		const struct rules_crule *c = &rs->rules[i];
		int rc;

		g->rs = rs;
		rc = exercise(g, c, verbose);

		if (rc == 0) {
			ok++;
			continue;
		}
		if (rc == -1) {
			const struct rules_crule *c2 = rules_ruleset_find(rs2, c->rule->name);

			g->rs = rs2;
			rc = c2 ? exercise(g, c2, verbose) : -1;
			if (rc == 0) {
				printf("note %s: never matches as shipped (placeholder); matched "
				       "after "
				       "local_rules.yaml fills it\n",
				       c->rule->name);
				ok_local++;
				continue;
			}
		}
		printf("FAIL %s: %s\n", c->rule->name, why[-rc]);
		failed++;
	}
	printf("%zu rules: %zu with a matching event and a near miss (%zu of them after filling a "
	       "placeholder), %zu failed\n",
	       rs->nrules, ok + ok_local, ok_local, failed);
	testev_free(g->ev);
	free(g);
	rules_ruleset_free(rs);
	rules_ruleset_free(rs2);
	rules_loader_free(l);
	rules_loader_free(l2);
	return failed || ok + ok_local != 93 ? 1 : 0;
}
