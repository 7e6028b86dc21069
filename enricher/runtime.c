/* runtime.c: container metadata on a fetcher thread: containerd bundles, CRI gRPC (cri.c), docker/podman REST (libcurl). */
#include "runtime.h"

#include <curl/curl.h>
#include <dirent.h>
#include <errno.h>
#include <jansson.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "cri.h"
#include "i64map.h"

/* Largest answer we accept from a runtime (bytes). */
#define RT_MAX_BODY (4u << 20)

struct rt_cache {
	struct rt_opts opts;
	const char **sockets;
	size_t nsockets;
	const char **cri; /* CRI sockets, tried in order */
	size_t ncri;
	struct i64map *map; /* key(id) -> struct rt_container*; owner thread only */
	size_t count;
	/* Hand-off between owner and fetcher: guarded by mu (never per event). */
	pthread_mutex_t mu;
	pthread_cond_t cv;
	char (*queue)[72]; /* ids to fetch */
	size_t qhead, qtail, qcap;
	struct rt_container **done; /* results waiting for rt_poll */
	size_t ndone, capdone;
	int stop;
	pthread_t thread;
	int started;
	uint64_t n_done, n_failed, n_pending;
	uint64_t n_lookups, n_new, n_refused; /* owner thread only */
};

static int64_t id_key(const char *id)
{
	/* The first 16 hex digits identify a container well enough for a cache key;
	 * the full id is compared on lookup. */
	uint64_t k = 0;

	for (int i = 0; i < 16 && id[i]; i++) {
		char ch = id[i];
		unsigned v =
			(ch >= '0' && ch <= '9') ? (unsigned)(ch - '0') : (unsigned)(ch - 'a' + 10);

		k = (k << 4) | (v & 0xf);
	}
	return (int64_t)k;
}

void rt_container_fini(struct rt_container *ct)
{
	if (!ct)
		return;
	free(ct->name);
	free(ct->image);
	free(ct->image_id);
	free(ct->image_repository);
	free(ct->image_tag);
	free(ct->image_digest);
	free(ct->mounts);
	for (size_t i = 0; i < ct->nlabels; i++)
		free(ct->labels[i]);
	free(ct->labels);
	free(ct->k8s_pod_name);
	free(ct->k8s_ns_name);
	free(ct->k8s_pod_uid);
	for (size_t i = 0; i < ct->nmounts; i++) {
		free(ct->mount_list[i].source);
		free(ct->mount_list[i].dest);
		free(ct->mount_list[i].mode);
		free(ct->mount_list[i].propagation);
	}
	free(ct->mount_list);
	free(ct->sandbox_id);
	for (size_t i = 0; i < ct->npod_labels; i++)
		free(ct->pod_labels[i]);
	free(ct->pod_labels);
	free(ct->ip);
	memset(ct, 0, sizeof(*ct));
}

static char *jstr(json_t *obj, const char *key)
{
	json_t *v = json_object_get(obj, key);

	return json_is_string(v) ? strdup(json_string_value(v)) : NULL;
}

/* RFC 3339 with optional fraction -> ns since the epoch; 0 when unparsable. */
static uint64_t parse_time(const char *s)
{
	struct tm tm = {0};
	int y, mo, d, h, mi, sec, n = 0;
	uint64_t frac = 0, scale = 1000000000ULL;
	time_t t;

	if (!s || sscanf(s, "%d-%d-%dT%d:%d:%d%n", &y, &mo, &d, &h, &mi, &sec, &n) != 6)
		return 0;
	if (s[n] == '.') {
		n++;
		while (s[n] >= '0' && s[n] <= '9') {
			if (scale > 1) {
				scale /= 10;
				frac += (uint64_t)(s[n] - '0') * scale;
			}
			n++;
		}
	}
	tm.tm_year = y - 1900;
	tm.tm_mon = mo - 1;
	tm.tm_mday = d;
	tm.tm_hour = h;
	tm.tm_min = mi;
	tm.tm_sec = sec;
	t = timegm(&tm);
	if (t <= 0)
		return 0;
	return (uint64_t)t * 1000000000ULL + frac;
}

