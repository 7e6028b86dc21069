/* fuzz_alert_decode.c: libFuzzer target for alert_decode and the alert_tx frame parser. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "alert.h"
#include "alert_tx.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct alert *a = NULL, *b = NULL;
	struct alert_buf out, w1, w2;
	struct alert_fmt f;

	alert_buf_init(&out);
	alert_buf_init(&w1);
	alert_buf_init(&w2);
	struct alert_peek pk;
	int checked = alert_check(data, size, &pk);
	int decoded = alert_decode(data, size, &a);
	/* the allocation-free check accepts exactly what the decoder accepts */
	if ((checked == 0) != (decoded == 0))
		abort();
	if (decoded == 0 && (pk.priority != a->priority || (pk.rule == NULL) != (a->rule == NULL) ||
			     (a->rule && (strlen(a->rule) != pk.rule_len ||
					  memcmp(a->rule, pk.rule, pk.rule_len)))))
		abort();
	if (decoded == 0) {
		/* whatever decodes renders, and re-encodes to the very same bytes */
		alert_fmt_default(&f);
		f.json_output = true;
		f.json_include_message_property = true;
		alert_render(a, &f, &out);
		f.json_output = false;
		f.time_format_iso_8601 = true;
		alert_render(a, &f, &out);
		if (alert_encode(a, &w1) == 0) {
			if (w1.len != size || memcmp(w1.data, data, size) != 0)
				abort();
			if (alert_decode(w1.data, w1.len, &b) != 0)
				abort();
			alert_encode(b, &w2);
			if (w2.len != w1.len || memcmp(w1.data, w2.data, w1.len) != 0)
				abort();
		}
	}
	struct alert_tx_frame fr;
	if (alert_tx_frame_parse(data, size, &fr) == 0) {
		size_t pos = 0, n;
		const uint8_t *rec;
		unsigned count = 0;
		while (alert_tx_frame_next(&fr, &pos, &rec, &n)) {
			struct alert *c = NULL;
			if (alert_decode(rec, n, &c) == 0)
				alert_free(c);
			count++;
		}
		if (count != fr.count)
			abort();
	}
	alert_free(a);
	alert_free(b);
	alert_buf_fini(&out);
	alert_buf_fini(&w1);
	alert_buf_fini(&w2);
	return 0;
}
