#!/usr/bin/env bash
# args.t - every ch03 program: --help, malformed arguments exit 2 with a
# one-line message, quick runs produce well-formed TSV, a killed worker is
# reported and leaves nothing behind.
# shikumi: asan
source "$(dirname "$0")/../../tests/tap.sh"

sched=$(bin ch03-sched/sched)
perf=$(bin ch03-sched/cpuperf)
ctx=$(bin ch03-sched/ctxsw-cost)
tacct=$(bin ch03-sched/timeacct)
tick=$(bin ch03-sched/tick)
osl=$(bin ch03-sched/oversleep)
que=$(bin ch03-sched/queue)
[[ -x $sched && -x $perf && -x $ctx && -x $tacct && -x $tick && -x $osl && -x $que ]] || plan_skip_all "programs not built (make${SHIKUMI_VARIANT:+ asan})"

for p in "$sched" "$perf" "$ctx" "$tacct" "$tick" "$osl" "$que"; do help_ok "$p"; done
first_cpu=$(awk '/^Cpus_allowed_list/ {sub(/[-,].*/, "", $2); print $2}' /proc/self/status)

# sched: the book's positional interface, parsed strictly
bad_args "$sched"
bad_args "$sched" 2 100
bad_args "$sched" 2 100 1 extra
bad_args "$sched" x 100 1
bad_args "$sched" 2x 100 1
bad_args "$sched" 0 100 1
bad_args "$sched" -1 100 1
bad_args "$sched" 1025 100 1
bad_args "$sched" 99999999999999999999 100 1
bad_args "$sched" 2 0 1
bad_args "$sched" 2 -100 1
bad_args "$sched" 2 100 0
bad_args "$sched" 2 100 3
bad_args "$sched" 2 100 200
bad_args "$sched" 2 100 1.5
bad_args "$sched" --nice 20 2 100 1
bad_args "$sched" --nice x 2 100 1
bad_args "$sched" --nice 5 1 100 1
bad_args "$sched" --fifo 1 100 1
bad_args "$sched" --nice
bad_args "$sched" --bogus 2 100 1
# cpuperf
bad_args "$perf" -n 0
bad_args "$perf" -n 257
bad_args "$perf" -n abc
bad_args "$perf" -r 0
bad_args "$perf" -r 4
bad_args "$perf" --work -5
bad_args "$perf" --work 10x
bad_args "$perf" -m some
bad_args "$perf" -c 99999
bad_args "$perf" -c x
bad_args "$perf" -r
bad_args "$perf" stray
# ctxsw-cost
bad_args "$ctx" -r 0
bad_args "$ctx" -r 4
bad_args "$ctx" -t 0
bad_args "$ctx" --loops 0
bad_args "$ctx" --loops 5 -t 5
bad_args "$ctx" --placement nowhere
bad_args "$ctx" -c 99999
bad_args "$ctx" --cpu2 abc
bad_args "$ctx" --placement cross -c "$first_cpu" --cpu2 "$first_cpu"
bad_args "$ctx" --bogus
bad_args "$ctx" stray
# timeacct
bad_args "$tacct" -d 5
bad_args "$tacct" -d abc
bad_args "$tacct" -d 99999999999999999999
bad_args "$tacct" -r 0
bad_args "$tacct" -r 4
bad_args "$tacct" -c 99999
bad_args "$tacct" -d
bad_args "$tacct" stray

# tick
bad_args "$tick" -d 5
bad_args "$tick" -d 60001
bad_args "$tick" -d abc
bad_args "$tick" -r 4
bad_args "$tick" -c 99999
bad_args "$tick" -c x
bad_args "$tick" -d
bad_args "$tick" stray
# oversleep
bad_args "$osl" -n 0
bad_args "$osl" -n 9
bad_args "$osl" -n 100001
bad_args "$osl" -n 1e3
bad_args "$osl" -r 5
bad_args "$osl" -n
bad_args "$osl" stray
# queue
bad_args "$que" --load 0
bad_args "$que" --load 100
bad_args "$que" --load 50x
bad_args "$que" --service 10
bad_args "$que" --service 100001
bad_args "$que" --service abc
bad_args "$que" -d 99
bad_args "$que" -d 600001
bad_args "$que" --seed -1
bad_args "$que" --seed 1.5
bad_args "$que" -r 5
bad_args "$que" --load
bad_args "$que" stray

