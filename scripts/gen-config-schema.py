#!/usr/bin/env python3
"""gen-config-schema.py: writes common/config_schema.c, the table of known config keys.

Run at development time only (needs python3-yaml), when Falco's reference
falco.yaml or Lanner's own sections change:

    python3 scripts/gen-config-schema.py ../shared/conformance/reference/falco.yaml \
        > common/config_schema.c && clang-format -i common/config_schema.c

Key paths and types come from three places:
  1. every key written (uncommented) in Falco's reference falco.yaml, its type
     inferred from the value there (true -> bool, 2000 -> int, .1 -> double,
     "x" -> string, lists and mappings recursively);
  2. FALCO_EXTRA: keys Falco accepts that the reference file only documents in
     comments (rules selection, append_output.match, static_fields, ...) or that
     older falco.yaml files still carry (rules_file, engine.ebpf, grpc, ...), and
     type corrections where the reference value is not the whole story
     (plugins[].init_config may be a string or a mapping);
  3. LANNER: Lanner's own sections.
The reference file is read in place, never copied into the project.
"""
import sys

import yaml

KINDS = {
    "any": "CFG_K_ANY",
    "scalar": "CFG_K_SCALAR",
    "bool": "CFG_K_BOOL",
    "int": "CFG_K_INT",
    "uint": "CFG_K_UINT",
    "double": "CFG_K_DOUBLE",
    "string": "CFG_K_STRING",
    "map": "CFG_K_MAP",
    "seq": "CFG_K_SEQ",
}

FALCO_EXTRA = {
    # config_files items: a path, or {path, strategy}
    "config_files[]": "any",
    # deprecated singular form, still read by Falco (with a warning)
    "rules_file": "seq",
    "rules_file[]": "string",
    # rules selection (documented in comments)
    "rules": "seq",
    "rules[]": "map",
    "rules[].enable": "map",
    "rules[].enable.rule": "string",
    "rules[].enable.tag": "string",
    "rules[].disable": "map",
    "rules[].disable.rule": "string",
    "rules[].disable.tag": "string",
    # engines of older Falco releases
    "engine.ebpf": "map",
    "engine.ebpf.probe": "string",
    "engine.ebpf.buf_size_preset": "int",
    "engine.ebpf.drop_failed_exit": "bool",
    "engine.gvisor": "map",
    "engine.gvisor.config": "string",
    "engine.gvisor.root": "string",
    "capture.max_file_size_mb": "int",
    "load_plugins[]": "string",
    "plugins[].init_config": "any",
    "plugins[].open_params": "string",
    "append_output[].match": "map",
    "append_output[].match.source": "string",
    "append_output[].match.tags": "seq",
    "append_output[].match.tags[]": "string",
    "append_output[].match.rule": "string",
    "append_output[].extra_output": "string",
    "append_output[].extra_fields": "any",
    "static_fields": "any",
    "base_syscalls.custom_set[]": "string",
    # gRPC server/output of older releases
    "grpc": "map",
    "grpc.enabled": "bool",
    "grpc.bind_address": "string",
    "grpc.threadiness": "int",
    "grpc_output": "map",
    "grpc_output.enabled": "bool",
    # a number with a unit ("1h") or a plain number of milliseconds
    "metrics.interval": "string",
    # read as a double by Falco, though the reference writes 1
    "syscall_event_drops.max_burst": "double",
}

