#!/usr/bin/env bash
# info.t - cgroup-info on this machine: detection is consistent with the
# mounts, --probe creates and removes a group (or SKIPs naming the file), bad
# controller names exit 2, and no group is left behind.
# shikumi: asan
source "$(dirname "$0")/../../tests/tap.sh"
source "$TAP_TOP/scripts/cgroup.sh"
info=$(bin ch12-cgroup/cgroup-info)
[[ -x $info ]] || plan_skip_all "programs not built (make${SHIKUMI_VARIANT:+ asan})"
export SHIKUMI_CG_TAG=shikumi-t$$

help_ok "$info"
bad_args "$info" --probe foo
bad_args "$info" --probe cpu,nosuch
bad_args "$info" --probe ""
bad_args "$info" --probe ,
bad_args "$info" stray
bad_args "$info" --bogus

run_exit 0 "cgroup-info runs" "$info"
printf '%s\n' "$OUT" >"$TAP_TMP/info.tsv"
tsv_ok "$TAP_TMP/info.tsv" "controller version mount caller_group" "cgroup-info TSV is well-formed"
mode=$(awk -F': ' '$1 == "# cgroup_mode" {print $2}' "$TAP_TMP/info.tsv")
if grep -q '^cgroup2 /sys/fs/cgroup cgroup2' /proc/mounts; then want=v2
elif grep -q ' /sys/fs/cgroup/unified cgroup2' /proc/mounts; then want=hybrid
elif grep -q ' cgroup ' /proc/mounts; then want=v1
else want=none; fi
is "$mode" "$want" "mode agrees with /proc/mounts ($want)"
v1mem=$(awk '$3 == "cgroup" && $4 ~ /(^|,)memory(,|$)/ {print $2}' /proc/mounts)
if [[ -n $v1mem ]]; then
	is "$(awk -F'\t' '$1 == "memory" {print $3}' "$TAP_TMP/info.tsv")" "$v1mem" "memory's v1 hierarchy found at $v1mem"
	is "$(awk -F'\t' '$1 == "memory" {print $4}' "$TAP_TMP/info.tsv")" \
		"$(awk -F: '$2 ~ /(^|,)memory(,|$)/ {print $3}' /proc/self/cgroup)" "caller's memory group as /proc/self/cgroup says"
else
	skip "no v1 memory hierarchy"
	skip "no v1 memory hierarchy"
fi

for ctrls in cpu,cpuacct memory pids io; do
	run "$info" --probe "$ctrls"
	if ((RC == 4)); then
		skip "probe $ctrls: $ERR"
		continue
	fi
	is "$RC" 0 "probe $ctrls: a group created and removed"
done
is "$(sk_cg_leftovers "$SHIKUMI_CG_TAG")" "" "no group left behind"
# Without privilege: SKIP naming the directory that was not writable.
if ((EUID == 0)) && command -v setpriv >/dev/null; then
	run setpriv --reuid=65534 --regid=65534 --clear-groups "$info" --probe cpu
	is "$RC" 4 "as nobody: --probe SKIPs (exit 4)"
	if [[ $mode == v2 ]]; then
		like "$ERR" "SKIP: " "the SKIP gives a reason"
	else
		like "$ERR" "SKIP: mkdir /[^ ]*: EACCES: the directory /[^ ]* is not writable" "the SKIP names the directory that was not writable"
	fi
else
	skip "not root or no setpriv"
	skip "not root or no setpriv"
fi
# A fake tree with no cgroup at all: SKIP, not failure.
mkdir -p "$TAP_TMP/empty"
SHIKUMI_CGROUP_ROOT=$TAP_TMP/empty run_exit 4 "no cgroup hierarchy: SKIP (exit 4)" "$info"
like "$ERR" "SKIP: no cgroup hierarchy" "the SKIP says why"
done_testing
