#!/bin/sh
# bench/live/run.sh BUILD [RUNS] [STEP_SECONDS]   (root; `make bench BENCH=live`)
#
# `lanner` live (eBPF collector, enricher, 2 evaluators, emitter) with the three official
# rules files (falco_rules.yaml, falco-incubating_rules.yaml, falco-sandbox_rules.yaml,
# read in place from ../shared/conformance), in one run:
#  1. workload slowdown: `redis-benchmark -q -n 200000` against a private redis-server and
#     `dd if=/dev/zero of=/dev/null bs=1 count=2000000`, RUNS times without Lanner, then
#     RUNS times with it (wall time of each);
#  2. the highest rate of a mixed workload (bench_live load: open+close, TCP connects,
#     execs; paced) that runs with zero kernel drops: rising steps of STEP_SECONDS each,
#     until a step drops events or the generator cannot reach its target; the traced rate
#     is the collector's own count (lnr_stats events / step time: everything the kernel
#     reported, the machine's other activity included), drops from the same map; per step
#     the CPU of each stage (/proc/PID/stat utime+stime), the kernel time of the BPF
#     programs (bpf_stats, enabled for the run), the ring fill levels and producer waits
#     (the supervisor's /metrics). RUNS searches.
#  3. the enricher's capacity, independent of how fast the generator can go here: the
#     enricher is stopped while 2 s of load fill the raw ring, then drains it; events
#     per second of its CPU time. RUNS times.
# Prints medians, and the figures Falco 0.44.1 gave on this kind of machine (quoted from
# the collector issue, not measured here). Not a ctest.
# Environment: LIVE_WORKLOADS=0 skips the slowdown workloads (rate search only, for
# profiling); LIVE_RATES="r1 r2 ..." replaces the list of target rates; LIVE_PERF_DATA=FILE
# keeps the enricher's perf profile (perf report -i FILE -g); LIVE_PERF_CG=dwarf for call graphs
# without frame pointers.
set -eu
B=$(cd "$1" && pwd)
runs=${2:-3}
step=${3:-4}
root=$(cd "$(dirname "$0")/../.." && pwd)
rules=$root/../shared/conformance/falco-rules
LB=$B/bench/live/bench_live
L=$B/lanner/lanner
if [ "$(id -u)" != 0 ]; then
	echo "*** bench live: SKIPPED: needs root (eBPF) ***"
	exit 77
fi
for f in "$LB" "$L"; do
	[ -x "$f" ] || { echo "bench live: $f not built" >&2; exit 1; }
done
for t in redis-server redis-benchmark curl ss; do
	command -v $t >/dev/null || { echo "bench live: $t not installed" >&2; exit 1; }
done
work=$(mktemp -d /tmp/lanner-bench-live-XXXXXX)
# the stages run as the pipeline user (lanner.user) and read the config here
chmod 755 "$work"
inst="bl$$"
lp=""
rp=""
stats_was=$(cat /proc/sys/kernel/bpf_stats_enabled)
cleanup() {
	[ -n "$lp" ] && kill "$lp" 2>/dev/null && wait "$lp" 2>/dev/null
	[ -n "$rp" ] && kill "$rp" 2>/dev/null && wait "$rp" 2>/dev/null
	echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
	rm -f /dev/shm/lanner-"$inst".*
	rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 1' INT TERM

now() { date +%s.%N; }
sub() { awk -v a="$1" -v b="$2" 'BEGIN { printf "%.3f", a - b }'; }
median() { sort -g | awk '{ a[NR] = $1 } END { if (NR) print a[int((NR + 1) / 2)]; else print "-" }'; }
free_port() {
	p=$1
	while ss -ltnH | awk '{ print $4 }' | grep -q ":$p\$"; do p=$((p + 1)); done
	echo $p
}
cpu_ticks() { awk '{ print $14 + $15 }' "/proc/$1/stat" 2>/dev/null || echo 0; }
hz=$(getconf CLK_TCK)

# --- the redis-server redis-benchmark talks to
rport=$(free_port 26379)
redis-server --port "$rport" --bind 127.0.0.1 --save '' --appendonly no --daemonize no \
	>"$work/redis.log" 2>&1 &
rp=$!
i=0
until redis-cli -p "$rport" ping >/dev/null 2>&1; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "bench live: redis-server did not start" >&2; exit 1; }
	sleep 0.05
