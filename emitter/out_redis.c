/* out_redis.c: pipelined MULTI/EXEC batches to Redis (hiredis), exactly once via a commit marker. */
#include "out_redis.h"

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/time.h>

#include <hiredis/hiredis.h>

#include "log_shim.h"
#include "sidekick.h"

struct counter {
	uint64_t minute;
	size_t off, len; /* field name in the arena */
	long long n;
};

struct out_redis {
	const struct emitter_config *c;
	redisContext *ctx;
	char marker[512];
	uint64_t committed;	/* journal offset Redis holds everything before */
	struct alert_buf arena; /* the batch's commands, already in RESP (the wire protocol) */
	struct alert_buf json, tmp;
	size_t ncmds;	/* commands in the arena */
	long args_left; /* arguments the current command still expects (a consistency check) */
	bool args_bad;
	struct counter *cnt;
	size_t ncnt, cnt_cap;
	bool warned_down;
};

int out_redis_init(const struct emitter_config *c, const char *instance, void **priv)
{
	struct out_redis *r = calloc(1, sizeof(*r));

	if (!r)
		return -ENOMEM;
	r->c = c;
	snprintf(r->marker, sizeof(r->marker), "%semitter:%s:redis", c->redis.key_prefix, instance);
	alert_buf_init(&r->arena);
	alert_buf_init(&r->json);
	alert_buf_init(&r->tmp);
	*priv = r;
	return 0;
}

static void disconnect(struct out_redis *r)
{
	if (r->ctx)
		redisFree(r->ctx);
	r->ctx = NULL;
}

/* Runs one command synchronously (connection setup only). NULL on error (logged). */
static redisReply *cmd1(struct out_redis *r, const char *what, int argc, const char **argv)
{
	redisReply *rep = redisCommandArgv(r->ctx, argc, argv, NULL);

	if (!rep) {
		lg_err("redis: %s: %s", what, r->ctx->errstr);
		return NULL;
	}
	if (rep->type == REDIS_REPLY_ERROR) {
		lg_err("redis: %s: %s", what, rep->str);
		freeReplyObject(rep);
		return NULL;
	}
	return rep;
}

static int connect_redis(struct out_redis *r)
{
	const struct ecfg_redis *rc = &r->c->redis;
	struct timeval tv = {.tv_sec = r->c->output_timeout_ms / 1000,
			     .tv_usec = (r->c->output_timeout_ms % 1000) * 1000};
	const char *addr = rc->address;
	redisReply *rep;

	if (!strncmp(addr, "unix://", 7) || addr[0] == '/') {
		r->ctx = redisConnectUnixWithTimeout(addr[0] == '/' ? addr : addr + 7, tv);
	} else {
		char host[256];
		const char *colon = strrchr(addr, ':');
		int port = 6379;
		size_t hl = colon ? (size_t)(colon - addr) : strlen(addr);
		if (hl >= sizeof(host))
			hl = sizeof(host) - 1;
		memcpy(host, addr, hl);
		host[hl] = '\0';
		if (colon)
			port = atoi(colon + 1);
		r->ctx = redisConnectWithTimeout(host, port, tv);
	}
	if (!r->ctx)
		return -ENOMEM;
	if (r->ctx->err) {
		if (!r->warned_down)
			lg_warn("redis: cannot connect to %s: %s", addr, r->ctx->errstr);
		r->warned_down = true;
		disconnect(r);
		return -ECONNREFUSED;
	}
	redisSetTimeout(r->ctx, tv);
	if (*rc->password) {
		const char *a3[] = {"AUTH", rc->username, rc->password};
		rep = *rc->username ? cmd1(r, "AUTH", 3, a3)
				    : cmd1(r, "AUTH", 2, (const char *[]){"AUTH", rc->password});
		if (!rep)
			goto fail;
		freeReplyObject(rep);
	}
	if (rc->database) {
		char db[16];
		snprintf(db, sizeof(db), "%d", rc->database);
		rep = cmd1(r, "SELECT", 2, (const char *[]){"SELECT", db});
		if (!rep)
			goto fail;
		freeReplyObject(rep);
	}
	rep = cmd1(r, "GET marker", 2, (const char *[]){"GET", r->marker});
	if (!rep)
		goto fail;
	if (rep->type == REDIS_REPLY_STRING)
		r->committed = strtoull(rep->str, NULL, 10);
	freeReplyObject(rep);
	if (r->warned_down)
		lg_info("redis: connected to %s", addr);
	r->warned_down = false;
	return 0;
fail:
	disconnect(r);
	return -EIO;
}

