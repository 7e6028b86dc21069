/* cmd_selftest.c: `lanner selftest`: harmless actions that must trigger each default rule, detected live through the whole pipeline. */
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <linux/bpf.h>
#include <linux/capability.h>
#include <netinet/in.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/mount.h>
#include <sys/prctl.h>
#include <sys/ptrace.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#include "cli.h"
#include "config.h"
#include "rules_compile.h"
#include "rules_load.h"

/*
 * How it works. The parent (the `lanner selftest` process) starts a pipeline
 * (emitter with a JSON file output, one evaluator, the enricher, the live
 * collector) in a scratch directory, unless --alerts FILE points at the file
 * output of a pipeline already running. Then, for each action: it forks a
 * throw-away child that does one harmless thing (in a fresh docker-looking
 * cgroup for container rules), and waits for an alert of the rule whose
 * proc.pid or proc.ppid is that child. Actions that need a particular
 * process name exec a symlink of that name: to /bin/true when only the exec
 * matters, or to this binary, which then runs the action named by
 * LANNER_SELFTEST_ACT (selftest_child_main(), called first thing by main()).
 */

#define CTR_ID "1a2b3c4d5e6f1a2b3c4d5e6f1a2b3c4d5e6f1a2b3c4d5e6f1a2b3c4d5e6f1a2b"
#define CGROUP_PARENT "/sys/fs/cgroup/pids/docker"

static char g_work[256];     /* scratch directory (0755: service accounts traverse it) */
static char g_self[4096];    /* this binary */
static int g_port_lo = 0;    /* a listener on 127.0.0.1 (reverse shell target) */
static uint64_t g_ctr_count; /* container cgroups made (one per container action) */

/* ---------------------------------------------------------------- child side */

static void quiet_stdio(void)
{
	int fd = open("/dev/null", O_RDWR);

	if (fd >= 0) {
		dup2(fd, 1);
		dup2(fd, 2);
		close(fd);
	}
}

static int wpath(char *out, size_t n, const char *rel)
{
	return snprintf(out, n, "%s/%s", getenv("LANNER_SELFTEST_WORK"), rel) < (int)n ? 0 : -1;
}

static int touch(const char *path, int flags)
{
	int fd = open(path, flags | O_CLOEXEC, 0644);

	if (fd < 0)
		return -errno;
	close(fd);
	return 0;
}

static int connect_tcp(const char *ip, int port, int nonblock)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	int s = socket(AF_INET, SOCK_STREAM | (nonblock ? SOCK_NONBLOCK : 0), 0);

	if (s < 0)
		return -errno;
	inet_pton(AF_INET, ip, &a.sin_addr);
	if (connect(s, (struct sockaddr *)&a, sizeof(a)) != 0 && errno != EINPROGRESS) {
		close(s);
		return -errno;
	}
	return s;
}

static void sleeper(void)
{
	for (;;)
		pause();
}

static volatile long g_poke_target = 42;

/* ptrace a sleeping child: attach (and optionally write one word of its memory back as it is). */
static int do_ptrace(int poke)
{
	pid_t t = fork();
	int st, rc = 0;

	if (t == 0)
		sleeper();
	if (t < 0)
		return -errno;
	if (ptrace(PTRACE_ATTACH, t, NULL, NULL) != 0)
		rc = -errno;
	else {
		waitpid(t, &st, 0);
		if (poke) {
			errno = 0;
			long v = ptrace(PTRACE_PEEKDATA, t, (void *)&g_poke_target, NULL);

			if (errno == 0)
				ptrace(PTRACE_POKEDATA, t, (void *)&g_poke_target, (void *)v);
		}
		ptrace(PTRACE_DETACH, t, NULL, NULL);
	}
	kill(t, SIGKILL);
	waitpid(t, &st, 0);
	return rc;
}

static int do_bpf_load(void)
{
	struct bpf_insn insns[2] = {
		{.code = BPF_ALU64 | BPF_MOV | BPF_K, .dst_reg = 0, .imm = 0},
		{.code = BPF_JMP | BPF_EXIT},
	};
	union bpf_attr a;
	char lic[] = "GPL";

	memset(&a, 0, sizeof(a));
	a.prog_type = BPF_PROG_TYPE_SOCKET_FILTER;
	a.insn_cnt = 2;
	a.insns = (uint64_t)(uintptr_t)insns;
	a.license = (uint64_t)(uintptr_t)lic;
	long fd = syscall(SYS_bpf, BPF_PROG_LOAD, &a, sizeof(a));

	if (fd < 0)
		return -errno;
	close((int)fd);
	return 0;
}

static int do_capset(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3, .pid = 0};
	struct __user_cap_data_struct d[2];

	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) != 0 || setresgid(65534, 65534, 65534) != 0 ||
	    setresuid(65534, 65534, 65534) != 0)
		return -errno;
	memset(d, 0, sizeof(d));
	d[0].permitted = d[0].effective = 1u << CAP_SYS_ADMIN;
	return syscall(SYS_capset, &h, d) == 0 ? 0 : -errno;
}

static int do_memfd_exec(void)
{
	int in = open("/bin/true", O_RDONLY | O_CLOEXEC), m;
	char buf[65536];
	ssize_t r;
	char *argv[] = {(char *)"true", NULL}, *envp[] = {NULL};

	if (in < 0)
		return -errno;
	m = (int)syscall(SYS_memfd_create, "lanner-selftest", 0);
	if (m < 0)
		return -errno;
	while ((r = read(in, buf, sizeof(buf))) > 0)
		if (write(m, buf, (size_t)r) != r)
			return -EIO;
	close(in);
	fexecve(m, argv, envp);
	return -errno;
}

static int do_mount(const char *src, const char *type)
{
	char dir[512];

	if (wpath(dir, sizeof(dir), "mnt") != 0 || unshare(CLONE_NEWNS) != 0 ||
	    mount(NULL, "/", NULL, MS_REC | MS_PRIVATE, NULL) != 0)
		return -errno;
	return mount(src, dir, type, 0, NULL) == 0 ? 0 : -errno;
}

