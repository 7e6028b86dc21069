/* privs.c: least privilege for the stages `lanner run` starts (pipeline user, groups, capabilities). */
#include "privs.h"

#include <errno.h>
#include <fcntl.h>
#include <ftw.h>
#include <grp.h>
#include <limits.h>
#include <linux/capability.h>
#include <pwd.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/prctl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include "log.h"

#define BIT(c) (1ull << (c))

/* Runtime sockets the enricher knows (enricher/runtime.c), for the default runtime group. */
static const char *const runtime_sockets[] = {"/var/run/docker.sock", "/run/podman/podman.sock"};

/* Never taken over, even when a configuration names them as Lanner's directory. */
static const char *const system_dirs[] = {
	"/",	    "/bin",	 "/boot",    "/dev",	  "/dev/shm", "/etc",	    "/home",
	"/lib",	    "/lib64",	 "/media",   "/mnt",	  "/opt",     "/proc",	    "/root",
	"/run",	    "/sbin",	 "/srv",     "/sys",	  "/tmp",     "/usr",	    "/usr/local",
	"/var",	    "/var/lib",	 "/var/log", "/var/run",  "/var/tmp", "/var/cache", "/var/spool",
	"/usr/lib", "/usr/sbin", "/usr/bin", "/usr/share"};

uint64_t privs_wanted(enum privs_role role)
{
	switch (role) {
	case PRIVS_COLLECTOR:
		return BIT(CAP_BPF) | BIT(CAP_PERFMON) | BIT(CAP_SYS_RESOURCE);
	case PRIVS_ENRICHER:
		return BIT(CAP_SYS_PTRACE) | BIT(CAP_DAC_READ_SEARCH);
	case PRIVS_PLAIN:
		break;
	}
	return 0;
}

void privs_cap_names(uint64_t caps, char *out, size_t n)
{
	static const struct {
		int cap;
		const char *name;
	} names[] = {{CAP_DAC_READ_SEARCH, "CAP_DAC_READ_SEARCH"},
		     {CAP_SYS_PTRACE, "CAP_SYS_PTRACE"},
		     {CAP_SYS_RESOURCE, "CAP_SYS_RESOURCE"},
		     {CAP_PERFMON, "CAP_PERFMON"},
		     {CAP_BPF, "CAP_BPF"}};
	size_t len = 0;

	if (n)
		out[0] = '\0';
	for (int c = 0; c < 64; c++) {
		const char *name = NULL;
		char num[16];

		if (!(caps & BIT(c)))
			continue;
		for (size_t i = 0; i < sizeof(names) / sizeof(names[0]); i++)
			if (names[i].cap == c)
				name = names[i].name;
		if (!name) {
			snprintf(num, sizeof(num), "cap%d", c);
			name = num;
		}
		if (len < n)
			len += (size_t)snprintf(out + len, n - len, "%s%s", len ? "," : "", name);
	}
	if (n && !out[0])
		snprintf(out, n, "none");
}

/* A user or group name we are willing to hand to useradd/groupadd. */
static bool plain_name(const char *s)
{
	size_t n = strlen(s);

	if (n == 0 || n > 32 || !((s[0] >= 'a' && s[0] <= 'z') || s[0] == '_'))
		return false;
	for (size_t i = 0; i < n; i++)
		if (!((s[i] >= 'a' && s[i] <= 'z') || (s[i] >= '0' && s[i] <= '9') || s[i] == '_' ||
		      s[i] == '-'))
			return false;
	return true;
}

