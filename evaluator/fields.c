/* fields.c: the field catalogue (fld_table.h) and libsinsp-like field name resolution. */
#include "fields.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static const struct fld_info fld_tab[] = {
#define FLD_INFO(id, name, type, flags, desc) {name, type, flags, FLD_##id, desc},
	FLD_TABLE(FLD_INFO)
#undef FLD_INFO
};

size_t fld_count(void)
{
	return FLD_MAX;
}

const struct fld_info *fld_info(enum fld_id id)
{
	return (unsigned)id < FLD_MAX ? &fld_tab[id] : NULL;
}

const struct fld_info *fld_lookup(const char *name)
{
	/* Linear: ~270 entries, used at compile time only. */
	for (size_t i = 0; i < FLD_MAX; i++)
		if (strcmp(fld_tab[i].name, name) == 0)
			return &fld_tab[i];
	return NULL;
}

/* Fields whose argument may be written as a ".NAME" suffix. */
static const enum fld_id dotted[] = {FLD_EVT_ARG, FLD_EVT_RAWARG, FLD_EVT_TYPE_IS, FLD_EVT_ABSPATH};

static int64_t parse_index(const char *a, size_t len)
{
	int64_t v = 0;

	if (!a || len == 0 || len > 18)
		return -1;
	for (size_t i = 0; i < len; i++) {
		if (a[i] < '0' || a[i] > '9')
			return -1;
		v = v * 10 + (a[i] - '0');
	}
	return v;
}

int fld_resolve(const char *name, const char *arg, size_t arg_len, struct fld_ref *ref, char *msg,
		size_t msgsz)
{
	const struct fld_info *fi = fld_lookup(name);
	const char *a = arg;
	size_t alen = arg ? arg_len : 0;
	int is_dotted = 0;

	memset(ref, 0, sizeof(*ref));
	if (!fi) {
		for (size_t i = 0; i < sizeof(dotted) / sizeof(*dotted); i++) {
			const struct fld_info *d = &fld_tab[dotted[i]];
			size_t n = strlen(d->name);

			if (strncmp(name, d->name, n) == 0 && name[n] == '.' && name[n + 1]) {
				fi = d;
				a = name + n + 1;
				alen = strlen(a);
				is_dotted = 1;
				break;
			}
		}
		if (!fi) {
			snprintf(msg, msgsz, "filter_check called with nonexistent field %s", name);
			return -ENOENT;
		}
		if (arg && arg_len) {
			snprintf(msg, msgsz,
				 "field '%s' cannot have both a .NAME and a [] argument", name);
			return -EINVAL;
		}
	}
	if (fi->flags & (FLD_F_TABLE_ONLY | FLD_F_PRINT_ONLY)) {
		snprintf(msg, msgsz, "field '%s' cannot be used in a filter", fi->name);
		return -EINVAL;
	}
	if (fi->id == FLD_EVT_RAWARG && !is_dotted && a) {
		snprintf(msg, msgsz, "evt.arg fields must be expressed explicitly");
		return -EINVAL;
	}
	/* evt.abspath without argument is accepted by libsinsp (the whole path). */
	if ((fi->flags & FLD_F_ARG_REQUIRED) && (!a || alen == 0) && fi->id != FLD_EVT_ABSPATH) {
		snprintf(msg, msgsz, "filter %s requires an argument", fi->name);
		return -EINVAL;
	}
	if (a && alen && !(fi->flags & (FLD_F_ARG_REQUIRED | FLD_F_ARG_ALLOWED))) {
		snprintf(msg, msgsz, "filter %s does not support arguments", fi->name);
		return -EINVAL;
	}
	ref->id = fi->id;
	ref->info = fi;
	ref->type = fi->type;
	ref->flags = fi->flags;
	if (a && alen) {
		ref->arg = a;
		ref->arg_len = alen;
		ref->arg_dotted = is_dotted;
		/* With an argument an ancestor field names one ancestor. */
		ref->flags &= ~(uint32_t)FLD_F_ANCESTOR;
	}
	ref->index = parse_index(ref->arg, ref->arg_len);
	return 0;
}

