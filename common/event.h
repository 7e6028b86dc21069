/* event.h: the one definition of an event as it crosses the rings (collector, capture, enricher). */
#ifndef LANNER_EVENT_H
#define LANNER_EVENT_H

/*
 * Wire layout of one event record (all integers in host byte order; records
 * start 8-byte aligned in the shm ring, so the header is naturally aligned):
 *
 *   struct lnr_evt_hdr   40 bytes, fixed
 *   uint32_t lens[nparams]   one per parameter: length in bytes in the low
 *                            30 bits, LNR_PARAM_TRUNC in bit 30
 *   parameter data       the parameters, back to back, no padding, in the
 *                        order of the event table (lnr_evt_info()->params)
 *
 * Parameters are typed by the event table, not in the record: the type of
 * parameter i of an event of type T is lnr_evt_info(T)->params[i].type. A
 * parameter of length 0 is absent (unknown, not collected). Present values:
 *   - integer types (INT*, UINT*, ERRNO, FD, PID, FLAGS*, UID, GID, MODE, ...):
 *     exactly their size, as in libscap (FD, PID, ERRNO, INT64, UINT64,
 *     ABSTIME, RELTIME: 8; UID, GID, MODE, FLAGS32, UINT32, BOOL: 4;
 *     SYSCALLID, FLAGS16, PORT: 2; FLAGS8, SIGTYPE, UINT8: 1): see
 *     lnr_ptype_size();
 *   - CHARBUF, FSPATH, FSRELPATH: the bytes and a terminating NUL (counted in
 *     the length), so they can be used in place as C strings;
 *   - CHARBUFARRAY: NUL-terminated strings back to back (argv, env);
 *   - BYTEBUF: raw bytes;
 *   - SOCKADDR, SOCKTUPLE, FDLIST: libscap's encodings (family byte first), so
 *     capture files convert without re-encoding.
 * LNR_PARAM_TRUNC says the collector cut the value at its limit (snaplen,
 * argument bounds): truncation is flagged, never silent.
 *
 * Event types are Lanner's own numbering (enum lnr_evt_type): one event per
 * syscall, taken at exit, carrying the union of Falco's enter and exit
 * parameters with Falco's names and meanings.
 */

#include <stddef.h>
#include <stdint.h>

#include "event_types.h"

#define LNR_EVT_HDR_LEN 40u
/* Largest record we build or accept, header included (bytes). */
#define LNR_EVT_MAX_LEN (4u << 20)
/* Most parameters any event type has. */
#define LNR_EVT_MAX_PARAMS 32u

#define LNR_PARAM_LEN_MASK 0x3fffffffu
#define LNR_PARAM_TRUNC 0x40000000u /* value was cut at a configured limit */

/* Header flags (lnr_evt_hdr.flags). */
#define LNR_EVF_TRUNCATED 0x0001u    /* at least one parameter carries LNR_PARAM_TRUNC */
#define LNR_EVF_FROM_CAPTURE 0x0002u /* produced by the capture reader, not live */
#define LNR_EVF_ENTER_ONLY 0x0004u   /* exit never seen (e.g. execve that did not return) */
#define LNR_EVF_INTERNAL 0x0008u     /* made by Lanner itself (meta events) */

struct lnr_evt_hdr {
	uint64_t ts;   /* Nanoseconds since the Unix epoch (realtime) when the syscall returned. */
	int64_t tid;   /* Thread id, in the initial pid namespace. */
	int64_t pid;   /* Thread-group (process) id, in the initial pid namespace. */
	uint32_t len;  /* Total record length in bytes: header, length table and data. */
	uint16_t type; /* enum lnr_evt_type. */
	uint16_t nparams;  /* Entries in the length table; equals the table's count for type. */
	uint16_t cpu;	   /* CPU the event was taken on. */
	uint16_t flags;	   /* LNR_EVF_*. */
	uint32_t reserved; /* Zero. */
};

_Static_assert(sizeof(struct lnr_evt_hdr) == LNR_EVT_HDR_LEN, "event header is 40 bytes");

/*
 * Parameter types: the same names and numeric values as libscap's
 * ppm_param_type, so capture files and field rendering line up.
 */
