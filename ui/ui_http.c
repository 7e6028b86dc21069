/* ui_http.c: lanner-ui's HTTP front: routing, auth checks, JSON API, SSE, static pages. */
#include "ui_http.h"

#include <arpa/inet.h>
#include <errno.h>
#include <inttypes.h>
#include <netinet/in.h>
#include <poll.h>
#include <pthread.h>
#include <stdatomic.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <sys/socket.h>
#include <time.h>

#include <microhttpd.h>

#include "alert.h"
#include "log.h"
#include "version.h"

#define UI_MAX_BODY (4u << 20)	     /* bytes of a POST body */
#define UI_MAX_BATCH 1000	     /* alerts in one POST (a JSON array) */
#define UI_PAGE_MAX 1000	     /* alerts per search page */
#define UI_EXPORT_MAX 100000	     /* alerts in one export */
#define UI_COUNT_MAX_MIN (31 * 1440) /* minutes of counters read per request */
#define UI_SSE_PING_S 15
#define UI_MAX_OUTPUTS 64

#if MHD_VERSION < 0x00097002
typedef int mhd_ret;
#else
typedef enum MHD_Result mhd_ret;
#endif

/* A response kept by the micro-cache (see cached()). */
struct captured {
	char *body;
	size_t len;
	unsigned status;
	char type[64];
};

#define UI_CACHE_SLOTS 128
struct centry {
	char *key; /* path + query; NULL = free slot */
	struct captured r;
	double t_ms;  /* when computed (monotonic) */
	bool pending; /* being computed: identical requests wait for it (single flight) */
};

struct ui_server {
	struct MHD_Daemon *d;
	struct ui_opts o;
	struct ui_store *st;
	struct ui_auth *auth;
	struct ui_ingest *in;
	char *cert, *key; /* PEM text */
	atomic_bool stopping;
	atomic_ullong posted; /* alerts accepted by POST */
	time_t started;
	pthread_mutex_t clock_; /* the cache */
	pthread_cond_t cdone;
	struct centry cache[UI_CACHE_SLOTS];
	pthread_mutex_t olock;
	char outputs[UI_MAX_OUTPUTS][64]; /* falcosidekick's "outputs" seen in posts */
	size_t noutputs;
};

/* Per-request state (MHD's con_cls). */
struct req {
	char *body;
	size_t len;
	bool too_big;
	char *copies[256]; /* strings split out of query values, freed with the request */
	size_t ncopies;
};

struct ctx {
	struct ui_server *s;
	struct MHD_Connection *con;
	struct req *rq;
	const char *method;
	const char *path; /* below the base path, starts with '/' */
	struct ui_session_info sess;
	bool authed;
	bool via_cookie;
	char ip[64];
	struct captured *cap; /* non-NULL: send_buf stores the response here (the cache) */
};

/* ---- small helpers ---- */

static uint64_t now_ns(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_REALTIME, &ts);
	return (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
}

static const char *arg(struct ctx *c, const char *k)
{
	return MHD_lookup_connection_value(c->con, MHD_GET_ARGUMENT_KIND, k);
}

static const char *hdr(struct ctx *c, const char *k)
{
	return MHD_lookup_connection_value(c->con, MHD_HEADER_KIND, k);
}

static void add_common_headers(struct ctx *c, struct MHD_Response *r)
{
	MHD_add_response_header(r, "X-Content-Type-Options", "nosniff");
	MHD_add_response_header(r, "X-Frame-Options", "DENY");
	MHD_add_response_header(r, "Referrer-Policy", "no-referrer");
	MHD_add_response_header(r, "Content-Security-Policy",
				"default-src 'self'; img-src 'self' data:; style-src 'self'; "
				"frame-ancestors 'none'");
	MHD_add_response_header(r, "Cache-Control", "no-store");
	(void)c;
}

static mhd_ret send_buf(struct ctx *c, unsigned status, const char *type, const void *p, size_t n,
			const char *disposition)
{
	struct MHD_Response *r;
	mhd_ret ret;

	if (c->cap && !disposition) {
		c->cap->body = malloc(n ? n : 1);
		if (!c->cap->body)
			return MHD_NO;
		memcpy(c->cap->body, p, n);
		c->cap->len = n;
		c->cap->status = status;
		snprintf(c->cap->type, sizeof(c->cap->type), "%s", type);
		return MHD_YES;
	}
	r = MHD_create_response_from_buffer(n, (void *)p, MHD_RESPMEM_MUST_COPY);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Content-Type", type);
	if (disposition)
		MHD_add_response_header(r, "Content-Disposition", disposition);
	add_common_headers(c, r);
	ret = MHD_queue_response(c->con, status, r);
	MHD_destroy_response(r);
	return ret;
}

static mhd_ret send_json(struct ctx *c, unsigned status, json_t *j)
{
	const char *pretty = arg(c, "pretty");
	size_t flags = JSON_COMPACT;
	if (pretty && (!strcmp(pretty, "true") || !strcmp(pretty, "1")))
		flags = JSON_INDENT(2);
	char *s = json_dumps(j, flags | JSON_ENSURE_ASCII * 0);
	json_decref(j);
	if (!s)
		return send_buf(c, 500, "text/plain", "out of memory\n", 14, NULL);
	mhd_ret ret = send_buf(c, status, "application/json", s, strlen(s), NULL);
	free(s);
	return ret;
}

static mhd_ret send_err(struct ctx *c, unsigned status, const char *msg)
{
	return send_json(c, status, json_pack("{s:s}", "error", msg));
}

static bool is_loopback(struct ctx *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c->con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	if (!ci || !ci->client_addr)
		return false;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		return (ntohl(((const struct sockaddr_in *)sa)->sin_addr.s_addr) >> 24) == 127;
	if (sa->sa_family == AF_INET6)
		return IN6_IS_ADDR_LOOPBACK(&((const struct sockaddr_in6 *)sa)->sin6_addr);
	return sa->sa_family == AF_UNIX;
}

static void client_ip(struct ctx *c)
{
	const union MHD_ConnectionInfo *ci =
		MHD_get_connection_info(c->con, MHD_CONNECTION_INFO_CLIENT_ADDRESS);
	snprintf(c->ip, sizeof(c->ip), "?");
	if (!ci || !ci->client_addr)
		return;
	const struct sockaddr *sa = ci->client_addr;
	if (sa->sa_family == AF_INET)
		inet_ntop(AF_INET, &((const struct sockaddr_in *)sa)->sin_addr, c->ip,
			  sizeof(c->ip));
	else if (sa->sa_family == AF_INET6)
		inet_ntop(AF_INET6, &((const struct sockaddr_in6 *)sa)->sin6_addr, c->ip,
			  sizeof(c->ip));
}

static char *keep(struct ctx *c, char *s)
{
	if (!s || c->rq->ncopies == sizeof(c->rq->copies) / sizeof(c->rq->copies[0])) {
		free(s);
		return NULL;
	}
	c->rq->copies[c->rq->ncopies++] = s;
	return s;
}

/* Splits a comma-separated query value into list (strings owned by the request). */
static void split_into(struct ctx *c, const char *v, const char **list, size_t *n)
{
	if (!v || !*v)
		return;
	char *copy = keep(c, strdup(v));
	for (char *save = NULL, *t = copy ? strtok_r(copy, ",", &save) : NULL; t;
	     t = strtok_r(NULL, ",", &save)) {
		while (*t == ' ')
			t++;
		if (*t && *n < UI_FILTER_MAX_VALUES)
			list[(*n)++] = t;
	}
}

struct multi {
	struct ctx *c;
	const char *key;
	const char **list;
	size_t *n;
	bool split;
};

static mhd_ret multi_it(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct multi *m = cls;

	(void)kind;
	if (!value || strcmp(key, m->key))
		return MHD_YES;
	if (m->split)
		split_into(m->c, value, m->list, m->n);
	else if (*value && *m->n < UI_FILTER_MAX_VALUES)
		m->list[(*m->n)++] = value;
	return MHD_YES;
}

static void multi_arg(struct ctx *c, const char *key, const char **list, size_t *n, bool split)
{
	struct multi m = {c, key, list, n, split};

	MHD_get_connection_values(c->con, MHD_GET_ARGUMENT_KIND, multi_it, &m);
}

/*
 * A time: "" -> 0; RFC 3339; "15m"/"2h"/"7d"/"30s"/"1w"/"15min" ago; an integer:
 * >= 1e12 milliseconds since the epoch, else seconds ago (falcosidekick-ui's since).
 * Returns 0 or -EINVAL.
 */
