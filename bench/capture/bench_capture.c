/* bench_capture.c: builds a repeated capture and times the scap reader over it. */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <zlib.h>

#include "scap_format.h"
#include "scap_reader.h"

/*
 * bench_capture make IN OUT N: OUT (plain) holds IN's list blocks once, then
 * IN's event blocks N times, each copy's timestamps shifted past the previous
 * copy's last one. Only format 1.0-1.2 EV/EVF blocks are copied (timestamp at
 * body offset 2, or 6 in EVF blocks).
 * bench_capture read FILE: reads FILE to the end with conversion into Lanner
 * records and prints "events raw_events records seconds".
 */

static uint8_t *slurp(const char *path, size_t *len)
{
	gzFile gz = gzopen(path, "rb");
	size_t cap = 1 << 22, n = 0;
	uint8_t *b = malloc(cap);
	int k;

	if (!gz || !b) {
		fprintf(stderr, "bench_capture: %s: cannot open\n", path);
		exit(1);
	}
	while ((k = gzread(gz, b + n, (unsigned)(cap - n))) > 0) {
		n += (size_t)k;
		if (n == cap) {
			cap *= 2;
			b = realloc(b, cap);
			if (!b)
				exit(1);
		}
	}
	gzclose(gz);
	*len = n;
	return b;
}

static int make(const char *in, const char *outp, int n)
{
	size_t len, off, first_ev = 0;
	uint8_t *b = slurp(in, &len);
	uint64_t tmin = UINT64_MAX, tmax = 0;
	FILE *out = fopen(outp, "wb");

	if (!out) {
		perror(outp);
		return 1;
	}
	/* Pass 1: list blocks out once, find the events' time span. */
	for (off = 0; off + 12 <= len;) {
		uint32_t bt, bl;

		memcpy(&bt, b + off, 4);
		memcpy(&bl, b + off + 4, 4);
		if (bl < 12 || off + bl > len)
			break;
		if (scap_bt_kind(bt) == SCAP_BK_EV) {
			uint64_t ts;

			memcpy(&ts, b + off + 8 + (scap_bt_is_evf(bt) ? 6 : 2), 8);
			if (!first_ev)
				first_ev = off;
			if (ts < tmin)
				tmin = ts;
			if (ts > tmax)
				tmax = ts;
		} else if (!first_ev) {
			fwrite(b + off, 1, bl, out);
		}
		off += bl;
	}
	for (int k = 0; k < n; k++) {
		uint64_t shift = (uint64_t)k * (tmax - tmin + 1000);

		for (off = first_ev; off + 12 <= len;) {
			uint32_t bt, bl;
			size_t tso;
			uint64_t ts;

			memcpy(&bt, b + off, 4);
			memcpy(&bl, b + off + 4, 4);
			if (bl < 12 || off + bl > len)
				break;
			if (scap_bt_kind(bt) == SCAP_BK_EV) {
				tso = off + 8 + (scap_bt_is_evf(bt) ? 6 : 2);
				memcpy(&ts, b + tso, 8);
				ts += shift;
				memcpy(b + tso, &ts, 8);
				fwrite(b + off, 1, bl, out);
				ts -= shift;
				memcpy(b + tso, &ts, 8);
			}
			off += bl;
		}
	}
	free(b);
	return fclose(out) == 0 ? 0 : 1;
}

static int count_event(void *ctx, const void *rec, uint32_t len)
{
	(*(uint64_t *)ctx)++;
	return 0;
}

static int read_file(const char *path)
{
	uint64_t recs = 0;
	struct scap_reader_cbs cbs = {.ctx = &recs, .event = count_event};
	struct scap_reader *r = scap_reader_open(path, &cbs);
	struct timespec t0, t1;
	double s;
	int rc;

	if (!r) {
		perror(path);
		return 1;
	}
	clock_gettime(CLOCK_MONOTONIC, &t0);
	rc = scap_reader_run(r);
	clock_gettime(CLOCK_MONOTONIC, &t1);
	if (rc) {
		fprintf(stderr, "bench_capture: %s\n", scap_reader_error(r));
		scap_reader_free(r);
		return 1;
	}
	s = (double)(t1.tv_sec - t0.tv_sec) + (double)(t1.tv_nsec - t0.tv_nsec) / 1e9;
	printf("%" PRIu64 " %" PRIu64 " %.6f\n", scap_reader_stats(r)->raw_events, recs, s);
	scap_reader_free(r);
	return 0;
}

int main(int argc, char **argv)
{
	if (argc == 5 && strcmp(argv[1], "make") == 0)
		return make(argv[2], argv[3], atoi(argv[4]));
	if (argc == 3 && strcmp(argv[1], "read") == 0)
		return read_file(argv[2]);
	fprintf(stderr, "usage: bench_capture make IN OUT N | bench_capture read FILE\n");
	return 2;
}
