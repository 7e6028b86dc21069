/* ctl.c: nng ipc sockets for the control plane (req/rep) and alerts (push/pull), framed. */
#include "ctl.h"

#include <errno.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <nng/nng.h>
#include <nng/protocol/pipeline0/pull.h>
#include <nng/protocol/pipeline0/push.h>
#include <nng/protocol/reqrep0/rep.h>
#include <nng/protocol/reqrep0/req.h>

#include "log.h"

struct ctl_sock {
	nng_socket sock;
	enum ctl_kind kind;
	int send_to, recv_to; /* timeouts last set on the socket, ms; -2 = never set */
	char url[CTL_MAX_PATH + 16];
};

/* Frame header, host byte order (both ends are on this machine). */
struct ctl_hdr {
	uint8_t version; /* CTL_PROTO_VERSION */
	uint8_t reserved;
	uint16_t type; /* enum ctl_type */
	uint32_t len;  /* payload bytes after the header */
};

_Static_assert(sizeof(struct ctl_hdr) == CTL_HDR_SIZE, "frame header is 8 bytes");

static const char *const kind_names[] = {"req", "rep", "push", "pull"};

const char *ctl_type_name(uint16_t type)
{
	switch (type) {
	case CTL_MSG_HELLO:
		return "hello";
	case CTL_MSG_STATS:
		return "stats";
	case CTL_MSG_RELOAD:
		return "reload";
	case CTL_MSG_HEALTH:
		return "health";
	case CTL_MSG_SHUTDOWN:
		return "shutdown";
	case CTL_MSG_OK:
		return "ok";
	case CTL_MSG_ERROR:
		return "error";
	case CTL_MSG_ALERT:
		return "alert";
	default:
		return "unknown";
	}
}

int ctl_errno(int e)
{
	if (e & NNG_ESYSERR)
		return -(e & ~NNG_ESYSERR);
	switch (e) {
	case 0:
		return 0;
	case NNG_EINTR:
		return -EINTR;
	case NNG_ENOMEM:
		return -ENOMEM;
	case NNG_EINVAL:
	case NNG_EADDRINVAL:
	case NNG_ENOARG:
	case NNG_EAMBIGUOUS:
	case NNG_EBADTYPE:
	case NNG_EWRITEONLY:
		return -EINVAL;
	case NNG_EBUSY:
		return -EBUSY;
	case NNG_ETIMEDOUT:
		return -ETIMEDOUT;
	case NNG_ECONNREFUSED:
		return -ECONNREFUSED;
	case NNG_ECLOSED:
		return -EBADF;
	case NNG_EAGAIN:
		return -EAGAIN;
	case NNG_ENOTSUP:
		return -ENOTSUP;
	case NNG_EADDRINUSE:
		return -EADDRINUSE;
	case NNG_ESTATE:
	case NNG_EPROTO:
		return -EPROTO;
	case NNG_ENOENT:
		return -ENOENT;
	case NNG_EUNREACHABLE:
		return -EHOSTUNREACH;
	case NNG_EPERM:
	case NNG_ECRYPTO:
	case NNG_EPEERAUTH:
		return -EACCES;
	case NNG_EMSGSIZE:
		return -EMSGSIZE;
	case NNG_ECONNABORTED:
		return -ECONNABORTED;
	case NNG_ECONNRESET:
	case NNG_ECONNSHUT:
		return -ECONNRESET;
	case NNG_ECANCELED:
		return -ECANCELED;
	case NNG_ENOFILES:
		return -EMFILE;
	case NNG_ENOSPC:
		return -ENOSPC;
	case NNG_EEXIST:
		return -EEXIST;
	case NNG_EREADONLY:
		return -EROFS;
	default:
		return -EIO;
	}
}

