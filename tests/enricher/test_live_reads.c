/* test_live_reads.c: what the live enricher reads from /proc on the event path, and the
 * cost-cut helpers of field extraction (same values as before the cut). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "event.h"
#include "extract.h"
#include "ppm.h"
#include "state.h"
#include "threads.h"

static uint8_t evbuf[65536];

/* A clone event with res, ptid, comm and flags 0 (other parameters absent). */
static void clone_ev(struct lnr_evt_view *v, int64_t tid, int64_t res, int64_t ptid,
		     const char *comm)
{
	const struct lnr_evt_info *info = lnr_evt_info(LNR_EVT_CLONE);
	struct lnr_evt_builder b;
	int len;

	assert_non_null(info);
	assert_int_equal(lnr_evb_init(&b, evbuf, sizeof(evbuf), LNR_EVT_CLONE, 1000, tid, tid), 0);
	for (unsigned i = 0; i < info->nparams; i++) {
		const char *n = info->params[i].name;

		if (!strcmp(n, "res"))
			lnr_evb_s64(&b, res);
		else if (!strcmp(n, "ptid"))
			lnr_evb_s64(&b, ptid);
		else if (!strcmp(n, "comm"))
			lnr_evb_str(&b, comm, 0);
		else if (!strcmp(n, "flags"))
			lnr_evb_u64(&b, 0);
		else
			lnr_evb_absent(&b);
	}
	len = lnr_evb_finish(&b);
	assert_true(len > 0);
	assert_int_equal(lnr_evt_decode(evbuf, (size_t)len, v, NULL), 0);
}

/*
 * Live: a fork's child-side return whose parent is known builds the child from
 * the parent, without reading /proc (the child here is this test process, so a
 * /proc read would succeed and show: thread_from_proc, and our own comm).
 */
static void test_clone_child_no_proc_read(void **state)
{
	struct st_opts o = {.live = 1, .proc_dir = "/proc"};
	struct st_state *s = st_new(&o);
	struct thread_table *t;
	struct enr_thread *parent;
	struct lnr_evt_view v;
	struct st_ctx c;
	struct st_stats ss;
	int64_t me = getpid();

	assert_non_null(s);
	t = st_threads(s);
	parent = thr_add(t, 4000001, 4000001, 1);
	assert_non_null(parent);
	strcpy(parent->proc->comm, "parentcomm");
	enr_str_set(&parent->proc->cwd, "/srv/", 0);
	clone_ev(&v, me, 0, 4000001, "kidcomm");
	assert_int_equal(st_apply(s, &v, &c), 0);
	assert_non_null(c.thread);
	assert_int_equal(c.thread->tid, me);
	assert_string_equal(c.proc->comm, "kidcomm");
	assert_int_equal(c.proc->ppid, 4000001);
	assert_string_equal(c.proc->cwd, "/srv/"); /* copied from the parent */
	st_finish(s, &c);
	st_get_stats(s, &ss);
	assert_int_equal(ss.thread_from_proc, 0);

	/* the parent unknown: the child is read from /proc (it exists: us) */
	st_free(s);
	s = st_new(&o);
	assert_non_null(s);
	clone_ev(&v, me, 0, 4000002, "kidcomm");
	assert_int_equal(st_apply(s, &v, &c), 0);
	assert_non_null(c.thread);
	st_finish(s, &c);
	st_get_stats(s, &ss);
	assert_int_equal(ss.thread_from_proc, 1);
	st_free(s);
}

/* thread.cap_* text: every name in order, one space apart; cut at a whole name. */
static void test_caps_str(void **state)
{
	char out[1024], small[24];
	size_t n;

	n = ext_caps_str(0, out, sizeof(out));
	assert_int_equal(n, 0);
	assert_string_equal(out, "");
	n = ext_caps_str((1ULL << 0) | (1ULL << 21) | (1ULL << 40), out, sizeof(out));
	assert_string_equal(out, "CAP_CHOWN CAP_SYS_ADMIN CAP_CHECKPOINT_RESTORE");
	assert_int_equal(n, strlen(out));
	n = ext_caps_str(~0ULL, out, sizeof(out));
	assert_int_equal(n, strlen(out));
	assert_true(strncmp(out, "CAP_CHOWN CAP_DAC_OVERRIDE CAP_DAC_READ_SEARCH ", 47) == 0);
	assert_non_null(strstr(out, " CAP_BPF CAP_CHECKPOINT_RESTORE"));
	assert_int_equal(out[n - 1], 'E');
	/* 23 bytes of room: "CAP_CHOWN" fits, " CAP_DAC_OVERRIDE" (17) does not */
	n = ext_caps_str(3, small, sizeof(small));
	assert_string_equal(small, "CAP_CHOWN");
	assert_int_equal(n, 9);
	n = ext_caps_str(3, small, 10); /* exactly "CAP_CHOWN" + NUL */
	assert_string_equal(small, "CAP_CHOWN");
	n = ext_caps_str(1, small, 9); /* no room for the first name */
	assert_string_equal(small, "");
	assert_int_equal(n, 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_clone_child_no_proc_read),
		cmocka_unit_test(test_caps_str),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
