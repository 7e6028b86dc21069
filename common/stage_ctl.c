/* stage_ctl.c: the stage side of the control plane: a REP socket served by one background thread. */
#include "stage_ctl.h"

#include <errno.h>
#include <pthread.h>
#include <signal.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <fcntl.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "ctl.h"
#include "log.h"
#include "stage.h"

/* Most time a reply may take to be handed to nng; the REQ side has gone after that. */
#define STAGE_CTL_SEND_MS 1000

struct stage_ctl {
	struct ctl_sock *sock;
	pthread_t thread;
	atomic_bool stop;
	stage_ctl_stats_fn fn;
	void *ctx;
	char stage[64];
	char path[CTL_MAX_PATH + 8];	  /* the socket file, removed at stop */
	char lock_path[CTL_MAX_PATH + 8]; /* held (flock) while the socket is ours */
	int lock_fd;
	pid_t pid;
	uint64_t start_wall_ns;
	double start_mono;
	uint64_t requests;	  /* control thread only */
	uint64_t next_publish_ms; /* stage_ctl_publish_due(): the stage's own thread only */
	pthread_mutex_t lock;	  /* guards snapshot and health */
	pthread_mutex_t serve_mu; /* held while a request is handled; taken by stop */
	json_t *snapshot;	  /* stage_ctl_publish() */
	char health[64];
};

static double mono_s(void)
{
	struct timespec ts;

	clock_gettime(CLOCK_MONOTONIC, &ts);
	return (double)ts.tv_sec + (double)ts.tv_nsec / 1e9;
}

const char *stage_ctl_run_dir(struct cfg *cfg)
{
	const char *env = getenv("LANNER_RUN_DIR");

	if (env && *env)
		return env;
	return stage_run_dir(cfg);
}

/*
 * Takes RUN/ctl-STAGE.lock (flock, held until stop or death): a second live
 * stage of the same name is refused here, before it touches the socket.
 * Letting nng find the address in use is not harmless: its check connects
 * to the live listener, and such a connection made and dropped can keep
 * nng 1.5.2's listener from accepting for seconds (seen in the unit test).
 * Returns the lock fd, or -errno (-EADDRINUSE when held).
 */
static int take_lock(const char *path)
{
	int fd = open(path, O_RDWR | O_CREAT | O_CLOEXEC, 0660);

	if (fd < 0)
		return -errno;
	if (flock(fd, LOCK_EX | LOCK_NB) != 0) {
		int e = errno == EWOULDBLOCK ? EADDRINUSE : errno;

		close(fd);
		return -e;
	}
	return fd;
}

static json_t *error_reply(const char *fmt, const char *a, const char *b)
{
	char msg[256];

	snprintf(msg, sizeof(msg), fmt, a, b);
	return json_pack("{s:s}", "error", msg);
}

/* Builds the reply to one request; returns its type. */
static uint16_t handle(struct stage_ctl *c, uint16_t type, json_t **reply)
{
	json_t *r, *stats;
	int rc;

	*reply = NULL;
	switch (type) {
	case CTL_MSG_STATS:
		if (c->fn) {
			stats = json_object();
			if (!stats)
				return CTL_MSG_ERROR;
			rc = c->fn(c->ctx, stats);
			if (rc) {
				json_decref(stats);
				*reply = error_reply("%s: statistics failed: %s", c->stage,
						     strerror(-rc));
				return CTL_MSG_ERROR;
			}
		} else {
			pthread_mutex_lock(&c->lock);
			stats = c->snapshot ? json_deep_copy(c->snapshot) : json_object();
			pthread_mutex_unlock(&c->lock);
			if (!stats)
				return CTL_MSG_ERROR;
		}
		r = json_pack("{s:s, s:I, s:I, s:f, s:I, s:o}", "stage", c->stage, "pid",
			      (json_int_t)c->pid, "start_time_ns", (json_int_t)c->start_wall_ns,
			      "uptime_s", mono_s() - c->start_mono, "requests",
			      (json_int_t)c->requests, "stats", stats);
		if (!r)
			return CTL_MSG_ERROR;
		*reply = r;
		return CTL_MSG_OK;
	case CTL_MSG_HEALTH: {
		char status[64];

		pthread_mutex_lock(&c->lock);
		memcpy(status, c->health, sizeof(status));
		pthread_mutex_unlock(&c->lock);
		*reply = json_pack("{s:s, s:I, s:s}", "stage", c->stage, "pid", (json_int_t)c->pid,
				   "status", status);
		return *reply ? CTL_MSG_OK : CTL_MSG_ERROR;
	}
	default:
		*reply = error_reply("%s does not handle %s requests", c->stage,
				     ctl_type_name(type));
		return CTL_MSG_ERROR;
	}
}

static void *serve(void *arg)
{
	struct stage_ctl *c = arg;

	for (;;) {
		json_t *req = NULL, *reply = NULL;
		uint16_t type = 0, rtype;
		int rc = ctl_recv_json(c->sock, &type, &req, CTL_FOREVER);

		/* requests are handled under serve_mu: once stage_ctl_stop() has
		 * taken it, no callback runs again */
		pthread_mutex_lock(&c->serve_mu);
		if (atomic_load(&c->stop) || rc == -EBADF) {
			pthread_mutex_unlock(&c->serve_mu);
			json_decref(req);
			break; /* unanswered: the asker times out */
		}
		if (rc == -EPROTO) {
			/* a REP socket must answer a request before it receives the next */
			reply = json_pack("{s:s}", "error", "malformed request");
			ctl_send_json(c->sock, CTL_MSG_ERROR, reply, STAGE_CTL_SEND_MS);
		} else if (rc == 0) {
			c->requests++;
			rtype = handle(c, type, &reply);
			ctl_send_json(c->sock, rtype, reply, STAGE_CTL_SEND_MS);
		}
		pthread_mutex_unlock(&c->serve_mu);
		json_decref(reply);
		json_decref(req);
		if (rc && rc != -EPROTO)
			usleep(10000); /* nothing received (interrupted, no memory): do not spin */
	}
	return NULL;
}

