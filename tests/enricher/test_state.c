/* test_state.c: thread table, fd table, path resolution, container ids, users. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <sys/stat.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "container.h"
#include "fds.h"
#include "i64map.h"
#include "threads.h"
#include "users.h"

static void test_i64map(void **state)
{
	struct i64map *m = i64map_new();
	enum { N = 20000 };
	static int vals[N];

	assert_non_null(m);
	for (int i = 0; i < N; i++)
		assert_int_equal(i64map_put(m, (int64_t)i * 7 - 300, &vals[i], NULL), 0);
	assert_int_equal(i64map_size(m), N);
	for (int i = 0; i < N; i++)
		assert_ptr_equal(i64map_get(m, (int64_t)i * 7 - 300), &vals[i]);
	/* delete every other key: the rest must stay findable (backward shift) */
	for (int i = 0; i < N; i += 2)
		assert_ptr_equal(i64map_del(m, (int64_t)i * 7 - 300), &vals[i]);
	for (int i = 0; i < N; i++)
		assert_ptr_equal(i64map_get(m, (int64_t)i * 7 - 300), (i % 2) ? &vals[i] : NULL);
	assert_int_equal(i64map_size(m), N / 2);
	i64map_free(m);
}

static void test_path_resolve(void **state)
{
	char out[64];
	struct {
		const char *dir, *path, *want;
	} c[] = {
		{"/home/u/", "file", "/home/u/file"},
		{"/home/u/", "./a/../b", "/home/u/b"},
		{"/home/u/", "../../../../etc/passwd", "/etc/passwd"},
		{"/home/u/", "/etc//shadow", "/etc/shadow"},
		{"/", "", "/"},
		{"/tmp/", ".", "/tmp"},
		{"/a/b", "c/", "/a/b/c"},
		{NULL, "rel", "/rel"},
	};

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		assert_true(enr_path_resolve(c[i].dir, c[i].path, out, sizeof(out)) > 0);
		assert_string_equal(out, c[i].want);
	}
	assert_int_equal(
		enr_path_resolve("/",
				 "a-very-long-component-name-that-will-not-fit-in-64-bytes-at-all",
				 out, 32),
		-ENAMETOOLONG);
}

static void test_fork_exec_exit(void **state)
{
	struct thread_table *t = thr_table_new(100);
	struct enr_thread *init, *sh, *child, *thr;
	struct enr_proc *p;

	init = thr_add(t, 1, 1, 0);
	assert_non_null(init);
	strcpy(init->proc->comm, "init");
	sh = thr_fork(t, init, 100, 100, 0, 1);
	assert_non_null(sh);
	strcpy(sh->proc->comm, "bash");
	assert_non_null(enr_str_set(&sh->proc->cwd, "/root/", 0) == 0 ? sh : NULL);
	assert_non_null(fdt_add(sh->proc->fds, 3, ENR_FD_FILE, "/etc/passwd", NULL));
	child = thr_fork(t, sh, 200, 200, 0, 2);
	assert_non_null(child);
	/* the child copies name, cwd and fds, and has the shell as parent */
	assert_string_equal(child->proc->comm, "bash");
	assert_string_equal(child->proc->cwd, "/root/");
	assert_string_equal(fdt_get(child->proc->fds, 3)->name, "/etc/passwd");
	assert_ptr_equal(thr_parent(t, child->proc), sh->proc);
	assert_ptr_equal(thr_ancestor(t, child->proc, 2), init->proc);
	assert_null(thr_ancestor(t, child->proc, 3));
	assert_int_equal(sh->proc->nchildren, 1);
	/* fd tables are copies: closing in the child leaves the parent's */
	fdt_del(child->proc->fds, 3);
	assert_non_null(fdt_get(sh->proc->fds, 3));
	/* a thread of the child shares its process */
	thr = thr_clone_thread(t, child, 201, 201, 3);
	assert_ptr_equal(thr->proc, child->proc);
	assert_int_equal(thr_count(t), 4);
	assert_int_equal(thr_proc_count(t), 3);
	/* exec from the non-leader thread: it takes the leader's tid, the leader is gone */
	thr = thr_exec_leader(t, thr);
	assert_int_equal(thr->tid, 200);
	assert_ptr_equal(thr_get(t, 200), thr);
	assert_null(thr_get(t, 201));
	assert_int_equal(thr_count(t), 3);
	/* grandchild, then the middle process exits: re-parented to init */
	child = thr_fork(t, thr, 300, 300, 0, 4);
	assert_non_null(child);
	thr_exit(t, 200, 0);
	assert_null(thr_get_proc(t, 200));
	p = thr_get_proc(t, 300);
	assert_int_equal(p->ppid, 1);
	assert_ptr_equal(thr_parent(t, p), init->proc);
	/* with a sub-reaper given, to it */
	child = thr_fork(t, thr_get(t, 300), 400, 400, 0, 5);
	thr_exit(t, 300, 100);
	assert_int_equal(thr_get_proc(t, 400)->ppid, 100);
	thr_table_free(t);
}

