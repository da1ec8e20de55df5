#!/usr/bin/env bash
# ch04-memory/bench.sh - the cost of a 4 KiB first-touch page fault, measured
# independent ways, side by side (a benchmark, not a test).
#
#   ours       fault-cost --mode first_touch_4k: CLOCK_MONOTONIC around the touch
#              loop only, median ns/page; faults from getrusage
#   perf stat  perf stat -e page-faults of the same program at two sizes: the
#              difference in faults must equal the difference in pages (checks
#              our getrusage count against the kernel's software event)
#   hyperfine  hyperfine -N of whole runs at two sizes: (t_big - t_small) /
#              (pages_big - pages_small) = ns per page including mmap, munmap
#              (freeing the pages) and process overheads: an upper bound
#   perf bench perf bench mem memset: bandwidth of memset on already-faulted
#              memory; 4 KiB / bandwidth = the zeroing part of a fault
# Everything is pinned to one CPU and runs under the suite's measurement lock.
#
# USAGE: ./bench.sh [-c CPU] [-s SIZE_MIB] [-r REPS]
# REQUIREMENTS: taskset. Optional: perf (linux-perf), hyperfine.
# eg,  ./bench.sh -c 1 -s 256 -r 11
set -euo pipefail
SK_PROG=ch04-memory/bench.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=scripts/fidelity.sh
source "$SK_TOP/scripts/fidelity.sh"
HERE="$SK_TOP/ch04-memory"

usage() {
	cat <<EOF
Usage: $SK_PROG [-c CPU] [-s SIZE_MIB] [-r REPS]
First-touch page-fault cost: our timing vs perf stat fault counts, hyperfine whole runs,
and perf bench mem memset (the zeroing share).

  -c CPU        CPU to pin to (default: $(sk_default_cpu))
  -s SIZE_MIB   big mapping [MiB], 32..8192 (default 256); the small one is 1/8 of it
  -r REPS       repetitions inside one program run, 5..100 (default 11)
  -h            this help
EOF
}

size_mib=256 reps=11
sk_opt_int s size_mib 32 8192
sk_opt_int r reps 5 100
sk_options ":c:s:r:h" "$@"
cpu=${SK_CPU:-$(sk_default_cpu)}
[[ -x $HERE/fault-cost ]] || sk_die "$HERE/fault-cost is not built: run make"
small_mib=$((size_mib / 8))
ps=$(getconf PAGESIZE)
pages_big=$((size_mib * 1048576 / ps)) pages_small=$((small_mib * 1048576 / ps))
tmp=$(mktemp -d "${TMPDIR:-/tmp}/ch04-bench.XXXXXX")
sk_cleanup_push "rm -rf '$tmp'"
fc=("$HERE/fault-cost" --mode first_touch_4k)

# 1. ours
sk_note "ours: fault-cost first_touch_4k, $size_mib MiB x $reps, CPU $cpu"
sk_locked taskset -c "$cpu" "${fc[@]}" -s "${size_mib}M" -r "$reps" -o "$tmp/ours.tsv" 2>/dev/null
ours=$(sk_median_of "$tmp/ours.tsv" mode first_touch_4k ns_per_page)
ours_f=$(sk_median_of "$tmp/ours.tsv" mode first_touch_4k ns_per_fault)
ours_faults=$(awk -F'\t' '!/^#/ && $1 == "first_touch_4k" { s += $4 } END { print s }' "$tmp/ours.tsv")