# a CPU outside the allowed set is refused by name
run taskset -c "$first_cpu" "$perf" -c "$((first_cpu + 1))"
is "$RC" 2 "cpuperf -c CPU outside the allowed set exits 2"
like "$ERR" "not in the allowed set" "... and says why"

# tiny quick runs produce well-formed TSV
run_exit 0 "sched 2 20 1 runs" taskset -c "$first_cpu" "$sched" --workers "$TAP_TMP/w.tsv" --runs "$TAP_TMP/r.tsv" -o "$TAP_TMP/s.tsv" 2 20 1
tsv_ok "$TAP_TMP/s.tsv" "proc elapsed_ms progress_pct cpu" "sched trace TSV is well-formed"
is "$(grep -vc '^#' "$TAP_TMP/s.tsv")" 41 "one row per sample and worker (2 x 20 + header)"
tsv_ok "$TAP_TMP/w.tsv" "proc nice weight share_pct voluntary_ctxsw involuntary_ctxsw cpus runs slice_median_ms" "sched workers TSV is well-formed"
tsv_ok "$TAP_TMP/r.tsv" "proc start_ms end_ms run_ms complete" "sched runs TSV is well-formed"
like "$(grep '^# record_overhead_pct_of_resolution' "$TAP_TMP/s.tsv")" '^# record_overhead_pct_of_resolution: [0-9.]+$' "recording overhead is reported"
run_exit 0 "sched --nice 5 2 20 1 runs" taskset -c "$first_cpu" "$sched" --nice 5 --workers "$TAP_TMP/wn.tsv" -o "$TAP_TMP/sn.tsv" 2 20 1
is "$(awk -F'\t' '$1 == 1 { print $3 "/" $5 }' "$TAP_TMP/wn.tsv")" "5/335" "the niced worker runs at nice 5, weight 335"
run_exit 0 "cpuperf tiny run" "$perf" -n 2 -r 5 --work 5
printf '%s\n' "$OUT" >"$TAP_TMP/p.tsv"
tsv_ok "$TAP_TMP/p.tsv" "mode nproc rep avg_turnaround_ms batch_wall_ms throughput_per_s cpu_ms" "cpuperf TSV is well-formed"
run_exit 0 "ctxsw-cost tiny run" "$ctx" -r 5 --loops 200
printf '%s\n' "$OUT" >"$TAP_TMP/c.tsv"
tsv_ok "$TAP_TMP/c.tsv" "placement rep roundtrips ns_per_roundtrip ns_per_switch ns_per_switch_net" "ctxsw-cost TSV is well-formed"
like "$(awk -F'\t' '/^#/ { next } !h { h = 1; next } { print $1 }' "$TAP_TMP/c.tsv" | sort -u | tr '\n' ' ')" '^(cross )?same self thread user $' "ctxsw-cost measures every default placement, thread and user included"
run_exit 0 "ctxsw-cost thread and user only" "$ctx" -r 5 --loops 200 --placement thread --placement user -o "$TAP_TMP/cu.tsv"
like "$(awk -F'\t' '$1 == "user" { print $6; exit }' "$TAP_TMP/cu.tsv")" '^-?[0-9.]+$' "user: a per-switch figure without self (minus its system call: a short run can come out below 0)"
like "$(awk -F'\t' '$1 == "thread" { print $6; exit }' "$TAP_TMP/cu.tsv")" '^nan$' "thread without self: net is NaN"
run_exit 0 "ctxsw-cost on one allowed CPU skips cross with a note" taskset -c "$first_cpu" "$ctx" -r 5 --loops 100
like "$ERR" "cross placement skipped" "... and says so"
run_exit 0 "cpuperf on one allowed CPU skips mode all with a note" taskset -c "$first_cpu" "$perf" -n 1 -r 5 --work 5
like "$OUT" "# mode_all: skipped" "... and records it in the preamble"
run_exit 0 "timeacct on one allowed CPU skips busy2" taskset -c "$first_cpu" "$tacct" -d 10 -r 5
like "$OUT" "# busy2: skipped" "... and records it in the preamble"
run_exit 0 "timeacct tiny run" "$tacct" -d 20 -r 5 -o "$TAP_TMP/t.tsv"
tsv_ok "$TAP_TMP/t.tsv" "kind rep real_ms user_ms sys_ms" "timeacct TSV is well-formed"
run_exit 4 "tick with one allowed CPU: SKIP (the watcher would sit on the CPU it watches)" taskset -c "$first_cpu" "$tick" -d 10 -r 5
like "$ERR" "SKIP: only CPU $first_cpu allowed" "... and says why"
if (($(nproc) >= 2)); then
	run_exit 0 "tick tiny run" "$tick" -d 20 -r 5 -o "$TAP_TMP/tk.tsv"
	tsv_ok "$TAP_TMP/tk.tsv" "state rep window_ms timer_irqs irqs_per_s idle_pct cpuidle_pct" "tick TSV is well-formed"
	is "$(grep -vc '^#' "$TAP_TMP/tk.tsv")" 11 "one row per window: 5 idle + 5 busy + header"
