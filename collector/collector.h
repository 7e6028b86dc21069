/* collector.h: load the BPF programs, choose the syscalls, drain the BPF ring buffers into a sink. */
#ifndef LANNER_COLLECTOR_H
#define LANNER_COLLECTOR_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/*
 * A sink takes each record (common/event.h layout, len bytes) in the order
 * the drain reads them. It returns 0, or a negative errno to stop the
 * current col_poll() (which then returns that value). The record is only
 * valid during the call. The raw shm ring plugs in here (reserve, copy,
 * commit; wait when the ring is full: backpressure, never a drop).
 */
typedef int (*col_sink_fn)(const void *rec, size_t len, void *arg);

/* Falco's buf_size_preset: index -> bytes of each BPF ring buffer. */
#define COL_BUF_PRESET_DEFAULT 4 /* 8 MiB, as Falco */
#define COL_BUF_PRESET_MAX 10

struct col_opts {
	unsigned buf_size_preset; /* 1..10 (Falco's table); 0: use buf_size */
	size_t buf_size; /* bytes per BPF ring buffer when preset is 0 (power of two, >= page) */
	unsigned cpus_for_each_buffer; /* CPUs sharing one buffer; 0: one buffer for all */
	unsigned snaplen;	       /* bytes of I/O data kept (Falco's snaplen, default 80) */
	unsigned args_max;	       /* bytes of argv / env kept (default 4096) */
	col_sink_fn sink;
	void *sink_arg;
	/* Where to write the verifier log if loading fails (NULL: a file in /tmp). */
	const char *verifier_log;
	/* Read open paths and connect addresses at exit instead of entry: no
	 * sys_enter program (every syscall then takes one tracepoint program
	 * instead of two), at the price of the entry-time values. */
	bool args_at_exit;
	/* Benchmark floor: attach only a no-op sys_exit program. */
	bool noop;
	/* Take entry arguments with tp_btf/sys_enter (one program run per
	 * syscall) even where the per-syscall tracepoints could be attached
	 * (tests, benchmark; also LANNER_ENTER_TP_BTF=1). */
	bool enter_tp_btf;
};

/* Totals over all CPUs (see struct lnr_cpu_stats in lanner.h for meanings). */
struct col_stats {
	uint64_t events;
	uint64_t drops; /* all causes */
	uint64_t drop_buf_full;
	uint64_t drop_no_ring;
	uint64_t drop_no_scratch;
	uint64_t drop_too_big;
	uint64_t read_faults;
	uint64_t truncated;
	uint64_t stash_miss;
	uint64_t ignored;
	uint64_t delivered; /* records handed to the sink by this process */
	/* drop_buf_full by Falco's categories (scap_stats n_drops_buffer_*_exit;
	 * events of no category are only in drop_buf_full). */
	uint64_t drop_buf_clone_fork;
	uint64_t drop_buf_execve;
	uint64_t drop_buf_connect;
	uint64_t drop_buf_open;
	uint64_t drop_buf_dir_file;
	uint64_t drop_buf_other_interest;
	uint64_t drop_buf_close;
	uint64_t drop_buf_proc_exit;
};

struct col;

/* Fill o with the defaults (preset 4, 2 CPUs per buffer, snaplen 80). */
void col_opts_default(struct col_opts *o);

/*
 * Open and load the BPF programs (nothing attached, nothing selected yet).
 * On error returns NULL with errno set and a one-line message in err that
 * says what to do (not root, no BTF, verifier log saved to FILE, ...).
 */
struct col *col_open(const struct col_opts *o, char *err, size_t errlen);

/* Select (on) or unselect an event type by enum lnr_evt_type. Takes effect at
 * once, without reloading. Returns 0 or -EINVAL for a type the collector does
 * not produce. */
int col_select(struct col *c, uint16_t type, bool on);
/* Select every event type the collector produces. */
void col_select_all(struct col *c);
/* Event types the collector can produce, as a NULL-terminated static list of names. */
const char *const *col_supported_names(void);

/*
 * Which event types to report, with Falco's base_syscalls semantics:
 *   all            every type the collector produces;
 *   custom_set     empty: rule_types + Lanner's state set (what the enricher
 *                  needs to keep process and fd state exact);
 *                  not empty: rule_types + custom_set (the user owns state);
 *   repair         adds the minimal state set (process lifecycle,
 *                  credentials, cwd, fd duplication and closing) to a custom set;
 *   "!name"        in custom_set removes name from the final set.
 * Names are Falco event names ("openat"; "procexit" too).
 */
struct col_selection {
	const char *const *rule_types; /* event types the loaded rules can match */
	size_t n_rule_types;
	const char *const *custom_set; /* base_syscalls.custom_set */
	size_t n_custom_set;
	bool repair; /* base_syscalls.repair */
	bool all;    /* base_syscalls.all */
};

