/* fuzz_config.c: libFuzzer target for the configuration parser, overrides and schema check. */
#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include <jansson.h>

#include "config.h"

/* Diagnostics are dropped, but must be one clean line: hostile text is escaped. */
static void quiet(void *ctx, enum cfg_diag_level level, const char *msg)
{
	(void)ctx;
	(void)level;
	for (; *msg; msg++)
		if ((unsigned char)*msg < 0x20 || *msg == 0x7f)
			abort();
}

/* Reads every node the way stages do, so getters and iteration see hostile trees too. */
static void walk(struct cfg *cfg, const struct cfg_node *node, unsigned depth)
{
	size_t i, n = cfg_node_len(node);

	if (depth > CFG_MAX_DEPTH + 1)
		abort(); /* the parser must have refused this */
	for (i = 0; i < n; i++) {
		const struct cfg_node *c = cfg_node_at(node, i);

		(void)cfg_node_key_at(node, i);
		(void)cfg_node_line(c);
		walk(cfg, c, depth + 1);
	}
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct cfg *cfg = cfg_new();
	const char **list;
	size_t n;
	char spec[256];

	if (!cfg)
		return 0;
	cfg_set_diag(cfg, quiet, NULL);
	if (cfg_load_buffer(cfg, "fuzz", data, size) == 0) {
		(void)cfg_validate(cfg);
		walk(cfg, cfg_root(cfg), 0);
		(void)cfg_get_bool(cfg, "file_output.enabled", false);
		(void)cfg_get_int(cfg, "output_timeout", 2000);
		(void)cfg_get_uint(cfg, "plugins[0].init_config.label_max_len", 0);
		(void)cfg_get_double(cfg, "syscall_event_drops.rate", 0.03);
		(void)cfg_get_string(cfg, "plugins[1].name", NULL);
		if (cfg_get_strlist(cfg, "rules_files", &list, &n) == 0)
			free(list);
	}
	/* the first line of the input, used as a -o spec */
	n = 0;
	while (n < size && n < sizeof(spec) - 1 && data[n] != '\n')
		n++;
	memcpy(spec, data, n);
	spec[n] = '\0';
	if (cfg_apply_override(cfg, spec) == 0) {
		json_t *j = cfg_to_json(cfg, NULL);

		walk(cfg, cfg_root(cfg), 0);
		if (!j)
			abort(); /* every tree converts */
		json_decref(j);
	}
	cfg_free(cfg);
	return 0;
}
