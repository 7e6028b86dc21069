/* ui_store.c: Redis connection pool, bounded stream search and counter sums for lanner-ui. */
#include "ui_store.h"

#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include "log.h"

#define UI_POOL_MAX 64	       /* idle connections kept */
#define UI_SCAN_CHUNK 1000     /* most entries per XREVRANGE round trip */
#define UI_COUNT_PIPELINE 1024 /* HGETALLs in flight per round trip */
/* Redis stamps stream IDs when it commits; an alert's event time is before that, up to
 * clock skew between the node and Redis: scans stop this far below `since`. */
#define UI_SKEW_MS (5 * 60 * 1000ull)

struct ui_store {
	char *address, *password, *username, *prefix, *stream_key, *channel;
	int database;
	unsigned timeout_ms;
	pthread_mutex_t lock;
	redisContext *idle[UI_POOL_MAX];
	size_t nidle;
};

static char *dupz(const char *s)
{
	return strdup(s ? s : "");
}

struct ui_store *ui_store_new(const struct ui_store_opts *o)
{
	struct ui_store *s = calloc(1, sizeof(*s));

	if (!s)
		return NULL;
	s->address = dupz(o->address);
	s->password = dupz(o->password);
	s->username = dupz(o->username);
	s->prefix = dupz(o->key_prefix);
	s->channel = dupz(o->channel);
	s->database = o->database;
	s->timeout_ms = o->timeout_ms ? o->timeout_ms : 2000;
	if (s->prefix && o->stream && asprintf(&s->stream_key, "%s%s", s->prefix, o->stream) < 0)
		s->stream_key = NULL;
	pthread_mutex_init(&s->lock, NULL);
	if (!s->address || !s->password || !s->username || !s->prefix || !s->channel ||
	    !s->stream_key) {
		ui_store_free(s);
		errno = ENOMEM;
		return NULL;
	}
	return s;
}

void ui_store_free(struct ui_store *s)
{
	if (!s)
		return;
	for (size_t i = 0; i < s->nidle; i++)
		redisFree(s->idle[i]);
	pthread_mutex_destroy(&s->lock);
	free(s->address);
	free(s->password);
	free(s->username);
	free(s->prefix);
	free(s->stream_key);
	free(s->channel);
	free(s);
}

const char *ui_store_stream_key(const struct ui_store *s)
{
	return s->stream_key;
}

const char *ui_store_channel(const struct ui_store *s)
{
	return s->channel;
}

const char *ui_store_prefix(const struct ui_store *s)
{
	return s->prefix;
}

static bool ok_reply(redisContext *c, redisReply *r, const char *what)
{
	if (!r) {
		log_printf(LOG_LVL_WARNING, "redis: %s: %s", what, c->errstr);
		return false;
	}
	if (r->type == REDIS_REPLY_ERROR) {
		log_printf(LOG_LVL_WARNING, "redis: %s: %s", what, r->str);
		freeReplyObject(r);
		return false;
	}
	freeReplyObject(r);
	return true;
}

redisContext *ui_store_connect(struct ui_store *s)
{
	struct timeval tv = {.tv_sec = s->timeout_ms / 1000,
			     .tv_usec = (s->timeout_ms % 1000) * 1000};
	const char *a = s->address;
	redisContext *c;

	if (!strncmp(a, "unix://", 7) || a[0] == '/') {
		c = redisConnectUnixWithTimeout(a[0] == '/' ? a : a + 7, tv);
	} else {
		char host[256];
		const char *colon = strrchr(a, ':');
		size_t hl = colon ? (size_t)(colon - a) : strlen(a);
		if (hl >= sizeof(host))
			hl = sizeof(host) - 1;
		memcpy(host, a, hl);
		host[hl] = '\0';
		c = redisConnectWithTimeout(host, colon ? atoi(colon + 1) : 6379, tv);
	}
	if (!c)
		return NULL;
	if (c->err) {
		log_printf(LOG_LVL_WARNING, "redis: cannot connect to %s: %s", a, c->errstr);
		redisFree(c);
		return NULL;
	}
	redisSetTimeout(c, tv);
	if (*s->password) {
		redisReply *r = *s->username
					? redisCommand(c, "AUTH %s %s", s->username, s->password)
					: redisCommand(c, "AUTH %s", s->password);
		if (!ok_reply(c, r, "AUTH"))
			goto fail;
	}
	if (s->database && !ok_reply(c, redisCommand(c, "SELECT %d", s->database), "SELECT"))
		goto fail;
	return c;
fail:
	redisFree(c);
	return NULL;
}

redisContext *ui_store_get(struct ui_store *s)
{
	redisContext *c = NULL;

	pthread_mutex_lock(&s->lock);
	if (s->nidle)
		c = s->idle[--s->nidle];
	pthread_mutex_unlock(&s->lock);
	return c ? c : ui_store_connect(s);
}

void ui_store_put(struct ui_store *s, redisContext *c)
{
	if (!c)
		return;
	if (c->err) {
		redisFree(c);
		return;
	}
	pthread_mutex_lock(&s->lock);
	if (s->nidle < UI_POOL_MAX) {
		s->idle[s->nidle++] = c;
		c = NULL;
	}
	pthread_mutex_unlock(&s->lock);
	if (c)
		redisFree(c);
}

