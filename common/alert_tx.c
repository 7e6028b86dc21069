/* alert_tx.c: acknowledged alert batches over nng req/rep (sender side and frame parsing). */
#include "alert_tx.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#include <nng/nng.h>
#include <nng/protocol/reqrep0/req.h>

struct alert_tx {
	nng_socket sock;
	struct alert_tx_opts o;
	uint64_t sender;	/* random per alert_tx: a restarted evaluator is a new sender */
	uint64_t seq;		/* sequence of the next batch */
	struct alert_buf batch; /* header + records being built */
	unsigned count;
	struct alert_buf enc; /* scratch for one encoded alert */
};

static void le32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void le64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t rd32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t rd64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static int nng_to_errno(int rv)
{
	switch (rv) {
	case 0:
		return 0;
	case NNG_ETIMEDOUT:
		return -ETIMEDOUT;
	case NNG_ENOMEM:
		return -ENOMEM;
	case NNG_ECLOSED:
		return -EBADF;
	case NNG_EINVAL:
		return -EINVAL;
	case NNG_EADDRINVAL:
		return -EINVAL;
	default:
		return -EIO;
	}
}

static int batch_start(struct alert_tx *tx)
{
	uint8_t hdr[ALERT_TX_HDR_LEN] = {0};

	alert_buf_reset(&tx->batch);
	tx->count = 0;
	return alert_buf_append(&tx->batch, hdr, sizeof(hdr));
}

struct alert_tx *alert_tx_open(const char *url, const struct alert_tx_opts *opts)
{
	struct alert_tx *tx = calloc(1, sizeof(*tx));
	int rv;

	if (!tx)
		return NULL;
	if (opts)
		tx->o = *opts;
	if (!tx->o.max_batch || tx->o.max_batch > ALERT_TX_MAX_BATCH)
		tx->o.max_batch = 256;
	if (!tx->o.max_bytes || tx->o.max_bytes > ALERT_TX_MAX_BYTES / 2)
		tx->o.max_bytes = 1u << 20;
	if (tx->o.resend_ms <= 0)
		tx->o.resend_ms = 1000;
	alert_buf_init(&tx->batch);
	alert_buf_init(&tx->enc);
	if (getrandom(&tx->sender, sizeof(tx->sender), 0) != sizeof(tx->sender))
		tx->sender = (uint64_t)time(NULL) ^ (uint64_t)(uintptr_t)tx;
	tx->seq = 1;
	rv = nng_req0_open(&tx->sock);
	if (rv)
		goto fail;
	nng_socket_set_ms(tx->sock, NNG_OPT_REQ_RESENDTIME, tx->o.resend_ms);
	nng_socket_set_ms(tx->sock, NNG_OPT_RECVTIMEO,
			  tx->o.ack_timeout_ms > 0 ? tx->o.ack_timeout_ms : NNG_DURATION_INFINITE);
	/* with no emitter connected the send itself waits: bound it the same way */
	nng_socket_set_ms(tx->sock, NNG_OPT_SENDTIMEO,
			  tx->o.ack_timeout_ms > 0 ? tx->o.ack_timeout_ms : NNG_DURATION_INFINITE);
	nng_socket_set_ms(tx->sock, NNG_OPT_RECONNMINT, 50);
	nng_socket_set_ms(tx->sock, NNG_OPT_RECONNMAXT, 1000);
	nng_socket_set_size(tx->sock, NNG_OPT_RECVMAXSZ, 4096);
	rv = nng_dial(tx->sock, url, NULL, NNG_FLAG_NONBLOCK);
	if (rv) {
		nng_close(tx->sock);
		goto fail;
	}
	if (batch_start(tx)) {
		nng_close(tx->sock);
		rv = NNG_ENOMEM;
		goto fail;
	}
	return tx;
fail:
	alert_buf_fini(&tx->batch);
	alert_buf_fini(&tx->enc);
	free(tx);
	errno = -nng_to_errno(rv);
	return NULL;
}

