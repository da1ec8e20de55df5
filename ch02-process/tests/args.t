#!/usr/bin/env bash
# args.t - every ch02 program: --help, malformed arguments exit 2 with a
# one-line message, and quick runs produce well-formed TSV with the expected
# facts; nothing is left running.
# shikumi: asan
source "$(dirname "$0")/../../tests/tap.sh"

names=(fork fork-exec spawn pidinfo wait-status states signals aslr fds spawn-cost spawn-tiny)
progs ch02-process "${names[@]}"
common_args_ok "${names[@]}"
# missing value
for n in fork fork-exec spawn pidinfo wait-status states signals aslr spawn-cost; do
	bad_args "${P[$n]}" -o
done
bad_args "${P[fork]}" --buffering
bad_args "${P[fork]}" --buffering sometimes
bad_args "${P[fork]}" --buffering fflush -o "$TAP_TMP/x"
bad_args "${P[fork-exec]}" -x /nonexistent/prog
bad_args "${P[spawn]}" -x /nonexistent/prog
bad_args "${P[pidinfo]}" --stage 'two words'
bad_args "${P[pidinfo]}" --stage ''
bad_args "${P[aslr]}" -n abc
bad_args "${P[aslr]}" -n 3x
bad_args "${P[aslr]}" -n -1
bad_args "${P[aslr]}" -n 0
bad_args "${P[aslr]}" -n 1001
bad_args "${P[aslr]}" -n 99999999999999999999
sc=${P[spawn-cost]}
bad_args "$sc" -s abc
bad_args "$sc" -s 7x
bad_args "$sc" -s -3
bad_args "$sc" -s 0
bad_args "$sc" -s 512K
bad_args "$sc" -s 99999999999999999999
bad_args "$sc" -s
bad_args "$sc" -m nosuchmethod
bad_args "$sc" -x /nonexistent/prog
bad_args "$sc" -r 0
bad_args "$sc" -r 4
bad_args "$sc" -t 0
bad_args "$sc" -t 10001
bad_args "$sc" --sizes-step 1
bad_args "$sc" --sizes-step x
# a size beyond half of MemAvailable is refused, naming the limit, never attempted
run timeout 20 "$sc" -s 60T -m pthread
is "$RC" 2 "spawn-cost -s 60T exits 2"
like "$ERR" "exceeds half of MemAvailable \(limit [0-9.]+ [KMGT]iB\)" "the message names the limit"

# quick runs produce well-formed TSV with the expected facts
run_exit 0 "fork runs" "${P[fork]}" -o "$TAP_TMP/fork.tsv"
tsv_ok "$TAP_TMP/fork.tsv" "role pid ppid fork_returned" "fork TSV"
ppid=$(awk -F'\t' '$1 == "parent" {print $2}' "$TAP_TMP/fork.tsv")
cppid=$(awk -F'\t' '$1 == "child" {print $3}' "$TAP_TMP/fork.tsv")
is "$cppid" "$ppid" "the child's ppid is the parent's pid"
run_exit 0 "fork --buffering no-fflush runs" "${P[fork]}" --buffering no-fflush
is "$(grep -c 'before fork' <<<"$OUT")" 2 "without fflush the buffered line comes out twice (stdout a file)"
run_exit 0 "fork --buffering fflush runs" "${P[fork]}" --buffering fflush
is "$(grep -c 'before fork' <<<"$OUT")" 1 "with fflush it comes out once"

for n in fork-exec spawn; do
	run_exit 0 "$n runs" "${P[$n]}" -o "$TAP_TMP/$n.tsv"
	tsv_ok "$TAP_TMP/$n.tsv" "route stage pid ppid pgrp session exe comm" "$n TSV"
	is "$(awk -F'\t' '$2 == "after_exec" {print $7}' "$TAP_TMP/$n.tsv")" pidinfo "$n: the child runs pidinfo after exec"
done
run_exit 0 "pidinfo runs" "${P[pidinfo]}" --stage by_hand
printf '%s\n' "$OUT" >"$TAP_TMP/pidinfo.tsv"
tsv_ok "$TAP_TMP/pidinfo.tsv" "stage pid ppid pgrp session exe comm" "pidinfo TSV"

