/* ppm.h: the libscap flag encodings that event parameters carry (facts from Falco's driver headers). */
#ifndef LANNER_PPM_H
#define LANNER_PPM_H

/* Open flags (PT_FLAGS32 "flags" of open/openat/openat2/creat). */
#define PPM_O_RDONLY (1u << 0)
#define PPM_O_WRONLY (1u << 1)
#define PPM_O_RDWR (PPM_O_RDONLY | PPM_O_WRONLY)
#define PPM_O_CREAT (1u << 2)
#define PPM_O_APPEND (1u << 3)
#define PPM_O_TRUNC (1u << 8)
#define PPM_O_DIRECTORY (1u << 10)
#define PPM_O_CLOEXEC (1u << 12)
#define PPM_O_TMPFILE (1u << 13)
#define PPM_O_F_CREATED (1u << 14)
#define PPM_FD_UPPER_LAYER (1u << 15)
#define PPM_FD_LOWER_LAYER (1u << 16)

/* Clone flags (PT_FLAGS32 "flags" of clone/fork/vfork/clone3). */
#define PPM_CL_CLONE_FILES (1u << 0)
#define PPM_CL_CLONE_FS (1u << 1)
#define PPM_CL_CLONE_NEWPID (1u << 6)
#define PPM_CL_CLONE_PARENT (1u << 8)
#define PPM_CL_CLONE_THREAD (1u << 13)
#define PPM_CL_CLONE_VM (1u << 15)
#define PPM_CL_CLONE_VFORK (1u << 27)
#define PPM_CL_CHILD_IN_PIDNS (1u << 29)

/* Execve "flags". */
#define PPM_EXE_WRITABLE (1u << 0)
#define PPM_EXE_UPPER_LAYER (1u << 1)
#define PPM_EXE_FROM_MEMFD (1u << 2)
#define PPM_EXE_LOWER_LAYER (1u << 3)

/* Socket families as libscap encodes them (first byte of tuples/sockaddrs). */
#define PPM_AF_UNSPEC 0
#define PPM_AF_UNIX 1
#define PPM_AF_INET 2
#define PPM_AF_INET6 10
#define PPM_AF_NETLINK 16

/* fcntl commands. */
#define PPM_FCNTL_F_DUPFD 1
#define PPM_FCNTL_F_DUPFD_CLOEXEC 26

/* *at() dirfd meaning "the current directory". */
#define PPM_AT_FDCWD (-100)

#endif