static int do_unix_connect(const char *rel)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM, 0);

	if (s < 0 || wpath(a.sun_path, sizeof(a.sun_path), rel) != 0)
		return -EINVAL;
	return connect(s, (struct sockaddr *)&a, sizeof(a)) == 0 ? 0 : -errno;
}

static int spawn_and_wait(char *const argv[])
{
	pid_t p = fork();
	int st;

	if (p == 0) {
		execv(argv[0], argv);
		_exit(127);
	}
	return p > 0 && waitpid(p, &st, 0) == p ? 0 : -1;
}

/* The actions run by a re-exec'd (renamed) copy of this binary. */
static int child_act(const char *act)
{
	char p[512];

	if (strcmp(act, "spawnsh") == 0) {
		char *argv[] = {(char *)"/bin/sh", (char *)"-c", (char *)"true", NULL};

		return spawn_and_wait(argv);
	}
	if (strcmp(act, "listen") == 0) {
		struct sockaddr_in a = {.sin_family = AF_INET};
		int s = socket(AF_INET, SOCK_STREAM, 0);

		inet_pton(AF_INET, "127.0.0.1", &a.sin_addr);
		if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 1) != 0)
			return -errno;
		close(s);
		return 0;
	}
	if (strcmp(act, "setuid0") == 0)
		return syscall(SYS_setresuid, 0, 0, 0) == 0 ? 0 : -errno;
	if (strcmp(act, "setns") == 0) {
		int fd = open("/proc/self/ns/uts", O_RDONLY | O_CLOEXEC);

		return fd >= 0 && setns(fd, CLONE_NEWUTS) == 0 ? 0 : -errno;
	}
	if (strcmp(act, "unshare") == 0)
		return unshare(CLONE_NEWUTS) == 0 ? 0 : -errno;
	if (strcmp(act, "mountblk") == 0)
		return do_mount("/dev/lanner-selftest", "tmpfs");
	if (strcmp(act, "mountcg") == 0)
		return do_mount("cgroup", "cgroup2");
	if (strcmp(act, "rawdev") == 0) {
		static const char *const devs[] = {"/dev/sda", "/dev/vda", "/dev/nvme0n1",
						   "/dev/xvda", "/dev/mem"};

		for (size_t i = 0; i < sizeof(devs) / sizeof(devs[0]); i++)
			if (touch(devs[i], O_RDONLY) == 0)
				return 0;
		return -ENOENT;
	}
	if (strcmp(act, "dockersock") == 0)
		return do_unix_connect("docker.sock");
	if (strcmp(act, "release") == 0)
		return wpath(p, sizeof(p), "release_agent") ? -EINVAL
							    : touch(p, O_WRONLY | O_CREAT);
	return -ENOSYS;
}

int selftest_child_main(void)
{
	const char *act = getenv("LANNER_SELFTEST_ACT");

	if (!act)
		return -1;
	quiet_stdio();
	_exit(child_act(act) == 0 ? 0 : 1);
}

/* ---------------------------------------------------------------- catalogue */

enum how {
	H_FN,	  /* run fn in the forked child */
	H_SELF,	  /* exec this binary under the name `comm`, running act */
	H_TRUE,	  /* exec /bin/true under the name `comm` with args */
	H_EXEC,	  /* exec argv (args) as is */
	H_UNSAFE, /* no harmless action: reported as skipped */
};

struct action {
	const char *rule;
	enum how how;
	int ctr; /* in a fresh docker-looking cgroup */
	const char *comm;
	const char *args; /* ' '-separated; for H_SELF the act name */
	int (*fn)(void);
};

static int a_shadow(void)
{
	char *argv[] = {(char *)"/bin/cat", (char *)"/etc/shadow", NULL};

	execv(argv[0], argv);
	return -errno;
}

static int a_cat_rel(const char *rel)
{
	char p[512];
	char *argv[] = {(char *)"/bin/cat", p, NULL};

	wpath(p, sizeof(p), rel);
	execv(argv[0], argv);
	return -errno;
}

static int a_sshkey(void)
{
	return a_cat_rel("home/.ssh/id_rsa");
}

static int a_cloud(void)
{
	return a_cat_rel("home/.aws/credentials");
}

static int a_credsearch(void)
{
	char p[512];
	char *argv[] = {(char *)"/bin/grep", (char *)"-r", (char *)"password", p, NULL};

	wpath(p, sizeof(p), "home");
	execv(argv[0], argv);
	return -errno;
}

static int a_traversal(void)
{
	char *argv[] = {(char *)"/bin/cat", (char *)"../../etc/hostname", NULL};

	if (chdir("/tmp") != 0)
		return -errno;
	execv(argv[0], argv);
	return -errno;
}

static int a_write_and_remove(const char *path)
{
	int rc = touch(path, O_WRONLY | O_CREAT | O_TRUNC);

	unlink(path);
	return rc;
}

static int a_writebin(void)
{
	return a_write_and_remove("/usr/local/bin/.lanner-selftest");
}

static int a_writelib(void)
{
	return a_write_and_remove("/usr/local/lib/.lanner-selftest.so");
}

static int a_writeetc(void)
{
	return a_write_and_remove("/etc/.lanner-selftest");
}

static int a_revshell(void)
{
	int s = connect_tcp("127.0.0.1", g_port_lo, 0);

	if (s < 0)
		return s;
	return dup2(s, 0) == 0 ? 0 : -errno;
}

static int a_setuidbit(void)
{
	char p[512];
	int rc;

	wpath(p, sizeof(p), "suid-file");
	if ((rc = touch(p, O_WRONLY | O_CREAT)) != 0)
		return rc;
	rc = chmod(p, 04755) == 0 ? 0 : -errno;
	unlink(p);
	return rc;
}

