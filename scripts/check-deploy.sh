#!/bin/bash
# check-deploy.sh BUILD_DIR [CONFORMANCE_DIR]: the deployment checks of CI
# (docs/deploy.md, "What CI checks"). No container engine is needed:
#  1. docker-compose config on compose/ with each profile (Debian's docker-compose);
#  2. compose/Dockerfile linted (scripts/deploy/lint-dockerfile.py; self-tested);
#  3. deploy/k8s schema-checked (kubernetes-models from npm) + consistency checks;
#  4. `make install DESTDIR=...`; systemd-analyze verify on the installed units;
#     the installed lanner runs (--version, validate on the installed rules,
#     selftest when it exists);
#  5. the image's entry point, run outside containers with the same arguments,
#     environment, uid/gid, capabilities and no-new-privileges as the compose
#     services, in one IPC + mount namespace with its own /dev/shm (as `ipc:
#     service:ipc`): a .scap replay through every stage must give the expected
#     alerts; the live collector must start as uid 10001 with its three capabilities.
# Installs what it needs only if missing (Debian packages, npm packages into
# BUILD_DIR/deploy-tools). Prints "N passed, N failed".
set -uo pipefail
B=$(cd "${1:?usage: check-deploy.sh BUILD_DIR [CONFORMANCE_DIR]}" && pwd)
root=$(cd "$(dirname "$0")/.." && pwd)
C=${2:-$root/../shared/conformance}
cd "$root" || exit 1
pass=0
fail=0
ok() { echo "ok   $*"; pass=$((pass + 1)); }
ko() { echo "FAIL $*"; fail=$((fail + 1)); }
W=$(mktemp -d /tmp/lanner-deploy-XXXXXX)
chmod 755 "$W"
holder=""
cleanup() {
	[ -n "$holder" ] && kill "$holder" 2>/dev/null
	rm -rf "$W"
}
trap cleanup EXIT

# --- tools, only if missing ---------------------------------------------------
need_pkgs=""
command -v docker-compose >/dev/null || need_pkgs="$need_pkgs docker-compose"
command -v systemd-analyze >/dev/null || need_pkgs="$need_pkgs systemd"
command -v setcap >/dev/null || need_pkgs="$need_pkgs libcap2-bin"
command -v setpriv >/dev/null || need_pkgs="$need_pkgs util-linux"
command -v node >/dev/null || need_pkgs="$need_pkgs nodejs"
command -v npm >/dev/null || need_pkgs="$need_pkgs npm"
command -v python3 >/dev/null || need_pkgs="$need_pkgs python3"
if [ -n "$need_pkgs" ]; then
	echo "check-deploy: installing$need_pkgs"
	export DEBIAN_FRONTEND=noninteractive
	apt-get update -qq >/dev/null && apt-get install -y -qq --no-install-recommends $need_pkgs >/dev/null ||
		{ echo "FAIL: cannot install$need_pkgs"; exit 1; }
fi
tools=$B/deploy-tools
if ! grep -q '"version": "4.5.1"' "$tools/node_modules/kubernetes-models/package.json" 2>/dev/null ||
	[ ! -f "$tools/node_modules/js-yaml/package.json" ]; then
	mkdir -p "$tools"
	(cd "$tools" && npm install --no-audit --no-fund --silent --no-save \
		kubernetes-models@4.5.1 js-yaml@4.1.0 >/dev/null) ||
		{ echo "FAIL: npm install kubernetes-models js-yaml"; exit 1; }
fi

# --- 1. docker-compose config, each profile -----------------------------------
for prof in "" sidekick replay "sidekick replay"; do
	args=""
	for p in $prof; do args="$args --profile $p"; done
	# shellcheck disable=SC2086
	if (cd compose && docker-compose $args config -q) 2>"$W/dc.err"; then
		ok "docker-compose config (profiles: ${prof:-default})"
	else
		ko "docker-compose config (profiles: ${prof:-default})"; cat "$W/dc.err"
	fi
done
# The stack refuses to start without a Redis password.
if (cd compose && REDIS_PASSWORD="" docker-compose config -q) 2>"$W/dc.err" ||
	! grep -q 'set REDIS_PASSWORD' "$W/dc.err"; then
	ko "docker-compose config accepted an empty REDIS_PASSWORD"
else
	ok "docker-compose config refuses an empty REDIS_PASSWORD"