/* ---- building the batch ---- */

/*
 * Commands are written straight in RESP ("*<argc>", then "$<len>" + bytes per
 * argument) into one buffer handed to hiredis as is: no per-argument
 * formatting or copying of the alert JSON through hiredis' argv path.
 */
/* "<c><decimal>\r\n" without printf (two per argument on the hot path) */
static int resp_head(struct out_redis *r, char c, uint64_t v)
{
	char h[32], *p = h + sizeof(h);

	*--p = '\n';
	*--p = '\r';
	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	*--p = c;
	return alert_buf_append(&r->arena, p, (size_t)(h + sizeof(h) - p));
}

static int cmd_begin(struct out_redis *r, long argc)
{
	if (r->args_left)
		r->args_bad = true; /* the previous command got a wrong number of arguments */
	r->args_left = argc;
	r->ncmds++;
	return resp_head(r, '*', (uint64_t)argc);
}

static int arg_head(struct out_redis *r, size_t len)
{
	r->args_left--;
	return resp_head(r, '$', len);
}

static int arg_add(struct out_redis *r, const void *p, size_t n)
{
	int rc = arg_head(r, n);

	if (!rc && n)
		rc = alert_buf_append(&r->arena, p, n);
	return rc ? rc : alert_buf_append(&r->arena, "\r\n", 2);
}

static int arg_str(struct out_redis *r, const char *s)
{
	return arg_add(r, s ? s : "", s ? strlen(s) : 0);
}

/* key_prefix + name as one argument */
static int arg_key(struct out_redis *r, const char *name)
{
	size_t pl = strlen(r->c->redis.key_prefix), nl = strlen(name);
	int rc = arg_head(r, pl + nl);

	if (!rc)
		rc = alert_buf_append(&r->arena, r->c->redis.key_prefix, pl);
	if (!rc)
		rc = alert_buf_append(&r->arena, name, nl);
	return rc ? rc : alert_buf_append(&r->arena, "\r\n", 2);
}

static int count(struct out_redis *r, uint64_t minute, const char *kind, const char *val)
{
	size_t kl = strlen(kind), vl = val ? strlen(val) : 0;

	for (size_t i = 0; i < r->ncnt; i++) {
		struct counter *c = &r->cnt[i];
		if (c->minute == minute && c->len == kl + vl &&
		    !memcmp(r->tmp.data + c->off, kind, kl) &&
		    (!vl || !memcmp(r->tmp.data + c->off + kl, val, vl))) {
			c->n++;
			return 0;
		}
	}
	if (r->ncnt == r->cnt_cap) {
		size_t cap = r->cnt_cap ? r->cnt_cap * 2 : 64;
		struct counter *p = realloc(r->cnt, cap * sizeof(*p));
		if (!p)
			return -ENOMEM;
		r->cnt = p;
		r->cnt_cap = cap;
	}
	struct counter *c = &r->cnt[r->ncnt++];
	c->minute = minute;
	c->off = r->tmp.len;
	c->len = kl + vl;
	c->n = 1;
	int rc = alert_buf_append(&r->tmp, kind, kl);
	return rc ? rc : alert_buf_append(&r->tmp, val, vl);
}

