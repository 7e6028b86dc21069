/* match.c: glob, case-insensitive search, string hash set, pmatch trie, IP parsing. */
#include "match.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdlib.h>
#include <string.h>

static unsigned char fold(unsigned char c, int icase)
{
	return icase && c >= 'A' && c <= 'Z' ? (unsigned char)(c + 32) : c;
}

/* Match one [...] set at pat[*pi] (after '['); returns 1/0, -1 if malformed. */
static int match_set(const char *pat, size_t plen, size_t *pi, unsigned char c, int icase)
{
	size_t i = *pi;
	int neg = 0, hit = 0, first = 1;

	if (i < plen && (pat[i] == '!' || pat[i] == '^')) {
		neg = 1;
		i++;
	}
	for (;;) {
		unsigned char lo, hi;

		if (i >= plen)
			return -1;
		if (pat[i] == ']' && !first)
			break;
		first = 0;
		if (pat[i] == '[' && i + 1 < plen && pat[i + 1] == ':') {
			const char *end = NULL;

			for (size_t k = i + 2; k + 1 < plen; k++)
				if (pat[k] == ':' && pat[k + 1] == ']') {
					end = pat + k;
					break;
				}
			if (end) {
				size_t nl = (size_t)(end - (pat + i + 2));
				const char *nm = pat + i + 2;
				int r = 0;

#define CLS(name, fn)                                                                              \
	if (nl == sizeof(name) - 1 && memcmp(nm, name, nl) == 0)                                   \
		r = fn(c) != 0;
				CLS("alpha", isalpha)
				CLS("digit", isdigit)
				CLS("alnum", isalnum)
				CLS("upper", isupper)
				CLS("lower", islower)
				CLS("space", isspace)
				CLS("blank", isblank)
				CLS("punct", ispunct)
				CLS("xdigit", isxdigit)
				CLS("cntrl", iscntrl)
				CLS("print", isprint)
				CLS("graph", isgraph)
#undef CLS
				hit |= r;
				i = (size_t)(end - pat) + 2;
				continue;
			}
		}
		if (pat[i] == '\\' && i + 1 < plen)
			i++;
		lo = hi = (unsigned char)pat[i++];
		if (i + 1 < plen && pat[i] == '-' && pat[i + 1] != ']') {
			i++;
			if (pat[i] == '\\' && i + 1 < plen)
				i++;
			hi = (unsigned char)pat[i++];
		}
		if (icase) {
			unsigned char fc = fold(c, 1);
			unsigned char uc = (unsigned char)toupper(c);

			if ((fc >= lo && fc <= hi) || (uc >= lo && uc <= hi))
				hit = 1;
		} else if (c >= lo && c <= hi) {
			hit = 1;
		}
	}
	*pi = i + 1;
	return neg ? !hit : hit;
}

int match_glob(const char *pat, size_t plen, const char *s, size_t slen, int icase)
{
	size_t p = 0, i = 0, star_p = (size_t)-1, star_i = 0;

	while (i < slen) {
		if (p < plen) {
			char pc = pat[p];

			if (pc == '*') {
				star_p = ++p;
				star_i = i;
				continue;
			}
			if (pc == '?') {
				p++;
				i++;
				continue;
			}
			if (pc == '[') {
				size_t np = p + 1;
				int r = match_set(pat, plen, &np, (unsigned char)s[i], icase);

				if (r < 0) {
					/* Unclosed '[' is a literal, as in fnmatch. */
					if (s[i] == '[') {
						p++;
						i++;
						continue;
					}
				} else if (r) {
					p = np;
					i++;
					continue;
				}
			} else {
				if (pc == '\\' && p + 1 < plen)
					pc = pat[p + 1];
				if (fold((unsigned char)pc, icase) ==
				    fold((unsigned char)s[i], icase)) {
					p += pat[p] == '\\' && p + 1 < plen ? 2 : 1;
					i++;
					continue;
				}
			}
		}
		if (star_p == (size_t)-1)
			return 0;
		p = star_p;
		i = ++star_i;
	}
	while (p < plen && pat[p] == '*')
		p++;
	return p == plen;
}

int match_icontains(const char *h, size_t hlen, const char *n, size_t nlen)
{
	if (nlen == 0)
		return 1;
	if (nlen > hlen)
		return 0;
	for (size_t i = 0; i + nlen <= hlen; i++) {
		size_t k = 0;

		while (k < nlen && fold((unsigned char)h[i + k], 1) == fold((unsigned char)n[k], 1))
			k++;
		if (k == nlen)
			return 1;
	}
	return 0;
}