static int a_setuid0(void)
{
	/* a login session of uid 1000 (audit login uid), then setresuid(0, 0, 0) */
	int fd = open("/proc/self/loginuid", O_WRONLY);

	if (fd < 0 || write(fd, "1000", 4) != 4)
		return -errno;
	close(fd);
	return -ENOEXEC; /* caller re-execs */
}

static int a_sudo_svc(void)
{
	char p[512];
	char *argv[] = {p, (char *)"-n", (char *)"true", NULL};

	wpath(p, sizeof(p), "bin/sudo");
	if (setgid(33) != 0 || setuid(33) != 0)
		return -errno;
	execv(p, argv);
	return -errno;
}

static int a_uffd(void)
{
	if (setuid(65534) != 0)
		return -errno;
	long fd = syscall(SYS_userfaultfd, O_CLOEXEC);

	if (fd >= 0)
		close((int)fd);
	return 0; /* the attempt is what the rule reports */
}

static int a_ptattach(void)
{
	return do_ptrace(0);
}

static int a_ptpoke(void)
{
	return do_ptrace(1);
}

static int a_traceme(void)
{
	return ptrace(PTRACE_TRACEME, 0, NULL, NULL) == 0 ? 0 : -errno;
}

static int a_shm(void)
{
	char dst[128];
	char *argv[] = {dst, NULL};
	int in = open("/bin/true", O_RDONLY), out;
	char buf[65536];
	ssize_t r;

	snprintf(dst, sizeof(dst), "/dev/shm/lanner-selftest-%d", (int)getpid());
	out = open(dst, O_WRONLY | O_CREAT | O_TRUNC, 0755);
	if (in < 0 || out < 0)
		return -errno;
	while ((r = read(in, buf, sizeof(buf))) > 0)
		if (write(out, buf, (size_t)r) != r)
			return -EIO;
	close(in);
	close(out);
	pid_t p = fork();
	int st;

	if (p == 0) {
		execv(dst, argv);
		_exit(127);
	}
	waitpid(p, &st, 0);
	unlink(dst);
	return 0;
}

static int a_logtrunc(void)
{
	return touch("/var/log/lanner-selftest.log", O_WRONLY | O_TRUNC);
}

static int a_logdel(void)
{
	return unlink("/var/log/lanner-selftest.log") == 0 ? 0 : -errno;
}

static int a_histdel(void)
{
	char p[512];

	wpath(p, sizeof(p), "home/.bash_history");
	return unlink(p) == 0 ? 0 : -errno;
}

static int a_histnull(void)
{
	char p[512];

	wpath(p, sizeof(p), "home/.zsh_history");
	unlink(p);
	return symlink("/dev/null", p) == 0 ? 0 : -errno;
}

static int a_symsens(void)
{
	char p[512];

	wpath(p, sizeof(p), "shadow-link");
	unlink(p);
	return symlink("/etc/shadow", p) == 0 ? 0 : -errno;
}

static int a_hardsens(void)
{
	/* same filesystem as /etc/shadow; removed at once */
	int rc = link("/etc/shadow", "/etc/.lanner-selftest-link") == 0 ? 0 : -errno;

	unlink("/etc/.lanner-selftest-link");
	return rc;
}

static int a_metadata(void)
{
	int s = connect_tcp("169.254.169.254", 80, 1);

	return s < 0 ? s : 0;
}

static int a_port(int port)
{
	int s = connect_tcp("127.0.0.2", port, 1);

	return s < 0 ? s : 0;
}

static int a_susport(void)
{
	return a_port(4444);
}

static int a_minerport(void)
{
	return a_port(14444);
}

static int a_memfd(void)
{
	return do_memfd_exec();
}

static int a_bpf(void)
{
	return do_bpf_load();
}

static int a_capset(void)
{
	return do_capset();
}

