/* event_table.c: parameters, categories and libscap codes of every Lanner event type. */
#include "event.h"

/*
 * One entry per enum lnr_evt_type. Each syscall event carries the parameters
 * of Falco's newest exit event of that syscall (libs driver/event_table.c,
 * which since the "enter events removal" work appends the enter parameters
 * to the exit event), with the same names, types, order and print formats,
 * so that a Lanner record converts 1:1 to a libscap exit event and back.
 * scap_code_e/x are the PPME_* codes of the newest enter/exit pair
 * (tests/event cross-checks them against the conformance summary).
 * Facts taken from falcosecurity/libs; no code copied.
 */

#define P(n, t, f)                                                                                 \
	{                                                                                          \
		n, LNR_PT_##t, LNR_PF_##f                                                          \
	}
/* nparams is computed from the parameter list so it can never disagree. */
#define EVT(id, nm, cat, fl, nr, ce, cx, ...)                                                      \
	[LNR_EVT_##id] = {.name = nm,                                                              \
			  .category = LNR_EC_##cat,                                                \
			  .flags = (fl),                                                           \
			  .nparams = sizeof((struct lnr_param_info[]){__VA_ARGS__}) /              \
				     sizeof(struct lnr_param_info),                                \
			  .syscall_nr = (nr),                                                      \
			  .scap_code_e = (ce),                                                     \
			  .scap_code_x = (cx),                                                     \
			  .params = {__VA_ARGS__}}
#define EVT0(id, nm, cat, fl, nr, ce, cx)                                                          \
	[LNR_EVT_##id] = {.name = nm,                                                              \
			  .category = LNR_EC_##cat,                                                \
			  .flags = (fl),                                                           \
			  .nparams = 0,                                                            \
			  .syscall_nr = (nr),                                                      \
			  .scap_code_e = (ce),                                                     \
			  .scap_code_x = (cx)}

#define SC LNR_EF_SYSCALL
#define CFD LNR_EF_CREATES_FD
#define DFD LNR_EF_DESTROYS_FD
#define UFD LNR_EF_USES_FD
#define RFD LNR_EF_READS_FROM_FD
#define WFD LNR_EF_WRITES_TO_FD
#define MST LNR_EF_MODIFIES_STATE

/* The parameters shared by clone, clone3, fork and vfork (libs *_20_X / CLONE3_X). */
#define CLONE_PARAMS                                                                               \
	P("res", PID, DEC), P("exe", CHARBUF, NA), P("args", BYTEBUF, NA), P("tid", PID, DEC),     \
		P("pid", PID, DEC), P("ptid", PID, DEC), P("cwd", CHARBUF, NA),                    \
		P("fdlimit", INT64, DEC), P("pgft_maj", UINT64, DEC), P("pgft_min", UINT64, DEC),  \
		P("vm_size", UINT32, DEC), P("vm_rss", UINT32, DEC), P("vm_swap", UINT32, DEC),    \
		P("comm", CHARBUF, NA), P("cgroups", BYTEBUF, NA), P("flags", FLAGS32, HEX),       \
		P("uid", UINT32, DEC), P("gid", UINT32, DEC), P("vtid", PID, DEC),                 \
		P("vpid", PID, DEC), P("pidns_init_start_ts", UINT64, DEC)

/* The parameters shared by execve and execveat (libs EXECVE_19_X / EXECVEAT_X). */
#define EXEC_PARAMS                                                                                \
	P("res", ERRNO, DEC), P("exe", CHARBUF, NA), P("args", BYTEBUF, NA), P("tid", PID, DEC),   \
		P("pid", PID, DEC), P("ptid", PID, DEC), P("cwd", CHARBUF, NA),                    \
		P("fdlimit", UINT64, DEC), P("pgft_maj", UINT64, DEC), P("pgft_min", UINT64, DEC), \
		P("vm_size", UINT32, DEC), P("vm_rss", UINT32, DEC), P("vm_swap", UINT32, DEC),    \
		P("comm", CHARBUF, NA), P("cgroups", BYTEBUF, NA), P("env", BYTEBUF, NA),          \
		P("tty", UINT32, DEC), P("vpgid", PID, DEC), P("loginuid", UID, DEC),              \
		P("flags", FLAGS32, HEX), P("cap_inheritable", UINT64, HEX),                       \
		P("cap_permitted", UINT64, HEX), P("cap_effective", UINT64, HEX),                  \
		P("exe_ino", UINT64, DEC), P("exe_ino_ctime", ABSTIME, DEC),                       \
		P("exe_ino_mtime", ABSTIME, DEC), P("uid", UID, DEC),                              \
		P("trusted_exepath", FSPATH, NA), P("pgid", PID, NA), P("gid", GID, DEC)

