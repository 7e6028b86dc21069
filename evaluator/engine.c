/* engine.c: evaluates records against the rules of their event type, with the carried state. */
#include "engine.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"
#include "evtfields.h"
#include "fblock.h"
#include "prog.h"
#include "rules_output.h"

struct engine {
	struct rules_ruleset *rs;
	const struct slot_table *slots;
	char *hostname;
	struct lnr_evt_view ev;
	struct fblock_view fb;
	int has_fb;
	uint16_t type;
	struct fld_accessor acc;
	struct alert *alert;
	struct engine_stats st;
	uint64_t *rule_matches;
	/* Equal checks of different rules evaluated once per event (prog_share_checks). */
	struct prog_memo *memo;
	struct evf_ctx evf; /* last: big scratch */
};

/* Slot of a field use by id and argument (outputs compiled elsewhere), or UINT32_MAX. */
static uint32_t find_slot(const struct engine *e, const struct fld_ref *f)
{
	const struct slot_table *t = e->slots;

	for (uint32_t i = 0; i < t->nby_type[e->type]; i++) {
		uint32_t s = t->by_type[e->type][i];
		const struct fld_ref *r = &t->refs[s];

		if (r->id != f->id || r->arg_len != (f->arg ? f->arg_len : 0))
			continue;
		if (r->arg_len == 0 || memcmp(r->arg, f->arg, r->arg_len) == 0)
			return s;
	}
	return UINT32_MAX;
}

static int acc_get(void *ctx, const struct fld_ref *f, struct fld_val *out, uint32_t max)
{
	struct engine *e = ctx;
	uint32_t s;
	int32_t li;

	if (!slots_field_is_state(f->id))
		return evf_get(&e->evf, f, out, max);
	if (!e->has_fb)
		return 0;
	s = f->slot ? f->slot - 1 : find_slot(e, f);
	if (s >= e->slots->n)
		return 0;
	li = e->slots->local[e->type][s];
	if (li < 0)
		return 0;
	return fblock_get(&e->fb, (uint32_t)li, out, max);
}

static int acc_type(void *ctx)
{
	return ((struct engine *)ctx)->type;
}

static int slot_of_key(const struct slot_table *t, const struct fld_ref *f)
{
	for (size_t s = 0; s < t->n; s++) {
		const struct fld_ref *r = &t->refs[s];

		if (r->id == f->id && r->arg_len == (f->arg ? f->arg_len : 0) &&
		    (r->arg_len == 0 || memcmp(r->arg, f->arg, r->arg_len) == 0))
			return (int)s;
	}
	return -1;
}

struct engine *engine_new(struct rules_ruleset *rs, const struct slot_table *slots,
			  const char *hostname)
{
	struct engine *e = calloc(1, sizeof(*e));

	if (!e)
		return NULL;
	e->rs = rs;
	e->slots = slots;
	e->hostname = strdup(hostname ? hostname : "");
	e->alert = alert_new();
	e->rule_matches = calloc(rs->nrules ? rs->nrules : 1, sizeof(uint64_t));
	if (!e->hostname || !e->alert || !e->rule_matches) {
		engine_free(e);
		errno = ENOMEM;
		return NULL;
	}
	e->acc.get = acc_get;
	e->acc.evt_type = acc_type;
	e->acc.ctx = e;
	/* Checks many rules repeat (evt.is_open_read, proc.name in ...) are computed once
	 * per event and their results shared. */
	{
		struct prog **progs = calloc(rs->nrules ? rs->nrules : 1, sizeof(*progs));
		int nids;

		if (!progs) {
			engine_free(e);
			errno = ENOMEM;
			return NULL;
		}
		for (size_t r = 0; r < rs->nrules; r++)
			progs[r] = rs->rules[r].prog;
		nids = prog_share_checks(progs, rs->nrules);
		free(progs);
		e->memo = nids >= 0 ? prog_memo_new((uint32_t)nids) : NULL;
		if (!e->memo) {
			engine_free(e);
			errno = ENOMEM;
			return NULL;
		}
	}
	/* Direct slot numbers on the compiled conditions' field uses. */
	for (size_t r = 0; r < rs->nrules; r++) {
		struct prog *p = rs->rules[r].prog;

		for (size_t i = 0; p && i < prog_field_count(p); i++) {
			struct fld_ref *f = (struct fld_ref *)prog_field(p, i);
			int s;

			if (!slots_field_is_state(f->id))
				continue;
			s = slot_of_key(slots, f);
			f->slot = s >= 0 ? (uint32_t)s + 1 : 0;
		}
	}
	return e;
}

void engine_free(struct engine *e)
{
	if (!e)
		return;
	free(e->hostname);
	alert_free(e->alert);
	free(e->rule_matches);
	prog_memo_free(e->memo);
	free(e);
}

int engine_eval(struct engine *e, const void *rec, size_t len, engine_alert_fn cb, void *ud)
{
	const struct lnr_evt_hdr *h = rec;
	size_t evlen, fboff;
	int matches = 0;

	if (len < sizeof(*h) || lnr_evt_decode(rec, len, &e->ev, NULL) != 0) {
		e->st.bad_records++;
		return -EBADMSG;
	}
	e->st.events++;
	evlen = h->len;
	e->type = h->type;
	fboff = (evlen + 7) & ~(size_t)7;
	e->has_fb = 0;
	if (fboff < len && fblock_open((const uint8_t *)rec + fboff, len - fboff, &e->fb) == 0) {
		if (e->fb.gen == e->slots->gen)
			e->has_fb = 1;
		else
			e->st.gen_mismatch++;
	}
	if (e->type >= LNR_EVT_MAX)
		return 0;
	evf_begin(&e->evf, &e->ev, e->hostname);
	prog_memo_next_event(e->memo);
	for (size_t k = 0; k < e->rs->nby_type[e->type]; k++) {
		uint32_t ri = e->rs->by_type[e->type][k];
		struct rules_crule *r = &e->rs->rules[ri];
		int rc;

		if (!r->enabled || !r->prog)
			continue;
		rc = prog_eval_memo(r->prog, &e->acc, e->memo);
		if (rc < 0) {
			e->st.eval_errors++;
			continue;
		}
		if (rc == 0)
			continue;
		e->st.matches++;
		e->rule_matches[ri]++;
		matches++;
		if (!cb)
			continue;
		alert_free(e->alert);
		e->alert = alert_new();
		if (!e->alert)
			return -ENOMEM;
		if (rules_alert_fill(e->alert, r, r->fmt, &e->acc, h->ts, e->hostname) != 0)
			continue;
		rc = cb(ud, e->alert);
		if (rc)
			return rc;
	}
	return matches;
}

void engine_get_stats(const struct engine *e, struct engine_stats *out)
{
	*out = e->st;
}

const uint64_t *engine_rule_matches(const struct engine *e)
{
	return e->rule_matches;
}
