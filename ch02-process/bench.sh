#!/usr/bin/env bash
# ch02-process/bench.sh - spawn-cost next to the peer tools, in one run, same
# CPU: our fork+exec and posix_spawn of a tiny program against hyperfine -N
# starting the same program (no shell), for the no-libc static and the dynamic
# glibc build; our fork+_exit against lmbench's lat_proc fork when lmbench is
# installed (and perf bench's fork benchmark where perf has one). Prints
# our/peer ratios. A benchmark, not a test.
#
# USAGE: ./bench.sh [-c CPU] [-r RUNS]
#   -c CPU    CPU to pin to (default: the last allowed CPU)
#   -r RUNS   hyperfine runs per program, 100..100000 (default 2000)
# REQUIREMENTS: hyperfine (peer); optional: lmbench's lat_proc (PATH or
#   LMBENCH_BIN=dir), jq. Measures under $SHIKUMI_LOCK when set (see scripts/lib.sh).
# eg,
#   ./bench.sh -c 1
set -euo pipefail
SK_PROG=ch02-process/bench.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=scripts/fidelity.sh
source "$SK_TOP/scripts/fidelity.sh"
HERE="$SK_TOP/ch02-process"

runs=2000
sk_opt_int r runs 100 100000
sk_options ":c:r:h" "$@"
cpu=${SK_CPU:-$(sk_default_cpu)}
for p in spawn-cost spawn-tiny; do
	[[ -x $HERE/$p ]] || sk_die "$HERE/$p is not built: run make"
done
tinies=()
[[ -x $HERE/spawn-tiny-static ]] && tinies+=(spawn-tiny-static)
tinies+=(spawn-tiny)
if ! sk_have hyperfine; then
	echo "$SK_PROG: SKIP: hyperfine is not installed (scripts/install-deps): no peer to compare with" >&2
	exit 4
fi
lat_proc=""
if [[ -n ${LMBENCH_BIN:-} && -x $LMBENCH_BIN/lat_proc ]]; then
	lat_proc=$LMBENCH_BIN/lat_proc
elif sk_have lat_proc; then
	lat_proc=$(command -v lat_proc)
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/ch02-bench.XXXXXX")
sk_cleanup_push "rm -rf '$tmp'"

# hyperfine's median in us from its JSON (jq if present, else awk on "median").
hf_median() {
	if sk_have jq; then
		jq -r '.results[0].median * 1e6 | . * 10 | round / 10' "$1"
	else
		awk '/"median"/ { gsub(/[^0-9.eE+-]/, "", $2); printf "%.1f\n", $2 * 1e6; exit }' "$1"
	fi
}
our_median() { sk_median_of "$1" method "$2" us_per_op; }   # FILE METHOD -> us

measure() {
	local t
	for t in "${tinies[@]}"; do
		sk_note "spawn-cost: fork_exec, posix_spawn of $t (parent 1 MiB), CPU $cpu"
		sk_pin "$cpu" "$HERE/spawn-cost" -s 1M -r 11 -m fork -m fork_exec -m posix_spawn \
			-x "$HERE/$t" -o "$tmp/ours-$t.tsv" 2>>"$tmp/log"
		sk_note "hyperfine -N --warmup 200 --runs $runs $t, CPU $cpu"
		sk_pin "$cpu" hyperfine -N --style none --warmup 200 --runs "$runs" \
			--export-json "$tmp/hf-$t.json" "$HERE/$t" >>"$tmp/log" 2>&1
	done
	if [[ -n $lat_proc ]]; then
		sk_note "lat_proc fork (lmbench), CPU $cpu"
		sk_pin "$cpu" "$lat_proc" fork >"$tmp/lat_proc.txt" 2>&1 || true
	fi
}
if [[ -n ${SHIKUMI_LOCK:-} ]]; then
	sk_note "waiting for $SHIKUMI_LOCK"
	exec 9>"$SHIKUMI_LOCK"
	flock 9
fi
measure
[[ -z ${SHIKUMI_LOCK:-} ]] || flock -u 9

printf '\n%-42s %12s %12s %8s\n' "what (CPU $cpu, medians)" "ours [us]" "peer [us]" "ours/peer"
for t in "${tinies[@]}"; do
	peer=$(hf_median "$tmp/hf-$t.json")
	for m in posix_spawn fork_exec; do
		ours=$(our_median "$tmp/ours-$t.tsv" "$m")
		printf '%-42s %12s %12s %8s\n' "$m $t vs hyperfine -N" "$ours" "$peer" "$(sk_calc "$ours / $peer" %.2f)"
	done
	# The like-for-like figure: posix_spawn, as hyperfine's parent (Rust's
	# Command uses posix_spawn where it can: no page-table copy either).
	sk_fidelity "posix_spawn + exec + wait of $t, CPU $cpu [us]" "$(our_median "$tmp/ours-$t.tsv" posix_spawn)" \
		"hyperfine -N --runs $runs $t (taskset -c $cpu)" "$peer"
done
fork_ours=$(our_median "$tmp/ours-${tinies[0]}.tsv" fork)
if [[ -n $lat_proc ]]; then
	lp=$(awk '/fork\+exit/ {print $(NF - 1); exit}' "$tmp/lat_proc.txt")
	if [[ -n $lp ]]; then
		printf '%-42s %12s %12s %8s\n' "fork+_exit+wait vs lat_proc fork" "$fork_ours" "$lp" "$(sk_calc "$fork_ours / $lp" %.2f)"
		sk_fidelity "fork + _exit + wait, CPU $cpu [us]" "$fork_ours" "lmbench lat_proc fork (taskset -c $cpu)" "$lp"
	else
		echo "lat_proc fork: no result (see $tmp/lat_proc.txt)"
	fi
else
	printf '%-42s %12s %12s %8s\n' "fork+_exit+wait (lat_proc not installed)" "$fork_ours" "-" "-"
fi
if perf bench syscall fork -h >/dev/null 2>&1; then
	echo "note: this perf has 'perf bench syscall fork'; run it by hand to compare"
else
	echo "note: perf bench has no fork/exec benchmark in perf $(perf --version 2>/dev/null | awk '{print $3}'); hyperfine -N is the peer"
fi
cat <<'EOF'
hyperfine -N times spawn + wait of the program from a small Rust parent (no
shell), reporting the median of its runs; spawn-cost times the same in a loop
from a C parent holding 1 MiB of touched memory (fork_exec copies its page
tables first; posix_spawn does not). A ratio near 1 means no hidden overhead.
EOF
