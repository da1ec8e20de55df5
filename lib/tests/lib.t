#!/usr/bin/env bash
# lib.t - unit tests of lib/ (the C program speaks TAP itself).
# shikumi: asan
source "$(dirname "$0")/../../tests/tap.sh"
trap - EXIT
rm -rf "$TAP_TMP"
exec "$(bin lib/tests/test-lib)"
