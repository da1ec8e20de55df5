#!/usr/bin/env bash
# run-all.t - scripts/run-all with small fake chapter drivers (no measuring):
# one line per experiment as it finishes, a failing driver does not stop the
# next chapter, the FAIL/SKIP summary, the ETA from the previous run, the seal,
# tools.tsv, and that a run directory is never overwritten.
source "$(dirname "$0")/tap.sh"
S=$TAP_TOP/scripts
command -v cmark-gfm >/dev/null || plan_skip_all "cmark-gfm not installed (the report is run-all's last step)"
command -v jq >/dev/null || plan_skip_all "jq not installed"

# fake_chapter DIR EXIT: a driver that publishes three experiments the way
# lib.sh does (.NAME.partial -> NAME) into $SHIKUMI_RUN_DIR, then exits EXIT.
fake_chapter() {
	mkdir -p "$1"
	cat >"$1/run.sh" <<EOS
#!/usr/bin/env bash
set -eu
ch=\$SHIKUMI_RUN_DIR/$(basename "$1")
mkdir -p "\$ch"
printf 'name\tdescription\none\tthe first\ntwo\tthe second\nthree\tthe third\n' >"\$ch/experiments.tsv"
publish() {
	mkdir -p "\$ch/.\$1.partial"
	printf 'id\tcheck\texpected\tobserved\tresult\tnote\n%s\t%s\t%s\t%s\t%s\t%s\n' "\$1" "\$2" "x >= 1" "x=\$3" "\$4" "\$5" >"\$ch/.\$1.partial/verdict.tsv"
	printf '# program: fake\nk\tv\na\t\$3\n' >"\$ch/.\$1.partial/data.tsv"
	sleep 0.6
	mv "\$ch/.\$1.partial" "\$ch/\$1"
}
publish one "it works" 1.5 PASS ""
publish two "it should work" 0.5 FAIL "too small"
publish three "needs root" 0 SKIP "not root: run as root"
echo "driver output that belongs in the log"
exit $2
EOS
	chmod +x "$1/run.sh"
}
fake_chapter "$TAP_TMP/src/ch90-fake" 0
fake_chapter "$TAP_TMP/src/ch91-broken" 1

r1=$TAP_TMP/res/run1
run_exit 1 "run-all: a driver failed -> exit 1" "$S/run-all" -o "$r1" "$TAP_TMP/src/ch91-broken" "$TAP_TMP/src/ch90-fake"
like "$OUT" '\[ ?1/3\+\] ch91-broken +one +[0-9.]+ s +PASS' "one line per experiment: [n/total] chapter experiment seconds result"
like "$OUT" '\[ ?6/6\] ch90-fake +three +[0-9.]+ s +SKIP' "the next chapter ran after the failing one"
like "$OUT" 'FAIL +ch90-fake/two: it should work' "summary: the FAIL"
like "$OUT" 'x=0.5 \(expected x >= 1\)' "with what was observed and expected"
like "$OUT" 'SKIP +ch90-fake/three: needs root' "summary: the SKIP"
like "$OUT" 'not root: run as root' "with its reason"
like "$OUT" 'DRIVER ch91-broken' "summary: the failed driver"
like "$OUT" "report: $r1/report.html" "the report's path"
ok "report.html written" test -s "$r1/report.html"
ok "the drivers' output went to the log" grep -q 'driver output that belongs' "$r1/logs/ch90-fake.txt"
is "$(grep -c 'driver output that belongs' <<<"$OUT")" 0 "and not to the terminal"
is "$(cat "$r1/status")" failed "status: failed"
is "$(awk -F'\t' 'NR > 3' "$r1/progress.tsv" | wc -l)" 6 "progress.tsv: six experiments"
like "$(cat "$r1/tools.tsv")" 'gnuplot' "tools.tsv records gnuplot"
ok "every experiment sealed" test "$(find "$r1" -name MANIFEST.sha256 | wc -l)" -eq 7
run_exit 0 "the run's seal verifies" "$S/manifest" verify "$r1"

r2=$TAP_TMP/res/run2
SHIKUMI_HIDE_TOOLS=gnuplot run_exit 0 "run-all: a second run" "$S/run-all" -o "$r2" "$TAP_TMP/src/ch90-fake"
like "$OUT" '\[ ?1/3\] ch90-fake +one .*left\)' "the ETA from the previous run on this machine"
like "$ERR" 'time estimates from the previous quick run' "says where the estimate comes from"
like "$(cat "$r2/tools.tsv")" $'gnuplot\tmissing' "tools.tsv: gnuplot missing"
like "$(sed -n 3p "$r2/report.md")" 'No graphs' "the report says there are no graphs"
is "$(cat "$r2/status")" complete-with-failures "status: complete-with-failures"

run_exit 2 "run-all -o: an existing run is never overwritten" "$S/run-all" -o "$r1" "$TAP_TMP/src/ch90-fake"
ok "the old run is untouched" test "$(cat "$r1/status")" = failed
run_exit 2 "run-all: unknown chapter" "$S/run-all" ch99-nothing
run_exit 2 "run-all: bad label" "$S/run-all" --label 'a b' ch01-syscall
run_exit 2 "run-all: bad student id" "$S/run-all" --student 'a b' ch01-syscall
run_exit 2 "run-all: unknown option" "$S/run-all" --bogus
run_exit 0 "run-all -h" "$S/run-all" -h

# clean-results: keeps the newest N and the one latest points at
cr=$TAP_TMP/cr
for n in 1 2 3 4; do mkdir -p "$cr/2026010${n}T000000Z-h"; echo complete >"$cr/2026010${n}T000000Z-h/status"; done
echo running >"$cr/20260102T000000Z-h/status"
ln -s 20260101T000000Z-h "$cr/latest"
mkdir -p "$cr/notarun"
SHIKUMI_RESULTS=$cr run_exit 0 "clean-results 1" "$S/clean-results" 1
ok "the newest run is kept" test -d "$cr/20260104T000000Z-h"
ok "the latest run is kept" test -d "$cr/20260101T000000Z-h"
ok "a running run is kept" test -d "$cr/20260102T000000Z-h"
ok "an older finished run is removed" test ! -e "$cr/20260103T000000Z-h"
ok "a directory that is not a run is left alone" test -d "$cr/notarun"
bad_args "$S/clean-results" x
bad_args "$S/clean-results" -- -1
bad_args "$S/clean-results" 1 2
done_testing
