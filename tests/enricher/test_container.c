/* test_container.c: container ids from cgroups, runtime metadata from a fake runtime socket. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <sys/un.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <cmocka.h>
#include <microhttpd.h>

#include "extract.h"
#include "fields.h"
#include "procfs.h"
#include "runtime.h"
#include "state.h"
#include "test_env.h"

#define CID "3f4e5a6b7c8d9e0f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f7081"

static char *inspect_json;
static size_t inspect_len;
static int requests;

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "rb");
	char *buf;
	long n;

	assert_non_null(f);
	fseek(f, 0, SEEK_END);
	n = ftell(f);
	fseek(f, 0, SEEK_SET);
	buf = malloc((size_t)n + 1);
	assert_int_equal(fread(buf, 1, (size_t)n, f), (size_t)n);
	buf[n] = '\0';
	fclose(f);
	*len = (size_t)n;
	return buf;
}

static enum MHD_Result answer(void *cls, struct MHD_Connection *conn, const char *url,
			      const char *method, const char *version, const char *upload,
			      size_t *upload_size, void **con_cls)
{
	struct MHD_Response *r;
	enum MHD_Result ret;
	int found = strcmp(url, "/containers/" CID "/json") == 0;

	requests++;
	r = found ? MHD_create_response_from_buffer(inspect_len, inspect_json,
						    MHD_RESPMEM_PERSISTENT)
		  : MHD_create_response_from_buffer(2, (void *)"{}", MHD_RESPMEM_PERSISTENT);
	ret = MHD_queue_response(conn, found ? MHD_HTTP_OK : MHD_HTTP_NOT_FOUND, r);
	MHD_destroy_response(r);
	return ret;
}

static int unix_listen(const char *path)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};
	int fd = socket(AF_UNIX, SOCK_STREAM, 0);

	snprintf(sa.sun_path, sizeof(sa.sun_path), "%s", path);
	unlink(path);
	assert_int_equal(bind(fd, (struct sockaddr *)&sa, sizeof(sa)), 0);
	assert_int_equal(listen(fd, 16), 0);
	return fd;
}

static const char *field(struct ext_ctx *x, const char *name, const char *arg)
{
	static char out[1024];
	struct fld_ref ref;
	struct fld_val v[FLD_MAX_VALUES];
	char msg[128];
	int n;

	assert_int_equal(fld_resolve(name, arg, arg ? strlen(arg) : 0, &ref, msg, sizeof(msg)), 0);
	n = ext_get(x, &ref, v, FLD_MAX_VALUES);
	if (n <= 0)
		return "<NA>";
	if (ref.type == LNR_PT_CHARBUF)
		snprintf(out, sizeof(out), "%.*s", (int)v[0].str.len, v[0].str.p);
	else
		snprintf(out, sizeof(out), "%llu", (unsigned long long)v[0].u64);
	return out;
}

static void test_parse_inspect(void **state)
{
	struct rt_container ct = {0};

	assert_int_equal(rt_parse_inspect(inspect_json, inspect_len, &ct), 0);
	assert_string_equal(
		ct.name, "k8s_web_web-7d9c8b6f5-xk2lp_shop_1a2b3c4d-0000-4000-8000-123456789abc_0");
	assert_string_equal(ct.image_repository, "registry.example.com:5000/shop/nginx");
	assert_string_equal(ct.image_tag, "1.25.3");
	assert_int_equal(ct.privileged, 1);
	assert_string_equal(ct.k8s_pod_name, "web-7d9c8b6f5-xk2lp");
	assert_string_equal(ct.k8s_ns_name, "shop");
	assert_int_equal(ct.nmounts, 2);
	assert_string_equal(ct.mounts, "/proc:/host/proc:ro:false:rprivate,/var/run/docker.sock:/"
				       "var/run/docker.sock::true:rprivate");
	assert_true(ct.start_ts == 1795166103500000000ULL);
	rt_container_fini(&ct);
	/* garbage is refused, not crashed on */
	assert_int_equal(rt_parse_inspect("{not json", 9, &ct), -EINVAL);
	assert_int_equal(rt_parse_inspect("[]", 2, &ct), -EINVAL);
}

