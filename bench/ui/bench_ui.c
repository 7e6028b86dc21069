/* bench_ui.c: lanner-ui with 100,000 alerts in Redis and 50 concurrent API clients (keep-alive,
 * loopback) for 30 s: p50/p99 per endpoint, requests/s, the server's RSS; plus one client
 * alone (what a page waits for) and direct Redis reads as the ceiling.
 * Env: BENCH_UI_ALERTS (100000), BENCH_UI_CLIENTS (50), BENCH_UI_SECONDS (30),
 * BENCH_UI_CACHE_MS (lanner-ui --cache-ms, default 1000; 0 = no micro-cache). */
#include <curl/curl.h>
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "harness.h"
#include "log.h"
#include "out_redis.h"
#include "output.h"

static const char *const endpoints[] = {
	"/api/alerts?limit=50",
	"/api/alerts?limit=50&priority=%3E%3Dwarning",
	"/api/alerts?limit=50&rule=rule-7&hostname=node-3",
	"/api/alerts?limit=50&text=needle",
	"/api/counts?by=rule&since=24h",
	"/api/timeseries?by=priority&since=24h&buckets=60",
	"/api/v1/events/count/priority?since=24h",
	"/api/info",
};
#define NEP (sizeof(endpoints) / sizeof(endpoints[0]))
#define MAX_SAMPLES 2000000

static unsigned port;
static atomic_bool stop;
static double *samples[NEP]; /* ms */
static atomic_size_t nsamples[NEP];
static atomic_ulong errors;

static double now_ms(void)
{
	struct timespec ts;
	clock_gettime(CLOCK_MONOTONIC, &ts);
	return ts.tv_sec * 1e3 + ts.tv_nsec / 1e6;
}

static size_t sink(char *p, size_t s, size_t n, void *u)
{
	(void)p, (void)u;
	return s * n;
}

static CURL *client(void)
{
	CURL *c = curl_easy_init();
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_setopt(c, CURLOPT_TIMEOUT, 30L);
	curl_easy_setopt(c, CURLOPT_USERPWD, "bench:bench-pw");
	return c;
}

/* One request; returns ms or -1. Basic auth costs a yescrypt check per request: the bench
 * logs in once per client and uses the session cookie instead, as the browser does. */
static double get(CURL *c, const char *path)
{
	char url[512];
	long status = 0;
	snprintf(url, sizeof(url), "http://127.0.0.1:%u%s", port, path);
	curl_easy_setopt(c, CURLOPT_URL, url);
	double t0 = now_ms();
	CURLcode e = curl_easy_perform(c);
	double dt = now_ms() - t0;
	curl_easy_getinfo(c, CURLINFO_RESPONSE_CODE, &status);
	return e == CURLE_OK && status == 200 ? dt : -1;
}

static char cookie[256];

static size_t hdr(char *p, size_t s, size_t n, void *u)
{
	(void)u;
	if (s * n > 12 && !strncasecmp(p, "Set-Cookie: ", 12))
		snprintf(cookie, sizeof(cookie), "%.*s", (int)strcspn(p + 12, ";\r\n"), p + 12);
	return s * n;
}

static void login(void)
{
	CURL *c = curl_easy_init();
	char url[256];
	struct curl_slist *h = curl_slist_append(NULL, "Content-Type: application/json");
	snprintf(url, sizeof(url), "http://127.0.0.1:%u/api/login", port);
	curl_easy_setopt(c, CURLOPT_URL, url);
	curl_easy_setopt(c, CURLOPT_POSTFIELDS, "{\"user\":\"bench\",\"password\":\"bench-pw\"}");
	curl_easy_setopt(c, CURLOPT_HTTPHEADER, h);
	curl_easy_setopt(c, CURLOPT_HEADERFUNCTION, hdr);
	curl_easy_setopt(c, CURLOPT_WRITEFUNCTION, sink);
	curl_easy_perform(c);
	curl_slist_free_all(h);
	curl_easy_cleanup(c);
}

static void *worker(void *arg)
{
	unsigned k = (unsigned)(uintptr_t)arg;
	CURL *c = client();
	curl_easy_setopt(c, CURLOPT_USERPWD, NULL);
	curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
	while (!atomic_load(&stop)) {
		size_t e = k++ % NEP;
		double dt = get(c, endpoints[e]);
		if (dt < 0) {
			atomic_fetch_add(&errors, 1);
			continue;
		}
		size_t i = atomic_fetch_add(&nsamples[e], 1);
		if (i < MAX_SAMPLES)
			samples[e][i] = dt;
	}
	curl_easy_cleanup(c);
	return NULL;
}

static int cmpd(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;
	return x < y ? -1 : x > y;
}

static double pct(double *v, size_t n, double p)
{
	if (!n)
		return 0;
	size_t i = (size_t)(p * (double)(n - 1) + 0.5);
	return v[i];
}

