/* threads.c: thread and process table: fork, exec, exit and re-parenting as the kernel does them. */
#include "threads.h"

#include <errno.h>
#include <stdlib.h>
#include <string.h>

#include "fds.h"
#include "i64map.h"

/* Longest ancestor walk; deeper chains (or cycles from stale data) stop here. */
#define THR_MAX_ANCESTRY 64u

struct thread_table {
	struct i64map *threads; /* tid -> struct enr_thread */
	struct i64map *procs;	/* pid -> struct enr_proc (one per live thread group) */
	size_t max_threads;
	uint64_t misses;  /* Lookups of unknown tids. */
	uint64_t refused; /* Adds refused because the table was full. */
	uint64_t added;	  /* Threads added. */
	uint64_t removed; /* Threads removed (exit). */
};

int enr_str_set(char **dst, const char *src, size_t maxlen)
{
	char *n = NULL;

	if (src) {
		size_t len = strlen(src);

		if (maxlen && len > maxlen)
			len = maxlen;
		n = malloc(len + 1);
		if (!n)
			return -ENOMEM;
		memcpy(n, src, len);
		n[len] = '\0';
	}
	free(*dst);
	*dst = n;
	return 0;
}

int enr_strv_set(struct enr_strv *v, const char *buf, size_t len, int truncated)
{
	char *n = NULL;

	if (len > UINT32_MAX - 1)
		return -EINVAL;
	if (len) {
		/* Keep the invariant "every item NUL-terminated" even for cut input. */
		int need_nul = buf[len - 1] != '\0';

		n = malloc(len + need_nul);
		if (!n)
			return -ENOMEM;
		memcpy(n, buf, len);
		if (need_nul)
			n[len++] = '\0';
	}
	free(v->buf);
	v->buf = n;
	v->len = (uint32_t)len;
	v->truncated = truncated != 0;
	return 0;
}

void enr_strv_fini(struct enr_strv *v)
{
	free(v->buf);
	v->buf = NULL;
	v->len = 0;
	v->truncated = 0;
}

size_t enr_strv_join(const struct enr_strv *v, char sep, char *out, size_t n)
{
	size_t o = 0;

	if (!n)
		return 0;
	for (uint32_t i = 0; i < v->len && o + 1 < n; i++) {
		char c = v->buf[i];

		if (c == '\0') {
			if (i + 1 == v->len)
				break; /* no separator after the last item */
			c = sep;
		}
		out[o++] = c;
	}
	out[o] = '\0';
	return o;
}

static int strv_copy(struct enr_strv *dst, const struct enr_strv *src)
{
	return enr_strv_set(dst, src->buf, src->len, (int)src->truncated);
}

static void proc_free(struct enr_proc *p)
{
	if (!p)
		return;
	free(p->exe);
	free(p->exepath);
	free(p->cwd);
	free(p->root);
	enr_strv_fini(&p->args);
	enr_strv_fini(&p->env);
	enr_strv_fini(&p->cgroups);
	fdt_free(p->fds);
	free(p);
}

static struct enr_proc *proc_new(int64_t pid, int64_t ppid)
{
	struct enr_proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	p->pid = pid;
	p->ppid = ppid;
	p->vpid = pid;
	p->loginuid = UINT32_MAX;
	/* Unknown until a seed, /proc or an event says (Falco: user.name <NA>). */
	p->uid = p->gid = p->ruid = p->rgid = UINT32_MAX;
	p->fds = fdt_new();
	if (!p->fds) {
		free(p);
		errno = ENOMEM;
		return NULL;
	}
	return p;
}

/* A copy of src's process state for a forked child (fd table per share_files). */
static struct enr_proc *proc_copy(const struct enr_proc *src, int64_t pid, int share_files)
{
	struct enr_proc *p = calloc(1, sizeof(*p));

	if (!p)
		return NULL;
	*p = *src;
	p->refs = 0;
	p->nchildren = 0;
	p->pid = pid;
	p->ppid = src->pid;
	p->flags &= ~(uint32_t)(ENR_PF_FROM_PROCFS | ENR_PF_INCOMPLETE);
	p->flags |= src->flags & ENR_PF_INCOMPLETE;
	p->exe = p->exepath = p->cwd = p->root = NULL;
	memset(&p->args, 0, sizeof(p->args));
	memset(&p->env, 0, sizeof(p->env));
	memset(&p->cgroups, 0, sizeof(p->cgroups));
	p->fds = NULL;
	if (enr_str_set(&p->exe, src->exe, 0) || enr_str_set(&p->exepath, src->exepath, 0) ||
	    enr_str_set(&p->cwd, src->cwd, 0) || enr_str_set(&p->root, src->root, 0) ||
	    strv_copy(&p->args, &src->args) || strv_copy(&p->env, &src->env) ||
	    strv_copy(&p->cgroups, &src->cgroups))
		goto fail;
	/* Sharing a live fd table between processes (CLONE_FILES without
	 * CLONE_THREAD) is rare; we copy it too, which is exact until one side
	 * changes it. */
	(void)share_files;
	p->fds = src->fds ? fdt_clone(src->fds) : fdt_new();
	if (!p->fds)
		goto fail;
	return p;
fail:
	proc_free(p);
	errno = ENOMEM;
	return NULL;
}

