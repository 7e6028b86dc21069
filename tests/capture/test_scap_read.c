/* test_scap_read.c: reads the conformance captures; checks counts and sysdig 0.29's output. */
#include <errno.h>
#include <inttypes.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <cmocka.h>
#include <jansson.h>
#include <zlib.h>

#include "event.h"
#include "scap_evtab.h"
#include "scap_reader.h"
#include "test_env.h"

#define SCAP_DIR LANNER_CONFORMANCE_DIR "/scap"
#define EXPECTED_DIR LANNER_SOURCE_DIR "/tests/capture/expected"

/* One raw event as the test remembers it. */
struct raw {
	uint64_t ts;
	int64_t tid;
	uint16_t code, cpu;
	char name[32]; /* evt.type as sysdig prints it (generic events: the syscall) */
};

/* One converted Lanner record, summarized. */
struct rec {
	uint64_t ts;
	int64_t tid;
	uint16_t type;
	int has_res;
	int64_t res;
	uint16_t cpu;
	int matched;
};

struct run {
	struct raw *raw;
	size_t nraw, capraw;
	struct rec *rec;
	size_t nrec, caprec;
	uint64_t threads, fds, users, groups, ifaces;
	int bad_record;
};

static int on_raw(void *ctx, const struct scap_raw_evt *e)
{
	struct run *r = ctx;
	const struct scap_ev_def *def = scap_ev_def(e->code);
	struct raw *x;

	if (r->nraw == r->capraw) {
		r->capraw = r->capraw ? r->capraw * 2 : 1024;
		r->raw = realloc(r->raw, r->capraw * sizeof(*r->raw));
		assert_non_null(r->raw);
	}
	x = &r->raw[r->nraw++];
	x->ts = e->ts;
	x->tid = e->tid;
	x->code = e->code;
	x->cpu = e->cpu;
	snprintf(x->name, sizeof(x->name), "%s", def ? def->name : "?");
	if ((e->code == 0 || e->code == 1) && e->nparams >= 1 && e->plen[0] == 2) {
		uint16_t id;
		const char *sc;

		memcpy(&id, e->pval[0], 2);
		sc = scap_syscall_name(id);
		if (sc)
			snprintf(x->name, sizeof(x->name), "%s", sc);
	}
	return 0;
}

static int on_event(void *ctx, const void *buf, uint32_t len)
{
	struct run *r = ctx;
	struct lnr_evt_view v;
	const char *why = NULL;
	struct rec *x;
	int i;

	if (lnr_evt_decode(buf, len, &v, &why) != 0) {
		fprintf(stderr, "invalid record: %s\n", why ? why : "?");
		r->bad_record = 1;
		return 0;
	}
	if (r->nrec == r->caprec) {
		r->caprec = r->caprec ? r->caprec * 2 : 1024;
		r->rec = realloc(r->rec, r->caprec * sizeof(*r->rec));
		assert_non_null(r->rec);
	}
	x = &r->rec[r->nrec++];
	memset(x, 0, sizeof(*x));
	x->ts = v.hdr->ts;
	x->tid = v.hdr->tid;
	x->type = v.hdr->type;
	x->cpu = v.hdr->cpu;
	/* The return value: "res", else "fd" (Falco names the result fd when it is one). */
	i = lnr_evt_param_index(v.info, "res");
	if (i < 0)
		i = lnr_evt_param_index(v.info, "fd");
	if (i >= 0 && lnr_evt_get_s64(&v, (unsigned)i, &x->res) == 0)
		x->has_res = 1;
	return 0;
}

static int on_thread(void *ctx, const struct scap_thread_seed *t)
{
	((struct run *)ctx)->threads++;
	return 0;
}

static int on_fd(void *ctx, const struct scap_fd_seed *f)
{
	((struct run *)ctx)->fds++;
	return 0;
}

static int on_user(void *ctx, const struct scap_user_seed *u)
{
	if (u->is_group)
		((struct run *)ctx)->groups++;
	else
		((struct run *)ctx)->users++;
	return 0;
}