/* Runs an administration tool (useradd, groupadd) found in /usr/sbin or /sbin; its exit status. */
static int run_tool(const char *tool, const char *const *args)
{
	char path[64];
	const char *argv[16];
	size_t n = 0;
	int status;
	pid_t pid;

	snprintf(path, sizeof(path), "/usr/sbin/%s", tool);
	if (access(path, X_OK) != 0)
		snprintf(path, sizeof(path), "/sbin/%s", tool);
	if (access(path, X_OK) != 0)
		return -ENOENT;
	argv[n++] = tool;
	while (*args && n < 15)
		argv[n++] = *args++;
	argv[n] = NULL;
	fflush(NULL);
	pid = fork();
	if (pid < 0)
		return -errno;
	if (pid == 0) {
		execv(path, (char *const *)argv);
		_exit(127);
	}
	while (waitpid(pid, &status, 0) < 0)
		if (errno != EINTR)
			return -errno;
	return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

static int create_user(const char *user, const char *group, char *err, size_t errlen)
{
	const char *args[12];
	size_t n = 0;
	int rc;

	if (*group && !getgrnam(group)) {
		const char *gargs[] = {"--system", group, NULL};

		rc = run_tool("groupadd", gargs);
		if (rc != 0) {
			snprintf(err, errlen,
				 "group '%s' (lanner.group) does not exist and groupadd --system "
				 "failed (%s %d); create it or set lanner.group",
				 group, rc < 0 ? "error" : "exit status", rc < 0 ? -rc : rc);
			return -EPERM;
		}
	}
	args[n++] = "--system";
	args[n++] = "--no-create-home";
	args[n++] = "--home-dir";
	args[n++] = "/nonexistent";
	args[n++] = "--shell";
	args[n++] = "/usr/sbin/nologin";
	if (*group) {
		args[n++] = "--gid";
		args[n++] = group;
	} else if (getgrnam(user)) {
		args[n++] = "--gid"; /* a group of that name exists: join it */
		args[n++] = user;
	} else {
		args[n++] = "--user-group";
	}
	args[n++] = user;
	args[n] = NULL;
	rc = run_tool("useradd", args);
	if (rc != 0 || !getpwnam(user)) {
		snprintf(err, errlen,
			 "user '%s' (lanner.user) does not exist and could not be created "
			 "(useradd --system: %s %d); create it (useradd --system %s) or set "
			 "lanner.user to an existing user",
			 user, rc < 0 ? "error" : "exit status", rc < 0 ? -rc : rc, user);
		return -EPERM;
	}
	log_noticef("created the system user '%s' (lanner.user) for the pipeline's stages", user);
	return 0;
}

/* A group by name or number; 0 or -ENOENT. */
static int lookup_group(const char *name, gid_t *gid)
{
	struct group *gr = getgrnam(name);
	char *end;
	unsigned long v;

	if (gr) {
		*gid = gr->gr_gid;
		return 0;
	}
	errno = 0;
	v = strtoul(name, &end, 10);
	if (*name && !*end && !errno && v < UINT_MAX) {
		*gid = (gid_t)v;
		return 0;
	}
	return -ENOENT;
}

static void group_name(gid_t gid, char *out, size_t n)
{
	struct group *gr = getgrgid(gid);

	if (gr)
		snprintf(out, n, "%s", gr->gr_name);
	else
		snprintf(out, n, "%u", (unsigned)gid);
}

static int read_caps(struct privs *p)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	uint64_t permitted;
	FILE *f = fopen("/proc/sys/kernel/cap_last_cap", "r");

	p->last_cap = CAP_LAST_CAP;
	if (f) {
		if (fscanf(f, "%d", &p->last_cap) != 1 || p->last_cap < 0 || p->last_cap > 63)
			p->last_cap = CAP_LAST_CAP;
		fclose(f);
	}
	memset(data, 0, sizeof(data));
	if (syscall(SYS_capget, &hdr, data) < 0)
		return -errno;
	permitted = (uint64_t)data[0].permitted | (uint64_t)data[1].permitted << 32;
	p->can = 0;
	for (int c = 0; c <= p->last_cap; c++)
		if ((permitted & BIT(c)) && prctl(PR_CAPBSET_READ, c, 0, 0, 0) == 1)
			p->can |= BIT(c);
	return 0;
}

