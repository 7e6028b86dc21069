/* rules_output.c: compiles Falco output formats and renders them (text and typed alert fields). */
#include "rules_output.h"

#include <arpa/inet.h>
#include <ctype.h>
#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "rules_compile.h"

/* Transformers usable in outputs, applied to the field's string form. */
enum out_tr { TR_NONE, TR_TOLOWER, TR_TOUPPER, TR_BASENAME, TR_LEN, TR_B64 };

struct out_tok {
	bool is_field;
	char *text; /* literal text, or the field's key ("proc.aname[2]", "tolower(proc.name)") */
	size_t len;
	struct fld_ref ref; /* ref.arg points into argbuf, or into fname (evt.arg.X) */
	char *fname;	    /* field name (owned) */
	char *argbuf;	    /* owned copy of the argument, or NULL */
	enum out_tr tr;
	uint32_t width; /* 0: none */
};

struct rules_outfmt {
	struct out_tok *toks;
	size_t ntoks;
	size_t nfields;
};

void rules_outfmt_free(struct rules_outfmt *f)
{
	if (!f)
		return;
	for (size_t i = 0; i < f->ntoks; i++) {
		free(f->toks[i].text);
		free(f->toks[i].fname);
		free(f->toks[i].argbuf);
	}
	free(f->toks);
	free(f);
}

size_t rules_outfmt_nfields(const struct rules_outfmt *f)
{
	return f->nfields;
}

const char *rules_outfmt_key(const struct rules_outfmt *f, size_t i)
{
	for (size_t k = 0; k < f->ntoks; k++) {
		if (!f->toks[k].is_field)
			continue;
		if (i-- == 0)
			return f->toks[k].text;
	}
	return NULL;
}

static struct out_tok *push_tok(struct rules_outfmt *f)
{
	struct out_tok *t = realloc(f->toks, (f->ntoks + 1) * sizeof(*t));

	if (!t)
		return NULL;
	f->toks = t;
	t = &t[f->ntoks++];
	memset(t, 0, sizeof(*t));
	return t;
}

static int push_text(struct rules_outfmt *f, const char *s, size_t n)
{
	struct out_tok *t;

	if (n == 0)
		return 0;
	t = push_tok(f);
	if (!t)
		return -ENOMEM;
	t->text = strndup(s, n);
	t->len = n;
	return t->text ? 0 : -ENOMEM;
}

/* Longest FieldName at s ([a-zA-Z][a-zA-Z0-9_]* joined by '.', at least two parts). */
static size_t field_span(const char *s)
{
	size_t i = 0, parts = 0;

	for (;;) {
		if (!isalpha((unsigned char)s[i]))
			break;
		while (isalnum((unsigned char)s[i]) || s[i] == '_')
			i++;
		parts++;
		if (s[i] != '.' || !isalpha((unsigned char)s[i + 1]))
			break;
		i++;
	}
	return parts >= 2 ? i : 0;
}

static bool full_field_name(const char *s, size_t n)
{
	char buf[256];

	if (n >= sizeof(buf))
		return false;
	memcpy(buf, s, n);
	buf[n] = '\0';
	return field_span(buf) == n;
}

/*
 * Parses a field (with optional [arg]) at s into t; returns bytes consumed or
 * 0 when no real field is named. The longest prefix that resolves wins.
 */
static size_t parse_field(const char *s, struct out_tok *t, char *msg, size_t msgsz)
{
	size_t span = field_span(s);
	char name[256];

	if (span == 0 || span >= sizeof(name))
		return 0;
	/* With an argument: only the whole name takes it. */
	if (s[span] == '[') {
		const char *e = strchr(s + span + 1, ']');

		if (e) {
			size_t al = (size_t)(e - (s + span + 1));

			memcpy(name, s, span);
			name[span] = '\0';
			t->argbuf = strndup(s + span + 1, al);
			if (!t->argbuf)
				return 0;
			if (fld_resolve(name, t->argbuf, al, &t->ref, msg, msgsz) == 0) {
				t->fname = strdup(name);
				return t->fname ? (size_t)(e - s) + 1 : 0;
			}
			free(t->argbuf);
			t->argbuf = NULL;
		}
	}
	for (size_t n = span; n > 0; n--) {
		if (!full_field_name(s, n))
			continue;
		/* Resolved from the owned copy: a dotted name (evt.arg.target) leaves ref.arg
		 * pointing into the name it was resolved from. */
		t->fname = strndup(s, n);
		if (!t->fname)
			return 0;
		if (fld_resolve(t->fname, NULL, 0, &t->ref, msg, msgsz) == 0)
			return n;
		free(t->fname);
		t->fname = NULL;
	}
	return 0;
}

