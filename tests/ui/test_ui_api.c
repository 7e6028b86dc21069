/* test_ui_api.c: lanner-ui's REST API against a private redis-server holding alerts written by
 * the emitter's own Redis writer: every endpoint, filters, paging, time ranges, counts, auth,
 * roles, CSRF, the falcosidekick-ui shapes (checked against its swagger), SSE, base path. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <cmocka.h>

#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"
#include "out_redis.h"
#include "output.h"
#include "ui_auth.h"
#include "ui_http.h"
#include "ui_ingest.h"
#include "ui_store.h"

#define N_ALERTS 300
#define BASE "/lanner"

static struct h_redis redis;
static char dir[256], users[300];
static struct emitter_config ec;
static struct ui_store *st;
static struct ui_auth *auth;
static struct ui_ingest *ing;
static struct ui_server *srv;
static uint64_t t_base; /* event time of alert 0, ns */
static char admin_cookie[256], admin_csrf[80], reader_cookie[256];

/* ---- the alerts: a known distribution ---- */

static const char *tag_of(unsigned i)
{
	static const char *const t[] = {"t0", "t1", "t2", "t3"};
	return t[i % 4];
}

static struct alert *mk(unsigned i)
{
	struct alert *a = alert_new();
	char rule[32], host[16], out[64];

	snprintf(rule, sizeof(rule), "rule-%u", i % 5);
	snprintf(host, sizeof(host), "h%u", i % 3);
	snprintf(out, sizeof(out), "alert %u%s", i, i % 50 == 0 ? " NeedLe" : "");
	alert_set_rule(a, rule);
	alert_set_source(a, i % 10 == 0 ? "k8s_audit" : "syscall");
	alert_set_hostname(a, host);
	alert_set_output(a, out);
	a->priority = (enum alert_priority)(i % 8);
	a->time_ns = t_base + (uint64_t)i * 10000000000ull; /* 10 s apart */
	alert_add_tag(a, tag_of(i));
	alert_add_tag(a, "all");
	alert_add_uint64(a, "seq", i);
	alert_add_string(a, "proc.name", "cat");
	return a;
}

/* Written exactly as lanner-emitter writes them: its out_redis channel. */
static void write_alerts(void)
{
	void *priv = NULL;
	struct output_item it[N_ALERTS];
	size_t done = 0;

	assert_int_equal(out_redis_init(&ec, "testinstance", &priv), 0);
	for (unsigned i = 0; i < N_ALERTS; i++) {
		it[i].a = mk(i);
		it[i].end = i + 1;
		it[i].rejected = false;
	}
	assert_int_equal(out_redis_ops.deliver(priv, it, N_ALERTS, &done), 0);
	assert_int_equal(done, N_ALERTS);
	for (unsigned i = 0; i < N_ALERTS; i++)
		alert_free(it[i].a);
	out_redis_ops.destroy(priv);
}

/* ---- HTTP client ---- */

struct resp {
	long status;
	char *body;
	size_t len;
	char cookie[256];
	char set_cookie[512];
	char ctype[128];
};

static size_t on_body(char *p, size_t sz, size_t n, void *ud)
{
	struct resp *r = ud;
	char *b = realloc(r->body, r->len + sz * n + 1);
	if (!b)
		return 0;
	memcpy(b + r->len, p, sz * n);
	r->body = b;
	r->len += sz * n;
	b[r->len] = '\0';
	return sz * n;
}

static size_t on_header(char *p, size_t sz, size_t n, void *ud)
{
	struct resp *r = ud;
	size_t l = sz * n;
	if (l > 12 && !strncasecmp(p, "Set-Cookie: ", 12)) {
		snprintf(r->set_cookie, sizeof(r->set_cookie), "%.*s", (int)(l - 12), p + 12);
		r->set_cookie[strcspn(r->set_cookie, "\r\n")] = '\0';
		size_t k = strcspn(p + 12, ";\r\n");
		snprintf(r->cookie, sizeof(r->cookie), "%.*s", (int)k, p + 12);
	}
	if (l > 14 && !strncasecmp(p, "Content-Type: ", 14)) {
		snprintf(r->ctype, sizeof(r->ctype), "%.*s", (int)(l - 14), p + 14);
		r->ctype[strcspn(r->ctype, "\r\n")] = '\0';
	}
	return l;
}

/* method path [body] with optional cookie, csrf token, basic "user:pw", extra header. */
static struct resp http(const char *method, const char *path, const char *body, const char *cookie,
			const char *csrf, const char *basic, const char *extra)
{
	struct resp r = {0};
	CURL *c = curl_easy_init();
	struct curl_slist *h = NULL;
	char url[2048], hb[256];

	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", ui_server_port(srv), path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CUSTOMREQUEST, method);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 20L);
	if (body) {
		curl_easy_setopt(c, CURLOPT_POSTFIELDS, body);
		h = curl_slist_append(h, "Content-Type: application/json");
	}
	if (cookie && *cookie)
		curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
	if (csrf) {
		snprintf(hb, sizeof(hb), "X-CSRF-Token: %s", csrf);
		h = curl_slist_append(h, hb);
	}
	if (extra)
		h = curl_slist_append(h, extra);
	if (basic) {
		curl_easy_setopt(c, CURLOPT_HTTPAUTH, CURLAUTH_BASIC);
		curl_easy_setopt(c, CURLOPT_USERPWD, basic);
	}
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	CURLcode e = curl_easy_perform(c);
	if (e != CURLE_OK)
		fail_msg("%s %s: %s", method, path, curl_easy_strerror(e));
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	return r;
}

