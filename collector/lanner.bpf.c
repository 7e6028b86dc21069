// SPDX-License-Identifier: GPL-2.0
/* lanner.bpf.c: the collector's kernel side: syscall exit/entry and process lifecycle to records. */
#include "vmlinux.h"
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_tracing.h>
#include <bpf/bpf_core_read.h>
#include <bpf/bpf_endian.h>

#include "common/event_types.h"
#include "lanner.h"

char LICENSE[] SEC("license") = "GPL";

/*
 * Layout of the work: tp_btf/sys_exit checks the selection table (one load
 * from .bss) and, for a selected syscall of a process not in the ignore
 * map, tail-calls the program registered for that syscall number: the
 * generic filler (driven by the per-type spec table that user space fills
 * from collector/col_table.c) or a lifecycle program (clone family, failed
 * execve). tp_btf/sys_enter stashes the arguments that may change before
 * exit (open paths, connect address) in task storage. Successful execs are
 * reported from sched_process_exec, thread exits from sched_process_exit.
 * Records are built in a per-CPU scratch area, then copied into the BPF
 * ring buffer of the CPU (one buffer per cpus_for_each_buffer CPUs).
 */

/* Knobs set by user space before load (frozen: the verifier sees constants). */
const volatile __u64 boot_to_real_ns = 0;     /* realtime - boottime at start (ns) */
const volatile __u32 snaplen = 80;	      /* bytes of I/O buffers kept */
const volatile __u32 path_max = LNR_PATH_MAX; /* bytes of a path kept, NUL included */
const volatile __u64 wakeup_bytes = 1 << 18;  /* unread bytes that wake the drain */
const volatile __u32 args_max = 4096;	      /* bytes of argv / env kept */
/* 1: paths of open* and connect's address are read at syscall entry (sys_enter
 * attached); 0: read at exit, as Falco's modern probe does (no sys_enter). */
const volatile __u8 use_enter = 1;
/* Event type -> Falco's drop category (enum lnr_drop_cat, LNR_DCAT_NONE). */
const volatile __u8 drop_cat[LNR_NR_TYPES];

/* Run-time selection, written by user space through the mmapped .bss:
 * lnr_sel[nr] is the event type to produce at exit (0: not selected);
 * lnr_sel_enter[nr] says what sys_enter stashes (LNR_ENTER_*). */
__u16 lnr_sel[LNR_NR_SYSCALLS];
__u8 lnr_sel_enter[LNR_NR_SYSCALLS];
__u8 lnr_sel_procexit;
/* When not 0, only this thread group is reported (tests, benchmarks, --pid). */
__u32 lnr_only_tgid;
/* Thread-group ids whose syscalls are not reported (the pipeline's own
 * processes: a handful, so a short scan of .bss beats a hash lookup). */
__u32 lnr_ignore_tgids[LNR_MAX_IGNORE];
__u32 lnr_n_ignore;

static __always_inline int in_ignore_list(__u32 tgid)
{
	__u32 n = lnr_n_ignore;

	for (int i = 0; i < LNR_MAX_IGNORE; i++) {
		if (i >= n)
			break;
		if (lnr_ignore_tgids[i] == tgid)
			return 1;
	}
	return 0;
}

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, 1); /* set to the number of possible CPUs */
	__type(key, __u32);
	__uint(value_size, LNR_SCRATCH_SIZE);
} lnr_scratch SEC(".maps");

#define LNR_TMP_SIZE 16384u
struct lnr_tmp {
	__u8 b[LNR_TMP_SIZE];
};
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lnr_tmp);
} lnr_tmp_map SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lnr_cpu_stats);
} lnr_stats SEC(".maps");

struct lnr_ringbuf_inner {
	__uint(type, BPF_MAP_TYPE_RINGBUF);
	__uint(max_entries, 1 << 20); /* replaced by user space (buf_size_preset) */
};

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY_OF_MAPS);
	__uint(max_entries, 1); /* set to the number of possible CPUs */
	__type(key, __u32);
	__array(values, struct lnr_ringbuf_inner);
} lnr_ringbufs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_ARRAY);
	__uint(max_entries, LNR_NR_TYPES);
	__type(key, __u32);
	__type(value, struct lnr_evt_spec);
} lnr_specs SEC(".maps");

struct {
	__uint(type, BPF_MAP_TYPE_PROG_ARRAY);
	__uint(max_entries, LNR_NR_SYSCALLS);
	__type(key, __u32);
	__type(value, __u32);
} lnr_exit_progs SEC(".maps");

struct lnr_stash {
	__s64 nr;    /* syscall the data belongs to; -1 once consumed */
	__u32 len;   /* bytes in data (strings: NUL included) */
	__u32 trunc; /* LNR_PARAM_TRUNC or 0 */
	__u64 task;  /* per-CPU path stash: the thread that wrote it (task_struct) */
	__u64 csw;   /* and its context switches (nvcsw + nivcsw) at entry */
	__u8 data[LNR_STASH_MAX];
};

/* connect's address: per thread (task storage), as a connect often sleeps. */
struct {
	__uint(type, BPF_MAP_TYPE_TASK_STORAGE);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, int);
	__type(value, struct lnr_stash);
} lnr_stash_map SEC(".maps");

/*
 * Paths of open/openat/openat2/creat: per CPU, owned by (thread, context
 * switch count). A thread that was not switched out between entry and exit
 * stayed on its CPU and no other thread ran a syscall there in between, so
 * the slot is still its own; a thread that was switched out (the open slept)
 * finds a foreign or stale owner and reads the path at exit (stash_miss).
 * Task storage costs two helper calls per open (~77 ns each measured with
 * bpf_stats on the entry program); this is two inlined array lookups.
 */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct lnr_stash);
} lnr_path_stash SEC(".maps");

/* The owner tag of the per-CPU path stash for the current thread. */
static __always_inline __u64 task_csw(struct task_struct *t)
{
	return t->nvcsw + t->nivcsw;
}

#define PARAM_TRUNC 0x40000000u
#define HALF_MASK (LNR_SCRATCH_HALF - 1)
#define TMP_MASK (LNR_TMP_SIZE / 2 - 1)
#define EVF_TRUNCATED 0x0001u

#define S_IFMT 00170000
#define S_IFSOCK 0140000
#define FMODE_CREATED_BIT 0x100000
#define AF_UNIX 1
#define AF_INET 2
#define AF_INET6 10

/* The state of one record being built. Kept on the stack of the program
 * (and passed by pointer to bpf_loop callbacks). */
struct bctx {
	__u64 args[6];
	__s64 ret;
	__s64 nr;
	__u32 off; /* next data byte in the scratch area */
	__u32 idx; /* next parameter */
	__u32 cpu;
	__u16 type;
	__u16 flags;	  /* LNR_EVF_* */
	__u32 err;	  /* the record cannot be completed */
	__u32 u1, u2, u3; /* scratch between parameters (proc_param) */
	__u32 fname_user; /* fname is a user pointer */
	__u32 cfile_ok;	  /* cfd/cfile hold a lookup made for this record */
	__s64 cfd;
	__u64 cfile;
	__u64 fname; /* execve's filename (kernel or user pointer) */
};

/* The record under construction lives in a per-CPU map, not on the stack:
 * values read back from a map are unknown to the verifier, so the states
 * after each parameter writer converge and verification stays linear in the
 * number of parameters (offsets on the stack stay precise and make it
 * explode). One per CPU is enough: these programs do not nest on a CPU. */
struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_ARRAY);
	__uint(max_entries, 1);
	__type(key, __u32);
	__type(value, struct bctx);
} lnr_ctx SEC(".maps");

static __always_inline struct bctx *ctx_get(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&lnr_ctx, &zero);
}

/* kfunc (6.2+): a read-only typed view of a kernel pointer, so that fields
 * are read with direct (fault-safe) loads instead of one helper call each. */
extern void *bpf_rdonly_cast(const void *obj, __u32 btf_id) __ksym;
/* A kernel pointer as a read-only BTF pointer of the given type: direct loads
 * of its fields are probe loads (a fault reads as 0), one instruction each,
 * where BPF_CORE_READ makes a helper call per step. The cast itself costs
 * nothing at run time. */
#define KP(type, p)                                                                                \
	((type *)bpf_rdonly_cast((const void *)(__u64)(p), bpf_core_type_id_kernel(type)))

static __always_inline struct lnr_cpu_stats *stats(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&lnr_stats, &zero);
}

static __always_inline __u8 *scratch(__u32 cpu)
{
	return bpf_map_lookup_elem(&lnr_scratch, &cpu);
}

static __always_inline __u8 *tmpbuf(void)
{
	__u32 zero = 0;

	return bpf_map_lookup_elem(&lnr_tmp_map, &zero);
}

static __always_inline void count_fault(void)
{
	struct lnr_cpu_stats *s = stats();

	if (s)
		s->read_faults++;
}

/* Entry side of the filter: the same decision, counted once (at exit). */
static __always_inline int skip_tgid(__u32 tgid)
{
	__u32 only = lnr_only_tgid;

	if (only && only != tgid)
		return 1;
	return in_ignore_list(tgid);
}

static __always_inline int ignored_tgid(__u32 tgid)
{
	__u32 only = lnr_only_tgid;

	if (only && only != tgid)
		return 1;
	if (in_ignore_list(tgid)) {
		struct lnr_cpu_stats *s = stats();

		if (s)
			s->ignored++;
		return 1;
	}
	return 0;
}

/* Direct loads from the tracepoint's pt_regs (a BTF pointer): a
 * bpf_probe_read_kernel per argument costs far more. */
