/* cri.c: CRI RuntimeService client (gRPC over HTTP/2 with prior knowledge on a unix socket; nghttp2 + protobuf-c). */
#include "cri.h"

#include <errno.h>
#include <fcntl.h>
#include <jansson.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#include "cri_api.pb-c.h"
#include "runtime.h"

#define CRI_SERVICE "/runtime.v1.RuntimeService/"
/* gRPC status codes (grpc/doc/statuscodes.md) we tell apart. */
#define GRPC_OK 0
#define GRPC_DEADLINE_EXCEEDED 4
#define GRPC_NOT_FOUND 5
#define GRPC_UNIMPLEMENTED 12
#define NS_PER_SEC 1000000000LL

/* One unary call in flight on its own connection. */
struct call {
	int fd;
	const uint8_t *req; /* framed request body */
	size_t req_len, req_off;
	uint8_t *body; /* the answer's DATA (grows up to CRI_MAX_RESPONSE) */
	size_t body_len, body_cap;
	int http_status;
	int grpc_status; /* -1 until the trailers (or a trailers-only answer) say */
	int closed;	 /* stream closed */
	int failed;	 /* reset, too large, out of memory */
	int32_t stream_id;
};

static int64_t now_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

static ssize_t on_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *ud)
{
	struct call *c = ud;
	ssize_t n = send(c->fd, data, len, MSG_NOSIGNAL);

	(void)s;
	(void)flags;
	if (n < 0)
		return (errno == EAGAIN || errno == EWOULDBLOCK) ? NGHTTP2_ERR_WOULDBLOCK
								 : NGHTTP2_ERR_CALLBACK_FAILURE;
	return n;
}

static int on_header(nghttp2_session *s, const nghttp2_frame *frame, const uint8_t *name,
		     size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags, void *ud)
{
	struct call *c = ud;
	char v[16];

	(void)s;
	(void)flags;
	if (frame->hd.type != NGHTTP2_HEADERS || frame->hd.stream_id != c->stream_id)
		return 0;
	snprintf(v, sizeof(v), "%.*s", (int)(valuelen < 15 ? valuelen : 15), (const char *)value);
	if (namelen == 7 && memcmp(name, ":status", 7) == 0)
		c->http_status = atoi(v);
	else if (namelen == 11 && memcmp(name, "grpc-status", 11) == 0)
		c->grpc_status = atoi(v);
	return 0;
}

static int on_data(nghttp2_session *s, uint8_t flags, int32_t stream_id, const uint8_t *data,
		   size_t len, void *ud)
{
	struct call *c = ud;

	(void)s;
	(void)flags;
	if (stream_id != c->stream_id || c->failed)
		return 0;
	if (c->body_len + len > CRI_MAX_RESPONSE) {
		c->failed = 1;
		return NGHTTP2_ERR_CALLBACK_FAILURE;
	}
	if (c->body_len + len > c->body_cap) {
		size_t nc = c->body_cap ? c->body_cap : 16384;
		uint8_t *nb;

		while (nc < c->body_len + len)
			nc *= 2;
		nb = realloc(c->body, nc);
		if (!nb) {
			c->failed = 1;
			return NGHTTP2_ERR_CALLBACK_FAILURE;
		}
		c->body = nb;
		c->body_cap = nc;
	}
	memcpy(c->body + c->body_len, data, len);
	c->body_len += len;
	return 0;
}

static int on_close(nghttp2_session *s, int32_t stream_id, uint32_t error_code, void *ud)
{
	struct call *c = ud;

	(void)s;
	if (stream_id == c->stream_id) {
		c->closed = 1;
		if (error_code != NGHTTP2_NO_ERROR)
			c->failed = 1;
	}
	return 0;
}

static ssize_t read_req(nghttp2_session *s, int32_t stream_id, uint8_t *buf, size_t length,
			uint32_t *data_flags, nghttp2_data_source *src, void *ud)
{
	struct call *c = ud;
	size_t n = c->req_len - c->req_off;

	(void)s;
	(void)stream_id;
	(void)src;
	if (n > length)
		n = length;
	memcpy(buf, c->req + c->req_off, n);
	c->req_off += n;
	if (c->req_off == c->req_len)
		*data_flags |= NGHTTP2_DATA_FLAG_EOF;
	return (ssize_t)n;
}

