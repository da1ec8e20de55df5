#!/usr/bin/env bash
# install-deps.t - what `make run` does first (scripts/install-deps --run): installs
# every missing package as root with apt, says what is missing otherwise and goes
# on, one message when apt fails, never a prompt; and the "no graphs" line.
# apt-get and apt-cache are replaced by fakes: nothing is installed, no network.
source "$(dirname "$0")/tap.sh"
D=$TAP_TOP/scripts/install-deps

as_user() {   # as_user CMD...: as nobody when we are root (the non-root path)
	if ((EUID == 0)); then setpriv --reuid=nobody --regid=nogroup --clear-groups "$@"; else "$@"; fi
}

# everything present: silent and quick
if scripts_ok=$("$D" --check 2>&1) && [[ $scripts_ok != *missing* ]]; then
	t0=$(date +%s%N)
	run_exit 0 "--run with everything installed exits 0" "$D" --run
	t1=$(date +%s%N)
	is "$OUT$ERR" "" "... and prints nothing"
	cmp_ok "$(((t1 - t0) / 1000000))" '<' 1000 "... in under a second (ms)"
	run_exit 0 "--graphs with gnuplot installed: exit 0, silent" "$D" --graphs
else
	skip "not every package is installed here: $scripts_ok"; skip "-"; skip "-"; skip "-"
fi

# the "no graphs" line
SHIKUMI_HIDE_TOOLS=gnuplot-nox run_exit 1 "--graphs without gnuplot exits 1" "$D" --graphs
like "$OUT" '^no graphs: gnuplot is not installed; run: .*make plots$' "... and prints the line make run ends with"

# not root: one block with the exact command, the run goes on
export SHIKUMI_HIDE_TOOLS="gnuplot-nox fio"
run_exit 0 "--run, not root, wanted packages missing: exit 0" as_user "$D" --run </dev/null
like "$ERR" "missing packages: gnuplot-nox fio" "... names them"
like "$ERR" "sudo apt-get install -y --no-install-recommends gnuplot-nox fio" "... gives the exact command"
like "$ERR" "the run goes on without them" "... and says the run goes on"
SHIKUMI_HIDE_TOOLS="jq gnuplot-nox" run_exit 1 "--run, not root, a required package missing: exit 1" as_user "$D" --run </dev/null
like "$ERR" "required .*: jq" "... and says which is required"

# no apt at all
SHIKUMI_APT_GET=/nonexistent/apt-get run_exit 0 "--run without apt-get: exit 0" as_user "$D" --run </dev/null
like "$ERR" "no apt-get here" "... and says so"

# root with apt that fails (offline): one message naming the packages, exit 0
if ((EUID == 0)); then
	mkdir -p "$TAP_TMP/bin"
	cat >"$TAP_TMP/bin/apt-get" <<EOF
#!/bin/bash
echo "\$*" >>"$TAP_TMP/apt.calls"
[[ -t 0 ]] && echo "stdin is a terminal" >>"$TAP_TMP/apt.calls"
read -r -t 0.1 _ && echo "stdin had data" >>"$TAP_TMP/apt.calls"
echo "E: Failed to fetch http://deb.debian.org/ (offline)" >&2
exit 100
EOF
	cat >"$TAP_TMP/bin/apt-cache" <<'EOF'
#!/bin/bash
[[ $2 != fio ]]   # fio: "not in this distribution"
EOF
	chmod +x "$TAP_TMP/bin/apt-get" "$TAP_TMP/bin/apt-cache"
	SHIKUMI_APT_GET=$TAP_TMP/bin/apt-get SHIKUMI_APT_CACHE=$TAP_TMP/bin/apt-cache \
		TMPDIR=$TAP_TMP run_exit 0 "--run as root, apt offline: exit 0, the run goes on" "$D" --run <<<"y"
	like "$ERR" "could not install: gnuplot-nox \(apt-get failed or offline" "... one message naming the package"
	like "$ERR" "not in this distribution's lists, skipped: fio" "... and the package the distribution lacks"
	is "$(grep -c . <<<"$ERR")" 3 "... three lines in all (installing, skipped, could not)"
	like "$(cat "$TAP_TMP/apt.calls")" "install -y .*--no-install-recommends gnuplot-nox" "apt-get install -y, only what is missing and known"
	ok "... never with stdin to answer prompts" bash -c "! grep -q 'stdin' '$TAP_TMP/apt.calls'"
	ok "... the apt-get log kept in TMPDIR" test -n "$(compgen -G "$TAP_TMP/shikumi-install-deps.*")"
else
	skip "root with apt: not root"; skip "-"; skip "-"; skip "-"; skip "-"; skip "-"
fi
unset SHIKUMI_HIDE_TOOLS

# make run calls it (and make check keeps calling deps)
like "$(sed -n '/^run:/,/^$/p' "$TAP_TOP/Makefile")" "run-deps" "make run depends on run-deps"
like "$(sed -n '/^run-deps:/,/^$/p' "$TAP_TOP/Makefile")" "install-deps --run </dev/null" "run-deps: install-deps --run, no stdin"
like "$(sed -n '/^run:/,/^$/p' "$TAP_TOP/Makefile")" "install-deps --graphs" "make run ends with the no-graphs line when gnuplot is missing"
done_testing
