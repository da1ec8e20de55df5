#!/usr/bin/env bash
# skeleton.t - the experiment skeleton of scripts/lib.sh: verdicts written once
# (sk_check: missing, empty and non-numeric values never PASS), sk_verdict_if
# on pasted-in junk, sk_prog turning "prog: SKIP: reason" + exit 4 into a SKIP
# verdict, declared experiments and -e.
source "$(dirname "$0")/tap.sh"

# A driver-like shell: lib.sh sourced, an experiment directory open.
lib() {
	bash -c '
		set -euo pipefail
		SK_PROG=skeleton.t
		source "$1/scripts/lib.sh"
		SK_RUN_DIR=$2 SK_CH_DIR=$2/ch00-test
		mkdir -p "$SK_CH_DIR"
		sk_exp_begin demo
		eval "$3"
		sk_exp_end
	' lib "$TAP_TOP" "$TAP_TMP/run" "$1" 2>"$TAP_TMP/err"
}
row() { awk -F'\t' -v id="$1" '$6 == id' "$TAP_TMP/run/ch00-test/demo/verdict.tsv"; }
result() { row "$1" | cut -f4; }

lib 'sk_check good "two is more than one" "a > b" a=2 b=1
     sk_check bad "one is more than two" "a > b" a=1 b=2
     sk_check empty "empty value" "a >= 0" a=
     sk_check nan "nan value" "a >= 0" a=nan
     sk_check junk "junk value" "a >= 0" a=abc
     sk_check inf "inf value" "a >= 0" a=inf
     sk_check twodots "malformed number" "a >= 0" a=1.2.3
     sk_check maybe "value may be absent" "a >= 0" a= --absent "tool missing"
     sk_check sci "scientific notation" "a < 1" a=1e-05 --observed "tiny" --note "a note"'
is "$(head -n 1 "$TAP_TMP/run/ch00-test/demo/verdict.tsv")" $'check\texpected\tobserved\tresult\tnote\tid' "verdict.tsv header has the id column"
is "$(result good)" PASS "sk_check: a true condition is PASS"
is "$(row good | cut -f2)" "a > b" "sk_check: the expected text is the condition"
is "$(row good | cut -f3)" "a = 2, b = 1" "sk_check: the observed text lists the values"
is "$(result bad)" FAIL "sk_check: a false condition is FAIL"
for id in empty nan junk inf twodots; do
	is "$(result $id)" FAIL "sk_check: $id value is FAIL, never PASS"
	like "$(row $id | cut -f3)" "^no value for a" "sk_check: $id says 'no value for a'"
done
is "$(result maybe)" SKIP "sk_check --absent: a missing value is SKIP"
is "$(row maybe | cut -f5)" "tool missing" "sk_check --absent: the reason is the note"
is "$(row sci | cut -f3-5)" $'tiny\tPASS\ta note' "sk_check: 1e-05 is a number; --observed and --note are kept"

# --load-sensitive: a FAIL becomes a SKIP naming the load only when sk_quietly saw it.
lib 'SK_OTHERS_PCT=50 SK_OTHERS_CPUS=1; sk_check busy "slow when busy" "a < 1" a=2 --load-sensitive
     SK_OTHERS_PCT=3; sk_check quiet "slow when quiet" "a < 1" a=2 --load-sensitive
     SK_OTHERS_PCT=""; sk_check unmeasured "not measured" "a < 1" a=2 --load-sensitive
     SK_OTHERS_PCT=50; sk_check plain "not load-sensitive" "a < 1" a=2
     SK_OTHERS_PCT=50; sk_check okbusy "passes anyway" "a > 1" a=2 --load-sensitive'
is "$(result busy)" SKIP "sk_check --load-sensitive: a FAIL on a busy CPU is SKIP"
like "$(row busy | cut -f5)" "machine busy: other processes used 50 % of CPU\(s\) 1" "  ... saying how busy"
is "$(result quiet)" FAIL "sk_check --load-sensitive: a FAIL on a quiet CPU stays FAIL"
is "$(result unmeasured)" FAIL "sk_check --load-sensitive: without a measurement of the load it stays FAIL"
is "$(result plain)" FAIL "sk_check without --load-sensitive: FAIL whatever the load"
is "$(result okbusy)" PASS "sk_check --load-sensitive: a PASS stays PASS"
# --fail-skips REASON: a FAIL is a SKIP with that reason; a PASS, or an empty REASON, is untouched.
lib 'sk_check skipped "fails for a known reason" "a < 1" a=2 --fail-skips "no such cache here"
     sk_check passes "passes anyway" "a > 1" a=2 --fail-skips "no such cache here"
     sk_check noreason "fails, no reason" "a < 1" a=2 --fail-skips ""'
