/* test_cri.c: containerd/CRI containers: metadata from the OCI bundle containerd keeps per task, ids from kubelet cgroup paths. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>

#include "container.h"
#include "runtime.h"

#define CID "4b5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c"

static char *read_all(const char *path, size_t *len)
{
	FILE *f = fopen(path, "r");
	char *buf;

	if (!f)
		return NULL;
	buf = calloc(1, 1 << 20);
	*len = buf ? fread(buf, 1, (1 << 20) - 1, f) : 0;
	fclose(f);
	return buf;
}

static int has_label(const struct rt_container *ct, const char *item)
{
	for (size_t i = 0; i < ct->nlabels; i++)
		if (strcmp(ct->labels[i], item) == 0)
			return 1;
	return 0;
}

static void check_nginx(const struct rt_container *ct)
{
	assert_string_equal(ct->name, "nginx");
	assert_string_equal(ct->image, "docker.io/library/nginx:1.25.3");
	assert_string_equal(ct->image_repository, "docker.io/library/nginx");
	assert_string_equal(ct->image_tag, "1.25.3");
	assert_string_equal(ct->k8s_pod_name, "web-7d9f8b6c5-x2k4q");
	assert_string_equal(ct->k8s_ns_name, "shop");
	assert_string_equal(ct->k8s_pod_uid, "3f0c7a52-1b8e-4d2a-9c1e-6f5b2a7d8e90");
	assert_int_equal(ct->privileged, -1);
	assert_true(has_label(ct, "io.kubernetes.pod.namespace:shop"));
	assert_true(has_label(ct, "io.kubernetes.container.name:nginx"));
}

static void test_parse_bundle(void **state)
{
	size_t len = 0;
	char *json =
		read_all(LANNER_SOURCE_DIR "/tests/enricher/data/containerd_cri_config.json", &len);
	struct rt_container ct = {0};
	static const char sandbox[] =
		"{\"annotations\":{\"io.kubernetes.cri.container-type\":\"sandbox\","
		"\"io.kubernetes.cri.sandbox-name\":\"web-7d9f8b6c5-x2k4q\","
		"\"io.kubernetes.cri.sandbox-namespace\":\"shop\"}}";
	static const char moby[] =
		"{\"ociVersion\":\"1.1.0\",\"annotations\":{\"org.opencontainers."
		"image.title\":\"x\"}}";

	assert_non_null(json);
	assert_int_equal(rt_parse_oci_bundle(json, len, &ct), 0);
	check_nginx(&ct);
	rt_container_fini(&ct);
	/* the pod's sandbox ("pause") container: named after the pod */
	assert_int_equal(rt_parse_oci_bundle(sandbox, sizeof(sandbox) - 1, &ct), 0);
	assert_string_equal(ct.name, "web-7d9f8b6c5-x2k4q");
	assert_string_equal(ct.k8s_ns_name, "shop");
	assert_null(ct.image);
	rt_container_fini(&ct);
	/* not created through CRI (docker's own bundle): not ours */
	assert_int_equal(rt_parse_oci_bundle(moby, sizeof(moby) - 1, &ct), -ENOENT);
	assert_int_equal(rt_parse_oci_bundle("{\"annotations\":", 15, &ct), -EINVAL);
	assert_int_equal(rt_parse_oci_bundle("[]", 2, &ct), -EINVAL);
	rt_container_fini(&ct);
	free(json);
}

/* containerd's state directory as on a node; the cache finds the bundle in any namespace. */
static void test_cache_reads_bundle(void **state)
{
	char tmpl[] = "/tmp/lanner-cri-XXXXXX", path[512], *dir = mkdtemp(tmpl);
	static const char *nosock[] = {"/nonexistent/lanner-test.sock", NULL};
	static const char *nocri[] = {NULL}; /* the bundle alone */
	struct rt_opts o = {.sockets = nosock, .timeout_ms = 100, .cri_sockets = nocri};
	size_t len = 0;
	char *json =
		read_all(LANNER_SOURCE_DIR "/tests/enricher/data/containerd_cri_config.json", &len);
	struct rt_cache *c;
	const struct rt_container *ct;
	FILE *f;

	assert_non_null(dir);
	assert_non_null(json);
	snprintf(path, sizeof(path), "%s/io.containerd.runtime.v2.task", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/io.containerd.runtime.v2.task/moby", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/io.containerd.runtime.v2.task/k8s.io", dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/io.containerd.runtime.v2.task/k8s.io/" CID, dir);
	assert_int_equal(mkdir(path, 0700), 0);
	snprintf(path, sizeof(path), "%s/io.containerd.runtime.v2.task/k8s.io/" CID "/config.json",
		 dir);
	f = fopen(path, "w");
	assert_non_null(f);
	assert_int_equal(fwrite(json, 1, len, f), len);
	fclose(f);
	o.containerd_dir = dir;
	c = rt_new(&o);
	assert_non_null(c);
	ct = rt_lookup(c, CID);
	assert_non_null(ct);
	for (int i = 0; i < 2000 && ct->state == RT_PENDING; i++) { /* at most 10 s */
		usleep(5000);
		rt_poll(c);
		ct = rt_lookup(c, CID);
	}
	assert_int_equal(ct->state, RT_DONE);
	check_nginx(ct);
	/* a container with no bundle and no runtime answering: failed, fields empty */
	ct = rt_lookup(c, "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
	for (int i = 0; i < 2000 && ct->state == RT_PENDING; i++) {
		usleep(5000);
		rt_poll(c);
		ct = rt_lookup(c,
			       "ffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff");
	}
	assert_int_equal(ct->state, RT_FAILED);
	assert_null(ct->name);
	rt_free(c);
	unlink(path);
	snprintf(path, sizeof(path), "%s/io.containerd.runtime.v2.task/k8s.io/" CID, dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/io.containerd.runtime.v2.task/k8s.io", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/io.containerd.runtime.v2.task/moby", dir);
	rmdir(path);
	snprintf(path, sizeof(path), "%s/io.containerd.runtime.v2.task", dir);
	rmdir(path);
	rmdir(dir);
	free(json);
}

/* The kubelet's cgroup layouts for containerd (systemd and cgroupfs drivers); this machine's own is the host. */
static void test_cgroup_ids(void **state)
{
	char id[80];

	assert_int_equal(ctr_id_from_path("/kubepods.slice/kubepods-burstable.slice/"
					  "kubepods-burstable-pod3f0c7a52_1b8e_4d2a_9c1e_"
					  "6f5b2a7d8e90.slice/cri-containerd-" CID ".scope",
					  id, sizeof(id)),
			 CTR_RT_CONTAINERD);
	assert_string_equal(id, CID);
	assert_int_not_equal(
		ctr_id_from_path("/kubepods/burstable/pod3f0c7a52-1b8e-4d2a-9c1e-6f5b2a7d8e90/" CID,
				 id, sizeof(id)),
		CTR_RT_HOST);
	assert_string_equal(id, CID);
	assert_int_equal(ctr_id_from_path("/process_api/" CID, id, sizeof(id)), CTR_RT_HOST);
	assert_string_equal(id, "");
}

int main(void)
{
	const struct CMUnitTest tests[] = {
		cmocka_unit_test(test_parse_bundle),
		cmocka_unit_test(test_cache_reads_bundle),
		cmocka_unit_test(test_cgroup_ids),
	};

	return cmocka_run_group_tests(tests, NULL, NULL);
}
