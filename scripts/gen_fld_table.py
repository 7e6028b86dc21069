#!/usr/bin/env python3
"""Generate evaluator/fld_table.h (the field catalogue X-macro list).

Reads ../shared/conformance/libsinsp_fields.json (names, types, flags of the libs
field catalogue) and adds the fields of Falco's container plugin, which the
official rules need and which Lanner provides itself. Descriptions are ours.
Usage: scripts/gen_fld_table.py [CONFORMANCE_DIR] > evaluator/fld_table.h
"""
import json
import re
import sys

conf = sys.argv[1] if len(sys.argv) > 1 else "../shared/conformance"
libs = json.load(open(conf + "/libsinsp_fields.json"))

# Short descriptions written for Lanner (the fields the official rules use first).
DESC = {
    "evt.type": "event type name (e.g. open, execve)",
    "evt.dir": "event direction: '>' enter, '<' exit (deprecated)",
    "evt.num": "event sequence number",
    "evt.time": "event timestamp as a string",
    "evt.rawtime": "event timestamp, ns since the epoch",
    "evt.cpu": "CPU the event was captured on",
    "evt.args": "all event arguments as one string",
    "evt.arg": "one event argument, by name (evt.arg.NAME) or index (evt.arg[N]), as a string",
    "evt.rawarg": "one event argument by name, in its native type",
    "evt.res": "event result: SUCCESS or the errno name",
    "evt.rawres": "event return value as a number",
    "evt.failed": "true if the event returned an error",
    "evt.buffer": "the data buffer of I/O events",
    "evt.buflen": "length of the data buffer of I/O events",
    "evt.is_open_read": "true for an open that requests read access",
    "evt.is_open_write": "true for an open that requests write access",
    "evt.is_open_exec": "true for an open that creates an executable file",
    "evt.source": "event source (syscall)",
    "evt.category": "event category (file, net, process, ...)",
    "evt.abspath": "absolute path computed from a dirfd and a relative path argument",
    "proc.name": "process name (comm, truncated to 16 chars by the kernel)",
    "proc.exe": "first command-line argument (argv[0])",
    "proc.exepath": "full path of the executable",
    "proc.pexe": "argv[0] of the parent process",
    "proc.pexepath": "executable path of the parent process",
    "proc.args": "command-line arguments (without the name)",
    "proc.cmdline": "process name and arguments",
    "proc.pcmdline": "command line of the parent process",
    "proc.pname": "name of the parent process",
    "proc.aname": "name of an ancestor: proc.aname[N] (0 = self, 1 = parent), or any ancestor without argument",
    "proc.aexe": "argv[0] of an ancestor (see proc.aname)",
    "proc.aexepath": "executable path of an ancestor (see proc.aname)",
    "proc.apid": "pid of an ancestor (see proc.aname)",
    "proc.pid": "process id",
    "proc.ppid": "parent process id",
    "proc.vpid": "process id inside its pid namespace",
    "proc.sname": "name of the session leader",
    "proc.tty": "controlling terminal number (0 = none)",
    "proc.cwd": "current working directory",
    "proc.env": "environment: all variables, or proc.env[NAME] for one",
    "proc.duration": "ns since the process started",
    "proc.is_exe_upper_layer": "true if the executable lives in an overlayfs upper layer",
    "proc.is_exe_from_memfd": "true if the executable is a memfd",
    "proc.is_vpgid_leader": "true if the process leads its process group (in its pid namespace)",
    "proc.exe_ino.ctime": "ctime of the executable's inode",
    "proc.exe_ino.mtime": "mtime of the executable's inode",
    "proc.exe_ino.ctime_duration_proc_start": "ns between the executable's ctime and the process start",
    "thread.cap_permitted": "permitted capabilities",
    "thread.cap_effective": "effective capabilities",
    "thread.cap_inheritable": "inheritable capabilities",
    "thread.tid": "thread id",
    "fd.num": "file descriptor number",
    "fd.type": "fd type: file, directory, ipv4, ipv6, unix, pipe, event, signalfd, ...",
    "fd.typechar": "fd type as one char (f, 4, 6, u, p, ...)",
    "fd.name": "fd name: file path or connection tuple",
    "fd.nameraw": "fd name as given by the syscall, not normalized",
    "fd.directory": "directory of a file fd",
    "fd.filename": "base name of a file fd",
    "fd.name_changed": "true if the fd name changed (e.g. rename)",
    "fd.connected": "true if the socket is connected",
    "fd.l4proto": "layer-4 protocol: tcp, udp, icmp, raw",
    "fd.sockfamily": "socket family: ip or unix",
    "fd.ip": "client or server IP (filter only)",
    "fd.cip": "client IP",
    "fd.sip": "server IP",
    "fd.lip": "local IP",
    "fd.rip": "remote IP",
    "fd.port": "client or server port (filter only)",
    "fd.cport": "client port",
    "fd.sport": "server port",
    "fd.lport": "local port",
    "fd.rport": "remote port",
    "fd.net": "client or server network (CIDR, filter only)",
    "fd.cnet": "client network (CIDR, filter only)",
    "fd.snet": "server network (CIDR, filter only)",
    "fd.lnet": "local network (CIDR, filter only)",
    "fd.rnet": "remote network (CIDR, filter only)",
    "fd.cip.name": "client domain name",
    "fd.sip.name": "server domain name",
    "fd.lip.name": "local domain name",
    "fd.rip.name": "remote domain name",
    "user.uid": "user id",
    "user.name": "user name",
    "user.loginuid": "audit login uid (-1 if unset)",
    "user.loginname": "name of the login user",
    "group.gid": "group id",
    "group.name": "group name",
}

