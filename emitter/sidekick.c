/* sidekick.c: build falcosidekick's Redis payload (Go encoding/json of its FalcoPayload). */
#include "sidekick.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/random.h>
#include <time.h>

#define SK_MAX_PAYLOAD 4096u /* falcosidekick cuts long fields when the payload is bigger */
#define SK_MAX_FIELD 512u
#define SK_CUT 507u

void sidekick_uuid(char out[37])
{
	unsigned char b[16];

	if (getrandom(b, sizeof(b), 0) != sizeof(b)) {
		struct timespec ts;
		clock_gettime(CLOCK_REALTIME, &ts);
		for (int i = 0; i < 16; i++)
			b[i] = (unsigned char)(((uint64_t)ts.tv_nsec >> (i % 8)) ^
					       (unsigned)rand());
	}
	b[6] = (unsigned char)((b[6] & 0x0f) | 0x40); /* version 4 */
	b[8] = (unsigned char)((b[8] & 0x3f) | 0x80); /* RFC 4122 variant */
	snprintf(out, 37, "%02x%02x%02x%02x-%02x%02x-%02x%02x-%02x%02x-%02x%02x%02x%02x%02x%02x",
		 b[0], b[1], b[2], b[3], b[4], b[5], b[6], b[7], b[8], b[9], b[10], b[11], b[12],
		 b[13], b[14], b[15]);
}

/* Length of the valid UTF-8 sequence at s, 0 if invalid (Go then takes 1 byte as U+FFFD). */
static size_t utf8_len(const unsigned char *s, size_t n, unsigned *cp)
{
	unsigned c = s[0];

	if (c < 0x80) {
		*cp = c;
		return 1;
	}
	size_t need;
	unsigned lo = 0x80, hi = 0xbf, v;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
		v = c & 0x1f;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		v = c & 0x0f;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		v = c & 0x07;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		return 0;
	}
	if (n < need + 1)
		return 0;
	for (size_t i = 1; i <= need; i++) {
		unsigned b = s[i];
		if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf))
			return 0;
		v = v << 6 | (b & 0x3f);
	}
	*cp = v;
	return need + 1;
}

int sidekick_go_string(struct alert_buf *out, const char *str, size_t n)
{
	static const char hex[] = "0123456789abcdef";
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, start = 0;
	char e[8];
	int rc = alert_buf_append(out, "\"", 1);

	while (!rc && i < n) {
		unsigned c = s[i], cp = 0;
		const char *esc = NULL;
		size_t elen = 0, adv = 1;
		if (c < 0x80) {
			if (c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' &&
			    c != '&') {
				i++;
				continue;
			}
			switch (c) {
			case '"':
				esc = "\\\"";
				break;
			case '\\':
				esc = "\\\\";
				break;
			case '\b':
				esc = "\\b";
				break;
			case '\f':
				esc = "\\f";
				break;
			case '\n':
				esc = "\\n";
				break;
			case '\r':
				esc = "\\r";
				break;
			case '\t':
				esc = "\\t";
				break;
			default:
				e[0] = '\\';
				e[1] = 'u';
				e[2] = '0';
				e[3] = '0';
				e[4] = hex[c >> 4];
				e[5] = hex[c & 15];
				e[6] = '\0';
				esc = e;
			}
		} else {
			size_t l = utf8_len(s + i, n - i, &cp);
			if (l && cp != 0x2028 && cp != 0x2029) {
				i += l;
				continue;
			}
			if (!l)
				esc = "\\ufffd";
			else
				esc = cp == 0x2028 ? "\\u2028" : "\\u2029";
			adv = l ? l : 1;
		}
		elen = strlen(esc);
		if (i > start)
			rc = alert_buf_append(out, s + start, i - start);
		if (!rc)
			rc = alert_buf_append(out, esc, elen);
		i += adv;
		start = i;
	}
	if (!rc && i > start)
		rc = alert_buf_append(out, s + start, i - start);
	return rc ? rc : alert_buf_append(out, "\"", 1);
}

