/* journal.c: append-only segmented alert journal with persisted per-output cursors. */
#include "journal.h"

#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include <zlib.h>

#include "log_shim.h"

#define REC_HDR 24u
#define REC_MAX_LEN (64u << 20) /* larger records are corruption */
#define CURSOR_CHECK 0x6c616e6e65726a6cull
#define MAX_SENDERS 256u
#define MAX_READERS 32u

struct segment {
	uint64_t base;	     /* global offset of its first byte */
	uint64_t size;	     /* valid bytes */
	uint64_t base_recno; /* records before this segment (since the oldest kept) */
	uint64_t nrecs;
};

struct sender {
	uint64_t id;
	uint64_t seq;
	uint64_t used; /* append counter value at last use, for eviction */
};

struct journal_reader {
	struct journal *j;
	char name[64];
	int cfd;	   /* cursor file */
	uint64_t cursor;   /* committed offset */
	uint64_t recno;	   /* record number at the cursor */
	uint64_t read_pos; /* next offset to read (>= cursor) */
	uint64_t read_recno;
	uint64_t dropped;
	int seg_fd; /* open segment for reading */
	uint64_t seg_fd_base;
	uint8_t *buf;
	size_t buf_cap;
	uint64_t last_sync_ns;
};

struct journal {
	struct journal_opts o;
	char *dir;
	char instance[17];
	pthread_mutex_t mu;
	pthread_cond_t cond;
	struct segment *segs;
	size_t nsegs, segs_cap;
	int wfd; /* active segment, for appending */
	uint64_t end_recno;
	struct sender senders[MAX_SENDERS];
	uint64_t appends;
	struct journal_reader *readers[MAX_READERS];
	size_t nreaders;
	unsigned wake_gen;
	uint8_t *wbuf;
	size_t wbuf_cap;
};

/* Creates the missing parents of path (0755), as `mkdir -p` does for all but the last. */
static int mkdir_parents(const char *path)
{
	char buf[4096];
	size_t n = strlen(path);

	if (n >= sizeof(buf))
		return -1;
	memcpy(buf, path, n + 1);
	for (char *p = buf + 1; *p; p++) {
		if (*p != '/')
			continue;
		*p = '\0';
		if (mkdir(buf, 0755) != 0 && errno != EEXIST)
			return -1;
		*p = '/';
	}
	return 0;
}

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (uint64_t)ts.tv_sec * 1000000000u + (uint64_t)ts.tv_nsec;
}

static void put32(uint8_t *p, uint32_t v)
{
	for (int i = 0; i < 4; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static void put64(uint8_t *p, uint64_t v)
{
	for (int i = 0; i < 8; i++)
		p[i] = (uint8_t)(v >> (8 * i));
}

static uint32_t get32(const uint8_t *p)
{
	return (uint32_t)p[0] | (uint32_t)p[1] << 8 | (uint32_t)p[2] << 16 | (uint32_t)p[3] << 24;
}

static uint64_t get64(const uint8_t *p)
{
	uint64_t v = 0;

	for (int i = 7; i >= 0; i--)
		v = v << 8 | p[i];
	return v;
}

static void seg_path(const struct journal *j, uint64_t base, char *buf, size_t n)
{
	snprintf(buf, n, "%s/seg-%016" PRIx64 ".log", j->dir, base);
}

static int preadall(int fd, void *buf, size_t n, uint64_t off)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = pread(fd, (char *)buf + done, n - done, (off_t)(off + done));
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		if (r == 0)
			return -EIO; /* short file */
		done += (size_t)r;
	}
	return 0;
}

static int writeall(int fd, const void *buf, size_t n)
{
	size_t done = 0;

	while (done < n) {
		ssize_t r = write(fd, (const char *)buf + done, n - done);
		if (r < 0 && errno == EINTR)
			continue;
		if (r < 0)
			return -errno;
		done += (size_t)r;
	}
	return 0;
}

