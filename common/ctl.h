/* ctl.h: control plane and alert transport: thin wrappers over nng (ipc) req/rep and push/pull. */
#ifndef LANNER_CTL_H
#define LANNER_CTL_H

#include <stddef.h>
#include <stdint.h>

#include <jansson.h>

/*
 * Sockets (all ipc://, under the pipeline's run directory, e.g. /run/lanner):
 *
 *   RUN/supervisor.sock    REP, the supervisor listens; every stage dials (REQ)
 *                          and says HELLO {stage, pid, version, proto} at start.
 *   RUN/ctl-STAGE.sock     REP, each stage listens ("ctl-collector",
 *                          "ctl-evaluator.3", ...); the supervisor dials (REQ)
 *                          and sends STATS, RELOAD, HEALTH, SHUTDOWN.
 *   RUN/alerts.sock        PULL, the emitter listens; evaluators dial (PUSH)
 *                          and send ALERT messages (raw bytes: the alert record).
 *
 * Every message is a frame: an 8-byte header (version 1, a type code, the
 * payload length) and the payload. Control messages carry a JSON object
 * (jansson); alerts carry raw bytes. A frame that is too short, of another
 * version, or whose length field does not match is refused with -EPROTO.
 *
 * Listening sockets are created with mode 0660 (nng's ipc:permissions, applied
 * right after bind) and the run directory, if ctl creates it, with 0770: only
 * the pipeline's own user and group can connect. A stale socket file left by a
 * dead process is replaced; a live one makes listening fail with -EADDRINUSE.
 *
 * Dialing does not wait for the peer: nng keeps reconnecting in the
 * background (10 ms to 1 s), so stages may start in any order. A send to a
 * PUSH socket with no connected peer waits (backpressure, never a drop) until
 * its timeout. A request to a peer that is gone fails with -ETIMEDOUT, or
 * -ECONNRESET when its connection dropped under it. Timeouts are in
 * milliseconds; CTL_FOREVER waits forever.
 *
 * Delivery: PUSH/PULL is at most once. A frame that ctl_send accepted can
 * still be lost if the receiving process dies before handling it (in flight
 * in nng's and the kernel's buffers), and nng_close drops what is queued.
 * Where a loss is not acceptable (alerts), send over REQ/REP instead: the
 * receiver replies OK once the frame is safe (queued durably, spooled), the
 * sender keeps it until then and resends after -ETIMEDOUT/-ECONNRESET (at
 * least once; the receiver drops duplicates by a sequence number in the
 * payload). Several REQ senders can share one REP receiver.
 *
 * nng is not fork-safe: a child must exec before using ctl (a forked child
 * that touches an nng socket of its parent, or opens one, panics).
 *
 * All functions return 0 or a negative errno (nng errors mapped, e.g.
 * NNG_ETIMEDOUT -> -ETIMEDOUT, NNG_ECONNREFUSED -> -ECONNREFUSED), and log
 * what failed with nng_strerror's text. A socket is used by one thread at a
 * time (nng itself is thread-safe, the cached timeouts here are not).
 */

#define CTL_PROTO_VERSION 1
#define CTL_FOREVER (-1)
#define CTL_HDR_SIZE 8
#define CTL_MAX_MSG (4u << 20) /* bytes of one frame, header included */
#define CTL_MAX_PATH 104       /* bytes of a socket path (sun_path, with margin) */

#define CTL_SOCK_SUPERVISOR "supervisor"
#define CTL_SOCK_ALERTS "alerts"

enum ctl_kind {
	CTL_REQ,  /* sends requests, receives replies */
	CTL_REP,  /* receives requests, sends replies */
	CTL_PUSH, /* sends, load-balanced over connected PULL peers */
	CTL_PULL, /* receives from every connected PUSH peer, fairly */
};

enum ctl_type {
	/* requests */
	CTL_MSG_HELLO = 1,    /* stage -> supervisor: {stage, pid, version, proto} */
	CTL_MSG_STATS = 2,    /* supervisor -> stage: {} ; reply OK {counters...} */
	CTL_MSG_RELOAD = 3,   /* supervisor -> stage: {} ; reply OK {} or ERROR */
	CTL_MSG_HEALTH = 4,   /* supervisor -> stage: {} ; reply OK {status: "ok"|...} */
	CTL_MSG_SHUTDOWN = 5, /* supervisor -> stage: {} ; reply OK {}, then the stage exits */
	/* replies */
	CTL_MSG_OK = 64,    /* {...} */
	CTL_MSG_ERROR = 65, /* {error: "text"} */
	/* push/pull */
	CTL_MSG_ALERT = 128, /* raw bytes: an alert record (common/alert.h) */
};

