/* fds.h: per-process file descriptor tables (what each fd points at). */
#ifndef LANNER_FDS_H
#define LANNER_FDS_H

#include <stddef.h>
#include <stdint.h>

/* Fd types, with Falco's fd.typechar letters and fd.type names. */
#define ENR_FD_TYPES(X)                                                                            \
	X(UNKNOWN, 'o', "unknown")                                                                 \
	X(FILE, 'f', "file")                                                                       \
	X(DIRECTORY, 'd', "directory")                                                             \
	X(IPV4, '4', "ipv4")                                                                       \
	X(IPV6, '6', "ipv6")                                                                       \
	X(UNIX, 'u', "unix")                                                                       \
	X(PIPE, 'p', "pipe")                                                                       \
	X(EVENT, 'e', "event")                                                                     \
	X(SIGNALFD, 's', "signalfd")                                                               \
	X(EVENTPOLL, 'l', "eventpoll")                                                             \
	X(INOTIFY, 'i', "inotify")                                                                 \
	X(TIMERFD, 't', "timerfd")                                                                 \
	X(NETLINK, 'n', "netlink")                                                                 \
	X(BPF, 'b', "bpf")                                                                         \
	X(USERFAULTFD, 'u', "userfaultfd")                                                         \
	X(IOURING, 'r', "io_uring")                                                                \
	X(MEMFD, 'm', "memfd")                                                                     \
	X(PIDFD, 'P', "pidfd")

enum enr_fd_type {
#define ENR_FD_ENUM(id, ch, name) ENR_FD_##id,
	ENR_FD_TYPES(ENR_FD_ENUM)
#undef ENR_FD_ENUM
		ENR_FD_TYPE_MAX
};

char enr_fd_typechar(enum enr_fd_type t);
const char *enr_fd_typename(enum enr_fd_type t);

/* Flags (enr_fd.flags). */
#define ENR_FDF_SERVER 0x01u	   /* socket: our side is the server (accepted, listening) */
#define ENR_FDF_CONNECTED 0x02u	   /* socket: connected (connect or accept succeeded) */
#define ENR_FDF_NAME_CHANGED 0x04u /* name changed by the current event (fd.name_changed) */
#define ENR_FDF_FROM_PROCFS 0x08u  /* learned from the /proc scan */

struct enr_fd {
	int64_t fd;
	enum enr_fd_type type;
	uint32_t flags;	     /* ENR_FDF_*. */
	uint32_t open_flags; /* Falco's PPM_O_* open flags as the event carried them. */
	uint32_t dev;	     /* Device of the file, 0 when unknown. */
	uint64_t ino;	     /* Inode of the file, 0 when unknown. */
	char *name;	     /* fd.name: absolute path, or tuple text for sockets; owned. */
	char *nameraw; /* fd.nameraw: the path as the syscall passed it; owned, may be NULL. */
	/* Sockets: family (AF_INET/AF_INET6/AF_UNIX), protocol (IPPROTO_*). */
	uint16_t family;
	uint8_t l4proto;
	/* IP sockets: addresses as 16 bytes (IPv4 in the first 4, network order)
	 * and ports in host order. "client" initiates, "server" accepts; for a
	 * socket not yet connected only the local side may be known. */
	uint8_t cip[16], sip[16];
	uint16_t cport, sport;
};

struct fdtable;

struct fdtable *fdt_new(void);
/* A deep copy (fork without CLONE_FILES); NULL with errno. */
struct fdtable *fdt_clone(const struct fdtable *src);
void fdt_free(struct fdtable *t);
/* The fd entry, or NULL. */
struct enr_fd *fdt_get(const struct fdtable *t, int64_t fd);
/*
 * Adds (or replaces) fd with the given type and name (copied; may be NULL).
 * Returns the new entry or NULL (errno ENOMEM, or ENOSPC past max_fds).
 */
struct enr_fd *fdt_add(struct fdtable *t, int64_t fd, enum enr_fd_type type, const char *name,
		       const char *nameraw);
/* Removes fd (close); no-op when absent. */
void fdt_del(struct fdtable *t, int64_t fd);
/* newfd becomes a copy of oldfd (dup family); replaces newfd. Returns 0, -ENOENT, -ENOMEM. */
int fdt_dup(struct fdtable *t, int64_t oldfd, int64_t newfd);
/* Removes every fd whose open flags carry O_CLOEXEC (on execve). */
void fdt_close_on_exec(struct fdtable *t);
size_t fdt_count(const struct fdtable *t);
/* Replaces the name of an entry (copied). Returns 0 or -ENOMEM. */
int enr_fd_set_name(struct enr_fd *f, const char *name);
/*
 * Sets fd.name of an IP socket from its addresses as Falco shows it:
 * "cip:cport->sip:sport", or "sip:sport" for a server not connected;
 * IPv4-mapped IPv6 addresses print as IPv4. Returns 0 or -ENOMEM.
 */
int enr_fd_set_inet_name(struct enr_fd *f);
/* Iterate entries: pos starts at 0; returns 1 with *f set, 0 at the end. */
int fdt_next(const struct fdtable *t, size_t *pos, struct enr_fd **f);

/*
 * Resolves path against a directory (cwd or a dirfd's path) the way Falco
 * does for fd.name: absolute paths are only normalized; relative ones are
 * joined to dir; "." and ".." are folded and repeated slashes collapsed.
 * Writes at most n bytes (NUL-terminated). Returns the length, or -ENAMETOOLONG.
 */
int enr_path_resolve(const char *dir, const char *path, char *out, size_t n);

#endif
