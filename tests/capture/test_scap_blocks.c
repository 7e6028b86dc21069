/* test_scap_blocks.c: block variants the conformance captures lack (PL v1-v4, EVF, _INT types). */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <zlib.h>

#include "scap_format.h"
#include "scap_reader.h"
#include "test_env.h"

#define SCAP_DIR LANNER_CONFORMANCE_DIR "/scap"

struct buf {
	uint8_t p[1 << 16];
	size_t n;
};

static void put(struct buf *b, const void *p, size_t n)
{
	assert_true(b->n + n <= sizeof(b->p));
	memcpy(b->p + b->n, p, n);
	b->n += n;
}

static void p16(struct buf *b, uint16_t v)
{
	put(b, &v, 2);
}

static void p32(struct buf *b, uint32_t v)
{
	put(b, &v, 4);
}

static void p64(struct buf *b, uint64_t v)
{
	put(b, &v, 8);
}

static void pstr(struct buf *b, const char *s)
{
	p16(b, (uint16_t)strlen(s));
	put(b, s, strlen(s));
}

static void block(struct buf *out, uint32_t type, const struct buf *body)
{
	size_t pad = (4 - body->n % 4) % 4;
	uint32_t len = (uint32_t)(12 + body->n + pad);
	static const uint8_t zero[4];

	p32(out, type);
	p32(out, len);
	put(out, body->p, body->n);
	put(out, zero, pad);
	p32(out, len);
}

static void shb(struct buf *out, uint16_t minor)
{
	struct buf b = {.n = 0};

	p32(&b, SCAP_SHB_MAGIC);
	p16(&b, 1);
	p16(&b, minor);
	p64(&b, UINT64_MAX);
	block(out, SCAP_BT_SHB, &b);
}

/* One process-list entry laid out as block version v (1..9) writes it. */
static void pl_entry(struct buf *b, int v)
{
	size_t start = b->n;

	if (v >= 9)
		p32(b, 0); /* length, set below */
	p64(b, 100);	   /* tid */
	p64(b, 99);	   /* pid */
	p64(b, 1);	   /* ptid */
	if (v >= 6)
		p64(b, 98); /* sid */
	if (v >= 8)
		p64(b, 97); /* vpgid */
	pstr(b, "nginx");
	pstr(b, "/usr/sbin/nginx");
	if (v >= 7)
		pstr(b, "/usr/sbin/nginx-exepath");
	p16(b, 6);
	put(b, "-g\0on\0", 6); /* args */
	pstr(b, "/var/www");
	p64(b, 1024); /* fdlimit */
	p32(b, 0x10); /* flags */
	p32(b, 33);   /* uid */
	p32(b, 34);   /* gid */
	if (v >= 2) {
		p32(b, 1000); /* vmsize_kb */
		p32(b, 500);
		p32(b, 0);
		p64(b, 7); /* pfmajor */
		p64(b, 8);
		if (v >= 3) {
			p16(b, 8);
			put(b, "HOME=/\0\0", 8); /* env */
		}
		if (v >= 4) {
			p64(b, 1); /* vtid */
			p64(b, 1); /* vpid */
			pstr(b, "cpu=/docker/abc");
			if (v >= 5)
				pstr(b, "/");
		}
	}
	if (v >= 9) {
		uint32_t len;

		p32(b, 1000);	 /* loginuid */
		put(b, "\1", 1); /* exe_writable */
		p64(b, 1);	 /* caps */
		p64(b, 2);
		p64(b, 3);
		p32(b, 0xabcdef); /* a field from a future version: skipped by length */
		len = (uint32_t)(b->n - start);
		memcpy(b->p + start, &len, 4);
	}
}

struct seen {
	struct scap_thread_seed t[4];
	char comm[4][64], exe[4][64], exepath[4][64], cwd[4][64], root[4][64];
	int n;
	uint64_t raw;
	uint32_t flags[16];
};

static int on_thread(void *ctx, const struct scap_thread_seed *t)
{
	struct seen *s = ctx;

	assert_true(s->n < 4);
	s->t[s->n] = *t;
	snprintf(s->comm[s->n], 64, "%s", t->comm);
	snprintf(s->exe[s->n], 64, "%s", t->exe);
	snprintf(s->exepath[s->n], 64, "%s", t->exepath);
	snprintf(s->cwd[s->n], 64, "%s", t->cwd);
	snprintf(s->root[s->n], 64, "%s", t->root);
	s->n++;
	return 0;
}