done

workload() { # $1 = label: appends "dd seconds" and "redis-benchmark seconds"
	t0=$(now)
	dd if=/dev/zero of=/dev/null bs=1 count=2000000 2>/dev/null
	t1=$(now)
	redis-benchmark -q -n 200000 -p "$rport" 2>&1 | tr '\r' '\n' >"$work/rb.out"
	t2=$(now)
	# per test: "NAME: N requests per second, ..." (the last figure of each test)
	awk -F': ' '/requests per second/ { split($2, a, " "); k = $1; sub(/^ +/, "", k); rps[k] = a[1] }
		END { for (k in rps) print k "\t" rps[k] }' "$work/rb.out" >>"$work/rbt.$1"
	sub "$t1" "$t0" >>"$work/dd.$1"
	echo >>"$work/dd.$1"
	sub "$t2" "$t1" >>"$work/rb.$1"
	echo >>"$work/rb.$1"
}

echo "bench live: $(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg) at start" \
	"(the machine is shared: figures are for a loaded machine)"
wl=${LIVE_WORKLOADS:-1}
if [ "$wl" != 0 ]; then
	echo "workloads without Lanner ($runs runs) ..."
	for r in $(seq "$runs"); do workload off; done
fi

# --- Lanner with the three official rules files
wport=$(free_port 18765)
cat >"$work/lanner.yaml" <<CFG
json_output: true
stdout_output:
  enabled: false
syslog_output:
  enabled: false
file_output:
  enabled: true
  filename: $work/alerts.json
watch_config_files: false
log_level: warning
webserver:
  enabled: true
  listen_address: 127.0.0.1
  listen_port: $wport
  prometheus_metrics_enabled: true
lanner:
  instance: $inst
  run_dir: $work/run
emitter:
  intake: ipc://$work/run/alerts.sock
spool:
  dir: $work/spool
redis:
  enabled: false
ui:
  enabled: false
CFG
t0=$(now)
"$L" -c "$work/lanner.yaml" -r "$rules/falco_rules.yaml" -r "$rules/falco-incubating_rules.yaml" \
	-r "$rules/falco-sandbox_rules.yaml" >"$work/lanner.out" 2>"$work/lanner.err" &
lp=$!
i=0
until curl -sf "http://127.0.0.1:$wport/healthz" >/dev/null 2>&1; do
	i=$((i + 1))
	if [ $i -gt 600 ] || ! kill -0 $lp 2>/dev/null; then
		echo "bench live: lanner did not become ready" >&2
		tail -5 "$work/lanner.err" >&2
		exit 1
	fi
	sleep 0.1
done
echo "lanner ready in $(sub "$(now)" "$t0") s: $(grep -o '[0-9]* rules loaded' "$work/lanner.err" | head -1)" \
	"from the three official files"
col="" enr="" emi="" evs=""
for c in $(pgrep -P $lp); do
	case $(cat /proc/$c/comm) in
	lanner-collect*) col=$c ;;
	lanner-enrich*) enr=$c ;;
	lanner-emitt*) emi=$c ;;
	lanner-evalua*) evs="$evs $c" ;;
	esac
done
[ -n "$col" ] && [ -n "$enr" ] && [ -n "$emi" ] && [ -n "$evs" ] ||
	{ echo "bench live: stage processes not found under pid $lp" >&2; exit 1; }
colstat() { "$LB" colstats "$col"; } # events N drops N buf_full N bpf_run_ns N bpf_run_cnt N

if [ "$wl" != 0 ]; then
	echo "workloads with Lanner ($runs runs) ..."
	for r in $(seq "$runs"); do workload on; done
fi

