#!/usr/bin/env bash
# output-safety.t - "-o" never replaces what is not a regular file (issue 9):
# every program that takes -o writes "-o /dev/null" in place, inside a private
# /dev (tests/tap.sh private_dev) so that the machine's is never at stake; the
# shell's sk_atomic_write and sk_run_prog follow the same rules; drivers refuse
# an -o RUNDIR that is not theirs; no test file aims an output at /dev/ again.
source "$(dirname "$0")/tap.sh"
cd "$TAP_TOP" || exit 1

# ---- 1. no test aims an output at the machine's /dev -------------------------------
# A /dev/null (zero, full, stdout, stderr, fd/N) that is not a shell redirection
# (">/dev/null", "</dev/null", "2>&1 >/dev/null") nor freopen() of a std stream,
# on a line not marked "private-dev" (run inside tests/tap.sh private_dev).
bad=$(grep -nHE '/dev/(null|zero|full|stdout|stderr|fd/)' \
	lib/tests/*.c lib/tests/*.t tests/*.t ch*/tests/*.t ch*/tests/*.sh ch*/tests/*.c 2>/dev/null |
	grep -vE 'private.dev|freopen\(' |
	sed -E 's#[0-9]*[<>]&?[[:space:]]*/dev/(null|zero|full|stdout|stderr)##g; s#&>[[:space:]]*/dev/null##g' |
	grep -E '/dev/(null|zero|full|stdout|stderr|fd/)' | grep -v '^tests/output-safety.t:' || true)
if [[ -z $bad ]]; then
	pass "no test file aims an output (-o, --trace, ...) at /dev/null, /dev/stdout, ..."
else
	fail "no test file aims an output (-o, --trace, ...) at /dev/null, /dev/stdout, ..." \
		"$bad" "use a file under \$TAP_TMP, or run it through private_dev (tests/tap.sh) and mark the line 'private-dev'"
fi

