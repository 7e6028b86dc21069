#!/bin/sh
# `make run`: start Lanner on this machine with the default configuration and
# rules, alerts on the terminal. Usage: scripts/run.sh BUILD [lanner args...]
set -eu
build=$1
shift
root=$(cd "$(dirname "$0")/.." && pwd)
if [ "$(id -u)" -ne 0 ]; then
	echo "lanner needs root to load its eBPF programs: run 'sudo make run'" >&2
	exit 1
fi
bin="$build/lanner/lanner"
if [ ! -x "$bin" ]; then
	echo "make run: the lanner command is not built yet in this version ($bin missing)." >&2
	echo "See README.md, 'Status', for what exists today." >&2
	exit 1
fi
exec "$bin" -c "$root/lanner.yaml" "$@"
