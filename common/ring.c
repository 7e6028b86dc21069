/* ring.c: SPSC shared-memory ring: layout, attach checks, reserve/commit, peek/release, futex waits. */
#include "ring.h"

#include <errno.h>
#include <fcntl.h>
#include <linux/futex.h>
#include <stdarg.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

/* "LNRRING1" read as a little-endian u64. */
#define RING_MAGIC 0x31474e4952524e4cull

/* Record header: 8 bytes before every record, as in libbpf's ringbuf.c. */
#define REC_HDR_SIZE 8u
#define REC_BUSY (1u << 31)    /* reserved, not yet committed or discarded */
#define REC_DISCARD (1u << 30) /* given up by the producer: the consumer skips it */
#define REC_LEN_MASK (REC_DISCARD - 1)

/* Byte of the shm object each role keeps locked (OFD lock) while attached. */
#define LOCK_BYTE_PRODUCER 0
#define LOCK_BYTE_CONSUMER 1

/* A sleeping side wakes at least this often to check that its peer lives (ms). */
#define LIVENESS_SLICE_MS 100
/* Polls of the ring before a side goes to sleep on the futex (each a cpu pause). */
#define SPIN_POLLS 200

/* Two cache lines: keeps the adjacent-line prefetcher from coupling the fields. */
#define RING_LINE 128

/*
 * The first page of the shm object. The data area follows it, data_size
 * bytes; it is mapped twice, back to back, so that a record that runs past
 * the end of the area is one contiguous span. Positions are byte counts
 * since creation (they never wrap in practice: 2^64 bytes); a position's
 * offset in the area is pos & (data_size - 1).
 */
struct ring_hdr {
	/* Written once by the creator; magic last (see ring_create()). */
	_Atomic uint64_t magic;
	uint32_t version;
	uint32_t hdr_size;   /* bytes before the data area: one page */
	uint64_t data_size;  /* bytes, a power of two */
	uint64_t max_record; /* largest payload in bytes: data_size / 2 */
	uint32_t page_size;  /* bytes, of the creating machine */
	uint32_t reserved0;

	/* Written by the producer at every reservation. */
	_Alignas(RING_LINE) _Atomic uint64_t prod_pos;

	/* Written by the consumer at every release. */
	_Alignas(RING_LINE) _Atomic uint64_t cons_pos;

	/*
	 * Written only when a side goes to sleep, is woken, attaches or
	 * closes: the other side reads the waiting flags on its hot path and
	 * the line stays in its cache.
	 */
	_Alignas(RING_LINE) _Atomic uint32_t cons_waiting; /* futex word: 1 = consumer sleeps */
	_Atomic uint32_t prod_waiting;			   /* futex word: 1 = producer sleeps */
	_Atomic uint32_t prod_closed;			   /* 1 = producer detached cleanly */
	_Atomic uint32_t cons_closed;
	_Atomic uint32_t prod_gen; /* producer attaches since creation */
	_Atomic uint32_t cons_gen;
	_Atomic int32_t prod_pid; /* diagnostics only: liveness uses the locks */
	_Atomic int32_t cons_pid;

	/* Ordering point of the wake-up protocol: see ring_sync(). */
	_Alignas(RING_LINE) _Atomic uint64_t sync;

	/* Statistics (ring_stats()). */
	_Alignas(RING_LINE) _Atomic uint64_t prod_wakeups;
	_Atomic uint64_t cons_wakeups;
	_Atomic uint64_t prod_sleeps;
	_Atomic uint64_t cons_sleeps;
};

_Static_assert(sizeof(struct ring_hdr) <= RING_MIN_DATA_SIZE, "ring header fits a page");
_Static_assert(ATOMIC_LLONG_LOCK_FREE == 2 && ATOMIC_INT_LOCK_FREE == 2,
	       "shared-memory atomics must be lock-free");

struct ring_rec {
	_Atomic uint32_t len; /* payload bytes | REC_BUSY | REC_DISCARD */
	uint32_t reserved;    /* 0 */
};

/* One mapping of a ring, shared by a handle and its ring_attach_peer() twin. */
struct ring_map {
	unsigned char *base; /* header page, then the data area twice */
	size_t len;	     /* bytes mapped from base */
	_Atomic int refs;
};

struct ring {
	struct ring_hdr *hdr;
	unsigned char *data; /* first copy of the data area; the second follows it */
	struct ring_map *map;
	uint64_t data_size;
	uint64_t mask;
	uint64_t max_record;
	enum ring_role role;
	int fd;	   /* our own open file description: holds our role's lock */
	pid_t pid; /* process that attached (a fork()ed child only unmaps) */
	char path[RING_NAME_MAX + 16];

	/* Producer: next position to reserve, last consumer position read. */
	uint64_t pos;
	uint64_t cached_cons;
	/* Consumer: next position to peek, released position, last producer position read. */
	uint64_t peek_pos;
	uint64_t released;
	uint64_t cached_prod;
};

static void set_err(char *err, size_t errlen, const char *fmt, ...)
	__attribute__((format(printf, 3, 4)));

