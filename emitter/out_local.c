/* out_local.c: stdout, file (append, keep_alive, reopen), program (stdin pipe) and syslog channels. */
#include "out_local.h"

#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <syslog.h>
#include <time.h>
#include <unistd.h>

#include "log_shim.h"

/* Longest syslog datagram we send; longer messages are cut (syslog daemons cut them anyway). */
#define SYSLOG_MAX_MSG (64u << 10)

/* ---- shared: render one alert as Falco would for this channel ---- */

static int render_line(const struct emitter_config *c, const struct alert *a, struct alert_buf *b)
{
	alert_buf_reset(b);
	int rc = alert_render(a, &c->fmt, b);

	return rc ? rc : alert_buf_append(b, "\n", 1);
}

/* ---- stdout ---- */

struct outl_stdout {
	const struct emitter_config *c;
	struct alert_buf b;
};

int outl_stdout_init(const struct emitter_config *c, void **priv)
{
	struct outl_stdout *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->c = c;
	alert_buf_init(&s->b);
	*priv = s;
	return 0;
}

static int stdout_deliver(void *priv, struct output_item *it, size_t n, size_t *done)
{
	struct outl_stdout *s = priv;

	*done = 0;
	for (size_t i = 0; i < n; i++) {
		int rc = render_line(s->c, it[i].a, &s->b);
		if (rc)
			return rc;
		if (fwrite(s->b.data, 1, s->b.len, stdout) != s->b.len ||
		    (!s->c->buffered_outputs && fflush(stdout))) {
			clearerr(stdout);
			return -EIO;
		}
		*done = i + 1;
	}
	/* buffered_outputs: flushed per batch, never left in memory across batches */
	if (fflush(stdout)) {
		clearerr(stdout);
		return -EIO;
	}
	return 0;
}

static void stdout_destroy(void *priv)
{
	struct outl_stdout *s = priv;

	if (!s)
		return;
	alert_buf_fini(&s->b);
	free(s);
}

const struct output_ops outl_stdout_ops = {
	.kind = "stdout",
	.deliver = stdout_deliver,
	.destroy = stdout_destroy,
};

/* ---- file ---- */

struct outl_file {
	const struct emitter_config *c;
	FILE *fp; /* open while keep_alive */
	struct alert_buf b;
	bool failing; /* log an open failure once per outage, not at every retry */
};

int outl_file_init(const struct emitter_config *c, void **priv)
{
	struct outl_file *f = calloc(1, sizeof(*f));

	if (!f)
		return -ENOMEM;
	if (!c->file_filename || !*c->file_filename) {
		lg_err("file_output: filename is empty");
		free(f);
		return -EINVAL;
	}
	f->c = c;
	alert_buf_init(&f->b);
	*priv = f;
	return 0;
}

static int file_open(struct outl_file *f)
{
	if (f->fp)
		return 0;
	f->fp = fopen(f->c->file_filename, "ae");
	if (!f->fp) {
		int e = errno;
		if (!f->failing)
			lg_err("file_output: cannot open %s: %s", f->c->file_filename, strerror(e));
		f->failing = true;
		return -e;
	}
	if (f->failing)
		lg_info("file_output: %s open again", f->c->file_filename);
	f->failing = false;
	return 0;
}

static void file_close(struct outl_file *f)
{
	if (f->fp)
		fclose(f->fp);
	f->fp = NULL;
}

static int file_deliver(void *priv, struct output_item *it, size_t n, size_t *done)
{
	struct outl_file *f = priv;
	int rc = 0;

	*done = 0;
	for (size_t i = 0; i < n; i++) {
		rc = render_line(f->c, it[i].a, &f->b);
		if (!rc)
			rc = file_open(f);
		if (rc)
			return rc;
		if (fwrite(f->b.data, 1, f->b.len, f->fp) != f->b.len ||
		    ((!f->c->buffered_outputs || !f->c->file_keep_alive) && fflush(f->fp))) {
			rc = errno ? -errno : -EIO;
			file_close(f);
			return rc;
		}
		if (!f->c->file_keep_alive)
			file_close(f); /* Falco reopens the file for every alert */
		*done = i + 1;
	}
	if (f->fp && fflush(f->fp)) {
		rc = errno ? -errno : -EIO;
		file_close(f);
		return rc;
	}
	return 0;
}

static void file_reopen(void *priv)
{
	file_close(priv); /* reopened by name at the next alert: log rotation */
}

static void file_destroy(void *priv)
{
	struct outl_file *f = priv;

	if (!f)
		return;
	file_close(f);
	alert_buf_fini(&f->b);
	free(f);
}

const struct output_ops outl_file_ops = {
	.kind = "file",
	.deliver = file_deliver,
	.reopen = file_reopen,
	.destroy = file_destroy,
};

/* ---- program ---- */

struct outl_program {
	const struct emitter_config *c;
	FILE *fp; /* the program's stdin while keep_alive */
	struct alert_buf b;
};

int outl_program_init(const struct emitter_config *c, void **priv)
{
	struct outl_program *p = calloc(1, sizeof(*p));

	if (!p)
		return -ENOMEM;
	if (!c->program || !*c->program) {
		lg_err("program_output: program is empty");
		free(p);
		return -EINVAL;
	}
	p->c = c;
	alert_buf_init(&p->b);
	*priv = p;
	return 0;
}

static int program_close(struct outl_program *p)
{
	int st = 0;

	if (p->fp) {
		st = pclose(p->fp);
		if (st != 0 && st != -1 && p->c->program_keep_alive)
			lg_warn("program_output: '%s' ended (status %d)", p->c->program, st);
	}
	p->fp = NULL;
	return st;
}

