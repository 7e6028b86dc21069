/* test_event.c: event record round trip for every type, decoder rejections, printed lines. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

#define BUF_LEN (LNR_EVT_MAX_LEN + 64)

static uint64_t buf_storage[BUF_LEN / 8 + 1];
static uint8_t *const buf = (uint8_t *)buf_storage;

static int ptype_signed(enum lnr_ptype t)
{
	return t == LNR_PT_INT8 || t == LNR_PT_INT16 || t == LNR_PT_INT32 || t == LNR_PT_INT64 ||
	       t == LNR_PT_ERRNO || t == LNR_PT_FD || t == LNR_PT_PID;
}

static int ptype_numeric(enum lnr_ptype t)
{
	return lnr_ptype_size(t) > 0 && t != LNR_PT_IPV4NET && t != LNR_PT_IPV6ADDR &&
	       t != LNR_PT_IPV6NET && t != LNR_PT_DOUBLE;
}

static int ptype_string(enum lnr_ptype t)
{
	return t == LNR_PT_CHARBUF || t == LNR_PT_FSPATH || t == LNR_PT_FSRELPATH;
}

/* What variant v gives parameter i: the expected value, kept for checking. */
struct expect {
	int absent;
	int64_t s;
	uint64_t u;
	uint8_t bytes[6000];
	size_t n;
	int trunc;
};

enum { V_MIN, V_MAX, V_ZERO, V_ABSENT, V_ODD, V_LONG, V_TRUNC, V_COUNT };

static const char long_text_seed[] = "0123456789abcdefghijklmnopqrstuvwxyz/";

static void make_value(enum lnr_ptype t, int v, unsigned i, struct expect *e)
{
	size_t sz = lnr_ptype_size(t);

	memset(e, 0, sizeof(*e));
	if (v == V_ABSENT) {
		e->absent = 1;
		return;
	}
	if (ptype_numeric(t)) {
		unsigned bits = (unsigned)sz * 8;

		if (ptype_signed(t)) {
			int64_t min = bits == 64 ? INT64_MIN : -((int64_t)1 << (bits - 1));
			int64_t max = bits == 64 ? INT64_MAX : ((int64_t)1 << (bits - 1)) - 1;

			e->s = v == V_MIN    ? min
			       : v == V_MAX  ? max
			       : v == V_ZERO ? 0
					     : -(int64_t)i - 1;
			e->u = (uint64_t)e->s;
		} else {
			uint64_t max = bits == 64 ? UINT64_MAX : (UINT64_C(1) << bits) - 1;

			e->u = v == V_MAX   ? max
			       : v == V_ODD ? (0x5a5a5a5a5a5a5a5aull + i) & max
					    : 0;
			e->s = (int64_t)e->u;
		}
		return;
	}
	if (sz) {
		/* Fixed-size non-numeric (IPv6 addresses...): raw bytes. */
		for (size_t k = 0; k < sz; k++)
			e->bytes[k] = (uint8_t)(v * 31 + k);
		e->n = sz;
		return;
	}
	switch (v) {
	case V_MIN:
	case V_ZERO:
		/* Empty: a string is just its NUL; a blob is one byte (0 means absent). */
		e->n = 1;
		e->bytes[0] = 0;
		if (t == LNR_PT_FDLIST) {
			e->n = 2; /* count 0 */
			e->bytes[1] = 0;
		}
		break;
	case V_ODD:
		if (t == LNR_PT_SOCKTUPLE) {
			static const uint8_t a[4] = {10, 0, 0, 1}, b[4] = {192, 168, 1, 2};
			e->n = lnr_socktuple_encode_in4(e->bytes, sizeof(e->bytes), a, 40000, b,
							443);
		} else if (t == LNR_PT_SOCKADDR) {
			e->n = lnr_sockaddr_encode_un(e->bytes, sizeof(e->bytes), "/run/x.sock",
						      11);
		} else if (t == LNR_PT_FDLIST) {
			uint16_t c = 2;
			int64_t fd = -7;
			int16_t fl = 3;

			memcpy(e->bytes, &c, 2);
			memcpy(e->bytes + 2, &fd, 8);
			memcpy(e->bytes + 10, &fl, 2);
			memcpy(e->bytes + 12, &fd, 8);
			memcpy(e->bytes + 20, &fl, 2);
			e->n = 22;
		} else {
			/* Invalid UTF-8 and controls: carried as is. */
			static const uint8_t odd[] = {'a',  0xff, 0xc3, 0x28,
						      '\n', 0x7f, 0xe2, 0x82};

			memcpy(e->bytes, odd, sizeof(odd));
			e->n = sizeof(odd);
			if (ptype_string(t) || t == LNR_PT_CHARBUFARRAY)
				e->bytes[e->n++] = 0;
		}
		break;
	case V_MAX:
	case V_LONG:
	case V_TRUNC:
	default:
		if (t == LNR_PT_SOCKTUPLE) {
			uint8_t a[16] = {0};

			a[15] = 1;
			e->n = lnr_socktuple_encode_in6(e->bytes, sizeof(e->bytes), a, 1, a, 65535);
		} else if (t == LNR_PT_SOCKADDR) {
			uint8_t a[16];

			memset(a, 0xab, sizeof(a));
			e->n = lnr_sockaddr_encode_in6(e->bytes, sizeof(e->bytes), a, 65535);
		} else if (t == LNR_PT_FDLIST) {
			uint16_t c = 300;

			memcpy(e->bytes, &c, 2);
			for (size_t k = 2; k < 2 + 300 * LNR_FDLIST_ENTRY_LEN; k++)
				e->bytes[k] = (uint8_t)k;
			e->n = 2 + 300 * LNR_FDLIST_ENTRY_LEN;
		} else {
			e->n = 5000;
			for (size_t k = 0; k < e->n; k++)
				e->bytes[k] = (uint8_t)long_text_seed[(k + i) % 37];
			if (t == LNR_PT_CHARBUFARRAY)
				for (size_t k = 7; k < e->n; k += 50)
					e->bytes[k] = 0;
			if (ptype_string(t) || t == LNR_PT_CHARBUFARRAY)
				e->bytes[e->n - 1] = 0;
		}
		break;
	}
}

