#!/usr/bin/env bash
# args.t - every ch08 program: --help, malformed arguments exit 2 with a
# one-line message, tiny runs produce well-formed TSV, scratch files vanish.
# shikumi: asan
source "$(dirname "$0")/../../tests/tap.sh"

cs=$(bin ch08-cache/cache-stride)
tlb=$(bin ch08-cache/tlb)
bw=$(bin ch08-cache/membw)
pc=$(bin ch08-cache/pagecache)
wb=$(bin ch08-cache/writeback)
cliffs=$TAP_TOP/ch08-cache/cliffs.sh
cmpl=$TAP_TOP/ch08-cache/compare-latency.sh
for p in "$cs" "$tlb" "$bw" "$pc" "$wb"; do
	[[ -x $p ]] || plan_skip_all "programs not built (make${SHIKUMI_VARIANT:+ asan})"
done

for p in "$cs" "$tlb" "$bw" "$pc" "$wb" "$cliffs" "$cmpl"; do help_ok "$p"; done

# cache-stride: sizes, order, cap, ppo, stride, mode
bad_args "$cs" --mode zigzag
bad_args "$cs" --mode
bad_args "$cs" --min abc
bad_args "$cs" --min 4Kx
bad_args "$cs" --min -4K
bad_args "$cs" --min 0
bad_args "$cs" --max 99999999999999999999
bad_args "$cs" --max 16T
bad_args "$cs" --min 1M --max 64K
bad_args "$cs" --ppo 0
bad_args "$cs" --ppo 33
bad_args "$cs" --ppo 1.5
bad_args "$cs" --stride 48
bad_args "$cs" --stride 4
bad_args "$cs" --stride 0
bad_args "$cs" -r 0
bad_args "$cs" -t 10001
bad_args "$cs" --bogus
bad_args "$cs" extra-operand
like "$(timeout 5 "$cs" --min 1M --max 64K 2>&1)" "bad VALUE for --min" "sizes out of order name --min"
like "$(timeout 5 "$cs" --stride 48 2>&1)" "not a power of two" "stride 48: not a power of two"

# tlb
bad_args "$tlb" --backing 1g
bad_args "$tlb" --backing ''
bad_args "$tlb" --min-pages 0
bad_args "$tlb" --max-pages x
bad_args "$tlb" --min-pages 64 --max-pages 8
bad_args "$tlb" --max-pages 999999999
bad_args "$tlb" --ppo 0
bad_args "$tlb" stray

# membw
bad_args "$bw" --vector 8
bad_args "$bw" --vector wide
bad_args "$bw" --op fill
bad_args "$bw" --threads 3
bad_args "$bw" --min 1K
bad_args "$bw" --min 1M --max 64K
bad_args "$bw" --max 16T
bad_args "$bw" --ppo 9
bad_args "$bw" -t 0
bad_args "$bw" -r 4
bad_args "$bw" stray

# pagecache and writeback
for p in "$pc" "$wb"; do
	bad_args "$p" --size 1K
	bad_args "$p" --size 64Q
	bad_args "$p" --size 16T
	bad_args "$p" --dir /nonexistent/dir
	bad_args "$p" --reps 0
	bad_args "$p" --block 1K
	bad_args "$p" stray
done
bad_args "$pc" --evict never
bad_args "$wb" --block 6K
bad_args "$wb" --wait 601
bad_args "$wb" --interval 5
if [[ -d /dev/shm ]] && [[ $(stat -f -c %T /dev/shm 2>/dev/null) == tmpfs ]]; then
	bad_args "$pc" --dir /dev/shm
	bad_args "$wb" --dir /dev/shm
else
	skip "no tmpfs at /dev/shm"
	skip "no tmpfs at /dev/shm"
fi

# cliffs.sh
bad_args "$cliffs" -r 0.5
bad_args "$cliffs" -r x
bad_args "$cliffs" /nonexistent.tsv
bad_args "$cliffs" a b

