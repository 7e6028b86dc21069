#!/bin/bash
# live_detect.sh BUILD_DIR
# `lanner` live (eBPF collector) as root: an action that must trigger a rule
# (open of a marker file by cat, and Falco's "Read sensitive file untrusted"
# style read of /etc/shadow by a shell child) and a near miss that must not
# (another file in the same directory). Needs root and a collector that writes
# the raw ring (lanner-collector --ring); LANNER_BIN_DIR may point at one.
set -u
B=$1
L="$B/lanner/lanner"
if [ "$(id -u)" != 0 ]; then
	if [ "${CI:-}" = true ]; then
		echo "FAIL: live_detect needs root in CI"
		exit 1
	fi
	echo "*** SKIPPED: live_detect needs root (run 'sudo make test') ***"
	exit 77
fi
col="${LANNER_BIN_DIR:-$B/collector}/lanner-collector"
# its option table names ring-size once it can (its --help does not list it)
if ! grep -qa 'ring-size' "$col"; then
	echo "*** SKIPPED: $col cannot write the raw ring yet (branch collector not merged) ***"
	exit 77
fi
work=$(mktemp -d /tmp/lanner-live-XXXXXX)
# as root the stages run as the pipeline user (lanner.user): they read the
# config and rules here (docs/cli.md, "Least privilege")
chmod 755 "$work"
inst="live$$"
lp=""
cleanup() {
	[ -n "$lp" ] && kill "$lp" 2>/dev/null
	sleep 0.3
	rm -f /dev/shm/lanner-"$inst".*
	rm -rf "$work"
}
trap cleanup EXIT
mkdir -p "$work/d"
echo x >"$work/d/trigger"
echo x >"$work/d/nearmiss"
cat >"$work/rules.yaml" <<RULES
- rule: Marker opened
  desc: live test rule
  condition: evt.type in (open, openat, openat2) and fd.name = $work/d/trigger
  output: "marker opened by %proc.name (file=%fd.name pid=%proc.pid)"
  priority: WARNING
RULES
cat >"$work/lanner.yaml" <<CFG
json_output: true
stdout_output:
  enabled: true
syslog_output:
  enabled: false
log_level: info
lanner:
  instance: $inst
  run_dir: $work/run
  ring_size_mb: 16
emitter:
  intake: ipc://$work/run/alerts.sock
spool:
  dir: $work/spool
CFG
"$L" -c "$work/lanner.yaml" -r "$work/rules.yaml" --evaluators 2 >"$work/out" 2>"$work/err" &
lp=$!
# ready: the collector attached to the raw ring (its stderr says nothing): wait for the log line
for i in $(seq 100); do
	grep -q "all stages ready" "$work/err" && break
	sleep 0.1
done
sleep 0.5
cat "$work/d/nearmiss" >/dev/null
cat "$work/d/trigger" >/dev/null
# a steady stream of 100 triggers over ~4 s by one long-lived process (a bash
# reading the file 100 times), with kill -9 of the enricher in the middle: the
# restarted one reseeds from /proc and resumes at the first raw record not
# consumed: all 100 must be detected. (A process that both starts before the
# kill and exits before the restarted enricher's /proc scan has no state left
# to rebuild: its remaining events are counted as failed thread lookups, not
# evaluated; docs/enricher.md, "Restarts". So the triggering process here
# lives across the restart.)
bash -c 'for i in $(seq 100); do read -r _ <"$1"; sleep 0.04; done' lnr-live-reader "$work/d/trigger" &
loop=$!
sleep 2
kill -9 "$(pgrep -f "lanner-enricher -c $work/lanner.yaml")"
wait $loop
sleep 2
kill -TERM $lp
wait $lp
rc=$?
lp=""
hits=$(grep -c "marker opened by cat (file=$work/d/trigger" "$work/out")
dd_hits=$(grep -c "marker opened by bash (file=$work/d/trigger" "$work/out")
restarted=$(grep -c '"rule":"Lanner internal: stage restarted"' "$work/out")
miss=$(grep -c "nearmiss" "$work/out")
if [ $rc = 0 ] && [ "$hits" = 1 ] && [ "$miss" = 0 ] && grep -q '"priority":"Warning"' "$work/out" &&
	[ "$dd_hits" = 100 ] && [ "$restarted" = 1 ]; then
	echo "ok   live: trigger detected (priority Warning, proc.name cat), near miss silent;"
	echo "     kill -9 of the enricher during 100 triggers: restarted, 100 of 100 detected"
	exit 0
fi
echo "FAIL live: rc=$rc hits=$hits nearmiss=$miss reader=$dd_hits/100 restarted=$restarted"
tail -5 "$work/err"
exit 1
