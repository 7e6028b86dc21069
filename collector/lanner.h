/* lanner.h: what the collector's BPF programs and its user space share (limits, maps, specs). */
#ifndef LANNER_COLLECTOR_BPF_H
#define LANNER_COLLECTOR_BPF_H

/*
 * Included by lanner.bpf.c (after vmlinux.h, which gives the __u types) and
 * by user space (after <linux/types.h>). No libc here.
 *
 * The records the programs write are common/event.h records, byte for byte;
 * struct lnr_bpf_hdr mirrors struct lnr_evt_hdr (checked by a static assert
 * in collector.c) because the BPF side cannot include <stdint.h>.
 */

/* Syscall numbers the selection and program tables cover (x86_64: < 470). */
#define LNR_NR_SYSCALLS 512
/* Event types the spec table covers (enum lnr_evt_type fits). */
#define LNR_NR_TYPES 128
/* Parameters a generic spec describes (the generic filler's loop bound). */
#define LNR_SPEC_MAX_PARAMS 12

/* Per-CPU scratch area where a record is built before it is copied into the
 * BPF ring buffer (bytes). Offsets into it are masked with LNR_SCRATCH_HALF-1
 * so that every write of at most LNR_SCRATCH_HALF bytes stays inside. */
#define LNR_SCRATCH_SIZE (1u << 17)
#define LNR_SCRATCH_HALF (1u << 16)
/* Largest record the programs emit (bytes, header included). */
#define LNR_REC_MAX (LNR_SCRATCH_HALF - 1)
/* Hard upper bounds of the run-time limits (bytes, NUL included). */
#define LNR_PATH_MAX 4096u
#define LNR_ARGS_MAX 16384u
#define LNR_SNAPLEN_MAX 65000u
/* Bytes kept per thread for arguments read at syscall entry (a path with its
 * NUL, or a sockaddr). Longer paths are read at exit instead. The stash is
 * allocated once per thread that opens a file (perf showed its allocation at
 * ~4% of an exec loop with 4 KiB), so it is kept small. */
#define LNR_STASH_MAX 512
/* Path components the in-kernel d_path walk follows before it gives up
 * (the path is then flagged truncated). */
#define LNR_DPATH_DEPTH 32

/* Processes of the pipeline the kernel side filters out. */
#define LNR_MAX_IGNORE 32

#define LNR_EVT_HDR_SIZE 40u

struct lnr_bpf_hdr {
	__u64 ts;
	__s64 tid;
	__s64 pid;
	__u32 len;
	__u16 type;
	__u16 nparams;
	__u16 cpu;
	__u16 flags;
	__u32 reserved;
};

/* Why the kernel side lost an event (index into lnr_cpu_stats.drops). */
enum lnr_drop_cause {
	LNR_DROP_BUF_FULL = 0, /* bpf_ringbuf_output failed: the BPF ring buffer is full */
	LNR_DROP_NO_RING,      /* no ring buffer for this CPU (setup error) */
	LNR_DROP_NO_SCRATCH,   /* no scratch area (setup error) */
	LNR_DROP_TOO_BIG,      /* record larger than LNR_REC_MAX */
	LNR_DROP_CAUSES
};

/* Falco's categories of buffer-full drops (scap_stats n_drops_buffer_*_exit),
 * index into lnr_cpu_stats.drops_cat; the kernel side maps each event type to
 * one through the read-only table drop_cat[] that user space fills at load. */
enum lnr_drop_cat {
	LNR_DCAT_CLONE_FORK = 0,
	LNR_DCAT_EXECVE,
	LNR_DCAT_CONNECT,
	LNR_DCAT_OPEN,
	LNR_DCAT_DIR_FILE,
	LNR_DCAT_OTHER_INTEREST,
	LNR_DCAT_CLOSE,
	LNR_DCAT_PROC_EXIT,
	LNR_DROP_CATS,
	LNR_DCAT_NONE = 0xff
};

/* Counters, one set per CPU (per-CPU array, key 0). Monotonic. */
struct lnr_cpu_stats {
	__u64 events; /* records written into a BPF ring buffer */
	__u64 drops[LNR_DROP_CAUSES];
	__u64 read_faults; /* parameters left absent because a memory read failed */
	__u64 truncated;   /* parameters cut at a limit (LNR_PARAM_TRUNC set) */
	__u64 stash_miss;  /* exits that read their arguments again (no stash, or too long) */
	__u64 ignored;	   /* selected syscalls skipped because the tgid is the pipeline's */
	__u64 drops_cat[LNR_DROP_CATS]; /* drops[LNR_DROP_BUF_FULL] by Falco's category */
};

/*
 * Generic parameter spec: how the generic exit filler produces parameter i
 * of an event type. kind says where the value comes from; src names a
 * syscall argument (0-5) or the return value; size is the parameter's
 * fixed size for integers; xf converts flag values into libscap's encoding.
 */