static uint32_t rec_crc(const uint8_t *hdr, const uint8_t *payload, size_t len)
{
	uLong c = crc32(0L, Z_NULL, 0);

	c = crc32(c, hdr + 8, 16);
	c = crc32(c, payload, (uInt)len);
	return (uint32_t)c;
}

static void sender_note(struct journal *j, uint64_t id, uint64_t seq)
{
	struct sender *victim = &j->senders[0];

	j->appends++;
	for (unsigned i = 0; i < MAX_SENDERS; i++) {
		struct sender *s = &j->senders[i];
		if (s->used && s->id == id) {
			if (seq > s->seq)
				s->seq = seq;
			s->used = j->appends;
			return;
		}
		if (s->used < victim->used)
			victim = s;
	}
	victim->id = id;
	victim->seq = seq;
	victim->used = j->appends;
}

bool journal_seen(struct journal *j, uint64_t sender, uint64_t seq)
{
	bool seen = false;

	pthread_mutex_lock(&j->mu);
	for (unsigned i = 0; i < MAX_SENDERS; i++)
		if (j->senders[i].used && j->senders[i].id == sender && seq <= j->senders[i].seq)
			seen = true;
	pthread_mutex_unlock(&j->mu);
	return seen;
}

static int segs_push(struct journal *j, uint64_t base)
{
	if (j->nsegs == j->segs_cap) {
		size_t cap = j->segs_cap ? j->segs_cap * 2 : 16;
		struct segment *s = realloc(j->segs, cap * sizeof(*s));
		if (!s)
			return -ENOMEM;
		j->segs = s;
		j->segs_cap = cap;
	}
	struct segment *s = &j->segs[j->nsegs++];
	s->base = base;
	s->size = 0;
	s->nrecs = 0;
	s->base_recno = j->end_recno;
	return 0;
}

static uint64_t end_locked(const struct journal *j)
{
	const struct segment *s = &j->segs[j->nsegs - 1];

	return s->base + s->size;
}

/*
 * Scans a segment's records, validating each; returns the valid size. Notes
 * senders (dedupe state) when `note`.
 */
static uint64_t scan_segment(struct journal *j, int fd, uint64_t fsize, uint64_t *nrecs, bool note)
{
	uint64_t pos = 0, n = 0;
	uint8_t hdr[REC_HDR];
	uint8_t *p = NULL;
	size_t cap = 0;

	while (pos + REC_HDR <= fsize) {
		if (preadall(fd, hdr, REC_HDR, pos))
			break;
		uint32_t len = get32(hdr);
		if (len > REC_MAX_LEN || pos + REC_HDR + len > fsize)
			break;
		if (len > cap) {
			uint8_t *q = realloc(p, len);
			if (!q)
				break;
			p = q;
			cap = len;
		}
		if (preadall(fd, p, len, pos + REC_HDR))
			break;
		if (rec_crc(hdr, p, len) != get32(hdr + 4))
			break;
		if (note)
			sender_note(j, get64(hdr + 8), get64(hdr + 16));
		pos += REC_HDR + len;
		n++;
	}
	free(p);
	*nrecs = n;
	return pos;
}

static int cmp_u64(const void *a, const void *b)
{
	uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;

	return x < y ? -1 : x > y;
}

static int load_instance(struct journal *j)
{
	char path[4096];
	int fd, rc = 0;

	snprintf(path, sizeof(path), "%s/instance", j->dir);
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd >= 0) {
		ssize_t n = read(fd, j->instance, 16);
		close(fd);
		if (n == 16) {
			j->instance[16] = '\0';
			return 0;
		}
	}
	uint64_t r;
	if (getrandom(&r, sizeof(r), 0) != sizeof(r))
		r = now_ns() ^ (uint64_t)getpid() << 32;
	snprintf(j->instance, sizeof(j->instance), "%016" PRIx64, r);
	fd = open(path, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
	if (fd < 0)
		return -errno;
	rc = writeall(fd, j->instance, 16);
	if (!rc && fsync(fd))
		rc = -errno;
	close(fd);
	return rc;
}