# ---- 2. every program with -o, aimed at /dev/null in a private /dev ------------------
# The smallest run of each (a few seconds in all). A new program that takes -o
# gets its line here; until then it is listed as a SKIP.
declare -A tiny=(
	[ch01-syscall/cpu-sample]="-c all -i 20 -d 60"
	[ch01-syscall/syscall-cost]="-r 5 -t 1 --op getppid"
	[ch02-process/aslr]="-n 2"
	[ch02-process/fork-exec]=""
	[ch02-process/fork]=""
	[ch02-process/pidinfo]=""
	[ch02-process/signals]=""
	[ch02-process/spawn-cost]="-s 1M -r 5 -t 1 -m vfork"
	[ch02-process/spawn]=""
	[ch02-process/states]=""
	[ch02-process/wait-status]=""
	[ch03-sched/cpuperf]="-q"
	[ch03-sched/ctxsw-cost]="-r 1 -l 100 -p self"
	[ch03-sched/sched]="1 20 1"
	[ch03-sched/timeacct]="-q"
	[ch04-memory/demand-paging]="-q -s 4M"
	[ch04-memory/fault-cost]="-q -s 4M"
	[ch04-memory/filemap]=""
	[ch04-memory/malloc]="-q"
	[ch04-memory/meminfo]="-s 4M"
	[ch04-memory/mmap]="-s 4M"
	[ch04-memory/overcommit]="-q"
	[ch04-memory/pagetable]="-q"
	[ch04-memory/segv]=""
	[ch04-memory/thp]="-q -s 4M"
	[ch05-cow/cow-cost]="-q -s 1M"
	[ch05-cow/cow]="-q -s 4M"
	[ch05-cow/lock]="-q"
	[ch05-cow/shared-mem]=""
	[ch08-cache/cache-stride]="-q --min 4K --max 8K"
	[ch08-cache/membw]="--min 16K --max 16K -r 1 -t 1"
	[ch08-cache/pagecache]="-q"
	[ch08-cache/tlb]="--min-pages 8 --max-pages 16 --ppo 1 -r 1 -t 1"
	[ch08-cache/writeback]="-q --size 1M"
	[ch09-block/io]="-s 1M --runtime 1 --io-size 256K"
	[ch11-container/ns-show]=""
	[ch11-container/ns-uts]=""
	[ch11-container/ns-pid]=""
	[ch12-cgroup/cgroup-info]=""
)
progs=()
for c in ch*/*.c; do
	p=${c%.c}
	[[ -x $p ]] && "$p" --help 2>/dev/null | grep -qE -- '-o, --output|--output[ =]FILE' && progs+=("$p")
done
ok "programs that take -o found (${#progs[@]})" test "${#progs[@]}" -ge 30
why=$(private_dev_why)
# One private /dev for all of them (making one costs ~0.3 s): each line of the
# inner loop prints "PROG EXIT DEVNULL-STATE" after the program ran.
listed=()
for p in "${progs[@]}"; do
	if [[ -z ${tiny[$p]+set} ]]; then
		skip "$p -o /dev/null: no tiny run listed in tests/output-safety.t yet"
	elif [[ -n $why ]]; then
		skip "$p -o /dev/null: $why"
	else
		listed+=("$p" "${tiny[$p]}")
	fi
done
if ((${#listed[@]})); then
	run_private_dev bash -c 'while (($#)); do
			read -ra args <<<"$2"; rc=0
			timeout 60 "$1" -o /dev/null "${args[@]}" >/dev/null 2>>"$0" || rc=$?
			# a vector that went stale with the program (usage error): its quick run
			((rc != 2)) || { rc=0; timeout 60 "$1" -o /dev/null -q >/dev/null 2>>"$0" || rc=$?; }
			echo "$1 $rc $(stat -c %F:%t:%T /dev/null | tr " " _)"
			shift 2
		done' "$TAP_TMP/progs.err" "${listed[@]}"   # private-dev
	for ((i = 0; i < ${#listed[@]}; i += 2)); do
		p=${listed[i]}
		line=$(grep -m1 "^$p " <<<"$OUT" || true)
		read -r _ rc state <<<"$line"
		if [[ ($rc == 0 || $rc == 4) && $state == character_special_file:1:3 ]]; then
			pass "$p -o /dev/null writes in place; /dev/null stays the null device (exit $rc)"
		else
			fail "$p -o /dev/null writes in place; /dev/null stays the null device" \
				"got: '${line:-nothing}' (private /dev: exit $RC)" "$(grep "^${p##*/}:" "$TAP_TMP/progs.err" | head -3)"
		fi
	done
fi

# ---- 3. the other cases, through one program ----------------------------------------
fork=$TAP_TOP/ch02-process/fork
run_exit 2 "-o DIRECTORY exits 2" "$fork" -o "$TAP_TMP"
like "$ERR" "^fork: bad VALUE for --output: '$TAP_TMP': is a directory" "... naming the argument"
if [[ -z $why ]]; then
	run_private_dev bash -c '"$1" -o /dev/stdout | grep -c "^# program: fork"' _ "$fork"   # private-dev
	is "$OUT" 1 "-o /dev/stdout onto a pipe: the TSV arrives on the pipe"
	mknod "$TAP_TMP/blk" b 7 0   # a node only: nothing opens it
	run_exit 2 "-o BLOCK-DEVICE exits 2" "$fork" -o "$TAP_TMP/blk"
	like "$ERR" "is a block device" "... and says so"
	ok "... and leaves it a block device" test -b "$TAP_TMP/blk"
else
	skip "-o /dev/stdout: $why"; skip "-o block device: $why"; skip "$why"; skip "$why"
