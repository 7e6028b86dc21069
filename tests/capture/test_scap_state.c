/* test_scap_state.c: the state fields of every capture's events (proc.*, fd.name, user.name, container.id) against sysdig 0.29. */
#include <ctype.h>
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <zlib.h>

#include "event.h"
#include "extract.h"
#include "fields.h"
#include "scap_reader.h"
#include "scap_replay.h"
#include "state.h"
#include "test_env.h"

/*
 * Each capture goes through what a replay does to it: its lists as seed
 * records, then its records, applied to the enricher's state (st_apply), and
 * the fields read as an evaluator gets them (ext_get). For every record, the
 * row sysdig 0.29 printed for the same event (tests/capture/expected: exit
 * row of the same time and thread; the enter row for exit-less events) must
 * carry the same proc.name, proc.pname, proc.cmdline, fd.name, user.name and
 * container.id. evt.res, type, thread and time are checked by test_scap_read.
 */

#define SCAP_DIR LANNER_CONFORMANCE_DIR "/scap"
#define EXPECTED_DIR LANNER_SOURCE_DIR "/tests/capture/expected"

static const char *const field_names[] = {"proc.name", "proc.pname", "proc.cmdline",
					  "fd.name",   "user.name",  "container.id"};
#define NFIELDS (sizeof(field_names) / sizeof(field_names[0]))

struct row {
	uint64_t ts;
	int64_t tid;
	char dir;
	int used;
	char *val[NFIELDS]; /* NULL: sysdig printed null (<NA>) */
};

struct cmp {
	struct row *rows;
	size_t nrows;
	struct st_state *st;
	struct ext_ctx *x;
	struct fld_ref ref[NFIELDS];
	uint64_t records, matched, unmatched_rows;
	uint64_t same[NFIELDS], diff[NFIELDS];
	uint64_t thread_pname, mmap_fdname, send_fdname; /* sysdig 0.29's own classes */
	unsigned shown[NFIELDS];
	const char *name;
};

static int row_cmp(const void *a, const void *b)
{
	const struct row *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	if (x->tid != y->tid)
		return x->tid < y->tid ? -1 : 1;
	return x->dir - y->dir;
}

static struct row *load_rows(const char *name, size_t *n)
{
	char path[512], line[1 << 16];
	gzFile g;
	struct row *rows = NULL;
	size_t cap = 0;

	snprintf(path, sizeof(path), "%s/%s.jsonl.gz", EXPECTED_DIR, name);
	g = gzopen(path, "rb");
	if (!g)
		fail_msg("%s: %s", path, strerror(errno));
	*n = 0;
	while (gzgets(g, line, sizeof(line))) {
		json_error_t je;
		json_t *j = json_loads(line, 0, &je);
		struct row *r;

		if (!j)
			fail_msg("%s: %s", path, je.text);
		if (*n == cap) {
			cap = cap ? cap * 2 : 4096;
			rows = realloc(rows, cap * sizeof(*rows));
			assert_non_null(rows);
		}
		r = &rows[(*n)++];
		memset(r, 0, sizeof(*r));
		r->ts = (uint64_t)json_integer_value(json_object_get(j, "evt.rawtime"));
		r->tid = json_integer_value(json_object_get(j, "thread.tid"));
		r->dir = json_string_value(json_object_get(j, "evt.dir"))
				 ? json_string_value(json_object_get(j, "evt.dir"))[0]
				 : '?';
		for (size_t k = 0; k < NFIELDS; k++) {
			json_t *v = json_object_get(j, field_names[k]);

			if (json_is_string(v))
				r->val[k] = strdup(json_string_value(v));
			else if (json_is_integer(v)) {
				char b[32];

				snprintf(b, sizeof(b), "%" JSON_INTEGER_FORMAT,
					 json_integer_value(v));
				r->val[k] = strdup(b);
			}
		}
		json_decref(j);
	}
	gzclose(g);
	if (*n) /* rows is NULL for a capture sysdig shows nothing of */
		qsort(rows, *n, sizeof(*rows), row_cmp);
	return rows;
}

static struct row *find_row(struct cmp *c, uint64_t ts, int64_t tid, char dir)
{
	struct row key = {.ts = ts, .tid = tid, .dir = dir};

	if (!c->nrows)
		return NULL;
	return bsearch(&key, c->rows, c->nrows, sizeof(*c->rows), row_cmp);
}

static _Alignas(8) uint8_t seedbuf[1 << 20];

