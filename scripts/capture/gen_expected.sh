#!/bin/sh
# Regenerate tests/capture/expected/*.jsonl.gz: what Debian's sysdig 0.29 prints for each
# conformance capture, the oracle of tests/capture/test_scap_sysdig.c. Run once, by hand,
# from the repo root, after `apt-get install --no-install-recommends sysdig`:
#   scripts/capture/gen_expected.sh [../shared/conformance/scap]
# One JSON object per event sysdig shows (it hides procinfo events and drops codes >= 336).
# evt.num/dir/type, thread.tid, evt.rawtime, evt.cpu, evt.rawres are checked against the
# reader alone; proc.*, fd.name, user.name and container.id need the enricher's state and
# are kept for its tests. evt.args is sysdig's rendering, cut to 200 bytes to stay small.
set -eu
dir=${1:-../shared/conformance/scap}
out=tests/capture/expected
mkdir -p "$out"
fmt='*%evt.num %evt.dir %evt.type %thread.tid %evt.rawtime %evt.cpu %evt.rawres %proc.name %proc.pname %proc.cmdline %fd.name %user.name %container.id %evt.args'
for f in "$dir"/*.scap; do
	name=$(basename "$f" .scap)
	if ! sysdig -r "$f" -j -p "$fmt" >"$out/$name.jsonl.tmp" 2>"$out/$name.err"; then
		echo "$name: sysdig cannot read it: $(head -c 300 "$out/$name.err")" >&2
		rm -f "$out/$name.jsonl.tmp" "$out/$name.err"
		continue
	fi
	rm -f "$out/$name.err"
	python3 - "$out/$name.jsonl.tmp" <<'PY'
import json, sys
p = sys.argv[1]
rows = []
for line in open(p, encoding="utf-8", errors="replace"):
    line = line.strip()
    if not line.startswith("{"):
        continue
    o = json.loads(line)
    a = o.get("evt.args")
    if isinstance(a, str) and len(a) > 200:
        o["evt.args"] = a[:200]
    rows.append(json.dumps(o, sort_keys=True, separators=(",", ":")))
with open(p, "w") as f:
    f.write("\n".join(rows) + ("\n" if rows else ""))
PY
	gzip -9n <"$out/$name.jsonl.tmp" >"$out/$name.jsonl.gz"
	rm -f "$out/$name.jsonl.tmp"
	echo "$name: $(zcat "$out/$name.jsonl.gz" | wc -l) events"
done
