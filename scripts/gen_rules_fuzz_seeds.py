#!/usr/bin/env python3
"""Writes seed inputs of fuzz_rules_load.

Two kinds, kept apart because conformance material is never copied into the
project:
  - the YAML snippets of Falco's rule-loader unit tests
    (CONFORMANCE_DIR/falco_engine_test_cases.jsonl, deduplicated): written at
    build time into the build tree (tests/rules/CMakeLists.txt runs this with
    OUT_DIR there);
  - a few hostile inputs of our own (alias bomb, duplicate keys, invalid
    UTF-8, deep nesting): committed in tests/fuzz/fuzz_rules_load/ (--hostile).
The official rules files are passed in place as another corpus directory.

Usage: scripts/gen_rules_fuzz_seeds.py CONFORMANCE_DIR OUT_DIR     (conformance cases)
       scripts/gen_rules_fuzz_seeds.py --hostile                   (committed seeds)
"""
import hashlib
import json
import os
import sys

root = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
hostile_only = len(sys.argv) > 1 and sys.argv[1] == "--hostile"
if hostile_only:
    out = os.path.join(root, "tests", "fuzz", "fuzz_rules_load")
else:
    conf, out = sys.argv[1], sys.argv[2]
os.makedirs(out, exist_ok=True)

seeds = {}
if not hostile_only:
    with open(os.path.join(conf, "falco_engine_test_cases.jsonl"), encoding="utf-8") as f:
        for line in f:
            case = json.loads(line)
            for c in case["rules_contents"]:
                y = c["yaml"].encode()
                seeds.setdefault(hashlib.sha1(y).hexdigest()[:12],
                                 ("case-" + case["test"].split(".")[-1], y))

hostile = {
    "bomb": b"- list: a\n  items: &a [x,x,x,x,x,x,x,x]\n- list: b\n  items: &b [*a,*a,*a,*a,*a,*a,*a,*a]\n"
            b"- list: c\n  items: [*b,*b,*b,*b,*b,*b,*b,*b]\n",
    "dupkeys": b"- rule: r\n  desc: d\n  condition: evt.type=open\n  condition: evt.type=close\n"
               b"  output: o\n  priority: INFO\n",
    "badutf8": b"- rule: r\n  desc: \xff\xfe\n  condition: evt.type=open\n  output: o\n  priority: INFO\n",
    "nesting": b"[" * 200 + b"]" * 200 + b"\n",
    "parens": b"- macro: m\n  condition: " + b"(" * 300 + b"a.b=1" + b")" * 300 + b"\n",
}
if hostile_only:
    for name, data in hostile.items():
        seeds[hashlib.sha1(data).hexdigest()[:12]] = ("hostile-" + name, data)

for h, (name, data) in sorted(seeds.items()):
    with open(os.path.join(out, f"{name}-{h}.yaml"), "wb") as f:
        f.write(data)
print(f"{len(seeds)} seeds in {out}")
