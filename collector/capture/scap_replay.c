/* scap_replay.c: replay a .scap capture into the raw ring, seeds first, with backpressure. */
#include "scap_replay.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

#include "event.h"
#include "stage.h"

struct replay {
	struct ring *raw;
	struct scap_replay_stats *st;
	uint64_t first_ts; /* seeds get the time of the capture's first event, or 0 */
};

/* Reserves len bytes in the raw ring, waiting while it is full. */
static int reserve(struct replay *r, size_t len, void **slot)
{
	for (;;) {
		int rc = ring_reserve(r->raw, len, slot);

		if (rc != -EAGAIN && rc != -EPIPE)
			return rc;
		r->st->waits++;
		rc = ring_wait_writable(r->raw, len, 500);
		/* The enricher is gone (died, or stopped for a rules reload): the
		 * records stay in the ring for the one the supervisor starts next. */
		if (rc == -EPIPE)
			usleep(20000);
		if (stage_stopping)
			return -EINTR;
	}
}

static int put(struct replay *r, const void *rec, size_t len)
{
	void *slot;
	int rc = reserve(r, len, &slot);

	if (rc != 0)
		return rc;
	memcpy(slot, rec, len);
	ring_commit(r->raw, slot);
	return 0;
}

static double pace_eps;

void scap_replay_set_pace(double eps)
{
	pace_eps = eps > 0 ? eps : 0;
}

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + ts.tv_nsec / 1e9;
}

/* Sleeps while more events went out than pace_eps allows since the first one. */
static void pace(struct replay *r)
{
	static double t0;
	static uint64_t n;

	if (!t0)
		t0 = mono_s();
	if (++n % 64)
		return;
	double ahead = (double)n / pace_eps - (mono_s() - t0);

	if (ahead > 0)
		usleep((useconds_t)(ahead * 1e6));
	(void)r;
}

static int on_event(void *ctx, const void *rec, uint32_t len)
{
	struct replay *r = ctx;
	int rc;

	if (pace_eps > 0)
		pace(r);
	rc = put(r, rec, len);

	if (rc == 0)
		r->st->events++;
	return rc;
}

static int finish_seed(struct lnr_evt_builder *b)
{
	int len = lnr_evb_finish(b);

	if (len < 0)
		return len;
	((struct lnr_evt_hdr *)b->buf)->flags |= LNR_EVF_FROM_CAPTURE | LNR_EVF_INTERNAL;
	return len;
}

int scap_seed_thread_rec(const struct scap_thread_seed *t, void *buf, size_t cap)
{
	struct lnr_evt_builder b;
	int rc = lnr_evb_init(&b, buf, cap, LNR_EVT_SEED_THREAD, 0, t->tid, t->pid);

	if (rc != 0)
		return rc;
	lnr_evb_s64(&b, t->tid);
	lnr_evb_s64(&b, t->pid);
	lnr_evb_s64(&b, t->ptid);
	lnr_evb_s64(&b, t->sid);
	lnr_evb_s64(&b, t->vpgid);
	lnr_evb_s64(&b, t->vtid >= 0 ? t->vtid : t->tid);
	lnr_evb_s64(&b, t->vpid >= 0 ? t->vpid : t->pid);
	lnr_evb_str(&b, t->comm, 0);
	lnr_evb_str(&b, t->exe, 0);
	lnr_evb_str(&b, t->exepath, 0);
	lnr_evb_str(&b, t->cwd, 0);
	lnr_evb_str(&b, t->root, 0);
	lnr_evb_bytes(&b, t->args, t->args_len, 0);
	lnr_evb_bytes(&b, t->env, t->env_len, 0);
	lnr_evb_bytes(&b, t->cgroups, t->cgroups_len, 0);
	lnr_evb_s64(&b, (int64_t)t->fdlimit);
	lnr_evb_u64(&b, t->flags);
	lnr_evb_u64(&b, t->uid);
	lnr_evb_u64(&b, t->gid);
	lnr_evb_u64(&b, t->loginuid < 0 ? UINT32_MAX : (uint32_t)t->loginuid);
	lnr_evb_u64(&b, t->cap_inheritable);
	lnr_evb_u64(&b, t->cap_permitted);
	lnr_evb_u64(&b, t->cap_effective);
	lnr_evb_absent(&b); /* clone_ts: the lists do not carry it */
	lnr_evb_absent(&b); /* tty */
	return finish_seed(&b);
}