static void test_table_limit(void **state)
{
	struct thread_table *t = thr_table_new(10);
	struct enr_thread *init = thr_add(t, 1, 1, 0);

	for (int i = 2; i <= 10; i++)
		assert_non_null(thr_fork(t, init, i, i, 0, 0));
	assert_null(thr_fork(t, init, 11, 11, 0, 0));
	assert_int_equal(thr_refused(t), 1);
	assert_int_equal(thr_count(t), 10);
	/* no leaked process for the refused fork */
	assert_int_equal(thr_proc_count(t), 10);
	assert_int_equal(init->proc->nchildren, 9);
	/* a fork storm that exits keeps memory bounded */
	for (int round = 0; round < 1000; round++) {
		thr_exit(t, 10, 0);
		assert_non_null(thr_fork(t, init, 10, 10, 0, 0));
	}
	assert_int_equal(thr_count(t), 10);
	thr_table_free(t);
}

static void test_container_ids(void **state)
{
	char id[80];
	const char *h = "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081";

	struct {
		const char *fmt;
		enum ctr_runtime rt;
	} c[] = {
		{"/docker/%s", CTR_RT_DOCKER},
		{"/system.slice/docker-%s.scope", CTR_RT_DOCKER},
		{"/kubepods/besteffort/pod1234/%s", CTR_RT_CONTAINERD},
		{"/kubepods.slice/kubepods-burstable.slice/x.slice/cri-containerd-%s.scope",
		 CTR_RT_CONTAINERD},
		{"/kubepods.slice/kubepods-pod1.slice/crio-%s.scope", CTR_RT_CRIO},
		{"/machine.slice/libpod-%s.scope", CTR_RT_PODMAN},
		{"/machine.slice/libpod-conmon-%s.scope", CTR_RT_HOST},
		{"/process_api/%s", CTR_RT_HOST},
		{"/user.slice/user-0.slice/%s", CTR_RT_HOST},
	};
	char path[256];

	for (size_t i = 0; i < sizeof(c) / sizeof(c[0]); i++) {
		snprintf(path, sizeof(path), c[i].fmt, h);
		assert_int_equal(ctr_id_from_path(path, id, sizeof(id)), c[i].rt);
		assert_string_equal(id, c[i].rt == CTR_RT_HOST ? "" : h);
	}
	/* this machine's own cgroup, with a 32-hex id, is the host */
	assert_int_equal(
		ctr_id_from_path("/process_api/f0d2e176eec38731ed47313f531c4b96", id, sizeof(id)),
		CTR_RT_HOST);
}

static void test_users(void **state)
{
	char dir[] = "/tmp/lanner-users-XXXXXX";
	char path[256];
	FILE *f;
	struct usr_db *db = usr_db_new();
	const struct usr_user *u;
	const struct usr_group *g;

	assert_non_null(mkdtemp(dir));
	snprintf(path, sizeof(path), "%s/etc", dir);
	assert_int_equal(mkdir(path, 0755), 0);
	snprintf(path, sizeof(path), "%s/etc/passwd", dir);
	f = fopen(path, "w");
	fputs("root:x:0:0:root:/root:/bin/bash\n# comment\nbroken "
	      "line\napp:x:1000:1000::/home/app:/bin/sh\n",
	      f);
	fclose(f);
	snprintf(path, sizeof(path), "%s/etc/group", dir);
	f = fopen(path, "w");
	fputs("root:x:0:\nstaff:x:50:app\n", f);
	fclose(f);
	usr_db_set_recheck(db, 0);
	u = usr_lookup_user(db, dir, 1000, 1);
	assert_non_null(u);
	assert_string_equal(u->name, "app");
	assert_string_equal(u->homedir, "/home/app");
	assert_string_equal(u->shell, "/bin/sh");
	assert_null(usr_lookup_user(db, dir, 1001, 2));
	g = usr_lookup_group(db, dir, 50, 3);
	assert_non_null(g);
	assert_string_equal(g->name, "staff");
	/* the file changes (size differs): re-read */
	snprintf(path, sizeof(path), "%s/etc/passwd", dir);
	f = fopen(path, "a");
	fputs("new:x:1001:1001::/home/new:/bin/false\n", f);
	fclose(f);
	u = usr_lookup_user(db, dir, 1001, 4);
	assert_non_null(u);
	assert_string_equal(u->name, "new");
	/* the host's root user */
	u = usr_lookup_user(db, "/", 0, 5);
	assert_non_null(u);
	assert_string_equal(u->name, "root");
	usr_db_free(db);
	snprintf(path, sizeof(path), "rm -rf %s", dir);
	assert_int_equal(system(path), 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_i64map),	       cmocka_unit_test(test_path_resolve),
		cmocka_unit_test(test_fork_exec_exit), cmocka_unit_test(test_table_limit),
		cmocka_unit_test(test_container_ids),  cmocka_unit_test(test_users),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