CLASS = {
    "sinsp_filtercheck_event.cpp": "event",
    "sinsp_filtercheck_gen_event.cpp": "event",
    "sinsp_filtercheck_thread.cpp": "process/thread",
    "sinsp_filtercheck_fd.cpp": "file descriptor",
    "sinsp_filtercheck_fdlist.cpp": "fd list (poll)",
    "sinsp_filtercheck_fspath.cpp": "filesystem path",
    "sinsp_filtercheck_user.cpp": "user",
    "sinsp_filtercheck_group.cpp": "group",
    "sinsp_filtercheck_utils.cpp": "utility",
}

# Container plugin fields (plugins/container README): name, type, flags.
CONTAINER = [
    ("container.id", "PT_CHARBUF", "", "container id (12 chars); 'host' outside containers"),
    ("container.full_id", "PT_CHARBUF", "", "full container id"),
    ("container.name", "PT_CHARBUF", "", "container name"),
    ("container.image", "PT_CHARBUF", "", "container image name"),
    ("container.image.id", "PT_CHARBUF", "", "container image id"),
    ("container.type", "PT_CHARBUF", "", "container runtime (docker, cri-o, containerd, podman, ...)"),
    ("container.privileged", "PT_BOOL", "", "true for a privileged container"),
    ("container.mounts", "PT_CHARBUF", "", "all mounts: source:dest:mode:rdwr:propagation, comma separated"),
    ("container.mount", "PT_CHARBUF", "EPF_ARG_REQUIRED", "one mount, by index or destination glob"),
    ("container.mount.source", "PT_CHARBUF", "EPF_ARG_REQUIRED", "mount source, by index or destination glob"),
    ("container.mount.dest", "PT_CHARBUF", "EPF_ARG_REQUIRED", "mount destination, by index or source glob"),
    ("container.mount.mode", "PT_CHARBUF", "EPF_ARG_REQUIRED", "mount mode, by index or source glob"),
    ("container.mount.rdwr", "PT_CHARBUF", "EPF_ARG_REQUIRED", "mount read/write flag, by index or source glob"),
    ("container.mount.propagation", "PT_CHARBUF", "EPF_ARG_REQUIRED", "mount propagation, by index or source glob"),
    ("container.image.repository", "PT_CHARBUF", "", "image repository"),
    ("container.image.tag", "PT_CHARBUF", "", "image tag"),
    ("container.image.digest", "PT_CHARBUF", "", "image digest"),
    ("container.healthcheck", "PT_CHARBUF", "", "health check command"),
    ("container.liveness_probe", "PT_CHARBUF", "", "liveness probe command"),
    ("container.readiness_probe", "PT_CHARBUF", "", "readiness probe command"),
    ("container.start_ts", "PT_ABSTIME", "", "container start time, ns since the epoch"),
    ("container.duration", "PT_RELTIME", "", "ns since the container started"),
    ("container.ip", "PT_CHARBUF", "", "container IP address"),
    ("container.cni.json", "PT_CHARBUF", "", "CNI result as JSON"),
    ("container.host_pid", "PT_BOOL", "", "true if the container shares the host pid namespace"),
    ("container.host_network", "PT_BOOL", "", "true if the container shares the host network namespace"),
    ("container.host_ipc", "PT_BOOL", "", "true if the container shares the host IPC namespace"),
    ("container.label", "PT_CHARBUF", "EPF_ARG_REQUIRED", "container label, by key"),
    ("container.labels", "PT_CHARBUF", "", "all container labels, key:value comma separated"),
    ("k8s.pod.name", "PT_CHARBUF", "", "Kubernetes pod name"),
    ("k8s.ns.name", "PT_CHARBUF", "", "Kubernetes namespace name"),
    ("k8s.pod.id", "PT_CHARBUF", "", "Kubernetes pod UID (legacy name)"),
    ("k8s.pod.uid", "PT_CHARBUF", "", "Kubernetes pod UID"),
    ("k8s.pod.sandbox_id", "PT_CHARBUF", "", "pod sandbox id (12 chars)"),
    ("k8s.pod.full_sandbox_id", "PT_CHARBUF", "", "full pod sandbox id"),
    ("k8s.pod.label", "PT_CHARBUF", "EPF_ARG_REQUIRED", "Kubernetes pod label, by key"),
    ("k8s.pod.labels", "PT_CHARBUF", "", "all Kubernetes pod labels"),
    ("k8s.pod.ip", "PT_CHARBUF", "", "Kubernetes pod IP"),
    ("k8s.pod.cni.json", "PT_CHARBUF", "", "pod CNI result as JSON"),
]

