/* testev.c: the synthetic test event (a small key/value store behind the field accessor). */
#include "testev.h"

#include "evtset.h"
#include "match.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

struct tval {
	char *s;
	size_t len;
};

struct tfield {
	char *key;	     /* "name" or "name[arg]" */
	enum lnr_ptype type; /* LNR_PT_NONE: the catalogue's type. */
	struct tval *v;
	size_t n;
};

struct testev {
	struct tfield *f;
	size_t n;
	int evt_type;
};

/* Mock fields (for libsinsp's mock-factory tests); names only, types given. */
#define TESTEV_MAX_MOCK 32
static struct {
	char name[64];
	enum lnr_ptype type;
} mocks[TESTEV_MAX_MOCK];
static size_t nmocks;

int testev_mock_field(const char *name, enum lnr_ptype type, struct fld_ref *out)
{
	size_t i;

	for (i = 0; i < nmocks; i++)
		if (strcmp(mocks[i].name, name) == 0)
			break;
	if (i == nmocks) {
		if (nmocks == TESTEV_MAX_MOCK || strlen(name) >= sizeof(mocks[0].name))
			return -ENOSPC;
		snprintf(mocks[i].name, sizeof(mocks[i].name), "%s", name);
		mocks[i].type = type;
		nmocks++;
	}
	memset(out, 0, sizeof(*out));
	out->id = (enum fld_id)(FLD_MAX + i);
	out->type = mocks[i].type;
	out->index = -1;
	return 0;
}

struct testev *testev_new(void)
{
	struct testev *e = calloc(1, sizeof(*e));

	if (e)
		e->evt_type = -1;
	return e;
}

void testev_reset(struct testev *e)
{
	for (size_t i = 0; i < e->n; i++) {
		for (size_t k = 0; k < e->f[i].n; k++)
			free(e->f[i].v[k].s);
		free(e->f[i].v);
		free(e->f[i].key);
	}
	free(e->f);
	e->f = NULL;
	e->n = 0;
	e->evt_type = -1;
}

void testev_free(struct testev *e)
{
	if (!e)
		return;
	testev_reset(e);
	free(e);
}

/* Canonical key of a field reference: "name" or "name[arg]". */
static void key_of(const char *name, const char *arg, size_t arg_len, char *buf, size_t sz)
{
	if (arg && arg_len)
		snprintf(buf, sz, "%s[%.*s]", name, (int)arg_len, arg);
	else
		snprintf(buf, sz, "%s", name);
}

/* Key for a field string as tests write it ("evt.arg.flags", "proc.aname[2]"). */
static int key_of_text(const char *field, char *buf, size_t sz)
{
	char name[128];
	const char *br = strchr(field, '[');
	struct fld_ref r;
	char msg[128];
	size_t nl = br ? (size_t)(br - field) : strlen(field);

	if (nl >= sizeof(name))
		return -EINVAL;
	memcpy(name, field, nl);
	name[nl] = '\0';
	if (fld_resolve(name, br ? br + 1 : NULL, br ? strlen(br + 1) - 1 : 0, &r, msg,
			sizeof(msg)) < 0) {
		/* Mock or unknown fields are stored under their text. */
		snprintf(buf, sz, "%s", field);
		return 0;
	}
	key_of(r.info->name, r.arg, r.arg_len, buf, sz);
	return 0;
}

static struct tfield *find(struct testev *e, const char *key)
{
	for (size_t i = 0; i < e->n; i++)
		if (strcmp(e->f[i].key, key) == 0)
			return &e->f[i];
	return NULL;
}

static struct tfield *get_or_add(struct testev *e, const char *key)
{
	struct tfield *f = find(e, key), *nf;

	if (f)
		return f;
	nf = realloc(e->f, (e->n + 1) * sizeof(*nf));
	if (!nf)
		return NULL;
	e->f = nf;
	f = &e->f[e->n];
	memset(f, 0, sizeof(*f));
	f->key = strdup(key);
	if (!f->key)
		return NULL;
	e->n++;
	return f;
}

static int push(struct tfield *f, const char *v, size_t len)
{
	struct tval *nv = realloc(f->v, (f->n + 1) * sizeof(*nv));

	if (!nv)
		return -ENOMEM;
	f->v = nv;
	nv[f->n].s = malloc(len + 1);
	if (!nv[f->n].s)
		return -ENOMEM;
	memcpy(nv[f->n].s, v, len);
	nv[f->n].s[len] = '\0';
	nv[f->n].len = len;
	f->n++;
	return 0;
}