static json_t *get_json(const char *path, long want_status)
{
	struct resp r = http("GET", path, NULL, admin_cookie, NULL, NULL, NULL);
	if (r.status != want_status)
		fail_msg("GET %s: status %ld, body %s", path, r.status, r.body ? r.body : "");
	json_t *j = json_loads(r.body ? r.body : "", 0, NULL);
	if (!j)
		fail_msg("GET %s: not JSON: %s", path, r.body ? r.body : "");
	free(r.body);
	return j;
}

static json_int_t jint(const json_t *o, const char *k)
{
	json_t *v = json_object_get(o, k);
	if (!json_is_integer(v))
		fail_msg("'%s' missing or not an integer", k);
	return json_integer_value(v);
}

static struct resp login(const char *user, const char *pw)
{
	char body[256];
	snprintf(body, sizeof(body), "{\"user\":\"%s\",\"password\":\"%s\"}", user, pw);
	return http("POST", BASE "/api/login", body, NULL, NULL, NULL, NULL);
}

/* ---- fixtures ---- */

static int setup(void **state)
{
	char err[256];
	char addr[400];
	char *ov[2];

	(void)state;
	log_set_level(LOG_LVL_WARNING);
	h_tmpdir(dir, sizeof(dir), "ui-api");
	if (h_redis_start(&redis, dir))
		return -1;
	snprintf(addr, sizeof(addr), "redis.address=%s", redis.sock);
	ov[0] = addr;
	ov[1] = (char *)"redis.retention=86400";
	if (ecfg_load(&ec, NULL, ov, 2, err, sizeof(err))) {
		fprintf(stderr, "ecfg_load: %s\n", err);
		return -1;
	}
	/* alert 0 at the start of a minute, 1 h + a bit ago; the last ~10 min later */
	uint64_t now = (uint64_t)time(NULL);
	t_base = (now - 3600 - now % 60) * 1000000000ull;
	write_alerts();

	snprintf(users, sizeof(users), "%s/users", dir);
	if (ui_users_set(NULL, users, "admin", UI_ROLE_ADMIN, "admin-pw") ||
	    ui_users_set(NULL, users, "reader", UI_ROLE_READONLY, "reader-pw"))
		return -1;
	auth = ui_auth_new(users, 3600);
	struct ui_store_opts so = {.address = redis.sock,
				   .key_prefix = ec.redis.key_prefix,
				   .stream = ec.redis.stream,
				   .channel = ec.redis.channel,
				   .timeout_ms = 2000};
	st = ui_store_new(&so);
	ing = ui_ingest_new(&ec);
	struct ui_opts o = {.listen_addr = "127.0.0.1",
			    .port = 0,
			    .base_path = BASE,
			    .users_file = users,
			    .ingest_token = "tok-123",
			    .session_ttl_s = 3600,
			    .scan_budget = 20000,
			    .ec = &ec};
	srv = ui_server_start(&o, st, auth, ing);
	if (!auth || !st || !ing || !srv)
		return -1;
	curl_global_init(CURL_GLOBAL_ALL);

	struct resp r = login("admin", "admin-pw");
	if (r.status != 200)
		return -1;
	snprintf(admin_cookie, sizeof(admin_cookie), "%s", r.cookie);
	json_t *j = json_loads(r.body, 0, NULL);
	snprintf(admin_csrf, sizeof(admin_csrf), "%s",
		 json_string_value(json_object_get(j, "csrf")));
	json_decref(j);
	free(r.body);
	r = login("reader", "reader-pw");
	snprintf(reader_cookie, sizeof(reader_cookie), "%s", r.cookie);
	free(r.body);
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	ui_server_stop(srv);
	ui_ingest_free(ing);
	ui_store_free(st);
	ui_auth_free(auth);
	ecfg_fini(&ec);
	h_redis_stop(&redis);
	h_rmrf(dir);
	curl_global_cleanup();
	return 0;
}

/* ---- expected values, computed from the same distribution ---- */

static unsigned expect(int prio_max, int prio_eq, const char *rule, const char *source,
		       const char *host, const char *tag, bool needle, unsigned from, unsigned to)
{
	unsigned n = 0;
	for (unsigned i = from; i < to && i < N_ALERTS; i++) {
		char b[32];
		if (prio_max >= 0 && (int)(i % 8) > prio_max)
			continue;
		if (prio_eq >= 0 && (int)(i % 8) != prio_eq)
			continue;
		snprintf(b, sizeof(b), "rule-%u", i % 5);
		if (rule && strcmp(rule, b))
			continue;
		if (source && strcmp(source, i % 10 == 0 ? "k8s_audit" : "syscall"))
			continue;
		snprintf(b, sizeof(b), "h%u", i % 3);
		if (host && strcmp(host, b))
			continue;
		if (tag && strcmp(tag, "all") && strcmp(tag, tag_of(i)))
			continue;
		if (needle && i % 50)
			continue;
		n++;
	}
	return n;
}

static unsigned search_count(const char *query)
{
	char path[1024];
	snprintf(path, sizeof(path), BASE "/api/alerts?limit=1000&%s", query);
	json_t *j = get_json(path, 200);
	assert_true(json_is_true(json_object_get(j, "complete")));
	unsigned n = (unsigned)jint(j, "returned");
	assert_int_equal(json_array_size(json_object_get(j, "alerts")), n);
	json_decref(j);
	return n;
}

