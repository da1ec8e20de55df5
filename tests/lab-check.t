#!/usr/bin/env bash
# lab-check.t - scripts/lab-check and scripts/manifest on fixture runs: a
# clean run passes, a missing experiment, a FAIL, an edited verdict.tsv, an
# edited observed value (re-sealed), an edited data.tsv (re-sealed), bad
# meta.json, a student run with the wrong parameters, --class; bad input.
source "$(dirname "$0")/tap.sh"
export SHIKUMI_NO_REJUDGE=1   # made-up data: the drivers' own -J would rightly disagree
source "$(dirname "$0")/fixture-run.sh"
S=$TAP_TOP/scripts
command -v jq >/dev/null || plan_skip_all "jq not installed"

reseal() { "$S/manifest" write "$1"; }

rd=$TAP_TMP/class/alice/run
fixture_run "$rd"

# manifest
run_exit 0 "manifest verify: a sealed experiment" "$S/manifest" verify "$rd/ch01-syscall/hello"
ok "manifest leaves graphs out (make plots redraws them)" bash -c "! grep -q '\.png' '$rd/ch01-syscall/syscall-cost/MANIFEST.sha256'"
ok "manifest is sha256sum's format" bash -c "cd '$rd/ch01-syscall/hello' && sha256sum -c --quiet MANIFEST.sha256"
run_exit 3 "manifest verify: no manifest -> 3" "$S/manifest" verify "$rd/ch03-sched/nice.interrupted"
run_exit 2 "manifest: unknown action" "$S/manifest" seal "$rd"
run_exit 2 "manifest: not a directory" "$S/manifest" verify "$rd/nope"

# a clean chapter passes
run_exit 0 "lab-check: a complete, untouched chapter passes" "$S/lab-check" "$rd" ch01-syscall
like "$OUT" 'ch01-syscall +syscall-cost +3 +0 +0 +sealed' "per-experiment table: counts and seal"
like "$OUT" 'syscall-cost .* yes +PASS' "summary.tsv follows from data.tsv"
like "$OUT" 'lab-check: OK' "the verdict line says OK"

# the whole run: a FAIL and an interrupted experiment
run_exit 1 "lab-check: a FAIL and an interrupted experiment -> exit 1" "$S/lab-check" "$rd"
like "$OUT" 'FAIL +ch03-sched/slices' "the FAIL is listed"
like "$OUT" 'PROBLEM ch03-sched/nice: interrupted' "the interrupted experiment is a problem"
run_exit 1 "lab-check: a required chapter that was not run" "$S/lab-check" "$rd" ch01-syscall ch05-cow
like "$OUT" 'PROBLEM ch05-cow: MISSING' "the missing chapter is named"
printf 'name\tdescription\nhello\tx\nsyscall-cost\ty\nvanished\tz\n' >"$rd/ch01-syscall/experiments.tsv"
run_exit 1 "lab-check: a declared experiment that is not in the run" "$S/lab-check" --brief "$rd" ch01-syscall
like "$OUT" 'ch01-syscall/vanished: MISSING' "the missing experiment is named"
printf 'name\tdescription\nhello\tx\nsyscall-cost\ty\n' >"$rd/ch01-syscall/experiments.tsv"

# a student turns FAIL into PASS by hand
cp "$rd/ch03-sched/slices/verdict.tsv" "$TAP_TMP/v.keep"
sed -i 's/\tFAIL\t/\tPASS\t/' "$rd/ch03-sched/slices/verdict.tsv"
run_exit 1 "lab-check: an edited verdict.tsv -> exit 1" "$S/lab-check" --brief "$rd" ch03-sched
like "$OUT" 'slices: TAMPERED: changed: verdict.tsv' "the edited verdict.tsv is seen"
cp "$TAP_TMP/v.keep" "$rd/ch03-sched/slices/verdict.tsv"

# a careful student edits the observed value and re-seals: the number is not in the data
sed -i 's/getppid_ns = 100.5, call_ns/getppid_ns = 130.5, call_ns/' "$rd/ch01-syscall/syscall-cost/verdict.tsv"
reseal "$rd/ch01-syscall/syscall-cost"
run_exit 1 "lab-check: an observed value edited and re-sealed -> exit 1" "$S/lab-check" --brief "$rd" ch01-syscall
like "$OUT" 'observed 130.5 not found in the data' "the invented number is named"
sed -i 's/getppid_ns = 130.5, call_ns/getppid_ns = 100.5, call_ns/' "$rd/ch01-syscall/syscall-cost/verdict.tsv"
reseal "$rd/ch01-syscall/syscall-cost"

