/* test_handoff.c: common/handoff.c: messages with descriptors between supervisor and stage. */
#include <errno.h>
#include <fcntl.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cmocka.h>

#include "handoff.h"

static int open_fds(void)
{
	int n = 0;

	for (int fd = 0; fd < 1024; fd++)
		if (fcntl(fd, F_GETFD) >= 0)
			n++;
	return n;
}

/* Payload and descriptors arrive; the received fds are duplicates of the sent
 * files (a pipe written through one is read through the other), close-on-exec. */
static void test_roundtrip(void **state)
{
	int sv[2], p[2], fds[HANDOFF_MAX_FDS], nfds = -1;
	char buf[64] = {0}, c = 0;
	uint32_t type = 0;
	size_t len = 0;

	(void)state;
	assert_int_equal(handoff_pair(sv), 0);
	assert_int_equal(pipe(p), 0);
	assert_int_equal(handoff_send(sv[0], HANDOFF_STATE, "hello", 5, p, 2), 0);
	close(p[0]);
	close(p[1]);
	assert_int_equal(handoff_recv(sv[1], &type, buf, sizeof(buf), &len, fds, HANDOFF_MAX_FDS,
				      &nfds, 1000),
			 1);
	assert_int_equal(type, HANDOFF_STATE);
	assert_int_equal(len, 5);
	assert_memory_equal(buf, "hello", 5);
	assert_int_equal(nfds, 2);
	assert_true(fcntl(fds[0], F_GETFD) & FD_CLOEXEC);
	assert_int_equal(write(fds[1], "x", 1), 1);
	assert_int_equal(read(fds[0], &c, 1), 1);
	assert_int_equal(c, 'x');
	close(fds[0]);
	close(fds[1]);
	/* no payload, no fds */
	assert_int_equal(handoff_send(sv[1], HANDOFF_READY, NULL, 0, NULL, 0), 0);
	assert_int_equal(handoff_recv(sv[0], &type, buf, sizeof(buf), &len, fds, HANDOFF_MAX_FDS,
				      &nfds, 1000),
			 1);
	assert_int_equal(type, HANDOFF_READY);
	assert_int_equal(len, 0);
	assert_int_equal(nfds, 0);
	/* nothing more: -EAGAIN at once; the peer gone: 0 */
	assert_int_equal(
		handoff_recv(sv[0], &type, buf, sizeof(buf), &len, fds, HANDOFF_MAX_FDS, &nfds, 0),
		-EAGAIN);
	close(sv[1]);
	assert_int_equal(handoff_recv(sv[0], &type, buf, sizeof(buf), &len, fds, HANDOFF_MAX_FDS,
				      &nfds, 1000),
			 0);
	close(sv[0]);
}

/* A payload larger than the receiver takes, or more fds than it takes: the
 * message is refused (-EPROTO) or trimmed, and no descriptor leaks. */
static void test_limits_no_leak(void **state)
{
	int sv[2], p[2], fds[4], nfds = -1, before;
	char big[HANDOFF_MAX_PAYLOAD + 1] = {0}, buf[8];
	int many[10];
	uint32_t type;
	size_t len;

	(void)state;
	assert_int_equal(handoff_pair(sv), 0);
	assert_int_equal(pipe(p), 0);
	before = open_fds();
	assert_int_equal(handoff_send(sv[0], HANDOFF_STATE, big, sizeof(big), NULL, 0), -EINVAL);
	assert_int_equal(handoff_send(sv[0], HANDOFF_STATE, big, 100, p, 2), 0);
	assert_int_equal(handoff_recv(sv[1], &type, buf, sizeof(buf), &len, fds, 4, &nfds, 1000),
			 -EPROTO);
	assert_int_equal(nfds, 0);
	assert_int_equal(open_fds(), before);
	for (int i = 0; i < 10; i++)
		many[i] = p[i % 2];
	assert_int_equal(handoff_send(sv[0], HANDOFF_ADOPT, "ab", 2, many, 10), 0);
	assert_int_equal(handoff_recv(sv[1], &type, buf, sizeof(buf), &len, fds, 4, &nfds, 1000),
			 1);
	assert_int_equal(nfds, 4);
	for (int i = 0; i < nfds; i++)
		close(fds[i]);
	assert_int_equal(open_fds(), before);
	close(p[0]);
	close(p[1]);
	close(sv[0]);
	close(sv[1]);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_roundtrip),
		cmocka_unit_test(test_limits_no_leak),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
