/* ui_http.h: lanner-ui's HTTP server (libmicrohttpd): pages, REST API, SSE live feed, ingestion. */
#ifndef LANNER_UI_HTTP_H
#define LANNER_UI_HTTP_H

#include <stdbool.h>
#include <stdint.h>

#include "emitter_config.h"
#include "ui_auth.h"
#include "ui_ingest.h"
#include "ui_store.h"

struct ui_opts {
	char listen_addr[64]; /* numeric IPv4/IPv6 address */
	unsigned port;
	char base_path[256]; /* "" or "/prefix" (no trailing slash) */
	bool no_auth;
	const char *users_file;
	const char *tls_cert, *tls_key; /* PEM files; both or neither */
	const char *ingest_token;	/* "" = loopback clients may post without one */
	unsigned session_ttl_s;
	unsigned scan_budget; /* stream entries examined per search request */
	unsigned cache_ms;    /* read answers reused this long (0 = off); single flight */
	const char *config_path;
	const struct emitter_config *ec; /* Redis layout settings (redis: section) */
};

struct ui_server;

/* Starts listening (threads of its own). NULL on failure (logged). */
struct ui_server *ui_server_start(const struct ui_opts *o, struct ui_store *st,
				  struct ui_auth *auth, struct ui_ingest *in);
/* Stops accepting, ends live feeds, waits for the threads. Accepts NULL. */
void ui_server_stop(struct ui_server *s);
/* The port actually bound (useful with port 0). */
unsigned ui_server_port(const struct ui_server *s);

/* Embedded static files (generated at build time from ui/static/). */
struct ui_asset {
	const char *name; /* "index.html" */
	const char *type; /* Content-Type */
	const unsigned char *data;
	size_t len;
};
extern const struct ui_asset ui_assets[];
extern const size_t ui_nassets;

#endif
