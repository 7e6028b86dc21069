/* test_collector_events.c: live syscalls with known arguments must arrive as exactly these events. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <pthread.h>
#include <sched.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stdbool.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <linux/capability.h>
#include <linux/openat2.h>
#include <netinet/in.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/uio.h>
#include <sys/un.h>
#include <sys/wait.h>

#include <cmocka.h>

#include "actor.h"
#include "collector.h"
#include "event.h"
#include "test_env.h"

/* libscap encodings the checks spell out. */
#define PPM_O_RDONLY 1
#define PPM_O_WRONLY 2
#define PPM_O_RDWR 3
#define PPM_O_CREAT (1 << 2)
#define PPM_O_NONBLOCK (1 << 6)
#define PPM_O_TRUNC (1 << 8)
#define PPM_O_CLOEXEC (1 << 12)
#define PPM_O_F_CREATED (1 << 14)

static struct act_shm *shm;
static bool args_at_exit;  /* run with the paths read at exit (no sys_enter) */
static bool enter_tp_btf;  /* entry arguments through tp_btf/sys_enter */
static bool want_enter_tp; /* tracefs is there: the per-syscall entry tracepoints must attach */
static char dir[128];

/* ---- what the actor does ---- */

#define E(group, what, type) act_expect(shm, group, what, LNR_EVT_##type)

static void fail_setup(const char *fmt, ...)
{
	va_list ap;

	va_start(ap, fmt);
	shm->failed_setup = 1;
	vsnprintf(shm->setup_msg, sizeof(shm->setup_msg), fmt, ap);
	va_end(ap);
}

static void pathf(char *out, size_t n, const char *name)
{
	snprintf(out, n, "%s/%s", dir, name);
}

static size_t enc_in4(uint8_t *o, const char *ip, uint16_t port)
{
	o[0] = 2;
	inet_pton(AF_INET, ip, o + 1);
	memcpy(o + 5, &port, 2);
	return 7;
}

static size_t enc_tuple4(uint8_t *o, const char *sip, uint16_t sp, const char *dip, uint16_t dp)
{
	o[0] = 2;
	inet_pton(AF_INET, sip, o + 1);
	memcpy(o + 5, &sp, 2);
	inet_pton(AF_INET, dip, o + 7);
	memcpy(o + 11, &dp, 2);
	return 13;
}

static uint16_t local_port(int fd)
{
	struct sockaddr_storage ss;
	socklen_t l = sizeof(ss);

	getsockname(fd, (struct sockaddr *)&ss, &l);
	if (ss.ss_family == AF_INET6)
		return ntohs(((struct sockaddr_in6 *)&ss)->sin6_port);
	return ntohs(((struct sockaddr_in *)&ss)->sin_port);
}

