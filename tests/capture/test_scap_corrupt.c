/* test_scap_corrupt.c: truncated, corrupt and hostile captures give clear errors, never crashes. */
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

#include "scap_reader.h"
#include "test_env.h"

#define SCAP_DIR LANNER_CONFORMANCE_DIR "/scap"

struct evlog {
	uint64_t n;
	uint64_t ts[8192];
	uint64_t recs;
};

static int on_raw(void *ctx, const struct scap_raw_evt *e)
{
	struct evlog *l = ctx;

	if (l->n < 8192)
		l->ts[l->n] = e->ts;
	l->n++;
	return 0;
}

static int on_event(void *ctx, const void *rec, uint32_t len)
{
	((struct evlog *)ctx)->recs++;
	return 0;
}

/* Uncompressed bytes of a capture. */
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

static uint8_t *load_raw(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	uint8_t *b;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	b = malloc((size_t)n);
	assert_non_null(b);
	assert_int_equal(fread(b, 1, (size_t)n, f), (size_t)n);
	fclose(f);
	*len = (size_t)n;
	return b;
}

/* Run the reader over buf; returns rc, fills log and the error text. */
static int run_mem(const void *buf, size_t len, struct evlog *log, char *err, size_t errn,
		   struct scap_reader_stats *st)
{
	struct scap_reader_cbs cbs = {.ctx = log, .raw = on_raw, .event = on_event};
	struct scap_reader *r;
	int rc;

	memset(log, 0, sizeof(*log));
	r = scap_reader_open_mem(buf, len, &cbs);
	assert_non_null(r);
	rc = scap_reader_run(r);
	if (err)
		snprintf(err, errn, "%s", scap_reader_error(r));
	if (st)
		*st = *scap_reader_stats(r);
	scap_reader_free(r);
	return rc;
}

/* Byte offsets where each block starts, and where event blocks end. */
static size_t block_starts(const uint8_t *b, size_t len, size_t *out, size_t max)
{
	size_t off = 0, n = 0;

	while (off + 8 <= len && n < max) {
		uint32_t bl;

		memcpy(&bl, b + off + 4, 4);
		out[n++] = off;
		if (bl < 12)
			break;
		off += bl;
	}
	return n;
}

/*
 * A file cut anywhere: either at a block boundary (a shorter valid capture)
 * or with -EBADMSG naming the byte offset, after delivering exactly the events
 * of the complete blocks before the cut, in order.
 */
static void test_truncated_everywhere(void **state)
{
	size_t len, starts[4096], nb;
	uint8_t *b = load(SCAP_DIR "/falco-0.34.1_cat_write.scap", &len);
	static struct evlog full, part;
	char err[256];
	int cuts = 0, errs = 0;

	assert_int_equal(run_mem(b, len, &full, NULL, 0, NULL), 0);
	assert_int_equal(full.n, 345);
	nb = block_starts(b, len, starts, 4096);
	for (size_t cut = 0; cut < len; cut += (cut < 2000 ? 1 : 61)) {
		int rc = run_mem(b, cut, &part, err, sizeof(err), NULL);
		size_t whole = 0, evs_before = 0;

		for (size_t i = 0; i < nb; i++) {
			uint32_t bl;
			memcpy(&bl, b + starts[i] + 4, 4);
			if (starts[i] + bl <= cut) {
				whole = starts[i] + bl;
				if (b[starts[i]] == 0x04 && b[starts[i] + 1] == 0x02)
					evs_before++; /* EV block 0x204 */
			}
		}
		if (cut == whole && cut > 0) {
			assert_int_equal(rc, 0);
		} else {
			assert_int_equal(rc, -EBADMSG);
			assert_non_null(strstr(err, "at byte offset"));
			errs++;
		}
		/* Exactly the events of the complete blocks, as in the full read. */
		assert_int_equal(part.n, evs_before);
		for (uint64_t i = 0; i < part.n && i < 8192; i++)
			assert_int_equal(part.ts[i], full.ts[i]);
		cuts++;
	}
	assert_true(cuts > 2000 && errs > 2000);
	free(b);
}

/* The compressed file cut short: zlib's error, with the offset reached. */
static void test_truncated_gzip(void **state)
{
	size_t len;
	uint8_t *b = load_raw(SCAP_DIR "/falco-0.34.1_cat_write.scap", &len);
	static struct evlog log;
	char err[256];
	/* Cut near the end, inside the event blocks (they follow the lists). */
	int rc = run_mem(b, len - 300, &log, err, sizeof(err), NULL);

	assert_true(rc == -EBADMSG || rc == -EIO);
	assert_non_null(strstr(err, "at byte offset"));
	assert_true(log.n > 0 && log.n < 345);
	free(b);
}

/* Lengths that lie: huge, not a multiple of 4, smaller than a header, and a
 * trailer that disagrees. Each is an error at the block's offset. */
