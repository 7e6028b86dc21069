/* alert.c: the structured alert: builder, Falco JSON/text rendering, wire encoding. */
#include "alert.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <time.h>

static const char *const prio_names[ALERT_PRIO_COUNT] = {
	"Emergency", "Alert", "Critical", "Error", "Warning", "Notice", "Informational", "Debug",
};

const char *alert_priority_name(enum alert_priority p)
{
	if ((unsigned)p >= ALERT_PRIO_COUNT)
		return NULL;
	return prio_names[p];
}

int alert_priority_parse(const char *s, enum alert_priority *out)
{
	if (!s)
		return -EINVAL;
	for (unsigned i = 0; i < ALERT_PRIO_COUNT; i++) {
		if (strcasecmp(s, prio_names[i]) == 0) {
			*out = (enum alert_priority)i;
			return 0;
		}
	}
	if (strcasecmp(s, "info") == 0) {
		*out = ALERT_PRIO_INFORMATIONAL;
		return 0;
	}
	return -EINVAL;
}

/* ---- buffer ---- */

void alert_buf_init(struct alert_buf *b)
{
	b->data = NULL;
	b->len = 0;
	b->cap = 0;
}

void alert_buf_fini(struct alert_buf *b)
{
	if (!b)
		return;
	free(b->data);
	alert_buf_init(b);
}

void alert_buf_reset(struct alert_buf *b)
{
	b->len = 0;
	if (b->data)
		b->data[0] = '\0';
}

/* Makes room for n more bytes plus a NUL terminator. */
static int buf_reserve(struct alert_buf *b, size_t n)
{
	if (n > SIZE_MAX / 2 - b->len)
		return -ENOMEM;
	size_t need = b->len + n + 1;
	if (need <= b->cap)
		return 0;
	size_t cap = b->cap ? b->cap : 256;
	while (cap < need)
		cap *= 2;
	char *p = realloc(b->data, cap);
	if (!p)
		return -ENOMEM;
	b->data = p;
	b->cap = cap;
	return 0;
}

int alert_buf_append(struct alert_buf *b, const void *p, size_t n)
{
	if (buf_reserve(b, n))
		return -ENOMEM;
	if (n)
		memcpy(b->data + b->len, p, n);
	b->len += n;
	b->data[b->len] = '\0';
	return 0;
}

static int buf_puts(struct alert_buf *b, const char *s)
{
	return alert_buf_append(b, s, strlen(s));
}

static int buf_putc(struct alert_buf *b, char c)
{
	return alert_buf_append(b, &c, 1);
}

/* ---- builder ---- */

struct alert *alert_new(void)
{
	struct alert *a = calloc(1, sizeof(*a));

	if (!a)
		return NULL;
	a->priority = ALERT_PRIO_DEBUG;
	return a;
}

static void field_fini(struct alert_field *f)
{
	free(f->name);
	if (f->type == ALERT_FT_STRING)
		free(f->v.s);
}

void alert_free(struct alert *a)
{
	if (!a)
		return;
	free(a->rule);
	free(a->source);
	free(a->hostname);
	free(a->output);
	for (size_t i = 0; i < a->ntags; i++)
		free(a->tags[i]);
	free(a->tags);
	for (size_t i = 0; i < a->nfields; i++)
		field_fini(&a->fields[i]);
	free(a->fields);
	free(a);
}

static int set_str(char **dst, const char *s)
{
	char *c = NULL;

	if (s) {
		size_t n = strlen(s);
		if (n > ALERT_MAX_STR)
			return -E2BIG;
		c = malloc(n + 1);
		if (!c)
			return -ENOMEM;
		memcpy(c, s, n + 1);
	}
	free(*dst);
	*dst = c;
	return 0;
}

int alert_set_rule(struct alert *a, const char *rule)
{
	return set_str(&a->rule, rule);
}

int alert_set_source(struct alert *a, const char *source)
{
	return set_str(&a->source, source);
}

int alert_set_hostname(struct alert *a, const char *hostname)
{
	return set_str(&a->hostname, hostname);
}

int alert_set_output(struct alert *a, const char *output)
{
	return set_str(&a->output, output);
}

int alert_add_tag(struct alert *a, const char *tag)
{
	char *c = NULL;
	int rc;

	if (!tag)
		return -EINVAL;
	if (a->ntags >= ALERT_MAX_TAGS)
		return -ENOSPC;
	if (a->ntags == a->tags_cap) {
		size_t cap = a->tags_cap ? a->tags_cap * 2 : 8;
		char **t = realloc(a->tags, cap * sizeof(*t));
		if (!t)
			return -ENOMEM;
		a->tags = t;
		a->tags_cap = cap;
	}
	rc = set_str(&c, tag);
	if (rc)
		return rc;
	a->tags[a->ntags++] = c;
	return 0;
}

/* Appends a field slot with a copied name; the caller fills type and value. */
static struct alert_field *add_field(struct alert *a, const char *name, int *rc)
{
	struct alert_field *f;
	char *n = NULL;