static void files(void)
{
	char p[8192], q[8192];
	struct stat st;
	struct act_exp *e;
	int fd, dfd, r;

	dfd = open(dir, O_DIRECTORY | O_RDONLY);
	/* openat, absolute, created */
	pathf(p, sizeof(p), "created.txt");
	fd = openat(AT_FDCWD, p, O_CREAT | O_WRONLY | O_TRUNC | O_CLOEXEC, 0640);
	fstat(fd, &st);
	e = E("files", "openat create", OPENAT);
	act_int(shm, e, "fd", fd);
	act_int(shm, e, "dirfd", AT_FDCWD);
	act_str(shm, e, "name", p);
	act_int(shm, e, "flags",
		PPM_O_WRONLY | PPM_O_CREAT | PPM_O_TRUNC | PPM_O_CLOEXEC | PPM_O_F_CREATED);
	act_int(shm, e, "mode", 0640);
	act_int(shm, e, "dev", (int64_t)(uint32_t)st.st_dev);
	act_int(shm, e, "ino", (int64_t)st.st_ino);
	close(fd);
	e = E("files", "close", CLOSE);
	act_int(shm, e, "res", 0);
	act_int(shm, e, "fd", fd);

	/* openat failure */
	fd = openat(AT_FDCWD, "/nonexistent-lanner/x", O_RDONLY);
	e = E("files", "openat ENOENT", OPENAT);
	act_int(shm, e, "fd", -ENOENT);
	act_str(shm, e, "name", "/nonexistent-lanner/x");
	act_int(shm, e, "flags", PPM_O_RDONLY);
	act_int(shm, e, "mode", 0);
	act_absent(shm, e, "dev");
	act_absent(shm, e, "ino");

	/* relative path with a dirfd */
	fd = openat(dfd, "rel.txt", O_CREAT | O_RDWR, 0600);
	e = E("files", "openat relative", OPENAT);
	act_int(shm, e, "fd", fd);
	act_int(shm, e, "dirfd", dfd);
	act_str(shm, e, "name", "rel.txt");
	act_int(shm, e, "flags", PPM_O_RDWR | PPM_O_CREAT | PPM_O_F_CREATED);
	act_int(shm, e, "mode", 0600);
	close(fd);

	/* a long valid path (12 components of 250 bytes) */
	snprintf(p, sizeof(p), "%s", dir);
	for (int i = 0; i < 12; i++) {
		size_t l = strlen(p);

		p[l] = '/';
		memset(p + l + 1, 'a' + i, 250);
		p[l + 251] = 0;
		if (mkdir(p, 0700) && errno != EEXIST)
			fail_setup("mkdir long path: %s", strerror(errno));
	}
	strcat(p, "/long.txt");
	fd = openat(AT_FDCWD, p, O_CREAT | O_WRONLY, 0600);
	if (fd < 0)
		fail_setup("open long path: %s", strerror(errno));
	e = E("files", "openat long path", OPENAT);
	act_int(shm, e, "fd", fd);
	act_str(shm, e, "name", p);
	close(fd);

	/* a path longer than PATH_MAX: cut at 4096 bytes and flagged */
	memset(q, 'z', 5000);
	q[0] = '/';
	q[5000] = 0;
	fd = openat(AT_FDCWD, q, O_RDONLY);
	e = E("files", "openat too long", OPENAT);
	act_int(shm, e, "fd", -ENAMETOOLONG);
	act_trunc(shm, e, "name");
	q[4095] = 0;
	act_str(shm, e, "name", q);

	/* open, creat, openat2 */
	pathf(p, sizeof(p), "c.txt");
	fd = syscall(SYS_creat, p, 0644);
	e = E("files", "creat", CREAT);
	act_int(shm, e, "fd", fd);
	act_str(shm, e, "name", p);
	act_int(shm, e, "mode", 0644);
	act_int(shm, e, "creat_flags", PPM_O_F_CREATED);
	close(fd);
	fd = syscall(SYS_open, p, O_RDONLY);
	fstat(fd, &st);
	e = E("files", "open", OPEN);
	act_int(shm, e, "fd", fd);
	act_str(shm, e, "name", p);
	act_int(shm, e, "flags", PPM_O_RDONLY);
	act_int(shm, e, "ino", (int64_t)st.st_ino);
	close(fd);
	{
		struct open_how how = {.flags = O_RDONLY | O_CLOEXEC,
				       .resolve = RESOLVE_NO_SYMLINKS};

		fd = syscall(SYS_openat2, dfd, "c.txt", &how, sizeof(how));
		e = E("files", "openat2", OPENAT2);
		act_int(shm, e, "fd", fd);
		act_int(shm, e, "dirfd", dfd);
		act_str(shm, e, "name", "c.txt");
		act_int(shm, e, "flags", PPM_O_RDONLY | PPM_O_CLOEXEC);
		act_int(shm, e, "resolve", RESOLVE_NO_SYMLINKS);
		close(fd);
	}

	/* chmod family */
	r = chmod(p, 0600);
	e = E("files", "chmod", CHMOD);
	act_int(shm, e, "res", r);
	act_str(shm, e, "filename", p);
	act_int(shm, e, "mode", 0600);
	fd = open(p, O_RDONLY);
	r = fchmod(fd, 0640);
	e = E("files", "fchmod", FCHMOD);
	act_int(shm, e, "res", r);
	act_int(shm, e, "fd", fd);
	act_int(shm, e, "mode", 0640);
	close(fd);
	r = syscall(SYS_fchmodat, dfd, "c.txt", 0644);
	e = E("files", "fchmodat", FCHMODAT);
	act_int(shm, e, "res", r);
	act_int(shm, e, "dirfd", dfd);
	act_str(shm, e, "filename", "c.txt");
	act_int(shm, e, "mode", 0644);

	/* directories */
	pathf(p, sizeof(p), "sub");
	r = mkdir(p, 0750);
	e = E("files", "mkdir", MKDIR);
	act_int(shm, e, "res", r);
	act_str(shm, e, "path", p);
	act_int(shm, e, "mode", 0750);
	r = mkdirat(dfd, "sub2", 0700);
	e = E("files", "mkdirat", MKDIRAT);
	act_int(shm, e, "res", r);
	act_int(shm, e, "dirfd", dfd);
	act_str(shm, e, "path", "sub2");
	act_int(shm, e, "mode", 0700);
	r = rmdir(p);
	e = E("files", "rmdir", RMDIR);
	act_int(shm, e, "res", r);
	act_str(shm, e, "path", p);
	r = unlinkat(dfd, "sub2", AT_REMOVEDIR);
	e = E("files", "unlinkat dir", UNLINKAT);
	act_int(shm, e, "res", r);
	act_str(shm, e, "name", "sub2");
	act_int(shm, e, "flags", AT_REMOVEDIR);
	r = rmdir("/nonexistent-lanner");
	e = E("files", "rmdir ENOENT", RMDIR);
	act_int(shm, e, "res", -ENOENT);

	/* renames and links */
	pathf(p, sizeof(p), "c.txt");
	pathf(q, sizeof(q), "d.txt");
	r = rename(p, q);
	e = E("files", "rename", RENAME);
	act_int(shm, e, "res", r);
	act_str(shm, e, "oldpath", p);
	act_str(shm, e, "newpath", q);
	r = renameat(dfd, "d.txt", dfd, "e.txt");
	e = E("files", "renameat", RENAMEAT);
	act_int(shm, e, "res", r);
	act_int(shm, e, "olddirfd", dfd);
	act_str(shm, e, "oldpath", "d.txt");
	act_int(shm, e, "newdirfd", dfd);
	act_str(shm, e, "newpath", "e.txt");
	r = syscall(SYS_renameat2, dfd, "e.txt", dfd, "f.txt", 1 /* RENAME_NOREPLACE */);
	e = E("files", "renameat2", RENAMEAT2);
	act_int(shm, e, "res", r);
	act_str(shm, e, "oldpath", "e.txt");
	act_str(shm, e, "newpath", "f.txt");
	act_int(shm, e, "flags", 1);
	pathf(p, sizeof(p), "f.txt");
	pathf(q, sizeof(q), "g.txt");
	r = link(p, q);
	e = E("files", "link", LINK);
	act_int(shm, e, "res", r);
	act_str(shm, e, "oldpath", p);
	act_str(shm, e, "newpath", q);
	r = linkat(dfd, "g.txt", dfd, "h.txt", 0);
	e = E("files", "linkat", LINKAT);
	act_int(shm, e, "res", r);
	act_int(shm, e, "olddir", dfd);
	act_str(shm, e, "oldpath", "g.txt");
	act_str(shm, e, "newpath", "h.txt");
	act_int(shm, e, "flags", 0);
	pathf(q, sizeof(q), "s1");
	r = symlink("f.txt", q);
	e = E("files", "symlink", SYMLINK);
	act_int(shm, e, "res", r);
	act_str(shm, e, "target", "f.txt");
	act_str(shm, e, "linkpath", q);
	r = symlinkat("f.txt", dfd, "s2");
	e = E("files", "symlinkat", SYMLINKAT);
	act_int(shm, e, "res", r);
	act_str(shm, e, "target", "f.txt");
	act_int(shm, e, "linkdirfd", dfd);
	act_str(shm, e, "linkpath", "s2");
	pathf(q, sizeof(q), "g.txt");
	r = unlink(q);
	e = E("files", "unlink", UNLINK);
	act_int(shm, e, "res", r);
	act_str(shm, e, "path", q);
	r = unlinkat(dfd, "h.txt", 0);
	e = E("files", "unlinkat", UNLINKAT);
	act_int(shm, e, "res", r);
	act_int(shm, e, "dirfd", dfd);
	act_str(shm, e, "name", "h.txt");
	act_int(shm, e, "flags", 0);

	/* working directory */
	r = chdir(dir);
	e = E("files", "chdir", CHDIR);
	act_int(shm, e, "res", r);
	act_str(shm, e, "path", dir);
	r = fchdir(dfd);
	e = E("files", "fchdir", FCHDIR);
	act_int(shm, e, "res", r);
	act_int(shm, e, "fd", dfd);
	close(dfd);
}

