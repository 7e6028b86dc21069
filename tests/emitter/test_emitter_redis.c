/* test_emitter_redis.c: lanner-emitter against a private redis-server: layout, trimming, counters,
 * pub/sub, falcosidekick modes, Redis restart (exactly once, in order), emitter SIGKILL. */
#include <errno.h>
#include <pthread.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>

#include <cmocka.h>
#include <jansson.h>

#include "alert.h"
#include "alert_tx.h"
#include "harness.h"
#include "test_env.h"

struct env {
	char dir[256];
	char cfg[320];
	char intake[320];
	char spool[320];
	struct h_redis redis;
	redisContext *rc;
	pid_t emitter;
};

/* extra_yaml goes into the redis: section; top_fmt (may hold one %s: the test dir) at top level */
static void env_up2(struct env *e, const char *tag, const char *extra_yaml, const char *top_fmt)
{
	char yaml[8192], top[2048] = "";

	memset(e, 0, sizeof(*e));
	h_tmpdir(e->dir, sizeof(e->dir), tag);
	assert_int_equal(h_redis_start(&e->redis, e->dir), 0);
	e->rc = h_redis_connect(&e->redis);
	snprintf(e->cfg, sizeof(e->cfg), "%s/lanner.yaml", e->dir);
	snprintf(e->intake, sizeof(e->intake), "ipc://%s/alerts.sock", e->dir);
	snprintf(e->spool, sizeof(e->spool), "%s/spool", e->dir);
	if (top_fmt)
		snprintf(top, sizeof(top), top_fmt, e->dir);
	snprintf(yaml, sizeof(yaml),
		 "json_output: true\n"
		 "stdout_output:\n  enabled: false\n"
		 "syslog_output:\n  enabled: false\n"
		 "redis:\n  enabled: true\n  address: %s\n"
		 "%s"
		 "emitter:\n  intake: %s\n  hostname: fallbackhost\n"
		 "  retry_min_ms: 20\n  retry_max_ms: 200\n"
		 "  stats_file: %s/stats.json\n  stats_interval_ms: 100\n"
		 "  spool:\n    dir: %s\n    fsync: never\n"
		 "%s",
		 e->redis.sock, extra_yaml ? extra_yaml : "", e->intake, e->dir, e->spool, top);
	h_write_file(e->cfg, yaml);
	e->emitter = h_emitter_start(e->cfg, e->dir);
}

static void env_up(struct env *e, const char *tag, const char *extra_yaml)
{
	env_up2(e, tag, extra_yaml, NULL);
}

static void env_down(struct env *e)
{
	int st = h_emitter_stop(e->emitter, SIGTERM);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
	redisFree(e->rc);
	h_redis_stop(&e->redis);
	if (!getenv("LNR_KEEP_TMP"))
		h_rmrf(e->dir);
}

static struct alert_tx *tx_open(const struct env *e)
{
	struct alert_tx_opts o = {.max_batch = 64, .resend_ms = 200, .ack_timeout_ms = 20000};
	struct alert_tx *tx = alert_tx_open(e->intake, &o);

	assert_non_null(tx);
	return tx;
}

static void send_range(struct alert_tx *tx, unsigned from, unsigned to, unsigned nrules)
{
	for (unsigned i = from; i < to; i++) {
		struct alert *a = h_alert(i, nrules);
		assert_int_equal(alert_tx_add(tx, a), 0);
		alert_free(a);
	}
	assert_int_equal(alert_tx_flush(tx), 0);
}

struct xlen_arg {
	redisContext *c;
	const char *key;
	long long want;
};

static bool xlen_reached(void *p)
{
	struct xlen_arg *x = p;

	return h_int(x->c, "XLEN %s", x->key) >= x->want;
}

static void wait_xlen(redisContext *c, const char *key, long long want, unsigned ms)
{
	struct xlen_arg x = {c, key, want};

	if (!h_wait(xlen_reached, &x, ms))
		fail_msg("stream %s has %lld entries, want %lld", key, h_int(c, "XLEN %s", key),
			 want);
}

