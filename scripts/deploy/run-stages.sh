#!/bin/bash
# run-stages.sh DESTDIR CONFORMANCE_DIR WORKDIR: run the image's entry point
# (DESTDIR/usr/bin/lanner-stage) outside containers exactly as the compose services
# run it: each service's command, environment, uid:gid, capabilities (the image's
# file capabilities, taken from compose/Dockerfile's setcap lines, within the
# service's cap_add bounding set) and no-new-privileges come from
# `docker-compose config`; all stages share one IPC + mount namespace with a
# /dev/shm of its own (the compose `ipc` service). Only paths differ: the install
# prefix (DESTDIR), the run and spool volumes (WORKDIR) and the replayed capture.
# Exit 0: the replay's alerts arrived through every stage on stdout, on a real Redis
# and an HTTP sink standing in for falcosidekick, each stage exited 0,
# and the live collector started as uid 10001 with its capabilities.
set -uo pipefail
D=$1
C=$2
W=$3
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$W"
chmod 755 "$W"
cap=sysdig-inspect_502Error
if [ ! -r "$C/scap/$cap.scap" ]; then
	echo "run-stages: $C/scap/$cap.scap missing"
	exit 1
fi
(cd "$root/compose" && docker-compose --profile replay config) >"$W/compose.yaml" || exit 1

# The image's file capabilities, applied to the DESTDIR copies. A capability this
# machine's own bounding set lacks (some CI sandboxes drop CAP_SYS_RESOURCE) cannot
# be granted to anyone here: it is left out, loudly, and the rest is checked.
missing_caps=""
grep -o 'setcap [^ ]* /usr/bin/[a-z-]*' "$root/compose/Dockerfile" >"$W/setcap.txt"
while read -r _ spec path; do
	list=${spec%+*}
	keep=""
	for c in ${list//,/ }; do
		if capsh --has-b="$c" 2>/dev/null; then
			keep="$keep,$c"
		else
			missing_caps="$missing_caps $c"
		fi
	done
	setcap "${keep#,}+${spec##*+}" "$D$path" || exit 1
done <"$W/setcap.txt"
[ -n "$missing_caps" ] &&
	echo "run-stages: note: this machine's bounding set lacks$missing_caps: not granted in this run"

# The `ipc` service: a namespace holder with its own /dev/shm.
shm_size=$(python3 -c "import yaml,sys;print(yaml.safe_load(open(sys.argv[1]))['services']['ipc'].get('shm_size','64m'))" "$W/compose.yaml")
unshare --ipc --mount --propagation private -- \
	sh -c "mount -t tmpfs -o size=$shm_size,mode=1777 shm /dev/shm && exec sleep 300" &
holder=$!
for _ in $(seq 50); do
	[ "$(cat /proc/$holder/comm 2>/dev/null)" = sleep ] && break
	sleep 0.1
done
pids=""
sink_pids=""
cleanup() {
	for p in $pids $sink_pids; do kill "$p" 2>/dev/null; done
	kill "$holder" 2>/dev/null
}
trap cleanup EXIT

run_dir=$W/run
spool=$W/spool
mkdir -p "$run_dir" "$spool"
cp "$C/scap/$cap.scap" "$W/"
chmod 644 "$W/$cap.scap"

free_port() {
	python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])'
}

