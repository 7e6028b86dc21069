#!/bin/bash
# lib.sh: for shell tests (source it): bounded waits that turn a hang into a failure
# with a report (what each process of the test is doing), never a ctest timeout.
#   lnr_bounded_wait PID SECS WHAT: waits for PID (a child of the shell) at most SECS;
#     0 when it exited (its status in lnr_rc), else lnr_hang_report and 1 (lnr_rc=124).
#   lnr_hang_report WHAT: prints state, wchan and gdb backtraces of every process in
#     LNR_PIDS (space-separated, set by the test) and the tail of each file in
#     LNR_ERR_FILES, then kills those processes (SIGKILL, by pid).

LNR_PIDS=${LNR_PIDS:-}
LNR_ERR_FILES=${LNR_ERR_FILES:-}
lnr_rc=0

lnr_hang_report() { # WHAT
	local p t
	echo "HANG $1: processes of this test:"
	for p in $LNR_PIDS; do
		[ -d "/proc/$p" ] || continue
		echo "--- pid $p ($(ps -o stat=,etime= -p "$p" 2>/dev/null)): $(tr '\0' ' ' <"/proc/$p/cmdline" 2>/dev/null)"
		for t in /proc/"$p"/task/*; do
			echo "  tid ${t##*/} $(cat "$t/comm" 2>/dev/null) wchan=$(cat "$t/wchan" 2>/dev/null)"
		done
		command -v gdb >/dev/null &&
			timeout 30 gdb -p "$p" -batch -ex 'thread apply all bt' 2>/dev/null |
			grep -E '^(Thread|#)' | grep -v -E 'futex_abstimed|__GI___futex|cond_wait_common'
	done
	if [ -n "$LNR_ERR_FILES" ]; then
		echo "--- stderr of the stages:"
		# shellcheck disable=SC2086
		tail -n 20 $LNR_ERR_FILES 2>/dev/null
	fi
	for p in $LNR_PIDS; do kill -9 "$p" 2>/dev/null; done
}

lnr_bounded_wait() { # PID SECS WHAT
	local i
	for ((i = 0; i < $2 * 10; i++)); do
		if ! kill -0 "$1" 2>/dev/null; then
			wait "$1"
			lnr_rc=$?
			return 0
		fi
		sleep 0.1
	done
	lnr_hang_report "$3"
	wait "$1" 2>/dev/null
	lnr_rc=124
	return 1
}
