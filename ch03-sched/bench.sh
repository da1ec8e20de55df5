#!/usr/bin/env bash
# ch03-sched/bench.sh - our pipe ping-pong (ctxsw-cost) next to
# `perf bench sched pipe`, in one run, with the same pinning.
#
# USAGE: ./bench.sh [-c CPU] [-C CPU2] [-n ROUNDS]
#   Alternates ROUNDS times, for two placements:
#     1 CPU   taskset -c CPU       ctxsw-cost -p inherit  vs  perf bench sched pipe
#     2 CPUs  taskset -c CPU,CPU2  ctxsw-cost -p inherit  vs  perf bench sched pipe
#   (the same loop count for both tools; "inherit" = no pinning inside, like perf).
#   On 1 CPU also the switch alone: ctxsw-cost measures the same pipe traffic in
#   one process (self) first, and (round trip - self) / 2 is the cost of one
#   switch without its transport, for ours and for perf's round trip.
#   Prints each round, the medians (us per round trip) and the ratio ours/perf
#   (target 0.85-1.15). The 2-CPU part needs two allowed CPUs.
# REQUIREMENTS: perf (Debian: linux-perf). Without it, prints our numbers only.
# eg,  ./bench.sh -c 1 -n 7
set -euo pipefail
# shellcheck disable=SC2034 # read by scripts/lib.sh (its messages)
SK_PROG=ch03-sched/bench.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=scripts/fidelity.sh
source "$SK_TOP/scripts/fidelity.sh"
HERE="$SK_TOP/ch03-sched"
LOOPS_1CPU=300000     # ~1 s at ~3 us per round trip
LOOPS_2CPU=30000      # ~1 s at ~30 us per round trip (idle vCPU wake-ups)

cpu2="" rounds=5
sk_opt_value C cpu2 sk_check_cpu
sk_opt_int n rounds 1 100
sk_options ":c:C:n:h" "$@"
cpu=${SK_CPU:-$(sk_default_cpu)}
cpu2=${cpu2:-$(sk_other_cpu "$cpu")}   # empty on a 1-CPU machine: the 2-CPU part is skipped
[[ -z $cpu2 ]] || cpu2=$((10#$cpu2))
[[ $cpu2 != "$cpu" ]] || sk_usage_error "bad VALUE for -C: '$cpu2': must differ from -c"
[[ -x $HERE/ctxsw-cost ]] || sk_die "ctxsw-cost is not built: run make"
have_perf=0
if sk_have perf && perf bench sched pipe -l 100 >/dev/null 2>&1; then have_perf=1; else
	sk_warn "perf bench sched pipe unavailable (install linux-perf): our numbers only"
fi

# bench_placement LABEL CPULIST LOOPS
bench_placement() {
	local label=$1 cpus=$2 loops=$3 i o t ours=() theirs=() selfs=() line self
	for ((i = 1; i <= rounds; i++)); do
		# 5 repetitions (the suite's minimum) of loops/5 round trips: the mean is the
		# same figure as one run of LOOPS, which perf times below.
		line=$(sk_pin "$cpus" "$HERE/ctxsw-cost" --placement self --placement inherit -r 5 \
			--loops "$((loops / 5))" -c "${cpus%%,*}" 2>/dev/null |
			awk -F'\t' '$1 == "self" { s += $4; ns++ } $1 == "inherit" { o += $4; no++ }
				END { printf "%.3f %.3f", o / no / 1000, s / ns / 1000 }')
		read -r o self <<<"$line"
		ours+=("$o") selfs+=("$self")
		t=NaN
		if ((have_perf)); then
			# perf times one loop of -l round trips with gettimeofday: "usecs/op".
			t=$(sk_pin "$cpus" perf bench sched pipe -l "$loops" 2>/dev/null | awk '/usecs\/op/ { printf "%.3f", $1 }')
			theirs+=("$t")
		fi
		printf '%s round %d: ours %s us, perf bench sched pipe %s us per round trip\n' "$label" "$i" "$o" "$t"
	done
	local mo mt ratio verdict
	mo=$(sk_median "${ours[@]}")
	if ((have_perf)); then
		mt=$(sk_median "${theirs[@]}")
		ratio=$(sk_calc "$mo / $mt" %.2f)
		verdict=$(sk_cmp "$ratio >= 0.85 && $ratio <= 1.15" && echo "within 0.85-1.15" || echo "OUTSIDE 0.85-1.15")
		printf '%s (taskset -c %s, %d round trips, median of %d): ours %s us, perf %s us; ratio ours/perf = %s (%s)\n' \
			"$label" "$cpus" "$loops" "$rounds" "$mo" "$mt" "$ratio" "$verdict"
		sk_fidelity "pipe round trip, $label [us]" "$mo" "perf bench sched pipe (taskset -c $cpus)" "$mt" \
			"$(sk_round_ratios "${ours[*]}" "${theirs[*]}")"
		if [[ $cpus != *,* ]]; then
			local ms net
			ms=$(sk_median "${selfs[@]}")
			# round by round, each side less the same round's self: "ours perf" per round
			net=$(paste -d' ' <(printf '%s\n' "${ours[@]}") <(printf '%s\n' "${theirs[@]}") <(printf '%s\n' "${selfs[@]}") |
				sk_awk 'is_num($1) && is_num($2) && is_num($3) { print $1 - $3, $2 - $3 }')
			printf '%s per switch: raw (round trip / 2) ours %s us, perf %s us; without the pipe (self %s us subtracted) ours %s us, perf %s us\n' \
				"$label" "$(sk_calc "$mo / 2" %.3f)" "$(sk_calc "$mt / 2" %.3f)" "$ms" \
				"$(sk_calc "($mo - $ms) / 2" %.3f)" "$(sk_calc "($mt - $ms) / 2" %.3f)"
			sk_fidelity "context switch without the pipe [us]" "$(sk_calc "($mo - $ms) / 2" %.3f)" \
				"perf bench sched pipe, same self subtracted" "$(sk_calc "($mt - $ms) / 2" %.3f)" \
				"$(sk_round_ratios "$(cut -d' ' -f1 <<<"$net")" "$(cut -d' ' -f2 <<<"$net")")"
		fi
	else
		printf '%s (taskset -c %s): ours %s us per round trip (median of %d)\n' "$label" "$cpus" "$mo" "$rounds"
	fi
}

bench_placement "1 CPU " "$cpu" "$LOOPS_1CPU"
if [[ -n $cpu2 ]]; then
	bench_placement "2 CPUs" "$cpu,$cpu2" "$LOOPS_2CPU"
else
	echo "2 CPUs: skipped (only one CPU allowed)"
fi