	if (!name) {
		*rc = -EINVAL;
		return NULL;
	}
	if (a->nfields >= ALERT_MAX_FIELDS) {
		*rc = -ENOSPC;
		return NULL;
	}
	if (a->nfields == a->fields_cap) {
		size_t cap = a->fields_cap ? a->fields_cap * 2 : 16;
		struct alert_field *p = realloc(a->fields, cap * sizeof(*p));
		if (!p) {
			*rc = -ENOMEM;
			return NULL;
		}
		a->fields = p;
		a->fields_cap = cap;
	}
	*rc = set_str(&n, name);
	if (*rc)
		return NULL;
	f = &a->fields[a->nfields++];
	memset(f, 0, sizeof(*f));
	f->name = n;
	f->type = ALERT_FT_NULL;
	return f;
}

int alert_add_string(struct alert *a, const char *name, const char *value)
{
	char *v = NULL;
	int rc;

	if (!value)
		return alert_add_null(a, name);
	rc = set_str(&v, value);
	if (rc)
		return rc;
	struct alert_field *f = add_field(a, name, &rc);
	if (!f) {
		free(v);
		return rc;
	}
	f->type = ALERT_FT_STRING;
	f->v.s = v;
	return 0;
}

int alert_add_null(struct alert *a, const char *name)
{
	int rc;

	return add_field(a, name, &rc) ? 0 : rc;
}

int alert_add_int64(struct alert *a, const char *name, int64_t v)
{
	int rc;
	struct alert_field *f = add_field(a, name, &rc);

	if (!f)
		return rc;
	f->type = ALERT_FT_INT64;
	f->v.i64 = v;
	return 0;
}

int alert_add_uint64(struct alert *a, const char *name, uint64_t v)
{
	int rc;
	struct alert_field *f = add_field(a, name, &rc);

	if (!f)
		return rc;
	f->type = ALERT_FT_UINT64;
	f->v.u64 = v;
	return 0;
}

int alert_add_double(struct alert *a, const char *name, double v)
{
	int rc;
	struct alert_field *f = add_field(a, name, &rc);

	if (!f)
		return rc;
	f->type = ALERT_FT_DOUBLE;
	f->v.d = v;
	return 0;
}

int alert_add_bool(struct alert *a, const char *name, bool v)
{
	int rc;
	struct alert_field *f = add_field(a, name, &rc);

	if (!f)
		return rc;
	f->type = ALERT_FT_BOOL;
	f->v.b = v;
	return 0;
}

const struct alert_field *alert_find_field(const struct alert *a, const char *name)
{
	for (size_t i = a->nfields; i > 0; i--)
		if (strcmp(a->fields[i - 1].name, name) == 0)
			return &a->fields[i - 1];
	return NULL;
}

static int copy_field(struct alert *d, const struct alert_field *f)
{
	switch (f->type) {
	case ALERT_FT_STRING:
		return alert_add_string(d, f->name, f->v.s);
	case ALERT_FT_INT64:
		return alert_add_int64(d, f->name, f->v.i64);
	case ALERT_FT_UINT64:
		return alert_add_uint64(d, f->name, f->v.u64);
	case ALERT_FT_DOUBLE:
		return alert_add_double(d, f->name, f->v.d);
	case ALERT_FT_BOOL:
		return alert_add_bool(d, f->name, f->v.b);
	default:
		return alert_add_null(d, f->name);
	}
}

struct alert *alert_dup(const struct alert *a)
{
	struct alert *d = alert_new();
	int rc = 0;

	if (!d)
		return NULL;
	d->priority = a->priority;
	d->time_ns = a->time_ns;
	rc = alert_set_rule(d, a->rule);
	if (!rc)
		rc = alert_set_source(d, a->source);
	if (!rc)
		rc = alert_set_hostname(d, a->hostname);
	if (!rc)
		rc = alert_set_output(d, a->output);
	for (size_t i = 0; !rc && i < a->ntags; i++)
		rc = alert_add_tag(d, a->tags[i]);
	for (size_t i = 0; !rc && i < a->nfields; i++)
		rc = copy_field(d, &a->fields[i]);
	if (rc) {
		alert_free(d);
		errno = -rc;
		return NULL;
	}
	return d;
}

bool alert_is_internal(const struct alert *a)
{
	return a->source && strcmp(a->source, "internal") == 0;
}

void alert_fmt_default(struct alert_fmt *f)
{
	f->json_output = false;
	f->json_include_output_property = true;
	f->json_include_tags_property = true;
	f->json_include_message_property = false;
	f->json_include_output_fields_property = true;
	f->time_format_iso_8601 = false;
}

/* ---- JSON primitives (nlohmann::json dump semantics) ---- */

/*
 * Length of the valid UTF-8 sequence at s (n bytes available), or 0 when the
 * bytes are invalid. On 0, *bad is how many bytes form the maximal invalid
 * prefix that one U+FFFD replaces: nlohmann's DFA rejects at the first byte
 * that cannot continue the sequence and re-reads that byte, so a truncated
 * sequence is one replacement and the offending byte starts afresh.
 */