static int program_deliver(void *priv, struct output_item *it, size_t n, size_t *done)
{
	struct outl_program *p = priv;
	int rc;

	*done = 0;
	for (size_t i = 0; i < n; i++) {
		rc = render_line(p->c, it[i].a, &p->b);
		if (rc)
			return rc;
		if (!p->fp) {
			p->fp = popen(p->c->program, "we");
			if (!p->fp) {
				rc = -errno;
				lg_err("program_output: cannot start '%s': %s", p->c->program,
				       strerror(-rc));
				return rc;
			}
		}
		/* SIGPIPE is ignored: a program that exited shows up as EPIPE here */
		if (fwrite(p->b.data, 1, p->b.len, p->fp) != p->b.len ||
		    (!p->c->buffered_outputs && fflush(p->fp))) {
			rc = errno ? -errno : -EPIPE;
			program_close(p);
			return rc;
		}
		if (!p->c->program_keep_alive)
			program_close(p); /* Falco runs the program once per alert */
		*done = i + 1;
	}
	if (p->fp && fflush(p->fp)) {
		rc = errno ? -errno : -EPIPE;
		program_close(p);
		return rc;
	}
	return 0;
}

static void program_reopen(void *priv)
{
	program_close(priv); /* respawned at the next alert, as Falco on SIGUSR1 */
}

static void program_destroy(void *priv)
{
	struct outl_program *p = priv;

	if (!p)
		return;
	program_close(p);
	alert_buf_fini(&p->b);
	free(p);
}

const struct output_ops outl_program_ops = {
	.kind = "program",
	.deliver = program_deliver,
	.reopen = program_reopen,
	.destroy = program_destroy,
};

/* ---- syslog ---- */

struct outl_syslog {
	const struct emitter_config *c;
	int fd;
	struct alert_buf b, m;
};

int outl_syslog_severity(enum alert_priority p)
{
	/* Falco passes its priority straight to syslog(3): emergency=LOG_EMERG ... debug=LOG_DEBUG */
	return (unsigned)p < ALERT_PRIO_COUNT ? (int)p : LOG_DEBUG;
}

int outl_syslog_format(const char *msg, size_t len, enum alert_priority p, time_t when,
		       struct alert_buf *out)
{
	char hdr[128];
	struct tm tm;

	if (len > SYSLOG_MAX_MSG)
		len = SYSLOG_MAX_MSG;
	localtime_r(&when, &tm);
	size_t n = (size_t)snprintf(hdr, sizeof(hdr), "<%d>", LOG_USER | outl_syslog_severity(p));
	n += strftime(hdr + n, sizeof(hdr) - n, "%b %e %H:%M:%S ", &tm);
	n += (size_t)snprintf(hdr + n, sizeof(hdr) - n, "lanner[%d]: ", (int)getpid());
	alert_buf_reset(out);
	int rc = alert_buf_append(out, hdr, n);
	return rc ? rc : alert_buf_append(out, msg, len);
}

int outl_syslog_init(const struct emitter_config *c, void **priv)
{
	struct outl_syslog *s = calloc(1, sizeof(*s));

	if (!s)
		return -ENOMEM;
	s->c = c;
	s->fd = -1;
	alert_buf_init(&s->b);
	alert_buf_init(&s->m);
	*priv = s;
	return 0;
}

static int syslog_connect(struct outl_syslog *s)
{
	struct sockaddr_un sa = {.sun_family = AF_UNIX};

	if (s->fd >= 0)
		return 0;
	if (strlen(s->c->syslog_socket) >= sizeof(sa.sun_path))
		return -ENAMETOOLONG;
	strcpy(sa.sun_path, s->c->syslog_socket);
	s->fd = socket(AF_UNIX, SOCK_DGRAM | SOCK_CLOEXEC, 0);
	if (s->fd < 0)
		return -errno;
	if (connect(s->fd, (struct sockaddr *)&sa, sizeof(sa))) {
		int e = errno;
		close(s->fd);
		s->fd = -1;
		return -e;
	}
	return 0;
}

static int syslog_deliver(void *priv, struct output_item *it, size_t n, size_t *done)
{
	struct outl_syslog *s = priv;
	int rc;

	*done = 0;
	for (size_t i = 0; i < n; i++) {
		alert_buf_reset(&s->b);
		rc = alert_render(it[i].a, &s->c->fmt, &s->b);
		if (!rc)
			rc = outl_syslog_format(s->b.data, s->b.len, it[i].a->priority, time(NULL),
						&s->m);
		if (!rc)
			rc = syslog_connect(s);
		if (rc)
			return rc;
		if (send(s->fd, s->m.data, s->m.len, MSG_NOSIGNAL) < 0) {
			rc = -errno;
			close(s->fd);
			s->fd = -1;
			return rc;
		}
		*done = i + 1;
	}
	return 0;
}

static void syslog_reopen(void *priv)
{
	struct outl_syslog *s = priv;

	if (s->fd >= 0)
		close(s->fd);
	s->fd = -1;
}

static void syslog_destroy(void *priv)
{
	struct outl_syslog *s = priv;

	if (!s)
		return;
	syslog_reopen(s);
	alert_buf_fini(&s->b);
	alert_buf_fini(&s->m);
	free(s);
}

const struct output_ops outl_syslog_ops = {
	.kind = "syslog",
	.deliver = syslog_deliver,
	.reopen = syslog_reopen,
	.destroy = syslog_destroy,
};