static const struct lnr_evt_info lnr_evt_table[LNR_EVT_MAX] = {
	/* Any syscall Lanner has no dedicated event for (libs GENERIC_X). */
	EVT(UNKNOWN, "syscall", OTHER, SC, -1, 0, 1, P("ID", SYSCALLID, DEC),
	    P("nativeID", UINT16, DEC)),
	EVT(OPEN, "open", FILE, SC | CFD | MST, 2, 2, 3, P("fd", FD, DEC), P("name", FSPATH, NA),
	    P("flags", FLAGS32, HEX), P("mode", UINT32, OCT), P("dev", UINT32, HEX),
	    P("ino", UINT64, DEC)),
	EVT(OPENAT, "openat", FILE, SC | CFD | MST, 257, 306, 307, P("fd", FD, DEC),
	    P("dirfd", FD, DEC), P("name", FSRELPATH, NA), P("flags", FLAGS32, HEX),
	    P("mode", UINT32, OCT), P("dev", UINT32, HEX), P("ino", UINT64, DEC)),
	EVT(OPENAT2, "openat2", FILE, SC | CFD | MST, 437, 326, 327, P("fd", FD, DEC),
	    P("dirfd", FD, DEC), P("name", FSRELPATH, NA), P("flags", FLAGS32, HEX),
	    P("mode", UINT32, OCT), P("resolve", FLAGS32, HEX), P("dev", UINT32, HEX),
	    P("ino", UINT64, DEC)),
	EVT(CREAT, "creat", FILE, SC | CFD | MST, 85, 58, 59, P("fd", FD, DEC),
	    P("name", FSPATH, NA), P("mode", UINT32, OCT), P("dev", UINT32, HEX),
	    P("ino", UINT64, DEC), P("creat_flags", FLAGS16, HEX)),
	EVT(CLOSE, "close", IO_OTHER, SC | DFD | UFD | MST, 3, 4, 5, P("res", ERRNO, DEC),
	    P("fd", FD, DEC)),
	EVT(EXECVE, "execve", PROCESS, SC | MST, 59, 292, 293, EXEC_PARAMS,
	    P("filename", FSPATH, NA)),
	EVT(EXECVEAT, "execveat", PROCESS, SC | MST, 322, 330, 331, EXEC_PARAMS),
	EVT(CLONE, "clone", PROCESS, SC | MST, 56, 222, 223, CLONE_PARAMS),
	EVT(CLONE3, "clone3", PROCESS, SC | MST, 435, 334, 335, CLONE_PARAMS),
	EVT(FORK, "fork", PROCESS, SC | MST, 57, 224, 225, CLONE_PARAMS),
	EVT(VFORK, "vfork", PROCESS, SC | MST, 58, 226, 227, CLONE_PARAMS),
	/* sched_process_exit tracepoint: libs has only an enter event (PROCEXIT_1_E). */
	EVT(PROCEXIT, "procexit", PROCESS, MST, -1, 186, 0, P("status", ERRNO, DEC),
	    P("ret", ERRNO, DEC), P("sig", SIGTYPE, DEC), P("core", UINT8, DEC),
	    P("reaper_tid", PID, DEC)),
	EVT(CONNECT, "connect", NET, SC | UFD | MST, 42, 22, 23, P("res", ERRNO, DEC),
	    P("tuple", SOCKTUPLE, NA), P("fd", FD, DEC), P("addr", SOCKADDR, NA)),
	EVT(ACCEPT, "accept", NET, SC | CFD | MST, 43, 246, 247, P("fd", FD, DEC),
	    P("tuple", SOCKTUPLE, NA), P("queuepct", UINT8, DEC), P("queuelen", UINT32, DEC),
	    P("queuemax", UINT32, DEC)),
	EVT(ACCEPT4, "accept4", NET, SC | CFD | MST, 288, 388, 389, P("fd", FD, DEC),
	    P("tuple", SOCKTUPLE, NA), P("queuepct", UINT8, DEC), P("queuelen", UINT32, DEC),
	    P("queuemax", UINT32, DEC), P("flags", INT32, HEX)),
	EVT(LISTEN, "listen", NET, SC | UFD, 50, 24, 25, P("res", ERRNO, DEC), P("fd", FD, DEC),
	    P("backlog", INT32, DEC)),
	EVT(SOCKET, "socket", NET, SC | CFD | MST, 41, 18, 19, P("fd", FD, DEC),
	    P("domain", ENUMFLAGS32, DEC), P("type", UINT32, DEC), P("proto", UINT32, DEC)),
	EVT(BIND, "bind", NET, SC | UFD | MST, 49, 20, 21, P("res", ERRNO, DEC),
	    P("addr", SOCKADDR, NA), P("fd", FD, DEC)),
	EVT(SENDTO, "sendto", IO_WRITE, SC | UFD | WFD | MST, 44, 30, 31, P("res", ERRNO, DEC),
	    P("data", BYTEBUF, NA), P("fd", FD, DEC), P("size", UINT32, DEC),
	    P("tuple", SOCKTUPLE, NA)),
	EVT(SENDMSG, "sendmsg", IO_WRITE, SC | UFD | WFD | MST, 46, 48, 49, P("res", ERRNO, DEC),
	    P("data", BYTEBUF, NA), P("fd", FD, DEC), P("size", UINT32, DEC),
	    P("tuple", SOCKTUPLE, NA)),
	EVT(RECVFROM, "recvfrom", IO_READ, SC | UFD | RFD | MST, 45, 34, 35, P("res", ERRNO, DEC),
	    P("data", BYTEBUF, NA), P("tuple", SOCKTUPLE, NA), P("fd", FD, DEC),
	    P("size", UINT32, DEC)),
	EVT(RECVMSG, "recvmsg", IO_READ, SC | UFD | RFD | MST, 47, 52, 53, P("res", ERRNO, DEC),
	    P("size", UINT32, DEC), P("data", BYTEBUF, NA), P("tuple", SOCKTUPLE, NA),
	    P("msgcontrol", BYTEBUF, NA), P("fd", FD, DEC)),
	EVT(SOCKETPAIR, "socketpair", IPC, SC | CFD | MST, 53, 42, 43, P("res", ERRNO, DEC),
	    P("fd1", FD, DEC), P("fd2", FD, DEC), P("source", UINT64, HEX), P("peer", UINT64, HEX),
	    P("domain", ENUMFLAGS32, DEC), P("type", UINT32, DEC), P("proto", UINT32, DEC)),
	EVT(SHUTDOWN, "shutdown", NET, SC | UFD | MST, 48, 36, 37, P("res", ERRNO, DEC),
	    P("fd", FD, DEC), P("how", ENUMFLAGS8, HEX)),
	EVT(CHMOD, "chmod", FILE, SC, 90, 314, 315, P("res", ERRNO, DEC), P("filename", FSPATH, NA),
	    P("mode", MODE, OCT)),
	EVT(FCHMOD, "fchmod", FILE, SC | UFD, 91, 316, 317, P("res", ERRNO, DEC), P("fd", FD, DEC),
	    P("mode", MODE, OCT)),
	EVT(FCHMODAT, "fchmodat", FILE, SC | UFD, 268, 312, 313, P("res", ERRNO, DEC),
	    P("dirfd", FD, DEC), P("filename", FSRELPATH, NA), P("mode", MODE, OCT)),
	EVT(RENAME, "rename", FILE, SC, 82, 174, 175, P("res", ERRNO, DEC),
	    P("oldpath", FSPATH, NA), P("newpath", FSPATH, NA)),
	EVT(RENAMEAT, "renameat", FILE, SC, 264, 176, 177, P("res", ERRNO, DEC),
	    P("olddirfd", FD, DEC), P("oldpath", FSRELPATH, NA), P("newdirfd", FD, DEC),
	    P("newpath", FSRELPATH, NA)),
	EVT(RENAMEAT2, "renameat2", FILE, SC, 316, 318, 319, P("res", ERRNO, DEC),
	    P("olddirfd", FD, DEC), P("oldpath", FSRELPATH, NA), P("newdirfd", FD, DEC),
	    P("newpath", FSRELPATH, NA), P("flags", FLAGS32, HEX)),
	EVT(UNLINK, "unlink", FILE, SC, 87, 300, 301, P("res", ERRNO, DEC), P("path", FSPATH, NA)),
	EVT(UNLINKAT, "unlinkat", FILE, SC | UFD, 263, 302, 303, P("res", ERRNO, DEC),
	    P("dirfd", FD, DEC), P("name", FSRELPATH, NA), P("flags", FLAGS32, HEX)),
	EVT(RMDIR, "rmdir", FILE, SC, 84, 278, 279, P("res", ERRNO, DEC), P("path", FSPATH, NA)),
	EVT(MKDIR, "mkdir", FILE, SC, 83, 276, 277, P("res", ERRNO, DEC), P("path", FSPATH, NA),
	    P("mode", UINT32, HEX)),
	EVT(MKDIRAT, "mkdirat", FILE, SC | UFD, 258, 304, 305, P("res", ERRNO, DEC),
	    P("dirfd", FD, DEC), P("path", FSRELPATH, NA), P("mode", UINT32, HEX)),
	EVT(LINK, "link", FILE, SC, 86, 308, 309, P("res", ERRNO, DEC), P("oldpath", FSPATH, NA),
	    P("newpath", FSPATH, NA)),
	EVT(LINKAT, "linkat", FILE, SC, 265, 310, 311, P("res", ERRNO, DEC), P("olddir", FD, DEC),
	    P("oldpath", FSRELPATH, NA), P("newdir", FD, DEC), P("newpath", FSRELPATH, NA),
	    P("flags", FLAGS32, HEX)),
	EVT(SYMLINK, "symlink", FILE, SC, 88, 178, 179, P("res", ERRNO, DEC),
	    P("target", CHARBUF, NA), P("linkpath", FSPATH, NA)),
	EVT(SYMLINKAT, "symlinkat", FILE, SC | UFD, 266, 180, 181, P("res", ERRNO, DEC),
	    P("target", CHARBUF, NA), P("linkdirfd", FD, DEC), P("linkpath", FSRELPATH, NA)),
	EVT(DUP, "dup", IO_OTHER, SC | CFD | UFD | MST, 32, 366, 367, P("res", FD, DEC),
	    P("oldfd", FD, DEC)),
	EVT(DUP2, "dup2", IO_OTHER, SC | CFD | UFD | MST, 33, 362, 363, P("res", FD, DEC),
	    P("oldfd", FD, DEC), P("newfd", FD, DEC)),
	EVT(DUP3, "dup3", IO_OTHER, SC | CFD | UFD | MST, 292, 364, 365, P("res", FD, DEC),
	    P("oldfd", FD, DEC), P("newfd", FD, DEC), P("flags", FLAGS32, HEX)),
	EVT(FCNTL, "fcntl", IO_OTHER, SC | UFD | MST, 72, 150, 151, P("res", FD, DEC),
	    P("fd", FD, DEC), P("cmd", ENUMFLAGS8, DEC)),
	EVT(PIPE, "pipe", IPC, SC | CFD | MST, 22, 60, 61, P("res", ERRNO, DEC), P("fd1", FD, DEC),
	    P("fd2", FD, DEC), P("ino", UINT64, DEC)),
	EVT(PIPE2, "pipe2", IPC, SC | CFD | MST, 293, 392, 393, P("res", ERRNO, DEC),
	    P("fd1", FD, DEC), P("fd2", FD, DEC), P("ino", UINT64, DEC), P("flags", FLAGS32, HEX)),
	EVT(EVENTFD, "eventfd", IPC, SC | CFD | MST, 284, 62, 63, P("res", FD, DEC),
	    P("initval", UINT64, DEC), P("flags", UINT32, HEX)),
	EVT(EVENTFD2, "eventfd2", IPC, SC | CFD | MST, 290, 396, 397, P("res", FD, DEC),
	    P("flags", FLAGS16, HEX), P("initval", UINT64, DEC)),
	EVT(MEMFD_CREATE, "memfd_create", MEMORY, SC | CFD | MST, 319, 404, 405, P("fd", FD, DEC),
	    P("name", CHARBUF, NA), P("flags", FLAGS32, HEX)),
	EVT(PTRACE, "ptrace", PROCESS, SC, 101, 168, 169, P("res", ERRNO, DEC), P("addr", DYN, HEX),
	    P("data", DYN, HEX), P("request", ENUMFLAGS16, DEC), P("pid", PID, DEC)),
	EVT(BPF, "bpf", OTHER, SC | CFD, 321, 368, 369, P("fd", FD, DEC),
	    P("cmd", ENUMFLAGS32, DEC)),
	EVT(INIT_MODULE, "init_module", OTHER, SC, 175, 410, 411, P("res", ERRNO, DEC),
	    P("img", BYTEBUF, NA), P("length", UINT64, DEC), P("uargs", CHARBUF, NA)),
	EVT(FINIT_MODULE, "finit_module", OTHER, SC | UFD | RFD, 313, 412, 413,
	    P("res", ERRNO, DEC), P("fd", FD, DEC), P("uargs", CHARBUF, NA),
	    P("flags", FLAGS32, HEX)),
	EVT(SETNS, "setns", PROCESS, SC | UFD, 308, 240, 241, P("res", ERRNO, DEC), P("fd", FD, NA),
	    P("nstype", FLAGS32, HEX)),
	EVT(UNSHARE, "unshare", PROCESS, SC, 272, 284, 285, P("res", ERRNO, DEC),
	    P("flags", FLAGS32, HEX)),
	EVT(SETUID, "setuid", USER, SC | MST, 105, 198, 199, P("res", ERRNO, DEC),
	    P("uid", UID, DEC)),
	EVT(SETGID, "setgid", USER, SC | MST, 106, 200, 201, P("res", ERRNO, DEC),
	    P("gid", GID, DEC)),
	EVT(SETRESUID, "setresuid", USER, SC | MST, 117, 192, 193, P("res", ERRNO, DEC),
	    P("ruid", UID, DEC), P("euid", UID, DEC), P("suid", UID, DEC)),
	EVT(SETRESGID, "setresgid", USER, SC | MST, 119, 194, 195, P("res", ERRNO, DEC),
	    P("rgid", GID, DEC), P("egid", GID, DEC), P("sgid", GID, DEC)),
	EVT(SETREUID, "setreuid", USER, SC | MST, 113, 426, 427, P("res", ERRNO, DEC),
	    P("ruid", UID, DEC), P("euid", UID, DEC)),
	/* libs declares rgid/egid of setregid as PT_UID (same size and rendering as PT_GID). */
	EVT(SETREGID, "setregid", USER, SC | MST, 114, 428, 429, P("res", ERRNO, DEC),
	    P("rgid", UID, DEC), P("egid", UID, DEC)),
	EVT(SETSID, "setsid", PROCESS, SC | MST, 112, 274, 275, P("res", PID, DEC)),
	EVT(SETPGID, "setpgid", PROCESS, SC, 109, 294, 295, P("res", ERRNO, DEC),
	    P("pid", PID, DEC), P("pgid", PID, DEC)),
	EVT(CAPSET, "capset", PROCESS, SC | MST, 126, 352, 353, P("res", ERRNO, DEC),
	    P("cap_inheritable", UINT64, HEX), P("cap_permitted", UINT64, HEX),
	    P("cap_effective", UINT64, HEX)),
	EVT(PRCTL, "prctl", PROCESS, SC | MST, 157, 400, 401, P("res", ERRNO, DEC),
	    P("option", ENUMFLAGS32, DEC), P("arg2_str", CHARBUF, NA), P("arg2_int", INT64, DEC)),
	EVT(USERFAULTFD, "userfaultfd", FILE, SC | CFD | MST, 323, 320, 321, P("res", ERRNO, DEC),
	    P("flags", FLAGS32, HEX)),
	EVT(CHDIR, "chdir", FILE, SC | MST, 80, 94, 95, P("res", ERRNO, DEC),
	    P("path", CHARBUF, NA)),
	EVT(FCHDIR, "fchdir", FILE, SC | UFD | MST, 81, 96, 97, P("res", ERRNO, DEC),
	    P("fd", FD, NA)),
	EVT(CHROOT, "chroot", PROCESS, SC | MST, 161, 266, 267, P("res", ERRNO, DEC),
	    P("path", FSPATH, NA)),
	EVT(MOUNT, "mount", FILE, SC | MST, 165, 256, 257, P("res", ERRNO, DEC),
	    P("dev", CHARBUF, NA), P("dir", FSPATH, NA), P("type", CHARBUF, NA),
	    P("flags", FLAGS32, HEX)),
	EVT(UMOUNT2, "umount2", FILE, SC | MST, 166, 390, 391, P("res", ERRNO, DEC),
	    P("name", FSPATH, NA), P("flags", FLAGS32, HEX)),
	EVT(KILL, "kill", SIGNAL, SC, 62, 128, 129, P("res", ERRNO, DEC), P("pid", PID, DEC),
	    P("sig", SIGTYPE, DEC)),
	EVT(TGKILL, "tgkill", SIGNAL, SC, 234, 132, 133, P("res", ERRNO, DEC), P("pid", PID, DEC),
	    P("tid", PID, DEC), P("sig", SIGTYPE, DEC)),
	EVT(READ, "read", IO_READ, SC | UFD | RFD, 0, 6, 7, P("res", ERRNO, DEC),
	    P("data", BYTEBUF, NA), P("fd", FD, DEC), P("size", UINT32, DEC)),
	EVT(WRITE, "write", IO_WRITE, SC | UFD | WFD, 1, 8, 9, P("res", ERRNO, DEC),
	    P("data", BYTEBUF, NA), P("fd", FD, DEC), P("size", UINT32, DEC)),
	/* Falco names pread64/pwrite64 "pread"/"pwrite". */
	EVT(PREAD, "pread", IO_READ, SC | UFD | RFD, 17, 112, 113, P("res", ERRNO, DEC),
	    P("data", BYTEBUF, NA), P("fd", FD, DEC), P("size", UINT32, DEC),
	    P("pos", UINT64, DEC)),
	EVT(PWRITE, "pwrite", IO_WRITE, SC | UFD | WFD, 18, 114, 115, P("res", ERRNO, DEC),
	    P("data", BYTEBUF, NA), P("fd", FD, DEC), P("size", UINT32, DEC),
	    P("pos", UINT64, DEC)),
	EVT(READV, "readv", IO_READ, SC | UFD | RFD, 19, 116, 117, P("res", ERRNO, DEC),
	    P("size", UINT32, DEC), P("data", BYTEBUF, NA), P("fd", FD, DEC)),
	EVT(WRITEV, "writev", IO_WRITE, SC | UFD | WFD, 20, 118, 119, P("res", ERRNO, DEC),
	    P("data", BYTEBUF, NA), P("fd", FD, DEC), P("size", UINT32, DEC)),
	EVT(SENDFILE, "sendfile", IO_WRITE, SC | UFD, 40, 188, 189, P("res", ERRNO, DEC),
	    P("offset", UINT64, DEC), P("out_fd", FD, DEC), P("in_fd", FD, DEC),
	    P("size", UINT64, DEC)),
	EVT(MMAP, "mmap", MEMORY, SC | UFD, 9, 160, 161, P("res", ERRNO, HEX),
	    P("vm_size", UINT32, DEC), P("vm_rss", UINT32, DEC), P("vm_swap", UINT32, DEC),
	    P("addr", UINT64, HEX), P("length", UINT64, DEC), P("prot", FLAGS32, HEX),
	    P("flags", FLAGS32, HEX), P("fd", FD, DEC), P("offset", UINT64, DEC)),
	EVT(MPROTECT, "mprotect", MEMORY, SC, 10, 328, 329, P("res", ERRNO, DEC),
	    P("addr", UINT64, HEX), P("length", UINT64, DEC), P("prot", FLAGS32, HEX)),
	EVT(IOCTL, "ioctl", IO_OTHER, SC | UFD, 16, 170, 171, P("res", ERRNO, DEC),
	    P("fd", FD, DEC), P("request", UINT64, HEX), P("argument", UINT64, HEX)),
	EVT(FCHOWN, "fchown", FILE, SC | UFD, 93, 382, 383, P("res", ERRNO, DEC), P("fd", FD, DEC),
	    P("uid", UINT32, DEC), P("gid", UINT32, DEC)),
	EVT(FCHOWNAT, "fchownat", FILE, SC | UFD, 260, 384, 385, P("res", ERRNO, DEC),
	    P("dirfd", FD, DEC), P("pathname", FSRELPATH, NA), P("uid", UINT32, DEC),
	    P("gid", UINT32, DEC), P("flags", FLAGS32, HEX)),
	EVT(CHOWN, "chown", FILE, SC, 92, 378, 379, P("res", ERRNO, DEC), P("path", FSPATH, NA),
	    P("uid", UINT32, DEC), P("gid", UINT32, DEC)),
	EVT(LCHOWN, "lchown", FILE, SC, 94, 380, 381, P("res", ERRNO, DEC), P("path", FSPATH, NA),
	    P("uid", UINT32, DEC), P("gid", UINT32, DEC)),
	/* No Falco event: libs reports pivot_root only as a generic "syscall" event. */
	EVT0(PIVOT_ROOT, "pivot_root", FILE, SC | MST, 155, 0, 0),
	EVT(SIGNALFD, "signalfd", SIGNAL, SC | CFD | MST, 282, 126, 127, P("res", FD, DEC),
	    P("fd", FD, DEC), P("mask", UINT32, HEX), P("flags", UINT8, HEX)),
	EVT(SIGNALFD4, "signalfd4", SIGNAL, SC | CFD | MST, 289, 398, 399, P("res", FD, DEC),
	    P("flags", FLAGS16, HEX), P("fd", FD, DEC), P("mask", UINT32, HEX)),
	EVT(TIMERFD_CREATE, "timerfd_create", TIME, SC | CFD | MST, 283, 136, 137,
	    P("res", FD, DEC), P("clockid", UINT8, DEC), P("flags", UINT8, HEX)),
	EVT(INOTIFY_INIT, "inotify_init", IPC, SC | CFD | MST, 253, 138, 139, P("res", FD, DEC),
	    P("flags", UINT8, HEX)),
	EVT(INOTIFY_INIT1, "inotify_init1", IPC, SC | CFD | MST, 294, 394, 395, P("res", FD, DEC),
	    P("flags", FLAGS16, HEX)),
	EVT(EPOLL_CREATE, "epoll_create", WAIT, SC | CFD | MST, 213, 374, 375, P("res", ERRNO, DEC),
	    P("size", INT32, DEC)),
	EVT(EPOLL_CREATE1, "epoll_create1", WAIT, SC | CFD | MST, 291, 376, 377,
	    P("res", ERRNO, DEC), P("flags", FLAGS32, HEX)),
	EVT(IO_URING_SETUP, "io_uring_setup", IO_OTHER, SC | CFD | MST, 425, 338, 339,
	    P("res", ERRNO, DEC), P("entries", UINT32, DEC), P("sq_entries", UINT32, DEC),
	    P("cq_entries", UINT32, DEC), P("flags", FLAGS32, HEX), P("sq_thread_cpu", UINT32, DEC),
	    P("sq_thread_idle", UINT32, DEC), P("features", FLAGS32, HEX)),
	EVT(SECCOMP, "seccomp", OTHER, SC, 317, 298, 299, P("res", ERRNO, DEC),
	    P("op", UINT64, DEC), P("flags", UINT64, HEX)),
	EVT(SETRLIMIT, "setrlimit", PROCESS, SC, 160, 142, 143, P("res", ERRNO, DEC),
	    P("cur", INT64, DEC), P("max", INT64, DEC), P("resource", ENUMFLAGS8, DEC)),
	/* Falco names prlimit64 "prlimit". */
	EVT(PRLIMIT, "prlimit", PROCESS, SC, 302, 144, 145, P("res", ERRNO, DEC),
	    P("newcur", INT64, DEC), P("newmax", INT64, DEC), P("oldcur", INT64, DEC),
	    P("oldmax", INT64, DEC), P("pid", INT64, DEC), P("resource", ENUMFLAGS8, DEC)),
	/* Meta events. */
	EVT(DROP, "drop", INTERNAL, 0, -1, 148, 149, P("ratio", UINT32, DEC)),
	EVT(CONTAINER, "container", PROCESS, MST, -1, 324, 0, P("json", CHARBUF, NA)),
	EVT(ASYNCEVENT, "asyncevent", OTHER, 0, -1, 402, 0, P("plugin_id", UINT32, DEC),
	    P("name", CHARBUF, NA), P("data", BYTEBUF, NA)),
	/*
	 * Lanner's state seeds: a capture's process, fd and user lists (or any
	 * source's initial state) travel through the raw ring as these, so the
	 * enricher needs nothing but the ring. Not Falco events: no scap codes;
	 * flagged LNR_EVF_INTERNAL and never forwarded to rules.
	 */
	EVT(SEED_THREAD, "seed.thread", INTERNAL, MST, -1, 0, 0, P("tid", PID, DEC),
	    P("pid", PID, DEC), P("ptid", PID, DEC), P("sid", PID, DEC), P("vpgid", PID, DEC),
	    P("vtid", PID, DEC), P("vpid", PID, DEC), P("comm", CHARBUF, NA), P("exe", CHARBUF, NA),
	    P("exepath", CHARBUF, NA), P("cwd", CHARBUF, NA), P("root", CHARBUF, NA),
	    P("args", BYTEBUF, NA), P("env", BYTEBUF, NA), P("cgroups", BYTEBUF, NA),
	    P("fdlimit", INT64, DEC), P("flags", FLAGS32, HEX), P("uid", UINT32, DEC),
	    P("gid", UINT32, DEC), P("loginuid", UINT32, DEC), P("cap_inheritable", UINT64, HEX),
	    P("cap_permitted", UINT64, HEX), P("cap_effective", UINT64, HEX),
	    P("clone_ts", ABSTIME, DEC), P("tty", UINT32, DEC)),
	EVT(SEED_FD, "seed.fd", INTERNAL, MST, -1, 0, 0, P("tid", PID, DEC), P("fd", FD, DEC),
	    P("type", UINT8, DEC), P("name", CHARBUF, NA), P("tuple", SOCKTUPLE, NA),
	    P("flags", FLAGS32, HEX), P("dev", UINT32, HEX), P("ino", UINT64, DEC),
	    P("l4proto", UINT8, DEC)),
	EVT(SEED_USER, "seed.user", INTERNAL, 0, -1, 0, 0, P("is_group", UINT8, DEC),
	    P("uid", UINT32, DEC), P("gid", UINT32, DEC), P("name", CHARBUF, NA),
	    P("homedir", CHARBUF, NA), P("shell", CHARBUF, NA)),
};

const struct lnr_evt_info *lnr_evt_info(uint16_t type)
{
	if (type >= LNR_EVT_MAX)
		return NULL;
	return &lnr_evt_table[type];
}
