/* emitter_config.c: the emitter's settings, read through common/config (Falco's loading rules). */
#include "emitter_config.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>
#include <unistd.h>

#include "config.h"
#include "log.h"

struct src {
	struct cfg *cfg;
	const char *path;
	char *err;
	size_t errlen;
};

/* The scalar at a dotted path as written (overrides applied by cfg_load); NULL if absent. */
static const char *get(struct src *s, const char *key, char *tmp, size_t tmplen)
{
	const char *v = cfg_get_string(s->cfg, key, NULL);

	if (!v)
		return NULL;
	snprintf(tmp, tmplen, "%s", v);
	return tmp;
}

static int bad(struct src *s, const char *key, const char *v, const char *why)
{
	snprintf(s->err, s->errlen, "%s: %s: '%s': %s", s->path ? s->path : "(overrides)", key, v,
		 why);
	return -EINVAL;
}

static int get_bool(struct src *s, const char *key, bool *out)
{
	char tmp[64];
	const char *v = get(s, key, tmp, sizeof(tmp));

	if (!v)
		return 0;
	if (!strcasecmp(v, "true") || !strcasecmp(v, "yes") || !strcasecmp(v, "on") ||
	    !strcmp(v, "1"))
		*out = true;
	else if (!strcasecmp(v, "false") || !strcasecmp(v, "no") || !strcasecmp(v, "off") ||
		 !strcmp(v, "0"))
		*out = false;
	else
		return bad(s, key, v, "expected true or false");
	return 0;
}

static int get_u64(struct src *s, const char *key, uint64_t *out, uint64_t max)
{
	char tmp[64], *end;
	const char *v = get(s, key, tmp, sizeof(tmp));

	if (!v)
		return 0;
	errno = 0;
	unsigned long long x = strtoull(v, &end, 10);
	if (errno || end == v || *end || v[0] == '-' || x > max)
		return bad(s, key, v, "expected a non-negative integer in range");
	*out = x;
	return 0;
}

static int get_uint(struct src *s, const char *key, unsigned *out, unsigned max)
{
	uint64_t x = *out;
	int rc = get_u64(s, key, &x, max);

	*out = (unsigned)x;
	return rc;
}

static int get_double(struct src *s, const char *key, double *out)
{
	char tmp[64], *end;
	const char *v = get(s, key, tmp, sizeof(tmp));

	if (!v)
		return 0;
	double d = strtod(v, &end);
	if (end == v || *end || !(d >= 0))
		return bad(s, key, v, "expected a non-negative number");
	*out = d;
	return 0;
}

static int get_str(struct src *s, const char *key, char **out, const char *def)
{
	char tmp[4096];
	const char *v = get(s, key, tmp, sizeof(tmp));

	if (!v)
		v = def;
	free(*out);
	*out = v ? strdup(v) : NULL;
	return v && !*out ? -ENOMEM : 0;
}