static int parse_time(const char *v, uint64_t now, uint64_t *out)
{
	char *end;

	*out = 0;
	if (!v || !*v)
		return 0;
	if (strchr(v, 'T'))
		return ui_parse_rfc3339(v, out);
	errno = 0;
	unsigned long long n = strtoull(v, &end, 10);
	if (errno || end == v)
		return -EINVAL;
	uint64_t unit;
	if (!*end)
		unit = n >= 1000000000000ull ? 0 : 1000000000ull;
	else if (!strcmp(end, "s"))
		unit = 1000000000ull;
	else if (!strcmp(end, "m") || !strcmp(end, "min"))
		unit = 60000000000ull;
	else if (!strcmp(end, "h"))
		unit = 3600000000000ull;
	else if (!strcmp(end, "d"))
		unit = 86400000000000ull;
	else if (!strcmp(end, "w"))
		unit = 7 * 86400000000000ull;
	else
		return -EINVAL;
	if (!unit) {
		*out = (uint64_t)n * 1000000ull;
		return 0;
	}
	if (n > now / unit)
		n = now / unit;
	*out = now - n * unit;
	return 0;
}

/* Fills f from the query. Returns NULL or an error message. */
static const char *parse_filter(struct ctx *c, struct ui_filter *f)
{
	const char *prios[UI_FILTER_MAX_VALUES];
	size_t np = 0;
	uint64_t now = now_ns();

	memset(f, 0, sizeof(*f));
	f->prio_mask = 0xff;
	multi_arg(c, "priority", prios, &np, true);
	if (np) {
		f->prio_mask = 0;
		for (size_t i = 0; i < np; i++) {
			const char *p = prios[i];
			bool at_least = !strncmp(p, ">=", 2);
			enum alert_priority e;
			if (alert_priority_parse(at_least ? p + 2 : p, &e))
				return "unknown priority";
			f->prio_mask |=
				at_least ? (uint8_t)((1u << (e + 1)) - 1) : (uint8_t)(1u << e);
		}
	}
	const char *mp = arg(c, "min_priority");
	if (mp && *mp) {
		enum alert_priority e;
		if (alert_priority_parse(mp, &e))
			return "unknown min_priority";
		f->prio_mask &= (uint8_t)((1u << (e + 1)) - 1);
	}
	multi_arg(c, "rule", f->rules, &f->nrules, false);
	multi_arg(c, "source", f->sources, &f->nsources, true);
	multi_arg(c, "hostname", f->hosts, &f->nhosts, true);
	multi_arg(c, "tags", f->tags, &f->ntags, true);
	multi_arg(c, "tag", f->tags, &f->ntags, true);
	f->text = arg(c, "text");
	if (!f->text || !*f->text)
		f->text = arg(c, "filter"); /* falcosidekick-ui's name */
	if (!f->text || !*f->text)
		f->text = arg(c, "q");
	if (parse_time(arg(c, "since"), now, &f->since_ns))
		return "bad 'since' (RFC 3339, epoch ms, seconds ago or 15m/2h/7d)";
	if (parse_time(arg(c, "until"), now, &f->until_ns))
		return "bad 'until'";
	return NULL;
}

static unsigned long arg_ulong(struct ctx *c, const char *k, unsigned long def, unsigned long max)
{
	const char *v = arg(c, k);
	char *end;

	if (!v || !*v)
		return def;
	unsigned long n = strtoul(v, &end, 10);
	if (*end)
		return def;
	return n > max ? max : n;
}

/* ---- auth ---- */

static const char *cookie_name = "lanner_session";

static bool b64dec(const char *in, char *out, size_t outlen)
{
	static const char tbl[] =
		"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
	unsigned v = 0;
	int bits = 0;
	size_t o = 0;

	for (; *in && *in != '='; in++) {
		const char *p = strchr(tbl, *in);
		if (!p || !*in)
			return false;
		v = (v << 6) | (unsigned)(p - tbl);
		bits += 6;
		if (bits >= 8) {
			bits -= 8;
			if (o + 1 >= outlen)
				return false;
			out[o++] = (char)((v >> bits) & 0xff);
		}
	}
	out[o] = '\0';
	return true;
}

/* Session cookie, else HTTP Basic. Sets c->authed / c->sess. -EAGAIN when throttled. */
static int authenticate(struct ctx *c)
{
	if (c->s->o.no_auth) {
		c->authed = true;
		c->sess.role = UI_ROLE_ADMIN;
		snprintf(c->sess.user, sizeof(c->sess.user), "anonymous");
		return 0;
	}
	const char *tok = MHD_lookup_connection_value(c->con, MHD_COOKIE_KIND, cookie_name);
	if (tok && !ui_auth_session(c->s->auth, tok, &c->sess)) {
		c->authed = c->via_cookie = true;
		return 0;
	}
	const char *a = hdr(c, "Authorization");
	if (a && !strncasecmp(a, "Basic ", 6)) {
		char dec[512];
		unsigned retry = 0;
		if (b64dec(a + 6, dec, sizeof(dec))) {
			char *colon = strchr(dec, ':');
			if (colon) {
				*colon = '\0';
				int rc = ui_auth_login(c->s->auth, c->ip, dec, colon + 1, NULL,
						       &c->sess, &retry);
				if (rc == -EAGAIN)
					return rc;
				c->authed = !rc;
			}
		}
	}
	return 0;
}

/* State-changing requests from a cookie session must echo its CSRF token; Origin must match. */
static bool csrf_ok(struct ctx *c)
{
	const char *origin = hdr(c, "Origin"), *host = hdr(c, "Host");
	if (origin && host) {
		const char *p = strstr(origin, "://");
		if (!p || strcmp(p + 3, host))
			return false;
	}
	if (!c->via_cookie)
		return true;
	const char *t = hdr(c, "X-CSRF-Token");
	return t && ui_token_equal(t, c->sess.csrf);
}

static mhd_ret send_session(struct ctx *c, unsigned status, const char *cookie_token)
{
	json_t *j = json_pack("{s:s,s:s,s:s,s:b}", "user", c->sess.user, "role",
			      ui_role_name(c->sess.role), "csrf", c->sess.csrf, "auth",
			      !c->s->o.no_auth);
	char *s = json_dumps(j, JSON_COMPACT);
	json_decref(j);
	if (!s)
		return MHD_NO;
	struct MHD_Response *r =
		MHD_create_response_from_buffer(strlen(s), s, MHD_RESPMEM_MUST_FREE);
	if (!r) {
		free(s);
		return MHD_NO;
	}
	MHD_add_response_header(r, "Content-Type", "application/json");
	add_common_headers(c, r);
	if (cookie_token) {
		char ck[512];
		snprintf(ck, sizeof(ck), "%s=%s; Path=%s/; HttpOnly; SameSite=Strict%s%s",
			 cookie_name, cookie_token, c->s->o.base_path, c->s->cert ? "; Secure" : "",
			 *cookie_token ? "" : "; Max-Age=0");
		MHD_add_response_header(r, "Set-Cookie", ck);
	}
	mhd_ret ret = MHD_queue_response(c->con, status, r);
	MHD_destroy_response(r);
	return ret;
}

static mhd_ret h_login(struct ctx *c)
{
	const char *ct = hdr(c, "Content-Type");
	char token[UI_TOKEN_LEN + 1];
	unsigned retry = 0;

	/* JSON only: a cross-site form cannot send it without a CORS preflight we never answer */
	if (!ct || strncasecmp(ct, "application/json", 16))
		return send_err(c, 415, "login takes application/json");
	if (!csrf_ok(c))
		return send_err(c, 403, "cross-origin request refused");
	json_t *j = json_loadb(c->rq->body ? c->rq->body : "", c->rq->len, 0, NULL);
	const char *u = json_string_value(json_object_get(j, "user"));
	const char *p = json_string_value(json_object_get(j, "password"));
	if (!u || !p) {
		json_decref(j);
		return send_err(c, 400, "expected {\"user\":..,\"password\":..}");
	}
	int rc = ui_auth_login(c->s->auth, c->ip, u, p, token, &c->sess, &retry);
	json_decref(j);
	if (rc == -EAGAIN) {
		char msg[96];
		snprintf(msg, sizeof(msg), "too many failed logins; retry in %u s", retry);
		log_printf(LOG_LVL_WARNING, "login throttled for %s", c->ip);
		return send_err(c, 429, msg);
	}
	if (rc) {
		log_printf(LOG_LVL_WARNING, "failed login from %s", c->ip);
		return send_err(c, 401, "wrong user name or password");
	}
	return send_session(c, 200, token);
}