struct thread_table *thr_table_new(size_t max_threads)
{
	struct thread_table *t = calloc(1, sizeof(*t));

	if (!t)
		return NULL;
	t->threads = i64map_new();
	t->procs = i64map_new();
	if (!t->threads || !t->procs) {
		thr_table_free(t);
		errno = ENOMEM;
		return NULL;
	}
	t->max_threads = max_threads ? max_threads : 262144;
	return t;
}

static void thread_free(struct enr_thread *th)
{
	free(th);
}

void thr_table_free(struct thread_table *t)
{
	size_t pos = 0;
	void *val;

	if (!t)
		return;
	if (t->threads) {
		while (i64map_next(t->threads, &pos, NULL, &val))
			thread_free(val);
		i64map_free(t->threads);
	}
	pos = 0;
	if (t->procs) {
		while (i64map_next(t->procs, &pos, NULL, &val))
			proc_free(val);
		i64map_free(t->procs);
	}
	free(t);
}

struct enr_thread *thr_get(const struct thread_table *t, int64_t tid)
{
	return i64map_get(t->threads, tid);
}

struct enr_proc *thr_get_proc(const struct thread_table *t, int64_t pid)
{
	return i64map_get(t->procs, pid);
}

struct enr_proc *thr_parent(const struct thread_table *t, const struct enr_proc *p)
{
	if (!p || p->ppid <= 0 || p->ppid == p->pid)
		return NULL;
	return thr_get_proc(t, p->ppid);
}

struct enr_proc *thr_ancestor(const struct thread_table *t, const struct enr_proc *p, unsigned n)
{
	struct enr_proc *a = (struct enr_proc *)p; /* level 0 is p itself */

	if (n > THR_MAX_ANCESTRY)
		return NULL;
	for (unsigned i = 0; i < n && a; i++)
		a = thr_parent(t, a);
	return a;
}

static void proc_unref(struct thread_table *t, struct enr_proc *p, int64_t reaper);

/* Links th into p (counted reference). */
static void thread_attach(struct enr_thread *th, struct enr_proc *p)
{
	th->proc = p;
	p->refs++;
}

static struct enr_proc *proc_register(struct thread_table *t, struct enr_proc *p)
{
	void *old = NULL;

	if (i64map_put(t->procs, p->pid, p, &old) != 0) {
		proc_free(p);
		errno = ENOMEM;
		return NULL;
	}
	if (old && old != p) {
		/* A stale process with the same pid (pid reuse, missed exit):
		 * its threads keep their pointer; drop it from the index only. */
		struct enr_proc *o = old;

		o->pid = -o->pid; /* detached: no longer findable, freed with its last thread */
	}
	if (p->ppid > 0) {
		struct enr_proc *parent = thr_get_proc(t, p->ppid);

		if (parent && parent != p)
			parent->nchildren++;
	}
	return p;
}

static struct enr_thread *thread_insert(struct thread_table *t, int64_t tid, int64_t vtid,
					struct enr_proc *p, uint64_t ts)
{
	struct enr_thread *th;
	void *old = NULL;

	if (!i64map_get(t->threads, tid) && i64map_size(t->threads) >= t->max_threads) {
		t->refused++;
		errno = ENOSPC;
		return NULL;
	}
	th = calloc(1, sizeof(*th));
	if (!th)
		return NULL;
	th->tid = tid;
	th->vtid = vtid;
	th->clone_ts = ts;
	if (i64map_put(t->threads, tid, th, &old) != 0) {
		free(th);
		errno = ENOMEM;
		return NULL;
	}
	thread_attach(th, p);
	if (!old)
		t->added++;
	if (old) {
		/* tid reuse with a missed exit: drop the stale thread. */
		struct enr_thread *o = old;

		proc_unref(t, o->proc, 0);
		thread_free(o);
	}
	return th;
}

struct enr_thread *thr_add(struct thread_table *t, int64_t tid, int64_t pid, int64_t ppid)
{
	struct enr_proc *p = thr_get_proc(t, pid);
	int made = 0;
	struct enr_thread *th;

	if (!p) {
		p = proc_new(pid, ppid);
		if (!p)
			return NULL;
		if (!proc_register(t, p))
			return NULL;
		made = 1;
	}
	th = thread_insert(t, tid, tid, p, 0);
	if (!th && made) {
		i64map_del(t->procs, pid);
		proc_free(p);
	}
	return th;
}

void thr_set_ppid(struct thread_table *t, struct enr_proc *p, int64_t ppid)
{
	struct enr_proc *old, *np;

	if (ppid == p->ppid || ppid == p->pid)
		return;
	old = thr_parent(t, p);
	if (old && old->nchildren)
		old->nchildren--;
	p->ppid = ppid;
	np = thr_parent(t, p);
	if (np)
		np->nchildren++;
}

