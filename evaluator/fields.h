/* fields.h: the field catalogue: every field a condition may name, its type and flags. */
#ifndef LANNER_FIELDS_H
#define LANNER_FIELDS_H

#include <stddef.h>
#include <stdint.h>

#include "event.h" /* enum lnr_ptype */
#include "fld_table.h"

/* Field flags (libsinsp's EPF_*, plus FLD_F_ANCESTOR). */
enum fld_flags {
	FLD_F_FILTER_ONLY = 1u << 0,	/* Not usable in outputs (fd.net, fd.ip, ...). */
	FLD_F_PRINT_ONLY = 1u << 1,	/* Not usable in conditions. */
	FLD_F_ARG_REQUIRED = 1u << 2,	/* Needs [arg] or .NAME. */
	FLD_F_ARG_ALLOWED = 1u << 3,	/* May take [arg]. */
	FLD_F_TABLE_ONLY = 1u << 4,	/* Only for chisels/tables: not in filters. */
	FLD_F_NO_RHS = 1u << 5,		/* Cannot be a right-hand side (val()). */
	FLD_F_NO_TRANSFORMER = 1u << 6, /* Cannot be wrapped in a transformer. */
	FLD_F_DEPRECATED = 1u << 7,	/* Still works; the loader warns. */
	FLD_F_LIST = 1u << 8,	    /* Multi-valued: in = all values in set, intersects = any. */
	FLD_F_ANCESTOR = 1u << 9,   /* Without arg, the values of every ancestor (match any). */
	FLD_F_EITHER = 1u << 10,    /* Client and server values: == any side, != neither side. */
	FLD_F_ARG_INDEX = 1u << 11, /* The argument may be a number (proc.aname[2], evt.arg[0]). */
	FLD_F_ARG_KEY = 1u << 12,   /* The argument may be a name or key (proc.env[HOME]). */
};

enum fld_id {
#define FLD_ENUM(id, name, type, flags, desc) FLD_##id,
	FLD_TABLE(FLD_ENUM)
#undef FLD_ENUM
		FLD_MAX
};

struct fld_info {
	const char *name;
	enum lnr_ptype type;
	uint32_t flags;
	enum fld_id id;
	const char *desc;
};

/*
 * A resolved field use: the catalogue entry plus its argument, as the
 * compiler hands it to the accessor. arg is the text of "[arg]" or of the
 * ".NAME" suffix (evt.arg.flags -> "flags"), NUL-terminated, or NULL;
 * index is arg parsed as a decimal number, or -1.
 */
struct fld_ref {
	enum fld_id id;
	enum lnr_ptype type; /* Value type (the catalogue's; evt.rawarg: PT_DYN). */
	uint32_t flags; /* Effective flags (an argument turns ancestor fields single-valued). */
	const struct fld_info *info;
	const char *arg;
	size_t arg_len;
	int64_t index;
	int arg_dotted; /* 1 when the arg came from ".NAME" (evt.arg.NAME). */
	uint32_t slot;	/* 1 + its slot in the enricher's field block (slots.h); 0: not assigned. */
};

/* Number of fields and the entry for an id (NULL when out of range). */
size_t fld_count(void);
const struct fld_info *fld_info(enum fld_id id);
/* Entry for an exact field name, or NULL. */
const struct fld_info *fld_lookup(const char *name);

/*
 * Resolve "name" with its optional argument (from "[arg]", may be NULL) as
 * libsinsp does: exact names, then the dotted forms evt.arg.NAME,
 * evt.rawarg.NAME, evt.type.is.NAME, evt.abspath.NAME (longest prefix).
 * Checks ARG_REQUIRED / arg not allowed / evt.rawarg[N]. On success fills
 * *ref (ref->arg points into name or arg: the caller keeps them alive) and
 * returns 0; otherwise -ENOENT (unknown field) or -EINVAL, with msg set to
 * libsinsp-like text.
 */
int fld_resolve(const char *name, const char *arg, size_t arg_len, struct fld_ref *ref, char *msg,
		size_t msgsz);

/* Type name as Falco prints it ("CHARBUF", "UINT64", ...). */
const char *fld_type_name(enum lnr_ptype t);

/* Type classes used by the compiler's operator checks. */
int fld_type_is_string(enum lnr_ptype t); /* CHARBUF, FSPATH, FSRELPATH */
int fld_type_is_numeric(enum lnr_ptype t);
int fld_type_is_signed(enum lnr_ptype t);

#endif
