/* collector.c: libbpf loader, run-time syscall selection and the ring-buffer drain. */
#include <errno.h>
#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <fcntl.h>
#include <unistd.h>
#include <sys/mman.h>
#include <sys/syscall.h>
#include <linux/capability.h>
#include <linux/types.h>
#include <bpf/bpf.h>
#include <bpf/libbpf.h>

#include "collector.h"
#include "col_table.h"
#include "event.h"
#include "lanner.h"
#include "lanner.skel.h"

_Static_assert(sizeof(struct lnr_bpf_hdr) == sizeof(struct lnr_evt_hdr), "BPF header mirrors");
_Static_assert(offsetof(struct lnr_bpf_hdr, len) == offsetof(struct lnr_evt_hdr, len), "len");
_Static_assert(offsetof(struct lnr_bpf_hdr, type) == offsetof(struct lnr_evt_hdr, type), "type");
_Static_assert(offsetof(struct lnr_bpf_hdr, flags) == offsetof(struct lnr_evt_hdr, flags), "flags");
_Static_assert(LNR_PARAM_TRUNC == 0x40000000u, "truncation bit");

/* Falco's buf_size_preset table (bytes); 0 is not a preset. */
static const size_t col_presets[COL_BUF_PRESET_MAX + 1] = {
	0,	  1 << 20,  2 << 20,   4 << 20,	  8 << 20,   16 << 20,
	32 << 20, 64 << 20, 128 << 20, 256 << 20, 512 << 20,
};

#define COL_MAX_RINGS 1024
/* Longest sleep of the drain between two looks at the buffers (ms): the
 * latency bound when the kernel does not wake it. */
#define COL_POLL_MS 5

struct col {
	struct lanner *skel;
	struct ring_buffer *rb;
	int ring_fds[COL_MAX_RINGS];
	int nrings;
	int ncpu;
	struct bpf_link *links[16];
	const char *enter_mode; /* how entry arguments are taken (col_enter_mode) */
	char enter_why[160];	/* why the entry tracepoints were not used */
	int enter_err;		/* first error attaching the entry tracepoints */
	int nlinks;
	struct col_opts opts;
	uint64_t delivered;
	int sink_err;
	/* The selection and ignore lists: the skeleton's .bss, or the adopted
	 * .bss map mapped here (bss_len bytes). */
	struct lanner__bss *bss;
	size_t bss_len;
	int stats_fd; /* lnr_stats */
	/* Adopted from an earlier collector (col_adopt): no skeleton; these are
	 * our duplicates of its fds, in col_export's order. */
	bool adopted;
	int adopt_fds[COL_EXPORT_MAX_FDS];
	int nadopt;
	int adopt_links; /* index of the first link fd in adopt_fds */
};

/* libbpf messages are collected here while loading, so a verifier failure can
 * be saved to a file instead of flooding the terminal. */
static char *col_log;
static size_t col_log_len, col_log_cap;
static int col_log_verbose;

static int col_libbpf_print(enum libbpf_print_level level, const char *fmt, va_list ap)
{
	char *line = NULL;
	int n;

	if (level == LIBBPF_DEBUG && !col_log_verbose)
		return 0;
	n = vasprintf(&line, fmt, ap);
	if (n < 0)
		return 0;
	if (col_log_len + n + 1 > col_log_cap) {
		size_t cap = col_log_cap ? col_log_cap * 2 : 65536;
		char *p;

		while (cap < col_log_len + n + 1)
			cap *= 2;
		p = cap <= (256u << 20) ? realloc(col_log, cap) : NULL;
		if (!p) {
			free(line);
			return 0;
		}
		col_log = p;
		col_log_cap = cap;
	}
	memcpy(col_log + col_log_len, line, n);
	col_log_len += n;
	col_log[col_log_len] = 0;
	free(line);
	return 0;
}

void col_opts_default(struct col_opts *o)
{
	memset(o, 0, sizeof(*o));
	o->buf_size_preset = COL_BUF_PRESET_DEFAULT;
	o->cpus_for_each_buffer = 2;
	o->snaplen = 80;
	o->args_max = 4096;
}

static int col_ringbuf_cb(void *ctx, void *data, size_t size)
{
	struct col *c = ctx;
	int err;

	if (!c->opts.sink) {
		c->delivered++;
		return 0;
	}
	err = c->opts.sink(data, size, c->opts.sink_arg);
	if (err < 0) {
		c->sink_err = err;
		return err;
	}
	c->delivered++;
	return 0;
}

static int64_t col_clock_ns(clockid_t id)
{
	struct timespec ts;

	clock_gettime(id, &ts);
	return (int64_t)ts.tv_sec * 1000000000LL + ts.tv_nsec;
}

static void col_save_log(const struct col_opts *o, char *err, size_t errlen, const char *what,
			 int e)
{
	char path[256];
	FILE *f;

	if (o->verifier_log)
		snprintf(path, sizeof(path), "%s", o->verifier_log);
	else
		snprintf(path, sizeof(path), "/tmp/lanner-collector-verifier.%d.log",
			 (int)getpid());
	f = fopen(path, "w");
	if (f) {
		if (col_log)
			fputs(col_log, f);
		fclose(f);
		snprintf(err, errlen, "%s failed (%s): the BPF verifier log is saved in %s", what,
			 strerror(e), path);
	} else {
		snprintf(err, errlen, "%s failed (%s) and the log could not be saved to %s", what,
			 strerror(e), path);
	}
}

