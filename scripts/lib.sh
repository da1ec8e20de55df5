# shellcheck shell=bash
# scripts/lib.sh - what every shikumi driver (chNN-*/run.sh) stands on.
#
#   source "$(dirname "$0")/../scripts/lib.sh"
#
# Messages ..... sk_note, sk_warn, sk_die (exit 1), sk_usage_error (exit 2)
# Arguments .... sk_check_int NAME VALUE MIN MAX, sk_check_cpulist NAME LIST
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
SK_EXP_DIR=""      # staging dir of the experiment being run
SK_LOG=/dev/null
SK_OWN_RUN=0       # 1 if this driver created the run dir (and finishes it)
SK_FAILS=0
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
	sleep 0.2
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
	for ((i = ${#SK_CLEANUPS[@]} - 1; i >= 0; i--)); do
		eval "${SK_CLEANUPS[i]}" || sk_warn "cleanup failed: ${SK_CLEANUPS[i]}"
	done
	SK_CLEANUPS=()
	if [[ -n $SK_EXP_DIR && -d $SK_EXP_DIR ]]; then
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

# sk_atomic_write FILE: stdin -> FILE.tmp.PID -> FILE.
sk_atomic_write() {
	local f=$1 tmp="$1.tmp.$$"
	if cat >"$tmp"; then mv -f "$tmp" "$f"; else rm -f "$tmp"; return 1; fi
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

# sk_run_init CHAPTER [RUNDIR]: use RUNDIR, or $SHIKUMI_RUN_DIR (make run), or
# create a new run directory owned by this driver.
sk_run_init() {
	local chapter=$1 given=${2:-}
	if [[ -n $given ]]; then
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
	SK_EXP_NAME=$1
	SK_EXP_DIR="$SK_CH_DIR/.$1.partial"
	rm -rf "$SK_EXP_DIR"
	mkdir -p "$SK_EXP_DIR"
	SK_LOG="$SK_EXP_DIR/log.txt"
	printf 'check\texpected\tobserved\tresult\tnote\n' >"$SK_EXP_DIR/verdict.tsv"
	sk_note "== $SK_EXP_NAME"
}

# sk_exp_end: publish the experiment directory (replacing an older one only now).
sk_exp_end() {
	local dest="$SK_CH_DIR/$SK_EXP_NAME"
	if [[ -e $dest ]]; then rm -rf "$dest.old" && mv "$dest" "$dest.old"; fi
	mv "$SK_EXP_DIR" "$dest"
	rm -rf "$dest.old" "$SK_CH_DIR/$SK_EXP_NAME.interrupted"
	SK_EXP_DIR="" SK_LOG=/dev/null
}

# sk_verdict CHECK EXPECTED OBSERVED RESULT NOTE
sk_verdict() {
	local check=$1 expected=$2 observed=$3 result=$4 note=${5:-}
	case $result in PASS | FAIL | SKIP) ;; *) sk_die "internal: verdict result '$result'" ;; esac
	printf '%s\t%s\t%s\t%s\t%s\n' "$check" "$expected" "$observed" "$result" "$note" >>"$SK_EXP_DIR/verdict.tsv"
	[[ $result == FAIL ]] && SK_FAILS=$((SK_FAILS + 1))
	printf '  %-4s %s: %s (expected %s)%s\n' "$result" "$check" "$observed" "$expected" "${note:+; $note}" | tee -a "$SK_LOG" >&2
}

# sk_verdict_if CONDITION CHECK EXPECTED OBSERVED NOTE: PASS if the awk condition holds.
sk_verdict_if() {
	local cond=$1
	shift
	if sk_cmp "$cond"; then sk_verdict "$1" "$2" "$3" PASS "${4:-}"; else sk_verdict "$1" "$2" "$3" FAIL "${4:-}"; fi
}

# sk_skip_exp REASON: the whole experiment is skipped (missing privilege/feature).
sk_skip_exp() {
	sk_verdict "$SK_EXP_NAME" "runs" "skipped" SKIP "$1"
}

# sk_summary: stdin -> summary.md (first line '## title', then paragraphs and '- ' lists).
sk_summary() { sk_atomic_write "$SK_EXP_DIR/summary.md"; }

# sk_run_prog OUTFILE CMD...: run a program, stdout to OUTFILE (atomically),
# stderr to the terminal and the log. Returns the program's exit code
# (4 = skipped, which callers turn into a SKIP verdict).
sk_run_prog() {
	local out=$1 rc=0
	shift
	echo "+ $*" >>"$SK_LOG"
	{ "$@" 2>&1 1>"$out.tmp.$$" | tee -a "$SK_LOG" >&2; } || rc=$?
	if ((rc == 0)); then mv -f "$out.tmp.$$" "$out"; else rm -f "$out.tmp.$$"; fi
	return "$rc"
}

# sk_point_latest RUN_DIR: results/latest -> RUN_DIR, for runs under results/ only
# (a run written elsewhere with -o must not move the suite's "latest").
sk_point_latest() {
	local dir
	dir=$(cd "$1" && pwd -P)
	[[ $(dirname "$dir") == "$(cd "$SK_TOP/results" && pwd -P)" ]] || return 0
	ln -sfn "$(basename "$dir")" "$SK_TOP/results/latest.tmp.$$" &&
		mv -Tf "$SK_TOP/results/latest.tmp.$$" "$SK_TOP/results/latest"
}

# sk_run_finish: mark the run complete (or failed) and point results/latest at it.
sk_run_finish() {
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

# ---- standard driver options -----------------------------------------------------

# The common options of every driver, inside its getopts loop (the optstring
# starts with ":qc:o:h"; a script without a run directory, like a bench.sh,
# leaves q and o out so that they are rejected; the driver's own options come
# first in the case):
#   while getopts ":qc:o:hd:" opt; do
#       case $opt in
#       d) sk_check_int -d "$OPTARG" 1 600; duration=$OPTARG ;;
#       *) sk_std_opt "$opt" ;;
#       esac
#   done
#   shift $((OPTIND - 1)); sk_no_operands "$@"
#   sk_driver_ready CHAPTER prog1 prog2 ...
# -q sets SK_QUICK=1, -c one allowed CPU -> SK_CPU, -o -> SK_RUNDIR, -h calls
# the driver's usage() and exits 0; anything else is a usage error (exit 2).
SK_CPU="" SK_RUNDIR=""
# shellcheck disable=SC2034 # read by the drivers
declare -a SK_QOPT=()
sk_std_opt() {
	case $1 in
	q) SK_QUICK=1 ;;
	c)
		sk_check_cpulist -c "$OPTARG"
		[[ $OPTARG =~ ^[0-9]+$ ]] || sk_usage_error "bad VALUE for -c: '$OPTARG': one CPU, not a list"
		SK_CPU=$((10#$OPTARG))
		;;
	o) SK_RUNDIR=$OPTARG ;;
	h) usage; exit 0 ;;
	:) sk_usage_error "option -$OPTARG needs a value" ;;
	*) sk_usage_error "unknown option -$OPTARG" ;;
	esac
}

