#!/usr/bin/env bash
# cliffs.sh - find the sizes where access time steps up in a cache-stride
# curve, and name the sysfs cache each one belongs to.
#
# Usage: ./cliffs.sh [-r RATIO] [FILE]      (FILE: cache-stride TSV; default stdin)
# How: per mode, the median of the repetitions at each size, smoothed with a
#   running median of 3 (one disturbed point is not a cliff). A size is "on a
#   cliff" when its latency is at least RATIO (default 1.4) times the latency
#   one octave below. Consecutive such sizes form one cliff; its position is
#   the first size whose latency reaches the geometric mean of the plateau
#   below (one octave before the cliff starts) and the top of the cliff. One
#   point under the ratio inside a cliff does not split it.
#   The cache sizes come from the data's own preamble (# cache_l1d_bytes: ...),
#   which cache-stride copies from sysfs; without them every cliff is still
#   printed, with "unavailable" as the nearest cache.
# Output (TSV): mode cliff_bytes below_ns above_ns step nearest_cache cache_bytes factor
#   factor = cliff_bytes / cache_bytes (1 = exactly at the cache size).
# eg,  taskset -c 1 ./cache-stride -q --mode chase | ./cliffs.sh | column -t
set -euo pipefail
export LC_ALL=C
ratio=1.4
[[ ${1:-} == --help ]] && set -- -h
usage() { sed -n '2,/^set -e/p' "$0" | sed '$d; s/^# \{0,1\}//'; }
while getopts ":r:h" opt; do
	case $opt in
	r) if ! [[ $OPTARG =~ ^[0-9]+(\.[0-9]+)?$ ]] || ! awk -v r="$OPTARG" 'BEGIN { exit !(r > 1 && r < 100) }'; then
		echo "cliffs.sh: bad VALUE for -r: '$OPTARG': a ratio between 1 and 100" >&2
		exit 2
	   fi
	   ratio=$OPTARG ;;
	h) usage; exit 0 ;;
	:) echo "cliffs.sh: option -$OPTARG needs a value (try cliffs.sh -h)" >&2; exit 2 ;;
	*) echo "cliffs.sh: unknown option -$OPTARG (try cliffs.sh -h)" >&2; exit 2 ;;
	esac
done
shift $((OPTIND - 1))
(($# <= 1)) || { echo "cliffs.sh: one FILE at most (try cliffs.sh -h)" >&2; exit 2; }
if (($# == 1)); then
	[[ -r $1 ]] || { echo "cliffs.sh: bad VALUE for FILE: '$1': not readable" >&2; exit 2; }
fi

# isort and median come from scripts/tsv.awk, prepended to the program.
awk -F'\t' -v OFS='\t' -v T="$ratio" "$(cat "$(dirname "$0")/../scripts/tsv.awk")"'
function med3(x, y, z) { return x > y ? (y > z ? y : (x > z ? z : x)) : (x > z ? x : (y > z ? z : y)) }
function abs(x) { return x < 0 ? -x : x }
/^# cache_l[0-9]d?_bytes: / {
	name = $0; sub(/^# cache_/, "", name); sub(/_bytes:.*/, "", name); v = $0; sub(/.*: /, "", v)
	ncache++; cname[ncache] = toupper(substr(name, 1, 1)) substr(name, 2); csize[ncache] = v + 0; next
}
/^#/ { next }
!hdr { for (i = 1; i <= NF; i++) col[$i] = i; hdr = 1
       if (!("mode" in col) || !("size_bytes" in col) || !("ns_per_access" in col)) { print "cliffs.sh: not a cache-stride TSV (need mode, size_bytes, ns_per_access)" > "/dev/stderr"; bad = 1; exit 2 }
       next }
{
	m = $col["mode"]; s = $col["size_bytes"] + 0
	if (!(m in seen)) { seen[m] = 1; modes[++nmodes] = m }
	k = m SUBSEP s
	if (!(k in cnt)) { ns[m]++; sz[m, ns[m]] = s }
	cnt[k]++; val[k, cnt[k]] = $col["ns_per_access"] + 0
}
END {
	if (bad) exit 2
	print "mode", "cliff_bytes", "below_ns", "above_ns", "step", "nearest_cache", "cache_bytes", "factor"
	if (!ncache) print "cliffs.sh: sysfs cache sizes unavailable (no cache_* lines in the data): cliffs are listed without names" > "/dev/stderr"
	for (mi = 1; mi <= nmodes; mi++) {
		m = modes[mi]; n = ns[m]
		for (i = 1; i <= n; i++) size[i] = sz[m, i]
		isort(size, n)
		for (i = 1; i <= n; i++) { k = m SUBSEP size[i]; delete tmp; for (j = 1; j <= cnt[k]; j++) tmp[j] = val[k, j]; raw[i] = median(tmp, cnt[k]) }
		for (i = 1; i <= n; i++) sm[i] = (i == 1 || i == n) ? raw[i] : med3(raw[i - 1], raw[i], raw[i + 1])
		# below[i]: index of the largest size <= half of size[i] (0 if none)
		for (i = 1; i <= n; i++) { below[i] = 0; for (j = 1; j < i; j++) if (size[j] <= size[i] / 2 * 1.01) below[i] = j }
		i = 1
		while (i <= n) {
			if (!below[i] || sm[i] < T * sm[below[i]]) { i++; continue }
			# a cliff continues through one point that dips under the ratio
			a = i
			while (1) {
				if (i + 1 <= n && below[i + 1] && sm[i + 1] >= T * sm[below[i + 1]]) i++
				else if (i + 2 <= n && below[i + 2] && sm[i + 2] >= T * sm[below[i + 2]]) i += 2
				else break
			}
			b = i
			lo = sm[below[a]]; hi = 0; for (j = a; j <= b; j++) if (sm[j] > hi) hi = sm[j]
			gm = sqrt(lo * hi); at = b
			for (j = below[a] + 1; j <= b; j++) if (sm[j] >= gm) { at = j; break }
			best = ""; bf = 0
			for (c = 1; c <= ncache; c++) {
				f = size[at] / csize[c]
				if (best == "" || abs(log(f)) < abs(log(bf))) { best = c; bf = f }
			}
			if (best == "") print m, size[at], sprintf("%.2f", lo), sprintf("%.2f", hi), sprintf("%.2f", hi / lo), "unavailable", "NaN", "NaN"
			else print m, size[at], sprintf("%.2f", lo), sprintf("%.2f", hi), sprintf("%.2f", hi / lo), cname[best], csize[best], sprintf("%.3f", bf)
			i = b + 1
		}
	}
}' "${1:-/dev/stdin}"
