/* dns.c: names for fd.*ip.name: the domain names the rules mention, resolved in the background. */
#include "dns.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netdb.h>
#include <pthread.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include "cond.h"
#include "fields.h"
#include "rules_compile.h"

struct dns_entry {
	struct dns_addr addr;
	const char *name; /* points into dns_cache.names (lives as long as the cache) */
};

/* An immutable table, sorted by (family, address, name). */
struct dns_table {
	struct dns_entry *e;
	size_t n;
};

struct dns_cache {
	struct dns_opts o;
	char **names;
	size_t nnames, capnames;
	struct dns_table *cur; /* owner thread only */
	/* hand-off from the resolver: guarded by mu */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	struct dns_table *pending;
	int stop, started;
	pthread_t thread;
	uint64_t n_resolved, n_failed, n_tables; /* n_resolved/n_failed under mu */
};

static void table_free(struct dns_table *t)
{
	if (!t)
		return;
	free(t->e);
	free(t);
}

static int cmp_entry(const void *a, const void *b)
{
	const struct dns_entry *x = a, *y = b;
	int c;

	if (x->addr.family != y->addr.family)
		return x->addr.family < y->addr.family ? -1 : 1;
	c = memcmp(x->addr.a, y->addr.a, 16);
	if (c)
		return c;
	return strcmp(x->name, y->name);
}

static int gai_resolve(const char *name, struct dns_addr *out, size_t max, void *ud)
{
	struct addrinfo hints, *res = NULL, *rp;
	size_t n = 0;
	int rc;

	(void)ud;
	memset(&hints, 0, sizeof(hints));
	hints.ai_family = AF_UNSPEC;
	hints.ai_socktype = SOCK_STREAM; /* one answer per address, not per socket type */
	rc = getaddrinfo(name, NULL, &hints, &res);
	if (rc != 0)
		return rc == EAI_MEMORY ? -ENOMEM : -ENOENT;
	for (rp = res; rp && n < max; rp = rp->ai_next) {
		memset(&out[n], 0, sizeof(out[n]));
		if (rp->ai_family == AF_INET) {
			out[n].family = 4;
			memcpy(out[n].a, &((struct sockaddr_in *)(void *)rp->ai_addr)->sin_addr, 4);
			n++;
		} else if (rp->ai_family == AF_INET6) {
			out[n].family = 6;
			memcpy(out[n].a, &((struct sockaddr_in6 *)(void *)rp->ai_addr)->sin6_addr,
			       16);
			n++;
		}
	}
	freeaddrinfo(res);
	return (int)n;
}

/* One pass over every name: a new table (NULL on ENOMEM). */
static struct dns_table *resolve_all(struct dns_cache *d)
{
	struct dns_table *t = calloc(1, sizeof(*t));
	struct dns_addr addrs[DNS_MAX_ADDRS];
	size_t cap = 0;

	if (!t)
		return NULL;
	for (size_t i = 0; i < d->nnames; i++) {
		int n = d->o.resolve(d->names[i], addrs, DNS_MAX_ADDRS, d->o.resolve_ud);

		pthread_mutex_lock(&d->mu);
		if (n < 0)
			d->n_failed++;
		else
			d->n_resolved++;
		pthread_mutex_unlock(&d->mu);
		for (int k = 0; k < n; k++) {
			if (t->n == cap) {
				size_t nc = cap ? cap * 2 : 64;
				struct dns_entry *ne = realloc(t->e, nc * sizeof(*ne));

				if (!ne) {
					table_free(t);
					return NULL;
				}
				t->e = ne;
				cap = nc;
			}
			t->e[t->n].addr = addrs[k];
			t->e[t->n].name = d->names[i];
			t->n++;
		}
	}
	if (t->n)
		qsort(t->e, t->n, sizeof(*t->e), cmp_entry);
	return t;
}

static void *resolver(void *arg)
{
	struct dns_cache *d = arg;

	for (;;) {
		struct dns_table *t = resolve_all(d);
		struct timespec until;

		pthread_mutex_lock(&d->mu);
		if (t) {
			table_free(d->pending); /* never adopted: a newer one replaces it */
			d->pending = t;
		}
		clock_gettime(CLOCK_REALTIME, &until);
		until.tv_sec += d->o.refresh_ms / 1000;
		until.tv_nsec += (long)(d->o.refresh_ms % 1000) * 1000000;
		if (until.tv_nsec >= 1000000000) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000;
		}
		while (!d->stop && pthread_cond_timedwait(&d->cv, &d->mu, &until) == 0)
			;
		if (d->stop) {
			pthread_mutex_unlock(&d->mu);
			return NULL;
		}
		pthread_mutex_unlock(&d->mu);
	}
}

struct dns_cache *dns_new(const struct dns_opts *o)
{
	struct dns_cache *d = calloc(1, sizeof(*d));

	if (!d)
		return NULL;
	if (o)
		d->o = *o;
	if (!d->o.refresh_ms)
		d->o.refresh_ms = 10000;
	if (!d->o.max_names)
		d->o.max_names = 1024;
	if (!d->o.resolve)
		d->o.resolve = gai_resolve;
	pthread_mutex_init(&d->mu, NULL);
	pthread_cond_init(&d->cv, NULL);
	return d;
}

