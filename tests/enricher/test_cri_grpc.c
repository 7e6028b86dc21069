/* test_cri_grpc.c: the CRI gRPC client against a fake CRI runtime (nghttp2 server on a unix socket). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <nghttp2/nghttp2.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <jansson.h>

#include "cri.h"
#include "cri_api.pb-c.h"
#include "extract.h"
#include "fields.h"
#include "procfs.h"
#include "runtime.h"
#include "state.h"
#include "test_env.h"

#define CID "5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c"
#define SANDBOX "9c1d2e3f4a5b6c7d8e9f0a1b2c3d4e5f6a7b8c9d0e1f2a3b4c5d6e7f8a9b0c1d"
#define POD_UID "a1b2c3d4-e5f6-4a7b-8c9d-0e1f2a3b4c5d"
/* 2026-11-20T08:15:42.250Z, ns */
#define CREATED_NS 1795162542250000000LL

static char *info_json;

static char *read_all(const char *path)
{
	FILE *f = fopen(path, "r");
	char *buf;
	size_t n;

	assert_non_null(f);
	buf = calloc(1, 1 << 20);
	n = fread(buf, 1, (1 << 20) - 1, f);
	fclose(f);
	buf[n] = '\0';
	return buf;
}

/* A gRPC body: 5-byte prefix + message. */
static uint8_t *frame(const uint8_t *msg, size_t len, size_t *out_len)
{
	uint8_t *b = malloc(len + 5);

	b[0] = 0;
	b[1] = (uint8_t)(len >> 24);
	b[2] = (uint8_t)(len >> 16);
	b[3] = (uint8_t)(len >> 8);
	b[4] = (uint8_t)len;
	memcpy(b + 5, msg, len);
	*out_len = len + 5;
	return b;
}

/* The runtime's answer to ContainerStatus(CID, verbose), as containerd shapes it. */
static uint8_t *container_answer(size_t *len)
{
	Runtime__V1__ContainerStatusResponse r = RUNTIME__V1__CONTAINER_STATUS_RESPONSE__INIT;
	Runtime__V1__ContainerStatus st = RUNTIME__V1__CONTAINER_STATUS__INIT;
	Runtime__V1__ContainerMetadata md = RUNTIME__V1__CONTAINER_METADATA__INIT;
	Runtime__V1__ImageSpec img = RUNTIME__V1__IMAGE_SPEC__INIT;
	Runtime__V1__Mount m0 = RUNTIME__V1__MOUNT__INIT, m1 = RUNTIME__V1__MOUNT__INIT;
	Runtime__V1__Mount *mounts[] = {&m0, &m1};
	Runtime__V1__ContainerStatus__LabelsEntry l[4] = {
		RUNTIME__V1__CONTAINER_STATUS__LABELS_ENTRY__INIT,
		RUNTIME__V1__CONTAINER_STATUS__LABELS_ENTRY__INIT,
		RUNTIME__V1__CONTAINER_STATUS__LABELS_ENTRY__INIT,
		RUNTIME__V1__CONTAINER_STATUS__LABELS_ENTRY__INIT};
	Runtime__V1__ContainerStatus__LabelsEntry *lp[] = {&l[0], &l[1], &l[2], &l[3]};
	Runtime__V1__ContainerStatusResponse__InfoEntry ie =
		RUNTIME__V1__CONTAINER_STATUS_RESPONSE__INFO_ENTRY__INIT;
	Runtime__V1__ContainerStatusResponse__InfoEntry *ip[] = {&ie};
	uint8_t *msg, *b;
	size_t n;

	md.name = (char *)"agent";
	img.image = (char *)"ghcr.io/example/monitor-agent:2.4.1";
	st.id = (char *)CID;
	st.metadata = &md;
	st.state = 1; /* CONTAINER_RUNNING */
	st.created_at = CREATED_NS;
	st.started_at = CREATED_NS + 400000000LL;
	st.image = &img;
	st.image_ref = (char *)"ghcr.io/example/monitor-agent@sha256:"
			       "77aa88bb99cc00dd11ee22ff33aa44bb55cc66dd77ee88ff99aa00bb11cc22dd";
	l[0].key = (char *)"io.kubernetes.container.name";
	l[0].value = (char *)"agent";
	l[1].key = (char *)"io.kubernetes.pod.name";
	l[1].value = (char *)"monitor-agent-5xq7z";
	l[2].key = (char *)"io.kubernetes.pod.namespace";
	l[2].value = (char *)"observability";
	l[3].key = (char *)"io.kubernetes.pod.uid";
	l[3].value = (char *)POD_UID;
	st.n_labels = 4;
	st.labels = lp;
	m0.container_path = (char *)"/host/proc";
	m0.host_path = (char *)"/proc";
	m0.readonly = 1;
	m1.container_path = (char *)"/run/containerd/containerd.sock";
	m1.host_path = (char *)"/run/containerd/containerd.sock";
	m1.propagation = RUNTIME__V1__MOUNT_PROPAGATION__PROPAGATION_HOST_TO_CONTAINER;
	st.n_mounts = 2;
	st.mounts = mounts;
	ie.key = (char *)"info";
	ie.value = info_json;
	r.status = &st;
	r.n_info = 1;
	r.info = ip;
	n = runtime__v1__container_status_response__get_packed_size(&r);
	msg = malloc(n);
	runtime__v1__container_status_response__pack(&r, msg);
	b = frame(msg, n, len);
	free(msg);
	return b;
}

