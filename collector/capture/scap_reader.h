/* scap_reader.h: reads .scap capture files (format 1.0-1.2, plain or gzip) into Lanner events. */
#ifndef LANNER_SCAP_READER_H
#define LANNER_SCAP_READER_H

#include <stddef.h>
#include <stdint.h>

/*
 * A capture is a sequence of pcapng-like blocks (section header, machine info,
 * process/fd/interface/user lists, then events). The reader streams it block by
 * block: memory is bounded by the largest block (SCAP_MAX_BLOCK_LEN), never by
 * the file. It hands out:
 *   - seed records (threads, fds, users, groups) from the list blocks, for the
 *     enricher, as the /proc scan does live;
 *   - each raw scap event as found in the file (optional, for tools and tests);
 *   - Lanner event records (common/event.h), one per syscall: each exit event is
 *     merged with the pending enter event of the same thread, parameters are
 *     matched by Falco's names, absent where unknown.
 * Unknown block types and event codes are skipped and counted. A truncated or
 * corrupt file stops the reader with an error naming the byte offset (of the
 * uncompressed stream), after every valid event before it was delivered.
 */

/* Largest block accepted (bytes): bounds memory on hostile input. */
#define SCAP_MAX_BLOCK_LEN (64u << 20)
/* Most threads with a pending enter event at once, and most bytes their copies
 * may take: enters beyond either are dropped (counted in enter_without_exit). */
#define SCAP_MAX_PENDING 65536u
#define SCAP_MAX_PENDING_BYTES (64u << 20)
/* Most parameters a raw event may carry (scap's PPM_MAX_EVENT_PARAMS is 32). */
#define SCAP_MAX_PARAMS 32u

/* File-descriptor types (libscap's scap_fd_type values). */
enum scap_fd_type {
	SCAP_FDT_UNKNOWN = 0,
	SCAP_FDT_FILE = 1,
	SCAP_FDT_DIRECTORY = 2,
	SCAP_FDT_IPV4_SOCK = 3,
	SCAP_FDT_IPV6_SOCK = 4,
	SCAP_FDT_IPV4_SERVSOCK = 5,
	SCAP_FDT_IPV6_SERVSOCK = 6,
	SCAP_FDT_FIFO = 7,
	SCAP_FDT_UNIX_SOCK = 8,
	SCAP_FDT_EVENT = 9,
	SCAP_FDT_UNSUPPORTED = 10,
	SCAP_FDT_SIGNALFD = 11,
	SCAP_FDT_EVENTPOLL = 12,
	SCAP_FDT_INOTIFY = 13,
	SCAP_FDT_TIMERFD = 14,
	SCAP_FDT_NETLINK = 15,
	SCAP_FDT_FILE_V2 = 16,
	SCAP_FDT_BPF = 17,
	SCAP_FDT_USERFAULTFD = 18,
	SCAP_FDT_IOURING = 19,
	SCAP_FDT_MEMFD = 20,
	SCAP_FDT_PIDFD = 21,
};

/* One thread of the process list. Strings are NUL-terminated and valid only
 * during the callback; args, env and cgroups are NUL-separated lists of *_len bytes. */
struct scap_thread_seed {
	int64_t tid, pid, ptid;
	int64_t sid, vpgid; /* -1 when the block version lacks them */
	int64_t vtid, vpid; /* -1 when absent */
	const char *comm, *exe, *exepath, *cwd, *root;
	const char *args, *env, *cgroups;
	uint32_t args_len, env_len, cgroups_len;
	uint64_t fdlimit;
	uint32_t flags; /* PPM_CL_* */
	uint32_t uid, gid;
	int32_t loginuid; /* -1 when absent */
	uint32_t vmsize_kb, vmrss_kb, vmswap_kb;
	uint64_t pfmajor, pfminor;
	uint8_t exe_writable;
	uint64_t cap_inheritable, cap_permitted, cap_effective; /* 0 when absent */
	uint32_t block_type;					/* PL block version it came from */
};

/* One open file descriptor of a thread (fd list). Addresses in network byte
 * order as in the file (IPv4 in the first 4 bytes of sip/dip), ports host order. */
struct scap_fd_seed {
	int64_t tid;
	int64_t fd;
	uint64_t ino;
	uint8_t type;		     /* enum scap_fd_type */
	uint8_t l4proto;	     /* sockets: scap_l4_proto */
	uint16_t sport, dport;	     /* sockets; servers: port in sport */
	uint8_t sip[16], dip[16];    /* sockets; servers: address in sip */
	uint64_t unix_src, unix_dst; /* unix sockets: kernel pointers */
	uint32_t open_flags;	     /* FILE_V2 */
	uint32_t dev;		     /* FILE_V2, 0 when absent */
	const char *name;	     /* file path, socket path, ""; valid during the callback */
};

