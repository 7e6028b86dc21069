/* sv_http.h: the supervisor's web server (Falco's `webserver`): /healthz, /versions, /metrics. */
#ifndef LANNER_SV_HTTP_H
#define LANNER_SV_HTTP_H

#include <stdbool.h>

struct sv_http;

/*
 * Serves on addr:port (libmicrohttpd, its own thread). healthz is the
 * health path (Falco's webserver.k8s_healthz_endpoint, "/healthz");
 * metrics says whether /metrics is served (prometheus_metrics_enabled).
 * NULL with errno set (EADDRINUSE...) when it cannot listen.
 */
struct sv_http *sv_http_start(const char *addr, int port, const char *healthz, bool metrics);
/*
 * Replaces what the server answers: the Prometheus text for /metrics, the
 * JSON for /versions, and whether /healthz says ok (200) or not (503).
 * The strings are copied.
 */
void sv_http_publish(struct sv_http *h, const char *metrics, const char *versions, bool healthy);
/* Stops the server and frees it; accepts NULL. */
void sv_http_stop(struct sv_http *h);

#endif