/* PodSandboxStatus(SANDBOX): the kubelet's labels next to the pod's own. */
static uint8_t *pod_answer(size_t *len)
{
	Runtime__V1__PodSandboxStatusResponse r = RUNTIME__V1__POD_SANDBOX_STATUS_RESPONSE__INIT;
	Runtime__V1__PodSandboxStatus st = RUNTIME__V1__POD_SANDBOX_STATUS__INIT;
	Runtime__V1__PodSandboxMetadata md = RUNTIME__V1__POD_SANDBOX_METADATA__INIT;
	Runtime__V1__PodSandboxNetworkStatus net = RUNTIME__V1__POD_SANDBOX_NETWORK_STATUS__INIT;
	static const char *const kv[][2] = {
		{"tier", "node"},
		{"io.kubernetes.pod.name", "monitor-agent-5xq7z"},
		{"app.kubernetes.io/name", "monitor-agent"},
		{"io.kubernetes.pod.namespace", "observability"},
		{"io.kubernetes.pod.uid", POD_UID},
		{"controller-revision-hash", "7f9c6d5b8"},
		{"canary", ""},
	};
	Runtime__V1__PodSandboxStatus__LabelsEntry l[7];
	Runtime__V1__PodSandboxStatus__LabelsEntry *lp[7];
	uint8_t *msg, *b;
	size_t n;

	for (int i = 0; i < 7; i++) {
		runtime__v1__pod_sandbox_status__labels_entry__init(&l[i]);
		l[i].key = (char *)kv[i][0];
		l[i].value = (char *)kv[i][1];
		lp[i] = &l[i];
	}
	md.name = (char *)"monitor-agent-5xq7z";
	md.uid = (char *)POD_UID;
	md.namespace_ = (char *)"observability";
	net.ip = (char *)"10.244.3.17";
	st.id = (char *)SANDBOX;
	st.metadata = &md;
	st.created_at = CREATED_NS - 3000000000LL;
	st.network = &net;
	st.n_labels = 7;
	st.labels = lp;
	r.status = &st;
	n = runtime__v1__pod_sandbox_status_response__get_packed_size(&r);
	msg = malloc(n);
	runtime__v1__pod_sandbox_status_response__pack(&r, msg);
	b = frame(msg, n, len);
	free(msg);
	return b;
}

/* ---- the fake runtime: an HTTP/2 (h2c) gRPC server on a unix socket ---- */

struct fake {
	int lfd, stop[2];
	pthread_t th;
	uint8_t *cs, *ps; /* recorded answers */
	size_t cs_len, ps_len;
	int calls;	   /* requests answered (server thread; read after join) */
	int unimplemented; /* answer every call as a non-CRI containerd would */
	char paths[8][64]; /* first calls' :path */
	char ids[8][80];   /* and the id they asked for */
	int verbose[8];
};

struct stream {
	int32_t id;
	char path[64];
	uint8_t req[512];
	size_t req_len;
	const uint8_t *ans;
	size_t ans_len, ans_off;
	struct fake *f;
};

static ssize_t srv_send(nghttp2_session *s, const uint8_t *data, size_t len, int flags, void *ud)
{
	const int *fd = ud; /* struct conn starts with its fd */

	(void)s;
	(void)flags;
	return send(*fd, data, len, MSG_NOSIGNAL) < 0 ? NGHTTP2_ERR_CALLBACK_FAILURE : (ssize_t)len;
}

struct conn {
	int fd;
	struct fake *f;
	struct stream st; /* one call per connection, as the client makes them */
};

static int srv_begin(nghttp2_session *s, const nghttp2_frame *fr, void *ud)
{
	struct conn *c = ud;

	(void)s;
	if (fr->hd.type == NGHTTP2_HEADERS && fr->headers.cat == NGHTTP2_HCAT_REQUEST) {
		memset(&c->st, 0, sizeof(c->st));
		c->st.id = fr->hd.stream_id;
		c->st.f = c->f;
	}
	return 0;
}

