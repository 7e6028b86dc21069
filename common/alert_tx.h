/* alert_tx.h: evaluators -> emitter alert transport: acknowledged batches over nng req/rep (ipc). */
#ifndef LANNER_ALERT_TX_H
#define LANNER_ALERT_TX_H

/*
 * Why req/rep and not fire-and-forget push/pull: an alert, once matched, must
 * never be lost, not even when the emitter is killed. The emitter acknowledges
 * a batch only after it is in its on-disk journal; until then the sender keeps
 * it and nng's req protocol resends it (also to a restarted emitter). Each batch
 * carries (sender id, batch sequence) so the emitter drops resent duplicates:
 * exactly once into the journal.
 *
 * Sender use (one alert_tx per thread; not thread-safe):
 *   tx = alert_tx_open("ipc:///run/lanner/alerts.sock", NULL);
 *   alert_tx_add(tx, a);      // batches; sends and waits for the ack when full
 *   alert_tx_flush(tx);       // call when idle: sends what is pending
 *   alert_tx_close(tx);       // flushes, then closes
 * While the emitter is down, a full batch blocks the sender (backpressure,
 * never a drop) unless ack_timeout_ms is set.
 *
 * Frame (little-endian): request = u32 ALERT_TX_MAGIC, u32 count, u64 sender,
 * u64 seq, then count x (u32 len, encoded alert, see alert_encode); reply =
 * u32 ALERT_TX_ACK_MAGIC, i32 status (0 or -errno), u64 seq.
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
	int resend_ms;	    /* nng req resend interval; default 1000 */
};

struct alert_tx;

/* Dials url (nonblocking: the emitter may start later). NULL with errno on failure. */
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

#endif