int testev_set(struct testev *e, const char *field, const char *value, size_t len)
{
	char key[256];
	struct tfield *f;

	if (key_of_text(field, key, sizeof(key)) < 0)
		return -EINVAL;
	f = get_or_add(e, key);
	if (!f)
		return -ENOMEM;
	for (size_t k = 0; k < f->n; k++)
		free(f->v[k].s);
	f->n = 0;
	if (strcmp(key, "evt.type") == 0)
		e->evt_type = evtset_type_by_name(value, len);
	return push(f, value, len);
}

int testev_sets(struct testev *e, const char *field, const char *value)
{
	return testev_set(e, field, value, strlen(value));
}

int testev_add(struct testev *e, const char *field, const char *value)
{
	char key[256];
	struct tfield *f;

	if (key_of_text(field, key, sizeof(key)) < 0)
		return -EINVAL;
	f = get_or_add(e, key);
	if (!f)
		return -ENOMEM;
	return push(f, value, strlen(value));
}

int testev_set_typed(struct testev *e, const char *field, enum lnr_ptype type, const char *value)
{
	int rc = testev_sets(e, field, value);
	char key[256];

	if (rc < 0)
		return rc;
	key_of_text(field, key, sizeof(key));
	find(e, key)->type = type;
	return 0;
}

/* Convert text to a typed value. */
static int convert(enum lnr_ptype t, const struct tval *tv, struct fld_val *out)
{
	memset(out, 0, sizeof(*out));
	out->type = (uint16_t)t;
	if (fld_type_is_string(t) || t == LNR_PT_BYTEBUF) {
		out->str.p = tv->s;
		out->str.len = tv->len;
		return 0;
	}
	switch (t) {
	case LNR_PT_BOOL:
		out->u64 = strcmp(tv->s, "true") == 0 || strcmp(tv->s, "1") == 0;
		return 0;
	case LNR_PT_IPADDR:
	case LNR_PT_IPV4ADDR:
	case LNR_PT_IPV6ADDR:
	case LNR_PT_IPNET:
	case LNR_PT_IPV4NET:
	case LNR_PT_IPV6NET:
		return match_parse_ip(tv->s, tv->len, &out->ip);
	case LNR_PT_DOUBLE:
		out->dbl = strtod(tv->s, NULL);
		return 0;
	default:
		if (fld_type_is_signed(t))
			out->s64 = strtoll(tv->s, NULL, 10);
		else
			out->u64 = strtoull(tv->s, NULL, 10);
		return 0;
	}
}

static const char *ancestor_family(enum fld_id id, const char **self)
{
	switch (id) {
	case FLD_PROC_ANAME:
		*self = "proc.name";
		return "proc.aname";
	case FLD_PROC_AEXE:
		*self = "proc.exe";
		return "proc.aexe";
	case FLD_PROC_AEXEPATH:
		*self = "proc.exepath";
		return "proc.aexepath";
	case FLD_PROC_APID:
		*self = "proc.pid";
		return "proc.apid";
	default:
		return NULL;
	}
}

static int get(void *ctx, const struct fld_ref *r, struct fld_val *out, uint32_t max)
{
	struct testev *e = ctx;
	const char *name = r->info ? r->info->name : NULL;
	char key[256];
	struct tfield *f;
	enum lnr_ptype t;
	uint32_t n = 0;

	if ((unsigned)r->id >= FLD_MAX) {
		if ((size_t)r->id - FLD_MAX >= nmocks)
			return 0;
		name = mocks[r->id - FLD_MAX].name;
	}
	key_of(name, r->arg, r->arg_len, key, sizeof(key));
	f = find(e, key);
	if (!f) {
		const char *self = NULL, *fam = ancestor_family(r->id, &self);

		/* proc.aname[N]: 0 = the process itself, N = Nth ancestor. */
		if (fam && r->arg && r->index >= 0) {
			struct tfield *a = find(e, fam);

			if (r->index == 0)
				f = find(e, self);
			else if (a && (size_t)r->index <= a->n)
				return convert(r->type, &a->v[r->index - 1], out) < 0 ? 0 : 1;
		}
		if (!f)
			return 0;
	}
	t = f->type != LNR_PT_NONE ? f->type : r->type;
	for (size_t i = 0; i < f->n && n < max; i++)
		if (convert(t, &f->v[i], &out[n]) == 0)
			n++;
	/* Single-valued fields return one value. */
	if (!(r->flags & (FLD_F_LIST | FLD_F_ANCESTOR | FLD_F_EITHER)) && n > 1)
		n = 1;
	return (int)n;
}

static int evt_type(void *ctx)
{
	return ((struct testev *)ctx)->evt_type;
}

struct fld_accessor testev_accessor(struct testev *e)
{
	struct fld_accessor a = {get, evt_type, e};

	return a;
}
