#!/usr/bin/env bash
# run.t - ch09's quick run shows its phenomena (PASS, or SKIP with a reason),
# leaves data and plots; Ctrl-C in the middle removes the scratch file and the
# loop device, restores the loop device's scheduler and readahead, and leaves
# no process behind; bad driver arguments exit 2.
source "$(dirname "$0")/../../tests/tap.sh"
drv=$TAP_TOP/ch09-block/run.sh
[[ -x $TAP_TOP/ch09-block/io ]] || plan_skip_all "io not built (make)"

bad_args "$drv" -c abc
bad_args "$drv" -c 9999
bad_args "$drv" -s 10
bad_args "$drv" -s x
bad_args "$drv" -d 0
bad_args "$drv" -r 0
bad_args "$drv" -r x
bad_args "$drv" -e no-such-experiment
bad_args "$drv" -z
bad_args "$drv" stray
run_exit 0 "-h lists the experiments" "$drv" -h
like "$OUT" "qdepth +IOPS and latency" "-h names each experiment"

export SHIKUMI_NO_REPORT=1
export TMPDIR=$TAP_TMP/tmp   # the driver's scratch file and loop backing file go here
mkdir -p "$TMPDIR"
own_loops() { losetup -a 2>/dev/null | grep -F "$TMPDIR/" || true; }
# queue settings of the loop devices nobody uses now (ours will come from these)
free_loop_settings() {
	local q d
	for q in /sys/block/loop*/queue; do
		d=${q%/queue}
		d=${d#/sys/block/}
		[[ -z $(cat "/sys/block/$d/loop/backing_file" 2>/dev/null) ]] || continue
		printf '%s %s %s\n' "$d" "$(sed -n 's/.*\[\(.*\)\].*/\1/p' "$q/scheduler")" "$(cat "$q/read_ahead_kb")"
	done
}

rd=$TAP_TMP/run
run_exit 0 "run.sh -q completes" "$drv" -q -o "$rd"
d=$rd/ch09-block
for e in bs-sweep qdepth pagecache readahead scheduler; do
	ok "$e: experiment directory published" test -d "$d/$e"
	ok "$e: no partial directory left" test ! -e "$d/.$e.partial"
done
if grep -q $'\tSKIP\t' "$d/bs-sweep/verdict.tsv"; then
	skip "bs-sweep: $(awk -F'\t' '$4 == "SKIP" { print $5; exit }' "$d/bs-sweep/verdict.tsv")"
else
	tsv_ok "$d/bs-sweep/data.tsv" "tool job rw op bs_bytes iops bw_bytes_per_s lat_mean_ns lat_p99_ns dev_bytes" "bs-sweep data"
	verdict_ok "$d/bs-sweep/verdict.tsv" bw-grows
	verdict_ok "$d/bs-sweep/verdict.tsv" iops-falls
	verdict_ok "$d/bs-sweep/verdict.tsv" iops-x-bs
fi
if grep -q $'\tio-runs$' "$d/qdepth/verdict.tsv"; then   # io built without liburing
	skip "qdepth: $(awk -F'\t' '$4 == "SKIP" { print $5; exit }' "$d/qdepth/verdict.tsv")"
else
	for id in qd-scales qd-latency little; do verdict_ok "$d/qdepth/verdict.tsv" "$id"; done
fi
for id in cold-from-device warm-from-cache warm-faster direct-moves-all; do verdict_ok "$d/pagecache/verdict.tsv" "$id"; done
if grep -q $'\tSKIP\t' "$d/readahead/verdict.tsv"; then
	skip "readahead and scheduler: $(awk -F'\t' '$4 == "SKIP" { print $5; exit }' "$d/readahead/verdict.tsv")"
else
	for id in ra-faster ra0-pages ra-restored; do verdict_ok "$d/readahead/verdict.tsv" "$id"; done
	for id in sched-little sched-all sched-restored; do verdict_ok "$d/scheduler/verdict.tsv" "$id"; done
fi
plots_ok "$d" bs-sweep/bs-sweep qdepth/qdepth pagecache/pagecache
ok "run status is complete" grep -qx complete "$rd/status"
is "$(ls -A "$TMPDIR")" "" "no scratch file left"
is "$(own_loops)" "" "no loop device left"

# Ctrl-C while the scheduler study has the loop device set up and changed.
if [[ $(id -u) == 0 ]] && command -v losetup >/dev/null; then
	before=$(free_loop_settings)
	rd2=$TAP_TMP/run2
	# env --default-signal: a shell started with SIGINT ignored (a background job) cannot trap it
	interrupt_when "$rd2/ch09-block/.scheduler.partial/raw/*-1.r1.tsv" 0.2 env --default-signal=INT "$drv" -q -e scheduler -o "$rd2"
	interrupted_ok "$rd2" ch09-block/scheduler
	((RC != 0)) || diag "status: $(cat "$rd2/status" 2>&1)" "$(cat "$rd2"/ch09-block/scheduler*/verdict.tsv 2>&1)"
	sleep 0.3
	is "$(own_loops)" "" "Ctrl-C detaches the loop device"
	is "$(ls -A "$TMPDIR")" "" "Ctrl-C removes the scratch files"
	after=$(free_loop_settings)
	changed=$(join <(sort <<<"$before") <(sort <<<"$after") | awk '$2 != $4 || $3 != $5')
	is "$changed" "" "scheduler and read_ahead_kb of the loop devices are as before"
else
	skip "Ctrl-C with a loop device needs root"
	rd2=$TAP_TMP/run2
	interrupt_when "$rd2/ch09-block/.bs-sweep.partial/raw/*.tsv" 0.2 env --default-signal=INT "$drv" -q -e bs-sweep -o "$rd2"
	is "$(ls -A "$TMPDIR")" "" "Ctrl-C removes the scratch file"
fi
is "$(pgrep -f "$TAP_TOP/ch09-block/io " || true)" "" "no io left running"
is "$(pgrep -f "^fio .*--name=ch09" || true)" "" "no fio left running"
done_testing