# start SERVICE [EXTRA ARGS]: exec the service's command as compose would (run it
# in a subshell: `start X &` or `(start X)`). A service with LANNER_HEALTH_LISTEN
# serves /healthz on 127.0.0.1:HEALTH_PORT instead (a free port when HEALTH_PORT is
# unset): compose gives each container its own network namespace, here all stages
# share the machine's.
start() {
	local svc=$1 svc_user svc_caps svc_nnp svc_cmd svc_env svc_health health_env=()
	shift
	eval "$(python3 "$root/scripts/deploy/compose-service.py" "$W/compose.yaml" "$svc")" || return 1
	local uid=${svc_user%%:*} gid=${svc_user#*:}
	local priv=(--reuid "$uid" --regid "$gid" --clear-groups --inh-caps -all)
	for c in $missing_caps; do svc_caps=${svc_caps//,+${c#cap_}/}; svc_caps=${svc_caps//+${c#cap_},/}; svc_caps=${svc_caps//+${c#cap_}/}; done
	if [ -n "$svc_caps" ]; then
		priv+=(--bounding-set "-all,$svc_caps")
	else
		priv+=(--bounding-set -all)
	fi
	[ "$svc_nnp" = 1 ] && priv+=(--no-new-privs)
	case " ${svc_env[*]} " in
	*" LANNER_HEALTH_LISTEN="*) health_env=(LANNER_HEALTH_LISTEN="127.0.0.1:${HEALTH_PORT:-$(free_port)}") ;;
	esac
	chown "$uid:$gid" "$run_dir" "$spool"
	# exec: the caller's $! (or subshell) is the stage process itself.
	exec nsenter --target "$holder" --ipc --mount -- setpriv "${priv[@]}" \
		env -i PATH=/usr/bin:/bin "${svc_env[@]}" \
		LANNER_BIN_DIR="$D/usr/bin" LANNER_CONFIG="$D/etc/lanner/lanner.yaml" \
		LANNER_RULES_DIR="$W/check-rules" LANNER_RUN_DIR="$run_dir" \
		LANNER_SPOOL_DIR="$spool" LANNER_REPLAY_FILE="$replay_file" \
		"${sinks[@]}" "${extra_env[@]}" "${health_env[@]}" \
		"$D/usr/bin/lanner-stage" "${svc_cmd[@]}" "$@"
}

# healthcheck SERVICE PORT [SECS]: the service's compose healthcheck command with
# its environment, asking the stage started with HEALTH_PORT=PORT; retried up to
# SECS (default 5) while the stage gets ready. Its status.
healthcheck() {
	local svc=$1 port=$2 secs=${3:-5} svc_user svc_caps svc_nnp svc_cmd svc_env svc_health t=0
	# read once per service: the checks run inside timed scenarios
	[ -s "$W/svc.$svc" ] ||
		python3 "$root/scripts/deploy/compose-service.py" "$W/compose.yaml" "$svc" >"$W/svc.$svc" ||
		return 1
	eval "$(cat "$W/svc.$svc")"
	[ ${#svc_health[@]} -gt 0 ] || return 1
	while :; do
		env -i PATH="$D/usr/bin:/usr/bin:/bin" "${svc_env[@]}" LANNER_BIN_DIR="$D/usr/bin" \
			LANNER_RUN_DIR="$run_dir" LANNER_HEALTH_LISTEN="127.0.0.1:$port" \
			"${svc_health[@]}" >"$W/hc.$svc.out" 2>&1 && return 0
		[ "$t" -ge $((secs * 10)) ] && return 1
		sleep 0.1
		t=$((t + 1))
	done
}

extra_env=()
# wait_for PID SECS NAME: wait for PID's exit (its status), SIGKILL after SECS
wait_for() {
	local t=0
	while kill -0 "$1" 2>/dev/null; do
		if [ "$t" -ge $(($2 * 10)) ]; then
			echo "run-stages: $3 still running after $2 s: killed"
			kill -9 "$1" 2>/dev/null
			wait "$1" 2>/dev/null
			return 1
		fi
		sleep 0.1
		t=$((t + 1))
	done
	wait "$1"
}
mkdir -p "$W/check-rules"
cp "$root/scripts/deploy/check_rules.yaml" "$W/check-rules/lanner_rules.yaml"
chmod -R a+rX "$W/check-rules"
eval "$(python3 "$root/scripts/deploy/compose-service.py" "$W/compose.yaml" enricher)" || exit 1
nevals=2
for kv in "${svc_env[@]}"; do
	case "$kv" in LANNER_EVALUATORS=*) nevals=${kv#*=} ;; esac
done

# The outputs of the stack: a real Redis with the compose password (redis-server,
# installed by scripts/deps.sh) in place of the `redis` service, and an HTTP sink in
# place of falcosidekick (http_output on, as with the sidekick profile).
redis_pw=""
eval "$(python3 "$root/scripts/deploy/compose-service.py" "$W/compose.yaml" emitter)" || exit 1
for kv in "${svc_env[@]}"; do
	case "$kv" in REDIS_PASSWORD=*) redis_pw=${kv#*=} ;; esac
done
sinks=(LANNER_REDIS_ENABLED=false LANNER_HTTP_OUTPUT=false)
python3 "$root/scripts/deploy/http-sink.py" "$W/http.port" "$W/http.out" </dev/null >/dev/null 2>&1 &
sink_pids="$!"
rport=""
if command -v redis-server >/dev/null; then
	rport=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
	redis-server --port "$rport" --bind 127.0.0.1 --save "" --appendonly no \
		--requirepass "$redis_pw" </dev/null >"$W/redis.log" 2>&1 &
	sink_pids="$sink_pids $!"
	rcli() { REDISCLI_AUTH="$redis_pw" redis-cli -p "$rport" "$@"; }
	for _ in $(seq 50); do rcli ping 2>/dev/null | grep -q PONG && break; sleep 0.1; done
	sinks=(LANNER_REDIS_ENABLED=true LANNER_REDIS_ADDRESS="127.0.0.1:$rport")
else
	echo "run-stages: note: redis-server missing, Redis output not exercised"
	[ "${CI:-}" = true ] && exit 1
fi
for _ in $(seq 50); do [ -s "$W/http.port" ] && break; sleep 0.1; done
sinks+=(LANNER_HTTP_OUTPUT=true LANNER_HTTP_URL="http://127.0.0.1:$(cat "$W/http.port")/")

replay_file=$W/$cap.scap
rc=0
start emitter >"$W/alerts.json" 2>"$W/emitter.err" &
em=$!
pids="$em"
evs=""
for k in $(seq "$nevals"); do
	start evaluator 2>"$W/evaluator.$k.err" &
	evs="$evs $!"
done
pids="$pids $evs"
# as compose's depends_on: the enricher starts once every evaluator holds its index
for _ in $(seq 100); do
	[ "$(cat "$W"/evaluator.*.err 2>/dev/null | grep -c 'evaluator index')" -ge "$nevals" ] && break
	sleep 0.1
done
start enricher 2>"$W/enricher.err" &
en=$!
pids="$pids $en"
(start replay) 2>"$W/replay.err" || { echo "run-stages: replay stage failed"; rc=1; }
wait "$en" || { echo "run-stages: enricher failed"; rc=1; }
for p in $evs; do wait "$p" || { echo "run-stages: an evaluator failed"; rc=1; }; done
want=-1
if command -v sysdig >/dev/null; then
	want=$(sysdig -r "$W/$cap.scap" 'evt.dir=< and evt.type in (open, openat, openat2) and fd.name startswith /etc/' 2>/dev/null | wc -l)
fi
rule='Lanner open below etc'
count_redis() {
	# one JSON value per stream entry (the other fields are short metadata)
	if [ -n "$rport" ]; then rcli --raw XRANGE lanner:alerts - + 2>/dev/null | grep '^{' | grep -c "$rule"; else echo 0; fi
}
# every output delivers before the emitter is stopped (10 s at most)
for _ in $(seq 100); do
	n_http=$(grep -c "$rule" "$W/http.out" 2>/dev/null)
	n_redis=$(count_redis)
	[ "${n_http:-0}" -ge "$want" ] && { [ -z "$rport" ] || [ "$n_redis" -ge "$want" ]; } && break
	sleep 0.1
done
kill -TERM "$em"
wait "$em" || { echo "run-stages: emitter failed"; rc=1; }
pids=""
got=$(grep -c "\"rule\":\"$rule\"" "$W/alerts.json")
n_http=$(grep -c "$rule" "$W/http.out" 2>/dev/null)
n_redis=$(count_redis)
grep -q '^INVALID' "$W/http.out" 2>/dev/null && { echo "run-stages: non-JSON HTTP bodies"; rc=1; }
if [ "$want" -lt 0 ]; then
	echo "run-stages: note: sysdig (the oracle) missing: only requiring alerts"
	[ "${CI:-}" = true ] && rc=1
	want=$got
fi
if [ "$got" -lt 1 ] || [ "$got" != "$want" ] || [ "${n_http:-0}" != "$want" ] ||
	{ [ -n "$rport" ] && [ "$n_redis" != "$want" ]; }; then
	echo "run-stages: '$rule': stdout $got, HTTP $n_http, Redis ${n_redis:-off}; sysdig selects $want"
	rc=1
else
	echo "run-stages: replay gave $got alerts (= sysdig) on stdout, HTTP ($n_http) and Redis ($n_redis)"
fi
# every evaluator index claimed exactly once
if ! grep -h 'evaluator index' "$W"/evaluator.*.err | sort | uniq -d | grep -q . &&
	[ "$(grep -h 'evaluator index' "$W"/evaluator.*.err | wc -l)" = "$nevals" ]; then
	echo "run-stages: $nevals evaluators claimed distinct indexes"
else
	echo "run-stages: evaluator index claims wrong:"; grep -h 'evaluator index' "$W"/evaluator.*.err
	rc=1
fi
[ $rc = 0 ] || tail -n 5 "$W"/*.err

# Scaling, as `docker compose up --scale evaluator=N` on a running stack: a long
# replay (40 passes, ~5 s) through an enricher started with LANNER_EVALUATORS=1 and
# one evaluator; two more evaluators start mid-run and claim indexes 1 and 2 on
# their own; then the one with index 2 is stopped (scale down; SIGTERM as docker
# stop). The enricher gets lanner.evaluator_grace_ms=1000 (default 5 s) so that what
# the stopped one left is moved before the replay ends. Every alert must arrive
# exactly once (40 x one pass), and the joined evaluators must have evaluated events:
# the enricher took them up while running.
if grep -qa 'evaluator_grace_ms' "$D/usr/bin/lanner-enricher"; then
	nsenter --target "$holder" --mount -- sh -c 'rm -f /dev/shm/lanner-*'
	rm -f "$run_dir"/*.lock
	loops=40
	for s in emitter enricher evaluator; do
		python3 "$root/scripts/deploy/compose-service.py" "$W/compose.yaml" "$s" >"$W/svc.$s" || rc=1
	done
	extra_env=(LANNER_EVALUATORS=1 LANNER_REPLAY_LOOPS=$loops LANNER_REPLAY_EPS=30000)
	hp_em=$(free_port)
	hp_ev0=$(free_port)
	hp_en=$(free_port)
	hp_ev2=$(free_port)
	HEALTH_PORT=$hp_em start emitter >"$W/scale-alerts.json" 2>"$W/scale-emitter.err" &
	em=$!
	HEALTH_PORT=$hp_ev0 start evaluator 2>"$W/scale-evaluator.0.err" &
	ev0=$!
	pids="$em $ev0"
	for _ in $(seq 100); do grep -q 'evaluator index' "$W/scale-evaluator.0.err" && break; sleep 0.1; done
	HEALTH_PORT=$hp_en start enricher -o lanner.evaluator_grace_ms=1000 2>"$W/scale-enricher.err" &
	en=$!
	(start replay) 2>"$W/scale-replay.err" &
	rp=$!
	pids="$pids $en $rp"
	sleep 1
	start evaluator 2>"$W/scale-evaluator.1.err" &
	ev1=$!
	for _ in $(seq 100); do grep -q 'evaluator index' "$W/scale-evaluator.1.err" && break; sleep 0.1; done
	HEALTH_PORT=$hp_ev2 start evaluator 2>"$W/scale-evaluator.2.err" &
	ev2=$!
	t_ev2=$(date +%s%N)
	pids="$pids $ev1 $ev2"
	# the compose healthchecks (`lanner-stage health STAGE` -> GET /healthz on the
	# --health-listen port the entry point gave each stage) while the replay runs;
	# and one asking a port nothing serves must fail (the check is not vacuous)
	hc_bad=""
	healthcheck emitter "$hp_em" || hc_bad="$hc_bad emitter"
	healthcheck enricher "$hp_en" || hc_bad="$hc_bad enricher"
	healthcheck evaluator "$hp_ev0" || hc_bad="$hc_bad evaluator-0"
	healthcheck evaluator "$hp_ev2" || hc_bad="$hc_bad evaluator-2"
	healthcheck evaluator "$(free_port)" 0 && hc_bad="$hc_bad (a port nothing serves passed)"
	if [ -z "$hc_bad" ]; then
		echo "run-stages: compose healthchecks pass on emitter, enricher, evaluators 0 and 2 (/healthz via --health-listen)"
	else
		echo "run-stages: compose healthchecks failed:$hc_bad"; cat "$W"/hc.*.out 2>/dev/null | tail -5
		rc=1
	fi
	# scale down 1.5 s after evaluator 2 started, checks included: the enricher must
	# see it gone for its grace time (1 s) before the replay ends (~5 s), or what it
	# left in its ring is never moved (the enricher stops with its source)
	left=$((1500 - ($(date +%s%N) - t_ev2) / 1000000))
	[ "$left" -gt 0 ] && sleep "$(printf '%d.%03d' $((left / 1000)) $((left % 1000)))"
	kill -TERM "$ev2"
	src=0
	wait_for "$ev2" 30 "the scaled-down evaluator" || src=1
	wait_for "$rp" 60 "replay" || src=1
	wait_for "$en" 30 "enricher" || src=1
	wait_for "$ev0" 30 "evaluator 0" || src=1
	wait_for "$ev1" 30 "evaluator 1" || src=1
	want_s=$((loops * want))
	for _ in $(seq 100); do
		[ "$(grep -c "\"rule\":\"$rule\"" "$W/scale-alerts.json")" -ge "$want_s" ] && break
		sleep 0.1
	done
	kill -TERM "$em"
	wait_for "$em" 30 emitter || src=1
	pids=""
	extra_env=()
	got=$(grep -c "\"rule\":\"$rule\"" "$W/scale-alerts.json")
	uniq_got=$(grep "\"rule\":\"$rule\"" "$W/scale-alerts.json" | sort -u | wc -l)
	idx=$(grep -ho 'evaluator index [0-9]*' "$W"/scale-evaluator.*.err | awk '{print $3}' | sort | xargs)
	ev_in() { grep -o 'done: [0-9]* events' "$W/scale-evaluator.$1.err" | grep -o '[0-9][0-9]*'; }
	n1=$(ev_in 1)
	n2=$(ev_in 2)
	if [ $src = 0 ] && [ "$got" = "$want_s" ] && [ "$idx" = "0 1 2" ] &&
		[ "${n1:-0}" -gt 0 ] && [ "${n2:-0}" -gt 0 ]; then
		echo "run-stages: scaling: evaluators 1 and 2 joined a running enricher (LANNER_EVALUATORS=1), 2 left again; $got alerts = $loops x $want; joined ones evaluated $n1 and $n2 events"
	else
		echo "run-stages: scaling: exits ok=$((1 - src)), $got alerts ($uniq_got distinct; want $want_s), indexes '$idx', events of evaluator 1: ${n1:-none}, 2: ${n2:-none}"
		tail -n 5 "$W"/scale-*.err
		rc=1
	fi
else
	echo "run-stages: note: this lanner-enricher has no dynamic evaluator membership (no lanner.evaluator_grace_ms): scaling not exercised"
fi

# The dashboard (service ui): its compose command as uid 10001 with no-new-privs,
# listening on a free loopback port instead of 0.0.0.0:2802, reading the same Redis;
# /api/v1/healthz (the Kubernetes probe) must answer 200, i.e. Redis reached with the
# compose password through the config's ${VAR}s.
if [ -x "$D/usr/bin/lanner-ui" ] && [ -n "$rport" ]; then
	mkdir -p "$W/ui"
	chown 10001:10001 "$W/ui"
	uport=$(python3 -c 'import socket;s=socket.socket();s.bind(("127.0.0.1",0));print(s.getsockname()[1])')
	start ui --listen "127.0.0.1:$uport" --users-file "$W/ui/users" 2>"$W/ui.err" &
	ui=$!
	code=""
	for _ in $(seq 50); do
		code=$(python3 -c 'import sys,urllib.request as u
try: print(u.urlopen(sys.argv[1], timeout=2).status)
except Exception as e: print(getattr(e, "code", "down"))' "http://127.0.0.1:$uport/api/v1/healthz")
		[ "$code" = 200 ] && break
		sleep 0.1
	done
	kill -TERM "$ui" 2>/dev/null
	if wait "$ui" && [ "$code" = 200 ]; then
		echo "run-stages: ui answered /api/v1/healthz 200 (Redis reached), stopped cleanly"
	else
		echo "run-stages: ui: /api/v1/healthz gave '$code'"; tail -5 "$W/ui.err"
		rc=1
	fi
	[ -s "$W/ui/users.admin-password" ] || { echo "run-stages: ui --init-admin made no admin password"; rc=1; }
elif [ "${CI:-}" = true ]; then
	echo "run-stages: lanner-ui not installed or no Redis"
	rc=1
fi

# The live pipeline, as the default compose profile: the collector (uid 10001, its
# file capabilities within its cap_add) feeding a live enricher (which scans /proc
# with its own), the evaluators and the emitter; 2 s of this machine's events, then
# the collector ends and every stage must stop cleanly (SIGTERM, as `docker stop`).
stop() { # PID NAME: SIGTERM unless gone, then its exit status must be 0
	kill -TERM "$1" 2>/dev/null
	wait "$1" || { echo "run-stages: live $2 failed"; rc=1; }
}
if [ "$(id -u)" != 0 ]; then
	echo "run-stages: not root, live pipeline not started"
elif [ ! -x "$D/usr/bin/lanner-collector" ]; then
	echo "run-stages: lanner-collector not built (LANNER_BPF=OFF)"
	[ "${CI:-}" = true ] && rc=1
else
	nsenter --target "$holder" --mount -- sh -c 'rm -f /dev/shm/lanner-*'
	replay_file=""
	start emitter >"$W/live-alerts.json" 2>"$W/live-emitter.err" &
	em=$!
	evs=""
	for k in $(seq "$nevals"); do
		start evaluator 2>"$W/live-evaluator.$k.err" &
		evs="$evs $!"
	done
	pids="$em $evs"
	for _ in $(seq 100); do
		[ "$(cat "$W"/live-evaluator.*.err 2>/dev/null | grep -c 'evaluator index')" -ge "$nevals" ] && break
		sleep 0.1
	done
	start enricher 2>"$W/live-enricher.err" &
	en=$!
	pids="$pids $en"
	for _ in $(seq 100); do grep -q 'enricher ready' "$W/live-enricher.err" && break; sleep 0.1; done
	hp_col=$(free_port)
	(HEALTH_PORT=$hp_col start collector --duration 3 --stats) >"$W/collector.out" 2>"$W/collector.err" &
	col=$!
	if healthcheck collector "$hp_col" 3; then
		echo "run-stages: live collector's compose healthcheck passes (/healthz 200 once attached)"
	else
		echo "run-stages: live collector's healthcheck failed: $(cat "$W/hc.collector.out")"
		rc=1
	fi
	if wait_for "$col" 30 collector; then
		echo "run-stages: live collector ran 3 s as uid 10001: $(grep -m1 'events' "$W/collector.err")"
	else
		echo "run-stages: live collector failed:"; tail -5 "$W/collector.err"
		rc=1
	fi
	sleep 1
	stop "$en" enricher
	for p in $evs; do stop "$p" evaluator; done
	sleep 0.5
	stop "$em" emitter
	pids=""
	n_in=$(grep -o 'enricher done: [0-9]* events in' "$W/live-enricher.err" | grep -o '[0-9][0-9]*')
	if [ "${n_in:-0}" -gt 0 ]; then
		echo "run-stages: live enricher took $n_in events from the collector; $(grep -c '"rule"' "$W/live-alerts.json") alerts"
	else
		echo "run-stages: the live enricher received no event"; rc=1
	fi
	[ $rc = 0 ] || tail -n 5 "$W"/live-*.err
fi
exit $rc