/* Append expectation e for parameter pi, the way a producer would. */
static void append(struct lnr_evt_builder *b, const struct lnr_param_info *pi, struct expect *e,
		   int v)
{
	if (e->absent) {
		lnr_evb_absent(b);
		return;
	}
	if (ptype_numeric(pi->type)) {
		if (ptype_signed(pi->type))
			lnr_evb_s64(b, e->s);
		else
			lnr_evb_u64(b, e->u);
		return;
	}
	if (ptype_string(pi->type) && v == V_TRUNC) {
		/* Cut at 100 bytes by the producer's limit: kept NUL, flagged. */
		lnr_evb_str(b, (const char *)e->bytes, 100);
		e->n = 101;
		e->bytes[100] = 0;
		e->trunc = 1;
		return;
	}
	if (ptype_string(pi->type) && memchr(e->bytes, 0, e->n) == e->bytes + e->n - 1) {
		lnr_evb_str(b, (const char *)e->bytes, 0);
		return;
	}
	if (v == V_TRUNC && !lnr_ptype_size(pi->type)) {
		lnr_evb_bytes(b, e->bytes, e->n, 1);
		e->trunc = 1;
		return;
	}
	lnr_evb_bytes(b, e->bytes, e->n, 0);
}

static void roundtrip_type(uint16_t type, int v)
{
	const struct lnr_evt_info *in = lnr_evt_info(type);
	static struct expect ex[LNR_EVT_MAX_PARAMS];
	struct lnr_evt_builder b;
	struct lnr_evt_view view;
	const char *why = NULL;
	int len, rc;
	int any_trunc = 0;

	assert_int_equal(lnr_evb_init(&b, buf, BUF_LEN, type, 1700000000123456789ull + v,
				      4242 + type, 4200 + v),
			 0);
	for (unsigned i = 0; i < in->nparams; i++) {
		make_value(in->params[i].type, v, i, &ex[i]);
		append(&b, &in->params[i], &ex[i], v);
		any_trunc |= ex[i].trunc;
	}
	len = lnr_evb_finish(&b);
	if (len <= 0)
		fail_msg("%s variant %d: finish %d", in->name, v, len);
	rc = lnr_evt_decode(buf, (size_t)len, &view, &why);
	if (rc != 0)
		fail_msg("%s variant %d: decode: %s", in->name, v, why ? why : "?");
	assert_int_equal(view.hdr->len, len);
	assert_int_equal(view.hdr->type, type);
	assert_int_equal(view.hdr->tid, 4242 + type);
	assert_int_equal(view.hdr->pid, 4200 + v);
	assert_int_equal(view.hdr->ts, 1700000000123456789ull + v);
	assert_int_equal(!!(view.hdr->flags & LNR_EVF_TRUNCATED), any_trunc);
	assert_ptr_equal(view.info, in);
	for (unsigned i = 0; i < in->nparams; i++) {
		const struct lnr_param_info *pi = &in->params[i];
		uint32_t n;
		const uint8_t *p = lnr_evt_get_bytes(&view, i, &n);

		if (ex[i].absent) {
			assert_null(p);
			assert_int_equal(lnr_evt_get_s64(&view, i, NULL),
					 ptype_numeric(pi->type) ? -ENOENT : -EINVAL);
			continue;
		}
		assert_non_null(p);
		assert_int_equal(!!(view.pflags[i] & LNR_PARAM_TRUNC), ex[i].trunc);
		if (ptype_numeric(pi->type)) {
			int64_t s;
			uint64_t u;

			assert_int_equal(n, lnr_ptype_size(pi->type));
			assert_int_equal(lnr_evt_get_s64(&view, i, &s), 0);
			assert_int_equal(lnr_evt_get_u64(&view, i, &u), 0);
			if (ptype_signed(pi->type))
				assert_int_equal(s, ex[i].s);
			else
				assert_int_equal(u, ex[i].u);
			assert_null(lnr_evt_get_str(&view, i));
			continue;
		}
		assert_int_equal(lnr_evt_get_s64(&view, i, NULL), -EINVAL);
		if (n != ex[i].n || memcmp(p, ex[i].bytes, n) != 0)
			fail_msg("%s variant %d param %s: %u bytes, want %zu", in->name, v,
				 pi->name, n, ex[i].n);
		if (ptype_string(pi->type))
			assert_string_equal(lnr_evt_get_str(&view, i), (const char *)ex[i].bytes);
	}
	/* The printer accepts every valid record and NUL-terminates within n. */
	{
		static char line[1 << 16];
		int w = lnr_evt_format(&view, line, sizeof(line));
		char small[16];

		assert_true(w > 0);
		assert_int_equal(strlen(line),
				 (size_t)w < sizeof(line) ? (size_t)w : sizeof(line) - 1);
		assert_non_null(strstr(line, in->name));
		assert_null(strchr(line, '\n'));
		assert_int_equal(lnr_evt_format(&view, small, sizeof(small)), w);
		assert_int_equal(strlen(small), sizeof(small) - 1);
	}
}

