/* test_event_sysdig.c: lnr_evt_format() against sysdig 0.29's own rendering of the conformance captures. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <cmocka.h>

#include <dirent.h>
#include <inttypes.h>
#include <jansson.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "event.h"
#include "scap_reader.h"
#include "test_env.h"

/*
 * tests/capture/expected/NAME.jsonl.gz holds what Debian's sysdig 0.29 prints
 * for each conformance capture, one row per scap event (enter and exit apart),
 * evt.args cut to 200 bytes. The capture reader turns the same file into
 * Lanner records (one per syscall, enter and exit parameters merged); for
 * every record we find sysdig's exit row (same time and thread) and its enter
 * row, split sysdig's "name=value " list with the parameter names the table
 * knows, and compare each value with ours.
 *
 * What sysdig resolves from its own state and Lanner's printer cannot (fd
 * names "3(<f>/etc/passwd)", pid comm, user names, relative paths made
 * absolute) is its "(...)" suffix: it is dropped when our value has none.
 * BYTEBUF is compared only when sysdig printed plain text (it writes '.' for
 * any other byte where Lanner escapes); ABSTIME is skipped (sysdig prints
 * local time).
 */

#define SCAP_DIR LANNER_CONFORMANCE_DIR "/scap"
#define EXPECTED_DIR LANNER_SOURCE_DIR "/tests/capture/expected"

struct row {
	uint64_t ts;
	int64_t tid;
	char dir;
	char type[32];
	char *args; /* owned */
};

struct run {
	struct row *rows;
	size_t nrows;
	/* Hash of exit rows by (ts, tid): open addressing over indexes + 1. */
	size_t *idx;
	size_t idxcap;
	unsigned compared, mismatched, records, matched;
	char line[1 << 16];
};

static size_t h(uint64_t ts, int64_t tid, size_t cap)
{
	uint64_t x = ts * 0x9e3779b97f4a7c15ull ^ (uint64_t)tid * 0xc2b2ae3d27d4eb4full;

	return (size_t)(x ^ (x >> 29)) & (cap - 1);
}

static int load_rows(const char *path, struct run *r)
{
	gzFile gz = gzopen(path, "rb");
	char buf[8192];
	size_t cap = 0;

	if (!gz)
		return -1;
	while (gzgets(gz, buf, sizeof(buf))) {
		json_error_t err;
		json_t *o = json_loads(buf, 0, &err);
		const char *dir, *type, *args;

		if (!o)
			continue;
		dir = json_string_value(json_object_get(o, "evt.dir"));
		type = json_string_value(json_object_get(o, "evt.type"));
		args = json_string_value(json_object_get(o, "evt.args"));
		if (dir && type && args) {
			struct row *w;

			if (r->nrows == cap) {
				cap = cap ? cap * 2 : 4096;
				r->rows = realloc(r->rows, cap * sizeof(*r->rows));
				assert_non_null(r->rows);
			}
			w = &r->rows[r->nrows++];
			w->ts = (uint64_t)json_integer_value(json_object_get(o, "evt.rawtime"));
			w->tid = json_integer_value(json_object_get(o, "thread.tid"));
			w->dir = dir[0];
			snprintf(w->type, sizeof(w->type), "%s", type);
			w->args = strdup(args);
			assert_non_null(w->args);
		}
		json_decref(o);
	}
	gzclose(gz);
	r->idxcap = 1;
	while (r->idxcap < r->nrows * 2 + 2)
		r->idxcap <<= 1;
	r->idx = calloc(r->idxcap, sizeof(*r->idx));
	assert_non_null(r->idx);
	for (size_t i = 0; i < r->nrows; i++) {
		size_t k = h(r->rows[i].ts, r->rows[i].tid, r->idxcap);

		if (r->rows[i].dir != '<')
			continue;
		while (r->idx[k])
			k = (k + 1) & (r->idxcap - 1);
		r->idx[k] = i + 1;
	}
	return 0;
}

static long find_exit(struct run *r, uint64_t ts, int64_t tid, const char *type)
{
	size_t k = h(ts, tid, r->idxcap);

	while (r->idx[k]) {
		struct row *w = &r->rows[r->idx[k] - 1];

		if (w->ts == ts && w->tid == tid && strcmp(w->type, type) == 0)
			return (long)(r->idx[k] - 1);
		k = (k + 1) & (r->idxcap - 1);
	}
	return -1;
}

/* Value of parameter name in sysdig's "a=1 b=2 " args, splitting at the
 * names of info only. Writes it (NUL-terminated) to out; 0 if absent. */
static int sysdig_value(const char *args, const struct lnr_evt_info *in, const char *name,
			char *out, size_t n)
{
	size_t nl = strlen(name);
	const char *p = args, *v = NULL, *end;

	for (; *p; p++) {
		if ((p == args || p[-1] == ' ') && strncmp(p, name, nl) == 0 && p[nl] == '=') {
			v = p + nl + 1;
			break;
		}
	}
	if (!v)
		return 0;
	/* The value ends at the next " known=" or at the final space. */
	end = v + strlen(v);
	for (const char *q = v; *q; q++) {
		if (*q != ' ')
			continue;
		for (unsigned i = 0; i < in->nparams; i++) {
			size_t kl = strlen(in->params[i].name);

			if (strncmp(q + 1, in->params[i].name, kl) == 0 && q[1 + kl] == '=') {
				end = q;
				goto found;
			}
		}
	}
found:
	if (end > v && end[-1] == ' ' && !*end)
		end--;
	if ((size_t)(end - v) >= n)
		return 0;
	memcpy(out, v, (size_t)(end - v));
	out[end - v] = '\0';
	return 1;
}

