#!/usr/bin/env bash
# ch08-cache/run.sh - the memory hierarchy: cache-size cliffs, the TLB's
# reach, memory bandwidth, the page cache and write-back.
#
# USAGE: ./run.sh [-q] [-c CPU] [-o RUNDIR] [-e NAME]... [-d DIR]
# Experiments (declared below with sk_experiment; -h lists them, -e NAME picks),
# each in RUNDIR/ch08-cache/<name>/.
# REQUIREMENTS: taskset (util-linux). Optional: gnuplot (plots). Root for
#   drop_caches (without it pagecache evicts with posix_fadvise, verified by
#   mincore). Scratch files go to a directory created under -d DIR (default
#   $TMPDIR, /var/tmp, /tmp; never tmpfs) and are removed on every exit path.
# eg,
#   ./run.sh -q                      # quick: ~30 s
#   ./run.sh -c 1 -e cache-stride    # the full curve only, pinned to CPU 1
set -euo pipefail
SK_PROG=ch08-cache/run.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
HERE="$SK_TOP/ch08-cache"
CHAPTER=ch08-cache

sk_experiment cache-stride run_cache_stride "ns per access vs buffer size (4 KiB .. 4x LLC, capped), sequential and pointer chase"
sk_experiment tlb run_tlb "one load per page over more and more pages: 4 KiB vs THP vs packed lines"
sk_experiment membw run_membw "read/write/copy GB/s vs buffer size, 1 thread and 1 per CPU"
sk_experiment pagecache run_pagecache "a file read cold (drop_caches as root, else fadvise) and warm: MB/s"
sk_experiment writeback run_writeback "buffered vs O_SYNC vs O_DIRECT MB/s; Dirty/Writeback over time"