static __always_inline void load_args(struct bctx *c, struct pt_regs *regs)
{
	c->args[0] = regs->di;
	c->args[1] = regs->si;
	c->args[2] = regs->dx;
	c->args[3] = regs->r10;
	c->args[4] = regs->r8;
	c->args[5] = regs->r9;
}

/* Start a record: header fields and the data offset after the length table. */
static __always_inline __u8 *rec_begin(struct bctx *c, __u16 type, __u16 nparams)
{
	__u64 id = bpf_get_current_pid_tgid();
	struct lnr_bpf_hdr *h;
	__u8 *buf;

	c->cpu = bpf_get_smp_processor_id();
	buf = scratch(c->cpu);
	if (!buf) {
		struct lnr_cpu_stats *s = stats();

		if (s)
			s->drops[LNR_DROP_NO_SCRATCH]++;
		return NULL;
	}
	h = (struct lnr_bpf_hdr *)buf;
	h->ts = bpf_ktime_get_boot_ns() + boot_to_real_ns;
	h->tid = (__u32)id;
	h->pid = id >> 32;
	h->type = type;
	h->nparams = nparams;
	h->cpu = c->cpu;
	h->flags = 0;
	h->reserved = 0;
	c->type = type;
	c->cfile_ok = 0;
	c->idx = 0;
	c->flags = 0;
	c->err = 0;
	c->off = LNR_EVT_HDR_SIZE + 4 * (nparams & 63);
	return buf;
}

static __always_inline void set_len(__u8 *buf, struct bctx *c, __u32 len)
{
	__u32 at = LNR_EVT_HDR_SIZE + 4 * (c->idx & 63);

	*(__u32 *)(buf + (at & HALF_MASK)) = len;
	if (len & PARAM_TRUNC) {
		struct lnr_cpu_stats *s = stats();

		c->flags |= EVF_TRUNCATED;
		if (s)
			s->truncated++;
	}
	c->idx++;
}

static __always_inline void put_absent(__u8 *buf, struct bctx *c)
{
	set_len(buf, c, 0);
}

static __always_inline void put_int(__u8 *buf, struct bctx *c, __u64 v, __u32 size)
{
	__u32 off = c->off;
	__u8 *p;

	if (off > LNR_REC_MAX - 8) {
		c->err = 1;
		put_absent(buf, c);
		return;
	}
	p = buf + (off & HALF_MASK);
	switch (size) {
	case 1:
		*p = (__u8)v;
		break;
	case 2:
		*(__u16 *)p = (__u16)v;
		break;
	case 4:
		*(__u32 *)p = (__u32)v;
		break;
	default:
		size = 8;
		*(__u64 *)p = v;
		break;
	}
	c->off = off + size;
	set_len(buf, c, size);
}

static __always_inline __u32 room(struct bctx *c, __u32 want)
{
	__u32 left = c->off < LNR_REC_MAX ? LNR_REC_MAX - c->off : 0;

	return want < left ? want : left;
}

/* A NUL-terminated string (user or kernel memory) at most max bytes with its
 * NUL; longer strings are cut, NUL-terminated and flagged. */
static __always_inline void put_str(__u8 *buf, struct bctx *c, const void *src, __u32 max, int user)
{
	__u32 lim = room(c, max);
	__u32 off = c->off;
	__u32 trunc = 0;
	long n;

	if (!src) {
		put_absent(buf, c);
		return;
	}
	if (lim < 2) {
		c->err = 1;
		put_absent(buf, c);
		return;
	}
	lim &= HALF_MASK;
	if (user)
		n = bpf_probe_read_user_str(buf + (off & HALF_MASK), lim, src);
	else
		n = bpf_probe_read_kernel_str(buf + (off & HALF_MASK), lim, src);
	if (n <= 0) {
		count_fault();
		put_absent(buf, c);
		return;
	}
	if ((__u32)n == lim) {
		/* Full: either the string fits exactly or it was cut. */
		char next = 0;

		if (user)
			bpf_probe_read_user(&next, 1, (const char *)src + lim - 1);
		else
			bpf_probe_read_kernel(&next, 1, (const char *)src + lim - 1);
		if (next)
			trunc = PARAM_TRUNC;
	}
	c->off = off + (__u32)n;
	set_len(buf, c, (__u32)n | trunc);
}

/* Raw bytes (user or kernel memory), n of them, cut at max (flagged). */
static __always_inline void put_bytes(__u8 *buf, struct bctx *c, const void *src, __u64 n,
				      __u32 max, int user)
{
	__u32 trunc = 0;
	__u32 off = c->off;
	__u32 len;
	long err;

	if (!src || n == 0) {
		put_absent(buf, c);
		return;
	}
	if (n > max) {
		n = max;
		trunc = PARAM_TRUNC;
	}
	len = room(c, (__u32)n);
	if (len < n)
		trunc = PARAM_TRUNC;
	len &= HALF_MASK;
	if (len == 0) {
		put_absent(buf, c);
		return;
	}
	if (user)
		err = bpf_probe_read_user(buf + (off & HALF_MASK), len, src);
	else
		err = bpf_probe_read_kernel(buf + (off & HALF_MASK), len, src);
	if (err) {
		count_fault();
		put_absent(buf, c);
		return;
	}
	c->off = off + len;
	set_len(buf, c, len | trunc);
}

/* Copy a ready value from the tmp area (kernel memory) as one parameter. */
static __always_inline void put_tmp(__u8 *buf, struct bctx *c, const __u8 *src, __u32 len,
				    __u32 trunc)
{
	__u32 off = c->off;

	len &= TMP_MASK;
	if (len == 0 || room(c, len) < len) {
		put_absent(buf, c);
		return;
	}
	if (bpf_probe_read_kernel(buf + (off & HALF_MASK), len, src)) {
		put_absent(buf, c);
		return;
	}
	c->off = off + len;
	set_len(buf, c, len | trunc);
}

/* Finish the record and copy it into this CPU's ring buffer. */
static __always_inline void rec_submit(__u8 *buf, struct bctx *c)
{
	struct lnr_cpu_stats *s = stats();
	struct lnr_bpf_hdr *h = (struct lnr_bpf_hdr *)buf;
	__u32 cpu = c->cpu;
	__u32 len = c->off;
	void *rb;

	if (!s)
		return;
	if (c->err || len > LNR_REC_MAX) {
		s->drops[LNR_DROP_TOO_BIG]++;
		return;
	}
	h->len = len;
	h->flags = c->flags;
	rb = bpf_map_lookup_elem(&lnr_ringbufs, &cpu);
	if (!rb) {
		s->drops[LNR_DROP_NO_RING]++;
		return;
	}
	/* No wakeup per record: a wakeup is an irq_work and a context switch of
	 * the drain thread, microseconds per syscall when the drain keeps up.
	 * The drain polls on a short timer instead, and is woken only when a
	 * buffer is filling up (more than wakeup_bytes unread), which is checked
	 * once every 64 records of a CPU (the query is a helper call). */
	if (bpf_ringbuf_output(rb, buf, len & HALF_MASK,
			       (s->events & 63) == 0 && bpf_ringbuf_query(rb, BPF_RB_AVAIL_DATA) >
								wakeup_bytes
				       ? BPF_RB_FORCE_WAKEUP
				       : BPF_RB_NO_WAKEUP)) {
		__u8 k = drop_cat[c->type & (LNR_NR_TYPES - 1)];

		s->drops[LNR_DROP_BUF_FULL]++;
		if (k < LNR_DROP_CATS)
			s->drops_cat[k]++;
		return;
	}
	s->events++;
}

/* ---- conversions into libscap's encodings ---- */

#define O_WRONLY 01
#define O_RDWR 02
#define O_CREAT 0100
#define O_EXCL 0200
#define O_TRUNC 01000
#define O_APPEND 02000
#define O_NONBLOCK 04000
#define O_DSYNC 010000
#define O_DIRECT 040000
#define O_LARGEFILE 0100000
#define O_DIRECTORY 0200000
#define O_CLOEXEC 02000000
#define O_SYNC 04010000
#define O_TMPFILE 020200000

static __always_inline __u32 fd_flags_to_scap(__u64 f)
{
	__u32 r = 0;

	if (f & O_CREAT)
		r |= 1 << 2;
	if (f & O_APPEND)
		r |= 1 << 3;
	if (f & O_DSYNC)
		r |= 1 << 4;
	if (f & O_EXCL)
		r |= 1 << 5;
	if (f & O_NONBLOCK)
		r |= 1 << 6;
	if ((f & O_SYNC) == O_SYNC)
		r |= 1 << 7;
	if (f & O_TRUNC)
		r |= 1 << 8;
	if (f & O_DIRECT)
		r |= 1 << 9;
	if ((f & O_TMPFILE) == O_TMPFILE)
		r |= 1 << 13;
	else if (f & O_DIRECTORY)
		r |= 1 << 10;
	if (f & O_LARGEFILE)
		r |= 1 << 11;
	if (f & O_CLOEXEC)
		r |= 1 << 12;
	return r;
}

static __always_inline __u32 open_flags_to_scap(__u64 f)
{
	__u32 r = fd_flags_to_scap(f);

	if (f & O_RDWR)
		r |= 3;
	else if (f & O_WRONLY)
		r |= 2;
	else
		r |= 1;
	return r;
}

