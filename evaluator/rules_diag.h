/* rules_diag.h: load warnings and errors of rules files, positioned as file:line:col. */
#ifndef LANNER_RULES_DIAG_H
#define LANNER_RULES_DIAG_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>

enum rules_sev {
	RULES_WARNING,
	RULES_ERROR,
};

/* Falco's load_result codes (falco_load_result.h), so JSON output names them alike. */
enum rules_code {
	RULES_ERR_FILE_READ,
	RULES_ERR_YAML_PARSE,
	RULES_ERR_YAML_VALIDATE,
	RULES_ERR_COMPILE_CONDITION,
	RULES_ERR_COMPILE_OUTPUT,
	RULES_ERR_VALIDATE,
	RULES_ERR_EXTENSION,
	RULES_WARN_UNKNOWN_SOURCE,
	RULES_WARN_UNSAFE_NA_CHECK,
	RULES_WARN_NO_EVTTYPE,
	RULES_WARN_UNKNOWN_FILTER,
	RULES_WARN_UNUSED_MACRO,
	RULES_WARN_UNUSED_LIST,
	RULES_WARN_UNKNOWN_ITEM,
	RULES_WARN_DEPRECATED_ITEM,
	RULES_WARN_APPEND_NO_VALUES,
	RULES_WARN_EXCEPTION_NAME_NOT_UNIQUE,
	RULES_WARN_INVALID_MACRO_NAME,
	RULES_WARN_INVALID_LIST_NAME,
	RULES_WARN_COMPILE_CONDITION,
	RULES_WARN_UNKNOWN_KEY,
};

/* Where something is: a file name (interned by the rules set, not owned here) and a position. */
struct rules_pos {
	const char *file;
	uint32_t line, col; /* 1-based; 0 when unknown */
};

struct rules_diag {
	enum rules_sev sev;
	enum rules_code code;
	struct rules_pos pos;
	char *msg;  /* owned */
	char *item; /* owned, may be NULL: "rule 'x'", "macro 'y'", ... */
};

/*
 * Warnings kept at most (a hostile file could raise one per item): the rest
 * are only counted in `suppressed`, so memory and printing stay bounded.
 */
#define RULES_MAX_WARNINGS 1000u

/* A growing list of diagnostics. */
struct rules_diags {
	struct rules_diag *v;
	size_t n, cap;
	size_t nerrors, nwarnings; /* nwarnings counts suppressed ones too */
	size_t suppressed;	   /* warnings not kept (over RULES_MAX_WARNINGS) */
};

/* Appends a diagnostic (message printf-style). Returns 0 or -ENOMEM. */
int rules_diag_add(struct rules_diags *d, enum rules_sev sev, enum rules_code code,
		   struct rules_pos pos, const char *item, const char *fmt, ...)
	__attribute__((format(printf, 6, 7)));
void rules_diags_fini(struct rules_diags *d);

const char *rules_code_name(enum rules_code c);

/*
 * Source lookup for snippets: returns the text of line `line` of `file` and its
 * length, or NULL. Provided by whoever holds the file contents.
 */
typedef const char *(*rules_line_fn)(void *ctx, const char *file, uint32_t line, size_t *len);

/*
 * Prints one diagnostic as `FILE:LINE:COL: error|warning: message`, then the
 * offending line and a caret under the column (when the line is known).
 */
void rules_diag_print(FILE *out, const struct rules_diag *dg, rules_line_fn line_fn, void *ctx);

/* Writes s as a JSON string (quoted, escaped; invalid UTF-8 bytes as \ufffd). */
void rules_json_str(FILE *out, const char *s, size_t len);

#endif