ARG_INDEX = {"proc.aname", "proc.aexe", "proc.aexepath", "proc.apid", "proc.acmdline",
             "proc.aenv", "proc.aargs", "proc.args", "evt.arg", "container.mount",
             "container.mount.source", "container.mount.dest", "container.mount.mode",
             "container.mount.rdwr", "container.mount.propagation"}
ARG_KEY = {"proc.env", "proc.aenv", "evt.arg", "evt.rawarg", "evt.type.is", "evt.abspath",
           "thread.cgroup", "container.label", "k8s.pod.label", "container.mount",
           "container.mount.source", "container.mount.dest", "container.mount.mode",
           "container.mount.rdwr", "container.mount.propagation"}

FLAGMAP = {
    "EPF_NONE": None, "EPF_FILTER_ONLY": "FLD_F_FILTER_ONLY", "EPF_PRINT_ONLY": "FLD_F_PRINT_ONLY",
    "EPF_ARG_REQUIRED": "FLD_F_ARG_REQUIRED", "EPF_ARG_ALLOWED": "FLD_F_ARG_ALLOWED",
    "EPF_TABLE_ONLY": "FLD_F_TABLE_ONLY", "EPF_NO_RHS": "FLD_F_NO_RHS",
    "EPF_NO_TRANSFORMER": "FLD_F_NO_TRANSFORMER", "EPF_DEPRECATED": "FLD_F_DEPRECATED",
    "EPF_IS_LIST": "FLD_F_LIST", "EPF_NO_PTR_STABILITY": None,
}


def ident(name):
    return re.sub(r"[^A-Za-z0-9]", "_", name).upper()


def flags(s, name):
    out = []
    for f in s.split("|"):
        f = f.strip()
        if not f:
            continue
        m = FLAGMAP.get(f, "?")
        if m == "?":
            raise SystemExit("unknown flag " + f)
        if m:
            out.append(m)
    # Ancestor fields without argument match any ancestor (several values).
    if name in ("proc.aname", "proc.aexe", "proc.aexepath", "proc.apid", "proc.acmdline", "proc.aenv"):
        out.append("FLD_F_ANCESTOR")
    # Argument forms (libsinsp's EPF_ARG_INDEX / EPF_ARG_KEY, which the conformance
    # field list does not carry): a number, a name/key, or both.
    if name in ARG_INDEX:
        out.append("FLD_F_ARG_INDEX")
    if name in ARG_KEY:
        out.append("FLD_F_ARG_KEY")
    # Client-or-server fields: == matches either side, != neither.
    if name in ("fd.ip", "fd.port", "fd.proto", "fd.net"):
        out.append("FLD_F_EITHER")
    return "|".join(out) if out else "0"


rows = []
for name, v in libs.items():
    d = DESC.get(name) or "%s field %s" % (CLASS.get(v["src"], "libsinsp"), name)
    rows.append((name, v["type"], flags(v["flags"], name), d))
for name, t, f, d in CONTAINER:
    rows.append((name, t, flags(f, name), d))

print("/* fld_table.h: the field catalogue as an X-macro list (generated by scripts/gen_fld_table.py). */")
print("/* X(ID, \"name\", PT type, flags, \"description\"); names, types, flags: libs @48dfd53c and the")
print(" * container plugin; the order is the enum order (append only). */")
print("/* One field per line, however long: */")
print("/* clang-format off */")
print("#define FLD_TABLE(X) \\")
for i, (name, t, f, d) in enumerate(rows):
    cont = " \\" if i + 1 < len(rows) else ""
    print('\tX(%s, "%s", LNR_%s, %s, "%s")%s' % (ident(name), name, t, f, d.replace('"', '\\"'), cont))
print("/* clang-format on */")