static int on_iface(void *ctx, const struct scap_iface_seed *i)
{
	assert_non_null(i->name);
	assert_true(i->type >= 1 && i->type <= 4);
	((struct run *)ctx)->ifaces++;
	return 0;
}

static void run_free(struct run *r)
{
	free(r->raw);
	free(r->rec);
	memset(r, 0, sizeof(*r));
}

/* Read a whole capture; returns the reader's stats in *st. */
static int read_capture(const char *path, struct run *r, struct scap_reader_stats *st)
{
	struct scap_reader_cbs cbs = {.ctx = r,
				      .raw = on_raw,
				      .event = on_event,
				      .thread = on_thread,
				      .fd = on_fd,
				      .user = on_user,
				      .iface = on_iface};
	struct scap_reader *rd = scap_reader_open(path, &cbs);
	int rc;

	assert_non_null(rd);
	rc = scap_reader_run(rd);
	if (rc)
		fprintf(stderr, "%s: %s\n", path, scap_reader_error(rd));
	*st = *scap_reader_stats(rd);
	scap_reader_free(rd);
	return rc;
}

/* Block-type names of scap_inventory.jsonl -> counted kinds. */
static uint64_t inv_blocks(json_t *blocks, const char *prefix)
{
	const char *k;
	json_t *v;
	uint64_t n = 0;
	size_t pl = strlen(prefix);

	json_object_foreach(blocks, k, v)
	{
		if (strncmp(k, prefix, pl) == 0 && (k[pl] == 0 || k[pl] == '_'))
			n += (uint64_t)json_integer_value(v);
	}
	return n;
}

/* Every capture of the inventory is read to the end with its block and event counts. */
static void test_inventory_counts(void **state)
{
	json_error_t jerr;
	FILE *f = fopen(SCAP_DIR "/scap_inventory.jsonl", "r");
	char line[65536];
	int files = 0;

	assert_non_null(f);
	while (fgets(line, sizeof(line), f)) {
		json_t *o = json_loads(line, 0, &jerr), *blocks;
		struct scap_reader_stats st;
		struct run r = {0};
		char path[1024], ver[16];
		const char *file;

		if (!o || !json_is_object(o) || !json_object_get(o, "file")) {
			json_decref(o);
			continue; /* the summary line */
		}
		file = json_string_value(json_object_get(o, "file"));
		blocks = json_object_get(o, "blocks");
		snprintf(path, sizeof(path), "%s/%s", SCAP_DIR, file);
		assert_int_equal(read_capture(path, &r, &st), 0);
		snprintf(ver, sizeof(ver), "%u.%u", st.major, st.minor);
		assert_string_equal(ver, json_string_value(json_object_get(o, "version")));
		assert_int_equal(st.raw_events, json_integer_value(json_object_get(o, "events")));
		assert_int_equal(r.nraw, st.raw_events);
		assert_int_equal(st.raw_events, inv_blocks(blocks, "EV"));
		assert_int_equal(st.blocks_skipped, 0);
		assert_int_equal(st.unknown_codes, 0);
		/* One PL block, FDL blocks one per thread with fds: the seeds arrived. */
		assert_int_equal(inv_blocks(blocks, "PL"), 1);
		assert_true(r.threads > 0 && r.threads == st.threads);
		assert_true(r.fds > 0 && r.fds == st.fds);
		assert_true(r.users > 0 && r.groups > 0);
		assert_true(r.ifaces > 0 && r.ifaces == st.interfaces);
		assert_int_equal(st.blocks, 1 + inv_blocks(blocks, "MI") +
						    inv_blocks(blocks, "IL") +
						    inv_blocks(blocks, "UL") + 1 +
						    inv_blocks(blocks, "FDL") + st.raw_events);
		assert_int_equal(r.bad_record, 0);
		assert_int_equal(st.events, r.nrec);
		files++;
		run_free(&r);
		json_decref(o);
	}
	fclose(f);
	assert_int_equal(files, 15);
}

