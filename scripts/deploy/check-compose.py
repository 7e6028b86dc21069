#!/usr/bin/env python3
"""check-compose.py COMPOSE_DIR [FALCO_COMPOSE [FALCO_HTTP_OUTPUT_YML LANNER_YAML]]: the deployment policy of the compose
stack, on `docker-compose config` output (anchors and .env resolved, all profiles):
least privilege per stage (design.md), shared IPC, volumes, healthchecks, ports on
127.0.0.1 only, pinned images, Redis password/memory/eviction, and the host mounts
of Falco's own compose stack (read in place from the conformance reference)."""
import re
import shlex
import subprocess
import sys

import yaml

CAPS = {
    "collector": {"BPF", "PERFMON", "SYS_RESOURCE"},
    "enricher": {"SYS_PTRACE", "DAC_READ_SEARCH"},
}
STAGES = ["collector", "enricher", "evaluator", "emitter", "ui", "replay"]
# The stages with their own /healthz (--health-listen, from LANNER_HEALTH_LISTEN).
HEALTH_STAGES = ["collector", "enricher", "evaluator", "emitter"]


def arg_value(args, flag):
    """The last value of FLAG in args (`FLAG V` or `FLAG=V`), as getopt_long takes it."""
    val = None
    for i, a in enumerate(args):
        if a == flag and i + 1 < len(args):
            val = args[i + 1]
        elif a.startswith(flag + "="):
            val = a[len(flag) + 1:]
    return val


def split_hostport(v):
    """'ADDR:PORT' or '[V6]:PORT' -> (addr, port) or None."""
    m = re.fullmatch(r"\[([0-9A-Fa-f:.]+)\]:(\d+)|([0-9.]+):(\d+)", v or "")
    if not m:
        return None
    return (m.group(1) or m.group(3), int(m.group(2) or m.group(4)))


def check_health(name, svc, err):
    """The healthcheck must ask the port the service's command listens on: the stages'
    --health-listen (which lanner-stage derives from LANNER_HEALTH_LISTEN, and a flag in
    the command overrides) or lanner-ui's --listen."""
    cmd = [str(a) for a in (svc.get("command") or [])]
    env = svc.get("environment") or {}
    stage = cmd[0] if cmd else ""
    test = [str(t) for t in ((svc.get("healthcheck") or {}).get("test") or [])]
    if test[:1] == ["CMD-SHELL"]:
        test = ["CMD"] + shlex.split(test[1] if len(test) > 1 else "")
    if stage in HEALTH_STAGES:
        env_listen = env.get("LANNER_HEALTH_LISTEN")
        listen = arg_value(cmd[1:], "--health-listen") or env_listen
        want_path = "/healthz"
        if not listen:
            err(name, "no LANNER_HEALTH_LISTEN: the stage serves no /healthz to probe")
            return
    elif stage == "ui":
        listen = arg_value(cmd[1:], "--listen") or "127.0.0.1:2802"
        env_listen = None
        want_path = "/api/v1/healthz"
    else:
        return
    hp = split_hostport(listen)
    if not hp:
        err(name, f"listen address {listen!r} is not ADDR:PORT")
        return
    if test[1:] == ["lanner-stage", "health", stage] and stage in HEALTH_STAGES:
        # lanner-stage health asks LANNER_HEALTH_LISTEN, not a flag given in the command
        probe = split_hostport(env_listen)
        if probe != hp:
            err(name, f"healthcheck asks {env_listen} (LANNER_HEALTH_LISTEN) but the command "
                f"listens on {listen}")
        return
    url = next((t for t in test if t.startswith("http://")), None)
    m = re.fullmatch(r"http://(\[[^]]+\]|[^/:]+):(\d+)(/[^?]*)?", url or "")
    if not m:
        err(name, f"healthcheck {test} neither `lanner-stage health {stage}` nor an http URL "
            f"on its listen port")
        return
    host, port, path = m.group(1).strip("[]"), int(m.group(2)), m.group(3) or "/"
    if port != hp[1]:
        err(name, f"healthcheck asks port {port} but the command listens on {listen}")
    if path != want_path:
        err(name, f"healthcheck path {path}, want {want_path}")
    loop = {"127.0.0.1", "localhost", "::1"}
    if hp[0] not in ("0.0.0.0", "::") and not (hp[0] in loop and host in loop) and host != hp[0]:
        err(name, f"healthcheck asks {host} but the command listens on {hp[0]} only")