/* ---- hash set ---- */
struct hent {
	const char *s;
	size_t len;
	uint64_t hash;
};

struct hset {
	struct hent *tab;
	size_t mask;
	size_t n;
	char **owned; /* Copies of added strings. */
	size_t nowned;
};

static uint64_t fnv1a(const char *s, size_t len)
{
	uint64_t h = 1469598103934665603ull;

	for (size_t i = 0; i < len; i++) {
		h ^= (unsigned char)s[i];
		h *= 1099511628211ull;
	}
	return h;
}

struct hset *hset_new(size_t expected)
{
	struct hset *h = calloc(1, sizeof(*h));
	size_t cap = 8;

	if (!h)
		return NULL;
	while (cap < expected * 2)
		cap *= 2;
	h->tab = calloc(cap, sizeof(*h->tab));
	h->owned = calloc(expected ? expected : 1, sizeof(char *));
	if (!h->tab || !h->owned) {
		hset_free(h);
		return NULL;
	}
	h->mask = cap - 1;
	return h;
}

int hset_has(const struct hset *h, const char *s, size_t len)
{
	uint64_t hv = fnv1a(s, len);

	for (size_t i = hv & h->mask;; i = (i + 1) & h->mask) {
		const struct hent *e = &h->tab[i];

		if (!e->s)
			return 0;
		if (e->hash == hv && e->len == len && memcmp(e->s, s, len) == 0)
			return 1;
	}
}

int hset_add(struct hset *h, const char *s, size_t len)
{
	uint64_t hv;
	char *copy;
	size_t i;

	if (hset_has(h, s, len))
		return 0;
	if ((h->n + 1) * 2 > h->mask + 1) {
		/* Grow: rehash into a table twice the size. */
		size_t ncap = (h->mask + 1) * 2;
		struct hent *nt = calloc(ncap, sizeof(*nt));

		if (!nt)
			return -ENOMEM;
		for (size_t k = 0; k <= h->mask; k++) {
			if (!h->tab[k].s)
				continue;
			for (i = h->tab[k].hash & (ncap - 1); nt[i].s; i = (i + 1) & (ncap - 1))
				;
			nt[i] = h->tab[k];
		}
		free(h->tab);
		h->tab = nt;
		h->mask = ncap - 1;
	}
	{
		char **o = realloc(h->owned, (h->nowned + 1) * sizeof(*o));

		if (!o)
			return -ENOMEM;
		h->owned = o;
	}
	copy = malloc(len + 1);
	if (!copy)
		return -ENOMEM;
	memcpy(copy, s, len);
	copy[len] = '\0';
	h->owned[h->nowned++] = copy;
	hv = fnv1a(s, len);
	for (i = hv & h->mask; h->tab[i].s; i = (i + 1) & h->mask)
		;
	h->tab[i] = (struct hent){copy, len, hv};
	h->n++;
	return 0;
}

void hset_free(struct hset *h)
{
	if (!h)
		return;
	for (size_t i = 0; i < h->nowned; i++)
		free(h->owned[i]);
	free(h->owned);
	free(h->tab);
	free(h);
}

/* ---- pmatch trie ---- */
struct pnode {
	char *comp; /* Component text (NULL at the root). */
	size_t len;
	int glob;     /* Component holds * ? [ */
	int terminal; /* An added path ends here. */
	struct pnode **kids;
	size_t nkids;
};

struct ptrie {
	struct pnode root;
};

struct ptrie *ptrie_new(void)
{
	return calloc(1, sizeof(struct ptrie));
}

static void pnode_fini(struct pnode *n)
{
	for (size_t i = 0; i < n->nkids; i++) {
		pnode_fini(n->kids[i]);
		free(n->kids[i]);
	}
	free(n->kids);
	free(n->comp);
}

void ptrie_free(struct ptrie *t)
{
	if (!t)
		return;
	pnode_fini(&t->root);
	free(t);
}

/* Next '/'-separated component of path at *i (empty components skipped). */
static int next_comp(const char *p, size_t len, size_t *i, const char **c, size_t *clen)
{
	while (*i < len && p[*i] == '/')
		(*i)++;
	if (*i >= len)
		return 0;
	*c = p + *i;
	while (*i < len && p[*i] != '/')
		(*i)++;
	*clen = (size_t)(p + *i - *c);
	return 1;
}