static int open_active(struct journal *j)
{
	char path[4096];
	const struct segment *s = &j->segs[j->nsegs - 1];

	if (j->wfd >= 0)
		close(j->wfd);
	seg_path(j, s->base, path, sizeof(path));
	j->wfd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0600);
	if (j->wfd < 0)
		return -errno;
	return 0;
}

struct journal *journal_open(const struct journal_opts *o)
{
	struct journal *j = calloc(1, sizeof(*j));
	uint64_t *bases = NULL;
	size_t nb = 0, cb = 0;
	DIR *d = NULL;
	int rc = 0;

	if (!j)
		return NULL;
	j->o = *o;
	j->wfd = -1;
	if (!j->o.segment_bytes)
		j->o.segment_bytes = 16u << 20;
	if (!j->o.max_bytes)
		j->o.max_bytes = 1ull << 30;
	if (j->o.segment_bytes > j->o.max_bytes / 4)
		j->o.segment_bytes = j->o.max_bytes / 4 ? j->o.max_bytes / 4 : 1;
	if (!j->o.fsync_interval_ms)
		j->o.fsync_interval_ms = 1000;
	pthread_mutex_init(&j->mu, NULL);
	pthread_cond_init(&j->cond, NULL);
	j->dir = strdup(o->dir);
	if (!j->dir) {
		rc = -ENOMEM;
		goto fail;
	}
	if (mkdir_parents(j->dir) != 0 || (mkdir(j->dir, 0700) && errno != EEXIST)) {
		rc = -errno;
		lg_err("journal: cannot create %s: %s", j->dir, strerror(errno));
		goto fail;
	}
	rc = load_instance(j);
	if (rc) {
		lg_err("journal: cannot write %s/instance: %s", j->dir, strerror(-rc));
		goto fail;
	}
	d = opendir(j->dir);
	if (!d) {
		rc = -errno;
		goto fail;
	}
	for (struct dirent *e; (e = readdir(d));) {
		uint64_t base;
		char tail[8];
		if (sscanf(e->d_name, "seg-%16" SCNx64 ".%7s", &base, tail) != 2 ||
		    strcmp(tail, "log") != 0)
			continue;
		if (nb == cb) {
			cb = cb ? cb * 2 : 16;
			uint64_t *p = realloc(bases, cb * sizeof(*p));
			if (!p) {
				rc = -ENOMEM;
				goto fail;
			}
			bases = p;
		}
		bases[nb++] = base;
	}
	closedir(d);
	d = NULL;
	if (nb)
		qsort(bases, nb, sizeof(*bases), cmp_u64);
	for (size_t i = 0; i < nb; i++) {
		char path[4096];
		struct stat st;
		uint64_t nrecs;
		seg_path(j, bases[i], path, sizeof(path));
		int fd = open(path, O_RDWR | O_CLOEXEC);
		if (fd < 0 || fstat(fd, &st)) {
			rc = -errno;
			if (fd >= 0)
				close(fd);
			goto fail;
		}
		uint64_t valid = scan_segment(j, fd, (uint64_t)st.st_size, &nrecs, true);
		if (valid < (uint64_t)st.st_size) {
			lg_warn("journal: %s: %" PRIu64 " bytes after offset %" PRIu64
				" are torn or corrupt: truncated",
				path, (uint64_t)st.st_size - valid, valid);
			if (ftruncate(fd, (off_t)valid))
				lg_err("journal: truncate %s: %s", path, strerror(errno));
		}
		close(fd);
		if (j->nsegs && bases[i] < end_locked(j)) {
			lg_warn("journal: %s overlaps its predecessor: ignored", path);
			continue;
		}
		rc = segs_push(j, bases[i]);
		if (rc)
			goto fail;
		j->segs[j->nsegs - 1].size = valid;
		j->segs[j->nsegs - 1].nrecs = nrecs;
		j->end_recno += nrecs;
	}
	if (!j->nsegs) {
		rc = segs_push(j, 0);
		if (rc)
			goto fail;
	}
	rc = open_active(j);
	if (rc)
		goto fail;
	free(bases);
	return j;
fail:
	if (d)
		closedir(d);
	free(bases);
	journal_close(j);
	errno = rc < 0 ? -rc : EIO;
	return NULL;
}

