#!/usr/bin/env bash
# run.t - ch04's quick run shows its phenomena (PASS verdicts, or SKIP with a
# reason), leaves data, plots and nothing running; bad driver arguments exit 2.
source "$(dirname "$0")/../../tests/tap.sh"
drv=$TAP_TOP/ch04-memory/run.sh
[[ -x $TAP_TOP/ch04-memory/fault-cost ]] || plan_skip_all "programs not built (make)"

bad_args "$drv" -c abc
bad_args "$drv" -e nope
bad_args "$drv" -c 9999
bad_args "$drv" -c 0-1
bad_args "$drv" -s 0
bad_args "$drv" -s x
bad_args "$drv" -s 65537
bad_args "$drv" -z
bad_args "$drv" stray
avail_mib=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
if ((avail_mib / 2 < 65536)); then
	bad_args "$drv" -s 65536
	like "$ERR" "exceeds half of MemAvailable" "run.sh -s beyond MemAvailable/2 names the limit"
else
	skip "more than 128 GiB available: no -s value is too large"
fi

export SHIKUMI_NO_REPORT=1
# oom-victim's groups carry this test's tag, so the leftover checks see only ours
export SHIKUMI_CG_TAG=shikumi-t$$
source "$TAP_TOP/scripts/cgroup.sh"
rd=$TAP_TMP/run
# Its own TMPDIR (meminfo and filemap make their scratch directories there), so
# that the leftover check below cannot see other runs' directories.
mkdir -p "$TAP_TMP/tmp1"
TMPDIR=$TAP_TMP/tmp1 run_exit 0 "run.sh -q completes" "$drv" -q -o "$rd"
d=$rd/ch04-memory
exps=(meminfo mmap demand-paging thp pagetable overcommit segv filemap malloc vaspace fault-cost buddy slab oom-victim)
for e in "${exps[@]}"; do
	ok "$e: experiment directory published" test -d "$d/$e"
	ok "$e: no partial directory left" test ! -e "$d/.$e.partial"
	ok "$e: summary.md written" test -s "$d/$e/summary.md"
done
tsv_ok "$d/demand-paging/data.tsv" "t_ms phase vsz_kib rss_kib minflt majflt vm_pte_kib" "demand-paging data"
tsv_ok "$d/fault-cost/data.tsv" "mode rep ns_per_page ns_per_fault" "fault-cost data"
tsv_ok "$d/pagetable/data.tsv" "size_mib state vm_pte_delta_kib" "pagetable data"
tsv_ok "$d/buddy/summary.tsv" "order block before_mib populated_mib fragmented_mib released_mib" "buddy summary"

# Every verdict the driver wrote: PASS, or SKIP with its reason; the key checks are there.
for e in "${exps[@]}"; do
	case $e in
	demand-paging) verdicts_ok "$d/$e/verdict.tsv" vsz-jumps-at-mmap-while-rss-does-not rss-grows-by-the-touched-amount \
		minor-faults-touched-bytes-page-size no-major-faults sampling-does-not-distort-the-touch-rate ;;
	pagetable) verdicts_ok "$d/$e/verdict.tsv" page-table-memory-grows-with-touched-memory ;;
	fault-cost) verdicts_ok "$d/$e/verdict.tsv" a-first-touch-costs-far-more-than-a-re-touch ;;
	vaspace) verdicts_ok "$d/$e/verdict.tsv" whole-space-reservable va-bits-match-arch ;;
	buddy) verdicts_ok "$d/$e/verdict.tsv" freeing-every-other-page-frees-memory freed-pages-do-not-form-huge-blocks thp-faults-try-one-huge-page-each ;;
	segv) verdicts_ok "$d/$e/verdict.tsv" null-read-gives-segv-maperr unmapped-write-gives-segv-maperr readonly-write-gives-segv-accerr \
		exec-noexec-gives-segv-accerr without-a-handler-the-process-is-killed ;;
	filemap) verdicts_ok "$d/$e/verdict.tsv" a-map-shared-store-is-visible-to-read a-map-private-store-stays-private \
		touching-beyond-the-end-of-the-file-raises-sigbus ;;
	malloc) verdicts_ok "$d/$e/verdict.tsv" small-blocks-come-from-the-heap-large-ones-from-mmap ;;
	slab) verdicts_ok "$d/$e/verdict.tsv" creating-files-adds-a-dentry-and-an-inode-each the-slab-caches-grow-with-them \
		deleting-the-files-frees-their-inodes removing-files-and-directory-frees-the-dentries ;;
	oom-victim)
		if grep -q $'\toom-victim-runs$' "$d/$e/verdict.tsv"; then verdicts_ok "$d/$e/verdict.tsv" oom-victim-runs
		else verdicts_ok "$d/$e/verdict.tsv" oom-kills-the-predicted-child-size oom-kills-the-predicted-child-adj \
			oom-score-ranks-the-victim-highest-size oom-score-ranks-the-victim-highest-adj; fi ;;
	*) verdicts_ok "$d/$e/verdict.tsv" ;;
	esac
done

plots_ok "$d" demand-paging/demand-paging pagetable/pagetable fault-cost/fault-cost meminfo/meminfo buddy/buddy slab/slab
if grep -q $'\tSKIP\t' "$d/thp/verdict.tsv"; then skip "thp skipped"; else
	plots_ok "$d" thp/thp
fi
ok "run status is complete" grep -qx complete "$rd/status"
none_left_ok "$TAP_TOP/ch04-memory/(meminfo|mmap|demand-paging|thp|pagetable|overcommit|segv|filemap|malloc|vaspace|fault-cost|buddy|slab|oom-victim)( |$)" "no program left running"
is "$(find "$TAP_TMP/tmp1" -mindepth 1)" "" "no scratch directory left"
scratch=$(awk -F': ' '/^# scratch_dir:/ {print $2}' "$d/slab/data.tsv")
ok "slab's scratch directory removed (it may use /dev/shm)" test -n "$scratch" -a ! -e "$scratch"
is "$(sk_cg_leftovers "$SHIKUMI_CG_TAG")" "" "no cgroup left after a normal run"

# oom-victim interrupted while its children hold memory: no group, no child left.
ov=$TAP_TOP/ch04-memory/oom-victim
run "$ov" --limit 32M -o "$TAP_TMP/ov.tsv"
if [[ $RC == 4 ]]; then
	skip "oom-victim SKIPs here: $ERR"
else
	is "$RC" 0 "oom-victim runs alone"
	"$ov" -o "$TAP_TMP/ov2.tsv" 2>/dev/null &
	pid=$!
	sleep 0.15
	kill -INT "$pid" 2>/dev/null
	wait "$pid" 2>/dev/null
	sleep 0.2
	is "$(sk_cg_leftovers "$SHIKUMI_CG_TAG")" "" "no cgroup left after Ctrl-C to oom-victim"
	is "$(pgrep -f "^$ov( |$)" || true)" "" "no oom-victim process left after Ctrl-C"
fi

# Ctrl-C in the middle of demand-paging (default: 1 s per step): run marked
# interrupted, partial experiment kept, nothing left running.
rd2=$TAP_TMP/run2
interrupt_when "$rd2/ch04-memory/.demand-paging.partial" 1 "$drv" -o "$rd2"
interrupted_ok "$rd2" ch04-memory/demand-paging
none_left_ok "$TAP_TOP/ch04-memory/demand-paging"
done_testing