/* Falco's drop category of an event type (libs' per-category n_drops_buffer
 * counters: the same event types in each). */
static uint8_t col_drop_cat(unsigned t)
{
	switch (t) {
	case LNR_EVT_CLONE:
	case LNR_EVT_CLONE3:
	case LNR_EVT_FORK:
	case LNR_EVT_VFORK:
		return LNR_DCAT_CLONE_FORK;
	case LNR_EVT_EXECVE:
	case LNR_EVT_EXECVEAT:
		return LNR_DCAT_EXECVE;
	case LNR_EVT_CONNECT:
		return LNR_DCAT_CONNECT;
	case LNR_EVT_OPEN:
	case LNR_EVT_OPENAT:
	case LNR_EVT_OPENAT2:
	case LNR_EVT_CREAT:
		return LNR_DCAT_OPEN;
	case LNR_EVT_DUP:
	case LNR_EVT_CHMOD:
	case LNR_EVT_FCHMOD:
	case LNR_EVT_FCHMODAT:
	case LNR_EVT_LINK:
	case LNR_EVT_LINKAT:
	case LNR_EVT_MKDIR:
	case LNR_EVT_MKDIRAT:
	case LNR_EVT_MOUNT:
	case LNR_EVT_UMOUNT2:
	case LNR_EVT_RENAME:
	case LNR_EVT_RENAMEAT:
	case LNR_EVT_RENAMEAT2:
	case LNR_EVT_RMDIR:
	case LNR_EVT_SYMLINK:
	case LNR_EVT_SYMLINKAT:
	case LNR_EVT_UNLINK:
	case LNR_EVT_UNLINKAT:
		return LNR_DCAT_DIR_FILE;
	case LNR_EVT_BPF:
	case LNR_EVT_SETPGID:
	case LNR_EVT_PTRACE:
	case LNR_EVT_SETNS:
	case LNR_EVT_SETRESGID:
	case LNR_EVT_SETRESUID:
	case LNR_EVT_SETSID:
	case LNR_EVT_UNSHARE:
	case LNR_EVT_CAPSET:
		return LNR_DCAT_OTHER_INTEREST;
	case LNR_EVT_CLOSE:
		return LNR_DCAT_CLOSE;
	case LNR_EVT_PROCEXIT:
		return LNR_DCAT_PROC_EXIT;
	default:
		return LNR_DCAT_NONE;
	}
}

static int col_fill_tables(struct col *c)
{
	int specs = bpf_map__fd(c->skel->maps.lnr_specs);
	int progs = bpf_map__fd(c->skel->maps.lnr_exit_progs);
	int gen = bpf_program__fd(c->skel->progs.lnr_exit_generic);
	int clone = bpf_program__fd(c->skel->progs.lnr_exit_clone);
	int exec = bpf_program__fd(c->skel->progs.lnr_exit_execve);

	for (unsigned t = 0; t < LNR_EVT_MAX && t < LNR_NR_TYPES; t++) {
		const struct col_evt *e = col_tab_get(t);
		struct lnr_evt_spec sp;
		__u32 key = t;
		int fd = -1;

		if (!e || e->prog == COL_PROG_NONE)
			continue;
		if (e->prog == COL_PROG_GENERIC) {
			if (e->nparams > LNR_SPEC_MAX_PARAMS)
				return -E2BIG;
			memset(&sp, 0, sizeof(sp));
			sp.type = t;
			sp.nparams = e->nparams;
			for (unsigned i = 0; i < e->nparams; i++) {
				const struct col_param *p = &e->params[i];

				sp.p[i].kind = p->kind;
				sp.p[i].src = p->src;
				sp.p[i].size = col_ptype_size(p->type);
				sp.p[i].xf = p->xf;
				sp.p[i].aux = p->aux;
				/* fds, pids and int arguments are C ints in the syscall ABI. */
				sp.p[i].pad[0] = p->type == LNR_PT_FD || p->type == LNR_PT_PID ||
						 p->type == LNR_PT_INT32;
			}
			if (bpf_map_update_elem(specs, &key, &sp, BPF_ANY))
				return -errno;
			fd = gen;
		} else if (e->prog == COL_PROG_CLONE) {
			fd = clone;
		} else if (e->prog == COL_PROG_EXECVE) {
			fd = exec;
		}
		for (int k = 0; k < COL_MAX_SYSCALLS; k++) {
			__u32 nr = e->nr[k];

			if (e->nr[k] < 0 || nr >= LNR_NR_SYSCALLS)
				continue;
			if (bpf_map_update_elem(progs, &nr, &fd, BPF_ANY))
				return -errno;
		}
	}
	return 0;
}

/* True when the effective set holds CAP_BPF and CAP_PERFMON (kernel >= 5.8): the
 * deployments run the collector as an unprivileged user with just these. */
