#!/usr/bin/env bash
# ch01-syscall/bench.sh - our getppid cost next to perf's, in one run.
#
# USAGE: ./bench.sh [-c CPU] [-n ROUNDS]
#   Alternates ROUNDS times: syscall-cost --op getppid, then
#   perf bench syscall basic (getppid loop), both pinned to CPU. Prints each
#   round, the medians and the ratio ours/perf (target 0.9-1.1).
#   With SHIKUMI_LOCK set, the whole benchmark holds that lock (flock).
# REQUIREMENTS: perf (Debian: linux-perf). Without it, prints our number only.
# eg,  ./bench.sh -c 1 -n 7
set -euo pipefail
# shellcheck disable=SC2034 # read by scripts/lib.sh (its messages)
SK_PROG=ch01-syscall/bench.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=scripts/fidelity.sh
source "$SK_TOP/scripts/fidelity.sh"
HERE="$SK_TOP/ch01-syscall"
PERF_LOOPS=3000000    # ~0.5 s per perf run at ~170 ns per call

rounds=5
sk_opt_int n rounds 1 100
sk_options ":c:n:h" "$@"
cpu=${SK_CPU:-$(sk_default_cpu)}
[[ -x $HERE/syscall-cost ]] || sk_die "syscall-cost is not built: run make"
sk_lock_script "$@"
have_perf=0
if sk_have perf && perf bench syscall basic -l 1000 >/dev/null 2>&1; then have_perf=1; else
	sk_warn "perf bench syscall basic unavailable (install linux-perf): our number only"
fi

ours=() theirs=()
for ((i = 1; i <= rounds; i++)); do
	o=$(sk_pin "$cpu" "$HERE/syscall-cost" --op getppid -r 11 -t 20 2>/dev/null |
		sk_summarize -b op -v ns_per_op | awk -F'\t' '$1 == "getppid" {print $3}')
	ours+=("$o")
	t=NaN
	if ((have_perf)); then
		# perf prints "usecs/op"; it times one loop of PERF_LOOPS calls with gettimeofday.
		t=$(sk_pin "$cpu" perf bench syscall basic -l "$PERF_LOOPS" 2>/dev/null |
			awk '/usecs\/op/ {printf "%.2f", $1 * 1000}')
		theirs+=("$t")
	fi
	printf 'round %d: ours %s ns, perf bench syscall basic %s ns\n' "$i" "$o" "$t"
done
mo=$(sk_median "${ours[@]}")
echo "getppid on CPU $cpu, median of $rounds rounds: ours $mo ns"
if ((have_perf)); then
	mt=$(sk_median "${theirs[@]}")
	ratio=$(sk_calc "$mo / $mt" %.3f)
	verdict=$(sk_cmp "$ratio >= 0.9 && $ratio <= 1.1" && echo "within 0.9-1.1" || echo "OUTSIDE 0.9-1.1")
	echo "perf bench syscall basic: $mt ns; ratio ours/perf = $ratio ($verdict)"
	sk_fidelity "getppid() syscall, CPU $cpu [ns]" "$mo" "perf bench syscall basic -l $PERF_LOOPS (taskset -c $cpu)" "$mt" \
		"$(sk_round_ratios "${ours[*]}" "${theirs[*]}")"
fi