/* ---- search ---- */

struct collect {
	struct alert_buf *b;
	size_t n;
	bool fsk; /* falcosidekick-ui shape: {"<id>": event} */
};

static int collect_fn(void *ctx, const char *id, const char *json, size_t len,
		      const redisReply *fields)
{
	struct collect *k = ctx;
	char head[128];
	int rc;

	(void)fields;
	/* the stored JSON is the emitter's rendering: spliced in as is, not re-encoded */
	if (k->fsk)
		snprintf(head, sizeof(head), "%s\"%s\":", k->n ? "," : "", id);
	else
		snprintf(head, sizeof(head), "%s{\"id\":\"%s\",\"alert\":", k->n ? "," : "", id);
	rc = alert_buf_append(k->b, head, strlen(head));
	if (!rc && k->fsk && len > 1 && json[0] == '{') {
		/* add falcosidekick-ui's "uuid" key (the stream ID) */
		char u[96];
		snprintf(u, sizeof(u), "{\"uuid\":\"%s\"%s", id, len > 2 ? "," : "");
		rc = alert_buf_append(k->b, u, strlen(u));
		if (!rc)
			rc = alert_buf_append(k->b, json + 1, len - 1);
	} else if (!rc) {
		rc = alert_buf_append(k->b, json, len);
	}
	if (!rc && !k->fsk)
		rc = alert_buf_append(k->b, "}", 1);
	k->n++;
	return rc;
}

static mhd_ret h_alerts(struct ctx *c)
{
	struct ui_filter f;
	const char *e = parse_filter(c, &f);
	struct alert_buf b;
	struct ui_search q = {0};
	char tail[512];

	if (e)
		return send_err(c, 400, e);
	q.f = &f;
	q.cursor = arg(c, "cursor");
	q.limit = arg_ulong(c, "limit", 50, UI_PAGE_MAX);
	if (!q.limit)
		q.limit = 1;
	q.budget = arg_ulong(c, "budget", c->s->o.scan_budget, 1000000);
	if (!q.budget)
		q.budget = c->s->o.scan_budget;
	alert_buf_init(&b);
	struct collect k = {&b, 0, false};
	alert_buf_append(&b, "{\"alerts\":[", 11);
	int rc = ui_store_search(c->s->st, &q, collect_fn, &k);
	if (rc) {
		alert_buf_fini(&b);
		return send_err(c, 503, "redis unavailable");
	}
	long long total = ui_store_xlen(c->s->st);
	snprintf(tail, sizeof(tail),
		 "],\"returned\":%zu,\"scanned\":%zu,\"complete\":%s,\"next\":%s%s%s,"
		 "\"stream_length\":%lld}",
		 k.n, q.scanned, q.complete ? "true" : "false", q.next[0] ? "\"" : "",
		 q.next[0] ? q.next : "null", q.next[0] ? "\"" : "", total);
	alert_buf_append(&b, tail, strlen(tail));
	mhd_ret ret = send_buf(c, 200, "application/json", b.data, b.len, NULL);
	alert_buf_fini(&b);
	return ret;
}

/* ---- export ---- */

struct exp {
	struct alert_buf *b;
	bool csv;
	size_t n;
};

static int csv_field(struct alert_buf *b, const char *s, size_t n, bool last)
{
	int rc = alert_buf_append(b, "\"", 1);
	/* a leading = + - @ would be a formula in a spreadsheet: neutralise it */
	if (!rc && n && strchr("=+-@", s[0]))
		rc = alert_buf_append(b, "'", 1);
	for (size_t i = 0; !rc && i < n; i++)
		rc = s[i] == '"' ? alert_buf_append(b, "\"\"", 2) : alert_buf_append(b, s + i, 1);
	if (!rc)
		rc = alert_buf_append(b, last ? "\"\r\n" : "\",", last ? 3 : 2);
	return rc;
}

static const char *fval(const redisReply *kv, const char *name, size_t *len)
{
	for (size_t i = 0; i + 1 < kv->elements; i += 2)
		if (kv->element[i]->str && !strcmp(kv->element[i]->str, name) &&
		    kv->element[i + 1]->str) {
			*len = kv->element[i + 1]->len;
			return kv->element[i + 1]->str;
		}
	*len = 0;
	return "";
}

static int export_fn(void *ctx, const char *id, const char *json, size_t len,
		     const redisReply *fields)
{
	struct exp *x = ctx;
	int rc = 0;

	(void)id;
	if (!x->csv) {
		if (x->n)
			rc = alert_buf_append(x->b, ",\n", 2);
		if (!rc)
			rc = alert_buf_append(x->b, json, len);
		x->n++;
		return rc;
	}
	static const char *const cols[] = {"time",     "priority", "rule",
					   "hostname", "source",   "tags"};
	for (size_t i = 0; !rc && i < sizeof(cols) / sizeof(cols[0]); i++) {
		size_t l;
		const char *v = fval(fields, cols[i], &l);
		rc = csv_field(x->b, v, l, false);
	}
	json_t *j = json_loadb(json, len, 0, NULL);
	const char *out = json_string_value(json_object_get(j, "output"));
	if (!rc)
		rc = csv_field(x->b, out ? out : "", out ? strlen(out) : 0, true);
	json_decref(j);
	x->n++;
	return rc;
}

static mhd_ret h_export(struct ctx *c)
{
	struct ui_filter f;
	const char *e = parse_filter(c, &f);
	const char *fmt = arg(c, "format");
	bool csv = fmt && !strcmp(fmt, "csv");
	struct alert_buf b;
	struct ui_search q = {0};

	if (e)
		return send_err(c, 400, e);
	q.f = &f;
	q.limit = arg_ulong(c, "limit", UI_EXPORT_MAX, UI_EXPORT_MAX);
	q.budget = UI_EXPORT_MAX * 2;
	alert_buf_init(&b);
	struct exp x = {&b, csv, 0};
	if (csv)
		alert_buf_append(&b, "time,priority,rule,hostname,source,tags,output\r\n", 48);
	else
		alert_buf_append(&b, "[\n", 2);
	if (ui_store_search(c->s->st, &q, export_fn, &x)) {
		alert_buf_fini(&b);
		return send_err(c, 503, "redis unavailable");
	}
	if (!csv)
		alert_buf_append(&b, "\n]\n", 3);
	mhd_ret ret = send_buf(c, 200, csv ? "text/csv; charset=utf-8" : "application/json", b.data,
			       b.len,
			       csv ? "attachment; filename=\"lanner-alerts.csv\""
				   : "attachment; filename=\"lanner-alerts.json\"");
	alert_buf_fini(&b);
	return ret;
}

/* ---- counts ---- */

static bool valid_by(const char *by)
{
	return by && (!strcmp(by, "priority") || !strcmp(by, "rule") || !strcmp(by, "source") ||
		      !strcmp(by, "hostname") || !strcmp(by, "tag"));
}

/* The minute range of the query (default: the last 24 h), capped to UI_COUNT_MAX_MIN. */
static const char *minute_range(struct ctx *c, uint64_t *from, uint64_t *to, uint64_t *since_ns,
				uint64_t *until_ns)
{
	uint64_t now = now_ns();

	if (parse_time(arg(c, "since"), now, since_ns))
		return "bad 'since'";
	if (parse_time(arg(c, "until"), now, until_ns))
		return "bad 'until'";
	if (!*until_ns)
		*until_ns = now;
	if (!*since_ns)
		*since_ns = *until_ns > 86400000000000ull ? *until_ns - 86400000000000ull : 0;
	if (*since_ns > *until_ns)
		return "'since' is after 'until'";
	*from = *since_ns / 60000000000ull;
	*to = *until_ns / 60000000000ull;
	if (*to - *from >= UI_COUNT_MAX_MIN)
		*from = *to - UI_COUNT_MAX_MIN + 1;
	return NULL;
}