void rt_split_image(const char *img, struct rt_container *ct)
{
	const char *at = strchr(img, '@');
	const char *end = at ? at : img + strlen(img);
	const char *slash = NULL, *colon = NULL;

	for (const char *p = img; p < end; p++) {
		if (*p == '/')
			slash = p;
	}
	for (const char *p = slash ? slash : img; p < end; p++) {
		if (*p == ':')
			colon = p;
	}
	if (colon) {
		ct->image_repository = strndup(img, (size_t)(colon - img));
		ct->image_tag = strndup(colon + 1, (size_t)(end - colon - 1));
	} else {
		ct->image_repository = strndup(img, (size_t)(end - img));
		ct->image_tag = at ? NULL : strdup("latest");
	}
	if (at)
		ct->image_digest = strdup(at + 1);
}

/* Falco's container.mounts text: "source:dest:mode:rdwr:propagation" items, comma separated. */
void rt_mounts_text(struct rt_container *ct)
{
	size_t tl = 1, o = 0;

	free(ct->mounts);
	ct->mounts = NULL;
	for (size_t i = 0; i < ct->nmounts; i++) {
		const struct rt_mount *rm = &ct->mount_list[i];

		tl += 16 + (rm->source ? strlen(rm->source) : 0) +
		      (rm->dest ? strlen(rm->dest) : 0) + (rm->mode ? strlen(rm->mode) : 0) +
		      (rm->propagation ? strlen(rm->propagation) : 0);
	}
	ct->mounts = malloc(tl);
	if (!ct->mounts)
		return;
	ct->mounts[0] = '\0';
	for (size_t i = 0; i < ct->nmounts; i++) {
		const struct rt_mount *rm = &ct->mount_list[i];
		int w = snprintf(ct->mounts + o, tl - o, "%s%s:%s:%s:%s:%s", i ? "," : "",
				 rm->source ? rm->source : "", rm->dest ? rm->dest : "",
				 rm->mode ? rm->mode : "", rm->rw ? "true" : "false",
				 rm->propagation ? rm->propagation : "");

		if (w < 0 || (size_t)w >= tl - o)
			break;
		o += (size_t)w;
	}
}

int rt_parse_inspect(const char *json, size_t len, struct rt_container *ct)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	json_t *cfg, *hc, *labels, *mounts, *st;
	const char *key;
	json_t *val;
	char *name;

	if (!root || !json_is_object(root)) {
		json_decref(root);
		return -EINVAL;
	}
	cfg = json_object_get(root, "Config");
	hc = json_object_get(root, "HostConfig");
	st = json_object_get(root, "State");
	name = jstr(root, "Name");
	if (name && name[0] == '/') {
		ct->name = strdup(name + 1);
		free(name);
	} else {
		ct->name = name;
	}
	ct->image = cfg ? jstr(cfg, "Image") : NULL;
	ct->image_id = jstr(root, "Image");
	if (ct->image)
		rt_split_image(ct->image, ct);
	ct->privileged = -1;
	if (hc && json_is_boolean(json_object_get(hc, "Privileged")))
		ct->privileged = json_is_true(json_object_get(hc, "Privileged"));
	if (st && json_is_string(json_object_get(st, "StartedAt")))
		ct->start_ts = parse_time(json_string_value(json_object_get(st, "StartedAt")));
	if (!ct->start_ts && json_is_string(json_object_get(root, "Created")))
		ct->start_ts = parse_time(json_string_value(json_object_get(root, "Created")));
	labels = cfg ? json_object_get(cfg, "Labels") : NULL;
	if (json_is_object(labels)) {
		ct->labels = calloc(json_object_size(labels) + 1, sizeof(char *));
		json_object_foreach(labels, key, val)
		{
			char *item;
			const char *v = json_is_string(val) ? json_string_value(val) : "";

			if (!ct->labels)
				break;
			if (asprintf(&item, "%s:%s", key, v) >= 0)
				ct->labels[ct->nlabels++] = item;
			if (strcmp(key, "io.kubernetes.pod.name") == 0)
				ct->k8s_pod_name = strdup(v);
			else if (strcmp(key, "io.kubernetes.pod.namespace") == 0)
				ct->k8s_ns_name = strdup(v);
			else if (strcmp(key, "io.kubernetes.pod.uid") == 0)
				ct->k8s_pod_uid = strdup(v);
		}
	}
	mounts = json_object_get(root, "Mounts");
	if (json_is_array(mounts) && json_array_size(mounts)) {
		size_t n = json_array_size(mounts);

		ct->mount_list = calloc(n, sizeof(*ct->mount_list));
		for (size_t i = 0; ct->mount_list && i < n; i++) {
			json_t *m = json_array_get(mounts, i);
			struct rt_mount *rm = &ct->mount_list[ct->nmounts++];

			rm->source = jstr(m, "Source");
			rm->dest = jstr(m, "Destination");
			rm->mode = jstr(m, "Mode");
			rm->rw = json_is_true(json_object_get(m, "RW"));
			rm->propagation = jstr(m, "Propagation");
		}
		rt_mounts_text(ct);
	}
	json_decref(root);
	return 0;
}

