/* output.c: the per-output worker: read journal batch, deliver, commit cursor, back off on failure. */
#include "output.h"

#include <errno.h>
#include <stdio.h>
#include <inttypes.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "log_shim.h"

#define READ_WAIT_MS 200
#define MAX_BATCH_BYTES (512u << 10) /* bytes read per batch (bigger single alerts still pass) */

struct output *output_new(const char *name, const struct output_ops *ops, void *priv,
			  const struct emitter_config *cfg, struct journal *j, unsigned batch)
{
	struct output *o = calloc(1, sizeof(*o));

	if (!o)
		return NULL;
	snprintf(o->name, sizeof(o->name), "%s", name);
	o->ops = ops;
	o->priv = priv;
	o->cfg = cfg;
	o->batch = batch ? batch : 1;
	pthread_mutex_init(&o->sleep_mu, NULL);
	pthread_cond_init(&o->sleep_cv, NULL);
	o->rd = journal_reader_open(j, name);
	if (!o->rd) {
		int e = errno;
		lg_err("output %s: cannot open its journal cursor: %s", name, strerror(e));
		pthread_mutex_destroy(&o->sleep_mu);
		pthread_cond_destroy(&o->sleep_cv);
		free(o);
		errno = e;
		return NULL;
	}
	return o;
}

/* Sleeps ms unless stopped; returns true when stopped. */
static bool nap(struct output *o, unsigned ms)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	ts.tv_sec += ms / 1000;
	ts.tv_nsec += (long)(ms % 1000) * 1000000L;
	if (ts.tv_nsec >= 1000000000L) {
		ts.tv_sec++;
		ts.tv_nsec -= 1000000000L;
	}
	pthread_mutex_lock(&o->sleep_mu);
	while (!atomic_load(&o->stop))
		if (pthread_cond_timedwait(&o->sleep_cv, &o->sleep_mu, &ts))
			break;
	pthread_mutex_unlock(&o->sleep_mu);
	return atomic_load(&o->stop);
}

static uint64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

static void *worker(void *arg)
{
	struct output *o = arg;
	const struct emitter_config *c = o->cfg;
	size_t max = o->batch;
	struct journal_rec *recs = calloc(max, sizeof(*recs));
	struct output_item *items = calloc(max, sizeof(*items));
	unsigned backoff = c->retry_min_ms;
	bool recovering = false;

	if (!recs || !items) {
		lg_err("output %s: out of memory", o->name);
		goto out;
	}
	for (;;) {
		if (atomic_load(&o->stop))
			break; /* what is not delivered stays in the journal */
		int n = journal_reader_next(o->rd, recs, max, MAX_BATCH_BYTES, READ_WAIT_MS);
		/* after the wait: alerts that arrive after SIGUSR1 go to the reopened file */
		if (atomic_exchange(&o->reopen, false) && o->ops->reopen)
			o->ops->reopen(o->priv);
		if (n < 0) {
			lg_err("output %s: journal read: %s", o->name, strerror(-n));
			if (nap(o, 100))
				break;
			continue;
		}
		if (n == 0) {
			recovering = false; /* caught up with the journal */
			continue;
		}
		size_t m = 0;
		for (int i = 0; i < n; i++) {
			struct alert *a = NULL;
			if (alert_decode(recs[i].data, recs[i].len, &a)) {
				/* validated at intake: only disk corruption gets here */
				lg_err("output %s: undecodable journal record at %" PRIu64
				       ": skipped",
				       o->name, recs[i].off);
				atomic_fetch_add(&o->rejected, 1);
				if (m == 0)
					journal_reader_commit(o->rd, recs[i].end);
				continue;
			}
			if (!a->hostname)
				alert_set_hostname(a, c->hostname); /* on ENOMEM it renders "" */
			items[m].a = a;
			items[m].end = recs[i].end;
			items[m].rejected = false;
			m++;
		}
		size_t first = 0;
		while (first < m) {
			size_t done = 0;
			uint64_t t0 = mono_ms();
			int rc = o->ops->deliver(o->priv, items + first, m - first, &done);
			uint64_t took = mono_ms() - t0;
			if (took > c->output_timeout_ms)
				lg_warn("output %s: delivery took %" PRIu64
					" ms (output_timeout %u)",
					o->name, took, c->output_timeout_ms);
			if (done > m - first)
				done = m - first;
			for (size_t i = first; i < first + done; i++) {
				if (items[i].rejected) {
					atomic_fetch_add(&o->rejected, 1);
				} else {
					atomic_fetch_add(&o->sent, 1);
					if (recovering)
						atomic_fetch_add(&o->spooled, 1);
				}
			}
			if (done)
				journal_reader_commit(o->rd, items[first + done - 1].end);
			first += done;
			if (rc == 0) {
				backoff = c->retry_min_ms;
				continue;
			}
			if (first >= m)
				break;
			atomic_fetch_add(&o->failed, 1);
			if (!recovering)
				lg_warn("output %s: delivery failed (%s): alerts wait in the "
					"spool, "
					"retrying with backoff",
					o->name, strerror(-rc));
			recovering = true;
			if (nap(o, backoff))
				break;
			backoff = backoff >= c->retry_max_ms / 2 ? c->retry_max_ms : backoff * 2;
		}
		for (size_t i = 0; i < m; i++)
			alert_free(items[i].a);
		if (first < m) {
			/* stopping with undelivered alerts: they stay in the journal */
			journal_reader_rewind(o->rd);
			break;
		}
	}
out:
	free(recs);
	free(items);
	return NULL;
}

int output_start(struct output *o)
{
	int rc = pthread_create(&o->thread, NULL, worker, o);

	if (rc)
		return -rc;
	o->started = true;
	return 0;
}

void output_stop(struct output *o, int drain_ms)
{
	if (!o || !o->started)
		return;
	(void)drain_ms; /* the worker ends its current attempt; the rest stays in the journal */
	pthread_mutex_lock(&o->sleep_mu);
	atomic_store(&o->stop, true);
	pthread_cond_broadcast(&o->sleep_cv);
	pthread_mutex_unlock(&o->sleep_mu);
	pthread_join(o->thread, NULL);
	o->started = false;
}

void output_free(struct output *o)
{
	if (!o)
		return;
	output_stop(o, 0);
	journal_reader_close(o->rd);
	if (o->ops->destroy)
		o->ops->destroy(o->priv);
	pthread_mutex_destroy(&o->sleep_mu);
	pthread_cond_destroy(&o->sleep_cv);
	free(o);
}

void output_request_reopen(struct output *o)
{
	atomic_store(&o->reopen, true);
}

void output_get_stats(struct output *o, struct output_stats *s)
{
	s->sent = atomic_load(&o->sent);
	s->failed = atomic_load(&o->failed);
	s->spooled = atomic_load(&o->spooled);
	s->dropped = atomic_load(&o->rejected) + journal_reader_dropped(o->rd);
	s->backlog = journal_reader_backlog(o->rd);
}
