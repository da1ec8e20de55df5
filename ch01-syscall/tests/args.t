#!/usr/bin/env bash
# args.t - every ch01 program: --help, malformed arguments exit 2 with a
# one-line message, and quick runs produce well-formed TSV.
# shikumi: asan
source "$(dirname "$0")/../../tests/tap.sh"

cost=$(bin ch01-syscall/syscall-cost)
loop=$(bin ch01-syscall/loop)
sloop=$(bin ch01-syscall/syscall-loop)
sample=$(bin ch01-syscall/cpu-sample)
[[ -x $cost && -x $loop && -x $sloop && -x $sample ]] || plan_skip_all "programs not built (make${SHIKUMI_VARIANT:+ asan})"

for p in "$cost" "$loop" "$sloop" "$sample"; do help_ok "$p"; done

# malformed arguments: non-numeric, trailing junk, negative, zero, huge, missing, unknown
bad_args "$cost" -r abc
bad_args "$cost" -r 7x
bad_args "$cost" -r -3
bad_args "$cost" -r 0
bad_args "$cost" -r 99999999999999999999
bad_args "$cost" -r
bad_args "$cost" -t 0
bad_args "$cost" -t 10001
bad_args "$cost" --op nosuchop
bad_args "$cost" -f /nonexistent/file
bad_args "$cost" --bogus
bad_args "$cost" extra-operand
for p in "$loop" "$sloop"; do
	bad_args "$p" -d abc
	bad_args "$p" -d 0
	bad_args "$p" -d -5
	bad_args "$p" -d 1e3
	bad_args "$p" -d 99999999999999999999
	bad_args "$p" -d
	bad_args "$p" stray
done
bad_args "$sample"
bad_args "$sample" -c 99999
bad_args "$sample" -c x
bad_args "$sample" -c 0 -i 5
bad_args "$sample" -c 0 -i 60001
bad_args "$sample" -c 0 -i 100 -d 50
bad_args "$sample" -c 0 -d -1

# quick runs produce well-formed TSV
run_exit 0 "syscall-cost --op getppid --op function_call runs" "$cost" -q -r 5 -t 2 --op getppid --op function_call
printf '%s\n' "$OUT" >"$TAP_TMP/cost.tsv"
tsv_ok "$TAP_TMP/cost.tsv" "op rep ns_per_op" "syscall-cost TSV is well-formed"
is "$(grep -c $'^getppid\t' "$TAP_TMP/cost.tsv")" 5 "five repetitions of getppid"
run_exit 0 "syscall-cost -o FILE writes the file" "$cost" -q -r 5 -t 1 --op vdso_clock_gettime -o "$TAP_TMP/o.tsv"
tsv_ok "$TAP_TMP/o.tsv" "op rep ns_per_op" "-o FILE is well-formed"
ok "no temporary file left next to -o FILE" test -z "$(find "$TAP_TMP" -name "*.tmp.*")"

run_exit 0 "loop -d 200 runs and stops" "$loop" -d 200
run_exit 0 "syscall-loop -d 200 runs and stops" "$sloop" -d 200
run_exit 0 "cpu-sample runs" "$sample" -c "$(awk '/^Cpus_allowed_list/ {sub(/[-,].*/, "", $2); print $2}' /proc/self/status)" -c all -i 50 -d 200
printf '%s\n' "$OUT" >"$TAP_TMP/sample.tsv"
tsv_ok "$TAP_TMP/sample.tsv" "t_ms cpu user_pct system_pct idle_pct steal_pct" "cpu-sample TSV is well-formed"

done_testing