static void fds(void)
{
	struct act_exp *e;
	struct stat st;
	int fd, r, p2[2], sv[2];

	fd = open("/dev/null", O_RDONLY);
	r = dup(fd);
	e = E("fds", "dup", DUP);
	act_int(shm, e, "res", r);
	act_int(shm, e, "oldfd", fd);
	r = dup2(fd, 100);
	e = E("fds", "dup2", DUP2);
	act_int(shm, e, "res", 100);
	act_int(shm, e, "oldfd", fd);
	act_int(shm, e, "newfd", 100);
	r = dup3(fd, 101, O_CLOEXEC);
	e = E("fds", "dup3", DUP3);
	act_int(shm, e, "res", 101);
	act_int(shm, e, "newfd", 101);
	act_int(shm, e, "flags", PPM_O_CLOEXEC);
	r = fcntl(fd, F_DUPFD, 200);
	e = E("fds", "fcntl F_DUPFD", FCNTL);
	act_int(shm, e, "res", r);
	act_int(shm, e, "fd", fd);
	act_int(shm, e, "cmd", 1 /* PPM_FCNTL_F_DUPFD */);
	r = syscall(SYS_pipe, p2);
	fstat(p2[0], &st);
	e = E("fds", "pipe", PIPE);
	act_int(shm, e, "res", r);
	act_int(shm, e, "fd1", p2[0]);
	act_int(shm, e, "fd2", p2[1]);
	act_int(shm, e, "ino", (int64_t)st.st_ino);
	r = pipe2(p2, O_CLOEXEC | O_NONBLOCK);
	e = E("fds", "pipe2", PIPE2);
	act_int(shm, e, "res", r);
	act_int(shm, e, "fd1", p2[0]);
	act_int(shm, e, "fd2", p2[1]);
	act_int(shm, e, "flags", PPM_O_CLOEXEC | PPM_O_NONBLOCK);
	r = eventfd(5, EFD_CLOEXEC);
	e = E("fds", "eventfd2", EVENTFD2);
	act_int(shm, e, "res", r);
	act_int(shm, e, "initval", 5);
	act_int(shm, e, "flags", PPM_O_CLOEXEC);
	r = syscall(SYS_eventfd, 7);
	e = E("fds", "eventfd", EVENTFD);
	act_int(shm, e, "res", r);
	act_int(shm, e, "initval", 7);
	r = socketpair(AF_UNIX, SOCK_STREAM, 0, sv);
	e = E("fds", "socketpair", SOCKETPAIR);
	act_int(shm, e, "res", r);
	act_int(shm, e, "fd1", sv[0]);
	act_int(shm, e, "fd2", sv[1]);
	act_int(shm, e, "domain", AF_UNIX);
	act_int(shm, e, "type", SOCK_STREAM);
	act_int_ne(shm, e, "source", 0);
	act_int_ne(shm, e, "peer", 0);
	r = memfd_create("lanner-memfd", MFD_CLOEXEC);
	e = E("fds", "memfd_create", MEMFD_CREATE);
	act_int(shm, e, "fd", r);
	act_str(shm, e, "name", "lanner-memfd");
	act_int(shm, e, "flags", MFD_CLOEXEC);
}

