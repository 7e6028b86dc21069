/* col_table.c: per event type, the parameters the BPF side writes (Falco's names, newest exit order). */
#include <stddef.h>
#include <string.h>
#include <sys/syscall.h>
#include <linux/types.h>

#include "col_table.h"
#include "lanner.h"

/*
 * Parameter lists follow Falco's newest exit events (driver/event_table.c of
 * falcosecurity/libs): the exit parameters, then the enter parameters the
 * exit event gained. The kernel writes parameters in exactly this order;
 * user space loads the LNR_PK_* part into the spec map at start.
 */

#define R LNR_SRC_RET
#define Z LNR_SRC_ZERO
/* An integer parameter from src, converted by xf. */
#define I(n, t, s, x)                                                                              \
	{                                                                                          \
		n, LNR_PT_##t, LNR_PK_INT, s, LNR_XF_##x, 0                                        \
	}
/* An integer parameter with a conversion that reads another argument (aux). */
#define IA(n, t, s, x, a)                                                                          \
	{                                                                                          \
		n, LNR_PT_##t, LNR_PK_INT, s, LNR_XF_##x, a                                        \
	}
/* Any other kind. */
#define K(n, t, k, s, a)                                                                           \
	{                                                                                          \
		n, LNR_PT_##t, LNR_PK_##k, s, 0, a                                                 \
	}
/* Written by a dedicated program (lifecycle events): name and type only. */
#define N(n, t)                                                                                    \
	{                                                                                          \
		n, LNR_PT_##t, 0, 0, 0, 0                                                          \
	}

#define RES I("res", ERRNO, R, NONE)
#define FDRET I("fd", FD, R, NONE)
#define FDA(n, s) I(n, FD, s, NONE)
#define PATHA(n, t, s) K(n, t, USTR, s, 0)

#define EV(id, prog_, enter_, nr0, nr1, ...)                                                       \
	{                                                                                          \
		.type = LNR_EVT_##id, .prog = COL_PROG_##prog_, .enter = enter_, .nr = {nr0, nr1}, \
		.nparams = sizeof((struct col_param[]){__VA_ARGS__}) / sizeof(struct col_param),   \
		.params = {                                                                        \
			__VA_ARGS__                                                                \
		}                                                                                  \
	}

#define PROC_HEAD                                                                                  \
	N("res", ERRNO), N("exe", CHARBUF), N("args", BYTEBUF), N("tid", PID), N("pid", PID),      \
		N("ptid", PID), N("cwd", CHARBUF), N("fdlimit", UINT64), N("pgft_maj", UINT64),    \
		N("pgft_min", UINT64), N("vm_size", UINT32), N("vm_rss", UINT32),                  \
		N("vm_swap", UINT32), N("comm", CHARBUF)
#define CLONE_HEAD                                                                                 \
	N("res", PID), N("exe", CHARBUF), N("args", BYTEBUF), N("tid", PID), N("pid", PID),        \
		N("ptid", PID), N("cwd", CHARBUF), N("fdlimit", INT64), N("pgft_maj", UINT64),     \
		N("pgft_min", UINT64), N("vm_size", UINT32), N("vm_rss", UINT32),                  \
		N("vm_swap", UINT32), N("comm", CHARBUF)
#define EXEC_TAIL                                                                                  \
	N("cgroups", BYTEBUF), N("env", BYTEBUF), N("tty", UINT32), N("vpgid", PID),               \
		N("loginuid", UID), N("flags", FLAGS32), N("cap_inheritable", UINT64),             \
		N("cap_permitted", UINT64), N("cap_effective", UINT64), N("exe_ino", UINT64),      \
		N("exe_ino_ctime", ABSTIME), N("exe_ino_mtime", ABSTIME), N("uid", UID),           \
		N("trusted_exepath", FSPATH), N("pgid", PID), N("gid", GID)
#define CLONE_TAIL                                                                                 \
	N("cgroups", BYTEBUF), N("flags", FLAGS32), N("uid", UINT32), N("gid", UINT32),            \
		N("vtid", PID), N("vpid", PID), N("pidns_init_start_ts", UINT64)

