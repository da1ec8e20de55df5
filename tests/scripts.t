#!/usr/bin/env bash
# scripts.t - the shared scripts: summarize, sysinfo, report, check-results,
# compare, run-all and lib.sh's argument checks, on a small fake run directory.
source "$(dirname "$0")/tap.sh"
export SHIKUMI_NO_REJUDGE=1   # made-up data: the drivers' own -J would rightly disagree
S=$TAP_TOP/scripts

# summarize: median/percentiles per group, in first-seen order
printf '# program: t\nop\trep\tns\nb\t0\t5\na\t0\t3\na\t1\t1\nb\t1\t7\na\t2\t2\n' >"$TAP_TMP/in.tsv"
run "$S/summarize" -b op -v ns "$TAP_TMP/in.tsv"
is "$(sed -n 2p <<<"$OUT" | cut -f1-4)" $'b\t2\t6\t5.2' "summarize: group b median 6, p10 5.2"
is "$(sed -n 3p <<<"$OUT" | cut -f1-3)" $'a\t3\t2' "summarize: group a median 2"
run_exit 2 "summarize: unknown column exits 2" "$S/summarize" -b nope -v ns "$TAP_TMP/in.tsv"
run_exit 2 "summarize: missing -v exits 2" "$S/summarize" -b op "$TAP_TMP/in.tsv"

# sysinfo: valid JSON with the facts the report needs
run_exit 0 "sysinfo runs" "$S/sysinfo" --command "test"
if command -v jq >/dev/null; then
	if jq -e . <<<"$OUT" >/dev/null 2>&1; then pass "sysinfo output is valid JSON"; else fail "sysinfo output is valid JSON" "$OUT"; fi
	like "$(jq -r .cgroup_mode <<<"$OUT")" '^(v1|v2|hybrid|none)$' "sysinfo: cgroup mode"
	like "$(jq -r .memory.page_size_bytes <<<"$OUT")" '^[0-9]+$' "sysinfo: page size"
	like "$(jq -r .scheduler.class <<<"$OUT")" '^(EEVDF|CFS)$' "sysinfo: scheduler class"
else
	skip "jq not installed"; skip "jq"; skip "jq"; skip "jq"
fi
run_exit 2 "sysinfo rejects an unknown argument" "$S/sysinfo" --bogus

# a fake run directory
rd=$TAP_TMP/results/20260101T000000Z-test
mkdir -p "$rd/ch01-syscall/demo" "$rd/ch01-syscall/cut.interrupted"
"$S/sysinfo" --command fake >"$rd/meta.json"
echo complete >"$rd/status"
printf 'check\texpected\tobserved\tresult\tnote\nit works\tyes\tyes | really\tPASS\t\nneeds root\truns\tskipped\tSKIP\tnot root\n' >"$rd/ch01-syscall/demo/verdict.tsv"
printf '## Demo experiment\n\nA paragraph with `code` & <angle>.\n\n- one\n- two\n' >"$rd/ch01-syscall/demo/summary.md"
cp "$TAP_TMP/in.tsv" "$rd/ch01-syscall/demo/data.tsv"
"$S/summarize" -b op -v ns "$TAP_TMP/in.tsv" >"$rd/ch01-syscall/demo/summary.tsv"
if command -v gnuplot >/dev/null; then
	printf 'DATA = ARG1; OUT = ARG2; SUBTITLE = ARG3\nload "shikumi.gp"\nset title title("demo")\nplot DATA using "rep":"ns" with points\n' >"$TAP_TMP/demo.gp"
	run_exit 0 "plot draws PNG and SVG" "$S/plot" "$TAP_TMP/demo.gp" "$rd/ch01-syscall/demo/data.tsv" "$rd/ch01-syscall/demo/demo" "sub title"
	ok "PNG is a PNG" grep -q PNG <(head -c 8 "$rd/ch01-syscall/demo/demo.png")
	ok "SVG is an SVG" grep -q '<svg' "$rd/ch01-syscall/demo/demo.svg"
else
	skip "gnuplot missing"; skip "gnuplot missing"; skip "gnuplot missing"
fi