static int apply_seed(struct cmp *c, int len)
{
	struct lnr_evt_view v;
	struct st_ctx sc;

	if (len < 0)
		return 0;
	assert_int_equal(lnr_evt_decode(seedbuf, (size_t)len, &v, NULL), 0);
	if (st_apply(c->st, &v, &sc) == 0)
		st_finish(c->st, &sc);
	return 0;
}

static int on_thread(void *ctx, const struct scap_thread_seed *t)
{
	return apply_seed(ctx, scap_seed_thread_rec(t, seedbuf, sizeof(seedbuf)));
}

static int on_fd(void *ctx, const struct scap_fd_seed *f)
{
	return apply_seed(ctx, scap_seed_fd_rec(f, seedbuf, sizeof(seedbuf)));
}

static int on_user(void *ctx, const struct scap_user_seed *u)
{
	return apply_seed(ctx, scap_seed_user_rec(u, seedbuf, sizeof(seedbuf)));
}

/*
 * The field's value as sysdig prints it in -j (NULL for <NA>): libsinsp
 * drops non-printable bytes from the strings it prints (sanitize_string),
 * e.g. the newline a 2019 fd list keeps after a unix socket's path.
 */
static const char *value(struct cmp *c, size_t k, char *out, size_t n)
{
	struct fld_val vals[FLD_MAX_VALUES];
	int got = ext_get(c->x, &c->ref[k], vals, FLD_MAX_VALUES);
	size_t o = 0;

	if (got <= 0)
		return NULL;
	for (uint32_t i = 0; i < vals[0].str.len && o + 1 < n; i++)
		if (isprint((unsigned char)vals[0].str.p[i]))
			out[o++] = vals[0].str.p[i];
	out[o] = '\0';
	return out;
}

/* The event's tuple as printed ("" when absent). */
static const char *tuple_of(const struct lnr_evt_view *v, char *out, size_t n)
{
	int i = lnr_evt_param_index(v->info, "tuple");

	out[0] = '\0';
	if (i >= 0 && v->plen[i])
		lnr_evt_param_format(v, (unsigned)i, out, n);
	return out;
}

/*
 * Differences where sysdig 0.29 is not the oracle (docs/capture.md, "State
 * against sysdig 0.29"), each recognised by its exact shape:
 * - proc.pname of a thread that is not its process's main thread: sysdig
 *   0.29 gives the name of the thread's creator (the process itself: the
 *   same value as its proc.name) where the kernel, current libsinsp and we
 *   give the process's parent;
 * - fd.name of mmap: sysdig 0.29's event table has no EF_USES_FD for
 *   them (<NA>); current libs have it, and we name the mapped file ("" for
 *   an anonymous mapping, fd -1, as libsinsp names an fd it does not have).
 */
static int known_class(struct cmp *c, const struct lnr_evt_view *v, size_t k, const char *ours,
		       const char *theirs, const char *our_name)
{
	const struct st_ctx *sc = c->x->c;

	if (k == 1 && theirs && our_name && strcmp(theirs, our_name) == 0 && sc->thread &&
	    sc->thread->tid != sc->proc->pid) {
		c->thread_pname++;
		return 1;
	}
	if (k == 3 && !theirs && ours && v->hdr->type == LNR_EVT_MMAP) {
		c->mmap_fdname++;
		return 1;
	}
	if (k == 3 && theirs && ours &&
	    (v->hdr->type == LNR_EVT_SENDMSG || v->hdr->type == LNR_EVT_SENDTO)) {
		char t[512];
		const char *ta = strstr(tuple_of(v, t, sizeof(t)), "->"),
			   *ua = strstr(theirs, "->");

		/* We name the socket after the tuple the event carries (the one sysdig
		 * prints in evt.args); sysdig's name has another destination. */
		if (strcmp(t, ours) == 0 && ta && ua && strcmp(ta, ua) != 0) {
			c->send_fdname++;
			return 1;
		}
	}
	return 0;
}

/*
 * Hand-checked values where sysdig 0.29 is not the oracle (docs/capture.md):
 * each from the capture's own events, as said beside it.
 */
