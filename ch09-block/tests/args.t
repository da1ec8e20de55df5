#!/usr/bin/env bash
# args.t - io: --help, malformed arguments exit 2 with a one-line message and
# write nothing, block devices are refused unless safe and confirmed, quick
# runs give well-formed TSV/histogram/JSON, percentiles obey the n/a rule,
# Ctrl-C prints partial results and leaves nothing behind.
# shikumi: asan
source "$(dirname "$0")/../../tests/tap.sh"

io=$(bin ch09-block/io)
[[ -x $io ]] || plan_skip_all "io not built (make${SHIKUMI_VARIANT:+ asan})"
export TMPDIR=$TAP_TMP/tmp
mkdir -p "$TMPDIR"
scratch_left() { find "$TMPDIR" -mindepth 1 | head -3; }

help_ok "$io"

# The issue's "Bad input" list, then the usual malformed numbers.
bad_args "$io" --bs 1000 --direct                 # unaligned for O_DIRECT
bad_args "$io" --bs 4097 --direct
bad_args "$io" -s 64K --bs 1M                     # bs larger than size
bad_args "$io" --rw sideways                      # unknown rw
bad_args "$io" --engine libaio                    # unknown engine
bad_args "$io" --iodepth 0
bad_args "$io" --iodepth 4097
bad_args "$io" --numjobs 0
bad_args "$io" --filename /nonexistent/file       # a path that does not exist
shm=/dev/shm
[[ -d $shm ]] || shm=/run
bad_args "$io" -D "$shm" -s 1T                    # too little free space
like "$ERR" "free" "too little free space is named"
bad_args "$io" --engine psync --iodepth 8         # no silent cap
like "$ERR" "io_uring" "psync with a deep queue points to io_uring"
bad_args "$io" --batch-submit                     # psync has nothing to batch
like "$ERR" "batch-submit" "--batch-submit without io_uring is named"
bad_args "$io" --bs abc
bad_args "$io" --bs 4K7
bad_args "$io" --bs -4K
bad_args "$io" --bs 128M
bad_args "$io" --bs
bad_args "$io" -s 0
bad_args "$io" -s 99999999999999999999
bad_args "$io" --runtime 0
bad_args "$io" --runtime -1
bad_args "$io" --runtime 1x
bad_args "$io" --ramp abc
bad_args "$io" --numjobs 257
bad_args "$io" --numjobs two
bad_args "$io" --rwmixread 101
bad_args "$io" --seed -1
bad_args "$io" --fsync 4                          # a read workload writes nothing
bad_args "$io" --invalidate 2
bad_args "$io" --filename ""
bad_args "$io" --filename /etc                    # a directory
bad_args "$io" --filename /etc/hostname --rw write  # a named file is written only when confirmed
bad_args "$io" -D /nonexistent/dir
bad_args "$io" --filename /etc/hostname -D /tmp
bad_args "$io" -n 4 -s 8K -b 4K                   # fewer blocks than jobs
bad_args "$io" --bogus
bad_args "$io" stray
bad_args "$io" -o /etc                            # output files are refused before the run,
bad_args "$io" --hist /etc                        # naming the option
bad_args "$io" --json /etc
bad_args "$io" -o ""
is "$(scratch_left)" "" "bad arguments leave nothing in TMPDIR"

# Block devices: refused unless confirmed; refused even then when mounted,
# holding a signature, or backing /.
rootdev=$(findmnt -n -o SOURCE / 2>/dev/null || true)
if [[ -b $rootdev ]]; then
	bad_args "$io" --filename "$rootdev" --rw read
	bad_args "$io" --filename "$rootdev" --rw read --i-understand-this-destroys-data
else
	skip "/ is not on a block device ($rootdev)"
