#!/bin/sh
# Browser test of lanner-ui: a private redis-server, lanner-ui under a base path, seeded
# alerts, then browser.mjs in headless Chromium (playwright-core, /usr/bin/chromium).
# Usage: run_browser.sh LANNER_UI_BINARY WORK_DIR   (screenshots land in WORK_DIR/screenshots)
# Exit 77 (skip) when chromium, node or npm is missing outside CI; fails in CI.
set -eu
ui=$1
work=$2
src=$(cd "$(dirname "$0")" && pwd)
skip() {
	echo "SKIP: $*" >&2
	if [ -n "${CI:-}" ]; then exit 1; fi
	exit 77
}
[ -x /usr/bin/chromium ] || skip "no /usr/bin/chromium (scripts/deps.sh test installs it)"
command -v node >/dev/null || skip "no node"
command -v npm >/dev/null || skip "no npm"
command -v redis-server >/dev/null || skip "no redis-server"

mkdir -p "$work"
# playwright-core from the lockfile, installed into the build tree (not the source tree)
if [ ! -d "$work/node_modules/playwright-core" ] ||
	! cmp -s "$src/package-lock.json" "$work/package-lock.json"; then
	cp "$src/package.json" "$src/package-lock.json" "$work/"
	(cd "$work" && npm ci --no-audit --no-fund --silent) || skip "npm ci failed (offline?)"
fi
tmp=$(mktemp -d /tmp/lanner-ui-browser.XXXXXX)
rpid=""
upid=""
cleanup() {
	[ -n "$upid" ] && kill "$upid" 2>/dev/null && wait "$upid" 2>/dev/null
	[ -n "$rpid" ] && kill "$rpid" 2>/dev/null
	sleep 0.2
	rm -rf "$tmp"
}
trap cleanup EXIT INT TERM
redis-server --port 0 --unixsocket "$tmp/redis.sock" --unixsocketperm 700 --save '' \
	--appendonly no --dir "$tmp" >"$tmp/redis.log" 2>&1 &
rpid=$!
i=0
while [ ! -S "$tmp/redis.sock" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { echo "redis-server did not start" >&2; exit 1; }
	sleep 0.05
done
printf 'admin-pass\n' | "$ui" --users-file "$tmp/users" --add-user admin --role admin
"$ui" --redis "$tmp/redis.sock" --users-file "$tmp/users" --listen 127.0.0.1:0 \
	--base-path /lanner >"$tmp/ui.log" 2>&1 &
upid=$!
port=""
i=0
while [ -z "$port" ]; do
	i=$((i + 1))
	[ $i -gt 100 ] && { cat "$tmp/ui.log" >&2; exit 1; }
	sleep 0.05
	port=$(sed -n 's|.*listening on http://127.0.0.1:\([0-9]*\)/.*|\1|p' "$tmp/ui.log")
done
node "$src/browser.mjs" "http://127.0.0.1:$port/lanner/" "$work" \
	"$tmp/profile"
