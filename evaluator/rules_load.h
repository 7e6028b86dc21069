/* rules_load.h: reads Falco rules files into lists, macros and rules (Falco's reader + collector). */
#ifndef LANNER_RULES_LOAD_H
#define LANNER_RULES_LOAD_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

#include "rules_diag.h"

/*
 * Engine version we report for `required_engine_version`: Falco 0.44's
 * (falco_engine_version.h at tag 0.44.1), so files written for it load.
 */
#define RULES_ENGINE_VERSION_MAJOR 0
#define RULES_ENGINE_VERSION_MINOR 62
#define RULES_ENGINE_VERSION_PATCH 0
#define RULES_ENGINE_VERSION "0.62.0"

/* Falco priorities, most severe first (falco_common::priority_type). */
enum rules_prio {
	RULES_PRIO_EMERGENCY = 0,
	RULES_PRIO_ALERT,
	RULES_PRIO_CRITICAL,
	RULES_PRIO_ERROR,
	RULES_PRIO_WARNING,
	RULES_PRIO_NOTICE,
	RULES_PRIO_INFORMATIONAL,
	RULES_PRIO_DEBUG,
};

/* Case-insensitive, `info` accepted. Returns 0 or -EINVAL. */
int rules_prio_parse(const char *s, enum rules_prio *out);
/* "Emergency", "Alert", ..., "Informational", "Debug" (Falco's alert spelling). */
const char *rules_prio_name(enum rules_prio p);

struct rules_list {
	char *name;
	char **items;
	size_t nitems;
	uint32_t index, visibility; /* definition order, as Falco's collector */
	bool used;
	struct rules_pos pos;
};

struct rules_loader;

/* Position of a condition/output scalar, to map an offset in its text back to the file. */
struct rules_textpos {
	struct rules_pos pos; /* start of the scalar node */
	size_t off;	      /* byte offset of the scalar node in its file */
	int style;	      /* enum rules_yscalar_style */
	bool valid;
};

/* Maps byte `k` of a condition/output text back to its line and column in the file. */
struct rules_pos rules_textpos_at(const struct rules_loader *l, const struct rules_textpos *tp,
				  size_t k);

struct rules_macro {
	char *name;
	char *cond;
	struct rules_textpos cond_pos;
	uint32_t index, visibility;
	bool used;
	struct rules_pos pos;
};

/* An exception's fields / comps / one values entry: a scalar, or a list of entries. */
struct rules_exc_entry {
	bool valid; /* present in the file */
	bool is_list;
	char *item;		       /* scalar form */
	struct rules_exc_entry *items; /* list form */
	size_t nitems;
};

struct rules_exception {
	char *name;
	struct rules_exc_entry fields, comps;
	struct rules_exc_entry *values;
	size_t nvalues;
	struct rules_pos pos;
};

struct rules_rule {
	char *name;
	char *desc;
	char *cond;
	char *output;
	char *source;
	enum rules_prio priority;
	char **tags; /* sorted, unique (Falco keeps a std::set) */
	size_t ntags;
	bool enabled, warn_evttypes, skip_if_unknown_filter, capture;
	uint32_t capture_duration;
	struct rules_exception *exceptions;
	size_t nexceptions;
	bool unknown_source; /* source other than syscall: kept, never compiled */
	uint32_t index, visibility;
	struct rules_pos pos;
	struct rules_textpos cond_pos, output_pos;
};

/* A required plugin and its alternatives (name/version pairs). */
struct rules_plugin_req {
	char **names, **versions;
	size_t n;
	struct rules_pos pos;
};

/* Open-addressing index name -> position (+1) in one of the collection's arrays. */
struct rules_name_index {
	uint32_t *slots;
	size_t cap; /* power of two, or 0 */
	size_t n;
};

/* Everything read from the rules files, in Falco's collector shape. */
struct rules_coll {
	/* Name indexes of lists, macros and rules: lookups stay O(1) on huge files. */
	struct rules_name_index list_idx, macro_idx, rule_idx;
	struct rules_list *lists;
	size_t nlists, caplists;
	struct rules_macro *macros;
	size_t nmacros, capmacros;
	struct rules_rule *rules;
	size_t nrules, caprules;
	struct rules_plugin_req *plugins;
	size_t nplugins, capplugins;
	uint32_t cur_index;
	char req_engine[32]; /* highest required_engine_version seen, "" if none */
};

/* Source text of every loaded file, kept for snippets and column mapping. */
struct rules_file {
	char *name;
	char *buf;
	size_t len;
	/* Last line looked up (1-based) and its offset: snippets come mostly in line order. */
	uint32_t cache_line;
	size_t cache_off;
	/* Falco's schema_validation(): "none" (not parsed), "ok" or "failed for ...". */
	char schema[160];
};

/* The loader: files read so far, what they defined, and the diagnostics. */
struct rules_loader {
	struct rules_coll coll;
	struct rules_diags diags;
	struct rules_file *files;
	size_t nfiles;
};

struct rules_loader *rules_loader_new(void);
void rules_loader_free(struct rules_loader *l);

/*
 * Reads one rules file (path) or buffer (name for messages) into the loader,
 * appending to / overriding what earlier files defined. Returns 0 when the
 * file was read without error, -EINVAL when it had errors (in l->diags;
 * reading stops at the first error in a file, as in Falco), -ENOMEM, or
 * -errno of open/read.
 */
int rules_loader_load_file(struct rules_loader *l, const char *path);
int rules_loader_load_buf(struct rules_loader *l, const char *name, const char *buf, size_t len);

/* rules_line_fn over the loaded files (for rules_diag_print). */
const char *rules_loader_line(void *loader, const char *file, uint32_t line, size_t *len);

/* Lookups by name (NULL if absent). */
struct rules_list *rules_coll_list(struct rules_coll *c, const char *name);
struct rules_macro *rules_coll_macro(struct rules_coll *c, const char *name);
struct rules_rule *rules_coll_rule(struct rules_coll *c, const char *name);

/* Falco's operator set for exception comps (`in`, `=`, ..., `startswith oneof`). */
bool rules_is_operator(const char *op);
/* Operators taking a list on the right: in, intersects, pmatch and the modifier forms. */
bool rules_is_list_operator(const char *op);

#endif
