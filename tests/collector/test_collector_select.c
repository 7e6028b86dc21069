/* test_collector_select.c: the selection follows the rules (library and SIGHUP) with the programs left attached. */
#include <errno.h>
#include <fcntl.h>
#include <poll.h>
#include <setjmp.h>
#include <signal.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <bpf/bpf.h>

#include <cmocka.h>

#include "col_rules.h"
#include "collector.h"
#include "event.h"
#include "test_env.h"

static const char *collector_bin;
static char dir[64];

/* The actor: one round per byte read on its pipe: chmod, mkdir, rmdir; acks each. */
struct actor {
	pid_t pid;
	int go, ack;
};

static void actor_main(int go, int ack)
{
	char ch, path[128], sub[128];

	snprintf(path, sizeof(path), "%s/file", dir);
	snprintf(sub, sizeof(sub), "%s/sub", dir);
	while (read(go, &ch, 1) == 1 && ch == 'r') {
		(void)!chmod(path, 0600);
		(void)!mkdir(sub, 0700);
		(void)!rmdir(sub);
		if (write(ack, "k", 1) != 1)
			break;
	}
	_exit(0);
}

static void actor_start(struct actor *a)
{
	int go[2], ack[2];

	assert_int_equal(pipe(go), 0);
	assert_int_equal(pipe(ack), 0);
	a->pid = fork();
	assert_true(a->pid >= 0);
	if (a->pid == 0) {
		close(go[1]);
		close(ack[0]);
		actor_main(go[0], ack[1]);
	}
	close(go[0]);
	close(ack[1]);
	a->go = go[1];
	a->ack = ack[0];
}

/* One round of the actor, waited for (5 s at most). */
static void actor_round(struct actor *a)
{
	struct pollfd p = {.fd = a->ack, .events = POLLIN};
	char ch;

	assert_int_equal(write(a->go, "r", 1), 1);
	if (poll(&p, 1, 5000) != 1)
		fail_msg("the actor did not finish its round within 5 s");
	assert_int_equal(read(a->ack, &ch, 1), 1);
}

static void actor_stop(struct actor *a)
{
	int status;

	close(a->go);
	close(a->ack);
	waitpid(a->pid, &status, 0);
}

struct counts {
	pid_t pid;
	unsigned chmod, mkdir, rmdir, other;
};

static int count_sink(const void *rec, size_t len, void *arg)
{
	struct counts *c = arg;
	struct lnr_evt_view v;

	if (lnr_evt_decode(rec, len, &v, NULL) != 0 || v.hdr->pid != c->pid)
		return 0;
	if (v.hdr->type == LNR_EVT_CHMOD)
		c->chmod++;
	else if (v.hdr->type == LNR_EVT_MKDIR)
		c->mkdir++;
	else if (v.hdr->type == LNR_EVT_RMDIR)
		c->rmdir++;
	else
		c->other++;
	return 0;
}

static void write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	assert_non_null(f);
	fputs(text, f);
	assert_int_equal(fclose(f), 0);
}

static const char rules_chmod[] = "- rule: chmod seen\n  desc: d\n  condition: evt.type = chmod\n"
				  "  output: o\n  priority: WARNING\n";
static const char rules_mkdir[] = "- rule: mkdir seen\n  desc: d\n  condition: evt.type = mkdir\n"
				  "  output: o\n  priority: WARNING\n";
static const char rules_broken[] = "- rule: broken\n  condition: evt.type = (\n";

/* Kernel ids of the loaded programs and of the links. */
static int ids_of(struct col *c, uint32_t *ids, int n)
{
	int fds[32], k = 0, np = col_prog_fds(c, fds, 32), nl;

	for (int i = 0; i < np && k < n; i++) {
		struct bpf_prog_info info = {0};
		__u32 len = sizeof(info);

		assert_int_equal(bpf_obj_get_info_by_fd(fds[i], &info, &len), 0);
		ids[k++] = info.id;
	}
	nl = col_link_fds(c, fds, 32);
	assert_true(nl >= 3); /* sys_exit, sched_process_exec, sched_process_exit at least */
	for (int i = 0; i < nl && k < n; i++) {
		struct bpf_link_info info = {0};
		__u32 len = sizeof(info);

		assert_int_equal(bpf_obj_get_info_by_fd(fds[i], &info, &len), 0);
		ids[k++] = info.id;
	}
	return k;
}

static void drain(struct col *c)
{
	/* the records of a finished round are in the buffer: a few looks suffice */
	for (int i = 0; i < 5; i++)
		col_poll(c, 20);
}

