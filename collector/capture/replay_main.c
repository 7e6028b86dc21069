/* replay_main.c: lanner-capture-replay: the capture source stage (a .scap file into the raw ring). */
#include <errno.h>
#include <getopt.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "log.h"
#include "scap_replay.h"
#include "stage.h"
#include "stage_ctl.h"
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
	struct scap_replay_stats st, sum = {0};
	struct stage_ctl *ctl;
	char name[256], err[512];
	double hold;

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
	/* STATS: totals of the passes done so far (scap_replay() counts on this
	 * thread; the snapshot is taken between passes and at the end) */
	ctl = stage_ctl_start(stage_ctl_run_dir(cfg), "replay", NULL, NULL);
	rc = 0;
	for (long i = 0; i < (loops < 1 ? 1 : loops) && rc == 0 && !stage_stopping; i++) {
		memset(&st, 0, sizeof(st));
		rc = scap_replay(argv[optind], raw, &st, err, sizeof(err));
		log_infof("replayed %s: %llu seed records, %llu events, %llu waits on a full ring",
			  argv[optind], (unsigned long long)st.seeds, (unsigned long long)st.events,
			  (unsigned long long)st.waits);
		sum.seeds += st.seeds;
		sum.events += st.events;
		sum.waits += st.waits;
		stage_ctl_publish(ctl,
				  json_pack("{s:I, s:I, s:I, s:I, s:b, s:b}", "events",
					    (json_int_t)sum.events, "seeds", (json_int_t)sum.seeds,
					    "ring_waits", (json_int_t)sum.waits, "passes",
					    (json_int_t)(i + 1), "done",
					    rc == 0 && i + 1 >= (loops < 1 ? 1 : loops), "failed",
					    rc != 0));
	}
	/* Test knob: LANNER_REPLAY_HOLD_S keeps the ring open that long after the
	 * last record, so the pipeline drains and stays up to be inspected
	 * (metrics) before the end of the replay stops it. */
	hold = getenv("LANNER_REPLAY_HOLD_S") ? strtod(getenv("LANNER_REPLAY_HOLD_S"), NULL) : 0;
	for (double t = 0; rc == 0 && t < hold && !stage_stopping; t += 0.05)
		usleep(50000);
	stage_ctl_stop(ctl);
	if (rc != 0)
		log_errorf("replay of %s stopped: %s", argv[optind], err[0] ? err : strerror(-rc));
	ring_close(raw); /* the enricher drains, then sees the end */
	cfg_free(cfg);
	return rc == 0 ? 0 : 1;
}