is "$(row skipped | cut -f4,5)" $'SKIP\tno such cache here' "sk_check --fail-skips: a FAIL is SKIP with the reason"
is "$(result passes)" PASS "sk_check --fail-skips: a PASS stays PASS"
is "$(result noreason)" FAIL "sk_check --fail-skips '': a FAIL stays FAIL"
# sk_quietly: our own child's CPU time is not counted as other work.
lib 'c=$(sk_default_cpu); sk_quietly "$c" taskset -c "$c" timeout 0.5 sh -c "while :; do :; done" || true
     printf "%s\n" "$SK_OTHERS_PCT" >"$SK_RUN_DIR/others"'
others=$(cat "$TAP_TMP/run/others" 2>/dev/null)
like "$others" '^[0-9]+$' "sk_quietly measured the others' share of the CPU ($others %)"

lib 'sk_verdict_if "nan >= 0" "pasted nan" ">= 0" "nan"
     sk_verdict_if " >= 0" "pasted empty" ">= 0" ""
     sk_verdict_if "1.5e3 > 2 && 3 >= 2" "pasted numbers" "yes" "1.5e3"
     sk_verdict_if "\"heap\" == \"heap\" && 1 == 1" "quoted strings" "heap" "heap"'
is "$(result pasted-nan)" FAIL "sk_verdict_if: 'nan >= 0' is FAIL (awk would read nan as 0)"
is "$(result pasted-empty)" FAIL "sk_verdict_if: an empty operand is FAIL"
is "$(result pasted-numbers)" PASS "sk_verdict_if: numbers with exponents still PASS"
is "$(result quoted-strings)" PASS "sk_verdict_if: quoted strings compare"

RC=0
lib 'sk_check same "one" "a > 0" a=1; sk_check same "two" "a > 0" a=1' || RC=$?
is "$RC" 1 "a verdict id used twice in one experiment is an internal error"

# sk_prog: exit 4 + "prog: SKIP: reason" -> SKIP verdict with the reason.
cat >"$TAP_TMP/skipper" <<'EOF'
#!/bin/sh
echo "skipper: SKIP: needs the frobnicator (/sys/frob not found)" >&2
exit 4
EOF
cat >"$TAP_TMP/failer" <<'EOF'
#!/bin/sh
echo "failer: open /x: ENOENT" >&2
exit 1
EOF
chmod +x "$TAP_TMP/skipper" "$TAP_TMP/failer"
lib "sk_prog \"\$SK_EXP_DIR/data.tsv\" taskset -c 0 $TAP_TMP/skipper || echo \"rc=\$?\" >&2"
is "$(result skipper-runs)" SKIP "sk_prog: exit 4 becomes a SKIP verdict"
is "$(row skipper-runs | cut -f5)" "needs the frobnicator (/sys/frob not found)" "sk_prog: the SKIP reason is the program's own"
like "$(cat "$TAP_TMP/err")" "rc=4" "sk_prog returns 4 after a SKIP"
RC=0
lib "sk_prog \"\$SK_EXP_DIR/data.tsv\" $TAP_TMP/failer" || RC=$?
is "$RC" 1 "sk_prog: another failure ends the driver (exit 1)"
like "$(cat "$TAP_TMP/err")" "failer failed with exit code 1" "sk_prog: the message names the program"

# fake_driver NAME < BODY: $TAP_TMP/NAME, a driver made of the skeleton (the
# preamble, BODY's experiments, option parsing, the run) like chNN-*/run.sh.
fake_driver() {
	{
		printf '%s\n' '#!/usr/bin/env bash' 'set -euo pipefail' "SK_PROG=$1" "source '$TAP_TOP/scripts/lib.sh'"
		cat
		printf '%s\n' "usage() { echo 'Usage: $1'; sk_std_usage; }" 'sk_options ":qc:o:he:" "$@"' \
			'sk_run_init ch00-test "$SK_RUNDIR"' 'SK_CHAPTER=ch00-test' 'sk_run_experiments' 'sk_run_finish'
	} >"$TAP_TMP/$1"
	chmod +x "$TAP_TMP/$1"
}

