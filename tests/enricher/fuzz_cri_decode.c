/* fuzz_cri_decode.c: libFuzzer target for the CRI answers' decoding (gRPC frame, protobuf, verbose info JSON). */
#include <errno.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "cri.h"
#include "runtime.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

/* First byte: 0 ContainerStatus, 1 PodSandboxStatus, 2 sandbox as a container, 3 both in turn. */
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	struct rt_container ct = {0};
	char sb[128];
	uint8_t *copy;
	int rc = 0;

	if (size < 1)
		return 0;
	/* an exact-size heap copy, so a read past the end is seen by ASan */
	copy = malloc(size - 1 ? size - 1 : 1);
	if (!copy)
		return 0;
	memcpy(copy, data + 1, size - 1);
	switch (data[0] & 3) {
	case 0:
		rc = cri_parse_container_status(copy, size - 1, &ct, sb, sizeof(sb));
		if (rc == 0 && strlen(sb) >= sizeof(sb))
			abort();
		break;
	case 1:
		rc = cri_parse_pod_status(copy, size - 1, &ct, 0);
		break;
	case 2:
		rc = cri_parse_pod_status(copy, size - 1, &ct, 1);
		break;
	default:
		if (cri_parse_container_status(copy, size - 1, &ct, sb, sizeof(sb)) == 0)
			rc = cri_parse_pod_status(copy, size - 1, &ct, 0);
		break;
	}
	if (rc != 0 && rc != -EPROTO && rc != -ENOENT)
		abort();
	/* what the extractor relies on: mounts text built from every mount, sorted pod labels */
	if (ct.nmounts && !ct.mounts)
		abort();
	for (size_t i = 1; i < ct.npod_labels; i++)
		if (!ct.pod_labels[i] || !ct.pod_labels[i - 1])
			abort();
	rt_container_fini(&ct);
	free(copy);
	return 0;
}