/* A non-blocking connection to the unix socket at path, within the deadline. */
static int unix_connect(const char *path, int64_t deadline)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd, err = 0;
	socklen_t el = sizeof(err);
	struct pollfd pfd;

	if (strlen(path) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	memcpy(sa.sun_path, path, strlen(path) + 1);
	fd = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC | SOCK_NONBLOCK, 0);
	if (fd < 0)
		return -errno;
	if (connect(fd, (struct sockaddr *)&sa, sizeof(sa)) == 0)
		return fd;
	if (errno != EINPROGRESS && errno != EAGAIN) {
		err = -errno;
		close(fd);
		return err;
	}
	/* a unix listener whose backlog is full: wait for room, bounded */
	pfd.fd = fd;
	pfd.events = POLLOUT;
	if (poll(&pfd, 1, (int)(deadline - now_ms() > 0 ? deadline - now_ms() : 0)) <= 0) {
		close(fd);
		return -ETIMEDOUT;
	}
	if (getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &el) != 0 || err) {
		close(fd);
		return err ? -err : -EIO;
	}
	return fd;
}

/*
 * One unary gRPC call: POST path with the framed message req; the answer's
 * body into *body (malloc'd; the caller frees). 0, or -errno as cri_fetch.
 */
static int grpc_call(const char *sock, const char *path, const uint8_t *msg, size_t msg_len,
		     long timeout_ms, uint8_t **body, size_t *body_len)
{
	int64_t deadline = now_ms() + timeout_ms;
	nghttp2_session_callbacks *cbs = NULL;
	nghttp2_session *sess = NULL;
	struct call c = {.fd = -1, .grpc_status = -1};
	uint8_t *req = malloc(msg_len + 5);
	char tmo[32];
	nghttp2_nv hdrs[] = {
#define NV(n, v)                                                                                   \
	{(uint8_t *)(n), (uint8_t *)(v), sizeof(n) - 1, sizeof(v) - 1, NGHTTP2_NV_FLAG_NONE}
		NV(":method", "POST"),
		NV(":scheme", "http"),
		NV(":path", ""),
		NV(":authority", "localhost"),
		NV("content-type", "application/grpc"),
		NV("te", "trailers"),
		NV("grpc-timeout", ""),
#undef NV
	};
	nghttp2_settings_entry set[] = {{NGHTTP2_SETTINGS_ENABLE_PUSH, 0},
					{NGHTTP2_SETTINGS_INITIAL_WINDOW_SIZE, 1u << 20}};
	nghttp2_data_provider dp = {.read_callback = read_req};
	int rc = 0;

	*body = NULL;
	*body_len = 0;
	if (!req)
		return -ENOMEM;
	/* gRPC message framing: compressed flag 0, big-endian length */
	req[0] = 0;
	req[1] = (uint8_t)(msg_len >> 24);
	req[2] = (uint8_t)(msg_len >> 16);
	req[3] = (uint8_t)(msg_len >> 8);
	req[4] = (uint8_t)msg_len;
	if (msg_len)
		memcpy(req + 5, msg, msg_len);
	c.req = req;
	c.req_len = msg_len + 5;
	hdrs[2].value = (uint8_t *)path;
	hdrs[2].valuelen = strlen(path);
	snprintf(tmo, sizeof(tmo), "%ldm", timeout_ms); /* the server gives up too */
	hdrs[6].value = (uint8_t *)tmo;
	hdrs[6].valuelen = strlen(tmo);

	c.fd = unix_connect(sock, deadline);
	if (c.fd < 0) {
		rc = c.fd;
		goto out;
	}
	if (nghttp2_session_callbacks_new(&cbs) != 0) {
		rc = -ENOMEM;
		goto out;
	}
	nghttp2_session_callbacks_set_send_callback(cbs, on_send);
	nghttp2_session_callbacks_set_on_header_callback(cbs, on_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, on_data);
	nghttp2_session_callbacks_set_on_stream_close_callback(cbs, on_close);
	if (nghttp2_session_client_new(&sess, cbs, &c) != 0) {
		rc = -ENOMEM;
		goto out;
	}
	/* the client preface goes out with the first send; then our SETTINGS */
	if (nghttp2_submit_settings(sess, NGHTTP2_FLAG_NONE, set, 2) != 0 ||
	    nghttp2_session_set_local_window_size(sess, NGHTTP2_FLAG_NONE, 0, 1 << 22) != 0) {
		rc = -ENOMEM;
		goto out;
	}
	c.stream_id =
		nghttp2_submit_request(sess, NULL, hdrs, sizeof(hdrs) / sizeof(hdrs[0]), &dp, NULL);
	if (c.stream_id < 0) {
		rc = -ENOMEM;
		goto out;
	}
	while (!c.closed && !c.failed) {
		struct pollfd pfd = {.fd = c.fd, .events = POLLIN};
		int64_t left = deadline - now_ms();
		uint8_t buf[16384];
		ssize_t n;

		if (nghttp2_session_send(sess) != 0) {
			rc = -EIO;
			goto out;
		}
		if (c.closed || c.failed)
			break;
		if (left <= 0) {
			rc = -ETIMEDOUT;
			goto out;
		}
		if (nghttp2_session_want_write(sess))
			pfd.events |= POLLOUT;
		if (poll(&pfd, 1, (int)left) < 0) {
			if (errno == EINTR)
				continue;
			rc = -errno;
			goto out;
		}
		if (!(pfd.revents & (POLLIN | POLLHUP | POLLERR)))
			continue;
		n = recv(c.fd, buf, sizeof(buf), 0);
		if (n < 0 && (errno == EAGAIN || errno == EINTR))
			continue;
		if (n <= 0) {
			rc = n == 0 ? -ECONNRESET : -errno;
			goto out;
		}
		if (nghttp2_session_mem_recv(sess, buf, (size_t)n) < 0) {
			rc = -EPROTO;
			goto out;
		}
	}
	if (c.failed || c.http_status != 200)
		rc = -EPROTO;
	else if (c.grpc_status == GRPC_OK)
		rc = 0;
	else if (c.grpc_status == GRPC_NOT_FOUND)
		rc = -ENOENT;
	else if (c.grpc_status == GRPC_UNIMPLEMENTED)
		rc = -EPROTONOSUPPORT;
	else if (c.grpc_status == GRPC_DEADLINE_EXCEEDED)
		rc = -ETIMEDOUT;
	else if (c.grpc_status < 0)
		rc = -EPROTO; /* no trailers: not a gRPC answer */
	else
		rc = -EIO;
out:
	nghttp2_session_del(sess);
	nghttp2_session_callbacks_del(cbs);
	if (c.fd >= 0)
		close(c.fd);
	free(req);
	if (rc == 0) {
		*body = c.body;
		*body_len = c.body_len;
	} else {
		free(c.body);
	}
	return rc;
}

