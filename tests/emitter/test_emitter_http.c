/* test_emitter_http.c: http_output against local libmicrohttpd servers: body and headers as Falco
 * sends them, 500s, a hanging server, closed connections, TLS and mTLS (certificates made here). */
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
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>
#include <gnutls/gnutls.h>
#include <jansson.h>
#include <microhttpd.h>

#include "alert.h"
#include "alert_tx.h"
#include "harness.h"
#include "test_env.h"

#define MAX_REQ 256

enum mode { M_OK, M_500, M_HANG, M_CLOSE, M_MTLS };

struct server {
	struct MHD_Daemon *d;
	unsigned port;
	enum mode mode;
	unsigned bad_left; /* requests still to fail in M_500 / M_HANG / M_CLOSE */
	pthread_mutex_t mu;
	unsigned n;
	char *body[MAX_REQ];
	char ctype[64], agent[64], method[16];
	unsigned refused_no_cert;
};

struct req {
	char *buf;
	size_t len;
};

static enum MHD_Result answer(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *data,
			      size_t *size, void **con_cls)
{
	struct server *s = cls;
	struct req *r = *con_cls;

	if (!r) {
		r = calloc(1, sizeof(*r));
		*con_cls = r;
		return MHD_YES;
	}
	if (*size) {
		r->buf = realloc(r->buf, r->len + *size + 1);
		memcpy(r->buf + r->len, data, *size);
		r->len += *size;
		r->buf[r->len] = '\0';
		*size = 0;
		return MHD_YES;
	}
	unsigned status = 200;
	bool hang = false, close_it = false;
	pthread_mutex_lock(&s->mu);
	if (s->mode == M_MTLS) {
		const union MHD_ConnectionInfo *ci =
			MHD_get_connection_info(c, MHD_CONNECTION_INFO_GNUTLS_SESSION);
		unsigned int n = 0, verify = 1;
		gnutls_session_t ses = ci ? (gnutls_session_t)ci->tls_session : NULL;
		if (!ses || !gnutls_certificate_get_peers(ses, &n) || n == 0 ||
		    gnutls_certificate_verify_peers2(ses, &verify) || verify) {
			status = 403;
			s->refused_no_cert++;
		}
	} else if (s->bad_left) {
		s->bad_left--;
		if (s->mode == M_500)
			status = 500;
		else if (s->mode == M_HANG)
			hang = true;
		else if (s->mode == M_CLOSE)
			close_it = true;
	}
	if (status == 200 && !hang && !close_it && s->n < MAX_REQ) {
		s->body[s->n++] = r->buf ? strdup(r->buf) : strdup("");
		const char *ct = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "Content-Type");
		const char *ua = MHD_lookup_connection_value(c, MHD_HEADER_KIND, "User-Agent");
		snprintf(s->ctype, sizeof(s->ctype), "%s", ct ? ct : "");
		snprintf(s->agent, sizeof(s->agent), "%s", ua ? ua : "");
		snprintf(s->method, sizeof(s->method), "%s", method);
	}
	pthread_mutex_unlock(&s->mu);
	if (hang)
		h_msleep(1500); /* longer than the emitter's output_timeout */
	if (close_it)
		return MHD_NO; /* drops the connection without an answer */
	struct MHD_Response *resp =
		MHD_create_response_from_buffer(2, (void *)"ok", MHD_RESPMEM_PERSISTENT);
	enum MHD_Result ret = MHD_queue_response(c, status, resp);
	MHD_destroy_response(resp);
	return ret;
}

static void completed(void *cls, struct MHD_Connection *c, void **con_cls,
		      enum MHD_RequestTerminationCode toe)
{
	struct req *r = *con_cls;

	if (r) {
		free(r->buf);
		free(r);
	}
	*con_cls = NULL;
}

static char *slurp(const char *path)
{
	char *t = h_read_file(path, NULL);

	assert_non_null(t);
	return t;
}