static int srv_header(nghttp2_session *s, const nghttp2_frame *fr, const uint8_t *name,
		      size_t namelen, const uint8_t *value, size_t valuelen, uint8_t flags,
		      void *ud)
{
	struct conn *c = ud;

	(void)s;
	(void)fr;
	(void)flags;
	if (namelen == 5 && memcmp(name, ":path", 5) == 0)
		snprintf(c->st.path, sizeof(c->st.path), "%.*s", (int)valuelen,
			 (const char *)value);
	return 0;
}

static int srv_data(nghttp2_session *s, uint8_t flags, int32_t id, const uint8_t *data, size_t len,
		    void *ud)
{
	struct conn *c = ud;

	(void)s;
	(void)flags;
	(void)id;
	if (c->st.req_len + len <= sizeof(c->st.req)) {
		memcpy(c->st.req + c->st.req_len, data, len);
		c->st.req_len += len;
	}
	return 0;
}

static ssize_t srv_read(nghttp2_session *s, int32_t id, uint8_t *buf, size_t length,
			uint32_t *flags, nghttp2_data_source *src, void *ud)
{
	struct conn *c = ud;
	size_t n = c->st.ans_len - c->st.ans_off;
	static const nghttp2_nv ok[] = {
		{(uint8_t *)"grpc-status", (uint8_t *)"0", 11, 1, NGHTTP2_NV_FLAG_NONE}};

	(void)src;
	if (n > length)
		n = length;
	memcpy(buf, c->st.ans + c->st.ans_off, n);
	c->st.ans_off += n;
	if (c->st.ans_off == c->st.ans_len) {
		*flags |= NGHTTP2_DATA_FLAG_EOF | NGHTTP2_DATA_FLAG_NO_END_STREAM;
		nghttp2_submit_trailer(s, id, ok, 1);
	}
	return (ssize_t)n;
}

/* The request is complete: answer from the recordings. */
static int srv_frame(nghttp2_session *s, const nghttp2_frame *fr, void *ud)
{
	struct conn *c = ud;
	struct fake *f = c->f;
	const char *id = "";
	int verbose = 0;
	char code[4] = "5"; /* NOT_FOUND */
	nghttp2_nv hdr[] = {
		{(uint8_t *)":status", (uint8_t *)"200", 7, 3, NGHTTP2_NV_FLAG_NONE},
		{(uint8_t *)"content-type", (uint8_t *)"application/grpc", 12, 16,
		 NGHTTP2_NV_FLAG_NONE},
		{(uint8_t *)"grpc-status", (uint8_t *)code, 11, 1, NGHTTP2_NV_FLAG_NONE},
	};
	nghttp2_data_provider dp = {.read_callback = srv_read};
	Runtime__V1__ContainerStatusRequest *cr = NULL;
	Runtime__V1__PodSandboxStatusRequest *pr = NULL;

	if (!(fr->hd.flags & NGHTTP2_FLAG_END_STREAM) ||
	    (fr->hd.type != NGHTTP2_DATA && fr->hd.type != NGHTTP2_HEADERS) || c->st.req_len < 5)
		return 0;
	if (strcmp(c->st.path, "/runtime.v1.RuntimeService/ContainerStatus") == 0) {
		cr = runtime__v1__container_status_request__unpack(NULL, c->st.req_len - 5,
								   c->st.req + 5);
		if (cr) {
			id = cr->container_id;
			verbose = cr->verbose;
			if (strcmp(id, CID) == 0) {
				c->st.ans = f->cs;
				c->st.ans_len = f->cs_len;
			}
		}
	} else if (strcmp(c->st.path, "/runtime.v1.RuntimeService/PodSandboxStatus") == 0) {
		pr = runtime__v1__pod_sandbox_status_request__unpack(NULL, c->st.req_len - 5,
								     c->st.req + 5);
		if (pr) {
			id = pr->pod_sandbox_id;
			verbose = pr->verbose;
			if (strcmp(id, SANDBOX) == 0) {
				c->st.ans = f->ps;
				c->st.ans_len = f->ps_len;
			}
		}
	}
	if (f->calls < 8) {
		snprintf(f->paths[f->calls], sizeof(f->paths[0]), "%s", c->st.path);
		snprintf(f->ids[f->calls], sizeof(f->ids[0]), "%s", id);
		f->verbose[f->calls] = verbose;
	}
	f->calls++;
	if (f->unimplemented) {
		strcpy(code, "12");
		hdr[2].valuelen = 2;
		c->st.ans = NULL;
	}
	if (c->st.ans)
		nghttp2_submit_response(s, fr->hd.stream_id, hdr, 2, &dp);
	else /* trailers-only answer: the status in the headers */
		nghttp2_submit_response(s, fr->hd.stream_id, hdr, 3, NULL);
	runtime__v1__container_status_request__free_unpacked(cr, NULL);
	runtime__v1__pod_sandbox_status_request__free_unpacked(pr, NULL);
	return 0;
}