static void wait_state(struct rt_cache *rt, const char *id, int want)
{
	for (int i = 0; i < 500; i++) {
		rt_poll(rt);
		if (rt_lookup(rt, id)->state == want)
			return;
		usleep(10000);
	}
	fail_msg("runtime lookup never reached state %d", want);
}

static void test_fake_runtime(void **state)
{
	char dir[] = "/tmp/lanner-rt-XXXXXX";
	char sock[128];
	const char *socks[2] = {sock, NULL};
	struct MHD_Daemon *d;
	static const char *nocri[] = {NULL}; /* only the docker API here */
	struct rt_opts o = {.sockets = socks,
			    .timeout_ms = 1000,
			    .cri_sockets = nocri,
			    .containerd_dir = "/nonexistent/lanner-test"};
	struct rt_cache *rt;
	struct st_state *s = st_new(NULL);
	struct st_ctx c;
	struct ext_ctx *x = calloc(1, sizeof(*x));
	struct enr_thread *th = thr_add(st_threads(s), 77, 77, 0);
	int lfd;

	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/docker.sock", dir);
	lfd = unix_listen(sock);
	d = MHD_start_daemon(MHD_USE_INTERNAL_POLLING_THREAD, 0, NULL, NULL, answer, NULL,
			     MHD_OPTION_LISTEN_SOCKET, lfd, MHD_OPTION_END);
	assert_non_null(d);
	rt = rt_new(&o);
	assert_non_null(rt);

	strcpy(th->proc->comm, "nginx");
	strcpy(th->proc->container_id, CID);
	memset(&c, 0, sizeof(c));
	c.thread = th;
	c.proc = th->proc;
	c.fdnum = -1;
	c.ts = 1795600000000000000ULL;
	ext_begin(x, s, &c);
	x->rt = rt;
	/* first sight: the id is known at once, metadata not yet (no waiting) */
	assert_string_equal(field(x, "container.id", NULL), "3f4e5a6b7c8d");
	assert_string_equal(field(x, "container.name", NULL), "<NA>");
	wait_state(rt, CID, RT_DONE);
	assert_string_equal(
		field(x, "container.name", NULL),
		"k8s_web_web-7d9c8b6f5-xk2lp_shop_1a2b3c4d-0000-4000-8000-123456789abc_0");
	assert_string_equal(field(x, "container.image.repository", NULL),
			    "registry.example.com:5000/shop/nginx");
	assert_string_equal(field(x, "container.image.tag", NULL), "1.25.3");
	assert_string_equal(field(x, "container.privileged", NULL), "1");
	assert_string_equal(field(x, "container.mount.dest", "/host/*"), "/host/proc");
	assert_string_equal(field(x, "container.mount.dest", "/var/run/docker.sock"),
			    "/var/run/docker.sock");
	assert_string_equal(field(x, "container.mount.dest", "/etc*"), "<NA>");
	assert_string_equal(field(x, "k8s.pod.name", NULL), "web-7d9c8b6f5-xk2lp");
	assert_string_equal(field(x, "k8s.ns.name", NULL), "shop");
	assert_string_equal(field(x, "container.label", "io.kubernetes.container.name"), "web");
	assert_int_equal(requests, 1); /* cached: one request per container */
	/* an unknown container: the runtime says 404, fields stay empty */
	strcpy(th->proc->container_id,
	       "0000000000000000000000000000000000000000000000000000000000000001");
	assert_string_equal(field(x, "container.name", NULL), "<NA>");
	wait_state(rt, th->proc->container_id, RT_FAILED);
	assert_string_equal(field(x, "container.name", NULL), "<NA>");

	rt_free(rt);
	MHD_stop_daemon(d);
	close(lfd);
	unlink(sock);
	rmdir(dir);
	st_free(s);
	free(x);
}

