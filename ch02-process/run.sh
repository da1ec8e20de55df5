#!/usr/bin/env bash
# ch02-process/run.sh - the life of a process: fork returns twice, exec keeps
# the pid, wait decodes how a child ended, the states a process goes through,
# signals that can and cannot be caught, where a program lands in memory
# (ASLR), and what creating a process costs as the parent grows.
#
# USAGE: ./run.sh [-q] [-c CPU] [-o RUNDIR] [-e NAME]... [-s MAX_SIZE] [-n RUNS]
# Experiments (declared below with sk_experiment; -h lists them, -e NAME picks),
# each in RUNDIR/ch02-process/<name>/.
# REQUIREMENTS: taskset (util-linux). Optional: gnuplot (plots).
#   The core-dump case needs core_pattern to name a plain file (else noted).
# eg,
#   ./run.sh -q              # quick: ~3 s (full: ~10 s)
#   ./run.sh -c 1 -s 4G      # fork cost up to a 4 GiB parent, pinned to CPU 1
set -euo pipefail
SK_PROG=ch02-process/run.sh
# shellcheck source=scripts/lib.sh
source "$(dirname "$0")/../scripts/lib.sh"
HERE="$SK_TOP/ch02-process"
CHAPTER=ch02-process

sk_experiment fork run_fork "fork returns twice: parent and child report pid, ppid and the return value"
sk_experiment exec run_exec "fork+execve and posix_spawn of pidinfo: same pid, new program"
sk_experiment wait-status run_wait_status "exit code, exit(256), SIGTERM, core dump, stop/continue decoded"
sk_experiment states run_states "R S D T Z from /proc/PID/stat; orphans and daemons re-parented"
sk_experiment signals run_signals "SIGINT ignored, SIGTERM caught, SIGKILL and SIGSTOP not catchable"
sk_experiment aslr run_aslr "PIE and non-PIE builds run several times: where text, heap, stack, libc land"
sk_experiment fds run_fds "file descriptors across fork and exec: inherited table, O_CLOEXEC, shared offset, dup2 redirection" fds
sk_experiment spawn-cost run_spawn_cost "fork, vfork, fork+exec, posix_spawn, pthread_create vs parent memory"

usage() {
	cat <<EOF
Usage: $SK_PROG [-q] [-c CPU] [-o RUNDIR] [-e NAME]... [-s MAX_SIZE] [-n RUNS]
The life of a process: fork, exec, wait, states, signals, ASLR, creation cost.

$(sk_std_usage)
  -s MAX_SIZE   largest parent memory for spawn-cost [bytes, K/M/G/T] (default 1G,
                quick 256M; never more than half of MemAvailable)
  -n RUNS       runs of each aslr build, 2..100 (default 8, quick 4)

Examples:
  $SK_PROG -q
  $SK_PROG -c 1 -s 2G
EOF
}

max_size="" runs=8
sk_opt_value s max_size
sk_opt_int n runs 2 100 4
sk_options ":qc:o:he:s:n:" "$@"
size_args=()
if [[ -n $max_size ]]; then
	# Checked here, before anything runs: a number with K/M/G/T, >= 1M, and at
	# most half of MemAvailable (spawn-cost checks the same again).
	[[ $max_size =~ ^([0-9]{1,12})([KkMmGgTt]?)$ ]] ||
		sk_usage_error "bad VALUE for -s: '$max_size': not a size (e.g. 512M, 2G)"
	mult=1
	case ${BASH_REMATCH[2]} in [Kk]) mult=2^10 ;; [Mm]) mult=2^20 ;; [Gg]) mult=2^30 ;; [Tt]) mult=2^40 ;; esac
	bytes=$(sk_calc "${BASH_REMATCH[1]} * $mult" %.0f)
	sk_cmp "$bytes >= 2^20" || sk_usage_error "bad VALUE for -s: '$max_size': out of range: at least 1M"
	limit=$(awk '/^MemAvailable:/ {printf "%.0f", $2 * 1024 / 2}' /proc/meminfo)
	sk_cmp "$bytes <= $limit" ||
		sk_usage_error "bad VALUE for -s: '$max_size': exceeds half of MemAvailable (limit $((limit / 1024 / 1024)) MiB)"
	size_args=(-s "$max_size")
fi
sk_driver_ready "$CHAPTER" fork fork-exec spawn pidinfo wait-status states signals aslr fds spawn-cost spawn-tiny
cpu=$SK_CPU
sc_args=("${SK_QOPT[@]}" "${size_args[@]}")

