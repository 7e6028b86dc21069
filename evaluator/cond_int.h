/* cond_int.h: internals shared by the cond_* files (string builder, escaping). */
#ifndef LANNER_COND_INT_H
#define LANNER_COND_INT_H

#include <stddef.h>

#include "cond.h"

/* Growable string; on allocation failure oom is set and later adds are no-ops. */
struct cond_sb {
	char *buf;
	size_t len;
	size_t cap;
	int oom;
};

int cond_sb_add(struct cond_sb *sb, const char *s, size_t len);
int cond_sb_adds(struct cond_sb *sb, const char *s);
/* Append s through Falco's escape_str. */
int cond_sb_escape(struct cond_sb *sb, const char *s, size_t len);
/* Append the canonical form of n. */
void cond_sb_print(struct cond_sb *sb, const struct cond_node *n);
/* Returns the buffer (caller frees), or NULL (errno = ENOMEM). */
char *cond_sb_finish(struct cond_sb *sb);

/*
 * libsinsp's unescape_str on a quoted token including its delimiters.
 * Returns 0 with *out malloc'ed, -EINVAL with msg filled, or -ENOMEM.
 */
int cond_unescape(const char *tok, size_t len, char **out, size_t *out_len, char *msg,
		  size_t msgsz);

#endif