fi
ln -s real.tsv "$TAP_TMP/link.tsv"
run_exit 0 "-o SYMLINK (dangling) runs" "$fork" -o "$TAP_TMP/link.tsv"
ok "... the link stays a link, its target is written" test -L "$TAP_TMP/link.tsv" -a -s "$TAP_TMP/real.tsv"
mkfifo "$TAP_TMP/fifo"
cat "$TAP_TMP/fifo" >"$TAP_TMP/from-fifo" &
run_exit 0 "-o FIFO runs" "$fork" -o "$TAP_TMP/fifo"
wait
ok "... the data went through the FIFO, which stays a FIFO" test -p "$TAP_TMP/fifo" -a -s "$TAP_TMP/from-fifo"

# ---- 4. the shell side: sk_atomic_write and sk_run_prog -------------------------------
sh_case() {   # sh_case SCRIPT: run bash with lib.sh sourced, in $TAP_TMP/sh
	run bash -c 'cd "$1" && source "$2/scripts/lib.sh" && trap - EXIT && SK_LOG=$1/log && eval "$3"' _ "$TAP_TMP/sh" "$TAP_TOP" "$1"
}
mkdir -p "$TAP_TMP/sh"
sh_case 'echo old >reg; chmod 640 reg; ln -s reg lnk; echo new | sk_atomic_write lnk; cat reg; stat -c %a reg; test -L lnk && echo link'
is "$OUT" $'new\n640\nlink' "sk_atomic_write through a symlink: target replaced (mode kept), link kept"
sh_case 'ln -s made dang; echo x | sk_atomic_write dang; cat made; test -L dang && echo link'
is "$OUT" $'x\nlink' "sk_atomic_write onto a dangling symlink creates its target"
sh_case 'mkfifo ff; cat ff >got & echo y | sk_atomic_write ff; wait; cat got; test -p ff && echo fifo'
is "$OUT" $'y\nfifo' "sk_atomic_write onto a FIFO writes in place"
sh_case 'echo z | sk_atomic_write /dev/stdout | cat; sk_run_prog /dev/stdout echo w | cat'   # private-dev: our own pipe
is "$OUT" $'z\nw' "sk_atomic_write and sk_run_prog onto /dev/stdout (a pipe) write to it"
sh_case 'echo q | sk_atomic_write .'
is "$RC" 2 "sk_atomic_write onto a directory: usage error (exit 2)"
like "$ERR" "bad VALUE for output file: '.': is a directory" "... naming the path"
sh_case 'echo keep >out; sk_run_prog out sh -c "echo half; exit 4"; echo "rc=$?"; cat out; ls out*'
is "$OUT" $'rc=4\nkeep\nout' "sk_run_prog: a failing program leaves the old file and no temporary"
if [[ -z $why ]]; then
	run_private_dev bash -c 'source "$1/scripts/lib.sh"; trap - EXIT; SK_LOG=$2/log2
		echo a | sk_atomic_write /dev/null && sk_run_prog /dev/null echo b && echo done' _ "$TAP_TOP" "$TAP_TMP"   # private-dev
	is "$OUT|$RC" "done|0" "sk_atomic_write and sk_run_prog onto /dev/null write in place; it stays the null device"
else
	skip "shell onto /dev/null: $why"
fi

# ---- 5. a driver's -o RUNDIR: new, empty, or a run directory; never a directory of the user's
drv=$TAP_TOP/ch01-syscall/run.sh
mkdir -p "$TAP_TMP/mine"
echo precious >"$TAP_TMP/mine/status"
run_exit 2 "run.sh -o DIR-WITH-USER-FILES exits 2" "$drv" -q -o "$TAP_TMP/mine"
like "$ERR" "bad VALUE for -o: '$TAP_TMP/mine': a directory that is not a shikumi run" "... and says why"
is "$(cat "$TAP_TMP/mine/status")" precious "... and leaves the user's files alone"
run_exit 2 "run.sh -o FILE exits 2" "$drv" -q -o "$TAP_TMP/mine/status"

dev_null_intact "the machine's /dev/null is still the null device"
done_testing
