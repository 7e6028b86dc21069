/* event_types.h: Lanner's event type numbering, defined once as an X-macro list. */
#ifndef LANNER_EVENT_TYPES_H
#define LANNER_EVENT_TYPES_H

/*
 * X(ID, "falco_name"): one entry per event type, in a fixed order (the enum
 * value is the position; append only, never reorder: the numbers cross the
 * rings and are in Lanner's own captures). Names are Falco's evt.type names.
 * Parameters of each type are in event_table.c.
 */
#define LNR_EVT_LIST(X)                                                                            \
	X(UNKNOWN, "syscall")                                                                      \
	X(OPEN, "open")                                                                            \
	X(OPENAT, "openat")                                                                        \
	X(OPENAT2, "openat2")                                                                      \
	X(CREAT, "creat")                                                                          \
	X(CLOSE, "close")                                                                          \
	X(EXECVE, "execve")                                                                        \
	X(EXECVEAT, "execveat")                                                                    \
	X(CLONE, "clone")                                                                          \
	X(CLONE3, "clone3")                                                                        \
	X(FORK, "fork")                                                                            \
	X(VFORK, "vfork")                                                                          \
	X(PROCEXIT, "procexit")                                                                    \
	X(CONNECT, "connect")                                                                      \
	X(ACCEPT, "accept")                                                                        \
	X(ACCEPT4, "accept4")                                                                      \
	X(LISTEN, "listen")                                                                        \
	X(SOCKET, "socket")                                                                        \
	X(BIND, "bind")                                                                            \
	X(SENDTO, "sendto")                                                                        \
	X(SENDMSG, "sendmsg")                                                                      \
	X(RECVFROM, "recvfrom")                                                                    \
	X(RECVMSG, "recvmsg")                                                                      \
	X(SOCKETPAIR, "socketpair")                                                                \
	X(SHUTDOWN, "shutdown")                                                                    \
	X(CHMOD, "chmod")                                                                          \
	X(FCHMOD, "fchmod")                                                                        \
	X(FCHMODAT, "fchmodat")                                                                    \
	X(RENAME, "rename")                                                                        \
	X(RENAMEAT, "renameat")                                                                    \
	X(RENAMEAT2, "renameat2")                                                                  \
	X(UNLINK, "unlink")                                                                        \
	X(UNLINKAT, "unlinkat")                                                                    \
	X(RMDIR, "rmdir")                                                                          \
	X(MKDIR, "mkdir")                                                                          \
	X(MKDIRAT, "mkdirat")                                                                      \
	X(LINK, "link")                                                                            \
	X(LINKAT, "linkat")                                                                        \
	X(SYMLINK, "symlink")                                                                      \
	X(SYMLINKAT, "symlinkat")                                                                  \
	X(DUP, "dup")                                                                              \
	X(DUP2, "dup2")                                                                            \
	X(DUP3, "dup3")                                                                            \
	X(FCNTL, "fcntl")                                                                          \
	X(PIPE, "pipe")                                                                            \
	X(PIPE2, "pipe2")                                                                          \
	X(EVENTFD, "eventfd")                                                                      \
	X(EVENTFD2, "eventfd2")                                                                    \
	X(MEMFD_CREATE, "memfd_create")                                                            \
	X(PTRACE, "ptrace")                                                                        \
	X(BPF, "bpf")                                                                              \
	X(INIT_MODULE, "init_module")                                                              \
	X(FINIT_MODULE, "finit_module")                                                            \
	X(SETNS, "setns")                                                                          \
	X(UNSHARE, "unshare")                                                                      \
	X(SETUID, "setuid")                                                                        \
	X(SETGID, "setgid")                                                                        \
	X(SETRESUID, "setresuid")                                                                  \
	X(SETRESGID, "setresgid")                                                                  \
	X(SETREUID, "setreuid")                                                                    \
	X(SETREGID, "setregid")                                                                    \
	X(SETSID, "setsid")                                                                        \
	X(SETPGID, "setpgid")                                                                      \
	X(CAPSET, "capset")                                                                        \
	X(PRCTL, "prctl")                                                                          \
	X(USERFAULTFD, "userfaultfd")                                                              \
	X(CHDIR, "chdir")                                                                          \
	X(FCHDIR, "fchdir")                                                                        \
	X(CHROOT, "chroot")                                                                        \
	X(MOUNT, "mount")                                                                          \
	X(UMOUNT2, "umount2")                                                                      \
	X(KILL, "kill")                                                                            \
	X(TGKILL, "tgkill")                                                                        \
	X(READ, "read")                                                                            \
	X(WRITE, "write")                                                                          \
	X(PREAD, "pread")                                                                          \
	X(PWRITE, "pwrite")                                                                        \
	X(READV, "readv")                                                                          \
	X(WRITEV, "writev")                                                                        \
	X(SENDFILE, "sendfile")                                                                    \
	X(MMAP, "mmap")                                                                            \
	X(MPROTECT, "mprotect")                                                                    \
	X(IOCTL, "ioctl")                                                                          \
	X(FCHOWN, "fchown")                                                                        \
	X(FCHOWNAT, "fchownat")                                                                    \
	X(CHOWN, "chown")                                                                          \
	X(LCHOWN, "lchown")                                                                        \
	X(PIVOT_ROOT, "pivot_root")                                                                \
	X(SIGNALFD, "signalfd")                                                                    \
	X(SIGNALFD4, "signalfd4")                                                                  \
	X(TIMERFD_CREATE, "timerfd_create")                                                        \
	X(INOTIFY_INIT, "inotify_init")                                                            \
	X(INOTIFY_INIT1, "inotify_init1")                                                          \
	X(EPOLL_CREATE, "epoll_create")                                                            \
	X(EPOLL_CREATE1, "epoll_create1")                                                          \
	X(IO_URING_SETUP, "io_uring_setup")                                                        \
	X(SECCOMP, "seccomp")                                                                      \
	X(SETRLIMIT, "setrlimit")                                                                  \
	X(PRLIMIT, "prlimit")                                                                      \
	X(DROP, "drop")                                                                            \
	X(CONTAINER, "container")                                                                  \
	X(ASYNCEVENT, "asyncevent")                                                                \
	X(SEED_THREAD, "seed.thread")                                                              \
	X(SEED_FD, "seed.fd")                                                                      \
	X(SEED_USER, "seed.user")

/* It would indent LNR_EVT_MAX as a continuation of the macro call. */
// clang-format off
enum lnr_evt_type {
#define LNR_EVT_ENUM(id, name) LNR_EVT_##id,
	LNR_EVT_LIST(LNR_EVT_ENUM)
#undef LNR_EVT_ENUM
	LNR_EVT_MAX
};
// clang-format on

#endif