static long rss_kb(pid_t pid, const char *field)
{
	char path[64], line[256];
	long v = -1;
	snprintf(path, sizeof(path), "/proc/%d/status", (int)pid);
	FILE *f = fopen(path, "r");
	if (!f)
		return -1;
	while (fgets(line, sizeof(line), f))
		if (!strncmp(line, field, strlen(field)))
			v = strtol(line + strlen(field) + 1, NULL, 10);
	fclose(f);
	return v;
}

static unsigned envu(const char *k, unsigned def)
{
	const char *v = getenv(k);
	return v && *v ? (unsigned)strtoul(v, NULL, 10) : def;
}

/* Realistic alerts: Falco-like outputs and fields, spread over the last 24 h. */
static struct alert *mk(unsigned i, unsigned n, uint64_t now_ns)
{
	struct alert *a = alert_new();
	char b[256];
	snprintf(b, sizeof(b), "rule-%u", (i * 7919u) % 40);
	alert_set_rule(a, b);
	alert_set_source(a, i % 10 ? "syscall" : "k8s_audit");
	snprintf(b, sizeof(b), "node-%u", i % 20);
	alert_set_hostname(a, b);
	snprintf(b, sizeof(b),
		 "File below /etc opened for writing (user=root user_loginuid=-1 command=vi "
		 "/etc/file%u pid=%u parent=bash file=/etc/file%u program=vi gparent=sshd "
		 "container_id=host image=<NA>)%s",
		 i, 1000 + i, i, i % 997 == 0 ? " needle" : "");
	alert_set_output(a, b);
	a->priority = (enum alert_priority)((i * 31u) % 8);
	a->time_ns = now_ns - (uint64_t)(n - i) * (86400000000000ull / n);
	alert_add_tag(a, "filesystem");
	alert_add_tag(a, i % 2 ? "mitre_persistence" : "T1098");
	alert_add_tag(a, "host");
	snprintf(b, sizeof(b), "/etc/file%u", i);
	alert_add_string(a, "fd.name", b);
	alert_add_string(a, "proc.name", "vi");
	alert_add_string(a, "proc.cmdline", "vi /etc/passwd");
	alert_add_string(a, "user.name", "root");
	alert_add_int64(a, "proc.pid", 1000 + i);
	alert_add_string(a, "container.id", "host");
	alert_add_null(a, "container.image.repository");
	return a;
}

