/* health_http.h: a stage's own HTTP /healthz (libmicrohttpd): 200 while the stage is ready and its loops beat, 503 otherwise; no nng. */
#ifndef LANNER_HEALTH_HTTP_H
#define LANNER_HEALTH_HTTP_H

#include <getopt.h>
#include <stddef.h>

#include <microhttpd.h>

/*
 * Why a server per stage: Kubernetes and Docker probe containers, and every
 * stage is its own container. Asking the stage over its nng control socket
 * would mean dialling and closing nng sockets on every probe, which Debian's
 * nng 1.5.2 punishes (nanomsg/nng#1518: a peer closing mid-handshake stalls
 * the listener). This server reads two kinds of state the stage writes with
 * plain atomics: "ready" (set once its rings are attached and its loop is
 * about to run) and one heartbeat per loop (the time of its last beat).
 *
 * GET (or HEAD) /healthz:
 *   200 {"status":"ok","stage":S,"pid":P,"beats":{"main":0.012,...}}
 *       ready, and every heartbeat younger than the stale limit (seconds since
 *       each loop's last beat in "beats");
 *   503 {"status":"starting",...} before ready; {"status":"stopping",...}
 *       after health_http_set_ready(h, 0); {"status":"stale","stale":"main",
 *       "age_s":12.3,...} when a loop has not beaten for longer than the limit.
 * Any other path: 404; other methods: 405. The server runs one thread of its
 * own (MHD internal polling) with every signal blocked, so signals keep
 * reaching the stage's threads as before. A stage stopped as a whole
 * (SIGSTOP) does not answer at all: a probe with a timeout fails either way.
 */

/* Stale limit when none is given, in ms: a loop that has not beaten for this long is stuck. */
#define HEALTH_STALE_MS_DEFAULT 10000u
/* Most heartbeats (loops) one stage registers. */
#define HEALTH_MAX_BEATS 4

/* Options every stage accepts (getopt_long codes; HEALTH_HTTP_LONGOPTS in its table). */
#define HEALTH_OPT_LISTEN 0x4801
#define HEALTH_OPT_STALE 0x4802
#define HEALTH_HTTP_LONGOPTS                                                                       \
	{"health-listen", required_argument, NULL, HEALTH_OPT_LISTEN},                             \
	{                                                                                          \
		"health-stale-ms", required_argument, NULL, HEALTH_OPT_STALE                       \
	}
/* For usage texts. */
#define HEALTH_HTTP_USAGE                                                                          \
	"  --health-listen ADDR:PORT  serve GET /healthz there (200 ready and looping,\n"          \
	"                             503 starting/stopping/stuck); [v6addr]:PORT for IPv6\n"      \
	"  --health-stale-ms MS       a loop silent this long makes /healthz 503 (10000)\n"

struct health_http_opts {
	const char *listen; /* "ADDR:PORT" or "[ADDR]:PORT"; NULL: no server */
	unsigned stale_ms;  /* 0: HEALTH_STALE_MS_DEFAULT */
};

/*
 * Takes opt if it is one of HEALTH_OPT_*: returns 1 (taken), 0 (not ours) or
 * -1 after writing why into err (a bad number).
 */
int health_http_parse_opt(struct health_http_opts *o, int opt, const char *arg, char *err,
			  size_t errlen);

/* Splits "ADDR:PORT" / "[V6]:PORT" (port 0..65535). 0, or -EINVAL. */
int health_http_parse_addr(const char *listen, char *addr, size_t addrlen, unsigned *port);

struct health_http;

/*
 * Starts serving (status "starting") for stage name `stage`. Returns NULL
 * with errno set, after writing why into err (bad address, port taken):
 * a stage asked to serve health that cannot is misconfigured and should
 * refuse to start. Call it before creating the stage's own threads or with
 * whatever signal mask; the server thread blocks all signals itself.
 */
struct health_http *health_http_start(const struct health_http_opts *o, const char *stage,
				      char *err, size_t errlen);

/* The bound port (useful with port 0). 0 when h is NULL. */
unsigned health_http_port(const struct health_http *h);

/*
 * Registers a loop to watch ("main", "intake"...; the name is copied) and
 * beats it once. Returns its index for health_http_beat, or -1 when h is NULL
 * or full. Call before health_http_set_ready.
 */
int health_http_add_beat(struct health_http *h, const char *name);

/* The loop `idx` is alive (a relaxed atomic store of a coarse clock: cheap). h may be NULL. */
void health_http_beat(struct health_http *h, int idx);

/* Ready (1: rings attached, loops running) or stopping (0 after having been ready). h may be NULL. */
void health_http_set_ready(struct health_http *h, int ready);

/* Stops the server and frees h. Accepts NULL. */
void health_http_stop(struct health_http *h);

/*
 * Queue a complete answer (BODY copied) with Content-Type TYPE and
 * Cache-Control: no-store; for MHD access handlers (this server's and the
 * supervisor's webserver).
 */
enum MHD_Result health_http_reply(struct MHD_Connection *c, unsigned status, const char *type,
				  const char *body);

#endif