static int run(const struct buf *b, struct seen *s, char *err, size_t errn)
{
	struct scap_reader_cbs cbs = {.ctx = s, .thread = on_thread};
	struct scap_reader *r = scap_reader_open_mem(b->p, b->n, &cbs);
	int rc;

	assert_non_null(r);
	rc = scap_reader_run(r);
	snprintf(err, errn, "%s", scap_reader_error(r));
	scap_reader_free(r);
	return rc;
}

/* Every process-list block version, including the early "_INT" numbers. */
static void test_proclist_versions(void **state)
{
	static const uint32_t types[] = {
		SCAP_BT_PL_V1, SCAP_BT_PL_V1_INT, SCAP_BT_PL_V2, SCAP_BT_PL_V2_INT,
		SCAP_BT_PL_V3, SCAP_BT_PL_V3_INT, SCAP_BT_PL_V4, SCAP_BT_PL_V5,
		SCAP_BT_PL_V6, SCAP_BT_PL_V7,	  SCAP_BT_PL_V8, SCAP_BT_PL_V9,
	};

	for (size_t i = 0; i < sizeof(types) / sizeof(types[0]); i++) {
		static struct buf f, body;
		static struct seen s;
		int v = scap_pl_version(types[i]);
		char err[256];
		const struct scap_thread_seed *t = &s.t[0];

		memset(&s, 0, sizeof(s));
		f.n = body.n = 0;
		shb(&f, 0);
		pl_entry(&body, v);
		pl_entry(&body, v); /* two entries: the second starts where the first ends */
		block(&f, types[i], &body);
		assert_int_equal(run(&f, &s, err, sizeof(err)), 0);
		assert_int_equal(s.n, 2);
		assert_int_equal(t->tid, 100);
		assert_int_equal(t->pid, 99);
		assert_int_equal(t->ptid, 1);
		assert_int_equal(t->sid, v >= 6 ? 98 : -1);
		assert_int_equal(t->vpgid, v >= 8 ? 97 : -1);
		assert_string_equal(s.comm[0], "nginx");
		assert_string_equal(s.exe[0], "/usr/sbin/nginx");
		assert_string_equal(s.exepath[0], v >= 7 ? "/usr/sbin/nginx-exepath" : "");
		assert_int_equal(t->args_len, 6);
		assert_string_equal(s.cwd[0], "/var/www");
		assert_int_equal(t->fdlimit, 1024);
		assert_int_equal(t->uid, 33);
		assert_int_equal(t->gid, 34);
		assert_int_equal(t->vmsize_kb, v >= 2 ? 1000 : 0);
		assert_int_equal(t->pfminor, v >= 2 ? 8 : 0);
		assert_int_equal(t->env_len, v >= 3 ? 8 : 0);
		assert_int_equal(t->vpid, v >= 4 ? 1 : -1);
		assert_int_equal(t->cgroups_len, v >= 4 ? 15 : 0);
		assert_string_equal(s.root[0], v >= 5 ? "/" : "");
		assert_int_equal(t->loginuid, v >= 9 ? 1000 : -1);
		assert_int_equal(t->cap_effective, v >= 9 ? 3 : 0);
		assert_int_equal(s.t[1].tid, 100);
		assert_string_equal(s.comm[1], "nginx");
	}
}

/* A process entry whose strings run past the block: an error at its offset. */
static void test_proclist_truncated_entry(void **state)
{
	static struct buf f, body;
	static struct seen s;
	char err[256];

	f.n = body.n = 0;
	shb(&f, 0);
	pl_entry(&body, 6);
	body.n -= 30; /* cut inside the entry */
	block(&f, SCAP_BT_PL_V6, &body);
	memset(&s, 0, sizeof(s));
	assert_int_equal(run(&f, &s, err, sizeof(err)), -EBADMSG);
	assert_non_null(strstr(err, "at byte offset 36:")); /* the entry, after the block header */
	assert_non_null(strstr(err, "process list"));
}

struct evlog {
	uint64_t n, recs;
	uint64_t ts[4096];
	uint32_t flags[4096];
};

static int ev_raw(void *ctx, const struct scap_raw_evt *e)
{
	struct evlog *l = ctx;

	if (l->n < 4096) {
		l->ts[l->n] = e->ts;
		l->flags[l->n] = e->dump_flags;
	}
	l->n++;
	return 0;
}

static int ev_rec(void *ctx, const void *rec, uint32_t len)
{
	((struct evlog *)ctx)->recs++;
	return 0;
}

