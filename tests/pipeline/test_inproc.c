/* test_inproc.c: enricher state -> field block -> evaluator engine, with Falco's official rules. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>

#include "engine.h"
#include "event.h"
#include "extract.h"
#include "forward.h"
#include "ppm.h"
#include "rules_compile.h"
#include "rules_load.h"
#include "slots.h"
#include "state.h"

struct pipe {
	struct rules_loader *l;
	struct rules_ruleset *rs;
	struct slot_table *slots;
	struct engine *eng;
	struct st_state *st;
	struct ext_ctx *x;
	char rules[64][128]; /* rules that fired for the last event */
	char fd_name[256];
	int nalerts;
	uint64_t forwarded, dropped_by_type;
};

static int on_alert(void *ud, const struct alert *a)
{
	struct pipe *p = ud;
	const struct alert_field *f = alert_find_field(a, "fd.name");

	if (p->nalerts < 64)
		snprintf(p->rules[p->nalerts], sizeof(p->rules[0]), "%s", a->rule);
	if (f && f->type == ALERT_FT_STRING)
		snprintf(p->fd_name, sizeof(p->fd_name), "%s", f->v.s);
	p->nalerts++;
	return 0;
}

static int fired(const struct pipe *p, const char *rule)
{
	for (int i = 0; i < p->nalerts && i < 64; i++)
		if (strcmp(p->rules[i], rule) == 0)
			return 1;
	return 0;
}

/* Builds an event with the given params (name=int or name=str), runs the whole path. */
static void run(struct pipe *p, uint16_t type, int64_t tid, int nargs, ...)
{
	static uint8_t evbuf[65536], out[1 << 20];
	const struct lnr_evt_info *info = lnr_evt_info(type);
	struct lnr_evt_builder b;
	struct lnr_evt_view v;
	struct st_ctx c;
	const char *names[32];
	int kinds[32];
	int64_t ivals[32];
	const char *svals[32];
	size_t slens[32];
	va_list ap;
	int len;

	va_start(ap, nargs);
	for (int i = 0; i < nargs; i++) {
		names[i] = va_arg(ap, const char *);
		kinds[i] = va_arg(ap, int);
		if (kinds[i] == 0)
			ivals[i] = va_arg(ap, int64_t);
		else {
			svals[i] = va_arg(ap, const char *);
			slens[i] = kinds[i] == 2 ? va_arg(ap, size_t) : 0;
		}
	}
	va_end(ap);
	assert_int_equal(
		lnr_evb_init(&b, evbuf, sizeof(evbuf), type, 1795868946211176210ULL, tid, tid), 0);
	for (unsigned k = 0; k < info->nparams; k++) {
		int found = -1;

		for (int i = 0; i < nargs; i++)
			if (strcmp(names[i], info->params[k].name) == 0)
				found = i;
		if (found < 0) {
			lnr_evb_absent(&b);
		} else if (kinds[found] == 0) {
			enum lnr_ptype t = info->params[k].type;

			if (t == LNR_PT_INT64 || t == LNR_PT_ERRNO || t == LNR_PT_FD ||
			    t == LNR_PT_PID || t == LNR_PT_INT32)
				lnr_evb_s64(&b, ivals[found]);
			else
				lnr_evb_u64(&b, (uint64_t)ivals[found]);
		} else if (kinds[found] == 1) {
			lnr_evb_str(&b, svals[found], 0);
		} else {
			lnr_evb_bytes(&b, svals[found], slens[found], 0);
		}
	}
	len = lnr_evb_finish(&b);
	assert_true(len > 0);
	assert_int_equal(lnr_evt_decode(evbuf, (size_t)len, &v, NULL), 0);
	assert_int_equal(st_apply(p->st, &v, &c), 0);
	p->nalerts = 0;
	p->fd_name[0] = '\0';
	if (fwd_wanted(p->rs, type)) {
		int olen;

		ext_begin(p->x, p->st, &c);
		olen = fwd_build(p->x, p->slots, &v, out, sizeof(out));
		assert_true(olen > 0);
		p->forwarded++;
		assert_true(engine_eval(p->eng, out, (size_t)olen, on_alert, p) >= 0);
	} else {
		p->dropped_by_type++;
	}
	st_finish(p->st, &c);
}

