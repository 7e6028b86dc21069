#!/bin/bash
# run_dashboard_url.sh BUILD_DIR CONFORMANCE_DIR: `lanner run` (what `make run` starts)
# with ui.enabled and no Redis configured starts a private redis-server and prints the
# dashboard's address; that address must be the one lanner-ui serves (ui.listen on a
# free port and ui.base_path here, not the default 127.0.0.1:2802): GET
# <printed address>api/v1/healthz must answer 200. Every wait is bounded.
set -u
B=$1
C=$2
L="$B/lanner/lanner"
cap="$C/scap/sysdig-inspect_502Error.scap"
if [ ! -x "$B/ui/lanner-ui" ] || [ ! -x /usr/bin/redis-server ] || [ ! -r "$cap" ]; then
	echo "*** SKIPPED: needs lanner-ui, /usr/bin/redis-server and $cap ***"
	exit 77
fi
command -v curl >/dev/null || {
	echo "*** SKIPPED: curl needed ***"
	exit 77
}
work=$(mktemp -d /tmp/lanner-du-XXXXXX)
chmod 755 "$work"
inst="du$$"
lp=""
cleanup() {
	[ -n "$lp" ] && kill "$lp" 2>/dev/null && wait "$lp" 2>/dev/null
	rm -f /dev/shm/lanner-"$inst".*
	rm -rf "$work"
}
trap cleanup EXIT
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
printf -- '- rule: x\n  desc: d\n  condition: evt.type = openat and fd.name = /no/such\n  output: x\n  priority: ERROR\n' >"$work/rules.yaml"
cat >"$work/lanner.yaml" <<CFG
stdout_output:
  enabled: false
syslog_output:
  enabled: false
lanner:
  instance: $inst
  run_dir: $work/run
  ring_size_mb: 4
emitter:
  intake: ipc://$work/run/alerts.sock
spool:
  dir: $work/spool
ui:
  enabled: true
  listen: 0.0.0.0:$port
  base_path: /lanner
CFG
chmod -R a+rX "$work"
LANNER_REPLAY_HOLD_S=20 timeout 60 "$L" -c "$work/lanner.yaml" -r "$work/rules.yaml" \
	--evaluators 1 --replay "$cap" >"$work/out" 2>"$work/err" &
lp=$!
url=""
for _ in $(seq 100); do
	url=$(grep -o 'dashboard on a private redis-server ([^)]*): [^ ]*' "$work/err" | awk '{print $NF}')
	[ -n "$url" ] && break
	kill -0 "$lp" 2>/dev/null || break
	sleep 0.1
done
want="http://127.0.0.1:$port/lanner/"
if [ "$url" != "$want" ]; then
	echo "FAIL printed dashboard address '$url', want '$want' (ui.listen 0.0.0.0:$port, base /lanner)"
	tail -5 "$work/err"
	exit 1
fi
code=""
for _ in $(seq 100); do
	code=$(curl -s -o /dev/null -w '%{http_code}' --max-time 2 "${url}api/v1/healthz")
	[ "$code" = 200 ] && break
	kill -0 "$lp" 2>/dev/null || break
	sleep 0.1
done
if [ "$code" != 200 ]; then
	echo "FAIL ${url}api/v1/healthz gave '$code' (lanner-ui not at the printed address)"
	tail -5 "$work/err"
	exit 1
fi
echo "ok   lanner run printed $url (from ui.listen/base_path) and lanner-ui answers there"
