/* test_cond_unit.c: unit tests of the condition language: positions, printing, expansion, regex, glob, limits. */
#include <errno.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include <cmocka.h>

#include "cond.h"
#include "match.h"
#include "prog.h"
#include "rx.h"
#include "testev.h"

/* libsinsp's pos_visitor output: node kind + "idx line col", depth first. */
static void pos_str(const struct cond_node *n, char *buf, size_t sz)
{
	static const char *const names[] = {
		"and",	 "or",	   "not",   "identifier", "value", "list", "transformer_list",
		"unary", "binary", "field", "transformer"};
	size_t l = strlen(buf);

	snprintf(buf + l, sz - l, "%s%u %u %u", names[n->kind], n->pos.idx, n->pos.line,
		 n->pos.col);
	if (n->kind == COND_LIST || n->kind == COND_TLIST)
		return;
	for (size_t i = 0; i < n->nkids; i++)
		pos_str(n->kids[i], buf, sz);
}

static struct cond_node *parse(const char *s)
{
	struct cond_error e;
	struct cond_node *n = cond_parse(s, strlen(s), COND_FALCO_MAX_DEPTH, &e);

	if (!n)
		fail_msg("parse '%s': %s", s, e.msg);
	return n;
}

static void check_pos(const char *in, const char *want)
{
	char buf[1024] = "";
	struct cond_node *n = parse(in);

	pos_str(n, buf, sizeof(buf));
	if (strcmp(buf, want) != 0)
		fail_msg("positions of '%s':\n got  %s\n want %s", in, buf, want);
	cond_free(n);
}

/* Expected strings from libs filter_parser.ut.cpp (position_* tests). */
static void test_positions(void **state)
{
	(void)state;
	check_pos("proc.name exists", "unary0 1 1field0 1 1");
	check_pos("proc.name=nginx", "binary0 1 1field0 1 1value10 1 11");
	check_pos("proc.aname[3]=nginx", "binary0 1 1field0 1 1value14 1 15");
	check_pos("proc.name =nginx", "binary0 1 1field0 1 1value11 1 12");
	check_pos("proc.name= nginx", "binary0 1 1field0 1 1value11 1 12");
	check_pos("proc.name = nginx", "binary0 1 1field0 1 1value12 1 13");
	check_pos("proc.name in (nginx, apache)", "binary0 1 1field0 1 1list13 1 14");
	check_pos("proc.name in ( nginx, apache)", "binary0 1 1field0 1 1list13 1 14");
	check_pos("not proc.name=nginx", "not0 1 1binary4 1 5field4 1 5value14 1 15");
	check_pos("proc.name=nginx or proc.name=apache",
		  "or0 1 1binary0 1 1field0 1 1value10 1 11binary19 1 20field19 1 20value29 1 30");
	check_pos("(proc.name=nginx or proc.name=apache)",
		  "or1 1 2binary1 1 2field1 1 2value11 1 12binary20 1 21field20 1 21value30 1 31");
	check_pos("proc.name=nginx and proc.name=apache",
		  "and0 1 1binary0 1 1field0 1 1value10 1 11binary20 1 21field20 1 21value30 1 31");
	check_pos(
		"(proc.aname[2]=nginx and evt.type in (connect,accept)) or (not fd.name exists) "
		"or (proc.name=apache and evt.type=switch)",
		"or0 1 1and1 1 2binary1 1 2field1 1 2value15 1 16binary25 1 26field25 1 26list37 "
		"1 38not59 1 60unary63 1 64field63 1 64and83 1 84binary83 1 84field83 1 84value93 "
		"1 94binary104 1 105field104 1 105value113 1 114");
	check_pos("\n(proc.aname[2]=nginx\n     and evt.type in (connect,accept))\n   or (not "
		  "fd.name exists)\n   or (proc.name=apache\n       and evt.type=switch)",
		  "or0 1 1and2 2 2binary2 2 2field2 2 2value16 2 16binary31 3 10field31 3 10list43 "
		  "3 22not68 4 8unary72 4 12field72 4 12and95 5 8binary95 5 8field95 5 8value105 5 "
		  "18binary123 6 12field123 6 12value132 6 21");
	check_pos("b64(evt.name) exists and tolower(toupper(evt.type)) in val(some.field) or "
		  "proc.name=b64(tolower(some.field))",
		  "or0 1 1and0 1 1unary0 1 1transformer0 1 1field4 1 5binary25 1 26transformer25 1 "
		  "26transformer33 1 34field41 1 42transformer55 1 56field59 1 60binary74 1 "
		  "75field74 1 75transformer84 1 85transformer88 1 89field96 1 97");
}

