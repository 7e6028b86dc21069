/* test_fblock.c: field block round trips and corrupt blocks refused. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <string.h>
#include <cmocka.h>

#include "fblock.h"

static void test_round_trip(void **state)
{
	uint8_t buf[4096];
	struct fblock_writer w;
	struct fblock_view v;
	struct fld_val in[3], out[8];
	int len;

	assert_int_equal(fblock_begin(&w, buf, sizeof(buf), 4, 7), 0);
	in[0].type = LNR_PT_CHARBUF;
	in[0].str.p = "bash";
	in[0].str.len = 4;
	in[1] = in[0];
	in[1].str.p = "sshd";
	fblock_put(&w, in, 2, 0);   /* a list of two strings */
	fblock_put(&w, NULL, 0, 0); /* no value */
	in[2].type = LNR_PT_UINT64;
	in[2].u64 = 0xdeadbeefcafeULL;
	fblock_put(&w, &in[2], 1, 0);
	memset(&in[0], 0, sizeof(in[0]));
	in[0].type = LNR_PT_IPADDR;
	in[0].ip.family = 4;
	in[0].ip.a[0] = 192;
	in[0].ip.a[3] = 7;
	fblock_put(&w, in, 1, 0);
	len = fblock_end(&w);
	assert_true(len > 0);

	assert_int_equal(fblock_open(buf, (size_t)len, &v), 0);
	assert_int_equal(v.gen, 7);
	assert_int_equal(v.n, 4);
	assert_int_equal(fblock_get(&v, 0, out, 8), 2);
	assert_int_equal(out[1].str.len, 4);
	assert_memory_equal(out[1].str.p, "sshd", 4);
	assert_int_equal(fblock_get(&v, 0, out, 1), 1); /* max respected */
	assert_int_equal(fblock_get(&v, 1, out, 8), 0);
	assert_int_equal(fblock_get(&v, 2, out, 8), 1);
	assert_true(out[0].u64 == 0xdeadbeefcafeULL);
	assert_int_equal(fblock_get(&v, 3, out, 8), 1);
	assert_int_equal(out[0].ip.family, 4);
	assert_int_equal(out[0].ip.a[0], 192);
	assert_int_equal(out[0].ip.a[3], 7);
	assert_int_equal(fblock_get(&v, 4, out, 8), 0); /* past the end */
}

static void test_limits_and_corruption(void **state)
{
	uint8_t buf[64];
	struct fblock_writer w;
	struct fblock_view v;
	struct fld_val in, out[2];
	char big[200];
	int len;

	memset(big, 'x', sizeof(big));
	in.type = LNR_PT_CHARBUF;
	in.str.p = big;
	in.str.len = sizeof(big);
	/* does not fit: -ENOSPC, never an overrun */
	assert_int_equal(fblock_begin(&w, buf, sizeof(buf), 1, 1), 0);
	fblock_put(&w, &in, 1, 0);
	assert_int_equal(fblock_end(&w), -ENOSPC);
	/* cut at max_str */
	assert_int_equal(fblock_begin(&w, buf, sizeof(buf), 1, 1), 0);
	fblock_put(&w, &in, 1, 10);
	len = fblock_end(&w);
	assert_true(len > 0);
	assert_int_equal(fblock_open(buf, (size_t)len, &v), 0);
	assert_int_equal(fblock_get(&v, 0, out, 2), 1);
	assert_int_equal(out[0].str.len, 10);
	/* corrupt string length: refused */
	{
		uint32_t off, bad = 1000;

		memcpy(&off, buf + sizeof(struct fblock_hdr), 4);
		memcpy(buf + off + 4, &bad, 4);
		assert_int_equal(fblock_get(&v, 0, out, 2), -EBADMSG);
	}
	/* bad magic, short, too many entries for the length */
	assert_int_equal(fblock_open(buf, 8, &v), -EBADMSG);
	buf[0] ^= 1;
	assert_int_equal(fblock_open(buf, (size_t)len, &v), -EBADMSG);
	buf[0] ^= 1;
	{
		uint32_t n = 1000;

		memcpy(buf + 8, &n, 4);
		assert_int_equal(fblock_open(buf, (size_t)len, &v), -EBADMSG);
	}
	/* entry count mismatch on end */
	assert_int_equal(fblock_begin(&w, buf, sizeof(buf), 2, 1), 0);
	fblock_put(&w, &in, 1, 4);
	assert_int_equal(fblock_end(&w), -EINVAL);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_round_trip),
		cmocka_unit_test(test_limits_and_corruption),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
