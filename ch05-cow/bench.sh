#!/usr/bin/env bash
# ch05-cow/bench.sh - cross-check cow-cost against perf's own page-fault count.
#
# There is no peer benchmark for fault cost: `perf bench mem memset` prefaults
# its buffer on purpose (it excludes the faults we time), and lmbench's
# lat_pagefault times *file* faults on a MAP_SHARED mapping. What a peer can
# check is that cow-cost counts the faults it claims: this script runs
# cow-cost once under `perf stat -e page-faults` (a software event, available
# in VMs without hardware counters), pinned, and compares perf's count with
# the faults cow-cost's rows imply: per repetition (plus the warm-up round)
# one zero-fill pass, two parent touches and one CoW pass of PAGES each.
#
# USAGE: ./bench.sh [-c CPU] [-s SIZE] [-r REPS]
# REQUIREMENTS: perf (Debian: linux-perf), taskset.
set -euo pipefail
SK_PROG=ch05-cow/bench.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
HERE="$SK_TOP/ch05-cow"

cpu="" size=64M reps=9
while getopts ":c:s:r:h" opt; do
	case $opt in
	c) sk_check_cpulist -c "$OPTARG"; cpu=$OPTARG ;;
	s) size=$OPTARG ;;
	r) sk_check_int -r "$OPTARG" 3 1000; reps=$OPTARG ;;
	h) sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; exit 0 ;;
	:) sk_usage_error "option -$OPTARG needs a value" ;;
	*) sk_usage_error "unknown option -$OPTARG" ;;
	esac
done
shift $((OPTIND - 1))
(($# == 0)) || sk_usage_error "unexpected argument '$1'"
cpu=${cpu:-$(sk_default_cpu)}
[[ -x $HERE/cow-cost ]] || sk_die "$HERE/cow-cost is not built: run make"
sk_have perf || { sk_note "perf not installed (Debian: apt-get install linux-perf): nothing to compare"; exit 0; }

tmp=$(mktemp -d "${TMPDIR:-/tmp}/shikumi-bench.XXXXXX")
sk_cleanup_push "rm -rf '$tmp'"
sk_pin "$cpu" perf stat -x, -e page-faults -o "$tmp/perf.csv" \
	"$HERE/cow-cost" -s "$size" -r "$reps" -o "$tmp/cost.tsv" 2>"$tmp/err" ||
	{ cat "$tmp/err" >&2; sk_die "perf stat cow-cost failed"; }
perf_faults=$(awk -F, '$3 == "page-faults" {print $1}' "$tmp/perf.csv")
[[ $perf_faults =~ ^[0-9]+$ ]] || sk_die "perf counted no page-faults (perf_event_paranoid? see $tmp/perf.csv)"
pages=$(awk -F': ' '/^# pages:/ {print $2}' "$tmp/cost.tsv")
rows=$(awk -F'\t' '/^#/ {next} !h {for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next} {s += $c["minflt"]} END {print s}' "$tmp/cost.tsv")
# Rows hold the timed passes; the warm-up round repeats them once more, and
# every round the parent touches its two mappings before forking.
expected=$(awk -v r="$rows" -v n="$reps" -v p="$pages" 'BEGIN { printf "%d", r * (n + 1) / n + (n + 1) * 2 * p }')
zero=$(sk_summarize -b op -v ns_per_page "$tmp/cost.tsv" | awk -F'\t' '$1 == "zero_fault" {print $3}')
cow=$(sk_summarize -b op -v ns_per_page "$tmp/cost.tsv" | awk -F'\t' '$1 == "cow_fault" {print $3}')
printf 'cow-cost -s %s -r %s pinned to CPU %s (%s pages per pass)\n' "$size" "$reps" "$cpu" "$pages"
printf '  zero_fault %s ns/page, cow_fault %s ns/page (medians)\n' "$zero" "$cow"
printf '  page faults: perf stat %s, implied by cow-cost rows %s, ours/perf = %s\n' \
	"$perf_faults" "$expected" "$(awk -v a="$expected" -v b="$perf_faults" 'BEGIN { printf "%.4f", a / b }')"
printf '  (the difference is start-up: loading the program and libc, a few hundred faults)\n'