LANNER = {
    "lanner": "map",
    "lanner.evaluators": "uint",
    "lanner.instance": "string",
    "lanner.ring_size_mb": "uint",
    "lanner.run_dir": "string",
    "lanner.user": "string",
    "lanner.group": "string",
    "lanner.runtime_group": "string",
    "lanner.evaluator_grace_ms": "uint",
    "lanner.containerd_state_dir": "string",
    "lanner.cri_sockets": "seq",
    "lanner.cri_sockets[]": "string",
    "lanner.runtime_timeout_ms": "uint",
    "redis": "map",
    "redis.enabled": "bool",
    "redis.address": "string",
    "redis.password": "string",
    "redis.username": "string",
    "redis.database": "uint",
    "redis.tls": "any",
    "redis.stream_maxlen": "uint",
    "redis.retention_minutes": "uint",
    "redis.channel": "string",
    "redis.key_prefix": "string",
    "redis.compat": "scalar",
    # emitter (docs/emitter.md, docs/redis-layout.md)
    "redis.retention": "uint",
    "redis.stream": "string",
    "redis.lanner_layout": "bool",
    "redis.batch": "uint",
    "redis.falcosidekick": "map",
    "redis.falcosidekick.enabled": "bool",
    "redis.falcosidekick.storage_type": "string",
    "redis.falcosidekick.key": "string",
    "syslog_output.socket": "string",
    "emitter": "map",
    "emitter.intake": "string",
    "emitter.hostname": "string",
    "emitter.retry_min_ms": "uint",
    "emitter.retry_max_ms": "uint",
    "emitter.batch": "uint",
    "emitter.stats_file": "string",
    "emitter.stats_interval_ms": "uint",
    "emitter.spool": "map",
    "emitter.spool.dir": "string",
    "emitter.spool.max_bytes": "uint",
    "emitter.spool.segment_bytes": "uint",
    "emitter.spool.fsync": "string",
    "emitter.spool.fsync_interval_ms": "uint",
    "emitter.rate_limit": "map",
    "emitter.rate_limit.enabled": "bool",
    "emitter.rate_limit.rule_rate": "double",
    "emitter.rate_limit.rule_burst": "double",
    "emitter.rate_limit.global_rate": "double",
    "emitter.rate_limit.global_burst": "double",
    "emitter.rate_limit.summary_interval_s": "uint",
    "ui": "map",
    "ui.enabled": "bool",
    "ui.listen": "string",
    "ui.base_path": "string",
    "ui.auth": "any",
    "ui.users_file": "string",
    "ui.tls_cert": "string",
    "ui.tls_key": "string",
    "ui.ingest_token": "string",
    "ui.session_ttl": "uint",
    "ui.scan_budget": "uint",
    "ui.cache_ms": "uint",
    "ui.init_admin": "bool",
    "spool": "map",
    "spool.dir": "string",
    "spool.max_mb": "uint",
    "spool.fsync": "scalar",
    "rate_limit": "any",
    # keys the emitter reads (emitter/emitter_config.c)
    "emitter": "map",
    "emitter.batch": "uint",
    "emitter.hostname": "string",
    "emitter.intake": "string",
    "emitter.rate_limit": "map",
    "emitter.rate_limit.enabled": "bool",
    "emitter.rate_limit.global_burst": "double",
    "emitter.rate_limit.global_rate": "double",
    "emitter.rate_limit.rule_burst": "double",
    "emitter.rate_limit.rule_rate": "double",
    "emitter.rate_limit.summary_interval_s": "uint",
    "emitter.retry_max_ms": "uint",
    "emitter.retry_min_ms": "uint",
    "emitter.spool": "map",
    "emitter.spool.dir": "string",
    "emitter.spool.fsync": "string",
    "emitter.spool.fsync_interval_ms": "uint",
    "emitter.spool.max_bytes": "uint",
    "emitter.spool.segment_bytes": "uint",
    "emitter.stats_file": "string",
    "emitter.stats_interval_ms": "uint",
    "redis.batch": "uint",
    "redis.falcosidekick": "map",
    "redis.falcosidekick.enabled": "bool",
    "redis.falcosidekick.key": "string",
    "redis.falcosidekick.storage_type": "string",
    "redis.lanner_layout": "bool",
    "redis.retention": "uint",
    "redis.stream": "string",
    "syslog_output.socket": "string",
}


def kind_of(v):
    if isinstance(v, bool):
        return "bool"
    if isinstance(v, int):
        return "int"
    if isinstance(v, float):
        return "double"
    if isinstance(v, str):
        return "string"
    if isinstance(v, dict):
        return "map"
    if isinstance(v, list):
        return "seq"
    return "scalar"


def walk(path, v, out):
    out[path] = kind_of(v)
    if isinstance(v, dict):
        for k, sub in v.items():
            walk(f"{path}.{k}" if path else str(k), sub, out)
    elif isinstance(v, list):
        for item in v:
            walk(path + "[]", item, out)


def main():
    with open(sys.argv[1], encoding="utf-8") as f:
        doc = yaml.safe_load(f)
    keys = {}
    for k, v in doc.items():
        walk(str(k), v, keys)
    keys.update(FALCO_EXTRA)
    keys.update(LANNER)
    # a key below an "any" node is never looked up
    for p in list(keys):
        for q in keys:
            if keys[q] == "any" and p != q and (p.startswith(q + ".") or p.startswith(q + "[")):
                del keys[p]
                break
    print("/* config_schema.c: known configuration keys. GENERATED by")
    print(" * scripts/gen-config-schema.py from Falco's reference falco.yaml and")
    print(" * Lanner's sections; do not edit by hand. */")
    print('#include "config.h"')
    print()
    print("const struct cfg_schema_key cfg_schema[] = {")
    for p in sorted(keys, key=lambda s: s.encode()):
        print(f'\t{{"{p}", {KINDS[keys[p]]}}},')
    print("};")
    print()
    print("const size_t cfg_schema_len = sizeof(cfg_schema) / sizeof(cfg_schema[0]);")


if __name__ == "__main__":
    main()
