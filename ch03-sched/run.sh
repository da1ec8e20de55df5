#!/usr/bin/env bash
# ch03-sched/run.sh - the process scheduler, made visible and measured: time
# slices on one CPU, turnaround and throughput against the number of
# processes, nice weights, real/user/sys, the cost of a context switch (by
# kind: process, thread, user-level), the timer tick of a busy and an idle
# CPU, nanosleep overshoot and the timer slack, response time against load
# (M/D/1), and a real-time task starving a normal one.
#
# USAGE: ./run.sh [-q] [-c CPU] [-o RUNDIR] [-e NAME]... [-n MAX_NPROC] [-t TOTAL_MS] [-k NICE]
# Experiments (declared below with sk_experiment; -h lists them, -e NAME picks),
# each in RUNDIR/ch03-sched/<name>/.
# REQUIREMENTS: taskset (util-linux). Optional: gnuplot (plots), root or
#   CAP_SYS_NICE for the rt experiment.
# eg,
#   ./run.sh -q              # quick: ~30 s (full: ~100 s)
#   ./run.sh -c 1 -k 10      # pinned to CPU 1, nice 10 against nice 0
set -euo pipefail
SK_PROG=ch03-sched/run.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
HERE="$SK_TOP/ch03-sched"
CHAPTER=ch03-sched

RESOLUTION_MS=1            # the book's: one sample per ms of work
SLICE_BAND_MS="0.5 30"     # a plausible slice: above an interrupt, below the old CFS periods

sk_experiment slices run_slices "1..MAX_NPROC workers on one CPU: progress over time, time slices, turnaround"
sk_experiment nice run_nice "two workers on CPU, nice 0 vs nice NICE: CPU share vs the weight table"
sk_experiment cpuperf run_cpuperf "1 .. 2 x CPUs identical processes, on one CPU and on all: throughput, turnaround"
sk_experiment time run_time "real/user/sys of busy, sleeping, syscall-heavy and multi-process work"
sk_experiment ctxsw run_ctxsw "a word ping-ponged over pipes: same CPU, two CPUs, one process; switch cost by kind (process, thread, user-level)"
sk_experiment tick run_tick "one CPU busy vs idle: local timer interrupts per second (HZ vs tickless idle), cpuidle residency" tick
sk_experiment oversleep run_oversleep "nanosleep of 1 us .. 10 ms: overshoot with the default timer slack and with 1 ns" oversleep
sk_experiment queue run_queue "fixed-length jobs, Poisson arrivals, one server on CPU: response time vs load against M/D/1" queue
sk_experiment rt run_rt "a SCHED_FIFO worker against a normal one on CPU (SKIP without privilege)"

usage() {
	cat <<EOF
Usage: $SK_PROG [-q] [-c CPU] [-o RUNDIR] [-e NAME]... [-n MAX_NPROC] [-t TOTAL_MS] [-k NICE]
The process scheduler: time slices, turnaround/throughput, nice, real/user/sys,
context-switch cost, the timer tick, sleep overshoot, queueing delay, SCHED_FIFO.

$(sk_std_usage)
  -n MAX_NPROC  slices: 1..MAX_NPROC workers on one CPU, 2..8 (default 4)
  -t TOTAL_MS   slices: work per worker [ms], 10..10000 (default 300, quick 100)
  -k NICE       nice: the second worker's nice value, 1..19 (default 5)

Examples:
  $SK_PROG -q
  $SK_PROG -c 1 -k 10 -t 500
EOF
}

maxn=4 total=300 nicek=5
sk_opt_int n maxn 2 8
sk_opt_int t total 10 10000 100
sk_opt_int k nicek 1 19
sk_options ":qc:o:he:n:t:k:" "$@"
sk_driver_ready "$CHAPTER" sched cpuperf ctxsw-cost timeacct tick oversleep queue
cpu=$SK_CPU

# Kernel facts for the slice verdict (from the run's meta.json): scheduler, HZ,
# the slice it should grant.
kernel_facts() {
	local ncpu factor base latency_ns base_ns
	SCHEDULER=$(sk_run_meta .scheduler.class)
	HZ=$(sk_run_meta .kernel.hz)
	latency_ns=$(sk_run_meta .scheduler.sched_latency_ns)
	base_ns=$(sk_run_meta .scheduler.base_slice_ns)
	ncpu=$(nproc --all 2>/dev/null || nproc)
	((ncpu > 8)) && ncpu=8
	factor=$(awk -v n="$ncpu" 'BEGIN { f = 1; while (n >= 2) { n /= 2; f++ } print f }')   # 1 + ilog2
	if [[ $SCHEDULER == EEVDF ]]; then
		if [[ -n $base_ns ]]; then
			BASE_SLICE_MS=$(sk_calc "$base_ns / 1e6")
			BASE_SLICE_SRC="base_slice_ns = $base_ns (debugfs)"
		else
			# debugfs unreadable (lockdown, not root): the kernel's default.
			if [[ $(uname -r) =~ ^([0-9]+)\.([0-9]+) ]] && ((BASH_REMATCH[1] * 100 + BASH_REMATCH[2] >= 616)); then base=0.70; else base=0.75; fi
			BASE_SLICE_MS=$(sk_calc "$base * $factor")
			BASE_SLICE_SRC="default ${base} ms x (1 + log2 $ncpu CPUs)"
		fi
	else
		SCHEDULER=CFS
		if [[ -n $latency_ns ]]; then
			BASE_SLICE_MS=$(sk_calc "$latency_ns / 1e6 / 2")
			BASE_SLICE_SRC="CFS: sched_latency_ns = $latency_ns, shared by 2 procs"
		else
			BASE_SLICE_MS=$(sk_calc "6 * $factor / 2")   # sched_latency / 2 procs
			BASE_SLICE_SRC="CFS: sched_latency 6 ms x $factor, shared by 2 procs"
		fi
	fi
	if [[ -n $HZ ]]; then
		TICK_MS=$(sk_calc "1000 / $HZ")
		# Without HRTICK a fair task is preempted at the first tick after its slice ends.
		EXPECTED_SLICE_MS=$(awk -v b="$BASE_SLICE_MS" -v t="$TICK_MS" 'BEGIN { n = int(b / t); if (n * t < b - 1e-9) n++; if (n < 1) n = 1; printf "%.3g", n * t }')
	else
		TICK_MS="" EXPECTED_SLICE_MS=$BASE_SLICE_MS
	fi
}
kernel_facts

# ---- other load --------------------------------------------------------------
# A measurement of sharing is masked when something else burns the same CPUs:
# each experiment measures under sk_quietly (scripts/lib.sh: /proc/stat against
# our children's CPU time, measured again while others used more than
# SK_QUIET_PCT % of those CPUs); a check that still fails on a busy machine is a
# SKIP that says so (sk_check --load-sensitive), not a FAIL.
# shellcheck disable=SC2034 # read by scripts/lib.sh (sk_quietly)
SK_QUIET_TRIES=3

