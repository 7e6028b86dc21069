/* output.h: one output channel = a worker thread that delivers journal records, retries, counts. */
#ifndef LANNER_EMITTER_OUTPUT_H
#define LANNER_EMITTER_OUTPUT_H

/*
 * Each output has its own worker thread and journal reader: it reads a batch
 * (its bounded in-memory queue: emitter.batch alerts), hands it to the
 * channel's deliver(), moves its cursor past what was taken, and on failure
 * backs off exponentially (emitter.retry_min_ms doubling to retry_max_ms) and
 * retries from the first alert not taken. Nothing is held only in memory: a
 * down output's alerts wait in the journal (its spool) and come out in order.
 */

#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "alert.h"
#include "emitter_config.h"
#include "journal.h"

/* One alert handed to a channel. */
struct output_item {
	struct alert *a;
	uint64_t end;  /* journal offset after it */
	bool rejected; /* set by deliver(): refused for good (e.g. HTTP 400): dropped, not retried */
};

struct output_ops {
	const char *kind; /* "stdout", "file", "redis", ... */
	/*
	 * Deliver items[0..n) in order. Returns 0 when all were taken (or marked
	 * rejected), else -errno with *done = how many leading items were taken or
	 * rejected before the failure (they are not sent again).
	 */
	int (*deliver)(void *priv, struct output_item *items, size_t n, size_t *done);
	void (*reopen)(void *priv);  /* SIGUSR1: reopen files, respawn programs; may be NULL */
	void (*destroy)(void *priv); /* accepts the private state of a failed init */
};

struct output_stats {
	uint64_t sent;	  /* alerts taken by the channel */
	uint64_t failed;  /* delivery attempts that failed (each retry counts) */
	uint64_t spooled; /* alerts that waited in the journal because the channel failed */
	uint64_t dropped; /* alerts lost: size cap overflow or refused for good */
	uint64_t backlog; /* alerts in the journal not yet taken */
};

struct output {
	char name[32];
	const struct output_ops *ops;
	void *priv;
	const struct emitter_config *cfg;
	struct journal_reader *rd;
	unsigned batch; /* alerts per delivery */
	pthread_t thread;
	bool started;
	atomic_bool stop;
	atomic_bool reopen;
	atomic_uint_fast64_t sent, failed, spooled, rejected;
	pthread_mutex_t sleep_mu;
	pthread_cond_t sleep_cv;
};

/* Creates the output (reader "name" on j) around an initialised channel. NULL with errno. */
struct output *output_new(const char *name, const struct output_ops *ops, void *priv,
			  const struct emitter_config *cfg, struct journal *j, unsigned batch);
int output_start(struct output *o);
/* Asks the worker to stop after at most drain_ms more of delivering; joins it. */
void output_stop(struct output *o, int drain_ms);
void output_free(struct output *o); /* stops if needed; accepts NULL */
void output_request_reopen(struct output *o);
void output_get_stats(struct output *o, struct output_stats *s);

#endif
