/* test_privs.c: privs.c, the identity and capabilities each stage gets, checked in /proc/self/status after exec. */
#include <errno.h>
#include <fcntl.h>
#include <linux/capability.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cmocka.h>

#include "privs.h"
#include "test_env.h"

#define BIT(c) (1ull << (c))
#define NOBODY 65534

static char tmp[64];

/* One "Key:\tvalue" line of a status file, value copied to out. */
static int status_field(const char *text, const char *key, char *out, size_t n)
{
	char pat[32];
	const char *p, *e;

	snprintf(pat, sizeof(pat), "\n%s:", key);
	p = strstr(text, pat);
	if (!p)
		return -1;
	p += strlen(pat);
	while (*p == '\t' || *p == ' ')
		p++;
	e = strchr(p, '\n');
	if (!e)
		e = p + strlen(p);
	while (e > p && (e[-1] == ' ' || e[-1] == '\t'))
		e--; /* Groups: ends with a space */
	snprintf(out, n, "%.*s", (int)(e - p), p);
	return 0;
}

static uint64_t status_hex(const char *text, const char *key)
{
	char v[64];

	assert_int_equal(status_field(text, key, v, sizeof(v)), 0);
	return strtoull(v, NULL, 16);
}

static char *read_file(const char *path)
{
	static char buf[8192];
	int fd = open(path, O_RDONLY);
	ssize_t n;

	assert_true(fd >= 0);
	buf[0] = '\n'; /* so that the first key matches "\nKey:" too */
	n = read(fd, buf + 1, sizeof(buf) - 2);
	close(fd);
	assert_true(n > 0);
	buf[n + 1] = '\0';
	return buf;
}

/* What this (root) test process could hand on: permitted and bounding. */
static uint64_t own_caps(void)
{
	const char *s = read_file("/proc/self/status");

	return status_hex(s, "CapPrm") & status_hex(s, "CapBnd");
}

/* A configuration of only these -o overrides. */
static int load(struct cfg *cfg, const char *const *ov, size_t n)
{
	static const char doc[] = "log_level: info\n";

	if (cfg_load_buffer(cfg, "test", doc, sizeof(doc) - 1) != 0)
		return -1;
	for (size_t i = 0; i < n; i++)
		if (cfg_apply_override(cfg, ov[i]) != 0)
			return -1;
	return 0;
}

static struct privs setup(const char *const *ov, size_t n)
{
	struct privs p;
	struct cfg *cfg = cfg_new();
	char err[512] = "";
	int rc;

	assert_non_null(cfg);
	assert_int_equal(load(cfg, ov, n), 0);
	rc = privs_setup(&p, cfg, err, sizeof(err));
	if (rc)
		fprintf(stderr, "privs_setup: %s\n", err);
	assert_int_equal(rc, 0);
	cfg_free(cfg);
	return p;
}

/*
 * Forks; the child (after pre(), if any) applies role and execs cat
 * /proc/self/status into a file, so what is checked is what a stage has
 * after its exec. Returns the status text.
 */
static char *status_after_exec(const struct privs *p, enum privs_role role, void (*pre)(void))
{
	char out[128];
	int status;
	pid_t pid;

	snprintf(out, sizeof(out), "%s/status.%d", tmp, (int)role);
	unlink(out);
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		int fd = open(out, O_WRONLY | O_CREAT | O_TRUNC, 0644);

		if (fd < 0 || dup2(fd, 1) < 0)
			_exit(2);
		if (pre)
			pre();
		if (privs_apply(p, role) != 0)
			_exit(3);
		execl("/bin/cat", "cat", "/proc/self/status", (char *)NULL);
		_exit(4);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
	return read_file(out);
}

static void check_status(const char *s, uint64_t caps, const char *groups)
{
	char v[128];

	assert_int_equal(status_field(s, "Uid", v, sizeof(v)), 0);
	assert_string_equal(v, "65534\t65534\t65534\t65534");
	assert_int_equal(status_field(s, "Gid", v, sizeof(v)), 0);
	assert_string_equal(v, "65534\t65534\t65534\t65534");
	assert_int_equal(status_field(s, "Groups", v, sizeof(v)), 0);
	assert_string_equal(v, groups);
	assert_int_equal(status_hex(s, "CapEff"), caps);
	assert_int_equal(status_hex(s, "CapPrm"), caps);
	assert_int_equal(status_hex(s, "CapBnd"), caps);
	assert_int_equal(status_hex(s, "CapAmb"), caps);
	assert_int_equal(status_hex(s, "CapInh"), caps);
	assert_int_equal(status_field(s, "NoNewPrivs", v, sizeof(v)), 0);
	assert_string_equal(v, "1");
}