# its own TMPDIR: the core-dump scratch directory goes there, and the check
# below cannot be fooled by a concurrent run
mkdir "$TAP_TMP/ws-tmp"
run_exit 0 "wait-status runs, every status decoded as expected" env TMPDIR="$TAP_TMP/ws-tmp" "${P[wait-status]}" -o "$TAP_TMP/ws.tsv"
tsv_ok "$TAP_TMP/ws.tsv" "case event status_hex exited exit_code signaled term_signal core_dumped stopped stop_signal continued decoded expected match" "wait-status TSV"
is "$(grep '^# mismatches:' "$TAP_TMP/ws.tsv")" "# mismatches: 0" "wait-status: every status decoded as expected (exit 0 either way)"
run_exit 0 "signals runs, every outcome as expected" "${P[signals]}" -o "$TAP_TMP/sig.tsv"
tsv_ok "$TAP_TMP/sig.tsv" "step signal expected observed match" "signals TSV"
is "$(grep '^# mismatches:' "$TAP_TMP/sig.tsv")" "# mismatches: 0" "signals: every outcome as expected (exit 0 either way)"
run_exit 0 "states runs" "${P[states]}" -o "$TAP_TMP/states.tsv"
tsv_ok "$TAP_TMP/states.tsv" "what pid ppid pgrp session tty_nr state expected note" "states TSV"
is "$(awk -F'\t' '$1 == "zombie" {print $7}' "$TAP_TMP/states.tsv")" Z "states: the zombie shows Z"
run_exit 0 "aslr -n 2 runs" "${P[aslr]}" -n 2 -o "$TAP_TMP/aslr.tsv"
is "$(grep '^# entry_check_failures:' "$TAP_TMP/aslr.tsv")" "# entry_check_failures: 0" "aslr: the entry point checks hold (exit 0 either way)"
tsv_ok "$TAP_TMP/aslr.tsv" "run build elf_type no_randomize region address perms from" "aslr TSV"
is "$(awk -F'\t' '$5 == "text" {print $7; exit}' "$TAP_TMP/aslr.tsv")" r-xp "aslr: text is mapped r-xp"
if [[ -x $TAP_TOP/ch02-process/aslr-nopie && -z ${SHIKUMI_VARIANT:-} ]]; then
	run_exit 0 "aslr-nopie runs" "$TAP_TOP/ch02-process/aslr-nopie" -n 2 -o "$TAP_TMP/nopie.tsv"
	is "$(awk -F'\t' '$5 == "text" {print $3; exit}' "$TAP_TMP/nopie.tsv")" EXEC "aslr-nopie is a fixed-address (EXEC) binary"
else
	skip "aslr-nopie not built or ASan variant"
fi
run_exit 0 "spawn-cost tiny run" "$sc" -s 1M -r 5 -t 1 -o "$TAP_TMP/sc.tsv"
tsv_ok "$TAP_TMP/sc.tsv" "method parent_mem_bytes rep us_per_op" "spawn-cost TSV"
is "$(awk -F'\t' '!/^#/ && NR > 1 && $1 != "method" {print $1}' "$TAP_TMP/sc.tsv" | sort -u | tr '\n' ' ')" \
	"fork fork_exec posix_spawn pthread vfork " "spawn-cost: all five methods measured"
run_exit 0 "spawn-tiny exits 0" "${P[spawn-tiny]}"
# the libc-free payload keeps the contract in a few bytes (built in place only)
tiny=$TAP_TOP/ch02-process/spawn-tiny-static
if [[ -x $tiny ]]; then
	help_ok "$tiny"
	bad_args "$tiny" --bogus
	bad_args "$tiny" extra-operand
	bad_args "$tiny" --help-me
	run_exit 0 "spawn-tiny-static exits 0" "$tiny"
	is "$OUT$ERR" "" "... and says nothing"
else
	for _ in 1 2 3 4 5 6 7 8; do skip "spawn-tiny-static not built (x86_64/aarch64 only)"; done
fi
ok "no temporary file left next to -o FILE" test -z "$(find "$TAP_TMP" -name '*.tmp.*')"
sleep 0.2
left=$(pgrep -f "ch02-process/(fork|fork-exec|spawn|pidinfo|wait-status|states|signals|aslr|spawn-cost)( |$)" || true)
is "$left" "" "no ch02 process left running"
core_note=$(awk '/^# core: / {sub(/^# core: /, ""); print; exit}' "$TAP_TMP/ws.tsv")
if [[ $core_note == *"dumped into"* ]]; then
	like "$core_note" "dumped into $TAP_TMP/ws-tmp/shikumi-wait-status\\." "the core was dumped under wait-status's TMPDIR"
else
	skip "no core dump tried: $core_note"
fi
is "$(ls -A "$TAP_TMP/ws-tmp")" "" "no core-dump directory left in wait-status's TMPDIR"

# fds: its own scratch directory under -D, removed afterwards; the four facts in the data.
bad_args "${P[fds]}" -D /nonexistent/dir
mkdir -p "$TAP_TMP/fds"
run_exit 0 "fds runs" "${P[fds]}" -D "$TAP_TMP/fds" -o "$TAP_TMP/fds.tsv"
tsv_ok "$TAP_TMP/fds.tsv" "step pid fd target cloexec" "fds data"
ok "fds: exec dropped the O_CLOEXEC descriptor" awk -F'\t' -v fd="$(sed -n 's/^# cloexec_fd: //p' "$TAP_TMP/fds.tsv")" \
	'$1 == "fork" && $3 == fd { f = 1 } $1 == "exec" && $3 == fd { e = 1 } END { exit !(f && !e) }' "$TAP_TMP/fds.tsv"
ok "fds: the redirected text arrived" grep -q '^# redirect_text: written to stdout$' "$TAP_TMP/fds.tsv"
is "$(ls -A "$TAP_TMP/fds")" "" "fds leaves no scratch directory"
done_testing