static __always_inline __u32 clone_flags_to_scap(__u64 f)
{
	__u32 r = 0;

	if (f & 0x400)
		r |= 1 << 0; /* FILES */
	if (f & 0x200)
		r |= 1 << 1; /* FS */
	if (f & 0x80000000ULL)
		r |= 1 << 2; /* IO */
	if (f & 0x08000000)
		r |= 1 << 3; /* NEWIPC */
	if (f & 0x40000000)
		r |= 1 << 4; /* NEWNET */
	if (f & 0x00020000)
		r |= 1 << 5; /* NEWNS */
	if (f & 0x20000000)
		r |= 1 << 6; /* NEWPID */
	if (f & 0x04000000)
		r |= 1 << 7; /* NEWUTS */
	if (f & 0x8000)
		r |= 1 << 8; /* PARENT */
	if (f & 0x00100000)
		r |= 1 << 9; /* PARENT_SETTID */
	if (f & 0x2000)
		r |= 1 << 10; /* PTRACE */
	if (f & 0x800)
		r |= 1 << 11; /* SIGHAND */
	if (f & 0x40000)
		r |= 1 << 12; /* SYSVSEM */
	if (f & 0x10000)
		r |= 1 << 13; /* THREAD */
	if (f & 0x00800000)
		r |= 1 << 14; /* UNTRACED */
	if (f & 0x100)
		r |= 1 << 15; /* VM */
	if (f & 0x10000000)
		r |= 1 << 20; /* NEWUSER */
	if (f & 0x00200000)
		r |= 1 << 23; /* CHILD_CLEARTID */
	if (f & 0x01000000)
		r |= 1 << 24; /* CHILD_SETTID */
	if (f & 0x80000)
		r |= 1 << 25; /* SETTLS */
	if (f & 0x4000)
		r |= 1 << 27; /* VFORK */
	if (f & 0x02000000)
		r |= 1 << 28; /* NEWCGROUP */
	return r;
}

static __always_inline __u32 fcntl_cmd_to_scap(__u64 cmd)
{
	switch (cmd) {
	case 0:
		return 1; /* F_DUPFD */
	case 1:
		return 2;
	case 2:
		return 3;
	case 3:
		return 4;
	case 4:
		return 5;
	case 5:
		return 6;
	case 6:
		return 8;
	case 7:
		return 9;
	case 8:
		return 10;
	case 9:
		return 12;
	case 10:
		return 13;
	case 11:
		return 15;
	case 15:
		return 21;
	case 16:
		return 22;
	case 1024:
		return 23;
	case 1025:
		return 24;
	case 1029:
		return 25;
	case 1030:
		return 26; /* F_DUPFD_CLOEXEC */
	case 1026:
		return 27;
	case 1031:
		return 28;
	case 1032:
		return 29;
	case 36:
		return 30;
	case 37:
		return 31;
	case 38:
		return 32;
	default:
		return 0;
	}
}

static __always_inline __u32 ptrace_req_to_scap(__u64 req)
{
	switch (req) {
	case 0:
		return 1; /* TRACEME */
	case 1:
		return 2;
	case 2:
		return 3;
	case 3:
		return 4;
	case 4:
		return 5;
	case 5:
		return 6;
	case 6:
		return 7;
	case 7:
		return 8; /* CONT */
	case 8:
		return 9; /* KILL */
	case 9:
		return 10; /* SINGLESTEP */
	case 16:
		return 11; /* ATTACH */
	case 17:
		return 12; /* DETACH */
	case 24:
		return 13; /* SYSCALL */
	case 0x4200:
		return 14; /* SETOPTIONS */
	case 0x4201:
		return 15;
	case 0x4202:
		return 16;
	case 0x4203:
		return 17;
	case 0x4204:
		return 18;
	case 0x4205:
		return 19;
	case 0x4206:
		return 20; /* SEIZE */
	case 0x4207:
		return 21;
	case 0x4208:
		return 22;
	case 0x4209:
		return 23;
	case 0x420a:
		return 24;
	case 0x420b:
		return 25;
	case 12:
		return 26; /* GETREGS */
	case 13:
		return 27;
	case 14:
		return 28;
	case 15:
		return 29;
	case 18:
		return 30;
	case 19:
		return 31;
	case 21:
		return 32; /* OLDSETOPTIONS */
	case 25:
		return 33;
	case 26:
		return 34;
	case 30:
		return 35; /* ARCH_PRCTL */
	case 31:
		return 36; /* SYSEMU */
	case 32:
		return 37;
	case 33:
		return 38; /* SINGLEBLOCK */
	default:
		return 0;
	}
}

/* Userspace dev_t encoding (what stat() reports) of a kernel dev_t. */
static __always_inline __u32 encode_dev(__u32 kdev)
{
	__u32 major = kdev >> 20, minor = kdev & 0xfffff;

	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

/* ---- files and sockets behind fds ---- */

static __always_inline struct file *as_file(__u64 p)
{
	return KP(struct file, p);
}

/* The file behind fd in the current task. Direct (BTF) loads down to the
 * fd array, one probe read for the slot; the last answer is kept in the
 * per-CPU context because an event often asks about the same fd twice or
 * three times (open: flags, dev, ino). */
static __always_inline struct file *fd_to_file(__s64 fd)
{
	struct bctx *c = ctx_get();
	struct task_struct *t;
	struct files_struct *files;
	struct fdtable *fdt;
	struct file **fds;
	struct file *f = NULL;

	if (fd < 0)
		return NULL;
	if (c && c->cfile_ok && c->cfd == fd)
		return c->cfile ? as_file(c->cfile) : NULL;
	t = bpf_get_current_task_btf();
	files = t->files;
	if (!files)
		return NULL;
	fdt = files->fdt;
	if (!fdt || fd >= fdt->max_fds)
		return NULL;
	fds = fdt->fd;
	/* The slot fds[fd] read with one probe load instead of a helper call:
	 * the slot's address typed as a struct whose first member is a pointer
	 * (hlist_head.first), since bpf_rdonly_cast wants a struct type. */
	f = (struct file *)KP(struct hlist_head, (__u64)fds + (__u64)fd * sizeof(void *))->first;
	if (c) {
		c->cfd = fd;
		c->cfile = (__u64)f;
		c->cfile_ok = 1;
	}
	return f ? as_file((__u64)f) : NULL;
}

static __always_inline struct sock *file_to_sock(struct file *f)
{
	struct socket *so;

	if (!f)
		return NULL;
	if ((f->f_inode->i_mode & S_IFMT) != S_IFSOCK)
		return NULL;
	so = f->private_data;
	if (!so)
		return NULL;
	return BPF_CORE_READ(so, sk);
}

/* Encode the raw sockaddr at tmp (len bytes, kernel copy) in libscap's form
 * at tmp + 256. Returns the encoded length or 0. */
static __always_inline __u32 encode_sockaddr(__u8 *t, __u32 len)
{
	__u16 fam = *(__u16 *)t;
	__u8 *o = t + 256;

	if (len < 2)
		return 0;
	if (fam == AF_INET && len >= 8) {
		o[0] = AF_INET;
		__builtin_memcpy(o + 1, t + 4, 4);
		*(__u16 *)(o + 5) = bpf_ntohs(*(__u16 *)(t + 2));
		return 7;
	}
	if (fam == AF_INET6 && len >= 24) {
		o[0] = AF_INET6;
		__builtin_memcpy(o + 1, t + 8, 16);
		*(__u16 *)(o + 17) = bpf_ntohs(*(__u16 *)(t + 2));
		return 19;
	}
	if (fam == AF_UNIX) {
		long n;

		o[0] = AF_UNIX;
		if (len <= 2) {
			o[1] = 0;
			return 2;
		}
		/* Abstract names start with a NUL: shown with '@' as libscap does. */
		if (t[2] == 0 && len > 3) {
			o[1] = '@';
			n = bpf_probe_read_kernel_str(o + 2, 108, t + 3);
			if (n < 0)
				n = 1;
			return 2 + n;
		}
		n = bpf_probe_read_kernel_str(o + 1, 109, t + 2);
		if (n < 0)
			n = 1;
		return 1 + n;
	}
	return 0;
}

/* The socket tuple of fd in libscap's encoding, built in tmp + 512.
 * Remote address overrides (raddr: libscap-encoded sockaddr or NULL). */
static __always_inline __u32 build_tuple(__u8 *t, struct sock *sk, __u32 dir, const __u8 *raddr,
					 __u32 rlen)
{
	__u8 *o = t + 512;
	__u16 fam;

	if (!sk)
		return 0;
	fam = BPF_CORE_READ(sk, __sk_common.skc_family);
	if (fam == AF_INET) {
		__u32 lip = BPF_CORE_READ(sk, __sk_common.skc_rcv_saddr);
		__u32 rip = BPF_CORE_READ(sk, __sk_common.skc_daddr);
		__u16 lport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
		__u16 rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));

		if (raddr && rlen == 7 && raddr[0] == AF_INET) {
			__builtin_memcpy(&rip, raddr + 1, 4);
			rport = *(__u16 *)(raddr + 5);
		}
		o[0] = AF_INET;
		if (dir & LNR_TUPLE_IN) {
			*(__u32 *)(o + 1) = rip;
			*(__u16 *)(o + 5) = rport;
			*(__u32 *)(o + 7) = lip;
			*(__u16 *)(o + 11) = lport;
		} else {
			*(__u32 *)(o + 1) = lip;
			*(__u16 *)(o + 5) = lport;
			*(__u32 *)(o + 7) = rip;
			*(__u16 *)(o + 11) = rport;
		}
		return 13;
	}
	if (fam == AF_INET6) {
		__u8 lip[16], rip[16];
		__u16 lport = bpf_ntohs(BPF_CORE_READ((struct inet_sock *)sk, inet_sport));
		__u16 rport = bpf_ntohs(BPF_CORE_READ(sk, __sk_common.skc_dport));

		BPF_CORE_READ_INTO(&lip, sk, __sk_common.skc_v6_rcv_saddr);
		BPF_CORE_READ_INTO(&rip, sk, __sk_common.skc_v6_daddr);
		if (raddr && rlen == 19 && raddr[0] == AF_INET6) {
			__builtin_memcpy(rip, raddr + 1, 16);
			rport = *(__u16 *)(raddr + 17);
		}
		o[0] = AF_INET6;
		if (dir & LNR_TUPLE_IN) {
			__builtin_memcpy(o + 1, rip, 16);
			*(__u16 *)(o + 17) = rport;
			__builtin_memcpy(o + 19, lip, 16);
			*(__u16 *)(o + 35) = lport;
		} else {
			__builtin_memcpy(o + 1, lip, 16);
			*(__u16 *)(o + 17) = lport;
			__builtin_memcpy(o + 19, rip, 16);
			*(__u16 *)(o + 35) = rport;
		}
		return 37;
	}
	if (fam == AF_UNIX) {
		struct unix_sock *us = (struct unix_sock *)sk;
		struct sock *peer = BPF_CORE_READ(us, peer);
		struct unix_address *ua;
		long n = -1;

		o[0] = AF_UNIX;
		if (dir & LNR_TUPLE_IN) {
			*(__u64 *)(o + 1) = (__u64)peer;
			*(__u64 *)(o + 9) = (__u64)sk;
		} else {
			*(__u64 *)(o + 1) = (__u64)sk;
			*(__u64 *)(o + 9) = (__u64)peer;
		}
		if (raddr && rlen >= 2 && raddr[0] == AF_UNIX) {
			n = bpf_probe_read_kernel_str(o + 17, 109, raddr + 1);
		} else {
			ua = BPF_CORE_READ(us, addr);
			if (!ua && peer)
				ua = BPF_CORE_READ((struct unix_sock *)peer, addr);
			if (ua) {
				char first = 0;

				bpf_probe_read_kernel(&first, 1, &ua->name[0].sun_path[0]);
				if (first == 0) {
					o[17] = '@';
					n = bpf_probe_read_kernel_str(o + 18, 108,
								      &ua->name[0].sun_path[1]);
					if (n > 0)
						n++;
				} else {
					n = bpf_probe_read_kernel_str(o + 17, 109,
								      &ua->name[0].sun_path[0]);
				}
			}
		}
		if (n <= 0) {
			o[17] = 0;
			n = 1;
		}
		return 17 + (n & 127);
	}
	return 0;
}