/* A user or a group of the user list. */
struct scap_user_seed {
	int is_group;
	uint32_t uid; /* users only */
	uint32_t gid;
	const char *name, *homedir, *shell; /* homedir/shell: "" for groups */
};

/* A network interface address of the interface list (what sysdig uses to name
 * the local end of sockets bound to 0.0.0.0). Addresses in network order. */
struct scap_iface_seed {
	uint16_t type; /* 1 IPv4, 2 IPv6 (3, 4: the same, written without link speed) */
	uint8_t addr[16], netmask[16], bcast[16]; /* IPv4: first 4 bytes */
	uint64_t linkspeed;			  /* 0 when absent */
	const char *name;			  /* e.g. "eth0"; valid during the callback */
};

/* A raw scap event as stored in the file. Parameter pointers point into the
 * reader's buffer and are valid only during the callback. */
struct scap_raw_evt {
	uint64_t offset; /* byte offset of its block in the (uncompressed) stream */
	uint64_t ts;	 /* ns since the epoch */
	int64_t tid;
	uint16_t code; /* PPME_* */
	uint16_t cpu;
	uint32_t dump_flags; /* EVF blocks' flags, else 0 */
	uint32_t nparams;
	const uint8_t *pval[SCAP_MAX_PARAMS];
	uint32_t plen[SCAP_MAX_PARAMS];
};

/* Callbacks; any may be NULL. A callback returning non-zero stops the reader,
 * and scap_reader_run() returns that value. */
struct scap_reader_cbs {
	void *ctx;
	int (*thread)(void *ctx, const struct scap_thread_seed *t);
	int (*fd)(void *ctx, const struct scap_fd_seed *f);
	int (*user)(void *ctx, const struct scap_user_seed *u);
	int (*iface)(void *ctx, const struct scap_iface_seed *i);
	int (*raw)(void *ctx, const struct scap_raw_evt *e);
	/* A Lanner event record (common/event.h) of len bytes, valid during the call. */
	int (*event)(void *ctx, const void *rec, uint32_t len);
};

/* Counters of one read (all counts, not bytes unless said). */
struct scap_reader_stats {
	uint16_t major, minor;		 /* file format version */
	uint64_t bytes;			 /* uncompressed bytes consumed */
	uint64_t blocks, blocks_skipped; /* all blocks / unknown types skipped */
	uint64_t threads, fds, users, groups, interfaces;
	uint64_t raw_events;	     /* events read from the file */
	uint64_t raw_events_2022;    /* of which with a code sysdig 0.29 knows (< 336) */
	uint64_t events;	     /* Lanner records delivered */
	uint64_t unknown_codes;	     /* codes outside the table */
	uint64_t unmapped;	     /* events of types Lanner has no record for (skipped) */
	uint64_t exit_without_enter; /* converted from the exit alone */
	uint64_t enter_without_exit; /* enter dropped: next event of its thread was not its exit */
	uint64_t pending_refused;    /* of which refused by SCAP_MAX_PENDING(_BYTES) */
	uint64_t extra_params;	     /* parameters beyond the table's count, ignored */
	uint64_t bad_params;	     /* values of the wrong size for their type (left absent) */
};

struct scap_reader;

/*
 * Open a capture file (gzip detected by zlib, plain files read as they are).
 * cbs is copied. Returns NULL with errno set (ENOMEM, or the open error).
 */
struct scap_reader *scap_reader_open(const char *path, const struct scap_reader_cbs *cbs);
/* Same over a buffer of len bytes (copied), e.g. for fuzzing. */
struct scap_reader *scap_reader_open_mem(const void *buf, size_t len,
					 const struct scap_reader_cbs *cbs);
void scap_reader_free(struct scap_reader *r);

/*
 * Read the whole capture, calling the callbacks in file order. Returns 0 at a
 * clean end of file, a callback's non-zero return value, or a negative errno
 * (-EBADMSG corrupt, -EPROTO unsupported version, -EIO read error) with the
 * reason, naming the byte offset, in scap_reader_error().
 */
int scap_reader_run(struct scap_reader *r);
const char *scap_reader_error(const struct scap_reader *r);
const struct scap_reader_stats *scap_reader_stats(const struct scap_reader *r);

/* Map a scap event name to Lanner's event type, or -1 (name aliases included). */
int scap_lnr_type_by_name(const char *scap_name);

#endif
