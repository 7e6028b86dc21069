#!/bin/bash
# replay_pipeline.sh BUILD_DIR CONFORMANCE_DIR
# Replays real captures through the whole pipeline as separate processes
# (capture source -> raw ring -> enricher -> N evaluator rings -> evaluators
# -> acknowledged nng -> emitter -> stdout JSON) and checks, for each capture:
#  - the alerts are exactly the events sysdig 0.29 selects with the same
#    condition (sysdig is the oracle: an independent implementation);
#  - 1 and 3 evaluators give the same alerts (sharding changes nothing);
#  - every stage exits 0.
# Every wait is bounded (60 s): a hang stops the test with a report of what each
# stage was doing (tests/support/lib.sh), never a ctest timeout.
set -u
B=$1
C=$2
. "$(dirname "$0")/../support/lib.sh"
if ! command -v sysdig >/dev/null; then
	if [ "${CI:-}" = true ]; then
		echo "FAIL: sysdig (the oracle) is not installed; scripts/deps.sh test installs it"
		exit 1
	fi
	echo "*** SKIPPED: sysdig not installed (run 'sudo make test' to install it) ***"
	exit 77
fi
work=$(mktemp -d /tmp/lanner-e2e-XXXXXX)
inst="e2e$$"
pids=""
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	rm -f /dev/shm/lanner-"$inst".*
	rm -rf "$work"
}
trap cleanup EXIT

cat >"$work/rules.yaml" <<'RULES'
- rule: Open below etc
  desc: e2e test rule
  condition: evt.type in (open, openat) and fd.name startswith /etc
  output: "open %fd.name by %proc.name (user=%user.name cmd=%proc.cmdline)"
  priority: NOTICE
- rule: IP connect
  desc: e2e test rule
  condition: evt.type = connect and fd.typechar in (4, 6)
  output: "connect %fd.name by %proc.name res=%evt.res"
  priority: INFO
RULES
filter='evt.dir=< and ((evt.type in (open, openat) and fd.name startswith /etc) or (evt.type = connect and fd.typechar in (4, 6)))'

cat >"$work/lanner.yaml" <<CFG
json_output: true
stdout_output:
  enabled: true
log_level: warning
lanner:
  instance: $inst
  run_dir: $work/run
  ring_size_mb: 4
emitter:
  intake: ipc://$work/run/alerts.sock
spool:
  dir: $work/spool
CFG
mkdir -p "$work/run" "$work/spool"

# waitst PID WHAT: the exit status of PID, at most 60 s; a hang ends the test
waitst() {
	lnr_bounded_wait "$1" 60 "$2" || {
		echo "FAIL: $2 hung (report above)"
		exit 1
	}
	return "$lnr_rc"
}

# run_pipeline CAPTURE NEVAL OUT: 0 when every stage exited 0
run_pipeline() {
	local cap=$1 n=$2 out=$3 rc=0 k cr
	local cfg="$work/lanner.yaml" r="$work/rules.yaml"
	rm -f /dev/shm/lanner-"$inst".*
	LNR_ERR_FILES="$work/emitter.err $work/eval.err $work/enr.err $work/replay.err"
	"$B/emitter/lanner-emitter" -c "$cfg" >"$out" 2>"$work/emitter.err" &
	local em=$!
	local evs=""
	for k in $(seq 0 $((n - 1))); do
		"$B/evaluator/lanner-evaluator" -c "$cfg" -r "$r" --index "$k" 2>>"$work/eval.err" &
		evs="$evs $!"
	done
	"$B/enricher/lanner-enricher" -c "$cfg" -r "$r" --evaluators "$n" --replay 2>"$work/enr.err" &
	local en=$!
	"$B/collector/capture/lanner-capture-replay" -c "$cfg" "$cap" 2>"$work/replay.err" &
	cr=$!
	pids="$em $evs $en $cr"
	LNR_PIDS=$pids
	waitst "$cr" "capture replay of $cap (evaluators=$n)" || rc=1
	waitst "$en" "enricher on $cap (evaluators=$n)" || rc=1
	for k in $evs; do waitst "$k" "evaluator pid $k on $cap (evaluators=$n)" || rc=1; done
	# every alert was acknowledged into the emitter's journal before the
	# evaluators exited; give the stdout worker a moment, then stop it
	sleep 0.3
	kill -TERM "$em"
	waitst "$em" "emitter stop after $cap (evaluators=$n)" || rc=1
	pids=""
	return $rc
}

pass=0
fail=0
for cap in libs-e2e_curl_google libs-e2e_test_ipv6_client libs-e2e_single_ipv6_conn \
	falco-0.34.1_syscall falco-0.34.1_cat_write falco-psp_run_as_user_0_container \
	sysdig-inspect_502Error; do
	f="$C/scap/$cap.scap"
	want=$(sysdig -r "$f" "$filter" 2>/dev/null | wc -l)
	ok=1
	for n in 1 3; do
		if ! run_pipeline "$f" "$n" "$work/out.$n"; then
			echo "FAIL $cap (evaluators=$n): a stage failed"
			cat "$work"/*.err | tail -5
			ok=0
		fi
		got=$(grep -c '"rule":' "$work/out.$n")
		if [ "$got" != "$want" ]; then
			echo "FAIL $cap (evaluators=$n): $got alerts, sysdig selects $want events"
			ok=0
		fi
	done
	# same alerts whatever the number of evaluators (order may differ)
	if ! diff <(sort "$work/out.1") <(sort "$work/out.3") >/dev/null; then
		echo "FAIL $cap: 1 and 3 evaluators gave different alerts"
		ok=0
	fi
	if [ $ok = 1 ]; then
		echo "ok   $cap: $want alerts (= sysdig), same with 1 and 3 evaluators"
		pass=$((pass + 1))
	else
		fail=$((fail + 1))
	fi
done
echo "$pass passed, $fail failed"
[ $fail = 0 ]