int ctl_url(char *buf, size_t n, const char *run_dir, const char *name)
{
	int r;

	if (!run_dir || !*run_dir || !name || !*name || strchr(name, '/'))
		return -EINVAL;
	if (strlen(run_dir) + strlen(name) + 6 > CTL_MAX_PATH)
		return -ENAMETOOLONG;
	r = snprintf(buf, n, "ipc://%s/%s.sock", run_dir, name);
	if (r < 0 || (size_t)r >= n)
		return -ENAMETOOLONG;
	return 0;
}

int ctl_stage_sock_name(char *buf, size_t n, const char *stage)
{
	int r = snprintf(buf, n, "ctl-%s", stage);

	return r < 0 || (size_t)r >= n ? -ENAMETOOLONG : 0;
}

static int open_kind(nng_socket *sock, enum ctl_kind kind)
{
	switch (kind) {
	case CTL_REQ:
		return nng_req0_open(sock);
	case CTL_REP:
		return nng_rep0_open(sock);
	case CTL_PUSH:
		return nng_push0_open(sock);
	case CTL_PULL:
		return nng_pull0_open(sock);
	}
	return NNG_EINVAL;
}

/* Opens the nng socket and sets what every ctl socket shares. */
static struct ctl_sock *sock_new(enum ctl_kind kind, const char *run_dir, const char *name)
{
	struct ctl_sock *s;
	int rc, e;

	if ((unsigned)kind > CTL_PULL) {
		errno = EINVAL;
		return NULL;
	}
	s = calloc(1, sizeof(*s));
	if (!s)
		return NULL;
	s->kind = kind;
	s->send_to = s->recv_to = -2;
	rc = ctl_url(s->url, sizeof(s->url), run_dir, name);
	if (rc) {
		log_errorf("ctl: socket %s/%s: invalid or too long path", run_dir ? run_dir : "?",
			   name ? name : "?");
		free(s);
		errno = -rc;
		return NULL;
	}
	e = open_kind(&s->sock, kind);
	if (e) {
		log_errorf("ctl: cannot open %s socket for %s: %s", kind_names[kind], s->url,
			   nng_strerror(e));
		free(s);
		errno = -ctl_errno(e);
		return NULL;
	}
	/* frames larger than this are refused by nng before we see them */
	nng_socket_set_size(s->sock, NNG_OPT_RECVMAXSZ, CTL_MAX_MSG);
	nng_socket_set_ms(s->sock, NNG_OPT_RECONNMINT, 10);
	nng_socket_set_ms(s->sock, NNG_OPT_RECONNMAXT, 1000);
	if (kind == CTL_REQ) /* a control request is not resent behind the caller's back */
		nng_socket_set_ms(s->sock, NNG_OPT_REQ_RESENDTIME, NNG_DURATION_INFINITE);
	return s;
}

struct ctl_sock *ctl_listen(enum ctl_kind kind, const char *run_dir, const char *name)
{
	struct ctl_sock *s = sock_new(kind, run_dir, name);
	nng_listener l;
	int e;

	if (!s)
		return NULL;
	if (mkdir(run_dir, 0770) == 0)
		log_debugf("ctl: created run directory %s (mode 0770)", run_dir);
	e = nng_listener_create(&l, s->sock, s->url);
	if (!e)
		e = nng_listener_set_int(l, NNG_OPT_IPC_PERMISSIONS, 0660);
	if (!e)
		e = nng_listener_start(l, 0);
	if (e) {
		log_errorf("ctl: cannot listen on %s: %s", s->url, nng_strerror(e));
		nng_close(s->sock);
		free(s);
		errno = -ctl_errno(e);
		return NULL;
	}
	return s;
}

struct ctl_sock *ctl_dial(enum ctl_kind kind, const char *run_dir, const char *name)
{
	struct ctl_sock *s = sock_new(kind, run_dir, name);
	int e;

