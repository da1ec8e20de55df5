# shellcheck shell=bash
# scripts/lib.sh - what every shikumi driver (chNN-*/run.sh) stands on.
#
#   source "$(dirname "$0")/../scripts/lib.sh"
#
# Messages ..... sk_note, sk_warn, sk_die (exit 1), sk_usage_error (exit 2)
# Arguments .... sk_check_int NAME VALUE MIN MAX, sk_check_cpu NAME CPU,
#                sk_check_cpulist NAME LIST; sk_opt_int, sk_opt_value, sk_options
# CPUs ......... sk_allowed_cpus, sk_default_cpu, sk_other_cpu CPU, sk_pin CPU cmd...
# Run dirs ..... sk_run_init CHAPTER [RUNDIR], sk_exp_begin NAME, sk_exp_end,
#                sk_run_finish; results/<UTC-stamp>-<host>[-label]/<chapter>/<exp>/
# Cleanup ...... sk_cleanup_push 'command'; on EXIT/INT/TERM children are killed
#                and reaped, pushed commands run in reverse order, an unfinished
#                experiment is kept as NAME.interrupted and the run marked so.
# Verdicts ..... sk_verdict CHECK EXPECTED OBSERVED PASS|FAIL|SKIP NOTE
# Files ........ sk_atomic_write FILE < data, sk_summarize (median etc. by group)
# Plots ........ sk_plot SCRIPT.gp DATA OUTBASE [ARGS...] -> OUTBASE.png + .svg
#
# Exit codes: 0 ok (also when experiments SKIP), 1 failure, 2 usage error.

set -o pipefail
export LC_ALL=C

SK_TOP=$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)
SK_PROG=${SK_PROG:-$(basename "$0")}
SK_CMDLINE="$0${*:+ $*}"   # sourced without arguments: these are the driver's own
SK_RUN_DIR=""      # results/<stamp>-<host>[-label]
SK_CH_DIR=""       # $SK_RUN_DIR/<chapter>
SK_EXP_NAME=""
SK_CHAPTER=""    # chNN-topic (sk_driver_ready)
SK_EXP_DIR=""      # staging dir of the experiment being run
SK_LOG=/dev/null
SK_OWN_RUN=0       # 1 if this driver created the run dir (and finishes it)
SK_FAILS=0
SK_LS_FAILED=""    # ids of --load-sensitive checks that FAILed in this experiment
SK_JUDGE_RUN=""   # -J RUNDIR: re-judge saved data, measure nothing (lab-check)
# shellcheck disable=SC2034 # read by the drivers (their -q sets it)
SK_QUICK=0
declare -a SK_CLEANUPS=()

# ---- messages --------------------------------------------------------------

sk_note() { printf '%s: %s\n' "$SK_PROG" "$*" | tee -a "$SK_LOG" >&2; }
sk_warn() { printf '%s: warning: %s\n' "$SK_PROG" "$*" | tee -a "$SK_LOG" >&2; }
sk_die() { printf '%s: %s\n' "$SK_PROG" "$*" | tee -a "$SK_LOG" >&2; exit 1; }
sk_usage_error() { printf '%s: %s (try %s -h)\n' "$SK_PROG" "$*" "$SK_PROG" >&2; exit 2; }

# ---- arguments -------------------------------------------------------------