enum lnr_ptype {
	LNR_PT_NONE = 0,
	LNR_PT_INT8 = 1,
	LNR_PT_INT16 = 2,
	LNR_PT_INT32 = 3,
	LNR_PT_INT64 = 4,
	LNR_PT_UINT8 = 5,
	LNR_PT_UINT16 = 6,
	LNR_PT_UINT32 = 7,
	LNR_PT_UINT64 = 8,
	LNR_PT_CHARBUF = 9,
	LNR_PT_BYTEBUF = 10,
	LNR_PT_ERRNO = 11,
	LNR_PT_SOCKADDR = 12,
	LNR_PT_SOCKTUPLE = 13,
	LNR_PT_FD = 14,
	LNR_PT_PID = 15,
	LNR_PT_FDLIST = 16,
	LNR_PT_FSPATH = 17,
	LNR_PT_SYSCALLID = 18,
	LNR_PT_SIGTYPE = 19,
	LNR_PT_RELTIME = 20,
	LNR_PT_ABSTIME = 21,
	LNR_PT_PORT = 22,
	LNR_PT_L4PROTO = 23,
	LNR_PT_SOCKFAMILY = 24,
	LNR_PT_BOOL = 25,
	LNR_PT_IPV4ADDR = 26,
	LNR_PT_DYN = 27,
	LNR_PT_FLAGS8 = 28,
	LNR_PT_FLAGS16 = 29,
	LNR_PT_FLAGS32 = 30,
	LNR_PT_UID = 31,
	LNR_PT_GID = 32,
	LNR_PT_DOUBLE = 33,
	LNR_PT_SIGSET = 34,
	LNR_PT_CHARBUFARRAY = 35,
	LNR_PT_CHARBUF_PAIR_ARRAY = 36,
	LNR_PT_IPV4NET = 37,
	LNR_PT_IPV6ADDR = 38,
	LNR_PT_IPV6NET = 39,
	LNR_PT_IPADDR = 40,
	LNR_PT_IPNET = 41,
	LNR_PT_MODE = 42,
	LNR_PT_FSRELPATH = 43,
	LNR_PT_ENUMFLAGS8 = 44,
	LNR_PT_ENUMFLAGS16 = 45,
	LNR_PT_ENUMFLAGS32 = 46,
	LNR_PT_MAX
};

/* How a numeric parameter prints (libscap's ppm_print_format). */
enum lnr_pfmt { LNR_PF_NA = 0, LNR_PF_DEC, LNR_PF_HEX, LNR_PF_OCT, LNR_PF_10_PADDED_DEC };

/* Event categories (subset of libscap's ppm_event_category), for evt.category. */
enum lnr_ecat {
	LNR_EC_UNKNOWN = 0,
	LNR_EC_OTHER,
	LNR_EC_FILE,
	LNR_EC_NET,
	LNR_EC_IPC,
	LNR_EC_MEMORY,
	LNR_EC_PROCESS,
	LNR_EC_SLEEP,
	LNR_EC_SYSTEM,
	LNR_EC_SIGNAL,
	LNR_EC_USER,
	LNR_EC_TIME,
	LNR_EC_IO_READ,
	LNR_EC_IO_WRITE,
	LNR_EC_IO_OTHER,
	LNR_EC_WAIT,
	LNR_EC_SCHEDULER,
	LNR_EC_INTERNAL,
};

/* Event-type flags (libscap's EF_*), for the enricher and the rule index. */
#define LNR_EF_CREATES_FD 0x0001u
#define LNR_EF_DESTROYS_FD 0x0002u
#define LNR_EF_USES_FD 0x0004u
#define LNR_EF_READS_FROM_FD 0x0008u
#define LNR_EF_WRITES_TO_FD 0x0010u
#define LNR_EF_MODIFIES_STATE 0x0020u
#define LNR_EF_WAITS 0x0040u
#define LNR_EF_SYSCALL 0x0080u /* a syscall (vs. tracepoint/meta event) */

struct lnr_param_info {
	const char *name; /* Falco's parameter name (evt.arg.NAME). */
	enum lnr_ptype type;
	enum lnr_pfmt fmt;
};

