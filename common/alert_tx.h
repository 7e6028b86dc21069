/* alert_tx.h: evaluators -> emitter alert transport: acknowledged batches over a unix stream socket. */
#ifndef LANNER_ALERT_TX_H
#define LANNER_ALERT_TX_H

/*
 * Why acknowledged batches and not fire-and-forget: an alert, once matched,
 * must never be lost, not even when the emitter is killed. The emitter
 * acknowledges a batch only after it is in its on-disk journal; until then the
 * sender keeps it and sends it again (also to a restarted emitter). Each batch
 * carries (sender id, batch sequence) so the emitter drops resent duplicates:
 * exactly once into the journal.
 *
 * Why not nng (design.md's default for this hop): Debian 12's nng 1.5.2 has
 * nanomsg/nng#1518 (fixed in 1.6.0): a peer that disconnects during the SP
 * handshake leaves an ipc listener accepting connections it never
 * negotiates. Any evaluator that exits or is killed at that moment stalls
 * every other sender for good: seen in CI as a hung pipeline. The transport
 * here is a plain unix stream socket with length-prefixed frames, where a
 * peer that dies at any point costs only its own connection. The URL keeps
 * nng's spelling, `ipc:///path/to/alerts.sock`.
 *
 * Sender use (one alert_tx per thread; not thread-safe):
 *   tx = alert_tx_open("ipc:///run/lanner/alerts.sock", NULL);
 *   alert_tx_add(tx, a);      // batches; sends and waits for the ack when full
 *   alert_tx_flush(tx);       // call when idle: sends what is pending
 *   alert_tx_close(tx);       // flushes, then closes
 * While the emitter is down, a full batch blocks the sender (backpressure,
 * never a drop) unless ack_timeout_ms is set: then the send returns
 * -ETIMEDOUT (or -ECONNREFUSED/-ENOENT when no emitter listens) with the batch
 * kept, and the next flush sends it again on a fresh connection.
 *
 * Wire (little-endian): each request is u32 length, then the frame of that
 * length: u32 ALERT_TX_MAGIC, u32 count, u64 sender, u64 seq, then count x
 * (u32 len, encoded alert, see alert_encode); the reply is 16 bytes: u32
 * ALERT_TX_ACK_MAGIC, i32 status (0 or -errno), u64 seq.
 */

#include <stddef.h>
#include <stdint.h>

#include "alert.h"

#define ALERT_TX_MAGIC 0x4254414cu     /* "LATB" */
#define ALERT_TX_ACK_MAGIC 0x4154414cu /* "LATA" */
#define ALERT_TX_HDR_LEN 24u
#define ALERT_TX_MAX_BATCH 4096u       /* alerts in one request */
#define ALERT_TX_MAX_BYTES (64u << 20) /* bytes in one request */

struct alert_tx_opts {
	unsigned max_batch; /* alerts per request before alert_tx_add flushes; default 256 */
	size_t max_bytes;   /* bytes per request before alert_tx_add flushes; default 1 MiB */
	int ack_timeout_ms; /* 0: wait for the ack forever (default); else -ETIMEDOUT */
	int resend_ms;	    /* with ack_timeout_ms 0: how long one wait for the ack lasts
			       before the batch is sent again on a new connection; default 1000 */
};

struct alert_tx;

/* Checks url (the emitter may start later: no connection yet). NULL with errno on failure. */
struct alert_tx *alert_tx_open(const char *url, const struct alert_tx_opts *opts);
/* Queues a copy (encoded) of a; flushes when the batch is full. 0 or -errno. */
int alert_tx_add(struct alert_tx *tx, const struct alert *a);
/* Sends the pending batch and waits for its ack. 0 (also when nothing was pending) or -errno. */
int alert_tx_flush(struct alert_tx *tx);
/* Number of alerts queued and not yet acknowledged. */
unsigned alert_tx_pending(const struct alert_tx *tx);
/* Flushes (errors ignored), closes, frees; accepts NULL. */
void alert_tx_close(struct alert_tx *tx);

/* Parsed request header; records follow at body + ALERT_TX_HDR_LEN. */
struct alert_tx_frame {
	uint32_t count;
	uint64_t sender;
	uint64_t seq;
	const uint8_t *recs; /* count x (u32 len, bytes) */
	size_t recs_len;
};
/*
 * Validates a request frame: magic, count <= ALERT_TX_MAX_BATCH and every
 * record length inside the message. 0 or -EINVAL.
 */
int alert_tx_frame_parse(const void *msg, size_t len, struct alert_tx_frame *f);
/* Iterates records: *pos starts at 0; returns 1 with (rec, rec_len), 0 at the end. */
int alert_tx_frame_next(const struct alert_tx_frame *f, size_t *pos, const uint8_t **rec,
			size_t *rec_len);
/* Writes the 16-byte ack reply into buf. */
void alert_tx_ack_encode(uint8_t buf[16], int status, uint64_t seq);

/*
 * Receiving side (the emitter's intake), one thread: a listening unix socket
 * and its connections, multiplexed with poll(2).
 *
 *   rx = alert_rx_listen("ipc:///run/lanner/alerts.sock", 0660, err, sizeof(err));
 *   while (!stop) {
 *           struct alert_rx_req q;
 *           int rc = alert_rx_recv(rx, &q, 200);   // 1: a request, 0: timeout
 *           if (rc == 1) { handle(q.data, q.len); alert_rx_reply(rx, &q, ack); }
 *   }
 *   alert_rx_close(rx);   // closes every connection, removes the socket file
 *
 * A stale socket file (no process listening) is replaced; a live one makes
 * listening fail with -EADDRINUSE. A connection that sends a frame longer
 * than ALERT_TX_MAX_BYTES, or closes mid-frame, is dropped (its sender sends
 * again). q.data stays valid until the next alert_rx_recv.
 */
struct alert_rx;
struct alert_rx_req {
	const uint8_t *data; /* the frame (parse with alert_tx_frame_parse) */
	size_t len;
	int conn; /* which connection the reply goes to */
};
struct alert_rx *alert_rx_listen(const char *url, unsigned mode, char *err, size_t errlen);
int alert_rx_recv(struct alert_rx *rx, struct alert_rx_req *req, int timeout_ms);
/* Sends the 16-byte ack; a connection that cannot take it is dropped. 0 or -errno. */
int alert_rx_reply(struct alert_rx *rx, const struct alert_rx_req *req, const uint8_t ack[16]);
/* Connections open now (for stats). */
unsigned alert_rx_connections(const struct alert_rx *rx);
void alert_rx_close(struct alert_rx *rx);

#endif