usage() {
	cat <<EOF
Usage: $SK_PROG [-q] [-c CPU] [-o RUNDIR] [-e NAME]... [-d DIR] [-e LIST]
The memory hierarchy: cache cliffs, TLB reach, bandwidth, page cache, write-back.

$(sk_std_usage)
  -d DIR        parent of the scratch directory for pagecache and writeback
                (default \$TMPDIR, else /var/tmp, else /tmp; not tmpfs)
  -e LIST       experiments to run, comma-separated (default all):
                ${ALL_EXPS// /,}

Examples:
  $SK_PROG -q
  $SK_PROG -c 1 -e cache-stride -e tlb
EOF
}

writable_dir() { [[ -d $2 && -w $2 ]] || sk_usage_error "bad VALUE for $1: '$2': not a writable directory"; }
dir=""
sk_opt_value d dir writable_dir
sk_options ":qc:o:he:d:" "$@"
dirarg=()
[[ -n $dir ]] && dirarg=(-D "$dir")
sk_driver_ready "$CHAPTER" cache-stride tlb membw pagecache writeback
cpu=$SK_CPU

# Is this a virtual machine? Then sysfs's L3 is the host's shared LLC.
is_vm() { grep -qw hypervisor /proc/cpuinfo 2>/dev/null; }
# human BYTES: "48 KiB", "3.4 MiB" (a whole number without decimals)
human() { awk -v b="$1" 'BEGIN { split("B KiB MiB GiB", u, " "); i = 1; while (b >= 1024 && i < 4) { b /= 1024; i++ }
	printf (b == int(b) ? "%d %s" : "%.1f %s"), b, u[i] }'; }

# ---------------------------------------------------------------------------
# 1. cache-stride: the curve, its cliffs, and which cache each one is
# ---------------------------------------------------------------------------
run_cache_stride() {
	local d="$SK_EXP_DIR/data.tsv" s="$SK_EXP_DIR/summary.tsv" cl="$SK_EXP_DIR/cliffs.tsv" t0 t1
	t0=$(date +%s.%N)
	sk_quietly "$cpu" sk_prog "$d" sk_pin "$cpu" "$HERE/cache-stride" "${SK_QOPT[@]}" --mode both || return 0
	t1=$(date +%s.%N)
	local secs
	secs=$(sk_calc "$t1 - $t0")
	# The same chase on transparent huge pages: how much of the DRAM plateau
	# is page walking (kept apart: data-thp.tsv, mode chase_thp in the summary).
	sk_run_prog "$SK_EXP_DIR/data-thp.tsv" sk_pin "$cpu" "$HERE/cache-stride" "${SK_QOPT[@]}" --mode chase --thp ||
		sk_warn "cache-stride --thp failed (see $SK_LOG)"
	{
		sk_summarize -b mode,size_bytes -v ns_per_access "$d"
		if [[ -s $SK_EXP_DIR/data-thp.tsv ]]; then
			sk_summarize -b mode,size_bytes -v ns_per_access "$SK_EXP_DIR/data-thp.tsv" |
				awk -F'\t' -v OFS='\t' 'NR > 1 { $1 = "chase_thp"; print }'
		fi
	} | sk_atomic_write "$s"
	"$HERE/cliffs.sh" "$d" 2>>"$SK_LOG" | sk_atomic_write "$cl"

	# caches from the data's preamble (cache-stride copied them from sysfs)
	local l1 l2 l3 caches=""
	l1=$(sk_meta "$d" cache_l1d_bytes) l2=$(sk_meta "$d" cache_l2_bytes) l3=$(sk_meta "$d" cache_l3_bytes)
	[[ -n $l1 ]] && caches+="L1d=$l1 "
	[[ -n $l2 ]] && caches+="L2=$l2 "
	[[ -n $l3 ]] && caches+="L3=$l3 "
	local first last cmin cmax smin smax maxsize
	# the smallest and largest size of the chase curve and both curves' medians there
	IFS='|' read -r first cmin maxsize cmax smin smax < <(awk -F'\t' '
		$1 == "chase" { if (!nc++) { first = $2; cmin = $4 }; maxsize = $2; cmax = $4 }
		$1 == "seq" { if (!ns++) smin = $4; smax = $4 }
		END { print first "|" cmin "|" maxsize "|" cmax "|" smin "|" smax }' "$s")
	last=$(human "$maxsize")

	sk_check chase-latency-at-the-largest-size-is-several-times-l1-s "chase: latency at the largest size is several times L1's" 'cmax >= 5 * cmin' \
		cmax="$cmax" cmin="$cmin" --observed "$cmax ns at $last vs $cmin ns at $(human "$first") ($(sk_calc "$cmax / $cmin" %.1f)x)" \
		--note "expected >= 5 x"
	sk_check seq-time-per-line-at-the-largest-size-is-several-times-l1-s "seq: time per line at the largest size is several times L1's" 'smax >= 3 * smin' \
		smax="$smax" smin="$smin" --observed "$smax ns at $last vs $smin ns at $(human "$first") ($(sk_calc "$smax / $smin" %.1f)x)" \
		--note "expected >= 3 x; smaller than chase: the prefetcher streams the next lines in ahead of the stores"

	# One verdict per cache level: a chase cliff within a factor of 2 of it.
	local cliffs_str list
	list=$(awk -F'\t' 'NR > 1 { print $1, $2 }' "$cl" | while read -r m b; do printf '%s %s, ' "$m" "$(human "$b")"; done)
	list=${list%, }
	cliffs_str=$(awk -F'\t' 'NR > 1 { printf "%s=%s ", $1, $2 }' "$cl")
	nearest_cliff() {   # nearest_cliff BYTES -> the chase cliff nearest to BYTES (by factor), if any
		awk -F'\t' -v c="$1" 'NR > 1 && $1 == "chase" { f = $2 / c; if (f < 1) f = 1 / f; if (best == "" || f < best) { best = f; b = $2 } }
			END { if (b != "") print b }' "$cl"
	}
	if [[ -z $caches ]]; then
		sk_verdict "cliffs named after sysfs caches" "a cliff within 2x of each cache" "cliffs: ${list:-none}" \
			SKIP "sysfs cache sizes unavailable"
	else
		local lvl size near f at why
		for lvl in L1d L2 L3; do
			case $lvl in L1d) size=$l1 ;; L2) size=$l2 ;; L3) size=$l3 ;; esac
			[[ -n $size ]] || continue
			# No cliff at all is a failed phenomenon (f = 0), which a busy
			# machine may excuse or a second measurement may find.
			near=$(nearest_cliff "$size") f=0 at=none why=""
			if [[ -n $near ]]; then f=$(sk_calc "$near / $size") at="at $(human "$near") ($(sk_calc "$f" %.2f)x)"; fi
			if [[ $lvl == L3 ]] && is_vm; then
				why="VM: sysfs L3 is the host socket's shared LLC; this guest's share ends much earlier (the step to DRAM)"
			elif [[ $lvl == L3 ]] && ((maxsize < l3 * 2)); then
				why="the curve stops before 2x L3 (cap; largest size $last)"
			fi
			sk_check "chase-a-cliff-near-the-${lvl,,}-size" "chase: a cliff near the $lvl size" 'f >= 0.5 && f <= 2' \
				f="$f" --load-sensitive --fail-skips "$why" \
				--observed "nearest chase cliff $at; cliffs: ${list:-none}" \
				--note "f: the nearest chase cliff / the $lvl size $(human "$size")"
		done
		# Every chase cliff should belong to a cache (within 2x). On a VM a
		# cliff between L2 and L3 is this guest's share of the host LLC.
		local stray vmllc
		stray=$(awk -F'\t' -v l3="${l3:-0}" -v l2="${l2:-0}" -v vm="$(is_vm && echo 1 || echo 0)" '
			NR > 1 && $1 == "chase" && ($8 == "NaN" || $8 < 0.5 || $8 > 2) {
				if (vm && l2 && l3 && $2 > 2 * l2 && $2 < l3) next
				printf "%s%s", (n++ ? " " : ""), $2 }' "$cl")
		vmllc=$(awk -F'\t' -v l3="${l3:-0}" -v l2="${l2:-0}" 'NR > 1 && $1 == "chase" && ($8 < 0.5 || $8 > 2) && l2 && l3 && $2 > 2 * l2 && $2 < l3 { print $2; exit }' "$cl")
		local note="" b strays=""
		if [[ -n $vmllc ]] && is_vm; then
			note="the cliff at $(human "$vmllc") is where this VM's share of the host LLC ends (sysfs L3 $(human "$l3") is the host's)"
		fi
		for b in $stray; do strays+="$(human "$b") "; done
		sk_check chase-every-cliff-lies-within-2x-of-a-sysfs-cache-size "chase: every cliff lies within 2x of a sysfs cache size" \
			'stray == 0' stray="$(wc -w <<<"$stray")" --load-sensitive \
			--observed "${strays:+stray: $strays(}cliffs: ${list:-none}${strays:+)}" \
			--note "stray: cliffs not within 2x of a cache${note:+; $note}; a disturbed run (another program on the sibling CPU) can bend the curve"
	fi

	sk_plot "$HERE/cache-stride.gp" summary.tsv cache-stride "$caches" "$cliffs_str"
	local p1 p2 pd
	# plateau medians: the chase median at 1/2 L1, 1/4 L2, and the largest size
	plateau() { awk -F'\t' -v m="$1" -v t="$2" '$1 == m && $2 <= t { v = $4 } END { print v }' "$s"; }
	p1=$(plateau chase "$(( ${l1:-32768} / 2 ))") p2=$(plateau chase "$(( ${l2:-1048576} / 4 ))") pd=$cmax
	local pdt
	pdt=$(awk -F'\t' '$1 == "chase_thp" { v = $4 } END { print v }' "$s")
	local ps1 ps2 psd
	ps1=$(plateau seq "$(( ${l1:-32768} / 2 ))") ps2=$(plateau seq "$(( ${l2:-1048576} / 4 ))") psd=$smax
	sk_summary <<EOF
## Cache cliffs: access time against buffer size (CPU $cpu)

Each point is the median time per access over a buffer of that size, touched before timing and walked in two ways: seq stores one byte per cache line in order (the book's program), chase follows a random chain of pointers, one per line, so each load waits for the previous one. The chase curve has a plateau per cache level: $p1 ns while the buffer fits in L1d (${l1:+$(human "$l1")}), $p2 ns in L2 (${l2:+$(human "$l2")}), then a climb to $pd ns at $last, which is DRAM plus page walks. seq shows the same steps much lower ($ps1, $ps2, $psd ns) because the prefetcher sees the stream coming. sysfs says L3 is ${l3:+$(human "$l3")}; on a VM that is the host socket's shared cache, and the step to DRAM comes far earlier. The dashed lines are the sysfs sizes, the triangles the cliffs found in the curve. The dotted curve is the same chase on 2 MiB transparent huge pages: ${pdt:-?} ns at $last instead of $pd ns, the difference being TLB misses and page walks. The whole curve (seq and chase) took $(printf '%.1f' "$secs") s.

- chase plateaus: L1 $p1 ns, L2 $p2 ns, largest size $pd ns (on huge pages: ${pdt:-not measured} ns: the rest of the difference is page walks)
- seq plateaus: L1 $ps1 ns, L2 $ps2 ns, largest size $psd ns
- cliffs found: ${list:-none}
- sysfs: ${caches:-unavailable}
EOF
}

# ---------------------------------------------------------------------------
# 2. tlb: 4 KiB pages vs transparent huge pages vs the same lines packed
# ---------------------------------------------------------------------------
# tlb_judge SUMMARY REACH L2_BYTES LINE: what the verdicts need, as
# "key=value" lines. The judged range: from twice the largest TLB's reach
# (REACH entries of 4 KiB) up to where one line per page still fits in L2
# (N x LINE <= L2), at most its top two octaves; if that range is empty (a
# small L2), the two octaves past twice the reach (the data then sits in L3).
tlb_judge() {
	sk_awk '
		NR == 1 { next }
		{ m[$1, $2] = $4 } $1 == "4k" { o[++n] = $2 + 0 }
		END {
			lo = 2 * reach; hi = int(l2 / line)
			if (hi > o[n]) hi = o[n]
			if (hi / 4 > lo) lo = hi / 4
			if (hi < lo) { hi = 4 * lo; if (hi > o[n]) hi = o[n] }
			for (i = 1; i <= n; i++) {
				p = o[i]; a = m["4k", p]; h = m["thp", p]; k = m["packed", p]
				if (p <= 32 && k > 0) sp[++ns] = a / k
				if (p <= 32 && h > 0) sh[++nh] = a / h
				if (k > 0 && a >= 1.5 * k) { if (!first) first = p } else first = ""
				if (p < lo || p > hi) continue
				if (!from) from = p
				to = p; cnt++
				if (k > 0) rp[++np] = a / k
				if (h > 0) { rh[++nr] = a / h; if (k > 0) rt[++nt] = h / k }
			}
			printf "lo=%d\nhi=%d\nfrom=%d\nto=%d\ncount=%d\n", lo, hi, from, to, cnt
			printf "r4p=%s\nr4h=%s\nrhp=%s\nsmall4p=%s\nsmall4h=%s\nfirst=%s\n", median(rp, np), median(rh, nr), median(rt, nt), median(sp, ns), median(sh, nh), first
			printf "top4=%s\ntoph=%s\ntopp=%s\n", m["4k", to], m["thp", to], m["packed", to]
		}' -F'\t' -v reach="$2" -v l2="$3" -v line="$4" "$1"
}

run_tlb() {
	local d="$SK_EXP_DIR/data.tsv" s="$SK_EXP_DIR/summary.tsv"
	sk_prog "$d" sk_pin "$cpu" "$HERE/tlb" "${SK_QOPT[@]}" || return 0
	sk_summarize -b backing,pages -v ns_per_access "$d" | sk_atomic_write "$s"
	# The TLBs as CPUID reports them (tlb copied them into its preamble).
	local tsum tsrc thyp e1 e2 reach l2 line marks="" src_note
	tsum=$(sk_meta "$d" tlb_summary) tsrc=$(sk_meta "$d" tlb_source) thyp=$(sk_meta "$d" tlb_cpuid_hypervisor)
	e1=$(sk_meta "$d" tlb_l1_4k_entries) e2=$(sk_meta "$d" tlb_l2_4k_entries)
	l2=$(sk_meta "$d" cache_l2_bytes) line=$(sk_meta "$d" line_bytes)
	line=${line:-64}
	((${e1:-0} > 0)) && marks+="L1=$e1 "
	((${e2:-0} > 0)) && marks+="L2=$e2 "
	reach=${e2:-0}
	((${e1:-0} > reach)) && reach=$e1
	src_note=$tsrc
	[[ $thyp == 1 ]] && src_note+=", as the hypervisor reports it: it may not be the hardware's"
	local reach_note="data TLBs ${tsum:-unknown} ($src_note)"
	if ((reach == 0)); then
		reach=1024   # unknown: below every x86 second-level TLB of the last decade
		reach_note+="; judged from 2048 pages on"
	fi
	((${l2:-0} > 0)) || l2=1048576
	local lo from to count r4p r4h rhp small4p small4h first top4 toph topp kv val
	lo="" from="" to="" count=0 r4p=NaN r4h=NaN rhp=NaN small4p=NaN small4h=NaN first="" top4="" toph="" topp=""
	while IFS='=' read -r kv val; do
		case $kv in
		lo) lo=$val ;; from) from=$val ;; to) to=$val ;; count) count=$val ;;
		r4p) r4p=$val ;; r4h) r4h=$val ;; rhp) rhp=$val ;; small4p) small4p=$val ;; small4h) small4h=$val ;;
		first) first=$val ;; top4) top4=$val ;; toph) toph=$val ;; topp) topp=$val ;;
		esac
	done < <(tlb_judge "$s" "$reach" "$l2" "$line")
	local frac has_thp=0 name_thp="huge pages remove the translation cost" exp_thp=">= 1.3x: 4 KiB over THP"
	grep -q $'^thp\t' "$s" && has_thp=1
	frac=$(sk_meta "$d" thp_backed_fraction)
	sk_check few-pages-4-kib-pages-cost-the-same-as-packed-lines "few pages: 4 KiB pages cost the same as packed lines" 'small4p <= 1.3 && small4p >= 1 / 1.3' \
		small4p="$small4p" --observed "median ratio ${small4p}x over 8..32 pages" \
		--note "expected within 1.3x; the TLB holds every translation"
	if ((count == 0)); then
		sk_verdict "past the TLB's reach: 4 KiB pages cost more than the same lines packed" ">= 1.5x packed" \
			"no page count from $lo on" SKIP "the curve stops before twice the TLB's reach; $reach_note"
	else
		sk_check past-the-tlb-s-reach-4-kib-pages-cost-more-than-the-same-lin "past the TLB's reach: 4 KiB pages cost more than the same lines packed" 'r4p >= 1.5' \
			r4p="$r4p" --observed "median ratio $(sk_calc "$r4p" %.2f)x over $count page counts $from..$to (at $to: $top4 vs $topp ns)" \
			--note "expected >= 1.5x packed; $reach_note; 4 KiB pages stay >= 1.5x packed from ${first:-no count} pages on"
	fi
	if ((has_thp == 0)); then
		sk_verdict "$name_thp" "thp curve" "none" SKIP "transparent huge pages are $(sk_meta "$d" thp_system)"
	else
		sk_check the-thp-buffer-is-backed-by-huge-pages "the THP buffer is backed by huge pages" 'frac >= 0.5' \
			frac="$frac" --observed "$(sk_calc "$frac * 100") % (AnonHugePages)" \
			--note "expected >= 50 %"
		local thp_obs
		thp_obs="median 4K/THP ratio $(sk_calc "$r4h" %.2f)x over $from..$to pages (at $to: 4 KiB $top4, THP $toph, packed $topp ns)"
		if ((count == 0)); then
			sk_verdict "$name_thp" "$exp_thp" "no page count in range" SKIP "the curve stops before twice the TLB's reach"
		elif sk_cmp "$r4h >= 1.3"; then
			sk_verdict "$name_thp" "$exp_thp" "$thp_obs" PASS ""
		elif sk_cmp "$frac < 0.5"; then
			sk_verdict "$name_thp" "$exp_thp" "$thp_obs" SKIP \
				"the kernel gave huge pages to only $(sk_calc "$frac * 100") % of the buffer"
		elif is_vm && sk_cmp "$r4p >= 1.5"; then
			sk_verdict "$name_thp" "$exp_thp" "$thp_obs" SKIP \
				"VM: THP costs $(sk_calc "$rhp" %.1f)x packed lines, as 4 KiB pages do: the host backs this guest's huge pages with small pages, so the TLB still caches 4 KiB translations"
		else
			sk_verdict "$name_thp" "$exp_thp" "$thp_obs" FAIL "THP costs $(sk_calc "$rhp" %.1f)x packed lines"
		fi
	fi
	sk_plot "$HERE/tlb.gp" summary.tsv tlb "$marks" "$((l2 / line))" "$tsrc$([[ $thyp == 1 ]] && echo ', hypervisor')"
	sk_summary <<EOF
