#!/usr/bin/env bash
# ipc.t - the ipc program: --help, malformed arguments exit 2 with a one-line
# message, a tiny run gives well-formed TSV, and Ctrl-C or SIGTERM in the
# middle leaves no FIFO in the scratch directory, no message queue of ours in
# the mqueue filesystem and no child running.
# shikumi: asan
source "$(dirname "$0")/../../tests/tap.sh"

ipc=$(bin ch05-cow/ipc)
[[ -x $ipc ]] || plan_skip_all "ipc not built (make${SHIKUMI_VARIANT:+ asan})"

help_ok "$ipc"
bad_args "$ipc" --kind nosuch
bad_args "$ipc" --kind
bad_args "$ipc" --placement both
bad_args "$ipc" -m latency
bad_args "$ipc" -b 0
bad_args "$ipc" -b 4097
bad_args "$ipc" -b 1k
bad_args "$ipc" -b -1
bad_args "$ipc" -b 1 -b 2 -b 3 -b 4 -b 5 -b 6 -b 7 -b 8 -b 9
bad_args "$ipc" -s 63
bad_args "$ipc" -s 9M
bad_args "$ipc" -s abc
bad_args "$ipc" -s
bad_args "$ipc" -c abc
bad_args "$ipc" -c 9999
bad_args "$ipc" --cpu2 -1
bad_args "$ipc" -r 4
bad_args "$ipc" -r x
bad_args "$ipc" -t 0
bad_args "$ipc" -D /nonexistent/dir
bad_args "$ipc" --bogus
bad_args "$ipc" stray
cpu=$(awk '/^Cpus_allowed_list:/ {print $2}' /proc/self/status | cut -d, -f1 | cut -d- -f1)
bad_args "$ipc" -c "$cpu" --cpu2 "$cpu"

# A tiny run of every kind: one placement, one round-trip size, two bandwidth sizes.
mkdir -p "$TAP_TMP/scr"
run_exit 0 "ipc tiny run of every kind" "$ipc" -r 5 -t 2 -b 8 -s 256 --placement same -D "$TAP_TMP/scr"
printf '%s\n' "$OUT" >"$TAP_TMP/ipc.tsv"
tsv_ok "$TAP_TMP/ipc.tsv" "kind placement msg_bytes metric reps iters median min max spread_pct" "ipc TSV is well-formed"
# 7 kinds x (1 rtt + 3 bandwidth sizes: 64, 256 and SIZE=256 -> 64, 256), less any kind the system refused
skipped=$(grep -c '^# skipped_' "$TAP_TMP/ipc.tsv" || true)
is "$(grep -vc '^#' "$TAP_TMP/ipc.tsv")" "$((1 + (7 - skipped) * 3))" "ipc: one row per kind and point"
is "$(awk -F'\t' '!/^#/ && h && !($7 > 0) { n++ } !/^#/ { h = 1 } END { print n + 0 }' "$TAP_TMP/ipc.tsv")" 0 \
	"ipc: every median is a positive number"
is "$(find "$TAP_TMP/scr" -mindepth 1 | wc -l)" 0 "ipc: scratch directory (FIFOs) removed after a normal run"

# mq_list: the names in the mqueue filesystem (mounted at /dev/mqueue, or, as root,
# in a private mount namespace: the queues are the IPC namespace's, not the mount's).
mq_why=""
if mountpoint -q /dev/mqueue 2>/dev/null; then
	mq_list() { ls -1 /dev/mqueue; }
elif ((EUID == 0)) && command -v unshare >/dev/null && mkdir -p "$TAP_TMP/mq" &&
	unshare --mount --propagation private mount -t mqueue none "$TAP_TMP/mq" 2>/dev/null; then
	# shellcheck disable=SC2016 # $1 is the inner shell's
	mq_list() { unshare --mount --propagation private sh -c 'mount -t mqueue none "$1" && ls -1 "$1"' sh "$TAP_TMP/mq"; }
else
	mq_why="no /dev/mqueue mount, and no private mount namespace to mount one in"
fi

# interrupt SIG KIND: start ipc on one kind (long points), wait until it runs,
# send SIG to it, check what is left.
interrupt() {
	local sig=$1 kind=$2 pid rc=0 d="$TAP_TMP/scr-$1-$2"
	mkdir -p "$d"
	set -m
	"$ipc" --kind "$kind" -m rtt --placement same -r 50 -t 200 -D "$d" >/dev/null 2>&1 &
	pid=$!
	set +m
	for _ in $(seq 100); do
		case $kind in
		fifo) compgen -G "$d/shikumi-ipc.*/fifo-p2c-same" >/dev/null && break ;;
		*) [[ -n $(pgrep -P "$pid") ]] && break ;;
		esac
		sleep 0.1
	done
	sleep 0.3
	local child
	child=$(pgrep -P "$pid" | head -n 1)
	ok "$kind: the echo process runs before SIG$sig" test -n "$child"
	if [[ $kind == fifo ]]; then
		ok "fifo: the FIFOs exist while it runs" test -p "$(compgen -G "$d/shikumi-ipc.*/fifo-p2c-same")"
	fi
	if [[ $kind == mq && -z $mq_why ]]; then
		like "$(mq_list)" "shikumi-ipc-$pid-" "mq: its queues exist while it runs"
	fi
	kill -"$sig" "$pid"
	wait "$pid" || rc=$?
	cmp_ok "$rc" "!=" 0 "$kind: SIG$sig ends the run with a non-zero status"
	sleep 0.2
	ok "$kind: no echo process left after SIG$sig" test ! -e "/proc/${child:-0}/status" -o -z "$child"
	is "$(find "$d" -mindepth 1 | wc -l)" 0 "$kind: no scratch directory or FIFO left after SIG$sig"
	if [[ $kind == mq ]]; then
		if [[ -n $mq_why ]]; then
			skip "mq: queues removed after SIG$sig ($mq_why)"
		else
			is "$(mq_list | grep -c "^shikumi-ipc-$pid-" || true)" 0 "mq: no queue of ours left after SIG$sig"
		fi
	fi
}
interrupt INT fifo
interrupt TERM fifo
interrupt INT mq
interrupt TERM shm
done_testing