/* clang-format off */
static const struct action actions[] = {
	{"Lanner Password Or Sudoers File Read", H_FN, 0, NULL, NULL, a_shadow},
	{"Lanner SSH Private Key Read", H_FN, 0, NULL, NULL, a_sshkey},
	{"Lanner Cloud Credentials Read", H_FN, 0, NULL, NULL, a_cloud},
	{"Lanner Credential Search", H_FN, 0, NULL, NULL, a_credsearch},
	{"Lanner Directory Traversal Read", H_FN, 0, NULL, NULL, a_traversal},
	{"Lanner Write Below Binary Directory", H_FN, 0, NULL, NULL, a_writebin},
	{"Lanner Write Below Library Directory", H_FN, 0, NULL, NULL, a_writelib},
	{"Lanner Write Below Etc", H_FN, 0, NULL, NULL, a_writeetc},
	{"Lanner Shell In Container", H_SELF, 1, "node", "spawnsh", NULL},
	{"Lanner Shell Spawned By Network Service", H_SELF, 0, "nginx", "spawnsh", NULL},
	{"Lanner Reverse Shell Redirect", H_FN, 0, NULL, NULL, a_revshell},
	{"Lanner Netcat Remote Execution", H_TRUE, 0, "nc", "-e /bin/true 127.0.0.1 9", NULL},
	{"Lanner Listening Socket By Shell", H_SELF, 0, "ncat", "listen", NULL},
	{"Lanner Package Manager In Container", H_TRUE, 1, "apt-get", "install -y lanner-selftest", NULL},
	{"Lanner Setuid Or Setgid Bit Set", H_FN, 0, NULL, NULL, a_setuidbit},
	{"Lanner Unexpected Setuid To Root", H_SELF, 0, "lanner-st-uid", "setuid0", a_setuid0},
	{"Lanner Capabilities Raised By Non-Root", H_FN, 0, NULL, NULL, a_capset},
	{"Lanner Sudo By Service Account", H_FN, 0, NULL, NULL, a_sudo_svc},
	{"Lanner Userfaultfd By Non-Root", H_FN, 0, NULL, NULL, a_uffd},
	{"Lanner Kernel Module Load", H_UNSAFE, 0, NULL, NULL, NULL},
	{"Lanner eBPF Program Load", H_FN, 0, NULL, NULL, a_bpf},
	{"Lanner Ptrace Attach", H_FN, 0, NULL, NULL, a_ptattach},
	{"Lanner Ptrace Memory Write", H_FN, 0, NULL, NULL, a_ptpoke},
	{"Lanner Ptrace Traceme Anti-Debug", H_FN, 0, NULL, NULL, a_traceme},
	{"Lanner Exec From Memory File", H_FN, 0, NULL, NULL, a_memfd},
	{"Lanner Exec From Shared Memory Or Deleted File", H_FN, 0, NULL, NULL, a_shm},
	{"Lanner Cgroup Release Agent Write", H_SELF, 1, "lanner-st-ctr", "release", NULL},
	{"Lanner Block Device Mounted In Container", H_SELF, 1, "lanner-st-ctr", "mountblk", NULL},
	{"Lanner Cgroup Filesystem Mounted In Container", H_SELF, 1, "lanner-st-ctr", "mountcg", NULL},
	{"Lanner Nsenter Into Host Namespaces", H_TRUE, 0, "nsenter", "-t 1 -u true", NULL},
	{"Lanner Setns In Container", H_SELF, 1, "lanner-st-ctr", "setns", NULL},
	{"Lanner Namespace Created In Container", H_SELF, 1, "lanner-st-ctr", "unshare", NULL},
	{"Lanner Raw Device Opened In Container", H_SELF, 1, "lanner-st-ctr", "rawdev", NULL},
	{"Lanner Container Runtime Socket From Container", H_SELF, 1, "lanner-st-ctr", "dockersock", NULL},
	{"Lanner Log File Truncated", H_FN, 0, NULL, NULL, a_logtrunc},
	{"Lanner Log File Deleted", H_FN, 0, NULL, NULL, a_logdel},
	{"Lanner Shell History Deleted Or Truncated", H_FN, 0, NULL, NULL, a_histdel},
	{"Lanner Shell History Linked To Null", H_FN, 0, NULL, NULL, a_histnull},
	{"Lanner Symlink To Sensitive File", H_FN, 0, NULL, NULL, a_symsens},
	{"Lanner Hardlink To Sensitive File", H_FN, 0, NULL, NULL, a_hardsens},
	{"Lanner Cloud Metadata Endpoint Access", H_FN, 0, NULL, NULL, a_metadata},
	{"Lanner Outbound Connection To Suspicious Port", H_FN, 0, NULL, NULL, a_susport},
	{"Lanner Cryptominer Started", H_TRUE, 0, "xmrig", "--donate-level 1 -o stratum+tcp://127.0.0.1:3333", NULL},
	{"Lanner Outbound Connection To Mining Pool Port", H_FN, 0, NULL, NULL, a_minerport},
};
/* clang-format on */
#define NACTIONS (sizeof(actions) / sizeof(actions[0]))

/* Near misses: as close to the attack as possible, must not alert. */
static int m_cat(const char *path)
{
	char *argv[] = {(char *)"/bin/cat", (char *)path, NULL};

	execv(argv[0], argv);
	return -errno;
}

static int m_hostname(void)
{
	return m_cat("/etc/hostname");
}

static int m_readetc(void)
{
	return touch("/etc/hostname", O_RDONLY);
}

static int m_chmod(void)
{
	char p[512];
	int rc;

	wpath(p, sizeof(p), "plain-file");
	if ((rc = touch(p, O_WRONLY | O_CREAT)) != 0)
		return rc;
	rc = chmod(p, 0755) == 0 ? 0 : -errno;
	unlink(p);
	return rc;
}

static int m_sudo_root(void)
{
	char p[512];
	char *argv[] = {p, (char *)"-n", (char *)"true", NULL};

	wpath(p, sizeof(p), "bin/sudo");
	execv(p, argv);
	return -errno;
}

static int m_trunc_tmp(void)
{
	char p[512];

	wpath(p, sizeof(p), "app.log");
	return touch(p, O_WRONLY | O_CREAT | O_TRUNC);
}

static int m_symlink_plain(void)
{
	char p[512];

	wpath(p, sizeof(p), "hostname-link");
	unlink(p);
	return symlink("/etc/hostname", p) == 0 ? 0 : -errno;
}

static int m_unlink_plain(void)
{
	char p[512];

	wpath(p, sizeof(p), "home/.bashrc");
	touch(p, O_WRONLY | O_CREAT);
	return unlink(p) == 0 ? 0 : -errno;
}

static int m_dup_pipe(void)
{
	int fds[2];

	if (pipe(fds) != 0)
		return -errno;
	return dup2(fds[0], 0) == 0 ? 0 : -errno;
}

/* clang-format off */
static const struct action misses[] = {
	{"Lanner Password Or Sudoers File Read", H_FN, 0, NULL, NULL, m_hostname},
	{"Lanner Write Below Etc", H_FN, 0, NULL, NULL, m_readetc},
	{"Lanner Shell In Container", H_SELF, 0, "node", "spawnsh", NULL},
	{"Lanner Reverse Shell Redirect", H_FN, 0, NULL, NULL, m_dup_pipe},
	{"Lanner Netcat Remote Execution", H_TRUE, 0, "nc", "-zv 127.0.0.1 9", NULL},
	{"Lanner Package Manager In Container", H_TRUE, 0, "apt-get", "install -y lanner-selftest", NULL},
	{"Lanner Setuid Or Setgid Bit Set", H_FN, 0, NULL, NULL, m_chmod},
	{"Lanner Sudo By Service Account", H_FN, 0, NULL, NULL, m_sudo_root},
	{"Lanner Nsenter Into Host Namespaces", H_TRUE, 0, "nsenter", "-t 1234 -u true", NULL},
	{"Lanner Log File Truncated", H_FN, 0, NULL, NULL, m_trunc_tmp},
	{"Lanner Shell History Deleted Or Truncated", H_FN, 0, NULL, NULL, m_unlink_plain},
	{"Lanner Symlink To Sensitive File", H_FN, 0, NULL, NULL, m_symlink_plain},
	{"Lanner Cryptominer Started", H_TRUE, 0, "curl", "-o out.html https://example.org/", NULL},
	{"Lanner Setns In Container", H_SELF, 0, "lanner-st-ctr", "setns", NULL},
	{"Lanner Namespace Created In Container", H_SELF, 0, "lanner-st-ctr", "unshare", NULL},
};
/* clang-format on */
#define NMISSES (sizeof(misses) / sizeof(misses[0]))

