/* dispatch.c: routes evaluator records to the live evaluators (virtual shards, evaluators joining and leaving, shard moves). */
#include "dispatch.h"

#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "log.h"
#include "ring.h"
#include "stage.h"

/* Private return of put(): the target's consumer is gone past the grace time. */
#define DSP_ESTALE 1

struct dsp_ring {
	struct ring *r;	    /* our producer handle; NULL: not attached (no such ring yet) */
	int member;	    /* shards may map here */
	int alive;	    /* consumer alive at the last check */
	int64_t gone_since; /* ms (monotonic) since the consumer is not alive; 0 while alive */
	int warned;	    /* a failed attach was logged once */
	int dirty;	    /* defer_wake: records committed since the last notify */
};

struct dsp_shard {
	uint16_t cur;	   /* ring the shard's records go to now */
	uint16_t want;	   /* ring the map gives it */
	uint64_t last_end; /* producer position just after its last record in cur; 0: none */
};

struct dsp {
	struct dsp_opts o;
	char prefix[RING_NAME_MAX];
	struct dsp_ring ring[DSP_MAX_RINGS];
	struct dsp_shard sh[DSP_SHARDS];
	unsigned nmembers;
	int64_t last_scan;
	uint64_t last_put_end; /* producer position after the record put() wrote */
	int any_dirty;	       /* defer_wake: some ring has records not notified yet */
	struct dsp_stats st;
	/* dsp_finish(): end of input. A gone consumer's records move at once (no
	 * grace time: nothing newer will come), and every wait gives up after
	 * stall_ms without progress (a record moved or released). */
	int finishing;
	unsigned stall_ms;
	int64_t progress_at; /* ms (monotonic) of the last progress while finishing */
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* splitmix64 finaliser: the rendezvous weights and the key hash. */
static uint64_t mix64(uint64_t x)
{
	x ^= x >> 30;
	x *= 0xbf58476d1ce4e5b9ull;
	x ^= x >> 27;
	x *= 0x94d049bb133111ebull;
	x ^= x >> 31;
	return x;
}

static unsigned shard_of(uint64_t key)
{
	return (unsigned)(mix64(key + 0x9e3779b97f4a7c15ull) % DSP_SHARDS);
}

static void ring_name(const struct dsp *d, unsigned k, char *out, size_t n)
{
	snprintf(out, n, "%s%u", d->prefix, k);
}

/* The map: each shard to the member with the highest weight (rendezvous hashing). */
static void remap(struct dsp *d)
{
	for (unsigned s = 0; s < DSP_SHARDS; s++) {
		uint64_t best = 0;
		int bk = -1;

		for (unsigned k = 0; k < DSP_MAX_RINGS; k++) {
			uint64_t w;

			if (!d->ring[k].member)
				continue;
			w = mix64(((uint64_t)s << 32) ^ (k + 1) * 0x9e3779b97f4a7c15ull);
			if (bk < 0 || w > best) {
				best = w;
				bk = (int)k;
			}
		}
		if (bk >= 0)
			d->sh[s].want = (uint16_t)bk;
	}
}

/* Consumer liveness of ring k now; keeps gone_since. */
static int check_alive(struct dsp *d, unsigned k, int64_t now)
{
	struct dsp_ring *rg = &d->ring[k];

	rg->alive = rg->r && ring_peer_alive(rg->r) == 1;
	if (rg->alive)
		rg->gone_since = 0;
	else if (!rg->gone_since)
		rg->gone_since = now;
	return rg->alive;
}

/* Whether a member other than k has a live consumer (checked now). */
static int other_alive(struct dsp *d, unsigned k, int64_t now)
{
	int any = 0;

	for (unsigned j = 0; j < DSP_MAX_RINGS; j++)
		if (j != k && d->ring[j].member && check_alive(d, j, now))
			any = 1;
	return any;
}

static int evictable(struct dsp *d, unsigned k, int64_t now)
{
	struct dsp_ring *rg = &d->ring[k];

	if (!rg->member || check_alive(d, k, now))
		return 0;
	return (d->finishing || now - rg->gone_since >= (int64_t)d->o.grace_ms) &&
	       other_alive(d, k, now);
}

/* Writes rec into ring k, waiting while it is full. 0, DSP_ESTALE, or -errno. */
static int put(struct dsp *d, unsigned k, const void *rec, size_t len)
{
	struct ring *r = d->ring[k].r;

	for (;;) {
		void *slot;
		int rc = ring_reserve(r, len, &slot);

		if (rc == 0) {
			memcpy(slot, rec, len);
			if (d->o.defer_wake) {
				ring_commit_quiet(r, slot);
				d->ring[k].dirty = 1;
				d->any_dirty = 1;
			} else {
				ring_commit(r, slot);
			}
			d->last_put_end = ring_prod_pos(r);
			d->st.sent++;
			if (d->finishing)
				d->progress_at = now_ms();
			return 0;
		}
		if (rc != -EAGAIN)
			return rc;
		if (d->ring[k].dirty) { /* a full ring's consumer must not sleep on our records */
			ring_notify(r);
			d->ring[k].dirty = 0;
		}
		d->st.full_waits++;
		if (d->o.on_wait)
			d->o.on_wait(d->o.on_wait_ud);
		rc = ring_wait_writable(r, len, 100);
		if (rc == -EPIPE || rc == -ETIMEDOUT) {
			if (evictable(d, k, now_ms()))
				return DSP_ESTALE;
			if (rc == -EPIPE)
				usleep(20000);
		}
		if (d->o.stop && *d->o.stop > 1)
			return -EINTR;
		if (d->finishing && now_ms() - d->progress_at > (int64_t)d->stall_ms)
			return -ETIMEDOUT;
	}
}

static int evict(struct dsp *d, unsigned k);

/* A shard whose target changed switches once its old ring released its last record there. */
static void try_switch(struct dsp *d, unsigned s)
{
	struct dsp_shard *sh = &d->sh[s];
	struct ring_stats rs;

	if (sh->cur == sh->want)
		return;
	if (d->ring[sh->cur].member && sh->last_end) {
		ring_stats(d->ring[sh->cur].r, &rs);
		if (rs.cons_pos < sh->last_end)
			return;
	}
	sh->cur = sh->want;
	sh->last_end = 0;
	d->st.shard_moves++;
}

static int send_shard(struct dsp *d, unsigned s, const void *rec, size_t len)
{
	for (;;) {
		struct dsp_shard *sh = &d->sh[s];
		unsigned k;
		int rc;

		try_switch(d, s);
		k = sh->cur;
		rc = put(d, k, rec, len);
		if (rc == DSP_ESTALE) {
			rc = evict(d, k);
			if (rc < 0)
				return rc;
			continue;
		}
		if (rc == 0)
			sh->last_end = d->last_put_end;
		return rc;
	}
}

int dsp_send(struct dsp *d, uint64_t key, const void *rec, size_t len)
{
	return send_shard(d, shard_of(key), rec, len);
}

void dsp_flush(struct dsp *d)
{
	if (!d || !d->any_dirty)
		return;
	for (unsigned k = 0; k < DSP_MAX_RINGS; k++) {
		if (d->ring[k].dirty && d->ring[k].r)
			ring_notify(d->ring[k].r);
		d->ring[k].dirty = 0;
	}
	d->any_dirty = 0;
}

/*
 * Ring k's consumer is gone: take its place as consumer and move what it
 * had not released, in ring order, to each shard's new ring. Its shards
 * have no record anywhere else (a shard leaves a ring only once that ring
 * released its last record there), so each shard's order holds.
 */
static int evict(struct dsp *d, unsigned k)
{
	struct dsp_ring *rg = &d->ring[k];
	char name[RING_NAME_MAX + 16], err[256];
	struct ring *c;
	const void *data;
	size_t len;
	int rc;

	ring_name(d, k, name, sizeof(name));
	c = ring_attach(name, 0, RING_CONSUMER, err, sizeof(err));
	if (!c) {
		if (errno == EBUSY) { /* its evaluator is back: it resumes on its ring */
			rg->gone_since = 0;
			return 0;
		}
		log_errorf("evaluator ring %s: cannot take it over: %s", name, err);
		return -errno;
	}
	if (rg->member) {
		rg->member = 0;
		d->nmembers--;
		remap(d);
	}
	rg->alive = 0;
	if (d->finishing)
		log_warningf("evaluator ring %s: end of input and no consumer; moving its records "
			     "and shards to the %u other evaluator ring(s)",
			     name, d->nmembers);
	else
		log_warningf("evaluator ring %s: no consumer for %u ms; moving its records and "
			     "shards to the %u other evaluator ring(s)",
			     name, d->o.grace_ms, d->nmembers);
	while ((rc = ring_peek(c, &data, &len)) == 0) {
		struct lnr_evt_hdr h = {0};

		if (len >= sizeof(h))
			memcpy(&h, data, sizeof(h));
		rc = send_shard(d, shard_of((uint64_t)h.pid), data, len);
		if (rc < 0) {
			/* stopping: what is not released stays in the ring */
			ring_close(c);
			return rc;
		}
		ring_release(c);
		d->st.resent++;
	}
	for (unsigned s = 0; s < DSP_SHARDS; s++)
		if (d->sh[s].cur == k) {
			d->sh[s].cur = d->sh[s].want;
			d->sh[s].last_end = 0;
			d->st.shard_moves++;
		}
	ring_close(c); /* marks the consumer closed: a new evaluator attaches and joins */
	rg->gone_since = 0;
	d->st.evictions++;
	return rc == -EAGAIN || rc == -EPIPE ? 0 : rc;
}

static void join(struct dsp *d, unsigned k, int counted)
{
	char name[RING_NAME_MAX + 16];

	d->ring[k].member = 1;
	d->ring[k].gone_since = 0;
	d->nmembers++;
	remap(d);
	if (counted) {
		d->st.joins++;
		ring_name(d, k, name, sizeof(name));
		log_noticef("evaluator ring %s joined: %u evaluators", name, d->nmembers);
	}
}

/* Rings "<prefix><K>" in shm_dir that we have no handle on: attach as their producer. */
static void scan(struct dsp *d, int64_t now)
{
	const char *dir = d->o.shm_dir ? d->o.shm_dir : "/dev/shm";
	char want[RING_NAME_MAX + 16];
	size_t wl;
	DIR *dh = opendir(dir);
	struct dirent *de;

	if (!dh)
		return;
	wl = (size_t)snprintf(want, sizeof(want), "lanner-%s", d->prefix);
	while ((de = readdir(dh))) {
		char *end;
		unsigned long k;
		char err[256];
		struct dsp_ring *rg;

		if (strncmp(de->d_name, want, wl) != 0 || !de->d_name[wl])
			continue;
		if (de->d_name[wl] < '0' || de->d_name[wl] > '9')
			continue;
		k = strtoul(de->d_name + wl, &end, 10);
		if (*end || k >= DSP_MAX_RINGS || d->ring[k].r)
			continue;
		rg = &d->ring[k];
		rg->r = ring_attach(de->d_name + strlen("lanner-"), 0, RING_PRODUCER, err,
				    sizeof(err));
		if (!rg->r) {
			if (errno != ENOENT && errno != EAGAIN && !rg->warned) {
				log_warningf("evaluator ring %s: %s", de->d_name, err);
				rg->warned = 1;
			}
			continue;
		}
		if (check_alive(d, k, now)) {
			join(d, k, 1);
			continue;
		}
		/* else: watched; records an earlier enricher left in it are settled at start */
	}
	closedir(dh);
}

/*
 * Start: records an earlier enricher left must be evaluated before anything
 * we send (we do not know which shards they hold): wait until live consumers
 * have released them, and after the grace time move those of rings with no
 * consumer to the map's rings (only if another member exists to take them).
 */
static int settle(struct dsp *d, int64_t start)
{
	uint64_t end[DSP_MAX_RINGS] = {0}; /* producer position of each ring's leftovers */

	for (unsigned k = 0; k < DSP_MAX_RINGS; k++) {
		struct ring_stats rs;

		if (!d->ring[k].r)
			continue;
		ring_stats(d->ring[k].r, &rs);
		if (rs.used)
			end[k] = rs.prod_pos;
	}
	for (;;) {
		int64_t now = now_ms();
		int busy = 0;

		for (unsigned k = 0; k < DSP_MAX_RINGS; k++) {
			struct ring_stats rs;
			int others;

			if (!end[k])
				continue;
			ring_stats(d->ring[k].r, &rs);
			if (rs.cons_pos >= end[k]) {
				end[k] = 0;
				continue;
			}
			if (check_alive(d, k, now)) {
				busy = 1;
				continue;
			}
			others = d->nmembers > (d->ring[k].member ? 1u : 0u);
			if (!others) {
				end[k] = 0; /* its own evaluator will evaluate them */
				continue;
			}
			if (now - start < (int64_t)d->o.grace_ms) {
				busy = 1;
				continue;
			}
			if (evict(d, k) < 0)
				return -EINTR;
			end[k] = 0;
		}
		if (!busy)
			return 0;
		if (d->o.stop && *d->o.stop)
			return -EINTR;
		usleep(10000);
	}
}

int dsp_poll(struct dsp *d)
{
	int64_t now = now_ms();
	unsigned scan_ms = d->o.scan_ms ? d->o.scan_ms : 200;

	for (unsigned k = 0; k < DSP_MAX_RINGS; k++) {
		struct dsp_ring *rg = &d->ring[k];

		if (!rg->r)
			continue;
		if (!rg->member) {
			if (ring_peer_alive(rg->r) == 1)
				join(d, k, 1);
			continue;
		}
		if (evictable(d, k, now)) {
			int rc = evict(d, k);

			if (rc < 0)
				return rc;
		}
	}
	/* shards whose old ring released their last record there: switch now */
	for (unsigned s = 0; s < DSP_SHARDS; s++)
		if (d->sh[s].cur != d->sh[s].want)
			try_switch(d, s);
	if (now - d->last_scan >= (int64_t)scan_ms) {
		d->last_scan = now;
		scan(d, now);
	}
	return 0;
}

/* Bytes ring k holds that its consumer has not released (0: none, or no ring). */
static uint64_t unreleased(const struct dsp *d, unsigned k, uint64_t *cons_pos)
{
	struct ring_stats rs;

	if (!d->ring[k].r)
		return 0;
	ring_stats(d->ring[k].r, &rs);
	*cons_pos += rs.cons_pos;
	return rs.prod_pos - rs.cons_pos;
}

/*
 * Records ring k holds unreleased, counted by reading them as its consumer
 * without releasing any (they stay for an evaluator that attaches later).
 * -EBUSY when a consumer is attached (its evaluator is back).
 */
static int64_t count_left(struct dsp *d, unsigned k)
{
	char name[RING_NAME_MAX + 16], err[256];
	const void *data;
	size_t len;
	int64_t n = 0;
	struct ring *c;

	ring_name(d, k, name, sizeof(name));
	c = ring_attach(name, 0, RING_CONSUMER, err, sizeof(err));
	if (!c)
		return -errno;
	while (ring_peek(c, &data, &len) == 0)
		n++;
	ring_close(c); /* nothing released: a later consumer resumes at the same record */
	return n;
}

/* The bound was reached with records unreleased: say where, count those nobody will take. */
static void report_left(struct dsp *d)
{
	for (unsigned k = 0; k < DSP_MAX_RINGS; k++) {
		char name[RING_NAME_MAX + 16];
		uint64_t cons = 0, bytes = unreleased(d, k, &cons);
		int alive;
		int64_t n = 0;

		if (!bytes)
			continue;
		ring_name(d, k, name, sizeof(name));
		alive = ring_peer_alive(d->ring[k].r);
		if (alive == 1 || (n = count_left(d, k)) == -EBUSY) {
			/* a live (stopped? overloaded?) evaluator: it reads them after we close */
			log_warningf("evaluator ring %s: %llu bytes not yet released after %u ms "
				     "without progress; left to its evaluator, which is alive",
				     name, (unsigned long long)bytes, d->stall_ms);
			continue;
		}
		if (alive == 0) {
			/* an evaluator that never attached: it reads them when it does */
			log_warningf(
				"evaluator ring %s: %llu records left for its evaluator, which "
				"has not attached yet",
				name, n > 0 ? (unsigned long long)n : 0ull);
			continue;
		}
		if (n < 0)
			n = 1; /* cannot read them: at least one record is there */
		d->st.undelivered += (uint64_t)n;
		log_errorf("evaluator ring %s: %lld records (%llu bytes) cannot be delivered: its "
			   "evaluator is gone and no live evaluator took them within %u ms; lost "
			   "unless an evaluator attaches to this ring",
			   name, (long long)n, (unsigned long long)bytes, d->stall_ms);
	}
}

int dsp_finish(struct dsp *d, unsigned stall_ms)
{
	uint64_t last_cons = 0;
	int64_t last_wait = 0;

	d->finishing = 1;
	d->stall_ms = stall_ms;
	d->progress_at = now_ms();
	for (;;) {
		int64_t now;
		uint64_t left = 0, cons = 0;
		int any_alive = 0;

		/* joins, and members whose consumer is gone evicted at once (finishing) */
		dsp_poll(d);
		now = now_ms();
		for (unsigned k = 0; k < DSP_MAX_RINGS; k++)
			if (d->ring[k].member && check_alive(d, k, now))
				any_alive = 1;
		for (unsigned k = 0; k < DSP_MAX_RINGS; k++) {
			/* not members: rings an earlier enricher left, or a move that
			 * stopped half-way; their records also need a live evaluator */
			if (!d->ring[k].r || d->ring[k].member || !any_alive)
				continue;
			if (ring_peer_alive(d->ring[k].r) != 1 && unreleased(d, k, &cons))
				evict(d, k);
		}
		/* defer_wake: records sent or moved above wake their evaluator now */
		dsp_flush(d);
		cons = 0;
		for (unsigned k = 0; k < DSP_MAX_RINGS; k++)
			left += unreleased(d, k, &cons);
		if (!left)
			return 0;
		now = now_ms();
		if (cons != last_cons) {
			last_cons = cons;
			d->progress_at = now;
		}
		if (now - d->progress_at > (int64_t)stall_ms || (d->o.stop && *d->o.stop > 1)) {
			report_left(d);
			return -ETIMEDOUT;
		}
		if (d->o.on_wait && now - last_wait >= 100) {
			last_wait = now;
			d->o.on_wait(d->o.on_wait_ud);
		}
		usleep(10000);
	}
}

struct dsp *dsp_new(const struct dsp_opts *o, char *err, size_t errlen)
{
	struct dsp *d;
	int64_t now = now_ms();

