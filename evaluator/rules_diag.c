/* rules_diag.c: collecting and printing positioned rules-file diagnostics. */
#include "rules_diag.h"

#include <errno.h>
#include <stdarg.h>
#include <stdlib.h>
#include <string.h>

int rules_diag_add(struct rules_diags *d, enum rules_sev sev, enum rules_code code,
		   struct rules_pos pos, const char *item, const char *fmt, ...)
{
	struct rules_diag *dg;
	va_list ap;
	int n;

	if (sev == RULES_WARNING && d->nwarnings >= RULES_MAX_WARNINGS) {
		d->nwarnings++;
		d->suppressed++;
		return 0;
	}
	if (d->n == d->cap) {
		size_t cap = d->cap ? d->cap * 2 : 16;
		struct rules_diag *v = realloc(d->v, cap * sizeof(*v));

		if (!v)
			return -ENOMEM;
		d->v = v;
		d->cap = cap;
	}
	dg = &d->v[d->n];
	memset(dg, 0, sizeof(*dg));
	dg->sev = sev;
	dg->code = code;
	dg->pos = pos;
	va_start(ap, fmt);
	n = vasprintf(&dg->msg, fmt, ap);
	va_end(ap);
	if (n < 0)
		return -ENOMEM;
	if (item) {
		dg->item = strdup(item);
		if (!dg->item) {
			free(dg->msg);
			return -ENOMEM;
		}
	}
	d->n++;
	if (sev == RULES_ERROR)
		d->nerrors++;
	else
		d->nwarnings++;
	return 0;
}

void rules_diags_fini(struct rules_diags *d)
{
	if (!d)
		return;
	for (size_t i = 0; i < d->n; i++) {
		free(d->v[i].msg);
		free(d->v[i].item);
	}
	free(d->v);
	memset(d, 0, sizeof(*d));
}

const char *rules_code_name(enum rules_code c)
{
	switch (c) {
	case RULES_ERR_FILE_READ:
		return "LOAD_ERR_FILE_READ";
	case RULES_ERR_YAML_PARSE:
		return "LOAD_ERR_YAML_PARSE";
	case RULES_ERR_YAML_VALIDATE:
		return "LOAD_ERR_YAML_VALIDATE";
	case RULES_ERR_COMPILE_CONDITION:
		return "LOAD_ERR_COMPILE_CONDITION";
	case RULES_ERR_COMPILE_OUTPUT:
		return "LOAD_ERR_COMPILE_OUTPUT";
	case RULES_ERR_VALIDATE:
		return "LOAD_ERR_VALIDATE";
	case RULES_ERR_EXTENSION:
		return "LOAD_ERR_EXTENSION";
	case RULES_WARN_UNKNOWN_SOURCE:
		return "LOAD_UNKNOWN_SOURCE";
	case RULES_WARN_UNSAFE_NA_CHECK:
		return "LOAD_UNSAFE_NA_CHECK";
	case RULES_WARN_NO_EVTTYPE:
		return "LOAD_NO_EVTTYPE";
	case RULES_WARN_UNKNOWN_FILTER:
		return "LOAD_UNKNOWN_FILTER";
	case RULES_WARN_UNUSED_MACRO:
		return "LOAD_UNUSED_MACRO";
	case RULES_WARN_UNUSED_LIST:
		return "LOAD_UNUSED_LIST";
	case RULES_WARN_UNKNOWN_ITEM:
		return "LOAD_UNKNOWN_ITEM";
	case RULES_WARN_DEPRECATED_ITEM:
		return "LOAD_DEPRECATED_ITEM";
	case RULES_WARN_APPEND_NO_VALUES:
		return "LOAD_APPEND_NO_VALUES";
	case RULES_WARN_EXCEPTION_NAME_NOT_UNIQUE:
		return "LOAD_EXCEPTION_NAME_NOT_UNIQUE";
	case RULES_WARN_INVALID_MACRO_NAME:
		return "LOAD_INVALID_MACRO_NAME";
	case RULES_WARN_INVALID_LIST_NAME:
		return "LOAD_INVALID_LIST_NAME";
	case RULES_WARN_COMPILE_CONDITION:
		return "LOAD_COMPILE_CONDITION";
	case RULES_WARN_UNKNOWN_KEY:
		return "LOAD_UNKNOWN_KEY";
	}
	return "LOAD_UNKNOWN";
}