/*
 * Compute the selection: out[type] = 1 for each selected enum lnr_evt_type
 * (out has LNR_EVT_MAX entries). Names the collector does not produce are
 * skipped and listed in warn (if not NULL). Returns the number selected.
 */
int col_selection_types(const struct col_selection *s, uint8_t *out, char *warn, size_t warnlen);
/* Compute and apply a selection at once (no reload). Returns the number of
 * types selected, warnings as above. */
int col_apply_selection(struct col *c, const struct col_selection *s, char *warn, size_t warnlen);

/* Do not report syscalls of thread group tgid (the pipeline's own processes). */
int col_ignore_tgid(struct col *c, uint32_t tgid);

/* Report only thread group tgid (0: everyone). Takes effect at once. */
void col_only_tgid(struct col *c, uint32_t tgid);

/* Attach the programs (tp_btf; the entry side on the per-syscall tracepoints
 * when tracefs allows, else tp_btf/sys_enter). Returns 0 or -errno with a
 * message in err. */
int col_attach(struct col *c, char *err, size_t errlen);

/*
 * Drain: wait up to timeout_ms (-1 forever, 0 not at all) for records and
 * hand every available one to the sink. Returns the number of records
 * delivered, or a negative errno (-EINTR on a signal, or the sink's error).
 */
int col_poll(struct col *c, int timeout_ms);

/* How entry arguments are taken: "syscall tracepoints", "tp_btf/sys_enter",
 * or none (args_at_exit). Static string. */
const char *col_enter_mode(struct col *c);
/* Why the per-syscall entry tracepoints are not in use ("" when they are or
 * were not tried). */
const char *col_enter_fallback_reason(struct col *c);

/* Sum the per-CPU kernel counters (and the records delivered). */
void col_read_stats(struct col *c, struct col_stats *st);
/* Per-CPU drops (all causes) into out[0..n), returns the number of CPUs. */
int col_read_cpu_drops(struct col *c, uint64_t *out, int n);

/* The prog fd of the main sys_exit program (bench: BPF_ENABLE_STATS figures). */
int col_exit_prog_fd(struct col *c);
/* The fds of all loaded programs (for run_time_ns sums); returns the count. */
int col_prog_fds(struct col *c, int *fds, int n);

/* The fds of the attached links (tests: the same links across a selection
 * change); returns the count. */
int col_link_fds(struct col *c, int *fds, int n);

/*
 * Restarts (docs/collector.md, "Restarts"): the kernel side outlives a
 * collector process. After col_attach, col_export gives the fds that keep
 * it alive and drainable; whoever holds them (the supervisor) keeps the
 * programs attached, the BPF ring buffers filling and the counters counting
 * while no collector runs. A later process of the same build takes them
 * over with col_adopt instead of col_open + col_attach: nothing is loaded or
 * attached again, draining resumes where the last consumer stopped, the
 * counters go on, and selection works as before (the .bss map is mapped).
 */
#define COL_EXPORT_MAGIC 0x4c4e52434f4c5831ull /* "LNRCOLX1" */
#define COL_EXPORT_MAX_FDS 252		       /* one less than SCM_RIGHTS carries */

/* What travels with the fds (plain data, same build on both sides). */
struct col_export {
	uint64_t magic;
	uint64_t build; /* hash of the BPF object: adopt only the same programs */
	uint32_t ncpu;
	uint32_t nrings;
	uint32_t nlinks;
	uint32_t args_at_exit;
	char enter_mode[32];
};

/* Fills x and fds (in this order: .bss, lnr_stats, lnr_exit_progs, the
 * nrings ring buffers, the nlinks links; still owned by c). Returns the
 * number of fds, or -EINVAL (not attached, adopted, noop), -E2BIG. */
int col_export(struct col *c, struct col_export *x, int *fds, int maxfds);

/*
 * Takes over the kernel side col_export described (fds are duplicated; the
 * caller keeps its own). o gives the sink (sizes and modes are those of the
 * running programs). Empties the ignore list (its processes are gone): add
 * the living with col_ignore_tgid. col_attach is then a no-op. NULL with
 * errno and a message in err (another build: EPROTO; a wrong fd).
 */
struct col *col_adopt(const struct col_opts *o, const struct col_export *x, const int *fds,
		      int nfds, char *err, size_t errlen);
/* True when c was adopted rather than loaded. */
bool col_adopted(const struct col *c);

/* Detach and free everything. Accepts NULL. An adopted collector only closes
 * its fds: what is attached stays as long as another holder keeps it. */
void col_close(struct col *c);

#endif