static void test_cap_names(void **state)
{
	char buf[128];

	(void)state;
	privs_cap_names(BIT(CAP_BPF) | BIT(CAP_PERFMON), buf, sizeof(buf));
	assert_string_equal(buf, "CAP_PERFMON,CAP_BPF");
	privs_cap_names(0, buf, sizeof(buf));
	assert_string_equal(buf, "none");
	privs_cap_names(BIT(CAP_NET_ADMIN), buf, sizeof(buf));
	assert_string_equal(buf, "cap12");
	assert_int_equal(privs_wanted(PRIVS_PLAIN), 0);
	assert_int_equal(privs_wanted(PRIVS_COLLECTOR),
			 BIT(CAP_BPF) | BIT(CAP_PERFMON) | BIT(CAP_SYS_RESOURCE));
	assert_int_equal(privs_wanted(PRIVS_ENRICHER),
			 BIT(CAP_SYS_PTRACE) | BIT(CAP_DAC_READ_SEARCH));
}

/* Each role after exec: uid/gid, groups, exactly its capabilities (those the caller has). */
static void test_roles(void **state)
{
	static const char *const ov[] = {"lanner.user=nobody", "lanner.runtime_group=daemon"};
	struct privs p = setup(ov, 2);
	uint64_t can = own_caps();

	(void)state;
	assert_true(p.active);
	assert_int_equal(p.uid, NOBODY);
	assert_true(p.runtime_group);
	assert_int_equal(p.runtime_gid, 1);
	check_status(status_after_exec(&p, PRIVS_PLAIN, NULL), 0, "65534");
	check_status(status_after_exec(&p, PRIVS_COLLECTOR, NULL),
		     privs_wanted(PRIVS_COLLECTOR) & can, "65534");
	check_status(status_after_exec(&p, PRIVS_ENRICHER, NULL),
		     privs_wanted(PRIVS_ENRICHER) & can, "1 65534");
}

/* A capability the supervisor's bounding set lacks is left out, the rest kept. */
static void drop_sys_resource(void)
{
	if (prctl(PR_CAPBSET_DROP, CAP_SYS_RESOURCE, 0, 0, 0) < 0)
		_exit(5);
}