int dns_add_name(struct dns_cache *d, const char *name)
{
	char *s;

	if (!name || !name[0] || d->started)
		return -EINVAL;
	for (size_t i = 0; i < d->nnames; i++)
		if (strcmp(d->names[i], name) == 0)
			return 0;
	if (d->nnames >= d->o.max_names)
		return -E2BIG;
	if (d->nnames == d->capnames) {
		size_t nc = d->capnames ? d->capnames * 2 : 16;
		char **nn = realloc(d->names, nc * sizeof(*nn));

		if (!nn)
			return -ENOMEM;
		d->names = nn;
		d->capnames = nc;
	}
	s = strdup(name);
	if (!s)
		return -ENOMEM;
	d->names[d->nnames++] = s;
	return 0;
}

static int is_name_field(const struct cond_node *n)
{
	const struct fld_info *fi;
	enum fld_id id;

	if (!n || n->kind != COND_FIELD)
		return 0;
	fi = fld_lookup(n->str);
	if (!fi)
		return 0;
	id = fi->id;
	return id == FLD_FD_CIP_NAME || id == FLD_FD_SIP_NAME || id == FLD_FD_LIP_NAME ||
	       id == FLD_FD_RIP_NAME;
}

struct rule_names {
	struct dns_cache *d;
	int added, err;
};

static void add_value(struct rule_names *rn, const struct cond_node *v)
{
	int rc;

	if (v->kind != COND_VALUE || memchr(v->str, '\0', v->len))
		return;
	rc = dns_add_name(rn->d, v->str);
	if (rc == 0)
		rn->added++;
	else if (rc != -EINVAL && !rn->err)
		rn->err = rc;
}

static int visit(struct cond_node **slot, int in_transformer, void *ud)
{
	struct rule_names *rn = ud;
	const struct cond_node *n = *slot;

	(void)in_transformer;
	if (n->kind != COND_BINARY || n->nkids < 2 || !is_name_field(n->kids[0]))
		return 0;
	if (n->kids[1]->kind == COND_LIST) {
		for (size_t i = 0; i < n->kids[1]->nkids; i++)
			add_value(rn, n->kids[1]->kids[i]);
	} else {
		add_value(rn, n->kids[1]);
	}
	return 0;
}

int dns_add_rule_names(struct dns_cache *d, const struct rules_ruleset *rs)
{
	struct rule_names rn = {.d = d};
	size_t before = d->nnames;

	for (size_t r = 0; r < rs->nrules; r++) {
		struct cond_node *ast = rs->rules[r].ast;

		if (!rs->rules[r].enabled || !ast)
			continue;
		if (cond_walk(&ast, visit, &rn) == -ENOMEM)
			return -ENOMEM;
	}
	if (rn.err)
		return rn.err;
	return (int)(d->nnames - before);
}

size_t dns_name_count(const struct dns_cache *d)
{
	return d->nnames;
}

int dns_start(struct dns_cache *d)
{
	if (d->started || !d->nnames)
		return 0;
	if (pthread_create(&d->thread, NULL, resolver, d) != 0)
		return -EAGAIN;
	d->started = 1;
	return 0;
}

void dns_poll(struct dns_cache *d)
{
	struct dns_table *t;

	if (!d->started)
		return;
	pthread_mutex_lock(&d->mu);
	t = d->pending;
	d->pending = NULL;
	pthread_mutex_unlock(&d->mu);
	if (t) {
		table_free(d->cur);
		d->cur = t;
		d->n_tables++;
	}
}

int dns_wait_ready(struct dns_cache *d, unsigned timeout_ms)
{
	for (unsigned waited = 0;; waited += 5) {
		dns_poll(d);
		if (d->cur)
			return 1;
		if (waited >= timeout_ms || !d->started)
			return 0;
		usleep(5000);
	}
}

const char *dns_name_of(const struct dns_cache *d, int family, const uint8_t *a)
{
	const struct dns_table *t = d ? d->cur : NULL;
	struct dns_addr key = {0};
	size_t lo = 0, hi;

	if (!t || !t->n || (family != 4 && family != 6))
		return NULL;
	key.family = (uint8_t)family;
	memcpy(key.a, a, family == 4 ? 4 : 16);
	hi = t->n;
	/* the first entry with this address (lowest name) */
	while (lo < hi) {
		size_t mid = lo + (hi - lo) / 2;
		const struct dns_entry *e = &t->e[mid];
		int c = e->addr.family != key.family ? (e->addr.family < key.family ? -1 : 1)
						     : memcmp(e->addr.a, key.a, 16);

		if (c < 0)
			lo = mid + 1;
		else
			hi = mid;
	}
	if (lo < t->n && t->e[lo].addr.family == key.family &&
	    memcmp(t->e[lo].addr.a, key.a, 16) == 0)
		return t->e[lo].name;
	return NULL;
}

void dns_stats(const struct dns_cache *d, uint64_t *resolved, uint64_t *failed, uint64_t *tables)
{
	pthread_mutex_lock((pthread_mutex_t *)&d->mu);
	*resolved = d->n_resolved;
	*failed = d->n_failed;
	pthread_mutex_unlock((pthread_mutex_t *)&d->mu);
	*tables = d->n_tables;
}

void dns_free(struct dns_cache *d)
{
	if (!d)
		return;
	if (d->started) {
		pthread_mutex_lock(&d->mu);
		d->stop = 1;
		pthread_cond_signal(&d->cv);
		pthread_mutex_unlock(&d->mu);
		pthread_join(d->thread, NULL);
	}
	table_free(d->pending);
	table_free(d->cur);
	for (size_t i = 0; i < d->nnames; i++)
		free(d->names[i]);
	free(d->names);
	pthread_mutex_destroy(&d->mu);
	pthread_cond_destroy(&d->cv);
	free(d);
}