# sum_cols "COLS" FILE...: our CPU time [ms] from the programs' output: the sum
# of these columns over all rows, plus each file's '# self_cpu_ms' (the
# parent's own: calibration, bookkeeping).
sum_cols() {
	local cols=$1 f total=0 part
	shift
	for f in "$@"; do
		part=$(awk -F'\t' -v cols=" $cols " '/^#/ { next } !h { for (i = 1; i <= NF; i++) if (index(cols, " " $i " ")) c[i] = 1; h = 1; next }
			{ for (i in c) s += $i } END { printf "%.0f\n", s }' "$f")
		total=$(sk_calc "$total + $part + 0$(sk_meta "$f" self_cpu_ms)")
	done
	echo "$total"
}

# ---------------------------------------------------------------------------
# 1. slices: NPROC workers take turns on one CPU
# ---------------------------------------------------------------------------
run_slices() {
	local n d=$SK_EXP_DIR
	# run sched for N = 1..maxn (all of them again if the CPU was busy)
	slices_measure() {
		local n
		for ((n = 1; n <= maxn; n++)); do
			sk_note "sched $n $total $RESOLUTION_MS pinned to CPU $cpu"
			sk_run_prog "$d/trace-$n.tsv" sk_pin "$cpu" "$HERE/sched" --workers "$d/workers-$n.tsv" --runs "$d/runs-$n.tsv" \
				"$n" "$total" "$RESOLUTION_MS" || sk_die "sched $n failed (see $SK_LOG)"
		done
	}
	# the workers' CPU time, plus each parent's (in its trace)
	sk_quietly "$cpu" slices_measure
	# Long format, one file per kind, with an nproc column in front.
	local kind files
	for kind in trace workers runs; do
		files=()
		for ((n = 1; n <= maxn; n++)); do files+=("$d/$kind-$n.tsv"); done
		{
			grep '^#' "$d/$kind-$maxn.tsv" | grep -v -e '^# command:' -e '^# nproc:'
			awk -F'\t' -v OFS='\t' '
				FNR == 1 { n = FILENAME; sub(/.*-/, "", n); sub(/\.tsv$/, "", n); hdr = 0 }
				/^#/ { next }
				!hdr { hdr = 1; if (!done) { print "nproc", $0; done = 1 }; next }
				{ print n, $0 }' "${files[@]}"
		} | sk_atomic_write "$d/$kind.tsv"
	done
	mkdir -p "$d/raw"
	mv "$d"/trace-*.tsv "$d"/workers-*.tsv "$d"/runs-*.tsv "$d/raw/"
	mv "$d/trace.tsv" "$d/data.tsv"

	local single ratios="" ratio_lo="" ratio_hi="" inter="" runs_min="" med p10 p90 runs ovh hz_note base_read
	single=$(sk_meta "$d/raw/trace-1.tsv" last_finish_ms)
	# The workers' own share of the CPU in each run: their CPU time / the last
	# finish. Below 1 another task took turns on the CPU too (a burst of foreign
	# load that the whole-run average SK_OTHERS_PCT can hide).
	# In a guest whose host takes the vCPU away (PVM: no steal time), the
	# CPU time still counts the lost time; the workers' own clocks see it as
	# a gap in which no worker ran, so the time some worker was seen running
	# (the sum of the runs) is the second measure of the share.
	local share seen last_n minshare=1 minshare_n=""
	for ((n = 1; n <= maxn; n++)); do
		last_n=$(sk_meta "$d/raw/trace-$n.tsv" last_finish_ms)
		share=$(sk_calc "$(sum_cols "user_ms sys_ms" "$d/raw/workers-$n.tsv") / $last_n" %.3f)
		seen=$(sk_calc "$(sum_cols run_ms "$d/raw/runs-$n.tsv") / $last_n" %.3f)
		if sk_cmp "$seen < $share"; then share=$seen; fi
		if sk_cmp "$share < $minshare"; then minshare=$share minshare_n=$n; fi
	done
	for ((n = 2; n <= maxn; n++)); do
		local last r x minruns
		last=$(sk_meta "$d/raw/trace-$n.tsv" last_finish_ms)
		r=$(sk_calc "$last / $single")
		ratios+="${ratios:+, }N=$n: ${r}x"
		x=$(sk_calc "$r / $n")
		if [[ -z $ratio_lo ]] || sk_cmp "$x < $ratio_lo"; then ratio_lo=$x; fi
		if [[ -z $ratio_hi ]] || sk_cmp "$x > $ratio_hi"; then ratio_hi=$x; fi
		minruns=$(sk_tsv_col "$d/raw/workers-$n.tsv" runs | sort -n | head -1)
		inter+="${inter:+, }N=$n: >= $minruns"
		if [[ -z $runs_min ]] || ((minruns < runs_min)); then runs_min=$minruns; fi
	done
	# Pooled slice statistics over N >= 2 (N = 1 has only foreign interruptions).
	read -r runs med p10 p90 < <(awk -F'\t' -v OFS='\t' '
		/^#/ { next } !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; print "pool", "run_ms"; next }
		$c["nproc"] >= 2 && $c["complete"] == 1 { print "n2up", $c["run_ms"] }' "$d/runs.tsv" |
		sk_summarize -b pool -v run_ms | awk -F'\t' 'NR == 2 { printf "%d %.2f %.2f %.2f\n", $2, $3, $4, $5; f = 1 } END { if (!f) print "0 nan nan nan" }')
	ovh=$(sk_meta "$d/raw/trace-1.tsv" record_overhead_pct_of_resolution)
	base_read=$(sk_meta "$d/raw/trace-1.tsv" base_slice_ns)
	hz_note="HZ=${HZ:-unknown}${TICK_MS:+ (tick ${TICK_MS} ms)}"
	local expected_txt="$SCHEDULER base slice ${BASE_SLICE_MS} ms ($BASE_SLICE_SRC; debugfs base_slice_ns: $base_read) -> ~${EXPECTED_SLICE_MS} ms at $hz_note"
	local lo hi
	read -r lo hi <<<"$SLICE_BAND_MS"

	local foreign=""   # finishing late while the workers got under 90 % of the CPU: foreign load
	sk_cmp "$minshare < 0.9" &&
		foreign="CPU $cpu was shared with other tasks: at N=$minshare_n the workers got only $(sk_calc "100 * $minshare" %.0f) % of it (their CPU time, or the time one of them was seen running, / last finish); rerun on a quiet machine"
	sk_check n-workers-on-one-cpu-finish-at-n-x-the-single-worker-time "N workers on one CPU finish at ~N x the single-worker time" \
		'lo >= 0.75 && hi <= 1.35' --load-sensitive lo="$ratio_lo" hi="$ratio_hi" --fail-skips "$foreign" \
		--observed "$ratios (single worker: $single ms)" \
		--note "lo, hi: lowest and highest (last finish / single) / N; CPU $cpu, $total ms of work each; lowest CPU share of the workers: $minshare (N=$minshare_n)"
	sk_check workers-interleave-on-one-cpu "workers interleave on one CPU" 'runs_min >= 3' runs_min="$runs_min" \
		--observed "$inter runs per worker" \
		--note "complete on-CPU runs of the least interrupted worker; a run = time between two off-CPU gaps > $(sk_meta "$d/raw/trace-1.tsv" gap_threshold_us) us"
	sk_check median-slice-is-plausible-for-this-kernel "median slice is plausible for this kernel" 'runs > 0 && med >= lo && med <= hi' \
		runs="$runs" med="$med" lo="$lo" hi="$hi" --observed "median $med ms (p10 $p10, p90 $p90, $runs runs, N=2..$maxn)" \
		--note "expected $lo..$hi ms; $expected_txt; Linux $(uname -r); the book's CFS gave ~12 ms for 2 processes"
	sk_check recording-a-sample-does-not-distort-the-trace "recording a sample does not distort the trace" 'ovh < 1' \
		ovh="$ovh" --observed "${ovh} % ($(sk_meta "$d/raw/trace-1.tsv" record_overhead_ns_per_sample) ns per sample; clock checks $(sk_meta "$d/raw/trace-1.tsv" gap_check_overhead_pct) % of the work)" \
		--note "expected < 1 % of the ${RESOLUTION_MS} ms resolution"

	sk_plot "$HERE/progress.gp" data.tsv progress "$maxn"
	sk_plot "$HERE/progress.gp" data.tsv progress-zoom "$maxn" 50
	sk_plot "$HERE/timeline.gp" runs.tsv timeline "$maxn"
	sk_plot "$HERE/timeline.gp" runs.tsv timeline-zoom "$maxn" 100
	local single_runs
	single_runs=$(sk_tsv_col "$d/raw/workers-1.tsv" runs)
	sk_summary <<EOF
## Time slices: $maxn workers take turns on CPU $cpu

Each worker does $total ms of busy work and records its progress after every ${RESOLUTION_MS} ms of it; all are pinned to CPU $cpu and start together. One worker alone finishes in $single ms; N workers all finish at about N times that ($ratios), because the CPU is shared, not shared out: on the progress graph each line climbs only while its worker is on the CPU and is flat while the others run. The timeline shows the turns themselves: uninterrupted runs of median $med ms (p10 $p10, p90 $p90 ms, $runs runs). On this kernel ($SCHEDULER, Linux $(uname -r)) the scheduler asks for a base slice of about ${BASE_SLICE_MS} ms, but without a high-resolution tick a running task is only preempted at a timer tick, so the slice seen is ~${EXPECTED_SLICE_MS} ms ($hz_note) whatever the number of workers; the book's CFS kernels divided a 24 ms period among them (12 ms each for 2, 8 ms for 3).

- single worker: $single ms for $total ms of work (${single_runs} complete runs: interruptions by other tasks)
- finish time / single: $ratios
- slice: median $med ms, p10 $p10, p90 $p90 ($runs runs); expected ~${EXPECTED_SLICE_MS} ms
- kernel: base_slice_ns $base_read, sched_latency_ns $(sk_meta "$d/raw/trace-1.tsv" sched_latency_ns), $hz_note
- recording overhead: ${ovh} % of the resolution
- other processes used ${SK_OTHERS_PCT} % of CPU $cpu during the runs
EOF
}

# ---------------------------------------------------------------------------
# 2. nice: CPU share follows the weight table
# ---------------------------------------------------------------------------
run_nice() {
	local d=$SK_EXP_DIR ntotal
	ntotal=$( ((SK_QUICK)) && echo 200 || echo 500)
	sk_note "sched --nice $nicek 2 $ntotal $RESOLUTION_MS pinned to CPU $cpu"
	sk_run_prog "$d/data.tsv" sk_pin "$cpu" "$HERE/sched" --nice "$nicek" --workers "$d/workers.tsv" --runs "$d/runs.tsv" \
		2 "$ntotal" "$RESOLUTION_MS" || sk_die "sched --nice $nicek failed (see $SK_LOG)"
	local s0 e0 s1 e1 f0 f1 w0 w1 cs
	s0=$(sk_tsv_get "$d/workers.tsv" proc 0 share_pct)
	e0=$(sk_tsv_get "$d/workers.tsv" proc 0 expected_share_pct)
	s1=$(sk_tsv_get "$d/workers.tsv" proc 1 share_pct)
	e1=$(sk_tsv_get "$d/workers.tsv" proc 1 expected_share_pct)
	w0=$(sk_tsv_get "$d/workers.tsv" proc 0 weight)
	w1=$(sk_tsv_get "$d/workers.tsv" proc 1 weight)
	f0=$(sk_tsv_get "$d/workers.tsv" proc 0 finish_ms)
	f1=$(sk_tsv_get "$d/workers.tsv" proc 1 finish_ms)
	cs=$(sk_meta "$d/data.tsv" cgroup)
	sk_check cpu-share-follows-the-nice-weights "CPU share follows the nice weights" 's0 >= e0 - 10 && s0 <= e0 + 10' \
		s0="$s0" e0="$e0" --observed "nice 0: ${s0} %, nice $nicek: ${s1} % (while both ran)" \
		--note "expected nice 0: ${e0} % +/- 10 (weights $w0 vs $w1); both forked by one parent: same autogroup ($(sk_meta "$d/data.tsv" sched_autogroup_enabled)) and cgroup $cs"
	sk_check the-nice-0-worker-finishes-first "the nice-0 worker finishes first" 'f0 < f1' \
		f0="$f0" f1="$f1" --observed "nice 0 at $f0 ms, nice $nicek at $f1 ms" \
		--note "expected nice 0 < nice $nicek"
	sk_plot "$HERE/nice.gp" data.tsv nice "$nicek"
	sk_summary <<EOF
## nice 0 against nice $nicek on CPU $cpu

Two workers forked by one parent share CPU $cpu, the second at nice $nicek. The kernel's weight table gives nice 0 a weight of $w0 and nice $nicek a weight of $w1, so the nice-0 worker should get $w0/($w0+$w1) = ${e0} % of the CPU while both run. Measured: ${s0} % against ${s1} %. On the graph the nice-0 line climbs about $(sk_calc "$s0 / ($s1 > 0 ? $s1 : 1)") times faster and finishes first ($f0 ms); the niced one then has the CPU to itself and finishes at $f1 ms. The weights are the same under CFS and EEVDF, so the book's ~75/25 split for nice 5 still holds. Processes started from different terminals would sit in different autogroups or cgroups and share the CPU per group instead.

- share while both ran: nice 0 ${s0} % (weights predict ${e0} %), nice $nicek ${s1} % (predict ${e1} %)
- finish: nice 0 at $f0 ms, nice $nicek at $f1 ms
- autogroup: $(sk_meta "$d/data.tsv" sched_autogroup_enabled); cgroup: $cs
EOF
}

# ---------------------------------------------------------------------------
# 3. cpuperf: turnaround and throughput vs number of processes
# ---------------------------------------------------------------------------
run_cpuperf() {
	local d=$SK_EXP_DIR nall
	nall=$(sk_allowed_cpus | wc -w)
	sk_note "cpuperf: mode one on CPU $cpu, mode all on CPUs $(sk_allowed_cpus | tr ' ' ,)"
	cpuperf_measure() { sk_prog "$d/data.tsv" "$HERE/cpuperf" "${SK_QOPT[@]}" -c "$cpu" || return 0; }
	sk_quietly "$(sk_allowed_cpus)" cpuperf_measure
	local v
	{
		printf 'mode\tnproc\twhat\tn\tmedian\tp10\tp90\tmin\tmax\tmean\n'
		for v in avg_turnaround_ms throughput_per_s; do
			sk_summarize -b mode,nproc -v "$v" "$d/data.tsv" | awk -F'\t' -v OFS='\t' -v w="$v" 'NR > 1 { $2 = $2 OFS w; print }'
		done
	} | sk_atomic_write "$d/summary.tsv"
	local maxn1
	maxn1=$(sk_meta "$d/data.tsv" max_n)
	get() { awk -F'\t' -v m="$1" -v n="$2" -v w="$3" '$1 == m && $2 == n && $3 == w { print $5; exit }' "$d/summary.tsv"; }
	local t1 tn thr_min thr_max
	t1=$(get one 1 avg_turnaround_ms)
	tn=$(get one "$maxn1" avg_turnaround_ms)
	read -r thr_min thr_max < <(awk -F'\t' '$1 == "one" && $3 == "throughput_per_s" { v = $5; if (min == "" || v < min) min = v; if (v > max) max = v } END { print min, max }' "$d/summary.tsv")
	sk_check on-one-cpu-throughput-stays-flat "on one CPU throughput stays flat" 'thr_max < 1.3 * thr_min' --load-sensitive \
		thr_min="$thr_min" thr_max="$thr_max" --observed "$thr_min .. $thr_max processes/s ($(sk_calc "$thr_max / $thr_min")x)" \
		--note "over N = 1..$maxn1; CPU $cpu"
	sk_check on-one-cpu-turnaround-grows-linearly-with-n "on one CPU turnaround grows linearly with N" \
		'tn >= 0.75 * n * t1 && tn <= 1.35 * n * t1' --load-sensitive t1="$t1" tn="$tn" n="$maxn1" \
		--observed "$t1 ms -> $tn ms ($(sk_calc "$tn / $t1")x)" --note "turnaround(N=$maxn1) / turnaround(1) ~ $maxn1"
	local a1 ac a2c
	if [[ $(sk_meta "$d/data.tsv" mode_all) == run ]]; then
		a1=$(get all 1 throughput_per_s)
		ac=$(get all "$nall" throughput_per_s)
		a2c=$(get all "$maxn1" throughput_per_s)
		sk_check on-all-cpus-throughput-grows-until-n-cpus "on all CPUs throughput grows until N = CPUs" \
			'ac >= 0.75 * cpus * a1' --load-sensitive a1="$a1" ac="$ac" cpus="$nall" \
			--observed "$a1 -> $ac processes/s ($(sk_calc "$ac / $a1")x)" \
			--note "a1, ac: throughput at N = 1 and N = $nall; CPUs $(sk_allowed_cpus | tr ' ' ,)"
		if ((maxn1 > nall)); then
			sk_check on-all-cpus-throughput-flattens-beyond-n-cpus "on all CPUs throughput flattens beyond N = CPUs" \
				'a2c < 1.3 * ac' --load-sensitive ac="$ac" a2c="$a2c" \
				--observed "$ac -> $a2c processes/s ($(sk_calc "$a2c / $ac")x)" --note "ac, a2c: throughput at N = $nall and N = $maxn1"
		else
			sk_verdict "on all CPUs throughput flattens beyond N = CPUs" "N > CPUs measured" "max N = $maxn1" SKIP "max N not above the CPU count"
		fi
	else
		sk_verdict "on all CPUs throughput grows until N = CPUs" ">= 2 CPUs" "1 CPU allowed" SKIP "only one CPU allowed: nothing to spread over"
		sk_verdict "on all CPUs throughput flattens beyond N = CPUs" ">= 2 CPUs" "1 CPU allowed" SKIP "only one CPU allowed"
		a1=nan ac=nan a2c=nan
	fi
	sk_plot "$HERE/cpuperf.gp" summary.tsv cpuperf
	sk_summary <<EOF
## Turnaround and throughput against the number of processes

N identical processes, each with $(sk_meta "$d/data.tsv" work_ms) ms of work, start together; each notes when it finishes. Pinned to CPU $cpu (mode one) they share one CPU: the average turnaround grows from $t1 ms to $tn ms at N = $maxn1 while throughput stays at $thr_min..$thr_max processes/s, because the CPU only changes who waits. Free on all $nall allowed CPUs (mode all) throughput grows from $a1 to $ac processes/s at N = $nall and then stays (N = $maxn1: $a2c): more processes than CPUs only lengthen each turnaround. Medians of $(sk_meta "$d/data.tsv" reps) repetitions.

- one CPU: turnaround $t1 ms (N=1) -> $tn ms (N=$maxn1); throughput $thr_min..$thr_max /s
- all CPUs: throughput $a1 (N=1), $ac (N=$nall), $a2c (N=$maxn1) /s
- other processes used ${SK_OTHERS_PCT} % of the CPUs during the run
EOF
}

# ---------------------------------------------------------------------------
# 4. time: real vs user vs sys
# ---------------------------------------------------------------------------
run_time() {
	local d=$SK_EXP_DIR
	time_measure() { sk_prog "$d/data.tsv" "$HERE/timeacct" "${SK_QOPT[@]}" -c "$cpu" || return 0; }
	sk_quietly "$(sk_allowed_cpus)" time_measure
	local kind col
	{
		printf 'kind\treal_ms\tuser_ms\tsys_ms\n'
		for kind in $(sk_tsv_col "$d/data.tsv" kind | awk '!seen[$0]++'); do
			printf '%s' "$kind"
			for col in real_ms user_ms sys_ms; do printf '\t%.1f' "$(sk_median_of "$d/data.tsv" kind "$kind" "$col")"; done
			printf '\n'
		done
	} | sk_atomic_write "$d/summary.tsv"
	local s="$d/summary.tsv" br bu bs sr su ss yr yu ys
	br=$(sk_tsv_get "$s" kind busy real_ms) bu=$(sk_tsv_get "$s" kind busy user_ms) bs=$(sk_tsv_get "$s" kind busy sys_ms)
	sr=$(sk_tsv_get "$s" kind sleep real_ms) su=$(sk_tsv_get "$s" kind sleep user_ms) ss=$(sk_tsv_get "$s" kind sleep sys_ms)
	yr=$(sk_tsv_get "$s" kind syscall real_ms) yu=$(sk_tsv_get "$s" kind syscall user_ms) ys=$(sk_tsv_get "$s" kind syscall sys_ms)
	sk_check a-busy-process-real-user-sys-0 "a busy process: real ~ user, sys ~ 0" 'user + sys >= 0.8 * real && sys < 0.1 * user' \
		--load-sensitive real="$br" user="$bu" sys="$bs" --observed "real $br ms, user $bu ms, sys $bs ms" --note "CPU $cpu"
	sk_check a-sleeping-process-uses-no-cpu "a sleeping process uses no CPU" 'user + sys < 0.05 * real' \
		--load-sensitive real="$sr" user="$su" sys="$ss" --observed "real $sr ms, user $su ms, sys $ss ms"
	sk_check a-syscall-heavy-process-spends-its-time-in-the-kernel "a syscall-heavy process spends its time in the kernel" \
		'sys > user' --load-sensitive user="$yu" sys="$ys" --observed "real $yr ms, user $yu ms, sys $ys ms" \
		--note "read() of $(sk_meta "$d/data.tsv" read_bytes) B from /dev/zero"
	local b2r="" b2u="" b2s=""
	if [[ $(sk_meta "$d/data.tsv" busy2) == run ]]; then
		b2r=$(sk_tsv_get "$s" kind busy2 real_ms) b2u=$(sk_tsv_get "$s" kind busy2 user_ms) b2s=$(sk_tsv_get "$s" kind busy2 sys_ms)
		sk_check two-busy-processes-on-two-cpus-user-real "two busy processes on two CPUs: user > real" 'user >= 1.25 * real' \
			--load-sensitive real="$b2r" user="$b2u" --observed "real $b2r ms, user $b2u ms ($(sk_calc "$b2u / $b2r")x)" \
			--note "ideally 2 x; CPUs $cpu and $(sk_meta "$d/data.tsv" cpu2)"
	else
		sk_verdict "two busy processes on two CPUs: user > real" ">= 2 CPUs" "1 CPU allowed" SKIP "only one CPU allowed"
	fi
	sk_plot "$HERE/time.gp" summary.tsv time
	sk_summary <<EOF
## real, user and sys: what \`time\` reports

Each kind of process runs for $(sk_meta "$d/data.tsv" duration_ms) ms of wall time; real is measured around fork and wait4, user and sys come from the rusage wait4 returns (what \`time\` prints). A busy loop is charged user time for its whole life (real $br ms, user $bu ms); a sleeping process is charged nothing (user+sys $(sk_calc "$su + $ss") ms of $sr ms); a process that reads /dev/zero in a loop is charged mostly sys ($ys ms sys, $yu ms user), because the kernel does the copying. Two busy processes on two CPUs are charged ${b2u:-?} ms of user time in ${b2r:-?} ms: CPU time adds up over CPUs, so user can exceed real.

- busy: real $br, user $bu, sys $bs ms
- sleep: real $sr, user $su, sys $ss ms
- syscall: real $yr, user $yu, sys $ys ms
- busy2: real ${b2r:-skipped}, user ${b2u:-}, sys ${b2s:-} ms
- other processes used ${SK_OTHERS_PCT} % of the CPUs during the run
EOF
}

# ---------------------------------------------------------------------------
# 5. ctxsw: the cost of a context switch
# ---------------------------------------------------------------------------
run_ctxsw() {
	local d=$SK_EXP_DIR other
	other=$(sk_other_cpu "$cpu")
	sk_quietly "$cpu${other:+ $other}" sk_prog "$d/data.tsv" "$HERE/ctxsw-cost" "${SK_QOPT[@]}" -c "$cpu" ${other:+--cpu2 "$other"} || return 0
	sk_summarize -b placement -v ns_per_roundtrip "$d/data.tsv" | sk_atomic_write "$d/summary.tsv"
	local s="$d/summary.tsv" self same cross sw
	self=$(sk_tsv_get "$s" placement self median)
	same=$(sk_tsv_get "$s" placement same median)
	cross=$(sk_tsv_get "$s" placement cross median)
	sw=$(sk_calc "($same - $self) / 2")
	sk_check two-processes-on-one-cpu-pay-for-switching "two processes on one CPU pay for switching" 'same > 1.2 * self' --load-sensitive \
		same="$same" self="$self" --observed "same CPU $same ns, one process $self ns per round trip: ~$sw ns per switch" \
		--note "expected same-CPU round trip > 1.2 x pipe traffic alone; CPU $cpu"
	if [[ -n $other ]]; then
		sk_check a-cross-cpu-round-trip-is-measured "a cross-CPU round trip is measured" 'cross > 0' \
			cross="$cross" --observed "CPUs $cpu+$other: $cross ns per round trip ($(sk_calc "$cross / $same")x the same-CPU one)" \
			--note "expected a number; each wake-up crosses CPUs (IPI; on a VM an idle vCPU exits and re-enters)"
	else
		sk_verdict "a cross-CPU round trip is measured" "2 CPUs" "1 CPU allowed" SKIP "only one CPU allowed"
		cross=nan
	fi
	# The cost of one switch by kind, on CPU $cpu: the pipe's own cost
	# subtracted for the kernel switches; a user-level switch has no pipe.
	{
		printf 'kind\tn\tmedian\tp10\tp90\tmin\tmax\tmean\n'
		sk_summarize -b placement -v ns_per_switch_net "$d/data.tsv" |
			awk -F'\t' -v OFS='\t' '$1 == "same" { $1 = "process" } $1 ~ /^(process|thread|user)$/'
	} | sk_atomic_write "$d/kinds.tsv"
	local k="$d/kinds.tsv" kproc kthr kuser
	kproc=$(sk_tsv_get "$k" kind process median)
	kthr=$(sk_tsv_get "$k" kind thread median)
	kuser=$(sk_tsv_get "$k" kind user median)
	# user: swapcontext minus its one rt_sigprocmask, timed alone (ctxsw-cost):
	# a small difference of two larger numbers, so it may come out near 0.
	local kraw
	kraw=$(sk_summarize -b placement -v ns_per_switch "$d/data.tsv" | sk_tsv_get - placement user median)
	sk_check a-user-level-switch-costs-a-fraction-of-a-kernel-one "a user-level switch costs a fraction of a kernel one" \
		'thread > 0 && user <= 0.5 * thread' --load-sensitive user="$kuser" thread="$kthr" \
		--observed "swapcontext $kraw ns, $kuser ns without its system call; thread switch $kthr ns (user/thread $(sk_calc "$kuser / $kthr" %.2f))" \
		--note "expected user <= 0.5 x thread; swapcontext makes one system call (rt_sigprocmask), timed alone and subtracted; CPU $cpu"
	sk_check a-thread-switch-costs-no-more-than-a-process-switch "a thread switch costs no more than a process switch" \
		'thread > 0 && process > 0 && thread <= 1.3 * process' --load-sensitive thread="$kthr" process="$kproc" \
		--observed "thread $kthr ns, process $kproc ns per switch (thread/process $(sk_calc "$kthr / $kproc" %.2f))" \
		--note "expected thread <= 1.3 x process; the address-space switch is cheap with PCID (no TLB flush), so the two are often within noise"
	sk_plot "$HERE/ctxsw.gp" summary.tsv ctxsw
	sk_plot "$HERE/switchkind.gp" kinds.tsv switchkind
	local kind_txt
	if sk_is_number "$kthr" && sk_is_number "$kproc" && sk_cmp "$kthr >= 0.7 * $kproc"; then
		kind_txt="Yet it costs about the same as a switch between two processes ($kthr against $kproc ns): with PCID the kernel changes CR3 without flushing the TLB, and most of the cost is the scheduler and the wake-up path, which both pay."
	else
		kind_txt="Here it costs $(sk_calc "$kthr / $kproc" %.2f)x a switch between two processes ($kthr against $kproc ns): loading another process's page tables is expensive on this machine. In a guest whose page tables the hypervisor shadows (no hardware-assisted paging, e.g. a PVM guest) every CR3 load traps to the hypervisor; with PCID and EPT/NPT it would be cheap."
	fi
	sk_summary <<EOF
## The cost of a context switch

Two processes pass a word back and forth over two pipes (perf bench sched pipe's method). Pinned to the same CPU, every round trip is two context switches plus two pipe writes and two reads: $same ns. The same pipe traffic inside one process costs $self ns, so one switch costs about $sw ns. With the processes on two different CPUs ($cpu and ${other:-none}) nobody switches, but each message must wake a sleeping CPU: $cross ns per round trip. On a virtual machine an idle vCPU has to be woken by the hypervisor, which makes the cross-CPU case slower, not faster; on bare metal with shallow idle states it can be faster than switching. By kind (second graph): a switch between two threads of one process skips the address-space switch. $kind_txt A user-level switch (swapcontext: save and load registers, plus one rt_sigprocmask system call) never enters the scheduler: $kraw ns, of which all but $kuser ns is that system call (timed alone in the same repetitions and subtracted). Medians of $(sk_meta "$d/data.tsv" reps) repetitions, the placements taking turns in each; see bench.sh for the comparison with perf.

- one switch on CPU $cpu, pipe cost subtracted: process $kproc ns, thread $kthr ns ($(sk_calc "$kthr / $kproc" %.2f)x), user-level (swapcontext) $kuser ns
- one process (no switch): $self ns per round trip
- other processes used ${SK_OTHERS_PCT} % of CPU(s) $cpu${other:+ and $other} during the run
- same CPU: $same ns per round trip, ~$sw ns per switch
- different CPUs: $cross ns per round trip
EOF
}

# ---------------------------------------------------------------------------
# 7. tick: the timer tick of a busy and of an idle CPU
# ---------------------------------------------------------------------------
TICK_IDLE_PCT=90   # an "idle" window counts only if the CPU really idled this much of it

run_tick() {
	local d=$SK_EXP_DIR
	# tick pins itself to another CPU and watches $cpu; nothing of ours runs there in the idle windows.
	sk_quietly "$cpu" sk_prog "$d/data.tsv" "$HERE/tick" "${SK_QOPT[@]}" -c "$cpu" || return 0
	sk_summarize -b state -v irqs_per_s "$d/data.tsv" | sk_atomic_write "$d/summary.tsv"
	local busy idle nidle idle_med idle_min row nohz cpuidle ci_idle ci_busy hz="${HZ:-}"
	busy=$(sk_tsv_get "$d/summary.tsv" state busy median)
	read -r nidle idle idle_min idle_med < <(sk_awk '
		tsv_row() && tsv_get("state") == "idle" { all[++na] = tsv_get("idle_pct")
			if (tsv_get("idle_pct") >= min_idle) r[++n] = tsv_get("irqs_per_s") }
		END { if (n) { m = r[1]; for (i = 2; i <= n; i++) if (r[i] < m) m = r[i]; print n, median(r, n), m, median(all, na) }
		      else print 0, "-", "-", median(all, na) }' -F'\t' -v min_idle="$TICK_IDLE_PCT" "$d/data.tsv")
	[[ $idle != - ]] || idle="" idle_min=""
	row=$(sk_meta "$d/data.tsv" timer_row)
	nohz=$(sk_meta "$d/data.tsv" nohz)
	sk_check a-busy-cpu-takes-the-tick-hz-times-a-second "a busy CPU takes the tick HZ times a second" \
		'busy >= 0.7 * hz && busy <= 1.5 * hz' --load-sensitive busy="$busy" hz="$hz" \
		--observed "CPU $cpu with a spinning process: $busy $row interrupts/s (HZ=${hz:-unknown})" \
		--note "expected 0.7..1.5 x HZ; other timers on that CPU (hrtimers of other tasks, wake-ups) add some" \
		--absent "CONFIG_HZ unknown (no /proc/config.gz or /boot/config-$(uname -r))"
	local absent="CPU $cpu was never idle for ${TICK_IDLE_PCT} % of a window (median idle ${idle_med} %): other work ran there; rerun on a quiet machine"
	if [[ $nohz == off* ]]; then idle="" absent="the kernel runs with nohz=off: the tick never stops ($nohz)"; fi
	sk_check an-idle-cpu-stops-its-tick "an idle CPU stops its tick (NO_HZ idle)" \
		'idle <= 0.7 * busy' --load-sensitive idle="$idle" busy="$busy" \
		--observed "idle CPU $cpu: median ${idle:-?} interrupts/s over $nidle windows >= ${TICK_IDLE_PCT} % idle (quietest ${idle_min:-?}/s), busy $busy/s" \
		--note "expected idle <= 0.7 x busy; a periodic tick would give ~HZ either way; nohz: $nohz" \
		--absent "$absent"
	cpuidle=$(sk_meta "$d/data.tsv" cpuidle_states)
	ci_idle=$(sk_median_of "$d/data.tsv" state idle cpuidle_pct || true)
	ci_busy=$(sk_median_of "$d/data.tsv" state busy cpuidle_pct || true)
	sk_check an-idle-cpu-sits-in-its-idle-states "an idle CPU sits in its idle states" \
		'ci_idle >= 50 && ci_busy <= 10' ci_idle="$ci_idle" ci_busy="$ci_busy" \
		--observed "cpuidle residency of CPU $cpu: idle ${ci_idle:-?} %, busy ${ci_busy:-?} % of the window" \
		--note "expected >= 50 % idle, <= 10 % busy; driver $(sk_meta "$d/data.tsv" cpuidle_driver)" \
		--absent "no cpuidle states for CPU $cpu (cpuidle driver: $(sk_meta "$d/data.tsv" cpuidle_driver); common on VMs: the guest just halts and the host decides)"
	sk_plot "$HERE/tick.gp" summary.tsv tick "${hz:-0}"
	sk_summary <<EOF
## The timer tick: a busy CPU and an idle one

The program watches CPU $cpu from another CPU and reads CPU $cpu's column of the local timer row ($row) of /proc/interrupts, in windows of $(sk_meta "$d/data.tsv" window_ms) ms: alternately with a spinning process pinned there (busy) and with nothing of ours there (idle). Busy, the CPU takes the scheduler tick HZ times a second: $busy interrupts/s at HZ=${hz:-unknown}. Idle, a tickless kernel (NO_HZ idle) stops the tick until the next timer that is really due: median ${idle:-?} interrupts/s in the windows where the CPU idled >= ${TICK_IDLE_PCT} % (quietest window ${idle_min:-?}/s). What remains is other tasks' timers and wake-ups on that CPU. cpuidle residency: ${ci_idle:-none} % idle, ${ci_busy:-none} % busy ($cpuidle).

- busy: $busy interrupts/s; HZ=${hz:-unknown}
- idle: ${idle:-?}/s, median of $nidle windows >= ${TICK_IDLE_PCT} % idle; quietest ${idle_min:-?}/s; the idle windows were ${idle_med} % idle (median)
- nohz: $nohz
EOF
}

# ---------------------------------------------------------------------------
# 8. oversleep: nanosleep overshoot and the timer slack
# ---------------------------------------------------------------------------
run_oversleep() {
	local d=$SK_EXP_DIR
	sk_quietly "$cpu" sk_prog "$d/data.tsv" sk_pin "$cpu" "$HERE/oversleep" "${SK_QOPT[@]}" || return 0
	sk_awk '
		tsv_row() { k = tsv_get("slack_ns") SUBSEP tsv_get("request_ns"); if (!(k in n)) ord[++nk] = k
			n[k]++; v[k, n[k]] = tsv_get("overshoot_ns") / 1000 }
		END { print "slack_ns\trequest_us\tn\tmedian_us\tp90_us\tp99_us"
			for (j = 1; j <= nk; j++) { k = ord[j]; split(k, kk, SUBSEP); delete a
				for (i = 1; i <= n[k]; i++) a[i] = v[k, i]
				printf "%s\t%g\t%d\t%.1f\t%.1f\t%.1f\n", kk[1], kk[2] / 1000, n[k], median(a, n[k]), pct(a, n[k], 90), pct(a, n[k], 99) } }' \
		-F'\t' "$d/data.tsv" | sk_atomic_write "$d/summary.tsv"
	local def defus small_def small_tight absent=""
	def=$(sk_meta "$d/data.tsv" default_slack_ns)
	defus=$(sk_calc "$def / 1000")
	# Pooled over the short requests (<= 100 us), where the slack is most of the overshoot.
	pooled() {
		sk_awk 'tsv_row() && tsv_get("slack_ns") == s && tsv_get("request_ns") <= 100000 { a[++n] = tsv_get("overshoot_ns") / 1000 }
			END { if (n) printf "%.1f\n", median(a, n) }' -F'\t' -v s="$1" "$d/data.tsv"
	}
	small_def=$(pooled "$def")
	small_tight=$(pooled "$(sk_meta "$d/data.tsv" tight_slack_ns)")
	if ! sk_cmp "$def >= 10000"; then
		absent="the default timer slack is only $def ns here (a real-time task, or a service manager's TimerSlackNSec): nothing to compare"
		small_def=""
	fi
	sk_check sleeps-overshoot-by-about-the-timer-slack "sleeps overshoot by about the timer slack" \
		'def_us >= 0.5 * slack_us' --load-sensitive def_us="$small_def" slack_us="$defus" \
		--observed "median overshoot of 1..100 us sleeps: ${small_def:-?} us with the default slack of $defus us" \
		--note "expected >= half the slack: the timer may fire anywhere up to expiry + slack, and does so at the end unless another interrupt comes first" \
		${absent:+--absent "$absent"}
	# Judged by the difference: what a 1 ns slack removes is the slack itself;
	# what remains (interrupt, wake-up, switch) is the same in both and is not
	# small everywhere (about 40 us in a PVM guest, where 1..100 us sleeps
	# overshot by 43 us with 1 ns of slack and by 94 us with 50 us).
	sk_check a-1-ns-slack-wakes-sooner "a 1 ns slack wakes sooner, by about the slack" \
		'def_us - tight_us >= 0.5 * slack_us' --load-sensitive tight_us="$small_tight" def_us="$small_def" slack_us="$defus" \
		--observed "median overshoot of 1..100 us sleeps: $small_tight us with slack 1 ns, ${small_def:-?} us with $defus us" \
		--note "expected the 1 ns slack to overshoot less by at least half the default slack; what remains is the interrupt, the wake-up and the switch (on a VM also waking the idle vCPU)" \
		${absent:+--absent "$absent"}
	sk_plot "$HERE/oversleep.gp" summary.tsv oversleep "$def"
	sk_summary <<EOF
## nanosleep overshoot and the timer slack

One thread on CPU $cpu sleeps 1 us .. 10 ms with nanosleep, $(sk_meta "$d/data.tsv" count) times each (fewer for long sleeps), first with the default timer slack ($defus us), then with prctl(PR_SET_TIMERSLACK, 1). The kernel may fire a sleeping task's timer anywhere between its expiry and expiry + slack, so that timers close together share one interrupt; it fires at the end of that window unless another interrupt comes first. Median overshoot of the short sleeps (<= 100 us): ${small_def:-?} us with the default slack, $small_tight us with 1 ns. What is left with 1 ns is the interrupt, the wake-up and the switch back (on a VM, also the hypervisor waking the idle vCPU). The p99 column shows how far a busy machine stretches it.

- default slack $defus us: median overshoot ${small_def:-?} us (requests <= 100 us)
- slack 1 ns: median overshoot $small_tight us
- policy: $(sk_meta "$d/data.tsv" policy); other processes used ${SK_OTHERS_PCT} % of CPU $cpu
EOF
}

# ---------------------------------------------------------------------------
# 9. queue: response time against utilization (M/D/1)
# ---------------------------------------------------------------------------
QUEUE_MODERATE_PCT=80   # the mean is judged against theory up to this load

run_queue() {
	local d=$SK_EXP_DIR
	sk_quietly "$cpu" sk_prog "$d/data.tsv" sk_pin "$cpu" "$HERE/queue" "${SK_QOPT[@]}" || return 0
	local s p50 p95 ip50 ip95 m50 t50 m80 t80 sv50 stall=""
	s=$(sk_meta "$d/data.tsv" service_us)
	# measured / theory mean per moderate load; judged by their median, so that one
	# load hit by a stall (a vCPU preempted for some ms) does not decide alone.
	local fmed fmin fmax over over_rho fabsent=""
	read -r fmed fmin fmax over over_rho < <(sk_awk 'tsv_row() && tsv_get("load_pct") <= maxl {
			m = tsv_get("resp_mean_us"); t = tsv_get("theory_mean_us")
			if (tsv_get("rho") >= 1 && !over) { over = tsv_get("load_pct"); orho = tsv_get("rho") }
			if (!is_num(m) || !is_num(t) || t <= 0) { bad = 1; next }
			f[++n] = m / t; if (n == 1 || m / t < lo) lo = m / t; if (m / t > hi) hi = m / t }
		END { if (bad || !n) printf "- - -"; else printf "%.2f %.2f %.2f", median(f, n), lo, hi
		      printf " %s %s\n", over ? over : "-", over ? orho : "-" }' -F'\t' -v maxl="$QUEUE_MODERATE_PCT" "$d/data.tsv")
	[[ $fmed != - ]] || fmed=""
	local svmax
	svmax=$(sk_awk 'tsv_row() && tsv_get("load_pct") <= maxl && tsv_get("service_p99_us") > m { m = tsv_get("service_p99_us") } END { print m + 0 }' \
		-F'\t' -v maxl="$QUEUE_MODERATE_PCT" "$d/data.tsv")
	if [[ -n $fmed ]] && ! sk_cmp "$fmed >= 0.5 && $fmed <= 2" && sk_cmp "$svmax > 2 * $(sk_meta "$d/data.tsv" service_us)"; then
		fabsent="measured/theory $fmed, but the server lost its CPU to other work (service p99 up to $svmax us for $(sk_meta "$d/data.tsv" service_us) us jobs); rerun on a quiet machine"
		fmed=""
	fi
	if [[ $over != - ]]; then
		# rho >= 1 at a moderate offered load: the jobs took longer than they
		# should, i.e. the server lost its CPU to other work for long stretches.
		fabsent="at $over % offered load the measured utilization was $over_rho (service p99 $(sk_tsv_get "$d/data.tsv" load_pct "$over" service_p99_us) us for $(sk_meta "$d/data.tsv" service_us) us jobs): the server shared CPU $cpu with other work; rerun on a quiet machine"
		fmed=""
	fi
	p50=$(sk_tsv_get "$d/data.tsv" load_pct 50 resp_p99_us)
	p95=$(sk_tsv_get "$d/data.tsv" load_pct 95 resp_p99_us)
	ip50=$(sk_tsv_get "$d/data.tsv" load_pct 50 ideal_p99_us)
	ip95=$(sk_tsv_get "$d/data.tsv" load_pct 95 ideal_p99_us)
	m50=$(sk_tsv_get "$d/data.tsv" load_pct 50 resp_mean_us)
	t50=$(sk_tsv_get "$d/data.tsv" load_pct 50 theory_mean_us)
	m80=$(sk_tsv_get "$d/data.tsv" load_pct 80 resp_mean_us)
	t80=$(sk_tsv_get "$d/data.tsv" load_pct 80 theory_mean_us)
	sv50=$(sk_tsv_get "$d/data.tsv" load_pct 50 service_p99_us)
	sk_check the-mean-response-follows-m-d-1-at-moderate-load "the mean response follows M/D/1 at moderate load" \
		'f >= 0.5 && f <= 2' --load-sensitive f="$fmed" \
		--observed "measured/theory mean: median ${fmed:-?} over loads <= ${QUEUE_MODERATE_PCT} % (range ${fmin}..${fmax}); 50 %: $m50 us vs $t50 us, 80 %: $m80 us vs $t80 us" \
		--note "expected the median factor in 0.5..2; theory S + rho S / (2 (1 - rho)) with S and rho measured; $s us jobs on CPU $cpu" \
		${fabsent:+--absent "$fabsent"}
	# The tails are only M/D/1's when the server kept its CPU: if >= 1 % of the jobs
	# at 50 % or 95 % load took over 2 S (service p99), other work took the CPU
	# away for whole time slices, and the comparison says nothing either way.
	local p50v=$p50 ratio sv95
	sv95=$(sk_tsv_get "$d/data.tsv" load_pct 95 service_p99_us)
	ratio=$(sk_calc "$p95 / $p50" %.1f 2>/dev/null || echo "?")
	if sk_cmp "0$sv50 > 2 * $s || 0$sv95 > 2 * $s" 2>/dev/null; then
		stall="the server lost its CPU to other work (service p99 $sv50 us at 50 %, $sv95 us at 95 %, for $s us jobs); rerun on a quiet machine"
		p50=""
	fi
	sk_check the-tail-grows-steeply-near-full-load "the tail grows steeply near full load" \
		'p95 >= 3 * p50' --load-sensitive p95="$p95" p50="$p50" \
		--observed "p99 response: $p50v us at 50 % load, $p95 us at 95 % (${ratio}x; a perfect server with the same arrivals: $ip50 -> $ip95 us)" \
		--note "expected p99(95 %) >= 3 x p99(50 %)" ${stall:+--absent "$stall"}
	sk_plot "$HERE/queue.gp" data.tsv queue "$s"
	sk_summary <<EOF
## Response time against load: one server, random arrivals (M/D/1)

Jobs of $s us of CPU work arrive at random (a Poisson process, seeded) at loads of $(sk_tsv_col "$d/data.tsv" load_pct | tr '\n' ' ')%, each for $(sk_meta "$d/data.tsv" duration_ms) ms of arrivals; one server pinned to CPU $cpu runs them first come, first served, and each job's response time is its finish minus its scheduled arrival. Queueing theory (M/D/1) predicts a mean response of S + rho S / (2 (1 - rho)): 1.5 S at 50 % load, 3 S at 80 %, 10.5 S at 95 %. Measured: $m50 us at 50 % (theory $t50), $m80 us at 80 % (theory $t80). The tail grows faster than the mean: p99 $p50v us at 50 % load, $p95 us at 95 %. Nothing in the server got slower; the jobs wait for each other. That is why a server run at 90 % utilization is slow, and why capacity planning aims well below 100 %.

- measured/theory mean at loads <= ${QUEUE_MODERATE_PCT} %: median ${fmed:-?}, range ${fmin}..${fmax}
- p99: $p50v us (50 %) -> $p95 us (95 %); a perfect server with the same arrivals: $ip50 -> $ip95 us
- other processes used ${SK_OTHERS_PCT} % of CPU $cpu during the run
EOF
}

# ---------------------------------------------------------------------------
# 6. rt: SCHED_FIFO starves a normal task (bounded, RT throttling aware)
# ---------------------------------------------------------------------------
run_rt() {
	local d=$SK_EXP_DIR rtotal
	rtotal=$( ((SK_QUICK)) && echo 1200 || echo 2500)
	sk_note "sched --fifo 2 $rtotal $RESOLUTION_MS pinned to CPU $cpu (worker 0 SCHED_FIFO, bounded by RLIMIT_RTTIME)"
	if ! sk_prog "$d/data.tsv" sk_pin "$cpu" "$HERE/sched" --fifo --workers "$d/workers.tsv" --runs "$d/runs.tsv" \
		2 "$rtotal" "$RESOLUTION_MS"; then
		sk_summary <<EOF
## SCHED_FIFO against a normal task: skipped

Setting SCHED_FIFO needs root or CAP_SYS_NICE (and, with RT group scheduling, a cpu.rt_runtime_us budget in the cgroup). Run as root to see the normal worker starve.
EOF
		return 0
	fi
	local f0 f1 s1 rtr rtp first1 share_lim
	f0=$(sk_tsv_get "$d/workers.tsv" proc 0 finish_ms)
	f1=$(sk_tsv_get "$d/workers.tsv" proc 1 finish_ms)
	s1=$(sk_tsv_get "$d/workers.tsv" proc 1 share_pct)
	rtr=$(sk_meta "$d/data.tsv" sched_rt_runtime_us)
	rtp=$(sk_meta "$d/data.tsv" sched_rt_period_us)
	first1=$(awk -F'\t' '/^#/ { next } !h { h = 1; next } $1 == 1 { print $2; exit }' "$d/data.tsv")
	if [[ $rtr =~ ^[0-9]+$ && $rtp =~ ^[0-9]+$ ]]; then
		share_lim=$(sk_calc "100 * (1 - $rtr / $rtp)")
	else
		share_lim=5
	fi
	sk_check a-sched-fifo-task-starves-a-normal-one "a SCHED_FIFO task starves a normal one" 's1 <= share_lim + 10' \
		s1="$s1" share_lim="$share_lim" --observed "normal worker: ${s1} % of the CPU until the FIFO worker finished at $f0 ms; its first ms of work done at $first1 ms" \
		--note "expected normal worker's share while the FIFO one runs <= $(sk_calc "$share_lim + 10") %; RT throttling: sched_rt_runtime_us=$rtr of $rtp leaves ~${share_lim} % to others"
	sk_check the-real-time-worker-finishes-first "the real-time worker finishes first" 'f0 < f1' \
		f0="$f0" f1="$f1" --observed "FIFO at $f0 ms, normal at $f1 ms" \
		--note "expected FIFO < normal"
	sk_plot "$HERE/nice.gp" data.tsv rt "fifo"
	sk_summary <<EOF
## SCHED_FIFO against a normal task on CPU $cpu

Worker 0 runs under SCHED_FIFO (priority 1), worker 1 under the normal policy, both pinned to CPU $cpu, each with $rtotal ms of work. A FIFO task is never preempted by a fair one: the normal worker finished its first ms of work only at $first1 ms and got ${s1} % of the CPU until the FIFO worker was done at $f0 ms. It is not 0 % because the kernel keeps a reserve for normal tasks: RT throttling (sched_rt_runtime_us=$rtr per $rtp us) and, since 6.12, the fair deadline server (~50 ms per second). The FIFO worker was bounded by RLIMIT_RTTIME, so a bug could not hog the CPU.

- normal worker's share while the FIFO worker ran: ${s1} % (reserve ~${share_lim} %)
- finish: FIFO $f0 ms, normal $f1 ms
EOF
}

sk_run_experiments
sk_run_finish