static void test_roundtrip_all_types(void **state)
{
	(void)state;
	for (uint16_t t = 0; t < LNR_EVT_MAX; t++)
		for (int v = 0; v < V_COUNT; v++)
			roundtrip_type(t, v);
}

/* A valid openat record to corrupt. */
static size_t make_openat(uint8_t *out, size_t cap)
{
	struct lnr_evt_builder b;

	assert_int_equal(lnr_evb_init(&b, out, cap, LNR_EVT_OPENAT, 1, 2, 3), 0);
	lnr_evb_s64(&b, 3);
	lnr_evb_s64(&b, -100);
	lnr_evb_str(&b, "/etc/passwd", 0);
	lnr_evb_u64(&b, 1);
	lnr_evb_u64(&b, 0);
	lnr_evb_u64(&b, 0x803);
	lnr_evb_u64(&b, 1234);
	return (size_t)lnr_evb_finish(&b);
}

static struct lnr_evt_hdr *H(uint8_t *p)
{
	return (struct lnr_evt_hdr *)(void *)p;
}

static uint32_t *lens_of(uint8_t *p)
{
	return (uint32_t *)(void *)(p + LNR_EVT_HDR_LEN);
}

static void expect_bad(uint8_t *p, size_t avail, const char *reason_part)
{
	struct lnr_evt_view v;
	const char *why = NULL;

	assert_int_equal(lnr_evt_decode(p, avail, &v, &why), -EBADMSG);
	assert_non_null(why);
	if (!strstr(why, reason_part))
		fail_msg("reason '%s' lacks '%s'", why, reason_part);
}

