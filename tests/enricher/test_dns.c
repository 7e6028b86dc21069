/* test_dns.c: fd.*ip.name's resolver: background resolution, lookups that never wait, refresh, bounds, /etc/hosts. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "dns.h"

static void v4(struct dns_addr *a, uint8_t x, uint8_t y, uint8_t z, uint8_t w)
{
	memset(a, 0, sizeof(*a));
	a->family = 4;
	a->a[0] = x;
	a->a[1] = y;
	a->a[2] = z;
	a->a[3] = w;
}

static int gen; /* bumped to change the fake zone */

/* a.example: 10.0.0.1 and 10.0.0.2 (then 10.0.0.3 once gen > 0); b.example: 10.0.0.2 and 2001:db8::1 */
static int fake(const char *name, struct dns_addr *out, size_t max, void *ud)
{
	(void)ud;
	assert_true(max >= 2);
	if (strcmp(name, "a.example") == 0) {
		v4(&out[0], 10, 0, 0, 1);
		v4(&out[1], 10, 0, 0, __atomic_load_n(&gen, __ATOMIC_SEQ_CST) ? 3 : 2);
		return 2;
	}
	if (strcmp(name, "b.example") == 0) {
		v4(&out[0], 10, 0, 0, 2);
		memset(&out[1], 0, sizeof(out[1]));
		out[1].family = 6;
		out[1].a[0] = 0x20;
		out[1].a[1] = 0x01;
		out[1].a[2] = 0x0d;
		out[1].a[3] = 0xb8;
		out[1].a[15] = 1;
		return 2;
	}
	return -ENOENT;
}

static const uint8_t ip1[4] = {10, 0, 0, 1}, ip2[4] = {10, 0, 0, 2}, ip3[4] = {10, 0, 0, 3},
		     ip9[4] = {10, 0, 0, 9};

static void test_names(void **state)
{
	struct dns_opts o = {.resolve = fake, .refresh_ms = 60000};
	struct dns_cache *d = dns_new(&o);
	uint8_t v6[16] = {0x20, 0x01, 0x0d, 0xb8};
	uint64_t ok, failed, tables;

	v6[15] = 1;
	assert_non_null(d);
	assert_int_equal(dns_add_name(d, "b.example"), 0);
	assert_int_equal(dns_add_name(d, "a.example"), 0);
	assert_int_equal(dns_add_name(d, "a.example"), 0); /* duplicate: ignored */
	assert_int_equal(dns_add_name(d, "gone.example"), 0);
	assert_int_equal(dns_name_count(d), 3);
	assert_null(dns_name_of(d, 4, ip1)); /* nothing resolved yet */
	assert_int_equal(dns_start(d), 0);
	assert_int_equal(dns_add_name(d, "late.example"), -EINVAL);
	assert_int_equal(dns_wait_ready(d, 10000), 1);
	assert_string_equal(dns_name_of(d, 4, ip1), "a.example");
	/* shared by two names: the first in byte order, as Falco's lookup */
	assert_string_equal(dns_name_of(d, 4, ip2), "a.example");
	assert_string_equal(dns_name_of(d, 6, v6), "b.example");
	assert_null(dns_name_of(d, 4, ip9));
	dns_stats(d, &ok, &failed, &tables);
	assert_int_equal(ok, 2);
	assert_int_equal(failed, 1);
	assert_int_equal(tables, 1);
	dns_free(d);
}

/* The zone changes: a refresh brings the new address; the old one is gone. */
static void test_refresh(void **state)
{
	struct dns_opts o = {.resolve = fake, .refresh_ms = 20};
	struct dns_cache *d = dns_new(&o);
	int seen = 0;

	__atomic_store_n(&gen, 0, __ATOMIC_SEQ_CST);
	assert_int_equal(dns_add_name(d, "a.example"), 0);
	assert_int_equal(dns_start(d), 0);
	assert_int_equal(dns_wait_ready(d, 10000), 1);
	assert_string_equal(dns_name_of(d, 4, ip2), "a.example");
	__atomic_store_n(&gen, 1, __ATOMIC_SEQ_CST);
	for (int i = 0; i < 2000 && !seen; i++) { /* at most 10 s */
		dns_poll(d);
		seen = dns_name_of(d, 4, ip3) != NULL;
		if (!seen)
			usleep(5000);
	}
	assert_true(seen);
	assert_null(dns_name_of(d, 4, ip2));
	dns_free(d);
}

static pthread_mutex_t gate_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t gate_cv = PTHREAD_COND_INITIALIZER;
static int gate_open;

/* A resolver stuck until the test lets it go (a DNS server that does not answer). */
static int stuck(const char *name, struct dns_addr *out, size_t max, void *ud)
{
	pthread_mutex_lock(&gate_mu);
	while (!gate_open)
		pthread_cond_wait(&gate_cv, &gate_mu);
	pthread_mutex_unlock(&gate_mu);
	return fake(name, out, max, ud);
}

/* Lookups never wait for the resolver: with it stuck they answer "no name" at once. */
static void test_never_waits(void **state)
{
	struct dns_opts o = {.resolve = stuck, .refresh_ms = 60000};
	struct dns_cache *d = dns_new(&o);

	gate_open = 0;
	assert_int_equal(dns_add_name(d, "a.example"), 0);
	assert_int_equal(dns_start(d), 0);
	for (int i = 0; i < 1000; i++) { /* a blocking lookup would hang here (alarm) */
		dns_poll(d);
		assert_null(dns_name_of(d, 4, ip1));
	}
	pthread_mutex_lock(&gate_mu);
	gate_open = 1;
	pthread_cond_broadcast(&gate_cv);
	pthread_mutex_unlock(&gate_mu);
	assert_int_equal(dns_wait_ready(d, 10000), 1);
	assert_string_equal(dns_name_of(d, 4, ip1), "a.example");
	dns_free(d);
}

static void test_bounded(void **state)
{
	struct dns_opts o = {.resolve = fake, .max_names = 2};
	struct dns_cache *d = dns_new(&o);

	assert_int_equal(dns_add_name(d, "a.example"), 0);
	assert_int_equal(dns_add_name(d, "b.example"), 0);
	assert_int_equal(dns_add_name(d, "c.example"), -E2BIG);
	assert_int_equal(dns_add_name(d, ""), -EINVAL);
	assert_int_equal(dns_name_count(d), 2);
	dns_free(d); /* never started: no thread to stop */
	dns_free(NULL);
}

/* The real resolver on a name every machine has in /etc/hosts (no network). */
static void test_etc_hosts(void **state)
{
	struct dns_cache *d = dns_new(NULL);
	static const uint8_t lo[4] = {127, 0, 0, 1};

	assert_int_equal(dns_add_name(d, "localhost"), 0);
	assert_int_equal(dns_start(d), 0);
	assert_int_equal(dns_wait_ready(d, 10000), 1);
	assert_string_equal(dns_name_of(d, 4, lo), "localhost");
	assert_null(dns_name_of(d, 4, ip1));
	dns_free(d);
}

static void on_alarm(int sig)
{
	static const char msg[] = "test_dns: stuck for 60 s (a lookup waited on the resolver?)\n";

	(void)sig;
	if (write(2, msg, sizeof(msg) - 1) < 0)
		_exit(1);
	_exit(1);
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_names),	    cmocka_unit_test(test_refresh),
		cmocka_unit_test(test_never_waits), cmocka_unit_test(test_bounded),
		cmocka_unit_test(test_etc_hosts),
	};

	signal(SIGALRM, on_alarm);
	alarm(60);
	return cmocka_run_group_tests(tests, NULL, NULL);
}