void journal_close(struct journal *j)
{
	if (!j)
		return;
	if (j->wfd >= 0) {
		if (j->o.fsync != JOURNAL_FSYNC_NEVER)
			fdatasync(j->wfd);
		close(j->wfd);
	}
	pthread_mutex_destroy(&j->mu);
	pthread_cond_destroy(&j->cond);
	free(j->segs);
	free(j->wbuf);
	free(j->dir);
	free(j);
}

const char *journal_instance(const struct journal *j)
{
	return j->instance;
}

uint64_t journal_end(struct journal *j)
{
	pthread_mutex_lock(&j->mu);
	uint64_t e = end_locked(j);
	pthread_mutex_unlock(&j->mu);
	return e;
}

uint64_t journal_bytes(struct journal *j)
{
	pthread_mutex_lock(&j->mu);
	uint64_t b = end_locked(j) - j->segs[0].base;
	pthread_mutex_unlock(&j->mu);
	return b;
}

void journal_wake(struct journal *j)
{
	pthread_mutex_lock(&j->mu);
	j->wake_gen++;
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->mu);
}

/* Counts records in [from, to) of segment s (to = segment end when UINT64_MAX). */
static uint64_t count_recs(struct journal *j, const struct segment *s, uint64_t from)
{
	char path[4096];
	uint8_t hdr[REC_HDR];
	uint64_t pos = from - s->base, n = 0;
	int fd;

	if (from <= s->base)
		return s->nrecs;
	seg_path(j, s->base, path, sizeof(path));
	fd = open(path, O_RDONLY | O_CLOEXEC);
	if (fd < 0)
		return 0;
	while (pos + REC_HDR <= s->size && !preadall(fd, hdr, REC_HDR, pos)) {
		pos += REC_HDR + get32(hdr);
		n++;
	}
	close(fd);
	return n;
}

/* Removes the oldest segment; lagging readers skip it (counted as dropped when `overflow`). */
static void drop_oldest_locked(struct journal *j, bool overflow)
{
	struct segment s = j->segs[0];
	char path[4096];
	uint64_t send = s.base + s.size;

	for (size_t i = 0; i < j->nreaders; i++) {
		struct journal_reader *r = j->readers[i];
		if (r->cursor >= send)
			continue;
		uint64_t lost = count_recs(j, &s, r->cursor);
		if (overflow) {
			r->dropped += lost;
			lg_err("journal: size cap %" PRIu64
			       " bytes reached: output %s loses %" PRIu64 " undelivered alerts",
			       j->o.max_bytes, r->name, lost);
		}
		r->cursor = send;
		r->recno = s.base_recno + s.nrecs;
		if (r->read_pos < send) {
			r->read_pos = send;
			r->read_recno = r->recno;
		}
	}
	seg_path(j, s.base, path, sizeof(path));
	unlink(path);
	memmove(j->segs, j->segs + 1, (j->nsegs - 1) * sizeof(*j->segs));
	j->nsegs--;
}

/* Removes segments every reader has passed (never the active one). */
static void reclaim_locked(struct journal *j)
{
	while (j->nsegs > 1) {
		uint64_t send = j->segs[0].base + j->segs[0].size;
		for (size_t i = 0; i < j->nreaders; i++)
			if (j->readers[i]->cursor < send)
				return;
		drop_oldest_locked(j, false);
	}
}

