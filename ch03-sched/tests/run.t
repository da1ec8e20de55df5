#!/usr/bin/env bash
# run.t - ch03's quick run shows its phenomena (PASS verdicts, or SKIP with a
# reason), leaves data, plots and nothing running; bad driver arguments exit 2;
# Ctrl-C in the middle leaves no worker behind.
source "$(dirname "$0")/../../tests/tap.sh"
drv=$TAP_TOP/ch03-sched/run.sh
for p in sched cpuperf ctxsw-cost timeacct tick oversleep queue; do
	[[ -x $TAP_TOP/ch03-sched/$p ]] || plan_skip_all "programs not built (make)"
done

bad_args "$drv" -c abc
bad_args "$drv" -c 9999
bad_args "$drv" -c 0-1
bad_args "$drv" -n 1
bad_args "$drv" -n 9
bad_args "$drv" -t 5
bad_args "$drv" -t x
bad_args "$drv" -k 0
bad_args "$drv" -k 20
bad_args "$drv" -z
bad_args "$drv" -e nope
bad_args "$drv" stray

export SHIKUMI_NO_REPORT=1
rd=$TAP_TMP/run
run_exit 0 "run.sh -q completes" "$drv" -q -o "$rd"
d=$rd/ch03-sched
for e in slices nice cpuperf time ctxsw tick oversleep queue rt; do
	ok "$e: experiment directory published" test -d "$d/$e"
	ok "$e: no partial directory left" test ! -e "$d/.$e.partial"
	ok "$e: summary.md written" test -s "$d/$e/summary.md"
done
tsv_ok "$d/slices/data.tsv" "nproc proc elapsed_ms progress_pct cpu" "slices trace"
tsv_ok "$d/slices/workers.tsv" "nproc proc voluntary_ctxsw involuntary_ctxsw cpus runs slice_median_ms" "slices per-worker table"
tsv_ok "$d/cpuperf/data.tsv" "mode nproc rep avg_turnaround_ms throughput_per_s" "cpuperf data"
tsv_ok "$d/time/data.tsv" "kind rep real_ms user_ms sys_ms" "time data"
tsv_ok "$d/ctxsw/data.tsv" "placement rep ns_per_roundtrip" "ctxsw data"
verdicts_ok "$d/slices/verdict.tsv" n-workers-on-one-cpu-finish-at-n-x-the-single-worker-time workers-interleave-on-one-cpu median-slice-is-plausible-for-this-kernel recording-a-sample-does-not-distort-the-trace
verdicts_ok "$d/nice/verdict.tsv" cpu-share-follows-the-nice-weights the-nice-0-worker-finishes-first
verdicts_ok "$d/cpuperf/verdict.tsv" on-one-cpu-throughput-stays-flat on-one-cpu-turnaround-grows-linearly-with-n on-all-cpus-throughput-grows-until-n-cpus on-all-cpus-throughput-flattens-beyond-n-cpus
verdicts_ok "$d/time/verdict.tsv" a-busy-process-real-user-sys-0 a-sleeping-process-uses-no-cpu a-syscall-heavy-process-spends-its-time-in-the-kernel two-busy-processes-on-two-cpus-user-real
verdicts_ok "$d/ctxsw/verdict.tsv" two-processes-on-one-cpu-pay-for-switching a-cross-cpu-round-trip-is-measured \
	a-user-level-switch-costs-a-fraction-of-a-kernel-one a-thread-switch-costs-no-more-than-a-process-switch
like "$(cut -f1 "$d/ctxsw/kinds.tsv" | tr '\n' ' ')" '^kind process thread user $' "ctxsw: switch cost by kind (kinds.tsv)"
if grep -qE $'\tSKIP\t.*\ttick-runs$' "$d/tick/verdict.tsv"; then
	verdicts_ok "$d/tick/verdict.tsv"   # one allowed CPU: SKIP with tick's reason
else
	verdicts_ok "$d/tick/verdict.tsv" a-busy-cpu-takes-the-tick-hz-times-a-second an-idle-cpu-stops-its-tick an-idle-cpu-sits-in-its-idle-states
fi
verdicts_ok "$d/oversleep/verdict.tsv" sleeps-overshoot-by-about-the-timer-slack a-1-ns-slack-wakes-sooner
verdicts_ok "$d/queue/verdict.tsv" the-mean-response-follows-m-d-1-at-moderate-load the-tail-grows-steeply-near-full-load
tsv_ok "$d/queue/data.tsv" "load_pct rho resp_mean_us resp_p99_us theory_mean_us" "queue data"
if grep -qE $'\tSKIP\t.*\t[a-z0-9-]+-runs$' "$d/rt/verdict.tsv"; then
	verdicts_ok "$d/rt/verdict.tsv"   # no privilege for SCHED_FIFO: SKIP with sched's reason
else
	verdicts_ok "$d/rt/verdict.tsv" a-sched-fifo-task-starves-a-normal-one the-real-time-worker-finishes-first
fi
plots_ok "$d" slices/progress slices/timeline cpuperf/cpuperf
ok "run status is complete" grep -qx complete "$rd/status"

# Ctrl-C in the middle: workers killed, partial experiment kept, run marked interrupted.
rd2=$TAP_TMP/run2
interrupt_when "$rd2/ch03-sched/.slices.partial" 1 "$drv" -q -t 3000 -o "$rd2"
interrupted_ok "$rd2" ch03-sched/slices
none_left_ok "$TAP_TOP/ch03-sched/(sched|cpuperf|ctxsw-cost|timeacct|tick|oversleep|queue)"
done_testing