static bool have_bpf_caps(void)
{
	struct __user_cap_header_struct h = {.version = _LINUX_CAPABILITY_VERSION_3};
	struct __user_cap_data_struct d[2] = {0};

	if (syscall(SYS_capget, &h, d) != 0)
		return false;
	return (d[CAP_BPF >> 5].effective & (1u << (CAP_BPF & 31))) &&
	       (d[CAP_PERFMON >> 5].effective & (1u << (CAP_PERFMON & 31)));
}

/* A collector with OPTS and no fd yet (every fd field -1); NULL + ERR when out of memory. */
static struct col *col_alloc(const struct col_opts *o, char *err, size_t errlen)
{
	struct col *c = calloc(1, sizeof(*c));

	if (!c) {
		snprintf(err, errlen, "out of memory");
		return NULL;
	}
	c->opts = *o;
	c->stats_fd = -1;
	for (int i = 0; i < COL_MAX_RINGS; i++)
		c->ring_fds[i] = -1;
	return c;
}

struct col *col_open(const struct col_opts *o, char *err, size_t errlen)
{
	struct col *c;
	size_t bufsz;
	unsigned per;
	int e;

	if (geteuid() != 0 && !have_bpf_caps()) {
		snprintf(err, errlen,
			 "lanner-collector needs root or CAP_BPF and CAP_PERFMON: run it "
			 "with sudo");
		errno = EPERM;
		return NULL;
	}
	if (access("/sys/kernel/btf/vmlinux", R_OK) != 0) {
		snprintf(err, errlen,
			 "the kernel has no BTF (/sys/kernel/btf/vmlinux missing): "
			 "CO-RE needs CONFIG_DEBUG_INFO_BTF=y");
		errno = ENOENT;
		return NULL;
	}
	if (o->buf_size_preset > COL_BUF_PRESET_MAX) {
		snprintf(err, errlen, "buf_size_preset %u out of range 0..%d", o->buf_size_preset,
			 COL_BUF_PRESET_MAX);
		errno = EINVAL;
		return NULL;
	}
	bufsz = o->buf_size_preset ? col_presets[o->buf_size_preset] : o->buf_size;
	if (bufsz < 4096 || (bufsz & (bufsz - 1))) {
		snprintf(err, errlen, "ring buffer size %zu is not a power of two >= 4096", bufsz);
		errno = EINVAL;
		return NULL;
	}
	c = col_alloc(o, err, errlen);
	if (!c)
		return NULL;
	col_log_len = 0;
	col_log_verbose = getenv("LANNER_BPF_DEBUG") != NULL;
	libbpf_set_print(col_libbpf_print);

	c->ncpu = libbpf_num_possible_cpus();
	if (c->ncpu <= 0) {
		e = -c->ncpu;
		snprintf(err, errlen, "cannot count the possible CPUs: %s", strerror(e));
		goto fail;
	}
	c->skel = lanner__open();
	if (!c->skel) {
		e = errno;
		snprintf(err, errlen, "cannot open the BPF object: %s", strerror(e));
		goto fail;
	}
	bpf_map__set_max_entries(c->skel->maps.lnr_scratch, c->ncpu);
	bpf_map__set_max_entries(c->skel->maps.lnr_ringbufs, c->ncpu);
	/* The inner template's size does not matter (the kernel compares map type,
	 * key/value sizes and flags of inner maps, not max_entries), and libbpf
	 * 1.1 crashes when asked to resize it: leave it. */
	c->skel->rodata->boot_to_real_ns =
		col_clock_ns(CLOCK_REALTIME) - col_clock_ns(CLOCK_BOOTTIME);
	c->skel->rodata->snaplen = o->snaplen ? o->snaplen : 80;
	if (c->skel->rodata->snaplen > LNR_SNAPLEN_MAX)
		c->skel->rodata->snaplen = LNR_SNAPLEN_MAX;
	c->skel->rodata->args_max = o->args_max ? o->args_max : 4096;
	c->skel->rodata->wakeup_bytes = bufsz / 4;
	c->skel->rodata->use_enter = !o->args_at_exit;
	for (unsigned t = 0; t < LNR_NR_TYPES; t++)
		c->skel->rodata->drop_cat[t] = t < LNR_EVT_MAX ? col_drop_cat(t) : LNR_DCAT_NONE;
	if (c->skel->rodata->args_max > 8191)
		c->skel->rodata->args_max = 8191;
	/* Tail-call targets and the floor are not attached on their own. */
	bpf_program__set_autoattach(c->skel->progs.lnr_exit_generic, false);
	bpf_program__set_autoattach(c->skel->progs.lnr_exit_clone, false);
	bpf_program__set_autoattach(c->skel->progs.lnr_exit_execve, false);
	bpf_program__set_autoattach(c->skel->progs.lnr_sys_enter_tp, false);
	bpf_program__set_autoattach(c->skel->progs.lnr_sys_enter_tp_sock, false);
	if (o->noop) {
		/* The floor loads nothing else, so its cost is the tracepoint's alone. */
		bpf_program__set_autoload(c->skel->progs.lnr_exit_generic, false);
		bpf_program__set_autoload(c->skel->progs.lnr_exit_clone, false);
		bpf_program__set_autoload(c->skel->progs.lnr_exit_execve, false);
		bpf_program__set_autoload(c->skel->progs.lnr_sys_exit, false);
		bpf_program__set_autoload(c->skel->progs.lnr_sys_enter, false);
		bpf_program__set_autoload(c->skel->progs.lnr_sys_enter_tp, false);
		bpf_program__set_autoload(c->skel->progs.lnr_sys_enter_tp_sock, false);
		bpf_program__set_autoload(c->skel->progs.lnr_sched_exec, false);
		bpf_program__set_autoload(c->skel->progs.lnr_sched_exit, false);
	} else {
		bpf_program__set_autoload(c->skel->progs.lnr_noop, false);
	}
	e = lanner__load(c->skel);
	if (e) {
		e = -e;
		col_save_log(o, err, errlen, "loading the BPF programs", e);
		goto fail;
	}
	c->bss = c->skel->bss;
	c->stats_fd = bpf_map__fd(c->skel->maps.lnr_stats);
	if (o->noop)
		return c;