int journal_append(struct journal *j, uint64_t sender, uint64_t seq, const struct iovec *recs,
		   size_t n)
{
	size_t total = 0;
	int rc = 0;

	for (size_t i = 0; i < n; i++) {
		if (recs[i].iov_len > REC_MAX_LEN)
			return -E2BIG;
		total += REC_HDR + recs[i].iov_len;
	}
	if (!n)
		return 0;
	pthread_mutex_lock(&j->mu);
	struct segment *s = &j->segs[j->nsegs - 1];
	if (s->size && s->size + total > j->o.segment_bytes) {
		if (j->o.fsync != JOURNAL_FSYNC_NEVER)
			fdatasync(j->wfd);
		rc = segs_push(j, s->base + s->size);
		if (!rc)
			rc = open_active(j);
		if (rc) {
			lg_err("journal: cannot start a segment in %s: %s", j->dir, strerror(-rc));
			goto out;
		}
		s = &j->segs[j->nsegs - 1];
	}
	if (total > j->wbuf_cap) {
		uint8_t *p = realloc(j->wbuf, total);
		if (!p) {
			rc = -ENOMEM;
			goto out;
		}
		j->wbuf = p;
		j->wbuf_cap = total;
	}
	uint8_t *w = j->wbuf;
	for (size_t i = 0; i < n; i++) {
		put32(w, (uint32_t)recs[i].iov_len);
		put64(w + 8, sender);
		put64(w + 16, seq);
		memcpy(w + REC_HDR, recs[i].iov_base, recs[i].iov_len);
		put32(w + 4, rec_crc(w, w + REC_HDR, recs[i].iov_len));
		w += REC_HDR + recs[i].iov_len;
	}
	rc = writeall(j->wfd, j->wbuf, total);
	if (rc) {
		/* nothing half-written may stay: readers would stop at it forever */
		if (ftruncate(j->wfd, (off_t)s->size))
			lg_err("journal: cannot undo a partial append: %s", strerror(errno));
		lg_err("journal: append to %s failed: %s", j->dir, strerror(-rc));
		goto out;
	}
	s->size += total;
	s->nrecs += n;
	j->end_recno += n;
	sender_note(j, sender, seq);
	while (j->nsegs > 1 && end_locked(j) - j->segs[0].base > j->o.max_bytes)
		drop_oldest_locked(j, true);
	/* "always": synced before returning (so before the ack), under the lock because
	 * another thread's append may rotate wfd; "interval" syncs come from journal_sync() */
	if (j->o.fsync == JOURNAL_FSYNC_ALWAYS && fdatasync(j->wfd))
		lg_err("journal: fdatasync: %s", strerror(errno));
	pthread_cond_broadcast(&j->cond);
	pthread_mutex_unlock(&j->mu);
	return 0;
out:
	pthread_mutex_unlock(&j->mu);
	return rc;
}

void journal_sync(struct journal *j)
{
	pthread_mutex_lock(&j->mu);
	int fd = j->wfd >= 0 ? dup(j->wfd) : -1; /* a rotation may close wfd meanwhile */
	pthread_mutex_unlock(&j->mu);
	if (fd < 0)
		return;
	if (fdatasync(fd))
		lg_err("journal: fdatasync: %s", strerror(errno));
	close(fd);
}

/* ---- readers ---- */

static int cursor_write(struct journal_reader *r, uint64_t off, bool sync)
{
	uint8_t b[16];

	put64(b, off);
	put64(b + 8, off ^ CURSOR_CHECK);
	if (pwrite(r->cfd, b, 16, 0) != 16)
		return -errno;
	if (sync && fdatasync(r->cfd))
		return -errno;
	return 0;
}

/* Segment index holding offset pos (or the first after it); nsegs if pos is at/after the end. */
static size_t seg_find(const struct journal *j, uint64_t pos)
{
	for (size_t i = 0; i < j->nsegs; i++)
		if (pos < j->segs[i].base + j->segs[i].size)
			return i;
	return j->nsegs;
}

/* Record number at offset pos (scanning its segment). */
static uint64_t recno_at(struct journal *j, uint64_t pos)
{
	size_t i = seg_find(j, pos);

	if (i == j->nsegs)
		return j->end_recno;
	const struct segment *s = &j->segs[i];
	if (pos <= s->base)
		return s->base_recno;
	return s->base_recno + s->nrecs - count_recs(j, s, pos);
}