static size_t utf8_len(const unsigned char *s, size_t n);

/* Prints bytes, replacing control characters and invalid UTF-8 so a hostile line cannot drive the terminal. */
static void print_clean(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	for (size_t i = 0; i < len;) {
		size_t n = utf8_len(p + i, len - i);

		if (n == 0 || (n == 1 && ((p[i] < 0x20 && p[i] != '\t') || p[i] == 0x7f))) {
			fputc('?', out);
			i++;
			continue;
		}
		fwrite(p + i, 1, n, out);
		i += n;
	}
}

void rules_diag_print(FILE *out, const struct rules_diag *dg, rules_line_fn line_fn, void *ctx)
{
	const char *line = NULL;
	size_t len = 0;

	if (dg->pos.line)
		fprintf(out, "%s:%u:%u: %s: ", dg->pos.file ? dg->pos.file : "<input>",
			dg->pos.line, dg->pos.col, dg->sev == RULES_ERROR ? "error" : "warning");
	else /* a whole file (unreadable, too large) */
		fprintf(out, "%s: %s: ", dg->pos.file ? dg->pos.file : "<input>",
			dg->sev == RULES_ERROR ? "error" : "warning");
	print_clean(out, dg->msg, strlen(dg->msg));
	if (dg->item)
		fprintf(out, " (%s)", dg->item);
	fputc('\n', out);
	if (line_fn && dg->pos.line)
		line = line_fn(ctx, dg->pos.file, dg->pos.line, &len);
	if (!line)
		return;
	if (len > 200)
		len = 200; /* long lines: enough context, bounded output */
	fputs("  ", out);
	print_clean(out, line, len);
	fputs("\n  ", out);
	for (uint32_t c = 1; c < dg->pos.col && c <= len; c++)
		fputc(line[c - 1] == '\t' ? '\t' : ' ', out);
	fputs("^\n", out);
}

/* Length of a valid UTF-8 sequence at s (max n bytes), or 0 if invalid. */
static size_t utf8_len(const unsigned char *s, size_t n)
{
	size_t need;
	uint32_t cp;

	if (s[0] < 0x80)
		return 1;
	if ((s[0] & 0xe0) == 0xc0) {
		need = 2;
		cp = s[0] & 0x1f;
	} else if ((s[0] & 0xf0) == 0xe0) {
		need = 3;
		cp = s[0] & 0x0f;
	} else if ((s[0] & 0xf8) == 0xf0) {
		need = 4;
		cp = s[0] & 0x07;
	} else {
		return 0;
	}
	if (n < need)
		return 0;
	for (size_t i = 1; i < need; i++) {
		if ((s[i] & 0xc0) != 0x80)
			return 0;
		cp = (cp << 6) | (s[i] & 0x3f);
	}
	if ((need == 2 && cp < 0x80) || (need == 3 && cp < 0x800) || (need == 4 && cp < 0x10000) ||
	    cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff))
		return 0;
	return need;
}

void rules_json_str(FILE *out, const char *s, size_t len)
{
	const unsigned char *p = (const unsigned char *)s;

	fputc('"', out);
	for (size_t i = 0; i < len;) {
		unsigned char c = p[i];
		size_t n;

		switch (c) {
		case '"':
			fputs("\\\"", out);
			i++;
			continue;
		case '\\':
			fputs("\\\\", out);
			i++;
			continue;
		case '\n':
			fputs("\\n", out);
			i++;
			continue;
		case '\r':
			fputs("\\r", out);
			i++;
			continue;
		case '\t':
			fputs("\\t", out);
			i++;
			continue;
		default:
			break;
		}
		if (c < 0x20) {
			fprintf(out, "\\u%04x", c);
			i++;
			continue;
		}
		n = utf8_len(p + i, len - i);
		if (n == 0) {
			/* invalid UTF-8: U+FFFD, as Falco's JSON does */
			fputs("\\ufffd", out);
			i++;
			continue;
		}
		fwrite(p + i, 1, n, out);
		i += n;
	}
	fputc('"', out);
}
