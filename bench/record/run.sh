#!/bin/bash
# Live recording rate of `lanner capture`: SECS seconds while find(1) walks /usr in
# a loop, plain and gzip (-z), RUNS times each; prints the records written, the
# rate, the file size and the kernel's drops of every run, then the medians.
# Needs root (eBPF); run under the machine-wide lock:
#   flock /work/.lanner-live.lock bench/record/run.sh BUILD [SECS] [RUNS]
set -u
B=$(cd "$1" && pwd)
secs=${2:-5}
runs=${3:-3}
L="$B/lanner/lanner"
if [ "$(id -u)" != 0 ]; then
	echo "bench/record: needs root (eBPF)"
	exit 77
fi
work=$(mktemp -d /tmp/lanner-bench-record-XXXXXX)
loadp=""
cleanup() {
	[ -n "$loadp" ] && kill "$loadp" 2>/dev/null
	rm -rf "$work"
}
trap cleanup EXIT
for z in plain gzip; do
	flag=""
	[ $z = gzip ] && flag=-z
	: >"$work/rates"
	for run in $(seq "$runs"); do
		rm -f "$work/b.scap"
		"$L" capture -w "$work/b.scap" -M "$secs" --stats $flag 2>"$work/err" &
		p=$!
		for _ in $(seq 300); do
			grep -q "writing" "$work/err" && break
			sleep 0.1
		done
		timeout "$secs" sh -c 'while :; do find /usr >/dev/null 2>&1; done' &
		loadp=$!
		wait $loadp
		loadp=""
		# -M bounds the recorder; 30 s more at most for it to close the file
		for _ in $(seq 300); do
			kill -0 $p 2>/dev/null || break
			sleep 0.1
		done
		if kill -0 $p 2>/dev/null; then
			kill -9 $p
			echo "$z run $run: the recorder did not stop"
			continue
		fi
		wait $p
		rec=$(sed -n 's/.*: \([0-9]*\) events in .*/\1/p' "$work/err")
		drops=$(sed -n 's/.* drops \([0-9]*\) .*/\1/p' "$work/err")
		size=$(stat -c %s "$work/b.scap")
		echo "$z run $run: $rec records ($((rec / secs))/s), $size bytes on disk, $drops dropped"
		echo "$((rec / secs)) $drops" >>"$work/rates"
	done
	sort -n "$work/rates" | awk -v z=$z '{r[NR]=$1; d[NR]=$2} END {m=int((NR+1)/2); print z ": median " r[m] " records/s (drops in that run: " d[m] ")"}'
done
