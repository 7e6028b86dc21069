/* test_http_get.h: a minimal HTTP/1.0 GET for the health tests, every step bounded by a timeout. */
#ifndef LANNER_TEST_HTTP_GET_H
#define LANNER_TEST_HTTP_GET_H

#include <arpa/inet.h>
#include <errno.h>
#include <netinet/in.h>
#include <poll.h>
#include <stdio.h>
#include <string.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

/*
 * GET (or another method) host:port path with at most timeout_ms for the
 * whole exchange. Returns the status code, -1 when the connection failed
 * (refused...), -2 when no full answer came in time. The body (after the
 * headers, NUL-terminated) goes into body.
 */
static inline int test_http(const char *method, const char *host, unsigned port, const char *path,
			    int timeout_ms, char *body, size_t bodylen)
{
	struct sockaddr_in sa = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	char buf[8192], req[512];
	size_t got = 0;
	int fd, code = -2, n;
	struct timespec t0, t;

	if (body && bodylen)
		body[0] = '\0';
	inet_pton(AF_INET, host, &sa.sin_addr);
	fd = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
	if (fd < 0)
		return -1;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) != 0) {
		close(fd);
		return -1;
	}
	n = snprintf(req, sizeof(req), "%s %s HTTP/1.0\r\nHost: %s\r\n\r\n", method, path, host);
	if (write(fd, req, (size_t)n) != n) {
		close(fd);
		return -1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		struct pollfd p = {.fd = fd, .events = POLLIN};
		long el;

		clock_gettime(CLOCK_MONOTONIC, &t);
		el = (t.tv_sec - t0.tv_sec) * 1000 + (t.tv_nsec - t0.tv_nsec) / 1000000;
		if (el >= timeout_ms || poll(&p, 1, (int)(timeout_ms - el)) <= 0)
			break; /* no complete answer in time */
		n = (int)read(fd, buf + got, sizeof(buf) - 1 - got);
		if (n < 0 && errno == EINTR)
			continue;
		if (n <= 0) {
			/* HTTP/1.0: the server closes after the answer */
			buf[got] = '\0';
			if (sscanf(buf, "HTTP/1.%*d %d", &code) != 1)
				code = -2;
			else if (body && bodylen) {
				const char *b = strstr(buf, "\r\n\r\n");

				snprintf(body, bodylen, "%s", b ? b + 4 : "");
			}
			break;
		}
		got += (size_t)n;
		if (got >= sizeof(buf) - 1)
			break;
	}
	close(fd);
	return code;
}

#endif