static void serve_conn(struct fake *f, int fd)
{
	nghttp2_session_callbacks *cbs;
	nghttp2_session *s;
	struct conn c = {.fd = fd, .f = f};

	nghttp2_session_callbacks_new(&cbs);
	nghttp2_session_callbacks_set_send_callback(cbs, srv_send);
	nghttp2_session_callbacks_set_on_begin_headers_callback(cbs, srv_begin);
	nghttp2_session_callbacks_set_on_header_callback(cbs, srv_header);
	nghttp2_session_callbacks_set_on_data_chunk_recv_callback(cbs, srv_data);
	nghttp2_session_callbacks_set_on_frame_recv_callback(cbs, srv_frame);
	nghttp2_session_server_new(&s, cbs, &c);
	nghttp2_submit_settings(s, NGHTTP2_FLAG_NONE, NULL, 0);
	for (;;) {
		struct pollfd p[2] = {{.fd = fd, .events = POLLIN},
				      {.fd = f->stop[0], .events = POLLIN}};
		uint8_t buf[16384];
		ssize_t n;

		if (nghttp2_session_send(s) != 0)
			break;
		if (poll(p, 2, 5000) <= 0 || p[1].revents)
			break;
		n = recv(fd, buf, sizeof(buf), 0);
		if (n <= 0 || nghttp2_session_mem_recv(s, buf, (size_t)n) < 0)
			break;
	}
	nghttp2_session_del(s);
	nghttp2_session_callbacks_del(cbs);
	close(fd);
}

static void *serve(void *arg)
{
	struct fake *f = arg;

	for (;;) {
		struct pollfd p[2] = {{.fd = f->lfd, .events = POLLIN},
				      {.fd = f->stop[0], .events = POLLIN}};
		int fd;

		if (poll(p, 2, 10000) <= 0 || p[1].revents)
			break;
		fd = accept(f->lfd, NULL, NULL);
		if (fd >= 0)
			serve_conn(f, fd);
	}
	return NULL;
}

static int unix_listen(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	return fd;
}

/* unimplemented: answer as a containerd without the CRI plugin (set before the thread runs). */
static void fake_start(struct fake *f, const char *sock, int unimplemented)
{
	memset(f, 0, sizeof(*f));
	f->unimplemented = unimplemented;
	f->cs = container_answer(&f->cs_len);
	f->ps = pod_answer(&f->ps_len);
	f->lfd = unix_listen(sock);
	assert_int_equal(pipe(f->stop), 0);
	assert_int_equal(pthread_create(&f->th, NULL, serve, f), 0);
}

static void fake_stop(struct fake *f)
{
	assert_int_equal(write(f->stop[1], "x", 1), 1);
	pthread_join(f->th, NULL);
	close(f->stop[0]);
	close(f->stop[1]);
	close(f->lfd);
	free(f->cs);
	free(f->ps);
}

/* ---- helpers ---- */

static const char *field(struct ext_ctx *x, const char *name, const char *arg)
{
	static char out[2048];
	struct fld_ref ref;
	struct fld_val v[FLD_MAX_VALUES];
	char msg[128];
	int n;

	assert_int_equal(fld_resolve(name, arg, arg ? strlen(arg) : 0, &ref, msg, sizeof(msg)), 0);
	n = ext_get(x, &ref, v, FLD_MAX_VALUES);
	if (n <= 0)
		return "<NA>";
	if (ref.type == LNR_PT_CHARBUF)
		snprintf(out, sizeof(out), "%.*s", (int)v[0].str.len, v[0].str.p);
	else
		snprintf(out, sizeof(out), "%llu", (unsigned long long)v[0].u64);
	return out;
}

static const struct rt_container *wait_done(struct rt_cache *rt, const char *id)
{
	const struct rt_container *ct = rt_lookup(rt, id);

	for (int i = 0; i < 1000 && ct->state == RT_PENDING; i++) { /* at most 10 s */
		usleep(10000);
		rt_poll(rt);
		ct = rt_lookup(rt, id);
	}
	return ct;
}

struct env {
	char dir[64], sock[128];
	const char *cri[2], *rest[2];
	struct rt_opts o;
};