	per = o->cpus_for_each_buffer ? o->cpus_for_each_buffer : (unsigned)c->ncpu;
	c->nrings = (c->ncpu + per - 1) / per;
	if (c->nrings > COL_MAX_RINGS) {
		e = E2BIG;
		snprintf(err, errlen, "too many ring buffers (%d)", c->nrings);
		goto fail;
	}
	for (int i = 0; i < c->nrings; i++) {
		c->ring_fds[i] =
			bpf_map_create(BPF_MAP_TYPE_RINGBUF, "lanner_rb", 0, 0, bufsz, NULL);
		if (c->ring_fds[i] < 0) {
			e = errno;
			snprintf(err, errlen, "cannot create a %zu-byte BPF ring buffer: %s", bufsz,
				 strerror(e));
			goto fail;
		}
	}
	for (int cpu = 0; cpu < c->ncpu; cpu++) {
		__u32 key = cpu;
		int fd = c->ring_fds[cpu / per];

		if (bpf_map_update_elem(bpf_map__fd(c->skel->maps.lnr_ringbufs), &key, &fd,
					BPF_ANY)) {
			e = errno;
			snprintf(err, errlen, "cannot install the ring buffer of CPU %d: %s", cpu,
				 strerror(e));
			goto fail;
		}
	}
	c->rb = ring_buffer__new(c->ring_fds[0], col_ringbuf_cb, c, NULL);
	if (!c->rb) {
		e = errno;
		snprintf(err, errlen, "cannot map the ring buffer: %s", strerror(e));
		goto fail;
	}
	for (int i = 1; i < c->nrings; i++) {
		if (ring_buffer__add(c->rb, c->ring_fds[i], col_ringbuf_cb, c)) {
			e = errno;
			snprintf(err, errlen, "cannot map ring buffer %d: %s", i, strerror(e));
			goto fail;
		}
	}
	e = -col_fill_tables(c);
	if (e) {
		snprintf(err, errlen, "cannot fill the spec and program tables: %s", strerror(e));
		goto fail;
	}
	return c;
fail:
	col_close(c);
	errno = e;
	return NULL;
}

/* FNV-1a of the BPF object this binary carries: a collector adopts only the
 * programs of the same object (their .bss layout and maps are what it knows). */
static uint64_t col_build_hash(void)
{
	size_t n = 0;
	const unsigned char *p = lanner__elf_bytes(&n);
	uint64_t h = 0xcbf29ce484222325ull;

	for (size_t i = 0; i < n; i++)
		h = (h ^ p[i]) * 0x100000001b3ull;
	return h ^ sizeof(struct lanner__bss);
}

int col_export(struct col *c, struct col_export *x, int *fds, int maxfds)
{
	int n = 0;

	if (!c->skel || c->adopted || c->opts.noop || !c->rb)
		return -EINVAL;
	if (3 + c->nrings + c->nlinks > maxfds)
		return -E2BIG;
	memset(x, 0, sizeof(*x));
	x->magic = COL_EXPORT_MAGIC;
	x->build = col_build_hash();
	x->ncpu = (uint32_t)c->ncpu;
	x->nrings = (uint32_t)c->nrings;
	x->nlinks = (uint32_t)c->nlinks;
	x->args_at_exit = c->opts.args_at_exit;
	snprintf(x->enter_mode, sizeof(x->enter_mode), "%s", col_enter_mode(c));
	fds[n++] = bpf_map__fd(c->skel->maps.bss);
	fds[n++] = bpf_map__fd(c->skel->maps.lnr_stats);
	/* A prog array loses its entries when its last user-space reference
	 * goes (the kernel breaks reference cycles so): whoever keeps the
	 * programs attached must keep this fd too, or every tail call fails. */
	fds[n++] = bpf_map__fd(c->skel->maps.lnr_exit_progs);
	for (int i = 0; i < c->nrings; i++)
		fds[n++] = c->ring_fds[i];
	for (int i = 0; i < c->nlinks; i++)
		fds[n++] = bpf_link__fd(c->links[i]);
	return n;
}

static int col_check_map(int fd, uint32_t type, uint32_t value_size, const char *what, char *err,
			 size_t errlen)
{
	struct bpf_map_info info;
	__u32 len = sizeof(info);

	memset(&info, 0, sizeof(info));
	if (bpf_obj_get_info_by_fd(fd, &info, &len) != 0) {
		int e = errno;

		snprintf(err, errlen, "adopted %s: not a BPF map (%s)", what, strerror(e));
		return -e;
	}
	if (info.type != type || (value_size && info.value_size != value_size)) {
		snprintf(err, errlen, "adopted %s: map type %u value size %u, expected %u / %u",
			 what, info.type, info.value_size, type, value_size);
		return -EPROTO;
	}
	return 0;
}

