/* container.h: which container a process is in, from its cgroup paths. */
#ifndef LANNER_CONTAINER_H
#define LANNER_CONTAINER_H

#include <stddef.h>

#include "threads.h"

enum ctr_runtime {
	CTR_RT_HOST = 0,
	CTR_RT_DOCKER,
	CTR_RT_CONTAINERD, /* containerd / CRI (cri-containerd-*, kubepods) */
	CTR_RT_CRIO,
	CTR_RT_PODMAN,
	CTR_RT_UNKNOWN, /* a container we recognise but cannot attribute */
};

/*
 * Finds a container id in a cgroup path ("/kubepods/.../<64 hex>",
 * "/system.slice/docker-<64 hex>.scope", "crio-", "cri-containerd-",
 * "libpod-" scopes, "/docker/<id>"). Writes the full 64-hex id to out (""
 * for the host) and returns the runtime. Only recognised runtime layouts
 * count: a long hex component under an unrelated parent (e.g. this
 * machine's "/process_api/<hex>") is not a container.
 */
enum ctr_runtime ctr_id_from_path(const char *path, char *out, size_t n);

/* The same over every "controller=path" item of a process's cgroups. */
enum ctr_runtime ctr_id_from_cgroups(const struct enr_strv *cgroups, char *out, size_t n);

const char *ctr_runtime_name(enum ctr_runtime rt);

#endif