static void test_decode_rejects(void **state)
{
	static uint64_t store[128];
	uint8_t *r = (uint8_t *)store;
	size_t n, name_off;

	(void)state;
	n = make_openat(r, sizeof(store));
	assert_int_equal(lnr_evt_decode(r, n, NULL, NULL), 0);

	/* Every prefix shorter than the record is rejected, none read beyond. */
	for (size_t k = 0; k < n; k++) {
		/* Exactly k bytes on the heap: an over-read trips AddressSanitizer. */
		uint8_t *cut = malloc(k ? k : 1);

		assert_non_null(cut);
		memcpy(cut, r, k);
		assert_int_equal(lnr_evt_decode(cut, k, NULL, NULL), -EBADMSG);
		free(cut);
	}
	expect_bad(r, LNR_EVT_HDR_LEN - 1, "shorter than the header");
	expect_bad(NULL, 100, "shorter than the header");
	expect_bad(r, n - 1, "beyond the available");

	H(r)->len = LNR_EVT_MAX_LEN + 8;
	expect_bad(r, sizeof(store), "above LNR_EVT_MAX_LEN");
	H(r)->len = LNR_EVT_HDR_LEN - 1;
	expect_bad(r, sizeof(store), "smaller than the header");
	H(r)->len = (uint32_t)n;

	H(r)->type = LNR_EVT_MAX;
	expect_bad(r, n, "unknown event type");
	H(r)->type = 0xffff;
	expect_bad(r, n, "unknown event type");
	H(r)->type = LNR_EVT_OPENAT;

	H(r)->nparams = 6;
	expect_bad(r, n, "parameter count");
	H(r)->nparams = 8;
	expect_bad(r, n, "parameter count");
	H(r)->nparams = 7;

	H(r)->reserved = 1;
	expect_bad(r, n, "reserved header");
	H(r)->reserved = 0;

	/* Lengths not adding up: one byte short, one long, record longer than the params. */
	lens_of(r)[6] = 7;
	expect_bad(r, n, "fixed-size");
	lens_of(r)[6] = 8;
	lens_of(r)[2] += 1;
	expect_bad(r, n, "");
	lens_of(r)[2] -= 1;
	H(r)->len = (uint32_t)n + 8;
	memset(r + n, 0, 8);
	expect_bad(r, n + 8, "do not add up");
	H(r)->len = (uint32_t)n;
	lens_of(r)[0] = 0x7fffffff;
	expect_bad(r, n, "");
	lens_of(r)[0] = 8 | 0x80000000u;
	expect_bad(r, n, "reserved bit");
	lens_of(r)[0] = 8;

	/* Fixed-size parameter of the wrong size (fd as 4 bytes, rest shifted to keep the sum). */
	lens_of(r)[0] = 4;
	lens_of(r)[1] = 12;
	expect_bad(r, n, "fixed-size");
	lens_of(r)[0] = 8;
	lens_of(r)[1] = 8;

	/* String without its NUL, and with an embedded NUL. */
	name_off = LNR_EVT_HDR_LEN + 7 * 4 + 16;
	assert_int_equal(r[name_off + 11], 0);
	r[name_off + 11] = 'x';
	expect_bad(r, n, "not NUL-terminated");
	r[name_off + 11] = 0;
	r[name_off + 4] = 0;
	expect_bad(r, n, "embedded NUL");
	r[name_off + 4] = 'p';
	assert_int_equal(lnr_evt_decode(r, n, NULL, NULL), 0);

	/* Absent parameters are fine anywhere. */
	{
		struct lnr_evt_builder b;
		int len;

		assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_OPENAT, 1, 2, 3), 0);
		for (int i = 0; i < 7; i++)
			lnr_evb_absent(&b);
		len = lnr_evb_finish(&b);
		assert_int_equal(len, LNR_EVT_HDR_LEN + 7 * 4);
		assert_int_equal(lnr_evt_decode(r, (size_t)len, NULL, NULL), 0);
	}
}

/* The socket address codecs refuse what they cannot encode or decode exactly. */
static void test_sockaddr_codecs(void **state)
{
	(void)state;
	{
		struct lnr_sockaddr a;
		uint8_t sa[64] = {0};

		assert_int_equal(lnr_sockaddr_decode(sa, 0, &a), -EBADMSG);
		sa[0] = LNR_AF_INET;
		assert_int_equal(lnr_sockaddr_decode(sa, 6, &a), -EBADMSG);
		assert_int_equal(lnr_socktuple_decode(sa, 12, &a), -EBADMSG);
		sa[0] = LNR_AF_UNIX;
		sa[1] = 'a';
		assert_int_equal(lnr_sockaddr_decode(sa, 2, &a), -EBADMSG);
		sa[0] = 99;
		assert_int_equal(lnr_sockaddr_decode(sa, 7, &a), -EAFNOSUPPORT);
		assert_int_equal(lnr_socktuple_encode_in4(sa, 12, sa, 1, sa, 2), 0);
		assert_int_equal(lnr_sockaddr_encode_un(sa, 3, "abc", 3), 0);
		assert_int_equal(lnr_sockaddr_encode_un(sa, 5, "abc", 3), 5);
		assert_int_equal(lnr_sockaddr_decode(sa, 5, &a), 0);
		assert_string_equal(a.path, "abc");
		/* Paths are cut at LNR_UNIX_PATH_MAX. */
		{
			char longp[300];

			memset(longp, 'p', sizeof(longp));
			assert_int_equal(lnr_sockaddr_encode_un(sa, sizeof(sa), longp, 300), 0);
		}
	}
}