struct enr_thread *thr_fork(struct thread_table *t, const struct enr_thread *parent,
			    int64_t child_tid, int64_t child_vtid, int share_files, uint64_t ts)
{
	struct enr_proc *p = proc_copy(parent->proc, child_tid, share_files);
	struct enr_thread *th;

	if (!p)
		return NULL;
	p->start_ts = ts;
	p->vpid = child_vtid;
	if (!proc_register(t, p))
		return NULL;
	th = thread_insert(t, child_tid, child_vtid, p, ts);
	if (!th) {
		int e = errno;

		if (i64map_get(t->procs, child_tid) == p)
			i64map_del(t->procs, child_tid);
		if (parent->proc->nchildren)
			parent->proc->nchildren--;
		proc_free(p);
		errno = e;
	}
	return th;
}

struct enr_thread *thr_clone_thread(struct thread_table *t, const struct enr_thread *parent,
				    int64_t child_tid, int64_t child_vtid, uint64_t ts)
{
	return thread_insert(t, child_tid, child_vtid, parent->proc, ts);
}

/* Re-parents every child of dead to reaper (or 1) as the kernel does. */
static void reparent_children(struct thread_table *t, int64_t dead, int64_t reaper)
{
	size_t pos = 0;
	void *val;
	struct enr_proc *np;

	if (reaper <= 0 || reaper == dead)
		reaper = 1;
	np = thr_get_proc(t, reaper);
	while (i64map_next(t->procs, &pos, NULL, &val)) {
		struct enr_proc *c = val;

		if (c->ppid == dead) {
			c->ppid = reaper;
			if (np)
				np->nchildren++;
		}
	}
}

static void proc_unref(struct thread_table *t, struct enr_proc *p, int64_t reaper)
{
	if (--p->refs > 0)
		return;
	if (p->pid > 0) {
		struct enr_proc *parent;

		if (i64map_get(t->procs, p->pid) == p)
			i64map_del(t->procs, p->pid);
		parent = thr_get_proc(t, p->ppid);
		if (parent && parent->nchildren)
			parent->nchildren--;
		if (p->nchildren)
			reparent_children(t, p->pid, reaper);
	}
	proc_free(p);
}

void thr_exit(struct thread_table *t, int64_t tid, int64_t reaper)
{
	struct enr_thread *th = i64map_del(t->threads, tid);

	if (!th)
		return;
	t->removed++;
	proc_unref(t, th->proc, reaper);
	thread_free(th);
}

struct enr_thread *thr_exec_leader(struct thread_table *t, struct enr_thread *th)
{
	struct enr_proc *p = th->proc;
	size_t pos = 0;
	void *val;
	int64_t key;

	/* Every other thread of the group is gone after a successful execve. */
	while (p->refs > 1 && i64map_next(t->threads, &pos, &key, &val)) {
		struct enr_thread *o = val;

		if (o != th && o->proc == p) {
			i64map_del(t->threads, key);
			p->refs--;
			thread_free(o);
			pos = 0; /* deletion may shift entries: restart */
		}
	}
	if (th->tid != p->pid && p->pid > 0) {
		/* The exec'ing thread takes the leader's tid. */
		int64_t old_tid = th->tid;

		i64map_del(t->threads, old_tid);
		th->tid = p->pid;
		th->vtid = p->vpid;
		if (i64map_put(t->threads, th->tid, th, NULL) != 0) {
			/* Out of memory: keep it under the old tid rather than lose it. */
			th->tid = old_tid;
			i64map_put(t->threads, old_tid, th, NULL);
		}
	}
	return th;
}

size_t thr_count(const struct thread_table *t)
{
	return i64map_size(t->threads);
}

size_t thr_proc_count(const struct thread_table *t)
{
	return i64map_size(t->procs);
}

uint64_t thr_added(const struct thread_table *t)
{
	return t->added;
}

uint64_t thr_removed(const struct thread_table *t)
{
	return t->removed;
}

uint64_t thr_misses(const struct thread_table *t)
{
	return t->misses;
}

uint64_t thr_refused(const struct thread_table *t)
{
	return t->refused;
}

void thr_note_miss(struct thread_table *t)
{
	t->misses++;
}

int thr_next(const struct thread_table *t, size_t *pos, struct enr_thread **th)
{
	void *val;

	if (!i64map_next(t->threads, pos, NULL, &val))
		return 0;
	*th = val;
	return 1;
}

int thr_next_proc(const struct thread_table *t, size_t *pos, struct enr_proc **p)
{
	void *val;

	if (!i64map_next(t->procs, pos, NULL, &val))
		return 0;
	*p = val;
	return 1;
}

void thr_recount_children(struct thread_table *t)
{
	size_t pos = 0;
	void *val;

	while (i64map_next(t->procs, &pos, NULL, &val))
		((struct enr_proc *)val)->nchildren = 0;
	pos = 0;
	while (i64map_next(t->procs, &pos, NULL, &val)) {
		struct enr_proc *parent = thr_parent(t, val);

		if (parent)
			parent->nchildren++;
	}
}