int cri_grpc_unframe(const uint8_t *body, size_t len, const uint8_t **msg, size_t *msg_len)
{
	uint32_t n;

	if (!body || len < 5 || body[0] != 0) /* compressed: we never offer an encoding */
		return -EPROTO;
	n = (uint32_t)body[1] << 24 | (uint32_t)body[2] << 16 | (uint32_t)body[3] << 8 | body[4];
	if (n > len - 5)
		return -EPROTO;
	*msg = body + 5;
	*msg_len = n;
	return 0;
}

static char *dup_nonempty(const char *s)
{
	return s && s[0] ? strdup(s) : NULL;
}

static int cmp_label(const void *a, const void *b)
{
	const char *x = *(const char *const *)a, *y = *(const char *const *)b;
	size_t kx = strcspn(x, ":"), ky = strcspn(y, ":");
	int r = strncmp(x, y, kx < ky ? kx : ky);

	return r ? r : (kx > ky) - (kx < ky);
}

/* The `info` map's "info" entry: the runtime's JSON (containerd, cri-o); NULL if absent. */
static json_t *info_json(Runtime__V1__ContainerStatusResponse__InfoEntry **info, size_t n)
{
	for (size_t i = 0; i < n; i++) {
		if (info[i]->key && strcmp(info[i]->key, "info") == 0 && info[i]->value) {
			json_error_t jerr;
			json_t *root = json_loads(info[i]->value, 0, &jerr);

			if (json_is_object(root))
				return root;
			json_decref(root);
			return NULL;
		}
	}
	return NULL;
}

static json_t *jpath(json_t *v, const char *const *keys)
{
	for (; v && *keys; keys++)
		v = json_is_object(v) ? json_object_get(v, *keys) : NULL;
	return v;
}

