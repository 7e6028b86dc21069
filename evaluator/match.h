/* match.h: string matching helpers of compiled conditions: glob, hash set, path-prefix trie, IPs. */
#ifndef LANNER_MATCH_H
#define LANNER_MATCH_H

#include <stddef.h>
#include <stdint.h>

#include "accessor.h"

/*
 * fnmatch(3) semantics with flags 0 (libsinsp's glob_match): `*` and `?`
 * match any byte including '/', `[...]`/`[!...]`/`[^...]` sets with ranges
 * and [:class:], backslash escapes. icase folds ASCII case. Runs in
 * O(len(pat) * len(str)) (single backtrack point), not exponential.
 */
int match_glob(const char *pat, size_t plen, const char *s, size_t slen, int icase);

/* Case-insensitive (ASCII) substring search. */
int match_icontains(const char *h, size_t hlen, const char *n, size_t nlen);

/* Open-addressing hash set of byte strings (in/intersects on large lists). */
struct hset;
struct hset *hset_new(size_t expected);
int hset_add(struct hset *h, const char *s, size_t len); /* 0, or -ENOMEM */
int hset_has(const struct hset *h, const char *s, size_t len);
void hset_free(struct hset *h);

/*
 * Path-prefix trie for pmatch: a path matches when one of the added paths is
 * a prefix of it by whole components; components may be globs.
 */
struct ptrie;
struct ptrie *ptrie_new(void);
int ptrie_add(struct ptrie *t, const char *path, size_t len); /* 0, or -ENOMEM */
int ptrie_match(const struct ptrie *t, const char *path, size_t len);
void ptrie_free(struct ptrie *t);

/* Parse an IPv4/IPv6 address (0 or -EINVAL). */
int match_parse_ip(const char *s, size_t len, struct fld_ip *out);
/* Parse "addr/prefix" (a bare address is a full-length prefix). */
int match_parse_ipnet(const char *s, size_t len, struct fld_ipnet *out);
int match_ip_eq(const struct fld_ip *a, const struct fld_ip *b);
int match_ip_in_net(const struct fld_ip *a, const struct fld_ipnet *n);

#endif