static void env_init(struct env *e)
{
	strcpy(e->dir, "/tmp/lanner-crig-XXXXXX");
	assert_non_null(mkdtemp(e->dir));
	snprintf(e->sock, sizeof(e->sock), "%s/containerd.sock", e->dir);
	e->cri[0] = e->sock;
	e->cri[1] = NULL;
	e->rest[0] = "/nonexistent/lanner-test-docker.sock";
	e->rest[1] = NULL;
	memset(&e->o, 0, sizeof(e->o));
	e->o.sockets = e->rest;
	e->o.cri_sockets = e->cri;
	e->o.containerd_dir = e->dir; /* no bundles there: everything from the CRI */
	e->o.timeout_ms = 2000;
}

static void env_fini(struct env *e)
{
	unlink(e->sock);
	rmdir(e->dir);
}

/*
 * The fields an evaluator sees for process p of the CRI container CID: none
 * of the runtime's at first sight (never waiting), all of them once the
 * fetch landed.
 */
static void check_fields(struct rt_cache *rt, struct st_state *s, struct enr_thread *th)
{
	struct st_ctx c;
	struct ext_ctx *x = calloc(1, sizeof(*x));

	memset(&c, 0, sizeof(c));
	c.thread = th;
	c.proc = th->proc;
	c.fdnum = -1;
	c.ts = (uint64_t)CREATED_NS + 60000000000ULL;
	ext_begin(x, s, &c);
	x->rt = rt;
	assert_string_equal(field(x, "container.id", NULL), "5d6e7f8091a2");
	assert_string_equal(field(x, "container.privileged", NULL), "<NA>");
	assert_string_equal(field(x, "k8s.pod.labels", NULL), "<NA>");
	assert_int_equal(wait_done(rt, CID)->state, RT_DONE);
	assert_string_equal(field(x, "container.name", NULL), "agent");
	assert_string_equal(field(x, "container.image", NULL),
			    "ghcr.io/example/monitor-agent:2.4.1");
	assert_string_equal(field(x, "container.image.repository", NULL),
			    "ghcr.io/example/monitor-agent");
	assert_string_equal(field(x, "container.image.tag", NULL), "2.4.1");
	assert_string_equal(
		field(x, "container.image.digest", NULL),
		"sha256:77aa88bb99cc00dd11ee22ff33aa44bb55cc66dd77ee88ff99aa00bb11cc22dd");
	assert_string_equal(field(x, "container.image.id", NULL),
			    "0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0");
	assert_string_equal(field(x, "container.privileged", NULL), "1");
	assert_string_equal(field(x, "container.mounts", NULL),
			    "/proc:/host/proc::false:private,/run/containerd/containerd.sock:/run/"
			    "containerd/containerd.sock::true:rslave");
	assert_string_equal(field(x, "container.mount.source", "/host/*"), "/proc");
	assert_string_equal(field(x, "container.mount.rdwr", "/host/proc"), "false");
	assert_string_equal(field(x, "container.mount.propagation", "1"), "rslave");
	/* creation time, whole seconds as Falco keeps it */
	assert_string_equal(field(x, "container.start_ts", NULL), "1795162542000000000");
	assert_string_equal(field(x, "container.duration", NULL), "60250000000");
	assert_string_equal(field(x, "k8s.pod.name", NULL), "monitor-agent-5xq7z");
	assert_string_equal(field(x, "k8s.ns.name", NULL), "observability");
	assert_string_equal(field(x, "k8s.pod.uid", NULL), POD_UID);
	assert_string_equal(field(x, "k8s.pod.id", NULL), POD_UID);
	assert_string_equal(field(x, "k8s.pod.sandbox_id", NULL), "9c1d2e3f4a5b");
	assert_string_equal(field(x, "k8s.pod.full_sandbox_id", NULL), SANDBOX);
	assert_string_equal(field(x, "k8s.pod.ip", NULL), "10.244.3.17");
	assert_string_equal(field(x, "container.ip", NULL), "10.244.3.17");
	/* sorted by key, without the kubelet's io.kubernetes.* ones, "canary" valueless */
	assert_string_equal(field(x, "k8s.pod.labels", NULL),
			    "app.kubernetes.io/name:monitor-agent, canary, "
			    "controller-revision-hash:7f9c6d5b8, tier:node");
	assert_string_equal(field(x, "k8s.pod.label", "tier"), "node");
	assert_string_equal(field(x, "k8s.pod.label", "app.kubernetes.io/name"), "monitor-agent");
	assert_string_equal(field(x, "k8s.pod.label", "io.kubernetes.pod.namespace"),
			    "observability");
	assert_string_equal(field(x, "k8s.pod.label", "missing"), "<NA>");
	assert_string_equal(field(x, "container.label", "io.kubernetes.container.name"), "agent");
	assert_string_equal(field(x, "container.label", "io.kubernetes.sandbox.id"), SANDBOX);
	free(x);
}

