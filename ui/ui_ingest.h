/* ui_ingest.h: alerts POSTed to lanner-ui (Falco's JSON, falcosidekick's web-UI payload) into Redis. */
#ifndef LANNER_UI_INGEST_H
#define LANNER_UI_INGEST_H

/*
 * An alert posted to the dashboard is parsed into a struct alert and written
 * by the emitter's own Redis writer (emitter/out_redis.c, linked from
 * lanner_emitter_core), so it lands in exactly the layout the emitter writes
 * (docs/redis-layout.md): same stream fields, channel, counters, TTLs, MAXLEN.
 * The writer's commit marker key is <prefix>emitter:ui-<host>:redis.
 */

#include <stddef.h>

#include <jansson.h>

#include "alert.h"
#include "emitter_config.h"

struct ui_ingest;

/* ec must outlive the object. NULL with errno on failure. */
struct ui_ingest *ui_ingest_new(const struct emitter_config *ec);
void ui_ingest_free(struct ui_ingest *in);

/*
 * Parses one alert in Falco's JSON form (hostname, output, output_fields,
 * priority, rule, source, tags, time; falcosidekick's "uuid" is ignored).
 * Returns a new alert, or NULL with a message in err (what is wrong, which key).
 */
struct alert *ui_alert_from_json(const json_t *o, char *err, size_t errlen);

/* Writes n alerts in one transaction. 0, or -EIO when Redis did not take them. */
int ui_ingest_write(struct ui_ingest *in, struct alert **a, size_t n);

/* Parses "2026-11-28T12:29:06.211176210Z" (RFC 3339, any offset) into ns. 0 or -EINVAL. */
int ui_parse_rfc3339(const char *s, uint64_t *ns);

#endif
