/* test_col_write.c: the live recorder's lists (/proc, users, interfaces) and sink, without root or BPF. */
#include <errno.h>
#include <fcntl.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/socket.h>

#include <cmocka.h>

#include "col_write.h"
#include "event.h"
#include "scap_reader.h"
#include "test_env.h"

/*
 * This process opens fds of known kinds at known numbers, then a capture is
 * recorded with col_write (the lists of the current state and a few
 * synthetic records through the sink), read back, and (when sysdig is
 * installed) opened by sysdig 0.29.
 */

static char dir[64], path[128], file[128];
static int fd_file, fd_pipe, fd_ev, fd_ep, fd_memfd, fd_listen, fd_cli;
static uint16_t lport;

struct seen {
	int self, self_fds, root_user, root_group, lo;
	int file, pipe, ev, ep, memfd, listen, cli;
	uint64_t records, self_records, threads;
	char comm[32];
};

static int on_thread(void *ctx, const struct scap_thread_seed *t)
{
	struct seen *s = ctx;
	char cwd[512];

	s->threads++;
	if (t->tid == getpid() && t->pid == getpid() && getcwd(cwd, sizeof(cwd) - 1)) {
		strcat(cwd, "/");
		s->self = strcmp(t->cwd, cwd) == 0 && t->ptid == getppid() && t->uid == geteuid() &&
			  strstr(t->exepath, "test_col_write") != NULL;
		snprintf(s->comm, sizeof(s->comm), "%s", t->comm);
	}
	return 0;
}

static int on_fd(void *ctx, const struct scap_fd_seed *f)
{
	struct seen *s = ctx;

	if (f->tid != getpid())
		return 0;
	s->self_fds++;
	if (f->fd == fd_file)
		s->file = f->type == SCAP_FDT_FILE_V2 && strcmp(f->name, file) == 0 && f->ino != 0;
	else if (f->fd == fd_pipe)
		s->pipe = f->type == SCAP_FDT_FIFO;
	else if (f->fd == fd_ev)
		s->ev = f->type == SCAP_FDT_EVENT;
	else if (f->fd == fd_ep)
		s->ep = f->type == SCAP_FDT_EVENTPOLL;
	else if (f->fd == fd_memfd)
		s->memfd = f->type == SCAP_FDT_FILE_V2 && strstr(f->name, "memfd:lanner") != NULL;
	else if (f->fd == fd_listen)
		s->listen = f->type == SCAP_FDT_IPV4_SERVSOCK && f->sport == lport &&
			    memcmp(f->sip, "\x7f\0\0\1", 4) == 0 && f->l4proto == 2 /* TCP */;
	else if (f->fd == fd_cli)
		s->cli = f->type == SCAP_FDT_IPV4_SOCK && f->dport == lport &&
			 memcmp(f->dip, "\x7f\0\0\1", 4) == 0 && f->sport != 0 && f->l4proto == 2;
	return 0;
}

static int on_user(void *ctx, const struct scap_user_seed *u)
{
	struct seen *s = ctx;

	if (!u->is_group && u->uid == 0 && strcmp(u->name, "root") == 0)
		s->root_user = 1;
	if (u->is_group && u->gid == 0 && strcmp(u->name, "root") == 0)
		s->root_group = 1;
	return 0;
}

static int on_iface(void *ctx, const struct scap_iface_seed *i)
{
	struct seen *s = ctx;

	if (i->type == 1 && strcmp(i->name, "lo") == 0 && memcmp(i->addr, "\x7f\0\0\1", 4) == 0)
		s->lo = 1;
	return 0;
}

static int on_event(void *ctx, const void *rec, uint32_t len)
{
	struct seen *s = ctx;
	struct lnr_evt_view v;

	assert_int_equal(lnr_evt_decode(rec, len, &v, NULL), 0);
	s->records++;
	if (v.hdr->pid == getpid())
		s->self_records++;
	return 0;
}

static void read_back(const char *p, struct seen *s)
{
	struct scap_reader_cbs cbs = {.ctx = s,
				      .thread = on_thread,
				      .fd = on_fd,
				      .user = on_user,
				      .iface = on_iface,
				      .event = on_event};
	struct scap_reader *r = scap_reader_open(p, &cbs);
	int rc;

	memset(s, 0, sizeof(*s));
	assert_non_null(r);
	rc = scap_reader_run(r);
	if (rc != 0)
		fail_msg("%s: %s", p, scap_reader_error(r));
	scap_reader_free(r);
}

/* An openat record of process pid. */
static int openat_rec(void *buf, size_t cap, uint64_t ts, int64_t pid, const char *name)
{
	struct lnr_evt_builder b;

	assert_int_equal(lnr_evb_init(&b, buf, cap, LNR_EVT_OPENAT, ts, pid, pid), 0);
	lnr_evb_s64(&b, 5);
	lnr_evb_s64(&b, -100);
	lnr_evb_str(&b, name, 0);
	lnr_evb_u64(&b, 1);
	lnr_evb_u64(&b, 0);
	lnr_evb_absent(&b);
	lnr_evb_absent(&b);
	return lnr_evb_finish(&b);
}