/* The stream's "seq" values in order (from the stored alert JSON). */
static unsigned stream_seqs(redisContext *c, const char *key, unsigned *out, unsigned max)
{
	redisReply *r = h_cmd(c, "XRANGE %s - +", key);
	unsigned n = 0;

	assert_int_equal(r->type, REDIS_REPLY_ARRAY);
	for (size_t i = 0; i < r->elements && n < max; i++) {
		redisReply *fields = r->element[i]->element[1];
		for (size_t k = 0; k + 1 < fields->elements; k += 2) {
			if (strcmp(fields->element[k]->str, "json"))
				continue;
			json_error_t err;
			json_t *j = json_loads(fields->element[k + 1]->str, 0, &err);
			assert_non_null(j);
			out[n++] = (unsigned)json_integer_value(
				json_object_get(json_object_get(j, "output_fields"), "seq"));
			json_decref(j);
		}
	}
	freeReplyObject(r);
	return n;
}

static void assert_exact_sequence(redisContext *c, const char *key, unsigned n)
{
	unsigned *s = calloc(n + 16, sizeof(*s));
	unsigned got = stream_seqs(c, key, s, n + 16);

	if (got != n)
		fail_msg("stream holds %u alerts, want exactly %u", got, n);
	for (unsigned i = 0; i < n; i++)
		if (s[i] != i)
			fail_msg("entry %u holds seq %u: order or uniqueness broken", i, s[i]);
	free(s);
}

struct sub {
	char sock[300];
	const char *channel;
	unsigned want, got;
	char **msgs;
	bool ready;
	pthread_mutex_t mu;
};

static void *sub_main(void *p)
{
	struct sub *s = p;
	redisContext *c = redisConnectUnix(s->sock);
	struct timeval tv = {.tv_sec = 10};

	redisSetTimeout(c, tv);
	redisReply *r = redisCommand(c, "SUBSCRIBE %s", s->channel);
	freeReplyObject(r);
	pthread_mutex_lock(&s->mu);
	s->ready = true;
	pthread_mutex_unlock(&s->mu);
	while (s->got < s->want) {
		r = NULL;
		if (redisGetReply(c, (void **)&r) != REDIS_OK || !r)
			break;
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
		    !strcmp(r->element[0]->str, "message"))
			s->msgs[s->got++] = strdup(r->element[2]->str);
		freeReplyObject(r);
	}
	redisFree(c);
	return NULL;
}

static bool sub_ready(void *p)
{
	struct sub *s = p;
	pthread_mutex_lock(&s->mu);
	bool r = s->ready;
	pthread_mutex_unlock(&s->mu);
	return r;
}

/* Stream entries carry the alert JSON (byte-exact) and the filter fields; pub/sub gets the same
 * JSON in order; per-minute counters count by priority, rule, source, hostname and tag. */
