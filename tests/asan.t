#!/usr/bin/env bash
# asan.t - run every test file marked '# shikumi: asan' again, against the
# ASan+UBSan build (build/asan/...), one TAP line per file.
source "$(dirname "$0")/tap.sh"

mapfile -t files < <(cd "$TAP_TOP" && grep -l '^# shikumi: asan' lib/tests/*.t ch*/tests/*.t 2>/dev/null | sort)
((${#files[@]} > 0)) || plan_skip_all "no test file is marked for ASan"
[[ -x $TAP_TOP/build/asan/lib/tests/test-lib ]] || plan_skip_all "ASan build missing (make asan)"
plan "${#files[@]}"
export ASAN_OPTIONS=detect_leaks=0:abort_on_error=0:halt_on_error=1
export UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1
for f in "${files[@]}"; do
	log="$TAP_TMP/$(echo "$f" | tr / _).log"
	if SHIKUMI_VARIANT=asan bash "$TAP_TOP/$f" >"$log" 2>&1 &&
		! grep -q '^not ok' "$log" && ! grep -qE 'Sanitizer|runtime error:' "$log"; then
		pass "$f under ASan+UBSan ($(grep -c '^ok' "$log") checks)"
	else
		fail "$f under ASan+UBSan" "$(grep -E '^not ok|Sanitizer|runtime error:' "$log" | head -n 20)"
		sed 's/^/#   /' "$log" | tail -n 40
	fi
done
done_testing