# --- rate search
metric() { # $1 = metric name, $2 = ring: value
	curl -sf "http://127.0.0.1:$wport/metrics" | awk -v m="$1" -v r="$2" \
		'index($0, m "{") == 1 && index($0, "ring=\"" r "\"") { print $NF }'
}
evmetric_max() { # max over eval.K rings
	curl -sf "http://127.0.0.1:$wport/metrics" | awk -v m="$1" \
		'index($0, m "{") == 1 && index($0, "ring=\"eval.") { if ($NF > x) x = $NF } END { print x + 0 }'
}
# Wait (at most 90 s) until the raw ring is empty: every search starts from a drained
# pipeline, not from the backlog of the previous one.
drain() {
	i=0
	while :; do
		f=$(metric lanner_ring_fill_ratio raw)
		awk -v f="${f:-1}" 'BEGIN { exit !(f < 0.001) }' && return 0
		i=$((i + 1))
		if [ $i -gt 90 ]; then
			echo "     (raw ring still ${f} full after 90 s: the next search starts behind)"
			return 0
		fi
		sleep 1
	done
}
# bpf_stats (run time of BPF programs) costs every program run two clock reads: on only
# for the search, after the slowdown figures
echo 1 >/proc/sys/kernel/bpf_stats_enabled
rates=${LIVE_RATES:-"50000 100000 150000 200000 250000 300000 400000 500000 700000"}
printf "%-4s %8s %9s %6s %9s %6s %6s %6s %6s %6s %7s %7s %9s\n" run target traced drops \
	generated col% enr% eval% emit% bpf% rawfill evfill "waits r/e"
for r in $(seq "$runs"); do
	drain
	rm -f "$work/best.$r"
	for rate in $rates; do
		s0=$(colstat)
		c0=$(cpu_ticks $col) n0=$(cpu_ticks $enr) m0=$(cpu_ticks $emi) v0=0
		for e in $evs; do v0=$((v0 + $(cpu_ticks $e))); done
		rw0=$(metric lanner_ring_producer_waits_total raw) ew0=$(evmetric_max lanner_ring_producer_waits_total)
		t0=$(now)
		"$LB" load "$rate" "$step" 2 >"$work/lg.out" &
		lg=$!
		# ring fill in the middle of the step
		sleep "$(awk -v s="$step" 'BEGIN { print s / 2 }')"
		rawfill=$(metric lanner_ring_fill_ratio raw) evfill=$(evmetric_max lanner_ring_fill_ratio)
		wait $lg
		set -- $(cat "$work/lg.out")
		lg_rate=$3 lg_frac=$4
		t1=$(now)
		s1=$(colstat)
		c1=$(cpu_ticks $col) n1=$(cpu_ticks $enr) m1=$(cpu_ticks $emi) v1=0
		for e in $evs; do v1=$((v1 + $(cpu_ticks $e))); done
		rw1=$(metric lanner_ring_producer_waits_total raw) ew1=$(evmetric_max lanner_ring_producer_waits_total)
		dt=$(sub "$t1" "$t0")
		line=$(echo "$s0 $s1" | awk -v dt="$dt" -v hz="$hz" -v c="$((c1 - c0))" -v n="$((n1 - n0))" \
			-v v="$((v1 - v0))" -v m="$((m1 - m0))" \
			'{ printf "%.0f %d %.1f %.1f %.1f %.1f %.1f", ($12 - $2) / dt, $14 - $4, \
			   100 * c / hz / dt, 100 * n / hz / dt, 100 * v / hz / dt, 100 * m / hz / dt, \
			   100 * ($18 - $8) / 1e9 / dt }')
		set -- $line
		traced=$1 drops=$2
		printf "%-4s %8s %9s %6s %9s %6s %6s %6s %6s %6s %7s %7s %9s\n" "$r" "$rate" "$traced" \
			"$drops" "$lg_rate" "$3" "$4" "$5" "$6" "$7" "${rawfill:-?}" "${evfill:-?}" \
			"$((${rw1:-0} - ${rw0:-0}))/$((${ew1:-0} - ${ew0:-0}))"
		echo "$r $rate $traced $drops $lg_rate $lg_frac $3 $4 $5 $6 $7" >>"$work/steps"
		if [ "$drops" -gt 0 ]; then
			break
		fi
		# the highest zero-drop step of the run (a later step may trace less when the
		# generator falls behind)
		if [ ! -f "$work/best.$r" ] || [ "$traced" -gt "$(cut -d' ' -f1 "$work/best.$r")" ]; then
			echo "$traced $3 $4 $5 $6 $7" >"$work/best.$r"
		fi
		# the generator could not keep its schedule: the machine, not Lanner, is the limit
		if awk -v f="$lg_frac" 'BEGIN { exit !(f < 0.9) }'; then
			echo "     (run $r: generator reached $(awk -v f="$lg_frac" 'BEGIN { printf "%.0f", f * 100 }')% of its target: stop)"
			break
		fi
	done
	# a run whose first step already dropped has no zero-drop rate: left out of the medians
	[ -f "$work/best.$r" ] && cat "$work/best.$r" >>"$work/best"