static void set_err(char *err, size_t errlen, const char *fmt, ...)
{
	va_list ap;

	if (!err || errlen == 0)
		return;
	va_start(ap, fmt);
	vsnprintf(err, errlen, fmt, ap);
	va_end(ap);
}

static inline uint64_t rec_span(uint32_t len)
{
	return ((uint64_t)len + REC_HDR_SIZE + 7) & ~(uint64_t)7;
}

static inline void cpu_relax(void)
{
#if defined(__x86_64__) || defined(__i386__)
	__builtin_ia32_pause();
#elif defined(__aarch64__)
	__asm__ __volatile__("yield" ::: "memory");
#endif
}

static int futex_wait(_Atomic uint32_t *word, uint32_t val, int ms)
{
	struct timespec ts = {.tv_sec = ms / 1000, .tv_nsec = (long)(ms % 1000) * 1000000L};

	/* Not FUTEX_PRIVATE: the word is shared between processes. */
	if (syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT, val, &ts, NULL, 0) == 0)
		return 0;
	return -errno;
}

static void futex_wake(_Atomic uint32_t *word)
{
	syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE, 1, NULL, NULL, 0);
}

/*
 * The store-then-load ordering point of the wake-up protocol (Dekker's
 * pattern). A side that publishes progress (a commit, a release, a close)
 * stores it, calls ring_sync(), then reads the other side's waiting flag; a
 * side going to sleep stores its waiting flag, calls ring_sync(), then
 * re-checks the ring. The acq_rel read-modify-writes of the one sync word
 * are totally ordered: whichever comes second reads the first's value and
 * so synchronizes with it, and sees every store made before it. Hence
 * either the sleeper's re-check sees the progress, or the publisher sees
 * the flag and wakes it: no lost wake-up. (A pair of seq_cst fences would
 * do the same, but ThreadSanitizer cannot check fences; the RMW costs the
 * same on x86, one locked instruction on a line the producer owns.)
 */
static inline void ring_sync(struct ring_hdr *h)
{
	atomic_fetch_add_explicit(&h->sync, 1, memory_order_acq_rel);
}

/*
 * Wake the side sleeping on word, if it sleeps. The caller has made its
 * progress visible and called ring_sync() first (see the callers).
 * Clearing the flag before FUTEX_WAKE makes a sleeper that has not reached
 * FUTEX_WAIT yet return at once (the word no longer holds 1).
 */
static void wake_if_waiting(_Atomic uint32_t *word, _Atomic uint64_t *counter)
{
	if (atomic_load_explicit(word, memory_order_relaxed) == 0)
		return;
	if (atomic_exchange_explicit(word, 0, memory_order_relaxed) != 0) {
		futex_wake(word);
		atomic_fetch_add_explicit(counter, 1, memory_order_relaxed);
	}
}

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static int role_lock(int fd, enum ring_role role, bool test_only)
{
	struct flock fl = {
		.l_type = F_WRLCK,
		.l_whence = SEEK_SET,
		.l_start = role == RING_PRODUCER ? LOCK_BYTE_PRODUCER : LOCK_BYTE_CONSUMER,
		.l_len = 1,
	};

	if (test_only) {
		if (fcntl(fd, F_OFD_GETLK, &fl) < 0)
			return -errno;
		return fl.l_type == F_UNLCK ? 0 : 1;
	}
	if (fcntl(fd, F_OFD_SETLK, &fl) < 0)
		return errno == EACCES || errno == EAGAIN ? -EBUSY : -errno;
	return 0;
}

static int make_path(const char *name, char *path, size_t n, char *err, size_t errlen)
{
	size_t len = name ? strlen(name) : 0;

	if (len == 0 || len > RING_NAME_MAX || name[0] == '.') {
		set_err(err, errlen,
			"ring name '%s': must be 1..%d characters, not starting with '.'",
			name ? name : "(null)", RING_NAME_MAX);
		return -EINVAL;
	}
	for (size_t i = 0; i < len; i++) {
		char c = name[i];

		if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
		      c == '.' || c == '_' || c == '-')) {
			set_err(err, errlen,
				"ring name '%s': character %zu is not one of [A-Za-z0-9._-]", name,
				i + 1);
			return -EINVAL;
		}
	}
	snprintf(path, n, "/lanner-%s", name);
	return 0;
}

static void map_put(struct ring_map *m)
{
	if (!m || atomic_fetch_sub_explicit(&m->refs, 1, memory_order_acq_rel) != 1)
		return;
	munmap(m->base, m->len);
	free(m);
}

