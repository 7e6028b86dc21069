/* cmd_capture.c: `lanner capture -w FILE.scap`: records live events with sysdig's options, by running lanner-collector --write. */
#include <errno.h>
#include <getopt.h>
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "cli.h"
#include "supervisor.h"

static void capture_usage(FILE *f)
{
	fprintf(f, "usage: lanner capture -w FILE.scap [OPTIONS]\n"
		   "Records live kernel events into a .scap capture that sysdig and Falco read\n"
		   "(and `lanner --replay FILE`), with the process, fd, user and interface lists\n"
		   "at its start. Needs root (eBPF). Ctrl-C ends it with a complete file.\n"
		   "  -w, --write FILE          the capture file\n"
		   "  -z, --compress            gzip it\n"
		   "  -C, --file-size MB        a new file every MB million bytes (uncompressed):\n"
		   "                            FILE0, FILE1, ... (as sysdig -C)\n"
		   "  -G, --file-duration SECS  a new file every SECS seconds (as sysdig -G)\n"
		   "  -W, --file-limit N        keep only the last N files (as sysdig -W)\n"
		   "  -n, --count N             stop after N events (syscalls)\n"
		   "  -M, --duration SECS       stop after SECS seconds (as sysdig -M)\n"
		   "  -s, --snaplen N           bytes of I/O data kept per event (default 80)\n"
		   "      --type NAME[,NAME...] only these event types (selected in the kernel)\n"
		   "      --pid N               only events of process or thread N\n"
		   "      --stats               print the kernel's event and drop counters at the "
		   "end\n");
}

int cmd_capture(int argc, char **argv)
{
	static const struct option longopts[] = {
		{"write", required_argument, NULL, 'w'},
		{"compress", no_argument, NULL, 'z'},
		{"file-size", required_argument, NULL, 'C'},
		{"file-duration", required_argument, NULL, 'G'},
		{"file-limit", required_argument, NULL, 'W'},
		{"count", required_argument, NULL, 'n'},
		{"duration", required_argument, NULL, 'M'},
		{"snaplen", required_argument, NULL, 's'},
		{"type", required_argument, NULL, 't'},
		{"pid", required_argument, NULL, 'p'},
		{"stats", no_argument, NULL, 'S'},
		{"help", no_argument, NULL, 'h'},
		{0},
	};
	/* lanner-collector's spelling of each option, by short letter. */
	static const struct {
		int opt;
		const char *flag;
	} map[] = {
		{'w', "--write"},	  {'z', "--compress"},	 {'C', "--file-size"},
		{'G', "--file-duration"}, {'W', "--file-limit"}, {'n', "--count"},
		{'M', "--duration"},	  {'s', "--snaplen"},	 {'t', "--type"},
		{'p', "--pid"},		  {'S', "--stats"},
	};
	char *args[2 * sizeof(map) / sizeof(map[0]) + 4];
	char col[PATH_MAX];
	const char *write = NULL;
	int n = 1, opt;

	optind = 1;
	while ((opt = getopt_long(argc, argv, "w:zC:G:W:n:M:s:h", longopts, NULL)) != -1) {
		size_t i;

		if (opt == 'h') {
			capture_usage(stdout);
			return 0;
		}
		for (i = 0; i < sizeof(map) / sizeof(map[0]); i++)
			if (map[i].opt == opt)
				break;
		if (i == sizeof(map) / sizeof(map[0])) {
			capture_usage(stderr);
			return 2;
		}
		/* A repeated option replaces the earlier one (the collector does the same). */
		if (n + 2 >= (int)(sizeof(args) / sizeof(args[0]))) {
			capture_usage(stderr);
			return 2;
		}
		args[n++] = (char *)map[i].flag;
		if (optarg)
			args[n++] = optarg;
		if (opt == 'w')
			write = optarg;
	}
	if (optind < argc || !write) {
		fprintf(stderr, "lanner capture: %s\n",
			optind < argc ? "unexpected argument (filters are --type and --pid)"
				      : "-w FILE is required");
		capture_usage(stderr);
		return 2;
	}
	if (sv_find_binary("lanner-collector", "collector", col, sizeof(col)) != 0) {
		fprintf(stderr, "lanner capture: lanner-collector not found (next to lanner, in "
				"the build tree, ../libexec/lanner, or in LANNER_BIN_DIR)\n");
		return 1;
	}
	args[0] = col;
	args[n] = NULL;
	/* The collector becomes this process: Ctrl-C reaches it directly and it
	 * closes the capture cleanly. */
	execv(col, args);
	fprintf(stderr, "lanner capture: cannot run %s: %s\n", col, strerror(errno));
	return 1;
}