static uint8_t *load(const char *path, size_t *len)
{
	gzFile gz = gzopen(path, "rb");
	size_t cap = 1 << 20, n = 0;
	uint8_t *b = malloc(cap);
	int k;

	assert_non_null(gz);
	assert_non_null(b);
	while ((k = gzread(gz, b + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)k;
		if (n == cap) {
			cap *= 2;
			b = realloc(b, cap);
			assert_non_null(b);
		}
	}
	gzclose(gz);
	*len = n;
	return b;
}

static int run_log(const uint8_t *b, size_t n, struct evlog *l)
{
	struct scap_reader_cbs cbs = {.ctx = l, .raw = ev_raw, .event = ev_rec};
	struct scap_reader *r = scap_reader_open_mem(b, n, &cbs);
	int rc;

	memset(l, 0, sizeof(*l));
	assert_non_null(r);
	rc = scap_reader_run(r);
	if (rc)
		fprintf(stderr, "%s\n", scap_reader_error(r));
	scap_reader_free(r);
	return rc;
}

/* Turn every EV block of a capture into an EVF block (flags inserted after the
 * cpu) and every list/event block into its early "_INT" number: same events. */
static void check_evf(const char *file, uint32_t ev, uint32_t evf)
{
	size_t len, off = 0, o = 0;
	uint8_t *b = load(file, &len);
	uint8_t *c = malloc(len * 2);
	static struct evlog a, z;
	uint64_t evblocks = 0;

	assert_non_null(c);
	while (off + 12 <= len) {
		uint32_t bt, bl;

		memcpy(&bt, b + off, 4);
		memcpy(&bl, b + off + 4, 4);
		if (bt == ev) {
			uint32_t nbl = bl + 4, flags = 0x11u;

			memcpy(c + o, &evf, 4);
			memcpy(c + o + 4, &nbl, 4);
			memcpy(c + o + 8, b + off + 8, 2); /* cpu */
			memcpy(c + o + 10, &flags, 4);
			memcpy(c + o + 14, b + off + 10, bl - 14); /* event, padding */
			memcpy(c + o + nbl - 4, &nbl, 4);
			o += nbl;
			evblocks++;
		} else {
			memcpy(c + o, b + off, bl);
			if (ev == SCAP_BT_EV && bt == SCAP_BT_FDL)
				memcpy(c + o, &(uint32_t){SCAP_BT_FDL_INT}, 4);
			if (ev == SCAP_BT_EV && bt == SCAP_BT_UL)
				memcpy(c + o, &(uint32_t){SCAP_BT_UL_INT}, 4);
			o += bl;
		}
		off += bl;
	}
	assert_true(evblocks > 100);
	assert_int_equal(run_log(b, len, &a), 0);
	assert_int_equal(run_log(c, o, &z), 0);
	assert_int_equal(a.n, z.n);
	assert_int_equal(a.recs, z.recs);
	for (uint64_t i = 0; i < a.n && i < 4096; i++) {
		assert_int_equal(a.ts[i], z.ts[i]);
		assert_int_equal(a.flags[i], 0);
		assert_int_equal(z.flags[i], 0x11u);
	}
	free(c);
	free(b);
}

static void test_evf_blocks(void **state)
{
	check_evf(SCAP_DIR "/falco-0.34.1_cat_write.scap", SCAP_BT_EV, SCAP_BT_EVF);
	check_evf(SCAP_DIR "/falco-0.34.1_ping_sendto.scap", SCAP_BT_EV_V2, SCAP_BT_EVF_V2);
}

/* Hostile: 1,200 threads each blocked in an execve whose enter carries a 60 KB
 * file name. Pending copies are capped at SCAP_MAX_PENDING_BYTES: the enters
 * beyond are dropped and counted, the read goes on. */
static void test_pending_bytes_cap(void **state)
{
	const size_t nthreads = 1200, namelen = 60000;
	size_t blen = 8 + 2 + 26 + 2 + namelen + 4, cap = 1024 + nthreads * (blen + 4);
	uint8_t *f = malloc(cap), *name = malloc(namelen);
	size_t o = 0;
	static struct evlog l;
	struct scap_reader_cbs cbs = {.ctx = &l, .raw = ev_raw, .event = ev_rec};
	struct scap_reader *r;
	const struct scap_reader_stats *st;
	static struct buf hdr;

	assert_non_null(f);
	assert_non_null(name);
	memset(name, 'a', namelen - 1);
	name[namelen - 1] = 0;
	hdr.n = 0;
	shb(&hdr, 2);
	memcpy(f, hdr.p, hdr.n);
	o = hdr.n;
	for (size_t t = 0; t < nthreads; t++) {
		uint32_t bt = SCAP_BT_EV_V2, bl = (uint32_t)((blen + 3) & ~(size_t)3);
		uint32_t evlen = (uint32_t)(26 + 2 + namelen), np = 1;
		uint16_t cpu = 0, code = 292, plen = (uint16_t)namelen; /* execve_19_E: filename */
		uint64_t ts = 1000 + t, tid = 10000 + t;

		memset(f + o, 0, bl);
		memcpy(f + o, &bt, 4);
		memcpy(f + o + 4, &bl, 4);
		memcpy(f + o + 8, &cpu, 2);
		memcpy(f + o + 10, &ts, 8);
		memcpy(f + o + 18, &tid, 8);
		memcpy(f + o + 26, &evlen, 4);
		memcpy(f + o + 30, &code, 2);
		memcpy(f + o + 32, &np, 4);
		memcpy(f + o + 36, &plen, 2);
		memcpy(f + o + 38, name, namelen);
		memcpy(f + o + bl - 4, &bl, 4);
		o += bl;
		assert_true(o <= cap);
	}
	memset(&l, 0, sizeof(l));
	r = scap_reader_open_mem(f, o, &cbs);
	assert_non_null(r);
	assert_int_equal(scap_reader_run(r), 0);
	st = scap_reader_stats(r);
	assert_int_equal(st->raw_events, nthreads);
	/* 64 MiB hold 1,118 copies of 60,000 bytes: the rest were refused, and
	 * those kept are counted at the end as never completed. */
	assert_int_equal(st->pending_refused, nthreads - 1118);
	assert_int_equal(st->enter_without_exit, nthreads);
	assert_int_equal(l.recs, 0);
	scap_reader_free(r);
	free(name);
	free(f);
}

/* 65,636 threads each blocked in close(): at most SCAP_MAX_PENDING pending. */
static void test_pending_count_cap(void **state)
{
	const size_t nthreads = SCAP_MAX_PENDING + 100;
	const uint32_t bl = 8 + 2 + 26 + 2 + 8 + 4 + 2; /* padded to 4 */
	uint8_t *f = malloc(64 + nthreads * bl);
	size_t o;
	static struct buf hdr;
	struct scap_reader *r;

	assert_non_null(f);
	hdr.n = 0;
	shb(&hdr, 2);
	memcpy(f, hdr.p, hdr.n);
	o = hdr.n;
	for (size_t t = 0; t < nthreads; t++) {
		uint32_t bt = SCAP_BT_EV_V2, evlen = 26 + 2 + 8, np = 1;
		uint16_t cpu = 0, code = 4, plen = 8; /* close_E: fd */
		uint64_t ts = 1000 + t, tid = 10000 + t;
		int64_t fd = 3;

		memset(f + o, 0, bl);
		memcpy(f + o, &bt, 4);
		memcpy(f + o + 4, &bl, 4);
		memcpy(f + o + 8, &cpu, 2);
		memcpy(f + o + 10, &ts, 8);
		memcpy(f + o + 18, &tid, 8);
		memcpy(f + o + 26, &evlen, 4);
		memcpy(f + o + 30, &code, 2);
		memcpy(f + o + 32, &np, 4);
		memcpy(f + o + 36, &plen, 2);
		memcpy(f + o + 38, &fd, 8);
		memcpy(f + o + bl - 4, &bl, 4);
		o += bl;
	}
	r = scap_reader_open_mem(f, o, NULL);
	assert_non_null(r);
	assert_int_equal(scap_reader_run(r), 0);
	assert_int_equal(scap_reader_stats(r)->raw_events, nthreads);
	/* No event callback: no conversion, nothing pending. */
	assert_int_equal(scap_reader_stats(r)->pending_refused, 0);
	scap_reader_free(r);
	{
		static struct evlog l;
		struct scap_reader_cbs cbs = {.ctx = &l, .event = ev_rec};

		r = scap_reader_open_mem(f, o, &cbs);
		assert_non_null(r);
		assert_int_equal(scap_reader_run(r), 0);
		assert_int_equal(scap_reader_stats(r)->pending_refused, 100);
		assert_int_equal(scap_reader_stats(r)->enter_without_exit, nthreads);
		scap_reader_free(r);
	}
	free(f);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_proclist_versions),
		cmocka_unit_test(test_proclist_truncated_entry),
		cmocka_unit_test(test_evf_blocks),
		cmocka_unit_test(test_pending_bytes_cap),
		cmocka_unit_test(test_pending_count_cap),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
