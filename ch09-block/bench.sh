#!/usr/bin/env bash
# ch09-block/bench.sh - io next to fio: the same file, jobs and engine,
# alternating, and the ratios ours/fio.
#
# USAGE: ./bench.sh [-c CPU] [-n ROUNDS] [-s SIZE_MIB] [-d SECONDS]
#   Four jobs on one scratch file (1 GiB by default), each run by io and by fio
#   in every round (which goes first alternates), pinned to CPU:
#     randread 4 KiB direct QD1 (psync)      -> IOPS      target ours/fio >= 0.95
#     randread 4 KiB direct QD32 (io_uring)  -> IOPS      target >= 0.95
#     read 1 MiB direct QD1 (psync)          -> bandwidth target >= 0.95
#       (both tools' buffers in huge pages: io --mem hugetlb, fio --mem=mmaphuge;
#       as root the benchmark reserves them in vm.nr_hugepages and gives them
#       back at exit. With malloc'd buffers a 1 MiB read reaches the virtual
#       disk as up to 256 segments, and each tool's speed depends on how
#       scattered its buffer happens to be: 1.5-2.9 GB/s by luck, 5.6 GB/s in
#       huge pages, on the same machine.)
#     randwrite 4 KiB direct, 2 jobs (psync) -> IOPS      target >= 0.95 (not pinned)
#   Prints each run, then the medians and their ratio, the ratio round by
#   round (median, and min-max over the rounds; the target is judged on it:
#   the two runs of a round are seconds apart, so the host's slow spells
#   cancel), CPU time per I/O (user+sys from the shell's rusage of each
#   process, start-up included) and, at QD1, the latency percentiles side by
#   side (target: within 5 %).
#   With SHIKUMI_LOCK set, the whole benchmark holds that lock.
# REQUIREMENTS: fio and jq; liburing for the QD32 case (else it is skipped).
# eg,  SHIKUMI_LOCK=/tmp/shikumi.lock ./bench.sh -n 5 -d 5
set -euo pipefail
SK_PROG=ch09-block/bench.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=scripts/fidelity.sh
source "$SK_TOP/scripts/fidelity.sh"
HERE="$SK_TOP/ch09-block"
IO=$HERE/io

rounds=3 size_mib=1024 secs=3
sk_opt_int n rounds 1 50
sk_opt_int s size_mib 64 16384
sk_opt_int d secs 1 60
sk_options ":c:n:s:d:h" "$@"
cpu=${SK_CPU:-$(sk_default_cpu)}
[[ -x $IO ]] || sk_die "io is not built: run make"
sk_have fio && sk_have jq || { echo "$SK_PROG: SKIP: fio and jq are needed (scripts/install-deps)" >&2; exit 4; }
sk_lock_script "$@"

base=${TMPDIR:-/var/tmp}
avail=$(df -Pk "$base" | awk 'NR == 2 { printf "%d", $4 / 1024 }')
((avail >= size_mib + 64)) || sk_die "a ${size_mib} MiB file needs $((size_mib + 64)) MiB free in $base; only $avail MiB is (try -s)"
dir=$(mktemp -d "$base/shikumi-ch09-bench.XXXXXX")
sk_cleanup_push "rm -rf '$dir'"
file=$dir/data
truncate -s "${size_mib}M" "$file"
"$IO" --quiet --filename "$file" --rw write -b 1M --io-size "${size_mib}M" --fsync 64 \
	--i-understand-this-destroys-data >/dev/null || sk_die "cannot fill $file"
sk_note "file $file: $size_mib MiB ($avail MiB were free); CPU $cpu; $rounds rounds of ${secs} s per run"

# Huge pages for the 1 MiB case: 4 more than are free now, given back at exit.
mem_io="" mem_fio="" mem_note="malloc buffers: the ratio depends on each tool's luck"
hp=/proc/sys/vm/nr_hugepages
if [[ -w $hp ]]; then
	hp_old=$(cat "$hp")
	hp_free=$(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo)
	sk_cleanup_push "echo $hp_old > $hp"
	echo $((hp_old + 4)) >"$hp" 2>/dev/null || true
	if (($(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo) >= hp_free + 4)); then
		mem_io="--mem hugetlb" mem_fio="--mem=mmaphuge" mem_note="huge-page buffers"
	else
		sk_warn "could not reserve 4 huge pages (memory too fragmented?): the 1 MiB case uses malloc buffers"
	fi
else
	sk_warn "not root: no huge pages can be reserved, the 1 MiB case uses malloc buffers (its ratio is luck)"
fi

uring=1
"$IO" --quiet -s 1M --io-size 4K --iodepth 2 >/dev/null 2>&1 || uring=0
((uring)) || sk_warn "io has no io_uring engine here: the QD32 case is skipped"

