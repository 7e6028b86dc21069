/* prog_dump.c: human-readable listing of a compiled program (the disassembler). */
#include "cond_int.h"
#include "prog_int.h"

#include <stdio.h>

static void indent(struct cond_sb *sb, int d)
{
	for (int i = 0; i < d; i++)
		cond_sb_adds(sb, "  ");
}

static void dump_vexpr(struct cond_sb *sb, const struct vexpr *v)
{
	char buf[64];

	switch (v->kind) {
	case VX_FIELD:
		cond_sb_adds(sb, v->name);
		if (v->arg && !v->ref.arg_dotted) {
			cond_sb_adds(sb, "[");
			cond_sb_escape(sb, v->ref.arg, v->ref.arg_len);
			cond_sb_adds(sb, "]");
		}
		snprintf(buf, sizeof(buf), "{#%d %s%s}", (int)v->ref.id, fld_type_name(v->type),
			 v->ancestor ? " any-ancestor"
			 : v->multi  ? " list"
				     : "");
		cond_sb_adds(sb, buf);
		break;
	case VX_CONST:
		cond_sb_escape(sb, v->cstr, v->clen);
		break;
	default:
		cond_sb_adds(sb, prog_vx_name(v->kind));
		cond_sb_adds(sb, "(");
		for (size_t i = 0; i < v->nargs; i++) {
			if (i)
				cond_sb_adds(sb, ", ");
			dump_vexpr(sb, v->args[i]);
		}
		cond_sb_adds(sb, ")");
		if (v->key) {
			cond_sb_adds(sb, "[");
			cond_sb_escape(sb, v->key, v->keylen);
			cond_sb_adds(sb, "]");
		}
		break;
	}
}

static void dump_node(struct cond_sb *sb, const struct pnode *n, int d)
{
	static const char *const mods[] = {"", " oneof", " anyof", " allof"};
	char buf[96];

	indent(sb, d);
	switch (n->kind) {
	case PN_AND:
	case PN_OR:
	case PN_NOT:
		cond_sb_adds(sb, n->kind == PN_AND ? "AND\n" : n->kind == PN_OR ? "OR\n" : "NOT\n");
		for (size_t i = 0; i < n->nkids; i++)
			dump_node(sb, n->kids[i], d + 1);
		return;
	case PN_CHECK: {
		const struct pcheck *k = n->chk;

		cond_sb_adds(sb, "CHECK ");
		dump_vexpr(sb, k->lhs);
		cond_sb_adds(sb, " ");
		cond_sb_adds(sb, cond_op_name(k->op));
		cond_sb_adds(sb, mods[k->mod]);
		if (k->rhs) {
			cond_sb_adds(sb, " ");
			dump_vexpr(sb, k->rhs);
		} else if (k->op != COND_OP_EXISTS) {
			cond_sb_adds(sb, " (");
			for (size_t i = 0; i < k->nrv && i < 8; i++) {
				if (i)
					cond_sb_adds(sb, ", ");
				cond_sb_escape(sb, k->rv[i].s, k->rv[i].len);
			}
			if (k->nrv > 8) {
				snprintf(buf, sizeof(buf), ", ... %zu values", k->nrv);
				cond_sb_adds(sb, buf);
			}
			cond_sb_adds(sb, ")");
		}
		if (k->set)
			cond_sb_adds(sb, " [hash set]");
		if (k->trie)
			cond_sb_adds(sb, " [path trie]");
		if (k->op == COND_OP_REGEX)
			cond_sb_adds(sb, " [pike vm]");
		if (k->evt_fast)
			cond_sb_adds(sb, " [event-type mask]");
		cond_sb_adds(sb, "\n");
		return;
	}
	}
}

char *prog_dump(const struct prog *p)
{
	struct cond_sb sb = {0};
	char buf[64];

	dump_node(&sb, p->root, 0);
	snprintf(buf, sizeof(buf), "event types: %u of %u\n", evtset_count(&p->evts),
		 (unsigned)LNR_EVT_MAX);
	cond_sb_adds(&sb, buf);
	return cond_sb_finish(&sb);
}