static void check_canon(const char *in, const char *want)
{
	struct cond_node *n = parse(in);
	char *s = cond_to_string(n);

	if (strcmp(s, want) != 0)
		fail_msg("canonical of '%s':\n got  %s\n want %s", in, s, want);
	free(s);
	cond_free(n);
}

static void test_canonical(void **state)
{
	(void)state;
	check_canon("evt.type = open and proc.name in (ash, bash, csh, ksh, sh, tcsh, zsh, dash, "
		    "pwsh)",
		    "(evt.type = open and proc.name in (ash, bash, csh, ksh, sh, tcsh, zsh, dash, "
		    "pwsh))");
	check_canon("a and b and c", "(a and b and c)");
	check_canon("not not a", "a");
	check_canon("not not not a", "not a");
	check_canon("a or b and c", "(a or (b and c))");
	check_canon("fd.name='a b'", "fd.name = \"a b\"");
	check_canon("fd.name=\"x\\ty\"", "fd.name = \"x\\ty\"");
	check_canon("fd.name=\"q'q\"", "fd.name = \"q'q\"");
	check_canon("fd.name=\"d\\\"q\"", "fd.name = \"d\\\"q\"");
	check_canon("proc.aname[2]=bash", "proc.aname[2] = bash");
	check_canon("proc.env['A B']=x", "proc.env[\"A B\"] = x");
	check_canon("proc.name == oneof (cat, nginx)", "proc.name == oneof (cat, nginx)");
	check_canon("tolower(proc.name)=x", "tolower(proc.name) = x");
	check_canon("join(\"-\", (fd.name, fd.directory)) = v",
		    "join(-,(fd.name,fd.directory)) = v");
	check_canon("fd.name exists", "fd.name exists");
	check_canon("x.y in ()", "x.y in ()");
}

/* Falco's resolve_list, replayed on the shapes of the Falco loader tests. */
static void check_list(const char *cond, const char *name, const char *const *items, size_t n,
		       const char *want)
{
	int changed;
	char *s = cond_resolve_list(cond, name, items, n, &changed);

	if (strcmp(s, want) != 0)
		fail_msg("resolve_list('%s', %s):\n got  '%s'\n want '%s'", cond, name, s, want);
	free(s);
}

static void test_resolve_list(void **state)
{
	const char *const shells[] = {"bash", "sh"};
	const char *const spaced[] = {"a b", "'c d'"};
	const char *const none[] = {NULL};
	char *s;

	(void)state;
	check_list("proc.name in (shells)", "shells", shells, 2, "proc.name in ( bash, sh )");
	check_list("proc.name in (shells, zsh)", "shells", shells, 2,
		   "proc.name in ( bash, sh , zsh)");
	check_list("proc.name in (myshells)", "shells", shells, 2, "proc.name in (myshells)");
	/* An empty list swallows one neighbouring comma (Falco keeps the blanks). */
	check_list("proc.name in (x, empty)", "empty", none, 0, "proc.name in (x  )");
	check_list("proc.name in (empty, x)", "empty", none, 0, "proc.name in (   x)");
	check_canon("proc.name in (x  )", "proc.name in (x)");
	check_canon("proc.name in (   x)", "proc.name in (x)");
	check_list("f in (l)", "l", spaced, 2, "f in ( \"a b\", 'c d' )");
	/* The parse of the result gives the list Falco compiles. */
	s = cond_resolve_list("evt.type = execve and proc.name in (shells)", "shells", shells, 2,
			      NULL);
	check_canon(s, "(evt.type = execve and proc.name in (bash, sh))");
	free(s);
}