static void test_builder_errors(void **state)
{
	static uint64_t store[64];
	uint8_t *r = (uint8_t *)store;
	struct lnr_evt_builder b;

	(void)state;
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_MAX, 0, 0, 0), -EINVAL);
	assert_int_equal(lnr_evb_finish(&b), -EINVAL);
	assert_int_equal(lnr_evb_init(&b, r, LNR_EVT_HDR_LEN + 4, LNR_EVT_CLOSE, 0, 0, 0), -ENOSPC);

	/* Missing parameters. */
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_CLOSE, 0, 0, 0), 0);
	lnr_evb_s64(&b, 0);
	assert_int_equal(lnr_evb_finish(&b), -EINVAL);
	/* Too many. */
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_CLOSE, 0, 0, 0), 0);
	lnr_evb_s64(&b, 0);
	lnr_evb_s64(&b, 0);
	lnr_evb_s64(&b, 0);
	assert_int_equal(lnr_evb_finish(&b), -E2BIG);
	/* A string where an integer is declared. */
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_CLOSE, 0, 0, 0), 0);
	lnr_evb_str(&b, "x", 0);
	lnr_evb_s64(&b, 0);
	assert_int_equal(lnr_evb_finish(&b), -EINVAL);
	/* An integer where a string is declared. */
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_UNLINK, 0, 0, 0), 0);
	lnr_evb_s64(&b, 0);
	lnr_evb_u64(&b, 1);
	assert_int_equal(lnr_evb_finish(&b), -EINVAL);
	/* A value wider than the declared size is narrowed to its low bytes (event.h). */
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_READ, 0, 0, 0), 0);
	lnr_evb_s64(&b, 0);
	lnr_evb_absent(&b);
	lnr_evb_s64(&b, 3);
	lnr_evb_u64(&b, (UINT64_C(1) << 32) | 7);
	{
		struct lnr_evt_view v;
		uint64_t u;
		int len = lnr_evb_finish(&b);

		assert_true(len > 0);
		assert_int_equal(lnr_evt_decode(r, (size_t)len, &v, NULL), 0);
		assert_int_equal(lnr_evt_get_u64(&v, 3, &u), 0);
		assert_int_equal(u, 7);
	}
	/* -1 fits a UINT32 as its two's complement (uid -1 = 4294967295). */
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_SETUID, 0, 0, 0), 0);
	lnr_evb_s64(&b, 0);
	lnr_evb_s64(&b, -1);
	assert_true(lnr_evb_finish(&b) > 0);
	/* Unterminated string given as bytes. */
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_UNLINK, 0, 0, 0), 0);
	lnr_evb_s64(&b, 0);
	lnr_evb_bytes(&b, "abc", 3, 0);
	assert_int_equal(lnr_evb_finish(&b), -EINVAL);

	/* Out of room: strings and blobs are cut to fit and flagged, never overflow. */
	{
		static uint64_t big[(LNR_EVT_HDR_LEN + 4 * 4 + 64) / 8];
		uint8_t *s = (uint8_t *)big;
		size_t cap = LNR_EVT_HDR_LEN + 4 * 4 + 8 + 20;
		char text[200];
		struct lnr_evt_view v;
		int len;

		memset(text, 'a', sizeof(text));
		text[199] = 0;
		memset(s, 0xee, sizeof(big));
		assert_int_equal(lnr_evb_init(&b, s, cap, LNR_EVT_WRITE, 0, 0, 0), 0);
		lnr_evb_s64(&b, 5);
		lnr_evb_bytes(&b, text, 199, 0);
		lnr_evb_absent(&b);
		lnr_evb_absent(&b);
		len = lnr_evb_finish(&b);
		assert_int_equal(len, (int)cap);
		assert_int_equal(s[cap], 0xee);
		assert_int_equal(lnr_evt_decode(s, (size_t)len, &v, NULL), 0);
		assert_int_equal(v.plen[1], 20);
		assert_true(v.pflags[1] & LNR_PARAM_TRUNC);
		assert_true(v.hdr->flags & LNR_EVF_TRUNCATED);

		cap = LNR_EVT_HDR_LEN + 2 * 4 + 8 + 10;
		assert_int_equal(lnr_evb_init(&b, s, cap, LNR_EVT_UNLINK, 0, 0, 0), 0);
		lnr_evb_s64(&b, -2);
		lnr_evb_str(&b, text, 0);
		len = lnr_evb_finish(&b);
		assert_int_equal(len, (int)cap);
		assert_int_equal(lnr_evt_decode(s, (size_t)len, &v, NULL), 0);
		assert_string_equal(lnr_evt_get_str(&v, 1), "aaaaaaaaa");
		assert_true(v.pflags[1] & LNR_PARAM_TRUNC);

		/* No room for an integer: an error, not a partial value. */
		cap = LNR_EVT_HDR_LEN + 2 * 4 + 4;
		assert_int_equal(lnr_evb_init(&b, s, cap, LNR_EVT_CLOSE, 0, 0, 0), 0);
		lnr_evb_s64(&b, 0);
		lnr_evb_s64(&b, 0);
		assert_int_equal(lnr_evb_finish(&b), -ENOSPC);
	}
}