struct body {
	char *p;
	size_t len;
};

static size_t on_body(char *data, size_t sz, size_t nmemb, void *ud)
{
	struct body *b = ud;
	size_t n = sz * nmemb;
	char *np;

	if (b->len + n > RT_MAX_BODY)
		return 0; /* abort: too large */
	np = realloc(b->p, b->len + n + 1);
	if (!np)
		return 0;
	b->p = np;
	memcpy(b->p + b->len, data, n);
	b->len += n;
	b->p[b->len] = '\0';
	return n;
}

/* One inspect request over each configured socket until one answers 200. */
static int fetch(struct rt_cache *c, CURL *h, const char *id, struct rt_container *out)
{
	char url[160];

	snprintf(url, sizeof(url), "http://localhost/containers/%s/json", id);
	for (size_t i = 0; i < c->nsockets; i++) {
		struct body b = {0};
		long code = 0;
		CURLcode rc;

		curl_easy_reset(h);
		curl_easy_setopt(h, CURLOPT_UNIX_SOCKET_PATH, c->sockets[i]);
		curl_easy_setopt(h, CURLOPT_URL, url);
		curl_easy_setopt(h, CURLOPT_TIMEOUT_MS, c->opts.timeout_ms);
		curl_easy_setopt(h, CURLOPT_CONNECTTIMEOUT_MS, c->opts.timeout_ms);
		curl_easy_setopt(h, CURLOPT_NOSIGNAL, 1L);
		curl_easy_setopt(h, CURLOPT_WRITEFUNCTION, on_body);
		curl_easy_setopt(h, CURLOPT_WRITEDATA, &b);
		rc = curl_easy_perform(h);
		if (rc == CURLE_OK)
			curl_easy_getinfo(h, CURLINFO_RESPONSE_CODE, &code);
		if (rc == CURLE_OK && code == 200 && b.p &&
		    rt_parse_inspect(b.p, b.len, out) == 0) {
			free(b.p);
			return 0;
		}
		free(b.p);
	}
	return -ENOENT;
}

void rt_add_label(struct rt_container *ct, const char *key, const char *v)
{
	char **nl;
	char *item;

	if (!v)
		return;
	nl = realloc(ct->labels, (ct->nlabels + 2) * sizeof(*nl));
	if (!nl)
		return;
	ct->labels = nl;
	if (asprintf(&item, "%s:%s", key, v) >= 0)
		ct->labels[ct->nlabels++] = item;
	ct->labels[ct->nlabels] = NULL;
}