/* Map header + data area, then the data area again right after it. */
static struct ring_map *map_ring(int fd, size_t hdr_size, size_t data_size, char *err,
				 size_t errlen)
{
	struct ring_map *m = calloc(1, sizeof(*m));
	unsigned char *base, *p;

	if (!m) {
		set_err(err, errlen, "ring: out of memory");
		errno = ENOMEM;
		return NULL;
	}
	m->len = hdr_size + 2 * data_size;
	/* Reserve the whole span first so the two MAP_FIXED maps cannot clobber anything. */
	base = mmap(NULL, m->len, PROT_NONE, MAP_PRIVATE | MAP_ANONYMOUS | MAP_NORESERVE, -1, 0);
	if (base == MAP_FAILED)
		goto fail;
	p = mmap(base, hdr_size + data_size, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_FIXED, fd, 0);
	if (p == MAP_FAILED)
		goto fail_unmap;
	p = mmap(base + hdr_size + data_size, data_size, PROT_READ | PROT_WRITE,
		 MAP_SHARED | MAP_FIXED, fd, (off_t)hdr_size);
	if (p == MAP_FAILED)
		goto fail_unmap;
	m->base = base;
	atomic_init(&m->refs, 1);
	return m;

fail_unmap : {
	int e = errno;

	munmap(base, m->len);
	errno = e;
}
fail : {
	int e = errno;

	set_err(err, errlen, "ring: mmap of %zu bytes failed: %s", m->len, strerror(e));
	free(m);
	errno = e;
	return NULL;
}
}

/* Walk the records a dead producer left and turn its unfinished reservations into discards. */
static int recover_producer(struct ring *r)
{
	struct ring_hdr *h = r->hdr;
	/* acquire, partner: the consumer's release store in ring_release() */
	uint64_t pos = atomic_load_explicit(&h->cons_pos, memory_order_acquire);
	uint64_t end = atomic_load_explicit(&h->prod_pos, memory_order_relaxed);

	while (pos != end) {
		struct ring_rec *rec = (struct ring_rec *)(r->data + (pos & r->mask));
		uint32_t v = atomic_load_explicit(&rec->len, memory_order_relaxed);
		uint32_t len = v & REC_LEN_MASK;

		if (len == 0 || len > r->max_record || rec_span(len) > end - pos)
			return -EPROTO;
		if (v & REC_BUSY) {
			/* release, partner: the consumer's acquire load in next_record() */
			atomic_store_explicit(&rec->len, len | REC_DISCARD, memory_order_release);
		}
		pos += rec_span(len);
	}
	return 0;
}

/* Common tail of create and attach: lock our role, mark ourselves attached. */
static int take_role(struct ring *r, char *err, size_t errlen)
{
	struct ring_hdr *h = r->hdr;
	int rc = role_lock(r->fd, r->role, false);
	uint64_t prod, cons;

	if (rc < 0) {
		set_err(err, errlen, "ring %s: %s", r->path + 1,
			rc == -EBUSY
				? (r->role == RING_PRODUCER ? "another live producer is attached"
							    : "another live consumer is attached")
				: strerror(-rc));
		return rc;
	}
	prod = atomic_load_explicit(&h->prod_pos, memory_order_acquire);
	cons = atomic_load_explicit(&h->cons_pos, memory_order_acquire);
	if (prod - cons > r->data_size || (prod | cons) & 7) {
		set_err(err, errlen,
			"ring %s: corrupt positions (producer %llu, consumer %llu, size %llu)",
			r->path + 1, (unsigned long long)prod, (unsigned long long)cons,
			(unsigned long long)r->data_size);
		return -EPROTO;
	}
	if (r->role == RING_PRODUCER) {
		if (atomic_load_explicit(&h->prod_gen, memory_order_relaxed) != 0 &&
		    recover_producer(r) < 0) {
			set_err(err, errlen,
				"ring %s: corrupt record left by the previous producer",
				r->path + 1);
			return -EPROTO;
		}
		r->pos = prod;
		r->cached_cons = cons;
		atomic_store_explicit(&h->prod_closed, 0, memory_order_relaxed);
		atomic_store_explicit(&h->prod_pid, (int32_t)r->pid, memory_order_relaxed);
		/* release, partner: the acquire load in ring_peer_alive() */
		atomic_fetch_add_explicit(&h->prod_gen, 1, memory_order_release);
		/* partner: the consumer's ring_sync() in ring_wait_readable() (recovered discards) */
		ring_sync(h);
		wake_if_waiting(&h->cons_waiting, &h->prod_wakeups);
	} else {
		r->peek_pos = r->released = r->cached_prod = cons;
		atomic_store_explicit(&h->cons_closed, 0, memory_order_relaxed);
		atomic_store_explicit(&h->cons_pid, (int32_t)r->pid, memory_order_relaxed);
		/* release, partner: the acquire load in ring_peer_alive() */
		atomic_fetch_add_explicit(&h->cons_gen, 1, memory_order_release);
	}
	return 0;
}

static struct ring *ring_new(enum ring_role role, const char *path)
{
	struct ring *r = calloc(1, sizeof(*r));

	if (!r)
		return NULL;
	r->role = role;
	r->fd = -1;
	r->pid = getpid();
	snprintf(r->path, sizeof(r->path), "%s", path);
	return r;
}

static void ring_setup(struct ring *r, struct ring_map *m)
{
	r->map = m;
	r->hdr = (struct ring_hdr *)m->base;
	r->data = m->base + r->hdr->hdr_size;
	r->data_size = r->hdr->data_size;
	r->mask = r->data_size - 1;
	r->max_record = r->hdr->max_record;
}

static void ring_free(struct ring *r)
{
	if (!r)
		return;
	if (r->fd >= 0)
		close(r->fd);
	map_put(r->map);
	free(r);
}

