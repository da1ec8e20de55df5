#!/usr/bin/env bash
# ch01-syscall/run.sh - system calls: user time vs kernel time, what one call
# costs, and what a C library costs at start-up (dynamic vs static).
#
# USAGE: ./run.sh [-q] [-c CPU] [-o RUNDIR] [-e NAME]... [-d DURATION_S]
# Experiments, each in RUNDIR/ch01-syscall/<name>/:
#   user-vs-system  loop and syscall-loop pinned to CPU while cpu-sample reads
#                   that CPU's /proc/stat line every 250 ms: %user/%system/%idle
#                   over time (sar -P cross-checks when sysstat is installed)
#   syscall-cost    ns per function call, getppid, syscall(), vDSO clock_gettime,
#                   write, open+close; medians of repetitions, pinned
#   hello           hello vs hello-static: size, ldd, syscalls (strace -c),
#                   start-up time (hyperfine -N, JSON kept)
# REQUIREMENTS: taskset (util-linux). Optional: gnuplot (plots), sysstat (sar),
#   strace, hyperfine, jq, a static libc (libc6-dev's libc.a) for hello-static.
# eg,
#   ./run.sh -q              # quick: ~15 s
#   ./run.sh -c 1 -d 10      # 10 s per loop, pinned to CPU 1
set -euo pipefail
SK_PROG=ch01-syscall/run.sh
SK_CAN_JUDGE=1   # every experiment has a judge_ function: run.sh -J RUNDIR re-judges saved data
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
HERE="$SK_TOP/ch01-syscall"
CHAPTER=ch01-syscall

SAMPLE_INTERVAL_MS=250     # issue: 100-250 ms; /proc/stat ticks are 10 ms, so 250 ms = 25 ticks

sk_experiment user-vs-system run_user_vs_system "%user vs %system of a loop and a getppid loop" loop syscall-loop cpu-sample
sk_experiment syscall-cost run_syscall_cost "ns per function call, syscall, vDSO call, write, open+close" syscall-cost
sk_experiment hello run_hello "static vs dynamic hello: size, syscalls, start-up time" hello

usage() {
	cat <<EOF
Usage: $SK_PROG [-q] [-c CPU] [-o RUNDIR] [-e NAME]... [-d DURATION_S]
System calls: user vs system time, the cost of one call, static vs dynamic start-up.

$(sk_std_usage)
  -d DURATION_S how long each loop runs in user-vs-system, 1..600 (default 5, quick 2)

Examples:
  $SK_PROG -q
  $SK_PROG -c 1 -d 10
EOF
}

duration=5
sk_opt_int d duration 1 600 2
sk_options ":qc:o:he:J:d:" "$@"
sk_driver_ready "$CHAPTER"
cpu=$SK_CPU

# ---------------------------------------------------------------------------
# 1. user-vs-system: where does the CPU's time go for a pure loop and a
#    syscall loop?
# ---------------------------------------------------------------------------
# uvs_measure: loop, then syscall-loop, pinned to $cpu for $duration s each,
# while cpu-sample reads /proc/stat from $sampler_cpu (sar beside it if installed).
uvs_measure() {
	for prog in loop syscall-loop; do
		sk_note "$prog pinned to CPU $cpu for $duration s; sampling /proc/stat from CPU $sampler_cpu"
		local sar_pid=""
		if sk_have sar; then
			LC_ALL=C S_TIME_FORMAT=ISO sar -P "$cpu" 1 "$duration" >"$SK_EXP_DIR/sar-$prog.txt" 2>&1 &
			sar_pid=$!
		fi
		sk_pin "$cpu" "$HERE/$prog" -d "$ms" 2>>"$SK_LOG" &
		local prog_pid=$!
		sk_pin "$sampler_cpu" "$HERE/cpu-sample" -c "$cpu" -i "$SAMPLE_INTERVAL_MS" \
			-d "$((ms - SAMPLE_INTERVAL_MS))" -o "$SK_EXP_DIR/samples-$prog.tsv" 2>>"$SK_LOG"
		wait "$prog_pid" || sk_die "$prog failed (see $SK_LOG)"
		if [[ -n $sar_pid ]]; then wait "$sar_pid" || true; fi
	done
}

