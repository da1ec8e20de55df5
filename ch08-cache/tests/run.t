#!/usr/bin/env bash
# run.t - ch08's quick run shows its phenomena (PASS verdicts, or SKIP with a
# reason), leaves data, plots and no scratch files or processes; bad driver
# arguments exit 2.
source "$(dirname "$0")/../../tests/tap.sh"
drv=$TAP_TOP/ch08-cache/run.sh
for p in cache-stride tlb membw pagecache writeback; do
	[[ -x $TAP_TOP/ch08-cache/$p ]] || plan_skip_all "programs not built (make)"
done

bad_args "$drv" -c abc
bad_args "$drv" -c 9999
bad_args "$drv" -c 0-1
bad_args "$drv" -e nosuch
bad_args "$drv" -e cache-stride,bogus
bad_args "$drv" -d /nonexistent/dir
bad_args "$drv" -z
bad_args "$drv" stray

export SHIKUMI_NO_REPORT=1
mkdir -p "$TAP_TMP/scratch"
rd=$TAP_TMP/run
run_exit 0 "run.sh -q completes" "$drv" -q -o "$rd" -d "$TAP_TMP/scratch"
d=$rd/ch08-cache
for e in cache-stride tlb membw pagecache writeback; do
	ok "$e: experiment directory published" test -d "$d/$e"
	ok "$e: no partial directory left" test ! -e "$d/.$e.partial"
	ok "$e: summary.md written" test -s "$d/$e/summary.md"
done
tsv_ok "$d/cache-stride/data.tsv" "mode size_bytes rep ns_per_access" "cache-stride data"
tsv_ok "$d/tlb/data.tsv" "backing pages span_bytes rep ns_per_access" "tlb data"
tsv_ok "$d/membw/data.tsv" "op threads size_bytes rep gb_per_s" "membw data"
tsv_ok "$d/pagecache/data.tsv" "rep phase bytes elapsed_ns mb_per_s" "pagecache data"
tsv_ok "$d/writeback/trace.tsv" "t_ms dirty_kib writeback_kib phase" "writeback trace"
ok "cliffs.tsv written" test -s "$d/cache-stride/cliffs.tsv"

for e in cache-stride tlb membw pagecache writeback; do
	verdicts_ok "$d/$e/verdict.tsv"   # every row: PASS, or SKIP with its reason
done
v=$d/cache-stride/verdict.tsv
verdict_ok "$v" chase-latency-at-the-largest-size-is-several-times-l1-s
verdict_ok "$v" seq-time-per-line-at-the-largest-size-is-several-times-l1-s
if grep -q 'cliffs named after sysfs caches' "$v"; then
	verdict_ok "$v" cliffs-named-after-sysfs-caches
else
	verdict_ok "$v" chase-a-cliff-near-the-l1d-size
	verdict_ok "$v" chase-a-cliff-near-the-l2-size
	grep -q 'near the L3 size' "$v" && verdict_ok "$v" chase-a-cliff-near-the-l3-size
	verdict_ok "$v" chase-every-cliff-lies-within-2x-of-a-sysfs-cache-size
fi
v=$d/tlb/verdict.tsv
verdict_ok "$v" few-pages-4-kib-pages-cost-the-same-as-packed-lines
verdict_ok "$v" past-the-tlb-s-reach-4-kib-pages-cost-more-than-the-same-lin
grep -q '^the THP buffer' "$v" && verdict_ok "$v" the-thp-buffer-is-backed-by-huge-pages
verdict_ok "$v" huge-pages-remove-the-translation-cost
# a SKIP must carry its evidence: the measured ratios, not just a word
ok "tlb: THP verdict is PASS, or SKIP with the measured ratios" \
	awk -F'\t' '$1 == "huge pages remove the translation cost" { f = 1; if ($4 == "PASS" || ($4 == "SKIP" && ($3 ~ /[0-9]x/ || $5 ~ /transparent huge pages are/))) ok = 1 } END { exit !(f && ok) }' "$v"
ok "tlb: preamble records the TLB source (CPUID or unknown)" grep -q '^# tlb_source: ' "$d/tlb/data.tsv"
v=$d/membw/verdict.tsv
verdict_ok "$v" read-small-buffers-stream-far-faster-than-dram
grep -q 'threads in private caches add up' "$v" &&
	verdict_ok "$v" "$(awk -F'\t' '/threads in private caches add up/ { print $1 }' "$v")"
v=$d/pagecache/verdict.tsv
verdict_ok "$v" eviction-empties-the-page-cache-of-the-file
verdict_ok "$v" a-read-leaves-the-file-in-the-page-cache
verdict_ok "$v" the-warm-read-is-many-times-faster
v=$d/writeback/verdict.tsv
verdict_ok "$v" buffered-writes-return-long-before-o-sync-ones
verdict_ok "$v" a-buffered-write-leaves-dirty-pages-in-memory
verdict_ok "$v" written-back-dirty-falls-again
verdict_ok "$v" o-direct-fdatasync
plots_ok "$d" cache-stride/cache-stride tlb/tlb membw/membw pagecache/pagecache writeback/writeback
ok "run status is complete" grep -qx complete "$rd/status"
is "$(ls -A "$TAP_TMP/scratch")" "" "no scratch files left"
none_left_ok "$TAP_TOP/ch08-cache/(cache-stride|tlb|membw|pagecache|writeback)" "no program left running"

# Ctrl-C during writeback's watch: scratch removed, run marked interrupted.
rd2=$TAP_TMP/run2
interrupt_when "$TAP_TMP/scratch/*/writeback.dat" 0.5 "$drv" -q -e writeback -o "$rd2" -d "$TAP_TMP/scratch"
interrupted_ok "$rd2"
none_left_ok "$TAP_TOP/ch08-cache/writeback"
is "$(ls -A "$TAP_TMP/scratch")" "" "no scratch files left after Ctrl-C"
done_testing
