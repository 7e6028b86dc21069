/* fuzz_ring_attach.c: libFuzzer target: attach to and read a ring whose shm object is the input. */
/*
 * The input is the shm object: its first page is the ring header, the rest
 * (up to 64 KiB) the data area. The object is sized to what the header
 * claims when that is small, else to the input, so both consistent and
 * inconsistent geometries are tried. Attach must refuse a bad header with a
 * message, and reading an accepted ring must stop at a bad record (-EPROTO),
 * never read outside the mapping.
 */
#include <errno.h>
#include <fcntl.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>

#include "ring.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	long page = sysconf(_SC_PAGESIZE);
	char name[64], path[80], err[256];
	uint64_t claimed = 0;
	size_t obj;
	struct ring *r;
	int fd;

	if (size > (size_t)page + 65536)
		return 0;
	snprintf(name, sizeof(name), "fuzz-attach-%d", (int)getpid());
	snprintf(path, sizeof(path), "/lanner-%s", name);
	if (size >= 24)
		memcpy(&claimed, data + 16, sizeof(claimed));
	obj = claimed >= 4096 && claimed <= 65536 && size % 2 == 0 ? (size_t)page + claimed : size;
	shm_unlink(path);
	fd = shm_open(path, O_RDWR | O_CREAT | O_EXCL, 0600);
	if (fd < 0)
		abort();
	if (ftruncate(fd, (off_t)obj) < 0 || (size && pwrite(fd, data, size, 0) != (ssize_t)size))
		abort();
	close(fd);

	err[0] = 0;
	r = ring_attach(name, 0, size % 3 ? RING_CONSUMER : RING_PRODUCER, err, sizeof(err));
	if (!r) {
		/* refused: it must say why */
		if (err[0] == 0)
			abort();
	} else if (size % 3) {
		const void *d;
		size_t len;
		unsigned n = 0;
		volatile unsigned char sink = 0;

		while (ring_peek(r, &d, &len) == 0 && n++ < 100000) {
			sink ^= ((const unsigned char *)d)[0];
			sink ^= ((const unsigned char *)d)[len - 1];
		}
		ring_release(r);
		(void)sink;
	} else {
		void *d;

		if (ring_reserve(r, 1 + size % 1000, &d) == 0) {
			memset(d, 0xab, 1 + size % 1000);
			ring_commit(r, d);
		}
	}
	ring_close(r);
	shm_unlink(path);
	return 0;
}