static mhd_ret h_counts(struct ctx *c)
{
	const char *by = arg(c, "by");
	uint64_t from, to, s_ns, u_ns;
	long long total = 0;
	const char *e;

	if (!by || !*by)
		by = "priority";
	if (!strcmp(by, "tags"))
		by = "tag";
	if (!valid_by(by))
		return send_err(c, 400, "by: priority, rule, source, hostname or tag");
	if ((e = minute_range(c, &from, &to, &s_ns, &u_ns)))
		return send_err(c, 400, e);
	json_t *counts = json_object();
	if (ui_store_counts(c->s->st, by, from, to, counts, &total, NULL, 1, 0)) {
		json_decref(counts);
		return send_err(c, 503, "redis unavailable");
	}
	return send_json(c, 200,
			 json_pack("{s:s,s:I,s:I,s:I,s:o}", "by", by, "since",
				   (json_int_t)(from * 60000), "until",
				   (json_int_t)((to + 1) * 60000 - 1), "total", (json_int_t)total,
				   "counts", counts));
}

static mhd_ret h_timeseries(struct ctx *c)
{
	const char *by = arg(c, "by");
	uint64_t from, to, s_ns, u_ns;
	long long total = 0;
	const char *e;

	if (!by || !*by)
		by = "priority";
	if (!strcmp(by, "tags"))
		by = "tag";
	if (!valid_by(by))
		return send_err(c, 400, "by: priority, rule, source, hostname or tag");
	if ((e = minute_range(c, &from, &to, &s_ns, &u_ns)))
		return send_err(c, 400, e);
	size_t want = arg_ulong(c, "buckets", 60, 1440);
	if (!want)
		want = 60;
	uint64_t span = to - from + 1;
	uint64_t step = (span + want - 1) / want;
	size_t n = (size_t)((span + step - 1) / step);
	json_t *series = json_object();
	if (ui_store_counts(c->s->st, by, from, to, NULL, &total, series, step, n)) {
		json_decref(series);
		return send_err(c, 503, "redis unavailable");
	}
	json_t *tot = json_object_get(series, "_total");
	if (tot)
		json_incref(tot);
	else {
		tot = json_array();
		for (size_t i = 0; i < n; i++)
			json_array_append_new(tot, json_integer(0));
	}
	json_object_del(series, "_total");
	return send_json(c, 200,
			 json_pack("{s:s,s:I,s:I,s:I,s:I,s:o,s:o}", "by", by, "start",
				   (json_int_t)(from * 60000), "step_ms",
				   (json_int_t)(step * 60000), "buckets", (json_int_t)n, "total",
				   (json_int_t)total, "totals", tot, "series", series));
}

/* ---- falcosidekick-ui read endpoints ---- */

/* Dimension and value when the filter restricts exactly one dimension to one value. */
static bool single_dim(const struct ui_filter *f, const char **by, const char **val)
{
	int dims = (f->prio_mask != 0xff) + (f->nrules > 0) + (f->nsources > 0) + (f->nhosts > 0) +
		   (f->ntags > 0) + (f->text && *f->text);
	if (dims == 0) {
		*by = NULL;
		return true;
	}
	if (dims != 1)
		return false;
	if (f->prio_mask != 0xff) {
		for (int p = 0; p < 8; p++)
			if (f->prio_mask == (1u << p)) {
				*by = "priority";
				*val = alert_priority_name((enum alert_priority)p);
				return true;
			}
		return false;
	}
	if (f->nrules == 1)
		return *by = "rule", *val = f->rules[0], true;
	if (f->nsources == 1)
		return *by = "source", *val = f->sources[0], true;
	if (f->nhosts == 1)
		return *by = "hostname", *val = f->hosts[0], true;
	if (f->ntags == 1)
		return *by = "tag", *val = f->tags[0], true;
	return false;
}

struct grp {
	json_t *res;
	const char *by;
};

static int group_fn(void *ctx, const char *id, const char *json, size_t len,
		    const redisReply *fields)
{
	struct grp *g = ctx;
	size_t l;
	char key[32];

	(void)id, (void)json, (void)len;
	snprintf(key, sizeof(key), "%s", !strcmp(g->by, "tag") ? "tags" : g->by);
	const char *v = fval(fields, key, &l);
	if (!strcmp(g->by, "tag")) {
		char *copy = strndup(v, l);
		for (char *save = NULL, *t = copy ? strtok_r(copy, ",", &save) : NULL; t;
		     t = strtok_r(NULL, ",", &save)) {
			json_t *x = json_object_get(g->res, t);
			json_object_set_new(g->res, t,
					    json_integer(x ? json_integer_value(x) + 1 : 1));
		}
		free(copy);
		return 0;
	}
	char *k = strndup(v, l);
	if (!k)
		return -ENOMEM;
	json_t *x = json_object_get(g->res, k);
	json_object_set_new(g->res, k, json_integer(x ? json_integer_value(x) + 1 : 1));
	free(k);
	return 0;
}

static mhd_ret h_fsk_count(struct ctx *c, const char *groupby)
{
	struct ui_filter f;
	const char *e = parse_filter(c, &f);
	const char *dim = NULL, *val = NULL;
	uint64_t from, to, s_ns, u_ns;
	long long total = 0;

	if (e)
		return send_err(c, 400, e);
	if (groupby && !strcmp(groupby, "tags"))
		groupby = "tag";
	if (groupby && !valid_by(groupby))
		return send_err(c, 400, "groupby: priority, rule, source, hostname or tags");
	if ((e = minute_range(c, &from, &to, &s_ns, &u_ns)))
		return send_err(c, 400, e);
	json_t *res = json_object();
	bool fast = single_dim(&f, &dim, &val) && !f.until_ns && (!groupby || !dim);
	if (fast) {
		/* counters: no filter (or one dimension = one value, for a plain count) */
		json_t *tmp = json_object();
		int rc = ui_store_counts(c->s->st,
					 groupby ? groupby
					 : dim	 ? dim
						 : "priority",
					 from, to, tmp, &total, NULL, 1, 0);
		if (rc) {
			json_decref(tmp);
			json_decref(res);
			return send_err(c, 503, "redis unavailable");
		}
		if (groupby) {
			json_decref(res);
			res = tmp;
		} else {
			if (dim) {
				json_t *x = json_object_get(tmp, val);
				total = x ? json_integer_value(x) : 0;
			}
			json_decref(tmp);
		}
	} else {
		/* several dimensions: scan the stream (bounded) */
		struct ui_search q = {.f = &f, .limit = 0, .budget = UI_EXPORT_MAX * 2};
		if (!f.since_ns)
			f.since_ns = s_ns;
		struct grp g = {res, groupby};
		if (groupby) {
			q.limit = SIZE_MAX;
		}
		int rc = ui_store_search(c->s->st, &q, groupby ? group_fn : NULL, &g);
		if (rc) {
			json_decref(res);
			return send_err(c, 503, "redis unavailable");
		}
		total = (long long)q.matched;
	}
	if (!groupby) {
		json_decref(res);
		return send_json(c, 200,
				 json_pack("{s:{s:I}}", "statistics", "all", (json_int_t)total));
	}
	long long sum = 0;
	const char *k;
	json_t *v;
	json_object_foreach(res, k, v) sum += json_integer_value(v);
	return send_json(c, 200,
			 json_pack("{s:o,s:{s:I,s:I}}", "results", res, "statistics", "all",
				   (json_int_t)sum, "distincts",
				   (json_int_t)json_object_size(res)));
}

static mhd_ret h_fsk_search(struct ctx *c)
{
	struct ui_filter f;
	const char *e = parse_filter(c, &f);
	struct alert_buf b;
	char tail[160];

	if (e)
		return send_err(c, 400, e);
	size_t limit = arg_ulong(c, "limit", 100, UI_PAGE_MAX);
	size_t page = arg_ulong(c, "page", 1, 100000);
	if (!page)
		page = 1;
	if (!limit)
		limit = 100;
	/* count every match (bounded scan), hand out page `page` of `limit` */
	struct ui_search q = {.f = &f, .limit = 0, .budget = UI_EXPORT_MAX * 2};
	if (ui_store_search(c->s->st, &q, NULL, NULL))
		return send_err(c, 503, "redis unavailable");
	size_t all = q.matched;
	alert_buf_init(&b);
	alert_buf_append(&b, "{\"results\":{", 12);
	struct collect k = {&b, 0, true};
	/* page 1 is the common case; later pages: cursor-walk then collect */
	struct ui_search q3 = {.f = &f, .limit = limit * (page - 1), .budget = UI_EXPORT_MAX * 2};
	char cursor[64] = "";
	if (page > 1) {
		if (ui_store_search(c->s->st, &q3, NULL, NULL)) {
			alert_buf_fini(&b);
			return send_err(c, 503, "redis unavailable");
		}
		snprintf(cursor, sizeof(cursor), "%s", q3.next);
	}
	struct ui_search q4 = {
		.f = &f, .limit = limit, .budget = UI_EXPORT_MAX * 2, .cursor = cursor};
	if ((page == 1 || cursor[0]) && ui_store_search(c->s->st, &q4, collect_fn, &k)) {
		alert_buf_fini(&b);
		return send_err(c, 503, "redis unavailable");
	}
	snprintf(tail, sizeof(tail), "},\"statistics\":{\"all\":%zu,\"returned\":%zu}}", all, k.n);
	alert_buf_append(&b, tail, strlen(tail));
	mhd_ret ret = send_buf(c, 200, "application/json", b.data, b.len, NULL);
	alert_buf_fini(&b);
	return ret;
}