struct rules_outfmt *rules_outfmt_compile(const char *fmt, char *msg, size_t msgsz, size_t *err_off)
{
	static const struct {
		const char *name;
		enum out_tr tr;
	} trs[] = {{"tolower(", TR_TOLOWER},
		   {"toupper(", TR_TOUPPER},
		   {"basename(", TR_BASENAME},
		   {"len(", TR_LEN},
		   {"b64(", TR_B64}};
	struct rules_outfmt *f = calloc(1, sizeof(*f));
	const char *p = fmt, *lit;
	char fmsg[160];

	*err_off = 0;
	if (!f) {
		snprintf(msg, msgsz, "out of memory");
		errno = ENOMEM;
		return NULL;
	}
	if (*p == '*')
		p++; /* "print even with missing values": we always print <NA> */
	lit = p;
	while ((p = strchr(p, '%'))) {
		const char *tok = p;
		struct out_tok *t;
		uint32_t width = 0;
		size_t used;

		if (push_text(f, lit, (size_t)(p - lit)) < 0)
			goto oom;
		p++;
		while (isdigit((unsigned char)*p) && width < 100000)
			width = width * 10 + (uint32_t)(*p++ - '0');
		t = push_tok(f);
		if (!t)
			goto oom;
		t->is_field = true;
		t->width = width;
		for (size_t i = 0; i < sizeof(trs) / sizeof(trs[0]); i++) {
			size_t tl = strlen(trs[i].name);

			if (strncmp(p, trs[i].name, tl) == 0) {
				t->tr = trs[i].tr;
				p += tl;
				break;
			}
		}
		{
			const char *fstart = p;

			if (t->tr != TR_NONE)
				while (*p == ' ' || *p == '\t')
					p++;
			fmsg[0] = '\0';
			used = parse_field(p, t, fmsg, sizeof(fmsg));
			if (!used)
				goto bad;
			p += used;
			if (t->tr != TR_NONE) {
				while (*p == ' ' || *p == '\t')
					p++;
				if (*p != ')')
					goto bad;
				p++;
			}
			(void)fstart;
		}
		if (t->ref.flags & FLD_F_FILTER_ONLY) {
			snprintf(msg, msgsz,
				 "field %s is filter-only and cannot be used in outputs", t->fname);
			*err_off = (size_t)(tok - fmt);
			rules_outfmt_free(f);
			errno = EINVAL;
			return NULL;
		}
		/* Key as Falco names it: the token text without '%' and width. */
		{
			const char *k = tok + 1;

			while (isdigit((unsigned char)*k))
				k++;
			t->text = strndup(k, (size_t)(p - k));
			if (!t->text)
				goto oom;
			t->len = (size_t)(p - k);
		}
		f->nfields++;
		lit = p;
		continue;
	bad:
		snprintf(msg, msgsz, "invalid formatting token %.200s", tok + 1);
		*err_off = (size_t)(tok - fmt);
		rules_outfmt_free(f);
		errno = EINVAL;
		return NULL;
	}
	if (push_text(f, lit, strlen(lit)) < 0)
		goto oom;
	return f;
oom:
	rules_outfmt_free(f);
	snprintf(msg, msgsz, "out of memory");
	errno = ENOMEM;
	return NULL;
}

/* ---- rendering ---------------------------------------------------------------------------- */

static int buf_add(struct alert_buf *b, const char *s, size_t n)
{
	return alert_buf_append(b, s, n);
}

static int buf_adds(struct alert_buf *b, const char *s)
{
	return alert_buf_append(b, s, strlen(s));
}

static bool is_signed_type(uint16_t t)
{
	switch (t) {
	case LNR_PT_INT8:
	case LNR_PT_INT16:
	case LNR_PT_INT32:
	case LNR_PT_INT64:
	case LNR_PT_ERRNO:
	case LNR_PT_FD:
	case LNR_PT_PID:
		return true;
	default:
		return false;
	}
}

static bool is_string_type(uint16_t t)
{
	return t == LNR_PT_CHARBUF || t == LNR_PT_FSPATH || t == LNR_PT_FSRELPATH ||
	       t == LNR_PT_BYTEBUF || t == LNR_PT_CHARBUFARRAY || t == LNR_PT_SOCKADDR ||
	       t == LNR_PT_SOCKTUPLE || t == LNR_PT_FDLIST || t == LNR_PT_CHARBUF_PAIR_ARRAY ||
	       t == LNR_PT_SIGSET;
}

static bool is_ip_type(uint16_t t)
{
	return t == LNR_PT_IPADDR || t == LNR_PT_IPV4ADDR || t == LNR_PT_IPV6ADDR;
}