/* Exact printed lines for a few known records. */
static void check_line(const uint8_t *rec, int len, const char *want)
{
	struct lnr_evt_view v;
	char line[1024];
	const char *why = NULL;

	assert_true(len > 0);
	if (lnr_evt_decode(rec, (size_t)len, &v, &why) != 0)
		fail_msg("decode: %s", why);
	assert_int_equal(lnr_evt_format(&v, line, sizeof(line)), (int)strlen(want));
	assert_string_equal(line, want);
}

static void test_format_lines(void **state)
{
	static uint64_t store[512];
	uint8_t *r = (uint8_t *)store;
	struct lnr_evt_builder b;
	uint8_t tup[64];
	size_t tl;
	static const uint8_t lo[4] = {127, 0, 0, 1}, peer[4] = {93, 184, 216, 34};

	(void)state;
	/* openat that failed. */
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_OPENAT, 1700000000123456789ull,
				      1234, 1200),
			 0);
	H(r)->cpu = 3;
	lnr_evb_s64(&b, -2);
	lnr_evb_s64(&b, -100);
	lnr_evb_str(&b, "/etc/shadow", 0);
	lnr_evb_u64(&b, 1 | (1 << 12)); /* PPM_O_RDONLY | PPM_O_CLOEXEC */
	lnr_evb_u64(&b, 0);
	lnr_evb_absent(&b);
	lnr_evb_absent(&b);
	check_line(r, lnr_evb_finish(&b),
		   "1700000000.123456789 3 1234 1200 openat fd=-2(ENOENT) dirfd=-100(AT_FDCWD) "
		   "name=/etc/shadow flags=4097(O_RDONLY|O_CLOEXEC) mode=0 dev=NULL ino=NULL");

	/* ptrace: the request by libscap's name (Falco's rules test "contains PTRACE_ATTACH"). */
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_PTRACE, 5, 1, 1), 0);
	lnr_evb_s64(&b, 0);
	lnr_evb_absent(&b); /* addr, data: dynamic, not what is checked here */
	lnr_evb_absent(&b);
	lnr_evb_u64(&b, 11); /* PPM_PTRACE_ATTACH */
	lnr_evb_s64(&b, 42);
	check_line(r, lnr_evb_finish(&b),
		   "0.000000005 0 1 1 ptrace res=0 addr=NULL data=NULL request=11(PTRACE_ATTACH) "
		   "pid=42");

	/* Successful openat with mode and device. */
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_OPENAT, 5, 1, 1), 0);
	lnr_evb_s64(&b, 3);
	lnr_evb_s64(&b, 7);
	lnr_evb_str(&b, "new file", 0);
	lnr_evb_u64(&b, 3 | 4 | 256); /* RDWR|CREAT|TRUNC */
	lnr_evb_u64(&b, 0644);
	lnr_evb_u64(&b, 0xfd01);
	lnr_evb_u64(&b, 42);
	check_line(r, lnr_evb_finish(&b),
		   "0.000000005 0 1 1 openat fd=3 dirfd=7 name=new file flags=263(O_TRUNC|O_CREAT|"
		   "O_RDWR) mode=0644 dev=FD01 ino=42");

	/* connect over IPv4. */
	tl = lnr_socktuple_encode_in4(tup, sizeof(tup), lo, 51234, peer, 443);
	assert_int_equal(tl, 13);
	assert_int_equal(
		lnr_evb_init(&b, r, sizeof(store), LNR_EVT_CONNECT, 2000000000000000000ull, 77, 77),
		0);
	H(r)->cpu = 1;
	lnr_evb_s64(&b, 0);
	lnr_evb_bytes(&b, tup, tl, 0);
	lnr_evb_s64(&b, 5);
	tl = lnr_sockaddr_encode_in4(tup, sizeof(tup), peer, 443);
	lnr_evb_bytes(&b, tup, tl, 0);
	check_line(r, lnr_evb_finish(&b),
		   "2000000000.000000000 1 77 77 connect res=0 tuple=127.0.0.1:51234->"
		   "93.184.216.34:443 fd=5 addr=93.184.216.34:443");

	/* A refused connect to a UNIX socket: kernel pointers then the path. */
	tl = lnr_socktuple_encode_un(tup, sizeof(tup), 0xffff8880aa, 0, "/run/docker.sock", 16);
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_CONNECT, 0, 9, 9), 0);
	lnr_evb_s64(&b, -111);
	lnr_evb_bytes(&b, tup, tl, 0);
	lnr_evb_s64(&b, 4);
	lnr_evb_absent(&b);
	check_line(r, lnr_evb_finish(&b),
		   "0.000000000 0 9 9 connect res=-111(ECONNREFUSED) tuple=ffff8880aa->0 "
		   "/run/docker.sock fd=4 addr=NULL");

	/* One flag equal to a table entry, no flag at all, an enum, uid -1. */
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_OPEN, 0, 1, 1), 0);
	lnr_evb_s64(&b, 4);
	lnr_evb_str(&b, "/etc/hosts", 0);
	lnr_evb_u64(&b, 1);
	lnr_evb_u64(&b, 0);
	lnr_evb_u64(&b, 0);
	lnr_evb_u64(&b, 0);
	check_line(r, lnr_evb_finish(&b),
		   "0.000000000 0 1 1 open fd=4 name=/etc/hosts flags=1(O_RDONLY) mode=0 dev=0 "
		   "ino=0");
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_PIPE2, 0, 1, 1), 0);
	lnr_evb_s64(&b, 0);
	lnr_evb_s64(&b, 3);
	lnr_evb_s64(&b, 4);
	lnr_evb_u64(&b, 99);
	lnr_evb_u64(&b, 0);
	check_line(r, lnr_evb_finish(&b),
		   "0.000000000 0 1 1 pipe2 res=0 fd1=3 fd2=4 ino=99 flags=0(O_NONE)");
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_SOCKET, 0, 1, 1), 0);
	lnr_evb_s64(&b, 5);
	lnr_evb_u64(&b, 10);
	lnr_evb_u64(&b, 1);
	lnr_evb_u64(&b, 6);
	check_line(r, lnr_evb_finish(&b),
		   "0.000000000 0 1 1 socket fd=5 domain=10(AF_INET6) type=1 proto=6");
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_SETUID, 0, 1, 1), 0);
	lnr_evb_s64(&b, -1);
	lnr_evb_u64(&b, UINT32_MAX);
	check_line(r, lnr_evb_finish(&b), "0.000000000 0 1 1 setuid res=-1(EPERM) uid=-1");

	/* IPv6 tuple, accept4 flags (INT32 printed in hex as libsinsp does). */
	{
		uint8_t a6[16] = {0x20, 0x01, 0x0d, 0xb8}, b6[16] = {0};

		a6[15] = 1;
		b6[15] = 1;
		tl = lnr_socktuple_encode_in6(tup, sizeof(tup), a6, 8080, b6, 40001);
		assert_int_equal(tl, 37);
		assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_ACCEPT4, 0, 1, 1), 0);
		lnr_evb_s64(&b, 7);
		lnr_evb_bytes(&b, tup, tl, 0);
		lnr_evb_u64(&b, 0);
		lnr_evb_u64(&b, 1);
		lnr_evb_u64(&b, 128);
		lnr_evb_s64(&b, -1);
		check_line(r, lnr_evb_finish(&b),
			   "0.000000000 0 1 1 accept4 fd=7 tuple=2001:db8::1:8080->::1:40001 "
			   "queuepct=0 queuelen=1 queuemax=128 flags=FFFFFFFF");
	}

	/* write with binary data, and an escaped, invalid-UTF-8 unlink path. */
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_WRITE, 0, 2, 2), 0);
	lnr_evb_s64(&b, 6);
	lnr_evb_bytes(&b, "hi\n\x00\xff\\", 6, 0);
	lnr_evb_s64(&b, 1);
	lnr_evb_u64(&b, 6);
	check_line(r, lnr_evb_finish(&b),
		   "0.000000000 0 2 2 write res=6 data=hi\\x0A\\x00\\xFF\\\\ fd=1 size=6");

	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_UNLINK, 0, 2, 2), 0);
	lnr_evb_s64(&b, -13);
	lnr_evb_str(&b, "/tmp/\xc3\xa9t\xc3\x28\x1b[31m", 0);
	check_line(r, lnr_evb_finish(&b),
		   "0.000000000 0 2 2 unlink res=-13(EACCES) path=/tmp/\xc3\xa9t\\xC3(\\x1B[31m");

	/* kill with a signal, and a truncated long bytebuf shown up to the limit. */
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_KILL, 0, 2, 2), 0);
	lnr_evb_s64(&b, 0);
	lnr_evb_s64(&b, 4321);
	lnr_evb_u64(&b, 9);
	check_line(r, lnr_evb_finish(&b), "0.000000000 0 2 2 kill res=0 pid=4321 sig=9(SIGKILL)");

	{
		char data[120];

		memset(data, 'x', sizeof(data));
		assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_READ, 0, 2, 2), 0);
		lnr_evb_s64(&b, 120);
		lnr_evb_bytes(&b, data, sizeof(data), 1);
		lnr_evb_s64(&b, 0);
		lnr_evb_u64(&b, 4096);
		check_line(
			r, lnr_evb_finish(&b),
			"0.000000000 0 2 2 read res=120 data=xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"
			"xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx...(truncated) fd=0 "
			"size=4096");
	}
}

