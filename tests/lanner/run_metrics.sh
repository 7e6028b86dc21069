#!/bin/bash
# run_metrics.sh BUILD_DIR CONFORMANCE_DIR
# Health and metrics of the running product (`lanner --replay`, web server on a
# free port, the `metrics` section on with a 3 s interval):
#  1. /metrics counts what the capture delivered: falcosecurity_scap_n_evts_total
#     equals the events lanner-capture-dump finds in the file (an independent
#     read of the capture);
#  2. falcosecurity_falco_rules_matches_total per rule equals the alerts the
#     run printed for that rule, with Falco's labels (priority number, source, tag_*);
#  3. the output counters equal what was written (file output lines);
#  4. the snapshot (internal alert "Falco internal: metrics snapshot" and the
#     output_file JSON lines) comes at the interval and carries the same counts;
#  5. a stage that does not answer (SIGSTOP) is reported as such while /metrics
#     and /healthz keep answering, and counts again after SIGCONT;
#  6. a stage killed and restarted answers again (new start time, counters from 0).
# Every wait is bounded; a hang is a failure with a message.
set -u
B=$1
C=$2
L="$B/lanner/lanner"
DUMP="$B/collector/capture/lanner-capture-dump"
cap="$C/scap/sysdig-inspect_502Error.scap"
[ -r "$cap" ] || {
	echo "*** SKIPPED: $cap not found ***"
	exit 77
}
command -v curl >/dev/null && command -v python3 >/dev/null || {
	echo "*** SKIPPED: curl and python3 needed ***"
	exit 77
}
work=$(mktemp -d /tmp/lanner-mt-XXXXXX)
# as root the stages run as the pipeline user (lanner.user): they read the
# config and rules here (docs/cli.md, "Least privilege")
chmod 755 "$work"
inst="mt$$"
lp=""
cleanup() {
	[ -n "$lp" ] && kill -CONT -- "$lp" 2>/dev/null
	[ -n "$lp" ] && kill "$lp" 2>/dev/null
	sleep 0.2
	rm -f /dev/shm/lanner-"$inst".*
	rm -rf "$work"
}
trap cleanup EXIT
fail=0
pass=0
ok() {
	echo "ok   $*"
	pass=$((pass + 1))
}
bad() {
	echo "FAIL $*"
	fail=$((fail + 1))
}
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
url="http://127.0.0.1:$port"

cat >"$work/rules.yaml" <<'RULES'
- rule: Open below etc
  desc: test rule
  condition: evt.type in (open, openat) and fd.name startswith /etc
  output: "open %fd.name by %proc.name"
  priority: NOTICE
  tags: [filesystem, mitre.discovery]
- rule: IP connect
  desc: test rule
  condition: evt.type = connect and fd.typechar in (4, 6)
  output: "connect %fd.name by %proc.name res=%evt.res"
  priority: INFO
- rule: Never matches
  desc: test rule
  condition: evt.type = openat and fd.name = /no/such/file/here
  output: "never"
  priority: ERROR
- rule: Never connects to localhost by name
  desc: test rule, gives the enricher one name to resolve (its DNS figures)
  condition: evt.type = connect and fd.sip.name = localhost and fd.name = /no/such
  output: "never"
  priority: ERROR
RULES
cat >"$work/lanner.yaml" <<CFG
json_output: true
stdout_output:
  enabled: true
syslog_output:
  enabled: false
file_output:
  enabled: true
  filename: $work/alerts.txt
log_level: notice
lanner:
  instance: $inst
  run_dir: $work/run
  ring_size_mb: 4
emitter:
  intake: ipc://$work/run/alerts.sock
spool:
  dir: $work/spool
webserver:
  enabled: true
  listen_address: 127.0.0.1
  listen_port: $port
metrics:
  enabled: true
  interval: 3s
  output_rule: true
  output_file: $work/metrics.jsonl
CFG
mkdir -p "$work/spool"

# the value of one series of the last scrape ("" when absent)
val() { # METRIC-LINE-PREFIX
	grep -F "$1" "$work/m.txt" | grep -v '^#' | head -1 | awk '{print $NF}'
}
scrape() { curl -s --max-time 3 "$url/metrics" >"$work/m.txt"; }

expected=$("$DUMP" -q "$cap" 2>&1 | grep -o ', [0-9]* events,' | grep -o '[0-9]*')
[ -n "$expected" ] || {
	echo "FAIL lanner-capture-dump gave no event count"
	exit 1
}

