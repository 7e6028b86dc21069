#!/bin/sh
# Run the benchmarks (all, or those named): scripts/bench.sh BUILD [name...]
# Each benchmark prints its own figures; see docs/benchmarks.md.
set -eu
build=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
if [ $# -eq 0 ]; then
	set -- $(cd "$root/bench" && ls -d */ 2>/dev/null | tr -d /)
fi
for b in "$@"; do
	if [ -x "$root/bench/$b/run.sh" ]; then
		sh "$root/bench/$b/run.sh" "$build"
	elif [ -x "$build/bench/$b/bench_$b" ]; then
		"$build/bench/$b/bench_$b"
	else
		echo "bench: no benchmark named '$b'" >&2
		exit 1
	fi
done
