/* fuzz_scap_read.c: libFuzzer target for the capture reader (blocks, seeds, conversion). */
#include <stddef.h>
#include <stdint.h>

#include "event.h"
#include "scap_reader.h"

static int on_event(void *ctx, const void *rec, uint32_t len)
{
	struct lnr_evt_view v;

	/* Every record the converter builds must decode. */
	if (lnr_evt_decode(rec, len, &v, NULL) != 0)
		__builtin_trap();
	return 0;
}

static int on_thread(void *ctx, const struct scap_thread_seed *t)
{
	/* Touch the strings: they must be NUL-terminated and in bounds. */
	volatile size_t n = 0;

	for (const char *p = t->comm; *p; p++)
		n++;
	for (uint32_t i = 0; i < t->args_len; i++)
		n += (uint8_t)t->args[i];
	return 0;
}

static int on_fd(void *ctx, const struct scap_fd_seed *f)
{
	volatile size_t n = 0;

	for (const char *p = f->name; *p; p++)
		n++;
	return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct scap_reader_cbs cbs = {.event = on_event, .thread = on_thread, .fd = on_fd};
	struct scap_reader *r = scap_reader_open_mem(data, size, &cbs);

	if (!r)
		return 0;
	scap_reader_run(r);
	scap_reader_free(r);
	return 0;
}
