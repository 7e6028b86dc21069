#!/usr/bin/env python3
"""compose-service.py CONFIG_YAML SERVICE: print, as shell-readable lines, how docker
compose runs SERVICE (from `docker-compose config` output): its uid:gid, capabilities
(cap_drop ALL + cap_add), no-new-privileges, command, environment and healthcheck command. run-stages.sh
uses it to start the same command outside containers."""
import shlex
import sys

import yaml


def main():
    cfg = yaml.safe_load(open(sys.argv[1]))
    svc = cfg["services"][sys.argv[2]]
    drop = [c.upper() for c in svc.get("cap_drop", [])]
    if drop != ["ALL"]:
        sys.exit(f"{sys.argv[2]}: cap_drop must be [ALL], got {drop}")
    caps = ",".join("+" + c.lower() for c in svc.get("cap_add", []))
    nnp = "no-new-privileges:true" in svc.get("security_opt", [])
    env = svc.get("environment", {})
    if isinstance(env, list):
        env = dict(e.split("=", 1) for e in env)
    print("svc_user=" + shlex.quote(str(svc.get("user", ""))))
    print("svc_caps=" + shlex.quote(caps))
    print("svc_nnp=" + ("1" if nnp else "0"))
    print("svc_cmd=(" + " ".join(shlex.quote(str(a)) for a in svc.get("command", [])) + ")")
    test = [str(t) for t in (svc.get("healthcheck") or {}).get("test") or []]
    if test[:1] == ["CMD"]:
        test = test[1:]
    elif test[:1] == ["CMD-SHELL"]:
        test = ["sh", "-c"] + test[1:]
    else:
        test = []
    print("svc_health=(" + " ".join(shlex.quote(a) for a in test) + ")")
    print("svc_env=(" + " ".join(shlex.quote(f"{k}={'' if v is None else v}")
                                 for k, v in sorted(env.items())) + ")")


main()