/* ---- ingestion ---- */

static bool ingest_allowed(struct ctx *c)
{
	const char *tok = c->s->o.ingest_token;

	if (c->s->o.no_auth)
		return true;
	if (c->authed && c->sess.role == UI_ROLE_ADMIN)
		return csrf_ok(c);
	if (c->authed)
		return false; /* a read-only user does not write, whatever the address */
	if (tok && *tok) {
		const char *q = arg(c, "token"), *a = hdr(c, "Authorization");
		if (q && ui_token_equal(q, tok))
			return true;
		return a && !strncasecmp(a, "Bearer ", 7) && ui_token_equal(a + 7, tok);
	}
	/* no token configured: local Falco / falcosidekick may post (JSON only, so a web page
	 * in a local browser cannot forge a post without a CORS preflight) */
	const char *ct = hdr(c, "Content-Type");
	return is_loopback(c) && ct && !strncasecmp(ct, "application/json", 16) && csrf_ok(c);
}

static void note_outputs(struct ui_server *s, const json_t *outs)
{
	size_t i;
	json_t *v;

	if (!json_is_array(outs))
		return;
	pthread_mutex_lock(&s->olock);
	json_array_foreach(outs, i, v)
	{
		const char *n = json_string_value(v);
		bool seen = false;
		if (!n || strlen(n) >= sizeof(s->outputs[0]))
			continue;
		for (size_t k = 0; k < s->noutputs; k++)
			seen |= !strcmp(s->outputs[k], n);
		if (!seen && s->noutputs < UI_MAX_OUTPUTS)
			snprintf(s->outputs[s->noutputs++], sizeof(s->outputs[0]), "%s", n);
	}
	pthread_mutex_unlock(&s->olock);
}

/* sidekick: body is {event, outputs} (falcosidekick's web-UI output); else Falco's JSON
 * (one object, or an array of them). */
static mhd_ret h_ingest(struct ctx *c, bool sidekick)
{
	json_error_t je;
	char err[256];
	struct alert *batch[UI_MAX_BATCH];
	size_t n = 0;
	mhd_ret ret;

	if (!ingest_allowed(c))
		return send_err(c, c->authed ? 403 : 401, "not allowed to post alerts");
	if (c->rq->too_big)
		return send_err(c, 413, "body too large");
	json_t *j =
		json_loadb(c->rq->body ? c->rq->body : "", c->rq->len, JSON_REJECT_DUPLICATES, &je);
	if (!j) {
		snprintf(err, sizeof(err), "invalid JSON at byte %d: %s", je.position, je.text);
		return send_err(c, 400, err);
	}
	if (sidekick) {
		json_t *ev = json_object_get(j, "event");
		if (!json_is_object(ev)) {
			json_decref(j);
			return send_err(c, 400, "expected {\"event\": {...}, \"outputs\": [...]}");
		}
		note_outputs(c->s, json_object_get(j, "outputs"));
		batch[0] = ui_alert_from_json(ev, err, sizeof(err));
		n = batch[0] ? 1 : 0;
	} else if (json_is_array(j)) {
		size_t i;
		json_t *v;
		if (json_array_size(j) > UI_MAX_BATCH) {
			json_decref(j);
			return send_err(c, 413, "at most 1000 alerts per request");
		}
		json_array_foreach(j, i, v)
		{
			batch[n] = ui_alert_from_json(v, err, sizeof(err));
			if (!batch[n])
				break;
			n++;
		}
		if (n != json_array_size(j)) {
			char e2[sizeof(err)];
			snprintf(e2, sizeof(e2), "%s", err);
			snprintf(err, sizeof(err), "[%zu]: %.200s", n, e2);
			for (size_t k = 0; k < n; k++)
				alert_free(batch[k]);
			n = 0;
		}
	} else {
		batch[0] = ui_alert_from_json(j, err, sizeof(err));
		n = batch[0] ? 1 : 0;
	}
	json_decref(j);
	if (!n)
		return send_err(c, 400, err);
	int rc = ui_ingest_write(c->s->in, batch, n);
	for (size_t k = 0; k < n; k++)
		alert_free(batch[k]);
	if (rc)
		return send_err(c, 503, "redis unavailable");
	atomic_fetch_add(&c->s->posted, n);
	ret = send_json(c, 200, json_pack("{s:I}", "accepted", (json_int_t)n));
	return ret;
}

/* ---- info ---- */

static long long info_field(const char *info, const char *name)
{
	char key[64];
	snprintf(key, sizeof(key), "\r\n%s:", name);
	const char *p = strstr(info, key);
	return p ? strtoll(p + strlen(key), NULL, 10) : -1;
}

static void info_str(const char *info, const char *name, char *out, size_t n)
{
	char key[64];
	snprintf(key, sizeof(key), "\r\n%s:", name);
	const char *p = strstr(info, key);
	out[0] = '\0';
	if (p) {
		p += strlen(key);
		size_t l = strcspn(p, "\r\n");
		snprintf(out, n, "%.*s", (int)l, p);
	}
}

static json_t *config_json(struct ui_server *s)
{
	const struct ecfg_redis *r = &s->o.ec->redis;
	return json_pack("{s:s,s:I,s:s,s:b,s:s?,s:b,s:b,s:I,s:s?,"
			 "s:{s:s,s:b,s:s,s:i,s:s,s:s,s:s,s:I,s:I}}",
			 "listen", s->o.listen_addr, "port", (json_int_t)s->o.port, "base_path",
			 s->o.base_path, "auth", !s->o.no_auth, "users_file", s->o.users_file,
			 "tls", s->cert != NULL, "ingest_token_set",
			 s->o.ingest_token && *s->o.ingest_token, "session_ttl_s",
			 (json_int_t)s->o.session_ttl_s, "config_file", s->o.config_path, "redis",
			 "address", r->address, "password_set", *r->password != '\0', "username",
			 r->username, "database", r->database, "key_prefix", r->key_prefix,
			 "stream", r->stream, "channel", r->channel, "stream_maxlen",
			 (json_int_t)r->stream_maxlen, "retention_s", (json_int_t)r->retention_s);
}