static void test_rules_change_selection_in_place(void **state)
{
	char rules[128], err[1024];
	const char *files[1] = {rules};
	uint32_t ids0[64], ids1[64];
	int nids0, nids1, n;
	struct counts cnt = {0};
	struct actor a;
	struct col_opts o;
	struct col *c;

	(void)state;
	snprintf(rules, sizeof(rules), "%s/rules.yaml", dir);
	actor_start(&a);
	cnt.pid = a.pid;
	col_opts_default(&o);
	o.sink = count_sink;
	o.sink_arg = &cnt;
	c = col_open(&o, err, sizeof(err));
	if (!c)
		fail_msg("col_open: %s", err);
	col_only_tgid(c, (uint32_t)a.pid);
	write_file(rules, rules_chmod);
	n = col_rules_apply(c, NULL, files, 1, err, sizeof(err));
	if (n < 0)
		fail_msg("col_rules_apply: %s", err);
	if (col_attach(c, err, sizeof(err)))
		fail_msg("col_attach: %s", err);
	nids0 = ids_of(c, ids0, 64);

	/* chmod rules: chmod reported, mkdir and rmdir (not in the state set) not */
	actor_round(&a);
	drain(c);
	fprintf(stderr, "chmod rules: chmod %u mkdir %u rmdir %u\n", cnt.chmod, cnt.mkdir,
		cnt.rmdir);
	assert_int_equal(cnt.chmod, 1);
	assert_int_equal(cnt.mkdir, 0);
	assert_int_equal(cnt.rmdir, 0);

	/* mkdir rules: the other way round, programs and links untouched */
	write_file(rules, rules_mkdir);
	n = col_rules_apply(c, NULL, files, 1, err, sizeof(err));
	if (n < 0)
		fail_msg("col_rules_apply: %s", err);
	memset(&cnt, 0, sizeof(cnt));
	cnt.pid = a.pid;
	actor_round(&a);
	drain(c);
	fprintf(stderr, "mkdir rules: chmod %u mkdir %u rmdir %u\n", cnt.chmod, cnt.mkdir,
		cnt.rmdir);
	assert_int_equal(cnt.chmod, 0);
	assert_int_equal(cnt.mkdir, 1);
	assert_int_equal(cnt.rmdir, 0);

	/* broken rules: refused, the selection stays */
	write_file(rules, rules_broken);
	assert_true(col_rules_apply(c, NULL, files, 1, err, sizeof(err)) < 0);
	memset(&cnt, 0, sizeof(cnt));
	cnt.pid = a.pid;
	actor_round(&a);
	drain(c);
	assert_int_equal(cnt.mkdir, 1);
	assert_int_equal(cnt.chmod, 0);

	nids1 = ids_of(c, ids1, 64);
	assert_int_equal(nids0, nids1);
	assert_memory_equal(ids0, ids1, nids0 * sizeof(ids0[0]));
	actor_stop(&a);
	col_close(c);
}

/* lanner-collector --print -r RULES: SIGHUP makes it select from the changed rules. */
static void test_sighup_reselects(void **state)
{
	char rules[128], out[128], cfgp[128], pidarg[16], buf[65536];
	struct actor a;
	int outfd, status, fd;
	ssize_t got;
	pid_t col;
	unsigned chmods = 0, mkdirs = 0;

	(void)state;
	snprintf(rules, sizeof(rules), "%s/rules.yaml", dir);
	snprintf(out, sizeof(out), "%s/out.txt", dir);
	snprintf(cfgp, sizeof(cfgp), "%s/lanner.yaml", dir);
	write_file(rules, rules_chmod);
	/* nothing but the rules' types: custom_set with an unrelated name */
	write_file(cfgp, "base_syscalls:\n  custom_set: [getcwd]\n");
	actor_start(&a);
	snprintf(pidarg, sizeof(pidarg), "%d", (int)a.pid);
	outfd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0600);
	assert_true(outfd >= 0);
	col = fork();
	assert_true(col >= 0);
	if (col == 0) {
		dup2(outfd, 1);
		execl(collector_bin, "lanner-collector", "--print", "--pid", pidarg, "-c", cfgp,
		      "-r", rules, "--duration", "20", (char *)NULL);
		_exit(98);
	}
	close(outfd);
	/* attached once it logged its selection; wait for the first chmod to show up */
	for (int i = 0; i < 100 && chmods == 0; i++) {
		actor_round(&a);
		usleep(100000);
		fd = open(out, O_RDONLY);
		got = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		buf[got > 0 ? got : 0] = 0;
		chmods = strstr(buf, " chmod ") != NULL;
		assert_null(strstr(buf, " mkdir "));
	}
	assert_true(chmods);
	write_file(rules, rules_mkdir);
	assert_int_equal(kill(col, SIGHUP), 0);
	for (int i = 0; i < 50 && mkdirs == 0; i++) {
		usleep(100000);
		actor_round(&a);
		fd = open(out, O_RDONLY);
		got = fd >= 0 ? read(fd, buf, sizeof(buf) - 1) : -1;
		if (fd >= 0)
			close(fd);
		buf[got > 0 ? got : 0] = 0;
		mkdirs = strstr(buf, " mkdir ") != NULL;
	}
	kill(col, SIGTERM);
	assert_int_equal(waitpid(col, &status, 0), col);
	actor_stop(&a);
	fprintf(stderr, "--- collector output ---\n%.2000s\n", buf);
	assert_true(mkdirs);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	/* after the reload no chmod: the last line with chmod comes before the first mkdir */
	{
		char *first_mkdir = strstr(buf, " mkdir ");
		char *p = first_mkdir, *last_chmod = NULL;

		for (char *q = buf; (q = strstr(q, " chmod ")) != NULL; q++)
			last_chmod = q;
		assert_non_null(last_chmod);
		assert_true(last_chmod < first_mkdir);
		(void)p;
	}
	unlink(out);
	unlink(cfgp);
}

static int setup(void **state)
{
	char file[128];

	(void)state;
	snprintf(dir, sizeof(dir), "/tmp/lanner-select.XXXXXX");
	assert_non_null(mkdtemp(dir));
	snprintf(file, sizeof(file), "%s/file", dir);
	write_file(file, "x");
	return 0;
}

static int teardown(void **state)
{
	char cmd[160];

	(void)state;
	snprintf(cmd, sizeof(cmd), "rm -rf '%s'", dir);
	return system(cmd) == 0 ? 0 : -1;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_rules_change_selection_in_place),
		cmocka_unit_test(test_sighup_reselects),
	};

	if (argc < 2) {
		fprintf(stderr, "usage: test_collector_select PATH_TO_LANNER_COLLECTOR\n");
		return 2;
	}
	collector_bin = argv[1];
	lnr_test_require_root("test_collector_select");
	return cmocka_run_group_tests(tests, setup, teardown);
}