/* ---- tests ---- */

static void test_auth_required(void **state)
{
	(void)state;
	struct resp r = http("GET", BASE "/api/alerts", NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(r.status, 401);
	free(r.body);
	r = http("GET", BASE "/api/alerts", NULL, "lanner_session=0000", NULL, NULL, NULL);
	assert_int_equal(r.status, 401);
	free(r.body);
	r = login("admin", "nope");
	assert_int_equal(r.status, 401);
	free(r.body);
	/* the cookie: HttpOnly, SameSite=Strict, scoped to the base path */
	r = login("reader", "reader-pw");
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.set_cookie, "HttpOnly"));
	assert_non_null(strstr(r.set_cookie, "SameSite=Strict"));
	assert_non_null(strstr(r.set_cookie, "Path=" BASE "/"));
	assert_null(strstr(r.set_cookie, "Secure")); /* no TLS here */
	free(r.body);
	/* HTTP Basic works for scripts */
	r = http("GET", BASE "/api/counts", NULL, NULL, NULL, "reader:reader-pw", NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	r = http("GET", BASE "/api/counts", NULL, NULL, NULL, "reader:bad", NULL);
	assert_int_equal(r.status, 401);
	free(r.body);
	/* pages are public (the login form), the API is not */
	r = http("GET", BASE "/", NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.body, "app.js"));
	assert_non_null(strstr(r.ctype, "text/html"));
	free(r.body);
	r = http("GET", BASE "/app.js", NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
}

