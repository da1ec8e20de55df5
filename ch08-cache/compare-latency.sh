#!/usr/bin/env bash
# compare-latency.sh - our cache-stride latency curve against anybody's
# "size ns" curve (lmbench lat_mem_rd, a paper, another machine), plateau by
# plateau.
#
# Usage: ./compare-latency.sh [-m chase|seq] [-u MB|KB|B] OURS.tsv THEIRS
#   OURS.tsv  cache-stride output (the chase rows by default)
#   THEIRS    text with two numbers per line, "size ns"; other lines
#             (lmbench's '"stride=64' header, comments, blanks) are ignored.
#             -u says the unit of the size column: MB (default: lmbench's
#             lat_mem_rd prints MiB), KB or B.
# Plateaus, from the cache sizes in OURS's preamble (sysfs; 32K/1M if absent):
#   L1    size <= L1d/2          L2    2 x L1d <= size <= L2/2
#   L3    2 x L2 <= size <= 4 x L2 (just past L2: on a VM, the guest's LLC share)
#   DRAM  size >= max(32 MiB, our largest size / 4), up to our largest size
# Per plateau: the median over the sizes of each curve inside the range (ours:
# the median of the repetitions at each size first), and ours/theirs.
# If OURS has a core clock estimate, our latency is also shown in cycles:
# ns differ between runs when the host changes the clock, cycles much less.
# eg,  lat_mem_rd -t 1024 64 2>&1 | ./compare-latency.sh chase.tsv -
set -euo pipefail
export LC_ALL=C
mode=chase unit=MB
[[ ${1:-} == --help ]] && set -- -h
usage() { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
die2() { echo "compare-latency.sh: $*" >&2; exit 2; }
while getopts ":m:u:h" opt; do
	case $opt in
	m) [[ $OPTARG == chase || $OPTARG == seq ]] || die2 "bad VALUE for -m: '$OPTARG': chase or seq"; mode=$OPTARG ;;
	u) [[ $OPTARG =~ ^(MB|KB|B)$ ]] || die2 "bad VALUE for -u: '$OPTARG': MB, KB or B"; unit=$OPTARG ;;
	h) usage; exit 0 ;;
	:) die2 "option -$OPTARG needs a value (try -h)" ;;
	*) die2 "unknown option -$OPTARG (try -h)" ;;
	esac
done
shift $((OPTIND - 1))
(($# == 2)) || die2 "need OURS.tsv and THEIRS (try -h)"
ours=$1 theirs=$2
[[ -r $ours ]] || die2 "bad VALUE for OURS.tsv: '$ours': not readable"
[[ $theirs == - || -r $theirs ]] || die2 "bad VALUE for THEIRS: '$theirs': not readable"
grep -q $'^mode\tsize_bytes\trep\tns_per_access' "$ours" || die2 "bad VALUE for OURS.tsv: '$ours': not cache-stride output"
[[ $theirs == - ]] && theirs=/dev/stdin

# isort and median come from scripts/tsv.awk, prepended to the program.
awk -v mode="$mode" -v unit="$unit" "$(cat "$(dirname "$0")/../scripts/tsv.awk")"'
function human(b) { if (b >= 1048576) return sprintf("%gM", b / 1048576); if (b >= 1024) return sprintf("%gK", b / 1024); return b "B" }
FNR == NR {   # ours
	if ($0 ~ /^# cache_l1d_bytes: /) { l1 = $3 + 0; next }
	if ($0 ~ /^# cache_l2_bytes: /) { l2 = $3 + 0; next }
	if ($0 ~ /^# core_ghz_estimate: /) { ghz = $3 + 0; next }
	if ($0 ~ /^#/ || $1 == "mode") next
	if ($1 != mode) next
	s = $2 + 0; if (!(s in cnt)) sizes[++ns] = s
	cnt[s]++; v[s, cnt[s]] = $4 + 0; if (s > omax) omax = s
	next
}
{   # theirs: two numbers per line
	if ($1 !~ /^[0-9.eE+-]+$/ || $2 !~ /^[0-9.eE+-]+$/) next
	f = unit == "MB" ? 1048576 : unit == "KB" ? 1024 : 1
	tsz[++nt] = $1 * f; tns[nt] = $2 + 0
}
END {
	if (!ns) { print "compare-latency.sh: no " mode " rows in OURS" > "/dev/stderr"; exit 1 }
	if (!nt) { print "compare-latency.sh: no \"size ns\" lines in THEIRS" > "/dev/stderr"; exit 1 }
	if (!l1) { l1 = 32768; note = "sysfs cache sizes unavailable: L1d=32K, L2=1M assumed" }
	if (!l2) l2 = 1048576
	for (i = 1; i <= ns; i++) { s = sizes[i]; delete t; for (j = 1; j <= cnt[s]; j++) t[j] = v[s, j]; om[s] = median(t, cnt[s]) }
	dlo = omax / 4; if (dlo < 33554432) dlo = 33554432
	name[1] = "L1"; lo[1] = 0; hi[1] = l1 / 2
	name[2] = "L2"; lo[2] = 2 * l1; hi[2] = l2 / 2
	name[3] = "L3"; lo[3] = 2 * l2; hi[3] = 4 * l2
	name[4] = "DRAM"; lo[4] = dlo; hi[4] = omax
	printf "%-5s %-14s %10s %10s %8s %6s %6s%s\n", "level", "sizes", "ours_ns", "theirs_ns", "ratio", "n_ours", "n_them", (ghz ? "  ours_cycles" : "")
	for (k = 1; k <= 4; k++) {
		delete a; delete b; na = nb = 0
		for (i = 1; i <= ns; i++) if (sizes[i] >= lo[k] && sizes[i] <= hi[k]) a[++na] = om[sizes[i]]
		for (i = 1; i <= nt; i++) if (tsz[i] >= lo[k] && tsz[i] <= hi[k]) b[++nb] = tns[i]
		range = human(lo[k] ? lo[k] : 0) ".." human(hi[k])
		if (!na || !nb) { printf "%-5s %-14s %10s %10s %8s %6d %6d\n", name[k], range, na ? sprintf("%.2f", median(a, na)) : "-", nb ? sprintf("%.2f", median(b, nb)) : "-", "n/a", na, nb; continue }
		x = median(a, na); y = median(b, nb)
		printf "%-5s %-14s %10.2f %10.2f %8.2f %6d %6d%s\n", name[k], range, x, y, x / y, na, nb, (ghz ? sprintf("  %11.1f", x * ghz) : "")
	}
	if (ghz) printf "core clock during our run: %.2f GHz (estimate)\n", ghz
	if (note) print note
}' "$ours" "$theirs"