static bool is_net_type(uint16_t t)
{
	return t == LNR_PT_IPNET || t == LNR_PT_IPV4NET || t == LNR_PT_IPV6NET;
}

/* One value as libsinsp prints it in outputs. */
static int value_text(const struct fld_val *v, struct alert_buf *b)
{
	char tmp[64];

	if (is_string_type(v->type)) {
		if (v->type == LNR_PT_BYTEBUF) {
			/* non-printable bytes of buffers print as '.', as libsinsp */
			for (size_t i = 0; i < v->str.len; i++) {
				char c = v->str.p[i];

				if (buf_add(b, isprint((unsigned char)c) ? &c : ".", 1) < 0)
					return -ENOMEM;
			}
			return 0;
		}
		return buf_add(b, v->str.p, v->str.len);
	}
	if (v->type == LNR_PT_BOOL)
		return buf_adds(b, v->u64 ? "true" : "false");
	if (v->type == LNR_PT_DOUBLE) {
		snprintf(tmp, sizeof(tmp), "%.2f", v->dbl);
		return buf_adds(b, tmp);
	}
	if (is_ip_type(v->type) || is_net_type(v->type)) {
		const struct fld_ip *ip = is_net_type(v->type) ? &v->net.ip : &v->ip;
		char a[INET6_ADDRSTRLEN];

		if (!inet_ntop(ip->family == 6 ? AF_INET6 : AF_INET, ip->a, a, sizeof(a)))
			snprintf(a, sizeof(a), "<NA>");
		if (is_net_type(v->type))
			snprintf(tmp, sizeof(tmp), "%s/%u", a, v->net.prefix);
		else
			snprintf(tmp, sizeof(tmp), "%s", a);
		return buf_adds(b, tmp);
	}
	if (is_signed_type(v->type))
		snprintf(tmp, sizeof(tmp), "%lld", (long long)v->s64);
	else
		snprintf(tmp, sizeof(tmp), "%llu", (unsigned long long)v->u64);
	return buf_adds(b, tmp);
}

