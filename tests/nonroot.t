#!/usr/bin/env bash
# nonroot.t - the quick suite as an unprivileged user (issue 9): as root, every
# chapter's driver runs with -q as SHIKUMI_NONROOT_USER (default: shikumi-ci,
# which .ci/run creates; nobody with SHIKUMI_NONROOT=1), results in that copy; every
# experiment is PASS or SKIP with a reason, never FAIL, and no log shows a
# traceback, "unbound variable", "command not found" or a crash. Not root: SKIP
# (the rest of the suite already runs unprivileged then).
source "$(dirname "$0")/tap.sh"

((EUID == 0)) || plan_skip_all "not root: the other tests already run unprivileged"
# A whole quick run takes a minute or two: make check runs it where the user
# shikumi-ci exists (.ci/run creates it) or when asked (SHIKUMI_NONROOT=1,
# then as nobody if there is no shikumi-ci).
command -v setpriv >/dev/null || plan_skip_all "setpriv (util-linux) not installed"
user=${SHIKUMI_NONROOT_USER:-}
if [[ -z $user ]]; then
	if id shikumi-ci >/dev/null 2>&1; then
		user=shikumi-ci
	elif [[ ${SHIKUMI_NONROOT:-} == 1 ]]; then
		user=nobody
	else
		plan_skip_all "no user shikumi-ci (.ci/run creates one): SHIKUMI_NONROOT=1 prove tests/nonroot.t runs the quick suite as nobody"
	fi
fi
uid=$(id -u "$user" 2>/dev/null) || plan_skip_all "no user $user"
gid=$(id -g "$user")
((uid != 0)) || plan_skip_all "$user is root"
as_user() {
	setpriv --reuid="$uid" --regid="$gid" --clear-groups --inh-caps=-all \
		env HOME="$TAP_TMP/u" TMPDIR="$TAP_TMP/u/tmp" USER="$user" LOGNAME="$user" "$@"
}
chmod 0711 "$TAP_TMP"
mkdir -p "$TAP_TMP/u/tmp"
# The built tree, copied where the user can read it and write its results/
# (a clone under /root is not even readable by others).
tar -C "$TAP_TOP" --exclude=./.git --exclude=./results --exclude=./build -cf - . | tar -C "$TAP_TMP/u" -xf - --one-top-level=tree
chown -R "$uid:$gid" "$TAP_TMP/u"
tree=$TAP_TMP/u/tree
as_user test -x "$tree/scripts/run-all" -a -w "$tree" || plan_skip_all "$user cannot use a copy of the tree in $TAP_TMP"

t0=$(date +%s)
rc=0
as_user timeout 900 "$tree/scripts/run-all" </dev/null >"$TAP_TMP/run-all.out" 2>"$TAP_TMP/run-all.err" || rc=$?
is "$rc" 0 "scripts/run-all (quick) as $user exits 0 ($(($(date +%s) - t0)) s)"
rd=$(cd "$tree/results/latest" 2>/dev/null && pwd -P)
ok "it wrote a run directory" test -n "$rd" -a -f "$rd/meta.json"
rd=${rd:-$tree/results/none}
while IFS=$'\t' read -r c code secs; do
	[[ $c == chapter ]] && continue
	is "$code" 0 "$c as $user exits 0 (${secs} s)"
done <"$rd/chapters.tsv"
ok "the report was written" test -s "$rd/report.html"

# every verdict row: PASS, or SKIP with a reason; never FAIL
rows=$(awk -F'\t' 'FNR == 1 { for (i = 1; i <= NF; i++) { if ($i == "result") r = i; if ($i == "note") n = i; if ($i == "check") k = i; if ($i == "observed") o = i }; next }
	{ print FILENAME "\t" $k "\t" $r "\t" $n "\t" $o }' "$rd"/ch*/*/verdict.tsv 2>/dev/null)
npass=$(awk -F'\t' '$3 == "PASS"' <<<"$rows" | grep -c . || true)
nskip=$(awk -F'\t' '$3 == "SKIP"' <<<"$rows" | grep -c . || true)
fails=$(awk -F'\t' '$3 == "FAIL" { sub(".*/results/[^/]*/", "", $1); print $1 ": " $2 " (observed: " $5 "; " $4 ")" }' <<<"$rows")
diag "as $user: $npass PASS, $nskip SKIP, $(grep -c . <<<"$fails" || true) FAIL"
cmp_ok "$npass" '>' 0 "some verdicts PASS as $user"
is "$fails" "" "no verdict FAILs as $user"
noreason=$(awk -F'\t' '$3 == "SKIP" && $4 == "" { sub(".*/results/[^/]*/", "", $1); print $1 ": " $2 }' <<<"$rows")
is "$noreason" "" "every SKIP gives its reason"
other=$(awk -F'\t' '$3 != "PASS" && $3 != "SKIP" && $3 != "FAIL" { print $1 ": " $3 }' <<<"$rows")
is "$other" "" "every verdict is PASS, SKIP or FAIL"

# no script or program breaking down on the way
bad=$(grep -HnE 'Traceback|unbound variable|command not found|syntax error|line [0-9]+: +[0-9]+ (Segmentation fault|Aborted|Bus error)|AddressSanitizer|runtime error:' \
	"$TAP_TMP"/run-all.err "$rd"/ch*/*/log.txt 2>/dev/null | grep -v 'SKIP' | head -10 || true)
is "$bad" "" "no traceback, unbound variable, command not found or crash in the logs"
left=$(find "$rd" -name '*.interrupted' -o -name '.*.partial' 2>/dev/null)
is "$left" "" "no experiment left unfinished"
done_testing
