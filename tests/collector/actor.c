/* actor.c: recording and matching expectations about live events. */
#include <stdio.h>
#include <string.h>
#include <unistd.h>

#include "actor.h"

struct act_exp *act_expect(struct act_shm *s, const char *group, const char *what, uint16_t type)
{
	struct act_exp *e;

	if (s->nexp >= ACT_MAX_EXP) {
		s->failed_setup = 1;
		snprintf(s->setup_msg, sizeof(s->setup_msg), "too many expectations");
		return &s->exp[ACT_MAX_EXP - 1];
	}
	e = &s->exp[s->nexp++];
	memset(e, 0, sizeof(*e));
	snprintf(e->group, sizeof(e->group), "%s", group);
	snprintf(e->what, sizeof(e->what), "%s", what);
	e->type = type;
	e->pid = getpid();
	return e;
}

struct act_exp *act_forbid(struct act_shm *s, const char *group, const char *what, uint16_t type)
{
	struct act_exp *e = act_expect(s, group, what, type);

	e->forbidden = 1;
	return e;
}

static struct act_chk *act_add(struct act_shm *s, struct act_exp *e, const char *name, int kind)
{
	struct act_chk *c;

	if (e->nchk >= ACT_MAX_CHECKS) {
		s->failed_setup = 1;
		snprintf(s->setup_msg, sizeof(s->setup_msg), "%s: too many checks", e->what);
		return &e->chk[ACT_MAX_CHECKS - 1];
	}
	c = &e->chk[e->nchk++];
	memset(c, 0, sizeof(*c));
	snprintf(c->name, sizeof(c->name), "%s", name);
	c->kind = kind;
	return c;
}

void act_int(struct act_shm *s, struct act_exp *e, const char *name, int64_t v)
{
	act_add(s, e, name, ACT_INT)->i = v;
}

void act_int_ne(struct act_shm *s, struct act_exp *e, const char *name, int64_t v)
{
	act_add(s, e, name, ACT_INT_NE)->i = v;
}

void act_bytes(struct act_shm *s, struct act_exp *e, const char *name, const void *p, size_t n)
{
	struct act_chk *c = act_add(s, e, name, ACT_BYTES);

	if (s->blob_used + n > ACT_BLOB) {
		s->failed_setup = 1;
		snprintf(s->setup_msg, sizeof(s->setup_msg), "blob full");
		return;
	}
	memcpy(s->blob + s->blob_used, p, n);
	c->off = s->blob_used;
	c->len = n;
	s->blob_used += n;
}

void act_str(struct act_shm *s, struct act_exp *e, const char *name, const char *v)
{
	act_bytes(s, e, name, v, strlen(v) + 1);
	e->chk[e->nchk - 1].kind = ACT_STR;
}

void act_tail(struct act_shm *s, struct act_exp *e, const char *name, const void *p, size_t n)
{
	act_bytes(s, e, name, p, n);
	e->chk[e->nchk - 1].kind = ACT_TAIL;
}

void act_head(struct act_shm *s, struct act_exp *e, const char *name, const void *p, size_t n)
{
	act_bytes(s, e, name, p, n);
	e->chk[e->nchk - 1].kind = ACT_HEAD;
}

void act_absent(struct act_shm *s, struct act_exp *e, const char *name)
{
	act_add(s, e, name, ACT_ABSENT);
}

void act_trunc(struct act_shm *s, struct act_exp *e, const char *name)
{
	act_add(s, e, name, ACT_TRUNC);
}

void act_present(struct act_shm *s, struct act_exp *e, const char *name)
{
	act_add(s, e, name, ACT_PRESENT);
}

int act_match(const struct act_shm *s, const struct act_exp *e, const struct lnr_evt_view *v,
	      char *why, size_t n)
{
	if (v->hdr->type != e->type) {
		snprintf(why, n, "type");
		return 0;
	}
	if (v->hdr->pid != e->pid) {
		snprintf(why, n, "pid %lld", (long long)v->hdr->pid);
		return 0;
	}
	for (int k = 0; k < e->nchk; k++) {
		const struct act_chk *c = &e->chk[k];
		int i = lnr_evt_param_index(v->info, c->name);
		int64_t x = 0;

		if (i < 0) {
			snprintf(why, n, "no parameter '%s' in the table", c->name);
			return 0;
		}
		switch (c->kind) {
		case ACT_INT:
		case ACT_INT_NE:
			if (lnr_evt_get_s64(v, i, &x)) {
				snprintf(why, n, "%s absent", c->name);
				return 0;
			}
			if ((c->kind == ACT_INT) != (x == c->i)) {
				snprintf(why, n, "%s=%lld, expected %s%lld", c->name, (long long)x,
					 c->kind == ACT_INT ? "" : "not ", (long long)c->i);
				return 0;
			}
			break;
		case ACT_STR:
		case ACT_BYTES:
			if (v->plen[i] != c->len || memcmp(v->pval[i], s->blob + c->off, c->len)) {
				snprintf(why, n, "%s: %u bytes '%.*s', expected %u bytes '%.*s'",
					 c->name, v->plen[i],
					 (int)(v->plen[i] > 60 ? 60 : v->plen[i]),
					 (const char *)v->pval[i], c->len,
					 (int)(c->len > 60 ? 60 : c->len),
					 (const char *)s->blob + c->off);
				return 0;
			}
			break;
		case ACT_TAIL:
		case ACT_HEAD: {
			const uint8_t *at =
				c->kind == ACT_TAIL ? v->pval[i] + v->plen[i] - c->len : v->pval[i];

			if (v->plen[i] < c->len || memcmp(at, s->blob + c->off, c->len)) {
				snprintf(why, n,
					 "%s (%u bytes) does not %s with the %u expected bytes",
					 c->name, v->plen[i], c->kind == ACT_TAIL ? "end" : "start",
					 c->len);
				return 0;
			}
			break;
		}
		case ACT_ABSENT:
			if (v->plen[i] != 0) {
				snprintf(why, n, "%s present (%u bytes), expected absent", c->name,
					 v->plen[i]);
				return 0;
			}
			break;
		case ACT_PRESENT:
			if (v->plen[i] == 0) {
				snprintf(why, n, "%s absent", c->name);
				return 0;
			}
			break;
		case ACT_TRUNC:
			if (!(v->pflags[i] & LNR_PARAM_TRUNC)) {
				snprintf(why, n, "%s not flagged truncated", c->name);
				return 0;
			}
			break;
		}
	}
	return 1;
}
