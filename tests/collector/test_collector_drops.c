/* test_collector_drops.c: a syscall storm into a tiny buffer: drops counted + events received == syscalls made. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "collector.h"
#include "event.h"
#include "test_env.h"

#define STORM_LOOPS 50000 /* open + close each: 100,000 syscalls */

struct counts {
	pid_t pid;
	uint64_t openat, close, other;
};

static int count_sink(const void *rec, size_t len, void *arg)
{
	struct counts *c = arg;
	struct lnr_evt_view v;
	const char *why;

	if (lnr_evt_decode(rec, len, &v, &why) != 0 || v.hdr->pid != c->pid) {
		c->other++;
		return 0;
	}
	if (v.hdr->type == LNR_EVT_OPENAT)
		c->openat++;
	else if (v.hdr->type == LNR_EVT_CLOSE)
		c->close++;
	else
		c->other++;
	return 0;
}

/* The storm: STORM_LOOPS open+close of /etc/hostname; returns how many
 * syscalls it made through the shared counter. */
static void storm(int go_fd, volatile uint64_t *made)
{
	char ch;
	uint64_t n = 0;

	if (read(go_fd, &ch, 1) != 1)
		_exit(2);
	for (int i = 0; i < STORM_LOOPS; i++) {
		int fd = open("/etc/hostname", O_RDONLY);

		n++; /* openat, whatever its result */
		close(fd);
		n++; /* close, whatever its result */
	}
	*made = n;
	_exit(0);
}

static void run_storm(size_t buf_size, int drain_during, struct counts *cnt, struct col_stats *st,
		      uint64_t *made_out)
{
	volatile uint64_t *made;
	struct col_opts o;
	struct col *c;
	char err[512];
	int go[2], status;
	pid_t pid;

	made = mmap(NULL, 4096, PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	assert_true(made != MAP_FAILED);
	*made = 0;
	assert_int_equal(pipe(go), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		close(go[1]);
		storm(go[0], made);
	}
	close(go[0]);
	memset(cnt, 0, sizeof(*cnt));
	cnt->pid = pid;
	col_opts_default(&o);
	o.buf_size_preset = 0;
	o.buf_size = buf_size;
	o.sink = count_sink;
	o.sink_arg = cnt;
	c = col_open(&o, err, sizeof(err));
	if (!c)
		fail_msg("col_open: %s", err);
	/* Only the storm's process, only its two syscalls: the counts are exact. */
	col_only_tgid(c, pid);
	assert_int_equal(col_select(c, LNR_EVT_OPENAT, true), 0);
	assert_int_equal(col_select(c, LNR_EVT_CLOSE, true), 0);
	if (col_attach(c, err, sizeof(err)))
		fail_msg("col_attach: %s", err);
	assert_int_equal(write(go[1], "g", 1), 1);
	close(go[1]);
	for (;;) {
		if (drain_during)
			col_poll(c, 10);
		else
			usleep(10000);
		if (waitpid(pid, &status, WNOHANG) == pid)
			break;
	}
	assert_true(WIFEXITED(status) && WEXITSTATUS(status) == 0);
	while (col_poll(c, 100) > 0)
		;
	col_read_stats(c, st);
	*made_out = *made;
	col_close(c);
	munmap((void *)made, 4096);
}

static void test_small_buffer_drops_add_up(void **state)
{
	struct counts cnt;
	struct col_stats st;
	uint64_t made, got;

	(void)state;
	/* One page per buffer, not drained while the storm runs: most events drop. */
	run_storm(4096, 0, &cnt, &st, &made);
	got = cnt.openat + cnt.close;
	fprintf(stderr,
		"storm: %llu syscalls, received %llu (openat %llu close %llu), kernel events "
		"%llu, drops %llu (buffer full %llu)\n",
		(unsigned long long)made, (unsigned long long)got, (unsigned long long)cnt.openat,
		(unsigned long long)cnt.close, (unsigned long long)st.events,
		(unsigned long long)st.drops, (unsigned long long)st.drop_buf_full);
	assert_int_equal(made, 2 * STORM_LOOPS);
	assert_int_equal(cnt.other, 0);
	assert_true(st.drops > 0);
	assert_int_equal(st.drops, st.drop_buf_full);
	/* Falco's categories: openat is an open, close a close; nothing else was traced. */
	assert_int_equal(st.drop_buf_open + st.drop_buf_close, st.drop_buf_full);
	assert_true(st.drop_buf_open > 0 && st.drop_buf_close > 0);
	assert_int_equal(st.drop_buf_execve + st.drop_buf_clone_fork + st.drop_buf_dir_file, 0);
	/* Every syscall is either received or counted as dropped. */
	assert_int_equal(got + st.drops, made);
	/* No user-space hop lost any: what the kernel wrote is what we received. */
	assert_int_equal(st.events, got);
	assert_int_equal(st.delivered, got);
}

static void test_drained_buffer_loses_nothing(void **state)
{
	struct counts cnt;
	struct col_stats st;
	uint64_t made, got;

	(void)state;
	/* 16 MiB, drained while the storm runs (about 10 MB of records): nothing lost. */
	run_storm(16u << 20, 1, &cnt, &st, &made);
	got = cnt.openat + cnt.close;
	fprintf(stderr, "drained storm: %llu syscalls, received %llu, drops %llu\n",
		(unsigned long long)made, (unsigned long long)got, (unsigned long long)st.drops);
	assert_int_equal(got + st.drops, made);
	assert_int_equal(st.events, got);
	assert_int_equal(st.drops, 0);
	assert_int_equal(cnt.openat, STORM_LOOPS);
	assert_int_equal(cnt.close, STORM_LOOPS);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_small_buffer_drops_add_up),
		cmocka_unit_test(test_drained_buffer_loses_nothing),
	};

	lnr_test_require_root("test_collector_drops");
	return cmocka_run_group_tests(tests, NULL, NULL);
}
