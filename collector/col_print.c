/* col_print.c: decoder and sysdig-like line printer for collector records (until event.c's lands). */
#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <arpa/inet.h>

#include "col_print.h"

int col_decode(const void *rec, size_t len, struct col_view *v, const char **why)
{
	const struct lnr_evt_hdr *h = rec;
	const uint8_t *p = rec;
	const uint32_t *lens;
	size_t off;

	memset(v, 0, sizeof(*v));
	if (len < LNR_EVT_HDR_LEN) {
		*why = "shorter than a header";
		return -EBADMSG;
	}
	if (h->len > len || h->len < LNR_EVT_HDR_LEN) {
		*why = "header length out of bounds";
		return -EBADMSG;
	}
	v->evt = col_tab_get(h->type);
	if (!v->evt) {
		*why = "unknown event type";
		return -EBADMSG;
	}
	if (h->nparams != v->evt->nparams) {
		*why = "parameter count differs from the table";
		return -EBADMSG;
	}
	off = LNR_EVT_HDR_LEN + 4u * h->nparams;
	if (off > h->len) {
		*why = "length table past the end";
		return -EBADMSG;
	}
	lens = (const uint32_t *)(p + LNR_EVT_HDR_LEN);
	for (unsigned i = 0; i < h->nparams; i++) {
		uint32_t l = lens[i] & LNR_PARAM_LEN_MASK;
		unsigned fixed = col_ptype_size(v->evt->params[i].type);

		if (off + l > h->len) {
			*why = "parameter past the end";
			return -EBADMSG;
		}
		if (l && fixed && l != fixed) {
			*why = "fixed-size parameter of the wrong size";
			return -EBADMSG;
		}
		v->val[i] = p + off;
		v->len[i] = l;
		v->trunc[i] = !!(lens[i] & LNR_PARAM_TRUNC);
		off += l;
	}
	if (off != h->len) {
		*why = "lengths do not add up to the record length";
		return -EBADMSG;
	}
	v->hdr = h;
	return 0;
}

int col_param_index(const struct col_view *v, const char *name)
{
	for (unsigned i = 0; i < v->evt->nparams; i++)
		if (strcmp(v->evt->params[i].name, name) == 0)
			return (int)i;
	return -1;
}

int col_get_int(const struct col_view *v, int i, int64_t *out)
{
	const uint8_t *p;

	if (i < 0 || i >= v->evt->nparams || v->len[i] == 0)
		return -ENOENT;
	p = v->val[i];
	switch (v->len[i]) {
	case 1: {
		int8_t x;
		memcpy(&x, p, 1);
		*out = x;
		return 0;
	}
	case 2: {
		int16_t x;
		memcpy(&x, p, 2);
		*out = x;
		return 0;
	}
	case 4: {
		int32_t x;
		memcpy(&x, p, 4);
		*out = x;
		return 0;
	}
	case 8: {
		int64_t x;
		memcpy(&x, p, 8);
		*out = x;
		return 0;
	}
	default:
		return -EINVAL;
	}
}

const char *col_get_str(const struct col_view *v, int i)
{
	if (i < 0 || i >= v->evt->nparams || v->len[i] == 0)
		return NULL;
	if (v->val[i][v->len[i] - 1] != 0)
		return NULL;
	return (const char *)v->val[i];
}

/* Append printable text, escaping the rest; NULs become separators. */
static size_t col_put_esc(char *buf, size_t n, size_t at, const uint8_t *s, size_t len, char nul)
{
	for (size_t i = 0; i < len && at + 5 < n; i++) {
		uint8_t ch = s[i];

		if (ch == 0) {
			if (i + 1 == len)
				break;
			buf[at++] = nul;
		} else if (ch >= 0x20 && ch < 0x7f && ch != '\\') {
			buf[at++] = ch;
		} else {
			at += snprintf(buf + at, n - at, "\\x%02x", ch);
		}
	}
	if (at < n)
		buf[at] = 0;
	return at;
}