int scap_seed_fd_rec(const struct scap_fd_seed *f, void *buf, size_t cap)
{
	struct lnr_evt_builder b;
	uint8_t tuple[64];
	size_t tl = 0;
	int rc = lnr_evb_init(&b, buf, cap, LNR_EVT_SEED_FD, 0, f->tid, f->tid);

	if (rc != 0)
		return rc;
	switch (f->type) {
	case SCAP_FDT_IPV4_SOCK:
	case SCAP_FDT_IPV4_SERVSOCK:
		tl = lnr_socktuple_encode_in4(tuple, sizeof(tuple), f->sip, f->sport, f->dip,
					      f->dport);
		break;
	case SCAP_FDT_IPV6_SOCK:
	case SCAP_FDT_IPV6_SERVSOCK:
		tl = lnr_socktuple_encode_in6(tuple, sizeof(tuple), f->sip, f->sport, f->dip,
					      f->dport);
		break;
	default:
		break;
	}
	lnr_evb_s64(&b, f->tid);
	lnr_evb_s64(&b, f->fd);
	lnr_evb_u64(&b, f->type);
	lnr_evb_str(&b, f->name, 0);
	if (tl)
		lnr_evb_bytes(&b, tuple, tl, 0);
	else
		lnr_evb_absent(&b);
	lnr_evb_u64(&b, f->open_flags);
	lnr_evb_u64(&b, f->dev);
	lnr_evb_u64(&b, f->ino);
	lnr_evb_u64(&b, f->l4proto);
	return finish_seed(&b);
}

int scap_seed_user_rec(const struct scap_user_seed *u, void *buf, size_t cap)
{
	struct lnr_evt_builder b;
	int rc = lnr_evb_init(&b, buf, cap, LNR_EVT_SEED_USER, 0, 0, 0);

	if (rc != 0)
		return rc;
	lnr_evb_u64(&b, (uint64_t)u->is_group);
	lnr_evb_u64(&b, u->uid);
	lnr_evb_u64(&b, u->gid);
	lnr_evb_str(&b, u->name, 0);
	lnr_evb_str(&b, u->homedir, 0);
	lnr_evb_str(&b, u->shell, 0);
	return finish_seed(&b);
}

static _Alignas(8) uint8_t seedbuf[1 << 20];

/* A built seed into the ring; a malformed entry is skipped, the replay goes on. */
static int put_seed(struct replay *r, int len)
{
	if (len < 0)
		return 0;
	r->st->seeds++;
	return put(r, seedbuf, (size_t)len);
}

static int on_thread(void *ctx, const struct scap_thread_seed *t)
{
	return put_seed(ctx, scap_seed_thread_rec(t, seedbuf, sizeof(seedbuf)));
}

static int on_fd(void *ctx, const struct scap_fd_seed *f)
{
	return put_seed(ctx, scap_seed_fd_rec(f, seedbuf, sizeof(seedbuf)));
}

static int on_user(void *ctx, const struct scap_user_seed *u)
{
	return put_seed(ctx, scap_seed_user_rec(u, seedbuf, sizeof(seedbuf)));
}

int scap_replay(const char *path, struct ring *raw, struct scap_replay_stats *st, char *err,
		size_t errlen)
{
	struct replay r = {.raw = raw, .st = st};
	struct scap_reader_cbs cbs = {
		.ctx = &r, .thread = on_thread, .fd = on_fd, .user = on_user, .event = on_event};
	struct scap_reader *rd = scap_reader_open(path, &cbs);
	int rc;

	memset(st, 0, sizeof(*st));
	if (!rd) {
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return -errno;
	}
	rc = scap_reader_run(rd);
	if (rc < 0 && rc != -EPIPE && rc != -EINTR)
		snprintf(err, errlen, "%s", scap_reader_error(rd));
	else if (rc == -EPIPE)
		snprintf(err, errlen, "the enricher went away");
	scap_reader_free(rd);
	return rc;
}
