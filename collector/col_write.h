/* col_write.h: the collector's capture sink: live records into a .scap file, /proc state first. */
#ifndef LANNER_COL_WRITE_H
#define LANNER_COL_WRITE_H

#include <stddef.h>
#include <stdint.h>

struct scap_writer;

/*
 * What `lanner-collector --write` (and `lanner capture`) records. Limits
 * follow sysdig's -C/-G/-W/-n (docs/capture.md): file_bytes and file_ns
 * rotate into PATH0, PATH1, ... (file_bytes counts uncompressed bytes),
 * max_files keeps that many, cycling; max_events stops after that many
 * syscall records (Lanner records, each written as scap's enter and exit).
 */
struct col_write_opts {
	const char *path;
	int gzip_level;	      /* 0 plain, 1..9 gzip */
	uint64_t file_bytes;  /* 0: no size limit per file */
	uint64_t file_ns;     /* 0: no duration limit per file (event time) */
	unsigned max_files;   /* 0: keep every file */
	uint64_t max_events;  /* 0: no limit */
	long pid;	      /* -1: every process; else only records of that pid or tid */
	const char *proc_dir; /* NULL: "/proc" (tests give a copy) */
	/* Set to 1 when max_events is reached (the caller's loop stops). */
	volatile int *stop;
};

struct col_write_stats {
	uint64_t records;  /* records written */
	uint64_t filtered; /* records left out by the pid filter or after max_events */
	uint64_t skipped;  /* records the writer refused (invalid) or has no scap code for */
	uint64_t threads, fds, users, ifaces; /* list entries written, over all files */
	uint64_t files;			      /* files started */
	uint64_t bytes;			      /* uncompressed bytes written */
};

struct col_write;

/*
 * lanner-collector's writing options, as getopt_long entries (include
 * <getopt.h> first) and their parser: --write FILE, --compress, --file-size
 * MB (10^6 bytes, as sysdig -C), --file-duration SECS (sysdig -G),
 * --file-limit N (sysdig -W). Returns 0, or -EINVAL with a message in err.
 */
#define COL_WRITE_OPT_FIRST 0x100
#define COL_WRITE_OPT_LAST 0x104
#define COL_WRITE_LONGOPTS                                                                         \
	{"write", required_argument, NULL, 0x100}, {"compress", no_argument, NULL, 0x101},         \
		{"file-size", required_argument, NULL, 0x102},                                     \
		{"file-duration", required_argument, NULL, 0x103},                                 \
	{                                                                                          \
		"file-limit", required_argument, NULL, 0x104                                       \
	}
int col_write_parse_opt(struct col_write_opts *o, int opt, const char *arg, char *err,
			size_t errlen);
#define COL_WRITE_USAGE                                                                            \
	"  --write FILE            record the events into a .scap capture (sysdig, Falco)\n"       \
	"  --compress              gzip the capture\n"                                             \
	"  --file-size MB          start a new file (FILE0, FILE1, ...) every MB million bytes\n"  \
	"  --file-duration SECS    start a new file every SECS seconds\n"                          \
	"  --file-limit N          keep only the last N files (with --file-size/-duration)\n"

/*
 * A writer for o (copied; path must stay valid); nothing is created yet and
 * the sink ignores records until col_write_start(). Returns NULL (ENOMEM).
 */
struct col_write *col_write_new(const struct col_write_opts *o);

/*
 * Create the (first) file and give it the lists of the current state: every
 * thread and the fds of every process from /proc (the enricher's scan,
 * enricher/procfs.c), the users and groups (getpwent, getgrent) and the
 * network interfaces (getifaddrs). Call it after the BPF programs are
 * attached, so every process is either in the lists or born in the events.
 * Returns 0 or -errno with a message in err.
 */
int col_write_start(struct col_write *cw, char *err, size_t errlen);

/* A col_sink_fn (collector.h), arg = struct col_write *: writes the record.
 * Returns 0, or -EIO (disk full ...): the caller stops. */
int col_write_sink(const void *rec, size_t len, void *arg);

/*
 * The writer's seeds callback: the current state as above, written into w
 * (ctx: the struct col_write *, whose proc_dir is used and counters bumped;
 * NULL: /proc, nothing counted). Called for every file; exposed for tests.
 */
int col_write_seeds(void *ctx, struct scap_writer *w);

/* Flush and close the file (a readable capture, also after SIGINT); stats
 * filled when st is not NULL. Frees cw. Returns 0 or -errno. Accepts NULL. */
int col_write_close(struct col_write *cw, struct col_write_stats *st);

#endif