/* Go's time.Time MarshalJSON (RFC3339Nano, UTC): fraction without trailing zeros. */
static int go_time(struct alert_buf *out, uint64_t ns)
{
	time_t sec = (time_t)(ns / 1000000000u);
	unsigned frac = (unsigned)(ns % 1000000000u);
	struct tm tm;
	char buf[64], f[16];

	gmtime_r(&sec, &tm);
	size_t n = strftime(buf, sizeof(buf), "\"%Y-%m-%dT%H:%M:%S", &tm);
	if (frac) {
		int d = 9;
		snprintf(f, sizeof(f), "%09u", frac);
		while (d > 0 && f[d - 1] == '0')
			d--;
		f[d] = '\0';
		n += (size_t)snprintf(buf + n, sizeof(buf) - n, ".%s", f);
	}
	snprintf(buf + n, sizeof(buf) - n, "Z\"");
	return alert_buf_append(out, buf, strlen(buf));
}

enum sk_kind { SK_NULL, SK_STRING, SK_LITERAL };

struct sk_field {
	const char *name;     /* points into the alert (or a static prefix name) */
	struct alert_buf key; /* sanitized name */
	enum sk_kind kind;
	struct alert_buf val; /* sanitized string, or the literal text (number, true/false) */
};

static int cmp_sk(const void *x, const void *y)
{
	const struct sk_field *a = x, *b = y;
	size_t n = a->key.len < b->key.len ? a->key.len : b->key.len;
	int c = memcmp(a->key.data, b->key.data, n);

	return c ? c : (a->key.len > b->key.len) - (a->key.len < b->key.len);
}

static int field_literal(const struct alert_field *f, struct alert_buf *v)
{
	char num[32];

	switch (f->type) {
	case ALERT_FT_INT64:
		snprintf(num, sizeof(num), "%lld", (long long)f->v.i64);
		return alert_buf_append(v, num, strlen(num));
	case ALERT_FT_UINT64:
		snprintf(num, sizeof(num), "%llu", (unsigned long long)f->v.u64);
		return alert_buf_append(v, num, strlen(num));
	case ALERT_FT_DOUBLE:
		return alert_json_double(v, f->v.d);
	case ALERT_FT_BOOL:
		return alert_buf_append(v, f->v.b ? "true" : "false", f->v.b ? 4 : 5);
	default:
		return -EINVAL;
	}
}

struct sk {
	struct alert_buf output, rule, hostname, source;
	struct alert_buf *tags;
	size_t ntags;
	struct sk_field *fields;
	size_t nfields;
	bool have_fields;
};

static int marshal(const struct sk *k, const struct alert *a, const char *uuid,
		   struct alert_buf *out)
{
	int rc = alert_buf_append(out, "{\"uuid\":", 8);

#define S(x) (x).data ? (x).data : "", (x).len
	if (!rc)
		rc = sidekick_go_string(out, uuid, strlen(uuid));
	if (!rc)
		rc = alert_buf_append(out, ",\"output\":", 10);
	if (!rc)
		rc = sidekick_go_string(out, S(k->output));
	if (!rc)
		rc = alert_buf_append(out, ",\"priority\":", 12);
	if (!rc) {
		const char *p = alert_priority_name(a->priority);
		rc = sidekick_go_string(out, p ? p : "", p ? strlen(p) : 0);
	}
	if (!rc)
		rc = alert_buf_append(out, ",\"rule\":", 8);
	if (!rc)
		rc = sidekick_go_string(out, S(k->rule));
	if (!rc)
		rc = alert_buf_append(out, ",\"time\":", 8);
	if (!rc)
		rc = go_time(out, a->time_ns);
	if (!rc)
		rc = alert_buf_append(out, ",\"output_fields\":", 17);
	if (!rc && !k->have_fields)
		rc = alert_buf_append(out, "null", 4);
	for (size_t i = 0; !rc && k->have_fields && i <= k->nfields; i++) {
		if (i == k->nfields) {
			rc = alert_buf_append(out, k->nfields ? "}" : "{}", k->nfields ? 1 : 2);
			break;
		}
		rc = alert_buf_append(out, i ? "," : "{", 1);
		if (!rc)
			rc = sidekick_go_string(out, S(k->fields[i].key));
		if (!rc)
			rc = alert_buf_append(out, ":", 1);
		if (rc)
			break;
		if (k->fields[i].kind == SK_NULL)
			rc = alert_buf_append(out, "null", 4);
		else if (k->fields[i].kind == SK_STRING)
			rc = sidekick_go_string(out, S(k->fields[i].val));
		else
			rc = alert_buf_append(out, S(k->fields[i].val));
	}
	if (!rc)
		rc = alert_buf_append(out, ",\"source\":", 10);
	if (!rc)
		rc = sidekick_go_string(out, S(k->source));
	if (!rc && k->ntags) {
		rc = alert_buf_append(out, ",\"tags\":[", 9);
		for (size_t i = 0; !rc && i < k->ntags; i++) {
			if (i)
				rc = alert_buf_append(out, ",", 1);
			if (!rc)
				rc = sidekick_go_string(out, S(k->tags[i]));
		}
		if (!rc)
			rc = alert_buf_append(out, "]", 1);
	}
	if (!rc && k->hostname.len) {
		rc = alert_buf_append(out, ",\"hostname\":", 12);
		if (!rc)
			rc = sidekick_go_string(out, S(k->hostname));
	}
#undef S
	return rc ? rc : alert_buf_append(out, "}", 1);
}

