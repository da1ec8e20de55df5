#!/usr/bin/env bash
# args.t - every ch05 program: --help, malformed arguments exit 2 with a
# one-line message (sizes beyond MemAvailable/2 are refused, not attempted),
# and tiny quick runs produce well-formed TSV.
# shikumi: asan
source "$(dirname "$0")/../../tests/tap.sh"

cow=$(bin ch05-cow/cow)
cost=$(bin ch05-cow/cow-cost)
shm=$(bin ch05-cow/shared-mem)
lck=$(bin ch05-cow/lock)
[[ -x $cow && -x $cost && -x $shm && -x $lck ]] || plan_skip_all "programs not built (make${SHIKUMI_VARIANT:+ asan})"

for p in "$cow" "$cost" "$shm" "$lck"; do help_ok "$p"; done

# A size that is always more than half of MemAvailable: all of MemTotal.
total_kib=$(awk '/^MemTotal:/ {print $2}' /proc/meminfo)
huge="${total_kib}K"

# cow
bad_args "$cow" -s abc
bad_args "$cow" -s 10x
bad_args "$cow" -s -5M
bad_args "$cow" -s 0
bad_args "$cow" -s 99999999999999999999
bad_args "$cow" -s "$huge"
bad_args "$cow" -s
bad_args "$cow" -r 0
bad_args "$cow" -r 4
bad_args "$cow" -r 2.5
bad_args "$cow" --bogus
bad_args "$cow" stray
run "$cow" -s "$huge"
like "$ERR" "MemAvailable \(limit" "cow: refusal names the MemAvailable limit"
run_exit 0 "cow --check accepts a sane size" "$cow" -s 4M --check

# cow-cost
bad_args "$cost" -s x
bad_args "$cost" -s 1M2
bad_args "$cost" -s -1M
bad_args "$cost" -s 0
bad_args "$cost" -s "$huge"
bad_args "$cost" -r 2
bad_args "$cost" -r 1001
bad_args "$cost" -r
bad_args "$cost" -z
bad_args "$cost" extra

# shared-mem
bad_args "$shm" --start abc
bad_args "$shm" --start 0
bad_args "$shm" --start -3
bad_args "$shm" --start 1000000001
bad_args "$shm" --start 5k
bad_args "$shm" --start
bad_args "$shm" stray

# lock
bad_args "$lck" -n 1
bad_args "$lck" -n 65
bad_args "$lck" -n two
bad_args "$lck" --total 0
bad_args "$lck" --total -10
bad_args "$lck" --total 1e3
bad_args "$lck" --total 99999999999999999999
bad_args "$lck" -r 0
bad_args "$lck" -r 4
bad_args "$lck" --mode nosuchmode
bad_args "$lck" --window -1
bad_args "$lck" -D /nonexistent/dir
bad_args "$lck" --total
bad_args "$lck" --bogus
bad_args "$lck" stray

# tiny quick runs
run_exit 0 "cow -s 4M -r 5 runs" "$cow" -s 4M -r 5
printf '%s\n' "$OUT" >"$TAP_TMP/cow.tsv"
tsv_ok "$TAP_TMP/cow.tsv" "rep stage process rss_kib pss_kib private_dirty_kib shared_dirty_kib minflt mem_available_kib used_kib" "cow TSV is well-formed"
is "$(grep -v '^#' "$TAP_TMP/cow.tsv" | awk -F'\t' '$1 == 0' | cut -f2 | tr '\n' ' ')" \
	"before_fork child_before_write child_after_write parent_after_exit " "cow: the four stages in order"
run_exit 0 "cow --thp -o FILE runs (or skips without THP)" "$cow" -s 4M -r 5 --thp -o "$TAP_TMP/thp.tsv"
tsv_ok "$TAP_TMP/thp.tsv" "rep stage anon_huge_kib" "cow --thp TSV is well-formed"

run_exit 0 "cow-cost -s 1M -r 5 runs" "$cost" -s 1M -r 5
printf '%s\n' "$OUT" >"$TAP_TMP/cost.tsv"
tsv_ok "$TAP_TMP/cost.tsv" "op rep pages ns_per_page faults_per_page" "cow-cost TSV is well-formed"
is "$(grep -c $'^cow_fault\t' "$TAP_TMP/cost.tsv")" 5 "cow-cost: five repetitions of cow_fault"

run_exit 0 "shared-mem runs" "$shm" --start 5
printf '%s\n' "$OUT" >"$TAP_TMP/shm.tsv"
tsv_ok "$TAP_TMP/shm.tsv" "mapping step process value expected" "shared-mem TSV is well-formed"
is "$(awk -F'\t' '!/^#/ && h && $4 != $5; !/^#/ { h = 1 }' "$TAP_TMP/shm.tsv")" "" "shared-mem: every value as expected"

run_exit 0 "lock --total 100 -r 5 runs" "$lck" --total 100 -r 5 -n 2 -D "$TAP_TMP"
printf '%s\n' "$OUT" >"$TAP_TMP/lock.tsv"
tsv_ok "$TAP_TMP/lock.tsv" "mode rep workers total final_count lost elapsed_us" "lock TSV is well-formed"
is "$(grep -c . <<<"$(grep -v '^#' "$TAP_TMP/lock.tsv" | tail -n +2)")" 40 "lock: one row per mode and repetition (8 x 5)"
is "$(find "$TAP_TMP" -maxdepth 1 -name 'shikumi-lock.*' | wc -l)" 0 "lock: scratch directory removed"

# Ctrl-C while workers run: no worker left, scratch directory removed.
"$lck" --total 2000000 -r 50 --mode thread_mutex --mode wrong_lock -D "$TAP_TMP" >/dev/null 2>&1 &
pid=$!
sleep 0.5
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
cmp_ok "$rc" "!=" 0 "lock: interrupted run exits non-zero"
sleep 0.2
is "$(pgrep -f -- "--total 2000000 -r 50 --mode thread_mutex" | wc -l)" 0 "lock: no worker left after Ctrl-C"
is "$(find "$TAP_TMP" -maxdepth 1 -name 'shikumi-lock.*' | wc -l)" 0 "lock: scratch directory removed after Ctrl-C"

done_testing