static void test_stream_pubsub_counters(void **state)
{
	struct env e;
	const unsigned n = 300;
	struct sub s = {.channel = "lanner:alerts", .want = n};

	env_up(&e, "redis1", "  retention: 3600\n");
	snprintf(s.sock, sizeof(s.sock), "%s", e.redis.sock);
	s.msgs = calloc(n, sizeof(char *));
	pthread_mutex_init(&s.mu, NULL);
	pthread_t th;
	pthread_create(&th, NULL, sub_main, &s);
	assert_true(h_wait(sub_ready, &s, 5000));
	h_msleep(100);
	struct alert_tx *tx = tx_open(&e);
	send_range(tx, 0, n, 7);
	wait_xlen(e.rc, "lanner:alerts", n, 10000);
	pthread_join(th, NULL);
	assert_int_equal(s.got, n);
	assert_exact_sequence(e.rc, "lanner:alerts", n);

	/* every entry: JSON byte-equal to Falco's rendering, filter fields consistent */
	redisReply *r = h_cmd(e.rc, "XRANGE lanner:alerts - +");
	struct alert_fmt f;
	struct alert_buf b;
	alert_fmt_default(&f);
	f.json_output = true;
	alert_buf_init(&b);
	for (unsigned i = 0; i < n; i++) {
		struct alert *a = h_alert(i, 7);
		alert_buf_reset(&b);
		assert_int_equal(alert_render(a, &f, &b), 0);
		redisReply *fl = r->element[i]->element[1];
		assert_int_equal(fl->elements, 18);
		const char *want[][2] = {{"json", b.data},
					 {"priority", alert_priority_name(a->priority)},
					 {"rule", a->rule},
					 {"source", "syscall"},
					 {"hostname", "testhost"},
					 {"tags", i % 2 ? "odd,test" : "even,test"},
					 {"time", NULL}};
		for (size_t k = 0; k < sizeof(want) / sizeof(want[0]); k++) {
			bool found = false;
			for (size_t q = 0; q + 1 < fl->elements; q += 2) {
				if (strcmp(fl->element[q]->str, want[k][0]))
					continue;
				found = true;
				if (want[k][1])
					assert_string_equal(fl->element[q + 1]->str, want[k][1]);
			}
			assert_true(found);
		}
		assert_string_equal(s.msgs[i], b.data); /* pub/sub: same JSON, same order */
		free(s.msgs[i]);
		alert_free(a);
	}
	freeReplyObject(r);
	alert_buf_fini(&b);
	free(s.msgs);

	/* counters: all 300 alerts fall in one minute (1795868946 s + up to 0.3 ms) */
	char key[64];
	snprintf(key, sizeof(key), "lanner:counts:%llu", 1795868946ull / 60);
	assert_int_equal(h_int(e.rc, "HGET %s total", key), n);
	assert_int_equal(h_int(e.rc, "HGET %s priority:Emergency", key), (n + 7) / 8);
	assert_int_equal(h_int(e.rc, "HGET %s rule:rule-0", key), (n + 6) / 7);
	assert_int_equal(h_int(e.rc, "HGET %s source:syscall", key), n);
	assert_int_equal(h_int(e.rc, "HGET %s hostname:testhost", key), n);
	assert_int_equal(h_int(e.rc, "HGET %s tag:test", key), n);
	assert_int_equal(h_int(e.rc, "HGET %s tag:odd", key), n / 2);
	long long ttl = h_int(e.rc, "TTL %s", key);
	assert_true(ttl > 3500 && ttl <= 3600);
	alert_tx_close(tx);
	env_down(&e);
}

/* MAXLEN ~ keeps the stream bounded; counters expire with the retention. */
static void test_trimming_and_expiry(void **state)
{
	struct env e;
	const unsigned n = 3000;

	env_up(&e, "redis2", "  stream_maxlen: 200\n  retention: 2\n");
	struct alert_tx *tx = tx_open(&e);
	send_range(tx, 0, n, 3);
	char key[64];
	snprintf(key, sizeof(key), "lanner:counts:%llu", 1795868946ull / 60);
	/* wait until the last alert is in: the counter total reaches n */
	for (int i = 0; i < 500 && h_int(e.rc, "HGET %s total", key) < n; i++)
		h_msleep(20);
	assert_int_equal(h_int(e.rc, "HGET %s total", key), n);
	long long len = h_int(e.rc, "XLEN lanner:alerts");
	assert_true(len >= 200);
	assert_true(len < 600); /* approximate trimming works on whole nodes */
	redisReply *r = h_cmd(e.rc, "XREVRANGE lanner:alerts + - COUNT 1");
	assert_int_equal(r->elements, 1);
	freeReplyObject(r);
	long long ttl = h_int(e.rc, "TTL %s", key);
	assert_true(ttl > 0 && ttl <= 2);
	h_msleep(2600);
	assert_int_equal(h_int(e.rc, "EXISTS %s", key), 0);
	alert_tx_close(tx);
	env_down(&e);
}

