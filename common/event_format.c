/* event_format.c: one-line, sysdig-like rendering of a validated event record. */
#include "event.h"

#include <arpa/inet.h>
#include <inttypes.h>
#include <stdarg.h>
#include <stdio.h>
#include <string.h>

/* Most bytes of a BYTEBUF shown before "..." (sysdig's default snaplen is 80). */
#define FMT_BYTEBUF_SHOWN 80u

/* An output cursor that keeps counting past the end, like snprintf. */
struct out {
	char *buf;
	size_t cap;
	size_t len; /* Would-be length. */
};

static void out_putc(struct out *o, char c)
{
	if (o->len + 1 < o->cap)
		o->buf[o->len] = c;
	o->len++;
}

static void out_puts(struct out *o, const char *s)
{
	while (*s)
		out_putc(o, *s++);
}

__attribute__((format(printf, 2, 3))) static void out_printf(struct out *o, const char *fmt, ...)
{
	char tmp[128];
	va_list ap;
	int n;

	va_start(ap, fmt);
	n = vsnprintf(tmp, sizeof(tmp), fmt, ap);
	va_end(ap);
	if (n < 0)
		return;
	if ((size_t)n >= sizeof(tmp))
		n = sizeof(tmp) - 1; /* Only used for numbers and short names. */
	for (int i = 0; i < n; i++)
		out_putc(o, tmp[i]);
}

