/* fblock.h: the field block the enricher appends to each forwarded event (values of the fields rules read). */
#ifndef LANNER_FBLOCK_H
#define LANNER_FBLOCK_H

#include <stddef.h>
#include <stdint.h>

#include "accessor.h"

/*
 * An evaluator ring record is an event record (common/event.h) followed,
 * at the next 8-byte boundary, by a field block:
 *
 *   struct fblock_hdr  magic, total length, entry count, ruleset generation
 *   uint32_t off[n]    offset of entry i from the block start (0: no value)
 *   entries            u16 value count, u16 value type, then the values:
 *                      strings as u32 length + bytes, integers 8 bytes,
 *                      IPs 1 + 16 bytes, networks 1 + 16 + 1 bytes
 *
 * Entry i holds the values of the i-th field the loaded rules read for that
 * event type (the slot list both sides compute from the same ruleset; the
 * generation number makes a mismatch detectable). Values are the state as of
 * the event, computed by the enricher; the evaluator reads them in place.
 */
#define FBLOCK_MAGIC 0x4b4c4246u /* "FBLK" */

struct fblock_hdr {
	uint32_t magic;
	uint32_t len; /* Bytes of the block, header included. */
	uint32_t n;   /* Entries. */
	uint32_t gen; /* Ruleset generation the slots belong to. */
};

/* Writer: entries are added in slot order into buf (cap bytes). */
struct fblock_writer {
	uint8_t *buf;
	uint32_t cap;
	uint32_t off;  /* Next free byte. */
	uint32_t n;    /* Entries declared. */
	uint32_t next; /* Next entry to fill. */
	int err;       /* -ENOSPC once the block did not fit (sticky). */
};

/* Starts a block of n entries. Returns 0 or -ENOSPC. */
int fblock_begin(struct fblock_writer *w, void *buf, size_t cap, uint32_t n, uint32_t gen);
/* Adds the next entry: cnt values (0: the field has no value). Strings longer
 * than max_str are cut (0: no limit). */
void fblock_put(struct fblock_writer *w, const struct fld_val *vals, int cnt, size_t max_str);
/* Finishes; returns the block length, or a negative errno. */
int fblock_end(struct fblock_writer *w);

/* Reader: a validated view of a block. */
struct fblock_view {
	const uint8_t *base;
	uint32_t len, n, gen;
	const uint32_t *off;
};

/* Validates the block at p (avail bytes). Returns 0 or -EBADMSG. */
int fblock_open(const void *p, size_t avail, struct fblock_view *v);
/*
 * Values of entry i into out (at most max; strings point into the block).
 * Returns the count (0: no value), or -EBADMSG for a corrupt entry.
 */
int fblock_get(const struct fblock_view *v, uint32_t i, struct fld_val *out, uint32_t max);

#endif