# The replay source keeps the ring open 18 s after its last record (test knob):
# the pipeline drains and stays up to be looked at, then the run ends by itself.
LANNER_REPLAY_HOLD_S=18 timeout 90 "$L" -c "$work/lanner.yaml" -r "$work/rules.yaml" \
	--evaluators 2 --replay "$cap" >"$work/out.json" 2>"$work/err.txt" &
lp=$!
t0=$(date +%s.%N)

# wait (bounded) until the pipeline has drained: the replay is done, every
# record the enricher forwarded was evaluated, the outputs' queues are empty
drained=0
for i in $(seq 150); do
	scrape
	done_=$(val 'lanner_replay_done ')
	fwd=$(val 'lanner_enricher_forwarded_total ')
	ev=$(grep '^lanner_evaluator_events_total{' "$work/m.txt" | awk '{s+=$NF} END {print s+0}')
	q=$(grep '^lanner_output_queue_length{' "$work/m.txt" | awk '{s+=$NF} END {print s+0}')
	nq=$(grep -c '^lanner_output_queue_length{' "$work/m.txt")
	if [ "$done_" = 1 ] && [ -n "$fwd" ] && [ "$fwd" = "$ev" ] && [ "$nq" -gt 0 ] && [ "$q" = 0 ]; then
		drained=1
		break
	fi
	sleep 0.1
done
if [ $drained = 0 ]; then
	bad "the pipeline did not drain within 15 s (replay done=$done_ forwarded=$fwd evaluated=$ev queued=$q)"
	tail -5 "$work/err.txt"
	exit 1
fi
sleep 1.2 # one more STATS round: every stage's figures after the drain
scrape
cp "$work/m.txt" "$work/m_final.txt"

# ---- 1. events
n_evts=$(val 'falcosecurity_scap_n_evts_total ')
seeds=$(val 'lanner_replay_seeds_total ')
enr_in=$(val 'lanner_enricher_events_total ')
if [ "$n_evts" = "$expected" ] && [ -n "$seeds" ] && [ "$enr_in" = $((expected + seeds)) ]; then
	ok "falcosecurity_scap_n_evts_total = $n_evts = the capture's events (lanner-capture-dump); enricher consumed them and $seeds seeds"
else
	bad "events: n_evts=$n_evts expected=$expected enricher=$enr_in seeds=$seeds"
fi
# the enricher's DNS figures (fd.*ip.name): one name from the rules, resolved in
# the background (localhost: /etc/hosts, no network needed)
if [ "$(val 'falcosecurity_scap_n_dns_names_total ')" = 1 ] &&
	[ "$(val 'falcosecurity_scap_n_dns_resolutions_total ')" -ge 1 ] 2>/dev/null &&
	[ -n "$(val 'falcosecurity_scap_n_failed_dns_resolutions_total ')" ] &&
	grep -q '^# TYPE falcosecurity_scap_n_dns_names_total gauge' "$work/m.txt"; then
	ok "enricher DNS figures in /metrics: 1 name, $(val 'falcosecurity_scap_n_dns_resolutions_total ') resolution(s)"
else
	bad "enricher DNS figures: $(grep 'n_dns\|dns_resol' "$work/m.txt" | grep -v '^#' | tr '\n' ' ')"
fi
grep -q '^lanner_stage_stats_up{stage="evaluator.1"} 1' "$work/m.txt" &&
	grep -q '^lanner_stage_stats_up{stage="replay"} 1' "$work/m.txt" &&
	ok "every stage answers STATS" || bad "stats_up: $(grep '^lanner_stage_stats_up' "$work/m.txt" | tr '\n' ' ')"

# ---- 3. outputs: the file output's counter against its lines. The figures
# are up to one STATS round (1 s) old and a snapshot alert comes every 3 s:
# retry (bounded) until two scrapes agree with the file in a quiet moment.
outs_ok=0
for i in $(seq 25); do
	scrape
	a=$(val 'lanner_output_sent_total{output="file"}')
	lines=$(grep -c . "$work/alerts.txt")
	so=$(val 'lanner_output_sent_total{output="stdout"}')
	scrape
	b=$(val 'lanner_output_sent_total{output="file"}')
	if [ -n "$a" ] && [ "$a" = "$b" ] && [ "$a" = "$lines" ] && [ "$so" = "$a" ]; then
		outs_ok=1
		break
	fi
	sleep 0.3
done
[ $outs_ok = 1 ] && ok "lanner_output_sent_total{output=file} = $a = lines written (stdout the same); failed/dropped $(val 'lanner_output_dropped_total{output="file"}')" ||
	bad "outputs: sent(file)=$a/$b lines=$lines sent(stdout)=$so"

