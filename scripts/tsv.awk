# scripts/tsv.awk - the one statistics and TSV vocabulary of the shell side.
# Loaded before a program by sk_awk (scripts/lib.sh) or `awk -f tsv.awk -f prog`;
# plain POSIX awk (mawk is fine). A shikumi TSV: "# key: value" preamble lines,
# one header row, then rows; columns are found by name, never by position.
#
#   tsv_row()           1 for a data row, 0 for the preamble and the header (which
#                       it reads into COL[name] = index); use as a pattern: tsv_row() { ... }
#   tsv_col(name)       index of a column (0 if absent)
#   tsv_get(name)       the value of that column in the current row ("" if absent)
#   isort(a, n)         sort a[1..n] in place, numerically
#   median(a, n)        median of a[1..n] (a is left as it was)
#   pct(a, n, p)        p-th percentile, linear between closest ranks (as lib/stats.c)
#   is_num(v)           v is a finite decimal number (not "", NaN, nan, inf)

function tsv_row() {
	if ($0 ~ /^#/) return 0
	if (!TSV_HDR_DONE) {
		for (TSV_I = 1; TSV_I <= NF; TSV_I++) COL[$TSV_I] = TSV_I
		TSV_HDR_DONE = 1
		return 0
	}
	return 1
}
function tsv_col(name) { return (name in COL) ? COL[name] : 0 }
function tsv_get(name) { return (name in COL) ? $(COL[name]) : "" }
function is_num(v) { return v ~ /^[+-]?([0-9]+[.]?[0-9]*|[.][0-9]+)([eE][+-]?[0-9]+)?$/ }
function isort(a, n,    i, j, t) {
	for (i = 2; i <= n; i++) {
		t = a[i]
		for (j = i - 1; j >= 1 && a[j] > t; j--) a[j + 1] = a[j]
		a[j + 1] = t
	}
}
function pct(a, n, p,    b, i, r, lo, f) {
	if (n < 1) return ""
	for (i = 1; i <= n; i++) b[i] = a[i] + 0
	isort(b, n)
	if (n == 1) return b[1]
	r = p / 100 * (n - 1); lo = int(r); f = r - lo
	if (lo + 1 >= n) return b[n]
	return b[lo + 1] + f * (b[lo + 2] - b[lo + 1])
}
function median(a, n) { return pct(a, n, 50) }