/* Macro expansion as the loader does it: identifiers replaced by clones. */
static int expand(struct cond_node **slot, int in_tr, void *ud)
{
	const struct cond_node *macro = ud;

	(void)in_tr;
	if ((*slot)->kind == COND_IDENT && strcmp((*slot)->str, "spawned") == 0) {
		struct cond_node *c = cond_clone(macro);

		if (!c)
			return -ENOMEM;
		cond_free(*slot);
		*slot = c;
	}
	return 0;
}

static void test_walk_clone(void **state)
{
	struct cond_node *macro = parse("evt.type = execve and evt.dir = <");
	struct cond_node *rule = parse("spawned and not proc.name in (a, b)");
	char *s;

	(void)state;
	assert_int_equal(cond_walk(&rule, expand, macro), 0);
	s = cond_to_string(rule);
	assert_string_equal(s, "((evt.type = execve and evt.dir = <) and not proc.name in (a, b))");
	free(s);
	cond_free(rule);
	cond_free(macro);
}

static void test_limits(void **state)
{
	size_t n = 10u << 20;
	char *big = malloc(n + 64);
	struct cond_error e;
	struct cond_node *r;

	(void)state;
	assert_non_null(big);
	/* 10 MB of '(': a named depth limit, no stack overflow. */
	memset(big, '(', n);
	assert_null(cond_parse(big, n, COND_FALCO_MAX_DEPTH, &e));
	assert_string_equal(e.msg, "exceeded max depth limit of 1000");
	/* A 10 MB quoted string parses (and prints) in linear time. */
	memcpy(big, "fd.name = \"", 11);
	memset(big + 11, 'x', n - 12);
	big[n - 1] = '"';
	r = cond_parse(big, n, COND_FALCO_MAX_DEPTH, &e);
	assert_non_null(r);
	assert_int_equal(r->kids[1]->len, n - 12);
	cond_free(r);
	/* Invalid UTF-8, control characters and NUL bytes: clean results. */
	r = cond_parse("fd.name = \xff\xfe\x01", 13, 100, &e);
	assert_non_null(r);
	assert_memory_equal(r->kids[1]->str, "\xff\xfe\x01", 3);
	cond_free(r);
	/* A NUL inside a bare value lexes (as in libsinsp); the compiler refuses it. */
	r = cond_parse("fd.name = a\0b", 13, 100, &e);
	assert_non_null(r);
	{
		struct prog_msg pe;

		assert_null(prog_compile(r, &pe));
		assert_non_null(strstr(pe.msg, "NUL"));
	}
	cond_free(r);
	assert_null(cond_parse("fd.name = \"a\0b\"", 15, 100, &e));
	assert_null(cond_parse("", 0, 100, &e));
	assert_string_equal(e.msg, "filter input string is empty");
	assert_null(cond_parse("a and", 5, 100, &e));
	assert_int_equal(e.pos.idx, 5);
	free(big);
}

static int rxm(const char *pat, const char *s)
{
	char msg[128];
	struct rx *rx = rx_compile(pat, strlen(pat), msg, sizeof(msg));
	int r;

	if (!rx)
		fail_msg("regex '%s': %s", pat, msg);
	r = rx_full_match(rx, s, strlen(s));
	rx_free(rx);
	return r;
}