/* Length of the valid UTF-8 sequence at p (at most n bytes), or 0 if invalid. */
static size_t utf8_seq(const uint8_t *p, size_t n)
{
	size_t need;
	uint32_t cp;

	if (p[0] < 0x80)
		return 1;
	if (p[0] >= 0xc2 && p[0] <= 0xdf) {
		need = 2;
		cp = p[0] & 0x1f;
	} else if (p[0] >= 0xe0 && p[0] <= 0xef) {
		need = 3;
		cp = p[0] & 0x0f;
	} else if (p[0] >= 0xf0 && p[0] <= 0xf4) {
		need = 4;
		cp = p[0] & 0x07;
	} else {
		return 0;
	}
	if (need > n)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((p[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (p[i] & 0x3f);
	}
	/* Reject overlong forms, surrogates and code points above U+10FFFF. */
	if ((need == 3 && cp < 0x800) || (need == 4 && (cp < 0x10000 || cp > 0x10ffff)) ||
	    (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

/* Escaped text: printable ASCII and valid UTF-8 as is, backslash doubled,
 * anything else (controls, DEL, invalid UTF-8) as \xNN. */
static void out_escaped(struct out *o, const uint8_t *p, size_t n)
{
	size_t i = 0;

	while (i < n) {
		uint8_t c = p[i];
		size_t k;

		if (c == '\\') {
			out_puts(o, "\\\\");
			i++;
		} else if (c >= 0x20 && c < 0x7f) {
			out_putc(o, (char)c);
			i++;
		} else if (c >= 0x80 && (k = utf8_seq(p + i, n - i)) > 0) {
			for (size_t j = 0; j < k; j++)
				out_putc(o, (char)p[i + j]);
			i += k;
		} else {
			out_printf(o, "\\x%02X", c);
			i++;
		}
	}
}

/* NUL-separated strings (argv, env, cgroups) joined with spaces. */
static void out_strlist(struct out *o, const uint8_t *p, size_t n)
{
	size_t i = 0;
	int first = 1;

	while (i < n) {
		const uint8_t *e = memchr(p + i, '\0', n - i);
		size_t l = e ? (size_t)(e - (p + i)) : n - i;

		if (!first)
			out_putc(o, ' ');
		out_escaped(o, p + i, l);
		first = 0;
		i += l + 1;
	}
}

/* Symbolic values for the few flag and enum parameters worth naming. */
struct sym {
	uint32_t val;
	const char *name;
};

/* libscap's file_flags table (PPM_O_* encoding), in libs' order: the order
 * decides how names print, and an entry equal to the whole value wins. */
static const struct sym file_flags[] = {
	{1u << 11, "O_LARGEFILE"},
	{1u << 10, "O_DIRECTORY"},
	{1u << 9, "O_DIRECT"},
	{1u << 8, "O_TRUNC"},
	{1u << 7, "O_SYNC"},
	{1u << 6, "O_NONBLOCK"},
	{1u << 5, "O_EXCL"},
	{1u << 4, "O_DSYNC"},
	{1u << 3, "O_APPEND"},
	{1u << 2, "O_CREAT"},
	{3u, "O_RDWR"},
	{1u << 1, "O_WRONLY"},
	{1u << 0, "O_RDONLY"},
	{1u << 12, "O_CLOEXEC"},
	{0, "O_NONE"},
	{1u << 13, "O_TMPFILE"},
	{1u << 14, "O_F_CREATED"},
	{1u << 15, "FD_UPPER_LAYER"},
	{1u << 16, "FD_LOWER_LAYER"},
	{0, NULL},
};

/* libscap's PPM_AF_* socket families (an enum: exact match). Where libs has
 * two names for one value the first in its table wins (AF_LOCAL before AF_UNIX). */
static const struct sym socket_families[] = {
	{0, "AF_UNSPEC"},   {1, "AF_LOCAL"},	 {2, "AF_INET"},      {3, "AF_AX25"},
	{4, "AF_IPX"},	    {5, "AF_APPLETALK"}, {6, "AF_NETROM"},    {7, "AF_BRIDGE"},
	{8, "AF_ATMPVC"},   {9, "AF_X25"},	 {10, "AF_INET6"},    {11, "AF_ROSE"},
	{12, "AF_DECnet"},  {13, "AF_NETBEUI"},	 {14, "AF_SECURITY"}, {15, "AF_KEY"},
	{16, "AF_NETLINK"}, {17, "AF_PACKET"},	 {0, NULL},
};

/* libscap's prot_flags and mmap_flags (PPM_PROT_*, PPM_MAP_*), libs' order. */
static const struct sym prot_flags[] = {
	{1u << 0, "PROT_READ"},
	{1u << 1, "PROT_WRITE"},
	{1u << 2, "PROT_EXEC"},
	{1u << 3, "PROT_SEM"},
	{1u << 4, "PROT_GROWSDOWN"},
	{1u << 5, "PROT_GROWSUP"},
	{1u << 6, "PROT_SAO"},
	{0, "PROT_NONE"},
	{0, NULL},
};

static const struct sym mmap_flags[] = {
	{1u << 0, "MAP_SHARED"},     {1u << 1, "MAP_PRIVATE"},
	{1u << 2, "MAP_FIXED"},	     {1u << 3, "MAP_ANONYMOUS"},
	{1u << 4, "MAP_32BIT"},	     {1u << 5, "MAP_RENAME"},
	{1u << 6, "MAP_NORESERVE"},  {1u << 7, "MAP_POPULATE"},
	{1u << 8, "MAP_NONBLOCK"},   {1u << 9, "MAP_GROWSDOWN"},
	{1u << 10, "MAP_DENYWRITE"}, {1u << 11, "MAP_EXECUTABLE"},
	{1u << 12, "MAP_INHERIT"},   {1u << 13, "MAP_FILE"},
	{1u << 14, "MAP_LOCKED"},    {0, NULL},
};

static const char *signal_name(unsigned s)
{
	static const char *const names[] = {
		NULL,	    "SIGHUP",  "SIGINT",    "SIGQUIT", "SIGILL",  "SIGTRAP",   "SIGABRT",
		"SIGBUS",   "SIGFPE",  "SIGKILL",   "SIGUSR1", "SIGSEGV", "SIGUSR2",   "SIGPIPE",
		"SIGALRM",  "SIGTERM", "SIGSTKFLT", "SIGCHLD", "SIGCONT", "SIGSTOP",   "SIGTSTP",
		"SIGTTIN",  "SIGTTOU", "SIGURG",    "SIGXCPU", "SIGXFSZ", "SIGVTALRM", "SIGPROF",
		"SIGWINCH", "SIGIO",   "SIGPWR",    "SIGSYS",
	};

	return s < sizeof(names) / sizeof(names[0]) ? names[s] : NULL;
}

/* libscap's ptrace_requests (PPM_PTRACE_* values, the collector's encoding), so that
 * `evt.arg.request contains PTRACE_ATTACH` in Falco's rules works. An enum: exact match. */
static const struct sym ptrace_requests[] = {
	{38, "PTRACE_SINGLEBLOCK"},
	{37, "PTRACE_SYSEMU_SINGLESTEP"},
	{36, "PTRACE_SYSEMU"},
	{35, "PTRACE_ARCH_PRCTL"},
	{34, "PTRACE_SET_THREAD_AREA"},
	{33, "PTRACE_GET_THREAD_AREA"},
	{32, "PTRACE_OLDSETOPTIONS"},
	{31, "PTRACE_SETFPXREGS"},
	{30, "PTRACE_GETFPXREGS"},
	{29, "PTRACE_SETFPREGS"},
	{28, "PTRACE_GETFPREGS"},
	{27, "PTRACE_SETREGS"},
	{26, "PTRACE_GETREGS"},
	{25, "PTRACE_SETSIGMASK"},
	{24, "PTRACE_GETSIGMASK"},
	{23, "PTRACE_PEEKSIGINFO"},
	{22, "PTRACE_LISTEN"},
	{21, "PTRACE_INTERRUPT"},
	{20, "PTRACE_SEIZE"},
	{19, "PTRACE_SETREGSET"},
	{18, "PTRACE_GETREGSET"},
	{17, "PTRACE_SETSIGINFO"},
	{16, "PTRACE_GETSIGINFO"},
	{15, "PTRACE_GETEVENTMSG"},
	{14, "PTRACE_SETOPTIONS"},
	{13, "PTRACE_SYSCALL"},
	{12, "PTRACE_DETACH"},
	{11, "PTRACE_ATTACH"},
	{10, "PTRACE_SINGLESTEP"},
	{9, "PTRACE_KILL"},
	{8, "PTRACE_CONT"},
	{7, "PTRACE_POKEUSR"},
	{6, "PTRACE_POKEDATA"},
	{5, "PTRACE_POKETEXT"},
	{4, "PTRACE_PEEKUSR"},
	{3, "PTRACE_PEEKDATA"},
	{2, "PTRACE_PEEKTEXT"},
	{1, "PTRACE_TRACEME"},
	{0, "PTRACE_UNKNOWN"},
	{0, NULL},
};

static const struct sym *flag_table(const struct lnr_evt_info *info, unsigned i)
{
	static const char *const file_flag_events[] = {
		"open",		 "openat",   "openat2",	  "dup3",	 "pipe2",
		"inotify_init1", "eventfd2", "signalfd4", "userfaultfd",
	};
	const struct lnr_param_info *pi = &info->params[i];

	if (strcmp(pi->name, "domain") == 0)
		return socket_families;
	if (strcmp(pi->name, "prot") == 0)
		return prot_flags;
	if (strcmp(info->name, "ptrace") == 0 && strcmp(pi->name, "request") == 0)
		return ptrace_requests;
	if (strcmp(info->name, "mmap") == 0 && strcmp(pi->name, "flags") == 0)
		return mmap_flags;
	if (strcmp(pi->name, "flags") != 0)
		return NULL;
	for (size_t k = 0; k < sizeof(file_flag_events) / sizeof(file_flag_events[0]); k++)
		if (strcmp(info->name, file_flag_events[k]) == 0)
			return file_flags;
	return NULL;
}

/*
 * Names of a flags value the way libsinsp resolves them: walk the table,
 * take each entry whose bits are all set (clearing them), stop at an entry
 * equal to the whole value and take it. Enums take their exact match only.
 */
static void out_syms(struct out *o, const struct sym *t, uint32_t v, int is_enum)
{
	const char *sep = "(";
	uint32_t left = v;

	if (is_enum) {
		for (; t->name; t++) {
			if (t->val == v) {
				out_printf(o, "(%s)", t->name);
				return;
			}
		}
		return;
	}
	for (; t->name && t->val != v; t++) {
		if (t->val != 0 && left != 0 && (left & t->val) == t->val) {
			out_puts(o, sep);
			out_puts(o, t->name);
			sep = "|";
			left &= ~t->val;
		}
	}
	if (t->name) {
		out_puts(o, sep);
		out_puts(o, t->name);
		sep = "|";
	}
	if (sep[0] == '|')
		out_putc(o, ')');
}

static int ptype_is_signed(enum lnr_ptype t)
{
	return t == LNR_PT_INT8 || t == LNR_PT_INT16 || t == LNR_PT_INT32 || t == LNR_PT_INT64 ||
	       t == LNR_PT_ERRNO || t == LNR_PT_FD || t == LNR_PT_PID;
}

/* Numbers as libsinsp prints them: ERRNO/FD/PID/SIGTYPE/UID/GID/flags by their
 * own rules, the others by the table's print format. */
static void out_num(struct out *o, const struct lnr_evt_view *v, unsigned i)
{
	const struct lnr_param_info *pi = &v->info->params[i];
	size_t sz = lnr_ptype_size(pi->type);
	uint64_t mask = sz >= 8 ? UINT64_MAX : (UINT64_C(1) << (sz * 8)) - 1;
	int64_t s = 0;
	uint64_t u = 0;
	const struct sym *t;
	const char *n;

	lnr_evt_get_s64(v, i, &s);
	lnr_evt_get_u64(v, i, &u);
	switch (pi->type) {
	case LNR_PT_ERRNO:
	case LNR_PT_FD:
		if (pi->fmt == LNR_PF_HEX && s >= 0) {
			/* mmap's res is an address: sysdig prints it in hex. */
			out_printf(o, "%" PRIX64, u);
			return;
		}
		out_printf(o, "%" PRId64, s);
		if (s >= 0 || s < -4095)
			return;
		n = lnr_errno_name((int)-s);
		if (pi->type == LNR_PT_FD && s == -100 && strstr(pi->name, "dir"))
			n = "AT_FDCWD";
		if (n)
			out_printf(o, "(%s)", n);
		return;
	case LNR_PT_PID:
	case LNR_PT_SYSCALLID:
		out_printf(o, "%" PRId64, s);
		return;
	case LNR_PT_SIGTYPE:
		out_printf(o, "%" PRIu64, u);
		n = signal_name((unsigned)u);
		if (n)
			out_printf(o, "(%s)", n);
		return;
	case LNR_PT_UID:
	case LNR_PT_GID:
		if (u == UINT32_MAX)
			out_puts(o, "-1");
		else
			out_printf(o, "%" PRIu64, u);
		return;
	case LNR_PT_RELTIME:
		if (u == UINT64_MAX)
			out_puts(o, "none");
		else
			out_printf(o, "%" PRIu64, u);
		return;
	case LNR_PT_FLAGS8:
	case LNR_PT_FLAGS16:
	case LNR_PT_FLAGS32:
	case LNR_PT_ENUMFLAGS8:
	case LNR_PT_ENUMFLAGS16:
	case LNR_PT_ENUMFLAGS32:
		/* libsinsp prints flags in decimal whatever the format says. */
		out_printf(o, "%" PRIu64, u);
		t = flag_table(v->info, i);
		if (t)
			out_syms(o, t, (uint32_t)u,
				 pi->type >= LNR_PT_ENUMFLAGS8 && pi->type <= LNR_PT_ENUMFLAGS32);
		return;
	default:
		break;
	}
	switch (pi->fmt) {
	case LNR_PF_HEX:
		out_printf(o, "%" PRIX64, u & mask);
		break;
	case LNR_PF_OCT:
		out_printf(o, "%#" PRIo64, u & mask);
		break;
	case LNR_PF_10_PADDED_DEC:
		/* libsinsp's "%09" (sic): 9 digits, the fractional part of a time. */
		out_printf(o, "%09" PRIu64, u);
		break;
	default:
		if (ptype_is_signed(pi->type))
			out_printf(o, "%" PRId64, s);
		else
			out_printf(o, "%" PRIu64, u);
		break;
	}
}

static void out_ip(struct out *o, uint8_t family, const uint8_t *addr, uint16_t port)
{
	char s[INET6_ADDRSTRLEN];

	if (!inet_ntop(family == LNR_AF_INET ? AF_INET : AF_INET6, addr, s, sizeof(s)))
		s[0] = '\0';
	out_printf(o, "%s:%u", s, port);
}

static void out_sock(struct out *o, const uint8_t *p, uint32_t n, int tuple)
{
	struct lnr_sockaddr a;
	int rc = tuple ? lnr_socktuple_decode(p, n, &a) : lnr_sockaddr_decode(p, n, &a);

	if (rc != 0) {
		out_printf(o, "family %d", p[0]);
		return;
	}
	switch (a.family) {
	case LNR_AF_INET:
	case LNR_AF_INET6:
		out_ip(o, a.family, a.saddr, a.sport);
		if (tuple) {
			out_puts(o, "->");
			out_ip(o, a.family, a.daddr, a.dport);
		}
		break;
	case LNR_AF_UNIX:
		if (tuple)
			out_printf(o, "%" PRIx64 "->%" PRIx64 " ", a.sptr, a.dptr);
		out_escaped(o, (const uint8_t *)a.path, strlen(a.path));
		break;
	}
}

static void out_fdlist(struct out *o, const uint8_t *p, uint32_t n)
{
	uint16_t cnt;

	memcpy(&cnt, p, 2);
	for (unsigned k = 0; k < cnt && 2 + (k + 1) * LNR_FDLIST_ENTRY_LEN <= n; k++) {
		int64_t fd;
		int16_t fl;

		memcpy(&fd, p + 2 + k * LNR_FDLIST_ENTRY_LEN, 8);
		memcpy(&fl, p + 2 + k * LNR_FDLIST_ENTRY_LEN + 8, 2);
		/* libsinsp: fd, type char (unknown here: '?'), flags in hex. */
		out_printf(o, "%s%" PRIu64 ":?%x", k ? " " : "", (uint64_t)fd,
			   (unsigned)(uint16_t)fl);
	}
}

/* BYTEBUF parameters that hold NUL-separated string lists in libscap. */
static int is_strlist(const struct lnr_param_info *pi)
{
	return pi->type == LNR_PT_CHARBUFARRAY ||
	       (pi->type == LNR_PT_BYTEBUF &&
		(strcmp(pi->name, "args") == 0 || strcmp(pi->name, "env") == 0 ||
		 strcmp(pi->name, "cgroups") == 0));
}

static void out_param(struct out *o, const struct lnr_evt_view *v, unsigned i)
{
	const struct lnr_param_info *pi = &v->info->params[i];
	const uint8_t *p = v->pval[i];
	uint32_t n = v->plen[i];

	if (n == 0) {
		out_puts(o, "NULL"); /* libsinsp's rendering of an empty parameter */
		return;
	}
	if (is_strlist(pi)) {
		out_strlist(o, p, n);
		if (v->pflags[i] & LNR_PARAM_TRUNC)
			out_puts(o, "(truncated)");
		return;
	}
	switch (pi->type) {
	case LNR_PT_CHARBUF:
	case LNR_PT_FSPATH:
	case LNR_PT_FSRELPATH:
		out_escaped(o, p, n - 1);
		break;
	case LNR_PT_BYTEBUF:
		out_escaped(o, p, n < FMT_BYTEBUF_SHOWN ? n : FMT_BYTEBUF_SHOWN);
		if (n > FMT_BYTEBUF_SHOWN)
			out_puts(o, "...");
		break;
	case LNR_PT_SOCKADDR:
		out_sock(o, p, n, 0);
		break;
	case LNR_PT_SOCKTUPLE:
		out_sock(o, p, n, 1);
		break;
	case LNR_PT_FDLIST:
		out_fdlist(o, p, n);
		break;
	case LNR_PT_DYN: {
		/* Index byte then a value whose type the index selects. */
		uint64_t u = 0;

		if (n == 9) {
			memcpy(&u, p + 1, 8);
			out_printf(o, "%" PRIX64, u);
		} else if (n == 2) {
			out_printf(o, "%u", p[1]);
		} else {
			for (uint32_t k = 0; k < n; k++)
				out_printf(o, "%02X", p[k]);
		}
		break;
	}
	case LNR_PT_IPV4ADDR: {
		char a[INET_ADDRSTRLEN];

		if (n == 4 && inet_ntop(AF_INET, p, a, sizeof(a)))
			out_puts(o, a);
		break;
	}
	default:
		if (lnr_ptype_size(pi->type) && n == lnr_ptype_size(pi->type) &&
		    pi->type != LNR_PT_IPV6ADDR && pi->type != LNR_PT_IPV4NET &&
		    pi->type != LNR_PT_IPV6NET && pi->type != LNR_PT_DOUBLE) {
			out_num(o, v, i);
		} else {
			for (uint32_t k = 0; k < n; k++)
				out_printf(o, "%02X", p[k]);
		}
		break;
	}
	if (v->pflags[i] & LNR_PARAM_TRUNC)
		out_puts(o, "(truncated)");
}

int lnr_evt_format(const struct lnr_evt_view *v, char *buf, size_t n)
{
	struct out o = {buf, n, 0};
	struct lnr_evt_hdr h;

	if (!v || !v->hdr || !v->info) {
		if (buf && n)
			buf[0] = '\0';
		return 0;
	}
	/* Copy: the record may sit at any alignment (a file, a fuzzer). */
	memcpy(&h, v->hdr, sizeof(h));
	out_printf(&o, "%" PRIu64 ".%09" PRIu64 " %u %" PRId64 " %" PRId64 " %s",
		   h.ts / 1000000000u, h.ts % 1000000000u, (unsigned)h.cpu, h.tid, h.pid,
		   v->info->name);
	for (unsigned i = 0; i < v->nparams; i++) {
		out_putc(&o, ' ');
		out_puts(&o, v->info->params[i].name);
		out_putc(&o, '=');
		out_param(&o, v, i);
	}
	if (buf && n)
		buf[o.len < n ? o.len : n - 1] = '\0';
	return o.len > (size_t)INT32_MAX ? INT32_MAX : (int)o.len;
}

int lnr_evt_param_format(const struct lnr_evt_view *v, unsigned i, char *buf, size_t n)
{
	struct out o = {buf, n, 0};

	if (!v || !v->info || i >= v->nparams) {
		if (buf && n)
			buf[0] = '\0';
		return 0;
	}
	out_param(&o, v, i);
	if (buf && n)
		buf[o.len < n ? o.len : n - 1] = '\0';
	return o.len > (size_t)INT32_MAX ? INT32_MAX : (int)o.len;
}
