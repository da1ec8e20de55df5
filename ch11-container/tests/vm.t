#!/usr/bin/env bash
# vm.t - chapter 11 on a pure cgroup v2 kernel: Debian 12's Linux 6.1 booted by
# tests/vm/run-in-vm (make check-vm). Each namespace demo runs; mini-container
# with --pids/--memory/--cpu puts the container in a cgroup v2 leaf (chapter
# 12's helper: subtree_control, no-internal-process rule) and container-check
# finds every limit under /sys/fs/cgroup (cgroup2 mounted inside the cgroup
# namespace) and enforced; no group is left. Timing is not judged here (TCG).
# shikumi: vm
source "$(dirname "$0")/../../tests/tap.sh"
[[ ${SHIKUMI_IN_VM:-} == 1 ]] || plan_skip_all "runs inside the VM only (make check-vm)"
((EUID == 0)) || plan_skip_all "needs root"
[[ $(stat -f -c %T /sys/fs/cgroup) == cgroup2fs ]] || plan_skip_all "/sys/fs/cgroup is not cgroup2"
H=$TAP_TOP/ch11-container
[[ -x $H/mini-container ]] || plan_skip_all "programs not built (make)"
# shellcheck source=ch11-container/rootfs.sh
source "$H/rootfs.sh"
ch11_busybox >/dev/null || plan_skip_all "no static busybox (package busybox-static)"

for k in pid uts mnt ipc net user cgroup time; do
	dir=()
	[[ $k == mnt || $k == user ]] && dir=(-D "$TAP_TMP")
	run timeout 60 "$H/ns-$k" -q "${dir[@]}"
	if [[ $RC == 4 ]]; then skip "ns-$k: ${ERR##*SKIP: }"; continue; fi
	is "$RC" 0 "ns-$k runs on $(uname -r)"
done
like "$(run "$H/ns-cgroup"; echo "$OUT")" $'inside\tcgroup\\[v2\\]\t/' "ns-cgroup: the v2 line reads / inside"

chmod 711 "$TAP_TMP"
ch11_rootfs "$TAP_TMP/rootfs" "$H/container-check" || { fail "rootfs built"; done_testing; exit; }
echo marker >"$TAP_TMP/marker"
hostns=""
for k in pid mnt uts ipc net cgroup; do hostns+="${hostns:+,}$k:$(stat -L -c %i /proc/self/ns/$k)"; done
lim=(--pids 16 --memory 32M --cpu 50)
export SHIKUMI_CG_TAG=shikumi-ch11vm-$$
run timeout 90 "$H/mini-container" -r "$TAP_TMP/rootfs" --init --seccomp "${lim[@]}" -- \
	container-check --host-ns "$hostns" --uid-map "0 0 4294967295" --hostname shikumi --seccomp --init \
	--marker "$TAP_TMP/marker" "${lim[@]}"
if [[ $RC == 4 ]]; then
	skip "mini-container with limits: ${ERR##*SKIP: }"
else
	is "$RC" 0 "mini-container + container-check: every check passes on cgroup v2"
	[[ $RC == 0 ]] || diag "$(grep -v PASS <<<"$OUT")" "$ERR"
	like "$OUT" $'limit-pids-visible\t[^\n]*/sys/fs/cgroup/pids.max = 16\t[^\n]*PASS' "pids.max read through cgroup2 inside"
	like "$OUT" $'memory-enforced\t[^\n]*PASS' "memory.max OOM-kills inside the container's group"
	like "$OUT" $'pids-enforced\t[^\n]*PASS' "pids.max stops fork with EAGAIN"
fi
is "$(find /sys/fs/cgroup -mindepth 1 -maxdepth 8 -type d -name "$SHIKUMI_CG_TAG-*" 2>/dev/null)" "" "no cgroup left"

run timeout 60 setpriv --reuid=65534 --regid=65534 --clear-groups "$H/mini-container" -r "$TAP_TMP/rootfs" -- \
	container-check --uid-map "0 65534 1" --marker "$TAP_TMP/marker"
if [[ $RC == 4 ]]; then skip "rootless: ${ERR##*SKIP: }"; else is "$RC" 0 "rootless mini-container: every check passes"; fi

mkdir -p "$TAP_TMP/jail/rootfs" "$TAP_TMP/stage"
echo outside >"$TAP_TMP/jail/marker"
run unshare --mount --propagation private "$H/chroot-lab" -D "$TAP_TMP/jail" -r rootfs
like "$OUT" $'chroot\tescape_reached_marker\tyes' "chroot lab: the escape reaches the marker"
like "$OUT" $'pivot_root\tescape_reached_marker\tno' "chroot lab: pivot_root holds"
run unshare --mount --propagation private "$H/mount-lab" -D "$TAP_TMP/stage"
like "$OUT" $'propagation_unchanged\tinner_mount_seen_outside\tyes' "mount lab: leaks without MS_PRIVATE"
like "$OUT" $'private_first\tinner_mount_seen_outside\tno' "mount lab: private holds"
is "$(findmnt -rn -o TARGET | grep -c "$TAP_TMP" || true)" 0 "no mount left"
done_testing