static mhd_ret h_info(struct ctx *c)
{
	struct ui_server *s = c->s;
	json_t *redis = json_object(), *stream = json_object();
	redisContext *rc = ui_store_get(s->st);
	long long last5 = 0, lastmin = 0;

	json_object_set_new(redis, "connected", json_boolean(rc != NULL));
	if (rc) {
		redisReply *r = redisCommand(rc, "INFO");
		if (r && r->type == REDIS_REPLY_STRING) {
			char v[64];
			info_str(r->str, "redis_version", v, sizeof(v));
			json_object_set_new(redis, "version", json_string(v));
			json_object_set_new(redis, "used_memory",
					    json_integer(info_field(r->str, "used_memory")));
			json_object_set_new(redis, "maxmemory",
					    json_integer(info_field(r->str, "maxmemory")));
			info_str(r->str, "maxmemory_policy", v, sizeof(v));
			json_object_set_new(redis, "maxmemory_policy", json_string(v));
			json_object_set_new(redis, "uptime_s",
					    json_integer(info_field(r->str, "uptime_in_seconds")));
		}
		freeReplyObject(r);
		const char *key = ui_store_stream_key(s->st);
		r = redisCommand(rc, "XLEN %s", key);
		json_object_set_new(
			stream, "length",
			json_integer(r && r->type == REDIS_REPLY_INTEGER ? r->integer : 0));
		freeReplyObject(r);
		r = redisCommand(rc, "MEMORY USAGE %s", key);
		json_object_set_new(
			stream, "memory_bytes",
			json_integer(r && r->type == REDIS_REPLY_INTEGER ? r->integer : 0));
		freeReplyObject(r);
		for (int i = 0; i < 2; i++) {
			r = i ? redisCommand(rc, "XREVRANGE %s + - COUNT 1", key)
			      : redisCommand(rc, "XRANGE %s - + COUNT 1", key);
			const char *id = NULL;
			if (r && r->type == REDIS_REPLY_ARRAY && r->elements == 1 &&
			    r->element[0]->type == REDIS_REPLY_ARRAY &&
			    r->element[0]->elements >= 1)
				id = r->element[0]->element[0]->str;
			json_object_set_new(stream, i ? "newest_id" : "oldest_id",
					    id ? json_string(id) : json_null());
			freeReplyObject(r);
		}
		ui_store_put(s->st, rc);
	}
	/* ingest rate from the counters: the last 5 whole minutes and the current one */
	uint64_t m = now_ns() / 60000000000ull;
	ui_store_counts(s->st, "priority", m - 5, m - 1, NULL, &last5, NULL, 1, 0);
	ui_store_counts(s->st, "priority", m, m, NULL, &lastmin, NULL, 1, 0);
	json_t *j = json_pack("{s:s,s:s,s:I,s:o,s:o,s:o,s:{s:I,s:I},s:{s:f,s:I,s:I},s:{s:I,s:I}}",
			      "name", "lanner-ui", "version", lnr_version(), "uptime_s",
			      (json_int_t)(time(NULL) - s->started), "config", config_json(s),
			      "redis", redis, "stream", stream, "retention", "stream_maxlen",
			      (json_int_t)s->o.ec->redis.stream_maxlen, "counter_ttl_s",
			      (json_int_t)s->o.ec->redis.retention_s, "ingest", "per_minute_last5",
			      (double)last5 / 5.0, "this_minute", (json_int_t)lastmin,
			      "posted_here", (json_int_t)atomic_load(&s->posted), "users", "count",
			      (json_int_t)(s->auth ? ui_auth_user_count(s->auth) : 0), "sessions",
			      (json_int_t)0);
	return send_json(c, 200, j);
}

static mhd_ret h_fsk_configuration(struct ctx *c)
{
	const struct ecfg_redis *r = &c->s->o.ec->redis;
	/* falcosidekick-ui's shape; secrets are never returned */
	return send_json(c, 200,
			 json_pack("{s:s,s:b,s:b,s:s,s:I,s:s,s:s,s:s,s:I}", "credentials", "",
				   "dev-mode", 0, "disable-auth", c->s->o.no_auth, "listen-address",
				   c->s->o.listen_addr, "listen-port", (json_int_t)c->s->o.port,
				   "log-level", log_level_name(log_get_level()), "redis-password",
				   "", "redis-server", r->address, "ttl",
				   (json_int_t)r->retention_s));
}

static mhd_ret h_fsk_outputs(struct ctx *c)
{
	json_t *a = json_array();

	pthread_mutex_lock(&c->s->olock);
	for (size_t i = 0; i < c->s->noutputs; i++)
		json_array_append_new(a, json_string(c->s->outputs[i]));
	pthread_mutex_unlock(&c->s->olock);
	return send_json(c, 200, a);
}

static mhd_ret h_fsk_version(struct ctx *c)
{
	return send_json(c, 200,
			 json_pack("{s:s,s:s,s:s,s:s,s:s,s:s,s:s}", "gitVersion", lnr_version(),
				   "gitCommit", "", "gitTreeState", "", "buildDate", __DATE__,
				   "goVersion", "", "compiler", "cc", "platform", "linux"));
}

static mhd_ret h_healthz(struct ctx *c)
{
	redisContext *rc = ui_store_get(c->s->st);
	bool ok = false;

	if (rc) {
		redisReply *r = redisCommand(rc, "PING");
		ok = r && r->type == REDIS_REPLY_STATUS;
		freeReplyObject(r);
		ui_store_put(c->s->st, rc);
	}
	return send_json(c, ok ? 200 : 500, json_pack("{s:b}", "ok", ok));
}

/* ---- users (admin) ---- */

static mhd_ret h_users(struct ctx *c, bool post)
{
	if (c->sess.role != UI_ROLE_ADMIN)
		return send_err(c, 403, "admin only");
	if (c->s->o.no_auth || !c->s->auth)
		return send_err(c, 409, "authentication is off");
	if (!post)
		return send_json(c, 200, ui_auth_users_json(c->s->auth));
	if (!csrf_ok(c))
		return send_err(c, 403, "missing or wrong X-CSRF-Token");
	json_t *j = json_loadb(c->rq->body ? c->rq->body : "", c->rq->len, 0, NULL);
	const char *n = json_string_value(json_object_get(j, "name"));
	const char *r = json_string_value(json_object_get(j, "role"));
	const char *p = json_string_value(json_object_get(j, "password"));
	int rc = n && r && p && c->s->o.users_file
			 ? ui_users_set(c->s->auth, c->s->o.users_file, n, ui_role_parse(r), p)
			 : -EINVAL;
	if (!rc)
		log_printf(LOG_LVL_INFO, "user %s set by %s", n, c->sess.user);
	json_decref(j); /* n, r, p point into it */
	if (rc)
		return send_err(c, rc == -EINVAL ? 400 : 500,
				rc == -EINVAL ? "expected {name, role: admin|readonly, password}"
					      : strerror(-rc));
	return send_json(c, 200, ui_auth_users_json(c->s->auth));
}

/* ---- live feed (server-sent events from the pub/sub channel) ---- */

struct sse {
	struct ui_server *s;
	redisContext *rc;
	char *buf; /* pending bytes */
	size_t len, off;
	time_t last_send;
};

static void sse_free(void *cls)
{
	struct sse *x = cls;

	if (x->rc)
		redisFree(x->rc);
	free(x->buf);
	free(x);
}

static int sse_set(struct sse *x, const char *a, size_t al, const char *b, size_t bl, const char *z)
{
	size_t zl = strlen(z);
	char *p = realloc(x->buf, al + bl + zl);
	if (!p)
		return -ENOMEM;
	memcpy(p, a, al);
	memcpy(p + al, b, bl);
	memcpy(p + al + bl, z, zl);
	x->buf = p;
	x->len = al + bl + zl;
	x->off = 0;
	return 0;
}

static ssize_t sse_read(void *cls, uint64_t pos, char *out, size_t max)
{
	struct sse *x = cls;

	(void)pos;
	while (x->off == x->len) {
		if (atomic_load(&x->s->stopping))
			return MHD_CONTENT_READER_END_OF_STREAM;
		void *rep = NULL;
		if (redisGetReplyFromReader(x->rc, &rep) != REDIS_OK)
			return MHD_CONTENT_READER_END_WITH_ERROR;
		if (rep) {
			redisReply *r = rep;
			if (r->type == REDIS_REPLY_ARRAY && r->elements == 3 &&
			    r->element[0]->str && !strcmp(r->element[0]->str, "message") &&
			    r->element[2]->str) {
				/* the JSON has no raw newlines (the renderer escapes them) */
				if (sse_set(x, "data: ", 6, r->element[2]->str, r->element[2]->len,
					    "\n\n")) {
					freeReplyObject(r);
					return MHD_CONTENT_READER_END_WITH_ERROR;
				}
				x->last_send = time(NULL);
			}
			freeReplyObject(r);
			continue;
		}
		struct pollfd p = {.fd = x->rc->fd, .events = POLLIN};
		int n = poll(&p, 1, 1000);
		if (n > 0) {
			if (redisBufferRead(x->rc) != REDIS_OK)
				return MHD_CONTENT_READER_END_WITH_ERROR;
		} else if (time(NULL) - x->last_send >= UI_SSE_PING_S) {
			/* a comment line: keeps proxies from closing, finds dead clients */
			sse_set(x, ": ping", 6, "", 0, "\n\n");
			x->last_send = time(NULL);
		}
	}
	size_t n = x->len - x->off < max ? x->len - x->off : max;
	memcpy(out, x->buf + x->off, n);
	x->off += n;
	return (ssize_t)n;
}