static struct probe {
	const char *cap;
	uint64_t ts;
	int64_t tid;
	size_t field;
	const char *want; /* NULL: <NA> */
	int seen;
} probes[] = {
	/* haproxy's sendmsg carries tuple=0.0.0.0:55441->127.0.0.1:514 (sysdig's evt.args
	 * too); sysdig 0.29 names the fd ...->145.216.3.255:514 */
	{"sysdig-inspect_502Error", 1506127469905885331ULL, 13969, 3,
	 "0.0.0.0:55441->127.0.0.1:514", 0},
	/* a UDP socket connected again: connect res=0
	 * tuple=::1:38255->2001:4860:4860::8888:53; sysdig 0.29 keeps ::1:2345 */
	{"libs-e2e_test_ipv6_client", 1534551451397771971ULL, 19747, 3,
	 "::1:38255->2001:4860:4860::8888:53", 0},
	/* curl's resolver thread: its process's parent is bash (curl's execve:
	 * ptid=3200(bash)); sysdig 0.29 says curl, the thread's creator */
	{"libs-e2e_curl_google", 1534527348518907131ULL, 17498, 1, "bash", 0},
	/* mmap of fd 3 (sysdig's evt.args: fd=3(<f>/etc/ld.so.cache)); sysdig 0.29: <NA> */
	{"falco-0.34.1_cat_write", 1470327477881788681ULL, 20072, 3, "/etc/ld.so.cache", 0},
	/* the container event: its own thread (sysdig agrees) */
	{"falco-psp_privileged", 1562621733350505660ULL, -1, 0, "container:9dbcbd0c435f", 0},
};

static void check_probes(struct cmp *c, const struct lnr_evt_view *v)
{
	char buf[8192];

	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++) {
		struct probe *p = &probes[i];
		const char *ours;

		if (p->ts != v->hdr->ts || p->tid != v->hdr->tid || strcmp(p->cap, c->name) != 0)
			continue;
		ours = value(c, p->field, buf, sizeof(buf));
		if ((!ours) != (!p->want) || (ours && strcmp(ours, p->want) != 0))
			fail_msg("%s ts %" PRIu64 " tid %" PRId64 " %s: '%s', hand-checked '%s'",
				 p->cap, p->ts, p->tid, field_names[p->field], ours ? ours : "<NA>",
				 p->want ? p->want : "<NA>");
		p->seen++;
	}
}

static int on_event(void *ctx, const void *rec, uint32_t len)
{
	struct cmp *c = ctx;
	struct lnr_evt_view v;
	struct st_ctx sc;
	struct row *r;
	char buf[8192], name[8192];

	assert_int_equal(lnr_evt_decode(rec, len, &v, NULL), 0);
	c->records++;
	if (st_apply(c->st, &v, &sc) != 0)
		return 0;
	r = find_row(c, v.hdr->ts, v.hdr->tid, v.info->scap_code_x ? '<' : '>');
	if (!r)
		r = find_row(c, v.hdr->ts, v.hdr->tid, '>');
	if (r) {
		c->matched++;
		r->used = 1;
		ext_begin(c->x, c->st, &sc);
		check_probes(c, &v);
		for (size_t k = 0; k < NFIELDS; k++) {
			const char *ours = value(c, k, buf, sizeof(buf));
			const char *theirs = r->val[k];
			const char *our_name = value(c, 0, name, sizeof(name));

			if ((!ours && !theirs) || (ours && theirs && strcmp(ours, theirs) == 0)) {
				c->same[k]++;
				continue;
			}
			if (known_class(c, &v, k, ours, theirs, our_name))
				continue;
			c->diff[k]++;
			if (getenv("SHOW_ALL") || c->shown[k]++ < 5)
				fprintf(stderr,
					"  %s %s ts %" PRIu64 " tid %" PRId64
					" %s: ours '%s' sysdig '%s'\n",
					c->name, v.info->name, v.hdr->ts, v.hdr->tid,
					field_names[k], ours ? ours : "<NA>",
					theirs ? theirs : "<NA>");
		}
	}
	st_finish(c->st, &sc);
	return 0;
}

static uint64_t known_thread_pname, known_mmap_fdname, known_send_fdname;