int alert_tx_add(struct alert_tx *tx, const struct alert *a)
{
	uint8_t len[4];
	int rc;

	alert_buf_reset(&tx->enc);
	rc = alert_encode(a, &tx->enc);
	if (rc)
		return rc;
	if (tx->count &&
	    (tx->count >= tx->o.max_batch || tx->batch.len + 4 + tx->enc.len > tx->o.max_bytes)) {
		rc = alert_tx_flush(tx);
		if (rc)
			return rc;
	}
	if (tx->batch.len + 4 + tx->enc.len > ALERT_TX_MAX_BYTES)
		return -E2BIG;
	le32(len, (uint32_t)tx->enc.len);
	rc = alert_buf_append(&tx->batch, len, 4);
	if (!rc)
		rc = alert_buf_append(&tx->batch, tx->enc.data, tx->enc.len);
	if (rc)
		return rc;
	tx->count++;
	if (tx->count >= tx->o.max_batch)
		return alert_tx_flush(tx);
	return 0;
}

int alert_tx_flush(struct alert_tx *tx)
{
	nng_msg *m = NULL, *r = NULL;
	uint8_t *h;
	int rv;

	if (!tx->count)
		return 0;
	h = (uint8_t *)tx->batch.data;
	le32(h, ALERT_TX_MAGIC);
	le32(h + 4, tx->count);
	le64(h + 8, tx->sender);
	le64(h + 16, tx->seq);
	rv = nng_msg_alloc(&m, 0);
	if (!rv)
		rv = nng_msg_append(m, tx->batch.data, tx->batch.len);
	if (!rv)
		rv = nng_sendmsg(tx->sock, m, 0);
	if (rv) {
		nng_msg_free(m);
		return nng_to_errno(rv);
	}
	for (;;) {
		/* the req protocol resends the request until a reply comes back */
		rv = nng_recvmsg(tx->sock, &r, 0);
		if (rv)
			return nng_to_errno(rv); /* batch kept: a later flush sends it again */
		size_t n = nng_msg_len(r);
		const uint8_t *b = nng_msg_body(r);
		if (n == 16 && rd32(b) == ALERT_TX_ACK_MAGIC && rd64(b + 8) == tx->seq) {
			int32_t st = (int32_t)rd32(b + 4);
			nng_msg_free(r);
			tx->seq++;
			batch_start(tx); /* header-sized: cannot fail once allocated */
			return st;
		}
		nng_msg_free(r); /* not ours: keep waiting */
	}
}

unsigned alert_tx_pending(const struct alert_tx *tx)
{
	return tx->count;
}

void alert_tx_close(struct alert_tx *tx)
{
	if (!tx)
		return;
	alert_tx_flush(tx);
	nng_close(tx->sock);
	alert_buf_fini(&tx->batch);
	alert_buf_fini(&tx->enc);
	free(tx);
}

int alert_tx_frame_parse(const void *msg, size_t len, struct alert_tx_frame *f)
{
	const uint8_t *p = msg;
	size_t pos = 0;

	if (len < ALERT_TX_HDR_LEN || rd32(p) != ALERT_TX_MAGIC)
		return -EINVAL;
	f->count = rd32(p + 4);
	f->sender = rd64(p + 8);
	f->seq = rd64(p + 16);
	f->recs = p + ALERT_TX_HDR_LEN;
	f->recs_len = len - ALERT_TX_HDR_LEN;
	if (f->count > ALERT_TX_MAX_BATCH)
		return -EINVAL;
	for (uint32_t i = 0; i < f->count; i++) {
		if (f->recs_len - pos < 4)
			return -EINVAL;
		uint32_t n = rd32(f->recs + pos);
		pos += 4;
		if (n > f->recs_len - pos)
			return -EINVAL;
		pos += n;
	}
	return pos == f->recs_len ? 0 : -EINVAL;
}

int alert_tx_frame_next(const struct alert_tx_frame *f, size_t *pos, const uint8_t **rec,
			size_t *rec_len)
{
	if (*pos + 4 > f->recs_len)
		return 0;
	uint32_t n = rd32(f->recs + *pos);
	*rec = f->recs + *pos + 4;
	*rec_len = n;
	*pos += 4 + (size_t)n;
	return 1;
}

void alert_tx_ack_encode(uint8_t buf[16], int status, uint64_t seq)
{
	le32(buf, ALERT_TX_ACK_MAGIC);
	le32(buf + 4, (uint32_t)status);
	le64(buf + 8, seq);
}