def main():
    cdir = sys.argv[1]
    out = subprocess.run(["docker-compose", "--profile", "sidekick", "--profile", "replay",
                          "config"], cwd=cdir, check=True, capture_output=True, text=True)
    cfg = yaml.safe_load(out.stdout)
    svcs = cfg["services"]
    errs = []

    def err(s, msg):
        errs.append(f"{s}: {msg}")

    for need in STAGES + ["ipc", "redis", "falcosidekick"]:
        if need not in svcs:
            err(need, "service missing")
    for name, s in svcs.items():
        if s.get("privileged"):
            err(name, "privileged")
        if s.get("network_mode") == "host":
            err(name, "host network")
        hc = s.get("healthcheck", {})
        if not hc.get("test") or hc.get("disable"):
            err(name, "no healthcheck")
        else:
            check_health(name, s, err)
        img = s.get("image", "")
        tag = img.rsplit(":", 1)[1] if ":" in img.rsplit("/", 1)[-1] else ""
        if "@sha256:" not in img and (not tag or tag == "latest"):
            err(name, f"image '{img}' not pinned")
        for p in s.get("ports", []):
            ip = p.get("host_ip") if isinstance(p, dict) else str(p).split(":")[0]
            if ip != "127.0.0.1":
                err(name, f"port {p} not bound to 127.0.0.1")
        if [c.upper() for c in s.get("cap_drop", [])] != ["ALL"]:
            err(name, "cap_drop is not [ALL]")
        caps = {c.upper() for c in s.get("cap_add", [])}
        want = CAPS.get(name, set())
        if caps != want:
            err(name, f"cap_add {sorted(caps)}, design.md says {sorted(want)}")
        nnp = "no-new-privileges:true" in s.get("security_opt", [])
        # file capabilities (collector, enricher) need no-new-privileges off
        if name in CAPS and nnp:
            err(name, "no-new-privileges would void its file capabilities")
        if name not in CAPS and not nnp:
            err(name, "no no-new-privileges")
    for name in STAGES + ["ipc"]:
        s = svcs.get(name, {})
        if str(s.get("user", "")) != "10001:10001":
            err(name, f"user {s.get('user')!r}, want 10001:10001 (the image's lanner)")
        if name != "ipc" and s.get("ipc") != "service:ipc":
            err(name, f"ipc {s.get('ipc')!r}, want service:ipc")
        if not s.get("read_only"):
            err(name, "root filesystem not read-only")
        if name != "ipc" and "ipc" not in (s.get("depends_on") or {}):
            err(name, "does not depend on ipc (its IPC namespace owner)")
    if svcs.get("ipc", {}).get("ipc") != "shareable":
        err("ipc", "ipc is not shareable")

    def vols(name):
        out = set()
        for v in svcs[name].get("volumes", []):
            if isinstance(v, dict):
                out.add((v["source"], v["target"], bool(v.get("read_only"))))
            else:
                src, dst, *mode = v.split(":")
                out.add((src, dst, "ro" in mode))
        return out

    def targets(name):
        return {v[1] for v in vols(name)}

    for name in ("enricher", "evaluator", "emitter"):
        if "/run/lanner" not in targets(name):
            err(name, "no shared run volume at /run/lanner (nng sockets, index locks)")
    if "/var/lib/lanner/spool" not in targets("emitter"):
        err("emitter", "no spool volume")
    if svcs["enricher"].get("pid") != "host":
        err("enricher", "needs the host pid namespace (the collector reports host pids)")
    if len(sys.argv) > 2:
        falco = yaml.safe_load(open(sys.argv[2]))["services"]["falco"]
        have = vols("enricher")
        for v in falco["volumes"]:
            src, dst, *mode = v.split(":")
            if src.startswith("./"):
                continue  # Falco's own config file
            if not any(h[0] == src and h[1] == dst and h[2] == ("ro" in mode) for h in have):
                err("enricher", f"does not mount {v} as Falco's compose stack does")
    if len(sys.argv) > 3:
        # Falco's demo stack sets these for falcosidekick; Lanner's default config must too.
        ref = yaml.safe_load(open(sys.argv[3]))
        mine = yaml.safe_load(open(sys.argv[4]))
        for k in ("json_output", "json_include_output_property"):
            if mine.get(k) != ref.get(k):
                err("config", f"{k} is {mine.get(k)!r}, Falco's http_output stack uses {ref.get(k)!r}")
        if "url" not in (mine.get("http_output") or {}):
            err("config", "http_output.url not set")
    for name, sv in svcs.items():
        has = "REDIS_PASSWORD" in (sv.get("environment") or {})
        if has != (name in ("emitter", "ui", "redis")):
            err(name, "REDIS_PASSWORD must reach exactly emitter, ui and redis")
    cmd = " ".join(svcs["redis"].get("command", []))
    for opt in ("--requirepass", "--maxmemory ", "--maxmemory-policy"):
        if opt not in cmd:
            err("redis", f"command lacks {opt.strip()}")
    if "sidekick" not in svcs["falcosidekick"].get("profiles", []):
        err("falcosidekick", "not in profile sidekick")
    # Scaling (docker compose up --scale evaluator=N): replicas must be possible
    # and each must claim its own index; /dev/shm must hold every ring.
    ev = svcs["evaluator"]
    eenv = ev.get("environment") or {}
    if ev.get("container_name"):
        err("evaluator", "container_name set: it could not be scaled")
    if ev.get("ports"):
        err("evaluator", "publishes a port: replicas would conflict")
    if "LANNER_EVAL_INDEX" in eenv:
        err("evaluator", "fixed LANNER_EVAL_INDEX: replicas would fight over one index")
    try:
        nevals = int(eenv.get("LANNER_EVALUATORS", "1"))
        emax = int(eenv.get("LANNER_EVAL_MAX", "64"))
        ring_mb = int(eenv.get("LANNER_RING_SIZE_MB", "64"))
    except ValueError as e:
        err("evaluator", f"LANNER_EVALUATORS, LANNER_EVAL_MAX, LANNER_RING_SIZE_MB: {e}")
        nevals, emax, ring_mb = 1, 1, 64
    replicas = (ev.get("deploy") or {}).get("replicas")
    if replicas is not None and int(replicas) != nevals:
        err("evaluator", f"deploy.replicas {replicas} != LANNER_EVALUATORS {nevals}")
    if not nevals <= emax <= 256:
        err("evaluator", f"LANNER_EVAL_MAX {emax} not in LANNER_EVALUATORS ({nevals})..256")
    for name in STAGES:
        env = svcs.get(name, {}).get("environment") or {}
        for k in ("LANNER_EVALUATORS", "LANNER_EVAL_MAX", "LANNER_RING_SIZE_MB", "LANNER_INSTANCE"):
            if env.get(k) != eenv.get(k):
                err(name, f"{k} {env.get(k)!r} differs from the evaluators' {eenv.get(k)!r}")

    def size_bytes(v):
        v = str(v).strip().lower()
        units = {"k": 1 << 10, "m": 1 << 20, "g": 1 << 30}
        for suffix in ("kb", "mb", "gb", "k", "m", "g", "b"):
            if v.endswith(suffix):
                return int(float(v[: -len(suffix)]) * units.get(suffix[0], 1))
        return int(v)

    shm = size_bytes(svcs["ipc"].get("shm_size", "64m"))
    # raw + one ring per claimable index, each data + a 4 KiB header page
    need = (1 + emax) * ((ring_mb << 20) + 4096)
    if shm < need:
        err("ipc", f"shm_size {shm >> 20} MiB cannot hold 1 + LANNER_EVAL_MAX ({emax}) rings "
            f"of {ring_mb} MiB ({need >> 20} MiB): a full /dev/shm kills stages with SIGBUS")
    env = svcs["emitter"].get("environment", {})
    if env.get("LANNER_HTTP_URL") != "http://falcosidekick:2801/":
        err("emitter", f"LANNER_HTTP_URL {env.get('LANNER_HTTP_URL')!r}")
    for e in errs:
        print("compose policy:", e)
    sys.exit(1 if errs else 0)


main()
