# shellcheck shell=bash
# scripts/results.sh - reading a run directory: what report, run-all, lab-check
# and compare share. Source it; it defines functions only (no traps, no set -e).
#
# rs_verdicts FILE        verdict.tsv rows normalised to 6 tab-separated fields
#                         id check expected observed result note (no header),
#                         whichever column order or format (5-column files
#                         without an id get an empty id); exit 1 if FILE has
#                         no header naming check and result
# rs_verdict_counts FILE... "PASS FAIL SKIP OTHER" over the files' rows
# rs_worst FILE           FAIL if any row FAILs, else SKIP if any SKIPs, else
#                         PASS (none: "none")
# rs_chapters RUN         chapter directories of a run (names), in suite order
# rs_experiments RUN CH   its experiments: the declared order of
#                         CH/experiments.tsv first (name<TAB>description), then
#                         any other published ones in publishing order;
#                         interrupted ones as NAME.interrupted
# rs_exp_description RUN CH NAME   the declared one-line description, if any
# rs_summary_check EXPDIR  does summary.tsv (scripts/summarize: key columns, n,
#                         median, ...) follow from data.tsv? "yes VALUE_COLUMN"
#                         (the data column the medians are of), "NO: why", or
#                         "n/a" (no such pair of files, or another layout)
# rs_is_run DIR           DIR looks like a run directory (meta.json, or status
#                         plus a chapter directory)

rs_verdicts() {
	[[ -f $1 ]] || return 1
	awk -F'\t' -v OFS='\t' '
		NR == 1 {
			for (i = 1; i <= NF; i++) col[$i] = i
			if (!("check" in col) || !("result" in col)) { bad = 1; exit 1 }
			next
		}
		function f(name) { return (name in col) ? $(col[name]) : "" }
		/^[ \t]*$/ { next }
		{ print f("id"), f("check"), f("expected"), f("observed"), f("result"), f("note") }
		END { if (NR == 0) exit 1 }' "$1"
}

rs_verdict_counts() {
	local f
	for f in "$@"; do rs_verdicts "$f" 2>/dev/null || true; done |
		awk -F'\t' '{ if ($5 == "PASS") p++; else if ($5 == "FAIL") x++; else if ($5 == "SKIP") s++; else o++ }
			END { printf "%d %d %d %d\n", p, x, s, o }'
}

rs_worst() {
	rs_verdicts "$1" 2>/dev/null | awk -F'\t' '
		{ n++ } $5 == "FAIL" { f = 1 } $5 == "SKIP" { s = 1 } $5 != "PASS" && $5 != "FAIL" && $5 != "SKIP" { f = 1 }
		END { print (!n ? "none" : f ? "FAIL" : s ? "SKIP" : "PASS") }'
}

rs_chapters() {
	local c
	for c in "$1"/ch[0-9][0-9]-*/; do
		[[ -d $c ]] && basename "$c"
	done
	return 0
}

rs_experiments() {
	local dir=$1/$2 declared=() name seen=" "
	if [[ -f $dir/experiments.tsv ]]; then
		while IFS=$'\t' read -r name _; do
			[[ -z $name || $name == \#* || $name == name ]] && continue
			declared+=("$name")
		done <"$dir/experiments.tsv"
	fi
	for name in "${declared[@]}"; do
		if [[ -d $dir/$name ]]; then
			echo "$name"
		elif [[ -d $dir/$name.interrupted ]]; then
			echo "$name.interrupted"
		fi
		seen+="$name $name.interrupted "
	done
	[[ -d $dir ]] || return 0
	find "$dir" -mindepth 1 -maxdepth 1 -type d -not -name '.*' -printf '%T@ %f\n' | sort -n | cut -d' ' -f2- |
		while IFS= read -r name; do
			[[ $seen == *" $name "* ]] || echo "$name"
		done
}

rs_exp_description() {
	local f=$1/$2/experiments.tsv
	[[ -f $f ]] || return 0
	awk -F'\t' -v n="$3" '$1 == n { print $2; exit }' "$f"
}

# rs_declared RUN CH: names declared in CH/experiments.tsv (nothing if absent).
rs_declared() {
	local f=$1/$2/experiments.tsv
	[[ -f $f ]] || return 0
	awk -F'\t' '!/^#/ && $1 != "" && $1 != "name" { print $1 }' "$f"
}

rs_is_run() {
	[[ -d $1 ]] || return 1
	[[ -f $1/meta.json ]] && return 0
	[[ -f $1/status ]] && compgen -G "$1/ch[0-9][0-9]-*/" >/dev/null
}

RS_TSV_AWK=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)/tsv.awk   # median (the one statistics vocabulary)
RS_SUMMARY_AWK='
function group_median(c, k, n,    i, a) {
	for (i = 1; i <= n; i++) a[i] = V[c, k, i]
	return median(a, n)
}
function close_enough(a, b) { d = a - b; if (d < 0) d = -d; m = (a < 0 ? -a : a); if ((b < 0 ? -b : b) > m) m = (b < 0 ? -b : b); return d <= 1e-4 * m + 1e-9 }
BEGIN { FS = "\t" }
/^#/ { next }
FILENAME == ARGV[1] && !h1 { h1 = 1; for (i = 1; i <= NF; i++) { if ($i == "n") ncol = i; if ($i == "median") mcol = i }
	if (!ncol || mcol != ncol + 1) { print "n/a"; na = 1; exit }
	nk = ncol - 1; for (i = 1; i <= nk; i++) kname[i] = $i; next }
FILENAME == ARGV[1] { key = $1; for (i = 2; i <= nk; i++) key = key SUBSEP $i; S[++ns] = key; SN[key] = $ncol; SM[key] = $mcol; next }
!h2 { h2 = 1; for (i = 1; i <= NF; i++) dcol[$i] = i
	for (i = 1; i <= nk; i++) if (!(kname[i] in dcol)) { print "n/a"; na = 1; exit }
	for (i = 1; i <= NF; i++) { iskey = 0; for (j = 1; j <= nk; j++) if (kname[j] == $i) iskey = 1; if (!iskey) cand[i] = $i }
	next }
{ key = $(dcol[kname[1]]); for (i = 2; i <= nk; i++) key = key SUBSEP $(dcol[kname[i]])
  for (c in cand) { v = $c; if (v == "" || v == "NaN") continue; if (v !~ /^-?[0-9.]+([eE][-+]?[0-9]+)?$/) { nonnum[c] = 1; continue }
    N[c, key]++; V[c, key, N[c, key]] = v + 0 } }
END {
	if (na) exit
	if (!ns) { print "n/a"; exit }
	for (c in cand) {
		if (c in nonnum) continue
		good = 1; seen = 0
		# groups of summary.tsv that data.tsv does not have came from another file
		for (i = 1; i <= ns && good; i++) { k = S[i]; if (!((c, k) in N)) continue; seen++
			if (N[c, k] != SN[k] || !close_enough(group_median(c, k, N[c, k]), SM[k])) good = 0 }
		if (good && seen) { print "yes " cand[c]; exit }
		if (seen) any = 1
	}
	print (any ? "NO: the medians in summary.tsv do not follow from data.tsv" : "n/a")
}'
rs_summary_check() {
	if [[ -f $1/summary.tsv && -f $1/data.tsv ]]; then
		awk -f "$RS_TSV_AWK" -f <(printf '%s\n' "$RS_SUMMARY_AWK") "$1/summary.tsv" "$1/data.tsv" 2>/dev/null || echo "n/a"
	else
		echo "n/a"
	fi
}