static void test_base_path(void **state)
{
	(void)state;
	struct resp r = http("GET", "/api/alerts", NULL, admin_cookie, NULL, NULL, NULL);
	assert_int_equal(r.status, 404);
	free(r.body);
	r = http("GET", BASE, NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(r.status, 302);
	free(r.body);
	r = http("GET", BASE "/nope.js", NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(r.status, 404);
	free(r.body);
}

static void test_session_and_roles(void **state)
{
	(void)state;
	json_t *j = get_json(BASE "/api/session", 200);
	assert_string_equal(json_string_value(json_object_get(j, "role")), "admin");
	json_decref(j);
	struct resp r = http("GET", BASE "/api/users", NULL, reader_cookie, NULL, NULL, NULL);
	assert_int_equal(r.status, 403);
	free(r.body);
	j = get_json(BASE "/api/users", 200);
	assert_int_equal(json_array_size(j), 2);
	json_decref(j);
	/* admin adds a user: needs the CSRF token */
	const char *nu = "{\"name\":\"carol\",\"role\":\"readonly\",\"password\":\"c-pw\"}";
	r = http("POST", BASE "/api/users", nu, admin_cookie, NULL, NULL, NULL);
	assert_int_equal(r.status, 403);
	free(r.body);
	r = http("POST", BASE "/api/users", nu, admin_cookie, "wrong", NULL, NULL);
	assert_int_equal(r.status, 403);
	free(r.body);
	r = http("POST", BASE "/api/users", nu, admin_cookie, admin_csrf, NULL, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	r = login("carol", "c-pw");
	assert_int_equal(r.status, 200);
	free(r.body);
	/* a reader cannot post alerts, not even from loopback */
	r = http("POST", BASE "/api/v1/events", "{}", reader_cookie, NULL, NULL, NULL);
	assert_int_equal(r.status, 403);
	free(r.body);
	/* a cross-origin POST is refused even with the token */
	r = http("POST", BASE "/api/users", nu, admin_cookie, admin_csrf, NULL,
		 "Origin: http://evil.example");
	assert_int_equal(r.status, 403);
	free(r.body);
}

static void test_search_filters(void **state)
{
	char q[256];
	(void)state;
	assert_int_equal(search_count(""), N_ALERTS);
	assert_int_equal(search_count("priority=Warning"), expect(-1, 4, 0, 0, 0, 0, 0, 0, 9999));
	assert_int_equal(search_count("priority=%3E%3Dwarning"),
			 expect(4, -1, 0, 0, 0, 0, 0, 0, 9999));
	assert_int_equal(search_count("min_priority=error"), expect(3, -1, 0, 0, 0, 0, 0, 0, 9999));
	assert_int_equal(search_count("priority=Error,Debug"),
			 expect(-1, 3, 0, 0, 0, 0, 0, 0, 9999) +
				 expect(-1, 7, 0, 0, 0, 0, 0, 0, 9999));
	assert_int_equal(search_count("rule=rule-2"),
			 expect(-1, -1, "rule-2", 0, 0, 0, 0, 0, 9999));
	assert_int_equal(search_count("source=k8s_audit"),
			 expect(-1, -1, 0, "k8s_audit", 0, 0, 0, 0, 9999));
	assert_int_equal(search_count("hostname=h1"), expect(-1, -1, 0, 0, "h1", 0, 0, 0, 9999));
	assert_int_equal(search_count("tag=t3"), expect(-1, -1, 0, 0, 0, "t3", 0, 0, 9999));
	assert_int_equal(search_count("tags=t3,all"), expect(-1, -1, 0, 0, 0, "t3", 0, 0, 9999));
	assert_int_equal(search_count("text=needle"), expect(-1, -1, 0, 0, 0, 0, true, 0, 9999));
	assert_int_equal(search_count("rule=rule-0&hostname=h0&priority=%3E%3Dnotice"),
			 expect(5, -1, "rule-0", 0, "h0", 0, 0, 0, 9999));
	assert_int_equal(search_count("rule=nope"), 0);
	/* time range: alerts 100..199 (inclusive bounds, ns precision) */
	snprintf(q, sizeof(q), "since=%" PRIu64 "&until=%" PRIu64,
		 (uint64_t)((t_base + 100 * 10000000000ull) / 1000000),
		 (uint64_t)((t_base + 199 * 10000000000ull) / 1000000));
	assert_int_equal(search_count(q), 100);
	/* RFC 3339 form */
	time_t t = (time_t)(t_base / 1000000000ull + 1000); /* alert 100 */
	struct tm tm;
	gmtime_r(&t, &tm);
	char iso[64];
	strftime(iso, sizeof(iso), "%Y-%m-%dT%H:%M:%SZ", &tm);
	snprintf(q, sizeof(q), "since=%s", iso);
	assert_int_equal(search_count(q), N_ALERTS - 100);
	/* bad input is a 400 with a message */
	json_t *j = get_json(BASE "/api/alerts?priority=loud", 400);
	assert_non_null(json_object_get(j, "error"));
	json_decref(j);
	json_decref(get_json(BASE "/api/alerts?since=yesterday", 400));
}

static void test_paging(void **state)
{
	char path[512], cursor[64] = "";
	unsigned seen[N_ALERTS] = {0}, total = 0, pages = 0;
	(void)state;
	for (;;) {
		snprintf(path, sizeof(path), BASE "/api/alerts?limit=7&priority=%%3E%%3Ddebug%s%s",
			 cursor[0] ? "&cursor=" : "", cursor);
		json_t *j = get_json(path, 200);
		json_t *arr = json_object_get(j, "alerts"), *it;
		size_t i;
		assert_true(json_array_size(arr) <= 7);
		json_array_foreach(arr, i, it)
		{
			json_t *a = json_object_get(it, "alert");
			unsigned seq = (unsigned)json_integer_value(
				json_object_get(json_object_get(a, "output_fields"), "seq"));
			assert_true(seq < N_ALERTS);
			seen[seq]++;
			/* newest first: descending seq (written in order) */
			if (total)
				assert_true(seq < N_ALERTS - total + 1);
			total++;
		}
		pages++;
		json_t *next = json_object_get(j, "next");
		if (!json_is_string(next)) {
			json_decref(j);
			break;
		}
		snprintf(cursor, sizeof(cursor), "%s", json_string_value(next));
		json_decref(j);
		assert_true(pages < 100);
	}
	assert_int_equal(total, N_ALERTS);
	for (unsigned i = 0; i < N_ALERTS; i++)
		assert_int_equal(seen[i], 1);
	/* a small scan budget: partial answer with a cursor to continue */
	json_t *j = get_json(BASE "/api/alerts?limit=50&text=needle&budget=100", 200);
	assert_int_equal(jint(j, "scanned"), 100);
	assert_false(json_is_true(json_object_get(j, "complete")));
	assert_true(json_is_string(json_object_get(j, "next")));
	assert_int_equal(jint(j, "returned"), 2); /* 250 and 200 among the newest 100 */
	json_decref(j);
}

static void test_counts(void **state)
{
	char path[256];
	(void)state;
	snprintf(path, sizeof(path), BASE "/api/counts?by=priority&since=%" PRIu64,
		 t_base / 1000000);
	json_t *j = get_json(path, 200);
	assert_int_equal(jint(j, "total"), N_ALERTS);
	json_t *c = json_object_get(j, "counts");
	assert_int_equal(jint(c, "Warning"), expect(-1, 4, 0, 0, 0, 0, 0, 0, 9999));
	assert_int_equal(jint(c, "Emergency"), expect(-1, 0, 0, 0, 0, 0, 0, 0, 9999));
	json_decref(j);
	static const struct {
		const char *by, *key;
		unsigned n;
	} cases[] = {{"rule", "rule-3", 60}, {"source", "k8s_audit", 30}, {"hostname", "h2", 100},
		     {"tag", "t1", 75},	     {"tag", "all", 300},	  {"tags", "t0", 75}};
	for (size_t i = 0; i < sizeof(cases) / sizeof(cases[0]); i++) {
		snprintf(path, sizeof(path), BASE "/api/counts?by=%s&since=%" PRIu64, cases[i].by,
			 t_base / 1000000);
		j = get_json(path, 200);
		assert_int_equal(jint(json_object_get(j, "counts"), cases[i].key), cases[i].n);
		json_decref(j);
	}
	/* time range by minutes: the first 10 minutes hold alerts 0..59 */
	snprintf(path, sizeof(path),
		 BASE "/api/counts?by=priority&since=%" PRIu64 "&until=%" PRIu64, t_base / 1000000,
		 t_base / 1000000 + 600000 - 1);
	j = get_json(path, 200);
	assert_int_equal(jint(j, "total"), 60);
	json_decref(j);
	json_decref(get_json(BASE "/api/counts?by=colour", 400));
	/* time series: buckets add up to the total, series per value */
	snprintf(path, sizeof(path), BASE "/api/timeseries?by=source&buckets=12&since=%" PRIu64,
		 t_base / 1000000);
	j = get_json(path, 200);
	json_t *tot = json_object_get(j, "totals"), *v;
	size_t i;
	json_int_t sum = 0;
	json_array_foreach(tot, i, v) sum += json_integer_value(v);
	assert_int_equal(sum, N_ALERTS);
	assert_int_equal(json_array_size(tot), jint(j, "buckets"));
	json_t *k8s = json_object_get(json_object_get(j, "series"), "k8s_audit");
	sum = 0;
	json_array_foreach(k8s, i, v) sum += json_integer_value(v);
	assert_int_equal(sum, 30);
	/* the first bucket (alert 0's minute onward) holds alert 0 */
	assert_true(json_integer_value(json_array_get(tot, 0)) > 0);
	json_decref(j);
}

/* Every property of a swagger definition that the response has must have the declared type,
 * and the response may not carry keys the definition does not declare. */
static json_t *swagger;

static void check_shape(json_t *obj, const char *def)
{
	json_t *d = json_object_get(json_object_get(swagger, "definitions"), def);
	json_t *props = json_object_get(d, "properties");
	const char *k;
	json_t *v;
	assert_non_null(props);
	json_object_foreach(obj, k, v)
	{
		json_t *p = json_object_get(props, k);
		if (!p)
			fail_msg("%s: key '%s' not in the swagger", def, k);
		const char *ref = json_string_value(json_object_get(p, "$ref"));
		const char *type = json_string_value(json_object_get(p, "type"));
		if (ref) {
			check_shape(v, strrchr(ref, '/') + 1);
		} else if (!strcmp(type, "string")) {
			assert_true(json_is_string(v));
		} else if (!strcmp(type, "integer")) {
			assert_true(json_is_integer(v));
		} else if (!strcmp(type, "boolean")) {
			assert_true(json_is_boolean(v));
		} else if (!strcmp(type, "array")) {
			assert_true(json_is_array(v));
		} else if (!strcmp(type, "object")) {
			assert_true(json_is_object(v));
			json_t *ap = json_object_get(p, "additionalProperties");
			const char *aref = json_string_value(json_object_get(ap, "$ref"));
			const char *atype = json_string_value(json_object_get(ap, "type"));
			const char *kk;
			json_t *vv;
			json_object_foreach(v, kk, vv)
			{
				if (aref)
					check_shape(vv, strrchr(aref, '/') + 1);
				else if (atype && !strcmp(atype, "integer"))
					assert_true(json_is_integer(vv));
			}
		}
	}
}

static void test_falcosidekick_compat(void **state)
{
	char path[512], sw[512];
	(void)state;
	snprintf(sw, sizeof(sw), "%s/reference/falcosidekick-ui-swagger.json",
		 LANNER_CONFORMANCE_DIR);
	swagger = json_load_file(sw, 0, NULL);
	assert_non_null(swagger);

	/* falcosidekick's web-UI post, with the token (any address) */
	const char *payload =
		"{\"event\":{\"uuid\":\"0d3d4a6e-0000-4000-8000-000000000001\",\"output\":\"12:00:"
		"00.000000000: "
		"Critical Shell spawned "
		"(user=root)\",\"priority\":\"Critical\",\"rule\":\"Terminal shell in "
		"container\",\"time\":\"2026-11-28T12:00:00.123456789Z\",\"output_fields\":{\"user."
		"name\":"
		"\"root\",\"proc.pid\":7,\"evt.time\":1},\"source\":\"syscall\",\"tags\":["
		"\"shell\",\"container\"],"
		"\"hostname\":\"sk-host\"},\"outputs\":[\"WebUI\",\"Slack\"]}";
	struct resp r = http("POST", BASE "/api/v1/events/add", payload, NULL, NULL, NULL, NULL);
	assert_int_equal(r.status, 401); /* token configured: loopback alone is not enough */
	free(r.body);
	r = http("POST", BASE "/api/v1/events/add?token=tok-123", payload, NULL, NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	r = http("POST", BASE "/api/v1/events/add", payload, NULL, NULL, NULL,
		 "Authorization: Bearer tok-123");
	assert_int_equal(r.status, 200);
	free(r.body);
	/* admin session + CSRF */
	r = http("POST", BASE "/api/v1/", payload, admin_cookie, admin_csrf, NULL, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	/* bad bodies name what is wrong */
	r = http("POST", BASE "/api/v1/events/add?token=tok-123", "{\"event\":{\"rule\":\"x\"}}",
		 NULL, NULL, NULL, NULL);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "required"));
	free(r.body);
	r = http("POST", BASE "/api/v1/events?token=tok-123", "{not json", NULL, NULL, NULL, NULL);
	assert_int_equal(r.status, 400);
	assert_non_null(strstr(r.body, "byte"));
	free(r.body);

	/* read endpoints, swagger shapes */
	snprintf(path, sizeof(path),
		 BASE "/api/v1/events/"
		      "count?since=2026-11-28T11:00:00Z&until=2026-11-28T13:00:00Z&rule=Terminal%%"
		      "20shell%%20in%%20container");
	json_t *j = get_json(path, 200);
	check_shape(j, "models.ResultsCount");
	assert_int_equal(jint(json_object_get(j, "statistics"), "all"), 3);
	json_decref(j);
	j = get_json(BASE "/api/v1/events/count/"
			  "priority?since=2026-11-28T11:00:00Z&until=2026-11-28T13:00:00Z",
		     200);
	check_shape(j, "models.ResultsCountBy");
	assert_int_equal(jint(json_object_get(j, "results"), "Critical"), 3);
	json_decref(j);
	j = get_json(BASE "/api/v1/events/count/"
			  "tags?since=2026-11-28T11:00:00Z&until=2026-11-28T13:00:00Z&priority="
			  "critical&source=syscall",
		     200);
	check_shape(j, "models.ResultsCountBy");
	assert_int_equal(jint(json_object_get(j, "results"), "shell"), 3);
	json_decref(j);
	j = get_json(
		BASE
		"/api/v1/events/"
		"search?since=2026-11-28T11:00:00Z&until=2026-11-28T13:00:00Z&priority=critical",
		200);
	check_shape(j, "models.ResultsSearch");
	json_t *res = json_object_get(j, "results");
	assert_int_equal(json_object_size(res), 3);
	assert_int_equal(jint(json_object_get(j, "statistics"), "returned"), 3);
	const char *k;
	json_t *ev;
	json_object_foreach(res, k, ev)
	{
		/* the output's prefix is rebuilt from time and priority, as the emitter writes */
		assert_string_equal(json_string_value(json_object_get(ev, "output")),
				    "12:00:00.123456789: Critical Shell spawned (user=root)");
		assert_string_equal(json_string_value(json_object_get(ev, "hostname")), "sk-host");
		assert_string_equal(json_string_value(json_object_get(ev, "uuid")), k);
	}
	json_decref(j);
	/* paging: limit 2, page 2 holds the third */
	j = get_json(BASE "/api/v1/events/"
			  "search?since=2026-11-28T11:00:00Z&until=2026-11-28T13:00:00Z&priority="
			  "critical&limit=2&page=2",
		     200);
	assert_int_equal(json_object_size(json_object_get(j, "results")), 1);
	assert_int_equal(jint(json_object_get(j, "statistics"), "all"), 3);
	json_decref(j);
	j = get_json(BASE "/api/v1/configuration", 200);
	check_shape(j, "configuration.Configuration");
	assert_string_equal(json_string_value(json_object_get(j, "redis-password")), "");
	json_decref(j);
	j = get_json(BASE "/api/v1/version", 200);
	check_shape(j, "configuration.VersionInfo");
	json_decref(j);
	j = get_json(BASE "/api/v1/outputs", 200);
	assert_true(json_is_array(j));
	assert_int_equal(json_array_size(j), 2);
	json_decref(j);
	r = http("GET", BASE "/api/v1/healthz", NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	json_decref(swagger);
}

/* A posted alert lands in exactly the emitter's layout: same fields, same order, same JSON. */
static void test_post_layout_matches_emitter(void **state)
{
	(void)state;
	struct alert *a = mk(7);
	struct alert_buf js;
	struct alert_fmt f;
	alert_fmt_default(&f);
	f.json_output = true;
	alert_buf_init(&js);
	assert_int_equal(alert_render_json(a, &f, &js), 0);
	char *url = NULL;
	struct resp r =
		http("POST", BASE "/api/v1/events?token=tok-123", js.data, NULL, NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	free(url);
	redisContext *c = h_redis_connect(&redis);
	redisReply *last = h_cmd(c, "XREVRANGE lanner:alerts + - COUNT 1");
	redisReply *orig = h_cmd(c, "XRANGE lanner:alerts - + COUNT 8");
	assert_int_equal(last->elements, 1);
	redisReply *lf = last->element[0]->element[1], *of = orig->element[7]->element[1];
	assert_int_equal(lf->elements, of->elements);
	for (size_t i = 0; i < lf->elements; i++)
		assert_string_equal(lf->element[i]->str, of->element[i]->str);
	freeReplyObject(last);
	freeReplyObject(orig);
	/* counters counted it too, with the retention TTL */
	char key[64];
	snprintf(key, sizeof(key), "lanner:counts:%" PRIu64,
		 (uint64_t)(a->time_ns / 60000000000ull));
	long long ttl = h_int(c, "TTL %s", key);
	assert_true(ttl > 0 && ttl <= 86400);
	redisFree(c);
	alert_buf_fini(&js);
	alert_free(a);
}

struct sse_rx {
	char buf[65536];
	size_t len;
	pthread_mutex_t lock;
};

static size_t sse_body(char *p, size_t sz, size_t n, void *ud)
{
	struct sse_rx *x = ud;
	pthread_mutex_lock(&x->lock);
	size_t l = sz * n;
	if (x->len + l < sizeof(x->buf) - 1) {
		memcpy(x->buf + x->len, p, l);
		x->len += l;
		x->buf[x->len] = '\0';
	}
	pthread_mutex_unlock(&x->lock);
	return l;
}

static struct sse_rx rx;

static void *sse_thread(void *arg)
{
	CURL *c = curl_easy_init();
	char url[256];
	(void)arg;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u" BASE "/api/live", ui_server_port(srv));
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_COOKIE, reader_cookie);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sse_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &rx);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 4L);
	curl_easy_perform(c);
	curl_easy_cleanup(c);
	return NULL;
}

static void test_live_sse(void **state)
{
	pthread_t t;
	(void)state;
	pthread_mutex_init(&rx.lock, NULL);
	pthread_create(&t, NULL, sse_thread, NULL);
	for (int i = 0; i < 100; i++) {
		pthread_mutex_lock(&rx.lock);
		bool up = strstr(rx.buf, ": connected") != NULL;
		pthread_mutex_unlock(&rx.lock);
		if (up)
			break;
		h_msleep(20);
	}
	/* an alert written by the emitter's writer reaches the feed */
	struct alert *a = mk(1);
	alert_set_rule(a, "live-rule-xyz");
	assert_int_equal(ui_ingest_write(ing, &a, 1), 0);
	alert_free(a);
	bool got = false;
	for (int i = 0; i < 100 && !got; i++) {
		pthread_mutex_lock(&rx.lock);
		got = strstr(rx.buf, "data: {") && strstr(rx.buf, "live-rule-xyz");
		pthread_mutex_unlock(&rx.lock);
		h_msleep(20);
	}
	assert_true(got);
	pthread_join(t, NULL);
	pthread_mutex_destroy(&rx.lock);
}

static void test_export(void **state)
{
	(void)state;
	struct resp r = http("GET", BASE "/api/export?format=csv&source=k8s_audit", NULL,
			     admin_cookie, NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.ctype, "text/csv"));
	unsigned lines = 0;
	for (char *p = r.body; (p = strstr(p, "\r\n")); p += 2)
		lines++;
	assert_int_equal(lines, 1 + 30);
	assert_non_null(strstr(r.body, "time,priority,rule,hostname,source,tags,output\r\n"));
	free(r.body);
	r = http("GET", BASE "/api/export?format=json&rule=rule-1&priority=%3E%3Dalert", NULL,
		 admin_cookie, NULL, NULL, NULL);
	json_t *j = json_loads(r.body, 0, NULL);
	assert_true(json_is_array(j));
	assert_int_equal(json_array_size(j), expect(1, -1, "rule-1", 0, 0, 0, 0, 0, 9999));
	json_decref(j);
	free(r.body);
}

static void test_info(void **state)
{
	(void)state;
	json_t *j = get_json(BASE "/api/info", 200);
	json_t *s = json_object_get(j, "stream");
	assert_true(jint(s, "length") >= N_ALERTS);
	assert_true(jint(s, "memory_bytes") > 0);
	assert_true(json_is_true(json_object_get(json_object_get(j, "redis"), "connected")));
	assert_int_equal(jint(json_object_get(j, "retention"), "counter_ttl_s"), 86400);
	json_t *cfg = json_object_get(json_object_get(j, "config"), "redis");
	assert_null(json_object_get(cfg, "password"));
	char *dump = json_dumps(j, 0);
	assert_null(strstr(dump, "tok-123")); /* the ingest token is a secret too */
	free(dump);
	json_decref(j);
}

static void test_logout_and_throttle(void **state)
{
	(void)state;
	struct resp r = login("carol", "c-pw");
	char ck[256], csrf[80];
	snprintf(ck, sizeof(ck), "%s", r.cookie);
	json_t *j = json_loads(r.body, 0, NULL);
	snprintf(csrf, sizeof(csrf), "%s", json_string_value(json_object_get(j, "csrf")));
	json_decref(j);
	free(r.body);
	r = http("POST", BASE "/api/logout", "{}", ck, NULL, NULL, NULL);
	assert_int_equal(r.status, 403);
	free(r.body);
	r = http("POST", BASE "/api/logout", "{}", ck, csrf, NULL, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
	r = http("GET", BASE "/api/session", NULL, ck, NULL, NULL, NULL);
	assert_int_equal(r.status, 401);
	free(r.body);
	/* five failures, then even the right password waits */
	for (int i = 0; i < UI_LOGIN_MAX_FAILS; i++) {
		r = login("carol", "bad");
		assert_int_equal(r.status, 401);
		free(r.body);
	}
	r = login("carol", "c-pw");
	assert_int_equal(r.status, 429);
	free(r.body);
	/* existing sessions are unaffected */
	json_decref(get_json(BASE "/api/session", 200));
}

/* The micro-cache: an identical read within cache_ms is answered from memory, then refreshed. */
static void test_cache(void **state)
{
	(void)state;
	struct ui_opts o = {.listen_addr = "127.0.0.1",
			    .no_auth = true,
			    .scan_budget = 20000,
			    .cache_ms = 400,
			    .ec = &ec};
	struct ui_server *main_srv = srv;
	srv = ui_server_start(&o, st, NULL, ing);
	assert_non_null(srv);
	json_t *a = get_json("/api/counts?by=rule&since=1000h", 200);
	struct alert *al = mk(3);
	al->time_ns = (uint64_t)time(NULL) * 1000000000ull;
	assert_int_equal(ui_ingest_write(ing, &al, 1), 0);
	alert_free(al);
	json_t *b = get_json("/api/counts?by=rule&since=1000h", 200);
	assert_int_equal(jint(a, "total"), jint(b, "total")); /* from the cache */
	json_decref(b);
	h_msleep(450);
	b = get_json("/api/counts?by=rule&since=1000h", 200);
	assert_int_equal(jint(a, "total") + 1, jint(b, "total")); /* refreshed */
	json_decref(a);
	json_decref(b);
	/* another query is another entry */
	b = get_json("/api/counts?by=source&since=1000h", 200);
	assert_non_null(json_object_get(json_object_get(b, "counts"), "syscall"));
	json_decref(b);
	ui_server_stop(srv);
	srv = main_srv;
}

/* HTTPS with MHD's TLS: the session cookie is Secure; plain HTTP is not answered. */
static void test_tls(void **state)
{
	char cmd[1024], cert[300], key[300];
	(void)state;
	snprintf(cert, sizeof(cert), "%s/cert.pem", dir);
	snprintf(key, sizeof(key), "%s/key.pem", dir);
	snprintf(cmd, sizeof(cmd),
		 "openssl req -x509 -newkey rsa:2048 -nodes -keyout %s -out %s -days 1 "
		 "-subj /CN=localhost >/dev/null 2>&1",
		 key, cert);
	if (system(cmd)) {
		fprintf(stderr, "openssl CLI missing: TLS test skipped\n");
		skip();
	}
	struct ui_opts o = {.listen_addr = "127.0.0.1",
			    .users_file = users,
			    .tls_cert = cert,
			    .tls_key = key,
			    .scan_budget = 1000,
			    .ec = &ec};
	struct ui_server *t = ui_server_start(&o, st, auth, ing);
	assert_non_null(t);
	CURL *c = curl_easy_init();
	struct resp r = {0};
	char url[128];
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	snprintf(url, sizeof(url), "https://127.0.0.1:%u/api/login", ui_server_port(t));
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_CAINFO, cert);
	curl_easy_setopt(c, CURLOPT_SSL_VERIFYHOST, 0L); /* CN=localhost, we dial 127.0.0.1 */
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{\"user\":\"reader\",\"password\":\"reader-pw\"}");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, on_body);
	curl_easy_setopt(c, CURLOPT_WRITEDATA, &r);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, on_header);
	curl_easy_setopt(c, CURLOPT_HEADERDATA, &r);
	assert_int_equal(curl_easy_perform(c), CURLE_OK);
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &r.status);
	assert_int_equal(r.status, 200);
	assert_non_null(strstr(r.set_cookie, "; Secure"));
	free(r.body);
	/* plain HTTP to the TLS port gets no HTTP answer */
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/api/login", ui_server_port(t));
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 5L);
	memset(&r, 0, sizeof(r));
	assert_int_not_equal(curl_easy_perform(c), CURLE_OK);
	free(r.body);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
	ui_server_stop(t);
}

