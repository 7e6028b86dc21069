/* alert_tx.c: acknowledged alert batches over a unix stream socket (sender, receiver, frames). */
#include "alert_tx.h"

#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

struct alert_tx {
	int fd;		/* -1: not connected */
	char path[108]; /* the emitter's socket */
	struct alert_tx_opts o;
	uint64_t sender;	/* random per alert_tx: a restarted evaluator is a new sender */
	uint64_t seq;		/* sequence of the next batch */
	struct alert_buf batch; /* length prefix + header + records being built */
	unsigned count;
	struct alert_buf enc; /* scratch for one encoded alert */
};

/* the frame starts after the u32 length prefix of the stream */
#define TX_PREFIX 4u

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

static int64_t mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* "ipc:///path" (or a bare path) into a sockaddr_un path. 0 or -EINVAL. */
static int url_path(const char *url, char *out, size_t n)
{
	if (!url)
		return -EINVAL;
	if (!strncmp(url, "ipc://", 6))
		url += 6;
	else if (strstr(url, "://"))
		return -EINVAL; /* tcp:// and others: not supported on this hop */
	if (!*url || strlen(url) >= n || strlen(url) >= sizeof(((struct sockaddr_un *)0)->sun_path))
		return -EINVAL;
	snprintf(out, n, "%s", url);
	return 0;
}

static int batch_start(struct alert_tx *tx)
{
	uint8_t hdr[TX_PREFIX + ALERT_TX_HDR_LEN] = {0};

	alert_buf_reset(&tx->batch);
	tx->count = 0;
	return alert_buf_append(&tx->batch, hdr, sizeof(hdr));
}

static void tx_disconnect(struct alert_tx *tx)
{
	if (tx->fd >= 0)
		close(tx->fd);
	tx->fd = -1;
}

static int tx_connect(struct alert_tx *tx)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd;

	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	memcpy(sa.sun_path, tx->path, strlen(tx->path) + 1);
	/* a unix stream connect completes at once or fails (EAGAIN: backlog full) */
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		int e = errno;

		close(fd);
		return -e;
	}
	tx->fd = fd;
	return 0;
}

/* Waits for fd to be ready for ev until deadline (ms, monotonic; < 0: forever). */
static int wait_fd(int fd, short ev, int64_t deadline)
{
	for (;;) {
		int to = -1;

		if (deadline >= 0) {
			int64_t left = deadline - mono_ms();

			if (left <= 0)
				return -ETIMEDOUT;
			to = left > 1000000 ? 1000000 : (int)left;
		}
		struct pollfd p = {.fd = fd, .events = ev};
		int n = poll(&p, 1, to);

		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0)
			return -errno;
		if (n == 0)
			continue; /* the loop checks the deadline */
		if (p.revents & (POLLERR | POLLNVAL))
			return -ECONNRESET;
		return 0; /* readable/writable, or POLLHUP: the read says EOF */
	}
}

/* One attempt: connect if needed, send the batch, wait for its ack. */
static int tx_attempt(struct alert_tx *tx, int64_t deadline, int *status)
{
	const uint8_t *p = (const uint8_t *)tx->batch.data;
	size_t left = tx->batch.len, got = 0;
	uint8_t ack[16];
	int rc;

	if (tx->fd < 0 && (rc = tx_connect(tx)) != 0)
		return rc;
	while (left) {
		ssize_t n = send(tx->fd, p, left, MSG_NOSIGNAL);

		if (n > 0) {
			p += n;
			left -= (size_t)n;
			continue;
		}
		if (n < 0 && errno == EINTR)
			continue;
		if (n < 0 && errno != EAGAIN)
			return -errno;
		rc = wait_fd(tx->fd, POLLOUT, deadline);
		if (rc)
			return rc;
	}
	for (;;) {
		ssize_t n = recv(tx->fd, ack + got, sizeof(ack) - got, 0);

		if (n > 0) {
			got += (size_t)n;
			if (got < sizeof(ack))
				continue;
			if (rd32(ack) != ALERT_TX_ACK_MAGIC || rd64(ack + 8) != tx->seq)
				return -EPROTO;
			*status = (int32_t)rd32(ack + 4);
			return 0;
		}
		if (n == 0)
			return -ECONNRESET; /* the emitter went away: send again */
		if (errno == EINTR)
			continue;
		if (errno != EAGAIN)
			return -errno;
		rc = wait_fd(tx->fd, POLLIN, deadline);
		if (rc)
			return rc;
	}
}