static void test_bad_lengths(void **state)
{
	size_t len, starts[4096], nb;
	uint8_t *b = load(SCAP_DIR "/falco-0.34.1_cat_write.scap", &len);
	uint8_t *c = malloc(len);
	static const uint32_t bad[] = {0xFFFFFFF0u, (64u << 20) + 4, 13, 8, 0};
	static struct evlog log;
	char err[256], want[64];

	nb = block_starts(b, len, starts, 4096);
	assert_true(nb > 100);
	for (size_t i = 0; i < sizeof(bad) / sizeof(bad[0]); i++) {
		size_t at = starts[nb / 2];

		memcpy(c, b, len);
		memcpy(c + at + 4, &bad[i], 4);
		assert_int_equal(run_mem(c, len, &log, err, sizeof(err), NULL), -EBADMSG);
		snprintf(want, sizeof(want), "at byte offset %zu:", at);
		assert_non_null(strstr(err, want));
	}
	/* A length within bounds (but beyond the data): truncated, memory bounded. */
	{
		uint32_t big = 60u << 20;
		size_t at = starts[nb - 1];

		memcpy(c, b, len);
		memcpy(c + at + 4, &big, 4);
		assert_int_equal(run_mem(c, len, &log, err, sizeof(err), NULL), -EBADMSG);
		assert_non_null(strstr(err, "truncated block"));
	}
	/* Trailer differing from the header. */
	{
		size_t at = starts[10];
		uint32_t bl, wrong;

		memcpy(c, b, len);
		memcpy(&bl, c + at + 4, 4);
		wrong = bl + 4;
		memcpy(c + at + bl - 4, &wrong, 4);
		assert_int_equal(run_mem(c, len, &log, err, sizeof(err), NULL), -EBADMSG);
		assert_non_null(strstr(err, "trailer"));
	}
	free(c);
	free(b);
}

/* Unknown block types and event codes are skipped and counted, not fatal. */
static void test_unknown_skipped(void **state)
{
	size_t len, starts[4096], nb;
	uint8_t *b = load(SCAP_DIR "/falco-0.34.1_ping_sendto.scap", &len);
	uint8_t *c = malloc(len + 64);
	static struct evlog full, log;
	struct scap_reader_stats st;
	const uint32_t blk[5] = {0x7777u, 20, 0xdeadbeef, 0x01020304, 20};
	size_t at;

	assert_int_equal(run_mem(b, len, &full, NULL, 0, NULL), 0);
	nb = block_starts(b, len, starts, 4096);
	at = starts[nb / 2];
	memcpy(c, b, at);
	memcpy(c + at, blk, sizeof(blk));
	memcpy(c + at + sizeof(blk), b + at, len - at);
	assert_int_equal(run_mem(c, len + sizeof(blk), &log, NULL, 0, &st), 0);
	assert_int_equal(st.blocks_skipped, 1);
	assert_int_equal(log.n, full.n);
	assert_int_equal(log.recs, full.recs);

	/* An event with a code beyond the table (v2 block: code at body offset 2+16+4). */
	memcpy(c, b, len);
	for (size_t i = nb - 1; i > 0; i--) {
		uint32_t bt;
		memcpy(&bt, c + starts[i], 4);
		if (bt == 0x216) {
			uint16_t code = 1000;
			memcpy(c + starts[i] + 8 + 2 + 20, &code, 2);
			break;
		}
	}
	assert_int_equal(run_mem(c, len, &log, NULL, 0, &st), 0);
	assert_int_equal(st.unknown_codes, 1);
	assert_int_equal(st.raw_events, full.n);
	assert_int_equal(log.n, full.n - 1); /* the unknown one is not handed out */
	free(c);
	free(b);
}

/* Not a capture at all, an empty file, a bad magic, a future major version. */
static void test_not_scap(void **state)
{
	static struct evlog log;
	char err[256];
	const char junk[] = "hello, this is not a capture file at all";
	uint32_t shb[7] = {0x0A0D0D0Au, 28, 0x1A2B3C4Du, 0x00020002u, 0, 0, 28};
	int rc;

	assert_int_equal(run_mem(junk, sizeof(junk), &log, err, sizeof(err), NULL), -EBADMSG);
	assert_non_null(strstr(err, "not a scap capture"));
	assert_int_equal(run_mem("", 0, &log, err, sizeof(err), NULL), -EBADMSG);
	assert_non_null(strstr(err, "empty"));
	rc = run_mem(shb, sizeof(shb), &log, err, sizeof(err), NULL);
	assert_int_equal(rc, -EPROTO);
	assert_non_null(strstr(err, "version 2.2"));
	shb[2] = 0x4D3C2B1Au; /* written big-endian */
	shb[3] = 0x00020001u;
	assert_int_equal(run_mem(shb, sizeof(shb), &log, err, sizeof(err), NULL), -EPROTO);
	assert_non_null(strstr(err, "byte order"));
	shb[2] = 0x12345678u;
	assert_int_equal(run_mem(shb, sizeof(shb), &log, err, sizeof(err), NULL), -EBADMSG);
	assert_non_null(strstr(err, "magic"));
}

/* Random byte flips: the reader ends (cleanly or with an offset), never crashes. */
static void test_random_corruption(void **state)
{
	size_t len;
	uint8_t *b = load(SCAP_DIR "/libs-e2e_curl_google.scap", &len);
	uint8_t *c = malloc(len);
	static struct evlog log;
	char err[256];
	uint64_t x = 0x2545F4914F6CDD1Dull;
	int failed = 0;

	for (int it = 0; it < 300; it++) {
		int rc;

		memcpy(c, b, len);
		for (int k = 0; k < 4; k++) {
			x ^= x << 13;
			x ^= x >> 7;
			x ^= x << 17;
			c[x % len] ^= (uint8_t)(x >> 32) | 1;
		}
		rc = run_mem(c, len, &log, err, sizeof(err), NULL);
		if (rc != 0) {
			assert_true(rc < 0);
			assert_non_null(strstr(err, "at byte offset"));
			failed++;
		}
	}
	assert_true(failed > 0);
	free(c);
	free(b);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_truncated_everywhere),
		cmocka_unit_test(test_truncated_gzip),
		cmocka_unit_test(test_bad_lengths),
		cmocka_unit_test(test_unknown_skipped),
		cmocka_unit_test(test_not_scap),
		cmocka_unit_test(test_random_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