static void net(void)
{
	struct sockaddr_in a4 = {.sin_family = AF_INET};
	struct sockaddr_in6 a6 = {.sin6_family = AF_INET6, .sin6_addr = IN6ADDR_LOOPBACK_INIT};
	struct sockaddr_un au = {.sun_family = AF_UNIX};
	socklen_t l = sizeof(a4);
	uint8_t enc[256];
	struct act_exp *e;
	int srv, cli, acc, r;
	uint16_t port, cport;
	char buf[512];
	size_t n;

	inet_pton(AF_INET, "127.0.0.1", &a4.sin_addr);
	srv = socket(AF_INET, SOCK_STREAM, 0);
	e = E("net", "socket", SOCKET);
	act_int(shm, e, "fd", srv);
	act_int(shm, e, "domain", AF_INET);
	act_int(shm, e, "type", SOCK_STREAM);
	act_int(shm, e, "proto", 0);
	r = bind(srv, (struct sockaddr *)&a4, sizeof(a4));
	e = E("net", "bind", BIND);
	act_int(shm, e, "res", r);
	act_int(shm, e, "fd", srv);
	n = enc_in4(enc, "127.0.0.1", 0);
	act_bytes(shm, e, "addr", enc, n);
	r = listen(srv, 7);
	e = E("net", "listen", LISTEN);
	act_int(shm, e, "res", r);
	act_int(shm, e, "fd", srv);
	act_int(shm, e, "backlog", 7);
	getsockname(srv, (struct sockaddr *)&a4, &l);
	port = ntohs(a4.sin_port);

	cli = socket(AF_INET, SOCK_STREAM, 0);
	r = connect(cli, (struct sockaddr *)&a4, sizeof(a4));
	cport = local_port(cli);
	e = E("net", "connect ipv4", CONNECT);
	act_int(shm, e, "res", r);
	act_int(shm, e, "fd", cli);
	n = enc_in4(enc, "127.0.0.1", port);
	act_bytes(shm, e, "addr", enc, n);
	n = enc_tuple4(enc, "127.0.0.1", cport, "127.0.0.1", port);
	act_bytes(shm, e, "tuple", enc, n);
	acc = accept(srv, NULL, NULL);
	e = E("net", "accept", ACCEPT);
	act_int(shm, e, "fd", acc);
	n = enc_tuple4(enc, "127.0.0.1", cport, "127.0.0.1", port);
	act_bytes(shm, e, "tuple", enc, n);
	act_int(shm, e, "queuemax", 7);

	r = sendto(cli, "hello-lanner", 12, 0, NULL, 0);
	e = E("net", "sendto", SENDTO);
	act_int(shm, e, "res", 12);
	act_int(shm, e, "fd", cli);
	act_int(shm, e, "size", 12);
	act_bytes(shm, e, "data", "hello-lanner", 12);
	n = enc_tuple4(enc, "127.0.0.1", cport, "127.0.0.1", port);
	act_bytes(shm, e, "tuple", enc, n);
	r = recvfrom(acc, buf, 100, 0, NULL, NULL);
	e = E("net", "recvfrom", RECVFROM);
	act_int(shm, e, "res", 12);
	act_int(shm, e, "fd", acc);
	act_int(shm, e, "size", 100);
	act_bytes(shm, e, "data", "hello-lanner", 12);
	{
		char b1[] = "abc", b2[] = "defg";
		struct iovec iov[2] = {{b1, 3}, {b2, 4}};
		struct msghdr m = {.msg_iov = iov, .msg_iovlen = 2};
		struct iovec riov = {buf, 100};
		struct msghdr rm = {.msg_iov = &riov, .msg_iovlen = 1};

		r = sendmsg(cli, &m, 0);
		e = E("net", "sendmsg", SENDMSG);
		act_int(shm, e, "res", 7);
		act_int(shm, e, "size", 7);
		act_bytes(shm, e, "data", "abc", 3);
		act_trunc(shm, e, "data");
		usleep(10000);
		r = recvmsg(acc, &rm, 0);
		e = E("net", "recvmsg", RECVMSG);
		act_int(shm, e, "res", 7);
		act_int(shm, e, "size", 100);
		act_bytes(shm, e, "data", "abcdefg", 7);
		act_int(shm, e, "fd", acc);
	}
	r = shutdown(cli, SHUT_WR);
	e = E("net", "shutdown", SHUTDOWN);
	act_int(shm, e, "res", r);
	act_int(shm, e, "fd", cli);
	act_int(shm, e, "how", SHUT_WR);
	close(acc);
	close(cli);

	/* accept4 with flags */
	cli = socket(AF_INET, SOCK_STREAM, 0);
	connect(cli, (struct sockaddr *)&a4, sizeof(a4));
	acc = accept4(srv, NULL, NULL, SOCK_CLOEXEC);
	e = E("net", "accept4", ACCEPT4);
	act_int(shm, e, "fd", acc);
	act_int(shm, e, "flags", SOCK_CLOEXEC);
	close(acc);
	close(cli);
	close(srv);

	/* connection refused (the port is closed now) */
	cli = socket(AF_INET, SOCK_STREAM, 0);
	r = connect(cli, (struct sockaddr *)&a4, sizeof(a4));
	e = E("net", "connect refused", CONNECT);
	act_int(shm, e, "res", r < 0 ? -errno : r);
	n = enc_in4(enc, "127.0.0.1", port);
	act_bytes(shm, e, "addr", enc, n);
	close(cli);

	/* UDP data longer than snaplen (80): cut and flagged */
	srv = socket(AF_INET, SOCK_DGRAM, 0);
	a4.sin_port = 0;
	bind(srv, (struct sockaddr *)&a4, sizeof(a4));
	l = sizeof(a4);
	getsockname(srv, (struct sockaddr *)&a4, &l);
	cli = socket(AF_INET, SOCK_DGRAM, 0);
	memset(buf, 'u', 200);
	r = sendto(cli, buf, 200, 0, (struct sockaddr *)&a4, sizeof(a4));
	e = E("net", "sendto udp snaplen", SENDTO);
	act_int(shm, e, "res", 200);
	act_int(shm, e, "size", 200);
	act_bytes(shm, e, "data", buf, 80);
	act_trunc(shm, e, "data");
	n = enc_tuple4(enc, "0.0.0.0", local_port(cli), "127.0.0.1", ntohs(a4.sin_port));
	act_tail(shm, e, "tuple", enc + 7, 6);
	close(cli);
	close(srv);

	/* IPv6 */
	srv = socket(AF_INET6, SOCK_STREAM, 0);
	bind(srv, (struct sockaddr *)&a6, sizeof(a6));
	listen(srv, 4);
	l = sizeof(a6);
	getsockname(srv, (struct sockaddr *)&a6, &l);
	port = ntohs(a6.sin6_port);
	cli = socket(AF_INET6, SOCK_STREAM, 0);
	r = connect(cli, (struct sockaddr *)&a6, sizeof(a6));
	cport = local_port(cli);
	e = E("net", "connect ipv6", CONNECT);
	act_int(shm, e, "res", r);
	enc[0] = 10;
	memcpy(enc + 1, &in6addr_loopback, 16);
	memcpy(enc + 17, &port, 2);
	act_bytes(shm, e, "addr", enc, 19);
	enc[0] = 10;
	memcpy(enc + 1, &in6addr_loopback, 16);
	memcpy(enc + 17, &cport, 2);
	memcpy(enc + 19, &in6addr_loopback, 16);
	memcpy(enc + 35, &port, 2);
	act_bytes(shm, e, "tuple", enc, 37);
	close(cli);
	close(srv);

	/* unix stream socket */
	if (strlen(dir) + 6 > sizeof(au.sun_path))
		fail_setup("socket path too long");
	memcpy(au.sun_path, dir, strlen(dir));
	memcpy(au.sun_path + strlen(dir), "/sock", 6);
	srv = socket(AF_UNIX, SOCK_STREAM, 0);
	r = bind(srv, (struct sockaddr *)&au, sizeof(au));
	e = E("net", "bind unix", BIND);
	act_int(shm, e, "res", r);
	enc[0] = 1;
	n = strlen(au.sun_path) + 1;
	memcpy(enc + 1, au.sun_path, n);
	act_bytes(shm, e, "addr", enc, n + 1);
	listen(srv, 2);
	cli = socket(AF_UNIX, SOCK_STREAM, 0);
	r = connect(cli, (struct sockaddr *)&au, sizeof(au));
	e = E("net", "connect unix", CONNECT);
	act_int(shm, e, "res", r);
	act_bytes(shm, e, "addr", enc, n + 1);
	act_head(shm, e, "tuple", enc, 1);
	act_tail(shm, e, "tuple", au.sun_path, n);
	close(cli);
	close(srv);
}

static void *thread_fn(void *arg)
{
	return arg;
}

