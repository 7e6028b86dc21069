/* accessor.h: how compiled conditions read field values (implemented by the enricher's state). */
#ifndef LANNER_ACCESSOR_H
#define LANNER_ACCESSOR_H

#include <stddef.h>
#include <stdint.h>

#include "fields.h"

/* An IP address: family 4 (a[0..3]) or 6 (a[0..15]), network byte order. */
struct fld_ip {
	uint8_t family;
	uint8_t a[16];
};

/* An IP network: address and prefix length in bits. */
struct fld_ipnet {
	struct fld_ip ip;
	uint8_t prefix;
};

/*
 * One value of a field, typed by the field's type (ref->type):
 *   CHARBUF, FSPATH, FSRELPATH, BYTEBUF: str (not NUL-terminated; len bytes);
 *   INT8..INT64, ERRNO, FD, PID: s64;   UINT*, PORT, FLAGS*, MODE, UID, GID,
 *   RELTIME, ABSTIME, SYSCALLID, SIGTYPE, L4PROTO, SOCKFAMILY, ENUMFLAGS*: u64;
 *   BOOL: u64 (0 or 1);   DOUBLE: dbl;   IPADDR, IPV4ADDR, IPV6ADDR: ip;
 *   IPNET, IPV4NET, IPV6NET: net.
 * Strings point into memory the accessor owns and keeps valid until the
 * evaluation of the current event ends (no copies on the hot path).
 * evt.rawarg.NAME (PT_DYN) reports its native type in `type`.
 */
struct fld_val {
	union {
		struct {
			const char *p;
			size_t len;
		} str;
		uint64_t u64;
		int64_t s64;
		double dbl;
		struct fld_ip ip;
		struct fld_ipnet net;
	};
	uint16_t type; /* enum lnr_ptype of this value (needed for PT_DYN fields). */
};

/* Most values one field extraction may return (e.g. ancestors of proc.aname). */
#define FLD_MAX_VALUES 64

/*
 * The field accessor. get() writes up to max values of field f for the
 * current event into out and returns how many (>= 1), 0 when the field has
 * no value for this event (Falco's "missing": the check is false, `exists`
 * is false), or a negative errno on an internal error (treated as missing).
 * Single-valued fields return one value; fields flagged FLD_F_ANCESTOR
 * (without argument), FLD_F_LIST or FLD_F_EITHER (fd.ip, fd.net, fd.port,
 * fd.proto: client then server value) may return several. IPNET fields
 * (fd.net, fd.snet, ...) return the IP address (val.ip); the comparison
 * checks it against the network on the right. It must not allocate
 * on the hot path. evt_type, when not NULL, returns the current event's
 * enum lnr_evt_type so evt.type checks compare numbers, not strings.
 */
struct fld_accessor {
	int (*get)(void *ctx, const struct fld_ref *f, struct fld_val *out, uint32_t max);
	int (*evt_type)(void *ctx);
	void *ctx;
};

#endif