half=$((size_mib / 2))
# case: name, io arguments, fio arguments, metric (iops or bw), pinned?
cases=(qd1 qd32 seq1m randwrite2)
declare -A io_args fio_args metric pinned what
what[qd1]="randread 4 KiB direct QD1 (psync)"
what[qd32]="randread 4 KiB direct QD32 (io_uring)"
what[seq1m]="read 1 MiB direct QD1 (psync, $mem_note)"
what[randwrite2]="randwrite 4 KiB direct, 2 jobs (psync)"
io_args[qd1]="--rw randread -b 4096 --direct --engine psync"
fio_args[qd1]="--rw=randread --bs=4096 --direct=1 --ioengine=psync --size=${size_mib}M"
metric[qd1]=iops pinned[qd1]=1
io_args[qd32]="--rw randread -b 4096 --direct --engine io_uring --iodepth 32"
fio_args[qd32]="--rw=randread --bs=4096 --direct=1 --ioengine=io_uring --iodepth=32 --size=${size_mib}M"
metric[qd32]=iops pinned[qd32]=1
io_args[seq1m]="--rw read -b 1M --direct --engine psync $mem_io"
fio_args[seq1m]="--rw=read --bs=1M --direct=1 --ioengine=psync $mem_fio --size=${size_mib}M"
metric[seq1m]=bw pinned[seq1m]=1
io_args[randwrite2]="--rw randwrite -b 4096 --direct --engine psync -n 2 --i-understand-this-destroys-data"
fio_args[randwrite2]="--rw=randwrite --bs=4096 --direct=1 --ioengine=psync --numjobs=2 --size=${half}M --offset_increment=${half}M"
metric[randwrite2]=iops pinned[randwrite2]=0

res=$dir/results.tsv   # tool case round iops bw cpu_s ios p50 p90 p99 p999
: >"$res"

# timed OUT ERR CMD...: run CMD, print its user+sys CPU seconds (bash's rusage of the child).
timed() {
	local out=$1 err=$2 t
	shift 2
	t=$( { TIMEFORMAT='%3U %3S'; time "$@" >"$out" 2>"$err"; } 2>&1 ) || return 1
	awk '{ print $1 + $2 }' <<<"$t"
}

run_io() {
	local c=$1 r=$2 out cpu_s
	out=$dir/io-$c-$r.tsv
	local -a pin=()
	((${pinned[$c]})) && pin=(taskset -c "$cpu")
	# shellcheck disable=SC2086 # io_args is a word list
	cpu_s=$(timed "$out" "$dir/io.err" "${pin[@]}" "$IO" --quiet --filename "$file" ${io_args[$c]} \
		--runtime "$secs" --ramp 1) || sk_die "io $c failed: $(cat "$dir/io.err")"
	awk -F'\t' -v OFS='\t' -v c="$c" -v r="$r" -v cpu="$cpu_s" '
		/^#/ { next } !h { h = 1; for (i = 1; i <= NF; i++) k[$i] = i; next }
		$1 == "all" { print "io", c, r, $k["iops"], $k["bw_bytes_per_s"], cpu, $k["ios"], $k["lat_p50_ns"], $k["lat_p90_ns"], $k["lat_p99_ns"], $k["lat_p999_ns"] }' "$out" >>"$res"
}