# a sk_check row (condition + values) turned from FAIL to PASS and re-sealed
cp "$rd/ch01-syscall/syscall-cost/verdict.tsv" "$TAP_TMP/v2.keep"
printf 'vdso-fast\tthe vDSO is 10x cheaper\tgetppid_ns >= 10 * vdso_ns\tgetppid_ns = 100.5, vdso_ns = 20.45\tPASS\t\n' >>"$rd/ch01-syscall/syscall-cost/verdict.tsv"
reseal "$rd/ch01-syscall/syscall-cost"
printf 'exp-cond\twith an exponent\tgetppid_ns > 1e-3 && vdso_ns > 1e3\tgetppid_ns = 100.5, vdso_ns = 20.45\tPASS\t\n' >>"$rd/ch01-syscall/syscall-cost/verdict.tsv"
reseal "$rd/ch01-syscall/syscall-cost"
run_exit 1 "lab-check: a PASS its own condition does not give -> exit 1" "$S/lab-check" --brief "$rd" ch01-syscall
like "$OUT" 'does not follow from its own condition and values: the vDSO is 10x cheaper \(PASS\)' "the row is named"
like "$OUT" 'with an exponent \(PASS\)' "numbers like 1e-3 in a condition are read as numbers"
printf 'evil\tx\tsystem("touch %s/pwned") || a > 1\ta = 2\tPASS\t\n' "$TAP_TMP" >>"$rd/ch01-syscall/syscall-cost/verdict.tsv"
reseal "$rd/ch01-syscall/syscall-cost"
run "$S/lab-check" --brief "$rd" ch01-syscall
ok "a condition with anything but names, numbers and operators is never evaluated" test ! -e "$TAP_TMP/pwned"
cp "$TAP_TMP/v2.keep" "$rd/ch01-syscall/syscall-cost/verdict.tsv"
reseal "$rd/ch01-syscall/syscall-cost"

# ... or edits data.tsv to fake the phenomenon, re-sealed: summary.tsv no longer follows
cp "$rd/ch01-syscall/syscall-cost/data.tsv" "$TAP_TMP/d.keep"
awk -F'\t' -v OFS='\t' '$1 == "getppid" { $3 = $3 * 3 } 1' "$TAP_TMP/d.keep" >"$rd/ch01-syscall/syscall-cost/data.tsv"
reseal "$rd/ch01-syscall/syscall-cost"
run_exit 1 "lab-check: data.tsv edited and re-sealed -> exit 1" "$S/lab-check" --brief "$rd" ch01-syscall
like "$OUT" 'medians in summary.tsv do not follow from data.tsv' "the inconsistent data is seen"
cp "$TAP_TMP/d.keep" "$rd/ch01-syscall/syscall-cost/data.tsv"
reseal "$rd/ch01-syscall/syscall-cost"
run_exit 0 "lab-check: restored, passes again" "$S/lab-check" --brief "$rd" ch01-syscall

# the run-level seal: meta.json edited
cp "$rd/meta.json" "$TAP_TMP/m.keep"
jq '.cpu.model = "Faster CPU"' "$TAP_TMP/m.keep" >"$rd/meta.json"
run_exit 1 "lab-check: an edited meta.json breaks the run's seal" "$S/lab-check" --brief "$rd" ch01-syscall
like "$OUT" 'PROBLEM run: TAMPERED: changed: meta.json' "the run seal names meta.json"
# meta.json without machine facts
jq 'del(.cpu.model) | del(.kernel)' "$TAP_TMP/m.keep" >"$rd/meta.json"
"$S/manifest" run "$rd"
run_exit 1 "lab-check: machine facts missing -> exit 1" "$S/lab-check" --brief "$rd" ch01-syscall
like "$OUT" 'machine facts missing: kernel.release cpu.model' "the missing facts are named"
echo '{ not json' >"$rd/meta.json"
"$S/manifest" run "$rd"
run_exit 1 "lab-check: meta.json not JSON -> exit 1" "$S/lab-check" --brief "$rd" ch01-syscall
like "$OUT" 'meta.json: not valid JSON' "said so"
cp "$TAP_TMP/m.keep" "$rd/meta.json"
"$S/manifest" run "$rd"
echo running >"$rd/status"
run_exit 1 "lab-check: an unfinished run -> exit 1" "$S/lab-check" --brief "$rd" ch01-syscall
like "$OUT" 'did not finish \(running\)' "said so"
echo complete >"$rd/status"

