/* rx.h: linear-time regular expressions (Thompson NFA / Pike VM, no backtracking). */
#ifndef LANNER_RX_H
#define LANNER_RX_H

#include <stddef.h>

/*
 * Syntax: RE2/POSIX-ERE subset as Falco's `regex` operator accepts: literals,
 * `.`, `[...]` (ranges, negation, [:class:]), `( )`, `(?: )`, `|`, `* + ?`,
 * `{n}`, `{n,}`, `{n,m}` (lazy `?` suffix accepted, same result), `^ $`,
 * escapes (`\.`, `\\`, `\n`, `\t`, `\d \w \s` and their negations). Works on
 * bytes. Matching is always O(len(text) * len(program)): the attacker picks
 * the text (file names), never the pattern.
 */
struct rx;

/* Largest compiled program (instructions); bigger patterns are rejected. */
#define RX_MAX_INSNS 20000

/* Compile pattern; NULL with msg set (errno EINVAL/ENOMEM) on error. */
struct rx *rx_compile(const char *pat, size_t len, char *msg, size_t msgsz);
/*
 * 1 if the whole text matches (anchored at both ends, like RE2::FullMatch),
 * else 0. Runs a lazily built DFA (cached inside rx: one thread at a time per
 * compiled regex), falling back to the Pike VM when the DFA would exceed its
 * state budget.
 */
int rx_full_match(const struct rx *rx, const char *text, size_t len);
/* The Pike VM alone (the reference the DFA is tested against). */
int rx_full_match_nfa(const struct rx *rx, const char *text, size_t len);
void rx_free(struct rx *rx);

#endif