/* ---- tests ---- */

static void test_decode(void **state)
{
	size_t cl, pl;
	uint8_t *cb = container_answer(&cl), *pb = pod_answer(&pl);
	struct rt_container ct = {0};
	char sb[128];
	const uint8_t *m;
	size_t ml;

	(void)state;
	assert_int_equal(cri_parse_container_status(cb, cl, &ct, sb, sizeof(sb)), 0);
	assert_string_equal(sb, SANDBOX);
	assert_string_equal(ct.name, "agent");
	assert_int_equal(ct.privileged, 1);
	assert_int_equal(ct.nmounts, 2);
	assert_string_equal(ct.k8s_ns_name, "observability");
	assert_null(ct.pod_labels);
	assert_int_equal(cri_parse_pod_status(pb, pl, &ct, 0), 0);
	assert_int_equal(ct.npod_labels, 7);
	assert_string_equal(ct.pod_labels[0], "app.kubernetes.io/name:monitor-agent");
	assert_string_equal(ct.ip, "10.244.3.17");
	assert_string_equal(ct.name, "agent"); /* a container keeps its own name */
	rt_container_fini(&ct);
	/* the pod's sandbox as a container: named after the pod, its labels its own */
	assert_int_equal(cri_parse_pod_status(pb, pl, &ct, 1), 0);
	assert_string_equal(ct.name, "monitor-agent-5xq7z");
	assert_string_equal(ct.sandbox_id, SANDBOX);
	assert_true(ct.start_ts == 1795162539000000000ULL);
	rt_container_fini(&ct);
	/* malformed answers are refused, not crashed on */
	assert_int_equal(cri_grpc_unframe(cb, 4, &m, &ml), -EPROTO);
	assert_int_equal(cri_parse_container_status(cb, cl - 1, &ct, sb, sizeof(sb)), -EPROTO);
	rt_container_fini(&ct);
	cb[0] = 1; /* compressed */
	assert_int_equal(cri_parse_container_status(cb, cl, &ct, sb, sizeof(sb)), -EPROTO);
	rt_container_fini(&ct);
	memset(cb + 5, 0xff, 16); /* not protobuf */
	cb[0] = 0;
	assert_int_equal(cri_parse_container_status(cb, cl, &ct, sb, sizeof(sb)), -EPROTO);
	rt_container_fini(&ct);
	/* an empty message: no status */
	assert_int_equal(cri_parse_pod_status((const uint8_t *)"\0\0\0\0\0", 5, &ct, 0), -ENOENT);
	rt_container_fini(&ct);
	free(cb);
	free(pb);
}

static void test_fake_cri(void **state)
{
	struct env e;
	struct fake f;
	struct rt_cache *rt;
	struct st_state *s = st_new(NULL);
	struct enr_thread *th = thr_add(st_threads(s), 4242, 4242, 0);
	const struct rt_container *ct;
	int calls;

	(void)state;
	env_init(&e);
	fake_start(&f, e.sock, 0);
	rt = rt_new(&e.o);
	assert_non_null(rt);
	strcpy(th->proc->comm, "agent");
	strcpy(th->proc->container_id, CID);
	check_fields(rt, s, th);
	/* the pod's sandbox ("pause") container: not a container for CRI, a pod */
	ct = wait_done(rt, SANDBOX);
	assert_int_equal(ct->state, RT_DONE);
	assert_string_equal(ct->name, "monitor-agent-5xq7z");
	assert_string_equal(ct->k8s_pod_uid, POD_UID);
	/* a container the runtime does not know: failed, nothing made up */
	ct = wait_done(rt, "00000000000000000000000000000000000000000000000000000000000000aa");
	assert_int_equal(ct->state, RT_FAILED);
	assert_null(ct->name);
	rt_free(rt);
	fake_stop(&f);
	calls = f.calls;
	/* what went over the wire: verbose ContainerStatus, then its pod */
	assert_true(calls >= 4);
	assert_string_equal(f.paths[0], "/runtime.v1.RuntimeService/ContainerStatus");
	assert_string_equal(f.ids[0], CID);
	assert_int_equal(f.verbose[0], 1);
	assert_string_equal(f.paths[1], "/runtime.v1.RuntimeService/PodSandboxStatus");
	assert_string_equal(f.ids[1], SANDBOX);
	env_fini(&e);
	st_free(s);
}