static size_t utf8_seq(const unsigned char *s, size_t n, size_t *bad)
{
	unsigned char c = s[0];
	size_t need;
	unsigned char lo = 0x80, hi = 0xbf;

	if (c < 0x80)
		return 1;
	if (c >= 0xc2 && c <= 0xdf) {
		need = 1;
	} else if (c >= 0xe0 && c <= 0xef) {
		need = 2;
		if (c == 0xe0)
			lo = 0xa0;
		else if (c == 0xed)
			hi = 0x9f;
	} else if (c >= 0xf0 && c <= 0xf4) {
		need = 3;
		if (c == 0xf0)
			lo = 0x90;
		else if (c == 0xf4)
			hi = 0x8f;
	} else {
		*bad = 1;
		return 0;
	}
	for (size_t i = 1; i <= need; i++) {
		if (i >= n) {
			*bad = i; /* truncated at the end of the string */
			return 0;
		}
		unsigned char b = s[i];
		if (i == 1 ? (b < lo || b > hi) : (b < 0x80 || b > 0xbf)) {
			*bad = i; /* the offending byte is re-read */
			return 0;
		}
	}
	return need + 1;
}

/* The escaped bytes of s without the quotes (escaping is per character: bodies concatenate). */
static int json_body(struct alert_buf *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;
	char esc[8];

	if (buf_reserve(out, n + 2))
		return -ENOMEM;
	while (i < n) {
		unsigned char c = s[i];
		const char *e = NULL;
		size_t elen = 0;

		if (c >= 0x20 && c < 0x80 && c != '"' && c != '\\') {
			i++;
			run++;
			continue;
		}
		if (c >= 0x80) {
			size_t bad = 0, l = utf8_seq(s + i, n - i, &bad);
			if (l) {
				i += l;
				run += l;
				continue;
			}
			if (run && alert_buf_append(out, s + i - run, run))
				return -ENOMEM;
			run = 0;
			if (alert_buf_append(out, "\xef\xbf\xbd", 3))
				return -ENOMEM;
			i += bad;
			continue;
		}
		switch (c) {
		case '"':
			e = "\\\"";
			break;
		case '\\':
			e = "\\\\";
			break;
		case '\b':
			e = "\\b";
			break;
		case '\f':
			e = "\\f";
			break;
		case '\n':
			e = "\\n";
			break;
		case '\r':
			e = "\\r";
			break;
		case '\t':
			e = "\\t";
			break;
		default:
			snprintf(esc, sizeof(esc), "\\u%04x", c);
			e = esc;
		}
		elen = strlen(e);
		if (run && alert_buf_append(out, s + i - run, run))
			return -ENOMEM;
		run = 0;
		if (alert_buf_append(out, e, elen))
			return -ENOMEM;
		i++;
	}
	if (run && alert_buf_append(out, s + i - run, run))
		return -ENOMEM;
	return 0;
}

int alert_json_string(struct alert_buf *out, const char *str, size_t n)
{
	if (buf_putc(out, '"') || json_body(out, str, n))
		return -ENOMEM;
	return buf_putc(out, '"');
}

int alert_utf8_sanitize(struct alert_buf *out, const char *str, size_t n)
{
	const unsigned char *s = (const unsigned char *)str;
	size_t i = 0, run = 0;

	if (buf_reserve(out, n))
		return -ENOMEM;
	while (i < n) {
		size_t bad = 0, l = s[i] < 0x80 ? 1 : utf8_seq(s + i, n - i, &bad);
		if (l) {
			i += l;
			run += l;
			continue;
		}
		if (run && alert_buf_append(out, s + i - run, run))
			return -ENOMEM;
		run = 0;
		if (alert_buf_append(out, "\xef\xbf\xbd", 3))
			return -ENOMEM;
		i += bad;
	}
	if (run && alert_buf_append(out, s + i - run, run))
		return -ENOMEM;
	if (!out->data)
		return alert_buf_append(out, "", 0);
	return 0;
}

/*
 * nlohmann::json writes doubles with the shortest digits that round-trip
 * (Grisu2), then: "d...d.0" when the decimal point falls inside [1, 15]
 * digits of an integer, "0.000ddd" down to 1e-4, exponent form otherwise
 * ("1e+16", "1.5e-05": sign always, at least two exponent digits), and "null"
 * for NaN and infinities.
 */
int alert_json_double(struct alert_buf *out, double d)
{
	char tmp[64], digits[32], res[64];
	int ndig = 0, exp10 = 0, p;
	char *r = res;

	if (!isfinite(d))
		return buf_puts(out, "null");
	if (d == 0)
		return buf_puts(out, signbit(d) ? "-0.0" : "0.0");
	if (d < 0) {
		*r++ = '-';
		d = -d;
	}
	for (p = 0; p < 17; p++) {
		snprintf(tmp, sizeof(tmp), "%.*e", p, d);
		if (strtod(tmp, NULL) == d)
			break;
	}
	/* tmp = "d.ddddde[+-]XX": collect digits and the exponent */
	for (char *c = tmp; *c && *c != 'e'; c++)
		if (*c >= '0' && *c <= '9')
			digits[ndig++] = *c;
	exp10 = atoi(strchr(tmp, 'e') + 1);
	while (ndig > 1 && digits[ndig - 1] == '0')
		ndig--;
	digits[ndig] = '\0';
	/* value = 0.d1d2...dk * 10^n with n = exp10 + 1 */
	int k = ndig, n = exp10 + 1;
	if (k <= n && n <= 15) {
		memcpy(r, digits, (size_t)k);
		r += k;
		for (int i = k; i < n; i++)
			*r++ = '0';
		*r++ = '.';
		*r++ = '0';
	} else if (0 < n && n <= 15) {
		memcpy(r, digits, (size_t)n);
		r += n;
		*r++ = '.';
		memcpy(r, digits + n, (size_t)(k - n));
		r += k - n;
	} else if (-4 < n && n <= 0) {
		*r++ = '0';
		*r++ = '.';
		for (int i = n; i < 0; i++)
			*r++ = '0';
		memcpy(r, digits, (size_t)k);
		r += k;
	} else {
		*r++ = digits[0];
		if (k > 1) {
			*r++ = '.';
			memcpy(r, digits + 1, (size_t)(k - 1));
			r += k - 1;
		}
		int e = n - 1;
		*r++ = 'e';
		*r++ = e < 0 ? '-' : '+';
		if (e < 0)
			e = -e;
		r += sprintf(r, "%02d", e);
	}
	*r = '\0';
	return buf_puts(out, res);
}