struct journal_reader *journal_reader_open(struct journal *j, const char *name)
{
	struct journal_reader *r = calloc(1, sizeof(*r));
	char path[4096];
	uint8_t b[16];
	bool have = false;

	if (!r)
		return NULL;
	r->j = j;
	r->seg_fd = -1;
	snprintf(r->name, sizeof(r->name), "%s", name);
	snprintf(path, sizeof(path), "%s/cursor.%s", j->dir, name);
	r->cfd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0600);
	if (r->cfd < 0) {
		int e = errno;
		free(r);
		errno = e;
		return NULL;
	}
	if (pread(r->cfd, b, 16, 0) == 16 && (get64(b) ^ CURSOR_CHECK) == get64(b + 8)) {
		r->cursor = get64(b);
		have = true;
	}
	pthread_mutex_lock(&j->mu);
	if (j->nreaders == MAX_READERS) {
		pthread_mutex_unlock(&j->mu);
		close(r->cfd);
		free(r);
		errno = ENOSPC;
		return NULL;
	}
	uint64_t end = end_locked(j);
	if (!have || r->cursor > end)
		r->cursor = end; /* a new output starts with what comes next */
	if (r->cursor < j->segs[0].base)
		r->cursor = j->segs[0].base;
	r->recno = recno_at(j, r->cursor);
	r->read_pos = r->cursor;
	r->read_recno = r->recno;
	j->readers[j->nreaders++] = r;
	pthread_mutex_unlock(&j->mu);
	cursor_write(r, r->cursor, true);
	return r;
}

void journal_reader_close(struct journal_reader *r)
{
	if (!r)
		return;
	struct journal *j = r->j;
	pthread_mutex_lock(&j->mu);
	for (size_t i = 0; i < j->nreaders; i++) {
		if (j->readers[i] == r) {
			j->readers[i] = j->readers[--j->nreaders];
			break;
		}
	}
	pthread_mutex_unlock(&j->mu);
	fdatasync(r->cfd);
	close(r->cfd);
	if (r->seg_fd >= 0)
		close(r->seg_fd);
	free(r->buf);
	free(r);
}

int journal_reader_next(struct journal_reader *r, struct journal_rec *recs, size_t max,
			size_t max_bytes, int timeout_ms)
{
	struct journal *j = r->j;
	uint64_t pos, limit, seg_base;
	size_t got = 0, used = 0;
	unsigned gen;
	int rc = 0;

	pthread_mutex_lock(&j->mu);
	gen = j->wake_gen;
	if (r->read_pos >= end_locked(j) && timeout_ms > 0) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		ts.tv_sec += timeout_ms / 1000;
		ts.tv_nsec += (long)(timeout_ms % 1000) * 1000000L;
		if (ts.tv_nsec >= 1000000000L) {
			ts.tv_sec++;
			ts.tv_nsec -= 1000000000L;
		}
		while (r->read_pos >= end_locked(j) && gen == j->wake_gen)
			if (pthread_cond_timedwait(&j->cond, &j->mu, &ts))
				break;
	}
	size_t si = seg_find(j, r->read_pos);
	if (si == j->nsegs) {
		pthread_mutex_unlock(&j->mu);
		return 0;
	}
	if (r->read_pos < j->segs[si].base) {
		r->read_pos = j->segs[si].base; /* a gap left by a truncated segment */
		r->read_recno = j->segs[si].base_recno;
	}
	seg_base = j->segs[si].base;
	limit = j->segs[si].base + j->segs[si].size; /* read within one segment per call */
	pos = r->read_pos;
	pthread_mutex_unlock(&j->mu);

	if (r->seg_fd < 0 || r->seg_fd_base != seg_base) {
		char path[4096];
		if (r->seg_fd >= 0)
			close(r->seg_fd);
		seg_path(j, seg_base, path, sizeof(path));
		r->seg_fd = open(path, O_RDONLY | O_CLOEXEC);
		if (r->seg_fd < 0)
			return -errno; /* removed under us (size cap): the caller retries */
		r->seg_fd_base = seg_base;
	}
	/* read up to max_bytes of the segment in one pread, then cut records out of it */
	uint64_t span = limit - pos;
	if (span > max_bytes)
		span = max_bytes < REC_HDR ? REC_HDR : max_bytes;
	if (span > r->buf_cap) {
		uint8_t *p = realloc(r->buf, span);
		if (!p)
			return -ENOMEM;
		r->buf = p;
		r->buf_cap = span;
	}
	rc = preadall(r->seg_fd, r->buf, span, pos - seg_base);
	if (rc)
		return rc;
	while (got < max && used + REC_HDR <= span) {
		uint8_t *h = r->buf + used;
		uint32_t len = get32(h);
		if (used + REC_HDR + len > span) {
			if (got)
				break;
			/* one record bigger than the span: read it alone */
			size_t need = REC_HDR + len;
			uint8_t *p = realloc(r->buf, need);
			if (!p)
				return -ENOMEM;
			r->buf = p;
			r->buf_cap = need;
			rc = preadall(r->seg_fd, r->buf, need, pos - seg_base);
			if (rc)
				return rc;
			span = need;
			h = r->buf;
		}
		/* no CRC check here: records older than this process were checked by the scan
		 * at open, newer ones were written by it */
		if (len > REC_MAX_LEN) {
			lg_err("journal: corrupt record at offset %" PRIu64 " for output %s",
			       pos + used, r->name);
			if (!got)
				return -EIO;
			break;
		}
		recs[got].off = pos + used;
		recs[got].end = pos + used + REC_HDR + len;
		recs[got].data = h + REC_HDR;
		recs[got].len = len;
		got++;
		used += REC_HDR + len;
		if (used >= max_bytes)
			break;
	}
	pthread_mutex_lock(&j->mu);
	if (r->read_pos == pos) {
		r->read_pos = pos + used;
		r->read_recno += got;
	}
	pthread_mutex_unlock(&j->mu);
	return (int)got;
}