struct ring *ring_create(const char *name, size_t data_size, enum ring_role role, unsigned int mode,
			 int flags, char *err, size_t errlen)
{
	char path[RING_NAME_MAX + 16];
	long page = sysconf(_SC_PAGESIZE);
	struct ring *r = NULL;
	struct ring_map *m;
	struct ring_hdr *h;
	int rc, fd = -1;

	rc = make_path(name, path, sizeof(path), err, errlen);
	if (rc < 0)
		goto fail;
	if (role != RING_PRODUCER && role != RING_CONSUMER) {
		set_err(err, errlen, "ring %s: role must be producer or consumer", name);
		rc = -EINVAL;
		goto fail;
	}
	if (data_size < RING_MIN_DATA_SIZE || data_size > RING_MAX_DATA_SIZE ||
	    (data_size & (data_size - 1)) || data_size < (size_t)page) {
		set_err(err, errlen,
			"ring %s: data size %zu must be a power of two from %u (and a page) to "
			"%llu",
			name, data_size, RING_MIN_DATA_SIZE,
			(unsigned long long)RING_MAX_DATA_SIZE);
		rc = -EINVAL;
		goto fail;
	}
	if (mode == 0)
		mode = 0600;
	if (mode & ~0770u) {
		set_err(err, errlen,
			"ring %s: mode 0%o: a ring is for the pipeline's user and group only", name,
			mode);
		rc = -EINVAL;
		goto fail;
	}
	if (flags & RING_CREATE_REPLACE)
		shm_unlink(path);
	fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, (mode_t)mode);
	if (fd < 0) {
		rc = -errno;
		set_err(err, errlen, "ring %s: cannot create /dev/shm%s: %s", name, path,
			strerror(errno));
		goto fail;
	}
	/* The umask may have narrowed the mode; the pipeline asked for exactly this. */
	if (fchmod(fd, (mode_t)mode) < 0 || ftruncate(fd, (off_t)(page + data_size)) < 0) {
		rc = -errno;
		set_err(err, errlen, "ring %s: cannot size /dev/shm%s to %zu bytes: %s", name, path,
			(size_t)page + data_size, strerror(errno));
		goto fail_unlink;
	}
	m = map_ring(fd, (size_t)page, data_size, err, errlen);
	if (!m) {
		rc = -errno;
		goto fail_unlink;
	}
	h = (struct ring_hdr *)m->base;
	h->version = RING_VERSION;
	h->hdr_size = (uint32_t)page;
	h->data_size = data_size;
	h->max_record = data_size / 2;
	h->page_size = (uint32_t)page;
	/* release, partner: the acquire load of magic in ring_attach(): the geometry is visible */
	atomic_store_explicit(&h->magic, RING_MAGIC, memory_order_release);

	r = ring_new(role, path);
	if (!r) {
		map_put(m);
		rc = -ENOMEM;
		set_err(err, errlen, "ring %s: out of memory", name);
		goto fail_unlink;
	}
	r->fd = fd;
	ring_setup(r, m);
	rc = take_role(r, err, errlen);
	if (rc < 0) {
		ring_free(r);
		shm_unlink(path);
		errno = -rc;
		return NULL;
	}
	return r;

fail_unlink:
	shm_unlink(path);
fail:
	if (fd >= 0)
		close(fd);
	errno = -rc;
	return NULL;
}

/* Check the header of an object before mapping it for real. */
static int check_header(int fd, const char *name, size_t want, size_t *hdr_size, size_t *data_size,
			char *err, size_t errlen)
{
	long page = sysconf(_SC_PAGESIZE);
	struct stat st;
	struct ring_hdr *h;
	uint64_t magic, ds;
	int rc = 0;

	if (fstat(fd, &st) < 0) {
		set_err(err, errlen, "ring %s: fstat: %s", name, strerror(errno));
		return -errno;
	}
	if (st.st_mode & 0007) {
		set_err(err, errlen,
			"ring %s: /dev/shm object is open to other users (mode 0%o): refused", name,
			(unsigned)(st.st_mode & 0777));
		return -EPERM;
	}
	if (st.st_size == 0) {
		set_err(err, errlen, "ring %s: not initialised yet (being created?)", name);
		return -EAGAIN;
	}
	if (st.st_size < page) {
		set_err(err, errlen, "ring %s: object is %lld bytes, smaller than its header", name,
			(long long)st.st_size);
		return -EPROTO;
	}
	h = mmap(NULL, (size_t)page, PROT_READ, MAP_SHARED, fd, 0);
	if (h == MAP_FAILED) {
		set_err(err, errlen, "ring %s: mmap header: %s", name, strerror(errno));
		return -errno;
	}
	/* acquire, partner: the creator's release store of magic in ring_create() */
	magic = atomic_load_explicit(&h->magic, memory_order_acquire);
	ds = h->data_size;
	if (magic == 0) {
		set_err(err, errlen, "ring %s: not initialised yet (being created?)", name);
		rc = -EAGAIN;
	} else if (magic != RING_MAGIC) {
		set_err(err, errlen,
			"ring %s: not a Lanner ring (magic 0x%016llx, expected 0x%016llx)", name,
			(unsigned long long)magic, (unsigned long long)RING_MAGIC);
		rc = -EPROTO;
	} else if (h->version != RING_VERSION) {
		set_err(err, errlen, "ring %s: layout version %u, this program speaks version %u",
			name, h->version, RING_VERSION);
		rc = -EPROTO;
	} else if (h->page_size != (uint32_t)page || h->hdr_size != (uint32_t)page) {
		set_err(err, errlen,
			"ring %s: created with page size %u and header %u, this machine's page is "
			"%ld",
			name, h->page_size, h->hdr_size, page);
		rc = -EINVAL;
	} else if (ds < RING_MIN_DATA_SIZE || ds > RING_MAX_DATA_SIZE || (ds & (ds - 1)) ||
		   ds < (uint64_t)page || h->max_record != ds / 2) {
		set_err(err, errlen, "ring %s: corrupt header (data size %llu, max record %llu)",
			name, (unsigned long long)ds, (unsigned long long)h->max_record);
		rc = -EPROTO;
	} else if ((uint64_t)st.st_size != (uint64_t)page + ds) {
		set_err(err, errlen,
			"ring %s: object is %lld bytes but its header says %llu of data + %ld",
			name, (long long)st.st_size, (unsigned long long)ds, page);
		rc = -EPROTO;
	} else if (want && ds != want) {
		set_err(err, errlen, "ring %s: data size is %llu bytes, expected %zu", name,
			(unsigned long long)ds, want);
		rc = -EINVAL;
	}
	munmap(h, (size_t)page);
	*hdr_size = (size_t)page;
	*data_size = (size_t)ds;
	return rc;
}