/* Appends v in decimal (the hot path: no printf). */
static int put_dec(struct alert_buf *out, uint64_t v, bool neg)
{
	char num[24], *p = num + sizeof(num);

	do {
		*--p = (char)('0' + v % 10);
		v /= 10;
	} while (v);
	if (neg)
		*--p = '-';
	return alert_buf_append(out, p, (size_t)(num + sizeof(num) - p));
}

static int json_value(struct alert_buf *out, const struct alert_field *f)
{
	switch (f->type) {
	case ALERT_FT_STRING:
		return alert_json_string(out, f->v.s, strlen(f->v.s));
	case ALERT_FT_INT64:
		/* the magnitude of INT64_MIN does not fit int64: compute it unsigned */
		return f->v.i64 < 0 ? put_dec(out, 0 - (uint64_t)f->v.i64, true)
				    : put_dec(out, (uint64_t)f->v.i64, false);
	case ALERT_FT_UINT64:
		return put_dec(out, f->v.u64, false);
	case ALERT_FT_DOUBLE:
		return alert_json_double(out, f->v.d);
	case ALERT_FT_BOOL:
		return buf_puts(out, f->v.b ? "true" : "false");
	default:
		return buf_puts(out, "null");
	}
}

/* A fixed top-level key (plain ASCII, no escaping needed): written as is. */
static int json_lit_key(struct alert_buf *out, const char *k, bool *first)
{
	if (!*first && buf_putc(out, ','))
		return -ENOMEM;
	*first = false;
	if (buf_putc(out, '"') || buf_puts(out, k) || buf_putc(out, '"'))
		return -ENOMEM;
	return buf_putc(out, ':');
}

static int json_key(struct alert_buf *out, const char *k, bool *first)
{
	if (!*first && buf_putc(out, ','))
		return -ENOMEM;
	*first = false;
	if (alert_json_string(out, k, strlen(k)))
		return -ENOMEM;
	return buf_putc(out, ':');
}

static int json_str_or_empty(struct alert_buf *out, const char *s)
{
	return alert_json_string(out, s ? s : "", s ? strlen(s) : 0);
}

static int cmp_str_ptr(const void *x, const void *y)
{
	return strcmp(*(const char *const *)x, *(const char *const *)y);
}

static int cmp_field_ptr(const void *x, const void *y)
{
	const struct alert_field *a = *(const struct alert_field *const *)x;
	const struct alert_field *b = *(const struct alert_field *const *)y;
	int c = strcmp(a->name, b->name);

	/* equal names: later insertion last, so the last one wins when deduplicating */
	if (c)
		return c;
	return a < b ? -1 : (a > b);
}

/*
 * Writes the output_fields object: the alert's fields plus an optional
 * prefix field (evt.time), sorted by name, a name kept once with its last value.
 */
static int json_fields(struct alert_buf *out, const struct alert *a,
		       const struct alert_field *extra)
{
	size_t n = a->nfields + (extra ? 1 : 0);
	const struct alert_field *stackv[64];
	const struct alert_field **v = n <= 64 ? stackv : malloc(n * sizeof(*v));
	bool first = true;
	int rc = 0;

	if (!v)
		return -ENOMEM;
	for (size_t i = 0; i < a->nfields; i++)
		v[i] = &a->fields[i];
	if (extra)
		v[a->nfields] =
			extra; /* highest address among equals is not guaranteed: handled below */
	qsort(v, n, sizeof(*v), cmp_field_ptr);
	rc = buf_putc(out, '{');
	for (size_t i = 0; !rc && i < n; i++) {
		size_t j = i;
		/* among equal names keep the prefix field (Falco overwrites with it), else the last */
		const struct alert_field *pick = v[i];
		while (j + 1 < n && strcmp(v[j + 1]->name, v[i]->name) == 0)
			pick = v[++j];
		for (size_t t = i; t <= j; t++)
			if (v[t] == extra)
				pick = extra;
		i = j;
		rc = json_key(out, pick->name, &first);
		if (!rc)
			rc = json_value(out, pick);
	}
	if (!rc)
		rc = buf_putc(out, '}');
	if (v != stackv)
		free(v);
	return rc;
}