## The TLB's reach: 4 KiB pages, huge pages, and the same lines packed (CPU $cpu)

A random chain touches one cache line in each of N pages; the lines are spread over the cache sets, so the data stays small (N x $line B) while the number of pages grows. The control curve, packed, visits as many lines side by side: the same data in $((4096 / line)) times fewer pages. With 4 KiB pages, once N passes the TLB's entries every load also needs a page walk (in a VM through guest and host tables): from ${first:-?} pages on, the 4 KiB curve stays 1.5x above the packed one or more, and at $to pages it is $top4 ns against $topp ns (median ratio $(sk_calc "$r4p" %.1f)x over $from..$to pages, where the data still fits in L2). The huge-page curve shows whether 2 MiB pages are huge all the way down: the kernel backed $(sk_calc "${frac:-0} * 100") % of its buffer with huge pages, and at $to pages it costs ${toph:-?} ns. In a VM whose host backs guest memory with 4 KiB pages, the TLB still caches 4 KiB translations and THP helps little. The dashed lines mark the TLB sizes CPUID reports.

- data TLBs: ${tsum:-unknown} ($src_note)
- few pages: 4 KiB/packed ${small4p}x, 4 KiB/THP ${small4h}x
- $from..$to pages: 4 KiB/packed $(sk_calc "$r4p" %.2f)x, 4 KiB/THP $(sk_calc "$r4h" %.2f)x, THP/packed $(sk_calc "$rhp" %.2f)x
- 4 KiB pages stay >= 1.5x packed lines from ${first:-?} pages on (compare the TLB sizes)
EOF
}