# ---------------------------------------------------------------------------
# 1. fork: one call, two returns; and why fflush comes first
# ---------------------------------------------------------------------------
run_fork() {
	sk_prog "$SK_EXP_DIR/data.tsv" "$HERE/fork" || return 0
	local d="$SK_EXP_DIR/data.tsv" ppid_pid pret cpid cppid cret
	ppid_pid=$(sk_tsv_get "$d" role parent pid)
	pret=$(sk_tsv_get "$d" role parent fork_returned)
	cpid=$(sk_tsv_get "$d" role child pid)
	cppid=$(sk_tsv_get "$d" role child ppid)
	cret=$(sk_tsv_get "$d" role child fork_returned)
	sk_check fork-returns-twice "fork returns twice" 'pret == cpid && cret == 0 && cpid != ppid_pid' \
		pret="$pret" cpid="$cpid" cret="$cret" ppid_pid="$ppid_pid" --observed "parent $ppid_pid got $pret, child $cpid got $cret" \
		--note "expected parent gets the child's pid, child gets 0"
	sk_check the-child-s-parent-is-the-caller "the child's parent is the caller" 'cppid == ppid_pid' \
		cppid="$cppid" ppid_pid="$ppid_pid" --observed "child ppid $cppid, parent pid $ppid_pid" \
		--note "expected child ppid == parent pid"

	# The same line printed before fork, stdout a pipe (fully buffered).
	local mode n_no n_yes
	for mode in no-fflush fflush; do
		"$HERE/fork" --buffering "$mode" 2>>"$SK_LOG" | cat >"$SK_EXP_DIR/buffering-$mode.txt"
	done
	n_no=$(grep -c 'before fork' "$SK_EXP_DIR/buffering-no-fflush.txt" || true)
	n_yes=$(grep -c 'before fork' "$SK_EXP_DIR/buffering-fflush.txt" || true)
	sk_check without-fflush-fork-duplicates-buffered-output "without fflush, fork duplicates buffered output" 'n_no == 2 && n_yes == 1' \
		n_no="$n_no" n_yes="$n_yes" --observed "no-fflush: $n_no times, fflush: $n_yes time(s) (stdout a pipe, child ends with exit())" \
		--note "expected line printed twice without fflush, once with; on a terminal stdout is line-buffered and the bug hides"
	sk_summary <<EOF
## fork returns twice

One call to fork() returned $pret (the child's pid) in the parent, pid $ppid_pid, and 0 in the child, pid $cpid, whose parent pid is $cppid. The second part prints a line with printf and forks: with stdout a pipe the line sits in the stdio buffer, the child inherits a copy, and the child's exit() writes it again - $n_no copies without fflush, $n_yes with it (buffering-*.txt).

- parent $ppid_pid: fork returned $pret; child $cpid: fork returned $cret, ppid $cppid
- "printed before fork" appears $n_no times without fflush, $n_yes with fflush
EOF
}

# ---------------------------------------------------------------------------
# 2. exec: the same pid runs another program (fork+exec and posix_spawn)
# ---------------------------------------------------------------------------
run_exec() {
	sk_prog "$SK_EXP_DIR/fork-exec.tsv" "$HERE/fork-exec" || return 0
	sk_prog "$SK_EXP_DIR/spawn.tsv" "$HERE/spawn" || return 0
	{
		cat "$SK_EXP_DIR/fork-exec.tsv"
		grep -v '^#' "$SK_EXP_DIR/spawn.tsv" | tail -n +2
	} | sk_atomic_write "$SK_EXP_DIR/data.tsv"
	local f="$SK_EXP_DIR/fork-exec.tsv" s="$SK_EXP_DIR/spawn.tsv"
	local fret bpid bexe apid aexe appid fpar sret spid sexe sppid spar
	fpar=$(sk_tsv_get "$f" stage parent pid)
	fret=$(sk_tsv_get "$f" stage fork_returned pid)
	bpid=$(sk_tsv_get "$f" stage child_before_exec pid)
	bexe=$(sk_tsv_get "$f" stage child_before_exec exe)
	apid=$(sk_tsv_get "$f" stage after_exec pid)
	appid=$(sk_tsv_get "$f" stage after_exec ppid)
	aexe=$(sk_tsv_get "$f" stage after_exec exe)
	spar=$(sk_tsv_get "$s" stage parent pid)
	sret=$(sk_tsv_get "$s" stage spawn_returned pid)
	spid=$(sk_tsv_get "$s" stage after_exec pid)
	sppid=$(sk_tsv_get "$s" stage after_exec ppid)
	sexe=$(sk_tsv_get "$s" stage after_exec exe)
	if [[ $bpid == "$apid" && $fret == "$apid" && $bexe != "$aexe" ]]; then
		sk_verdict "exec keeps the pid" "same pid before and after execve, another program" \
			"pid $bpid ran $bexe, then $apid runs $aexe" PASS
	else
		sk_verdict "exec keeps the pid" "same pid before and after execve, another program" \
			"pid $bpid ran $bexe, then $apid runs $aexe (fork returned $fret)" FAIL
	fi
	if [[ $sret == "$spid" && $sppid == "$spar" && $appid == "$fpar" && $sexe == "$aexe" ]]; then
		sk_verdict "posix_spawn and fork+exec give the same result" \
			"a child of the caller running the program, pid as returned" \
			"fork+exec: pid $apid (ppid $appid) runs $aexe; posix_spawn: pid $spid (ppid $sppid) runs $sexe" PASS
	else
		sk_verdict "posix_spawn and fork+exec give the same result" \
			"a child of the caller running the program, pid as returned" \
			"fork+exec: pid $apid ppid $appid exe $aexe; posix_spawn returned $sret, pid $spid ppid $sppid exe $sexe" FAIL
	fi
	sk_summary <<EOF
## exec replaces the program, not the process

fork-exec forked pid $bpid, which reported itself as running $bexe, then called execve: pidinfo, now running in the same pid $apid, reports exe $aexe and the same parent $appid. spawn did the same with one posix_spawn call: the returned pid $sret is the pid pidinfo reports, and its parent is the caller ($sppid). glibc implements posix_spawn with clone(CLONE_VM|CLONE_VFORK) - see spawn-cost for why that matters.

- fork+exec: pid $bpid before exec ($bexe) = pid $apid after exec ($aexe)
- posix_spawn: returned $sret, child reports pid $spid, ppid $sppid
EOF
}

# ---------------------------------------------------------------------------
# 3. wait-status: what waitpid says about a child
# ---------------------------------------------------------------------------
run_wait_status() {
	local rc=0
	sk_run_prog "$SK_EXP_DIR/data.tsv" "$HERE/wait-status" || rc=$?
	((rc == 0)) || sk_die "wait-status failed (see $SK_LOG)"
	[[ -f $SK_EXP_DIR/data.tsv ]] || sk_die "wait-status wrote no data (see $SK_LOG)"
	local d="$SK_EXP_DIR/data.tsv" core_note
	core_note=$(sk_meta "$d" core)
	# one verdict per case: decoded == expected for every waitpid of that case
	check_case() {
		local case=$1 check=$2 expected=$3 got ok
		got=$(awk -F'\t' -v c="$case" '/^#/ {next} !h {h=1; next} $1 == c {printf "%s%s", sep, $12; sep="; "}' "$d")
		ok=$(awk -F'\t' -v c="$case" '/^#/ {next} !h {h=1; next} $1 == c {n++; if ($14 != 1) bad++} END {print (n > 0 && !bad) ? 1 : 0}' "$d")
		if ((ok)); then sk_verdict "$check" "$expected" "$got" PASS "${4:-}"; else sk_verdict "$check" "$expected" "$got" FAIL "${4:-}"; fi
	}
	check_case exit_42 "exit code decoded" "exited 42"
	check_case exit_256 "only 8 bits of the exit code survive" "exit(256) -> exited 0"
	check_case sigterm "death by signal decoded" "killed by SIGTERM"
	if [[ $core_note == *"dumped into"* ]]; then
		check_case core "core dump decoded" "killed by SIGQUIT (core dumped)" "$core_note"
	else
		check_case core "death by SIGQUIT decoded" "killed by SIGQUIT"
		sk_verdict "core dump decoded" "WCOREDUMP set" "not attempted" SKIP "$core_note"
	fi
	check_case stop_cont "stop and continue decoded" "stopped by SIGSTOP; continued; killed by SIGKILL"
	local table
	table=$(awk -F'\t' '/^#/ {next} !h {h=1; next} {printf "- %s (%s): status %s -> %s\n", $1, $2, $3, $12}' "$d")
	sk_summary <<EOF
## What waitpid tells the parent

Each child ended (or changed) in one way the parent caused, and waitpid returned one int. The low 7 bits hold the terminating signal, bit 7 the core-dump flag, bits 8-15 the exit code; 0x7f in the low byte means stopped (signal in bits 8-15), 0xffff means continued. The W* macros decode it; exit(256) shows that only 8 bits of an exit code survive. Core dump: $core_note.

$table
EOF
}

# ---------------------------------------------------------------------------
# 4. states: R S D T Z, orphans, daemons, process groups and sessions
# ---------------------------------------------------------------------------
run_states() {
	sk_prog "$SK_EXP_DIR/data.tsv" "$HERE/states" || return 0
	local d="$SK_EXP_DIR/data.tsv" what st letter
	for what in running:R sleeping:S stopped:T zombie:Z; do
		letter=${what#*:} what=${what%:*}
		st=$(sk_tsv_get "$d" what "$what" state)
		if [[ $st == "$letter" ]]; then
			sk_verdict "state $letter seen ($what)" "$letter in /proc/PID/stat" "$st" PASS
		else
			sk_verdict "state $letter seen ($what)" "$letter in /proc/PID/stat" "${st:-none}" FAIL
		fi
	done
	st=$(sk_tsv_get "$d" what disk_sleep state)
	if [[ $st == D ]]; then
		sk_verdict "state D seen (disk_sleep)" "D in /proc/PID/stat" "D" PASS \
			"a vfork-style parent waits in a killable uninterruptible sleep"
	else
		sk_verdict "state D seen (disk_sleep)" "D in /proc/PID/stat" "${st:-none}" SKIP \
			"this kernel does not report the CLONE_VFORK wait as D; no other safe way to produce D"
	fi
	local zst gone=""
	zst=$(sk_tsv_get "$d" what zombie_reaped state)
	if [[ $zst == - ]]; then gone=1; elif [[ -n $zst ]]; then gone=0; fi
	sk_check a-reaped-zombie-is-gone "a reaped zombie is gone" 'gone == 1' gone="$gone" \
		--observed "state '$zst'" --note "expected no /proc/PID after waitpid ('-')"

	local self opid oppid onote dsid dtty dppid dpid dnote spid sppid gpid gpgrp
	self=$(sk_tsv_get "$d" what self pid)
	opid=$(sk_tsv_get "$d" what orphan pid)
	oppid=$(sk_tsv_get "$d" what orphan ppid)
	onote=$(sk_tsv_get "$d" what orphan note)
	if [[ $onote == *"PID 1"* || $onote == *"a subreaper"* || $onote == *"re-parented to us"* ]]; then
		sk_verdict "an orphan is re-parented to init or the nearest subreaper" "ppid 1 or a subreaper ancestor" \
			"orphan $opid: ppid $oppid: $onote" PASS
	else
		sk_verdict "an orphan is re-parented to init or the nearest subreaper" "ppid 1 or a subreaper ancestor" \
			"orphan $opid: ppid $oppid: $onote" FAIL
	fi
	dpid=$(sk_tsv_get "$d" what daemon pid)
	dppid=$(sk_tsv_get "$d" what daemon ppid)
	dsid=$(sk_tsv_get "$d" what daemon session)
	dtty=$(sk_tsv_get "$d" what daemon tty_nr)
	dnote=$(sk_tsv_get "$d" what daemon note)
	local ssid
	ssid=$(sk_tsv_get "$d" what self session)
	if [[ $dsid != "$ssid" && $dtty == 0 && $dsid != "$dpid" && ($dnote == *"PID 1"* || $dnote == *"subreaper"* || $dnote == *"to us"*) ]]; then
		sk_verdict "a daemon has its own session, no tty, parent init or subreaper" \
			"new session, tty_nr 0, ppid 1 or subreaper" "daemon $dpid: session $dsid (ours $ssid), tty_nr $dtty, ppid $dppid" PASS \
			"session id = the first child's pid: the daemon is not a session leader, so it can never get a tty"
	else
		sk_verdict "a daemon has its own session, no tty, parent init or subreaper" \
			"new session, tty_nr 0, ppid 1 or subreaper" "daemon $dpid: session $dsid (ours $ssid), tty_nr $dtty, ppid $dppid; $dnote" FAIL
	fi
	spid=$(sk_tsv_get "$d" what orphan_subreaper pid)
	sppid=$(sk_tsv_get "$d" what orphan_subreaper ppid)
	if [[ $spid == - ]]; then
		sk_verdict "PR_SET_CHILD_SUBREAPER catches orphans" "orphan's ppid == us" "prctl failed" SKIP \
			"$(sk_tsv_get "$d" what orphan_subreaper note)"
	else
		sk_check pr-set-child-subreaper-catches-orphans "PR_SET_CHILD_SUBREAPER catches orphans" 'sppid == self' \
			sppid="$sppid" self="$self" --observed "orphan $spid: ppid $sppid, states is $self" \
			--note "expected orphan's ppid == us"
	fi
	gpid=$(sk_tsv_get "$d" what new_pgroup pid)
	gpgrp=$(sk_tsv_get "$d" what new_pgroup pgrp)
	sk_check setpgid-makes-a-new-process-group "setpgid makes a new process group" 'gpid == gpgrp' \
		gpid="$gpid" gpgrp="$gpgrp" --observed "pid $gpid, pgrp $gpgrp" \
		--note "expected pgrp == pid"

	local table
	table=$(awk -F'\t' '/^#/ {next} !h {h=1; next} {printf "| %s | %s | %s | %s | %s | %s | %s |\n", $1, $2, $3, $4, $5, $6, $7}' "$d")
	sk_summary <<EOF
## Process states, orphans, daemons

Each child was put in one state and read from outside through /proc/PID/stat: a spinning child shows R, one blocked on a pipe S, a parent waiting in clone(CLONE_VFORK) for its child D (uninterruptible but killable, so safe), a stopped one T, an exited one not yet waited for Z - and after waitpid its /proc entry is gone. An orphan's parent exited: $onote. A daemon (setsid + second fork) sits in session $dsid with no controlling terminal (tty_nr $dtty); its parent: ${dnote#*; }. After prctl(PR_SET_CHILD_SUBREAPER) an orphan came to this program (ppid $sppid). All were ended and reaped before the program exited.

| what | pid | ppid | pgrp | session | tty_nr | state |
|---|---|---|---|---|---|---|
$table
EOF
}

# ---------------------------------------------------------------------------
# 5. signals: what can be ignored or caught, and what cannot
# ---------------------------------------------------------------------------
run_signals() {
	local rc=0
	sk_run_prog "$SK_EXP_DIR/data.tsv" "$HERE/signals" || rc=$?
	((rc == 0)) && [[ -f $SK_EXP_DIR/data.tsv ]] || sk_die "signals failed (see $SK_LOG)"
	local d="$SK_EXP_DIR/data.tsv"
	step_ok() { [[ $(sk_tsv_get "$d" step "$1" match) == 1 ]]; }
	obs() { sk_tsv_get "$d" step "$1" observed; }
	local ign cgt
	ign=$(sk_meta "$d" sig_ign_hex)
	cgt=$(sk_meta "$d" sig_cgt_hex)
	if step_ok send_sigint && step_ok sigign_has_sigint; then
		sk_verdict "SIGINT ignored" "child alive, SigIgn has bit 2" "$(obs send_sigint); SigIgn $ign" PASS
	else
		sk_verdict "SIGINT ignored" "child alive, SigIgn has bit 2" "$(obs send_sigint); SigIgn $ign" FAIL
	fi
	if step_ok send_sigterm && step_ok sigcgt_has_sigterm; then
		sk_verdict "SIGTERM caught" "handler ran, SigCgt has bit 15" "$(obs send_sigterm); SigCgt $cgt" PASS
	else
		sk_verdict "SIGTERM caught" "handler ran, SigCgt has bit 15" "$(obs send_sigterm); SigCgt $cgt" FAIL
	fi
	if step_ok sigaction_sigkill && step_ok sigaction_sigstop && step_ok masks_have_sigkill && step_ok masks_have_sigstop; then
		sk_verdict "SIGKILL and SIGSTOP cannot be caught" "sigaction fails with EINVAL, bits 9 and 19 clear" \
			"sigaction(SIGKILL): $(obs sigaction_sigkill), sigaction(SIGSTOP): $(obs sigaction_sigstop)" PASS
	else
		sk_verdict "SIGKILL and SIGSTOP cannot be caught" "sigaction fails with EINVAL, bits 9 and 19 clear" \
			"sigaction(SIGKILL): $(obs sigaction_sigkill), sigaction(SIGSTOP): $(obs sigaction_sigstop)" FAIL
	fi
	if step_ok send_sigstop && step_ok state_after_sigstop && step_ok send_sigcont && step_ok send_sigkill; then
		sk_verdict "SIGSTOP stops and SIGKILL kills a process that handles signals" \
			"stopped (T), continued, killed by SIGKILL" "$(obs send_sigstop) ($(obs state_after_sigstop)), $(obs send_sigcont), $(obs send_sigkill)" PASS
	else
		sk_verdict "SIGSTOP stops and SIGKILL kills a process that handles signals" \
			"stopped (T), continued, killed by SIGKILL" "$(obs send_sigstop) ($(obs state_after_sigstop)), $(obs send_sigcont), $(obs send_sigkill)" FAIL
	fi
	sk_summary <<EOF
## Signals: ignored, caught, and the two that cannot be

The child set SIGINT to SIG_IGN and a handler for SIGTERM; /proc/PID/status then shows SigIgn $ign (bit 1 = signal 2, SIGINT) and SigCgt $cgt (bit 14 = signal 15, SIGTERM). Its attempts to handle SIGKILL and SIGSTOP failed with $(obs sigaction_sigkill). SIGINT did nothing, SIGTERM ran the handler and the child lived on, SIGSTOP stopped it anyway (state $(obs state_after_sigstop)) and SIGKILL killed it: the kernel acts on those two without asking the process.

- SigIgn $ign, SigCgt $cgt
- SIGINT: $(obs send_sigint); SIGTERM: $(obs send_sigterm); SIGKILL: $(obs send_sigkill)
EOF
}

# ---------------------------------------------------------------------------
# 6. aslr: PIE vs non-PIE, run after run
# ---------------------------------------------------------------------------
run_aslr() {
	local va have_nopie=1
	va=$(cat /proc/sys/kernel/randomize_va_space 2>/dev/null || echo "?")
	sk_prog "$SK_EXP_DIR/pie.tsv" "$HERE/aslr" -n "$runs" || return 0
	sk_prog "$SK_EXP_DIR/pie-norandomize.tsv" "$HERE/aslr" -n 2 --no-randomize || return 0
	if [[ -x $HERE/aslr-nopie ]]; then
		sk_prog "$SK_EXP_DIR/nopie.tsv" "$HERE/aslr-nopie" -n "$runs" || return 0
	else
		have_nopie=0
	fi
	{
		cat "$SK_EXP_DIR/pie.tsv"
		for f in nopie pie-norandomize; do
			[[ -f $SK_EXP_DIR/$f.tsv ]] && grep -v '^#' "$SK_EXP_DIR/$f.tsv" | tail -n +2
		done
	} | sk_atomic_write "$SK_EXP_DIR/data.tsv"
	local d="$SK_EXP_DIR/data.tsv"
	# per region: distinct addresses per build (norandomize = PIE with ADDR_NO_RANDOMIZE)
	awk -F'\t' -v OFS='\t' '
		/^#/ { next }
		!h { h = 1; next }
		{ b = $4 == 1 ? "pie_norandomize" : $2
		  if (!($5 in seen)) { seen[$5] = 1; order[++n] = $5 }
		  k = $5 SUBSEP b; if (!((k SUBSEP $6) in u)) { u[k SUBSEP $6] = 1; cnt[k]++ }
		  if (!(k in ex)) ex[k] = $6 }
		END {
			print "region", "pie_distinct", "nopie_distinct", "pie_norandomize_distinct", "pie_example", "nopie_example"
			for (i = 1; i <= n; i++) { r = order[i]
				print r, cnt[r SUBSEP "pie"] + 0, cnt[r SUBSEP "no-pie"] + 0, cnt[r SUBSEP "pie_norandomize"] + 0,
				      (r SUBSEP "pie") in ex ? ex[r SUBSEP "pie"] : "-", (r SUBSEP "no-pie") in ex ? ex[r SUBSEP "no-pie"] : "-" }
		}' "$d" | { printf '# program: run.sh aslr\n# runs: %s\n# randomize_va_space: %s\n' "$runs" "$va"; cat; } |
		sk_atomic_write "$SK_EXP_DIR/summary.tsv"
	local s="$SK_EXP_DIR/summary.tsv" pt nt rt ent_bad
	pt=$(sk_tsv_get "$s" region text pie_distinct)
	nt=$(sk_tsv_get "$s" region text nopie_distinct)
	rt=$(sk_tsv_get "$s" region text pie_norandomize_distinct)
	ent_bad=$(awk -F'\t' '/^#/ {next} !h {h=1; next} $5 == "elf_entry" {e[$1 $2 $4] = $6} $5 == "at_entry" {a[$1 $2 $4] = $6}
		END {for (k in e) if (e[k] != a[k]) n++; print n + 0}' "$d")
	sk_check the-elf-entry-point-is-where-the-kernel-starts-the-program "the ELF entry point is where the kernel starts the program" 'ent_bad == 0' \
		ent_bad="$ent_bad" --observed "$ent_bad mismatches" \
		--note "expected e_entry (+ load base for PIE) == AT_ENTRY in every run"
	case $va in
	0) sk_verdict "PIE text address changes across runs" "$runs distinct of $runs" "$pt distinct" SKIP \
		"kernel.randomize_va_space=0: ASLR is off on this machine" ;;
	*) sk_check pie-text-address-changes-across-runs "PIE text address changes across runs" \
		'pt >= (runs + 1) / 2 && pt > 1' pt="$pt" runs="$runs" --observed "$pt distinct text addresses in $runs runs" \
		--note "randomize_va_space=$va; expected different in (almost) every run" ;;
	esac
	if ((have_nopie)); then
		sk_check non-pie-text-address-stays "non-PIE text address stays" 'nt == 1' \
			nt="$nt" --observed "$nt distinct ($(sk_tsv_get "$s" region text nopie_example))" \
			--note "expected 1 distinct address in $runs runs"
	else
		sk_verdict "non-PIE text address stays" "1 distinct address" "aslr-nopie not built" SKIP "build with make"
	fi
	sk_check addr-no-randomize-pins-a-pie "ADDR_NO_RANDOMIZE pins a PIE" 'rt == 1' \
		rt="$rt" --observed "$rt distinct ($(awk -F'\t' '$4 == 1 && $5 == "text" {print $6; exit}' "$d"))" \
		--note "expected 1 distinct text address in 2 runs; personality(2), as setarch -R"
	sk_plot "$HERE/aslr.gp" summary.tsv aslr "$runs"
	local table
	table=$(awk -F'\t' '/^#/ {next} !h {h=1; next} {printf "| %s | %s | %s | %s | %s | %s |\n", $1, $5, $2, $6, $3, $4}' "$s")
	sk_summary <<EOF
## Where a program lands: PIE vs non-PIE under ASLR

The same source built as a position-independent executable (ELF type DYN) and as a fixed-address one (EXEC), each run $runs times (kernel.randomize_va_space=$va). The table counts distinct addresses per region across the runs: the PIE's text, data and entry point move together with its load base ($pt distinct text addresses), the non-PIE's stay where its ELF header says ($nt distinct). Heap, stack, mmap, libc and the vDSO move in both builds. With personality(ADDR_NO_RANDOMIZE), as \`setarch -R\` does, even the PIE lands at the same place every time ($rt distinct). In every run the entry point computed from the ELF header (e_entry plus the load base) equals AT_ENTRY, the address where the kernel started the program.

| region | PIE example | PIE distinct | non-PIE example | non-PIE distinct | PIE + no-randomize distinct |
|---|---|---|---|---|---|
$table
EOF
}

# ---------------------------------------------------------------------------
# 7. spawn-cost: creation cost vs parent memory
# ---------------------------------------------------------------------------
run_spawn_cost() {
	sk_note "spawn-cost pinned to CPU $cpu"
	sk_quietly "$cpu" sk_prog "$SK_EXP_DIR/data.tsv" sk_pin "$cpu" "$HERE/spawn-cost" "${sc_args[@]}" || return 0
	local d="$SK_EXP_DIR/data.tsv" s="$SK_EXP_DIR/summary.tsv" thp_mode have_thp=0
	# The same fork with the parent's memory in transparent huge pages: one
	# PMD entry per 2 MiB instead of 512 PTEs (rows appended as fork_thp).
	thp_mode=$(sed -n 's/.*\[\(.*\)\].*/\1/p' /sys/kernel/mm/transparent_hugepage/enabled 2>/dev/null || true)
	if [[ $thp_mode == always || $thp_mode == madvise ]]; then
		if sk_run_prog "$SK_EXP_DIR/fork-thp.tsv" sk_pin "$cpu" "$HERE/spawn-cost" "${sc_args[@]}" -m fork --thp; then
			have_thp=1
			{
				cat "$d"
				awk -F'\t' -v OFS='\t' '/^#/ {next} !h {h=1; next} {$1 = "fork_thp"; print}' "$SK_EXP_DIR/fork-thp.tsv"
			} | sk_atomic_write "$d.new"
			mv -f "$d.new" "$d"
		else
			sk_warn "spawn-cost --thp failed (see $SK_LOG)"
		fi
	fi
	# grouped by method (contiguous blocks: one line per method in the plot)
	sk_summarize -b method,parent_mem_bytes -v us_per_op "$d" |
		awk -F'\t' 'NR == 1 {print; next} {print | "sort -t \"\t\" -s -k1,1"}' | sk_atomic_write "$s"
	local small big m lo hi r exec_path
	small=$(awk -F'\t' 'NR > 1 {print $2}' "$s" | sort -n | head -1)
	big=$(awk -F'\t' 'NR > 1 {print $2}' "$s" | sort -n | tail -1)
	exec_path=$(sk_meta "$d" exec_path)
	med() { awk -F'\t' -v m="$1" -v b="$2" '$1 == m && $2 == b {print $4}' "$s"; }
	# The verdicts compare the fastest repetition of each point: foreign load
	# only ever adds time, so one slow repetition cannot decide (the summary
	# and the plot keep the medians).
	best() { awk -F'\t' -v m="$1" -v b="$2" '$1 == m && $2 == b {print $7}' "$s"; }
	local fs fb vs vb ps pb ts tb es eb
	fs=$(med fork "$small") fb=$(med fork "$big")
	vs=$(med vfork "$small") vb=$(med vfork "$big")
	es=$(med fork_exec "$small") eb=$(med fork_exec "$big")
	ps=$(med posix_spawn "$small") pb=$(med posix_spawn "$big")
	ts=$(med pthread "$small") tb=$(med pthread "$big")
	local bfs bfb bvs bvb bps bpb bts btb beb
	bfs=$(best fork "$small") bfb=$(best fork "$big")
	bvs=$(best vfork "$small") bvb=$(best vfork "$big")
	beb=$(best fork_exec "$big")
	bps=$(best posix_spawn "$small") bpb=$(best posix_spawn "$big")
	bts=$(best pthread "$small") btb=$(best pthread "$big")
	local hs hb
	hs=$(sk_calc "$small / 1048576" "%g MiB")
	hb=$(sk_calc "$big / 1048576" "%g MiB")
	local fastest="fastest of each point's repetitions"
	# 1.5x, not more: in a PVM guest a 1 MiB fork alone costs 0.7-2.4 ms (a
	# hypervisor call per page-table update), so 256x the memory gave 1.8-5.2x
	# there (KVM: > 10x). Without the copy the ratio is ~1.
	sk_check fork-cost-grows-with-the-parent-s-memory "fork cost grows with the parent's memory" 'fb >= 1.5 * fs' \
		fb="$bfb" fs="$bfs" --observed "fork: $bfs us at $hs, $bfb us at $hb ($(sk_calc "$bfb / $bfs")x; $fastest)" \
		--note "expected >= 1.5x from $hs to $hb; page tables are copied, then torn down at exit" --load-sensitive
	# Flat: under 2x, or growing by under a quarter of what fork grows by. The
	# second half is for machines where an exec alone jumps between two speeds
	# (a PVM guest: posix_spawn's fastest 490-685 us in most runs, 1,250-1,420
	# us in some, at either size), while fork grew by 3,700-5,700 us there.
	for m in vfork:"$bvs":"$bvb" posix_spawn:"$bps":"$bpb" pthread:"$bts":"$btb"; do
		IFS=: read -r name lo hi <<<"$m"
		r=$(sk_calc "$hi / $lo")
		sk_check "$(sk_slug "$name")-cost-stays-flat" "$name cost stays flat" 'hi < 2 * lo || hi - lo < 0.25 * (fb - fs)' \
			hi="$hi" lo="$lo" fb="$bfb" fs="$bfs" \
			--observed "$name: $lo us at $hs, $hi us at $hb (${r}x; $fastest); fork grew by $(sk_calc "$bfb - $bfs" %.0f) us" \
			--note "expected < 2x from $hs to $hb, or growth under a quarter of fork's; nothing is copied" --load-sensitive
	done
	local hbig="" bhbig
	if ((have_thp)); then
		hbig=$(med fork_thp "$big") bhbig=$(best fork_thp "$big")
		sk_check huge-pages-make-fork-of-a-big-parent-cheap "huge pages make fork of a big parent cheap" 'hbig * 3 < fb' \
			hbig="$bhbig" fb="$bfb" --observed "fork at $hb: $bfb us (4 KiB pages) vs $bhbig us (THP, $(sk_calc "$bfb / $bhbig")x less; $fastest)" \
			--note "expected fork with THP < 1/3 of fork with 4 KiB pages at $hb; one PMD entry per 2 MiB instead of 512 PTEs" --load-sensitive
	else
		sk_verdict "huge pages make fork of a big parent cheap" "fork with THP < 1/3 of 4 KiB" "THP '$thp_mode'" SKIP \
			"transparent huge pages unavailable or set to never"
	fi
	sk_check posix-spawn-beats-fork-exec-for-a-big-parent "posix_spawn beats fork+exec for a big parent" 'pb * 3 < eb' \
		pb="$bpb" eb="$beb" --observed "posix_spawn $bpb us vs fork+exec $beb us at $hb ($fastest)" \
		--note "expected posix_spawn < 1/3 of fork+exec at $hb" --load-sensitive
	sk_plot "$HERE/spawn-cost.gp" summary.tsv spawn-cost
	sk_summary <<EOF
## Process creation cost vs the parent's memory (CPU $cpu)

Each point is the median time to create a child and reap it (or create and join a thread), while the parent holds that much touched private memory in 4 KiB pages. fork copies one page-table entry per touched page (and the child's exit tears them down): $fs us at $hs, $fb us at $hb, $(sk_calc "$fb / $fs")x. vfork and posix_spawn (clone with CLONE_VM|CLONE_VFORK in glibc) share the parent's memory and copy nothing: $vs -> $vb us and $ps -> $pb us; a thread shares everything: $ts -> $tb us. fork+exec pays the fork, then exec throws the copy away: $es -> $eb us. The exec'd program is $(basename "$exec_path"), which exits at once.

- fork: $fs us ($hs) -> $fb us ($hb)
- fork+exec $(basename "$exec_path"): $es -> $eb us; posix_spawn: $ps -> $pb us
- vfork: $vs -> $vb us; pthread_create+join: $ts -> $tb us
- fork with the parent's memory in transparent huge pages (MADV_HUGEPAGE): ${hbig:-not measured} us at $hb
EOF
}

# ---------------------------------------------------------------------------
# fds: the descriptor table across fork and exec, as a shell uses it
# ---------------------------------------------------------------------------
run_fds() {
	local d="$SK_EXP_DIR/data.tsv" keep cloexec missing in_exec_keep in_exec_cloexec off text want same
	sk_prog "$d" "$HERE/fds" || return 0
	keep=$(sk_meta "$d" keep_fd) cloexec=$(sk_meta "$d" cloexec_fd)
	# Descriptors of the parent that the forked child lacks (same number, same target).
	missing=$(sk_awk 'tsv_row() { k = tsv_get("fd") SUBSEP tsv_get("target")
		if (tsv_get("step") == "parent") p[k] = 1; else if (tsv_get("step") == "fork") f[k] = 1 }
		END { n = 0; for (k in p) if (!(k in f)) n++; print n }' -F'\t' "$d")
	in_exec_keep=$(sk_awk 'tsv_row() && tsv_get("step") == "exec" && tsv_get("fd") == fd { n++ } END { print n + 0 }' -F'\t' -v fd="$keep" "$d")
	in_exec_cloexec=$(sk_awk 'tsv_row() && tsv_get("step") == "exec" && tsv_get("fd") == fd { n++ } END { print n + 0 }' -F'\t' -v fd="$cloexec" "$d")
	off=$(sk_meta "$d" offset_parent_after_child_write)
	text=$(sk_meta "$d" redirect_text) want=$(sk_meta "$d" redirect_expected)
	same=0
	[[ -n $want && $text == "$want" ]] && same=1
	sk_check fork-copies-table "fork copies the whole descriptor table" 'missing == 0' missing="$missing" \
		--observed "$missing of the parent's descriptors missing in the child"
	sk_check cloexec-closed-at-exec "exec closes O_CLOEXEC descriptors and keeps the others" \
		'keep_after_exec == 1 && cloexec_after_exec == 0' keep_after_exec="$in_exec_keep" cloexec_after_exec="$in_exec_cloexec" \
		--observed "after execve: fd $keep (plain) $( ((in_exec_keep)) && echo kept || echo gone), fd $cloexec (O_CLOEXEC) $( ((in_exec_cloexec)) && echo kept || echo gone)"
	sk_check shared-offset "parent and child share one file offset" 'offset == 5' offset="$off" \
		--observed "the child wrote 5 bytes; the parent's offset is now $off" \
		--note "fork copies descriptors, not open file descriptions"
	sk_check dup2-redirects "dup2 onto fd 1 redirects what a program prints" 'same == 1' same="$same" \
		--observed "out.txt holds: '$text'"
	sk_summary <<EOF
## File descriptors across fork and exec

The parent opened keep.txt as fd $keep and cloexec.txt with O_CLOEXEC as fd $cloexec. The forked child has the same table ($missing descriptors missing): fork copies every descriptor. After execve the program finds fd $keep still open and fd $cloexec gone: the kernel closes O_CLOEXEC descriptors at exec, which is why libraries open files with it. When the child wrote 5 bytes to fd $keep, the parent's offset moved to $off: both descriptors point to the same open file description, which holds the offset. Last, what a shell does for "prog > out.txt": fork, open the file, dup2 it onto fd 1, close the original, exec; the program just writes to stdout and out.txt now holds "$text".

- descriptors missing in the forked child: $missing
- after exec: fd $keep $( ((in_exec_keep)) && echo kept || echo gone), O_CLOEXEC fd $cloexec $( ((in_exec_cloexec)) && echo kept || echo gone)
- parent's offset after the child's 5-byte write: $off
EOF
}

sk_run_experiments
sk_run_finish