struct alert_tx *alert_tx_open(const char *url, const struct alert_tx_opts *opts)
{
	struct alert_tx *tx = calloc(1, sizeof(*tx));

	if (!tx)
		return NULL;
	tx->fd = -1;
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
	int e = url_path(url, tx->path, sizeof(tx->path)) ? EINVAL : batch_start(tx) ? ENOMEM : 0;

	if (e) {
		alert_buf_fini(&tx->batch);
		alert_buf_fini(&tx->enc);
		free(tx);
		errno = e;
		return NULL;
	}
	/* connect now if the emitter is there; later (at the first flush) if not */
	(void)tx_connect(tx);
	return tx;
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
	if (tx->batch.len - TX_PREFIX + 4 + tx->enc.len > ALERT_TX_MAX_BYTES)
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

/*
 * Sends the batch and waits for its ack. With ack_timeout_ms set: one bounded
 * attempt. Without: attempts until acknowledged, each lasting resend_ms
 * (backpressure). After any failure the connection is dropped and the next
 * attempt starts on a new one, so a late ack is never read as another's.
 */
int alert_tx_flush(struct alert_tx *tx)
{
	int bounded = tx->o.ack_timeout_ms > 0;
	int64_t end = mono_ms() + (bounded ? tx->o.ack_timeout_ms : 0);
	unsigned backoff = 10;
	uint8_t *h;

	if (!tx->count)
		return 0;
	h = (uint8_t *)tx->batch.data;
	le32(h, (uint32_t)(tx->batch.len - TX_PREFIX));
	le32(h + TX_PREFIX, ALERT_TX_MAGIC);
	le32(h + TX_PREFIX + 4, tx->count);
	le64(h + TX_PREFIX + 8, tx->sender);
	le64(h + TX_PREFIX + 16, tx->seq);
	for (;;) {
		int64_t deadline = bounded ? end : mono_ms() + tx->o.resend_ms;
		int status = 0;
		int rc = tx_attempt(tx, deadline, &status);

		if (rc == 0) {
			tx->seq++;
			batch_start(tx); /* header-sized: cannot fail once allocated */
			return status;
		}
		/* Whatever failed, the next attempt starts on a new connection: a
		 * half-sent frame or an ack still on its way must not be mixed with
		 * the next request. The emitter drops the copy it may already have. */
		tx_disconnect(tx);
		if (rc != -ETIMEDOUT) {
			/* no emitter listening (yet), or it went away: again shortly */
			if (bounded && mono_ms() + backoff >= end)
				return rc; /* batch kept: a later flush sends it again */
			usleep(backoff * 1000u);
			if (backoff < 500)
				backoff *= 2;
		} else if (bounded) {
			return rc;
		}
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
	tx_disconnect(tx);
	alert_buf_fini(&tx->batch);
	alert_buf_fini(&tx->enc);
	free(tx);
}

/* ------------------------------------------------------------ receiver */

#define RX_MAX_CONNS 1024

struct rx_conn {
	int fd; /* -1: free slot */
	uint8_t hdr[4];
	size_t hdr_got;
	uint32_t len; /* of the frame being read */
	size_t got;
	uint8_t *buf;
	size_t cap;
};

struct alert_rx {
	int lfd;
	char path[108];
	struct rx_conn *c;
	unsigned nconn; /* slots in use (c[0..nslots) may have holes) */
	unsigned nslots;
	struct pollfd *pfd;
	unsigned next; /* round robin start, so one busy sender cannot starve others */
};

static void rx_drop(struct alert_rx *rx, struct rx_conn *c)
{
	if (c->fd < 0)
		return;
	close(c->fd);
	c->fd = -1;
	c->hdr_got = c->got = 0;
	c->len = 0;
	rx->nconn--;
}

static void set_err(char *err, size_t n, const char *fmt, const char *a, const char *b)
{
	if (err && n)
		snprintf(err, n, fmt, a, b);
}

struct alert_rx *alert_rx_listen(const char *url, unsigned mode, char *err, size_t errlen)
{
	struct alert_rx *rx = calloc(1, sizeof(*rx));
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int e;

	if (!rx)
		return NULL;
	rx->lfd = -1;
	if (url_path(url, rx->path, sizeof(rx->path))) {
		set_err(err, errlen, "intake %s: %s", url ? url : "(none)",
			"not an ipc:// path, or longer than a unix socket path");
		free(rx);
		errno = EINVAL;
		return NULL;
	}
	rx->c = calloc(RX_MAX_CONNS, sizeof(*rx->c));
	rx->pfd = calloc(RX_MAX_CONNS + 1, sizeof(*rx->pfd));
	if (!rx->c || !rx->pfd) {
		e = ENOMEM;
		goto fail;
	}
	for (unsigned i = 0; i < RX_MAX_CONNS; i++)
		rx->c[i].fd = -1;
	rx->lfd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (rx->lfd < 0) {
		e = errno;
		goto fail;
	}
	memcpy(sa.sun_path, rx->path, strlen(rx->path) + 1);
	if (bind(rx->lfd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		e = errno;
		if (e == EADDRINUSE) {
			/* stale (a killed emitter's) or live (another emitter's)? */
			int probe = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
			int live = probe >= 0 &&
				   connect(probe, (struct sockaddr *)&sa, sizeof(sa)) == 0;

			if (probe >= 0)
				close(probe);
			if (!live && unlink(rx->path) == 0 &&
			    bind(rx->lfd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
				e = 0;
		}
		if (e) {
			set_err(err, errlen, "intake %s: %s", rx->path, strerror(e));
			goto fail;
		}
	}
	if (mode)
		chmod(rx->path, mode);
	if (listen(rx->lfd, 128) != 0) {
		e = errno;
		set_err(err, errlen, "intake %s: %s", rx->path, strerror(e));
		unlink(rx->path);
		goto fail;
	}
	return rx;
fail:
	if (rx->lfd >= 0)
		close(rx->lfd);
	free(rx->c);
	free(rx->pfd);
	free(rx);
	errno = e;
	return NULL;
}

static void rx_accept(struct alert_rx *rx)
{
	for (;;) {
		int fd = accept4(rx->lfd, NULL, NULL, SOCK_CLOEXEC | SOCK_NONBLOCK);
		unsigned i;

		if (fd < 0)
			return; /* EAGAIN, or a connection that died in the queue */
		for (i = 0; i < RX_MAX_CONNS && rx->c[i].fd >= 0; i++)
			;
		if (i == RX_MAX_CONNS) {
			close(fd); /* full: the sender retries later */
			continue;
		}
		rx->c[i].fd = fd;
		rx->c[i].hdr_got = rx->c[i].got = 0;
		rx->nconn++;
		if (i >= rx->nslots)
			rx->nslots = i + 1;
	}
}

/* Reads what is there; 1 when a whole frame is in c->buf, 0 if not yet, < 0: drop. */
static int rx_read(struct rx_conn *c)
{
	for (;;) {
		ssize_t n;

		if (c->hdr_got < 4) {
			n = recv(c->fd, c->hdr + c->hdr_got, 4 - c->hdr_got, 0);
		} else {
			if (c->got == c->len)
				return 1;
			n = recv(c->fd, c->buf + c->got, c->len - c->got, 0);
		}
		if (n == 0)
			return -ECONNRESET;
		if (n < 0)
			return errno == EAGAIN || errno == EINTR ? 0 : -errno;
		if (c->hdr_got < 4) {
			c->hdr_got += (size_t)n;
			if (c->hdr_got == 4) {
				c->len = rd32(c->hdr);
				if (c->len < ALERT_TX_HDR_LEN || c->len > ALERT_TX_MAX_BYTES)
					return -EMSGSIZE;
				if (c->cap < c->len) {
					uint8_t *b = realloc(c->buf, c->len);

					if (!b)
						return -ENOMEM;
					c->buf = b;
					c->cap = c->len;
				}
				c->got = 0;
			}
		} else {
			c->got += (size_t)n;
		}
		if (c->hdr_got == 4 && c->got == c->len)
			return 1;
	}
}

int alert_rx_recv(struct alert_rx *rx, struct alert_rx_req *req, int timeout_ms)
{
	int64_t deadline = mono_ms() + (timeout_ms < 0 ? 0 : timeout_ms);

	for (;;) {
		unsigned n = 0;

		rx->pfd[n++] = (struct pollfd){.fd = rx->lfd, .events = POLLIN};
		for (unsigned i = 0; i < rx->nslots; i++)
			rx->pfd[n++] = (struct pollfd){.fd = rx->c[i].fd, .events = POLLIN};
		int64_t left = deadline - mono_ms();
		int pr = poll(rx->pfd, n, left > 0 ? (int)left : 0);

		if (pr < 0 && errno != EINTR)
			return -errno;
		if (pr > 0) {
			if (rx->pfd[0].revents)
				rx_accept(rx);
			for (unsigned k = 0; k < rx->nslots; k++) {
				unsigned i = (rx->next + k) % rx->nslots;
				struct rx_conn *c = &rx->c[i];

				if (c->fd < 0 || i + 1 >= n || !rx->pfd[i + 1].revents)
					continue;
				int r = rx_read(c);

				if (r < 0) {
					rx_drop(rx, c);
					continue;
				}
				if (r == 1) {
					req->data = c->buf;
					req->len = c->len;
					req->conn = (int)i;
					c->hdr_got = 0; /* the next frame of this connection */
					rx->next = (i + 1) % (rx->nslots ? rx->nslots : 1);
					return 1;
				}
			}
		}
		if (mono_ms() >= deadline)
			return 0;
	}
}

int alert_rx_reply(struct alert_rx *rx, const struct alert_rx_req *req, const uint8_t ack[16])
{
	struct rx_conn *c;
	ssize_t n;

	if (req->conn < 0 || (unsigned)req->conn >= rx->nslots)
		return -EINVAL;
	c = &rx->c[req->conn];
	if (c->fd < 0)
		return -ECONNRESET;
	/* 16 bytes into an idle stream socket's buffer: it fits, or the peer is
	 * not reading (it will time out and send again): drop it */
	n = send(c->fd, ack, 16, MSG_NOSIGNAL | MSG_DONTWAIT);
	if (n != 16) {
		int e = n < 0 ? errno : EAGAIN;

		rx_drop(rx, c);
		return -e;
	}
	return 0;
}

unsigned alert_rx_connections(const struct alert_rx *rx)
{
	return rx ? rx->nconn : 0;
}

void alert_rx_close(struct alert_rx *rx)
{
	if (!rx)
		return;
	for (unsigned i = 0; i < rx->nslots; i++) {
		rx_drop(rx, &rx->c[i]);
		free(rx->c[i].buf);
	}
	if (rx->lfd >= 0) {
		close(rx->lfd);
		unlink(rx->path);
	}
	free(rx->c);
	free(rx->pfd);
	free(rx);
}

/* ------------------------------------------------------------ frames */

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