# ---------------------------------------------------------------------------
# 3. membw: bandwidth vs size, 1 thread and one per CPU
# ---------------------------------------------------------------------------
run_membw() {
	local d="$SK_EXP_DIR/data.tsv" s="$SK_EXP_DIR/summary.tsv"
	# membw pins its own threads (pinning is part of this experiment): thread 0
	# on the last allowed CPU, the others on the rest.
	sk_prog "$d" "$HERE/membw" "${SK_QOPT[@]}" || return 0
	sk_summarize -b op,threads,size_bytes -v gb_per_s "$d" | sk_atomic_write "$s"
	local nall r1s r1l w1l c1l rNs first last
	nall=$(awk -F'\t' 'NR > 1 { if ($2 > n) n = $2 } END { print n }' "$s")
	first=$(awk -F'\t' 'NR > 1 { print $3; exit }' "$s")
	last=$(awk -F'\t' 'NR > 1 { if ($3 > m) m = $3 } END { print m }' "$s")
	get() { awk -F'\t' -v o="$1" -v t="$2" -v z="$3" '$1 == o && $2 == t && $3 == z { print $5 }' "$s"; }
	r1s=$(get read 1 "$first") r1l=$(get read 1 "$last") w1l=$(get write 1 "$last") c1l=$(get copy 1 "$last")
	local w1s c1s
	w1s=$(get write 1 "$first") c1s=$(get copy 1 "$first")
	sk_check read-small-buffers-stream-far-faster-than-dram "read: small buffers stream far faster than DRAM" 'r1s >= 2 * r1l' \
		r1s="$r1s" r1l="$r1l" --observed "$r1s GB/s at $(human "$first") vs $r1l GB/s at $(human "$last") ($(sk_calc "$r1s / $r1l" %.1f)x)" \
		--note "expected >= 2x"
	local note_mt=""
	if ((nall > 1)); then
		rNs=$(get read "$nall" "$first")
		sk_check read-nall-threads-in-private-caches-add-up "read: $nall threads in private caches add up" 'rns >= 1.2 * r1s' \
			rns="$rNs" r1s="$r1s" --observed "$rNs vs $r1s GB/s at $(human "$first") ($(sk_calc "$rNs / $r1s" %.1f)x)" \
			--note "expected >= 1.2x one thread; DRAM is shared: at $(human "$last") $nall threads give $(get read "$nall" "$last") GB/s vs $r1l"
		note_mt="- $nall threads, read: $rNs GB/s at $(human "$first"), $(get read "$nall" "$last") GB/s at $(human "$last")"
	else
		sk_verdict "read: threads in private caches add up" ">= 1.2x one thread" "1 CPU allowed" SKIP "needs 2 or more CPUs"
	fi
	sk_plot "$HERE/membw.gp" summary.tsv membw "$nall"
	# How close the reads come to the load ports: bytes per cycle (GB/s over
	# the clock estimate) against two vector loads per cycle.
	local vec ghz lim port="" sz l2 bw
	vec=$(sk_meta "$d" read_vector_bytes) ghz=$(sk_meta "$d" core_ghz_estimate) ghz=${ghz%% *}
	l2=$(sk_meta "$d" cache_l2_bytes)
	l2=$(awk -F'\t' -v l2="${l2:-1048576}" 'NR > 1 && $1 == "read" && $2 == 1 && $3 <= l2 / 4 { v = $3 } END { print v }' "$s")
	if [[ -n $vec && -n $ghz ]]; then
		lim=$((2 * vec))
		for sz in "$first" $l2; do
			bw=$(get read 1 "$sz")
			port+="- read $(human "$sz"): $bw GB/s = $(sk_calc "$bw / $ghz" %.1f) bytes/cycle at ~$ghz GHz, $(sk_calc "100 * $bw / $ghz / $lim" %.0f) % of the load ports' $lim bytes/cycle (2 loads of $vec B)
"
		done
	fi
	sk_summary <<EOF
## Memory bandwidth against buffer size

Sequential read (the widest vector loads the CPU has: ${vec:-16} bytes here, eight accumulators), write (memset) and copy (memcpy, bytes counted once) over a buffer that is swept again and again, one thread pinned to CPU $(sk_default_cpu), then one thread per CPU each with its own buffer. Reading a $(human "$first") buffer that lives in L1 streams at $r1s GB/s; at $(human "$last"), far beyond this VM's share of the last-level cache, it falls to $r1l GB/s (DRAM). Writes and copies fall the same way ($w1s to $w1l GB/s and $c1s to $c1l GB/s). Threads add up while each works in its own core's caches and share the memory bus once they reach DRAM.

- 1 thread, read: $r1s GB/s at $(human "$first"), $r1l GB/s at $(human "$last")
- 1 thread, write: $w1s -> $w1l GB/s; copy: $c1s -> $c1l GB/s
${port}${note_mt}
EOF
}