int rt_parse_oci_bundle(const char *json, size_t len, struct rt_container *ct)
{
	json_error_t jerr;
	json_t *root = json_loadb(json, len, 0, &jerr);
	json_t *ann;

	if (!root || !json_is_object(root)) {
		json_decref(root);
		return -EINVAL;
	}
	ann = json_object_get(root, "annotations");
	if (!json_is_object(ann) ||
	    !json_is_string(json_object_get(ann, "io.kubernetes.cri.container-type"))) {
		json_decref(root); /* not created through CRI (docker's own, ctr run) */
		return -ENOENT;
	}
	ct->name = jstr(ann, "io.kubernetes.cri.container-name");
	if (!ct->name) /* the pod's sandbox ("pause") container */
		ct->name = jstr(ann, "io.kubernetes.cri.sandbox-name");
	ct->image = jstr(ann, "io.kubernetes.cri.image-name");
	if (ct->image)
		rt_split_image(ct->image, ct);
	ct->k8s_pod_name = jstr(ann, "io.kubernetes.cri.sandbox-name");
	ct->k8s_ns_name = jstr(ann, "io.kubernetes.cri.sandbox-namespace");
	ct->k8s_pod_uid = jstr(ann, "io.kubernetes.cri.sandbox-uid");
	ct->privileged = -1;
	rt_add_label(ct, "io.kubernetes.container.name",
		     json_string_value(json_object_get(ann, "io.kubernetes.cri.container-name")));
	rt_add_label(ct, "io.kubernetes.pod.name", ct->k8s_pod_name);
	rt_add_label(ct, "io.kubernetes.pod.namespace", ct->k8s_ns_name);
	rt_add_label(ct, "io.kubernetes.pod.uid", ct->k8s_pod_uid);
	json_decref(root);
	return 0;
}

/* Largest config.json read (bytes): an OCI spec is a few KiB to a few hundred. */
#define RT_BUNDLE_MAX (4u << 20)

/*
 * containerd: the OCI bundle of a running task,
 * <state>/io.containerd.runtime.v2.task/<namespace>/<id>/config.json, in every
 * containerd namespace (k8s.io for the kubelet's). A plain file read: no gRPC.
 */
static int fetch_bundle(struct rt_cache *c, const char *id, struct rt_container *out)
{
	char dir[4096], path[4096 + 512];
	DIR *dh;
	struct dirent *de;
	int rc = -ENOENT;

	snprintf(dir, sizeof(dir), "%s/io.containerd.runtime.v2.task",
		 c->opts.containerd_dir ? c->opts.containerd_dir : "/run/containerd");
	dh = opendir(dir);
	if (!dh)
		return -ENOENT;
	while (rc != 0 && (de = readdir(dh))) {
		FILE *f;
		char *buf;
		size_t n;

		if (de->d_name[0] == '.')
			continue;
		if (snprintf(path, sizeof(path), "%s/%s/%s/config.json", dir, de->d_name, id) >=
		    (int)sizeof(path))
			continue;
		f = fopen(path, "re");
		if (!f)
			continue;
		buf = malloc(RT_BUNDLE_MAX);
		n = buf ? fread(buf, 1, RT_BUNDLE_MAX, f) : 0;
		fclose(f);
		if (buf && n > 0 && n < RT_BUNDLE_MAX)
			rc = rt_parse_oci_bundle(buf, n, out);
		if (rc != 0)
			rt_container_fini(out);
		free(buf);
	}
	closedir(dh);
	return rc;
}

/* Moves into dst what it lacks from src (src keeps the rest; the caller finis it). */
static void merge_missing(struct rt_container *dst, struct rt_container *src)
{
#define RT_TAKE(f)                                                                                 \
	do {                                                                                       \
		if (!dst->f) {                                                                     \
			dst->f = src->f;                                                           \
			src->f = NULL;                                                             \
		}                                                                                  \
	} while (0)
	RT_TAKE(name);
	RT_TAKE(image);
	RT_TAKE(image_id);
	RT_TAKE(image_repository);
	RT_TAKE(image_tag);
	RT_TAKE(image_digest);
	RT_TAKE(k8s_pod_name);
	RT_TAKE(k8s_ns_name);
	RT_TAKE(k8s_pod_uid);
	RT_TAKE(sandbox_id);
	RT_TAKE(ip);
#undef RT_TAKE
	if (!dst->nlabels && src->nlabels) {
		free(dst->labels);
		dst->labels = src->labels;
		dst->nlabels = src->nlabels;
		src->labels = NULL;
		src->nlabels = 0;
	}
	if (dst->privileged < 0)
		dst->privileged = src->privileged;
	if (!dst->start_ts)
		dst->start_ts = src->start_ts;
}

