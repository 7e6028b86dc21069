/* ui_store.h: the dashboard's Redis access: a connection pool, stream search, counter sums. */
#ifndef LANNER_UI_STORE_H
#define LANNER_UI_STORE_H

/*
 * Reads exactly the layout of docs/redis-layout.md (written by the emitter's
 * out_redis.c). Plain Redis: XREVRANGE over the stream with a bounded budget
 * per request, HGETALL of per-minute counter hashes (pipelined).
 * Thread-safe: each call takes a connection from the pool and gives it back.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include <hiredis/hiredis.h>
#include <jansson.h>

#include "alert.h"

struct ui_store_opts {
	const char *address; /* "host:port", "/path.sock" or "unix:///path" */
	const char *password, *username;
	int database;
	const char *key_prefix; /* "lanner:" */
	const char *stream;	/* after the prefix: "alerts" */
	const char *channel;	/* full channel name */
	unsigned timeout_ms;	/* connect and command timeout */
};

struct ui_store;

/* Copies opts. NULL with errno on failure; does not connect yet. */
struct ui_store *ui_store_new(const struct ui_store_opts *o);
void ui_store_free(struct ui_store *s);

/* A pooled connection (connects when the pool is empty); NULL when Redis is down. */
redisContext *ui_store_get(struct ui_store *s);
/* Gives it back; a connection with an error is closed instead. Accepts NULL. */
void ui_store_put(struct ui_store *s, redisContext *c);
/* A fresh connection that is not pooled (pub/sub); NULL on failure. */
redisContext *ui_store_connect(struct ui_store *s);
const char *ui_store_stream_key(const struct ui_store *s); /* prefix + stream */
const char *ui_store_channel(const struct ui_store *s);
const char *ui_store_prefix(const struct ui_store *s);

/* ---- search ---- */

#define UI_FILTER_MAX_VALUES 32 /* values per filter dimension */

struct ui_filter {
	uint8_t prio_mask; /* bit p set: priority p accepted; 0xff = any */
	const char *rules[UI_FILTER_MAX_VALUES];
	size_t nrules; /* any of (exact) */
	const char *sources[UI_FILTER_MAX_VALUES];
	size_t nsources;
	const char *hosts[UI_FILTER_MAX_VALUES];
	size_t nhosts;
	const char *tags[UI_FILTER_MAX_VALUES];
	size_t ntags;		     /* all of */
	const char *text;	     /* case-insensitive substring of the alert JSON; NULL = none */
	uint64_t since_ns, until_ns; /* event time range, inclusive; 0 = open */
};

/* True when the filter restricts nothing but (maybe) the time range. */
bool ui_filter_is_time_only(const struct ui_filter *f);

struct ui_search {
	/* in */
	const struct ui_filter *f;
	const char *cursor; /* continue after this stream ID (exclusive); NULL = newest */
	size_t limit;	    /* matches wanted */
	size_t budget;	    /* at most this many entries examined */
	/* out */
	size_t matched; /* entries that matched (= returned unless counting only) */
	size_t scanned;
	bool complete; /* the whole (remaining) stream was examined */
	char next[64]; /* stream ID to continue after; "" when complete */
};

/*
 * Scans the stream newest first and calls fn(ctx, id, json, jsonlen) for each
 * of the first `limit` matches (limit 0: count only, fn may be NULL). Returns
 * 0 or -EIO (Redis down / error, logged).
 */
typedef int (*ui_match_fn)(void *ctx, const char *id, const char *json, size_t jsonlen,
			   const redisReply *fields);
int ui_store_search(struct ui_store *s, struct ui_search *q, ui_match_fn fn, void *ctx);

/* ---- counters ---- */

/*
 * Sums the per-minute counter hashes of minutes [from_min, to_min]. For each
 * field "<by>:<value>" adds the count into obj[value]; "total" into *total.
 * With series (non-NULL), also adds into series[value][bucket] where bucket =
 * (minute - from_min) / step_min, nbuckets buckets, and the totals into
 * series["_total"]. by is "priority", "rule", "source", "hostname" or "tag".
 * Returns 0 or -EIO.
 */
int ui_store_counts(struct ui_store *s, const char *by, uint64_t from_min, uint64_t to_min,
		    json_t *obj, long long *total, json_t *series, uint64_t step_min,
		    size_t nbuckets);

/*
 * XTRIM <stream> MAXLEN ~ maxlen: the safety net behind the writers' own XADD MAXLEN (a
 * writer configured with another limit, or none, cannot grow the stream past ours).
 * *removed = entries dropped. 0 or -EIO.
 */
int ui_store_trim(struct ui_store *s, uint64_t maxlen, long long *removed);
/* Stream length, or -1 on error. */
long long ui_store_xlen(struct ui_store *s);

#endif
