/* handoff.h: messages with file descriptors between the supervisor and a stage (SCM_RIGHTS). */
#ifndef LANNER_HANDOFF_H
#define LANNER_HANDOFF_H

#include <stddef.h>
#include <stdint.h>
#include <sys/types.h>

/*
 * The supervisor keeps what must outlive a stage process (the collector's
 * attached BPF links and maps: docs/collector.md, "Restarts") by holding
 * file descriptors the stage sent it, and gives them to the next process of
 * the stage. One SOCK_SEQPACKET socketpair per stage process: the child gets
 * its end as an inherited descriptor (--handoff-fd N). Nothing is on disk;
 * when the supervisor exits the kernel closes what it held.
 *
 * Messages (the first message is always the supervisor's):
 *   supervisor -> stage  HANDOFF_FRESH  nothing held: load and attach
 *                        HANDOFF_ADOPT  payload and fds of the last STATE
 *   stage -> supervisor  HANDOFF_STATE  keep these (replaces what is held)
 *                        HANDOFF_READY  attached (or adopted) and running
 *                        HANDOFF_DROP   close what is held (nothing to adopt)
 */
enum handoff_type {
	HANDOFF_FRESH = 1,
	HANDOFF_ADOPT = 2,
	HANDOFF_STATE = 3,
	HANDOFF_READY = 4,
	HANDOFF_DROP = 5,
};

/* Most descriptors one message carries. */
#define HANDOFF_MAX_FDS 253 /* SCM_MAX_FD */
/* Largest payload (bytes). */
#define HANDOFF_MAX_PAYLOAD 1024

/* Creates the pair: sv[0] for the supervisor, sv[1] for the stage (both
 * close-on-exec; the forked child clears it on its end). 0 or -errno. */
int handoff_pair(int sv[2]);

/* Sends one message: type, payload (len bytes, may be 0) and nfds
 * descriptors (the receiver gets duplicates). 0 or -errno. */
int handoff_send(int sock, uint32_t type, const void *payload, size_t len, const int *fds,
		 int nfds);

/*
 * Receives one message, waiting up to timeout_ms (-1: forever, 0: not at all).
 * *type, payload (at most cap bytes, *len set), descriptors into fds (at most
 * maxfds, close-on-exec, *nfds set; extra ones are closed). Returns 1 for a
 * message, 0 at end of stream (the peer is gone), -EAGAIN when nothing came
 * within the timeout, -EPROTO for a malformed message, else -errno.
 */
int handoff_recv(int sock, uint32_t *type, void *payload, size_t cap, size_t *len, int *fds,
		 int maxfds, int *nfds, int timeout_ms);

#endif