void journal_reader_rewind(struct journal_reader *r)
{
	pthread_mutex_lock(&r->j->mu);
	r->read_pos = r->cursor;
	r->read_recno = r->recno;
	pthread_mutex_unlock(&r->j->mu);
}

int journal_reader_commit(struct journal_reader *r, uint64_t end)
{
	struct journal *j = r->j;
	bool sync = false;
	int rc = 0;

	pthread_mutex_lock(&j->mu);
	if (end > r->cursor) {
		uint64_t n = 0;
		/* count records between the old and the new cursor (usually the batch just read) */
		if (end == r->read_pos)
			n = r->read_recno - r->recno;
		else
			n = recno_at(j, end) - r->recno;
		r->cursor = end;
		r->recno += n;
		if (r->read_pos < end) {
			r->read_pos = end;
			r->read_recno = r->recno;
		}
		reclaim_locked(j);
	}
	end = r->cursor;
	if (j->o.fsync == JOURNAL_FSYNC_ALWAYS ||
	    (j->o.fsync == JOURNAL_FSYNC_INTERVAL &&
	     now_ns() - r->last_sync_ns >= (uint64_t)j->o.fsync_interval_ms * 1000000u)) {
		sync = true;
		r->last_sync_ns = now_ns();
	}
	pthread_mutex_unlock(&j->mu);
	rc = cursor_write(r, end, sync);
	return rc;
}

uint64_t journal_reader_cursor(struct journal_reader *r)
{
	pthread_mutex_lock(&r->j->mu);
	uint64_t c = r->cursor;
	pthread_mutex_unlock(&r->j->mu);
	return c;
}

uint64_t journal_reader_backlog(struct journal_reader *r)
{
	pthread_mutex_lock(&r->j->mu);
	uint64_t b = r->j->end_recno - r->recno;
	pthread_mutex_unlock(&r->j->mu);
	return b;
}

uint64_t journal_reader_dropped(struct journal_reader *r)
{
	pthread_mutex_lock(&r->j->mu);
	uint64_t d = r->dropped;
	pthread_mutex_unlock(&r->j->mu);
	return d;
}