static int json_tags(struct alert_buf *out, const struct alert *a)
{
	const char *stackt[32];
	const char **t = a->ntags <= 32 ? stackt : malloc(a->ntags * sizeof(*t));
	int rc;

	if (!t)
		return -ENOMEM;
	for (size_t i = 0; i < a->ntags; i++)
		t[i] = a->tags[i];
	qsort(t, a->ntags, sizeof(*t), cmp_str_ptr);
	rc = buf_putc(out, '[');
	for (size_t i = 0; !rc && i < a->ntags; i++) {
		if (i && strcmp(t[i], t[i - 1]) == 0)
			continue; /* a std::set holds each tag once */
		if (i && buf_putc(out, ','))
			rc = -ENOMEM;
		if (!rc)
			rc = alert_json_string(out, t[i], strlen(t[i]));
	}
	if (!rc)
		rc = buf_putc(out, ']');
	if (t != stackt)
		free(t);
	return rc;
}

int alert_render_time_rfc3339(uint64_t time_ns, struct alert_buf *out)
{
	time_t sec = (time_t)(time_ns / 1000000000u);
	struct tm tm;
	char buf[64];

	if (!gmtime_r(&sec, &tm))
		memset(&tm, 0, sizeof(tm));
	size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
	snprintf(buf + n, sizeof(buf) - n, ".%09uZ", (unsigned)(time_ns % 1000000000u));
	return buf_puts(out, buf);
}

/* libsinsp's %evt.time (local time of day) or %evt.time.iso8601. */
static int render_prefix_time(uint64_t time_ns, bool iso, struct alert_buf *out)
{
	time_t sec = (time_t)(time_ns / 1000000000u);
	unsigned ns = (unsigned)(time_ns % 1000000000u);
	char buf[80];
	struct tm tm;

	if (iso) {
		if (!gmtime_r(&sec, &tm))
			memset(&tm, 0, sizeof(tm));
		size_t n = strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%S", &tm);
		snprintf(buf + n, sizeof(buf) - n, ".%09u+0000", ns);
	} else {
		/* libsinsp applies the zone offset in effect now, not at the event */
		time_t now = time(NULL);
		long off = 0;
		if (localtime_r(&now, &tm))
			off = tm.tm_gmtoff;
		long long s = ((long long)sec + off) % 86400;
		if (s < 0)
			s += 86400;
		snprintf(buf, sizeof(buf), "%02lld:%02lld:%02lld.%09u", s / 3600, (s % 3600) / 60,
			 s % 60, ns);
	}
	return buf_puts(out, buf);
}

static const char *prio_name_safe(enum alert_priority p)
{
	const char *n = alert_priority_name(p);

	return n ? n : "Debug";
}

int alert_render_output(const struct alert *a, const struct alert_fmt *f, struct alert_buf *out)
{
	bool internal = alert_is_internal(a);
	int rc = render_prefix_time(a->time_ns, internal ? false : f->time_format_iso_8601, out);

	if (!rc)
		rc = buf_puts(out, ": ");
	if (!rc)
		rc = buf_puts(out, prio_name_safe(a->priority));
	if (!rc)
		rc = buf_putc(out, ' ');
	if (!rc && a->output)
		rc = buf_puts(out, a->output);
	if (!rc && internal) {
		/* Falco's text form of internal messages: " (k=v k=v)", keys sorted (a JSON
		 * object's order), values as JSON */
		const struct alert_field **v = malloc((a->nfields ? a->nfields : 1) * sizeof(*v));
		if (!v)
			return -ENOMEM;
		for (size_t i = 0; i < a->nfields; i++)
			v[i] = &a->fields[i];
		qsort(v, a->nfields, sizeof(*v), cmp_field_ptr);
		rc = buf_puts(out, " (");
		for (size_t i = 0; !rc && i < a->nfields; i++) {
			if (i + 1 < a->nfields && !strcmp(v[i]->name, v[i + 1]->name))
				continue; /* the last value of a name wins */
			if (out->data[out->len - 1] != '(')
				rc = buf_putc(out, ' ');
			if (!rc)
				rc = buf_puts(out, v[i]->name);
			if (!rc)
				rc = buf_putc(out, '=');
			if (!rc)
				rc = json_value(out, v[i]);
		}
		if (!rc)
			rc = buf_putc(out, ')');
		free(v);
	}
	return rc;
}

static int render_json_internal(const struct alert *a, struct alert_buf *out)
{
	bool first = true;
	int rc = buf_putc(out, '{');

	if (!rc)
		rc = json_lit_key(out, "hostname", &first);
	if (!rc)
		rc = json_str_or_empty(out, a->hostname);
	if (!rc)
		rc = json_lit_key(out, "output", &first);
	if (!rc)
		rc = json_str_or_empty(out, a->output);
	if (!rc)
		rc = json_lit_key(out, "output_fields", &first);
	if (!rc)
		rc = json_fields(out, a, NULL);
	if (!rc)
		rc = json_lit_key(out, "priority", &first);
	if (!rc)
		rc = json_str_or_empty(out, prio_name_safe(a->priority));
	if (!rc)
		rc = json_lit_key(out, "rule", &first);
	if (!rc)
		rc = json_str_or_empty(out, a->rule);
	if (!rc)
		rc = json_lit_key(out, "source", &first);
	if (!rc)
		rc = json_str_or_empty(out, "internal");
	if (!rc)
		rc = json_lit_key(out, "time", &first);
	if (!rc)
		rc = buf_putc(out, '"');
	if (!rc)
		rc = alert_render_time_rfc3339(a->time_ns, out);
	if (!rc)
		rc = buf_putc(out, '"');
	if (!rc)
		rc = buf_putc(out, '}');
	return rc;
}

