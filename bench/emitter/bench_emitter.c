/* bench_emitter.c: alerts/s through lanner-emitter to Redis and to a file, send-to-commit latency,
 * beside redis-benchmark -P 16 XADD on the same server in the same run (the ceiling). */
#include <errno.h>
#include <inttypes.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/time.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include <hiredis/hiredis.h>

#include "alert.h"
#include "alert_tx.h"
#include "harness.h"

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

/* A realistic alert: the size and shape of Falco's "Read sensitive file untrusted". */
static struct alert *bench_alert(unsigned i, uint64_t t)
{
	struct alert *a = alert_new();
	char out[512];

	snprintf(out, sizeof(out),
		 "Sensitive file opened for reading by non-trusted program | file=/etc/shadow "
		 "gparent=bash ggparent=bash evt_type=openat user=root user_uid=0 "
		 "user_loginuid=-1 process=cat proc_exepath=/usr/bin/cat parent=bash command=cat "
		 "/etc/shadow terminal=0 container_id=host seq=%u",
		 i);
	a->priority = ALERT_PRIO_WARNING;
	a->time_ns = t;
	alert_set_rule(a, i % 10 ? "Read sensitive file untrusted" : "Clear Log Activities");
	alert_set_source(a, "syscall");
	alert_set_hostname(a, "bench");
	alert_set_output(a, out);
	const char *tags[] = {"T1555", "container",	  "filesystem",
			      "host",  "maturity_stable", "mitre_credential_access"};
	for (size_t k = 0; k < 6; k++)
		alert_add_tag(a, tags[k]);
	alert_add_string(a, "fd.name", "/etc/shadow");
	alert_add_string(a, "proc.name", "cat");
	alert_add_string(a, "proc.cmdline", "cat /etc/shadow");
	alert_add_string(a, "proc.exepath", "/usr/bin/cat");
	alert_add_string(a, "proc.pname", "bash");
	alert_add_string(a, "user.name", "root");
	alert_add_int64(a, "user.uid", 0);
	alert_add_int64(a, "user.loginuid", -1);
	alert_add_string(a, "evt.type", "openat");
	alert_add_null(a, "container.name");
	alert_add_uint64(a, "seq", i);
	return a;
}

struct sub {
	char sock[300];
	unsigned want, got;
	uint64_t *lat; /* ns from send (alert time) to delivery through pub/sub */
	uint64_t last_ns;
	volatile int ready;
};

