#!/usr/bin/env bash
# ch09-block/run.sh - the block layer: block size, queue depth, the page cache,
# readahead and the I/O scheduler, measured with io (and fio beside it).
#
# USAGE: ./run.sh [-q] [-c CPU] [-o RUNDIR] [-e NAME]... [-s SIZE_MIB] [-d SECONDS] [-r REPS]
# Experiments, each in RUNDIR/ch09-block/<name>/:
#   bs-sweep    direct read/randread/write/randwrite, 4 KiB .. 1 MiB: bandwidth
#               and IOPS vs block size (fio's randread beside ours)
#   qdepth      4 KiB direct random reads at iodepth 1 .. 64 (io_uring): IOPS,
#               latency, and Little's law (in flight = IOPS x mean latency)
#   pagecache   the same 1 MiB sequential read buffered cold, buffered warm,
#               direct: bandwidth and the bytes the device really moved
#   readahead   buffered sequential read with read_ahead_kb 0, 128 and the
#               device default: bandwidth and average device request size
#   scheduler   every scheduler the device offers, 4 KiB direct random writes,
#               numjobs 1 .. 2 x CPUs: IOPS, mean and p99 latency, % vs none
# bs-sweep, qdepth and pagecache use a scratch file the driver creates; readahead
# and scheduler change device settings, so they use a loop device the driver
# creates over its own scratch file (losetup --direct-io=on), restore every
# setting and detach it on every exit path. The system disk is never changed.
# REQUIREMENTS: taskset; root and losetup for readahead and scheduler (else
#   SKIP). Optional: fio + jq (cross-check), gnuplot (plots), liburing (qdepth).
# eg,
#   ./run.sh -q              # quick: ~1 minute, 512 MiB of scratch space (3 runs per point)
#   ./run.sh -e qdepth -d 5  # one experiment, 5 s per point
set -euo pipefail
SK_PROG=ch09-block/run.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=ch09-block/loopdev.sh
source "$SK_TOP/ch09-block/loopdev.sh"
HERE="$SK_TOP/ch09-block"
CHAPTER=ch09-block
IO="$HERE/io"

sk_experiment bs-sweep run_bs_sweep "bandwidth and IOPS vs block size, seq/rand x read/write, direct" io
sk_experiment qdepth run_qdepth "IOPS and latency vs queue depth 1..64, Little's law" io
sk_experiment pagecache run_pagecache "the same read buffered cold, buffered warm, direct" io
sk_experiment readahead run_readahead "read_ahead_kb 0 vs 128 vs default on a loop device" io root cmd:losetup
sk_experiment scheduler run_scheduler "every I/O scheduler x numjobs, 4 KiB direct random writes, loop device" io root cmd:losetup

usage() {
	cat <<EOF
Usage: $SK_PROG [-q] [-c CPU] [-o RUNDIR] [-e NAME]... [-s SIZE_MIB] [-d SECONDS] [-r REPS]
The block layer: block size, queue depth, page cache, readahead, I/O schedulers.

$(sk_std_usage)
  -s SIZE_MIB   size of the scratch file and of the loop device, 64..4096
                (default 512, quick 256: at most twice this much disk is used)
  -d SECONDS    measuring time per run, 1..60 (default 2; quick: 0.25 s)
  -r REPS       runs per point, 1..20 (default 5; quick: 3): each point is the
                run with the median IOPS, its spread (min, max) kept beside it

Examples:
  $SK_PROG -q
  $SK_PROG -e readahead -e scheduler -s 1024
EOF
}

size_mib=512 secs=2 reps=5
sk_opt_int s size_mib 64 4096 256
sk_opt_int d secs 1 60 0.25
sk_opt_int r reps 1 20 3
sk_options ":qc:o:he:s:d:r:" "$@"
ramp=$( ((SK_QUICK)) && echo 0 || echo 0.5)
sk_driver_ready "$CHAPTER" io
cpu=$SK_CPU
ncpu=$(nproc)
have_fio=0
if sk_have fio && sk_have jq; then have_fio=1; fi