int alert_render_json(const struct alert *a, const struct alert_fmt *f, struct alert_buf *out)
{
	bool first = true;
	int rc;

	if (alert_is_internal(a))
		return render_json_internal(a, out);
	rc = buf_putc(out, '{');
	if (!rc)
		rc = json_lit_key(out, "hostname", &first);
	if (!rc)
		rc = json_str_or_empty(out, a->hostname);
	if (!rc && f->json_include_message_property) {
		rc = json_lit_key(out, "message", &first);
		if (!rc)
			rc = json_str_or_empty(out, a->output);
	}
	if (!rc && f->json_include_output_property) {
		/* the prefix is plain ASCII: its escape is itself, then the output's escape */
		rc = json_lit_key(out, "output", &first);
		if (!rc)
			rc = buf_putc(out, '"');
		if (!rc)
			rc = render_prefix_time(a->time_ns, f->time_format_iso_8601, out);
		if (!rc)
			rc = buf_puts(out, ": ");
		if (!rc)
			rc = buf_puts(out, prio_name_safe(a->priority));
		if (!rc)
			rc = buf_putc(out, ' ');
		if (!rc && a->output)
			rc = json_body(out, a->output, strlen(a->output));
		if (!rc)
			rc = buf_putc(out, '"');
	}
	if (!rc && f->json_include_output_fields_property) {
		struct alert_field t = {
			.name = (char *)(f->time_format_iso_8601 ? "evt.time.iso8601" : "evt.time"),
			.type = ALERT_FT_UINT64,
			.v.u64 = a->time_ns,
		};
		rc = json_lit_key(out, "output_fields", &first);
		if (!rc)
			rc = json_fields(out, a, &t);
	}
	if (!rc)
		rc = json_lit_key(out, "priority", &first);
	if (!rc)
		rc = json_str_or_empty(out, prio_name_safe(a->priority));
	if (!rc)
		rc = json_lit_key(out, "rule", &first);
	if (!rc)
		rc = json_str_or_empty(out, a->rule);
	if (!rc)
		rc = json_lit_key(out, "source", &first);
	if (!rc)
		rc = json_str_or_empty(out, a->source);
	if (!rc && f->json_include_tags_property) {
		rc = json_lit_key(out, "tags", &first);
		if (!rc)
			rc = json_tags(out, a);
	}
	if (!rc)
		rc = json_lit_key(out, "time", &first);
	if (!rc)
		rc = buf_putc(out, '"');
	if (!rc)
		rc = alert_render_time_rfc3339(a->time_ns, out);
	if (!rc)
		rc = buf_puts(out, "\"}");
	return rc;
}

int alert_render(const struct alert *a, const struct alert_fmt *f, struct alert_buf *out)
{
	if (f->json_output)
		return alert_render_json(a, f, out);
	return alert_render_output(a, f, out);
}

/* ---- wire encoding ---- */

/*
 * Layout (little-endian):
 *   u16 magic 'AL', u8 version, u8 priority, u64 time_ns,
 *   str rule, str source, str hostname, str output   (str = u32 len + bytes;
 *       len 0xffffffff = absent (NULL))
 *   u32 ntags, ntags x str
 *   u32 nfields, nfields x (str name, u8 type, value)
 *       value: STRING str | INT64/UINT64/DOUBLE 8 bytes | BOOL u8 0/1 | NULL nothing
 */
#define WIRE_ABSENT 0xffffffffu

static int put_u8(struct alert_buf *b, uint8_t v)
{
	return alert_buf_append(b, &v, 1);
}

static int put_u16(struct alert_buf *b, uint16_t v)
{
	uint8_t x[2] = {(uint8_t)v, (uint8_t)(v >> 8)};

	return alert_buf_append(b, x, 2);
}

static int put_u32(struct alert_buf *b, uint32_t v)
{
	uint8_t x[4] = {(uint8_t)v, (uint8_t)(v >> 8), (uint8_t)(v >> 16), (uint8_t)(v >> 24)};

	return alert_buf_append(b, x, 4);
}

static int put_u64(struct alert_buf *b, uint64_t v)
{
	uint8_t x[8];

	for (int i = 0; i < 8; i++)
		x[i] = (uint8_t)(v >> (8 * i));
	return alert_buf_append(b, x, 8);
}

static int put_str(struct alert_buf *b, const char *s)
{
	if (!s)
		return put_u32(b, WIRE_ABSENT);
	size_t n = strlen(s);
	if (n > ALERT_MAX_STR)
		return -E2BIG;
	int rc = put_u32(b, (uint32_t)n);
	return rc ? rc : alert_buf_append(b, s, n);
}

