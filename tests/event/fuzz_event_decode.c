/* fuzz_event_decode.c: libFuzzer target: decode arbitrary bytes as an event record and print it. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "event.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct lnr_evt_view v;
	static char line[1 << 16];
	char small[7];
	uint8_t *copy;

	/* Records live 8-byte aligned in the ring: test that (malloc aligns), with
	 * exactly size bytes so that any over-read trips AddressSanitizer. */
	copy = calloc(1, size ? size : 1);
	if (!copy)
		return 0;
	if (size)
		memcpy(copy, data, size);
	if (lnr_evt_decode(copy, size, &v, NULL) == 0) {
		for (unsigned i = 0; i < v.nparams; i++) {
			int64_t s;
			uint32_t n;

			(void)lnr_evt_get_s64(&v, i, &s);
			(void)lnr_evt_get_str(&v, i);
			(void)lnr_evt_get_bytes(&v, i, &n);
		}
		lnr_evt_format(&v, line, sizeof(line));
		lnr_evt_format(&v, small, sizeof(small));
	}
	/* The decoder must also be safe on unaligned input. */
	if (size > 1)
		(void)lnr_evt_decode(data + 1, size - 1, &v, NULL);
	free(copy);
	return 0;
}