/* Our value of parameter name in our own line (names are unique, we never
 * print spaces except inside strings, so split the same way). */
static int our_value(const char *line, const struct lnr_evt_info *in, const char *name, char *out,
		     size_t n)
{
	const char *sp = line;

	/* Skip "TS CPU TID PID TYPE". */
	for (int k = 0; k < 5 && sp; k++) {
		sp = strchr(sp, ' ');
		if (sp)
			sp++;
	}
	return sp ? sysdig_value(sp, in, name, out, n) : 0;
}

static int plain_text(const char *s)
{
	for (; *s; s++)
		if ((unsigned char)*s < 0x20 || (unsigned char)*s >= 0x7f || *s == '.' ||
		    *s == '\\')
			return 0;
	return 1;
}

static void compare(struct run *r, const struct lnr_evt_view *v, const struct row *w)
{
	const struct lnr_evt_info *in = v->info;

	/* sysdig cut evt.args at 200 bytes: only whole lists are trusted. */
	if (strlen(w->args) >= 199)
		return;
	for (unsigned i = 0; i < in->nparams; i++) {
		const struct lnr_param_info *pi = &in->params[i];
		char theirs[4096], ours[4096];
		size_t tl, ol;

		if (v->plen[i] == 0 || pi->type == LNR_PT_ABSTIME)
			continue;
		if (!sysdig_value(w->args, in, pi->name, theirs, sizeof(theirs)) ||
		    !our_value(r->line, in, pi->name, ours, sizeof(ours)))
			continue;
		if (strcmp(theirs, "NULL") == 0)
			continue;
		if ((pi->type == LNR_PT_BYTEBUF || pi->type == LNR_PT_CHARBUF) &&
		    (!plain_text(theirs) || v->pflags[i]))
			continue;
		tl = strlen(theirs);
		ol = strlen(ours);
		/* Drop sysdig's state-based resolution "(...)" when ours has none. */
		if (tl && theirs[tl - 1] == ')' && !(ol && ours[ol - 1] == ')')) {
			char *o = strchr(theirs, '(');

			if (o)
				*o = '\0';
		}
		r->compared++;
		if (strcmp(theirs, ours) != 0) {
			r->mismatched++;
			if (r->mismatched <= 200)
				fprintf(stderr, "  %s %s: sysdig '%s' lanner '%s'\n", in->name,
					pi->name, theirs, ours);
		}
	}
}

static int on_event(void *ctx, const void *rec, uint32_t len)
{
	struct run *r = ctx;
	struct lnr_evt_view v;
	long x;

	assert_int_equal(lnr_evt_decode(rec, len, &v, NULL), 0);
	r->records++;
	lnr_evt_format(&v, r->line, sizeof(r->line));
	x = find_exit(r, v.hdr->ts, v.hdr->tid, v.info->name);
	if (x < 0)
		return 0;
	r->matched++;
	compare(r, &v, &r->rows[x]);
	/* The enter row: the same thread's previous row, if it is this syscall's. */
	for (long k = x - 1; k >= 0 && k >= x - 2000; k--) {
		const struct row *w = &r->rows[k];

		if (w->tid != v.hdr->tid)
			continue;
		if (w->dir == '>' && strcmp(w->type, v.info->name) == 0)
			compare(r, &v, w);
		break;
	}
	return 0;
}

static void test_against_sysdig(void **state)
{
	DIR *d = opendir(EXPECTED_DIR);
	struct dirent *de;
	unsigned total_compared = 0, total_mismatched = 0, files = 0;
	static struct run r;

	(void)state;
	assert_non_null(d);
	while ((de = readdir(d)) != NULL) {
		char exp[4096], scap[4096];
		size_t l = strlen(de->d_name);
		struct scap_reader_cbs cbs = {.ctx = &r, .event = on_event};
		struct scap_reader *rd;

		if (l < 10 || strcmp(de->d_name + l - 9, ".jsonl.gz") != 0)
			continue;
		snprintf(exp, sizeof(exp), "%s/%s", EXPECTED_DIR, de->d_name);
		snprintf(scap, sizeof(scap), "%s/%.*s.scap", SCAP_DIR, (int)(l - 9), de->d_name);
		memset(&r, 0, sizeof(r));
		assert_int_equal(load_rows(exp, &r), 0);
		rd = scap_reader_open(scap, &cbs);
		assert_non_null(rd);
		(void)scap_reader_run(rd); /* some captures end truncated: what was read counts */
		scap_reader_free(rd);
		fprintf(stderr,
			"%s: %u records, %u matched sysdig rows, %u values compared, %u differ\n",
			de->d_name, r.records, r.matched, r.compared, r.mismatched);
		total_compared += r.compared;
		total_mismatched += r.mismatched;
		files++;
		for (size_t i = 0; i < r.nrows; i++)
			free(r.rows[i].args);
		free(r.rows);
		free(r.idx);
	}
	closedir(d);
	fprintf(stderr, "total: %u files, %u values compared, %u differ\n", files, total_compared,
		total_mismatched);
	assert_true(files >= 10);
	assert_true(total_compared >= 1000);
	assert_int_equal(total_mismatched, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_against_sysdig),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