/* privileged: where containerd (old and new) and cri-o put it in the verbose info. */
static int info_privileged(json_t *root)
{
	static const char *const paths[][6] = {
		{"runtimeSpec", "linux", "security_context", "privileged", NULL},
		{"config", "linux", "security_context", "privileged", NULL},
		{"privileged", NULL},
	};

	for (size_t i = 0; i < sizeof(paths) / sizeof(paths[0]); i++) {
		json_t *v = jpath(root, paths[i]);

		if (json_is_boolean(v))
			return json_is_true(v);
	}
	return -1;
}

static const char *info_str(json_t *root, const char *const *keys)
{
	json_t *v = jpath(root, keys);

	return json_is_string(v) ? json_string_value(v) : NULL;
}

/*
 * Image name, repository, tag, digest as libsinsp's CRI engine derives them:
 * image_ref is "sha256:<digest>" or "<name>@sha256:<digest>"; a name that is
 * only an id comes from the OCI spec's annotations instead.
 */
static void set_image(struct rt_container *ct, const Runtime__V1__ContainerStatus *st, json_t *info)
{
	static const char *const ann_keys[][4] = {
		{"runtimeSpec", "annotations", "io.kubernetes.cri.image-name", NULL},
		{"runtimeSpec", "annotations", "io.kubernetes.cri-o.Image", NULL},
		{"runtimeSpec", "annotations", "io.kubernetes.cri-o.ImageName", NULL},
	};
	const char *ref = st->image_ref ? st->image_ref : "";
	const char *spec = st->image && st->image->image ? st->image->image : "";
	const char *dg = strstr(ref, "sha256:");
	int have_digest = dg && (dg == ref || dg[-1] == '@');
	int tag_from_spec = 0;
	char *name;

	if (have_digest && dg != ref) {
		name = strndup(ref, (size_t)(dg - 1 - ref));
		tag_from_spec = 1;
	} else {
		name = strdup(spec);
	}
	if (!name)
		return;
	if (!name[0] || strncmp(name, "sha256", 6) == 0) {
		for (size_t i = 0; i < sizeof(ann_keys) / sizeof(ann_keys[0]); i++) {
			const char *a = info_str(info, ann_keys[i]);

			if (a) {
				free(name);
				name = strdup(a);
				tag_from_spec = 0;
				break;
			}
		}
	}
	if (!name || !name[0]) {
		free(name);
		return;
	}
	rt_split_image(name, ct);
	if (tag_from_spec && strncmp(spec, "sha256", 6) != 0) {
		/* the digest reference names no tag: the spec's image does */
		struct rt_container t = {0};
		char *full = NULL;

		rt_split_image(spec, &t);
		if (t.image_tag && asprintf(&full, "%s:%s", name, t.image_tag) >= 0) {
			free(name);
			name = full;
			free(ct->image_tag);
			ct->image_tag = t.image_tag;
			t.image_tag = NULL;
		}
		rt_container_fini(&t);
	}
	ct->image = name;
	if (have_digest) {
		free(ct->image_digest);
		ct->image_digest = strdup(dg);
	}
}

/* "sha256:<hex>" -> "<hex>" (libsinsp's container.image.id for CRI). */
static char *image_id(const char *s)
{
	const char *colon = s ? strchr(s, ':') : NULL;

	return dup_nonempty(colon ? colon + 1 : s);
}

static const char *mount_propagation(int p)
{
	switch (p) {
	case RUNTIME__V1__MOUNT_PROPAGATION__PROPAGATION_PRIVATE:
		return "private";
	case RUNTIME__V1__MOUNT_PROPAGATION__PROPAGATION_HOST_TO_CONTAINER:
		return "rslave";
	case RUNTIME__V1__MOUNT_PROPAGATION__PROPAGATION_BIDIRECTIONAL:
		return "rshared";
	default:
		return "unknown";
	}
}

/* ns since the epoch, whole seconds as libsinsp keeps a container's creation time. */
static uint64_t cri_time(int64_t ns)
{
	return ns > 0 ? (uint64_t)(ns / NS_PER_SEC * NS_PER_SEC) : 0;
}

