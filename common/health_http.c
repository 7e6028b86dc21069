/* health_http.c: a stage's own HTTP /healthz on libmicrohttpd, fed by atomics the stage's loops write (no nng, see health_http.h). */
#include "health_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

#include <microhttpd.h>

enum { HH_STARTING, HH_READY, HH_STOPPING };

struct health_http {
	struct MHD_Daemon *d;
	unsigned port;
	unsigned stale_ms;
	char stage[64];
	atomic_int state;
	atomic_int nbeats; /* registered loops; names are written before the count grows */
	char names[HEALTH_MAX_BEATS][24];
	_Atomic uint64_t
		last_ms[HEALTH_MAX_BEATS]; /* CLOCK_MONOTONIC ms of each loop's last beat */
};

/* Coarse monotonic milliseconds: a vDSO read, a few ns (loops beat often). */
static uint64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	return (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
}

int health_http_parse_addr(const char *listen, char *addr, size_t addrlen, unsigned *port)
{
	const char *colon, *host = listen;
	size_t hlen;
	char *end;
	unsigned long p;

	if (!listen || !*listen)
		return -EINVAL;
	if (*listen == '[') {
		const char *close = strchr(listen, ']');

		if (!close || close[1] != ':')
			return -EINVAL;
		host = listen + 1;
		hlen = (size_t)(close - host);
		colon = close + 1;
	} else {
		colon = strrchr(listen, ':');
		if (!colon || strchr(listen, ':') != colon)
			return -EINVAL;
		hlen = (size_t)(colon - listen);
	}
	if (hlen == 0 || hlen >= addrlen || !colon[1])
		return -EINVAL;
	errno = 0;
	p = strtoul(colon + 1, &end, 10);
	if (errno || *end || p > 65535 || colon[1] == '-' || colon[1] == '+')
		return -EINVAL;
	memcpy(addr, host, hlen);
	addr[hlen] = '\0';
	*port = (unsigned)p;
	return 0;
}

int health_http_parse_opt(struct health_http_opts *o, int opt, const char *arg, char *err,
			  size_t errlen)
{
	char a[64];
	unsigned port;
	char *end;
	unsigned long v;

	switch (opt) {
	case HEALTH_OPT_LISTEN:
		if (health_http_parse_addr(arg, a, sizeof(a), &port) != 0) {
			snprintf(err, errlen, "--health-listen '%s': want ADDR:PORT or [ADDR]:PORT",
				 arg);
			return -1;
		}
		o->listen = arg;
		return 1;
	case HEALTH_OPT_STALE:
		errno = 0;
		v = strtoul(arg, &end, 10);
		if (errno || *end || !*arg || *arg == '-' || v < 1 || v > 3600000) {
			snprintf(err, errlen, "--health-stale-ms '%s': want 1..3600000", arg);
			return -1;
		}
		o->stale_ms = (unsigned)v;
		return 1;
	default:
		return 0;
	}
}

enum MHD_Result health_http_reply(struct MHD_Connection *c, unsigned status, const char *type,
				  const char *body)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(body), (void *)body, MHD_RESPMEM_MUST_COPY);
	enum MHD_Result rc;

	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	MHD_add_response_header(r, "Cache-Control", "no-store");
	rc = MHD_queue_response(c, status, r);
	MHD_destroy_response(r);
	return rc;
}

/* The /healthz answer: status code and JSON body (stage names are [A-Za-z0-9._-]). */
static unsigned healthz(struct health_http *h, char *body, size_t n)
{
	static const char *const names[] = {"starting", "ok", "stopping"};
	int st = atomic_load(&h->state), nb = atomic_load(&h->nbeats);
	uint64_t now = now_ms(), worst = 0;
	int stale = -1;
	size_t len;
	unsigned code;

	for (int i = 0; i < nb; i++) {
		uint64_t last = atomic_load_explicit(&h->last_ms[i], memory_order_relaxed);
		uint64_t age = now > last ? now - last : 0;

		if (age > h->stale_ms && age > worst) {
			worst = age;
			stale = i;
		}
	}
	code = st == HH_READY && stale < 0 ? 200 : 503;
	len = (size_t)snprintf(body, n, "{\"status\":\"%s\",\"stage\":\"%s\",\"pid\":%ld",
			       st == HH_READY && stale >= 0 ? "stale" : names[st], h->stage,
			       (long)getpid());
	if (stale >= 0 && len < n)
		len += (size_t)snprintf(body + len, n - len, ",\"stale\":\"%s\",\"age_s\":%.3f",
					h->names[stale], (double)worst / 1000.0);
	if (len < n)
		len += (size_t)snprintf(body + len, n - len, ",\"stale_limit_s\":%.3f,\"beats\":{",
					(double)h->stale_ms / 1000.0);
	for (int i = 0; i < nb && len < n; i++) {
		uint64_t last = atomic_load_explicit(&h->last_ms[i], memory_order_relaxed);

		len += (size_t)snprintf(body + len, n - len, "%s\"%s\":%.3f", i ? "," : "",
					h->names[i],
					(double)(now > last ? now - last : 0) / 1000.0);
	}
	if (len < n)
		snprintf(body + len, n - len, "}}\n");
	return code;
}

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	struct health_http *h = cls;
	char body[512];
	unsigned code;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return health_http_reply(c, 405, "text/plain", "method not allowed\n");
	if (strcmp(url, "/healthz") != 0)
		return health_http_reply(c, 404, "text/plain", "not found\n");
	code = healthz(h, body, sizeof(body));
	return health_http_reply(c, code, "application/json", body);
}

