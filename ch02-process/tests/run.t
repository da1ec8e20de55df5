#!/usr/bin/env bash
# run.t - ch02's quick run shows its phenomena (PASS verdicts, or SKIP with a
# reason), leaves data, plots and nothing running; bad driver arguments exit 2;
# Ctrl-C in the middle leaves no process behind.
source "$(dirname "$0")/../../tests/tap.sh"
drv=$TAP_TOP/ch02-process/run.sh
[[ -x $TAP_TOP/ch02-process/spawn-cost && -x $TAP_TOP/ch02-process/states ]] || plan_skip_all "programs not built (make)"

bad_args "$drv" -c abc
bad_args "$drv" -c 9999
bad_args "$drv" -c 0-1
bad_args "$drv" -s abc
bad_args "$drv" -s 512K
bad_args "$drv" -s 60T
bad_args "$drv" -n 1
bad_args "$drv" -n x
bad_args "$drv" -z
bad_args "$drv" -e nope
bad_args "$drv" stray
run timeout 20 "$drv" -s 60T
like "$ERR" "limit [0-9]+ MiB" "-s beyond MemAvailable/2 names the limit"

export SHIKUMI_NO_REPORT=1
rd=$TAP_TMP/run
run_exit 0 "run.sh -q completes" "$drv" -q -o "$rd"
d=$rd/ch02-process
for e in fork exec wait-status states signals aslr fds spawn-cost; do
	ok "$e: experiment directory published" test -d "$d/$e"
	ok "$e: no partial directory left" test ! -e "$d/.$e.partial"
	ok "$e: summary.md written" test -s "$d/$e/summary.md"
	verdicts_ok "$d/$e/verdict.tsv"   # every verdict: PASS, or SKIP with its reason
done
tsv_ok "$d/spawn-cost/data.tsv" "method parent_mem_bytes rep us_per_op" "spawn-cost data"
tsv_ok "$d/states/data.tsv" "what pid ppid pgrp session tty_nr state" "states data"
tsv_ok "$d/aslr/data.tsv" "run build elf_type region address" "aslr data"
plots_ok "$d" spawn-cost/spawn-cost aslr/aslr
ok "run status is complete" grep -qx complete "$rd/status"
sleep 0.3
left=$(pgrep -f "$TAP_TOP/ch02-process/" || true)
is "$left" "" "no ch02 process left after the run"

# Ctrl-C in the middle of spawn-cost (full mode: 1 MiB .. 1 GiB): children
# killed and reaped, partial experiment kept, run marked interrupted.
rd2=$TAP_TMP/run2
interrupt_when "$rd2/ch02-process/.spawn-cost.partial" 1 "$drv" -n 2 -o "$rd2"
interrupted_ok "$rd2" ch02-process/spawn-cost
none_left_ok "$TAP_TOP/ch02-process/" "no ch02 process left running after Ctrl-C"
done_testing