int ecfg_load(struct emitter_config *c, const char *path, char *const *overrides, int noverrides,
	      char *err, size_t errlen)
{
	struct src s = {.path = path, .err = err, .errlen = errlen};
	char tmp[256];
	const char *v;
	int rc = 0;

	memset(c, 0, sizeof(*c));
	alert_fmt_default(&c->fmt);
	s.cfg = cfg_new();
	if (!s.cfg)
		return -ENOMEM;
	/* common/config: Falco's loading (config_files, ${ENV}, -o) and the schema check */
	if (path) {
		rc = cfg_load(s.cfg, path, (const char *const *)overrides, (size_t)noverrides);
	} else {
		rc = cfg_load_buffer(s.cfg, "(defaults)", "{}", 2);
		for (int i = 0; !rc && i < noverrides; i++)
			rc = cfg_apply_override(s.cfg, overrides[i]);
		if (!rc)
			rc = cfg_validate(s.cfg);
	}
	if (rc) {
		snprintf(err, errlen, "%s", cfg_last_error(s.cfg));
		cfg_free(s.cfg);
		return rc;
	}
	/* log_level, log_stderr, log_syslog as Falco, stage name "emitter" */
	if (log_setup(s.cfg, "emitter")) {
		snprintf(err, errlen, "%s", cfg_last_error(s.cfg));
		cfg_free(s.cfg);
		return -EINVAL;
	}
#define TRY(x)                                                                                     \
	do {                                                                                       \
		rc = (x);                                                                          \
		if (rc)                                                                            \
			goto out;                                                                  \
	} while (0)
	TRY(get_bool(&s, "json_output", &c->fmt.json_output));
	TRY(get_bool(&s, "json_include_output_property", &c->fmt.json_include_output_property));
	TRY(get_bool(&s, "json_include_tags_property", &c->fmt.json_include_tags_property));
	TRY(get_bool(&s, "json_include_message_property", &c->fmt.json_include_message_property));
	TRY(get_bool(&s, "json_include_output_fields_property",
		     &c->fmt.json_include_output_fields_property));
	TRY(get_bool(&s, "time_format_iso_8601", &c->fmt.time_format_iso_8601));
	c->priority = ALERT_PRIO_DEBUG;
	v = get(&s, "priority", tmp, sizeof(tmp));
	if (v && alert_priority_parse(v, &c->priority)) {
		rc = bad(&s, "priority", v, "not a Falco priority");
		goto out;
	}
	TRY(get_bool(&s, "buffered_outputs", &c->buffered_outputs));
	c->output_timeout_ms = 2000;
	TRY(get_uint(&s, "output_timeout", &c->output_timeout_ms, 3600000));
	/* Falco's defaults: stdout and syslog on, the others off */
	c->stdout_enabled = true;
	TRY(get_bool(&s, "stdout_output.enabled", &c->stdout_enabled));
	c->syslog_enabled = true;
	TRY(get_bool(&s, "syslog_output.enabled", &c->syslog_enabled));
	TRY(get_str(&s, "syslog_output.socket", &c->syslog_socket, "/dev/log"));
	TRY(get_bool(&s, "file_output.enabled", &c->file_enabled));
	TRY(get_bool(&s, "file_output.keep_alive", &c->file_keep_alive));
	TRY(get_str(&s, "file_output.filename", &c->file_filename, "./events.txt"));
	TRY(get_bool(&s, "program_output.enabled", &c->program_enabled));
	TRY(get_bool(&s, "program_output.keep_alive", &c->program_keep_alive));
	TRY(get_str(&s, "program_output.program", &c->program, NULL));
	struct ecfg_http *h = &c->http;
	TRY(get_bool(&s, "http_output.enabled", &h->enabled));
	TRY(get_str(&s, "http_output.url", &h->url, ""));
	TRY(get_str(&s, "http_output.user_agent", &h->user_agent, "falcosecurity/falco"));
	TRY(get_bool(&s, "http_output.insecure", &h->insecure));
	TRY(get_str(&s, "http_output.ca_cert", &h->ca_cert, ""));
	TRY(get_str(&s, "http_output.ca_bundle", &h->ca_bundle, ""));
	TRY(get_str(&s, "http_output.ca_path", &h->ca_path, "/etc/ssl/certs"));
	TRY(get_bool(&s, "http_output.mtls", &h->mtls));
	TRY(get_str(&s, "http_output.client_cert", &h->client_cert, "/etc/ssl/certs/client.crt"));
	TRY(get_str(&s, "http_output.client_key", &h->client_key, "/etc/ssl/certs/client.key"));
	TRY(get_bool(&s, "http_output.echo", &h->echo));
	TRY(get_bool(&s, "http_output.compress_uploads", &h->compress_uploads));
	TRY(get_bool(&s, "http_output.keep_alive", &h->keep_alive));
	h->max_consecutive_timeouts = 5;
	TRY(get_uint(&s, "http_output.max_consecutive_timeouts", &h->max_consecutive_timeouts,
		     255));
	struct ecfg_redis *r = &c->redis;
	TRY(get_bool(&s, "redis.enabled", &r->enabled));
	TRY(get_str(&s, "redis.address", &r->address, "127.0.0.1:6379"));
	TRY(get_str(&s, "redis.password", &r->password, ""));
	TRY(get_str(&s, "redis.username", &r->username, ""));
	uint64_t db = 0;
	TRY(get_u64(&s, "redis.database", &db, 1u << 20));
	r->database = (int)db;
	TRY(get_bool(&s, "redis.tls", &r->tls));
	TRY(get_str(&s, "redis.key_prefix", &r->key_prefix, "lanner:"));
	TRY(get_str(&s, "redis.stream", &r->stream, "alerts"));
	char defchan[512];
	snprintf(defchan, sizeof(defchan), "%salerts", r->key_prefix);
	TRY(get_str(&s, "redis.channel", &r->channel, defchan));
	r->stream_maxlen = 100000;
	TRY(get_u64(&s, "redis.stream_maxlen", &r->stream_maxlen, UINT64_MAX));
	r->retention_s = 7 * 86400;
	/* redis.retention_minutes (the shared schema's name) when redis.retention is absent */
	unsigned minutes = 0;
	TRY(get_uint(&s, "redis.retention_minutes", &minutes, 3650u * 1440u));
	if (minutes)
		r->retention_s = minutes * 60u;
	TRY(get_uint(&s, "redis.retention", &r->retention_s, 3650u * 86400u));
	r->lanner_layout = true;
	TRY(get_bool(&s, "redis.lanner_layout", &r->lanner_layout));
	/* redis.compat: list|hashmap (the shared schema's shorthand for the falcosidekick layout) */
	const char *compat = get(&s, "redis.compat", tmp, sizeof(tmp));
	char compat_storage[16] = "list";
	if (compat && (!strcasecmp(compat, "list") || !strcasecmp(compat, "hashmap"))) {
		r->sidekick = true;
		snprintf(compat_storage, sizeof(compat_storage), "%s", compat);
	}
	TRY(get_bool(&s, "redis.falcosidekick.enabled", &r->sidekick));
	TRY(get_str(&s, "redis.falcosidekick.storage_type", &r->sidekick_storage, compat_storage));
	TRY(get_str(&s, "redis.falcosidekick.key", &r->sidekick_key, "falco"));
	r->batch = 512;
	TRY(get_uint(&s, "redis.batch", &r->batch, 4096));
	if (!r->batch)
		r->batch = 1;
	if (strcasecmp(r->sidekick_storage, "list") && strcasecmp(r->sidekick_storage, "hashmap")) {
		rc = bad(&s, "redis.falcosidekick.storage_type", r->sidekick_storage,
			 "expected list or hashmap");
		goto out;
	}
	if (r->enabled && r->tls) {
		rc = bad(&s, "redis.tls", "true",
			 "not supported: Debian 12's hiredis 0.14.1 has no TLS (use a local "
			 "socket or a TLS tunnel)");
		goto out;
	}
	TRY(get_str(&s, "emitter.intake", &c->intake, "ipc:///run/lanner/alerts.sock"));
	/* top-level spool: (dir, max_mb, fsync) is accepted too; emitter.spool.* wins */
	TRY(get_str(&s, "spool.dir", &c->spool_dir, "/var/lib/lanner/spool"));
	char *spool_default = c->spool_dir;
	c->spool_dir = NULL;
	rc = get_str(&s, "emitter.spool.dir", &c->spool_dir, spool_default);
	free(spool_default);
	if (rc)
		goto out;
	c->spool_max_bytes = 1ull << 30;
	uint64_t max_mb = 0;
	TRY(get_u64(&s, "spool.max_mb", &max_mb, UINT64_MAX >> 20));
	if (max_mb)
		c->spool_max_bytes = max_mb << 20;
	TRY(get_u64(&s, "emitter.spool.max_bytes", &c->spool_max_bytes, UINT64_MAX));
	c->spool_segment_bytes = 16u << 20;
	TRY(get_u64(&s, "emitter.spool.segment_bytes", &c->spool_segment_bytes, UINT64_MAX));
	c->fsync = JOURNAL_FSYNC_INTERVAL;
	v = get(&s, "emitter.spool.fsync", tmp, sizeof(tmp));
	if (!v)
		v = get(&s, "spool.fsync", tmp, sizeof(tmp));
	if (v) {
		if (!strcmp(v, "never"))
			c->fsync = JOURNAL_FSYNC_NEVER;
		else if (!strcmp(v, "interval"))
			c->fsync = JOURNAL_FSYNC_INTERVAL;
		else if (!strcmp(v, "always"))
			c->fsync = JOURNAL_FSYNC_ALWAYS;
		else {
			rc = bad(&s, "emitter.spool.fsync", v,
				 "expected never, interval or always");
			goto out;
		}
	}
	c->fsync_interval_ms = 1000;
	TRY(get_uint(&s, "emitter.spool.fsync_interval_ms", &c->fsync_interval_ms, 3600000));
	c->retry_min_ms = 100;
	c->retry_max_ms = 30000;
	TRY(get_uint(&s, "emitter.retry_min_ms", &c->retry_min_ms, 3600000));
	TRY(get_uint(&s, "emitter.retry_max_ms", &c->retry_max_ms, 3600000));
	if (!c->retry_min_ms)
		c->retry_min_ms = 1;
	if (c->retry_max_ms < c->retry_min_ms)
		c->retry_max_ms = c->retry_min_ms;
	c->batch = 256;
	TRY(get_uint(&s, "emitter.batch", &c->batch, 4096));
	if (!c->batch)
		c->batch = 1;
	TRY(get_str(&s, "emitter.stats_file", &c->stats_file, ""));
	c->stats_interval_ms = 1000;
	TRY(get_uint(&s, "emitter.stats_interval_ms", &c->stats_interval_ms, 3600000));
	struct ecfg_rate *rl = &c->rate;
	TRY(get_bool(&s, "emitter.rate_limit.enabled", &rl->enabled));
	rl->rule_rate = 100;
	rl->rule_burst = 1000;
	TRY(get_double(&s, "emitter.rate_limit.rule_rate", &rl->rule_rate));
	TRY(get_double(&s, "emitter.rate_limit.rule_burst", &rl->rule_burst));
	TRY(get_double(&s, "emitter.rate_limit.global_rate", &rl->global_rate));
	TRY(get_double(&s, "emitter.rate_limit.global_burst", &rl->global_burst));
	rl->summary_interval_s = 60;
	TRY(get_uint(&s, "emitter.rate_limit.summary_interval_s", &rl->summary_interval_s, 86400));
	char hn[256] = "";
	if (getenv("LANNER_HOSTNAME"))
		snprintf(hn, sizeof(hn), "%s", getenv("LANNER_HOSTNAME"));
	else if (getenv("FALCO_HOSTNAME"))
		snprintf(hn, sizeof(hn), "%s", getenv("FALCO_HOSTNAME"));
	else
		gethostname(hn, sizeof(hn) - 1);
	TRY(get_str(&s, "emitter.hostname", &c->hostname, hn));
#undef TRY
out:
	cfg_free(s.cfg);
	if (rc == -ENOMEM)
		snprintf(err, errlen, "out of memory");
	if (rc)
		ecfg_fini(c);
	return rc;
}

void ecfg_fini(struct emitter_config *c)
{
	if (!c)
		return;
	free(c->syslog_socket);
	free(c->file_filename);
	free(c->program);
	free(c->http.url);
	free(c->http.user_agent);
	free(c->http.ca_cert);
	free(c->http.ca_bundle);
	free(c->http.ca_path);
	free(c->http.client_cert);
	free(c->http.client_key);
	free(c->redis.address);
	free(c->redis.password);
	free(c->redis.username);
	free(c->redis.key_prefix);
	free(c->redis.stream);
	free(c->redis.channel);
	free(c->redis.sidekick_storage);
	free(c->redis.sidekick_key);
	free(c->intake);
	free(c->spool_dir);
	free(c->stats_file);
	free(c->hostname);
	memset(c, 0, sizeof(*c));
}