enum lnr_pkind {
	LNR_PK_ABSENT = 0,     /* length 0 */
	LNR_PK_INT,	       /* integer from src, size bytes, converted by xf */
	LNR_PK_USTR,	       /* NUL-terminated user string at src, path limit */
	LNR_PK_STASH_STR,      /* string read at entry (fallback: LNR_PK_USTR of src) */
	LNR_PK_UBUF,	       /* user bytes at src, length from aux (source), snaplen limit */
	LNR_PK_SOCKADDR,       /* user sockaddr at src, length in argument aux */
	LNR_PK_STASH_SOCKADDR, /* sockaddr read at entry (fallback: LNR_PK_SOCKADDR) */
	LNR_PK_TUPLE,	       /* socket tuple of fd src; aux: LNR_TUPLE_* */
	LNR_PK_FD_DEV,	       /* st_dev of the file behind fd src (libscap encoding) */
	LNR_PK_FD_INO,	       /* inode number of the file behind fd src */
	LNR_PK_UINT_ARR,       /* int aux of the user int array at src (pipe fds), when ret == 0 */
	LNR_PK_UINT_ARR_INO,   /* inode of the fd at int aux of the user array at src */
	LNR_PK_UINT_ARR_SOCK,  /* socket pointer (aux 0) or peer's (aux 1) of fd array[0] */
	LNR_PK_QUEUE,	       /* listen queue of fd arg0: aux 0 pct, 1 len, 2 max */
	LNR_PK_CAP,	       /* capabilities after the call: aux 0 inh, 1 perm, 2 eff */
	LNR_PK_PRCTL_STR,      /* prctl arg2 as a string when the option takes one */
	LNR_PK_PRCTL_INT,      /* prctl arg2 as an integer otherwise */
	LNR_PK_DYN_U64,	       /* PT_DYN with index 0: u8 0 then u64 from src */
	LNR_PK_MSG_DATA,       /* data of the msghdr at src (iovecs), length ret, snaplen */
	LNR_PK_MSG_SIZE,       /* total length of the msghdr's iovecs */
	LNR_PK_OPENHOW,	       /* field aux of the user struct open_how at src (u64) */
	LNR_PK_CREAT_FLAGS,    /* PPM_O_F_CREATED when the fd at src was created by the call */
	LNR_PK_KIND_MAX
};

/* Sources. */
#define LNR_SRC_RET 6
#define LNR_SRC_ZERO 7

/* Tuple directions and where the remote address comes from. */
#define LNR_TUPLE_OUT 0x1	/* source = local end (connect, send) */
#define LNR_TUPLE_IN 0x2	/* source = remote end (accept, recv) */
#define LNR_TUPLE_STASH 0x4	/* remote from the sockaddr stashed at entry */
#define LNR_TUPLE_ARG1_ADDR 0x8 /* remote from sockaddr arg4 (len arg5) if given */
#define LNR_TUPLE_MSGNAME 0x10	/* remote from msghdr(arg1)->msg_name if given */
#define LNR_TUPLE_RET_FD 0x20	/* the fd is the return value (accept) */

/* Value conversions into libscap's encodings. */
enum lnr_xform {
	LNR_XF_NONE = 0,
	LNR_XF_OPEN_FLAGS,  /* O_* -> PPM_O_* (O_RDONLY implied, F_CREATED from ret fd) */
	LNR_XF_FD_FLAGS,    /* O_CLOEXEC/O_NONBLOCK/... -> PPM_O_* (nothing implied) */
	LNR_XF_OPEN_MODE,   /* mode kept only when flags in argument aux create a file */
	LNR_XF_MODE,	    /* mode & 07777 */
	LNR_XF_CLONE_FLAGS, /* CLONE_* -> PPM_CL_* */
	LNR_XF_FCNTL_CMD,   /* F_* -> PPM_FCNTL_* */
	LNR_XF_PTRACE_REQ,  /* PTRACE_* -> PPM_PTRACE_* */
	LNR_XF_MOUNT_FLAGS, /* MS_* with the magic value stripped */
};

struct lnr_pspec {
	__u8 kind;
	__u8 src;
	__u8 size;
	__u8 xf;
	__u8 aux;
	__u8 pad[3]; /* pad[0]: the argument is a C int, sign-extend its low 32 bits */
};

struct lnr_evt_spec {
	__u16 type; /* enum lnr_evt_type */
	__u16 nparams;
	__u32 pad;
	struct lnr_pspec p[LNR_SPEC_MAX_PARAMS];
};

/* What sys_enter stashes for a syscall (lnr_sel_enter[nr]). */
#define LNR_ENTER_PATH_ARG0 1
#define LNR_ENTER_PATH_ARG1 2
#define LNR_ENTER_SOCKADDR_ARG1 3

#endif
