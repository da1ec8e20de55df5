#!/usr/bin/env bash
# v2-kernel.t - chapter 12's cgroup helper against a real pure-v2 kernel (the
# VM of tests/vm, make check-vm; SKIPs elsewhere). What a fake cgroupfs cannot
# show: detection, the suite's own processes moved into a leaf so that
# cgroup.subtree_control can be written (and both restored), a foreign process
# making the helper SKIP without touching it, limits read back from the
# kernel, orphans killed through cgroup.kill and every group removed,
# memory.max OOM inside the group (memory.events oom_kill), memory.high
# events, pids.max EAGAIN, cpu.stat throttling, io.max on a loop device.
# Timing is not judged (TCG emulates time).
# shikumi: vm
source "$(dirname "$0")/../../tests/tap.sh"
source "$TAP_TOP/scripts/cgroup.sh"
cg=/sys/fs/cgroup
[[ $(stat -f -c %T $cg 2>/dev/null) == cgroup2fs ]] || plan_skip_all "not a pure cgroup v2 machine ($cg is $(stat -f -c %T $cg 2>/dev/null)); make check-vm runs this in a v2 VM"
[[ -w $cg/cgroup.procs ]] || plan_skip_all "not root"
H=$TAP_TOP/ch12-cgroup
[[ -x $H/cg-run && -x $H/mem-limit ]] || plan_skip_all "programs not built (make)"
export SHIKUMI_CG_TAG=shikumi-v$$
unset SHIKUMI_CG_OWNER

# Our test group G beneath our own group, with the controllers enabled for it;
# everything is undone on exit.
self=$(sed -n 's/^0:://p' /proc/self/cgroup)
parent=$cg${self%/}
G=$parent/$SHIKUMI_CG_TAG-g
added=()
loopdev=""
cleanup() {
	[[ -n $loopdev ]] && losetup -d "$loopdev" 2>/dev/null
	pkill -f 'sleep 424[0-9]' 2>/dev/null
	if [[ -d $G ]]; then
		[[ -e $G/cgroup.kill ]] && echo 1 >"$G/cgroup.kill" 2>/dev/null
		for _ in $(seq 50); do
			find "$G" -depth -type d -exec rmdir {} + 2>/dev/null
			[[ -d $G ]] || break
			sleep 0.1
		done
	fi
	local c
	for c in "${added[@]}"; do echo "-$c" >"$parent/cgroup.subtree_control" 2>/dev/null; done
	rm -rf "$TAP_TMP"
}
trap cleanup EXIT
for c in cpu memory pids io; do
	if [[ " $(cat "$parent/cgroup.subtree_control") " != *" $c "* ]]; then
		echo "+$c" >"$parent/cgroup.subtree_control" && added+=("$c")
	fi
done
mkdir "$G"
# in_g CMD...: run CMD as the only process of G (a fresh bash moves itself in, then execs)
in_g() { bash -c 'echo $$ >"$0/cgroup.procs" && exec "$@"' "$G" "$@"; }

# 1. detection
run in_g "$H/cgroup-info"
is "$RC" 0 "cgroup-info runs inside G"
like "$OUT" $'# cgroup_mode: v2' "mode v2"
for c in cpu memory pids io; do
	like "$OUT" $'\n'"$c"$'\tv2\t' "$c is a v2 controller"
done

# 2. own processes into a leaf, subtree_control written, both restored
run in_g "$H/cgroup-info" --probe cpu,memory,pids
is "$RC" 0 "probe cpu,memory,pids inside G (${ERR:0:200})"
is "$(cat "$G/cgroup.subtree_control")" "" "G's subtree_control restored (empty)"
is "$(find "$G" -mindepth 1 -type d | wc -l)" 0 "no leaf or group left under G"
out=$TAP_TMP/place
bash -c 'echo $$ >"$0/cgroup.procs" && export SHIKUMI_CG_OWNER=$$ &&
	"$1" --pids-max 8 -- sh -c "cat /proc/$$/cgroup; cat /proc/self/cgroup; cat $0/cgroup.subtree_control" >"$2.during" &&
	cat /proc/$$/cgroup >"$2.after"' "$G" "$H/cg-run" "$out"
during=$(cat "$out.during" 2>/dev/null)
like "$during" "0::${G#"$cg"}/$SHIKUMI_CG_TAG-self-[0-9]+" "while a group exists, the suite's shell sits in its leaf"
like "$during" "0::${G#"$cg"}/$SHIKUMI_CG_TAG-cg-run-[0-9]+-1" "the command runs in the new group beneath G"
like "$during" "pids" "G's subtree_control lists pids meanwhile"
is "$(cat "$out.after" 2>/dev/null)" "0::${G#"$cg"}" "afterwards the suite's shell is back in G"
is "$(cat "$G/cgroup.subtree_control")" "" "and G's subtree_control is empty again"

