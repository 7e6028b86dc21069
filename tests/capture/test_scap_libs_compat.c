/* test_scap_libs_compat.c: every scap event the writer emits, checked against current libs' tables. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cmocka.h>
#include <jansson.h>

#include "event.h"
#include "scap_evtab.h"
#include "scap_reader.h"
#include "scap_writer.h"
#include "test_env.h"

/*
 * What current Falco (libs @48dfd53c, the conformance event_table_summary.json) does with
 * an event it reads from a capture (facts from libs userspace/libscap/engine/savefile/
 * converter/converter.cpp, no code taken):
 * - an event whose code the table flags EF_CONVERTER_MANAGED goes through the scap-file
 *   converter when it is an enter event (always), or an exit event that is an
 *   EF_OLD_VERSION or whose parameter count differs from the table's;
 * - the converter looks up (code, parameter count) in its table; a pair it has no rule
 *   for is an error ("Event 'C' has 'N' parameters, but we don't handle it in the
 *   table") and the capture stops being read there;
 * - an event with more parameters than the table's count is a bug (libscap asserts);
 * - a converted event whose new count still differs from the table's is converted again
 *   (a chain: (C, 1) -> (C, 4) -> (C, 5)).
 * libs_conversion_keys.txt lists the (code, count) pairs the converter has rules for (from
 * libs' converter table), with the count each ADD_PARAMS rule produces.
 * The writer must therefore emit, for every event type, codes current libs name the same,
 * no more parameters than their table, and only layouts that are either the current one
 * or one the converter takes.
 */

#define TID_BASE 100000
#define TID_CHILD 200000
#define MAX_MSG (64 * 1024)

struct cur_ev {
	char ppme[64];
	char name[40];
	int known, nparams, cm, old;
};

static struct cur_ev cur[SCAP_EV_CODES];
/* rule[code][n]: 0 none, 1 a converter rule, 2 reached through a chain of ADD_PARAMS rules. */
static uint8_t rule[SCAP_EV_CODES][LNR_EVT_MAX_PARAMS + 1];
static const char *keys_path;

struct report {
	char msg[MAX_MSG];
	size_t n;
	unsigned mismatches, known_gaps, events;
	unsigned seen[LNR_EVT_MAX];
	struct {
		uint64_t ts;
		int64_t tid;
		uint16_t code;
	} ev[1024];
	unsigned nev;
};

