/* fuzz_ui_alert_json.c: libFuzzer target for what lanner-ui parses from POST bodies: JSON ->
 * ui_alert_from_json (Falco form and falcosidekick's {event}) -> render; and RFC 3339 times. */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "ui_ingest.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	char err[256];
	char *s = malloc(size + 1);
	uint64_t ns;

	if (!s)
		return 0;
	memcpy(s, data, size);
	s[size] = '\0';
	(void)ui_parse_rfc3339(s, &ns);
	free(s);
	json_t *j = json_loadb((const char *)data, size, JSON_DECODE_ANY, NULL);
	if (!j)
		return 0;
	json_t *ev = json_object_get(j, "event");
	struct alert *a = ui_alert_from_json(ev ? ev : j, err, sizeof(err));
	if (a) {
		struct alert_fmt f;
		struct alert_buf b;
		alert_fmt_default(&f);
		f.json_output = true;
		alert_buf_init(&b);
		alert_render_json(a, &f, &b);
		alert_buf_fini(&b);
		alert_free(a);
	}
	json_decref(j);
	return 0;
}