	if (!s)
		return NULL;
	/* NONBLOCK: no peer yet is fine, nng reconnects in the background */
	e = nng_dial(s->sock, s->url, NULL, NNG_FLAG_NONBLOCK);
	if (e) {
		log_errorf("ctl: cannot dial %s: %s", s->url, nng_strerror(e));
		nng_close(s->sock);
		free(s);
		errno = -ctl_errno(e);
		return NULL;
	}
	return s;
}

void ctl_close(struct ctl_sock *s)
{
	if (!s)
		return;
	nng_close(s->sock);
	free(s);
}

static void set_timeout(struct ctl_sock *s, const char *opt, int *cached, int ms)
{
	if (ms < 0)
		ms = NNG_DURATION_INFINITE;
	if (*cached == ms)
		return;
	if (nng_socket_set_ms(s->sock, opt, ms) == 0)
		*cached = ms;
}

int ctl_send(struct ctl_sock *s, uint16_t type, const void *payload, size_t len, int timeout_ms)
{
	struct ctl_hdr h = {.version = CTL_PROTO_VERSION, .type = type};
	nng_msg *m;
	int e;

	if (len > CTL_MAX_MSG - CTL_HDR_SIZE) {
		log_errorf("ctl: %s message of %zu bytes on %s: larger than %u",
			   ctl_type_name(type), len, s->url, CTL_MAX_MSG);
		return -EMSGSIZE;
	}
	h.len = (uint32_t)len;
	e = nng_msg_alloc(&m, CTL_HDR_SIZE + len);
	if (e)
		return ctl_errno(e);
	memcpy(nng_msg_body(m), &h, CTL_HDR_SIZE);
	if (len)
		memcpy((char *)nng_msg_body(m) + CTL_HDR_SIZE, payload, len);
	set_timeout(s, NNG_OPT_SENDTIMEO, &s->send_to, timeout_ms);
	e = nng_sendmsg(s->sock, m, 0);
	if (e) {
		nng_msg_free(m); /* nng owns it only on success */
		if (e != NNG_ETIMEDOUT)
			log_errorf("ctl: send %s on %s: %s", ctl_type_name(type), s->url,
				   nng_strerror(e));
		return ctl_errno(e);
	}
	return 0;
}

int ctl_recv(struct ctl_sock *s, uint16_t *type, void **payload, size_t *len, int timeout_ms)
{
	struct ctl_hdr h;
	nng_msg *m;
	size_t n;
	char *p;
	int e;

	*payload = NULL;
	*len = 0;
	set_timeout(s, NNG_OPT_RECVTIMEO, &s->recv_to, timeout_ms);
	e = nng_recvmsg(s->sock, &m, 0);
	if (e) {
		if (e != NNG_ETIMEDOUT)
			log_errorf("ctl: receive on %s: %s", s->url, nng_strerror(e));
		return ctl_errno(e);
	}
	n = nng_msg_len(m);
	if (n < CTL_HDR_SIZE) {
		log_errorf("ctl: %s: dropped a frame of %zu bytes (shorter than its header)",
			   s->url, n);
		nng_msg_free(m);
		return -EPROTO;
	}
	memcpy(&h, nng_msg_body(m), CTL_HDR_SIZE);
	if (h.version != CTL_PROTO_VERSION || h.len != n - CTL_HDR_SIZE) {
		log_errorf("ctl: %s: dropped a bad frame (version %u, length %u for %zu bytes)",
			   s->url, h.version, h.len, n - CTL_HDR_SIZE);
		nng_msg_free(m);
		return -EPROTO;
	}
	if (h.len) {
		p = malloc((size_t)h.len + 1);
		if (!p) {
			nng_msg_free(m);
			return -ENOMEM;
		}
		memcpy(p, (char *)nng_msg_body(m) + CTL_HDR_SIZE, h.len);
		p[h.len] = '\0';
		*payload = p;
	}
	*len = h.len;
	*type = h.type;
	nng_msg_free(m);
	return 0;
}