long long ui_store_xlen(struct ui_store *s)
{
	redisContext *c = ui_store_get(s);
	long long n = -1;

	if (!c)
		return -1;
	redisReply *r = redisCommand(c, "XLEN %s", s->stream_key);
	if (r && r->type == REDIS_REPLY_INTEGER)
		n = r->integer;
	freeReplyObject(r);
	ui_store_put(s, c);
	return n;
}

/* ---- search ---- */

bool ui_filter_is_time_only(const struct ui_filter *f)
{
	return f->prio_mask == 0xff && !f->nrules && !f->nsources && !f->nhosts && !f->ntags &&
	       (!f->text || !*f->text);
}

static const redisReply *field(const redisReply *kv, const char *name)
{
	for (size_t i = 0; i + 1 < kv->elements; i += 2)
		if (kv->element[i]->type == REDIS_REPLY_STRING &&
		    !strcmp(kv->element[i]->str, name))
			return kv->element[i + 1];
	return NULL;
}

static bool in_list(const char *v, const char *const *list, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!strcmp(v, list[i]))
			return true;
	return false;
}

/* tag in "a,b,c" */
static bool has_tag(const char *tags, const char *tag)
{
	size_t tl = strlen(tag);

	for (const char *p = tags; p && *p;) {
		const char *comma = strchr(p, ',');
		size_t l = comma ? (size_t)(comma - p) : strlen(p);
		if (l == tl && !memcmp(p, tag, l))
			return true;
		p = comma ? comma + 1 : NULL;
	}
	return false;
}

/* Case-insensitive (ASCII) substring search in a byte string of length n. */
static bool contains_ci(const char *hay, size_t n, const char *needle)
{
	size_t nl = strlen(needle);

	if (!nl)
		return true;
	for (size_t i = 0; i + nl <= n; i++) {
		if (strncasecmp(hay + i, needle, nl) == 0)
			return true;
	}
	return false;
}

static bool match(const struct ui_filter *f, const redisReply *kv)
{
	const redisReply *v;

	if (f->prio_mask != 0xff) {
		v = field(kv, "priority_num");
		int p = v && v->str ? atoi(v->str) : -1;
		if (p < 0 || p > 7 || !(f->prio_mask & (1u << p)))
			return false;
	}
	if (f->since_ns || f->until_ns) {
		v = field(kv, "time_ns");
		uint64_t t = v && v->str ? strtoull(v->str, NULL, 10) : 0;
		if ((f->since_ns && t < f->since_ns) || (f->until_ns && t > f->until_ns))
			return false;
	}
	if (f->nrules &&
	    (!(v = field(kv, "rule")) || !v->str || !in_list(v->str, f->rules, f->nrules)))
		return false;
	if (f->nsources &&
	    (!(v = field(kv, "source")) || !v->str || !in_list(v->str, f->sources, f->nsources)))
		return false;
	if (f->nhosts &&
	    (!(v = field(kv, "hostname")) || !v->str || !in_list(v->str, f->hosts, f->nhosts)))
		return false;
	if (f->ntags) {
		v = field(kv, "tags");
		for (size_t i = 0; i < f->ntags; i++)
			if (!v || !v->str || !has_tag(v->str, f->tags[i]))
				return false;
	}
	if (f->text && *f->text) {
		v = field(kv, "json");
		if (!v || !v->str || !contains_ci(v->str, v->len, f->text))
			return false;
	}
	return true;
}

