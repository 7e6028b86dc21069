/* container.c: container ids from cgroup paths, for the runtimes Falco's container plugin knows. */
#include "container.h"

#include <ctype.h>
#include <string.h>

#define CTR_ID_LEN 64

static int is_hex_run(const char *s, size_t n)
{
	for (size_t i = 0; i < n; i++)
		if (!isxdigit((unsigned char)s[i]) || isupper((unsigned char)s[i]))
			return 0;
	return 1;
}

/* Component [s, s+len) is "<prefix><64 hex><suffix>"? Copies the id. */
static int match_affix(const char *s, size_t len, const char *prefix, const char *suffix, char *out,
		       size_t n)
{
	size_t pl = strlen(prefix), sl = strlen(suffix);

	if (len != pl + CTR_ID_LEN + sl || strncmp(s, prefix, pl) != 0 ||
	    strncmp(s + pl + CTR_ID_LEN, suffix, sl) != 0 || !is_hex_run(s + pl, CTR_ID_LEN))
		return 0;
	if (n > CTR_ID_LEN) {
		memcpy(out, s + pl, CTR_ID_LEN);
		out[CTR_ID_LEN] = '\0';
	}
	return 1;
}

enum ctr_runtime ctr_id_from_path(const char *path, char *out, size_t n)
{
	const char *s = path;
	const char *prev = NULL; /* previous component */
	size_t prevlen = 0;
	int kube = strstr(path, "/kubepods") != NULL;

	if (n)
		out[0] = '\0';
	while (s && *s) {
		const char *e;
		size_t len;

		while (*s == '/')
			s++;
		if (!*s)
			break;
		e = strchr(s, '/');
		len = e ? (size_t)(e - s) : strlen(s);
		if (match_affix(s, len, "docker-", ".scope", out, n))
			return CTR_RT_DOCKER;
		if (match_affix(s, len, "cri-containerd-", ".scope", out, n))
			return CTR_RT_CONTAINERD;
		if (match_affix(s, len, "crio-", ".scope", out, n) ||
		    match_affix(s, len, "crio-", "", out, n))
			return CTR_RT_CRIO;
		if (match_affix(s, len, "libpod-", ".scope", out, n) ||
		    match_affix(s, len, "libpod-", "", out, n))
			return CTR_RT_PODMAN;
		if (len == CTR_ID_LEN && is_hex_run(s, len)) {
			/* A bare id counts only under a runtime's own parent. */
			enum ctr_runtime rt = CTR_RT_HOST;

			if (prev && prevlen == 6 && strncmp(prev, "docker", 6) == 0)
				rt = CTR_RT_DOCKER;
			else if (kube)
				rt = CTR_RT_CONTAINERD;
			else if (prev && prevlen == 13 && strncmp(prev, "libpod_parent", 13) == 0)
				rt = CTR_RT_PODMAN;
			if (rt != CTR_RT_HOST) {
				if (n > CTR_ID_LEN) {
					memcpy(out, s, CTR_ID_LEN);
					out[CTR_ID_LEN] = '\0';
				}
				return rt;
			}
		}
		prev = s;
		prevlen = len;
		s += len;
	}
	return CTR_RT_HOST;
}

enum ctr_runtime ctr_id_from_cgroups(const struct enr_strv *cgroups, char *out, size_t n)
{
	if (n)
		out[0] = '\0';
	for (uint32_t i = 0; cgroups->buf && i < cgroups->len;) {
		const char *item = cgroups->buf + i;
		const char *eq = strchr(item, '=');
		enum ctr_runtime rt = ctr_id_from_path(eq ? eq + 1 : item, out, n);

		if (rt != CTR_RT_HOST)
			return rt;
		i += (uint32_t)strlen(item) + 1;
	}
	return CTR_RT_HOST;
}

const char *ctr_runtime_name(enum ctr_runtime rt)
{
	switch (rt) {
	case CTR_RT_DOCKER:
		return "docker";
	case CTR_RT_CONTAINERD:
		return "containerd";
	case CTR_RT_CRIO:
		return "cri-o";
	case CTR_RT_PODMAN:
		return "podman";
	case CTR_RT_UNKNOWN:
		return "unknown";
	case CTR_RT_HOST:
		break;
	}
	return "host";
}