static void procs(void)
{
	struct act_exp *e;
	pid_t pid;
	int st, r;

	/* fork (glibc: clone), both sides */
	pid = fork();
	if (pid == 0) {
		e = E("procs", "clone child", CLONE);
		act_int(shm, e, "res", 0);
		act_int(shm, e, "pid", getpid());
		act_int(shm, e, "ptid", getppid());
		r = setsid();
		e = E("procs", "setsid", SETSID);
		act_int(shm, e, "res", r);
		_exit(3);
	}
	waitpid(pid, &st, 0);
	e = E("procs", "clone parent", CLONE);
	act_int(shm, e, "res", pid);
	act_str(shm, e, "comm", "lanner-actor"); /* prctl(PR_SET_NAME) in creds() */
	e = E("procs", "procexit 3", PROCEXIT);
	e->pid = pid;
	act_int(shm, e, "status", 3 << 8);
	act_int(shm, e, "ret", 3);
	act_int(shm, e, "sig", 0);
	act_int(shm, e, "reaper_tid", 0); /* no children: nobody to reparent */

	/* reaper_tid: a child that leaves a grandchild behind; we are a child
	 * subreaper, so the grandchild comes to us (the kernel's rule, and Falco's
	 * probe's), not to init */
	{
		int gate[2];
		pid_t grand = -1;

		if (pipe(gate) != 0 || prctl(PR_SET_CHILD_SUBREAPER, 1) != 0)
			abort();
		pid = fork();
		if (pid == 0) {
			if (fork() == 0) {
				char ch;

				close(gate[1]);
				(void)!read(gate[0], &ch, 1); /* until the actor closes it */
				_exit(0);
			}
			_exit(4);
		}
		waitpid(pid, &st, 0);
		close(gate[0]);
		e = E("procs", "procexit reaper", PROCEXIT);
		e->pid = pid;
		act_int(shm, e, "status", 4 << 8);
		act_int(shm, e, "reaper_tid", getpid());
		close(gate[1]);
		grand = waitpid(-1, &st, 0); /* the grandchild is ours now */
		if (grand <= 0)
			abort();
		prctl(PR_SET_CHILD_SUBREAPER, 0);
	}

	pid = vfork();
	if (pid == 0)
		_exit(0);
	waitpid(pid, &st, 0);
	e = E("procs", "vfork parent", VFORK);
	act_int(shm, e, "res", pid);

	{
		pthread_t th;

		pthread_create(&th, NULL, thread_fn, NULL);
		pthread_join(th, NULL);
		e = E("procs", "clone3 (pthread)", CLONE3);
		act_int_ne(shm, e, "res", 0);
	}

	/* execve with many arguments, from a child */
	pid = fork();
	if (pid == 0) {
		static char args[100][32];
		char *argv[102];
		char env0[] = "LANNER_TEST=1";
		char *envp[] = {env0, NULL};
		char joined[4096];
		size_t off = 0;

		argv[0] = (char *)"/bin/true";
		for (int i = 0; i < 100; i++) {
			snprintf(args[i], sizeof(args[i]), "lanner-arg-%03d", i);
			argv[i + 1] = args[i];
			memcpy(joined + off, args[i], strlen(args[i]) + 1);
			off += strlen(args[i]) + 1;
		}
		argv[101] = NULL;
		e = E("procs", "execve 100 args", EXECVE);
		act_int(shm, e, "res", 0);
		act_str(shm, e, "exe", "/bin/true");
		act_bytes(shm, e, "args", joined, off);
		act_int(shm, e, "pid", getpid());
		act_str(shm, e, "filename", "/bin/true");
		act_str(shm, e, "env", "LANNER_TEST=1");
		act_str(shm, e, "trusted_exepath", "/usr/bin/true");
		act_str(shm, e, "comm", "true");
		act_str(shm, e, "cwd", dir);
		act_present(shm, e, "cgroups");
		act_int(shm, e, "uid", 0);
		execve("/bin/true", argv, envp);
		_exit(127);
	}
	waitpid(pid, &st, 0);

	/* arguments beyond args_max (4096 bytes): cut and flagged */
	pid = fork();
	if (pid == 0) {
		static char big[600][24];
		char *argv[602];
		char *envp[] = {NULL};

		argv[0] = (char *)"/bin/true";
		for (int i = 0; i < 600; i++) {
			snprintf(big[i], sizeof(big[i]), "lanner-long-arg-%04d", i);
			argv[i + 1] = big[i];
		}
		argv[601] = NULL;
		e = E("procs", "execve truncated args", EXECVE);
		act_int(shm, e, "res", 0);
		act_str(shm, e, "exe", "/bin/true");
		act_trunc(shm, e, "args");
		act_head(shm, e, "args", "lanner-long-arg-0000", 21);
		execve("/bin/true", argv, envp);
		_exit(127);
	}
	waitpid(pid, &st, 0);

	/*
	 * Successful execveat. On x86_64 the kernel makes every successful exec of
	 * a 64-bit ELF look like execve from then on (set_personality_64bit()
	 * sets the syscall number in pt_regs to __NR_execve: the kernel's own
	 * syscalls/sys_exit_execve tracepoint fires for it), and Falco's modern
	 * probe dispatches the exit on that number: libs' driver tests
	 * (execveatX_execve_exit, execveatX_correct_exit) expect an execve exit
	 * event and no execveat one from the child on x86_64. So evt.type is
	 * execve here, as in Falco; a FAILED execveat stays execveat (below).
	 */
	pid = fork();
	if (pid == 0) {
		char a0[] = "lanner-execveat", a1[] = "at-arg";
		char *argv[] = {a0, a1, NULL};
		char env0[] = "LANNER_AT=1";
		char *envp[] = {env0, NULL};

		e = E("procs", "execveat AT_FDCWD path (execve, as Falco)", EXECVE);
		act_int(shm, e, "res", 0);
		act_str(shm, e, "exe", "lanner-execveat");
		act_bytes(shm, e, "args", "at-arg", 7);
		act_str(shm, e, "env", "LANNER_AT=1");
		act_str(shm, e, "trusted_exepath", "/usr/bin/true");
		act_str(shm, e, "comm", "true");
		act_int(shm, e, "pid", getpid());
		act_forbid(shm, "procs", "successful execveat typed execveat", LNR_EVT_EXECVEAT);
		syscall(SYS_execveat, AT_FDCWD, "/bin/true", argv, envp, 0);
		_exit(127);
	}
	waitpid(pid, &st, 0);

	/* fexecve of a memfd (glibc's fexecve is this execveat with AT_EMPTY_PATH):
	 * the exe is flagged as from a memfd, and its path is the memfd's name
	 * without a leading '/', as Falco's BPF drivers give it
	 * (libs' execveatX_success_memfd: "memfd:malware") */
	{
		int mfd = memfd_create("lanner-exec", MFD_CLOEXEC);
		int in = open("/bin/true", O_RDONLY);
		char b[8192];
		ssize_t n = 0;

		while (mfd >= 0 && in >= 0 && (n = read(in, b, sizeof(b))) > 0)
			if (write(mfd, b, n) != n)
				break;
		if (mfd < 0 || in < 0 || n != 0)
			fail_setup("memfd copy of /bin/true: %s", strerror(errno));
		if (in >= 0)
			close(in);
		pid = fork();
		if (pid == 0) {
			char a0[] = "lanner-fexecve";
			char *argv[] = {a0, NULL};
			char *envp[] = {NULL};

			e = E("procs", "fexecve memfd (execve, as Falco)", EXECVE);
			act_int(shm, e, "res", 0);
			act_str(shm, e, "exe", "lanner-fexecve");
			/* PPM_EXE_WRITABLE (root) | PPM_EXE_FROM_MEMFD */
			act_int(shm, e, "flags", 1 << 0 | 1 << 2);
			act_str(shm, e, "trusted_exepath", "memfd:lanner-exec");
			act_int(shm, e, "pid", getpid());
			act_forbid(shm, "procs", "successful fexecve typed execveat",
				   LNR_EVT_EXECVEAT);
			syscall(SYS_execveat, mfd, "", argv, envp, AT_EMPTY_PATH);
			_exit(127);
		}
		waitpid(pid, &st, 0);
		if (mfd >= 0)
			close(mfd);
	}

	/* failed execveat: typed execveat at syscall exit */
	{
		char a0[] = "lanner-missing-at";
		char *argv[] = {a0, NULL};

		r = syscall(SYS_execveat, AT_FDCWD, "/nonexistent-lanner/at", argv, argv + 1, 0);
		e = E("procs", "execveat ENOENT", EXECVEAT);
		act_int(shm, e, "res", r < 0 ? -errno : r);
	}

	/* failed execve */
	{
		char a0[] = "lanner-missing";
		char *argv[] = {a0, NULL};

		r = execve("/nonexistent-lanner/prog", argv, argv + 1);
		e = E("procs", "execve ENOENT", EXECVE);
		act_int(shm, e, "res", -ENOENT);
		act_str(shm, e, "filename", "/nonexistent-lanner/prog");
	}
}

