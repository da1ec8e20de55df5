#!/usr/bin/env bash
# ch12-cgroup/run.sh - cgroups v1 and v2: every limit measured against what was
# asked. CPU quota and weight, memory limit (OOM inside the group, memory.high
# throttling, page cache charged), pids.max, io.max on a loop device.
#
# USAGE: ./run.sh [-q] [-c CPU] [-o RUNDIR] [-e NAME]...
# Experiments (declared below with sk_experiment; -h lists them, -e NAME picks),
# each in RUNDIR/ch12-cgroup/<name>/. Every group is created beneath the group
# the driver runs in and removed on every exit path (Ctrl-C included).
# REQUIREMENTS: root, or a delegated cgroup subtree (else every experiment is
#   SKIP naming the file that was not writable); taskset. Optional: gnuplot;
#   for io-limit chapter 9's io and loop device (losetup).
# eg,
#   sudo ./run.sh -q             # quick: ~40 s
#   sudo ./run.sh -e cpu-limit   # one experiment, full length
set -euo pipefail
SK_PROG=ch12-cgroup/run.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=scripts/cgroup.sh
source "$SK_TOP/scripts/cgroup.sh"
HERE="$SK_TOP/ch12-cgroup"
CHAPTER=ch12-cgroup

CPU_LIMIT_POINTS=5   # issue: measured share within 5 percentage points of the quota
AGREE_PCT=1          # the worker's rusage and the group's usage agree within 1 %
WEIGHT_POINTS=10     # cpu-weight: measured share within 10 points of the prediction
IO_LOOP_MIB=256      # io-limit: loop device size
IO_LIMIT_POINTS=10   # io-limit: measured rate within 10 % of io.max

sk_experiment cpu-limit run_cpu_limit "busy workers under CPU quotas of 10..150 %: share from rusage and from the group vs the quota, throttling" cpu-limit
sk_experiment cpu-weight run_cpu_weight "two groups with weights 1:2 and 1:4 on one CPU: measured vs predicted shares" cpu-weight
sk_experiment mem-limit run_mem_limit "a memory limit kept inside the group: OOM kill, memory.high throttling (v2), page cache charged" mem-limit
sk_experiment pids-limit run_pids_limit "fork inside pids.max = 32: EAGAIN at the limit, every child reaped" pids-limit
sk_experiment io-limit run_io_limit "io.max / blkio.throttle on chapter 9's loop device: bandwidth and IOPS vs the limit" cg-run

usage() {
	cat <<EOF
Usage: $SK_PROG [-q] [-c CPU] [-o RUNDIR] [-e NAME]...
cgroups v1 and v2: CPU quota and weight, memory limit, pids.max, io.max, measured.

$(sk_std_usage)

Needs root or a delegated cgroup subtree; otherwise every experiment is SKIP with the reason.
Examples:
  sudo $SK_PROG -q
  sudo $SK_PROG -e cpu-limit -e cpu-weight
EOF
}

sk_options ":qc:o:he:" "$@"
sk_driver_ready "$CHAPTER" cgroup-info
sk_cg_own   # on cgroup v2, this driver and its children are the suite's own processes

# tsv_eval FILE AWK-PROGRAM: run an awk program over a TSV's data rows with the
# columns by name in v["name"] and the data row number in nr (END sees the last row).
tsv_eval() {
	awk -F'\t' "
		/^#/ { next }
		!h { for (i = 1; i <= NF; i++) col[\$i] = i; h = 1; next }
		{ nr++; for (k in col) v[k] = \$col[k] }
		$2" "$1"
}

# cg_version CTRL: v1 or v2 (or none) for a controller, from cgroup-info.
cg_version() { "$HERE/cgroup-info" 2>/dev/null | awk -F'\t' -v c="$1" '$1 == c { print $2 }'; }