/* falcosidekick's Redis layout, byte for byte (uuid taken from what was stored). */
static void test_falcosidekick_modes(void **state)
{
	struct env e;
	const char *want_fmt =
		"{\"uuid\":\"%s\",\"output\":\"12:29:06.000001000: Alert Test alert 1 | "
		"seq=1 \\u003cb\\u003e\\u0026 "
		"\xef\xbf\xbd\\u2028\",\"priority\":\"Alert\",\"rule\":"
		"\"rule-1\",\"time\":\"2026-11-28T12:29:06.000001Z\",\"output_fields\":{"
		"\"evt.time\":1795868946000001000,\"proc.name\":\"cat\",\"seq\":1,\"x.nul\":null,"
		"\"x.ratio\":0.5},\"source\":\"syscall\",\"tags\":[\"odd\",\"test\"],"
		"\"hostname\":\"testhost\"}";
	char want[2048];

	for (int mode = 0; mode < 2; mode++) {
		env_up(&e, "sidekick",
		       mode ? "  lanner_layout: false\n  falcosidekick:\n    enabled: true\n"
			      "    storage_type: hashmap\n    key: fsk\n"
			    : "  lanner_layout: false\n  falcosidekick:\n    enabled: true\n");
		struct alert_tx *tx = tx_open(&e);
		struct alert *a = h_alert(1, 7);
		char out[128];
		snprintf(out, sizeof(out), "%s <b>& \xff\xe2\x80\xa8", a->output);
		alert_set_output(a, out);
		alert_add_null(a, "x.nul");
		alert_add_double(a, "x.ratio", 0.5);
		assert_int_equal(alert_tx_add(tx, a), 0);
		assert_int_equal(alert_tx_flush(tx), 0);
		alert_free(a);
		const char *key = mode ? "fsk" : "falco";
		redisReply *r = NULL;
		for (int i = 0; i < 250; i++) {
			r = h_cmd(e.rc, mode ? "HGETALL %s" : "LRANGE %s 0 -1", key);
			if (r->elements >= (size_t)(mode ? 2 : 1))
				break;
			freeReplyObject(r);
			r = NULL;
			h_msleep(20);
		}
		assert_non_null(r);
		const char *payload = r->element[mode ? 1 : 0]->str;
		char uuid[37];
		assert_int_equal(strncmp(payload, "{\"uuid\":\"", 9), 0);
		memcpy(uuid, payload + 9, 36);
		uuid[36] = '\0';
		assert_int_equal(uuid[14], '4'); /* version 4 */
		if (mode)
			assert_string_equal(r->element[0]->str, uuid);
		snprintf(want, sizeof(want), want_fmt, uuid);
		assert_string_equal(payload, want);
		assert_int_equal(h_int(e.rc, "EXISTS lanner:alerts"), 0);
		freeReplyObject(r);
		alert_tx_close(tx);
		env_down(&e);
	}
}

/* Redis stopped for a while and started again: every alert arrives exactly once, in order. */
static void test_redis_restart_exactly_once(void **state)
{
	struct env e;

	env_up(&e, "restart", NULL);
	struct alert_tx *tx = tx_open(&e);
	send_range(tx, 0, 400, 5);
	wait_xlen(e.rc, "lanner:alerts", 400, 10000);
	redisFree(e.rc);
	h_redis_stop(&e.redis);
	/* alerts keep coming while Redis is down: they wait in the spool */
	send_range(tx, 400, 1000, 5);
	h_msleep(700);
	char path[400];
	snprintf(path, sizeof(path), "%s/stats.json", e.dir);
	char *st = h_read_file(path, NULL);
	assert_non_null(st);
	json_error_t err;
	json_t *j = json_loads(st, 0, &err);
	assert_non_null(j);
	json_t *ro = json_object_get(json_object_get(j, "outputs"), "redis");
	assert_int_equal(json_integer_value(json_object_get(ro, "backlog")), 600);
	assert_true(json_integer_value(json_object_get(ro, "failed")) > 0);
	json_decref(j);
	free(st);
	assert_int_equal(h_redis_start(&e.redis, e.dir), 0);
	e.rc = h_redis_connect(&e.redis);
	send_range(tx, 1000, 1200, 5);
	wait_xlen(e.rc, "lanner:alerts", 1200, 15000);
	h_msleep(300);
	assert_exact_sequence(e.rc, "lanner:alerts", 1200);
	h_msleep(300);
	st = h_read_file(path, NULL);
	j = json_loads(st, 0, &err);
	ro = json_object_get(json_object_get(j, "outputs"), "redis");
	assert_int_equal(json_integer_value(json_object_get(ro, "sent")), 1200);
	assert_true(json_integer_value(json_object_get(ro, "spooled")) >= 600);
	assert_int_equal(json_integer_value(json_object_get(ro, "dropped")), 0);
	assert_int_equal(json_integer_value(json_object_get(ro, "backlog")), 0);
	json_decref(j);
	free(st);
	alert_tx_close(tx);
	env_down(&e);
}