static void test_silent_runtime(void **state)
{
	/* A runtime that accepts connections and never answers. */
	char dir[] = "/tmp/lanner-rt-XXXXXX";
	char sock[128];
	const char *socks[2] = {sock, NULL};
	/* the same silent socket as a CRI runtime (gRPC) too */
	struct rt_opts o = {.sockets = socks,
			    .timeout_ms = 200,
			    .cri_sockets = socks,
			    .containerd_dir = "/nonexistent/lanner-test"};
	struct rt_cache *rt;
	const struct rt_container *ct;
	uint64_t done, failed, pending;
	int lfd;

	assert_non_null(mkdtemp(dir));
	snprintf(sock, sizeof(sock), "%s/hung.sock", dir);
	lfd = unix_listen(sock);
	rt = rt_new(&o);
	ct = rt_lookup(rt, CID);
	/* the lookup itself returns at once with nothing known */
	assert_non_null(ct);
	assert_int_equal(ct->state, RT_PENDING);
	assert_null(ct->name);
	/* a second container while the first one's requests hang: also at once */
	ct = rt_lookup(rt, "0000000000000000000000000000000000000000000000000000000000000002");
	assert_int_equal(ct->state, RT_PENDING);
	wait_state(rt, CID, RT_FAILED);
	rt_stats(rt, &done, &failed, &pending);
	assert_true(failed >= 1);
	assert_int_equal(done, 0);
	rt_free(rt);
	close(lfd);
	unlink(sock);
	rmdir(dir);
}

/* A real process in a docker-style cgroup is seen as that container (root: cgroupfs). */
static void test_docker_cgroup(void **state)
{
	const char *base = "/sys/fs/cgroup/pids";
	char cg[256], procs[300];
	pid_t child;
	FILE *f;
	struct thread_table *t;
	struct procfs_opts po = {0};
	struct enr_proc *p;
	struct stat sb;

	lnr_test_require_root("test_docker_cgroup");
	if (stat(base, &sb) != 0)
		base = "/sys/fs/cgroup/unified";
	if (stat(base, &sb) != 0) {
		fprintf(stderr, "test_docker_cgroup: SKIPPED: no writable cgroupfs here\n");
		skip();
	}
	snprintf(cg, sizeof(cg), "%s/docker/%s", base, CID);
	if (mkdir(cg, 0755) != 0 && errno != EEXIST) {
		snprintf(cg, sizeof(cg), "%s/docker", base);
		mkdir(cg, 0755);
		snprintf(cg, sizeof(cg), "%s/docker/%s", base, CID);
		assert_int_equal(mkdir(cg, 0755), 0);
	}
	child = fork();
	if (child == 0) {
		pause();
		_exit(0);
	}
	snprintf(procs, sizeof(procs), "%s/cgroup.procs", cg);
	f = fopen(procs, "w");
	assert_non_null(f);
	fprintf(f, "%d\n", child);
	assert_int_equal(fclose(f), 0);
	t = thr_table_new(0);
	assert_int_equal(procfs_read_proc(t, &po, child), 0);
	p = thr_get_proc(t, child);
	assert_non_null(p);
	assert_string_equal(p->container_id, CID);
	/* and we, in /process_api or the root cgroup, are the host */
	assert_int_equal(procfs_read_proc(t, &po, getpid()), 0);
	assert_string_equal(thr_get_proc(t, getpid())->container_id, "");
	kill(child, SIGKILL);
	waitpid(child, NULL, 0);
	rmdir(cg);
	snprintf(cg, sizeof(cg), "%s/docker", base);
	rmdir(cg);
	thr_table_free(t);
}

static int setup(void **state)
{
	inspect_json = read_all(LANNER_SOURCE_DIR "/tests/enricher/data/docker_inspect.json",
				&inspect_len);
	return 0;
}

static int teardown(void **state)
{
	free(inspect_json);
	return 0;
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_inspect),
		cmocka_unit_test(test_fake_runtime),
		cmocka_unit_test(test_silent_runtime),
		cmocka_unit_test(test_docker_cgroup),
	};

	signal(SIGPIPE, SIG_IGN);
	return cmocka_run_group_tests(tests, setup, teardown);
}