static void test_regex(void **state)
{
	char msg[128];
	char *s;
	struct rx *rx;
	clock_t t0;

	(void)state;
	assert_true(rxm("^[s]{1}ysca[l]{2}$", "syscall"));
	assert_false(rxm("yscal.*", "syscall"));
	assert_true(rxm("syscal.*", "syscall"));
	assert_true(rxm("a|b|c", "b"));
	assert_false(rxm("a|b|c", "ab"));
	assert_true(rxm("(ab)+", "ababab"));
	assert_false(rxm("(ab)+", "ababa"));
	assert_true(rxm("x{2,3}", "xxx"));
	assert_false(rxm("x{2,3}", "xxxx"));
	assert_true(rxm("x{2,}", "xxxxx"));
	assert_true(rxm("[[:digit:]]+\\.[a-f]?", "123.a"));
	assert_true(rxm("[^/]*\\.so(\\.[0-9]+)*", "libc.so.6"));
	assert_false(rxm("[^/]*\\.so(\\.[0-9]+)*", "/lib/libc.so.6"));
	assert_true(rxm("\\d+-\\w+", "12-ab_c"));
	assert_true(rxm("a.c", "a\xff"
			       "c"));
	assert_false(rxm("a.c", "a\nc"));
	assert_true(rxm("", ""));
	assert_true(rxm("a{,2}", "a{,2}")); /* not a repeat: literal, as RE2 */
	assert_null(rx_compile("(a", 2, msg, sizeof(msg)));
	assert_null(rx_compile("a)", 2, msg, sizeof(msg)));
	assert_null(rx_compile("[a", 2, msg, sizeof(msg)));
	assert_null(rx_compile("*a", 2, msg, sizeof(msg)));
	assert_null(rx_compile("a{3,1}", 6, msg, sizeof(msg)));
	assert_null(rx_compile("(x{1000}){1000}", 15, msg, sizeof(msg)));
	/* A pattern whose DFA needs 2^9 states: the cache gives up, the Pike VM answers. */
	rx = rx_compile("[ab]*a[ab]{8}", 13, msg, sizeof(msg));
	assert_non_null(rx);
	for (int i = 0; i < 3; i++) {
		assert_true(rx_full_match(rx, "bbbabbbbbbbb", 12));
		assert_true(rx_full_match(rx, "ababbbabababababbabab", 21) ==
			    rx_full_match_nfa(rx, "ababbbabababababbabab", 21));
		assert_false(rx_full_match(rx, "bbbbbbabbbbbbbbba", 17) !=
			     rx_full_match_nfa(rx, "bbbbbbabbbbbbbbba", 17));
		assert_false(rx_full_match(rx, "abbbbbbbbb", 10));
	}
	rx_free(rx);
	/* The classic backtracking killer runs in linear time here. */
	s = malloc(100001);
	memset(s, 'a', 100000);
	s[100000] = '\0';
	rx = rx_compile("(a*)*(a|b)*c", 12, msg, sizeof(msg));
	assert_non_null(rx);
	t0 = clock();
	assert_false(rx_full_match(rx, s, 100000));
	/* Generous bound: a backtracking engine would not finish at all. */
	assert_true((double)(clock() - t0) / CLOCKS_PER_SEC < 10.0);
	rx_free(rx);
	free(s);
}

/* The DFA and the Pike VM agree on random patterns and texts. */
static void gen_pat(char *p, size_t *n, int depth, unsigned *seed)
{
	static const char *const atoms[] = {"a", "b", ".", "[ab]", "[^a]", "^", "$", "\\.", "c"};
	int k = 1 + (int)(rand_r(seed) % 3);

	for (int i = 0; i < k && *n < 60; i++) {
		int r = (int)(rand_r(seed) % 12);

		if (r < 8 || depth > 2) {
			const char *a = atoms[rand_r(seed) % 9];

			memcpy(p + *n, a, strlen(a));
			*n += strlen(a);
		} else {
			p[(*n)++] = '(';
			gen_pat(p, n, depth + 1, seed);
			if (r == 9) {
				p[(*n)++] = '|';
				gen_pat(p, n, depth + 1, seed);
			}
			p[(*n)++] = ')';
		}
		r = (int)(rand_r(seed) % 8);
		if (r < 4 && p[*n - 1] != '^' && p[*n - 1] != '$')
			p[(*n)++] = "*+?*"[r];
	}
}

static void test_regex_dfa_vs_nfa(void **state)
{
	unsigned seed = 12345;
	int checked = 0;

	(void)state;
	for (int i = 0; i < 3000; i++) {
		char pat[256], msg[128], text[16];
		size_t n = 0;
		struct rx *rx;

		gen_pat(pat, &n, 0, &seed);
		rx = rx_compile(pat, n, msg, sizeof(msg));
		if (!rx)
			continue;
		for (int j = 0; j < 20; j++) {
			size_t tl = rand_r(&seed) % 8;

			for (size_t k = 0; k < tl; k++)
				text[k] = "abc.\n"[rand_r(&seed) % 5];
			/* Twice: the second run uses the cached transitions. */
			for (int rep = 0; rep < 2; rep++) {
				int d = rx_full_match(rx, text, tl),
				    p = rx_full_match_nfa(rx, text, tl);

				if (d != p)
					fail_msg("pattern '%.*s' text '%.*s': dfa %d nfa %d",
						 (int)n, pat, (int)tl, text, d, p);
				checked++;
			}
		}
		rx_free(rx);
	}
	assert_true(checked > 10000);
}