int privs_setup(struct privs *p, struct cfg *cfg, char *err, size_t errlen)
{
	const char *user = cfg_get_string(cfg, "lanner.user", "lanner");
	const char *group = cfg_get_string(cfg, "lanner.group", "");
	const char *rt = cfg_get_string(cfg, "lanner.runtime_group", "");
	struct passwd *pw;
	int rc;

	memset(p, 0, sizeof(*p));
	if (geteuid() != 0)
		return 0; /* not root: every stage runs as the caller */
	if (!plain_name(user) && !getpwnam(user)) {
		snprintf(err, errlen,
			 "lanner.user '%s': not an existing user nor a name useradd accepts "
			 "([a-z_][a-z0-9_-]*)",
			 user);
		return -EINVAL;
	}
	if (*group && !plain_name(group) && lookup_group(group, &p->gid) != 0) {
		snprintf(err, errlen, "lanner.group '%s': no such group", group);
		return -EINVAL;
	}
	pw = getpwnam(user);
	if (!pw) {
		rc = create_user(user, group, err, errlen);
		if (rc)
			return rc;
		pw = getpwnam(user);
		if (!pw) {
			snprintf(err, errlen, "user '%s' created but not found", user);
			return -ENOENT;
		}
	}
	if (pw->pw_uid == 0) {
		log_warningf(
			"lanner.user is '%s' (uid 0): every stage runs as root with all of its "
			"capabilities (least privilege off)",
			user);
		return 0;
	}
	p->uid = pw->pw_uid;
	p->gid = pw->pw_gid;
	snprintf(p->user, sizeof(p->user), "%s", user);
	if (*group && lookup_group(group, &p->gid) != 0) {
		snprintf(err, errlen, "lanner.group '%s': no such group", group);
		return -ENOENT;
	}
	group_name(p->gid, p->group, sizeof(p->group));
	if (*rt && strcmp(rt, "none") != 0) {
		if (lookup_group(rt, &p->runtime_gid) != 0) {
			snprintf(err, errlen,
				 "lanner.runtime_group '%s': no such group (the container "
				 "runtime socket's group, e.g. docker; 'none' for none)",
				 rt);
			return -ENOENT;
		}
		p->runtime_group = true;
	} else if (!*rt) {
		for (size_t i = 0; i < sizeof(runtime_sockets) / sizeof(runtime_sockets[0]); i++) {
			struct stat sb;

			/* root's group would give far more than the socket */
			if (stat(runtime_sockets[i], &sb) == 0 && S_ISSOCK(sb.st_mode) &&
			    sb.st_gid != 0) {
				p->runtime_gid = sb.st_gid;
				p->runtime_group = true;
				break;
			}
		}
	}
	if (p->runtime_group)
		group_name(p->runtime_gid, p->runtime_group_name, sizeof(p->runtime_group_name));
	rc = read_caps(p);
	if (rc) {
		snprintf(err, errlen, "cannot read the supervisor's capabilities: %s",
			 strerror(-rc));
		return rc;
	}
	if (!(p->can & BIT(CAP_SETUID)) || !(p->can & BIT(CAP_SETGID)) ||
	    !(p->can & BIT(CAP_SETPCAP))) {
		snprintf(err, errlen,
			 "running as root without CAP_SETUID, CAP_SETGID and CAP_SETPCAP: "
			 "cannot start the stages as '%s' (give the supervisor these "
			 "capabilities, or run it as the pipeline user)",
			 user);
		return -EPERM;
	}
	for (int r = 0; r < 3; r++)
		p->keep[r] = privs_wanted((enum privs_role)r) & p->can;
	p->active = true;
	return 0;
}

void privs_report(const struct privs *p, bool live)
{
	static const char *const role_names[] = {"plain", "collector", "enricher"};
	char names[256];

	if (!p->active)
		return;
	log_infof("stages run as %s:%s (uid %u gid %u); the enricher also in group %s", p->user,
		  p->group, (unsigned)p->uid, (unsigned)p->gid,
		  p->runtime_group ? p->runtime_group_name : "(none: no runtime socket found)");
	for (int r = PRIVS_COLLECTOR; live && r <= PRIVS_ENRICHER; r++) {
		uint64_t missing = privs_wanted((enum privs_role)r) & ~p->can;

		if (!missing)
			continue;
		privs_cap_names(missing, names, sizeof(names));
		log_warningf(
			"%s: %s not in the supervisor's bounding or permitted set; the %s runs "
			"without it%s",
			role_names[r], names, role_names[r],
			missing == BIT(CAP_SYS_RESOURCE)
				? " (kernels >= 5.11 charge BPF memory to the cgroup and do "
				  "not need it)"
				: "");
	}
}

static bool is_system_dir(const char *real)
{
	for (size_t i = 0; i < sizeof(system_dirs) / sizeof(system_dirs[0]); i++)
		if (strcmp(real, system_dirs[i]) == 0)
			return true;
	return false;
}