int ui_store_search(struct ui_store *s, struct ui_search *q, ui_match_fn fn, void *ctx)
{
	redisContext *c = ui_store_get(s);
	char start[80], end[32];
	int rc = 0;

	q->matched = q->scanned = 0;
	q->complete = false;
	q->next[0] = '\0';
	if (!c)
		return -EIO;
	if (q->cursor && *q->cursor)
		snprintf(start, sizeof(start), "(%s", q->cursor);
	else
		snprintf(start, sizeof(start), "+");
	if (q->f->since_ns / 1000000ull > UI_SKEW_MS)
		snprintf(end, sizeof(end), "%" PRIu64,
			 (uint64_t)(q->f->since_ns / 1000000ull - UI_SKEW_MS));
	else
		snprintf(end, sizeof(end), "-");
	/* first round trip sized to the page (an unfiltered page costs one small read), then
	 * doubling up to UI_SCAN_CHUNK for selective filters */
	size_t chunk = q->limit && q->limit + 1 < UI_SCAN_CHUNK ? q->limit + 1 : UI_SCAN_CHUNK;
	if (chunk < 16)
		chunk = 16;
	for (;;) {
		size_t want = chunk;
		chunk = chunk * 2 < UI_SCAN_CHUNK ? chunk * 2 : UI_SCAN_CHUNK;
		if (q->budget - q->scanned < want)
			want = q->budget - q->scanned;
		if (!want)
			break;
		redisReply *r = redisCommand(c, "XREVRANGE %s %s %s COUNT %llu", s->stream_key,
					     start, end, (unsigned long long)want);
		if (!r || r->type != REDIS_REPLY_ARRAY) {
			log_printf(LOG_LVL_WARNING, "redis: XREVRANGE: %s",
				   !r				  ? c->errstr
				   : r->type == REDIS_REPLY_ERROR ? r->str
								  : "bad reply");
			freeReplyObject(r);
			rc = -EIO;
			break;
		}
		bool stop = false;
		for (size_t i = 0; i < r->elements && !stop; i++) {
			const redisReply *e = r->element[i];
			if (e->type != REDIS_REPLY_ARRAY || e->elements != 2 ||
			    e->element[0]->type != REDIS_REPLY_STRING ||
			    e->element[1]->type != REDIS_REPLY_ARRAY)
				continue;
			const char *id = e->element[0]->str;
			bool m = match(q->f, e->element[1]);
			if (m && q->limit && q->matched >= q->limit) {
				/* the page is full: the next request starts at this one */
				stop = true;
				break;
			}
			q->scanned++;
			snprintf(q->next, sizeof(q->next), "%s", id);
			snprintf(start, sizeof(start), "(%s", id);
			if (!m)
				continue;
			q->matched++;
			const redisReply *j = field(e->element[1], "json");
			if (fn && q->limit && j && j->str) {
				rc = fn(ctx, id, j->str, j->len, e->element[1]);
				if (rc)
					stop = true;
			}
		}
		bool short_read = r->elements < want;
		freeReplyObject(r);
		if (stop)
			break;
		if (short_read) {
			q->complete = true;
			q->next[0] = '\0';
			break;
		}
		if (q->limit && q->matched >= q->limit)
			break;
	}
	ui_store_put(s, c);
	return rc;
}

/* ---- counters ---- */

static void add_count(json_t *obj, const char *key, long long n)
{
	json_t *v = json_object_get(obj, key);

	if (v)
		json_integer_set(v, json_integer_value(v) + n);
	else
		json_object_set_new(obj, key, json_integer(n));
}

static void add_series(json_t *series, const char *key, size_t bucket, size_t nbuckets, long long n)
{
	json_t *arr = json_object_get(series, key);

	if (!arr) {
		arr = json_array();
		for (size_t i = 0; i < nbuckets; i++)
			json_array_append_new(arr, json_integer(0));
		json_object_set_new(series, key, arr);
	}
	json_t *v = json_array_get(arr, bucket);
	if (v)
		json_integer_set(v, json_integer_value(v) + n);
}

int ui_store_counts(struct ui_store *s, const char *by, uint64_t from_min, uint64_t to_min,
		    json_t *obj, long long *total, json_t *series, uint64_t step_min,
		    size_t nbuckets)
{
	redisContext *c = ui_store_get(s);
	char pfx[32];
	size_t pl;
	int rc = 0;

	if (!c)
		return -EIO;
	pl = (size_t)snprintf(pfx, sizeof(pfx), "%s:", by);
	if (!step_min)
		step_min = 1;
	*total = 0;
	for (uint64_t m0 = from_min; m0 <= to_min && !rc; m0 += UI_COUNT_PIPELINE) {
		uint64_t m1 = m0 + UI_COUNT_PIPELINE - 1;
		if (m1 > to_min)
			m1 = to_min;
		for (uint64_t m = m0; m <= m1; m++)
			redisAppendCommand(c, "HGETALL %scounts:%" PRIu64, s->prefix, m);
		for (uint64_t m = m0; m <= m1; m++) {
			redisReply *r = NULL;
			if (redisGetReply(c, (void **)&r) != REDIS_OK || !r) {
				log_printf(LOG_LVL_WARNING, "redis: HGETALL: %s", c->errstr);
				rc = -EIO;
				break;
			}
			size_t bucket = (size_t)((m - from_min) / step_min);
			if (r->type == REDIS_REPLY_ARRAY) {
				for (size_t i = 0; i + 1 < r->elements; i += 2) {
					const char *k = r->element[i]->str;
					const char *v = r->element[i + 1]->str;
					if (!k || !v)
						continue;
					long long n = strtoll(v, NULL, 10);
					if (!strcmp(k, "total")) {
						*total += n;
						if (series)
							add_series(series, "_total", bucket,
								   nbuckets, n);
					} else if (!strncmp(k, pfx, pl)) {
						if (obj)
							add_count(obj, k + pl, n);
						if (series)
							add_series(series, k + pl, bucket, nbuckets,
								   n);
					}
				}
			}
			freeReplyObject(r);
		}
	}
	ui_store_put(s, c);
	return rc;
}

int ui_store_trim(struct ui_store *s, uint64_t maxlen, long long *removed)
{
	redisContext *c = ui_store_get(s);
	int rc = 0;

	*removed = 0;
	if (!c)
		return -EIO;
	redisReply *r = redisCommand(c, "XTRIM %s MAXLEN ~ %llu", s->stream_key,
				     (unsigned long long)maxlen);
	if (r && r->type == REDIS_REPLY_INTEGER)
		*removed = r->integer;
	else
		rc = -EIO;
	freeReplyObject(r);
	ui_store_put(s, c);
	return rc;
}