# ---------------------------------------------------------------------------
# Shared set-up, made on first use and removed on every exit path.
# ---------------------------------------------------------------------------
DATA_FILE="" WHY=""
# need_data_file: a filled scratch file of size_mib on the disk $TMPDIR is on.
# Returns 1 with the reason in WHY when there is not enough free space. (Not
# in $( ): the cleanup must register in this shell.)
need_data_file() {
	[[ -n $DATA_FILE ]] && return 0
	local base=${TMPDIR:-/var/tmp} avail dir
	avail=$(df -Pk "$base" | awk 'NR == 2 { printf "%d", $4 / 1024 }')
	if ((avail < size_mib + CH09_LOOP_RESERVE_MIB)); then
		WHY="a ${size_mib} MiB scratch file needs $((size_mib + CH09_LOOP_RESERVE_MIB)) MiB free in $base; only ${avail} MiB is"
		return 1
	fi
	dir=$(mktemp -d "$base/shikumi-ch09.XXXXXX") || sk_die "cannot create a directory in $base"
	sk_cleanup_push "rm -rf '$dir'"
	DATA_FILE=$dir/data
	truncate -s "${size_mib}M" "$DATA_FILE"
	# Written in full, not sparse: holes read back without any device I/O.
	"$IO" --filename "$DATA_FILE" --rw write -b 1M --io-size "${size_mib}M" --fsync 64 \
		--i-understand-this-destroys-data >/dev/null 2>>"$SK_LOG" || sk_die "cannot fill $DATA_FILE"
	sk_note "scratch file $DATA_FILE: $size_mib MiB used in $base (${avail} MiB were free)"
}

LOOP=""
# need_loop: the loop device (returns 1 with the reason in WHY if impossible).
need_loop() {
	[[ -n $LOOP ]] && return 0
	if WHY=$(ch09_loop_unavailable "$size_mib"); then return 1; fi
	ch09_loop_create "$size_mib" >/dev/null 2>>"$SK_LOG"
	LOOP=$CH09_LOOP_DEV
	sk_note "loop device $LOOP over $CH09_LOOP_FILE ($size_mib MiB)"
}

# ch09_io NAME KEYS VALUES IO-ARGS...: run io $reps times (each run's full TSV
# kept in raw/NAME.rK.tsv) and append the 'all' rows of the run with the median
# IOPS to data.tsv behind the columns tool + KEYS (tab-separated names) = io +
# VALUES, with the number of runs and the lowest and highest IOPS of them. A
# whole run, not a median per column: its invariants (IOPS x bs = bandwidth,
# Little's law) still hold in the row. Returns 4 if io skipped.
ch09_io() {
	local name=$1 keys=$2 vals=$3 rc=0 r spread
	shift 3
	mkdir -p "$SK_EXP_DIR/raw"
	local -a pin=(sk_pin "$cpu") runs=()
	[[ " $* " == *" -n "* ]] && pin=()   # several jobs: all allowed CPUs
	for ((r = 1; r <= reps; r++)); do
		sk_prog "$SK_EXP_DIR/raw/$name.r$r.tsv" "${pin[@]}" "$IO" --quiet "$@" || rc=$?
		((rc == 0)) || return "$rc"
		runs+=("$SK_EXP_DIR/raw/$name.r$r.tsv")
	done
	# "FILE<TAB>IOPS" per run, sorted by IOPS: the middle one, and the extremes
	spread=$(awk -F'\t' 'FNR == 1 { h = 0 } /^#/ { next }
		!h { h = 1; for (i = 1; i <= NF; i++) c[$i] = i; next }
		$1 == "all" && !(FILENAME in done) { done[FILENAME] = 1; print FILENAME "\t" $c["iops"] }' "${runs[@]}" |
		sort -t$'\t' -k2,2g)
	local med lo hi n
	n=$(wc -l <<<"$spread")
	((n == reps)) || sk_die "io $name: $n of $reps runs have an 'all' row"
	med=$(sed -n "$(((n + 1) / 2))p" <<<"$spread" | cut -f1)
	lo=$(head -n1 <<<"$spread" | cut -f2)
	hi=$(tail -n1 <<<"$spread" | cut -f2)
	ch09_append "$med" "$keys" "$vals" io "$reps" "$lo" "$hi"
}

