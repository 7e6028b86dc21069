/* test_journal.c: the emitter's spool: cursors, restart, torn tails, size cap, dedupe, reclaim. */
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>

#include "harness.h"
#include "journal.h"

static char dir[256];

static int setup(void **state)
{
	h_tmpdir(dir, sizeof(dir), "journal");
	return 0;
}

static int teardown(void **state)
{
	h_rmrf(dir);
	return 0;
}

static void append_n(struct journal *j, unsigned from, unsigned n, uint64_t sender)
{
	for (unsigned i = from; i < from + n; i++) {
		char rec[64];
		struct iovec v = {.iov_base = rec,
				  .iov_len = (size_t)snprintf(rec, sizeof(rec), "record-%06u", i)};
		assert_int_equal(journal_append(j, sender, i + 1, &v, 1), 0);
	}
}

/* Reads everything available; checks it is record-<from>... and commits. */
static unsigned read_all(struct journal_reader *r, unsigned from, bool commit)
{
	struct journal_rec recs[64];
	unsigned got = 0;
	int n;

	while ((n = journal_reader_next(r, recs, 64, 1 << 20, 0)) > 0) {
		for (int i = 0; i < n; i++) {
			char want[32];
			snprintf(want, sizeof(want), "record-%06u", from + got);
			assert_int_equal(recs[i].len, strlen(want));
			assert_memory_equal(recs[i].data, want, recs[i].len);
			got++;
		}
		if (commit)
			assert_int_equal(journal_reader_commit(r, recs[n - 1].end), 0);
	}
	assert_true(n >= 0);
	return got;
}

/* Reads exactly k records (a read stays within one segment: loop); returns the last end. */
static uint64_t read_k(struct journal_reader *r, unsigned k)
{
	struct journal_rec recs[64];
	uint64_t end = 0;

	while (k) {
		int n = journal_reader_next(r, recs, k < 64 ? k : 64, 1 << 20, 0);
		assert_true(n > 0);
		end = recs[n - 1].end;
		k -= (unsigned)n;
	}
	return end;
}

static unsigned count_segments(void)
{
	DIR *d = opendir(dir);
	unsigned n = 0;

	for (struct dirent *e; (e = readdir(d));)
		n += strncmp(e->d_name, "seg-", 4) == 0;
	closedir(d);
	return n;
}

static void test_cursors_and_restart(void **state)
{
	struct journal_opts o = {.dir = dir, .segment_bytes = 4096, .max_bytes = 1 << 20};
	struct journal *j = journal_open(&o);
	assert_non_null(j);
	struct journal_reader *a = journal_reader_open(j, "a"), *b = journal_reader_open(j, "b");
	append_n(j, 0, 500, 7);
	assert_true(count_segments() > 3);
	assert_int_equal(journal_reader_backlog(a), 500);
	assert_int_equal(read_all(a, 0, true), 500);
	assert_int_equal(journal_reader_backlog(a), 0);
	/* b reads 100 and commits them, reads more without committing */
	assert_int_equal(journal_reader_commit(b, read_k(b, 100)), 0);
	read_k(b, 50);
	assert_int_equal(journal_reader_backlog(b), 400);
	/* a lagging reader keeps its segments */
	unsigned segs = count_segments();
	assert_true(segs > 3);
	journal_reader_close(a);
	journal_reader_close(b);
	journal_close(j);

	/* restart: b resumes at its committed cursor, dedupe state survives */
	j = journal_open(&o);
	assert_non_null(j);
	assert_true(journal_seen(j, 7, 500));
	assert_false(journal_seen(j, 7, 501));
	assert_false(journal_seen(j, 8, 1));
	b = journal_reader_open(j, "b");
	a = journal_reader_open(j, "a");
	assert_int_equal(journal_reader_backlog(b), 400);
	assert_int_equal(journal_reader_backlog(a), 0);
	/* rewind after a failed delivery re-reads from the cursor */
	read_k(b, 10);
	journal_reader_rewind(b);
	assert_int_equal(read_all(b, 100, true), 400);
	/* everyone has passed the old segments: they are gone */
	assert_true(count_segments() <= 2);
	/* a new reader starts at the end */
	struct journal_reader *c = journal_reader_open(j, "c");
	assert_int_equal(journal_reader_backlog(c), 0);
	append_n(j, 500, 3, 7);
	assert_int_equal(read_all(c, 500, true), 3);
	journal_reader_close(a);
	journal_reader_close(b);
	journal_reader_close(c);
	journal_close(j);
}

static void test_torn_tail(void **state)
{
	struct journal_opts o = {.dir = dir};
	struct journal *j = journal_open(&o);
	struct journal_reader *r = journal_reader_open(j, "r");
	append_n(j, 0, 10, 1);
	journal_reader_close(r);
	journal_close(j);
	/* a crash in the middle of an append leaves a partial record */
	char path[400];
	snprintf(path, sizeof(path), "%s/seg-0000000000000000.log", dir);
	int fd = open(path, O_WRONLY | O_APPEND);
	assert_true(fd >= 0);
	assert_int_equal(write(fd, "\x40\x00\x00\x00garbage", 11), 11);
	close(fd);
	j = journal_open(&o);
	r = journal_reader_open(j, "r");
	journal_reader_rewind(r);
	/* r's cursor was at 0 (opened before the appends): it reads the 10 intact records */
	assert_int_equal(read_all(r, 0, true), 10);
	append_n(j, 10, 2, 1);
	assert_int_equal(read_all(r, 10, true), 2);
	journal_reader_close(r);
	journal_close(j);
}

static void test_size_cap_counts_drops(void **state)
{
	/* 4 segments of 1 KiB at most: a reader that never reads loses the oldest */
	struct journal_opts o = {.dir = dir, .segment_bytes = 1024, .max_bytes = 4096};
	struct journal *j = journal_open(&o);
	struct journal_reader *slow = journal_reader_open(j, "slow");
	struct journal_reader *fast = journal_reader_open(j, "fast");
	unsigned total = 1000;

	for (unsigned i = 0; i < total; i++) {
		append_n(j, i, 1, 3);
		read_all(fast, i, true);
	}
	assert_true(journal_bytes(j) <= 4096);
	uint64_t dropped = journal_reader_dropped(slow), backlog = journal_reader_backlog(slow);
	assert_true(dropped > 0);
	assert_int_equal(journal_reader_dropped(fast), 0);
	/* exact accounting: what was dropped plus what is left is everything */
	assert_int_equal(dropped + backlog, total);
	unsigned first = (unsigned)dropped;
	assert_int_equal(read_all(slow, first, true), backlog);
	journal_reader_close(slow);
	journal_reader_close(fast);
	journal_close(j);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test_setup_teardown(test_cursors_and_restart, setup, teardown),
		cmocka_unit_test_setup_teardown(test_torn_tail, setup, teardown),
		cmocka_unit_test_setup_teardown(test_size_cap_counts_drops, setup, teardown),
	};
	return cmocka_run_group_tests(tests, NULL, NULL);
}