/* mkdir -p of path's parents (root's, 0755). */
static int make_parents(const char *path)
{
	char buf[PATH_MAX];

	if (snprintf(buf, sizeof(buf), "%s", path) >= (int)sizeof(buf))
		return -ENAMETOOLONG;
	for (char *s = buf + 1; *s; s++) {
		if (*s != '/')
			continue;
		*s = '\0';
		if (mkdir(buf, 0755) < 0 && errno != EEXIST)
			return -errno;
		*s = '/';
	}
	return 0;
}

/* nftw has no context argument; used only from privs_own_dir, before any thread starts. */
static uid_t walk_uid;
static gid_t walk_gid;
static int walk_err;

static int walk_one(const char *path, const struct stat *sb, int type, struct FTW *ftw)
{
	if (type == FTW_SL || type == FTW_SLN)
		return 0; /* a link is not followed, nor given away */
	if ((sb->st_uid != walk_uid || sb->st_gid != walk_gid) &&
	    lchown(path, walk_uid, walk_gid) < 0 && !walk_err)
		walk_err = errno;
	return 0;
}

int privs_own_dir(const struct privs *p, const char *path, mode_t mode, unsigned flags, char *err,
		  size_t errlen)
{
	char real[PATH_MAX];
	struct stat sb;
	bool created = false;
	int rc;

	if (!p->active || !path || !*path)
		return 0;
	if (lstat(path, &sb) < 0) {
		if (errno != ENOENT) {
			rc = -errno;
			snprintf(err, errlen, "%s: %s", path, strerror(errno));
			return rc;
		}
		rc = make_parents(path);
		if (rc == 0 && mkdir(path, mode) < 0 && errno != EEXIST)
			rc = -errno;
		if (rc) {
			snprintf(err, errlen, "cannot create %s: %s", path, strerror(-rc));
			return rc;
		}
		created = true;
	}
	if (!realpath(path, real) || stat(real, &sb) < 0) {
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (!S_ISDIR(sb.st_mode)) {
		snprintf(err, errlen, "%s: not a directory", path);
		return -ENOTDIR;
	}
	if (!created && (flags & PRIVS_DIR_NEW_ONLY))
		return 0;
	if (is_system_dir(real) || (sb.st_mode & (S_ISVTX | S_IWOTH))) {
		/* shared: left as it is; the stages create their files in it */
		log_infof("%s is a system or shared directory: not given to %s", real, p->user);
		return 0;
	}
	if ((sb.st_uid != p->uid || sb.st_gid != p->gid) && chown(real, p->uid, p->gid) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot give %s to %s:%s: %s", real, p->user, p->group,
			 strerror(errno));
		return rc;
	}
	if ((sb.st_mode & 07777) != mode && chmod(real, mode) < 0) {
		rc = -errno;
		snprintf(err, errlen, "chmod %s: %s", real, strerror(errno));
		return rc;
	}
	if (flags & PRIVS_DIR_RECURSIVE) {
		walk_uid = p->uid;
		walk_gid = p->gid;
		walk_err = 0;
		nftw(real, walk_one, 16, FTW_PHYS | FTW_MOUNT);
		if (walk_err) {
			snprintf(err, errlen, "cannot give the files below %s to %s: %s", real,
				 p->user, strerror(walk_err));
			return -walk_err;
		}
	}
	return 0;
}