/*
 * One container: containerd's OCI bundle (a file: name, image, pod identity
 * of CRI containers), then the CRI runtimes over gRPC (everything, including
 * privileged, mounts, start time and the pod's labels; the bundle fills what
 * a runtime leaves out), else the docker/podman REST API. Every network step
 * is bounded by opts.timeout_ms. 0 when something answered.
 */
static int stopping(struct rt_cache *c)
{
	int stop;

	pthread_mutex_lock(&c->mu);
	stop = c->stop;
	pthread_mutex_unlock(&c->mu);
	return stop;
}

static int fetch_one(struct rt_cache *c, CURL *h, const char *id, struct rt_container *res)
{
	struct rt_container bundle = {0};
	int have_bundle = fetch_bundle(c, id, &bundle) == 0;
	int rc = -ENOENT;

	/* rt_free waits for at most the call in flight, not every socket's timeout */
	for (size_t i = 0; i < c->ncri && rc != 0 && !stopping(c); i++) {
		rc = cri_fetch(c->cri[i], id, c->opts.timeout_ms, res);
		if (rc != 0)
			rt_container_fini(res);
	}
	if (rc == 0) {
		if (have_bundle)
			merge_missing(res, &bundle);
	} else if (have_bundle) {
		*res = bundle; /* moves the strings */
		memset(&bundle, 0, sizeof(bundle));
		rc = 0;
	} else if (h && !stopping(c)) {
		rc = fetch(c, h, id, res);
	}
	rt_container_fini(&bundle);
	return rc;
}

static void *fetcher(void *arg)
{
	struct rt_cache *c = arg;
	CURL *h = curl_easy_init();

	pthread_mutex_lock(&c->mu);
	for (;;) {
		char id[72];
		struct rt_container *res;

		while (!c->stop && c->qhead == c->qtail)
			pthread_cond_wait(&c->cv, &c->mu);
		if (c->stop)
			break;
		memcpy(id, c->queue[c->qhead % c->qcap], sizeof(id));
		c->qhead++;
		pthread_mutex_unlock(&c->mu);

		res = calloc(1, sizeof(*res));
		if (res) {
			res->state = fetch_one(c, h, id, res) == 0 ? RT_DONE : RT_FAILED;
			memcpy(res->id, id, sizeof(res->id)); /* fini cleared it */
		}
		pthread_mutex_lock(&c->mu);
		if (res) {
			if (c->ndone == c->capdone) {
				size_t nc = c->capdone ? c->capdone * 2 : 16;
				void *nv = realloc(c->done, nc * sizeof(*c->done));

				if (nv) {
					c->done = nv;
					c->capdone = nc;
				}
			}
			if (c->ndone < c->capdone)
				c->done[c->ndone++] = res;
			else {
				rt_container_fini(res);
				free(res);
			}
		}
	}
	pthread_mutex_unlock(&c->mu);
	if (h)
		curl_easy_cleanup(h);
	return NULL;
}

static const char *default_sockets[] = {"/var/run/docker.sock", "/run/podman/podman.sock", NULL};
/* Where containerd, cri-o and k3s's containerd listen by default. */
static const char *default_cri_sockets[] = {"/run/containerd/containerd.sock",
					    "/run/crio/crio.sock",
					    "/run/k3s/containerd/containerd.sock", NULL};

struct rt_cache *rt_new(const struct rt_opts *opts)
{
	struct rt_cache *c = calloc(1, sizeof(*c));

	if (!c)
		return NULL;
	if (opts)
		c->opts = *opts;
	if (!c->opts.timeout_ms)
		c->opts.timeout_ms = 2000;
	if (!c->opts.max_containers)
		c->opts.max_containers = 4096;
	c->sockets = c->opts.sockets ? c->opts.sockets : default_sockets;
	while (c->sockets[c->nsockets])
		c->nsockets++;
	c->cri = c->opts.cri_sockets ? c->opts.cri_sockets : default_cri_sockets;
	while (c->cri[c->ncri])
		c->ncri++;
	c->map = i64map_new();
	c->qcap = 1024;
	c->queue = calloc(c->qcap, sizeof(*c->queue));
	pthread_mutex_init(&c->mu, NULL);
	pthread_cond_init(&c->cv, NULL);
	if (!c->map || !c->queue) {
		rt_free(c);
		errno = ENOMEM;
		return NULL;
	}
	curl_global_init(CURL_GLOBAL_DEFAULT);
	if (pthread_create(&c->thread, NULL, fetcher, c) != 0) {
		rt_free(c);
		errno = EAGAIN;
		return NULL;
	}
	c->started = 1;
	return c;
}

