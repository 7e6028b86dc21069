#!/bin/sh
# Capture reader throughput: sysdig-inspect_502Error.scap (22,381 events) repeated N times
# with shifted timestamps, read by Lanner's reader (with conversion into Lanner records)
# and by `sysdig -r FILE FILTER` in the same run. Usage: bench/capture/run.sh BUILD [N] [RUNS]
set -eu
build=$1
n=${2:-100}
runs=${3:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
src=$root/../shared/conformance/scap/sysdig-inspect_502Error.scap
bin=$build/bench/capture/bench_capture
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
[ -x "$bin" ] || { echo "bench capture: build $bin first" >&2; exit 1; }
"$bin" make "$src" "$tmp/rep.scap" "$n"
gzip -1 -c "$tmp/rep.scap" >"$tmp/rep.scap.gz"
filter='evt.type in (open, openat, execve, connect) and proc.name != sysdig'
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

echo "capture bench: 502Error x$n ($(du -h "$tmp/rep.scap" | cut -f1) plain, $(du -h "$tmp/rep.scap.gz" | cut -f1) gzip), median of $runs runs"
for f in rep.scap rep.scap.gz; do
	: >"$tmp/l"
	for _ in $(seq "$runs"); do "$bin" read "$tmp/$f" >>"$tmp/l"; done
	ev=$(head -1 "$tmp/l" | cut -d' ' -f1)
	rec=$(head -1 "$tmp/l" | cut -d' ' -f2)
	s=$(cut -d' ' -f3 "$tmp/l" | median)
	echo "lanner reader  $f: $ev raw events -> $rec records in ${s}s: $(awk "BEGIN {printf \"%.0f\", $ev / $s}") raw events/s"
	eval "lanner_$(echo "$f" | tr . _)=$s"
done
if command -v sysdig >/dev/null 2>&1; then
	for f in rep.scap rep.scap.gz; do
		: >"$tmp/s"
		for _ in $(seq "$runs"); do
			t0=$(date +%s.%N)
			sysdig -r "$tmp/$f" "$filter" >/dev/null
			t1=$(date +%s.%N)
			awk "BEGIN {print $t1 - $t0}" >>"$tmp/s"
		done
		s=$(median <"$tmp/s")
		l=$(eval echo "\$lanner_$(echo "$f" | tr . _)")
		echo "sysdig -r      $f with filter '$filter': ${s}s: $(awk "BEGIN {printf \"%.0f\", $ev / $s}") raw events/s (lanner is $(awk "BEGIN {printf \"%.1f\", $s / $l}")x faster)"
	done
else
	echo "sysdig not installed: no peer figure (apt-get install --no-install-recommends sysdig)"
fi