const char *fld_type_name(enum lnr_ptype t)
{
	static const char *const names[LNR_PT_MAX] = {
		[LNR_PT_NONE] = "NONE",
		[LNR_PT_INT8] = "INT8",
		[LNR_PT_INT16] = "INT16",
		[LNR_PT_INT32] = "INT32",
		[LNR_PT_INT64] = "INT64",
		[LNR_PT_UINT8] = "UINT8",
		[LNR_PT_UINT16] = "UINT16",
		[LNR_PT_UINT32] = "UINT32",
		[LNR_PT_UINT64] = "UINT64",
		[LNR_PT_CHARBUF] = "CHARBUF",
		[LNR_PT_BYTEBUF] = "BYTEBUF",
		[LNR_PT_ERRNO] = "ERRNO",
		[LNR_PT_SOCKADDR] = "SOCKADDR",
		[LNR_PT_SOCKTUPLE] = "SOCKTUPLE",
		[LNR_PT_FD] = "FD",
		[LNR_PT_PID] = "PID",
		[LNR_PT_FDLIST] = "FDLIST",
		[LNR_PT_FSPATH] = "FSPATH",
		[LNR_PT_SYSCALLID] = "SYSCALLID",
		[LNR_PT_SIGTYPE] = "SIGTYPE",
		[LNR_PT_RELTIME] = "RELTIME",
		[LNR_PT_ABSTIME] = "ABSTIME",
		[LNR_PT_PORT] = "PORT",
		[LNR_PT_L4PROTO] = "L4PROTO",
		[LNR_PT_SOCKFAMILY] = "SOCKFAMILY",
		[LNR_PT_BOOL] = "BOOL",
		[LNR_PT_IPV4ADDR] = "IPV4ADDR",
		[LNR_PT_DYN] = "DYNAMIC",
		[LNR_PT_FLAGS8] = "FLAGS8",
		[LNR_PT_FLAGS16] = "FLAGS16",
		[LNR_PT_FLAGS32] = "FLAGS32",
		[LNR_PT_UID] = "UID",
		[LNR_PT_GID] = "GID",
		[LNR_PT_DOUBLE] = "DOUBLE",
		[LNR_PT_SIGSET] = "SIGSET",
		[LNR_PT_CHARBUFARRAY] = "CHARBUFARRAY",
		[LNR_PT_CHARBUF_PAIR_ARRAY] = "CHARBUF_PAIR_ARRAY",
		[LNR_PT_IPV4NET] = "IPV4NET",
		[LNR_PT_IPV6ADDR] = "IPV6ADDR",
		[LNR_PT_IPV6NET] = "IPV6NET",
		[LNR_PT_IPADDR] = "IPADDR",
		[LNR_PT_IPNET] = "IPNET",
		[LNR_PT_MODE] = "MODE",
		[LNR_PT_FSRELPATH] = "FSRELPATH",
		[LNR_PT_ENUMFLAGS8] = "ENUMFLAGS8",
		[LNR_PT_ENUMFLAGS16] = "ENUMFLAGS16",
		[LNR_PT_ENUMFLAGS32] = "ENUMFLAGS32",
	};

	return (unsigned)t < LNR_PT_MAX && names[t] ? names[t] : "?";
}

int fld_type_is_string(enum lnr_ptype t)
{
	return t == LNR_PT_CHARBUF || t == LNR_PT_FSPATH || t == LNR_PT_FSRELPATH;
}

int fld_type_is_signed(enum lnr_ptype t)
{
	switch (t) {
	case LNR_PT_INT8:
	case LNR_PT_INT16:
	case LNR_PT_INT32:
	case LNR_PT_INT64:
	case LNR_PT_ERRNO:
	case LNR_PT_FD:
	case LNR_PT_PID:
		return 1;
	default:
		return 0;
	}
}

int fld_type_is_numeric(enum lnr_ptype t)
{
	switch (t) {
	case LNR_PT_INT8:
	case LNR_PT_INT16:
	case LNR_PT_INT32:
	case LNR_PT_INT64:
	case LNR_PT_UINT8:
	case LNR_PT_UINT16:
	case LNR_PT_UINT32:
	case LNR_PT_UINT64:
	case LNR_PT_ERRNO:
	case LNR_PT_FD:
	case LNR_PT_PID:
	case LNR_PT_SYSCALLID:
	case LNR_PT_SIGTYPE:
	case LNR_PT_RELTIME:
	case LNR_PT_ABSTIME:
	case LNR_PT_PORT:
	case LNR_PT_L4PROTO:
	case LNR_PT_SOCKFAMILY:
	case LNR_PT_FLAGS8:
	case LNR_PT_FLAGS16:
	case LNR_PT_FLAGS32:
	case LNR_PT_UID:
	case LNR_PT_GID:
	case LNR_PT_DOUBLE:
	case LNR_PT_MODE:
	case LNR_PT_ENUMFLAGS8:
	case LNR_PT_ENUMFLAGS16:
	case LNR_PT_ENUMFLAGS32:
	case LNR_PT_SIGSET:
		return 1;
	default:
		return 0;
	}
}
