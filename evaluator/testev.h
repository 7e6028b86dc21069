/* testev.h: synthetic events for tests: field values set by name, served through the accessor. */
#ifndef LANNER_TESTEV_H
#define LANNER_TESTEV_H

#include <stddef.h>

#include "accessor.h"

/*
 * A test event is a bag of field values keyed by field and argument
 * ("proc.name", "proc.aname[2]", "evt.arg.flags" == "evt.arg[flags]").
 * Values are given as text and converted to the field's type on get()
 * (numbers in decimal, IPs in dotted/colon form, booleans true/false).
 * Ancestor fields: "proc.aname" etc. hold the ancestors parent first;
 * proc.aname[0] is proc.name and proc.aname[N] the Nth ancestor unless set
 * explicitly. evt.type also sets the numeric event type (evt_type hook).
 * Fields that are not set are missing (get() returns 0).
 */
struct testev;

struct testev *testev_new(void);
void testev_free(struct testev *e);
/* Remove all values. */
void testev_reset(struct testev *e);
/* Replace the values of field with one value (len bytes; may hold NUL). 0 or -errno. */
int testev_set(struct testev *e, const char *field, const char *value, size_t len);
int testev_sets(struct testev *e, const char *field, const char *value);
/* Append a value (multi-valued fields: ancestors, lists). */
int testev_add(struct testev *e, const char *field, const char *value);
/* Give an evt.rawarg.NAME (PT_DYN) value its native type. */
int testev_set_typed(struct testev *e, const char *field, enum lnr_ptype type, const char *value);
/* Extra fields outside the catalogue (mock factories): ids from FLD_MAX on. */
int testev_mock_field(const char *name, enum lnr_ptype type, struct fld_ref *out);

/* The accessor over this event (ctx = e). */
struct fld_accessor testev_accessor(struct testev *e);

#endif