static mhd_ret h_live(struct ctx *c)
{
	struct sse *x = calloc(1, sizeof(*x));

	if (!x)
		return MHD_NO;
	x->s = c->s;
	x->rc = ui_store_connect(c->s->st);
	if (!x->rc) {
		sse_free(x);
		return send_err(c, 503, "redis unavailable");
	}
	redisReply *r = redisCommand(x->rc, "SUBSCRIBE %s", ui_store_channel(c->s->st));
	bool ok = r && r->type == REDIS_REPLY_ARRAY;
	freeReplyObject(r);
	if (!ok) {
		sse_free(x);
		return send_err(c, 503, "redis: SUBSCRIBE failed");
	}
	sse_set(x, "retry: 2000\n: connected", 23, "", 0, "\n\n");
	x->last_send = time(NULL);
	struct MHD_Response *resp =
		MHD_create_response_from_callback(MHD_SIZE_UNKNOWN, 16384, sse_read, x, sse_free);
	if (!resp) {
		sse_free(x);
		return MHD_NO;
	}
	MHD_add_response_header(resp, "Content-Type", "text/event-stream");
	MHD_add_response_header(resp, "X-Accel-Buffering", "no");
	add_common_headers(c, resp);
	mhd_ret ret = MHD_queue_response(c->con, 200, resp);
	MHD_destroy_response(resp);
	return ret;
}

/* ---- static pages ---- */

static mhd_ret h_static(struct ctx *c, const char *name)
{
	for (size_t i = 0; i < ui_nassets; i++) {
		if (strcmp(ui_assets[i].name, name))
			continue;
		struct MHD_Response *r = MHD_create_response_from_buffer(
			ui_assets[i].len, (void *)ui_assets[i].data, MHD_RESPMEM_PERSISTENT);
		if (!r)
			return MHD_NO;
		MHD_add_response_header(r, "Content-Type", ui_assets[i].type);
		add_common_headers(c, r);
		mhd_ret ret = MHD_queue_response(c->con, 200, r);
		MHD_destroy_response(r);
		return ret;
	}
	return send_err(c, 404, "not found");
}

static mhd_ret redirect(struct ctx *c, const char *to)
{
	struct MHD_Response *r =
		MHD_create_response_from_buffer(0, (void *)"", MHD_RESPMEM_PERSISTENT);
	if (!r)
		return MHD_NO;
	MHD_add_response_header(r, "Location", to);
	mhd_ret ret = MHD_queue_response(c->con, 302, r);
	MHD_destroy_response(r);
	return ret;
}

/* ---- micro-cache ---- */

static double mono_ms(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec * 1e3 + (double)ts.tv_nsec / 1e6;
}

struct qkey {
	char buf[2048];
	size_t len;
	bool overflow;
};

static mhd_ret key_it(void *cls, enum MHD_ValueKind kind, const char *key, const char *value)
{
	struct qkey *k = cls;
	(void)kind;
	int n = snprintf(k->buf + k->len, sizeof(k->buf) - k->len, "&%s=%s", key,
			 value ? value : "");
	if (n < 0 || (size_t)n >= sizeof(k->buf) - k->len)
		k->overflow = true;
	else
		k->len += (size_t)n;
	return MHD_YES;
}

static mhd_ret send_captured(struct ctx *c, const struct captured *r)
{
	return send_buf(c, r->status, r->type, r->body, r->len, NULL);
}

/*
 * Read endpoints answer from a response computed less than cache_ms ago for the same path
 * and query (any user may see any read answer: roles only restrict writes), and identical
 * requests that arrive while one is being computed wait for it instead of repeating it
 * (many dashboards refreshing at once cost one Redis scan). cache_ms 0 turns it off.
 */
static mhd_ret cached(struct ctx *c, mhd_ret (*fn)(struct ctx *))
{
	struct ui_server *s = c->s;
	struct qkey k = {.len = 0};
	double ttl = s->o.cache_ms;

	if (!ttl)
		return fn(c);
	k.len = (size_t)snprintf(k.buf, sizeof(k.buf), "%s?", c->path);
	MHD_get_connection_values(c->con, MHD_GET_ARGUMENT_KIND, key_it, &k);
	if (k.overflow || k.len >= sizeof(k.buf))
		return fn(c);
	pthread_mutex_lock(&s->clock_);
	for (;;) {
		struct centry *e = NULL;
		for (size_t i = 0; i < UI_CACHE_SLOTS; i++)
			if (s->cache[i].key && !strcmp(s->cache[i].key, k.buf))
				e = &s->cache[i];
		double now = mono_ms();
		if (e && !e->pending && now - e->t_ms < ttl) {
			struct captured r = e->r;
			r.body = malloc(e->r.len ? e->r.len : 1);
			if (r.body)
				memcpy(r.body, e->r.body, e->r.len);
			pthread_mutex_unlock(&s->clock_);
			if (!r.body)
				return MHD_NO;
			mhd_ret ret = send_captured(c, &r);
			free(r.body);
			return ret;
		}
		if (e && e->pending) {
			struct timespec until;
			clock_gettime(CLOCK_REALTIME, &until);
			until.tv_sec += 30;
			if (pthread_cond_timedwait(&s->cdone, &s->clock_, &until))
				break; /* the computation hangs: compute our own */
			continue;
		}
		/* claim a slot: this key's (stale), a free one, or the oldest finished one */
		struct centry *slot = e;
		for (size_t i = 0; !slot && i < UI_CACHE_SLOTS; i++)
			if (!s->cache[i].key)
				slot = &s->cache[i];
		for (size_t i = 0; !e && s->cache[UI_CACHE_SLOTS - 1].key && i < UI_CACHE_SLOTS;
		     i++)
			if (!s->cache[i].pending &&
			    (!slot || slot->pending || s->cache[i].t_ms < slot->t_ms))
				slot = &s->cache[i];
		if (slot && slot->pending)
			slot = NULL;
		if (!slot)
			break;
		free(slot->key);
		free(slot->r.body);
		memset(slot, 0, sizeof(*slot));
		slot->key = strdup(k.buf);
		if (!slot->key)
			break;
		slot->pending = true;
		pthread_mutex_unlock(&s->clock_);

		struct captured r = {0};
		c->cap = &r;
		mhd_ret ret = fn(c);
		c->cap = NULL;

		pthread_mutex_lock(&s->clock_);
		slot->pending = false;
		slot->t_ms = mono_ms();
		/* only successes are kept: an error is retried by the next request */
		if (ret == MHD_YES && r.body && r.status == 200) {
			slot->r = r;
			slot->r.body = malloc(r.len ? r.len : 1);
			if (slot->r.body)
				memcpy(slot->r.body, r.body, r.len);
			else
				slot->t_ms = 0;
		} else {
			slot->t_ms = 0;
		}
		pthread_cond_broadcast(&s->cdone);
		pthread_mutex_unlock(&s->clock_);
		if (ret == MHD_YES && r.body)
			ret = send_captured(c, &r);
		free(r.body);
		return ret;
	}
	pthread_mutex_unlock(&s->clock_);
	return fn(c);
}

static mhd_ret h_fsk_count_plain(struct ctx *c)
{
	return h_fsk_count(c, NULL);
}

static mhd_ret h_fsk_count_by(struct ctx *c)
{
	return h_fsk_count(c, c->path + 21);
}

/* ---- routing ---- */

static mhd_ret route(struct ctx *c)
{
	const char *p = c->path;
	bool get = !strcmp(c->method, "GET") || !strcmp(c->method, "HEAD");
	bool post = !strcmp(c->method, "POST");

	/* pages and public endpoints */
	if (get && (!strcmp(p, "/") || !strcmp(p, "/index.html")))
		return h_static(c, "index.html");
	if (get && strncmp(p, "/api/", 5) && strchr(p + 1, '/') == NULL)
		return h_static(c, p + 1);
	if (get && !strcmp(p, "/api/v1/healthz"))
		return h_healthz(c);
	if (post && !strcmp(p, "/api/login"))
		return h_login(c);

	if (authenticate(c) == -EAGAIN)
		return send_err(c, 429, "too many failed logins");
	/* ingestion has its own rules (token / loopback / admin) */
	if (post &&
	    (!strcmp(p, "/api/v1/events/add") || !strcmp(p, "/api/v1/") || !strcmp(p, "/api/v1")))
		return h_ingest(c, true);
	if (post && !strcmp(p, "/api/v1/events"))
		return h_ingest(c, false);
	if (!c->authed)
		return send_err(c, 401, "log in first");

	if (get && !strcmp(p, "/api/session"))
		return send_session(c, 200, NULL);
	if (post && !strcmp(p, "/api/logout")) {
		if (!csrf_ok(c))
			return send_err(c, 403, "missing or wrong X-CSRF-Token");
		ui_auth_logout(c->s->auth,
			       MHD_lookup_connection_value(c->con, MHD_COOKIE_KIND, cookie_name));
		return send_session(c, 200, "");
	}
	if (post && !strcmp(p, "/api/v1/authenticate"))
		return send_json(c, 200, json_string("authenticated"));
	if (get && !strcmp(p, "/api/alerts"))
		return cached(c, h_alerts);
	if (get && !strcmp(p, "/api/export"))
		return h_export(c);
	if (get && !strcmp(p, "/api/counts"))
		return cached(c, h_counts);
	if (get && !strcmp(p, "/api/timeseries"))
		return cached(c, h_timeseries);
	if (get && !strcmp(p, "/api/live"))
		return h_live(c);
	if (get && !strcmp(p, "/api/info"))
		return cached(c, h_info);
	if ((get || post) && !strcmp(p, "/api/users"))
		return h_users(c, post);
	if (get && !strcmp(p, "/api/v1/events/count"))
		return cached(c, h_fsk_count_plain);
	if (get && !strncmp(p, "/api/v1/events/count/", 21))
		return cached(c, h_fsk_count_by);
	if (get && !strcmp(p, "/api/v1/events/search"))
		return cached(c, h_fsk_search);
	if (get && !strcmp(p, "/api/v1/configuration"))
		return h_fsk_configuration(c);
	if (get && !strcmp(p, "/api/v1/outputs"))
		return h_fsk_outputs(c);
	if (get && !strcmp(p, "/api/v1/version"))
		return h_fsk_version(c);
	if (!get && !post)
		return send_err(c, 405, "method not allowed");
	return send_err(c, 404, "not found");
}

