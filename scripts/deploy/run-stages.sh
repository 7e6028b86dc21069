#!/bin/bash
# run-stages.sh DESTDIR CONFORMANCE_DIR WORKDIR: run the image's entry point
# (DESTDIR/usr/bin/lanner-stage) outside containers exactly as the compose services
# run it: each service's command, environment, uid:gid, capabilities (the image's
# file capabilities, taken from compose/Dockerfile's setcap lines, within the
# service's cap_add bounding set) and no-new-privileges come from
# `docker-compose config`; all stages share one IPC + mount namespace with a
# /dev/shm of its own (the compose `ipc` service). Only paths differ: the install
# prefix (DESTDIR), the run and spool volumes (WORKDIR) and the replayed capture.
# Exit 0: the replay's alerts arrived through every stage, each stage exited 0,
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
cleanup() {
	for p in $pids; do kill "$p" 2>/dev/null; done
	kill "$holder" 2>/dev/null
}
trap cleanup EXIT

run_dir=$W/run
spool=$W/spool
mkdir -p "$run_dir" "$spool"
cp "$C/scap/$cap.scap" "$W/"
chmod 644 "$W/$cap.scap"

# start SERVICE [EXTRA ARGS]: exec the service's command as compose would (run it
# in a subshell: `start X &` or `(start X)`).
start() {
	local svc=$1 svc_user svc_caps svc_nnp svc_cmd svc_env
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
	chown "$uid:$gid" "$run_dir" "$spool"
	# exec: the caller's $! (or subshell) is the stage process itself.
	exec nsenter --target "$holder" --ipc --mount -- setpriv "${priv[@]}" \
		env -i PATH=/usr/bin:/bin "${svc_env[@]}" \
		LANNER_BINDIR="$D/usr/bin" LANNER_CONFIG="$D/etc/lanner/lanner.yaml" \
		LANNER_RULES_DIR="$D/etc/lanner/rules.d" LANNER_RUN_DIR="$run_dir" \
		LANNER_SPOOL_DIR="$spool" LANNER_REPLAY_FILE="$W/$cap.scap" \
		LANNER_REDIS_ENABLED=false \
		"$D/usr/bin/lanner-stage" "${svc_cmd[@]}" "$@"
}

eval "$(python3 "$root/scripts/deploy/compose-service.py" "$W/compose.yaml" enricher)" || exit 1
nevals=2
for kv in "${svc_env[@]}"; do
	case "$kv" in LANNER_EVALUATORS=*) nevals=${kv#*=} ;; esac
done

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
sleep 0.5
kill -TERM "$em"
wait "$em" || { echo "run-stages: emitter failed"; rc=1; }
pids=""
got=$(grep -c '"rule":"Lanner open below etc"' "$W/alerts.json")
want=$(grep -c . <<<"")
if command -v sysdig >/dev/null; then
	want=$(sysdig -r "$W/$cap.scap" 'evt.dir=< and evt.type in (open, openat, openat2) and fd.name startswith /etc/' 2>/dev/null | wc -l)
fi
if [ "$got" -lt 1 ] || { [ "$want" -gt 0 ] && [ "$got" != "$want" ]; }; then
	echo "run-stages: $got alerts of 'Lanner open below etc' (sysdig selects $want events)"
	rc=1
else
	echo "run-stages: replay gave $got alerts${want:+ (sysdig selects $want)}"
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

# The live collector: as uid 10001 with CAP_BPF, CAP_PERFMON, CAP_SYS_RESOURCE only.
if [ "$(id -u)" != 0 ]; then
	echo "run-stages: not root, live collector not started"
elif [ ! -x "$D/usr/bin/lanner-collector" ]; then
	echo "run-stages: lanner-collector not built (LANNER_BPF=OFF)"
	[ "${CI:-}" = true ] && rc=1
elif (start collector --duration 2 --stats) >"$W/collector.out" 2>"$W/collector.err"; then
	echo "run-stages: live collector ran 2 s as uid 10001: $(grep -m1 -i event "$W/collector.err" "$W/collector.out" | head -1)"
else
	echo "run-stages: live collector failed:"; tail -5 "$W/collector.err"
	rc=1
fi
exit $rc
