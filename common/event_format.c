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

/* libscap's PPM_O_* encoding of open flags (file_flags), multi-bit first. */
static const struct sym file_flags[] = {
	{3u << 0, "O_RDWR"},
	{1u << 0, "O_RDONLY"},
	{1u << 1, "O_WRONLY"},
	{1u << 2, "O_CREAT"},
	{1u << 3, "O_APPEND"},
	{1u << 4, "O_DSYNC"},
	{1u << 5, "O_EXCL"},
	{1u << 6, "O_NONBLOCK"},
	{1u << 7, "O_SYNC"},
	{1u << 8, "O_TRUNC"},
	{1u << 9, "O_DIRECT"},
	{1u << 10, "O_DIRECTORY"},
	{1u << 11, "O_LARGEFILE"},
	{1u << 12, "O_CLOEXEC"},
	{1u << 13, "O_TMPFILE"},
	{1u << 14, "O_F_CREATED"},
	{1u << 15, "FD_UPPER_LAYER"},
	{1u << 16, "FD_LOWER_LAYER"},
	{0, NULL},
};

/* libscap's PPM_AF_* socket families (an enum, not a bit set). */
static const struct sym socket_families[] = {
	{0, "AF_UNSPEC"},   {1, "AF_UNIX"},    {2, "AF_INET"}, {10, "AF_INET6"},
	{16, "AF_NETLINK"}, {17, "AF_PACKET"}, {0, NULL},
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

static const struct sym *flag_table(const struct lnr_evt_info *info, unsigned i)
{
	const struct lnr_param_info *pi = &info->params[i];

	if (strcmp(pi->name, "domain") == 0)
		return socket_families;
	if (strcmp(pi->name, "flags") != 0)
		return NULL;
	if (strcmp(info->name, "open") == 0 || strcmp(info->name, "openat") == 0 ||
	    strcmp(info->name, "openat2") == 0 || strcmp(info->name, "dup3") == 0 ||
	    strcmp(info->name, "pipe2") == 0 || strcmp(info->name, "inotify_init1") == 0 ||
	    strcmp(info->name, "eventfd2") == 0 || strcmp(info->name, "signalfd4") == 0 ||
	    strcmp(info->name, "userfaultfd") == 0)
		return file_flags;
	return NULL;
}

static void out_syms(struct out *o, const struct sym *t, uint64_t v, int is_enum)
{
	int first = 1;
	uint64_t left = v;

	for (; t->name; t++) {
		int hit = is_enum ? t->val == v : (t->val && (left & t->val) == t->val);

		if (!hit)
			continue;
		out_puts(o, first ? "(" : "|");
		out_puts(o, t->name);
		first = 0;
		if (is_enum)
			break;
		left &= ~(uint64_t)t->val;
	}
	if (!first)
		out_putc(o, ')');
}

static void out_num(struct out *o, const struct lnr_evt_view *v, unsigned i)
{
	const struct lnr_param_info *pi = &v->info->params[i];
	int64_t s = 0;
	uint64_t u = 0;
	const struct sym *t;

	lnr_evt_get_s64(v, i, &s);
	lnr_evt_get_u64(v, i, &u);
	switch (pi->type) {
	case LNR_PT_ERRNO:
	case LNR_PT_FD:
		if (pi->fmt == LNR_PF_HEX && pi->type == LNR_PT_ERRNO && s >= 0) {
			/* mmap's res is an address. */
			out_printf(o, "%" PRIX64, u);
			return;
		}
		out_printf(o, "%" PRId64, s);
		if (s < 0 && s >= -4095) {
			const char *n = lnr_errno_name((int)-s);

			if (pi->type == LNR_PT_FD && s == -100 && strstr(pi->name, "dir"))
				n = "AT_FDCWD";
			if (n)
				out_printf(o, "(%s)", n);
		}
		return;
	case LNR_PT_SIGTYPE: {
		const char *n = signal_name((unsigned)u);

		out_printf(o, "%" PRIu64, u);
		if (n)
			out_printf(o, "(%s)", n);
		return;
	}
	default:
		break;
	}
	switch (pi->fmt) {
	case LNR_PF_HEX:
		out_printf(o, "%" PRIX64, u);
		break;
	case LNR_PF_OCT:
		out_printf(o, "%#" PRIo64, u);
		break;
	case LNR_PF_10_PADDED_DEC:
		out_printf(o, "%010" PRIu64, u);
		break;
	default:
		if (pi->type == LNR_PT_INT8 || pi->type == LNR_PT_INT16 ||
		    pi->type == LNR_PT_INT32 || pi->type == LNR_PT_INT64 || pi->type == LNR_PT_PID)
			out_printf(o, "%" PRId64, s);
		else
			out_printf(o, "%" PRIu64, u);
		break;
	}
	t = flag_table(v->info, i);
	if (t)
		out_syms(o, t, u, t == socket_families);
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
		out_puts(o, "<bad address>");
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
		out_printf(o, "%s%" PRId64 ":%d", k ? " " : "", fd, fl);
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
		out_puts(o, "<NA>");
		return;
	}
	if (is_strlist(pi)) {
		out_strlist(o, p, n);
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
