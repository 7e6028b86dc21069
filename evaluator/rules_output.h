/* rules_output.h: Falco rule output formats: %field substitution and the structured alert. */
#ifndef LANNER_RULES_OUTPUT_H
#define LANNER_RULES_OUTPUT_H

#include <stddef.h>
#include <stdint.h>

#include "accessor.h"
#include "alert.h"
#include "fields.h"

struct rules_crule;

/*
 * A compiled output format (libsinsp eventformatter grammar):
 *   format := '*'? (text | '%' width? (field | transformer(field...)))*
 * A field is a field name with an optional [arg] (proc.aname[2],
 * evt.arg.flags); the longest prefix that names a real field is taken, so
 * "%proc.name:" is proc.name followed by ':'. Missing values print <NA>.
 */
struct rules_outfmt;

/*
 * Compiles fmt. Returns the format, or NULL with msg set (errno EINVAL:
 * Falco's "invalid formatting token ..." wording, ENOENT for an unknown
 * field, ENOMEM) and *err_off the byte offset of the bad token.
 */
struct rules_outfmt *rules_outfmt_compile(const char *fmt, char *msg, size_t msgsz,
					  size_t *err_off);
void rules_outfmt_free(struct rules_outfmt *f);

/* Number of field tokens and the i-th token's key as Falco names it ("proc.aname[2]"). */
size_t rules_outfmt_nfields(const struct rules_outfmt *f);
const char *rules_outfmt_key(const struct rules_outfmt *f, size_t i);

/*
 * Renders the format for the current event of acc: the text (appended to
 * text, NUL-terminated) and, when a is not NULL, each field as a typed
 * output field of the alert (Falco's output_fields: numbers as numbers,
 * <NA> as null). Returns 0 or -ENOMEM.
 */
int rules_outfmt_render(const struct rules_outfmt *f, const struct fld_accessor *acc,
			struct alert_buf *text, struct alert *a);

/*
 * Fills an alert for a match of rule r (rule, priority, source, tags,
 * hostname, time, output text, output fields). fmt is r's compiled output.
 * Returns 0 or a negative errno.
 */
int rules_alert_fill(struct alert *a, const struct rules_crule *r, const struct rules_outfmt *fmt,
		     const struct fld_accessor *acc, uint64_t time_ns, const char *hostname);

#endif
