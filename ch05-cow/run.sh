#!/usr/bin/env bash
# ch05-cow/run.sh - copy-on-write after fork, what a CoW fault costs, private
# vs shared memory, a race condition with the locks that fix it, and what
# talking to another process costs (IPC round trip and bandwidth); threads vs
# processes.
#
# USAGE: ./run.sh [-q] [-c CPU] [-o RUNDIR] [-e NAME]... [-s SIZE]
# Experiments (declared below with sk_experiment; -h lists them, -e NAME picks),
# each in RUNDIR/ch05-cow/<name>/.
# REQUIREMENTS: taskset (util-linux). Optional: gnuplot (plots). No root needed.
# eg,
#   ./run.sh -q              # quick: ~25 s
#   ./run.sh -c 1 -s 256M    # 256 MiB mapping, pinned to CPU 1
set -euo pipefail
SK_PROG=ch05-cow/run.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
HERE="$SK_TOP/ch05-cow"
CHAPTER=ch05-cow

LOCK_TOTAL=1000             # the book: 1000 increments in all
LOCK_MANY=20000             # processes: enough increments that a race is certain
LOCK_MANY_THREADS=2000000   # threads: ++ takes ~1 ns, so many more for the same overlap
LOCK_MANY_PLAIN=20000000    # plain ++: ~20 ms of racing, so a race happens even if a CPU is busy

sk_experiment cow run_cow_4k "parent touches SIZE (4 KiB pages), forks, child writes: RSS, PSS, Private_Dirty, faults per stage"
sk_experiment cow-thp run_cow_thp "the same with THP: the child's write splits the huge page and copies 4 KiB pages"
sk_experiment cow-cost run_cow_cost "ns per page: CoW fault, demand-zero fault, shared read, private write"
sk_experiment shared-mem run_shared_mem "a counter in a variable / MAP_PRIVATE / MAP_SHARED page: who sees what"
sk_experiment lock run_lock "lost updates of a shared counter: no lock, lockfile, O_EXCL, flock, fcntl, atomic, mutex"
sk_experiment ipc run_ipc "IPC round trip and bandwidth: pipe, FIFO, Unix, TCP, mqueue, shared memory + futex; one CPU vs two" ipc
sk_experiment threads run_threads "threads: one TGID, one address space; fork copies one thread (a held mutex deadlocks the child); creation cost" threads

usage() {
	cat <<EOF
Usage: $SK_PROG [-q] [-c CPU] [-o RUNDIR] [-e NAME]... [-s SIZE]
Copy-on-write after fork, CoW fault cost, private vs shared memory, races and locks, IPC,
threads vs processes.

$(sk_std_usage)
  -s SIZE       memory for cow and cow-thp [bytes, K/M/G suffix] (default 100M, the book's;
                at most half of MemAvailable)

Examples:
  $SK_PROG -q
  $SK_PROG -c 1 -s 256M
EOF
}

size=100M
sk_opt_value s size
sk_options ":qc:o:s:he:" "$@"
# Let cow itself judge SIZE (strict parsing, MemAvailable bound) before anything runs.
if [[ -x $HERE/cow ]] && ! err=$("$HERE/cow" -s "$size" --check 2>&1 >/dev/null); then
	sk_usage_error "${err#cow: }"
fi
sk_driver_ready "$CHAPTER" cow cow-cost shared-mem lock
cpu=$SK_CPU

# cow_deltas DATA VARIANT: one row per repetition with the differences the verdicts need.
cow_deltas() {
	awk -F'\t' -v OFS='\t' -v variant="$2" '
		/^#/ { next }
		!h { for (i = 1; i <= NF; i++) c[$i] = i; h = 1
		     print "variant", "rep", "size_kib", "touch_faults", "parent_anon_huge_kib", "fork_anon_delta_kib",
		           "fork_used_delta_kib", "child_rss_kib", "child_pss_kib", "child_private_dirty_kib",
		           "write_faults", "write_anon_delta_kib", "write_used_delta_kib",
		           "child_private_dirty_after_kib", "child_anon_huge_after_kib"; next }
		{ r = $c["rep"]; s = $c["stage"]; reps[r] = 1; size[r] = $c["size_kib"]
		  anon[r, s] = $c["anon_pages_kib"]; used[r, s] = $c["used_kib"]; flt[r, s] = $c["stage_minflt"]
		  rss[r, s] = $c["rss_kib"]; pss[r, s] = $c["pss_kib"]; pd[r, s] = $c["private_dirty_kib"]
		  huge[r, s] = $c["anon_huge_kib"] }
		END {
			for (r = 0; r in reps; r++)
				print variant, r, size[r], flt[r, "before_fork"], huge[r, "before_fork"],
				      anon[r, "child_before_write"] - anon[r, "before_fork"],
				      used[r, "child_before_write"] - used[r, "before_fork"],
				      rss[r, "child_before_write"], pss[r, "child_before_write"],
				      pd[r, "child_before_write"], flt[r, "child_after_write"],
				      anon[r, "child_after_write"] - anon[r, "child_before_write"],
				      used[r, "child_after_write"] - used[r, "child_before_write"],
				      pd[r, "child_after_write"], huge[r, "child_after_write"]
		}' "$1"
}

# cow_stages DATA: per stage, medians over repetitions, in MiB, for the plot;
# system memory as the change since before_fork.
cow_stages() {
	sk_awk '
		function med(key, n,    i, a) { for (i = 1; i <= n; i++) a[i] = val[key, i]; return median(a, n) }
		!tsv_row() { next }
		{ for (i in COL) c[i] = COL[i]; r = $c["rep"]; s = $c["stage"]
		  if (!(s in seen)) { seen[s] = 1; order[++ns] = s; proc[s] = $c["process"] }
		  if (s == "before_fork") { a0[r] = $c["anon_pages_kib"]; u0[r] = $c["used_kib"] }
		  n[s]++
		  val[s "rss", n[s]] = $c["rss_kib"]; val[s "pss", n[s]] = $c["pss_kib"]
		  val[s "sd", n[s]] = $c["shared_dirty_kib"]; val[s "pd", n[s]] = $c["private_dirty_kib"]
		  val[s "an", n[s]] = $c["anon_pages_kib"] - a0[r]; val[s "us", n[s]] = $c["used_kib"] - u0[r]
		  val[s "fl", n[s]] = $c["stage_minflt"]; val[s "hu", n[s]] = $c["anon_huge_kib"] }
		END {
			print "stage", "process", "rss_mib", "pss_mib", "shared_dirty_mib", "private_dirty_mib",
			      "system_anon_delta_mib", "system_used_delta_mib", "stage_minflt", "anon_huge_mib"
			for (i = 1; i <= ns; i++) {
				s = order[i]
				printf "%s\t%s\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%.1f\t%d\t%.1f\n", s, proc[s],
				       med(s "rss", n[s]) / 1024, med(s "pss", n[s]) / 1024, med(s "sd", n[s]) / 1024,
				       med(s "pd", n[s]) / 1024, med(s "an", n[s]) / 1024, med(s "us", n[s]) / 1024,
				       med(s "fl", n[s]), med(s "hu", n[s]) / 1024
			}
		}' -F'\t' -v OFS='\t' "$1"
}