static void creds(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2];
	struct act_exp *e;
	int r, fd;

	r = setuid(0);
	e = E("creds", "setuid", SETUID);
	act_int(shm, e, "res", r);
	act_int(shm, e, "uid", 0);
	r = setgid(0);
	e = E("creds", "setgid", SETGID);
	act_int(shm, e, "res", r);
	act_int(shm, e, "gid", 0);
	r = setresuid(-1, 0, -1);
	e = E("creds", "setresuid", SETRESUID);
	act_int(shm, e, "res", r);
	act_int(shm, e, "ruid", 0xffffffff); /* UID is unsigned: -1 reads back as 4294967295 */
	act_int(shm, e, "euid", 0);
	act_int(shm, e, "suid", 0xffffffff);
	r = setresgid(-1, -1, 0);
	e = E("creds", "setresgid", SETRESGID);
	act_int(shm, e, "res", r);
	act_int(shm, e, "sgid", 0);
	r = setreuid(-1, 0);
	e = E("creds", "setreuid", SETREUID);
	act_int(shm, e, "res", r);
	act_int(shm, e, "euid", 0);
	r = setregid(0, -1);
	e = E("creds", "setregid", SETREGID);
	act_int(shm, e, "res", r);
	act_int(shm, e, "rgid", 0);
	r = setpgid(0, 0);
	e = E("creds", "setpgid", SETPGID);
	act_int(shm, e, "res", r);
	act_int(shm, e, "pid", 0);
	act_int(shm, e, "pgid", 0);
	syscall(SYS_capget, &h, d);
	r = syscall(SYS_capset, &h, d);
	e = E("creds", "capset", CAPSET);
	act_int(shm, e, "res", r);
	act_int(shm, e, "cap_effective",
		(int64_t)((uint64_t)d[1].effective << 32 | d[0].effective));
	r = prctl(PR_SET_NAME, "lanner-actor");
	e = E("creds", "prctl name", PRCTL);
	act_int(shm, e, "res", r);
	act_int(shm, e, "option", PR_SET_NAME);
	act_str(shm, e, "arg2_str", "lanner-actor");
	r = prctl(PR_SET_DUMPABLE, 1);
	e = E("creds", "prctl int", PRCTL);
	act_int(shm, e, "option", PR_SET_DUMPABLE);
	act_int(shm, e, "arg2_int", 1);
	act_absent(shm, e, "arg2_str");
	r = kill(getpid(), 0);
	e = E("creds", "kill", KILL);
	act_int(shm, e, "res", r);
	act_int(shm, e, "pid", getpid());
	act_int(shm, e, "sig", 0);
	r = syscall(SYS_tgkill, getpid(), gettid(), 0);
	e = E("creds", "tgkill", TGKILL);
	act_int(shm, e, "res", r);
	act_int(shm, e, "tid", gettid());
	r = unshare(0);
	e = E("creds", "unshare", UNSHARE);
	act_int(shm, e, "res", r);
	act_int(shm, e, "flags", 0);
	fd = open("/proc/self/ns/uts", O_RDONLY);
	r = setns(fd, CLONE_NEWUTS);
	e = E("creds", "setns", SETNS);
	act_int(shm, e, "res", r < 0 ? -errno : r);
	act_int(shm, e, "fd", fd);
	act_int(shm, e, "nstype", 1 << 7 /* PPM_CL_CLONE_NEWUTS */);
	close(fd);
	r = syscall(SYS_ptrace, 2 /* PTRACE_PEEKDATA */, 999999, 0x1234, 0);
	e = E("creds", "ptrace", PTRACE);
	act_int(shm, e, "res", -ESRCH);
	act_int(shm, e, "request", 3 /* PPM_PTRACE_PEEKDATA */);
	act_int(shm, e, "pid", 999999);
	{
		uint8_t dyn[9] = {0};
		uint64_t a = 0x1234;

		memcpy(dyn + 1, &a, 8);
		act_bytes(shm, e, "addr", dyn, 9);
	}
	r = syscall(SYS_bpf, 0x7fff, NULL, 0);
	e = E("creds", "bpf", BPF);
	act_int(shm, e, "fd", r < 0 ? -errno : r);
	act_int(shm, e, "cmd", 0x7fff);
	r = syscall(SYS_init_module, NULL, 0, "");
	e = E("creds", "init_module", INIT_MODULE);
	act_int(shm, e, "res", r < 0 ? -errno : r);
	act_int(shm, e, "length", 0);
	act_str(shm, e, "uargs", "");
	r = syscall(SYS_finit_module, -1, "lanner=1", 0);
	e = E("creds", "finit_module", FINIT_MODULE);
	act_int(shm, e, "res", r < 0 ? -errno : r); /* EBADF, or ENOSYS without modules */
	act_int(shm, e, "fd", -1);
	act_str(shm, e, "uargs", "lanner=1");
	/* userfaultfd's flags are the raw argument in Falco's drivers (no PPM_O_*
	 * conversion: libs' userfaultfd_x driver test expects the value passed),
	 * unknown bits included */
	r = syscall(SYS_userfaultfd, O_CLOEXEC);
	e = E("creds", "userfaultfd", USERFAULTFD);
	act_int(shm, e, "res", r < 0 ? -errno : r);
	act_int(shm, e, "flags", O_CLOEXEC);
	if (r >= 0)
		close(r);
	r = syscall(SYS_userfaultfd, 0x10000000);
	e = E("creds", "userfaultfd unknown flag", USERFAULTFD);
	act_int(shm, e, "res", r < 0 ? -errno : r);
	act_int(shm, e, "flags", 0x10000000);
	r = mount("lanner-dev", "/nonexistent-lanner", "tmpfs", MS_RDONLY, NULL);
	e = E("creds", "mount", MOUNT);
	act_int(shm, e, "res", r < 0 ? -errno : r);
	act_str(shm, e, "dev", "lanner-dev");
	act_str(shm, e, "dir", "/nonexistent-lanner");
	act_str(shm, e, "type", "tmpfs");
	act_int(shm, e, "flags", MS_RDONLY);
	r = umount2("/nonexistent-lanner", MNT_DETACH);
	e = E("creds", "umount2", UMOUNT2);
	act_int(shm, e, "res", r < 0 ? -errno : r);
	act_str(shm, e, "name", "/nonexistent-lanner");
	act_int(shm, e, "flags", MNT_DETACH);
	r = chroot("/");
	e = E("creds", "chroot", CHROOT);
	act_int(shm, e, "res", r);
	act_str(shm, e, "path", "/");
}

