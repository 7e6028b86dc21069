/* forward.c: evaluator-ring records: event + field block (state as of the event). */
#include "forward.h"

#include <errno.h>
#include <string.h>

#include "fblock.h"

int fwd_wanted(const struct rules_ruleset *rs, uint16_t type)
{
	if (type >= LNR_EVT_MAX || type == LNR_EVT_SEED_THREAD || type == LNR_EVT_SEED_FD ||
	    type == LNR_EVT_SEED_USER)
		return 0;
	return rs->nby_type[type] > 0;
}

int fwd_build(struct ext_ctx *x, const struct slot_table *t, const struct lnr_evt_view *v,
	      uint8_t *buf, size_t cap)
{
	uint32_t evlen = v->hdr->len;
	size_t off = ((size_t)evlen + 7) & ~(size_t)7;
	uint16_t type = v->hdr->type;
	struct fblock_writer w;
	struct fld_val vals[FLD_MAX_VALUES];
	int blen;

	if (off > cap)
		return -ENOSPC;
	memcpy(buf, v->hdr, evlen);
	memset(buf + evlen, 0, off - evlen);
	if (fblock_begin(&w, buf + off, cap - off, t->nby_type[type], t->gen) != 0)
		return -ENOSPC;
	for (uint32_t i = 0; i < t->nby_type[type]; i++) {
		const struct fld_ref *f = &t->refs[t->by_type[type][i]];
		int n = ext_get(x, f, vals, FLD_MAX_VALUES);

		fblock_put(&w, vals, n > 0 ? n : 0, FWD_MAX_STR);
	}
	blen = fblock_end(&w);
	if (blen < 0)
		return blen;
	return (int)(off + (size_t)blen);
}