fi
loops=()
cleanup_loops() {
	local d
	mountpoint -q "$TAP_TMP/mnt" 2>/dev/null && umount "$TAP_TMP/mnt"
	for d in "${loops[@]}"; do losetup -d "$d" 2>/dev/null; done
	rm -rf "$TAP_TMP"
}
if [[ $(id -u) == 0 ]] && command -v losetup >/dev/null && [[ -e /dev/loop-control ]]; then
	trap cleanup_loops EXIT
	new_loop() {   # new_loop FILE SIZE_MIB -> /dev/loopN
		truncate -s "${2}M" "$1" && losetup --find --show "$1"
	}
	clean=$(new_loop "$TAP_TMP/clean.img" 16) && loops+=("$clean")
	bad_args "$io" --filename "$clean" --rw read
	like "$ERR" "i-understand-this-destroys-data" "a block device needs the confirming flag"
	run_exit 0 "a clean loop device is used when confirmed" "$io" --filename "$clean" --rw randread \
		--direct --io-size 64K --i-understand-this-destroys-data
	like "$OUT" $'\nall\trandread\tread\t4096' "the run on the loop device has its total row"
	like "$OUT" "# device: loop" "the device view names the loop device"
	cp "$TAP_TMP/clean.img" "$TAP_TMP/ext.img"
	printf '\123\357' | dd of="$TAP_TMP/ext.img" bs=1 seek=1080 conv=notrunc status=none
	ext=$(new_loop "$TAP_TMP/ext.img" 16) && loops+=("$ext")
	bad_args "$io" --filename "$ext" --rw read --i-understand-this-destroys-data
	like "$ERR" "ext2/3/4" "an ext4 signature is named"
	cp "$TAP_TMP/clean.img" "$TAP_TMP/mbr.img"
	printf '\125\252' | dd of="$TAP_TMP/mbr.img" bs=1 seek=510 conv=notrunc status=none
	mbr=$(new_loop "$TAP_TMP/mbr.img" 16) && loops+=("$mbr")
	bad_args "$io" --filename "$mbr" --rw write --i-understand-this-destroys-data
	like "$ERR" "partition table" "an MBR is named"
	if command -v mkfs.ext4 >/dev/null; then
		mnt=$(new_loop "$TAP_TMP/mnt.img" 16) && loops+=("$mnt")
		mkdir -p "$TAP_TMP/mnt"
		if mkfs.ext4 -q "$mnt" 2>/dev/null && mount "$mnt" "$TAP_TMP/mnt" 2>/dev/null; then
			bad_args "$io" --filename "$mnt" --rw read --i-understand-this-destroys-data
			like "$ERR" "mounted" "a mounted device is refused as mounted"
			umount "$TAP_TMP/mnt"
		else
			skip "cannot mkfs/mount a loop device here"
		fi
	else
		skip "mkfs.ext4 not installed"
	fi
	is "$(od -An -tx1 -j 510 -N 2 "$TAP_TMP/clean.img" | tr -d ' ')" "0000" "refusals wrote nothing"
else
	skip "loop-device refusals need root and losetup"
fi

# Quick runs on a scratch file.
run_exit 0 "psync randread direct runs" "$io" -s 8M --rw randread --direct --runtime 0.3 \
	--hist "$TAP_TMP/hist.tsv" --json "$TAP_TMP/io.json" -o "$TAP_TMP/io.tsv"
tsv_ok "$TAP_TMP/io.tsv" "job rw op bs_bytes iodepth numjobs iops bw_bytes_per_s lat_mean_ns lat_p50_ns lat_p99_ns lat_p999_ns" "io TSV is well-formed"
tsv_ok "$TAP_TMP/hist.tsv" "job op lat_lo_ns lat_hi_ns count" "histogram TSV is well-formed"
ok "no temporary file left next to -o FILE" test -z "$(find "$TAP_TMP" -maxdepth 1 -name '*.tmp.*')"
if command -v jq >/dev/null; then
	is "$(jq -r .schema "$TAP_TMP/io.json")" "shikumi.io/1" "JSON has its schema version"
	cmp_ok "$(jq '.results[] | select(.job == "all") | .iops' "$TAP_TMP/io.json")" ">" 0 "JSON carries the IOPS"
else
	skip "jq not installed"
fi
hist_n=$(awk -F'\t' '!/^#/ && $1 == "all" { n += $5 } END { print n + 0 }' "$TAP_TMP/hist.tsv")
ios=$(awk -F'\t' '!/^#/ && $1 == "all" { print $7 }' "$TAP_TMP/io.tsv")
is "$hist_n" "$ios" "the histogram holds every I/O"
little=$(awk -F'\t' '!/^#/ && $1 == "all" { print $20 }' "$TAP_TMP/io.tsv")
cmp_ok "$little" ">" 0.8 "Little's law at QD1: IOPS x mean latency ~ 1 ($little)"
like "$(cat "$TAP_TMP/io.tsv")" "# invariant_little: " "invariants are printed"
like "$ERR" "check read: issued" "bytes issued vs device bytes are printed"