struct ring *ring_attach(const char *name, size_t data_size, enum ring_role role, char *err,
			 size_t errlen)
{
	char path[RING_NAME_MAX + 16];
	size_t hdr_size = 0, ds = 0;
	struct ring *r = NULL;
	struct ring_map *m;
	int rc, fd = -1;

	rc = make_path(name, path, sizeof(path), err, errlen);
	if (rc < 0)
		goto fail;
	if (role != RING_PRODUCER && role != RING_CONSUMER) {
		set_err(err, errlen, "ring %s: role must be producer or consumer", name);
		rc = -EINVAL;
		goto fail;
	}
	fd = shm_open(path, O_RDWR | O_CLOEXEC, 0);
	if (fd < 0) {
		rc = -errno;
		set_err(err, errlen, "ring %s: cannot open /dev/shm%s: %s", name, path,
			strerror(errno));
		goto fail;
	}
	rc = check_header(fd, name, data_size, &hdr_size, &ds, err, errlen);
	if (rc < 0)
		goto fail;
	m = map_ring(fd, hdr_size, ds, err, errlen);
	if (!m) {
		rc = -errno;
		goto fail;
	}
	r = ring_new(role, path);
	if (!r) {
		map_put(m);
		rc = -ENOMEM;
		set_err(err, errlen, "ring %s: out of memory", name);
		goto fail;
	}
	r->fd = fd;
	ring_setup(r, m);
	rc = take_role(r, err, errlen);
	if (rc < 0) {
		ring_free(r);
		errno = -rc;
		return NULL;
	}
	return r;

fail:
	if (fd >= 0)
		close(fd);
	errno = -rc;
	return NULL;
}

struct ring *ring_attach_peer(struct ring *r, char *err, size_t errlen)
{
	struct ring *p;
	int rc;

	if (!r) {
		errno = EINVAL;
		return NULL;
	}
	p = ring_new(r->role == RING_PRODUCER ? RING_CONSUMER : RING_PRODUCER, r->path);
	if (!p) {
		set_err(err, errlen, "ring %s: out of memory", r->path + 1);
		errno = ENOMEM;
		return NULL;
	}
	/* A new open file description of our own, for our own role lock. */
	p->fd = shm_open(r->path, O_RDWR | O_CLOEXEC, 0);
	if (p->fd < 0) {
		rc = -errno;
		set_err(err, errlen, "ring %s: cannot reopen: %s", r->path + 1, strerror(errno));
		free(p);
		errno = -rc;
		return NULL;
	}
	atomic_fetch_add_explicit(&r->map->refs, 1, memory_order_relaxed);
	ring_setup(p, r->map);
	rc = take_role(p, err, errlen);
	if (rc < 0) {
		ring_free(p);
		errno = -rc;
		return NULL;
	}
	return p;
}

void ring_close(struct ring *r)
{
	struct ring_hdr *h;

	if (!r)
		return;
	h = r->hdr;
	/* A fork()ed child that inherited the handle only unmaps it. */
	if (r->pid == getpid()) {
		if (r->role == RING_PRODUCER) {
			/* release, partner: the acquire load of prod_closed in ring_peek() and
			 * ring_peer_alive(): every commit before the close is seen with it */
			atomic_store_explicit(&h->prod_closed, 1, memory_order_release);
			/* partner: the consumer's ring_sync() in ring_wait_readable() */
			ring_sync(h);
			wake_if_waiting(&h->cons_waiting, &h->prod_wakeups);
		} else {
			/* release, partner: the acquire load in ring_peer_alive() */
			atomic_store_explicit(&h->cons_closed, 1, memory_order_release);
			/* partner: the producer's ring_sync() in ring_wait_writable() */
			ring_sync(h);
			wake_if_waiting(&h->prod_waiting, &h->cons_wakeups);
		}
	}
	ring_free(r);
}