/* k8s.pod.* from the container's kubelet labels (the sandbox's metadata overrides them). */
static void pod_from_labels(struct rt_container *ct, Runtime__V1__ContainerStatus__LabelsEntry **l,
			    size_t n)
{
	for (size_t i = 0; i < n; i++) {
		const char *k = l[i]->key ? l[i]->key : "", *v = l[i]->value ? l[i]->value : "";

		if (!ct->k8s_pod_name && strcmp(k, "io.kubernetes.pod.name") == 0)
			ct->k8s_pod_name = dup_nonempty(v);
		else if (!ct->k8s_ns_name && strcmp(k, "io.kubernetes.pod.namespace") == 0)
			ct->k8s_ns_name = dup_nonempty(v);
		else if (!ct->k8s_pod_uid && strcmp(k, "io.kubernetes.pod.uid") == 0)
			ct->k8s_pod_uid = dup_nonempty(v);
	}
}

int cri_parse_container_status(const uint8_t *body, size_t len, struct rt_container *ct,
			       char *sandbox, size_t sandbox_size)
{
	const uint8_t *msg;
	size_t mlen;
	Runtime__V1__ContainerStatusResponse *r;
	const Runtime__V1__ContainerStatus *st;
	json_t *info;
	const char *sb;
	static const char *const sb_key[] = {"sandboxID", NULL};
	static const char *const img_key[] = {"config", "image", "image", NULL};

	if (sandbox_size)
		sandbox[0] = '\0';
	if (cri_grpc_unframe(body, len, &msg, &mlen) != 0)
		return -EPROTO;
	r = runtime__v1__container_status_response__unpack(NULL, mlen, msg);
	if (!r)
		return -EPROTO;
	st = r->status;
	if (!st) {
		runtime__v1__container_status_response__free_unpacked(r, NULL);
		return -ENOENT;
	}
	info = info_json(r->info, r->n_info);
	ct->name = dup_nonempty(st->metadata ? st->metadata->name : NULL);
	set_image(ct, st, info);
	ct->image_id = image_id(info_str(info, img_key));
	if (!ct->image_id)
		ct->image_id = image_id(st->image_id);
	ct->privileged = info_privileged(info);
	ct->start_ts = cri_time(st->created_at);
	for (size_t i = 0; i < st->n_labels; i++)
		rt_add_label(ct, st->labels[i]->key ? st->labels[i]->key : "",
			     st->labels[i]->value ? st->labels[i]->value : "");
	pod_from_labels(ct, st->labels, st->n_labels);
	if (st->n_mounts) {
		ct->mount_list = calloc(st->n_mounts, sizeof(*ct->mount_list));
		for (size_t i = 0; ct->mount_list && i < st->n_mounts; i++) {
			const Runtime__V1__Mount *m = st->mounts[i];
			struct rt_mount *rm = &ct->mount_list[ct->nmounts++];

			rm->source = strdup(m->host_path ? m->host_path : "");
			rm->dest = strdup(m->container_path ? m->container_path : "");
			rm->mode = strdup(""); /* CRI reports no mode string */
			rm->rw = !m->readonly;
			rm->propagation = strdup(mount_propagation(m->propagation));
		}
		rt_mounts_text(ct);
	}
	sb = info_str(info, sb_key);
	if (sb && sb[0]) {
		ct->sandbox_id = strdup(sb);
		/* as libsinsp: the sandbox id is also a label, for older rules */
		rt_add_label(ct, "io.kubernetes.sandbox.id", sb);
		if (sandbox_size)
			snprintf(sandbox, sandbox_size, "%s", sb);
	}
	json_decref(info);
	runtime__v1__container_status_response__free_unpacked(r, NULL);
	return 0;
}

static void set_str(char **dst, const char *v)
{
	char *n = dup_nonempty(v);

	if (n) {
		free(*dst);
		*dst = n;
	}
}