static void test_glob_pmatch(void **state)
{
	struct ptrie *t = ptrie_new();
	struct hset *h = hset_new(2);

	(void)state;
	assert_true(match_glob("*.log", 5, "/var/a.log", 10, 0));
	assert_true(match_glob("/p?/q?", 6, "/p\xff/q\xff", 6, 0));
	assert_false(match_glob("a*b", 3, "acbx", 4, 0));
	assert_true(match_glob("a*b*c", 5, "aXbYbZc", 7, 0));
	assert_true(match_glob("[!a]x", 5, "bx", 2, 0));
	assert_false(match_glob("[!a]x", 5, "ax", 2, 0));
	assert_true(match_glob("A[B-D]*", 7, "acz", 3, 1));
	assert_true(match_glob("\\*", 2, "*", 1, 0));
	assert_false(match_glob("\\*", 2, "x", 1, 0));
	assert_int_equal(ptrie_add(t, "/opt/dir", 8), 0);
	assert_int_equal(ptrie_add(t, "/usr/*/bin", 10), 0);
	assert_true(ptrie_match(t, "/opt/dir/x", 10));
	assert_true(ptrie_match(t, "/opt/dir", 8));
	assert_false(ptrie_match(t, "/opt/dirx", 9));
	assert_true(ptrie_match(t, "/usr/local/bin/ls", 17));
	assert_false(ptrie_match(t, "/usr/local/sbin/ls", 18));
	for (int i = 0; i < 1000; i++) {
		char k[16];

		snprintf(k, sizeof(k), "k%d", i);
		assert_int_equal(hset_add(h, k, strlen(k)), 0);
	}
	assert_true(hset_has(h, "k999", 4));
	assert_false(hset_has(h, "k1000", 5));
	ptrie_free(t);
	hset_free(h);
}

/* A compiled program over a test event, end to end. */
static int run(const char *cond, struct testev *ev)
{
	struct cond_node *n = parse(cond);
	struct prog_msg err;
	struct prog *p = prog_compile(n, &err);
	struct fld_accessor acc = testev_accessor(ev);
	int r;

	if (!p)
		fail_msg("compile '%s': %s", cond, err.msg);
	r = prog_eval(p, &acc);
	prog_free(p);
	cond_free(n);
	return r;
}

