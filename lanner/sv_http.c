/* sv_http.c: the supervisor's web server on libmicrohttpd: answers from the last published snapshot. */
#include "sv_http.h"

#include "health_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <microhttpd.h>

struct sv_http {
	struct MHD_Daemon *d;
	pthread_mutex_t lock; /* guards the three fields below (MHD's thread reads them) */
	char *metrics;
	char *versions;
	bool healthy;
	char healthz[128];
	bool with_metrics;
};

static enum MHD_Result handle(void *cls, struct MHD_Connection *c, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_len, void **state)
{
	struct sv_http *h = cls;
	enum MHD_Result rc;

	(void)version;
	(void)upload;
	(void)upload_len;
	(void)state;
	if (strcmp(method, "GET") != 0 && strcmp(method, "HEAD") != 0)
		return health_http_reply(c, 405, "text/plain", "method not allowed\n");
	pthread_mutex_lock(&h->lock);
	if (strcmp(url, h->healthz) == 0)
		rc = h->healthy ? health_http_reply(c, 200, "application/json",
						    "{\"status\": \"ok\"}\n")
				: health_http_reply(c, 503, "application/json",
						    "{\"status\": \"starting or degraded\"}\n");
	else if (strcmp(url, "/versions") == 0)
		rc = health_http_reply(c, 200, "application/json",
				       h->versions ? h->versions : "{}");
	else if (strcmp(url, "/metrics") == 0 && h->with_metrics)
		rc = health_http_reply(c, 200, "text/plain; version=0.0.4",
				       h->metrics ? h->metrics : "");
	else
		rc = health_http_reply(c, 404, "text/plain", "not found\n");
	pthread_mutex_unlock(&h->lock);
	return rc;
}

struct sv_http *sv_http_start(const char *addr, int port, const char *healthz, bool metrics)
{
	struct sv_http *h = calloc(1, sizeof(*h));
	struct sockaddr_in sa;

	if (!h)
		return NULL;
	memset(&sa, 0, sizeof(sa));
	sa.sin_family = AF_INET;
	sa.sin_port = htons((uint16_t)port);
	if (inet_pton(AF_INET, addr ? addr : "0.0.0.0", &sa.sin_addr) != 1 || port <= 0 ||
	    port > 65535) {
		free(h);
		errno = EINVAL;
		return NULL;
	}
	pthread_mutex_init(&h->lock, NULL);
	snprintf(h->healthz, sizeof(h->healthz), "%s", healthz && *healthz ? healthz : "/healthz");
	h->with_metrics = metrics;
	h->d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, (uint16_t)port, NULL, NULL, handle,
				h, MHD_OPTION_SOCK_ADDR, (struct sockaddr *)&sa,
				MHD_OPTION_CONNECTION_TIMEOUT, 10u, MHD_OPTION_END);
	if (!h->d) {
		pthread_mutex_destroy(&h->lock);
		free(h);
		errno = EADDRINUSE; /* MHD does not say why; a busy port is the usual cause */
		return NULL;
	}
	return h;
}

void sv_http_publish(struct sv_http *h, const char *metrics, const char *versions, bool healthy)
{
	char *m = metrics ? strdup(metrics) : NULL, *v = versions ? strdup(versions) : NULL;

	pthread_mutex_lock(&h->lock);
	free(h->metrics);
	free(h->versions);
	h->metrics = m;
	h->versions = v;
	h->healthy = healthy;
	pthread_mutex_unlock(&h->lock);
}

void sv_http_stop(struct sv_http *h)
{
	if (!h)
		return;
	MHD_stop_daemon(h->d);
	pthread_mutex_destroy(&h->lock);
	free(h->metrics);
	free(h->versions);
	free(h);
}