struct col *col_adopt(const struct col_opts *o, const struct col_export *x, const int *fds,
		      int nfds, char *err, size_t errlen)
{
	struct col *c;
	int e, ncpu = libbpf_num_possible_cpus();
	long page = sysconf(_SC_PAGESIZE);
	void *m;

	if (x->magic != COL_EXPORT_MAGIC || x->build != col_build_hash()) {
		snprintf(err, errlen,
			 "the running BPF programs come from another build of lanner-collector");
		errno = EPROTO;
		return NULL;
	}
	if ((int)x->ncpu != ncpu || x->nrings < 1 || x->nrings > COL_MAX_RINGS || x->nlinks > 16 ||
	    nfds != (int)(3 + x->nrings + x->nlinks) || nfds > COL_EXPORT_MAX_FDS) {
		snprintf(err, errlen, "adoption: %d fds for %u rings and %u links on %u CPUs", nfds,
			 x->nrings, x->nlinks, x->ncpu);
		errno = EPROTO;
		return NULL;
	}
	c = col_alloc(o, err, errlen);
	if (!c)
		return NULL;
	c->opts.args_at_exit = x->args_at_exit;
	c->adopted = true;
	c->ncpu = ncpu;
	c->nrings = (int)x->nrings;
	c->nlinks = (int)x->nlinks;
	c->adopt_links = 3 + c->nrings;
	/* our own duplicates: the caller keeps (and closes) what it passed */
	for (int i = 0; i < nfds; i++) {
		c->adopt_fds[i] = fcntl(fds[i], F_DUPFD_CLOEXEC, 3);
		if (c->adopt_fds[i] < 0) {
			e = errno;
			snprintf(err, errlen, "adoption: dup: %s", strerror(e));
			goto fail;
		}
		c->nadopt++;
	}
	e = -col_check_map(c->adopt_fds[0], BPF_MAP_TYPE_ARRAY, sizeof(struct lanner__bss), ".bss",
			   err, errlen);
	if (!e)
		e = -col_check_map(c->adopt_fds[1], BPF_MAP_TYPE_PERCPU_ARRAY,
				   sizeof(struct lnr_cpu_stats), "lnr_stats", err, errlen);
	if (!e)
		e = -col_check_map(c->adopt_fds[2], BPF_MAP_TYPE_PROG_ARRAY, 0, "lnr_exit_progs",
				   err, errlen);
	for (int i = 0; !e && i < c->nrings; i++)
		e = -col_check_map(c->adopt_fds[3 + i], BPF_MAP_TYPE_RINGBUF, 0, "ring buffer", err,
				   errlen);
	if (e)
		goto fail;
	c->bss_len = (sizeof(struct lanner__bss) + (size_t)page - 1) & ~((size_t)page - 1);
	m = mmap(NULL, c->bss_len, PROT_READ | PROT_WRITE, MAP_SHARED, c->adopt_fds[0], 0);
	if (m == MAP_FAILED) {
		e = errno;
		snprintf(err, errlen, "adoption: cannot map the selection (.bss): %s", strerror(e));
		goto fail;
	}
	c->bss = m;
	c->stats_fd = c->adopt_fds[1];
	c->enter_mode = strcmp(x->enter_mode, "syscall tracepoints") == 0 ? "syscall tracepoints"
			: strcmp(x->enter_mode, "tp_btf/sys_enter") == 0  ? "tp_btf/sys_enter"
									  : NULL;
	for (int i = 0; i < c->nrings; i++)
		c->ring_fds[i] = c->adopt_fds[3 + i];
	/* The consumer position lives in the ring buffer itself: draining
	 * resumes after the last record the previous collector consumed. */
	c->rb = ring_buffer__new(c->ring_fds[0], col_ringbuf_cb, c, NULL);
	if (!c->rb) {
		e = errno;
		snprintf(err, errlen, "adoption: cannot map the ring buffer: %s", strerror(e));
		goto fail;
	}
	for (int i = 1; i < c->nrings; i++)
		if (ring_buffer__add(c->rb, c->ring_fds[i], col_ringbuf_cb, c)) {
			e = errno;
			snprintf(err, errlen, "adoption: cannot map ring buffer %d: %s", i,
				 strerror(e));
			goto fail;
		}
	/* The ignore list names processes of the pipeline that are gone (the
	 * dead collector first): start it again; the caller adds the living. */
	__atomic_store_n(&c->bss->lnr_n_ignore, 0, __ATOMIC_RELEASE);
	return c;
fail:
	col_close(c);
	errno = e;
	return NULL;
}

bool col_adopted(const struct col *c)
{
	return c->adopted;
}

