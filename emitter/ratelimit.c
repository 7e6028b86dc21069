/* ratelimit.c: per-rule and global token buckets with a periodic summary alert. */
#include "ratelimit.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#define MAX_RULES 65536u /* distinct rule names tracked; more share the global bucket only */

struct bucket {
	double tokens;
	uint64_t last_ns;
};

struct rule_slot {
	char *name; /* NULL: empty slot */
	struct bucket b;
	uint64_t suppressed; /* since the last summary */
};

struct ratelimit {
	struct ecfg_rate cfg;
	struct rule_slot *slots;
	size_t cap, used; /* open addressing, cap a power of two */
	struct bucket global;
	uint64_t total;
	uint64_t since_summary;
	uint64_t last_summary_ns;
};

static uint64_t fnv1a(const char *s)
{
	uint64_t h = 1469598103934665603ull;

	for (; *s; s++)
		h = (h ^ (unsigned char)*s) * 1099511628211ull;
	return h;
}

struct ratelimit *ratelimit_new(const struct ecfg_rate *cfg)
{
	struct ratelimit *rl = calloc(1, sizeof(*rl));

	if (!rl)
		return NULL;
	rl->cfg = *cfg;
	rl->cap = 256;
	rl->slots = calloc(rl->cap, sizeof(*rl->slots));
	if (!rl->slots) {
		free(rl);
		return NULL;
	}
	rl->global.tokens = cfg->global_burst;
	return rl;
}

void ratelimit_free(struct ratelimit *rl)
{
	if (!rl)
		return;
	for (size_t i = 0; i < rl->cap; i++)
		free(rl->slots[i].name);
	free(rl->slots);
	free(rl);
}

static bool take(struct bucket *b, double rate, double burst, uint64_t now)
{
	if (b->last_ns && now > b->last_ns) {
		b->tokens += rate * (double)(now - b->last_ns) / 1e9;
		if (b->tokens > burst)
			b->tokens = burst;
	}
	b->last_ns = now;
	if (b->tokens >= 1.0) {
		b->tokens -= 1.0;
		return true;
	}
	return false;
}

static int grow(struct ratelimit *rl)
{
	size_t cap = rl->cap * 2;
	struct rule_slot *s = calloc(cap, sizeof(*s));

	if (!s)
		return -ENOMEM;
	for (size_t i = 0; i < rl->cap; i++) {
		if (!rl->slots[i].name)
			continue;
		size_t j = fnv1a(rl->slots[i].name) & (cap - 1);
		while (s[j].name)
			j = (j + 1) & (cap - 1);
		s[j] = rl->slots[i];
	}
	free(rl->slots);
	rl->slots = s;
	rl->cap = cap;
	return 0;
}

static struct rule_slot *slot(struct ratelimit *rl, const char *rule)
{
	if (rl->used * 2 >= rl->cap && rl->used < MAX_RULES && grow(rl))
		return NULL;
	size_t i = fnv1a(rule) & (rl->cap - 1);
	while (rl->slots[i].name) {
		if (!strcmp(rl->slots[i].name, rule))
			return &rl->slots[i];
		i = (i + 1) & (rl->cap - 1);
	}
	if (rl->used >= MAX_RULES || rl->used * 2 >= rl->cap)
		return NULL;
	rl->slots[i].name = strdup(rule);
	if (!rl->slots[i].name)
		return NULL;
	rl->slots[i].b.tokens = rl->cfg.rule_burst;
	rl->used++;
	return &rl->slots[i];
}

bool ratelimit_allow(struct ratelimit *rl, const char *rule, uint64_t now_ns)
{
	struct rule_slot *s;

	if (!rl->cfg.enabled)
		return true;
	s = slot(rl, rule ? rule : "");
	if (s && !take(&s->b, rl->cfg.rule_rate, rl->cfg.rule_burst, now_ns)) {
		s->suppressed++;
		goto suppressed;
	}
	if (rl->cfg.global_rate > 0 &&
	    !take(&rl->global, rl->cfg.global_rate, rl->cfg.global_burst, now_ns)) {
		if (s) {
			/* the rule's token was spent in vain: give it back */
			s->b.tokens += 1.0;
			s->suppressed++;
		}
		goto suppressed;
	}
	return true;
suppressed:
	rl->total++;
	rl->since_summary++;
	return false;
}

uint64_t ratelimit_suppressed(const struct ratelimit *rl)
{
	return rl->total;
}

int ratelimit_summary(struct ratelimit *rl, uint64_t now_ns, uint64_t wall_ns, const char *hostname,
		      struct alert **out)
{
	struct alert *a;
	int rc = 0;
	char msg[160], key[1100];

	if (!rl->last_summary_ns)
		rl->last_summary_ns = now_ns;
	if (!rl->since_summary ||
	    now_ns - rl->last_summary_ns < (uint64_t)rl->cfg.summary_interval_s * 1000000000ull)
		return 0;
	a = alert_new();
	if (!a)
		return -ENOMEM;
	a->priority = ALERT_PRIO_WARNING;
	a->time_ns = wall_ns;
	snprintf(msg, sizeof(msg), "%llu alerts suppressed by rate limiting in the last %u s",
		 (unsigned long long)rl->since_summary, rl->cfg.summary_interval_s);
	rc = alert_set_rule(a, "Lanner internal: alerts rate limited");
	if (!rc)
		rc = alert_set_source(a, "internal");
	if (!rc)
		rc = alert_set_hostname(a, hostname);
	if (!rc)
		rc = alert_set_output(a, msg);
	if (!rc)
		rc = alert_add_uint64(a, "lanner.suppressed.total", rl->since_summary);
	for (size_t i = 0; !rc && i < rl->cap; i++) {
		struct rule_slot *s = &rl->slots[i];
		if (!s->name || !s->suppressed)
			continue;
		snprintf(key, sizeof(key), "lanner.suppressed.rule.%.1024s", s->name);
		rc = alert_add_uint64(a, key, s->suppressed);
		s->suppressed = 0;
	}
	if (rc) {
		alert_free(a);
		return rc;
	}
	rl->since_summary = 0;
	rl->last_summary_ns = now_ns;
	*out = a;
	return 1;
}