int ring_unlink(const char *name)
{
	char path[RING_NAME_MAX + 16];
	int rc = make_path(name, path, sizeof(path), NULL, 0);

	if (rc < 0)
		return rc;
	return shm_unlink(path) == 0 ? 0 : -errno;
}

int ring_chown(const char *name, uid_t uid, gid_t gid)
{
	char path[RING_NAME_MAX + 16];
	int rc = make_path(name, path, sizeof(path), NULL, 0), fd;

	if (rc < 0)
		return rc;
	fd = shm_open(path, O_RDONLY | O_NOFOLLOW | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	rc = fchown(fd, uid, gid) == 0 ? 0 : -errno;
	close(fd);
	return rc;
}

size_t ring_max_record(const struct ring *r)
{
	return (size_t)r->max_record;
}

size_t ring_data_size(const struct ring *r)
{
	return (size_t)r->data_size;
}

uint64_t ring_prod_pos(const struct ring *r)
{
	return r->pos;
}

void ring_stats(const struct ring *r, struct ring_stats *st)
{
	struct ring_hdr *h = r->hdr;

	memset(st, 0, sizeof(*st));
	st->data_size = r->data_size;
	st->cons_pos = atomic_load_explicit(&h->cons_pos, memory_order_relaxed);
	st->prod_pos = atomic_load_explicit(&h->prod_pos, memory_order_relaxed);
	st->used = st->prod_pos - st->cons_pos;
	st->prod_wakeups = atomic_load_explicit(&h->prod_wakeups, memory_order_relaxed);
	st->cons_wakeups = atomic_load_explicit(&h->cons_wakeups, memory_order_relaxed);
	st->prod_sleeps = atomic_load_explicit(&h->prod_sleeps, memory_order_relaxed);
	st->cons_sleeps = atomic_load_explicit(&h->cons_sleeps, memory_order_relaxed);
	st->producer_pid = atomic_load_explicit(&h->prod_pid, memory_order_relaxed);
	st->consumer_pid = atomic_load_explicit(&h->cons_pid, memory_order_relaxed);
}

int ring_stat_name(const char *name, struct ring_stats *st)
{
	char path[RING_NAME_MAX + 16];
	struct ring_hdr *h;
	struct stat sb;
	int fd, rc;

	rc = make_path(name, path, sizeof(path), NULL, 0);
	if (rc < 0)
		return rc;
	fd = shm_open(path, O_RDONLY | O_CLOEXEC, 0);
	if (fd < 0)
		return -errno;
	/* a header page not yet sized (creator in progress) would fault when read */
	if (fstat(fd, &sb) != 0 || (size_t)sb.st_size < sizeof(*h)) {
		close(fd);
		return -EPROTO;
	}
	h = mmap(NULL, sizeof(*h), PROT_READ, MAP_SHARED, fd, 0);
	rc = h == MAP_FAILED ? -errno : 0;
	close(fd);
	if (rc < 0)
		return rc;
	/* acquire, partner: the release store of magic in ring_create() */
	if (atomic_load_explicit(&h->magic, memory_order_acquire) != RING_MAGIC ||
	    h->version != RING_VERSION) {
		munmap(h, sizeof(*h));
		return -EPROTO;
	}
	memset(st, 0, sizeof(*st));
	st->data_size = h->data_size;
	st->cons_pos = atomic_load_explicit(&h->cons_pos, memory_order_relaxed);
	st->prod_pos = atomic_load_explicit(&h->prod_pos, memory_order_relaxed);
	st->used = st->prod_pos - st->cons_pos;
	st->prod_wakeups = atomic_load_explicit(&h->prod_wakeups, memory_order_relaxed);
	st->cons_wakeups = atomic_load_explicit(&h->cons_wakeups, memory_order_relaxed);
	st->prod_sleeps = atomic_load_explicit(&h->prod_sleeps, memory_order_relaxed);
	st->cons_sleeps = atomic_load_explicit(&h->cons_sleeps, memory_order_relaxed);
	st->producer_pid = atomic_load_explicit(&h->prod_pid, memory_order_relaxed);
	st->consumer_pid = atomic_load_explicit(&h->cons_pid, memory_order_relaxed);
	munmap(h, sizeof(*h));
	return 0;
}

int ring_peer_alive(struct ring *r)
{
	struct ring_hdr *h = r->hdr;
	enum ring_role peer = r->role == RING_PRODUCER ? RING_CONSUMER : RING_PRODUCER;
	_Atomic uint32_t *closed = peer == RING_PRODUCER ? &h->prod_closed : &h->cons_closed;
	_Atomic uint32_t *gen = peer == RING_PRODUCER ? &h->prod_gen : &h->cons_gen;
	int held;

	/* A peer attaches by locking, then bumping gen: read gen first so that
	 * "unlocked and gen == 0" can only mean "never attached". */
	/* acquire, partner: the release increment of gen in take_role() */
	uint32_t g = atomic_load_explicit(gen, memory_order_acquire);

	/* acquire, partner: the release store of the closed flag in ring_close() */
	if (atomic_load_explicit(closed, memory_order_acquire))
		return -EPIPE;
	held = role_lock(r->fd, peer, true);
	if (held < 0)
		return held;
	if (held)
		return 1;
	return g == 0 ? 0 : -EPIPE;
}

/* ---------------------------------------------------------------- producer */

int ring_reserve(struct ring *r, size_t len, void **data)
{
	struct ring_hdr *h = r->hdr;
	struct ring_rec *rec;
	uint64_t need, pos = r->pos;

	if (len == 0 || len > r->max_record)
		return -EMSGSIZE;
	need = rec_span((uint32_t)len);
	if (pos + need - r->cached_cons > r->data_size) {
		/* acquire, partner: the release store of cons_pos in ring_release(): the
		 * consumer's reads of the space it freed happen before we overwrite it */
		uint64_t cons = atomic_load_explicit(&h->cons_pos, memory_order_acquire);

		if (pos - cons > r->data_size || (cons & 7))
			return -EPROTO;
		r->cached_cons = cons;
		if (pos + need - cons > r->data_size)
			return -EAGAIN;
	}
	rec = (struct ring_rec *)(r->data + (pos & r->mask));
	atomic_store_explicit(&rec->len, (uint32_t)len | REC_BUSY, memory_order_relaxed);
	rec->reserved = 0;
	r->pos = pos + need;
	/* release, partner: the acquire load of prod_pos in next_record(): a consumer that
	 * sees the new position sees the BUSY header, never stale bytes */
	atomic_store_explicit(&h->prod_pos, r->pos, memory_order_release);
	*data = rec + 1;
	return 0;
}

static void ring_finish(struct ring *r, void *data, uint32_t flag)
{
	struct ring_hdr *h = r->hdr;
	struct ring_rec *rec = (struct ring_rec *)data - 1;
	uint32_t len = atomic_load_explicit(&rec->len, memory_order_relaxed) & REC_LEN_MASK;

	/* release, partner: the acquire load of the record header in next_record(): the
	 * payload written in place is visible to the consumer with the cleared BUSY bit */
	atomic_store_explicit(&rec->len, len | flag, memory_order_release);
	/* partner: the consumer's ring_sync() in ring_wait_readable() between setting
	 * cons_waiting and re-checking the ring. Either the consumer's re-check sees
	 * this record, or we see its flag and wake it: no lost wake-up. */
	ring_sync(h);
	wake_if_waiting(&h->cons_waiting, &h->prod_wakeups);
}

void ring_commit(struct ring *r, void *data)
{
	ring_finish(r, data, 0);
}

void ring_discard(struct ring *r, void *data)
{
	ring_finish(r, data, REC_DISCARD);
}

void ring_commit_quiet(struct ring *r, void *data)
{
	struct ring_rec *rec = (struct ring_rec *)data - 1;
	uint32_t len = atomic_load_explicit(&rec->len, memory_order_relaxed) & REC_LEN_MASK;

	(void)r;
	/* release, partner: the acquire load of the record header in next_record() */
	atomic_store_explicit(&rec->len, len, memory_order_release);
}

void ring_notify(struct ring *r)
{
	struct ring_hdr *h = r->hdr;

	/* as in ring_finish(): either the consumer's re-check after setting
	 * cons_waiting sees the records committed so far, or we see its flag */
	ring_sync(h);
	wake_if_waiting(&h->cons_waiting, &h->prod_wakeups);
}

static bool has_room(struct ring *r, uint64_t need)
{
	/* acquire, partner: the release store of cons_pos in ring_release() */
	uint64_t cons = atomic_load_explicit(&r->hdr->cons_pos, memory_order_acquire);

	r->cached_cons = cons;
	/* a corrupt position counts as room: ring_reserve() then reports -EPROTO */
	return r->pos - cons > r->data_size || r->pos + need - cons <= r->data_size;
}

int ring_wait_writable(struct ring *r, size_t len, int timeout_ms)
{
	struct ring_hdr *h = r->hdr;
	int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
	uint64_t need;

	if (len == 0 || len > r->max_record)
		return -EMSGSIZE;
	need = rec_span((uint32_t)len);
	for (;;) {
		int64_t left;
		int rc, alive;

		for (int i = 0; i < SPIN_POLLS; i++) {
			if (has_room(r, need))
				return 0;
			cpu_relax();
		}
		atomic_store_explicit(&h->prod_waiting, 1, memory_order_relaxed);
		/* partner: the consumer's ring_sync() in ring_release() (and ring_close())
		 * between publishing cons_pos and reading prod_waiting */
		ring_sync(h);
		if (has_room(r, need))
			goto ready;
		alive = ring_peer_alive(r);
		if (alive < 0) {
			atomic_store_explicit(&h->prod_waiting, 0, memory_order_relaxed);
			return has_room(r, need) ? 0 : alive;
		}
		left = deadline - now_ms();
		if (left <= 0) {
			atomic_store_explicit(&h->prod_waiting, 0, memory_order_relaxed);
			return -ETIMEDOUT;
		}
		atomic_fetch_add_explicit(&h->prod_sleeps, 1, memory_order_relaxed);
		rc = futex_wait(&h->prod_waiting, 1,
				left < LIVENESS_SLICE_MS ? (int)left : LIVENESS_SLICE_MS);
		atomic_store_explicit(&h->prod_waiting, 0, memory_order_relaxed);
		if (rc == -EINTR)
			return -EINTR;
	}
ready:
	atomic_store_explicit(&h->prod_waiting, 0, memory_order_relaxed);
	return 0;
}

/* ---------------------------------------------------------------- consumer */

/* Find the next committed record at peek_pos, stepping over discarded ones. */
static int next_record(struct ring *r, struct ring_rec **out, uint32_t *out_len)
{
	for (;;) {
		struct ring_rec *rec;
		uint32_t v, len;

		if (r->peek_pos == r->cached_prod) {
			/* acquire, partner: the release store of prod_pos in ring_reserve() */
			r->cached_prod =
				atomic_load_explicit(&r->hdr->prod_pos, memory_order_acquire);
			if (r->peek_pos == r->cached_prod)
				return -EAGAIN;
			if (r->cached_prod - r->peek_pos > r->data_size || (r->cached_prod & 7))
				return -EPROTO;
		}
		rec = (struct ring_rec *)(r->data + (r->peek_pos & r->mask));
		/* acquire, partner: the release store of the header in ring_finish() (and
		 * recover_producer()): the payload is visible once BUSY is clear */
		v = atomic_load_explicit(&rec->len, memory_order_acquire);
		if (v & REC_BUSY)
			return -EAGAIN;
		len = v & REC_LEN_MASK;
		if (len == 0 || len > r->max_record || rec_span(len) > r->cached_prod - r->peek_pos)
			return -EPROTO;
		if (v & REC_DISCARD) {
			r->peek_pos += rec_span(len);
			continue;
		}
		*out = rec;
		*out_len = len;
		return 0;
	}
}

static bool producer_closed(struct ring *r)
{
	/* acquire, partner: the release store of prod_closed in ring_close() */
	return atomic_load_explicit(&r->hdr->prod_closed, memory_order_acquire) != 0;
}

int ring_peek(struct ring *r, const void **data, size_t *len)
{
	struct ring_rec *rec;
	uint32_t l;
	int rc = next_record(r, &rec, &l);

	if (rc == -EAGAIN && producer_closed(r)) {
		/* the close came after every commit: look once more */
		rc = next_record(r, &rec, &l);
		if (rc == -EAGAIN)
			return -EPIPE;
	}
	if (rc < 0)
		return rc;
	r->peek_pos += rec_span(l);
	*data = rec + 1;
	*len = l;
	return 0;
}

void ring_release(struct ring *r)
{
	struct ring_hdr *h = r->hdr;

	if (r->peek_pos == r->released)
		return;
	r->released = r->peek_pos;
	/* release, partner: the acquire load of cons_pos in ring_reserve()/has_room(): our
	 * reads of the records we free happen before the producer reuses their space */
	atomic_store_explicit(&h->cons_pos, r->released, memory_order_release);
	/* partner: the producer's ring_sync() in ring_wait_writable() between setting
	 * prod_waiting and re-reading cons_pos: no lost wake-up */
	ring_sync(h);
	wake_if_waiting(&h->prod_waiting, &h->cons_wakeups);
}

int ring_wait_readable(struct ring *r, int timeout_ms)
{
	struct ring_hdr *h = r->hdr;
	int64_t deadline = timeout_ms < 0 ? INT64_MAX : now_ms() + timeout_ms;
	struct ring_rec *rec;
	uint32_t len;
	int rc;

	for (;;) {
		int64_t left;
		int alive;

		for (int i = 0; i < SPIN_POLLS; i++) {
			rc = next_record(r, &rec, &len);
			if (rc != -EAGAIN)
				return rc;
			cpu_relax();
		}
		atomic_store_explicit(&h->cons_waiting, 1, memory_order_relaxed);
		/* partner: the producer's ring_sync() in ring_finish() (and ring_close(),
		 * take_role()) between publishing and reading cons_waiting */
		ring_sync(h);
		rc = next_record(r, &rec, &len);
		if (rc != -EAGAIN)
			goto out;
		alive = ring_peer_alive(r);
		if (alive < 0) {
			/* drain what was committed before the producer died or closed */
			rc = next_record(r, &rec, &len);
			rc = rc == -EAGAIN ? alive : rc;
			goto out;
		}
		left = deadline - now_ms();
		if (left <= 0) {
			rc = -ETIMEDOUT;
			goto out;
		}
		atomic_fetch_add_explicit(&h->cons_sleeps, 1, memory_order_relaxed);
		rc = futex_wait(&h->cons_waiting, 1,
				left < LIVENESS_SLICE_MS ? (int)left : LIVENESS_SLICE_MS);
		atomic_store_explicit(&h->cons_waiting, 0, memory_order_relaxed);
		if (rc == -EINTR)
			return -EINTR;
	}
out:
	atomic_store_explicit(&h->cons_waiting, 0, memory_order_relaxed);
	return rc;
}
