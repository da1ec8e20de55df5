#!/usr/bin/env bash
# cgroup.t - unit tests of lib/cgroup.c against fake cgroupfs trees (the C
# program speaks TAP itself); the real kernel's rules are tested by
# ch12-cgroup/tests/cgroup.t (v1/hybrid here) and v2-kernel.t (pure v2).
# shikumi: asan
source "$(dirname "$0")/../../tests/tap.sh"
export TREE_BASE=$TAP_TMP
"$(bin lib/tests/test-cgroup)"
rc=$?
rm -rf "$TAP_TMP"
exit "$rc"