# ---- 5. a stage that does not answer is reported, nothing blocks
evp=$(pgrep -f -- "--index 1" | while read -r p; do
	grep -qz -- "$work/lanner.yaml" /proc/$p/cmdline 2>/dev/null && echo $p; done | head -1)
if [ -n "$evp" ]; then
	kill -STOP "$evp"
	reported=0
	for i in $(seq 40); do
		scrape
		grep -q '^lanner_stage_stats_up{stage="evaluator.1"} 0' "$work/m.txt" && {
			reported=1
			break
		}
		sleep 0.1
	done
	t1=$(date +%s%N)
	hz=$(curl -s --max-time 3 -o /dev/null -w '%{http_code}' "$url/healthz")
	scrape
	t2=$(date +%s%N)
	up0=$(val 'lanner_stage_stats_up{stage="evaluator.0"}')
	kill -CONT "$evp"
	back=0
	for i in $(seq 40); do
		scrape
		grep -q '^lanner_stage_stats_up{stage="evaluator.1"} 1' "$work/m.txt" && {
			back=1
			break
		}
		sleep 0.1
	done
	if [ $reported = 1 ] && [ "$hz" = 200 ] && [ "$up0" = 1 ] && [ $back = 1 ] &&
		[ -s "$work/m.txt" ] && [ $(((t2 - t1) / 1000000)) -lt 2000 ]; then
		ok "a stopped evaluator: stats_up 0 within 4 s, /healthz and /metrics answer at once ($(((t2 - t1) / 1000000)) ms), the others still counted, back to 1 after SIGCONT"
	else
		bad "stopped stage: reported=$reported healthz=$hz evaluator.0 up=$up0 back=$back"
	fi
else
	bad "no evaluator.1 process found"
fi

# ---- 6. a restarted stage: answered again by its new process (a new start
# time, its counters from 0: Prometheus treats the drop as a reset)
before_kill=$(grep -c . "$work/metrics.jsonl")
start0=$(val 'lanner_stage_start_timestamp_seconds{stage="evaluator.1"}')
evp=$(pgrep -f -- "--index 1" | while read -r p; do
	grep -qz -- "$work/lanner.yaml" /proc/$p/cmdline 2>/dev/null && echo $p; done | head -1)
if [ -n "$evp" ] && kill -9 "$evp"; then
	back=0
	for i in $(seq 100); do
		scrape
		s1=$(val 'lanner_stage_start_timestamp_seconds{stage="evaluator.1"}')
		if [ -n "$s1" ] && [ "$s1" != "$start0" ] &&
			grep -q '^lanner_stage_stats_up{stage="evaluator.1"} 1' "$work/m.txt"; then
			back=1
			break
		fi
		sleep 0.1
	done
	restarts=$(val 'lanner_stage_restarts_total{stage="evaluator.1"}')
	ev1=$(val 'lanner_evaluator_events_total{stage="evaluator.1"}')
	if [ $back = 1 ] && [ "$restarts" = 1 ] && [ "$ev1" = 0 ]; then
		ok "kill -9 evaluator.1: restarted, answering again within 10 s with a new start time, its counters from 0"
	else
		bad "restarted evaluator: answering=$back restarts=$restarts events=$ev1 start $start0 -> $s1"
	fi
else
	bad "no evaluator.1 process to kill"
fi

# the run ends by itself after the hold
for i in $(seq 300); do
	kill -0 $lp 2>/dev/null || break
	sleep 0.1
done
if kill -0 $lp 2>/dev/null; then
	bad "lanner did not end within 30 s of the replay's hold"
	kill $lp
fi
wait $lp
rc=$?
lp=""
# under a sanitizer build a stage's report at exit does not change the run's status
if grep -q 'Sanitizer' "$work/err.txt"; then
	bad "a sanitizer report in the stages' messages"
	grep -A8 'Sanitizer' "$work/err.txt" | head -30
fi
[ $rc = 0 ] && ok "lanner --replay exit 0" || {
	bad "lanner exit $rc"
	tail -5 "$work/err.txt"
}