# 2. perf stat: fault counts of whole runs at two sizes
perf_line="perf not installed (linux-perf): no kernel fault count"
perf_ratio="NaN"
if sk_have perf && perf stat -e page-faults -x, true >/dev/null 2>&1; then
	for sz in "$size_mib" "$small_mib"; do
		sk_locked taskset -c "$cpu" perf stat -e page-faults -x, -o "$tmp/perf-$sz.csv" \
			"${fc[@]}" -s "${sz}M" -r "$reps" -o "$tmp/run-$sz.tsv" 2>/dev/null
	done
	pf_big=$(awk -F, '$3 == "page-faults" {print $1}' "$tmp/perf-$size_mib.csv")
	pf_small=$(awk -F, '$3 == "page-faults" {print $1}' "$tmp/perf-$small_mib.csv")
	ru_big=$(awk -F'\t' '!/^#/ && $1 == "first_touch_4k" { s += $4 } END { print s }' "$tmp/run-$size_mib.tsv")
	ru_small=$(awk -F'\t' '!/^#/ && $1 == "first_touch_4k" { s += $4 } END { print s }' "$tmp/run-$small_mib.tsv")
	want=$((reps * (pages_big - pages_small)))
	perf_ratio=$(sk_calc "($pf_big - $pf_small) / ($ru_big - $ru_small)")
	perf_line="perf stat page-faults: $pf_big - $pf_small = $((pf_big - pf_small)); getrusage: $((ru_big - ru_small)); pages: $want"
	sk_fidelity "first-touch faults, ${size_mib} - ${small_mib} MiB runs x $reps (getrusage) [faults]" "$((ru_big - ru_small))" \
		"perf stat -e page-faults, the same two runs (taskset -c $cpu)" "$((pf_big - pf_small))"
else
	perf_line="perf stat -e page-faults not usable here"
fi

# 3. hyperfine: whole runs at two sizes, 5 repetitions each (fault-cost's minimum)
hf_ns="NaN"
if sk_have hyperfine; then
	sk_locked taskset -c "$cpu" hyperfine -N --style basic --warmup 2 --runs 10 --export-json "$tmp/hf.json" \
		"${fc[*]} -s ${size_mib}M -r 5" "${fc[*]} -s ${small_mib}M -r 5" >"$tmp/hf.txt" 2>&1 ||
		sk_warn "hyperfine failed: $(tail -n 3 "$tmp/hf.txt")"
	if [[ -s $tmp/hf.json ]]; then
		read -r t_big t_small < <(awk '/"median"/ { gsub(/[^0-9.eE+-]/, "", $2); v[n++] = $2 } END { print v[0], v[1] }' "$tmp/hf.json")
		hf_ns=$(sk_calc "($t_big - $t_small) * 1e9 / (5 * ($pages_big - $pages_small))")
	fi
else
	sk_warn "hyperfine not installed: no whole-run cross-check"
fi

# 4. perf bench mem memset: zeroing 4 KiB at memset bandwidth
zero_ns="NaN"
if sk_have perf; then
	bw=$(sk_locked taskset -c "$cpu" perf bench mem memset -s "${size_mib}MB" -l 5 -f default 2>/dev/null |
		awk '/bytes\/sec|B\/sec/ { for (i = 1; i < NF; i++) if ($i ~ /^[0-9.]+$/) { v = $i; u = $(i + 1) } } END { print v, u }')
	read -r v u <<<"$bw"
	case ${u:-} in
	GB/sec) zero_ns=$(sk_calc "$ps / ($v * 1073741824) * 1e9") ;;
	MB/sec) zero_ns=$(sk_calc "$ps / ($v * 1048576) * 1e9") ;;
	esac
fi

printf '\n%-44s %14s %10s\n' "first-touch 4 KiB page fault (CPU $cpu)" "ns per page" "our/peer"
printf '%-44s %14s %10s\n' "ours (CLOCK_MONOTONIC, median of $reps)" "$ours" "1.00"
printf '%-44s %14s %10s\n' "ours, per fault (getrusage)" "$ours_f" "-"
printf '%-44s %14s %10s\n' "hyperfine whole runs (incl. mmap/munmap)" "$hf_ns" "$(sk_calc "$ours / $hf_ns" 2>/dev/null || echo NaN)"
printf '%-44s %14s %10s\n' "perf bench memset: zeroing 4 KiB" "$zero_ns" "$(sk_calc "$ours / $zero_ns" 2>/dev/null || echo NaN)"
printf '%-44s %14s %10s\n' "reference (research notes, pf anon)" "1405" "$(sk_calc "$ours / 1405")"
printf '\nfault counts: %s (perf/getrusage = %s)\n' "$perf_line" "$perf_ratio"
printf 'our faults counted over %d reps: %s (expected %d)\n' "$reps" "$ours_faults" "$((reps * pages_big))"