static int setup(void **state)
{
	int p[2];
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_addr.s_addr = htonl(INADDR_LOOPBACK)};
	socklen_t al = sizeof(a);

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/lanner-colwrite-XXXXXX");
	if (!mkdtemp(dir))
		return -1;
	snprintf(path, sizeof(path), "%s/w.scap", dir);
	snprintf(file, sizeof(file), "%s/known-file", dir);
	fd_file = open(file, O_RDWR | O_CREAT, 0600);
	if (fd_file < 0 || pipe(p) != 0)
		return -1;
	fd_pipe = p[0];
	fd_ev = eventfd(0, 0);
	fd_ep = epoll_create1(0);
	fd_memfd = memfd_create("lanner", 0);
	fd_listen = socket(AF_INET, SOCK_STREAM, 0);
	if (fd_ev < 0 || fd_ep < 0 || fd_memfd < 0 || fd_listen < 0 ||
	    bind(fd_listen, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(fd_listen, 2) != 0 ||
	    getsockname(fd_listen, (struct sockaddr *)&a, &al) != 0)
		return -1;
	lport = ntohs(a.sin_port);
	fd_cli = socket(AF_INET, SOCK_STREAM, 0);
	if (fd_cli < 0 || connect(fd_cli, (struct sockaddr *)&a, sizeof(a)) != 0)
		return -1;
	return 0;
}

static int teardown(void **state)
{
	char cmd[128];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

/* The lists describe this process, its fds of every kind, users and interfaces;
 * the sink writes records, keeps the pid filter and stops at max_events. */
static void test_lists_and_sink(void **state)
{
	static _Alignas(8) uint8_t buf[4096];
	volatile int stop = 0;
	struct col_write_opts o = {.path = path, .pid = getpid(), .max_events = 3, .stop = &stop};
	struct col_write *cw = col_write_new(&o);
	struct col_write_stats st;
	struct seen s;
	char err[256];
	int len;

	(void)state;
	assert_non_null(cw);
	/* before start: nothing is written */
	len = openat_rec(buf, sizeof(buf), 1000, getpid(), "/early");
	assert_int_equal(col_write_sink(buf, (size_t)len, cw), 0);
	assert_int_equal(col_write_start(cw, err, sizeof(err)), 0);
	for (int i = 0; i < 6; i++) {
		/* every other one belongs to another process: filtered */
		len = openat_rec(buf, sizeof(buf), 2000 + (uint64_t)i, i % 2 ? 1 : getpid(),
				 "/etc/hostname");
		assert_true(len > 0);
		assert_int_equal(col_write_sink(buf, (size_t)len, cw), 0);
		assert_int_equal(stop, i >= 4); /* the third of ours is the last */
	}
	assert_int_equal(col_write_close(cw, &st), 0);
	fprintf(stderr,
		"lists: %" PRIu64 " threads, %" PRIu64 " fds, %" PRIu64 " users/groups, %" PRIu64
		" interfaces; %" PRIu64 " records, %" PRIu64 " filtered\n",
		st.threads, st.fds, st.users, st.ifaces, st.records, st.filtered);
	assert_int_equal(st.records, 3);
	assert_int_equal(st.filtered, 4); /* the early one and three of pid 1 */
	assert_int_equal(st.files, 1);
	read_back(path, &s);
	assert_int_equal(s.records, 3);
	assert_int_equal(s.self_records, 3);
	assert_int_equal(s.threads, st.threads);
	assert_true(s.self);
	assert_true(s.file);
	assert_true(s.pipe);
	assert_true(s.ev);
	assert_true(s.ep);
	assert_true(s.memfd);
	assert_true(s.listen);
	assert_true(s.cli);
	assert_true(s.root_user && s.root_group);
	assert_true(s.lo);
}

/* sysdig 0.29 opens it and names our process from the list. */
static void test_sysdig_reads_lists(void **state)
{
	char cmd[512], line[512] = "";
	struct seen s;
	FILE *p;
	int n = 0;

	(void)state;
	if (system("command -v sysdig >/dev/null 2>&1") != 0) {
		if (lnr_test_in_ci())
			fail_msg("sysdig missing: scripts/deps.sh test installs it");
		fprintf(stderr, "\n*** SKIPPED: no sysdig in PATH ***\n\n");
		skip();
	}
	read_back(path, &s);
	snprintf(cmd, sizeof(cmd),
		 "timeout 60 sysdig -r '%s' -p '*%%evt.type %%proc.name %%proc.pid %%fd.name' "
		 "'evt.dir=<' 2>&1",
		 path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char want[128];

		snprintf(want, sizeof(want), "openat %s %d /etc/hostname\n", s.comm, (int)getpid());
		if (strcmp(line, want) != 0)
			fail_msg("sysdig row %d: '%s', want '%s'", n, line, want);
		n++;
	}
	assert_int_equal(pclose(p), 0);
	assert_int_equal(n, 3);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_lists_and_sink),
		cmocka_unit_test(test_sysdig_reads_lists),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