static mhd_ret on_request(void *cls, struct MHD_Connection *con, const char *url,
			  const char *method, const char *version, const char *upload_data,
			  size_t *upload_size, void **con_cls)
{
	struct ui_server *s = cls;
	struct req *rq = *con_cls;

	(void)version;
	if (!rq) {
		rq = calloc(1, sizeof(*rq));
		if (!rq)
			return MHD_NO;
		*con_cls = rq;
		return MHD_YES;
	}
	if (*upload_size) {
		if (rq->len + *upload_size > UI_MAX_BODY) {
			rq->too_big = true;
		} else {
			char *p = realloc(rq->body, rq->len + *upload_size + 1);
			if (!p)
				return MHD_NO;
			memcpy(p + rq->len, upload_data, *upload_size);
			rq->body = p;
			rq->len += *upload_size;
			rq->body[rq->len] = '\0';
		}
		*upload_size = 0;
		return MHD_YES;
	}
	struct ctx c = {.s = s, .con = con, .rq = rq, .method = method};
	client_ip(&c);
	size_t bl = strlen(s->o.base_path);
	if (bl && strncmp(url, s->o.base_path, bl)) {
		if (!strcmp(url, "/")) {
			char to[300];
			snprintf(to, sizeof(to), "%s/", s->o.base_path);
			return redirect(&c, to);
		}
		return send_err(&c, 404, "not found (outside the base path)");
	}
	c.path = url + bl;
	if (!*c.path) {
		char to[300];
		snprintf(to, sizeof(to), "%s/", s->o.base_path);
		return redirect(&c, to);
	}
	if (rq->too_big)
		return send_err(&c, 413, "body too large");
	return route(&c);
}

static void on_done(void *cls, struct MHD_Connection *con, void **con_cls,
		    enum MHD_RequestTerminationCode toe)
{
	struct req *rq = *con_cls;

	(void)cls, (void)con, (void)toe;
	if (!rq)
		return;
	free(rq->body);
	for (size_t i = 0; i < rq->ncopies; i++)
		free(rq->copies[i]);
	free(rq);
	*con_cls = NULL;
}

static char *slurp(const char *path)
{
	FILE *f = fopen(path, "re");
	char *buf = NULL;
	size_t len = 0;

	if (!f)
		return NULL;
	for (;;) {
		char *p = realloc(buf, len + 65536 + 1);
		if (!p) {
			free(buf);
			fclose(f);
			return NULL;
		}
		buf = p;
		size_t n = fread(buf + len, 1, 65536, f);
		len += n;
		if (n < 65536)
			break;
		if (len > (16u << 20)) {
			free(buf);
			fclose(f);
			return NULL;
		}
	}
	buf[len] = '\0';
	fclose(f);
	return buf;
}

struct ui_server *ui_server_start(const struct ui_opts *o, struct ui_store *st,
				  struct ui_auth *auth, struct ui_ingest *in)
{
	struct ui_server *s = calloc(1, sizeof(*s));
	struct sockaddr_storage ss = {0};
	socklen_t sl;
	unsigned flags =
		MHD_USE_THREAD_PER_CONNECTION | MHD_USE_INTERNAL_POLLING_THREAD | MHD_USE_ERROR_LOG;

	if (!s)
		return NULL;
	s->o = *o;
	s->st = st;
	s->auth = auth;
	s->in = in;
	s->started = time(NULL);
	pthread_mutex_init(&s->olock, NULL);
	pthread_mutex_init(&s->clock_, NULL);
	pthread_cond_init(&s->cdone, NULL);
	struct sockaddr_in *a4 = (struct sockaddr_in *)&ss;
	struct sockaddr_in6 *a6 = (struct sockaddr_in6 *)&ss;
	if (inet_pton(AF_INET, o->listen_addr, &a4->sin_addr) == 1) {
		a4->sin_family = AF_INET;
		a4->sin_port = htons((uint16_t)o->port);
		sl = sizeof(*a4);
	} else if (inet_pton(AF_INET6, o->listen_addr, &a6->sin6_addr) == 1) {
		a6->sin6_family = AF_INET6;
		a6->sin6_port = htons((uint16_t)o->port);
		sl = sizeof(*a6);
		flags |= MHD_USE_IPv6;
	} else {
		log_printf(LOG_LVL_ERROR, "listen: '%s' is not a numeric IPv4/IPv6 address",
			   o->listen_addr);
		goto fail;
	}
	(void)sl;
	if (o->tls_cert && *o->tls_cert) {
		s->cert = slurp(o->tls_cert);
		s->key = slurp(o->tls_key ? o->tls_key : "");
		if (!s->cert || !s->key) {
			log_printf(LOG_LVL_ERROR, "tls: cannot read %s / %s", o->tls_cert,
				   o->tls_key ? o->tls_key : "(no key)");
			goto fail;
		}
		flags |= MHD_USE_TLS;
	}
	if (s->cert)
		s->d = MHD_start_daemon(
			flags, (uint16_t)o->port, NULL, NULL, on_request, s, MHD_OPTION_SOCK_ADDR,
			&ss, MHD_OPTION_NOTIFY_COMPLETED, on_done, s, MHD_OPTION_CONNECTION_TIMEOUT,
			120u, MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_HTTPS_MEM_CERT,
			s->cert, MHD_OPTION_HTTPS_MEM_KEY, s->key, MHD_OPTION_END);
	else
		s->d = MHD_start_daemon(flags, (uint16_t)o->port, NULL, NULL, on_request, s,
					MHD_OPTION_SOCK_ADDR, &ss, MHD_OPTION_NOTIFY_COMPLETED,
					on_done, s, MHD_OPTION_CONNECTION_TIMEOUT, 120u,
					MHD_OPTION_CONNECTION_LIMIT, 1000u, MHD_OPTION_END);
	if (!s->d) {
		log_printf(LOG_LVL_ERROR, "cannot listen on %s:%u (in use? TLS files valid?)",
			   o->listen_addr, o->port);
		goto fail;
	}
	const union MHD_DaemonInfo *di = MHD_get_daemon_info(s->d, MHD_DAEMON_INFO_BIND_PORT);
	if (di)
		s->o.port = di->port;
	return s;
fail:
	free(s->cert);
	free(s->key);
	pthread_mutex_destroy(&s->olock);
	free(s);
	return NULL;
}

unsigned ui_server_port(const struct ui_server *s)
{
	return s->o.port;
}

void ui_server_stop(struct ui_server *s)
{
	if (!s)
		return;
	atomic_store(&s->stopping, true);
	if (s->d)
		MHD_stop_daemon(s->d);
	free(s->cert);
	free(s->key);
	for (size_t i = 0; i < UI_CACHE_SLOTS; i++) {
		free(s->cache[i].key);
		free(s->cache[i].r.body);
	}
	pthread_mutex_destroy(&s->clock_);
	pthread_cond_destroy(&s->cdone);
	pthread_mutex_destroy(&s->olock);
	free(s);
}
