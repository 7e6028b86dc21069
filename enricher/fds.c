/* fds.c: per-process fd tables and Falco-style path resolution. */
#include "fds.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include <arpa/inet.h>
#include <stdio.h>

#include "i64map.h"

/* Falco's PPM_O_CLOEXEC bit in the open flags its events carry. */
#define PPM_O_CLOEXEC (1u << 12)

struct fdtable {
	struct i64map *map; /* fd -> struct enr_fd */
};

static const char fd_typechars[] = {
#define ENR_FD_CH(id, ch, name) ch,
	ENR_FD_TYPES(ENR_FD_CH)
#undef ENR_FD_CH
};

static const char *const fd_typenames[] = {
#define ENR_FD_NAME(id, ch, name) name,
	ENR_FD_TYPES(ENR_FD_NAME)
#undef ENR_FD_NAME
};

char enr_fd_typechar(enum enr_fd_type t)
{
	return (unsigned)t < ENR_FD_TYPE_MAX ? fd_typechars[t] : 'o';
}

const char *enr_fd_typename(enum enr_fd_type t)
{
	return (unsigned)t < ENR_FD_TYPE_MAX ? fd_typenames[t] : "unknown";
}

static void fd_free(struct enr_fd *f)
{
	if (!f)
		return;
	free(f->name);
	free(f->nameraw);
	free(f);
}

struct fdtable *fdt_new(void)
{
	struct fdtable *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->map = i64map_new();
	if (!t->map) {
		free(t);
		errno = ENOMEM;
		return NULL;
	}
	return t;
}

static struct enr_fd *fd_copy(const struct enr_fd *src)
{
	struct enr_fd *f = malloc(sizeof(*f));

	if (!f)
		return NULL;
	*f = *src;
	f->name = src->name ? strdup(src->name) : NULL;
	f->nameraw = src->nameraw ? strdup(src->nameraw) : NULL;
	if ((src->name && !f->name) || (src->nameraw && !f->nameraw)) {
		fd_free(f);
		return NULL;
	}
	return f;
}

struct fdtable *fdt_clone(const struct fdtable *src)
{
	struct fdtable *t = fdt_new();
	size_t pos = 0;
	int64_t key;
	void *val;

	if (!t)
		return NULL;
	while (i64map_next(src->map, &pos, &key, &val)) {
		struct enr_fd *f = fd_copy(val);

		if (!f || i64map_put(t->map, key, f, NULL) != 0) {
			fd_free(f);
			fdt_free(t);
			errno = ENOMEM;
			return NULL;
		}
	}
	return t;
}

void fdt_free(struct fdtable *t)
{
	size_t pos = 0;
	void *val;

	if (!t)
		return;
	while (i64map_next(t->map, &pos, NULL, &val))
		fd_free(val);
	i64map_free(t->map);
	free(t);
}

struct enr_fd *fdt_get(const struct fdtable *t, int64_t fd)
{
	return i64map_get(t->map, fd);
}

int enr_fd_set_name(struct enr_fd *f, const char *name)
{
	char *n = NULL;

	if (name) {
		n = strdup(name);
		if (!n)
			return -ENOMEM;
	}
	free(f->name);
	f->name = n;
	return 0;
}

struct enr_fd *fdt_add(struct fdtable *t, int64_t fd, enum enr_fd_type type, const char *name,
		       const char *nameraw)
{
	struct enr_fd *f = calloc(1, sizeof(*f));
	void *old = NULL;

	if (!f)
		return NULL;
	f->fd = fd;
	f->type = type;
	if ((name && !(f->name = strdup(name))) || (nameraw && !(f->nameraw = strdup(nameraw))))
		goto fail;
	if (i64map_put(t->map, fd, f, &old) != 0)
		goto fail;
	fd_free(old);
	return f;
fail:
	fd_free(f);
	errno = ENOMEM;
	return NULL;
}

void fdt_del(struct fdtable *t, int64_t fd)
{
	fd_free(i64map_del(t->map, fd));
}