static void server_start(struct server *s, enum mode m, unsigned bad, const char *certdir,
			 bool mtls)
{
	unsigned flags = MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD;
	char p[512];
	char *key = NULL, *cert = NULL, *ca = NULL;

	memset(s, 0, sizeof(*s));
	pthread_mutex_init(&s->mu, NULL);
	s->mode = m;
	s->bad_left = bad;
	if (certdir) {
		flags |= MHD_USE_TLS;
		snprintf(p, sizeof(p), "%s/srv.key", certdir);
		key = slurp(p);
		snprintf(p, sizeof(p), "%s/srv.crt", certdir);
		cert = slurp(p);
		snprintf(p, sizeof(p), "%s/ca.crt", certdir);
		ca = slurp(p);
	}
	if (certdir && mtls)
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, answer, s,
					MHD_OPTION_NOTIFY_COMPLETED, completed, s,
					MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_MEM_CERT,
					cert, MHD_OPTION_HTTPS_MEM_TRUST, ca, MHD_OPTION_END);
	else if (certdir)
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, answer, s,
					MHD_OPTION_NOTIFY_COMPLETED, completed, s,
					MHD_OPTION_HTTPS_MEM_KEY, key, MHD_OPTION_HTTPS_MEM_CERT,
					cert, MHD_OPTION_END);
	else
		s->d = MHD_start_daemon(flags, 0, NULL, NULL, answer, s,
					MHD_OPTION_NOTIFY_COMPLETED, completed, s, MHD_OPTION_END);
	assert_non_null(s->d);
	s->port = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT)->port;
	free(key);
	free(cert);
	free(ca);
}

static void server_stop(struct server *s)
{
	MHD_stop_daemon(s->d);
	for (unsigned i = 0; i < s->n; i++)
		free(s->body[i]);
}

static unsigned server_count(struct server *s)
{
	pthread_mutex_lock(&s->mu);
	unsigned n = s->n;
	pthread_mutex_unlock(&s->mu);
	return n;
}

struct env {
	char dir[256];
	char cfg[320];
	char intake[320];
	pid_t emitter;
};

static void env_up(struct env *e, const char *dir, const char *http_yaml)
{
	char yaml[8192];

	memset(e, 0, sizeof(*e));
	snprintf(e->dir, sizeof(e->dir), "%s", dir);
	snprintf(e->cfg, sizeof(e->cfg), "%s/lanner.yaml", dir);
	snprintf(e->intake, sizeof(e->intake), "ipc://%s/alerts.sock", dir);
	char cmd[600];
	snprintf(cmd, sizeof(cmd), "rm -rf '%s/spool'", dir);
	assert_int_equal(system(cmd), 0);
	snprintf(yaml, sizeof(yaml),
		 "json_output: true\n"
		 "output_timeout: 300\n"
		 "stdout_output:\n  enabled: false\n"
		 "syslog_output:\n  enabled: false\n"
		 "http_output:\n  enabled: true\n%s"
		 "emitter:\n  intake: %s\n"
		 "  retry_min_ms: 20\n  retry_max_ms: 100\n"
		 "  stats_file: %s/stats.json\n  stats_interval_ms: 100\n"
		 "  spool:\n    dir: %s/spool\n    fsync: never\n",
		 http_yaml, e->intake, dir, dir);
	h_write_file(e->cfg, yaml);
	e->emitter = h_emitter_start(e->cfg, dir);
}

static void env_down(struct env *e)
{
	int st = h_emitter_stop(e->emitter, SIGTERM);
	assert_true(WIFEXITED(st) && WEXITSTATUS(st) == 0);
}

static void send_alerts(struct env *e, unsigned n)
{
	struct alert_tx_opts o = {.ack_timeout_ms = 20000};
	struct alert_tx *tx = alert_tx_open(e->intake, &o);

	assert_non_null(tx);
	for (unsigned i = 0; i < n; i++) {
		struct alert *a = h_alert(i, 2);
		assert_int_equal(alert_tx_add(tx, a), 0);
		alert_free(a);
	}
	assert_int_equal(alert_tx_flush(tx), 0);
	alert_tx_close(tx);
}

static void wait_count(struct server *s, unsigned want)
{
	for (int i = 0; i < 500 && server_count(s) < want; i++)
		h_msleep(20);
	if (server_count(s) < want)
		fail_msg("server got %u requests, want %u", server_count(s), want);
}