struct sender {
	const struct env *e;
	unsigned n;
	volatile unsigned acked;
	int rc;
};

static void *sender_main(void *p)
{
	struct sender *s = p;
	struct alert_tx_opts o = {.max_batch = 50, .resend_ms = 200, .ack_timeout_ms = 30000};
	struct alert_tx *tx = alert_tx_open(s->e->intake, &o);

	for (unsigned i = 0; tx && i < s->n; i++) {
		struct alert *a = h_alert(i, 4);
		s->rc = alert_tx_add(tx, a);
		alert_free(a);
		if (s->rc)
			break;
		__atomic_store_n(&s->acked, i + 1 - alert_tx_pending(tx), __ATOMIC_RELEASE);
	}
	if (tx && !s->rc)
		s->rc = alert_tx_flush(tx);
	alert_tx_close(tx);
	return NULL;
}

/* The emitter killed with SIGKILL mid-burst and started again: nothing is lost (Redis: exactly
 * once, in order; the file output: at least once). */
static void test_emitter_sigkill(void **state)
{
	struct env e;
	char file[400];
	const unsigned n = 4000;

	env_up2(&e, "kill", NULL,
		"file_output:\n  enabled: true\n  keep_alive: true\n  filename: %s/events.txt\n");
	snprintf(file, sizeof(file), "%s/events.txt", e.dir);

	struct sender s = {.e = &e, .n = n};
	pthread_t th;
	pthread_create(&th, NULL, sender_main, &s);
	while (__atomic_load_n(&s.acked, __ATOMIC_ACQUIRE) < n / 3)
		h_msleep(2);
	h_emitter_stop(e.emitter, SIGKILL);
	h_msleep(300);
	e.emitter = h_emitter_start(e.cfg, e.dir);
	pthread_join(th, NULL);
	assert_int_equal(s.rc, 0);
	wait_xlen(e.rc, "lanner:alerts", n, 20000);
	h_msleep(300);
	assert_exact_sequence(e.rc, "lanner:alerts", n);

	/* the file output has every alert (a few may repeat after the kill) */
	char *seen = calloc(n, 1);
	for (int tries = 0; tries < 200; tries++) {
		size_t len;
		char *txt = h_read_file(file, &len);
		unsigned distinct = 0;
		memset(seen, 0, n);
		for (char *p = txt; p && (p = strstr(p, "\"seq\":")); p += 6) {
			unsigned v = (unsigned)strtoul(p + 6, NULL, 10);
			if (v < n && !seen[v]) {
				seen[v] = 1;
				distinct++;
			}
		}
		free(txt);
		if (distinct == n)
			break;
		h_msleep(50);
	}
	for (unsigned i = 0; i < n; i++)
		if (!seen[i])
			fail_msg("file output lost alert %u", i);
	free(seen);
	env_down(&e);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_stream_pubsub_counters),
		cmocka_unit_test(test_trimming_and_expiry),
		cmocka_unit_test(test_falcosidekick_modes),
		cmocka_unit_test(test_redis_restart_exactly_once),
		cmocka_unit_test(test_emitter_sigkill),
	};
	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
