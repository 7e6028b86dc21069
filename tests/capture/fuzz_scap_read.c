/* fuzz_scap_read.c: libFuzzer target for the capture reader, converter and writer. */
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <sys/mman.h>
#include <unistd.h>

#include "event.h"
#include "scap_reader.h"
#include "scap_writer.h"

/*
 * Pass 1 reads the input; every record built must decode, and every seed and
 * record goes to a writer (a memfd). Pass 2 reads what was written: it must be
 * a valid capture with exactly the records written.
 */
struct ctx {
	struct scap_writer *w;
	uint64_t recs;
};

static int on_event(void *c, const void *rec, uint32_t len)
{
	struct ctx *x = c;
	struct lnr_evt_view v;

	if (lnr_evt_decode(rec, len, &v, NULL) != 0)
		__builtin_trap();
	x->recs++;
	if (x->w)
		scap_writer_event(x->w, rec, len);
	return 0;
}

static int on_thread(void *c, const struct scap_thread_seed *t)
{
	struct ctx *x = c;
	/* Touch the strings: they must be NUL-terminated and in bounds. */
	volatile size_t n = 0;

	for (const char *p = t->comm; *p; p++)
		n++;
	for (uint32_t i = 0; i < t->args_len; i++)
		n += (uint8_t)t->args[i];
	return x->w ? scap_writer_thread(x->w, t) : 0;
}

static int on_fd(void *c, const struct scap_fd_seed *f)
{
	struct ctx *x = c;
	volatile size_t n = 0;

	for (const char *p = f->name; *p; p++)
		n++;
	return x->w ? scap_writer_fd(x->w, f) : 0;
}

static int on_user(void *c, const struct scap_user_seed *u)
{
	struct ctx *x = c;

	return x->w ? scap_writer_user(x->w, u) : 0;
}

static int on_iface(void *c, const struct scap_iface_seed *i)
{
	struct ctx *x = c;

	return x->w ? scap_writer_iface(x->w, i) : 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct ctx x = {0}, y = {0};
	struct scap_reader_cbs cbs = {.ctx = &x,
				      .event = on_event,
				      .thread = on_thread,
				      .fd = on_fd,
				      .user = on_user,
				      .iface = on_iface};
	struct scap_reader *r;
	char path[64];
	uint64_t written;
	int fd = memfd_create("fuzz-out", 0), wrc;

	if (fd >= 0) {
		snprintf(path, sizeof(path), "/proc/self/fd/%d", fd);
		x.w = scap_writer_open(path, 0, "fuzz");
	}
	r = scap_reader_open_mem(data, size, &cbs);
	if (r) {
		scap_reader_run(r);
		scap_reader_free(r);
	}
	if (!x.w) {
		if (fd >= 0)
			close(fd);
		return 0;
	}
	written = scap_writer_stats(x.w)->events;
	wrc = scap_writer_close(x.w);
	if (wrc == 0) {
		cbs.ctx = &y;
		r = scap_reader_open(path, &cbs);
		if (r) {
			if (scap_reader_run(r) != 0 || y.recs != written)
				__builtin_trap();
			scap_reader_free(r);
		}
	}
	close(fd);
	return 0;
}
