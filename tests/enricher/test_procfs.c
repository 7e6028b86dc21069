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
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