static json_int_t stat_of(const char *dir, const char *what)
{
	char path[400];
	snprintf(path, sizeof(path), "%s/stats.json", dir);
	h_msleep(250);
	char *t = h_read_file(path, NULL);
	json_error_t err;
	json_t *j = t ? json_loads(t, 0, &err) : NULL;
	json_int_t v = -1;
	if (j)
		v = json_integer_value(json_object_get(
			json_object_get(json_object_get(j, "outputs"), "http"), what));
	json_decref(j);
	free(t);
	return v;
}

/* The n alerts arrived, each body Falco's JSON of the alert, first arrivals in order. */
static void check_bodies(struct server *s, unsigned n)
{
	struct alert_fmt f;
	struct alert_buf b;
	unsigned next = 0;

	alert_fmt_default(&f);
	f.json_output = true;
	alert_buf_init(&b);
	pthread_mutex_lock(&s->mu);
	for (unsigned i = 0; i < s->n && next < n; i++) {
		struct alert *a = h_alert(next, 2);
		alert_buf_reset(&b);
		alert_render(a, &f, &b);
		alert_free(a);
		if (!strcmp(s->body[i], b.data)) {
			next++;
			continue;
		}
		/* a repeat of the previous alert (at least once after a timeout) is fine */
		if (next) {
			a = h_alert(next - 1, 2);
			alert_buf_reset(&b);
			alert_render(a, &f, &b);
			alert_free(a);
			if (!strcmp(s->body[i], b.data))
				continue;
		}
		fail_msg("request %u: unexpected body %.200s", i, s->body[i]);
	}
	pthread_mutex_unlock(&s->mu);
	assert_int_equal(next, n);
	alert_buf_fini(&b);
}

static char g_dir[256];

static void test_http_plain(void **state)
{
	struct server s;
	struct env e;
	char y[512];

	server_start(&s, M_OK, 0, NULL, false);
	snprintf(y, sizeof(y), "  url: \"http://127.0.0.1:%u/\"\n", s.port);
	env_up(&e, g_dir, y);
	send_alerts(&e, 5);
	wait_count(&s, 5);
	check_bodies(&s, 5);
	assert_int_equal(s.n, 5);
	assert_string_equal(s.ctype, "application/json");
	assert_string_equal(s.agent, "falcosecurity/falco");
	assert_string_equal(s.method, "POST");
	env_down(&e);
	server_stop(&s);
}

static void test_http_500_then_ok(void **state)
{
	struct server s;
	struct env e;
	char y[512];

	server_start(&s, M_500, 3, NULL, false);
	snprintf(y, sizeof(y), "  url: http://127.0.0.1:%u/\n", s.port);
	env_up(&e, g_dir, y);
	send_alerts(&e, 5);
	wait_count(&s, 5);
	check_bodies(&s, 5);
	assert_true(stat_of(g_dir, "failed") >= 3);
	assert_int_equal(stat_of(g_dir, "sent"), 5);
	assert_int_equal(stat_of(g_dir, "dropped"), 0);
	env_down(&e);
	server_stop(&s);
}

static void test_http_hang(void **state)
{
	struct server s;
	struct env e;
	char y[512];

	server_start(&s, M_HANG, 1, NULL, false);
	snprintf(y, sizeof(y), "  url: http://127.0.0.1:%u/\n  max_consecutive_timeouts: 0\n",
		 s.port);
	env_up(&e, g_dir, y);
	send_alerts(&e, 5);
	wait_count(&s, 5);
	check_bodies(&s, 5);
	assert_true(stat_of(g_dir, "failed") >= 1);
	env_down(&e);
	server_stop(&s);
}

static void test_http_close(void **state)
{
	struct server s;
	struct env e;
	char y[512];

	server_start(&s, M_CLOSE, 2, NULL, false);
	snprintf(y, sizeof(y), "  url: http://127.0.0.1:%u/\n", s.port);
	env_up(&e, g_dir, y);
	send_alerts(&e, 5);
	wait_count(&s, 5);
	check_bodies(&s, 5);
	assert_true(stat_of(g_dir, "failed") >= 2);
	env_down(&e);
	server_stop(&s);
}