int alert_encode(const struct alert *a, struct alert_buf *out)
{
	size_t start = out->len;
	int rc = put_u16(out, ALERT_WIRE_MAGIC);

	if (!rc)
		rc = put_u8(out, ALERT_WIRE_VERSION);
	if (!rc)
		rc = put_u8(out, (uint8_t)a->priority);
	if (!rc)
		rc = put_u64(out, a->time_ns);
	if (!rc)
		rc = put_str(out, a->rule);
	if (!rc)
		rc = put_str(out, a->source);
	if (!rc)
		rc = put_str(out, a->hostname);
	if (!rc)
		rc = put_str(out, a->output);
	if (!rc)
		rc = put_u32(out, (uint32_t)a->ntags);
	for (size_t i = 0; !rc && i < a->ntags; i++)
		rc = put_str(out, a->tags[i]);
	if (!rc)
		rc = put_u32(out, (uint32_t)a->nfields);
	for (size_t i = 0; !rc && i < a->nfields; i++) {
		const struct alert_field *f = &a->fields[i];
		uint64_t bits;
		rc = put_str(out, f->name);
		if (!rc)
			rc = put_u8(out, (uint8_t)f->type);
		if (rc)
			break;
		switch (f->type) {
		case ALERT_FT_STRING:
			rc = put_str(out, f->v.s);
			break;
		case ALERT_FT_INT64:
			rc = put_u64(out, (uint64_t)f->v.i64);
			break;
		case ALERT_FT_UINT64:
			rc = put_u64(out, f->v.u64);
			break;
		case ALERT_FT_DOUBLE:
			memcpy(&bits, &f->v.d, 8);
			rc = put_u64(out, bits);
			break;
		case ALERT_FT_BOOL:
			rc = put_u8(out, f->v.b ? 1 : 0);
			break;
		default:
			break;
		}
	}
	if (!rc && out->len - start > ALERT_MAX_WIRE)
		rc = -E2BIG;
	if (rc) {
		out->len = start;
		if (out->data)
			out->data[start] = '\0';
	}
	return rc;
}

struct rd {
	const uint8_t *p;
	size_t left;
};

static int get_bytes(struct rd *r, void *dst, size_t n)
{
	if (r->left < n)
		return -EINVAL;
	memcpy(dst, r->p, n);
	r->p += n;
	r->left -= n;
	return 0;
}

static int get_u8(struct rd *r, uint8_t *v)
{
	return get_bytes(r, v, 1);
}

static int get_u32(struct rd *r, uint32_t *v)
{
	uint8_t x[4];

	if (get_bytes(r, x, 4))
		return -EINVAL;
	*v = (uint32_t)x[0] | (uint32_t)x[1] << 8 | (uint32_t)x[2] << 16 | (uint32_t)x[3] << 24;
	return 0;
}

static int get_u64(struct rd *r, uint64_t *v)
{
	uint8_t x[8];

	if (get_bytes(r, x, 8))
		return -EINVAL;
	*v = 0;
	for (int i = 7; i >= 0; i--)
		*v = *v << 8 | x[i];
	return 0;
}

/* Reads a str into a new NUL-terminated copy (NULL when absent unless required). */
static int get_str(struct rd *r, char **out, bool required)
{
	uint32_t n;

	*out = NULL;
	if (get_u32(r, &n))
		return -EINVAL;
	if (n == WIRE_ABSENT)
		return required ? -EINVAL : 0;
	if (n > ALERT_MAX_STR)
		return -E2BIG;
	if (r->left < n || memchr(r->p, '\0', n))
		return -EINVAL;
	char *s = malloc((size_t)n + 1);
	if (!s)
		return -ENOMEM;
	memcpy(s, r->p, n);
	s[n] = '\0';
	r->p += n;
	r->left -= n;
	*out = s;
	return 0;
}

int alert_decode(const void *buf, size_t len, struct alert **out)
{
	struct rd r = {.p = buf, .left = len};
	struct alert *a;
	uint8_t m0, m1, ver, prio;
	uint32_t n;
	int rc;

	if (len > ALERT_MAX_WIRE)
		return -E2BIG;
	if (get_u8(&r, &m0) || get_u8(&r, &m1) || get_u8(&r, &ver) || get_u8(&r, &prio))
		return -EINVAL;
	if ((m0 | m1 << 8) != ALERT_WIRE_MAGIC || ver != ALERT_WIRE_VERSION ||
	    prio >= ALERT_PRIO_COUNT)
		return -EINVAL;
	a = alert_new();
	if (!a)
		return -ENOMEM;
	a->priority = (enum alert_priority)prio;
	rc = get_u64(&r, &a->time_ns);
	if (!rc)
		rc = get_str(&r, &a->rule, false);
	if (!rc)
		rc = get_str(&r, &a->source, false);
	if (!rc)
		rc = get_str(&r, &a->hostname, false);
	if (!rc)
		rc = get_str(&r, &a->output, false);
	if (!rc)
		rc = get_u32(&r, &n);
	if (!rc && n > ALERT_MAX_TAGS)
		rc = -E2BIG;
	if (!rc && n) {
		/* each tag needs at least 4 bytes: bound the allocation by the input */
		if ((size_t)n > r.left / 4) {
			rc = -EINVAL;
		} else {
			a->tags = calloc(n, sizeof(*a->tags));
			a->tags_cap = n;
			if (!a->tags)
				rc = -ENOMEM;
		}
		for (uint32_t i = 0; !rc && i < n; i++) {
			rc = get_str(&r, &a->tags[i], true);
			if (!rc)
				a->ntags++;
		}
	}
	if (!rc)
		rc = get_u32(&r, &n);
	if (!rc && n > ALERT_MAX_FIELDS)
		rc = -E2BIG;
	if (!rc && n) {
		if ((size_t)n > r.left / 5) {
			rc = -EINVAL;
		} else {
			a->fields = calloc(n, sizeof(*a->fields));
			a->fields_cap = n;
			if (!a->fields)
				rc = -ENOMEM;
		}
		for (uint32_t i = 0; !rc && i < n; i++) {
			struct alert_field *f = &a->fields[i];
			uint8_t t, b = 0;
			uint64_t u = 0;
			rc = get_str(&r, &f->name, true);
			if (rc)
				break;
			f->type = ALERT_FT_NULL;
			a->nfields++;
			if (get_u8(&r, &t)) {
				rc = -EINVAL;
				break;
			}
			switch (t) {
			case ALERT_FT_NULL:
				break;
			case ALERT_FT_STRING:
				rc = get_str(&r, &f->v.s, true);
				if (!rc)
					f->type = ALERT_FT_STRING;
				break;
			case ALERT_FT_INT64:
			case ALERT_FT_UINT64:
			case ALERT_FT_DOUBLE:
				rc = get_u64(&r, &u);
				f->type = (enum alert_ftype)t;
				if (t == ALERT_FT_INT64)
					f->v.i64 = (int64_t)u;
				else if (t == ALERT_FT_UINT64)
					f->v.u64 = u;
				else
					memcpy(&f->v.d, &u, 8);
				break;
			case ALERT_FT_BOOL:
				rc = get_u8(&r, &b);
				if (!rc && b > 1)
					rc = -EINVAL;
				f->type = ALERT_FT_BOOL;
				f->v.b = b == 1;
				break;
			default:
				rc = -EINVAL;
			}
		}
	}
	if (!rc && r.left != 0)
		rc = -EINVAL; /* trailing bytes: not one alert */
	if (rc) {
		alert_free(a);
		return rc;
	}
	*out = a;
	return 0;
}