static void test_missing_capability(void **state)
{
	static const char *const ov[] = {"lanner.user=nobody", "lanner.runtime_group=none"};
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		/* setup in a process without CAP_SYS_RESOURCE, as on the CI machines */
		struct privs p;
		struct cfg *cfg = cfg_new();
		char err[256];
		uint64_t want = BIT(CAP_BPF) | BIT(CAP_PERFMON);
		const char *s;

		drop_sys_resource();
		if (!cfg || load(cfg, ov, 2) || privs_setup(&p, cfg, err, sizeof(err)))
			_exit(10);
		if (p.runtime_group || (p.keep[PRIVS_COLLECTOR] & BIT(CAP_SYS_RESOURCE)) ||
		    p.keep[PRIVS_COLLECTOR] != (want & p.can))
			_exit(11);
		s = status_after_exec(&p, PRIVS_COLLECTOR, NULL);
		if (status_hex(s, "CapEff") != (want & p.can) ||
		    status_hex(s, "CapBnd") != (want & p.can))
			_exit(12);
		cfg_free(cfg);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

/* Not root: nothing changes (the stages run as the caller). */
static void test_not_root(void **state)
{
	static const char *const ov[] = {"lanner.user=nobody"};
	int status;
	pid_t pid;

	(void)state;
	pid = fork();
	assert_true(pid >= 0);
	if (pid == 0) {
		struct privs p;
		struct cfg *cfg = cfg_new();
		char err[256];

		if (setresgid(NOBODY, NOBODY, NOBODY) || setresuid(NOBODY, NOBODY, NOBODY))
			_exit(10);
		if (!cfg || load(cfg, ov, 1) || privs_setup(&p, cfg, err, sizeof(err)))
			_exit(11);
		if (p.active || privs_apply(&p, PRIVS_COLLECTOR) != 0 || getuid() != NOBODY)
			_exit(12);
		_exit(0);
	}
	assert_int_equal(waitpid(pid, &status, 0), pid);
	assert_true(WIFEXITED(status));
	assert_int_equal(WEXITSTATUS(status), 0);
}

static void test_bad_names(void **state)
{
	static const char *const bad_user[] = {"lanner.user=Bad Name!"};
	static const char *const bad_group[] = {"lanner.user=nobody",
						"lanner.runtime_group=no-such-group-lnr"};
	struct privs p;
	struct cfg *cfg = cfg_new();
	char err[512];

	(void)state;
	assert_int_equal(load(cfg, bad_user, 1), 0);
	assert_int_equal(privs_setup(&p, cfg, err, sizeof(err)), -EINVAL);
	assert_non_null(strstr(err, "lanner.user 'Bad Name!'"));
	cfg_free(cfg);
	cfg = cfg_new();
	assert_int_equal(load(cfg, bad_group, 2), 0);
	assert_int_equal(privs_setup(&p, cfg, err, sizeof(err)), -ENOENT);
	assert_non_null(strstr(err, "lanner.runtime_group 'no-such-group-lnr'"));
	cfg_free(cfg);
}

static void test_own_dir(void **state)
{
	static const char *const ov[] = {"lanner.user=nobody"};
	struct privs p = setup(ov, 1);
	char dir[128], f[160], link[160], outside[160], err[512];
	struct stat sb;
	int fd;

	(void)state;
	/* absent: created with its parents, owned, mode */
	snprintf(dir, sizeof(dir), "%s/a/b/spool", tmp);
	assert_int_equal(privs_own_dir(&p, dir, 0750, PRIVS_DIR_RECURSIVE, err, sizeof(err)), 0);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_uid, NOBODY);
	assert_int_equal(sb.st_gid, NOBODY);
	assert_int_equal(sb.st_mode & 07777, 0750);
	snprintf(f, sizeof(f), "%s/a", tmp);
	assert_int_equal(stat(f, &sb), 0);
	assert_int_equal(sb.st_uid, 0); /* parents stay root's */
	/* existing, root's, with a file (an earlier run as root) and a link out */
	snprintf(f, sizeof(f), "%s/seg.log", dir);
	snprintf(outside, sizeof(outside), "%s/outside", tmp);
	snprintf(link, sizeof(link), "%s/link", dir);
	fd = open(f, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	fd = open(outside, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	assert_int_equal(symlink(outside, link), 0);
	assert_int_equal(chown(dir, 0, 0), 0);
	assert_int_equal(chown(f, 0, 0), 0);
	assert_int_equal(privs_own_dir(&p, dir, 0750, PRIVS_DIR_RECURSIVE, err, sizeof(err)), 0);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_uid, NOBODY);
	assert_int_equal(stat(f, &sb), 0);
	assert_int_equal(sb.st_uid, NOBODY);
	assert_int_equal(stat(outside, &sb), 0);
	assert_int_equal(sb.st_uid, 0); /* a link is not followed */
	/* NEW_ONLY: an existing directory is left as it is */
	assert_int_equal(chown(dir, 0, 0), 0);
	assert_int_equal(privs_own_dir(&p, dir, 0750, PRIVS_DIR_NEW_ONLY, err, sizeof(err)), 0);
	assert_int_equal(stat(dir, &sb), 0);
	assert_int_equal(sb.st_uid, 0);
	/* system and shared directories are never taken over */
	assert_int_equal(privs_own_dir(&p, "/tmp", 0770, 0, err, sizeof(err)), 0);
	assert_int_equal(stat("/tmp", &sb), 0);
	assert_int_equal(sb.st_uid, 0);
	assert_int_equal(sb.st_mode & 07777, 01777);
	assert_int_equal(privs_own_dir(&p, "/var/lib/", 0770, 0, err, sizeof(err)), 0);
	assert_int_equal(stat("/var/lib", &sb), 0);
	assert_int_equal(sb.st_uid, 0);
	/* not a directory */
	assert_int_equal(privs_own_dir(&p, f, 0750, 0, err, sizeof(err)), -ENOTDIR);
}

static void test_own_file(void **state)
{
	static const char *const ov[] = {"lanner.user=nobody"};
	struct privs p = setup(ov, 1);
	char f[128], lnk[128], hard[128], err[512];
	struct stat sb;

	(void)state;
	snprintf(f, sizeof(f), "%s/events.txt", tmp);
	assert_int_equal(privs_own_file(&p, f, false, err, sizeof(err)), 0);
	assert_int_equal(stat(f, &sb), -1); /* not created without create */
	assert_int_equal(privs_own_file(&p, f, true, err, sizeof(err)), 0);
	assert_int_equal(stat(f, &sb), 0);
	assert_int_equal(sb.st_uid, NOBODY);
	assert_true(S_ISREG(sb.st_mode));
	/* a link is left alone, and so is its target */
	assert_int_equal(chown(f, 0, 0), 0);
	snprintf(lnk, sizeof(lnk), "%s/events.link", tmp);
	assert_int_equal(symlink(f, lnk), 0);
	assert_int_equal(privs_own_file(&p, lnk, true, err, sizeof(err)), 0);
	assert_int_equal(stat(f, &sb), 0);
	assert_int_equal(sb.st_uid, 0);
	/* a file with another hard link too */
	snprintf(hard, sizeof(hard), "%s/events.hard", tmp);
	assert_int_equal(link(f, hard), 0);
	assert_int_equal(privs_own_file(&p, f, true, err, sizeof(err)), 0);
	assert_int_equal(stat(f, &sb), 0);
	assert_int_equal(sb.st_uid, 0);
}

static void test_check_readable(void **state)
{
	static const char *const ov[] = {"lanner.user=nobody"};
	struct privs p = setup(ov, 1);
	char dir[128], ok[160], secret[160], err[512];
	const char *paths[2];
	int fd;

	(void)state;
	snprintf(dir, sizeof(dir), "%s/cfg", tmp);
	assert_int_equal(mkdir(dir, 0755), 0);
	snprintf(ok, sizeof(ok), "%s/lanner.yaml", dir);
	snprintf(secret, sizeof(secret), "%s/rules.yaml", dir);
	fd = open(ok, O_WRONLY | O_CREAT, 0644);
	assert_true(fd >= 0);
	close(fd);
	fd = open(secret, O_WRONLY | O_CREAT, 0600);
	assert_true(fd >= 0);
	close(fd);
	paths[0] = ok;
	paths[1] = dir;
	assert_int_equal(privs_check_readable(&p, paths, 2, err, sizeof(err)), 0);
	paths[1] = secret;
	assert_int_equal(privs_check_readable(&p, paths, 2, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, secret));
	assert_non_null(strstr(err, "nobody"));
	/* the parent directory counts too */
	assert_int_equal(chmod(secret, 0644), 0);
	assert_int_equal(chmod(dir, 0700), 0);
	assert_int_equal(privs_check_readable(&p, paths, 1, err, sizeof(err)), -EACCES);
	assert_non_null(strstr(err, ok));
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_cap_names),	   cmocka_unit_test(test_roles),
		cmocka_unit_test(test_missing_capability), cmocka_unit_test(test_not_root),
		cmocka_unit_test(test_bad_names),	   cmocka_unit_test(test_own_dir),
		cmocka_unit_test(test_own_file),	   cmocka_unit_test(test_check_readable),
	};
	int rc;

	lnr_test_require_root("test_privs");
	snprintf(tmp, sizeof(tmp), "/tmp/test-privs-XXXXXX");
	if (!mkdtemp(tmp)) {
		perror("mkdtemp");
		return 1;
	}
	chmod(tmp, 0755);
	rc = cmocka_run_group_tests(tests, NULL, NULL);
	{
		char cmd[128];

		snprintf(cmd, sizeof(cmd), "rm -rf %s", tmp);
		if (system(cmd) != 0)
			fprintf(stderr, "could not remove %s\n", tmp);
	}
	return rc;
}