run_user_vs_system() {
	local sampler_cpu prog ms=$((duration * 1000))
	sampler_cpu=$(sk_other_cpu "$cpu")
	sampler_cpu=${sampler_cpu:-$cpu}   # one CPU only: the sampler sleeps almost always
	sk_quietly "$cpu" uvs_measure

	# One long-format table: program, t_ms, shares.
	{
		grep '^#' "$SK_EXP_DIR/samples-loop.tsv"
		echo "# cpu_measured: $cpu"
		echo "# others_pct: $SK_OTHERS_PCT"   # (for -J: a FAIL while others were busy is a SKIP)
		awk -F'\t' -v OFS='\t' '
			FNR == 1 { prog = FILENAME; sub(/.*samples-/, "", prog); sub(/\.tsv$/, "", prog); hdr = 0 }
			/^#/ { next }
			!hdr { hdr = 1; if (!printed) { print "program", $0; printed = 1 }; next }
			{ print prog, $0 }' "$SK_EXP_DIR/samples-loop.tsv" "$SK_EXP_DIR/samples-syscall-loop.tsv"
	} | sk_atomic_write "$SK_EXP_DIR/data.tsv"
	rm -f "$SK_EXP_DIR"/samples-*.tsv
	judge_user_vs_system
}

# From data.tsv (and sar's files): summary, verdicts, plot. Also what -J runs.
judge_user_vs_system() {
	local col summary="$SK_EXP_DIR/summary.tsv" cpu
	cpu=$(sk_meta "$SK_EXP_DIR/data.tsv" cpu_measured)
	SK_OTHERS_PCT=$(sk_meta "$SK_EXP_DIR/data.tsv" others_pct) SK_OTHERS_CPUS=$cpu
	{
		printf 'program\tshare\tn\tmedian\tp10\tp90\tmin\tmax\tmean\n'
		for col in user_pct system_pct idle_pct; do
			sk_summarize -b program -v "$col" "$SK_EXP_DIR/data.tsv" | awk -v c="$col" -F'\t' -v OFS='\t' 'NR > 1 { $1 = $1 OFS c; print }'
		done
	} | sk_atomic_write "$summary"

	local lu ls li su ss si
	share_median() { awk -F'\t' -v p="${1%/*}" -v s="${1#*/}" '$1 == p && $2 == s {print $4}' "$summary"; }   # PROGRAM/SHARE
	sk_let share_median lu=loop/user_pct ls=loop/system_pct li=loop/idle_pct \
		su=syscall-loop/user_pct ss=syscall-loop/system_pct si=syscall-loop/idle_pct

	local sar_note=""
	if [[ -f $SK_EXP_DIR/sar-loop.txt ]]; then
		local sar_l sar_s
		sar_l=$(awk '/^Average:/ && $2 ~ /^[0-9]+$/ {print $3 "/" $5}' "$SK_EXP_DIR/sar-loop.txt")
		sar_s=$(awk '/^Average:/ && $2 ~ /^[0-9]+$/ {print $3 "/" $5}' "$SK_EXP_DIR/sar-syscall-loop.txt")
		[[ -n $sar_l && -n $sar_s ]] && sar_note="sar -P $cpu %user/%system: loop $sar_l, syscall-loop $sar_s"
	else
		sar_note="sar not installed (sysstat): no cross-check"
	fi

	sk_check loop-user "loop runs in user mode" 'user_pct >= 90' user_pct="$lu" \
		--observed "${lu} %user, ${ls} %system, ${li} %idle (median of ${SAMPLE_INTERVAL_MS} ms samples, CPU $cpu)" \
		--note "$sar_note" --load-sensitive
	sk_check syscall-loop-kernel "syscall-loop spends a large share in the kernel" \
		'sys_pct >= 20 && sys_pct >= 10 * (loop_sys_pct + 1)' sys_pct="$ss" loop_sys_pct="$ls" \
		--observed "${su} %user, ${ss} %system, ${si} %idle (CPU $cpu); the loop alone: ${ls} %system" \
		--note "the rest is the user-mode half of each call: libc wrapper, entry/exit stubs" --load-sensitive

	sk_plot "$HERE/user-vs-system.gp" data.tsv user-vs-system
	sk_summary <<EOF
## User time vs system time (CPU $cpu)

A loop that never leaves user mode and a loop that calls getppid() without pause, each pinned to CPU $cpu for a few seconds; every ${SAMPLE_INTERVAL_MS} ms the CPU's /proc/stat line tells how its time was split. The pure loop shows ${lu} %user; the syscall loop ${ss} %system and ${su} %user: each call crosses into the kernel and back, and the kernel charges the tick to whichever mode the CPU was in when it fired.

- loop: ${lu} %user, ${ls} %system, ${li} %idle (medians)
- syscall-loop: ${su} %user, ${ss} %system, ${si} %idle
- ${sar_note}
EOF
}