/* ---- d_path, approximated by walking dentries (bpf_d_path is not allowed here) ---- */

struct dp_ctx {
	struct dentry *d;
	struct mount *mnt;
	__u32 pos; /* start of the path built so far at the end of tmp[0..4096) */
	__u32 trunc;
	__u32 done;
	__u32 orphan; /* the walk stopped on a dentry that is its own parent, not a mount root */
};

/* One step of the walk up from a dentry (a bpf_loop callback, so the
 * verifier checks it once instead of once per level). */
static long dpath_step(__u64 i, struct dp_ctx *x)
{
	struct mount *mnt = KP(struct mount, x->mnt);
	struct dentry *d = KP(struct dentry, x->d);
	struct dentry *root, *parent;
	__u8 *t = tmpbuf();
	__u32 len, pos = x->pos;

	if (!t)
		return 1;
	root = mnt->mnt.mnt_root;
	parent = d->d_parent;
	if (d == root) {
		struct mount *mp = mnt->mnt_parent;

		if (mp == mnt) {
			x->done = 1;
			return 1;
		}
		x->d = mnt->mnt_mountpoint;
		x->mnt = mp;
		return 0;
	}
	if (d == parent) {
		x->done = 1;
		x->orphan = 1;
		return 1;
	}
	len = d->d_name.len & 255;
	if (pos < len + 2) {
		x->trunc = PARAM_TRUNC;
		x->done = 1;
		return 1;
	}
	pos = (pos - len) & 4095;
	bpf_probe_read_kernel(t + pos, len, d->d_name.name);
	pos = (pos - 1) & 4095;
	t[pos] = '/';
	x->pos = pos;
	x->d = parent;
	return 0;
}

/* The path of (dentry, vfsmount), built at the end of tmp[0..4096): returns
 * its start offset; *trunc is set when the walk gave up before the root. */
static __always_inline __u32 dpath_walk(__u8 *t, struct dentry *d, struct vfsmount *vm,
					__u32 *trunc)
{
	struct dp_ctx x = {
		.d = d,
		.mnt = container_of(vm, struct mount, mnt),
		.pos = 4095,
	};

	t[4095] = 0;
	bpf_loop(LNR_DPATH_DEPTH * 2, dpath_step, &x, 0);
	*trunc = x.done ? x.trunc : PARAM_TRUNC;
	if (x.pos >= 4095 && x.orphan) {
		/* Nothing above it: a file with no place in any tree (memfd,
		 * anonymous inode). Its own name, e.g. "memfd:NAME", without a
		 * leading '/', as Falco's BPF drivers report it. */
		struct dentry *od = KP(struct dentry, x.d);
		__u32 len = od->d_name.len & 255;
		__u32 pos = (4095 - len) & 4095; /* masked: a bounded offset for the verifier */

		if (len && !bpf_probe_read_kernel(t + pos, len, od->d_name.name))
			return pos;
	}
	if (x.pos >= 4095) {
		x.pos = 4094;
		t[4094] = '/';
	}
	return x.pos;
}

static __always_inline void put_dpath(__u8 *buf, struct bctx *c, struct dentry *d,
				      struct vfsmount *vm)
{
	__u8 *t = tmpbuf();
	__u32 trunc, pos;

	if (!t || !d || !vm) {
		put_absent(buf, c);
		return;
	}
	pos = dpath_walk(t, d, vm, &trunc);
	pos &= 4095;
	put_tmp(buf, c, t + pos, 4096 - pos, trunc);
}

/* ---- generic exit filler ---- */

static __always_inline __u64 src_val(struct bctx *c, __u8 src)
{
	if (src < 6)
		return c->args[src & 7];
	if (src == LNR_SRC_RET)
		return c->ret;
	return 0;
}

/* Read and encode a user sockaddr into tmp; returns the encoded length (at
 * tmp + 256) or 0. */
static __always_inline __u32 user_sockaddr(__u8 *t, const void *uaddr, __u64 ulen)
{
	if (!uaddr || ulen < 2)
		return 0;
	if (ulen > 128)
		ulen = 128;
	__builtin_memset(t, 0, 8);
	if (bpf_probe_read_user(t, ulen & 127, uaddr))
		return 0;
	return encode_sockaddr(t, ulen);
}

/* connect's address stashed at entry by this thread, or NULL. */
static __always_inline struct lnr_stash *stash_get(void)
{
	if (!use_enter)
		return NULL; /* arguments are read at exit only */
	return bpf_task_storage_get(&lnr_stash_map, bpf_get_current_task_btf(), 0, 0);
}

/* The path stashed at entry by this thread on this CPU, or NULL when the slot
 * belongs to another thread or the thread was switched out since (see
 * lnr_path_stash). */
static __always_inline struct lnr_stash *path_stash_get(void)
{
	struct task_struct *t;
	struct lnr_stash *st;
	__u32 zero = 0;

	if (!use_enter)
		return NULL;
	st = bpf_map_lookup_elem(&lnr_path_stash, &zero);
	if (!st)
		return NULL;
	t = bpf_get_current_task_btf();
	if (st->task != (__u64)t || st->csw != task_csw(t))
		return NULL;
	return st;
}

/* Parameter i of a generic record (inlined once per index by the unrolled
 * loop of lnr_exit_generic: the per-parameter callback and its map lookups
 * cost more than the larger program). */