# ---------------------------------------------------------------------------
run_cpu_limit() {
	local d="$SK_EXP_DIR/data.tsv"
	sk_prog "$d" "$HERE/cpu-limit" "${SK_QOPT[@]}" || return 0
	# A quota is judged where it was what limited the group: throttled in at
	# least BINDING of its periods. Elsewhere other work held the CPUs (the
	# program already measured such a quota again, up to 3 times).
	local binding=0.8 worst agree band npts nbind per unbound
	npts=$(tsv_eval "$d" 'END { print nr + 0 }')
	nbind=$(tsv_eval "$d" "v[\"nr_periods\"] > 0 && v[\"nr_throttled\"] >= $binding * v[\"nr_periods\"] { n++ } END { print n + 0 }")
	worst=$(tsv_eval "$d" "v[\"nr_throttled\"] >= $binding * v[\"nr_periods\"] { e = v[\"group_share_pct\"] - v[\"quota_pct\"]; if (e < 0) e = -e; if (e > m) m = e; n++ } END { if (n) printf \"%.2f\", m }")
	agree=$(tsv_eval "$d" '{ a = v["worker_cpu_ms"]; b = v["group_cpu_ms"]; r = (a > b ? a - b : b - a) / (b > 0 ? b : 1) * 100; if (r > m) m = r } END { printf "%.3f", m }')
	# the kernel selftest's band: |measured - model| <= 10 % of their sum
	band=$(tsv_eval "$d" "v[\"nr_throttled\"] >= $binding * v[\"nr_periods\"] { a = v[\"group_cpu_ms\"]; b = v[\"model_cpu_ms\"]; e = (a > b ? a - b : b - a) / ((a + b) / 100); if (e > m) m = e; n++ } END { if (n) printf \"%.2f\", m }")
	per=$(tsv_eval "$d" '{ printf "%s%g%%->%.1f", (nr > 1 ? ", " : ""), v["quota_pct"], v["group_share_pct"] }')
	unbound=$(tsv_eval "$d" "v[\"nr_throttled\"] < $binding * v[\"nr_periods\"] { printf \"%s%g%% (throttled %d of %d periods)\", (n++ ? \", \" : \"\"), v[\"quota_pct\"], v[\"nr_throttled\"], v[\"nr_periods\"] }")
	local busy
	busy="the CPUs were busy elsewhere: only $nbind of $npts quotas were throttled in >= $(sk_calc "100 * $binding" %.0f) % of their periods${unbound:+ (not: $unbound)}"
	if ((2 * nbind < npts)); then
		worst="" band=""   # too few quotas were what limited the group: SKIP, not FAIL
	fi
	sk_check cpu-limit-kept "the group gets its quota at every quota (within $CPU_LIMIT_POINTS points)" \
		"worst_error_points <= $CPU_LIMIT_POINTS" worst_error_points="$worst" \
		--observed "worst error $worst points over the $nbind of $npts quotas that limited the group ($per)" \
		--absent "$busy" ${unbound:+--note "not judged: $unbound (CPUs busy elsewhere)"}
	sk_check cpu-limit-measurements-agree "the workers' rusage and the group's usage agree (within $AGREE_PCT %)" \
		"worst_diff_pct <= $AGREE_PCT" worst_diff_pct="$agree"
	sk_check cpu-limit-selftest-band "within the kernel selftest's band (|measured - model| <= 10 % of the sum)" \
		'worst_band_pct <= 10' worst_band_pct="$band" --absent "$busy" \
		--note "model floor(D/P)*Q + min(D mod P, Q) from test_cpu.c; the excess is the first period's full pool and per-CPU 5 ms slices"
	sk_plot "$HERE/cpu-limit.gp" data.tsv cpu-limit
	local mode
	mode=$(sk_meta "$d" cgroup_mode)
	sk_summary <<EOF
## CPU quota: asked vs got ($mode)

Busy workers (always one more than the quota can feed) run in a fresh group with a quota of Q % of one CPU ($(sk_meta "$d" cpu_files)). The share they got is measured twice, from their own rusage and from the group's usage counter, over $(sk_meta "$d" duration_ms) ms per quota. Worst error against the quota: ${worst:-n/a} points over the $nbind of $npts quotas that limited the group; the two measurements differ by at most $agree %.

- measured (group): $per
- kernel selftest band: worst ${band:-n/a} % of the sum (the selftest accepts 10 %)
- ${unbound:+not limited by the quota (CPUs busy elsewhere): $unbound}
EOF
}