int privs_own_file(const struct privs *p, const char *path, bool create, char *err, size_t errlen)
{
	struct stat sb;
	int fd, rc = 0;

	if (!p->active || !path || !*path)
		return 0;
	fd = open(path, O_RDONLY | O_NOFOLLOW | O_NONBLOCK | O_CLOEXEC | (create ? O_CREAT : 0),
		  0640);
	if (fd < 0) {
		if (errno == ELOOP || (errno == ENOENT && !create))
			return 0; /* a link (/dev/stdout): left alone; absent: nothing to do */
		rc = -errno;
		snprintf(err, errlen, "%s: %s", path, strerror(errno));
		return rc;
	}
	if (fstat(fd, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_nlink == 1 &&
	    (sb.st_uid != p->uid || sb.st_gid != p->gid) && fchown(fd, p->uid, p->gid) < 0) {
		rc = -errno;
		snprintf(err, errlen, "cannot give %s to %s: %s", path, p->user, strerror(errno));
	}
	close(fd);
	return rc;
}

int privs_check_readable(const struct privs *p, const char *const *paths, size_t n, char *err,
			 size_t errlen)
{
	int pfd[2], status, rc;
	int msg[2] = {-1, 0};
	pid_t pid;

	if (!p->active || n == 0)
		return 0;
	if (pipe2(pfd, O_CLOEXEC) < 0)
		return -errno;
	fflush(NULL);
	pid = fork();
	if (pid < 0) {
		rc = -errno;
		close(pfd[0]);
		close(pfd[1]);
		return rc;
	}
	if (pid == 0) {
		close(pfd[0]);
		rc = privs_apply(p, PRIVS_PLAIN);
		if (rc) {
			msg[1] = -rc;
			(void)!write(pfd[1], msg, sizeof(msg));
			_exit(1);
		}
		for (size_t i = 0; i < n; i++) {
			int fd = open(paths[i], O_RDONLY | O_CLOEXEC | O_NONBLOCK);

			if (fd < 0) {
				msg[0] = (int)i;
				msg[1] = errno;
				(void)!write(pfd[1], msg, sizeof(msg));
				_exit(1);
			}
			close(fd);
		}
		_exit(0);
	}
	close(pfd[1]);
	rc = (int)read(pfd[0], msg, sizeof(msg));
	close(pfd[0]);
	while (waitpid(pid, &status, 0) < 0 && errno == EINTR)
		;
	if (rc == (int)sizeof(msg)) {
		if (msg[0] < 0)
			snprintf(err, errlen, "cannot take the identity %s:%s: %s", p->user,
				 p->group, strerror(msg[1]));
		else
			snprintf(err, errlen,
				 "%s: %s for the pipeline user %s (lanner.user); the stages "
				 "run as that user and read it",
				 paths[msg[0]], strerror(msg[1]), p->user);
		return -msg[1];
	}
	if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
		snprintf(err, errlen, "the readability check failed");
		return -EIO;
	}
	return 0;
}

int privs_apply(const struct privs *p, enum privs_role role)
{
	struct __user_cap_header_struct hdr = {_LINUX_CAPABILITY_VERSION_3, 0};
	struct __user_cap_data_struct data[2];
	uint64_t keep;
	gid_t groups[PRIVS_MAX_GROUPS];
	int ng = 0;

	if (!p->active)
		return 0;
	keep = p->keep[role];
	/* Ambient capabilities from a caller would survive into every stage. */
	if (prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_CLEAR_ALL, 0, 0, 0) < 0 && errno != EINVAL)
		return -errno;
	/* Bounding set first, while CAP_SETPCAP is still effective. */
	for (int c = 0; c <= p->last_cap; c++)
		if (!(keep & BIT(c)) && prctl(PR_CAPBSET_DROP, c, 0, 0, 0) < 0 && errno != EINVAL)
			return -errno;
	groups[ng++] = p->gid;
	if (role == PRIVS_ENRICHER && p->runtime_group && p->runtime_gid != p->gid)
		groups[ng++] = p->runtime_gid;
	if (setgroups((size_t)ng, groups) < 0 || setresgid(p->gid, p->gid, p->gid) < 0)
		return -errno;
	/* Keep the permitted set across the uid change, to pick from it below. */
	if (prctl(PR_SET_KEEPCAPS, 1, 0, 0, 0) < 0 || setresuid(p->uid, p->uid, p->uid) < 0)
		return -errno;
	memset(data, 0, sizeof(data));
	data[0].effective = data[0].permitted = data[0].inheritable = (uint32_t)keep;
	data[1].effective = data[1].permitted = data[1].inheritable = (uint32_t)(keep >> 32);
	if (syscall(SYS_capset, &hdr, data) < 0)
		return -errno;
	/* Ambient: what a non-root exec of a binary without file capabilities keeps. */
	for (int c = 0; c <= p->last_cap; c++)
		if ((keep & BIT(c)) && prctl(PR_CAP_AMBIENT, PR_CAP_AMBIENT_RAISE, c, 0, 0) < 0)
			return -errno;
	if (prctl(PR_SET_KEEPCAPS, 0, 0, 0, 0) < 0 || prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) < 0)
		return -errno;
	return 0;
}