int main(void)
{
	unsigned nalerts = envu("BENCH_UI_ALERTS", 100000), nclients = envu("BENCH_UI_CLIENTS", 50),
		 secs = envu("BENCH_UI_SECONDS", 30);
	char dir[256], ovaddr[400], users[300], err[256];
	struct h_redis redis;
	struct emitter_config ec;
	char *ov[1];
	pid_t ui = -1;
	int rc = 1;

	log_set_level(LOG_LVL_WARNING);
	signal(SIGPIPE, SIG_IGN);
	h_tmpdir(dir, sizeof(dir), "bench-ui");
	if (h_redis_start(&redis, dir))
		return 1;
	snprintf(ovaddr, sizeof(ovaddr), "redis.address=%s", redis.sock);
	ov[0] = ovaddr;
	if (ecfg_load(&ec, NULL, ov, 1, err, sizeof(err))) {
		fprintf(stderr, "%s\n", err);
		goto out;
	}
	/* the emitter's writer, batches of 512 as lanner-emitter sends them */
	void *priv = NULL;
	out_redis_init(&ec, "bench", &priv);
	struct timespec ts;
	clock_gettime(CLOCK_REALTIME, &ts);
	uint64_t now = (uint64_t)ts.tv_sec * 1000000000ull;
	double tw = now_ms();
	for (unsigned i = 0; i < nalerts; i += 512) {
		struct output_item it[512];
		size_t n = nalerts - i < 512 ? nalerts - i : 512, done = 0;
		for (size_t k = 0; k < n; k++) {
			it[k].a = mk(i + (unsigned)k, nalerts, now);
			it[k].end = i + k + 1;
			it[k].rejected = false;
		}
		if (out_redis_ops.deliver(priv, it, n, &done)) {
			fprintf(stderr, "bench: writing alerts failed\n");
			goto out;
		}
		for (size_t k = 0; k < n; k++)
			alert_free(it[k].a);
	}
	out_redis_ops.destroy(priv);
	redisContext *rcx = h_redis_connect(&redis);
	long long xlen = h_int(rcx, "XLEN lanner:alerts");
	redisReply *mem = h_cmd(rcx, "MEMORY USAGE lanner:alerts");
	printf("bench_ui: %lld alerts written by out_redis in %.1f s; stream %.1f MiB in Redis\n",
	       xlen, (now_ms() - tw) / 1e3, mem->integer / 1048576.0);
	freeReplyObject(mem);

	snprintf(users, sizeof(users), "%s/users", dir);
	char cmd[1024];
	snprintf(cmd, sizeof(cmd),
		 "echo bench-pw | %s --users-file %s --add-user bench --role readonly 2>/dev/null",
		 LANNER_UI_BIN, users);
	if (system(cmd)) {
		fprintf(stderr, "bench: --add-user failed\n");
		goto out;
	}
	port = 20000 + (unsigned)(getpid() % 20000);
	ui = fork();
	if (ui == 0) {
		char listen[64], logp[400];
		snprintf(listen, sizeof(listen), "127.0.0.1:%u", port);
		snprintf(logp, sizeof(logp), "%s/ui.log", dir);
		freopen(logp, "w", stderr);
		const char *cms = getenv("BENCH_UI_CACHE_MS");
		execl(LANNER_UI_BIN, "lanner-ui", "--redis", redis.sock, "--users-file", users,
		      "--listen", listen, "--cache-ms", cms && *cms ? cms : "1000", (char *)NULL);
		_exit(127);
	}
	curl_global_init(CURL_GLOBAL_ALL);
	for (int i = 0; i < 100 && !cookie[0]; i++) {
		h_msleep(50);
		login();
	}
	if (!cookie[0]) {
		fprintf(stderr, "bench: lanner-ui did not come up (see %s/ui.log)\n", dir);
		goto out;
	}
	printf("lanner-ui RSS idle: %ld kB\n", rss_kb(ui, "VmRSS:"));

	/* one client alone: what a page waits for */
	printf("\none client, no load, cache missed (median of 15):\n");
	CURL *c = client();
	curl_easy_setopt(c, CURLOPT_USERPWD, NULL);
	curl_easy_setopt(c, CURLOPT_COOKIE, cookie);
	for (size_t e = 0; e < NEP; e++) {
		double v[15];
		for (int i = 0; i < 15; i++) {
			/* a unique parameter: every request misses the server's micro-cache */
			char p[512];
			snprintf(p, sizeof(p), "%s%cnocache=%d", endpoints[e],
				 strchr(endpoints[e], '?') ? '&' : '?', i);
			v[i] = get(c, p);
		}
		qsort(v, 15, sizeof(v[0]), cmpd);
		printf("  %-52s %8.2f ms\n", endpoints[e], v[7]);
	}
	curl_easy_cleanup(c);
	/* ceiling: the same reads straight from Redis */
	double v[15];
	for (int i = 0; i < 15; i++) {
		double t0 = now_ms();
		freeReplyObject(h_cmd(rcx, "XREVRANGE lanner:alerts + - COUNT 50"));
		v[i] = now_ms() - t0;
	}
	qsort(v, 15, sizeof(v[0]), cmpd);
	printf("  ceiling: XREVRANGE COUNT 50 straight from Redis     %8.2f ms\n", v[7]);
	redisFree(rcx);

	for (size_t e = 0; e < NEP; e++)
		samples[e] = malloc(MAX_SAMPLES * sizeof(double));
	pthread_t th[256];
	if (nclients > 256)
		nclients = 256;
	double t0 = now_ms();
	long peak = 0;
	for (unsigned i = 0; i < nclients; i++)
		pthread_create(&th[i], NULL, worker, (void *)(uintptr_t)i);
	while (now_ms() - t0 < secs * 1e3) {
		h_msleep(500);
		long r = rss_kb(ui, "VmRSS:");
		if (r > peak)
			peak = r;
	}
	atomic_store(&stop, true);
	for (unsigned i = 0; i < nclients; i++)
		pthread_join(th[i], NULL);
	double el = (now_ms() - t0) / 1e3;
	size_t total = 0;
	printf("\n%u clients, %u s, keep-alive, loopback, --cache-ms %s:\n", nclients, secs,
	       getenv("BENCH_UI_CACHE_MS") ? getenv("BENCH_UI_CACHE_MS") : "1000");
	printf("  %-52s %8s %8s %8s %8s\n", "endpoint", "n", "p50 ms", "p99 ms", "max ms");
	for (size_t e = 0; e < NEP; e++) {
		size_t n = atomic_load(&nsamples[e]);
		if (n > MAX_SAMPLES)
			n = MAX_SAMPLES;
		qsort(samples[e], n, sizeof(double), cmpd);
		printf("  %-52s %8zu %8.2f %8.2f %8.2f\n", endpoints[e], n, pct(samples[e], n, 0.5),
		       pct(samples[e], n, 0.99), n ? samples[e][n - 1] : 0);
		total += n;
		free(samples[e]);
	}
	printf("  total %zu requests, %.0f req/s, %lu errors\n", total, total / el,
	       atomic_load(&errors));
	printf("lanner-ui RSS: peak %ld kB during the run (VmHWM %ld kB)\n", peak,
	       rss_kb(ui, "VmHWM:"));
	rc = atomic_load(&errors) ? 1 : 0;
out:
	if (ui > 0) {
		kill(ui, SIGTERM);
		waitpid(ui, NULL, 0);
	}
	h_redis_stop(&redis);
	h_rmrf(dir);
	return rc;
}
