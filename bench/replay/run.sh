#!/bin/bash
# Whole-pipeline replay throughput: sysdig-inspect_502Error.scap repeated N times
# (2.24 M events at N=100) through the capture source, the enricher, E evaluators
# and the emitter, as separate processes, with Falco's rules; E = 1, 2 and the
# number of CPUs. Beside it, in the same run, `sysdig -r` with a typical rule
# condition as filter on the same file, and the figures Falco 0.44.1 gave on this
# kind of machine (from ../shared/conformance/README.md; Falco is not installed).
# Usage: bench/replay/run.sh BUILD [N] [RUNS]
set -eu
B=$(cd "$1" && pwd)
n=${2:-100}
runs=${3:-3}
root=$(cd "$(dirname "$0")/../.." && pwd)
conf=$root/../shared/conformance
src=$conf/scap/sysdig-inspect_502Error.scap
work=$(mktemp -d /tmp/lanner-bench-replay-XXXXXX)
inst="br$$"
cleanup() { rm -rf "$work"; rm -f /dev/shm/lanner-"$inst".*; }
trap cleanup EXIT
"$B/bench/capture/bench_capture" make "$src" "$work/rep.scap" "$n" >/dev/null
events=$("$B/bench/capture/bench_capture" read "$work/rep.scap" | cut -d' ' -f1)
median() { sort -n | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
cat >"$work/lanner.yaml" <<CFG
json_output: true
stdout_output:
  enabled: false
file_output:
  enabled: true
  filename: $work/alerts.json
syslog_output:
  enabled: false
log_level: warning
lanner:
  instance: $inst
  run_dir: $work/run
  ring_size_mb: 64
emitter:
  intake: ipc://$work/run/alerts.sock
spool:
  dir: $work/spool
CFG
mkdir -p "$work/run" "$work/spool"

# run E RULES...: seconds from the source's start until every stage is done
run() {
	local e=$1
	shift
	local r="" k
	for f in "$@"; do r="$r -r $f"; done
	rm -f /dev/shm/lanner-"$inst".* "$work/alerts.json"
	rm -rf "$work/spool"/*
	"$B/emitter/lanner-emitter" -c "$work/lanner.yaml" 2>/dev/null &
	local em=$! evs=""
	for k in $(seq 0 $((e - 1))); do
		"$B/evaluator/lanner-evaluator" -c "$work/lanner.yaml" $r --index "$k" 2>/dev/null &
		evs="$evs $!"
	done
	"$B/enricher/lanner-enricher" -c "$work/lanner.yaml" $r --evaluators "$e" --replay 2>/dev/null &
	local en=$!
	sleep 1 # rules compiled, rings attached
	local t0 t1
	t0=$(date +%s.%N)
	"$B/collector/capture/lanner-capture-replay" -c "$work/lanner.yaml" "$work/rep.scap" 2>/dev/null
	wait "$en"
	for k in $evs; do wait "$k"; done
	t1=$(date +%s.%N)
	kill "$em"
	wait "$em" 2>/dev/null || true
	awk "BEGIN {print $t1 - $t0}"
}

ncpu=$(nproc)
evals="1 2"
[ "$ncpu" -gt 2 ] && evals="$evals $ncpu"
echo "replay bench: 502Error x$n = $events events, median of $runs runs, $(nproc) CPUs"
for set in falco all3; do
	if [ $set = falco ]; then
		rules="$conf/falco-rules/falco_rules.yaml"
		falco_s=0.98
	else
		rules="$conf/falco-rules/falco_rules.yaml $conf/falco-rules/falco-incubating_rules.yaml $conf/falco-rules/falco-sandbox_rules.yaml"
		falco_s=1.23
	fi
	for e in $evals; do
		: >"$work/t"
		for _ in $(seq "$runs"); do
			# shellcheck disable=SC2086
			run "$e" $rules >>"$work/t"
		done
		s=$(median <"$work/t")
		echo "lanner $set, $e evaluator(s): ${s}s, $(awk "BEGIN {printf \"%.2f\", $events / $s / 1e6}") M events/s (Falco 0.44.1 here: ${falco_s}s for x100, ratio $(awk "BEGIN {printf \"%.2f\", $falco_s / $s * $n / 100}"))"
	done
done
if command -v sysdig >/dev/null 2>&1; then
	filter='evt.type in (open, openat) and fd.name startswith /etc and not proc.name in (haproxy, python)'
	: >"$work/s"
	for _ in $(seq "$runs"); do
		t0=$(date +%s.%N)
		sysdig -r "$work/rep.scap" "$filter" >/dev/null
		t1=$(date +%s.%N)
		awk "BEGIN {print $t1 - $t0}" >>"$work/s"
	done
	echo "sysdig -r with one rule-like filter: $(median <"$work/s")s"
fi
