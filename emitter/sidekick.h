/* sidekick.h: falcosidekick-compatible payloads: what its Redis output stores for an alert. */
#ifndef LANNER_EMITTER_SIDEKICK_H
#define LANNER_EMITTER_SIDEKICK_H

/*
 * falcosidekick (outputs/redis.go) stores json.Marshal(types.FalcoPayload)
 * of each alert Falco posted to it: RPUSH <key> (storage "list") or
 * HSET <key> <uuid> (storage "hashmap"). FalcoPayload's fields, in order:
 * uuid, output, priority, rule, time, output_fields, source, tags (omitempty),
 * hostname (omitempty). We build the same bytes from the alert as Falco's
 * JSON (the flags in f) would have reached falcosidekick: numbers kept as
 * written (json.Number), time as Go's RFC3339Nano (trailing zeros cut),
 * source "" -> "syscalls", rule "Test rule" -> source "internal", tags sorted,
 * strings escaped as Go's encoding/json does (HTML-safe \u003c \u003e \u0026,
 * \u2028 \u2029, invalid UTF-8 as \ufffd), and falcosidekick's cut of string
 * fields longer than 512 bytes (507 bytes + "[...]", also in output) when the
 * payload is over 4096 bytes.
 */

#include "alert.h"

/* A random (version 4) UUID in canonical form, as google/uuid's uuid.New().String(). */
void sidekick_uuid(char out[37]);
/* Appends the payload to out. 0 or -ENOMEM. */
int sidekick_payload(const struct alert *a, const struct alert_fmt *f, const char *uuid,
		     struct alert_buf *out);
/* Appends s as Go's encoding/json writes a string (quotes included). */
int sidekick_go_string(struct alert_buf *out, const char *s, size_t n);

#endif