# ---------------------------------------------------------------------------
# 2. syscall-cost: ns per operation
# ---------------------------------------------------------------------------
run_syscall_cost() {
	sk_prog "$SK_EXP_DIR/data.tsv" sk_pin "$cpu" "$HERE/syscall-cost" "${SK_QOPT[@]}" || return 0
	judge_syscall_cost
}

judge_syscall_cost() {
	local cpu
	cpu=$(sk_meta "$SK_EXP_DIR/data.tsv" cpus_used)
	sk_summarize -b op -v ns_per_op "$SK_EXP_DIR/data.tsv" | sk_atomic_write "$SK_EXP_DIR/summary.tsv"
	local s="$SK_EXP_DIR/summary.tsv" fn gp sgp vdso sclk wr oc
	fn=$(sk_tsv_get "$s" op function_call median)
	gp=$(sk_tsv_get "$s" op getppid median)
	sgp=$(sk_tsv_get "$s" op syscall_getppid median)
	vdso=$(sk_tsv_get "$s" op vdso_clock_gettime median)
	sclk=$(sk_tsv_get "$s" op syscall_clock_gettime median)
	wr=$(sk_tsv_get "$s" op write_devnull median)
	oc=$(sk_tsv_get "$s" op open_close median)

	sk_check syscall-vs-call "a system call costs far more than a function call" \
		'getppid_ns >= 10 * call_ns && getppid_ns >= 20' getppid_ns="$gp" call_ns="$fn" \
		--observed "getppid $gp ns vs function call $fn ns ($(sk_calc "$gp / ($fn > 0.01 ? $fn : 0.01)" %.0f)x)"
	# The vDSO reads the clock in user mode only with a clocksource it can read
	# there (tsc, kvm-clock, arch_sys_counter); with hpet, acpi_pm or xen it
	# falls back to the system call, and there is nothing to see.
	local cs
	cs=$(sk_run_meta .clocksource)
	case $cs in
	tsc | kvm-clock | arch_sys_counter | hyperv_clocksource_tsc_page | "")
		sk_check vdso-avoids-kernel "the vDSO avoids the kernel entry" 'syscall_ns >= 1.5 * vdso_ns' \
			syscall_ns="$sclk" vdso_ns="$vdso" --observed "syscall $sclk ns vs vDSO $vdso ns ($(sk_calc "$sclk / ($vdso > 0.01 ? $vdso : 0.01)" %.1f)x)" \
			--note "clocksource ${cs:-unknown}"
		sk_check syscall-vs-vdso "a null syscall costs more than a vDSO call" 'getppid_ns > vdso_ns' \
			getppid_ns="$gp" vdso_ns="$vdso"
		;;
	*)
		sk_verdict -i vdso-avoids-kernel "the vDSO avoids the kernel entry" "syscall >= 1.5 x vDSO" \
			"syscall $sclk ns vs vDSO $vdso ns" SKIP "clocksource $cs cannot be read from user mode: the vDSO falls back to the system call"
		sk_verdict -i syscall-vs-vdso "a null syscall costs more than a vDSO call" "getppid > vDSO" \
			"getppid $gp ns vs vDSO $vdso ns" SKIP "clocksource $cs: no vDSO clock here"
		;;
	esac

	sk_plot "$HERE/syscall-cost.gp" summary.tsv syscall-cost
	sk_summary <<EOF