static int cmp_buf(const void *x, const void *y)
{
	const struct alert_buf *a = x, *b = y;
	size_t n = a->len < b->len ? a->len : b->len;
	int c = memcmp(a->data, b->data, n);

	return c ? c : (a->len > b->len) - (a->len < b->len);
}

/* Replaces every occurrence of `from` in b by `to` (Go's strings.ReplaceAll). */
static int replace_all(struct alert_buf *b, const struct alert_buf *from,
		       const struct alert_buf *to)
{
	struct alert_buf r;
	size_t i = 0;
	int rc = 0;

	if (!from->len || b->len < from->len)
		return 0;
	alert_buf_init(&r);
	while (!rc && i < b->len) {
		if (i + from->len <= b->len && memcmp(b->data + i, from->data, from->len) == 0) {
			rc = alert_buf_append(&r, to->data, to->len);
			i += from->len;
		} else {
			rc = alert_buf_append(&r, b->data + i, 1);
			i++;
		}
	}
	if (!rc && !r.data)
		rc = alert_buf_append(&r, "", 0);
	if (rc) {
		alert_buf_fini(&r);
		return rc;
	}
	alert_buf_fini(b);
	*b = r;
	return 0;
}

static void sk_fini(struct sk *k)
{
	alert_buf_fini(&k->output);
	alert_buf_fini(&k->rule);
	alert_buf_fini(&k->hostname);
	alert_buf_fini(&k->source);
	for (size_t i = 0; i < k->ntags; i++)
		alert_buf_fini(&k->tags[i]);
	free(k->tags);
	for (size_t i = 0; i < k->nfields; i++) {
		alert_buf_fini(&k->fields[i].key);
		alert_buf_fini(&k->fields[i].val);
	}
	free(k->fields);
}

static int sanitize(struct alert_buf *b, const char *s)
{
	return alert_utf8_sanitize(b, s ? s : "", s ? strlen(s) : 0);
}

int sidekick_payload(const struct alert *a, const struct alert_fmt *f, const char *uuid,
		     struct alert_buf *out)
{
	struct sk k;
	bool internal = alert_is_internal(a);
	struct alert_buf tmp;
	int rc = 0;

