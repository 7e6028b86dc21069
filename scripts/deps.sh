#!/bin/sh
# Install, only if missing, the Debian packages Lanner needs.
# Usage: scripts/deps.sh [run|test|ci]   (default: run)
#   run  - what building and running Lanner needs
#   test - run + what the test suite needs (redis-server, cmocka, ...)
#   ci   - test + what the CI-only checks need (clang runtime for fuzzing, ...)
# Silent when nothing is missing. Runs `apt-get update` first only when it has
# to install something, so it works on a machine with no apt lists yet.
set -eu

profile=${1:-run}

run_pkgs="build-essential cmake pkg-config clang llvm libbpf-dev bpftool libelf-dev
zlib1g-dev libyaml-dev libnng-dev libhiredis-dev libjansson-dev libmicrohttpd-dev
libcurl4-openssl-dev libssl-dev redis-server libcap-dev libcrypt-dev
libnghttp2-dev libprotobuf-c-dev protobuf-c-compiler"
test_pkgs="libcmocka-dev clang-format iproute2 procps psmisc sysdig chromium chromium-driver nodejs
python3 python3-yaml gdb"
ci_pkgs="libclang-rt-14-dev"

case "$profile" in
run) pkgs="$run_pkgs" ;;
test) pkgs="$run_pkgs $test_pkgs" ;;
ci) pkgs="$run_pkgs $test_pkgs $ci_pkgs" ;;
*) echo "deps.sh: unknown profile '$profile' (run|test|ci)" >&2; exit 2 ;;
esac

missing=""
for p in $pkgs; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
# npm (the browser test's playwright-core): Debian ships it as a package of its own, NodeSource's
# nodejs bundles it and conflicts with Debian's: ask for the package only when the command is missing
if [ "$profile" != run ] && ! command -v npm >/dev/null 2>&1; then
	missing="$missing npm"
fi
[ -z "$missing" ] && exit 0

if [ "$(id -u)" -ne 0 ]; then
	echo "deps.sh: missing packages:$missing; run as root (sudo) to install them" >&2
	exit 1
fi
echo "deps.sh: installing:$missing" >&2
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq >/dev/null
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