fi
if python3 scripts/deploy/check-compose.py compose "$C/reference/falco-docker-compose.yaml" \
	"$C/reference/falco-docker-compose-config-http_output.yml" deploy/lanner.yaml; then
	ok "compose policy (caps, users, ipc, volumes, healthchecks, 127.0.0.1)"
else
	ko "compose policy"
fi
# The scaling checks can fail: more claimable evaluator rings than /dev/shm holds,
# and a replica count that is not LANNER_EVALUATORS, must be refused.
if (cd compose && LANNER_EVAL_MAX=20 python3 ../scripts/deploy/check-compose.py .) >"$W/cp.out" 2>&1 ||
	! grep -q 'cannot hold 1 + LANNER_EVAL_MAX (20)' "$W/cp.out"; then
	ko "compose policy accepted LANNER_EVAL_MAX=20 in a 1g /dev/shm"; cat "$W/cp.out"
else
	ok "compose policy refuses more evaluator rings than LANNER_SHM_SIZE holds"
fi
sed 's/replicas: ${LANNER_EVALUATORS:-2}/replicas: 3/' compose/docker-compose.yaml >"$W/dc-bad.yaml"
cp compose/.env "$W/.env"
if (cd "$W" && cp dc-bad.yaml docker-compose.yaml && python3 "$root/scripts/deploy/check-compose.py" .) \
	>"$W/cp.out" 2>&1 || ! grep -q 'deploy.replicas 3 != LANNER_EVALUATORS 2' "$W/cp.out"; then
	ko "compose policy accepted deploy.replicas != LANNER_EVALUATORS"; cat "$W/cp.out"
else
	ok "compose policy refuses deploy.replicas != LANNER_EVALUATORS"
fi
# The healthchecks must ask the port each command listens on: a ui healthcheck on
# another port, and an evaluator whose command moves its /healthz away from
# LANNER_HEALTH_LISTEN (which `lanner-stage health` asks), must be refused.
sed 's#http://127.0.0.1:2802/api/v1/healthz#http://127.0.0.1:2803/api/v1/healthz#; s#command: \["evaluator"\]#command: ["evaluator", "--health-listen", "127.0.0.1:9999"]#' \
	compose/docker-compose.yaml >"$W/docker-compose.yaml"
if (cd "$W" && python3 "$root/scripts/deploy/check-compose.py" .) >"$W/cp.out" 2>&1 ||
	! grep -q 'ui: healthcheck asks port 2803 but the command listens on 0.0.0.0:2802' "$W/cp.out" ||
	! grep -q 'evaluator: healthcheck asks 127.0.0.1:8766 (LANNER_HEALTH_LISTEN) but the command listens on 127.0.0.1:9999' "$W/cp.out"; then
	ko "compose policy accepted healthchecks on ports the commands do not listen on"; cat "$W/cp.out"
else
	ok "compose policy refuses healthchecks on ports the commands do not listen on"
fi

# --- 2. Dockerfile lint ---------------------------------------------------------
if python3 scripts/deploy/lint-dockerfile.py --self-test >"$W/lint.out" 2>&1; then
	ok "Dockerfile linter self-test (rejects each bad sample)"
else
	ko "Dockerfile linter self-test"; cat "$W/lint.out"
fi
if python3 scripts/deploy/lint-dockerfile.py compose/Dockerfile; then
	ok "compose/Dockerfile lint"
else
	ko "compose/Dockerfile lint"
fi

# The image's build stage (target lanner-programs, install --strip) on this build
# tree, and its runtime stage's package list against what the programs link:
# every library ldd resolves must come from a listed package or one it depends on.
R=$W/image-root
if cmake --build "$B" --target lanner-programs >"$W/progs.log" 2>&1 &&
	DESTDIR="$R" cmake --install "$B" --prefix /usr --strip >>"$W/progs.log" 2>&1; then
	ok "image build stage: target lanner-programs + install --strip"
else
	ko "image build stage"; tail -20 "$W/progs.log"
fi
rt_pkgs=$(sed -n '/^FROM .* AS runtime/,$p' compose/Dockerfile | sed -n '/apt-get install/,/rm -rf/p' |
	tr ' \t\\' '\n' | grep -E '^[a-z0-9][a-z0-9.+-]+$' | grep -vE '^(apt-get|install|rm|rf|y|qq)$' |
	grep -v '^-' | sort -u)
