#!/usr/bin/env bash
# compare.t - scripts/compare on fixture runs: the table with ratios, one
# overlay graph per experiment, runs lacking an experiment, mismatched units
# refused; bad input (one run, unreadable meta.json) exits 2.
source "$(dirname "$0")/tap.sh"
source "$(dirname "$0")/fixture-run.sh"
S=$TAP_TOP/scripts
command -v jq >/dev/null || plan_skip_all "jq not installed"

a=$TAP_TMP/runs/a b=$TAP_TMP/runs/b c=$TAP_TMP/runs/c
fixture_run "$a" hosta 1
fixture_run "$b" hostb 2
fixture_run "$c" hostc 1
rm -rf "$c/ch01-syscall/syscall-cost"
out=$TAP_TMP/cmp
run_exit 0 "compare three runs" "$S/compare" -o "$out" "$a" "$b" "$c"
like "$OUT" 'A = hosta 6.1.0-hosta' "runs labelled from meta.json"
like "$OUT" 'getppid +100.5 \(1\) +201 \(2\)' "medians with the ratio to A"
like "$ERR" 'syscall-cost: not in c: left out' "a run that lacks the experiment is left out with a note"
ok "compare.tsv written" test -s "$out/compare.tsv"
is "$(awk -F'\t' '$2 == "getppid" && $3 == 1 { print $8 }' "$out/compare.tsv")" 2 "compare.tsv: ratio 2 for B"
if command -v gnuplot >/dev/null; then
	ok "one overlay graph per experiment (PNG)" test -s "$out/ch01-syscall--syscall-cost.png"
	ok "and SVG" grep -q '<svg' "$out/ch01-syscall--syscall-cost.svg"
	ok "the graph names both runs" grep -q 'hostb' "$out/ch01-syscall--syscall-cost.svg"
else
	skip "gnuplot missing"; skip "gnuplot missing"; skip "gnuplot missing"
fi

# the same experiment measured in other units is refused
sed -i '1,/^op/s/ns_per_op/us_per_op/' "$b/ch01-syscall/syscall-cost/data.tsv"
run_exit 1 "compare: mismatched units -> exit 1" "$S/compare" -o "$TAP_TMP/cmp2" "$a" "$b" ch01-syscall/syscall-cost
like "$ERR" 'refused: measured in different units \(ns_per_op vs us_per_op\)' "refused, with the reason"
sed -i '1,/^op/s/us_per_op/ns_per_op/' "$b/ch01-syscall/syscall-cost/data.tsv"
printf 'op\tcount\tn\tmedian\n' >"$TAP_TMP/s" && grep -v '^op' "$b/ch01-syscall/syscall-cost/summary.tsv" | cut -f1-4 >>"$TAP_TMP/s"
cp "$b/ch01-syscall/syscall-cost/summary.tsv" "$TAP_TMP/s.keep" && cp "$TAP_TMP/s" "$b/ch01-syscall/syscall-cost/summary.tsv"
run_exit 1 "compare: different summary columns -> exit 1" "$S/compare" -o "$TAP_TMP/cmp3" "$a" "$b" ch01-syscall/syscall-cost
like "$ERR" 'refused: summary.tsv columns differ' "refused, with the reason"
cp "$TAP_TMP/s.keep" "$b/ch01-syscall/syscall-cost/summary.tsv"

# the same host twice (before/after): labels keep them apart
cp -r "$a" "$TAP_TMP/runs/a2"
run_exit 0 "compare a run with a copy of itself" "$S/compare" -o "$TAP_TMP/cmp4" "$a" "$TAP_TMP/runs/a2"
like "$OUT" 'hosta 6.1.0-hosta \(a2\)' "the run's name tells the same host apart"

# bad input
run_exit 2 "compare: one run -> exit 2" "$S/compare" "$a"
like "$ERR" 'need at least two runs' "with a message"
run_exit 2 "compare: no run -> exit 2" "$S/compare"
mkdir -p "$TAP_TMP/runs/broken" && echo '{ broken' >"$TAP_TMP/runs/broken/meta.json"
run_exit 2 "compare: meta.json not JSON -> exit 2" "$S/compare" "$a" "$TAP_TMP/runs/broken"
like "$ERR" 'meta.json is not valid JSON' "with a message"
mkdir -p "$TAP_TMP/runs/unreadable" && : >"$TAP_TMP/runs/unreadable/meta.json" && chmod 000 "$TAP_TMP/runs/unreadable/meta.json"
if [[ -r $TAP_TMP/runs/unreadable/meta.json ]]; then
	# root reads anything: an empty meta.json stands in for an unreadable one
	run_exit 2 "compare: empty meta.json -> exit 2" "$S/compare" "$a" "$TAP_TMP/runs/unreadable"
else
	run_exit 2 "compare: unreadable meta.json -> exit 2" "$S/compare" "$a" "$TAP_TMP/runs/unreadable"
fi
chmod 644 "$TAP_TMP/runs/unreadable/meta.json"
run_exit 2 "compare: a directory that is not a run -> exit 2" "$S/compare" "$a" "$TAP_TMP"
run_exit 2 "compare: no such run -> exit 2" "$S/compare" "$a" "$TAP_TMP/nope"
run_exit 2 "compare: unknown option -> exit 2" "$S/compare" --bogus "$a" "$b"
run_exit 0 "compare -h" "$S/compare" -h
done_testing