	if (!o->prefix || strlen(o->prefix) + 4 > RING_NAME_MAX || o->initial < 1 ||
	    o->initial > DSP_MAX_RINGS) {
		snprintf(err, errlen, "evaluator rings: bad prefix or count (1..%d)",
			 DSP_MAX_RINGS);
		errno = EINVAL;
		return NULL;
	}
	d = calloc(1, sizeof(*d));
	if (!d) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	d->o = *o;
	snprintf(d->prefix, sizeof(d->prefix), "%s", o->prefix);
	for (unsigned k = 0; k < o->initial; k++) {
		char name[RING_NAME_MAX + 16];

		ring_name(d, k, name, sizeof(name));
		d->ring[k].r = stage_ring_open(name, o->ring_size, RING_PRODUCER, err, errlen);
		if (!d->ring[k].r) {
			int e = errno;

			dsp_free(d);
			errno = e;
			return NULL;
		}
		/* members from the start: their evaluators get the grace time to attach */
		check_alive(d, k, now);
		d->ring[k].member = 1;
		d->nmembers++;
	}
	remap(d);
	for (unsigned s = 0; s < DSP_SHARDS; s++)
		d->sh[s].cur = d->sh[s].want;
	/* rings that exist beyond the initial ones (evaluators already waiting, or
	 * records an earlier enricher left) */
	d->last_scan = now;
	scan(d, now);
	for (unsigned s = 0; s < DSP_SHARDS; s++) /* nothing was sent yet: no move to wait for */
		d->sh[s].cur = d->sh[s].want;
	if (settle(d, now) < 0) {
		snprintf(err, errlen, "stopped while waiting for evaluator rings to drain");
		dsp_free(d);
		errno = EINTR;
		return NULL;
	}
	return d;
}

unsigned dsp_route(const struct dsp *d, uint64_t key)
{
	return d->sh[shard_of(key)].cur;
}

unsigned dsp_target(const struct dsp *d, uint64_t key)
{
	return d->sh[shard_of(key)].want;
}

int dsp_is_member(const struct dsp *d, unsigned k)
{
	return k < DSP_MAX_RINGS && d->ring[k].member;
}

void dsp_get_stats(const struct dsp *d, struct dsp_stats *st)
{
	*st = d->st;
	st->members = d->nmembers;
	st->alive = 0;
	st->pending_moves = 0;
	for (unsigned k = 0; k < DSP_MAX_RINGS; k++)
		if (d->ring[k].member && d->ring[k].alive)
			st->alive++;
	for (unsigned s = 0; s < DSP_SHARDS; s++)
		if (d->sh[s].cur != d->sh[s].want)
			st->pending_moves++;
}

void dsp_free(struct dsp *d)
{
	if (!d)
		return;
	for (unsigned k = 0; k < DSP_MAX_RINGS; k++)
		ring_close(d->ring[k].r);
	free(d);
}