static const struct col_evt col_events[] = {
	EV(OPEN, GENERIC, LNR_ENTER_PATH_ARG0, SYS_open, -1, FDRET,
	   K("name", FSPATH, STASH_STR, 0, 0), I("flags", FLAGS32, 1, OPEN_FLAGS),
	   IA("mode", UINT32, 2, OPEN_MODE, 1), K("dev", UINT32, FD_DEV, R, 0),
	   K("ino", UINT64, FD_INO, R, 0)),
	EV(OPENAT, GENERIC, LNR_ENTER_PATH_ARG1, SYS_openat, -1, FDRET, FDA("dirfd", 0),
	   K("name", FSRELPATH, STASH_STR, 1, 0), I("flags", FLAGS32, 2, OPEN_FLAGS),
	   IA("mode", UINT32, 3, OPEN_MODE, 2), K("dev", UINT32, FD_DEV, R, 0),
	   K("ino", UINT64, FD_INO, R, 0)),
	EV(OPENAT2, GENERIC, LNR_ENTER_PATH_ARG1, SYS_openat2, -1, FDRET, FDA("dirfd", 0),
	   K("name", FSRELPATH, STASH_STR, 1, 0), K("flags", FLAGS32, OPENHOW, 2, 0),
	   K("mode", UINT32, OPENHOW, 2, 1), K("resolve", FLAGS32, OPENHOW, 2, 2),
	   K("dev", UINT32, FD_DEV, R, 0), K("ino", UINT64, FD_INO, R, 0)),
	EV(CREAT, GENERIC, LNR_ENTER_PATH_ARG0, SYS_creat, -1, FDRET,
	   K("name", FSPATH, STASH_STR, 0, 0), I("mode", UINT32, 1, MODE),
	   K("dev", UINT32, FD_DEV, R, 0), K("ino", UINT64, FD_INO, R, 0),
	   K("creat_flags", FLAGS16, CREAT_FLAGS, R, 0)),
	EV(CLOSE, GENERIC, 0, SYS_close, -1, RES, FDA("fd", 0)),
	EV(EXECVE, EXECVE, 0, SYS_execve, -1, PROC_HEAD, EXEC_TAIL, N("filename", FSPATH)),
	EV(EXECVEAT, EXECVE, 0, SYS_execveat, -1, PROC_HEAD, EXEC_TAIL),
	EV(CLONE, CLONE, 0, SYS_clone, -1, CLONE_HEAD, CLONE_TAIL),
	EV(CLONE3, CLONE, 0, SYS_clone3, -1, CLONE_HEAD, CLONE_TAIL),
	EV(FORK, CLONE, 0, SYS_fork, -1, CLONE_HEAD, CLONE_TAIL),
	EV(VFORK, CLONE, 0, SYS_vfork, -1, CLONE_HEAD, CLONE_TAIL),
	EV(PROCEXIT, NONE, 0, -1, -1, N("status", ERRNO), N("ret", ERRNO), N("sig", SIGTYPE),
	   N("core", UINT8), N("reaper_tid", PID)),
	EV(CONNECT, GENERIC, LNR_ENTER_SOCKADDR_ARG1, SYS_connect, -1, RES,
	   K("tuple", SOCKTUPLE, TUPLE, 0, LNR_TUPLE_OUT | LNR_TUPLE_STASH), FDA("fd", 0),
	   K("addr", SOCKADDR, STASH_SOCKADDR, 1, 2)),
	EV(ACCEPT, GENERIC, 0, SYS_accept, -1, FDRET,
	   K("tuple", SOCKTUPLE, TUPLE, 0, LNR_TUPLE_IN | LNR_TUPLE_RET_FD),
	   K("queuepct", UINT8, QUEUE, 0, 0), K("queuelen", UINT32, QUEUE, 0, 1),
	   K("queuemax", UINT32, QUEUE, 0, 2)),
	EV(ACCEPT4, GENERIC, 0, SYS_accept4, -1, FDRET,
	   K("tuple", SOCKTUPLE, TUPLE, 0, LNR_TUPLE_IN | LNR_TUPLE_RET_FD),
	   K("queuepct", UINT8, QUEUE, 0, 0), K("queuelen", UINT32, QUEUE, 0, 1),
	   K("queuemax", UINT32, QUEUE, 0, 2), I("flags", INT32, 3, NONE)),
	EV(LISTEN, GENERIC, 0, SYS_listen, -1, RES, FDA("fd", 0), I("backlog", INT32, 1, NONE)),
	EV(SOCKET, GENERIC, 0, SYS_socket, -1, FDRET, I("domain", ENUMFLAGS32, 0, NONE),
	   I("type", UINT32, 1, NONE), I("proto", UINT32, 2, NONE)),
	EV(BIND, GENERIC, 0, SYS_bind, -1, RES, K("addr", SOCKADDR, SOCKADDR, 1, 2), FDA("fd", 0)),
	EV(SENDTO, GENERIC, 0, SYS_sendto, -1, RES, K("data", BYTEBUF, UBUF, 1, R), FDA("fd", 0),
	   I("size", UINT32, 2, NONE),
	   K("tuple", SOCKTUPLE, TUPLE, 0, LNR_TUPLE_OUT | LNR_TUPLE_ARG1_ADDR)),
	EV(SENDMSG, GENERIC, 0, SYS_sendmsg, -1, RES, K("data", BYTEBUF, MSG_DATA, 1, 0),
	   FDA("fd", 0), K("size", UINT32, MSG_SIZE, 1, 0),
	   K("tuple", SOCKTUPLE, TUPLE, 0, LNR_TUPLE_OUT | LNR_TUPLE_MSGNAME)),
	EV(RECVFROM, GENERIC, 0, SYS_recvfrom, -1, RES, K("data", BYTEBUF, UBUF, 1, R),
	   K("tuple", SOCKTUPLE, TUPLE, 0, LNR_TUPLE_IN), FDA("fd", 0), I("size", UINT32, 2, NONE)),
	EV(RECVMSG, GENERIC, 0, SYS_recvmsg, -1, RES, K("size", UINT32, MSG_SIZE, 1, 0),
	   K("data", BYTEBUF, MSG_DATA, 1, 0), K("tuple", SOCKTUPLE, TUPLE, 0, LNR_TUPLE_IN),
	   K("msgcontrol", BYTEBUF, ABSENT, 0, 0), FDA("fd", 0)),
	EV(SOCKETPAIR, GENERIC, 0, SYS_socketpair, -1, RES, K("fd1", FD, UINT_ARR, 3, 0),
	   K("fd2", FD, UINT_ARR, 3, 1), K("source", UINT64, UINT_ARR_SOCK, 3, 0),
	   K("peer", UINT64, UINT_ARR_SOCK, 3, 1), I("domain", ENUMFLAGS32, 0, NONE),
	   I("type", UINT32, 1, NONE), I("proto", UINT32, 2, NONE)),
	EV(SHUTDOWN, GENERIC, 0, SYS_shutdown, -1, RES, FDA("fd", 0),
	   I("how", ENUMFLAGS8, 1, NONE)),
	EV(CHMOD, GENERIC, 0, SYS_chmod, -1, RES, PATHA("filename", FSPATH, 0),
	   I("mode", MODE, 1, MODE)),
	EV(FCHMOD, GENERIC, 0, SYS_fchmod, -1, RES, FDA("fd", 0), I("mode", MODE, 1, MODE)),
	EV(FCHMODAT, GENERIC, 0, SYS_fchmodat, 452 /* fchmodat2 */, RES, FDA("dirfd", 0),
	   PATHA("filename", FSRELPATH, 1), I("mode", MODE, 2, MODE)),
	EV(RENAME, GENERIC, 0, SYS_rename, -1, RES, PATHA("oldpath", FSPATH, 0),
	   PATHA("newpath", FSPATH, 1)),
	EV(RENAMEAT, GENERIC, 0, SYS_renameat, -1, RES, FDA("olddirfd", 0),
	   PATHA("oldpath", FSRELPATH, 1), FDA("newdirfd", 2), PATHA("newpath", FSRELPATH, 3)),
	EV(RENAMEAT2, GENERIC, 0, SYS_renameat2, -1, RES, FDA("olddirfd", 0),
	   PATHA("oldpath", FSRELPATH, 1), FDA("newdirfd", 2), PATHA("newpath", FSRELPATH, 3),
	   I("flags", FLAGS32, 4, NONE)),
	EV(UNLINK, GENERIC, 0, SYS_unlink, -1, RES, PATHA("path", FSPATH, 0)),
	EV(UNLINKAT, GENERIC, 0, SYS_unlinkat, -1, RES, FDA("dirfd", 0),
	   PATHA("name", FSRELPATH, 1), I("flags", FLAGS32, 2, NONE)),
	EV(RMDIR, GENERIC, 0, SYS_rmdir, -1, RES, PATHA("path", FSPATH, 0)),
	EV(MKDIR, GENERIC, 0, SYS_mkdir, -1, RES, PATHA("path", FSPATH, 0),
	   I("mode", UINT32, 1, NONE)),
	EV(MKDIRAT, GENERIC, 0, SYS_mkdirat, -1, RES, FDA("dirfd", 0), PATHA("path", FSRELPATH, 1),
	   I("mode", UINT32, 2, NONE)),
	EV(LINK, GENERIC, 0, SYS_link, -1, RES, PATHA("oldpath", FSPATH, 0),
	   PATHA("newpath", FSPATH, 1)),
	EV(LINKAT, GENERIC, 0, SYS_linkat, -1, RES, FDA("olddir", 0),
	   PATHA("oldpath", FSRELPATH, 1), FDA("newdir", 2), PATHA("newpath", FSRELPATH, 3),
	   I("flags", FLAGS32, 4, NONE)),
	EV(SYMLINK, GENERIC, 0, SYS_symlink, -1, RES, PATHA("target", CHARBUF, 0),
	   PATHA("linkpath", FSPATH, 1)),
	EV(SYMLINKAT, GENERIC, 0, SYS_symlinkat, -1, RES, PATHA("target", CHARBUF, 0),
	   FDA("linkdirfd", 1), PATHA("linkpath", FSRELPATH, 2)),
	EV(DUP, GENERIC, 0, SYS_dup, -1, I("res", FD, R, NONE), FDA("oldfd", 0)),
	EV(DUP2, GENERIC, 0, SYS_dup2, -1, I("res", FD, R, NONE), FDA("oldfd", 0), FDA("newfd", 1)),
	EV(DUP3, GENERIC, 0, SYS_dup3, -1, I("res", FD, R, NONE), FDA("oldfd", 0), FDA("newfd", 1),
	   I("flags", FLAGS32, 2, FD_FLAGS)),
	EV(FCNTL, GENERIC, 0, SYS_fcntl, -1, I("res", FD, R, NONE), FDA("fd", 0),
	   I("cmd", ENUMFLAGS8, 1, FCNTL_CMD)),
	EV(PIPE, GENERIC, 0, SYS_pipe, -1, RES, K("fd1", FD, UINT_ARR, 0, 0),
	   K("fd2", FD, UINT_ARR, 0, 1), K("ino", UINT64, UINT_ARR_INO, 0, 0)),
	EV(PIPE2, GENERIC, 0, SYS_pipe2, -1, RES, K("fd1", FD, UINT_ARR, 0, 0),
	   K("fd2", FD, UINT_ARR, 0, 1), K("ino", UINT64, UINT_ARR_INO, 0, 0),
	   I("flags", FLAGS32, 1, FD_FLAGS)),
	EV(EVENTFD, GENERIC, 0, SYS_eventfd, -1, I("res", FD, R, NONE),
	   I("initval", UINT64, 0, NONE), I("flags", UINT32, Z, NONE)),
	EV(EVENTFD2, GENERIC, 0, SYS_eventfd2, -1, I("res", FD, R, NONE),
	   I("flags", FLAGS16, 1, FD_FLAGS), I("initval", UINT64, 0, NONE)),
	EV(MEMFD_CREATE, GENERIC, 0, SYS_memfd_create, -1, FDRET, PATHA("name", CHARBUF, 0),
	   I("flags", FLAGS32, 1, NONE)),
	EV(PTRACE, GENERIC, 0, SYS_ptrace, -1, RES, K("addr", DYN, DYN_U64, 2, 0),
	   K("data", DYN, DYN_U64, 3, 0), I("request", ENUMFLAGS16, 0, PTRACE_REQ),
	   I("pid", PID, 1, NONE)),
	EV(BPF, GENERIC, 0, SYS_bpf, -1, FDRET, I("cmd", ENUMFLAGS32, 0, NONE)),
	EV(INIT_MODULE, GENERIC, 0, SYS_init_module, -1, RES, K("img", BYTEBUF, UBUF, 0, 1),
	   I("length", UINT64, 1, NONE), PATHA("uargs", CHARBUF, 2)),
	EV(FINIT_MODULE, GENERIC, 0, SYS_finit_module, -1, RES, FDA("fd", 0),
	   PATHA("uargs", CHARBUF, 1), I("flags", FLAGS32, 2, NONE)),
	EV(SETNS, GENERIC, 0, SYS_setns, -1, RES, FDA("fd", 0),
	   I("nstype", FLAGS32, 1, CLONE_FLAGS)),
	EV(UNSHARE, GENERIC, 0, SYS_unshare, -1, RES, I("flags", FLAGS32, 0, CLONE_FLAGS)),
	EV(SETUID, GENERIC, 0, SYS_setuid, -1, RES, I("uid", UID, 0, NONE)),
	EV(SETGID, GENERIC, 0, SYS_setgid, -1, RES, I("gid", GID, 0, NONE)),
	EV(SETRESUID, GENERIC, 0, SYS_setresuid, -1, RES, I("ruid", UID, 0, NONE),
	   I("euid", UID, 1, NONE), I("suid", UID, 2, NONE)),
	EV(SETRESGID, GENERIC, 0, SYS_setresgid, -1, RES, I("rgid", GID, 0, NONE),
	   I("egid", GID, 1, NONE), I("sgid", GID, 2, NONE)),
	EV(SETREUID, GENERIC, 0, SYS_setreuid, -1, RES, I("ruid", UID, 0, NONE),
	   I("euid", UID, 1, NONE)),
	EV(SETREGID, GENERIC, 0, SYS_setregid, -1, RES, I("rgid", UID, 0, NONE),
	   I("egid", UID, 1, NONE)), /* UID, as Falco's table has it */
	EV(SETSID, GENERIC, 0, SYS_setsid, -1, I("res", PID, R, NONE)),
	EV(SETPGID, GENERIC, 0, SYS_setpgid, -1, RES, I("pid", PID, 0, NONE),
	   I("pgid", PID, 1, NONE)),
	EV(CAPSET, GENERIC, 0, SYS_capset, -1, RES, K("cap_inheritable", UINT64, CAP, 0, 0),
	   K("cap_permitted", UINT64, CAP, 0, 1), K("cap_effective", UINT64, CAP, 0, 2)),
	EV(PRCTL, GENERIC, 0, SYS_prctl, -1, RES, I("option", ENUMFLAGS32, 0, NONE),
	   K("arg2_str", CHARBUF, PRCTL_STR, 1, 0), K("arg2_int", INT64, PRCTL_INT, 1, 0)),
	/* userfaultfd flags: the raw argument, unknown bits kept (Falco's drivers do not convert) */
	EV(USERFAULTFD, GENERIC, 0, SYS_userfaultfd, -1, RES, I("flags", FLAGS32, 0, NONE)),
	EV(CHDIR, GENERIC, 0, SYS_chdir, -1, RES, PATHA("path", CHARBUF, 0)),
	EV(FCHDIR, GENERIC, 0, SYS_fchdir, -1, RES, FDA("fd", 0)),
	EV(CHROOT, GENERIC, 0, SYS_chroot, -1, RES, PATHA("path", FSPATH, 0)),
	EV(MOUNT, GENERIC, 0, SYS_mount, -1, RES, PATHA("dev", CHARBUF, 0), PATHA("dir", FSPATH, 1),
	   PATHA("type", CHARBUF, 2), I("flags", FLAGS32, 3, MOUNT_FLAGS)),
	EV(UMOUNT2, GENERIC, 0, SYS_umount2, -1, RES, PATHA("name", FSPATH, 0),
	   I("flags", FLAGS32, 1, NONE)),
	EV(KILL, GENERIC, 0, SYS_kill, -1, RES, I("pid", PID, 0, NONE), I("sig", SIGTYPE, 1, NONE)),
	EV(TGKILL, GENERIC, 0, SYS_tgkill, -1, RES, I("pid", PID, 0, NONE), I("tid", PID, 1, NONE),
	   I("sig", SIGTYPE, 2, NONE)),
};