/* ---------------------------------------------------------------- parent side */

static uint64_t now_ns(void)
{
	struct timespec t;

	clock_gettime(CLOCK_MONOTONIC, &t);
	return (uint64_t)t.tv_sec * 1000000000ULL + (uint64_t)t.tv_nsec;
}

static int write_file(const char *path, const char *text)
{
	FILE *f = fopen(path, "w");

	if (!f)
		return -errno;
	fputs(text, f);
	return fclose(f) == 0 ? 0 : -errno;
}

/* A fresh docker-looking cgroup (pids hierarchy) with pid in it; returns 0 or -errno. */
static int join_container_cgroup(pid_t pid, char *dir, size_t n)
{
	char procs[600], id[65], pidtxt[24];

	snprintf(id, sizeof(id), "%.48s%016llx", CTR_ID, (unsigned long long)g_ctr_count++);
	if (mkdir(CGROUP_PARENT, 0755) != 0 && errno != EEXIST)
		return -errno;
	snprintf(dir, n, "%s/%s", CGROUP_PARENT, id);
	if (mkdir(dir, 0755) != 0 && errno != EEXIST)
		return -errno;
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", dir);
	snprintf(pidtxt, sizeof(pidtxt), "%d", (int)pid);
	return write_file(procs, pidtxt);
}

static void split_args(char *buf, char **argv, int max, const char *first)
{
	int n = 0;

	argv[n++] = (char *)first;
	for (char *s = strtok(buf, " "); s && n < max - 1; s = strtok(NULL, " "))
		argv[n++] = s;
	argv[n] = NULL;
}

/* Runs one action in a throw-away child; returns the child's pid (reaped) or -errno. */
static pid_t run_action(const struct action *a)
{
	int sync[2];
	pid_t pid;
	char cgdir[512] = "";
	int st;

	if (pipe2(sync, O_CLOEXEC) != 0)
		return -errno;
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		char c, path[512], args[512];
		char *argv[16];

		close(sync[1]);
		/* wait until the parent put us in the container cgroup */
		if (read(sync[0], &c, 1) != 1)
			_exit(3);
		quiet_stdio();
		switch (a->how) {
		case H_FN:
			_exit(a->fn() == 0 ? 0 : 1);
		case H_SELF:
			if (a->fn)
				a->fn(); /* preparation before the re-exec (e.g. login uid) */
			setenv("LANNER_SELFTEST_ACT", a->args, 1);
			snprintf(path, sizeof(path), "%s/bin/%s", g_work, a->comm);
			argv[0] = path;
			argv[1] = NULL;
			execv(path, argv);
			_exit(127);
		case H_TRUE:
			snprintf(path, sizeof(path), "%s/bin/%s", g_work, a->comm);
			snprintf(args, sizeof(args), "%s", a->args);
			split_args(args, argv, 16, path);
			execv(path, argv);
			_exit(127);
		default:
			_exit(2);
		}
	}
	close(sync[0]);
	if (a->ctr && join_container_cgroup(pid, cgdir, sizeof(cgdir)) != 0)
		fprintf(stderr, "selftest: cannot make a container cgroup under %s: %s\n",
			CGROUP_PARENT, strerror(errno));
	if (write(sync[1], "x", 1) != 1)
		kill(pid, SIGKILL);
	close(sync[1]);
	waitpid(pid, &st, 0);
	if (cgdir[0])
		rmdir(cgdir);
	return pid;
}

static json_int_t field_int(const json_t *v)
{
	if (json_is_integer(v))
		return json_integer_value(v);
	return json_is_string(v) ? strtoll(json_string_value(v), NULL, 10) : -1;
}

/* Reads new complete lines of the alerts file; sets *found when rule and pid match. */
static void scan_alerts(FILE *f, const char *rule, pid_t pid, int *found)
{
	char line[65536];

	while (fgets(line, sizeof(line), f)) {
		size_t l = strlen(line);
		json_t *j, *of;
		const char *r;

		if (l == 0 || line[l - 1] != '\n') {
			fseek(f, -(long)l, SEEK_CUR); /* partial line: read again later */
			return;
		}
		j = json_loads(line, 0, NULL);
		if (!j)
			continue;
		r = json_string_value(json_object_get(j, "rule"));
		of = json_object_get(j, "output_fields");
		if (r && strcmp(r, rule) == 0 && of) {
			json_int_t p = field_int(json_object_get(of, "proc.pid"));
			json_int_t pp = field_int(json_object_get(of, "proc.ppid"));

			if (p == pid || pp == pid)
				*found = 1;
		}
		json_decref(j);
	}
	clearerr(f);
}

struct stage {
	const char *name;
	pid_t pid;
};

