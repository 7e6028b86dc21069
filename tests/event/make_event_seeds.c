/* make_event_seeds.c: writes valid records to tests/fuzz/fuzz_event_decode/ (seed corpus). */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

static uint64_t store[4096];

static void save(const char *dir, const char *name, int len)
{
	char path[4096];
	FILE *f;

	if (len <= 0) {
		fprintf(stderr, "%s: build failed (%d)\n", name, len);
		exit(1);
	}
	snprintf(path, sizeof(path), "%s/%s", dir, name);
	f = fopen(path, "wb");
	if (!f || fwrite(store, 1, (size_t)len, f) != (size_t)len) {
		perror(path);
		exit(1);
	}
	fclose(f);
}

int main(int argc, char **argv)
{
	uint8_t *r = (uint8_t *)store;
	struct lnr_evt_builder b;
	uint8_t tup[64];
	size_t tl;
	static const uint8_t a[4] = {10, 1, 2, 3}, d[4] = {1, 1, 1, 1};
	char name[64];

	if (argc != 2) {
		fprintf(stderr, "usage: %s DIR\n", argv[0]);
		return 2;
	}
	/* One record per type with every parameter absent. */
	for (uint16_t t = 0; t < LNR_EVT_MAX; t++) {
		const struct lnr_evt_info *in = lnr_evt_info(t);

		lnr_evb_init(&b, r, sizeof(store), t, 1, 2, 3);
		for (unsigned i = 0; i < in->nparams; i++)
			lnr_evb_absent(&b);
		snprintf(name, sizeof(name), "absent-%s", in->name);
		save(argv[1], name, lnr_evb_finish(&b));
	}
	lnr_evb_init(&b, r, sizeof(store), LNR_EVT_OPENAT, 1700000000000000000ull, 100, 100);
	lnr_evb_s64(&b, 3);
	lnr_evb_s64(&b, -100);
	lnr_evb_str(&b, "/etc/passwd", 0);
	lnr_evb_u64(&b, 4097);
	lnr_evb_u64(&b, 0);
	lnr_evb_u64(&b, 0x803);
	lnr_evb_u64(&b, 1234);
	save(argv[1], "openat", lnr_evb_finish(&b));

	tl = lnr_socktuple_encode_in4(tup, sizeof(tup), a, 40000, d, 53);
	lnr_evb_init(&b, r, sizeof(store), LNR_EVT_CONNECT, 1, 7, 7);
	lnr_evb_s64(&b, -115);
	lnr_evb_bytes(&b, tup, tl, 0);
	lnr_evb_s64(&b, 4);
	tl = lnr_sockaddr_encode_in4(tup, sizeof(tup), d, 53);
	lnr_evb_bytes(&b, tup, tl, 0);
	save(argv[1], "connect", lnr_evb_finish(&b));

	lnr_evb_init(&b, r, sizeof(store), LNR_EVT_WRITE, 1, 7, 7);
	lnr_evb_s64(&b, 9);
	lnr_evb_bytes(&b, "a\0\xff\xc3\xa9\n\\zz", 9, 1);
	lnr_evb_s64(&b, 1);
	lnr_evb_u64(&b, 9);
	save(argv[1], "write", lnr_evb_finish(&b));

	{
		const struct lnr_evt_info *in = lnr_evt_info(LNR_EVT_EXECVE);

		lnr_evb_init(&b, r, sizeof(store), LNR_EVT_EXECVE, 1, 8, 8);
		for (unsigned i = 0; i < in->nparams; i++) {
			const struct lnr_param_info *pi = &in->params[i];

			if (pi->type == LNR_PT_BYTEBUF)
				lnr_evb_bytes(&b, "bash\0-c\0id\0", 11, 0);
			else if (pi->type == LNR_PT_CHARBUF || pi->type == LNR_PT_FSPATH)
				lnr_evb_str(&b, "/usr/bin/bash", 0);
			else if (lnr_ptype_size(pi->type))
				lnr_evb_u64(&b, 1);
			else
				lnr_evb_absent(&b);
		}
		save(argv[1], "execve", lnr_evb_finish(&b));
	}
	return 0;
}