# 3. a foreign process in G: SKIP, nobody moved, nothing enabled
sleep 4240 &
foreign=$!
echo "$foreign" >"$G/cgroup.procs"
run in_g "$H/cg-run" --pids-max 8 -- true
is "$RC" 4 "a foreign process in G: SKIP (exit 4)"
like "$ERR" "not the suite's" "the SKIP says the group holds someone else's process"
is "$(sed -n 's/^0:://p' "/proc/$foreign/cgroup")" "${G#"$cg"}" "the foreign process was not moved"
is "$(cat "$G/cgroup.subtree_control")" "" "G's subtree_control untouched"
kill "$foreign" 2>/dev/null
wait "$foreign" 2>/dev/null
for _ in $(seq 50); do [[ -z $(cat "$G/cgroup.procs") ]] && break; sleep 0.1; done

# 4. limits read back from the kernel
run in_g "$H/cg-run" --cpu-max 20 --memory-max 32M --pids-max 16 -- \
	sh -c 'g=/sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup); cat "$g/cpu.max" "$g/memory.max" "$g/pids.max" "$g/memory.swap.max"'
is "$RC" 0 "cg-run with cpu, memory and pids limits"
is "$OUT" $'20000 100000\n33554432\n16\n0' "cpu.max, memory.max, pids.max, memory.swap.max read back"

# 5. orphans left in the group are killed (cgroup.kill) and the group removed
run in_g "$H/cg-run" --pids-max 8 -- sh -c 'sleep 4241 & sleep 4242 & exit 0'
is "$RC" 0 "a command that leaves two orphans behind"
sleep 0.2
is "$(pgrep -f 'sleep 424[12]' || true)" "" "its orphans were killed"
is "$(sk_cg_leftovers "$SHIKUMI_CG_TAG" | grep -v -- "-g$" || true)" "" "and its group removed"

# 6. memory.max: OOM inside the group, counted in memory.events
run in_g "$H/mem-limit" -q -m oom --limit 32M
is "$RC" 0 "mem-limit -m oom runs"
printf '%s\n' "$OUT" >"$TAP_TMP/oom.tsv"
is "$(awk -F': ' '$1 == "# outcome" {print $2}' "$TAP_TMP/oom.tsv")" killed-sigkill "the child was OOM-killed"
cmp_ok "$(awk -F': ' '$1 == "# oom_kill" {print $2}' "$TAP_TMP/oom.tsv")" ">=" 1 "memory.events oom_kill counts it"
cmp_ok "$(awk -F': ' '$1 == "# peak_bytes" {print $2}' "$TAP_TMP/oom.tsv")" "<=" $((32 * 1048576)) "memory.peak stayed at the limit"

# 7. memory.high: throttled, not killed; high events
run in_g "$H/mem-limit" -q -m high --limit 32M
is "$RC" 0 "mem-limit -m high runs"
printf '%s\n' "$OUT" >"$TAP_TMP/high.tsv"
unlike=$(awk -F': ' '$1 == "# outcome" {print $2}' "$TAP_TMP/high.tsv")
ok "the child was not killed ($unlike)" test "${unlike#killed}" == "$unlike"
cmp_ok "$(awk -F': ' '$1 == "# high_events" {print $2}' "$TAP_TMP/high.tsv")" ">" 0 "memory.events high > 0"

# 8. pids.max: EAGAIN at the limit, all reaped
run in_g "$H/pids-limit" -n 16
is "$RC" 0 "pids-limit runs"
row=$(printf '%s\n' "$OUT" | grep -v '^#' | tail -n 1)
is "$(cut -f2,3,6 <<<"$row")" $'15\tEAGAIN\t15' "15 children + the leader, then EAGAIN; 15 reaped"

# 9. cpu.max throttles (counters only; TCG time is not judged)
run in_g "$H/cpu-limit" --quota 20 -d 500
is "$RC" 0 "cpu-limit --quota 20 -d 500 runs"
row=$(printf '%s\n' "$OUT" | grep -v '^#' | tail -n 1)
cmp_ok "$(cut -f13 <<<"$row")" ">" 0 "cpu.stat nr_throttled > 0"

# 10. io.max on a loop device
if command -v losetup >/dev/null && truncate -s 32M "$TAP_TMP/loop.img" && loopdev=$(losetup -f --show "$TAP_TMP/loop.img" 2>/dev/null); then
	mm=$(lsblk -dno MAJ:MIN "$loopdev" | tr -d ' ')
	run in_g "$H/cg-run" --io-max "$mm rbps=1048576" -- sh -c 'cat /sys/fs/cgroup$(sed -n "s/^0:://p" /proc/self/cgroup)/io.max'
	like "$OUT" "^$mm rbps=1048576 " "io.max accepted for $loopdev ($OUT)"
else
	skip "no loop device (losetup)"
fi
is "$(sk_cg_leftovers "$SHIKUMI_CG_TAG" | grep -v -- "-g$" || true)" "" "no group left beneath G"
done_testing
