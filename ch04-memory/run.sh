#!/usr/bin/env bash
# ch04-memory/run.sh - virtual memory: free's columns, mmap hands out address
# space, demand paging, page tables, huge pages, overcommit, invalid accesses,
# file mappings, where malloc gets memory, what one page fault costs, the buddy
# allocator's free lists (fragmentation), and whom the OOM killer picks.
#
# USAGE: ./run.sh [-q] [-c CPU] [-o RUNDIR] [-e NAME]... [-s SIZE_MIB]
# Experiments (declared below with sk_experiment; -h lists them, -e NAME picks),
# each in RUNDIR/ch04-memory/<name>/.
# REQUIREMENTS: taskset (util-linux). Optional: gnuplot (plots), strace (malloc
#   syscall counts). No root needed; thp SKIPs when THP is never/unavailable;
#   oom-victim needs root (memory cgroups, beneath the driver's own group).
# eg,
#   ./run.sh -q              # quick: ~15 s
#   ./run.sh -c 1 -s 512     # 512 MiB for meminfo and thp
set -euo pipefail
SK_PROG=ch04-memory/run.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
# shellcheck source=scripts/cgroup.sh
source "$SK_TOP/scripts/cgroup.sh"
HERE="$SK_TOP/ch04-memory"
CHAPTER=ch04-memory
PROGS=(meminfo mmap demand-paging thp pagetable overcommit segv filemap malloc vaspace fault-cost buddy slab oom-victim)

sk_experiment meminfo run_meminfo "free(1)'s columns before/after touching N MiB and writing an N MiB file"
sk_experiment mmap run_mmap "/proc/self/maps before/after an anonymous mmap; VSZ vs RSS"
sk_experiment demand-paging run_demand_paging "touch 100 MiB, 10 MiB per step: VSZ, RSS, faults over time"
sk_experiment thp run_thp "first touch with MADV_NOHUGEPAGE vs MADV_HUGEPAGE: faults, ns/MiB"
sk_experiment pagetable run_pagetable "VmPTE vs touched memory: KiB of page table per MiB"
sk_experiment overcommit run_overcommit "reserve 2 x MemTotal of address space; touch a little of it"
sk_experiment segv run_segv "SIGSEGV with SA_SIGINFO: si_code for NULL, read-only, non-exec"
sk_experiment filemap run_filemap "MAP_SHARED write seen by read(); SIGBUS beyond end of file"
sk_experiment malloc run_malloc "brk heap vs mmap by request size (strace -c counts the calls)"
sk_experiment vaspace run_vaspace "reserve the whole address space with PROT_NONE until ENOMEM: its size in bits" vaspace
sk_experiment fault-cost run_fault_cost "ns per first-touch fault (4 KiB, THP) vs re-touch, zero page, MAP_POPULATE"
sk_experiment buddy run_buddy "/proc/buddyinfo before/after freeing every other page; THP fault successes vs fallbacks" buddy
sk_experiment slab run_slab "create and delete N empty files: dentry and inode objects (slab caches), negative dentries" slab
sk_experiment oom-victim run_oom_victim "children of 16/32/48 MiB in a 128 MiB cgroup: oom_score, predicted and actual OOM victim" oom-victim

usage() {
	cat <<EOF
Usage: $SK_PROG [-q] [-c CPU] [-o RUNDIR] [-e NAME]... [-s SIZE_MIB]
Virtual memory: demand paging, page tables, huge pages, overcommit, faults and their cost.

$(sk_std_usage)
  -s SIZE_MIB   memory size for meminfo and thp [MiB], 16..65536 (default 256, quick 128);
                at most half of MemAvailable

Examples:
  $SK_PROG -q
  $SK_PROG -c 1 -s 512
EOF
}

size_mib=256
sk_opt_int s size_mib 16 65536 128
sk_options ":qc:o:s:he:" "$@"
avail_mib=$(awk '/^MemAvailable:/ {print int($2 / 1024)}' /proc/meminfo)
((size_mib <= avail_mib / 2)) ||
	sk_usage_error "bad VALUE for -s: '$size_mib': exceeds half of MemAvailable (limit $((avail_mib / 2)) MiB)"
sk_driver_ready "$CHAPTER" "${PROGS[@]}"
sk_cg_own   # on cgroup v2, this driver and its children are the suite's own processes (oom-victim)
cpu=$SK_CPU

# last_of FILE KEYCOL KEY VALCOL: VALCOL of the LAST row whose KEYCOL is KEY
# (sk_tsv_get gives the first).
last_of() {
	awk -F'\t' -v kc="$2" -v key="$3" -v vc="$4" '
		/^#/ { next }
		!h { for (i = 1; i <= NF; i++) { if ($i == kc) k = i; if ($i == vc) v = i }; h = 1; next }
		$k == key { val = $v }
		END { print val }' "$1"
}