## The cost of a system call (CPU $cpu)

Each bar is the median of repeated, time-bounded runs (error bars: 10th to 90th percentile), with the clock read and the bare loop subtracted. Entering the kernel and coming back costs $gp ns for getppid() ($sgp ns through syscall(2)), against $fn ns for a function call. clock_gettime through the vDSO reads the clock in user mode for $vdso ns; forced through the kernel it costs $sclk ns. A 1-byte write to /dev/null costs $wr ns and open+close of a file $oc ns (path lookup).

- getppid: $gp ns; syscall(SYS_getppid): $sgp ns; function call: $fn ns
- clock_gettime: vDSO $vdso ns, syscall $sclk ns
- write 1 B to /dev/null: $wr ns; open+close: $oc ns
EOF
}

# ---------------------------------------------------------------------------
# 3. hello: dynamic vs static
# ---------------------------------------------------------------------------
run_hello() {
	local variants=(hello) v runs=1000 warmup=50
	((SK_QUICK)) && runs=200 warmup=20
	[[ -x $HERE/hello-static ]] && variants+=(hello-static)

	local have_strace=0 have_hf=0
	sk_have strace && have_strace=1
	sk_have hyperfine && have_hf=1
	if ((have_hf)); then
		local cmds=()
		for v in "${variants[@]}"; do cmds+=("$HERE/$v"); done
		sk_note "hyperfine -N: $runs runs of each, pinned to CPU $cpu"
		sk_pin "$cpu" hyperfine -N --style basic --warmup "$warmup" --runs "$runs" \
			--export-json "$SK_EXP_DIR/hyperfine.json" "${cmds[@]}" >>"$SK_LOG" 2>&1 ||
			{ sk_warn "hyperfine failed (see $SK_LOG)"; have_hf=0; }
	fi
	local hf_stats=""   # a row per variant: command, median, p10, p90, min [us]
	if ((have_hf)) && sk_have jq; then hf_stats=$(sk_hyperfine_stats "$SK_EXP_DIR/hyperfine.json" us 1); fi

	{
		printf '# program: run.sh hello\n# cpu: %s\n# hyperfine_runs: %s\n# strace: %s\n# hyperfine: %s\n' \
			"$cpu" "$runs" "$have_strace" "$have_hf"
		printf 'variant\tsize_bytes\tdynamic\tsyscalls\tstartup_median_us\tstartup_p10_us\tstartup_p90_us\tstartup_min_us\n'
		local i=0
		for v in "${variants[@]}"; do
			local size dyn calls="NaN" med="NaN" p10="NaN" p90="NaN" min="NaN"
			size=$(stat -c %s "$HERE/$v")
			if ldd "$HERE/$v" >"$SK_EXP_DIR/ldd-$v.txt" 2>&1; then dyn=yes; else dyn=no; fi
			if ((have_strace)); then
				strace -f -c -o "$SK_EXP_DIR/strace-$v.txt" "$HERE/$v" >/dev/null 2>>"$SK_LOG" &&
					calls=$(awk '$NF == "total" {print $4}' "$SK_EXP_DIR/strace-$v.txt")
			fi
			if [[ -n $hf_stats ]]; then
				IFS=$'\t' read -r _ med p10 p90 min < <(sed -n "$((i + 1))p" <<<"$hf_stats")
			elif ((have_hf)); then
				med=$(awk -v i="$i" '/"median"/ { if (n++ == i) { gsub(/[^0-9.eE+-]/, "", $2); printf "%.1f", $2 * 1e6 } }' "$SK_EXP_DIR/hyperfine.json")
				min=$(awk -v i="$i" '/"min"/ { if (n++ == i) { gsub(/[^0-9.eE+-]/, "", $2); printf "%.1f", $2 * 1e6 } }' "$SK_EXP_DIR/hyperfine.json")
			fi
			printf '%s\t%s\t%s\t%s\t%s\t%s\t%s\t%s\n' "$v" "$size" "$dyn" "${calls:-NaN}" "$med" "$p10" "$p90" "$min"
			i=$((i + 1))
		done
	} | sk_atomic_write "$SK_EXP_DIR/data.tsv"
	judge_hello
}

