/* runtime.h: container and pod metadata from the container runtime's API, fetched asynchronously. */
#ifndef LANNER_RUNTIME_H
#define LANNER_RUNTIME_H

#include <stddef.h>
#include <stdint.h>

/* What the runtime told us about one container (all strings owned; NULL when unknown). */
struct rt_container {
	char id[72];		/* Full id (64 hex). */
	char *name;		/* Without the leading '/'. */
	char *image;		/* As configured, e.g. "nginx:1.25". */
	char *image_id;		/* "sha256:..." */
	char *image_repository; /* "nginx" / "docker.io/library/nginx" */
	char *image_tag;	/* "1.25" */
	char *image_digest;	/* "sha256:..." from RepoDigests */
	char *mounts;  /* Falco's container.mounts text: "src:dst:mode:rdwr:propagation,..." */
	char **labels; /* "key:value" items */
	size_t nlabels;
	char *k8s_pod_name, *k8s_ns_name, *k8s_pod_uid;
	int privileged;	   /* -1 unknown */
	uint64_t start_ts; /* ns since the epoch, 0 unknown */
	struct rt_mount {
		char *source, *dest, *mode;
		int rw;
		char *propagation;
	} * mount_list;
	size_t nmounts;
	/* CRI (containerd, cri-o): the pod's sandbox container id (full), the pod's
	 * labels ("key:value", sorted by key) and its IP; NULL when unknown. */
	char *sandbox_id;
	char **pod_labels;
	size_t npod_labels;
	char *ip;
	int state; /* RT_PENDING, RT_DONE, RT_FAILED */
};

#define RT_PENDING 0
#define RT_DONE 1
#define RT_FAILED 2

struct rt_opts {
	const char **
		sockets; /* Runtime API sockets to try in order (docker, podman); NULL-terminated. */
	long timeout_ms;       /* Per request (0: 2000). */
	size_t max_containers; /* Cache bound (0: 4096). */
	/* containerd's state directory (NULL: /run/containerd): OCI bundles of CRI containers. */
	const char *containerd_dir;
	/* CRI runtime sockets (gRPC), tried in order after the bundle; NULL: the
	 * defaults (containerd, cri-o, k3s); an empty list ({NULL}) disables CRI. */
	const char **cri_sockets;
};

struct rt_cache;

/* Starts the fetcher thread. NULL with errno on failure. */
struct rt_cache *rt_new(const struct rt_opts *opts);
/* Stops the fetcher and frees everything; accepts NULL. */
void rt_free(struct rt_cache *c);

/*
 * Metadata for container id, never blocking: the first call queues a fetch
 * and returns an entry in state RT_PENDING (fields NULL); results land when
 * rt_poll() runs. Only the caller's thread touches the returned entries.
 */
const struct rt_container *rt_lookup(struct rt_cache *c, const char *id);
/* Applies finished fetches (call from the owner's thread, e.g. once per batch). */
void rt_poll(struct rt_cache *c);

/* Parses a docker/podman "GET /containers/ID/json" answer into out (tested directly). */
int rt_parse_inspect(const char *json, size_t len, struct rt_container *out);
void rt_container_fini(struct rt_container *ct);
/*
 * Parses the OCI runtime spec (config.json) of a container that containerd's
 * CRI plugin created: name, image, pod name/namespace/uid from its
 * io.kubernetes.cri.* annotations. 0, -ENOENT (not a CRI container), -EINVAL.
 */
int rt_parse_oci_bundle(const char *json, size_t len, struct rt_container *out);

/*
 * Helpers shared by the runtime parsers (runtime.c, cri.c). rt_split_image:
 * "registry:5000/ns/name:tag@sha256:..." -> image_repository, image_tag,
 * image_digest of ct (tag "latest" when neither tag nor digest is given).
 * rt_add_label appends "key:value" to ct->labels (nothing for a NULL value).
 * rt_mounts_text builds ct->mounts from ct->mount_list.
 */
void rt_split_image(const char *img, struct rt_container *ct);
void rt_add_label(struct rt_container *ct, const char *key, const char *value);
void rt_mounts_text(struct rt_container *ct);

/* Sizes and counters for the metrics (owner thread). */
struct rt_counts {
	uint64_t containers; /* cached (Falco's n_containers) */
	uint64_t
		missing_images; /* cached without an image yet or at all (n_missing_container_images) */
	uint64_t lookups;	/* rt_lookup() calls */
	uint64_t misses;	/* lookups of a container not cached (a fetch queued) */
	uint64_t refused;	/* lookups refused because the cache was full (max_containers) */
	uint64_t fetched, failed, pending; /* runtime API requests */
};
void rt_get_counts(const struct rt_cache *c, struct rt_counts *out);

/* Counters: fetches done, failed, queued. */
void rt_stats(const struct rt_cache *c, uint64_t *done, uint64_t *failed, uint64_t *pending);

#endif
