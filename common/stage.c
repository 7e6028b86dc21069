/* stage.c: shared start-up of the stage processes. */
#include "stage.h"

#include <errno.h>
#include <stdio.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "log.h"

volatile sig_atomic_t stage_stopping;

static void on_diag(void *ctx, enum cfg_diag_level level, const char *msg)
{
	fprintf(stderr, "%s\n", msg);
}

/*
 * No configuration file: an empty document, then what cfg_load does after the
 * file (config_files overrides, config_files, the other overrides, schema).
 */
static int load_defaults(struct cfg *cfg, const char *const *ov, size_t n)
{
	int rc = cfg_load_buffer(cfg, "(defaults)", "{}", 2);

	for (size_t i = 0; i < n && !rc; i++)
		if (!strncmp(ov[i], "config_files", 12))
			rc = cfg_apply_override(cfg, ov[i]);
	if (!rc)
		rc = cfg_include_config_files(cfg);
	for (size_t i = 0; i < n && !rc; i++)
		if (strncmp(ov[i], "config_files", 12))
			rc = cfg_apply_override(cfg, ov[i]);
	return rc ? rc : cfg_validate(cfg);
}

struct cfg *stage_config(const char *stage, const char *path, const char *const *overrides,
			 size_t noverrides)
{
	struct cfg *cfg = cfg_new();

	if (!cfg) {
		fprintf(stderr, "lanner-%s: out of memory\n", stage);
		return NULL;
	}
	cfg_set_diag(cfg, on_diag, NULL);
	if ((path ? cfg_load(cfg, path, overrides, noverrides)
		  : load_defaults(cfg, overrides, noverrides)) != 0 ||
	    cfg_error_count(cfg)) {
		fprintf(stderr, "lanner-%s: configuration errors, not starting\n", stage);
		cfg_free(cfg);
		return NULL;
	}
	log_setup(cfg, stage);
	return cfg;
}

void stage_ring_name(struct cfg *cfg, const char *what, char *out, size_t n)
{
	snprintf(out, n, "%s.%s", cfg_get_string(cfg, "lanner.instance", "main"), what);
}

size_t stage_ring_size(struct cfg *cfg)
{
	uint64_t mb = cfg_get_uint(cfg, "lanner.ring_size_mb", 64);
	size_t sz = RING_MIN_DATA_SIZE;

	if (mb == 0)
		mb = 1;
	if (mb > RING_MAX_DATA_SIZE >> 20)
		mb = RING_MAX_DATA_SIZE >> 20;
	while (sz < (size_t)mb << 20)
		sz <<= 1;
	return sz;
}

const char *stage_run_dir(struct cfg *cfg)
{
	static char def[64];

	if (cfg && cfg_has(cfg, "lanner.run_dir"))
		return cfg_get_string(cfg, "lanner.run_dir", "/run/lanner");
	if (geteuid() == 0)
		return "/run/lanner";
	snprintf(def, sizeof(def), "/tmp/lanner-%u", (unsigned)geteuid());
	return def;
}

void stage_ipc_url(struct cfg *cfg, const char *what, char *out, size_t n)
{
	const char *dir = stage_run_dir(cfg);

	mkdir(dir, 0750);
	snprintf(out, n, "ipc://%s/%s.%s.sock", dir, cfg_get_string(cfg, "lanner.instance", "main"),
		 what);
}

/*
 * Either side may come first: attach, or create. When both race, one of them
 * finds the other's ring not initialised yet (EAGAIN: created, header not
 * written): wait for it, up to STAGE_RING_INIT_WAIT_MS, instead of failing
 * (a stage that failed here left its peer waiting on a ring nobody writes).
 */
#define STAGE_RING_INIT_WAIT_MS 5000

struct ring *stage_ring_open(const char *name, size_t size, enum ring_role role, char *err,
			     size_t errlen)
{
	for (int waited = 0;; waited += 10) {
		struct ring *r = ring_attach(name, 0, role, err, errlen);

		if (!r && errno == ENOENT) {
			r = ring_create(name, size, role, 0660, 0, err, errlen);
			if (!r && errno == EEXIST) /* the other side made it meanwhile */
				r = ring_attach(name, 0, role, err, errlen);
		}
		if (r || errno != EAGAIN || waited >= STAGE_RING_INIT_WAIT_MS)
			return r;
		usleep(10000);
	}
}

static void on_stop(int sig)
{
	/* a second signal: stop waiting (drains give up, counting what is left) */
	stage_stopping = stage_stopping ? 2 : 1;
}

void stage_signals(void)
{
	struct sigaction sa;

	memset(&sa, 0, sizeof(sa));
	sa.sa_handler = on_stop;
	sigaction(SIGTERM, &sa, NULL);
	sigaction(SIGINT, &sa, NULL);
	signal(SIGPIPE, SIG_IGN);
}