judge_hello() {
	local d="$SK_EXP_DIR/data.tsv" ds ss dc sc dm sm dmin smin cpu runs have_strace have_hf
	cpu=$(sk_meta "$d" cpu) runs=$(sk_meta "$d" hyperfine_runs)
	have_strace=$(sk_meta "$d" strace) have_hf=$(sk_meta "$d" hyperfine)
	ds=$(sk_tsv_get "$d" variant hello size_bytes)
	dc=$(sk_tsv_get "$d" variant hello syscalls)
	dm=$(sk_tsv_get "$d" variant hello startup_median_us)
	dmin=$(sk_tsv_get "$d" variant hello startup_min_us)
	if [[ -n $(sk_tsv_get "$d" variant hello-static size_bytes) ]]; then
		ss=$(sk_tsv_get "$d" variant hello-static size_bytes)
		sc=$(sk_tsv_get "$d" variant hello-static syscalls)
		sm=$(sk_tsv_get "$d" variant hello-static startup_median_us)
		smin=$(sk_tsv_get "$d" variant hello-static startup_min_us)
		sk_check static-size "a static binary carries its libc" 'static_bytes > 10 * dynamic_bytes' \
			static_bytes="$ss" dynamic_bytes="$ds" \
			--observed "static $ss B vs dynamic $ds B ($(sk_calc "$ss / $ds" %.0f)x)"
		sk_check static-syscalls "static start-up needs fewer system calls (no ld.so, no mmap of libc)" \
			'static_calls < dynamic_calls' static_calls="$sc" dynamic_calls="$dc" \
			--absent "$( ((have_strace)) && echo "strace -c gave no count" || echo "install strace")"
		# Judged on the fastest run of each: hyperfine runs all of one binary,
		# then all of the other, so a slow spell of the host hits one of them
		# only; other load can only add time. (In a PVM guest, where each exec
		# costs 2-3 ms, the medians came out either way round; the minimums
		# kept static below dynamic: 1.3-1.8 vs 2.0-2.5 ms.)
		sk_check static-startup "static start-up is faster (no dynamic linking)" 'static_us < dynamic_us' --load-sensitive \
			static_us="$smin" dynamic_us="$dmin" \
			--observed "fastest of $runs runs: static $smin us vs dynamic $dmin us; medians $sm vs $dm us (hyperfine -N, CPU $cpu)" \
			--absent "$( ((have_hf)) && echo "hyperfine gave no time" || echo "install hyperfine")"
		((have_hf)) && sk_plot "$HERE/hello.gp" data.tsv hello
	else
		sk_verdict -i static-build "static build" "hello-static built" "not built" SKIP "no static libc (libc.a) for this compiler"
	fi
	sk_summary <<EOF
## Hello world, dynamic vs static

The same program linked against the shared C library and statically. The dynamic binary is $ds bytes and asks ld.so to map libc at start-up (${dc} system calls under strace); the static one is ${ss:-?} bytes, carries its libc, and makes ${sc:-?} calls. Start-up, measured by hyperfine -N without a shell, median of $runs runs: dynamic ${dm} us, static ${sm:-?} us; fastest run: dynamic ${dmin} us, static ${smin:-?} us. On a VM much of it is glibc's CPU-feature probing (CPUID traps to the hypervisor), which both pay.
EOF
}

sk_run_experiments
sk_run_finish