static void test_program(void **state)
{
	struct testev *ev = testev_new();
	char list[8192] = "proc.name in (";
	struct cond_node *n;
	struct prog_msg err;
	struct prog *p;
	char *dump;

	(void)state;
	testev_sets(ev, "evt.type", "openat");
	testev_sets(ev, "proc.name", "bash");
	testev_add(ev, "proc.aname", "sshd");
	testev_add(ev, "proc.aname", "systemd");
	testev_sets(ev, "fd.name", "/etc/shadow");
	testev_sets(ev, "container.mount.dest[/proc*]", "/proc");
	testev_sets(ev, "evt.arg.flags", "O_RDONLY|O_CLOEXEC");
	testev_sets(ev, "user.uid", "0");
	assert_int_equal(run("evt.type = openat and fd.name startswith /etc", ev), 1);
	assert_int_equal(run("evt.type in (execve, open)", ev), 0);
	assert_int_equal(run("proc.aname = sshd", ev), 1);
	assert_int_equal(run("proc.aname[2] = systemd", ev), 1);
	assert_int_equal(run("proc.aname[1] = systemd", ev), 0);
	assert_int_equal(run("not proc.pname exists", ev), 1);
	assert_int_equal(run("not proc.pname = x", ev), 1);
	assert_int_equal(run("container.mount.dest[/proc*] != \"N/A\"", ev), 1);
	assert_int_equal(run("evt.arg.flags contains O_CLOEXEC", ev), 1);
	assert_int_equal(run("user.uid = 0 and user.uid < 1 and user.uid in (0, 5)", ev), 1);
	assert_int_equal(run("fd.name pmatch (/etc, /usr)", ev), 1);
	assert_int_equal(run("fd.name regex '/etc/(shadow|gshadow)'", ev), 1);
	assert_int_equal(run("fd.name glob '/etc/*ad*'", ev), 1);
	assert_int_equal(run("toupper(proc.name) = BASH", ev), 1);
	/* More arguments than the evaluator's inline buffer. */
	assert_int_equal(run("concat(\"a\",\"b\",\"c\",\"d\",\"e\",\"f\",\"g\",\"h\",\"i\",\"j\","
			     "\"k\",\"l\",\"m\",\"n\",\"o\",\"p\",\"q\",proc.name) = "
			     "abcdefghijklmnopqbash",
			     ev),
			 1);
	assert_int_equal(run("len(concat(proc.name, fd.name)) = 15", ev), 1);
	assert_int_equal(run("basename(fd.name) in (shadow, passwd)", ev), 1);
	assert_int_equal(run("fd.name = val(fd.name) and not proc.name = val(fd.name)", ev), 1);
	/* A large list goes through the hash set. */
	for (int i = 0; i < 500; i++)
		snprintf(list + strlen(list), sizeof(list) - strlen(list), "p%d, ", i);
	strcat(list, "bash)");
	assert_int_equal(run(list, ev), 1);
	n = parse(list);
	p = prog_compile(n, &err);
	assert_non_null(p);
	dump = prog_dump(p);
	assert_non_null(strstr(dump, "[hash set]"));
	free(dump);
	prog_free(p);
	cond_free(n);
	/* Compile errors name the problem and the position. */
	n = parse("proc.name = x and evt.cpu contains 1");
	assert_null(prog_compile(n, &err));
	assert_non_null(strstr(err.msg, "contains"));
	assert_int_equal(err.pos.idx, 18);
	cond_free(n);
	n = parse("proc.nope = x");
	assert_null(prog_compile(n, &err));
	assert_non_null(strstr(err.msg, "nonexistent field"));
	cond_free(n);
	n = parse("a_macro and proc.name = x");
	assert_null(prog_compile(n, &err));
	assert_string_equal(err.msg, "Undefined macro 'a_macro' used in filter.");
	cond_free(n);
	testev_free(ev);
}

/* Shared check results: right per event, reset between events. */
static void test_memo(void **state)
{
	const char *conds[] = {"proc.name = bash and fd.name startswith /etc",
			       "proc.name = bash and not fd.name startswith /etc",
			       "fd.name startswith /etc or user.uid = 0"};
	struct cond_node *ast[3];
	struct prog *p[3];
	struct prog_msg err;
	struct prog_memo *m;
	struct testev *ev = testev_new();
	struct fld_accessor acc = testev_accessor(ev);
	int ids;

	(void)state;
	for (int i = 0; i < 3; i++) {
		ast[i] = parse(conds[i]);
		p[i] = prog_compile(ast[i], &err);
		assert_non_null(p[i]);
	}
	ids = prog_share_checks(p, 3);
	assert_int_equal(ids, 3); /* proc.name = bash, fd.name startswith /etc, user.uid = 0 */
	m = prog_memo_new((uint32_t)ids);
	assert_non_null(m);
	for (int round = 0; round < 4; round++) {
		testev_reset(ev);
		testev_sets(ev, "proc.name", round & 1 ? "bash" : "sh");
		testev_sets(ev, "fd.name", round & 2 ? "/etc/passwd" : "/tmp/x");
		testev_sets(ev, "user.uid", "1000");
		prog_memo_next_event(m);
		for (int i = 0; i < 3; i++)
			assert_int_equal(prog_eval_memo(p[i], &acc, m), prog_eval(p[i], &acc));
	}
	prog_memo_free(m);
	for (int i = 0; i < 3; i++) {
		prog_free(p[i]);
		cond_free(ast[i]);
	}
	testev_free(ev);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_positions),	 cmocka_unit_test(test_canonical),
		cmocka_unit_test(test_resolve_list),	 cmocka_unit_test(test_walk_clone),
		cmocka_unit_test(test_limits),		 cmocka_unit_test(test_regex),
		cmocka_unit_test(test_glob_pmatch),	 cmocka_unit_test(test_program),
		cmocka_unit_test(test_regex_dfa_vs_nfa), cmocka_unit_test(test_memo),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