run_fio() {
	local c=$1 r=$2 out cpu_s op=read
	out=$dir/fio-$c-$r.json
	local -a pin=()
	((${pinned[$c]})) && pin=(taskset -c "$cpu")
	[[ $c == randwrite2 ]] && op="write"
	# shellcheck disable=SC2086 # fio_args is a word list
	cpu_s=$(timed "$out" "$dir/fio.err" "${pin[@]}" fio --name=bench --filename="$file" ${fio_args[$c]} \
		--runtime="${secs}s" --time_based --ramp_time=1s --group_reporting --lat_percentiles=1 \
		--output-format=json) || sk_die "fio $c failed: $(cat "$dir/fio.err")"
	jq -r --arg c "$c" --arg r "$r" --arg cpu "$cpu_s" --arg op "$op" '.jobs[0][$op] |
		["fio", $c, $r, .iops, .bw_bytes, $cpu, .total_ios, (.lat_ns.percentile["50.000000"] // "n/a"),
		 (.lat_ns.percentile["90.000000"] // "n/a"), (.lat_ns.percentile["99.000000"] // "n/a"),
		 (.lat_ns.percentile["99.900000"] // "n/a")] | map(tostring) | join("\t")' "$out" >>"$res"
}

for ((r = 1; r <= rounds; r++)); do
	for c in "${cases[@]}"; do
		[[ $c == qd32 ]] && ((!uring)) && continue
		if ((r % 2)); then run_io "$c" "$r"; run_fio "$c" "$r"; else run_fio "$c" "$r"; run_io "$c" "$r"; fi
		awk -F'\t' -v c="$c" -v r="$r" '$2 == c && $3 == r {
			printf "round %d %-10s %-3s %10.0f IOPS %8.1f MiB/s  cpu %.2f s  p50 %s p99 %s ns\n", r, c, $1, $4, $5 / 1048576, $6, $8, $10 }' "$res"
	done
done

# median TOOL CASE COLUMN(1-based in results.tsv): NaN when there is none
median() {
	sk_awk '$1 == t && $2 == c && is_num($k) { a[++n] = $k } END { print n ? median(a, n) : "NaN" }' \
		-F'\t' -v t="$1" -v c="$2" -v k="$3" "$res"
}

# round_ratios CASE COLUMN: the ratios io/fio within each round, on one line.
# The two runs of a round are seconds apart, so a host that is slower for a
# while slows both: the ratio within a round cancels that drift.
round_ratios() {
	sk_awk '$2 == c && is_num($k) { v[$1 SUBSEP $3] = $k; r[$3] = 1 }
		END { for (x in r) if (("io" SUBSEP x) in v && ("fio" SUBSEP x) in v && v["fio" SUBSEP x] > 0) {
			      printf "%s%.4f", sep, v["io" SUBSEP x] / v["fio" SUBSEP x]; sep = " " }
		      print "" }' \
		-F'\t' -v c="$1" -v k="$2" "$res"
}
# paired CASE COLUMN: "median min max" of those ratios (NaN NaN NaN if none).
paired() {
	round_ratios "$1" "$2" | sk_awk '{ n = NF; for (i = 1; i <= NF; i++) a[i] = $i }
		END { if (!n) { print "NaN NaN NaN"; exit }
		      m = median(a, n); isort(a, n); printf "%.3f %.3f %.3f\n", m, a[1], a[n] }'
}

cpu_per_io() {
	awk -F'\t' -v t="$1" -v c="$2" '$1 == t && $2 == c && $7 > 0 { s += $6 * 1e6 / $7; n++ } END { printf "%.2f", n ? s / n : 0 }' "$res"
}

echo
echo "medians of $rounds rounds, ${secs} s per run, $size_mib MiB file on $(df -P "$file" | awk 'NR == 2 { print $1 }'), $(awk -F': ' '/^model name/ { print $2; exit }' /proc/cpuinfo)"
printf '%-11s %-5s %12s %12s %7s %-21s %-12s %s\n' case metric io fio ratio "round by round" target \
	"CPU us/IO io vs fio"
for c in "${cases[@]}"; do
	[[ $c == qd32 ]] && ((!uring)) && continue
	m=${metric[$c]} k=4
	[[ $m == bw ]] && k=5
	o=$(median io "$c" "$k") f=$(median fio "$c" "$k")
	ratio=$(sk_calc "$o / $f" %.3f)
	read -r pm plo phi < <(paired "$c" "$k")
	verdict=$(sk_cmp "$pm >= 0.95" && echo ok || echo BELOW)
	# CPU per I/O: each run's CPU seconds (start-up and ramp included) over the
	# I/Os it counted, averaged over the rounds.
	cio=$(cpu_per_io io "$c") cfio=$(cpu_per_io fio "$c")
	fmt="%12.0f"
	[[ $m == bw ]] && { o=$(sk_calc "$o / 1048576" %.1f); f=$(sk_calc "$f / 1048576" %.1f); m="MiB/s"; fmt="%12.1f"; }
	# shellcheck disable=SC2059 # fmt is ours
	printf "%-11s %-5s $fmt $fmt %7s %-21s %-12s %s vs %s\n" "$c" "$m" "$o" "$f" "$ratio" \
		"$pm ($plo-$phi)" ">=0.95 $verdict" "$cio" "$cfio"
	pin_note=", taskset -c $cpu"
	((${pinned[$c]})) || pin_note=""
	if [[ $m == iops ]]; then
		sk_fidelity "io ${what[$c]} [IOPS]" "$(sk_calc "$o" %.0f)" "fio ${fio_args[$c]%% --size*}$pin_note" "$(sk_calc "$f" %.0f)" \
			"$(round_ratios "$c" "$k")"
	else
		sk_fidelity "io ${what[$c]} [$m]" "$o" "fio ${fio_args[$c]%% --size*}$pin_note" "$f" "$(round_ratios "$c" "$k")"
	fi
done
echo
echo "QD1 latency percentiles (ns, medians over rounds): io vs fio; the difference round by round"
echo "(median, min..max over the rounds) is what the 5 % target is judged on"
for k in 8:p50 9:p90 10:p99 11:p99.9; do
	o=$(median io qd1 "${k%%:*}") f=$(median fio qd1 "${k%%:*}")
	read -r pm plo phi < <(paired qd1 "${k%%:*}")
	if [[ $o == NaN || $f == NaN || $pm == NaN ]]; then
		printf '  %-6s io %s, fio %s (too few samples)\n' "${k#*:}" "$o" "$f"
	else
		d=$(sk_calc "100 * ($o - $f) / $f" %+.1f)
		dm=$(sk_calc "100 * ($pm - 1)" %+.1f) dlo=$(sk_calc "100 * ($plo - 1)" %+.1f) dhi=$(sk_calc "100 * ($phi - 1)" %+.1f)
		printf '  %-6s io %8.0f  fio %8.0f  %6s %%   round by round %6s %% (%s..%s)  %s\n' "${k#*:}" "$o" "$f" "$d" \
			"$dm" "$dlo" "$dhi" "$(sk_cmp "$dm <= 5 && $dm >= -5" && echo "within 5 %" || echo "OUTSIDE 5 %")"
	fi
done