# Declared experiments and -e.
fake_driver drv <<'EOF'
one() { sk_check one-ran "one ran" "x == 1" x=1; }
two() { sk_check two-ran "two ran" "x == 1" x=1; }
sk_experiment first one "the first"
sk_experiment second two "the second"
sk_experiment needy one "needs a tool" cmd:no-such-tool-here
EOF
bad_args "$TAP_TMP/drv" -e nope
like "$ERR" "one of: first second needy" "-e with an unknown name lists the valid ones"
run_exit 0 "drv -h" "$TAP_TMP/drv" -h
like "$OUT" "second +the second" "-h lists the declared experiments"
SHIKUMI_NO_REPORT=1 run_exit 0 "drv -e second -e needy" "$TAP_TMP/drv" -e second -e needy -o "$TAP_TMP/r2"
ok "-e: the named experiment ran" test -f "$TAP_TMP/r2/ch00-test/second/verdict.tsv"
ok "-e: the others did not" test ! -e "$TAP_TMP/r2/ch00-test/first"
like "$(cat "$TAP_TMP/r2/ch00-test/needy/verdict.tsv")" "SKIP	no-such-tool-here is not installed" "a missing need is a SKIP with the reason"
is "$(cut -f1 "$TAP_TMP/r2/ch00-test/experiments.tsv" | tr '\n' ' ')" "first second needy " "experiments.tsv keeps the declared order"

# A --load-sensitive FAIL is confirmed by measuring the experiment once more.
# flaky: slow on the first try only; absent: never fast; plain: not load-sensitive.
fake_driver drv2 <<EOF
count() { local n; n=\$((\$(cat "$TAP_TMP/\$1" 2>/dev/null || echo 0) + 1)); echo "\$n" >"$TAP_TMP/\$1"; echo "\$n"; }
# (flaky also assigns the names a driver's loop might use, without local.)
flaky() { local n; n=\$(count tries); echo "try \$n" >"\$SK_EXP_DIR/data.tsv"; name=clobbered i=2 try=1 first=""
	sk_check fast "fast enough" "t < 10" t=\$((n == 1 ? 50 : 5)) --load-sensitive; }
absent() { sk_check fast "fast enough" "t < 10" t=50 --load-sensitive; }
plain() { count ptries >/dev/null; sk_check fast "fast enough" "t < 10" t=50; }
sk_experiment flaky flaky "slow once"
sk_experiment absent absent "never fast"
sk_experiment plain plain "not load-sensitive"
EOF
SHIKUMI_NO_REPORT=1 run_exit 0 "drv2" "$TAP_TMP/drv2" -o "$TAP_TMP/r3"
v3() { awk -F'\t' '$6 == "fast"' "$TAP_TMP/r3/ch00-test/$1/verdict.tsv"; }
is "$(v3 flaky | cut -f4)" PASS "re-measure: a load-sensitive FAIL measured again and passing is PASS"
like "$(v3 flaky | cut -f5)" "^measured twice: the first try failed \(t = 50\)" "  ... its note says the first try failed, with what"
is "$(cat "$TAP_TMP/r3/ch00-test/flaky/data.tsv")" "try 2" "  ... its data are the second measurement's"
like "$(cat "$TAP_TMP/r3/ch00-test/flaky/verdict-first-try.tsv")" "FAIL" "  ... the first try's verdicts are kept beside them"
is "$(v3 absent | cut -f4)" FAIL "re-measure: a phenomenon that is not there fails twice"
is "$(v3 plain | cut -f4)" FAIL "re-measure: a check without --load-sensitive is not measured again"
is "$(cat "$TAP_TMP/ptries")" 1 "  ... (it ran once)"
is "$(cat "$TAP_TMP/r3/status")" complete-with-failures "the run status counts the final FAILs"
ok "the re-measured experiment was published once, nothing partial left" test ! -e "$TAP_TMP/r3/ch00-test/.flaky.partial"
is "$(cd "$TAP_TMP/r3/ch00-test" && ls -A | tr '\n' ' ')" "absent experiments.tsv flaky plain " "  ... under its own name, even when it assigned name, i, try"
rm -f "$TAP_TMP/tries"
SHIKUMI_NO_REPORT=1 run_exit 0 "drv2 -e flaky" "$TAP_TMP/drv2" -e flaky -o "$TAP_TMP/r5"
is "$(cat "$TAP_TMP/r5/status")" complete "a FAIL that the second measurement overturned is not counted"
rm -f "$TAP_TMP/tries"
SHIKUMI_REMEASURE=0 SHIKUMI_NO_REPORT=1 run_exit 0 "drv2 -e flaky, SHIKUMI_REMEASURE=0" "$TAP_TMP/drv2" -e flaky -o "$TAP_TMP/r4"
is "$(awk -F'\t' '$6 == "fast"' "$TAP_TMP/r4/ch00-test/flaky/verdict.tsv" | cut -f4)" FAIL "SHIKUMI_REMEASURE=0: no second measurement"
done_testing
