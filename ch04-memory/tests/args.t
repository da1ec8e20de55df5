#!/usr/bin/env bash
# args.t - every ch04 program: --help, malformed arguments exit 2 with a
# one-line message (sizes above half of MemAvailable are refused naming the
# limit), and tiny quick runs produce well-formed TSV.
# Under ASan (tests/asan.t): ASan reserves terabytes of shadow address space
# (VSZ is huge, but overcommit's MAP_NORESERVE reservation still fits) and
# installs its own SIGSEGV handler, which segv's children replace with theirs
# (ASan allows that by default); the runs below check only what holds either way.
# shikumi: asan
source "$(dirname "$0")/../../tests/tap.sh"

names=(meminfo mmap demand-paging thp pagetable overcommit segv filemap malloc vaspace fault-cost buddy slab oom-victim)
progs ch04-memory "${names[@]}"
common_args_ok "${names[@]}"
# Size options: non-numeric, trailing junk, negative, zero, huge, missing, bad unit.
for p in meminfo mmap demand-paging thp fault-cost buddy; do
	bad_args "${P[$p]}" -s abc
	bad_args "${P[$p]}" -s 12Q
	bad_args "${P[$p]}" -s -5M
	bad_args "${P[$p]}" -s 0
	bad_args "${P[$p]}" -s 99999999999999999999
	bad_args "${P[$p]}" -s
done
# More than half of MemAvailable: refused, naming the limit.
for p in meminfo mmap demand-paging thp fault-cost buddy; do
	bad_args "${P[$p]}" -s 1T
	like "$ERR" "exceeds half of MemAvailable \(limit [0-9.]+ [KMGT]iB\)" "$p -s 1T names the MemAvailable limit"
done
bad_args "${P[pagetable]}" -s 1T
bad_args "${P[pagetable]}" -s 1M
bad_args "${P[pagetable]}" -s x
bad_args "${P[overcommit]}" --touch 1T
bad_args "${P[overcommit]}" --touch 0
bad_args "${P[overcommit]}" --reserve 17T
bad_args "${P[overcommit]}" --reserve 1K
bad_args "${P[overcommit]}" --reserve
bad_args "${P[demand-paging]}" -i -1
bad_args "${P[demand-paging]}" -i 60001
bad_args "${P[demand-paging]}" -i 1.5
bad_args "${P[demand-paging]}" -s 8M --step 16M
bad_args "${P[demand-paging]}" --step 0
bad_args "${P[thp]}" -r 0
bad_args "${P[thp]}" -r 4
bad_args "${P[fault-cost]}" -r 0
bad_args "${P[fault-cost]}" -r 4
bad_args "${P[fault-cost]}" -r 1001
bad_args "${P[fault-cost]}" --mode nosuchmode
bad_args "${P[segv]}" --case nosuchcase
bad_args "${P[malloc]}" --threshold 64M
bad_args "${P[malloc]}" --threshold -1
bad_args "${P[malloc]}" --count 5
bad_args "${P[malloc]}" --alloc 1G --count 100000
bad_args "${P[malloc]}" --alloc 0
bad_args "${P[buddy]}" --thp-size abc
bad_args "${P[buddy]}" --thp-size -2M
bad_args "${P[buddy]}" --thp-size 1T
like "$ERR" "exceeds half of MemAvailable" "buddy --thp-size 1T names the MemAvailable limit"
bad_args "${P[buddy]}" --settle -1
bad_args "${P[buddy]}" --settle 60001
bad_args "${P[buddy]}" --settle 1.5
bad_args "${P[buddy]}" --settle
bad_args "${P[slab]}" -n 99
bad_args "${P[slab]}" -n 1000001
bad_args "${P[slab]}" -n x
bad_args "${P[slab]}" --settle -1
bad_args "${P[slab]}" --settle 10001
bad_args "${P[slab]}" -n
bad_args "${P[oom-victim]}" --limit abc
bad_args "${P[oom-victim]}" --limit 16M
bad_args "${P[oom-victim]}" --limit 1T
like "$ERR" "MemAvailable" "oom-victim --limit 1T names the MemAvailable limit"
bad_args "${P[oom-victim]}" --adj 1001
bad_args "${P[oom-victim]}" --adj -1000
bad_args "${P[oom-victim]}" --adj x
bad_args "${P[oom-victim]}" --limit

# Tiny quick runs: well-formed TSV.
tsv_run() {   # tsv_run NAME "COLUMNS" ARGS...
	local name=$1 cols=$2
	shift 2
	run_exit 0 "$name $* runs" "${P[$name]}" "$@"
	printf '%s\n' "$OUT" >"$TAP_TMP/$name.tsv"
	tsv_ok "$TAP_TMP/$name.tsv" "$cols" "$name TSV is well-formed"
}
# meminfo and filemap make their scratch directory in their own TMPDIR, so the
# leftover check at the end cannot be fooled by other programs' directories.
scratch_base=$TAP_TMP/scratch
mkdir -p "$scratch_base"
TMPDIR=$scratch_base tsv_run meminfo "stage total_kib used_kib free_kib shared_kib buff_cache_kib available_kib anon_kib" -s 8M
is "$(grep -c $'^\(before\|touched\|file_written\|freed\|deleted\)\t' "$TAP_TMP/meminfo.tsv")" 5 "meminfo: five stages"
scratch=$(awk -F': ' '/^# scratch_dir:/ {print $2}' "$TAP_TMP/meminfo.tsv")
ok "meminfo removed its scratch directory" test -n "$scratch" -a ! -e "$scratch"
tsv_run mmap "phase start end perms size_kib new name" -s 4M
is "$(awk -F'\t' '$1 == "mapped" && $6 == 1' "$TAP_TMP/mmap.tsv" | wc -l)" 1 "mmap: exactly one region marked new"
tsv_run demand-paging "t_ms phase touched_kib vsz_kib rss_kib minflt majflt vm_pte_kib mem_free_kib mem_available_kib sample_us" -s 8M --step 2M -i 1
is "$(grep -c $'\ttouch\t' "$TAP_TMP/demand-paging.tsv")" 4 "demand-paging: 4 steps of 2 MiB"
run_exit 0 "demand-paging --interactive without a terminal falls back to timed steps" "${P[demand-paging]}" --interactive -s 4M --step 2M -i 1 </dev/null
like "$ERR" "not a terminal" "demand-paging --interactive: the fallback is noted"
run "${P[thp]}" -s 8M -r 5
if [[ $RC == 4 ]]; then
	skip "thp: THP unavailable ($ERR)"