static int stage_bin(char *out, size_t n, const char *rel, const char *base)
{
	/* build tree: <build>/lanner/lanner and <build>/<rel>; installed: same directory */
	char dir[2048];
	char *slash;

	if (snprintf(dir, sizeof(dir), "%s", g_self) >= (int)sizeof(dir))
		return -ENAMETOOLONG;
	slash = strrchr(dir, '/');
	if (!slash)
		return -ENOENT;
	*slash = '\0';
	if (snprintf(out, n, "%s/../%s", dir, rel) < (int)n && access(out, X_OK) == 0)
		return 0;
	if (snprintf(out, n, "%s/%s", dir, base) >= (int)n)
		return -ENAMETOOLONG;
	return access(out, X_OK) == 0 ? 0 : -ENOENT;
}

static pid_t start_stage(char *const argv[], const char *log)
{
	pid_t p = fork();

	if (p == 0) {
		int fd = open(log, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0644);

		if (fd >= 0) {
			dup2(fd, 1);
			dup2(fd, 2);
		}
		execv(argv[0], argv);
		_exit(127);
	}
	return p;
}

static int prepare_work(void)
{
	static const char *const dirs[] = {"bin", "home", "home/.ssh", "home/.aws",
					   "mnt", "run",  "spool"};
	static const char *const true_links[] = {"nc",	  "apt-get", "nsenter",
						 "xmrig", "sudo",    "curl"};
	static const char *const self_links[] = {"node", "nginx", "ncat", "lanner-st-uid",
						 "lanner-st-ctr"};
	char p[600];

	snprintf(g_work, sizeof(g_work), "/tmp/lanner-selftest-XXXXXX");
	if (!mkdtemp(g_work) || chmod(g_work, 0755) != 0)
		return -errno;
	setenv("LANNER_SELFTEST_WORK", g_work, 1);
	for (size_t i = 0; i < sizeof(dirs) / sizeof(dirs[0]); i++) {
		snprintf(p, sizeof(p), "%s/%s", g_work, dirs[i]);
		if (mkdir(p, 0755) != 0)
			return -errno;
	}
	for (size_t i = 0; i < sizeof(true_links) / sizeof(true_links[0]); i++) {
		snprintf(p, sizeof(p), "%s/bin/%s", g_work, true_links[i]);
		if (symlink("/bin/true", p) != 0)
			return -errno;
	}
	for (size_t i = 0; i < sizeof(self_links) / sizeof(self_links[0]); i++) {
		snprintf(p, sizeof(p), "%s/bin/%s", g_work, self_links[i]);
		if (symlink(g_self, p) != 0)
			return -errno;
	}
	snprintf(p, sizeof(p), "%s/home/.ssh/id_rsa", g_work);
	write_file(p, "not a key\n");
	snprintf(p, sizeof(p), "%s/home/.aws/credentials", g_work);
	write_file(p, "[default]\n");
	return 0;
}

/* Files some actions remove, made again without O_TRUNC (truncation is an action). */
static void reset_fixtures(void)
{
	char p[600];

	snprintf(p, sizeof(p), "%s/home/.bash_history", g_work);
	touch(p, O_WRONLY | O_CREAT);
	touch("/var/log/lanner-selftest.log", O_WRONLY | O_CREAT);
}

static int listener(const char *ip, int port)
{
	struct sockaddr_in a = {.sin_family = AF_INET, .sin_port = htons((uint16_t)port)};
	socklen_t al = sizeof(a);
	int s = socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0), one = 1;

	inet_pton(AF_INET, ip, &a.sin_addr);
	setsockopt(s, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 16) != 0) {
		if (s >= 0)
			close(s);
		return -1;
	}
	getsockname(s, (struct sockaddr *)&a, &al);
	g_port_lo = port ? g_port_lo : ntohs(a.sin_port);
	return s;
}

static int unix_listener(const char *rel)
{
	struct sockaddr_un a = {.sun_family = AF_UNIX};
	int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);

	if (snprintf(a.sun_path, sizeof(a.sun_path), "%s/%s", g_work, rel) >=
	    (int)sizeof(a.sun_path)) {
		if (s >= 0)
			close(s);
		return -1;
	}
	if (s < 0 || bind(s, (struct sockaddr *)&a, sizeof(a)) != 0 || listen(s, 16) != 0)
		return -1;
	return s;
}

static void usage(FILE *o)
{
	fprintf(o, "usage: lanner selftest [-c CONFIG] [-r RULES]... [--alerts FILE] [--timeout S] "
		   "[--list]\n"
		   "  Performs, for each default rule that can be triggered safely, a harmless\n"
		   "  action in a throw-away process (container rules: in a throw-away\n"
		   "  docker-looking cgroup), and reports whether the pipeline alerted and how\n"
		   "  long it took. Starts its own pipeline (the stage binaries next to this\n"
		   "  one) unless --alerts names the JSON file output of a running one.\n"
		   "  Needs root (eBPF collector). Exit: 0 all detected, 1 some missed,\n"
		   "  2 setup error, 77 not root.\n");
}

/* Rules the stages load: -r, else the config's existing rules_files, else the defaults. */
static int pick_rules(struct cli_rules *cr, const char **out, size_t max, size_t *n)
{
	static const char *const defaults[] = {
		LANNER_SOURCE_DIR "/rules",
		"/etc/lanner/rules.d",
		"/usr/share/lanner/rules",
	};

	*n = 0;
	for (size_t i = 0; i < cr->n && *n < max; i++)
		out[(*n)++] = cr->files[i];
	if (*n)
		return 0;
	if (cr->config) {
		struct cfg *cfg = cfg_new();
		const char **files = NULL;
		size_t nf = 0;

		if (!cfg || cfg_load(cfg, cr->config, cr->overrides, cr->noverrides) != 0) {
			cfg_free(cfg);
			fprintf(stderr, "lanner selftest: cannot load %s\n", cr->config);
			return -EINVAL;
		}
		if (cfg_get_strlist(cfg, "rules_files", &files, &nf) == 0)
			for (size_t i = 0; i < nf && *n < max; i++)
				if (access(files[i], R_OK) == 0)
					out[(*n)++] = strdup(files[i]); /* lives until exit */
		free(files);
		cfg_free(cfg);
		if (*n)
			return 0;
	}
	for (size_t i = 0; i < sizeof(defaults) / sizeof(defaults[0]); i++)
		if (access(defaults[i], R_OK) == 0) {
			out[(*n)++] = defaults[i];
			return 0;
		}
	fprintf(stderr, "lanner selftest: no rules found (give -r or -c)\n");
	return -ENOENT;
}