# ---------------------------------------------------------------------------
run_cpu_weight() {
	local d="$SK_EXP_DIR/data.tsv"
	sk_prog "$d" "$HERE/cpu-weight" "${SK_QOPT[@]}" -c "$SK_CPU" || return 0
	local pair err obs
	for pair in 100:200 100:400; do
		err=$(tsv_eval "$d" "v[\"pair\"] == \"$pair\" && v[\"group\"] == \"a\" { e = v[\"share_pct\"] - v[\"expected_pct\"]; print (e < 0 ? -e : e) }")
		obs=$(tsv_eval "$d" "v[\"pair\"] == \"$pair\" { printf \"%s%s %.1f%% (predicted %.1f%%)\", (n++ ? \", \" : \"\"), v[\"group\"], v[\"share_pct\"], v[\"expected_pct\"] }")
		sk_check "cpu-weight-${pair/:/-}" "weights $pair share one CPU as predicted (within $WEIGHT_POINTS points)" \
			"error_points <= $WEIGHT_POINTS" error_points="$err" --observed "$obs (CPU $SK_CPU)"
	done
	sk_plot "$HERE/cpu-weight.gp" data.tsv cpu-weight
	sk_summary <<EOF
## CPU weight: two groups on one CPU ($(sk_meta "$d" cgroup_mode))

Two groups, one busy worker each, pinned to CPU $SK_CPU; the weights are written to $(sk_meta "$d" weight_file). While both want the CPU, each gets weight / sum of weights.

$(tsv_eval "$d" '{ printf "- %s group %s (weight %s): %.1f %% (predicted %.1f %%)\n", v["pair"], v["group"], v["weight"], v["share_pct"], v["expected_pct"] }')
EOF
}

