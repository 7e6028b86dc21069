#!/usr/bin/env python3
"""Write the seed corpus of fuzz_cond_parse from the conformance conditions.

Reads filter_parser_cases.jsonl and filter_compile_eval_cases.jsonl (in place)
and writes one file per distinct condition into tests/fuzz/fuzz_cond_parse/
(named by a hash, so reruns are stable). The 100000-'(' generator case is
skipped (too big for a seed; test_cond_unit covers 10 MB of parentheses).
Usage: scripts/gen_cond_seeds.py [CONFORMANCE_DIR] [OUT_DIR]
"""
import hashlib
import json
import os
import sys

conf = sys.argv[1] if len(sys.argv) > 1 else "../shared/conformance"
out = sys.argv[2] if len(sys.argv) > 2 else "tests/fuzz/fuzz_cond_parse"
os.makedirs(out, exist_ok=True)
seen = set()
for name in ("filter_parser_cases.jsonl", "filter_compile_eval_cases.jsonl"):
    for line in open(os.path.join(conf, name), encoding="utf-8"):
        case = json.loads(line)
        cond = case.get("input")
        if cond is None or cond in seen:
            continue
        seen.add(cond)
        data = cond.encode("utf-8", "surrogateescape")
        h = hashlib.sha1(data).hexdigest()[:16]
        with open(os.path.join(out, "seed-" + h), "wb") as f:
            f.write(data)
print("%d seeds in %s" % (len(seen), out))