done
touch "$work/best"
# The enricher's capacity, whatever the generator can reach on this machine: stop it
# (SIGSTOP) while the load runs 2 s at 100k/s (the raw ring holds the backlog), let it
# drain, and divide the events it went through by the CPU time it used for them.
drain
enrcap=""
for r in $(seq "$runs"); do
	s0=$(colstat) n0=$(cpu_ticks $enr)
	kill -STOP "$enr"
	"$LB" load 100000 2 2 >/dev/null
	kill -CONT "$enr"
	drain
	s1=$(colstat) n1=$(cpu_ticks $enr)
	c=$(echo "$s0 $s1" | awk -v n="$((n1 - n0))" -v hz="$hz" \
		'{ if ($14 - $4 > 0) print "drops"; else if (n > 0) printf "%.0f\n", ($12 - $2) / (n / hz) }')
	echo "     enricher drain run $r: $(echo "$s0 $s1" | awk '{ print $12 - $2 }') events in" \
		"$(awk -v n="$((n1 - n0))" -v hz="$hz" 'BEGIN { printf "%.2f", n / hz }') s of its CPU: ${c:-?} events per CPU-second"
	[ -n "$c" ] && [ "$c" != drops ] && echo "$c" >>"$work/enrcap"
done
# Where the enricher's time goes: a CPU profile of it under the load of the first step
# (perf, when installed), while Lanner still runs.
if command -v perf >/dev/null; then
	drain
	"$LB" load 100000 "$step" 2 >/dev/null &
	lg=$!
	perf record -q -e cpu-clock -F 999 --call-graph "${LIVE_PERF_CG:-fp}" -p "$enr" -o "$work/perf.data" -- sleep "$step" \
		>/dev/null 2>&1 || true
	wait $lg
	[ -n "${LIVE_PERF_DATA:-}" ] && cp "$work/perf.data" "$LIVE_PERF_DATA"
	echo "enricher profile at 100k/s (perf, self time, top entries):"
	perf report -i "$work/perf.data" --stdio --no-children --sort symbol 2>/dev/null |
		grep -E '^ +[0-9.]+%' | head -15
fi
echo "$stats_was" >/proc/sys/kernel/bpf_stats_enabled
alerts=$(wc -l <"$work/alerts.json" 2>/dev/null || echo 0)
kill $lp
wait $lp || true
lp=""