# ---------------------------------------------------------------------------
run_mem_limit() {
	local m cache_skip=""
	for m in oom cache charge; do
		if [[ $m == cache ]]; then
			# a memory-backed scratch directory (tmpfs) makes only this mode SKIP
			sk_prog "$SK_EXP_DIR/$m.tsv" "$HERE/mem-limit" "${SK_QOPT[@]}" -m "$m" || cache_skip=1
			continue
		fi
		sk_prog "$SK_EXP_DIR/$m.tsv" "$HERE/mem-limit" "${SK_QOPT[@]}" -m "$m" || return 0
	done
	local o="$SK_EXP_DIR/oom.tsv" c="$SK_EXP_DIR/cache.tsv" g="$SK_EXP_DIR/charge.tsv"
	local limit peak kills host outcome
	limit=$(sk_meta "$o" limit_bytes) peak=$(sk_meta "$o" peak_bytes) kills=$(sk_meta "$o" oom_kill)
	host=$(sk_meta "$o" host_oom_kills) outcome=$(sk_meta "$o" outcome)
	local touched
	touched=$(tsv_eval "$o" 'END { print v["touched_bytes"] }')
	sk_check mem-oom-in-group "at the limit the process is OOM-killed inside its group" \
		'killed == 1 && oom_kill >= 1' killed="$([[ $outcome == killed-sigkill ]] && echo 1 || echo 0)" oom_kill="$kills" \
		--observed "$outcome; group oom_kill $kills; touched $((touched / 1048576)) MiB of $(($(sk_meta "$o" size_bytes) / 1048576)) before the kill"
	sk_check mem-oom-charge-at-limit "the group's charge never exceeds the limit" \
		'peak <= limit && peak >= 0.9 * limit' peak="$peak" limit="$limit" \
		--observed "peak $((peak / 1048576)) MiB, limit $((limit / 1048576)) MiB"
	sk_check mem-host-untouched "no OOM kill outside the group (all of /proc/vmstat's oom_kill were the group's)" \
		'host_kills == oom_kill' host_kills="$host" oom_kill="$kills"
	local cmax="" cfile="" cout="" climit=""
	if [[ -n $cache_skip ]]; then
		sk_verdict -i mem-page-cache-charged "page cache is charged to the group and reclaimed at its limit" \
			"completed == 1 && max_charge <= limit && file_bytes >= 0.5 * limit" "not measured" SKIP \
			"the cache mode was skipped: see the mem-limit-runs row"
	else
	climit=$(sk_meta "$c" limit_bytes) cout=$(sk_meta "$c" outcome) cfile=$(sk_meta "$c" final_file_bytes)
	cmax=$(tsv_eval "$c" '{ if (v["charge_bytes"] > m) m = v["charge_bytes"] } END { printf "%.0f", m }')
	sk_check mem-page-cache-charged "page cache is charged to the group and reclaimed at its limit" \
		'completed == 1 && max_charge <= limit && file_bytes >= 0.5 * limit' \
		completed="$([[ $cout == completed ]] && echo 1 || echo 0)" max_charge="$cmax" limit="$climit" file_bytes="$cfile" \
		--observed "read $(($(sk_meta "$c" size_bytes) / 1048576)) MiB ($cout); charge at most $((cmax / 1048576)) MiB of $((climit / 1048576)); file pages $((cfile / 1048576)) MiB"
	fi
	local ratio
	ratio=$(tsv_eval "$g" 'END { printf "%.3f", v["charge_bytes"] / v["touched_bytes"] }')
	sk_check mem-charge-follows-touch "the group's charge follows the bytes touched" \
		'ratio >= 0.95 && ratio <= 1.10' ratio="$ratio"
	if [[ $(cg_version memory) == v2 ]]; then
		sk_prog "$SK_EXP_DIR/high.tsv" "$HERE/mem-limit" "${SK_QOPT[@]}" -m high || return 0
		local h="$SK_EXP_DIR/high.tsv" hl slow below above
		hl=$(sk_meta "$h" limit_bytes)
		below=$(tsv_eval "$h" "{ dt = v[\"elapsed_ms\"] - p; p = v[\"elapsed_ms\"]; if (v[\"touched_bytes\"] <= $hl) { b += dt; nb++ } } END { printf \"%.3f\", nb ? b / nb : 0 }")
		above=$(tsv_eval "$h" "{ dt = v[\"elapsed_ms\"] - p; p = v[\"elapsed_ms\"]; if (v[\"touched_bytes\"] > $hl) { a += dt; na++ } } END { if (na) printf \"%.3f\", a / na; else print \"none\" }")
		slow=$(sk_calc "$above / ($below > 0 ? $below : 0.001)" %.1f 2>/dev/null || echo none)
		sk_check mem-high-throttles "above memory.high the kernel throttles instead of killing" \
			'not_killed == 1 && high_events > 0 && slowdown >= 2' \
			not_killed="$([[ $(sk_meta "$h" outcome) != killed-* ]] && echo 1 || echo 0)" \
			high_events="$(sk_meta "$h" high_events)" slowdown="$slow" \
			--observed "$(sk_meta "$h" outcome); high events $(sk_meta "$h" high_events); ms per step $below below high, $above above (x$slow); PSI some $(sk_meta "$h" psi_some_us) us"
	else
		sk_verdict -i mem-high-throttles "above memory.high the kernel throttles instead of killing" \
			"v2 memory controller" "memory is $(cg_version memory) here" SKIP "memory.high exists on cgroup v2 only (make check-vm runs it on a pure v2 kernel)"
	fi
	{
		grep '^#' "$o"
		printf 'mode\tstep\ttouched_bytes\telapsed_ms\tcharge_bytes\tlimit_bytes\n'
		for m in oom cache charge high; do
			[[ -f $SK_EXP_DIR/$m.tsv ]] || continue
			tsv_eval "$SK_EXP_DIR/$m.tsv" "{ printf \"%s\t%s\t%s\t%s\t%s\t%s\n\", v[\"mode\"], v[\"step\"], v[\"touched_bytes\"], v[\"elapsed_ms\"], v[\"charge_bytes\"], $(sk_meta "$SK_EXP_DIR/$m.tsv" limit_bytes) }"
		done
	} | sk_atomic_write "$SK_EXP_DIR/data.tsv"
	sk_plot "$HERE/mem-limit.gp" data.tsv mem-limit
	sk_summary <<EOF
## Memory limit, kept inside the group ($(sk_meta "$o" cgroup_mode))

A child in a group limited by $(sk_meta "$o" limit_file) to $((limit / 1048576)) MiB touches memory 4 MiB at a time: the group's charge follows the bytes touched up to the limit, then the kernel's OOM killer kills the child, inside the group only ($outcome, oom_kill $kills; /proc/vmstat oom_kill rose by $host). Reading a file twice the limit inside such a group completes: page cache is charged to the group and reclaimed at the limit ($([[ -n $cache_skip ]] && echo "not measured here: the scratch directory is memory-backed" || echo "charge at most $((cmax / 1048576)) MiB")).

- charge / bytes touched without a binding limit: $ratio
- memory.high: $( [[ -f $SK_EXP_DIR/high.tsv ]] && echo "$(sk_meta "$SK_EXP_DIR/high.tsv" outcome), $(sk_meta "$SK_EXP_DIR/high.tsv" high_events) high events" || echo "v2 only; not here")
EOF
}