/* The listening socket, made here so that bind's errno (EADDRINUSE...) can be told. */
static int listen_socket(const char *addr, unsigned port, unsigned *bound, int *v6)
{
	struct sockaddr_storage ss;
	socklen_t sl;
	int fd, one = 1;

	memset(&ss, 0, sizeof(ss));
	*v6 = 0;
	if (inet_pton(AF_INET, addr, &((struct sockaddr_in *)&ss)->sin_addr) == 1) {
		((struct sockaddr_in *)&ss)->sin_family = AF_INET;
		((struct sockaddr_in *)&ss)->sin_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in);
	} else if (inet_pton(AF_INET6, addr, &((struct sockaddr_in6 *)&ss)->sin6_addr) == 1) {
		((struct sockaddr_in6 *)&ss)->sin6_family = AF_INET6;
		((struct sockaddr_in6 *)&ss)->sin6_port = htons((uint16_t)port);
		sl = sizeof(struct sockaddr_in6);
		*v6 = 1;
	} else {
		return -EINVAL; /* numeric addresses only: no resolver at start-up */
	}
	fd = socket(ss.ss_family, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (bind(fd, (struct sockaddr *)&ss, sl) != 0 || listen(fd, 16) != 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	sl = sizeof(ss);
	if (getsockname(fd, (struct sockaddr *)&ss, &sl) != 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	*bound = ntohs(*v6 ? ((struct sockaddr_in6 *)&ss)->sin6_port
			   : ((struct sockaddr_in *)&ss)->sin_port);
	return fd;
}

struct health_http *health_http_start(const struct health_http_opts *o, const char *stage,
				      char *err, size_t errlen)
{
	struct health_http *h;
	char addr[64];
	unsigned port;
	int fd, v6;
	sigset_t all, old;

	if (!o || !o->listen || health_http_parse_addr(o->listen, addr, sizeof(addr), &port)) {
		snprintf(err, errlen, "health: bad listen address '%s'",
			 o && o->listen ? o->listen : "");
		errno = EINVAL;
		return NULL;
	}
	h = calloc(1, sizeof(*h));
	if (!h) {
		snprintf(err, errlen, "health: out of memory");
		return NULL;
	}
	snprintf(h->stage, sizeof(h->stage), "%s", stage ? stage : "stage");
	h->stale_ms = o->stale_ms ? o->stale_ms : HEALTH_STALE_MS_DEFAULT;
	fd = listen_socket(addr, port, &h->port, &v6);
	if (fd < 0) {
		snprintf(err, errlen, "health: cannot listen on %s: %s", o->listen,
			 fd == -EINVAL ? "not a numeric IPv4/IPv6 address" : strerror(-fd));
		free(h);
		errno = -fd;
		return NULL;
	}
	/* the server thread inherits this mask: no signal is ever delivered to it */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_POLL |
					(v6 ? MHD_USE_IPv6 : 0),
				(uint16_t)h->port, NULL, NULL, handle, h, MHD_OPTION_LISTEN_SOCKET,
				fd, MHD_OPTION_CONNECTION_LIMIT, 32u, MHD_OPTION_CONNECTION_TIMEOUT,
				5u, MHD_OPTION_END);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (!h->d) {
		snprintf(err, errlen, "health: cannot start the HTTP server on %s", o->listen);
		close(fd);
		free(h);
		errno = ENOMEM;
		return NULL;
	}
	return h;
}

unsigned health_http_port(const struct health_http *h)
{
	return h ? h->port : 0;
}

int health_http_add_beat(struct health_http *h, const char *name)
{
	int i;

	if (!h)
		return -1;
	i = atomic_load(&h->nbeats);
	if (i >= HEALTH_MAX_BEATS)
		return -1;
	snprintf(h->names[i], sizeof(h->names[i]), "%s", name ? name : "main");
	atomic_store(&h->last_ms[i], now_ms());
	atomic_store(&h->nbeats, i + 1); /* after the name: the server reads names[0..nbeats) */
	return i;
}

void health_http_beat(struct health_http *h, int idx)
{
	if (h && idx >= 0 && idx < HEALTH_MAX_BEATS)
		atomic_store_explicit(&h->last_ms[idx], now_ms(), memory_order_relaxed);
}

void health_http_set_ready(struct health_http *h, int ready)
{
	if (!h)
		return;
	if (ready) {
		/* loops start from now, not from their registration */
		for (int i = 0; i < atomic_load(&h->nbeats); i++)
			atomic_store(&h->last_ms[i], now_ms());
		atomic_store(&h->state, HH_READY);
	} else if (atomic_load(&h->state) == HH_READY) {
		atomic_store(&h->state, HH_STOPPING);
	}
}

void health_http_stop(struct health_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d); /* joins its thread and closes the listening socket */
	free(h);
}