	memset(&k, 0, sizeof(k));
	alert_buf_init(&tmp);
	if (internal || f->json_include_output_property) {
		if (internal)
			rc = sanitize(&k.output, a->output);
		else
			rc = alert_render_output(a, f, &tmp);
		if (!rc && !internal)
			rc = alert_utf8_sanitize(&k.output, tmp.data, tmp.len);
	}
	if (!rc)
		rc = sanitize(&k.rule, a->rule);
	if (!rc)
		rc = sanitize(&k.hostname, a->hostname);
	if (!rc) {
		const char *src = a->source && *a->source ? a->source : "syscalls";
		if (a->rule && strcmp(a->rule, "Test rule") == 0)
			src = "internal";
		rc = sanitize(&k.source, src);
	}
	if (!rc && !internal && f->json_include_tags_property && a->ntags) {
		k.tags = calloc(a->ntags, sizeof(*k.tags));
		if (!k.tags)
			rc = -ENOMEM;
		for (size_t i = 0; !rc && i < a->ntags; i++) {
			rc = sanitize(&k.tags[k.ntags], a->tags[i]);
			k.ntags++;
		}
		if (!rc) {
			/* Falco sends a set (sorted, unique); falcosidekick sorts again */
			qsort(k.tags, k.ntags, sizeof(*k.tags), cmp_buf);
			size_t w = 0;
			for (size_t i = 0; i < k.ntags; i++) {
				if (w && cmp_buf(&k.tags[w - 1], &k.tags[i]) == 0) {
					alert_buf_fini(&k.tags[i]);
					continue;
				}
				k.tags[w++] = k.tags[i];
			}
			k.ntags = w;
		}
	}
	k.have_fields = internal || f->json_include_output_fields_property;
	if (!rc && k.have_fields) {
		size_t n = a->nfields + 1;
		k.fields = calloc(n, sizeof(*k.fields));
		if (!k.fields)
			rc = -ENOMEM;
		for (size_t i = 0; !rc && i < a->nfields; i++) {
			struct sk_field *sf = &k.fields[k.nfields++];
			const struct alert_field *af = &a->fields[i];
			rc = sanitize(&sf->key, af->name);
			if (rc)
				break;
			if (af->type == ALERT_FT_STRING) {
				sf->kind = SK_STRING;
				rc = sanitize(&sf->val, af->v.s);
			} else if (af->type == ALERT_FT_NULL ||
				   (af->type == ALERT_FT_DOUBLE &&
				    !(af->v.d == af->v.d && af->v.d - af->v.d == 0))) {
				sf->kind =
					SK_NULL; /* non-finite doubles are null in Falco's JSON */
			} else {
				sf->kind = SK_LITERAL;
				rc = field_literal(af, &sf->val);
			}
		}
		if (!rc && !internal) {
			struct sk_field *sf = &k.fields[k.nfields++];
			char num[32];
			rc = sanitize(&sf->key,
				      f->time_format_iso_8601 ? "evt.time.iso8601" : "evt.time");
			sf->kind = SK_LITERAL;
			snprintf(num, sizeof(num), "%llu", (unsigned long long)a->time_ns);
			if (!rc)
				rc = alert_buf_append(&sf->val, num, strlen(num));
		}
		if (!rc) {
			/* stable: among equal keys the later one (the prefix field) wins */
			for (size_t i = 0; i < k.nfields; i++)
				for (size_t j = i + 1; j < k.nfields; j++)
					if (!cmp_sk(&k.fields[i], &k.fields[j])) {
						struct sk_field t = k.fields[i];
						k.fields[i] = k.fields[j];
						k.fields[j] = t;
						alert_buf_fini(&k.fields[j].key);
						alert_buf_fini(&k.fields[j].val);
						k.fields[j] = k.fields[--k.nfields];
						j--;
					}
			qsort(k.fields, k.nfields, sizeof(*k.fields), cmp_sk);
		}
	}
	alert_buf_reset(&tmp);
	if (!rc)
		rc = marshal(&k, a, uuid, &tmp);
	if (!rc && tmp.len > SK_MAX_PAYLOAD && k.have_fields) {
		for (size_t i = 0; !rc && i < k.nfields; i++) {
			struct sk_field *sf = &k.fields[i];
			if (sf->kind != SK_STRING || sf->val.len <= SK_MAX_FIELD)
				continue;
			struct alert_buf cut;
			alert_buf_init(&cut);
			rc = alert_buf_append(&cut, sf->val.data, SK_CUT);
			if (!rc)
				rc = alert_buf_append(&cut, "[...]", 5);
			if (!rc)
				rc = replace_all(&k.output, &sf->val, &cut);
			if (!rc) {
				alert_buf_fini(&sf->val);
				sf->val = cut;
			} else {
				alert_buf_fini(&cut);
			}
		}
		alert_buf_reset(&tmp);
		if (!rc)
			rc = marshal(&k, a, uuid, &tmp);
	}
	if (!rc)
		rc = alert_buf_append(out, tmp.data, tmp.len);
	alert_buf_fini(&tmp);
	sk_fini(&k);
	return rc;
}