#define INT(n, v) n, 0, (int64_t)(v)
#define STR(n, v) n, 1, (const char *)(v)
#define BYTES(n, v, l) n, 2, (const char *)(v), (size_t)(l)

static int setup(void **state)
{
	struct pipe *p = calloc(1, sizeof(*p));
	struct rules_opts o = {.min_priority = RULES_PRIO_DEBUG};
	struct enr_thread *init, *sh;

	p->l = rules_loader_new();
	if (rules_loader_load_file(p->l, LANNER_CONFORMANCE_DIR "/falco-rules/falco_rules.yaml") !=
	    0)
		return -1;
	p->rs = rules_compile(p->l, &o);
	p->slots = p->rs ? slots_build(p->rs) : NULL;
	p->eng = p->slots ? engine_new(p->rs, p->slots, "testhost") : NULL;
	p->st = st_new(NULL);
	p->x = calloc(1, sizeof(*p->x));
	if (!p->eng || !p->st || !p->x)
		return -1;
	/* systemd -> sshd -> bash (a login shell on a tty) */
	init = thr_add(st_threads(p->st), 1, 1, 0);
	strcpy(init->proc->comm, "systemd");
	enr_str_set(&init->proc->exe, "/sbin/init", 0);
	sh = thr_fork(st_threads(p->st), init, 50, 50, 0, 0);
	strcpy(sh->proc->comm, "sshd");
	enr_str_set(&sh->proc->exepath, "/usr/sbin/sshd", 0);
	sh = thr_fork(st_threads(p->st), sh, 100, 100, 0, 0);
	strcpy(sh->proc->comm, "bash");
	enr_str_set(&sh->proc->exe, "-bash", 0);
	enr_str_set(&sh->proc->exepath, "/usr/bin/bash", 0);
	enr_str_set(&sh->proc->cwd, "/root/", 0);
	*state = p;
	return 0;
}

static int teardown(void **state)
{
	struct pipe *p = *state;

	engine_free(p->eng);
	slots_free(p->slots);
	rules_ruleset_free(p->rs);
	rules_loader_free(p->l);
	st_free(p->st);
	free(p->x);
	free(p);
	return 0;
}

static void test_sensitive_file(void **state)
{
	struct pipe *p = *state;

	/* bash forks, the child execs cat /etc/shadow */
	run(p, LNR_EVT_CLONE, 100, 2, INT("res", 200), INT("flags", 0));
	run(p, LNR_EVT_EXECVE, 200, 6, INT("res", 0), STR("exe", "cat"),
	    BYTES("args", "/etc/shadow\0", 12), STR("comm", "cat"),
	    STR("trusted_exepath", "/usr/bin/cat"), INT("uid", 0));
	/* near miss: an ordinary file */
	run(p, LNR_EVT_OPENAT, 200, 4, INT("fd", 3), INT("dirfd", PPM_AT_FDCWD),
	    STR("name", "/etc/hostname"), INT("flags", PPM_O_RDONLY));
	assert_int_equal(p->nalerts, 0);
	/* the real thing */
	run(p, LNR_EVT_OPENAT, 200, 4, INT("fd", 4), INT("dirfd", PPM_AT_FDCWD),
	    STR("name", "../etc/shadow"), INT("flags", PPM_O_RDONLY));
	assert_true(fired(p, "Read sensitive file untrusted"));
	assert_string_equal(p->fd_name, "/etc/shadow");
	/* a write-only open of it is not "reading" */
	run(p, LNR_EVT_OPENAT, 200, 4, INT("fd", 5), INT("dirfd", PPM_AT_FDCWD),
	    STR("name", "/etc/shadow"), INT("flags", PPM_O_WRONLY));
	assert_false(fired(p, "Read sensitive file untrusted"));
	/* events no rule can match are not forwarded at all */
	run(p, LNR_EVT_CLOSE, 200, 2, INT("res", 0), INT("fd", 5));
	assert_true(p->dropped_by_type > 0);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_sensitive_file),
	};

	return cmocka_run_group_tests(tests, setup, teardown);
}
