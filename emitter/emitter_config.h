/* emitter_config.h: the emitter's settings: Falco's output keys plus Lanner's redis: and emitter: sections. */
#ifndef LANNER_EMITTER_CONFIG_H
#define LANNER_EMITTER_CONFIG_H

/*
 * Read from the one Lanner/Falco YAML file (a falco.yaml works as is);
 * `-o key.sub=value` overrides any scalar. Loaded through common/config
 * (config_files, ${ENV}, schema check: type errors name file:line:col);
 * here each key gets its default and its range check.
 */

#include <stdbool.h>
#include <stdint.h>

#include "alert.h"
#include "journal.h"

struct ecfg_http {
	bool enabled;
	char *url;
	char *user_agent; /* "falcosecurity/falco" as Falco */
	bool insecure;
	char *ca_cert, *ca_bundle, *ca_path;
	bool mtls;
	char *client_cert, *client_key;
	bool echo;
	bool compress_uploads;
	bool keep_alive;
	unsigned max_consecutive_timeouts;
};

struct ecfg_redis {
	bool enabled;
	char *address; /* "host:port", "/path/to.sock" or "unix:///path" */
	char *password, *username;
	int database;
	bool tls;		/* refused: hiredis 0.14.1 (Debian 12) has no TLS */
	char *key_prefix;	/* "lanner:" */
	char *stream;		/* stream key name after the prefix: "alerts" */
	char *channel;		/* full pub/sub channel: "lanner:alerts" */
	uint64_t stream_maxlen; /* XADD MAXLEN ~; 0: no trimming */
	unsigned retention_s;	/* TTL of the per-minute counter hashes */
	bool lanner_layout;	/* stream + pub/sub + counters (default true) */
	bool sidekick;		/* falcosidekick-compatible writes (redis.falcosidekick.enabled) */
	char *sidekick_storage; /* "list" (RPUSH) or "hashmap" (HSET) */
	char *sidekick_key;	/* "falco" */
	unsigned batch;		/* alerts per MULTI/EXEC round trip */
};

struct ecfg_rate {
	bool enabled;
	double rule_rate, rule_burst;	  /* tokens per second, bucket size, per rule */
	double global_rate, global_burst; /* the same for all rules together; 0 = none */
	unsigned summary_interval_s;	  /* internal alert summarising suppressed alerts */
};

struct emitter_config {
	struct alert_fmt fmt;
	enum alert_priority priority; /* Falco's `priority`: less severe alerts are ignored */
	bool buffered_outputs;
	unsigned output_timeout_ms;
	bool stdout_enabled;
	bool file_enabled, file_keep_alive;
	char *file_filename;
	bool syslog_enabled;
	char *syslog_socket; /* Lanner: where syslog datagrams go; "/dev/log" */
	bool program_enabled, program_keep_alive;
	char *program;
	struct ecfg_http http;
	struct ecfg_redis redis;
	struct ecfg_rate rate;
	/* emitter: section */
	char *intake;	 /* nng url, "ipc:///run/lanner/alerts.sock" */
	char *spool_dir; /* the journal */
	uint64_t spool_max_bytes, spool_segment_bytes;
	enum journal_fsync fsync;
	unsigned fsync_interval_ms;
	unsigned retry_min_ms, retry_max_ms;
	unsigned batch;	  /* alerts per delivery batch for non-Redis outputs */
	char *stats_file; /* JSON counters, rewritten every stats_interval_ms; "" = none */
	unsigned stats_interval_ms;
	char *hostname; /* filled when an alert has none */
};

/*
 * Loads `path` (NULL: defaults only), then applies overrides ("a.b=v"). On
 * error prints "path: key: why" into err and returns -EINVAL/-errno.
 */
int ecfg_load(struct emitter_config *c, const char *path, char *const *overrides, int noverrides,
	      char *err, size_t errlen);
void ecfg_fini(struct emitter_config *c);

#endif