int col_select(struct col *c, uint16_t type, bool on)
{
	const struct col_evt *e = col_tab_get(type);

	if (!e || !c->bss)
		return -EINVAL;
	if (type == LNR_EVT_PROCEXIT) {
		c->bss->lnr_sel_procexit = on;
		return 0;
	}
	for (int k = 0; k < COL_MAX_SYSCALLS; k++) {
		int nr = e->nr[k];

		if (nr < 0 || nr >= LNR_NR_SYSCALLS)
			continue;
		/* Entry first on, last off, so an exit never waits for a stash
		 * that was not taken. */
		if (on) {
			c->bss->lnr_sel_enter[nr] = c->opts.args_at_exit ? 0 : e->enter;
			__atomic_store_n(&c->bss->lnr_sel[nr], type, __ATOMIC_RELEASE);
		} else {
			__atomic_store_n(&c->bss->lnr_sel[nr], 0, __ATOMIC_RELEASE);
			c->bss->lnr_sel_enter[nr] = 0;
		}
	}
	return 0;
}

static void col_select_one(const struct col_evt *e, void *arg)
{
	col_select(arg, e->type, true);
}

void col_select_all(struct col *c)
{
	col_tab_foreach(col_select_one, c);
}

/* Minimal state (base_syscalls.repair): process tree, identity, cwd, fd lifetime. */
static const uint16_t col_repair_set[] = {
	LNR_EVT_CLONE,	  LNR_EVT_CLONE3,   LNR_EVT_FORK,      LNR_EVT_VFORK,	  LNR_EVT_EXECVE,
	LNR_EVT_EXECVEAT, LNR_EVT_PROCEXIT, LNR_EVT_CLOSE,     LNR_EVT_DUP,	  LNR_EVT_DUP2,
	LNR_EVT_DUP3,	  LNR_EVT_FCNTL,    LNR_EVT_CHDIR,     LNR_EVT_FCHDIR,	  LNR_EVT_CHROOT,
	LNR_EVT_SETUID,	  LNR_EVT_SETGID,   LNR_EVT_SETRESUID, LNR_EVT_SETRESGID, LNR_EVT_SETREUID,
	LNR_EVT_SETREGID, LNR_EVT_SETSID,   LNR_EVT_SETPGID,   LNR_EVT_CAPSET,	  LNR_EVT_PRCTL,
};

/* Lanner's default state set: the repair set plus every fd creator and the
 * namespace/mount changes the enricher tracks (issue 4's list). */
static const uint16_t col_state_set[] = {
	LNR_EVT_OPEN,	 LNR_EVT_OPENAT,   LNR_EVT_OPENAT2,	 LNR_EVT_CREAT,
	LNR_EVT_SOCKET,	 LNR_EVT_CONNECT,  LNR_EVT_ACCEPT,	 LNR_EVT_ACCEPT4,
	LNR_EVT_BIND,	 LNR_EVT_PIPE,	   LNR_EVT_PIPE2,	 LNR_EVT_SOCKETPAIR,
	LNR_EVT_EVENTFD, LNR_EVT_EVENTFD2, LNR_EVT_MEMFD_CREATE, LNR_EVT_USERFAULTFD,
	LNR_EVT_MOUNT,	 LNR_EVT_UMOUNT2,  LNR_EVT_KILL,	 LNR_EVT_SETNS,
	LNR_EVT_UNSHARE, LNR_EVT_LISTEN,   LNR_EVT_BPF,
};

static void col_warn(char *warn, size_t n, const char *name)
{
	size_t l;

	if (!warn || n == 0)
		return;
	l = strlen(warn);
	snprintf(warn + l, n - l, "%s%s", l ? ", " : "not produced by the collector: ", name);
}

int col_selection_types(const struct col_selection *s, uint8_t *out, char *warn, size_t warnlen)
{
	int count = 0;

	memset(out, 0, LNR_EVT_MAX);
	if (warn && warnlen)
		warn[0] = 0;
	if (s->all) {
		for (unsigned t = 0; t < LNR_EVT_MAX; t++)
			out[t] = col_tab_get(t) != NULL;
	} else {
		for (size_t i = 0; i < s->n_rule_types; i++) {
			int t = col_tab_type_by_name(s->rule_types[i]);

			if (t < 0 || !col_tab_get(t))
				col_warn(warn, warnlen, s->rule_types[i]);
			else
				out[t] = 1;
		}
		for (size_t i = 0; i < s->n_custom_set; i++) {
			const char *n = s->custom_set[i];
			int t;

			if (n[0] == '!')
				continue;
			t = col_tab_type_by_name(n);
			if (t < 0 || !col_tab_get(t))
				col_warn(warn, warnlen, n);
			else
				out[t] = 1;
		}
		if (s->n_custom_set == 0 || s->repair)
			for (size_t i = 0; i < sizeof(col_repair_set) / sizeof(col_repair_set[0]);
			     i++)
				out[col_repair_set[i]] = 1;
		if (s->n_custom_set == 0)
			for (size_t i = 0; i < sizeof(col_state_set) / sizeof(col_state_set[0]);
			     i++)
				out[col_state_set[i]] = 1;
	}
	for (size_t i = 0; i < s->n_custom_set; i++) {
		int t;

		if (s->custom_set[i][0] != '!')
			continue;
		t = col_tab_type_by_name(s->custom_set[i] + 1);
		if (t >= 0)
			out[t] = 0;
	}
	for (unsigned t = 0; t < LNR_EVT_MAX; t++)
		count += out[t];
	return count;
}

