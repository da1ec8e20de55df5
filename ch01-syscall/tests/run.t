#!/usr/bin/env bash
# run.t - ch01's quick run shows its phenomena (PASS verdicts, or SKIP with a
# reason), leaves data, plots and nothing running; bad driver arguments exit 2.
source "$(dirname "$0")/../../tests/tap.sh"
drv=$TAP_TOP/ch01-syscall/run.sh
[[ -x $TAP_TOP/ch01-syscall/syscall-cost ]] || plan_skip_all "programs not built (make)"

bad_args "$drv" -c abc
bad_args "$drv" -c 9999
bad_args "$drv" -c 0-1
bad_args "$drv" -d 0
bad_args "$drv" -d x
bad_args "$drv" -z
bad_args "$drv" stray
bad_args "$drv" -e no-such-experiment
run_exit 0 "-h lists the experiments" "$drv" -h
like "$OUT" "syscall-cost +ns per function call" "-h names each experiment with its description"

export SHIKUMI_NO_REPORT=1
rd=$TAP_TMP/run
run_exit 0 "run.sh -q completes" "$drv" -q -o "$rd"
d=$rd/ch01-syscall
for e in user-vs-system syscall-cost hello; do
	ok "$e: experiment directory published" test -d "$d/$e"
	ok "$e: no partial directory left" test ! -e "$d/.$e.partial"
	ok "$e: summary.md written" test -s "$d/$e/summary.md"
done
tsv_ok "$d/user-vs-system/data.tsv" "program t_ms user_pct system_pct idle_pct" "user-vs-system data"
tsv_ok "$d/syscall-cost/data.tsv" "op rep ns_per_op" "syscall-cost data"
verdict_ok "$d/user-vs-system/verdict.tsv" loop-user
verdict_ok "$d/user-vs-system/verdict.tsv" syscall-loop-kernel
verdict_ok "$d/syscall-cost/verdict.tsv" syscall-vs-call
verdict_ok "$d/syscall-cost/verdict.tsv" vdso-avoids-kernel
if [[ -x $TAP_TOP/ch01-syscall/hello-static ]]; then
	verdict_ok "$d/hello/verdict.tsv" static-size
	verdict_ok "$d/hello/verdict.tsv" static-syscalls
else
	skip "no static libc"
fi
plots_ok "$d" syscall-cost/syscall-cost
ok "run status is complete" grep -qx complete "$rd/status"
is "$(cut -f1 "$d/experiments.tsv" | tr '\n' ' ')" "user-vs-system syscall-cost hello " "experiments.tsv lists the declared order"
ok "meta.json is valid JSON-ish" grep -q '"kernel"' "$rd/meta.json"

# -J: the driver judges the saved data again with its own code, measuring nothing.
for e in user-vs-system syscall-cost hello; do
	run_exit 0 "-J re-judges $e" "$drv" -J "$rd" -e "$e"
	is "$OUT" "$(cat "$d/$e/verdict.tsv")" "-J gives $e's recorded verdicts back"
done
cp -R "$rd" "$TAP_TMP/forged"
sed -i 's/^function_call\t\([0-9]*\)\t.*/function_call\t\1\t99999/' "$TAP_TMP/forged/ch01-syscall/syscall-cost/data.tsv"
run_exit 0 "-J on edited data" "$drv" -J "$TAP_TMP/forged" -e syscall-cost
like "$OUT" $'\tFAIL\t[^\t]*\tsyscall-vs-call' "-J judges edited data by the data: a 99999 ns function call fails the check"
bad_args "$drv" -J "$TAP_TMP/no-such-run"

# Without the optional tools: data and verdicts still written, plots skipped with a note.
rd3=$TAP_TMP/run3
SHIKUMI_HIDE_TOOLS="gnuplot hyperfine strace sar" run_exit 0 "run.sh -q -e hello -e syscall-cost without gnuplot, hyperfine, strace, sar" \
	"$drv" -q -e hello -e syscall-cost -o "$rd3"
ok "-e runs only the experiments named" test ! -e "$rd3/ch01-syscall/user-vs-system"
like "$ERR" "gnuplot not installed" "missing gnuplot is noted"
ok "no plot without gnuplot" test ! -e "$rd3/ch01-syscall/syscall-cost/syscall-cost.png"
verdict_ok "$rd3/ch01-syscall/syscall-cost/verdict.tsv" syscall-vs-call
ok "start-up time verdict is SKIP without hyperfine" grep -qE $'\tSKIP\tinstall hyperfine\tstatic-startup$' "$rd3/ch01-syscall/hello/verdict.tsv"

# Ctrl-C in the middle: children killed, partial experiment kept and marked, run marked interrupted.
# Job control gives the driver its own process group, as a terminal would, and
# keeps SIGINT from being ignored in a background job.
rd2=$TAP_TMP/run2
interrupt_when "$rd2/ch01-syscall/.user-vs-system.partial" 1 "$drv" -q -d 5 -o "$rd2"
interrupted_ok "$rd2" ch01-syscall/user-vs-system
none_left_ok "$TAP_TOP/ch01-syscall/(loop|syscall-loop|cpu-sample)"
done_testing