void rt_free(struct rt_cache *c)
{
	size_t pos = 0;
	void *val;

	if (!c)
		return;
	if (c->started) {
		pthread_mutex_lock(&c->mu);
		c->stop = 1;
		pthread_cond_signal(&c->cv);
		pthread_mutex_unlock(&c->mu);
		pthread_join(c->thread, NULL);
	}
	if (c->map) {
		while (i64map_next(c->map, &pos, NULL, &val)) {
			rt_container_fini(val);
			free(val);
		}
		i64map_free(c->map);
	}
	for (size_t i = 0; i < c->ndone; i++) {
		rt_container_fini(c->done[i]);
		free(c->done[i]);
	}
	free(c->done);
	free(c->queue);
	pthread_mutex_destroy(&c->mu);
	pthread_cond_destroy(&c->cv);
	free(c);
}

const struct rt_container *rt_lookup(struct rt_cache *c, const char *id)
{
	int64_t key = id_key(id);
	struct rt_container *ct = i64map_get(c->map, key);

	c->n_lookups++;
	if (ct)
		return ct;
	if (c->count >= c->opts.max_containers) {
		c->n_refused++;
		return NULL;
	}
	c->n_new++;
	ct = calloc(1, sizeof(*ct));
	if (!ct)
		return NULL;
	snprintf(ct->id, sizeof(ct->id), "%s", id);
	ct->state = RT_PENDING;
	ct->privileged = -1;
	if (i64map_put(c->map, key, ct, NULL) != 0) {
		free(ct);
		return NULL;
	}
	c->count++;
	pthread_mutex_lock(&c->mu);
	if (c->qtail - c->qhead < c->qcap) {
		memcpy(c->queue[c->qtail % c->qcap], ct->id, sizeof(ct->id));
		c->qtail++;
		c->n_pending++;
		pthread_cond_signal(&c->cv);
	} else {
		ct->state = RT_FAILED; /* queue full: give up on this one, counted */
		c->n_failed++;
	}
	pthread_mutex_unlock(&c->mu);
	return ct;
}

void rt_poll(struct rt_cache *c)
{
	struct rt_container **done;
	size_t n;

	pthread_mutex_lock(&c->mu);
	done = c->done;
	n = c->ndone;
	c->done = NULL;
	c->ndone = c->capdone = 0;
	pthread_mutex_unlock(&c->mu);
	for (size_t i = 0; i < n; i++) {
		struct rt_container *res = done[i];
		struct rt_container *ct = i64map_get(c->map, id_key(res->id));

		if (c->n_pending)
			c->n_pending--;
		if (res->state == RT_DONE)
			c->n_done++;
		else
			c->n_failed++;
		if (ct) {
			rt_container_fini(ct);
			*ct = *res; /* moves ownership of the strings */
		} else {
			rt_container_fini(res);
		}
		free(res);
	}
	free(done);
}

void rt_get_counts(const struct rt_cache *c, struct rt_counts *out)
{
	size_t pos = 0;
	void *val;

	memset(out, 0, sizeof(*out));
	out->containers = c->count;
	while (i64map_next(c->map, &pos, NULL, &val)) {
		const struct rt_container *ct = val;

		if (!ct->image || !ct->image[0])
			out->missing_images++;
	}
	out->lookups = c->n_lookups;
	out->misses = c->n_new;
	out->refused = c->n_refused;
	out->fetched = c->n_done;
	out->failed = c->n_failed;
	out->pending = c->n_pending;
}

void rt_stats(const struct rt_cache *c, uint64_t *done, uint64_t *failed, uint64_t *pending)
{
	*done = c->n_done;
	*failed = c->n_failed;
	*pending = c->n_pending;
}