int col_apply_selection(struct col *c, const struct col_selection *s, char *warn, size_t warnlen)
{
	uint8_t want[LNR_EVT_MAX];
	int n = col_selection_types(s, want, warn, warnlen);

	for (unsigned t = 0; t < LNR_EVT_MAX; t++)
		if (col_tab_get(t))
			col_select(c, t, want[t]);
	return n;
}

struct col_names_acc {
	const char *names[LNR_EVT_MAX + 1];
	int n;
};

static void col_name_one(const struct col_evt *e, void *arg)
{
	struct col_names_acc *a = arg;

	a->names[a->n++] = col_tab_name(e->type);
}

const char *const *col_supported_names(void)
{
	static struct col_names_acc acc;

	if (acc.n == 0)
		col_tab_foreach(col_name_one, &acc);
	return acc.names;
}

int col_ignore_tgid(struct col *c, uint32_t tgid)
{
	uint32_t n;

	if (!c->bss)
		return -EINVAL;
	n = c->bss->lnr_n_ignore;
	for (uint32_t i = 0; i < n; i++)
		if (c->bss->lnr_ignore_tgids[i] == tgid)
			return 0;
	if (n >= LNR_MAX_IGNORE)
		return -ENOSPC;
	/* Entry first, count second: the kernel never reads an unset slot. */
	c->bss->lnr_ignore_tgids[n] = tgid;
	__atomic_store_n(&c->bss->lnr_n_ignore, n + 1, __ATOMIC_RELEASE);
	return 0;
}

void col_only_tgid(struct col *c, uint32_t tgid)
{
	if (c->bss)
		__atomic_store_n(&c->bss->lnr_only_tgid, tgid, __ATOMIC_RELEASE);
}

static int col_attach_one(struct col *c, struct bpf_program *p, char *err, size_t errlen)
{
	struct bpf_link *l = bpf_program__attach(p);

	if (!l) {
		int e = errno;

		snprintf(err, errlen, "cannot attach %s: %s", bpf_program__name(p), strerror(e));
		return -e;
	}
	c->links[c->nlinks++] = l;
	return 0;
}

/*
 * The entry side on the per-syscall tracepoints syscalls/sys_enter_<name> of
 * the syscalls that need it (open, openat, openat2, creat, connect): every
 * other syscall then runs no program at entry. Their ids come from tracefs,
 * which may not be mounted (or the kernel may lack syscall events): returns
 * -errno then, with nothing left attached, and the caller falls back to
 * tp_btf/sys_enter (needs no tracefs, but runs for every syscall).
 */
static void col_enter_tp_one(const struct col_evt *e, void *arg)
{
	struct col *c = arg;
	char tp[64];
	struct bpf_link *l;

	if (!e->enter || c->enter_err)
		return;
	snprintf(tp, sizeof(tp), "sys_enter_%s", col_tab_name(e->type));
	if (c->nlinks >= (int)(sizeof(c->links) / sizeof(c->links[0]))) {
		c->enter_err = -ENOSPC;
		return;
	}
	l = bpf_program__attach_tracepoint(e->enter == LNR_ENTER_SOCKADDR_ARG1
						   ? c->skel->progs.lnr_sys_enter_tp_sock
						   : c->skel->progs.lnr_sys_enter_tp,
					   "syscalls", tp);
	if (!l) {
		c->enter_err = -errno;
		snprintf(c->enter_why, sizeof(c->enter_why), "syscalls/%s: %s", tp,
			 strerror(errno));
		return;
	}
	c->links[c->nlinks++] = l;
}

static int col_attach_enter(struct col *c, char *err, size_t errlen)
{
	int first = c->nlinks, e;
	const char *force = getenv("LANNER_ENTER_TP_BTF");

	if (!c->opts.enter_tp_btf && !(force && *force && strcmp(force, "0") != 0)) {
		c->enter_err = 0;
		col_tab_foreach(col_enter_tp_one, c);
		e = c->enter_err;
		c->enter_err = 0;
		if (!e) {
			c->enter_mode = "syscall tracepoints";
			return 0;
		}
		while (c->nlinks > first)
			bpf_link__destroy(c->links[--c->nlinks]);
	}
	e = col_attach_one(c, c->skel->progs.lnr_sys_enter, err, errlen);
	if (!e)
		c->enter_mode = "tp_btf/sys_enter";
	return e;
}

const char *col_enter_fallback_reason(struct col *c)
{
	return c->enter_why;
}

const char *col_enter_mode(struct col *c)
{
	return c->enter_mode ? c->enter_mode : "none (arguments read at exit)";
}

int col_attach(struct col *c, char *err, size_t errlen)
{
	int e;

	if (c->adopted)
		return 0; /* attached by the collector we took over from */
	if (c->opts.noop)
		return col_attach_one(c, c->skel->progs.lnr_noop, err, errlen);
	e = c->opts.args_at_exit ? 0 : col_attach_enter(c, err, errlen);
	if (!e)
		e = col_attach_one(c, c->skel->progs.lnr_sys_exit, err, errlen);
	if (!e)
		e = col_attach_one(c, c->skel->progs.lnr_sched_exec, err, errlen);
	if (!e)
		e = col_attach_one(c, c->skel->progs.lnr_sched_exit, err, errlen);
	return e;
}