/* containerd without the CRI plugin (docker's): UNIMPLEMENTED, and the REST API is next. */
static void test_not_cri(void **state)
{
	struct env e;
	struct fake f;
	struct rt_container ct = {0};

	(void)state;
	env_init(&e);
	fake_start(&f, e.sock, 1);
	assert_int_equal(cri_fetch(e.sock, CID, 2000, &ct), -EPROTONOSUPPORT);
	rt_container_fini(&ct);
	fake_stop(&f);
	assert_int_equal(cri_fetch(e.sock, CID, 2000, &ct), -ECONNREFUSED);
	rt_container_fini(&ct);
	env_fini(&e);
}

/*
 * A CRI runtime that accepts connections and never answers: lookups return
 * at once with nothing known, events never wait, the fetch fails after its
 * timeout and the fields stay empty.
 */
static void test_silent_cri(void **state)
{
	struct env e;
	struct rt_cache *rt;
	const struct rt_container *ct;
	struct timespec t0, t1;
	uint64_t done, failed, pending;
	int lfd;

	(void)state;
	env_init(&e);
	e.o.timeout_ms = 1000;
	lfd = unix_listen(e.sock); /* never accepts: connect succeeds, no answer */
	rt = rt_new(&e.o);
	clock_gettime(CLOCK_MONOTONIC, &t0);
	for (int i = 0; i < 100; i++) {
		char id[72];

		snprintf(id, sizeof(id), "%064x", i + 1);
		ct = rt_lookup(rt, id);
		assert_non_null(ct);
		assert_int_equal(ct->state, RT_PENDING);
		rt_poll(rt);
	}
	clock_gettime(CLOCK_MONOTONIC, &t1);
	/* 100 lookups did not wait for even one timeout of the silent runtime */
	assert_true((t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000 < 1000);
	ct = wait_done(rt, "0000000000000000000000000000000000000000000000000000000000000001");
	assert_int_equal(ct->state, RT_FAILED);
	assert_null(ct->name);
	rt_stats(rt, &done, &failed, &pending);
	assert_true(failed >= 1);
	assert_int_equal(done, 0);
	rt_free(rt);
	/* stopping waits for the call in flight only, not for every socket's timeout:
	 * three silent CRI sockets, stopped while the first one hangs */
	{
		const char *three[] = {e.sock, e.sock, e.sock, NULL};
		int64_t ms;

		e.o.cri_sockets = three;
		rt = rt_new(&e.o);
		assert_int_equal(rt_lookup(rt, CID)->state, RT_PENDING);
		usleep(100000);
		clock_gettime(CLOCK_MONOTONIC, &t0);
		rt_free(rt);
		clock_gettime(CLOCK_MONOTONIC, &t1);
		ms = (t1.tv_sec - t0.tv_sec) * 1000 + (t1.tv_nsec - t0.tv_nsec) / 1000000;
		if (ms >= 2500)
			fail_msg("rt_free took %lld ms with a fetch hanging (bound: one call, 1000 "
				 "ms)",
				 (long long)ms);
	}
	close(lfd);
	env_fini(&e);
}

/* containerd's OCI bundle of CID (the runtimeSpec of the recorded info) under e->dir. */
static void write_bundle(struct env *e, char paths[4][512])
{
	json_error_t jerr;
	json_t *info = json_loads(info_json, 0, &jerr);
	FILE *fp;

	assert_non_null(info);
	snprintf(paths[0], 512, "%s/io.containerd.runtime.v2.task", e->dir);
	snprintf(paths[1], 512, "%s/io.containerd.runtime.v2.task/k8s.io", e->dir);
	snprintf(paths[2], 512, "%s/io.containerd.runtime.v2.task/k8s.io/" CID, e->dir);
	snprintf(paths[3], 512, "%s/io.containerd.runtime.v2.task/k8s.io/" CID "/config.json",
		 e->dir);
	for (int i = 0; i < 3; i++)
		assert_int_equal(mkdir(paths[i], 0700), 0);
	fp = fopen(paths[3], "w");
	assert_non_null(fp);
	assert_int_equal(json_dumpf(json_object_get(info, "runtimeSpec"), fp, 0), 0);
	fclose(fp);
	json_decref(info);
}

/*
 * On a node both sources exist: the CRI answer wins and the bundle fills
 * nothing it has; with the runtime gone, the bundle alone still names the
 * container and its pod (no privileged, mounts or pod labels then).
 */
static void test_bundle_and_cri(void **state)
{
	struct env e;
	struct fake f;
	struct rt_cache *rt;
	struct st_state *s = st_new(NULL);
	struct enr_thread *th = thr_add(st_threads(s), 4343, 4343, 0);
	const struct rt_container *ct;
	char paths[4][512];

	(void)state;
	env_init(&e);
	write_bundle(&e, paths);
	fake_start(&f, e.sock, 0);
	rt = rt_new(&e.o);
	strcpy(th->proc->container_id, CID);
	check_fields(rt, s, th);
	rt_free(rt);
	fake_stop(&f);
	/* the runtime is gone (connection refused): the bundle's fields only */
	rt = rt_new(&e.o);
	ct = wait_done(rt, CID);
	assert_int_equal(ct->state, RT_DONE);
	assert_string_equal(ct->name, "agent");
	assert_string_equal(ct->image, "ghcr.io/example/monitor-agent:2.4.1");
	assert_string_equal(ct->k8s_pod_name, "monitor-agent-5xq7z");
	assert_int_equal(ct->privileged, -1);
	assert_int_equal(ct->nmounts, 0);
	assert_null(ct->pod_labels);
	rt_free(rt);
	for (int i = 3; i >= 0; i--)
		assert_int_equal(i == 3 ? unlink(paths[i]) : rmdir(paths[i]), 0);
	env_fini(&e);
	st_free(s);
}

/*
 * A real process in a cgroup laid out as the kubelet's systemd driver does for
 * containerd (kubepods.slice/.../cri-containerd-<id>.scope): the enricher's
 * /proc read gives it the id, the fake runtime its metadata (root: cgroupfs).
 */
static void test_cri_cgroup(void **state)
{
	static const char *const levels[] = {
		"kubepods.slice", "kubepods-besteffort.slice",
		"kubepods-besteffort-poda1b2c3d4_e5f6_4a7b_8c9d_0e1f2a3b4c5d.slice",
		"cri-containerd-" CID ".scope"};
	const char *base = "/sys/fs/cgroup/pids";
	char cg[4][512], procs[600];
	struct stat sb;
	struct env e;
	struct fake f;
	struct rt_cache *rt;
	struct st_state *s;
	struct procfs_opts po = {0};
	struct enr_thread *th;
	pid_t child;
	FILE *fp;
	int hold[2];

	(void)state;
	if (geteuid() != 0) {
		if (lnr_test_in_ci())
			fail_msg("test_cri_cgroup: needs root in CI");
		fprintf(stderr, "test_cri_cgroup: SKIPPED: needs root (cgroupfs)\n");
		skip();
	}
	if (stat(base, &sb) != 0)
		base = "/sys/fs/cgroup/unified";
	if (stat(base, &sb) != 0)
		base = "/sys/fs/cgroup";
	for (int i = 0; i < 4; i++) {
		snprintf(cg[i], sizeof(cg[i]), "%s/%s", i ? cg[i - 1] : base, levels[i]);
		if (mkdir(cg[i], 0755) != 0 && errno != EEXIST)
			fail_msg("mkdir %s: %s", cg[i], strerror(errno));
	}
	assert_int_equal(pipe(hold), 0);
	child = fork();
	if (child == 0) {
		char ch;

		/* lives until we close the pipe or die (a failed assertion included) */
		close(hold[1]);
		if (read(hold[0], &ch, 1) < 0)
			_exit(1);
		_exit(0);
	}
	close(hold[0]);
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg[3]);
	fp = fopen(procs, "w");
	assert_non_null(fp);
	fprintf(fp, "%d\n", child);
	assert_int_equal(fclose(fp), 0);

	env_init(&e);
	fake_start(&f, e.sock, 0);
	rt = rt_new(&e.o);
	s = st_new(NULL);
	assert_int_equal(procfs_read_proc(st_threads(s), &po, child), 0);
	th = thr_get(st_threads(s), child);
	assert_non_null(th);
	assert_string_equal(th->proc->container_id, CID);
	check_fields(rt, s, th);
	rt_free(rt);
	fake_stop(&f);
	env_fini(&e);
	st_free(s);
	close(hold[1]);
	waitpid(child, NULL, 0);
	for (int i = 3; i >= 0; i--)
		rmdir(cg[i]);
}

static int setup(void **state)
{
	(void)state;
	info_json = read_all(LANNER_SOURCE_DIR "/tests/enricher/data/cri_container_info.json");
	return 0;
}

static int teardown(void **state)
{
	(void)state;
	free(info_json);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_decode),	       cmocka_unit_test(test_fake_cri),
		cmocka_unit_test(test_not_cri),	       cmocka_unit_test(test_silent_cri),
		cmocka_unit_test(test_bundle_and_cri), cmocka_unit_test(test_cri_cgroup),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