/* execve: argv joined with spaces, as sysdig shows it. */
static void test_format_execve(void **state)
{
	static uint64_t store[512];
	uint8_t *r = (uint8_t *)store;
	struct lnr_evt_builder b;
	const struct lnr_evt_info *in = lnr_evt_info(LNR_EVT_EXECVE);
	struct lnr_evt_view v;
	char line[2048];
	int len;

	(void)state;
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_EXECVE, 0, 10, 10), 0);
	for (unsigned i = 0; i < in->nparams; i++) {
		const char *nm = in->params[i].name;

		if (strcmp(nm, "res") == 0)
			lnr_evb_s64(&b, 0);
		else if (strcmp(nm, "exe") == 0)
			lnr_evb_str(&b, "/bin/sh", 0);
		else if (strcmp(nm, "args") == 0)
			lnr_evb_bytes(&b, "-c\0echo hi\0", 11, 0);
		else
			lnr_evb_absent(&b);
	}
	len = lnr_evb_finish(&b);
	assert_true(len > 0);
	assert_int_equal(lnr_evt_decode(r, (size_t)len, &v, NULL), 0);
	lnr_evt_format(&v, line, sizeof(line));
	assert_non_null(strstr(line, " execve res=0 exe=/bin/sh args=-c echo hi tid=NULL "));

	/* A cut argument list says so. */
	assert_int_equal(lnr_evb_init(&b, r, sizeof(store), LNR_EVT_EXECVE, 0, 10, 10), 0);
	for (unsigned i = 0; i < in->nparams; i++) {
		if (strcmp(in->params[i].name, "args") == 0)
			lnr_evb_bytes(&b, "-c\0echo h", 9, 1);
		else
			lnr_evb_absent(&b);
	}
	len = lnr_evb_finish(&b);
	assert_true(len > 0);
	assert_int_equal(lnr_evt_decode(r, (size_t)len, &v, NULL), 0);
	lnr_evt_format(&v, line, sizeof(line));
	assert_non_null(strstr(line, " args=-c echo h(truncated) tid=NULL "));
}

