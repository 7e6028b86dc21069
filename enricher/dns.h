/* dns.h: names for fd.cip.name, fd.sip.name, fd.lip.name, fd.rip.name: the domain names the rules mention, resolved in the background. */
#ifndef LANNER_DNS_H
#define LANNER_DNS_H

#include <stddef.h>
#include <stdint.h>

/*
 * As Falco's DNS manager: the names to know are those the rules compare
 * fd.*ip.name with; a background thread resolves them (getaddrinfo: the
 * resolver the machine is configured with, /etc/hosts included) at start
 * and then every refresh_ms, and publishes an immutable address -> name
 * table. The event path only looks the table up (no lock, no resolution):
 * an address that belongs to one of the names gives that name (the first
 * in byte order when several names share it, as Falco's lower_bound);
 * any other address gives no value. Until the first resolution finished,
 * no address has a name. Bounded: at most max_names names and
 * DNS_MAX_ADDRS addresses per name.
 */

#define DNS_MAX_ADDRS 64

struct rules_ruleset;

/* A resolver: fills up to max addresses of name (family 4 or 6, a[16]); returns the count or -errno. */
struct dns_addr {
	uint8_t family; /* 4 or 6 */
	uint8_t a[16];	/* IPv4 in the first 4 bytes */
};
typedef int (*dns_resolve_fn)(const char *name, struct dns_addr *out, size_t max, void *ud);

struct dns_opts {
	unsigned refresh_ms;	/* 0: 10000 (Falco's base refresh) */
	size_t max_names;	/* 0: 1024 */
	dns_resolve_fn resolve; /* NULL: getaddrinfo() */
	void *resolve_ud;
};

struct dns_cache;

struct dns_cache *dns_new(const struct dns_opts *o);
/* Adds a name to resolve (before dns_start). 0, -E2BIG past max_names, -ENOMEM. Duplicates are ignored. */
int dns_add_name(struct dns_cache *d, const char *name);
/* Adds every value the enabled rules compare fd.cip/sip/lip/rip.name with. Returns names added or -errno. */
int dns_add_rule_names(struct dns_cache *d, const struct rules_ruleset *rs);
size_t dns_name_count(const struct dns_cache *d);
/* Starts the resolver thread (nothing to do without names). 0 or -errno. */
int dns_start(struct dns_cache *d);
/* Owner thread: adopts the newest table the resolver published (cheap; call once per batch). */
void dns_poll(struct dns_cache *d);
/* Waits until the first table was adopted, at most timeout_ms (tests, start-up). 1 adopted, 0 not. */
int dns_wait_ready(struct dns_cache *d, unsigned timeout_ms);
/* Owner thread: the name of address a (family 4: a[0..3]; 6: a[0..15]), or NULL. */
const char *dns_name_of(const struct dns_cache *d, int family, const uint8_t *a);
/* Counters: resolutions done, failed; tables adopted. */
void dns_stats(const struct dns_cache *d, uint64_t *resolved, uint64_t *failed, uint64_t *tables);
/* Stops the thread, frees everything; accepts NULL. */
void dns_free(struct dns_cache *d);

#endif