static __always_inline long generic_param(__u64 i, struct bctx *c, const struct lnr_evt_spec *sp,
					  __u8 *buf)
{
	struct lnr_pspec ps;
	__u64 v;

	if (i >= LNR_SPEC_MAX_PARAMS)
		return 1;
	ps = sp->p[i];
	v = src_val(c, ps.src);
	if (ps.pad[0] && ps.src < 6 && ps.kind == LNR_PK_INT)
		v = (__s64)(__s32)v; /* int argument: the upper register half is not ours */

	switch (ps.kind) {
	case LNR_PK_INT:
		switch (ps.xf) {
		case LNR_XF_OPEN_FLAGS: {
			__u32 f = open_flags_to_scap(v);

			if (c->ret >= 0) {
				struct file *fl = fd_to_file(c->ret);

				if (fl && (fl->f_mode & FMODE_CREATED_BIT))
					f |= 1 << 14; /* PPM_O_F_CREATED */
			}
			v = f;
			break;
		}
		case LNR_XF_FD_FLAGS:
			v = fd_flags_to_scap(v);
			break;
		case LNR_XF_OPEN_MODE: {
			__u64 fl = src_val(c, ps.aux);

			v = (fl & (O_CREAT | O_TMPFILE)) ? (v & 07777) : 0;
			break;
		}
		case LNR_XF_MODE:
			v &= 07777;
			break;
		case LNR_XF_CLONE_FLAGS:
			v = clone_flags_to_scap(v);
			break;
		case LNR_XF_FCNTL_CMD:
			v = fcntl_cmd_to_scap(v);
			break;
		case LNR_XF_PTRACE_REQ:
			v = ptrace_req_to_scap(v);
			break;
		case LNR_XF_MOUNT_FLAGS:
			if ((v & 0xffff0000) == 0xc0ed0000)
				v &= 0xffff;
			break;
		}
		put_int(buf, c, v, ps.size);
		break;
	case LNR_PK_USTR:
		put_str(buf, c, (const void *)v, path_max, 1);
		break;
	case LNR_PK_STASH_STR: {
		struct lnr_stash *st = path_stash_get();

		if (st && st->nr == c->nr && st->len > 0) {
			__u32 len = st->len;

			if (len > LNR_STASH_MAX)
				len = LNR_STASH_MAX;
			if (room(c, len) < len) {
				put_absent(buf, c);
				break;
			}
			bpf_probe_read_kernel(buf + (c->off & HALF_MASK),
					      len & (2 * LNR_STASH_MAX - 1), st->data);
			c->off += len;
			set_len(buf, c, len | st->trunc);
			st->nr = -1;
		} else {
			struct lnr_cpu_stats *s = stats();

			if (s && use_enter)
				s->stash_miss++;
			put_str(buf, c, (const void *)v, path_max, 1);
		}
		break;
	}
	case LNR_PK_UBUF: {
		__s64 n = (__s64)src_val(c, ps.aux);

		if (n <= 0)
			put_absent(buf, c);
		else
			put_bytes(buf, c, (const void *)v, n, snaplen, 1);
		break;
	}
	case LNR_PK_SOCKADDR:
	case LNR_PK_STASH_SOCKADDR: {
		__u8 *t = tmpbuf();
		struct lnr_stash *st = ps.kind == LNR_PK_STASH_SOCKADDR ? stash_get() : NULL;
		__u32 n = 0;

		if (!t) {
			put_absent(buf, c);
			break;
		}
		if (st && st->nr == c->nr && st->len >= 2) {
			__u32 len = st->len & 127;

			bpf_probe_read_kernel(t, len, st->data);
			n = encode_sockaddr(t, len);
			st->nr = -1;
		} else {
			n = user_sockaddr(t, (const void *)v, src_val(c, ps.aux));
		}
		if (n)
			put_tmp(buf, c, t + 256, n, 0);
		else
			put_absent(buf, c);
		break;
	}
	case LNR_PK_TUPLE: {
		__u8 *t = tmpbuf();
		__s64 fd = (ps.aux & LNR_TUPLE_RET_FD) ? c->ret : (__s64)v;
		struct sock *sk;
		__u32 rlen = 0, n;

		if (!t || fd < 0) {
			put_absent(buf, c);
			break;
		}
		sk = file_to_sock(fd_to_file(fd));
		if (ps.aux & LNR_TUPLE_STASH) {
			struct lnr_stash *st = stash_get();

			if (st && st->nr == c->nr && st->len >= 2) {
				__u32 len = st->len & 127;

				bpf_probe_read_kernel(t, len, st->data);
				rlen = encode_sockaddr(t, len);
			} else {
				rlen = user_sockaddr(t, (const void *)c->args[1], c->args[2]);
			}
		} else if (ps.aux & LNR_TUPLE_ARG1_ADDR) {
			rlen = user_sockaddr(t, (const void *)c->args[4], c->args[5]);
		} else if (ps.aux & LNR_TUPLE_MSGNAME) {
			struct user_msghdr mh = {};

			if (!bpf_probe_read_user(&mh, sizeof(mh), (const void *)c->args[1]))
				rlen = user_sockaddr(t, mh.msg_name, mh.msg_namelen);
		}
		n = build_tuple(t, sk, ps.aux, rlen ? t + 256 : NULL, rlen);
		if (n)
			put_tmp(buf, c, t + 512, n, 0);
		else
			put_absent(buf, c);
		break;
	}
	case LNR_PK_FD_DEV:
	case LNR_PK_FD_INO: {
		struct file *f = fd_to_file((__s64)v);

		if (!f) {
			put_absent(buf, c);
			break;
		}
		if (ps.kind == LNR_PK_FD_DEV)
			put_int(buf, c, encode_dev(f->f_inode->i_sb->s_dev), 4);
		else
			put_int(buf, c, f->f_inode->i_ino, 8);
		break;
	}
	case LNR_PK_UINT_ARR:
	case LNR_PK_UINT_ARR_INO:
	case LNR_PK_UINT_ARR_SOCK: {
		__u64 pair = 0; /* int[2], read at once: indexing a stack array by a
				 * variable makes clang emit pointer arithmetic the
				 * verifier rejects */
		int fd0, fd1;

		if (c->ret < 0 || !v || bpf_probe_read_user(&pair, sizeof(pair), (const void *)v)) {
			put_absent(buf, c);
			break;
		}
		asm volatile("" : "+r"(pair));
		fd0 = (int)(__u32)pair;
		fd1 = (int)(__u32)(pair >> 32);
		if (ps.kind == LNR_PK_UINT_ARR) {
			put_int(buf, c, (__s64)(ps.aux ? fd1 : fd0), 8);
		} else if (ps.kind == LNR_PK_UINT_ARR_INO) {
			struct file *f = fd_to_file(ps.aux ? fd1 : fd0);

			if (f)
				put_int(buf, c, f->f_inode->i_ino, 8);
			else
				put_absent(buf, c);
		} else {
			struct sock *sk = file_to_sock(fd_to_file(fd0));

			if (sk && ps.aux)
				sk = BPF_CORE_READ((struct unix_sock *)sk, peer);
			put_int(buf, c, (__u64)sk, 8);
		}
		break;
	}
	case LNR_PK_QUEUE: {
		struct sock *sk = file_to_sock(fd_to_file((__s64)c->args[0]));
		__u32 len = 0, max = 0;

		if (sk) {
			len = BPF_CORE_READ(sk, sk_ack_backlog);
			max = BPF_CORE_READ(sk, sk_max_ack_backlog);
		}
		if (ps.aux == 0)
			put_int(buf, c, max ? (len * 100) / max : 0, 1);
		else
			put_int(buf, c, ps.aux == 1 ? len : max, 4);
		break;
	}
	case LNR_PK_CAP: {
		struct task_struct *t = (struct task_struct *)bpf_get_current_task();
		__u64 cap;

		if (ps.aux == 0)
			cap = BPF_CORE_READ(t, cred, cap_inheritable.val);
		else if (ps.aux == 1)
			cap = BPF_CORE_READ(t, cred, cap_permitted.val);
		else
			cap = BPF_CORE_READ(t, cred, cap_effective.val);
		put_int(buf, c, cap, 8);
		break;
	}
	case LNR_PK_PRCTL_STR:
	case LNR_PK_PRCTL_INT: {
		__u64 opt = c->args[0];
		int is_str = opt == 15 /* PR_SET_NAME */ || opt == 16 /* PR_GET_NAME */;

		if (ps.kind == LNR_PK_PRCTL_STR) {
			if (is_str)
				put_str(buf, c, (const void *)c->args[1], 16, 1);
			else
				put_absent(buf, c);
		} else {
			if (is_str) {
				put_absent(buf, c);
			} else if (opt == 37 /* PR_GET_CHILD_SUBREAPER */) {
				int val = 0;

				bpf_probe_read_user(&val, sizeof(val), (const void *)c->args[1]);
				put_int(buf, c, (__s64)val, 8);
			} else {
				put_int(buf, c, c->args[1], 8);
			}
		}
		break;
	}
	case LNR_PK_DYN_U64: {
		__u32 off = c->off;

		if (off > LNR_REC_MAX - 16) {
			c->err = 1;
			put_absent(buf, c);
			break;
		}
		buf[off & HALF_MASK] = 0; /* PPM_PTRACE_IDX_UINT64 */
		*(__u64 *)(buf + ((off + 1) & HALF_MASK)) = v;
		c->off = off + 9;
		set_len(buf, c, 9);
		break;
	}
	case LNR_PK_MSG_DATA:
	case LNR_PK_MSG_SIZE: {
		struct user_msghdr mh = {};
		struct iovec iov = {};
		__u64 total = 0;
		int k;

		if (!v || bpf_probe_read_user(&mh, sizeof(mh), (const void *)v)) {
			put_absent(buf, c);
			break;
		}
		if (ps.kind == LNR_PK_MSG_SIZE) {
			for (k = 0; k < 8; k++) {
				if (k >= mh.msg_iovlen)
					break;
				if (bpf_probe_read_user(&iov, sizeof(iov), &mh.msg_iov[k]))
					break;
				total += iov.iov_len;
			}
			put_int(buf, c, total, 4);
			break;
		}
		/* Data: the first iovec, up to the bytes transferred and snaplen. */
		if (c->ret <= 0 || mh.msg_iovlen == 0 ||
		    bpf_probe_read_user(&iov, sizeof(iov), mh.msg_iov)) {
			put_absent(buf, c);
			break;
		}
		total = iov.iov_len < (__u64)c->ret ? iov.iov_len : (__u64)c->ret;
		put_bytes(buf, c, iov.iov_base, total, snaplen, 1);
		if (mh.msg_iovlen > 1 && (__u64)c->ret > iov.iov_len && total < snaplen) {
			/* More data sat in later iovecs: say the value is partial. */
			__u32 at = LNR_EVT_HDR_SIZE + 4 * ((c->idx - 1) & 63);
			__u32 *lp = (__u32 *)(buf + (at & HALF_MASK));

			*lp |= PARAM_TRUNC;
			c->flags |= EVF_TRUNCATED;
		}
		break;
	}
	case LNR_PK_OPENHOW: {
		__u64 how[3] = {};

		if (!v || bpf_probe_read_user(how, sizeof(how), (const void *)v)) {
			put_absent(buf, c);
			break;
		}
		if (ps.aux == 0) {
			__u32 f = open_flags_to_scap(how[0]);

			if (c->ret >= 0) {
				struct file *fl = fd_to_file(c->ret);

				if (fl && (fl->f_mode & FMODE_CREATED_BIT))
					f |= 1 << 14;
			}
			put_int(buf, c, f, 4);
		} else if (ps.aux == 1) {
			put_int(buf, c, (how[0] & (O_CREAT | O_TMPFILE)) ? (how[1] & 07777) : 0, 4);
		} else {
			put_int(buf, c, how[2], 4);
		}
		break;
	}
	case LNR_PK_CREAT_FLAGS: {
		struct file *fl = fd_to_file((__s64)v);
		__u32 f = 0;

		if (fl && (fl->f_mode & FMODE_CREATED_BIT))
			f = 1 << 14; /* PPM_O_F_CREATED */
		put_int(buf, c, f, 2);
		break;
	}
	default:
		put_absent(buf, c);
		break;
	}
	return 0;
}

