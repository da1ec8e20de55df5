# shellcheck shell=bash
# tests/tap.sh - TAP for shikumi's shell tests (run by prove).
#
#   #!/usr/bin/env bash
#   source "$(dirname "$0")/../../tests/tap.sh"     # from chNN-*/tests/
#   plan 3           (or: plan_skip_all "reason")
#   ok CONDITION-CMD... -- "description"    is GOT WANT "desc"    like TEXT REGEX "desc"
#   run_exit CODE "desc" CMD...   (runs CMD, checks the exit code, keeps $OUT and $ERR)
#   bad_args PROG "desc-prefix" ARGS...   (one malformed argument vector -> exit 2 + message)
#   interrupt_when GLOB SECONDS CMD...   (Ctrl-C in the middle; exit code in $RC)
#   interrupted_ok RUNDIR [CH/EXP]; none_left_ok PGREP-PATTERN   (after the Ctrl-C)
#   plots_ok DIR PLOT...   (PLOT.png and .svg drawn, or SKIP without gnuplot)
#   verdict_ok FILE ID; verdicts_ok FILE [ID...]   (verdict rows by their stable id)
#   progs CHAPTER NAME...  (P[NAME] = bin CHAPTER/NAME; SKIP all if one is not built)
#   common_args_ok NAME... (--help, -h; --bogus and a stray operand exit 2)
#   bin PATH   -> the program to test: PATH in place, or build/asan/PATH when
#                 SHIKUMI_VARIANT=asan (tests/asan.t re-runs marked tests that way)
#   done_testing
#
# A test file that exercises only C code quickly marks itself with a line
#   # shikumi: asan
# so that tests/asan.t runs it again against the ASan+UBSan build.

set -u
export LC_ALL=C
TAP_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
TAP_N=0
TAP_FAILS=0
TAP_PLANNED=""
OUT="" ERR="" RC=0
TAP_TMP=$(mktemp -d "${TMPDIR:-/tmp}/shikumi-test.XXXXXX")
trap 'rm -rf "$TAP_TMP"' EXIT

plan() { TAP_PLANNED=$1; echo "1..$1"; }
plan_skip_all() { echo "1..0 # SKIP $*"; exit 0; }
diag() { printf '# %s\n' "$@" | sed '2,$s/^/# /'; }

_tap_result() {
	local pass=$1 desc=$2
	TAP_N=$((TAP_N + 1))
	if [[ $pass == 1 ]]; then
		echo "ok $TAP_N - $desc"
	else
		echo "not ok $TAP_N - $desc"
		TAP_FAILS=$((TAP_FAILS + 1))
	fi
}