static size_t col_put_addr(char *buf, size_t n, size_t at, const uint8_t *p, uint32_t len,
			   int tuple)
{
	char a[INET6_ADDRSTRLEN], b[INET6_ADDRSTRLEN];
	uint16_t pa, pb;

	if (len >= 1 && p[0] == 2 && len >= (tuple ? 13u : 7u)) {
		inet_ntop(AF_INET, p + 1, a, sizeof(a));
		memcpy(&pa, p + 5, 2);
		if (!tuple)
			return at + snprintf(buf + at, n - at, "%s:%u", a, pa);
		inet_ntop(AF_INET, p + 7, b, sizeof(b));
		memcpy(&pb, p + 11, 2);
		return at + snprintf(buf + at, n - at, "%s:%u->%s:%u", a, pa, b, pb);
	}
	if (len >= 1 && p[0] == 10 && len >= (tuple ? 37u : 19u)) {
		inet_ntop(AF_INET6, p + 1, a, sizeof(a));
		memcpy(&pa, p + 17, 2);
		if (!tuple)
			return at + snprintf(buf + at, n - at, "[%s]:%u", a, pa);
		inet_ntop(AF_INET6, p + 19, b, sizeof(b));
		memcpy(&pb, p + 35, 2);
		return at + snprintf(buf + at, n - at, "[%s]:%u->[%s]:%u", a, pa, b, pb);
	}
	if (len >= 1 && p[0] == 1) {
		size_t skip = tuple ? 17 : 1;

		if (len < skip)
			return at;
		return col_put_esc(buf, n, at, p + skip, len - skip, ' ');
	}
	return at + snprintf(buf + at, n - at, "<family %u>", len ? p[0] : 0);
}

int col_format(const struct col_view *v, char *buf, size_t n)
{
	const struct lnr_evt_hdr *h = v->hdr;
	size_t at;

	if (n == 0)
		return 0;
	at = snprintf(buf, n, "%llu.%09llu %u %lld %lld %s",
		      (unsigned long long)(h->ts / 1000000000),
		      (unsigned long long)(h->ts % 1000000000), h->cpu, (long long)h->tid,
		      (long long)h->pid, col_tab_name(h->type));
	for (unsigned i = 0; i < v->evt->nparams && at + 8 < n; i++) {
		const struct col_param *p = &v->evt->params[i];
		int64_t x;

		at += snprintf(buf + at, n - at, " %s=", p->name);
		if (at >= n)
			break;
		if (v->len[i] == 0) {
			at += snprintf(buf + at, n - at, "<NA>");
			continue;
		}
		switch (p->type) {
		case LNR_PT_CHARBUF:
		case LNR_PT_FSPATH:
		case LNR_PT_FSRELPATH:
		case LNR_PT_BYTEBUF:
		case LNR_PT_CHARBUFARRAY:
			at = col_put_esc(buf, n, at, v->val[i], v->len[i], ' ');
			break;
		case LNR_PT_SOCKADDR:
			at = col_put_addr(buf, n, at, v->val[i], v->len[i], 0);
			break;
		case LNR_PT_SOCKTUPLE:
			at = col_put_addr(buf, n, at, v->val[i], v->len[i], 1);
			break;
		case LNR_PT_FLAGS8:
		case LNR_PT_FLAGS16:
		case LNR_PT_FLAGS32:
			if (col_get_int(v, i, &x) == 0)
				at += snprintf(buf + at, n - at, "0x%llx",
					       (unsigned long long)x &
						       (v->len[i] == 8
								? ~0ull
								: ((1ull << (8 * v->len[i])) - 1)));
			break;
		case LNR_PT_MODE:
			if (col_get_int(v, i, &x) == 0)
				at += snprintf(buf + at, n - at, "0%llo", (unsigned long long)x);
			break;
		case LNR_PT_DYN:
			if (v->len[i] == 9) {
				memcpy(&x, v->val[i] + 1, 8);
				at += snprintf(buf + at, n - at, "0x%llx", (unsigned long long)x);
			}
			break;
		default:
			if (col_get_int(v, i, &x) == 0) {
				if (p->type == LNR_PT_UINT64 || p->type == LNR_PT_UINT32 ||
				    p->type == LNR_PT_UID || p->type == LNR_PT_GID)
					at += snprintf(
						buf + at, n - at, "%llu",
						(unsigned long long)x &
							(v->len[i] == 8 ? ~0ull : 0xffffffffull));
				else
					at += snprintf(buf + at, n - at, "%lld", (long long)x);
			}
			break;
		}
		if (at < n && v->trunc[i])
			at += snprintf(buf + at, n - at, "(truncated)");
	}
	if (at >= n)
		buf[n - 1] = 0;
	return (int)at;
}