static void *sub_main(void *p)
{
	struct sub *s = p;
	redisContext *c = redisConnectUnix(s->sock);
	struct timeval tv = {.tv_sec = 60};

	redisSetTimeout(c, tv);
	freeReplyObject(redisCommand(c, "SUBSCRIBE lanner:alerts"));
	__atomic_store_n(&s->ready, 1, __ATOMIC_RELEASE);
	while (s->got < s->want) {
		redisReply *r = NULL;
		if (redisGetReply(c, (void **)&r) != REDIS_OK || !r)
			break;
		uint64_t t = now_ns();
		if (r->type == REDIS_REPLY_ARRAY && r->elements == 3) {
			/* "time":"...","... the alert time is in output_fields.evt.time */
			const char *p = strstr(r->element[2]->str, "\"evt.time\":");
			if (p) {
				uint64_t sent = strtoull(p + 11, NULL, 10);
				s->lat[s->got++] = t > sent ? t - sent : 0;
			}
		}
		freeReplyObject(r);
		s->last_ns = t;
	}
	redisFree(c);
	return NULL;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static void write_cfg(const char *dir, const char *cfg, const char *sock, bool redis, bool file)
{
	char y[4096];

	snprintf(y, sizeof(y),
		 "json_output: true\nstdout_output:\n  enabled: false\nsyslog_output:\n  enabled: "
		 "false\n"
		 "file_output:\n  enabled: %s\n  keep_alive: true\n  filename: %s/events.txt\n"
		 "buffered_outputs: true\n"
		 "redis:\n  enabled: %s\n  address: %s\n  stream_maxlen: 100000\n"
		 "log_level: warning\n"
		 "emitter:\n  intake: ipc://%s/alerts.sock\n"
		 "  stats_file: %s/stats.json\n  stats_interval_ms: 10\n"
		 "  spool:\n    dir: %s/spool\n    fsync: interval\n",
		 file ? "true" : "false", dir, redis ? "true" : "false", sock, dir, dir, dir);
	h_write_file(cfg, y);
}

/* Sends n alerts (optionally paced at rate/s); returns the elapsed seconds of sending. */
static double send_alerts(const char *intake, unsigned n, double rate)
{
	struct alert_tx_opts o = {.max_batch = 256, .ack_timeout_ms = 60000};
	struct alert_tx *tx = alert_tx_open(intake, &o);
	uint64_t t0 = now_ns();

	for (unsigned i = 0; i < n; i++) {
		if (rate > 0) {
			uint64_t due = t0 + (uint64_t)((double)i * 1e9 / rate), t = now_ns();
			if (t < due) {
				/* sleep, not spin: the machine's cores are the emitter's and Redis's */
				struct timespec ts = {.tv_sec = (time_t)((due - t) / 1000000000u),
						      .tv_nsec = (long)((due - t) % 1000000000u)};
				nanosleep(&ts, NULL);
			}
		}
		struct alert *a = bench_alert(i, now_ns());
		if (alert_tx_add(tx, a)) {
			fprintf(stderr, "bench: send failed\n");
			exit(1);
		}
		alert_free(a);
		if (rate > 0)
			alert_tx_flush(tx); /* latency mode: no batching delay on the sender */
	}
	alert_tx_flush(tx);
	alert_tx_close(tx);
	return (double)(now_ns() - t0) / 1e9;
}

struct result {
	double rate, p50_ms, p99_ms;
};

/* Waits until the output `name` reports n alerts sent (stats.json, every 10 ms). */
static void wait_sent(const char *dir, const char *name, unsigned n)
{
	char path[400], key[64];

	snprintf(path, sizeof(path), "%s/stats.json", dir);
	snprintf(key, sizeof(key), "\"%s\":{\"sent\":", name);
	for (;;) {
		char *st = h_read_file(path, NULL);
		char *p = st ? strstr(st, key) : NULL;
		unsigned long long sent = p ? strtoull(p + strlen(key), NULL, 10) : 0;
		free(st);
		if (sent >= n)
			return;
		h_msleep(2);
	}
}

static struct result run_redis(const char *dir, struct h_redis *r, unsigned n, double pace)
{
	char cfg[400], intake[400];
	struct sub s = {.want = n};
	pthread_t th;
	struct result res = {0};

	snprintf(cfg, sizeof(cfg), "%s/bench.yaml", dir);
	snprintf(intake, sizeof(intake), "ipc://%s/alerts.sock", dir);
	snprintf(s.sock, sizeof(s.sock), "%s", r->sock);
	s.lat = calloc(n, sizeof(*s.lat));
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/spool' '%s/events.txt'", dir, dir);
	if (system(cmd)) {
	}
	redisContext *c = h_redis_connect(r);
	freeReplyObject(redisCommand(c, "FLUSHALL"));
	write_cfg(dir, cfg, r->sock, true, false);
	pid_t em = h_emitter_start(cfg, dir);
	h_msleep(300);
	if (pace <= 0) {
		/* throughput: no subscriber in the way, completion read from the stats */
		uint64_t t0 = now_ns();
		send_alerts(intake, n, 0);
		wait_sent(dir, "redis", n);
		res.rate = (double)n / ((double)(now_ns() - t0) / 1e9);
		h_emitter_stop(em, SIGTERM);
		redisFree(c);
		free(s.lat);
		return res;
	}
	pthread_create(&th, NULL, sub_main, &s);
	while (!__atomic_load_n(&s.ready, __ATOMIC_ACQUIRE))
		h_msleep(5);
	h_msleep(100);
	uint64_t t0 = now_ns();
	send_alerts(intake, n, pace);
	pthread_join(th, NULL);
	if (s.got == n) {
		res.rate = (double)n / ((double)(s.last_ns - t0) / 1e9);
		qsort(s.lat, n, sizeof(*s.lat), cmp_u64);
		res.p50_ms = (double)s.lat[n / 2] / 1e6;
		res.p99_ms = (double)s.lat[(size_t)n * 99 / 100] / 1e6;
	} else {
		fprintf(stderr, "bench: only %u of %u alerts came through\n", s.got, n);
	}
	h_emitter_stop(em, SIGTERM);
	redisFree(c);
	free(s.lat);
	return res;
}

static double run_file(const char *dir, struct h_redis *r, unsigned n)
{
	char cfg[400], intake[400], path[400];

	snprintf(cfg, sizeof(cfg), "%s/bench.yaml", dir);
	snprintf(intake, sizeof(intake), "ipc://%s/alerts.sock", dir);
	snprintf(path, sizeof(path), "%s/events.txt", dir);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/spool' '%s/events.txt'", dir, dir);
	if (system(cmd)) {
	}
	write_cfg(dir, cfg, r->sock, false, true);
	pid_t em = h_emitter_start(cfg, dir);
	h_msleep(300);
	uint64_t t0 = now_ns();
	send_alerts(intake, n, 0);
	wait_sent(dir, "file", n);
	double rate = (double)n / ((double)(now_ns() - t0) / 1e9);
	h_emitter_stop(em, SIGTERM);
	return rate;
}

/* redis-benchmark -P 16 XADD of a payload as big as our alert JSON, on the same server. */
static double run_ceiling(struct h_redis *r, unsigned n, size_t payload)
{
	char *v = malloc(payload + 1), cmd[1 << 14];
	double rps = 0;

	memset(v, 'x', payload);
	v[payload] = '\0';
	snprintf(cmd, sizeof(cmd),
		 "redis-benchmark -s '%s' -P 16 -n %u -q XADD bench:ceiling MAXLEN '~' 100000 '*' "
		 "json %s 2>/dev/null",
		 r->sock, n, v);
	FILE *p = popen(cmd, "r");
	char line[4096];
	while (p && fgets(line, sizeof(line), p)) {
		/* "XADD ...: 123456.79 requests per second, p50=..." (after \r progress lines) */
		char *k = strstr(line, "requests per second");
		if (!k)
			continue;
		char *q = k;
		while (q > line && q[-1] == ' ')
			q--;
		while (q > line && (q[-1] == '.' || (q[-1] >= '0' && q[-1] <= '9')))
			q--;
		rps = strtod(q, NULL);
	}
	if (p)
		pclose(p);
	free(v);
	return rps;
}

static int cmp_d(const void *a, const void *b)
{
	double x = *(const double *)a, y = *(const double *)b;

	return x < y ? -1 : x > y;
}

int main(int argc, char **argv)
{
	unsigned n = argc > 1 ? (unsigned)atoi(argv[1]) : 100000;
	int runs = argc > 2 ? atoi(argv[2]) : 3;
	char dir[256];
	struct h_redis r;
	double ceil[8], thr[8], file[8], lp50[8], lp99[8];

	if (runs < 1 || runs > 8)
		runs = 3;
	setenv("TZ", "UTC", 1);
	h_tmpdir(dir, sizeof(dir), "bench");
	if (h_redis_start(&r, dir)) {
		fprintf(stderr, "bench: redis-server did not start\n");
		return 1;
	}
	/* no AOF for the benchmark: the ceiling and we both run against memory only */
	redisContext *c = h_redis_connect(&r);
	freeReplyObject(redisCommand(c, "CONFIG SET appendonly no"));
	redisFree(c);
	struct alert_fmt f;
	struct alert_buf b;
	alert_fmt_default(&f);
	f.json_output = true;
	alert_buf_init(&b);
	struct alert *a = bench_alert(123456, now_ns());
	alert_render(a, &f, &b);
	size_t payload = b.len;
	alert_free(a);
	alert_buf_fini(&b);
	printf("bench_emitter: %u alerts per run, %d runs, alert JSON %zu bytes, redis on a unix "
	       "socket\n",
	       n, runs, payload);
	for (int i = 0; i < runs; i++) {
		ceil[i] = run_ceiling(&r, n, payload);
		struct result rr = run_redis(dir, &r, n, 0);
		thr[i] = rr.rate;
		struct result rl = run_redis(dir, &r, n / 10, 5000);
		lp50[i] = rl.p50_ms;
		lp99[i] = rl.p99_ms;
		file[i] = run_file(dir, &r, n);
		printf("  run %d: ceiling %.0f XADD/s | redis %.0f alerts/s | latency at 5000/s "
		       "p50 "
		       "%.3f ms, p99 %.3f ms | file %.0f alerts/s\n",
		       i + 1, ceil[i], thr[i], lp50[i], lp99[i], file[i]);
		fflush(stdout);
	}
	qsort(ceil, (size_t)runs, sizeof(double), cmp_d);
	qsort(thr, (size_t)runs, sizeof(double), cmp_d);
	qsort(file, (size_t)runs, sizeof(double), cmp_d);
	qsort(lp50, (size_t)runs, sizeof(double), cmp_d);
	qsort(lp99, (size_t)runs, sizeof(double), cmp_d);
	int m = runs / 2;
	printf("median: redis-benchmark -P 16 XADD ceiling %.0f/s; emitter -> Redis %.0f alerts/s "
	       "(%.0f%% of the ceiling); latency send -> Redis commit at 5000/s: p50 %.3f ms, p99 "
	       "%.3f ms; emitter -> file %.0f alerts/s\n",
	       ceil[m], thr[m], ceil[m] > 0 ? 100.0 * thr[m] / ceil[m] : 0, lp50[m], lp99[m],
	       file[m]);
	h_redis_stop(&r);
	h_rmrf(dir);
	return 0;
}