else
	is "$RC" 0 "thp -s 8M -r 5 runs"
	printf '%s\n' "$OUT" >"$TAP_TMP/thp.tsv"
	tsv_ok "$TAP_TMP/thp.tsv" "mode rep size_kib faults ns_per_mib anon_huge_kib vm_pte_kib" "thp TSV is well-formed"
fi
tsv_run pagetable "size_mib state touched_mib vm_pte_kib vm_pte_delta_kib page_tables_kib page_tables_delta_kib" -s 32M
tsv_run overcommit "step ok errno reserved_kib touched_kib vsz_kib rss_kib committed_as_kib" --touch 4M --reserve 1G
tsv_run segv "case expected_code si_code si_addr addr_match exit"
for c in null_read unmapped_write readonly_write exec_noexec; do
	is "$(awk -F'\t' -v c="$c" '$1 == c { print ($2 == $3 && $6 == 1) ? "ok" : $0 }' "$TAP_TMP/segv.tsv")" ok "segv: $c gives the expected si_code at the target address"
done
is "$(awk -F'\t' '$1 == "no_handler" { print $7 }' "$TAP_TMP/segv.tsv")" SIGSEGV "segv: no handler -> killed by SIGSEGV"
TMPDIR=$scratch_base tsv_run filemap "check expected observed ok"
is "$(awk -F'\t' '!/^#/ && NR > 1 && $1 != "check" && $4 != 1' "$TAP_TMP/filemap.tsv")" "" "filemap: every check ok"
tsv_run malloc "size_bytes count where brk_delta_bytes address"
tsv_run malloc "size_bytes count where" --alloc 1K -n 10 --threshold 1M
tsv_run fault-cost "mode rep pages faults elapsed_ns ns_per_page ns_per_fault" -s 4M -r 5
run_exit 0 "fault-cost -o FILE writes the file" "${P[fault-cost]}" -s 4M -r 5 -m retouch_4k -o "$TAP_TMP/fc.tsv"
tsv_ok "$TAP_TMP/fc.tsv" "mode rep ns_per_page" "fault-cost -o FILE is well-formed"
tsv_run buddy "stage zone order free_blocks free_kib" -s 8M --thp-size 4M --settle 0
is "$(awk -F'\t' '!/^#/ && $1 != "stage" { print $1 }' "$TAP_TMP/buddy.tsv" | uniq | tr '\n' ' ')" "before populated fragmented released " "buddy: four stages, in order"
like "$(grep '^# thp_' "$TAP_TMP/buddy.tsv")" "thp_(fault_alloc_delta|skipped)" "buddy: the THP counters are there (or why not)"
TMPDIR=$scratch_base tsv_run slab "stage dentry_objects inode_objects nr_dentry nr_negative nr_inodes sreclaimable_kib" -n 500 --settle 0
is "$(awk -F'\t' '!/^#/ && $1 != "stage" { print $1 }' "$TAP_TMP/slab.tsv" | tr '\n' ' ')" "before created unlinked removed " "slab: four stages, in order"
scratch=$(awk -F': ' '/^# scratch_dir:/ {print $2}' "$TAP_TMP/slab.tsv")
ok "slab removed its scratch directory" test -n "$scratch" -a ! -e "$scratch"
# Ctrl-C while it creates files: every file and directory removed.
mkdir -p "$TAP_TMP/slab-int"
"${P[slab]}" -n 1000000 -D "$TAP_TMP/slab-int" >/dev/null 2>&1 &
slab_pid=$!
sleep 0.5
kill -INT "$slab_pid"
wait "$slab_pid" 2>/dev/null
is "$(find "$TAP_TMP/slab-int" -mindepth 1 | head -3)" "" "slab: Ctrl-C while creating leaves no file behind"
ok "no temporary file left next to -o FILE" test -z "$(find "$TAP_TMP" -name '*.tmp.*')"
is "$(find "$scratch_base" -mindepth 1)" "" "no scratch directory left behind"

# vaspace: takes only -o; its quick run is the real one (well under a second).
bad_args "${P[vaspace]}" -q
bad_args "${P[vaspace]}" -o
if [[ -z ${SHIKUMI_VARIANT:-} ]]; then
	run_exit 0 "vaspace runs" "${P[vaspace]}" -o "$TAP_TMP/vaspace.tsv"
	tsv_ok "$TAP_TMP/vaspace.tsv" "chunk_bytes chunks reserved_bytes" "vaspace data"
	run_exit 4 "vaspace under ulimit -v SKIPs" bash -c "ulimit -v 2000000; exec '${P[vaspace]}'"
	like "$ERR" "SKIP: RLIMIT_AS" "vaspace names the limit that caps it"
else
	skip "vaspace under ASan: its shadow memory takes part of the address space"
fi
done_testing
