/* cri.h: container and pod metadata from a CRI runtime (containerd, cri-o): gRPC over its unix socket. */
#ifndef LANNER_CRI_H
#define LANNER_CRI_H

#include <stddef.h>
#include <stdint.h>

struct rt_container;

/* Largest gRPC answer accepted (bytes): a verbose ContainerStatus carries the OCI spec. */
#define CRI_MAX_RESPONSE (4u << 20)

/*
 * Metadata for container id from the CRI runtime listening on sock:
 * RuntimeService/ContainerStatus (verbose: privileged, sandbox id and image
 * name from its `info` JSON), then PodSandboxStatus of its pod (pod labels,
 * name, namespace, uid, IP). An id the runtime does not know as a container
 * is tried as a pod sandbox (the pod's "pause" container). Each call is
 * bounded by timeout_ms (connect, request and answer). Fills ct (the caller
 * frees it with rt_container_fini, also on failure). Returns 0; -ENOENT (the
 * runtime knows no such container or sandbox); -EPROTONOSUPPORT (not a CRI
 * runtime: no runtime.v1.RuntimeService); -ETIMEDOUT; -ECONNREFUSED, -ENOENT
 * for the socket; -EPROTO for a malformed answer; -EIO for another gRPC error.
 */
int cri_fetch(const char *sock, const char *id, long timeout_ms, struct rt_container *ct);

/*
 * Decoders of a gRPC answer body (the 5-byte length-prefixed message, as
 * received in the HTTP/2 DATA frames): tested and fuzzed directly.
 * cri_parse_container_status fills ct from a ContainerStatusResponse and
 * copies the pod's sandbox id (from the verbose info) into sandbox (may be
 * ""). cri_parse_pod_status adds a PodSandboxStatusResponse: pod labels, IP
 * and identity; as_container also makes it the container's own metadata (the
 * id is the sandbox). 0, -EPROTO (malformed), -ENOENT (no status in it).
 */
int cri_parse_container_status(const uint8_t *body, size_t len, struct rt_container *ct,
			       char *sandbox, size_t sandbox_size);
int cri_parse_pod_status(const uint8_t *body, size_t len, struct rt_container *ct,
			 int as_container);

/*
 * The gRPC message in a response body: checks the 5-byte prefix (no
 * compression, length within len). 0 with msg and msg_len set, -EPROTO.
 */
int cri_grpc_unframe(const uint8_t *body, size_t len, const uint8_t **msg, size_t *msg_len);

#endif