# The n/a rule: 16 samples support no p50 (needs 20); 32 support p50, not p90 (needs 100).
run_exit 0 "16 I/Os" "$io" -s 1M --rw randread --io-size 64K
is "$(awk -F'\t' '!/^#/ && $1 == "all" { print $7, $14, $15 }' <<<"$OUT")" "16 n/a n/a" "p50 of 16 samples is n/a"
run_exit 0 "32 I/Os" "$io" -s 1M --rw randread --io-size 128K
like "$(awk -F'\t' '!/^#/ && $1 == "all" { print $7, $14, $15 }' <<<"$OUT")" "^32 [0-9]+ n/a$" "p50 of 32 samples is a number, p90 n/a"

run_exit 0 "buffered sequential write with fsync, two jobs" "$io" -s 8M --rw write -b 64K -n 2 --fsync 8 --runtime 0.3
is "$(grep -c $'^[01a][l0-9]*\twrite\twrite' <<<"$OUT")" 3 "one row per job and the total"
run_exit 0 "randrw has read and write rows" "$io" -s 8M --rw randrw --direct --runtime 0.3
like "$OUT" $'all\trandrw\tread' "randrw: read row"
like "$OUT" $'all\trandrw\twrite' "randrw: write row"
run "$io" -s 8M --rw randread --direct --iodepth 8 --runtime 0.3
if ((RC == 4)); then
	skip "io_uring: ${ERR}"
else
	is "$RC" 0 "io_uring at QD8 runs"
	like "$(awk -F'\t' '!/^#/ && $1 == "all" { print $20 }' <<<"$OUT")" "^[5-8]\." "QD8 keeps about 8 in flight"
	like "$OUT" "# engine: io_uring" "the depth chose io_uring"
	like "$OUT" "# submit: each I/O at once" "one submit per I/O by default"
	run_exit 0 "io_uring with --batch-submit runs" "$io" -s 8M --rw randread --direct --iodepth 8 --batch-submit --runtime 0.3
	like "$(awk -F'\t' '!/^#/ && $1 == "all" { print $20 }' <<<"$OUT")" "^[4-8]\." "batched QD8 keeps 4-8 in flight"
	like "$OUT" "# submit: batch" "the batched mode is recorded"
fi
# --mem: where the buffers live, and how many physical pieces one has.
bad_args "$io" --mem huge
like "$ERR" "--mem" "an unknown --mem is named"
run_exit 0 "--mem thp runs" "$io" -s 8M --rw read -b 1M --direct --mem thp --runtime 0.3
like "$OUT" "# mem: thp" "the buffer kind is recorded"
if ((EUID == 0)); then   # a number, unless a container took CAP_SYS_ADMIN away
	like "$OUT" $'# buffer_pieces: ([0-9]+|unknown \\(pagemap frame numbers need CAP_SYS_ADMIN\\))\n' \
		"root: the pieces of a buffer are counted (pagemap)"
else
	like "$OUT" "# buffer_pieces: unknown .pagemap frame numbers need CAP_SYS_ADMIN" \
		"not root: the pieces are unknown, and why"
fi
if (($(awk '/^HugePages_Free:/ { print $2 }' /proc/meminfo) == 0)); then
	run_exit 4 "--mem hugetlb without free huge pages: SKIP" "$io" -s 8M -b 1M --direct --mem hugetlb --runtime 0.3
	like "$ERR" "nr_hugepages" "the SKIP says which knob would give huge pages"
else
	skip "huge pages are reserved on this machine: the SKIP path is not reached"
	skip "huge pages are reserved on this machine"
fi
is "$(scratch_left)" "" "quick runs leave no scratch file"

# Ctrl-C: the jobs stop, the partial results are printed and marked, the
# scratch file goes, no job is left.
set -m
"$io" -s 8M --rw randread --runtime 20 -n 2 >"$TAP_TMP/int.tsv" 2>"$TAP_TMP/int.err" &
pid=$!
set +m
sleep 1.5
kill -INT -- "-$pid"
RC=0
wait "$pid" || RC=$?
is "$RC" 130 "interrupted io exits 130"
like "$(cat "$TAP_TMP/int.tsv")" "# status: interrupted" "partial results are marked"
like "$(cat "$TAP_TMP/int.tsv")" $'\nall\trandread' "partial results are printed"
is "$(scratch_left)" "" "Ctrl-C removes the scratch file"
is "$(pgrep -f "^$io " || true)" "" "no job left running"

done_testing