pass() { _tap_result 1 "$1"; }
fail() { _tap_result 0 "$1"; shift; [[ $# -gt 0 ]] && diag "$@" >&2; return 0; }
skip() { TAP_N=$((TAP_N + 1)); echo "ok $TAP_N # SKIP $*"; }

# ok DESC CMD...: passes if CMD succeeds.
ok() {
	local desc=$1
	shift
	if "$@"; then pass "$desc"; else fail "$desc" "command failed: $*"; fi
}

is() {
	if [[ $1 == "$2" ]]; then pass "$3"; else fail "$3" "got:      '$1'" "expected: '$2'"; fi
}

like() {
	if [[ $1 =~ $2 ]]; then pass "$3"; else fail "$3" "got:      '${1:0:400}'" "expected to match: $2"; fi
}

# cmp_ok GOT OP WANT DESC: numeric comparison through awk (floats allowed).
cmp_ok() {
	if awk -v a="$1" -v b="$3" "BEGIN { exit !(a $2 b) }"; then pass "$4"; else fail "$4" "got: $1, expected $2 $3"; fi
}

bin() {
	if [[ ${SHIKUMI_VARIANT:-} == asan ]]; then
		echo "$TAP_TOP/build/asan/$1"
	else
		echo "$TAP_TOP/$1"
	fi
}

# progs CHAPTER NAME...: P[NAME] = the program to test (bin CHAPTER/NAME); the
# whole file SKIPs when one of them is not built.
declare -A P=()
progs() {
	local ch=$1 n
	shift
	for n in "$@"; do
		P[$n]=$(bin "$ch/$n")
		[[ -x ${P[$n]} ]] || plan_skip_all "$ch/$n not built (make${SHIKUMI_VARIANT:+ asan})"
	done
}

# common_args_ok NAME...: each program of P answers --help and -h, and an
# unknown option or a stray operand exits 2 with a message.
common_args_ok() {
	local n
	for n in "$@"; do
		help_ok "${P[$n]}"
		bad_args "${P[$n]}" --bogus
		bad_args "${P[$n]}" stray-operand
	done
}

# run CMD...: run, capture stdout in $OUT, stderr in $ERR, exit code in $RC.
run() {
	RC=0
	"$@" >"$TAP_TMP/out" 2>"$TAP_TMP/err" || RC=$?
	OUT=$(cat "$TAP_TMP/out")
	ERR=$(cat "$TAP_TMP/err")
}

# run_exit CODE DESC CMD...
run_exit() {
	local want=$1 desc=$2
	shift 2
	run "$@"
	if [[ $RC == "$want" ]]; then pass "$desc"; else fail "$desc" "exit code $RC, expected $want" "stderr: ${ERR:0:600}"; fi
}

# Sanitizer reports must never appear, whatever the exit code.
no_sanitizer_report() {
	if [[ $ERR == *"Sanitizer"* || $ERR == *"runtime error:"* ]]; then
		fail "$1: no sanitizer report" "${ERR:0:1500}"
	else
		pass "$1: no sanitizer report"
	fi
}

# bad_args PROG ARGS...: a malformed command line exits 2 with one message
# line that starts with the program name (or chNN-x/run.sh), and no crash or
# sanitizer report.
bad_args() {
	local prog=$1 name
	shift
	name=$(basename "$prog")
	run timeout 20 "$prog" "$@"
	local lines
	lines=$(printf '%s\n' "$ERR" | grep -c . || true)
	if [[ $RC == 2 && $ERR =~ ^([^\ ]*/)?$name:\  && $lines -le 1 ]]; then
		pass "$name $* -> exit 2 with a message"
	else
		fail "$name $* -> exit 2 with a message" "exit $RC" "stderr: ${ERR:0:600}"
	fi
	if [[ $ERR == *"Sanitizer"* || $ERR == *"runtime error:"* ]]; then
		fail "$name $*: sanitizer report" "${ERR:0:1500}"
	fi
}

# interrupt_when GLOB SECONDS CMD...: "Ctrl-C in the middle". Starts CMD as a
# terminal would, in its own process group (without job control a background
# job ignores SIGINT), waits until a path matching GLOB exists (up to 10 s;
# "" = do not wait; up to 30 s on a loaded machine), then SECONDS more, sends SIGINT to the whole group and
# waits. CMD's exit code is in $RC; its output is discarded.
interrupt_when() {
	local glob=$1 secs=$2 pid
	shift 2
	# env --default-signal=INT: when the test itself was started with SIGINT
	# ignored (a background job, as CI may start it), a shell cannot trap a
	# signal ignored at its entry; the command must start with the default.
	local -a dflt=()
	env --default-signal=INT true 2>/dev/null && dflt=(env --default-signal=INT)
	set -m
	"${dflt[@]}" "$@" >/dev/null 2>&1 &
	pid=$!
	set +m
	if [[ -n $glob ]]; then
		for _ in $(seq 300); do compgen -G "$glob" >/dev/null && break; sleep 0.1; done
	fi
	sleep "$secs"
	kill -INT -- "-$pid" 2>/dev/null || true
	RC=0
	wait "$pid" || RC=$?
}

# interrupted_ok RUNDIR [CHAPTER/EXP]: after interrupt_when on a driver: it
# exited non-zero and marked the run interrupted; with CHAPTER/EXP, the partial
# experiment was kept as RUNDIR/CHAPTER/EXP.interrupted.
interrupted_ok() {
	cmp_ok "$RC" "!=" 0 "interrupted run exits non-zero"
	ok "run marked interrupted" grep -qx interrupted "$1/status"
	[[ -z ${2:-} ]] || ok "partial experiment kept as .interrupted" test -d "$1/$2.interrupted"
}

# none_left_ok PATTERN [DESC]: a moment after a driver ended, no process whose
# command line matches PATTERN (pgrep -f) is left running.
none_left_ok() {
	sleep 0.3
	is "$(pgrep -f "$1" || true)" "" "${2:-no program left running after Ctrl-C}"
}

# plots_ok DIR PLOT...: sk_plot drew DIR/PLOT.png and DIR/PLOT.svg (one test a
# plot); without gnuplot a single SKIP.
plots_ok() {
	local dir=$1 p
	shift
	if ! command -v gnuplot >/dev/null; then
		skip "gnuplot not installed"
		return 0
	fi
	for p in "$@"; do ok "plot $p drawn (PNG and SVG)" test -s "$dir/$p.png" -a -s "$dir/$p.svg"; done
}

# help_ok PROG: -h and --help print usage on stdout and exit 0.
help_ok() {
	local prog=$1 name
	name=$(basename "$prog")
	run "$prog" --help
	if [[ $RC == 0 && $OUT == *[Uu]sage* ]]; then pass "$name --help"; else fail "$name --help" "exit $RC" "${ERR:0:300}"; fi
	run "$prog" -h
	if [[ $RC == 0 && $OUT == *[Uu]sage* ]]; then pass "$name -h"; else fail "$name -h" "exit $RC"; fi
}

# tsv_ok FILE COLS DESC: well-formed shikumi TSV: '# program:' preamble, a
# header that contains the given columns, at least one row, every row with
# as many fields as the header.
tsv_ok() {
	local file=$1 cols=$2 desc=$3 why
	why=$(awk -F'\t' -v want="$cols" '
		NR == 1 && !/^# program: / { print "no # program: preamble"; bad = 1; exit }
		/^#/ { next }
		!h { h = 1; nf = NF; n = split(want, w, " "); for (i = 1; i <= NF; i++) have[$i] = 1
		     for (i = 1; i <= n; i++) if (!(w[i] in have)) { print "missing column " w[i]; bad = 1; exit }
		     next }
		NF != nf { print "row " NR " has " NF " fields, header " nf; bad = 1; exit }
		{ rows++ }
		END { if (!bad && !h) print "no header"; else if (!bad && !rows) print "no rows" }' "$file" 2>&1)
	if [[ -z $why ]]; then pass "$desc"; else fail "$desc" "$why"; fi
}

# verdict_ok FILE ID: the experiment's verdict row ID (its id column; for older
# 5-column files, its check text) is PASS, or SKIP (a TAP skip with the reason).
verdict_ok() {
	local file=$1 id=$2 row result note
	row=$(awk -F'\t' -v c="$id" '($6 == c || $1 == c) && NR > 1 { print; exit }' "$file" 2>/dev/null)
	if [[ -z $row ]]; then fail "verdict '$id' present" "no such row in $file"; return; fi
	result=$(cut -f4 <<<"$row")
	note=$(cut -f5 <<<"$row")
	case $result in
	PASS) pass "verdict $id: $(cut -f1 <<<"$row") ($(cut -f3 <<<"$row"))" ;;
	SKIP) skip "verdict $id: $note" ;;
	*) fail "verdict $id" "$row" ;;
	esac
}

# verdicts_ok FILE [ID...]: every verdict row of FILE (by its id) is PASS or SKIP
# with a reason, and each ID named is among them (a check cannot silently vanish).
verdicts_ok() {
	local file=$1 id ids
	shift
	if [[ ! -s $file ]]; then fail "verdicts in $file" "no such file"; return; fi
	ids=$(awk -F'\t' 'NR > 1 { print ($6 != "" ? $6 : $1) }' "$file")
	while IFS= read -r id; do
		[[ -n $id ]] && verdict_ok "$file" "$id"
	done <<<"$ids"
	for id in "$@"; do
		if grep -qxF -- "$id" <<<"$ids"; then pass "verdict $id present"; else fail "verdict $id present" "ids: $(tr '\n' ' ' <<<"$ids")"; fi
	done
}

done_testing() {
	if [[ -z $TAP_PLANNED ]]; then echo "1..$TAP_N"; fi
	((TAP_FAILS == 0))
}

# ---- a private /dev (the safety helper's part) ----------------------------------
# private_dev_why: why a private /dev cannot be had here (empty: it can). Needs
# root (or CAP_SYS_ADMIN) and unshare(1); tests SKIP with this reason otherwise.
private_dev_why() {
	((EUID == 0)) || { echo "not root: no private mount namespace"; return; }
	command -v unshare >/dev/null || { echo "unshare (util-linux) not installed"; return; }
	unshare --mount --propagation private true 2>/dev/null || echo "unshare --mount refused here"
}

# private_dev CMD...: run CMD (stdout and stderr as they are; returns its exit
# code) inside a private mount namespace whose /dev is a fresh tmpfs holding
# its own null, zero and urandom devices, shm, pts and the fd links, so that a
# program aimed at "-o /dev/null" can never reach the machine's. Exit 97: the
# private /dev could not be made (CMD did not run); 98: CMD left /dev/null
# something other than the character device 1:3. Inside, SHIKUMI_PRIVATE_DEV=1.
# Check private_dev_why first.
private_dev() {
	unshare --mount --propagation private bash -c '
		mount -t tmpfs -o mode=0755,size=1m shikumi-private-dev /dev || exit 97
		mknod -m 0666 /dev/null c 1 3 && mknod -m 0666 /dev/zero c 1 5 &&
			mknod -m 0666 /dev/urandom c 1 9 && mkdir -m 1777 /dev/shm || exit 97
		ln -s /proc/self/fd /dev/fd && ln -s fd/0 /dev/stdin &&
			ln -s fd/1 /dev/stdout && ln -s fd/2 /dev/stderr || exit 97
		mkdir /dev/pts && mount -t devpts -o newinstance,ptmxmode=0666 devpts /dev/pts &&
			ln -s pts/ptmx /dev/ptmx || true   # pseudo-terminals, where allowed
		[[ $(stat -c %F:%t:%T /dev/null) == "character special file:1:3" ]] || exit 97
		rc=0
		SHIKUMI_PRIVATE_DEV=1 "$@" || rc=$?
		[[ $(stat -c %F:%t:%T /dev/null) == "character special file:1:3" ]] || exit 98
		exit "$rc"' private_dev "$@"
}

# run_private_dev CMD...: private_dev, captured like run ($OUT, $ERR, $RC).
run_private_dev() { run private_dev "$@"; }

# dev_null_intact DESC: the machine's /dev/null is still the null device.
dev_null_intact() {
	local t
	t=$(stat -c %F:%t:%T /dev/null 2>&1)
	if [[ $t == "character special file:1:3" ]]; then pass "$1"; else fail "$1" "/dev/null is now: $t"; fi
}