int col_poll(struct col *c, int timeout_ms)
{
	uint64_t before = c->delivered;
	int n, wait;

	if (!c->rb)
		return -EINVAL;
	c->sink_err = 0;
	/* Records are written without a wakeup (see lanner.bpf.c): read what
	 * is there, and sleep at most COL_POLL_MS before looking again unless
	 * a filling buffer wakes us first. */
	n = ring_buffer__consume(c->rb);
	if (n == 0 && timeout_ms != 0 && !c->sink_err) {
		wait = timeout_ms < 0 || timeout_ms > COL_POLL_MS ? COL_POLL_MS : timeout_ms;
		n = ring_buffer__poll(c->rb, wait);
		if (n >= 0 && !c->sink_err)
			n = ring_buffer__consume(c->rb);
	}
	if (c->sink_err)
		return c->sink_err;
	if (n < 0)
		return n;
	return (int)(c->delivered - before);
}

void col_read_stats(struct col *c, struct col_stats *st)
{
	struct lnr_cpu_stats *v;
	__u32 zero = 0;

	memset(st, 0, sizeof(*st));
	st->delivered = c->delivered;
	if (c->stats_fd < 0 || c->opts.noop)
		return;
	v = calloc(c->ncpu, sizeof(*v));
	if (!v)
		return;
	if (bpf_map_lookup_elem(c->stats_fd, &zero, v) == 0) {
		for (int i = 0; i < c->ncpu; i++) {
			st->events += v[i].events;
			st->drop_buf_full += v[i].drops[LNR_DROP_BUF_FULL];
			st->drop_no_ring += v[i].drops[LNR_DROP_NO_RING];
			st->drop_no_scratch += v[i].drops[LNR_DROP_NO_SCRATCH];
			st->drop_too_big += v[i].drops[LNR_DROP_TOO_BIG];
			st->read_faults += v[i].read_faults;
			st->truncated += v[i].truncated;
			st->stash_miss += v[i].stash_miss;
			st->ignored += v[i].ignored;
			st->drop_buf_clone_fork += v[i].drops_cat[LNR_DCAT_CLONE_FORK];
			st->drop_buf_execve += v[i].drops_cat[LNR_DCAT_EXECVE];
			st->drop_buf_connect += v[i].drops_cat[LNR_DCAT_CONNECT];
			st->drop_buf_open += v[i].drops_cat[LNR_DCAT_OPEN];
			st->drop_buf_dir_file += v[i].drops_cat[LNR_DCAT_DIR_FILE];
			st->drop_buf_other_interest += v[i].drops_cat[LNR_DCAT_OTHER_INTEREST];
			st->drop_buf_close += v[i].drops_cat[LNR_DCAT_CLOSE];
			st->drop_buf_proc_exit += v[i].drops_cat[LNR_DCAT_PROC_EXIT];
		}
	}
	st->drops = st->drop_buf_full + st->drop_no_ring + st->drop_no_scratch + st->drop_too_big;
	free(v);
}

int col_read_cpu_drops(struct col *c, uint64_t *out, int n)
{
	struct lnr_cpu_stats *v;
	__u32 zero = 0;
	int i;

	if (c->stats_fd < 0 || c->opts.noop)
		return 0;
	v = calloc(c->ncpu, sizeof(*v));
	if (!v)
		return -ENOMEM;
	if (bpf_map_lookup_elem(c->stats_fd, &zero, v)) {
		free(v);
		return -errno;
	}
	for (i = 0; i < c->ncpu && i < n; i++) {
		out[i] = 0;
		for (int k = 0; k < LNR_DROP_CAUSES; k++)
			out[i] += v[i].drops[k];
	}
	free(v);
	return i;
}

int col_exit_prog_fd(struct col *c)
{
	if (!c->skel)
		return -1;
	if (c->opts.noop)
		return bpf_program__fd(c->skel->progs.lnr_noop);
	return bpf_program__fd(c->skel->progs.lnr_sys_exit);
}

int col_prog_fds(struct col *c, int *fds, int n)
{
	struct bpf_program *p;
	int k = 0;

	if (!c->skel)
		return 0;
	bpf_object__for_each_program(p, c->skel->obj)
	{
		if (k < n && bpf_program__fd(p) >= 0)
			fds[k++] = bpf_program__fd(p);
	}
	return k;
}

int col_link_fds(struct col *c, int *fds, int n)
{
	int k = 0;

	for (int i = 0; i < c->nlinks && k < n; i++)
		fds[k++] =
			c->adopted ? c->adopt_fds[c->adopt_links + i] : bpf_link__fd(c->links[i]);
	return k;
}

void col_close(struct col *c)
{
	if (!c)
		return;
	for (int i = 0; i < c->nlinks && !c->adopted; i++)
		bpf_link__destroy(c->links[i]);
	ring_buffer__free(c->rb);
	if (c->adopted) {
		if (c->bss)
			munmap(c->bss, c->bss_len);
		for (int i = 0; i < c->nadopt; i++)
			close(c->adopt_fds[i]);
		free(c);
		return;
	}
	for (int i = 0; i < COL_MAX_RINGS; i++)
		if (c->ring_fds[i] >= 0)
			close(c->ring_fds[i]);
	lanner__destroy(c->skel);
	free(c);
}