# ---------------------------------------------------------------------------
run_pids_limit() {
	local d="$SK_EXP_DIR/data.tsv"
	sk_prog "$d" "$HERE/pids-limit" -n 32 || return 0
	local max forked err reaped after left
	max=$(tsv_eval "$d" 'END { print v["pids_max"] }')
	forked=$(tsv_eval "$d" 'END { print v["forked"] }')
	err=$(tsv_eval "$d" 'END { print v["fork_errno"] }')
	reaped=$(tsv_eval "$d" 'END { print v["reaped"] }')
	after=$(tsv_eval "$d" 'END { print v["pids_current_after"] }')
	left=$(sk_meta "$d" procs_left_after_leader)
	sk_check pids-limit-eagain "fork fails with EAGAIN once the group holds pids.max tasks" \
		'eagain == 1 && forked == max - 1' eagain="$([[ $err == EAGAIN ]] && echo 1 || echo 0)" forked="$forked" max="$max" \
		--observed "$forked children + the leader = $((forked + 1)) tasks, then fork: $err"
	sk_check pids-limit-reaped "every child is reaped; the group empties" \
		'reaped == forked && after == 1 && left == 0' reaped="$reaped" forked="$forked" after="$after" left="$left"
	sk_plot "$HERE/pids-limit.gp" data.tsv pids-limit
	sk_summary <<EOF
## pids.max = $max ($(sk_meta "$d" cgroup_mode))

A leader in a group with pids.max = $max forks sleeping children until fork fails: $forked children plus the leader fill the group, and the next fork fails with $err. The leader then kills and reaps all $reaped; pids.current falls back to $after (the leader).
EOF
}