col_med() { awk -v k="$1" '{ print $k }' "$work/best" | median; }
listof() { tr '\n' ' ' <"$1" | sed 's/ *$//'; }
echo
echo "== medians of $runs runs (load average now $(cut -d' ' -f1-3 /proc/loadavg)) =="
if [ "$wl" != 0 ]; then
	ddoff=$(median <"$work/dd.off") ddon=$(median <"$work/dd.on")
	rboff=$(median <"$work/rb.off") rbon=$(median <"$work/rb.on")
	printf "dd bs=1 count=2000000:         %6.2f s without, %6.2f s with Lanner: %.2fx   (Falco 0.44.1: 1.55x, quoted)\n" \
		"$ddoff" "$ddon" "$(awk -v a="$ddon" -v b="$ddoff" 'BEGIN { print a / b }')"
	printf "  runs (s): without %s; with %s\n" "$(listof "$work/dd.off")" "$(listof "$work/dd.on")"
	printf "redis-benchmark -q -n 200000:  %6.2f s without, %6.2f s with Lanner: %.2fx   (goal < 1.10x; Falco: no figure given)\n" \
		"$rboff" "$rbon" "$(awk -v a="$rbon" -v b="$rboff" 'BEGIN { print a / b }')"
	# the noise: every run's wall time, the slowdown range the runs allow, and the
	# per-test throughput ratio (median requests/s without / with, over redis-benchmark's tests)
	printf "  runs (s): without %s; with %s; slowdown range over run pairs %s\n" \
		"$(listof "$work/rb.off")" "$(listof "$work/rb.on")" \
		"$(sort -g "$work/rb.off" >"$work/rb.off.s"; sort -g "$work/rb.on" >"$work/rb.on.s"
		  awk 'NR == FNR { off[FNR] = $1; n = FNR; next } { on[FNR] = $1; m = FNR }
		       END { printf "%.2fx..%.2fx", on[1] / off[n], on[m] / off[1] }' \
			"$work/rb.off.s" "$work/rb.on.s")"
	awk -F'\t' 'NR == FNR { off[$1] = off[$1] " " $2; next } { on[$1] = on[$1] " " $2 }
		function med(s,   a, n, i, j, t) { n = split(s, a, " ")
			for (i = 1; i <= n; i++) for (j = i + 1; j <= n; j++) if (a[j] + 0 < a[i] + 0) { t = a[i]; a[i] = a[j]; a[j] = t }
			return a[int((n + 1) / 2)] }
		END { for (k in off) if (k in on && med(on[k]) > 0) print med(off[k]) / med(on[k]) }' \
		"$work/rbt.off" "$work/rbt.on" | sort -g >"$work/rbt.ratio"
	if [ -s "$work/rbt.ratio" ]; then
		printf "  per test (requests/s without / with, median of runs): median %.2fx, %s tests from %.2fx to %.2fx\n" \
			"$(median <"$work/rbt.ratio")" "$(wc -l <"$work/rbt.ratio")" \
			"$(head -1 "$work/rbt.ratio")" "$(tail -1 "$work/rbt.ratio")"
	fi
fi
printf "highest zero-drop traced rate: %s events/s (runs with one: %s of %s; per run: %s)   (goal >= 300000)\n" \
	"$(col_med 1)" "$(wc -l <"$work/best")" "$runs" "$(awk '{ printf "%s ", $1 }' "$work/best")"
printf "CPU at that rate (%% of one core): collector %s, enricher %s, evaluators (2) %s, emitter %s, BPF programs %s\n" \
	"$(col_med 2)" "$(col_med 3)" "$(col_med 4)" "$(col_med 5)" "$(col_med 6)"
# CPU time per traced event of each stage at that rate: the stage with the largest cost
# is the one that caps the pipeline when the cores are shared
awk '{ if ($1 > 0) printf "%.0f %.0f %.0f %.0f %.0f\n", $2 * 1e7 / $1, $3 * 1e7 / $1, \
	$4 * 1e7 / $1, $5 * 1e7 / $1, $6 * 1e7 / $1 }' "$work/best" >"$work/nsper"
nsmed() { awk -v k="$1" '{ print $k }' "$work/nsper" | median; }
printf "CPU ns per traced event: collector %s, enricher %s, evaluators %s, emitter %s, BPF programs %s\n" \
	"$(nsmed 1)" "$(nsmed 2)" "$(nsmed 3)" "$(nsmed 4)" "$(nsmed 5)"
[ -s "$work/enrcap" ] &&
	printf "enricher capacity (backlog drained after SIGSTOP, events per second of its CPU): %s (runs: %s)\n" \
		"$(median <"$work/enrcap")" "$(listof "$work/enrcap")"
echo "alerts written during the run: $alerts"
echo "Falco 0.44.1 on this kind of machine (quoted from the collector issue, not measured here):"
echo "  open/close loop 1.8x, dd bs=1 1.55x, 2,000 execs 1.35x; 29% of events dropped in a"
echo "  two-loop open/close storm (8 MB buffer); syscall-exit program ~358 ns per call"