# ---------------------------------------------------------------------------
# 1. cow and cow-thp: what fork copies, and when
# ---------------------------------------------------------------------------
run_cow_4k() { run_cow nothp; }
run_cow_thp() { run_cow thp; }
run_cow() {
	local variant=$1 args=()
	[[ $variant == thp ]] && args=(--thp)
	sk_note "cow -s $size ${args[*]} pinned to CPU $cpu"
	sk_prog "$SK_EXP_DIR/data.tsv" sk_pin "$cpu" "$HERE/cow" -s "$size" "${args[@]}" "${SK_QOPT[@]}" || return 0
	cow_deltas "$SK_EXP_DIR/data.tsv" "$variant" | sk_atomic_write "$SK_EXP_DIR/deltas.tsv"
	cow_stages "$SK_EXP_DIR/data.tsv" | sk_atomic_write "$SK_EXP_DIR/stages.tsv"

	local d="$SK_EXP_DIR/deltas.tsv" n_kib pages page reps
	med() { sk_median_of "$d" variant "$variant" "$1"; }   # med COL: median over the repetitions
	n_kib=$(med size_kib)
	page=$(sk_meta "$SK_EXP_DIR/data.tsv" page_size_bytes)
	pages=$(sk_meta "$SK_EXP_DIR/data.tsv" pages)
	reps=$(sk_meta "$SK_EXP_DIR/data.tsv" reps)
	local fa fu cpd crss cpss wf wa wu cpda tf ph cha
	sk_let med fa=fork_anon_delta_kib fu=fork_used_delta_kib cpd=child_private_dirty_kib crss=child_rss_kib \
		cpss=child_pss_kib wf=write_faults wa=write_anon_delta_kib wu=write_used_delta_kib \
		cpda=child_private_dirty_after_kib tf=touch_faults ph=parent_anon_huge_kib cha=child_anon_huge_after_kib
	local mib=$((n_kib / 1024)) rel="median of $reps repetitions"

	sk_check after-fork-nothing-is-copied-system-memory "after fork nothing is copied (system memory)" 'fa < 0.10 * n_kib && fa > -0.10 * n_kib' \
		fa="$fa" n_kib="$n_kib" --observed "AnonPages $(sk_calc "$fa / 1024" %.1f) MiB, free's used $(sk_calc "$fu / 1024" %.1f) MiB ($rel)" \
		--note "expected system AnonPages moves < 10% of $mib MiB; AnonPages counts each anonymous page once; the child's RSS reads $(sk_calc "$crss / 1024" %.1f) MiB all the same"
	sk_check after-fork-the-child-owns-no-private-copy "after fork the child owns no private copy" 'cpd < 0.05 * n_kib' \
		cpd="$cpd" n_kib="$n_kib" --observed "Private_Dirty $cpd KiB, PSS $(sk_calc "$cpss / 1024" %.1f) MiB (half of the shared pages), RSS $(sk_calc "$crss / 1024" %.1f) MiB ($rel)" \
		--note "expected child Private_Dirty < 5% of $mib MiB"
	if [[ $variant == nothp ]]; then
		sk_check child-s-writes-take-one-fault-per-page "child's writes take one fault per page" 'wf >= 0.9 * pages && wf <= 1.2 * pages' \
			wf="$wf" pages="$pages" --observed "$wf faults ($(sk_calc "$wf / $pages" %.2f) per page; $rel)" \
			--note "expected 0.9..1.2 x $pages faults ($mib MiB / $page B)"
	else
		# Since Linux 5.8 a write to a CoW-shared huge page splits the PMD and
		# copies only the 4 KiB page that was written (commit 3917c80280c9).
		local kmaj kmin
		IFS=. read -r kmaj kmin _ <<<"$(uname -r)"
		if ((kmaj > 5 || (kmaj == 5 && kmin >= 8))); then
			sk_check cow-of-a-huge-page-splits-it-and-copies-4-kib-pages "CoW of a huge page splits it and copies 4 KiB pages" 'wf >= 0.9 * pages && wf <= 1.2 * pages && cha < 0.1 * n_kib' \
				wf="$wf" pages="$pages" cha="$cha" n_kib="$n_kib" --observed "$wf faults ($(sk_calc "$wf / $pages" %.2f) per 4 KiB page), child AnonHugePages $cha KiB ($rel)" \
				--note "expected 0.9..1.2 x $pages faults, child AnonHugePages ~ 0 after writing; Linux >= 5.8: no 2 MiB copy on CoW; the parent keeps its huge pages"
		else
			sk_verdict "CoW of a huge page splits it and copies 4 KiB pages" "Linux >= 5.8" "$(uname -r)" SKIP \
				"older kernels copy the whole huge page on CoW"
		fi
	fi
	sk_check after-the-child-writes-memory-grows-by-size "after the child writes, memory grows by SIZE" 'wa >= 0.8 * n_kib && wa <= 1.3 * n_kib' \
		wa="$wa" n_kib="$n_kib" --observed "AnonPages +$(sk_calc "$wa / 1024" %.1f) MiB ($(sk_calc "$wa / $n_kib" %.2f) x), free's used +$(sk_calc "$wu / 1024" %.1f) MiB ($rel)" \
		--note "expected system AnonPages +0.8..1.3 x $mib MiB; free's used can lag: freed pages parked on per-CPU lists do not count as free"
	if [[ $variant == thp ]]; then
		local hp
		hp=$(sk_meta "$SK_EXP_DIR/data.tsv" hpage_bytes)
		local hpages=$((n_kib * 1024 / hp))
		if sk_cmp "$ph >= 0.5 * $n_kib"; then
			sk_check with-madv-hugepage-the-touch-takes-one-fault-per-huge-page "with MADV_HUGEPAGE the touch takes one fault per huge page" 'tf <= 0.1 * pages' \
				tf="$tf" pages="$pages" --observed "$tf faults, parent AnonHugePages $(sk_calc "$ph / 1024" %.1f) MiB ($rel)" \
				--note "expected ~ $hpages faults ($mib MiB / $((hp / 1048576)) MiB), far fewer than $pages"
		else
			sk_verdict "with MADV_HUGEPAGE the touch takes one fault per huge page" ">= half of SIZE in huge pages" \
				"AnonHugePages $ph KiB" SKIP "the kernel found no free 2 MiB blocks (fragmented memory?)"
		fi
	fi

	sk_plot "$HERE/cow.gp" stages.tsv "$SK_EXP_NAME" "$variant"
	local what="MADV_NOHUGEPAGE (4 KiB pages, the book's picture)"
	[[ $variant == thp ]] && what="MADV_HUGEPAGE (2 MiB pages where the kernel can)"
	sk_summary <<EOF
## Copy-on-write after fork, $what

The parent mapped and touched $mib MiB, then forked (pinned to CPU $cpu, $rel). Right after the fork the child's RSS already reads $(sk_calc "$crss / 1024" %.1f) MiB, but its PSS is $(sk_calc "$cpss / 1024" %.1f) MiB (each shared page counted half), its Private_Dirty is $cpd KiB and the system's anonymous memory moved by $(sk_calc "$fa / 1024" %.1f) MiB: fork copied the page tables, not the pages. When the child wrote one byte per page it took $wf minor faults (the mapping has $pages pages of $page B), its Private_Dirty became $(sk_calc "$cpda / 1024" %.1f) MiB and the system's AnonPages grew by $(sk_calc "$wa / 1024" %.1f) MiB: each fault copied one page.$([[ $variant == thp ]] && echo " With MADV_HUGEPAGE the parent's touch took only $tf faults (AnonHugePages $(sk_calc "$ph / 1024" %.1f) MiB), yet the child's writes still fault once per 4 KiB page: since Linux 5.8 a CoW fault on a huge page splits it and copies 4 KiB.")

- child after fork: RSS $(sk_calc "$crss / 1024" %.1f) MiB, PSS $(sk_calc "$cpss / 1024" %.1f) MiB, Private_Dirty $cpd KiB
- system after fork: AnonPages $(sk_calc "$fa / 1024" %.1f) MiB, free's used $(sk_calc "$fu / 1024" %.1f) MiB
- child's writes: $wf faults, AnonPages +$(sk_calc "$wa / 1024" %.1f) MiB, free's used +$(sk_calc "$wu / 1024" %.1f) MiB
- parent's touch: $tf faults
EOF
}

