#!/usr/bin/env bash
# ch05-cow/bench.sh - our numbers next to a peer's, in the same run.
#
# cow: there is no peer benchmark for fault cost: `perf bench mem memset`
# prefaults its buffer on purpose (it excludes the faults we time), and
# lmbench's lat_pagefault times *file* faults on a MAP_SHARED mapping. What a
# peer can check is that cow-cost counts the faults it claims: this runs
# cow-cost once under `perf stat -e page-faults` (a software event, available
# in VMs without hardware counters), pinned and under the suite's measurement
# lock, and compares perf's count with the faults cow-cost's rows imply: per
# repetition (plus the warm-up round) one zero-fill pass, two parent touches
# and one CoW pass of PAGES each.
#
# ipc: ipc's pipe round trip against `perf bench sched pipe`, both on one CPU.
# perf's "usecs/op" is the whole loop's time divided by its loops, and one
# loop is one round trip: each side writes an int (4 bytes) into one pipe and
# reads it from the other, i.e. 2 writes + 2 reads + 2 context switches. So
# ipc runs with 4-byte messages (-b 4), same-cpu, and the ratio compares like
# with like. The two alternate for REPS rounds (ipc with 5 repetitions, then
# one perf run); the figure is the median of the ratios within each round.
#
# USAGE: ./bench.sh [-m cow|ipc] [-c CPU] [-s SIZE] [-r REPS]
#   -m MODE   only one of the two comparisons (default both)
#   -s SIZE   cow-cost's mapping (default 64M); -r REPS repetitions, 5..1000 (default 9)
# REQUIREMENTS: perf (Debian: linux-perf), taskset.
set -euo pipefail
# shellcheck disable=SC2034 # read by scripts/lib.sh (its messages)
SK_PROG=ch05-cow/bench.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=scripts/fidelity.sh
source "$SK_TOP/scripts/fidelity.sh"
HERE="$SK_TOP/ch05-cow"


cow_or_ipc() { [[ $2 == cow || $2 == ipc ]] || sk_usage_error "bad VALUE for $1: '$2': cow or ipc"; }
size=64M reps=9 mode=all
sk_opt_value s size
sk_opt_int r reps 5 1000
sk_opt_value m mode cow_or_ipc
sk_options ":c:s:r:m:h" "$@"
cpu=${SK_CPU:-$(sk_default_cpu)}
sk_have perf || { sk_note "perf not installed (Debian: apt-get install linux-perf): nothing to compare"; exit 0; }
tmp=$(mktemp -d "${TMPDIR:-/tmp}/shikumi-bench.XXXXXX")
sk_cleanup_push "rm -rf '$tmp'"

bench_cow() {
	[[ -x $HERE/cow-cost ]] || sk_die "$HERE/cow-cost is not built: run make"
	sk_locked taskset -c "$cpu" perf stat -x, -e page-faults -o "$tmp/perf.csv" \
		"$HERE/cow-cost" -s "$size" -r "$reps" -o "$tmp/cost.tsv" 2>"$tmp/err" ||
		{ cat "$tmp/err" >&2; sk_die "perf stat cow-cost failed"; }
	local perf_faults pages rows expected zero cow
	perf_faults=$(awk -F, '$3 == "page-faults" {print $1}' "$tmp/perf.csv")
	[[ $perf_faults =~ ^[0-9]+$ ]] || sk_die "perf counted no page-faults (perf_event_paranoid? see $tmp/perf.csv)"
	pages=$(sk_meta "$tmp/cost.tsv" pages)
	rows=$(awk -F'\t' '/^#/ {next} !h {for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next} {s += $c["minflt"]} END {print s}' "$tmp/cost.tsv")
	# Rows hold the timed passes; the warm-up round repeats them once more, and
	# every round the parent touches its two mappings before forking.
	expected=$(sk_calc "$rows * ($reps + 1) / $reps + ($reps + 1) * 2 * $pages" %.0f)
	zero=$(sk_median_of "$tmp/cost.tsv" op zero_fault ns_per_page)
	cow=$(sk_median_of "$tmp/cost.tsv" op cow_fault ns_per_page)
	printf 'cow-cost -s %s -r %s pinned to CPU %s (%s pages per pass)\n' "$size" "$reps" "$cpu" "$pages"
	printf '  zero_fault %s ns/page, cow_fault %s ns/page (medians)\n' "$zero" "$cow"
	printf '  page faults: perf stat %s, implied by cow-cost rows %s, ours/perf = %s\n' \
		"$perf_faults" "$expected" "$(sk_calc "$expected / $perf_faults" %.4f)"
	printf '  (the difference is start-up: loading the program and libc, a few hundred faults)\n'
	sk_fidelity "page faults of cow-cost -s $size -r $reps (implied by its rows) [faults]" "$expected" \
		"perf stat -e page-faults, the same run (taskset -c $cpu)" "$perf_faults"
}

bench_ipc() {
	[[ -x $HERE/ipc ]] || sk_die "$HERE/ipc is not built: run make"
	local loops=100000 i ours=() perf_us=() perf_ns=() ours_med perf_med
	# REPS rounds, ipc (5 repetitions, their median) then perf in each: a slow
	# spell of the host slows both sides of a round alike.
	for ((i = 0; i < reps; i++)); do
		sk_locked "$HERE/ipc" --kind pipe -m rtt -b 4 --placement same -c "$cpu" -r 5 -o "$tmp/ipc.tsv" 2>"$tmp/err" ||
			{ cat "$tmp/err" >&2; sk_die "ipc failed"; }
		ours+=("$(awk -F'\t' '!/^#/ && $1 == "pipe" && $4 == "rtt_ns" {print $7}' "$tmp/ipc.tsv")")
		sk_locked taskset -c "$cpu" perf bench sched pipe -l "$loops" >"$tmp/perf.txt" 2>&1 ||
			{ cat "$tmp/perf.txt" >&2; sk_die "perf bench sched pipe failed"; }
		perf_us+=("$(awk '$2 == "usecs/op" {print $1}' "$tmp/perf.txt")")
		perf_ns+=("$(sk_calc "${perf_us[i]:-0} * 1000" %.1f)")
	done
	ours_med=$(sk_median "${ours[@]}")
	perf_med=$(sk_median "${perf_us[@]}")
	printf 'pipe round trip of 4 bytes, both processes on CPU %s, %s rounds (ipc, then perf)\n' "$cpu" "$reps"
	printf '  ipc:                      %s ns (median of the rounds, each the median of 5 repetitions)\n' "$(sk_calc "$ours_med" %.0f)"
	printf '  perf bench sched pipe:    %s ns (median of the rounds, %s loops each: %s usecs/op)\n' \
		"$(sk_calc "$perf_med * 1000" %.0f)" "$loops" "${perf_us[*]}"
	local ratios rs=()
	ratios=$(sk_round_ratios "${ours[*]}" "${perf_ns[*]}")
	read -ra rs <<<"$ratios"
	((${#rs[@]})) || sk_die "no round gave both figures (see $tmp)"
	printf '  ours/perf = %s (the median of the rounds: %s)\n' "$(sk_median "${rs[@]}")" "$ratios"
	sk_fidelity "pipe round trip of 4 bytes, 1 CPU (ipc) [ns]" "$(sk_calc "$ours_med" %.0f)" \
		"perf bench sched pipe -l $loops (taskset -c $cpu)" "$(sk_calc "$perf_med * 1000" %.0f)" "$ratios"
}

[[ $mode == ipc ]] || bench_cow
[[ $mode == cow ]] || bench_ipc