# ---------------------------------------------------------------------------
# 4. pagecache: cold vs warm read
# ---------------------------------------------------------------------------
run_pagecache() {
	local d="$SK_EXP_DIR/data.tsv" s="$SK_EXP_DIR/summary.tsv"
	sk_prog "$d" sk_pin "$cpu" "$HERE/pagecache" "${SK_QOPT[@]}" "${dirarg[@]}" || return 0
	sk_summarize -b phase -v mb_per_s "$d" | sk_atomic_write "$s"
	local cold warm how size rb ra
	cold=$(sk_tsv_get "$s" phase cold median)
	warm=$(sk_tsv_get "$s" phase warm median)
	how=$(sk_meta "$d" evict)
	size=$(sk_meta "$d" file_bytes)
	rb=$(awk -F'\t' '!/^#/ && $2 == "cold" { if ($6 > m) m = $6 } END { print m + 0 }' "$d")
	ra=$(awk -F'\t' '!/^#/ && $2 == "cold" { if (!n++ || $7 < m) m = $7 } END { print m + 0 }' "$d")
	sk_check eviction-empties-the-page-cache-of-the-file "eviction empties the page cache of the file" 'rb <= 10' \
		rb="$rb" --observed "at most $rb % resident before the cold reads (mincore)" \
		--note "expected <= 10 % resident; $how"
	sk_check a-read-leaves-the-file-in-the-page-cache "a read leaves the file in the page cache" 'ra >= 90' \
		ra="$ra" --observed "at least $ra % resident after the cold reads" \
		--note "expected >= 90 % resident"
	sk_check the-warm-read-is-many-times-faster "the warm read is many times faster" 'warm >= 2 * cold' \
		warm="$warm" cold="$cold" --observed "warm $warm MB/s vs cold $cold MB/s ($(sk_calc "$warm / $cold" %.1f)x)" \
		--note "expected >= 2x cold; on a VM the cold read may come from the host's cache: faster than a disk"
	sk_plot "$HERE/pagecache.gp" data.tsv pagecache
	sk_summary <<EOF
## Reading a file twice: the page cache

A $(human "$size") file is evicted from the page cache ($how), then read twice with 1 MiB read(2) calls. The first read has to go to the block device: $cold MB/s. It leaves the whole file in memory (mincore: $ra % resident), so the second read is a memory copy from the page cache: $warm MB/s, $(sk_calc "$warm / $cold" %.1f) times faster.

- cold: $cold MB/s; warm: $warm MB/s (medians)
- residency before the cold read: <= $rb %; after: >= $ra %
- eviction: $how
EOF
}