static void actor(int go_fd)
{
	char c;

	if (read(go_fd, &c, 1) != 1)
		_exit(2);
	files();
	fds();
	net();
	creds();
	procs(); /* last: it forks, and the failed execve leaves us as we were */
	_exit(0);
}

/* ---- the collector side ---- */

struct recs {
	uint8_t *buf;
	size_t used, cap;
	size_t n;
	int overflow;
};

static struct recs recs;
static struct col *col;
static pid_t actor_pid;
static char self_marker[128];

static int collect(const void *rec, size_t len, void *arg)
{
	struct recs *r = arg;
	size_t need = (len + 7) & ~(size_t)7;

	if (r->used + need + 8 > r->cap) {
		r->overflow = 1;
		return 0;
	}
	memcpy(r->buf + r->used, &len, sizeof(uint64_t));
	memcpy(r->buf + r->used + 8, rec, len);
	r->used += 8 + need;
	r->n++;
	return 0;
}

static int group_setup(void **state)
{
	struct col_opts o;
	char err[512];
	int go[2];
	int st;
	struct timespec t0, t1;

	(void)state;
	shm = mmap(NULL, sizeof(*shm), PROT_READ | PROT_WRITE, MAP_SHARED | MAP_ANONYMOUS, -1, 0);
	if (shm == MAP_FAILED)
		return -1;
	snprintf(dir, sizeof(dir), "/tmp/lanner-ct-%d", (int)getpid());
	mkdir(dir, 0755);
	recs.cap = 512u << 20;
	recs.buf = malloc(recs.cap);
	if (!recs.buf || pipe(go))
		return -1;
	actor_pid = fork();
	if (actor_pid == 0) {
		close(go[1]);
		actor(go[0]);
	}
	close(go[0]);
	col_opts_default(&o);
	o.sink = collect;
	o.sink_arg = &recs;
	o.buf_size_preset = 6; /* 32 MiB: the whole machine's syscalls are selected */
	o.args_at_exit = args_at_exit;
	o.enter_tp_btf = enter_tp_btf;
	col = col_open(&o, err, sizeof(err));
	if (!col) {
		fprintf(stderr, "col_open: %s\n", err);
		kill(actor_pid, SIGKILL);
		return -1;
	}
	col_select_all(col);
	col_ignore_tgid(col, getpid());
	if (col_attach(col, err, sizeof(err))) {
		fprintf(stderr, "col_attach: %s\n", err);
		kill(actor_pid, SIGKILL);
		return -1;
	}
	fprintf(stderr, "entry arguments: %s %s\n", col_enter_mode(col),
		col_enter_fallback_reason(col));
	if (want_enter_tp && strcmp(col_enter_mode(col), "syscall tracepoints") != 0) {
		fprintf(stderr,
			"tracefs is there but the per-syscall entry tracepoints did not attach "
			"(%s)\n",
			col_enter_fallback_reason(col));
		kill(actor_pid, SIGKILL);
		return -1;
	}
	if (write(go[1], "g", 1) != 1)
		return -1;
	close(go[1]);
	/* Our own syscalls while draining must not show up. */
	snprintf(self_marker, sizeof(self_marker), "/tmp/lanner-ct-self-%d", (int)getpid());
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (;;) {
		int fd = open(self_marker, O_CREAT | O_WRONLY, 0600);

		if (fd >= 0)
			close(fd);
		col_poll(col, 50);
		if (waitpid(actor_pid, &st, WNOHANG) == actor_pid)
			break;
		clock_gettime(CLOCK_MONOTONIC, &t1);
		if (t1.tv_sec - t0.tv_sec > 60) {
			kill(actor_pid, SIGKILL);
			fprintf(stderr, "actor did not finish in 60 s\n");
			return -1;
		}
	}
	/* Drain what is left (the actor's exit and anything still buffered). */
	for (int i = 0; i < 10; i++)
		col_poll(col, 50);
	unlink(self_marker);
	if (!WIFEXITED(st) || WEXITSTATUS(st) != 0) {
		fprintf(stderr, "actor failed (status 0x%x)\n", st);
		return -1;
	}
	return 0;
}