pkg_closure() {
	# shellcheck disable=SC2086
	apt-cache depends --recurse --no-recommends --no-suggests --no-conflicts --no-breaks \
		--no-replaces --no-enhances $rt_pkgs 2>/dev/null | grep -v '^ ' | sed 's/:.*//' | sort -u
}
closure=$(pkg_closure)
# apt-cache needs the package lists: fetch them once if this machine has none
if ! grep -qx libc6 <<<"$closure"; then
	apt-get update -qq >/dev/null 2>&1
	closure=$(pkg_closure)
fi
missing_libs=""
for f in "$R"/usr/bin/*; do
	file -b "$f" 2>/dev/null | grep -q ELF || head -c 4 "$f" | grep -q ELF || continue
	for lib in $(ldd "$f" 2>/dev/null | awk '$3 ~ /^\// {print $3}'); do
		pkg=$(dpkg -S "$(readlink -f "$lib")" 2>/dev/null | head -1 | cut -d: -f1)
		[ -n "$pkg" ] || pkg=$(dpkg -S "$lib" 2>/dev/null | head -1 | cut -d: -f1)
		grep -qx "$pkg" <<<"$closure" || missing_libs="$missing_libs $(basename "$f"):$lib($pkg)"
	done
done
if [ -z "$missing_libs" ] && [ -n "$closure" ]; then
	ok "runtime stage packages cover every linked library ($(echo $rt_pkgs | wc -w) listed)"
else
	ko "runtime stage packages miss:${missing_libs:- (no package list)}"
fi

# --- 3. Kubernetes manifests ------------------------------------------------------
if node scripts/deploy/check-k8s.mjs "$tools" deploy/k8s; then
	ok "Kubernetes manifests (schema + consistency)"
else
	ko "Kubernetes manifests"
fi
# The probe checks can fail: a stage listening on a port its probes do not ask, one
# listening on loopback only (kubelet probes the pod IP), and a containerd state
# dir the enricher is not given must be refused.
K=$W/k8s-bad
mkdir -p "$K/deploy" "$K/rules"
cp -r deploy/k8s "$K/deploy/"
cp deploy/lanner.yaml "$K/deploy/"
cp rules/lanner_rules.yaml "$K/rules/"
sed -i 's/value: 0.0.0.0:8767/value: 0.0.0.0:8777/; s/value: 0.0.0.0:8768/value: 127.0.0.1:8768/; s#value: /host/run/containerd#value: /run/containerd#' \
	"$K/deploy/k8s/daemonset.yaml"
if node scripts/deploy/check-k8s.mjs "$tools" "$K/deploy/k8s" >"$W/k8s-bad.out" 2>&1 ||
	! grep -q 'enricher: livenessProbe asks port 8767 but the container listens on 0.0.0.0:8777' "$W/k8s-bad.out" ||
	! grep -q 'emitter: listens on 127.0.0.1:8768: kubelet probes the pod IP' "$W/k8s-bad.out" ||
	! grep -q 'host /run/containerd not mounted read-only at LANNER_CONTAINERD_STATE_DIR' "$W/k8s-bad.out"; then
	ko "Kubernetes checks accepted probes on ports the containers do not serve"; cat "$W/k8s-bad.out"
else
	ok "Kubernetes checks refuse probes on ports the containers do not serve (and a loopback listener)"
fi

# --- 4. install, systemd units, installed lanner --------------------------------
D=$W/root
if make --no-print-directory install BUILD="$B" DESTDIR="$D" >"$W/install.log" 2>&1; then
	ok "make install DESTDIR"
else
	ko "make install DESTDIR"; tail -20 "$W/install.log"
fi
for f in usr/bin/lanner usr/bin/lanner-stage usr/bin/lanner-enricher usr/bin/lanner-evaluator \
	usr/bin/lanner-emitter usr/bin/lanner-capture-replay etc/lanner/lanner.yaml \
	etc/lanner/rules.d/lanner_rules.yaml usr/share/lanner/rules/lanner_rules.yaml \
	lib/systemd/system/lanner.target lib/systemd/system/lanner-evaluator@.service; do
	[ -e "$D/$f" ] || ko "not installed: /$f"
done
# verify needs the ExecStart programs: point the units at the DESTDIR copies.
U=$W/units
mkdir -p "$U"
for f in "$D"/lib/systemd/system/*; do
	sed "s#/usr/bin/#$D/usr/bin/#g" "$f" >"$U/$(basename "$f")"
done
units=$(cd "$U" && ls -- *.service *.target | sed 's/@\.service/@0.service/')
if (cd "$U" && SYSTEMD_UNIT_PATH="$U:" systemd-analyze verify $units) >"$W/verify.out" 2>&1 &&
	[ ! -s "$W/verify.out" ]; then
	ok "systemd-analyze verify ($(echo $units | wc -w) units)"
else
	ko "systemd-analyze verify"; cat "$W/verify.out"
fi
if "$D/usr/bin/lanner" --version >"$W/v.out" 2>&1 && grep -q '^lanner ' "$W/v.out"; then
	ok "installed lanner --version: $(head -1 "$W/v.out")"
else
	ko "installed lanner --version"; cat "$W/v.out"
fi
if "$D/usr/bin/lanner" validate "$D/etc/lanner/rules.d/lanner_rules.yaml" >"$W/val.out" 2>&1 &&
	grep -Eq 'Ok \([0-9]+ rules, 0 warnings\)' "$W/val.out"; then
	ok "installed lanner validate on the installed rules"
else
	ko "installed lanner validate"; cat "$W/val.out"
fi
if "$D/usr/bin/lanner" --help 2>&1 | grep -q selftest; then
	if "$D/usr/bin/lanner" selftest -r "$D/etc/lanner/rules.d/lanner_rules.yaml" >"$W/st.out" 2>&1; then
		ok "installed lanner selftest"
	else
		ko "installed lanner selftest"; tail -20 "$W/st.out"
	fi
else
	echo "note: lanner has no selftest subcommand in this version (not checked)"
fi

# lanner.service runs the supervisor: run the installed `lanner run` as the unit does
# (root within its CapabilityBoundingSet, NoNewPrivileges, its Environment= defaults,
# the installed config), with a replay as the source and paths in $W. Every stage must
# be started as the unprivileged user (created if absent) and the alerts delivered:
# the unit's bounding set must be enough for the supervisor's privilege drop.
unit=$D/lib/systemd/system/lanner.service
if [ "$(id -u)" = 0 ] && [ -f "$unit" ]; then
	bset=$(sed -n 's/^CapabilityBoundingSet=//p' "$unit" | tr ' ' '\n' | sed 's/^CAP_//' |
		tr 'A-Z' 'a-z' | sed 's/^/+/' | paste -sd, -)
	mapfile -t unit_env < <(sed -n 's/^Environment=//p' "$unit" | tr ' ' '\n')
	S=$W/service
	mkdir -p "$S/rules"
	chmod 755 "$S"
	cp scripts/deploy/check_rules.yaml "$S/rules/lanner_rules.yaml"
	cp "$C/scap/sysdig-inspect_502Error.scap" "$S/"
	chmod -R a+rX "$S"
	nnp=""
	grep -q '^NoNewPrivileges=yes' "$unit" && nnp=--no-new-privs
	timeout 120 env -i PATH=/usr/sbin:/usr/bin:/sbin:/bin "${unit_env[@]}" \
		LANNER_RULES_DIR="$S/rules" LANNER_RUN_DIR="$S/run" LANNER_SPOOL_DIR="$S/spool" \
		setpriv --bounding-set "-all,$bset" $nnp -- \
		"$D/usr/bin/lanner" run -c "$D/etc/lanner/lanner.yaml" -o lanner.instance="svc$$" \
		-o emitter.intake="ipc://$S/run/alerts.sock" --evaluators 2 \
		--replay "$S/sysdig-inspect_502Error.scap" >"$S/out" 2>"$S/err"
	src=$?
	n=$(grep -c '"rule":"Lanner open below etc"' "$S/out")
	if [ $src = 0 ] && [ "$n" = 185 ] && grep -q 'stages run as lanner:' "$S/err" &&
		[ "$(stat -c %U "$S/spool")" = lanner ]; then
		ok "lanner.service's supervisor (its bounding set, NoNewPrivileges): stages as user lanner, 185 alerts"
	else
		ko "lanner.service's supervisor: exit $src, $n alerts (want 185)"; tail -5 "$S/err"
	fi
	rm -f /dev/shm/lanner-"svc$$".*
fi

# --- 5. the image's entry point, outside containers ------------------------------
bash scripts/deploy/run-stages.sh "$D" "$C" "$W/stages"
rc=$?
if [ $rc = 0 ]; then
	ok "entry points: replay through every stage as uid 10001 in a shared IPC namespace"
elif [ $rc = 77 ]; then
	echo "note: entry point run skipped (see above)"
else
	ko "entry points (scripts/deploy/run-stages.sh)"
fi

echo "check-deploy: $pass passed, $fail failed"
[ "$fail" = 0 ]