/* The large benchmark capture, not in the inventory: counts checked by hand
 * (sysdig-inspect README and `sysdig -r` numbering: 22,381 events). */
static void test_large_capture(void **state)
{
	struct scap_reader_stats st;
	struct run r = {0};

	assert_int_equal(read_capture(SCAP_DIR "/sysdig-inspect_502Error.scap", &r, &st), 0);
	assert_int_equal(st.raw_events, 22381);
	assert_int_equal(st.major, 1);
	assert_int_equal(r.bad_record, 0);
	run_free(&r);
}

static int rec_cmp(const void *a, const void *b)
{
	const struct rec *x = a, *y = b;

	if (x->ts != y->ts)
		return x->ts < y->ts ? -1 : 1;
	return x->tid < y->tid ? -1 : x->tid > y->tid;
}

static struct rec *rec_find(struct run *r, uint64_t ts, int64_t tid)
{
	struct rec key = {.ts = ts, .tid = tid};

	return r->nrec ? bsearch(&key, r->rec, r->nrec, sizeof(*r->rec), rec_cmp) : NULL;
}

static const char *const sysdig_files[] = {
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

/* Lanner type an event of this raw row converts to, and whether a record is
 * expected at this row (exits, and enters of events that have no exit). */
static int expect_record(const struct raw *x, int *type)
{
	const struct scap_ev_def *def = scap_ev_def(x->code);
	const struct lnr_evt_info *info;

	*type = def ? scap_lnr_type_by_name(def->name) : -1;
	if (*type < 0 || strcmp(def->name, "drop") == 0)
		return 0;
	info = lnr_evt_info((uint16_t)*type);
	if (x->code & 1)
		return 1;
	return info && info->scap_code_x == 0;
}

/*
 * Event by event against sysdig 0.29 (tests/capture/expected, made by
 * scripts/capture/gen_expected.sh): sysdig numbers the events it knows (codes
 * < 336) from 1 and hides procinfo events; evt.num N is our Nth such raw event.
 * Checked: direction, type, thread id, timestamp, cpu; and for every exit (or
 * exit-less event) of a type Lanner has, the converted record with the same
 * timestamp and thread, its type and return value (evt.rawres).
 */
static void check_against_sysdig(const char *name)
{
	char path[1024], line[1 << 16];
	struct scap_reader_stats st;
	struct run r = {0};
	size_t *num2raw, nn = 0, rows = 0, recs_expected = 0, hidden = 0;
	gzFile gz;

	snprintf(path, sizeof(path), "%s/%s.scap", SCAP_DIR, name);
	assert_int_equal(read_capture(path, &r, &st), 0);
	assert_int_equal(r.bad_record, 0);
	num2raw = calloc(r.nraw + 1, sizeof(*num2raw));
	assert_non_null(num2raw);
	for (size_t i = 0; i < r.nraw; i++)
		if (r.raw[i].code < SCAP_EV_CODES_2022)
			num2raw[++nn] = i;
	if (r.nrec)
		qsort(r.rec, r.nrec, sizeof(*r.rec), rec_cmp);

	snprintf(path, sizeof(path), "%s/%s.jsonl.gz", EXPECTED_DIR, name);
	gz = gzopen(path, "rb");
	assert_non_null(gz);
	while (gzgets(gz, line, sizeof(line))) {
		json_error_t jerr;
		json_t *o = json_loads(line, 0, &jerr);
		const struct raw *x;
		json_int_t num;
		const char *dir, *type;
		struct rec *rc;
		int t;

		assert_non_null(o);
		num = json_integer_value(json_object_get(o, "evt.num"));
		assert_true(num >= 1 && (size_t)num <= nn);
		x = &r.raw[num2raw[num]];
		dir = json_string_value(json_object_get(o, "evt.dir"));
		type = json_string_value(json_object_get(o, "evt.type"));
		assert_non_null(dir);
		assert_non_null(type);
		if (x->ts != (uint64_t)json_integer_value(json_object_get(o, "evt.rawtime")) ||
		    strcmp(type, x->name) != 0 || dir[0] != ((x->code & 1) ? '<' : '>') ||
		    x->tid != json_integer_value(json_object_get(o, "thread.tid")) ||
		    x->cpu != json_integer_value(json_object_get(o, "evt.cpu")))
			fail_msg("%s: evt.num %lld: sysdig says %s %s tid %lld ts %lld, we read %c "
				 "%s tid %" PRId64 " ts %" PRIu64,
				 name, (long long)num, dir, type,
				 (long long)json_integer_value(json_object_get(o, "thread.tid")),
				 (long long)json_integer_value(json_object_get(o, "evt.rawtime")),
				 (x->code & 1) ? '<' : '>', x->name, x->tid, x->ts);
		if (expect_record(x, &t)) {
			json_t *res = json_object_get(o, "evt.rawres");

			recs_expected++;
			rc = rec_find(&r, x->ts, x->tid);
			if (!rc)
				fail_msg("%s: evt.num %lld (%s): no converted record", name,
					 (long long)num, type);
			assert_int_equal(rc->type, t);
			assert_int_equal(rc->cpu, x->cpu);
			if (json_is_integer(res)) {
				if (!rc->has_res || rc->res != json_integer_value(res))
					fail_msg("%s: evt.num %lld (%s): res %lld, record %s%lld",
						 name, (long long)num, type,
						 (long long)json_integer_value(res),
						 rc->has_res ? "" : "absent ", (long long)rc->res);
			}
			rc->matched = 1;
		}
		rows++;
		json_decref(o);
	}
	gzclose(gz);
	/* Every record was matched but those of container events sysdig only
	 * applies to its state without showing them (those at ts 0 at the start
	 * of a capture, whose thread is 0): the enricher needs them. */
	for (size_t i = 0; i < r.nrec; i++) {
		if (r.rec[i].matched)
			continue;
		if (r.rec[i].type != LNR_EVT_CONTAINER)
			fail_msg("%s: record ts %" PRIu64 " tid %" PRId64
				 " type %u not in sysdig's "
				 "output",
				 name, r.rec[i].ts, r.rec[i].tid, r.rec[i].type);
		hidden++;
	}
	assert_int_equal(recs_expected + hidden, r.nrec);
	fprintf(stderr, "%s: %zu sysdig events, %zu records checked, %zu hidden container events\n",
		name, rows, recs_expected, hidden);
	free(num2raw);
	run_free(&r);
}

static void test_against_sysdig(void **state)
{
	for (size_t i = 0; i < sizeof(sysdig_files) / sizeof(sysdig_files[0]); i++)
		check_against_sysdig(sysdig_files[i]);
}

/*
 * Where sysdig 0.29 cannot serve. (1) libs-e2e_curl_google_comments.scap has
 * a section header with options, which sysdig refuses; it holds the same
 * events as libs-e2e_curl_google.scap (checked against sysdig above), so the
 * two raw streams must be identical; two records are checked by hand.
 * (2) libs-old_sample.scap carries 95 events with codes >= 336 that sysdig
 * drops: the inventory lists them as 61 PPME_GROUP_ADDED_E and 34
 * PPME_USER_ADDED_E.
 */
/* Records of the comments capture checked by hand against what sysdig prints for
 * the same events of libs-e2e_curl_google.scap (evt.num 211: execve of curl;
 * 1056/1057: connect of thread 17498 to nscd, its fd only in the enter). */
struct hand {
	int found_execve, found_connect;
};

static int hand_event(void *ctx, const void *buf, uint32_t len)
{
	struct hand *h = ctx;
	struct lnr_evt_view v;
	int64_t res, fd;

	assert_int_equal(lnr_evt_decode(buf, len, &v, NULL), 0);
	if (v.hdr->ts == 1534527348514632619ull) {
		assert_int_equal(v.hdr->type, LNR_EVT_EXECVE);
		assert_int_equal(v.hdr->tid, 17497);
		assert_int_equal(v.hdr->pid, 17497);
		assert_int_equal(lnr_evt_get_s64(&v, lnr_evt_param_index(v.info, "res"), &res), 0);
		assert_int_equal(res, 0);
		assert_string_equal(lnr_evt_get_str(&v, lnr_evt_param_index(v.info, "exe")),
				    "curl");
		assert_int_equal(v.plen[lnr_evt_param_index(v.info, "args")], 25);
		assert_memory_equal(v.pval[lnr_evt_param_index(v.info, "args")],
				    "-6\0http://www.google.com\0", 25);
		h->found_execve++;
	} else if (v.hdr->ts == 1534527348518937838ull) {
		assert_int_equal(v.hdr->type, LNR_EVT_CONNECT);
		assert_int_equal(v.hdr->tid, 17498);
		assert_int_equal(v.hdr->pid, 17497); /* learnt from the clone that made it */
		assert_int_equal(lnr_evt_get_s64(&v, lnr_evt_param_index(v.info, "res"), &res), 0);
		assert_int_equal(res, -2);
		assert_int_equal(lnr_evt_get_s64(&v, lnr_evt_param_index(v.info, "fd"), &fd), 0);
		assert_int_equal(fd, 4);
		h->found_connect++;
	}
	return 0;
}

static void hand_checked_comments(void)
{
	struct hand h = {0};
	struct scap_reader_cbs cbs = {.ctx = &h, .event = hand_event};
	struct scap_reader *r =
		scap_reader_open(SCAP_DIR "/libs-e2e_curl_google_comments.scap", &cbs);

	assert_non_null(r);
	assert_int_equal(scap_reader_run(r), 0);
	assert_int_equal(scap_reader_stats(r)->major, 1);
	assert_int_equal(scap_reader_stats(r)->minor, 0);
	scap_reader_free(r);
	assert_int_equal(h.found_execve, 1);
	assert_int_equal(h.found_connect, 1);
}

static void test_where_sysdig_cannot(void **state)
{
	struct scap_reader_stats st1, st2;
	struct run a = {0}, b = {0};
	size_t users = 0, groups = 0;

	assert_int_equal(read_capture(SCAP_DIR "/libs-e2e_curl_google.scap", &a, &st1), 0);
	assert_int_equal(read_capture(SCAP_DIR "/libs-e2e_curl_google_comments.scap", &b, &st2), 0);
	assert_int_equal(a.nraw, 1536);
	assert_int_equal(a.nraw, b.nraw);
	for (size_t i = 0; i < a.nraw; i++) {
		assert_int_equal(a.raw[i].ts, b.raw[i].ts);
		assert_int_equal(a.raw[i].tid, b.raw[i].tid);
		assert_int_equal(a.raw[i].code, b.raw[i].code);
	}
	assert_int_equal(a.nrec, b.nrec);
	assert_int_equal(st1.threads, st2.threads);
	hand_checked_comments();
	assert_int_equal(st1.fds, st2.fds);
	run_free(&a);
	run_free(&b);

	assert_int_equal(read_capture(SCAP_DIR "/libs-old_sample.scap", &a, &st1), 0);
	for (size_t i = 0; i < a.nraw; i++) {
		if (a.raw[i].code == 354) {
			assert_string_equal(a.raw[i].name, "useradded");
			users++;
		} else if (a.raw[i].code == 358) {
			assert_string_equal(a.raw[i].name, "groupadded");
			groups++;
		} else {
			assert_true(a.raw[i].code < SCAP_EV_CODES_2022);
		}
	}
	assert_int_equal(users, 34);
	assert_int_equal(groups, 61);
	assert_int_equal(st1.raw_events - st1.raw_events_2022, 95);
	run_free(&a);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_inventory_counts),
		cmocka_unit_test(test_large_capture),
		cmocka_unit_test(test_against_sysdig),
		cmocka_unit_test(test_where_sysdig_cannot),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
