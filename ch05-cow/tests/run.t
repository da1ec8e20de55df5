#!/usr/bin/env bash
# run.t - ch05's quick run shows its phenomena (PASS verdicts, or SKIP with a
# reason), leaves data, plots and nothing running; bad driver arguments exit 2;
# a size beyond MemAvailable/2 is refused before anything runs.
source "$(dirname "$0")/../../tests/tap.sh"
drv=$TAP_TOP/ch05-cow/run.sh
for p in cow cow-cost shared-mem lock ipc threads; do
	[[ -x $TAP_TOP/ch05-cow/$p ]] || plan_skip_all "programs not built (make)"
done

bad_args "$drv" -c abc
bad_args "$drv" -e nope
bad_args "$drv" -c 9999
bad_args "$drv" -c 0-1
bad_args "$drv" -s abc
bad_args "$drv" -s 0
bad_args "$drv" -s "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)K"
bad_args "$drv" -z
bad_args "$drv" stray
run "$drv" -s "$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)K" -o "$TAP_TMP/refused"
like "$ERR" "MemAvailable" "too large -s: the message names the MemAvailable limit"
ok "too large -s: nothing was run" test ! -d "$TAP_TMP/refused/ch05-cow"

export SHIKUMI_NO_REPORT=1
rd=$TAP_TMP/run
# Its own TMPDIR: the scratch-directory check below must not see other runs' directories.
mkdir -p "$TAP_TMP/tmp1"
TMPDIR=$TAP_TMP/tmp1 run_exit 0 "run.sh -q completes" "$drv" -q -o "$rd"
d=$rd/ch05-cow
for e in cow cow-thp cow-cost shared-mem lock threads ipc; do
	ok "$e: experiment directory published" test -d "$d/$e"
	ok "$e: no partial directory left" test ! -e "$d/.$e.partial"
	ok "$e: summary.md written" test -s "$d/$e/summary.md"
done
tsv_ok "$d/cow/data.tsv" "rep stage process rss_kib pss_kib private_dirty_kib shared_dirty_kib minflt mem_available_kib used_kib" "cow data"
tsv_ok "$d/cow-cost/data.tsv" "op rep ns_per_page faults_per_page" "cow-cost data"
tsv_ok "$d/lock/data.tsv" "mode rep total final_count lost" "lock data"
tsv_ok "$d/ipc/data.tsv" "kind placement msg_bytes metric median spread_pct" "ipc data"
verdicts_ok "$d/cow/verdict.tsv" after-fork-nothing-is-copied-system-memory after-fork-the-child-owns-no-private-copy child-s-writes-take-one-fault-per-page after-the-child-writes-memory-grows-by-size
if grep -qE $'\tSKIP\t.*\t[a-z0-9-]+-runs$' "$d/cow-thp/verdict.tsv"; then
	verdicts_ok "$d/cow-thp/verdict.tsv"   # the program skipped (no THP): SKIP with its reason
else
	verdicts_ok "$d/cow-thp/verdict.tsv" with-madv-hugepage-the-touch-takes-one-fault-per-huge-page cow-of-a-huge-page-splits-it-and-copies-4-kib-pages after-fork-the-child-owns-no-private-copy
fi
verdicts_ok "$d/cow-cost/verdict.tsv" each-pass-measured-what-it-claims-faults-per-page a-cow-fault-costs-more-than-a-demand-zero-fault a-fault-costs-far-more-than-a-plain-write
verdicts_ok "$d/shared-mem/verdict.tsv" private-memory-each-process-sees-only-its-own-updates shared-memory-the-parent-sees-the-child-s-updates
verdicts_ok "$d/lock/verdict.tsv" without-a-lock-processes-lose-updates a-check-then-create-lockfile-still-loses-updates threads-with-plain-lose-updates excl-lock-is-exact flock-is-exact fcntl-is-exact thread-atomic-is-exact thread-mutex-is-exact
verdicts_ok "$d/ipc/verdict.tsv" shm-futex-round-trip-beats-the-slowest-copying-channel tcp-loopback-costs-more-than-a-unix-socket \
	bandwidth-rises-with-message-size-until-copy-bound shm-bandwidth-beats-pipe-and-unix-for-large-messages \
	on-one-cpu-spinning-only-wastes-time on-two-cpus-spinning-avoids-the-cross-cpu-wake-up
verdicts_ok "$d/threads/verdict.tsv" threads-share-one-process-id-each-has-its-own-thread-id proc-self-task-lists-every-thread \
	a-thread-s-write-is-seen-by-main-a-fork-child-s-is-not fork-copies-only-the-calling-thread \
	a-mutex-held-by-another-thread-at-fork-stays-locked-in-the-child with-pthread-atfork-the-child-can-lock-it \
	creating-a-thread-costs-less-than-forking-a-process
plots_ok "$d" cow/cow cow-cost/cow-cost lock/lock ipc/ipc-rtt ipc/ipc-bw threads/threads
ok "run status is complete" grep -qx complete "$rd/status"
ours="$TAP_TOP/ch05-cow/(cow|cow-cost|shared-mem|lock|ipc|threads)( |$)"
none_left_ok "$ours" "no program left running"
is "$(find "$TAP_TMP/tmp1" -mindepth 1 | wc -l)" 0 "no scratch directory left"

# Ctrl-C in the middle: programs killed and reaped, partial experiment kept and
# marked, run marked interrupted, no scratch directory left. Job control gives
# the driver its own process group, as a terminal would.
rd2=$TAP_TMP/run2
mkdir -p "$TAP_TMP/tmp2"
interrupt_when "$rd2/ch05-cow/.cow.partial" 1 env TMPDIR="$TAP_TMP/tmp2" "$drv" -o "$rd2"
interrupted_ok "$rd2"
ok "partial experiment kept as .interrupted" test -n "$(compgen -G "$rd2/ch05-cow/*.interrupted")"
none_left_ok "$ours"
is "$(find "$TAP_TMP/tmp2" -mindepth 1 | wc -l)" 0 "no scratch file left after Ctrl-C"
done_testing
