/* col_drops.c: syscall_event_drops (threshold, actions, token bucket) and Falco's drop alert. */
#include "col_drops.h"

#include <errno.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <strings.h>

#define NS_PER_S 1000000000ull

void col_drops_cfg_default(struct col_drops_cfg *c)
{
	memset(c, 0, sizeof(*c));
	c->threshold = 0.1;
	c->actions = COL_DROP_ACT_LOG | COL_DROP_ACT_ALERT;
	c->rate = 0.03333;
	c->max_burst = 1;
}

int col_drops_cfg_read(struct cfg *cfg, struct col_drops_cfg *c, char *err, size_t errlen)
{
	const char **acts = NULL;
	size_t nacts = 0;

	col_drops_cfg_default(c);
	if (!cfg)
		return 0;
	c->threshold = cfg_get_double(cfg, "syscall_event_drops.threshold", c->threshold);
	c->rate = cfg_get_double(cfg, "syscall_event_drops.rate", c->rate);
	c->max_burst = cfg_get_double(cfg, "syscall_event_drops.max_burst", c->max_burst);
	c->simulate = cfg_get_bool(cfg, "syscall_event_drops.simulate_drops", false);
	if (!(c->threshold >= 0 && c->threshold <= 1)) {
		snprintf(err, errlen, "syscall_event_drops.threshold must be in [0, 1] (is %g)",
			 c->threshold);
		return -EINVAL;
	}
	if (!(c->rate > 0) || !isfinite(c->rate) || !(c->max_burst >= 1) ||
	    !isfinite(c->max_burst)) {
		snprintf(err, errlen,
			 "syscall_event_drops: rate must be > 0 and max_burst >= 1 (are %g, %g)",
			 c->rate, c->max_burst);
		return -EINVAL;
	}
	if (!cfg_has(cfg, "syscall_event_drops.actions"))
		return 0;
	if (cfg_get_strlist(cfg, "syscall_event_drops.actions", &acts, &nacts) != 0) {
		snprintf(err, errlen, "syscall_event_drops.actions must be a list of names");
		return -EINVAL;
	}
	c->actions = 0; /* an empty list: ignore, as Falco */
	for (size_t i = 0; i < nacts; i++) {
		if (strcasecmp(acts[i], "ignore") == 0)
			continue;
		else if (strcasecmp(acts[i], "log") == 0)
			c->actions |= COL_DROP_ACT_LOG;
		else if (strcasecmp(acts[i], "alert") == 0)
			c->actions |= COL_DROP_ACT_ALERT;
		else if (strcasecmp(acts[i], "exit") == 0)
			c->actions |= COL_DROP_ACT_EXIT;
		else {
			snprintf(err, errlen,
				 "syscall_event_drops.actions: unknown action '%s' (ignore, log, "
				 "alert, exit)",
				 acts[i]);
			free(acts);
			return -EINVAL;
		}
	}
	free(acts);
	return 0;
}

void col_tbucket_init(struct col_tbucket *b, double rate, double max_tokens, uint64_t now_ns)
{
	b->rate = rate;
	b->max_tokens = max_tokens;
	b->tokens = max_tokens;
	b->last_ns = now_ns;
}

bool col_tbucket_claim(struct col_tbucket *b, double n, uint64_t now_ns)
{
	if (now_ns > b->last_ns) {
		b->tokens += b->rate * (double)(now_ns - b->last_ns) / 1e9;
		if (b->tokens > b->max_tokens)
			b->tokens = b->max_tokens;
		b->last_ns = now_ns;
	}
	if (b->tokens < n)
		return false;
	b->tokens -= n;
	return true;
}

void col_drops_init(struct col_drops *d, const struct col_drops_cfg *cfg,
		    const struct col_stats *st, uint64_t now_ns)
{
	memset(d, 0, sizeof(*d));
	d->cfg = *cfg;
	if (d->cfg.simulate)
		d->cfg.threshold = 0; /* as Falco: simulated drops always count */
	col_tbucket_init(&d->bucket, d->cfg.rate, d->cfg.max_burst, now_ns);
	d->last = *st;
	d->next_check_ns = now_ns + NS_PER_S;
}

#define COL_DELTA(f) delta->f = st->f - d->last.f

unsigned col_drops_check(struct col_drops *d, const struct col_stats *st, uint64_t now_ns,
			 struct col_stats *delta)
{
	double ratio;

