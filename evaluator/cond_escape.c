/* cond_escape.c: string escaping of condition values (libsinsp escaping.cpp semantics). */
#include "cond_int.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int hexval(unsigned char c)
{
	if (c >= '0' && c <= '9')
		return c - '0';
	if (c >= 'a' && c <= 'f')
		return c - 'a' + 10;
	if (c >= 'A' && c <= 'F')
		return c - 'A' + 10;
	return -1;
}

int cond_unescape(const char *tok, size_t len, char **out, size_t *out_len, char *msg, size_t msgsz)
{
	char delim;
	char *buf;
	size_t o = 0;

	*out = NULL;
	*out_len = 0;
	if (len < 2) {
		snprintf(msg, msgsz, "invalid quoted string");
		return -EINVAL;
	}
	delim = tok[0];
	buf = malloc(len + 1);
	if (!buf)
		return -ENOMEM;
	for (size_t i = 1; i + 1 < len; i++) {
		unsigned char c = (unsigned char)tok[i];
		int h1, h2;

		if (c != '\\') {
			buf[o++] = (char)c;
			continue;
		}
		/* The lexer guarantees a backslash is never the last inner char. */
		c = (unsigned char)tok[++i];
		switch (c) {
		case 'b':
			buf[o++] = '\b';
			break;
		case 'f':
			buf[o++] = '\f';
			break;
		case 'n':
			buf[o++] = '\n';
			break;
		case 'r':
			buf[o++] = '\r';
			break;
		case 't':
			buf[o++] = '\t';
			break;
		case '\\':
			buf[o++] = '\\';
			break;
		case '/':
			buf[o++] = '/';
			break;
		case ' ':
			/* Legacy quirk kept by libsinsp: "\ " is a lone backslash. */
			buf[o++] = '\\';
			break;
		case 'x':
			h1 = i + 1 + 1 < len ? hexval((unsigned char)tok[i + 1]) : -1;
			h2 = i + 2 + 1 < len ? hexval((unsigned char)tok[i + 2]) : -1;
			if (h1 < 0 || h2 < 0) {
				snprintf(msg, msgsz, "invalid \\x escape sequence");
				free(buf);
				return -EINVAL;
			}
			buf[o++] = (char)(h1 * 16 + h2);
			i += 2;
			break;
		case '"':
		case '\'':
			if ((char)c != delim) {
				snprintf(msg, msgsz, "invalid \\%c escape in %c-quoted string", c,
					 delim);
				free(buf);
				return -EINVAL;
			}
			buf[o++] = (char)c;
			break;
		default:
			snprintf(msg, msgsz, "unsupported string escape sequence: \\%c", c);
			free(buf);
			return -EINVAL;
		}
	}
	buf[o] = '\0';
	*out = buf;
	*out_len = o;
	return 0;
}

static int needs_quotes(const char *s, size_t len)
{
	for (size_t i = 0; i < len; i++) {
		switch (s[i]) {
		case '\b':
		case '\f':
		case '\n':
		case '\r':
		case '\t':
		case ' ':
		case '=':
		case '\\':
		case '"':
		case '\'':
		case '\0':
			return 1;
		default:
			break;
		}
	}
	return 0;
}

int cond_sb_escape(struct cond_sb *sb, const char *s, size_t len)
{
	if (!needs_quotes(s, len))
		return cond_sb_add(sb, s, len);
	cond_sb_add(sb, "\"", 1);
	for (size_t i = 0; i < len; i++) {
		const char *e = NULL;

		switch (s[i]) {
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
		case '\\':
			e = "\\\\";
			break;
		case '"':
			e = "\\\"";
			break;
		default:
			break;
		}
		if (e)
			cond_sb_add(sb, e, 2);
		else
			cond_sb_add(sb, &s[i], 1);
	}
	return cond_sb_add(sb, "\"", 1);
}

char *cond_escape_str(const char *s, size_t len)
{
	struct cond_sb sb = {0};

	cond_sb_escape(&sb, s, len);
	return cond_sb_finish(&sb);
}

int cond_sb_add(struct cond_sb *sb, const char *s, size_t len)
{
	if (sb->oom)
		return -ENOMEM;
	if (sb->len + len + 1 > sb->cap) {
		size_t ncap = sb->cap ? sb->cap * 2 : 64;
		char *nb;

		while (ncap < sb->len + len + 1)
			ncap *= 2;
		nb = realloc(sb->buf, ncap);
		if (!nb) {
			sb->oom = 1;
			return -ENOMEM;
		}
		sb->buf = nb;
		sb->cap = ncap;
	}
	memcpy(sb->buf + sb->len, s, len);
	sb->len += len;
	sb->buf[sb->len] = '\0';
	return 0;
}

int cond_sb_adds(struct cond_sb *sb, const char *s)
{
	return cond_sb_add(sb, s, strlen(s));
}

char *cond_sb_finish(struct cond_sb *sb)
{
	if (sb->oom) {
		free(sb->buf);
		sb->buf = NULL;
		errno = ENOMEM;
		return NULL;
	}
	if (!sb->buf) {
		sb->buf = calloc(1, 1);
		if (!sb->buf)
			errno = ENOMEM;
	}
	return sb->buf;
}