static const char *const col_names[] = {
#define COL_NAME(id, name) [LNR_EVT_##id] = name,
	LNR_EVT_LIST(COL_NAME)
#undef COL_NAME
};

const struct col_evt *col_tab_get(uint16_t type)
{
	for (size_t i = 0; i < sizeof(col_events) / sizeof(col_events[0]); i++)
		if (col_events[i].type == type)
			return &col_events[i];
	return NULL;
}

const struct col_evt *col_tab_by_nr(int nr)
{
	for (size_t i = 0; i < sizeof(col_events) / sizeof(col_events[0]); i++)
		for (int k = 0; k < COL_MAX_SYSCALLS; k++)
			if (col_events[i].nr[k] == nr && nr >= 0)
				return &col_events[i];
	return NULL;
}

const char *col_tab_name(uint16_t type)
{
	if (type >= LNR_EVT_MAX)
		return NULL;
	return col_names[type];
}

int col_tab_type_by_name(const char *name)
{
	for (unsigned t = 0; t < LNR_EVT_MAX; t++)
		if (col_names[t] && strcmp(col_names[t], name) == 0)
			return (int)t;
	return -1;
}

unsigned col_ptype_size(enum lnr_ptype t)
{
	switch (t) {
	case LNR_PT_INT8:
	case LNR_PT_UINT8:
	case LNR_PT_FLAGS8:
	case LNR_PT_ENUMFLAGS8:
	case LNR_PT_SIGTYPE:
	case LNR_PT_L4PROTO:
	case LNR_PT_SOCKFAMILY:
		return 1;
	case LNR_PT_INT16:
	case LNR_PT_UINT16:
	case LNR_PT_FLAGS16:
	case LNR_PT_ENUMFLAGS16:
	case LNR_PT_SYSCALLID:
	case LNR_PT_PORT:
		return 2;
	case LNR_PT_INT32:
	case LNR_PT_UINT32:
	case LNR_PT_FLAGS32:
	case LNR_PT_ENUMFLAGS32:
	case LNR_PT_UID:
	case LNR_PT_GID:
	case LNR_PT_MODE:
	case LNR_PT_BOOL:
	case LNR_PT_IPV4ADDR:
		return 4;
	case LNR_PT_INT64:
	case LNR_PT_UINT64:
	case LNR_PT_ERRNO:
	case LNR_PT_FD:
	case LNR_PT_PID:
	case LNR_PT_RELTIME:
	case LNR_PT_ABSTIME:
	case LNR_PT_DOUBLE:
		return 8;
	default:
		return 0;
	}
}

void col_tab_foreach(void (*fn)(const struct col_evt *e, void *arg), void *arg)
{
	for (size_t i = 0; i < sizeof(col_events) / sizeof(col_events[0]); i++)
		fn(&col_events[i], arg);
}
