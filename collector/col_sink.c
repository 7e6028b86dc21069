/* col_sink.c: collector records into the shm raw ring, waiting (never dropping) when it is full. */
#include <errno.h>
#include <string.h>

#include "col_sink.h"
#include "health_http.h"
#include "ring.h"

int col_ring_sink(const void *rec, size_t len, void *arg)
{
	struct col_ring_sink *s = arg;
	void *slot;
	int err;

	for (;;) {
		err = ring_reserve(s->ring, len, &slot);
		if (err == 0)
			break;
		if (err != -EAGAIN)
			return err;
		s->waits++;
		health_http_beat(s->health, s->beat);
		/* Backpressure: wait for the consumer, however long it takes,
		 * unless it dies (-EPIPE). A signal interrupts the wait; retry. */
		err = ring_wait_writable(s->ring, len, 200);
		if (err && err != -ETIMEDOUT && err != -EINTR)
			return err;
		if (s->stop && *s->stop)
			return -ECANCELED;
	}
	memcpy(slot, rec, len);
	ring_commit(s->ring, slot);
	s->records++;
	s->bytes += len;
	return 0;
}