if command -v gnuplot >/dev/null; then
	# plots.tsv: script (relative to the suite, or absolute), data, output base, subtitle
	printf '%s\t%s\t%s\t%s\n' "$TAP_TMP/demo.gp" data.tsv demo "sub title" >"$rd/ch01-syscall/demo/plots.tsv"
	ln -sfn "$(basename "$rd")" "$TAP_TMP/results/latest"
	rm -f "$rd/ch01-syscall/demo/demo.png"
	run_exit 0 "replot through the latest symlink" "$S/replot" "$TAP_TMP/results/latest"
	like "$ERR" "1 graphs redrawn" "replot redraws the recorded graph"
	ok "replot wrote the PNG again" test -s "$rd/ch01-syscall/demo/demo.png"
else
	skip "gnuplot missing"; skip "gnuplot missing"; skip "gnuplot missing"
fi

run_exit 0 "report renders the fake run" "$S/report" "$rd"
ok "report.md has the machine facts" grep -q '^\*\*Machine\*\*' "$rd/report.md"
ok "report.md has the verdict" grep -q 'it works' "$rd/report.md"
ok "report.md marks the interrupted experiment" grep -q 'cut (interrupted' "$rd/report.md"
ok "report.html escapes HTML" grep -q '&amp; &lt;angle&gt;' "$rd/report.html"
ok "report.html keeps a | inside a cell" grep -q 'yes | really' "$rd/report.html"
if [[ -f $rd/ch01-syscall/demo/demo.png ]]; then
	ok "report.html inlines the PNG" grep -q 'data:image/png;base64,iVBOR' "$rd/report.html"
else
	skip "no PNG"
fi
ok "no temporary file left" test -z "$(find "$rd" -name '*.tmp.*')"
run_exit 2 "report rejects a non-run directory" "$S/report" "$TAP_TMP"
run_exit 2 "report rejects two arguments" "$S/report" "$rd" "$rd"

run_exit 1 "check-results (lab-check): interrupted experiment is a problem" "$S/check-results" "$rd"
like "$OUT" 'ch01-syscall +demo +1 +0 +1' "check-results lists the experiment"
like "$OUT" '1 passed, 0 failed, 1 skipped; 0 missing, 0 tampered or inconsistent, 1 problems' "check-results totals"
rm -rf "$rd/ch01-syscall/cut.interrupted"
run_exit 0 "check-results: a clean run passes" "$S/check-results" --brief "$rd"
printf 'x\ty\tz\tFAIL\tn\n' >>"$rd/ch01-syscall/demo/verdict.tsv"
run_exit 1 "check-results: a FAIL fails" "$S/check-results" "$rd"
run_exit 2 "check-results needs a run dir" "$S/check-results"

ln -sfn "$(basename "$rd")" "$TAP_TMP/results/latest"
run_exit 0 "compare two runs (one through a symlink)" "$S/compare" -o "$TAP_TMP/cmp" "$rd" "$TAP_TMP/results/latest"
like "$OUT" 'a +2 \(1\) +2 \(1\)' "compare prints the medians and ratios"

run_exit 2 "run-all rejects an unknown chapter" "$S/run-all" ch99-nothing
run_exit 2 "run-all rejects a bad label" "$S/run-all" --label 'a b' ch01-syscall
run_exit 0 "install-deps --check runs" "$S/install-deps" --check
run_exit 2 "install-deps rejects junk" "$S/install-deps" --bogus

# lib.sh argument checks (in a subshell: sk_usage_error exits)
chk() { (source "$S/lib.sh"; trap - EXIT; "$@") >/dev/null 2>&1; }
ok "sk_check_int accepts 5 in 1..10" chk sk_check_int -n 5 1 10
for v in x 5x -1 0 11 99999999999999999999 ""; do
	chk sk_check_int -n "$v" 1 10 && fail "sk_check_int rejects '$v'" || { [[ $? == 2 ]] && pass "sk_check_int rejects '$v' (exit 2)" || fail "sk_check_int rejects '$v' with exit 2"; }
done
ok "sk_check_cpulist accepts the first allowed CPU" chk sk_check_cpulist -c "$(awk '/^Cpus_allowed_list/ {sub(/[-,].*/, "", $2); print $2}' /proc/self/status)"
for v in x 1- 9999 3-1 "1,"; do
	chk sk_check_cpulist -c "$v" && fail "sk_check_cpulist rejects '$v'" || pass "sk_check_cpulist rejects '$v'"