# ---------------------------------------------------------------------------
# 2. cow-cost: ns per page for the four ways of touching a page
# ---------------------------------------------------------------------------
run_cow_cost() {
	sk_note "cow-cost pinned to CPU $cpu"
	sk_quietly "$cpu" sk_prog "$SK_EXP_DIR/data.tsv" sk_pin "$cpu" "$HERE/cow-cost" "${SK_QOPT[@]}" || return 0
	local data="$SK_EXP_DIR/data.tsv" s="$SK_EXP_DIR/summary.tsv"
	{
		sk_summarize -b op -v ns_per_page "$data" | paste - <(sk_summarize -b op -v faults_per_page "$data" | cut -f3 | sed '1s/.*/faults_per_page/')
	} | sk_atomic_write "$s"
	local z cw rd rr pw fz fc fr frr fp pages reps
	op_median() { sk_tsv_get "$s" op "$1" median; }
	op_faults() { sk_tsv_get "$s" op "$1" faults_per_page; }
	sk_let op_median z=zero_fault cw=cow_fault rd=cow_read rr=cow_reread pw=private_write
	sk_let op_faults fz=zero_fault fc=cow_fault fr=cow_read frr=cow_reread fp=private_write
	pages=$(sk_meta "$data" pages)
	reps=$(sk_meta "$data" reps)
	z=$(sk_calc "$z" %.0f) cw=$(sk_calc "$cw" %.0f) rd=$(sk_calc "$rd" %.0f) rr=$(sk_calc "$rr" %.0f) pw=$(sk_calc "$pw" %.0f)

	sk_check each-pass-measured-what-it-claims-faults-per-page "each pass measured what it claims (faults per page)" 'fz >= 0.95 && fz <= 1.1 && fc >= 0.95 && fc <= 1.1 && fr < 0.05 && frr < 0.05 && fp < 0.05' \
		fz="$fz" fc="$fc" fr="$fr" frr="$frr" fp="$fp" --observed "zero_fault $fz, cow_fault $fc, cow_read $fr, cow_reread $frr, private_write $fp faults/page (ru_minflt)" \
		--note "expected zero, cow ~1; reads, private write ~0"
	# Each repetition runs every op back to back: judge the median of the
	# repetitions' own cow/zero ratios, so a burst of load in one pass of one op
	# moves one ratio, not the verdict.
	local ratio
	ratio=$(sk_awk 'tsv_row() { op = tsv_get("op"); r = tsv_get("rep"); v[op, r] = tsv_get("ns_per_page"); reps[r] = 1 }
		END { for (r in reps) if (v["zero_fault", r] > 0) a[++n] = v["cow_fault", r] / v["zero_fault", r]
			if (n) printf "%.3f\n", median(a, n); else print "NaN" }' "$data")
	sk_check a-cow-fault-costs-more-than-a-demand-zero-fault "a CoW fault costs more than a demand-zero fault" 'ratio > 1.1' \
		ratio="$ratio" --observed "cow $cw ns vs zero $z ns per page; median of the $reps repetitions' cow/zero ratios ${ratio}x ($pages pages, CPU $cpu)" \
		--note "expected cow > 1.1 x zero; copying 4 KiB costs more than zeroing it, on top of the same fault" --load-sensitive
	sk_check a-fault-costs-far-more-than-a-plain-write "a fault costs far more than a plain write" 'z > 5 * pw' \
		z="$z" pw="$pw" --observed "zero $z ns vs private write $pw ns per page ($(sk_calc "$z / $pw" %.2f)x)" \
		--note "expected zero > 5 x private write" --load-sensitive

	sk_plot "$HERE/cow-cost.gp" summary.tsv cow-cost
	sk_summary <<EOF
## What a copy-on-write fault costs (CPU $cpu)

Each bar is the median over $reps repetitions of one pass over $pages fresh 4 KiB pages, in ns per page; ru_minflt proves what each pass did. The first write by a child to a page it shares with its parent costs $cw ns (one fault per page: allocate, copy 4 KiB, remap), the first write to a fresh anonymous page $z ns (allocate, zero 4 KiB, map): a CoW fault costs $(sk_calc "$cw / $z" %.2f)x a demand-zero fault. Without a fault a write to an already-private page costs $pw ns. A read of a shared page takes no fault but still costs $rd ns the first time, and $rr ns the second time: fork gives the child page-table entries marked "old" (accessed bit clear), so the first access to each page makes the CPU's page walker set that bit, which is slow in this VM.

- cow_fault: $cw ns/page ($fc faults/page)
- zero_fault: $z ns/page ($fz faults/page)
- cow_read: $rd ns/page ($fr faults/page), a second read $rr ns/page
- private_write: $pw ns/page ($fp faults/page)
EOF
}

# ---------------------------------------------------------------------------
# 3. shared-mem: separate after fork unless shared on purpose
# ---------------------------------------------------------------------------
run_shared_mem() {
	sk_prog "$SK_EXP_DIR/data.tsv" sk_pin "$cpu" "$HERE/shared-mem" || return 0
	local data="$SK_EXP_DIR/data.tsv" start
	start=$(sk_meta "$data" start)
	val() { awk -F'\t' -v m="$1" -v s="$2" '!/^#/ && $1 == m && $2 == s {print $4}' "$data"; }
	local vp vc pp pc sp sc wrong
	vp=$(val variable parent_after_wait) vc=$(val variable child_added_start)
	pp=$(val private parent_after_wait) pc=$(val private child_added_start)
	sp=$(val shared parent_after_wait) sc=$(val shared child_added_start)
	wrong=$(awk -F'\t' '!/^#/ && h && $4 != $5 {n++} !/^#/ {h = 1} END {print n + 0}' "$data")

	sk_check private-memory-each-process-sees-only-its-own-updates "private memory: each process sees only its own updates" 'pp == start + 1 && pc == 2 * start && vp == start + 1 && vc == 2 * start' \
		pp="$pp" start="$start" pc="$pc" vp="$vp" vc="$vc" --observed "MAP_PRIVATE: parent $pp, child $pc; global variable: parent $vp, child $vc" \
		--note "expected parent $((start + 1)), child $((2 * start))"
	sk_check shared-memory-the-parent-sees-the-child-s-updates "shared memory: the parent sees the child's updates" 'sp == 2 * start + 1 && sc == 2 * start + 1' \
		sp="$sp" start="$start" sc="$sc" --observed "MAP_SHARED: parent $sp, child $sc" \
		--note "expected both $((2 * start + 1))"
	sk_check every-value-as-predicted "every value as predicted" 'wrong == 0' \
		wrong="$wrong" --observed "$wrong mismatches in $(grep -vc '^#' "$data") rows (incl. header)" \
		--note "expected 0 mismatches"

	sk_summary <<EOF
## Private vs shared memory after fork

A counter starts at $start. After fork the parent adds 1, then the child adds $start, then the parent looks again. In a global variable or a MAP_PRIVATE page the child ends at $pc and the parent at $pp: the child's first write took a copy-on-write fault and got its own copy, so neither sees the other's update. In a MAP_SHARED page both see $sp: there is one page, mapped by both processes.

- global variable: parent $vp, child $vc
- MAP_PRIVATE: parent $pp, child $pc
- MAP_SHARED: parent $sp, child $sc
EOF
}

# ---------------------------------------------------------------------------
# 4. lock: lost updates and the locks that prevent them
# ---------------------------------------------------------------------------
run_lock() {
	local ncpu allowed
	allowed=$(awk '/^Cpus_allowed_list:/ {print $2}' /proc/self/status)
	read -ra _cpus <<<"$(sk_allowed_cpus)"
	ncpu=${#_cpus[@]}
	sk_note "lock: workers spread over CPUs $allowed (not pinned to one CPU: the race needs parallelism)"
	sk_prog "$SK_EXP_DIR/data.tsv" "$HERE/lock" --total "$LOCK_TOTAL" "${SK_QOPT[@]}" || return 0
	sk_note "lock: again with $LOCK_MANY increments (processes), $LOCK_MANY_PLAIN (plain ++) and $LOCK_MANY_THREADS (atomic, mutex), so that a race is certain"
	# The wrong lock already loses in every run of the book's count, and spins
	# for seconds at the large one: quick mode leaves it out there.
	local many_modes=(--mode none --mode flock --mode fcntl)
	((SK_QUICK)) || many_modes+=(--mode wrong_lock)
	sk_prog "$SK_EXP_DIR/data-many.tsv" "$HERE/lock" --total "$LOCK_MANY" "${SK_QOPT[@]}" "${many_modes[@]}" || return 0
	sk_prog "$SK_EXP_DIR/data-many-plain.tsv" "$HERE/lock" --total "$LOCK_MANY_PLAIN" "${SK_QOPT[@]}" \
		--mode thread_plain || return 0
	sk_prog "$SK_EXP_DIR/data-many-threads.tsv" "$HERE/lock" --total "$LOCK_MANY_THREADS" "${SK_QOPT[@]}" \
		--mode thread_atomic --mode thread_mutex || return 0

	# One table per mode: median lost, how many runs lost, for both totals.
	{
		printf 'mode\ttotal\truns\truns_with_loss\tlost_median\tlost_max\tlost_median_pct\telapsed_median_us\n'
		local f
		for f in data.tsv data-many.tsv data-many-plain.tsv data-many-threads.tsv; do
			sk_awk '
				!tsv_row() { next }
				{ for (i in COL) c[i] = COL[i]; m = $c["mode"]; if (!(m in n)) order[++nm] = m
				  n[m]++; tot[m] = $c["total"]; L[m, n[m]] = $c["lost"]; E[m, n[m]] = $c["elapsed_us"]
				  if ($c["lost"] != 0) loss[m]++; if ($c["lost"] > mx[m] || n[m] == 1) mx[m] = $c["lost"] }
				END {
					for (i = 1; i <= nm; i++) {
						m = order[i]; delete a; delete e
						for (k = 1; k <= n[m]; k++) { a[k] = L[m, k]; e[k] = E[m, k] }
						lm = median(a, n[m])
						print m, tot[m], n[m], loss[m] + 0, lm, mx[m], sprintf("%.1f", 100 * lm / tot[m]), median(e, n[m])
					}
				}' -F'\t' -v OFS='\t' "$SK_EXP_DIR/$f"
		done
	} | sk_atomic_write "$SK_EXP_DIR/summary.tsv"

	local s="$SK_EXP_DIR/summary.tsv"
	get() { awk -F'\t' -v m="$1" -v t="$2" -v col="$3" 'NR == 1 { for (i = 1; i <= NF; i++) c[$i] = i; next }
		$1 == m && $2 == t { print $c[col]; exit }' "$s"; }
	local runs nl nm nrl wl wm wrl tl tm trl
	runs=$(get none "$LOCK_TOTAL" runs)
	nl=$(get none "$LOCK_TOTAL" lost_median)
	nm=$(get none "$LOCK_MANY" lost_median)
	nrl=$(($(get none "$LOCK_TOTAL" runs_with_loss) + $(get none "$LOCK_MANY" runs_with_loss)))
	wl=$(get wrong_lock "$LOCK_TOTAL" lost_median)
	wm=$(get wrong_lock "$LOCK_MANY" lost_median)
	local w1 w2
	w1=$(get wrong_lock "$LOCK_TOTAL" runs_with_loss)
	w2=$(get wrong_lock "$LOCK_MANY" runs_with_loss)
	wrl=$((${w1:-0} + ${w2:-0}))
	local wm_txt="$wm of $LOCK_MANY"
	[[ -n $wm ]] || wm_txt="not run at $LOCK_MANY in quick mode"
	tl=$(get thread_plain "$LOCK_TOTAL" lost_median)
	tm=$(get thread_plain "$LOCK_MANY_PLAIN" lost_median)
	trl=$(($(get thread_plain "$LOCK_TOTAL" runs_with_loss) + $(get thread_plain "$LOCK_MANY_PLAIN" runs_with_loss)))
	local tlr
	tlr=$(get thread_plain "$LOCK_TOTAL" runs_with_loss)
	# A race needs two workers running at once; with one CPU they only
	# interleave when the scheduler preempts one in mid-update (rare).
	lossy_verdict() {   # CHECK OBSERVED RUNS_WITH_LOSS
		if (($3 > 0)); then
			sk_verdict "$1" "lost updates in at least one run" "$2" PASS
		elif ((ncpu < 2)); then
			sk_verdict "$1" "lost updates in at least one run" "$2" SKIP "only 1 CPU allowed: workers never run at the same time"
		else
			sk_verdict "$1" "lost updates in at least one run" "$2" FAIL
		fi
	}
	lossy_verdict "without a lock, processes lose updates" \
		"lost $nl of $LOCK_TOTAL (median of $runs runs), $nm of $LOCK_MANY; $nrl runs lost updates" "$nrl"
	lossy_verdict "a check-then-create lockfile still loses updates" \
		"lost $wl of $LOCK_TOTAL (median), $wm_txt; $wrl runs lost updates" "$wrl"
	lossy_verdict "threads with plain ++ lose updates" \
		"lost $tl of $LOCK_TOTAL (median; $tlr of $runs runs lost any), $tm of $LOCK_MANY_PLAIN; $trl runs lost updates" "$trl"
	local m nruns nlossy
	for m in excl_lock flock fcntl thread_atomic thread_mutex; do
		# runs of this mode, and how many of them lost an update (over both totals)
		read -r nruns nlossy < <(awk -F'\t' -v m="$m" 'NR > 1 && $1 == m { r += $3; l += $4 } END { print r + 0, l + 0 }' "$s")
		local tots
		tots=$(awk -F'\t' -v m="$m" 'NR > 1 && $1 == m { printf "%s%s x %s", (n++ ? ", " : ""), $3, $2 }' "$s")
		sk_check "$(sk_slug "$m is exact")" "$m is exact" 'runs > 0 && lossy_runs == 0' runs="$nruns" lossy_runs="$nlossy" \
			--observed "$nlossy of $nruns runs lost updates ($tots increments)" --note "expected no lost update in any run"
	done
	sk_plot "$HERE/lock.gp" summary.tsv lock "$LOCK_TOTAL"
	sk_summary <<EOF
## A race condition, and the locks that fix it

$(sk_meta "$SK_EXP_DIR/data.tsv" workers) workers, spread over CPUs $allowed, add 1 to a shared counter $LOCK_TOTAL times in all (the book's experiment; processes read-modify-write a file, threads ++ a variable). Without a lock $nl of $LOCK_TOTAL updates were lost (median of $runs runs; $(get none "$LOCK_TOTAL" runs_with_loss) of them lost any): two workers read the same value and both wrote value+1. A lockfile taken with "check, then create" loses $wl, because the check and the create are two steps with a gap between them. open(O_CREAT|O_EXCL), flock and fcntl record locks make the read-modify-write exclusive: every run ends exactly at the total. Threads doing plain ++ lose updates too, but $LOCK_TOTAL increments are less than a microsecond of work per thread, so the threads rarely overlap (median $tl lost, $tlr of $runs runs lost any); with $LOCK_MANY_PLAIN increments $tm were lost. atomic_fetch_add and a mutex never lose one.

- no lock: $nl lost of $LOCK_TOTAL (median), $nm of $LOCK_MANY
- check-then-create lockfile: $wl lost of $LOCK_TOTAL (median), $wm_txt
- O_EXCL, flock, fcntl, atomic, mutex: exact in every run
- threads, plain ++: $tl lost of $LOCK_TOTAL (median; $tlr of $runs runs lost any), $tm of $LOCK_MANY_PLAIN
EOF
}

# ---------------------------------------------------------------------------
# 5. ipc: what talking to another process costs
# ---------------------------------------------------------------------------
# ipc_val DATA KIND PLACEMENT METRIC BYTES: the median of one point ("" if absent).
ipc_val() {
	sk_awk 'tsv_row() && tsv_get("kind") == k && tsv_get("placement") == p && tsv_get("metric") == m &&
		tsv_get("msg_bytes") == b { print tsv_get("median"); exit }' \
		-F'\t' -v k="$2" -v p="$3" -v m="$4" -v b="$5" "$1"
}
# us NS: nanoseconds as microseconds with one decimal ("?" if not measured).
us() { if [[ -n $1 ]]; then sk_calc "$1 / 1000" %.1f; else echo "?"; fi; }
# mbs BPS: bytes per second as MB/s ("?" if not measured).
mbs() { if [[ -n $1 ]]; then sk_calc "$1 / 1e6" %.0f; else echo "?"; fi; }
# ratio A B: A / B with two decimals ("?" if either is missing).
ratio() { if [[ -n $1 && -n $2 ]]; then sk_calc "$1 / $2" %.2f; else echo "?"; fi; }
# larger A B: the larger of two numbers ("" if either is missing).
larger() { if [[ -n $1 && -n $2 ]]; then sk_calc "($1 > $2) ? $1 : $2" %.1f; fi; }

run_ipc() {
	local other args=()
	other=$(sk_other_cpu "$cpu")
	if [[ -n $other ]]; then
		args=(--cpu2 "$other")
		sk_note "ipc: parent on CPU $cpu; child on CPU $cpu (same-cpu) and on CPU $other (cross-cpu)"
	else
		args=(--placement same)
		sk_note "ipc: only CPU $cpu allowed: same-cpu only"
	fi
	# ipc pins its two processes itself: placement is the experiment.
	sk_prog "$SK_EXP_DIR/data.tsv" "$HERE/ipc" -c "$cpu" "${args[@]}" "${SK_QOPT[@]}" || return 0
	judge_ipc
	sk_plot "$HERE/ipc-rtt.gp" rtt.tsv ipc-rtt "$(sk_meta "$SK_EXP_DIR/data.tsv" rtt_verdict_bytes)"
	sk_plot "$HERE/ipc-bw.gp" bw.tsv ipc-bw
}

judge_ipc() {
	local data="$SK_EXP_DIR/data.tsv" rb big reps cpu0 cpu2
	# The round trip's message: the largest -b size measured (64 B by default);
	# the bandwidth verdicts' large message: the largest size measured.
	rb=$(sk_awk 'tsv_row() && tsv_get("metric") == "rtt_ns" && tsv_get("msg_bytes") + 0 > m { m = tsv_get("msg_bytes") + 0 }
		END { print m + 0 }' -F'\t' "$data")
	big=$(sk_awk 'tsv_row() && tsv_get("metric") == "bw_bytes_per_s" && tsv_get("msg_bytes") + 0 > m { m = tsv_get("msg_bytes") + 0 }
		END { print m + 0 }' -F'\t' "$data")
	reps=$(sk_meta "$data" reps)
	cpu0=$(sk_meta "$data" cpu)
	cpu2=$(sk_meta "$data" cpu2)
	# rtt.tsv: one row per kind, same and cross side by side; bw.tsv: one row per
	# message size, a column per kind and placement ("pipe (1 CPU)"), in MB/s.
	sk_awk 'tsv_row() && tsv_get("metric") == "rtt_ns" && tsv_get("msg_bytes") == rb {
			k = tsv_get("kind"); if (!(k in seen)) { seen[k] = 1; order[++n] = k }
			v[k, tsv_get("placement")] = tsv_get("median") }
		END { print "kind", "same_cpu_ns", "cross_cpu_ns"
		      for (i = 1; i <= n; i++) { k = order[i]
		          print k, ((k, "same-cpu") in v ? v[k, "same-cpu"] : "NaN"), ((k, "cross-cpu") in v ? v[k, "cross-cpu"] : "NaN") } }' \
		-F'\t' -v OFS='\t' -v rb="$rb" "$data" | sk_atomic_write "$SK_EXP_DIR/rtt.tsv"
	sk_awk 'tsv_row() && tsv_get("metric") == "bw_bytes_per_s" {
			c = tsv_get("kind") (tsv_get("placement") == "same-cpu" ? " (1 CPU)" : " (2 CPUs)")
			if (!(c in seen)) { seen[c] = 1; col[++nc] = c }
			b = tsv_get("msg_bytes") + 0; if (!(b in sz)) { sz[b] = 1; size[++ns] = b }
			v[c, b] = tsv_get("median") / 1e6 }
		END { isort(size, ns); printf "msg_bytes"
		      for (i = 1; i <= nc; i++) printf "\t%s", col[i]; printf "\n"
		      for (j = 1; j <= ns; j++) { printf "%d", size[j]
		          for (i = 1; i <= nc; i++) printf "\t%s", ((col[i], size[j]) in v ? sprintf("%.1f", v[col[i], size[j]]) : "NaN")
		          printf "\n" } }' -F'\t' "$data" | sk_atomic_write "$SK_EXP_DIR/bw.tsv"

	v() { ipc_val "$data" "$@"; }
	local pipe unix tcp mq shm spin pipe_x unix_x shm_x spin_x
	pipe=$(v pipe same-cpu rtt_ns "$rb") unix=$(v unix same-cpu rtt_ns "$rb") tcp=$(v tcp same-cpu rtt_ns "$rb")
	mq=$(v mq same-cpu rtt_ns "$rb") shm=$(v shm same-cpu rtt_ns "$rb") spin=$(v shm-spin same-cpu rtt_ns "$rb")
	pipe_x=$(v pipe cross-cpu rtt_ns "$rb") unix_x=$(v unix cross-cpu rtt_ns "$rb")
	shm_x=$(v shm cross-cpu rtt_ns "$rb") spin_x=$(v shm-spin cross-cpu rtt_ns "$rb")

	sk_check shm-futex-round-trip-beats-the-slowest-copying-channel \
		"shared memory + futex: a round trip costs less than over the slower of pipe and Unix socket (same CPU)" \
		'shm < slowest' --load-sensitive shm="$shm" slowest="$(larger "$pipe" "$unix")" \
		--observed "$rb B, CPU $cpu0: shm $(us "$shm") us, pipe $(us "$pipe") us (shm/pipe $(ratio "$shm" "$pipe")), unix $(us "$unix") us (shm/unix $(ratio "$shm" "$unix")); medians of $reps" \
		--note "not 'beats every copying channel': on one CPU a futex wake-up and a pipe wake-up both go through the scheduler, with 2 context switches per round trip that dwarf copying $rb B, so shm and the fastest copying channel come out close and their order is noise"
	# TCP's extra work (segments, ACKs, the loopback softirq) shows in the round
	# trip or in bulk bandwidth, and which one depends on the machine. KVM guest
	# (AMD EPYC): round trip 1.3-1.5x a Unix socket's, bulk 1.1-1.2x. PVM guest
	# (every system call and switch traps to the hypervisor): the round trip came
	# out *shorter* over TCP (19-31 vs 23-37 us), bulk 3.1-4.2x slower. The 64 B
	# stream, tried first, was bimodal there (TCP 0.97-1.65x: autocorking can
	# merge small writes into one segment), so it is only printed.
	local tcp_msg="" unix_msg="" tb ub tcp_big unix_big
	tb=$(v tcp same-cpu bw_bytes_per_s 64) ub=$(v unix same-cpu bw_bytes_per_s 64)
	if sk_is_number "$tb" && sk_cmp "$tb > 0"; then tcp_msg=$(sk_calc "64e9 / $tb" %.1f); fi
	if sk_is_number "$ub" && sk_cmp "$ub > 0"; then unix_msg=$(sk_calc "64e9 / $ub" %.1f); fi
	tcp_big=$(v tcp same-cpu bw_bytes_per_s "$big") unix_big=$(v unix same-cpu bw_bytes_per_s "$big")
	sk_check tcp-loopback-costs-more-than-a-unix-socket \
		"TCP over loopback costs more than a Unix socket, per round trip or per byte streamed (same CPU)" \
		'tcp_rtt > 1.1 * unix_rtt || unix_bw > 1.1 * tcp_bw' --load-sensitive \
		tcp_rtt="$tcp" unix_rtt="$unix" tcp_bw="$tcp_big" unix_bw="$unix_big" \
		--observed "CPU $cpu0: $rb B round trip tcp $(us "$tcp") us, unix $(us "$unix") us (tcp/unix $(ratio "$tcp" "$unix")); $(sk_calc "$big / 1024" %.0f) KiB stream tcp $(mbs "$tcp_big") MB/s, unix $(mbs "$unix_big") MB/s (unix/tcp $(ratio "$unix_big" "$tcp_big")); 64 B stream tcp ${tcp_msg:-?} ns, unix ${unix_msg:-?} ns per message" \
		--note "TCP runs the protocol (segments, sequence numbers, ACKs, the softirq that delivers on lo) where a Unix socket queues the data on its peer directly; which measure shows it depends on the machine: a round trip's wake-ups and switches can hide it" \
		--absent "tcp, or the round trip and the stream, not measured: $(sk_meta "$data" skipped_tcp)"
	# Bandwidth rises with the message size: the per-message costs (system call,
	# wake-up) are paid once per message.
	local k r lo="" lo_kind="" ratios="" b64 b64k
	for k in pipe unix tcp shm; do
		b64=$(v "$k" same-cpu bw_bytes_per_s 64) b64k=$(v "$k" same-cpu bw_bytes_per_s 65536)
		[[ -n $b64 && -n $b64k ]] || continue
		r=$(sk_calc "$b64k / $b64" %.1f)
		ratios+="${ratios:+, }$k ${r}x"
		if [[ -z $lo ]] || sk_cmp "$r < $lo"; then lo=$r lo_kind=$k; fi
	done
	sk_check bandwidth-rises-with-message-size-until-copy-bound \
		"bandwidth rises with the message size: 64 KiB messages move far more bytes per second than 64 B ones (same CPU)" \
		'lo >= 8' lo="$lo" \
		--observed "bw(64 KiB) / bw(64 B): ${ratios:-none measured} (lowest: ${lo_kind:-?})" \
		--note "a 64 B message pays the whole per-message cost (system call or futex, wake-up) for 64 bytes; from some KiB on the copy dominates and the curve flattens"
	local shm_big pipe_big unix_big
	shm_big=$(v shm same-cpu bw_bytes_per_s "$big") pipe_big=$(v pipe same-cpu bw_bytes_per_s "$big")
	unix_big=$(v unix same-cpu bw_bytes_per_s "$big")
	sk_check shm-bandwidth-beats-pipe-and-unix-for-large-messages \
		"shared memory: large messages stream faster than through a pipe or a Unix socket (same CPU)" \
		'shm_big > 1.5 * best_copying' shm_big="$shm_big" best_copying="$(larger "$pipe_big" "$unix_big")" \
		--observed "$(sk_calc "$big / 1024" %.0f) KiB messages, CPU $cpu0: shm $(mbs "$shm_big") MB/s, pipe $(mbs "$pipe_big") MB/s, unix $(mbs "$unix_big") MB/s" \
		--note "all of them copy every byte twice; shm does it in user space into message-sized slots with no system call per message, a pipe moves at most its 64 KiB buffer per wake-up"
	sk_check on-one-cpu-spinning-only-wastes-time \
		"on one CPU, spinning before sleeping only wastes time (the partner cannot run meanwhile)" \
		'spin > 1.5 * shm' --load-sensitive spin="$spin" shm="$shm" \
		--observed "CPU $cpu0: shm-spin $(us "$spin") us vs shm $(us "$shm") us per round trip" \
		--note "the spinner gives up after $(sk_calc "$(sk_meta "$data" shm_spin_ns) / 1000" %.0f) us and sleeps; only then can the partner run"
	sk_check on-two-cpus-spinning-avoids-the-cross-cpu-wake-up \
		"on two CPUs, spinning avoids the cross-CPU wake-up" \
		'spin_x < 0.5 * shm_x' --load-sensitive spin_x="$spin_x" shm_x="$shm_x" \
		--observed "CPUs $cpu0 and $cpu2: shm-spin $(us "$spin_x") us vs shm $(us "$shm_x") us per round trip" \
		--note "a sleeping partner on another CPU must be woken by an interrupt (in a VM: the host wakes a halted vCPU); a spinning one sees the message as soon as the cache line moves" \
		--absent "cross-cpu not measured: $(sk_meta "$data" cross)"

	sk_summary <<EOF
## IPC: round trip and bandwidth between two processes

Two processes (fork) exchange messages six ways; the parent runs on CPU $cpu0, the child on the same CPU or on CPU $cpu2. A round trip of a $rb-byte message on one CPU costs $(us "$pipe") us over a pipe, $(us "$unix") us over a Unix socket, $(us "$tcp") us over TCP on loopback, $(us "$mq") us through a POSIX message queue and $(us "$shm") us through shared memory with a futex wake-up: each of them pays for two context switches per round trip, and the channel's own work (the copy, the protocol) only adds to that. On two CPUs nothing has to be switched, yet a round trip takes $(us "$pipe_x") us (pipe) or $(us "$shm_x") us (shm): each message wakes a sleeping partner on another CPU, which in a VM is a halted vCPU that the host has to wake. A waiter that spins before it sleeps answers in $(us "$spin_x") us on two CPUs, but costs $(us "$spin") us on one CPU, where its partner cannot run while it spins. Bandwidth grows with the message size until copying dominates; at $(sk_calc "$big / 1024" %.0f) KiB shared memory streams $(mbs "$shm_big") MB/s against $(mbs "$pipe_big") MB/s through a pipe.

- round trip, one CPU ($rb B): pipe $(us "$pipe") us, unix $(us "$unix") us, tcp $(us "$tcp") us, mq $(us "$mq") us, shm $(us "$shm") us, shm-spin $(us "$spin") us
- round trip, two CPUs: pipe $(us "$pipe_x") us, unix $(us "$unix_x") us, shm $(us "$shm_x") us, shm-spin $(us "$spin_x") us
- bandwidth at $(sk_calc "$big / 1024" %.0f) KiB, one CPU: shm $(mbs "$shm_big") MB/s, pipe $(mbs "$pipe_big") MB/s, unix $(mbs "$unix_big") MB/s
EOF
}

# ---------------------------------------------------------------------------
# 6. threads: one address space, and what fork does to it
# ---------------------------------------------------------------------------
run_threads() {
	sk_note "threads pinned to CPU $cpu"
	sk_prog "$SK_EXP_DIR/data.tsv" sk_pin "$cpu" "$HERE/threads" "${SK_QOPT[@]}" || return 0
	judge_threads
	sk_plot "$HERE/threads.gp" cost.tsv threads
}

judge_threads() {
	local data="$SK_EXP_DIR/data.tsv"
	# tval PART SUBJECT METRIC: the value of one row ("" if absent).
	tval() {
		sk_awk 'tsv_row() && tsv_get("part") == p && tsv_get("subject") == s && tsv_get("metric") == m { print tsv_get("value"); exit }' \
			-F'\t' -v p="$1" -v s="$2" -v m="$3" "$data"
	}
	local running tgid main_tid ntgid ntid
	running=$(tval tasks process threads_running)
	tgid=$(tval ids main tgid)
	main_tid=$(tval ids main tid)
	read -r ntgid ntid < <(sk_awk 'tsv_row() && tsv_get("part") == "ids" {
			if (tsv_get("metric") == "tgid") g[tsv_get("value")] = 1; else t[tsv_get("value")] = 1 }
		END { for (k in g) ng++; for (k in t) nt++; print ng + 0, nt + 0 }' -F'\t' "$data")
	sk_check threads-share-one-process-id-each-has-its-own-thread-id \
		"threads share one process id (TGID); each has its own thread id (TID), and main's TID is the TGID" \
		'ntgid == 1 && ntid == running && main_tid == tgid' ntgid="$ntgid" ntid="$ntid" running="$running" \
		main_tid="$main_tid" tgid="$tgid" \
		--observed "$running threads: $ntgid distinct TGID ($tgid), $ntid distinct TIDs, main's TID $main_tid"
	local entries status
	entries=$(tval tasks process task_entries)
	status=$(tval tasks process status_threads)
	sk_check proc-self-task-lists-every-thread "/proc/self/task lists every thread of the process" \
		'entries == running' entries="$entries" running="$running" \
		--observed "$entries entries with $running threads running (Threads: $status in /proc/self/status)"
	local by_main by_child by_parent
	by_main=$(tval memory thread value_seen_by_main)
	by_child=$(tval memory fork_child value_seen_by_child)
	by_parent=$(tval memory fork_child value_seen_by_parent)
	sk_check a-thread-s-write-is-seen-by-main-a-fork-child-s-is-not \
		"a thread's write is seen by main (one address space); a fork child's write at the same address is not" \
		'by_main == 2 && by_child == 3 && by_parent == 1' by_main="$by_main" by_child="$by_child" by_parent="$by_parent" \
		--observed "start 1; a thread wrote 2, main reads $by_main; a child wrote 3 (reads $by_child), the parent reads $by_parent"
	local child_tasks parent_tasks
	child_tasks=$(tval fork child task_entries)
	parent_tasks=$(tval fork parent task_entries)
	sk_check fork-copies-only-the-calling-thread "fork in a multi-threaded process copies only the calling thread" \
		'child_tasks == 1 && parent_tasks == running' child_tasks="$child_tasks" parent_tasks="$parent_tasks" running="$running" \
		--observed "the parent has $parent_tasks tasks, the child $child_tasks"
	local locked waited timeout plocked
	locked=$(tval mutex no_atfork child_locked)
	waited=$(tval mutex no_atfork child_waited_ms)
	plocked=$(tval mutex no_atfork parent_locked)
	timeout=$(sk_meta "$data" timeout_ms)
	sk_check a-mutex-held-by-another-thread-at-fork-stays-locked-in-the-child \
		"a mutex held by another thread at fork stays locked forever in the child (a deadlock, here bounded by a timeout)" \
		'locked == 0 && waited >= 0.9 * timeout && parent_locked == 1' locked="$locked" waited="$waited" \
		timeout="$timeout" parent_locked="$plocked" \
		--observed "child: pthread_mutex_timedlock gave up after $waited ms (deadline $timeout ms); the parent locks it once the holder lets go" \
		--note "the holder keeps the mutex $(sk_meta "$data" hold_ms) ms in the parent; in the child the holder does not exist, so nobody ever unlocks"
	local alocked afork hold after
	alocked=$(tval mutex with_atfork child_locked)
	afork=$(tval mutex with_atfork fork_ms)
	hold=$(sk_meta "$data" hold_ms)
	after=$(sk_meta "$data" fork_after_ms)
	sk_check with-pthread-atfork-the-child-can-lock-it \
		"with pthread_atfork handlers the child can lock it (fork waits until the mutex is free)" \
		'locked == 1 && fork_ms >= 0.5 * (hold - after)' locked="$alocked" fork_ms="$afork" hold="$hold" after="$after" \
		--observed "child locked: $alocked; fork took $afork ms (the holder had $((hold - after)) ms left)"
	local tns pns
	tns=$(tval cost thread ns_per_create)
	pns=$(tval cost process ns_per_create)
	sk_check creating-a-thread-costs-less-than-forking-a-process \
		"creating a thread costs less than forking a process" 'thread_ns < 0.5 * process_ns' thread_ns="$tns" process_ns="$pns" \
		--observed "pthread_create + join $(us "$tns") us, fork + wait $(us "$pns") us ($(ratio "$pns" "$tns")x; CPU $cpu, median of $(sk_meta "$data" reps))"
	sk_awk 'tsv_row() && tsv_get("part") == "cost" {
			s = tsv_get("subject"); m = tsv_get("metric")
			if (m == "ns_per_create") v[s] = tsv_get("value"); if (m == "spread_pct") sp[s] = tsv_get("value") }
		END { print "what", "ns_per_create", "spread_pct"
		      print "thread (pthread_create + join)", v["thread"], sp["thread"]
		      print "process (fork + wait)", v["process"], sp["process"] }' -F'\t' -v OFS='\t' "$data" |
		sk_atomic_write "$SK_EXP_DIR/cost.tsv"

	sk_summary <<EOF
## Threads vs processes

$running threads (main + $((running - 1))) all report the process id $tgid from getpid(), and each its own thread id from gettid(); main's thread id is the process id. /proc/self/task has $entries entries, one per thread. A thread's write to a global is seen by main ($by_main), because all threads share one address space; after fork the child's write to the same address is not seen by the parent ($by_parent), because fork gave the child a copy-on-write copy. Fork in a multi-threaded process copies only the thread that called it: the child has $child_tasks task. A mutex that another thread held at fork time is copied locked, and its owner was not copied, so the child's pthread_mutex_timedlock gave up after $waited ms. With pthread_atfork handlers fork waits for the mutex ($afork ms here) and the child can lock it. Creating and joining a thread costs $(us "$tns") us, forking and reaping a process $(us "$pns") us ($(ratio "$pns" "$tns")x; pinned to CPU $cpu).

- ids: TGID $tgid for all $running threads, $ntid distinct TIDs
- fork: parent $parent_tasks tasks, child $child_tasks
- mutex held at fork: child timed out after $waited ms; with pthread_atfork: child locked ($alocked), fork took $afork ms
- creation: thread $(us "$tns") us, process $(us "$pns") us
EOF
}

sk_run_experiments
sk_run_finish