# ---------------------------------------------------------------------------
# 5. writeback: buffered vs O_SYNC vs O_DIRECT, and dirty memory over time
# ---------------------------------------------------------------------------
run_writeback() {
	local d="$SK_EXP_DIR/data.tsv" s="$SK_EXP_DIR/summary.tsv" tr="$SK_EXP_DIR/trace.tsv"
	sk_prog "$d" sk_pin "$cpu" "$HERE/writeback" "${SK_QOPT[@]}" "${dirarg[@]}" --trace "$tr" || return 0
	sk_summarize -b variant -v mb_per_s "$d" | sk_atomic_write "$s"
	local buf bfs osync odir size base peak endd fstart fms wait knobs
	variant_median() { sk_tsv_get "$s" variant "$1" median; }
	sk_let variant_median buf=buffered bfs=buffered_fsync osync=osync odir=odirect
	size=$(sk_meta "$d" file_bytes)
	fstart=$(sk_meta "$tr" fsync_start_ms)
	fms=$(sk_meta "$tr" fsync_ms)
	wait=$(sk_meta "$tr" wait_s)
	knobs=$(for k in dirty_background_ratio dirty_ratio dirty_background_bytes dirty_bytes dirty_expire_centisecs dirty_writeback_centisecs; do
		printf '%s=%s ' "$k" "$(sk_meta "$d" "$k")"; done)
	# Dirty (kB): baseline = first sample; peak before fsync; level after fsync.
	read -r base peak endd < <(awk -F'\t' '/^#/ { next } !h { h = 1; next }
		!b { base = $2; b = 1 } ($4 == "writing" || $4 == "waiting") && $2 > peak { peak = $2 } $4 == "after" { endd = $2 }
		END { print base + 0, peak + 0, endd + 0 }' "$tr")
	local kib=$((size / 1024)) wend flush expire
	# when the write ended, and when the flusher (not the fsync) halved Dirty
	wend=$(awk -F'\t' '/^#/ { next } !h { h = 1; next } $4 == "waiting" { print $1; exit }' "$tr")
	flush=$(awk -F'\t' -v base="$base" -v half="$((kib / 2))" '/^#/ { next } !h { h = 1; next }
		$4 == "waiting" && $2 > base + half { up = 1 } $4 == "waiting" && up && $2 < base + half { print $1; exit }' "$tr")
	expire=$(sk_meta "$d" dirty_expire_centisecs)
	sk_check buffered-writes-return-long-before-o-sync-ones "buffered writes return long before O_SYNC ones" 'buf >= 2 * osync' \
		buf="$buf" osync="$osync" --observed "buffered $buf MB/s vs O_SYNC $osync MB/s ($(sk_calc "$buf / $osync" %.1f)x)" \
		--note "expected >= 2x O_SYNC; buffered + fsync: $bfs MB/s"
	sk_check a-buffered-write-leaves-dirty-pages-in-memory "a buffered write leaves dirty pages in memory" 'peak - base >= 0.5 * kib' \
		peak="$peak" base="$base" kib="$kib" --observed "Dirty rose by $(( (peak - base) / 1024 )) MiB for a $(human "$size") file" \
		--note "expected >= 50 % of the file in Dirty; the kernel writes them back later: after dirty_expire_centisecs, or when Dirty passes dirty_background_*"
	sk_check written-back-dirty-falls-again "written back: Dirty falls again" 'peak - endd >= 0.5 * kib' \
		peak="$peak" endd="$endd" kib="$kib" --observed "Dirty fell by $(( (peak - endd) / 1024 )) MiB (fsync at $(sk_calc "$fstart / 1000") s took $fms ms)" \
		--note "expected >= 50 % of the file"
	if [[ -n $odir ]]; then
		sk_verdict "O_DIRECT + fdatasync" "runs" "$odir MB/s" PASS "no page cache: each write goes to the device"
	else
		sk_verdict "O_DIRECT + fdatasync" "runs" "refused" SKIP "the filesystem rejects O_DIRECT (EINVAL)"
	fi
	sk_plot "$HERE/writeback.gp" trace.tsv writeback "$fstart" "$(awk -v w="${wend:-0}" -v e="${expire:-0}" 'BEGIN { print w + e * 10 }')"
	local flush_note="the fsync wrote them back (the watch, $wait s, was shorter than dirty_expire_centisecs)"
	[[ -n $flush ]] && flush_note="the kernel's flusher wrote them back $(sk_calc "($flush - $wend) / 1000" %.1f) s after the write ended (dirty_expire_centisecs = $expire, checked every dirty_writeback_centisecs), before any fsync"
	sk_summary <<EOF
## Where a write goes: page cache, write-back, O_SYNC, O_DIRECT

The same $(human "$size") written with 64 KiB write(2) calls. A buffered write returns once the data is in the page cache: $buf MB/s; adding an fsync at the end (the real trip to the device) gives $bfs MB/s; O_SYNC waits for the device on every write: $osync MB/s; O_DIRECT skips the page cache: ${odir:-skipped} MB/s. The graph follows Dirty and Writeback (/proc/meminfo, system-wide) while the file is written: Dirty rises by $(( (peak - base) / 1024 )) MiB as fast as the write goes, then stays: the file is far below the background threshold (dirty_background_ratio of available memory), so nothing is written until the data is older than dirty_expire_centisecs. Here $flush_note.

- buffered $buf MB/s, buffered+fsync $bfs MB/s, O_SYNC $osync MB/s, O_DIRECT ${odir:-skipped} MB/s
- Dirty: $((base / 1024)) MiB before, $((peak / 1024)) MiB peak, $((endd / 1024)) MiB after fsync
- ${flush_note}
- knobs (read only): $knobs
EOF
}

sk_run_experiments
sk_run_finish
