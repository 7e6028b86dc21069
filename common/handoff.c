/* handoff.c: messages with file descriptors between the supervisor and a stage (SCM_RIGHTS). */
#include "handoff.h"

#include <errno.h>
#include <poll.h>
#include <string.h>
#include <sys/socket.h>
#include <unistd.h>

/* On the wire: a u32 type, then the payload; descriptors in one SCM_RIGHTS. */
struct handoff_hdr {
	uint32_t type;
	uint32_t len;
};

int handoff_pair(int sv[2])
{
	if (socketpair(AF_UNIX, SOCK_SEQPACKET | SOCK_CLOEXEC, 0, sv) != 0)
		return -errno;
	return 0;
}

int handoff_send(int sock, uint32_t type, const void *payload, size_t len, const int *fds, int nfds)
{
	struct handoff_hdr h = {.type = type, .len = (uint32_t)len};
	struct iovec iov[2] = {{&h, sizeof(h)}, {(void *)payload, len}};
	union {
		char buf[CMSG_SPACE(sizeof(int) * HANDOFF_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = iov, .msg_iovlen = len ? 2 : 1};
	ssize_t n;

	if (len > HANDOFF_MAX_PAYLOAD || nfds < 0 || nfds > HANDOFF_MAX_FDS)
		return -EINVAL;
	if (nfds > 0) {
		struct cmsghdr *c;

		memset(&u, 0, sizeof(u));
		m.msg_control = u.buf;
		m.msg_controllen = CMSG_SPACE(sizeof(int) * (size_t)nfds);
		c = CMSG_FIRSTHDR(&m);
		c->cmsg_level = SOL_SOCKET;
		c->cmsg_type = SCM_RIGHTS;
		c->cmsg_len = CMSG_LEN(sizeof(int) * (size_t)nfds);
		memcpy(CMSG_DATA(c), fds, sizeof(int) * (size_t)nfds);
	}
	do
		n = sendmsg(sock, &m, MSG_NOSIGNAL);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return -errno;
	return (size_t)n == sizeof(h) + len ? 0 : -EMSGSIZE;
}

int handoff_recv(int sock, uint32_t *type, void *payload, size_t cap, size_t *len, int *fds,
		 int maxfds, int *nfds, int timeout_ms)
{
	struct handoff_hdr h;
	char data[HANDOFF_MAX_PAYLOAD];
	struct iovec iov[2] = {{&h, sizeof(h)}, {data, sizeof(data)}};
	union {
		char buf[CMSG_SPACE(sizeof(int) * HANDOFF_MAX_FDS)];
		struct cmsghdr align;
	} u;
	struct msghdr m = {.msg_iov = iov,
			   .msg_iovlen = 2,
			   .msg_control = u.buf,
			   .msg_controllen = sizeof(u.buf)};
	struct pollfd p = {.fd = sock, .events = POLLIN};
	int got = 0, rc;
	ssize_t n;

	*nfds = 0;
	*len = 0;
	do
		rc = poll(&p, 1, timeout_ms);
	while (rc < 0 && errno == EINTR && timeout_ms < 0);
	if (rc < 0)
		return -errno;
	if (rc == 0)
		return -EAGAIN;
	do
		n = recvmsg(sock, &m, MSG_CMSG_CLOEXEC | MSG_DONTWAIT);
	while (n < 0 && errno == EINTR);
	if (n < 0)
		return errno == EWOULDBLOCK ? -EAGAIN : -errno;
	if (n == 0)
		return 0;
	/* the descriptors first: whatever the message, none may leak */
	for (struct cmsghdr *c = CMSG_FIRSTHDR(&m); c; c = CMSG_NXTHDR(&m, c)) {
		int k;

		if (c->cmsg_level != SOL_SOCKET || c->cmsg_type != SCM_RIGHTS)
			continue;
		k = (int)((c->cmsg_len - CMSG_LEN(0)) / sizeof(int));
		for (int i = 0; i < k; i++) {
			int fd;

			memcpy(&fd, CMSG_DATA(c) + sizeof(int) * (size_t)i, sizeof(int));
			if (got < maxfds)
				fds[got++] = fd;
			else
				close(fd);
		}
	}
	*nfds = got;
	if ((m.msg_flags & (MSG_TRUNC | MSG_CTRUNC)) || (size_t)n < sizeof(h) ||
	    h.len != (size_t)n - sizeof(h) || h.len > cap) {
		for (int i = 0; i < got; i++)
			close(fds[i]);
		*nfds = 0;
		return -EPROTO;
	}
	if (h.len)
		memcpy(payload, data, h.len);
	*len = h.len;
	*type = h.type;
	return 1;
}