static int group_teardown(void **state)
{
	char cmd[256];

	(void)state;
	col_close(col);
	free(recs.buf);
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	if (dir[0] && system(cmd) != 0)
		fprintf(stderr, "could not remove %s\n", dir);
	return 0;
}

/* Check every expectation of a group; print why the closest record differs. */
static void check_group(const char *group)
{
	int checked = 0, failed = 0;

	assert_int_equal(shm->failed_setup, 0);
	assert_false(recs.overflow);
	for (int k = 0; k < shm->nexp; k++) {
		struct act_exp *e = &shm->exp[k];
		char why[512] = "no event of this type from this process";
		int found = 0;

		if (strcmp(e->group, group) != 0)
			continue;
		checked++;
		for (size_t off = 0; off < recs.used && !found;) {
			uint64_t len;
			struct lnr_evt_view v;
			const char *bad;
			char w[512];

			memcpy(&len, recs.buf + off, 8);
			if (lnr_evt_decode(recs.buf + off + 8, len, &v, &bad) == 0 &&
			    v.hdr->type == e->type && v.hdr->pid == e->pid) {
				if (act_match(shm, e, &v, w, sizeof(w)))
					found = 1;
				else
					snprintf(why, sizeof(why), "%s", w);
			}
			off += 8 + ((len + 7) & ~(uint64_t)7);
		}
		if (e->forbidden && found) {
			failed++;
			fprintf(stderr, "UNEXPECTED [%s] %s (%s, pid %d): such an event arrived\n",
				group, e->what, lnr_evt_info(e->type)->name, e->pid);
		} else if (!e->forbidden && !found) {
			failed++;
			fprintf(stderr, "MISSING [%s] %s (%s, pid %d): %s\n", group, e->what,
				lnr_evt_info(e->type)->name, e->pid, why);
		}
	}
	fprintf(stderr, "[%s] %d expectations, %d failed\n", group, checked, failed);
	assert_true(checked > 0);
	assert_int_equal(failed, 0);
}

static void test_files(void **state)
{
	(void)state;
	check_group("files");
}

static void test_fds(void **state)
{
	(void)state;
	check_group("fds");
}

static void test_net(void **state)
{
	(void)state;
	check_group("net");
}

static void test_procs(void **state)
{
	(void)state;
	check_group("procs");
}

static void test_creds(void **state)
{
	(void)state;
	check_group("creds");
}

/* Every record is well-formed, and none comes from the collector's process. */
static void test_wellformed_and_self_filtered(void **state)
{
	struct col_stats st;
	size_t n = 0, mine = 0, bad = 0, with_entry = 0;

	(void)state;
	for (size_t off = 0; off < recs.used;) {
		uint64_t len;
		struct lnr_evt_view v;
		const char *why;

		memcpy(&len, recs.buf + off, 8);
		if (lnr_evt_decode(recs.buf + off + 8, len, &v, &why) != 0) {
			if (bad++ < 5)
				fprintf(stderr, "malformed record: %s\n", why);
		} else {
			n++;
			switch (v.hdr->type) {
			case LNR_EVT_OPEN:
			case LNR_EVT_OPENAT:
			case LNR_EVT_OPENAT2:
			case LNR_EVT_CREAT:
			case LNR_EVT_CONNECT:
				with_entry++;
				break;
			}
			if (v.hdr->pid == getpid())
				mine++;
			for (unsigned i = 0; i < v.nparams; i++) {
				const char *s = lnr_evt_get_str(&v, i);

				if (s && strstr(s, self_marker))
					mine++;
			}
		}
		off += 8 + ((len + 7) & ~(uint64_t)7);
	}
	col_read_stats(col, &st);
	fprintf(stderr,
		"%zu records (%zu with entry arguments), kernel: events %llu drops %llu ignored "
		"%llu stash misses %llu\n",
		n, with_entry, (unsigned long long)st.events, (unsigned long long)st.drops,
		(unsigned long long)st.ignored, (unsigned long long)st.stash_miss);
	/* The entry side worked: most open/connect records took their stash (a
	 * miss is a path longer than the stash, or a call begun before attach). */
	if (!args_at_exit)
		assert_true(st.stash_miss * 2 < with_entry);
	assert_int_equal(bad, 0);
	assert_true(n > 0);
	assert_int_equal(mine, 0);
	assert_true(st.ignored > 0); /* we did make selected syscalls: they were filtered */
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_files), cmocka_unit_test(test_fds),
		cmocka_unit_test(test_net),   cmocka_unit_test(test_creds),
		cmocka_unit_test(test_procs), cmocka_unit_test(test_wellformed_and_self_filtered),
	};

	args_at_exit = argc > 1 && strcmp(argv[1], "--args-at-exit") == 0;
	enter_tp_btf = argc > 1 && strcmp(argv[1], "--enter-tp-btf") == 0;
	lnr_test_require_root("test_collector_events");
	if (!args_at_exit && !enter_tp_btf) {
		/* The per-syscall entry tracepoints need tracefs for their ids: when
		 * it is not mounted, mount it in a mount namespace of our own. */
		if (access("/sys/kernel/tracing/events/syscalls", F_OK) != 0 &&
		    access("/sys/kernel/debug/tracing/events/syscalls", F_OK) != 0 &&
		    (unshare(CLONE_NEWNS) != 0 ||
		     mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0 ||
		     mount("tracefs", "/sys/kernel/tracing", "tracefs", 0, NULL) != 0))
			fprintf(stderr, "no tracefs (%s): the entry side falls back to tp_btf\n",
				strerror(errno));
		want_enter_tp = access("/sys/kernel/tracing/events/syscalls", F_OK) == 0 ||
				access("/sys/kernel/debug/tracing/events/syscalls", F_OK) == 0;
	}
	return cmocka_run_group_tests(tests, group_setup, group_teardown);
}