static __always_inline int exit_prologue(struct bctx *c, struct pt_regs *regs, long ret)
{
	c->nr = regs->orig_ax; /* tp_btf: regs is a trusted pointer, loads are direct */
	if ((__u64)c->nr >= LNR_NR_SYSCALLS)
		return -1;
	c->ret = ret;
	load_args(c, regs);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(lnr_exit_generic, struct pt_regs *regs, long ret)
{
	struct bctx *c = ctx_get();
	struct lnr_evt_spec *sp;
	__u32 type;
	__u8 *buf;

	if (!c || exit_prologue(c, regs, ret))
		return 0;
	type = lnr_sel[c->nr & (LNR_NR_SYSCALLS - 1)];
	sp = bpf_map_lookup_elem(&lnr_specs, &type);
	if (!sp || sp->nparams == 0 || sp->nparams > LNR_SPEC_MAX_PARAMS)
		return 0;
	buf = rec_begin(c, type, sp->nparams);
	if (!buf)
		return 0;
#pragma unroll
	for (int i = 0; i < LNR_SPEC_MAX_PARAMS; i++) {
		if (i >= sp->nparams)
			break;
		generic_param(i, c, sp, buf);
	}
	if (c->idx != sp->nparams)
		c->err = 1;
	rec_submit(buf, c);
	return 0;
}

/* ---- process information (execve, execveat, clone family) ---- */

/* Copy [start, end) of the task's user memory into tmp, cut at max and
 * NUL-terminated; returns the length (0 on failure). */
static __always_inline __u32 read_user_area(__u8 *t, __u64 start, __u64 end, __u32 max,
					    __u32 *trunc)
{
	__u64 len = end > start ? end - start : 0;

	*trunc = 0;
	if (len == 0)
		return 0;
	if (len > max) {
		len = max;
		*trunc = PARAM_TRUNC;
	}
	len &= (LNR_TMP_SIZE / 2 - 1);
	if (len == 0)
		return 0;
	if (bpf_probe_read_user(t, len, (const void *)start)) {
		count_fault();
		return 0;
	}
	t[(len - 1) & (LNR_TMP_SIZE / 2 - 1)] = 0;
	return len;
}

static __always_inline __u32 pid_vnr(struct pid *p)
{
	unsigned int level;

	if (!p)
		return 0;
	level = BPF_CORE_READ(p, level);
	return BPF_CORE_READ(p, numbers[level & 31].nr);
}

static __always_inline __u32 task_vtid(struct task_struct *t)
{
	return pid_vnr(t->thread_pid);
}

static __always_inline __u32 task_vtgid(struct task_struct *t)
{
	return pid_vnr(t->signal->pids[PIDTYPE_TGID]);
}

static __always_inline __u32 tty_of(struct task_struct *t)
{
	struct tty_struct *tty = t->signal->tty;
	__u32 major, minor;

	if (!tty)
		return 0;
	major = tty->driver->major;
	minor = tty->driver->minor_start + tty->index;
	return (minor & 0xff) | (major << 8) | ((minor & ~0xffu) << 12);
}

struct kn_ctx {
	struct kernfs_node *kn;
	__u32 pos;
};

/* One level of a cgroup's kernfs path, built backwards at tmp[0..4096). */
static long kn_step(__u64 i, struct kn_ctx *x)
{
	struct kernfs_node *kn = KP(struct kernfs_node, x->kn);
	__u8 *t = tmpbuf();
	struct kernfs_node *p;
	long l;

	if (!t || !kn)
		return 1;
	p = kn->__parent;
	if (!p)
		return 1;
	l = bpf_probe_read_kernel_str(t + 4096, 256, kn->name);
	if (l <= 1)
		return 1;
	l -= 1;
	if (x->pos < (__u32)l + 2)
		return 1;
	x->pos = (x->pos - l) & 4095;
	bpf_probe_read_kernel(t + x->pos, l & 255, t + 4096);
	x->pos = (x->pos - 1) & 4095;
	t[x->pos] = '/';
	x->kn = p;
	return 0;
}

struct cg_ctx {
	struct task_struct *t;
	struct bctx *c;
	__u32 written;
};

/* One controller: "name=path" and a NUL, appended to the record's data. */
static long cg_step(__u64 i, struct cg_ctx *x)
{
	struct cgroup_subsys_state *css;
	struct kn_ctx k = {.pos = 4095};
	struct task_struct *task = KP(struct task_struct, x->t);
	struct bctx *c = x->c;
	const char *name;
	__u8 *tmp = tmpbuf();
	__u8 *buf = scratch(c->cpu);
	__u32 off, len;
	long n;

	if (!tmp || !buf || i >= 12)
		return 1;
	css = BPF_CORE_READ(task, cgroups, subsys[i]); /* variable index: a probe read */
	if (!css)
		return 0;
	css = KP(struct cgroup_subsys_state, css);
	name = css->ss->name;
	k.kn = css->cgroup->kn;
	if (!name || !k.kn)
		return 0;
	tmp[4095] = 0;
	bpf_loop(16, kn_step, &k, 0);
	if (k.pos >= 4095) {
		k.pos = 4094;
		tmp[4094] = '/';
	}
	off = c->off;
	if (off > LNR_REC_MAX - 64 - 4096)
		return 1;
	n = bpf_probe_read_kernel_str(buf + (off & HALF_MASK), 64, name);
	if (n <= 0)
		return 0;
	off += n;
	buf[(off - 1) & HALF_MASK] = '=';
	len = (4096 - k.pos) & 4095;
	bpf_probe_read_kernel(buf + (off & HALF_MASK), len, tmp + (k.pos & 4095));
	c->off = off + len;
	x->written++;
	return 0;
}

/* cgroups: "subsys=path" for each controller of the task, NUL-separated. */
static __always_inline void put_cgroups(__u8 *buf, struct bctx *c, struct task_struct *t)
{
	struct cg_ctx x = {.t = t, .c = c};
	__u32 start = c->off;

	bpf_loop(12, cg_step, &x, 0);
	if (x.written == 0) {
		c->off = start;
		put_absent(buf, c);
		return;
	}
	set_len(buf, c, c->off - start);
}

static __always_inline __u32 nsid_pgid(struct task_struct *t, int virt)
{
	struct pid *p = t->signal->pids[PIDTYPE_PGID];

	if (!p)
		return 0;
	if (virt)
		return pid_vnr(p);
	return p->numbers[0].nr;
}

#define EXECVE_NPARAMS 31
#define EXECVEAT_NPARAMS 30
#define CLONE_NPARAMS 21
#define ARGS_TMP 8192 /* argv is read into tmp[8192..16384), d_path uses tmp[0..4096) */

/*
 * One parameter of an execve/execveat/clone-family record (a bpf_loop
 * callback: each case is verified once, where a straight sequence of ~30
 * inlined writers makes the verifier explore too many paths). c->u1 holds
 * the argv area's length and c->u2 the length of argv[0] between case 1 and
 * case 2; c->fname is the filename for execve's last parameter.
 */
static long proc_param(__u64 i, void *unused)
{
	struct bctx *c = ctx_get();
	struct task_struct *t = KP(struct task_struct, bpf_get_current_task());
	__u8 *buf, *tmp = tmpbuf();
	struct mm_struct *mm;
	int clone;

	if (!c || !tmp)
		return 1;
	buf = scratch(c->cpu);
	if (!buf)
		return 1;
	clone = c->type != LNR_EVT_EXECVE && c->type != LNR_EVT_EXECVEAT;
	mm = t->mm;
	if (i >= 14 && clone)
		i += 100; /* clone's own tail: cases 114.. */
	switch (i) {
	case 0:
		put_int(buf, c, c->ret, 8); /* res */
		break;
	case 1: { /* exe: argv[0] */
		__u32 trunc = 0, alen = 0, off = c->off;
		long n;

		c->u1 = 0;
		c->u2 = 0;
		c->u3 = 0;
		if (mm)
			alen = read_user_area(tmp + ARGS_TMP, mm->arg_start, mm->arg_end, args_max,
					      &trunc);
		if (!alen || room(c, alen) < alen) {
			put_absent(buf, c);
			break;
		}
		n = bpf_probe_read_kernel_str(buf + (off & HALF_MASK), alen & 8191, tmp + ARGS_TMP);
		if (n <= 0) {
			put_absent(buf, c);
			break;
		}
		c->off = off + n;
		c->u1 = alen;
		c->u2 = n;
		c->u3 = trunc;
		set_len(buf, c, n | (n >= alen ? trunc : 0));
		break;
	}
	case 2: /* args: the rest of argv */
		if (c->u1 > c->u2)
			put_tmp(buf, c, tmp + ARGS_TMP + (c->u2 & 8191), c->u1 - c->u2, c->u3);
		else
			put_absent(buf, c);
		break;
	case 3:
		put_int(buf, c, t->pid, 8); /* tid */
		break;
	case 4:
		put_int(buf, c, t->tgid, 8); /* pid */
		break;
	case 5:
		put_int(buf, c, t->real_parent->tgid, 8); /* ptid */
		break;
	case 6: { /* cwd */
		struct path pwd;

		pwd = t->fs->pwd;
		put_dpath(buf, c, pwd.dentry, pwd.mnt);
		break;
	}
	case 7:
		put_int(buf, c, t->signal->rlim[7].rlim_cur, 8); /* fdlimit */
		break;
	case 8:
		put_int(buf, c, t->maj_flt, 8);
		break;
	case 9:
		put_int(buf, c, t->min_flt, 8);
		break;
	case 10:
		put_int(buf, c, mm ? mm->total_vm << 2 : 0, 4); /* vm_size KiB */
		break;
	case 11: { /* vm_rss KiB: file + anon + shmem pages */
		__s64 rss = 0;

		if (mm)
			rss = mm->rss_stat[0].count + mm->rss_stat[1].count + mm->rss_stat[3].count;
		put_int(buf, c, rss > 0 ? rss << 2 : 0, 4);
		break;
	}
	case 12: { /* vm_swap KiB */
		__s64 sw = mm ? mm->rss_stat[2].count : 0;

		put_int(buf, c, sw > 0 ? sw << 2 : 0, 4);
		break;
	}
	case 13:
		put_str(buf, c, &t->comm, 16, 0); /* comm */
		break;
	case 14:
	case 114:
		put_cgroups(buf, c, t);
		break;
	case 15: { /* env */
		__u32 trunc = 0, len = 0;

		if (mm)
			len = read_user_area(tmp + ARGS_TMP, mm->env_start, mm->env_end, args_max,
					     &trunc);
		if (len)
			put_tmp(buf, c, tmp + ARGS_TMP, len, trunc);
		else
			put_absent(buf, c);
		break;
	}
	case 16:
		put_int(buf, c, tty_of(t), 4);
		break;
	case 17:
		put_int(buf, c, nsid_pgid(t, 1), 8); /* vpgid */
		break;
	case 18:
		put_int(buf, c, t->loginuid.val, 4);
		break;
	case 19: { /* flags: PPM_EXE_WRITABLE, PPM_EXE_FROM_MEMFD */
		struct file *exe = mm ? mm->exe_file : NULL;
		__u32 flags = 0;

		if (exe) {
			struct inode *ino = exe->f_inode;
			__u32 mode = ino->i_mode;
			__u32 iuid = ino->i_uid.val;
			__u32 euid = t->cred->euid.val;
			char nm[6] = {};

			if ((mode & 0002) || ((mode & 0200) && iuid == euid) || euid == 0)
				flags |= 1 << 0;
			bpf_probe_read_kernel_str(nm, sizeof(nm), exe->f_path.dentry->d_name.name);
			if (nm[0] == 'm' && nm[1] == 'e' && nm[2] == 'm' && nm[3] == 'f' &&
			    nm[4] == 'd')
				flags |= 1 << 2;
		}
		put_int(buf, c, flags, 4);
		break;
	}
	case 20:
		put_int(buf, c, t->cred->cap_inheritable.val, 8);
		break;
	case 21:
		put_int(buf, c, t->cred->cap_permitted.val, 8);
		break;
	case 22:
		put_int(buf, c, t->cred->cap_effective.val, 8);
		break;
	case 23:
	case 24:
	case 25: {
		struct file *exe = mm ? mm->exe_file : NULL;
		struct inode *ino = exe ? exe->f_inode : NULL;

		if (!ino)
			put_absent(buf, c);
		else if (i == 23)
			put_int(buf, c, ino->i_ino, 8);
		else if (i == 24)
			put_int(buf, c, ino->i_ctime_sec * 1000000000ULL + ino->i_ctime_nsec, 8);
		else
			put_int(buf, c, ino->i_mtime_sec * 1000000000ULL + ino->i_mtime_nsec, 8);
		break;
	}
	case 26:
		put_int(buf, c, t->cred->euid.val, 4); /* uid */
		break;
	case 27: { /* trusted_exepath */
		struct file *exe = mm ? mm->exe_file : NULL;

		if (exe)
			put_dpath(buf, c, exe->f_path.dentry, exe->f_path.mnt);
		else
			put_absent(buf, c);
		break;
	}
	case 28:
		put_int(buf, c, nsid_pgid(t, 0), 8); /* pgid */
		break;
	case 29:
		put_int(buf, c, t->cred->egid.val, 4); /* gid */
		break;
	case 30: /* filename */
		put_str(buf, c, (const void *)c->fname, path_max, c->fname_user);
		break;
	case 115: { /* clone flags */
		__u64 flags = 0;

		if (c->type == LNR_EVT_CLONE) {
			flags = clone_flags_to_scap(c->args[0]);
		} else if (c->type == LNR_EVT_CLONE3) {
			__u64 f = 0;

			bpf_probe_read_user(&f, sizeof(f), (const void *)c->args[0]);
			flags = clone_flags_to_scap(f);
		} else if (c->type == LNR_EVT_VFORK) {
			flags = clone_flags_to_scap(0x4000 | 0x100);
		}
		if (task_vtid(t) != t->pid)
			flags |= 1 << 29; /* PPM_CL_CHILD_IN_PIDNS */
		put_int(buf, c, flags, 4);
		break;
	}
	case 116:
		put_int(buf, c, t->cred->euid.val, 4);
		break;
	case 117:
		put_int(buf, c, t->cred->egid.val, 4);
		break;
	case 118:
		put_int(buf, c, task_vtid(t), 8);
		break;
	case 119:
		put_int(buf, c, task_vtgid(t), 8);
		break;
	case 120: { /* pidns_init_start_ts */
		struct task_struct *reaper = t->nsproxy->pid_ns_for_children->child_reaper;
		__u64 st = reaper ? reaper->start_time : 0;

		put_int(buf, c, st ? st + boot_to_real_ns : 0, 8);
		break;
	}
	default:
		put_absent(buf, c);
		break;
	}
	return 0;
}

static __always_inline void emit_proc(struct bctx *c, __u16 type, __u16 nparams)
{
	__u8 *buf = rec_begin(c, type, nparams);

	if (!buf)
		return;
	bpf_loop(nparams, proc_param, NULL, 0);
	if (c->idx != nparams)
		c->err = 1;
	rec_submit(buf, c);
}

/* Failed execve/execveat (a successful one is reported by sched_process_exec). */
SEC("tp_btf/sys_exit")
int BPF_PROG(lnr_exit_execve, struct pt_regs *regs, long ret)
{
	struct bctx *c = ctx_get();
	__u16 type;

	if (!c || ret >= 0 || exit_prologue(c, regs, ret))
		return 0;
	type = lnr_sel[c->nr & (LNR_NR_SYSCALLS - 1)];
	c->fname = c->args[type == LNR_EVT_EXECVEAT ? 1 : 0];
	c->fname_user = 1;
	emit_proc(c, type, type == LNR_EVT_EXECVE ? EXECVE_NPARAMS : EXECVEAT_NPARAMS);
	return 0;
}

SEC("tp_btf/sched_process_exec")
int BPF_PROG(lnr_sched_exec, struct task_struct *p, pid_t old_pid, struct linux_binprm *bprm)
{
	struct task_struct *t = bpf_get_current_task_btf();
	struct pt_regs *regs = (struct pt_regs *)bpf_task_pt_regs(t);
	struct bctx *c = ctx_get();
	__u16 type;
	__s64 nr;

	if (!c)
		return 0;
	nr = BPF_CORE_READ(regs, orig_ax);
	if ((__u64)nr >= LNR_NR_SYSCALLS)
		return 0;
	type = lnr_sel[nr & (LNR_NR_SYSCALLS - 1)];
	if (type != LNR_EVT_EXECVE && type != LNR_EVT_EXECVEAT)
		return 0;
	if (ignored_tgid(bpf_get_current_pid_tgid() >> 32))
		return 0;
	c->nr = nr;
	c->ret = 0;
	c->fname = (__u64)BPF_CORE_READ(bprm, filename);
	c->fname_user = 0;
	emit_proc(c, type, type == LNR_EVT_EXECVE ? EXECVE_NPARAMS : EXECVEAT_NPARAMS);
	return 0;
}

SEC("tp_btf/sys_exit")
int BPF_PROG(lnr_exit_clone, struct pt_regs *regs, long ret)
{
	struct bctx *c = ctx_get();

	if (!c || exit_prologue(c, regs, ret))
		return 0;
	emit_proc(c, lnr_sel[c->nr & (LNR_NR_SYSCALLS - 1)], CLONE_NPARAMS);
	return 0;
}

/* ---- procexit's reaper_tid: who inherits the children of an exiting thread ---- */

#define PF_EXITING 0x00000004
#define LNR_REAPER_THREADS 30 /* threads of a group looked at for a live one */
#define LNR_REAPER_DEPTH 60   /* ancestors looked at for a child subreaper */

/* Kernel pointers as plain numbers (read with probe reads): list heads are
 * compared by address, which pointer registers do not allow everywhere. */
static __always_inline __u64 rd_ptr(__u64 addr)
{
	__u64 v = 0;

	bpf_probe_read_kernel(&v, sizeof(v), (const void *)addr);
	return v;
}

/* A live (not exiting) thread of task's group: its tid; 0 when there is none;
 * -1 when the group has more threads than the bound (undecided, as Falco's
 * probe: user space then works it out). */
static __always_inline __s32 alive_thread(__u64 task)
{
	__u64 sig = rd_ptr(task + bpf_core_field_offset(struct task_struct, signal));
	__u64 head = sig + bpf_core_field_offset(struct signal_struct, thread_head);
	__u64 node = bpf_core_field_offset(struct task_struct, thread_node);
	__u64 next = rd_ptr(head); /* list_head.next */

	if (!sig)
		return 0;
	for (int i = 0; i < LNR_REAPER_THREADS; i++) {
		__u64 t;
		__u32 flags = 0;
		__s32 tid = 0;

		if (!next || next == head)
			return 0;
		t = next - node;
		bpf_probe_read_kernel(
			&flags, sizeof(flags),
			(const void *)(t + bpf_core_field_offset(struct task_struct, flags)));
		if (!(flags & PF_EXITING)) {
			bpf_probe_read_kernel(
				&tid, sizeof(tid),
				(const void *)(t + bpf_core_field_offset(struct task_struct, pid)));
			return tid;
		}
		next = rd_ptr(t + node);
	}
	return -1;
}

/*
 * The kernel's reparenting (kernel/exit.c find_new_reaper): the children of an
 * exiting thread go to a live thread of its group, else to the nearest
 * ancestor in its pid namespace that is a child subreaper (with a live
 * thread), else to the namespace's init. Returns that tid (global), 0 when
 * the thread has no children or is the namespace's dying init, -1 when a
 * bound was hit. The same answer as Falco's modern probe.
 */
static __always_inline __s32 reaper_tid(struct task_struct *task)
{
	__u64 t = (__u64)bpf_get_current_task(); /* the exiting thread itself */
	__u64 children = t + bpf_core_field_offset(struct task_struct, children);
	struct task_struct *reaper, *anc;
	struct pid *pid;
	unsigned int level;
	__s32 r;

	if (rd_ptr(children) == children)
		return 0; /* no children: nobody to reparent */
	r = alive_thread(t);
	if (r)
		return r;
	pid = BPF_CORE_READ(task, thread_pid);
	level = BPF_CORE_READ(pid, level);
	reaper = BPF_CORE_READ(pid, numbers[level & 31].ns, child_reaper);
	if ((__u64)reaper == t)
		return 0; /* the namespace's init is dying: its namespace goes with it */
	if (!BPF_CORE_READ_BITFIELD_PROBED(task->signal, has_child_subreaper))
		return BPF_CORE_READ(reaper, pid);
	anc = BPF_CORE_READ(task, real_parent);
	for (int i = 0; i < LNR_REAPER_DEPTH; i++) {
		struct signal_struct *sig;

		if (!anc || anc == reaper || BPF_CORE_READ(anc, thread_pid, level) != level)
			return BPF_CORE_READ(reaper, pid);
		sig = BPF_CORE_READ(anc, signal);
		if (BPF_CORE_READ_BITFIELD_PROBED(sig, is_child_subreaper)) {
			r = alive_thread((__u64)anc);
			if (r)
				return r;
		}
		anc = BPF_CORE_READ(anc, real_parent);
	}
	return -1;
}

SEC("tp_btf/sched_process_exit")
int BPF_PROG(lnr_sched_exit, struct task_struct *p)
{
	struct bctx *c = ctx_get();
	__s32 code;
	__u8 *buf;

	if (!c || !lnr_sel_procexit)
		return 0;
	if (ignored_tgid(bpf_get_current_pid_tgid() >> 32))
		return 0;
	buf = rec_begin(c, LNR_EVT_PROCEXIT, 5);
	if (!buf)
		return 0;
	code = BPF_CORE_READ(p, exit_code);
	put_int(buf, c, code, 8);		   /* status */
	put_int(buf, c, (code >> 8) & 0xff, 8);	   /* ret */
	put_int(buf, c, code & 0x7f, 1);	   /* sig */
	put_int(buf, c, (code & 0x80) ? 1 : 0, 1); /* core */
	put_int(buf, c, reaper_tid(p), 8);	   /* reaper_tid */
	rec_submit(buf, c);
	return 0;
}

/* ---- entry: stash what may change before exit ---- */

/* Stash what syscall id (LNR_ENTER_* how) needs from its arguments a0..a2. */
static __always_inline int stash_enter(long id, __u8 how, __u64 a0, __u64 a1, __u64 a2)
{
	struct lnr_stash *st;
	__u64 p;

	if (skip_tgid(bpf_get_current_pid_tgid() >> 32))
		return 0;
	if (how == LNR_ENTER_SOCKADDR_ARG1) {
		st = bpf_task_storage_get(&lnr_stash_map, bpf_get_current_task_btf(), 0,
					  BPF_LOCAL_STORAGE_GET_F_CREATE);
	} else {
		struct task_struct *t = bpf_get_current_task_btf();
		__u32 zero = 0;

		st = bpf_map_lookup_elem(&lnr_path_stash, &zero);
		if (st) {
			st->task = (__u64)t;
			st->csw = task_csw(t);
		}
	}
	if (!st)
		return 0;
	st->nr = -1;
	st->trunc = 0;
	st->len = 0;
	if (how == LNR_ENTER_SOCKADDR_ARG1) {
		__u64 len = a2;

		p = a1;
		if (len > 128)
			len = 128;
		if (!p || len < 2 || bpf_probe_read_user(st->data, len & 255, (const void *)p))
			return 0;
		st->len = len;
	} else {
		long n;

		p = how == LNR_ENTER_PATH_ARG0 ? a0 : a1;
		if (!p)
			return 0;
		n = bpf_probe_read_user_str(st->data,
					    path_max <= LNR_STASH_MAX ? path_max : LNR_STASH_MAX,
					    (const void *)p);
		if (n <= 0)
			return 0;
		if ((__u32)n == (path_max <= LNR_STASH_MAX ? path_max : LNR_STASH_MAX)) {
			char next = 0;

			bpf_probe_read_user(&next, 1, (const char *)p + n - 1);
			if (next) {
				if (path_max > LNR_STASH_MAX)
					return 0; /* longer than the stash: read at exit */
				st->trunc = PARAM_TRUNC;
			}
		}
		st->len = n;
	}
	st->nr = id;
	return 0;
}

/* Entry for every syscall (the fallback when the per-syscall tracepoints
 * below cannot be attached): one program run per syscall. */
SEC("tp_btf/sys_enter")
int BPF_PROG(lnr_sys_enter, struct pt_regs *regs, long id)
{
	__u8 how;

	if ((__u64)id >= LNR_NR_SYSCALLS)
		return 0;
	how = lnr_sel_enter[id & (LNR_NR_SYSCALLS - 1)];
	if (!how)
		return 0;
	return stash_enter(id, how, regs->di, regs->si, regs->dx);
}

/* Entry of the few syscalls that need it (syscalls/sys_enter_<name>, one
 * attachment each): the kernel's syscall-event code tests a bitmap of enabled
 * syscalls in C, so the others run no program at entry at all. The record of
 * such an event is the trace header, the syscall number as an int, then only
 * the syscall's own arguments: the kernel refuses a program that reads past
 * them (creat has two), hence one program for paths (arguments 0-1) and one
 * for connect (0-2). */
struct lnr_sc_enter {
	__u64 ent; /* struct trace_entry */
	__s32 nr;
	__u32 pad;
	__u64 args[6];
};

SEC("tracepoint")
int lnr_sys_enter_tp(struct lnr_sc_enter *ctx)
{
	long id = ctx->nr;
	__u8 how;

	if ((__u64)id >= LNR_NR_SYSCALLS)
		return 0;
	how = lnr_sel_enter[id & (LNR_NR_SYSCALLS - 1)];
	if (!how || how == LNR_ENTER_SOCKADDR_ARG1)
		return 0;
	return stash_enter(id, how, ctx->args[0], ctx->args[1], 0);
}

SEC("tracepoint")
int lnr_sys_enter_tp_sock(struct lnr_sc_enter *ctx)
{
	long id = ctx->nr;
	__u8 how;

	if ((__u64)id >= LNR_NR_SYSCALLS)
		return 0;
	how = lnr_sel_enter[id & (LNR_NR_SYSCALLS - 1)];
	if (how != LNR_ENTER_SOCKADDR_ARG1)
		return 0;
	return stash_enter(id, how, ctx->args[0], ctx->args[1], ctx->args[2]);
}

/* ---- the dispatcher ---- */

SEC("tp_btf/sys_exit")
int BPF_PROG(lnr_sys_exit, struct pt_regs *regs, long ret)
{
	__u64 nr = regs->orig_ax;

	if (nr >= LNR_NR_SYSCALLS || !lnr_sel[nr])
		return 0;
	if (ignored_tgid(bpf_get_current_pid_tgid() >> 32))
		return 0;
	bpf_tail_call(ctx, &lnr_exit_progs, nr);
	return 0;
}

/* The floor for the benchmark: attached the same way, does nothing. */
SEC("tp_btf/sys_exit")
int BPF_PROG(lnr_noop, struct pt_regs *regs, long ret)
{
	return 0;
}