struct lnr_evt_info {
	const char *name; /* Falco's event name (evt.type), e.g. "openat". */
	enum lnr_ecat category;
	uint32_t flags; /* LNR_EF_*. */
	uint16_t nparams;
	int16_t syscall_nr;   /* x86_64 syscall number, -1 for non-syscall events. */
	uint16_t scap_code_e; /* libscap PPME_* code of the newest enter event (0: none). */
	uint16_t scap_code_x; /* libscap PPME_* code of the newest exit event (0: none). */
	struct lnr_param_info params[LNR_EVT_MAX_PARAMS];
};

/* Table entry for type, or NULL when type is out of range. */
const struct lnr_evt_info *lnr_evt_info(uint16_t type);
/* Event type for a Falco event name, or -1 when Lanner has no such event. */
int lnr_evt_type_by_name(const char *name);
/* Size in bytes of a fixed-size parameter type, or 0 for variable-length ones. */
size_t lnr_ptype_size(enum lnr_ptype t);
/* Name of a parameter type, e.g. "PT_FD". */
const char *lnr_ptype_name(enum lnr_ptype t);

/*
 * Building a record in place (in a ring slot or any buffer). Parameters are
 * appended in table order; lnr_evb_finish() checks that all were given and
 * writes the total length. The builder never writes past cap: a value that
 * does not fit is truncated and flagged (strings keep their NUL).
 */
struct lnr_evt_builder {
	uint8_t *buf;
	uint32_t cap; /* Bytes available at buf. */
	uint32_t off; /* Next data byte. */
	uint16_t type;
	uint16_t next; /* Index of the next parameter. */
	uint16_t nparams;
	int err; /* First error (negative errno), sticky. */
};

/* Start a record of the given type at buf (8-byte aligned, as ring slots are).
 * Returns 0, or -EINVAL (unknown type) or -ENOSPC (cap too small for the
 * header and length table). */
int lnr_evb_init(struct lnr_evt_builder *b, void *buf, size_t cap, uint16_t type, uint64_t ts,
		 int64_t tid, int64_t pid);
/* Append a parameter. Integer appenders store the parameter's declared size;
 * -EINVAL is recorded if the table declares a non-integer type. */
void lnr_evb_s64(struct lnr_evt_builder *b, int64_t v);
void lnr_evb_u64(struct lnr_evt_builder *b, uint64_t v);
/* A C string (NULL: absent), cut at maxlen bytes (0: no limit) with LNR_PARAM_TRUNC. */
void lnr_evb_str(struct lnr_evt_builder *b, const char *s, size_t maxlen);
/* Raw bytes (also for CHARBUFARRAY, SOCKADDR, SOCKTUPLE, FDLIST encodings). */
void lnr_evb_bytes(struct lnr_evt_builder *b, const void *p, size_t n, int truncated);
/* An absent parameter (length 0). */
void lnr_evb_absent(struct lnr_evt_builder *b);
/* Finish: returns the record length (> 0), or the first error (negative errno). */
int lnr_evb_finish(struct lnr_evt_builder *b);

/* A validated record: pointers into it, valid while the record is. */
struct lnr_evt_view {
	const struct lnr_evt_hdr *hdr;
	const struct lnr_evt_info *info;
	uint16_t nparams;
	const uint8_t *pval[LNR_EVT_MAX_PARAMS]; /* Start of each parameter's data. */
	uint32_t plen[LNR_EVT_MAX_PARAMS];	 /* Its length in bytes (flags masked off). */
	uint32_t pflags[LNR_EVT_MAX_PARAMS];	 /* LNR_PARAM_TRUNC. */
};

/*
 * Validate the record at rec (at most avail bytes readable) and fill v.
 * Checks: header length within avail and LNR_EVT_MAX_LEN, known type,
 * nparams equal to the table's, lengths adding up exactly, fixed-size
 * parameters of their size (or absent), strings NUL-terminated.
 * Returns 0, or -EBADMSG with a reason in why (if not NULL; static string).
 */
int lnr_evt_decode(const void *rec, size_t avail, struct lnr_evt_view *v, const char **why);

/* Typed accessors; return 0, or -ENOENT when absent, -EINVAL on type mismatch. */
int lnr_evt_get_s64(const struct lnr_evt_view *v, unsigned i, int64_t *out);
int lnr_evt_get_u64(const struct lnr_evt_view *v, unsigned i, uint64_t *out);
/* String parameter (NUL-terminated, in place) or NULL when absent. */
const char *lnr_evt_get_str(const struct lnr_evt_view *v, unsigned i);
/* Index of the parameter named name, or -1. */
int lnr_evt_param_index(const struct lnr_evt_info *info, const char *name);