static int cmp_cstr(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

/* "a,b,c": the alert's tags sorted and unique (as rendered in its JSON). */
static int join_tags(const struct alert *a, struct alert_buf *out)
{
	const char **t = malloc((a->ntags ? a->ntags : 1) * sizeof(*t));
	int rc = 0;

	if (!t)
		return -ENOMEM;
	if (a->ntags)
		memcpy(t, a->tags, a->ntags * sizeof(*t));
	qsort(t, a->ntags, sizeof(*t), cmp_cstr);
	alert_buf_reset(out);
	for (size_t i = 0; !rc && i < a->ntags; i++) {
		if (i && !strcmp(t[i], t[i - 1]))
			continue;
		if (out->len)
			rc = alert_buf_append(out, ",", 1);
		if (!rc)
			rc = alert_utf8_sanitize(out, t[i], strlen(t[i]));
	}
	if (!rc && !out->data)
		rc = alert_buf_append(out, "", 0);
	free(t);
	return rc;
}

static int build(struct out_redis *r, struct output_item *it, size_t n)
{
	const struct ecfg_redis *rc = &r->c->redis;
	struct alert_fmt f = r->c->fmt;
	struct alert_buf tags, s;
	char num[64], maxlen[32];
	int e = 0;

	/* the dashboard needs everything: JSON with output, fields and tags */
	f.json_output = true;
	f.json_include_output_property = true;
	f.json_include_output_fields_property = true;
	f.json_include_tags_property = true;
	alert_buf_reset(&r->arena);
	alert_buf_reset(&r->tmp);
	r->ncmds = r->ncnt = 0;
	r->args_left = 0;
	r->args_bad = false;
	alert_buf_init(&tags);
	alert_buf_init(&s);
	snprintf(maxlen, sizeof(maxlen), "%" PRIu64, rc->stream_maxlen);
	e = cmd_begin(r, 1);
	if (!e)
		e = arg_str(r, "MULTI");
	for (size_t i = 0; !e && i < n; i++) {
		const struct alert *a = it[i].a;
		const char *prio = alert_priority_name(a->priority);
		if (rc->lanner_layout) {
			alert_buf_reset(&r->json);
			e = alert_render(a, &f, &r->json);
			if (!e)
				e = join_tags(a, &tags);
			if (!e)
				e = cmd_begin(r, (rc->stream_maxlen ? 6 : 3) + 18);
			if (!e)
				e = arg_str(r, "XADD");
			if (!e)
				e = arg_key(r, rc->stream);
			if (!e && rc->stream_maxlen) {
				e = arg_str(r, "MAXLEN");
				if (!e)
					e = arg_str(r, "~");
				if (!e)
					e = arg_str(r, maxlen);
			}
			if (!e)
				e = arg_str(r, "*");
			if (!e)
				e = arg_str(r, "json");
			if (!e)
				e = arg_add(r, r->json.data, r->json.len);
			if (!e)
				e = arg_str(r, "priority");
			if (!e)
				e = arg_str(r, prio);
			snprintf(num, sizeof(num), "%d", (int)a->priority);
			if (!e)
				e = arg_str(r, "priority_num");
			if (!e)
				e = arg_str(r, num);
			alert_buf_reset(&s);
			if (!e)
				e = arg_str(r, "rule");
			if (!e)
				e = alert_utf8_sanitize(&s, a->rule ? a->rule : "",
							a->rule ? strlen(a->rule) : 0);
			if (!e)
				e = arg_add(r, s.data ? s.data : "", s.len);
			alert_buf_reset(&s);
			if (!e)
				e = arg_str(r, "source");
			if (!e)
				e = alert_utf8_sanitize(&s, a->source ? a->source : "",
							a->source ? strlen(a->source) : 0);
			if (!e)
				e = arg_add(r, s.data ? s.data : "", s.len);
			alert_buf_reset(&s);
			if (!e)
				e = arg_str(r, "hostname");
			if (!e)
				e = alert_utf8_sanitize(&s, a->hostname ? a->hostname : "",
							a->hostname ? strlen(a->hostname) : 0);
			if (!e)
				e = arg_add(r, s.data ? s.data : "", s.len);
			if (!e)
				e = arg_str(r, "tags");
			if (!e)
				e = arg_add(r, tags.data, tags.len);
			alert_buf_reset(&s);
			if (!e)
				e = alert_render_time_rfc3339(a->time_ns, &s);
			if (!e)
				e = arg_str(r, "time");
			if (!e)
				e = arg_add(r, s.data, s.len);
			snprintf(num, sizeof(num), "%" PRIu64, a->time_ns);
			if (!e)
				e = arg_str(r, "time_ns");
			if (!e)
				e = arg_str(r, num);
			/* live views */
			if (!e)
				e = cmd_begin(r, 3);
			if (!e)
				e = arg_str(r, "PUBLISH");
			if (!e)
				e = arg_str(r, rc->channel);
			if (!e)
				e = arg_add(r, r->json.data, r->json.len);
			/* per-minute counters, aggregated over the batch */
			uint64_t minute = a->time_ns / 60000000000ull;
			if (!e)
				e = count(r, minute, "total", NULL);
			if (!e)
				e = count(r, minute, "priority:", prio);
			if (!e)
				e = count(r, minute, "rule:", a->rule);
			if (!e)
				e = count(r, minute, "source:", a->source);
			if (!e)
				e = count(r, minute, "hostname:", a->hostname);
			const char *p = tags.data;
			while (!e && p && *p) {
				const char *comma = strchr(p, ',');
				size_t l = comma ? (size_t)(comma - p) : strlen(p);
				char tag[1024];
				snprintf(tag, sizeof(tag), "%.*s", (int)l, p);
				e = count(r, minute, "tag:", tag);
				p = comma ? comma + 1 : NULL;
			}
		}
		if (!e && rc->sidekick) {
			char uuid[37];
			sidekick_uuid(uuid);
			alert_buf_reset(&s);
			e = sidekick_payload(a, &r->c->fmt, uuid, &s);
			bool hash = !strcasecmp(rc->sidekick_storage, "hashmap");
			if (!e)
				e = cmd_begin(r, hash ? 4 : 3);
			if (!e)
				e = arg_str(r, hash ? "HSET" : "RPUSH");
			if (!e)
				e = arg_str(r, rc->sidekick_key);
			if (!e && hash)
				e = arg_str(r, uuid);
			if (!e)
				e = arg_add(r, s.data, s.len);
		}
	}
	/* counters: one HINCRBY per distinct (minute, field), one EXPIRE per minute */
	for (size_t i = 0; !e && i < r->ncnt; i++) {
		char key[64], by[32];
		snprintf(key, sizeof(key), "counts:%" PRIu64, r->cnt[i].minute);
		snprintf(by, sizeof(by), "%lld", r->cnt[i].n);
		e = cmd_begin(r, 4);
		if (!e)
			e = arg_str(r, "HINCRBY");
		if (!e)
			e = arg_key(r, key);
		if (!e)
			e = arg_add(r, r->tmp.data + r->cnt[i].off, r->cnt[i].len);
		if (!e)
			e = arg_str(r, by);
		bool first = true;
		for (size_t j = 0; j < i; j++)
			if (r->cnt[j].minute == r->cnt[i].minute)
				first = false;
		if (!e && first) {
			char ttl[32];
			snprintf(ttl, sizeof(ttl), "%u", rc->retention_s);
			e = cmd_begin(r, 3);
			if (!e)
				e = arg_str(r, "EXPIRE");
			if (!e)
				e = arg_key(r, key);
			if (!e)
				e = arg_str(r, ttl);
		}
	}
	snprintf(num, sizeof(num), "%" PRIu64, it[n - 1].end);
	if (!e)
		e = cmd_begin(r, 3);
	if (!e)
		e = arg_str(r, "SET");
	if (!e)
		e = arg_str(r, r->marker);
	if (!e)
		e = arg_str(r, num);
	if (!e)
		e = cmd_begin(r, 1);
	if (!e)
		e = arg_str(r, "EXEC");
	if (!e && (r->args_left || r->args_bad)) {
		lg_err("redis: internal error: a command was built with a wrong argument count");
		e = -EPROTO;
	}
	alert_buf_fini(&tags);
	alert_buf_fini(&s);
	return e;
}

/* Builds one transaction for it[0..n) and writes it out (no waiting for replies). */
static int send_chunk(struct out_redis *r, struct output_item *it, size_t n, size_t *ncmds)
{
	int e = build(r, it, n), wdone = 0;

	if (e)
		return e;
	if (redisAppendFormattedCommand(r->ctx, r->arena.data, r->arena.len) != REDIS_OK)
		return -ENOMEM;
	while (!wdone)
		if (redisBufferWrite(r->ctx, &wdone) != REDIS_OK)
			return -EIO;
	*ncmds = r->ncmds;
	return 0;
}

/* Reads the ncmds replies of one transaction: 0 when EXEC applied it, else -EIO. */
static int read_chunk(struct out_redis *r, size_t ncmds)
{
	redisReply *exec = NULL;

	for (size_t i = 0; i < ncmds; i++) {
		redisReply *rep = NULL;
		if (redisGetReply(r->ctx, (void **)&rep) != REDIS_OK || !rep) {
			lg_warn("redis: connection lost: %s", r->ctx->errstr);
			freeReplyObject(exec);
			return -EIO;
		}
		if (i == ncmds - 1) {
			exec = rep;
		} else {
			if (rep->type == REDIS_REPLY_ERROR)
				lg_err("redis: command %zu of the batch refused: %s", i, rep->str);
			freeReplyObject(rep);
		}
	}
	if (!exec || exec->type != REDIS_REPLY_ARRAY) {
		lg_err("redis: transaction not applied: %s",
		       exec && exec->type == REDIS_REPLY_ERROR ? exec->str : "no EXEC result");
		freeReplyObject(exec);
		return -EIO;
	}
	for (size_t i = 0; i < exec->elements; i++)
		if (exec->element[i]->type == REDIS_REPLY_ERROR)
			lg_err("redis: in transaction: %s", exec->element[i]->str);
	freeReplyObject(exec);
	return 0;
}

#define MAX_CHUNKS 4
#define MIN_CHUNK 128

/*
 * A batch goes out as up to MAX_CHUNKS transactions written back to back before
 * any reply is read: Redis executes one while we build the next (one round trip
 * for all). Each transaction sets the commit marker to its own end, so after any
 * failure the marker says exactly which ones are in.
 */
static int out_redis_deliver(void *priv, struct output_item *it, size_t n, size_t *done)
{
	struct out_redis *r = priv;
	size_t skip = 0, first[MAX_CHUNKS], cnt[MAX_CHUNKS], ncmds[MAX_CHUNKS], nch = 0;
	int e = 0;

	*done = 0;
	if (!r->ctx) {
		e = connect_redis(r);
		if (e)
			return e;
	}
	/* what a previous, unanswered EXEC already committed is not written twice */
	while (skip < n && it[skip].end <= r->committed)
		skip++;
	*done = skip;
	if (skip == n)
		return 0;
	size_t m = n - skip, chunk = m;
	if (m >= 2 * MIN_CHUNK)
		chunk = (m + MAX_CHUNKS - 1) / MAX_CHUNKS < MIN_CHUNK
				? MIN_CHUNK
				: (m + MAX_CHUNKS - 1) / MAX_CHUNKS;
	for (size_t off = skip; off < n && nch < MAX_CHUNKS; off += chunk) {
		size_t k = n - off < chunk ? n - off : chunk;
		e = send_chunk(r, it + off, k, &ncmds[nch]);
		if (e)
			break;
		first[nch] = off;
		cnt[nch] = k;
		nch++;
	}
	if (e) {
		/* the connection is in an unknown state: the marker sorts it out on reconnect */
		disconnect(r);
		return e == -ENOMEM ? e : -EIO;
	}
	for (size_t c = 0; c < nch; c++) {
		e = read_chunk(r, ncmds[c]);
		if (e) {
			disconnect(r);
			return e;
		}
		r->committed = it[first[c] + cnt[c] - 1].end;
		*done = first[c] + cnt[c];
	}
	return *done == n ? 0 : -EAGAIN;
}

static void out_redis_destroy(void *priv)
{
	struct out_redis *r = priv;

	if (!r)
		return;
	disconnect(r);
	alert_buf_fini(&r->arena);
	alert_buf_fini(&r->json);
	alert_buf_fini(&r->tmp);
	free(r->cnt);
	free(r);
}

const struct output_ops out_redis_ops = {
	.kind = "redis",
	.deliver = out_redis_deliver,
	.destroy = out_redis_destroy,
};
