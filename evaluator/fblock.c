/* fblock.c: encoding and zero-copy decoding of the field block. */
#include "fblock.h"

#include <errno.h>
#include <string.h>

/* Bytes one value of type t takes in a block, for fixed-size kinds; 0 for strings. */
static uint32_t fixed_size(uint16_t t)
{
	switch (t) {
	case LNR_PT_CHARBUF:
	case LNR_PT_FSPATH:
	case LNR_PT_FSRELPATH:
	case LNR_PT_BYTEBUF:
		return 0;
	case LNR_PT_IPADDR:
	case LNR_PT_IPV4ADDR:
	case LNR_PT_IPV6ADDR:
		return 17;
	case LNR_PT_IPNET:
	case LNR_PT_IPV4NET:
	case LNR_PT_IPV6NET:
		return 18;
	default:
		return 8;
	}
}

int fblock_begin(struct fblock_writer *w, void *buf, size_t cap, uint32_t n, uint32_t gen)
{
	struct fblock_hdr h = {FBLOCK_MAGIC, 0, n, gen};
	size_t need = sizeof(h) + (size_t)n * 4;

	memset(w, 0, sizeof(*w));
	w->buf = buf;
	w->cap = cap > UINT32_MAX ? UINT32_MAX : (uint32_t)cap;
	w->n = n;
	if (need > w->cap) {
		w->err = -ENOSPC;
		return w->err;
	}
	memcpy(w->buf, &h, sizeof(h));
	memset(w->buf + sizeof(h), 0, (size_t)n * 4);
	w->off = (uint32_t)need;
	return 0;
}

static int room(struct fblock_writer *w, uint32_t n)
{
	if (w->err || n > w->cap - w->off) {
		w->err = -ENOSPC;
		return 0;
	}
	return 1;
}

void fblock_put(struct fblock_writer *w, const struct fld_val *vals, int cnt, size_t max_str)
{
	uint32_t entry = w->next++;
	uint16_t hdr[2];

	if (w->err || entry >= w->n) {
		if (!w->err)
			w->err = -EINVAL;
		return;
	}
	if (cnt <= 0)
		return; /* offset stays 0: no value */
	if (cnt > UINT16_MAX)
		cnt = UINT16_MAX;
	if (!room(w, 4))
		return;
	hdr[0] = (uint16_t)cnt;
	hdr[1] = vals[0].type;
	memcpy(w->buf + sizeof(struct fblock_hdr) + entry * 4, &w->off, 4);
	memcpy(w->buf + w->off, hdr, 4);
	w->off += 4;
	for (int i = 0; i < cnt; i++) {
		const struct fld_val *v = &vals[i];
		uint32_t fs = fixed_size(vals[0].type);

		if (fs == 0) {
			uint32_t l =
				(uint32_t)(max_str && v->str.len > max_str ? max_str : v->str.len);

			if (!room(w, 4 + l))
				return;
			memcpy(w->buf + w->off, &l, 4);
			memcpy(w->buf + w->off + 4, v->str.p, l);
			w->off += 4 + l;
		} else if (fs == 8) {
			if (!room(w, 8))
				return;
			memcpy(w->buf + w->off, &v->u64, 8);
			w->off += 8;
		} else {
			if (!room(w, fs))
				return;
			w->buf[w->off] = v->ip.family;
			memcpy(w->buf + w->off + 1, v->ip.a, 16);
			if (fs == 18)
				w->buf[w->off + 17] = v->net.prefix;
			w->off += fs;
		}
	}
}

int fblock_end(struct fblock_writer *w)
{
	if (w->err)
		return w->err;
	if (w->next != w->n)
		return -EINVAL;
	memcpy(w->buf + offsetof(struct fblock_hdr, len), &w->off, 4);
	return (int)w->off;
}

int fblock_open(const void *p, size_t avail, struct fblock_view *v)
{
	struct fblock_hdr h;

	if (avail < sizeof(h))
		return -EBADMSG;
	memcpy(&h, p, sizeof(h));
	if (h.magic != FBLOCK_MAGIC || h.len < sizeof(h) || h.len > avail ||
	    h.n > (h.len - sizeof(h)) / 4)
		return -EBADMSG;
	v->base = p;
	v->len = h.len;
	v->n = h.n;
	v->gen = h.gen;
	v->off = (const uint32_t *)((const uint8_t *)p + sizeof(h));
	return 0;
}

int fblock_get(const struct fblock_view *v, uint32_t i, struct fld_val *out, uint32_t max)
{
	uint32_t off, pos;
	uint16_t hdr[2];
	uint32_t fs;
	int n;

	if (i >= v->n)
		return 0;
	memcpy(&off, &v->off[i], 4);
	if (off == 0)
		return 0;
	if (off < sizeof(struct fblock_hdr) + v->n * 4 || off > v->len - 4)
		return -EBADMSG;
	memcpy(hdr, v->base + off, 4);
	pos = off + 4;
	fs = fixed_size(hdr[1]);
	n = hdr[0] < max ? hdr[0] : (int)max;
	for (int k = 0; k < n; k++) {
		struct fld_val *o = &out[k];

		o->type = hdr[1];
		if (fs == 0) {
			uint32_t l;

			if (pos > v->len - 4)
				return -EBADMSG;
			memcpy(&l, v->base + pos, 4);
			if (l > v->len - pos - 4)
				return -EBADMSG;
			o->str.p = (const char *)v->base + pos + 4;
			o->str.len = l;
			pos += 4 + l;
		} else if (fs == 8) {
			if (pos > v->len - 8)
				return -EBADMSG;
			memcpy(&o->u64, v->base + pos, 8);
			pos += 8;
		} else {
			if (pos > v->len - fs)
				return -EBADMSG;
			memset(&o->net, 0, sizeof(o->net));
			o->ip.family = v->base[pos];
			memcpy(o->ip.a, v->base + pos + 1, 16);
			if (fs == 18)
				o->net.prefix = v->base[pos + 17];
			pos += fs;
		}
	}
	return n;
}