# ---------------------------------------------------------------------------
run_io_limit() {
	local why
	if [[ ! -f $SK_TOP/ch09-block/loopdev.sh || ! -x $SK_TOP/ch09-block/io ]]; then
		sk_skip_exp "chapter 9's io and loopdev.sh are not built (make)"
		return 0
	fi
	# shellcheck source=ch09-block/loopdev.sh
	source "$SK_TOP/ch09-block/loopdev.sh"
	local fs
	fs=$(stat -f -c %T "$(ch09_loop_dir)" 2>/dev/null)
	case $fs in
	tmpfs | ramfs | overlayfs)
		sk_skip_exp "$(ch09_loop_dir) is $fs: a direct-I/O loop device needs a disk filesystem underneath (set TMPDIR)"
		return 0
		;;
	esac
	if why=$(ch09_loop_unavailable "$IO_LOOP_MIB"); then
		sk_skip_exp "$why"
		return 0
	fi
	if ! "$HERE/cgroup-info" --probe io >/dev/null 2>"$SK_EXP_DIR/probe.txt"; then
		sk_skip_exp "$(sed -n 's/^[^ ]*: SKIP: //p' "$SK_EXP_DIR/probe.txt" | tail -1)"
		return 0
	fi
	ch09_loop_create "$IO_LOOP_MIB" >/dev/null
	local dev=$CH09_LOOP_DEV majmin rt=4
	((SK_QUICK)) && rt=2
	majmin=$(lsblk -dno MAJ:MIN "$dev" | tr -d ' ')
	local rbps=$((8 * 1048576)) riops=50
	# shellcheck disable=SC2054 # commas belong to io's arguments
	local common=(--filename "$dev" --direct --runtime "$rt" --i-understand-this-destroys-data)
	sk_prog "$SK_EXP_DIR/free-bw.tsv" "$SK_TOP/ch09-block/io" "${common[@]}" --rw read -b 1M || return 0
	sk_prog "$SK_EXP_DIR/limited-bw.tsv" "$HERE/cg-run" --io-max "$majmin rbps=$rbps" -- \
		"$SK_TOP/ch09-block/io" "${common[@]}" --rw read -b 1M || return 0
	sk_prog "$SK_EXP_DIR/free-iops.tsv" "$SK_TOP/ch09-block/io" "${common[@]}" --rw randread -b 4K || return 0
	sk_prog "$SK_EXP_DIR/limited-iops.tsv" "$HERE/cg-run" --io-max "$majmin riops=$riops" -- \
		"$SK_TOP/ch09-block/io" "${common[@]}" --rw randread -b 4K || return 0
	local fbw lbw fio lio
	fbw=$(tsv_eval "$SK_EXP_DIR/free-bw.tsv" 'v["job"] == "all" { x = v["bw_bytes_per_s"] } END { print x }')
	lbw=$(tsv_eval "$SK_EXP_DIR/limited-bw.tsv" 'v["job"] == "all" { x = v["bw_bytes_per_s"] } END { print x }')
	fio=$(tsv_eval "$SK_EXP_DIR/free-iops.tsv" 'v["job"] == "all" { x = v["iops"] } END { print x }')
	lio=$(tsv_eval "$SK_EXP_DIR/limited-iops.tsv" 'v["job"] == "all" { x = v["iops"] } END { print x }')
	{
		printf '# program: run.sh io-limit\n# device: %s (%s)\n' "$dev" "$majmin"
		printf 'case\tlimit_kind\tlimit\tmeasured\tunlimited\n'
		printf 'bandwidth\trbps\t%s\t%s\t%s\n' "$rbps" "$lbw" "$fbw"
		printf 'iops\triops\t%s\t%s\t%s\n' "$riops" "$lio" "$fio"
	} | sk_atomic_write "$SK_EXP_DIR/data.tsv"
	sk_check io-limit-bandwidth "sequential reads are held at io.max rbps (within $IO_LIMIT_POINTS %)" \
		"bw >= (1 - $IO_LIMIT_POINTS / 100) * limit && bw <= (1 + $IO_LIMIT_POINTS / 100) * limit && free > 2 * limit" \
		bw="$lbw" limit="$rbps" free="$fbw"
	sk_check io-limit-iops "random reads are held at io.max riops (within $IO_LIMIT_POINTS %)" \
		"iops >= (1 - $IO_LIMIT_POINTS / 100) * limit && iops <= (1 + $IO_LIMIT_POINTS / 100) * limit && free > 2 * limit" \
		iops="$lio" limit="$riops" free="$fio"
	sk_plot "$HERE/io-limit.gp" data.tsv io-limit
	sk_summary <<EOF
## io.max on a loop device

Chapter 9's io reads $dev (a $IO_LOOP_MIB MiB loop device over a scratch file, direct I/O) without a limit and inside a group with an I/O limit on that device (v2 io.max "$majmin rbps=$rbps" / v1 blkio.throttle.read_bps_device).

- 1 MiB sequential reads: $(sk_calc "$lbw / 1048576" %.2f) MiB/s limited to $(sk_calc "$rbps / 1048576" %.0f) MiB/s (unlimited $(sk_calc "$fbw / 1048576" %.0f) MiB/s)
- 4 KiB random reads: $lio IOPS limited to $riops (unlimited $fio)
EOF
}

sk_run_experiments
sk_run_finish