done
is "$(source "$S/lib.sh"; trap - EXIT; sk_expand_cpulist 0-2,5)" "0 1 2 5" "sk_expand_cpulist 0-2,5"
# preamble and median readers
printf '# program: t\n# cpu: 3\n# what: a: b\nk\tv\nx\t5\nx\t1\ny\t9\nx\t3\nx\t4\n' >"$TAP_TMP/m.tsv"
is "$(source "$S/lib.sh"; trap - EXIT; sk_meta "$TAP_TMP/m.tsv" what)" "a: b" "sk_meta keeps colons in values"
is "$(source "$S/lib.sh"; trap - EXIT; sk_meta "$TAP_TMP/m.tsv" nope)" "" "sk_meta: missing key is empty"
is "$(source "$S/lib.sh"; trap - EXIT; sk_median_of "$TAP_TMP/m.tsv" k x v)" "3.5" "sk_median_of: even count"
is "$(source "$S/lib.sh"; trap - EXIT; sk_median_of "$TAP_TMP/m.tsv" k y v)" "9" "sk_median_of: one value"

# the common driver options
drv=$TAP_TMP/drv.sh
cat >"$drv" <<EOF2
#!/usr/bin/env bash
source "$S/lib.sh"
usage() { echo "Usage: drv"; }
while getopts ":qc:o:hx:" opt; do
	case \$opt in
	x) sk_check_int -x "\$OPTARG" 1 9 ;;
	*) sk_std_opt "\$opt" ;;
	esac
done
shift \$((OPTIND - 1))
sk_no_operands "\$@"
echo "quick=\$SK_QUICK cpu=\$SK_CPU out=\$SK_RUNDIR"
EOF2
chmod +x "$drv"
cpu0=$(awk '/^Cpus_allowed_list/ {sub(/[-,].*/, "", $2); print $2}' /proc/self/status)
run_exit 0 "sk_std_opt: -q -c CPU -o DIR" "$drv" -q -c "$cpu0" -o /x
is "$OUT" "quick=1 cpu=$cpu0 out=/x" "sk_std_opt sets SK_QUICK, SK_CPU, SK_RUNDIR"
run_exit 0 "sk_std_opt: -h shows usage" "$drv" -h
is "$OUT" "Usage: drv" "-h calls the driver's usage"
for a in "-c" "-c 0-1" "-c x" "-z" "-x 0" "stray"; do
	# shellcheck disable=SC2086 # split on purpose
	bad_args "$drv" $a
done
# the fidelity table of make bench: round-by-round ratios judged by their
# median, else ours/peer; a row without numbers is n/a, never "yes"
fid() {
	bash -c 'set -euo pipefail; SK_PROG=fid; source "$1/scripts/lib.sh"; source "$1/scripts/fidelity.sh"; shift; "$@"' \
		fid "$TAP_TOP" "$@"
}
is "$(fid sk_round_ratios "10 20 x 30" "5 10 3 0")" "2.0000 2.0000" "sk_round_ratios: pair by pair, junk and zero rounds dropped"
printf 'paired [ns]\t10\tpeer a\t20\t0.95 1.04 1.01\nplain [us]\t5\tpeer b\t4\t\nnone [us]\tNaN\tpeer c\t3\t\n' >"$TAP_TMP/fid.tsv"
run_exit 0 "sk_fidelity_table prints" fid sk_fidelity_table "$TAP_TMP/fid.tsv" "a machine"
like "$(grep '^paired' <<<"$OUT")" ' 1[.]01 +3: 0[.]95-1[.]04 +yes$' "the median of the rounds' ratios decides, not ours/peer (0.5)"
like "$(grep '^plain' <<<"$OUT")" ' 1[.]25 +- +NO$' "no rounds: ours/peer, outside 0.9-1.1"
like "$(grep '^none' <<<"$OUT")" ' n/a +- +NO$' "no number: n/a and NO"
like "$(tail -n 2 <<<"$OUT" | head -n 1)" '^machine: a machine$' "the machine is named"
: >"$TAP_TMP/empty.tsv"
run_exit 0 "an empty table says why" fid sk_fidelity_table "$TAP_TMP/empty.tsv" m
like "$OUT" 'no figure with a peer' "no rows: a note, not a table"
SHIKUMI_FIDELITY=$TAP_TMP/fid.tsv run_exit 1 "sk_fidelity: wrong argument count fails" fid sk_fidelity a b c
run_exit 2 "bench: an unknown chapter exits 2" "$S/bench" ch99-nope
done_testing