# per-student parameters
rb=$TAP_TMP/class/bob/results/20260101T000000Z-x
fixture_run "$rb"
jq --argjson s "$("$S/student" --json bob)" '. + {student: $s}' "$rb/meta.json" >"$TAP_TMP/m" && mv "$TAP_TMP/m" "$rb/meta.json"
nice=$("$S/student" --args bob ch03-sched | sed -n 2p)
mkdir -p "$rb/ch03-sched/nicex"
"$S/manifest" run "$rb"
run_exit 0 "lab-check: a student run with bob's parameters" "$S/lab-check" --brief "$rb" ch01-syscall
# the nice experiment's data must say bob's nice value
rm -rf "$rb/ch03-sched/nicex"; mkdir -p "$rb/ch03-sched/nice"
printf '# program: sched\n# nice_last_worker: %s\nt\n1\n' "$((nice == 9 ? 3 : nice + 1))" >"$rb/ch03-sched/nice/data.tsv"
run_exit 1 "lab-check: data made with another student's nice value -> exit 1" "$S/lab-check" --brief "$rb" ch01-syscall
like "$OUT" "ch03-sched/nice/data.tsv says nice_last_worker .*, id 'bob' needs $nice" "the wrong parameter is named"
printf '# program: sched\n# nice_last_worker: %s\nt\n1\n' "$nice" >"$rb/ch03-sched/nice/data.tsv"
jq '.student.id = "carol"' "$rb/meta.json" >"$TAP_TMP/m" && mv "$TAP_TMP/m" "$rb/meta.json"
run_exit 1 "lab-check: meta.json's parameters are not the id's" "$S/lab-check" --brief "$rb" ch01-syscall
like "$OUT" "not those of id 'carol'" "said so"
jq '.student.id = "bob"' "$rb/meta.json" >"$TAP_TMP/m" && mv "$TAP_TMP/m" "$rb/meta.json"
"$S/manifest" run "$rb"
ln -sfn 20260101T000000Z-x "$TAP_TMP/class/bob/results/latest"

# --class: one row per student
run_exit 1 "lab-check --class: alice's run has a FAIL -> exit 1" "$S/lab-check" --class "$TAP_TMP/class" ch01-syscall ch03-sched
ok "class summary TSV written" test -s "$TAP_TMP/class/lab-check.tsv"
ok "class summary HTML written" grep -q '<table>' "$TAP_TMP/class/lab-check.html"
is "$(awk -F'\t' 'NR > 1' "$TAP_TMP/class/lab-check.tsv" | wc -l)" 2 "one row per student (the latest link is not counted twice)"
like "$(awk -F'\t' '$1 == "bob" { print $10 }' "$TAP_TMP/class/lab-check.tsv")" 'CHECK' "bob: nice.interrupted is missing -> CHECK"
like "$(awk -F'\t' '$1 == "alice" { print $5 }' "$TAP_TMP/class/lab-check.tsv")" '^1$' "alice: 1 FAIL counted"
run_exit 0 "lab-check --class for ch01 only: both OK" "$S/lab-check" --class "$TAP_TMP/class" --out "$TAP_TMP/c1" ch01-syscall
is "$(awk -F'\t' 'NR > 1 { print $1, $10 }' "$TAP_TMP/c1.tsv" | sort | tr '\n' ' ')" "alice OK bob OK " "both students OK for ch01"

# student ids
run_exit 0 "student: the same id gives the same parameters" "$S/student" bob
is "$OUT" "$("$S/student" bob)" "deterministic"
ok "student: different ids differ somewhere" bash -c "[[ \$('$S/student' a1) != \$('$S/student' a2) || \$('$S/student' a3) != \$('$S/student' a4) ]]"
bad_args "$S/student" 'a b'
bad_args "$S/student"
bad_args "$S/student" --args bob

# bad input
run_exit 2 "lab-check: a directory that is not a run -> exit 2" "$S/lab-check" "$TAP_TMP"
like "$ERR" 'not a run directory' "with a clear message"
run_exit 2 "lab-check: no such directory -> exit 2" "$S/lab-check" "$TAP_TMP/nope"
run_exit 2 "lab-check: no argument -> exit 2" "$S/lab-check"
run_exit 2 "lab-check: bad chapter name -> exit 2" "$S/lab-check" "$rd" 'ch01;rm'
run_exit 2 "lab-check: unknown option -> exit 2" "$S/lab-check" --bogus "$rd"
mkdir -p "$TAP_TMP/empty"
run_exit 2 "lab-check --class: no run below -> exit 2" "$S/lab-check" --class "$TAP_TMP/empty"
run_exit 0 "lab-check -h" "$S/lab-check" -h
run_exit 0 "check-results is still there (lab-check)" "$S/check-results" -h
done_testing