# sk_check_int NAME VALUE MIN MAX: a decimal integer in range, or exit 2.
sk_check_int() {
	local name=$1 value=$2 min=$3 max=$4 v
	if [[ ! $value =~ ^-?[0-9]+$ ]]; then
		sk_usage_error "bad VALUE for $name: '$value': not an integer"
	fi
	((${#value} <= 18)) || sk_usage_error "bad VALUE for $name: '$value': too large"
	v=$((10#${value#-}))
	[[ $value == -* ]] && v=$((-v))
	((v >= min && v <= max)) || sk_usage_error "bad VALUE for $name: '$value': out of range $min..$max"
}

# Expand "0-2,5" into "0 1 2 5"; returns 1 on malformed input.
sk_expand_cpulist() {
	local list=$1 part a b cpus=()
	[[ $list =~ ^[0-9]+(-[0-9]+)?(,[0-9]+(-[0-9]+)?)*$ ]] || return 1
	IFS=, read -ra parts <<<"$list"
	for part in "${parts[@]}"; do
		a=${part%-*} b=${part#*-}
		((${#a} < 6 && ${#b} < 6)) || return 1
		((10#$a <= 10#$b)) || return 1
		for ((i = 10#$a; i <= 10#$b; i++)); do cpus+=("$i"); done
	done
	echo "${cpus[*]}"
}

# CPUs this process may run on, space-separated.
sk_allowed_cpus() {
	local list
	list=$(awk '/^Cpus_allowed_list:/ {print $2}' /proc/self/status)
	sk_expand_cpulist "$list"
}

# The default CPU for pinned measurements: the last allowed CPU (CPU 0 tends
# to carry more housekeeping; a cpuset may exclude it anyway).
sk_default_cpu() {
	local cpus
	read -ra cpus <<<"$(sk_allowed_cpus)"
	echo "${cpus[${#cpus[@]} - 1]}"
}

# An allowed CPU other than $1, or nothing if there is none.
sk_other_cpu() {
	local c
	for c in $(sk_allowed_cpus); do
		if [[ $c != "$1" ]]; then echo "$c"; return 0; fi
	done
	return 0
}

# sk_check_cpulist NAME LIST: every CPU of LIST is allowed, or exit 2.
# sk_check_cpu NAME VALUE: one allowed CPU (not a list), or exit 2.
sk_check_cpu() {
	sk_check_cpulist "$1" "$2"
	[[ $2 =~ ^[0-9]+$ ]] || sk_usage_error "bad VALUE for $1: '$2': one CPU, not a list"
}

sk_check_cpulist() {
	local name=$1 list=$2 cpus c allowed
	cpus=$(sk_expand_cpulist "$list") || sk_usage_error "bad VALUE for $name: '$list': not a CPU list (e.g. 1 or 0-3,6)"
	allowed=" $(sk_allowed_cpus) "
	for c in $cpus; do
		[[ $allowed == *" $c "* ]] ||
			sk_usage_error "bad VALUE for $name: '$list': CPU $c not in the allowed set ($(awk '/^Cpus_allowed_list:/ {print $2}' /proc/self/status))"
	done
}

# sk_locked CMD...: run CMD holding the measurement lock named by $SHIKUMI_LOCK
# (a file path), so that people sharing a machine do not benchmark at the same
# time: SHIKUMI_LOCK=/tmp/shikumi.lock make bench. Without it, just run CMD.
sk_locked() {
	if [[ -n ${SHIKUMI_LOCK:-} ]]; then flock "$SHIKUMI_LOCK" "$@"; else "$@"; fi
}

sk_pin() {
	local cpu=$1
	shift
	taskset -c "$cpu" "$@"
}

# ---- foreign load ------------------------------------------------------------
# A cost measured on a CPU that something else is using too comes out slow by
# whatever share the other took. sk_quietly runs a measurement, compares how
# busy its CPUs were (/proc/stat: user, nice, system, irq, softirq, steal) with
# the CPU time of this shell's own children meanwhile (bash's `times`), and
# measures again while the others used more than SK_QUIET_PCT % of those CPUs.
# A check given --load-sensitive that still FAILs on a busy CPU is then a SKIP
# that says how busy (sk_check), never a silent PASS.
SK_QUIET_PCT=10 SK_QUIET_TRIES=2 SK_OTHERS_PCT="" SK_OTHERS_CPUS=""

# sk_cpu_busy_ms CPU...: non-idle time of these CPUs since boot [ms].
sk_cpu_busy_ms() {
	awk -v list=" $* " -v hz="$(getconf CLK_TCK)" '
		$1 ~ /^cpu[0-9]+$/ { c = substr($1, 4); if (index(list, " " c " ")) s += $2 + $3 + $4 + $7 + $8 + $9 }
		END { printf "%.0f\n", s * 1000 / hz }' /proc/stat
}

# sk_children_cpu_ms: user + system time of this shell's reaped children [ms].
# (`times` must run in this shell: in a pipe or $( ) it reports a subshell's.)
sk_children_cpu_ms() {
	local f="${TMPDIR:-/tmp}/shikumi-times.$$.$BASHPID"
	times >"$f"
	awk 'NR == 2 { t = 0; for (i = 1; i <= 2; i++) { split($i, a, /m|s/); t += a[1] * 60 + a[2] }; printf "%.0f\n", t * 1000 }' "$f"
	rm -f "$f"
}

# sk_quietly "CPUS" CMD...: run CMD (again while CPUS were busy with other
# work, SK_QUIET_TRIES runs at most); sets SK_OTHERS_PCT. Returns CMD's status.
sk_quietly() {
	local cpus=$1 try b0 c0 t0 busy ours wall rc
	shift
	for ((try = 1; try <= SK_QUIET_TRIES; try++)); do
		sk_children_cpu_ms >/dev/null   # (warm: the first call costs a little)
		local f="${TMPDIR:-/tmp}/shikumi-quiet.$$"
		sk_children_cpu_ms >"$f"; c0=$(<"$f")
		b0=$(sk_cpu_busy_ms $cpus) t0=$(date +%s%N)
		rc=0
		"$@" || rc=$?
		busy=$(($(sk_cpu_busy_ms $cpus) - b0))
		sk_children_cpu_ms >"$f"; ours=$(($(<"$f") - c0))
		rm -f "$f"
		wall=$((($(date +%s%N) - t0) / 1000000))
		SK_OTHERS_PCT=$(awk -v b="$busy" -v o="$ours" -v w="$wall" -v n="$(wc -w <<<"$cpus")" \
			'BEGIN { p = w > 0 ? 100 * (b - o) / (w * n) : 0; printf "%.0f", p < 0 ? 0 : p }')
		SK_OTHERS_CPUS=$cpus
		sk_note "other processes used ${SK_OTHERS_PCT} % of CPU(s) $cpus during the measurement"
		((rc == 0 && SK_OTHERS_PCT > SK_QUIET_PCT && try < SK_QUIET_TRIES)) || return "$rc"
		sk_warn "CPU(s) $cpus busy with other work (${SK_OTHERS_PCT} %): measuring again"
	done
}

# sk_busy_reason: when the last sk_quietly saw its CPUs busy with other work,
# print why a failed check is a SKIP and return 0; else return 1. For verdicts
# written with sk_verdict: `elif why=$(sk_busy_reason); then sk_verdict ... SKIP "$why"`.
sk_busy_reason() {
	[[ -n $SK_OTHERS_PCT ]] && ((SK_OTHERS_PCT > SK_QUIET_PCT)) || return 1
	echo "machine busy: other processes used ${SK_OTHERS_PCT} % of CPU(s) $SK_OTHERS_CPUS during the measurement; rerun on a quiet machine"
}

# sk_have TOOL: is the tool installed? SHIKUMI_HIDE_TOOLS="gnuplot hyperfine"
# pretends some are not, to see (and test) how an experiment degrades.
sk_have() {
	[[ " ${SHIKUMI_HIDE_TOOLS:-} " == *" $1 "* ]] && return 1
	command -v "$1" >/dev/null 2>&1
}

# ---- cleanup and signals ------------------------------------------------------

sk_cleanup_push() { SK_CLEANUPS+=("$1"); }

# All descendants of $1 (children first-level last), from ps.
sk_descendants() {
	ps -e -o pid= -o ppid= 2>/dev/null | awk -v root="$1" '
		{ parent[$1] = $2; pids[NR] = $1 }
		END {
			for (i = 1; i <= NR; i++) {
				p = pids[i]; q = parent[p]; depth = 0
				while (q != "" && q != 0 && q != root && depth < 64) { q = parent[q]; depth++ }
				if (q == root && p != root) print p
			}
		}'
}

sk_kill_descendants() {
	local pids p
	pids=$(sk_descendants $$ | grep -vx "$BASHPID" || true)
	[[ -n $pids ]] || return 0
	for p in $pids; do kill -CONT "$p" 2>/dev/null || true; kill -TERM "$p" 2>/dev/null || true; done
	# up to 0.2 s for them to go by themselves (most are gone at once), then KILL
	local i alive
	for ((i = 0; i < 20; i++)); do
		alive=0
		for p in $pids; do   # a zombie has gone: only its exit status waits for us
			[[ -r /proc/$p/stat && $(awk '{ print $3 }' "/proc/$p/stat" 2>/dev/null) != Z ]] && { alive=1; break; }
		done
		((alive)) || break
		sleep 0.01
	done
	for p in $pids; do kill -KILL "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
}

sk__on_signal() {
	SK_INTERRUPTED=$1
	trap '' INT TERM
	sk_note "interrupted by SIG$1: cleaning up"
	if [[ $1 == INT ]]; then exit 130; else exit 143; fi
}

sk__on_exit() {
	local rc=$? i
	trap '' INT TERM
	set +e
	sk_kill_descendants
	rm -f "${TMPDIR:-/tmp}/shikumi-quiet.$$"   # sk_quietly's, when a measurement ended the driver
	for ((i = ${#SK_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${SK_CLEANUPS[i]}" || sk_warn "cleanup failed: ${SK_CLEANUPS[i]}"
	done
	SK_CLEANUPS=()
	if [[ -n $SK_JUDGE_RUN && -n $SK_EXP_DIR ]]; then
		rm -rf "$SK_EXP_DIR"   # a judging copy: never published
	elif [[ -n $SK_EXP_DIR && -d $SK_EXP_DIR ]]; then
		# An experiment that did not reach sk_exp_end: keep what it wrote, marked.
		local dest="$SK_CH_DIR/$SK_EXP_NAME.interrupted"
		rm -rf "$dest"
		mv "$SK_EXP_DIR" "$dest" 2>/dev/null && sk_note "partial results kept in $dest"
	fi
	if [[ -n $SK_RUN_DIR && $SK_OWN_RUN == 1 ]]; then
		if [[ -n ${SK_INTERRUPTED:-} ]]; then
			sk_run_status interrupted
		elif ((rc != 0)); then
			sk_run_status failed
		fi
	fi
	exit "$rc"
}

trap sk__on_exit EXIT
trap 'sk__on_signal INT' INT
trap 'sk__on_signal TERM' TERM
trap 'sk__on_signal HUP' HUP

# ---- files -------------------------------------------------------------------

# sk_publish_how FILE [NAME]: how FILE may be written; the rules of
# lib/publish.c. Sets SK_PUB_HOW and SK_PUB_PATH:
#   rename   a regular file or nothing there yet: write SK_PUB_PATH.tmp.PID and
#            rename it over SK_PUB_PATH (a symlink is resolved to its target);
#   inplace  a character device or a FIFO (/dev/null): written in place, never replaced;
#   stdout / stderr   the shell's own fd 1 / fd 2 (/dev/stdout, even a socket).
# A directory, a block device or another socket: usage error naming NAME (exit 2).
SK_PUB_HOW="" SK_PUB_PATH=""
sk_publish_how() {
	local f=$1 name=${2:-output file}
	SK_PUB_PATH=$f
	if [[ -e $f && $f -ef /dev/stdout ]]; then SK_PUB_HOW=stdout
	elif [[ -e $f && $f -ef /dev/stderr ]]; then SK_PUB_HOW=stderr
	elif [[ -d $f ]]; then sk_usage_error "bad VALUE for $name: '$f': is a directory, not a file"
	elif [[ -b $f ]]; then sk_usage_error "bad VALUE for $name: '$f': is a block device: output files are never written onto one"
	elif [[ -S $f ]]; then sk_usage_error "bad VALUE for $name: '$f': is a socket"
	elif [[ -c $f || -p $f ]]; then SK_PUB_HOW=inplace
	elif [[ -e $f && ! -f $f ]]; then sk_usage_error "bad VALUE for $name: '$f': is not a regular file"
	else
		SK_PUB_HOW=rename
		[[ ! -L $f ]] || SK_PUB_PATH=$(readlink -m -- "$f")
	fi
}

# sk_publish_fd VAR FILE [NAME]: open a descriptor (number in VAR) to write FILE
# by those rules; sk_publish_done VAR OK finishes (OK=0: rename into place;
# else the temporary is removed and the old file stays).
sk_publish_fd() {
	local -n sk__fd=$1
	sk_publish_how "$2" "${3:-}"
	case $SK_PUB_HOW in
	stdout) exec {sk__fd}>&1 ;;
	stderr) exec {sk__fd}>&2 ;;
	inplace) exec {sk__fd}>"$SK_PUB_PATH" ;;
	*)
		rm -f "$SK_PUB_PATH.tmp.$$"   # never write through something left at that name
		(set -C; : >"$SK_PUB_PATH.tmp.$$") || return 1
		[[ ! -f $SK_PUB_PATH ]] || chmod --reference="$SK_PUB_PATH" "$SK_PUB_PATH.tmp.$$" 2>/dev/null || true
		exec {sk__fd}>>"$SK_PUB_PATH.tmp.$$"
		;;
	esac
}
sk_publish_done() {
	local -n sk__fd=$1
	exec {sk__fd}>&-
	[[ $SK_PUB_HOW == rename ]] || return "$2"
	if (($2 == 0)) && [[ ! -e $SK_PUB_PATH || -f $SK_PUB_PATH ]]; then
		mv -fT "$SK_PUB_PATH.tmp.$$" "$SK_PUB_PATH"
	else
		rm -f "$SK_PUB_PATH.tmp.$$"
		return 1
	fi
}

# sk_atomic_write FILE: stdin -> FILE.tmp.PID -> FILE (by the rules of sk_publish_how).
sk_atomic_write() {
	local fd rc=0
	sk_publish_fd fd "$1" || return 1
	cat >&"$fd" || rc=$?
	sk_publish_done fd "$rc"
}

# sk_summarize -b COL[,COL...] -v COL [FILE]: median and spread per group (see scripts/summarize).
sk_summarize() { "$SK_TOP/scripts/summarize" "$@"; }

# sk_tsv_col FILE COL: the values of a named column (data rows only).
sk_tsv_col() {
	awk -F'\t' -v col="$2" '
		/^#/ { next }
		!h { for (i = 1; i <= NF; i++) if ($i == col) c = i; h = 1; if (!c) exit 1; next }
		{ print $c }' "$1"
}

# sk_tsv_get FILE KEYCOL KEY VALCOL: VALCOL of the first row whose KEYCOL is KEY.
sk_tsv_get() {
	awk -F'\t' -v kc="$2" -v key="$3" -v vc="$4" '
		/^#/ { next }
		!h { for (i = 1; i <= NF; i++) { if ($i == kc) k = i; if ($i == vc) v = i }; h = 1; next }
		k && v && $k == key { print $v; exit }' "$1"
}

# sk_let CMD VAR=ARG...: VAR=$(CMD ARG) for each pair, for a run of values read
# the same way (sk_let op_median z=zero_fault cw=cow_fault); stops at the first
# CMD that fails, returning its status. The VARs are the caller's (declare them local).
sk_let() {
	local cmd=$1 pair value
	shift
	for pair in "$@"; do
		value=$("$cmd" "${pair#*=}") || return
		printf -v "${pair%%=*}" '%s' "$value"
	done
}

# sk_calc EXPR [FORMAT]: floating-point arithmetic through awk ("sk_calc '3/2'",
# "sk_calc '100*a/b' %.1f"). For integers use %.0f, never %d: mawk's %d
# saturates at 2^31-1 (a byte count of 4 GiB would print as 2147483647).
sk_calc() { awk "BEGIN { printf \"${2:-%.6g}\\n\", $1 }"; }
# sk_cmp EXPR: exit 0 if the awk expression is true ("sk_cmp '1.5 > 1'").
sk_cmp() { awk "BEGIN { exit !($1) }"; }

# ---- run directories ------------------------------------------------------------

sk_run_status() {
	[[ -n $SK_RUN_DIR ]] && printf '%s\n' "$1" | sk_atomic_write "$SK_RUN_DIR/status"
}

# sk_new_run_dir [LABEL]: create results/<stamp>-<host>[-label] and print it.
sk_new_run_dir() {
	local label=${1:-} host stamp dir
	[[ -z $label || $label =~ ^[A-Za-z0-9._-]+$ ]] ||
		sk_usage_error "bad VALUE for --label: '$label': use letters, digits, . _ -"
	host=$(hostname -s 2>/dev/null || uname -n)
	stamp=$(date -u +%Y%m%dT%H%M%SZ)
	dir="$SK_TOP/results/$stamp-$host${label:+-$label}"
	local n=1 base=$dir
	while [[ -e $dir ]]; do dir="$base.$n"; n=$((n + 1)); done
	mkdir -p "$dir" || sk_die "cannot create $dir"
	echo "$dir"
}

# sk_check_rundir DIR: -o RUNDIR must be new, empty, or a shikumi run directory
# (it has meta.json): a driver writes status, meta.json and CHAPTER/ into it and
# replaces CHAPTER/EXPERIMENT/, which it must never do in a directory of the user's.
sk_check_rundir() {
	local d=$1
	[[ -e $d || -L $d ]] || return 0
	[[ -d $d ]] || sk_usage_error "bad VALUE for -o: '$d': not a directory"
	[[ -f $d/meta.json || -z $(ls -A -- "$d" 2>/dev/null) ]] ||
		sk_usage_error "bad VALUE for -o: '$d': a directory that is not a shikumi run (no meta.json): give a new or empty one"
}

# sk_run_init CHAPTER [RUNDIR]: use RUNDIR, or $SHIKUMI_RUN_DIR (make run), or
# create a new run directory owned by this driver.
sk_run_init() {
	local chapter=$1 given=${2:-}
	if [[ -n $given ]]; then
		sk_check_rundir "$given"
		mkdir -p "$given" || sk_die "cannot create $given"
		SK_RUN_DIR=$(cd "$given" && pwd)
		SK_OWN_RUN=1
	elif [[ -n ${SHIKUMI_RUN_DIR:-} ]]; then
		SK_RUN_DIR=$SHIKUMI_RUN_DIR
	else
		SK_RUN_DIR=$(sk_new_run_dir "${SHIKUMI_LABEL:-}")
		SK_OWN_RUN=1
	fi
	if [[ $SK_OWN_RUN == 1 ]]; then
		sk_run_status running
		[[ -f $SK_RUN_DIR/meta.json ]] ||
			"$SK_TOP/scripts/sysinfo" --command "$SK_CMDLINE" | sk_atomic_write "$SK_RUN_DIR/meta.json"
	fi
	SK_CH_DIR="$SK_RUN_DIR/$chapter"
	mkdir -p "$SK_CH_DIR"
	sk_note "results go to $SK_CH_DIR"
}

# sk_exp_begin NAME: start an experiment; its files go to $SK_EXP_DIR.
sk_exp_begin() {
	SK_EXP_NAME=$1 SK_OTHERS_PCT="" SK_OTHERS_CPUS=""
	SK_EXP_DIR="$SK_CH_DIR/.$1.partial"
	rm -rf "$SK_EXP_DIR"
	mkdir -p "$SK_EXP_DIR"
	SK_LOG="$SK_EXP_DIR/log.txt"
	printf 'check\texpected\tobserved\tresult\tnote\tid\n' >"$SK_EXP_DIR/verdict.tsv"
	sk_note "== $SK_EXP_NAME"
}

# sk_exp_end: publish the experiment directory (replacing an older one only now).
sk_exp_end() {
	local dest="$SK_CH_DIR/$SK_EXP_NAME"
	# Seal it as published: lab-check sees a file edited afterwards.
	"$SK_TOP/scripts/manifest" write "$SK_EXP_DIR" 2>>"$SK_LOG" || sk_warn "could not seal $SK_EXP_NAME"
	if [[ -e $dest ]]; then rm -rf "$dest.old" && mv "$dest" "$dest.old"; fi
	mv "$SK_EXP_DIR" "$dest"
	rm -rf "$dest.old" "$SK_CH_DIR/$SK_EXP_NAME.interrupted"
	SK_EXP_DIR="" SK_LOG=/dev/null
}

# sk_verdict [-i ID] CHECK EXPECTED OBSERVED RESULT NOTE: one row of verdict.tsv
# (columns: check expected observed result note id). ID is the row's stable name
# (kebab-case; default: derived from CHECK). Prefer sk_check, which derives
# EXPECTED and RESULT from one condition.
sk_verdict() {
	local id=""
	if [[ ${1:-} == -i ]]; then id=$2; shift 2; fi
	local check=$1 expected=$2 observed=$3 result=$4 note=${5:-}
	case $result in PASS | FAIL | SKIP) ;; *) sk_die "internal: verdict result '$result'" ;; esac
	[[ -n $id ]] || id=$(sk_slug "$check")
	[[ $id =~ ^[a-z0-9][a-z0-9-]*$ ]] || sk_die "internal: verdict id '$id' is not kebab-case"
	! grep -qF -- $'\t'"$id" "$SK_EXP_DIR/verdict.tsv" 2>/dev/null ||
		! cut -f6 "$SK_EXP_DIR/verdict.tsv" | grep -qxF -- "$id" || sk_die "internal: verdict id '$id' used twice in $SK_EXP_NAME"
	printf '%s\t%s\t%s\t%s\t%s\t%s\n' "$(sk__field "$check")" "$(sk__field "$expected")" \
		"$(sk__field "$observed")" "$result" "$(sk__field "$note")" "$id" >>"$SK_EXP_DIR/verdict.tsv"
	[[ $result == FAIL ]] && SK_FAILS=$((SK_FAILS + 1))
	printf '  %-4s %s: %s (expected %s)%s\n' "$result" "$check" "$observed" "$expected" "${note:+; $note}" | tee -a "$SK_LOG" >&2
}
# One TSV field: tabs and newlines become spaces.
sk__field() { local f=${1//$'\t'/ }; printf '%s' "${f//$'\n'/ }"; }

# sk_slug TEXT: kebab-case id ("Loop runs in user mode" -> loop-runs-in-user-mode).
sk_slug() {
	printf '%s' "$1" | tr '[:upper:]' '[:lower:]' | sed -E 's/[^a-z0-9]+/-/g; s/^-+//' | cut -c1-60 | sed -E 's/-+$//'
}

# sk_is_number VALUE: a finite decimal number (not "", nan, inf, "abc", "1.2.3").
sk_is_number() { [[ $1 =~ ^[+-]?([0-9]+([.][0-9]*)?|[.][0-9]+)([eE][+-]?[0-9]+)?$ ]]; }

# sk_check ID CHECK CONDITION [NAME=VALUE ...] [--observed TEXT] [--note TEXT] [--absent REASON]
#          [--load-sensitive] [--fail-skips REASON]
#   The verdict of one phenomenon, written once: CONDITION is an awk expression
#   over the NAMEs ('getppid_ns >= 10 * call_ns'); it decides PASS or FAIL and is
#   itself the expected text. The observed text lists the values (or --observed).
#   A missing, empty or non-numeric value is FAIL "no value for NAME", or SKIP
#   with REASON when --absent says the value may legitimately be missing.
#   --load-sensitive: a FAIL while the last sk_quietly saw its CPUs busy with
#   other work (SK_OTHERS_PCT > SK_QUIET_PCT) is a SKIP naming that load. Any
#   other FAIL of such a check makes sk_run_experiments measure the whole
#   experiment once more (load the guest cannot see: the host's other VMs).
#   --fail-skips REASON: a FAIL is a SKIP with REASON, when the caller has seen
#   why the phenomenon cannot show on this machine (an empty REASON: no effect).
sk_check() {
	(($# >= 3)) || sk_die "internal: sk_check ID CHECK CONDITION [NAME=VALUE...]"
	local id=$1 check=$2 cond=$3 observed="" note="" absent="" failskip="" name value missing="" vals="" loadsens=0
	shift 3
	local -a args=()
	while (($#)); do
		case $1 in
		--load-sensitive) loadsens=1; shift ;;
		--observed | --note | --absent | --fail-skips)
			(($# >= 2)) || sk_die "internal: sk_check $id: $1 needs a value"
			case $1 in --observed) observed=$2 ;; --note) note=$2 ;; --absent) absent=$2 ;; --fail-skips) failskip=$2 ;; esac
			shift 2
			;;
		*=*)
			name=${1%%=*} value=${1#*=}
			[[ $name =~ ^[a-z_][a-z0-9_]*$ ]] || sk_die "internal: sk_check $id: bad name '$name'"
			sk_is_number "$value" || missing+="${missing:+, }$name${value:+ ('$value')}"
			args+=(-v "$name=$value")
			vals+="${vals:+, }$name = $value"
			shift
			;;
		*) sk_die "internal: sk_check $id: unexpected argument '$1'" ;;
		esac
	done
	if [[ -n $missing ]]; then
		if [[ -n $absent || -n $failskip ]]; then
			sk_verdict -i "$id" "$check" "$cond" "no value for $missing" SKIP "${absent:-$failskip}"
		else
			sk_verdict -i "$id" "$check" "$cond" "no value for $missing" FAIL "$note"
		fi
		return 0
	fi
	local rc=0
	awk "${args[@]}" "BEGIN { exit !($cond) }" 2>>"$SK_LOG" || rc=$?
	case $rc in
	0) sk_verdict -i "$id" "$check" "$cond" "${observed:-$vals}" PASS "$note" ;;
	1)
		local busy
		if [[ -n $failskip ]]; then
			sk_verdict -i "$id" "$check" "$cond" "${observed:-$vals}" SKIP "$failskip"
		elif ((loadsens)) && busy=$(sk_busy_reason); then
			sk_verdict -i "$id" "$check" "$cond" "${observed:-$vals}" SKIP "$busy${note:+; $note}"
		else
			sk_verdict -i "$id" "$check" "$cond" "${observed:-$vals}" FAIL "$note"
			((!loadsens)) || sk_remeasure_on_fail "$id"
		fi
		;;
	*) sk_die "internal: sk_check $id: awk cannot evaluate '$cond'" ;;
	esac
}

# sk_remeasure_on_fail ID: a load-sensitive verdict written without sk_check
# (sk_verdict after sk_busy_reason) FAILed: sk_run_experiments measures the
# experiment once more (see sk__remeasure_begin).
sk_remeasure_on_fail() { SK_LS_FAILED+="${SK_LS_FAILED:+ }$1"; }

# sk_verdict_if CONDITION CHECK EXPECTED OBSERVED NOTE: PASS if the awk condition
# holds. Older form of sk_check: the values are pasted into CONDITION, so a bare
# word left in it ("nan") makes it FAIL, never PASS; compare strings "quoted".
sk_verdict_if() {
	local cond=$1 rest
	shift
	# What is left after removing "quoted strings" and numbers must be operators only.
	rest=$(printf '%s' "$cond" | sed -E 's/"[^"]*"//g; s/(^|[^A-Za-z_0-9.])[0-9]*[.]?[0-9]+([eE][+-]?[0-9]+)?/\1/g')
	if [[ $rest =~ [A-Za-z_] ]]; then
		sk_verdict "$1" "$2" "$3" FAIL "non-numeric value in '$cond'${4:+; $4}"
	elif sk_cmp "$cond" 2>/dev/null; then
		sk_verdict "$1" "$2" "$3" PASS "${4:-}"
	else
		sk_verdict "$1" "$2" "$3" FAIL "${4:-}"
	fi
}

# sk_skip_exp REASON: the whole experiment is skipped (missing privilege/feature).
sk_skip_exp() {
	sk_verdict -i "$SK_EXP_NAME-runs" "$SK_EXP_NAME" "runs" "skipped" SKIP "$1"
}

# sk_summary: stdin -> summary.md (first line '## title', then paragraphs and '- ' lists).
sk_summary() { sk_atomic_write "$SK_EXP_DIR/summary.md"; }

# sk_run_prog OUTFILE CMD...: run a program, stdout to OUTFILE (atomically),
# stderr to the terminal and the log. Returns the program's exit code
# (4 = skipped, which callers turn into a SKIP verdict).
sk_run_prog() {
	local out=$1 rc=0 fd
	shift
	echo "+ $*" >>"$SK_LOG"
	sk_publish_fd fd "$out" || return 1
	{ "$@" 2>&1 1>&"$fd" {fd}>&- | tee -a "$SK_LOG" >&2; } || rc=$?
	sk_publish_done fd "$rc" || ((rc)) || rc=1
	return "$rc"
}

# sk_prog OUTFILE CMD...: run a program of the experiment (as sk_run_prog). Exit
# 0: returns 0. Exit 4 with "prog: SKIP: reason" on stderr: a SKIP verdict with
# that reason, returns 4 (callers: `sk_prog ... || return 0`). Anything else:
# the driver dies, naming the program and the log.
sk_prog() {
	local out=$1 rc=0 mark reason prog i
	shift
	mark=$(wc -l <"$SK_LOG" 2>/dev/null) || mark=0
	sk_run_prog "$out" "$@" || rc=$?
	((rc == 0)) && return 0
	# The program: the first word after the wrappers (sk_pin CPU, taskset -c CPU, env, nice).
	local -a w=("$@")
	i=0
	while ((i < ${#w[@]})); do
		case ${w[i]} in
		sk_pin) i=$((i + 2)) ;;
		taskset) if [[ ${w[i + 1]:-} == -c ]]; then i=$((i + 3)); else i=$((i + 2)); fi ;;
		env | nice | setpriv | timeout) i=$((i + 1)) ;;
		*) break ;;
		esac
	done
	prog=$(basename "${w[i]:-$1}")
	if ((rc == 4)); then
		reason=$(tail -n +"$((mark + 1))" "$SK_LOG" 2>/dev/null | sed -n 's/^[^ ]*: SKIP: //p' | tail -n 1)
		sk_verdict -i "$(sk_slug "$prog")-runs" "$prog runs" "runs" "skipped" SKIP \
			"${reason:-$prog exited 4 (skipped) and gave no reason}"
		return 4
	fi
	# Ctrl-C or SIGTERM reached the program before the driver's own trap ran:
	# an interruption, not a failure of the program.
	if ((rc == 130 || rc == 143)); then
		SK_INTERRUPTED=$( ((rc == 130)) && echo INT || echo TERM)
		exit "$rc"
	fi
	sk_die "$prog failed with exit code $rc (see $SK_LOG)"
}

# sk_point_latest RUN_DIR: results/latest -> RUN_DIR, for runs under results/ only
# (a run written elsewhere with -o must not move the suite's "latest").
sk_point_latest() {
	local dir
	[[ -d $SK_TOP/results ]] || return 0
	dir=$(cd "$1" && pwd -P)
	[[ $(dirname "$dir") == "$(cd "$SK_TOP/results" && pwd -P)" ]] || return 0
	ln -sfn "$(basename "$dir")" "$SK_TOP/results/latest.tmp.$$" &&
		mv -Tf "$SK_TOP/results/latest.tmp.$$" "$SK_TOP/results/latest"
}

# sk_run_finish: mark the run complete (or failed) and point results/latest at it.
sk_run_finish() {
	[[ -z $SK_JUDGE_RUN ]] || return 0
	[[ $SK_OWN_RUN == 1 ]] || return 0
	if ((SK_FAILS > 0)); then sk_run_status complete-with-failures; else sk_run_status complete; fi
	sk_point_latest "$SK_RUN_DIR"
	if [[ -z ${SHIKUMI_NO_REPORT:-} ]]; then
		"$SK_TOP/scripts/report" "$SK_RUN_DIR" >/dev/null || sk_warn "report failed"
	fi
	sk_note "done: $SK_RUN_DIR (report: $SK_RUN_DIR/report.html)"
}

# ---- plots ------------------------------------------------------------------------

SK_GNUPLOT_WARNED=0
sk_subtitle() {
	local model
	model=$(awk -F': ' '/^model name/ {print $2; exit}' /proc/cpuinfo 2>/dev/null)
	printf '%s, Linux %s, %s CPUs%s' "$(hostname -s 2>/dev/null || uname -n)" "$(uname -r)" \
		"$(nproc)" "${model:+, $model}"
}

# sk_plot SCRIPT.gp DATA OUTBASE [ARGS...]: OUTBASE.png and OUTBASE.svg in the
# experiment dir. DATA and OUTBASE are relative to the experiment dir. The call
# is recorded in plots.tsv so that `make plots` can redraw it later.
sk_plot() {
	[[ -z $SK_JUDGE_RUN ]] || return 0   # re-judging draws nothing
	local gp=$1 data=$2 out=$3 rel subtitle
	shift 3
	rel=${gp#"$SK_TOP/"}
	subtitle=$(sk_subtitle)
	# plots.tsv: script, data, output base, subtitle, extra args (tab-separated)
	printf '%s\t%s\t%s\t%s' "$rel" "$data" "$out" "$subtitle" >>"$SK_EXP_DIR/plots.tsv"
	(($# == 0)) || printf '\t%s' "$@" >>"$SK_EXP_DIR/plots.tsv"
	printf '\n' >>"$SK_EXP_DIR/plots.tsv"
	if ! sk_have gnuplot; then
		if ((SK_GNUPLOT_WARNED == 0)); then
			sk_warn "gnuplot not installed: data and verdicts are written, plots skipped (scripts/install-deps)"
			SK_GNUPLOT_WARNED=1
		fi
		return 0
	fi
	"$SK_TOP/scripts/plot" "$SK_TOP/$rel" "$SK_EXP_DIR/$data" "$SK_EXP_DIR/$out" "$subtitle" "$@" 2>>"$SK_LOG" ||
		sk_warn "plot $out failed (see $SK_LOG)"
}

# ---- declared experiments ----------------------------------------------------------

# A driver declares its experiments as data, before parsing its options:
#   sk_experiment NAME FUNCTION "one-line description" [NEEDS...]
# NEEDS: "root" (effective uid 0), "cmd:TOOL" (a command on PATH, see sk_have),
# or a program of the chapter that must be built. -e NAME (repeatable) selects
# some; sk_run_experiments runs the selected ones in declared order, each between
# sk_exp_begin and sk_exp_end, and writes <chapter>/experiments.tsv (the order the
# report follows). An experiment whose needs are missing is published as SKIP.
declare -a SK_EXP_NAMES=() SK_EXP_FUNCS=() SK_EXP_DESCS=() SK_EXP_NEEDS=() SK_SELECTED=()
sk_experiment() {
	(($# >= 3)) || sk_die "internal: sk_experiment NAME FUNCTION DESCRIPTION [NEEDS...]"
	[[ $1 =~ ^[a-z0-9][a-z0-9-]*$ ]] || sk_die "internal: experiment name '$1' is not kebab-case"
	SK_EXP_NAMES+=("$1") SK_EXP_FUNCS+=("$2") SK_EXP_DESCS+=("$3")
	shift 3
	SK_EXP_NEEDS+=("$*")
}

# sk_select_experiment NAME (the -e option): exit 2 naming the valid ones.
sk_select_experiment() {
	local n
	for n in "${SK_EXP_NAMES[@]}"; do
		if [[ $n == "$1" ]]; then
			[[ " ${SK_SELECTED[*]} " == *" $1 "* ]] || SK_SELECTED+=("$1")
			return 0
		fi
	done
	sk_usage_error "bad VALUE for -e: '$1': not an experiment of this chapter; one of: ${SK_EXP_NAMES[*]}"
}

# sk_exp_missing_need NEEDS...: print what is missing (nothing if all is there).
sk_exp_missing_need() {
	local need
	for need in "$@"; do
		case $need in
		root) ((EUID == 0)) || { echo "needs root (running as uid $EUID)"; return; } ;;
		cmd:*) sk_have "${need#cmd:}" || { echo "${need#cmd:} is not installed (scripts/install-deps)"; return; } ;;
		*) [[ -x $SK_TOP/$SK_CHAPTER/$need ]] || { echo "$SK_CHAPTER/$need is not built (make)"; return; } ;;
		esac
	done
}

sk_run_experiments() {
	# sk__ names: an experiment function may assign i, name, try... without
	# `local`, and bash's dynamic scoping would let it overwrite ours.
	local sk__i sk__name sk__why sk__try sk__first sk__remeasure_log=""
	((${#SK_EXP_NAMES[@]})) || sk_die "internal: no experiment declared (sk_experiment)"
	if [[ -n $SK_JUDGE_RUN ]]; then sk__judge_experiments; return; fi
	for sk__i in "${!SK_EXP_NAMES[@]}"; do
		printf '%s\t%s\n' "${SK_EXP_NAMES[sk__i]}" "${SK_EXP_DESCS[sk__i]}"
	done | sk_atomic_write "$SK_CH_DIR/experiments.tsv"
	for sk__i in "${!SK_EXP_NAMES[@]}"; do
		sk__name=${SK_EXP_NAMES[sk__i]}
		((${#SK_SELECTED[@]} == 0)) || [[ " ${SK_SELECTED[*]} " == *" $sk__name "* ]] || continue
		sk__first=""
		for sk__try in 1 2; do
			SK_LS_FAILED=""
			sk_exp_begin "$sk__name"
			# shellcheck disable=SC2086 # NEEDS is a word list
			sk__why=$(sk_exp_missing_need ${SK_EXP_NEEDS[sk__i]})
			if [[ -n $sk__why ]]; then
				sk_skip_exp "$sk__why"
			else
				"${SK_EXP_FUNCS[sk__i]}"
			fi
			[[ -n $SK_LS_FAILED && $sk__try == 1 && ${SHIKUMI_REMEASURE:-1} != 0 ]] || break
			sk__remeasure_begin
		done
		[[ -z $sk__first ]] || sk__remeasure_end
		sk_exp_end
	done
}

# A comparison between two costs measured side by side (--load-sensitive) can
# still fail on a VM whose host runs other guests on the same core: the guest
# sees no load (no steal time here), only its own work running slower, and not
# evenly. Such a FAIL is confirmed by measuring the experiment once more; the
# second measurement is the result, the first try's verdicts are kept beside it
# (verdict-first-try.tsv) and each check that failed says so in its note. A
# phenomenon that is not there fails twice. SHIKUMI_REMEASURE=0 turns it off.
# (Helpers of sk_run_experiments: they use its locals sk__first, sk__remeasure_log.)
sk__remeasure_begin() {
	sk__first=$(cat "$SK_EXP_DIR/verdict.tsv")
	SK_FAILS=$((SK_FAILS - $(awk -F'\t' 'NR > 1 && $4 == "FAIL"' "$SK_EXP_DIR/verdict.tsv" | wc -l)))
	sk_warn "$SK_EXP_NAME: $SK_LS_FAILED failed: measuring $SK_EXP_NAME once more to confirm (the host may have been busy)"
	sk__remeasure_log=$(cat "$SK_LOG")
}
sk__remeasure_end() {
	printf '%s\n' "$sk__first" | sk_atomic_write "$SK_EXP_DIR/verdict-first-try.tsv"
	printf '%s\n' "$sk__remeasure_log" >"$SK_EXP_DIR/log-first-try.txt"
	local f=$SK_EXP_DIR/verdict.tsv
	awk -F'\t' -v OFS='\t' 'NR == FNR { if (FNR > 1 && $4 == "FAIL") o[$6] = $3; next }
		FNR > 1 && ($6 in o) { $5 = "measured twice: the first try failed (" o[$6] ")" ($5 != "" ? "; " $5 : "") }
		{ print }' <(printf '%s\n' "$sk__first") "$f" >"$f.new" && mv "$f.new" "$f"
}

# -J RUNDIR: judge again what a run saved, with the driver's own verdict code.
# An experiment can be re-judged when the driver defines judge_NAME (run_NAME
# measures, then calls it): it works on a scratch copy of the saved experiment
# directory, and the verdict rows go to stdout (one header). Nothing is measured,
# drawn or written into the run. lab-check compares them with verdict.tsv.
sk__judge_experiments() {
	local i name fn src header=1
	for i in "${!SK_EXP_NAMES[@]}"; do
		name=${SK_EXP_NAMES[i]}
		((${#SK_SELECTED[@]} == 0)) || [[ " ${SK_SELECTED[*]} " == *" $name "* ]] || continue
		fn=judge_${SK_EXP_FUNCS[i]#run_}
		declare -F "$fn" >/dev/null || sk_die "$name cannot be re-judged (no $fn in this driver)"
		src=$SK_CH_DIR/$name
		[[ -d $src ]] || sk_die "no experiment $name in $SK_JUDGE_RUN"
		SK_EXP_NAME=$name
		SK_EXP_DIR=$(mktemp -d "${TMPDIR:-/tmp}/shikumi-judge.XXXXXX")
		cp -R "$src/." "$SK_EXP_DIR/"
		SK_LOG=$SK_EXP_DIR/judge.log
		printf 'check\texpected\tobserved\tresult\tnote\tid\n' >"$SK_EXP_DIR/verdict.tsv"
		"$fn" 2>>"$SK_LOG"
		if ((header)); then cat "$SK_EXP_DIR/verdict.tsv"; else tail -n +2 "$SK_EXP_DIR/verdict.tsv"; fi
		header=0
		rm -rf "$SK_EXP_DIR"
		SK_EXP_DIR="" SK_LOG=/dev/null
	done
}

# ---- standard driver options -----------------------------------------------------

# A driver (or bench.sh) lists its own options as a table, like lib/opts.c's
# struct sk_opt, then parses the command line once:
#   duration=5 mode=all                   # the defaults
#   sk_opt_int d duration 1 600 2         # -d N, 1..600 (quick default: 2)
#   sk_opt_value m mode check_mode        # -m VALUE, checked by check_mode -m VALUE
#   sk_options ":qc:o:he:J:d:m:" "$@"     # getopts letters; no operands
#   sk_driver_ready CHAPTER prog1 prog2 ...
# A script without a run directory, like a bench.sh, leaves q, o, e and J out
# of the letters so that they are rejected. sk_std_opt handles the common ones:
# -q sets SK_QUICK=1, -c one allowed CPU -> SK_CPU, -o -> SK_RUNDIR, -h calls
# the driver's usage() and exits 0; anything else is a usage error (exit 2).
SK_CPU="" SK_RUNDIR=""
# shellcheck disable=SC2034 # read by the drivers
declare -a SK_QOPT=()
sk_std_opt() {
	case $1 in
	q) SK_QUICK=1 ;;
	c) sk_check_cpu -c "$OPTARG"; SK_CPU=$((10#$OPTARG)) ;;
	o) SK_RUNDIR=$OPTARG ;;
	J)
		[[ -f $OPTARG/meta.json ]] || sk_usage_error "bad VALUE for -J: '$OPTARG': not a run directory (no meta.json)"
		SK_JUDGE_RUN=$(cd "$OPTARG" && pwd)
		;;
	e) sk_select_experiment "$OPTARG" ;;
	h)
		if declare -F usage >/dev/null; then usage; else sk_header_usage; fi
		exit 0
		;;
	:) sk_usage_error "option -$OPTARG needs a value" ;;
	*) sk_usage_error "unknown option -$OPTARG" ;;
	esac
}

# sk_header_usage: the script's header comment (line 2 up to `set -e`) as its
# -h text, for the scripts whose header is their manual (bench.sh).
sk_header_usage() { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; }

# sk_no_operands "$@": the driver takes no operands.
sk_no_operands() { (($# == 0)) || sk_usage_error "unexpected argument '$1'"; }

# The variable holds the option's default (set by the script beforehand).
# sk_opt_int LETTER VAR MIN MAX [QUICK_DEFAULT]: the script's option -LETTER N,
#   a decimal integer in MIN..MAX (MIN >= 0), into VAR; under -q without it,
#   VAR becomes QUICK_DEFAULT.
# sk_opt_value LETTER VAR [CHECK]: -LETTER VALUE into VAR, after
#   `CHECK -LETTER VALUE` (a function that exits through sk_usage_error on a
#   bad one).
declare -A SK_OPT_VAR=() SK_OPT_RANGE=() SK_OPT_CHECK=() SK_OPT_QUICK=()
sk_opt_int() {
	(($# == 4 || $# == 5)) || sk_die "internal: sk_opt_int LETTER VAR MIN MAX [QUICK_DEFAULT]"
	SK_OPT_VAR[$1]=$2 SK_OPT_RANGE[$1]="$3 $4"
	(($# == 4)) || SK_OPT_QUICK[$1]=$5
}
sk_opt_value() {
	(($# == 2 || $# == 3)) || sk_die "internal: sk_opt_value LETTER VAR [CHECK]"
	SK_OPT_VAR[$1]=$2 SK_OPT_CHECK[$1]=${3:-}
}

# sk_options OPTSTRING "$@": the command line of a driver or bench.sh, parsed
# with getopts: the common options (-q -c -o -e -J -h) and errors go to
# sk_std_opt, the script's own to its table (sk_opt_int, sk_opt_value); then,
# under -q, the options not given take their quick defaults. No operands.
sk_options() {
	local optstring=$1 opt l min max OPTIND=1
	local -A given=()
	shift
	while getopts "$optstring" opt; do
		case $opt in
		[qcoeJh:?]) sk_std_opt "$opt" ;;
		*)
			[[ -n ${SK_OPT_VAR[$opt]:-} ]] || sk_die "internal: option -$opt has no sk_opt_int or sk_opt_value"
			if [[ -n ${SK_OPT_RANGE[$opt]:-} ]]; then
				read -r min max <<<"${SK_OPT_RANGE[$opt]}"
				sk_check_int "-$opt" "$OPTARG" "$min" "$max"
				OPTARG=$((10#$OPTARG))
			elif [[ -n ${SK_OPT_CHECK[$opt]:-} ]]; then
				"${SK_OPT_CHECK[$opt]}" "-$opt" "$OPTARG"
			fi
			printf -v "${SK_OPT_VAR[$opt]}" '%s' "$OPTARG"
			given[$opt]=1
			;;
		esac
	done
	shift $((OPTIND - 1))
	sk_no_operands "$@"
	((SK_QUICK)) || return 0
	for l in "${!SK_OPT_QUICK[@]}"; do
		[[ -n ${given[$l]:-} ]] || printf -v "${SK_OPT_VAR[$l]}" '%s' "${SK_OPT_QUICK[$l]}"
	done
}

# sk_lock_script "$@": with SHIKUMI_LOCK set, run the whole script again
# holding that lock (flock), so that nothing else measures meanwhile; a script
# (or its children) already under the lock goes on.
sk_lock_script() {
	if [[ -n ${SHIKUMI_LOCK:-} && -z ${SK__LOCKED:-} ]]; then
		SK__LOCKED=1 exec flock "$SHIKUMI_LOCK" "$0" "$@"
	fi
}

# sk_driver_ready CHAPTER PROG...: after option parsing: the default CPU, the
# programs built, taskset present, SK_QOPT=(-q) in quick mode, then the run
# directory (sk_run_init).
sk_driver_ready() {
	local chapter=$1 p
	shift
	SK_CHAPTER=$chapter
	SK_CPU=${SK_CPU:-$(sk_default_cpu)}
	if [[ -n $SK_JUDGE_RUN ]]; then   # judge saved data: no programs run, no run directory made
		SK_RUN_DIR=$SK_JUDGE_RUN SK_CH_DIR=$SK_JUDGE_RUN/$chapter
		return 0
	fi
	for p in "$@"; do
		[[ -x $SK_TOP/$chapter/$p ]] || sk_die "$SK_TOP/$chapter/$p is not built: run make"
	done
	sk_have taskset || sk_die "taskset not found (install util-linux)"
	SK_QOPT=()
	# shellcheck disable=SC2034 # read by the drivers
	((SK_QUICK)) && SK_QOPT=(-q)
	sk_run_init "$chapter" "$SK_RUNDIR"
}

# sk_run_meta JQ_PATH: a machine fact from the run's meta.json (scripts/sysinfo
# wrote it at sk_run_init), e.g. sk_run_meta .kernel.hz -> 250; "" when unknown
# (null). Drivers take kernel and machine facts from here, not from /proc again.
sk_run_meta() {
	local f="$SK_RUN_DIR/meta.json"
	if [[ ! -s $f ]]; then
		[[ -n ${SK__META_TMP:-} ]] || {
			SK__META_TMP=$(mktemp "${TMPDIR:-/tmp}/shikumi-meta.XXXXXX")
			sk_cleanup_push "rm -f '$SK__META_TMP'"
			"$SK_TOP/scripts/sysinfo" >"$SK__META_TMP" 2>/dev/null || true
		}
		f=$SK__META_TMP
	fi
	jq -r "$1 // empty" "$f" 2>/dev/null || true
}

# sk_meta FILE KEY: the value of a "# KEY: value" preamble line of a TSV.
sk_meta() { awk -v k="# $2: " 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }' "$1"; }

# sk_awk PROGRAM [ARGS...]: awk with scripts/tsv.awk loaded (columns by name,
# isort, median, pct, is_num): the one place the shell side does statistics.
sk_awk() {
	local prog=$1
	shift
	awk -f "$SK_TOP/scripts/tsv.awk" -f <(printf '%s\n' "$prog") "$@"
}

# sk_median_of FILE KEYCOL KEY VALCOL: median of VALCOL over the rows whose KEYCOL is KEY.
sk_median_of() {
	sk_awk '
		tsv_row() && tsv_get(kc) == key && is_num(tsv_get(vc)) { a[++n] = tsv_get(vc) }
		END { if (!n) exit 1; print median(a, n) }' -F'\t' -v kc="$2" -v key="$3" -v vc="$4" "$1"
}

# sk_median NUMBER...: the median of the numbers given (bench.sh rounds).
sk_median() { printf '%s\n' "$@" | sk_awk '{ a[NR] = $1 } END { print median(a, NR) }'; }

# sk_hyperfine_stats JSON UNIT DECIMALS: for each command of a hyperfine
# --export-json file, in its order, "command<TAB>median<TAB>p10<TAB>p90<TAB>min"
# of its runs' times in UNIT (us or ms), rounded to DECIMALS (scripts/tsv.awk's
# median and pct, not hyperfine's own statistics). Needs jq.
sk_hyperfine_stats() {
	local scale
	case $2 in us) scale=1e6 ;; ms) scale=1e3 ;; *) sk_die "internal: sk_hyperfine_stats: unit '$2'" ;; esac
	jq -r '.results[] | .command as $c | .times[] | "\($c)\t\(.)"' "$1" | sk_awk '
		function r(x) { return sprintf("%.12g", int(x * f + 0.5) / f) }
		{ if (!($1 in n)) order[++k] = $1; v[$1, ++n[$1]] = $2 * s }
		END {
			for (i = 1; i <= k; i++) {
				c = order[i]; m = n[c]; split("", a)
				for (j = 1; j <= m; j++) a[j] = v[c, j]
				print c "\t" r(median(a, m)) "\t" r(pct(a, m, 10)) "\t" r(pct(a, m, 90)) "\t" r(pct(a, m, 0))
			}
		}' -F'\t' -v s="$scale" -v f="1e$3"
}

# sk_std_usage: the lines every driver's -h shows for the common options.
sk_std_usage() {
	cat <<EOF
  -q            quick mode: small sizes, short runs (what make run and the tests use)
  -c CPU        the CPU to pin to (default: $(sk_default_cpu), the last of the allowed set)
  -o RUNDIR     write into RUNDIR/<chapter>/ (default: a new results/<stamp>-<host>/)
EOF
	if ((${#SK_EXP_NAMES[@]})); then
		echo "  -e NAME       run only this experiment (repeatable; default: all, in this order):"
		local i
		for i in "${!SK_EXP_NAMES[@]}"; do
			printf '                  %-18s %s\n' "${SK_EXP_NAMES[i]}" "${SK_EXP_DESCS[i]}"
		done
	fi
	if [[ -n ${SK_CAN_JUDGE:-} ]]; then
		echo "  -J RUNDIR     judge again what RUNDIR saved, measuring nothing; verdict rows to stdout"
	fi
	echo "  -h            this help"
}
