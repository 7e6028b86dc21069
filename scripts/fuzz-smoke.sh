#!/bin/sh
# Run every libFuzzer target of a LANNER_FUZZ build for a few seconds each,
# starting from its seed corpus (tests/fuzz/<target>/corpus and the seeds its
# CMake names). A crash fails the run and leaves the reproducer in build dir.
# Usage: scripts/fuzz-smoke.sh BUILD_DIR SECONDS
set -eu
build=$(cd "$1" && pwd)
secs=${2:-20}
root=$(cd "$(dirname "$0")/.." && pwd)
found=0
for bin in $(find "$build" -type f -perm -u+x -name 'fuzz_*' ! -name '*_replay' | sort); do
	name=$(basename "$bin")
	found=$((found + 1))
	work="$build/fuzz-work/$name"
	mkdir -p "$work/corpus"
	seeds=""
	[ -d "$root/tests/fuzz/$name" ] && seeds="$root/tests/fuzz/$name"
	[ -f "$bin.seeds" ] && seeds="$seeds $(cat "$bin.seeds")"
	echo "fuzz: $name for ${secs}s (seeds: ${seeds:-none})"
	# shellcheck disable=SC2086
	(cd "$work" && "$bin" -max_total_time="$secs" -rss_limit_mb=2048 -timeout=10 \
		-print_final_stats=1 corpus $seeds) >"$work/log" 2>&1 || {
		tail -50 "$work/log"
		echo "fuzz: $name FAILED (log: $work/log)"
		exit 1
	}
	grep -E 'stat::number_of_executed_units|Done' "$work/log" | tail -2
done
echo "fuzz: $found targets run"