	memset(delta, 0, sizeof(*delta));
	if (now_ns < d->next_check_ns)
		return 0;
	d->next_check_ns = now_ns + NS_PER_S;
	COL_DELTA(events);
	COL_DELTA(drops);
	COL_DELTA(drop_buf_full);
	COL_DELTA(drop_no_ring);
	COL_DELTA(drop_no_scratch);
	COL_DELTA(drop_too_big);
	COL_DELTA(read_faults);
	COL_DELTA(truncated);
	COL_DELTA(stash_miss);
	COL_DELTA(ignored);
	COL_DELTA(delivered);
	COL_DELTA(drop_buf_clone_fork);
	COL_DELTA(drop_buf_execve);
	COL_DELTA(drop_buf_connect);
	COL_DELTA(drop_buf_open);
	COL_DELTA(drop_buf_dir_file);
	COL_DELTA(drop_buf_other_interest);
	COL_DELTA(drop_buf_close);
	COL_DELTA(drop_buf_proc_exit);
	d->last = *st;
	/* Falco's n_evts counts the lost events too. */
	delta->events += delta->drops;
	if (d->cfg.simulate) {
		delta->drops++;
		delta->events++;
	}
	if (delta->drops == 0)
		return 0;
	ratio = (double)delta->drops / (double)delta->events;
	if (!(ratio > d->cfg.threshold))
		return 0;
	d->n_detected++;
	if (!col_tbucket_claim(&d->bucket, 1, now_ns))
		return 0;
	d->n_actions++;
	return d->cfg.actions;
}

void col_drops_message(const struct col_stats *delta, char *buf, size_t n)
{
	snprintf(buf, n, "%s. %llu system calls dropped in last second.", COL_DROP_RULE,
		 (unsigned long long)delta->drops);
}

static int col_add_u64s(struct alert *a, const char *name, uint64_t v)
{
	char num[24];

	snprintf(num, sizeof(num), "%llu", (unsigned long long)v);
	return alert_add_string(a, name, num);
}

struct alert *col_drops_alert(const struct col_stats *delta, uint64_t time_ns, const char *hostname)
{
	struct alert *a = alert_new();
	char msg[256];
	int e = 0;

	if (!a)
		return NULL;
	col_drops_message(delta, msg, sizeof(msg));
	a->time_ns = time_ns;
	a->priority = ALERT_PRIO_DEBUG; /* Falco's priority for this alert */
	e |= alert_set_rule(a, COL_DROP_RULE);
	e |= alert_set_source(a, "internal");
	e |= alert_set_output(a, msg);
	if (hostname)
		e |= alert_set_hostname(a, hostname);
	/* Falco's fields, in its order, values as strings as Falco writes them. */
	e |= col_add_u64s(a, "n_evts", delta->events);
	e |= col_add_u64s(a, "n_drops", delta->drops);
	e |= col_add_u64s(a, "n_drops_buffer_total", delta->drop_buf_full);
	e |= col_add_u64s(a, "n_drops_buffer_clone_fork_exit", delta->drop_buf_clone_fork);
	e |= col_add_u64s(a, "n_drops_buffer_execve_exit", delta->drop_buf_execve);
	e |= col_add_u64s(a, "n_drops_buffer_connect_exit", delta->drop_buf_connect);
	e |= col_add_u64s(a, "n_drops_buffer_open_exit", delta->drop_buf_open);
	e |= col_add_u64s(a, "n_drops_buffer_dir_file_exit", delta->drop_buf_dir_file);
	e |= col_add_u64s(a, "n_drops_buffer_other_interest_exit", delta->drop_buf_other_interest);
	e |= col_add_u64s(a, "n_drops_buffer_close_exit", delta->drop_buf_close);
	e |= col_add_u64s(a, "n_drops_buffer_proc_exit", delta->drop_buf_proc_exit);
	e |= col_add_u64s(a, "n_drops_scratch_map", delta->drop_no_scratch);
	/* A failed read leaves a parameter absent, it never loses the event. */
	e |= col_add_u64s(a, "n_drops_page_faults", 0);
	/* Setup errors and records over the size limit: conditions of the probe. */
	e |= col_add_u64s(a, "n_drops_bug", delta->drop_no_ring + delta->drop_too_big);
	e |= alert_add_string(a, "ebpf_enabled", "1");
	if (e) {
		alert_free(a);
		errno = ENOMEM;
		return NULL;
	}
	return a;
}
