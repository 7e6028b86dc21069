/* lanner_capture_dump.c: prints a .scap capture's events, one per line (debugging, tests). */
#include <errno.h>
#include <inttypes.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "event.h"
#include "scap_evtab.h"
#include "scap_reader.h"
#include "scap_writer.h"

struct dump {
	int raw, seeds;
	struct scap_writer *w; /* -w: rewrite the capture through Lanner records */
	uint64_t n;
	char line[65536];
};

static int on_raw(void *ctx, const struct scap_raw_evt *e)
{
	struct dump *d = ctx;
	const struct scap_ev_def *def = scap_ev_def(e->code);

	d->n++;
	printf("%" PRIu64 " %c %s %" PRId64 " %" PRIu64 " %u code=%u np=%u off=%" PRIu64 "\n", d->n,
	       (e->code & 1) ? '<' : '>', def ? def->name : "?", e->tid, e->ts, e->cpu, e->code,
	       e->nparams, e->offset);
	return 0;
}

static int on_event(void *ctx, const void *rec, uint32_t len)
{
	struct dump *d = ctx;
	struct lnr_evt_view v;
	const char *why = NULL;

	if (lnr_evt_decode(rec, len, &v, &why) != 0) {
		fprintf(stderr, "lanner-capture-dump: invalid record: %s\n", why ? why : "?");
		return -EBADMSG;
	}
	if (d->w)
		return scap_writer_event(d->w, rec, len) == -EIO ? -EIO : 0;
	lnr_evt_format(&v, d->line, sizeof(d->line));
	puts(d->line);
	return 0;
}

static int w_thread(void *ctx, const struct scap_thread_seed *t)
{
	return scap_writer_thread(((struct dump *)ctx)->w, t);
}

static int w_fd(void *ctx, const struct scap_fd_seed *f)
{
	return scap_writer_fd(((struct dump *)ctx)->w, f);
}

static int w_user(void *ctx, const struct scap_user_seed *u)
{
	return scap_writer_user(((struct dump *)ctx)->w, u);
}

static int w_iface(void *ctx, const struct scap_iface_seed *i)
{
	return scap_writer_iface(((struct dump *)ctx)->w, i);
}

static int on_thread(void *ctx, const struct scap_thread_seed *t)
{
	printf("thread tid=%" PRId64 " pid=%" PRId64 " ptid=%" PRId64 " comm=%s exe=%s uid=%u"
	       " gid=%u vpid=%" PRId64 "\n",
	       t->tid, t->pid, t->ptid, t->comm, t->exe, t->uid, t->gid, t->vpid);
	return 0;
}

static int on_fd(void *ctx, const struct scap_fd_seed *f)
{
	printf("fd tid=%" PRId64 " fd=%" PRId64 " type=%u name=%s\n", f->tid, f->fd, f->type,
	       f->name);
	return 0;
}

static int on_iface(void *ctx, const struct scap_iface_seed *i)
{
	char a[64] = "";

	if (i->type == 1 || i->type == 3)
		snprintf(a, sizeof(a), "%u.%u.%u.%u", i->addr[0], i->addr[1], i->addr[2],
			 i->addr[3]);
	else
		snprintf(a, sizeof(a), "ipv6");
	printf("iface name=%s type=%u addr=%s\n", i->name, i->type, a);
	return 0;
}

static int on_user(void *ctx, const struct scap_user_seed *u)
{
	if (u->is_group)
		printf("group gid=%u name=%s\n", u->gid, u->name);
	else
		printf("user uid=%u gid=%u name=%s home=%s\n", u->uid, u->gid, u->name, u->homedir);
	return 0;
}

static void usage(void)
{
	fprintf(stderr, "usage: lanner-capture-dump [-r] [-s] [-q] [-w OUT.scap [-z]] FILE.scap\n"
			"  (default) converted Lanner events, one per line\n"
			"  -r  raw scap events instead (num dir type tid ts cpu)\n"
			"  -s  also the process/fd/user lists\n"
			"  -q  print nothing but the statistics\n"
			"  -w  write the converted events and lists to OUT.scap (scap 1.2)\n"
			"  -z  gzip OUT.scap\n");
}