# The columns of data.tsv after tool and the keys: io's own, then per row the
# bytes issued and what the device did (from the run's preamble).
ch09_append() {
	local raw=$1 keys=$2 vals=$3 tool=$4 nrun=$5 lo=$6 hi=$7 out="$SK_EXP_DIR/data.tsv"
	if [[ ! -f $out ]]; then
		{
			grep -E '^# (program|version|date|host|kernel|device|device_[a-z_]+|engine|direct|target_bytes|region_per_job|ramp_s|runtime_s):' "$raw" |
				grep -vE '^# device_(read|write)_|^# device_time_in_queue' || true
			echo "# note: io: each point is the run with the median IOPS of 'runs' runs (iops_min, iops_max: the lowest and highest); every run's full TSV (preamble, invariants) is raw/NAME.rK.tsv; fio: one run"
			awk -F'\t' -v OFS='\t' -v k="$keys" '/^#/ { next } { print (k == "" ? "tool" : "tool" OFS k), $0, "issued_bytes", "dev_bytes", "dev_requests", "dev_merges", "runs", "iops_min", "iops_max"; exit }' "$raw"
		} >"$out"
	fi
	awk -F'\t' -v OFS='\t' -v v="$vals" -v tool="$tool" -v nrun="$nrun" -v lo="$lo" -v hi="$hi" '
		/^# issued_read_bytes: / { ib["read"] = $0; sub(/.*: /, "", ib["read"]) }
		/^# issued_write_bytes: / { ib["write"] = $0; sub(/.*: /, "", ib["write"]) }
		/^# device_(read|write)_(bytes|requests|merges): / {
			split($0, a, /: /); key = a[1]; sub(/^# device_/, "", key); dv[key] = a[2] }
		/^#/ { next }
		!h { h = 1; for (i = 1; i <= NF; i++) c[$i] = i; next }
		$1 == "all" {
			op = $c["op"]
			print (v == "" ? tool : tool OFS v), $0, ib[op], (op "_bytes" in dv) ? dv[op "_bytes"] : "NaN",
				(op "_requests" in dv) ? dv[op "_requests"] : "NaN", (op "_merges" in dv) ? dv[op "_merges"] : "NaN",
				nrun, lo, hi
		}' "$raw" >>"$out"
}

# ch09_fio NAME KEYS VALUES FIO-ARGS...: the same job through fio (JSON kept
# in raw/NAME.fio.json), one row per op in data.tsv with tool = fio.
ch09_fio() {
	local name=$1 keys=$2 vals=$3 json
	shift 3
	((have_fio)) || return 0
	mkdir -p "$SK_EXP_DIR/raw"
	json=$SK_EXP_DIR/raw/$name.fio.json
	echo "+ fio $*" >>"$SK_LOG"
	sk_pin "$cpu" fio --output-format=json --lat_percentiles=1 --group_reporting "$@" >"$json" 2>>"$SK_LOG" ||
		{ sk_warn "fio $name failed (see $SK_LOG)"; return 0; }
	jq -r --arg v "$vals" '.jobs[0] as $j | ["read", "write"][] as $op | $j[$op] | select(.total_ios > 0) |
		[ "fio" ] + (if $v == "" then [] else [$v] end) + [ "all", ($j["job options"].rw // "?"), $op, ($j["job options"].bs // "?"),
		  ($j["job options"].iodepth // "1"), ($j["job options"].numjobs // "1"),
		  .total_ios, .io_bytes, (.runtime * 1000000), .iops, .bw_bytes, .lat_ns.min, .lat_ns.mean,
		  (.lat_ns.percentile["50.000000"] // "n/a"), (.lat_ns.percentile["90.000000"] // "n/a"),
		  (.lat_ns.percentile["99.000000"] // "n/a"), (.lat_ns.percentile["99.900000"] // "n/a"),
		  (.lat_ns.percentile["99.990000"] // "n/a"), .lat_ns.max, (.iops * .lat_ns.mean / 1e9),
		  .io_bytes, "NaN", "NaN", "NaN", 1, .iops, .iops ] | map(tostring) | join("\t")' "$json" >>"$SK_EXP_DIR/data.tsv"
}

# col FILTER COL: COL of the first data.tsv row matching the awk FILTER over named columns
# (e.g. col 'tool == "io" && rw == "randread" && bs_bytes == 4096' iops).
col() {
	awk -F'\t' -v want="$2" -v filter="$1" '
		/^#/ { next }
		!h { h = 1; for (i = 1; i <= NF; i++) c[$i] = i; n = split(filter, w, /&&/); next }
		{
			okay = 1
			for (i = 1; i <= n; i++) {
				f = w[i]; gsub(/^ +| +$/, "", f); split(f, kv, / *== */)
				val = kv[2]; gsub(/"/, "", val)
				if ($(c[kv[1]]) != val) { okay = 0; break }
			}
			if (okay) { print $(c[want]); exit }
		}' "$SK_EXP_DIR/data.tsv"
}

# fio's bs/iodepth in its JSON are strings as given: pass them in bytes.
# (times in ms: fio reads "0.25" as 0 seconds)
fio_common() {
	echo "--name=ch09 --filename=$1 --size=$2 --runtime=$(sk_calc "$secs * 1000" %.0f)ms --time_based" \
		"--ramp_time=$(sk_calc "$ramp * 1000" %.0f)ms --randrepeat=0 --invalidate=1"
}

# ---------------------------------------------------------------------------
# 1. bs-sweep: bandwidth and IOPS vs block size
# ---------------------------------------------------------------------------
run_bs_sweep() {
	local bs rw bss
	need_data_file || { sk_skip_exp "$WHY"; return 0; }
	if ((SK_QUICK)); then bss="4096 65536 1048576"; else bss="4096 8192 16384 32768 65536 131072 262144 524288 1048576"; fi
	for rw in read randread write randwrite; do
		for bs in $bss; do
			ch09_io "$rw-$bs" "" "" --filename "$DATA_FILE" --rw "$rw" -b "$bs" --direct \
				--runtime "$secs" --ramp "$ramp" --i-understand-this-destroys-data || return 0
		done
	done
	for bs in 4096 1048576; do
		# shellcheck disable=SC2046 # fio_common is a word list
		ch09_fio "fio-randread-$bs" "" "" $(fio_common "$DATA_FILE" "${size_mib}M") --rw=randread --bs="$bs" \
			--direct=1 --ioengine=psync
	done
	local bw4 bw1m io4 io1m fbw4 maxerr best4 best1m
	bw4=$(col 'tool == "io" && rw == "randread" && bs_bytes == 4096' bw_bytes_per_s)
	bw1m=$(col 'tool == "io" && rw == "randread" && bs_bytes == 1048576' bw_bytes_per_s)
	io4=$(col 'tool == "io" && rw == "randread" && bs_bytes == 4096' iops)
	io1m=$(col 'tool == "io" && rw == "randread" && bs_bytes == 1048576' iops)
	fbw4=$(col 'tool == "fio" && bs_bytes == 4096' bw_bytes_per_s)
	maxerr=$(awk -F'\t' '/^#/ { next } !h { h = 1; for (i = 1; i <= NF; i++) c[$i] = i; next }
		$1 == "io" && $c["bw_bytes_per_s"] > 0 { e = ($c["iops"] * $c["bs_bytes"] - $c["bw_bytes_per_s"]) / $c["bw_bytes_per_s"]
			if (e < 0) e = -e; if (e > m) m = e } END { printf "%.6f", m + 0 }' "$SK_EXP_DIR/data.tsv")
	sk_check bw-grows "bandwidth grows with the block size (random reads)" 'bw_1m >= 3 * bw_4k' \
		bw_1m="$bw1m" bw_4k="$bw4" \
		--observed "$(sk_calc "$bw4 / 1048576" %.1f) MiB/s at 4 KiB, $(sk_calc "$bw1m / 1048576" %.1f) MiB/s at 1 MiB"
	# the best of the four patterns at each end: one slow run on a busy host must not decide
	best4=$(awk -F'\t' '/^#/ { next } !h { h = 1; for (i = 1; i <= NF; i++) c[$i] = i; next }
		$1 == "io" && $c["bs_bytes"] == 4096 && $c["iops"] > m { m = $c["iops"] } END { print m + 0 }' "$SK_EXP_DIR/data.tsv")
	best1m=$(awk -F'\t' '/^#/ { next } !h { h = 1; for (i = 1; i <= NF; i++) c[$i] = i; next }
		$1 == "io" && $c["bs_bytes"] == 1048576 && $c["iops"] > m { m = $c["iops"] } END { print m + 0 }' "$SK_EXP_DIR/data.tsv")
	sk_check iops-falls "IOPS fall as the block size grows (each I/O carries more)" 'best_iops_4k >= 1.5 * best_iops_1m' \
		best_iops_4k="$best4" best_iops_1m="$best1m" --note "best of read, randread, write, randwrite at each size"
	sk_check iops-x-bs "invariant: IOPS x bs = bandwidth in every run" 'max_rel_err < 0.001' max_rel_err="$maxerr"
	sk_check fio-agrees "fio measures the same 4 KiB random-read bandwidth (within 2x on a shared machine)" \
		'ours >= 0.5 * fio && ours <= 2 * fio' ours="$bw4" fio="$fbw4" \
		--absent "$( ((have_fio)) && echo "fio gave no number" || echo "fio or jq not installed")"
	sk_plot "$HERE/bs-sweep.gp" data.tsv bs-sweep
	sk_summary <<EOF
## Bandwidth and IOPS vs block size (direct I/O)

Each point: the median (by IOPS) of ${reps} runs of ${secs} s of \`io --direct\` (psync, one I/O in flight) on a ${size_mib} MiB scratch file on $(sk_meta "$SK_EXP_DIR/data.tsv" device) ($(sk_meta "$SK_EXP_DIR/data.tsv" device_kind)).
Random 4 KiB reads: ${io4} IOPS = $(sk_calc "$bw4 / 1048576" %.1f) MiB/s; random 1 MiB reads: ${io1m} IOPS = $(sk_calc "$bw1m / 1048576" %.1f) MiB/s.
A small I/O pays a fixed cost (system call, block layer, the device's own per-command time, on a VM the exit to the host) that a large one spreads over more bytes: IOPS fall slowly while bandwidth grows almost linearly until the device's transfer rate takes over.
On a disk with a seek, random would lose to sequential at small sizes; on flash or a virtual disk the two lines nearly coincide.
EOF
}

# ---------------------------------------------------------------------------
# 2. qdepth: IOPS and latency vs queue depth
# ---------------------------------------------------------------------------
run_qdepth() {
	local d rc=0
	need_data_file || { sk_skip_exp "$WHY"; return 0; }
	ch09_io "psync-qd1" "" "" --filename "$DATA_FILE" --rw randread --direct --runtime "$secs" --ramp "$ramp" || return 0
	local depths="1 2 4 8 16 32 64"
	((SK_QUICK)) && depths="1 4 16 32 64"
	for d in $depths; do
		ch09_io "uring-qd$d" "" "" --filename "$DATA_FILE" --rw randread --direct --engine io_uring \
			--iodepth "$d" --runtime "$secs" --ramp "$ramp" || { rc=$?; break; }
		((SK_QUICK)) && [[ $d != 1 && $d != 32 ]] && continue   # quick: fio at QD1 and QD32 only
		# shellcheck disable=SC2046
		ch09_fio "fio-qd$d" "" "" $(fio_common "$DATA_FILE" "${size_mib}M") --rw=randread --bs=4096 \
			--direct=1 --ioengine=io_uring --iodepth="$d"
	done
	((rc == 0)) || return 0
	# engine column: psync row first, io_uring after (the TSV keeps the order)
	local i1 i32 l1 l64 lmin lmax f32
	i1=$(col 'tool == "io" && iodepth == 1' iops)
	i32=$(col 'tool == "io" && iodepth == 32' iops)
	l1=$(col 'tool == "io" && iodepth == 1' lat_mean_ns)
	l64=$(col 'tool == "io" && iodepth == 64' lat_mean_ns)
	f32=$(col 'tool == "fio" && iodepth == 32' iops)
	read -r lmin lmax < <(awk -F'\t' '/^#/ { next } !h { h = 1; for (i = 1; i <= NF; i++) c[$i] = i; next }
		$1 == "io" { r = $c["inflight_mean"] / $c["iodepth"]; if (n++ == 0 || r < lo) lo = r; if (r > hi) hi = r }
		END { printf "%.3f %.3f\n", lo, hi }' "$SK_EXP_DIR/data.tsv")
	sk_check qd-scales "a deeper queue raises IOPS (the device works on several I/Os at once)" \
		'iops_qd32 >= 2 * iops_qd1' iops_qd32="$i32" iops_qd1="$i1"
	# Latency only has to grow once more depth stops buying IOPS: a host that
	# still scales from QD32 to QD64 is not saturated, and there is nothing to see.
	local i64 l32 sat
	i64=$(col 'tool == "io" && iodepth == 64' iops)
	l32=$(col 'tool == "io" && iodepth == 32' lat_mean_ns)
	sat=$(awk -v a="$i64" -v b="$i32" 'BEGIN { if (a + 0 > 0 && b + 0 > 0) printf "%.3f", a / b; else print "NaN" }')
	if sk_is_number "$sat" && awk -v s="$sat" 'BEGIN { exit !(s >= 1.5) }'; then
		sk_verdict -i qd-latency "latency grows with the queue once the device is saturated" "lat_qd64 >= 1.3 * lat_qd32" \
			"IOPS still grew ${sat}x from QD32 to QD64" SKIP "the device is not saturated at QD64 (saturated: < 1.5x), so latency need not grow yet"
	else
		sk_check qd-latency "latency grows with the queue once the device is saturated" 'lat_qd64 >= 1.3 * lat_qd32' \
			lat_qd64="$l64" lat_qd32="$l32" --note "IOPS QD64 / QD32 = $sat; Little's law: latency = depth / IOPS"
	fi
	sk_check little "Little's law: IOPS x mean latency = I/Os in flight = iodepth (every depth)" \
		'min_ratio >= 0.7 && max_ratio <= 1.1' min_ratio="$lmin" max_ratio="$lmax" \
		--observed "(IOPS x mean latency) / iodepth between $lmin and $lmax"
	sk_check fio-qd32 "fio at QD32 agrees (within 2x on a shared machine)" 'ours >= 0.5 * fio && ours <= 2 * fio' \
		ours="$i32" fio="$f32" --absent "$( ((have_fio)) && echo "fio gave no number" || echo "fio or jq not installed")"
	sk_plot "$HERE/qdepth.gp" data.tsv qdepth
	sk_summary <<EOF
## Queue depth: IOPS, latency and Little's law

4 KiB direct random reads, io_uring, the median of ${reps} runs of ${secs} s per depth, on $(sk_meta "$SK_EXP_DIR/data.tsv" device).
QD1: ${i1} IOPS at $(sk_calc "$l1 / 1000" %.1f) us mean; QD32: ${i32} IOPS; QD64: $(sk_calc "$l64 / 1000" %.1f) us mean.
With one I/O in flight the device idles between them (the round trip through the kernel and, on a VM, the host); more in flight overlap those waits until the device or the host's I/O thread is busy all the time. From then on more depth only lengthens the queue: latency = depth / IOPS (Little's law, the straight line in the right panel).
EOF
}

# ---------------------------------------------------------------------------
# 3. pagecache: buffered cold, buffered warm, direct
# ---------------------------------------------------------------------------
run_pagecache() {
	need_data_file || { sk_skip_exp "$WHY"; return 0; }
	local common=(--filename "$DATA_FILE" --rw read -b 1M --io-size "${size_mib}M")
	ch09_io cold "case" cold "${common[@]}" --invalidate 1 || return 0
	ch09_io warm "case" warm "${common[@]}" --invalidate 0 || return 0
	ch09_io direct "case" direct "${common[@]}" --direct || return 0
	local d="$SK_EXP_DIR/data.tsv" cbw wbw dbw cdev wdev ddev iss
	cbw=$(col 'case == "cold"' bw_bytes_per_s); wbw=$(col 'case == "warm"' bw_bytes_per_s); dbw=$(col 'case == "direct"' bw_bytes_per_s)
	cdev=$(col 'case == "cold"' dev_bytes); wdev=$(col 'case == "warm"' dev_bytes); ddev=$(col 'case == "direct"' dev_bytes)
	iss=$(col 'case == "cold"' issued_bytes)
	sk_check cold-from-device "a cold buffered read comes from the device" 'dev >= 0.9 * issued' dev="$cdev" issued="$iss"
	sk_check warm-from-cache "the second read comes from the page cache: the device moves (almost) nothing" \
		'dev <= 0.05 * issued' dev="$wdev" issued="$iss"
	sk_check warm-faster "the warm read is faster than the cold one" 'warm >= 1.5 * cold' warm="$wbw" cold="$cbw" \
		--observed "cold $(sk_calc "$cbw / 1048576" %.0f) MiB/s, warm $(sk_calc "$wbw / 1048576" %.0f) MiB/s, direct $(sk_calc "$dbw / 1048576" %.0f) MiB/s"
	sk_check direct-moves-all "direct I/O skips the cache: the device moves every byte" 'dev >= 0.95 * issued' \
		dev="$ddev" issued="$iss"
	sk_plot "$HERE/pagecache.gp" data.tsv pagecache
	sk_summary <<EOF
## The page cache: cold, warm, direct

The whole ${size_mib} MiB scratch file read once in 1 MiB reads, three ways. Cold (evicted first with fadvise DONTNEED): $(sk_calc "$cbw / 1048576" %.0f) MiB/s, the device moved $(sk_calc "$cdev / 1048576" %.0f) MiB. Warm (right after, nothing evicted): $(sk_calc "$wbw / 1048576" %.0f) MiB/s, the device moved $(sk_calc "$wdev / 1048576" %.1f) MiB. Direct: $(sk_calc "$dbw / 1048576" %.0f) MiB/s, the device moved $(sk_calc "$ddev / 1048576" %.0f) MiB.
The device counters (/sys/block/$(sk_meta "$d" device)/stat) are the proof: a warm read never reaches the block layer. The device is shared with the rest of the machine, so a few MiB of other traffic may show.
EOF
}

# ---------------------------------------------------------------------------
# 4. readahead: read_ahead_kb 0 vs 128 vs the device default
# ---------------------------------------------------------------------------
run_readahead() {
	local ra def name
	need_loop || { sk_skip_exp "$WHY"; return 0; }
	name=${LOOP#/dev/}
	def=$(cat "/sys/block/$name/queue/read_ahead_kb")
	local vals="0 128"
	[[ $def != 0 && $def != 128 ]] && vals+=" $def"
	for ra in $vals; do
		ch09_loop_set "$LOOP" read_ahead_kb "$ra" || sk_die "cannot set read_ahead_kb=$ra on $LOOP"
		ch09_io "ra-$ra" ra_kb "$ra" --filename "$LOOP" --rw read -b 1M --io-size "${size_mib}M" \
			--runtime "$secs" --i-understand-this-destroys-data || return 0
	done
	ch09_restore "/sys/block/$name/queue/read_ahead_kb"
	local now bw0 bw128 rq0 rq128
	now=$(cat "/sys/block/$name/queue/read_ahead_kb")
	bw0=$(col 'ra_kb == 0' bw_bytes_per_s); bw128=$(col 'ra_kb == 128' bw_bytes_per_s)
	rq0=$(awk -v b="$(col 'ra_kb == 0' dev_bytes)" -v n="$(col 'ra_kb == 0' dev_requests)" 'BEGIN { if (n > 0) printf "%.1f", b / n / 1024; else print "NaN" }')
	rq128=$(awk -v b="$(col 'ra_kb == 128' dev_bytes)" -v n="$(col 'ra_kb == 128' dev_requests)" 'BEGIN { if (n > 0) printf "%.1f", b / n / 1024; else print "NaN" }')
	sk_check ra-faster "readahead speeds up a buffered sequential read" 'bw_ra128 >= 1.5 * bw_ra0' \
		bw_ra128="$bw128" bw_ra0="$bw0" \
		--observed "$(sk_calc "$bw0 / 1048576" %.1f) MiB/s without, $(sk_calc "$bw128 / 1048576" %.1f) MiB/s with 128 KiB ($(sk_calc "$bw128 / $bw0" %.1f)x; the book: 2.5x HDD, 10x SSD)"
	sk_check ra0-pages "without readahead each 1 MiB read() becomes page-sized device requests" \
		'req_kib_ra0 <= 8' req_kib_ra0="$rq0" --observed "$rq0 KiB per device request at read_ahead_kb=0, $rq128 KiB at 128"
	sk_check ra-restored "read_ahead_kb restored" 'now == def' now="$now" def="$def"
	sk_plot "$HERE/readahead.gp" data.tsv readahead
	sk_summary <<EOF
## Readahead: read_ahead_kb 0 vs 128 vs the default ($def)

Buffered sequential 1 MiB reads of the loop device $LOOP (${size_mib} MiB over a scratch file, direct I/O on), the device's pages evicted before each run.
Without readahead: $(sk_calc "$bw0 / 1048576" %.1f) MiB/s in device requests of $rq0 KiB: every read() waits for one page at a time. With 128 KiB: $(sk_calc "$bw128 / 1048576" %.1f) MiB/s, $rq128 KiB per request, and the next window is already on its way while the application copies the last one. read_ahead_kb is back at $now.
EOF
}

# ---------------------------------------------------------------------------
# 5. scheduler: every scheduler x numjobs
# ---------------------------------------------------------------------------
run_scheduler() {
	local name s n orig scheds jobs_list=""
	need_loop || { sk_skip_exp "$WHY"; return 0; }
	name=${LOOP#/dev/}
	orig=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "/sys/block/$name/queue/scheduler")
	scheds=$(tr -d '[]' <"/sys/block/$name/queue/scheduler")
	for ((n = 1; n <= 2 * ncpu; n *= 2)); do
		((SK_QUICK && n > 1 && n < 2 * ncpu)) || jobs_list+=" $n"   # quick: 1 and 2 x CPUs
	done
	[[ $jobs_list == *" $((2 * ncpu))" ]] || jobs_list+=" $((2 * ncpu))"
	for s in $scheds; do
		ch09_loop_set "$LOOP" scheduler "$s" || { sk_warn "scheduler $s refused by $LOOP"; continue; }
		for n in $jobs_list; do
			ch09_io "$s-$n" sched "$s" --filename "$LOOP" --rw randwrite --direct -n "$n" \
				--runtime "$secs" --ramp "$ramp" --i-understand-this-destroys-data || return 0
		done
	done
	ch09_restore "/sys/block/$name/queue/scheduler"
	local now lmin table
	now=$(sed -n 's/.*\[\(.*\)\].*/\1/p' "/sys/block/$name/queue/scheduler")
	lmin=$(awk -F'\t' '/^#/ { next } !h { h = 1; for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ r = $c["inflight_mean"] / $c["numjobs"]; if (n++ == 0 || r < lo) lo = r } END { printf "%.3f", lo }' "$SK_EXP_DIR/data.tsv")
	# % change vs none, per scheduler and numjobs
	table=$(awk -F'\t' -v OFS='\t' '/^#/ { next } !h { h = 1; for (i = 1; i <= NF; i++) c[$i] = i; next }
		{ k = $c["numjobs"]; s = $c["sched"]; iops[s, k] = $c["iops"]; lat[s, k] = $c["lat_mean_ns"]; p99[s, k] = $c["lat_p99_ns"]
		  if (!(s in seen)) { seen[s] = 1; order[++ns] = s }; if (!(k in seenk)) { seenk[k] = 1; ks[++nk] = k } }
		END {
			print "sched", "numjobs", "iops", "lat_mean_us", "lat_p99_us", "iops_change_pct", "lat_change_pct"
			for (i = 1; i <= ns; i++) for (j = 1; j <= nk; j++) {
				s = order[i]; k = ks[j]
				if (!((s, k) in iops)) continue
				ic = (("none", k) in iops && iops["none", k] > 0) ? sprintf("%+.1f", 100 * (iops[s, k] / iops["none", k] - 1)) : "NaN"
				lc = (("none", k) in lat && lat["none", k] > 0) ? sprintf("%+.1f", 100 * (lat[s, k] / lat["none", k] - 1)) : "NaN"
				print s, k, sprintf("%.0f", iops[s, k]), sprintf("%.1f", lat[s, k] / 1000), (p99[s, k] == "n/a" ? "n/a" : sprintf("%.1f", p99[s, k] / 1000)), ic, lc
			}
		}' "$SK_EXP_DIR/data.tsv")
	printf '%s\n' "$table" | sk_atomic_write "$SK_EXP_DIR/summary.tsv"
	sk_check sched-little "Little's law per point: each psync job keeps one write in flight" 'min_ratio >= 0.6' \
		min_ratio="$lmin" --observed "(IOPS x mean latency) / numjobs >= $lmin at every point"
	local want got
	want=$(($(wc -w <<<"$scheds") * $(wc -w <<<"$jobs_list")))
	got=$(awk -F'\t' '/^#/ { next } !h { h = 1; for (i = 1; i <= NF; i++) c[$i] = i; next } $c["iops"] > 0 { n++ } END { print n + 0 }' "$SK_EXP_DIR/data.tsv")
	sk_check sched-all "every scheduler the device offers, at every numjobs, was measured" 'got == want' \
		got="$got" want="$want" --observed "$got of $want points ($(echo "$scheds" | xargs) x numjobs$jobs_list)"
	sk_check sched-restored "the scheduler is restored" 'restored == 1' restored="$([[ $now == "$orig" ]] && echo 1 || echo 0)" \
		--observed "$now (was $orig)"
	sk_plot "$HERE/scheduler.gp" data.tsv scheduler
	sk_summary <<EOF
## I/O schedulers: $(echo "$scheds" | xargs) on a loop device

4 KiB direct random writes to $LOOP, numjobs$jobs_list (psync: one write in flight per job), the median of ${reps} runs of ${secs} s per point. % change against \`none\`:

$(printf '%s\n' "$table" | awk -F'\t' 'NR == 1 { print "| " $1 " | " $2 " | IOPS | mean us | p99 us | IOPS vs none | latency vs none |"; print "|---|---|---|---|---|---|---|"; next } { print "| " $1 " | " $2 " | " $3 " | " $4 " | " $5 " | " $6 " % | " $7 " % |" }')

A scheduler reorders and merges requests before the device sees them: that pays on a disk with a seek (the book's HDD: mq-deadline +10..24 % at 1-4 jobs) and costs a little CPU on flash or a virtual disk, where the order does not matter (the book's NVMe: -10..+4 %, noise). The loop device passes each request on to a file on the host's disk, so expect noise-sized differences here too, and bfq's extra bookkeeping to show. The scheduler is back at $now.
EOF
}

sk_run_experiments
sk_run_finish