static void test_accessors(void **state)
{
	static uint64_t store[64];
	uint8_t *r = (uint8_t *)store;
	struct lnr_evt_view v;
	int64_t s;
	uint64_t u;

	(void)state;
	assert_true(make_openat(r, sizeof(store)) > 0);
	assert_int_equal(lnr_evt_decode(r, H(r)->len, &v, NULL), 0);
	assert_int_equal(lnr_evt_get_s64(&v, 1, &s), 0);
	assert_int_equal(s, -100);
	assert_int_equal(lnr_evt_get_u64(&v, 5, &u), 0);
	assert_int_equal(u, 0x803);
	assert_int_equal(lnr_evt_get_s64(&v, 7, &s), -EINVAL);
	assert_int_equal(lnr_evt_get_s64(&v, 2, &s), -EINVAL);
	assert_string_equal(lnr_evt_get_str(&v, 2), "/etc/passwd");
	assert_null(lnr_evt_get_str(&v, 0));
	assert_null(lnr_evt_get_str(&v, 99));
	assert_int_equal(lnr_evt_param_index(v.info, "name"), 2);
	assert_int_equal(lnr_evt_param_index(v.info, "nope"), -1);
	assert_string_equal(lnr_errno_name(2), "ENOENT");
	assert_null(lnr_errno_name(0));
	assert_null(lnr_errno_name(100000));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip_all_types), cmocka_unit_test(test_decode_rejects),
		cmocka_unit_test(test_sockaddr_codecs),	    cmocka_unit_test(test_builder_errors),
		cmocka_unit_test(test_format_lines),	    cmocka_unit_test(test_format_execve),
		cmocka_unit_test(test_accessors),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
