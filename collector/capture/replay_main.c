/* replay_main.c: lanner-capture-replay: the capture source stage (a .scap file into the raw ring). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "log.h"
#include "scap_replay.h"
#include "stage.h"
#include "version.h"

int main(int argc, char **argv)
{
	static const struct option opts[] = {
		{"config", required_argument, NULL, 'c'},
		{"option", required_argument, NULL, 'o'},
		{"help", no_argument, NULL, 'h'},
		{"version", no_argument, NULL, 'v'},
		{NULL, 0, NULL, 0},
	};
	const char *config = NULL, *ov[STAGE_MAX_ARGS];
	size_t nov = 0;
	int ch, rc;
	long loops;
	struct cfg *cfg;
	struct ring *raw;
	struct scap_replay_stats st;
	char name[256], err[512];

	while ((ch = getopt_long(argc, argv, "c:o:h", opts, NULL)) != -1) {
		switch (ch) {
		case 'c':
			config = optarg;
			break;
		case 'o':
			if (nov < STAGE_MAX_ARGS)
				ov[nov++] = optarg;
			break;
		case 'v':
			printf("lanner-capture-replay %s\n", lnr_version());
			return 0;
		case 'h':
			printf("usage: lanner-capture-replay [-c CONFIG] [-o KEY=VALUE]... "
			       "FILE.scap\n");
			return 0;
		default:
			return 2;
		}
	}
	if (optind != argc - 1) {
		fprintf(stderr,
			"usage: lanner-capture-replay [-c CONFIG] [-o KEY=VALUE]... FILE.scap\n");
		return 2;
	}
	stage_signals();
	cfg = stage_config("replay", config, ov, nov);
	if (!cfg)
		return 1;
	stage_ring_name(cfg, "raw", name, sizeof(name));
	raw = stage_ring_open(name, stage_ring_size(cfg), RING_PRODUCER, err, sizeof(err));
	if (!raw) {
		log_errorf("raw ring %s: %s", name, err);
		cfg_free(cfg);
		return 1;
	}
	err[0] = '\0';
	/* Test and benchmark knobs (a long, steady stream from a short capture):
	 * LANNER_REPLAY_LOOPS replays the file that many times in a row,
	 * LANNER_REPLAY_EPS caps the rate in events per second. */
	loops = getenv("LANNER_REPLAY_LOOPS") ? strtol(getenv("LANNER_REPLAY_LOOPS"), NULL, 10) : 1;
	if (getenv("LANNER_REPLAY_EPS"))
		scap_replay_set_pace(strtod(getenv("LANNER_REPLAY_EPS"), NULL));
	rc = 0;
	for (long i = 0; i < (loops < 1 ? 1 : loops) && rc == 0 && !stage_stopping; i++) {
		rc = scap_replay(argv[optind], raw, &st, err, sizeof(err));
		log_infof("replayed %s: %llu seed records, %llu events, %llu waits on a full ring",
			  argv[optind], (unsigned long long)st.seeds, (unsigned long long)st.events,
			  (unsigned long long)st.waits);
	}
	if (rc != 0)
		log_errorf("replay of %s stopped: %s", argv[optind], err[0] ? err : strerror(-rc));
	ring_close(raw); /* the enricher drains, then sees the end */
	cfg_free(cfg);
	return rc == 0 ? 0 : 1;
}