int main(int argc, char **argv)
{
	struct dump d = {0};
	struct scap_reader_cbs cbs = {.ctx = &d};
	struct scap_reader *r;
	const struct scap_reader_stats *st;
	const char *wpath = NULL;
	int opt, quiet = 0, gz = 0, rc;

	while ((opt = getopt(argc, argv, "rsqw:zh")) != -1) {
		switch (opt) {
		case 'w':
			wpath = optarg;
			break;
		case 'z':
			gz = 6;
			break;
		case 'r':
			d.raw = 1;
			break;
		case 's':
			d.seeds = 1;
			break;
		case 'q':
			quiet = 1;
			break;
		default:
			usage();
			return opt == 'h' ? 0 : 2;
		}
	}
	if (optind != argc - 1) {
		usage();
		return 2;
	}
	if (!quiet) {
		if (d.raw)
			cbs.raw = on_raw;
		else
			cbs.event = on_event;
		if (d.seeds) {
			cbs.thread = on_thread;
			cbs.fd = on_fd;
			cbs.user = on_user;
			cbs.iface = on_iface;
		}
	} else {
		cbs.event = on_event;
		cbs.ctx = &d;
	}
	if (wpath) {
		d.w = scap_writer_open(wpath, gz, NULL);
		if (!d.w) {
			fprintf(stderr, "lanner-capture-dump: %s: %s\n", wpath, strerror(errno));
			return 1;
		}
		cbs.raw = NULL;
		cbs.event = on_event;
		cbs.thread = w_thread;
		cbs.fd = w_fd;
		cbs.user = w_user;
		cbs.iface = w_iface;
	}
	if (quiet && !freopen("/dev/null", "w", stdout))
		return 1;
	r = scap_reader_open(argv[optind], &cbs);
	if (!r) {
		fprintf(stderr, "lanner-capture-dump: %s: %s\n", argv[optind], strerror(errno));
		return 1;
	}
	rc = scap_reader_run(r);
	st = scap_reader_stats(r);
	fflush(stdout);
	fprintf(stderr,
		"version %u.%u: %" PRIu64 " blocks (%" PRIu64 " skipped), %" PRIu64
		" threads, %" PRIu64 " fds, %" PRIu64 " users, %" PRIu64 " groups, %" PRIu64
		" raw events (%" PRIu64 " < code 336), %" PRIu64 " events, %" PRIu64
		" unmapped, %" PRIu64 " unknown codes, %" PRIu64 " exit w/o enter, %" PRIu64
		" enter w/o exit\n",
		st->major, st->minor, st->blocks, st->blocks_skipped, st->threads, st->fds,
		st->users, st->groups, st->raw_events, st->raw_events_2022, st->events,
		st->unmapped, st->unknown_codes, st->exit_without_enter, st->enter_without_exit);
	if (d.w) {
		int wrc;

		fprintf(stderr,
			"wrote %" PRIu64 " events (%" PRIu64 " scap events, %" PRIu64 " skipped)\n",
			scap_writer_stats(d.w)->events, scap_writer_stats(d.w)->scap_events,
			scap_writer_stats(d.w)->skipped);
		wrc = scap_writer_close(d.w);
		if (wrc) {
			fprintf(stderr, "lanner-capture-dump: %s: %s\n", wpath, strerror(-wrc));
			rc = rc ? rc : wrc;
		}
	}
	if (rc != 0) {
		fprintf(stderr, "lanner-capture-dump: %s: %s\n", argv[optind],
			rc < 0 ? scap_reader_error(r) : "stopped");
		scap_reader_free(r);
		return 1;
	}
	scap_reader_free(r);
	return 0;
}