static void say(struct report *r, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
static void say(struct report *r, const char *fmt, ...)
{
	va_list ap;

	if (r->n >= sizeof(r->msg) - 1)
		return;
	va_start(ap, fmt);
	int k = vsnprintf(r->msg + r->n, sizeof(r->msg) - r->n, fmt, ap);
	va_end(ap);
	if (k > 0)
		r->n += (size_t)k < sizeof(r->msg) - r->n ? (size_t)k : sizeof(r->msg) - r->n - 1;
}

static int code_by_ppme(const char *ppme)
{
	for (unsigned c = 0; c < SCAP_EV_CODES; c++)
		if (cur[c].known && strcmp(cur[c].ppme, ppme) == 0)
			return (int)c;
	return -1;
}

static void load_summary(void)
{
	char path[4096];
	json_error_t err;
	json_t *root = json_load_file(
		lnr_test_conformance("event_table_summary.json", path, sizeof(path)), 0, &err);
	json_t *evs, *v;
	const char *k;

	if (!root)
		fail_msg("%s:%d: %s", path, err.line, err.text);
	evs = json_object_get(root, "events");
	assert_non_null(evs);
	json_object_foreach(evs, k, v)
	{
		json_int_t code = json_integer_value(json_object_get(v, "code"));
		const char *name = json_string_value(json_object_get(v, "name"));
		const char *flags = json_string_value(json_object_get(v, "flags"));

		assert_true(code >= 0 && code < (json_int_t)SCAP_EV_CODES);
		assert_non_null(name);
		snprintf(cur[code].ppme, sizeof(cur[code].ppme), "%s", k);
		snprintf(cur[code].name, sizeof(cur[code].name), "%s", name);
		cur[code].nparams = (int)json_integer_value(json_object_get(v, "nparams"));
		cur[code].cm = flags && strstr(flags, "EF_CONVERTER_MANAGED") != NULL;
		cur[code].old = flags && strstr(flags, "EF_OLD_VERSION") != NULL;
		cur[code].known = 1;
	}
	json_decref(root);
}

/* Lines "PPME_NAME N" or "PPME_NAME N -> M" (an ADD_PARAMS rule giving M parameters). */
static void load_keys(void)
{
	FILE *f = fopen(keys_path, "r");
	char line[256];
	unsigned lineno = 0, nkeys = 0;
	int changed = 1;
	uint8_t to[SCAP_EV_CODES][LNR_EVT_MAX_PARAMS + 1];

	if (!f)
		fail_msg("%s: %s", keys_path, strerror(errno));
	memset(to, 0, sizeof(to));
	while (fgets(line, sizeof(line), f)) {
		char ppme[64];
		int n, m = -1, code, got;

		lineno++;
		if (line[0] == '#' || line[strspn(line, " \t\r\n")] == 0)
			continue;
		got = sscanf(line, "%63s %d -> %d", ppme, &n, &m);
		if (got < 2 || n < 0 || n > (int)LNR_EVT_MAX_PARAMS || m > (int)LNR_EVT_MAX_PARAMS)
			fail_msg("%s:%u: bad line", keys_path, lineno);
		code = code_by_ppme(ppme);
		if (code < 0)
			fail_msg("%s:%u: %s is not in current libs' table", keys_path, lineno,
				 ppme);
		rule[code][n] = 1;
		if (got == 3 && m >= 0)
			to[code][n] = (uint8_t)m;
		nkeys++;
	}
	fclose(f);
	assert_true(nkeys > 100);
	/* A rule's result that is not yet the table's count is converted again: libs must
	 * have a rule for it too, or its own old captures would not read. */
	while (changed) {
		changed = 0;
		for (unsigned c = 0; c < SCAP_EV_CODES; c++)
			for (unsigned n = 0; n <= LNR_EVT_MAX_PARAMS; n++) {
				unsigned m = to[c][n];

				if (rule[c][n] && m && (int)m < cur[c].nparams && !rule[c][m]) {
					rule[c][m] = 2;
					changed = 1;
				}
			}
	}
}

/* A value of the parameter's type, distinct per parameter index, so every parameter is
 * present and a value written at the wrong index shows. Integers: 16 + 3 * i (fits every
 * width), or res; strings "/tmp/pI"; byte buffers "aI\0b\0"; addresses with port 1000 + i. */
static size_t make_value(const struct lnr_param_info *p, unsigned i, int64_t res, uint8_t *buf,
			 size_t cap, int64_t *num)
{
	static const uint8_t lo[4] = {127, 0, 0, 1}, dst[4] = {10, 1, 2, 3};

	*num = strcmp(p->name, "res") == 0 ? res : 16 + 3 * (int64_t)i;
	switch (p->type) {
	case LNR_PT_CHARBUF:
	case LNR_PT_FSPATH:
	case LNR_PT_FSRELPATH:
		if (strcmp(p->name, "json") == 0) /* the container event: readers parse it */
			return (size_t)snprintf((char *)buf, cap,
						"{\"container\":{\"id\":\"0123456789ab\","
						"\"type\":0,\"name\":\"c%u\",\"image\":\"i\"}}",
						i) +
			       1;
		return (size_t)snprintf((char *)buf, cap, "/tmp/p%u", i) + 1;
	case LNR_PT_BYTEBUF:
	case LNR_PT_CHARBUFARRAY:
		return (size_t)snprintf((char *)buf, cap, "a%u%cb", i, 0) + 1;
	case LNR_PT_SOCKADDR:
		return lnr_sockaddr_encode_in4(buf, cap, dst, (uint16_t)(1000 + i));
	case LNR_PT_SOCKTUPLE:
		return lnr_socktuple_encode_in4(buf, cap, lo, 40000, dst, (uint16_t)(1000 + i));
	case LNR_PT_DYN:
		memset(buf, 0, 9);
		buf[1] = (uint8_t)(16 + 3 * i);
		return 9;
	case LNR_PT_FDLIST:
		memset(buf, 0, 2);
		return 2;
	case LNR_PT_IPV6ADDR:
	case LNR_PT_IPV4NET:
	case LNR_PT_IPV6NET:
	case LNR_PT_DOUBLE:
		memset(buf, 0, lnr_ptype_size(p->type));
		return lnr_ptype_size(p->type);
	default:
		return 0; /* an integer (*num), or absent when the type has no fixed size */
	}
}

static int is_int(enum lnr_ptype t)
{
	return lnr_ptype_size(t) && lnr_ptype_size(t) <= 8 && t != LNR_PT_IPV4NET &&
	       t != LNR_PT_DOUBLE;
}

static void put_value(struct lnr_evt_builder *b, const struct lnr_param_info *p, unsigned i,
		      int64_t res)
{
	uint8_t buf[128];
	int64_t num;
	size_t n = make_value(p, i, res, buf, sizeof(buf), &num);

	if (n &&
	    (p->type == LNR_PT_CHARBUF || p->type == LNR_PT_FSPATH || p->type == LNR_PT_FSRELPATH))
		lnr_evb_str(b, (const char *)buf, 0);
	else if (n)
		lnr_evb_bytes(b, buf, n, 0);
	else if (is_int(p->type))
		lnr_evb_s64(b, num);
	else
		lnr_evb_absent(b);
}

static int writes_scap(const struct lnr_evt_info *info)
{
	return info && (info->scap_code_e || info->scap_code_x);
}

static int is_clone(uint16_t t)
{
	return t == LNR_EVT_CLONE || t == LNR_EVT_CLONE3 || t == LNR_EVT_FORK || t == LNR_EVT_VFORK;
}

static void write_one(struct scap_writer *w, uint16_t t, int64_t tid, int64_t res)
{
	const struct lnr_evt_info *info = lnr_evt_info(t);
	static uint64_t rec[16384];
	struct lnr_evt_builder b;
	int len;

	assert_int_equal(lnr_evb_init(&b, rec, sizeof(rec), t, 1700000000000000000ull + (uint64_t)t,
				      tid, tid),
			 0);
	for (unsigned i = 0; i < info->nparams; i++)
		put_value(&b, &info->params[i], i, res);
	len = lnr_evb_finish(&b);
	if (len <= 0)
		fail_msg("building a %s record: %d", info->name, len);
	assert_int_equal(scap_writer_event(w, rec, (uint32_t)len), 0);
}

/* Where current libs and the layout we write disagree in a known, documented way
 * (docs/capture.md "Current Falco"): the parameter appended to these two codes after the
 * newest table available here (its name and type are unknown, see docs/event.md); the
 * converter's chain takes the written count to the current one. */
static int known_gap(uint16_t code, uint32_t n)
{
	return (strcmp(cur[code].ppme, "PPME_SOCKET_SOCKET_X") == 0 && n == 4) ||
	       (strcmp(cur[code].ppme, "PPME_SYSCALL_FCNTL_X") == 0 && n == 3);
}

/* The parameter type of index i in the layout the writer uses for this code. */
static int written_type(const struct lnr_evt_info *info, uint16_t code, unsigned i,
			const char **name)
{
	const struct scap_ev_def *d = code < SCAP_EV_CODES_2022 ? scap_ev_def(code) : NULL;

	if (d && !(d->flags & SCAP_EVF_NOPARAMS) && i < d->nparams && i < SCAP_EV_DEF_PARAMS) {
		*name = d->params[i].name;
		return d->params[i].type;
	}
	if ((code == info->scap_code_x || (info->scap_code_x == 0 && code == info->scap_code_e)) &&
	    i < info->nparams) {
		*name = info->params[i].name;
		return info->params[i].type;
	}
	*name = "?";
	return -1;
}

static void check_param(struct report *r, const char *where, const struct scap_raw_evt *e,
			unsigned i, int type, const char *pname)
{
	size_t fixed;

	if (type < 0) {
		say(r, "%s: parameter %u has no type in the layout we mean to write\n", where, i);
		r->mismatches++;
		return;
	}
	fixed = lnr_ptype_size((enum lnr_ptype)type);
	if (fixed && e->plen[i] != fixed) {
		say(r, "%s: parameter %u (%s, %s) is %u bytes, its type has %zu\n", where, i, pname,
		    lnr_ptype_name((enum lnr_ptype)type), e->plen[i], fixed);
		r->mismatches++;
	}
	if ((type == LNR_PT_CHARBUF || type == LNR_PT_FSPATH || type == LNR_PT_FSRELPATH) &&
	    (e->plen[i] == 0 || e->pval[i][e->plen[i] - 1] != 0)) {
		say(r, "%s: parameter %u (%s, %s) is not a NUL-terminated string\n", where, i,
		    pname, lnr_ptype_name((enum lnr_ptype)type));
		r->mismatches++;
	}
}

static int64_t res_of(uint16_t t)
{
	return is_clone(t) ? 4242 : 0;
}

/* Parameter i of an event in Lanner's own layout must be the record's parameter i. */
static void check_value(struct report *r, const char *where, const struct scap_raw_evt *e,
			const struct lnr_evt_info *info, unsigned i, int type, int64_t res)
{
	const struct lnr_param_info *p = &info->params[i];
	uint8_t buf[128];
	int64_t num;
	size_t n = make_value(p, i, res, buf, sizeof(buf), &num);
	int same;

	if (type >= 0 && lnr_ptype_size((enum lnr_ptype)type) != lnr_ptype_size(p->type)) {
		say(r, "%s: parameter %u is %s wide, current libs read %s (%s)\n", where, i,
		    lnr_ptype_name((enum lnr_ptype)type), p->name, lnr_ptype_name(p->type));
		r->mismatches++;
		return;
	}
	if (n) {
		same = e->plen[i] == n && memcmp(e->pval[i], buf, n) == 0;
	} else if (is_int(p->type)) {
		uint64_t u = 0, want = (uint64_t)num;
		size_t w = e->plen[i] < 8 ? e->plen[i] : 8;

		memcpy(&u, e->pval[i], w);
		if (w < 8)
			want &= (1ull << (w * 8)) - 1;
		same = u == want;
	} else {
		same = 1; /* absent in the record: nothing to compare */
	}
	if (!same) {
		say(r,
		    "%s: parameter %u does not hold the record's %s, which current libs read "
		    "there\n",
		    where, i, p->name);
		r->mismatches++;
	}
}

static int on_raw(void *ctx, const struct scap_raw_evt *e)
{
	struct report *r = ctx;
	int64_t base = e->tid >= TID_CHILD ? TID_CHILD : TID_BASE;
	uint16_t t = (uint16_t)(e->tid - base), code = e->code;
	const struct lnr_evt_info *info = lnr_evt_info(t);
	int enter = (code & 1) == 0, accepted;
	char where[160];

	r->events++;
	if (r->nev < sizeof(r->ev) / sizeof(r->ev[0])) {
		r->ev[r->nev].ts = e->ts;
		r->ev[r->nev].tid = e->tid;
		r->ev[r->nev++].code = code;
	}
	if (!info || e->tid < TID_BASE) {
		say(r, "event code %u of unknown thread %lld\n", code, (long long)e->tid);
		r->mismatches++;
		return 0;
	}
	snprintf(where, sizeof(where), "%s (Lanner type %u) %s code %u %s, %u params", info->name,
		 t, e->tid >= TID_CHILD ? "child" : "", code,
		 code < SCAP_EV_CODES && cur[code].known ? cur[code].ppme : "?", e->nparams);
	if (!enter || info->scap_code_x == 0)
		r->seen[t]++;
	if (code >= SCAP_EV_CODES || !cur[code].known) {
		say(r, "%s: code not in current libs' table\n", where);
		r->mismatches++;
		return 0;
	}
	/* 1. Same event: current libs name the code as we mean it. */
	if (strcmp(cur[code].name, info->name) != 0) {
		say(r, "%s: current libs name this code \"%s\"\n", where, cur[code].name);
		r->mismatches++;
	}
	if (info->scap_code_x == 0 && !enter) {
		say(r, "%s: an exit code for an event libs has only as enter\n", where);
		r->mismatches++;
	}
	/* 2. Never more parameters than the table. */
	if ((int)e->nparams > cur[code].nparams) {
		say(r, "%s: more than current libs' %d parameters\n", where, cur[code].nparams);
		r->mismatches++;
	}
	/* 3. A layout current libs read: the current one, or one the converter takes. */
	if (cur[code].cm) {
		if (!enter && !cur[code].old && (int)e->nparams == cur[code].nparams)
			accepted = 1;
		else
			accepted = e->nparams <= LNR_EVT_MAX_PARAMS && rule[code][e->nparams];
	} else {
		accepted = (int)e->nparams == cur[code].nparams;
	}
	if (!accepted) {
		say(r, "%s: current libs (%d params, %s) %s\n", where, cur[code].nparams,
		    cur[code].cm ? "converter-managed" : "not converted",
		    cur[code].cm ? "have no conversion rule for this count"
				 : "read the table's count only");
		r->mismatches++;
	} else if (cur[code].cm && !enter && (int)e->nparams != cur[code].nparams &&
		   known_gap(code, e->nparams)) {
		/* Accepted through the converter's chain; counted so the test notices a fix. */
		r->known_gaps++;
	}
	/* 4. Each parameter of the type the layout says; and where the code is Lanner's own
	 * (current libs read it as Lanner's layout), parameter i holds Lanner's i-th value. */
	for (unsigned i = 0; i < e->nparams && i < SCAP_MAX_PARAMS; i++) {
		const char *pname;
		int type = written_type(info, code, i, &pname);
		int own = (code == info->scap_code_x && !enter) ||
			  (info->scap_code_x == 0 && code == info->scap_code_e);

		check_param(r, where, e, i, type, pname);
		if (own && i < info->nparams)
			check_value(r, where, e, info, i, type,
				    e->tid >= TID_CHILD ? 0 : res_of(t));
	}
	return 0;
}

/* Write one record of every type (and the child side of each clone) to path, then
 * read the file back through on_raw into r. */
static unsigned write_every_type(const char *path, struct report *r)
{
	struct scap_writer *w = scap_writer_open(path, 0, "lanner-test");
	struct scap_reader *rd;
	struct scap_reader_cbs cbs = {.ctx = r, .raw = on_raw};
	unsigned types = 0;
	int rc;

	assert_non_null(w);
	for (uint16_t t = 0; t < LNR_EVT_MAX; t++) {
		if (!writes_scap(lnr_evt_info(t)))
			continue;
		types++;
		write_one(w, t, TID_BASE + t, res_of(t));
		if (is_clone(t))
			write_one(w, t, TID_CHILD + t, 0); /* the child's side: exit only */
	}
	assert_int_equal(scap_writer_close(w), 0);
	rd = scap_reader_open(path, &cbs);
	assert_non_null(rd);
	rc = scap_reader_run(rd);
	if (rc)
		fail_msg("reading back: %s", scap_reader_error(rd));
	scap_reader_free(rd);
	return types;
}

static void tmp_path(char *path, size_t n, const char *what)
{
	snprintf(path, n, "%s/lanner-libs-compat-%s-%d.scap",
		 getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp", what, (int)getpid());
}

static void test_every_type(void **state)
{
	char path[512];
	struct report *r = calloc(1, sizeof(*r));
	unsigned types;

	(void)state;
	assert_non_null(r);
	tmp_path(path, sizeof(path), "libs");
	types = write_every_type(path, r);
	unlink(path);

	for (uint16_t t = 0; t < LNR_EVT_MAX; t++)
		if (writes_scap(lnr_evt_info(t)) && r->seen[t] == 0) {
			say(r, "%s (Lanner type %u): the writer wrote no event for it\n",
			    lnr_evt_info(t)->name, t);
			r->mismatches++;
		}
	print_message("%u Lanner types, %u scap events written; %u mismatches with current "
		      "libs, %u events on the documented gap (socket, fcntl: one parameter "
		      "appended after our newest table; converted by libs)\n",
		      types, r->events, r->mismatches, r->known_gaps);
	if (r->mismatches)
		fail_msg("against libs @48dfd53c's event table:\n%s", r->msg);
	/* socket's and fcntl's exits: if this changes, the gap was closed (or moved): update
	 * known_gap() and docs/capture.md. */
	assert_int_equal(r->known_gaps, 2);
	free(r);
}

/* Events sysdig 0.29 reads but does not show: drop events (it counts them). */
static int hidden_by_sysdig(uint16_t code)
{
	return strcmp(scap_ev_def(code)->name, "drop") == 0;
}

/* sysdig 0.29 reads the same file: it exits 0, prints nothing else, and shows every
 * event of a code it knows (< 336) with its direction and name, in order; except drop
 * events, which it does not show. */
static void test_sysdig_reads_every_type(void **state)
{
	char path[512], cmd[1024], line[4096];
	struct report *r = calloc(1, sizeof(*r));
	unsigned want = 0, k = 0, shown = 0;
	FILE *p;

	(void)state;
	assert_non_null(r);
	if (system("command -v sysdig >/dev/null 2>&1") != 0) {
		free(r);
		if (lnr_test_in_ci())
			fail_msg("sysdig missing: scripts/deps.sh test installs it");
		fprintf(stderr, "\n*** test_sysdig_reads_every_type: SKIPPED: no sysdig in "
				"PATH ***\n\n");
		skip();
	}
	tmp_path(path, sizeof(path), "sysdig");
	write_every_type(path, r);
	assert_true(r->nev < sizeof(r->ev) / sizeof(r->ev[0]));
	snprintf(cmd, sizeof(cmd),
		 "sysdig -r '%s' -p '%%evt.dir %%evt.type %%thread.tid %%evt.rawtime' 2>&1", path);
	p = popen(cmd, "r");
	assert_non_null(p);
	while (fgets(line, sizeof(line), p)) {
		char dir, type[64];
		long long tid;
		unsigned long long ts;

		if (sscanf(line, "%c %63s %lld %llu", &dir, type, &tid, &ts) != 4)
			fail_msg("sysdig -r: unexpected output: %s", line);
		/* Our next event sysdig knows and shows. */
		while (k < r->nev &&
		       (r->ev[k].code >= SCAP_EV_CODES_2022 || hidden_by_sysdig(r->ev[k].code)))
			k++;
		if (k == r->nev)
			fail_msg("sysdig shows more events than we wrote: %s", line);
		{
			uint16_t code = r->ev[k].code;
			const char *name = scap_ev_def(code)->name;

			if (dir != ((code & 1) ? '<' : '>') ||
			    (uint64_t)tid != (uint64_t)r->ev[k].tid || ts != r->ev[k].ts ||
			    (strcmp(name, "syscall") != 0 && strcmp(name, type)))
				fail_msg("sysdig's event %u is \"%c %s %lld %llu\", we wrote code "
					 "%u "
					 "(%s) of thread %lld at %llu",
					 shown + 1, dir, type, tid, ts, code, name,
					 (long long)r->ev[k].tid, (unsigned long long)r->ev[k].ts);
		}
		k++;
		shown++;
	}
	assert_int_equal(pclose(p), 0);
	for (unsigned i = 0; i < r->nev; i++)
		if (r->ev[i].code < SCAP_EV_CODES_2022 && !hidden_by_sysdig(r->ev[i].code))
			want++;
	print_message("sysdig 0.29 shows %u of our %u events of codes it knows\n", shown, want);
	assert_int_equal(shown, want);
	assert_true(shown > 150);
	unlink(path);
	free(r);
}

/* The checker itself: a layout current libs do not take must be reported. */
static void test_checker_fails(void **state)
{
	struct report *r = calloc(1, sizeof(*r));
	struct scap_raw_evt e = {0};
	static const uint8_t v8[8];
	int sock_x = code_by_ppme("PPME_SOCKET_SOCKET_X");
	int open_x = code_by_ppme("PPME_SYSCALL_OPEN_X");

	(void)state;
	assert_non_null(r);
	assert_true(sock_x > 0 && open_x > 0);
	/* socket's exit with 2 parameters: no rule in any libs. */
	e.tid = TID_BASE + LNR_EVT_SOCKET;
	e.code = (uint16_t)sock_x;
	e.nparams = 2;
	e.pval[0] = e.pval[1] = v8;
	e.plen[0] = e.plen[1] = 8;
	on_raw(r, &e);
	assert_true(r->mismatches >= 1);
	assert_non_null(strstr(r->msg, "no conversion rule"));
	/* open's exit on an openat record: named differently by libs. */
	memset(r, 0, sizeof(*r));
	e.tid = TID_BASE + LNR_EVT_OPENAT;
	e.code = (uint16_t)open_x;
	e.nparams = 1;
	on_raw(r, &e);
	assert_non_null(strstr(r->msg, "current libs name this code \"open\""));
	/* More parameters than the table. */
	memset(r, 0, sizeof(*r));
	e.tid = TID_BASE + LNR_EVT_OPEN;
	e.nparams = (uint32_t)cur[open_x].nparams + 1;
	for (unsigned i = 0; i < e.nparams; i++) {
		e.pval[i] = v8;
		e.plen[i] = 8;
	}
	on_raw(r, &e);
	assert_non_null(strstr(r->msg, "more than current libs'"));
	free(r);
}

static int setup(void **state)
{
	(void)state;
	load_summary();
	load_keys();
	return 0;
}

int main(int argc, char **argv)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_every_type),
		cmocka_unit_test(test_checker_fails),
		cmocka_unit_test(test_sysdig_reads_every_type),
	};

	keys_path =
		argc > 1 ? argv[1] : LANNER_SOURCE_DIR "/tests/capture/libs_conversion_keys.txt";
	return cmocka_run_group_tests(tests, setup, NULL);
}
