/* supervisor.h: `lanner run`: starts the stage processes, restarts them, reloads rules, stops them in order. */
#ifndef LANNER_SUPERVISOR_H
#define LANNER_SUPERVISOR_H

#include <stddef.h>

/* What `lanner run` was asked to do (cmd_run.c fills it from the command line). */
struct sv_opts {
	const char *config;	      /* -c FILE, or NULL: built-in defaults */
	const char *const *overrides; /* -o KEY=VALUE, passed on to every stage */
	size_t noverrides;
	const char *const *rules; /* -r FILE|DIR; none: the config's rules_files */
	size_t nrules;
	unsigned evaluators; /* 0: lanner.evaluators, else one per CPU */
	const char *replay;  /* capture file (--replay), or NULL: the config decides */
	double duration_s;   /* -M: stop after this many seconds; 0 runs until told */
	const char *pidfile; /* -P, or NULL */
	int dry_run;	     /* --dry-run: check config and rules, start nothing */
};

/*
 * Runs the pipeline until SIGTERM/SIGINT, -M, the end of a replay, or a
 * stage that cannot start. Returns the process exit status (0, or 1 after
 * printing why on stderr).
 */
int sv_run(const struct sv_opts *o);

/*
 * Path of the stage binary name ("lanner-emitter"): LANNER_BIN_DIR, then the
 * directory of the running `lanner`, then the build tree's SUBDIR next to it
 * ("../emitter"), then ../libexec/lanner. Returns 0 or -ENOENT.
 */
int sv_find_binary(const char *name, const char *subdir, char *out, size_t n);

/*
 * The rules files the stages load: the -r ones; else the config's
 * rules_files when one of them exists; else Falco's falco_rules.yaml from
 * the shared conformance directory when present (until the project's own
 * ruleset lands). *fallback is set to that file in the last case (the
 * stages then get it with -r), else NULL.
 */
const char *sv_default_rules(void);

#endif
