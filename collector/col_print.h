/* col_print.h: decode and print collector records with the collector's own table (debug view). */
#ifndef LANNER_COL_PRINT_H
#define LANNER_COL_PRINT_H

#include <stddef.h>
#include <stdint.h>

#include "col_table.h"

/* A checked view of one record: parameter i is val[i] (len[i] bytes, trunc[i]). */
struct col_view {
	const struct lnr_evt_hdr *hdr;
	const struct col_evt *evt;
	const uint8_t *val[COL_MAX_PARAMS];
	uint32_t len[COL_MAX_PARAMS];
	int trunc[COL_MAX_PARAMS];
};

/* Check the record (length, type, nparams, lengths adding up) and fill v.
 * Returns 0 or -EBADMSG with a static reason in *why. */
int col_decode(const void *rec, size_t len, struct col_view *v, const char **why);
/* Index of the parameter called name, or -1. */
int col_param_index(const struct col_view *v, const char *name);
/* Integer value of parameter i (sign-extended from its size); -ENOENT if absent. */
int col_get_int(const struct col_view *v, int i, int64_t *out);
/* String parameter i (NUL-terminated in place) or NULL. */
const char *col_get_str(const struct col_view *v, int i);
/* One line "TS CPU TID PID TYPE name=value ..." (no newline); returns snprintf's value. */
int col_format(const struct col_view *v, char *buf, size_t n);

#endif