static const char b64tab[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";

/* Applies an output transformer to text s (n bytes) into out. */
static int apply_tr(enum out_tr tr, const char *s, size_t n, struct alert_buf *out)
{
	char tmp[32];

	switch (tr) {
	case TR_TOLOWER:
	case TR_TOUPPER:
		for (size_t i = 0; i < n; i++) {
			char c = tr == TR_TOLOWER ? (char)tolower((unsigned char)s[i])
						  : (char)toupper((unsigned char)s[i]);

			if (buf_add(out, &c, 1) < 0)
				return -ENOMEM;
		}
		return 0;
	case TR_BASENAME: {
		const char *e = s + n, *slash = NULL;

		for (const char *p = s; p < e; p++)
			if (*p == '/')
				slash = p;
		return slash ? buf_add(out, slash + 1, (size_t)(e - slash - 1))
			     : buf_add(out, s, n);
	}
	case TR_LEN:
		snprintf(tmp, sizeof(tmp), "%zu", n);
		return buf_adds(out, tmp);
	case TR_B64: {
		uint32_t acc = 0;
		int bits = 0;

		for (size_t i = 0; i < n; i++) {
			const char *p = s[i] ? strchr(b64tab, s[i]) : NULL;

			if (s[i] == '=')
				break;
			if (!p)
				return buf_add(out, s, n); /* not base64: unchanged */
			acc = (acc << 6) | (uint32_t)(p - b64tab);
			bits += 6;
			if (bits >= 8) {
				char c = (char)((acc >> (bits - 8)) & 0xff);

				bits -= 8;
				if (buf_add(out, &c, 1) < 0)
					return -ENOMEM;
			}
		}
		return 0;
	}
	default:
		return buf_add(out, s, n);
	}
}

/* Adds the typed JSON value of a token to the alert. */
static int add_field(struct alert *a, const struct out_tok *t, const struct fld_val *v, int nv,
		     const char *text)
{
	if (nv <= 0)
		return alert_add_null(a, t->text);
	if (t->tr == TR_LEN)
		return alert_add_uint64(a, t->text, strtoull(text, NULL, 10));
	if (t->tr != TR_NONE || nv > 1 || is_string_type(v->type) || is_ip_type(v->type) ||
	    is_net_type(v->type))
		return alert_add_string(a, t->text, text);
	if (v->type == LNR_PT_BOOL)
		return alert_add_bool(a, t->text, v->u64 != 0);
	if (v->type == LNR_PT_DOUBLE)
		return alert_add_double(a, t->text, v->dbl);
	if (is_signed_type(v->type))
		return alert_add_int64(a, t->text, v->s64);
	return alert_add_uint64(a, t->text, v->u64);
}

int rules_outfmt_render(const struct rules_outfmt *f, const struct fld_accessor *acc,
			struct alert_buf *text, struct alert *a)
{
	struct fld_val vals[FLD_MAX_VALUES];
	struct alert_buf one, tr;
	int rc = 0;

	alert_buf_init(&one);
	alert_buf_init(&tr);
	for (size_t i = 0; i < f->ntoks && rc == 0; i++) {
		const struct out_tok *t = &f->toks[i];
		int nv;

		if (!t->is_field) {
			rc = buf_add(text, t->text, t->len);
			continue;
		}
		alert_buf_reset(&one);
		alert_buf_reset(&tr);
		nv = acc->get(acc->ctx, &t->ref, vals, FLD_MAX_VALUES);
		if (nv <= 0) {
			rc = buf_adds(&one, "<NA>");
		} else if (t->ref.flags & FLD_F_LIST) {
			/* list fields print as (a,b,c), as libsinsp */
			rc = buf_adds(&one, "(");
			for (int k = 0; k < nv && rc == 0; k++) {
				if (k)
					rc = buf_adds(&one, ",");
				if (rc == 0)
					rc = value_text(&vals[k], &one);
			}
			if (rc == 0)
				rc = buf_adds(&one, ")");
		} else {
			/* ancestor fields without index: the nearest value */
			nv = 1;
			rc = value_text(&vals[0], &one);
		}
		if (rc == 0 && one.len == 0)
			rc = buf_add(&one, "", 0);
		if (rc == 0 && t->tr != TR_NONE && nv > 0) {
			rc = apply_tr(t->tr, one.data, one.len, &tr);
			if (rc == 0) {
				alert_buf_reset(&one);
				rc = buf_add(&one, tr.data ? tr.data : "", tr.len);
			}
		}
		if (rc)
			break;
		if (t->width) {
			size_t n = one.len < t->width ? one.len : t->width;

			rc = buf_add(text, one.data, n);
			for (size_t k = n; k < t->width && rc == 0; k++)
				rc = buf_add(text, " ", 1);
		} else {
			rc = buf_add(text, one.data ? one.data : "", one.len);
		}
		/* evt.time is Falco's prefix field: the emitter adds it (as a number) itself. */
		if (rc == 0 && a && strcmp(t->text, "evt.time") != 0 &&
		    strcmp(t->text, "evt.time.iso8601") != 0)
			rc = add_field(a, t, vals, nv, one.data ? one.data : "");
	}
	if (rc == 0 && !text->data)
		rc = buf_add(text, "", 0);
	alert_buf_fini(&one);
	alert_buf_fini(&tr);
	return rc < 0 ? rc : 0;
}

static enum alert_priority to_alert_prio(enum rules_prio p)
{
	/* Same numbering as Falco's: the two enums line up. */
	return (enum alert_priority)p;
}

int rules_alert_fill(struct alert *a, const struct rules_crule *r, const struct rules_outfmt *fmt,
		     const struct fld_accessor *acc, uint64_t time_ns, const char *hostname)
{
	struct alert_buf text;
	int rc;

	alert_buf_init(&text);
	rc = alert_set_rule(a, r->rule->name);
	if (rc == 0)
		rc = alert_set_source(a, r->rule->source);
	if (rc == 0)
		rc = alert_set_hostname(a, hostname);
	for (size_t i = 0; rc == 0 && i < r->rule->ntags; i++)
		rc = alert_add_tag(a, r->rule->tags[i]);
	a->priority = to_alert_prio(r->rule->priority);
	a->time_ns = time_ns;
	if (rc == 0)
		rc = rules_outfmt_render(fmt, acc, &text, a);
	if (rc == 0)
		rc = alert_set_output(a, text.data ? text.data : "");
	/* append_output extra_fields: in output_fields only, not in the text. */
	for (size_t i = 0; rc == 0 && i < r->nextra; i++) {
		alert_buf_reset(&text);
		if (r->extra_names[i]) {
			rc = rules_outfmt_render(r->extra_fmts[i], acc, &text, NULL);
			if (rc == 0)
				rc = alert_add_string(a, r->extra_names[i],
						      text.data ? text.data : "");
		} else {
			rc = rules_outfmt_render(r->extra_fmts[i], acc, &text, a);
		}
	}
	alert_buf_fini(&text);
	return rc;
}

_Static_assert((int)RULES_PRIO_DEBUG == (int)ALERT_PRIO_DEBUG &&
		       (int)RULES_PRIO_EMERGENCY == (int)ALERT_PRIO_EMERGENCY,
	       "rules and alert priorities share Falco's numbering");
