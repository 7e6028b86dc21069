/* alert.h: the structured alert that evaluators build and the emitter renders (Falco JSON/text). */
#ifndef LANNER_ALERT_H
#define LANNER_ALERT_H

/*
 * One alert = one rule match (or one internal message, source "internal").
 * Evaluators build it (alert_new, alert_set, alert_add_*), encode it for the
 * wire (alert_encode) and hand it to the emitter (alert_tx.h); the emitter
 * decodes it (alert_decode, which validates everything: it is outside input)
 * and renders it exactly as Falco 0.39+ writes alerts (alert_render_*).
 *
 * Strings are NUL-terminated byte strings, owned by the alert. They may hold
 * any bytes except NUL: invalid UTF-8 and control characters are kept as they
 * are and only replaced/escaped when rendered as JSON, as Falco does.
 *
 * `output` is the rule's formatted output WITHOUT Falco's "<time>: <Priority> "
 * prefix (what Falco's JSON calls "message"); the renderer adds the prefix,
 * because it depends on time_format_iso_8601, an emitter setting.
 *
 * `fields` are the rule's output fields (the %fields of its output format)
 * with their JSON types as Falco writes them (string, integer, double, bool,
 * null for <NA>). The renderer adds Falco's prefix field (evt.time, or
 * evt.time.iso8601 with time_format_iso_8601) itself; evaluators should not.
 * Renderers sort fields by name (byte order) and tags (Falco keeps them in a
 * std::set): insertion order does not matter.
 */

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* Falco's priorities, in Falco's (and syslog's) numeric order: 0 is the most severe. */
enum alert_priority {
	ALERT_PRIO_EMERGENCY = 0,
	ALERT_PRIO_ALERT = 1,
	ALERT_PRIO_CRITICAL = 2,
	ALERT_PRIO_ERROR = 3,
	ALERT_PRIO_WARNING = 4,
	ALERT_PRIO_NOTICE = 5,
	ALERT_PRIO_INFORMATIONAL = 6,
	ALERT_PRIO_DEBUG = 7,
};
#define ALERT_PRIO_COUNT 8

/* JSON types of output fields, as Falco's JSON carries them. */
enum alert_ftype {
	ALERT_FT_NULL = 0, /* Falco's <NA>: JSON null */
	ALERT_FT_STRING = 1,
	ALERT_FT_INT64 = 2,
	ALERT_FT_UINT64 = 3,
	ALERT_FT_DOUBLE = 4, /* non-finite values render as null, as nlohmann::json does */
	ALERT_FT_BOOL = 5,
};

struct alert_field {
	char *name; /* owned; e.g. "proc.name", "proc.aname[2]" */
	enum alert_ftype type;
	union {
		char *s; /* ALERT_FT_STRING, owned */
		int64_t i64;
		uint64_t u64;
		double d;
		bool b;
	} v;
};

/* Limits enforced by the builder and the decoder (named, not magic). */
#define ALERT_MAX_STR (16u << 20) /* bytes in one string (rule, output, a field value) */
#define ALERT_MAX_TAGS 1024u
#define ALERT_MAX_FIELDS 4096u
#define ALERT_MAX_WIRE (64u << 20) /* bytes of one encoded alert */

struct alert {
	char *rule;   /* rule name ("Falco internal: ..." style for internal ones) */
	char *source; /* "syscall", "internal", plugin source names */
	char *hostname;
	char *output; /* formatted rule output, no time/priority prefix (Falco's "message") */
	enum alert_priority priority;
	uint64_t time_ns; /* event time, nanoseconds since the Unix epoch (UTC) */
	char **tags;	  /* owned array of owned strings, ntags entries */
	size_t ntags;
	struct alert_field *fields; /* owned array, nfields entries */
	size_t nfields;
	size_t fields_cap; /* allocated entries in fields (builder bookkeeping) */
	size_t tags_cap;
};

/* Priority names: "Emergency" ... "Debug" (Falco's long names); NULL if out of range. */
const char *alert_priority_name(enum alert_priority p);
/*
 * Parses a priority as Falco's rules and falco.yaml accept it: case-insensitive
 * "emergency", "alert", "critical", "error", "warning", "notice",
 * "informational" or "info", "debug". Returns 0, or -EINVAL (out untouched).
 */
int alert_priority_parse(const char *s, enum alert_priority *out);

/* A new empty alert (priority Debug, all strings NULL); NULL with errno on failure. */
struct alert *alert_new(void);
/* Frees the alert and everything it owns; accepts NULL. */
void alert_free(struct alert *a);
/* A deep copy; NULL with errno on failure. */
struct alert *alert_dup(const struct alert *a);

/*
 * Setters copy their string arguments (NULL clears). Each returns 0, -ENOMEM,
 * or -E2BIG when a string exceeds ALERT_MAX_STR; the alert is unchanged on error.
 */
int alert_set_rule(struct alert *a, const char *rule);
int alert_set_source(struct alert *a, const char *source);
int alert_set_hostname(struct alert *a, const char *hostname);
int alert_set_output(struct alert *a, const char *output);
/* Adds a tag (duplicates are dropped when rendered). -ENOMEM, -E2BIG, -ENOSPC (too many). */
int alert_add_tag(struct alert *a, const char *tag);

/*
 * Add one output field. The name and string value are copied. A NULL string
 * value adds a null (Falco's <NA>). Returns 0, -ENOMEM, -E2BIG, -EINVAL (NULL
 * name) or -ENOSPC (more than ALERT_MAX_FIELDS). A name added twice keeps the
 * last value when rendered (as a JSON object would).
 */
int alert_add_string(struct alert *a, const char *name, const char *value);
int alert_add_null(struct alert *a, const char *name);
int alert_add_int64(struct alert *a, const char *name, int64_t v);
int alert_add_uint64(struct alert *a, const char *name, uint64_t v);
int alert_add_double(struct alert *a, const char *name, double v);
int alert_add_bool(struct alert *a, const char *name, bool v);
/* The field with that name (last one added), or NULL. */
const struct alert_field *alert_find_field(const struct alert *a, const char *name);

/* True for Falco's internal messages (source "internal"), rendered Falco's internal way. */
bool alert_is_internal(const struct alert *a);

/* A growable byte buffer for renderers and the encoder. Always NUL-terminated after a render. */
struct alert_buf {
	char *data;
	size_t len;
	size_t cap;
};
void alert_buf_init(struct alert_buf *b);
void alert_buf_fini(struct alert_buf *b);  /* accepts a zeroed or NULL buffer */
void alert_buf_reset(struct alert_buf *b); /* len = 0, keeps the memory */
int alert_buf_append(struct alert_buf *b, const void *p, size_t n);

/* Falco's output settings that shape a rendered alert (falco.yaml keys of the same names). */
struct alert_fmt {
	bool json_output;			  /* default false */
	bool json_include_output_property;	  /* default true */
	bool json_include_tags_property;	  /* default true */
	bool json_include_message_property;	  /* default false */
	bool json_include_output_fields_property; /* default true */
	bool time_format_iso_8601;		  /* default false */
};
/* Falco's defaults (see falco.yaml). */
void alert_fmt_default(struct alert_fmt *f);

/*
 * Renderers APPEND to `out` (call alert_buf_reset first for a fresh string),
 * never add a trailing newline, and return 0 or -ENOMEM.
 *
 * alert_render: what Falco writes to its outputs: the JSON object when
 *   f->json_output, else the text line.
 * alert_render_json: Falco's JSON: keys in byte order (hostname, [message,]
 *   output, output_fields, priority, rule, source, tags, time), time RFC 3339
 *   UTC with 9 fractional digits, strings escaped as nlohmann::json dump()
 *   does with error_handler replace (invalid UTF-8 -> U+FFFD, control
 *   characters \b \f \n \r \t or \u00XX, no other escaping). Internal alerts
 *   take Falco's internal form (no tags, message or prefix; output as is).
 * alert_render_output: the "output" text: "<time>: <Priority> <output>" where
 *   time is HH:MM:SS.nnnnnnnnn in local time (libsinsp's %evt.time) or, with
 *   time_format_iso_8601, YYYY-MM-DDTHH:MM:SS.nnnnnnnnn+0000 (%evt.time.iso8601).
 *   Internal alerts: "<time>: <Priority> <output> (k=v k=v)" as Falco's text.
 */
int alert_render(const struct alert *a, const struct alert_fmt *f, struct alert_buf *out);
int alert_render_json(const struct alert *a, const struct alert_fmt *f, struct alert_buf *out);
int alert_render_output(const struct alert *a, const struct alert_fmt *f, struct alert_buf *out);
/* RFC 3339 UTC with nanoseconds, "2026-11-28T12:29:06.211176210Z" (Falco's JSON "time"). */
int alert_render_time_rfc3339(uint64_t time_ns, struct alert_buf *out);
/* Appends s (n bytes) as a JSON string literal, quotes included, escaped as nlohmann does. */
int alert_json_string(struct alert_buf *out, const char *s, size_t n);
/* Appends s (n bytes) with invalid UTF-8 replaced by U+FFFD exactly as the JSON renderer
 * replaces it (no escaping): the string a JSON consumer of Falco's output decodes. */
int alert_utf8_sanitize(struct alert_buf *out, const char *s, size_t n);
/* Appends a double as nlohmann::json dump() writes it (shortest round trip; 1.0, 1e+20, null). */
int alert_json_double(struct alert_buf *out, double d);

/*
 * Wire encoding (evaluator -> emitter, and the emitter's spool): compact,
 * little-endian, length-prefixed binary, versioned; see docs/emitter.md.
 * alert_encode appends to out; returns 0, -ENOMEM or -E2BIG.
 * alert_decode validates everything (sizes, NULs, types, priority, exact
 * length) and returns a new alert in *out, or -EINVAL / -E2BIG / -ENOMEM with
 * *out untouched; it never reads outside buf[0..len).
 */
#define ALERT_WIRE_MAGIC 0x4c41u /* "AL" */
#define ALERT_WIRE_VERSION 1u
int alert_encode(const struct alert *a, struct alert_buf *out);
int alert_decode(const void *buf, size_t len, struct alert **out);
/* What alert_check reports of a valid encoded alert: slices of the buffer, not NUL-terminated. */
struct alert_peek {
	enum alert_priority priority;
	const char *rule; /* NULL when absent */
	size_t rule_len;
	const char *source; /* NULL when absent */
	size_t source_len;
};
/*
 * The decoder's checks without building anything (no allocation): 0 exactly when
 * alert_decode would succeed (the fuzz target holds them to that), filling *pk.
 * For the emitter's intake, which only validates, filters and rate-limits
 * before journaling the bytes as they are.
 */
int alert_check(const void *buf, size_t len, struct alert_peek *pk);

#endif