static void make_certs(const char *d)
{
	char cmd[4096];

	snprintf(cmd, sizeof(cmd),
		 "cd '%s' && printf 'subjectAltName=IP:127.0.0.1,DNS:localhost\\n' > san.ext && "
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		 "-keyout ca.key -out ca.crt -days 2 -subj /CN=lanner-test-ca && "
		 "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "
		 "srv.key -out srv.csr -subj /CN=localhost && "
		 "openssl x509 -req -in srv.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out "
		 "srv.crt -days 2 -extfile san.ext && "
		 "openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "
		 "cli.key -out cli.csr -subj /CN=lanner-emitter && "
		 "openssl x509 -req -in cli.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out "
		 "cli.crt -days 2 && "
		 "openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes "
		 "-keyout other.key -out other.crt -days 2 -subj /CN=other-ca) >/dev/null 2>&1",
		 d);
	/* the subshell's closing parenthesis needs its opening one */
	char full[4200];
	snprintf(full, sizeof(full), "(%s", cmd);
	assert_int_equal(system(full), 0);
}

static void test_https_tls(void **state)
{
	struct server s;
	struct env e;
	char y[1024];

	make_certs(g_dir);
	server_start(&s, M_OK, 0, g_dir, false);
	/* trusted through ca_cert */
	snprintf(y, sizeof(y), "  url: https://127.0.0.1:%u/\n  ca_cert: %s/ca.crt\n", s.port,
		 g_dir);
	env_up(&e, g_dir, y);
	send_alerts(&e, 3);
	wait_count(&s, 3);
	check_bodies(&s, 3);
	env_down(&e);
	/* a CA that did not sign the server: nothing is delivered, alerts stay spooled */
	snprintf(y, sizeof(y), "  url: https://127.0.0.1:%u/\n  ca_bundle: %s/other.crt\n", s.port,
		 g_dir);
	env_up(&e, g_dir, y);
	send_alerts(&e, 2);
	h_msleep(800);
	assert_int_equal(server_count(&s), 3);
	assert_int_equal(stat_of(g_dir, "backlog"), 2);
	assert_true(stat_of(g_dir, "failed") >= 1);
	env_down(&e);
	/* insecure: accepted without verification */
	snprintf(y, sizeof(y), "  url: https://127.0.0.1:%u/\n  insecure: true\n", s.port);
	env_up(&e, g_dir, y);
	send_alerts(&e, 1);
	wait_count(&s, 4);
	env_down(&e);
	server_stop(&s);
}

static void test_https_mtls(void **state)
{
	struct server s;
	struct env e;
	char y[1024];

	make_certs(g_dir);
	server_start(&s, M_MTLS, 0, g_dir, true);
	snprintf(y, sizeof(y),
		 "  url: https://localhost:%u/\n  ca_cert: %s/ca.crt\n  mtls: true\n"
		 "  client_cert: %s/cli.crt\n  client_key: %s/cli.key\n",
		 s.port, g_dir, g_dir, g_dir);
	env_up(&e, g_dir, y);
	send_alerts(&e, 3);
	wait_count(&s, 3);
	check_bodies(&s, 3);
	assert_int_equal(s.refused_no_cert, 0);
	env_down(&e);
	/* without the client certificate the server refuses (403): refused for good, dropped */
	snprintf(y, sizeof(y), "  url: https://localhost:%u/\n  ca_cert: %s/ca.crt\n", s.port,
		 g_dir);
	env_up(&e, g_dir, y);
	send_alerts(&e, 1);
	for (int i = 0; i < 100 && s.refused_no_cert == 0; i++)
		h_msleep(20);
	assert_int_equal(s.refused_no_cert, 1);
	assert_int_equal(stat_of(g_dir, "dropped"), 1);
	assert_int_equal(server_count(&s), 3);
	env_down(&e);
	server_stop(&s);
}

static int setup(void **state)
{
	h_tmpdir(g_dir, sizeof(g_dir), "http");
	return 0;
}

static int teardown(void **state)
{
	if (!getenv("LNR_KEEP_TMP"))
		h_rmrf(g_dir);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_http_plain, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_500_then_ok, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_hang, setup, teardown),
		cmocka_unit_test_setup_teardown(test_http_close, setup, teardown),
		cmocka_unit_test_setup_teardown(test_https_tls, setup, teardown),
		cmocka_unit_test_setup_teardown(test_https_mtls, setup, teardown),
	};
	setenv("TZ", "UTC", 1);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