struct ctl_sock;

/* Name of a message type ("hello"), "unknown" for others. */
const char *ctl_type_name(uint16_t type);

/*
 * Writes the URL of socket name under run_dir ("ipc:///run/lanner/alerts.sock").
 * Returns 0, -ENAMETOOLONG (path longer than CTL_MAX_PATH) or -EINVAL.
 */
int ctl_url(char *buf, size_t n, const char *run_dir, const char *name);
/* "ctl-STAGE" into buf; returns 0 or -ENAMETOOLONG. */
int ctl_stage_sock_name(char *buf, size_t n, const char *stage);

/*
 * Opens a socket of kind and listens on run_dir/name.sock (creating run_dir
 * with mode 0770 if it does not exist). NULL with errno set on failure.
 */
struct ctl_sock *ctl_listen(enum ctl_kind kind, const char *run_dir, const char *name);
/* Opens a socket of kind and dials run_dir/name.sock (in the background). */
struct ctl_sock *ctl_dial(enum ctl_kind kind, const char *run_dir, const char *name);
/*
 * Closes the socket. Accepts NULL. nng drops what is still queued or being
 * written: a PUSH closed right after ctl_send can lose its last frames, so
 * close it only once the peer is known to have them (or accept the loss).
 */
void ctl_close(struct ctl_sock *s);

/* Sends one frame. Returns 0, -ETIMEDOUT, -EMSGSIZE, -EBADF (closed), ... */
int ctl_send(struct ctl_sock *s, uint16_t type, const void *payload, size_t len, int timeout_ms);
/*
 * Receives one frame: *payload is malloc'd (free() it; NULL when len is 0,
 * always NUL-terminated past len so text can be used in place).
 * Returns 0, -ETIMEDOUT, -EPROTO (bad frame, dropped), ...
 */
int ctl_recv(struct ctl_sock *s, uint16_t *type, void **payload, size_t *len, int timeout_ms);

/* The same with a JSON object as the payload (ctl_recv_json: *obj is a new reference). */
int ctl_send_json(struct ctl_sock *s, uint16_t type, const json_t *obj, int timeout_ms);
int ctl_recv_json(struct ctl_sock *s, uint16_t *type, json_t **obj, int timeout_ms);

/*
 * REQ side: sends a request (body NULL = {}) and waits for its reply, all
 * within timeout_ms. *reply (new reference) and *reply_type are set on 0.
 * An ERROR reply is returned as 0 with *reply_type CTL_MSG_ERROR.
 */
int ctl_request(struct ctl_sock *s, uint16_t type, const json_t *body, uint16_t *reply_type,
		json_t **reply, int timeout_ms);

/* Stage side of the handshake: HELLO {stage, pid, version, proto}; 0 when the reply is OK. */
int ctl_hello(struct ctl_sock *s, const char *stage, int timeout_ms);

/*
 * Handles a request on a REP socket: returns the reply type and sets *reply
 * (new reference, or NULL for {}). Must not block for long.
 */
typedef uint16_t (*ctl_handler_fn)(void *ctx, uint16_t type, const json_t *req, json_t **reply);
/*
 * REP side: waits up to timeout_ms for one request, calls fn, sends its
 * reply. *type_out (if not NULL) gets the request type. Returns 0 or -errno;
 * a malformed request is answered with ERROR and returns -EPROTO.
 */
int ctl_serve_one(struct ctl_sock *s, ctl_handler_fn fn, void *ctx, uint16_t *type_out,
		  int timeout_ms);

/*
 * A file descriptor that polls readable when a message can be received
 * (nng's NNG_OPT_RECVFD), for stages that multiplex ctl with their own
 * event loop: poll it, then ctl_recv/ctl_serve_one with timeout 0. Owned by
 * the socket (do not read or close it). Returns the fd or -errno.
 */
int ctl_recv_fd(struct ctl_sock *s);

/* nng error code -> negative errno. */
int ctl_errno(int nng_err);

#endif