# ---------------------------------------------------------------------------
# 1. meminfo: free's columns, and what moves them
# ---------------------------------------------------------------------------
run_meminfo() {
	local d="$SK_EXP_DIR/data.tsv" n_kib=$((size_mib * 1024))
	sk_prog "$d" sk_pin "$cpu" "$HERE/meminfo" -s "${size_mib}M" || return 0
	local u0 u1 u3 c1 c2 c3 c4 a0 a1 du dc dd da
	u0=$(sk_tsv_get "$d" stage before used_kib)
	u1=$(sk_tsv_get "$d" stage touched used_kib)
	u3=$(sk_tsv_get "$d" stage freed used_kib)
	c1=$(sk_tsv_get "$d" stage touched buff_cache_kib)
	c2=$(sk_tsv_get "$d" stage file_written buff_cache_kib)
	c3=$(sk_tsv_get "$d" stage freed buff_cache_kib)
	c4=$(sk_tsv_get "$d" stage deleted buff_cache_kib)
	a0=$(sk_tsv_get "$d" stage before anon_kib)
	a1=$(sk_tsv_get "$d" stage touched anon_kib)
	du=$((u1 - u0)) dc=$((c2 - c1)) dd=$((c3 - c4)) da=$((a1 - a0))
	sk_check touching-memory-adds-anonymous-pages "touching memory adds anonymous pages" 'da >= 0.75 * n_kib && da <= 1.5 * n_kib' \
		da="$da" n_kib="$n_kib" --observed "AnonPages +$((da / 1024)) MiB; free's used +$((du / 1024)) MiB" \
		--note "expected AnonPages +${size_mib} MiB (0.75..1.5x: whole-system counter); free's used = total - available, and MemAvailable (like MemFree) does not see pages taken from the per-CPU free lists (up to ~150 MiB per CPU here)"
	sk_check writing-a-file-raises-buff-cache "writing a file raises buff/cache" 'dc >= 0.8 * n_kib' \
		dc="$dc" n_kib="$n_kib" --observed "buff/cache +$((dc / 1024)) MiB ($(sk_calc "$dc / $n_kib")x)" \
		--note "expected >= +0.8 x ${size_mib} MiB; the page cache keeps the written pages"
	sk_check deleting-the-file-drops-its-cached-pages "deleting the file drops its cached pages" 'dd >= 0.8 * n_kib' \
		dd="$dd" n_kib="$n_kib" --observed "buff/cache -$((dd / 1024)) MiB" \
		--note "expected >= -0.8 x ${size_mib} MiB; freeing the anonymous memory lowered used by $(((u1 - u3) / 1024)) MiB"
	sk_plot "$HERE/meminfo.gp" data.tsv meminfo
	sk_summary <<EOF
## What free shows, and what moves it (${size_mib} MiB)

Each group of bars is one snapshot of /proc/meminfo in free(1)'s terms (procps-ng 4): used = total - available, buff/cache = Buffers + Cached + SReclaimable. Touching ${size_mib} MiB of anonymous memory added $((da / 1024)) MiB of AnonPages but raised free's used by only $((du / 1024)) MiB: used is total minus MemAvailable, which starts from MemFree, and MemFree does not count free pages parked on the per-CPU lists, from which the kernel served part of the request. Writing a ${size_mib} MiB file raised buff/cache by $((dc / 1024)) MiB (the kernel keeps the file's pages in the page cache) while used stayed put; deleting the file removed $((dd / 1024)) MiB of cache. available barely moves for the file: clean cache counts as available.

- AnonPages: +$((da / 1024)) MiB, used: +$((du / 1024)) MiB after touching ${size_mib} MiB
- buff/cache: +$((dc / 1024)) MiB after writing, -$((dd / 1024)) MiB after deleting
- these are whole-machine figures: other processes add noise of a few MiB
EOF
}

# ---------------------------------------------------------------------------
# 2. mmap: address space is not memory
# ---------------------------------------------------------------------------
run_mmap() {
	local d="$SK_EXP_DIR/data.tsv" mib=100
	((SK_QUICK)) && mib=64
	local n_kib=$((mib * 1024))
	sk_prog "$d" sk_pin "$cpu" "$HERE/mmap" -s "${mib}M" || return 0
	local v0 v1 r0 r1 r2 newline newsize
	v0=$(sk_meta "$d" vsz_kib_before) v1=$(sk_meta "$d" vsz_kib_mapped)
	r0=$(sk_meta "$d" rss_kib_before) r1=$(sk_meta "$d" rss_kib_mapped) r2=$(sk_meta "$d" rss_kib_touched)
	newline=$(awk -F'\t' '$1 == "mapped" && $6 == 1 { print $2 "-" $3 " " $4 " " $5 " KiB"; exit }' "$d")
	newsize=$(awk -F'\t' '$1 == "mapped" && $6 == 1 { print $5; exit }' "$d")
	sk_check a-new-region-appears-in-proc-self-maps "a new region appears in /proc/self/maps" 'newsize >= n_kib' \
		newsize="$newsize" n_kib="$n_kib" --observed "${newline:-none}" \
		--note "expected >= ${mib} MiB rw-p region; an anonymous region may be merged with a neighbour of the same kind"
	sk_check mmap-grows-vsz-not-rss "mmap grows VSZ, not RSS" 'v1 - v0 >= n_kib && v1 - v0 <= n_kib + 1024 && r1 - r0 < 0.05 * n_kib' \
		v1="$v1" v0="$v0" n_kib="$n_kib" r1="$r1" r0="$r0" --observed "VSZ +$(((v1 - v0) / 1024)) MiB, RSS +$((r1 - r0)) KiB" \
		--note "expected VSZ +${mib} MiB, RSS < +5%"
	sk_check touching-the-pages-grows-rss "touching the pages grows RSS" 'r2 - r1 >= 0.9 * n_kib' \
		r2="$r2" r1="$r1" n_kib="$n_kib" --observed "RSS +$(((r2 - r1) / 1024)) MiB" \
		--note "expected >= +0.9 x ${mib} MiB"
	sk_summary <<EOF
## mmap hands out address space, not memory (${mib} MiB)

The program printed its own /proc/self/maps before and after an anonymous private mmap of ${mib} MiB (data.tsv: one row per region, new = 1 marks it). The new region is ${newline:-?}. VSZ grew by $(((v1 - v0) / 1024)) MiB at the mmap, RSS by $((r1 - r0)) KiB; only touching every page raised RSS, by $(((r2 - r1) / 1024)) MiB.

- VSZ: $v0 -> $v1 KiB at mmap
- RSS: $r0 -> $r1 KiB at mmap, $r2 KiB after touching
EOF
}

# ---------------------------------------------------------------------------
# 3. demand-paging: physical pages arrive on first touch
# ---------------------------------------------------------------------------
run_demand_paging() {
	local d="$SK_EXP_DIR/data.tsv"
	sk_prog "$d" sk_pin "$cpu" "$HERE/demand-paging" "${SK_QOPT[@]}" || return 0
	local size_kib ps v0 v1 r0 r1 rl f1 fl mj0 mjl steps sus pct interval tend
	size_kib=$(($(sk_meta "$d" size_bytes) / 1024))
	ps=$(sk_meta "$d" page_size_bytes)
	interval=$(sk_meta "$d" interval_ms)
	v0=$(sk_tsv_get "$d" phase before vsz_kib) v1=$(sk_tsv_get "$d" phase mapped vsz_kib)
	r0=$(sk_tsv_get "$d" phase before rss_kib) r1=$(sk_tsv_get "$d" phase mapped rss_kib)
	rl=$(last_of "$d" phase touch rss_kib)
	f1=$(sk_tsv_get "$d" phase mapped minflt) fl=$(last_of "$d" phase touch minflt)
	mj0=$(sk_tsv_get "$d" phase before majflt) mjl=$(last_of "$d" phase touch majflt)
	tend=$(last_of "$d" phase touch t_ms)
	steps=$(awk -F'\t' '$2 == "touch"' "$d" | wc -l)
	sus=$(sk_median_of "$d" phase touch sample_us)
	pct=$(sk_meta "$d" sample_overhead_pct_of_touch)
	local pages=$((size_kib * 1024 / ps)) faults=$((fl - f1)) rss_ratio fault_ratio
	rss_ratio=$(sk_calc "($rl - $r1) / $size_kib")
	fault_ratio=$(sk_calc "$faults / $pages")
	sk_check vsz-jumps-at-mmap-while-rss-does-not "VSZ jumps at mmap while RSS does not" 'v1 - v0 >= 0.99 * size_kib && r1 - r0 < 0.05 * size_kib' \
		v1="$v1" v0="$v0" size_kib="$size_kib" r1="$r1" r0="$r0" --observed "VSZ +$(((v1 - v0) / 1024)) MiB, RSS +$((r1 - r0)) KiB" \
		--note "expected VSZ +$((size_kib / 1024)) MiB, RSS < +5%"
	sk_check rss-grows-by-the-touched-amount "RSS grows by the touched amount" 'rss_ratio >= 0.9 && rss_ratio <= 1.1' \
		rss_ratio="$rss_ratio" --observed "RSS +$(((rl - r1) / 1024)) MiB for $((size_kib / 1024)) MiB touched (${rss_ratio}x)" \
		--note "expected 0.9..1.1 x touched"
	sk_check minor-faults-touched-bytes-page-size "minor faults ~ touched bytes / page size" 'fault_ratio >= 0.9 && fault_ratio <= 1.2' \
		fault_ratio="$fault_ratio" --observed "$faults minor faults for $pages pages of $ps B (${fault_ratio}x)" \
		--note "expected 0.9..1.2 x $pages; THP off for the mapping (MADV_NOHUGEPAGE)"
	sk_check no-major-faults "no major faults" 'mjl - mj0 == 0' \
		mjl="$mjl" mj0="$mj0" --observed "$((mjl - mj0))" \
		--note "expected 0; anonymous memory has no file to read"
	sk_check sampling-does-not-distort-the-touch-rate "sampling does not distort the touch rate" 'sus * steps < 0.01 * tend * 1000' \
		sus="$sus" steps="$steps" tend="$tend" --observed "${sus} us per sample (median), ${pct}% of the touch time, $(sk_calc "100 * $sus * $steps / ($tend * 1000)")% of the run" \
		--note "expected sampling < 1% of the run; /proc/self/status + getrusage + /proc/meminfo per step"
	sk_plot "$HERE/demand-paging.gp" data.tsv demand-paging
	sk_summary <<EOF
## Demand paging: memory arrives on first touch ($((size_kib / 1024)) MiB, $steps steps, ${interval} ms apart, CPU $cpu)

Top: the process's virtual size (VSZ) and resident size (RSS) over time; bottom: its minor and major page faults. At the mmap VSZ jumps by $(((v1 - v0) / 1024)) MiB while RSS does not move; then every step touches one byte per page and RSS climbs in equal stairs, to +$(((rl - r1) / 1024)) MiB, with $faults minor faults ($fault_ratio per page: one fault per 4 KiB page, THP off) and $((mjl - mj0)) major faults. The book watched the same with ps in a second terminal; here the process samples itself, for ${sus} us per step.

- VSZ +$(((v1 - v0) / 1024)) MiB at mmap; RSS +$((r1 - r0)) KiB at mmap, +$(((rl - r1) / 1024)) MiB after touching
- minor faults: $faults for $pages pages; major faults: $((mjl - mj0))
- sampling cost: ${sus} us per step (median), ${pct}% of the touch time
EOF
}

# ---------------------------------------------------------------------------
# 4. thp: one fault per 2 MiB
# ---------------------------------------------------------------------------
run_thp() {
	local d="$SK_EXP_DIR/data.tsv"
	sk_prog "$d" sk_pin "$cpu" "$HERE/thp" "${SK_QOPT[@]}" -s "${size_mib}M" || return 0
	local m col
	{
		printf 'mode\tfaults\tns_per_mib\tanon_huge_kib\tvm_pte_kib\n'
		for m in nohugepage hugepage; do
			printf '%s' "$m"
			for col in faults ns_per_mib anon_huge_kib vm_pte_kib; do printf '\t%s' "$(sk_median_of "$d" mode "$m" "$col")"; done
			printf '\n'
		done
	} | sk_atomic_write "$SK_EXP_DIR/summary.tsv"
	local s="$SK_EXP_DIR/summary.tsv" fn fh tn th ah pn ph ratio sk
	fn=$(sk_tsv_get "$s" mode nohugepage faults) fh=$(sk_tsv_get "$s" mode hugepage faults)
	tn=$(sk_tsv_get "$s" mode nohugepage ns_per_mib) th=$(sk_tsv_get "$s" mode hugepage ns_per_mib)
	ah=$(sk_tsv_get "$s" mode hugepage anon_huge_kib)
	pn=$(sk_tsv_get "$s" mode nohugepage vm_pte_kib) ph=$(sk_tsv_get "$s" mode hugepage vm_pte_kib)
	sk=$((size_mib * 1024))
	ratio=$(sk_calc "$fn / ($fh > 0 ? $fh : 1)")
	sk_check madv-hugepage-gets-huge-pages "MADV_HUGEPAGE gets huge pages" 'ah >= 0.5 * sk' \
		ah="$ah" sk="$sk" --observed "AnonHugePages +$((${ah%.*} / 1024)) MiB (median)" \
		--note "expected >= half of ${size_mib} MiB in AnonHugePages; thp $(sk_meta "$d" thp_enabled), defrag $(sk_meta "$d" thp_defrag)"
	sk_check huge-pages-need-far-fewer-faults "huge pages need far fewer faults" 'ratio >= 50' \
		ratio="$ratio" --observed "$fn vs $fh faults (${ratio}x)" \
		--note "expected >= 50x fewer (ideal 512x); one fault maps 2 MiB = 512 pages of 4 KiB"
	sk_plot "$HERE/thp.gp" summary.tsv thp
	sk_summary <<EOF
## Transparent huge pages: one fault per 2 MiB (${size_mib} MiB, CPU $cpu)

The same first touch of ${size_mib} MiB, one byte per 4 KiB page, with MADV_NOHUGEPAGE and with MADV_HUGEPAGE (medians of the repetitions). With 4 KiB pages every page is a fault: $fn faults, $tn ns per MiB. With huge pages one fault maps 2 MiB: $fh faults (${ratio}x fewer), $th ns per MiB ($(sk_calc "$tn / $th")x faster), and AnonHugePages shows the memory as huge. VmPTE grew by $pn KiB with small pages and $ph KiB with huge ones: on x86-64 the kernel deposits a page-table page for every huge page, so that it can split it later without allocating.

- faults: $fn (4 KiB) vs $fh (THP): ${ratio}x
- ns per MiB: $tn vs $th
- AnonHugePages with MADV_HUGEPAGE: $ah KiB; VmPTE growth: $pn vs $ph KiB
EOF
}

# ---------------------------------------------------------------------------
# 5. pagetable: KiB of page table per MiB touched
# ---------------------------------------------------------------------------
run_pagetable() {
	local d="$SK_EXP_DIR/data.tsv"
	sk_prog "$d" sk_pin "$cpu" "$HERE/pagetable" "${SK_QOPT[@]}" || return 0
	local slope ps expect untouched maxmib maxpte
	slope=$(sk_meta "$d" slope_kib_per_mib)
	ps=$(sk_meta "$d" page_size_bytes)
	expect=$(sk_calc "8 * 1048576 / $ps / 1024")
	untouched=$(awk -F'\t' '!/^#/ && $2 == "mapped" && $5 > m { m = $5 } END { print m + 0 }' "$d")
	maxmib=$(last_of "$d" state touched touched_mib)
	maxpte=$(last_of "$d" state touched vm_pte_delta_kib)
	sk_check page-table-memory-grows-with-touched-memory "page-table memory grows with touched memory" 'slope > 0' \
		slope="$slope" --observed "${slope} KiB of page table per MiB touched" \
		--note "VmPTE, least squares over the touched sizes"
	sk_check an-untouched-mapping-needs-almost-no-page-table "an untouched mapping needs (almost) no page table" 'untouched <= 16' \
		untouched="$untouched" --observed "VmPTE +${untouched} KiB for the largest untouched mapping" \
		--note "expected VmPTE +<= 16 KiB"
	sk_plot "$HERE/pagetable.gp" data.tsv pagetable "$expect"
	sk_summary <<EOF
## Page tables grow with the memory touched (slope ${slope} KiB/MiB)

VmPTE (the process's page tables) against the memory mapped and touched, sizes doubling up to ${maxmib} MiB, THP off. A mapping costs no page table until it is touched (+${untouched} KiB at most); touched, ${maxmib} MiB needed ${maxpte} KiB. The slope, ${slope} KiB per MiB, is the hierarchy at work: a 4 KiB last-level table holds 512 entries of 8 bytes and maps 512 x 4 KiB = 2 MiB, so 1 MiB costs 2 KiB; the next level up adds 1/512 of that. meminfo's PageTables (whole system, updated in per-CPU batches) is noisier.

- slope: ${slope} KiB/MiB (expected ${expect} for 4 KiB pages and 8-byte entries)
- ${maxmib} MiB touched: VmPTE +${maxpte} KiB
EOF
}

# ---------------------------------------------------------------------------
# 6. overcommit: promises are free, touching is not
# ---------------------------------------------------------------------------
run_overcommit() {
	local d="$SK_EXP_DIR/data.tsv"
	sk_prog "$d" sk_pin "$cpu" "$HERE/overcommit" "${SK_QOPT[@]}" || return 0
	local mode ok_nr ok_ch err_ch res_gib total_gib r0 r1 rt tkib v1
	mode=$(sk_meta "$d" overcommit_memory)
	res_gib=$(($(sk_meta "$d" reserve_bytes) / 1073741824))
	total_gib=$(($(sk_meta "$d" mem_total_kib) / 1048576))
	tkib=$(($(sk_meta "$d" touch_bytes) / 1024))
	ok_nr=$(sk_tsv_get "$d" step reserve_noreserve ok)
	ok_ch=$(sk_tsv_get "$d" step reserve_charged ok) err_ch=$(sk_tsv_get "$d" step reserve_charged errno)
	r0=$(sk_tsv_get "$d" step before rss_kib)
	if [[ $mode == 2 ]]; then
		sk_check strict-overcommit-refuses-the-reservation "strict overcommit refuses the reservation" 'ok_nr == 0' \
			ok_nr="$ok_nr" --observed "MAP_NORESERVE of ${res_gib} GiB: $([[ $ok_nr == 1 ]] && echo succeeded || echo refused)" \
			--note "expected mmap fails (mode 2); vm.overcommit_memory=2: every mapping is charged against CommitLimit"
	else
		r1=$(sk_tsv_get "$d" step reserve_noreserve rss_kib)
		v1=$(sk_tsv_get "$d" step reserve_noreserve vsz_kib)
		rt=$(sk_tsv_get "$d" step touched rss_kib)
		sk_check a-reservation-larger-than-ram-succeeds-and-costs-nothing "a reservation larger than RAM succeeds and costs nothing" 'ok_nr == 1 && r1 - r0 < 1024' \
			ok_nr="$ok_nr" r1="$r1" r0="$r0" --observed "${res_gib} GiB reserved with ${total_gib} GiB RAM: VSZ $((v1 / 1048576)) GiB, RSS +$((r1 - r0)) KiB" \
			--note "expected mmap ok, RSS +< 1 MiB; vm.overcommit_memory=$mode, MAP_NORESERVE"
		sk_check touching-is-what-costs "touching is what costs" 'rt - r1 >= 0.9 * tkib && rt - r1 <= 1.2 * tkib' \
			rt="$rt" r1="$r1" tkib="$tkib" --observed "RSS +$(((rt - r1) / 1024)) MiB after touching $((tkib / 1024)) MiB" \
			--note "expected RSS +$((tkib / 1024)) MiB (0.9..1.2x)"
		if [[ $mode == 0 ]]; then
			sk_check the-heuristic-refuses-a-charged-request-larger-than-ram-swap "the heuristic refuses a charged request larger than RAM + swap" 'ok_ch == 0' \
				ok_ch="$ok_ch" --observed "$([[ $ok_ch == 1 ]] && echo succeeded || echo "refused ($err_ch)")" \
				--note "expected mmap without MAP_NORESERVE fails"
		fi
	fi
	sk_summary <<EOF
## Overcommit: address space is a promise (vm.overcommit_memory=$mode)

The program asked for ${res_gib} GiB of address space on a machine with ${total_gib} GiB of RAM. Without MAP_NORESERVE the request was $([[ $ok_ch == 1 ]] && echo accepted || echo "refused ($err_ch)"); with MAP_NORESERVE it was $([[ $ok_nr == 1 ]] && echo "accepted: VSZ grew to the full size while RSS did not move, and only touching $((tkib / 1024)) MiB of it raised RSS, by $(( (${rt:-0} - ${r1:-0}) / 1024)) MiB" || echo refused). Mode 0 refuses only requests larger than RAM + swap that are charged; mode 1 never refuses; mode 2 charges every private writable mapping against CommitLimit. Nothing was touched beyond a small bounded amount, so the OOM killer never had a reason to wake.

- overcommit_memory: $mode; reserved: ${res_gib} GiB; MemTotal: ${total_gib} GiB
- charged request: $([[ $ok_ch == 1 ]] && echo ok || echo "$err_ch"); MAP_NORESERVE: $([[ $ok_nr == 1 ]] && echo ok || echo refused)
EOF
}

# ---------------------------------------------------------------------------
# 7. segv: what the kernel says about a bad access
# ---------------------------------------------------------------------------
run_segv() {
	local d="$SK_EXP_DIR/data.tsv" c want got match
	sk_prog "$d" "$HERE/segv" || return 0
	for c in null_read unmapped_write readonly_write exec_noexec; do
		want=$(sk_tsv_get "$d" case "$c" expected_code)
		got=$(sk_tsv_get "$d" case "$c" si_code)
		match=$(sk_tsv_get "$d" case "$c" addr_match)
		sk_check "$(sk_slug "$c gives $want")" "$c gives $want" 'same_code == 1 && addr_match == 1' \
			same_code="$([[ -n $got && $got == "$want" ]] && echo 1 || echo 0)" addr_match="$match" \
			--observed "$got at $(sk_tsv_get "$d" case "$c" si_addr) (exit: $(sk_tsv_get "$d" case "$c" exit))" \
			--note "expected $want at the target address"
	done
	got=$(sk_tsv_get "$d" case no_handler exit)
	sk_check without-a-handler-the-process-is-killed "without a handler the process is killed" 'by_sigsegv == 1' \
		by_sigsegv="$([[ $got == SIGSEGV ]] && echo 1 || echo 0)" --observed "${got:-no row}" \
		--note "expected killed by SIGSEGV; the book's case: the shell prints 'Segmentation fault'"
	sk_summary <<EOF
## Segmentation faults, with the kernel's reason

Each bad access ran in a child with a SA_SIGINFO handler; the parent reports what the kernel put in siginfo. Reading NULL and writing to an unmapped page give SEGV_MAPERR (no mapping at that address); writing to a read-only page and jumping into a non-executable one give SEGV_ACCERR (mapped, but the permission is missing). si_addr is the exact address in every case; for the jump it is the jump target. Without a handler the child dies of SIGSEGV, as in the book.

$(awk -F'\t' '!/^#/ && NR > 1 && $1 != "case" { printf "- %s: %s at %s (%s)\n", $1, $3, $5, $7 }' "$d")
EOF
}

# ---------------------------------------------------------------------------
# 8. filemap: a shared file mapping is the page cache
# ---------------------------------------------------------------------------
run_filemap() {
	local d="$SK_EXP_DIR/data.tsv" c
	sk_prog "$d" "$HERE/filemap" || return 0
	c=read_after_shared_store
	sk_check a-map-shared-store-is-visible-to-read "a MAP_SHARED store is visible to read()" 'ok == 1' \
		ok="$(sk_tsv_get "$d" check $c ok)" --observed "$(sk_tsv_get "$d" check $c observed)" \
		--note "expected $(sk_tsv_get "$d" check $c expected); no msync, no write(): the same page-cache page"
	c=read_after_private_store
	sk_check a-map-private-store-stays-private "a MAP_PRIVATE store stays private" 'ok == 1' \
		ok="$(sk_tsv_get "$d" check $c ok)" --observed "$(sk_tsv_get "$d" check $c observed)" \
		--note "expected the file unchanged; copy-on-write"
	c=touch_beyond_eof
	sk_check touching-beyond-the-end-of-the-file-raises-sigbus "touching beyond the end of the file raises SIGBUS" 'ok == 1' \
		ok="$(sk_tsv_get "$d" check $c ok)" --observed "$(sk_tsv_get "$d" check $c observed)" \
		--note "expected SIGBUS; mapped address, but no file data behind it"
	sk_summary <<EOF
## File mappings: MAP_SHARED writes are file writes

A one-page file written with write(2), then mapped MAP_SHARED: a memcpy into the mapping, and read() returns the new text at once ("$(sk_tsv_get "$d" check read_after_shared_store observed)"), because the mapping and read() use the same page-cache page. A MAP_PRIVATE mapping of the same file gets a private copy on its first write: the file keeps the shared text. Mapping two pages of a one-page file and touching the second gives $(sk_tsv_get "$d" check touch_beyond_eof observed | cut -d' ' -f1), not SIGSEGV: the address is mapped, but there is no file data behind it.
EOF
}

# ---------------------------------------------------------------------------
# 9. malloc: brk heap vs mmap
# ---------------------------------------------------------------------------
run_malloc() {
	local d="$SK_EXP_DIR/data.tsv" small big
	sk_prog "$d" "$HERE/malloc" || return 0
	small=$(sk_tsv_get "$d" size_bytes 16 where)
	big=$(sk_tsv_get "$d" size_bytes 16777216 where)
	local s128 b120
	s128=$(sk_tsv_get "$d" size_bytes 131072 where)
	b120=$(sk_tsv_get "$d" size_bytes 122880 brk_delta_bytes)
	sk_check small-blocks-come-from-the-heap-large-ones-from-mmap "small blocks come from the heap, large ones from mmap" 'small_heap == 1 && big_mmap == 1' \
		small_heap="$([[ $small == heap ]] && echo 1 || echo 0)" big_mmap="$([[ $big == mmap ]] && echo 1 || echo 0)" \
		--observed "16 B: $small, 128 KiB: $s128, 16 MiB: $big" \
		--note "expected 16 B: heap, 16 MiB: mmap; glibc M_MMAP_THRESHOLD: 128 KiB by default"
	local strace_line="strace not installed: no system-call counts"
	if sk_have strace; then
		local f label size count b m u
		printf 'label\tsize_bytes\tcount\tbrk\tmmap\tmunmap\n' >"$SK_EXP_DIR/syscalls.tsv"
		for f in baseline:64:1 small:64:10000 large:1M:100; do
			IFS=: read -r label size count <<<"$f"
			strace -f -c -e trace=brk,mmap,munmap -o "$SK_EXP_DIR/strace-$label.txt" \
				"$HERE/malloc" --alloc "$size" --count "$count" >/dev/null 2>>"$SK_LOG" || sk_die "strace malloc failed"
			b=$(awk '$NF == "brk" {print $4}' "$SK_EXP_DIR/strace-$label.txt")
			m=$(awk '$NF == "mmap" {print $4}' "$SK_EXP_DIR/strace-$label.txt")
			u=$(awk '$NF == "munmap" {print $4}' "$SK_EXP_DIR/strace-$label.txt")
			printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$label" "$size" "$count" "${b:-0}" "${m:-0}" "${u:-0}" >>"$SK_EXP_DIR/syscalls.tsv"
		done
		local st="$SK_EXP_DIR/syscalls.tsv" b0 m0 bs ms bl ml
		b0=$(sk_tsv_get "$st" label baseline brk) m0=$(sk_tsv_get "$st" label baseline mmap)
		bs=$(sk_tsv_get "$st" label small brk) ms=$(sk_tsv_get "$st" label small mmap)
		bl=$(sk_tsv_get "$st" label large brk) ml=$(sk_tsv_get "$st" label large mmap)
		strace_line="10000 x 64 B: +$((bs - b0)) brk, +$((ms - m0)) mmap; 100 x 1 MiB: +$((bl - b0)) brk, +$((ml - m0)) mmap (strace -c, minus a 1-block baseline)"
		sk_check large-blocks-cost-one-mmap-each-small-ones-share-a-few-brk "large blocks cost one mmap each, small ones share a few brk" 'ml - m0 >= 100 && ms - m0 <= 2 && bs - b0 >= 1' \
			ml="$ml" m0="$m0" ms="$ms" bs="$bs" b0="$b0" --observed "$strace_line" \
			--note "expected 1 MiB x 100: >= 100 mmap; 64 B x 10000: a few brk, no mmap"
	else
		sk_verdict "syscall counts" "strace -c" "strace missing" SKIP "install strace"
	fi
	sk_summary <<EOF
## Where malloc gets memory: brk heap or mmap

One block of each size, all kept until the end (freeing an mmapped block would raise glibc's dynamic threshold). A block whose address lies inside [heap] was carved from the heap, which glibc grows by moving the program break (brk); a block in an anonymous region of its own came from mmap. 16 B: $small; 128 KiB: $s128; 16 MiB: $big. 120 KiB, asked for last when the heap's free top no longer held it, moved the break by $b120 bytes: below the threshold glibc grows the heap (with 128 KiB of slack, M_TOP_PAD), above it it maps.

- $strace_line
EOF
}

# ---------------------------------------------------------------------------
# 10. fault-cost: ns per fault
# ---------------------------------------------------------------------------
run_fault_cost() {
	local d="$SK_EXP_DIR/data.tsv"
	sk_prog "$d" sk_pin "$cpu" "$HERE/fault-cost" "${SK_QOPT[@]}" || return 0
	sk_summarize -b mode -v ns_per_page "$d" | sk_atomic_write "$SK_EXP_DIR/summary.tsv"
	sk_summarize -b mode -v ns_per_fault "$d" | sk_atomic_write "$SK_EXP_DIR/summary-per-fault.tsv"
	local s="$SK_EXP_DIR/summary.tsv" ft rt rz po th fpp thf
	ft=$(sk_tsv_get "$s" mode first_touch_4k median)
	rt=$(sk_tsv_get "$s" mode retouch_4k median)
	rz=$(sk_tsv_get "$s" mode read_zero_4k median)
	po=$(sk_tsv_get "$s" mode populate_4k median)
	th=$(sk_tsv_get "$s" mode first_touch_thp median)
	thf=$(sk_tsv_get "$SK_EXP_DIR/summary-per-fault.tsv" mode first_touch_thp median)
	fpp=$(awk -F'\t' '!/^#/ && $1 == "first_touch_4k" { f += $4; p += $3 } END { if (p) printf "%.3f", f / p }' "$d")
	sk_check a-first-touch-costs-far-more-than-a-re-touch "a first touch costs far more than a re-touch" 'ft >= 5 * rt' \
		ft="$ft" rt="$rt" --observed "first touch $ft ns/page vs re-touch $rt ns/page ($(sk_calc "$ft / $rt")x)" \
		--note "expected >= 5x; medians, CPU $cpu"
	sk_check one-fault-per-4-kib-first-touch "one fault per 4 KiB first touch" 'fpp >= 0.95 && fpp <= 1.05' \
		fpp="$fpp" --observed "$fpp faults/page (ru_minflt)" \
		--note "expected 1 fault/page"
	if [[ -n $th ]]; then
		sk_check thp-makes-first-touch-cheaper-per-page "THP makes first touch cheaper per page" 'th < ft' \
			th="$th" ft="$ft" --observed "$th vs $ft ns/page ($(sk_calc "$ft / $th")x); $thf ns per 2 MiB fault" \
			--note "expected thp < 4 KiB ns/page"
	else
		sk_verdict "THP first touch" "measured" "not measured" SKIP "THP is $(tr -d '\n' </sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || echo unavailable)"
	fi
	sk_plot "$HERE/fault-cost.gp" summary.tsv fault-cost
	sk_summary <<EOF
## What a page fault costs (CPU $cpu, medians)

Each bar is the median time per 4 KiB page of one pass over a fresh mapping (error bars: 10th to 90th percentile). A first write costs $ft ns per page, all of it the fault: allocate a page, zero it, map it, return ($fpp faults per page). Writing the same pages again costs $rt ns. A first read maps the shared zero page: $rz ns. MAP_POPULATE does the faulting inside mmap, without the exception: $po ns per page. With THP one fault zeroes and maps 2 MiB: ${th:-n/a} ns per 4 KiB ($thf ns per fault). On this VM a fresh guest page may also cost the host a fault (free page reporting returns freed guest memory to the host).

- first touch 4 KiB: $ft ns/page; re-touch: $rt ns/page ($(sk_calc "$ft / $rt")x)
- read (zero page): $rz; MAP_POPULATE: $po; THP: ${th:-n/a} ns/page
- reference on this machine (research notes): anon write fault ~1.4 us, zero-page read ~0.6 us, MAP_POPULATE ~0.9 us/page
EOF
}

# ---------------------------------------------------------------------------
# vaspace: how big a process's address space is
# ---------------------------------------------------------------------------
run_vaspace() {
	local d="$SK_EXP_DIR/data.tsv" total before hi bits arch expect="" tib
	sk_prog "$d" "$HERE/vaspace" || return 0
	total=$(sk_meta "$d" reserved_total_bytes) before=$(sk_meta "$d" mapped_before_bytes)
	hi=$(sk_meta "$d" highest_address) bits=$(sk_meta "$d" va_bits)
	arch=$(uname -m)
	case $arch in
	x86_64) expect=47 ;;    # 4-level paging; 5-level hands out more only above a hint
	aarch64) expect=48 ;;   # the common 48-bit VA (kernels built for 39 or 52 bits exist)
	esac
	tib=$(sk_calc "($total + $before) / 2^40" %.2f)
	sk_check whole-space-reservable "the whole user address space can be reserved without memory" \
		'reserved + before >= 0.99 * 2 ^ va_bits' reserved="$total" before="$before" va_bits="$bits" \
		--observed "$tib TiB reserved or mapped, highest address $hi ($bits bits)" \
		--note "PROT_NONE + MAP_NORESERVE: a VMA, no page, no page table, no commit charge"
	sk_check va-bits-match-arch "user addresses use the bits the architecture gives" 'va_bits == expect_bits' \
		va_bits="$bits" expect_bits="$expect" --absent "no documented figure for $arch here" \
		--note "$arch: $( [[ $arch == x86_64 ]] && echo "4-level page tables, 2^47 = 128 TiB" || echo "48-bit VA, 2^48 = 256 TiB")"
	sk_summary <<EOF
## How big is an address space?

The program asks for address space with mmap(PROT_NONE, MAP_NORESERVE), in chunks that halve each time the kernel answers ENOMEM, until not even one page is left. It got $tib TiB (with what the process had mapped already), and the highest address in use is $hi: $bits bits of address for user space. On x86-64 that is 2^47 = 128 TiB, what 4-level page tables can map in the lower half (the kernel has the upper half); arm64 usually gives 2^48. None of it costs memory: an untouched PROT_NONE reservation is only a VMA, and the kernel charges no commit for it. Compare overcommit, which reserves writable memory and is charged.

- reserved: $total bytes; mapped before: $before bytes; highest address $hi ($bits bits)
EOF
}

# ---------------------------------------------------------------------------
# buddy: the page allocator's free lists, and fragmentation
# ---------------------------------------------------------------------------
# buddy_kib FILE STAGE LO HI: free KiB of orders LO..HI at STAGE (zones and per-CPU lists summed)
buddy_kib() {
	awk -F'\t' -v st="$2" -v lo="$3" -v hi="$4" '/^#/ { next } !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
		$c["stage"] == st && $c["order"] >= lo && $c["order"] <= hi { t += $c["free_kib"] } END { printf "%.0f\n", t }' "$1"
}
run_buddy() {
	local d="$SK_EXP_DIR/data.tsv"
	sk_prog "$d" sk_pin "$cpu" "$HERE/buddy" "${SK_QOPT[@]}" || return 0
	local ho freed size
	ho=$(sk_meta "$d" huge_page_order) freed=$(($(sk_meta "$d" freed_bytes) / 1024)) size=$(($(sk_meta "$d" size_bytes) / 1024))
	# summary.tsv: free MiB per order, one column per stage
	{ grep '^#' "$d"; awk -F'\t' -v ps="$(sk_meta "$d" page_size_bytes)" '
		/^#/ { next }
		!h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
		{ v[$c["order"], $c["stage"]] += $c["free_kib"]; if ($c["order"] > max) max = $c["order"] }
		END {
			print "order\tblock\tbefore_mib\tpopulated_mib\tfragmented_mib\treleased_mib"
			for (o = 0; o <= max; o++) {
				kib = ps * 2 ^ o / 1024
				blk = kib >= 1024 ? sprintf("%dM", kib / 1024) : sprintf("%dK", kib)
				printf "%d\t%s\t%.1f\t%.1f\t%.1f\t%.1f\n", o, blk,
					v[o, "before"] / 1024, v[o, "populated"] / 1024, v[o, "fragmented"] / 1024, v[o, "released"] / 1024
			}
		}' "$d"; } | sk_atomic_write "$SK_EXP_DIR/summary.tsv"
	local tot_p tot_f hi_p hi_f lo_p lo_f
	tot_p=$(buddy_kib "$d" populated 0 99) tot_f=$(buddy_kib "$d" fragmented 0 99)
	hi_p=$(buddy_kib "$d" populated "$ho" 99) hi_f=$(buddy_kib "$d" fragmented "$ho" 99)
	lo_p=$(buddy_kib "$d" populated 0 0) lo_f=$(buddy_kib "$d" fragmented 0 0)
	local rise=$((tot_f - tot_p)) hrise=$((hi_f - hi_p)) lrise=$((lo_f - lo_p))
	sk_check freeing-every-other-page-frees-memory "freeing every other page gives back half the memory" 'rise >= 0.5 * freed' \
		rise="$rise" freed="$freed" --observed "free +$((rise / 1024)) MiB for $((freed / 1024)) MiB freed; +$((lrise / 1024)) MiB of it as single pages (order 0 + per-CPU lists)" \
		--note "expected >= 0.5 x freed; buddyinfo + the per-CPU lists, whole machine"
	# Judged on the single pages, which are ours: other processes' frees of big
	# blocks (or earlier experiments' pages draining from the per-CPU lists) move
	# the high orders by tens of MiB in a second.
	sk_check freed-pages-do-not-form-huge-blocks "the freed pages stay single pages, not huge-page-sized blocks (fragmentation)" 'single >= 0.5 * freed' \
		single="$lrise" freed="$freed" --observed "order 0 (+ per-CPU lists) +$((lrise / 1024)) MiB of $((freed / 1024)) MiB freed; order >= $ho changed by $((hrise / 1024)) MiB" \
		--note "expected >= 0.5 x freed as single pages: each freed page's buddy is still in use, so no two merge"
	local alloc fb n
	alloc=$(sk_meta "$d" thp_fault_alloc_delta) fb=$(sk_meta "$d" thp_fault_fallback_delta) n=$(sk_meta "$d" thp_huge_pages)
	sk_check thp-faults-try-one-huge-page-each "each 2 MiB piece touched with MADV_HUGEPAGE is one THP fault: allocated or fallen back" \
		'alloc + fallback >= 0.9 * n && alloc + fallback > 0' alloc="$alloc" fallback="$fb" n="$n" \
		--observed "thp_fault_alloc +$alloc, thp_fault_fallback +$fb for $n huge pages" \
		--absent "THP not measured: $(sk_meta "$d" thp_skipped)" \
		--note "whole-machine counters; a fallback means no free 2 MiB block was found (or compaction gave up)"
	sk_plot "$HERE/buddy.gp" summary.tsv buddy
	sk_summary <<EOF
## The buddy allocator and fragmentation ($((size / 1024)) MiB, CPU $cpu)

Each group of bars is one block size (order: 2^order pages of 4 KiB, 0 ... 4 MiB), summed over the zones of /proc/buddyinfo; order 0 also counts the pages parked on the per-CPU lists (/proc/zoneinfo "count"), which buddyinfo does not show. The program touched $((size / 1024)) MiB of 4 KiB pages (populated), then freed every other page with MADV_DONTNEED: free memory rose by $((rise / 1024)) MiB of the $((freed / 1024)) MiB freed, but as single pages: a freed page merges with its buddy only when the buddy is free too, and every buddy was still in use. Free memory in blocks of order $ho and above (2 MiB, what a huge page needs) changed by $((hrise / 1024)) MiB. After munmap the buddies can merge again, but the per-CPU lists (up to ~200 MiB per CPU after a burst of frees) hold many of the pages for seconds.

Then $(($(sk_meta "$d" thp_touch_bytes) / 1048576)) MiB touched with MADV_HUGEPAGE: /proc/vmstat thp_fault_alloc +${alloc:-?} (a free 2 MiB block was found), thp_fault_fallback +${fb:-?} (none was: 4 KiB pages instead); the process got $(sk_meta "$d" thp_anon_huge_kib) KiB of AnonHugePages.

- free: +$((rise / 1024)) MiB (order 0 + per-CPU lists: +$((lrise / 1024)) MiB); order >= $ho: $((hrise / 1024)) MiB
- THP faults: $alloc allocated, $fb fell back (THP $(sk_meta "$d" thp_mode))
EOF
}

# ---------------------------------------------------------------------------
# slab: the dentry and inode caches
# ---------------------------------------------------------------------------
run_slab() {
	local d="$SK_EXP_DIR/data.tsv"
	local -a dir=()
	# tmpfs when there is one: on a disk filesystem each create waits for the
	# journal, seconds per thousand files while other programs write.
	if [[ $(stat -f -c %T /dev/shm 2>/dev/null) == tmpfs && -w /dev/shm ]]; then dir=(-D /dev/shm); fi
	sk_prog "$d" sk_pin "$cpu" "$HERE/slab" "${SK_QOPT[@]}" "${dir[@]}" || return 0
	local n fs ic
	n=$(sk_meta "$d" files) fs=$(sk_meta "$d" fs_type) ic=$(sk_meta "$d" inode_cache)
	# slab_delta FROM TO COLUMN: the change of COLUMN between two stages
	slab_delta() { echo $(($(sk_tsv_get "$d" stage "$2" "$3") - $(sk_tsv_get "$d" stage "$1" "$3"))); }
	local dd di sd si ui ud un rd sr
	dd=$(slab_delta before created nr_dentry) di=$(slab_delta before created nr_inodes)
	sd=$(slab_delta before created dentry_objects) si=$(slab_delta before created inode_objects)
	ui=$(slab_delta created unlinked nr_inodes) ud=$(slab_delta created unlinked nr_dentry)
	un=$(slab_delta created unlinked nr_negative) rd=$(slab_delta created removed nr_dentry)
	sr=$(slab_delta before created sreclaimable_kib)
	local slab_ok=1
	[[ $(sk_tsv_get "$d" stage before dentry_objects) == -1 ]] && slab_ok=""
	sk_check creating-files-adds-a-dentry-and-an-inode-each "creating empty files adds one dentry and one inode each" 'dentries >= 0.8 * n && inodes >= 0.8 * n' \
		dentries="$dd" inodes="$di" n="$n" --observed "$n files: dentries +$dd, inodes +$di (dentry-state, inode-nr); SReclaimable +$((sr / 1024)) MiB" \
		--note "expected >= 0.8 x $n each; whole-machine counters"
	sk_check the-slab-caches-grow-with-them "the dentry and $ic slab caches grow with them" 'dentry_objs >= 0.8 * n && inode_objs >= 0.8 * n' \
		dentry_objs="${slab_ok:+$sd}" inode_objs="${slab_ok:+$si}" n="$n" --observed "dentry +$sd, $ic +$si objects" \
		--absent "slab counts need root (/proc/slabinfo, /sys/kernel/slab/*/objects are root-only)" \
		--note "expected >= 0.8 x $n each; $(sk_meta "$d" count_source)"
	sk_check deleting-the-files-frees-their-inodes "deleting the files frees their inodes" 'inodes <= -0.8 * n' \
		inodes="$ui" n="$n" --observed "inodes $ui after unlinking $n files; dentries $ud, negative dentries +$un" \
		--note "expected <= -0.8 x $n; on a disk filesystem the names stay as negative dentries until the directory goes"
	sk_check removing-files-and-directory-frees-the-dentries "deleting the files and their directory frees the dentries" 'dentries <= -0.8 * n' \
		dentries="$rd" n="$n" --observed "dentries $rd after unlinking $n files and removing the directory" \
		--note "expected <= -0.8 x $n"
	sk_plot "$HERE/slab.gp" data.tsv slab "$n"
	sk_summary <<EOF
## The dentry and inode caches ($n empty files on $fs)

Every name the kernel has looked up is a dentry and every file it has opened an inode, each an object from a slab cache ("dentry", "$ic"). Creating $n empty files added $dd dentries and $di inodes (/proc/sys/fs/dentry-state and inode-nr, the kernel's exact counters)$([[ -n $slab_ok ]] && echo "; the slab caches grew by $sd and $si objects") and $((sr / 1024)) MiB of SReclaimable. Unlinking them freed $((-ui)) inodes; dentries changed by $ud, with $un more negative dentries: on a disk filesystem a deleted name stays cached as "does not exist", on tmpfs it goes at once. Removing the directory too left dentries at $rd against the created stage. The kernel also frees these objects by itself when memory is short: they are reclaimable (SReclaimable), and echo 2 > /proc/sys/vm/drop_caches (root, whole machine: the slab program's --drop-caches) frees every unused one.

- created: dentries +$dd, inodes +$di; slab objects: dentry +$sd, $ic +$si$([[ -n $slab_ok ]] || echo " (not readable without root)")
- unlinked: inodes $ui, dentries $ud (negative +$un); directory removed: dentries $rd
EOF
}

# ---------------------------------------------------------------------------
# oom-victim: whom the OOM killer picks (inside a memory-limited cgroup)
# ---------------------------------------------------------------------------
# oom_pick FILE ROUND WHAT: the child numbers of ROUND with predicted/killed = 1
# (WHAT = predicted | killed), or the child with the highest oom_score (WHAT = top),
# joined by commas; "0" when none.
oom_pick() {
	awk -F'\t' -v r="$2" -v w="$3" '/^#/ { next } !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
		$c["round"] != r { next }
		w == "top" { if ($c["oom_score"] + 0 > best) { best = $c["oom_score"] + 0; out = $c["child"] } else if ($c["oom_score"] + 0 == best) out = out "," $c["child"]; next }
		$c[w] == 1 { out = out (out == "" ? "" : ",") $c["child"] }
		END { print out == "" ? 0 : out }' "$1"
}
# oom_topk FILE ROUND: 1 if the killed children of ROUND are the k highest by
# badness (k = how many were killed, at least 1; ties either way), else 0.
# Under heavy load the kernel may kill twice in one round: the first victim's
# memory is not yet free when the pusher faults again, so the next-worst goes too.
oom_topk() {
	awk -F'\t' -v r="$2" '/^#/ { next } !h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1; next }
		$c["round"] != r { next }
		{ b = $c["badness_pages"] + 0
		  if ($c["killed"] == 1) { k++; if (k == 1 || b < kmin) kmin = b }
		  else if (!n++ || b > smax) smax = b }
		END { print (k >= 1 && (n == 0 || kmin >= smax)) ? 1 : 0 }' "$1"
}
run_oom_victim() {
	local d="$SK_EXP_DIR/data.tsv"
	sk_prog "$d" "$HERE/oom-victim" "${SK_QOPT[@]}" || return 0
	local r pred kill top n limit_mib ks ka
	limit_mib=$(($(sk_meta "$d" limit_bytes) / 1048576))
	ks=$(oom_pick "$d" size killed) ka=$(oom_pick "$d" adj killed)
	for r in size adj; do
		pred=$(oom_pick "$d" "$r" predicted) kill=$(oom_pick "$d" "$r" killed) top=$(oom_pick "$d" "$r" top)
		n=$(sk_meta "$d" "oom_kill_$r")
		local what want
		if [[ $r == size ]]; then
			what="with equal oom_score_adj the OOM killer kills the largest child" want=3
		else
			what="oom_score_adj +$(sk_tsv_get "$d" round adj oom_score_adj) makes the smallest child the victim" want=1
		fi
		# One kill is the rule; two happen on a loaded machine (see oom_topk): then
		# the predicted child must be among them and the other the next-worst.
		local hit=0 t
		for t in ${top//,/ }; do [[ ,$kill, == *",$t,"* ]] && hit=1; done
		sk_check "oom-kills-the-predicted-child-$r" "$what" \
			'predicted_killed == 1 && predicted == expected && in_badness_order == 1 && oom_kill >= 1' \
			predicted_killed="$([[ $pred =~ ^[0-9]+$ && ,$kill, == *",$pred,"* ]] && echo 1 || echo 0)" \
			predicted="$pred" expected="$want" in_badness_order="$(oom_topk "$d" "$r")" oom_kill="$n" \
			--observed "killed: child $kill; predicted (badness): child $pred; group oom_kill +$n; $(sk_meta "$d" "outcome_$r")$([[ $kill == *,* ]] && echo "; more than one kill: the first victim's memory was not free yet when the pusher faulted again (load), so the next-worst child went too")" \
			--note "badness = resident + page-table pages + oom_score_adj x group limit / 1000 (mm/oom_kill.c oom_badness)"
		sk_check "oom-score-ranks-the-victim-highest-$r" "the killed child has the highest /proc/PID/oom_score ($r round)" 'on_top == 1' \
			on_top="$hit" \
			--observed "oom_score highest: child $top; killed: child $kill" \
			--note "oom_score is scaled to the whole machine's RAM (coarse: ties allowed)"
	done
	sk_summary <<EOF
## Whom the OOM killer picks (group limit ${limit_mib} MiB, $(sk_meta "$d" cgroup_mode) cgroup, memory v$(sk_meta "$d" cgroup_memory | tr -d v))

Three children in a memory cgroup limited to ${limit_mib} MiB touched $((limit_mib / 8)), $((limit_mib / 4)) and $((3 * limit_mib / 8)) MiB and waited; a fourth process in the group then allocated until the group's OOM killer acted. The program predicted the victim from each child's resident and page-table pages plus oom_score_adj x (group limit) / 1000, the kernel's oom_badness() for a group, and /proc/PID/oom_score shows the same ranking on the machine's scale. With equal oom_score_adj the kernel killed child $ks (predicted: the largest, child 3); with oom_score_adj +$(sk_tsv_get "$d" round adj oom_score_adj) on the smallest it killed child $ka (predicted: child 1, though it held the least memory). The pusher's oom_score_adj was $(sk_meta "$d" pusher_adj_size) (-1000 needs CAP_SYS_RESOURCE; it holds less than the largest child either way).

| round | child | touched MiB | oom_score_adj | oom_score | badness [pages] | predicted | killed |
|---|---|---:|---:|---:|---:|---|---|
$(awk -F'\t' '/^#/ { next } !h { h = 1; next } { printf "| %s | %s | %d | %s | %s | %s | %s | %s |\n", $1, $2, $3 / 1048576, $4, $6, $7, $8 == 1 ? "yes" : "", $9 == 1 ? "**killed**" : "" }' "$d")
EOF
}

sk_run_experiments
sk_run_finish
