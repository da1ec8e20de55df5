#!/usr/bin/env bash
# ch11-container/bench.sh - how long a container takes to start: mini-container
# against `unshare --fork --pid --mount-proc` and fork+exec of the same
# command (a static busybox `true`), in one hyperfine run, pinned; then which
# namespace dominates (ns-cost: one clone3 per kind) and where the runtime's
# own time goes (its phase stamps).
#
# USAGE: sudo ./bench.sh [-c CPU] [-n RUNS] [-q]
#   -q: 20 runs (under 90 s even on a busy machine); default 100.
# Prints medians (ms), the ratios mini-container / unshare and / fork+exec,
# the namespace kinds by creation cost, and the slowest runtime phase.
# REQUIREMENTS: root, hyperfine, jq, busybox-static. Takes the measurement lock
#   ($SHIKUMI_LOCK) when it is set.
# eg,  sudo SHIKUMI_LOCK=/tmp/shikumi.lock ./bench.sh -q
set -euo pipefail
SK_PROG=ch11-container/bench.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=ch11-container/rootfs.sh
source "$SK_TOP/ch11-container/rootfs.sh"
HERE="$SK_TOP/ch11-container"

runs=100
sk_opt_int n runs 5 10000 20
sk_options ":c:n:qh" "$@"
cpu=${SK_CPU:-$(sk_default_cpu)}
for p in mini-container ns-cost; do [[ -x $HERE/$p ]] || sk_die "$p is not built: run make"; done
((EUID == 0)) || { echo "$SK_PROG: SKIP: needs root (unshare --pid, mini-container as root)" >&2; exit 4; }
sk_have hyperfine && sk_have jq || { echo "$SK_PROG: SKIP: needs hyperfine and jq (scripts/install-deps)" >&2; exit 4; }
ch11_busybox >/dev/null || { echo "$SK_PROG: SKIP: needs a static busybox (package busybox-static)" >&2; exit 4; }

tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/shikumi-ch11-bench.XXXXXX")
sk_cleanup_push "rm -rf --one-file-system '$tmp'"
ch11_rootfs "$tmp/rootfs" || sk_die "cannot build the rootfs"
t=$tmp/rootfs/bin/true

sk_note "hyperfine -N, $runs runs each, pinned to CPU $cpu"
sk_locked taskset -c "$cpu" hyperfine -N --style none --warmup 5 --runs "$runs" --export-json "$tmp/h.json" \
	-n fork+exec "$t" -n unshare "unshare --fork --pid --mount-proc $t" \
	-n mini-container "$HERE/mini-container -r $tmp/rootfs -- /bin/true" >/dev/null
sk_hyperfine_stats "$tmp/h.json" ms 6 >"$tmp/med.tsv"
fe=$(awk -F'\t' '$1 == "fork+exec" { print $2 }' "$tmp/med.tsv")
us=$(awk -F'\t' '$1 == "unshare" { print $2 }' "$tmp/med.tsv")
mc=$(awk -F'\t' '$1 == "mini-container" { print $2 }' "$tmp/med.tsv")
printf 'start + teardown of busybox true, median of %d runs on CPU %s (%s):\n' "$runs" "$cpu" \
	"$(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
printf '  fork+exec                            %8.3f ms\n' "$fe"
printf '  unshare --fork --pid --mount-proc    %8.3f ms\n' "$us"
printf '  mini-container (6 namespaces, rootfs) %7.3f ms\n' "$mc"
printf 'ratios: mini-container / unshare = %s, / fork+exec = %s\n' "$(sk_calc "$mc / $us" %.2f)" "$(sk_calc "$mc / $fe" %.2f)"

# Which namespace dominates: one clone3 per kind (fastest call per repetition).
sk_locked taskset -c "$cpu" "$HERE/ns-cost" -q -o "$tmp/cost.tsv" 2>/dev/null
sk_summarize -b kind -v create_min_us "$tmp/cost.tsv" >"$tmp/cost-summary.tsv"
echo "creating one namespace (clone3 call, fastest per repetition, median; fork = no namespace):"
awk -F'\t' 'NR > 1 { printf "  %-7s %8.1f us\n", $1, $3 }' "$tmp/cost-summary.tsv" | sort -k2 -g -r
# Where the runtime's own time goes (its phase stamps, 5 starts).
for i in 1 2 3 4 5; do "$HERE/mini-container" -r "$tmp/rootfs" --timing "$tmp/t$i.tsv" -- /bin/true; done
awk -F'\t' '/^#/ || $1 == "phase" { next } { s[$1] += $3; n[$1]++ } END { for (p in s) printf "%s\t%.0f\n", p, s[p] / n[p] }' \
	"$tmp"/t?.tsv | sort -t$'\t' -k2 -g -r | head -n 4 |
	awk -F'\t' 'BEGIN { print "slowest runtime phases (mean of 5 starts, us after the previous phase):" } { printf "  %-18s %8s us\n", $1, $2 }'
