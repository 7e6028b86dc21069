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

struct dump {
	int raw, seeds;
	uint64_t n;
	char line[65536];
};

static int on_raw(void *ctx, const struct scap_raw_evt *e)
{
	struct dump *d = ctx;
	const struct scap_ev_def *def = scap_ev_def(e->code);

	d->n++;
	printf("%" PRIu64 " %c %s %" PRId64 " %" PRIu64 " %u np=%u off=%" PRIu64 "\n", d->n,
	       (e->code & 1) ? '<' : '>', def ? def->name : "?", e->tid, e->ts, e->cpu, e->nparams,
	       e->offset);
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
	lnr_evt_format(&v, d->line, sizeof(d->line));
	puts(d->line);
	return 0;
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
	fprintf(stderr, "usage: lanner-capture-dump [-r] [-s] [-q] FILE.scap\n"
			"  (default) converted Lanner events, one per line\n"
			"  -r  raw scap events instead (num dir type tid ts cpu)\n"
			"  -s  also the process/fd/user lists\n"
			"  -q  print nothing but the statistics\n");
}

int main(int argc, char **argv)
{
	struct dump d = {0};
	struct scap_reader_cbs cbs = {.ctx = &d};
	struct scap_reader *r;
	const struct scap_reader_stats *st;
	int opt, quiet = 0, rc;

	while ((opt = getopt(argc, argv, "rsqh")) != -1) {
		switch (opt) {
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
		}
	} else {
		cbs.event = on_event;
		cbs.ctx = &d;
	}
	if (quiet)
		freopen("/dev/null", "w", stdout);
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
	if (rc != 0) {
		fprintf(stderr, "lanner-capture-dump: %s: %s\n", argv[optind],
			rc < 0 ? scap_reader_error(r) : "stopped");
		scap_reader_free(r);
		return 1;
	}
	scap_reader_free(r);
	return 0;
}
