/* slots.c: numbering the state fields the rules read, and which event types read which. */
#include "slots.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "cond.h"
#include "rules_compile.h"
#include "rules_output.h"

/* Per field id: 1 when its value needs state. Filled once at start-up (read-only after). */
static uint8_t state_field[FLD_MAX];

__attribute__((constructor)) static void slots_init_state_table(void)
{
	for (unsigned id = 0; id < FLD_MAX; id++) {
		const struct fld_info *fi = fld_info((enum fld_id)id);

		/* evt.abspath resolves against cwd and dirfds; evt.num counts every event,
		 * and only the enricher sees them all. */
		state_field[id] = fi && (id == FLD_EVT_ABSPATH || id == FLD_EVT_NUM ||
					 (strncmp(fi->name, "evt.", 4) != 0 &&
					  strncmp(fi->name, "syscall.", 8) != 0));
	}
}

int slots_field_is_state(enum fld_id id)
{
	return (unsigned)id < FLD_MAX && state_field[id];
}

static int find_key(const struct slot_table *t, const char *key)
{
	for (size_t i = 0; i < t->n; i++)
		if (strcmp(t->keys[i], key) == 0)
			return (int)i;
	return -1;
}

int slots_add(struct slot_table *t, const char *name, const char *arg, size_t arg_len)
{
	struct fld_ref ref;
	char msg[256], key[512];
	int s;
	void *nk, *nr;
	char *argcopy = NULL;

	if (arg)
		snprintf(key, sizeof(key), "%s[%.*s]", name, (int)arg_len, arg);
	else
		snprintf(key, sizeof(key), "%s", name);
	s = find_key(t, key);
	if (s >= 0)
		return s;
	if (arg) {
		argcopy = strndup(arg, arg_len);
		if (!argcopy)
			return -ENOMEM;
	}
	if (fld_resolve(name, argcopy, arg_len, &ref, msg, sizeof(msg)) != 0) {
		free(argcopy);
		return -ENOENT;
	}
	if (!slots_field_is_state(ref.id)) {
		free(argcopy);
		return -EINVAL; /* evaluators read these from the event itself */
	}
	/* ref.arg may point into name for dotted forms: own a copy. */
	if (ref.arg && ref.arg != argcopy) {
		free(argcopy);
		argcopy = strndup(ref.arg, ref.arg_len);
		if (!argcopy)
			return -ENOMEM;
	}
	ref.arg = argcopy;
	nk = realloc(t->keys, (t->n + 1) * sizeof(*t->keys));
	if (!nk) {
		free(argcopy);
		return -ENOMEM;
	}
	t->keys = nk;
	nr = realloc(t->refs, (t->n + 1) * sizeof(*t->refs));
	if (!nr) {
		free(argcopy);
		return -ENOMEM;
	}
	t->refs = nr;
	t->keys[t->n] = strdup(key);
	if (!t->keys[t->n]) {
		free(argcopy);
		return -ENOMEM;
	}
	t->refs[t->n] = ref;
	return (int)t->n++;
}

struct collect {
	struct slot_table *t;
	uint8_t *used; /* per slot, for the current rule */
	size_t cap;
	int err;
};

static void mark(struct collect *c, int s)
{
	if (s < 0)
		return;
	if ((size_t)s >= c->cap) {
		size_t nc = (size_t)s * 2 + 64;
		uint8_t *nu = realloc(c->used, nc);

		if (!nu) {
			c->err = -ENOMEM;
			return;
		}
		memset(nu + c->cap, 0, nc - c->cap);
		c->used = nu;
		c->cap = nc;
	}
	c->used[s] = 1;
}

static int visit(struct cond_node **slot, int in_transformer, void *ud)
{
	struct collect *c = ud;
	const struct cond_node *n = *slot;

	if (n->kind == COND_FIELD) {
		int s = slots_add(c->t, n->str, n->arg, n->arg_len);

		if (s == -ENOMEM)
			return -ENOMEM;
		mark(c, s);
	}
	return 0;
}

/* Adds the fields of an output key "name" or "name[arg]". */
static void add_key(struct collect *c, const char *key)
{
	const char *br = strchr(key, '[');
	char name[256];
	int s;

	if (br && key[strlen(key) - 1] == ']') {
		snprintf(name, sizeof(name), "%.*s", (int)(br - key), key);
		s = slots_add(c->t, name, br + 1, strlen(br + 1) - 1);
	} else {
		s = slots_add(c->t, key, NULL, 0);
	}
	if (s == -ENOMEM)
		c->err = s;
	mark(c, s);
}

