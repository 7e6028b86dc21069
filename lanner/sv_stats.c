/* sv_stats.c: STATS requests to the stages over nng REQ sockets, from one thread; results kept per slot. */
#include "sv_stats.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

#include "ctl.h"
#include "log.h"

struct slot {
	char name[32]; /* guarded by mu */
	pid_t pid;     /* guarded by mu */
	json_t *reply; /* guarded by mu */
	bool answering;
	uint64_t polls, failures;
	/* poller thread only */
	struct ctl_sock *req;
	char dialed_name[32];
};

struct sv_stats {
	char run_dir[256];
	unsigned n;
	int interval_ms, timeout_ms;
	pthread_t thread;
	pthread_mutex_t mu;
	pthread_cond_t cv; /* wakes the poller: stop or kick */
	bool stop, kick;
	struct slot *slots;
};

/* One STATS round trip to slot i (poller thread). */
static void poll_slot(struct sv_stats *ss, unsigned i, const char *name, pid_t pid)
{
	struct slot *sl = &ss->slots[i];
	json_t *reply = NULL;
	uint16_t rtype = 0;
	char sock[48];
	int rc;

	/*
	 * One socket per slot for the whole run, also across restarts of the
	 * stage: nng reconnects by itself (10 ms to 1 s). Closing a REQ socket
	 * whose connection is still in nng's handshake drops it half-open, and
	 * nng 1.5.2's ipc listener then stops taking new connections (seen in
	 * tests; docs/metrics.md): the stage would never answer again.
	 */
	if (sl->req && strcmp(sl->dialed_name, name) != 0) {
		ctl_close(sl->req);
		sl->req = NULL;
	}
	if (!sl->req) {
		if (ctl_stage_sock_name(sock, sizeof(sock), name) != 0)
			return;
		sl->req = ctl_dial(CTL_REQ, ss->run_dir, sock);
		if (!sl->req)
			return;
		snprintf(sl->dialed_name, sizeof(sl->dialed_name), "%s", name);
	}
	rc = ctl_request(sl->req, CTL_MSG_STATS, NULL, &rtype, &reply, ss->timeout_ms);
	pthread_mutex_lock(&ss->mu);
	sl->polls++;
	if (rc == 0 && rtype == CTL_MSG_OK &&
	    json_integer_value(json_object_get(reply, "pid")) == (json_int_t)pid) {
		json_decref(sl->reply);
		sl->reply = reply;
		reply = NULL;
		sl->answering = true;
	} else {
		/* not answered in time, refused, or an answer from a previous
		 * process of the slot: the last good figures stay */
		sl->failures++;
		sl->answering = false;
	}
	pthread_mutex_unlock(&ss->mu);
	json_decref(reply);
}

static void *poller(void *arg)
{
	struct sv_stats *ss = arg;
	struct timespec until;

	pthread_mutex_lock(&ss->mu);
	while (!ss->stop) {
		ss->kick = false;
		for (unsigned i = 0; i < ss->n && !ss->stop; i++) {
			char name[32];
			pid_t pid = ss->slots[i].pid;

			if (!pid || !ss->slots[i].name[0])
				continue;
			memcpy(name, ss->slots[i].name, sizeof(name));
			pthread_mutex_unlock(&ss->mu);
			poll_slot(ss, i, name, pid);
			pthread_mutex_lock(&ss->mu);
		}
		clock_gettime(CLOCK_MONOTONIC, &until);
		until.tv_sec += ss->interval_ms / 1000;
		until.tv_nsec += (long)(ss->interval_ms % 1000) * 1000000L;
		if (until.tv_nsec >= 1000000000L) {
			until.tv_sec++;
			until.tv_nsec -= 1000000000L;
		}
		while (!ss->stop && !ss->kick &&
		       pthread_cond_timedwait(&ss->cv, &ss->mu, &until) != ETIMEDOUT)
			;
	}
	pthread_mutex_unlock(&ss->mu);
	return NULL;
}

struct sv_stats *sv_stats_start(const char *run_dir, unsigned nslots, int interval_ms,
				int timeout_ms)
{
	struct sv_stats *ss = calloc(1, sizeof(*ss));
	pthread_condattr_t ca;
	sigset_t all, old;
	int rc;

	if (!ss)
		return NULL;
	ss->slots = calloc(nslots ? nslots : 1, sizeof(*ss->slots));
	if (!ss->slots) {
		free(ss);
		return NULL;
	}
	snprintf(ss->run_dir, sizeof(ss->run_dir), "%s", run_dir);
	ss->n = nslots;
	ss->interval_ms = interval_ms > 0 ? interval_ms : 1000;
	ss->timeout_ms = timeout_ms > 0 ? timeout_ms : 300;
	pthread_mutex_init(&ss->mu, NULL);
	pthread_condattr_init(&ca);
	pthread_condattr_setclock(&ca, CLOCK_MONOTONIC);
	pthread_cond_init(&ss->cv, &ca);
	pthread_condattr_destroy(&ca);
	/* signals stay with the supervisor's main thread (its loop reads the flags) */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	rc = pthread_create(&ss->thread, NULL, poller, ss);
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		pthread_cond_destroy(&ss->cv);
		pthread_mutex_destroy(&ss->mu);
		free(ss->slots);
		free(ss);
		errno = rc;
		return NULL;
	}
	return ss;
}

void sv_stats_set(struct sv_stats *ss, unsigned slot, const char *name, pid_t pid)
{
	if (!ss || slot >= ss->n)
		return;
	pthread_mutex_lock(&ss->mu);
	snprintf(ss->slots[slot].name, sizeof(ss->slots[slot].name), "%s", name ? name : "");
	if (ss->slots[slot].pid != pid)
		ss->slots[slot].answering = false;
	ss->slots[slot].pid = pid;
	pthread_mutex_unlock(&ss->mu);
}

void sv_stats_get(struct sv_stats *ss, unsigned slot, struct sv_stats_slot *out)
{
	memset(out, 0, sizeof(*out));
	if (!ss || slot >= ss->n)
		return;
	pthread_mutex_lock(&ss->mu);
	out->reply = json_incref(ss->slots[slot].reply);
	out->answering = ss->slots[slot].answering;
	out->polls = ss->slots[slot].polls;
	out->failures = ss->slots[slot].failures;
	pthread_mutex_unlock(&ss->mu);
}

void sv_stats_kick(struct sv_stats *ss)
{
	if (!ss)
		return;
	pthread_mutex_lock(&ss->mu);
	ss->kick = true;
	pthread_cond_signal(&ss->cv);
	pthread_mutex_unlock(&ss->mu);
}

void sv_stats_stop(struct sv_stats *ss)
{
	if (!ss)
		return;
	pthread_mutex_lock(&ss->mu);
	ss->stop = true;
	pthread_cond_signal(&ss->cv);
	pthread_mutex_unlock(&ss->mu);
	pthread_join(ss->thread, NULL);
	for (unsigned i = 0; i < ss->n; i++) {
		ctl_close(ss->slots[i].req);
		json_decref(ss->slots[i].reply);
	}
	pthread_cond_destroy(&ss->cv);
	pthread_mutex_destroy(&ss->mu);
	free(ss->slots);
	free(ss);
}