/* Retention: the UI's periodic XTRIM bounds a stream whatever its writers did. */
static void test_retention_trim(void **state)
{
	long long removed = 0;
	(void)state;
	redisContext *c = h_redis_connect(&redis);
	long long before = h_int(c, "XLEN lanner:alerts");
	assert_true(before > 200);
	assert_int_equal(ui_store_trim(st, 100, &removed), 0);
	long long after = h_int(c, "XLEN lanner:alerts");
	assert_true(after >= 100 && after < before);
	assert_int_equal(before - after, removed);
	json_t *j = get_json(BASE "/api/info", 200);
	assert_int_equal(jint(json_object_get(j, "stream"), "length"), after);
	json_decref(j);
	redisFree(c);
}

/* Redis going away is a 503 (never a crash or a hang), and the server recovers when it returns. */
static void test_redis_down(void **state)
{
	(void)state;
	h_redis_stop(&redis);
	static const char *const paths[] = {BASE "/api/alerts", BASE "/api/counts",
					    BASE "/api/timeseries", BASE "/api/live",
					    BASE "/api/v1/events/count/rule"};
	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++)
		json_decref(get_json(paths[i], 503));
	struct resp r = http("GET", BASE "/api/v1/healthz", NULL, NULL, NULL, NULL, NULL);
	assert_int_equal(r.status, 500);
	free(r.body);
	r = http("POST", BASE "/api/v1/events?token=tok-123",
		 "{\"rule\":\"r\",\"priority\":\"Error\",\"time\":\"2026-11-28T12:29:06Z\"}", NULL,
		 NULL, NULL, NULL);
	assert_int_equal(r.status, 503);
	free(r.body);
	json_t *j = get_json(BASE "/api/info", 200);
	assert_true(json_is_false(json_object_get(json_object_get(j, "redis"), "connected")));
	json_decref(j);
	/* back (the AOF keeps the data): answers again, no restart of lanner-ui */
	assert_int_equal(h_redis_start(&redis, dir), 0);
	j = get_json(BASE "/api/alerts?limit=1", 200);
	assert_int_equal(json_array_size(json_object_get(j, "alerts")), 1);
	json_decref(j);
	r = http("POST", BASE "/api/v1/events?token=tok-123",
		 "{\"rule\":\"r\",\"priority\":\"Error\",\"time\":\"2026-11-28T12:29:06Z\"}", NULL,
		 NULL, NULL, NULL);
	assert_int_equal(r.status, 200);
	free(r.body);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_auth_required),
		cmocka_unit_test(test_base_path),
		cmocka_unit_test(test_session_and_roles),
		cmocka_unit_test(test_search_filters),
		cmocka_unit_test(test_paging),
		cmocka_unit_test(test_counts),
		cmocka_unit_test(test_falcosidekick_compat),
		cmocka_unit_test(test_post_layout_matches_emitter),
		cmocka_unit_test(test_live_sse),
		cmocka_unit_test(test_export),
		cmocka_unit_test(test_info),
		cmocka_unit_test(test_cache),
		cmocka_unit_test(test_tls),
		cmocka_unit_test(test_logout_and_throttle),
		cmocka_unit_test(test_retention_trim),
		cmocka_unit_test(test_redis_down),
	};
	if (access("/usr/bin/redis-server", X_OK) && system("command -v redis-server >/dev/null")) {
		fprintf(stderr, "SKIP: redis-server not installed\n");
		return 77;
	}
	return cmocka_run_group_tests(tests, setup, teardown);
}