int cri_parse_pod_status(const uint8_t *body, size_t len, struct rt_container *ct, int as_container)
{
	const uint8_t *msg;
	size_t mlen;
	Runtime__V1__PodSandboxStatusResponse *r;
	const Runtime__V1__PodSandboxStatus *st;
	const Runtime__V1__PodSandboxMetadata *md;

	if (cri_grpc_unframe(body, len, &msg, &mlen) != 0)
		return -EPROTO;
	r = runtime__v1__pod_sandbox_status_response__unpack(NULL, mlen, msg);
	if (!r)
		return -EPROTO;
	st = r->status;
	if (!st) {
		runtime__v1__pod_sandbox_status_response__free_unpacked(r, NULL);
		return -ENOENT;
	}
	md = st->metadata;
	for (size_t i = 0; i < ct->npod_labels; i++)
		free(ct->pod_labels[i]);
	free(ct->pod_labels);
	ct->pod_labels = NULL;
	ct->npod_labels = 0;
	if (st->n_labels)
		ct->pod_labels = calloc(st->n_labels, sizeof(char *));
	for (size_t i = 0; ct->pod_labels && i < st->n_labels; i++) {
		char *item;

		if (asprintf(&item, "%s:%s", st->labels[i]->key ? st->labels[i]->key : "",
			     st->labels[i]->value ? st->labels[i]->value : "") >= 0)
			ct->pod_labels[ct->npod_labels++] = item;
	}
	if (ct->npod_labels > 1)
		qsort(ct->pod_labels, ct->npod_labels, sizeof(char *), cmp_label);
	if (md) {
		set_str(&ct->k8s_pod_name, md->name);
		set_str(&ct->k8s_ns_name, md->namespace_);
		set_str(&ct->k8s_pod_uid, md->uid);
	}
	if (st->network)
		set_str(&ct->ip, st->network->ip);
	if (as_container) {
		/* the pod's sandbox itself: named after the pod, labelled with the pod's labels */
		set_str(&ct->name, md ? md->name : NULL);
		set_str(&ct->sandbox_id, st->id);
		ct->start_ts = cri_time(st->created_at);
		for (size_t i = 0; i < st->n_labels; i++)
			rt_add_label(ct, st->labels[i]->key ? st->labels[i]->key : "",
				     st->labels[i]->value ? st->labels[i]->value : "");
		rt_add_label(ct, "io.kubernetes.pod.name", ct->k8s_pod_name);
		rt_add_label(ct, "io.kubernetes.pod.namespace", ct->k8s_ns_name);
		rt_add_label(ct, "io.kubernetes.pod.uid", ct->k8s_pod_uid);
		rt_add_label(ct, "io.kubernetes.sandbox.id", st->id);
	}
	runtime__v1__pod_sandbox_status_response__free_unpacked(r, NULL);
	return 0;
}

/* PodSandboxStatus(id) into ct. */
static int pod_status(const char *sock, const char *id, long timeout_ms, struct rt_container *ct,
		      int as_container)
{
	Runtime__V1__PodSandboxStatusRequest req = RUNTIME__V1__POD_SANDBOX_STATUS_REQUEST__INIT;
	uint8_t msg[256], *body = NULL;
	size_t blen = 0, mlen;
	int rc;

	req.pod_sandbox_id = (char *)id;
	if (runtime__v1__pod_sandbox_status_request__get_packed_size(&req) > sizeof(msg))
		return -EINVAL;
	mlen = runtime__v1__pod_sandbox_status_request__pack(&req, msg);
	rc = grpc_call(sock, CRI_SERVICE "PodSandboxStatus", msg, mlen, timeout_ms, &body, &blen);
	if (rc == 0)
		rc = cri_parse_pod_status(body, blen, ct, as_container);
	free(body);
	return rc;
}

int cri_fetch(const char *sock, const char *id, long timeout_ms, struct rt_container *ct)
{
	Runtime__V1__ContainerStatusRequest req = RUNTIME__V1__CONTAINER_STATUS_REQUEST__INIT;
	uint8_t msg[256], *body = NULL;
	size_t blen = 0, mlen;
	char sandbox[128];
	int rc;

	if (timeout_ms <= 0)
		timeout_ms = 2000;
	req.container_id = (char *)id;
	req.verbose = 1;
	if (runtime__v1__container_status_request__get_packed_size(&req) > sizeof(msg))
		return -EINVAL;
	mlen = runtime__v1__container_status_request__pack(&req, msg);
	ct->privileged = -1;
	rc = grpc_call(sock, CRI_SERVICE "ContainerStatus", msg, mlen, timeout_ms, &body, &blen);
	if (rc == -ENOENT) /* not a container: maybe the pod's sandbox */
		return pod_status(sock, id, timeout_ms, ct, 1);
	if (rc == 0)
		rc = cri_parse_container_status(body, blen, ct, sandbox, sizeof(sandbox));
	free(body);
	/* the pod's labels and IP; the container's own metadata stands without them */
	if (rc == 0 && sandbox[0])
		pod_status(sock, sandbox, timeout_ms, ct, 0);
	return rc;
}