int cmd_selftest(int argc, char **argv)
{
	const char *alerts = NULL, *rules[16];
	size_t nrules = 0;
	struct cli_rules cr = {0}, eff = {0};
	struct rules_loader *loader = NULL;
	struct rules_ruleset *rs = NULL;
	double timeout_s = 10.0;
	struct stage st[4] = {{"emitter", 0}, {"evaluator", 0}, {"enricher", 0}, {"collector", 0}};
	char alerts_path[600], cfg[600], log[600], bin[4][4096], inst[64] = "", ring[80];
	int missed = 0, skipped = 0, detected = 0, rc = 0, quiet = 0, false_alarms = 0;
	int lsock, s4444, s14444, usock;
	FILE *af = NULL;
	ssize_t sl;

	for (int i = 1; i < argc; i++) {
		int c = cli_parse_config_opt(&cr, argc, argv, &i);

		if (c < 0)
			return 2;
		if (c)
			continue;
		if (strcmp(argv[i], "-r") == 0 && i + 1 < argc)
			cli_rules_add(&cr, argv[++i]);
		else if (strcmp(argv[i], "--alerts") == 0 && i + 1 < argc)
			alerts = argv[++i];
		else if (strcmp(argv[i], "--timeout") == 0 && i + 1 < argc)
			timeout_s = atof(argv[++i]);
		else if (strcmp(argv[i], "--list") == 0) {
			for (size_t k = 0; k < NACTIONS; k++)
				printf("%s%s\n", actions[k].rule,
				       actions[k].how == H_UNSAFE ? "  (no safe action)" : "");
			return 0;
		} else {
			int help = strcmp(argv[i], "-h") == 0 || strcmp(argv[i], "--help") == 0;

			usage(help ? stdout : stderr);
			return help ? 0 : 2;
		}
	}
	if (pick_rules(&cr, rules, 16, &nrules) != 0)
		return 2;
	/* which rules are loaded: an action whose rule is not loaded is not run */
	for (size_t i = 0; i < nrules; i++)
		cli_rules_add(&eff, rules[i]);
	rs = cli_load(&eff, &loader);
	if (!rs) {
		fprintf(stderr, "lanner selftest: the rules do not load (see `lanner validate`)\n");
		return 2;
	}
	if (geteuid() != 0) {
		fprintf(stderr, "lanner selftest: needs root (the collector loads eBPF programs; "
				"actions use cgroups and namespaces)\n");
		return 77;
	}
	sl = readlink("/proc/self/exe", g_self, sizeof(g_self) - 1);
	if (sl <= 0)
		return 2;
	g_self[sl] = '\0';
	if (prepare_work() != 0) {
		fprintf(stderr, "lanner selftest: scratch directory: %s\n", strerror(errno));
		return 2;
	}
	lsock = listener("127.0.0.1", 0);
	s4444 = listener("127.0.0.2", 4444);
	s14444 = listener("127.0.0.2", 14444);
	usock = unix_listener("docker.sock");
	if (lsock < 0 || usock < 0) {
		fprintf(stderr, "lanner selftest: cannot open local listeners\n");
		return 2;
	}
	if (!alerts) {
		snprintf(alerts_path, sizeof(alerts_path), "%s/alerts.json", g_work);
		snprintf(cfg, sizeof(cfg), "%s/lanner.yaml", g_work);
		snprintf(log, sizeof(log), "%s/pipeline.log", g_work);
		snprintf(inst, sizeof(inst), "selftest%d", (int)getpid());
		snprintf(ring, sizeof(ring), "%s.raw", inst);
		{
			char text[2048];

			snprintf(text, sizeof(text),
				 "json_output: true\n"
				 "stdout_output:\n  enabled: false\n"
				 "syslog_output:\n  enabled: false\n"
				 "file_output:\n  enabled: true\n  keep_alive: false\n"
				 "  filename: %s\n"
				 "log_level: info\n"
				 "lanner:\n  instance: %s\n  run_dir: %s/run\n  ring_size_mb: 16\n"
				 "emitter:\n  intake: ipc://%s/run/alerts.sock\n"
				 "spool:\n  dir: %s/spool\n",
				 alerts_path, inst, g_work, g_work, g_work);
			write_file(cfg, text);
		}
		if (stage_bin(bin[0], sizeof(bin[0]), "emitter/lanner-emitter", "lanner-emitter") ||
		    stage_bin(bin[1], sizeof(bin[1]), "evaluator/lanner-evaluator",
			      "lanner-evaluator") ||
		    stage_bin(bin[2], sizeof(bin[2]), "enricher/lanner-enricher",
			      "lanner-enricher") ||
		    stage_bin(bin[3], sizeof(bin[3]), "collector/lanner-collector",
			      "lanner-collector")) {
			fprintf(stderr, "lanner selftest: stage binaries not found next to %s\n",
				g_self);
			return 2;
		}
		{
			char *a0[] = {bin[0], (char *)"-c", cfg, NULL};
			char *a1[48] = {bin[1], (char *)"-c", cfg, (char *)"--index", (char *)"0"};
			char *a2[48] = {bin[2], (char *)"-c", cfg, (char *)"--evaluators",
					(char *)"1"};

			for (size_t i = 0; i < nrules; i++) {
				a1[5 + 2 * i] = a2[5 + 2 * i] = (char *)"-r";
				a1[6 + 2 * i] = a2[6 + 2 * i] = (char *)rules[i];
			}
			char *a3[] = {bin[3], (char *)"--ring", ring, NULL};

			st[0].pid = start_stage(a0, log);
			st[1].pid = start_stage(a1, log);
			st[2].pid = start_stage(a2, log);
			sleep(2); /* the enricher creates the raw ring and seeds from /proc */
			st[3].pid = start_stage(a3, log);
		}
		alerts = alerts_path;
		printf("selftest: pipeline started in %s (log: %s)\n", g_work, log);
	}
	/* wait until the file exists and a first action is seen (collector attached) */
	for (int tries = 0; tries < 30 && !af; tries++) {
		af = fopen(alerts, "r");
		if (!af) {
			/* the emitter opens the file at the first alert: provoke one */
			reset_fixtures();
			run_action(&actions[0]);
			sleep(1);
		}
	}
	if (!af) {
		fprintf(stderr,
			"lanner selftest: no alert ever reached %s: pipeline not working "
			"(see %s/pipeline.log)\n",
			alerts, g_work);
		rc = 2;
		goto out;
	}
	/*
	 * Warm-up: the pipeline first works through the backlog of its start (the
	 * /proc seed, a busy machine's events). Repeat the first action until it
	 * is seen within 250 ms (at most 30 s), so the figures below are steady
	 * state.
	 */
	fseek(af, 0, SEEK_END);
	for (uint64_t w0 = now_ns(); now_ns() - w0 < 30000000000ULL;) {
		uint64_t t0 = now_ns();
		int found = 0;
		pid_t pid = run_action(&actions[0]);

		while (pid > 0 && !found && now_ns() - t0 < 5000000000ULL) {
			scan_alerts(af, actions[0].rule, pid, &found);
			if (!found)
				usleep(5000);
		}
		if (found && now_ns() - t0 < 250000000ULL)
			break;
	}
	printf("%-50s %-10s %s\n", "RULE", "RESULT", "ACTION->ALERT");
	for (size_t k = 0; k < NACTIONS; k++) {
		const struct action *a = &actions[k];
		int found = 0;
		uint64_t t0, t1 = 0;
		pid_t pid;

		if (!rules_ruleset_find(rs, a->rule)) {
			printf("%-50s %-10s %s\n", a->rule, "skipped", "(rule not loaded)");
			skipped++;
			continue;
		}
		if (a->how == H_UNSAFE) {
			printf("%-50s %-10s %s\n", a->rule, "skipped", "(no harmless action)");
			skipped++;
			continue;
		}
		reset_fixtures();
		t0 = now_ns();
		pid = run_action(a);
		while (pid > 0 && !found && now_ns() - t0 < (uint64_t)(timeout_s * 1e9)) {
			scan_alerts(af, a->rule, pid, &found);
			if (found)
				t1 = now_ns();
			else
				usleep(5000);
		}
		if (found) {
			printf("%-50s %-10s %.1f ms\n", a->rule, "detected",
			       (double)(t1 - t0) / 1e6);
			detected++;
		} else {
			printf("%-50s %-10s (none within %.1f s)\n", a->rule, "MISSED", timeout_s);
			missed++;
		}
		fflush(stdout);
	}
	/*
	 * Near misses: the rule must stay quiet. Waits well past the steady-state
	 * latency measured above (1 s) for an alert attributed to the child.
	 */
	printf("%-50s %-10s %s\n", "RULE (near miss)", "RESULT", "");
	for (size_t k = 0; k < NMISSES; k++) {
		const struct action *a = &misses[k];
		int found = 0;
		uint64_t t0;
		pid_t pid;

		if (!rules_ruleset_find(rs, a->rule))
			continue;
		reset_fixtures();
		t0 = now_ns();
		pid = run_action(a);
		while (pid > 0 && !found && now_ns() - t0 < 1000000000ULL) {
			scan_alerts(af, a->rule, pid, &found);
			usleep(5000);
		}
		printf("%-50s %-10s\n", a->rule, found ? "FALSE ALARM" : "quiet");
		false_alarms += found;
		quiet += !found;
		fflush(stdout);
	}
	printf("selftest: %d detected, %d missed, %d skipped (no safe action or not loaded); "
	       "near misses: %d quiet, %d false alarms\n",
	       detected, missed, skipped, quiet, false_alarms);
	rc = missed || false_alarms ? 1 : 0;
	if (!detected && !missed) {
		fprintf(stderr, "lanner selftest: none of the default rules is loaded: nothing "
				"checked\n");
		rc = 1;
	}
out:
	rules_ruleset_free(rs);
	rules_loader_free(loader);
	cli_rules_fini(&cr);
	cli_rules_fini(&eff);
	if (af)
		fclose(af);
	for (int i = 3; i >= 0; i--)
		if (st[i].pid > 0) {
			int s;

			kill(st[i].pid, SIGTERM);
			waitpid(st[i].pid, &s, 0);
		}
	close(lsock);
	if (s4444 >= 0)
		close(s4444);
	if (s14444 >= 0)
		close(s14444);
	close(usock);
	unlink("/var/log/lanner-selftest.log");
	if (inst[0]) {
		/* the rings of our private instance (the stages leave them to their owner) */
		static const char *const rings[] = {"raw", "eval.0"};

		for (size_t i = 0; i < sizeof(rings) / sizeof(rings[0]); i++) {
			char shm[160];

			snprintf(shm, sizeof(shm), "/dev/shm/lanner-%s.%s", inst, rings[i]);
			unlink(shm);
		}
	}
	if (rc == 0 && !getenv("LANNER_SELFTEST_KEEP")) {
		char cmd[700];

		snprintf(cmd, sizeof(cmd), "rm -rf '%s'", g_work);
		if (system(cmd) != 0)
			fprintf(stderr, "selftest: could not remove %s\n", g_work);
	} else {
		printf("selftest: scratch directory kept: %s\n", g_work);
	}
	return rc;
}