# tiny runs produce well-formed TSV
run_exit 0 "cache-stride tiny run" "$cs" --min 4K --max 64K --ppo 1 -r 5 -t 1
printf '%s\n' "$OUT" >"$TAP_TMP/cs.tsv"
tsv_ok "$TAP_TMP/cs.tsv" "mode size_bytes rep ns_per_access" "cache-stride TSV is well-formed"
is "$(grep -c $'^chase\t65536\t' "$TAP_TMP/cs.tsv")" 5 "five repetitions of chase at 64 KiB kept"
is "$(grep -c $'^seq\t' "$TAP_TMP/cs.tsv")" 25 "seq: 5 sizes x 5 reps"
like "$(grep '^# cache_l1d_bytes' "$TAP_TMP/cs.tsv" || echo 'none')" "^# cache_l1d_bytes: [0-9]+$|^none$" "cache sizes recorded from sysfs (when present)"
run_exit 0 "cache-stride --thp --stride 128 -o FILE" "$cs" --mode chase --min 8K --max 32K --stride 128 --thp -r 5 -t 1 -o "$TAP_TMP/o.tsv"
tsv_ok "$TAP_TMP/o.tsv" "mode size_bytes rep ns_per_access" "-o FILE is well-formed"
ok "no temporary file left next to -o FILE" test -z "$(compgen -G "$TAP_TMP/*.tmp.*")"
# a full (not -q) chase beyond 64 MiB ends with the DRAM figure on fresh THP
# buffers, its spread printed with it; quick runs never have it
if (($(awk '/^MemAvailable:/ { print int($2 / 1024) }' /proc/meminfo) >= 4096)); then
	run_exit 0 "cache-stride: the DRAM figure after a chase beyond 64 MiB" "$cs" --mode chase --min 80M --max 80M -r 5 -t 1 -o "$TAP_TMP/dram.tsv"
	like "$(grep '^# dram_chase_ns' "$TAP_TMP/dram.tsv")" "^# dram_chase_ns: [0-9.]+ \(median over 5 buffers of 80 MiB" "dram_chase_ns: the median over 5 buffers"
	like "$(grep '^# dram_chase_spread_pct' "$TAP_TMP/dram.tsv")" "^# dram_chase_spread_pct: [0-9.]+ \(.*steal time" "dram_chase_spread_pct: the spread over the buffers, with the steal time"
	run_exit 0 "cache-stride -q: no DRAM figure" "$cs" -q --mode chase --min 80M --max 80M -t 1
	ok "no DRAM figure in quick mode" test -z "$(grep '^# dram_chase' <<<"$OUT")"
else
	skip "the DRAM figure needs 4 GiB of MemAvailable for its 5 buffers"
fi

run_exit 0 "cliffs.sh reads cache-stride output" "$cliffs" "$TAP_TMP/cs.tsv"
like "$OUT" "^mode	cliff_bytes	below_ns	above_ns	step	nearest_cache	cache_bytes	factor" "cliffs.sh header"
# a synthetic curve with two steps, and no sysfs sizes in it
{
	printf '# program: synthetic\nmode\tsize_bytes\trep\tns_per_access\n'
	for s in 4096 8192 16384 32768 65536 131072 262144 524288 1048576 2097152 4194304; do
		v=1.5; ((s >= 65536)) && v=5; ((s >= 1048576)) && v=80
		printf 'chase\t%s\t0\t%s\n' "$s" "$v"
	done
} >"$TAP_TMP/syn.tsv"
run_exit 0 "cliffs.sh on a curve without cache sizes" "$cliffs" "$TAP_TMP/syn.tsv"
is "$(printf '%s\n' "$OUT" | awk -F'\t' 'NR > 1 { printf "%s ", $2 }')" "65536 1048576 " "both synthetic cliffs found where they are"
like "$ERR" "sysfs cache sizes unavailable" "missing cache sizes are reported"
like "$(printf '%s\n' "$OUT" | sed -n 2p)" "unavailable" "cliffs without a cache name"

# compare-latency.sh: a synthetic lmbench-style curve ("size_in_MB ns") against ours
bad_args "$cmpl" "$TAP_TMP/syn.tsv"
bad_args "$cmpl" -m zigzag "$TAP_TMP/syn.tsv" -
bad_args "$cmpl" -u GB "$TAP_TMP/syn.tsv" -
bad_args "$cmpl" /nonexistent.tsv /nonexistent.txt
bad_args "$cmpl" /etc/passwd /etc/passwd
{
	echo '"stride=64'
	for s in 4096 8192 16384 32768 65536 131072 262144 524288 1048576 2097152 4194304; do
		v=1; ((s >= 65536)) && v=4; ((s >= 1048576)) && v=40
		awk -v s="$s" -v v="$v" 'BEGIN { printf "%.5f %s\n", s / 1048576, v }'
	done
} >"$TAP_TMP/theirs.txt"
run_exit 0 "compare-latency.sh runs on a synthetic pair" "$cmpl" "$TAP_TMP/syn.tsv" "$TAP_TMP/theirs.txt"
like "$OUT" "L1 +0B\.\.16K +1\.50 +1\.00 +1\.50" "L1 plateau: ours 1.5 ns / theirs 1 ns = 1.50"
like "$OUT" "L2 +64K\.\.512K +5\.00 +4\.00 +1\.25" "L2 plateau ratio 1.25"
like "$OUT" "sysfs cache sizes unavailable" "without cache sizes in OURS the defaults are named"

run_exit 0 "tlb tiny run" "$tlb" --min-pages 8 --max-pages 64 --ppo 1 -r 5 -t 1
printf '%s\n' "$OUT" >"$TAP_TMP/tlb.tsv"
tsv_ok "$TAP_TMP/tlb.tsv" "backing pages span_bytes rep ns_per_access" "tlb TSV is well-formed"
is "$(awk -F'\t' '!/^#/ && NR > 1 { b[$1] = 1 } END { print (("4k" in b) + ("packed" in b)) }' "$TAP_TMP/tlb.tsv")" 2 "tlb: 4k and packed curves by default"
like "$(grep '^# tlb_source' "$TAP_TMP/tlb.tsv")" "^# tlb_source: (cpuid 0x|unknown)" "tlb: the TLBs' source recorded"
run_exit 0 "tlb --tlb-info" "$tlb" --tlb-info
like "$OUT" "^tlb_source	" "tlb --tlb-info prints key, value"
bad_args "$tlb" --tlb-info stray
run_exit 0 "tlb --backing packed" "$tlb" --backing packed --min-pages 8 --max-pages 16 --ppo 1 -r 5 -t 1

run_exit 0 "membw tiny run" "$bw" --min 16K --max 64K -r 5 -t 1
printf '%s\n' "$OUT" >"$TAP_TMP/bw.tsv"
tsv_ok "$TAP_TMP/bw.tsv" "op threads size_bytes rep gb_per_s" "membw TSV is well-formed"
is "$(awk -F'\t' '!/^#/ && $1 == "copy" && $2 == 1' "$TAP_TMP/bw.tsv" | wc -l)" 15 "membw: copy, 1 thread: 3 sizes x 5 reps"
like "$(grep '^# read_vector_bytes' "$TAP_TMP/bw.tsv")" "^# read_vector_bytes: (16|32|64)$" "membw: the read width recorded"
run_exit 0 "membw --vector 16 (every CPU has it)" "$bw" --vector 16 --op read --threads 1 --min 16K --max 16K -r 5 -t 1
like "$OUT" "# read_vector_bytes: 16" "... and uses it"

mkdir -p "$TAP_TMP/scratch"
run_exit 0 "pagecache tiny run (fadvise)" "$pc" -D "$TAP_TMP/scratch" --size 1M --evict fadvise -r 5
printf '%s\n' "$OUT" >"$TAP_TMP/pc.tsv"
tsv_ok "$TAP_TMP/pc.tsv" "rep phase bytes elapsed_ns mb_per_s resident_before_pct resident_after_pct" "pagecache TSV"
is "$(ls -A "$TAP_TMP/scratch")" "" "pagecache removed its scratch directory"

run_exit 0 "writeback tiny run with trace" "$wb" -D "$TAP_TMP/scratch" --size 1M -r 5 --wait 0 -i 10 --trace "$TAP_TMP/trace.tsv"
printf '%s\n' "$OUT" >"$TAP_TMP/wb.tsv"
tsv_ok "$TAP_TMP/wb.tsv" "variant rep bytes elapsed_ns mb_per_s" "writeback TSV"
tsv_ok "$TAP_TMP/trace.tsv" "t_ms dirty_kib writeback_kib phase" "writeback trace TSV"
like "$(grep '^# dirty_ratio' "$TAP_TMP/wb.tsv")" "^# dirty_ratio: -?[0-9]+" "vm.dirty_ratio recorded"
is "$(ls -A "$TAP_TMP/scratch")" "" "writeback removed its scratch directory"

# Ctrl-C while the scratch file exists: the directory still goes away
"$wb" -D "$TAP_TMP/scratch" --size 1M -r 5 --wait 30 --trace "$TAP_TMP/t2.tsv" >/dev/null 2>&1 &
pid=$!
for _ in $(seq 50); do [[ -e $(echo "$TAP_TMP"/scratch/*/writeback.dat) ]] && break; sleep 0.1; done
sleep 0.3
kill -INT "$pid"
rc=0
wait "$pid" || rc=$?
cmp_ok "$rc" "!=" 0 "writeback interrupted exits non-zero"
is "$(ls -A "$TAP_TMP/scratch")" "" "interrupted writeback removed its scratch directory"

done_testing
