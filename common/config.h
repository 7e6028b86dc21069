/* config.h: the YAML configuration (Falco's falco.yaml keys + Lanner's sections), typed getters. */
#ifndef LANNER_CONFIG_H
#define LANNER_CONFIG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * One configuration = one YAML file (plus the files its `config_files` key
 * names, plus `-o key=value` overrides), parsed with libyaml into a tree whose
 * every node remembers its file, line and column (1-based), so that every
 * error names where the bad value was written.
 *
 * Typical use (what a stage's main() does):
 *
 *	struct cfg *cfg = cfg_new();
 *	if (!cfg || cfg_load(cfg, path, overrides, n_overrides) != 0)
 *		exit(1);                 (diagnostics already printed)
 *	bool on = cfg_get_bool(cfg, "file_output.enabled", false);
 *	...
 *	if (cfg_error_count(cfg))       (a getter met a value of the wrong type)
 *		exit(1);
 *	cfg_free(cfg);
 *
 * Paths are dotted keys with list indices: "file_output.enabled",
 * "rules_files[0]", "plugins[1].init_config.label_max_len".
 *
 * Diagnostics (errors, warnings) go to a sink: by default the log module
 * (log.h) at level error/warning; tests install their own with
 * cfg_set_diag(). Formats:
 *	FILE:LINE:COL: error: MESSAGE
 *	FILE:LINE:COL: warning: unknown configuration key 'a.b'
 *	-o SPEC: error: MESSAGE            (for values given with -o)
 *
 * A struct cfg is not thread-safe: load it, read it, then share only the
 * values you copied out (or read it from one thread at a time).
 */

/* Named limits on hostile input. */
#define CFG_MAX_FILE_SIZE (8u << 20) /* bytes of one config file */
#define CFG_MAX_DEPTH 64	     /* nesting of mappings/sequences */
#define CFG_MAX_NODES 200000u	     /* nodes in the whole tree, alias copies included */
#define CFG_MAX_PATH 512	     /* bytes of a dotted key path */
#define CFG_MAX_INCLUDES 64	     /* files loaded through config_files */

struct cfg;
struct cfg_node;

enum cfg_node_kind {
	CFG_NODE_NULL, /* `key:`, `key: ~`, `key: null` */
	CFG_NODE_SCALAR,
	CFG_NODE_MAP,
	CFG_NODE_SEQ,
};

enum cfg_diag_level {
	CFG_DIAG_ERROR,
	CFG_DIAG_WARNING,
};

/* Receives one formatted diagnostic line (no trailing newline). */
typedef void (*cfg_diag_fn)(void *ctx, enum cfg_diag_level level, const char *msg);

/* Returns an empty configuration, or NULL with errno set (ENOMEM). */
struct cfg *cfg_new(void);
/* Frees the configuration and every node and string it handed out. Accepts NULL. */
void cfg_free(struct cfg *cfg);
/* Replaces the diagnostic sink (NULL restores the default: log.h). */
void cfg_set_diag(struct cfg *cfg, cfg_diag_fn fn, void *ctx);

/*
 * Loads the way Falco does: the file at path (parsed and merged), then the
 * files named by `config_files` (after any `-o config_files...` override),
 * then every other override in order, then checks the whole tree against the
 * schema (unknown keys warned, values of known keys type-checked).
 * overrides are "-o" specs ("key=value"); may be NULL when n_overrides is 0.
 * Returns 0, or -EINVAL (bad YAML, bad override, wrong type: each reported to
 * the sink), -ENOENT/-EACCES/-EFBIG/-ENOMEM (file problems, also reported).
 */
int cfg_load(struct cfg *cfg, const char *path, const char *const *overrides, size_t n_overrides);

/*
 * The steps of cfg_load, for callers (and tests) that need them apart.
 * cfg_load_file / cfg_load_buffer parse one document and make it the root
 * (the previous root, if any, is dropped). name is what diagnostics call the
 * buffer. Env references "${VAR}" in values are replaced by the variable's
 * value (empty when unset) and "$${" stands for a literal "${", as in Falco.
 */
int cfg_load_file(struct cfg *cfg, const char *path);
int cfg_load_buffer(struct cfg *cfg, const char *name, const void *buf, size_t len);
/* Loads the files and directories listed under `config_files` and merges them. */
int cfg_include_config_files(struct cfg *cfg);
/*
 * Applies one "-o" spec, as Falco's -o does:
 *	key=value          key is dotted, may hold indices: a.b[2].c
 *	key[]=value        appends value to the list key (created if absent)
 *	key[N]=value       sets item N (N may equal the length: appends)
 *	key={a: 1, b: x}   a value in braces or brackets is parsed as a YAML
 *	key=[a.yaml, b]    flow mapping / sequence; anything else is one scalar,
 *	                   taken verbatim (its type is decided by the getter).
 * An empty value (key=) sets the key to null (= unset, getters give their
 * default). Intermediate mappings are created. The spec must be valid UTF-8
 * without control characters (as a file). Nothing changes when it fails.
 * Returns 0 or -EINVAL (reported), -ENOMEM.
 */
int cfg_apply_override(struct cfg *cfg, const char *spec);
/*
 * Checks the tree against the built-in schema (every key of Falco's
 * falco.yaml plus Lanner's sections): unknown keys are warnings, a known key
 * holding a value of the wrong type is an error. Returns 0 or -EINVAL.
 */
int cfg_validate(struct cfg *cfg);

/* Errors and warnings reported so far (loads, overrides, getters). */
unsigned cfg_error_count(const struct cfg *cfg);
unsigned cfg_warning_count(const struct cfg *cfg);
/* The last error message ("" if none); owned by cfg, valid until the next error. */
const char *cfg_last_error(const struct cfg *cfg);

/*
 * Typed getters. A missing key or a null value gives def. A value of the
 * wrong type is reported to the sink (FILE:LINE:COL: error: ...), counted in
 * cfg_error_count(), and gives def. A malformed path is a programmer error:
 * reported the same way, gives def.
 *
 * Booleans accept YAML 1.1's forms as Falco (yaml-cpp) does: true/false,
 * yes/no, on/off, y/n, each in lower, Capitalised or UPPER case.
 * Integers: decimal, 0x hex, 0o octal, optional sign; out of range is an
 * error, a negative value where unsigned is expected is an error.
 * Doubles: decimal/exponent forms (".1", "1e3"), .inf, -.inf, .nan.
 * Strings: any scalar (the text as written); a mapping or a list is an error.
 */
bool cfg_get_bool(struct cfg *cfg, const char *path, bool def);
int64_t cfg_get_int(struct cfg *cfg, const char *path, int64_t def);
uint64_t cfg_get_uint(struct cfg *cfg, const char *path, uint64_t def);
double cfg_get_double(struct cfg *cfg, const char *path, double def);
/* Returned string is owned by cfg (valid until cfg_free or the next load/override). */
const char *cfg_get_string(struct cfg *cfg, const char *path, const char *def);
/*
 * A list of strings: a sequence of scalars, or one scalar taken as a list of
 * one (as Falco's get_sequence). *out is a malloc'd array of *n pointers into
 * cfg (free() the array, not the strings); NULL when *n is 0.
 * Returns 0 (also when absent: *n = 0), -EINVAL (wrong type, reported) or -ENOMEM.
 */
int cfg_get_strlist(struct cfg *cfg, const char *path, const char ***out, size_t *n);
/*
 * One of a fixed set of names (e.g. log_level): returns the index in names
 * (NULL-terminated) of the value, compared case-insensitively; def when
 * absent; an unknown name is an error that lists the accepted ones.
 */
int cfg_get_enum(struct cfg *cfg, const char *path, const char *const *names, int def);
/* True when path exists (even if null). */
bool cfg_has(struct cfg *cfg, const char *path);

/* Sub-node access and iteration (nodes are owned by cfg). */
const struct cfg_node *cfg_root(const struct cfg *cfg);
/* The node at path below base (base NULL = root), or NULL if absent. */
const struct cfg_node *cfg_node_get(struct cfg *cfg, const struct cfg_node *base, const char *path);
enum cfg_node_kind cfg_node_kind(const struct cfg_node *node);
/* Number of entries of a mapping / items of a sequence; 0 for others. */
size_t cfg_node_len(const struct cfg_node *node);
/* Item i of a sequence, or the value of entry i of a mapping; NULL if out of range. */
const struct cfg_node *cfg_node_at(const struct cfg_node *node, size_t i);
/* Key of entry i of a mapping, or NULL. */
const char *cfg_node_key_at(const struct cfg_node *node, size_t i);
/* Text of a scalar, NULL for other kinds. */
const char *cfg_node_scalar(const struct cfg_node *node);
/* Where the node was written: file (or "-o SPEC"), 1-based line and column (0 for -o). */
const char *cfg_node_file(const struct cfg_node *node);
unsigned cfg_node_line(const struct cfg_node *node);
unsigned cfg_node_col(const struct cfg_node *node);

/*
 * The tree below node (NULL = root) as JSON, for printing the effective
 * configuration: mappings -> objects, lists -> arrays, scalars -> strings (the
 * text as written: types are the getters' business), null -> null. A new
 * reference, or NULL on ENOMEM.
 */
struct json_t;
struct json_t *cfg_to_json(const struct cfg *cfg, const struct cfg_node *node);

/* The getters above, relative to a node (e.g. while iterating "plugins"). */
bool cfg_node_get_bool(struct cfg *cfg, const struct cfg_node *base, const char *path, bool def);
int64_t cfg_node_get_int(struct cfg *cfg, const struct cfg_node *base, const char *path,
			 int64_t def);
uint64_t cfg_node_get_uint(struct cfg *cfg, const struct cfg_node *base, const char *path,
			   uint64_t def);
double cfg_node_get_double(struct cfg *cfg, const struct cfg_node *base, const char *path,
			   double def);
const char *cfg_node_get_string(struct cfg *cfg, const struct cfg_node *base, const char *path,
				const char *def);
int cfg_node_get_strlist(struct cfg *cfg, const struct cfg_node *base, const char *path,
			 const char ***out, size_t *n);

/*
 * Scalar conversions used by the getters, exposed for callers that parse
 * values themselves (e.g. an option given on the command line). Return 0 or
 * -EINVAL (not of that type) / -ERANGE (out of range).
 */
int cfg_parse_bool(const char *s, bool *out);
int cfg_parse_int(const char *s, int64_t *out);
int cfg_parse_uint(const char *s, uint64_t *out);
int cfg_parse_double(const char *s, double *out);

/* The schema: one entry per known key path ("a.b", "list[]" for list items). */
enum cfg_kind {
	CFG_K_ANY,    /* anything; nothing below it is checked */
	CFG_K_SCALAR, /* any scalar */
	CFG_K_BOOL,
	CFG_K_INT,
	CFG_K_UINT,
	CFG_K_DOUBLE,
	CFG_K_STRING, /* any scalar, read as text */
	CFG_K_MAP,
	CFG_K_SEQ, /* items described by "path[]" */
};

struct cfg_schema_key {
	const char *path;
	enum cfg_kind kind;
};

/* Sorted by path (strcmp), for bsearch. Generated: common/config_schema.c. */
extern const struct cfg_schema_key cfg_schema[];
extern const size_t cfg_schema_len;
/* The schema entry of a normalised path ("plugins[].name"), or NULL. */
const struct cfg_schema_key *cfg_schema_find(const char *path);

#endif