# ---- 2. rule matches against the alerts printed, per rule, with Falco's labels
cmp=$(python3 - "$work/m_final.txt" "$work/out.json" <<'PY'
import collections, json, re, sys
prom = open(sys.argv[1]).read()
series = {}
for line in prom.splitlines():
    m = re.match(r'falcosecurity_falco_rules_matches_total\{(.*)\} (\d+)$', line)
    if m:
        labels = dict(re.findall(r'(\w+)="((?:[^"\\]|\\.)*)"', m.group(1)))
        series[labels["rule_name"]] = (labels, int(m.group(2)))
printed = collections.Counter()
for line in open(sys.argv[2]):
    a = json.loads(line)
    if a.get("source") != "internal":
        printed[a["rule"]] += 1
errs = []
for rule, n in printed.items():
    if rule not in series:
        errs.append("no series for %r" % rule)
    elif series[rule][1] != n:
        errs.append("%r: metric %d, printed %d" % (rule, series[rule][1], n))
for rule in series:
    if rule not in printed:
        errs.append("series for %r that printed nothing" % rule)
lab = series.get("Open below etc", ({}, 0))[0]
want = {"priority": "5", "source": "syscall", "tag_filesystem": "true", "tag_mitre_discovery": "true"}
for k, v in want.items():
    if lab.get(k) != v:
        errs.append("label %s=%r, want %r" % (k, lab.get(k), v))
if series.get("IP connect", ({}, 0))[0].get("priority") != "6":
    errs.append("IP connect priority label")
if len(printed) < 2:
    errs.append("expected alerts of 2 rules, got %s" % dict(printed))
print("; ".join(errs) if errs else "OK %s" % dict(printed))
PY
)
case "$cmp" in
OK*) ok "falcosecurity_falco_rules_matches_total = alerts printed per rule, Falco's labels (${cmp#OK })" ;;
*) bad "rule matches: $cmp" ;;
esac

# ---- 4. the snapshot at the interval, as an internal alert and as JSON lines
snap=$(python3 - "$work/metrics.jsonl" "$work/out.json" "$expected" "$t0" "$before_kill" <<'PY'
import json, sys, time
lines = [json.loads(l) for l in open(sys.argv[1]) if l.strip()]
alerts = [json.loads(l) for l in open(sys.argv[2])]
snaps = [a for a in alerts if a.get("rule") == "Falco internal: metrics snapshot"]
errs = []
if len(lines) < 3 or int(sys.argv[5]) < 1:
    errs.append("%d snapshot lines in the file" % len(lines))
samples = [l["sample"] for l in lines]
if samples != list(range(1, len(lines) + 1)):
    errs.append("samples %s" % samples)
times = [l["output_fields"]["evt.time"] for l in lines]
gaps = [(b - a) / 1e9 for a, b in zip(times, times[1:])]
# interval 3s: no two snapshots much closer than the interval, none far apart
if gaps and (min(gaps) < 2.0 or max(gaps) > 6.0):
    errs.append("gaps between snapshots %s s" % ["%.2f" % g for g in gaps])
run = time.time() - float(sys.argv[4])
if len(lines) > run / 3.0 + 2:
    errs.append("%d snapshots in %.1f s" % (len(lines), run))
# the counts as of the last snapshot before the evaluator was killed (its
# counters start again from 0 after that)
upto = int(sys.argv[5])
last = lines[upto - 1]["output_fields"] if upto >= 1 and lines else {}
if last.get("scap.n_evts") != int(sys.argv[3]):
    errs.append("last scap.n_evts %s" % last.get("scap.n_evts"))
printed = sum(1 for a in alerts if a.get("source") != "internal")
if last.get("falco.rules.matches_total") != printed:
    errs.append("falco.rules.matches_total %s vs %d printed" % (last.get("falco.rules.matches_total"), printed))
for k in ("evt.hostname", "evt.source", "falco.version", "falco.start_ts", "falco.duration_sec",
          "falco.host_num_cpus", "falco.cpu_usage_perc", "falco.memory_rss_mb", "scap.n_drops",
          "scap.evts_rate_sec", "falco.rules.Open_below_etc", "scap.n_threads"):
    if k not in last:
        errs.append("no %s" % k)
if len(snaps) != len(lines):
    errs.append("%d snapshot alerts, %d file lines" % (len(snaps), len(lines)))
for a in snaps[:1]:
    if a.get("source") != "internal" or a.get("priority") != "Informational" or \
       a.get("output") != "Falco metrics snapshot" or "scap.n_evts" not in a.get("output_fields", {}):
        errs.append("snapshot alert %s" % json.dumps(a)[:300])
print("; ".join(errs) if errs else "OK %d snapshots, gaps %.2f..%.2f s" % (len(lines), min(gaps), max(gaps)))
PY
)
case "$snap" in
OK*) ok "metrics snapshot: ${snap#OK }, alert and output_file agree, counts match" ;;
*) bad "snapshot: $snap" ;;
esac
[ ! -e "$work/run" ] && ok "run dir removed (no control socket or lock left)" ||
	bad "left in the run dir: $(ls "$work/run")"

echo "$pass passed, $fail failed"
[ $fail = 0 ]