else
	skip "tick needs two allowed CPUs"
fi
run_exit 0 "oversleep tiny run" "$osl" -n 10 -o "$TAP_TMP/os.tsv"
tsv_ok "$TAP_TMP/os.tsv" "slack_ns request_ns i slept_ns overshoot_ns" "oversleep TSV is well-formed"
is "$(awk -F'\t' '/^#/ { next } !h { h = 1; next } { s[$1] = 1 } END { n = 0; for (k in s) n++; print n }' "$TAP_TMP/os.tsv")" 2 "two slack series"
is "$(awk -F'\t' '/^#/ { next } !h { h = 1; next } $5 < 0 { bad++ } END { print bad + 0 }' "$TAP_TMP/os.tsv")" 0 "no sleep ended early"
run_exit 0 "queue tiny run" taskset -c "$first_cpu" "$que" -d 100 --load 20 --load 60 -o "$TAP_TMP/q.tsv"
tsv_ok "$TAP_TMP/q.tsv" "load_pct jobs rho service_mean_us resp_mean_us resp_p50_us resp_p99_us theory_mean_us pk_mean_us ideal_p99_us" "queue TSV is well-formed"
is "$(awk -F'\t' '/^#/ { next } !h { h = 1; next } { printf "%s ", $1 }' "$TAP_TMP/q.tsv")" "20 60 " "one row per --load, in the order given"
run_exit 0 "queue: the same seed gives the same arrivals" taskset -c "$first_cpu" "$que" -d 100 --load 20 --load 60 -o "$TAP_TMP/q2.tsv"
is "$(cut -f2 "$TAP_TMP/q2.tsv" | grep -v '^#')" "$(cut -f2 "$TAP_TMP/q.tsv" | grep -v '^#')" "... (same job counts)"
tmpfiles=("$TAP_TMP"/*.tmp.*)
ok "no temporary file left next to -o FILE" test ! -e "${tmpfiles[0]}"

# a worker killed mid-run: sched reports it, exits 1, leaves no process
"$sched" -o "$TAP_TMP/killed.tsv" 2 20000 10 2>"$TAP_TMP/kill.err" &
spid=$!
victim=""
for _ in $(seq 100); do
	victim=$(pgrep -P "$spid" | head -1 || true)
	[[ -n $victim ]] && grep -q 'units/ms' "$TAP_TMP/kill.err" && break
	sleep 0.05
done
sleep 0.2
workers=$(pgrep -P "$spid" | tr '\n' ' ')
kill -KILL "$victim" 2>/dev/null
rc=0
wait "$spid" || rc=$?
is "$rc" 1 "sched exits 1 when a worker is killed"
like "$(cat "$TAP_TMP/kill.err")" "worker [0-9]+ \(pid $victim\) killed by SIGKILL" "... and names the worker and the signal"
sleep 0.1
left=""
for w in $workers; do kill -0 "$w" 2>/dev/null && left+="$w "; done
is "$left" "" "no worker left behind (were: $workers)"

done_testing