static void compare(const char *name, const char *capname, uint64_t totals[2][NFIELDS])
{
	char path[512], msg[256];
	struct cmp c = {.name = name};
	struct st_opts so = {.max_threads = 262144, .live = 0};
	struct scap_reader_cbs cbs = {
		.ctx = &c, .thread = on_thread, .fd = on_fd, .user = on_user, .event = on_event};
	struct scap_reader *rd;
	int rc;

	c.rows = load_rows(name, &c.nrows);
	c.st = st_new(&so);
	c.x = calloc(1, sizeof(*c.x));
	assert_non_null(c.st);
	assert_non_null(c.x);
	for (size_t k = 0; k < NFIELDS; k++)
		assert_int_equal(fld_resolve(field_names[k], NULL, 0, &c.ref[k], msg, sizeof(msg)),
				 0);
	snprintf(path, sizeof(path), "%s/%s.scap", SCAP_DIR, capname);
	rd = scap_reader_open(path, &cbs);
	assert_non_null(rd);
	rc = scap_reader_run(rd);
	if (rc != 0)
		fail_msg("%s: %s", path, scap_reader_error(rd));
	scap_reader_free(rd);
	fprintf(stderr, "%s: %" PRIu64 " records, %" PRIu64 " with a sysdig row;", name, c.records,
		c.matched);
	for (size_t k = 0; k < NFIELDS; k++) {
		fprintf(stderr, " %s %" PRIu64 "/%" PRIu64, field_names[k], c.same[k],
			c.same[k] + c.diff[k]);
		totals[0][k] += c.same[k];
		totals[1][k] += c.diff[k];
	}
	fprintf(stderr, "; sysdig 0.29's own: thread pname %" PRIu64 ", mmap fd.name %" PRIu64 "\n",
		c.thread_pname, c.mmap_fdname);
	known_thread_pname += c.thread_pname;
	known_mmap_fdname += c.mmap_fdname;
	known_send_fdname += c.send_fdname;
	for (size_t i = 0; i < c.nrows; i++)
		for (size_t k = 0; k < NFIELDS; k++)
			free(c.rows[i].val[k]);
	free(c.rows);
	free(c.x);
	st_free(c.st);
}

static void test_state_fields(void **state)
{
	static const char *const caps[] = {
		"falco-0.34.1_cat_write",
		"falco-0.34.1_connect_localhost",
		"falco-0.34.1_empty",
		"falco-0.34.1_open-multiple-files",
		"falco-0.34.1_ping_sendto",
		"falco-0.34.1_syscall",
		"falco-psp_privileged",
		"falco-psp_run_as_user_0_container",
		"falco-psp_run_as_user_65534_container",
		"falco-psp_write_tmp_test",
		"libs-e2e_curl_google",
		"libs-e2e_single_ipv6_conn",
		"libs-e2e_test_ipv6_client",
		"libs-old_sample",
		"sysdig-inspect_502Error",
	};
	uint64_t totals[2][NFIELDS] = {{0}};

	(void)state;
	for (size_t i = 0; i < sizeof(caps) / sizeof(caps[0]); i++)
		compare(caps[i], caps[i], totals);
	/* sysdig cannot open the capture with section options: it must be
	 * exactly the one without them. */
	compare("libs-e2e_curl_google", "libs-e2e_curl_google_comments", totals);
	for (size_t k = 0; k < NFIELDS; k++) {
		fprintf(stderr, "total %s: %" PRIu64 " same, %" PRIu64 " different\n",
			field_names[k], totals[0][k], totals[1][k]);
	}
	fprintf(stderr,
		"sysdig 0.29's own (not counted above): thread proc.pname %" PRIu64
		", mmap fd.name %" PRIu64 ", send fd.name %" PRIu64 "\n",
		known_thread_pname, known_mmap_fdname, known_send_fdname);
	/*
	 * Known differences (docs/capture.md, "State against sysdig 0.29", lists
	 * them): fd.name of a UDP socket connected a second time
	 * (sysdig 0.29 keeps the first peer, current libsinsp and we the new
	 * one; 3), of an unbound IPv6 source sysdig completes from the
	 * capture's interface list (1), of a read whose enter is before the
	 * capture (sysdig 0.29 takes fd 0; 1). A count above its budget is a
	 * regression; a fix lowers it.
	 */
	static const uint64_t budget[NFIELDS] = {0, 0, 0, 5, 0, 0};

	for (size_t k = 0; k < NFIELDS; k++)
		if (totals[1][k] > budget[k])
			fail_msg("%s: %" PRIu64 " differences from sysdig, %" PRIu64 " known",
				 field_names[k], totals[1][k], budget[k]);
	for (size_t i = 0; i < sizeof(probes) / sizeof(probes[0]); i++)
		if (!probes[i].seen)
			fail_msg("hand-checked event %s ts %" PRIu64 " tid %" PRId64
				 " not replayed",
				 probes[i].cap, probes[i].ts, probes[i].tid);
	/* sysdig 0.29's own classes are exactly these (see known_class). */
	assert_true(known_thread_pname <= 2118);
	assert_true(known_mmap_fdname <= 475);
	assert_true(known_send_fdname <= 37);
	/* The comparison itself must work: thousands of values agree in every field. */
	for (size_t k = 0; k < NFIELDS; k++)
		assert_true(totals[0][k] >= 2000);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_state_fields),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
