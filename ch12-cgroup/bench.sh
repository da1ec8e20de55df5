#!/usr/bin/env bash
# ch12-cgroup/bench.sh - how closely cgroups keep what was asked, on this machine.
#
# USAGE: ./bench.sh [-d DURATION_MS] [-n ROUNDS]
#   cpu-limit: every quota (10..150 % of a CPU) ROUNDS times for DURATION_MS each;
#     per quota the median share (group usage and the workers' rusage), the error
#     in percentage points (target <= 5) and against the kernel selftest's band
#     (test_cpu.c accepts |measured - model| <= 10 % of measured + model), the
#     throttled fraction of periods.
#   mem-limit -m charge: touch 16, 64 and 256 MiB in a group: the charge the group
#     reports vs the bytes touched (ratio; page tables and the like come on top).
# The peer is the kernel's own selftest model and tolerance. Run it on a quiet
# machine (SHIKUMI_LOCK serialises benchmarks on a shared one).
# REQUIREMENTS: root or a delegated cgroup subtree.
# eg,  sudo ./bench.sh -d 5000 -n 3
set -euo pipefail
SK_PROG=ch12-cgroup/bench.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=scripts/fidelity.sh
source "$SK_TOP/scripts/fidelity.sh"
HERE="$SK_TOP/ch12-cgroup"

duration=5000 rounds=3
sk_opt_int d duration 200 60000
sk_opt_int n rounds 1 20
sk_options ":d:n:h" "$@"
for p in cpu-limit mem-limit; do [[ -x $HERE/$p ]] || sk_die "$p is not built: run make"; done
tmp=$(mktemp -d "${TMPDIR:-/var/tmp}/shikumi-bench12.XXXXXX")
sk_cleanup_push "rm -rf '$tmp'"

bench_cpu() {
	local r rc=0
	for ((r = 1; r <= rounds; r++)); do
		sk_locked "$HERE/cpu-limit" -d "$duration" >"$tmp/cpu-$r.tsv" 2>>"$tmp/log" || rc=$?
		((rc == 0)) || break
	done
	if ((rc == 4)); then echo "cpu-limit: SKIP: $(sed -n 's/^cpu-limit: SKIP: //p' "$tmp/log" | tail -1)"; return 0; fi
	((rc == 0)) || sk_die "cpu-limit failed (exit $rc): $(tail -3 "$tmp/log")"
	echo "cpu-limit: $rounds round(s) of $duration ms per quota, $(sk_meta "$tmp/cpu-1.tsv" cgroup_mode) ($(sk_meta "$tmp/cpu-1.tsv" cpu_files)); CPU: $(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo)"
	cat "$tmp"/cpu-*.tsv | sk_awk '
		/^#/ { next }
		$1 == "quota_pct" { for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ q = $c["quota_pct"]; n[q]++; k = n[q]
		  g[q, k] = $c["group_share_pct"]; w[q, k] = $c["worker_share_pct"]
		  b[q, k] = ($c["group_cpu_ms"] - $c["model_cpu_ms"]) / (($c["group_cpu_ms"] + $c["model_cpu_ms"]) / 100)
		  t[q, k] = $c["nr_periods"] > 0 ? $c["nr_throttled"] / $c["nr_periods"] : 0
		  if (!(q in seen)) { seen[q] = 1; order[++nq] = q } }
		function med(arr, q, m,   i, a) {   # median (scripts/tsv.awk) of the rounds of quota q
			for (i = 1; i <= m; i++) a[i] = arr[q, i]
			return median(a, m)
		}
		END {
			printf "%-9s %12s %14s %13s %15s %11s %s\n", "quota_%", "group_%", "rusage_%", "error_pts", "band_%(<=10)", "throttled", "verdict"
			for (i = 1; i <= nq; i++) {
				q = order[i]; m = n[q]
				gm = med(g, q, m); wm = med(w, q, m); bm = med(b, q, m); tm = med(t, q, m)
				e = gm - q
				v = ((e < 0 ? -e : e) <= 5 ? "within 5 points" : "OUTSIDE 5 points")
				if (tm < 0.8) v = v " (not throttled: CPUs busy elsewhere?)"
				printf "%-9g %12.2f %14.2f %+13.2f %15.2f %11.2f %s\n", q, gm, wm, e, bm, tm, v
				printf "%g\t%.2f\n", q, gm >fid
			}
		}' -F'\t' -v OFS='\t' -v fid="$tmp/fid.tsv"
	local q gm
	while IFS=$'\t' read -r q gm; do
		sk_fidelity "cpu.max quota $q % of a CPU: the group's share, median of $rounds x $duration ms [%]" "$gm" \
			"the quota asked (kernel selftest test_cpu.c model)" "$q"
	done <"$tmp/fid.tsv"
}

bench_mem() {
	local s rc=0 out
	echo "mem-limit -m charge: the group's charge vs the bytes touched (4 KiB pages, THP off)"
	printf '%-12s %12s %8s %s\n' touched_MiB charge_MiB ratio cgroup
	for s in 16M 64M 256M; do
		out=$tmp/mem-$s.tsv
		rc=0
		sk_locked "$HERE/mem-limit" -m charge -s "$s" >"$out" 2>>"$tmp/log" || rc=$?
		if ((rc == 4)); then echo "mem-limit: SKIP: $(sed -n 's/^mem-limit: SKIP: //p' "$tmp/log" | tail -1)"; return 0; fi
		((rc == 0)) || sk_die "mem-limit failed (exit $rc): $(tail -3 "$tmp/log")"
		awk -F'\t' -v mode="$(sk_meta "$out" cgroup_memory | cut -d' ' -f1)" '
			/^#/ { next } $1 == "mode" { for (i = 1; i <= NF; i++) c[$i] = i; next }
			{ t = $c["touched_bytes"]; ch = $c["charge_bytes"] }
			END { printf "%-12.0f %12.2f %8.4f %s\n", t / 1048576, ch / 1048576, ch / t, mode }' "$out"
	done
}

bench_cpu
echo
bench_mem