int ctl_send_json(struct ctl_sock *s, uint16_t type, const json_t *obj, int timeout_ms)
{
	char *text;
	int rc;

	if (!obj)
		return ctl_send(s, type, "{}", 2, timeout_ms);
	text = json_dumps(obj, JSON_COMPACT);
	if (!text)
		return -ENOMEM;
	rc = ctl_send(s, type, text, strlen(text), timeout_ms);
	free(text);
	return rc;
}

int ctl_recv_json(struct ctl_sock *s, uint16_t *type, json_t **obj, int timeout_ms)
{
	json_error_t jerr;
	void *payload;
	size_t len;
	int rc;

	*obj = NULL;
	rc = ctl_recv(s, type, &payload, &len, timeout_ms);
	if (rc)
		return rc;
	if (len == 0) {
		*obj = json_object();
		return *obj ? 0 : -ENOMEM;
	}
	*obj = json_loadb(payload, len, JSON_REJECT_DUPLICATES, &jerr);
	free(payload);
	if (!*obj || !json_is_object(*obj)) {
		log_errorf("ctl: %s: %s message is not a JSON object: %s", s->url,
			   ctl_type_name(*type), *obj ? "not an object" : jerr.text);
		json_decref(*obj);
		*obj = NULL;
		return -EPROTO;
	}
	return 0;
}

int ctl_request(struct ctl_sock *s, uint16_t type, const json_t *body, uint16_t *reply_type,
		json_t **reply, int timeout_ms)
{
	int rc;

	*reply = NULL;
	rc = ctl_send_json(s, type, body, timeout_ms);
	if (rc)
		return rc;
	/* the same budget again for the reply: a request waits at most twice timeout_ms */
	return ctl_recv_json(s, reply_type, reply, timeout_ms);
}

int ctl_hello(struct ctl_sock *s, const char *stage, int timeout_ms)
{
	json_t *hello =
		json_pack("{s:s, s:I, s:s, s:i}", "stage", stage, "pid", (json_int_t)getpid(),
			  "version", LANNER_VERSION, "proto", CTL_PROTO_VERSION);
	json_t *reply = NULL;
	uint16_t rtype = 0;
	int rc;

	if (!hello)
		return -ENOMEM;
	rc = ctl_request(s, CTL_MSG_HELLO, hello, &rtype, &reply, timeout_ms);
	json_decref(hello);
	if (rc == 0 && rtype != CTL_MSG_OK) {
		const char *err = json_string_value(json_object_get(reply, "error"));

		log_errorf("ctl: handshake of %s refused: %s", stage, err ? err : "no reason");
		rc = -ECONNREFUSED;
	}
	json_decref(reply);
	return rc;
}

int ctl_serve_one(struct ctl_sock *s, ctl_handler_fn fn, void *ctx, uint16_t *type_out,
		  int timeout_ms)
{
	json_t *req = NULL, *reply = NULL;
	uint16_t type = 0, rtype;
	int rc;

	rc = ctl_recv_json(s, &type, &req, timeout_ms);
	if (type_out)
		*type_out = type;
	if (rc == -EPROTO) {
		/* a REP socket must answer before it can receive again */
		json_t *err = json_pack("{s:s}", "error", "malformed request");

		ctl_send_json(s, CTL_MSG_ERROR, err, timeout_ms);
		json_decref(err);
		return rc;
	}
	if (rc)
		return rc;
	rtype = fn(ctx, type, req, &reply);
	rc = ctl_send_json(s, rtype, reply, timeout_ms);
	json_decref(req);
	json_decref(reply);
	return rc;
}

int ctl_recv_fd(struct ctl_sock *s)
{
	int fd, e = nng_socket_get_int(s->sock, NNG_OPT_RECVFD, &fd);

	if (e) {
		log_errorf("ctl: %s: no pollable descriptor: %s", s->url, nng_strerror(e));
		return ctl_errno(e);
	}
	return fd;
}