int ptrie_add(struct ptrie *t, const char *path, size_t len)
{
	struct pnode *n = &t->root;
	const char *c;
	size_t clen, i = 0;

	while (next_comp(path, len, &i, &c, &clen)) {
		struct pnode *k = NULL;

		for (size_t j = 0; j < n->nkids; j++)
			if (n->kids[j]->len == clen && memcmp(n->kids[j]->comp, c, clen) == 0)
				k = n->kids[j];
		if (!k) {
			struct pnode **nk = realloc(n->kids, (n->nkids + 1) * sizeof(*nk));

			if (!nk)
				return -ENOMEM;
			n->kids = nk;
			k = calloc(1, sizeof(*k));
			if (!k)
				return -ENOMEM;
			k->comp = malloc(clen + 1);
			if (!k->comp) {
				free(k);
				return -ENOMEM;
			}
			memcpy(k->comp, c, clen);
			k->comp[clen] = '\0';
			k->len = clen;
			k->glob = memchr(c, '*', clen) || memchr(c, '?', clen) ||
				  memchr(c, '[', clen);
			n->kids[n->nkids++] = k;
		}
		n = k;
	}
	n->terminal = 1;
	return 0;
}

static int pmatch_from(const struct pnode *n, const char *path, size_t len, size_t i)
{
	const char *c;
	size_t clen;

	if (n->terminal)
		return 1;
	if (!next_comp(path, len, &i, &c, &clen))
		return 0;
	for (size_t j = 0; j < n->nkids; j++) {
		const struct pnode *k = n->kids[j];
		int hit = k->glob ? match_glob(k->comp, k->len, c, clen, 0)
				  : (k->len == clen && memcmp(k->comp, c, clen) == 0);

		if (hit && pmatch_from(k, path, len, i))
			return 1;
	}
	return 0;
}

int ptrie_match(const struct ptrie *t, const char *path, size_t len)
{
	/* The root is terminal only for "/" or "": matches every absolute path. */
	return pmatch_from(&t->root, path, len, 0);
}

/* ---- IPs ---- */
int match_parse_ip(const char *s, size_t len, struct fld_ip *out)
{
	char buf[64];

	if (len == 0 || len >= sizeof(buf))
		return -EINVAL;
	memcpy(buf, s, len);
	buf[len] = '\0';
	memset(out, 0, sizeof(*out));
	if (inet_pton(AF_INET, buf, out->a) == 1) {
		out->family = 4;
		return 0;
	}
	if (inet_pton(AF_INET6, buf, out->a) == 1) {
		out->family = 6;
		return 0;
	}
	return -EINVAL;
}

int match_parse_ipnet(const char *s, size_t len, struct fld_ipnet *out)
{
	const char *slash = memchr(s, '/', len);
	unsigned long pfx;
	char *end;
	char num[8];
	size_t nl;

	if (!slash) {
		if (match_parse_ip(s, len, &out->ip) < 0)
			return -EINVAL;
		out->prefix = out->ip.family == 4 ? 32 : 128;
		return 0;
	}
	if (match_parse_ip(s, (size_t)(slash - s), &out->ip) < 0)
		return -EINVAL;
	nl = len - (size_t)(slash - s) - 1;
	if (nl == 0 || nl >= sizeof(num))
		return -EINVAL;
	memcpy(num, slash + 1, nl);
	num[nl] = '\0';
	pfx = strtoul(num, &end, 10);
	if (*end || pfx > (out->ip.family == 4 ? 32u : 128u))
		return -EINVAL;
	out->prefix = (uint8_t)pfx;
	return 0;
}

int match_ip_eq(const struct fld_ip *a, const struct fld_ip *b)
{
	if (a->family != b->family)
		return 0;
	return memcmp(a->a, b->a, a->family == 4 ? 4 : 16) == 0;
}

int match_ip_in_net(const struct fld_ip *a, const struct fld_ipnet *n)
{
	unsigned bits = n->prefix, full = bits / 8, rem = bits % 8;

	if (a->family != n->ip.family)
		return 0;
	if (memcmp(a->a, n->ip.a, full) != 0)
		return 0;
	if (rem) {
		uint8_t m = (uint8_t)(0xff << (8 - rem));

		return (a->a[full] & m) == (n->ip.a[full] & m);
	}
	return 1;
}