static uint32_t fnv(uint32_t h, const void *p, size_t n)
{
	const uint8_t *b = p;

	for (size_t i = 0; i < n; i++) {
		h ^= b[i];
		h *= 16777619u;
	}
	return h;
}

struct slot_table *slots_build(const struct rules_ruleset *rs)
{
	struct slot_table *t = calloc(1, sizeof(*t));
	struct collect c = {.t = t};
	uint8_t **rule_slots = NULL;
	size_t *rule_nslots = NULL;

	if (!t)
		return NULL;
	rule_slots = calloc(rs->nrules ? rs->nrules : 1, sizeof(*rule_slots));
	rule_nslots = calloc(rs->nrules ? rs->nrules : 1, sizeof(*rule_nslots));
	if (!rule_slots || !rule_nslots)
		goto nomem;
	for (size_t r = 0; r < rs->nrules; r++) {
		struct rules_crule *cr = &rs->rules[r];
		struct cond_node *ast = cr->ast;

		if (!cr->enabled || !ast)
			continue;
		if (c.used)
			memset(c.used, 0, c.cap);
		if (cond_walk(&ast, visit, &c) == -ENOMEM || c.err)
			goto nomem;
		if (cr->output) {
			char msg[256];
			size_t off;
			struct rules_outfmt *f =
				rules_outfmt_compile(cr->output, msg, sizeof(msg), &off);

			for (size_t i = 0; f && i < rules_outfmt_nfields(f); i++)
				add_key(&c, rules_outfmt_key(f, i));
			rules_outfmt_free(f);
			if (c.err)
				goto nomem;
		}
		rule_slots[r] = malloc(c.cap ? c.cap : 1);
		if (!rule_slots[r])
			goto nomem;
		if (c.cap)
			memcpy(rule_slots[r], c.used, c.cap);
		rule_nslots[r] = c.cap;
	}
	t->gen = 2166136261u;
	for (size_t s = 0; s < t->n; s++)
		t->gen = fnv(t->gen, t->keys[s], strlen(t->keys[s]) + 1);
	for (unsigned ty = 0; ty < LNR_EVT_MAX; ty++) {
		uint8_t *u = calloc(t->n ? t->n : 1, 1);

		if (!u)
			goto nomem;
		for (size_t k = 0; k < rs->nby_type[ty]; k++) {
			uint32_t r = rs->by_type[ty][k];

			for (size_t s = 0; s < rule_nslots[r] && s < t->n; s++)
				u[s] |= rule_slots[r][s];
		}
		t->local[ty] = malloc((t->n ? t->n : 1) * sizeof(int32_t));
		t->by_type[ty] = malloc((t->n ? t->n : 1) * sizeof(uint32_t));
		if (!t->local[ty] || !t->by_type[ty]) {
			free(u);
			goto nomem;
		}
		for (size_t s = 0; s < t->n; s++) {
			t->local[ty][s] = -1;
			if (u[s]) {
				t->local[ty][s] = (int32_t)t->nby_type[ty];
				t->by_type[ty][t->nby_type[ty]++] = (uint32_t)s;
			}
		}
		free(u);
		t->gen = fnv(t->gen, &ty, sizeof(ty));
		t->gen = fnv(t->gen, t->by_type[ty], t->nby_type[ty] * sizeof(uint32_t));
	}
	for (size_t r = 0; r < rs->nrules; r++)
		free(rule_slots[r]);
	free(rule_slots);
	free(rule_nslots);
	free(c.used);
	return t;
nomem:
	if (rule_slots)
		for (size_t r = 0; r < rs->nrules; r++)
			free(rule_slots[r]);
	free(rule_slots);
	free(rule_nslots);
	free(c.used);
	slots_free(t);
	errno = ENOMEM;
	return NULL;
}

void slots_free(struct slot_table *t)
{
	if (!t)
		return;
	for (size_t s = 0; s < t->n; s++) {
		free(t->keys[s]);
		free((char *)t->refs[s].arg);
	}
	free(t->keys);
	free(t->refs);
	for (unsigned ty = 0; ty < LNR_EVT_MAX; ty++) {
		free(t->by_type[ty]);
		free(t->local[ty]);
	}
	free(t);
}