/* Raw parameter bytes (any type) and their length, or NULL when absent or i is out of range. */
const uint8_t *lnr_evt_get_bytes(const struct lnr_evt_view *v, unsigned i, uint32_t *len);

/* Name of a Linux errno value ("ENOENT"), or NULL when unknown. */
const char *lnr_errno_name(int err);

/*
 * Socket addresses in libscap's encoding (PT_SOCKADDR, PT_SOCKTUPLE), shared
 * by the collector and the capture reader. The first byte is the family
 * (libscap's PPM_AF_*), then, for INET: IPv4 address (4 bytes, network
 * order) and port (2 bytes, host order); INET6: 16 + 2 bytes; UNIX: the path
 * with its NUL. A tuple carries source then destination; a UNIX tuple
 * carries two 64-bit kernel socket pointers (source, peer) then the path.
 */
#define LNR_AF_UNSPEC 0
#define LNR_AF_UNIX 1
#define LNR_AF_INET 2
#define LNR_AF_INET6 10
/* Longest UNIX socket path we encode (sun_path without the NUL). */
#define LNR_UNIX_PATH_MAX 108u

/* Each encoder writes at most cap bytes at out and returns the encoded length,
 * or 0 when cap is too small (nothing useful written). Ports in host order. */
size_t lnr_sockaddr_encode_in4(uint8_t *out, size_t cap, const uint8_t addr[4], uint16_t port);
size_t lnr_sockaddr_encode_in6(uint8_t *out, size_t cap, const uint8_t addr[16], uint16_t port);
/* path need not be NUL-terminated; it is cut at LNR_UNIX_PATH_MAX bytes. */
size_t lnr_sockaddr_encode_un(uint8_t *out, size_t cap, const char *path, size_t pathlen);
size_t lnr_socktuple_encode_in4(uint8_t *out, size_t cap, const uint8_t saddr[4], uint16_t sport,
				const uint8_t daddr[4], uint16_t dport);
size_t lnr_socktuple_encode_in6(uint8_t *out, size_t cap, const uint8_t saddr[16], uint16_t sport,
				const uint8_t daddr[16], uint16_t dport);
size_t lnr_socktuple_encode_un(uint8_t *out, size_t cap, uint64_t src, uint64_t dst,
			       const char *path, size_t pathlen);

/* A decoded PT_SOCKADDR or PT_SOCKTUPLE (for a SOCKADDR only the source side is set). */
struct lnr_sockaddr {
	uint8_t family;		      /* LNR_AF_*. */
	uint8_t saddr[16], daddr[16]; /* Network order; IPv4 uses the first 4 bytes. */
	uint16_t sport, dport;	      /* Host order. */
	uint64_t sptr, dptr;	      /* UNIX tuple: kernel socket pointers. */
	const char *path; /* UNIX: points into the record (NUL-terminated), else NULL. */
};

/* Decode n bytes at p. Returns 0, or -EBADMSG if the bytes are not a valid encoding
 * (wrong length for the family, unterminated path), -EAFNOSUPPORT for another family. */
int lnr_sockaddr_decode(const uint8_t *p, size_t n, struct lnr_sockaddr *out);
int lnr_socktuple_decode(const uint8_t *p, size_t n, struct lnr_sockaddr *out);

/* PT_FDLIST (libscap): u16 count, then count x (s64 fd, s16 flags). */
#define LNR_FDLIST_ENTRY_LEN 10u

/*
 * Print the record as one human-readable line (no newline), sysdig-like:
 * "TS CPU TID PID TYPE name=value name=value ...". Non-printable bytes are
 * escaped, so the line is safe for a terminal. Returns what snprintf would.
 */
int lnr_evt_format(const struct lnr_evt_view *v, char *buf, size_t n);

/*
 * Print parameter i alone as lnr_evt_format() does (what Falco's
 * evt.arg.NAME shows): "NULL" when absent, flags symbolically, strings
 * escaped. Returns what snprintf would.
 */
int lnr_evt_param_format(const struct lnr_evt_view *v, unsigned i, char *buf, size_t n);

#endif