struct stage_ctl *stage_ctl_start(const char *run_dir, const char *stage, stage_ctl_stats_fn fn,
				  void *ctx)
{
	struct stage_ctl *c;
	char name[80];
	struct timespec ts;
	sigset_t all, old;
	int rc;

	if (!run_dir || !stage || !*stage || strlen(stage) >= sizeof(c->stage) ||
	    ctl_stage_sock_name(name, sizeof(name), stage) != 0) {
		log_errorf("control socket: invalid stage name");
		errno = EINVAL;
		return NULL;
	}
	c = calloc(1, sizeof(*c));
	if (!c)
		return NULL;
	snprintf(c->stage, sizeof(c->stage), "%s", stage);
	snprintf(c->health, sizeof(c->health), "ok");
	snprintf(c->path, sizeof(c->path), "%s/%s.sock", run_dir, name);
	c->fn = fn;
	c->ctx = ctx;
	c->pid = getpid();
	clock_gettime(CLOCK_REALTIME, &ts);
	c->start_wall_ns = (uint64_t)ts.tv_sec * 1000000000ull + (uint64_t)ts.tv_nsec;
	c->start_mono = mono_s();
	snprintf(c->lock_path, sizeof(c->lock_path), "%s/%s.lock", run_dir, name);
	mkdir(run_dir, 0770);
	c->lock_fd = take_lock(c->lock_path);
	if (c->lock_fd < 0) {
		rc = -c->lock_fd;
		log_errorf("control socket %s: %s", c->path,
			   rc == EADDRINUSE ? "another live process of this stage holds it"
					    : strerror(rc));
		free(c);
		errno = rc;
		return NULL;
	}
	pthread_mutex_init(&c->lock, NULL);
	pthread_mutex_init(&c->serve_mu, NULL);
	/* The thread, and nng's threads if this is the first use of nng in the
	 * process, start with every signal blocked: signals stay the business of
	 * the stage's own threads (some take them with sigtimedwait). */
	sigfillset(&all);
	pthread_sigmask(SIG_BLOCK, &all, &old);
	c->sock = ctl_listen(CTL_REP, run_dir, name);
	rc = c->sock ? pthread_create(&c->thread, NULL, serve, c) : errno;
	pthread_sigmask(SIG_SETMASK, &old, NULL);
	if (rc) {
		if (c->sock)
			log_errorf("control socket %s: cannot start its thread: %s", c->path,
				   strerror(rc));
		ctl_close(c->sock);
		unlink(c->lock_path);
		close(c->lock_fd);
		pthread_mutex_destroy(&c->lock);
		pthread_mutex_destroy(&c->serve_mu);
		free(c);
		errno = rc;
		return NULL;
	}
	log_debugf("control socket %s ready", c->path);
	return c;
}

void stage_ctl_publish(struct stage_ctl *c, json_t *stats)
{
	json_t *old;

	if (!c) {
		json_decref(stats);
		return;
	}
	pthread_mutex_lock(&c->lock);
	old = c->snapshot;
	c->snapshot = stats;
	pthread_mutex_unlock(&c->lock);
	json_decref(old);
}

int stage_ctl_publish_due(struct stage_ctl *c)
{
	struct timespec ts;
	uint64_t ms;

	if (!c)
		return 0;
	clock_gettime(CLOCK_MONOTONIC_COARSE, &ts);
	ms = (uint64_t)ts.tv_sec * 1000u + (uint64_t)ts.tv_nsec / 1000000u;
	if (ms < c->next_publish_ms)
		return 0;
	c->next_publish_ms = ms + STAGE_CTL_PUBLISH_MS;
	return 1;
}

void stage_ctl_set_health(struct stage_ctl *c, const char *status)
{
	if (!c)
		return;
	pthread_mutex_lock(&c->lock);
	snprintf(c->health, sizeof(c->health), "%s", status ? status : "ok");
	pthread_mutex_unlock(&c->lock);
}

/*
 * Stopped controls whose thread may still wait in its receive: kept
 * reachable (they live until the process exits), not leaked.
 */
static struct stage_ctl *stopped[16];
static atomic_uint nstopped;

void stage_ctl_stop(struct stage_ctl *c)
{
	unsigned k;

	if (!c)
		return;
	/*
	 * The socket is not closed and the thread not joined: in nng 1.5.2 a
	 * close while another thread waits in a receive can deadlock
	 * (nanomsg/nng#1543, #1813; the emitter's intake does the same). The
	 * thread stays blocked in its receive until the process exits; a
	 * request that still comes gets no answer. Taking serve_mu waits for a
	 * request being handled (a callback reading what the stage is about to
	 * free) and keeps any later one out.
	 */
	pthread_mutex_lock(&c->serve_mu);
	atomic_store(&c->stop, true);
	pthread_detach(c->thread);
	unlink(c->path); /* what nng_close would remove: a successor binds afresh */
	unlink(c->lock_path);
	close(c->lock_fd); /* a successor may take the name now */
	pthread_mutex_lock(&c->lock);
	json_decref(c->snapshot);
	c->snapshot = NULL;
	pthread_mutex_unlock(&c->lock);
	pthread_mutex_unlock(&c->serve_mu);
	k = atomic_fetch_add(&nstopped, 1);
	if (k < sizeof(stopped) / sizeof(stopped[0]))
		stopped[k] = c;
	/* else: left to the process exit all the same (more stops than a stage makes) */
}
