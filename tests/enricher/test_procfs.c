/* test_procfs.c: the /proc scan against real processes with known properties. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <fcntl.h>
#include <signal.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <netinet/in.h>
#include <arpa/inet.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>

#include "fds.h"
#include "procfs.h"
#include "threads.h"

static void test_scan_self_and_child(void **state)
{
	struct thread_table *t = thr_table_new(0);
	struct procfs_opts o = {.with_fds = 1};
	struct procfs_stats st = {0};
	int pfd[2];
	pid_t child;
	char buf[256];
	struct enr_proc *p, *self;
	struct enr_fd *f;
	int lsock;
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int found_listen = 0;
	size_t pos = 0;

	assert_int_equal(pipe(pfd), 0);
	/* a listening TCP socket the child inherits */
	lsock = socket(AF_INET, SOCK_STREAM, 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(lsock, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(lsock, 1), 0);
	assert_int_equal(getsockname(lsock, (struct sockaddr *)&sa, &sl), 0);
	child = fork();
	assert_true(child >= 0);
	if (child == 0) {
		int fd = open("/etc/hostname", O_RDONLY);

		(void)fd;
		if (chdir("/tmp") != 0)
			_exit(1);
		close(pfd[0]);
		/* tell the parent we are ready, then exec a sleeper with known args */
		dup2(pfd[1], 9);
		execl("/bin/sleep", "sleep", "30", "1", (char *)NULL);
		_exit(127);
	}
	close(pfd[1]);
	/* wait until the child has exec'd (pipe closes on exec? no: fd 9 is
	 * inherited; poll /proc/PID/exe instead) */
	for (int i = 0; i < 200; i++) {
		char link[64];
		ssize_t n;

		snprintf(buf, sizeof(buf), "/proc/%d/exe", child);
		n = readlink(buf, link, sizeof(link) - 1);
		if (n > 0) {
			link[n] = '\0';
			if (strstr(link, "sleep"))
				break;
		}
		usleep(10000);
	}
	assert_int_equal(procfs_scan(t, &o, &st), 0);
	assert_true(st.procs > 1);
	assert_true(st.threads >= st.procs);

	p = thr_get_proc(t, child);
	assert_non_null(p);
	assert_string_equal(p->comm, "sleep");
	assert_string_equal(p->exe, "sleep");
	assert_non_null(strstr(p->exepath, "sleep"));
	assert_string_equal(p->cwd, "/tmp/");
	enr_strv_join(&p->args, ' ', buf, sizeof(buf));
	assert_string_equal(buf, "30 1");
	assert_int_equal(p->ppid, getpid());
	assert_int_equal(p->uid, geteuid());
	assert_string_equal(p->container_id, ""); /* this machine's cgroup is not a container */
	assert_true(p->exe_ino != 0);
	f = fdt_get(p->fds, 9);
	assert_non_null(f);
	assert_int_equal(f->type, ENR_FD_PIPE);
	/* fd 3 of the child is whatever open() returned first after fork */
	for (pos = 0; fdt_next(p->fds, &pos, &f);) {
		if (f->type == ENR_FD_IPV4 && (f->flags & ENR_FDF_SERVER) &&
		    f->sport == ntohs(sa.sin_port))
			found_listen = 1;
	}
	assert_true(found_listen);
	self = thr_get_proc(t, getpid());
	assert_non_null(self);
	assert_int_equal(self->nchildren >= 1, 1);
	assert_ptr_equal(thr_parent(t, p), self);

	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	close(pfd[0]);
	close(lsock);
	thr_table_free(t);
}

/* A child that keeps only fds 0-2 and the given ones, says it is ready, and waits. */
static pid_t child_with_fds(const int *keep, int nkeep)
{
	int ready[2];
	char b;
	pid_t pid;

	assert_int_equal(pipe(ready), 0);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		for (int fd = 3; fd < 1024; fd++) {
			int k = fd == ready[1];

			for (int i = 0; i < nkeep; i++)
				k |= fd == keep[i];
			if (!k)
				close(fd);
		}
		if (write(ready[1], "r", 1) != 1)
			_exit(1);
		for (;;)
			pause();
	}
	close(ready[1]);
	assert_int_equal(read(ready[0], &b, 1), 1);
	close(ready[0]);
	return pid;
}

static void reap(pid_t pid)
{
	kill(pid, SIGKILL);
	waitpid(pid, NULL, 0);
}