# sk_no_operands "$@": the driver takes no operands.
sk_no_operands() { (($# == 0)) || sk_usage_error "unexpected argument '$1'"; }

# sk_driver_ready CHAPTER PROG...: after option parsing: the default CPU, the
# programs built, taskset present, SK_QOPT=(-q) in quick mode, then the run
# directory (sk_run_init).
sk_driver_ready() {
	local chapter=$1 p
	shift
	SK_CPU=${SK_CPU:-$(sk_default_cpu)}
	for p in "$@"; do
		[[ -x $SK_TOP/$chapter/$p ]] || sk_die "$SK_TOP/$chapter/$p is not built: run make"
	done
	sk_have taskset || sk_die "taskset not found (install util-linux)"
	SK_QOPT=()
	# shellcheck disable=SC2034 # read by the drivers
	((SK_QUICK)) && SK_QOPT=(-q)
	sk_run_init "$chapter" "$SK_RUNDIR"
}

# sk_meta FILE KEY: the value of a "# KEY: value" preamble line of a TSV.
sk_meta() { awk -v k="# $2: " 'index($0, k) == 1 { print substr($0, length(k) + 1); exit }' "$1"; }

# sk_median_of FILE KEYCOL KEY VALCOL: median of VALCOL over the rows whose KEYCOL is KEY.
sk_median_of() {
	awk -F'\t' -v kc="$2" -v key="$3" -v vc="$4" '
		/^#/ { next }
		!h { for (i = 1; i <= NF; i++) { if ($i == kc) k = i; if ($i == vc) v = i }; h = 1; next }
		k && v && $k == key && $v != "" && $v != "NaN" { a[++n] = $v + 0 }
		END {
			if (!n) exit 1
			for (i = 2; i <= n; i++) { t = a[i]; for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]; a[j + 1] = t }
			print (n % 2) ? a[(n + 1) / 2] : (a[n / 2] + a[n / 2 + 1]) / 2
		}' "$1"
}

# sk_std_usage: the lines every driver's -h shows for the common options.
sk_std_usage() {
	cat <<EOF
  -q            quick mode: small sizes, short runs (what make run and the tests use)
  -c CPU        the CPU to pin to (default: $(sk_default_cpu), the last of the allowed set)
  -o RUNDIR     write into RUNDIR/<chapter>/ (default: a new results/<stamp>-<host>/)
  -h            this help
EOF
}