/* Skips a str (validating it like get_str); p and n get its bytes (NULL when absent). */
static int skip_str(struct rd *r, bool required, const char **p, size_t *n)
{
	uint32_t len;

	if (get_u32(r, &len))
		return -EINVAL;
	if (len == WIRE_ABSENT) {
		if (p)
			*p = NULL;
		if (n)
			*n = 0;
		return required ? -EINVAL : 0;
	}
	if (len > ALERT_MAX_STR)
		return -E2BIG;
	if (r->left < len || memchr(r->p, '\0', len))
		return -EINVAL;
	if (p)
		*p = (const char *)r->p;
	if (n)
		*n = len;
	r->p += len;
	r->left -= len;
	return 0;
}

int alert_check(const void *buf, size_t len, struct alert_peek *pk)
{
	struct rd r = {.p = buf, .left = len};
	uint8_t m0, m1, ver, pr, t, b;
	uint64_t u;
	uint32_t n;
	const char *rp = NULL, *sp = NULL;
	size_t rl = 0, sl = 0;
	int rc;

	if (len > ALERT_MAX_WIRE)
		return -E2BIG;
	if (get_u8(&r, &m0) || get_u8(&r, &m1) || get_u8(&r, &ver) || get_u8(&r, &pr))
		return -EINVAL;
	if ((m0 | m1 << 8) != ALERT_WIRE_MAGIC || ver != ALERT_WIRE_VERSION ||
	    pr >= ALERT_PRIO_COUNT)
		return -EINVAL;
	if (get_u64(&r, &u))
		return -EINVAL;
	rc = skip_str(&r, false, &rp, &rl);
	if (!rc)
		rc = skip_str(&r, false, &sp, &sl);
	for (int i = 0; !rc && i < 2; i++)
		rc = skip_str(&r, false, NULL, NULL);
	if (!rc)
		rc = get_u32(&r, &n);
	if (!rc && n > ALERT_MAX_TAGS)
		rc = -E2BIG;
	if (!rc && n && (size_t)n > r.left / 4)
		rc = -EINVAL;
	for (uint32_t i = 0; !rc && i < n; i++)
		rc = skip_str(&r, true, NULL, NULL);
	if (!rc)
		rc = get_u32(&r, &n);
	if (!rc && n > ALERT_MAX_FIELDS)
		rc = -E2BIG;
	if (!rc && n && (size_t)n > r.left / 5)
		rc = -EINVAL;
	for (uint32_t i = 0; !rc && i < n; i++) {
		rc = skip_str(&r, true, NULL, NULL);
		if (rc)
			break;
		if (get_u8(&r, &t)) {
			rc = -EINVAL;
			break;
		}
		switch (t) {
		case ALERT_FT_NULL:
			break;
		case ALERT_FT_STRING:
			rc = skip_str(&r, true, NULL, NULL);
			break;
		case ALERT_FT_INT64:
		case ALERT_FT_UINT64:
		case ALERT_FT_DOUBLE:
			rc = get_u64(&r, &u);
			break;
		case ALERT_FT_BOOL:
			rc = get_u8(&r, &b);
			if (!rc && b > 1)
				rc = -EINVAL;
			break;
		default:
			rc = -EINVAL;
		}
	}
	if (!rc && r.left != 0)
		rc = -EINVAL;
	if (rc)
		return rc;
	pk->priority = (enum alert_priority)pr;
	pk->rule = rp;
	pk->rule_len = rl;
	pk->source = sp;
	pk->source_len = sl;
	return 0;
}