/* A listening TCP socket on loopback; its port (host order) in *port. */
static int listener(uint16_t *port)
{
	struct sockaddr_in sa = {.sin_family = AF_INET};
	socklen_t sl = sizeof(sa);
	int s = socket(AF_INET, SOCK_STREAM, 0);

	assert_true(s >= 0);
	sa.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
	assert_int_equal(bind(s, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(s, 1), 0);
	assert_int_equal(getsockname(s, (struct sockaddr *)&sa, &sl), 0);
	*port = ntohs(sa.sin_port);
	return s;
}

/* The fd's resolved listening port, 0 when the socket was not resolved. */
static uint16_t listen_port(struct thread_table *t, pid_t pid, int fd)
{
	struct enr_proc *p = thr_get_proc(t, pid);
	struct enr_fd *f;

	assert_non_null(p);
	f = fdt_get(p->fds, fd);
	assert_non_null(f);
	if (f->type != ENR_FD_IPV4 || !(f->flags & ENR_FDF_SERVER))
		return 0;
	return f->sport;
}

/*
 * Reading single processes with a cache: the socket tables are read only for a
 * process with a socket fd, then reused; an inode missing from a young table
 * is not re-read within the miss interval; a scan reads them afresh.
 */
static void test_socket_cache(void **state)
{
	struct thread_table *t = thr_table_new(0);
	/* nothing expires by age during the test: every re-read below is a decision */
	struct procfs_cache *c = procfs_cache_new(3600 * 1000, 3600 * 1000);
	struct procfs_opts o = {.with_fds = 1, .cache = c};
	struct procfs_cache_stats cs;
	uint16_t port1, port2;
	int l1, l2;
	pid_t a, b, d;

	assert_non_null(c);
	/* no socket fd: the tables are not read at all */
	a = child_with_fds(NULL, 0);
	assert_int_equal(procfs_read_proc(t, &o, a), 0);
	procfs_cache_get_stats(c, &cs);
	assert_int_equal(cs.table_loads, 0);
	assert_int_equal(cs.sock_lookups, 0);

	/* a socket fd: one read of its namespace's tables, resolved */
	l1 = listener(&port1);
	b = child_with_fds(&l1, 1);
	assert_int_equal(procfs_read_proc(t, &o, b), 0);
	procfs_cache_get_stats(c, &cs);
	assert_int_equal(cs.table_loads, 1);
	assert_int_equal(cs.netns, 1);
	assert_int_equal(listen_port(t, b, l1), port1);

	/* the same socket again, and a socket made after the read: the young table
	 * is reused, the new inode is a miss within the rate limit (not resolved) */
	l2 = listener(&port2);
	{
		int keep[2] = {l1, l2};

		d = child_with_fds(keep, 2);
	}
	assert_int_equal(procfs_read_proc(t, &o, d), 0);
	procfs_cache_get_stats(c, &cs);
	assert_int_equal(cs.table_loads, 1);
	assert_int_equal(cs.sock_misses, 1);
	assert_int_equal(cs.miss_reloads, 0);
	assert_int_equal(listen_port(t, d, l1), port1);
	assert_int_equal(listen_port(t, d, l2), 0);

	/* a scan reads the tables afresh: every socket that exists now is resolved */
	thr_table_free(t);
	t = thr_table_new(0);
	assert_int_equal(procfs_scan(t, &o, NULL), 0);
	procfs_cache_get_stats(c, &cs);
	assert_true(cs.table_loads >= 2);
	assert_int_equal(listen_port(t, d, l1), port1);
	assert_int_equal(listen_port(t, d, l2), port2);
	procfs_cache_free(c);

	/* a miss re-reads a table older than the miss interval (1 ms here) */
	c = procfs_cache_new(3600 * 1000, 1);
	o.cache = c;
	thr_table_free(t);
	t = thr_table_new(0);
	assert_int_equal(procfs_read_proc(t, &o, b), 0); /* reads the tables: l1, l2 */
	close(l2);
	reap(d);
	l2 = listener(&port2); /* a new inode, not in the table */
	{
		int keep[2] = {l1, l2};
		struct timespec ms2 = {0, 2000000};

		nanosleep(&ms2, NULL); /* the table is now older than 1 ms */
		d = child_with_fds(keep, 2);
	}
	assert_int_equal(procfs_read_proc(t, &o, d), 0);
	procfs_cache_get_stats(c, &cs);
	assert_int_equal(cs.miss_reloads, 1);
	assert_int_equal(cs.table_loads, 2);
	assert_int_equal(cs.sock_misses, 0);
	assert_int_equal(listen_port(t, d, l2), port2);

	procfs_cache_free(c);
	procfs_cache_free(NULL);
	reap(a);
	reap(b);
	reap(d);
	close(l1);
	close(l2);
	thr_table_free(t);
}

static void test_missing_proc_dir(void **state)
{
	struct thread_table *t = thr_table_new(0);
	struct procfs_opts o = {.proc_dir = "/nonexistent-proc"};

	assert_int_equal(procfs_scan(t, &o, NULL), -ENOENT);
	assert_int_equal(thr_count(t), 0);
	thr_table_free(t);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_scan_self_and_child),
		cmocka_unit_test(test_missing_proc_dir),
		cmocka_unit_test(test_socket_cache),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