int fdt_dup(struct fdtable *t, int64_t oldfd, int64_t newfd)
{
	struct enr_fd *src = fdt_get(t, oldfd);
	struct enr_fd *f;
	void *old = NULL;

	if (!src)
		return -ENOENT;
	if (oldfd == newfd)
		return 0;
	f = fd_copy(src);
	if (!f)
		return -ENOMEM;
	f->fd = newfd;
	/* dup'ed descriptors never inherit close-on-exec (dup3 sets it via flags,
	 * which the caller applies). */
	f->open_flags &= ~PPM_O_CLOEXEC;
	if (i64map_put(t->map, newfd, f, &old) != 0) {
		fd_free(f);
		return -ENOMEM;
	}
	fd_free(old);
	return 0;
}

void fdt_close_on_exec(struct fdtable *t)
{
	size_t pos = 0;
	int64_t key;
	void *val;

	while (i64map_next(t->map, &pos, &key, &val)) {
		struct enr_fd *f = val;

		if (f->open_flags & PPM_O_CLOEXEC) {
			fd_free(i64map_del(t->map, key));
			pos = 0; /* deletion may shift entries: restart */
		}
	}
}

size_t fdt_count(const struct fdtable *t)
{
	return i64map_size(t->map);
}

int fdt_next(const struct fdtable *t, size_t *pos, struct enr_fd **f)
{
	void *val;

	if (!i64map_next(t->map, pos, NULL, &val))
		return 0;
	*f = val;
	return 1;
}

int enr_path_resolve(const char *dir, const char *path, char *out, size_t n)
{
	/* Build "dir/path" (or just path when absolute), then fold components
	 * into out, keeping a stack of component starts for "..". */
	size_t o = 0;
	const char *parts[2];
	int np = 0;

	if (n < 2)
		return -ENAMETOOLONG;
	if (!path)
		path = "";
	if (path[0] != '/' && dir && dir[0])
		parts[np++] = dir;
	parts[np++] = path;
	out[o++] = '/';
	for (int k = 0; k < np; k++) {
		const char *s = parts[k];

		while (*s) {
			const char *e;
			size_t len;

			while (*s == '/')
				s++;
			if (!*s)
				break;
			e = strchr(s, '/');
			len = e ? (size_t)(e - s) : strlen(s);
			if (len == 1 && s[0] == '.') {
				/* skip */
			} else if (len == 2 && s[0] == '.' && s[1] == '.') {
				/* pop one component (never above the root) */
				if (o > 1) {
					o--; /* the trailing '/' */
					while (o > 1 && out[o - 1] != '/')
						o--;
				}
			} else {
				if (o + len + 1 >= n)
					return -ENAMETOOLONG;
				memcpy(out + o, s, len);
				o += len;
				out[o++] = '/';
			}
			s += len;
		}
	}
	/* Drop the trailing '/' except for the root itself. Falco keeps a
	 * trailing slash only when the path asked for it; paths of files never
	 * have one. */
	if (o > 1)
		o--;
	out[o] = '\0';
	return (int)o;
}

/* IPv4-mapped IPv6 addresses render as IPv4, as libsinsp does. */
static void ip_text(uint16_t family, const uint8_t *ip, char *out, size_t n)
{
	static const uint8_t v4mapped[12] = {0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff};

	if (family == 10 && memcmp(ip, v4mapped, 12) != 0)
		inet_ntop(AF_INET6, ip, out, (socklen_t)n);
	else
		inet_ntop(AF_INET, family == 10 ? ip + 12 : ip, out, (socklen_t)n);
}

int enr_fd_set_inet_name(struct enr_fd *f)
{
	char c[64], sv[64], name[160];

	ip_text(f->family, f->cip, c, sizeof(c));
	ip_text(f->family, f->sip, sv, sizeof(sv));
	if ((f->flags & ENR_FDF_SERVER) && !(f->flags & ENR_FDF_CONNECTED))
		snprintf(name, sizeof(name), "%s:%u", sv, f->sport);
	else
		snprintf(name, sizeof(name), "%s:%u->%s:%u", c, f->cport, sv, f->sport);
	return enr_fd_set_name(f, name);
}
